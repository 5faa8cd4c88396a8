/* repro.h - internal to src/experiments: the run state shared by the stage
 * functions, the figure CSV rows, and what each file of the module offers.
 *
 * Owns: nothing beyond src/experiments (not installed, not in edd.h).
 * May call: what src/experiments/experiments.h lists for the module.
 *
 * The files, each calling only those above it in this list:
 *   scale.c    the scales, attack names, the paper's numbers, scale tags
 *   out.c      paths in the results folder, atomic text outputs
 *   csv.c      the figure CSVs
 *   gnuplot.c  the CSV words and script check, gnuplot run (gnuplot.h)
 *   plot.c     the gnuplot scripts and PNGs of the figures
 *   plot_standard.c the security, baselines, standard-suite and logit-gap plots
 *   report.c   report.md (report_standard.c: its standard-suite section;
 *              report.h: the floors and the verdicts' rules of report*.c)
 *   harness.c  data, models and the attack-and-score step every stage uses
 *   security.c the worst case per image over the adaptive attacks
 *   baselines.c the five defenses and the Eq. 3 ablation under attack
 *   standard.c, standard_l2.c the standard suite's stages (standard.h)
 *   stages.c   the stage table (its bodies: stages.h, stages_*.c)
 *   manifest.c the stage manifests (edd_manifest_*, in experiments.h)
 *   select.c   the stages --only selects and the --force stage in them
 *   runner.c   edd_reproduce: manifests, skip or redo (folder.c: the folder)
 *   seeds.c    --seeds: S pipelines, then their summary (seeds.h, seeds_*.c)
 * and grid.c, grid_png.c, the digit grids (grid.h), which the attack
 * stages, plots and report call and which call out.c. */
#ifndef EDD_REPRO_H
#define EDD_REPRO_H

#include "edd/buf.h"
#include "edd/data.h"
#include "edd/eval.h"
#include "experiments.h"
#include "edd/nn.h"

#define REPRO_MAX_OUTPUTS 48

/* Dropout of every model the stages train (docs/DESIGN.md section 2). */
#define REPRO_P_INPUT 0.2f
#define REPRO_P_HIDDEN 0.5f

/* Seeds (docs/REPRODUCING.md). */
enum { SEED_BASELINE = 1, SEED_TEACHER = 2, SEED_DISTILLED = 3, SEED_SURR_U = 4, SEED_SURR_D_TEACHER = 5,
       SEED_SURR_D = 6, SEED_TARGETS = 7, SEED_PGD = 8, SEED_TEMP_TEACHER = 9, SEED_TEMP = 10, SEED_ADV = 11,
       SEED_ADV_DISTILLED = 12 };

/* T of the temperature-distilled baseline, teacher and student (Papernot
 * et al. 2016's MNIST setting; docs/DEFENSE.md). */
#define REPRO_TEMPERATURE 100.0f

/* The three attacks, their CSV names and the name of their setting. */
typedef enum { ATT_FGM, ATT_JSMA, ATT_CW, ATT_COUNT } att_kind;
extern const char *const repro_att_names[ATT_COUNT];    /* "fgm", "jsma", "cw" */
extern const char *const repro_att_settings[ATT_COUNT]; /* "eps", "gamma", "kappa" */

/* How an attack is run: the CSV's `variant` column. VAR_PAPER: as the paper
 * ran it (CW: AdaDelta, cw_iterations x cw_bsearch). VAR_ADAPTIVE: the
 * attacker who knows the defense (FGM: loss over the real classes; JSMA:
 * exact gradient). VAR_BUDGET: CW with Adam at lr REPRO_CW_BUDGET_LR,
 * cw_big_iterations x cw_big_bsearch. */
typedef enum { VAR_PAPER, VAR_ADAPTIVE, VAR_BUDGET, VAR_COUNT } repro_variant;
extern const char *const repro_variant_names[VAR_COUNT]; /* "paper", "adaptive", "budget" */
#define REPRO_CW_BUDGET_LR 1e-2f /* cleverhans' Adam rate for CW (include/edd/cw.h) */

