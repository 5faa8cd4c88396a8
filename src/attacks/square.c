/* square.c - the Square attack (Andriushchenko et al. 2020), a score-based
 * random search on the detector-aware margin (edd/square.h;
 * docs/ATTACKS.md, "Square").
 *
 * Owns: edd_square and its options, the square-size schedule, the L-inf
 * start and candidates, and the driver: the active set, the forward
 * passes, the restarts, the query counts and the trace.
 * May call: core (the counter RNG), nn (INFER plans from a plan cache),
 * the margin of objective.c, the L2 steps of square_l2.c, progress.
 *
 * Every query passes the candidates of all images still under attack, packed
 * to the front, through one forward pass cut into power-of-two pieces (as
 * the gradder cuts its passes), each on the INFER plan of its size from
 * one plan cache: a run builds at most log2(max_rows) + 1 plans, none in
 * the query loop once the sizes have been met. The candidates are drawn
 * with OpenMP over images, each image's arithmetic serial and its draws
 * from its own counters, so a result depends on neither the thread count
 * nor the batch beyond oneDNN's rounding. */
#include "edd/progress.h"
#include "edd/internal/objective.h"
#include "edd/internal/square.h"
#include "edd/internal/workspace.h"
#include "edd/internal/opts.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define D EDD_IMG_SIZE
#define H EDD_IMG_H
#define W EDD_IMG_W
#define SQ_DEFAULT_ROWS 256

_Static_assert(EDD_IMG_C == 1, "square: one channel (one sign per square)");

void edd_square_opts_init(edd_square_opts *o, size_t size)
{
    const edd_square_opts def = {.eps = 0.3f, .ord = 0, .queries = 5000, .p_init = 0.8f, .restarts = 1,
                                 .n_real = EDD_N_REAL, .clip_min = 0.0f, .clip_max = 1.0f, .seed = 1, .max_rows = 0,
                                 .quiet = 0, .trace = NULL};
    edd_opts_fill(o, size, &def, sizeof def);
}

int edd_square_side(int ord, float p_init, int queries, int it)
{
    static const int halve_after[] = {10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000};
    const int at = (int)((double)it / queries * 10000.0);
    double p = p_init;
    for (size_t k = 0; k < sizeof halve_after / sizeof halve_after[0]; k++)
        if (at > halve_after[k])
            p /= 2.0;
    int s = (int)nearbyint(sqrt(p * D / EDD_IMG_C));
    if (ord == 2) {
        const int top = (H - 1) % 2 ? H - 1 : H - 2; /* the largest odd side that leaves a position */
        s = s < 3 ? 3 : s % 2 ? s : s + 1;
        return s > top ? top : s;
    }
    return s < 1 ? 1 : s > H - 1 ? H - 1 : s;
}

static float sq_clip(float v, float lo, float hi) { return v < lo ? lo : v > hi ? hi : v; }

/* eps or -eps from counter ctr. */
static float sq_sign(uint64_t key, uint32_t ctr, float eps) { return (edd_rng_u32(key, ctr) >> 31) ? -eps : eps; }

/* The L-inf start of image xi into ci: x + eps s_c, one sign per column c
 * (counters ctr .. ctr + 27), clipped. */
static void sq_linf_start(const edd_square_opts *o, uint64_t key, uint32_t ctr, const float *xi, float *ci)
{
    for (int c = 0; c < W; c++) {
        const float e = sq_sign(key, ctr + (uint32_t)c, o->eps);
        for (int r = 0; r < H; r++)
            ci[r * W + c] = sq_clip(xi[r * W + c] + e, o->clip_min, o->clip_max);
    }
}

/* Whether setting the square of side s at (h0, w0) to clip(x + e) would
 * leave the best point bi unchanged (within 1e-7, the reference's test). */
static int sq_linf_same(const edd_square_opts *o, float e, int h0, int w0, int s, const float *xi, const float *bi)
{
    for (int r = h0; r < h0 + s; r++)
        for (int c = w0; c < w0 + s; c++)
            if (fabsf(sq_clip(xi[r * W + c] + e, o->clip_min, o->clip_max) - bi[r * W + c]) >= 1e-7f)
                return 0;
    return 1;
}

/* The L-inf candidate of one query into ci: bi with the square of side s at
 * a random position (counters ctr, ctr + 1) set to clip(x + e), e = +-eps
 * (counter ctr + 2). The reference redraws e while the square would be
 * unchanged; with one channel that is e flipped once. */
