/* edd/core.h - the context, errors and the counter-based random numbers.
 *
 * Owns: edd_ctx, an opaque handle to the only mutable state edd keeps
 * (oneDNN engine and stream, thread count, SIMD level, the last error
 * message; its fields are include/edd/internal/ctx.h's), EDD_K_MAX,
 * EDD_API (the mark of what libedd.so exports).
 * May call: libc, OpenMP, oneDNN (engine and stream creation only), io
 * (edd_mem_available, for the out-of-memory message). Writes
 * to stderr only the warning of edd_threads_limit.
 *
 * Every library function that can fail returns an edd_status and leaves a
 * message in the context (edd_ctx_error); only the CLI prints it. */
#ifndef EDD_CORE_H
#define EDD_CORE_H

#include <stddef.h>
#include <stdint.h>

/* oneDNN's engine and stream, opaque here: edd's public headers do not
 * include oneDNN's. */
struct dnnl_engine;
struct dnnl_stream;

#define EDD_VERSION "0.1.0"

/* Marks a declaration that libedd.so exports. The library is compiled with
 * -fvisibility=hidden, so a function declared without it (the private
 * headers of include/edd/internal/, the study's) stays inside the library;
 * tests/symbols_test.sh checks that every exported name starts with edd_. */
#if defined(__GNUC__)
#define EDD_API __attribute__((visibility("default")))
#else
#define EDD_API
#endif

/* The most outputs (K) a model may have: the model file, edd_cnn_init, the
 * gradder and every per-row array of K values are bounded by it. */
#define EDD_K_MAX 1000

typedef enum {
    EDD_OK = 0,
    EDD_ERR_IO,     /* open, read, write, rename failed */
    EDD_ERR_FORMAT, /* a file is not what it claims to be */
    EDD_ERR_ARG,    /* a caller passed a value outside the contract */
    EDD_ERR_NOMEM,  /* allocation failed or a size overflows */
    EDD_ERR_DNNL    /* a oneDNN call failed */
} edd_status;

/* SIMD level of the hand-vectorised routines in simd/. */
typedef enum { EDD_SIMD_SCALAR = 0, EDD_SIMD_AVX2 = 1 } edd_simd;

/* A context: the one piece of mutable state edd keeps (oneDNN's engine and
 * stream, the thread count, the SIMD level, the last error message),
 * opaque to callers: made by edd_ctx_open, read through the functions
 * below, released by edd_ctx_close. One context per thread of the caller. */
typedef struct edd_ctx edd_ctx;

/* Threads per CPU online that edd_threads_limit allows. */
#define EDD_THREADS_PER_CPU 4

/* The most OpenMP threads edd runs: EDD_THREADS_PER_CPU x the CPUs online
 * (libgomp segfaults starting a region of 100,000 threads). */
EDD_API int edd_threads_cap(void);

/* The thread count to use, nthreads (--threads) or, when nthreads <= 0,
 * OpenMP's default (OMP_NUM_THREADS), kept in 1..edd_threads_cap(), and
 * made OpenMP's default for later regions. Says once on stderr, naming
 * the value and the cap, when it had to change it. libgomp reads
 * OMP_NUM_THREADS at startup but allocates a team only when a region
 * starts, so calling this before the first parallel region is enough. */
EDD_API int edd_threads_limit(int nthreads);

/* Open a context into *ctx: oneDNN's CPU engine and stream, nthreads
 * OpenMP threads (edd_threads_limit: <= 0 is OpenMP's default, capped),
 * that team started (its stacks mapped now: EDD_ERR_NOMEM, "out of memory:
 * need N MB ...", when they do not fit), the SIMD level (EDD_SIMD=scalar
 * in the environment forces the scalar twins). Under a finite RLIMIT_AS it
 * sets glibc's M_ARENA_MAX to 1 for the process, so that no thread's
 * malloc arena reserves 64 MB after a memory check. On an error *ctx
 * still holds the message (edd_ctx_error) unless it is NULL (out of
 * memory for the context itself); close it either way. */
