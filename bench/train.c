/* bench/train.c - training and inference throughput of the full CNN at
 * batch 128: images/s, achieved GFLOP/s, and that as a fraction of the
 * dnnl_sgemm peak measured in this process; the input-gradient pass (an
 * EDD_PLAN_INPUT_GRAD forward and backward down to dx, what every attack
 * iteration runs) against the inference forward of the same batch; PyTorch
 * on the same CNN when available. Last line: one JSON object. */
#include "common.h"

#include <omp.h>

/* Median seconds of a step of p: with a trainer tr, a training step as
 * edd_train runs it (forward with dropout, loss, backward, Adam, in the
 * plan's layouts); without, an inference forward. */
static double time_steps(edd_ctx *ctx, edd_plan *p, edd_trainer *tr, const edd_cnn *m, const float *x,
                         const float *t, float *z, float *dz, int steps)
{
    int b = edd_plan_batch(p);
    edd_dropout dr = {.on = 1, .seed = 1, .stream = 0};
    double ts[64];
    for (int s = 0; s < steps; s++) {
        double t0 = edd_now();
        if (tr ? edd_trainer_forward(ctx, tr, p, x, &dr, z) : edd_plan_forward(ctx, p, m, x, NULL, z)) {
            fprintf(stderr, "bench train: %s\n", ctx->err);
            exit(1);
        }
        if (tr) {
            edd_loss_xent(z, t, NULL, b, m->k, NULL, dz);
            if (edd_trainer_step(ctx, tr, p, dz)) {
                fprintf(stderr, "bench train: %s\n", ctx->err);
                exit(1);
            }
            dr.stream++;
        }
        ts[s] = edd_now() - t0;
    }
    return bench_median(ts, steps);
}

/* Median seconds of a forward and a backward down to the input gradient on
 * an EDD_PLAN_INPUT_GRAD plan (no dropout, dz = 1 on one logit per row). */
static double time_input_grad(edd_ctx *ctx, edd_plan *p, const edd_cnn *m, const float *x, float *z, float *dz,
                              float *dx, int steps)
{
    int b = edd_plan_batch(p);
    for (int i = 0; i < b * m->k; i++)
        dz[i] = i % m->k == (i / m->k) % m->k ? 1.0f : 0.0f;
    double ts[64];
    for (int s = -3; s < steps; s++) {
        double t0 = edd_now();
        if (edd_plan_forward(ctx, p, m, x, NULL, z) || edd_plan_backward(ctx, p, m, dz, NULL, dx)) {
            fprintf(stderr, "bench train: %s\n", ctx->err);
            exit(1);
        }
        if (s >= 0)
            ts[s] = edd_now() - t0;
    }
    return bench_median(ts, steps);
}

