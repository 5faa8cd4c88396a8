/* test_nn_loss.c - the loss and the Eq. 3 penalty against hand values and
 * finite differences in double. */
#include <criterion/criterion.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "edd/nn.h"
#include "testutil.h"

TestSuite(nn_loss, .timeout = 60);

/* ---------------------------------------------------------------- loss */

/* Reference loss in double, written independently of src/nn/loss.c. */
static double ref_xent_row(const double *z, const double *t, int k)
{
    double mx = z[0];
    for (int j = 1; j < k; j++)
        mx = fmax(mx, z[j]);
    double s = 0.0;
    for (int j = 0; j < k; j++)
        s += exp(z[j] - mx);
    double lse = mx + log(s), l = 0.0;
    for (int j = 0; j < k; j++)
        l -= t[j] * (z[j] - lse);
    return l;
}

/* Logits on a grid of 2^-10 with |z| < 8: differences of two of them, and
 * z +- 2^-10, are exact in float, so the finite differences below see the
 * loss's double arithmetic only (loss.c subtracts the max in float, see the
 * report; off the grid that rounding, ~2e-7 per logit, swamps a 1e-3 step). */
static float grid(float v)
{
    return roundf(v * 1024.0f) / 1024.0f;
}

/* Finite differences of edd_loss_xent itself (double result) in each
 * logit, step 2^-10. */
static void loss_fd_check(const float *z0, const float *t, const uint8_t *label, int b, int k, const edd_loss_opts *opts,
                          double rtol, double atol)
{
    float *z = malloc(sizeof(float) * b * k), *dz = malloc(sizeof(float) * b * k);
    cr_assert(z && dz);
    memcpy(z, z0, sizeof(float) * b * k);
    edd_loss_xent(z, t, label, b, k, opts, dz);
    for (int i = 0; i < b * k; i++) {
        float v0 = z[i], vp = v0 + 0x1p-10f, vm = v0 - 0x1p-10f;
        z[i] = vp;
        double Lp = edd_loss_xent(z, t, label, b, k, opts, NULL);
        z[i] = vm;
        double Lm = edd_loss_xent(z, t, label, b, k, opts, NULL);
        z[i] = v0;
        double g = (Lp - Lm) / ((double)vp - (double)vm);
        cr_expect(fabs(dz[i] - g) <= atol + rtol * fabs(g), "dz[%d] = %.9g, finite difference %.9g (penalty %d)", i, dz[i], g,
                  opts ? (int)opts->penalty : 0);
    }
    free(z);
    free(dz);
}

/* Random soft targets: value against the double reference, dz against
 * finite differences (h = 2^-10; the loss is smooth, so the central
 * difference's truncation error is ~h^2/6 |L'''| / b < 1e-8 and its
 * rounding ~1e-16/1e-3: tolerance 1e-5 relative + 1e-7 absolute, dz being
 * float). */
Test(nn_loss, xent_soft_targets_value_and_fd)
{
    const int b = 4, k = 10;
    float z[40], t[40];
    double zd[10], td[10], ref = 0.0;
    uint64_t key = edd_rng_key(41, 0, 0);
    for (int i = 0; i < b; i++) {
        double s = 0.0;
        for (int j = 0; j < k; j++) {
            z[i * k + j] = grid(urand(key, (uint32_t)(i * k + j), -4.0f, 4.0f));
            t[i * k + j] = urand(key, (uint32_t)(1000 + i * k + j), 0.0f, 1.0f);
            s += t[i * k + j];
        }
        for (int j = 0; j < k; j++) {
            t[i * k + j] = (float)(t[i * k + j] / s);
            zd[j] = z[i * k + j];
            td[j] = t[i * k + j];
        }
        ref += ref_xent_row(zd, td, k);
    }
    ref /= b;
    double L = edd_loss_xent(z, t, NULL, b, k, NULL, NULL);
    cr_assert(fabs(L - ref) <= 1e-12 * fabs(ref) + 1e-12, "loss %.15g, reference %.15g", L, ref);
    loss_fd_check(z, t, NULL, b, k, NULL, 1e-5, 1e-7);
}

/* Logits of +-500: a naive exp overflows. The loss must be finite and match
 * the log-sum-exp reference, dz finite with rows summing to 0. */
