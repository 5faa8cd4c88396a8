/* test_fmn.c - the Fast Minimum-Norm attack (src/attacks/fmn.c, edd/fmn.h)
 * on briefly trained models: a K = 10 model, and a K = 11 model whose
 * outlier class was trained on noisy images, so that its detector fires
 * on perturbed inputs. In L2 and L-inf every point is in the box; every
 * image FMN reports as broken is misclassified by the one scoring rule (a
 * real class other than the label: a detection is not a success) at a
 * distance equal to the reported norm; the others come back as x with an
 * infinite norm. The minimum-norm property against PGD-L2: every image
 * PGD-L2 breaks at eps, FMN breaks, and within eps (with a targeted run
 * toward every other class where its untargeted run ends beyond).
 * Run-to-run identity, and the argument checks. */
#include <criterion/criterion.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "edd/eval.h"
#include "edd/fmn.h"
#include "edd/train.h"
#include "edd/internal/objective.h"
#include "testutil.h"

TestSuite(fmn, .timeout = 900);

#define D EDD_IMG_SIZE

/* ------------------------------------------------------------ models */

/* A model with k outputs (10 or 11) trained 1 epoch on the first 3000
 * MNIST training images, and the first n test images in te. For K = 11
 * the training set also holds 1000 of those images with uniform noise in
 * +-0.5 added (clipped), labelled as the outlier class (one-hot soft
 * targets). Skips the test without MNIST. */
static void trained(edd_ctx *ctx, edd_cnn *m, int k, size_t n, edd_dataset *te)
{
    char dir[4096];
    mnist_dir_or_skip(dir, sizeof dir);
    edd_dataset tr;
    cr_assert_eq(edd_dataset_load(ctx, dir, 1, 3000, &tr), EDD_OK, "%s", ctx->err);
    cr_assert_eq(edd_dataset_load(ctx, dir, 0, n, te), EDD_OK, "%s", ctx->err);
    cr_assert_eq(edd_cnn_init(ctx, m, k, 0.2f, 0.5f, 1), EDD_OK, "%s", ctx->err);
    edd_train_opts to;
    edd_train_opts_default(&to);
    to.epochs = 1;
    to.quiet = 1;
    float *targets = NULL;
    if (k == 11) {
        const size_t n0 = tr.n, nn = n0 + 1000;
        tr.x = realloc(tr.x, nn * D * sizeof(float));
        tr.y = realloc(tr.y, nn);
        targets = calloc(nn * 11, sizeof(float));
        cr_assert(tr.x && tr.y && targets);
        uint64_t key = edd_rng_key(17, 0, 0);
        for (size_t i = 0; i < nn; i++) {
            if (i >= n0) {
                tr.y[i] = tr.y[i - n0];
                for (int j = 0; j < D; j++) {
                    float v = tr.x[(i - n0) * D + j] + urand(key, (uint32_t)((i - n0) * D + j), -0.5f, 0.5f);
                    tr.x[i * D + j] = fminf(fmaxf(v, 0.0f), 1.0f);
                }
            }
            targets[i * 11 + (i >= n0 ? 10 : tr.y[i])] = 1.0f;
        }
        tr.n = nn;
        to.targets = targets;
    }
    cr_assert_eq(edd_train(ctx, m, &tr, &to, NULL), EDD_OK, "%s", ctx->err);
    free(targets);
    edd_dataset_free(&tr);
}

/* Logits (n x K) of n images, from an INFER plan of batch n. */
static void logits(edd_ctx *ctx, const edd_cnn *m, const float *x, size_t n, float *z)
{
    edd_plan *p;
    cr_assert_eq(edd_plan_create(ctx, m, (int)n, EDD_PLAN_INFER, 0, &p), EDD_OK, "%s", ctx->err);
    cr_assert_eq(edd_plan_forward(ctx, p, m, x, NULL, z), EDD_OK, "%s", ctx->err);
    edd_plan_free(p);
}

/* ||a - b|| in FMN's norm (ord 2: L2, ord 0: L-inf), in double. */
static double dist(int ord, const float *a, const float *b)
{
    double s = 0.0;
    for (int j = 0; j < D; j++) {
        double d = fabs((double)a[j] - b[j]);
        s = ord == 2 ? s + d * d : fmax(s, d);
    }
    return ord == 2 ? sqrt(s) : s;
}

