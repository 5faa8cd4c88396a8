/* test_byo_provenance.c - issue 27, item 5: the model file records where
 * the model came from (version 2); eval, attack, predict, uncertainty and
 * distill (its teacher) refuse other data (exit 2) unless
 * --allow-other-data; info --model prints it; version 1 files still load
 * and report "unknown". */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "edd/io.h"
#include "edd/nn.h"
#include "testutil.h"

TestSuite(byo_provenance, .timeout = 180);

/* A version 1 model file at path, laid out by hand as edd wrote it before
 * provenance: the 32-byte header, the K = 10 CNN's parameters, the CRC32. */
static void model_put_v1(const char *path)
{
    const size_t np = edd_cnn_nparams(10), n = 36 + 4 * np;
    unsigned char *b = calloc(n, 1);
    cr_assert_not_null(b);
    const uint32_t f[2] = {1, 10};
    const float drop[2] = {0.2f, 0.5f};
    const uint64_t n64 = np;
    memcpy(b, "EDDMODEL", 8);
    memcpy(b + 8, f, 8);
    memcpy(b + 16, drop, 8);
    memcpy(b + 24, &n64, 8);
    for (size_t i = 0; i < np; i++) {
        float v = 0.01f * (float)(i % 7) - 0.03f;
        memcpy(b + 32 + 4 * i, &v, 4);
    }
    uint32_t crc = (uint32_t)crc32(0, b, (uInt)(n - 4));
    memcpy(b + n - 4, &crc, 4);
    file_put(path, b, n);
    free(b);
}

Test(byo_provenance, version_1_loads_as_unknown)
{
    char dir[64], path[128], out[8192], args[512];
    tmpdir_make(dir, sizeof dir, "byo_prov");
    snprintf(path, sizeof path, "%s/old.edd", dir);
    model_put_v1(path);
    edd_ctx ctx;
    edd_cnn m = {0};
    ctx_make(&ctx);
    cr_assert_eq(edd_cnn_load(&ctx, &m, path), EDD_OK, "%s", ctx.err);
    cr_assert(!m.prov.dataset[0] && !m.prov.made[0] && !m.prov.data_sha256[0]);
    cr_assert_float_eq(m.params[1], -0.02f, 1e-9f);
    edd_cnn_free(&m);
    edd_ctx_free(&ctx);
    snprintf(args, sizeof args, "info --model %s", path);
    cr_assert_eq(edd_run(out, sizeof out, args), 0, "%s", out);
    cr_assert(strstr(out, "\"provenance\":{\"dataset\":\"unknown\",\"made\":\"unknown\"}"), "%s", out);
    tmpdir_remove(dir);
}

Test(byo_provenance, version_2_round_trip)
{
    char dir[64], path[128];
    tmpdir_make(dir, sizeof dir, "byo_prov");
    snprintf(path, sizeof path, "%s/new.edd", dir);
    edd_ctx ctx;
    edd_cnn m = {0}, r = {0};
    ctx_make(&ctx);
    model_make(&ctx, &m, 11, 3);
    m.prov = (edd_provenance){.dataset = "fashion", .data_sha256 = "ab12", .made = "distill",
                              .settings = "passes=20 alpha=0.5"};
    cr_assert_eq(edd_cnn_save(&ctx, &m, path), EDD_OK, "%s", ctx.err);
    cr_assert_eq(edd_cnn_load(&ctx, &r, path), EDD_OK, "%s", ctx.err);
    cr_assert_str_eq(r.prov.dataset, "fashion");
    cr_assert_str_eq(r.prov.data_sha256, "ab12");
    cr_assert_str_eq(r.prov.made, "distill");
    cr_assert_str_eq(r.prov.settings, "passes=20 alpha=0.5");
    cr_assert(!memcmp(m.params, r.params, m.nparams * sizeof(float)));
    size_t n;
    char *b = file_read_text(path, &n);
    cr_assert(b && b[8] == 2, "a model with provenance is version 2");
    free(b);
    /* a field with a newline would break the key=value lines: refused */
    snprintf(m.prov.settings, sizeof m.prov.settings, "a=1\nmade=import");
    cr_assert_eq(edd_cnn_save(&ctx, &m, path), EDD_ERR_ARG);
    cr_assert(strstr(ctx.err, "provenance settings has byte 0x0a"), "%s", ctx.err);
    edd_cnn_free(&m);
    edd_cnn_free(&r);
    edd_ctx_free(&ctx);
    tmpdir_remove(dir);
}

/* A version 2 file whose block is not key=value lines, with a valid CRC:
 * refused by name. */
Test(byo_provenance, bad_block_refused)
{
    char dir[64], path[128];
    tmpdir_make(dir, sizeof dir, "byo_prov");
    snprintf(path, sizeof path, "%s/bad.edd", dir);
    unsigned char b[32 + 4 + 4 + 9 + 4] = "EDDMODEL"; /* header, 1 parameter, length, text, CRC32 */
    const uint32_t f[2] = {2, 10};
    const uint64_t np = 1;
    memcpy(b + 8, f, 8);
    memcpy(b + 24, &np, 8);
    const uint32_t len = 9;
    memcpy(b + 36, &len, 4);
    memcpy(b + 40, "nokeyval\n", 9);
    uint32_t crc = (uint32_t)crc32(0, b, sizeof b - 4);
    memcpy(b + sizeof b - 4, &crc, 4);
    file_put(path, b, sizeof b);
    edd_ctx ctx = {0};
    edd_model_header h;
    float *p;
    cr_assert_eq(edd_model_file_read(&ctx, path, &h, &p), EDD_ERR_FORMAT);
    cr_assert(strstr(ctx.err, "provenance line \"nokeyval\", expected key=value"), "%s", ctx.err);
    cr_assert_null(p);
    tmpdir_remove(dir);
}

