/* test_square.c - the Square attack (src/attacks/square.c, square_l2.c):
 * the square-size schedule against the reference's worked by hand; every
 * point inside the eps-ball (L-inf and L2) and the box, with its query
 * count; the per-query trace never rising and ending at the loss of the
 * point returned; run-to-run identity and independence of the batching;
 * the argument checks; and on a briefly trained model, far more images
 * misclassified than uniform noise in the same ball reaches. */
#include <criterion/criterion.h>

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "edd/eval.h"
#include "edd/square.h"
#include "edd/train.h"
#include "edd/internal/objective.h"
#include "testutil.h"

TestSuite(square, .timeout = 300);

#define D EDD_IMG_SIZE

/* Margins (n) of n images on m, each from an INFER plan of batch 1. */
static void margins1(edd_ctx *ctx, const edd_cnn *m, const float *x, const uint8_t *y, size_t n, double *out)
{
    edd_plan *p;
    float z[16];
    cr_assert_eq(edd_plan_create(ctx, m, 1, EDD_PLAN_INFER, 0, &p), EDD_OK, "%s", ctx->err);
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(edd_plan_forward(ctx, p, m, x + i * D, NULL, z), EDD_OK, "%s", ctx->err);
        out[i] = edd_margin(z, m->k, EDD_N_REAL, y[i], NULL, NULL);
    }
    edd_plan_free(p);
}

/* y[i] = the real class of largest logit of image i on m, plus shift[i]
 * (mod 10): shift 0 makes an image the attack must work on, others one
 * that is misclassified from the start. */
static void labels_from(edd_ctx *ctx, const edd_cnn *m, const float *x, size_t n, const int *shift, uint8_t *y)
{
    edd_plan *p;
    float z[16];
    cr_assert_eq(edd_plan_create(ctx, m, 1, EDD_PLAN_INFER, 0, &p), EDD_OK, "%s", ctx->err);
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(edd_plan_forward(ctx, p, m, x + i * D, NULL, z), EDD_OK, "%s", ctx->err);
        y[i] = (uint8_t)((edd_argmax(z, EDD_N_REAL) + (shift ? shift[i] : 0)) % EDD_N_REAL);
    }
    edd_plan_free(p);
}

static edd_square_opts opts(int ord, float eps, int queries, int restarts)
{
    edd_square_opts o;
    edd_square_opts_default(&o);
    o.ord = ord;
    o.eps = eps;
    o.queries = queries;
    o.restarts = restarts;
    o.quiet = 1;
    return o;
}

/* ---------------------------------------------------------------- schedule */

/* p_selection of the reference at 10,000 queries, p_init 0.8: p halves
 * after iterations 10, 50, 200, ..., 8000; s = round(sqrt(784 p)), half
 * to even: 25, 18 (17.71), 13 (12.52), 9 (8.85), 6 (6.26), 4 (4.43), 3
 * (3.13), 2 (2.21), 2 (1.565), 1 (1.107); L2 takes odd sides >= 3. At
 * 1,000 queries the same steps come 10 times sooner; p_init 1 gives 28,
 * cut to 27 so that a position remains. */
Test(square, schedule_by_hand)
{
    static const struct {
        int it, linf, l2;
    } at10k[] = {{0, 25, 25},   {10, 25, 25},  {11, 18, 19},  {50, 18, 19},  {51, 13, 13},  {201, 9, 9},
                 {501, 6, 7},   {1001, 4, 5},  {2001, 3, 3},  {4001, 2, 3},  {6000, 2, 3},  {6001, 2, 3},
                 {8000, 2, 3},  {8001, 1, 3},  {9999, 1, 3}};
    for (size_t k = 0; k < sizeof at10k / sizeof at10k[0]; k++) {
        cr_assert_eq(edd_square_side(0, 0.8f, 10000, at10k[k].it), at10k[k].linf, "L-inf it %d", at10k[k].it);
        cr_assert_eq(edd_square_side(2, 0.8f, 10000, at10k[k].it), at10k[k].l2, "L2 it %d", at10k[k].it);
    }
    cr_assert_eq(edd_square_side(0, 0.8f, 1000, 1), 25);
    cr_assert_eq(edd_square_side(0, 0.8f, 1000, 2), 18);
    cr_assert_eq(edd_square_side(0, 0.8f, 1000, 999), 1);
    cr_assert_eq(edd_square_side(0, 1.0f, 5000, 0), 27);
    cr_assert_eq(edd_square_side(2, 1.0f, 5000, 0), 27);
    cr_assert_eq(edd_square_side(0, 1e-4f, 5000, 0), 1);
}

