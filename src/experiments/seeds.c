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
#include "seeds.h"
#include "repro_parallel.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

/* Load every seed's rows of seeds_base_csvs[c]; the seeds must hold the same
 * points (model, attack, setting, n) in the same order. */
static edd_status base_load(seeds_run *w, int c)
{
    edd_status st = EDD_OK;
    for (int k = 0; !st && k < w->s; k++) {
        int n = 0;
        st = repro_base_read(&w->r[k], seeds_base_csvs[c], &w->base[c][k], &n);
        if (!st && k == 0)
            w->nbase[c] = n;
        if (!st && n != w->nbase[c])
            st = edd_fail(w->ctx, EDD_ERR_FORMAT, "%s/%s: %d rows, expected %d as in seed 1's", w->dir[k],
                          seeds_base_csvs[c], n, w->nbase[c]);
        for (int i = 0; !st && k > 0 && i < n; i++) {
            const repro_base_row *a = &w->base[c][k][i], *b = &w->base[c][0][i];
            if (strcmp(a->model, b->model) || strcmp(a->attack, b->attack) || strcmp(a->setting, b->setting) ||
                a->value != b->value || a->n != b->n)
                st = edd_fail(w->ctx, EDD_ERR_FORMAT, "%s/%s row %d: not seed 1's point (%s %s %s=%g, n %zu)",
                              w->dir[k], seeds_base_csvs[c], i + 1, b->model, b->attack, b->setting, b->value, b->n);
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
        if (!repro_have(&w->r[0], seeds_fig_csvs[f]))
            continue;
        for (int k = 0; !st && k < w->s; k++) {
            int n = 0;
            st = repro_rows_read(&w->r[k], seeds_fig_csvs[f], &w->fig[f][k], &n);
            if (!st && k == 0)
                w->nfig[f] = n;
            if (!st && n != w->nfig[f])
                st = edd_fail(w->ctx, EDD_ERR_FORMAT, "%s/%s: %d rows, expected %d as in seed 1's", w->dir[k],
                              seeds_fig_csvs[f], n, w->nfig[f]);
            for (int i = 0; !st && k > 0 && i < n; i++)
                if (!same_point(&w->fig[f][k][i], &w->fig[f][0][i]))
                    st = edd_fail(w->ctx, EDD_ERR_FORMAT, "%s/%s row %d: not seed 1's point (%s %s %s=%g %s)",
                                  w->dir[k], seeds_fig_csvs[f], i + 1, w->fig[f][0][i].target, w->fig[f][0][i].attack,
                                  w->fig[f][0][i].setting, w->fig[f][0][i].value, w->fig[f][0][i].variant);
        }
    }
    for (int c = 0; !st && c < N_BASE; c++)
        if (repro_have(&w->r[0], seeds_base_csvs[c]))
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
        st = seeds_write_csv(w, &top);
    if (!st)
        st = seeds_write_plots(w, &top);
    if (!st)
        st = seeds_base_plot(w, &top);
    if (!st)
        st = seeds_write_report(w, &top); /* last: it names the plots drawn */
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

edd_status edd_reproduce_seeds_over(edd_ctx *ctx, const edd_repro_scale *sc, const edd_repro_opts *o, int seeds,
                                    const edd_repro_transport *t, edd_repro_log *logs)
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
        edd_repro_log *log = logs ? &logs[k - 1] : NULL;
        if (!st && t && t->pipeline)
            t->pipeline(t->user, k);
        if (!st)
            st = t ? edd_reproduce_spread(ctx, sc, &ok, t, log) : edd_reproduce(ctx, sc, &ok, log);
    }
    return st ? st : edd_repro_seeds_summary(ctx, sc, o, seeds);
}

edd_status edd_reproduce_seeds(edd_ctx *ctx, const edd_repro_scale *sc, const edd_repro_opts *o, int seeds,
                               edd_repro_log *logs)
{
    return edd_reproduce_seeds_over(ctx, sc, o, seeds, NULL, logs);
}
