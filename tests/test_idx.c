/* test_idx.c - IDX reader and datasets: good and malformed files, plain and
 * gzipped, built in a temporary directory; the real MNIST test set when
 * $EDD_DATA_DIR/mnist exists. */
#include <criterion/criterion.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "edd/data.h"
#include "testutil.h"

TestSuite(idx, .timeout = 30);
TestSuite(data_load, .timeout = 60);

static void file_put_gz(const char *path, const void *b, size_t n)
{
    gzFile f = gzopen(path, "wb");
    cr_assert_not_null(f);
    if (n)
        cr_assert_eq(gzwrite(f, b, (unsigned)n), (int)n);
    cr_assert_eq(gzclose(f), Z_OK);
}

/* An IDX image in buf: magic (first byte m0), type, rank, dims, then
 * `payload` bytes of a known pattern. Returns the length. */
static size_t idx_build(unsigned char *buf, unsigned char m0, unsigned char type, int rank, const uint32_t *dims,
                        size_t payload)
{
    size_t o = 0;
    buf[o++] = m0;
    buf[o++] = 0;
    buf[o++] = type;
    buf[o++] = (unsigned char)rank;
    for (int i = 0; i < rank; i++) {
        buf[o++] = (unsigned char)(dims[i] >> 24);
        buf[o++] = (unsigned char)(dims[i] >> 16);
        buf[o++] = (unsigned char)(dims[i] >> 8);
        buf[o++] = (unsigned char)dims[i];
    }
    for (size_t i = 0; i < payload; i++)
        buf[o++] = (unsigned char)(i * 7 + 3);
    return o;
}

/* Read path, expect status want and a message holding the path and each of
 * the non-NULL needles; the output struct must come back zeroed. */
static void expect_fail(const char *path, edd_status want, const char *n1, const char *n2)
{
    edd_ctx ctx = {0};
    edd_idx idx;
    edd_status st = edd_idx_read(&ctx, path, &idx);
    cr_assert_eq(st, want, "status %d, expected %d: %s", st, want, ctx.err);
    cr_assert_not_null(strstr(ctx.err, path), "message lacks the path: %s", ctx.err);
    if (n1)
        cr_assert_not_null(strstr(ctx.err, n1), "message lacks '%s': %s", n1, ctx.err);
    if (n2)
        cr_assert_not_null(strstr(ctx.err, n2), "message lacks '%s': %s", n2, ctx.err);
    cr_assert_null(idx.data);
    cr_assert_eq(idx.size, 0);
}

static void check_good(const char *path, int rank, const uint32_t *dims, size_t size)
{
    edd_ctx ctx = {0};
    edd_idx idx;
    cr_assert_eq(edd_idx_read(&ctx, path, &idx), EDD_OK, "%s", ctx.err);
    cr_assert_eq(idx.rank, rank);
    for (int i = 0; i < 4; i++)
        cr_assert_eq(idx.ne[i], i < rank ? dims[i] : 1u);
    cr_assert_eq(idx.size, size);
    for (size_t i = 0; i < size; i++)
        cr_assert_eq(idx.data[i], (unsigned char)(i * 7 + 3), "byte %zu", i);
    edd_idx_free(&idx);
    cr_assert_null(idx.data);
}

Test(idx, good_plain_and_gzip_each_rank)
{
    char dir[64], path[128];
    tmpdir_make(dir, sizeof dir, "idx");
    static const uint32_t dims[4] = {2, 3, 4, 5};
    unsigned char buf[256];
    for (int rank = 1; rank <= 4; rank++) {
        size_t size = 1;
        for (int i = 0; i < rank; i++)
            size *= dims[i];
        size_t len = idx_build(buf, 0, 0x08, rank, dims, size);
        snprintf(path, sizeof path, "%s/r%d", dir, rank);
        file_put(path, buf, len);
        check_good(path, rank, dims, size);
        snprintf(path, sizeof path, "%s/r%d.gz", dir, rank);
        file_put_gz(path, buf, len);
        check_good(path, rank, dims, size);
    }
    tmpdir_remove(dir);
}

