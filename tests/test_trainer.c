/* test_trainer.c - training in the primitives' layouts (src/nn/trainer.c,
 * issue 28, item 2): steps taken through a trainer leave m with the bits
 * that the same steps on m's plain arrays give (edd_plan_backward into a
 * plain gradient, edd_optim_step), for Adam and AdaDelta, at 1 and 2
 * threads, over a full and a shorter batch; a bound plan's step runs no
 * forward weight reorder and no weight-gradient reorder where the layouts
 * agree; sync and the errors keep their contracts. */
#include <criterion/criterion.h>

#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "edd/profile.h"
#include "testutil.h"

TestSuite(trainer, .timeout = 120);

#define B 32
#define B_LAST 20

/* The targets of batch s: one-hot labels (i + s) % K. */
static void targets(float *t, int b, int k, int s)
{
    memset(t, 0, (size_t)b * k * sizeof(float));
    for (int i = 0; i < b; i++)
        t[(size_t)i * k + (i + s) % k] = 1.0f;
}

/* steps steps of opt on m, batches of B but the last (B_LAST), dropout on:
 * through a trainer (via 1) or on m's plain arrays (via 0). */
static void run(edd_ctx *ctx, edd_cnn *m, edd_opt_kind kind, int steps, int via)
{
    const int k = m->k;
    float *x = images_make(B, 7), *t = malloc(B * k * sizeof(float)), *z = malloc(B * k * sizeof(float)),
          *dz = malloc(B * k * sizeof(float)), *grad = malloc(m->nparams * sizeof(float));
    cr_assert(t && z && dz && grad);
    edd_optim opt;
    edd_optim_default(&opt, kind);
    edd_trainer *tr = NULL;
    edd_plan *p[2] = {NULL, NULL};
    cr_assert_eq(via ? edd_trainer_create(ctx, m, &opt, &tr) : edd_optim_alloc(ctx, &opt, m->nparams), EDD_OK, "%s",
                 ctx->err);
    for (int s = 0; s < steps; s++) {
        const int last = s == steps - 1, b = last ? B_LAST : B;
        if (!p[last])
            cr_assert_eq(edd_plan_create(ctx, m, b, EDD_PLAN_TRAIN, 0, &p[last]), EDD_OK, "%s", ctx->err);
        edd_dropout dr = {.on = 1, .seed = 3, .stream = (uint64_t)s};
        targets(t, b, k, s);
        cr_assert_eq(via ? edd_trainer_forward(ctx, tr, p[last], x, &dr, z) : edd_plan_forward(ctx, p[last], m, x, &dr, z),
                     EDD_OK, "%s", ctx->err);
        edd_loss_xent(z, t, NULL, b, k, NULL, dz);
        if (via) {
            cr_assert_eq(edd_trainer_step(ctx, tr, p[last], dz), EDD_OK, "%s", ctx->err);
        } else {
            cr_assert_eq(edd_plan_backward(ctx, p[last], m, dz, grad, NULL), EDD_OK, "%s", ctx->err);
            edd_optim_step(&opt, m->params, grad);
            m->version++;
        }
    }
    if (via)
        cr_assert_eq(edd_trainer_sync(ctx, tr), EDD_OK, "%s", ctx->err);
    edd_plan_free(p[0]);
    edd_plan_free(p[1]);
    edd_trainer_free(tr);
    if (!via)
        edd_optim_free(&opt);
    free(x), free(t), free(z), free(dz), free(grad);
}

/* The same steps both ways from the same model: the same bits. */
static void same_bits(int threads, edd_opt_kind kind)
{
    edd_ctx ctx = ctx_threads_new(threads);
    edd_cnn a, b;
    model_make(&ctx, &a, 11, 5);
    model_make(&ctx, &b, 11, 5);
    run(&ctx, &a, kind, 4, 0);
    run(&ctx, &b, kind, 4, 1);
    size_t differ = 0, first = 0;
    for (size_t i = 0; i < a.nparams; i++)
        if (memcmp(&a.params[i], &b.params[i], sizeof(float)) && !differ++)
            first = i;
    cr_expect_eq(differ, 0, "%d thread(s), %s: %zu of %zu parameters differ from the plain-array steps (first %zu: "
                 "%.9g against %.9g)", threads, kind == EDD_OPT_ADAM ? "Adam" : "AdaDelta", differ, a.nparams, first,
                 a.params[first], b.params[first]);
    edd_cnn_free(&a);
    edd_cnn_free(&b);
    edd_ctx_free(&ctx);
}

Test(trainer, adam_one_thread_same_bits_as_plain_arrays) { same_bits(1, EDD_OPT_ADAM); }
Test(trainer, adam_two_threads_same_bits_as_plain_arrays) { same_bits(2, EDD_OPT_ADAM); }
Test(trainer, adadelta_same_bits_as_plain_arrays) { same_bits(1, EDD_OPT_ADADELTA); }

/* Calls per step of p's primitives whose name contains what. */
static long calls_of(const edd_plan *p, const char *what)
{
    edd_prim_prof r[EDD_PLAN_MAX_PRIMS];
    int n = edd_plan_profile_rows(p, r, EDD_PLAN_MAX_PRIMS);
    long c = 0;
    for (int i = 0; i < n && i < EDD_PLAN_MAX_PRIMS; i++)
        c += strstr(r[i].prim.name, what) ? r[i].calls : 0;
    return c;
}

/* The first plan's forward runs on the store's layouts: no forward weight
 * reorder; its weight gradients land in them directly wherever backward-
 * weights writes the forward's layout (every layer on the CPUs measured). */
