/* bench/fgm.c - FGM as the experiments run it (edd_fgm_opts_default: eps 0.3,
 * L-inf, cross-entropy over all K outputs against the true label) on the
 * 10,000 MNIST test images in one edd_fgm call, after a warm-up call on the
 * first 256: ms in all, us per example, the achieved GFLOP/s (forward +
 * backward data through every layer) as a fraction of the dnnl_sgemm peak
 * measured in this process; then PyTorch's same pass
 * (bench/peers/torch_cnn.py --what fgm) on the same model and images, when
 * available. Both report the accuracy on their first 1000 adversarial
 * images, which should agree. Then PGD the same way (eps 0.3, L-inf, the
 * margin loss, PGD_STEPS steps, one random start) on the first N_PGD
 * images: us per example-step (the run's time over images x steps; the
 * run makes steps + 1 passes, the last to score the final point, and its
 * GFLOP/s counts them all) and PyTorch's same attack (--what pgd). The
 * model and images: bench_model (common.h) with 1000 training images.
 * Last line: one JSON object. */
#include "common.h"
#include "edd/attacks.h"
#include "edd/eval.h"

#define N_IMAGES 10000
#define N_WARM 256  /* images of the warm-up call */
#define N_ACC 1000  /* adversarial images whose accuracy is reported */
#define N_PGD 2000  /* images of the PGD run */
#define PGD_STEPS 10

static void die(const edd_ctx *ctx)
{
    fprintf(stderr, "bench fgm: %s\n", ctx->err);
    exit(1);
}

/* The accuracy of m on the first count adversarial images adv (pred: room
 * for count predictions). */
static double adv_accuracy(edd_ctx *ctx, const edd_cnn *m, const float *adv, const edd_dataset *te, size_t count,
                           int *pred)
{
    if (edd_predict(ctx, m, adv, count, 256, pred))
        die(ctx);
    size_t right = 0;
    for (size_t i = 0; i < count; i++)
        right += pred[i] == te->y[i];
    return (double)right / (double)count;
}

/* What the PGD half of the bench measured, and PyTorch's figures as JSON
 * values ("null" when not measured). */
typedef struct {
    size_t np;
    double us, gf, acc;
    char torch_s[32], torch_acc[32], ratio[32];
} pgd_result;

/* PGD with the margin loss, PGD_STEPS steps, on m: timed, its accuracy
 * after the attack, and against PyTorch on the same model and images. */
static void bench_pgd(edd_ctx *ctx, const edd_cnn *m, const edd_dataset *te, float *adv, int *pred, double flops,
                      double peak, pgd_result *r)
{
    edd_pgd_opts po;
    edd_pgd_opts_default(&po);
    po.steps = PGD_STEPS;
    po.loss = EDD_LOSS_MARGIN;
    po.quiet = 1;
    const size_t np = bench_quick() ? 500 : N_PGD;
    edd_pgd_opts warm = po;
    warm.steps = 1;
    if (edd_pgd(ctx, m, te->x, te->y, N_WARM, &warm, adv))
        die(ctx);
    double t0 = edd_now();
    if (edd_pgd(ctx, m, te->x, te->y, np, &po, adv))
        die(ctx);
    double ps = edd_now() - t0, pus = 1e6 * ps / ((double)np * PGD_STEPS);
    double pgf = flops * (double)np * (PGD_STEPS + 1) / ps / 1e9;
    double pacc = adv_accuracy(ctx, m, adv, te, N_ACC < np ? N_ACC : np, pred);
    printf("edd_pgd, %zu images, %d steps (margin loss): %.0f ms, %.1f us per example-step, %.1f GFLOP/s = %.1f%% "
           "of sgemm peak (accuracy after the attack %.3f)\n", np, PGD_STEPS, 1e3 * ps, pus, pgf, 100 * pgf / peak,
           pacc);
    char tjson[1024];
    snprintf(r->torch_s, sizeof r->torch_s, "null");
    snprintf(r->torch_acc, sizeof r->torch_acc, "null");
    snprintf(r->ratio, sizeof r->ratio, "null");
    if (bench_torch_on(ctx, "pgd", m, te->x, te->y, np, tjson, sizeof tjson) == 0) {
        double tus = bench_json_num(tjson, "pgd_us_per_example_step"), tacc = bench_json_num(tjson, "pgd_adv_accuracy");
        snprintf(r->torch_s, sizeof r->torch_s, "%.1f", tus);
        snprintf(r->torch_acc, sizeof r->torch_acc, "%.3f", tacc);
        snprintf(r->ratio, sizeof r->ratio, "%.2f", tus / pus);
        printf("pytorch pgd, same model and images: %.1f us per example-step (accuracy after the attack %.3f): edd "
               "is %.2fx faster\n", tus, tacc, tus / pus);
    } else {
        printf("pytorch pgd: not measured\n");
    }
    r->np = np;
    r->us = pus;
    r->gf = pgf;
    r->acc = pacc;
}

