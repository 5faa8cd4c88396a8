/* edd/train.h - training and evaluation loops over a dataset.
 *
 * Owns: the epoch loop (seeded shuffling, batching, the last partial batch,
 * the per-batch hook that may replace a batch's images before its step),
 * evaluation (accuracy, false positives, logits).
 * May call: core, data, nn, progress. The hook is the caller's code: an upper
 * layer (adversarial training, edd/advtrain.h) plugs in through it, so this
 * module calls no attack. */
#ifndef EDD_TRAIN_H
#define EDD_TRAIN_H

#include "edd/data.h"
#include "edd/nn.h"

/* One training batch as edd_train hands it to the hook, before the step's
 * forward pass. */
typedef struct {
    float *x;                /* b x 784: the batch's clean images; the hook may overwrite them */
    const uint8_t *y;        /* b true labels (ds->y, also when training on soft targets) */
    const uint64_t *idx;     /* b dataset indices */
    int b;                   /* rows: the batch size, or fewer in the last batch */
    int epoch;               /* 0-based */
    size_t batch;            /* 0-based index of the batch within its epoch */
} edd_train_batch;

/* A per-batch hook: called with the model as it stands before the step
 * (the parameters of the previous step; m->version tells them apart), it
 * may replace bt->x in place; the step then trains on bt->x against the
 * batch's unchanged targets, with dropout as edd_train_opts says. Any
 * status but EDD_OK stops training with that status. */
typedef edd_status (*edd_batch_fn)(edd_ctx *ctx, void *user, const edd_cnn *m, const edd_train_batch *bt);

typedef struct {
    size_t size;             /* sizeof the struct: set by edd_train_opts_default */
    int epochs, batch;       /* 10, 128 */
    uint64_t seed;           /* shuffling and dropout masks */
    int dropout;             /* 1: dropout on while training */
    edd_optim opt;           /* kind and hyper-parameters (edd_optim_default) */
    edd_loss_opts loss;      /* the Eq. 3 penalty for the distilled model, the temperature T */
    const float *targets;    /* n x K soft labels (Eq. 2), or NULL for one-hot labels */
    int quiet;               /* no progress at all */
    edd_batch_fn on_batch;   /* NULL (the default): train on the batches as drawn, nothing called */
    void *on_batch_user;     /* passed to on_batch */
} edd_train_opts;

typedef struct {
    double loss;             /* mean loss of the last epoch */
    double seconds;          /* wall time */
    double images_per_s;     /* training throughput */
} edd_train_stats;

/* Fill o (size bytes: call edd_train_opts_default(o), which passes sizeof *o) with the defaults and set
 * o->size = size: 10 epochs, batch 128, seed 1, dropout on, Adam 1e-3, no penalty, T = 1, no hook; opt
 * and loss built by their own inits (their sizes set). */
EDD_API void edd_train_opts_init(edd_train_opts *o, size_t size);
#define edd_train_opts_default(o) edd_train_opts_init((o), sizeof *(o))

/* Train m on ds as opts say. Refuses a temperature that is not a finite
 * T > 0 (0 reads as 1) and the Eq. 3 penalty with T != 1 (nn.h's loss
 * combinations). With opts->on_batch set, each batch goes through it
 * before its forward pass. Progress: a bar on stderr when it is a terminal,
 * and one summary line per epoch on stderr otherwise. */
EDD_API edd_status edd_train(edd_ctx *ctx, edd_cnn *m, const edd_dataset *ds, const edd_train_opts *opts,
                             edd_train_stats *stats);

typedef struct {
    size_t n;
    double accuracy;         /* argmax over all K outputs equals the label */
    double false_positives;  /* argmax is the outlier class (K = 11 models); 0 otherwise */
} edd_eval_result;

/* Evaluate m on ds without dropout, batch by batch; writes the n x K logits
 * to logits if not NULL. */
EDD_API edd_status edd_evaluate(edd_ctx *ctx, const edd_cnn *m, const edd_dataset *ds, int batch, float *logits,
                                edd_eval_result *res);

#endif
