/* test_attacks.c - input gradients, Jacobians, FGM, JSMA and the rates,
 * against independent references: central finite differences of the
 * whole network, K separate backward passes, FGM's formula written out
 * here, a brute-force O(d^2) pair search over the same alpha and beta,
 * the full-Jacobian JSMA path, and hand-computed rates. Small random
 * networks (edd_cnn_init, random biases), dropout off. */
#include <criterion/criterion.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "edd/attacks.h"
#include "edd/eval.h"
#include "edd/internal/simd.h"
#include "edd/train.h"
#include "testutil.h"
#include "edd/internal/grad.h"

TestSuite(attack_grad, .timeout = 120);
TestSuite(attack_fgm, .timeout = 60);
TestSuite(attack_jsma, .timeout = 180);
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
    edd_fgm_opts o = edd_fgm_defaults();
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
    edd_fgm_opts o = edd_fgm_defaults();
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

/* ---------------------------------------------------------------- JSMA */

/* The first maximum of the row-major score matrix over p < q, in the same
 * float arithmetic as cleverhans' saliency_map (no fused multiply-add). */
static int brute_pair(const float *al, const float *be, const uint8_t *dom, int *bp, int *bq)
{
    volatile float best = 0.0f;
    int found = 0;
    for (int p = 0; p < D; p++)
        for (int q = p + 1; q < D; q++) {
            if (!dom[p] || !dom[q])
                continue;
            volatile float a = al[p] + al[q], b = be[p] + be[q];
            if (!(a > 0.0f && b < 0.0f))
                continue;
            volatile float s = (-a) * b;
            if (!found || s > best) {
                best = s;
                *bp = p;
                *bq = q;
                found = 1;
            }
        }
    return found;
}

/* alpha and beta of cleverhans from a full Jacobian (n x K x 784). */
static void alpha_beta(const float *J, int K, int t, float *al, float *be)
{
    for (int d = 0; d < D; d++) {
        float s = 0.0f;
        for (int c = 0; c < K; c++)
            if (c != t)
                s += J[(size_t)c * D + d];
        al[d] = J[(size_t)t * D + d];
        be[d] = s;
    }
}

/* Targets different from the clean prediction, so a first step is taken. */
static void targets_not_pred(edd_ctx *ctx, const edd_cnn *m, const float *x, int n, uint8_t *t)
{
    int *pred = malloc((size_t)n * sizeof(int));
    cr_assert_eq(edd_predict(ctx, m, x, n, 16, pred), EDD_OK, "%s", ctx->err);
    for (int i = 0; i < n; i++)
        t[i] = (uint8_t)((pred[i] + 1 + 3 * i) % 10 == pred[i] ? (pred[i] + 1) % 10 : (pred[i] + 1 + 3 * i) % 10);
    free(pred);
}

/* One JSMA step on each path changes exactly the pair a brute-force search
 * over the full probability Jacobian (or logit Jacobian) picks, and that
 * pair is also what edd_saliency_pair_f32 returns on the same alpha, beta. */
