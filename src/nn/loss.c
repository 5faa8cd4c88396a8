/* loss.c - softmax cross-entropy on soft labels, and the margin penalty of
 * the paper's Eq. 3.
 *
 * Eq. 3 as printed adds -gamma * max(max_{j!=l,n} z_j - z_l, kappa) to the
 * loss. With kappa = 40 that term is the constant -gamma*kappa for every
 * point whose true logit leads the best other real class by more than -40,
 * i.e. nearly always, so its gradient is zero (docs/DESIGN.md section 8). We read
 * it, by default, as the Carlini-Wagner hinge it is modelled on:
 *     + gamma * max(max_{j!=l,n} z_j - z_l, -kappa)          (EDD_PENALTY_HINGE)
 * which pushes the true logit at least kappa above every other real class.
 * EDD_PENALTY_LITERAL keeps the printed form, for the record.
 *
 * Temperature (defensive distillation as first published, docs/DEFENSE.md):
 * the cross-entropy of softmax(z/T) against t, whose gradient in z is
 * (softmax(z/T) - t) / T. The scaled logits z/T are formed in double as
 * z * (1/T), so at T = 1 every product is exact and the loss and its
 * gradient are the untempered bits. */
#include "edd/nn.h"
#include "edd/internal/opts.h"

#include <math.h>

void edd_loss_opts_init(edd_loss_opts *o, size_t size)
{
    const edd_loss_opts def = {.penalty = EDD_PENALTY_NONE, .outlier = -1, .temperature = 1.0f};
    edd_opts_fill(o, size, &def, sizeof def);
}

void edd_softmax_f64(const float *z, int k, double *p)
{
    float zmax = z[0];
    for (int j = 1; j < k; j++)
        zmax = z[j] > zmax ? z[j] : zmax;
    double s = 0.0;
    for (int j = 0; j < k; j++)
        s += p[j] = exp((double)z[j] - (double)zmax);
    for (int j = 0; j < k; j++)
        p[j] /= s;
}

double edd_softmax_sum_f64(const float *z, int k, float *zmax)
{
    float m = z[0];
    for (int j = 1; j < k; j++)
        m = z[j] > m ? z[j] : m;
    double s = 0.0;
    for (int j = 0; j < k; j++)
        s += exp((double)z[j] - (double)m);
    *zmax = m;
    return s;
}

double edd_loss_xent(const float *z, const float *t, const uint8_t *label, int b, int k,
                     const edd_loss_opts *opts, float *dz)
{
    double total = 0.0;
    float inv_b = 1.0f / (float)b;
    double inv_t = opts && opts->temperature != 0.0f ? 1.0 / (double)opts->temperature : 1.0;
    /* one thread, in example order: the loss is the same bits at any
     * thread count (K exps per example cost far less than the forward) */
    for (int i = 0; i < b; i++) {
        const float *zi = z + (size_t)i * k, *ti = t + (size_t)i * k;
        float zmax = zi[0];
        for (int j = 1; j < k; j++)
            zmax = zi[j] > zmax ? zi[j] : zmax;
        /* max_j z_j / T = max_j (z_j / T) for T > 0 */
        double zm = (double)zmax * inv_t, se = 0.0;
        for (int j = 0; j < k; j++)
            se += exp((double)zi[j] * inv_t - zm);
        double lse = zm + log(se);
        double li = 0.0;
        for (int j = 0; j < k; j++) {
            double zt = (double)zi[j] * inv_t;
            if (ti[j] != 0.0f)
                li -= (double)ti[j] * (zt - lse);
            /* forward above, gradient here: (softmax(z/T)_j - t_j) / T, mean over b */
            if (dz)
                dz[(size_t)i * k + j] = (float)((exp(zt - lse) - (double)ti[j]) * inv_b * inv_t);
        }
        if (opts && opts->penalty != EDD_PENALTY_NONE && label) {
            int l = label[i], best = -1;
            for (int j = 0; j < k; j++)
                if (j != l && j != opts->outlier && (best < 0 || zi[j] > zi[best]))
                    best = j;
            float margin = zi[best] - zi[l];
            /* Eq. 3, hinge reading: gamma * max(margin, -kappa). */
            float sign = 1.0f, floor_ = -opts->kappa;
            if (opts->penalty == EDD_PENALTY_LITERAL) {
                /* Eq. 3 as printed: -gamma * max(margin, kappa). */
                sign = -1.0f;
                floor_ = opts->kappa;
            }
            int active = margin > floor_;
            li += (double)(sign * opts->gamma * (active ? margin : floor_));
            if (dz && active) {
                dz[(size_t)i * k + best] += sign * opts->gamma * inv_b;
                dz[(size_t)i * k + l] -= sign * opts->gamma * inv_b;
            }
        }
        total += li;
    }
    return total / b;
}