static void sq_linf_candidate(const edd_square_opts *o, uint64_t key, uint32_t ctr, int s, const float *xi,
                              const float *bi, float *ci)
{
    const int h0 = (int)(edd_rng_uniform(key, ctr) * (float)(H - s));
    const int w0 = (int)(edd_rng_uniform(key, ctr + 1) * (float)(W - s));
    float e = sq_sign(key, ctr + 2, o->eps);
    if (sq_linf_same(o, e, h0, w0, s, xi, bi))
        e = -e;
    memcpy(ci, bi, D * sizeof(float));
    for (int r = h0; r < h0 + s; r++)
        for (int c = w0; c < w0 + s; c++)
            ci[r * W + c] = sq_clip(xi[r * W + c] + e, o->clip_min, o->clip_max);
}

/* ---- forward passes ---- */

typedef struct {
    edd_plan_cache plans; /* INFER, one plan per power-of-two piece size */
    int cap;              /* the largest piece: a power of two <= max_rows */
    float *xb, *zb;       /* one padded piece: cap x 784 inputs, cap x K logits */
} sq_fwd;

/* Largest power of two <= v (v >= 1). */
static int sq_pow2_floor(int v)
{
    int p = 1;
    while (p <= v / 2)
        p *= 2;
    return p;
}

/* The next piece of a pass with `left` rows to go (grad.c's rule): the
 * largest power of two <= min(left, cap) while left >= 16 or >= cap, else
 * left rows padded up to a power of two. Returns the batch, *rows the
 * real rows. */
static int sq_piece(size_t left, int cap, int *rows)
{
    if (left >= 16 || left >= (size_t)cap) {
        *rows = sq_pow2_floor(left < (size_t)cap ? (int)left : cap);
        return *rows;
    }
    int b = 1;
    while ((size_t)b < left)
        b *= 2;
    *rows = (int)left;
    return b;
}

/* Logits z (n x K) of the n images x, piece by piece. */
static edd_status sq_forward(edd_ctx *ctx, sq_fwd *f, const edd_cnn *m, const float *x, size_t n, float *z)
{
    const size_t K = (size_t)m->k;
    int c;
    for (size_t r0 = 0; r0 < n; r0 += (size_t)c) {
        const int b = sq_piece(n - r0, f->cap, &c);
        edd_plan *p;
        edd_status st = edd_plan_cache_get(ctx, &f->plans, m, b, &p);
        if (st)
            return st;
        if (b == c) { /* a whole piece runs in place */
            if ((st = edd_plan_forward(ctx, p, m, x + r0 * D, NULL, z + r0 * K)))
                return st;
            continue;
        }
        memcpy(f->xb, x + r0 * D, (size_t)c * D * sizeof(float));
        memset(f->xb + (size_t)c * D, 0, (size_t)(b - c) * D * sizeof(float));
        if ((st = edd_plan_forward(ctx, p, m, f->xb, NULL, f->zb)))
            return st;
        memcpy(z + r0 * K, f->zb, (size_t)c * K * sizeof(float));
    }
    return EDD_OK;
}

/* ---- the driver ---- */

typedef struct {
    const edd_square_opts *o;
    const edd_cnn *m;
    const float *x;
    const uint8_t *y;
    size_t n;
    float *adv;
    int *queries;   /* n: forward passes of each image's candidates */
    float *gbest;   /* n: the margin of adv; -inf until the image's first restart ends */
    uint8_t *done;  /* n: succeeded, at x or by the attack */
    size_t na;      /* the active images, packed to the front in image order: */
    size_t *idx;    /* image of each */
    uint8_t *ya;
    float *xa, *best, *cand; /* na x 784: x, the restart's best point, the candidate */
    float *mbest;   /* na: the margin of best */
    float *z;       /* n x K: the logits of a pass */
    sq_fwd fwd;
} sq_run;

/* Where image i's loss of restart r after query q goes in the trace. */
static size_t sq_at(const edd_square_opts *o, size_t i, int r, int q)
{
    return ((size_t)i * (size_t)o->restarts + (size_t)r) * ((size_t)o->queries + 1) + (size_t)q;
}

