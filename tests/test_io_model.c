/* test_io_model.c - the model file: round trip and layout, every kind of
 * damaged file, a failed write keeping the good file, and files that are
 * not regular refused without blocking. */
#include <criterion/criterion.h>

#include <dirent.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "edd/data.h"
#include "edd/io.h"
#include "io_util.h"
#include "testutil.h"

TestSuite(modelfile, .timeout = 30);
TestSuite(nonregular, .timeout = 30);

/* ---- the model file ---- */

#define MODEL_N 8

static void model_write_good(const char *path, float *params)
{
    for (int i = 0; i < MODEL_N; i++)
        params[i] = (float)i * 0.25f - 1.0f;
    edd_model_header h = {.k = 11, .p_input = 0.2f, .p_hidden = 0.5f, .nparams = MODEL_N};
    edd_ctx ctx = {0};
    cr_assert_eq(edd_model_file_write(&ctx, path, &h, params), EDD_OK, "%s", ctx.err);
}

static void model_expect(const char *path, const char *needle)
{
    edd_ctx ctx = {0};
    edd_model_header h;
    float *p = (float *)1;
    cr_assert_eq(edd_model_file_read(&ctx, path, &h, &p), EDD_ERR_FORMAT, "%s", ctx.err);
    cr_assert_null(p);
    assert_msg(&ctx, path);
    if (needle)
        assert_msg(&ctx, needle);
}

Test(modelfile, round_trip_and_layout)
{
    char dir[64], path[128];
    tmpdir_make(dir, sizeof dir, "io");
    snprintf(path, sizeof path, "%s/m.edd", dir);
    float params[MODEL_N];
    model_write_good(path, params);

    size_t n;
    unsigned char *raw = file_get(path, &n);
    cr_assert_eq(n, 36 + 4 * MODEL_N);
    cr_assert_eq(memcmp(raw, "EDDMODEL\x01\x00\x00\x00\x0b\x00\x00\x00", 16), 0);
    cr_assert_eq(memcmp(raw + 24, "\x08\x00\x00\x00\x00\x00\x00\x00", 8), 0);
    cr_assert_eq(memcmp(raw + 32, params, 4 * MODEL_N), 0);
    uint32_t crc = (uint32_t)crc32(0, raw, (uInt)(n - 4));
    cr_assert_eq(raw[n - 4] | raw[n - 3] << 8 | raw[n - 2] << 16 | (uint32_t)raw[n - 1] << 24, crc);
    free(raw);

    edd_ctx ctx = {0};
    edd_model_header h;
    float *p;
    cr_assert_eq(edd_model_file_read(&ctx, path, &h, &p), EDD_OK, "%s", ctx.err);
    cr_assert_eq(h.k, 11);
    cr_assert_eq(h.p_input, 0.2f);
    cr_assert_eq(h.p_hidden, 0.5f);
    cr_assert_eq(h.nparams, MODEL_N);
    cr_assert_eq(memcmp(p, params, sizeof params), 0);
    free(p);
    tmpdir_remove(dir);
}

Test(modelfile, every_flipped_byte_is_rejected)
{
    char dir[64], path[128], bad[128];
    tmpdir_make(dir, sizeof dir, "io");
    snprintf(path, sizeof path, "%s/m.edd", dir);
    snprintf(bad, sizeof bad, "%s/flip.edd", dir);
    float params[MODEL_N];
    model_write_good(path, params);
    size_t n;
    unsigned char *raw = file_get(path, &n);
    for (size_t i = 0; i < n; i++) {
        raw[i] ^= 0x04;
        file_put(bad, raw, n);
        /* magic, version and nparams have their own checks; the rest is the CRC's */
        model_expect(bad, i < 8 ? "magic" : i < 12 ? "version" : (i >= 24 && i < 32) ? "nparams" : "CRC32 is");
        raw[i] ^= 0x04;
    }
    free(raw);
    tmpdir_remove(dir);
}

Test(modelfile, truncated_or_trailing_is_rejected)
{
    char dir[64], path[128], bad[128];
    tmpdir_make(dir, sizeof dir, "io");
    snprintf(path, sizeof path, "%s/m.edd", dir);
    snprintf(bad, sizeof bad, "%s/cut.edd", dir);
    float params[MODEL_N];
    model_write_good(path, params);
    size_t n;
    unsigned char *raw = file_get(path, &n);
    for (size_t len = 0; len < n; len++) {
        file_put(bad, raw, len);
        model_expect(bad, len < 36 ? "expected at least 36" : "truncated");
    }
    raw = realloc(raw, n + 1);
    raw[n] = 0;
    file_put(bad, raw, n + 1);
    model_expect(bad, "trailing bytes");
    free(raw);

    edd_ctx ctx = {0};
    edd_model_header h;
    float *p;
    cr_assert_eq(edd_model_file_read(&ctx, dir, &h, &p), EDD_ERR_IO);
    snprintf(bad, sizeof bad, "%s/missing.edd", dir);
    cr_assert_eq(edd_model_file_read(&ctx, bad, &h, &p), EDD_ERR_IO);
    assert_msg(&ctx, bad);
    tmpdir_remove(dir);
}

