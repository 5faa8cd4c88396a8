/* idx.c - IDX reader, plain or gzip. See include/edd/data.h and docs/FORMATS.md. */
#include "edd/data.h"
#include "edd/io.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

/* gzread takes an unsigned length and returns an int: read in pieces. */
#define IDX_READ_PIECE ((size_t)1 << 24)
/* The payload buffer's first size; it doubles while the bytes keep coming. */
#define IDX_READ_FIRST ((size_t)1 << 20)

static const char *idx_type_name(int t)
{
    switch (t) {
    case 0x08: return "unsigned byte";
    case 0x09: return "signed byte";
    case 0x0B: return "int16";
    case 0x0C: return "int32";
    case 0x0D: return "float32";
    case 0x0E: return "float64";
    default: return "not an IDX type";
    }
}

/* "60000 x 28 x 28" into buf. */
static const char *idx_dims_str(const uint32_t *ne, int rank, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < rank && used < n; i++) {
        int w = snprintf(buf + used, n - used, i ? " x %u" : "%u", ne[i]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    return buf;
}

/* Read up to n bytes into buf; *got receives the count actually read. A
 * short count with EDD_OK means a clean end of file. A zlib error (damaged
 * or cut-short gzip stream) or a read error is reported naming path. */
static edd_status idx_read_bytes(edd_ctx *ctx, gzFile f, const char *path, void *buf, size_t n, size_t *got)
{
    unsigned char *p = buf;
    *got = 0;
    while (*got < n) {
        size_t want = n - *got < IDX_READ_PIECE ? n - *got : IDX_READ_PIECE;
        int r = gzread(f, p + *got, (unsigned)want);
        if (r <= 0)
            break;
        *got += (size_t)r;
    }
    int zerr = Z_OK;
    const char *msg = gzerror(f, &zerr);
    if (zerr == Z_ERRNO)
        return edd_fail(ctx, EDD_ERR_IO, "%s: read failed after %zu bytes: %s", path, *got, strerror(errno));
    size_t plen = strlen(path);
    if (strncmp(msg, path, plen) == 0 && strncmp(msg + plen, ": ", 2) == 0)
        msg += plen + 2;
    if (zerr != Z_OK)
        return edd_fail(ctx, EDD_ERR_FORMAT,
                        "%s: gzip stream is damaged or cut short (zlib: %s), expected a complete stream", path,
                        msg);
    return EDD_OK;
}

/* Count the bytes left in f, stopping once the count passes limit. */
static edd_status idx_count_rest(edd_ctx *ctx, gzFile f, const char *path, size_t limit, size_t *rest)
{
    unsigned char buf[1 << 16];
    size_t got = 0;
    *rest = 0;
    do {
        edd_status st = idx_read_bytes(ctx, f, path, buf, sizeof buf, &got);
        if (st)
            return st;
        *rest += got;
    } while (got == sizeof buf && *rest <= limit);
    return EDD_OK;
}

/* Read up to size payload bytes into out->data, *have of them found. The
 * buffer grows with the bytes actually read (doubling from IDX_READ_FIRST),
 * so that a short file declaring a large payload costs no more than the
 * file itself. */
static edd_status idx_read_payload(edd_ctx *ctx, gzFile f, const char *path, size_t size, edd_idx *out, size_t *have)
{
    size_t cap = 0, got;
    do {
        size_t ncap = cap ? (cap > size / 2 ? size : 2 * cap) : (size < IDX_READ_FIRST ? size : IDX_READ_FIRST);
        uint8_t *p = realloc(out->data, ncap);
        if (!p)
            return edd_fail(ctx, EDD_ERR_NOMEM, "%s: cannot allocate %zu bytes for the IDX payload", path, ncap);
        out->data = p;
        cap = ncap;
        edd_status st = idx_read_bytes(ctx, f, path, out->data + *have, cap - *have, &got);
        if (st)
            return st;
        *have += got;
    } while (*have == cap && cap < size);
    return EDD_OK;
}

static edd_status idx_parse(edd_ctx *ctx, gzFile f, const char *path, edd_idx *out)
{
    unsigned char head[4];
    size_t got;
    edd_status st = idx_read_bytes(ctx, f, path, head, sizeof head, &got);
    if (st)
        return st;
    if (got < sizeof head)
        return edd_fail(ctx, EDD_ERR_FORMAT, "%s: found %zu bytes, expected at least 4 for the IDX magic", path, got);
    if (head[0] != 0 || head[1] != 0)
        return edd_fail(ctx, EDD_ERR_FORMAT, "%s: magic starts 0x%02x 0x%02x, expected 0x00 0x00: not an IDX file",
                        path, head[0], head[1]);
    if (head[2] != 0x08)
        return edd_fail(ctx, EDD_ERR_FORMAT, "%s: IDX element type is 0x%02x (%s), expected 0x08 (unsigned byte)",
                        path, head[2], idx_type_name(head[2]));
    int rank = head[3];
    if (rank < 1 || rank > 4)
        return edd_fail(ctx, EDD_ERR_FORMAT, "%s: IDX rank is %d, expected 1 to 4", path, rank);

    unsigned char dimb[16];
    st = idx_read_bytes(ctx, f, path, dimb, 4 * (size_t)rank, &got);
    if (st)
        return st;
    if (got < 4 * (size_t)rank)
        return edd_fail(ctx, EDD_ERR_FORMAT, "%s: found %zu bytes of dimensions, expected %d (rank %d): truncated",
                        path, got, 4 * rank, rank);

    out->rank = rank;
    size_t size = 1;
    int overflow = 0;
    for (int i = 0; i < 4; i++) {
        if (i >= rank) {
            out->ne[i] = 1;
            continue;
        }
        const unsigned char *b = dimb + 4 * i;
        out->ne[i] = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | (uint32_t)b[3];
        if (out->ne[i] == 0)
            return edd_fail(ctx, EDD_ERR_FORMAT, "%s: IDX dimension %d is 0, expected > 0", path, i);
        overflow |= __builtin_mul_overflow(size, (size_t)out->ne[i], &size);
    }
    char dims[64];
    idx_dims_str(out->ne, rank, dims, sizeof dims);
    if (overflow)
        return edd_fail(ctx, EDD_ERR_FORMAT, "%s: IDX dimensions %s overflow a size_t, expected at most %zu bytes",
                        path, dims, EDD_IDX_MAX_BYTES);
    if (size > EDD_IDX_MAX_BYTES)
        return edd_fail(ctx, EDD_ERR_FORMAT, "%s: IDX dimensions %s declare %zu bytes, expected at most %zu", path,
                        dims, size, EDD_IDX_MAX_BYTES);

    char what[PATH_MAX + 100];
    snprintf(what, sizeof what, "%s: the IDX payload of dimensions %s", path, dims);
    st = edd_mem_check(ctx, what, size);
    if (st)
        return st;
    size_t have = 0;
    st = idx_read_payload(ctx, f, path, size, out, &have);
    if (st)
        return st;
    out->size = size;
    if (have < size)
        return edd_fail(ctx, EDD_ERR_FORMAT, "%s: found %zu payload bytes, expected %zu (%s): the file is truncated",
                        path, have, size, dims);

    size_t rest;
    st = idx_count_rest(ctx, f, path, EDD_IDX_MAX_BYTES, &rest);
    if (st)
        return st;
    if (rest > EDD_IDX_MAX_BYTES)
        return edd_fail(ctx, EDD_ERR_FORMAT, "%s: found more than %zu bytes after the payload, expected none (%s)",
                        path, EDD_IDX_MAX_BYTES, dims);
    if (rest > 0)
        return edd_fail(ctx, EDD_ERR_FORMAT, "%s: found %zu payload bytes, expected %zu (%s): trailing bytes", path,
                        size + rest, size, dims);
    return EDD_OK;
}

edd_status edd_idx_read(edd_ctx *ctx, const char *path, edd_idx *out)
{
    memset(out, 0, sizeof *out);
    int fd;
    edd_status st = edd_file_open_regular(ctx, path, "an IDX file", &fd);
    if (st)
        return st;
    gzFile f = gzdopen(fd, "rb");
    if (!f) {
        close(fd);
        return edd_fail(ctx, EDD_ERR_NOMEM, "%s: cannot open: out of memory", path);
    }
    gzbuffer(f, 1 << 17);
    st = idx_parse(ctx, f, path, out);
    gzclose_r(f);
    if (st)
        edd_idx_free(out);
    return st;
}

void edd_idx_free(edd_idx *idx)
{
    free(idx->data);
    memset(idx, 0, sizeof *idx);
}