static edd_fmn_opts fmn_opts(int ord, int steps)
{
    edd_fmn_opts o;
    edd_fmn_opts_default(&o);
    o.ord = ord;
    o.steps = steps;
    o.quiet = 1;
    return o;
}

/* What check_valid counted. */
typedef struct {
    int broken, at_x, failed; /* broken away from x, misclassified at x, not broken */
    double median;            /* median norm of the images broken away from x */
} fmn_tally;

static int by_value(const void *a, const void *b)
{
    double u = *(const double *)a, v = *(const double *)b;
    return u < v ? -1 : u > v;
}

/* FMN's contract on n images x with labels y, points adv and norms norm:
 * every pixel in [0, 1]; an image with a finite norm is misclassified at
 * adv by the scoring rule (argmax over all K outputs a real class other
 * than the label, so never the outlier), its margin above
 * EDD_PGD_STOP_MARGIN, at a distance equal to norm to 1e-4 relative;
 * norm 0 exactly when x itself is misclassified, and then adv is x; an
 * infinite norm comes with adv = x, an image not misclassified at x. */
static fmn_tally check_valid(edd_ctx *ctx, const edd_cnn *m, int ord, const float *x, const uint8_t *y, size_t n,
                             const float *adv, const float *norm)
{
    const int k = m->k;
    float *z0 = malloc(n * (size_t)k * sizeof(float)), *za = malloc(n * (size_t)k * sizeof(float));
    double *norms = malloc(n * sizeof(double));
    logits(ctx, m, x, n, z0);
    logits(ctx, m, adv, n, za);
    fmn_tally t = {0};
    for (size_t i = 0; i < n; i++) {
        const float *a = adv + i * D, *xi = x + i * D, *zi = za + i * (size_t)k;
        for (int j = 0; j < D; j++)
            cr_assert(a[j] >= 0.0f && a[j] <= 1.0f, "ord %d image %zu pixel %d = %g outside [0, 1]", ord, i, j, a[j]);
        const int clean_wrong = edd_margin(z0 + i * (size_t)k, k, EDD_N_REAL, y[i], NULL, NULL) > EDD_PGD_STOP_MARGIN;
        const int pred = edd_argmax(zi, k);
        if (!isfinite(norm[i]) || norm[i] == 0.0f) {
            cr_assert(!memcmp(a, xi, D * sizeof(float)), "ord %d image %zu: norm %g but adv is not x", ord, i, norm[i]);
            cr_assert_eq(norm[i] == 0.0f, clean_wrong, "ord %d image %zu: norm %g, margin at x %g", ord, i, norm[i],
                         edd_margin(z0 + i * (size_t)k, k, EDD_N_REAL, y[i], NULL, NULL));
            t.at_x += norm[i] == 0.0f;
            t.failed += norm[i] != 0.0f;
            continue;
        }
        const float mi = edd_margin(zi, k, EDD_N_REAL, y[i], NULL, NULL);
        cr_assert(edd_misclassified(k, pred, y[i]) && pred < EDD_N_REAL,
                  "ord %d image %zu: FMN says broken at norm %g, the model predicts %d (label %d, K=%d)", ord, i,
                  norm[i], pred, y[i], k);
        cr_assert_gt(mi, 0.0f, "ord %d image %zu: margin %g at adv", ord, i, mi);
        const double d = dist(ord, a, xi);
        cr_assert(fabs(d - norm[i]) <= 1e-4 * d, "ord %d image %zu: norm %.9g reported, %.9g recomputed", ord, i,
                  norm[i], d);
        norms[t.broken++] = d;
    }
    qsort(norms, (size_t)t.broken, sizeof(double), by_value);
    t.median = t.broken ? norms[t.broken / 2] : NAN;
    free(z0); free(za); free(norms);
    return t;
}

/* FMN in norm ord, `steps` steps, on the first 40 test images of a
 * trained model with k outputs, held to check_valid; some image must be
 * broken away from x, or nothing was tested. */