static void check_one_step(edd_jsma_jacobian path)
{
    edd_ctx ctx;
    ctx_make(&ctx);
    edd_cnn m;
    model_make(&ctx, &m, 11, 21);
    const int n = 4, K = m.k;
    float *x = images_make(n, 22), *adv = malloc((size_t)n * D * sizeof(float));
    float *J = malloc((size_t)n * K * D * sizeof(float)), al[D], be[D];
    uint8_t t[4], ok[4], dom[D];
    int steps[4];
    targets_not_pred(&ctx, &m, x, n, t);
    edd_gradder *g;
    cr_assert_eq(edd_gradder_create(&ctx, K, 0, &g), EDD_OK);
    cr_assert_eq(edd_jacobian(&ctx, g, &m, x, n, path == EDD_JSMA_LOGITS ? EDD_JAC_LOGITS : EDD_JAC_PROBS, NULL, J),
                 EDD_OK, "%s", ctx.err);
    edd_jsma_opts o = edd_jsma_defaults();
    o.gamma = 2.5f / D; /* floor(784 * gamma / 2) = 1 step */
    o.jacobian = path;
    o.quiet = 1;
    cr_assert_eq(edd_jsma(&ctx, &m, x, t, n, &o, adv, ok, steps), EDD_OK, "%s", ctx.err);
    for (int i = 0; i < n; i++) {
        const float *xi = x + (size_t)i * D, *ai = adv + (size_t)i * D;
        for (int d = 0; d < D; d++)
            dom[d] = xi[d] < 1.0f;
        alpha_beta(J + (size_t)i * K * D, K, t[i], al, be);
        int bp = -1, bq = -1, sp = -1, sq = -1;
        cr_assert(brute_pair(al, be, dom, &bp, &bq), "image %d: no pair", i);
        cr_assert(edd_saliency_pair_f32(ctx.simd, al, be, dom, D, &sp, &sq));
        cr_assert(sp == bp && sq == bq, "image %d: simd pair (%d,%d), brute force (%d,%d)", i, sp, sq, bp, bq);
        cr_assert_eq(steps[i], 1, "image %d: %d steps", i, steps[i]);
        for (int d = 0; d < D; d++) {
            if (d == bp || d == bq)
                cr_assert_eq(ai[d], 1.0f, "image %d: chosen pixel %d is %g, expected min(x+1,1) = 1", i, d, ai[d]);
            else
                cr_assert_eq(ai[d], xi[d], "image %d: pixel %d (pair %d,%d) changed", i, d, bp, bq);
        }
    }
    edd_gradder_free(g);
    free(x); free(adv); free(J);
    edd_cnn_free(&m);
    edd_ctx_free(&ctx);
}

Test(attack_jsma, one_gradient_step_picks_the_full_jacobian_brute_force_pair) { check_one_step(EDD_JSMA_PROBS); }
Test(attack_jsma, full_probs_step_picks_the_brute_force_pair) { check_one_step(EDD_JSMA_PROBS_FULL); }
Test(attack_jsma, logits_step_picks_the_brute_force_pair) { check_one_step(EDD_JSMA_LOGITS); }

/* Whole attacks: the one-gradient path (beta = -alpha) and the full
 * probability Jacobian make the same adversarial images step for step;
 * success means the model predicts the target; batching and the active
 * set do not change the result; the step budget and the pixel count hold. */
Test(attack_jsma, one_gradient_path_equals_full_jacobian_path)
{
    edd_ctx ctx;
    ctx_make(&ctx);
    edd_cnn m;
    model_make(&ctx, &m, 10, 31);
    const int n = 12, K = m.k;
    float *x = images_make(n, 32);
    float *a1 = malloc((size_t)n * D * sizeof(float)), *a2 = malloc((size_t)n * D * sizeof(float));
    float *a3 = malloc((size_t)n * D * sizeof(float));
    uint8_t t[12], y[12] = {0}, s1[12], s2[12], s3[12];
    int st1[12], st2[12], st3[12], pred[12];
    edd_attack_targets(1, y, n, 0, 10, t);
    edd_jsma_opts o = edd_jsma_defaults();
    o.gamma = 0.05f; /* 19 steps */
    o.quiet = 1;
    cr_assert_eq(edd_jsma(&ctx, &m, x, t, n, &o, a1, s1, st1), EDD_OK, "%s", ctx.err);
    o.jacobian = EDD_JSMA_PROBS_FULL;
    cr_assert_eq(edd_jsma(&ctx, &m, x, t, n, &o, a2, s2, st2), EDD_OK, "%s", ctx.err);
    o.jacobian = EDD_JSMA_PROBS;
    o.batch = 5;
    o.max_rows = 3;
    cr_assert_eq(edd_jsma(&ctx, &m, x, t, n, &o, a3, s3, st3), EDD_OK, "%s", ctx.err);
    cr_assert_eq(edd_predict(&ctx, &m, a1, n, 8, pred), EDD_OK);
    int moved = 0;
    for (int i = 0; i < n; i++) {
        cr_assert_eq(st1[i], st2[i], "image %d: %d vs %d steps", i, st1[i], st2[i]);
        cr_assert_eq(s1[i], s2[i]);
        cr_assert_eq(memcmp(a1 + i * D, a2 + i * D, D * sizeof(float)), 0, "image %d differs between paths", i);
        cr_assert_eq(st1[i], st3[i], "image %d: batch 5 took %d steps, batch 12 %d", i, st3[i], st1[i]);
        cr_assert_eq(memcmp(a1 + i * D, a3 + i * D, D * sizeof(float)), 0, "image %d differs with batch 5", i);
        cr_assert_eq(s1[i], pred[i] == t[i], "image %d: success %d, prediction %d, target %d", i, s1[i], pred[i], t[i]);
        cr_assert_leq(st1[i], 19);
        int changed = 0;
        for (int d = 0; d < D; d++) {
            changed += a1[i * D + d] != x[i * D + d];
            cr_assert(a1[i * D + d] == x[i * D + d] || a1[i * D + d] == 1.0f);
        }
        cr_assert_leq(changed, 2 * st1[i]);
        moved += st1[i] > 0;
        cr_assert(t[i] != y[i] && t[i] < 10);
    }
    cr_assert_gt(moved, 0);
    (void)K;
    free(x); free(a1); free(a2); free(a3);
    edd_cnn_free(&m);
    edd_ctx_free(&ctx);
}

