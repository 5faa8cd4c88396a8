/* test_defense.c - the paper's Section 3 (include/edd/defense.h): the
 * MC-dropout uncertainty of Eq. 1 against a direct computation from the
 * recorded passes, its independence from the threading shape and the thread
 * count, parts over image ranges that join to the whole call bit for bit, the
 * soft labels of Eq. 2, and a small end-to-end distillation. */
#include <criterion/criterion.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "edd.h"
#include "testutil.h"

TestSuite(defense, .timeout = 240);

static edd_ctx ctx_new(int threads)
{
    edd_ctx ctx;
    cr_assert_eq(edd_ctx_init(&ctx, threads), EDD_OK, "%s", ctx.err);
    return ctx;
}

/* Eq. 1 in double from logits laid out [N][n][K]. */
static double sigma_direct(const float *z, int N, size_t n, int K, size_t i)
{
    double s = 0.0;
    for (int j = 0; j < K; j++) {
        double mean = 0.0;
        for (int m = 0; m < N; m++)
            mean += z[((size_t)m * n + i) * K + j];
        mean /= N;
        for (int m = 0; m < N; m++) {
            double d = z[((size_t)m * n + i) * K + j] - mean;
            s += d * d;
        }
    }
    return s / N;
}

Test(defense, sigma_matches_eq1_from_recorded_passes)
{
    edd_ctx ctx = ctx_new(1);
    edd_cnn m;
    cr_assert_eq(edd_cnn_init(&ctx, &m, 10, 0.2f, 0.5f, 3), EDD_OK);
    edd_dataset ds = noise_set(37, 11);
    edd_mc_opts o;
    edd_mc_opts_default(&o);
    o.passes = 7;
    o.rows = 70; /* chunks of 10 examples: 37 leaves a partial chunk */
    o.quiet = 1;
    float *sigma = malloc(ds.n * sizeof(float)), *z = malloc((size_t)o.passes * ds.n * 10 * sizeof(float));
    cr_assert_eq(edd_uncertainty(&ctx, &m, &ds, &o, sigma, z), EDD_OK, "%s", ctx.err);
    int differ = 0;
    for (size_t i = 0; i < ds.n; i++) {
        double want = sigma_direct(z, o.passes, ds.n, 10, i);
        cr_assert(fabs(sigma[i] - want) <= 1e-5 * want + 1e-7, "example %zu: sigma %g, direct %g", i, sigma[i], want);
        cr_assert(sigma[i] > 0, "example %zu: sigma %g with dropout on", i, sigma[i]);
        /* passes really differ: pass 0 and pass 1 logits are not equal */
        differ += memcmp(z + i * 10, z + (ds.n + i) * 10, 10 * sizeof(float)) != 0;
    }
    cr_assert_eq(differ, (int)ds.n);
    free(sigma);
    free(z);
    edd_dataset_free(&ds);
    edd_cnn_free(&m);
    edd_ctx_free(&ctx);
}

Test(defense, sigma_is_zero_when_passes_agree)
{
    /* With dropout rates that keep every unit the passes are identical. A
     * model without dropout is refused; rates of 1e-9 keep units with
     * probability 1 - 1e-9 per draw: over 37 x 7 x 912 draws about none drop. */
    edd_ctx ctx = ctx_new(1);
    edd_cnn m;
    cr_assert_eq(edd_cnn_init(&ctx, &m, 10, 1e-9f, 1e-9f, 3), EDD_OK);
    edd_dataset ds = noise_set(37, 12);
    edd_mc_opts o;
    edd_mc_opts_default(&o);
    o.passes = 7;
    o.quiet = 1;
    float *sigma = malloc(ds.n * sizeof(float));
    cr_assert_eq(edd_uncertainty(&ctx, &m, &ds, &o, sigma, NULL), EDD_OK, "%s", ctx.err);
    for (size_t i = 0; i < ds.n; i++)
        cr_assert(sigma[i] < 1e-9f, "example %zu: sigma %g for identical passes", i, sigma[i]);
    edd_cnn noDrop;
    cr_assert_eq(edd_cnn_init(&ctx, &noDrop, 10, 0.0f, 0.0f, 3), EDD_OK);
    cr_assert_eq(edd_uncertainty(&ctx, &noDrop, &ds, &o, sigma, NULL), EDD_ERR_ARG);
    cr_assert(strstr(ctx.err, "no dropout"), "message: %s", ctx.err);
    free(sigma);
    edd_dataset_free(&ds);
    edd_cnn_free(&m);
    edd_cnn_free(&noDrop);
    edd_ctx_free(&ctx);
}

/* Same seed: the same masks whatever the shape and the thread count, so
 * sigma agrees up to oneDNN's reduction order. Measured here: relative
 * differences below 1e-5; the bound leaves a factor 10. */
