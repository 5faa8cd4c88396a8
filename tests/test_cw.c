/* test_cw.c - the Carlini-Wagner L2 attack: its loss and gradient w.r.t.
 * w against central finite differences through a random CNN (the outlier
 * class included in the max; targeted and untargeted), AdaDelta and Adam
 * steps against values written out here, the binary search on c on hand
 * cases, argument checks, and an end-to-end attack on a briefly trained
 * model (also run at another batch size, which must not change the
 * outcome, and untargeted). */
#include <criterion/criterion.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "edd/internal/ctx.h"
#include "edd.h"
#include "edd/cw.h"
#include "edd/internal/cw.h"

TestSuite(cw, .timeout = 120);

static void ctx_make(edd_ctx *ctx)
{
    memset(ctx, 0, sizeof *ctx);
    cr_assert_eq(edd_ctx_init(ctx, 0), EDD_OK, "ctx init: %s", ctx->err);
}

static float urand(uint64_t key, uint32_t ctr, float lo, float hi)
{
    return lo + (hi - lo) * edd_rng_uniform(key, ctr);
}

/* ------------------------------------------------ loss and gradient */

typedef struct {
    edd_ctx *ctx;
    edd_plan *p;
    const edd_cnn *m;
    float *w;
    const float *x0;
    const uint8_t *t;
    const double *c;
    float conf;
    int untargeted;
    double loss[2], l2[2];
    float *z, *xadv, *grad, *dz;
} cw_obj;

static double obj_eval(cw_obj *o)
{
    cr_assert_eq(edd_cw_loss_grad(o->ctx, o->p, o->m, o->w, o->x0, o->t, o->c, o->conf, o->untargeted, o->loss,
                                  o->l2, o->z, o->xadv, o->grad, o->dz), EDD_OK, "loss_grad: %s", o->ctx->err);
    return o->loss[0] + o->loss[1];
}

/* The hinge's dz of b images at the random start (o's loss and l2 of the
 * last evaluation): -c[i] and +c[i] at the outputs it compares, 0
 * elsewhere; targeted, -c at the target and +c at the max other output (the
 * outlier at K = 11); untargeted, -c at another real class and +c at the
 * label or the outlier. */
static void check_dz(const cw_obj *o, const float *dz, int b, int k, const uint8_t *t, const double *c,
                     float outlier_bias, int untargeted)
{
    for (int i = 0; i < b; i++) {
        cr_assert_gt(o->loss[i], o->l2[i], "image %d: the hinge must be active at a random start", i);
        int other = -1, up = -1, down = -1;
        for (int j = 0; j < k; j++) {
            if (dz[i * k + j] == (float)c[i])
                up = j;
            else if (dz[i * k + j] == (float)-c[i])
                down = j;
            else
                cr_assert_eq(dz[i * k + j], 0.0f, "image %d: dz[%d] = %g", i, j, dz[i * k + j]);
            if (j != t[i] && dz[i * k + j] != 0.0f)
                other = j;
        }
        if (!untargeted) {
            cr_assert_eq(down, t[i], "image %d: dz must be -c at the target", i);
            cr_assert_geq(other, 0, "image %d: no other output got the gradient", i);
            if (k == 11)
                cr_assert_eq(other, 10, "image %d: the outlier (bias %g) must be the max other output, got %d", i,
                             outlier_bias, other);
            continue;
        }
        /* untargeted: pushed down at the leading guard, up at the best other real class */
        cr_assert(down >= 0 && down < 10 && down != t[i], "image %d: -c at %d, expected another real class", i, down);
        cr_assert(up == t[i] || up >= 10, "image %d: +c at %d, expected the label %d or the outlier", i, up, t[i]);
        if (k == 11)
            cr_assert_eq(up, 10, "image %d: the outlier (bias %g) must lead the guards, got %d", i, outlier_bias, up);
    }
}

/* Central differences of o's summed loss over b images in 30 sampled w
 * coordinates each, against the analytic gradient g0 at L0; kinks
 * skipped. */