/* A point drawn from fewer misclassified images than this is marked in the
 * plots (hollow) and the report: its mean L2 rests on too few examples. */
#define REPRO_FEW_MISCLASSIFIED 20

/* The settings a stage reads, by group: a stage's manifest records a hash
 * (repro_scale_tag) of its groups only, so that changing, say, the CW subset redoes the CW
 * figures and what reads them but keeps the trained models. G_TRAIN also
 * covers the data (edd_dataset_fingerprint). */
enum {
    G_TRAIN = 1,   /* training images, epochs, test images, the data */
    G_N = 2,       /* N of the distilled models */
    G_ALPHA = 4,   /* alpha of the distilled models */
    G_SIGMA = 8,   /* the sigma rows of the studies: their images and N list */
    G_STUDY = 16,  /* the studies' epochs, eps, FGM subset and alphas */
    G_FGM = 32,    /* each attack's subset and points */
    G_JSMA = 64,
    G_CW = 128,
    G_CW_BUDGET = 256, /* Fig. 2c's budget variant: its iterations and binary-search steps */
    G_SEC = 512,   /* the security curve: its images, eps, PGD steps and restarts */
    G_ADV = 1024,  /* the adversarial training of the adv and adv_distilled models: method, eps, steps */
    G_BASE = 2048, /* the baselines' and the Eq. 3 ablation's JSMA gammas */
    G_STD = 4096,  /* the standard suite: its images, eps, budgets and the convergence grid (std_*, conv_*) */
    G_ALL = 8191
};

typedef struct repro repro;
typedef struct repro_stage repro_stage;
typedef edd_status (*repro_stage_fn)(repro *r, const repro_stage *s);

/* A figure of attack points: source model -> the distilled model. A
 * white-box figure (source "distilled") also runs each variant on the
 * undefended baseline (source = target = "baseline"), for the curve the
 * plots draw dashed beside the defended one. */
typedef struct {
    att_kind attack;
    const char *source;
    repro_variant also; /* a variant beside VAR_PAPER, or VAR_PAPER for none */
} repro_fig_spec;

/* Bit i of a stage mask (a stage's deps, a selection): stage i. */
#define REPRO_BIT(i) ((uint64_t)1 << (i))

/* One row of the stage table (stages.c). */
struct repro_stage {
    const char *name;
    repro_stage_fn run;
    uint64_t deps; /* REPRO_BIT(i): depends on stage i */
    unsigned uses; /* the setting groups it reads (G_*), for its manifest's tag */
    repro_fig_spec fig;
    const char *what; /* for the progress line; no seed in it: a pipeline's seeds are repro_seed's (the report lists them) */
    uint64_t seed; /* the model stages that train from scratch */
    int part;      /* a part of a split stage: its number, 1..EDD_REPRO_SIGMA_PARTS for sigma's (the range of
                    * images it takes), 1..EDD_REPRO_STUDY_POINTS for a study's (the point of the scale's list),
                    * 1..REPRO_BASE_NMODELS for the baselines' (the model of repro_base_models);
                    * 0 for every other stage. The stage joining the parts reads each of them, and no other
                    * stage reads a part. */
};

/* One run of edd_reproduce: the scale, the options, the stage table, the
 * data (loaded on first use) and the outputs the running stage has
 * registered. */
struct repro {
    edd_ctx *ctx;
    const edd_repro_scale *sc;
    const edd_repro_opts *o;
    const repro_stage *stages;
    int nstages;
    edd_dataset train, test;
    int have_train, have_test;
    int nout;
    char out[REPRO_MAX_OUTPUTS][256]; /* relative to o->out_dir */
};

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
#define REPRO_SEC_HEADER "model,eps,attack,n,broken,only,robust_accuracy,lo,hi"
#define REPRO_BASE_HEADER \
    "model,attack,setting,value,n,clean_accuracy,false_positives,recovered,detected,misclassified,lo,hi"

/* ---- scale.c ---- */

/* The models of the baselines stage, in baselines.csv's order: undefended,
 * temperature distillation, extended distillation, adversarial training,
 * and adversarial training with extended distillation. */
