/* edd/suite.h - the standard suite: AutoAttack's composition and protocol
 * (Croce & Hein 2020) on edd's detector-aware losses, at one radius in
 * L-inf or L2 (docs/ATTACKS.md, "The standard suite").
 *
 * Owns: edd_suite_opts, edd_suite_run, the per-image outcome codes.
 * May call: core, nn, train (edd_evaluate), attacks (APGD, FMN, Square),
 * progress.
 *
 * The composition, in AutoAttack's order: APGD-CE (the cross-entropy over
 * the real classes), APGD-T (the targeted detector-aware DLR over the top
 * n_target_classes), FMN (the minimum-norm attack in FAB-T's place: an
 * image falls when the smallest misclassifying perturbation it finds is
 * within eps), Square (score-based, no gradient). Each attack runs only on
 * the images every earlier one left robust; an image's outcome is the
 * first attack that made the model misclassify it (a real class other than
 * the label: a detection as the outlier class is not a success). */
#ifndef EDD_SUITE_H
#define EDD_SUITE_H

#include "edd/apgd.h"
#include "edd/fmn.h"
#include "edd/square.h"

typedef enum {
    EDD_SUITE_APGD_CE = 0,
    EDD_SUITE_APGD_T = 1,
    EDD_SUITE_FMN = 2,
    EDD_SUITE_SQUARE = 3,
    EDD_SUITE_NATTACKS = 4
} edd_suite_attack;

/* Per-image outcomes besides an edd_suite_attack index. */
#define EDD_SUITE_ROBUST (-1)    /* correct when clean, and no attack succeeded */
#define EDD_SUITE_NOT_CLEAN (-2) /* not correct when clean: misclassified or flagged as an outlier */

/* The suite's names, in edd_suite_attack order: "apgd-ce", "apgd-t", "fmn", "square". */
EDD_API extern const char *const edd_suite_names[EDD_SUITE_NATTACKS];

typedef struct {
    size_t size;          /* sizeof the struct: set by edd_suite_opts_default */
    float eps;            /* 0.3 */
    int ord;              /* 0 = L-inf, 2 = L2 */
    int steps;            /* APGD iterations per run; 100 (AutoAttack's standard) */
    int restarts;         /* APGD-CE restarts; 1 */
    int n_target_classes; /* APGD-T; 9 */
    int fmn_steps;        /* FMN steps; 1000 */
    int queries;          /* Square queries; 5000 */
    int n_real;           /* EDD_N_REAL */
    uint64_t seed;        /* every attack's random draws; 1 */
    int max_rows;         /* rows per oneDNN call (<= 0: 256) */
    int quiet;            /* no progress on stderr */
} edd_suite_opts;

/* Fill o (size bytes: call edd_suite_opts_default(o), which passes sizeof *o) with the defaults and set
 * o->size = size: eps 0.3, L-inf, 100 steps, 1 restart, 9 target classes, 1000 FMN steps, 5000 queries, n_real
 * 10, seed 1, 256 rows, progress on. */
EDD_API void edd_suite_opts_init(edd_suite_opts *o, size_t size);
#define edd_suite_opts_default(o) edd_suite_opts_init((o), sizeof *(o))

/* The suite on n images x (n x 784, labels y[i] < n_real). adv (n x 784)
 * receives each broken image's adversarial point (inside the eps-ball and
 * [0,1]) and x itself for the others; by[i] receives the index of the
 * attack that broke image i, EDD_SUITE_ROBUST or EDD_SUITE_NOT_CLEAN;
 * seconds (NULL or EDD_SUITE_NATTACKS doubles) each attack's wall time.
 * Deterministic at one thread count. */
EDD_API edd_status edd_suite_run(edd_ctx *ctx, const edd_cnn *m, const float *x, const uint8_t *y, size_t n,
                                 const edd_suite_opts *o, float *adv, int8_t *by, double *seconds);

#endif