Test(trainer, a_bound_step_reorders_no_forward_weight)
{
    edd_ctx ctx = ctx_threads_new(1);
    edd_cnn m;
    model_make(&ctx, &m, 10, 2);
    edd_optim opt;
    edd_optim_default(&opt, EDD_OPT_ADAM);
    edd_trainer *tr;
    edd_plan *p;
    float *x = images_make(B, 3), z[B * 10], dz[B * 10], t[B * 10];
    targets(t, B, 10, 0);
    cr_assert_eq(edd_trainer_create(&ctx, &m, &opt, &tr), EDD_OK, "%s", ctx.err);
    cr_assert_eq(edd_plan_create(&ctx, &m, B, EDD_PLAN_TRAIN, 0, &p), EDD_OK, "%s", ctx.err);
    edd_plan_profile(p, 1);
    for (int s = 0; s < 3; s++) {
        cr_assert_eq(edd_trainer_forward(&ctx, tr, p, x, NULL, z), EDD_OK, "%s", ctx.err);
        edd_loss_xent(z, t, NULL, B, 10, NULL, dz);
        cr_assert_eq(edd_trainer_step(&ctx, tr, p, dz), EDD_OK, "%s", ctx.err);
    }
    cr_expect_eq(calls_of(p, "weights reorder (forward)"), 0, "a bound step reordered weights for the forward pass");
    edd_plan_prim pr[EDD_PLAN_MAX_PRIMS];
    int n = edd_plan_prims(p, pr, EDD_PLAN_MAX_PRIMS), listed = 0;
    for (int i = 0; i < n && i < EDD_PLAN_MAX_PRIMS; i++)
        listed += strstr(pr[i].name, "weight-gradient reorder") != NULL;
    cr_expect_eq(calls_of(p, "weight-gradient reorder"), 3L * listed, "a listed gradient reorder runs once a step");
    cr_log_info("trainer: %d weight-gradient reorder(s) left, %ld backward-data weight reorder call(s) in 3 steps",
                listed, calls_of(p, "weights reorder (backward)"));
    edd_plan_free(p);
    edd_trainer_free(tr);
    edd_cnn_free(&m);
    free(x);
    edd_ctx_free(&ctx);
}

/* sync bumps m's version once per round of steps and not without one; a
 * bound plan refuses a gradient of m's layout; an unbound one, a step. */
Test(trainer, sync_and_errors_keep_their_contracts)
{
    edd_ctx ctx = ctx_threads_new(1);
    edd_cnn m, other;
    model_make(&ctx, &m, 10, 4);
    model_make(&ctx, &other, 10, 4);
    edd_optim opt;
    edd_optim_default(&opt, EDD_OPT_ADAM);
    edd_trainer *tr, *tr2;
    edd_plan *p, *q, *inf;
    float *x = images_make(B, 3), z[B * 10], dz[B * 10], t[B * 10], *grad = malloc(m.nparams * sizeof(float));
    targets(t, B, 10, 0);
    cr_assert_eq(edd_trainer_create(&ctx, &m, &opt, &tr), EDD_OK, "%s", ctx.err);
    cr_assert_eq(edd_trainer_create(&ctx, &other, &opt, &tr2), EDD_OK, "%s", ctx.err);
    cr_assert_eq(edd_plan_create(&ctx, &m, B, EDD_PLAN_TRAIN, 0, &p), EDD_OK, "%s", ctx.err);
    cr_assert_eq(edd_plan_create(&ctx, &m, B, EDD_PLAN_TRAIN, 0, &q), EDD_OK, "%s", ctx.err);
    cr_assert_eq(edd_plan_create(&ctx, &m, B, EDD_PLAN_INFER, 0, &inf), EDD_OK, "%s", ctx.err);
    const uint64_t v0 = m.version;
    cr_expect_eq(edd_trainer_sync(&ctx, tr), EDD_OK);
    cr_expect_eq(m.version, v0, "a sync with no step changed m");
    cr_expect_eq(edd_trainer_step(&ctx, tr, q, dz), EDD_ERR_ARG, "a step on an unbound plan");
    cr_expect_eq(edd_trainer_forward(&ctx, tr, inf, x, NULL, z), EDD_ERR_ARG, "an INFER plan bound");
    cr_assert_eq(edd_trainer_forward(&ctx, tr, p, x, NULL, z), EDD_OK, "%s", ctx.err);
    cr_expect_eq(edd_trainer_forward(&ctx, tr2, p, x, NULL, z), EDD_ERR_ARG, "a plan bound to two trainers");
    edd_loss_xent(z, t, NULL, B, 10, NULL, dz);
    cr_expect_eq(edd_plan_backward(&ctx, p, &m, dz, grad, NULL), EDD_ERR_ARG, "m's layout into a bound plan");
    cr_expect_not_null(strstr(ctx.err, "edd_trainer_step"), "%s", ctx.err);
    float before = m.params[0];
    cr_assert_eq(edd_trainer_step(&ctx, tr, p, dz), EDD_OK, "%s", ctx.err);
    cr_expect_eq(m.params[0], before, "a step wrote m before a sync");
    cr_assert_eq(edd_trainer_sync(&ctx, tr), EDD_OK, "%s", ctx.err);
    cr_expect_eq(m.version, v0 + 1, "a sync after a step bumps m's version once");
    cr_expect_neq(m.params[0], before, "the sync did not bring the step to m");
    cr_assert_eq(edd_trainer_sync(&ctx, tr), EDD_OK, "%s", ctx.err);
    cr_expect_eq(m.version, v0 + 1, "a second sync with no step bumped m's version");
    edd_plan_free(p), edd_plan_free(q), edd_plan_free(inf);
    edd_trainer_free(tr), edd_trainer_free(tr2);
    edd_cnn_free(&m), edd_cnn_free(&other);
    free(x), free(grad);
    edd_ctx_free(&ctx);
}
