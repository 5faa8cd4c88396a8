/* test_io.c - atomic writes, .npy arrays and the model file: round trips,
 * hand-written NumPy headers, and every kind of damaged file. */
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
#include "testutil.h"

TestSuite(atomic_write, .timeout = 30);
TestSuite(npy, .timeout = 30);
TestSuite(modelfile, .timeout = 30);
TestSuite(nonregular, .timeout = 30);

/* Whole file into a malloc'd buffer; *n gets its length. */
static unsigned char *file_get(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    unsigned char *b = malloc(1 << 20);
    cr_assert_not_null(b);
    *n = fread(b, 1, 1 << 20, f);
    fclose(f);
    return b;
}

static int dir_entries(const char *dir)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static void assert_msg(const edd_ctx *ctx, const char *needle)
{
    cr_assert_not_null(strstr(ctx->err, needle), "message lacks '%s': %s", needle, ctx->err);
}

/* ---- atomic writes ---- */

Test(atomic_write, writes_chunks_and_replaces)
{
    char dir[64], path[128];
    tmpdir_make(dir, sizeof dir, "io");
    snprintf(path, sizeof path, "%s/out.bin", dir);
    edd_ctx ctx = {0};
    const void *chunks[3] = {"abc", NULL, "defg"};
    size_t sizes[3] = {3, 0, 4};
    cr_assert_eq(edd_file_write_atomic(&ctx, path, chunks, sizes, 3), EDD_OK, "%s", ctx.err);
    size_t n;
    unsigned char *b = file_get(path, &n);
    cr_assert_eq(n, 7);
    cr_assert_eq(memcmp(b, "abcdefg", 7), 0);
    free(b);

    cr_assert_eq(edd_file_write_atomic(&ctx, path, chunks, sizes, 1), EDD_OK, "%s", ctx.err);
    b = file_get(path, &n);
    cr_assert_eq(n, 3);
    free(b);
    cr_assert_eq(dir_entries(dir), 1, "a temporary file was left behind");
    tmpdir_remove(dir);
}

Test(atomic_write, failure_keeps_the_existing_file)
{
    char dir[64], path[128], tmp[160];
    tmpdir_make(dir, sizeof dir, "io");
    snprintf(path, sizeof path, "%s/keep.bin", dir);
    file_put(path, "good", 4);
    edd_ctx ctx = {0};
    const void *chunks[1] = {"replacement"};
    size_t sizes[1] = {11};

    /* the temporary path is taken by a directory: creation fails */
    snprintf(tmp, sizeof tmp, "%s.edd-tmp.%ld", path, (long)getpid());
    cr_assert_eq(mkdir(tmp, 0700), 0);
    cr_assert_eq(edd_file_write_atomic(&ctx, path, chunks, sizes, 1), EDD_ERR_IO);
    assert_msg(&ctx, path);
    assert_msg(&ctx, "temporary file");
    size_t n;
    unsigned char *b = file_get(path, &n);
    cr_assert_eq(n, 4);
    cr_assert_eq(memcmp(b, "good", 4), 0);
    free(b);
    cr_assert_eq(rmdir(tmp), 0);

    /* the target is a directory: rename fails, the directory survives */
    char sub[128];
    snprintf(sub, sizeof sub, "%s/sub", dir);
    cr_assert_eq(mkdir(sub, 0700), 0);
    cr_assert_eq(edd_file_write_atomic(&ctx, sub, chunks, sizes, 1), EDD_ERR_IO);
    assert_msg(&ctx, sub);
    struct stat sb;
    cr_assert_eq(stat(sub, &sb), 0);
    cr_assert(S_ISDIR(sb.st_mode));
    cr_assert_eq(dir_entries(dir), 2, "a temporary file was left behind");

    /* the parent directory does not exist */
    snprintf(sub, sizeof sub, "%s/none/x.bin", dir);
    cr_assert_eq(edd_file_write_atomic(&ctx, sub, chunks, sizes, 1), EDD_ERR_IO);
    assert_msg(&ctx, sub);
    tmpdir_remove(dir);
}

