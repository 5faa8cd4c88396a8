/* edd/attacks.h - input gradients and Jacobians of the CNN, and the
 * gradient attacks FGM, PGD and JSMA (docs/DESIGN.md section 8; CW-L2 is in cw.h).
 *
 * Owns: edd_gradder (a cache of EDD_PLAN_INPUT_GRAD plans, one per batch
 * size it meets, so no oneDNN primitive is built inside an attack loop),
 * the input-gradient and Jacobian passes (backward data only: no weight
 * gradient is ever computed on this path), the losses FGM and PGD ascend
 * (edd_attack_loss), FGM, PGD, JSMA, and the attacks' random target draw.
 * May call: core (context, errors, RNG), nn (plans), simd (the JSMA pair
 * search and its top-2 form), progress.
 *
 * Every pass here runs the model without dropout (the attacker sees the
 * deterministic network, as cleverhans did). Images are NCHW float32 rows
 * of EDD_IMG_SIZE = 784 values in [0,1]. */
#ifndef EDD_ATTACKS_H
#define EDD_ATTACKS_H

#include "edd/nn.h"

/* ---- input gradients (src/attacks/grad.c) ---- */

typedef struct edd_gradder edd_gradder;

/* A gradient engine for models with k outputs. Every pass is cut into
 * pieces whose sizes are powers of two up to max_rows (<= 0: 256): the
 * largest that fits while 16 or more rows are left, then the rest padded up
 * to a power of two. Each piece runs on the INPUT_GRAD plan of its size,
 * built on first use and kept (at most log2(max_rows)+1 plans), so a pass
 * of any size, or an attack whose active set shrinks every step, builds no
 * plan per size it meets. Least recently used plans go when the cache
 * would hold more than 3*max_rows rows. */
EDD_API edd_status edd_gradder_create(edd_ctx *ctx, int k, int max_rows, edd_gradder **out);
EDD_API void edd_gradder_free(edd_gradder *g);

/* Called once per chunk after its forward pass: rows row0 .. row0+rows-1
 * of the pass have logits z (rows x K); write dL/dz (rows x K) into dz. */
typedef void (*edd_dz_fn)(void *user, size_t row0, int rows, int k, const float *z, float *dz);

/* Input gradient of n*rep rows: row r is image x[r / rep] (x is n x 784),
 * its dL/dz is what dz_fn writes, and dx (n*rep x 784) receives dL/dx.
 * rep > 1 replicates each image for a Jacobian (one forward and one
 * backward pass of the replicated batch). m->k must equal the gradder's k. */
EDD_API edd_status edd_grad_input(edd_ctx *ctx, edd_gradder *g, const edd_cnn *m, const float *x, size_t n, int rep,
                                  edd_dz_fn dz_fn, void *user, float *dx);

typedef enum {
    EDD_JAC_LOGITS = 0, /* d z_j / dx */
    EDD_JAC_PROBS = 1   /* d softmax(z)_j / dx over all K outputs (cleverhans v2's JSMA) */
} edd_jac_kind;

/* Jacobian of all K outputs for n images: jac[i][j][.] (n x K x 784) =
 * d out_j(x_i) / dx as kind says, from ONE backward pass of batch K*n whose
 * dz rows are one-hot (logits) or p_j (e_j - p) (probabilities). z (n x K)
 * receives the logits when not NULL. */
EDD_API edd_status edd_jacobian(edd_ctx *ctx, edd_gradder *g, const edd_cnn *m, const float *x, size_t n,
                                edd_jac_kind kind, float *z, float *jac);

/* ---- the losses FGM and PGD ascend (src/attacks/objective.c) ---- */

/* With true label l and, on a K = 11 model, the outlier n = 10 (every
 * output >= n_real), the margin is
 *   m = max_{j < n_real, j != l} z_j - max(z_l, z_n),
 * > 0 when the model predicts a real class other than l and does not flag
 * the image; on a K = 10 model it is the CW margin max_{j != l} z_j - z_l.
 * EDD_LOSS_MARGIN ascends min(m, margin_cap): its dL/dz is +1 at the best
 * other real class and -1 at the arg max of {z_l, z_n}, and 0 once
 * m >= margin_cap.
 * docs/ATTACKS.md, "Losses that know the defense". */
typedef enum {
    EDD_LOSS_ALL = 0,    /* cross-entropy over all K outputs (the paper's) */
    EDD_LOSS_REAL = 1,   /* cross-entropy over the n_real real classes */
    EDD_LOSS_MARGIN = 2  /* detector-aware margin, capped at margin_cap (see above) */
} edd_attack_loss;

