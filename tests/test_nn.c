/* test_nn.c - the CNN, its loss and its optimisers against independent
 * references: every layer's backward pass against central finite
 * differences of the whole network (weights, input, dropout on and off),
 * the loss and the Eq. 3 penalty against hand values and finite
 * differences in double, Adam and AdaDelta against formulas written out
 * here in double, and the model file (round trip, damage, size). */
#include <criterion/criterion.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "edd/io.h"
#include "edd/nn.h"
#include "testutil.h"

TestSuite(nn_grad, .timeout = 120);
TestSuite(nn_loss, .timeout = 60);
TestSuite(nn_optim, .timeout = 60);
TestSuite(nn_model, .timeout = 60);

/* ---------------------------------------------------------------- helpers */

/* Network-level objective L = sum_ij r_ij z_ij, so dL/dz = r. */
typedef struct {
    edd_ctx *ctx;
    edd_cnn *m;
    edd_plan *p;
    const float *x;
    const float *r;
    float *z;
    int b;
    const edd_dropout *dr;
} objective;

static double obj_eval(objective *o)
{
    edd_status st = edd_plan_forward(o->ctx, o->p, o->m, o->x, o->dr, o->z);
    cr_assert_eq(st, EDD_OK, "forward: %s", o->ctx->err);
    double L = 0.0;
    for (int i = 0; i < o->b * o->m->k; i++)
        L += (double)o->r[i] * (double)o->z[i];
    return L;
}

/* Central difference of L in the float *v with step h, using the steps
 * float actually took. Returns the central estimate and writes the two
 * one-sided ones (for the ReLU-kink test). */
static double fd_at(objective *o, float *v, double h, double L0, double *fwd, double *bwd, int is_param)
{
    float v0 = *v, vp = (float)(v0 + h), vm = (float)(v0 - h);
    *v = vp;
    if (is_param)
        o->m->version++;
    double Lp = obj_eval(o);
    *v = vm;
    if (is_param)
        o->m->version++;
    double Lm = obj_eval(o);
    *v = v0;
    if (is_param)
        o->m->version++;
    double hp = (double)vp - v0, hm = (double)v0 - vm;
    *fwd = (Lp - L0) / hp;
    *bwd = (L0 - Lm) / hm;
    return (Lp - Lm) / (hp + hm);
}

/* Finite-difference steps and tolerances for the float32 network: see the
 * comment above the nn_grad tests. */
#define FD_H_W 1e-4    /* step for parameters */
#define FD_H_X 1e-3    /* step for pixels */
#define FD_FLOOR 2e-2  /* relative error above |g| = FD_FLOOR ... */
#define FD_RTOL 1e-1
#define FD_ATOL 1e-3   /* ... absolute error below */
#define FD_L2TOL 3e-2  /* |g_analytic - g_fd|_2 / |g_fd|_2 over one tensor's sample */
#define KINK_TOL 0.1   /* one-sided differences disagreeing by more: a ReLU kink in [w-h, w+h] */

static int grad_close(double ga, double gfd)
{
    double d = fabs(ga - gfd);
    return fabs(gfd) > FD_FLOOR ? d <= FD_RTOL * fabs(gfd) : d <= FD_ATOL;
}

static int is_kink(double fwd, double bwd)
{
    return fabs(fwd - bwd) > KINK_TOL * fmax(fmax(fabs(fwd), fabs(bwd)), FD_FLOOR);
}

/* Parameter gradients of a TRAIN plan against finite differences for
 * ~20 sampled coordinates of each of the 8 tensors. With dropout on, the
 * masks are a function of (seed, stream, idx) only, so every forward of the
 * finite differences sees the same masks as the analytic pass. */
