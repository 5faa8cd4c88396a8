/* bench/attacks.c - the attacks of the standard suite at the batch they
 * run (one oneDNN piece of N_IMG = 256 rows, edd_apgd's and edd_square's
 * max_rows): one APGD iteration (L-inf, the real-class cross-entropy:
 * forward, backward down to the input, the momentum step, the projections
 * and the checkpoints) in seconds per image-iteration, its GFLOP/s
 * (forward + backward data) and that as a fraction of the dnnl_sgemm peak
 * measured in this process; one Square query (a candidate and a forward
 * pass), L-inf and L2, per image-query, GFLOP/s (forward only) and fraction
 * of peak; then the PyTorch reference's same attacks
 * (tests/attack_reference.py --bench) on the same model, images and labels
 * when /usr/bin/python3 with torch is there, and the same-run ratios.
 *
 * One iteration costs (T(S) - T(2)) / (S - 2) per image, T(S) a whole
 * attack call of S iterations (queries), so that what a call does once
 * (its plans, clean pass, start, last pass) is left out; the whole call
 * over S x images is printed beside it. Each T is the best of a few calls,
 * and the fractions use the better of two sgemm peaks (before and after
 * the figures): load on a shared machine only ever slows a run. The eps
 * (1e-3) is too small for any image to succeed and each image is labelled
 * by the model's own prediction, so that all N_IMG images run every
 * iteration in both engines (the images that cross anyway are counted).
 * The model and images: bench_model (common.h) with 1000 training images.
 * Last line: one JSON object. */
#include "common.h"
#include "edd/apgd.h"
#include "edd/square.h"

#define N_IMG 256
#define EPS 1e-3f

static void die(const edd_ctx *ctx)
{
    fprintf(stderr, "bench attacks: %s\n", ctx->err);
    exit(1);
}

/* Images whose point in adv the model misclassifies (a real class other than y). */
static size_t count_broken(edd_ctx *ctx, const edd_cnn *m, const float *adv, const uint8_t *y, size_t n)
{
    edd_dataset v = {.n = n, .c = EDD_IMG_C, .h = EDD_IMG_H, .w = EDD_IMG_W, .x = (float *)adv, .y = (uint8_t *)y};
    float *z = malloc(n * (size_t)m->k * sizeof(float));
    edd_eval_result ev;
    if (!z || edd_evaluate(ctx, m, &v, 256, z, &ev))
        die(ctx);
    size_t b = 0;
    for (size_t i = 0; i < n; i++) {
        int p = edd_argmax(z + i * (size_t)m->k, m->k);
        b += p != y[i] && p < EDD_N_REAL;
    }
    free(z);
    return b;
}

/* Labels: the model's own best real class for each image, so that every
 * image starts correctly classified. */
static void own_labels(edd_ctx *ctx, const edd_cnn *m, const float *x, size_t n, uint8_t *y)
{
    edd_dataset v = {.n = n, .c = EDD_IMG_C, .h = EDD_IMG_H, .w = EDD_IMG_W, .x = (float *)x, .y = y};
    float *z = malloc(n * (size_t)m->k * sizeof(float));
    edd_eval_result ev;
    memset(y, 0, n);
    if (!z || edd_evaluate(ctx, m, &v, 256, z, &ev))
        die(ctx);
    for (size_t i = 0; i < n; i++)
        y[i] = (uint8_t)edd_argmax(z + i * (size_t)m->k, EDD_N_REAL);
    free(z);
}

/* One whole call of APGD with `steps` iterations (square: Square with
 * `steps` queries) in norm ord on the N_IMG images: its seconds. */
static double run_attack(edd_ctx *ctx, const edd_cnn *m, const float *x, const uint8_t *y, int square, int ord,
                         int steps, float *adv)
{
    edd_apgd_opts a;
    edd_apgd_opts_default(&a);
    edd_square_opts s;
    edd_square_opts_default(&s);
    a.eps = s.eps = EPS;
    a.ord = s.ord = ord;
    a.quiet = s.quiet = 1;
    a.steps = s.queries = steps;
    double t0 = edd_now();
    if (square ? edd_square(ctx, m, x, y, N_IMG, &s, adv, NULL) : edd_apgd(ctx, m, x, y, N_IMG, &a, adv))
        die(ctx);
    return edd_now() - t0;
}

/* The reference's --bench WHAT on m, x and y (written to a temporary
 * folder as edd export and bench_torch_on lay them out): its JSON line into
 * out, 0 if it ran, -1 if not (no python3 with torch, or EDD_BENCH_NO_TORCH). */