/* ---------------------------------------------------------------- ball, queries */

/* Every point lies in the box and the eps-ball around x (L-inf: within
 * float rounding of x +- eps; L2: norm <= eps (1 + 1e-5)); an image with 0
 * queries is one whose margin at x already succeeds, and its point is x;
 * every other image moved and spent 1 .. restarts * (queries + 1) passes. */
static void check_ball(int ord, float eps)
{
    edd_ctx ctx;
    ctx_make(&ctx);
    edd_cnn m;
    model_make(&ctx, &m, 11, 51);
    const size_t n = 10;
    float *x = images_make(n, 52), *adv = malloc(n * D * sizeof(float));
    uint8_t y[10];
    int q[10], shift[10] = {0, 3, 0, 1, 0, 7, 0, 0, 2, 0};
    double m0[10];
    labels_from(&ctx, &m, x, n, shift, y);
    edd_square_opts o = opts(ord, eps, 60, 2);
    cr_assert_eq(edd_square(&ctx, &m, x, y, n, &o, adv, q), EDD_OK, "%s", ctx.err);
    margins1(&ctx, &m, x, y, n, m0);
    int attacked = 0;
    for (size_t i = 0; i < n; i++) {
        double l2 = 0, linf = 0;
        for (int j = 0; j < D; j++) {
            float a = adv[i * D + j], xv = x[i * D + j];
            cr_assert(a >= 0.0f && a <= 1.0f, "image %zu pixel %d = %g outside the box", i, j, a);
            l2 += ((double)a - xv) * ((double)a - xv);
            linf = fmax(linf, fabs((double)a - xv));
        }
        if (ord == 0)
            cr_assert_leq(linf, eps + 1e-6, "image %zu: L-inf distance %g > eps %g", i, linf, eps);
        else
            cr_assert_leq(sqrt(l2), eps * (1 + 1e-5), "image %zu: L2 distance %g > eps %g", i, sqrt(l2), eps);
        cr_assert_eq(q[i] == 0, m0[i] > EDD_PGD_STOP_MARGIN, "image %zu: %d queries, margin %g at x", i, q[i], m0[i]);
        if (q[i] == 0) {
            cr_assert_eq(l2, 0.0, "image %zu was not attacked but moved", i);
            continue;
        }
        attacked++;
        cr_assert_leq(q[i], o.restarts * (o.queries + 1), "image %zu: %d queries", i, q[i]);
        cr_assert_gt(l2, 0.0, "image %zu did not move", i);
    }
    cr_assert_gt(attacked, 0, "every image succeeded at x: nothing tested");
    free(x); free(adv);
    edd_cnn_free(&m);
    edd_ctx_free(&ctx);
}

Test(square, linf_stays_in_the_ball_and_the_box) { check_ball(0, 0.1f); }
Test(square, l2_stays_in_the_ball_and_the_box) { check_ball(2, 1.5f); }

/* ---------------------------------------------------------------- trace */

/* With a trace: each restart's row of an image is all NaN (a restart it
 * did not run) or a loss that never rises from its start; an image that
 * succeeded ends a row below -EDD_PGD_STOP_MARGIN and runs no later
 * restart, one that did not spent every query of every restart; the
 * lowest final loss of its rows is the loss of adv, recomputed here at
 * batch 1 (up to oneDNN's rounding); and the search lowered some loss. */