#define REPRO_BASE_NMODELS 5
extern const char *const repro_base_models[REPRO_BASE_NMODELS];
extern const char *const repro_base_labels[REPRO_BASE_NMODELS]; /* how the plot and the report name them */

/* One model of the Eq. 3 ablation: the distilled model of the `distilled`
 * stage's recipe and seed, with another reading of the penalty. */
typedef struct {
    const char *model;   /* its file stem under models/ */
    const char *label;   /* how the report names it */
    edd_penalty penalty;
    float kappa;
} repro_ablation_model;

/* The ablation's models, in ablation.csv's order: penalty none, literal,
 * hinge at kappa 10, 40 (the distilled model itself) and 100. */
#define REPRO_ABLATION_NMODELS 5
extern const repro_ablation_model repro_ablation[REPRO_ABLATION_NMODELS];

/* A number the paper reports (Section 4.2), in percent as it prints it.
 * attack < 0: a clean-data metric; otherwise the undefended model's
 * misclassification under that attack at `setting`, our reading of an
 * unnamed setting (docs/REPRODUCING.md). */
typedef struct {
    const char *metric; /* "accuracy", "false_positives" or "misclassified" */
    const char *model;  /* "baseline" or "distilled" */
    int attack;         /* an att_kind, or -1 */
    double setting;
    const char *value;
} repro_paper_value;

/* The paper's numbers, in headline order: every one it reports, once. */
extern const repro_paper_value repro_paper[];
extern const int repro_paper_count;

/* The paper's value for attack a (its setting is the headline's). */
const repro_paper_value *repro_paper_attack(att_kind a);

/* The scale's name and the first 16 hex digits of a SHA-256 of the
 * settings in groups `uses` (and of the data's fingerprint data_sha, for
 * G_TRAIN), as "quick-1a2b3c4d5e6f7a8b". */
edd_status repro_scale_tag(edd_ctx *ctx, const edd_repro_scale *sc, const char *data_sha, unsigned uses, char *tag,
                           size_t n);

/* ---- out.c ---- */

/* 1 when stage i only summarises the others' outputs (plots, report):
 * selected with --only, it draws the outputs that exist and pulls in no
 * other stage. */
int repro_stage_summary(int i);

/* 1 when out_dir/rel exists: a summary stage draws the outputs present. */
int repro_have(const repro *r, const char *rel);

/* The seed of the pipeline's copy of base (a SEED_* constant): base for
 * the single-seed run and seed 1 of --seeds, base + 100 (K - 1) for seed
 * K, so that no two pipelines share a model, target or PGD seed. */
uint64_t repro_seed(const repro *r, uint64_t base);

/* 1 when the run is on MNIST, the paper's data (the only dataset with
 * the paper's numbers beside ours); 0 on Fashion-MNIST. */
int repro_on_mnist(const repro *r);

/* The run's dataset as the report names it: "MNIST" or "Fashion-MNIST". */
const char *repro_data_title(const repro *r);

/* out_dir/rel into path (EDD_PATH_MAX bytes); EDD_ERR_ARG if it does not fit. */
edd_status repro_path(const repro *r, const char *rel, char *path);

/* Register rel as an output of the running stage (for its manifest). */
edd_status repro_output(repro *r, const char *rel);

/* Write text atomically to out_dir/rel and register it; a text whose
 * building failed (t->err) is that error instead. */
edd_status repro_write_text(repro *r, const char *rel, const edd_buf *t);

/* One row of security.csv: the images of `n` that attack breaks (among
 * those the model classifies when clean), those only it breaks, and the
 * robust accuracy against it with its 95% Wilson interval. */
typedef struct {
    char model[32], attack[16];
    double eps;
    size_t n, broken, only;
    double robust, lo, hi;
} repro_sec_row;

/* One row of baselines.csv or ablation.csv (REPRO_BASE_HEADER): a model
 * under one attack at one setting (attack "clean": the clean test images),
 * the rates over its n images, and the 95% Wilson interval [lo, hi] of the
 * misclassified rate. */
typedef struct {
    char model[32], attack[16], setting[12];
    double value;
    size_t n;
    double clean_accuracy, false_positives, recovered, detected, misclassified, lo, hi;
} repro_base_row;

