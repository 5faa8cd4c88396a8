/* model_file.c - the model file: a fixed header, the float32 parameters and
 * a CRC32 (docs/FORMATS.md). See include/edd/io.h. */
#include "edd/io.h"
#include "io_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* Parameters are copied as they lie in memory. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "edd's file formats assume a little-endian host");

static void put32(unsigned char *b, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        b[i] = (unsigned char)(v >> 8 * i);
}

static uint32_t get32(const unsigned char *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static void putf(unsigned char *b, float f)
{
    uint32_t v;
    memcpy(&v, &f, 4);
    put32(b, v);
}

static float getf(const unsigned char *b)
{
    uint32_t v = get32(b);
    float f;
    memcpy(&f, &v, 4);
    return f;
}

/* zlib's crc32 takes a uInt length: feed it in pieces. */
static uint32_t model_crc(uint32_t crc, const void *data, size_t n)
{
    const unsigned char *p = data;
    while (n > 0) {
        uInt piece = n > (1u << 30) ? (1u << 30) : (uInt)n;
        crc = (uint32_t)crc32(crc, p, piece);
        p += piece;
        n -= piece;
    }
    return crc;
}

/* Architecture fields, for writer and reader alike. */
static edd_status model_check(edd_ctx *ctx, const char *path, const edd_model_header *h, edd_status st)
{
    if (h->k < 2 || h->k > EDD_K_MAX)
        return edd_fail(ctx, st, "%s: model k is %u, expected 2 to %d", path, h->k, EDD_K_MAX);
    if (!(h->p_input >= 0.0f && h->p_input < 1.0f))
        return edd_fail(ctx, st, "%s: model p_input is %g, expected in [0, 1)", path, (double)h->p_input);
    if (!(h->p_hidden >= 0.0f && h->p_hidden < 1.0f))
        return edd_fail(ctx, st, "%s: model p_hidden is %g, expected in [0, 1)", path, (double)h->p_hidden);
    return EDD_OK;
}

edd_status edd_model_file_write(edd_ctx *ctx, const char *path, const edd_model_header *h, const float *params)
{
    edd_status st = model_check(ctx, path, h, EDD_ERR_ARG);
    if (st)
        return st;
    if (h->nparams > (SIZE_MAX - EDD_MODEL_HEADER_BYTES - EDD_MODEL_CRC_BYTES) / sizeof(float))
        return edd_fail(ctx, EDD_ERR_NOMEM, "%s: nparams %llu overflows a size_t", path,
                        (unsigned long long)h->nparams);
    if (h->nparams > 0 && !params)
        return edd_fail(ctx, EDD_ERR_ARG, "%s: params is NULL, expected %llu floats", path,
                        (unsigned long long)h->nparams);
    if ((st = edd_check_finite(ctx, EDD_ERR_ARG, path, params, (size_t)h->nparams)))
        return st;
    char text[EDD_PROV_TEXT_MAX + 1];
    size_t tlen = 0;
    const int v2 = edd_prov_known(&h->prov);
    if (v2 && (st = edd_prov_text(ctx, path, &h->prov, text, &tlen)))
        return st;
    unsigned char head[EDD_MODEL_HEADER_BYTES], plen[4], tail[EDD_MODEL_CRC_BYTES];
    memcpy(head, EDD_MODEL_MAGIC, 8);
    put32(head + 8, v2 ? EDD_MODEL_VERSION : 1u);
    put32(head + 12, h->k);
    putf(head + 16, h->p_input);
    putf(head + 20, h->p_hidden);
    put32(head + 24, (uint32_t)h->nparams);
    put32(head + 28, (uint32_t)(h->nparams >> 32));
    put32(plen, (uint32_t)tlen);
    size_t pbytes = (size_t)h->nparams * sizeof(float);
    const void *chunks[5] = {head, params, plen, text, tail};
    size_t sizes[5] = {sizeof head, pbytes, v2 ? sizeof plen : 0, tlen, sizeof tail};
    uint32_t crc = (uint32_t)crc32(0, Z_NULL, 0);
    for (int i = 0; i < 4; i++)
        crc = model_crc(crc, chunks[i], sizes[i]);
    put32(tail, crc);
    return edd_file_write_atomic(ctx, path, chunks, sizes, 5);
}

/* The file's length against nparams: version 1 holds the parameters
 * alone, version 2 also 4 + L bytes of provenance (L at most
 * EDD_PROV_TEXT_MAX). *extra gets those 4 + L bytes. */
static edd_status model_length(edd_ctx *ctx, const char *path, uint32_t version, uint64_t fsize, uint64_t nparams,
                               uint64_t *extra)
{
    const uint64_t overhead = EDD_MODEL_HEADER_BYTES + EDD_MODEL_CRC_BYTES, body = fsize - overhead;
    const uint64_t lo = version == 1 ? 0 : 4, hi = version == 1 ? 0 : 4 + EDD_PROV_TEXT_MAX;
    if (nparams > (UINT64_MAX - overhead - hi) / sizeof(float))
        return edd_fail(ctx, EDD_ERR_FORMAT, "%s: found %llu bytes, expected more than 2^64 for nparams %llu: "
                        "the file is truncated", path, (unsigned long long)fsize, (unsigned long long)nparams);
    const uint64_t want = sizeof(float) * nparams;
    if (body >= want + lo && body <= want + hi) {
        *extra = body - want;
        return EDD_OK;
    }
    const char *why = body < want + lo ? "the file is truncated" : "trailing bytes";
    if (version == 1)
        return edd_fail(ctx, EDD_ERR_FORMAT, "%s: found %llu bytes, expected %llu for nparams %llu: %s", path,
                        (unsigned long long)fsize, (unsigned long long)(overhead + want),
                        (unsigned long long)nparams, why);
    return edd_fail(ctx, EDD_ERR_FORMAT, "%s: found %llu bytes, expected %llu to %llu for nparams %llu and the "
                    "provenance (version 2): %s", path, (unsigned long long)fsize,
                    (unsigned long long)(overhead + want + lo), (unsigned long long)(overhead + want + hi),
                    (unsigned long long)nparams, why);
}

/* Version 2's provenance block (extra = 4 + L bytes) from f into h->prov,
 * its bytes added to *crc. */
static edd_status model_read_prov(edd_ctx *ctx, const char *path, FILE *f, uint64_t extra, edd_model_header *h,
                                  uint32_t *crc)
{
    unsigned char plen[4];
    char text[EDD_PROV_TEXT_MAX + 1];
    size_t tlen = (size_t)extra - 4;
    if (fread(plen, 1, 4, f) != 4 || fread(text, 1, tlen, f) != tlen)
        return edd_fail(ctx, EDD_ERR_IO, "%s: read of the %zu provenance bytes failed", path, tlen);
    if (get32(plen) != tlen)
        return edd_fail(ctx, EDD_ERR_FORMAT, "%s: provenance length is %u, expected %zu (the bytes left before "
                        "the CRC32)", path, get32(plen), tlen);
    *crc = model_crc(model_crc(*crc, plen, 4), text, tlen);
    return edd_prov_parse(ctx, path, text, tlen, &h->prov);
}

/* The header's fields after the magic: the version (1 or 2) and the
 * architecture, into h. */
static edd_status model_head(edd_ctx *ctx, const char *path, const unsigned char *head, edd_model_header *h,
                             uint32_t *version)
{
    if (memcmp(head, EDD_MODEL_MAGIC, 8) != 0) {
        char magic[9];
        edd_io_printable(head, 8, magic);
        return edd_fail(ctx, EDD_ERR_FORMAT, "%s: magic is \"%s\", expected \"%s\": not an edd model file", path,
                        magic, EDD_MODEL_MAGIC);
    }
    *version = get32(head + 8);
    if (*version != 1 && *version != EDD_MODEL_VERSION)
        return edd_fail(ctx, EDD_ERR_FORMAT, "%s: model format version is %u, expected 1 or %u", path, *version,
                        EDD_MODEL_VERSION);
    h->k = get32(head + 12);
    h->p_input = getf(head + 16);
    h->p_hidden = getf(head + 20);
    h->nparams = (uint64_t)get32(head + 24) | (uint64_t)get32(head + 28) << 32;
    return EDD_OK;
}

static edd_status model_read_file(edd_ctx *ctx, const char *path, FILE *f, edd_model_header *h, float **params)
{
    struct stat sb;
    if (fstat(fileno(f), &sb) || !S_ISREG(sb.st_mode))
        return edd_fail(ctx, EDD_ERR_IO, "%s: found no regular file, expected a model file", path);
    uint64_t fsize = (uint64_t)sb.st_size, extra = 0;
    const uint64_t overhead = EDD_MODEL_HEADER_BYTES + EDD_MODEL_CRC_BYTES;
    unsigned char head[EDD_MODEL_HEADER_BYTES], tail[EDD_MODEL_CRC_BYTES];
    if (fsize < overhead || fread(head, 1, sizeof head, f) != sizeof head)
        return edd_fail(ctx, EDD_ERR_FORMAT, "%s: found %llu bytes, expected at least %llu for a model file", path,
                        (unsigned long long)fsize, (unsigned long long)overhead);
    uint32_t version = 0;
    edd_status st = model_head(ctx, path, head, h, &version);
    if (st || (st = model_length(ctx, path, version, fsize, h->nparams, &extra)))
        return st;
    size_t pbytes = (size_t)h->nparams * sizeof(float);
    char what[PATH_MAX + 64];
    snprintf(what, sizeof what, "%s: the parameters", path);
    if ((st = edd_mem_check(ctx, what, pbytes)))
        return st;
    *params = malloc(pbytes ? pbytes : 1);
    if (!*params)
        return edd_fail(ctx, EDD_ERR_NOMEM, "%s: cannot allocate %zu bytes for the parameters", path, pbytes);
    if (fread(*params, 1, pbytes, f) != pbytes)
        return edd_fail(ctx, EDD_ERR_IO, "%s: read of %zu parameter bytes failed", path, pbytes);
    uint32_t crc = model_crc(model_crc((uint32_t)crc32(0, Z_NULL, 0), head, sizeof head), *params, pbytes);
    edd_provenance prov = {0};
    if (version > 1 && (st = model_read_prov(ctx, path, f, extra, h, &crc)))
        h->prov = prov; /* a bad block is reported after the CRC: damage first */
    if (fread(tail, 1, sizeof tail, f) != sizeof tail)
        return edd_fail(ctx, EDD_ERR_IO, "%s: read of the CRC32 failed", path);
    uint32_t stored = get32(tail);
    if (crc != stored)
        return edd_fail(ctx, EDD_ERR_FORMAT, "%s: CRC32 is 0x%08x, expected 0x%08x: the file is corrupt", path, crc,
                        stored);
    if (st || (st = model_check(ctx, path, h, EDD_ERR_FORMAT)))
        return st;
    return edd_check_finite(ctx, EDD_ERR_FORMAT, path, *params, pbytes / sizeof(float));
}

edd_status edd_model_file_read(edd_ctx *ctx, const char *path, edd_model_header *h, float **params)
{
    memset(h, 0, sizeof *h);
    *params = NULL;
    FILE *f;
    edd_status st = edd_file_fopen_regular(ctx, path, "a model file", &f);
    if (st)
        return st;
    st = model_read_file(ctx, path, f, h, params);
    fclose(f);
    if (st) {
        free(*params);
        *params = NULL;
    }
    return st;
}