/* The options and labels, each fault named with its value. */
static edd_status sq_check(edd_ctx *ctx, const edd_cnn *m, const uint8_t *y, size_t n, const edd_square_opts *o)
{
    if (o->ord != 0 && o->ord != 2)
        return edd_fail(ctx, EDD_ERR_ARG, "square: ord %d, expected 0 (infinity) or 2", o->ord);
    if (!(o->eps >= 0.0f) || !isfinite(o->eps))
        return edd_fail(ctx, EDD_ERR_ARG, "square: eps %g, expected a finite eps >= 0", o->eps);
    if (o->queries < 1 || o->queries > EDD_SQUARE_MAX_QUERIES)
        return edd_fail(ctx, EDD_ERR_ARG, "square: queries %d, expected 1..%d", o->queries, EDD_SQUARE_MAX_QUERIES);
    if (!(o->p_init > 0.0f && o->p_init <= 1.0f))
        return edd_fail(ctx, EDD_ERR_ARG, "square: p_init %g, expected a fraction in (0, 1]", o->p_init);
    if (o->restarts < 1)
        return edd_fail(ctx, EDD_ERR_ARG, "square: restarts %d, expected >= 1", o->restarts);
    if (!(o->clip_min <= o->clip_max) || !isfinite(o->clip_min) || !isfinite(o->clip_max))
        return edd_fail(ctx, EDD_ERR_ARG, "square: clip [%g, %g], expected finite clip_min <= clip_max", o->clip_min,
                        o->clip_max);
    if (o->max_rows > (1 << 16))
        return edd_fail(ctx, EDD_ERR_ARG, "square: max_rows %d, expected at most %d", o->max_rows, 1 << 16);
    const edd_objective obj = {EDD_LOSS_MARGIN, o->n_real, EDD_ATTACK_MARGIN_CAP, y};
    return edd_objective_check(ctx, "square", &obj, m->k, n);
}

/* The pass on x: images that succeed there are done (adv = x, 0 queries). */
static edd_status sq_clean(edd_ctx *ctx, sq_run *u)
{
    edd_status st = sq_forward(ctx, &u->fwd, u->m, u->x, u->n, u->z);
    if (st)
        return st;
    for (size_t i = 0; i < u->n; i++) {
        const float mi = edd_margin(u->z + i * (size_t)u->m->k, u->m->k, u->o->n_real, u->y[i], NULL, NULL);
        u->done[i] = mi > EDD_PGD_STOP_MARGIN;
        u->gbest[i] = u->done[i] ? mi : -INFINITY;
        u->queries[i] = 0;
        if (u->done[i])
            memcpy(u->adv + i * D, u->x + i * D, D * sizeof(float));
    }
    return EDD_OK;
}

/* Pack the images not done to the front. */
static void sq_activate(sq_run *u)
{
    u->na = 0;
    for (size_t i = 0; i < u->n; i++)
        if (!u->done[i]) {
            u->idx[u->na] = i;
            u->ya[u->na] = u->y[i];
            memcpy(u->xa + u->na * D, u->x + i * D, D * sizeof(float));
            u->na++;
        }
}

/* Score the active candidates (query q of restart r; q = 0: the starts,
 * which become the best points) and keep those that raise the margin. */
static edd_status sq_pass(edd_ctx *ctx, sq_run *u, int r, int q)
{
    edd_status st = sq_forward(ctx, &u->fwd, u->m, u->cand, u->na, u->z);
    if (st)
        return st;
    const int K = u->m->k;
    #pragma omp parallel for schedule(static)
    for (size_t a = 0; a < u->na; a++) {
        const float mi = edd_margin(u->z + a * (size_t)K, K, u->o->n_real, u->ya[a], NULL, NULL);
        u->queries[u->idx[a]]++;
        if (q == 0 || mi > u->mbest[a]) {
            u->mbest[a] = mi;
            memcpy(u->best + a * D, u->cand + a * D, D * sizeof(float));
        }
        if (u->o->trace)
            u->o->trace[sq_at(u->o, u->idx[a], r, q)] = -u->mbest[a];
    }
    return EDD_OK;
}

/* Active image a leaves with its best point as adv when that beats adv. */
static void sq_adopt(sq_run *u, size_t a)
{
    const size_t i = u->idx[a];
    if (u->mbest[a] > u->gbest[i]) {
        u->gbest[i] = u->mbest[a];
        memcpy(u->adv + i * D, u->best + a * D, D * sizeof(float));
    }
}

/* After query q of restart r: every image that succeeded leaves (adv = its
 * point, the rest of its trace row its final loss); the others are packed. */
static void sq_drop(sq_run *u, int r, int q)
{
    size_t w = 0;
    for (size_t a = 0; a < u->na; a++) {
        const size_t i = u->idx[a];
        if (u->mbest[a] > EDD_PGD_STOP_MARGIN) {
            sq_adopt(u, a);
            u->done[i] = 1;
            for (int t = q + 1; u->o->trace && t <= u->o->queries; t++)
                u->o->trace[sq_at(u->o, i, r, t)] = -u->mbest[a];
            continue;
        }
        if (w != a) {
            u->idx[w] = i;
            u->ya[w] = u->ya[a];
            u->mbest[w] = u->mbest[a];
            memcpy(u->xa + w * D, u->xa + a * D, D * sizeof(float));
            memcpy(u->best + w * D, u->best + a * D, D * sizeof(float));
        }
        w++;
    }
    u->na = w;
}