/* The margin cap of edd_fgm_opts_default and edd_pgd_opts_default: far above any
 * margin a model reaches, so the margin loss is in effect uncapped. */
#define EDD_ATTACK_MARGIN_CAP 1e4f

/* ---- FGM (src/attacks/fgm.c) ---- */

typedef struct {
    size_t size;     /* sizeof the struct: set by edd_fgm_opts_default */
    float eps;       /* 0.3 */
    int ord;         /* 0 = infinity (sign of the gradient), 2 = L2 */
    edd_attack_loss loss; /* EDD_LOSS_ALL (the paper) */
    float margin_cap; /* cap of EDD_LOSS_MARGIN (> 0); EDD_ATTACK_MARGIN_CAP */
    int n_real;      /* EDD_N_REAL */
    float clip_min, clip_max; /* 0, 1 */
    int max_rows;    /* rows per oneDNN call (<= 0: 256) */
} edd_fgm_opts;

/* Fill o (size bytes: call edd_fgm_opts_default(o), which passes sizeof *o) with the defaults and set o->size
 * = size: eps 0.3, ord inf, EDD_LOSS_ALL, margin_cap EDD_ATTACK_MARGIN_CAP, n_real 10, clip [0,1], 256 rows. */
EDD_API void edd_fgm_opts_init(edd_fgm_opts *o, size_t size);
#define edd_fgm_opts_default(o) edd_fgm_opts_init((o), sizeof *(o))

/* FGM as cleverhans v2 fgm() with the true label y[i] (< n_real):
 * g = dL/dx of the loss o->loss (the cross-entropy over all K outputs,
 * over the first n_real only -- the adaptive attacker who ignores the
 * outlier -- or the detector-aware margin); adv = clip(x + eps * sign(g))
 * for ord inf (sign(0) = 0), or clip(x + eps * g / ||g||_2) for ord 2 (an
 * image with g = 0 is left as is). x and adv are n x 784 and may not
 * overlap. */
EDD_API edd_status edd_fgm(edd_ctx *ctx, const edd_cnn *m, const float *x, const uint8_t *y, size_t n,
                           const edd_fgm_opts *o, float *adv);

/* ---- PGD (src/attacks/pgd.c) ---- */

typedef struct {
    size_t size;          /* sizeof the struct: set by edd_pgd_opts_default */
    float eps;            /* 0.3 */
    int ord;              /* 0 = L-inf, 2 = L2 */
    int steps;            /* 100 */
    float step_size;      /* <= 0: 2.5 * eps / steps */
    int restarts;         /* 1 */
    edd_attack_loss loss; /* EDD_LOSS_ALL */
    float margin_cap;     /* cap of EDD_LOSS_MARGIN (> 0); EDD_ATTACK_MARGIN_CAP */
    int n_real;           /* EDD_N_REAL */
    float clip_min, clip_max; /* 0, 1 */
    uint64_t seed;        /* random starts; 1 */
    int max_rows;         /* rows per oneDNN call (<= 0: 256) */
    int quiet;            /* no progress on stderr */
    int rand_start;       /* 1: each restart starts uniformly in the eps-ball; 0: at x */
    int early_stop;       /* 1: an image leaves the attack once it has crossed (below); 0: every image runs every step */
} edd_pgd_opts;

/* The margin above which early_stop takes an image as crossed: far above
 * the rounding between oneDNN's passes at different batch sizes, so the
 * forward pass that scores the point agrees with the pass that found it. */
#define EDD_PGD_STOP_MARGIN 1e-3f

/* Fill o (size bytes: call edd_pgd_opts_default(o), which passes sizeof *o) with the defaults and set o->size
 * = size: eps 0.3, L-inf, 100 steps of 2.5 eps / steps, 1 restart from a random start, EDD_LOSS_ALL,
 * margin_cap EDD_ATTACK_MARGIN_CAP, n_real 10, clip [0,1], seed 1, 256 rows, progress on, no early stop. */
EDD_API void edd_pgd_opts_init(edd_pgd_opts *o, size_t size);
#define edd_pgd_opts_default(o) edd_pgd_opts_init((o), sizeof *(o))

