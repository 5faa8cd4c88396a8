/* buf.c - the growing text buffer with a sticky error flag, and checked
 * path joins (include/edd/buf.h). */
#include "edd/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Make room for `more` bytes plus a NUL; 0 on success, else sets b->err. */
static int grow(edd_buf *b, size_t more)
{
    if (b->err)
        return -1;
    if (more >= (size_t)-1 / 2 - b->len) {
        b->err = 1;
        return -1;
    }
    size_t need = b->len + more + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    char *s = realloc(b->s, cap);
    if (!s) {
        b->err = 1;
        return -1;
    }
    b->s = s;
    b->cap = cap;
    return 0;
}

void edd_buf_append(edd_buf *b, const void *data, size_t n)
{
    if (grow(b, n))
        return;
    memcpy(b->s + b->len, data, n);
    b->len += n;
    b->s[b->len] = 0;
}

void edd_buf_printf(edd_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = b->err ? 0 : vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (k < 0)
        b->err = 1;
    if (b->err || grow(b, (size_t)k))
        return;
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    b->len += (size_t)k;
}

edd_status edd_buf_status(edd_ctx *ctx, const edd_buf *b, const char *what)
{
    if (!b->err)
        return EDD_OK;
    return edd_fail(ctx, EDD_ERR_NOMEM, "%s: out of memory building its text after %zu bytes, expected it to grow",
                    what, b->len);
}

void edd_buf_free(edd_buf *b)
{
    free(b->s);
    *b = (edd_buf){0};
}

edd_status edd_path_join(edd_ctx *ctx, char *out, size_t n, const char *dir, const char *rel)
{
    int k = snprintf(out, n, "%s/%s", dir, rel);
    if (k >= 0 && (size_t)k < n)
        return EDD_OK;
    if (n)
        out[0] = 0;
    return edd_fail(ctx, EDD_ERR_ARG, "a path of %d bytes, expected at most %zu: '%s' in folder '%s'", k,
                    n ? n - 1 : 0, rel, dir);
}
