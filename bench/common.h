/* bench/common.h - what every benchmark shares: the time budget and the
 * quick mode (bench_begin, bench_quick), the same-run dnnl_sgemm peak,
 * medians, the benchmark model and its MNIST test images, and the PyTorch
 * peer (bench/peers/torch_cnn.py) when python3 with torch is there, run on
 * edd's own model and images. Header-only, benchmarks only. */
#ifndef EDD_BENCH_COMMON_H
#define EDD_BENCH_COMMON_H

#include "edd.h"
#include "edd/internal/ctx.h"

#include <oneapi/dnnl/dnnl.h>
#include <oneapi/dnnl/dnnl_debug.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The time budget. A bench calls bench_begin("NAME", SECONDS) first thing in
 * main(): past SECONDS of wall time the process prints "bench NAME: over its
 * SECONDS s budget" on stderr and exits 1, so that a pathological slowdown
 * (a reference kernel where a JIT one should be) fails the CI gate instead
 * of hanging it. EDD_BENCH_BUDGET=S overrides SECONDS (0: no budget); the
 * defaults are a few times the full run with PyTorch on 2 cores. */
static char bench_budget_msg[192];
static size_t bench_budget_len;

static void bench_budget_expired(int sig)
{
    (void)sig;
    ssize_t w = write(2, bench_budget_msg, bench_budget_len); /* async-signal-safe */
    (void)w;
    _exit(1);
}

/* Nonzero when EDD_BENCH_QUICK is set to anything but "" or "0": fewer
 * repeats and smaller workloads, enough for the same-run ratios that
 * scripts/bench-check.py checks, not for headline figures. */
static inline int bench_quick(void)
{
    const char *q = getenv("EDD_BENCH_QUICK");
    return q && *q && strcmp(q, "0") != 0;
}

static inline void bench_begin(const char *name, unsigned seconds)
{
    const char *env = getenv("EDD_BENCH_BUDGET");
    if (env && *env)
        seconds = (unsigned)strtoul(env, NULL, 10);
    if (!seconds)
        return;
    int n = snprintf(bench_budget_msg, sizeof bench_budget_msg, "bench %s: over its %u s budget%s\n", name, seconds,
                     env && *env ? " (EDD_BENCH_BUDGET)" : "");
    bench_budget_len = n < 0 ? 0 : (size_t)n < sizeof bench_budget_msg ? (size_t)n : sizeof bench_budget_msg - 1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = bench_budget_expired;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    alarm(seconds);
}

/* "avx2", "avx512_core", ...: the widest ISA oneDNN may dispatch to in this
 * process (ONEDNN_MAX_CPU_ISA caps it). */
static inline const char *bench_onednn_isa(void)
{
    const char *s = dnnl_cpu_isa2str(dnnl_get_effective_cpu_isa());
    return strncmp(s, "cpu_isa_", 8) ? s : s + 8;
}

/* FLOPs of one training step per image: forward, backward data (all but
 * conv1, whose input gradient training never needs) and backward weights. */
static inline double bench_cnn_train_flops(int k)
{
    double fwd = edd_cnn_fwd_macs(k);
    return 2.0 * (fwd + (fwd - edd_layer_macs(EDD_L_CONV1, k)) + fwd);
}

static int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static inline double bench_median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, bench_cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* GFLOP/s of dnnl_sgemm on an n x n x n product, the best of reps: the
 * engine's edd_sgemm_peak (edd/profile.h), which `edd info --profile`
 * measures too. */
static inline double bench_sgemm_peak(int n, int reps) { return edd_sgemm_peak(n, reps > 32 ? 32 : reps); }

/* Run the PyTorch peer for `what` (extra: more options, or "") and copy its
 * last stdout line (JSON) into out; returns 0 if it ran, -1 if python3 with
 * torch is not available or EDD_BENCH_NO_TORCH is set. */
static inline int bench_torch(const char *what, const char *extra, int threads, char *out, size_t n)
{
    if (getenv("EDD_BENCH_NO_TORCH"))
        return -1;
    char cmd[4608];
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 bench/peers/torch_cnn.py --threads %d --what %s %s 2>/dev/null | tail -n 1", threads,
             what, extra);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    out[0] = 0;
    char *ok = fgets(out, (int)n, p);
    int rc = pclose(p);
    if (!ok || rc != 0 || out[0] != '{')
        return -1;
    out[strcspn(out, "\n")] = 0;
    return 0;
}