static void check_trace(int ord, float eps)
{
    edd_ctx ctx;
    ctx_make(&ctx);
    edd_cnn m;
    model_make(&ctx, &m, 11, 61);
    const size_t n = 8;
    const int Q = 120, R = 2, L = Q + 1;
    float *x = images_make(n, 62), *adv = malloc(n * D * sizeof(float)), *tr = malloc(n * R * L * sizeof(float));
    uint8_t y[8];
    int q[8], lowered = 0, succeeded = 0, shift[8] = {0, 0, 0, 0, 0, 0, 0, 4};
    labels_from(&ctx, &m, x, n, shift, y);
    double ma[8];
    edd_square_opts o = opts(ord, eps, Q, R);
    o.trace = tr;
    cr_assert_eq(edd_square(&ctx, &m, x, y, n, &o, adv, q), EDD_OK, "%s", ctx.err);
    margins1(&ctx, &m, adv, y, n, ma);
    for (size_t i = 0; i < n; i++) {
        double low = INFINITY;
        int runs = 0, success = 0, spent = 0;
        for (int r = 0; r < R; r++) {
            const float *row = tr + (i * R + (size_t)r) * L;
            if (isnan(row[0])) {
                for (int t = 0; t < L; t++)
                    cr_assert(isnan(row[t]), "image %zu restart %d: NaN start, query %d = %g", i, r, t, row[t]);
                continue;
            }
            cr_assert_not(success, "image %zu ran restart %d after succeeding", i, r);
            runs++;
            for (int t = 1; t < L; t++) {
                cr_assert_leq(row[t], row[t - 1], "image %zu restart %d: loss %g after query %d, %g before", i, r,
                              row[t], t, row[t - 1]);
                lowered += row[t] < row[t - 1];
            }
            low = fmin(low, row[Q]);
            success = row[Q] < -EDD_PGD_STOP_MARGIN;
            spent += L;
        }
        succeeded += success;
        if (!runs) {
            cr_assert_eq(q[i], 0, "image %zu: no restart ran but %d queries", i, q[i]);
            continue;
        }
        if (success)
            cr_assert(q[i] > spent - L && q[i] <= spent, "image %zu: %d queries over %d restarts", i, q[i], runs);
        else
            cr_assert_eq(q[i], R * L, "image %zu failed after %d queries", i, q[i]);
        cr_assert_float_eq(-ma[i], low, 1e-4 * (1 + fabs(low)), "image %zu: loss %g at adv, %g traced", i, -ma[i],
                           low);
    }
    fprintf(stderr, "square trace ord %d eps %g: %zu images, %d succeeded, %d queries lowered a loss\n", ord, eps, n,
            succeeded, lowered);
    cr_assert_gt(lowered, 0, "no query lowered a loss");
    cr_assert(succeeded > 0 && succeeded < (int)n, "%d of %zu images succeeded: a path is untested", succeeded, n);
    free(x); free(adv); free(tr);
    edd_cnn_free(&m);
    edd_ctx_free(&ctx);
}

Test(square, linf_trace_never_rises_and_ends_at_adv) { check_trace(0, 0.1f); }
Test(square, l2_trace_never_rises_and_ends_at_adv) { check_trace(2, 2.0f); }

/* ---------------------------------------------------------------- determinism */

/* The same run twice is bit-identical (points, queries, trace); run again
 * with a forward pass per image (max_rows 1) in place of pieces of 8, 4
 * and 1 rows, each image's trace agrees to oneDNN's rounding (1e-5) at
 * every query, and its point and queries are the same bits: a candidate is
 * kept on a strict comparison of margins, which the rounding flips only
 * on a near-tie, and none occurs here. Two threads give the same bits
 * (the candidates are drawn per image, and oneDNN's kernels here split
 * the batch, not the sums), and so does the first image alone (the same
 * key). */
