/* pgd.c - projected gradient descent (Madry et al. 2018), untargeted with
 * the true label, on the losses of objective.c (docs/ATTACKS.md, "PGD").
 *
 * Every step passes all n images through one edd_grad_input call (the
 * gradder cuts it into oneDNN-sized pieces); its dz callback also records
 * each image's margin at the point the pass ran on, which picks the point
 * returned. The point after the last step is scored by a forward pass
 * alone (edd_evaluate). The elementwise work (starts, steps, projections) runs over
 * images with OpenMP, each image's arithmetic serial, so a result does not
 * depend on the thread count beyond what oneDNN's passes do. */
#include "edd/attacks.h"
#include "edd/progress.h"
#include "edd/train.h"
#include "edd/internal/objective.h"
#include "edd/internal/opts.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define D EDD_IMG_SIZE

void edd_pgd_opts_init(edd_pgd_opts *o, size_t size)
{
    const edd_pgd_opts def = {.eps = 0.3f, .ord = 0, .steps = 100, .step_size = 0.0f, .restarts = 1,
                              .loss = EDD_LOSS_ALL, .margin_cap = EDD_ATTACK_MARGIN_CAP, .n_real = EDD_N_REAL, .clip_min = 0.0f,
                              .clip_max = 1.0f, .seed = 1, .max_rows = 0, .quiet = 0, .rand_start = 1, .early_stop = 0};
    edd_opts_fill(o, size, &def, sizeof def);
}

static float clip(float v, float lo, float hi) { return v < lo ? lo : v > hi ? hi : v; }

/* The start of restart r for image i (xi -> ci): x plus, with rand_start,
 *   L-inf: eps (2u_j - 1) per pixel, u_j uniform in [0,1);
 *   L2:    eps u^(1/784) n / ||n||, n standard normal per pixel (a uniform
 *          direction) and u uniform: uniform in the ball,
 * from the counter RNG keyed by (seed, r, i); then clipped to the box. */
static void pgd_start(const edd_pgd_opts *o, int r, size_t i, const float *xi, float *ci)
{
    const uint64_t key = edd_rng_key(o->seed, (uint64_t)r, i);
    float scale = 0.0f;
    if (o->rand_start && o->ord == 2) {
        double s = 0.0;
        for (int j = 0; j < D; j++) {
            ci[j] = edd_rng_normal(key, (uint32_t)j); /* counters 2j, 2j+1 */
            s += (double)ci[j] * ci[j];
        }
        double u = edd_rng_uniform(key, 2 * D);
        scale = s > 0.0 ? (float)(o->eps * pow(u, 1.0 / D) / sqrt(s)) : 0.0f;
    }
    for (int j = 0; j < D; j++) {
        float d = !o->rand_start ? 0.0f
                  : o->ord == 2  ? scale * ci[j]
                                 : o->eps * (2.0f * edd_rng_uniform(key, (uint32_t)j) - 1.0f);
        ci[j] = clip(xi[j] + d, o->clip_min, o->clip_max);
    }
}

/* One step of image i from ci along its gradient gi, then the projection
 * onto the eps-ball around xi and the clip:
 *   L-inf: v = c + step sign(g), clamped to [x - eps, x + eps];
 *   L2:    v = c + step g / ||g|| (g = 0: v = c), and v - x scaled down to
 *          norm eps when it is longer. */
static void pgd_step(const edd_pgd_opts *o, float step, const float *xi, const float *gi, float *ci)
{
    if (o->ord == 0) {
        for (int j = 0; j < D; j++) {
            float v = ci[j] + step * (float)((gi[j] > 0.0f) - (gi[j] < 0.0f));
            ci[j] = clip(clip(v, xi[j] - o->eps, xi[j] + o->eps), o->clip_min, o->clip_max);
        }
        return;
    }
    double s = 0.0, d2 = 0.0;
    for (int j = 0; j < D; j++)
        s += (double)gi[j] * gi[j];
    float scale = edd_l2_step_scale(step, s);
    for (int j = 0; j < D; j++) {
        ci[j] += scale * gi[j];
        double d = (double)ci[j] - xi[j];
        d2 += d * d;
    }
    float shrink = d2 > (double)o->eps * o->eps ? (float)(o->eps / sqrt(d2)) : 1.0f;
    for (int j = 0; j < D; j++) {
        float v = shrink < 1.0f ? xi[j] + shrink * (ci[j] - xi[j]) : ci[j];
        ci[j] = clip(v, o->clip_min, o->clip_max);
    }
}

