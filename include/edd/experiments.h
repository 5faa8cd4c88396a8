/* edd/experiments.h - the paper's experiments (Section 4) as a table of
 * named stages that `edd reproduce` runs, resumes and reports on.
 *
 * Owns: the scales (smoke, quick, paper), the stage table and its
 * dependencies, the stage manifests results/stages/NAME.done, the figure
 * CSVs, the gnuplot plots and report.md (docs/REPRODUCING.md).
 * May call: core, io, data, nn, train, defense, attacks, cw, eval, simd,
 * progress, zlib (crc32), oneDNN (its version, for the report), POSIX
 * (mkdir, stat, rename), the `gnuplot` program (through system()).
 *
 * A stage is valid, and skipped, iff its manifest exists, names the same
 * scale with the same settings (name and CRC32 of the settings), every file it lists has the listed size and CRC32, and the
 * manifests of the stages it depends on still list the same outputs as
 * when it ran. Otherwise it is redone, and the manifest is written last. */
#ifndef EDD_EXPERIMENTS_H
#define EDD_EXPERIMENTS_H

#include <stddef.h>
#include <stdint.h>

#include "edd/advtrain.h"
#include "edd/core.h"

#define EDD_REPRO_MAX_POINTS 10
#define EDD_REPRO_MAX_STAGES 32

/* Everything that differs between the scales. */
typedef struct {
    const char *name;           /* "smoke", "quick" or "paper" */
    size_t train_n;             /* training images of the main models (0: all 60,000) */
    int epochs;                 /* epochs of the main models */
    size_t study_n;             /* training images of the parameter-study models (a prefix of train_n) */
    int study_epochs;
    size_t test_n;              /* test images of the clean evaluations (0: all 10,000) */
    size_t fgm_n, jsma_n, cw_n; /* the first test images each attack runs on (at most test_n) */
    int passes;                 /* N of the distilled models (the paper: 20) */
    float alpha;                /* Eq. 2 (0.9) */
    int n_eps, n_gamma, n_kappa, n_alpha, n_passes;
    float eps[EDD_REPRO_MAX_POINTS];   /* FGM ord inf, Fig. 2a, 3a-b (includes 0.3) */
    float gamma[EDD_REPRO_MAX_POINTS]; /* JSMA, Fig. 2b, 3c-d (includes 0.1) */
    float kappa[EDD_REPRO_MAX_POINTS]; /* CW confidence, Fig. 2c, 3e-f (includes 0) */
    float alphas[EDD_REPRO_MAX_POINTS];/* Fig. 2d */
    int passes_list[EDD_REPRO_MAX_POINTS]; /* Fig. 2e */
    float study_eps;            /* FGM eps of Figs. 2d-e */
    int cw_iterations, cw_bsearch;         /* CW-L2 with AdaDelta: Figs. 2c ("paper" rows), 3e-f */
    int cw_big_iterations, cw_big_bsearch; /* Fig. 2c's "budget" rows: CW-L2 with Adam, lr 1e-2 */
    size_t sec_n;               /* test images of the security curve */
    int n_sec_eps;
    float sec_eps[EDD_REPRO_MAX_POINTS]; /* its L-inf eps */
    int pgd_steps, pgd_restarts;         /* its PGD; also the baselines' and the Eq. 3 ablation's */
    edd_adv_kind adv_method;    /* adversarial training of the `adv` and `adv_distilled` models: EDD_ADV_FGM_RS or EDD_ADV_PGD */
    float adv_eps;              /* its L-inf radius (0.3) */
    int adv_steps;              /* its PGD steps (EDD_ADV_PGD only) */
    int n_base_gamma;
    float base_gamma[EDD_REPRO_MAX_POINTS]; /* JSMA of the baselines and the Eq. 3 ablation (of the gamma list) */
} edd_repro_scale;

/* The settings of scale `name` (smoke, quick or paper); EDD_ERR_ARG for
 * any other name. */
edd_status edd_repro_scale_get(edd_ctx *ctx, const char *name, edd_repro_scale *out);

typedef struct {
    const char *out_dir;  /* results folder, created if missing */
    const char *data_dir; /* folder of the MNIST IDX files */
    const char *force;    /* NULL, or a stage to rerun even if valid (what reads it reruns if its outputs change) */
    const char *only;     /* NULL (every stage), or comma-separated stages: those and what they depend on */
    int quiet;            /* no progress lines on stderr */
} edd_repro_opts;

/* What one call of edd_reproduce did, stage by stage, in run order. */
typedef struct {
    int n;
    struct {
        const char *name;
        int ran;        /* 1: run in this call; 0: its outputs were valid */
        double seconds; /* wall time of the run that made its outputs (from its manifest) */
    } stage[EDD_REPRO_MAX_STAGES];
    double seconds;     /* this call */
} edd_repro_log;

/* Number of stages, and stage i's name (0 <= i < count), in run order. */
int edd_repro_stage_count(void);
const char *edd_repro_stage_name(int i);

/* Index of the stage called name, or -1. */
int edd_repro_stage_find(const char *name);

/* The stages that o_only ("a,b,...", or NULL for all) selects, with every
 * stage they depend on, directly or not, as bits (bit i: stage i) in
 * *mask; EDD_ERR_ARG naming any word that is not a stage. */
edd_status edd_repro_select(edd_ctx *ctx, const char *only, uint32_t *mask);

/* Run every stage of scale sc that is not valid (and o->force), in order,
 * into o->out_dir, from the MNIST files in o->data_dir. log (may be NULL)
 * records what ran. With o->only, the stages outside its selection are
 * neither run nor logged. Stops at the first failing stage, whose manifest is
 * then absent. */
edd_status edd_reproduce(edd_ctx *ctx, const edd_repro_scale *sc, const edd_repro_opts *o, edd_repro_log *log);

#endif
