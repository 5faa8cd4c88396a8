/* npy.c - NumPy .npy arrays: the subset of include/edd/io.h, version 1.0
 * written (atomically, through edd_file_write_atomic), 1.0, 2.0 and 3.0
 * read (through edd_file_fopen_regular).
 *
 * Owns: edd_npy_elsize, edd_npy_write, edd_npy_read, edd_npy_free.
 * May call: io.c (the open and write functions, edd_mem_check), libc. */
#include "edd/io.h"
#include "io_internal.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* .npy payloads are copied as they lie in memory. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "edd's file formats assume a little-endian host");

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAGIC_LEN 6
#define NPY_ALIGN 64
#define NPY_MAX_HEADER ((size_t)1 << 20)

/* ---- .npy ---- */

static const char *const npy_descr[] = {"<f4", "|u1", "<i4", "<i8"};

size_t edd_npy_elsize(edd_npy_dtype dtype)
{
    switch (dtype) {
    case EDD_NPY_F32: return 4;
    case EDD_NPY_U8: return 1;
    case EDD_NPY_I32: return 4;
    case EDD_NPY_I64: return 8;
    }
    return 0;
}

/* Element count and byte count of a shape; nonzero on overflow. */
static int npy_sizes(int rank, const size_t *shape, size_t elsize, size_t *count, size_t *nbytes)
{
    size_t c = 1;
    for (int i = 0; i < rank; i++)
        if (__builtin_mul_overflow(c, shape[i], &c))
            return 1;
    *count = c;
    return __builtin_mul_overflow(c, elsize, nbytes);
}

/* NumPy's repr of a shape tuple: "()", "(3,)", "(3, 4)". */
static void npy_shape_str(int rank, const size_t *shape, char *buf, size_t n)
{
    size_t used = (size_t)snprintf(buf, n, "(");
    for (int i = 0; i < rank && used < n; i++)
        used += (size_t)snprintf(buf + used, n - used, i ? ", %zu" : "%zu", shape[i]);
    if (used < n)
        snprintf(buf + used, n - used, rank == 1 ? ",)" : ")");
}

edd_status edd_npy_write(edd_ctx *ctx, const char *path, edd_npy_dtype dtype, int rank, const size_t *shape,
                         const void *data)
{
    size_t elsize = edd_npy_elsize(dtype);
    if (!elsize)
        return edd_fail(ctx, EDD_ERR_ARG, "%s: npy dtype is %d, expected EDD_NPY_F32, _U8 or _I32", path, (int)dtype);
    if (rank < 0 || rank > EDD_NPY_MAX_RANK || (rank > 0 && !shape))
        return edd_fail(ctx, EDD_ERR_ARG, "%s: npy rank is %d, expected 0 to %d with a shape", path, rank,
                        EDD_NPY_MAX_RANK);
    size_t count, nbytes;
    if (npy_sizes(rank, shape, elsize, &count, &nbytes))
        return edd_fail(ctx, EDD_ERR_NOMEM, "%s: npy shape overflows a size_t", path);
    if (nbytes > 0 && !data)
        return edd_fail(ctx, EDD_ERR_ARG, "%s: npy data is NULL, expected %zu bytes", path, nbytes);

    char shp[160];
    npy_shape_str(rank, shape, shp, sizeof shp);
    char head[256];
    int len = snprintf(head + NPY_MAGIC_LEN + 4, sizeof head - NPY_MAGIC_LEN - 4,
                       "{'descr': '%s', 'fortran_order': False, 'shape': %s, }", npy_descr[dtype], shp);
    size_t total = NPY_MAGIC_LEN + 4 + (size_t)len + 1;
    size_t padded = (total + NPY_ALIGN - 1) / NPY_ALIGN * NPY_ALIGN;
    memset(head + total - 1, ' ', padded - total);
    head[padded - 1] = '\n';
    size_t hlen = padded - NPY_MAGIC_LEN - 4;
    memcpy(head, NPY_MAGIC, NPY_MAGIC_LEN);
    head[6] = 1;
    head[7] = 0;
    head[8] = (char)(hlen & 0xff);
    head[9] = (char)(hlen >> 8);

    const void *chunks[2] = {head, data};
    size_t sizes[2] = {padded, nbytes};
    return edd_file_write_atomic(ctx, path, chunks, sizes, 2);
}

/* A cursor over the header dict, with the reason parsing stopped. */
typedef struct {
    const char *s;
    size_t i, n;
    char why[160];
} npy_parser;

static int npy_bad(npy_parser *p, const char *expected)
{
    snprintf(p->why, sizeof p->why, "expected %s at offset %zu, found '%.16s'", expected, p->i, p->s + p->i);
    return -1;
}

static void npy_ws(npy_parser *p)
{
    while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' || p->s[p->i] == '\r'))
        p->i++;
}

static int npy_eat(npy_parser *p, char c)
{
    npy_ws(p);
    if (p->i < p->n && p->s[p->i] == c) {
        p->i++;
        return 1;
    }
    return 0;
}

