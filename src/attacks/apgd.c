/* apgd.c - Auto-PGD (Croce & Hein 2020), untargeted (APGD) and targeted
 * (APGD-T), L-inf and L2, on the real-class cross-entropy and the
 * detector-aware DLR losses of objective.c (edd/apgd.h; docs/ATTACKS.md,
 * "APGD").
 *
 * Owns: the runs over a shrinking active set of images, and each image's
 * state in a run: its step size, checkpoint counters, best point and the
 * previous point the momentum needs.
 * May call: core (errors, counter RNG), attacks (edd_gradder,
 * edd_grad_input, the losses of objective.c), train (edd_evaluate),
 * progress.
 *
 * Every iteration passes the active images through one edd_grad_input
 * call, whose dz callback also records each image's loss and margin at the
 * point the pass ran on; the point after a run's last step, and the clean
 * images before the first run, are scored by a forward pass alone
 * (edd_evaluate). The elementwise work (starts, steps, projections, the
 * checkpoints) runs over images with OpenMP, each image's arithmetic
 * serial, so a result does not depend on the thread count beyond what
 * oneDNN's passes do. */
#include "edd/apgd.h"
#include "edd/progress.h"
#include "edd/train.h"
#include "edd/internal/objective.h"
#include "edd/internal/opts.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define D EDD_IMG_SIZE

void edd_apgd_opts_init(edd_apgd_opts *o, size_t size)
{
    const edd_apgd_opts def = {.eps = 0.3f, .ord = 0, .steps = 100, .restarts = 1, .loss = EDD_APGD_CE, .targeted = 0,
                               .n_target_classes = 9, .rho = 0.75f, .momentum = 0.75f, .n_real = EDD_N_REAL,
                               .clip_min = 0.0f, .clip_max = 1.0f, .seed = 1, .max_rows = 0, .quiet = 0};
    edd_opts_fill(o, size, &def, sizeof def);
}

static float clip(float v, float lo, float hi) { return v < lo ? lo : v > hi ? hi : v; }

/* One image's state in a run. */
typedef struct {
    float eta;      /* step size: 2 eps, halved at checkpoints */
    int ups;        /* steps since the last checkpoint that raised the loss */
    int halved;     /* halved at the last checkpoint (1 before the first, so condition 2 waits for it) */
    double loss;    /* loss at the current point */
    double best;    /* largest loss of the run, at xbest */
    double best_ck; /* best at the last checkpoint */
} apgd_state;

/* The images still under attack: active row r is image idx[r], with label
 * y[r] and target t[r] (APGD-T), its state and its points packed to the
 * front, in image order. */
typedef struct {
    const edd_apgd_opts *o;
    size_t n;
    size_t *idx;
    uint8_t *y, *t;
    apgd_state *s;
    float *cur, *prev, *xbest, *gbest, *g; /* n x 784 each; g: the gradient at cur */
    double *loss;                          /* the loss at the last pass's point */
    float *margin;                         /* the margin at the last pass's point */
    float *z;                              /* n x K logits of a forward-only pass */
} apgd_active;

/* v (in place) onto the eps-ball around xi, then into the box:
 *   L-inf: clamp to [x - eps, x + eps];  L2: v - x scaled down to norm eps when longer.
 * The clip to the box only moves a pixel toward x, so v stays in the ball. */
static void apgd_project(const edd_apgd_opts *o, const float *xi, float *v)
{
    if (o->ord == 0) {
        for (int j = 0; j < D; j++)
            v[j] = clip(clip(v[j], xi[j] - o->eps, xi[j] + o->eps), o->clip_min, o->clip_max);
        return;
    }
    double d2 = 0.0;
    for (int j = 0; j < D; j++) {
        double d = (double)v[j] - xi[j];
        d2 += d * d;
    }
    const float shrink = d2 > (double)o->eps * o->eps ? (float)(o->eps / sqrt(d2)) : 1.0f;
    for (int j = 0; j < D; j++)
        v[j] = clip(shrink < 1.0f ? xi[j] + shrink * (v[j] - xi[j]) : v[j], o->clip_min, o->clip_max);
}

