/* test_simd.c - the hand-vectorised routines (include/edd/internal/simd.h): each AVX2
 * routine against its scalar twin bit for bit, and both against references
 * written here from the contracts. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edd/internal/simd.h"

TestSuite(simd, .timeout = 60);

/* Test-local random numbers: splitmix64 on a state the test owns. */
static uint64_t next_u64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static float uniform(uint64_t *s, float lo, float hi)
{
    return lo + (hi - lo) * (float)(next_u64(s) >> 40) * (1.0f / 16777216.0f);
}

static size_t below(uint64_t *s, size_t n)
{
    return (size_t)(next_u64(s) % n);
}

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

/* ---- JSMA pair search ---- */

/* Brute force over the full d x d matrix in row-major order, both orders
 * (i, j) and (j, i) visited, the first strictly greater score kept: what
 * numpy's argmax over cleverhans' scores picks (restricted to qualifying
 * pairs). Returns the pair as (smaller, larger). */
static int saliency_brute(const float *alpha, const float *beta, const uint8_t *dom, size_t d,
                          int *p, int *q)
{
    int found = 0;
    float best = 0.0f;
    for (size_t i = 0; i < d; i++) {
        for (size_t j = 0; j < d; j++) {
            if (i == j || !dom[i] || !dom[j])
                continue;
            const float a = alpha[i] + alpha[j], b = beta[i] + beta[j];
            if (!(a > 0.0f) || !(b < 0.0f))
                continue;
            const float sc = -(a * b);
            if (!found || sc > best) {
                found = 1;
                best = sc;
                *p = (int)(i < j ? i : j);
                *q = (int)(i < j ? j : i);
            }
        }
    }
    return found;
}

static const size_t dims[] = {2, 3, 7, 8, 9, 31, 784};

static void fill_saliency(uint64_t *s, float *alpha, float *beta, uint8_t *dom, size_t d, int mode)
{
    static const float levels[] = {-2.0f, -1.0f, -0.5f, 0.0f, 0.5f, 1.0f, 2.0f};
    const size_t density = 1 + below(s, 4); /* in quarters */
    for (size_t i = 0; i < d; i++) {
        if (mode == 0) { /* continuous */
            alpha[i] = uniform(s, -1, 1);
            beta[i] = uniform(s, -1, 1);
        } else if (mode == 1) { /* few levels: many exact ties */
            alpha[i] = levels[below(s, 7)];
            beta[i] = levels[below(s, 7)];
        } else { /* probability Jacobian: beta = -alpha */
            alpha[i] = levels[below(s, 7)] * 0.25f;
            beta[i] = -alpha[i];
        }
        dom[i] = below(s, 4) < density;
    }
}

Test(simd, saliency_twins_and_brute_force_agree)
{
    uint64_t s = 31;
    const int have_avx2 = edd_simd_detect() == EDD_SIMD_AVX2;
    for (size_t di = 0; di < sizeof dims / sizeof dims[0]; di++) {
        const size_t d = dims[di];
        float *alpha = malloc(d * sizeof *alpha), *beta = malloc(d * sizeof *beta);
        uint8_t *dom = malloc(d);
        cr_assert(alpha && beta && dom);
        const int reps = d > 100 ? 12 : 300;
        for (int t = 0; t < reps; t++) {
            fill_saliency(&s, alpha, beta, dom, d, t % 3);
            int p0 = -1, q0 = -1, p1 = -1, q1 = -1, p2 = -1, q2 = -1;
            const int r0 = saliency_brute(alpha, beta, dom, d, &p0, &q0);
            const int r1 = edd_saliency_pair_f32_scalar(alpha, beta, dom, d, &p1, &q1);
            cr_assert_eq(r1, r0, "d=%zu t=%d", d, t);
            if (r0) {
                cr_assert(p1 == p0 && q1 == q0, "scalar (%d,%d) brute (%d,%d)", p1, q1, p0, q0);
                cr_assert(p1 < q1 && dom[p1] && dom[q1]);
            }
            if (!have_avx2)
                continue;
            const int r2 = edd_saliency_pair_f32_avx2(alpha, beta, dom, d, &p2, &q2);
            cr_assert_eq(r2, r0, "d=%zu t=%d", d, t);
            if (r0)
                cr_assert(p2 == p0 && q2 == q0, "avx2 (%d,%d) brute (%d,%d) d=%zu t=%d", p2, q2,
                          p0, q0, d, t);
        }
        free(alpha), free(beta), free(dom);
    }
    if (!have_avx2)
        cr_skip_test("AVX2 comparison skipped: this CPU has no AVX2+FMA");
}

