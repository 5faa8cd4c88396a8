/* test_apgd.c - the DLR losses of objective.c and APGD / APGD-T: the DLR
 * and targeted DLR values against a sort written out here and their
 * dL/dz against central finite differences on the logits (K = 10 and
 * 11); APGD's invariants (inside the eps-ball and the box, L-inf and L2,
 * each loss), run-to-run identity, more restarts never a smaller margin,
 * the argument checks; and on a briefly trained model, that APGD breaks
 * every image its own first step breaks (and keeps a margin at least the
 * first step's on the rest) and breaks about as many images as PGD with
 * the same steps and loss. */
#include <criterion/criterion.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "edd/apgd.h"
#include "edd/eval.h"
#include "edd/train.h"
#include "edd/internal/objective.h"
#include "testutil.h"

TestSuite(apgd_loss, .timeout = 60);
TestSuite(apgd, .timeout = 300);

#define D EDD_IMG_SIZE

/* Logits (n x K) of n images from an INFER plan. */
static void logits(edd_ctx *ctx, const edd_cnn *m, const float *x, int n, float *z)
{
    edd_plan *p;
    cr_assert_eq(edd_plan_create(ctx, m, n, EDD_PLAN_INFER, 0, &p), EDD_OK, "%s", ctx->err);
    cr_assert_eq(edd_plan_forward(ctx, p, m, x, NULL, z), EDD_OK, "%s", ctx->err);
    edd_plan_free(p);
}

/* Margins (n) of n images on m. */
static void margins(edd_ctx *ctx, const edd_cnn *m, const float *x, const uint8_t *y, int n, double *out)
{
    float *z = malloc((size_t)n * m->k * sizeof(float));
    logits(ctx, m, x, n, z);
    for (int i = 0; i < n; i++)
        out[i] = edd_margin(z + (size_t)i * m->k, m->k, 10, y[i], NULL, NULL);
    free(z);
}

/* ---------------------------------------------------------------- losses */

static const float *sort_z;

static int by_logit_desc(const void *a, const void *b)
{
    int i = *(const int *)a, j = *(const int *)b;
    return sort_z[i] > sort_z[j] ? -1 : sort_z[i] < sort_z[j] ? 1 : i - j;
}

/* The DLR written out: the outputs sorted with qsort, the margin's
 * classes found by brute force (real classes 0..9, the outlier 10). */
static double dlr_ref(const float *z, int k, int y, int target)
{
    int pi[11];
    for (int j = 0; j < k; j++)
        pi[j] = j;
    sort_z = z;
    qsort(pi, (size_t)k, sizeof pi[0], by_logit_desc);
    double guard = z[y], other = -INFINITY;
    for (int j = 10; j < k; j++)
        guard = fmax(guard, z[j]);
    for (int j = 0; j < 10; j++)
        if (j != y)
            other = fmax(other, z[j]);
    if (target >= 0)
        return ((double)z[target] - guard) / ((double)z[pi[0]] - 0.5 * ((double)z[pi[2]] + z[pi[3]]) + 1e-12);
    return (other - guard) / ((double)z[pi[0]] - z[pi[2]] + 1e-12);
}

/* The smallest gap between two of the k logits z. */
static double min_gap(const float *z, int k)
{
    double g = INFINITY;
    for (int i = 0; i < k; i++)
        for (int j = i + 1; j < k; j++)
            g = fmin(g, fabs((double)z[i] - z[j]));
    return g;
}

/* For 300 rows of random logits (K = k; rows 0 mod 3 with the outlier
 * raised to lead the guards on K = 11), untargeted and targeted at a real
 * class other than y: edd_dlr's value equals the written-out one, and
 * each component of its dL/dz the central difference of the value over
 * z_j, on the rows where no two logits are within 4 steps of each other
 * (so no sort position or arg max changes within a step). */