static void check_finite_differences(cw_obj *o, float *w, const float *g0, double L0, int b, int k)
{
    int tested = 0, skipped = 0;
    double maxerr = 0.0;
    const double h = 1e-2;
    for (int i = 0; i < b; i++) {
        uint32_t perm[EDD_IMG_SIZE];
        edd_rng_permutation(8, (uint64_t)i, perm, EDD_IMG_SIZE);
        for (int s = 0; s < 30; s++) {
            float *v = &w[i * EDD_IMG_SIZE + perm[s]], v0 = *v, vp = (float)(v0 + h), vm = (float)(v0 - h);
            *v = vp;
            double Lp = obj_eval(o);
            *v = vm;
            double Lm = obj_eval(o);
            *v = v0;
            double hp = (double)vp - v0, hm = (double)v0 - vm;
            double fwd = (Lp - L0) / hp, bwd = (L0 - Lm) / hm, fd = (Lp - Lm) / (hp + hm);
            double ga = g0[i * EDD_IMG_SIZE + perm[s]];
            if (fabs(fwd - bwd) > 0.1 * fmax(fmax(fabs(fwd), fabs(bwd)), 1e-2)) {
                skipped++;
                continue;
            }
            tested++;
            double err = fabs(ga - fd) / fmax(fabs(fd), 1e-2);
            maxerr = fmax(maxerr, err);
            cr_expect_leq(err, 2e-2, "image %d w[%u]: analytic %.7g, finite difference %.7g", i, perm[s], ga, fd);
        }
    }
    fprintf(stderr, "cw loss_grad K=%d: %d coordinates tested, %d kinks skipped, max rel err %.2e\n", k, tested,
            skipped, maxerr);
    cr_assert_geq(tested, 45, "only %d of 60 coordinates tested", tested);

}

/* Central differences of the summed loss of 2 images in 30 sampled w
 * coordinates each; one-sided differences that disagree mark a kink (a ReLU,
 * or the arg max of the other outputs switching) and are skipped.
 * Untargeted, t holds the true labels and confidence 20 keeps the hinge
 * max(Z_t, Z_outlier) - max_{other real} Z + 20 active at the random start. */
static void check_loss_grad(int k, float outlier_bias, int untargeted)
{
    edd_ctx ctx;
    ctx_make(&ctx);
    edd_cnn m;
    cr_assert_eq(edd_cnn_init(&ctx, &m, k, 0.2f, 0.5f, 3), EDD_OK, "%s", ctx.err);
    uint64_t kb = edd_rng_key(3, 9, 0);
    for (size_t i = 0; i < m.t[EDD_FC_B].n; i++)
        m.t[EDD_FC_B].data[i] = urand(kb, (uint32_t)i, -0.05f, 0.05f);
    if (k == 11)
        m.t[EDD_FC_B].data[10] = outlier_bias;
    m.version++;
    const int b = 2, n = b * EDD_IMG_SIZE;
    float *w = malloc(n * sizeof(float)), *x0 = malloc(n * sizeof(float)), *xadv = malloc(n * sizeof(float));
    float *grad = malloc(n * sizeof(float)), *g0 = malloc(n * sizeof(float));
    float z[2 * 11], dz[2 * 11];
    cr_assert(w && x0 && xadv && grad && g0);
    uint64_t kw = edd_rng_key(5, 1, 0), kx = edd_rng_key(5, 2, 0);
    for (int i = 0; i < n; i++) {
        w[i] = atanhf(2.0f * urand(kw, (uint32_t)i, 0.05f, 0.95f) - 1.0f);
        x0[i] = urand(kx, (uint32_t)i, 0.0f, 1.0f);
    }
    uint8_t t[2] = {3, 7};
    double c[2] = {0.7, 3.0};
    edd_plan *p = NULL;
    cr_assert_eq(edd_plan_create(&ctx, &m, b, EDD_PLAN_INPUT_GRAD, 0, &p), EDD_OK, "%s", ctx.err);
    cw_obj o = {&ctx, p, &m, w, x0, t, c, untargeted ? 20.0f : 0.0f, untargeted, {0}, {0}, z, xadv, grad, dz};
    double L0 = obj_eval(&o);
    memcpy(g0, grad, n * sizeof(float));
    check_dz(&o, dz, b, k, t, c, outlier_bias, untargeted);
    check_finite_differences(&o, w, g0, L0, b, k);

    /* With the hinge inactive the gradient is the distance term alone. */
    o.conf = -1e4f;
    obj_eval(&o);
    for (int j = 0; j < n; j++) {
        float th = tanhf(w[j]), xp = (th + 1.0f) * 0.5f;
        float want = 2.0f * (xp - x0[j]) * (1.0f - th * th) * 0.5f;
        cr_assert_float_eq(grad[j], want, 1e-6f + 1e-5f * fabsf(want), "w[%d]: %g, expected %g", j, grad[j], want);
    }
    for (int i = 0; i < b; i++)
        cr_assert_eq(o.loss[i], o.l2[i], "inactive hinge: loss %g must equal the distance %g", o.loss[i], o.l2[i]);
    edd_plan_free(p);
    edd_cnn_free(&m);
    free(w); free(x0); free(xadv); free(grad); free(g0);
    edd_ctx_free(&ctx);
}