Test(idx, truncated_and_trailing_payload)
{
    char dir[64], path[128];
    tmpdir_make(dir, sizeof dir, "idx");
    static const uint32_t dims[3] = {2, 3, 4};
    unsigned char buf[128];
    size_t len = idx_build(buf, 0, 0x08, 3, dims, 23);
    snprintf(path, sizeof path, "%s/short", dir);
    file_put(path, buf, len);
    expect_fail(path, EDD_ERR_FORMAT, "found 23 payload bytes", "expected 24");
    snprintf(path, sizeof path, "%s/short.gz", dir);
    file_put_gz(path, buf, len);
    expect_fail(path, EDD_ERR_FORMAT, "found 23 payload bytes", "expected 24");

    len = idx_build(buf, 0, 0x08, 3, dims, 25);
    snprintf(path, sizeof path, "%s/long", dir);
    file_put(path, buf, len);
    expect_fail(path, EDD_ERR_FORMAT, "found 25 payload bytes", "trailing");
    snprintf(path, sizeof path, "%s/long.gz", dir);
    file_put_gz(path, buf, len);
    expect_fail(path, EDD_ERR_FORMAT, "found 25 payload bytes", "trailing");

    len = idx_build(buf, 0, 0x08, 3, dims, 0);
    snprintf(path, sizeof path, "%s/dims_only", dir);
    file_put(path, buf, len - 2);
    expect_fail(path, EDD_ERR_FORMAT, "found 10 bytes of dimensions", "expected 12");
    tmpdir_remove(dir);
}

Test(idx, bad_magic_type_and_rank)
{
    char dir[64], path[128];
    tmpdir_make(dir, sizeof dir, "idx");
    static const uint32_t dims[5] = {2, 2, 2, 2, 2};
    unsigned char buf[128];

    size_t len = idx_build(buf, 0x1f, 0x08, 1, dims, 2);
    snprintf(path, sizeof path, "%s/magic", dir);
    file_put(path, buf, len);
    expect_fail(path, EDD_ERR_FORMAT, "0x1f", "not an IDX file");

    len = idx_build(buf, 0, 0x0D, 1, dims, 8);
    snprintf(path, sizeof path, "%s/float", dir);
    file_put(path, buf, len);
    expect_fail(path, EDD_ERR_FORMAT, "0x0d (float32)", "expected 0x08");

    len = idx_build(buf, 0, 0x08, 0, dims, 0);
    snprintf(path, sizeof path, "%s/rank0", dir);
    file_put(path, buf, len);
    expect_fail(path, EDD_ERR_FORMAT, "rank is 0", "expected 1 to 4");

    len = idx_build(buf, 0, 0x08, 5, dims, 32);
    snprintf(path, sizeof path, "%s/rank5", dir);
    file_put(path, buf, len);
    expect_fail(path, EDD_ERR_FORMAT, "rank is 5", "expected 1 to 4");

    snprintf(path, sizeof path, "%s/tiny", dir);
    file_put(path, buf, 2);
    expect_fail(path, EDD_ERR_FORMAT, "found 2 bytes", "expected at least 4");
    snprintf(path, sizeof path, "%s/empty.gz", dir);
    file_put_gz(path, buf, 0);
    expect_fail(path, EDD_ERR_FORMAT, "found 0 bytes", "expected at least 4");
    tmpdir_remove(dir);
}

Test(idx, zero_dim_overflow_and_size_cap)
{
    char dir[64], path[128];
    tmpdir_make(dir, sizeof dir, "idx");
    unsigned char buf[128];

    static const uint32_t zero[3] = {4, 0, 4};
    size_t len = idx_build(buf, 0, 0x08, 3, zero, 0);
    snprintf(path, sizeof path, "%s/zero", dir);
    file_put(path, buf, len);
    expect_fail(path, EDD_ERR_FORMAT, "dimension 1 is 0", "expected > 0");

    static const uint32_t huge[4] = {0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu, 2};
    len = idx_build(buf, 0, 0x08, 4, huge, 16);
    snprintf(path, sizeof path, "%s/overflow", dir);
    file_put(path, buf, len);
    expect_fail(path, EDD_ERR_FORMAT, "overflow", "4294967295 x 4294967295");

    static const uint32_t big[2] = {1u << 16, 1u << 15};
    len = idx_build(buf, 0, 0x08, 2, big, 16);
    snprintf(path, sizeof path, "%s/big.gz", dir);
    file_put_gz(path, buf, len);
    expect_fail(path, EDD_ERR_FORMAT, "declare 2147483648 bytes", "expected at most 1073741824");
    tmpdir_remove(dir);
}

