/* test_simd.c - the hand-vectorised routines (include/edd/internal/simd.h): each AVX2
 * routine against its scalar twin bit for bit, and both against references
 * written here from the contracts: dropout and the Eq. 1 variance here, the
 * JSMA pair searches in test_simd_saliency.c. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edd/internal/ctx.h"
#include "edd/internal/simd.h"
#include "simd_util.h"

TestSuite(simd, .timeout = 60);

static void require_avx2(void)
{
    if (edd_simd_detect() != EDD_SIMD_AVX2)
        cr_skip_test("this CPU has no AVX2+FMA");
}

static float *random_floats(uint64_t *s, size_t n, float lo, float hi)
{
    float *v = malloc((n ? n : 1) * sizeof *v);
    cr_assert_not_null(v);
    for (size_t i = 0; i < n; i++)
        v[i] = uniform(s, lo, hi);
    return v;
}

/* ---- dropout ---- */

static const float rates[] = {0.0f, 0.2f, 0.5f, 0.9f};

Test(simd, dropout_threshold_and_scale)
{
    cr_expect_eq(edd_dropout_threshold(0.0f), 0u);
    cr_expect_eq(edd_dropout_threshold(-0.5f), 0u);
    cr_expect_eq(edd_dropout_threshold(NAN), 0u);
    cr_expect_eq(edd_dropout_threshold(0.5f), 0x80000000u);
    cr_expect_eq(edd_dropout_threshold(0.25f), 0x40000000u);
    cr_expect_eq(edd_dropout_threshold(1.0f), 0xFFFFFFFFu);
    cr_expect_eq(edd_dropout_threshold(0.2f), (uint32_t)((double)0.2f * 4294967296.0));
    cr_expect_eq(edd_dropout_scale(0.0f), 1.0f);
    cr_expect_eq(edd_dropout_scale(0.5f), 2.0f);
    cr_expect_eq(edd_dropout_scale(0.2f), 1.0f / (1.0f - 0.2f));
    cr_expect_eq(edd_dropout_scale(1.0f), 0.0f);
}

Test(simd, dropout_avx2_equals_scalar_bitwise)
{
    require_avx2();
    uint64_t s = 11;
    for (size_t r = 0; r < sizeof rates / sizeof rates[0]; r++) {
        for (int t = 0; t < 150; t++) {
            const size_t n = t < 20 ? (size_t)t : below(&s, 1001);
            const uint64_t key = next_u64(&s);
            /* odd counters, and counters that wrap past 2^32 */
            const uint32_t ctr0 = t % 3 == 0 ? 0xFFFFFFFFu - (uint32_t)below(&s, 40)
                                             : (uint32_t)next_u64(&s) | 1u;
            float *x = random_floats(&s, n, -3.0f, 3.0f);
            float *y1 = malloc((n + 1) * sizeof *y1), *y2 = malloc((n + 1) * sizeof *y2);
            float *m1 = malloc((n + 1) * sizeof *m1), *m2 = malloc((n + 1) * sizeof *m2);
            cr_assert(y1 && y2 && m1 && m2);
            edd_dropout_f32_scalar(y1, m1, x, n, key, ctr0, rates[r]);
            edd_dropout_f32_avx2(y2, m2, x, n, key, ctr0, rates[r]);
            cr_assert_eq(memcmp(y1, y2, n * sizeof *y1), 0, "y differs: p=%g n=%zu", rates[r], n);
            cr_assert_eq(memcmp(m1, m2, n * sizeof *m1), 0, "mask differs: p=%g n=%zu", rates[r], n);
            /* without a mask, and in place */
            edd_dropout_f32_avx2(y2, NULL, x, n, key, ctr0, rates[r]);
            cr_assert_eq(memcmp(y1, y2, n * sizeof *y1), 0);
            edd_dropout_f32_avx2(x, NULL, x, n, key, ctr0, rates[r]);
            cr_assert_eq(memcmp(y1, x, n * sizeof *y1), 0);
            /* the dispatcher at the AVX2 level is the AVX2 routine */
            edd_dropout_f32(EDD_SIMD_AVX2, y2, m2, y1, n, key, ctr0 + 5, rates[r]);
            edd_dropout_f32_scalar(x, m1, y1, n, key, ctr0 + 5, rates[r]);
            cr_assert_eq(memcmp(x, y2, n * sizeof *x), 0);
            cr_assert_eq(memcmp(m1, m2, n * sizeof *m1), 0);
            free(x), free(y1), free(y2), free(m1), free(m2);
        }
    }
}