Test(cw, loss_grad_finite_differences) { check_loss_grad(10, 0.0f, 0); }

/* K = 11: the outlier class (bias raised so it leads) is in the max, as
 * docs/DESIGN.md section 8 asks: the target must beat it too. */
Test(cw, loss_grad_outlier_in_the_max) { check_loss_grad(11, 30.0f, 0); }

/* Untargeted (the detector-aware hinge), K = 10 (the label is the only
 * guard) and K = 11 with the outlier leading the guards: the gradient
 * must push the outlier down, not only the label. */
Test(cw, untargeted_loss_grad_finite_differences) { check_loss_grad(10, 0.0f, 1); }
Test(cw, untargeted_loss_grad_outlier_is_a_guard) { check_loss_grad(11, 30.0f, 1); }

/* ------------------------------------------------ optimisers */

/* |got - want| within 1e-6 of |want| (float rounding of the step's few
 * operations; 1 - 0.95f is 0.0500000119 in float), or 1e-12 absolute. */
static void near(float got, double want, const char *what, int i)
{
    cr_assert(fabs(got - want) <= 1e-6 * fabs(want) + 1e-12, "%s[%d] = %.9g, expected %.9g", what, i, got, want);
}

/* Two AdaDelta steps, rho 0.95, eps 1e-3, lr 1, from zero state; values
 * worked out in double by the formulas of cw.h:
 * step 1, w[0]: eg2 = 0.05 * 0.25 = 0.0125, d = sqrt(1e-3)/sqrt(0.0135) * 0.5
 * = 0.13608276, edx2 = 0.05 d^2 = 9.25926e-4, w = 1 - d = 0.86391724. */
Test(cw, adadelta_steps_by_hand)
{
    float w[3] = {1.0f, -2.0f, 0.5f}, eg2[3] = {0}, edx2[3] = {0};
    const float g1[3] = {0.5f, -1.0f, 0.0f}, g2[3] = {-0.25f, 0.75f, 2.0f};
    edd_cw_adadelta_step(w, g1, eg2, edx2, 3, 1.0f, 0.95f, 1e-3f);
    const float w1[3] = {0.863917237f, -1.85997199f, 0.5f}, e1[3] = {0.0125f, 0.05f, 0.0f};
    const float d1[3] = {0.000925925926f, 0.000980392157f, 0.0f};
    for (int i = 0; i < 3; i++) {
        near(w[i], w1[i], "w", i);
        near(eg2[i], e1[i], "E[g^2]", i);
        near(edx2[i], d1[i], "E[dx^2]", i);
    }
    edd_cw_adadelta_step(w, g2, eg2, edx2, 3, 1.0f, 0.95f, 1e-3f);
    const float w2[3] = {0.95065332f, -1.98054542f, 0.358930877f}, e2[3] = {0.015f, 0.075625f, 0.2f};
    const float d2[3] = {0.00125578704f, 0.00165827016f, 0.000995024876f};
    for (int i = 0; i < 3; i++) {
        near(w[i], w2[i], "w", i);
        near(eg2[i], e2[i], "E[g^2]", i);
        near(edx2[i], d2[i], "E[dx^2]", i);
    }
}

/* Adam's first step moves every variable with a nonzero gradient by lr in
 * the direction of -g (bias correction: m/sqrt(v) = g/|g| at t = 1). */