static void check_weight_grads(int dropout_on)
{
    edd_ctx ctx;
    ctx_make(&ctx);
    edd_cnn m;
    model_make(&ctx, &m, 10, 7);
    const int b = 3, K = m.k;
    float *x = malloc(sizeof(float) * b * EDD_IMG_SIZE), *r = malloc(sizeof(float) * b * K);
    float *z = malloc(sizeof(float) * b * K), *grad = malloc(sizeof(float) * m.nparams);
    float *grad_off = malloc(sizeof(float) * m.nparams);
    cr_assert(x && r && z && grad && grad_off);
    uint64_t kx = edd_rng_key(11, 1, 0), kr = edd_rng_key(11, 2, 0);
    for (int i = 0; i < b * EDD_IMG_SIZE; i++)
        x[i] = urand(kx, (uint32_t)i, 0.0f, 1.0f);
    for (int i = 0; i < b * K; i++)
        r[i] = urand(kr, (uint32_t)i, -1.0f, 1.0f);
    uint64_t idx[3] = {17, 4, 1000};
    edd_dropout dr = {.on = dropout_on, .seed = 5, .stream = 3, .idx = idx};
    edd_plan *p = NULL;
    cr_assert_eq(edd_plan_create(&ctx, &m, b, EDD_PLAN_TRAIN, 0, &p), EDD_OK, "plan: %s", ctx.err);
    objective o = {&ctx, &m, p, x, r, z, b, &dr};

    /* The analytic gradient (and, for comparison, the one without dropout). */
    edd_dropout off = {0};
    o.dr = &off;
    obj_eval(&o);
    cr_assert_eq(edd_plan_backward(&ctx, p, &m, r, grad_off, NULL), EDD_OK, "backward: %s", ctx.err);
    o.dr = &dr;
    double L0 = obj_eval(&o);
    cr_assert_eq(edd_plan_backward(&ctx, p, &m, r, grad, NULL), EDD_OK, "backward: %s", ctx.err);

    int tested_all = 0, skipped_all = 0, differ_from_off = 0, zero_grads = 0;
    for (int t = 0; t < EDD_NTENSORS; t++) {
        edd_tensor *T = &m.t[t];
        size_t off_t = (size_t)(T->data - m.params);
        uint32_t *perm = malloc(T->n * sizeof(uint32_t));
        cr_assert_not_null(perm);
        edd_rng_permutation(21, (uint64_t)t, perm, T->n);
        int ns = T->n < 20 ? (int)T->n : 20, tested = 0, skipped = 0;
        double maxrel = 0.0, maxabs = 0.0, e2 = 0.0, g2 = 0.0;
        for (int s = 0; s < ns; s++) {
            size_t i = perm[s];
            double fwd, bwd;
            double gfd = fd_at(&o, &T->data[i], FD_H_W, L0, &fwd, &bwd, 1);
            double ga = grad[off_t + i];
            if (is_kink(fwd, bwd)) {
                skipped++;
                continue;
            }
            tested++;
            double d = fabs(ga - gfd);
            e2 += d * d;
            g2 += gfd * gfd;
            if (fabs(gfd) > FD_FLOOR)
                maxrel = fmax(maxrel, d / fabs(gfd));
            else
                maxabs = fmax(maxabs, d);
            cr_expect(grad_close(ga, gfd), "%s[%zu] dropout %d: analytic %.7g, finite difference %.7g (one-sided %.7g, %.7g)",
                      T->name, i, dropout_on, ga, gfd, fwd, bwd);
            if (fabs(ga - grad_off[off_t + i]) > 1e-3 * fmax(fabs(ga), 1e-3))
                differ_from_off++;
            zero_grads += ga == 0.0;
        }
        double l2 = g2 > 0 ? sqrt(e2 / g2) : 0.0;
        fprintf(stderr, "nn_grad %-12s dropout %d: %d tested, %d kinks skipped, max rel err %.2e (|g|>%g), max abs err %.2e, rel L2 err %.2e\n",
                T->name, dropout_on, tested, skipped, maxrel, FD_FLOOR, maxabs, l2);
        cr_expect(g2 > 0, "%s: every sampled gradient is zero", T->name);
        cr_expect_leq(l2, FD_L2TOL, "%s dropout %d: |g_analytic - g_fd| / |g_fd| = %.3e over %d coordinates", T->name, dropout_on,
                      l2, tested);
        /* Most sampled coordinates must be away from kinks and really tested. */
        cr_expect_geq(tested, ns * 3 / 4, "%s: only %d of %d coordinates tested (%d at ReLU kinks)", T->name, tested, ns,
                      skipped);
        tested_all += tested;
        skipped_all += skipped;
        free(perm);
    }
    cr_assert_geq(tested_all, 100, "%d coordinates tested in all, %d skipped", tested_all, skipped_all);
    if (dropout_on) {
        /* Dropout must have changed the gradients (else (c) would test nothing
         * beyond (a)), and dropped hidden units give exact zeros in fc.weight. */
        cr_assert_geq(differ_from_off, tested_all / 2, "only %d of %d gradients changed when dropout was turned on",
                      differ_from_off, tested_all);
        cr_assert_gt(zero_grads, 0, "no exactly-zero gradient although half the hidden units are dropped");
    }
    edd_plan_free(p);
    edd_cnn_free(&m);
    free(x); free(r); free(z); free(grad); free(grad_off);
    edd_ctx_free(&ctx);
}

/* Tolerances (float32 network, L accumulated in double). The network is
 * piecewise linear in any single parameter or pixel, so the central
 * difference has no truncation error, only two others:
 *  - rounding: the float forward gives L to ~1e-7 absolute, i.e. ~5e-4
 *    noise in (L+ - L-)/2h at h = 1e-4 (measured: max abs error 5e-4);
 *  - kinks: a conv1 coordinate feeds ~1200 ReLUs (3 images x 196 positions
 *    x 1 or 64 channels), and the ones whose pre-activation lies within
 *    h*|x| of zero bend L inside [w-h, w+h]; each is small, but together
 *    they move the central difference by up to ~5% (measured at h = 1e-4:
 *    conv1/conv2 max relative error 2.5-5%, fc/conv3 below 2e-3). A larger
 *    h makes this worse (h = 1e-3: up to 8%), a smaller one the rounding.
 * So per coordinate: relative error <= 10% where |g_fd| > 2e-2, absolute
 * error <= 1e-3 below; per tensor: the relative L2 error over its sampled
 * coordinates <= 3e-2 (measured <= 1.1e-2). A wrong layout, a missing
 * dropout mask or scale, or a missing ReLU mask gives errors of order 1.
 * A coordinate whose two one-sided differences disagree by more than 10%
 * straddles a big kink and is skipped; at least 3/4 of each tensor's
 * sampled coordinates must be tested. */
