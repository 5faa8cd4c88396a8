/* advtrain.c - adversarial training's per-batch hook (edd/advtrain.h;
 * docs/DEFENSE.md, "Adversarial training"): PGD (Madry et al. 2018) and
 * FGM from a random start (Wong et al. 2020) on the model being trained,
 * through edd_pgd and edd_fgm. Both attacks build their input-gradient
 * plans from the model as it is at the call (m->version: the parameters of
 * the last step), run them without dropout on the training context, and
 * free them before the step, so the training plans never see them. The eps
 * warm-up scales eps and the step by the fraction of the ramp done. */
#include "edd/advtrain.h"
#include "edd/internal/opts.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define D EDD_IMG_SIZE
#define ADV_STREAM 0xADF000u /* the random starts of epoch e: this + e */

void edd_adv_opts_init(edd_adv_opts *o, size_t size)
{
    const edd_adv_opts def = {.kind = EDD_ADV_NONE, .eps = 0.3f, .steps = 40, .step_size = 0.0f, .rand_start = 1,
                              .loss = EDD_LOSS_REAL, .seed = 1, .max_rows = 0, .eps_ramp = EDD_ADV_RAMP,
                              .batches = 0};
    edd_opts_fill(o, size, &def, sizeof def);
}

float edd_adv_step(const edd_adv_opts *o)
{
    if (o->step_size > 0.0f)
        return o->step_size;
    switch (o->kind) {
    case EDD_ADV_PGD: return 4.0f * o->eps / (3.0f * (float)o->steps);
    case EDD_ADV_FGM_RS: return 1.25f * o->eps;
    default: return 0.0f;
    }
}

float edd_adv_eps_at(const edd_adv_opts *o, int epoch, size_t batch, float *step)
{
    const float full = edd_adv_step(o);
    double f = 1.0;
    if (o->eps_ramp > 0.0f && o->batches > 0)
        f = ((double)epoch + (double)batch / (double)o->batches) / (double)o->eps_ramp;
    if (step)
        *step = f >= 1.0 ? full : (float)(full * f);
    return f >= 1.0 ? o->eps : (float)(o->eps * f);
}

int edd_adv_usable(double accuracy, int n_real)
{
    return n_real > 0 && accuracy > EDD_USABLE_FACTOR / n_real;
}

edd_status edd_adv_check(edd_ctx *ctx, const edd_adv_opts *o)
{
    if (EDD_OPTS_CHECK(ctx, edd_adv_opts, o))
        return EDD_ERR_ARG;
    if (o->kind != EDD_ADV_NONE && o->kind != EDD_ADV_FGM_RS && o->kind != EDD_ADV_PGD)
        return edd_fail(ctx, EDD_ERR_ARG, "advtrain: kind %d, expected EDD_ADV_NONE, EDD_ADV_FGM_RS or EDD_ADV_PGD",
                        (int)o->kind);
    if (!(o->eps > 0.0f && o->eps <= 1.0f))
        return edd_fail(ctx, EDD_ERR_ARG, "advtrain: eps %g, expected a number in (0, 1]", o->eps);
    if (o->kind == EDD_ADV_PGD && o->steps < 1)
        return edd_fail(ctx, EDD_ERR_ARG, "advtrain: %d PGD steps, expected >= 1", o->steps);
    if (!isfinite(o->step_size))
        return edd_fail(ctx, EDD_ERR_ARG, "advtrain: step size %g, expected a finite step (<= 0: the default)",
                        o->step_size);
    if (o->loss != EDD_LOSS_ALL && o->loss != EDD_LOSS_REAL && o->loss != EDD_LOSS_MARGIN)
        return edd_fail(ctx, EDD_ERR_ARG, "advtrain: loss %d, expected 0 (all), 1 (real) or 2 (margin)", (int)o->loss);
    if (!(o->eps_ramp >= 0.0f && isfinite(o->eps_ramp)))
        return edd_fail(ctx, EDD_ERR_ARG, "advtrain: eps ramp %g epochs, expected a finite number >= 0 (0: no ramp)",
                        o->eps_ramp);
    if (o->eps_ramp > 0.0f && o->batches < 1)
        return edd_fail(ctx, EDD_ERR_ARG, "advtrain: eps ramp %g epochs over %zu batches per epoch, expected >= 1 "
                        "batch (edd_adv_attach sets them)", o->eps_ramp, o->batches);
    return EDD_OK;
}

