/* suite.c - the standard suite (edd/suite.h): APGD-CE, APGD-T, FMN and
 * Square in AutoAttack's order, each on the images the earlier ones left
 * robust, at one radius (docs/ATTACKS.md, "The standard suite").
 *
 * Every attack's points are scored here again by a forward pass of the
 * model (the scoring rule: a real class other than the label), and held to
 * the eps-ball and the box: a point outside them is an attack's bug and
 * fails the run rather than counting. */
#include "edd/suite.h"
#include "edd/progress.h"
#include "edd/train.h"
#include "edd/internal/opts.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define D EDD_IMG_SIZE

/* How far past eps (relative) or the box a returned point may sit: float
 * rounding of the projections, nothing more. */
#define SUITE_BALL_TOL 1e-5f

const char *const edd_suite_names[EDD_SUITE_NATTACKS] = {"apgd-ce", "apgd-t", "fmn", "square"};

void edd_suite_opts_init(edd_suite_opts *o, size_t size)
{
    const edd_suite_opts def = {.eps = 0.3f, .ord = 0, .steps = 100, .restarts = 1, .n_target_classes = 9,
                                .fmn_steps = 1000, .queries = 5000, .n_real = EDD_N_REAL, .seed = 1, .max_rows = 0,
                                .quiet = 0};
    edd_opts_fill(o, size, &def, sizeof def);
}

static edd_status suite_check(edd_ctx *ctx, const edd_cnn *m, const uint8_t *y, size_t n, const edd_suite_opts *o)
{
    if (o->ord != 0 && o->ord != 2)
        return edd_fail(ctx, EDD_ERR_ARG, "suite: ord %d, expected 0 (infinity) or 2", o->ord);
    if (!(o->eps >= 0.0f) || !isfinite(o->eps))
        return edd_fail(ctx, EDD_ERR_ARG, "suite: eps %g, expected a finite eps >= 0", o->eps);
    if (o->steps < 1 || o->restarts < 1 || o->fmn_steps < 1 || o->queries < 1)
        return edd_fail(ctx, EDD_ERR_ARG, "suite: steps %d, restarts %d, fmn_steps %d, queries %d: expected each >= 1",
                        o->steps, o->restarts, o->fmn_steps, o->queries);
    if (o->n_real < 2 || o->n_real > m->k)
        return edd_fail(ctx, EDD_ERR_ARG, "suite: n_real %d with K=%d, expected 2..K", o->n_real, m->k);
    if (o->n_target_classes < 1 || o->n_target_classes > o->n_real - 1)
        return edd_fail(ctx, EDD_ERR_ARG, "suite: n_target_classes %d, expected 1..%d", o->n_target_classes,
                        o->n_real - 1);
    for (size_t i = 0; i < n; i++)
        if (y[i] >= o->n_real)
            return edd_fail(ctx, EDD_ERR_ARG, "suite: label %d of image %zu, expected a real class < %d", y[i], i,
                            o->n_real);
    return EDD_OK;
}

/* ok[i] = 1 when m classifies image i of x correctly (na images; z is na x K scratch);
 * wrong[i] = 1 when it predicts a real class other than y[i]. Either may be NULL. */
static edd_status suite_score(edd_ctx *ctx, const edd_cnn *m, const float *x, const uint8_t *y, size_t na,
                              int n_real, float *z, uint8_t *ok, uint8_t *wrong)
{
    edd_dataset view = {.n = na, .c = EDD_IMG_C, .h = EDD_IMG_H, .w = EDD_IMG_W, .x = (float *)x, .y = (uint8_t *)y};
    edd_eval_result ev;
    edd_status st = edd_evaluate(ctx, m, &view, 256, z, &ev);
    for (size_t i = 0; !st && i < na; i++) {
        int p = edd_argmax(z + i * (size_t)m->k, m->k);
        if (ok)
            ok[i] = (uint8_t)(p == y[i]);
        if (wrong)
            wrong[i] = (uint8_t)(p != y[i] && p < n_real);
    }
    return st;
}

/* The distance of a to x in the suite's norm. */
static double suite_norm(int ord, const float *a, const float *x)
{
    double s = 0.0;
    for (int j = 0; j < D; j++) {
        double d = fabs((double)a[j] - x[j]);
        s = ord == 2 ? s + d * d : fmax(s, d);
    }
    return ord == 2 ? sqrt(s) : s;
}

/* Attack a on the na packed images xa (labels ya) into out. */
static edd_status suite_attack(edd_ctx *ctx, const edd_cnn *m, int a, const float *xa, const uint8_t *ya, size_t na,
                               const edd_suite_opts *o, float *out, float *norm)
{
    if (a == EDD_SUITE_APGD_CE || a == EDD_SUITE_APGD_T) {
        edd_apgd_opts p;
        edd_apgd_opts_default(&p);
        p.eps = o->eps, p.ord = o->ord, p.steps = o->steps, p.n_real = o->n_real, p.seed = o->seed;
        p.max_rows = o->max_rows, p.quiet = o->quiet, p.loss = EDD_APGD_CE;
        p.targeted = a == EDD_SUITE_APGD_T;
        p.restarts = p.targeted ? 1 : o->restarts;
        p.n_target_classes = o->n_target_classes;
        return edd_apgd(ctx, m, xa, ya, na, &p, out);
    }
    if (a == EDD_SUITE_FMN) {
        edd_fmn_opts f;
        edd_fmn_opts_default(&f);
        f.ord = o->ord, f.steps = o->fmn_steps, f.n_real = o->n_real, f.max_rows = o->max_rows, f.quiet = o->quiet;
        if (o->ord == 0)
            f.alpha_init = 10.0f;
        return edd_fmn(ctx, m, xa, ya, na, &f, out, norm);
    }
    edd_square_opts s;
    edd_square_opts_default(&s);
    s.eps = o->eps, s.ord = o->ord, s.queries = o->queries, s.n_real = o->n_real, s.seed = o->seed;
    s.max_rows = o->max_rows, s.quiet = o->quiet;
    return edd_square(ctx, m, xa, ya, na, &s, out, NULL);
}

