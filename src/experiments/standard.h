/* standard.h - internal to src/experiments: the standard suite's stages
 * (issue 23: standard.c, standard_l2.c, standard_blocks.c), their CSVs, and what the plots
 * (plot_standard.c) and the report (report_standard.c) read of them.
 *
 * Owns: nothing beyond src/experiments (not installed).
 * May call: what repro.h offers, and edd/suite.h, edd/cw.h, edd/attacks.h.
 *
 * Every model of repro_base_models is attacked on the same images: the
 * first std_n / 2 and the last std_n - std_n / 2 of the whole test set. An
 * image is broken at a radius when some attack found a point within it that
 * the model misclassifies (a real class other than the label; a detection
 * as the outlier class counts for the defense), re-scored here by a forward
 * pass. The rows of one model, norm and eps are cumulative, in this order:
 *   clean        the images the model gets wrong when clean (broken), so
 *                that robust_accuracy is the clean accuracy
 *   smaller-eps  (L-inf) the images a point found at a smaller eps breaks
 *   min-norm     (L2) the images whose smallest L2 found before this eps's
 *                attacks (FMN and CW on every image, PGD-L2 and the suite
 *                at smaller eps) is within eps
 *   pgd-margin, pgd-real, pgd-all (L2) PGD-L2 at eps with that loss
 *   apgd-ce, apgd-t, fmn, square  the suite (edd_suite_run) at eps, in its
 *                order, on the images every row above left robust
 *   larger-eps   the images a point found at a larger eps breaks within eps
 *   worst-case   all of them: the robust accuracy against everything
 * `broken` counts the images broken by the row and every row above it,
 * `only` those the row adds, robust_accuracy = (clean-correct - broken) / n
 * with its 95% Wilson interval [lo, hi]. */
#ifndef EDD_STANDARD_H
#define EDD_STANDARD_H

#include "repro.h"

#define REPRO_STD_HEADER "model,norm,eps,attack,n,broken,only,robust_accuracy,lo,hi"
#define REPRO_MINL2_HEADER "model,image,min_l2,attack"
#define REPRO_MINL2_SUMMARY_HEADER "model,n,broken,median,lo,hi"
#define REPRO_CONV_HEADER "model,eps,steps,restarts,n,robust,robust_accuracy,lo,hi"

/* The bootstrap of the median minimal L2: resamples and the 95% interval. */
#define REPRO_BOOTSTRAP 1000

/* The L-inf eps of the convergence check (APGD-CE on the distilled model). */
#define REPRO_CONV_EPS 0.1f

/* Where a point of the standard stages comes from: the suite's attacks
 * (edd_suite_attack order), PGD-L2 with each loss, and the minimal-L2
 * pass's FMN and CW on every image. */
typedef enum {
    STD_APGD_CE, STD_APGD_T, STD_FMN, STD_SQUARE,
    STD_PGD_MARGIN, STD_PGD_REAL, STD_PGD_ALL,
    STD_FMN_MIN, STD_CW_MIN, STD_NSOURCES
} std_source;
extern const char *const repro_std_sources[STD_NSOURCES];

/* The images one model is attacked on, packed, and how it does on them
 * when clean. */
typedef struct {
    repro *r;
    const edd_cnn *m;
    const char *model;
    size_t n;
    float *x;       /* n x 784 */
    uint8_t *y;     /* labels */
    size_t *index;  /* test-set index of each */
    uint8_t *correct; /* 1: classified correctly when clean */
    size_t ncorrect;
} std_images;

/* The points found for one norm: per eps k of its list and image i, the
 * norm of the point found at eps k (INFINITY: none) and its std_source
 * (-1: none); pre[i]: the norm found by the pass that runs at no eps (L2:
 * FMN and CW; L-inf: none), pre_src its source; best[i], the smallest of
 * all so far. */
typedef struct {
    int ord, neps;
    const float *eps;
    float *pre, *best, *norm; /* norm: [neps][n] */
    int8_t *pre_src, *src;    /* src: [neps][n] */
} std_finds;

/* Allocate f for si's images (every norm INFINITY, every source -1); 0 on
 * success. std_finds_free releases it. */
int std_finds_alloc(std_finds *f, size_t n, int ord, int neps, const float *eps);
void std_finds_free(std_finds *f);

/* Record a point of norm d from source src found at eps k on image i. */
void std_finds_add(std_finds *f, size_t n, int k, size_t i, double d, int src);

/* The distance of a to x in norm ord (0: L-inf, 2: L2). */
double std_dist(int ord, const float *a, const float *x);

/* The suite at eps k of f on si's images still robust there (classified
 * correctly when clean, no point found within eps), their points recorded
 * into f. */
edd_status std_suite_at(const std_images *si, std_finds *f, int k);

/* The rows of f (the order of the top of this file) into t, each led by
 * si's model and the norm. */
void std_rows(edd_buf *t, const std_images *si, const std_finds *f);