/* A quoted Python string without escapes, into buf. */
static int npy_string(npy_parser *p, char *buf, size_t n)
{
    npy_ws(p);
    if (p->i >= p->n || (p->s[p->i] != '\'' && p->s[p->i] != '"'))
        return npy_bad(p, "a quoted string");
    char q = p->s[p->i];
    size_t start = ++p->i;
    while (p->i < p->n && p->s[p->i] != q && p->s[p->i] != '\\')
        p->i++;
    if (p->i >= p->n || p->s[p->i] != q || p->i - start >= n)
        return npy_bad(p, "a short string without escapes");
    memcpy(buf, p->s + start, p->i - start);
    buf[p->i - start] = '\0';
    p->i++;
    return 0;
}

static int npy_bool(npy_parser *p, int *v)
{
    npy_ws(p);
    if (p->n - p->i >= 4 && memcmp(p->s + p->i, "True", 4) == 0) {
        p->i += 4;
        *v = 1;
        return 0;
    }
    if (p->n - p->i >= 5 && memcmp(p->s + p->i, "False", 5) == 0) {
        p->i += 5;
        *v = 0;
        return 0;
    }
    return npy_bad(p, "True or False");
}

static int npy_shape(npy_parser *p, int *rank, size_t *shape)
{
    if (!npy_eat(p, '('))
        return npy_bad(p, "'(' opening the shape tuple");
    *rank = 0;
    for (;;) {
        if (npy_eat(p, ')'))
            return 0;
        npy_ws(p);
        if (p->i >= p->n || p->s[p->i] < '0' || p->s[p->i] > '9')
            return npy_bad(p, "a dimension (non-negative integer)");
        size_t v = 0;
        while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9') {
            if (__builtin_mul_overflow(v, (size_t)10, &v) || __builtin_add_overflow(v, (size_t)(p->s[p->i] - '0'), &v))
                return npy_bad(p, "a dimension that fits a size_t");
            p->i++;
        }
        if (*rank == EDD_NPY_MAX_RANK)
            return npy_bad(p, "at most 4 dimensions");
        shape[(*rank)++] = v;
        if (npy_eat(p, ')'))
            return *rank == 1 ? npy_bad(p, "a comma after the only dimension, as in (3,)") : 0;
        if (!npy_eat(p, ','))
            return npy_bad(p, "',' or ')' in the shape tuple");
    }
}

/* Parse the header dict into dtype, rank and shape. */
static int npy_parse_header(npy_parser *p, edd_npy *out)
{
    int seen_descr = 0, seen_fortran = 0, seen_shape = 0, fortran = 0;
    char descr[16], key[32];
    if (!npy_eat(p, '{'))
        return npy_bad(p, "'{' opening the header dict");
    while (!npy_eat(p, '}')) {
        if (npy_string(p, key, sizeof key))
            return -1;
        if (!npy_eat(p, ':'))
            return npy_bad(p, "':' after a key");
        if (strcmp(key, "descr") == 0 && !seen_descr++) {
            if (npy_string(p, descr, sizeof descr))
                return -1;
        } else if (strcmp(key, "fortran_order") == 0 && !seen_fortran++) {
            if (npy_bool(p, &fortran))
                return -1;
        } else if (strcmp(key, "shape") == 0 && !seen_shape++) {
            if (npy_shape(p, &out->rank, out->shape))
                return -1;
        } else {
            snprintf(p->why, sizeof p->why, "key '%s' is unknown or repeated, expected descr, fortran_order, shape",
                     key);
            return -1;
        }
        if (!npy_eat(p, ',')) {
            if (!npy_eat(p, '}'))
                return npy_bad(p, "',' or '}' after a value");
            break;
        }
    }
    npy_ws(p);
    if (p->i != p->n)
        return npy_bad(p, "only spaces and a newline after the dict");
    if (!seen_descr || !seen_fortran || !seen_shape) {
        snprintf(p->why, sizeof p->why, "the dict lacks %s, expected descr, fortran_order and shape",
                 !seen_descr ? "descr" : !seen_fortran ? "fortran_order" : "shape");
        return -1;
    }
    if (fortran) {
        snprintf(p->why, sizeof p->why, "fortran_order is True, expected False (C order)");
        return -1;
    }
    if (strcmp(descr, "<f4") == 0)
        out->dtype = EDD_NPY_F32;
    else if (strcmp(descr, "|u1") == 0 || strcmp(descr, "<u1") == 0)
        out->dtype = EDD_NPY_U8;
    else if (strcmp(descr, "<i4") == 0)
        out->dtype = EDD_NPY_I32;
    else if (strcmp(descr, "<i8") == 0)
        out->dtype = EDD_NPY_I64;
    else {
        snprintf(p->why, sizeof p->why, "descr is '%s', expected '<f4', '|u1', '<i4' or '<i8'", descr);
        return -1;
    }
    return 0;
}