/* The Eq. 3 ablation's logit gaps (baselines.c writes them, the plots
 * and the report read them): per model of repro_ablation, the top-1 minus
 * the top-2 logit over all K outputs (the outlier's included, as JSMA's
 * saliency sees them), dropout off, on the first fgm_n test images (those
 * FGM attacks). logit_gap.csv: the histogram, REPRO_GAP_BINS equal bins
 * over [0, top] that every model shares, top the largest gap of the five
 * rounded up to a multiple of 4 (the last bin holds top); a bin is
 * [bin_lo, bin_hi). logit_gap_summary.csv: per model its images n, its
 * outputs K, and the median, 10th and 90th percentiles (linear
 * interpolation between order statistics, numpy's default) and mean. */
#define REPRO_GAP_HEADER "model,bin_lo,bin_hi,count"
#define REPRO_GAP_SUMMARY_HEADER "model,n,outputs,median,p10,p90,mean"
#define REPRO_GAP_BINS 40

/* One row of either CSV: its model and its numbers in header order
 * (v[0..3) for logit_gap.csv, v[0..6) for logit_gap_summary.csv). */
typedef struct {
    char model[32];
    double v[6];
} repro_gap_row;

/* ---- csv.c ---- */

/* Read out_dir/rel, a logit_gap.csv (summary 0) or logit_gap_summary.csv
 * (summary 1): every number finite, the counts (count; n and outputs)
 * whole and >= 0; *rows is malloc'd (caller frees). */
edd_status repro_gap_read(const repro *r, const char *rel, int summary, repro_gap_row **rows, int *n);

/* seeds.csv (seeds_stats.c): one row per figure point (or security.csv,
 * baselines.csv or ablation.csv row) and rate: the mean over the seeds,
 * the 95% t interval across seeds, and the pooled Wilson interval. */
#define REPRO_SEEDS_HEADER                                                                                     \
    "figure,source,target,attack,setting,value,variant,seeds,n,rate,mean,t_lo,t_hi,pooled_lo,pooled_hi"

/* Write rows as a CSV (REPRO_CSV_HEADER first) to out_dir/rel, registered. */
edd_status repro_rows_write(repro *r, const char *rel, const repro_row *rows, int n);

/* Read out_dir/rel, a security.csv; *rows is malloc'd (caller frees). */
edd_status repro_sec_read(const repro *r, const char *rel, repro_sec_row **rows, int *n);

/* Read out_dir/rel, a baselines.csv or ablation.csv; *rows is malloc'd
 * (caller frees). */
edd_status repro_base_read(const repro *r, const char *rel, repro_base_row **rows, int *n);

/* The row of rows[0..n) for model, attack and setting value (to 1e-6), or NULL. */
const repro_base_row *repro_base_find(const repro_base_row *rows, int n, const char *model, const char *attack,
                                      double value);

/* The Wilson score interval at 95% of a rate p over n images, as
 * fractions in [0, 1]. */
void repro_wilson(double p, size_t n, double *lo, double *hi);

/* Read out_dir/rel, a CSV written by repro_rows_write; *rows is malloc'd
 * (caller frees). */
edd_status repro_rows_read(const repro *r, const char *rel, repro_row **rows, int *n);

/* ---- plot.c ---- */

/* Draw fig (e.g. "fig2a") from out_dir/FIG*.csv with gnuplot into
 * out_dir/plots/FIG.png (the script beside it), both registered. */
edd_status repro_plot(repro *r, const char *fig, const char *csv_rel);

/* EDD_OK iff each text cell of rows[0..n) (out_dir/csv_rel) is a name edd
 * writes: figure fig, the sources, targets, attacks, settings, variants. */
edd_status repro_rows_check(const repro *r, const char *csv_rel, const char *fig, const repro_row *rows, int n);

/* One point of an across-seed plot: series name, x, and the mean with its
 * interval. */
typedef struct {
    char series[96];
    double x, mean, lo, hi;
} repro_band;

/* plots/NAME.png (and its .gp): one line with error bars per series of
 * b (n points, a series' points in x order), y in [0, 1]. */
