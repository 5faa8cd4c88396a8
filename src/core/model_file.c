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
    unsigned char head[EDD_MODEL_HEADER_BYTES], tail[EDD_MODEL_CRC_BYTES];
    memcpy(head, EDD_MODEL_MAGIC, 8);
    put32(head + 8, EDD_MODEL_VERSION);
    put32(head + 12, h->k);
    putf(head + 16, h->p_input);
    putf(head + 20, h->p_hidden);
    put32(head + 24, (uint32_t)h->nparams);
    put32(head + 28, (uint32_t)(h->nparams >> 32));
    size_t pbytes = (size_t)h->nparams * sizeof(float);
    uint32_t crc = model_crc(model_crc((uint32_t)crc32(0, Z_NULL, 0), head, sizeof head), params, pbytes);
    put32(tail, crc);
    const void *chunks[3] = {head, params, tail};
    size_t sizes[3] = {sizeof head, pbytes, sizeof tail};
    return edd_file_write_atomic(ctx, path, chunks, sizes, 3);
}

static edd_status model_read_file(edd_ctx *ctx, const char *path, FILE *f, edd_model_header *h, float **params)
{
    struct stat sb;
    if (fstat(fileno(f), &sb) || !S_ISREG(sb.st_mode))
        return edd_fail(ctx, EDD_ERR_IO, "%s: found no regular file, expected a model file", path);
    uint64_t fsize = (uint64_t)sb.st_size;
    const uint64_t overhead = EDD_MODEL_HEADER_BYTES + EDD_MODEL_CRC_BYTES;
    unsigned char head[EDD_MODEL_HEADER_BYTES], tail[EDD_MODEL_CRC_BYTES];
    if (fsize < overhead || fread(head, 1, sizeof head, f) != sizeof head)
        return edd_fail(ctx, EDD_ERR_FORMAT, "%s: found %llu bytes, expected at least %llu for a model file", path,
                        (unsigned long long)fsize, (unsigned long long)overhead);
    if (memcmp(head, EDD_MODEL_MAGIC, 8) != 0) {
        char magic[9];
        edd_io_printable(head, 8, magic);
        return edd_fail(ctx, EDD_ERR_FORMAT, "%s: magic is \"%s\", expected \"%s\": not an edd model file", path,
                        magic, EDD_MODEL_MAGIC);
    }
    uint32_t version = get32(head + 8);
    if (version != EDD_MODEL_VERSION)
        return edd_fail(ctx, EDD_ERR_FORMAT, "%s: model format version is %u, expected %u", path, version,
                        EDD_MODEL_VERSION);
    h->k = get32(head + 12);
    h->p_input = getf(head + 16);
    h->p_hidden = getf(head + 20);
    h->nparams = (uint64_t)get32(head + 24) | (uint64_t)get32(head + 28) << 32;
    uint64_t body = fsize - overhead;
    if (body % sizeof(float) != 0 || body / sizeof(float) != h->nparams) {
        const char *why = h->nparams > body / sizeof(float) ? "the file is truncated" : "trailing bytes";
        if (h->nparams > (UINT64_MAX - overhead) / sizeof(float))
            return edd_fail(ctx, EDD_ERR_FORMAT, "%s: found %llu bytes, expected more than 2^64 for nparams %llu: %s",
                            path, (unsigned long long)fsize, (unsigned long long)h->nparams, why);
        return edd_fail(ctx, EDD_ERR_FORMAT, "%s: found %llu bytes, expected %llu for nparams %llu: %s", path,
                        (unsigned long long)fsize, (unsigned long long)(overhead + sizeof(float) * h->nparams),
                        (unsigned long long)h->nparams, why);
    }
    size_t pbytes = (size_t)body;
    char what[PATH_MAX + 64];
    snprintf(what, sizeof what, "%s: the parameters", path);
    edd_status st = edd_mem_check(ctx, what, pbytes);
    if (st)
        return st;
    *params = malloc(pbytes ? pbytes : 1);
    if (!*params)
        return edd_fail(ctx, EDD_ERR_NOMEM, "%s: cannot allocate %zu bytes for the parameters", path, pbytes);
    if (fread(*params, 1, pbytes, f) != pbytes || fread(tail, 1, sizeof tail, f) != sizeof tail)
        return edd_fail(ctx, EDD_ERR_IO, "%s: read of %zu parameter bytes failed", path, pbytes);
    uint32_t crc = model_crc(model_crc((uint32_t)crc32(0, Z_NULL, 0), head, sizeof head), *params, pbytes);
    uint32_t stored = get32(tail);
    if (crc != stored)
        return edd_fail(ctx, EDD_ERR_FORMAT, "%s: CRC32 is 0x%08x, expected 0x%08x: the file is corrupt", path, crc,
                        stored);
    st = model_check(ctx, path, h, EDD_ERR_FORMAT);
    return st ? st : edd_check_finite(ctx, EDD_ERR_FORMAT, path, *params, pbytes / sizeof(float));
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
