/* runner.c - edd_reproduce: make the results folder, take its lock, and
 * run the stage table in order, skipping each stage whose manifest is valid
 * and redoing the rest (src/experiments/experiments.h says when a stage is
 * valid). The same rule spread over workers: edd_reproduce_spread, the
 * coordinator, and edd_repro_worker_run, the worker
 * (src/experiments/repro_parallel.h). The folder itself, made,
 * locked and checked, is folder.c's (folder.h). */
#include "edd/io.h"
#include "edd/nn.h"
#include "edd/progress.h"
#include "folder.h"
#include "repro.h"
#include "manifest.h"
#include "repro_parallel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

/* Run stage i of the table (its manifest tag and deps signature given):
 * remove its manifest, run it, write the manifest of the outputs it
 * registered and check it back; *sig gets the new manifest's signature.
 * Stop points (edd_stop_point): stage:NAME before it runs, stage-end:NAME
 * before its manifest. */
static edd_status run_stage(repro *r, int i, const char *tag, uint32_t dsig, uint32_t *sig, double *secs)
{
    const repro_stage *s = &r->stages[i];
    const char *dir = r->o->out_dir;
    char why[1024];
    edd_status st = edd_manifest_remove(r->ctx, dir, s->name);
    if (st)
        return st;
    st = repro_check_dataset(r->ctx, r->o, 1);
    if (st)
        return st;
    edd_stop_point("stage", s->name);
    double ts = edd_now();
    r->nout = 0;
    st = s->run(r, s);
    *secs = edd_now() - ts;
    if (!st)
        edd_stop_point("stage-end", s->name);
    const char *files[REPRO_MAX_OUTPUTS];
    for (int k = 0; k < r->nout; k++)
        files[k] = r->out[k];
    if (!st)
        st = edd_manifest_write_inputs(r->ctx, dir, s->name, tag, *secs, dsig, s->deps, files, r->nout);
    if (!st && !edd_manifest_valid(dir, s->name, tag, dsig, sig, NULL, why, sizeof why))
        st = edd_fail(r->ctx, EDD_ERR_IO, "stage %s: its manifest does not match the files just written: %s", s->name,
                      why);
    return st;
}

/* What a run starts from, serial or spread: the stage to force (-1: none),
 * the stages selected, the folder's lock and the data's CRC32. */
typedef struct {
    int force;
    uint64_t want;
    int lockfd;
    char data_sha[EDD_DATASET_FINGERPRINT_HEX];
} run_start;

/* Check the options, select the stages, open and lock the folder, check
 * its dataset and fingerprint the data. On an error the lock, if taken,
 * is released. */
static edd_status start_run(edd_ctx *ctx, const edd_repro_opts *o, run_start *rs)
{
    rs->force = -1;
    rs->lockfd = -1;
    rs->data_sha[0] = 0;
    if (!o->out_dir || !*o->out_dir || !o->data_dir)
        return edd_fail(ctx, EDD_ERR_ARG, "reproduce: out_dir '%s' and data_dir '%s': expected two folder names",
                        o->out_dir ? o->out_dir : "(null)", o->data_dir ? o->data_dir : "(null)");
    edd_status st = edd_repro_force(ctx, o->only, o->force, &rs->want, &rs->force);
    if (!st)
        st = repro_open_folder(ctx, o->out_dir, o->quiet, &rs->lockfd);
    if (st)
        return st;
    st = repro_check_dataset(ctx, o, 0);
    if (!st)
        st = edd_dataset_fingerprint(ctx, o->data_dir, rs->data_sha);
    if (st) {
        close(rs->lockfd);
        rs->lockfd = -1;
    }
    return st;
}

/* The deps signature of stage i: the CRC32 of the signatures of the
 * manifests of the stages it reads, in table order. */
static uint32_t deps_sig(int i, const uint32_t *sig)
{
    uLong c = crc32(0L, Z_NULL, 0);
    for (int j = 0; j < edd_repro_stage_count(); j++)
        if (repro_stages[i].deps & REPRO_BIT(j))
            c = crc32(c, (const unsigned char *)&sig[j], sizeof sig[j]);
    return (uint32_t)c;
}

