/* seeds_plot.c - the plots of `edd reproduce --seeds` (seeds.h), in
 * plots/: per figure and for the security curve the mean across seeds with
 * its t interval as error bars, and plots/baselines.png. May call
 * seeds_stats.c (through seeds.h) and repro.h's repro_plot_bands. */
#include "seeds.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The across-seed plots: per figure, the mean misclassified rate against
 * its setting with the t interval as error bars, one line per source,
 * target and variant; the security curve likewise. Seed 1's text cells,
 * which name the series, are checked first (repro_rows_check,
 * repro_sec_check: issue 24), and a plot is named by its CSV, not by them. */
edd_status seeds_write_plots(seeds_run *w, repro *top)
{
    edd_status st = EDD_OK;
    for (size_t f = 0; !st && f < N_FIGS; f++) {
        if (!w->nfig[f])
            continue;
        char fig[16];
        snprintf(fig, sizeof fig, "%.*s", (int)strcspn(seeds_fig_csvs[f], "_"), seeds_fig_csvs[f]);
        st = repro_rows_check(&w->r[0], seeds_fig_csvs[f], fig, w->fig[f][0], w->nfig[f]);
        if (st)
            break;
        repro_band *b = calloc((size_t)w->nfig[f], sizeof *b);
        if (!b)
            return edd_fail(w->ctx, EDD_ERR_NOMEM, "seeds: out of memory for the plot of %s", seeds_fig_csvs[f]);
        for (int i = 0; i < w->nfig[f]; i++) {
            const repro_row *p = &w->fig[f][0][i];
            double lo, hi;
            seed_stat s = seeds_fig_stat(w, f, i, R_MIS, &lo, &hi);
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
    int idx[EDD_REPRO_MAX_POINTS * 4], n = seeds_worst_case_rows(w, idx, (int)(sizeof idx / sizeof idx[0]));
    repro_band b[EDD_REPRO_MAX_POINTS * 4];
    for (int j = 0; j < n; j++) {
        const repro_sec_row *p = &w->sec[0][idx[j]];
        double lo, hi;
        seed_stat s = seeds_sec_stat(w, idx[j], &lo, &hi);
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

/* plots/baselines.png across seeds, where seeds_base_plotted: per model the
 * mean misclassified rate under PGD with the margin loss against eps, with
 * its t interval as error bars; at eps 0 the clean misclassified rate on
 * the images PGD attacks, as the single-seed plot (repro_plot_baselines). */
edd_status seeds_base_plot(seeds_run *w, repro *top)
{
    const int c = B_BASELINES, n = w->nbase[c];
    if (!seeds_base_plotted(w))
        return EDD_OK;
    repro_band *b = calloc((size_t)n + REPRO_BASE_NMODELS, sizeof *b);
    if (!b)
        return edd_fail(w->ctx, EDD_ERR_NOMEM, "seeds: out of memory for the plot of %s", seeds_base_csvs[c]);
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
                seed_stat s0 = seeds_clip_rate(seeds_stat_t(v, w->s));
                snprintf(b[nb].series, sizeof b[nb].series, "%s", repro_base_labels[m]);
                b[nb].x = 0.0;
                b[nb].mean = s0.mean, b[nb].lo = s0.lo, b[nb].hi = s0.hi;
                nb++;
                first = 0;
            }
            double lo, hi;
            seed_stat s = seeds_base_stat(w, c, i, R_MIS, &lo, &hi);
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
