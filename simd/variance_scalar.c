/* variance_scalar.c - scalar twin of variance_avx2.c: the MC-dropout logit
 * variance of the paper's Eq. 1. See include/edd/internal/simd.h.
 *
 * Operation order (shared with the AVX2 twin, which is therefore bit-exact):
 * for each element (e, j), sum = 0 + z[0] + z[1] + ... in pass order,
 * mean = sum / npass, s = 0 + d0*d0 + d1*d1 + ... with dm = z[m] - mean;
 * then acc = 0 + s_0 + s_1 + ... in class order, sigma[e] = acc / npass. */
#include "edd/internal/simd.h"

void edd_logit_variance_f32_scalar(const float *z, size_t npass, size_t nex, size_t k,
                                   float *sigma)
{
    const size_t stride = nex * k; /* floats between two passes */
    for (size_t e = 0; e < nex; e++) {
        float acc = 0.0f;
        for (size_t j = 0; j < k && npass > 0; j++) {
            const float *col = z + e * k + j;
            float sum = 0.0f;
            for (size_t m = 0; m < npass; m++)
                sum = sum + col[m * stride];
            const float mean = sum / (float)npass;
            float s = 0.0f;
            for (size_t m = 0; m < npass; m++) {
                const float dv = col[m * stride] - mean;
                s = s + dv * dv;
            }
            acc = acc + s;
        }
        sigma[e] = npass > 0 ? acc / (float)npass : 0.0f;
    }
}