static void log_stage(edd_repro_log *log, int i, int ran, int rank, double secs)
{
    if (!log)
        return;
    log->stage[log->n].name = repro_stages[i].name;
    log->stage[log->n].ran = ran;
    log->stage[log->n].rank = ran ? rank : -1;
    log->stage[log->n].seconds = secs;
    log->n++;
}

int edd_repro_launched(int *size)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"};
    const char *v = NULL;
    for (size_t k = 0; k < sizeof vars / sizeof vars[0] && !v; k++)
        v = getenv(vars[k]);
    if (size)
        *size = getenv("OMPI_COMM_WORLD_SIZE") ? atoi(getenv("OMPI_COMM_WORLD_SIZE"))
                : getenv("PMI_SIZE")           ? atoi(getenv("PMI_SIZE"))
                                               : 0;
    return v != NULL;
}

struct edd_repro_worker {
    repro r;
};

edd_repro_worker *edd_repro_worker_new(edd_ctx *ctx, const edd_repro_scale *sc, const edd_repro_opts *o)
{
    edd_repro_worker *w = calloc(1, sizeof *w);
    if (w)
        w->r = (repro){.ctx = ctx, .sc = sc, .o = o, .stages = repro_stages, .nstages = edd_repro_stage_count()};
    return w;
}

void edd_repro_worker_free(edd_repro_worker *w)
{
    if (!w)
        return;
    edd_dataset_free(&w->r.train);
    edd_dataset_free(&w->r.test);
    free(w);
}

edd_status edd_repro_worker_run(edd_repro_worker *w, int i, const char *tag, uint32_t dsig, uint32_t *sig,
                                double *secs)
{
    *secs = 0.0;
    if (i < 0 || i >= w->r.nstages)
        return edd_fail(w->r.ctx, EDD_ERR_ARG, "reproduce: stage %d handed to a worker, expected 0..%d", i,
                        w->r.nstages - 1);
    edd_status st = repro_check_disk(w->r.ctx, w->r.sc, w->r.o->out_dir, repro_stages[i].name);
    return st ? st : run_stage(&w->r, i, tag, dsig, sig, secs);
}

/* The coordinator's view of one stage of the graph, by graph index. */
typedef struct {
    char tag[128];
    uint32_t dsig;
} spread_job;

/* The stages outside the selection sign their outputs first, as the
 * serial run does, for the summary stages that read what exists. */
static edd_status sign_unselected(edd_ctx *ctx, const edd_repro_scale *sc, const edd_repro_opts *o,
                                  const run_start *rs, uint32_t *sig)
{
    for (int i = 0; i < edd_repro_stage_count(); i++) {
        char tag[128];
        if (rs->want & REPRO_BIT(i))
            continue;
        edd_status st = repro_scale_tag(ctx, sc, rs->data_sha, repro_stages[i].uses, tag, sizeof tag);
        if (st)
            return st;
        edd_manifest_valid(o->out_dir, repro_stages[i].name, tag, deps_sig(i, sig), &sig[i], NULL, NULL, 0);
    }
    return EDD_OK;
}

/* Settle stage i (graph index k), whose inputs are settled: up to date
 * (into *done, logged) or to run (into *runnable), its job's tag and
 * inputs' signature filled in. An error is the coordinator's own. */
static edd_status spread_settle(edd_ctx *ctx, const edd_repro_scale *sc, const edd_repro_opts *o,
                                const run_start *rs, int i, uint32_t *sig, spread_job *job, int k, uint64_t *done,
                                uint64_t *runnable, edd_repro_log *log)
{
    const repro_stage *s = &repro_stages[i];
    char why[1024] = "--force";
    double secs = 0.0;
    job->dsig = deps_sig(i, sig);
    edd_status own = repro_scale_tag(ctx, sc, rs->data_sha, s->uses, job->tag, sizeof job->tag);
    if (own)
        return own;
    if (i != rs->force &&
        edd_manifest_valid(o->out_dir, s->name, job->tag, job->dsig, &sig[i], &secs, why, sizeof why)) {
        *done |= (uint64_t)1 << k;
        if (!o->quiet)
            fprintf(stderr, "reproduce: stage %s is up to date\n", s->name);
        log_stage(log, i, 0, -1, secs);
    } else {
        *runnable |= (uint64_t)1 << k;
        if (!o->quiet)
            fprintf(stderr, "reproduce: stage %s (%s)\n  because %s\n", s->name, s->what, why);
    }
    return EDD_OK;
}