static void check_trained(int k, int ord, int steps)
{
    edd_ctx ctx;
    ctx_make(&ctx);
    edd_cnn m;
    edd_dataset te;
    trained(&ctx, &m, k, 40, &te);
    const size_t n = te.n;
    float *adv = malloc(n * D * sizeof(float)), norm[40];
    edd_fmn_opts o = fmn_opts(ord, steps);
    cr_assert_eq(edd_fmn(&ctx, &m, te.x, te.y, n, &o, adv, norm), EDD_OK, "%s", ctx.err);
    fmn_tally t = check_valid(&ctx, &m, ord, te.x, te.y, n, adv, norm);
    fprintf(stderr, "fmn %s K=%d: %zu images, %d steps: %d broken (median norm %.4f), %d misclassified at x, %d "
            "not broken\n", ord ? "l2" : "linf", k, n, steps, t.broken, t.median, t.at_x, t.failed);
    cr_assert_gt(t.broken, 0, "K=%d ord %d: FMN broke no image away from x", k, ord);
    free(adv);
    edd_cnn_free(&m);
    edd_dataset_free(&te);
    edd_ctx_free(&ctx);
}

Test(fmn, l2_valid_on_a_trained_model, .timeout = 300) { check_trained(10, 2, 300); }
Test(fmn, l2_valid_on_a_trained_model_with_outlier_class, .timeout = 300) { check_trained(11, 2, 300); }
Test(fmn, linf_valid_on_a_trained_model, .timeout = 300) { check_trained(10, 0, 300); }
Test(fmn, linf_valid_on_a_trained_model_with_outlier_class, .timeout = 300) { check_trained(11, 0, 300); }

/* ------------------------------------------------------------ against PGD */

/* PGD-L2 at eps, 100 steps, one random start, loss `loss`, on n images
 * into adv; returns how many it breaks (margin above
 * EDD_PGD_STOP_MARGIN, the threshold FMN uses) and flags them in broken,
 * and counts in *detected the points the model flags as the outlier. */
static int pgd_l2(edd_ctx *ctx, const edd_cnn *m, const edd_dataset *te, float eps, edd_attack_loss loss, float *adv,
                  int *broken, int *detected)
{
    const size_t n = te->n, k = (size_t)m->k;
    float *z = malloc(n * k * sizeof(float));
    edd_pgd_opts p;
    edd_pgd_opts_default(&p);
    p.ord = 2;
    p.eps = eps;
    p.loss = loss;
    p.quiet = 1;
    cr_assert_eq(edd_pgd(ctx, m, te->x, te->y, n, &p, adv), EDD_OK, "%s", ctx->err);
    logits(ctx, m, adv, n, z);
    int count = 0;
    *detected = 0;
    for (size_t i = 0; i < n; i++) {
        broken[i] = edd_margin(z + i * k, (int)k, EDD_N_REAL, te->y[i], NULL, NULL) > EDD_PGD_STOP_MARGIN;
        count += broken[i];
        *detected += k == 11 && edd_argmax(z + i * k, (int)k) == 10;
    }
    free(z);
    return count;
}

/* The minimum-norm property: PGD-L2 at eps on the detector-aware margin
 * and FMN-L2 (1000 steps) on the first 100 test images of a trained model
 * with k outputs. FMN as published (the untargeted run alone) breaks
 * every image PGD breaks; where its norm is above eps + 1e-3 (its run can
 * settle in the region of another class than PGD's: measured, 0 of the
 * images PGD breaks on the K = 10 model, 1 of 77 on the K = 11 one, at
 * 2.124 against PGD's 1.9998), FMN with a targeted run toward every other
 * real class (n_targets 9, so PGD's class among them) breaks the image
 * within eps + 1e-3. On K = 11, PGD on the cross-entropy over all outputs
 * must land some points on the outlier class, or the detection rule was
 * not exercised. */