/* The start of image i (xi -> ci) in RNG stream `run`, AutoAttack's: x + eps t / ||t||,
 *   L-inf: t_j uniform in [-1, 1), the norm the largest |t_j| (a corner-ward point);
 *   L2:    t_j standard normal, the L2 norm (a point on the sphere);
 * from the counter RNG keyed by (seed, run, i), then projected as a step is. */
static void apgd_start(const edd_apgd_opts *o, int run, size_t i, const float *xi, float *ci)
{
    const uint64_t key = edd_rng_key(o->seed, (uint64_t)run, i);
    double s = 0.0;
    for (int j = 0; j < D; j++) {
        if (o->ord == 2) {
            ci[j] = edd_rng_normal(key, (uint32_t)j); /* counters 2j, 2j+1 */
            s += (double)ci[j] * ci[j];
        } else {
            ci[j] = 2.0f * edd_rng_uniform(key, (uint32_t)j) - 1.0f;
            s = fmax(s, fabs(ci[j]));
        }
    }
    const float scale = s > 0.0 ? (float)(o->eps / (o->ord == 2 ? sqrt(s) : s)) : 0.0f;
    for (int j = 0; j < D; j++)
        ci[j] = xi[j] + scale * ci[j];
    apgd_project(o, xi, ci);
}

/* One iteration of an image at cur, with gradient gi, previous point prev,
 * step eta and momentum a (1 on a run's first step):
 *   z  = P(cur + eta dir(g)),  dir = sign(g) (L-inf) or g / ||g||_2 (L2; none when g = 0
 *   or too small for a float step, edd_l2_step_scale),
 *   x' = P(cur + a (z - cur) + (1 - a) (cur - prev)),
 * then prev = cur and cur = x'. */
static void apgd_step(const edd_apgd_opts *o, float a, float eta, const float *xi, const float *gi, float *cur,
                      float *prev)
{
    float zs[D];
    double s = 0.0;
    for (int j = 0; o->ord == 2 && j < D; j++)
        s += (double)gi[j] * gi[j];
    const float scale = o->ord == 0 ? eta : edd_l2_step_scale(eta, s);
    for (int j = 0; j < D; j++)
        zs[j] = cur[j] + scale * (o->ord == 0 ? (float)((gi[j] > 0.0f) - (gi[j] < 0.0f)) : gi[j]);
    apgd_project(o, xi, zs);
    for (int j = 0; j < D; j++) {
        const float c = cur[j];
        cur[j] = c + a * (zs[j] - c) + (1.0f - a) * (c - prev[j]);
        prev[j] = c;
    }
    apgd_project(o, xi, cur);
}

/* The pass's edd_dz_fn (user: apgd_active): each row's margin and loss,
 * then its dL/dz. */
static void apgd_dz(void *user, size_t row0, int rows, int k, const float *z, float *dz)
{
    apgd_active *a = user;
    const edd_apgd_opts *o = a->o;
    for (int i = 0; i < rows; i++) {
        const size_t r = row0 + (size_t)i;
        const float *zi = z + (size_t)i * k;
        float *di = dz + (size_t)i * k;
        a->margin[r] = edd_margin(zi, k, o->n_real, a->y[r], NULL, NULL);
        if (o->targeted || o->loss == EDD_APGD_DLR) {
            a->loss[r] = edd_dlr(zi, k, o->n_real, a->y[r], o->targeted ? a->t[r] : -1, di);
        } else {
            const edd_objective ce = {EDD_LOSS_REAL, o->n_real, EDD_ATTACK_MARGIN_CAP, a->y};
            a->loss[r] = edd_objective_value(&ce, zi, k, a->y[r]);
            edd_objective_dz(&ce, zi, k, a->y[r], di);
        }
    }
}

