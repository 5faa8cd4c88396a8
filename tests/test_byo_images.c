/* test_byo_images.c - issue 27, item 1: images and labels from .npy files
 * (--images X.npy --labels Y.npy) in eval, predict, attack and
 * uncertainty; each bad file (shape, dtype, range, NaN, label count) exits
 * 2 naming the file and what was expected; and an attack's own --adv-out,
 * scored by eval, gives the attack's own rate. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edd/io.h"
#include "edd/nn.h"
#include "testutil.h"

TestSuite(byo_images, .timeout = 120);

#define N_IMG 5

/* Write a .npy of dtype and shape to dir/name, with value v(i) at each element. */
static void npy_put(const char *dir, const char *name, edd_npy_dtype dt, int rank, const size_t *shape,
                    double (*v)(size_t))
{
    size_t count = 1;
    for (int i = 0; i < rank; i++)
        count *= shape[i];
    unsigned char *b = malloc(count * 8 + 1);
    cr_assert_not_null(b);
    for (size_t i = 0; i < count; i++) {
        double x = v(i);
        if (dt == EDD_NPY_F32)
            ((float *)b)[i] = (float)x;
        else if (dt == EDD_NPY_U8)
            b[i] = (unsigned char)x;
        else if (dt == EDD_NPY_I32)
            ((int32_t *)b)[i] = (int32_t)x;
        else
            ((int64_t *)b)[i] = (int64_t)x;
    }
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    edd_ctx ctx = {0};
    cr_assert_eq(edd_npy_write(&ctx, path, dt, rank, shape, b), EDD_OK, "%s", ctx.err);
    free(b);
}

static double pixel(size_t i) { return (double)(i % 97) / 96.0; }
static double pixel_u8(size_t i) { return (double)(i % 256); }
static double too_bright(size_t i) { return i == 100 ? 1.5 : pixel(i); }
static double a_nan(size_t i) { return i == 7 ? NAN : pixel(i); }
static double label(size_t i) { return (double)(i % 10); }
static double label_ten(size_t i) { return i == 3 ? 10.0 : label(i); }

static const size_t NCHW[4] = {N_IMG, 1, 28, 28}, NHW[3] = {N_IMG, 28, 28}, RGB[4] = {N_IMG, 3, 28, 28};
static const size_t NLAB[1] = {N_IMG}, FEWER[1] = {N_IMG - 1}, LAB2D[2] = {N_IMG, 1};

/* The files every case may use, in dir: a random K=10 model m.edd, good
 * images and labels of each accepted kind, and one bad file of each kind. */
static void files_make(const char *dir)
{
    edd_ctx ctx;
    edd_cnn m = {0};
    ctx_make(&ctx);
    model_make(&ctx, &m, 10, 5);
    char path[512];
    snprintf(path, sizeof path, "%s/m.edd", dir);
    cr_assert_eq(edd_cnn_save(&ctx, &m, path), EDD_OK, "%s", ctx.err);
    edd_cnn_free(&m);
    edd_ctx_free(&ctx);
    npy_put(dir, "x.npy", EDD_NPY_F32, 4, NCHW, pixel);
    npy_put(dir, "x3.npy", EDD_NPY_F32, 3, NHW, pixel);
    npy_put(dir, "xu8.npy", EDD_NPY_U8, 4, NCHW, pixel_u8);
    npy_put(dir, "y.npy", EDD_NPY_I64, 1, NLAB, label);
    npy_put(dir, "y32.npy", EDD_NPY_I32, 1, NLAB, label);
    npy_put(dir, "yu8.npy", EDD_NPY_U8, 1, NLAB, label);
    npy_put(dir, "rgb.npy", EDD_NPY_F32, 4, RGB, pixel);
    npy_put(dir, "xi32.npy", EDD_NPY_I32, 4, NCHW, pixel_u8);
    npy_put(dir, "bright.npy", EDD_NPY_F32, 4, NCHW, too_bright);
    npy_put(dir, "nan.npy", EDD_NPY_F32, 4, NCHW, a_nan);
    npy_put(dir, "yfew.npy", EDD_NPY_I64, 1, FEWER, label);
    npy_put(dir, "yten.npy", EDD_NPY_I64, 1, NLAB, label_ten);
    npy_put(dir, "yf32.npy", EDD_NPY_F32, 1, NLAB, label);
    npy_put(dir, "y2d.npy", EDD_NPY_I64, 2, LAB2D, label);
}