/* All-equal scores everywhere: the answer is the first domain pair. */
Test(simd, saliency_all_ties_pick_first_pair)
{
    const size_t d = 784;
    float alpha[784], beta[784];
    uint8_t dom[784];
    for (size_t i = 0; i < d; i++) {
        alpha[i] = 1.0f;
        beta[i] = -1.0f;
        dom[i] = i >= 13 && i != 20;
    }
    const edd_simd levels[] = {EDD_SIMD_SCALAR, edd_simd_detect()};
    for (int l = 0; l < 2; l++) {
        int p = -1, q = -1;
        cr_assert_eq(edd_saliency_pair_f32(levels[l], alpha, beta, dom, d, &p, &q), 1);
        cr_expect(p == 13 && q == 14, "got (%d,%d)", p, q);
    }
}

Test(simd, saliency_no_qualifying_pair)
{
    const size_t d = 784;
    float alpha[784], beta[784];
    uint8_t dom[784];
    const edd_simd levels[] = {EDD_SIMD_SCALAR, edd_simd_detect()};
    for (int l = 0; l < 2; l++) {
        int p = -7, q = -7;
        /* all alpha negative */
        for (size_t i = 0; i < d; i++) {
            alpha[i] = -0.1f - (float)i;
            beta[i] = -1.0f;
            dom[i] = 1;
        }
        cr_expect_eq(edd_saliency_pair_f32(levels[l], alpha, beta, dom, d, &p, &q), 0);
        cr_expect(p == -7 && q == -7, "outputs touched");
        /* good scores, but all masked but one */
        for (size_t i = 0; i < d; i++) {
            alpha[i] = 1.0f;
            dom[i] = i == 400;
        }
        cr_expect_eq(edd_saliency_pair_f32(levels[l], alpha, beta, dom, d, &p, &q), 0);
        /* a == 0 does not qualify: odd alpha 0.5, even -0.5, beta -1; only
         * odd pairs have a > 0, and with one odd pixel left none does */
        for (size_t i = 0; i < d; i++) {
            alpha[i] = i % 2 ? 0.5f : -0.5f;
            beta[i] = -1.0f;
            dom[i] = 1;
        }
        cr_expect_eq(edd_saliency_pair_f32(levels[l], alpha, beta, dom, d, &p, &q), 1);
        cr_expect(p == 1 && q == 3, "got (%d,%d)", p, q);
        for (size_t i = 3; i < d; i += 2)
            dom[i] = 0;
        cr_expect_eq(edd_saliency_pair_f32(levels[l], alpha, beta, dom, d, &p, &q), 0,
                     "a == 0 qualified");
        /* b == 0 does not qualify: the same with the roles swapped */
        for (size_t i = 0; i < d; i++) {
            alpha[i] = 1.0f;
            beta[i] = i % 2 ? 0.5f : -0.5f;
            dom[i] = i % 2 || i == 0;
        }
        cr_expect_eq(edd_saliency_pair_f32(levels[l], alpha, beta, dom, d, &p, &q), 0,
                     "b == 0 qualified");
        /* sizes 0 and 1 */
        cr_expect_eq(edd_saliency_pair_f32(levels[l], alpha, beta, dom, 0, &p, &q), 0);
        cr_expect_eq(edd_saliency_pair_f32(levels[l], alpha, beta, dom, 1, &p, &q), 0);
    }
}

