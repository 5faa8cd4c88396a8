/* cw.c - Carlini-Wagner L2, targeted or untargeted, with AdaDelta or Adam on w
 * (edd/cw.h for the loss; docs/DESIGN.md sections 8 and 9).
 *
 * Batching: up to `batch` images share one forward and backward pass per
 * iteration, but nothing else. The early abort, the success check and the
 * binary search are per image, which is exactly cleverhans v2 with its
 * default batch_size of 1: the result of an image does not depend on the
 * images it was batched with. The scheduler below keeps the batch full of
 * images still being optimised. */
#include "edd/cw.h"
#include "edd/progress.h"
#include "edd/internal/workspace.h"
#include "edd/internal/cw.h"
#include "edd/internal/objective.h"
#include "edd/internal/opts.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NO_L2 1e10 /* cleverhans' "no example yet" distance and upper bound */

void edd_cw_opts_init(edd_cw_opts *o, size_t size)
{
    const edd_cw_opts def = {.confidence = 0.0f, .binary_search_steps = 4, .max_iterations = 200,
                             .learning_rate = 1.0f, .initial_const = 1.0f, .abort_early = 1,
                             .optimizer = EDD_CW_ADADELTA, .rho = 0.95f, .eps = 1e-3f, .batch = 100,
                             .seed = 1, .quiet = 0, .untargeted = 0};
    edd_opts_fill(o, size, &def, sizeof def);
}

/* Real classes of a model with k outputs: the outputs from EDD_N_REAL on
 * (the outlier of K = 11) are not. */
static int cw_n_real(int k) { return k < EDD_N_REAL ? k : EDD_N_REAL; }

edd_status edd_cw_loss_grad(edd_ctx *ctx, edd_plan *p, const edd_cnn *m, const float *w, const float *x0,
                            const uint8_t *target, const double *c, float confidence, int untargeted, double *loss,
                            double *l2, float *z, float *xadv, float *grad, float *dz)
{
    const int b = edd_plan_batch(p), k = m->k;
    #pragma omp parallel for schedule(static)
    for (int i = 0; i < b; i++) {
        const float *wi = w + (size_t)i * EDD_IMG_SIZE, *x0i = x0 + (size_t)i * EDD_IMG_SIZE;
        float *xi = xadv + (size_t)i * EDD_IMG_SIZE;
        double d2 = 0.0;
        for (int j = 0; j < EDD_IMG_SIZE; j++) {
            xi[j] = (tanhf(wi[j]) + 1.0f) * 0.5f;
            double d = (double)xi[j] - x0i[j];
            d2 += d * d;
        }
        l2[i] = d2;
    }
    edd_status st = edd_plan_forward(ctx, p, m, xadv, NULL, z);
    if (st)
        return st;
    /* cleverhans v2 (attacks_tf.py, targeted):
     *   other = max((1 - tlab) * Z - tlab * 10000), real = Z_t,
     *   loss1 = max(0, other - real + confidence),
     * i.e. Carlini's f = max(max_{j != t} Z_j - Z_t, -confidence) shifted
     * by confidence (Carlini's kappa). The max runs over every other output, the outlier included.
     * As tf.maximum(0, h), the gradient flows only where h > 0.
     * Untargeted, t is the true label and the hinge is the detector-aware
     * margin of objective.c turned around: h = max(Z_t, Z_outlier) -
     * max_{other real} Z + confidence. Either way h = Z_hi - Z_lo +
     * confidence, and dh/dz = e_hi - e_lo. */
    for (int i = 0; i < b; i++) {
        const float *zi = z + (size_t)i * k;
        float *dzi = dz + (size_t)i * k;
        int t = target[i], hi = t == 0 ? 1 : 0, lo = t;
        if (untargeted) {
            edd_margin(zi, k, cw_n_real(k), t, &lo, &hi); /* lo: the best other real class, hi: the guard */
        } else {
            for (int j = 0; j < k; j++)
                if (j != t && zi[j] > zi[hi])
                    hi = j;
        }
        double h = (double)zi[hi] - zi[lo] + confidence;
        memset(dzi, 0, (size_t)k * sizeof(float));
        if (h > 0.0) {
            dzi[hi] = (float)c[i];
            dzi[lo] = (float)-c[i];
        }
        loss[i] = l2[i] + c[i] * (h > 0.0 ? h : 0.0);
    }
    st = edd_plan_backward(ctx, p, m, dz, NULL, grad);
    if (st)
        return st;
    #pragma omp parallel for schedule(static)
    for (int i = 0; i < b; i++) {
        const size_t off = (size_t)i * EDD_IMG_SIZE;
        for (int j = 0; j < EDD_IMG_SIZE; j++) {
            float th = 2.0f * xadv[off + j] - 1.0f; /* tanh(w) */
            float dx = 2.0f * (xadv[off + j] - x0[off + j]) + grad[off + j];
            grad[off + j] = dx * (1.0f - th * th) * 0.5f;
        }
    }
    return EDD_OK;
}