Test(defense, sigma_same_across_shapes_and_threads)
{
    edd_dataset ds = noise_set(50, 13);
    float *ref = malloc(ds.n * sizeof(float)), *s = malloc(ds.n * sizeof(float));
    edd_mc_opts o;
    edd_mc_opts_default(&o);
    o.passes = 5;
    o.quiet = 1;
    for (int run = 0; run < 4; run++) {
        int threads = run % 2 ? 2 : 1;
        omp_set_num_threads(threads);
        edd_ctx ctx = ctx_new(threads);
        edd_cnn m;
        cr_assert_eq(edd_cnn_init(&ctx, &m, 10, 0.2f, 0.5f, 5), EDD_OK);
        o.shape = run < 2 ? EDD_MC_FOLDED : EDD_MC_THREADS;
        o.rows = o.shape == EDD_MC_FOLDED ? 45 : 16;
        cr_assert_eq(edd_uncertainty(&ctx, &m, &ds, &o, run ? s : ref, NULL), EDD_OK, "%s", ctx.err);
        for (size_t i = 0; run && i < ds.n; i++)
            cr_assert(fabsf(s[i] - ref[i]) <= 1e-4f * ref[i] + 1e-6f, "run %d (shape %d, %d threads) example %zu: %g vs %g",
                      run, o.shape, threads, i, s[i], ref[i]);
        edd_cnn_free(&m);
        edd_ctx_free(&ctx);
    }
    omp_set_num_threads(1);
    free(ref);
    free(s);
    edd_dataset_free(&ds);
}

/* A part of the set given by its first index draws the whole call's masks
 * and, its bounds on chunk boundaries, makes the same oneDNN calls: the
 * parts' sigma and logits, concatenated, are the whole call's bit for bit,
 * in both shapes, at 1 and 2 threads, with a partial last chunk. Without
 * the first index the masks are the set's first images'. An unaligned
 * first is refused. */
Test(defense, sigma_over_image_ranges_joins_to_the_whole_call)
{
    const size_t n = 75;
    edd_dataset ds = noise_set(n, 14);
    float *whole = malloc(n * sizeof(float)), *part = malloc(n * sizeof(float));
    const int N = 5, K = 10;
    float *zw = malloc((size_t)N * n * K * sizeof(float)), *zp = malloc((size_t)N * n * K * sizeof(float));
    for (int run = 0; run < 4; run++) {
        const int threads = run % 2 ? 2 : 1;
        omp_set_num_threads(threads);
        edd_ctx ctx = ctx_new(threads);
        edd_cnn m;
        cr_assert_eq(edd_cnn_init(&ctx, &m, K, 0.2f, 0.5f, 7), EDD_OK);
        edd_mc_opts o;
        edd_mc_opts_default(&o);
        o.passes = N;
        o.quiet = 1;
        o.shape = run < 2 ? EDD_MC_THREADS : EDD_MC_FOLDED;
        o.rows = o.shape == EDD_MC_THREADS ? 16 : 45; /* chunks of 16 and of 9 examples */
        const size_t c = edd_mc_chunk(&o);
        cr_assert_eq(c, o.shape == EDD_MC_THREADS ? 16u : 9u);
        cr_assert_neq(n % c, 0, "the last chunk is partial");
        cr_assert_eq(edd_uncertainty(&ctx, &m, &ds, &o, whole, zw), EDD_OK, "%s", ctx.err);
        /* ranges of 2 chunks, 1 chunk, and the rest (ending on the partial one) */
        const size_t bound[4] = {0, 2 * c, 3 * c, n};
        for (int k = 0; k < 3; k++) {
            const size_t a = bound[k], nb = bound[k + 1] - a;
            edd_dataset view = ds;
            view.x += a * EDD_IMG_SIZE;
            view.y += a;
            view.n = nb;
            o.first = a;
            float *z = malloc((size_t)N * nb * K * sizeof(float));
            cr_assert_eq(edd_uncertainty(&ctx, &m, &view, &o, part + a, z), EDD_OK, "%s", ctx.err);
            for (int p = 0; p < N; p++)
                memcpy(zp + ((size_t)p * n + a) * K, z + (size_t)p * nb * K, nb * K * sizeof(float));
            free(z);
        }
        cr_assert(!memcmp(part, whole, n * sizeof(float)), "run %d (shape %d, %d threads): sigma of the parts differs",
                  run, o.shape, threads);
        cr_assert(!memcmp(zp, zw, (size_t)N * n * K * sizeof(float)), "run %d: logits of the parts differ", run);
        /* the second range with first 0 draws the first images' masks */
        edd_dataset view = ds;
        view.x += 2 * c * EDD_IMG_SIZE;
        view.y += 2 * c;
        view.n = c;
        o.first = 0;
        cr_assert_eq(edd_uncertainty(&ctx, &m, &view, &o, part, NULL), EDD_OK, "%s", ctx.err);
        cr_assert(memcmp(part, whole + 2 * c, c * sizeof(float)), "run %d: first 0 gives the same sigma", run);
        o.first = c + 1;
        cr_assert_eq(edd_uncertainty(&ctx, &m, &view, &o, part, NULL), EDD_ERR_ARG);
        cr_assert(strstr(ctx.err, "first example") && strstr(ctx.err, "multiple of the chunk"), "%s", ctx.err);
        edd_cnn_free(&m);
        edd_ctx_free(&ctx);
    }
    omp_set_num_threads(1);
    free(whole);
    free(part);
    free(zw);
    free(zp);
    edd_dataset_free(&ds);
}

