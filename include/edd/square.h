/* edd/square.h - the Square attack (Andriushchenko et al. 2020, "Square
 * Attack: a query-efficient black-box adversarial attack via random
 * search"), score-based, in L-inf and L2, on the detector-aware margin
 * (docs/ATTACKS.md, "Square").
 *
 * Owns: edd_square_opts, edd_square, the square-size schedule.
 * May call: core (RNG), nn, attacks (the margin of objective.c), train
 * (edd_evaluate), progress.
 *
 * The attack sees the model's logits only: no gradient. Images are NCHW
 * float32 rows of EDD_IMG_SIZE values in [clip_min, clip_max]. */
#ifndef EDD_SQUARE_H
#define EDD_SQUARE_H

#include "edd/attacks.h"

typedef struct {
    float eps;       /* 0.3 */
    int ord;         /* 0 = L-inf, 2 = L2 */
    int queries;     /* forward passes per image after the initial one; 5000 */
    float p_init;    /* initial fraction of pixels a square covers; 0.8 */
    int restarts;    /* 1 */
    int n_real;      /* EDD_N_REAL */
    float clip_min, clip_max; /* 0, 1 */
    uint64_t seed;   /* counter RNG keyed by (seed, restart, image, query); 1 */
    int max_rows;    /* rows per forward call (<= 0: 256) */
    int quiet;       /* no progress on stderr */
} edd_square_opts;

/* eps 0.3, L-inf, 5000 queries, p_init 0.8, 1 restart, n_real 10, clip
 * [0,1], seed 1, 256 rows, progress on. */
edd_square_opts edd_square_defaults(void);

/* Untargeted Square of n images x (labels y[i] < n_real) into adv (n x 784,
 * not overlapping x). The loss minimised is -m, m the detector-aware
 * margin (objective.h): the attack succeeds when m > 0. L-inf: the start is
 * vertical stripes of +-eps, then each query redraws one square window of
 * side from the paper's p schedule to a random +-eps per channel; L2: the
 * start and the updates are the paper's centred square patterns, keeping
 * ||delta||_2 <= eps. A candidate is kept only when it lowers the loss
 * (the loss of each image never increases). An image stops at its first
 * success. queries_used (NULL or n ints) receives each image's queries.
 * Deterministic at one thread count. */
edd_status edd_square(edd_ctx *ctx, const edd_cnn *m, const float *x, const uint8_t *y, size_t n,
                      const edd_square_opts *o, float *adv, int *queries_used);

#endif
