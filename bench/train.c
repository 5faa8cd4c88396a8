/* bench/train.c - training and inference throughput of the full CNN at
 * batch 128: images/s, achieved GFLOP/s, and that as a fraction of the
 * dnnl_sgemm peak measured in this process; PyTorch on the same CNN when
 * available. Last line: one JSON object. */
#include "common.h"

#include <omp.h>

static double time_steps(edd_ctx *ctx, edd_plan *p, edd_cnn *m, edd_optim *o, const float *x, const float *t,
                         float *z, float *dz, float *grad, int train, int steps)
{
    int b = edd_plan_batch(p);
    edd_dropout dr = {.on = train, .seed = 1, .stream = 0};
    double ts[64];
    for (int s = 0; s < steps; s++) {
        double t0 = edd_now();
        if (edd_plan_forward(ctx, p, m, x, train ? &dr : NULL, z)) {
            fprintf(stderr, "bench train: %s\n", ctx->err);
            exit(1);
        }
        if (train) {
            edd_loss_xent(z, t, NULL, b, m->k, NULL, dz);
            if (edd_plan_backward(ctx, p, m, dz, grad, NULL)) {
                fprintf(stderr, "bench train: %s\n", ctx->err);
                exit(1);
            }
            edd_optim_step(o, m->params, grad);
            m->version++;
            dr.stream++;
        }
        ts[s] = edd_now() - t0;
    }
    return bench_median(ts, steps);
}

int main(void)
{
    edd_ctx ctx;
    if (edd_ctx_init(&ctx, 0)) {
        fprintf(stderr, "bench train: %s\n", ctx.err);
        return 1;
    }
    const int B = 128, K = 10, steps = 30;
    double peak = bench_sgemm_peak(2048, 7);
    edd_cnn m;
    edd_plan *tp, *ip;
    edd_optim o = edd_optim_defaults(EDD_OPT_ADAM);
    if (edd_cnn_init(&ctx, &m, K, 0.2f, 0.5f, 1) || edd_plan_create(&ctx, &m, B, EDD_PLAN_TRAIN, 0, &tp) ||
        edd_plan_create(&ctx, &m, B, EDD_PLAN_INFER, 0, &ip) || edd_optim_init(&ctx, &o, m.nparams)) {
        fprintf(stderr, "bench train: %s\n", ctx.err);
        return 1;
    }
    float *x = malloc((size_t)B * EDD_IMG_SIZE * sizeof(float)), *t = calloc((size_t)B * K, sizeof(float));
    float *z = malloc((size_t)B * K * sizeof(float)), *dz = malloc((size_t)B * K * sizeof(float));
    float *grad = malloc(m.nparams * sizeof(float));
    for (size_t i = 0; i < (size_t)B * EDD_IMG_SIZE; i++)
        x[i] = edd_rng_uniform(42, (uint32_t)i);
    for (int i = 0; i < B; i++)
        t[i * K + i % K] = 1.0f;
    time_steps(&ctx, tp, &m, &o, x, t, z, dz, grad, 1, 5);
    double tt = time_steps(&ctx, tp, &m, &o, x, t, z, dz, grad, 1, steps);
    time_steps(&ctx, ip, &m, &o, x, t, z, dz, grad, 0, 5);
    double ti = time_steps(&ctx, ip, &m, &o, x, t, z, dz, grad, 0, steps);
    double train_ips = B / tt, infer_ips = B / ti;
    double train_gf = train_ips * bench_cnn_train_flops(K) / 1e9, infer_gf = infer_ips * 2 * bench_cnn_fwd_macs(K) / 1e9;
    printf("threads %d, batch %d, sgemm peak %.1f GFLOP/s (2048^3, same run)\n", ctx.nthreads, B, peak);
    printf("train: %.0f images/s, %.1f GFLOP/s = %.1f%% of sgemm peak\n", train_ips, train_gf, 100 * train_gf / peak);
    printf("infer: %.0f images/s, %.1f GFLOP/s = %.1f%% of sgemm peak\n", infer_ips, infer_gf, 100 * infer_gf / peak);
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
           "\"infer_frac_peak\":%.3f,\"torch_train_img_s\":%.1f,\"vs_torch\":%.2f}\n",
           ctx.nthreads, B, peak, train_ips, train_gf, train_gf / peak, infer_ips, infer_gf, infer_gf / peak,
           torch_train, torch_train > 0 ? train_ips / torch_train : -1.0);
    free(x); free(t); free(z); free(dz); free(grad);
    edd_optim_free(&o);
    edd_plan_free(tp);
    edd_plan_free(ip);
    edd_cnn_free(&m);
    edd_ctx_free(&ctx);
    return 0;
}