/* The margins of the active points cur from a forward pass alone. */
static edd_status apgd_score(edd_ctx *ctx, const edd_cnn *m, apgd_active *a)
{
    edd_dataset view = {.n = a->n, .c = EDD_IMG_C, .h = EDD_IMG_H, .w = EDD_IMG_W, .x = a->cur, .y = a->y};
    edd_eval_result ev;
    edd_status st = edd_evaluate(ctx, m, &view, a->o->max_rows > 0 ? a->o->max_rows : 256, a->z, &ev);
    for (size_t r = 0; !st && r < a->n; r++)
        a->margin[r] = edd_margin(a->z + r * (size_t)m->k, m->k, a->o->n_real, a->y[r], NULL, NULL);
    return st;
}

/* Each active point cur becomes its image's adv when its margin beats the
 * image's best so far (the earliest wins ties). */
static void apgd_keep(const apgd_active *a, float *best, float *adv)
{
    #pragma omp parallel for schedule(static)
    for (size_t r = 0; r < a->n; r++) {
        const size_t i = a->idx[r];
        if (a->margin[r] > best[i]) {
            best[i] = a->margin[r];
            memcpy(adv + i * D, a->cur + r * D, D * sizeof(float));
        }
    }
}

/* After the pass at a point that is not a run's last: each image's count
 * of raising steps and its best point. At a checkpoint (check; h steps
 * since the last) the step halves where fewer than rho h of those steps
 * raised the loss (condition 1) or, unless it halved at the last
 * checkpoint, the best loss has not risen since it (condition 2); a
 * halving moves the image back to its best point and that point's
 * gradient. */
static void apgd_track(apgd_active *a, int check, int h)
{
    const double rho_h = (double)a->o->rho * h;
    #pragma omp parallel for schedule(static)
    for (size_t r = 0; r < a->n; r++) {
        apgd_state *s = &a->s[r];
        const double l = a->loss[r];
        s->ups += l > s->loss;
        s->loss = l;
        if (l > s->best) {
            s->best = l;
            memcpy(a->xbest + r * D, a->cur + r * D, D * sizeof(float));
            memcpy(a->gbest + r * D, a->g + r * D, D * sizeof(float));
        }
        if (!check)
            continue;
        const int halve = s->ups < rho_h || (!s->halved && !(s->best > s->best_ck));
        s->halved = halve;
        s->best_ck = s->best;
        s->ups = 0;
        if (halve) {
            s->eta *= 0.5f;
            s->loss = s->best;
            memcpy(a->cur + r * D, a->xbest + r * D, D * sizeof(float));
            memcpy(a->g + r * D, a->gbest + r * D, D * sizeof(float));
        }
    }
}

/* Row `from` of an n x 784 array to row `to`. */
static void apgd_move(float *v, size_t to, size_t from) { memcpy(v + to * D, v + from * D, D * sizeof(float)); }

/* Drop every active image whose best margin exceeds EDD_PGD_STOP_MARGIN
 * (it has succeeded, and adv holds the point), keeping the rest packed. */
static void apgd_drop(apgd_active *a, const float *best)
{
    size_t w = 0;
    for (size_t r = 0; r < a->n; r++) {
        if (best[a->idx[r]] > EDD_PGD_STOP_MARGIN)
            continue;
        if (w != r) {
            a->idx[w] = a->idx[r];
            a->y[w] = a->y[r];
            a->t[w] = a->t[r];
            a->s[w] = a->s[r];
            apgd_move(a->cur, w, r);
            apgd_move(a->prev, w, r);
            apgd_move(a->xbest, w, r);
            apgd_move(a->gbest, w, r);
            apgd_move(a->g, w, r);
        }
        w++;
    }
    a->n = w;
}

/* The start of a run: each active image's random start, its pass, and its
 * state (step 2 eps, the start as best and previous point). */
