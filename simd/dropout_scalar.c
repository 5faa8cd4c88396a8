/* dropout_scalar.c - scalar twin of dropout_avx2.c: inverted dropout from
 * the counter-based random bits of core.h. See include/edd/internal/simd.h. */
#include "edd/internal/simd.h"

#include <string.h>

void edd_dropout_f32_scalar(float *y, float *mask, const float *x, size_t n,
                            uint64_t key, uint32_t ctr0, float p)
{
    const uint32_t thr = edd_dropout_threshold(p);
    const float scale = edd_dropout_scale(p);
    uint32_t scale_bits;
    memcpy(&scale_bits, &scale, sizeof scale_bits);
    for (size_t i = 0; i < n; i++) {
        /* keep ? scale : 0 without a branch (a coin flip mispredicts half
         * the time): the all-ones or zero word ANDed with the bits of scale */
        const uint32_t bits = scale_bits & (0u - (uint32_t)(edd_rng_u32(key, ctr0 + (uint32_t)i) >= thr));
        float m;
        memcpy(&m, &bits, sizeof m);
        if (mask)
            mask[i] = m;
        y[i] = x[i] * m;
    }
}

void edd_dropout_apply_f32_scalar(float *y, const float *mask, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] * mask[i];
}