/* ---- JSMA pair for beta = -alpha: the O(d) selection ---- */

/* alpha for the top-2 selection, by mode: values built to tie in the sum
 * a = alpha[p] + alpha[q] or in the score a * a without being the two
 * largest, or to leave fewer than two admissible pixels. */
static void fill_top2(uint64_t *s, float *alpha, uint8_t *dom, size_t d, int mode)
{
    static const float levels[] = {-0.5f, -0.25f, 0.0f, -0.0f, 0.25f, 0.5f};
    static const float specials[] = {NAN, INFINITY, -INFINITY, 0.0f, 1.0f, -1.0f, 3.4e38f, -3.4e38f};
    const size_t density = below(s, 5); /* in quarters; 0: at most a pixel or two */
    const size_t lone = below(s, d);
    for (size_t i = 0; i < d; i++) {
        switch (mode) {
        case 0: /* continuous */
            alpha[i] = uniform(s, -1, 1);
            break;
        case 1: /* few levels: exact ties in value */
            alpha[i] = levels[below(s, 6)];
            break;
        case 2: /* all negative or zero: no pair qualifies */
            alpha[i] = below(s, 8) ? -uniform(s, 1e-3f, 1) : -0.0f;
            break;
        case 3: /* one positive pixel among negatives: some pairs with it qualify */
            alpha[i] = i == lone ? 0.75f : -uniform(s, 0, 1);
            break;
        case 4: /* a large value plus small ones: 2^24 + v rounds to even
                 * integers, so pairs of it with smaller values tie the top */
            alpha[i] = below(s, 16) ? (float)below(s, 5) : 16777216.0f;
            break;
        case 5: /* 1 + k ulp: sums and squares round together */
            alpha[i] = 1.0f + (float)below(s, 4) * 0x1p-23f;
            break;
        case 6: /* tiny: squares subnormal or flushed to +0, many equal scores */
            alpha[i] = (below(s, 3) ? 1.0f : -1.0f) * uniform(s, 1e-25f, 1e-19f);
            break;
        case 7: /* NaN, infinities, overflowing sums */
            alpha[i] = below(s, 4) ? uniform(s, -1, 1) : specials[below(s, 8)];
            break;
        default: /* every value equal */
            alpha[i] = mode == 8 ? 0.125f : -0.125f;
            break;
        }
        dom[i] = density ? below(s, 4) < density : i == lone || below(s, d) == 0;
    }
}

#define TOP2_MODES 10

/* The selection returns what the pair search (scalar twin and AVX2) returns
 * on beta = -alpha, ties included, and leaves p, q alone when nothing
 * qualifies; on the small sizes also what the brute-force d x d argmax does. */