/* What a pass's dz callback needs: the loss, and where the margins go. */
typedef struct {
    edd_objective obj;
    float *margin; /* per image: the uncapped margin at the pass's point */
    float *z;      /* n x K logits of the forward-only pass after the last step */
} pgd_pass;

/* The pass's edd_dz_fn: each row's margin, then its dL/dz. */
static void pgd_dz(void *user, size_t row0, int rows, int k, const float *z, float *dz)
{
    pgd_pass *u = user;
    for (int i = 0; i < rows; i++) {
        const size_t r = row0 + (size_t)i;
        const float *zi = z + (size_t)i * k;
        u->margin[r] = edd_margin(zi, k, u->obj.n_real, u->obj.y[r], NULL, NULL);
        edd_objective_dz(&u->obj, zi, k, u->obj.y[r], dz + (size_t)i * k);
    }
}

/* The images still under attack: active image a is image idx[a], its
 * pixels xa and label ya packed to the front, in image order. */
typedef struct {
    size_t n;
    size_t *idx;
    float *xa;
    uint8_t *ya;
} pgd_active;

/* Keep each active image's point cur as its adv when its margin beats
 * best (or on the first pass of all). */
static void pgd_keep(const pgd_active *act, int first, const float *margin, const float *cur, float *best,
                     float *adv)
{
    #pragma omp parallel for schedule(static)
    for (size_t a = 0; a < act->n; a++) {
        const size_t i = act->idx[a];
        if (first || margin[a] > best[i]) {
            best[i] = margin[a];
            memcpy(adv + i * D, cur + a * D, D * sizeof(float));
        }
    }
}

/* With early_stop, drop from the active set (and from cur, kept aligned)
 * every image whose best margin exceeds EDD_PGD_STOP_MARGIN: it has
 * crossed, and its adv holds the crossing point. */
static void pgd_drop_crossed(const edd_pgd_opts *o, pgd_active *act, const float *best, float *cur)
{
    if (!o->early_stop)
        return;
    size_t w = 0;
    for (size_t a = 0; a < act->n; a++) {
        if (best[act->idx[a]] > EDD_PGD_STOP_MARGIN)
            continue;
        if (w != a) {
            act->idx[w] = act->idx[a];
            act->ya[w] = act->ya[a];
            memcpy(act->xa + w * D, act->xa + a * D, D * sizeof(float));
            memcpy(cur + w * D, cur + a * D, D * sizeof(float));
        }
        w++;
    }
    act->n = w;
}

/* The options and labels, each fault named with its value (obj: the loss, n_real, margin_cap, labels). */
static edd_status pgd_check(edd_ctx *ctx, const edd_cnn *m, size_t n, const edd_pgd_opts *o,
                            const edd_objective *obj)
{
    if (o->ord != 0 && o->ord != 2)
        return edd_fail(ctx, EDD_ERR_ARG, "pgd: ord %d, expected 0 (infinity) or 2", o->ord);
    if (!(o->eps >= 0.0f) || !isfinite(o->eps) || !isfinite(o->step_size))
        return edd_fail(ctx, EDD_ERR_ARG, "pgd: eps %g, step_size %g: expected a finite eps >= 0 and a finite step",
                        o->eps, o->step_size);
    if (o->steps < 1 || o->restarts < 1)
        return edd_fail(ctx, EDD_ERR_ARG, "pgd: steps %d, restarts %d: expected each >= 1", o->steps, o->restarts);
    if (!(o->clip_min <= o->clip_max))
        return edd_fail(ctx, EDD_ERR_ARG, "pgd: clip [%g, %g], expected clip_min <= clip_max", o->clip_min,
                        o->clip_max);
    return edd_objective_check(ctx, "pgd", obj, m->k, n);
}

/* Restart r over the active images: start, then `steps` steps; every
 * pass's point competes for adv, and with early_stop an image leaves once
 * it has crossed. */