/* dz = p_t (e_t - p) for target[row], logits kept: the gradient of p_t. */
typedef struct {
    const uint8_t *target;
    float *z;
} pt_ref;

static void pt_ref_dz(void *user, size_t row0, int rows, int k, const float *z, float *dz)
{
    const pt_ref *u = user;
    memcpy(u->z + row0 * (size_t)k, z, (size_t)rows * k * sizeof(float));
    for (int i = 0; i < rows; i++) {
        double p[16];
        int t = u->target[row0 + (size_t)i];
        edd_softmax_f64(z + (size_t)i * k, k, p);
        for (int c = 0; c < k; c++)
            dz[(size_t)i * k + c] = (float)(p[t] * ((c == t) - p[c]));
    }
}

/* The default path, written out one image at a time with the O(d^2) pair
 * search on beta = -alpha (what edd_jsma ran before the top-2 selection):
 * edd_jsma gives the same images, steps and successes, on a K = 11 model
 * and on a K = 10 one, with the AVX2 search and with the scalar twin. */
static void check_default_path_against_pair_search(int k, uint64_t seed, edd_simd lv)
{
    edd_ctx ctx;
    ctx_make(&ctx);
    edd_cnn m;
    model_make(&ctx, &m, k, seed);
    const int n = 8, K = m.k, max_iters = 15;
    float *x = images_make(n, seed + 1), *adv = malloc((size_t)n * D * sizeof(float));
    float *ref = malloc((size_t)n * D * sizeof(float)), *g = malloc(D * sizeof(float)), be[D], z[16];
    uint8_t t[8], ok[8], y[8] = {0}, dom[D];
    int steps[8];
    edd_attack_targets(seed, y, n, 0, 10, t);
    edd_jsma_opts o = edd_jsma_defaults();
    o.gamma = (2.0f * max_iters + 0.5f) / D;
    o.quiet = 1;
    cr_assert_eq(edd_jsma(&ctx, &m, x, t, n, &o, adv, ok, steps), EDD_OK, "%s", ctx.err);
    memcpy(ref, x, (size_t)n * D * sizeof(float));
    edd_gradder *gr;
    cr_assert_eq(edd_gradder_create(&ctx, K, 0, &gr), EDD_OK);
    int moved = 0;
    for (int i = 0; i < n; i++) {
        float *xi = ref + (size_t)i * D;
        int it = 0, left = 0, success = 0;
        for (int d = 0; d < D; d++)
            left += dom[d] = xi[d] < 1.0f;
        for (;;) {
            pt_ref u = {t + i, z};
            cr_assert_eq(edd_grad_input(&ctx, gr, &m, xi, 1, 1, pt_ref_dz, &u, g), EDD_OK, "%s", ctx.err);
            if (edd_argmax(z, K) == t[i]) {
                success = 1;
                break;
            }
            if (it >= max_iters || left < 2)
                break;
            for (int d = 0; d < D; d++)
                be[d] = -g[d];
            int p, q;
            if (!edd_saliency_pair_f32(lv, g, be, dom, D, &p, &q))
                break;
            xi[p] = fminf(xi[p] + 1.0f, 1.0f);
            xi[q] = fminf(xi[q] + 1.0f, 1.0f);
            dom[p] = dom[q] = 0;
            left -= 2;
            it++;
        }
        cr_assert_eq(steps[i], it, "image %d: edd_jsma took %d steps, the pair search %d", i, steps[i], it);
        cr_assert_eq(ok[i], success, "image %d: success %d, expected %d", i, ok[i], success);
        cr_assert_eq(memcmp(adv + (size_t)i * D, xi, D * sizeof(float)), 0, "image %d differs", i);
        moved += it > 0;
    }
    cr_assert_gt(moved, n / 2, "only %d of %d images moved", moved, n);
    edd_gradder_free(gr);
    free(x); free(adv); free(ref); free(g);
    edd_cnn_free(&m);
    edd_ctx_free(&ctx);
}