Test(idx, gzip_cut_short_or_damaged)
{
    char dir[64], path[128], gz[128];
    tmpdir_make(dir, sizeof dir, "idx");
    static const uint32_t dims[3] = {10, 28, 28};
    static unsigned char buf[16 + 7840];
    size_t len = idx_build(buf, 0, 0x08, 3, dims, 7840);
    snprintf(gz, sizeof gz, "%s/good.gz", dir);
    file_put_gz(gz, buf, len);
    check_good(gz, 3, dims, 7840);

    FILE *f = fopen(gz, "rb");
    cr_assert_not_null(f);
    static unsigned char z[16384];
    size_t zn = fread(z, 1, sizeof z, f);
    fclose(f);
    cr_assert_gt(zn, 40);

    /* cut in the deflate stream, just before the trailer, inside the trailer */
    const size_t cuts[4] = {zn / 2, zn - 8, zn - 3, 12};
    for (int i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/cut%d", dir, i);
        file_put(path, z, cuts[i]);
        expect_fail(path, EDD_ERR_FORMAT, NULL, NULL);
    }
    snprintf(path, sizeof path, "%s/cut0", dir);
    expect_fail(path, EDD_ERR_FORMAT, "gzip stream is damaged or cut short", NULL);

    /* a flipped bit in the stored CRC32 */
    z[zn - 6] ^= 0x10;
    snprintf(path, sizeof path, "%s/badcrc", dir);
    file_put(path, z, zn);
    expect_fail(path, EDD_ERR_FORMAT, "gzip stream", NULL);
    tmpdir_remove(dir);
}

Test(idx, gzip_bomb_of_trailing_bytes)
{
    char dir[64], path[128];
    tmpdir_make(dir, sizeof dir, "idx");
    static const uint32_t dims[1] = {16};
    unsigned char head[32];
    size_t len = idx_build(head, 0, 0x08, 1, dims, 16);
    snprintf(path, sizeof path, "%s/bomb.gz", dir);
    gzFile f = gzopen(path, "wb9");
    cr_assert_not_null(f);
    cr_assert_eq(gzwrite(f, head, (unsigned)len), (int)len);
    size_t zeros = (size_t)64 << 20;
    unsigned char *blk = calloc(1, 1 << 20);
    cr_assert_not_null(blk);
    for (size_t i = 0; i < zeros >> 20; i++)
        cr_assert_eq(gzwrite(f, blk, 1u << 20), 1 << 20);
    free(blk);
    cr_assert_eq(gzclose(f), Z_OK);
    expect_fail(path, EDD_ERR_FORMAT, "found 67108880 payload bytes", "expected 16");
    tmpdir_remove(dir);
}

Test(idx, missing_file_and_directory)
{
    char dir[64], path[128];
    tmpdir_make(dir, sizeof dir, "idx");
    snprintf(path, sizeof path, "%s/nope", dir);
    expect_fail(path, EDD_ERR_IO, "cannot open", NULL);
    expect_fail(dir, EDD_ERR_IO, NULL, NULL);
    edd_idx zero = {0};
    edd_idx_free(&zero);
    tmpdir_remove(dir);
}

