/* saliency_scalar.c - scalar twin of saliency_avx2.c: the JSMA pair search
 * (cleverhans v2 saliency_map, increasing features). See include/edd/internal/simd.h.
 *
 * Rows p in increasing order, columns q > p in increasing order, and a
 * strictly greater score replaces the best: the first maximum in row-major
 * order wins, as numpy's argmax. */
#include "edd/internal/simd.h"

int edd_saliency_pair_f32_scalar(const float *alpha, const float *beta, const uint8_t *domain,
                                 size_t d, int *p, int *q)
{
    float best = -1.0f; /* every qualifying score is >= +0 */
    int found = 0;
    for (size_t i = 0; i < d; i++) {
        if (!domain[i])
            continue;
        for (size_t j = i + 1; j < d; j++) {
            if (!domain[j])
                continue;
            const float a = alpha[i] + alpha[j];
            const float b = beta[i] + beta[j];
            if (!(a > 0.0f && b < 0.0f))
                continue;
            const float s = (-a) * b;
            if (s > best) {
                best = s;
                *p = (int)i;
                *q = (int)j;
                found = 1;
            }
        }
    }
    return found;
}
