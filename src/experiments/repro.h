/* repro.h - internal to src/experiments: the run state shared by the stage
 * functions, the figure CSV rows, and the plot and report writers.
 *
 * Owns: nothing beyond src/experiments (not installed, not in edd.h).
 * May call: what include/edd/experiments.h lists for the module. */
#ifndef EDD_REPRO_H
#define EDD_REPRO_H

#include "edd/data.h"
#include "edd/experiments.h"

#define REPRO_MAX_OUTPUTS 24

/* Dropout of every model the stages train (docs/DESIGN.md section 2). */
#define REPRO_P_INPUT 0.2f
#define REPRO_P_HIDDEN 0.5f

/* One run of edd_reproduce: the scale, the options, the data (loaded on
 * first use) and the outputs the running stage has registered. */
typedef struct {
    edd_ctx *ctx;
    const edd_repro_scale *sc;
    const edd_repro_opts *o;
    edd_dataset train, test;
    int have_train, have_test;
    int nout;
    char out[REPRO_MAX_OUTPUTS][256]; /* relative to o->out_dir */
} repro;

/* One point of a figure: one CSV row. */
typedef struct {
    char figure[16], source[32], target[32], attack[8], setting[12], variant[12];
    double value;
    size_t n;
    double recovered, detected, misclassified, mean_l2, source_success, clean_accuracy, false_positives;
} repro_row;

#define REPRO_CSV_HEADER                                                                                     \
    "figure,source,target,attack,setting,value,variant,n,recovered,detected,misclassified,mean_l2,source_success," \
    "clean_accuracy,false_positives"
#define REPRO_HEADLINE_HEADER "metric,model,attack,setting,n,paper,ours"

/* out_dir/rel into buf (n bytes). */
const char *repro_path(const repro *r, const char *rel, char *buf, size_t n);

/* Register rel as an output of the running stage (for its manifest). */
edd_status repro_output(repro *r, const char *rel);

/* Write text atomically to out_dir/rel and register it. */
edd_status repro_write_text(repro *r, const char *rel, const char *text, size_t len);

/* Write rows as a CSV (REPRO_CSV_HEADER first) to out_dir/rel, registered. */
edd_status repro_rows_write(repro *r, const char *rel, const repro_row *rows, int n);

/* Read a CSV written by repro_rows_write; *rows is malloc'd (caller frees). */
edd_status repro_rows_read(edd_ctx *ctx, const char *path, repro_row **rows, int *n);

/* Draw fig (e.g. "fig2a") from out_dir/FIG*.csv with gnuplot into
 * out_dir/plots/FIG.png (the script beside it), both registered. */
edd_status repro_plot(repro *r, const char *fig, const char *csv_rel);

/* Write out_dir/report.md from the CSVs and the stage manifests. */
edd_status repro_report(repro *r);

#endif
