/* bench/mc.c - MC-dropout passes (Eq. 1) in both threading shapes of
 * docs/DESIGN.md section 4: image-passes/s, GFLOP/s as a fraction of the
 * same-run dnnl_sgemm peak, against PyTorch when available. Also the rows
 * per oneDNN call, which the folded shape trades against cache. */
#include "common.h"

#include <omp.h>

static double run(edd_ctx *ctx, const edd_cnn *m, const edd_dataset *ds, edd_mc_shape shape, int rows, float *sigma)
{
    edd_mc_opts o;
    edd_mc_opts_default(&o);
    o.shape = shape;
    o.rows = rows;
    o.quiet = 1;
    const int reps = bench_quick() ? 3 : 5;
    double t[5];
    for (int r = 0; r < reps; r++) {
        double t0 = edd_now();
        if (edd_uncertainty(ctx, m, ds, &o, sigma, NULL)) {
            fprintf(stderr, "bench mc: %s\n", ctx->err);
            exit(1);
        }
        t[r] = edd_now() - t0;
    }
    return (double)ds->n * o.passes / bench_median(t, reps);
}

int main(void)
{
    bench_begin("mc", 900);
    edd_ctx ctx;
    if (edd_ctx_init(&ctx, 0)) {
        fprintf(stderr, "bench mc: %s\n", ctx.err);
        return 1;
    }
    const size_t n = bench_quick() ? 128 : 512;
    edd_dataset ds = {.n = n, .c = 1, .h = 28, .w = 28};
    ds.x = malloc(n * EDD_IMG_SIZE * sizeof(float));
    ds.y = calloc(n, 1);
    for (size_t i = 0; i < n * EDD_IMG_SIZE; i++)
        ds.x[i] = edd_rng_uniform(7, (uint32_t)i);
    float *sigma = malloc(n * sizeof(float));
    edd_cnn m;
    if (edd_cnn_init(&ctx, &m, 10, 0.2f, 0.5f, 1)) {
        fprintf(stderr, "bench mc: %s\n", ctx.err);
        return 1;
    }
    double peak = bench_sgemm_peak(2048, bench_quick() ? 4 : 7), flop = 2.0 * edd_cnn_fwd_macs(10);
    printf("threads %d, N=20 passes over %zu images, sgemm peak %.1f GFLOP/s (same run)\n", ctx.nthreads, n, peak);
    static const int folded_rows[] = {160, 320, 640, 1280, 2560};
    double best_f = 0, best_t = 0;
    int best_rows = 0;
    const size_t step = bench_quick() ? 2 : 1; /* quick: rows 640 and 2560, batch 128 */
    for (size_t i = bench_quick() ? 2 : 0; i < sizeof folded_rows / sizeof folded_rows[0]; i += step) {
        double r = run(&ctx, &m, &ds, EDD_MC_FOLDED, folded_rows[i], sigma);
        printf("folded  rows %5d: %8.0f image-passes/s, %5.1f%% of peak\n", folded_rows[i], r, 100 * r * flop / 1e9 / peak);
        if (r > best_f) {
            best_f = r;
            best_rows = folded_rows[i];
        }
    }
    static const int thread_rows[] = {64, 128, 256};
    for (size_t i = bench_quick() ? 1 : 0; i < sizeof thread_rows / sizeof thread_rows[0]; i += step) {
        double r = run(&ctx, &m, &ds, EDD_MC_THREADS, thread_rows[i], sigma);
        printf("threads batch %4d: %8.0f image-passes/s, %5.1f%% of peak\n", thread_rows[i], r, 100 * r * flop / 1e9 / peak);
        best_t = r > best_t ? r : best_t;
    }
    char tj[1024];
    double torch = -1;
    if (bench_torch("mc", "", ctx.nthreads, tj, sizeof tj) == 0) {
        double a = bench_json_num(tj, "mc_img_pass_s_folded"), b = bench_json_num(tj, "mc_img_pass_s_b128");
        torch = a > b ? a : b;
        printf("pytorch: %.0f image-passes/s (best of folded and batch 128); edd/pytorch = %.2fx\n", torch,
               (best_f > best_t ? best_f : best_t) / torch);
    } else {
        printf("pytorch: not measured\n");
    }
    double best = best_f > best_t ? best_f : best_t;
    printf("{\"bench\":\"mc\",\"threads\":%d,\"passes\":20,\"sgemm_gflops\":%.1f,\"folded_img_pass_s\":%.1f,"
           "\"folded_best_rows\":%d,\"threads_img_pass_s\":%.1f,\"best_frac_peak\":%.3f,\"torch_img_pass_s\":%.1f,"
           "\"vs_torch\":%.2f}\n",
           ctx.nthreads, peak, best_f, best_rows, best_t, best * flop / 1e9 / peak, torch, torch > 0 ? best / torch : -1.0);
    free(sigma);
    edd_dataset_free(&ds);
    edd_cnn_free(&m);
    edd_ctx_free(&ctx);
    return 0;
}