static void check_dlr(int k, int targeted)
{
    uint64_t key = edd_rng_key(11, (uint64_t)k, (uint64_t)targeted);
    const float h = 1e-3f;
    int rows = 0, outlier_led = 0;
    for (int r = 0; r < 300; r++) {
        float z[11], dz[11];
        for (int j = 0; j < k; j++)
            z[j] = urand(key, (uint32_t)(r * 16 + j), -4.0f, 4.0f);
        const int y = r % 10, t = targeted ? (y + 1 + r / 10 % 9) % 10 : -1;
        if (k == 11 && r % 3 == 0)
            z[10] = z[y] + 0.5f;
        const double v = edd_dlr(z, k, 10, y, t, dz);
        cr_assert_float_eq(v, dlr_ref(z, k, y, t), 1e-9 * (1 + fabs(v)), "K=%d row %d: value", k, r);
        if (min_gap(z, k) < 4 * h)
            continue;
        int g;
        edd_margin(z, k, 10, y, NULL, &g);
        outlier_led += g == 10;
        for (int j = 0; j < k; j++) {
            const float z0 = z[j];
            z[j] = z0 + h;
            const double fp = edd_dlr(z, k, 10, y, t, NULL), hp = (double)z[j] - z0;
            z[j] = z0 - h;
            const double fm = edd_dlr(z, k, 10, y, t, NULL), hm = z0 - (double)z[j];
            z[j] = z0;
            const double fd = (fp - fm) / (hp + hm);
            cr_assert_float_eq(dz[j], fd, 2e-3 * (1 + fabs(fd)), "K=%d target %d row %d: dz[%d] = %g, fd %g", k, t,
                               r, j, dz[j], fd);
        }
        rows++;
    }
    cr_assert_gt(rows, 250, "K=%d: only %d rows without close logits", k, rows);
    cr_assert(k == 10 || outlier_led >= 80, "K=11: the outlier led the guards on %d rows only", outlier_led);
}

Test(apgd_loss, dlr_matches_finite_differences)
{
    check_dlr(10, 0);
    check_dlr(11, 0);
}

/* The L2 step factor: len / ||g|| as a float, and no step (0, never inf)
 * for a gradient whose norm is 0 or too small for the factor to be a
 * float, as a saturated softmax leaves (found on a temperature model of
 * Fashion-MNIST: |g| about 1e-41 made APGD-L2 return NaN pixels). */
Test(apgd_loss, l2_step_scale_is_finite_for_tiny_gradients)
{
    cr_assert_float_eq(edd_l2_step_scale(1.0, 4.0), 0.5f, 0.0f);
    cr_assert_float_eq(edd_l2_step_scale(2.0, 1e-60), 2e30f, 1e24f);
    cr_assert_eq(edd_l2_step_scale(1.0, 0.0), 0.0f);
    cr_assert_eq(edd_l2_step_scale(1.0, 2.34254e-82), 0.0f, "a factor of 6.5e40 overflows a float: no step");
    const float g = 1.4e-45f; /* the smallest subnormal: 0 x inf would be NaN */
    cr_assert(isfinite(edd_l2_step_scale(1.0, (double)g * g) * g));
}

Test(apgd_loss, targeted_dlr_matches_finite_differences)
{
    check_dlr(10, 1);
    check_dlr(11, 1);
}

/* ---------------------------------------------------------------- APGD */

/* n labels: the model's clean prediction among the real classes, so that
 * every image is under attack (an untrained model gets most labels wrong). */
static void labels_predicted(edd_ctx *ctx, const edd_cnn *m, const float *x, int n, uint8_t *y)
{
    float *z = malloc((size_t)n * m->k * sizeof(float));
    logits(ctx, m, x, n, z);
    for (int i = 0; i < n; i++)
        y[i] = (uint8_t)edd_argmax(z + (size_t)i * m->k, 10);
    free(z);
}

static edd_apgd_opts opts_make(int ord, int loss, int targeted, int steps)
{
    edd_apgd_opts o;
    edd_apgd_opts_default(&o);
    o.ord = ord;
    o.eps = ord ? 1.5f : 0.1f;
    o.loss = (edd_apgd_loss)loss;
    o.targeted = targeted;
    o.n_target_classes = 3;
    o.steps = steps;
    o.quiet = 1;
    return o;
}

/* Every point APGD returns lies in the box and in the eps-ball around x
 * (L-inf: within float rounding of x +- eps; L2: norm <= eps (1 + 1e-5)),
 * for each loss and APGD-T, and every image moved (all are correctly
 * classified when clean, so each was attacked). */
