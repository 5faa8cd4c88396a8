/* test_profile.c - issue 28, item 1: the per-primitive profile
 * (edd/profile.h). Each primitive's FLOPs per call are the formulas' for
 * the paper's CNN, exactly; a step's FLOPs add up to the training and
 * inference counts; the times are positive and the shares of a step sum
 * to at most 1; profiling on or off changes no bit of a pass's outputs;
 * `edd info --profile` prints every plan kind at exit 0 and refuses the
 * options it does not take. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "edd/profile.h"
#include "testutil.h"

TestSuite(profile, .timeout = 120);

/* Conv: 2*N*OC*OH*OW*IC*KH*KW; inner product: 2*N*OC*prod(src dims after
 * N); matmul: 2*M*N*K (conv1 in space-to-depth form: 4 channels, 4x4). */
static const struct {
    const char *name;
    int kind, batch;
    const char *prim;
    double flops;
} flop_cases[] = {
    {"train conv1 fwd", EDD_PLAN_TRAIN, 128, "conv1 forward_training", 2.0 * 128 * 64 * 14 * 14 * 1 * 8 * 8},
    {"train conv1 bwd_w", EDD_PLAN_TRAIN, 128, "conv1 backward_weights", 2.0 * 128 * 64 * 14 * 14 * 1 * 8 * 8},
    {"train conv2 fwd", EDD_PLAN_TRAIN, 128, "conv2 forward_training", 2.0 * 128 * 128 * 5 * 5 * 64 * 6 * 6},
    {"train conv2 bwd_d", EDD_PLAN_TRAIN, 128, "conv2 backward_data", 2.0 * 128 * 128 * 5 * 5 * 64 * 6 * 6},
    {"train conv2 bwd_w", EDD_PLAN_TRAIN, 128, "conv2 backward_weights", 2.0 * 128 * 128 * 5 * 5 * 64 * 6 * 6},
    {"train conv3 fwd (ip)", EDD_PLAN_TRAIN, 128, "conv3 forward_training", 2.0 * 128 * 128 * (128 * 5 * 5)},
    {"train conv3 bwd_d (ip)", EDD_PLAN_TRAIN, 128, "conv3 backward_data", 2.0 * 128 * 128 * (128 * 5 * 5)},
    {"train conv3 bwd_w (ip)", EDD_PLAN_TRAIN, 128, "conv3 backward_weights", 2.0 * 128 * 128 * (128 * 5 * 5)},
    {"train fc fwd", EDD_PLAN_TRAIN, 128, "fc forward_training", 2.0 * 128 * 10 * 128},
    {"train fc bwd_d", EDD_PLAN_TRAIN, 128, "fc backward_data", 2.0 * 128 * 10 * 128},
    {"train fc bwd_w", EDD_PLAN_TRAIN, 128, "fc backward_weights", 2.0 * 128 * 10 * 128},
    {"infer conv1 s2d", EDD_PLAN_INFER, 128, "conv1 forward_inference", 2.0 * 128 * 64 * 14 * 14 * 4 * 4 * 4},
    {"mc conv2", EDD_PLAN_INFER, 320, "conv2 forward_inference", 2.0 * 320 * 128 * 5 * 5 * 64 * 6 * 6},
    {"mc fc", EDD_PLAN_INFER, 320, "fc forward_inference", 2.0 * 320 * 10 * 128},
    {"grad conv2 matmul", EDD_PLAN_INPUT_GRAD, 100, "conv2 input gradient: matmul", 2.0 * (16 * 25) * 2304 * 128},
    {"grad conv2 matmul last", EDD_PLAN_INPUT_GRAD, 100, "conv2 input gradient: matmul (last chunk)",
     2.0 * (4 * 25) * 2304 * 128},
    {"grad conv1 matmul", EDD_PLAN_INPUT_GRAD, 100, "conv1 input gradient: matmul", 2.0 * (16 * 196) * 64 * 64},
    {"grad conv1 matmul last", EDD_PLAN_INPUT_GRAD, 100, "conv1 input gradient: matmul (last chunk)",
     2.0 * (4 * 196) * 64 * 64},
    {"grad conv3 bwd_d", EDD_PLAN_INPUT_GRAD, 100, "conv3 backward_data", 2.0 * 100 * 128 * (128 * 5 * 5)},
};