Test(attack_jsma, default_path_equals_pair_search_on_minus_alpha)
{
    check_default_path_against_pair_search(11, 51, EDD_SIMD_SCALAR);
    check_default_path_against_pair_search(10, 53, edd_simd_detect());
}

/* No pixel below 1: no step, no success; bad arguments are refused. */
Test(attack_jsma, empty_domain_and_bad_arguments)
{
    edd_ctx ctx;
    ctx_make(&ctx);
    edd_cnn m;
    model_make(&ctx, &m, 10, 41);
    float *x = malloc(D * sizeof(float)), *adv = malloc(D * sizeof(float));
    for (int d = 0; d < D; d++)
        x[d] = 1.0f;
    int pred, steps;
    uint8_t ok, t;
    cr_assert_eq(edd_predict(&ctx, &m, x, 1, 1, &pred), EDD_OK);
    t = (uint8_t)((pred + 1) % 10);
    edd_jsma_opts o = edd_jsma_defaults();
    o.quiet = 1;
    cr_assert_eq(edd_jsma(&ctx, &m, x, &t, 1, &o, adv, &ok, &steps), EDD_OK, "%s", ctx.err);
    cr_assert_eq(steps, 0);
    cr_assert_eq(ok, 0);
    cr_assert_eq(memcmp(x, adv, D * sizeof(float)), 0);
    t = 10;
    cr_assert_eq(edd_jsma(&ctx, &m, x, &t, 1, &o, adv, &ok, &steps), EDD_ERR_ARG);
    t = 1;
    o.gamma = 1.5f;
    cr_assert_eq(edd_jsma(&ctx, &m, x, &t, 1, &o, adv, &ok, &steps), EDD_ERR_ARG);
    free(x); free(adv);
    edd_cnn_free(&m);
    edd_ctx_free(&ctx);
}

/* Targets: a real class other than the label, a function of (seed, index). */
Test(attack_jsma, targets_are_other_real_classes_and_reproducible)
{
    uint8_t y[500], t1[500], t2[400];
    int hist[10] = {0};
    for (int i = 0; i < 500; i++)
        y[i] = (uint8_t)(i % 10);
    edd_attack_targets(7, y, 500, 0, 10, t1);
    edd_attack_targets(7, y + 100, 400, 100, 10, t2);
    for (int i = 0; i < 500; i++) {
        cr_assert(t1[i] < 10 && t1[i] != y[i]);
        hist[t1[i]]++;
        if (i >= 100)
            cr_assert_eq(t1[i], t2[i - 100]);
    }
    for (int c = 0; c < 10; c++)
        cr_assert(hist[c] > 25 && hist[c] < 85, "class %d drawn %d times of 500", c, hist[c]);
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