Test(nn_grad, weights_train_plan)
{
    check_weight_grads(0);
}

Test(nn_grad, weights_with_dropout)
{
    check_weight_grads(1);
}

static void check_input_grads(int dropout_on)
{
    edd_ctx ctx;
    ctx_make(&ctx);
    edd_cnn m;
    model_make(&ctx, &m, 10, 8);
    const int b = 2, K = m.k;
    float *x = malloc(sizeof(float) * b * EDD_IMG_SIZE), *r = malloc(sizeof(float) * b * K);
    float *z = malloc(sizeof(float) * b * K), *dx = malloc(sizeof(float) * b * EDD_IMG_SIZE);
    float *dx_off = malloc(sizeof(float) * b * EDD_IMG_SIZE);
    cr_assert(x && r && z && dx && dx_off);
    uint64_t kx = edd_rng_key(12, 1, 0), kr = edd_rng_key(12, 2, 0);
    for (int i = 0; i < b * EDD_IMG_SIZE; i++)
        x[i] = urand(kx, (uint32_t)i, 0.0f, 1.0f);
    for (int i = 0; i < b * K; i++)
        r[i] = urand(kr, (uint32_t)i, -1.0f, 1.0f);
    uint64_t idx[2] = {3, 9};
    edd_dropout dr = {.on = dropout_on, .seed = 6, .stream = 1, .idx = idx}, off = {0};
    edd_plan *p = NULL;
    cr_assert_eq(edd_plan_create(&ctx, &m, b, EDD_PLAN_INPUT_GRAD, 0, &p), EDD_OK, "plan: %s", ctx.err);
    objective o = {&ctx, &m, p, x, r, z, b, &off};
    obj_eval(&o);
    cr_assert_eq(edd_plan_backward(&ctx, p, &m, r, NULL, dx_off), EDD_OK, "backward: %s", ctx.err);
    o.dr = &dr;
    double L0 = obj_eval(&o);
    cr_assert_eq(edd_plan_backward(&ctx, p, &m, r, NULL, dx), EDD_OK, "backward: %s", ctx.err);
    uint32_t *perm = malloc(sizeof(uint32_t) * b * EDD_IMG_SIZE);
    cr_assert_not_null(perm);
    edd_rng_permutation(31, (uint64_t)dropout_on, perm, (size_t)b * EDD_IMG_SIZE);
    int tested = 0, skipped = 0, dropped = 0, kept_nonzero = 0;
    double maxrel = 0.0, maxabs = 0.0, e2 = 0.0, g2 = 0.0;
    for (int s = 0; s < 50; s++) {
        size_t i = perm[s];
        double fwd, bwd;
        double gfd = fd_at(&o, &x[i], FD_H_X, L0, &fwd, &bwd, 0);
        double ga = dx[i];
        if (is_kink(fwd, bwd)) {
            skipped++;
            continue;
        }
        tested++;
        double d = fabs(ga - gfd);
        e2 += d * d;
        g2 += gfd * gfd;
        if (fabs(gfd) > FD_FLOOR)
            maxrel = fmax(maxrel, d / fabs(gfd));
        else
            maxabs = fmax(maxabs, d);
        cr_expect(grad_close(ga, gfd), "dL/dx[%zu] dropout %d: analytic %.7g, finite difference %.7g (one-sided %.7g, %.7g)", i,
                  dropout_on, ga, gfd, fwd, bwd);
        if (dropout_on && gfd == 0.0 && dx_off[i] != 0.0f) {
            /* A dropped pixel: L does not depend on it at all, so the
             * backward pass must give exactly zero (the mask in backward). */
            dropped++;
            cr_expect_eq(ga, 0.0, "dL/dx[%zu] = %g for a dropped pixel", i, ga);
        } else if (ga != 0.0) {
            kept_nonzero++;
        }
    }
    fprintf(stderr, "nn_grad input dropout %d: %d tested, %d kinks skipped, %d dropped pixels, max rel err %.2e, max abs err %.2e\n",
            dropout_on, tested, skipped, dropped, maxrel, maxabs);
    /* Pixel gradients are mostly below FD_FLOOR, so the per-pixel test is
     * absolute: the relative L2 error over the sample is the sharp one. */
    double l2 = g2 > 0 ? sqrt(e2 / g2) : 1.0;
    fprintf(stderr, "nn_grad input dropout %d: |g_fd|_2 %.3e, rel L2 err %.2e\n", dropout_on, sqrt(g2), l2);
    cr_assert_leq(l2, FD_L2TOL, "dL/dx dropout %d: |g_analytic - g_fd| / |g_fd| = %.3e over %d pixels", dropout_on, l2, tested);
    cr_assert_geq(tested, 40, "only %d of 50 pixels tested (%d at ReLU kinks)", tested, skipped);
    cr_assert_geq(kept_nonzero, 20, "only %d pixels with a nonzero gradient", kept_nonzero);
    if (dropout_on)
        cr_assert_geq(dropped, 2, "only %d of %d sampled pixels dropped at p_input = 0.2", dropped, tested);
    free(perm);
    edd_plan_free(p);
    edd_cnn_free(&m);
    free(x); free(r); free(z); free(dx); free(dx_off);
    edd_ctx_free(&ctx);
}