static void check_vs_pgd(int k, float eps)
{
    edd_ctx ctx;
    ctx_make(&ctx);
    edd_cnn m;
    edd_dataset te;
    trained(&ctx, &m, k, 100, &te);
    const size_t n = te.n;
    float *pa = malloc(n * D * sizeof(float)), *fa = malloc(n * D * sizeof(float)), norm[100], norm9;
    int broken[100], detected, detected_all, beyond = 0, rescued = 0, by_fmn = 0;
    float *ta = malloc(D * sizeof(float));
    pgd_l2(&ctx, &m, &te, eps, EDD_LOSS_ALL, pa, broken, &detected_all);
    const int by_pgd = pgd_l2(&ctx, &m, &te, eps, EDD_LOSS_MARGIN, pa, broken, &detected);
    edd_fmn_opts o = fmn_opts(2, 1000);
    cr_assert_eq(edd_fmn(&ctx, &m, te.x, te.y, n, &o, fa, norm), EDD_OK, "%s", ctx.err);
    check_valid(&ctx, &m, 2, te.x, te.y, n, fa, norm);
    o.n_targets = EDD_N_REAL - 1;
    for (size_t i = 0; i < n; i++) {
        by_fmn += norm[i] <= eps + 1e-3f;
        if (!broken[i])
            continue;
        cr_assert(isfinite(norm[i]), "K=%d image %zu: PGD breaks it at %g, FMN not at all", k, i,
                  dist(2, pa + i * D, te.x + i * D));
        if (norm[i] <= eps + 1e-3f)
            continue;
        beyond++;
        cr_assert_eq(edd_fmn(&ctx, &m, te.x + i * D, te.y + i, 1, &o, ta, &norm9), EDD_OK, "%s", ctx.err);
        check_valid(&ctx, &m, 2, te.x + i * D, te.y + i, 1, ta, &norm9);
        fprintf(stderr, "  K=%d image %zu: PGD breaks at %.4f, FMN at %.4f, with 9 targeted runs %.4f\n", k, i,
                dist(2, pa + i * D, te.x + i * D), norm[i], norm9);
        rescued += norm9 <= eps + 1e-3f;
    }
    fprintf(stderr, "fmn l2 vs pgd-l2 eps %g K=%d: %zu images; PGD (100 steps, margin) breaks %d (detected %d; on "
            "the CE over all outputs, detected %d); FMN (1000 steps) within eps on %d, beyond eps on %d PGD breaks, "
            "%d of them within with 9 targeted runs\n", eps, k, n, by_pgd, detected, detected_all, by_fmn, beyond,
            rescued);
    cr_assert_gt(by_pgd, 0, "PGD broke nothing at eps %g: nothing tested", eps);
    cr_assert_eq(rescued, beyond, "K=%d: %d images PGD-L2 breaks at eps %g, FMN not within it", k, beyond - rescued,
                 eps);
    cr_assert(k == 10 || detected_all > 0, "K=11: no PGD point on the outlier class: detection not exercised");
    free(pa); free(fa); free(ta);
    edd_cnn_free(&m);
    edd_dataset_free(&te);
    edd_ctx_free(&ctx);
}

Test(fmn, l2_within_every_eps_pgd_l2_breaks, .timeout = 900) { check_vs_pgd(10, 2.0f); }
Test(fmn, l2_within_every_eps_pgd_l2_breaks_with_outlier_class, .timeout = 900) { check_vs_pgd(11, 2.0f); }

/* ------------------------------------------------------------ determinism */

/* On an untrained K = 11 model and 12 random images labelled with its
 * clean predictions (so every image is attacked), FMN with 2 targeted
 * runs, 40 steps, run twice gives the same bytes (points and norms), at
 * one thread and at two; some image is broken, or nothing was compared. */