static edd_status apgd_begin(edd_ctx *ctx, edd_gradder *gr, const edd_cnn *m, const float *x, apgd_active *a,
                             int run, float *best, float *adv)
{
    const edd_apgd_opts *o = a->o;
    #pragma omp parallel for schedule(static)
    for (size_t r = 0; r < a->n; r++)
        apgd_start(o, run, a->idx[r], x + a->idx[r] * D, a->cur + r * D);
    edd_status st = edd_grad_input(ctx, gr, m, a->cur, a->n, 1, apgd_dz, a, a->g);
    if (st)
        return st;
    apgd_keep(a, best, adv);
    #pragma omp parallel for schedule(static)
    for (size_t r = 0; r < a->n; r++) {
        a->s[r] = (apgd_state){.eta = 2.0f * o->eps, .halved = 1, .loss = a->loss[r], .best = a->loss[r],
                               .best_ck = a->loss[r]};
        memcpy(a->prev + r * D, a->cur + r * D, D * sizeof(float));
        memcpy(a->xbest + r * D, a->cur + r * D, D * sizeof(float));
        memcpy(a->gbest + r * D, a->g + r * D, D * sizeof(float));
    }
    apgd_drop(a, best);
    return EDD_OK;
}

/* Restart `restart` on target number c (untargeted: 0) over the active images:
 * the start, keyed by restart * (the number of targets) + c, so that restart 0
 * of every target starts where a 1-restart attack does; then `steps` iterations,
 * the first checkpoint after h_1 = max(floor(0.22 steps), 1) of them and
 * each next after h_{j+1} = max(h_j - max(floor(0.03 steps), 1),
 * max(floor(0.06 steps), 1)) more (AutoAttack's integer form of p_j).
 * Every pass's point competes for adv; an image leaves at its first
 * success. */
static edd_status apgd_run(edd_ctx *ctx, edd_gradder *gr, const edd_cnn *m, const float *x, apgd_active *a,
                           int c, int restart, float *best, float *adv, edd_progress *prog)
{
    const edd_apgd_opts *o = a->o;
    const int nt = o->targeted ? o->n_target_classes : 1, run = c * o->restarts + restart;
    const int hmin = o->steps * 6 / 100 > 1 ? o->steps * 6 / 100 : 1;
    const int decr = o->steps * 3 / 100 > 1 ? o->steps * 3 / 100 : 1;
    int h = o->steps * 22 / 100 > 1 ? o->steps * 22 / 100 : 1, next = h;
    edd_status st = apgd_begin(ctx, gr, m, x, a, restart * nt + c, best, adv);
    for (int t = 0; !st && t < o->steps && a->n; t++) {
        const float mom = t ? o->momentum : 1.0f;
        #pragma omp parallel for schedule(static)
        for (size_t r = 0; r < a->n; r++)
            apgd_step(o, mom, a->s[r].eta, x + a->idx[r] * D, a->g + r * D, a->cur + r * D, a->prev + r * D);
        if (t + 1 == o->steps) {
            /* the last point needs its margin only: a forward pass */
            st = apgd_score(ctx, m, a);
            if (!st)
                apgd_keep(a, best, adv);
        } else {
            st = edd_grad_input(ctx, gr, m, a->cur, a->n, 1, apgd_dz, a, a->g);
            if (!st) {
                apgd_keep(a, best, adv); /* before a halving moves cur back */
                apgd_track(a, t + 1 == next, h);
            }
            if (t + 1 == next) {
                h = h - decr > hmin ? h - decr : hmin;
                next += h;
            }
        }
        apgd_drop(a, best);
        edd_progress_update(prog, (size_t)run * (size_t)o->steps + (size_t)t + 1, NULL);
    }
    return st;
}