Test(nn_grad, input_grad_plan)
{
    check_input_grads(0);
}

Test(nn_grad, input_grad_with_dropout)
{
    check_input_grads(1);
}

/* ---------------------------------------------------------------- loss */

/* Reference loss in double, written independently of src/nn/loss.c. */
static double ref_xent_row(const double *z, const double *t, int k)
{
    double mx = z[0];
    for (int j = 1; j < k; j++)
        mx = fmax(mx, z[j]);
    double s = 0.0;
    for (int j = 0; j < k; j++)
        s += exp(z[j] - mx);
    double lse = mx + log(s), l = 0.0;
    for (int j = 0; j < k; j++)
        l -= t[j] * (z[j] - lse);
    return l;
}

/* Logits on a grid of 2^-10 with |z| < 8: differences of two of them, and
 * z +- 2^-10, are exact in float, so the finite differences below see the
 * loss's double arithmetic only (loss.c subtracts the max in float, see the
 * report; off the grid that rounding, ~2e-7 per logit, swamps a 1e-3 step). */
static float grid(float v)
{
    return roundf(v * 1024.0f) / 1024.0f;
}

/* Finite differences of edd_loss_xent itself (double result) in each
 * logit, step 2^-10. */
static void loss_fd_check(const float *z0, const float *t, const uint8_t *label, int b, int k, const edd_loss_opts *opts,
                          double rtol, double atol)
{
    float *z = malloc(sizeof(float) * b * k), *dz = malloc(sizeof(float) * b * k);
    cr_assert(z && dz);
    memcpy(z, z0, sizeof(float) * b * k);
    edd_loss_xent(z, t, label, b, k, opts, dz);
    for (int i = 0; i < b * k; i++) {
        float v0 = z[i], vp = v0 + 0x1p-10f, vm = v0 - 0x1p-10f;
        z[i] = vp;
        double Lp = edd_loss_xent(z, t, label, b, k, opts, NULL);
        z[i] = vm;
        double Lm = edd_loss_xent(z, t, label, b, k, opts, NULL);
        z[i] = v0;
        double g = (Lp - Lm) / ((double)vp - (double)vm);
        cr_expect(fabs(dz[i] - g) <= atol + rtol * fabs(g), "dz[%d] = %.9g, finite difference %.9g (penalty %d)", i, dz[i], g,
                  opts ? (int)opts->penalty : 0);
    }
    free(z);
    free(dz);
}

/* Random soft targets: value against the double reference, dz against
 * finite differences (h = 2^-10; the loss is smooth, so the central
 * difference's truncation error is ~h^2/6 |L'''| / b < 1e-8 and its
 * rounding ~1e-16/1e-3: tolerance 1e-5 relative + 1e-7 absolute, dz being
 * float). */
Test(nn_loss, xent_soft_targets_value_and_fd)
{
    const int b = 4, k = 10;
    float z[40], t[40];
    double zd[10], td[10], ref = 0.0;
    uint64_t key = edd_rng_key(41, 0, 0);
    for (int i = 0; i < b; i++) {
        double s = 0.0;
        for (int j = 0; j < k; j++) {
            z[i * k + j] = grid(urand(key, (uint32_t)(i * k + j), -4.0f, 4.0f));
            t[i * k + j] = urand(key, (uint32_t)(1000 + i * k + j), 0.0f, 1.0f);
            s += t[i * k + j];
        }
        for (int j = 0; j < k; j++) {
            t[i * k + j] = (float)(t[i * k + j] / s);
            zd[j] = z[i * k + j];
            td[j] = t[i * k + j];
        }
        ref += ref_xent_row(zd, td, k);
    }
    ref /= b;
    double L = edd_loss_xent(z, t, NULL, b, k, NULL, NULL);
    cr_assert(fabs(L - ref) <= 1e-12 * fabs(ref) + 1e-12, "loss %.15g, reference %.15g", L, ref);
    loss_fd_check(z, t, NULL, b, k, NULL, 1e-5, 1e-7);
}

