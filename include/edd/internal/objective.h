/* edd/internal/objective.h - the losses the gradient attacks ascend
 * (src/attacks/objective.c), shared by FGM, PGD, the untargeted CW-L2 and
 * APGD (the DLR losses); not installed. docs/ATTACKS.md, "Losses that know the defense".
 *
 * Outputs 0 .. n_real-1 are real classes; outputs n_real .. K-1 (the
 * outlier class of a K = 11 model) are not. For true label l, the GUARDS
 * of an image are l and every output >= n_real (what the defense answers
 * when the attack fails), the OTHERS the real classes other than l (where
 * an untargeted attack wants to land). The detector-aware margin
 *   m = max_{j in others} z_j - max_{j in guards} z_j
 * is > 0 exactly when the argmax is a real class other than l (ties
 * aside). On a K = n_real model it is the Carlini-Wagner margin
 * max_{j != l} z_j - z_l. */
#ifndef EDD_INTERNAL_OBJECTIVE_H
#define EDD_INTERNAL_OBJECTIVE_H

#include "edd/attacks.h"

#include <float.h>
#include <math.h>

/* The factor that makes an L2 step of length len along a gradient whose
 * squared norm is g2: len / sqrt(g2) as a float, or 0 (no step) when
 * g2 is 0 or so small that the factor overflows a float (a saturated
 * softmax leaves gradients near 1e-41; float(inf) x 0 would be NaN).
 * AutoAttack's g / (||g|| + 1e-12) steps by about 0 there too. */
static inline float edd_l2_step_scale(double len, double g2)
{
    const double f = g2 > 0.0 ? len / sqrt(g2) : 0.0;
    return f <= FLT_MAX ? (float)f : 0.0f;
}

/* One loss as an attack sees it; y holds the label of every row of the
 * pass (row r of an edd_grad_input pass with rep 1 is image r). */
typedef struct {
    edd_attack_loss loss;
    int n_real;       /* 2..K */
    float margin_cap; /* EDD_LOSS_MARGIN: the cap (> 0; +inf: none) */
    const uint8_t *y; /* labels, each < n_real */
} edd_objective;

/* The margin m above of one row of logits z (k outputs, label y < n_real
 * <= k); *other and *guard (if not NULL) receive the first arg max of
 * the others and of the guards. */
float edd_margin(const float *z, int k, int n_real, int y, int *other, int *guard);

/* The loss o->loss of one row of logits z (k outputs) with label y, the
 * value the attack maximises:
 *   EDD_LOSS_ALL:    -log softmax(z[0..k))_y                (cross-entropy)
 *   EDD_LOSS_REAL:   -log softmax(z[0..n_real))_y
 *   EDD_LOSS_MARGIN: min(m, margin_cap)
 * in double. */
double edd_objective_value(const edd_objective *o, const float *z, int k, int y);

/* dL/dz of edd_objective_value into dz (k floats): softmax - onehot(y)
 * over the outputs the softmax runs over and 0 elsewhere (the CE losses);
 * +1 at the arg max of the others and -1 at that of the guards, or all 0
 * once m >= margin_cap (the margin). */
void edd_objective_dz(const edd_objective *o, const float *z, int k, int y, float *dz);

/* An edd_dz_fn (user: const edd_objective *): edd_objective_dz of every
 * row, with label o->y[row0 + r]. */
void edd_objective_dz_fn(void *user, size_t row0, int rows, int k, const float *z, float *dz);

/* Check o for a model with k outputs and n labels y (each < n_real): the
 * loss is one of the three, n_real in 2..k, margin_cap > 0 (not NaN). who names
 * the attack in the message. */
edd_status edd_objective_check(edd_ctx *ctx, const char *who, const edd_objective *o, int k, size_t n);

/* The detector-aware DLR loss of Croce & Hein 2020 of one row of logits z
 * (k outputs, label y < n_real <= k), the value APGD maximises, in double.
 * With pi the outputs sorted by logit over all k, largest first (the lower
 * index first on ties), and the guards g of the margin above:
 *   untargeted (target < 0):  N / D, N = m, D = z_pi1 - z_pi3 + 1e-12;
 *   targeted (a real class target != y):
 *     N = z_target - max_{j in guards} z_j,  D = z_pi1 - (z_pi3 + z_pi4) / 2 + 1e-12.
 * On a K = n_real model these are AutoAttack's DLR and targeted DLR. dz
 * (k floats), if not NULL, receives dL/dz = dN/dz / D - N dD/dz / D^2,
 * the derivative autograd takes through the sort (pi held fixed). Needs
 * k >= 3 (untargeted) or k >= 4 (targeted). */
double edd_dlr(const float *z, int k, int n_real, int y, int target, float *dz);

#endif