Test(atomic_write, unwritable_directory)
{
    if (geteuid() == 0)
        cr_skip_test("root ignores directory permissions");
    char dir[64], path[128];
    tmpdir_make(dir, sizeof dir, "io");
    snprintf(path, sizeof path, "%s/keep.bin", dir);
    file_put(path, "good", 4);
    cr_assert_eq(chmod(dir, 0500), 0);
    edd_ctx ctx = {0};
    const void *chunks[1] = {"replacement"};
    size_t sizes[1] = {11};
    edd_status st = edd_file_write_atomic(&ctx, path, chunks, sizes, 1);
    chmod(dir, 0700);
    cr_assert_eq(st, EDD_ERR_IO);
    assert_msg(&ctx, path);
    size_t n;
    unsigned char *b = file_get(path, &n);
    cr_assert_eq(n, 4);
    free(b);
    tmpdir_remove(dir);
}

/* ---- .npy ---- */

static void npy_round_trip(const char *path, edd_npy_dtype dtype, int rank, const size_t *shape)
{
    size_t count = 1, el = edd_npy_elsize(dtype);
    for (int i = 0; i < rank; i++)
        count *= shape[i];
    unsigned char *data = malloc(count * el + 1);
    cr_assert_not_null(data);
    for (size_t i = 0; i < count * el; i++)
        data[i] = (unsigned char)(i * 31 + 5);
    edd_ctx ctx = {0};
    cr_assert_eq(edd_npy_write(&ctx, path, dtype, rank, shape, data), EDD_OK, "%s", ctx.err);

    size_t n;
    unsigned char *raw = file_get(path, &n);
    size_t hlen = raw[8] | (size_t)raw[9] << 8;
    cr_assert_eq((10 + hlen) % 64, 0, "data starts at %zu", 10 + hlen);
    cr_assert_eq(raw[9 + hlen], '\n');
    cr_assert_eq(n, 10 + hlen + count * el);
    free(raw);

    edd_npy a;
    cr_assert_eq(edd_npy_read(&ctx, path, &a), EDD_OK, "%s", ctx.err);
    cr_assert_eq(a.dtype, dtype);
    cr_assert_eq(a.rank, rank);
    for (int i = 0; i < 4; i++)
        cr_assert_eq(a.shape[i], i < rank ? shape[i] : 1u);
    cr_assert_eq(a.count, count);
    cr_assert_eq(a.nbytes, count * el);
    cr_assert_eq(memcmp(a.data, data, count * el), 0);
    edd_npy_free(&a);
    cr_assert_null(a.data);
    free(data);
}

Test(npy, round_trip_each_dtype_and_rank)
{
    char dir[64], path[128];
    tmpdir_make(dir, sizeof dir, "io");
    static const size_t shapes[][4] = {{0}, {5}, {3, 4}, {2, 3, 4}, {2, 1, 28, 28}, {0, 3}, {1000, 7}};
    static const int ranks[] = {0, 1, 2, 3, 4, 2, 2};
    for (int d = 0; d < 3; d++)
        for (int s = 0; s < 7; s++) {
            snprintf(path, sizeof path, "%s/a%d_%d.npy", dir, d, s);
            npy_round_trip(path, (edd_npy_dtype)d, ranks[s], shapes[s]);
        }
    tmpdir_remove(dir);
}

