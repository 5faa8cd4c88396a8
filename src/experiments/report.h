/* report.h - private to the report writers (report*.c, seeds_report.c):
 * what each checks before it writes a verdict or names a file (issue 26),
 * owned by report_floor.c; and the rules of the baselines' and the Eq. 3
 * ablation's verdicts, owned by report_baselines.c.
 *
 * May call: repro.h. */
#ifndef EDD_REPORT_H
#define EDD_REPORT_H

#include "repro.h"

/* Issue 26: a model whose clean accuracy is below the floor of its dataset
 * (MNIST, Fashion-MNIST), or whose false-positive rate is above
 * REPRO_FLOOR_FP, gets no verdict in any report: its rows are marked and
 * each verdict that would rest on it says why instead. */
#define REPRO_FLOOR_MNIST 0.90
#define REPRO_FLOOR_FASHION 0.75
#define REPRO_FLOOR_FP 0.05

/* How a report marks the rows of a model below the floor. */
#define REPRO_FLOOR_MARK " (below the floor)"

/* The opening line of a pipeline test's report. */
#define REPRO_PIPELINE_TEST "pipeline test: the models are too small for any conclusion"

/* 1 when r's scale is a pipeline test (smoke): its report opens with
 * REPRO_PIPELINE_TEST and gives no verdict anywhere. */
int repro_pipeline_test(const repro *r);

/* The clean-accuracy floor of r's dataset. */
double repro_floor(const repro *r);

/* 1 when a model with clean accuracy acc and false positives fp is below
 * the floor (or above the false-positive ceiling), with why in words
 * ("adv_distilled has 0.0% clean accuracy, below the 90% floor") in why
 * (n bytes); 0 and why empty otherwise. */
int repro_unfit(const repro *r, const char *model, double acc, double fp, char *why, size_t n);

/* repro_unfit on model's clean rates as this folder holds them: the
 * "clean" row of baselines.csv, else of ablation.csv, else
 * models/MODEL.json; 0 (no evidence against it) when none has them. */
int repro_model_unfit(const repro *r, const char *model, char *why, size_t n);

/* The one line of a section whose input csv is absent:
 * "SECTION: not run in this folder (CSV is absent)." */
void repro_section_absent(edd_buf *t, const char *section, const char *csv);

/* sep then "plot `plots/FIG.png`" when the folder has that plot; nothing
 * otherwise. */
void repro_plot_named(const repro *r, edd_buf *t, const char *sep, const char *fig);

/* When r is a pipeline test, or model (clean accuracy acc and false
 * positives fp; acc < 0: as repro_model_unfit reads them) is below the
 * floor: lead then "no verdict (pipeline test, scale `smoke`)" or "no
 * verdict: WHY" into t, and 1. Otherwise nothing, and 0: the caller
 * writes its verdict. */
int repro_no_verdict(const repro *r, edd_buf *t, const char *lead, const char *model, double acc, double fp);

/* Check 4 of the masking diagnostics (report_security.c) on security.csv's
 * rows w[0..n): each "noise" row of a model above the floor against each
 * white-box attack at its model and eps; returns the flags written. */
int repro_noise_check(const repro *r, const repro_sec_row *w, int n, edd_buf *t);

/* ---- report_baselines.c: the verdicts' rules (docs/REPRODUCING.md) ---- */

/* How far an attack on the paper's loss may fall below the same attack on
 * the margin loss, at equal work (FGM against FGM-margin, PGD against
 * PGD-margin), before a model counts as masking gradients
 * (docs/REPRODUCING.md, "Holds or masks"). */
#define REPRO_MASK_GAP 0.25

/* The share of the undefended model's clean accuracy a defense must keep
 * to be said to hold (docs/REPRODUCING.md, "Holds or masks"): a model that
 * flags or misclassifies every clean image resists every attack too. */
#define REPRO_HOLD_CLEAN 0.9