/* The mask is the edd_rng_u32 reference, kept units are scaled by 1/(1-p),
 * for both twins (the AVX2 one when the CPU has it). */
Test(simd, dropout_mask_matches_rng_reference)
{
    uint64_t s = 12;
    const edd_simd lv = edd_simd_detect();
    for (size_t r = 0; r < sizeof rates / sizeof rates[0]; r++) {
        const float p = rates[r];
        const uint32_t thr = (uint32_t)fmin((double)p * 4294967296.0, 4294967295.0);
        const float scale = 1.0f / (1.0f - p);
        const size_t n = 1003;
        const uint64_t key = next_u64(&s);
        const uint32_t ctr0 = 0xFFFFFF00u + 7u;
        float *x = random_floats(&s, n, 0.5f, 2.0f);
        float *y = malloc(n * sizeof *y), *m = malloc(n * sizeof *m);
        cr_assert(y && m);
        for (int tw = 0; tw < 2; tw++) {
            if (tw == 0)
                edd_dropout_f32_scalar(y, m, x, n, key, ctr0, p);
            else
                edd_dropout_f32(lv, y, m, x, n, key, ctr0, p);
            for (size_t i = 0; i < n; i++) {
                const int keep = edd_rng_u32(key, ctr0 + (uint32_t)i) >= thr;
                cr_assert_eq(m[i], keep ? scale : 0.0f, "p=%g i=%zu", p, i);
                cr_assert_eq(y[i], keep ? x[i] * scale : 0.0f);
            }
        }
        free(x), free(y), free(m);
    }
}

Test(simd, dropout_keep_rate_binomial)
{
    const size_t n = 1000000;
    float *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), *m = malloc(n * sizeof *m);
    cr_assert(x && y && m);
    for (size_t i = 0; i < n; i++)
        x[i] = 1.0f;
    const float ps[] = {0.2f, 0.5f};
    const edd_simd levels[] = {EDD_SIMD_SCALAR, edd_simd_detect()};
    for (int a = 0; a < 2; a++) {
        for (int b = 0; b < 2; b++) {
            const double p = ps[a];
            edd_dropout_f32(levels[b], y, m, x, n, edd_rng_key(7, 1, (uint64_t)a), 0, ps[a]);
            size_t kept = 0;
            for (size_t i = 0; i < n; i++) {
                if (m[i] != 0.0f) {
                    kept++;
                    cr_assert_eq(y[i], 1.0f / (1.0f - ps[a]));
                }
            }
            const double mean = (double)n * (1.0 - p), sd = sqrt((double)n * p * (1.0 - p));
            cr_expect(fabs((double)kept - mean) <= 5.0 * sd, "p=%g kept %zu of %zu, expected %g +- %g",
                      p, kept, n, mean, 5.0 * sd);
        }
    }
    free(x), free(y), free(m);
}

Test(simd, dropout_apply_replays_mask)
{
    uint64_t s = 13;
    const edd_simd lv = edd_simd_detect();
    for (size_t n = 0; n < 40; n++) {
        float *x = random_floats(&s, n, -1.0f, 1.0f), *m = random_floats(&s, n, 0.0f, 2.0f);
        float *y1 = malloc((n + 1) * sizeof *y1), *y2 = malloc((n + 1) * sizeof *y2);
        cr_assert(y1 && y2);
        edd_dropout_apply_f32_scalar(y1, m, x, n);
        edd_dropout_apply_f32(lv, y2, m, x, n);
        for (size_t i = 0; i < n; i++) {
            cr_assert_eq(y1[i], x[i] * m[i]);
            cr_assert_eq(y2[i], y1[i]);
        }
        free(x), free(m), free(y1), free(y2);
    }
}

/* ---- Eq. 1: logit variance ---- */

/* Double-precision two-pass reference of Eq. 1. */
static void variance_ref(const float *z, size_t npass, size_t nex, size_t k, double *out)
{
    for (size_t e = 0; e < nex; e++) {
        double acc = 0.0;
        for (size_t j = 0; j < k; j++) {
            double mean = 0.0;
            for (size_t m = 0; m < npass; m++)
                mean += z[(m * nex + e) * k + j];
            mean /= (double)npass;
            for (size_t m = 0; m < npass; m++) {
                const double dv = z[(m * nex + e) * k + j] - mean;
                acc += dv * dv;
            }
        }
        out[e] = acc / (double)npass;
    }
}