Test(cw, adam_first_step)
{
    float w[3] = {1.0f, -2.0f, 0.5f}, m[3] = {0}, v[3] = {0};
    const float g[3] = {0.5f, -1e-3f, 0.0f};
    edd_cw_adam_step(w, g, m, v, 3, 1, 1e-2f);
    near(w[0], 0.99, "w", 0);
    cr_assert(fabs(w[1] - -1.99) <= 1e-5, "w[1] = %.9g: eps 1e-8 is small against |g| = 1e-3", w[1]);
    cr_assert_eq(w[2], 0.5f);
    near(m[0], 0.05, "m", 0);
    near(v[0], 2.49996781e-4, "v", 0); /* (1 - 0.999f) * 0.25: 1 - 0.999f is 9.99987125e-4 in float */
}

/* ------------------------------------------------ binary search */

Test(cw, bsearch_hand_cases)
{
    double c = 1.0, lo = 0.0, up = 1e10;
    int b = 0; /* no upper bound yet */
    edd_cw_bsearch_update(0, &c, &lo, &up, &b); /* no upper bound yet: c *= 10 */
    cr_assert(c == 10.0 && lo == 1.0 && up == 1e10, "c %g lo %g up %g", c, lo, up);
    edd_cw_bsearch_update(0, &c, &lo, &up, &b);
    cr_assert(c == 100.0 && lo == 10.0 && up == 1e10, "c %g lo %g up %g", c, lo, up);
    edd_cw_bsearch_update(1, &c, &lo, &up, &b); /* success: bisect */
    cr_assert(c == 55.0 && lo == 10.0 && up == 100.0, "c %g lo %g up %g", c, lo, up);
    edd_cw_bsearch_update(0, &c, &lo, &up, &b);
    cr_assert(c == 77.5 && lo == 55.0 && up == 100.0, "c %g lo %g up %g", c, lo, up);
    edd_cw_bsearch_update(1, &c, &lo, &up, &b);
    cr_assert(c == 66.25 && lo == 55.0 && up == 77.5, "c %g lo %g up %g", c, lo, up);
    c = 1.0; lo = 0.0; up = 1e10; b = 0; /* success at the start */
    edd_cw_bsearch_update(1, &c, &lo, &up, &b);
    cr_assert(c == 0.5 && lo == 0.0 && up == 1.0, "c %g lo %g up %g", c, lo, up);
    c = 8.0; lo = 2.0; up = 4.0; b = 1; /* a success never raises the upper bound */
    edd_cw_bsearch_update(1, &c, &lo, &up, &b);
    cr_assert(c == 3.0 && lo == 2.0 && up == 4.0, "c %g lo %g up %g", c, lo, up);
}

/* ------------------------------------------------ arguments */

Test(cw, rejects_bad_arguments)
{
    edd_ctx ctx;
    ctx_make(&ctx);
    edd_cnn m;
    cr_assert_eq(edd_cnn_init(&ctx, &m, 10, 0.2f, 0.5f, 1), EDD_OK);
    float x[EDD_IMG_SIZE] = {0}, adv[EDD_IMG_SIZE];
    uint8_t t = 10, s;
    edd_cw_opts o;
    edd_cw_opts_default(&o);
    o.quiet = 1;
    cr_assert_eq(edd_cw_l2(&ctx, &m, x, &t, 1, &o, adv, &s), EDD_ERR_ARG);
    cr_assert(strstr(ctx.err, "target[0] = 10"), "%s", ctx.err);
    t = 2;
    x[5] = 1.5f;
    cr_assert_eq(edd_cw_l2(&ctx, &m, x, &t, 1, &o, adv, &s), EDD_ERR_ARG);
    cr_assert(strstr(ctx.err, "1.5"), "%s", ctx.err);
    x[5] = 0.0f;
    o.optimizer = 2;
    cr_assert_eq(edd_cw_l2(&ctx, &m, x, &t, 1, &o, adv, &s), EDD_ERR_ARG);
    edd_cw_opts_default(&o);
    o.eps = 0.0f;
    cr_assert_eq(edd_cw_l2(&ctx, &m, x, &t, 1, &o, adv, &s), EDD_ERR_ARG);
    edd_cnn_free(&m);
    edd_ctx_free(&ctx);
}

/* ------------------------------------------------ end to end */

/* Images are independent: the first 7 again in batches of 3 (slots
 * refilled as images finish, ladder plans of 3, 2 and 1 rows) give the
 * same outcome as adv and s at batch 20, up to oneDNN's rounding at other
 * batch sizes. */
