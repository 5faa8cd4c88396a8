/* standard_l2.c - the standard stages' L2 side (standard.h): per image the
 * smallest L2 perturbation any attack found that makes the model
 * misclassify, and the robust accuracy at each L2 eps of the scale; the
 * median minimal L2 with its bootstrap interval; and the convergence grid
 * of APGD-CE on the distilled model.
 *
 * The minimal-L2 pass: FMN-L2 (edd_fmn) and the detector-aware untargeted
 * CW-L2 (edd_cw_l2, Adam, confidence 0) on every image the model classifies
 * correctly when clean; then, at each L2 eps in ascending order, PGD-L2
 * with the scale's losses on the images whose smallest L2 so far exceeds
 * eps, and the suite (std_suite_at) on those still left. Every point is
 * scored again by a forward pass (edd_misclassified) before it counts.
 *
 * Owns: std_l2_find, std_l2_results, std_convergence_count,
 * std_convergence_rows, std_median_ci.
 * May call: standard.c (std_finds, std_suite_at, std_rows), repro.h,
 * edd/attacks.h (edd_pgd), edd/cw.h, edd/fmn.h, edd/apgd.h, edd/eval.h. */
#include "edd/apgd.h"
#include "edd/cw.h"
#include "edd/fmn.h"
#include "edd/progress.h"
#include "standard.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define D EDD_IMG_SIZE

/* Scratch for one attack on a packed subset of the images. */
typedef struct {
    size_t na, *idx;
    float *xa, *adv, *norm;
    uint8_t *ya, *ok;
    int *pred;
} l2_pack;

static int l2_pack_alloc(l2_pack *p, size_t n)
{
    *p = (l2_pack){0};
    p->idx = malloc(n * sizeof(size_t) + 1);
    p->xa = malloc(2 * n * D * sizeof(float) + 1);
    p->norm = malloc(n * sizeof(float) + 1);
    p->ya = malloc(2 * n + 1);
    p->pred = malloc(n * sizeof(int) + 1);
    if (!p->idx || !p->xa || !p->norm || !p->ya || !p->pred)
        return -1;
    p->adv = p->xa + n * D;
    p->ok = p->ya + n;
    return 0;
}

static void l2_pack_free(l2_pack *p)
{
    free(p->idx), free(p->xa), free(p->norm), free(p->ya), free(p->pred);
}

/* Pack si's images classified correctly when clean and (k >= 0) with no
 * point of f within eps k nor any found at eps k. */
static void l2_pack_fill(l2_pack *p, const std_images *si, const std_finds *f, int k)
{
    p->na = 0;
    for (size_t i = 0; i < si->n; i++) {
        if (!si->correct[i] || (k >= 0 && (f->best[i] <= f->eps[k] || f->src[(size_t)k * si->n + i] >= 0)))
            continue;
        p->idx[p->na] = i;
        p->ya[p->na] = si->y[i];
        memcpy(p->xa + p->na * D, si->x + i * D, D * sizeof(float));
        p->na++;
    }
}

/* Score the packed points p->adv (the ones with p->ok[j] set, or all when
 * ok is NULL) on the model and record the misclassified ones into f at eps
 * k (-1: the pass at no eps), source src. */
static edd_status l2_record(const std_images *si, std_finds *f, l2_pack *p, int k, int src, const uint8_t *ok)
{
    edd_status st = p->na ? edd_predict(si->r->ctx, si->m, p->adv, p->na, 256, p->pred) : EDD_OK;
    size_t hit = 0;
    for (size_t j = 0; !st && j < p->na; j++) {
        if ((ok && !ok[j]) || !edd_misclassified(si->m->k, p->pred[j], p->ya[j]))
            continue;
        std_finds_add(f, si->n, k, p->idx[j], std_dist(2, p->adv + j * D, p->xa + j * D), src);
        hit++;
    }
    if (!st && !si->r->o->quiet)
        fprintf(stderr, "reproduce:   %s: %s at L2 eps %g on %zu images: %zu misclassified\n", si->model,
                repro_std_sources[src], k < 0 ? (double)INFINITY : (double)f->eps[k], p->na, hit);
    return st;
}