Test(nn_loss, xent_stable_at_large_logits)
{
    const int b = 3, k = 10;
    float z[30], t[30], dz[30];
    double ref = 0.0;
    uint64_t key = edd_rng_key(42, 0, 0);
    for (int i = 0; i < b; i++) {
        double zd[10], td[10];
        for (int j = 0; j < k; j++) {
            z[i * k + j] = (j + i) % 2 ? 500.0f - (float)j : -500.0f + (float)j * urand(key, (uint32_t)(i * k + j), 0, 1);
            t[i * k + j] = j == (i + 3) % k ? 0.7f : 0.3f / 9.0f;
            zd[j] = z[i * k + j];
            td[j] = t[i * k + j];
        }
        ref += ref_xent_row(zd, td, k);
    }
    ref /= b;
    double L = edd_loss_xent(z, t, NULL, b, k, NULL, dz);
    cr_assert(isfinite(L), "loss %g at logits +-500", L);
    cr_assert(L > 100.0, "loss %g: the targets put weight on logits ~1000 below the max, the loss must be large", L);
    cr_assert(fabs(L - ref) <= 1e-9 * fabs(ref), "loss %.15g, reference %.15g", L, ref);
    for (int i = 0; i < b; i++) {
        double s = 0.0;
        for (int j = 0; j < k; j++) {
            cr_assert(isfinite(dz[i * k + j]), "dz[%d][%d] = %g", i, j, dz[i * k + j]);
            s += dz[i * k + j];
        }
        cr_assert(fabs(s) < 1e-6, "row %d: sum_j dz = %g, expected 0", i, s);
    }
}

/* The Eq. 3 hinge on a hand case, K = 11, outlier at 10, b = 1:
 * z = (1, 2, 0.5, 0, 0, 0, 0, 0, 0, 0, 9), label 0. The outlier's logit 9
 * is the largest but excluded, so margin = z_1 - z_0 = 1 and the penalty is
 * gamma * max(1, -kappa) = gamma. */
Test(nn_loss, hinge_penalty_hand_case)
{
    const int k = 11;
    float z[11] = {1, 2, 0.5f, 0, 0, 0, 0, 0, 0, 0, 9}, t[11] = {1}, dz[11], dz0[11];
    uint8_t label = 0;
    double zd[11], td[11];
    for (int j = 0; j < k; j++)
        zd[j] = z[j], td[j] = t[j];
    double xent = ref_xent_row(zd, td, k);
    edd_loss_opts none;
    edd_loss_opts_default(&none);
    none.outlier = 10;
    edd_loss_opts hinge;
    edd_loss_opts_default(&hinge);
    hinge.penalty = EDD_PENALTY_HINGE;
    hinge.gamma = 5e-4f;
    hinge.kappa = 40.0f;
    hinge.outlier = 10;
    double L0 = edd_loss_xent(z, t, &label, 1, k, &none, dz0);
    double L = edd_loss_xent(z, t, &label, 1, k, &hinge, dz);
    cr_assert(fabs(L0 - xent) < 1e-12, "no penalty: loss %.15g, reference %.15g", L0, xent);
    double want = xent + (double)5e-4f * 1.0;
    cr_assert(fabs(L - want) < 1e-9, "hinge: loss %.15g, expected xent %.15g + gamma*1 = %.15g", L, xent, want);
    for (int j = 0; j < k; j++) {
        double add = j == 1 ? 5e-4 : j == 0 ? -5e-4 : 0.0;
        /* dz ~ 1 in float: the extra gamma is added with rounding <= 6e-8 */
        cr_assert(fabs((double)dz[j] - dz0[j] - add) < 2e-7, "dz[%d] = %.9g, no-penalty %.9g, expected difference %g", j, dz[j],
                  dz0[j], add);
    }
    /* The true logit leads the best other real class by 41 > kappa: the
     * hinge is flat at -gamma*kappa and its gradient is zero. */
    float z2[11] = {45, 4, 0.5f, 0, 0, 0, 0, 0, 0, 0, 60};
    for (int j = 0; j < k; j++)
        zd[j] = z2[j];
    xent = ref_xent_row(zd, td, k);
    L0 = edd_loss_xent(z2, t, &label, 1, k, &none, dz0);
    L = edd_loss_xent(z2, t, &label, 1, k, &hinge, dz);
    want = xent + (double)5e-4f * -40.0;
    cr_assert(fabs(L - want) < 1e-9, "margin -41: loss %.15g, expected %.15g (penalty -gamma*kappa)", L, want);
    for (int j = 0; j < k; j++)
        cr_assert_eq(dz[j], dz0[j], "margin -41 < -kappa: dz[%d] = %.9g, expected the no-penalty %.9g", j, dz[j], dz0[j]);
}

