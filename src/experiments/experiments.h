/* experiments.h - the paper's experiments (Section 4) as a table of
 * named stages that `edd reproduce` runs, resumes and reports on.
 *
 * The study's header, not the engine's: src/experiments/ is the static
 * archive build/libedd-repro.a, linked into ./edd and the tests only, never
 * installed; nothing here is EDD_API, so libedd.so exports none of it.
 *
 * Owns: the scales (smoke, quick, paper), the stage table and its
 * dependencies, the stage manifests results/stages/NAME.done, the figure
 * CSVs, the gnuplot plots and report.md (docs/REPRODUCING.md).
 * May call: core, io, data, nn, train, defense, attacks, cw, eval, simd,
 * progress, zlib (crc32), oneDNN (its version, for the report), POSIX
 * (mkdir, stat, rename), the `gnuplot` program (through system()); and,
 * in src/experiments/mpi.c alone, which only an MPI build of ./edd
 * compiles, Open MPI and POSIX threads.
 *
 * A stage is valid, and skipped, iff its manifest exists, names the same
 * scale with the same settings (name and a SHA-256 of the settings and the data), every file it lists has the listed
 * size, CRC32 and SHA-256, and the
 * manifests of the stages it depends on still list the same outputs as
 * when it ran. Otherwise it is redone, and the manifest is written last. */
#ifndef EDD_EXPERIMENTS_H
#define EDD_EXPERIMENTS_H

#include <stddef.h>
#include <stdint.h>

#include "edd/advtrain.h"
#include "edd/core.h"

#define EDD_REPRO_MAX_POINTS 10
#define EDD_REPRO_MAX_STAGES 64
/* The sigma stage's MC-dropout passes run as this many stages sigma_1..,
 * each over a range of the training images, which the stage `sigma` joins
 * (docs/REPRODUCING.md, "More than one machine"). */
#define EDD_REPRO_SIGMA_PARTS 4
/* The parameter studies (Figs. 2d-e) run as this many stages each,
 * fig2d_1.. and fig2e_1.., one per point of the scale's alpha or N list
 * (at most this many points), which the stages `fig2d` and `fig2e` join; a
 * point stage past the scale's list does nothing. */
#define EDD_REPRO_STUDY_POINTS 7

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
    /* The standard suite (edd/suite.h) on the five models of the baselines
     * (stages standard_1..5, docs/REPRODUCING.md): */
    size_t std_n;               /* its images: the first std_n / 2 and the last std_n - std_n / 2 of the test set */
    int std_blocks;             /* those images in this many blocks, each kept on disk once done, so that a
                                 * killed run resumes a standard stage at its first block not done */
    int n_std_linf, n_std_l2;
    float std_linf[EDD_REPRO_MAX_POINTS]; /* its L-inf eps, ascending */
    float std_l2[EDD_REPRO_MAX_POINTS];   /* its L2 eps, ascending (the paper's claim: 4) */
    int std_steps;              /* APGD steps per run (AutoAttack: 100); also the PGD-L2 of the minimal-L2 pass */
    int std_targets;            /* APGD-T's target classes (9) */
    int std_fmn_steps;          /* FMN's steps, in the suite and in the minimal-L2 pass (1000) */
    int std_queries;            /* Square's queries (5000) */
    int std_cw_iterations, std_cw_bsearch; /* the untargeted CW-L2 (Adam) of the minimal-L2 pass */
    int std_pgd_losses;         /* the PGD-L2 losses of that pass: 1 the margin alone, 3 margin, real and all */
    int n_conv_steps, n_conv_restarts;     /* the convergence check: APGD-CE on the distilled model at */
    int conv_steps[EDD_REPRO_MAX_POINTS];  /* L-inf eps 0.1 with each of these steps ... */
    int conv_restarts[EDD_REPRO_MAX_POINTS]; /* ... and each of these restarts (both ascending) */
} edd_repro_scale;

/* The settings of scale `name` (smoke, quick or paper); EDD_ERR_ARG for
 * any other name. */
edd_status edd_repro_scale_get(edd_ctx *ctx, const char *name, edd_repro_scale *out);

typedef struct {
    const char *out_dir;  /* results folder, created if missing */
    const char *data_dir; /* folder of the dataset's IDX files */
    const char *data_name; /* "mnist" (NULL: mnist) or "fashion": the folder records it (stages/dataset) */
    const char *force;    /* NULL, or a stage to rerun even if valid (what reads it reruns if its outputs change) */
    const char *only;     /* NULL (every stage), or comma-separated stages: those and what they depend on */
    int quiet;            /* no progress lines on stderr */
    int seed;             /* the pipeline's seed index K (0 or 1: the single-seed run): every model, attack
                           * target and PGD start is seeded from K, the test images are the same */
} edd_repro_opts;