static void check_ball(int ord)
{
    edd_ctx ctx;
    ctx_make(&ctx);
    edd_cnn m;
    model_make(&ctx, &m, 11, 51);
    const int n = 6;
    float *x = images_make(n, 52), *adv = malloc((size_t)n * D * sizeof(float));
    uint8_t y[6];
    labels_predicted(&ctx, &m, x, n, y);
    for (int v = 0; v < 3; v++) {
        edd_apgd_opts o = opts_make(ord, v == 1, v == 2, 8);
        o.restarts = 2;
        cr_assert_eq(edd_apgd(&ctx, &m, x, y, n, &o, adv), EDD_OK, "%s", ctx.err);
        for (int i = 0; i < n; i++) {
            double l2 = 0, linf = 0;
            for (int j = 0; j < D; j++) {
                float a = adv[i * D + j], xv = x[i * D + j];
                cr_assert(a >= 0.0f && a <= 1.0f, "variant %d image %d pixel %d = %g outside the box", v, i, j, a);
                l2 += ((double)a - xv) * ((double)a - xv);
                linf = fmax(linf, fabs((double)a - xv));
            }
            if (ord == 0)
                cr_assert_leq(linf, o.eps + 1e-6, "variant %d image %d: L-inf distance %g", v, i, linf);
            else
                cr_assert_leq(sqrt(l2), o.eps * (1 + 1e-5), "variant %d image %d: L2 distance %g", v, i, sqrt(l2));
            cr_assert_gt(l2, 0.0, "variant %d image %d did not move", v, i);
        }
    }
    free(x); free(adv);
    edd_cnn_free(&m);
    edd_ctx_free(&ctx);
}

Test(apgd, linf_stays_in_the_ball_and_the_box) { check_ball(0); }
Test(apgd, l2_stays_in_the_ball_and_the_box) { check_ball(2); }

/* The same run twice is bit-identical; with the same seed restart 0 of
 * each target of a 3-restart run starts as the 1-restart run does, so
 * every image the one breaks the other breaks, and every image the other
 * does not break keeps its margin or finds a larger one (both up to
 * oneDNN's rounding at other batch sizes). */
static void check_runs(int ord, int loss, int targeted)
{
    edd_ctx ctx;
    ctx_make(&ctx);
    edd_cnn m;
    model_make(&ctx, &m, 11, 71);
    const int n = 13;
    float *x = images_make(n, 72);
    float *a1 = malloc((size_t)n * D * sizeof(float)), *a1b = malloc((size_t)n * D * sizeof(float));
    float *a3 = malloc((size_t)n * D * sizeof(float));
    uint8_t y[13];
    labels_predicted(&ctx, &m, x, n, y);
    edd_apgd_opts o = opts_make(ord, loss, targeted, 12);
    o.eps = ord ? 0.5f : 0.03f;
    o.seed = 9;
    cr_assert_eq(edd_apgd(&ctx, &m, x, y, n, &o, a1), EDD_OK, "%s", ctx.err);
    cr_assert_eq(edd_apgd(&ctx, &m, x, y, n, &o, a1b), EDD_OK, "%s", ctx.err);
    cr_assert(!memcmp(a1, a1b, (size_t)n * D * sizeof(float)), "ord %d loss %d targeted %d: two runs differ", ord,
              loss, targeted);
    o.restarts = 3;
    cr_assert_eq(edd_apgd(&ctx, &m, x, y, n, &o, a3), EDD_OK, "%s", ctx.err);
    double m1[13], m3[13];
    margins(&ctx, &m, a1, y, n, m1);
    margins(&ctx, &m, a3, y, n, m3);
    for (int i = 0; i < n; i++) {
        const int broken1 = m1[i] > EDD_PGD_STOP_MARGIN, broken3 = m3[i] > EDD_PGD_STOP_MARGIN;
        cr_assert(broken3 || (!broken1 && m3[i] >= m1[i] - 1e-4 * (1 + fabs(m1[i]))),
                  "ord %d loss %d targeted %d image %d: margin %g after 3 restarts, %g after 1", ord, loss, targeted, i,
                  m3[i], m1[i]);
    }
    free(x); free(a1); free(a1b); free(a3);
    edd_cnn_free(&m);
    edd_ctx_free(&ctx);
}

Test(apgd, linf_runs_are_deterministic_and_restarts_never_worse)
{
    check_runs(0, EDD_APGD_CE, 0);
    check_runs(0, EDD_APGD_DLR, 0);
    check_runs(0, EDD_APGD_CE, 1);
}

Test(apgd, l2_runs_are_deterministic_and_restarts_never_worse)
{
    check_runs(2, EDD_APGD_CE, 0);
    check_runs(2, EDD_APGD_DLR, 0);
    check_runs(2, EDD_APGD_CE, 1);
}