/* One case: edd's arguments, with every "@" replaced by the folder. */
static const struct {
    const char *name, *args;
    int exit;
    const char *says;
} cases[] = {
    {"eval f32 NCHW, int64", "eval --model @/m.edd --images @/x.npy --labels @/y.npy", 0, "\"examples\":5,"},
    {"eval f32 NHW, int32", "eval --model @/m.edd --images @/x3.npy --labels @/y32.npy", 0, "\"data\":\"npy\""},
    {"eval uint8, uint8", "eval --model @/m.edd --images @/xu8.npy --labels @/yu8.npy", 0, "\"accuracy\":"},
    {"eval --test-limit", "eval --model @/m.edd --images @/x.npy --labels @/y.npy --test-limit 2", 0,
     "\"examples\":2,"},
    {"predict without labels", "predict --model @/m.edd --images @/x.npy --logits @/z.npy", 0, "\"k\":10}"},
    {"attack", "attack --attack fgm --model @/m.edd --images @/x.npy --labels @/y.npy --quiet", 0,
     "\"examples\":5,"},
    {"uncertainty", "uncertainty --teacher @/m.edd --images @/x.npy --out @/s.npy --passes 2 --quiet", 0,
     "\"examples\":5,"},
    {"shape", "eval --model @/m.edd --images @/rgb.npy --labels @/y.npy", 2,
     "rgb.npy: images of shape (5, 3, 28, 28) and dtype float32, expected float32 (in [0, 1]) or uint8"},
    {"dtype", "eval --model @/m.edd --images @/xi32.npy --labels @/y.npy", 2, "xi32.npy: images of shape (5, 1, "
     "28, 28) and dtype int32, expected"},
    {"range", "eval --model @/m.edd --images @/bright.npy --labels @/y.npy", 2,
     "bright.npy: pixel 100 (image 0) is 1.5, expected a float32 in [0, 1]"},
    {"NaN", "attack --attack fgm --model @/m.edd --images @/nan.npy --labels @/y.npy", 2,
     "nan.npy: pixel 7 (image 0) is nan, expected"},
    {"label count", "eval --model @/m.edd --images @/x.npy --labels @/yfew.npy", 2,
     "yfew.npy: 4 labels, expected 5, one per image of"},
    {"label range", "eval --model @/m.edd --images @/x.npy --labels @/yten.npy", 2,
     "yten.npy: label 3 is 10, expected 0 to 9"},
    {"label dtype", "eval --model @/m.edd --images @/x.npy --labels @/yf32.npy", 2,
     "yf32.npy: labels of rank 1 and dtype float32, expected one dimension of int64, int32 or uint8"},
    {"label rank", "eval --model @/m.edd --images @/x.npy --labels @/y2d.npy", 2, "labels of rank 2"},
    {"missing file (as --model's: 1)", "eval --model @/m.edd --images @/none.npy --labels @/y.npy", 1, "none.npy"},
    {"labels alone", "eval --model @/m.edd --labels @/y.npy", 2, "--labels '"},
    {"eval needs labels", "eval --model @/m.edd --images @/x.npy", 2, "without --labels"},
    {"attack needs labels", "attack --attack fgm --model @/m.edd --images @/x.npy", 2, "without --labels"},
    {"train has no --images", "train --out @/t.edd --images @/x.npy", 2, "unknown option"},
    {"output is an input", "predict --model @/m.edd --images @/x.npy --logits @/x.npy", 2,
     "is the input --images"},
};

/* s with every '@' replaced by dir, into out (n bytes). */
static void expand(const char *s, const char *dir, char *out, size_t n)
{
    size_t w = 0;
    for (; *s && w + strlen(dir) + 2 < n; s++)
        w += (size_t)(*s == '@' ? snprintf(out + w, n - w, "%s", dir) : snprintf(out + w, n - w, "%c", *s));
    out[w] = 0;
}

Test(byo_images, table)
{
    char dir[64];
    tmpdir_make(dir, sizeof dir, "byo_images");
    files_make(dir);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char args[2048], out[8192];
        expand(cases[i].args, dir, args, sizeof args);
        int rc = edd_run(out, sizeof out, args);
        cr_expect_eq(rc, cases[i].exit, "%s: exit %d, expected %d: %s", cases[i].name, rc, cases[i].exit, out);
        cr_expect(strstr(out, cases[i].says), "%s: expected '%s' in: %s", cases[i].name, cases[i].says, out);
    }
    tmpdir_remove(dir);
}

/* The value of "key": in a JSON line, or -1. */
static double json_num(const char *s, const char *key)
{
    char k[64];
    snprintf(k, sizeof k, "\"%s\":", key);
    const char *p = strstr(s, k);
    return p ? atof(p + strlen(k)) : -1.0;
}

/* edd's own --adv-out, scored by eval --images: the attack's own rate
 * (recovered, on a K = 10 model: the accuracy on the adversarial images). */
Test(byo_images, adv_out_scored_by_eval)
{
    char data[4096], dir[64], args[9000], out[8192], path[512];
    mnist_dir_or_skip(data, sizeof data);
    tmpdir_make(dir, sizeof dir, "byo_adv");
    files_make(dir);
    edd_ctx ctx;
    edd_dataset ds;
    ctx_make(&ctx);
    cr_assert_eq(edd_dataset_load(&ctx, data, 0, 64, &ds), EDD_OK, "%s", ctx.err);
    int64_t y[64];
    for (size_t i = 0; i < 64; i++)
        y[i] = ds.y[i];
    snprintf(path, sizeof path, "%s/ytest.npy", dir);
    size_t shape[1] = {64};
    cr_assert_eq(edd_npy_write(&ctx, path, EDD_NPY_I64, 1, shape, y), EDD_OK, "%s", ctx.err);
    edd_dataset_free(&ds);
    edd_ctx_free(&ctx);
    snprintf(args, sizeof args, "attack --attack fgm --eps 0.1 --model %s/m.edd --data-dir %s --test-limit 64 "
             "--adv-out %s/adv.npy --quiet", dir, data, dir);
    cr_assert_eq(edd_run(out, sizeof out, args), 0, "%s", out);
    double recovered = json_num(out, "recovered");
    snprintf(args, sizeof args, "eval --model %s/m.edd --images %s/adv.npy --labels %s", dir, dir, path);
    cr_assert_eq(edd_run(out, sizeof out, args), 0, "%s", out);
    cr_assert(recovered >= 0 && json_num(out, "accuracy") == recovered, "eval's accuracy on --adv-out is %g, the "
              "attack's recovered rate %g: %s", json_num(out, "accuracy"), recovered, out);
    cr_assert_eq(json_num(out, "examples"), 64.0, "%s", out);
    tmpdir_remove(dir);
}
