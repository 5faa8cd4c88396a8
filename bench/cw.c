/* bench/cw.c - one CW-L2 iteration (forward, backward down to the input,
 * the tanh chain rule, the AdaDelta step) at batch sizes 32, 100 and 200:
 * seconds per example per iteration, achieved GFLOP/s (forward + backward
 * data through every layer) and that as a fraction of the dnnl_sgemm peak
 * measured in this process; then a whole edd_cw_l2 call at the default
 * batch, to show what the attack loop adds; then PyTorch's same iteration
 * (bench/peers/torch_cnn.py --what cw) at batch 100 on the same model and
 * images, when available. Last line: one JSON object. */
#include "common.h"
#include "edd/cw.h"
#include "edd/internal/cw.h"

#include <math.h>

#define NB 3

static void die(const edd_ctx *ctx)
{
    fprintf(stderr, "bench cw: %s\n", ctx->err);
    exit(1);
}

/* Median seconds of one iteration for a batch of b images. */
static double time_iteration(edd_ctx *ctx, const edd_cnn *m, int b, const float *x, int reps)
{
    edd_plan *p = NULL;
    if (edd_plan_create(ctx, m, b, EDD_PLAN_INPUT_GRAD, 0, &p))
        die(ctx);
    size_t npx = (size_t)b * EDD_IMG_SIZE;
    float *w = malloc(npx * sizeof(float)), *x0 = malloc(npx * sizeof(float)), *xa = malloc(npx * sizeof(float));
    float *g = malloc(npx * sizeof(float)), *s1 = calloc(npx, sizeof(float)), *s2 = calloc(npx, sizeof(float));
    float *z = malloc((size_t)b * m->k * sizeof(float)), *dz = malloc((size_t)b * m->k * sizeof(float));
    double *c = malloc((size_t)b * sizeof(double)), *loss = malloc((size_t)b * sizeof(double));
    double *l2 = malloc((size_t)b * sizeof(double));
    uint8_t *t = malloc((size_t)b);
    for (size_t j = 0; j < npx; j++) {
        w[j] = (float)atanh((2.0 * x[j] - 1.0) * 0.999999);
        x0[j] = x[j];
    }
    for (int i = 0; i < b; i++) {
        c[i] = 1.0;
        t[i] = (uint8_t)(i % m->k);
    }
    double ts[64];
    if (reps > 64)
        reps = 64;
    for (int r = -3; r < reps; r++) {
        double t0 = edd_now();
        if (edd_cw_loss_grad(ctx, p, m, w, x0, t, c, 0.0f, 0, loss, l2, z, xa, g, dz))
            die(ctx);
        edd_cw_adadelta_step(w, g, s1, s2, npx, 1.0f, 0.95f, 1e-3f);
        if (r >= 0)
            ts[r] = edd_now() - t0;
    }
    edd_plan_free(p);
    free(w); free(x0); free(xa); free(g); free(s1); free(s2); free(z); free(dz); free(c); free(loss); free(l2);
    free(t);
    return bench_median(ts, reps);
}

int main(void)
{
    bench_begin("cw", 300);
    edd_ctx ctx;
    if (edd_ctx_init(&ctx, 0))
        die(&ctx);
    const int K = 10, batches[NB] = {32, 100, 200}, maxb = 200;
    double peak = bench_sgemm_peak(2048, 7);
    edd_cnn m;
    if (edd_cnn_init(&ctx, &m, K, 0.2f, 0.5f, 1))
        die(&ctx);
    float *x = malloc((size_t)maxb * EDD_IMG_SIZE * sizeof(float));
    for (size_t i = 0; i < (size_t)maxb * EDD_IMG_SIZE; i++)
        x[i] = edd_rng_uniform(42, (uint32_t)i);
    const double flops = 4.0 * edd_cnn_fwd_macs(K); /* forward + backward data, 2 FLOPs per MAC each */
    printf("threads %d, sgemm peak %.1f GFLOP/s (2048^3, same run), %.2f MFLOP per image per iteration\n",
           ctx.nthreads, peak, flops / 1e6);
    double spe[NB], gf[NB];
    for (int i = 0; i < NB; i++) {
        double s = time_iteration(&ctx, &m, batches[i], x, bench_quick() ? 5 : 15);
        spe[i] = s / batches[i];
        gf[i] = flops / spe[i] / 1e9;
        printf("batch %3d: %.1f us per example per iteration, %.1f GFLOP/s = %.1f%% of sgemm peak\n", batches[i],
               1e6 * spe[i], gf[i], 100 * gf[i] / peak);
    }
    /* The whole attack: 200 images, 1 binary-search step of 30 iterations, no early abort. */
    const int n = 200, iters = bench_quick() ? 5 : 30;
    edd_cw_opts o;
    edd_cw_opts_default(&o);
    o.binary_search_steps = 1;
    o.max_iterations = iters;
    o.abort_early = 0;
    o.quiet = 1;
    uint8_t *t = malloc(n), *s = malloc(n);
    float *adv = malloc((size_t)n * EDD_IMG_SIZE * sizeof(float));
    for (int i = 0; i < n; i++)
        t[i] = (uint8_t)(i % K);
    double t0 = edd_now();
    if (edd_cw_l2(&ctx, &m, x, t, n, &o, adv, s))
        die(&ctx);
    double whole = (edd_now() - t0) / ((double)n * iters);
    printf("edd_cw_l2, batch %d: %.1f us per example per iteration (plans, success checks and all)\n", o.batch,
           1e6 * whole);
    /* PyTorch: the same iteration on the same model, images and targets at batch 100. */
    char tjson[1024], torch_s[32] = "null", ratio[32] = "null";
    double torch_us, edd_us = 1e6 * spe[1];
    if (bench_torch_on(&ctx, "cw", &m, x, t, batches[1], tjson, sizeof tjson) == 0) {
        torch_us = bench_json_num(tjson, "cw_us_per_example_iter");
        snprintf(torch_s, sizeof torch_s, "%.1f", torch_us);
        snprintf(ratio, sizeof ratio, "%.2f", torch_us / edd_us);
        printf("pytorch, batch %d, same model and images: %.1f us per example per iteration: edd is %.2fx faster\n",
               batches[1], torch_us, torch_us / edd_us);
    } else {
        printf("pytorch: not measured\n");
    }
    printf("{\"bench\":\"cw\",\"threads\":%d,\"sgemm_gflops\":%.1f,\"s_per_ex_iter_b32\":%.3e,"
           "\"s_per_ex_iter_b100\":%.3e,\"s_per_ex_iter_b200\":%.3e,\"gflops_b32\":%.1f,\"gflops_b100\":%.1f,"
           "\"gflops_b200\":%.1f,\"frac_peak_b32\":%.3f,\"frac_peak_b100\":%.3f,\"frac_peak_b200\":%.3f,"
           "\"attack_s_per_ex_iter\":%.3e,\"edd_us_per_ex_iter_b100\":%.1f,\"torch_us_per_ex_iter_b100\":%s,"
           "\"torch_over_edd\":%s}\n",
           ctx.nthreads, peak, spe[0], spe[1], spe[2], gf[0], gf[1], gf[2], gf[0] / peak, gf[1] / peak, gf[2] / peak,
           whole, edd_us, torch_s, ratio);
    free(x); free(t); free(s); free(adv);
    edd_cnn_free(&m);
    edd_ctx_free(&ctx);
    return 0;
}