/* Logits of +-500: a naive exp overflows. The loss must be finite and match
 * the log-sum-exp reference, dz finite with rows summing to 0. */
Test(nn_loss, xent_stable_at_large_logits)
{
    const int b = 3, k = 10;
    float z[30], t[30], dz[30];
    double ref = 0.0;
    uint64_t key = edd_rng_key(42, 0, 0);
    for (int i = 0; i < b; i++) {
        double zd[10], td[10];
        for (int j = 0; j < k; j++) {
            z[i * k + j] = (j + i) % 2 ? 500.0f - (float)j : -500.0f + (float)j * urand(key, (uint32_t)(i * k + j), 0, 1);
            t[i * k + j] = j == (i + 3) % k ? 0.7f : 0.3f / 9.0f;
            zd[j] = z[i * k + j];
            td[j] = t[i * k + j];
        }
        ref += ref_xent_row(zd, td, k);
    }
    ref /= b;
    double L = edd_loss_xent(z, t, NULL, b, k, NULL, dz);
    cr_assert(isfinite(L), "loss %g at logits +-500", L);
    cr_assert(L > 100.0, "loss %g: the targets put weight on logits ~1000 below the max, the loss must be large", L);
    cr_assert(fabs(L - ref) <= 1e-9 * fabs(ref), "loss %.15g, reference %.15g", L, ref);
    for (int i = 0; i < b; i++) {
        double s = 0.0;
        for (int j = 0; j < k; j++) {
            cr_assert(isfinite(dz[i * k + j]), "dz[%d][%d] = %g", i, j, dz[i * k + j]);
            s += dz[i * k + j];
        }
        cr_assert(fabs(s) < 1e-6, "row %d: sum_j dz = %g, expected 0", i, s);
    }
}

/* The Eq. 3 hinge on a hand case, K = 11, outlier at 10, b = 1:
 * z = (1, 2, 0.5, 0, 0, 0, 0, 0, 0, 0, 9), label 0. The outlier's logit 9
 * is the largest but excluded, so margin = z_1 - z_0 = 1 and the penalty is
 * gamma * max(1, -kappa) = gamma. */
Test(nn_loss, hinge_penalty_hand_case)
{
    const int k = 11;
    float z[11] = {1, 2, 0.5f, 0, 0, 0, 0, 0, 0, 0, 9}, t[11] = {1}, dz[11], dz0[11];
    uint8_t label = 0;
    double zd[11], td[11];
    for (int j = 0; j < k; j++)
        zd[j] = z[j], td[j] = t[j];
    double xent = ref_xent_row(zd, td, k);
    edd_loss_opts none = {.penalty = EDD_PENALTY_NONE, .outlier = 10};
    edd_loss_opts hinge = {.penalty = EDD_PENALTY_HINGE, .gamma = 5e-4f, .kappa = 40.0f, .outlier = 10};
    double L0 = edd_loss_xent(z, t, &label, 1, k, &none, dz0);
    double L = edd_loss_xent(z, t, &label, 1, k, &hinge, dz);
    cr_assert(fabs(L0 - xent) < 1e-12, "no penalty: loss %.15g, reference %.15g", L0, xent);
    double want = xent + (double)5e-4f * 1.0;
    cr_assert(fabs(L - want) < 1e-9, "hinge: loss %.15g, expected xent %.15g + gamma*1 = %.15g", L, xent, want);
    for (int j = 0; j < k; j++) {
        double add = j == 1 ? 5e-4 : j == 0 ? -5e-4 : 0.0;
        /* dz ~ 1 in float: the extra gamma is added with rounding <= 6e-8 */
        cr_assert(fabs((double)dz[j] - dz0[j] - add) < 2e-7, "dz[%d] = %.9g, no-penalty %.9g, expected difference %g", j, dz[j],
                  dz0[j], add);
    }
    /* The true logit leads the best other real class by 41 > kappa: the
     * hinge is flat at -gamma*kappa and its gradient is zero. */
    float z2[11] = {45, 4, 0.5f, 0, 0, 0, 0, 0, 0, 0, 60};
    for (int j = 0; j < k; j++)
        zd[j] = z2[j];
    xent = ref_xent_row(zd, td, k);
    L0 = edd_loss_xent(z2, t, &label, 1, k, &none, dz0);
    L = edd_loss_xent(z2, t, &label, 1, k, &hinge, dz);
    want = xent + (double)5e-4f * -40.0;
    cr_assert(fabs(L - want) < 1e-9, "margin -41: loss %.15g, expected %.15g (penalty -gamma*kappa)", L, want);
    for (int j = 0; j < k; j++)
        cr_assert_eq(dz[j], dz0[j], "margin -41 < -kappa: dz[%d] = %.9g, expected the no-penalty %.9g", j, dz[j], dz0[j]);
}

/* Hinge penalty gradient against finite differences, with gamma = 0.5 so
 * the penalty dominates, on random logits whose margins are away from the
 * kink of the max (distinct logits separated by > 2h). */