/* One case: edd's arguments, every "@" the folder and every "%" the MNIST
 * folder; the model f.edd is trained on 256 Fashion-MNIST images. */
static const struct {
    const char *name, *args;
    int exit;
    const char *says;
} cases[] = {
    {"info", "info --model @/f.edd", 0, "\"provenance\":{\"dataset\":\"fashion\",\"data_sha256\":\""},
    {"info settings", "info --model @/f.edd", 0, "\"made\":\"train\",\"settings\":\"epochs=1 batch=128"},
    {"eval on mnist", "eval --model @/f.edd --data mnist --test-limit 20", 2,
     "--data mnist: the model @/f.edd was trained on fashion"},
    {"attack on mnist", "attack --attack fgm --model @/f.edd --data mnist --test-limit 20", 2,
     "was trained on fashion"},
    {"attack from a mnist source", "attack --attack fgm --model @/old.edd --source @/f.edd --data mnist "
     "--test-limit 20", 2, "the model @/f.edd was trained on fashion"},
    {"distill from a fashion teacher", "distill --teacher @/f.edd --data mnist --train-limit 64 --epochs 1 --quiet "
     "--out @/d.edd", 2, "the model @/f.edd was trained on fashion"},
    {"uncertainty on mnist", "uncertainty --teacher @/f.edd --data mnist --train-limit 64 --quiet --out @/s.npy", 2,
     "the model @/f.edd was trained on fashion"},
    {"predict on mnist", "predict --model @/f.edd --data mnist --test-limit 20 --logits @/z.npy", 2,
     "the model @/f.edd was trained on fashion"},
    {"distill allowed", "distill --teacher @/f.edd --data mnist --train-limit 64 --epochs 1 --quiet --out @/d.edd "
     "--allow-other-data", 0, "\"test_accuracy\":"},
    {"allowed", "eval --model @/f.edd --data mnist --test-limit 20 --allow-other-data", 0, "\"accuracy\":"},
    {"its own data", "eval --model @/f.edd --data fashion --test-limit 20", 0, "\"accuracy\":"},
    {"other images under its name", "eval --model @/f.edd --data fashion --data-dir @/fake --test-limit 20", 2,
     "@/fake: training images of SHA-256"},
    {"an old model takes any data", "eval --model @/old.edd --data mnist --test-limit 20", 0, "\"accuracy\":"},
    {"npy images are the user's", "eval --model @/f.edd --images @/x.npy --labels @/y.npy", 0, "\"accuracy\":"},
};

/* s with '@' replaced by dir, into out (n bytes). */
static void expand(const char *s, const char *dir, char *out, size_t n)
{
    size_t w = 0;
    for (; *s && w + strlen(dir) + 2 < n; s++)
        w += (size_t)(*s == '@' ? snprintf(out + w, n - w, "%s", dir) : snprintf(out + w, n - w, "%c", *s));
    out[w] = 0;
}

/* dir/fake: Fashion-MNIST's files, but MNIST's training images. */
static void fake_dir(const char *dir, const char *fashion, const char *mnist)
{
    static const char *const base[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                        "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
    char fake[256], from[8300], to[512];
    snprintf(fake, sizeof fake, "%s/fake", dir);
    cr_assert_eq(mkdir(fake, 0777), 0);
    for (int i = 0; i < 4; i++) {
        const char *src = i ? fashion : mnist;
        snprintf(from, sizeof from, "%s/%s", src, base[i]);
        if (access(from, R_OK))
            snprintf(from, sizeof from, "%s/%s.gz", src, base[i]);
        char abs[8300];
        cr_assert_not_null(realpath(from, abs), "%s", from);
        snprintf(to, sizeof to, "%s/%s%s", fake, base[i], strstr(abs, ".gz") ? ".gz" : "");
        cr_assert_eq(symlink(abs, to), 0, "%s", to);
    }
}

Test(byo_provenance, refusals)
{
    char fashion[4096], mnist[4096], dir[64], args[2048], out[8192];
    data_dir_or_skip("fashion", fashion, sizeof fashion);
    mnist_dir_or_skip(mnist, sizeof mnist);
    tmpdir_make(dir, sizeof dir, "byo_prov");
    fake_dir(dir, fashion, mnist);
    snprintf(args, sizeof args, "%s/old.edd", dir);
    model_put_v1(args);
    float x[2 * 784] = {0};
    int64_t y[2] = {0, 1};
    size_t sx[4] = {2, 1, 28, 28}, sy[1] = {2};
    edd_ctx ctx = {0};
    snprintf(args, sizeof args, "%s/x.npy", dir);
    cr_assert_eq(edd_npy_write(&ctx, args, EDD_NPY_F32, 4, sx, x), EDD_OK, "%s", ctx.err);
    snprintf(args, sizeof args, "%s/y.npy", dir);
    cr_assert_eq(edd_npy_write(&ctx, args, EDD_NPY_I64, 1, sy, y), EDD_OK, "%s", ctx.err);
    snprintf(args, sizeof args, "train --data fashion --train-limit 256 --epochs 1 --quiet --out %s/f.edd", dir);
    cr_assert_eq(edd_run(out, sizeof out, args), 0, "%s", out);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char says[512];
        expand(cases[i].args, dir, args, sizeof args);
        expand(cases[i].says, dir, says, sizeof says);
        int rc = edd_run(out, sizeof out, args);
        cr_expect_eq(rc, cases[i].exit, "%s: exit %d, expected %d: %s", cases[i].name, rc, cases[i].exit, out);
        cr_expect(strstr(out, says), "%s: expected '%s' in: %s", cases[i].name, says, out);
    }
    tmpdir_remove(dir);
}
