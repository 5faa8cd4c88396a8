/* bench/simd.c - the hand-vectorised routines (include/edd/internal/simd.h), AVX2
 * against the scalar twin in the same run, and dropout and Eq. 1 variance
 * against a memcpy of the same arrays in the same run.
 *
 * Each figure is the median of REPS timings; one timing runs the routine
 * enough times to take about 10 ms. Bandwidths count bytes read plus bytes
 * written: dropout reads x and writes y and the mask (12 bytes a unit), the
 * variance reads npass*nex*k logits (and writes nex floats), memcpy of B
 * bytes moves 2B. Saliency is counted in pair evaluations (d(d-1)/2 a call,
 * whole domain). Human lines first, one JSON object on the last line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "edd/internal/simd.h"
#include "common.h"

#define REPS 11

typedef enum { DROPOUT, VARIANCE, SALIENCY, MEMCPY } kind;

typedef struct {
    kind what;
    edd_simd lv;
    float *a, *b, *c; /* dropout: x, y, mask; variance: z, sigma; saliency: alpha, beta */
    uint8_t *dom;
    size_t n, npass, nex, k;
} job;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void run(const job *j, unsigned it)
{
    int p, q;
    switch (j->what) {
    case DROPOUT:
        edd_dropout_f32(j->lv, j->b, j->c, j->a, j->n, 0x1234567887654321ull, it * (uint32_t)j->n,
                        0.5f);
        break;
    case VARIANCE:
        edd_logit_variance_f32(j->lv, j->a, j->npass, j->nex, j->k, j->b);
        break;
    case SALIENCY:
        if (!edd_saliency_pair_f32(j->lv, j->a, j->b, j->dom, j->n, &p, &q))
            fprintf(stderr, "no pair found\n");
        break;
    case MEMCPY:
        memcpy(j->b, j->a, j->n * sizeof(float));
        break;
    }
}

