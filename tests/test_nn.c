/* test_nn.c - the CNN, its loss and its optimisers against independent
 * references: every layer's backward pass against central finite
 * differences of the whole network (weights, input, dropout on and off).
 * The loss is tested in test_nn_loss.c, the optimisers and the model file
 * in test_nn_model.c. */
#include <criterion/criterion.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "edd/nn.h"
#include "testutil.h"

TestSuite(nn_grad, .timeout = 120);

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

/* What check_tensor counted over the tensors so far. */
typedef struct {
    int tested, skipped, differ_from_off, zero_grads;
} grad_counts;

/* Tensor t's analytic gradient (in grad; grad_off without dropout) against
 * finite differences of o at L0 in ~20 sampled coordinates; counted in c. */
static void check_tensor(objective *o, int t, const float *grad, const float *grad_off, double L0, int dropout_on,
                         grad_counts *c)
{
    edd_tensor *T = &o->m->t[t];
    size_t off_t = (size_t)(T->data - o->m->params);
    uint32_t *perm = malloc(T->n * sizeof(uint32_t));
    cr_assert_not_null(perm);
    edd_rng_permutation(21, (uint64_t)t, perm, T->n);
    int ns = T->n < 20 ? (int)T->n : 20, tested = 0, skipped = 0;
    double maxrel = 0.0, maxabs = 0.0, e2 = 0.0, g2 = 0.0;
    for (int s = 0; s < ns; s++) {
        size_t i = perm[s];
        double fwd, bwd;
        double gfd = fd_at(o, &T->data[i], FD_H_W, L0, &fwd, &bwd, 1);
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
            c->differ_from_off++;
        c->zero_grads += ga == 0.0;
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
    c->tested += tested;
    c->skipped += skipped;
    free(perm);
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

    grad_counts c = {0};
    for (int t = 0; t < EDD_NTENSORS; t++)
        check_tensor(&o, t, grad, grad_off, L0, dropout_on, &c);
    const int tested_all = c.tested, skipped_all = c.skipped, differ_from_off = c.differ_from_off,
              zero_grads = c.zero_grads;
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