/* What t calls a worker in messages: "rank" (MPI) unless it says. */
static const char *noun(const edd_repro_transport *t)
{
    return t->noun ? t->noun : "rank";
}

/* Hand the runnable stages to the idle workers (on[w] < 0), longest path
 * first: on[w] becomes the graph stage worker w runs. */
static edd_status spread_hand_out(edd_ctx *ctx, const edd_repro_opts *o, const edd_repro_transport *t,
                                  const edd_sched_plan *plan, const int *stage_of, const spread_job *job, int *on,
                                  uint64_t *runnable, int *nbusy)
{
    for (int w = 0; *runnable && w < t->nworkers; w++) {
        if (on[w] >= 0)
            continue;
        const int k = edd_sched_next(plan, *runnable), i = stage_of[k];
        edd_status st = t->start(t->user, ctx, w, i, job[k].tag, job[k].dsig);
        if (st)
            return st;
        *runnable &= ~((uint64_t)1 << k);
        on[w] = k;
        (*nbusy)++;
        if (!o->quiet && t->nworkers > 1)
            fprintf(stderr, "reproduce: stage %s started on %s %d\n", repro_stages[i].name, noun(t), w);
    }
    return EDD_OK;
}

/* The first stage that failed on a worker: which, on which rank, its
 * status and message; stage -1 while none has. */
typedef struct {
    int stage, rank;
    edd_status st;
    char err[1024];
} spread_failure;

/* A worker's result, nbusy stages still running: logged when the stage
 * ran, kept in *f when it is the first to fail. With one worker the
 * messages name none. */
static void spread_result(const edd_repro_opts *o, const edd_repro_transport *t, edd_repro_log *log,
                          const edd_repro_result *res, int nbusy, spread_failure *f)
{
    if (res->status == EDD_OK) {
        log_stage(log, res->stage, 1, res->worker, res->seconds);
        if (!o->quiet && t->nworkers > 1)
            fprintf(stderr, "reproduce: stage %s done in %.1f s on %s %d\n", repro_stages[res->stage].name,
                    res->seconds, noun(t), res->worker);
        else if (!o->quiet)
            fprintf(stderr, "reproduce: stage %s done in %.1f s\n", repro_stages[res->stage].name, res->seconds);
    } else if (f->stage < 0) {
        f->stage = res->stage;
        f->rank = res->worker;
        f->st = res->status;
        snprintf(f->err, sizeof f->err, "%s", res->err);
        if (!o->quiet && nbusy)
            fprintf(stderr, "reproduce: stage %s failed on %s %d; waiting for the %d stage%s still running\n",
                    repro_stages[f->stage].name, noun(t), f->rank, nbusy, nbusy > 1 ? "s" : "");
    }
}