/* Untargeted PGD (Madry et al. 2018) with the true labels y[i] (< n_real)
 * on n images x (n x 784). Each restart r starts at x plus a draw from
 * the eps-ball (rand_start; the counter RNG keyed by (seed, r, image)),
 * clipped to [clip_min, clip_max], then takes `steps` steps
 *   L-inf: x' += step * sign(g);   L2: x' += step * g / ||g||_2 (g = 0: none),
 * g = dL/dx' of o->loss, each followed by the projection onto the eps-ball
 * around x and the clip. adv (n x 784, not overlapping x) receives, per
 * image, the point of largest uncapped margin (above) among the starts and
 * every step of every restart, the earliest on ties: an image that crossed
 * keeps a crossing point. With early_stop an image stops at its first
 * pass with a margin above EDD_PGD_STOP_MARGIN and sits out the later
 * restarts (AutoAttack's rule): which images cross is unchanged, since
 * the points before the first crossing are the same (up to oneDNN's
 * rounding at other batch sizes), but adv is then the
 * first crossing point rather than the best. Images are independent: each image's result is
 * a function of its own pixels (up to oneDNN's rounding at other batch
 * sizes), and bit-identical from run to run at one thread count. */
EDD_API edd_status edd_pgd(edd_ctx *ctx, const edd_cnn *m, const float *x, const uint8_t *y, size_t n,
                           const edd_pgd_opts *o, float *adv);

/* ---- JSMA (src/attacks/jsma.c) ---- */

typedef enum {
    EDD_JSMA_PROBS = 0,      /* one backward pass of p_t per step (beta = -alpha exactly), the default */
    EDD_JSMA_PROBS_FULL = 1, /* the full Jacobian of the probabilities, as cleverhans v2 computed it */
    EDD_JSMA_LOGITS = 2      /* the full Jacobian of the logits (cleverhans v3, torchattacks) */
} edd_jsma_jacobian;

typedef struct {
    size_t size;      /* sizeof the struct: set by edd_jsma_opts_default */
    float gamma;      /* largest fraction of pixels changed: steps = floor(784 * gamma / 2); 0.1 */
    float theta;      /* added to each chosen pixel before clipping at clip_max; 1 */
    float clip_max;   /* 1 */
    edd_jsma_jacobian jacobian;
    int batch;        /* running images sharing each step's pass, refilled as images finish; 200 */
    int max_rows;     /* rows per oneDNN call (<= 0: 256) */
    int quiet;        /* no progress on stderr */
} edd_jsma_opts;

/* Fill o (size bytes: call edd_jsma_opts_default(o), which passes sizeof *o) with the defaults and set o->size
 * = size: gamma 0.1, theta 1, clip_max 1, EDD_JSMA_PROBS, batch 200, 256 rows, progress on. */
EDD_API void edd_jsma_opts_init(edd_jsma_opts *o, size_t size);
#define edd_jsma_opts_default(o) edd_jsma_opts_init((o), sizeof *(o))

/* Targeted JSMA (cleverhans v2 jsma/saliency_map, increase = theta > 0) of
 * n images x toward target[i] (< K). Per image: the search domain starts as
 * the pixels < clip_max; each step takes alpha = the target output's
 * gradient and beta = the sum of the other K-1 outputs' gradients, picks
 * with edd_saliency_pair_f32 the pair (p,q) maximising -(a_p+a_q)(b_p+b_q)
 * among a_p+a_q > 0, b_p+b_q < 0 (on the default path, where beta =
 * -alpha, edd_saliency_top2_f32 finds the same pair in O(784)), sets both
 * pixels to min(x + theta, clip_max) and removes them from the domain. It stops when the model
 * predicts the target (argmax over all K), after floor(784 gamma / 2)
 * steps, when no pair qualifies, or when fewer than 2 pixels remain.
 * Writes adv (n x 784), success[i] = 1 when the target is predicted at the
 * end, and, if steps is not NULL, the steps taken (2 pixels each). */
EDD_API edd_status edd_jsma(edd_ctx *ctx, const edd_cnn *m, const float *x, const uint8_t *target, size_t n,
                            const edd_jsma_opts *o, float *adv, uint8_t *success, int *steps);

/* ---- targets ---- */

/* docs/DESIGN.md section 8: target[i] drawn uniformly among the n_real real
 * classes other than y[i] (< n_real), from the counter RNG keyed by
 * (seed, image index0 + i): the same image gets the same target whatever
 * the batch or the test limit. */
EDD_API void edd_attack_targets(uint64_t seed, const uint8_t *y, size_t n, size_t index0, int n_real, uint8_t *target);

#endif
