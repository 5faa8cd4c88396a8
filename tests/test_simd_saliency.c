/* test_simd_saliency.c - the JSMA pair searches (include/edd/internal/simd.h):
 * the AVX2 routine against its scalar twin and both against a brute force
 * written here, and the O(d) selection for beta = -alpha against the pair
 * search. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edd/internal/ctx.h"
#include "edd/internal/simd.h"
#include "simd_util.h"

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

Test(simd, saliency_twins_and_brute_force_agree, .timeout = 60)
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
Test(simd, saliency_all_ties_pick_first_pair, .timeout = 60)
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

Test(simd, saliency_no_qualifying_pair, .timeout = 60)
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
Test(simd, saliency_top2_equals_pair_search_with_beta_minus_alpha, .timeout = 60)
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
Test(simd, saliency_top2_hand_cases, .timeout = 60)
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