/* The options, the model and the labels, each fault named with its value. */
static edd_status apgd_check(edd_ctx *ctx, const edd_cnn *m, const uint8_t *y, size_t n, const edd_apgd_opts *o)
{
    if (o->ord != 0 && o->ord != 2)
        return edd_fail(ctx, EDD_ERR_ARG, "apgd: ord %d, expected 0 (infinity) or 2", o->ord);
    if (!(o->eps >= 0.0f) || !isfinite(o->eps))
        return edd_fail(ctx, EDD_ERR_ARG, "apgd: eps %g, expected a finite eps >= 0", o->eps);
    if (o->steps < 1 || o->restarts < 1)
        return edd_fail(ctx, EDD_ERR_ARG, "apgd: steps %d, restarts %d: expected each >= 1", o->steps, o->restarts);
    if (o->loss != EDD_APGD_CE && o->loss != EDD_APGD_DLR)
        return edd_fail(ctx, EDD_ERR_ARG, "apgd: loss %d, expected 0 (ce) or 1 (dlr)", (int)o->loss);
    if (o->targeted != 0 && o->targeted != 1)
        return edd_fail(ctx, EDD_ERR_ARG, "apgd: targeted %d, expected 0 or 1", o->targeted);
    if (!(o->rho >= 0.0f && o->rho <= 1.0f))
        return edd_fail(ctx, EDD_ERR_ARG, "apgd: rho %g, expected a fraction in [0, 1]", o->rho);
    if (!(o->momentum >= 0.0f && o->momentum <= 1.0f))
        return edd_fail(ctx, EDD_ERR_ARG, "apgd: momentum %g, expected alpha in [0, 1]", o->momentum);
    if (!(o->clip_min <= o->clip_max) || !isfinite(o->clip_min) || !isfinite(o->clip_max))
        return edd_fail(ctx, EDD_ERR_ARG, "apgd: clip [%g, %g], expected finite clip_min <= clip_max", o->clip_min,
                        o->clip_max);
    const edd_objective ce = {EDD_LOSS_REAL, o->n_real, EDD_ATTACK_MARGIN_CAP, y};
    edd_status st = edd_objective_check(ctx, "apgd", &ce, m->k, n);
    if (st)
        return st;
    if (o->targeted && (o->n_target_classes < 1 || o->n_target_classes > o->n_real - 1))
        return edd_fail(ctx, EDD_ERR_ARG, "apgd: n_target_classes %d with n_real %d, expected 1..%d",
                        o->n_target_classes, o->n_real, o->n_real - 1);
    const int kmin = o->targeted ? 4 : o->loss == EDD_APGD_DLR ? 3 : 2;
    if (m->k < kmin)
        return edd_fail(ctx, EDD_ERR_ARG, "apgd: K=%d outputs, expected K >= %d for the %s loss", m->k, kmin,
                        o->targeted ? "targeted DLR" : o->loss == EDD_APGD_DLR ? "DLR" : "CE");
    return EDD_OK;
}

/* Image i's n_target_classes targets into ti: the real classes other than
 * y by clean logit zi, largest first (the lower index first on ties). */
static void apgd_targets(const edd_apgd_opts *o, const float *zi, int y, uint8_t *ti)
{
    int last = -1;
    for (int c = 0; c < o->n_target_classes; c++) {
        int pick = -1;
        for (int j = 0; j < o->n_real; j++) {
            const int after = last < 0 || zi[j] < zi[last] || (zi[j] == zi[last] && j > last);
            if (j != y && after && (pick < 0 || zi[j] > zi[pick]))
                pick = j;
        }
        ti[c] = (uint8_t)pick;
        last = pick;
    }
}

/* Before the first run: every image's clean point is its adv, with the
 * clean margin as its best (an image the model already gets wrong is
 * never attacked, as in AutoAttack), and for APGD-T its targets. */
static edd_status apgd_clean(edd_ctx *ctx, const edd_cnn *m, const float *x, const uint8_t *y, size_t n,
                             apgd_active *a, float *best, uint8_t *targets, float *adv)
{
    a->n = n;
    for (size_t i = 0; i < n; i++)
        a->y[i] = y[i];
    memcpy(a->cur, x, n * D * sizeof(float));
    memcpy(adv, x, n * D * sizeof(float));
    edd_status st = apgd_score(ctx, m, a);
    for (size_t i = 0; !st && i < n; i++) {
        best[i] = a->margin[i];
        if (targets)
            apgd_targets(a->o, a->z + i * (size_t)m->k, y[i], targets + i * (size_t)a->o->n_target_classes);
    }
    return st;
}

