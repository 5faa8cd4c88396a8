/* edd/internal/cw.h - the pieces of CW-L2 (src/attacks/cw.c) that its
 * tests and benchmark call one by one; not installed. Users call
 * edd_cw_l2 (include/edd/cw.h). */
#ifndef EDD_INTERNAL_CW_H
#define EDD_INTERNAL_CW_H

#include "edd/cw.h"

/* ---- the pieces, public for the tests and the benchmark ---- */

/* One evaluation of the loss above for the b = edd_plan_batch(p) images of
 * an EDD_PLAN_INPUT_GRAD plan p: w and x0 are b x 784, target and c have b
 * entries (untargeted: target holds the true labels). Writes loss[i],
 * l2[i] = ||x'_i - x0_i||^2, the logits z (b x K), x' (xadv, b x 784) and
 * dloss_i/dw (grad, b x 784):
 *   dL/dx' = 2 (x' - x0) + backward(c_i (e_o - e_t)) where the hinge is
 *   positive (o = the largest other output; untargeted: c_i (e_g - e_o)
 *   with g the arg max of the label and the outlier, o that of the other
 *   real classes), dL/dw = dL/dx' (1 - tanh(w)^2) / 2.
 * dz (b x K) receives dloss/dz. The forward runs without dropout. */
edd_status edd_cw_loss_grad(edd_ctx *ctx, edd_plan *p, const edd_cnn *m, const float *w, const float *x0,
                            const uint8_t *target, const double *c, float confidence, int untargeted, double *loss,
                            double *l2, float *z, float *xadv, float *grad, float *dz);

/* One AdaDelta step (Zeiler 2012, TF's form) on n variables:
 *   eg2 = rho eg2 + (1-rho) g^2;  d = sqrt(edx2 + eps) / sqrt(eg2 + eps) * g;
 *   edx2 = rho edx2 + (1-rho) d^2;  w -= lr d. */
void edd_cw_adadelta_step(float *w, const float *g, float *eg2, float *edx2, size_t n, float lr, float rho,
                          float eps);

/* One Adam step (TF's form) on n variables at step t >= 1: m, v the moments,
 *   w -= lr sqrt(1 - beta2^t) / (1 - beta1^t) * m / (sqrt(v) + 1e-8). */
void edd_cw_adam_step(float *w, const float *g, float *m, float *v, size_t n, long t, float lr);

/* The binary search on c after one step for one image, as cleverhans v2
 * but with an explicit "upper bound found" flag *bounded in place of its
 * "upper < 1e9" test (which stalled any c from 1e9 on):
 * success: upper = min(upper, c) (c when !*bounded), *bounded = 1, then
 * c = (lower + upper) / 2; failure: lower = max(lower, c), then
 * c = (lower + upper) / 2 if *bounded, else c *= 10. Start from lower = 0,
 * *bounded = 0, c = initial_const (any finite c > 0). */
void edd_cw_bsearch_update(int success, double *c, double *lower, double *upper, int *bounded);

#endif
