/* test_attacks.c - input gradients, Jacobians, FGM and the rates,
 * against independent references: central finite differences of the
 * whole network, K separate backward passes, FGM's formula written out
 * here, and hand-computed rates (JSMA: test_attacks_jsma.c). Small random
 * networks (edd_cnn_init, random biases), dropout off. */
#include <criterion/criterion.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "edd/attacks.h"
#include "edd/eval.h"
#include "edd/train.h"
#include "testutil.h"
#include "edd/internal/grad.h"

TestSuite(attack_grad, .timeout = 120);
TestSuite(attack_fgm, .timeout = 60);
TestSuite(attack_scores, .timeout = 30);

#define D EDD_IMG_SIZE

/* ---------------------------------------------------------------- helpers */

/* Logits of n images from an INFER plan, in double. */
static void logits(edd_ctx *ctx, const edd_cnn *m, const float *x, int n, double *out)
{
    edd_plan *p;
    cr_assert_eq(edd_plan_create(ctx, m, n, EDD_PLAN_INFER, 0, &p), EDD_OK, "%s", ctx->err);
    float *z = malloc((size_t)n * m->k * sizeof(float));
    cr_assert_eq(edd_plan_forward(ctx, p, m, x, NULL, z), EDD_OK, "%s", ctx->err);
    for (int i = 0; i < n * m->k; i++)
        out[i] = z[i];
    free(z);
    edd_plan_free(p);
}

static void softmax(const double *z, int k, double *p)
{
    double mx = z[0], s = 0;
    for (int c = 1; c < k; c++)
        mx = fmax(mx, z[c]);
    for (int c = 0; c < k; c++)
        s += p[c] = exp(z[c] - mx);
    for (int c = 0; c < k; c++)
        p[c] /= s;
}

/* Output j of image 0 of x: a logit, or a probability. */
static double output(edd_ctx *ctx, const edd_cnn *m, const float *x, int j, int probs)
{
    double z[16], p[16];
    logits(ctx, m, x, 1, z);
    if (!probs)
        return z[j];
    softmax(z, m->k, p);
    return p[j];
}

/* dz_fn for a fixed dz matrix (rows of the pass). */
static void fixed_dz(void *user, size_t row0, int rows, int k, const float *z, float *dz)
{
    (void)z;
    memcpy(dz, (const float *)user + row0 * (size_t)k, (size_t)rows * k * sizeof(float));
}

/* ---------------------------------------------------------------- gradients */

/* Jacobian rows (logits and probabilities) against central differences of
 * the network for 48 sampled pixels of each of 2 images, skipping pixels
 * where the one-sided differences disagree (a ReLU kink within the step). */