Test(nn_loss, hinge_penalty_fd)
{
    const int b = 3, k = 11;
    float z[33], t[33];
    uint8_t label[3] = {2, 7, 0};
    uint64_t key = edd_rng_key(43, 0, 0);
    for (int i = 0; i < b; i++)
        for (int j = 0; j < k; j++) {
            /* distinct logits on a grid of 0.25, plus a shift per row */
            z[i * k + j] = grid(0.25f * (float)((j * 7 + i * 3) % k) - 1.0f + urand(key, (uint32_t)(i * k + j), 0, 0.1f));
            t[i * k + j] = j == label[i] ? 0.9f : 0.01f;
        }
    edd_loss_opts hinge = {.penalty = EDD_PENALTY_HINGE, .gamma = 0.5f, .kappa = 40.0f, .outlier = 10};
    float dz0[33], dz[33];
    edd_loss_xent(z, t, label, b, k, NULL, dz0);
    edd_loss_xent(z, t, label, b, k, &hinge, dz);
    int changed = 0;
    for (int i = 0; i < b * k; i++)
        changed += fabsf(dz[i] - dz0[i]) > 0.1f;
    cr_assert_eq(changed, 2 * b, "penalty changed %d entries of dz by > 0.1, expected 2 per row (best and true class)", changed);
    loss_fd_check(z, t, label, b, k, &hinge, 1e-5, 1e-7);
}

/* The literal reading: -gamma * max(margin, kappa). */
Test(nn_loss, literal_penalty)
{
    const int k = 11;
    float t[11] = {0, 0, 0, 1}, dz[11], dz0[11];
    uint8_t label = 3;
    double zd[11], td[11];
    edd_loss_opts lit = {.penalty = EDD_PENALTY_LITERAL, .gamma = 0.25f, .kappa = 40.0f, .outlier = 10};
    edd_loss_opts none = {.penalty = EDD_PENALTY_NONE, .outlier = 10};
    /* margin = z_5 - z_3 = 50 > kappa: value -gamma*50, gradient +-gamma. */
    float z[11] = {0, 0, 0, -20, 0, 30, 0, 0, 0, 0, 80};
    for (int j = 0; j < k; j++)
        zd[j] = z[j], td[j] = t[j];
    double xent = ref_xent_row(zd, td, k);
    double L = edd_loss_xent(z, t, &label, 1, k, &lit, dz);
    edd_loss_xent(z, t, &label, 1, k, &none, dz0);
    cr_assert(fabs(L - (xent - 0.25 * 50.0)) < 1e-9, "literal, margin 50: loss %.15g, expected %.15g", L, xent - 12.5);
    for (int j = 0; j < k; j++) {
        double add = j == 5 ? -0.25 : j == 3 ? 0.25 : 0.0;
        cr_assert(fabs((double)dz[j] - dz0[j] - add) < 2e-7, "literal dz[%d] = %.9g, no-penalty %.9g, expected difference %g", j,
                  dz[j], dz0[j], add);
    }
    /* margin = z_5 - z_3 = 5 < kappa: value -gamma*kappa, zero gradient. */
    float z2[11] = {0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 2};
    for (int j = 0; j < k; j++)
        zd[j] = z2[j];
    xent = ref_xent_row(zd, td, k);
    L = edd_loss_xent(z2, t, &label, 1, k, &lit, dz);
    edd_loss_xent(z2, t, &label, 1, k, &none, dz0);
    cr_assert(fabs(L - (xent - 0.25 * 40.0)) < 1e-9, "literal, margin 5: loss %.15g, expected %.15g", L, xent - 10.0);
    for (int j = 0; j < k; j++)
        cr_assert_eq(dz[j], dz0[j], "literal, margin 5 < kappa: dz[%d] = %.9g, expected the no-penalty %.9g", j, dz[j], dz0[j]);
}

/* ---------------------------------------------------------------- optimisers */

#define OPT_RTOL 2e-6

static void expect_vec(const char *what, const float *got, const double *want, int n, double atol)
{
    for (int i = 0; i < n; i++)
        cr_assert(fabs(got[i] - want[i]) <= atol + OPT_RTOL * fabs(want[i]), "%s[%d] = %.9g, expected %.9g", what, i, got[i],
                  want[i]);
}

/* Adam (Kingma & Ba, Algorithm 1) in double:
 *   m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2
 *   w -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps) */
