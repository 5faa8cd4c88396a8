/* dispatch.c - pick the AVX2 routine or its scalar twin by the level the
 * caller passes (ctx->simd). See include/edd/internal/simd.h. */
#include "edd/internal/ctx.h"
#include "edd/internal/simd.h"

void edd_dropout_f32(edd_simd lv, float *y, float *mask, const float *x, size_t n,
                     uint64_t key, uint32_t ctr0, float p)
{
    if (lv == EDD_SIMD_AVX2)
        edd_dropout_f32_avx2(y, mask, x, n, key, ctr0, p);
    else
        edd_dropout_f32_scalar(y, mask, x, n, key, ctr0, p);
}

void edd_dropout_apply_f32(edd_simd lv, float *y, const float *mask, const float *x, size_t n)
{
    if (lv == EDD_SIMD_AVX2)
        edd_dropout_apply_f32_avx2(y, mask, x, n);
    else
        edd_dropout_apply_f32_scalar(y, mask, x, n);
}

void edd_logit_variance_f32(edd_simd lv, const float *z, size_t npass, size_t nex, size_t k,
                            float *sigma)
{
    if (lv == EDD_SIMD_AVX2)
        edd_logit_variance_f32_avx2(z, npass, nex, k, sigma);
    else
        edd_logit_variance_f32_scalar(z, npass, nex, k, sigma);
}

int edd_saliency_pair_f32(edd_simd lv, const float *alpha, const float *beta,
                          const uint8_t *domain, size_t d, int *p, int *q)
{
    if (lv == EDD_SIMD_AVX2)
        return edd_saliency_pair_f32_avx2(alpha, beta, domain, d, p, q);
    return edd_saliency_pair_f32_scalar(alpha, beta, domain, d, p, q);
}