static void check_jacobian_fd(edd_jac_kind kind)
{
    edd_ctx ctx;
    ctx_make(&ctx);
    edd_cnn m;
    model_make(&ctx, &m, 11, 3);
    const int n = 2, K = m.k;
    float *x = images_make(n, 4), *jac = malloc((size_t)n * K * D * sizeof(float));
    float *z = malloc((size_t)n * K * sizeof(float));
    edd_gradder *g;
    cr_assert_eq(edd_gradder_create(&ctx, K, 8, &g), EDD_OK, "%s", ctx.err);
    cr_assert_eq(edd_jacobian(&ctx, g, &m, x, n, kind, z, jac), EDD_OK, "%s", ctx.err);
    double zr[2 * 16];
    logits(&ctx, &m, x, n, zr);
    for (int i = 0; i < n * K; i++)
        cr_assert_float_eq(z[i], zr[i], 1e-4 * (1 + fabs(zr[i])), "logit %d: %g vs %g", i, z[i], zr[i]);
    const double h = 1e-3;
    uint64_t key = edd_rng_key(9, 1, 0);
    for (int i = 0; i < n; i++) {
        float *xi = x + (size_t)i * D;
        for (int j = 0; j < K; j += 3) {
            double num = 0, den = 0;
            int used = 0;
            for (int s = 0; s < 48; s++) {
                int px = (int)(edd_rng_u32(key, (uint32_t)(i * 1000 + j * 50 + s)) % D);
                float v0 = xi[px];
                double f0 = output(&ctx, &m, xi, j, kind == EDD_JAC_PROBS);
                xi[px] = v0 + (float)h;
                double fp = output(&ctx, &m, xi, j, kind == EDD_JAC_PROBS);
                double hp = (double)xi[px] - v0;
                xi[px] = v0 - (float)h;
                double fm = output(&ctx, &m, xi, j, kind == EDD_JAC_PROBS);
                double hm = v0 - (double)xi[px];
                xi[px] = v0;
                double fwd = (fp - f0) / hp, bwd = (f0 - fm) / hm, fd = (fp - fm) / (hp + hm);
                if (fabs(fwd - bwd) > 0.1 * fmax(fmax(fabs(fwd), fabs(bwd)), 1e-3))
                    continue;
                double ga = jac[((size_t)i * K + j) * D + px];
                num += (ga - fd) * (ga - fd);
                den += fd * fd;
                used++;
            }
            cr_assert_gt(used, 24, "image %d output %d: only %d kink-free pixels", i, j, used);
            cr_assert_leq(sqrt(num), 3e-2 * sqrt(den) + 1e-5, "image %d output %d: |g - fd| %g, |fd| %g", i, j,
                          sqrt(num), sqrt(den));
        }
    }
    edd_gradder_free(g);
    free(x); free(jac); free(z);
    edd_cnn_free(&m);
    edd_ctx_free(&ctx);
}

Test(attack_grad, jacobian_logits_matches_finite_differences) { check_jacobian_fd(EDD_JAC_LOGITS); }
Test(attack_grad, jacobian_probs_matches_finite_differences) { check_jacobian_fd(EDD_JAC_PROBS); }

/* The one K*B pass equals K separate backward passes of batch B with dz =
 * e_j, and the probability rows equal the chain rule applied by hand. */
Test(attack_grad, jacobian_one_pass_equals_k_passes)
{
    edd_ctx ctx;
    ctx_make(&ctx);
    edd_cnn m;
    model_make(&ctx, &m, 10, 5);
    const int n = 5, K = m.k;
    float *x = images_make(n, 6);
    float *jl = malloc((size_t)n * K * D * sizeof(float)), *jp = malloc((size_t)n * K * D * sizeof(float));
    float *dz = calloc((size_t)n * K, sizeof(float)), *dx = malloc((size_t)n * D * sizeof(float));
    edd_gradder *g;
    cr_assert_eq(edd_gradder_create(&ctx, K, 16, &g), EDD_OK, "%s", ctx.err); /* 50 rows: 4 chunks */
    cr_assert_eq(edd_jacobian(&ctx, g, &m, x, n, EDD_JAC_LOGITS, NULL, jl), EDD_OK, "%s", ctx.err);
    cr_assert_eq(edd_jacobian(&ctx, g, &m, x, n, EDD_JAC_PROBS, NULL, jp), EDD_OK, "%s", ctx.err);
    double z[5 * 10], p[10];
    logits(&ctx, &m, x, n, z);
    for (int j = 0; j < K; j++) {
        memset(dz, 0, (size_t)n * K * sizeof(float));
        for (int i = 0; i < n; i++)
            dz[(size_t)i * K + j] = 1.0f;
        cr_assert_eq(edd_grad_input(&ctx, g, &m, x, n, 1, fixed_dz, dz, dx), EDD_OK, "%s", ctx.err);
        for (int i = 0; i < n; i++) {
            double mx = 0;
            for (int d = 0; d < D; d++)
                mx = fmax(mx, fabs(dx[(size_t)i * D + d]));
            for (int d = 0; d < D; d++)
                cr_assert_leq(fabs(jl[((size_t)i * K + j) * D + d] - dx[(size_t)i * D + d]), 1e-5 * mx + 1e-9,
                              "image %d output %d pixel %d", i, j, d);
        }
    }
    /* dp_j/dx = p_j (dz_j/dx - sum_c p_c dz_c/dx) */
    for (int i = 0; i < n; i++) {
        softmax(z + i * K, K, p);
        for (int j = 0; j < K; j++) {
            double mx = 0, err = 0;
            for (int d = 0; d < D; d++) {
                double s = 0;
                for (int c = 0; c < K; c++)
                    s += p[c] * jl[((size_t)i * K + c) * D + d];
                double ref = p[j] * (jl[((size_t)i * K + j) * D + d] - s);
                mx = fmax(mx, fabs(ref));
                err = fmax(err, fabs(ref - jp[((size_t)i * K + j) * D + d]));
            }
            cr_assert_leq(err, 1e-4 * mx + 1e-9, "image %d prob %d: err %g of %g", i, j, err, mx);
        }
    }
    cr_assert_leq(edd_gradder_plans_built(g), 4, "plans are cached per size: %d built", edd_gradder_plans_built(g));
    edd_gradder_free(g);
    free(x); free(jl); free(jp); free(dz); free(dx);
    edd_cnn_free(&m);
    edd_ctx_free(&ctx);
}

