/* io_internal.h - what io.c shares with model_file.c; not installed. */
#ifndef EDD_IO_INTERNAL_H
#define EDD_IO_INTERNAL_H

#include <stddef.h>

/* Printable copy of n magic bytes into out (which holds n + 1): bytes
 * outside ASCII 0x20..0x7e become '?'. For an error message. */
void edd_io_printable(const unsigned char *b, size_t n, char *out);

#endif