Test(npy, header_matches_numpy)
{
    char dir[64], path[128];
    tmpdir_make(dir, sizeof dir, "io");
    snprintf(path, sizeof path, "%s/h.npy", dir);
    edd_ctx ctx = {0};
    const size_t shape[2] = {2, 3};
    const int32_t v[6] = {0, 1, 2, 3, 4, 5};
    cr_assert_eq(edd_npy_write(&ctx, path, EDD_NPY_I32, 2, shape, v), EDD_OK, "%s", ctx.err);
    size_t n;
    unsigned char *raw = file_get(path, &n);
    /* np.save of np.arange(6, dtype='<i4').reshape(2, 3) */
    static const char want[] = "\x93NUMPY\x01\x00v\x00{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }";
    cr_assert_eq(memcmp(raw, want, sizeof want - 1), 0);
    for (size_t i = sizeof want - 1; i < 127; i++)
        cr_assert_eq(raw[i], ' ', "byte %zu", i);
    cr_assert_eq(raw[127], '\n');
    free(raw);

    const size_t one[1] = {3};
    const float f[3] = {1, 2, 3};
    cr_assert_eq(edd_npy_write(&ctx, path, EDD_NPY_F32, 1, one, f), EDD_OK, "%s", ctx.err);
    raw = file_get(path, &n);
    cr_assert(strstr((char *)raw + 10, "'descr': '<f4', 'fortran_order': False, 'shape': (3,), }"));
    free(raw);
    cr_assert_eq(edd_npy_write(&ctx, path, EDD_NPY_U8, 0, NULL, "x"), EDD_OK, "%s", ctx.err);
    raw = file_get(path, &n);
    cr_assert(strstr((char *)raw + 10, "'descr': '|u1', 'fortran_order': False, 'shape': (), }"));
    cr_assert_eq(n, 129);
    free(raw);
    tmpdir_remove(dir);
}

/* A .npy file of version major.0 with header text hdr (padded to 64 with
 * spaces and a newline) and payload bytes. */
static void npy_put(const char *path, int major, const char *hdr, const void *payload, size_t pn)
{
    unsigned char buf[1024];
    size_t pre = major == 1 ? 10 : 12, len = strlen(hdr);
    size_t total = (pre + len + 1 + 63) / 64 * 64, hl = total - pre;
    memcpy(buf, "\x93NUMPY", 6);
    buf[6] = (unsigned char)major;
    buf[7] = 0;
    buf[8] = (unsigned char)hl;
    buf[9] = (unsigned char)(hl >> 8);
    buf[10] = buf[11] = 0;
    memcpy(buf + pre, hdr, len);
    memset(buf + pre + len, ' ', total - pre - len - 1);
    buf[total - 1] = '\n';
    memcpy(buf + total, payload, pn);
    file_put(path, buf, total + pn);
}

