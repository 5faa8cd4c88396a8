/* edd/fmn.h - Fast Minimum-Norm attack (Pintor et al. 2021, "Fast
 * minimum-norm adversarial attacks through adaptive norm constraints"),
 * untargeted, in L2 and L-inf, on the detector-aware margin
 * (docs/ATTACKS.md, "FMN").
 *
 * Owns: edd_fmn_opts, edd_fmn.
 * May call: core, nn, attacks (edd_gradder, the margin of objective.c),
 * train (edd_evaluate), progress.
 *
 * Images are NCHW float32 rows of EDD_IMG_SIZE values in [clip_min,
 * clip_max]. */
#ifndef EDD_FMN_H
#define EDD_FMN_H

#include "edd/attacks.h"

typedef struct {
    int ord;           /* 2 = L2 (the default), 0 = L-inf */
    int steps;         /* 1000 */
    float alpha_init;  /* step size at the start, cosine-annealed to alpha_final; L2: 1.0, L-inf: 10.0 */
    float alpha_final; /* <= 0: alpha_init / 100 */
    float gamma_init;  /* norm-constraint step at the start, cosine-annealed to gamma_final; 0.05 */
    float gamma_final; /* 0.001 */
    int n_real;        /* EDD_N_REAL */
    float clip_min, clip_max; /* 0, 1 */
    int max_rows;      /* rows per oneDNN call (<= 0: 256) */
    int quiet;         /* no progress on stderr */
} edd_fmn_opts;

/* L2, 1000 steps, alpha 1 -> 0.01, gamma 0.05 -> 0.001, n_real 10, clip
 * [0,1], 256 rows, progress on. */
edd_fmn_opts edd_fmn_defaults(void);

/* Untargeted FMN of n images x (labels y[i] < n_real) into adv (n x 784,
 * not overlapping x). The loss is the detector-aware margin m
 * (objective.h): a point is adversarial when m > EDD_PGD_STOP_MARGIN. Per
 * step: the norm constraint eps shrinks by gamma while the point is
 * adversarial (to the smaller of eps (1 - gamma) and the best norm found),
 * and grows by gamma otherwise (or jumps to the linear estimate of the
 * boundary |m| / ||g||_dual while no adversarial point has been found);
 * delta moves by alpha along the normalised gradient, then is projected
 * onto the eps-ball and the box. adv receives per image the adversarial
 * point of smallest norm found, else x itself; norm (n floats) receives
 * its ||adv - x|| in the attack's norm, INFINITY where none was found. An
 * image misclassified at x has norm 0. Deterministic at one thread count. */
edd_status edd_fmn(edd_ctx *ctx, const edd_cnn *m, const float *x, const uint8_t *y, size_t n,
                   const edd_fmn_opts *o, float *adv, float *norm);

#endif