/* FMN-L2 and the untargeted CW-L2 on every image classified correctly. */
static edd_status l2_min_norm(const std_images *si, std_finds *f, l2_pack *p)
{
    repro *r = si->r;
    const edd_repro_scale *sc = r->sc;
    l2_pack_fill(p, si, f, -1);
    edd_fmn_opts fo;
    edd_fmn_opts_default(&fo);
    fo.ord = 2;
    fo.steps = sc->std_fmn_steps;
    fo.quiet = 1;
    edd_status st = p->na ? edd_fmn(r->ctx, si->m, p->xa, p->ya, p->na, &fo, p->adv, p->norm) : EDD_OK;
    if (!st)
        st = l2_record(si, f, p, -1, STD_FMN_MIN, NULL);
    edd_cw_opts co;
    edd_cw_opts_default(&co);
    co.untargeted = 1;
    co.confidence = 0.0f;
    co.optimizer = EDD_CW_ADAM;
    co.learning_rate = REPRO_CW_BUDGET_LR;
    co.max_iterations = sc->std_cw_iterations;
    co.binary_search_steps = sc->std_cw_bsearch;
    co.quiet = 1;
    if (!st && p->na)
        st = edd_cw_l2(r->ctx, si->m, p->xa, p->ya, p->na, &co, p->adv, p->ok);
    if (!st)
        st = l2_record(si, f, p, -1, STD_CW_MIN, p->ok);
    return st;
}

/* PGD-L2 at eps k of f with loss l (0 margin, 1 real, 2 all: the order of
 * std_source) on the images still robust there, early stop. */
static edd_status l2_pgd(const std_images *si, std_finds *f, l2_pack *p, int k, int l)
{
    static const edd_attack_loss loss[3] = {EDD_LOSS_MARGIN, EDD_LOSS_REAL, EDD_LOSS_ALL};
    l2_pack_fill(p, si, f, k);
    edd_pgd_opts o;
    edd_pgd_opts_default(&o);
    o.eps = f->eps[k];
    o.ord = 2;
    o.steps = si->r->sc->std_steps;
    o.loss = loss[l];
    o.seed = repro_seed(si->r, SEED_PGD);
    o.quiet = 1;
    o.early_stop = 1;
    edd_status st = p->na ? edd_pgd(si->r->ctx, si->m, p->xa, p->ya, p->na, &o, p->adv) : EDD_OK;
    return st ? st : l2_record(si, f, p, k, STD_PGD_MARGIN + l, NULL);
}

/* A float for a CSV cell: "inf" for INFINITY, "-" for NaN (no image). */
static void l2_cell(edd_buf *t, double v)
{
    if (isnan(v))
        edd_buf_printf(t, "-");
    else if (isinf(v))
        edd_buf_printf(t, "inf");
    else
        edd_buf_printf(t, "%.6g", v);
}

