/* test_attacks_jsma.c - JSMA against independent references: a
 * brute-force O(d^2) pair search over the same alpha and beta, the
 * full-Jacobian path, the default path against the pair search on
 * -alpha, and its arguments and targets. Small random networks
 * (edd_cnn_init, random biases), dropout off. */
#include <criterion/criterion.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "edd/attacks.h"
#include "edd/eval.h"
#include "edd/internal/simd.h"
#include "edd/train.h"
#include "testutil.h"

TestSuite(attack_jsma, .timeout = 180);

#define D EDD_IMG_SIZE

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
    edd_jsma_opts o;
    edd_jsma_opts_default(&o);
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
    edd_jsma_opts o;
    edd_jsma_opts_default(&o);
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
    edd_jsma_opts o;
    edd_jsma_opts_default(&o);
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
    edd_jsma_opts o;
    edd_jsma_opts_default(&o);
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
