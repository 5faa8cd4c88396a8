/* seeds_stats.c - the statistics of `edd reproduce --seeds` (seeds.h):
 * per point and rate the mean over the seeds, the 95% t interval across
 * seeds and the pooled Wilson interval of all attacked images, and
 * seeds.csv, one row per point and rate. Owns the tables of the rates and
 * of the CSVs a seed folder may hold. May call repro.h. */
#include "seeds.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* t(0.975, df) for df = 1..30; above, t ~ z + (z^3 + z) / (4 df). */
static double t975(int df)
{
    static const double t[31] = {0,     12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                                 2.201, 2.179,  2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080,
                                 2.074, 2.069,  2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
    return df <= 30 ? t[df] : 1.959964 + 2.3704 / df;
}

/* The mean of v[0..s-1] and its 95% t interval across seeds (s >= 2). */
seed_stat seeds_stat_t(const double *v, int s)
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

/* The rates' names in seeds.csv's `rate` column, and in the report. */
static const char *const rate_names[R_COUNT] = {"misclassified", "recovered", "detected", "clean_accuracy",
                                                "false_positives"};
const char *const seeds_rate_words[R_COUNT] = {"misclassified", "recovered", "detected", "clean accuracy",
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
const char *const seeds_fig_csvs[N_FIGS] = {"fig2a_fgm.csv",  "fig2b_jsma.csv", "fig2c_cw.csv",   "fig2d_alpha.csv",
                                            "fig2e_passes.csv", "fig3a_fgm.csv", "fig3b_fgm.csv", "fig3c_jsma.csv",
                                            "fig3d_jsma.csv",   "fig3e_cw.csv",   "fig3f_cw.csv"};

/* The CSVs of REPRO_BASE_HEADER rows a seed folder may hold, and the
 * `figure` column of their rows in seeds.csv. */
const char *const seeds_base_csvs[N_BASE] = {"baselines.csv", "ablation.csv"};
static const char *const base_figs[N_BASE] = {"baselines", "ablation"};

/* The rate of a baselines.csv or ablation.csv row, as rate_of's. */
static double base_rate_of(const repro_base_row *w, int rate)
{
    return rate_pick(rate, w->misclassified, w->recovered, w->detected, w->clean_accuracy, w->false_positives);
}

seed_stat seeds_clip_rate(seed_stat s)
{
    s.lo = fmax(0.0, s.lo);
    s.hi = fmin(1.0, s.hi);
    return s;
}

/* The t statistics of the s seeds' rates v, clipped to [0, 1], and the
 * pooled Wilson interval of their mean over s x n images. */
static seed_stat rate_stat(const double *v, int s, size_t n, double *wlo, double *whi)
{
    seed_stat t = seeds_clip_rate(seeds_stat_t(v, s));
    repro_wilson(fmin(1.0, fmax(0.0, t.mean)), n * (size_t)s, wlo, whi);
    return t;
}

/* The across-seed statistics of figure f's row i for rate, its t interval
 * clipped to [0, 1] (and the pooled Wilson interval, over s n images). */
seed_stat seeds_fig_stat(const seeds_run *w, size_t f, int i, int rate, double *wlo, double *whi)
{
    double v[EDD_REPRO_MAX_SEEDS];
    for (int k = 0; k < w->s; k++)
        v[k] = rate_of(&w->fig[f][k][i], rate);
    return rate_stat(v, w->s, w->fig[f][0][i].n, wlo, whi);
}

seed_stat seeds_sec_stat(const seeds_run *w, int i, double *wlo, double *whi)
{
    double v[EDD_REPRO_MAX_SEEDS];
    for (int k = 0; k < w->s; k++)
        v[k] = w->sec[k][i].robust;
    seed_stat t = seeds_clip_rate(seeds_stat_t(v, w->s));
    repro_wilson(fmin(1.0, fmax(0.0, t.mean)), w->sec[0][i].n * (size_t)w->s, wlo, whi);
    return t;
}

/* The across-seed statistics of row i of seeds_base_csvs[c] for rate, as
 * seeds_fig_stat's. */
seed_stat seeds_base_stat(const seeds_run *w, int c, int i, int rate, double *wlo, double *whi)
{
    double v[EDD_REPRO_MAX_SEEDS];
    for (int k = 0; k < w->s; k++)
        v[k] = base_rate_of(&w->base[c][k][i], rate);
    return rate_stat(v, w->s, w->base[c][0][i].n, wlo, whi);
}

/* The indices (at most max) of seed 1's security.csv rows of the worst
 * case, every model and eps; their number. */
int seeds_worst_case_rows(const seeds_run *w, int *idx, int max)
{
    int n = 0;
    for (int i = 0; i < w->nsec && n < max; i++)
        if (!strcmp(w->sec[0][i].attack, "worst-case"))
            idx[n++] = i;
    return n;
}

/* seeds.csv: one row per point and rate. */
edd_status seeds_write_csv(seeds_run *w, repro *top)
{
    edd_buf t = {0};
    edd_buf_printf(&t, "%s\n", REPRO_SEEDS_HEADER);
    for (size_t f = 0; f < N_FIGS; f++)
        for (int i = 0; i < w->nfig[f]; i++) {
            const repro_row *p = &w->fig[f][0][i];
            for (int rate = 0; rate < R_COUNT; rate++) {
                double lo, hi;
                seed_stat s = seeds_fig_stat(w, f, i, rate, &lo, &hi);
                edd_buf_printf(&t, "%s,%s,%s,%s,%s,%g,%s,%d,%zu,%s,%.6f,%.6f,%.6f,%.6f,%.6f\n", p->figure, p->source,
                               p->target, p->attack, p->setting, p->value, p->variant, w->s, p->n, rate_names[rate],
                               s.mean, s.lo, s.hi, lo, hi);
            }
        }
    for (int i = 0; i < w->nsec; i++) {
        const repro_sec_row *p = &w->sec[0][i];
        double lo, hi;
        seed_stat s = seeds_sec_stat(w, i, &lo, &hi);
        edd_buf_printf(&t, "security,%s,%s,%s,eps,%g,-,%d,%zu,robust_accuracy,%.6f,%.6f,%.6f,%.6f,%.6f\n", p->model,
                       p->model, p->attack, p->eps, w->s, p->n, s.mean, s.lo, s.hi, lo, hi);
    }
    for (int c = 0; c < N_BASE; c++)
        for (int i = 0; i < w->nbase[c]; i++) {
            const repro_base_row *p = &w->base[c][0][i];
            for (int rate = 0; rate < R_COUNT; rate++) {
                double lo, hi;
                seed_stat s = seeds_base_stat(w, c, i, rate, &lo, &hi);
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

/* Whether the summary draws plots/baselines.png: where seed 1 has the
 * single-seed one. */
int seeds_base_plotted(const seeds_run *w)
{
    return w->nbase[B_BASELINES] && repro_have(&w->r[0], "plots/baselines.png");
}