/* Chunking and padding do not change the gradient: the same 37 rows with
 * chunks of 256 (one padded chunk of 48) and of 5 (8 chunks). */
Test(attack_grad, chunking_does_not_change_the_gradient)
{
    edd_ctx ctx;
    ctx_make(&ctx);
    edd_cnn m;
    model_make(&ctx, &m, 10, 8);
    const int n = 37, K = m.k;
    float *x = images_make(n, 2), *dz = malloc((size_t)n * K * sizeof(float));
    float *a = malloc((size_t)n * D * sizeof(float)), *b = malloc((size_t)n * D * sizeof(float));
    for (int i = 0; i < n * K; i++)
        dz[i] = urand(3, (uint32_t)i, -1, 1);
    edd_gradder *g1, *g2;
    cr_assert_eq(edd_gradder_create(&ctx, K, 256, &g1), EDD_OK);
    cr_assert_eq(edd_gradder_create(&ctx, K, 5, &g2), EDD_OK);
    cr_assert_eq(edd_grad_input(&ctx, g1, &m, x, n, 1, fixed_dz, dz, a), EDD_OK, "%s", ctx.err);
    cr_assert_eq(edd_grad_input(&ctx, g2, &m, x, n, 1, fixed_dz, dz, b), EDD_OK, "%s", ctx.err);
    double mx = 0, err = 0;
    for (int i = 0; i < n * D; i++) {
        mx = fmax(mx, fabs(a[i]));
        err = fmax(err, fabs(a[i] - b[i]));
    }
    cr_assert_leq(err, 1e-5 * mx, "err %g of %g", err, mx);
    edd_cnn m11;
    model_make(&ctx, &m11, 11, 1);
    cr_assert_eq(edd_grad_input(&ctx, g1, &m11, x, 1, 1, fixed_dz, dz, a), EDD_ERR_ARG);
    edd_cnn_free(&m11);
    edd_gradder_free(g1);
    edd_gradder_free(g2);
    free(x); free(dz); free(a); free(b);
    edd_cnn_free(&m);
    edd_ctx_free(&ctx);
}

/* ---------------------------------------------------------------- FGM */

/* The cross-entropy gradient of each image written out here: softmax over
 * the first kk logits minus the one-hot label, through K separate rows. */
static float *xent_grad(edd_ctx *ctx, const edd_cnn *m, const float *x, const uint8_t *y, int n, int kk)
{
    int K = m->k;
    double z[64 * 16], p[16];
    logits(ctx, m, x, n, z);
    float *dz = calloc((size_t)n * K, sizeof(float)), *g = malloc((size_t)n * D * sizeof(float));
    for (int i = 0; i < n; i++) {
        softmax(z + i * K, kk, p);
        for (int c = 0; c < kk; c++)
            dz[i * K + c] = (float)(p[c] - (c == y[i]));
    }
    edd_gradder *gr;
    cr_assert_eq(edd_gradder_create(ctx, K, 0, &gr), EDD_OK);
    cr_assert_eq(edd_grad_input(ctx, gr, m, x, n, 1, fixed_dz, dz, g), EDD_OK, "%s", ctx->err);
    edd_gradder_free(gr);
    free(dz);
    return g;
}