/* The active set of the runs on target number c: every image not yet
 * broken, with its c-th target (APGD-T). */
static void apgd_activate(apgd_active *a, const uint8_t *y, size_t n, const uint8_t *targets, int c,
                          const float *best)
{
    a->n = 0;
    for (size_t i = 0; i < n; i++)
        if (!(best[i] > EDD_PGD_STOP_MARGIN)) {
            a->idx[a->n] = i;
            a->y[a->n] = y[i];
            a->t[a->n] = targets ? targets[i * (size_t)a->o->n_target_classes + (size_t)c] : 0;
            a->n++;
        }
}

static void apgd_free(apgd_active *a)
{
    free(a->idx);
    free(a->y);
    free(a->t);
    free(a->s);
    free(a->cur);
    free(a->prev);
    free(a->xbest);
    free(a->gbest);
    free(a->g);
    free(a->loss);
    free(a->margin);
    free(a->z);
}

/* The active set's arrays for n images of a k-output model (0: out of memory). */
static int apgd_alloc(apgd_active *a, size_t n, int k)
{
    a->idx = malloc(n * sizeof(size_t));
    a->y = malloc(n);
    a->t = malloc(n);
    a->s = malloc(n * sizeof(apgd_state));
    a->cur = malloc(n * D * sizeof(float));
    a->prev = malloc(n * D * sizeof(float));
    a->xbest = malloc(n * D * sizeof(float));
    a->gbest = malloc(n * D * sizeof(float));
    a->g = malloc(n * D * sizeof(float));
    a->loss = malloc(n * sizeof(double));
    a->margin = malloc(n * sizeof(float));
    a->z = malloc(n * (size_t)k * sizeof(float));
    return a->idx && a->y && a->t && a->s && a->cur && a->prev && a->xbest && a->gbest && a->g && a->loss &&
           a->margin && a->z;
}

edd_status edd_apgd(edd_ctx *ctx, const edd_cnn *m, const float *x, const uint8_t *y, size_t n,
                    const edd_apgd_opts *o, float *adv)
{
    edd_status st = EDD_OPTS_CHECK(ctx, edd_apgd_opts, o);
    if (!st)
        st = apgd_check(ctx, m, y, n, o);
    if (st || n == 0)
        return st;
    const int nt = o->targeted ? o->n_target_classes : 1;
    apgd_active a = {.o = o};
    float *best = malloc(n * sizeof(float));
    uint8_t *targets = o->targeted ? malloc(n * (size_t)nt) : NULL;
    edd_gradder *gr = NULL;
    if (!apgd_alloc(&a, n, m->k) || !best || (o->targeted && !targets))
        st = edd_fail(ctx, EDD_ERR_NOMEM, "apgd: out of memory for %zu images", n);
    if (!st)
        st = edd_gradder_create(ctx, m->k, o->max_rows, &gr);
    if (!st)
        st = apgd_clean(ctx, m, x, y, n, &a, best, targets, adv);
    edd_progress prog;
    edd_progress_start(&prog, o->targeted ? "apgd-t" : "apgd", (size_t)nt * (size_t)o->restarts * (size_t)o->steps,
                       o->quiet);
    for (int c = 0; !st && c < nt; c++)
        for (int r = 0; !st && r < o->restarts; r++) {
            apgd_activate(&a, y, n, targets, c, best);
            if (a.n)
                st = apgd_run(ctx, gr, m, x, &a, c, r, best, adv, &prog);
        }
    edd_progress_end(&prog);
    edd_gradder_free(gr);
    apgd_free(&a);
    free(best);
    free(targets);
    return st;
}
