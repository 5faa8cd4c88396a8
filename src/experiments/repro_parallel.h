/* repro_parallel.h - `edd reproduce` over several workers
 * (src/experiments/runner.c): the coordinator, which settles each stage
 * once the stages it reads are settled (valid, or run) and hands the ones
 * to run to idle workers, longest path first (edd_sched_*); the worker,
 * which runs one stage exactly as the serial loop does; and the transport
 * between them, which the caller gives. src/experiments/mpi.c is the MPI
 * one, built into `edd` only with MPI=1 (docs/REPRODUCING.md, "More than
 * one machine"). The study's, used by the CLI and the tests; not installed. */
#ifndef EDD_REPRO_PARALLEL_H
#define EDD_REPRO_PARALLEL_H

#include "experiments.h"

/* A worker: the run state of one process or thread (its data loaded on
 * first use), which runs the stages it is handed. */
typedef struct edd_repro_worker edd_repro_worker;

/* A worker of scale sc with options o (both must outlive it), computing on
 * ctx; NULL when out of memory. */
edd_repro_worker *edd_repro_worker_new(edd_ctx *ctx, const edd_repro_scale *sc, const edd_repro_opts *o);

/* Free w and the data it loaded; NULL is a no-op. */
void edd_repro_worker_free(edd_repro_worker *w);

/* Run stage i (an index of the stage table) as the serial loop does: check
 * the free disk space, remove its manifest, run it (every output written
 * atomically), write the manifest with tag and dsig last and check it back.
 * *sig gets the manifest's signature, *secs the stage's wall time. On an
 * error edd_ctx_error(ctx) says why and the stage has no manifest. */
edd_status edd_repro_worker_run(edd_repro_worker *w, int i, const char *tag, uint32_t dsig, uint32_t *sig,
                                double *secs);

/* What a worker reports when a stage ends. */
typedef struct {
    int worker;        /* 0 .. nworkers-1 (an MPI rank) */
    int stage;         /* index of the stage table */
    edd_status status; /* EDD_OK, or the worker's error */
    uint32_t sig;      /* the new manifest's signature (status EDD_OK) */
    double seconds;
    char err[1024];    /* the worker's message (status != EDD_OK) */
} edd_repro_result;

/* How the coordinator reaches its workers: in this process (runner.c,
 * edd_reproduce), worker processes on this machine (jobs.c, --jobs) or
 * MPI ranks (mpi.c). start hands stage (a table index) with its manifest
 * tag and deps signature to idle worker w; wait blocks until one started
 * stage ends and describes it in *res. Either returns an error (with
 * edd_ctx_error(ctx) set) only when the transport itself fails. pipeline (may be
 * NULL) is told the seed index of the pipeline whose stages come next
 * (edd_reproduce_seeds_over); noun names a worker in messages (NULL:
 * "rank"). */
typedef struct {
    int nworkers;
    void *user;
    edd_status (*start)(void *user, edd_ctx *ctx, int w, int stage, const char *tag, uint32_t dsig);
    edd_status (*wait)(void *user, edd_ctx *ctx, edd_repro_result *res);
    void (*pipeline)(void *user, int seed);
    const char *noun;
} edd_repro_transport;

/* edd_reproduce with the stages spread over t's workers: the same folder,
 * lock, dataset check, manifests and validity rule, the stages of o->only
 * and o->force as there. A stage is settled once every stage it reads is:
 * valid and skipped, or handed to an idle worker in the order of the
 * schedule (costs from edd_repro_graph). When a stage fails, no stage is
 * handed out any more, the running ones are waited for, and the error is
 * "stage NAME failed on rank W: MESSAGE"; the stages that finished keep
 * their manifests, so a rerun resumes. log (may be NULL) lists the stages
 * in the order they were settled, each with its worker. */
edd_status edd_reproduce_spread(edd_ctx *ctx, const edd_repro_scale *sc, const edd_repro_opts *o,
                                const edd_repro_transport *t, edd_repro_log *log);

/* edd_reproduce_seeds with each pipeline spread over t's workers (t NULL:
 * in this process, edd_reproduce): pipeline K into o->out_dir/seed-K, t's
 * pipeline callback told K first, then the summary. */
edd_status edd_reproduce_seeds_over(edd_ctx *ctx, const edd_repro_scale *sc, const edd_repro_opts *o, int seeds,
                                    const edd_repro_transport *t, edd_repro_log *logs);

/* ---- worker processes on this machine (src/experiments/jobs.c) ---- */

/* The most worker processes --jobs starts. */
#define EDD_REPRO_MAX_JOBS 64

/* The file descriptors on which a worker process started by --jobs reads
 * its stages and writes their results. */
#define EDD_REPRO_JOB_IN 3
#define EDD_REPRO_JOB_OUT 4

/* `edd reproduce --jobs N`: the stages of the run (with seeds >= 2, of each
 * pipeline in turn, then the summary) spread over njobs worker processes,
 * each `exe` started with argv (NULL-terminated: edd's own command line for
 * the same run, with --worker) and fds EDD_REPRO_JOB_IN/OUT its pipes to
 * this process, which only coordinates. A worker that dies fails its stage
 * ("stage S failed on job W: ... killed by signal 9"); the stages that
 * ended keep their manifests, so a rerun resumes. Returns when every
 * worker has exited. */
edd_status edd_reproduce_jobs(edd_ctx *ctx, const edd_repro_scale *sc, const edd_repro_opts *o, int seeds,
                              int njobs, const char *exe, char *const argv[], edd_repro_log *logs);

/* The worker side of --jobs: read stage requests on fd in until it is
 * closed, run each (edd_repro_worker_run, in o->out_dir, or in its seed-K
 * folder for pipeline K) and write its result on fd out. Fails (exit 2 in
 * the CLI) when in and out are not pipes. */
edd_status edd_repro_jobs_serve(edd_ctx *ctx, const edd_repro_scale *sc, const edd_repro_opts *o, int in, int out);

/* 1 when this process was started by an MPI launcher (mpirun, mpiexec,
 * srun with PMI or PMIx), from the variables it sets, and *size (may be
 * NULL) the number of processes it started when they say (0 otherwise); 0
 * when not. */
int edd_repro_launched(int *size);

/* ---- MPI (src/experiments/mpi.c: only in an `edd` built with MPI=1) ---- */

/* `edd reproduce` under an MPI launcher: with one rank, edd_reproduce;
 * with P ranks, rank 0 coordinates (edd_reproduce_spread over the P ranks,
 * itself one of them through a thread of its own) and every other rank
 * runs what it is handed until rank 0 says stop. With seeds >= 2, the
 * pipelines of edd_reproduce_seeds one after the other, each spread so,
 * then rank 0 writes the summary; logs has one log per pipeline. *root
 * gets 1 on rank 0, the rank whose status and logs are the run's. Before
 * any stage the ranks check that they run what rank 0 runs (scale, data,
 * folders, seeds, selection, threads, version): on a difference every
 * rank returns EDD_ERR_ARG with *root 1 and a message naming the rank, the
 * setting and both values. Initialises and finalises MPI. */
edd_status edd_reproduce_mpi(edd_ctx *ctx, const edd_repro_scale *sc, const edd_repro_opts *o, int seeds,
                             edd_repro_log *logs, int *root);

#endif