static int torch_ref(edd_ctx *ctx, const edd_cnn *m, const float *x, const uint8_t *y, const char *args, char *out,
                     size_t outn)
{
    if (getenv("EDD_BENCH_NO_TORCH"))
        return -1;
    char dir[] = "/tmp/edd-bench-XXXXXX", path[4200], cmd[8600];
    if (!mkdtemp(dir))
        return -1;
    int ok = 1;
    for (int i = 0; ok && i < EDD_NTENSORS; i++) {
        size_t shape[4];
        for (int j = 0; j < m->t[i].rank; j++)
            shape[j] = (size_t)m->t[i].ne[j];
        snprintf(path, sizeof path, "%s/%s.npy", dir, m->t[i].name);
        ok = !edd_npy_write(ctx, path, EDD_NPY_F32, m->t[i].rank, shape, m->t[i].data);
    }
    size_t xs[2] = {N_IMG, EDD_IMG_SIZE};
    snprintf(path, sizeof path, "%s/images.npy", dir);
    ok = ok && !edd_npy_write(ctx, path, EDD_NPY_F32, 2, xs, x);
    snprintf(path, sizeof path, "%s/labels.npy", dir);
    ok = ok && !edd_npy_write(ctx, path, EDD_NPY_U8, 1, xs, y);
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 tests/attack_reference.py --weights %s --n %d --eps %g --threads %d %s 2>/dev/null "
             "| tail -n 1", dir, N_IMG, (double)EPS, ctx->nthreads, args);
    FILE *p = ok ? popen(cmd, "r") : NULL;
    int rc = -1;
    if (p) {
        out[0] = 0;
        char *got = fgets(out, (int)outn, p);
        rc = pclose(p) == 0 && got && out[0] == '{' ? 0 : -1;
        out[strcspn(out, "\n")] = 0;
    }
    for (int i = 0; i <= EDD_NTENSORS + 1; i++) {
        snprintf(path, sizeof path, "%s/%s.npy", dir,
                 i < EDD_NTENSORS ? m->t[i].name : i == EDD_NTENSORS ? "images" : "labels");
        unlink(path);
    }
    rmdir(dir);
    return rc;
}

typedef struct {
    const char *what, *unit, *ref_args;
    int square, ord, iters;
    double flops;          /* per image-iteration */
    double us, run_us;     /* one iteration, marginal; a whole call over images x iterations */
    double torch_us, torch_run_us; /* < 0: not measured */
    size_t broken;
} figure;

/* The reference's figures of f from a run of `reps` repeats, when better
 * than those it has (-1: none); 0 if it ran. */
static int torch_figure(edd_ctx *ctx, const edd_cnn *m, const float *x, const uint8_t *y, int reps, figure *f)
{
    char args[256], json[1024];
    snprintf(args, sizeof args, "%s --reps %d", f->ref_args, reps);
    if (torch_ref(ctx, m, x, y, args, json, sizeof json) || bench_json_num(json, "iter_us") <= 0)
        return -1;
    double us = bench_json_num(json, "iter_us"), run = bench_json_num(json, "run_us");
    f->torch_us = f->torch_us < 0 || us < f->torch_us ? us : f->torch_us;
    f->torch_run_us = f->torch_run_us < 0 || run < f->torch_run_us ? run : f->torch_run_us;
    return 0;
}

/* Seconds of a call of S = f->iters iterations and of one of SHORT, each
 * the best of its runs after a warm-up: the best, not the median, as the
 * sgemm peak is a best (load on a shared machine only ever slows a run
 * down). One iteration costs (T(S) - T(SHORT)) / (S - SHORT), free of what
 * a call does once (its plans, clean pass, start and last pass); the
 * reference does the same. The two engines take turns, edd, reference,
 * edd, reference, each half of the repeats, so that both meet the same
 * spells of load. */
#define SHORT 2
static void measure(edd_ctx *ctx, const edd_cnn *m, const float *x, const uint8_t *y, float *adv, int reps,
                    figure *f)
{
    double ts = 1e30, t2 = 1e30;
    const int half = (reps + 1) / 2;
    int torch = 0;
    f->torch_us = f->torch_run_us = -1.0;
    run_attack(ctx, m, x, y, f->square, f->ord, SHORT, adv);
    for (int h = 0; h < 2; h++) {
        for (int r = 0; r < half; r++) {
            double a = run_attack(ctx, m, x, y, f->square, f->ord, SHORT, adv);
            double b = run_attack(ctx, m, x, y, f->square, f->ord, f->iters, adv);
            t2 = a < t2 ? a : t2;
            ts = b < ts ? b : ts;
        }
        if (h == 0 || torch == 0) /* no second try when the first did not run */
            torch = torch_figure(ctx, m, x, y, half, f);
    }
    f->broken = count_broken(ctx, m, adv, y, N_IMG);
    f->us = 1e6 * (ts - t2) / ((double)N_IMG * (f->iters - SHORT));
    f->run_us = 1e6 * ts / ((double)N_IMG * f->iters);
}