Test(nn_optim, adam_two_steps)
{
    edd_ctx ctx;
    ctx_make(&ctx);
    edd_optim o = edd_optim_defaults(EDD_OPT_ADAM);
    cr_assert_float_eq(o.lr, 1e-3f, 0, "Adam default lr %g", o.lr);
    cr_assert_eq(edd_optim_init(&ctx, &o, 3), EDD_OK, "%s", ctx.err);
    float w[3] = {0.5f, -1.25f, 2.0f};
    const float g1[3] = {0.3f, -2.0f, 1e-4f}, g2[3] = {-0.1f, -1.0f, 5e-3f};
    double W[3] = {0.5, -1.25, 2.0}, M[3] = {0}, V[3] = {0};
    /* the hyper-parameters are floats: use their exact float values */
    const double lr = 1e-3f, b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
    for (int step = 1; step <= 2; step++) {
        const float *g = step == 1 ? g1 : g2;
        double W0[3];
        for (int i = 0; i < 3; i++) {
            W0[i] = W[i];
            M[i] = b1 * M[i] + (1 - b1) * g[i];
            V[i] = b2 * V[i] + (1 - b2) * (double)g[i] * g[i];
            double mh = M[i] / (1 - pow(b1, step)), vh = V[i] / (1 - pow(b2, step));
            W[i] -= lr * mh / (sqrt(vh) + eps);
        }
        edd_optim_step(&o, w, g);
        cr_assert_eq(o.t, step, "t = %ld after %d steps", o.t, step);
        expect_vec("adam m", o.m, M, 3, 1e-12);
        expect_vec("adam v", o.v, V, 3, 1e-15);
        /* params: float rounding of values ~1 is ~1e-7; each step moves them by ~1e-3 */
        expect_vec("adam w", w, W, 3, 3e-7);
        for (int i = 0; i < 3; i++)
            cr_assert(fabs(W[i] - W0[i]) > 3e-4, "step %d moved w[%d] by only %g", step, i, W[i] - W0[i]);
    }
    edd_optim_free(&o);
    edd_ctx_free(&ctx);
}

/* AdaDelta (Zeiler 2012, with Keras' learning rate) in double:
 *   Eg = rho Eg + (1-rho) g^2
 *   dx = sqrt(Edx + eps) / sqrt(Eg + eps) * g
 *   Edx = rho Edx + (1-rho) dx^2
 *   w -= lr * dx */
Test(nn_optim, adadelta_three_steps)
{
    edd_ctx ctx;
    ctx_make(&ctx);
    edd_optim o = edd_optim_defaults(EDD_OPT_ADADELTA);
    cr_assert_float_eq(o.lr, 0.1f, 0, "AdaDelta default lr %g", o.lr);
    cr_assert_float_eq(o.rho, 0.95f, 0, "AdaDelta default rho %g", o.rho);
    cr_assert_eq(edd_optim_init(&ctx, &o, 3), EDD_OK, "%s", ctx.err);
    float w[3] = {0.5f, -0.25f, 0.125f};
    const float gs[3][3] = {{0.3f, -2.0f, 1e-3f}, {-0.1f, -1.0f, 5e-3f}, {0.2f, 0.5f, -1e-2f}};
    double W[3] = {0.5, -0.25, 0.125}, Eg[3] = {0}, Ed[3] = {0};
    const double lr = 0.1f, rho = 0.95f, eps = 1e-8f; /* their float values */
    for (int step = 1; step <= 3; step++) {
        const float *g = gs[step - 1];
        double W0[3];
        for (int i = 0; i < 3; i++) {
            W0[i] = W[i];
            Eg[i] = rho * Eg[i] + (1 - rho) * (double)g[i] * g[i];
            double dx = sqrt(Ed[i] + eps) / sqrt(Eg[i] + eps) * g[i];
            Ed[i] = rho * Ed[i] + (1 - rho) * dx * dx;
            W[i] -= lr * dx;
        }
        edd_optim_step(&o, w, g);
        expect_vec("adadelta E[g^2]", o.m, Eg, 3, 1e-15);
        expect_vec("adadelta E[dx^2]", o.v, Ed, 3, 1e-18);
        /* steps are ~1e-5 here; params ~0.1..0.5 carry float rounding ~3e-8 */
        expect_vec("adadelta w", w, W, 3, 1e-7);
        for (int i = 0; i < 3; i++)
            cr_assert(fabs(W[i] - W0[i]) > 2e-6, "step %d moved w[%d] by only %g", step, i, W[i] - W0[i]);
    }
    edd_optim_free(&o);
    edd_ctx_free(&ctx);
}

/* ---------------------------------------------------------------- model file */

Test(nn_model, nparams)
{
    /* conv1 64*1*8*8+64, conv2 128*64*6*6+128, conv3 128*128*5*5+128, fc 128*K+K */
    cr_assert_eq(edd_cnn_nparams(10), (size_t)710218, "nparams(10) = %zu", edd_cnn_nparams(10));
    cr_assert_eq(edd_cnn_nparams(11), (size_t)710218 + 129, "nparams(11) = %zu", edd_cnn_nparams(11));
    edd_ctx ctx;
    ctx_make(&ctx);
    edd_cnn m;
    cr_assert_eq(edd_cnn_init(&ctx, &m, 10, 0.2f, 0.5f, 1), EDD_OK, "%s", ctx.err);
    size_t sum = 0;
    for (int t = 0; t < EDD_NTENSORS; t++) {
        cr_assert_eq(m.t[t].data, m.params + sum, "tensor %s not contiguous", m.t[t].name);
        sum += m.t[t].n;
    }
    cr_assert_eq(sum, m.nparams, "tensors hold %zu floats, nparams %zu", sum, m.nparams);
    cr_assert_str_eq(m.t[EDD_FC_W].name, "fc.weight");
    edd_cnn_free(&m);
    edd_ctx_free(&ctx);
}

