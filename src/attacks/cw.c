/* cw.c - Carlini-Wagner L2, targeted, with AdaDelta or Adam on w
 * (edd/cw.h for the loss; design.md sections 8 and 9).
 *
 * Batching: `batch` images share one INPUT_GRAD plan and one forward and
 * backward pass per iteration, but nothing else. The early abort, the
 * success check and the binary search are per image, which is exactly
 * cleverhans v2 with its default batch_size of 1: the result of an image
 * does not depend on the images it was batched with. An image that aborted
 * rides along frozen until every image of its batch has stopped. */
#include "edd/cw.h"
#include "edd/progress.h"
#include "edd/train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NO_L2 1e10 /* cleverhans' "no example yet" distance and upper bound */

edd_cw_opts edd_cw_defaults(void)
{
    return (edd_cw_opts){.confidence = 0.0f, .binary_search_steps = 4, .max_iterations = 200,
                         .learning_rate = 1.0f, .initial_const = 1.0f, .abort_early = 1,
                         .optimizer = EDD_CW_ADADELTA, .rho = 0.95f, .eps = 1e-3f, .batch = 100,
                         .seed = 1, .quiet = 0};
}

edd_status edd_cw_loss_grad(edd_ctx *ctx, edd_plan *p, const edd_cnn *m, const float *w, const float *x0,
                            const uint8_t *target, const double *c, float confidence, double *loss, double *l2,
                            float *z, float *xadv, float *grad, float *dz)
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
     * i.e. Carlini's f = max(max_{j != t} Z_j - Z_t, -kappa) shifted by
     * kappa. The max runs over every other output, the outlier included.
     * As tf.maximum(0, h), the gradient flows only where h > 0. */
    for (int i = 0; i < b; i++) {
        const float *zi = z + (size_t)i * k;
        float *dzi = dz + (size_t)i * k;
        int t = target[i], o = t == 0 ? 1 : 0;
        for (int j = 0; j < k; j++)
            if (j != t && zi[j] > zi[o])
                o = j;
        double h = (double)zi[o] - zi[t] + confidence;
        memset(dzi, 0, (size_t)k * sizeof(float));
        if (h > 0.0) {
            dzi[o] = (float)c[i];
            dzi[t] = (float)-c[i];
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

void edd_cw_bsearch_update(int success, double *c, double *lower, double *upper)
{
    if (success) {
        *upper = fmin(*upper, *c);
        if (*upper < 1e9)
            *c = (*lower + *upper) / 2.0;
    } else {
        *lower = fmax(*lower, *c);
        if (*upper < 1e9)
            *c = (*lower + *upper) / 2.0;
        else
            *c *= 10.0;
    }
}

/* cleverhans' compare(): the target wins after confidence is taken off its logit. */
static int cw_hit(const float *z, int k, int t, float confidence, float *tmp)
{
    memcpy(tmp, z, (size_t)k * sizeof(float));
    tmp[t] -= confidence;
    return edd_argmax(tmp, k) == t;
}

/* Per-batch working memory: per-pixel arrays (b x 784) and per-image state. */
typedef struct {
    float *w0, *x0, *w, *xadv, *grad, *s1, *s2, *z, *dz;
    double *c, *lo, *up, *loss, *l2, *prev, *best_l2, *o_best;
    uint8_t *active, *hit;
} cw_work;

static void work_free(cw_work *wk)
{
    free(wk->w0); free(wk->x0); free(wk->w); free(wk->xadv); free(wk->grad); free(wk->s1); free(wk->s2);
    free(wk->z); free(wk->dz);
    free(wk->c); free(wk->lo); free(wk->up); free(wk->loss); free(wk->l2); free(wk->prev); free(wk->best_l2);
    free(wk->o_best);
    free(wk->active); free(wk->hit);
}

static int work_alloc(cw_work *wk, int b, int k)
{
    size_t px = (size_t)b * EDD_IMG_SIZE * sizeof(float), zs = (size_t)b * k * sizeof(float);
    size_t ds = (size_t)b * sizeof(double);
    memset(wk, 0, sizeof *wk);
    wk->w0 = malloc(px); wk->x0 = malloc(px); wk->w = malloc(px); wk->xadv = malloc(px);
    wk->grad = malloc(px); wk->s1 = malloc(px); wk->s2 = malloc(px);
    wk->z = malloc(zs); wk->dz = malloc(zs);
    wk->c = malloc(ds); wk->lo = malloc(ds); wk->up = malloc(ds); wk->loss = malloc(ds); wk->l2 = malloc(ds);
    wk->prev = malloc(ds); wk->best_l2 = malloc(ds); wk->o_best = malloc(ds);
    wk->active = malloc((size_t)b); wk->hit = malloc((size_t)b);
    return wk->w0 && wk->x0 && wk->w && wk->xadv && wk->grad && wk->s1 && wk->s2 && wk->z && wk->dz &&
           wk->c && wk->lo && wk->up && wk->loss && wk->l2 && wk->prev && wk->best_l2 && wk->o_best && wk->active && wk->hit;
}

/* Attack images [0, b) of x (the plan's batch) toward target; best_l2 and
 * adv/success are the caller's rows for these images. */
static edd_status cw_batch(edd_ctx *ctx, edd_plan *p, const edd_cnn *m, cw_work *wk, const float *x,
                           const uint8_t *target, const edd_cw_opts *o, float *adv, uint8_t *success,
                           edd_progress *prog, size_t *done)
{
    const int b = edd_plan_batch(p), k = m->k;
    const size_t npx = (size_t)b * EDD_IMG_SIZE;
    for (size_t j = 0; j < npx; j++) {
        wk->w0[j] = (float)atanh((2.0 * x[j] - 1.0) * 0.999999);
        wk->x0[j] = (tanhf(wk->w0[j]) + 1.0f) * 0.5f;
    }
    double *o_best = wk->o_best;
    for (int i = 0; i < b; i++) {
        wk->c[i] = o->initial_const;
        wk->lo[i] = 0.0;
        wk->up[i] = NO_L2;
        o_best[i] = NO_L2;
        success[i] = 0;
    }
    memcpy(adv, x, npx * sizeof(float));
    const int period = o->max_iterations / 10 ? o->max_iterations / 10 : 1;
    for (int step = 0; step < o->binary_search_steps; step++) {
        /* cleverhans repeats the last of 10 or more steps at the upper bound. */
        if (o->binary_search_steps >= 10 && step == o->binary_search_steps - 1)
            for (int i = 0; i < b; i++)
                wk->c[i] = wk->up[i];
        memcpy(wk->w, wk->w0, npx * sizeof(float));
        memset(wk->s1, 0, npx * sizeof(float));
        memset(wk->s2, 0, npx * sizeof(float));
        int nactive = b;
        for (int i = 0; i < b; i++) {
            wk->active[i] = 1;
            wk->hit[i] = 0;
            wk->prev[i] = 1e6;
            wk->best_l2[i] = NO_L2;
        }
        for (int it = 0; it < o->max_iterations && nactive > 0; it++) {
            edd_status st = edd_cw_loss_grad(ctx, p, m, wk->w, wk->x0, target, wk->c, o->confidence, wk->loss,
                                             wk->l2, wk->z, wk->xadv, wk->grad, wk->dz);
            if (st)
                return st;
            #pragma omp parallel for schedule(static) reduction(- : nactive)
            for (int i = 0; i < b; i++) {
                if (!wk->active[i])
                    continue;
                /* The loss, logits and x' are those before this step's update,
                 * as cleverhans fetches them in the run that applies it. */
                if (o->abort_early && it % period == 0) {
                    if (wk->loss[i] > wk->prev[i] * 0.9999) {
                        wk->active[i] = 0;
                        nactive--;
                        continue;
                    }
                    wk->prev[i] = wk->loss[i];
                }
                float ztmp[k];
                const size_t off = (size_t)i * EDD_IMG_SIZE;
                if (cw_hit(wk->z + (size_t)i * k, k, target[i], o->confidence, ztmp)) {
                    wk->hit[i] = 1;
                    if (wk->l2[i] < wk->best_l2[i])
                        wk->best_l2[i] = wk->l2[i];
                    if (wk->l2[i] < o_best[i]) {
                        o_best[i] = wk->l2[i];
                        success[i] = 1;
                        memcpy(adv + off, wk->xadv + off, EDD_IMG_SIZE * sizeof(float));
                    }
                }
                if (o->optimizer == EDD_CW_ADAM)
                    edd_cw_adam_step(wk->w + off, wk->grad + off, wk->s1 + off, wk->s2 + off, EDD_IMG_SIZE,
                                     it + 1, o->learning_rate);
                else
                    edd_cw_adadelta_step(wk->w + off, wk->grad + off, wk->s1 + off, wk->s2 + off, EDD_IMG_SIZE,
                                         o->learning_rate, o->rho, o->eps);
            }
        }
        for (int i = 0; i < b; i++)
            edd_cw_bsearch_update(wk->hit[i], &wk->c[i], &wk->lo[i], &wk->up[i]);
        *done += (size_t)b;
        char extra[64];
        snprintf(extra, sizeof extra, "step %d/%d", step + 1, o->binary_search_steps);
        edd_progress_update(prog, *done, extra);
    }
    return EDD_OK;
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
    for (size_t i = 0; i < n; i++)
        if (target[i] >= m->k)
            return edd_fail(ctx, EDD_ERR_ARG, "cw: target[%zu] = %d: expected a class below %d", i, target[i], m->k);
    for (size_t j = 0; j < n * EDD_IMG_SIZE; j++)
        if (!(x[j] >= 0.0f && x[j] <= 1.0f))
            return edd_fail(ctx, EDD_ERR_ARG, "cw: pixel %zu of image %zu is %g: expected a value in [0,1]",
                            j % EDD_IMG_SIZE, j / EDD_IMG_SIZE, x[j]);
    return EDD_OK;
}

edd_status edd_cw_l2(edd_ctx *ctx, const edd_cnn *m, const float *x, const uint8_t *target, size_t n,
                     const edd_cw_opts *o, float *adv, uint8_t *success)
{
    edd_status st = cw_check(ctx, m, x, target, n, o);
    if (st || n == 0)
        return st;
    const int b = (size_t)o->batch < n ? o->batch : (int)n, rem = (int)(n % (size_t)b);
    edd_plan *pb = NULL, *pr = NULL;
    cw_work wk;
    if (!work_alloc(&wk, b, m->k)) {
        work_free(&wk);
        return edd_fail(ctx, EDD_ERR_NOMEM, "cw: out of memory for a batch of %d images", b);
    }
    st = edd_plan_create(ctx, m, b, EDD_PLAN_INPUT_GRAD, 0, &pb);
    if (!st && rem)
        st = edd_plan_create(ctx, m, rem, EDD_PLAN_INPUT_GRAD, 0, &pr);
    edd_progress prog;
    edd_progress_start(&prog, "cw-l2", n * (size_t)o->binary_search_steps, o->quiet);
    size_t done = 0;
    for (size_t s = 0; !st && s < n; s += (size_t)b) {
        edd_plan *p = n - s >= (size_t)b ? pb : pr;
        st = cw_batch(ctx, p, m, &wk, x + s * EDD_IMG_SIZE, target + s, o, adv + s * EDD_IMG_SIZE, success + s,
                      &prog, &done);
    }
    edd_progress_end(&prog);
    edd_plan_free(pb);
    edd_plan_free(pr);
    work_free(&wk);
    return st;
}
