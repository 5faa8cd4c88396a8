/* seeds.c - `edd reproduce --seeds S` (issue 14): S independent pipelines,
 * seed K's in out_dir/seed-K (each a whole results folder, valid on its
 * own, its models and attack targets seeded from K), then the across-seed
 * summary in out_dir: seeds.csv, report.md and plots/.
 *
 * One training run is not a result: two models of the same recipe differ
 * by more than the Wilson interval of their test images says. So every
 * rate gets, over the S seeds,
 *   the mean;
 *   the 95% interval across seeds: mean +- t(0.975, S-1) s / sqrt(S), s the
 *   sample standard deviation (Student t: the spread of training runs);
 *   the pooled Wilson interval of all S n attacked images (the spread of
 *   the test images alone), beside it.
 * A conclusion holds across seeds when the t interval of its per-seed
 * difference excludes zero on its side. The baselines' and the Eq. 3
 * ablation's conclusions are verdicts of rules (report.c's
 * repro_base_judge and repro_ablation_judge): the summary applies the same
 * rules to each seed's CSV and says whether they agree in every seed. */
#include "edd/io.h"
#include "repro.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* t(0.975, df) for df = 1..30; above, t ~ z + (z^3 + z) / (4 df). */
static double t975(int df)
{
    static const double t[31] = {0,     12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                                 2.201, 2.179,  2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080,
                                 2.074, 2.069,  2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
    return df <= 30 ? t[df] : 1.959964 + 2.3704 / df;
}

typedef struct {
    double mean, lo, hi;
} seed_stat;

/* The mean of v[0..s-1] and its 95% t interval across seeds (s >= 2). */
static seed_stat stat_t(const double *v, int s)
{
    double m = 0.0, ss = 0.0;
    for (int k = 0; k < s; k++)
        m += v[k];
    m /= s;
    for (int k = 0; k < s; k++)
        ss += (v[k] - m) * (v[k] - m);
    double h = t975(s - 1) * sqrt(ss / (s - 1)) / sqrt((double)s);
    return (seed_stat){m, m - h, m + h};
}

/* The rates of a figure row that the summary carries across seeds. */
enum { R_MIS, R_REC, R_DET, R_ACC, R_FP, R_COUNT };
static const char *const rate_names[R_COUNT] = {"misclassified", "recovered", "detected", "clean_accuracy",
                                                "false_positives"};
/* How the report's tables name them. */
static const char *const rate_words[R_COUNT] = {"misclassified", "recovered", "detected", "clean accuracy",
                                                "false positives"};

/* The rate numbered `rate` (R_*) among a row's five. */
static double rate_pick(int rate, double mis, double rec, double det, double acc, double fp)
{
    switch (rate) {
    case R_MIS: return mis;
    case R_REC: return rec;
    case R_DET: return det;
    case R_ACC: return acc;
    default: return fp;
    }
}

static double rate_of(const repro_row *w, int rate)
{
    return rate_pick(rate, w->misclassified, w->recovered, w->detected, w->clean_accuracy, w->false_positives);
}

/* The figure CSVs a seed folder may hold, in report order. */
static const char *const fig_csvs[] = {"fig2a_fgm.csv", "fig2b_jsma.csv", "fig2c_cw.csv",  "fig2d_alpha.csv",
                                       "fig2e_passes.csv", "fig3a_fgm.csv", "fig3b_fgm.csv", "fig3c_jsma.csv",
                                       "fig3d_jsma.csv", "fig3e_cw.csv", "fig3f_cw.csv"};
#define N_FIGS (sizeof fig_csvs / sizeof fig_csvs[0])

/* The CSVs of REPRO_BASE_HEADER rows a seed folder may hold, and the
 * `figure` column of their rows in seeds.csv. */
enum { B_BASELINES, B_ABLATION, N_BASE };
static const char *const base_csvs[N_BASE] = {"baselines.csv", "ablation.csv"};
static const char *const base_figs[N_BASE] = {"baselines", "ablation"};

/* The rate of a baselines.csv or ablation.csv row, as rate_of's. */
static double base_rate_of(const repro_base_row *w, int rate)
{
    return rate_pick(rate, w->misclassified, w->recovered, w->detected, w->clean_accuracy, w->false_positives);
}

/* What the summary reads: each seed's run state (for its folder), and per
 * seed the rows of every figure CSV present in seed 1's folder, of its
 * security.csv, baselines.csv and ablation.csv. */
typedef struct {
    edd_ctx *ctx;
    int s;
    edd_repro_opts o[EDD_REPRO_MAX_SEEDS];
    char dir[EDD_REPRO_MAX_SEEDS][EDD_PATH_MAX];
    repro r[EDD_REPRO_MAX_SEEDS];
    repro_row *fig[N_FIGS][EDD_REPRO_MAX_SEEDS];
    int nfig[N_FIGS];
    repro_sec_row *sec[EDD_REPRO_MAX_SEEDS];
    int nsec;
    repro_base_row *base[N_BASE][EDD_REPRO_MAX_SEEDS];
    int nbase[N_BASE];
} seeds_run;

edd_status edd_repro_seed_dir(edd_ctx *ctx, const char *out_dir, int k, char *dir)
{
    char rel[32];
    snprintf(rel, sizeof rel, "seed-%d", k);
    return edd_path_join(ctx, dir, EDD_PATH_MAX, out_dir, rel);
}

/* Two rows name the same point (all but the rates). */
static int same_point(const repro_row *a, const repro_row *b)
{
    return !strcmp(a->figure, b->figure) && !strcmp(a->source, b->source) && !strcmp(a->target, b->target) &&
           !strcmp(a->attack, b->attack) && !strcmp(a->setting, b->setting) && a->value == b->value &&
           !strcmp(a->variant, b->variant) && a->n == b->n;
}

/* Load every seed's rows of base_csvs[c]; the seeds must hold the same
 * points (model, attack, setting, n) in the same order. */
static edd_status base_load(seeds_run *w, int c)
{
    edd_status st = EDD_OK;
    for (int k = 0; !st && k < w->s; k++) {
        int n = 0;
        st = repro_base_read(&w->r[k], base_csvs[c], &w->base[c][k], &n);
        if (!st && k == 0)
            w->nbase[c] = n;
        if (!st && n != w->nbase[c])
            st = edd_fail(w->ctx, EDD_ERR_FORMAT, "%s/%s: %d rows, expected %d as in seed 1's", w->dir[k],
                          base_csvs[c], n, w->nbase[c]);
        for (int i = 0; !st && k > 0 && i < n; i++) {
            const repro_base_row *a = &w->base[c][k][i], *b = &w->base[c][0][i];
            if (strcmp(a->model, b->model) || strcmp(a->attack, b->attack) || strcmp(a->setting, b->setting) ||
                a->value != b->value || a->n != b->n)
                st = edd_fail(w->ctx, EDD_ERR_FORMAT, "%s/%s row %d: not seed 1's point (%s %s %s=%g, n %zu)",
                              w->dir[k], base_csvs[c], i + 1, b->model, b->attack, b->setting, b->value, b->n);
        }
    }
    return st;
}

/* Load every seed's rows of the CSVs present in seed 1's folder; the
 * seeds must hold the same points in the same order. */
static edd_status seeds_load(seeds_run *w)
{
    edd_status st = EDD_OK;
    for (size_t f = 0; !st && f < N_FIGS; f++) {
        if (!repro_have(&w->r[0], fig_csvs[f]))
            continue;
        for (int k = 0; !st && k < w->s; k++) {
            int n = 0;
            st = repro_rows_read(&w->r[k], fig_csvs[f], &w->fig[f][k], &n);
            if (!st && k == 0)
                w->nfig[f] = n;
            if (!st && n != w->nfig[f])
                st = edd_fail(w->ctx, EDD_ERR_FORMAT, "%s/%s: %d rows, expected %d as in seed 1's", w->dir[k],
                              fig_csvs[f], n, w->nfig[f]);
            for (int i = 0; !st && k > 0 && i < n; i++)
                if (!same_point(&w->fig[f][k][i], &w->fig[f][0][i]))
                    st = edd_fail(w->ctx, EDD_ERR_FORMAT, "%s/%s row %d: not seed 1's point (%s %s %s=%g %s)",
                                  w->dir[k], fig_csvs[f], i + 1, w->fig[f][0][i].target, w->fig[f][0][i].attack,
                                  w->fig[f][0][i].setting, w->fig[f][0][i].value, w->fig[f][0][i].variant);
        }
    }
    for (int c = 0; !st && c < N_BASE; c++)
        if (repro_have(&w->r[0], base_csvs[c]))
            st = base_load(w, c);
    if (st || !repro_have(&w->r[0], "security.csv"))
        return st;
    for (int k = 0; !st && k < w->s; k++) {
        int n = 0;
        st = repro_sec_read(&w->r[k], "security.csv", &w->sec[k], &n);
        if (!st && k == 0)
            w->nsec = n;
        if (!st && n != w->nsec)
            st = edd_fail(w->ctx, EDD_ERR_FORMAT, "%s/security.csv: %d rows, expected %d as in seed 1's", w->dir[k],
                          n, w->nsec);
        for (int i = 0; !st && k > 0 && i < n; i++)
            if (strcmp(w->sec[k][i].model, w->sec[0][i].model) || strcmp(w->sec[k][i].attack, w->sec[0][i].attack) ||
                w->sec[k][i].eps != w->sec[0][i].eps || w->sec[k][i].n != w->sec[0][i].n)
                st = edd_fail(w->ctx, EDD_ERR_FORMAT, "%s/security.csv row %d: not seed 1's point (%s %s eps %g)",
                              w->dir[k], i + 1, w->sec[0][i].model, w->sec[0][i].attack, w->sec[0][i].eps);
    }
    return st;
}

/* A rate's t interval, clipped to [0, 1] where a rate lives. */
static seed_stat clip_rate(seed_stat s)
{
    s.lo = fmax(0.0, s.lo);
    s.hi = fmin(1.0, s.hi);
    return s;
}

/* The across-seed statistics of figure f's row i for rate, its t interval
 * clipped to [0, 1] (and the pooled Wilson interval, over s n images). */
static seed_stat fig_stat(const seeds_run *w, size_t f, int i, int rate, double *wlo, double *whi)
{
    double v[EDD_REPRO_MAX_SEEDS];
    for (int k = 0; k < w->s; k++)
        v[k] = rate_of(&w->fig[f][k][i], rate);
    seed_stat t = clip_rate(stat_t(v, w->s));
    repro_wilson(fmin(1.0, fmax(0.0, t.mean)), w->fig[f][0][i].n * (size_t)w->s, wlo, whi);
    return t;
}

static seed_stat sec_stat(const seeds_run *w, int i, double *wlo, double *whi)
{
    double v[EDD_REPRO_MAX_SEEDS];
    for (int k = 0; k < w->s; k++)
        v[k] = w->sec[k][i].robust;
    seed_stat t = clip_rate(stat_t(v, w->s));
    repro_wilson(fmin(1.0, fmax(0.0, t.mean)), w->sec[0][i].n * (size_t)w->s, wlo, whi);
    return t;
}

/* The across-seed statistics of row i of base_csvs[c] for rate, as
 * fig_stat's. */
static seed_stat base_stat(const seeds_run *w, int c, int i, int rate, double *wlo, double *whi)
{
    double v[EDD_REPRO_MAX_SEEDS];
    for (int k = 0; k < w->s; k++)
        v[k] = base_rate_of(&w->base[c][k][i], rate);
    seed_stat t = clip_rate(stat_t(v, w->s));
    repro_wilson(fmin(1.0, fmax(0.0, t.mean)), w->base[c][0][i].n * (size_t)w->s, wlo, whi);
    return t;
}

/* The indices (at most max) of seed 1's security.csv rows of the worst
 * case, every model and eps; their number. */
static int worst_case_rows(const seeds_run *w, int *idx, int max)
{
    int n = 0;
    for (int i = 0; i < w->nsec && n < max; i++)
        if (!strcmp(w->sec[0][i].attack, "worst-case"))
            idx[n++] = i;
    return n;
}

/* seeds.csv: one row per point and rate. */
static edd_status write_seeds_csv(seeds_run *w, repro *top)
{
    edd_buf t = {0};
    edd_buf_printf(&t, "%s\n", REPRO_SEEDS_HEADER);
    for (size_t f = 0; f < N_FIGS; f++)
        for (int i = 0; i < w->nfig[f]; i++) {
            const repro_row *p = &w->fig[f][0][i];
            for (int rate = 0; rate < R_COUNT; rate++) {
                double lo, hi;
                seed_stat s = fig_stat(w, f, i, rate, &lo, &hi);
                edd_buf_printf(&t, "%s,%s,%s,%s,%s,%g,%s,%d,%zu,%s,%.6f,%.6f,%.6f,%.6f,%.6f\n", p->figure, p->source,
                               p->target, p->attack, p->setting, p->value, p->variant, w->s, p->n, rate_names[rate],
                               s.mean, s.lo, s.hi, lo, hi);
            }
        }
    for (int i = 0; i < w->nsec; i++) {
        const repro_sec_row *p = &w->sec[0][i];
        double lo, hi;
        seed_stat s = sec_stat(w, i, &lo, &hi);
        edd_buf_printf(&t, "security,%s,%s,%s,eps,%g,-,%d,%zu,robust_accuracy,%.6f,%.6f,%.6f,%.6f,%.6f\n", p->model,
                       p->model, p->attack, p->eps, w->s, p->n, s.mean, s.lo, s.hi, lo, hi);
    }
    for (int c = 0; c < N_BASE; c++)
        for (int i = 0; i < w->nbase[c]; i++) {
            const repro_base_row *p = &w->base[c][0][i];
            for (int rate = 0; rate < R_COUNT; rate++) {
                double lo, hi;
                seed_stat s = base_stat(w, c, i, rate, &lo, &hi);
                edd_buf_printf(&t, "%s,%s,%s,%s,%s,%g,-,%d,%zu,%s,%.6f,%.6f,%.6f,%.6f,%.6f\n", base_figs[c], p->model,
                               p->model, p->attack, p->setting, p->value, w->s, p->n, rate_names[rate], s.mean, s.lo,
                               s.hi, lo, hi);
            }
        }
    top->nout = 0; /* the summary has no manifest: nothing to register */
    edd_status st = repro_write_text(top, "seeds.csv", &t);
    edd_buf_free(&t);
    return st;
}

/* Index of the row of figure f with these source, target, variant and
 * value, or -1. */
static int find_point(const seeds_run *w, size_t f, const char *source, const char *target, const char *variant,
                      double value)
{
    for (int i = 0; i < w->nfig[f]; i++) {
        const repro_row *p = &w->fig[f][0][i];
        if (!strcmp(p->source, source) && !strcmp(p->target, target) && !strcmp(p->variant, variant) &&
            fabs(p->value - value) < 1e-9)
            return i;
    }
    return -1;
}

static int fig_index(const char *csv)
{
    for (size_t f = 0; f < N_FIGS; f++)
        if (!strcmp(fig_csvs[f], csv))
            return (int)f;
    return -1;
}

/* A claim of the single-seed report: point a is misclassified more often
 * than point b. */
typedef struct {
    const char *csv_a, *source_a, *target_a, *variant_a;
    const char *csv_b, *source_b, *target_b, *variant_b;
    int attack; /* its value is the headline setting of this att_kind */
    const char *claim;
} seed_claim;

static const seed_claim claims[] = {
    {"fig2a_fgm.csv", "baseline", "baseline", "paper", "fig2a_fgm.csv", "distilled", "distilled", "paper", ATT_FGM,
     "the distilled model is misclassified less often than the baseline under the paper's white-box FGM"},
    {"fig2b_jsma.csv", "baseline", "baseline", "paper", "fig2b_jsma.csv", "distilled", "distilled", "paper", ATT_JSMA,
     "the distilled model is misclassified less often than the baseline under the paper's white-box JSMA"},
    {"fig2c_cw.csv", "baseline", "baseline", "paper", "fig2c_cw.csv", "distilled", "distilled", "paper", ATT_CW,
     "the distilled model is misclassified less often than the baseline under the paper's white-box CW"},
    {"fig2a_fgm.csv", "distilled", "distilled", "adaptive", "fig2a_fgm.csv", "distilled", "distilled", "paper",
     ATT_FGM, "the adaptive FGM (loss over the real classes) breaks more of the distilled model than the paper's "
              "FGM: gradient masking"},
    {"fig3b_fgm.csv", "surrogate_u", "distilled", "paper", "fig2a_fgm.csv", "distilled", "distilled", "paper",
     ATT_FGM, "FGM transferred from the undefended surrogate breaks more of the distilled model than white-box FGM: "
              "gradient masking"},
};

/* One claim: the per-seed differences a - b, their t interval, and the
 * verdict. Claims whose figures are absent are left out. */
static void claim_line(const seeds_run *w, edd_buf *t, const seed_claim *c)
{
    int fa = fig_index(c->csv_a), fb = fig_index(c->csv_b);
    double value = repro_paper_attack((att_kind)c->attack)->setting;
    int ia = fa < 0 || !w->nfig[fa] ? -1 : find_point(w, (size_t)fa, c->source_a, c->target_a, c->variant_a, value);
    int ib = fb < 0 || !w->nfig[fb] ? -1 : find_point(w, (size_t)fb, c->source_b, c->target_b, c->variant_b, value);
    if (ia < 0 || ib < 0)
        return;
    double d[EDD_REPRO_MAX_SEEDS];
    int agree = 0;
    for (int k = 0; k < w->s; k++) {
        d[k] = w->fig[fa][k][ia].misclassified - w->fig[fb][k][ib].misclassified;
        agree += d[k] > 0;
    }
    seed_stat s = stat_t(d, w->s);
    edd_buf_printf(t, "- %s, at %s %g: **%s**. The difference in misclassified rate is %+.1f points (95%% across "
                      "seeds %+.1f to %+.1f); %d of %d seeds agree.\n",
                   c->claim, w->fig[fa][0][ia].setting, value,
                   s.lo > 0 ? "holds across seeds" : "does not hold across seeds", 100 * s.mean, 100 * s.lo,
                   100 * s.hi, agree, w->s);
}

/* The security claim: at each eps, the distilled model keeps more images
 * robust under the worst case than the baseline. */
static void security_claims(const seeds_run *w, edd_buf *t)
{
    for (int i = 0; i < w->nsec; i++) {
        const repro_sec_row *p = &w->sec[0][i];
        if (strcmp(p->model, "distilled") || strcmp(p->attack, "worst-case"))
            continue;
        int j = -1;
        for (int q = 0; q < w->nsec && j < 0; q++)
            if (!strcmp(w->sec[0][q].model, "baseline") && !strcmp(w->sec[0][q].attack, "worst-case") &&
                w->sec[0][q].eps == p->eps)
                j = q;
        if (j < 0)
            continue;
        double d[EDD_REPRO_MAX_SEEDS];
        int agree = 0;
        for (int k = 0; k < w->s; k++) {
            d[k] = w->sec[k][i].robust - w->sec[k][j].robust;
            agree += d[k] > 0;
        }
        seed_stat s = stat_t(d, w->s);
        edd_buf_printf(t, "- the distilled model keeps more images robust than the baseline under the worst case at "
                          "eps %g: **%s**. The difference in robust accuracy is %+.1f points (95%% across seeds %+.1f "
                          "to %+.1f); %d of %d seeds agree.\n",
                       p->eps, s.lo > 0 ? "holds across seeds" : "does not hold across seeds", 100 * s.mean,
                       100 * s.lo, 100 * s.hi, agree, w->s);
    }
}

/* The kinds of verdict the baselines' and the ablation's rules give. */
enum { V_HOLD, V_BEST, V_MASK, V_ABL };

/* Verdict v of kind, in words. */
static const char *verdict_words(int kind, int v)
{
    switch (kind) {
    case V_HOLD:
        return v == REPRO_HOLD_YES ? "holds" : v == REPRO_HOLD_NOT ? "does not hold"
             : v == REPRO_HOLD_LEFT_OUT ? "left out, its clean accuracy too low" : "no rows to judge by";
    case V_BEST:
        return v < 0 ? "no defense holds" : repro_base_labels[v];
    case V_MASK:
        return v == REPRO_MASK_ONLY ? "only masks gradients" : v == REPRO_MASK_KEEPS
             ? "masks gradients but keeps some robustness" : v == REPRO_MASK_NONE ? "no masking" : "no rows to judge by";
    default:
        return v == REPRO_ABL_HINGE ? "comes from the hinge" : v == REPRO_ABL_NOT_HINGE ? "is not the hinge's"
             : v == REPRO_ABL_UNRESOLVED ? "not resolved" : v == REPRO_ABL_NO_MASKING ? "no JSMA masking to attribute"
             : "no rows to judge by";
    }
}

/* Whether the per-seed verdicts v[0..s) of kind agree, in words: "**the
 * same in every seed** (X)", or "**not the same in every seed** (seed 1:
 * X; seed 2: Y; ...)". */
static void verdict_seeds(edd_buf *t, int s, int kind, const int *v)
{
    int same = 1;
    for (int k = 1; k < s; k++)
        same &= v[k] == v[0];
    if (same) {
        edd_buf_printf(t, "**the same in every seed** (%s)", verdict_words(kind, v[0]));
        return;
    }
    edd_buf_printf(t, "**not the same in every seed** (");
    for (int k = 0; k < s; k++)
        edd_buf_printf(t, "%sseed %d: %s", k ? "; " : "", k + 1, verdict_words(kind, v[k]));
    edd_buf_printf(t, ")");
}

/* The baselines' verdicts (docs/REPRODUCING.md, "Holds or masks") by the
 * single-seed report's rule, repro_base_judge, on each seed's
 * baselines.csv: which defense holds best, and per model whether it holds
 * and whether it masks gradients. */
static void base_claims(const seeds_run *w, edd_buf *t)
{
    const double eps = repro_base_eps(w->r[0].sc);
    int best[EDD_REPRO_MAX_SEEDS], hold[REPRO_BASE_NMODELS][EDD_REPRO_MAX_SEEDS],
        mask[REPRO_BASE_NMODELS][EDD_REPRO_MAX_SEEDS];
    for (int k = 0; k < w->s; k++) {
        repro_base_verdicts v;
        repro_base_judge(w->base[B_BASELINES][k], w->nbase[B_BASELINES], eps, &v);
        best[k] = v.best >= 0 && v.hold[v.best] == REPRO_HOLD_YES ? v.best : -1;
        for (int m = 0; m < REPRO_BASE_NMODELS; m++) {
            hold[m][k] = v.hold[m];
            mask[m][k] = v.mask[m];
        }
    }
    edd_buf_printf(t, "- the defense that holds best under PGD with the margin loss at eps %g: ", eps);
    verdict_seeds(t, w->s, V_BEST, best);
    edd_buf_printf(t, ".\n");
    for (int m = 0; m < REPRO_BASE_NMODELS; m++) {
        edd_buf_printf(t, "- %s (`%s`): ", repro_base_labels[m], repro_base_models[m]);
        if (m > 0) {
            edd_buf_printf(t, "holds under PGD-margin: ");
            verdict_seeds(t, w->s, V_HOLD, hold[m]);
            edd_buf_printf(t, "; ");
        }
        edd_buf_printf(t, "gradient masking: ");
        verdict_seeds(t, w->s, V_MASK, mask[m]);
        edd_buf_printf(t, ".\n");
    }
}

/* The Eq. 3 ablation's verdict by the single-seed report's rule,
 * repro_ablation_judge, on each seed's ablation.csv. */
static void ablation_claims(const seeds_run *w, edd_buf *t)
{
    const double gamma = repro_base_gamma(w->r[0].sc);
    int v[EDD_REPRO_MAX_SEEDS];
    for (int k = 0; k < w->s; k++) {
        repro_ablation_verdicts a;
        repro_ablation_judge(w->base[B_ABLATION][k], w->nbase[B_ABLATION], gamma, &a);
        v[k] = a.verdict;
    }
    edd_buf_printf(t, "- the Eq. 3 ablation, cleverhans' JSMA at gamma %g: does JSMA's gradient masking come from the "
                      "hinge? ", gamma);
    verdict_seeds(t, w->s, V_ABL, v);
    edd_buf_printf(t, ".\n");
}

/* The label of model among base_csvs[c]'s models, or model itself. */
static const char *base_label(int c, const char *model)
{
    for (int m = 0; c == B_BASELINES && m < REPRO_BASE_NMODELS; m++)
        if (!strcmp(model, repro_base_models[m]))
            return repro_base_labels[m];
    for (int m = 0; c == B_ABLATION && m < REPRO_ABLATION_NMODELS; m++)
        if (!strcmp(model, repro_ablation[m].model))
            return repro_ablation[m].label;
    return model;
}

/* "Baselines" or "Eq. 3 ablation" across seeds: the rows of base_csvs[c]
 * at the single-seed report's settings (the clean rows' clean accuracy and
 * false positives, the attacks' misclassified rate), mean and both
 * intervals. */
static void base_table(const seeds_run *w, int c, int plot, edd_buf *t)
{
    const edd_repro_scale *sc = w->r[0].sc;
    const double eps = repro_base_eps(sc), gamma = repro_base_gamma(sc), kappa = repro_paper_attack(ATT_CW)->setting;
    edd_buf_printf(t, "## %s across seeds\n\n`%s` of every seed, at the single-seed report's settings (eps %g, gamma "
                      "%g, kappa %g; every eps and gamma is in `seeds.csv`): the clean rows' clean accuracy and false "
                      "positives, and each attack's misclassified rate, %%.%s\n\n"
                      "| model | attack | setting | rate | mean | 95%% across seeds (t) | pooled Wilson |\n"
                      "|---|---|---|---|---:|---:|---:|\n",
                   c == B_BASELINES ? "Baselines" : "Eq. 3 ablation", base_csvs[c], eps, gamma, kappa,
                   plot ? "\n\n![baselines across seeds](plots/baselines.png)" : "");
    for (int i = 0; i < w->nbase[c]; i++) {
        const repro_base_row *p = &w->base[c][0][i];
        const int clean = !strcmp(p->attack, "clean");
        const double at = !strcmp(p->setting, "eps") ? eps : !strcmp(p->setting, "gamma") ? gamma
                        : !strcmp(p->setting, "kappa") ? kappa : NAN;
        if (!clean && !(fabs(p->value - at) < 1e-6))
            continue;
        static const int clean_rates[] = {R_ACC, R_FP}, attack_rates[] = {R_MIS};
        const int *rates = clean ? clean_rates : attack_rates, nr = clean ? 2 : 1;
        for (int j = 0; j < nr; j++) {
            double lo, hi;
            seed_stat st = base_stat(w, c, i, rates[j], &lo, &hi);
            edd_buf_printf(t, "| %s (`%s`) | %s | ", base_label(c, p->model), p->model, p->attack);
            if (clean)
                edd_buf_printf(t, "- |");
            else
                edd_buf_printf(t, "%s %g |", p->setting, p->value);
            edd_buf_printf(t, " %s | %.1f | %.1f-%.1f | %.1f-%.1f |\n", rate_words[rates[j]], 100 * st.mean,
                           100 * st.lo, 100 * st.hi, 100 * lo, 100 * hi);
        }
    }
    edd_buf_printf(t, "\n");
}

/* Whether the summary draws plots/baselines.png: where seed 1 has the
 * single-seed one. */
static int base_plotted(const seeds_run *w)
{
    return w->nbase[B_BASELINES] && repro_have(&w->r[0], "plots/baselines.png");
}

/* Split a headline.csv line (newline removed) at its commas into fld;
 * the number of fields. */
static int split_fields(char *line, char **fld, int max)
{
    int n = 0;
    for (char *p = line; n < max;) {
        fld[n++] = p;
        p = strchr(p, ',');
        if (!p)
            return n;
        *p++ = 0;
    }
    return max + 1;
}

/* The headline table: each seed's headline.csv (metric, model, attack,
 * setting, n, paper, ours), row by row, the seeds' "ours" across seeds. */
static edd_status headline_table(seeds_run *w, edd_buf *t)
{
    char line[EDD_REPRO_MAX_SEEDS][512], path[EDD_PATH_MAX];
    FILE *f[EDD_REPRO_MAX_SEEDS] = {0};
    edd_status st = EDD_OK;
    for (int k = 0; !st && k < w->s; k++) {
        st = repro_path(&w->r[k], "headline.csv", path);
        if (!st)
            st = edd_file_fopen_regular(w->ctx, path, "the headline stage's output", &f[k]);
        if (!st && (!fgets(line[k], sizeof line[k], f[k]) || strcmp(line[k], REPRO_HEADLINE_HEADER "\n")))
            st = edd_fail(w->ctx, EDD_ERR_FORMAT, "%s: first line is not '%s'", path, REPRO_HEADLINE_HEADER);
    }
    if (!st)
        edd_buf_printf(t, "## Headline (Section 4.2)\n\n| metric | model | attack | setting | n | seeds | paper (%%) | "
                          "mean (%%) | 95%% across seeds (t) | pooled Wilson |\n|---|---|---|---|---:|---:|---:|---:|"
                          "---:|---:|\n");
    for (int row = 2; !st; row++) {
        char *fld[EDD_REPRO_MAX_SEEDS][7];
        double v[EDD_REPRO_MAX_SEEDS];
        int got = 0;
        for (int k = 0; !st && k < w->s; k++) {
            if (!fgets(line[k], sizeof line[k], f[k]))
                continue;
            got++;
            line[k][strcspn(line[k], "\n")] = 0;
            char *end = NULL;
            int n = split_fields(line[k], fld[k], 7);
            if (n == 7)
                v[k] = strtod(fld[k][6], &end) / 100.0;
            if (n != 7 || !*fld[k][6] || *end)
                st = edd_fail(w->ctx, EDD_ERR_FORMAT, "%s/headline.csv:%d: %d fields or a bad number, expected 7 "
                              "fields ending with ours", w->dir[k], row, n);
            else if (k > 0 && (strcmp(fld[k][0], fld[0][0]) || strcmp(fld[k][1], fld[0][1]) ||
                               strcmp(fld[k][3], fld[0][3])))
                st = edd_fail(w->ctx, EDD_ERR_FORMAT, "%s/headline.csv:%d: %s %s %s, expected seed 1's %s %s %s",
                              w->dir[k], row, fld[k][0], fld[k][1], fld[k][3], fld[0][0], fld[0][1], fld[0][3]);
        }
        if (!st && got && got != w->s)
            st = edd_fail(w->ctx, EDD_ERR_FORMAT, "headline.csv: row %d in %d of %d seeds, expected the same rows in "
                          "every seed", row, got, w->s);
        if (st || !got)
            break;
        seed_stat s = clip_rate(stat_t(v, w->s));
        double lo, hi;
        repro_wilson(fmin(1.0, fmax(0.0, s.mean)), strtoull(fld[0][4], NULL, 10) * (size_t)w->s, &lo, &hi);
        edd_buf_printf(t, "| %s | %s | %s | %s | %s | %d | %s | %.2f | %.2f-%.2f | %.2f-%.2f |\n", fld[0][0],
                       fld[0][1], fld[0][2], fld[0][3], fld[0][4], w->s, fld[0][5], 100 * s.mean, 100 * s.lo,
                       100 * s.hi, 100 * lo, 100 * hi);
    }
    for (int k = 0; k < w->s; k++)
        if (f[k])
            fclose(f[k]);
    if (!st)
        edd_buf_printf(t, "\n");
    return st;
}

/* report.md of the summary. */
static edd_status write_report(seeds_run *w, repro *top)
{
    edd_buf t = {0};
    edd_buf_printf(&t, "# Extending Defensive Distillation: reproduction report, %d seeds\n\n"
                       "Papernot and McDaniel (2017), re-run on %s by `edd reproduce --scale %s --seeds %d`. Each seed "
                       "K is a whole pipeline in `seed-K/`, with its own report.md: every model, the attack targets "
                       "and the PGD starts are seeded from K (seed 1 is the single-seed run, bit for bit); the test "
                       "images are the same. Every rate below is the mean over the seeds, with two intervals: **t**, "
                       "95%% across seeds (Student t, %d degree%s of freedom: the spread of training runs, clipped to "
                       "0-100%%), and the "
                       "**pooled Wilson** interval over all attacked images of every seed (the spread of test images "
                       "alone). Where the two differ, the training run is what moves the result.\n\n",
                   w->s, repro_data_title(top), top->sc->name, w->s, w->s - 1, w->s > 2 ? "s" : "");
    repro_absent(&w->r[0], "Seed 1's folder", &t);
    edd_status st = repro_have(&w->r[0], "headline.csv") ? headline_table(w, &t) : EDD_OK;
    if (!st) {
        edd_buf_printf(&t, "## Which conclusions hold across seeds\n\nEach single-seed claim below is tested on its "
                           "per-seed difference: it holds across seeds when the difference's 95%% t interval excludes "
                           "zero on its side.\n\n");
        const size_t claims_at = t.len;
        for (size_t c = 0; c < sizeof claims / sizeof claims[0]; c++)
            claim_line(w, &t, &claims[c]);
        security_claims(w, &t);
        if (w->nbase[B_BASELINES] || w->nbase[B_ABLATION])
            edd_buf_printf(&t, "%sThe baselines' and the Eq. 3 ablation's conclusions are verdicts of rules "
                               "(docs/REPRODUCING.md, \"Baselines and the Eq. 3 ablation\"): each below is the "
                               "single-seed report's rule applied to each seed's CSV, and says whether its verdict "
                               "is the same in every seed.\n\n", t.len > claims_at ? "\n" : "");
        if (w->nbase[B_BASELINES])
            base_claims(w, &t);
        if (w->nbase[B_ABLATION])
            ablation_claims(w, &t);
        edd_buf_printf(&t, "\n");
    }
    if (!st && w->nsec) {
        edd_buf_printf(&t, "## Security curve across seeds\n\nRobust accuracy under the worst case per image "
                           "(docs/ATTACKS.md), %%.\n\n| model | eps | mean | 95%% across seeds (t) | pooled Wilson |\n"
                           "|---|---:|---:|---:|---:|\n");
        int idx[EDD_REPRO_MAX_POINTS * 4], nw = worst_case_rows(w, idx, (int)(sizeof idx / sizeof idx[0]));
        for (int j = 0; j < nw; j++) {
            const repro_sec_row *p = &w->sec[0][idx[j]];
            double lo, hi;
            seed_stat s = sec_stat(w, idx[j], &lo, &hi);
            edd_buf_printf(&t, "| %s | %g | %.1f | %.1f-%.1f | %.1f-%.1f |\n", p->model, p->eps, 100 * s.mean,
                           100 * s.lo, 100 * s.hi, 100 * lo, 100 * hi);
        }
        edd_buf_printf(&t, "\n![security curve across seeds](plots/security.png)\n\n");
    }
    for (int c = 0; !st && c < N_BASE; c++)
        if (w->nbase[c])
            base_table(w, c, c == B_BASELINES && base_plotted(w), &t);
    for (size_t f = 0; !st && f < N_FIGS; f++) {
        if (!w->nfig[f])
            continue;
        edd_buf_printf(&t, "## %s\n\n![%s across seeds](plots/%s.png)\n\n| source | target | variant | setting | "
                           "misclassified (%%) | 95%% across seeds (t) | pooled Wilson | recovered (%%) | detected (%%) "
                           "|\n|---|---|---|---:|---:|---:|---:|---:|---:|\n",
                       fig_csvs[f], w->fig[f][0][0].figure, w->fig[f][0][0].figure);
        for (int i = 0; i < w->nfig[f]; i++) {
            const repro_row *p = &w->fig[f][0][i];
            double lo, hi, l2, h2;
            seed_stat m = fig_stat(w, f, i, R_MIS, &lo, &hi), rec = fig_stat(w, f, i, R_REC, &l2, &h2),
                      det = fig_stat(w, f, i, R_DET, &l2, &h2);
            edd_buf_printf(&t, "| %s | %s | %s | %s=%g | %.1f | %.1f-%.1f | %.1f-%.1f | %.1f | %.1f |\n", p->source,
                           p->target, p->variant, p->setting, p->value, 100 * m.mean, 100 * m.lo, 100 * m.hi, 100 * lo,
                           100 * hi, 100 * rec.mean, 100 * det.mean);
        }
        edd_buf_printf(&t, "\n");
    }
    top->nout = 0;
    if (!st)
        st = repro_write_text(top, "report.md", &t);
    edd_buf_free(&t);
    return st;
}

/* The across-seed plots: per figure, the mean misclassified rate against
 * its setting with the t interval as error bars, one line per source,
 * target and variant; the security curve likewise. Seed 1's text cells,
 * which name the series, are checked first (repro_rows_check,
 * repro_sec_check: issue 24), and a plot is named by its CSV, not by them. */
static edd_status write_plots(seeds_run *w, repro *top)
{
    edd_status st = EDD_OK;
    for (size_t f = 0; !st && f < N_FIGS; f++) {
        if (!w->nfig[f])
            continue;
        char fig[16];
        snprintf(fig, sizeof fig, "%.*s", (int)strcspn(fig_csvs[f], "_"), fig_csvs[f]);
        st = repro_rows_check(&w->r[0], fig_csvs[f], fig, w->fig[f][0], w->nfig[f]);
        if (st)
            break;
        repro_band *b = calloc((size_t)w->nfig[f], sizeof *b);
        if (!b)
            return edd_fail(w->ctx, EDD_ERR_NOMEM, "seeds: out of memory for the plot of %s", fig_csvs[f]);
        for (int i = 0; i < w->nfig[f]; i++) {
            const repro_row *p = &w->fig[f][0][i];
            double lo, hi;
            seed_stat s = fig_stat(w, f, i, R_MIS, &lo, &hi);
            snprintf(b[i].series, sizeof b[i].series, "%s to %s, %s", p->source, p->target, p->variant);
            b[i].x = p->value;
            b[i].mean = s.mean, b[i].lo = s.lo, b[i].hi = s.hi;
        }
        char title[128];
        snprintf(title, sizeof title, "%s: misclassified, mean of %d seeds, 95%% t interval", fig, w->s);
        top->nout = 0;
        st = repro_plot_bands(top, fig, title, w->fig[f][0][0].setting, "misclassified", b, w->nfig[f]);
        free(b);
    }
    if (!st && w->nsec)
        st = repro_sec_check(&w->r[0], "security.csv", w->sec[0], w->nsec, 0);
    if (st || !w->nsec)
        return st;
    int idx[EDD_REPRO_MAX_POINTS * 4], n = worst_case_rows(w, idx, (int)(sizeof idx / sizeof idx[0]));
    repro_band b[EDD_REPRO_MAX_POINTS * 4];
    for (int j = 0; j < n; j++) {
        const repro_sec_row *p = &w->sec[0][idx[j]];
        double lo, hi;
        seed_stat s = sec_stat(w, idx[j], &lo, &hi);
        snprintf(b[j].series, sizeof b[j].series, "%s, worst case", p->model);
        b[j].x = p->eps;
        b[j].mean = s.mean, b[j].lo = s.lo, b[j].hi = s.hi;
    }
    char title[128];
    snprintf(title, sizeof title, "security curve: robust accuracy, mean of %d seeds, 95%% t interval", w->s);
    top->nout = 0;
    st = repro_plot_bands(top, "security", title, "eps", "robust accuracy", b, n);
    return st;
}

/* plots/baselines.png across seeds, where base_plotted: per model the
 * mean misclassified rate under PGD with the margin loss against eps, with
 * its t interval as error bars; at eps 0 the clean misclassified rate on
 * the images PGD attacks, as the single-seed plot (repro_plot_baselines). */
static edd_status base_plot(seeds_run *w, repro *top)
{
    const int c = B_BASELINES, n = w->nbase[c];
    if (!base_plotted(w))
        return EDD_OK;
    repro_band *b = calloc((size_t)n + REPRO_BASE_NMODELS, sizeof *b);
    if (!b)
        return edd_fail(w->ctx, EDD_ERR_NOMEM, "seeds: out of memory for the plot of %s", base_csvs[c]);
    int nb = 0;
    for (int m = 0; m < REPRO_BASE_NMODELS; m++)
        for (int i = 0, first = 1; i < n; i++) {
            const repro_base_row *p = &w->base[c][0][i];
            if (strcmp(p->model, repro_base_models[m]) || strcmp(p->attack, "pgd-margin"))
                continue;
            if (first) {
                double v[EDD_REPRO_MAX_SEEDS];
                for (int k = 0; k < w->s; k++)
                    v[k] = fmax(0.0, 1.0 - w->base[c][k][i].clean_accuracy - w->base[c][k][i].false_positives);
                seed_stat s0 = clip_rate(stat_t(v, w->s));
                snprintf(b[nb].series, sizeof b[nb].series, "%s", repro_base_labels[m]);
                b[nb].x = 0.0;
                b[nb].mean = s0.mean, b[nb].lo = s0.lo, b[nb].hi = s0.hi;
                nb++;
                first = 0;
            }
            double lo, hi;
            seed_stat s = base_stat(w, c, i, R_MIS, &lo, &hi);
            snprintf(b[nb].series, sizeof b[nb].series, "%s", repro_base_labels[m]);
            b[nb].x = p->value;
            b[nb].mean = s.mean, b[nb].lo = s.lo, b[nb].hi = s.hi;
            nb++;
        }
    char title[160];
    snprintf(title, sizeof title, "baselines: misclassified under PGD-margin, mean of %d seeds, 95%% t interval "
                                  "(eps 0: clean)", w->s);
    top->nout = 0;
    edd_status st = repro_plot_bands(top, "baselines", title, "L-inf eps", "misclassified", b, nb);
    free(b);
    return st;
}

edd_status edd_repro_seeds_summary(edd_ctx *ctx, const edd_repro_scale *sc, const edd_repro_opts *o, int s)
{
    if (s < 2 || s > EDD_REPRO_MAX_SEEDS)
        return edd_fail(ctx, EDD_ERR_ARG, "--seeds %d: expected 2..%d", s, EDD_REPRO_MAX_SEEDS);
    seeds_run *w = calloc(1, sizeof *w);
    if (!w)
        return edd_fail(ctx, EDD_ERR_NOMEM, "seeds: out of memory for the summary of %d seeds", s);
    w->ctx = ctx;
    w->s = s;
    edd_status st = EDD_OK;
    for (int k = 0; !st && k < s; k++) {
        st = edd_repro_seed_dir(ctx, o->out_dir, k + 1, w->dir[k]);
        w->o[k] = *o;
        w->o[k].out_dir = w->dir[k];
        w->r[k] = (repro){.ctx = ctx, .sc = sc, .o = &w->o[k]};
    }
    repro top = {.ctx = ctx, .sc = sc, .o = o};
    char plots[EDD_PATH_MAX];
    if (!st)
        st = repro_path(&top, "plots", plots);
    if (!st && mkdir(plots, 0777) && errno != EEXIST)
        st = edd_fail(ctx, EDD_ERR_IO, "%s: cannot create the folder (%s)", plots, strerror(errno));
    if (!st)
        st = seeds_load(w);
    if (!st)
        st = write_seeds_csv(w, &top);
    if (!st)
        st = write_report(w, &top);
    if (!st)
        st = write_plots(w, &top);
    if (!st)
        st = base_plot(w, &top);
    for (int k = 0; k < s; k++) {
        for (size_t f = 0; f < N_FIGS; f++)
            free(w->fig[f][k]);
        free(w->sec[k]);
        for (int c = 0; c < N_BASE; c++)
            free(w->base[c][k]);
    }
    free(w);
    return st;
}

edd_status edd_reproduce_seeds(edd_ctx *ctx, const edd_repro_scale *sc, const edd_repro_opts *o, int seeds,
                               edd_repro_log *logs)
{
    if (seeds < 2 || seeds > EDD_REPRO_MAX_SEEDS)
        return edd_fail(ctx, EDD_ERR_ARG, "--seeds %d: expected 2..%d", seeds, EDD_REPRO_MAX_SEEDS);
    if (!o->out_dir || !*o->out_dir)
        return edd_fail(ctx, EDD_ERR_ARG, "reproduce --seeds: out_dir '%s', expected a folder name",
                        o->out_dir ? o->out_dir : "(null)");
    edd_status st = EDD_OK;
    for (int k = 1; !st && k <= seeds; k++) {
        char dir[EDD_PATH_MAX];
        edd_repro_opts ok = *o;
        st = edd_repro_seed_dir(ctx, o->out_dir, k, dir);
        ok.out_dir = dir;
        ok.seed = k;
        if (!st && !o->quiet)
            fprintf(stderr, "reproduce: seed %d of %d, in %s\n", k, seeds, dir);
        if (!st)
            st = edd_reproduce(ctx, sc, &ok, logs ? &logs[k - 1] : NULL);
    }
    return st ? st : edd_repro_seeds_summary(ctx, sc, o, seeds);
}
