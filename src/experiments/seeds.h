/* seeds.h - private to `edd reproduce --seeds` (seeds.c, seeds_stats.c,
 * seeds_report.c, seeds_plot.c): what the summary reads (seeds_run: every
 * seed's run state and rows), the rates it carries, and the functions the
 * four files share. seeds.c loads the rows and runs the summary;
 * seeds_stats.c owns the statistics and seeds.csv; seeds_report.c the
 * summary's report.md; seeds_plot.c its plots/. They may call repro.h
 * (the results folder, its CSVs, the plots) and edd/io.h. */
#ifndef EDD_SEEDS_H
#define EDD_SEEDS_H

#include "repro.h"

/* A mean over the seeds and its 95% t interval. */
typedef struct {
    double mean, lo, hi;
} seed_stat;

/* The rates of a figure row that the summary carries across seeds. */
enum { R_MIS, R_REC, R_DET, R_ACC, R_FP, R_COUNT };
/* How the report's tables name them. */
extern const char *const seeds_rate_words[R_COUNT];

/* The figure CSVs a seed folder may hold, in report order. */
#define N_FIGS 11
extern const char *const seeds_fig_csvs[N_FIGS];

/* The CSVs of REPRO_BASE_HEADER rows a seed folder may hold. */
enum { B_BASELINES, B_ABLATION, N_BASE };
extern const char *const seeds_base_csvs[N_BASE];

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

/* The mean of v[0..s-1] and its 95% t interval across seeds (s >= 2). */
seed_stat seeds_stat_t(const double *v, int s);
/* A rate's t interval, clipped to [0, 1] where a rate lives. */
seed_stat seeds_clip_rate(seed_stat s);
/* The across-seed statistics of figure f's row i for rate (R_*), its t
 * interval clipped to [0, 1], and the pooled Wilson interval over s n
 * images in *wlo, *whi. */
seed_stat seeds_fig_stat(const seeds_run *w, size_t f, int i, int rate, double *wlo, double *whi);
/* The same for the robust accuracy of security.csv's row i. */
seed_stat seeds_sec_stat(const seeds_run *w, int i, double *wlo, double *whi);
/* The same for row i of seeds_base_csvs[c]. */
seed_stat seeds_base_stat(const seeds_run *w, int c, int i, int rate, double *wlo, double *whi);
/* The indices (at most max) of seed 1's security.csv rows of the worst
 * case, every model and eps; their number. */
int seeds_worst_case_rows(const seeds_run *w, int *idx, int max);
/* Whether the summary draws plots/baselines.png: where seed 1 has the
 * single-seed one. */
int seeds_base_plotted(const seeds_run *w);

/* seeds.csv (seeds_stats.c), report.md (seeds_report.c), the plots of the
 * figures and the security curve and plots/baselines.png (seeds_plot.c),
 * each in top's folder. */
edd_status seeds_write_csv(seeds_run *w, repro *top);
edd_status seeds_write_report(seeds_run *w, repro *top);
edd_status seeds_write_plots(seeds_run *w, repro *top);
edd_status seeds_base_plot(seeds_run *w, repro *top);

#endif