edd_status repro_plot_bands(repro *r, const char *name, const char *title, const char *xlabel, const char *ylabel,
                            const repro_band *b, int n);

/* ---- plot_standard.c ---- */

/* Draw the security curve from security.csv into plots/security.png (the
 * script beside it), both registered: robust accuracy under the worst case
 * against eps, with intervals, for the baseline and the distilled model. */
edd_status repro_plot_security(repro *r);

/* Draw plots/baselines.png (the script beside it), both registered, from
 * baselines.csv: the misclassified rate under PGD with the margin loss
 * against eps, with Wilson intervals, for the five models. */
edd_status repro_plot_baselines(repro *r);

/* Draw plots/logit_gap.png (the script beside it), both registered, from
 * logit_gap.csv: the Eq. 3 ablation's top-1 minus top-2 logit gap, one
 * step histogram per model of repro_ablation. */
edd_status repro_plot_logit_gap(repro *r);

/* EDD_OK iff each model and attack of rows[0..n) (out_dir/rel) is a name
 * edd writes in security.csv (std 0) or standard.csv (std 1). */
edd_status repro_sec_check(const repro *r, const char *rel, const repro_sec_row *w, int n, int std);

/* ---- report.c ---- */

/* Write out_dir/report.md from the CSVs and the stage manifests. */
edd_status repro_report(repro *r);

/* The row of rows[0..n) scored on target, of that variant, at setting
 * value (to 1e-6), or NULL. */
const repro_row *repro_find_row(const repro_row *rows, int n, const char *target, const char *variant, double value);

/* The listing of the report's inputs (headline.csv, security.csv,
 * baselines.csv, ablation.csv, the figure CSVs) absent from r's folder,
 * as a sentence that begins with who (e.g. "This folder"); nothing when
 * every one is there. */
void repro_absent(const repro *r, const char *who, edd_buf *t);

/* The settings the baselines' and the ablation's tables and rules read:
 * the scale's largest FGM eps, and its baseline JSMA gamma (the paper's
 * 0.1 when base_gamma has it, else the largest). */
double repro_base_eps(const edd_repro_scale *sc);
double repro_base_gamma(const edd_repro_scale *sc);

/* report.md's sections "Baselines" and "Eq. 3 ablation" from baselines.csv
 * and ablation.csv, appended to t (report_baselines.c). */
edd_status repro_report_baselines(repro *r, edd_buf *t);
edd_status repro_report_ablation(repro *r, edd_buf *t);

/* report.md's sections "Does the defense hold?" (security.csv) and
 * "Gradient-masking diagnostics", appended to t (report_security.c). */
edd_status repro_report_security(repro *r, edd_buf *t);
edd_status repro_report_masking(repro *r, edd_buf *t);

/* report.md's figure sections (report_figures.c): the table of one figure
 * CSV under title, Fig. 2c's CW cliff, and the adaptive attacker's glance. */
edd_status repro_report_figure(repro *r, edd_buf *t, const char *csv, const char *title);
edd_status repro_report_cw_cliff(repro *r, edd_buf *t);
edd_status repro_report_adaptive(repro *r, edd_buf *t);

/* ---- harness.c ---- */

/* Load the training (train = 1) or test images once per run. */
edd_status repro_need_data(repro *r, int train);

/* Load models/STEM.edd from the results folder. */
edd_status repro_load_model(repro *r, const char *stem, edd_cnn *m);

/* The seeds below are SEED_* bases: each function seeds from
 * repro_seed(r, base), the pipeline's copy. */

/* Save m as models/STEM.edd and its test-set evaluation as models/STEM.json. */
edd_status repro_save_model(repro *r, const char *stem, const edd_cnn *m, uint64_t seed, size_t train_n, int epochs);

/* An undefended K=10 model (cleverhans model_mnist, dropout on) trained on
 * the training images. */
edd_status repro_train_plain(repro *r, uint64_t seed, edd_cnn *m);