static void check_determinism(int ord, float eps)
{
    edd_ctx ctx;
    ctx_make(&ctx);
    edd_cnn m;
    model_make(&ctx, &m, 11, 71);
    const size_t n = 13;
    const int Q = 60, L = Q + 1;
    float *x = images_make(n, 72);
    float *a = malloc(n * D * sizeof(float)), *b = malloc(n * D * sizeof(float)), *c = malloc(n * D * sizeof(float));
    float *ta = malloc(n * L * sizeof(float)), *tb = malloc(n * L * sizeof(float)), *tc = malloc(n * L * sizeof(float));
    uint8_t y[13];
    int qa[13], qb[13], qc[13];
    labels_from(&ctx, &m, x, n, NULL, y);
    edd_square_opts o = opts(ord, eps, Q, 1);
    o.seed = 5;
    o.trace = ta;
    cr_assert_eq(edd_square(&ctx, &m, x, y, n, &o, a, qa), EDD_OK, "%s", ctx.err);
    o.trace = tb;
    cr_assert_eq(edd_square(&ctx, &m, x, y, n, &o, b, qb), EDD_OK, "%s", ctx.err);
    cr_assert(!memcmp(a, b, n * D * sizeof(float)), "ord %d: two runs' points differ", ord);
    cr_assert(!memcmp(qa, qb, sizeof qa), "ord %d: two runs' queries differ", ord);
    cr_assert(!memcmp(ta, tb, n * L * sizeof(float)), "ord %d: two runs' traces differ", ord);
    o.trace = tc;
    o.max_rows = 1;
    cr_assert_eq(edd_square(&ctx, &m, x, y, n, &o, c, qc), EDD_OK, "%s", ctx.err);
    for (size_t i = 0; i < n; i++) {
        cr_assert(!memcmp(a + i * D, c + i * D, D * sizeof(float)), "ord %d image %zu: batch 1 moved the point", ord, i);
        cr_assert_eq(qa[i], qc[i], "ord %d image %zu: %d queries, %d at batch 1", ord, i, qa[i], qc[i]);
        for (int t = 0; t < L; t++)
            cr_assert(isnan(ta[i * L + t]) ? isnan(tc[i * L + t])
                                           : fabsf(ta[i * L + t] - tc[i * L + t]) <= 1e-5f * (1 + fabsf(ta[i * L + t])),
                      "ord %d image %zu query %d: loss %g, %g at batch 1", ord, i, t, ta[i * L + t], tc[i * L + t]);
    }
    o.trace = NULL;
    o.max_rows = 0;
    omp_set_num_threads(2);
    cr_assert_eq(edd_square(&ctx, &m, x, y, n, &o, c, qc), EDD_OK, "%s", ctx.err);
    omp_set_num_threads(1);
    cr_assert(!memcmp(a, c, n * D * sizeof(float)) && !memcmp(qa, qc, sizeof qa), "ord %d: 2 threads differ", ord);
    cr_assert_eq(edd_square(&ctx, &m, x, y, 1, &o, c, qc), EDD_OK, "%s", ctx.err);
    cr_assert(!memcmp(a, c, D * sizeof(float)) && qa[0] == qc[0], "ord %d: image 0 alone differs", ord);
    free(x); free(a); free(b); free(c); free(ta); free(tb); free(tc);
    edd_cnn_free(&m);
    edd_ctx_free(&ctx);
}

Test(square, linf_deterministic_and_batch_free) { check_determinism(0, 0.03f); }
Test(square, l2_deterministic_and_batch_free) { check_determinism(2, 0.5f); }

/* ---------------------------------------------------------------- arguments */

Test(square, rejects_bad_arguments)
{
    edd_ctx ctx;
    ctx_make(&ctx);
    edd_cnn m;
    model_make(&ctx, &m, 11, 81);
    float *x = images_make(2, 82), adv[2 * D];
    uint8_t y[2] = {3, 4}, bad[2] = {3, 10};
    static const struct {
        const char *field, *want;
    } cases[] = {{"ord", "ord 1"},         {"eps<0", "eps -0.1"},      {"eps", "eps nan"},
                 {"queries", "queries 0"}, {"many", "queries 33554432"}, {"p0", "p_init 0"},
                 {"p>1", "p_init 1.5"},    {"pnan", "p_init nan"},     {"restarts", "restarts 0"},
                 {"label", "label 10 of image 1"}, {"n_real", "n_real 1"}, {"clip", "clip [1, 0]"}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        edd_square_opts o = opts(0, 0.3f, 10, 1);
        const uint8_t *yy = y;
        const char *f = cases[c].field;
        if (!strcmp(f, "ord")) o.ord = 1;
        if (!strcmp(f, "eps<0")) o.eps = -0.1f;
        if (!strcmp(f, "eps")) o.eps = NAN;
        if (!strcmp(f, "queries")) o.queries = 0;
        if (!strcmp(f, "many")) o.queries = 2 * EDD_SQUARE_MAX_QUERIES;
        if (!strcmp(f, "p0")) o.p_init = 0.0f;
        if (!strcmp(f, "p>1")) o.p_init = 1.5f;
        if (!strcmp(f, "pnan")) o.p_init = NAN;
        if (!strcmp(f, "restarts")) o.restarts = 0;
        if (!strcmp(f, "label")) yy = bad;
        if (!strcmp(f, "n_real")) o.n_real = 1;
        if (!strcmp(f, "clip")) o.clip_min = 1.0f, o.clip_max = 0.0f;
        cr_assert_eq(edd_square(&ctx, &m, x, yy, 2, &o, adv, NULL), EDD_ERR_ARG, "%s", f);
        cr_assert(strstr(ctx.err, cases[c].want), "%s: '%s' does not say '%s'", f, ctx.err, cases[c].want);
    }
    free(x);
    edd_cnn_free(&m);
    edd_ctx_free(&ctx);
}