/* The model an attack benchmark attacks and its images: m is EDD_BENCH_MODEL
 * if set, else a K=10 CNN trained 1 epoch on the first ntrain MNIST training
 * images ($EDD_DATA_DIR/mnist or data/mnist), else random weights; te holds
 * the first ntest MNIST test images, or ntest random images labelled i % 10
 * when there is no data. how (hown bytes) says which model, *have_data
 * whether te is MNIST. On error ctx->err says why; release with
 * edd_cnn_free and edd_dataset_free. */
static inline edd_status bench_model(edd_ctx *ctx, size_t ntrain, size_t ntest, edd_cnn *m, edd_dataset *te,
                                     char *how, size_t hown, int *have_data)
{
    char dir[4096];
    const char *src = getenv("EDD_BENCH_MODEL");
    edd_status st;
    *have_data = edd_data_default_dir("mnist", dir, sizeof dir) && !edd_dataset_load(ctx, dir, 0, ntest, te);
    if (src && *src) {
        if ((st = edd_cnn_load(ctx, m, src)))
            return st;
        snprintf(how, hown, "%s", src);
    } else {
        if ((st = edd_cnn_init(ctx, m, 10, 0.2f, 0.5f, 1)))
            return st;
        snprintf(how, hown, "random weights");
        edd_dataset tr = {0};
        if (*have_data && !edd_dataset_load(ctx, dir, 1, ntrain, &tr)) {
            edd_train_opts o;
            edd_train_opts_default(&o);
            o.epochs = 1;
            o.quiet = 1;
            st = edd_train(ctx, m, &tr, &o, NULL);
            edd_dataset_free(&tr);
            if (st)
                return st;
            snprintf(how, hown, "1 epoch on %zu MNIST images", ntrain);
        }
    }
    if (!*have_data) {
        te->n = ntest;
        te->c = 1;
        te->h = te->w = 28;
        te->x = malloc(ntest * EDD_IMG_SIZE * sizeof(float));
        te->y = malloc(ntest);
        if (!te->x || !te->y)
            return edd_fail(ctx, EDD_ERR_NOMEM, "bench: out of memory for %zu images", ntest);
        for (size_t i = 0; i < ntest * EDD_IMG_SIZE; i++)
            te->x[i] = edd_rng_uniform(7, (uint32_t)i);
        for (size_t i = 0; i < ntest; i++)
            te->y[i] = (uint8_t)(i % 10);
    }
    return EDD_OK;
}

/* bench_torch on edd's own inputs: m's parameters as edd export writes
 * them, x (n x 784) as images.npy and one class per image (the target, or
 * the true label for FGM) as labels.npy go to a temporary folder passed as
 * --inputs-dir, removed afterwards. Returns as bench_torch. */
static inline int bench_torch_on(edd_ctx *ctx, const char *what, const edd_cnn *m, const float *x,
                                 const uint8_t *labels, size_t n, char *out, size_t outn)
{
    char dir[] = "/tmp/edd-bench-XXXXXX", path[4200], extra[4200];
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
    size_t xs[2] = {n, EDD_IMG_SIZE};
    snprintf(path, sizeof path, "%s/images.npy", dir);
    ok = ok && !edd_npy_write(ctx, path, EDD_NPY_F32, 2, xs, x);
    snprintf(path, sizeof path, "%s/labels.npy", dir);
    ok = ok && !edd_npy_write(ctx, path, EDD_NPY_U8, 1, xs, labels);
    snprintf(extra, sizeof extra, "--inputs-dir %s", dir);
    int rc = ok ? bench_torch(what, extra, ctx->nthreads, out, outn) : -1;
    for (int i = 0; i <= EDD_NTENSORS + 1; i++) {
        snprintf(path, sizeof path, "%s/%s.npy", dir,
                 i < EDD_NTENSORS ? m->t[i].name : i == EDD_NTENSORS ? "images" : "labels");
        unlink(path);
    }
    rmdir(dir);
    return rc;
}

/* The number after "key": in a flat JSON line, or -1. */
static inline double bench_json_num(const char *json, const char *key)
{
    char pat[128];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *s = strstr(json, pat);
    return s ? atof(s + strlen(pat)) : -1.0;
}

#endif