static void check_repeat(int ord)
{
    edd_ctx ctx;
    ctx_make(&ctx);
    edd_cnn m;
    model_make(&ctx, &m, 11, 31);
    const size_t n = 12;
    float *x = images_make(n, 32), *z = malloc(n * 11 * sizeof(float));
    float *a = malloc(n * D * sizeof(float)), *b = malloc(n * D * sizeof(float)), na[12], nb[12];
    uint8_t y[12];
    logits(&ctx, &m, x, n, z);
    for (size_t i = 0; i < n; i++)
        y[i] = (uint8_t)edd_argmax(z + i * 11, EDD_N_REAL);
    edd_fmn_opts o = fmn_opts(ord, 40);
    o.n_targets = 2;
    int broken = 0;
    for (int threads = 1; threads <= 2; threads++) {
        omp_set_num_threads(threads);
        cr_assert_eq(edd_fmn(&ctx, &m, x, y, n, &o, a, na), EDD_OK, "%s", ctx.err);
        cr_assert_eq(edd_fmn(&ctx, &m, x, y, n, &o, b, nb), EDD_OK, "%s", ctx.err);
        cr_assert(!memcmp(a, b, n * D * sizeof(float)), "ord %d, %d threads: two runs' points differ", ord, threads);
        cr_assert(!memcmp(na, nb, sizeof na), "ord %d, %d threads: two runs' norms differ", ord, threads);
        broken = check_valid(&ctx, &m, ord, x, y, n, a, na).broken;
    }
    omp_set_num_threads(1);
    fprintf(stderr, "fmn %s repeat: %zu images, 40 steps x 3 runs, %d broken, identical bytes at 1 and 2 threads\n",
            ord ? "l2" : "linf", n, broken);
    cr_assert_gt(broken, 0, "ord %d: no image broken", ord);
    free(x); free(z); free(a); free(b);
    edd_cnn_free(&m);
    edd_ctx_free(&ctx);
}

Test(fmn, l2_runs_repeat_bit_for_bit, .timeout = 120) { check_repeat(2); }
Test(fmn, linf_runs_repeat_bit_for_bit, .timeout = 120) { check_repeat(0); }

/* ------------------------------------------------------------ arguments */

/* Each bad option fails with EDD_ERR_ARG and a message naming the value. */
Test(fmn, rejects_bad_arguments, .timeout = 60)
{
    edd_ctx ctx;
    ctx_make(&ctx);
    edd_cnn m;
    model_make(&ctx, &m, 11, 41);
    float *x = images_make(2, 42), adv[2 * D], norm[2];
    uint8_t y[2] = {3, 4}, bad[2] = {3, 10};
    static const struct {
        const char *field, *want;
    } cases[] = {{"ord", "ord 1"},           {"steps", "steps 0"},         {"steps-", "steps -5"},
                 {"alpha", "alpha_init nan"}, {"alpha_f", "alpha_final inf"}, {"gamma0", "gamma_init 0,"},
                 {"gammanan", "gamma_init nan"}, {"gamma_f", "gamma_final 1"}, {"clip", "clip [1, 0]"},
                 {"clipnan", "clip [0, nan]"}, {"nt-", "n_targets -1"},    {"nt10", "n_targets 10"},
                 {"n_real", "n_real 12"},    {"label", "label 10 of image 1"}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        edd_fmn_opts o = fmn_opts(2, 10);
        const uint8_t *yy = y;
        const char *f = cases[c].field;
        if (!strcmp(f, "ord")) o.ord = 1;
        if (!strcmp(f, "steps")) o.steps = 0;
        if (!strcmp(f, "steps-")) o.steps = -5;
        if (!strcmp(f, "alpha")) o.alpha_init = NAN;
        if (!strcmp(f, "alpha_f")) o.alpha_final = INFINITY;
        if (!strcmp(f, "gamma0")) o.gamma_init = 0.0f;
        if (!strcmp(f, "gammanan")) o.gamma_init = NAN;
        if (!strcmp(f, "gamma_f")) o.gamma_final = 1.0f;
        if (!strcmp(f, "clip")) o.clip_min = 1.0f, o.clip_max = 0.0f;
        if (!strcmp(f, "clipnan")) o.clip_max = NAN;
        if (!strcmp(f, "nt-")) o.n_targets = -1;
        if (!strcmp(f, "nt10")) o.n_targets = 10;
        if (!strcmp(f, "n_real")) o.n_real = 12;
        if (!strcmp(f, "label")) yy = bad;
        cr_assert_eq(edd_fmn(&ctx, &m, x, yy, 2, &o, adv, norm), EDD_ERR_ARG, "%s accepted", f);
        cr_assert(strstr(ctx.err, cases[c].want), "%s: '%s' does not say '%s'", f, ctx.err, cases[c].want);
    }
    fprintf(stderr, "fmn arguments: %zu bad options refused, each named\n", sizeof cases / sizeof cases[0]);
    free(x);
    edd_cnn_free(&m);
    edd_ctx_free(&ctx);
}