void edd_cw_adadelta_step(float *w, const float *g, float *eg2, float *edx2, size_t n, float lr, float rho,
                          float eps)
{
    for (size_t i = 0; i < n; i++) {
        eg2[i] = rho * eg2[i] + (1.0f - rho) * g[i] * g[i];
        float d = sqrtf(edx2[i] + eps) / sqrtf(eg2[i] + eps) * g[i];
        edx2[i] = rho * edx2[i] + (1.0f - rho) * d * d;
        w[i] -= lr * d;
    }
}

void edd_cw_adam_step(float *w, const float *g, float *m, float *v, size_t n, long t, float lr)
{
    const float b1 = 0.9f, b2 = 0.999f;
    float lr_t = (float)(lr * sqrt(1.0 - pow(b2, (double)t)) / (1.0 - pow(b1, (double)t)));
    for (size_t i = 0; i < n; i++) {
        m[i] = b1 * m[i] + (1.0f - b1) * g[i];
        v[i] = b2 * v[i] + (1.0f - b2) * g[i] * g[i];
        w[i] -= lr_t * m[i] / (sqrtf(v[i]) + 1e-8f);
    }
}

void edd_cw_bsearch_update(int success, double *c, double *lower, double *upper, int *bounded)
{
    if (success) {
        *upper = *bounded ? fmin(*upper, *c) : *c;
        *bounded = 1;
        *c = (*lower + *upper) / 2.0;
    } else {
        *lower = fmax(*lower, *c);
        *c = *bounded ? (*lower + *upper) / 2.0 : *c * 10.0;
    }
}

/* cleverhans' compare(): the target wins after confidence is taken off its
 * logit. Untargeted (t the true label): with confidence added to the
 * label's logit and to the outlier's, a real class other than t wins. */
static int cw_hit(const float *z, int k, int t, float confidence, int untargeted, float *tmp)
{
    memcpy(tmp, z, (size_t)k * sizeof(float));
    if (!untargeted) {
        tmp[t] -= confidence;
        return edd_argmax(tmp, k) == t;
    }
    const int nr = cw_n_real(k);
    tmp[t] += confidence;
    for (int j = nr; j < k; j++)
        tmp[j] += confidence;
    int p = edd_argmax(tmp, k);
    return p < nr && p != t;
}

/* The scheduler. `b` slots each hold one image through all its
 * binary-search steps; a slot whose image is done takes the next image.
 * Every iteration gathers the rows of the busy slots into one batch and
 * runs it through the plan of the smallest ladder size (b, b/2, b/4, ...,
 * 1, rounded up) that holds them, padding with copies of row 0 at c = 0:
 * rows that stopped early are never computed again, and the last images
 * do not drag a full batch along. The plan cache keeps every ladder plan
 * built (the ladder has at most LADDER <= EDD_PLAN_CACHE_MAX sizes). */
#define LADDER 24
_Static_assert(LADDER <= EDD_PLAN_CACHE_MAX, "the cache must keep the whole ladder");

typedef struct {
    int b, k, nsizes;
    int size[LADDER];
    edd_plan_cache plans;
    void *mem;            /* the workspace every buffer below lives in */
    /* per slot: rows of b x 784 and scalar state */
    float *w0, *x0, *w, *s1, *s2;
    size_t *img;          /* image in the slot, or SIZE_MAX when idle */
    int *step, *it;
    double *c, *lo, *up, *prev, *o_best;
    int *bounded;         /* a success has set up: the binary search bisects */
    uint8_t *hit, *ended;
    float *ztmp;          /* b x K: each slot's copy of its logits for cw_hit (worker threads share no stack array) */
    /* the gathered batch */
    int *act;
    float *pw, *px0, *pxadv, *pgrad, *pz, *pdz;
    double *pc, *ploss, *pl2;
    uint8_t *pt;
} cw_sched;