static void check_batches(edd_ctx *ctx, const edd_cnn *m, const edd_dataset *te, const uint8_t *t, edd_cw_opts o,
                          const float *adv, const uint8_t *s)
{
    const size_t n2 = 7;
    float *adv2 = malloc(n2 * EDD_IMG_SIZE * sizeof(float));
    uint8_t s2[7];
    cr_assert_not_null(adv2);
    o.batch = 3;
    cr_assert_eq(edd_cw_l2(ctx, m, te->x, t, n2, &o, adv2, s2), EDD_OK, "%s", ctx->err);
    for (size_t i = 0; i < n2; i++) {
        cr_assert_eq(s2[i], s[i], "image %zu: success %d at batch 3, %d at batch 20", i, s2[i], s[i]);
        double d = 0.0, a = 0.0;
        for (int j = 0; j < EDD_IMG_SIZE; j++) {
            double e = (double)adv2[i * EDD_IMG_SIZE + j] - adv[i * EDD_IMG_SIZE + j];
            double f = (double)adv[i * EDD_IMG_SIZE + j] - te->x[i * EDD_IMG_SIZE + j];
            d += e * e;
            a += f * f;
        }
        cr_assert_leq(sqrt(d), 1e-2 * sqrt(a) + 1e-6, "image %zu: batch 3 and batch 20 examples differ by %g (L2 %g)",
                      i, sqrt(d), sqrt(a));
    }
    free(adv2);
}

/* Untargeted with confidence 1, the true labels in place of targets, on
 * the first 10 images: every success leads with a real class other than
 * the label by at least 1 (so the one scoring rule counts it), every
 * failure is x unchanged, and some succeed. p: an inference plan of 20
 * rows; adv, s and z: room for 20 images. */
static void check_untargeted(edd_ctx *ctx, const edd_cnn *m, edd_plan *p, const edd_dataset *te, float *adv,
                             uint8_t *s, float *z)
{
    const size_t nu = 10;
    edd_cw_opts o;
    edd_cw_opts_default(&o);
    o.quiet = 1;
    o.untargeted = 1;
    o.confidence = 1.0f;
    o.binary_search_steps = 2;
    o.max_iterations = 100;
    cr_assert_eq(edd_cw_l2(ctx, m, te->x, te->y, nu, &o, adv, s), EDD_OK, "%s", ctx->err);
    cr_assert_eq(edd_plan_forward(ctx, p, m, adv, NULL, z), EDD_OK, "%s", ctx->err);
    int nsu = 0;
    for (size_t i = 0; i < nu; i++) {
        const float *zi = z + i * 10;
        int best = te->y[i] == 0 ? 1 : 0;
        for (int j = 0; j < 10; j++)
            if (j != te->y[i] && zi[j] > zi[best])
                best = j;
        if (s[i]) {
            nsu++;
            cr_assert_geq(zi[best] - zi[te->y[i]], 1.0f - 1e-3f, "image %zu: untargeted success with margin %g", i,
                          zi[best] - zi[te->y[i]]);
        } else {
            cr_assert(!memcmp(adv + i * EDD_IMG_SIZE, te->x + i * EDD_IMG_SIZE, EDD_IMG_SIZE * sizeof(float)),
                      "image %zu: failure must return x unchanged", i);
        }
    }
    edd_attack_goal goal;
    edd_attack_goal_default(&goal);
    edd_attack_scores sc;
    cr_assert_eq(edd_attack_eval(ctx, m, m, te->x, te->y, nu, adv, &goal, &sc), EDD_OK, "%s", ctx->err);
    fprintf(stderr, "cw untargeted: %d/%zu succeeded, scored success %.2f\n", nsu, nu, sc.source_success);
    cr_assert_gt(nsu, 0, "no untargeted attack succeeded");
    cr_assert_geq(sc.source_success * (double)nu, nsu - 1e-9, "the scoring rule counts fewer than the %d successes",
                  nsu);
    o.confidence = 0.0f;
    uint8_t bad = 10;
    cr_assert_eq(edd_cw_l2(ctx, m, te->x, &bad, 1, &o, adv, s), EDD_ERR_ARG);
    cr_assert(strstr(ctx->err, "true label"), "%s", ctx->err);
}