static edd_status npy_read_file(edd_ctx *ctx, const char *path, FILE *f, edd_npy *out)
{
    struct stat sb;
    if (fstat(fileno(f), &sb) || !S_ISREG(sb.st_mode))
        return edd_fail(ctx, EDD_ERR_IO, "%s: found no regular file, expected a .npy file", path);
    size_t fsize = (size_t)sb.st_size;
    unsigned char pre[12];
    if (fsize < 10 || fread(pre, 1, 10, f) != 10)
        return edd_fail(ctx, EDD_ERR_FORMAT, "%s: found %zu bytes, expected at least 10 for a .npy preamble", path,
                        fsize);
    if (memcmp(pre, NPY_MAGIC, NPY_MAGIC_LEN) != 0) {
        char magic[NPY_MAGIC_LEN + 1];
        edd_io_printable(pre, NPY_MAGIC_LEN, magic);
        return edd_fail(ctx, EDD_ERR_FORMAT, "%s: magic is \"%s\", expected \"\\x93NUMPY\": not a .npy file", path,
                        magic);
    }
    int major = pre[6], minor = pre[7];
    if (major < 1 || major > 3 || minor != 0)
        return edd_fail(ctx, EDD_ERR_FORMAT, "%s: .npy version is %d.%d, expected 1.0, 2.0 or 3.0", path, major,
                        minor);
    size_t hlen = (size_t)pre[8] | (size_t)pre[9] << 8, pos = 10;
    if (major > 1) {
        if (fread(pre + 10, 1, 2, f) != 2)
            return edd_fail(ctx, EDD_ERR_FORMAT, "%s: found %zu bytes, expected at least 12 for a .npy v%d preamble",
                            path, fsize, major);
        hlen |= (size_t)pre[10] << 16 | (size_t)pre[11] << 24;
        pos = 12;
    }
    if (hlen > NPY_MAX_HEADER || hlen > fsize - pos)
        return edd_fail(ctx, EDD_ERR_FORMAT, "%s: .npy header length is %zu, expected at most %zu (file has %zu bytes)",
                        path, hlen, fsize - pos < NPY_MAX_HEADER ? fsize - pos : NPY_MAX_HEADER, fsize);
    char *hdr = malloc(hlen + 1);
    if (!hdr)
        return edd_fail(ctx, EDD_ERR_NOMEM, "%s: cannot allocate %zu bytes for the .npy header", path, hlen);
    if (fread(hdr, 1, hlen, f) != hlen) {
        free(hdr);
        return edd_fail(ctx, EDD_ERR_IO, "%s: read of the .npy header failed", path);
    }
    hdr[hlen] = '\0';
    npy_parser p = {.s = hdr, .i = 0, .n = strlen(hdr)};
    int bad = p.n != hlen ? npy_bad(&p, "no NUL byte in the header") : npy_parse_header(&p, out);
    free(hdr);
    if (bad)
        return edd_fail(ctx, EDD_ERR_FORMAT, "%s: .npy header: %s", path, p.why);
    for (int i = out->rank; i < EDD_NPY_MAX_RANK; i++)
        out->shape[i] = 1;

    char shp[160];
    npy_shape_str(out->rank, out->shape, shp, sizeof shp);
    if (npy_sizes(out->rank, out->shape, edd_npy_elsize(out->dtype), &out->count, &out->nbytes))
        return edd_fail(ctx, EDD_ERR_FORMAT, "%s: .npy shape %s overflows a size_t", path, shp);
    size_t payload = fsize - pos - hlen;
    if (payload != out->nbytes)
        return edd_fail(ctx, EDD_ERR_FORMAT, "%s: found %zu payload bytes, expected %zu for shape %s of '%s': %s",
                        path, payload, out->nbytes, shp, npy_descr[out->dtype],
                        payload < out->nbytes ? "the file is truncated" : "trailing bytes");
    char what[PATH_MAX + 200];
    snprintf(what, sizeof what, "%s: the .npy payload of shape %s", path, shp);
    edd_status st = edd_mem_check(ctx, what, out->nbytes);
    if (st)
        return st;
    out->data = malloc(out->nbytes ? out->nbytes : 1);
    if (!out->data)
        return edd_fail(ctx, EDD_ERR_NOMEM, "%s: cannot allocate %zu bytes for the .npy payload", path, out->nbytes);
    if (fread(out->data, 1, out->nbytes, f) != out->nbytes)
        return edd_fail(ctx, EDD_ERR_IO, "%s: read of %zu payload bytes failed", path, out->nbytes);
    return EDD_OK;
}

edd_status edd_npy_read(edd_ctx *ctx, const char *path, edd_npy *out)
{
    memset(out, 0, sizeof *out);
    FILE *f;
    edd_status st = edd_file_fopen_regular(ctx, path, "a .npy file", &f);
    if (st)
        return st;
    st = npy_read_file(ctx, path, f, out);
    fclose(f);
    if (st)
        edd_npy_free(out);
    return st;
}

void edd_npy_free(edd_npy *a)
{
    free(a->data);
    memset(a, 0, sizeof *a);
}