static void sched_free(cw_sched *S)
{
    edd_plan_cache_release(&S->plans);
    free(S->mem);
}

static int sched_alloc(cw_sched *S, int b, int k)
{
    const size_t px = (size_t)b * EDD_IMG_SIZE, zs = (size_t)b * k;
    memset(S, 0, sizeof *S);
    S->b = b;
    S->k = k;
    for (int s = b; S->nsizes < LADDER; s = (s + 1) / 2) {
        S->size[S->nsizes++] = s;
        if (s == 1)
            break;
    }
    edd_plan_cache_init(&S->plans, EDD_PLAN_INPUT_GRAD, 0, 0);
    edd_ws_entry ws[] = {
        EDD_WS(S->w0, px), EDD_WS(S->x0, px), EDD_WS(S->w, px), EDD_WS(S->s1, px), EDD_WS(S->s2, px),
        EDD_WS(S->img, b), EDD_WS(S->step, b), EDD_WS(S->it, b), EDD_WS(S->bounded, b),
        EDD_WS(S->c, b), EDD_WS(S->lo, b), EDD_WS(S->up, b), EDD_WS(S->prev, b), EDD_WS(S->o_best, b),
        EDD_WS(S->hit, b), EDD_WS(S->ended, b), EDD_WS(S->ztmp, zs), EDD_WS(S->act, b),
        EDD_WS(S->pw, px), EDD_WS(S->px0, px), EDD_WS(S->pxadv, px), EDD_WS(S->pgrad, px),
        EDD_WS(S->pz, zs), EDD_WS(S->pdz, zs),
        EDD_WS(S->pc, b), EDD_WS(S->ploss, b), EDD_WS(S->pl2, b), EDD_WS(S->pt, b)};
    S->mem = edd_workspace_alloc(ws, EDD_WS_COUNT(ws));
    return S->mem != NULL;
}

/* The plan of the smallest ladder size >= na, built on first use. */
static edd_status sched_plan(edd_ctx *ctx, cw_sched *S, const edd_cnn *m, int na, edd_plan **p)
{
    int i = S->nsizes - 1;
    while (S->size[i] < na)
        i--;
    return edd_plan_cache_get(ctx, &S->plans, m, S->size[i], p);
}

/* Start binary-search step S->step[s] of the slot's image: w back to w0,
 * optimiser state zeroed (cleverhans re-runs its initialiser). */
static void slot_start_step(cw_sched *S, int s, const edd_cw_opts *o)
{
    const size_t off = (size_t)s * EDD_IMG_SIZE;
    /* cleverhans repeats the last of 10 or more steps at the upper bound
     * (its 1e10 when none was found, or c when that is larger) */
    if (o->binary_search_steps >= 10 && S->step[s] == o->binary_search_steps - 1)
        S->c[s] = S->bounded[s] ? S->up[s] : fmax(S->c[s], NO_L2);
    memcpy(S->w + off, S->w0 + off, EDD_IMG_SIZE * sizeof(float));
    memset(S->s1 + off, 0, EDD_IMG_SIZE * sizeof(float));
    memset(S->s2 + off, 0, EDD_IMG_SIZE * sizeof(float));
    S->it[s] = 0;
    /* no loss yet: cleverhans' 1e6 here ended at once every step whose
     * first loss is above it (an initial constant of 1e6 or more) */
    S->prev[s] = HUGE_VAL;
    S->hit[s] = 0;
    S->ended[s] = 0;
}