static int cmp_double(const void *x, const void *y)
{
    const double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* Median seconds per call. */
static double time_job(const job *j)
{
    unsigned iters = 1;
    for (;;) { /* calibrate to about 10 ms a timing */
        const double t0 = now();
        for (unsigned i = 0; i < iters; i++)
            run(j, i);
        const double t = now() - t0;
        if (t > 0.01 || iters > (1u << 24))
            break;
        iters *= t < 0.001 ? 8 : 2;
    }
    double t[REPS];
    for (int r = 0; r < REPS; r++) {
        const double t0 = now();
        for (unsigned i = 0; i < iters; i++)
            run(j, i);
        t[r] = (now() - t0) / iters;
    }
    qsort(t, REPS, sizeof t[0], cmp_double);
    return t[REPS / 2];
}

static float *alloc_floats(size_t n, unsigned seed)
{
    float *v = aligned_alloc(64, ((n * sizeof(float) + 63) / 64) * 64);
    if (!v) {
        fprintf(stderr, "bench/simd: out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < n; i++)
        v[i] = edd_rng_uniform(seed, (uint32_t)i) * 2.0f - 1.0f;
    return v;
}

/* Dropout on the two dropout layers' activations at batch 128: scalar,
 * AVX2 and memcpy; its JSON appended to json at off (cap bytes). */
static size_t bench_dropout(int avx2, char *json, size_t cap, size_t off)
{
    const size_t drop_n[] = {128 * 784, 128 * 128};
    off += (size_t)snprintf(json + off, cap - off, ",\"dropout\":[");
    for (int s = 0; s < 2; s++) {
        const size_t n = drop_n[s];
        job j = {.what = DROPOUT, .a = alloc_floats(n, 1), .b = alloc_floats(n, 2),
                 .c = alloc_floats(n, 3), .n = n};
        j.lv = EDD_SIMD_SCALAR;
        const double ts = time_job(&j);
        j.lv = EDD_SIMD_AVX2;
        const double tv = avx2 ? time_job(&j) : 0.0;
        j.what = MEMCPY;
        const double tm = time_job(&j);
        const double gbm = 8.0 * (double)n / tm * 1e-9;
        const double gbs = 12.0 * (double)n / ts * 1e-9, gbv = avx2 ? 12.0 * (double)n / tv * 1e-9 : 0.0;
        printf("dropout n=%zu: scalar %.1f us (%.2f GB/s), avx2 %.1f us (%.2f GB/s), ratio %.2fx; "
               "memcpy %.2f GB/s: scalar %.2f, avx2 %.2f of it\n",
               n, ts * 1e6, gbs, tv * 1e6, gbv, avx2 ? ts / tv : 0.0, gbm, gbs / gbm, gbv / gbm);
        off += (size_t)snprintf(json + off, cap - off,
                                "%s{\"n\":%zu,\"scalar_us\":%.3f,\"avx2_us\":%.3f,\"ratio\":%.3f,"
                                "\"memcpy_gbs\":%.3f,\"scalar_memcpy_frac\":%.3f,\"avx2_memcpy_frac\":%.3f}",
                                s ? "," : "", n, ts * 1e6, tv * 1e6, avx2 ? ts / tv : 0.0, gbm,
                                gbs / gbm, gbv / gbm);
        free(j.a), free(j.b), free(j.c);
    }
    return off;
}

/* Eq. 1 on N = 20 passes of K = 11 logits, as bench_dropout. */
static size_t bench_variance(int avx2, char *json, size_t cap, size_t off)
{
    const size_t nexs[] = {128, 1000, 10000};
    off += (size_t)snprintf(json + off, cap - off, "],\"variance\":[");
    for (int s = 0; s < 3; s++) {
        const size_t npass = 20, nex = nexs[s], k = 11, n = npass * nex * k;
        job j = {.what = VARIANCE, .a = alloc_floats(n, 4), .b = alloc_floats(nex, 5),
                 .npass = npass, .nex = nex, .k = k};
        for (size_t i = 0; i < n; i++)
            j.a[i] *= 300.0f;
        j.lv = EDD_SIMD_SCALAR;
        const double ts = time_job(&j);
        j.lv = EDD_SIMD_AVX2;
        const double tv = avx2 ? time_job(&j) : 0.0;
        float *dst = alloc_floats(n, 6);
        job m = {.what = MEMCPY, .a = j.a, .b = dst, .n = n};
        const double tm = time_job(&m);
        const double bytes = 4.0 * (double)(n + nex);
        const double gbm = 8.0 * (double)n / tm * 1e-9;
        const double gbs = bytes / ts * 1e-9, gbv = avx2 ? bytes / tv * 1e-9 : 0.0;
        printf("variance N=%zu nex=%zu k=%zu: scalar %.1f us (%.2f GB/s), avx2 %.1f us (%.2f GB/s), "
               "ratio %.2fx; memcpy %.2f GB/s: scalar %.2f, avx2 %.2f of it\n",
               npass, nex, k, ts * 1e6, gbs, tv * 1e6, gbv, avx2 ? ts / tv : 0.0, gbm, gbs / gbm,
               gbv / gbm);
        off += (size_t)snprintf(json + off, cap - off,
                                "%s{\"npass\":%zu,\"nex\":%zu,\"k\":%zu,\"scalar_us\":%.3f,\"avx2_us\":%.3f,"
                                "\"ratio\":%.3f,\"memcpy_gbs\":%.3f,\"scalar_memcpy_frac\":%.3f,"
                                "\"avx2_memcpy_frac\":%.3f}",
                                s ? "," : "", npass, nex, k, ts * 1e6, tv * 1e6,
                                avx2 ? ts / tv : 0.0, gbm, gbs / gbm, gbv / gbm);
        free(j.a), free(j.b), free(dst);
    }
    return off;
}

/* The JSMA pair search over one MNIST image, whole domain, as
 * bench_dropout. */
static size_t bench_saliency(int avx2, char *json, size_t cap, size_t off)
{
    const size_t d = 784;
    job j = {.what = SALIENCY, .a = alloc_floats(d, 7), .b = alloc_floats(d, 8), .n = d};
    j.dom = malloc(d);
    if (!j.dom) {
        fprintf(stderr, "bench/simd: out of memory\n");
        exit(1);
    }
    memset(j.dom, 1, d);
    const double pairs = (double)d * (double)(d - 1) / 2.0;
    j.lv = EDD_SIMD_SCALAR;
    const double ts = time_job(&j);
    j.lv = EDD_SIMD_AVX2;
    const double tv = avx2 ? time_job(&j) : 0.0;
    printf("saliency d=%zu: scalar %.1f us (%.3g pairs/s), avx2 %.1f us (%.3g pairs/s), "
           "ratio %.2fx\n",
           d, ts * 1e6, pairs / ts, tv * 1e6, avx2 ? pairs / tv : 0.0, avx2 ? ts / tv : 0.0);
    off += (size_t)snprintf(json + off, cap - off,
                            "],\"saliency\":{\"d\":%zu,\"scalar_us\":%.3f,\"avx2_us\":%.3f,"
                            "\"scalar_pairs_per_s\":%.4g,\"avx2_pairs_per_s\":%.4g,\"ratio\":%.3f}}",
                            d, ts * 1e6, tv * 1e6, pairs / ts, avx2 ? pairs / tv : 0.0,
                            avx2 ? ts / tv : 0.0);
    free(j.a), free(j.b), free(j.dom);
    return off;
}

int main(void)
{
    bench_begin("simd", 60);
    const edd_simd best = edd_simd_detect();
    const int avx2 = best == EDD_SIMD_AVX2;
    printf("simd: this CPU %s AVX2+FMA\n", avx2 ? "has" : "lacks (AVX2 columns skipped)");
    char json[4096];
    size_t off = (size_t)snprintf(json, sizeof json, "{\"bench\":\"simd\",\"avx2\":%s", avx2 ? "true" : "false");

    off = bench_dropout(avx2, json, sizeof json, off);
    off = bench_variance(avx2, json, sizeof json, off);
    off = bench_saliency(avx2, json, sizeof json, off);
    printf("%s\n", json);
    return 0;
}
