/* edd/square.h - the Square attack (Andriushchenko et al. 2020, "Square
 * Attack: a query-efficient black-box adversarial attack via random
 * search"), score-based, in L-inf and L2, on the detector-aware margin
 * (docs/ATTACKS.md, "Square").
 *
 * Owns: edd_square_opts, edd_square, the square-size schedule.
 * May call: core (RNG), nn (INFER plans through a plan cache), attacks
 * (the margin of objective.c), progress.
 *
 * The attack sees the model's logits only: no gradient. Images are NCHW
 * float32 rows of EDD_IMG_SIZE values in [clip_min, clip_max]. */
#ifndef EDD_SQUARE_H
#define EDD_SQUARE_H

#include "edd/attacks.h"

/* The largest query budget: the counters of query q of an image start at
 * 64 q in its 32-bit counter space. */
#define EDD_SQUARE_MAX_QUERIES (1 << 24)

typedef struct {
    size_t size;     /* sizeof the struct: set by edd_square_opts_default */
    float eps;       /* 0.3 */
    int ord;         /* 0 = L-inf, 2 = L2 */
    int queries;     /* forward passes per image after the initial one; 5000 */
    float p_init;    /* initial fraction of pixels a square covers; 0.8 */
    int restarts;    /* 1 */
    int n_real;      /* EDD_N_REAL */
    float clip_min, clip_max; /* 0, 1 */
    uint64_t seed;   /* counter RNG keyed by (seed, restart, image), counters by query; 1 */
    int max_rows;    /* rows per forward call (<= 0: 256) */
    int quiet;       /* no progress on stderr */
    float *trace;    /* NULL, or n x restarts x (queries + 1) floats: see edd_square */
} edd_square_opts;

/* Fill o (size bytes: call edd_square_opts_default(o), which passes sizeof *o) with the defaults and set
 * o->size = size: eps 0.3, L-inf, 5000 queries, p_init 0.8, 1 restart, n_real 10, clip [0,1], seed 1, 256
 * rows, progress on, no trace. */
EDD_API void edd_square_opts_init(edd_square_opts *o, size_t size);
#define edd_square_opts_default(o) edd_square_opts_init((o), sizeof *(o))

/* The side of the square of query it (0-based) of a budget of `queries`:
 * p = p_init halved at the reference's iterations 10, 50, 200, 500, 1000,
 * 2000, 4000, 6000, 8000 of 10,000 (it rescaled to int(it / queries *
 * 10000)), s = round(sqrt(p * 784)) (half to even); L-inf clamps s to
 * [1, 27]; L2 takes max(s, 3), made odd, at most 27. */
EDD_API int edd_square_side(int ord, float p_init, int queries, int it); /* queries >= 1, it >= 0 */

/* Untargeted Square of n images x (labels y[i] < n_real) into adv (n x 784,
 * not overlapping x). The loss minimised is -m, m the detector-aware
 * margin (objective.h); an image succeeds when m > EDD_PGD_STOP_MARGIN.
 * Images that succeed at x are not attacked (adv = x, 0 queries). For
 * the others, each restart r (run only on images not yet successful)
 * starts at
 *   L-inf: x + eps s_w, one random sign s_w per column, clipped;
 *   L2:    x + eps d / ||d||, d the paper's 5 x 5 grid of centred
 *          square patterns of random signs, clipped,
 * then each query draws a candidate from the restart's best point:
 *   L-inf: one square of side edd_square_side at a random position set
 *          to x + eps s, one random sign s (flipped when it would leave
 *          the window unchanged), clipped;
 *   L2:    the paper's update of two random squares: the second emptied,
 *          its mass and the first's moved into the first as a centred
 *          pattern, the whole delta rescaled to norm eps, clipped,
 * and keeps it only when it lowers the loss. Every forward pass runs all
 * the images still under attack, each stopping at its first success.
 * adv receives, per image, its success point, else the best point of its
 * restart of lowest loss. queries_used (NULL or n ints) receives each
 * image's forward passes of its candidates (the starts included, the pass
 * on x not), at most restarts * (queries + 1). o->trace, if not NULL,
 * receives at [(i * restarts + r) * (queries + 1) + q] image i's loss of
 * restart r after query q (q = 0: the start), its last value repeated
 * after it stops, NaN for restarts it does not run. The draws come from
 * the counter RNG keyed by (seed, restart, image): a result does not depend
 * on the batch beyond oneDNN's rounding, and runs are bit-identical at
 * one thread count. */
EDD_API edd_status edd_square(edd_ctx *ctx, const edd_cnn *m, const float *x, const uint8_t *y, size_t n,
                              const edd_square_opts *o, float *adv, int *queries_used);

#endif