int main(void)
{
    bench_begin("train", 300);
    edd_ctx ctx;
    if (edd_ctx_init(&ctx, 0)) {
        fprintf(stderr, "bench train: %s\n", ctx.err);
        return 1;
    }
    const int B = 128, K = 10, steps = bench_quick() ? 10 : 30;
    double peak = bench_sgemm_peak(2048, bench_quick() ? 4 : 7);
    edd_cnn m;
    edd_plan *tp, *ip, *gp;
    edd_optim o;
    edd_optim_default(&o, EDD_OPT_ADAM);
    edd_trainer *tr;
    if (edd_cnn_init(&ctx, &m, K, 0.2f, 0.5f, 1) || edd_plan_create(&ctx, &m, B, EDD_PLAN_TRAIN, 0, &tp) ||
        edd_plan_create(&ctx, &m, B, EDD_PLAN_INFER, 0, &ip) ||
        edd_plan_create(&ctx, &m, B, EDD_PLAN_INPUT_GRAD, 0, &gp) || edd_trainer_create(&ctx, &m, &o, &tr)) {
        fprintf(stderr, "bench train: %s\n", ctx.err);
        return 1;
    }
    float *x = malloc((size_t)B * EDD_IMG_SIZE * sizeof(float)), *t = calloc((size_t)B * K, sizeof(float));
    float *z = malloc((size_t)B * K * sizeof(float)), *dz = malloc((size_t)B * K * sizeof(float));
    float *dx = malloc((size_t)B * EDD_IMG_SIZE * sizeof(float));
    for (size_t i = 0; i < (size_t)B * EDD_IMG_SIZE; i++)
        x[i] = edd_rng_uniform(42, (uint32_t)i);
    for (int i = 0; i < B; i++)
        t[i * K + i % K] = 1.0f;
    const int warm = bench_quick() ? 2 : 5;
    time_steps(&ctx, tp, tr, &m, x, t, z, dz, warm);
    double tt = time_steps(&ctx, tp, tr, &m, x, t, z, dz, steps);
    time_steps(&ctx, ip, NULL, &m, x, t, z, dz, warm);
    double ti = time_steps(&ctx, ip, NULL, &m, x, t, z, dz, steps);
    double tg = time_input_grad(&ctx, gp, &m, x, z, dz, dx, steps);
    double train_ips = B / tt, infer_ips = B / ti;
    double train_gf = train_ips * bench_cnn_train_flops(K) / 1e9, infer_gf = infer_ips * 2 * edd_cnn_fwd_macs(K) / 1e9;
    printf("threads %d, batch %d, sgemm peak %.1f GFLOP/s (2048^3, same run)\n", ctx.nthreads, B, peak);
    printf("train: %.0f images/s, %.1f GFLOP/s = %.1f%% of sgemm peak\n", train_ips, train_gf, 100 * train_gf / peak);
    printf("infer: %.0f images/s, %.1f GFLOP/s = %.1f%% of sgemm peak\n", infer_ips, infer_gf, 100 * infer_gf / peak);
    printf("input gradient (forward + backward to dx): %.1f ms a batch = %.2fx the inference forward (%.1f ms)\n",
           1e3 * tg, tg / ti, 1e3 * ti);
    const dnnl_version_t *dv = dnnl_version();
    printf("oneDNN %d.%d.%d, dispatching up to %s%s\n", dv->major, dv->minor, dv->patch, bench_onednn_isa(),
           bench_quick() ? " (quick mode)" : "");
    char tj[1024];
    double torch_train = -1, torch_peak = -1;
    if (bench_torch("train", "", ctx.nthreads, tj, sizeof tj) == 0) {
        torch_train = bench_json_num(tj, "train_img_s");
        torch_peak = bench_json_num(tj, "sgemm_gflops");
        printf("pytorch: train %.0f images/s (edd/pytorch = %.2fx), torch.mm peak %.1f GFLOP/s\n", torch_train,
               train_ips / torch_train, torch_peak);
    } else {
        printf("pytorch: not measured (no python3 with torch, or EDD_BENCH_NO_TORCH)\n");
    }
    printf("{\"bench\":\"train\",\"threads\":%d,\"batch\":%d,\"sgemm_gflops\":%.1f,\"train_img_s\":%.1f,"
           "\"train_gflops\":%.1f,\"train_frac_peak\":%.3f,\"infer_img_s\":%.1f,\"infer_gflops\":%.1f,"
           "\"infer_frac_peak\":%.3f,\"input_grad_ms\":%.3f,\"infer_ms\":%.3f,\"input_grad_over_forward\":%.3f,"
           "\"torch_train_img_s\":%.1f,\"vs_torch\":%.2f,\"onednn\":\"%d.%d.%d\",\"onednn_isa\":\"%s\",\"quick\":%d}\n",
           ctx.nthreads, B, peak, train_ips, train_gf, train_gf / peak, infer_ips, infer_gf, infer_gf / peak, 1e3 * tg,
           1e3 * ti, tg / ti, torch_train, torch_train > 0 ? train_ips / torch_train : -1.0, dv->major, dv->minor,
           dv->patch, bench_onednn_isa(), bench_quick());
    free(x); free(t); free(z); free(dz); free(dx);
    edd_plan_free(tp);
    edd_trainer_free(tr);
    edd_plan_free(ip);
    edd_plan_free(gp);
    edd_cnn_free(&m);
    edd_ctx_free(&ctx);
    return 0;
}