static void check_fgm_inf(int k, edd_attack_loss loss)
{
    edd_ctx ctx;
    ctx_make(&ctx);
    edd_cnn m;
    model_make(&ctx, &m, k, 12);
    const int n = 6;
    float *x = images_make(n, 13), *adv = malloc((size_t)n * D * sizeof(float));
    uint8_t y[6] = {0, 3, 9, 5, 1, 7};
    edd_fgm_opts o;
    edd_fgm_opts_default(&o);
    o.loss = loss;
    cr_assert_eq(edd_fgm(&ctx, &m, x, y, n, &o, adv), EDD_OK, "%s", ctx.err);
    float *g = xent_grad(&ctx, &m, x, y, n, loss == EDD_LOSS_REAL ? 10 : k);
    int interior = 0;
    for (int i = 0; i < n * D; i++) {
        float s = (float)((g[i] > 0) - (g[i] < 0)), want = x[i] + o.eps * s;
        if (want < 0.0f || want > 1.0f) {
            cr_assert_eq(adv[i], want < 0.0f ? 0.0f : 1.0f, "pixel %d clipped", i);
            continue;
        }
        /* sign(g) from the reference pass; tiny gradients may flip sign between passes */
        if (fabs(g[i]) < 1e-7f)
            continue;
        interior++;
        cr_assert_float_eq(fabsf(adv[i] - x[i]), o.eps, 1e-6, "pixel %d: |delta| %g", i, fabsf(adv[i] - x[i]));
        cr_assert_eq(adv[i] > x[i], g[i] > 0, "pixel %d: sign of delta vs gradient %g", i, g[i]);
    }
    cr_assert_gt(interior, n * D / 4);
    free(g); free(x); free(adv);
    edd_cnn_free(&m);
    edd_ctx_free(&ctx);
}

Test(attack_fgm, inf_moves_every_pixel_by_eps_along_the_gradient_sign) { check_fgm_inf(10, EDD_LOSS_ALL); }
Test(attack_fgm, inf_with_outlier_output_all_and_real_losses)
{
    check_fgm_inf(11, EDD_LOSS_ALL);
    check_fgm_inf(11, EDD_LOSS_REAL);
}

/* ord 2: before clipping the perturbation has norm eps and the gradient's direction. */
Test(attack_fgm, l2_perturbation_has_norm_eps_before_clipping)
{
    edd_ctx ctx;
    ctx_make(&ctx);
    edd_cnn m;
    model_make(&ctx, &m, 11, 14);
    const int n = 4;
    float *x = images_make(n, 15), *adv = malloc((size_t)n * D * sizeof(float));
    uint8_t y[4] = {2, 4, 6, 8};
    edd_fgm_opts o;
    edd_fgm_opts_default(&o);
    o.ord = 2;
    o.eps = 2.5f;
    o.loss = EDD_LOSS_REAL;
    o.clip_min = -1e9f;
    o.clip_max = 1e9f;
    cr_assert_eq(edd_fgm(&ctx, &m, x, y, n, &o, adv), EDD_OK, "%s", ctx.err);
    float *g = xent_grad(&ctx, &m, x, y, n, 10);
    for (int i = 0; i < n; i++) {
        double nd = 0, ng = 0, dot = 0;
        for (int j = 0; j < D; j++) {
            double d = (double)adv[i * D + j] - x[i * D + j];
            nd += d * d;
            ng += (double)g[i * D + j] * g[i * D + j];
            dot += d * g[i * D + j];
        }
        cr_assert_float_eq(sqrt(nd), 2.5, 1e-4, "image %d: norm %g", i, sqrt(nd));
        cr_assert_float_eq(dot / sqrt(nd * ng), 1.0, 1e-4, "image %d: cosine", i);
    }
    /* clipped to [0,1] it stays in the box */
    o.clip_min = 0.0f;
    o.clip_max = 1.0f;
    cr_assert_eq(edd_fgm(&ctx, &m, x, y, n, &o, adv), EDD_OK, "%s", ctx.err);
    for (int i = 0; i < n * D; i++)
        cr_assert(adv[i] >= 0.0f && adv[i] <= 1.0f);
    /* bad arguments */
    o.ord = 1;
    cr_assert_eq(edd_fgm(&ctx, &m, x, y, n, &o, adv), EDD_ERR_ARG);
    o.ord = 0;
    uint8_t bad[4] = {2, 4, 10, 8};
    o.loss = EDD_LOSS_REAL;
    cr_assert_eq(edd_fgm(&ctx, &m, x, bad, n, &o, adv), EDD_ERR_ARG);
    o.loss = (edd_attack_loss)3;
    cr_assert_eq(edd_fgm(&ctx, &m, x, y, n, &o, adv), EDD_ERR_ARG);
    cr_assert(strstr(ctx.err, "loss 3"), "%s", ctx.err);
    o.loss = EDD_LOSS_MARGIN;
    o.margin_cap = 0.0f;
    cr_assert_eq(edd_fgm(&ctx, &m, x, y, n, &o, adv), EDD_ERR_ARG);
    cr_assert(strstr(ctx.err, "margin_cap 0"), "%s", ctx.err);
    free(g); free(x); free(adv);
    edd_cnn_free(&m);
    edd_ctx_free(&ctx);
}