int main(void)
{
    bench_begin("fgm", 300);
    edd_ctx ctx;
    if (edd_ctx_init(&ctx, 0))
        die(&ctx);
    double peak = bench_sgemm_peak(2048, 7);
    edd_dataset te = {0};
    edd_cnn m = {0};
    char how[4200];
    int have_data;
    if (bench_model(&ctx, 1000, N_IMAGES, &m, &te, how, sizeof how, &have_data))
        die(&ctx);
    const double flops = 4.0 * edd_cnn_fwd_macs(m.k); /* forward + backward data, 2 FLOPs per MAC each */
    printf("threads %d, sgemm peak %.1f GFLOP/s (2048^3, same run), model: %s, %zu %s images, %.2f MFLOP per "
           "image\n", ctx.nthreads, peak, how, te.n, have_data ? "MNIST test" : "random", flops / 1e6);

    edd_fgm_opts o;
    edd_fgm_opts_default(&o);
    float *adv = malloc(te.n * EDD_IMG_SIZE * sizeof(float));
    int *pred = malloc(N_ACC * sizeof(int));
    if (!adv || !pred)
        die(&ctx);
    if (edd_fgm(&ctx, &m, te.x, te.y, N_WARM, &o, adv))
        die(&ctx);
    const size_t n = bench_quick() ? 2000 : te.n; /* quick: enough for the ratios bench-check reads */
    double t0 = edd_now();
    if (edd_fgm(&ctx, &m, te.x, te.y, n, &o, adv))
        die(&ctx);
    double s = edd_now() - t0, us = 1e6 * s / (double)n, gf = flops * (double)n / s / 1e9;
    double acc = adv_accuracy(&ctx, &m, adv, &te, N_ACC, pred);
    printf("edd_fgm, %zu images: %.0f ms, %.1f us per example, %.1f GFLOP/s = %.1f%% of sgemm peak (accuracy on "
           "the first %d after the attack %.3f)\n", n, 1e3 * s, us, gf, 100 * gf / peak, N_ACC, acc);

    char tjson[1024], torch_s[32] = "null", torch_acc[32] = "null", ratio[32] = "null";
    if (bench_torch_on(&ctx, "fgm", &m, te.x, te.y, n, tjson, sizeof tjson) == 0) {
        double tus = bench_json_num(tjson, "fgm_us_per_example"), tacc = bench_json_num(tjson, "fgm_adv_accuracy");
        snprintf(torch_s, sizeof torch_s, "%.1f", tus);
        snprintf(torch_acc, sizeof torch_acc, "%.3f", tacc);
        snprintf(ratio, sizeof ratio, "%.2f", tus / us);
        printf("pytorch, same model and images: %.1f us per example (accuracy on the first %d after the attack "
               "%.3f): edd is %.2fx faster\n", tus, N_ACC, tacc, tus / us);
    } else {
        printf("pytorch: not measured\n");
    }

    pgd_result pr;
    bench_pgd(&ctx, &m, &te, adv, pred, flops, peak, &pr);
    printf("{\"bench\":\"fgm\",\"threads\":%d,\"images\":%zu,\"eps\":%.2f,\"sgemm_gflops\":%.1f,\"ms\":%.1f,"
           "\"edd_us_per_example\":%.1f,\"gflops\":%.1f,\"frac_peak\":%.3f,\"adv_accuracy\":%.3f,"
           "\"torch_us_per_example\":%s,\"torch_adv_accuracy\":%s,\"torch_over_edd\":%s,"
           "\"pgd_images\":%zu,\"pgd_steps\":%d,\"pgd_us_per_example_step\":%.1f,\"pgd_gflops\":%.1f,"
           "\"pgd_frac_peak\":%.3f,\"pgd_adv_accuracy\":%.3f,\"torch_pgd_us_per_example_step\":%s,"
           "\"torch_pgd_adv_accuracy\":%s,\"torch_pgd_over_edd\":%s}\n",
           ctx.nthreads, n, o.eps, peak, 1e3 * s, us, gf, gf / peak, acc, torch_s, torch_acc, ratio, pr.np, PGD_STEPS,
           pr.us, pr.gf, pr.gf / peak, pr.acc, pr.torch_s, pr.torch_acc, pr.ratio);
    free(adv);
    free(pred);
    edd_dataset_free(&te);
    edd_cnn_free(&m);
    edd_ctx_free(&ctx);
    return 0;
}