edd_status edd_adv_attach(edd_ctx *ctx, edd_adv_opts *o, edd_train_opts *t, size_t n)
{
    if (EDD_OPTS_CHECK(ctx, edd_adv_opts, o) || EDD_OPTS_CHECK(ctx, edd_train_opts, t))
        return EDD_ERR_ARG;
    o->batches = t->batch > 0 ? (n + (size_t)t->batch - 1) / (size_t)t->batch : 0;
    edd_status st = edd_adv_check(ctx, o);
    if (st || o->kind == EDD_ADV_NONE)
        return st;
    t->on_batch = edd_adv_batch;
    t->on_batch_user = o;
    return EDD_OK;
}

static float clip(float v, float lo, float hi) { return v < lo ? lo : v > hi ? hi : v; }

/* PGD of the batch at eps and step into adv, then over x. */
static edd_status adv_pgd(edd_ctx *ctx, const edd_adv_opts *o, float eps, float step, const edd_cnn *m,
                          const edd_train_batch *bt, float *adv)
{
    edd_pgd_opts p;
    edd_pgd_opts_default(&p);
    p.eps = eps;
    p.steps = o->steps;
    p.step_size = step;
    p.rand_start = o->rand_start;
    p.loss = o->loss;
    p.seed = edd_rng_key(o->seed, ADV_STREAM + (uint64_t)bt->epoch, bt->batch);
    p.max_rows = o->max_rows;
    p.quiet = 1;
    edd_status st = edd_pgd(ctx, m, bt->x, bt->y, (size_t)bt->b, &p, adv);
    if (!st)
        memcpy(bt->x, adv, (size_t)bt->b * D * sizeof(float));
    return st;
}

/* FGM-RS at eps and step: the start into x0, FGM of x0 into adv, the
 * projection over x. */
static edd_status adv_fgm_rs(edd_ctx *ctx, const edd_adv_opts *o, float eps, float step, const edd_cnn *m,
                             const edd_train_batch *bt, float *x0, float *adv)
{
    const size_t n = (size_t)bt->b;
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) {
        const uint64_t key = edd_rng_key(o->seed, ADV_STREAM + (uint64_t)bt->epoch, bt->idx[i]);
        const float *xi = bt->x + i * D;
        for (int j = 0; j < D; j++)
            x0[i * D + j] = clip(xi[j] + eps * (2.0f * edd_rng_uniform(key, (uint32_t)j) - 1.0f), 0.0f, 1.0f);
    }
    edd_fgm_opts f;
    edd_fgm_opts_default(&f);
    f.eps = step;
    f.loss = o->loss;
    f.max_rows = o->max_rows;
    edd_status st = edd_fgm(ctx, m, x0, bt->y, n, &f, adv);
    if (st)
        return st;
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) {
        float *xi = bt->x + i * D;
        const float *ai = adv + i * D;
        for (int j = 0; j < D; j++)
            xi[j] = clip(clip(ai[j], xi[j] - eps, xi[j] + eps), 0.0f, 1.0f);
    }
    return EDD_OK;
}

edd_status edd_adv_batch(edd_ctx *ctx, void *user, const edd_cnn *m, const edd_train_batch *bt)
{
    const edd_adv_opts *o = user;
    edd_status st = edd_adv_check(ctx, o);
    if (st || o->kind == EDD_ADV_NONE || bt->b <= 0)
        return st;
    float step;
    const float eps = edd_adv_eps_at(o, bt->epoch, bt->batch, &step);
    if (eps <= 0.0f) /* the ramp's first batch: the ball is the clean image */
        return EDD_OK;
    const size_t n = (size_t)bt->b;
    float *buf = malloc(2 * n * D * sizeof(float));
    if (!buf)
        return edd_fail(ctx, EDD_ERR_NOMEM, "advtrain: out of memory for a batch of %zu images", n);
    st = o->kind == EDD_ADV_PGD ? adv_pgd(ctx, o, eps, step, m, bt, buf)
                                : adv_fgm_rs(ctx, o, eps, step, m, bt, buf, buf + n * D);
    free(buf);
    return st;
}
