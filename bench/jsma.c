/* bench/jsma.c - JSMA (docs/DESIGN.md section 8): ms per example batched over
 * 200 MNIST test images at gamma 0.1 on a briefly trained CNN, with one
 * gradient per step (the default) and with the full probability Jacobian;
 * the pair search AVX2 against its scalar twin, and the O(784) top-2
 * selection that replaces it on the default path (beta = -alpha);
 * Jacobians per second from
 * one backward pass of batch K*B against K backward passes of batch B
 * after one forward; and PyTorch's JSMA ms per example when available.
 * The model and images: bench_model (common.h) with 5000 training images.
 * Last line: one JSON object. */
#include "common.h"
#include "edd/attacks.h"
#include "edd/internal/simd.h"
#include "edd/internal/grad.h"

#include <time.h>

#define NB 200     /* images attacked together */
#define JAC_B 32   /* images per Jacobian */

static void die(const edd_ctx *ctx)
{
    fprintf(stderr, "bench jsma: %s\n", ctx->err);
    exit(1);
}

/* CPU seconds of the process (all threads): on a shared machine, CPU time
 * over the thread count estimates the wall time the run would take alone. */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Median wall seconds of reps runs of JSMA over the n images (one warm-up
 * run); *cpu gets the median CPU seconds. */
static double time_jsma(edd_ctx *ctx, const edd_cnn *m, const float *x, const uint8_t *t, size_t n,
                        edd_jsma_jacobian jac, int reps, double *success, double *steps_mean, double *cpu)
{
    float *adv = malloc(n * EDD_IMG_SIZE * sizeof(float));
    uint8_t *ok = malloc(n);
    int *steps = malloc(n * sizeof(int));
    edd_jsma_opts o;
    edd_jsma_opts_default(&o);
    o.jacobian = jac;
    o.batch = NB;
    o.quiet = 1;
    double tm[8], tc[8];
    for (int r = -1; r < reps; r++) {
        double t0 = edd_now(), c0 = cpu_now();
        if (edd_jsma(ctx, m, x, t, n, &o, adv, ok, steps))
            die(ctx);
        if (r >= 0) {
            tm[r] = edd_now() - t0;
            tc[r] = cpu_now() - c0;
        }
    }
    *cpu = bench_median(tc, reps);
    double s = 0, st = 0;
    for (size_t i = 0; i < n; i++) {
        s += ok[i];
        st += steps[i];
    }
    *success = s / (double)n;
    *steps_mean = st / (double)n;
    free(adv);
    free(ok);
    free(steps);
    return bench_median(tm, reps);
}

typedef enum { SEARCH_SCALAR, SEARCH_AVX2, SEARCH_TOP2 } search_kind;

/* Microseconds per pair search over 784 pixels, median of 5 runs of reps
 * searches (SEARCH_TOP2 ignores be: the selection for be = -al). */
static double time_search(search_kind kind, const float *al, const float *be, const uint8_t *dom, int reps)
{
    double tm[5];
    volatile int sink = 0;
    for (int r = 0; r < 5; r++) {
        double t0 = edd_now();
        for (int i = 0; i < reps; i++) {
            int p, q;
            sink += kind == SEARCH_TOP2 ? edd_saliency_top2_f32(al, dom, EDD_IMG_SIZE, &p, &q)
                    : kind == SEARCH_AVX2 ? edd_saliency_pair_f32_avx2(al, be, dom, EDD_IMG_SIZE, &p, &q)
                                          : edd_saliency_pair_f32_scalar(al, be, dom, EDD_IMG_SIZE, &p, &q);
        }
        tm[r] = edd_now() - t0;
    }
    (void)sink;
    return 1e6 * bench_median(tm, 5) / reps;
}

/* Jacobians per second of the logits on the first JAC_B images x: one
 * pass of batch K*B (g) against one forward of B and K backward passes
 * (jac: room for K*B images). */
static void jacobian_rates(edd_ctx *ctx, edd_gradder *g, const edd_cnn *m, const float *x, float *jac,
                           double *jps_one, double *jps_loop)
{
    const int K = m->k;
    double tj[5], tk[5];
    for (int r = 0; r < 5; r++) {
        double t0 = edd_now();
        if (edd_jacobian(ctx, g, m, x, JAC_B, EDD_JAC_LOGITS, NULL, jac))
            die(ctx);
        tj[r] = edd_now() - t0;
    }
    edd_plan *p;
    float *z = malloc((size_t)JAC_B * K * sizeof(float)), *dz = malloc((size_t)JAC_B * K * sizeof(float));
    if (edd_plan_create(ctx, m, JAC_B, EDD_PLAN_INPUT_GRAD, 0, &p))
        die(ctx);
    for (int r = -1; r < 5; r++) {
        double t0 = edd_now();
        if (edd_plan_forward(ctx, p, m, x, NULL, z))
            die(ctx);
        for (int j = 0; j < K; j++) {
            memset(dz, 0, (size_t)JAC_B * K * sizeof(float));
            for (int i = 0; i < JAC_B; i++)
                dz[i * K + j] = 1.0f;
            if (edd_plan_backward(ctx, p, m, dz, NULL, jac + (size_t)j * JAC_B * EDD_IMG_SIZE))
                die(ctx);
        }
        if (r >= 0)
            tk[r] = edd_now() - t0;
    }
    *jps_one = JAC_B / bench_median(tj, 5);
    *jps_loop = JAC_B / bench_median(tk, 5);
    printf("Jacobians (K=%d, B=%d): one K*B pass %.0f/s, K backward passes %.0f/s (%.2fx)\n", K, JAC_B, *jps_one,
           *jps_loop, *jps_one / *jps_loop);
    edd_plan_free(p);
    free(z);
    free(dz);
}