/* The images still robust, packed: idx, their pixels xa and labels ya. */
static size_t suite_pack(const float *x, const uint8_t *y, size_t n, const int8_t *by, size_t *idx, float *xa,
                         uint8_t *ya)
{
    size_t na = 0;
    for (size_t i = 0; i < n; i++)
        if (by[i] == EDD_SUITE_ROBUST) {
            idx[na] = i;
            ya[na] = y[i];
            memcpy(xa + na * D, x + i * D, D * sizeof(float));
            na++;
        }
    return na;
}

/* The suite's scratch, one allocation carved into named arrays, each
 * sized for all n images. */
typedef struct {
    float *xa, *out, *z, *norm; /* packed images, an attack's points, logits, FMN's norms */
    size_t *idx;                /* packed image -> image */
    uint8_t *lab, *flag;        /* packed labels; per packed image a yes/no */
    void *mem;
} suite_work;

static int suite_work_alloc(suite_work *w, size_t n, int k)
{
    size_t f = n * D * sizeof(float), zs = n * (size_t)k * sizeof(float), ns = n * sizeof(float);
    char *p = w->mem = malloc(2 * f + zs + ns + n * sizeof(size_t) + 2 * n);
    if (!p)
        return -1;
    w->idx = (size_t *)p, p += n * sizeof(size_t);
    w->xa = (float *)p, p += f;
    w->out = (float *)p, p += f;
    w->z = (float *)p, p += zs;
    w->norm = (float *)p, p += ns;
    w->lab = (uint8_t *)p, p += n;
    w->flag = (uint8_t *)p;
    return 0;
}

/* Attack a on the images still robust; those it makes the model
 * misclassify (FMN: within eps) fall to it, their point into adv. */
static edd_status suite_stage(edd_ctx *ctx, const edd_cnn *m, int a, const float *x, const uint8_t *y, size_t n,
                              const edd_suite_opts *o, float *adv, int8_t *by, suite_work *w)
{
    float *xa = w->xa, *out = w->out;
    const size_t *idx = w->idx;
    uint8_t *wrong = w->flag;
    size_t na = suite_pack(x, y, n, by, w->idx, xa, w->lab);
    if (!na)
        return EDD_OK;
    edd_status st = suite_attack(ctx, m, a, xa, w->lab, na, o, out, w->norm);
    if (!st)
        st = suite_score(ctx, m, out, w->lab, na, o->n_real, w->z, NULL, wrong);
    for (size_t i = 0; !st && i < na; i++) {
        double d = suite_norm(o->ord, out + i * D, xa + i * D);
        int in_box = 1;
        for (int j = 0; j < D; j++)
            in_box &= out[i * D + j] >= 0.0f && out[i * D + j] <= 1.0f;
        int in_ball = d <= (double)o->eps * (1.0 + SUITE_BALL_TOL) + SUITE_BALL_TOL;
        if (a != EDD_SUITE_FMN && (!in_box || !in_ball))
            return edd_fail(ctx, EDD_ERR_ARG, "suite: %s returned image %zu at distance %g (eps %g) %s the box [0, 1], "
                            "expected a point inside both", edd_suite_names[a], idx[i], d, (double)o->eps,
                            in_box ? "inside" : "outside");
        if (!wrong[i] || !in_ball || !in_box)
            continue;
        by[idx[i]] = (int8_t)a;
        memcpy(adv + idx[i] * D, out + i * D, D * sizeof(float));
    }
    return st;
}

edd_status edd_suite_run(edd_ctx *ctx, const edd_cnn *m, const float *x, const uint8_t *y, size_t n,
                         const edd_suite_opts *o, float *adv, int8_t *by, double *seconds)
{
    edd_status st = EDD_OPTS_CHECK(ctx, edd_suite_opts, o);
    if (!st)
        st = suite_check(ctx, m, y, n, o);
    if (st || n == 0)
        return st;
    suite_work w;
    if (suite_work_alloc(&w, n, m->k))
        return edd_fail(ctx, EDD_ERR_NOMEM, "suite: out of memory for %zu images", n);
    memcpy(adv, x, n * D * sizeof(float));
    st = suite_score(ctx, m, x, y, n, o->n_real, w.z, w.flag, NULL);
    for (size_t i = 0; !st && i < n; i++)
        by[i] = w.flag[i] ? EDD_SUITE_ROBUST : EDD_SUITE_NOT_CLEAN;
    for (int a = 0; !st && a < EDD_SUITE_NATTACKS; a++) {
        double t0 = edd_now();
        st = suite_stage(ctx, m, a, x, y, n, o, adv, by, &w);
        if (seconds)
            seconds[a] = edd_now() - t0;
    }
    free(w.mem);
    return st;
}