/* Rule 1 of "Holds or masks", per defense: left out by the clean-accuracy
 * rule, its rows or the undefended model's missing, no verdict (it or the
 * undefended model below the floor), or whether its PGD-margin rate lies
 * below the undefended model's beyond both intervals. */
typedef enum { REPRO_HOLD_NO_ROWS, REPRO_HOLD_LEFT_OUT, REPRO_HOLD_NOT, REPRO_HOLD_YES, REPRO_HOLD_UNFIT } repro_hold;

/* Rule 2, per model: its rows missing, no masking, masks gradients but
 * keeps some robustness under PGD, or only masks gradients; no verdict
 * when the model is below the floor, or when it masks and the undefended
 * model (which "only" and "keeps" compare with) is. A model masks
 * when either pair of equal work (one step: fgm-all against fgm-margin;
 * PGD: pgd-all against pgd-margin) differs by REPRO_MASK_GAP beyond both
 * intervals; masked_fgm and masked_pgd say which did. */
typedef enum { REPRO_MASK_NO_ROWS, REPRO_MASK_NONE, REPRO_MASK_KEEPS, REPRO_MASK_ONLY, REPRO_MASK_UNFIT } repro_mask;

/* The verdicts of one baselines.csv, per model of repro_base_models, and
 * the rows they rest on (NULL where absent). */
typedef struct {
    const repro_base_row *clean[REPRO_BASE_NMODELS], *fgm[REPRO_BASE_NMODELS], *pgd[REPRO_BASE_NMODELS];
    const repro_base_row *fgm_margin[REPRO_BASE_NMODELS], *pgd_all[REPRO_BASE_NMODELS];
    repro_hold hold[REPRO_BASE_NMODELS]; /* [0], the undefended model: REPRO_HOLD_NO_ROWS */
    repro_mask mask[REPRO_BASE_NMODELS];
    int masked_fgm[REPRO_BASE_NMODELS], masked_pgd[REPRO_BASE_NMODELS];
    int best; /* the defense rule 1 names (lowest PGD-margin rate of those judged), or -1 */
    int unfit[REPRO_BASE_NMODELS]; /* below the floor (repro_unfit on its clean row), why in words */
    char why[REPRO_BASE_NMODELS][160];
} repro_base_verdicts;

/* docs/REPRODUCING.md's "Holds or masks" on the rows w[0..n) of a
 * baselines.csv at eps (repro_base_eps), r giving the floor: the one rule
 * code of the single-seed report and of the across-seed summary. */
void repro_base_judge(const repro *r, const repro_base_row *w, int n, double eps, repro_base_verdicts *v);

/* "Does JSMA's masking come from the hinge?": no row to judge by, no
 * masking to attribute, from the hinge, not the hinge's, not resolved, or
 * no verdict (a model it rests on below the floor). */
typedef enum { REPRO_ABL_NO_ROWS, REPRO_ABL_NO_MASKING, REPRO_ABL_HINGE, REPRO_ABL_NOT_HINGE,
               REPRO_ABL_UNRESOLVED, REPRO_ABL_UNFIT } repro_abl_verdict;

/* The verdict of one ablation.csv, the JSMA rows it rests on per model of
 * repro_ablation (NULL where absent), and the indices there of the
 * hinge-kappa-40 (distilled), no-penalty and literal models (-1: none). */
typedef struct {
    const repro_base_row *jsma[REPRO_ABLATION_NMODELS], *exact[REPRO_ABLATION_NMODELS];
    int hinge40, none, literal;
    repro_abl_verdict verdict;
    char why[160]; /* REPRO_ABL_UNFIT: which model, in words */
} repro_ablation_verdicts;

/* docs/REPRODUCING.md's "Does JSMA's masking come from the hinge?" on the
 * rows w[0..n) of an ablation.csv at gamma (repro_base_gamma), r giving
 * the floor. */
void repro_ablation_judge(const repro *r, const repro_base_row *w, int n, double gamma, repro_ablation_verdicts *v);

#endif