int main(void)
{
    bench_begin("jsma", 1200);
    edd_ctx ctx;
    if (edd_ctx_init(&ctx, 0))
        die(&ctx);
    edd_dataset te = {0};
    edd_cnn m = {0};
    char how[4200];
    int have_data;
    if (bench_model(&ctx, 5000, NB, &m, &te, how, sizeof how, &have_data))
        die(&ctx);
    const int K = m.k;
    uint8_t t[NB];
    edd_attack_targets(1, te.y, te.n, 0, EDD_N_REAL, t);
    printf("threads %d, model: %s, %zu %s images, gamma 0.1, batch %d\n", ctx.nthreads, how, te.n,
           have_data ? "MNIST test" : "random", NB);

    double succ, steps, succ_f = 0, steps_f = 0, cpu1, cpuf = 0;
    double s1 = time_jsma(&ctx, &m, te.x, t, te.n, EDD_JSMA_PROBS, bench_quick() ? 1 : 3, &succ, &steps, &cpu1);
    double ms1 = 1e3 * s1 / (double)te.n, cms1 = 1e3 * cpu1 / (double)te.n;
    printf("jsma one gradient per step: %.2f ms/example wall, %.2f ms/example CPU over %d threads = %.2f "
           "(success %.1f%%, %.1f steps mean)\n", ms1, cms1, ctx.nthreads, cms1 / ctx.nthreads, 100 * succ, steps);
    double sf = bench_quick() ? 0 : time_jsma(&ctx, &m, te.x, t, te.n, EDD_JSMA_PROBS_FULL, 1, &succ_f, &steps_f, &cpuf);
    double msf = 1e3 * sf / (double)te.n;
    printf("jsma full probability Jacobian: %.2f ms/example wall, %.2f CPU (success %.1f%%): one gradient is %.1fx "
           "faster in CPU time\n", msf, 1e3 * cpuf / (double)te.n, 100 * succ_f, cpuf / cpu1);

    /* pair search on a real alpha (the target's probability gradient), beta = -alpha */
    edd_gradder *g;
    float *jac = malloc((size_t)JAC_B * K * EDD_IMG_SIZE * sizeof(float));
    if (edd_gradder_create(&ctx, K, 0, &g) || edd_jacobian(&ctx, g, &m, te.x, JAC_B, EDD_JAC_PROBS, NULL, jac))
        die(&ctx);
    float al[EDD_IMG_SIZE], be[EDD_IMG_SIZE];
    uint8_t dom[EDD_IMG_SIZE];
    for (int d = 0; d < EDD_IMG_SIZE; d++) {
        al[d] = jac[(size_t)t[0] * EDD_IMG_SIZE + d];
        be[d] = -al[d];
        dom[d] = te.x[d] < 1.0f;
    }
    double us_avx2 = ctx.simd == EDD_SIMD_AVX2 ? time_search(SEARCH_AVX2, al, be, dom, 2000) : -1.0;
    double us_scalar = time_search(SEARCH_SCALAR, al, be, dom, 500);
    double us_top2 = time_search(SEARCH_TOP2, al, be, dom, 200000);
    printf("pair search over 784 pixels: avx2 %.1f us, scalar %.1f us (%.1fx); top-2 selection for beta = -alpha "
           "(the default path) %.2f us\n", us_avx2, us_scalar, us_avx2 > 0 ? us_scalar / us_avx2 : 0.0, us_top2);

    double jps_one, jps_loop;
    jacobian_rates(&ctx, g, &m, te.x, jac, &jps_one, &jps_loop);

    /* PyTorch on the same model, images and targets. */
    char tjson[1024];
    double torch_b = -1, torch_s = -1, torch_succ = -1;
    if (bench_torch_on(&ctx, "jsma", &m, te.x, t, te.n, tjson, sizeof tjson) == 0) {
        torch_b = bench_json_num(tjson, "jsma_ms_per_example_batched");
        torch_s = bench_json_num(tjson, "jsma_ms_per_example_single");
        torch_succ = bench_json_num(tjson, "jsma_success");
        printf("pytorch, same model, images and targets: batched one gradient per step %.1f ms/example (success "
               "%.1f%%): edd is %.1fx faster; single-image full Jacobian %.1f ms/example\n",
               torch_b, 100 * torch_succ, torch_b / ms1, torch_s);
    } else {
        printf("pytorch: not measured\n");
    }
    printf("{\"bench\":\"jsma\",\"threads\":%d,\"images\":%zu,\"gamma\":0.1,\"jsma_ms_per_example\":%.3f,"
           "\"jsma_cpu_ms_per_example\":%.3f,\"jsma_success\":%.3f,\"jsma_steps_mean\":%.2f,\"jsma_full_ms_per_example\":%.3f,"
           "\"search_us_avx2\":%.2f,\"search_us_scalar\":%.2f,\"top2_us\":%.3f,\"jacobians_per_s_one_pass\":%.1f,"
           "\"jacobians_per_s_k_passes\":%.1f,\"jacobian_plans_built\":%d,\"torch_jsma_ms_batched\":%.2f,"
           "\"torch_jsma_ms_single\":%.2f,\"torch_jsma_success\":%.3f,\"vs_torch\":%.2f}\n",
           ctx.nthreads, te.n, ms1, cms1, succ, steps, msf, us_avx2, us_scalar, us_top2, jps_one, jps_loop,
           edd_gradder_plans_built(g), torch_b, torch_s, torch_succ, torch_b > 0 ? torch_b / ms1 : -1.0);
    edd_gradder_free(g);
    free(jac);
    edd_dataset_free(&te);
    edd_cnn_free(&m);
    edd_ctx_free(&ctx);
    return 0;
}
