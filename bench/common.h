/* bench/common.h - what every benchmark shares: the time budget and the
 * quick mode (bench_begin, bench_quick), the same-run dnnl_sgemm peak,
 * medians, and the PyTorch peer (bench/peers/torch_cnn.py) when python3
 * with torch is there. Header-only, benchmarks only. */
#ifndef EDD_BENCH_COMMON_H
#define EDD_BENCH_COMMON_H

#include "edd.h"

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
    switch (dnnl_get_effective_cpu_isa()) {
    case dnnl_cpu_isa_sse41: return "sse41";
    case dnnl_cpu_isa_avx: return "avx";
    case dnnl_cpu_isa_avx2: return "avx2";
    case dnnl_cpu_isa_avx2_vnni: return "avx2_vnni";
    case dnnl_cpu_isa_avx512_mic: return "avx512_mic";
    case dnnl_cpu_isa_avx512_mic_4ops: return "avx512_mic_4ops";
    case dnnl_cpu_isa_avx512_core: return "avx512_core";
    case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni";
    case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16";
    case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx";
    case dnnl_cpu_isa_all: return "all";
    default: return "other";
    }
}

/* Forward multiply-adds per image of the CNN with K outputs, counted from
 * the shapes of design.md section 2. */
static inline double bench_cnn_fwd_macs(int k)
{
    double conv1 = 64.0 * 14 * 14 * (1 * 8 * 8);
    double conv2 = 128.0 * 5 * 5 * (64 * 6 * 6);
    double conv3 = 128.0 * (128 * 5 * 5);
    double fc = (double)k * 128;
    return conv1 + conv2 + conv3 + fc;
}

/* FLOPs of one training step per image: forward, backward data (all but
 * conv1, whose input gradient training never needs) and backward weights. */
static inline double bench_cnn_train_flops(int k)
{
    double fwd = bench_cnn_fwd_macs(k), conv1 = 64.0 * 14 * 14 * 64;
    return 2.0 * (fwd + (fwd - conv1) + fwd);
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

/* GFLOP/s of dnnl_sgemm on an n x n x n product, the best of reps (a peak:
 * a transient load on a shared machine only lowers some of them), with the
 * threads oneDNN uses outside a parallel region (OMP_NUM_THREADS). */
static inline double bench_sgemm_peak(int n, int reps)
{
    float *a = malloc((size_t)n * n * sizeof(float)), *b = malloc((size_t)n * n * sizeof(float));
    float *c = malloc((size_t)n * n * sizeof(float));
    for (size_t i = 0; i < (size_t)n * n; i++) {
        a[i] = (float)(i % 7) * 0.1f;
        b[i] = (float)(i % 5) * 0.1f;
    }
    dnnl_sgemm('N', 'N', n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
    double t[32];
    if (reps > 32)
        reps = 32;
    for (int r = 0; r < reps; r++) {
        double t0 = edd_now();
        dnnl_sgemm('N', 'N', n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
        t[r] = edd_now() - t0;
    }
    free(a);
    free(b);
    free(c);
    double best = t[0];
    for (int r = 1; r < reps; r++)
        best = t[r] < best ? t[r] : best;
    return 2.0 * n * (double)n * n / best / 1e9;
}

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

/* The number after "key": in a flat JSON line, or -1. */
static inline double bench_json_num(const char *json, const char *key)
{
    char pat[128];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *s = strstr(json, pat);
    return s ? atof(s + strlen(pat)) : -1.0;
}

#endif
