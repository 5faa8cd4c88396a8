/* dropout_avx2.c - inverted dropout, 8 units at a time. Twin of
 * dropout_scalar.c; bit-exact with it. See include/edd/internal/simd.h.
 *
 * Lane l of the vector at unit i computes edd_rng_u32(key, ctr0 + i + l):
 * the 32-bit hash of core.h with _mm256_mullo_epi32 for the products (the
 * low 32 bits, as uint32_t arithmetic). ctr * 0x9E3779B9 is carried as a
 * vector advanced by 8 * 0x9E3779B9 per step (equal modulo 2^32). AVX2 has
 * no unsigned compare: u >= thr is tested as !(thr ^ 2^31 > u ^ 2^31) with
 * the signed compare. */
#include "edd/internal/simd.h"

#include <immintrin.h>

#define GOLDEN 0x9E3779B9u

static inline __m256i mix32(__m256i x)
{
    x = _mm256_xor_si256(x, _mm256_srli_epi32(x, 16));
    x = _mm256_mullo_epi32(x, _mm256_set1_epi32((int)0x7FEB352Du));
    x = _mm256_xor_si256(x, _mm256_srli_epi32(x, 15));
    x = _mm256_mullo_epi32(x, _mm256_set1_epi32((int)0x846CA68Bu));
    return _mm256_xor_si256(x, _mm256_srli_epi32(x, 16));
}

void edd_dropout_f32_avx2(float *y, float *mask, const float *x, size_t n,
                          uint64_t key, uint32_t ctr0, float p)
{
    const uint32_t thr = edd_dropout_threshold(p);
    const float scale = edd_dropout_scale(p);
    const __m256i klo = _mm256_set1_epi32((int)(uint32_t)key);
    const __m256i khi = _mm256_set1_epi32((int)(uint32_t)(key >> 32));
    const __m256i sign = _mm256_set1_epi32((int)0x80000000u);
    const __m256i thr_s = _mm256_set1_epi32((int)(thr ^ 0x80000000u));
    const __m256 vscale = _mm256_set1_ps(scale);
    const __m256i step = _mm256_set1_epi32((int)(8u * GOLDEN));
    const uint32_t c = ctr0 * GOLDEN;
    __m256i cg = _mm256_setr_epi32((int)c, (int)(c + GOLDEN), (int)(c + 2 * GOLDEN),
                                   (int)(c + 3 * GOLDEN), (int)(c + 4 * GOLDEN),
                                   (int)(c + 5 * GOLDEN), (int)(c + 6 * GOLDEN),
                                   (int)(c + 7 * GOLDEN));
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256i u = mix32(_mm256_add_epi32(cg, klo));
        u = mix32(_mm256_xor_si256(u, khi));
        cg = _mm256_add_epi32(cg, step);
        const __m256i drop = _mm256_cmpgt_epi32(thr_s, _mm256_xor_si256(u, sign));
        const __m256 m = _mm256_andnot_ps(_mm256_castsi256_ps(drop), vscale);
        const __m256 v = _mm256_mul_ps(_mm256_loadu_ps(x + i), m);
        if (mask)
            _mm256_storeu_ps(mask + i, m);
        _mm256_storeu_ps(y + i, v);
    }
    for (; i < n; i++) {
        float m = edd_rng_u32(key, ctr0 + (uint32_t)i) >= thr ? scale : 0.0f;
        if (mask)
            mask[i] = m;
        y[i] = x[i] * m;
    }
}

void edd_dropout_apply_f32_avx2(float *y, const float *mask, const float *x, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(mask + i)));
    for (; i < n; i++)
        y[i] = x[i] * mask[i];
}
