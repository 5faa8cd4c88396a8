/* edd/internal/simd.h - the hand-vectorised hot loops: dropout, MC-dropout logit
 * variance (Eq. 1) and the JSMA pair search; and the JSMA pair search's
 * O(d) form for beta = -alpha.
 *
 * Owns: simd/ - per routine R a scalar twin R_scalar (simd/R_scalar.c, built
 * with -ffp-contract=off), an AVX2 version R_avx2 (simd/R_avx2.c, built with
 * -mavx2 -mfma) and a dispatcher R (simd/dispatch.c) that takes the SIMD
 * level as an argument (ctx->simd) and calls R_avx2 only for EDD_SIMD_AVX2;
 * and edd_saliency_top2_f32 (simd/saliency_top2.c, scalar flags), which has
 * no AVX2 version: it reads each of its d floats three times.
 * No global state, no allocation: every routine works in place or on the
 * caller's arrays and on small fixed-size stack buffers.
 * May call: core (edd_rng_u32, the edd_simd enum), libc, <immintrin.h> in
 * the *_avx2.c files only.
 *
 * The twins perform the same IEEE float operations in the same order on
 * every output element, so for every routine the AVX2 result is bit-for-bit
 * the scalar result (docs/SIMD.md says why this holds and how it is tested).
 * The R_scalar and R_avx2 entry points are public for tests and benchmarks;
 * callers use the dispatchers. Calling R_avx2 on a CPU without AVX2 and FMA
 * is undefined (illegal instruction). */
#ifndef EDD_SIMD_H
#define EDD_SIMD_H

#include <stddef.h>
#include <stdint.h>

#include "edd/core.h"

/* ---- inverted dropout (docs/DESIGN.md section 2; random bits: section 5) ---- */

/* The 32-bit drop threshold for rate p: unit i is kept iff
 * edd_rng_u32(key, ctr0 + i) >= threshold. min(p * 2^32, 2^32 - 1) computed
 * in double and truncated; p <= 0 or NaN gives 0 (keep everything). Both
 * twins call this, so they draw identical masks. */
static inline uint32_t edd_dropout_threshold(float p)
{
    if (!(p > 0.0f))
        return 0;
    double t = (double)p * 4294967296.0;
    return t >= 4294967295.0 ? 0xFFFFFFFFu : (uint32_t)t;
}

/* The value of a kept unit: 1/(1-p) in float, and 0 for p >= 1 (every unit
 * dropped then, so nothing is scaled by infinity). p <= 0 or NaN gives 1. */
static inline float edd_dropout_scale(float p)
{
    if (!(p > 0.0f))
        return 1.0f;
    return p < 1.0f ? 1.0f / (1.0f - p) : 0.0f;
}

/* Inverted dropout of n floats: mask[i] = keep_i ? edd_dropout_scale(p) : 0
 * with keep_i = edd_rng_u32(key, ctr0 + i) >= edd_dropout_threshold(p), and
 * y[i] = x[i] * mask[i]. The counter wraps modulo 2^32. mask may be NULL
 * (then only y is written); y may equal x (in place); otherwise the arrays
 * must not overlap. p in [0, 1]. */
void edd_dropout_f32(edd_simd lv, float *y, float *mask, const float *x, size_t n,
                     uint64_t key, uint32_t ctr0, float p);
void edd_dropout_f32_scalar(float *y, float *mask, const float *x, size_t n,
                            uint64_t key, uint32_t ctr0, float p);
void edd_dropout_f32_avx2(float *y, float *mask, const float *x, size_t n,
                          uint64_t key, uint32_t ctr0, float p);

/* y[i] = x[i] * mask[i] for n floats: replays a stored dropout mask (the
 * backward pass: dx = dy * mask). y may equal x or mask. */
void edd_dropout_apply_f32(edd_simd lv, float *y, const float *mask, const float *x, size_t n);
void edd_dropout_apply_f32_scalar(float *y, const float *mask, const float *x, size_t n);
void edd_dropout_apply_f32_avx2(float *y, const float *mask, const float *x, size_t n);

/* ---- Eq. 1: MC-dropout logit variance ----
 * z holds npass x nex x k floats, pass-major (z[m][e][j] at
 * (m * nex + e) * k + j), as the MC passes write it. For each example e:
 *   zbar[j]  = (sum_m z[m][e][j]) / npass                 (first pass)
 *   sigma[e] = (sum_j sum_m (z[m][e][j] - zbar[j])^2) / npass   (Eq. 1)
 * Two passes over the npass values of each (e, j), in float: see the
 * accuracy note in docs/SIMD.md (relative error of order (npass + k) * 2^-24
 * for logits in the hundreds, npass <= 100). Writes nex floats to sigma,
 * which must not overlap z. npass == 0 gives sigma = 0. No allocation. */
void edd_logit_variance_f32(edd_simd lv, const float *z, size_t npass, size_t nex, size_t k,
                            float *sigma);
void edd_logit_variance_f32_scalar(const float *z, size_t npass, size_t nex, size_t k,
                                   float *sigma);
void edd_logit_variance_f32_avx2(const float *z, size_t npass, size_t nex, size_t k,
                                 float *sigma);

/* ---- JSMA pair search (cleverhans v2 saliency_map, docs/DESIGN.md section 8) ----
 * Among pairs p < q with domain[p] and domain[q] nonzero, a = alpha[p] +
 * alpha[q] > 0 and b = beta[p] + beta[q] < 0, find the one maximising the
 * score (-a) * b (float, no fused multiply-add). Ties go to the smallest p,
 * then the smallest q: the first maximum of the row-major d x d score matrix,
 * which is what numpy's argmax picks in cleverhans. Returns 1 and sets *p,
 * *q (p < q), or returns 0 and leaves them alone if no pair qualifies.
 * O(1) extra memory: the d x d matrix is never built. */
int edd_saliency_pair_f32(edd_simd lv, const float *alpha, const float *beta,
                          const uint8_t *domain, size_t d, int *p, int *q);
int edd_saliency_pair_f32_scalar(const float *alpha, const float *beta, const uint8_t *domain,
                                 size_t d, int *p, int *q);
int edd_saliency_pair_f32_avx2(const float *alpha, const float *beta, const uint8_t *domain,
                               size_t d, int *p, int *q);

/* The pair search for beta = -alpha (JSMA on the probabilities, whose
 * gradients sum to zero), in O(d) time: returns what
 * edd_saliency_pair_f32(lv, alpha, beta, domain, d, p, q) returns with
 * beta[i] = -alpha[i], the same pair on ties, 0 (and *p, *q untouched)
 * when no pair qualifies. A pair qualifies iff a = alpha[p] + alpha[q] > 0
 * and scores a * a, so the best pair is built from the two largest alphas
 * in the domain; the tie rule is kept by comparing float scores, not
 * values (simd/saliency_top2.c says why this is exact). */
int edd_saliency_top2_f32(const float *alpha, const uint8_t *domain, size_t d, int *p, int *q);

#endif