Test(defense, soft_labels_follow_eq2)
{
    const float sigma[4] = {0.0f, 1.0f, 2.0f, 4.0f};
    const uint8_t y[4] = {3, 0, 9, 5};
    const float alphas[3] = {0.0f, 0.9f, 1.0f};
    float k[4 * 11];
    for (int a = 0; a < 3; a++) {
        edd_soft_labels(sigma, y, 4, 10, alphas[a], k);
        for (int i = 0; i < 4; i++) {
            float s = sigma[i] / 4.0f, sum = 0.0f;
            for (int j = 0; j < 11; j++) {
                float want = j == y[i] ? 1.0f - alphas[a] * s : j == 10 ? alphas[a] * s : 0.0f;
                cr_assert_float_eq(k[i * 11 + j], want, 1e-7f, "alpha %g example %d class %d: %g, want %g", alphas[a], i,
                                   j, k[i * 11 + j], want);
                sum += k[i * 11 + j];
            }
            cr_assert_float_eq(sum, 1.0f, 1e-6f, "alpha %g example %d sums to %g", alphas[a], i, sum);
        }
    }
    /* alpha 1: the most uncertain point is labelled all outlier. */
    cr_assert_float_eq(k[3 * 11 + 10], 1.0f, 1e-7f);
    const float zero[2] = {0.0f, 0.0f};
    edd_soft_labels(zero, y, 2, 10, 0.9f, k);
    cr_assert_float_eq(k[3], 1.0f, 0.0f, "all-zero sigma must give one-hot labels");
    cr_assert_float_eq(k[10], 0.0f, 0.0f);
}

static const char *mnist_dir(char *buf, size_t n)
{
    const char *root = getenv("EDD_DATA_DIR");
    snprintf(buf, n, "%s/mnist", root ? root : "data");
    return buf;
}

/* A few thousand images end to end: the distilled model puts the outlier
 * class on uniform-noise images far more often than on test digits. */
Test(defense, distilled_model_flags_noise_as_outlier)
{
    char dir[4096];
    edd_ctx ctx = ctx_new(0);
    edd_dataset tr, te;
    if (edd_dataset_load(&ctx, mnist_dir(dir, sizeof dir), 1, 3000, &tr) != EDD_OK)
        cr_skip_test("no MNIST under %s: %s", dir, ctx.err);
    cr_assert_eq(edd_dataset_load(&ctx, dir, 0, 1000, &te), EDD_OK, "%s", ctx.err);
    edd_cnn teacher, d;
    cr_assert_eq(edd_cnn_init(&ctx, &teacher, 10, 0.2f, 0.5f, 1), EDD_OK);
    edd_train_opts t;
    edd_train_opts_default(&t);
    t.epochs = 3;
    t.quiet = 1;
    cr_assert_eq(edd_train(&ctx, &teacher, &tr, &t, NULL), EDD_OK, "%s", ctx.err);
    edd_distill_opts o;
    edd_distill_opts_default(&o);
    o.train.epochs = 3;
    o.train.quiet = o.mc.quiet = 1;
    o.train.seed = 2;
    cr_assert_eq(edd_distill(&ctx, &teacher, &tr, &o, &d, NULL, NULL, NULL), EDD_OK, "%s", ctx.err);
    cr_assert_eq(d.k, 11);
    edd_eval_result on_digits, on_noise;
    edd_dataset noise = noise_set(1000, 99);
    cr_assert_eq(edd_evaluate(&ctx, &d, &te, 250, NULL, &on_digits), EDD_OK, "%s", ctx.err);
    cr_assert_eq(edd_evaluate(&ctx, &d, &noise, 250, NULL, &on_noise), EDD_OK, "%s", ctx.err);
    cr_assert(on_digits.accuracy > 0.8, "distilled accuracy %g on 1000 test digits", on_digits.accuracy);
    cr_assert(on_noise.false_positives > on_digits.false_positives + 0.1,
              "outlier rate on noise %g, on digits %g", on_noise.false_positives, on_digits.false_positives);
    edd_dataset_free(&noise);
    edd_dataset_free(&tr);
    edd_dataset_free(&te);
    edd_cnn_free(&teacher);
    edd_cnn_free(&d);
    edd_ctx_free(&ctx);
}