Test(simd, variance_hand_computed)
{
    /* N=2, one example, k=2: passes (0,0) and (2,4), mean (1,2):
     * ((1+4) + (1+4)) / 2 = 5 */
    const float z[] = {0, 0, 2, 4};
    /* N=3, two examples, k=1: example 0 sees 1,2,3 (mean 2: (1+0+1)/3),
     * example 1 sees 5,5,5 (0) */
    const float z2[] = {1, 5, 2, 5, 3, 5};
    const edd_simd levels[] = {EDD_SIMD_SCALAR, edd_simd_detect()};
    for (int l = 0; l < 2; l++) {
        float sigma[2] = {-1, -1};
        edd_logit_variance_f32(levels[l], z, 2, 1, 2, sigma);
        cr_expect_eq(sigma[0], 5.0f);
        cr_expect_eq(sigma[1], -1.0f, "wrote past nex");
        edd_logit_variance_f32(levels[l], z2, 3, 2, 1, sigma);
        cr_expect_float_eq(sigma[0], 2.0f / 3.0f, 1e-7f);
        cr_expect_eq(sigma[1], 0.0f);
        /* no passes: sigma is 0 */
        edd_logit_variance_f32(levels[l], z2, 0, 2, 1, sigma);
        cr_expect(sigma[0] == 0.0f && sigma[1] == 0.0f);
    }
}

Test(simd, variance_zero_for_identical_passes)
{
    uint64_t s = 21;
    const size_t npass = 20, nex = 37, k = 11;
    float *z = malloc(npass * nex * k * sizeof *z), *sigma = malloc(nex * sizeof *sigma);
    cr_assert(z && sigma);
    const edd_simd levels[] = {EDD_SIMD_SCALAR, edd_simd_detect()};
    for (int integral = 0; integral < 2; integral++) {
        for (size_t o = 0; o < nex * k; o++) {
            const float v = integral ? (float)((int)below(&s, 601) - 300) : uniform(&s, -300, 300);
            for (size_t m = 0; m < npass; m++)
                z[m * nex * k + o] = v;
        }
        for (int l = 0; l < 2; l++) {
            edd_logit_variance_f32(levels[l], z, npass, nex, k, sigma);
            for (size_t e = 0; e < nex; e++) {
                if (integral) /* the sum and mean are exact: exactly zero */
                    cr_assert_eq(sigma[e], 0.0f);
                else /* mean rounding only: (N * 2^-24 * 300)^2 * k scale */
                    cr_assert(sigma[e] >= 0.0f && sigma[e] < 1e-3f, "sigma %g", sigma[e]);
            }
        }
    }
    free(z), free(sigma);
}

/* Logits in the hundreds with a spread of order 1: bit-exact between the
 * twins, and within 1e-5 relative of the double reference. */
Test(simd, variance_avx2_equals_scalar_and_reference)
{
    require_avx2();
    uint64_t s = 22;
    const size_t passes[] = {1, 2, 3, 20, 100};
    const size_t ks[] = {1, 3, 10, 11, 13};
    for (int t = 0; t < 60; t++) {
        const size_t npass = passes[t % 5], k = ks[(t / 5) % 5];
        const size_t nex = t < 10 ? (size_t)t + 1 : 1 + below(&s, 300);
        const size_t n = nex * k;
        float *z = malloc(npass * n * sizeof *z);
        float *s1 = malloc(nex * sizeof *s1), *s2 = malloc(nex * sizeof *s2);
        double *ref = malloc(nex * sizeof *ref);
        cr_assert(z && s1 && s2 && ref);
        const float spread = t % 2 ? 1.0f : 30.0f;
        for (size_t o = 0; o < n; o++) {
            const float c = uniform(&s, -300, 300);
            for (size_t m = 0; m < npass; m++)
                z[m * n + o] = c + uniform(&s, -spread, spread);
        }
        edd_logit_variance_f32_scalar(z, npass, nex, k, s1);
        edd_logit_variance_f32_avx2(z, npass, nex, k, s2);
        cr_assert_eq(memcmp(s1, s2, nex * sizeof *s1), 0, "N=%zu nex=%zu k=%zu", npass, nex, k);
        variance_ref(z, npass, nex, k, ref);
        for (size_t e = 0; e < nex; e++)
            cr_assert(fabs(s1[e] - ref[e]) <= 1e-5 * ref[e] + 1e-30, "e=%zu %g vs %g", e, s1[e],
                      ref[e]);
        free(z), free(s1), free(s2), free(ref);
    }
}