/* A model file whose fields are set by hand, with a valid CRC. */
static void model_put_raw(const char *path, uint32_t version, uint32_t k, float pin, float phid)
{
    unsigned char b[36 + 4];
    memcpy(b, "EDDMODEL", 8);
    uint32_t f[4];
    f[0] = version;
    f[1] = k;
    memcpy(&f[2], &pin, 4);
    memcpy(&f[3], &phid, 4);
    memcpy(b + 8, f, 16);
    uint64_t np = 1;
    memcpy(b + 24, &np, 8);
    memset(b + 32, 0, 4);
    uint32_t crc = (uint32_t)crc32(0, b, 36);
    memcpy(b + 36, &crc, 4);
    file_put(path, b, sizeof b);
}

Test(modelfile, rejects_bad_fields)
{
    char dir[64], path[128];
    tmpdir_make(dir, sizeof dir, "io");
    snprintf(path, sizeof path, "%s/f.edd", dir);
    model_put_raw(path, 1, 10, 0.0f, 0.5f);
    edd_ctx ctx = {0};
    edd_model_header h;
    float *p;
    cr_assert_eq(edd_model_file_read(&ctx, path, &h, &p), EDD_OK, "%s", ctx.err);
    cr_assert_eq(h.nparams, 1);
    free(p);

    model_put_raw(path, 3, 10, 0.2f, 0.5f);
    model_expect(path, "version is 3, expected 1 or 2");
    model_put_raw(path, 1, 1, 0.2f, 0.5f);
    model_expect(path, "k is 1, expected 2 to 1000");
    model_put_raw(path, 1, 1001, 0.2f, 0.5f);
    model_expect(path, "k is 1001");
    model_put_raw(path, 1, 10, -0.1f, 0.5f);
    model_expect(path, "p_input is -0.1");
    model_put_raw(path, 1, 10, 0.2f, 1.0f);
    model_expect(path, "p_hidden is 1, expected in [0, 1)");
    model_put_raw(path, 1, 10, 0.2f, NAN);
    model_expect(path, "p_hidden is nan");

    /* nparams so large that 36 + 4 * nparams wraps */
    unsigned char b[40];
    memcpy(b, "EDDMODEL\x01\x00\x00\x00\x0a\x00\x00\x00", 16);
    memset(b + 16, 0, 8);
    memset(b + 24, 0xff, 8);
    memset(b + 32, 0, 8);
    file_put(path, b, sizeof b);
    model_expect(path, "nparams 18446744073709551615");
    tmpdir_remove(dir);
}

Test(modelfile, failed_write_keeps_the_good_file)
{
    char dir[64], path[128], tmp[160];
    tmpdir_make(dir, sizeof dir, "io");
    snprintf(path, sizeof path, "%s/m.edd", dir);
    float params[MODEL_N];
    model_write_good(path, params);
    size_t n0;
    unsigned char *before = file_get(path, &n0);

    edd_ctx ctx = {0};
    float other[MODEL_N] = {0};
    edd_model_header h = {.k = 10, .p_input = 0.0f, .p_hidden = 0.0f, .nparams = MODEL_N};
    snprintf(tmp, sizeof tmp, "%s.edd-tmp.%ld", path, (long)getpid());
    cr_assert_eq(mkdir(tmp, 0700), 0);
    cr_assert_eq(edd_model_file_write(&ctx, path, &h, other), EDD_ERR_IO);
    assert_msg(&ctx, path);
    cr_assert_eq(rmdir(tmp), 0);

    h.k = 1;
    cr_assert_eq(edd_model_file_write(&ctx, path, &h, other), EDD_ERR_ARG);
    assert_msg(&ctx, "k is 1");
    h.k = 10;
    h.p_hidden = 1.0f;
    cr_assert_eq(edd_model_file_write(&ctx, path, &h, other), EDD_ERR_ARG);
    h.p_hidden = 0.5f;
    cr_assert_eq(edd_model_file_write(&ctx, path, &h, NULL), EDD_ERR_ARG);
    cr_assert_eq(edd_model_file_write(&ctx, dir, &h, other), EDD_ERR_IO);

    size_t n1;
    unsigned char *after = file_get(path, &n1);
    cr_assert_eq(n1, n0);
    cr_assert_eq(memcmp(before, after, n0), 0);
    free(before);
    free(after);
    cr_assert_eq(dir_entries(dir), 1, "a temporary file was left behind");
    tmpdir_remove(dir);
}

/* Issue 11: a FIFO (or a folder) in place of a model, .npy or IDX file is
 * refused at once, naming the file and what it is; it used to block in
 * fopen / gzopen, waiting for a writer. */
