/* edd/apgd.h - Auto-PGD (Croce & Hein 2020, "Reliable evaluation of
 * adversarial robustness with an ensemble of diverse parameter-free
 * attacks"), untargeted (APGD) and targeted (APGD-T), in L-inf and L2, on
 * losses that know the outlier class (docs/ATTACKS.md, "APGD").
 *
 * Owns: edd_apgd_opts, edd_apgd, the step-size schedule with its
 * checkpoints and momentum.
 * May call: core, nn, attacks (edd_gradder, the losses of objective.c),
 * train (edd_evaluate), progress.
 *
 * Success is the scoring rule's (edd_misclassified): a real class other
 * than the label, not the outlier class. Images are NCHW float32 rows of
 * EDD_IMG_SIZE values in [clip_min, clip_max]. */
#ifndef EDD_APGD_H
#define EDD_APGD_H

#include "edd/attacks.h"

typedef enum {
    EDD_APGD_CE = 0, /* cross-entropy over the n_real real classes (AutoAttack's APGD-CE, the outlier ignored) */
    EDD_APGD_DLR = 1 /* detector-aware DLR: m / (z_pi1 - z_pi3 + 1e-12), m the margin of objective.h;
                        targeted: (z_t - max(z_l, z_n)) / (z_pi1 - (z_pi3 + z_pi4) / 2 + 1e-12) */
} edd_apgd_loss;

typedef struct {
    size_t size;          /* sizeof the struct: set by edd_apgd_opts_default */
    float eps;            /* 0.3 */
    int ord;              /* 0 = L-inf, 2 = L2 */
    int steps;            /* iterations per run (AutoAttack's n_iter); 100 */
    int restarts;         /* random restarts per run (n_restarts); 1 */
    edd_apgd_loss loss;   /* EDD_APGD_CE; APGD-T always uses the targeted DLR */
    int targeted;         /* 0: APGD; 1: APGD-T, one run per target class (below) */
    int n_target_classes; /* APGD-T: the top classes other than the label, by clean logit; 9 */
    float rho;            /* checkpoint condition 1: fraction of steps that raised the loss; 0.75 */
    float momentum;       /* alpha of the update z -> x: 0.75 */
    int n_real;           /* EDD_N_REAL */
    float clip_min, clip_max; /* 0, 1 */
    uint64_t seed;        /* random starts (counter RNG keyed by (seed, restart and target, image)); 1 */
    int max_rows;         /* rows per oneDNN call (<= 0: 256) */
    int quiet;            /* no progress on stderr */
} edd_apgd_opts;

/* Fill o (size bytes: call edd_apgd_opts_default(o), which passes sizeof *o) with the defaults and set o->size
 * = size: eps 0.3, L-inf, 100 steps, 1 restart, EDD_APGD_CE, untargeted, 9 target classes, rho 0.75, momentum
 * 0.75, n_real 10, clip [0,1], seed 1, 256 rows, progress on. */
EDD_API void edd_apgd_opts_init(edd_apgd_opts *o, size_t size);
#define edd_apgd_opts_default(o) edd_apgd_opts_init((o), sizeof *(o))

/* APGD of n images x (n x 784, labels y[i] < n_real) into adv (n x 784, not
 * overlapping x). A forward pass scores the clean images first: an image
 * the model already gets wrong (margin > EDD_PGD_STOP_MARGIN) keeps adv = x
 * and is never attacked, as in AutoAttack. Per run: AutoAttack's random
 * start x + eps t / ||t|| (counter RNG keyed by (seed, stream, image), stream
 * = restart * (number of targets) + target number, so that restart 0 of
 * each target starts as a 1-restart attack does), a first step of 2 eps along the
 * gradient (sign for L-inf, normalised for L2), then the momentum update
 *   z = P(x_k + eta dir(g)),  x_{k+1} = P(x_k + alpha (z - x_k) + (1 - alpha)(x_k - x_{k-1}))
 * (P: the eps-ball, then the box), the step eta halved at each checkpoint,
 * the first after h_1 = max(floor(0.22 steps), 1) steps and each next
 * after h_{j+1} = max(h_j - max(floor(0.03 steps), 1), max(floor(0.06 steps), 1))
 * more (AutoAttack's integer form of p_{j+1} = p_j + max(p_j - p_{j-1} - 0.03, 0.06)),
 * where fewer than rho of the steps since the last checkpoint raised the
 * loss (condition 1), or the step was not halved at the last checkpoint
 * and the best loss has not risen since it (condition 2; so not at the
 * first checkpoint, as in AutoAttack); a halving moves the image back to
 * its best point of the run. Every image leaves the attack at its first
 * success (margin > EDD_PGD_STOP_MARGIN) and sits out later restarts and
 * targets. Untargeted: `restarts` runs on the loss o->loss. Targeted: for
 * each of the n_target_classes real classes other than the label with
 * the largest clean logits, in order, `restarts` runs of the targeted
 * DLR. adv receives, per image, its first successful point, else the
 * point of largest detector-aware margin seen (the earliest on ties).
 * Every option is checked (n_target_classes only when targeted; the DLR
 * losses need K >= 3, the targeted one K >= 4). Images are independent
 * (up to oneDNN's rounding at other batch sizes); deterministic at one
 * thread count. */
EDD_API edd_status edd_apgd(edd_ctx *ctx, const edd_cnn *m, const float *x, const uint8_t *y, size_t n,
                            const edd_apgd_opts *o, float *adv);

#endif