/* Put image i (or nothing, i >= n) into slot s. */
static void slot_load(cw_sched *S, int s, size_t i, size_t n, const float *x, const edd_cw_opts *o, float *adv,
                      uint8_t *success)
{
    if (i >= n) {
        S->img[s] = SIZE_MAX;
        return;
    }
    const size_t off = (size_t)s * EDD_IMG_SIZE;
    const float *xi = x + i * EDD_IMG_SIZE;
    for (int j = 0; j < EDD_IMG_SIZE; j++) {
        S->w0[off + j] = (float)atanh((2.0 * xi[j] - 1.0) * 0.999999);
        S->x0[off + j] = (tanhf(S->w0[off + j]) + 1.0f) * 0.5f;
    }
    memcpy(adv + i * EDD_IMG_SIZE, xi, EDD_IMG_SIZE * sizeof(float));
    success[i] = 0;
    S->img[s] = i;
    S->step[s] = 0;
    S->c[s] = o->initial_const;
    S->lo[s] = 0.0;
    S->up[s] = NO_L2;
    S->bounded[s] = 0;
    S->o_best[s] = NO_L2;
    slot_start_step(S, s, o);
}

/* One iteration of every busy slot: r is the slot's row in the gathered
 * batch. The loss, logits and x' are those before this iteration's update,
 * as cleverhans fetches them in the run that applies it. */
static void slot_iterate(cw_sched *S, int s, int r, const uint8_t *target, const edd_cw_opts *o, float *adv,
                         uint8_t *success)
{
    const int k = S->k, period = o->max_iterations / 10 ? o->max_iterations / 10 : 1;
    const size_t i = S->img[s], off = (size_t)s * EDD_IMG_SIZE, roff = (size_t)r * EDD_IMG_SIZE;
    if (o->abort_early && S->it[s] % period == 0) {
        if (S->ploss[r] > S->prev[s] * 0.9999) {
            S->ended[s] = 1;
            return;
        }
        S->prev[s] = S->ploss[r];
    }
    if (cw_hit(S->pz + (size_t)r * k, k, target[i], o->confidence, o->untargeted, S->ztmp + (size_t)s * k)) {
        S->hit[s] = 1;
        if (S->pl2[r] < S->o_best[s]) {
            S->o_best[s] = S->pl2[r];
            success[i] = 1;
            memcpy(adv + i * EDD_IMG_SIZE, S->pxadv + roff, EDD_IMG_SIZE * sizeof(float));
        }
    }
    if (o->optimizer == EDD_CW_ADAM)
        edd_cw_adam_step(S->w + off, S->pgrad + roff, S->s1 + off, S->s2 + off, EDD_IMG_SIZE, S->it[s] + 1,
                         o->learning_rate);
    else
        edd_cw_adadelta_step(S->w + off, S->pgrad + roff, S->s1 + off, S->s2 + off, EDD_IMG_SIZE,
                             o->learning_rate, o->rho, o->eps);
    if (++S->it[s] == o->max_iterations)
        S->ended[s] = 1;
}

static edd_status cw_run(edd_ctx *ctx, cw_sched *S, const edd_cnn *m, const float *x, const uint8_t *target,
                         size_t n, const edd_cw_opts *o, float *adv, uint8_t *success, edd_progress *prog)
{
    const int b = S->b;
    size_t next = 0, done = 0;
    for (int s = 0; s < b; s++)
        slot_load(S, s, next++, n, x, o, adv, success);
    for (;;) {
        int na = 0;
        for (int s = 0; s < b; s++)
            if (S->img[s] != SIZE_MAX)
                S->act[na++] = s;
        if (na == 0)
            return EDD_OK;
        edd_plan *p;
        edd_status st = sched_plan(ctx, S, m, na, &p);
        if (st)
            return st;
        const int P = edd_plan_batch(p);
        for (int r = 0; r < P; r++) {
            int s = S->act[r < na ? r : 0];
            memcpy(S->pw + (size_t)r * EDD_IMG_SIZE, S->w + (size_t)s * EDD_IMG_SIZE, EDD_IMG_SIZE * sizeof(float));
            memcpy(S->px0 + (size_t)r * EDD_IMG_SIZE, S->x0 + (size_t)s * EDD_IMG_SIZE, EDD_IMG_SIZE * sizeof(float));
            S->pt[r] = target[S->img[s]];
            S->pc[r] = r < na ? S->c[s] : 0.0;
        }
        st = edd_cw_loss_grad(ctx, p, m, S->pw, S->px0, S->pt, S->pc, o->confidence, o->untargeted, S->ploss,
                              S->pl2, S->pz, S->pxadv, S->pgrad, S->pdz);
        if (st)
            return st;
        #pragma omp parallel for schedule(static)
        for (int r = 0; r < na; r++)
            slot_iterate(S, S->act[r], r, target, o, adv, success);
        for (int r = 0; r < na; r++) {
            int s = S->act[r];
            if (!S->ended[s])
                continue;
            edd_cw_bsearch_update(S->hit[s], &S->c[s], &S->lo[s], &S->up[s], &S->bounded[s]);
            done++;
            if (++S->step[s] < o->binary_search_steps)
                slot_start_step(S, s, o);
            else
                slot_load(S, s, next++, n, x, o, adv, success);
        }
        char extra[64]; /* every iteration: off a terminal, a line at least every period (edd/progress.h) */
        snprintf(extra, sizeof extra, "%zu/%zu images started", next < n ? next : n, n);
        edd_progress_update(prog, done, extra);
    }
}

