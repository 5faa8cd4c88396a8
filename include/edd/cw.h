/* edd/cw.h - the Carlini-Wagner L2 attack, targeted or untargeted,
 * optimised with AdaDelta (the paper's "AdaDelta strategy") or Adam
 * (docs/DESIGN.md section 8; settings: section 9).
 *
 * Owns: the attack loop (tanh change of variables, the cleverhans v2 loss,
 * per-image early abort, the binary search on c, the best example kept),
 * and the AdaDelta and Adam steps on the attack variables w.
 * May call: core, nn (INPUT_GRAD plans: forward without dropout, backward
 * down to the input; edd_argmax), progress, and the attacks'
 * detector-aware margin (edd/internal/objective.h).
 *
 * Semantics follow cleverhans v2.0.0 CarliniWagnerL2 (attacks_tf.py), with
 * clip_min 0 and clip_max 1:
 *   w0  = arctanh((2x - 1) * 0.999999),  x' = (tanh(w) + 1) / 2,
 *   x0  = (tanh(w0) + 1) / 2 (the boxed original the distance is taken to),
 *   loss_i = ||x'_i - x0_i||^2 + c_i * max(max_{j != t} Z_j - Z_t + confidence, 0),
 * the max running over EVERY other output, the outlier class included.
 * Untargeted (opts.untargeted; docs/ATTACKS.md "Losses that know the
 * defense"), with l the true label and n the outlier class (K = 11):
 *   loss_i = ||x'_i - x0_i||^2
 *            + c_i * max(max(Z_l, Z_n) - max_{j real, j != l} Z_j + confidence, 0),
 * the detector-aware margin of the FGM and PGD losses turned into a hinge;
 * on a K = 10 model it is max(Z_l - max_{j != l} Z_j + confidence, 0). */
#ifndef EDD_CW_H
#define EDD_CW_H

#include "edd/nn.h"

enum { EDD_CW_ADADELTA = 0, EDD_CW_ADAM = 1 };

typedef struct {
    size_t size;               /* sizeof the struct: set by edd_cw_opts_default */
    float confidence;          /* Carlini's kappa: the target must lead by this margin (Fig. 2c's x-axis) */
    int binary_search_steps;   /* steps of the search on c; >= 10 repeats the last at the upper bound, as cleverhans */
    int max_iterations;        /* optimiser steps per binary-search step */
    float learning_rate;       /* AdaDelta 1.0; use 1e-2 with Adam (cleverhans) */
    float initial_const;       /* c at the first binary-search step */
    int abort_early;           /* stop an image whose loss fell by < 0.01% over max_iterations/10 steps */
    int optimizer;             /* EDD_CW_ADADELTA or EDD_CW_ADAM (beta1 0.9, beta2 0.999, eps 1e-8 as TF) */
    float rho, eps;            /* AdaDelta's decay and epsilon (unused by Adam) */
    int batch;                 /* images optimised together (one forward+backward per iteration) */
    uint64_t seed;             /* not used by the attack, which is deterministic; for callers drawing targets */
    int quiet;                 /* no progress on stderr */
    int untargeted;            /* 0: toward target[i]; 1: away from the true label target[i], not flagged */
} edd_cw_opts;

/* Fill o (size bytes: call edd_cw_opts_default(o), which passes sizeof *o) with the defaults and set o->size =
 * size: (docs/DESIGN.md section 9) AdaDelta lr 1.0, rho 0.95, eps 1e-3, 200 iterations, 4 binary-search steps
 * from c = 1, confidence 0, early abort on, batch 100 (measured by bench/cw), seed 1, progress on, targeted. */
EDD_API void edd_cw_opts_init(edd_cw_opts *o, size_t size);
#define edd_cw_opts_default(o) edd_cw_opts_init((o), sizeof *(o))

/* CW-L2 on m for n images (x: n x 784, in [0,1]). Targeted: toward
 * target[i] (< m->k); a success is an example whose argmax, after
 * confidence is subtracted from the target's logit, is the target.
 * Untargeted (o->untargeted): target[i] holds the TRUE label of image i
 * (a real class, < min(K, 10)); a success is an example whose argmax,
 * after confidence is added to the true label's logit and the outlier's,
 * is a real class other than the label: misclassified, not flagged, by
 * the confidence margin. Writes into adv (n x 784) the successful example
 * of smallest L2 distance found over every iteration of every
 * binary-search step (x itself when none was found), and success[i] = 1
 * when one was found. Images are independent: the result does not depend
 * on the batch size (up to oneDNN's rounding). */
EDD_API edd_status edd_cw_l2(edd_ctx *ctx, const edd_cnn *m, const float *x, const uint8_t *target, size_t n,
                             const edd_cw_opts *o, float *adv, uint8_t *success);

#endif