static void print_figure(const figure *f, double peak)
{
    const double gf = f->flops / f->us / 1e3;
    printf("%-13s edd: %7.1f us per image-%s (%7.1f in a whole call of %d), %5.1f GFLOP/s = %5.1f%% of sgemm peak "
           "(%zu of %d images crossed)\n", f->what, f->us, f->unit, f->run_us, f->iters, gf, 100 * gf / peak,
           f->broken, N_IMG);
    if (f->torch_us > 0)
        printf("%-13s pytorch reference, same model, images and batch: %7.1f us per image-%s (%7.1f in a whole "
               "call): edd is %.2fx faster (%.2fx)\n", f->what, f->torch_us, f->unit, f->torch_run_us,
               f->torch_us / f->us, f->torch_run_us / f->run_us);
    else
        printf("%-13s pytorch reference: not measured\n", f->what);
}

static void json_figure(const char *key, const figure *f, double peak)
{
    const double gf = f->flops / f->us / 1e3;
    printf(",\"%s_iters\":%d,\"%s_us\":%.2f,\"%s_run_us\":%.2f,\"%s_gflops\":%.1f,\"%s_frac_peak\":%.3f,"
           "\"%s_broken\":%zu", key, f->iters, key, f->us, key, f->run_us, key, gf, key, gf / peak, key, f->broken);
    if (f->torch_us > 0)
        printf(",\"torch_%s_us\":%.2f,\"torch_%s_over_edd\":%.2f,\"torch_%s_run_over_edd\":%.2f", key,
               f->torch_us, key, f->torch_us / f->us, key, f->torch_run_us / f->run_us);
    else
        printf(",\"torch_%s_us\":null,\"torch_%s_over_edd\":null,\"torch_%s_run_over_edd\":null", key, key, key);
}

int main(void)
{
    bench_begin("attacks", 300);
    edd_ctx ctx;
    if (edd_ctx_init(&ctx, 0))
        die(&ctx);
    double peak = bench_sgemm_peak(2048, 7);
    edd_dataset te = {0};
    edd_cnn m = {0};
    char how[4200];
    int have_data;
    if (bench_model(&ctx, 1000, N_IMG, &m, &te, how, sizeof how, &have_data))
        die(&ctx);
    const int quick = bench_quick(), reps = 4;
    const double fwd = 2.0 * edd_cnn_fwd_macs(m.k);
    uint8_t *y = malloc(N_IMG);
    float *adv = malloc((size_t)N_IMG * EDD_IMG_SIZE * sizeof(float));
    if (!y || !adv)
        die(&ctx);
    own_labels(&ctx, &m, te.x, N_IMG, y);
    printf("threads %d, oneDNN ISA %s, sgemm peak %.1f GFLOP/s (2048^3, same run), model: %s, %d %s images, "
           "eps %g\n", ctx.nthreads, bench_onednn_isa(), peak, how, N_IMG, have_data ? "MNIST test" : "random",
           (double)EPS);
    const int ai = quick ? 8 : 12, sq = quick ? 16 : 24;
    char aa[64], sa[64], sl[64];
    snprintf(aa, sizeof aa, "--bench apgd --steps %d", ai);
    snprintf(sa, sizeof sa, "--bench square --queries %d", sq);
    snprintf(sl, sizeof sl, "--bench square --ord 2 --queries %d", sq);
    figure f[3] = {
        {"apgd-ce linf", "iteration", aa, 0, 0, ai, 2.0 * fwd, 0, 0, 0, 0, 0},
        {"square linf", "query", sa, 1, 0, sq, fwd, 0, 0, 0, 0, 0},
        {"square l2", "query", sl, 1, 2, sq, fwd, 0, 0, 0, 0, 0},
    };
    for (int i = 0; i < 3; i++)
        measure(&ctx, &m, te.x, y, adv, reps, &f[i]);
    /* the peak again after the figures: the better of the two */
    double again = bench_sgemm_peak(2048, 7);
    printf("sgemm peak again after the figures: %.1f GFLOP/s; the fractions use the better\n", again);
    peak = again > peak ? again : peak;
    for (int i = 0; i < 3; i++)
        print_figure(&f[i], peak);
    printf("{\"bench\":\"attacks\",\"threads\":%d,\"onednn_isa\":\"%s\",\"sgemm_gflops\":%.1f,\"images\":%d",
           ctx.nthreads, bench_onednn_isa(), peak, N_IMG);
    json_figure("apgd_iter", &f[0], peak);
    json_figure("square_query", &f[1], peak);
    json_figure("square_l2_query", &f[2], peak);
    printf("}\n");
    free(y);
    free(adv);
    edd_dataset_free(&te);
    edd_cnn_free(&m);
    edd_ctx_free(&ctx);
    return 0;
}