/* ---------------------------------------------------------------- trained model */

/* A K = 10 model trained 1 epoch on 3000 MNIST images; on 100 test images
 * at eps 0.3 (L-inf), Square with 1000 queries misclassifies, by the one
 * scoring rule, more than half of the images, and of those the model gets
 * right when clean it breaks more than half, and more than 5 times as
 * many as one draw of uniform noise in the same ball; every image it
 * attacked took fewer queries on average than the budget. */
Test(square, trained_model_far_beyond_noise)
{
    char dir[4096];
    mnist_dir_or_skip(dir, sizeof dir);
    edd_ctx ctx;
    ctx_make(&ctx);
    edd_dataset tr, te;
    cr_assert_eq(edd_dataset_load(&ctx, dir, 1, 3000, &tr), EDD_OK, "%s", ctx.err);
    cr_assert_eq(edd_dataset_load(&ctx, dir, 0, 100, &te), EDD_OK, "%s", ctx.err);
    edd_cnn m;
    cr_assert_eq(edd_cnn_init(&ctx, &m, 10, 0.2f, 0.5f, 1), EDD_OK, "%s", ctx.err);
    edd_train_opts to;
    edd_train_opts_default(&to);
    to.epochs = 1;
    to.quiet = 1;
    cr_assert_eq(edd_train(&ctx, &m, &tr, &to, NULL), EDD_OK, "%s", ctx.err);
    const size_t n = te.n;
    const float eps = 0.3f;
    float *sa = malloc(n * D * sizeof(float)), *na = malloc(n * D * sizeof(float));
    int *q = malloc(n * sizeof(int)), *p0 = malloc(n * sizeof(int)), *ps = malloc(n * sizeof(int)),
        *pn = malloc(n * sizeof(int));
    uint64_t key = edd_rng_key(91, 0, 0);
    for (size_t j = 0; j < n * D; j++)
        na[j] = fminf(fmaxf(te.x[j] + urand(key, (uint32_t)j, -eps, eps), 0.0f), 1.0f);
    edd_square_opts o = opts(0, eps, 1000, 1);
    cr_assert_eq(edd_square(&ctx, &m, te.x, te.y, n, &o, sa, q), EDD_OK, "%s", ctx.err);
    edd_attack_goal goal;
    edd_attack_goal_default(&goal);
    edd_attack_scores ss;
    cr_assert_eq(edd_attack_eval(&ctx, &m, &m, te.x, te.y, n, sa, &goal, &ss), EDD_OK, "%s", ctx.err);
    cr_assert_eq(edd_predict(&ctx, &m, te.x, n, 256, p0), EDD_OK, "%s", ctx.err);
    cr_assert_eq(edd_predict(&ctx, &m, sa, n, 256, ps), EDD_OK, "%s", ctx.err);
    cr_assert_eq(edd_predict(&ctx, &m, na, n, 256, pn), EDD_OK, "%s", ctx.err);
    int correct = 0, by_square = 0, by_noise = 0, attacked = 0;
    double qs = 0;
    for (size_t i = 0; i < n; i++) {
        qs += q[i];
        attacked += q[i] > 0;
        if (p0[i] != te.y[i])
            continue;
        correct++;
        by_square += edd_misclassified(m.k, ps[i], te.y[i]);
        by_noise += edd_misclassified(m.k, pn[i], te.y[i]);
    }
    fprintf(stderr, "square eps %g, %zu images: misclassified %.2f; of %d right when clean, Square breaks %d (%.1f "
            "queries per attacked image), uniform noise %d\n", eps, n, ss.misclassified, correct, by_square,
            attacked ? qs / attacked : 0.0, by_noise);
    cr_assert_gt(ss.misclassified, 0.5, "Square misclassifies only %g", ss.misclassified);
    cr_assert_gt(2 * by_square, correct, "Square breaks %d of %d", by_square, correct);
    cr_assert_gt(by_square, 5 * by_noise, "Square breaks %d, noise %d", by_square, by_noise);
    cr_assert(attacked > 0 && qs / attacked < o.queries, "%d attacked, %g queries", attacked, qs);
    free(sa); free(na); free(q); free(p0); free(ps); free(pn);
    edd_cnn_free(&m);
    edd_dataset_free(&tr);
    edd_dataset_free(&te);
    edd_ctx_free(&ctx);
}