edd_status edd_reproduce_spread(edd_ctx *ctx, const edd_repro_scale *sc, const edd_repro_opts *o,
                                const edd_repro_transport *t, edd_repro_log *log)
{
    double t0 = edd_now();
    if (t->nworkers < 1 || t->nworkers > EDD_SCHED_MAX)
        return edd_fail(ctx, EDD_ERR_ARG, "reproduce: %d workers, expected 1..%d", t->nworkers, EDD_SCHED_MAX);
    run_start rs;
    edd_status st = start_run(ctx, o, &rs);
    if (st)
        return st;
    edd_sched_graph g;
    edd_sched_plan plan;
    int stage_of[EDD_REPRO_MAX_STAGES];
    st = edd_repro_graph(ctx, sc, o->out_dir, NULL, rs.want, &g, stage_of, NULL);
    if (!st)
        st = edd_sched_plan_make(ctx, &g, &plan);
    if (log) {
        memset(log, 0, sizeof *log);
        log->ranks = t->nworkers;
    }
    uint32_t sig[EDD_REPRO_MAX_STAGES] = {0};
    if (!st)
        st = sign_unselected(ctx, sc, o, &rs, sig);
    spread_job job[EDD_REPRO_MAX_STAGES];
    int on[EDD_SCHED_MAX]; /* the graph stage each worker runs, or -1 */
    for (int w = 0; w < t->nworkers; w++)
        on[w] = -1;
    uint64_t done = 0, checked = 0, runnable = 0;
    int nbusy = 0;
    /* own: the coordinator's own error; it, like a failed stage, stops the
     * handing out, and the running stages are waited for */
    edd_status own = EDD_OK;
    spread_failure f = {.stage = -1, .rank = -1};
    while (!st) {
        /* settle every stage whose inputs are settled: valid, or to run */
        for (uint64_t ready; f.stage < 0 && !own && (ready = edd_sched_ready(&g, done, checked)) != 0;) {
            for (int k = 0; !own && k < g.n; k++)
                if (ready & ((uint64_t)1 << k))
                    own = spread_settle(ctx, sc, o, &rs, stage_of[k], sig, &job[k], k, &done, &runnable, log);
            checked |= ready;
        }
        /* hand the runnable stages to idle workers, longest path first */
        if (f.stage < 0 && !own)
            st = spread_hand_out(ctx, o, t, &plan, stage_of, job, on, &runnable, &nbusy);
        if (st || nbusy == 0)
            break;
        edd_repro_result res;
        st = t->wait(t->user, ctx, &res);
        if (st)
            break;
        if (res.worker < 0 || res.worker >= t->nworkers || on[res.worker] < 0 || stage_of[on[res.worker]] != res.stage) {
            st = edd_fail(ctx, EDD_ERR_IO, "reproduce: %s %d reported stage %d, expected one it was running",
                          noun(t), res.worker, res.stage);
            break;
        }
        const int k = on[res.worker];
        on[res.worker] = -1;
        nbusy--;
        if (res.status == EDD_OK) {
            done |= (uint64_t)1 << k;
            sig[res.stage] = res.sig;
        }
        spread_result(o, t, log, &res, nbusy, &f);
    }
    if (!st && own)
        st = own;
    else if (!st && f.stage >= 0 && t->nworkers == 1)
        st = edd_fail(ctx, f.st, "%s", f.err);
    else if (!st && f.stage >= 0)
        st = edd_fail(ctx, f.st, "stage %s failed on %s %d: %s", repro_stages[f.stage].name, noun(t), f.rank, f.err);
    if (log)
        log->seconds = edd_now() - t0;
    close(rs.lockfd);
    return st;
}

/* The in-process transport: one worker, this process, which runs the stage
 * it is handed at once; wait gives back what it did. */
typedef struct {
    edd_repro_worker *w;
    edd_repro_result res;
} inproc;

static edd_status inproc_start(void *user, edd_ctx *ctx, int w, int stage, const char *tag, uint32_t dsig)
{
    inproc *p = user;
    memset(&p->res, 0, sizeof p->res);
    p->res.worker = w;
    p->res.stage = stage;
    p->res.status = edd_repro_worker_run(p->w, stage, tag, dsig, &p->res.sig, &p->res.seconds);
    if (p->res.status)
        snprintf(p->res.err, sizeof p->res.err, "%s", edd_ctx_error(ctx));
    return EDD_OK;
}

static edd_status inproc_wait(void *user, edd_ctx *ctx, edd_repro_result *res)
{
    (void)ctx;
    *res = ((inproc *)user)->res;
    return EDD_OK;
}

edd_status edd_reproduce(edd_ctx *ctx, const edd_repro_scale *sc, const edd_repro_opts *o, edd_repro_log *log)
{
    inproc p = {.w = edd_repro_worker_new(ctx, sc, o)};
    if (!p.w)
        return edd_fail(ctx, EDD_ERR_NOMEM, "reproduce: out of memory for the run's state");
    const edd_repro_transport t = {.nworkers = 1, .user = &p, .start = inproc_start, .wait = inproc_wait};
    edd_status st = edd_reproduce_spread(ctx, sc, o, &t, log);
    edd_repro_worker_free(p.w);
    return st;
}