Test(profile, flops_per_call_are_the_formulas)
{
    edd_ctx ctx = ctx_threads_new(1);
    edd_cnn m;
    cr_assert_eq(edd_cnn_init(&ctx, &m, 10, 0.2f, 0.5f, 1), EDD_OK);
    edd_prim_prof rows[EDD_PLAN_MAX_PRIMS];
    for (size_t c = 0; c < sizeof flop_cases / sizeof flop_cases[0]; c++) {
        edd_plan *p;
        cr_assert_eq(edd_plan_create(&ctx, &m, flop_cases[c].batch, flop_cases[c].kind, 0, &p), EDD_OK, "%s", ctx.err);
        int n = edd_plan_profile_rows(p, rows, EDD_PLAN_MAX_PRIMS), found = 0;
        for (int i = 0; i < n; i++) {
            if (rows[i].reorder)
                cr_assert(rows[i].flops == 0 && rows[i].bytes > 0, "%s: %s", flop_cases[c].name, rows[i].prim.name);
            if (strcmp(rows[i].prim.name, flop_cases[c].prim))
                continue;
            found = 1;
            cr_assert(rows[i].flops == flop_cases[c].flops && !rows[i].reorder && rows[i].calls == 0,
                      "%s: %s has %.0f FLOPs per call, expected %.0f", flop_cases[c].name, flop_cases[c].prim,
                      rows[i].flops, flop_cases[c].flops);
        }
        cr_assert(found, "%s: no primitive '%s' among %d", flop_cases[c].name, flop_cases[c].prim, n);
        edd_plan_free(p);
    }
    edd_cnn_free(&m);
    edd_ctx_free(&ctx);
}

/* FLOPs of a step: each primitive's per call times its calls per step. */
static double step_flops(const edd_profile *p)
{
    double f = 0.0;
    for (int j = 0; j < p->nrows; j++)
        f += p->rows[j].flops * (double)p->rows[j].calls / p->steps;
    return f;
}

Test(profile, every_kind_times_and_shares)
{
    edd_ctx ctx = ctx_threads_new(1);
    edd_profile_spec specs[8];
    int ns = edd_profile_specs(10, specs, 8);
    cr_assert_eq(ns, 5);
    static const char *names[] = {"train", "inference", "mc", "input_grad", "jacobian"};
    static edd_profile pr;
    for (int i = 0; i < ns; i++) {
        cr_assert_str_eq(specs[i].name, names[i]);
        cr_assert_eq(edd_profile_run(&ctx, &specs[i], 10, 2, &pr), EDD_OK, "%s", ctx.err);
        cr_assert(pr.nrows > 0 && pr.step_seconds > 0, "%s: %d rows, step %g s", names[i], pr.nrows, pr.step_seconds);
        double share = 0.0;
        for (int j = 0; j < pr.nrows; j++) {
            cr_assert(pr.rows[j].calls > 0 && pr.rows[j].seconds > 0, "%s: %s ran %ld times in %g s", names[i],
                      pr.rows[j].prim.name, pr.rows[j].calls, pr.rows[j].seconds);
            share += pr.rows[j].seconds / pr.steps / pr.step_seconds;
        }
        double outside = 1.0 - pr.onednn_seconds / pr.step_seconds;
        cr_assert(share <= 1.0 && outside >= 0.0 && pr.reorder_seconds <= pr.onednn_seconds + 1e-12,
                  "%s: primitives %g of the step, outside %g", names[i], share, outside);
    }
    /* The paper's CNN at K = 10: a training step of 128 images, an inference image. */
    cr_assert_eq(edd_profile_run(&ctx, &specs[0], 10, 1, &pr), EDD_OK, "%s", ctx.err);
    cr_assert(step_flops(&pr) == 6388908032.0, "training step: %.0f FLOPs", step_flops(&pr));
    cr_assert_eq(edd_profile_run(&ctx, &specs[1], 10, 1, &pr), EDD_OK, "%s", ctx.err);
    cr_assert(step_flops(&pr) == 128 * 17172992.0, "inference step: %.0f FLOPs", step_flops(&pr));
    edd_profile_spec bad = specs[0];
    bad.rep = 10;
    cr_assert_eq(edd_profile_run(&ctx, &bad, 10, 1, &pr), EDD_ERR_ARG);
    cr_assert(strstr(ctx.err, "10 rows") && strstr(ctx.err, "input-gradient"), "%s", ctx.err);
    cr_assert_eq(edd_profile_run(&ctx, &specs[1], 10, 0, &pr), EDD_ERR_ARG);
    cr_assert(strstr(ctx.err, "0 steps") && strstr(ctx.err, "1..1000"), "%s", ctx.err);
    edd_ctx_free(&ctx);
}

/* A pass's outputs (z; grad for TRAIN, dx for INPUT_GRAD) with p's
 * profiling on or off, on the same model and images. */