EDD_API edd_status edd_ctx_open(edd_ctx **ctx, int nthreads);

/* A context that only carries messages, for the calls that compute
 * nothing (file checks, parsing, the folder's manifests): no engine, no
 * threads. NULL when out of memory. Close it with edd_ctx_close. */
EDD_API edd_ctx *edd_ctx_scratch(void);

/* Release ctx and everything it holds; NULL is a no-op. */
EDD_API void edd_ctx_close(edd_ctx *ctx);

/* The last error message of ctx ("" when none; a fixed message when ctx
 * is NULL, the out-of-memory case of edd_ctx_open). Valid until the next
 * call on ctx. */
EDD_API const char *edd_ctx_error(const edd_ctx *ctx);

/* The OpenMP threads ctx computes with. */
EDD_API int edd_ctx_threads(const edd_ctx *ctx);

/* The SIMD level ctx dispatches to. */
EDD_API edd_simd edd_ctx_simd(const edd_ctx *ctx);

/* Record an error message (printf format) and return st, so that a caller
 * can write `return edd_fail(ctx, EDD_ERR_IO, "%s: ...", path);`. */
EDD_API edd_status edd_fail(edd_ctx *ctx, edd_status st, const char *fmt, ...)
            __attribute__((format(printf, 3, 4)));

/* EDD_ERR_NOMEM with "out of memory: need N MB (bytes) for WHAT, M MB of
 * memory available (...)", WHAT from fmt: for an allocation that failed. */
EDD_API edd_status edd_nomem(edd_ctx *ctx, size_t bytes, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Turn a oneDNN status (a dnnl_status_t) into an edd_status with a message
 * naming `what`: dnnl_out_of_memory is EDD_ERR_NOMEM, "out of memory: need
 * more than the N MB ... available", any other failure EDD_ERR_DNNL. */
EDD_API edd_status edd_dnnl_check(edd_ctx *ctx, int s, const char *what);

/* The best SIMD level this CPU supports (AVX2 needs AVX2 and FMA). */
EDD_API edd_simd edd_simd_detect(void);

/* ---- counter-based random numbers (docs/DESIGN.md section 5) ----
 * A random number is a pure function of (key, counter): no state, so the
 * draw of unit u of example i in pass m is the same whichever thread makes
 * it. Keys are derived from (seed, stream, index) by a 64-bit mix. */

/* Key for one (seed, stream, index): e.g. stream = pass or step, index =
 * example number in the dataset. */
EDD_API uint64_t edd_rng_key(uint64_t seed, uint64_t stream, uint64_t index);

/* 32 random bits for counter ctr under key (two rounds of a 32-bit
 * avalanche hash; simd/dropout_avx2.c computes the same bits 8 at a time). */
static inline uint32_t edd_rng_u32(uint64_t key, uint32_t ctr)
{
    uint32_t x = ctr * 0x9E3779B9u + (uint32_t)key;
    x ^= x >> 16; x *= 0x7FEB352Du; x ^= x >> 15; x *= 0x846CA68Bu; x ^= x >> 16;
    x ^= (uint32_t)(key >> 32);
    x ^= x >> 16; x *= 0x7FEB352Du; x ^= x >> 15; x *= 0x846CA68Bu; x ^= x >> 16;
    return x;
}

/* Uniform float in [0, 1) with 24 random bits. */
static inline float edd_rng_uniform(uint64_t key, uint32_t ctr)
{
    return (float)(edd_rng_u32(key, ctr) >> 8) * (1.0f / 16777216.0f);
}

/* Standard normal by Box-Muller from counters 2*ctr and 2*ctr+1. */
EDD_API float edd_rng_normal(uint64_t key, uint32_t ctr);

/* Seeded Fisher-Yates permutation of 0..n-1 (same result on any thread count). */
EDD_API void edd_rng_permutation(uint64_t seed, uint64_t stream, uint32_t *perm, size_t n);

#endif