/* Hinge penalty gradient against finite differences, with gamma = 0.5 so
 * the penalty dominates, on random logits whose margins are away from the
 * kink of the max (distinct logits separated by > 2h). */
Test(nn_loss, hinge_penalty_fd)
{
    const int b = 3, k = 11;
    float z[33], t[33];
    uint8_t label[3] = {2, 7, 0};
    uint64_t key = edd_rng_key(43, 0, 0);
    for (int i = 0; i < b; i++)
        for (int j = 0; j < k; j++) {
            /* distinct logits on a grid of 0.25, plus a shift per row */
            z[i * k + j] = grid(0.25f * (float)((j * 7 + i * 3) % k) - 1.0f + urand(key, (uint32_t)(i * k + j), 0, 0.1f));
            t[i * k + j] = j == label[i] ? 0.9f : 0.01f;
        }
    edd_loss_opts hinge;
    edd_loss_opts_default(&hinge);
    hinge.penalty = EDD_PENALTY_HINGE;
    hinge.gamma = 0.5f;
    hinge.kappa = 40.0f;
    hinge.outlier = 10;
    float dz0[33], dz[33];
    edd_loss_xent(z, t, label, b, k, NULL, dz0);
    edd_loss_xent(z, t, label, b, k, &hinge, dz);
    int changed = 0;
    for (int i = 0; i < b * k; i++)
        changed += fabsf(dz[i] - dz0[i]) > 0.1f;
    cr_assert_eq(changed, 2 * b, "penalty changed %d entries of dz by > 0.1, expected 2 per row (best and true class)", changed);
    loss_fd_check(z, t, label, b, k, &hinge, 1e-5, 1e-7);
}

/* The literal reading: -gamma * max(margin, kappa). */
Test(nn_loss, literal_penalty)
{
    const int k = 11;
    float t[11] = {0, 0, 0, 1}, dz[11], dz0[11];
    uint8_t label = 3;
    double zd[11], td[11];
    edd_loss_opts lit;
    edd_loss_opts_default(&lit);
    lit.penalty = EDD_PENALTY_LITERAL;
    lit.gamma = 0.25f;
    lit.kappa = 40.0f;
    lit.outlier = 10;
    edd_loss_opts none;
    edd_loss_opts_default(&none);
    none.outlier = 10;
    /* margin = z_5 - z_3 = 50 > kappa: value -gamma*50, gradient +-gamma. */
    float z[11] = {0, 0, 0, -20, 0, 30, 0, 0, 0, 0, 80};
    for (int j = 0; j < k; j++)
        zd[j] = z[j], td[j] = t[j];
    double xent = ref_xent_row(zd, td, k);
    double L = edd_loss_xent(z, t, &label, 1, k, &lit, dz);
    edd_loss_xent(z, t, &label, 1, k, &none, dz0);
    cr_assert(fabs(L - (xent - 0.25 * 50.0)) < 1e-9, "literal, margin 50: loss %.15g, expected %.15g", L, xent - 12.5);
    for (int j = 0; j < k; j++) {
        double add = j == 5 ? -0.25 : j == 3 ? 0.25 : 0.0;
        cr_assert(fabs((double)dz[j] - dz0[j] - add) < 2e-7, "literal dz[%d] = %.9g, no-penalty %.9g, expected difference %g", j,
                  dz[j], dz0[j], add);
    }
    /* margin = z_5 - z_3 = 5 < kappa: value -gamma*kappa, zero gradient. */
    float z2[11] = {0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 2};
    for (int j = 0; j < k; j++)
        zd[j] = z2[j];
    xent = ref_xent_row(zd, td, k);
    L = edd_loss_xent(z2, t, &label, 1, k, &lit, dz);
    edd_loss_xent(z2, t, &label, 1, k, &none, dz0);
    cr_assert(fabs(L - (xent - 0.25 * 40.0)) < 1e-9, "literal, margin 5: loss %.15g, expected %.15g", L, xent - 10.0);
    for (int j = 0; j < k; j++)
        cr_assert_eq(dz[j], dz0[j], "literal, margin 5 < kappa: dz[%d] = %.9g, expected the no-penalty %.9g", j, dz[j], dz0[j]);
}
