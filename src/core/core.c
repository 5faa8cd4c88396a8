/* core.c - context, errors, the thread cap, random numbers. See include/edd/core.h. */
#include "edd/core.h"
#include "edd/internal/ctx.h"
#include "edd/io.h"

#include <oneapi/dnnl/dnnl.h>

#include <malloc.h>
#include <math.h>
#include <omp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

edd_status edd_fail(edd_ctx *ctx, edd_status st, const char *fmt, ...)
{
    if (ctx) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ctx->err, sizeof ctx->err, fmt, ap);
        va_end(ap);
    }
    return st;
}

edd_status edd_nomem(edd_ctx *ctx, size_t bytes, const char *fmt, ...)
{
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    size_t avail = edd_mem_available();
    return edd_fail(ctx, EDD_ERR_NOMEM, "out of memory: need %.1f MB (%zu bytes) for %s, %.1f MB of memory available "
                    "(MemAvailable and free swap, RLIMIT_AS, RLIMIT_DATA)", bytes / 1048576.0, bytes, what,
                    avail / 1048576.0);
}

edd_status edd_dnnl_check(edd_ctx *ctx, int s, const char *what)
{
    if (s == dnnl_success)
        return EDD_OK;
    if (s == dnnl_out_of_memory) {
        size_t avail = edd_mem_available();
        return edd_fail(ctx, EDD_ERR_NOMEM, "out of memory: need more than the %.1f MB of memory available "
                        "(MemAvailable and free swap, RLIMIT_AS, RLIMIT_DATA): oneDNN: %s failed", avail / 1048576.0,
                        what);
    }
    return edd_fail(ctx, EDD_ERR_DNNL, "oneDNN: %s failed with status %d", what, (int)s);
}

edd_simd edd_simd_detect(void)
{
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return EDD_SIMD_AVX2;
    return EDD_SIMD_SCALAR;
}

int edd_threads_cap(void)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    return (int)((cpus > 0 && cpus < 4096 ? cpus : 1) * EDD_THREADS_PER_CPU);
}

int edd_threads_limit(int nthreads)
{
    int want = nthreads > 0 ? nthreads : omp_get_max_threads(), cap = edd_threads_cap();
    int use = want < 1 ? 1 : want > cap ? cap : want;
    if (use != want)
        fprintf(stderr, "edd: warning: %s %d is outside 1..%d (%d x the CPUs online); using %d threads\n",
                nthreads > 0 ? "--threads" : "OMP_NUM_THREADS", want, cap, EDD_THREADS_PER_CPU, use);
    if (use != omp_get_max_threads())
        omp_set_num_threads(use);
    return use;
}

/* Under a finite RLIMIT_AS, start the team of n OpenMP threads now, each
 * with its stack, so that what they map is in the address space before any
 * plan's memory check, not taken later inside a oneDNN call; refused with
 * "out of memory" when the stacks do not fit (libgomp would exit). There,
 * too, every thread allocates from glibc's main arena: another thread's
 * arena reserves 64 MB of address space per heap, at moments no check can
 * foresee (oneDNN died by a signal when one came after a plan's check).
 * Without a limit, the team starts at the first parallel region, as usual. */
static edd_status team_start(edd_ctx *ctx, int n)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_AS, &rl) || rl.rlim_cur == RLIM_INFINITY)
        return EDD_OK;
    mallopt(M_ARENA_MAX, 1);
    size_t stack = getrlimit(RLIMIT_STACK, &rl) || rl.rlim_cur == RLIM_INFINITY ? (size_t)8 << 20 : rl.rlim_cur;
    char what[64];
    snprintf(what, sizeof what, "a team of %d OpenMP threads (their stacks)", n);
    /* 16 MB beyond the stacks: libgomp's team, static TLS, the first allocations of each thread */
    edd_status st = n > 1 ? edd_mem_check(ctx, what, (size_t)(n - 1) * stack + ((size_t)16 << 20)) : EDD_OK;
    if (!st) {
        /* empty: libgomp creates the threads and keeps them for later regions */
        #pragma omp parallel num_threads(n)
        {
        }
    }
    return st;
}