/* ---------------------------------------------------------------- scores */

Test(attack_scores, hand_computed_rates)
{
    /* 6 images, K = 11 (outlier 10). */
    enum { N = 6 };
    uint8_t y[N] = {1, 2, 3, 4, 5, 6}, src[N] = {1, 1, 0, 1, 0, 1};
    int clean[N] = {1, 2, 10, 4, 0, 6};   /* 4 right, 1 false positive */
    int advp[N] = {1, 10, 7, 10, 9, 6};   /* recovered 0,5; detected 1,3; misclassified 2,4 */
    float *x = calloc(N * D, sizeof(float)), *adv = calloc(N * D, sizeof(float));
    adv[2 * D + 0] = 0.3f; adv[2 * D + 1] = 0.4f;    /* ||.|| = 0.5 */
    adv[4 * D + 10] = 1.0f; x[4 * D + 11] = 1.0f;    /* ||.|| = sqrt 2 */
    adv[1 * D + 5] = 9.0f;                           /* detected: not in the mean */
    edd_attack_scores s;
    edd_scores_compute(N, 11, y, clean, advp, x, adv, src, &s);
    cr_assert_eq(s.n, N);
    cr_assert_float_eq(s.clean_accuracy, 4.0 / 6, 1e-12);
    cr_assert_float_eq(s.clean_false_positives, 1.0 / 6, 1e-12);
    cr_assert_float_eq(s.recovered, 2.0 / 6, 1e-12);
    cr_assert_float_eq(s.detected, 2.0 / 6, 1e-12);
    cr_assert_float_eq(s.misclassified, 2.0 / 6, 1e-12);
    cr_assert_eq(s.n_misclassified, 2);
    cr_assert_float_eq(s.mean_l2, (0.5 + sqrt(2.0)) / 2, 1e-6);
    cr_assert_float_eq(s.source_success, 4.0 / 6, 1e-12);
    /* K = 10: class 10 does not exist, nothing is "detected" */
    int advq[N] = {1, 3, 7, 4, 9, 0};
    edd_scores_compute(N, 10, y, clean, advq, x, adv, src, &s);
    cr_assert_float_eq(s.detected, 0.0, 1e-12);
    cr_assert_float_eq(s.recovered, 2.0 / 6, 1e-12);
    cr_assert_float_eq(s.misclassified, 4.0 / 6, 1e-12);
    cr_assert_float_eq(s.mean_l2, (9.0 + 0.5 + sqrt(2.0) + 0.0) / 4, 1e-6);
    cr_assert_float_eq(s.clean_false_positives, 0.0, 1e-12);
    free(x); free(adv);
}