static void pass(edd_ctx *ctx, edd_plan *p, const edd_cnn *m, int kind, int prof, const float *x, float *z,
                 float *grad, float *dx)
{
    edd_plan_profile(p, prof);
    int b = edd_plan_batch(p);
    edd_dropout dr = {.on = kind != EDD_PLAN_INPUT_GRAD, .seed = 3, .stream = 1};
    cr_assert_eq(edd_plan_forward(ctx, p, m, x, &dr, z), EDD_OK, "%s", ctx->err);
    if (kind == EDD_PLAN_INFER)
        return;
    float *dz = calloc((size_t)b * m->k, sizeof(float));
    for (int i = 0; i < b; i++)
        dz[i * m->k + i % m->k] = 1.0f;
    cr_assert_eq(edd_plan_backward(ctx, p, m, dz, grad, dx), EDD_OK, "%s", ctx->err);
    free(dz);
}

Test(profile, profiling_changes_no_output_bit)
{
    static const struct {
        const char *name;
        int kind, batch;
    } cases[] = {{"train", EDD_PLAN_TRAIN, 32}, {"inference with dropout", EDD_PLAN_INFER, 40},
                 {"input gradient", EDD_PLAN_INPUT_GRAD, 20}};
    edd_ctx ctx = ctx_threads_new(1);
    edd_cnn m;
    cr_assert_eq(edd_cnn_init(&ctx, &m, 10, 0.2f, 0.5f, 1), EDD_OK);
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        int b = cases[c].batch;
        size_t nx = (size_t)b * EDD_IMG_SIZE, nz = (size_t)b * 10;
        float *x = malloc(nx * sizeof(float)), *z[2], *g[2], *dx[2];
        for (size_t i = 0; i < nx; i++)
            x[i] = edd_rng_uniform(5, (uint32_t)i);
        edd_plan *p;
        cr_assert_eq(edd_plan_create(&ctx, &m, b, cases[c].kind, 0, &p), EDD_OK, "%s", ctx.err);
        for (int on = 0; on < 2; on++) {
            z[on] = calloc(nz, sizeof(float));
            g[on] = calloc(m.nparams, sizeof(float));
            dx[on] = calloc(nx, sizeof(float));
            pass(&ctx, p, &m, cases[c].kind, on, x, z[on], g[on], dx[on]);
        }
        cr_assert(!memcmp(z[0], z[1], nz * sizeof(float)), "%s: logits differ with profiling on", cases[c].name);
        cr_assert(!memcmp(g[0], g[1], m.nparams * sizeof(float)), "%s: gradients differ", cases[c].name);
        cr_assert(!memcmp(dx[0], dx[1], nx * sizeof(float)), "%s: input gradients differ", cases[c].name);
        edd_prim_prof rows[EDD_PLAN_MAX_PRIMS];
        int n = edd_plan_profile_rows(p, rows, EDD_PLAN_MAX_PRIMS);
        long calls = 0;
        for (int i = 0; i < n; i++)
            calls += rows[i].calls;
        cr_assert(calls > 0, "%s: profiling on counted no call", cases[c].name);
        for (int on = 0; on < 2; on++)
            free(z[on]), free(g[on]), free(dx[on]);
        free(x);
        edd_plan_free(p);
    }
    edd_cnn_free(&m);
    edd_ctx_free(&ctx);
}

/* `edd info --profile`: every plan kind, and the options it refuses. */
static const struct {
    const char *name;
    const char *args;
    int exit;
    const char *fragments[6];
} cli_cases[] = {
    {"every plan kind", "info --profile --steps 1", 0,
     {"\"kind\":\"train\"", "\"kind\":\"inference\"", "\"kind\":\"mc\"", "\"kind\":\"input_grad\"",
      "\"kind\":\"jacobian\"", "\"sgemm_gflops\":"}},
    {"with --batches", "info --profile --batches 7", 2, {"expected no --batches with it"}},
    {"with --model", "info --profile --model m.edd", 2, {"expected no --model with it"}},
    {"--steps implies --profile", "info --steps 1 --k 11", 0, {"\"kind\":\"jacobian\",\"plan\":\"input_grad\"",
                                                                "\"k\":11,\"images\":16,\"batch\":176"}},
    {"--steps with --model", "info --steps 2 --model m.edd", 2, {"--steps runs each plan kind", "expected no --model"}},
    {"--steps 0", "info --profile --steps 0", 2, {"--steps '0'"}},
};

Test(profile, cli_info_profile)
{
    static char out[1 << 18];
    for (size_t c = 0; c < sizeof cli_cases / sizeof cli_cases[0]; c++) {
        int rc = edd_run(out, sizeof out, cli_cases[c].args);
        cr_assert_eq(rc, cli_cases[c].exit, "%s: edd %s exited %d: %.300s", cli_cases[c].name, cli_cases[c].args, rc,
                     out);
        for (int f = 0; f < 6 && cli_cases[c].fragments[f]; f++)
            cr_assert(strstr(out, cli_cases[c].fragments[f]), "%s: no '%s' in %.300s", cli_cases[c].name,
                      cli_cases[c].fragments[f], out);
    }
}
