/* saliency_avx2.c - the JSMA pair search, 8 columns at a time. Twin of
 * saliency_scalar.c; returns exactly the same pair. See include/edd/internal/simd.h.
 *
 * For each row p in the domain, the columns q > p go in blocks of 8, the
 * even and odd blocks to two accumulators (two independent dependency
 * chains); lane l of each keeps the first strictly-greater qualifying score
 * of its columns and its q. At the end of the row the two are merged lane by
 * lane (greater score, on a tie the smaller q), and the row bests merged into running
 * bests (score, p, q), again by strictly greater, so each lane holds the
 * first maximum of its own columns in row-major order. The final reduction
 * takes the largest score and, among the lanes holding it, the smallest
 * (p, q): the first maximum overall, as the scalar twin. Scores are the same
 * float operations: a = alpha[p] + alpha[q], b = beta[p] + beta[q],
 * s = (-a) * b. The last partial block of a row is copied to 8-wide stack
 * arrays padded with domain 0, so no load reads past the arrays. */
#include "edd/internal/simd.h"

#include <immintrin.h>
#include <string.h>

typedef struct {
    __m256 best;   /* best score per lane, -1 if none */
    __m256i bestq; /* its column */
} lane_best;

/* One block of 8 columns starting at q0 of the row with alpha[p] = ap and
 * beta[p] = bp: a8, b8 and dom8 point at the 8 columns' entries. */
static inline void block(lane_best *r, __m256 ap, __m256 bp, const float *a8, const float *b8,
                         const uint8_t *dom8, int q0)
{
    const __m256 zero = _mm256_setzero_ps();
    const __m256i dz = _mm256_cmpeq_epi32(
        _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)dom8)), _mm256_setzero_si256());
    const __m256 a = _mm256_add_ps(ap, _mm256_loadu_ps(a8));
    const __m256 b = _mm256_add_ps(bp, _mm256_loadu_ps(b8));
    const __m256 qual = _mm256_andnot_ps(
        _mm256_castsi256_ps(dz),
        _mm256_and_ps(_mm256_cmp_ps(a, zero, _CMP_GT_OQ), _mm256_cmp_ps(b, zero, _CMP_LT_OQ)));
    const __m256 s = _mm256_mul_ps(_mm256_xor_ps(a, _mm256_set1_ps(-0.0f)), b);
    const __m256 better = _mm256_and_ps(qual, _mm256_cmp_ps(s, r->best, _CMP_GT_OQ));
    r->best = _mm256_blendv_ps(r->best, s, better);
    const __m256i q = _mm256_add_epi32(_mm256_set1_epi32(q0),
                                       _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    r->bestq = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(r->bestq),
                                                    _mm256_castsi256_ps(q), better));
}

int edd_saliency_pair_f32_avx2(const float *alpha, const float *beta, const uint8_t *domain,
                               size_t d, int *p, int *q)
{
    const __m256 none = _mm256_set1_ps(-1.0f);
    __m256 gbest = none;
    __m256i gp = _mm256_setzero_si256(), gq = _mm256_setzero_si256();
    for (size_t i = 0; i < d; i++) {
        if (!domain[i])
            continue;
        const __m256 ap = _mm256_set1_ps(alpha[i]), bp = _mm256_set1_ps(beta[i]);
        lane_best r = {none, _mm256_setzero_si256()}, r1 = r;
        size_t j = i + 1;
        for (; j + 16 <= d; j += 16) {
            block(&r, ap, bp, alpha + j, beta + j, domain + j, (int)j);
            block(&r1, ap, bp, alpha + j + 8, beta + j + 8, domain + j + 8, (int)j + 8);
        }
        for (; j + 8 <= d; j += 8)
            block(&r, ap, bp, alpha + j, beta + j, domain + j, (int)j);
        if (j < d) {
            float a8[8] = {0}, b8[8] = {0};
            uint8_t dom8[8] = {0};
            memcpy(a8, alpha + j, (d - j) * sizeof *a8);
            memcpy(b8, beta + j, (d - j) * sizeof *b8);
            memcpy(dom8, domain + j, d - j);
            block(&r, ap, bp, a8, b8, dom8, (int)j);
        }
        /* merge the odd blocks' bests: the greater score, on a tie the
         * smaller column */
        const __m256 take = _mm256_or_ps(
            _mm256_cmp_ps(r1.best, r.best, _CMP_GT_OQ),
            _mm256_and_ps(_mm256_cmp_ps(r1.best, r.best, _CMP_EQ_OQ),
                          _mm256_castsi256_ps(_mm256_cmpgt_epi32(r.bestq, r1.bestq))));
        r.best = _mm256_blendv_ps(r.best, r1.best, take);
        r.bestq = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(r.bestq),
                                                       _mm256_castsi256_ps(r1.bestq), take));
        const __m256 better = _mm256_cmp_ps(r.best, gbest, _CMP_GT_OQ);
        gbest = _mm256_blendv_ps(gbest, r.best, better);
        gp = _mm256_castps_si256(_mm256_blendv_ps(
            _mm256_castsi256_ps(gp), _mm256_castsi256_ps(_mm256_set1_epi32((int)i)), better));
        gq = _mm256_castps_si256(
            _mm256_blendv_ps(_mm256_castsi256_ps(gq), _mm256_castsi256_ps(r.bestq), better));
    }
    float sc[8];
    int pp[8], qq[8];
    _mm256_storeu_ps(sc, gbest);
    _mm256_storeu_si256((__m256i *)pp, gp);
    _mm256_storeu_si256((__m256i *)qq, gq);
    int found = -1;
    for (int l = 0; l < 8; l++) {
        if (!(sc[l] >= 0.0f))
            continue;
        if (found < 0 || sc[l] > sc[found] ||
            (sc[l] == sc[found] && (pp[l] < pp[found] || (pp[l] == pp[found] && qq[l] < qq[found]))))
            found = l;
    }
    if (found < 0)
        return 0;
    *p = pp[found];
    *q = qq[found];
    return 1;
}