/* The most pipelines `--seeds` runs. */
#define EDD_REPRO_MAX_SEEDS 32

/* What one call of edd_reproduce did, stage by stage, in run order (over
 * MPI ranks: in the order the stages were settled). */
typedef struct {
    int n;
    struct {
        const char *name;
        int ran;        /* 1: run in this call; 0: its outputs were valid */
        int rank;       /* the rank that ran it (0 in a serial run), or -1 */
        double seconds; /* wall time of the run that made its outputs (from its manifest) */
    } stage[EDD_REPRO_MAX_STAGES];
    int ranks;          /* the processes the stages were spread over (1: serial) */
    double seconds;     /* this call */
} edd_repro_log;

/* `edd reproduce --seeds S` (S >= 2): run the pipelines K = 1..S, each
 * with o->seed = K into o->out_dir/seed-K (a results folder valid on its
 * own; seed-1 holds the single-seed run's outputs, bit for bit), logs[K-1]
 * (may be NULL) recording each; then write the across-seed summary into
 * o->out_dir: seeds.csv, report.md and plots/ (docs/REPRODUCING.md,
 * "Seeds"). EDD_ERR_ARG for S outside 2..EDD_REPRO_MAX_SEEDS. */
edd_status edd_reproduce_seeds(edd_ctx *ctx, const edd_repro_scale *sc, const edd_repro_opts *o, int seeds,
                               edd_repro_log *logs);

/* The summary of edd_reproduce_seeds alone, from the seed folders in
 * o->out_dir (each run already). */
edd_status edd_repro_seeds_summary(edd_ctx *ctx, const edd_repro_scale *sc, const edd_repro_opts *o, int seeds);

/* out_dir/seed-K into dir (4096 bytes). */
edd_status edd_repro_seed_dir(edd_ctx *ctx, const char *out_dir, int k, char *dir);

/* Number of stages, and stage i's name (0 <= i < count), in run order. */
int edd_repro_stage_count(void);
const char *edd_repro_stage_name(int i);

/* Index of the stage called name, or -1. */
int edd_repro_stage_find(const char *name);

/* The stages that o_only ("a,b,...", or NULL for all) selects, with every
 * stage they depend on, directly or not, as bits (bit i: stage i) in
 * *mask; EDD_ERR_ARG naming any word that is not a stage. */
edd_status edd_repro_select(edd_ctx *ctx, const char *only, uint64_t *mask);

/* edd_repro_select, then the stage force names (NULL: none) in *forced
 * (-1: none): EDD_ERR_ARG when it is not a stage, in the same words as a
 * bad --only word, or when it is outside the selection (the rule: --force
 * reruns a stage the run would run; it never widens --only). */
edd_status edd_repro_force(edd_ctx *ctx, const char *only, const char *force, uint64_t *mask, int *forced);

/* Run every stage of scale sc that is not valid (and o->force) in this
 * process, in the schedule's order (edd_reproduce_spread with one
 * in-process worker: serial is the one-worker case), into o->out_dir, from the MNIST files in o->data_dir. log (may be NULL)
 * records what ran. A folder holds the results of one dataset: its first
 * run writes o->data_name to stages/dataset, and a run on another dataset
 * is refused (EDD_ERR_ARG) before any stage. With o->only, the stages outside its selection are
 * neither run nor logged. Stops at the first failing stage, whose manifest is
 * then absent. */
edd_status edd_reproduce(edd_ctx *ctx, const edd_repro_scale *sc, const edd_repro_opts *o, edd_repro_log *log);

/* ---- the schedule of the stage graph (src/experiments/schedule.c) ----
 *
 * List scheduling with the longest path first (HLFET): a stage's priority
 * is its level, its own cost plus the longest path of costs from it to the
 * end of the graph; whenever a rank is idle it takes the ready stage (every
 * stage it reads done) of the highest level, ties to the lower index. Pure
 * functions of the graph: `edd reproduce --dry-run` prints what they
 * predict, and the MPI mode hands out stages in their order. */
#define EDD_SCHED_MAX 64