Test(simd, saliency_top2_equals_pair_search_with_beta_minus_alpha)
{
    uint64_t s = 77;
    const int have_avx2 = edd_simd_detect() == EDD_SIMD_AVX2;
    int found = 0, none = 0, off_top = 0;
    for (size_t di = 0; di < sizeof dims / sizeof dims[0]; di++) {
        const size_t d = dims[di];
        float *alpha = malloc(d * sizeof *alpha), *beta = malloc(d * sizeof *beta);
        uint8_t *dom = malloc(d);
        cr_assert(alpha && beta && dom);
        const int reps = d > 100 ? 30 : 400;
        for (int t = 0; t < reps * TOP2_MODES; t++) {
            const int mode = t % TOP2_MODES;
            fill_top2(&s, alpha, dom, d, mode);
            for (size_t i = 0; i < d; i++)
                beta[i] = -alpha[i];
            int p0 = -7, q0 = -7, p1 = -7, q1 = -7, p2 = -7, q2 = -7, p3 = -7, q3 = -7;
            const int r0 = edd_saliency_top2_f32(alpha, dom, d, &p0, &q0);
            const int r1 = edd_saliency_pair_f32_scalar(alpha, beta, dom, d, &p1, &q1);
            cr_assert_eq(r0, r1, "d=%zu t=%d mode %d: top2 %d, pair search %d", d, t, mode, r0, r1);
            cr_assert(p0 == p1 && q0 == q1, "d=%zu t=%d mode %d: top2 (%d,%d), pair search (%d,%d)", d, t,
                      mode, p0, q0, p1, q1);
            if (d <= 31) {
                const int r3 = saliency_brute(alpha, beta, dom, d, &p3, &q3);
                cr_assert(r3 == r0 && p3 == p0 && q3 == q0, "d=%zu t=%d mode %d: brute (%d,%d), top2 (%d,%d)",
                          d, t, mode, p3, q3, p0, q0);
            }
            if (r0) {
                float top = -INFINITY;
                for (size_t i = 0; i < d; i++)
                    if (dom[i] && (int)i != p0 && alpha[i] > top)
                        top = alpha[i];
                off_top += alpha[q0] < top;
            }
            found += r0;
            none += !r0;
            if (!have_avx2)
                continue;
            const int r2 = edd_saliency_pair_f32_avx2(alpha, beta, dom, d, &p2, &q2);
            cr_assert(r2 == r0 && p2 == p0 && q2 == q0, "d=%zu t=%d mode %d: top2 (%d,%d), avx2 (%d,%d)", d, t,
                      mode, p0, q0, p2, q2);
        }
        free(alpha), free(beta), free(dom);
    }
    /* the generators reach both outcomes, and ties won by a pair that is
     * not the two largest values */
    cr_expect_gt(found, 1000, "%d found", found);
    cr_expect_gt(none, 500, "%d without a pair", none);
    cr_expect_gt(off_top, 50, "%d ties off the top two", off_top);
}

/* Hand-made cases: the first pair on all-equal values; a == 0 does not
 * qualify; one admissible pixel; the second largest tied three ways. */
Test(simd, saliency_top2_hand_cases)
{
    float alpha[8] = {0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f};
    uint8_t dom[8] = {0, 0, 1, 1, 1, 0, 1, 1};
    int p = -7, q = -7;
    cr_expect_eq(edd_saliency_top2_f32(alpha, dom, 8, &p, &q), 1);
    cr_expect(p == 2 && q == 3, "all equal: (%d,%d)", p, q);
    const float zero_sum[4] = {-0.5f, 0.5f, -1.0f, -0.75f};
    const uint8_t all[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    p = q = -7;
    cr_expect_eq(edd_saliency_top2_f32(zero_sum, all, 4, &p, &q), 0, "a == 0 qualified");
    cr_expect(p == -7 && q == -7, "outputs touched");
    const uint8_t one[4] = {0, 1, 0, 0};
    cr_expect_eq(edd_saliency_top2_f32(alpha, one, 4, &p, &q), 0, "one admissible pixel");
    cr_expect_eq(edd_saliency_top2_f32(alpha, all, 1, &p, &q), 0, "d = 1");
    cr_expect_eq(edd_saliency_top2_f32(alpha, all, 0, &p, &q), 0, "d = 0");
    const float second[6] = {0.1f, 0.3f, 0.9f, 0.3f, -1.0f, 0.3f};
    cr_expect_eq(edd_saliency_top2_f32(second, all, 6, &p, &q), 1);
    cr_expect(p == 1 && q == 2, "second largest tied: (%d,%d), expected (1,2)", p, q);
    const float nan_top[4] = {0.2f, NAN, 0.1f, 0.3f};
    cr_expect_eq(edd_saliency_top2_f32(nan_top, all, 4, &p, &q), 1);
    cr_expect(p == 0 && q == 3, "NaN skipped: (%d,%d), expected (0,3)", p, q);
}