static void tmp_path(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "/tmp/edd_test_nn_%d_%s", (int)getpid(), name);
}

static void round_trip(int k)
{
    edd_ctx ctx;
    ctx_make(&ctx);
    edd_cnn m, l;
    cr_assert_eq(edd_cnn_init(&ctx, &m, k, 0.2f, 0.5f, 3), EDD_OK, "%s", ctx.err);
    m.t[EDD_FC_B].data[0] = -0.0f; /* a signed zero and a denormal survive bit for bit */
    m.t[EDD_FC_B].data[1] = 1e-40f;
    char path[256];
    tmp_path(path, sizeof path, k == 10 ? "rt10.model" : "rt11.model");
    cr_assert_eq(edd_cnn_save(&ctx, &m, path), EDD_OK, "save: %s", ctx.err);
    cr_assert_eq(edd_cnn_load(&ctx, &l, path), EDD_OK, "load: %s", ctx.err);
    cr_assert_eq(l.k, k, "loaded K=%d, saved %d", l.k, k);
    cr_assert_eq(l.nparams, m.nparams);
    cr_assert(l.p_input == 0.2f && l.p_hidden == 0.5f, "dropout rates %g %g", l.p_input, l.p_hidden);
    cr_assert_eq(memcmp(l.params, m.params, m.nparams * sizeof(float)), 0, "K=%d parameters differ after the round trip", k);
    cr_assert_eq(l.t[EDD_FC_B].data, l.params + (m.t[EDD_FC_B].data - m.params), "loaded model not carved");
    unlink(path);
    edd_cnn_free(&m);
    edd_cnn_free(&l);
    edd_ctx_free(&ctx);
}

Test(nn_model, round_trip_k10) { round_trip(10); }
Test(nn_model, round_trip_k11) { round_trip(11); }

Test(nn_model, damaged_files_rejected)
{
    edd_ctx ctx;
    ctx_make(&ctx);
    edd_cnn m, l;
    cr_assert_eq(edd_cnn_init(&ctx, &m, 10, 0.2f, 0.5f, 4), EDD_OK, "%s", ctx.err);
    char path[256];
    tmp_path(path, sizeof path, "damaged.model");
    cr_assert_eq(edd_cnn_save(&ctx, &m, path), EDD_OK, "save: %s", ctx.err);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    cr_assert_eq(size, (long)(EDD_MODEL_HEADER_BYTES + 4 * m.nparams + EDD_MODEL_CRC_BYTES), "file of %ld bytes", size);
    unsigned char *buf = malloc((size_t)size);
    cr_assert_eq(fread(buf, 1, (size_t)size, f), (size_t)size);
    fclose(f);

    /* One flipped bit in the middle of the parameters: the CRC catches it. */
    buf[size / 2] ^= 0x10;
    f = fopen(path, "wb");
    cr_assert_eq(fwrite(buf, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    memset(&l, 0, sizeof l);
    ctx.err[0] = 0;
    edd_status st = edd_cnn_load(&ctx, &l, path);
    cr_assert_eq(st, EDD_ERR_FORMAT, "flipped byte: status %d (%s)", st, ctx.err);
    cr_assert_not_null(strstr(ctx.err, path), "message does not name the file: %s", ctx.err);
    cr_assert_null(l.params, "a rejected load left parameters allocated");

    /* Truncated by 100 bytes (restored byte, so only the length is wrong). */
    buf[size / 2] ^= 0x10;
    f = fopen(path, "wb");
    cr_assert_eq(fwrite(buf, 1, (size_t)size - 100, f), (size_t)size - 100);
    fclose(f);
    ctx.err[0] = 0;
    st = edd_cnn_load(&ctx, &l, path);
    cr_assert_eq(st, EDD_ERR_FORMAT, "truncated: status %d (%s)", st, ctx.err);
    cr_assert_not_null(strstr(ctx.err, path), "message does not name the file: %s", ctx.err);

    /* The intact bytes load (so the two rejections above were the damage). */
    f = fopen(path, "wb");
    cr_assert_eq(fwrite(buf, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    cr_assert_eq(edd_cnn_load(&ctx, &l, path), EDD_OK, "intact: %s", ctx.err);
    cr_assert_eq(memcmp(l.params, m.params, m.nparams * sizeof(float)), 0);
    edd_cnn_free(&l);
    unlink(path);
    free(buf);
    edd_cnn_free(&m);
    edd_ctx_free(&ctx);
}
