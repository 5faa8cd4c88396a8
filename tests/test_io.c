/* test_io.c - atomic writes and .npy arrays: round trips, hand-written
 * NumPy headers, and every kind of damaged file (the model file:
 * test_io_model.c). */
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

TestSuite(atomic_write, .timeout = 30);
TestSuite(npy, .timeout = 30);

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