Test(nonregular, fifo_and_folder_are_refused_without_blocking)
{
    char dir[64], fifo[128];
    tmpdir_make(dir, sizeof dir, "fifo");
    snprintf(fifo, sizeof fifo, "%s/f.edd", dir);
    cr_assert_eq(mkfifo(fifo, 0666), 0);
    edd_ctx ctx = {0};
    edd_model_header h;
    float *params = (float *)1;
    cr_assert_eq(edd_model_file_read(&ctx, fifo, &h, &params), EDD_ERR_IO);
    cr_assert(strstr(ctx.err, fifo) && strstr(ctx.err, "a FIFO") && strstr(ctx.err, "model file"), "%s", ctx.err);
    cr_assert_null(params);
    edd_npy a;
    cr_assert_eq(edd_npy_read(&ctx, fifo, &a), EDD_ERR_IO);
    cr_assert(strstr(ctx.err, "a FIFO") && strstr(ctx.err, ".npy"), "%s", ctx.err);
    edd_idx idx;
    cr_assert_eq(edd_idx_read(&ctx, fifo, &idx), EDD_ERR_IO);
    cr_assert(strstr(ctx.err, "a FIFO") && strstr(ctx.err, "IDX"), "%s", ctx.err);
    cr_assert_eq(edd_model_file_read(&ctx, dir, &h, &params), EDD_ERR_IO);
    cr_assert(strstr(ctx.err, "a folder"), "%s", ctx.err);
    int fd = 0;
    cr_assert_eq(edd_file_open_regular(&ctx, fifo, "x", &fd), EDD_ERR_IO);
    cr_assert_eq(fd, -1);
    tmpdir_remove(dir);
}

/* Write a model file whose parameter `at` is v, with a CRC32 that matches. */
static void model_put_param(const char *path, uint64_t nparams, size_t at, float v)
{
    size_t n = EDD_MODEL_HEADER_BYTES + nparams * 4 + EDD_MODEL_CRC_BYTES;
    unsigned char *b = calloc(1, n);
    cr_assert_not_null(b);
    memcpy(b, EDD_MODEL_MAGIC, 8);
    b[8] = 1;
    b[12] = 10;
    const float p_in = 0.2f, p_hid = 0.5f;
    memcpy(b + 16, &p_in, 4);
    memcpy(b + 20, &p_hid, 4);
    memcpy(b + 24, &nparams, 8);
    for (size_t i = 0; i < nparams; i++) {
        float f = i == at ? v : 0.01f * (float)i;
        memcpy(b + EDD_MODEL_HEADER_BYTES + 4 * i, &f, 4);
    }
    uint32_t crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), b, (uInt)(n - 4));
    memcpy(b + n - 4, &crc, 4);
    file_put(path, b, n);
    free(b);
}

/* Issue 11: NaN and infinite weights are refused on load (with a valid
 * CRC) and on save, naming the file and the first bad index. */
Test(modelfile, non_finite_weights_are_refused)
{
    char dir[64], path[128];
    tmpdir_make(dir, sizeof dir, "nan");
    snprintf(path, sizeof path, "%s/m.edd", dir);
    edd_ctx ctx = {0};
    edd_model_header h;
    float *params;
    model_put_param(path, 8, 99, 0.0f);
    cr_assert_eq(edd_model_file_read(&ctx, path, &h, &params), EDD_OK, "%s", ctx.err);
    free(params);
    const float bad[3] = {NAN, INFINITY, -INFINITY};
    for (int i = 0; i < 3; i++) {
        model_put_param(path, 8, 5, bad[i]);
        cr_assert_eq(edd_model_file_read(&ctx, path, &h, &params), EDD_ERR_FORMAT, "%g is refused", (double)bad[i]);
        cr_assert(strstr(ctx.err, path) && strstr(ctx.err, "value 5 is") && strstr(ctx.err, "finite"), "%s",
                  ctx.err);
        cr_assert_null(params);
    }
    float p[4] = {0, 1, NAN, 2};
    edd_model_header w = {.k = 10, .p_input = 0.2f, .p_hidden = 0.5f, .nparams = 4};
    snprintf(path, sizeof path, "%s/w.edd", dir);
    cr_assert_eq(edd_model_file_write(&ctx, path, &w, p), EDD_ERR_ARG);
    cr_assert(strstr(ctx.err, "value 2 is nan"), "%s", ctx.err);
    cr_assert_neq(access(path, F_OK), 0, "nothing written");
    const float sig[3] = {0.5f, INFINITY, 0.1f};
    cr_assert_eq(edd_check_finite(&ctx, EDD_ERR_FORMAT, "s.npy", sig, 3), EDD_ERR_FORMAT);
    cr_assert(strstr(ctx.err, "s.npy: value 1 is inf"), "%s", ctx.err);
    cr_assert_eq(edd_check_finite(&ctx, EDD_ERR_FORMAT, "s.npy", sig, 1), EDD_OK);
    tmpdir_remove(dir);
}
