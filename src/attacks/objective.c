/* objective.c - the losses FGM, PGD, the untargeted CW-L2 and APGD work
 * on, and their gradients with respect to the logits, side by side
 * (edd/internal/objective.h; docs/ATTACKS.md, "Losses that know the
 * defense" and "APGD"). May call: core, nn (edd_softmax_sum_f64). */
#include "edd/internal/objective.h"

#include <math.h>
#include <string.h>

float edd_margin(const float *z, int k, int n_real, int y, int *other, int *guard)
{
    int o = y == 0 ? 1 : 0, g = y;
    for (int j = 0; j < k; j++) {
        if (j < n_real && j != y) {
            if (z[j] > z[o])
                o = j;
        } else if (z[j] > z[g]) {
            g = j;
        }
    }
    if (other)
        *other = o;
    if (guard)
        *guard = g;
    return z[o] - z[g];
}

/* Outputs the softmax of a cross-entropy loss runs over. */
static int xent_outputs(const edd_objective *o, int k) { return o->loss == EDD_LOSS_REAL ? o->n_real : k; }

double edd_objective_value(const edd_objective *o, const float *z, int k, int y)
{
    if (o->loss == EDD_LOSS_MARGIN) {
        double m = edd_margin(z, k, o->n_real, y, NULL, NULL);
        return m < o->margin_cap ? m : (double)o->margin_cap;
    }
    int kk = xent_outputs(o, k);
    double mx = z[0], s = 0.0;
    for (int c = 1; c < kk; c++)
        mx = fmax(mx, z[c]);
    for (int c = 0; c < kk; c++)
        s += exp((double)z[c] - mx);
    return log(s) + mx - z[y];
}

void edd_objective_dz(const edd_objective *o, const float *z, int k, int y, float *dz)
{
    if (o->loss == EDD_LOSS_MARGIN) {
        int oth, g;
        float m = edd_margin(z, k, o->n_real, y, &oth, &g);
        memset(dz, 0, (size_t)k * sizeof(float));
        if (m < o->margin_cap) {
            dz[oth] = 1.0f;
            dz[g] = -1.0f;
        }
        return;
    }
    /* cleverhans model_loss: d CE / dz = softmax(z) - onehot(y) */
    int kk = xent_outputs(o, k);
    float zmax;
    const double s = edd_softmax_sum_f64(z, kk, &zmax);
    for (int c = 0; c < k; c++)
        dz[c] = c < kk ? (float)(exp((double)z[c] - (double)zmax) / s) : 0.0f;
    dz[y] -= 1.0f;
}

void edd_objective_dz_fn(void *user, size_t row0, int rows, int k, const float *z, float *dz)
{
    const edd_objective *o = user;
    for (int i = 0; i < rows; i++)
        edd_objective_dz(o, z + (size_t)i * k, k, o->y[row0 + (size_t)i], dz + (size_t)i * k);
}

edd_status edd_objective_check(edd_ctx *ctx, const char *who, const edd_objective *o, int k, size_t n)
{
    if (o->loss != EDD_LOSS_ALL && o->loss != EDD_LOSS_REAL && o->loss != EDD_LOSS_MARGIN)
        return edd_fail(ctx, EDD_ERR_ARG, "%s: loss %d, expected 0 (all), 1 (real) or 2 (margin)", who, (int)o->loss);
    if (o->n_real < 2 || o->n_real > k)
        return edd_fail(ctx, EDD_ERR_ARG, "%s: n_real %d with K=%d, expected 2..K", who, o->n_real, k);
    if (!(o->margin_cap > 0.0f))
        return edd_fail(ctx, EDD_ERR_ARG, "%s: margin_cap %g, expected a cap of the margin loss > 0", who,
                        o->margin_cap);
    for (size_t i = 0; i < n; i++)
        if (o->y[i] >= o->n_real)
            return edd_fail(ctx, EDD_ERR_ARG, "%s: label %d of image %zu, expected a real class < %d", who, o->y[i],
                            i, o->n_real);
    return EDD_OK;
}

/* The indices of the min(k, 4) largest of z into top, largest first, the
 * lower index first on ties. */
static void objective_top4(const float *z, int k, int top[4])
{
    int n = 0;
    for (int j = 0; j < k; j++) {
        int p = n;
        while (p > 0 && z[j] > z[top[p - 1]])
            p--;
        if (p >= 4)
            continue;
        for (int q = n < 4 ? n : 3; q > p; q--)
            top[q] = top[q - 1];
        top[p] = j;
        n += n < 4;
    }
}

double edd_dlr(const float *z, int k, int n_real, int y, int target, float *dz)
{
    int top[4], oth, g;
    edd_margin(z, k, n_real, y, &oth, &g);
    if (target >= 0)
        oth = target;
    objective_top4(z, k, top);
    const int p4 = target < 0 ? top[2] : top[3]; /* untargeted: pi4 unused (weight 0) */
    const double w3 = target < 0 ? 1.0 : 0.5, w4 = target < 0 ? 0.0 : 0.5;
    const double num = (double)z[oth] - z[g];
    const double den = (double)z[top[0]] - (w3 * z[top[2]] + w4 * z[p4]) + 1e-12;
    if (dz) {
        /* each output's derivative in full, so that an output playing two
         * parts (the best other class is often pi1) sums them in double */
        const int at[5] = {oth, g, top[0], top[2], p4};
        const double q = num / (den * den);
        memset(dz, 0, (size_t)k * sizeof(float));
        for (int a = 0; a < 5; a++) {
            const int j = at[a];
            dz[j] = (float)(((j == oth) - (j == g)) / den -
                            q * ((j == top[0]) - w3 * (j == top[2]) - w4 * (j == p4)));
        }
    }
    return num / den;
}
