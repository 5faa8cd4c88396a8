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
    size_t size;       /* sizeof the struct: set by edd_fmn_opts_default */
    int ord;           /* 2 = L2 (the default), 0 = L-inf */
    int steps;         /* 1000 */
    float alpha_init;  /* step size at the start, cosine-annealed to alpha_final; <= 0: by ord, L2 1.0, L-inf 10.0 */
    float alpha_final; /* <= 0: alpha_init / 100 */
    float gamma_init;  /* norm-constraint step at the start, cosine-annealed to gamma_final; 0.05 */
    float gamma_final; /* 0.001 */
    int n_targets;     /* targeted runs after the untargeted one (below): 0 (the published attack) .. n_real - 1 */
    int n_real;        /* EDD_N_REAL */
    float clip_min, clip_max; /* 0, 1 */
    int max_rows;      /* rows per oneDNN call (<= 0: 256) */
    int quiet;         /* no progress on stderr */
} edd_fmn_opts;

/* Fill o (size bytes: call edd_fmn_opts_default(o), which passes sizeof *o) with the defaults and set o->size
 * = size: L2, 1000 steps, alpha by ord (L2: 1 -> 0.01), gamma 0.05 -> 0.001, no targeted run, n_real 10, clip
 * [0,1], 256 rows, progress on. */
EDD_API void edd_fmn_opts_init(edd_fmn_opts *o, size_t size);
#define edd_fmn_opts_default(o) edd_fmn_opts_init((o), sizeof *(o))

/* Untargeted FMN of n images x (labels y[i] < n_real) into adv (n x 784,
 * not overlapping x): one run on the detector-aware margin m
 * (objective.h), then n_targets targeted runs, each on the loss
 * z_t - max_{j != t} z_j (all K outputs) toward, per image, the next of
 * the real classes other than the label in decreasing order of their
 * logits at x. A point is adversarial, whatever run found it, when
 * m > EDD_PGD_STOP_MARGIN. Each run starts at x with eps unbounded and
 * takes `steps` steps, every image every step (no early stop). Per step,
 * with l the run's loss at the point and g its gradient without the
 * components that point out of the box: the norm constraint eps shrinks
 * to min(eps (1 - gamma), the run's best norm) where l calls the point
 * adversarial; otherwise it grows to eps (1 + gamma) once the run has
 * found one, or jumps to the linear estimate of where l reaches the
 * threshold, ||delta|| + (EDD_PGD_STOP_MARGIN - l) / ||g||_dual, before
 * (the reference aims at l = 0); never above the largest norm the
 * box allows. delta then moves by alpha along g / ||g||_2 (in L-inf too,
 * as the reference does) and is projected onto the eps-ball and the box.
 * alpha and gamma are cosine-annealed over each run. Every point a pass
 * runs on, and each run's last point, is scored: adv receives per image
 * the adversarial point of smallest norm found (the latest on ties), else
 * x itself; norm (n floats) receives its ||adv - x|| in the attack's
 * norm, INFINITY where none was found. An image adversarial at x is
 * returned as x with norm 0. Images are independent (up to oneDNN's
 * rounding at other batch sizes), and results bit-identical from run to
 * run at one thread count. */
EDD_API edd_status edd_fmn(edd_ctx *ctx, const edd_cnn *m, const float *x, const uint8_t *y, size_t n,
                           const edd_fmn_opts *o, float *adv, float *norm);

#endif
