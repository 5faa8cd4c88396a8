/* edd/advtrain.h - adversarial training: every training batch replaced by
 * adversarial examples of the model being trained, made just before its
 * step (docs/DEFENSE.md, "Adversarial training"):
 *   PGD    - Madry et al. 2018: L-inf PGD from a random start (edd_pgd);
 *   FGM-RS - Wong et al. 2020, "Fast is better than free": one FGM step
 *            (edd_fgm) of 1.25 eps from a uniform start in the eps-ball,
 *            projected back onto the ball and [0,1].
 * It plugs into edd_train through its per-batch hook (edd_train_opts.on_batch),
 * so plain training (edd train) and distillation (edd distill) take it alike;
 * a batch's targets (one-hot or soft) stay those of its clean images.
 * The eps warm-up (eps_ramp): eps grows linearly from 0 over the first
 * eps_ramp epochs, counted per batch, and the step with it; without it PGD
 * at eps 0.3 on a small budget never leaves the loss plateau at ln 10.
 *
 * Owns: the adversarial-training options, their check, and the hook.
 * May call: core (errors, RNG), nn, train (the hook's types), attacks
 * (edd_pgd, edd_fgm). Part of the attacks layer (docs/ARCHITECTURE.md).
 *
 * The examples are made on the model's deterministic network: the attacks'
 * plans run without dropout. The step that follows runs with dropout as
 * the training options say. */
#ifndef EDD_ADVTRAIN_H
#define EDD_ADVTRAIN_H

#include "edd/attacks.h"
#include "edd/train.h"

typedef enum {
    EDD_ADV_NONE = 0, /* plain training: no hook is attached */
    EDD_ADV_FGM_RS,   /* Wong et al. 2020 */
    EDD_ADV_PGD       /* Madry et al. 2018 */
} edd_adv_kind;

typedef struct {
    size_t size;          /* sizeof the struct: set by edd_adv_opts_default */
    edd_adv_kind kind;    /* EDD_ADV_NONE */
    float eps;            /* L-inf radius, in (0, 1]; 0.3 (Madry's and Wong's MNIST) */
    int steps;            /* PGD: steps per batch; 40 (Madry's MNIST) */
    float step_size;      /* <= 0: PGD 4 eps / (3 steps) (Madry's 0.01 at eps 0.3 and 40 steps), FGM-RS 1.25 eps */
    int rand_start;       /* PGD: 1, start uniformly in the eps-ball (Madry's); FGM-RS always starts at random */
    edd_attack_loss loss; /* the loss the examples ascend; EDD_LOSS_REAL (the cross-entropy on a K = 10 model) */
    uint64_t seed;        /* the random starts; 1 */
    int max_rows;         /* rows per oneDNN call of the attack (<= 0: 256) */
    float eps_ramp;       /* epochs over which eps grows from 0 to eps (0: eps from the first batch); EDD_ADV_RAMP */
    size_t batches;       /* batches per epoch, the ramp's clock: edd_adv_attach sets it; 0 allowed with eps_ramp 0 */
} edd_adv_opts;

/* The default eps warm-up in epochs, measured (docs/DEFENSE.md, "The eps
 * warm-up"): the shortest that takes PGD at eps 0.3 off the loss plateau
 * at 6,000 images x 2 epochs. */
#define EDD_ADV_RAMP 1.0f

/* Fill o (size bytes: call edd_adv_opts_default(o), which passes sizeof *o) with the defaults and set o->size
 * = size: EDD_ADV_NONE, eps 0.3, 40 steps, the default step, random start, EDD_LOSS_REAL, seed 1, 256 rows, an
 * eps_ramp of EDD_ADV_RAMP epochs, 0 batches (attach sets them). */
EDD_API void edd_adv_opts_init(edd_adv_opts *o, size_t size);
#define edd_adv_opts_default(o) edd_adv_opts_init((o), sizeof *(o))

/* The step an attack with o takes at the full eps: o->step_size if > 0,
 * else the default above (0 for EDD_ADV_NONE). */
EDD_API float edd_adv_step(const edd_adv_opts *o);

/* The eps the hook attacks with at batch `batch` of epoch `epoch`:
 * eps * min(1, t / eps_ramp) with t = epoch + batch / batches; exactly
 * o->eps once t >= eps_ramp, and always when eps_ramp or batches is 0; 0
 * at the first batch of a ramp. Writes the step there to *step (if not NULL):
 * edd_adv_step(o) scaled by the same factor, exactly edd_adv_step(o) at
 * the full eps. */
EDD_API float edd_adv_eps_at(const edd_adv_opts *o, int epoch, size_t batch, float *step);

/* Check o, each fault named with its value: kind one of the three, a
 * finite eps in (0, 1], steps >= 1 (PGD), a finite step_size, a loss
 * edd_attack_loss knows, a finite eps_ramp >= 0, and batches >= 1 when
 * eps_ramp > 0. */
EDD_API edd_status edd_adv_check(edd_ctx *ctx, const edd_adv_opts *o);

/* Set o->batches for n training images in batches of t->batch, check o
 * and plug it into t: with EDD_ADV_NONE, t is left as it is (plain
 * training, bit for bit); otherwise t->on_batch = edd_adv_batch and
 * t->on_batch_user = o, which must outlive the training. */
EDD_API edd_status edd_adv_attach(edd_ctx *ctx, edd_adv_opts *o, edd_train_opts *t, size_t n);

/* The hook (user: edd_adv_opts *): replaces bt->x by adversarial examples
 * of m with the true labels bt->y, each within e = edd_adv_eps_at(o, epoch,
 * batch) of its clean image in L-inf and in [0,1] (e = 0: bt->x is left as
 * it is), where eps and the step below are those at e:
 *   PGD:    edd_pgd with o's eps, steps, step, loss and random start, one
 *           restart, its seed drawn from (o->seed, epoch, batch); the point
 *           of largest margin among the start and the steps (edd_pgd's
 *           choice, the last point when the margin keeps rising);
 *   FGM-RS: x0 = clip(x + eps (2u - 1)) with u uniform per pixel, keyed by
 *           (o->seed, epoch, dataset index), then edd_fgm of x0 with step
 *           1.25 eps (or o->step_size), then the projection onto the
 *           eps-ball around x and [0,1].
 * EDD_ADV_NONE leaves bt->x as it is. */
EDD_API edd_status edd_adv_batch(edd_ctx *ctx, void *user, const edd_cnn *m, const edd_train_batch *bt);

/* Whether a trained model with clean test accuracy `accuracy` (a
 * fraction) over n_real real classes learned anything: 1 when accuracy >
 * EDD_USABLE_FACTOR / n_real, 0 at or below (a collapse to a constant
 * guess, the failure of adversarial training on a small budget). A
 * constant guess scores its class's share of the test set: at most 11.35%
 * on MNIST (the digit 1), 10% on Fashion-MNIST, both under 1.5 / 10. Any
 * model, adversarially trained or not, may be judged so. */
#define EDD_USABLE_FACTOR 1.5
EDD_API int edd_adv_usable(double accuracy, int n_real);

#endif