/* The suite at each L-inf eps of f, in ascending order, on si's images
 * still robust there; the points into f. */
edd_status std_linf_find(const std_images *si, std_finds *f);

/* The minimal-L2 pass on si's images (standard_l2.c): FMN-L2 and the
 * untargeted CW-L2 on every image, then at each L2 eps of f PGD-L2 and the
 * suite; the points into f. */
edd_status std_l2_find(const std_images *si, std_finds *f);

/* The L2 rows of f (std_rows) into rows, its points/min_l2_K.csv lines
 * (without header) into min_rows and its min_l2_summary line into summary. */
edd_status std_l2_results(const std_images *si, const std_finds *f, edd_buf *rows, edd_buf *min_rows,
                          edd_buf *summary);

/* The convergence grid on si's images (standard_l2.c): APGD-CE at
 * REPRO_CONV_EPS with each steps a x restarts b of the scale; the images
 * left robust into robust[a * n_conv_restarts + b]. */
edd_status std_convergence_count(const std_images *si, size_t *robust);

/* The grid's REPRO_CONV_HEADER rows (without header) of si's model, from
 * the robust counts over si's images, into t. */
void std_convergence_rows(const std_images *si, const size_t *robust, edd_buf *t);

/* ---- standard_blocks.c ---- */

/* si's images in the scale's std_blocks blocks: for each, the points of
 * both norms (std_linf_find, std_l2_find) and (conv not NULL) the
 * convergence counts, on the block's images alone, put into linf, l2 (both
 * allocated for si) and summed into conv. A block done is kept as
 * points/.STAGE.block-B (stage the standard stage's name) and read back
 * instead of computed when its key (the model's parameters, the block's
 * images and labels, the settings and seed) matches; a block file that
 * does not match or is malformed is said so on stderr and computed again.
 * Stop point (edd_stop_point): std-block:STAGE.B once block B (1-based) is
 * on disk. */
edd_status std_blocks_run(const std_images *si, const char *stage, std_finds *linf, std_finds *l2, size_t *conv);

/* A block file's bytes[0..len), judged with no file access (the block
 * files' reader calls it; so does tests/fuzz/fuzz_std_block.c): line is
 * the first line this run would write (key included), nb the block's
 * images, ncorrect those classified correctly when clean, linf and l2
 * allocated for nb images (std_finds_alloc; their neps give the payload's
 * size), conv nconv counts (may be NULL when nconv is 0). NULL when the
 * bytes are line, then exactly the payload, every norm >= 0 or +inf, its
 * source -1 exactly when it is +inf, else a std_source, L-inf's pre
 * sources -1, every count <= ncorrect: then linf and l2 hold the finds,
 * best included, and conv the counts. Otherwise the reason (a static
 * string), with nothing of the bytes kept: every norm and best +inf, every
 * source -1, every count 0. Internal: not installed, not edd_*. */
const char *std_block_parse(const char *line, const void *bytes, size_t len, size_t nb, size_t ncorrect,
                            std_finds *linf, std_finds *l2, size_t *conv, int nconv);

/* Remove the block files of stage (once its part files are written). */
edd_status std_blocks_clean(repro *r, const char *stage);

/* The median of v[0..n) (sorted in place; INFINITY sorts last), and its
 * 95% bootstrap interval over REPRO_BOOTSTRAP resamples drawn from the
 * counter RNG keyed by seed; tmp holds n floats. */
void std_median_ci(float *v, size_t n, uint64_t seed, float *tmp, double *med, double *lo, double *hi);

/* The "standard_K" stage: model K (s->part) of repro_base_models under the
 * standard suite; writes points/standard_K.csv, points/min_l2_K.csv,
 * points/min_l2_summary_K.csv and, for the distilled model,
 * points/convergence_K.csv (rows without header). */
edd_status repro_st_standard_part(repro *r, const repro_stage *s);

/* The "standard" stage: the parts joined in model order into standard.csv,
 * security_l2.csv (its L2 rows, REPRO_SEC_HEADER), min_l2.csv,
 * min_l2_summary.csv and convergence.csv. */
edd_status repro_st_standard(repro *r, const repro_stage *s);

/* Read out_dir/rel, a standard.csv: each row into a repro_sec_row, its
 * norm (0: inf, 2) into ord[i] (*ord malloc'd as *rows; caller frees both). */
edd_status repro_std_read(const repro *r, const char *rel, repro_sec_row **rows, int **ord, int *n);

/* ---- plot_standard.c ---- */

/* plots/min_l2_cdf.png from min_l2.csv, plots/standard.png from
 * standard.csv (those present), each with its script, registered. */
edd_status repro_plot_standard(repro *r);

/* ---- report_standard.c ---- */

/* "Does the defense hold? The standard suite" from standard.csv,
 * min_l2_summary.csv, convergence.csv and security.csv (those present). */
edd_status repro_report_standard(repro *r, edd_buf *t);

#endif