/* A model trained 1 epoch on 3000 MNIST images, attacked with the defaults
 * on 20 test images toward random other classes: at least 80% succeed,
 * every success is classified as its target by the argmax over all K
 * outputs and lies in [0,1], every failure is returned unchanged. */
Test(cw, end_to_end_trained_model)
{
    char dir[4096];
    cr_assert_not_null(edd_data_default_dir("mnist", dir, sizeof dir));
    char probe[4400], probe_gz[4400];
    snprintf(probe, sizeof probe, "%s/t10k-labels-idx1-ubyte", dir);
    snprintf(probe_gz, sizeof probe_gz, "%s/t10k-labels-idx1-ubyte.gz", dir);
    if (access(probe, R_OK) && access(probe_gz, R_OK))
        cr_skip_test("no MNIST in %s (set EDD_DATA_DIR)", dir);
    edd_ctx ctx;
    ctx_make(&ctx);
    edd_dataset tr, te;
    cr_assert_eq(edd_dataset_load(&ctx, dir, 1, 3000, &tr), EDD_OK, "%s", ctx.err);
    cr_assert_eq(edd_dataset_load(&ctx, dir, 0, 20, &te), EDD_OK, "%s", ctx.err);
    edd_cnn m;
    cr_assert_eq(edd_cnn_init(&ctx, &m, 10, 0.2f, 0.5f, 1), EDD_OK, "%s", ctx.err);
    edd_train_opts to;
    edd_train_opts_default(&to);
    to.epochs = 1;
    to.quiet = 1;
    edd_train_stats ts;
    cr_assert_eq(edd_train(&ctx, &m, &tr, &to, &ts), EDD_OK, "%s", ctx.err);

    const size_t n = 20;
    uint8_t t[20], s[20];
    for (size_t i = 0; i < n; i++)
        t[i] = (uint8_t)((te.y[i] + 1 + edd_rng_u32(edd_rng_key(7, 0, i), 0) % 9) % 10);
    float *adv = malloc(n * EDD_IMG_SIZE * sizeof(float));
    cr_assert_not_null(adv);
    edd_cw_opts o;
    edd_cw_opts_default(&o);
    o.quiet = 1;
    double t0 = edd_now();
    cr_assert_eq(edd_cw_l2(&ctx, &m, te.x, t, n, &o, adv, s), EDD_OK, "%s", ctx.err);
    double sec = edd_now() - t0;

    edd_plan *p = NULL;
    cr_assert_eq(edd_plan_create(&ctx, &m, (int)n, EDD_PLAN_INFER, 0, &p), EDD_OK, "%s", ctx.err);
    float z[20 * 10];
    cr_assert_eq(edd_plan_forward(&ctx, p, &m, adv, NULL, z), EDD_OK, "%s", ctx.err);
    int ns = 0;
    double l2sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        const float *a = adv + i * EDD_IMG_SIZE, *x = te.x + i * EDD_IMG_SIZE;
        double d2 = 0.0;
        for (int j = 0; j < EDD_IMG_SIZE; j++) {
            cr_assert(a[j] >= 0.0f && a[j] <= 1.0f, "image %zu pixel %d = %g outside [0,1]", i, j, a[j]);
            d2 += ((double)a[j] - x[j]) * ((double)a[j] - x[j]);
        }
        if (s[i]) {
            ns++;
            l2sum += sqrt(d2);
            cr_assert_eq(edd_argmax(z + i * 10, 10), t[i], "image %zu: success but classified %d, target %d", i,
                         edd_argmax(z + i * 10, 10), t[i]);
        } else {
            cr_assert_eq(d2, 0.0, "image %zu: failure must return x unchanged", i);
        }
    }
    fprintf(stderr, "cw end to end: %d/%zu succeeded, mean L2 %.3f, %.1f s\n", ns, n, ns ? l2sum / ns : 0.0, sec);
    cr_assert_geq(ns, 16, "only %d of %zu attacks succeeded", ns, n);

    check_batches(&ctx, &m, &te, t, o, adv, s);
    check_untargeted(&ctx, &m, p, &te, adv, s, z);
    edd_plan_free(p);
    free(adv);
    edd_cnn_free(&m);
    edd_dataset_free(&tr);
    edd_dataset_free(&te);
    edd_ctx_free(&ctx);
}