static edd_status cw_check(edd_ctx *ctx, const edd_cnn *m, const float *x, const uint8_t *target, size_t n,
                           const edd_cw_opts *o)
{
    if (o->binary_search_steps < 1 || o->max_iterations < 1 || o->batch < 1)
        return edd_fail(ctx, EDD_ERR_ARG,
                        "cw: binary_search_steps %d, max_iterations %d, batch %d: each must be >= 1",
                        o->binary_search_steps, o->max_iterations, o->batch);
    if (!(o->learning_rate > 0.0f) || !(o->initial_const > 0.0f) || !isfinite(o->confidence))
        return edd_fail(ctx, EDD_ERR_ARG,
                        "cw: learning_rate %g, initial_const %g must be > 0 and confidence %g finite",
                        o->learning_rate, o->initial_const, o->confidence);
    if (o->optimizer != EDD_CW_ADADELTA && o->optimizer != EDD_CW_ADAM)
        return edd_fail(ctx, EDD_ERR_ARG, "cw: optimizer %d: expected 0 (adadelta) or 1 (adam)", o->optimizer);
    if (o->optimizer == EDD_CW_ADADELTA && (!(o->rho >= 0.0f && o->rho < 1.0f) || !(o->eps > 0.0f)))
        return edd_fail(ctx, EDD_ERR_ARG, "cw: adadelta rho %g must be in [0,1) and eps %g > 0", o->rho, o->eps);
    if (o->untargeted != 0 && o->untargeted != 1)
        return edd_fail(ctx, EDD_ERR_ARG, "cw: untargeted %d: expected 0 or 1", o->untargeted);
    const int below = o->untargeted ? cw_n_real(m->k) : m->k;
    for (size_t i = 0; i < n; i++)
        if (target[i] >= below)
            return edd_fail(ctx, EDD_ERR_ARG, "cw: target[%zu] = %d: expected a class below %d%s", i, target[i], below,
                            o->untargeted ? " (untargeted: the true label, a real class)" : "");
    for (size_t j = 0; j < n * EDD_IMG_SIZE; j++)
        if (!(x[j] >= 0.0f && x[j] <= 1.0f))
            return edd_fail(ctx, EDD_ERR_ARG, "cw: pixel %zu of image %zu is %g: expected a value in [0,1]",
                            j % EDD_IMG_SIZE, j / EDD_IMG_SIZE, x[j]);
    return EDD_OK;
}

edd_status edd_cw_l2(edd_ctx *ctx, const edd_cnn *m, const float *x, const uint8_t *target, size_t n,
                     const edd_cw_opts *o, float *adv, uint8_t *success)
{
    edd_status st = EDD_OPTS_CHECK(ctx, edd_cw_opts, o);
    if (!st)
        st = cw_check(ctx, m, x, target, n, o);
    if (st || n == 0)
        return st;
    const int b = (size_t)o->batch < n ? o->batch : (int)n;
    cw_sched S;
    if (!sched_alloc(&S, b, m->k)) {
        sched_free(&S);
        return edd_fail(ctx, EDD_ERR_NOMEM, "cw: out of memory for a batch of %d images", b);
    }
    edd_progress prog;
    edd_progress_start(&prog, "cw-l2", n * (size_t)o->binary_search_steps, o->quiet);
    st = cw_run(ctx, &S, m, x, target, n, o, adv, success, &prog);
    edd_progress_end(&prog);
    sched_free(&S);
    return st;
}