typedef struct {
    int n;                        /* stages, at most EDD_SCHED_MAX */
    uint64_t deps[EDD_SCHED_MAX]; /* bit j of deps[i]: stage i reads stage j's outputs */
    double cost[EDD_SCHED_MAX];   /* seconds, finite and >= 0 */
} edd_sched_graph;

typedef struct {
    int order[EDD_SCHED_MAX];     /* the stages by priority: level down, index up */
    double level[EDD_SCHED_MAX];  /* cost[i] plus the longest path from i to the end */
    double work;                  /* the sum of the costs: the makespan on one rank */
    double critical;              /* the longest path: no number of ranks does better */
    int ncrit;
    int crit[EDD_SCHED_MAX];      /* its stages, first to last */
} edd_sched_plan;

/* The levels, priority order, work and critical path of g into *p;
 * EDD_ERR_ARG for more than EDD_SCHED_MAX stages, a dependency on a stage
 * outside the graph or on itself, a cycle, a cost that is negative or not
 * finite, or costs whose sum is not finite. */
edd_status edd_sched_plan_make(edd_ctx *ctx, const edd_sched_graph *g, edd_sched_plan *p);

/* The stages of g neither done nor started whose dependencies are all in
 * done, as bits. */
uint64_t edd_sched_ready(const edd_sched_graph *g, uint64_t done, uint64_t started);

/* The stage of ready (bits) that p puts first, or -1 if ready is empty. */
int edd_sched_next(const edd_sched_plan *p, uint64_t ready);

/* List-schedule g by p on `ranks` identical ranks (>= 1) and return the
 * makespan. rank[i] and start[i] (each may be NULL) get where and when
 * stage i runs; a rank that frees up takes the next stage at once, idle
 * ranks take stages in rank order. */
double edd_sched_simulate(const edd_sched_graph *g, const edd_sched_plan *p, int ranks, int *rank, double *start);

/* Where the cost of a stage of edd_repro_graph comes from. */
typedef enum { EDD_COST_ESTIMATE, EDD_COST_MANIFEST, EDD_COST_TIMES } edd_cost_source;

/* The stage graph of scale sc restricted to the stages of `want` (bits
 * over the stage table, e.g. from edd_repro_select), with a cost per
 * stage: its line in times_file (may be NULL: a file of lines "NAME
 * SECONDS" or a report.md's table rows "| NAME | SECONDS |"), else the
 * seconds of out_dir/stages/NAME.done (may be NULL) when that manifest is
 * of scale sc, else a default estimate (costs.c, edd_repro_estimate).
 * Lines of times_file that do not start with a stage name and a number,
 * and table rows of more than two cells, are ignored.
 * A time for a stage that joins parts (`sigma`, `fig2d`, `fig2e`, `baselines`) with none
 * for its parts (a times file, a report.md or manifests from a run before
 * the split) is the time of the unsplit stage: each part that does work at
 * scale sc gets an equal share of it (every part of sigma; the points of
 * the scale's alpha or N list), the other parts and the join 0 s.
 * stage[k] (EDD_REPRO_MAX_STAGES) gets the table index of graph stage k,
 * source[k] (may be NULL) where its cost came from. EDD_ERR_IO if
 * times_file cannot be read or is no regular file (a FIFO, a device, a
 * folder: refused without blocking), EDD_ERR_FORMAT if it is over 1 MiB
 * or 10,000 lines, names a stage twice, gives a stage a negative or
 * infinite time, or follows a time with text (`fig2a 3abc`). */
edd_status edd_repro_graph(edd_ctx *ctx, const edd_repro_scale *sc, const char *out_dir, const char *times_file,
                           uint64_t want, edd_sched_graph *g, int *stage, edd_cost_source *source);

/* The default estimate of stage `name`'s seconds at scale sc: its time in
 * the paper-scale run of docs/results-paper (or, for a stage that run did
 * not have, the figure costs.c states; a part of a split stage, an equal
 * share of the unsplit stage's time among the parts that do work at sc,
 * and 0 s for a point past the scale's list), times the scale's training
 * images x epochs over the paper's 600,000. */
double edd_repro_estimate(const edd_repro_scale *sc, const char *name);

/* How much faster a stage runs at `threads` OpenMP threads than at one:
 * Amdahl's law, 1 / ((1 - f) + f / threads), with the parallel fraction f
 * measured at 2 threads (costs.c). 1 for threads <= 1. The estimates of
 * edd_repro_estimate are of one thread. */
double edd_repro_thread_speedup(int threads);

#endif