static int l2_by_value(const void *a, const void *b)
{
    const float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static int l2_by_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of sorted v[0..n). */
static double l2_median(const float *v, size_t n)
{
    return n % 2 ? (double)v[n / 2] : 0.5 * ((double)v[n / 2 - 1] + (double)v[n / 2]);
}

void std_median_ci(float *v, size_t n, uint64_t seed, float *tmp, double *med, double *lo, double *hi)
{
    *med = *lo = *hi = NAN;
    if (!n)
        return;
    qsort(v, n, sizeof *v, l2_by_value);
    *med = l2_median(v, n);
    double meds[REPRO_BOOTSTRAP];
    for (int b = 0; b < REPRO_BOOTSTRAP; b++) {
        const uint64_t key = edd_rng_key(seed, 0xB0075u, (uint64_t)b);
        for (size_t j = 0; j < n; j++)
            tmp[j] = v[(size_t)((uint64_t)edd_rng_u32(key, (uint32_t)j) * n >> 32)];
        qsort(tmp, n, sizeof *tmp, l2_by_value);
        meds[b] = l2_median(tmp, n);
    }
    qsort(meds, REPRO_BOOTSTRAP, sizeof meds[0], l2_by_double);
    *lo = meds[(int)(0.025 * REPRO_BOOTSTRAP)];
    *hi = meds[(int)ceil(0.975 * REPRO_BOOTSTRAP) - 1];
}

/* Per image of si, its smallest L2 over every point of f and its source
 * (-1: none); min_rows gets the points/min_l2_K.csv lines ("-" for an image
 * wrong when clean, "inf" for one never broken), summary the median over
 * the images classified correctly with its bootstrap interval. */
static edd_status l2_minima(const std_images *si, const std_finds *f, edd_buf *min_rows, edd_buf *summary)
{
    const size_t n = si->n;
    float *v = malloc(2 * n * sizeof(float) + 1);
    if (!v)
        return edd_fail(si->r->ctx, EDD_ERR_NOMEM, "standard: out of memory for %zu images", n);
    size_t nv = 0, broken = 0;
    for (size_t i = 0; i < n; i++) {
        float best = f->pre[i];
        int src = f->pre_src[i];
        for (int k = 0; k < f->neps; k++)
            if (f->norm[(size_t)k * n + i] < best)
                best = f->norm[(size_t)k * n + i], src = f->src[(size_t)k * n + i];
        edd_buf_printf(min_rows, "%s,%zu,", si->model, si->index[i]);
        if (!si->correct[i]) {
            edd_buf_printf(min_rows, "-,-\n");
            continue;
        }
        l2_cell(min_rows, best);
        edd_buf_printf(min_rows, ",%s\n", src >= 0 ? repro_std_sources[src] : "none");
        v[nv++] = best;
        broken += src >= 0;
    }
    double med, lo, hi;
    std_median_ci(v, nv, repro_seed(si->r, SEED_PGD), v + n, &med, &lo, &hi);
    edd_buf_printf(summary, "%s,%zu,%zu,", si->model, nv, broken);
    l2_cell(summary, med);
    edd_buf_printf(summary, ",");
    l2_cell(summary, lo);
    edd_buf_printf(summary, ",");
    l2_cell(summary, hi);
    edd_buf_printf(summary, "\n");
    free(v);
    return EDD_OK;
}

edd_status std_l2_find(const std_images *si, std_finds *f)
{
    const edd_repro_scale *sc = si->r->sc;
    l2_pack p;
    edd_status st = l2_pack_alloc(&p, si->n)
                        ? edd_fail(si->r->ctx, EDD_ERR_NOMEM, "standard: out of memory for %zu images", si->n)
                        : EDD_OK;
    if (!st)
        st = l2_min_norm(si, f, &p);
    for (int k = 0; !st && k < f->neps; k++) {
        for (int l = 0; !st && l < sc->std_pgd_losses; l++)
            st = l2_pgd(si, f, &p, k, l);
        if (!st)
            st = std_suite_at(si, f, k);
    }
    l2_pack_free(&p);
    return st;
}

edd_status std_l2_results(const std_images *si, const std_finds *f, edd_buf *rows, edd_buf *min_rows,
                          edd_buf *summary)
{
    std_rows(rows, si, f);
    return l2_minima(si, f, min_rows, summary);
}

edd_status std_convergence_count(const std_images *si, size_t *robust)
{
    repro *r = si->r;
    const edd_repro_scale *sc = r->sc;
    l2_pack p;
    edd_status st = l2_pack_alloc(&p, si->n) ? edd_fail(r->ctx, EDD_ERR_NOMEM, "standard: out of memory") : EDD_OK;
    if (!st)
        l2_pack_fill(&p, si, NULL, -1);
    for (int a = 0; !st && a < sc->n_conv_steps; a++)
        for (int b = 0; !st && b < sc->n_conv_restarts; b++) {
            edd_apgd_opts o;
            edd_apgd_opts_default(&o);
            o.eps = REPRO_CONV_EPS;
            o.ord = 0;
            o.steps = sc->conv_steps[a];
            o.restarts = sc->conv_restarts[b];
            o.loss = EDD_APGD_CE;
            o.seed = repro_seed(r, SEED_PGD);
            o.quiet = 1;
            const double t0 = edd_now();
            st = p.na ? edd_apgd(r->ctx, si->m, p.xa, p.ya, p.na, &o, p.adv) : EDD_OK;
            if (!st && p.na)
                st = edd_predict(r->ctx, si->m, p.adv, p.na, 256, p.pred);
            size_t n = 0;
            for (size_t j = 0; !st && j < p.na; j++)
                n += !edd_misclassified(si->m->k, p.pred[j], p.ya[j]);
            robust[a * sc->n_conv_restarts + b] = n;
            if (!st && !r->o->quiet)
                fprintf(stderr, "reproduce:   %s: APGD-CE eps %g, %d steps x %d restarts: %zu of %zu robust (%.1f s)\n",
                        si->model, (double)REPRO_CONV_EPS, o.steps, o.restarts, n, si->n, edd_now() - t0);
        }
    l2_pack_free(&p);
    return st;
}

void std_convergence_rows(const std_images *si, const size_t *robust, edd_buf *t)
{
    const edd_repro_scale *sc = si->r->sc;
    for (int a = 0; a < sc->n_conv_steps; a++)
        for (int b = 0; b < sc->n_conv_restarts; b++) {
            const size_t n = robust[a * sc->n_conv_restarts + b];
            double q = (double)n / (double)si->n, lo, hi;
            repro_wilson(q, si->n, &lo, &hi);
            edd_buf_printf(t, "%s,%g,%d,%d,%zu,%zu,%.6f,%.6f,%.6f\n", si->model, (double)REPRO_CONV_EPS,
                           sc->conv_steps[a], sc->conv_restarts[b], si->n, n, q, lo, hi);
        }
}
