/* edd/train.h - training and evaluation loops over a dataset.
 *
 * Owns: the epoch loop (seeded shuffling, batching, the last partial batch),
 * evaluation (accuracy, false positives, logits).
 * May call: core, data, nn, progress. */
#ifndef EDD_TRAIN_H
#define EDD_TRAIN_H

#include "edd/data.h"
#include "edd/nn.h"

typedef struct {
    int epochs, batch;       /* 10, 128 */
    uint64_t seed;           /* shuffling and dropout masks */
    int dropout;             /* 1: dropout on while training */
    edd_optim opt;           /* kind and hyper-parameters (edd_optim_defaults) */
    edd_loss_opts loss;      /* the Eq. 3 penalty for the distilled model, the temperature T */
    const float *targets;    /* n x K soft labels (Eq. 2), or NULL for one-hot labels */
    int quiet;               /* no progress at all */
} edd_train_opts;

typedef struct {
    double loss;             /* mean loss of the last epoch */
    double seconds;          /* wall time */
    double images_per_s;     /* training throughput */
} edd_train_stats;

/* Defaults: 10 epochs, batch 128, seed 1, dropout on, Adam 1e-3, no penalty, T = 1. */
edd_train_opts edd_train_defaults(void);

/* Train m on ds as opts say. Refuses a temperature that is not a finite
 * T > 0 (0 reads as 1) and the Eq. 3 penalty with T != 1 (nn.h's loss
 * combinations). Progress: a bar on stderr when it is a terminal,
 * and one summary line per epoch on stderr otherwise. */
edd_status edd_train(edd_ctx *ctx, edd_cnn *m, const edd_dataset *ds, const edd_train_opts *opts,
                     edd_train_stats *stats);

typedef struct {
    size_t n;
    double accuracy;         /* argmax over all K outputs equals the label */
    double false_positives;  /* argmax is the outlier class (K = 11 models); 0 otherwise */
} edd_eval_result;

/* Evaluate m on ds without dropout, batch by batch; writes the n x K logits
 * to logits if not NULL. */
edd_status edd_evaluate(edd_ctx *ctx, const edd_cnn *m, const edd_dataset *ds, int batch, float *logits,
                        edd_eval_result *res);

/* Index of the largest of k values (the first one on ties). */
int edd_argmax(const float *z, int k);

#endif