Test(apgd, rejects_bad_arguments)
{
    edd_ctx ctx;
    ctx_make(&ctx);
    edd_cnn m, m3;
    model_make(&ctx, &m, 11, 81);
    model_make(&ctx, &m3, 3, 83);
    float *x = images_make(2, 82), adv[2 * D];
    uint8_t y[2] = {1, 2}, bad[2] = {1, 10};
    static const struct {
        const char *field, *want;
    } cases[] = {{"ord", "ord 1"},           {"eps", "eps nan"},          {"eps-", "eps -0.1"},
                 {"steps", "steps 0"},       {"restarts", "restarts 0"},  {"loss", "loss 2"},
                 {"targeted", "targeted 2"}, {"nt0", "n_target_classes 0"}, {"nt10", "n_target_classes 10"},
                 {"rho", "rho 1.5"},         {"momentum", "momentum -0.25"}, {"clip", "clip [1, 0]"},
                 {"n_real", "n_real 12"},    {"label", "label 10 of image 1"}, {"k3", "K=3"}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        edd_apgd_opts o;
        edd_apgd_opts_default(&o);
        o.quiet = 1;
        const uint8_t *yy = y;
        const edd_cnn *mm = &m;
        const char *f = cases[c].field;
        if (!strcmp(f, "ord")) o.ord = 1;
        if (!strcmp(f, "eps")) o.eps = NAN;
        if (!strcmp(f, "eps-")) o.eps = -0.1f;
        if (!strcmp(f, "steps")) o.steps = 0;
        if (!strcmp(f, "restarts")) o.restarts = 0;
        if (!strcmp(f, "loss")) o.loss = (edd_apgd_loss)2;
        if (!strcmp(f, "targeted")) o.targeted = 2;
        if (!strcmp(f, "nt0")) o.targeted = 1, o.n_target_classes = 0;
        if (!strcmp(f, "nt10")) o.targeted = 1, o.n_target_classes = 10;
        if (!strcmp(f, "rho")) o.rho = 1.5f;
        if (!strcmp(f, "momentum")) o.momentum = -0.25f;
        if (!strcmp(f, "clip")) o.clip_min = 1.0f, o.clip_max = 0.0f;
        if (!strcmp(f, "n_real")) o.n_real = 12;
        if (!strcmp(f, "label")) yy = bad;
        if (!strcmp(f, "k3")) o.n_real = 3, o.targeted = 1, o.n_target_classes = 2, mm = &m3;
        cr_assert_eq(edd_apgd(&ctx, mm, x, yy, 2, &o, adv), EDD_ERR_ARG, "%s", f);
        cr_assert(strstr(ctx.err, cases[c].want), "%s: '%s' does not say '%s'", f, ctx.err, cases[c].want);
    }
    free(x);
    edd_cnn_free(&m);
    edd_cnn_free(&m3);
    edd_ctx_free(&ctx);
}

/* ------------------------------------------------- on a trained model */

/* A K = 10 model trained 1 epoch on 3000 MNIST training images, and the
 * first 100 test images in te; skips the test without MNIST. */
static void trained_model(edd_ctx *ctx, edd_cnn *m, edd_dataset *te)
{
    char dir[4096];
    mnist_dir_or_skip(dir, sizeof dir);
    edd_dataset tr;
    cr_assert_eq(edd_dataset_load(ctx, dir, 1, 3000, &tr), EDD_OK, "%s", ctx->err);
    cr_assert_eq(edd_dataset_load(ctx, dir, 0, 100, te), EDD_OK, "%s", ctx->err);
    cr_assert_eq(edd_cnn_init(ctx, m, 10, 0.2f, 0.5f, 1), EDD_OK, "%s", ctx->err);
    edd_train_opts to;
    edd_train_opts_default(&to);
    to.epochs = 1;
    to.quiet = 1;
    cr_assert_eq(edd_train(ctx, m, &tr, &to, NULL), EDD_OK, "%s", ctx->err);
    edd_dataset_free(&tr);
}

/* Every point a 1-step run visits (the clean image, the start, the first
 * step of each target) a 25-step run visits too, from the same starts, so
 * the 25-step run breaks every image the 1-step run breaks, and on the
 * images it does not break its margin is at least the 1-step run's (up
 * to oneDNN's rounding between the passes that score the same point). */
