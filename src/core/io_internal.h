/* io_internal.h - what io.c and provenance.c share with model_file.c; not
 * installed. */
#ifndef EDD_IO_INTERNAL_H
#define EDD_IO_INTERNAL_H

#include <stddef.h>

#include "edd/io.h"

/* Printable copy of n magic bytes into out (which holds n + 1): bytes
 * outside ASCII 0x20..0x7e become '?'. For an error message. */
void edd_io_printable(const unsigned char *b, size_t n, char *out);

/* 1 when any field of p is set (the file is then version 2), else 0. */
int edd_prov_known(const edd_provenance *p);

/* p as "key=value\n" lines into buf (EDD_PROV_TEXT_MAX + 1 bytes), *len
 * bytes without the NUL; fails (EDD_ERR_ARG, naming path and the field) on
 * a field that is not NUL-terminated or has a byte outside printable ASCII. */
edd_status edd_prov_text(edd_ctx *ctx, const char *path, const edd_provenance *p, char *buf, size_t *len);

/* The len bytes of t ("key=value\n" lines; unknown keys skipped) into *p;
 * fails (EDD_ERR_FORMAT, naming path) on a line without '=' or a newline,
 * a byte outside printable ASCII or a value too long for its field. */
edd_status edd_prov_parse(edd_ctx *ctx, const char *path, const char *t, size_t len, edd_provenance *p);

#endif
