/* saliency_top2.c - the JSMA pair search when beta = -alpha, in O(d): the
 * pair edd_saliency_pair_f32 returns, found without visiting the pairs.
 * See include/edd/internal/simd.h. Scalar only: three passes over d = 784 floats
 * cost a few microseconds, nothing for AVX2 to gain.
 *
 * With beta = -alpha, b = fl(-alpha[p] + -alpha[q]) = -a exactly (rounding
 * to nearest is symmetric), so a pair qualifies iff a > 0 and its score is
 * (-a) * b = a * a, bit for bit. fl(x + y) is nondecreasing in x and in y,
 * and fl(a * a) in a >= 0, so no pair scores above S = fl(a1 * a1) with
 * a1 = fl(x1 + x2), x1 >= x2 the two largest alphas in the domain (NaN
 * excluded: a NaN alpha makes every pair of its pixel fail a > 0). If a1
 * is not > 0, no pair qualifies. Otherwise the pair search returns the
 * first pair (p, q), p < q, in row-major order with a > 0 and score S:
 * rounding can give S to other pairs than the top two, so the winner is
 * found by the same comparison, not by index order among the top two:
 *   p = the first domain pixel i whose best pair scores S: its best partner
 *       is the largest alpha among the other pixels, x2 for the pixel
 *       holding x1 and x1 for every other. p's partner in a pair scoring S
 *       also has a best pair scoring S, so it lies after p (p is the first
 *       such pixel): p is the row of the first maximum;
 *   q = the first domain pixel after p whose pair with p scores S. */
#include "edd/internal/simd.h"

int edd_saliency_top2_f32(const float *alpha, const uint8_t *domain, size_t d, int *p, int *q)
{
    size_t i1 = d, i2 = d; /* pixels of x1 and x2; d: none yet */
    for (size_t i = 0; i < d; i++) {
        const float v = alpha[i];
        if (!domain[i] || v != v)
            continue;
        if (i1 == d || v > alpha[i1]) {
            i2 = i1;
            i1 = i;
        } else if (i2 == d || v > alpha[i2]) {
            i2 = i;
        }
    }
    if (i2 == d)
        return 0;
    const float a1 = alpha[i1] + alpha[i2];
    if (!(a1 > 0.0f))
        return 0;
    const float best = a1 * a1;
    size_t r = 0;
    for (; r < d; r++) {
        if (!domain[r])
            continue;
        const float a = alpha[r] + alpha[r == i1 ? i2 : i1];
        if (a > 0.0f && a * a == best)
            break;
    }
    for (size_t j = r + 1; j < d; j++) {
        if (!domain[j])
            continue;
        const float a = alpha[r] + alpha[j];
        if (a > 0.0f && a * a == best) {
            *p = (int)r;
            *q = (int)j;
            return 1;
        }
    }
    return 0;
}