Test(apgd, trained_model_apgd_keeps_its_first_step)
{
    edd_ctx ctx;
    ctx_make(&ctx);
    edd_cnn m;
    edd_dataset te;
    trained_model(&ctx, &m, &te);
    const int n = (int)te.n;
    float *a1 = malloc((size_t)n * D * sizeof(float)), *an = malloc((size_t)n * D * sizeof(float));
    double *m1 = malloc((size_t)n * sizeof(double)), *mn = malloc((size_t)n * sizeof(double));
    for (int v = 0; v < 3; v++) {
        edd_apgd_opts o = opts_make(0, v == 1, v == 2, 1);
        cr_assert_eq(edd_apgd(&ctx, &m, te.x, te.y, (size_t)n, &o, a1), EDD_OK, "%s", ctx.err);
        o.steps = 25;
        cr_assert_eq(edd_apgd(&ctx, &m, te.x, te.y, (size_t)n, &o, an), EDD_OK, "%s", ctx.err);
        margins(&ctx, &m, a1, te.y, n, m1);
        margins(&ctx, &m, an, te.y, n, mn);
        int b1 = 0, bn = 0;
        for (int i = 0; i < n; i++) {
            const int broken1 = m1[i] > EDD_PGD_STOP_MARGIN, brokenn = mn[i] > EDD_PGD_STOP_MARGIN;
            b1 += broken1;
            bn += brokenn;
            cr_assert(brokenn || (!broken1 && mn[i] >= m1[i] - 1e-4 * (1 + fabs(m1[i]))),
                      "variant %d image %d: margin %g after 25 steps, %g after 1", v, i, mn[i], m1[i]);
        }
        fprintf(stderr, "apgd variant %d (ce, dlr, targeted x3), eps 0.1: %d of %d broken after 1 step, %d after 25\n",
                v, b1, n, bn);
        cr_assert_gt(bn, b1, "variant %d: 24 more steps broke nothing more", v);
    }
    free(a1); free(an); free(m1); free(mn);
    edd_cnn_free(&m);
    edd_dataset_free(&te);
    edd_ctx_free(&ctx);
}

/* APGD on the real-class cross-entropy against PGD on the same loss with
 * the same steps (25, L-inf eps 0.1, one random start, early stop), by the
 * one scoring rule: APGD breaks at least as many images, less a slack of
 * 3 of the 100 (not guaranteed image by image; measured in the log). */
Test(apgd, trained_model_apgd_ce_about_pgd)
{
    edd_ctx ctx;
    ctx_make(&ctx);
    edd_cnn m;
    edd_dataset te;
    trained_model(&ctx, &m, &te);
    const size_t n = te.n;
    float *pa = malloc(n * D * sizeof(float)), *aa = malloc(n * D * sizeof(float));
    edd_pgd_opts p;
    edd_pgd_opts_default(&p);
    p.eps = 0.1f;
    p.steps = 25;
    p.loss = EDD_LOSS_REAL;
    p.early_stop = 1;
    p.quiet = 1;
    edd_apgd_opts o = opts_make(0, EDD_APGD_CE, 0, 25);
    cr_assert_eq(edd_pgd(&ctx, &m, te.x, te.y, n, &p, pa), EDD_OK, "%s", ctx.err);
    cr_assert_eq(edd_apgd(&ctx, &m, te.x, te.y, n, &o, aa), EDD_OK, "%s", ctx.err);
    edd_attack_goal goal;
    edd_attack_goal_default(&goal);
    edd_attack_scores sp, sa;
    cr_assert_eq(edd_attack_eval(&ctx, &m, &m, te.x, te.y, n, pa, &goal, &sp), EDD_OK, "%s", ctx.err);
    cr_assert_eq(edd_attack_eval(&ctx, &m, &m, te.x, te.y, n, aa, &goal, &sa), EDD_OK, "%s", ctx.err);
    fprintf(stderr, "eps 0.1, 25 steps, %zu images: clean accuracy %.2f, misclassified PGD-CE %.2f, APGD-CE %.2f\n", n,
            sp.clean_accuracy, sp.misclassified, sa.misclassified);
    cr_assert_geq(sa.n_misclassified + 3, sp.n_misclassified, "APGD-CE misclassifies %zu, PGD-CE %zu",
                  sa.n_misclassified, sp.n_misclassified);
    free(pa); free(aa);
    edd_cnn_free(&m);
    edd_dataset_free(&te);
    edd_ctx_free(&ctx);
}
