/* bench/common.h - what every benchmark shares: the same-run dnnl_sgemm
 * peak, medians, and the PyTorch peer (bench/peers/torch_cnn.py) when
 * python3 with torch is there. Header-only, benchmarks only. */
#ifndef EDD_BENCH_COMMON_H
#define EDD_BENCH_COMMON_H

#include "edd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
