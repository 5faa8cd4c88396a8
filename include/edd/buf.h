/* edd/buf.h - one way to build text: a growing buffer with a sticky error
 * flag (in the manner of redis sds), and paths that must fit.
 *
 * Owns: edd_buf and the rule that an allocation failure is remembered, not
 * returned: every append after one is a no-op, and the caller checks once,
 * at the end, with edd_buf_status. A path that does not fit its buffer is
 * an error, never a silent truncation.
 * May call: core (edd_fail), libc. */
#ifndef EDD_BUF_H
#define EDD_BUF_H

#include <stddef.h>

#include "edd/core.h"

/* Longest path edd builds, with its terminating NUL (Linux PATH_MAX). */
#define EDD_PATH_MAX 4096

/* Text under construction: s[0..len) plus a NUL once anything was appended
 * (s is NULL before), cap bytes allocated. err is set by the first failed
 * allocation (or a failed format) and stays set. Start from edd_buf b = {0}. */
typedef struct {
    char *s;
    size_t len, cap;
    int err;
} edd_buf;

/* Append n bytes of data. A no-op once b->err is set; sets it if the buffer
 * cannot grow. */
EDD_API void edd_buf_append(edd_buf *b, const void *data, size_t n);

/* Append printf output (any length). A no-op once b->err is set; sets it if
 * the buffer cannot grow or the format fails. */
EDD_API void edd_buf_printf(edd_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* EDD_OK if every append to b succeeded; otherwise EDD_ERR_NOMEM with a
 * message naming what (e.g. "report.md") and how many bytes were built. */
EDD_API edd_status edd_buf_status(edd_ctx *ctx, const edd_buf *b, const char *what);

/* Release b's memory and leave it empty, its error cleared. */
EDD_API void edd_buf_free(edd_buf *b);

/* dir/rel into out (n bytes). EDD_ERR_ARG, naming dir and the length, if
 * it does not fit; out is then an empty string. */
EDD_API edd_status edd_path_join(edd_ctx *ctx, char *out, size_t n, const char *dir, const char *rel);

#endif