Test(npy, reads_hand_written_headers)
{
    char dir[64], path[128];
    tmpdir_make(dir, sizeof dir, "io");
    snprintf(path, sizeof path, "%s/hand.npy", dir);
    const float v[6] = {0.5f, -1.0f, 2.0f, 3.25f, 0.0f, 1e-3f};
    edd_ctx ctx = {0};
    edd_npy a;

    npy_put(path, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", v, sizeof v);
    cr_assert_eq(edd_npy_read(&ctx, path, &a), EDD_OK, "%s", ctx.err);
    cr_assert_eq(a.dtype, EDD_NPY_F32);
    cr_assert_eq(a.rank, 2);
    cr_assert_eq(a.shape[0], 2);
    cr_assert_eq(a.shape[1], 3);
    cr_assert_eq(memcmp(a.data, v, sizeof v), 0);
    edd_npy_free(&a);

    /* other key order, double quotes, version 2.0, trailing comma in shape */
    npy_put(path, 2, "{\"shape\": (6,), \"fortran_order\": False, \"descr\": \"<i4\"}", v, sizeof v);
    cr_assert_eq(edd_npy_read(&ctx, path, &a), EDD_OK, "%s", ctx.err);
    cr_assert_eq(a.dtype, EDD_NPY_I32);
    cr_assert_eq(a.rank, 1);
    cr_assert_eq(a.shape[0], 6);
    edd_npy_free(&a);

    npy_put(path, 1, "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 2, 1, 6,), }", v, 24);
    cr_assert_eq(edd_npy_read(&ctx, path, &a), EDD_OK, "%s", ctx.err);
    cr_assert_eq(a.dtype, EDD_NPY_U8);
    cr_assert_eq(a.rank, 4);
    cr_assert_eq(a.count, 24);
    edd_npy_free(&a);
    tmpdir_remove(dir);
}

static void npy_expect(const char *path, int major, const char *hdr, size_t pn, const char *needle)
{
    static const unsigned char zeros[64];
    npy_put(path, major, hdr, zeros, pn);
    edd_ctx ctx = {0};
    edd_npy a;
    cr_assert_eq(edd_npy_read(&ctx, path, &a), EDD_ERR_FORMAT, "header %s: %s", hdr, ctx.err);
    assert_msg(&ctx, path);
    assert_msg(&ctx, needle);
    cr_assert_null(a.data);
}

Test(npy, rejects_bad_headers_and_payloads)
{
    char dir[64], path[128];
    tmpdir_make(dir, sizeof dir, "io");
    snprintf(path, sizeof path, "%s/bad.npy", dir);
    const char *good = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
    npy_expect(path, 1, good, 23, "found 23 payload bytes, expected 24");
    npy_expect(path, 1, good, 25, "found 25 payload bytes, expected 24");
    npy_expect(path, 4, good, 24, "version is 4.0");
    npy_expect(path, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", 48, "descr is '<f8'");
    npy_expect(path, 1, "{'descr': '>f4', 'fortran_order': False, 'shape': (2, 3), }", 24, "descr is '>f4'");
    npy_expect(path, 1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", 24, "fortran_order is True");
    npy_expect(path, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1, 1, 1), }", 4,
               "at most 4 dimensions");
    npy_expect(path, 1, "{'descr': '<f4', 'shape': (2, 3), }", 24, "lacks fortran_order");
    npy_expect(path, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'x': 1}", 24, "key 'x'");
    npy_expect(path, 1, "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", 8,
               "unknown or repeated");
    npy_expect(path, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2), }", 8, "(3,)");
    npy_expect(path, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (-2, 3), }", 8, "non-negative");
    npy_expect(path, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", 8,
               "fits a size_t");
    npy_expect(path, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4), }", 8,
               "overflows");
    npy_expect(path, 1, "[1, 2]", 0, "'{'");
    npy_expect(path, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } junk", 24, "only spaces");

    file_put(path, "\x93NUMPX\x01\x00", 8);
    edd_ctx ctx = {0};
    edd_npy a;
    cr_assert_eq(edd_npy_read(&ctx, path, &a), EDD_ERR_FORMAT);
    assert_msg(&ctx, "expected at least 10");
    file_put(path, "\x93NUMPX\x01\x00\x00\x00", 10);
    cr_assert_eq(edd_npy_read(&ctx, path, &a), EDD_ERR_FORMAT);
    assert_msg(&ctx, "not a .npy file");
    /* header length beyond the end of the file */
    file_put(path, "\x93NUMPY\x01\x00\xff\x00{}", 12);
    cr_assert_eq(edd_npy_read(&ctx, path, &a), EDD_ERR_FORMAT);
    assert_msg(&ctx, "header length is 255");
    cr_assert_eq(edd_npy_read(&ctx, dir, &a), EDD_ERR_IO);
    snprintf(path, sizeof path, "%s/missing.npy", dir);
    cr_assert_eq(edd_npy_read(&ctx, path, &a), EDD_ERR_IO);
    assert_msg(&ctx, path);
    tmpdir_remove(dir);
}

Test(npy, write_rejects_bad_arguments)
{
    char dir[64], path[128];
    tmpdir_make(dir, sizeof dir, "io");
    snprintf(path, sizeof path, "%s/w.npy", dir);
    edd_ctx ctx = {0};
    const size_t shape[5] = {1, 1, 1, 1, 1};
    float x = 0;
    cr_assert_eq(edd_npy_write(&ctx, path, EDD_NPY_F32, 5, shape, &x), EDD_ERR_ARG);
    cr_assert_eq(edd_npy_write(&ctx, path, (edd_npy_dtype)7, 1, shape, &x), EDD_ERR_ARG);
    cr_assert_eq(edd_npy_write(&ctx, path, EDD_NPY_F32, 1, shape, NULL), EDD_ERR_ARG);
    const size_t huge[2] = {SIZE_MAX / 2, 3};
    cr_assert_eq(edd_npy_write(&ctx, path, EDD_NPY_F32, 2, huge, &x), EDD_ERR_NOMEM);
    cr_assert_eq(dir_entries(dir), 0);
    tmpdir_remove(dir);
}

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

    model_put_raw(path, 2, 10, 0.2f, 0.5f);
    model_expect(path, "version is 2, expected 1");
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