/* A fake dataset split: n images h x w and n labels; label i is i % 10. */
static void split_write(const char *dir, const char *split, uint32_t n, uint32_t h, uint32_t w, int gz,
                        unsigned char label_add)
{
    char path[160];
    size_t len;
    uint32_t idims[3] = {n, h, w}, ldims[1] = {n};
    unsigned char *buf = malloc(16 + (size_t)n * h * w);
    cr_assert_not_null(buf);
    len = idx_build(buf, 0, 0x08, 3, idims, (size_t)n * h * w);
    snprintf(path, sizeof path, "%s/%s-images-idx3-ubyte%s", dir, split, gz ? ".gz" : "");
    (gz ? file_put_gz : file_put)(path, buf, len);
    len = idx_build(buf, 0, 0x08, 1, ldims, 0);
    for (uint32_t i = 0; i < n; i++)
        buf[len++] = (unsigned char)(i % 10 + label_add);
    snprintf(path, sizeof path, "%s/%s-labels-idx1-ubyte%s", dir, split, gz ? ".gz" : "");
    (gz ? file_put_gz : file_put)(path, buf, len);
    free(buf);
}

Test(data_load, synthetic_splits_plain_gzip_and_limit)
{
    char dir[64];
    tmpdir_make(dir, sizeof dir, "idx");
    split_write(dir, "train", 12, 2, 3, 0, 0);
    split_write(dir, "t10k", 5, 4, 4, 1, 0);
    edd_ctx ctx = {0};
    edd_dataset ds;

    cr_assert_eq(edd_dataset_load(&ctx, dir, 1, 0, &ds), EDD_OK, "%s", ctx.err);
    cr_assert_eq(ds.n, 12);
    cr_assert_eq(ds.c, 1);
    cr_assert_eq(ds.h, 2);
    cr_assert_eq(ds.w, 3);
    for (size_t i = 0; i < 12 * 6; i++)
        cr_assert_eq(ds.x[i], (float)(unsigned char)(i * 7 + 3) / 255.0f, "pixel %zu", i);
    for (size_t i = 0; i < 12; i++)
        cr_assert_eq(ds.y[i], i % 10);
    edd_dataset_free(&ds);
    cr_assert_null(ds.x);

    cr_assert_eq(edd_dataset_load(&ctx, dir, 0, 3, &ds), EDD_OK, "%s", ctx.err);
    cr_assert_eq(ds.n, 3);
    cr_assert_eq(ds.h, 4);
    cr_assert_eq(ds.w, 4);
    cr_assert_eq(ds.y[2], 2);
    edd_dataset_free(&ds);

    cr_assert_eq(edd_dataset_load(&ctx, dir, 0, 100, &ds), EDD_OK, "%s", ctx.err);
    cr_assert_eq(ds.n, 5);
    edd_dataset_free(&ds);

    /* plain wins over .gz: the plain test split has 7 examples */
    split_write(dir, "t10k", 7, 4, 4, 0, 0);
    cr_assert_eq(edd_dataset_load(&ctx, dir, 0, 0, &ds), EDD_OK, "%s", ctx.err);
    cr_assert_eq(ds.n, 7);
    edd_dataset_free(&ds);
    tmpdir_remove(dir);
}

Test(data_load, rejects_bad_pairs)
{
    char dir[64], path[160];
    tmpdir_make(dir, sizeof dir, "idx");
    edd_ctx ctx = {0};
    edd_dataset ds;

    cr_assert_eq(edd_dataset_load(&ctx, dir, 1, 0, &ds), EDD_ERR_IO);
    cr_assert_not_null(strstr(ctx.err, "found neither train-images-idx3-ubyte"), "%s", ctx.err);
    cr_assert_not_null(strstr(ctx.err, dir), "%s", ctx.err);

    split_write(dir, "train", 10, 2, 2, 0, 1); /* label 9 + 1 = 10 */
    cr_assert_eq(edd_dataset_load(&ctx, dir, 1, 0, &ds), EDD_ERR_FORMAT);
    cr_assert_not_null(strstr(ctx.err, "label 9 is 10, expected 0 to 9"), "%s", ctx.err);
    cr_assert_not_null(strstr(ctx.err, "train-labels-idx1-ubyte"), "%s", ctx.err);
    cr_assert_null(ds.x);

    /* 10 images, 8 labels */
    unsigned char buf[64];
    uint32_t ldims[1] = {8};
    size_t len = idx_build(buf, 0, 0x08, 1, ldims, 8);
    memset(buf + len - 8, 1, 8);
    snprintf(path, sizeof path, "%s/train-labels-idx1-ubyte", dir);
    file_put(path, buf, len);
    cr_assert_eq(edd_dataset_load(&ctx, dir, 1, 0, &ds), EDD_ERR_FORMAT);
    cr_assert_not_null(strstr(ctx.err, "found 8 labels, expected 10"), "%s", ctx.err);

    /* images of rank 2 */
    uint32_t idims[2] = {8, 4};
    len = idx_build(buf, 0, 0x08, 2, idims, 32);
    snprintf(path, sizeof path, "%s/train-images-idx3-ubyte", dir);
    file_put(path, buf, len);
    cr_assert_eq(edd_dataset_load(&ctx, dir, 1, 0, &ds), EDD_ERR_FORMAT);
    cr_assert_not_null(strstr(ctx.err, "rank 2, expected 3"), "%s", ctx.err);
    cr_assert_not_null(strstr(ctx.err, path), "%s", ctx.err);
    edd_dataset_free(&ds);
    tmpdir_remove(dir);
}