static edd_status pgd_restart(edd_ctx *ctx, edd_gradder *gr, const edd_cnn *m, pgd_active *act,
                              const edd_pgd_opts *o, int r, pgd_pass *pass, float *cur, float *g, float *best,
                              float *adv, edd_progress *prog)
{
    const float step = o->step_size > 0.0f ? o->step_size : 2.5f * o->eps / (float)o->steps;
    pass->obj.y = act->ya;
    #pragma omp parallel for schedule(static)
    for (size_t a = 0; a < act->n; a++)
        pgd_start(o, r, act->idx[a], act->xa + a * D, cur + a * D);
    for (int t = 0; t < o->steps && act->n; t++) {
        edd_status st = edd_grad_input(ctx, gr, m, cur, act->n, 1, pgd_dz, pass, g);
        if (st)
            return st;
        pgd_keep(act, r == 0 && t == 0, pass->margin, cur, best, adv);
        #pragma omp parallel for schedule(static)
        for (size_t a = 0; a < act->n; a++)
            pgd_step(o, step, act->xa + a * D, g + a * D, cur + a * D);
        /* g is recomputed on the next pass, so only cur need follow the drop */
        pgd_drop_crossed(o, act, best, cur);
        edd_progress_update(prog, (size_t)r * (size_t)o->steps + (size_t)t + 1, NULL);
    }
    if (!act->n)
        return EDD_OK;
    /* the point after the last step needs its margin only: a forward pass */
    edd_dataset view = {.n = act->n, .c = EDD_IMG_C, .h = EDD_IMG_H, .w = EDD_IMG_W, .x = cur, .y = act->ya};
    edd_eval_result ev;
    edd_status st = edd_evaluate(ctx, m, &view, 256, pass->z, &ev);
    if (st)
        return st;
    for (size_t a = 0; a < act->n; a++)
        pass->margin[a] = edd_margin(pass->z + a * (size_t)m->k, m->k, pass->obj.n_real, act->ya[a], NULL, NULL);
    pgd_keep(act, 0, pass->margin, cur, best, adv);
    return EDD_OK;
}

/* The active set of restart r: every image on the first, and with
 * early_stop only those not yet crossed after it. */
static void pgd_activate(const edd_pgd_opts *o, int r, const float *x, const uint8_t *y, size_t n,
                         const float *best, pgd_active *act)
{
    act->n = 0;
    for (size_t i = 0; i < n; i++)
        if (r == 0 || !o->early_stop || !(best[i] > EDD_PGD_STOP_MARGIN)) {
            act->idx[act->n] = i;
            act->ya[act->n] = y[i];
            memcpy(act->xa + act->n * D, x + i * D, D * sizeof(float));
            act->n++;
        }
}

edd_status edd_pgd(edd_ctx *ctx, const edd_cnn *m, const float *x, const uint8_t *y, size_t n,
                   const edd_pgd_opts *o, float *adv)
{
    edd_status st = EDD_OPTS_CHECK(ctx, edd_pgd_opts, o);
    if (st)
        return st;
    pgd_pass pass = {.obj = {o->loss, o->n_real, o->margin_cap, y}};
    pgd_active act = {0};
    st = pgd_check(ctx, m, n, o, &pass.obj);
    if (st || n == 0)
        return st;
    float *cur = malloc(n * D * sizeof(float)), *g = malloc(n * D * sizeof(float));
    float *best = malloc(n * sizeof(float));
    pass.margin = malloc(n * sizeof(float));
    pass.z = malloc(n * (size_t)m->k * sizeof(float));
    act.idx = malloc(n * sizeof(size_t));
    act.xa = malloc(n * D * sizeof(float));
    act.ya = malloc(n);
    edd_gradder *gr = NULL;
    if (!cur || !g || !best || !pass.margin || !pass.z || !act.idx || !act.xa || !act.ya)
        st = edd_fail(ctx, EDD_ERR_NOMEM, "pgd: out of memory for %zu images", n);
    if (!st)
        st = edd_gradder_create(ctx, m->k, o->max_rows, &gr);
    edd_progress prog;
    edd_progress_start(&prog, "pgd", (size_t)o->restarts * (size_t)o->steps, o->quiet);
    for (int r = 0; !st && r < o->restarts; r++) {
        pgd_activate(o, r, x, y, n, best, &act);
        st = pgd_restart(ctx, gr, m, &act, o, r, &pass, cur, g, best, adv, &prog);
    }
    edd_progress_end(&prog);
    edd_gradder_free(gr);
    free(cur);
    free(g);
    free(best);
    free(pass.margin);
    free(pass.z);
    free(act.idx);
    free(act.xa);
    free(act.ya);
    return st;
}