edd_status edd_ctx_init(edd_ctx *ctx, int nthreads)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->nthreads = edd_threads_limit(nthreads);
    edd_status st = team_start(ctx, ctx->nthreads);
    if (st)
        return st;
    ctx->simd = edd_simd_detect();
    const char *force = getenv("EDD_SIMD");
    if (force && strcmp(force, "scalar") == 0)
        ctx->simd = EDD_SIMD_SCALAR;
    const char *choice = getenv("EDD_PLAN_CHOICE");
    if (choice && *choice && strcmp(choice, "measure") && strcmp(choice, "fixed"))
        return edd_fail(ctx, EDD_ERR_ARG, "EDD_PLAN_CHOICE '%.40s': expected measure (the default) or fixed", choice);
    ctx->plan_fixed = choice && !strcmp(choice, "fixed");
    st = edd_dnnl_check(ctx, dnnl_engine_create(&ctx->engine, dnnl_cpu, 0), "engine create");
    if (st)
        return st;
    return edd_dnnl_check(ctx, dnnl_stream_create(&ctx->stream, ctx->engine, dnnl_stream_default_flags),
                          "stream create");
}

void edd_ctx_free(edd_ctx *ctx)
{
    if (ctx->stream)
        dnnl_stream_destroy(ctx->stream);
    if (ctx->engine)
        dnnl_engine_destroy(ctx->engine);
    ctx->stream = NULL;
    ctx->engine = NULL;
}

edd_status edd_ctx_open(edd_ctx **ctx, int nthreads)
{
    *ctx = calloc(1, sizeof **ctx);
    return *ctx ? edd_ctx_init(*ctx, nthreads) : EDD_ERR_NOMEM;
}

edd_ctx *edd_ctx_scratch(void)
{
    edd_ctx *ctx = calloc(1, sizeof *ctx);
    if (ctx)
        ctx->nthreads = 1;
    return ctx;
}

void edd_ctx_close(edd_ctx *ctx)
{
    if (!ctx)
        return;
    edd_ctx_free(ctx);
    free(ctx);
}

const char *edd_ctx_error(const edd_ctx *ctx)
{
    return ctx ? ctx->err : "out of memory for the context";
}

int edd_ctx_threads(const edd_ctx *ctx)
{
    return ctx->nthreads;
}

edd_simd edd_ctx_simd(const edd_ctx *ctx)
{
    return ctx->simd;
}

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

uint64_t edd_rng_key(uint64_t seed, uint64_t stream, uint64_t index)
{
    uint64_t k = mix64(seed + 0x9E3779B97F4A7C15ull);
    k = mix64(k ^ (stream + 0x632BE59BD9B4E019ull));
    return mix64(k ^ (index + 0x8CB92BA72F3D8DD7ull));
}

float edd_rng_normal(uint64_t key, uint32_t ctr)
{
    float u1 = ((float)(edd_rng_u32(key, 2 * ctr) >> 8) + 1.0f) * (1.0f / 16777217.0f);
    float u2 = edd_rng_uniform(key, 2 * ctr + 1);
    return sqrtf(-2.0f * logf(u1)) * cosf(6.28318530718f * u2);
}

void edd_rng_permutation(uint64_t seed, uint64_t stream, uint32_t *perm, size_t n)
{
    uint64_t key = edd_rng_key(seed, stream, 0x5EED);
    for (size_t i = 0; i < n; i++)
        perm[i] = (uint32_t)i;
    for (size_t i = n; i > 1; i--) {
        uint64_t r = ((uint64_t)edd_rng_u32(key, (uint32_t)(2 * i)) << 32) | edd_rng_u32(key, (uint32_t)(2 * i + 1));
        size_t j = (size_t)(r % i);
        uint32_t t = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = t;
    }
}