Test(data_load, default_dir_and_names)
{
    char buf[256];
    setenv("EDD_DATA_DIR", "/srv/d", 1);
    cr_assert_str_eq(edd_data_default_dir("mnist", buf, sizeof buf), "/srv/d/mnist");
    cr_assert_null(edd_data_default_dir("mnist", buf, 8));
    unsetenv("EDD_DATA_DIR");
    cr_assert_str_eq(edd_data_default_dir("fashion", buf, sizeof buf), "data/fashion");

    edd_ctx ctx = {0};
    cr_assert_eq(edd_dataset_name_check(&ctx, "mnist"), EDD_OK);
    cr_assert_eq(edd_dataset_name_check(&ctx, "fashion"), EDD_OK);
    cr_assert_eq(edd_dataset_name_check(&ctx, "cifar"), EDD_ERR_ARG);
    cr_assert_not_null(strstr(ctx.err, "'cifar'"), "%s", ctx.err);
    cr_assert_not_null(strstr(ctx.err, "expected mnist or fashion"), "%s", ctx.err);
    cr_assert_eq(edd_dataset_name_check(&ctx, NULL), EDD_ERR_ARG);
}

/* The real test split of name under $EDD_DATA_DIR: 10000 images 28x28 in
 * [0,1] with a plausible label histogram. */
static void real_test_split(const char *name)
{
    const char *root = getenv("EDD_DATA_DIR");
    char dir[512];
    struct stat sb;
    if (!root || snprintf(dir, sizeof dir, "%s/%s", root, name) >= (int)sizeof dir || stat(dir, &sb) != 0)
        cr_skip_test("$EDD_DATA_DIR/%s not found", name);
    edd_ctx ctx = {0};
    edd_dataset ds;
    cr_assert_eq(edd_dataset_load(&ctx, dir, 0, 0, &ds), EDD_OK, "%s", ctx.err);
    cr_assert_eq(ds.n, 10000);
    cr_assert_eq(ds.c, 1);
    cr_assert_eq(ds.h, 28);
    cr_assert_eq(ds.w, 28);
    float lo = 1.0f, hi = 0.0f;
    for (size_t i = 0; i < ds.n * 784; i++) {
        lo = ds.x[i] < lo ? ds.x[i] : lo;
        hi = ds.x[i] > hi ? ds.x[i] : hi;
    }
    cr_assert_eq(lo, 0.0f);
    cr_assert_eq(hi, 1.0f);
    size_t hist[10] = {0}, sum = 0;
    for (size_t i = 0; i < ds.n; i++)
        hist[ds.y[i]]++;
    for (int c = 0; c < 10; c++) {
        cr_assert_gt(hist[c], 800, "class %d has %zu examples", c, hist[c]);
        sum += hist[c];
    }
    cr_assert_eq(sum, 10000);
    edd_dataset_free(&ds);
}

Test(data_load, real_mnist_test_set)
{
    real_test_split("mnist");
}

Test(data_load, real_fashion_test_set)
{
    real_test_split("fashion");
}