/* The distilled model (K=11) on the first n training images, labelled by
 * Eq. 2 from the teacher's sigma (n floats) and trained with the Eq. 3
 * penalty of pen (its reading and kappa; NULL: edd_distill's, the hinge at
 * kappa 40) and edd_distill's gamma: edd_distill without the uncertainty
 * passes. */
edd_status repro_distill_from_sigma(repro *r, const float *sigma, size_t n, float alpha, int epochs, uint64_t seed,
                                    const repro_ablation_model *pen, edd_cnn *out);

/* Attack the first n test images on src at setting value, run as variant v,
 * and score the adversarial examples on tgt. */
edd_status repro_attack(repro *r, att_kind a, float value, repro_variant v, const edd_cnn *src, const edd_cnn *tgt,
                        size_t n, edd_attack_scores *s);

/* repro_attack, and (keep not NULL) the first min(n, nkeep) adversarial
 * images into keep (784 floats each): what a digit grid (grid.h) shows. */
edd_status repro_attack_keep(repro *r, att_kind a, float value, repro_variant v, const edd_cnn *src,
                             const edd_cnn *tgt, size_t n, edd_attack_scores *s, float *keep, size_t nkeep);

/* White-box untargeted FGM (pgd 0) or PGD (pgd 1: the scale's steps and
 * restarts, early stop, seed SEED_PGD) on m at L-inf eps with loss, on the
 * first n test images, scored on m. */
edd_status repro_grad_attack(repro *r, const edd_cnn *m, int pgd, edd_attack_loss loss, float eps, size_t n,
                             edd_attack_scores *s);

/* The CSV row of one attack point. */
void repro_fill_row(repro_row *w, const char *fig, const char *src, const char *tgt, att_kind a, const char *setting,
                    double value, repro_variant v, const edd_attack_scores *s);

/* ---- security.c ---- */

/* The security curve's attacks, in security.csv's order: FGM and PGD with
 * each loss, then PGD transferred from U and from D. */
#define REPRO_SEC_NATTACKS 8
extern const char *const repro_sec_names[REPRO_SEC_NATTACKS];

/* Random corners of the eps-ball the "noise" diagnostic tries per image. */
#define REPRO_SEC_NOISE 20

/* The "security" stage: the worst case per image over that suite, for the
 * baseline and the distilled model at each eps of the scale; writes
 * security.csv (REPRO_SEC_HEADER). */
edd_status repro_st_security(repro *r, const repro_stage *s);

/* ---- baselines.c ---- */

/* A "baselines_K" stage: model K (s->part) of repro_base_models under
 * white-box FGM with both losses at each eps, JSMA (cleverhans' float32
 * Jacobian) at each base_gamma, CW-L2 at kappa 0 with the paper's budget,
 * and PGD with the margin loss at each eps; writes its REPRO_BASE_HEADER
 * rows, without the header, to points/baselines_K.csv. */
edd_status repro_st_baselines_part(repro *r, const repro_stage *s);

/* The "baselines" stage: the parts' rows in model order under the header;
 * writes baselines.csv. A part whose rows are not its model's is refused. */
edd_status repro_st_baselines(repro *r, const repro_stage *s);

/* The "ablation_attacks" stage: the REPRO_ABLATION_NMODELS models under FGM
 * (the paper's loss) and PGD with the margin loss at each eps and JSMA
 * (cleverhans' and the exact gradient) at each base_gamma; writes
 * ablation.csv (REPRO_BASE_HEADER), then each model's logit gaps on the
 * first fgm_n test images: logit_gap.csv and logit_gap_summary.csv
 * (REPRO_GAP_HEADER, REPRO_GAP_SUMMARY_HEADER). */
edd_status repro_st_ablation_attacks(repro *r, const repro_stage *s);

/* ---- stages.c ---- */

/* The stage table, in run order (edd_repro_stage_count rows). */
extern const repro_stage repro_stages[];

/* 1 when stage i is a part of a split stage (repro_stage.part) that does
 * work at scale sc: every part of sigma, and point K of Fig. 2d or 2e when
 * the scale's alpha or N list has K points; 0 for a point past the list
 * (it writes nothing) and for every stage that is no part. */
int repro_part_works(const edd_repro_scale *sc, int i);

#endif
