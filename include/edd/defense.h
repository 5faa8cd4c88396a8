/* edd/defense.h - the paper's defense, Section 3: MC-dropout uncertainty
 * (Eq. 1), soft labels with an outlier class (Eq. 2), and the distilled
 * model trained on them with the margin penalty (Eq. 3, in nn's loss).
 *
 * Owns: the MC-dropout pass scheduler (both threading shapes of docs/DESIGN.md
 * section 4), the label construction, the distillation recipe.
 * May call: core, data, nn, train, simd, progress. */
#ifndef EDD_DEFENSE_H
#define EDD_DEFENSE_H

#include "edd/train.h"

/* How the N stochastic passes are spread over the cores (docs/DESIGN.md section 4):
 * FOLDED  - the passes of a chunk of examples are folded into the batch
 *           dimension of one oneDNN call, which threads it itself;
 * THREADS - an outer OpenMP parallel region, one pass per thread at a time,
 *           each thread with its own primitives, stream and scratchpad. */
typedef enum { EDD_MC_FOLDED = 0, EDD_MC_THREADS } edd_mc_shape;

typedef struct {
    int passes;         /* N, default 20 */
    uint64_t seed;      /* dropout masks of pass m are stream m under this seed */
    edd_mc_shape shape; /* default: the faster one measured by bench/mc */
    int rows;           /* rows per oneDNN call (FOLDED: chunk*N, best 320; THREADS: batch, default 128) */
    int quiet;
} edd_mc_opts;

/* Defaults: N=20, seed 1, THREADS with batch 128 (the faster shape in bench/mc). */
edd_mc_opts edd_mc_defaults(void);

/* Eq. 1: sigma[i] = (1/N) sum_m ||z^m(x_i) - zbar(x_i)||^2 over N passes of
 * m with dropout on. Writes sigma (ds->n floats) and, if logits is not
 * NULL, every pass's logits as [N][n][K]. The result does not depend on
 * the shape or the thread count (up to reduction order inside oneDNN). */
edd_status edd_uncertainty(edd_ctx *ctx, const edd_cnn *m, const edd_dataset *ds, const edd_mc_opts *o, float *sigma,
                           float *logits);

/* Eq. 2: labels[i] (n_real+1 floats) puts 1 - alpha*s on the true class and
 * alpha*s on the outlier class n_real, with s = sigma[i] / max_j sigma[j]
 * (s = 0 everywhere when every sigma is 0). alpha in [0, 1/s] so that no
 * entry is negative; the caller checks alpha >= 0. */
void edd_soft_labels(const float *sigma, const uint8_t *y, size_t n, int n_real, float alpha, float *labels);

typedef struct {
    edd_mc_opts mc;       /* N passes of the teacher */
    float alpha;          /* Eq. 2, default 0.9 */
    edd_train_opts train; /* 10 epochs, Adam; loss = hinge penalty gamma 5e-4, kappa 40 (Eq. 3) */
} edd_distill_opts;

/* The paper's settings: N=20, alpha 0.9, gamma 5e-4, kappa 40, T=1, 10 epochs. */
edd_distill_opts edd_distill_defaults(void);

/* Train the distilled model out (K = teacher's K + 1, outlier last) on ds
 * relabelled by Eq. 2 from the teacher's uncertainty. sigma and labels, if
 * not NULL, receive the n uncertainties and the n x K labels. */
edd_status edd_distill(edd_ctx *ctx, const edd_cnn *teacher, const edd_dataset *ds, const edd_distill_opts *o,
                       edd_cnn *out, float *sigma, float *labels, edd_train_stats *stats);

#endif