/* Restart r on the images not done: the starts, then the queries until
 * each image succeeds or the budget ends. */
static edd_status sq_restart(edd_ctx *ctx, sq_run *u, int r, edd_progress *prog)
{
    const edd_square_opts *o = u->o;
    sq_activate(u);
    #pragma omp parallel for schedule(static)
    for (size_t a = 0; a < u->na; a++) {
        const uint64_t key = edd_rng_key(o->seed, (uint64_t)r, u->idx[a]);
        if (o->ord == 2)
            edd_square_l2_start(o, key, 0, u->xa + a * D, u->cand + a * D);
        else
            sq_linf_start(o, key, 0, u->xa + a * D, u->cand + a * D);
    }
    edd_status st = sq_pass(ctx, u, r, 0);
    if (!st)
        sq_drop(u, r, 0);
    for (int q = 1; !st && q <= o->queries && u->na; q++) {
        const int s = edd_square_side(o->ord, o->p_init, o->queries, q - 1);
        const uint32_t ctr = (uint32_t)q * EDD_SQUARE_CTR_STRIDE;
        #pragma omp parallel for schedule(static)
        for (size_t a = 0; a < u->na; a++) {
            const uint64_t key = edd_rng_key(o->seed, (uint64_t)r, u->idx[a]);
            const float *xi = u->xa + a * D, *bi = u->best + a * D;
            if (o->ord == 2)
                edd_square_l2_candidate(o, key, ctr, s, xi, bi, u->cand + a * D);
            else
                sq_linf_candidate(o, key, ctr, s, xi, bi, u->cand + a * D);
        }
        if (!(st = sq_pass(ctx, u, r, q)))
            sq_drop(u, r, q);
        edd_progress_update(prog, (size_t)r * (size_t)o->queries + (size_t)q, NULL);
    }
    for (size_t a = 0; !st && a < u->na; a++)
        sq_adopt(u, a);
    return st;
}

edd_status edd_square(edd_ctx *ctx, const edd_cnn *m, const float *x, const uint8_t *y, size_t n,
                      const edd_square_opts *o, float *adv, int *queries_used)
{
    edd_status st = EDD_OPTS_CHECK(ctx, edd_square_opts, o);
    if (!st)
        st = sq_check(ctx, m, y, n, o);
    if (st || n == 0)
        return st;
    sq_run u = {.o = o, .m = m, .x = x, .y = y, .n = n, .adv = adv};
    const size_t K = (size_t)m->k;
    u.fwd.cap = sq_pow2_floor(o->max_rows > 0 ? o->max_rows : SQ_DEFAULT_ROWS);
    const size_t cap = (size_t)u.fwd.cap;
    edd_ws_entry ws[] = {EDD_WS(u.queries, n), EDD_WS(u.gbest, n),     EDD_WS(u.done, n),
                         EDD_WS(u.idx, n),     EDD_WS(u.ya, n),        EDD_WS(u.xa, n * D),
                         EDD_WS(u.best, n * D), EDD_WS(u.cand, n * D), EDD_WS(u.mbest, n),
                         EDD_WS(u.z, n * K),   EDD_WS(u.fwd.xb, cap * D), EDD_WS(u.fwd.zb, cap * K)};
    void *mem = edd_workspace_alloc(ws, EDD_WS_COUNT(ws));
    if (!mem)
        return edd_fail(ctx, EDD_ERR_NOMEM, "square: out of memory for %zu images", n);
    edd_plan_cache_init(&u.fwd.plans, EDD_PLAN_INFER, 0, 3L * u.fwd.cap);
    for (size_t j = 0; o->trace && j < sq_at(o, n, 0, 0); j++)
        o->trace[j] = NAN;
    edd_progress prog;
    edd_progress_start(&prog, "square", (size_t)o->restarts * (size_t)o->queries, o->quiet);
    st = sq_clean(ctx, &u);
    for (int r = 0; !st && r < o->restarts; r++)
        st = sq_restart(ctx, &u, r, &prog);
    edd_progress_end(&prog);
    if (!st && queries_used)
        memcpy(queries_used, u.queries, n * sizeof(int));
    edd_plan_cache_release(&u.fwd.plans);
    free(mem);
    return st;
}
