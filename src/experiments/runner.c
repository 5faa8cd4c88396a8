/* runner.c - edd_reproduce: make the results folder, take its lock, and
 * run the stage table in order, skipping each stage whose manifest is valid
 * and redoing the rest (include/edd/experiments.h says when a stage is
 * valid). The same rule spread over workers: edd_reproduce_spread, the
 * coordinator, and edd_repro_worker_run, the worker
 * (include/edd/internal/repro_parallel.h). */
#include "edd/io.h"
#include "edd/nn.h"
#include "edd/progress.h"
#include "repro.h"
#include "edd/internal/manifest.h"
#include "edd/internal/repro_parallel.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* mkdir -p dir. */
static edd_status mkdir_p(edd_ctx *ctx, const char *dir)
{
    char buf[EDD_PATH_MAX];
    size_t n = strlen(dir);
    if (n >= sizeof buf)
        return edd_fail(ctx, EDD_ERR_ARG, "a folder name of %zu bytes, expected at most %zu: '%s'", n, sizeof buf - 1,
                        dir);
    memcpy(buf, dir, n + 1);
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || !*p) {
            char c = *p;
            *p = 0;
            if (mkdir(buf, 0777) && errno != EEXIST)
                return edd_fail(ctx, EDD_ERR_IO, "%s: cannot create the folder (%s)", buf, strerror(errno));
            *p = c;
            if (!c)
                break;
        }
    }
    return EDD_OK;
}

/* The results folder itself, then its subfolders. */
static const char *const folder_sub[] = {".", "stages", "models", "sigma", "points", "plots"};
#define FOLDER_NSUB (sizeof folder_sub / sizeof folder_sub[0])

/* The results folder and its subfolders, then its lock, held by *lockfd:
 * one run at a time per folder, the lock going with the process. Holding
 * it, remove the temporary files of killed runs (*.edd-tmp.<pid>) from every
 * folder: no other writer can be at work there. */
static edd_status open_folder(edd_ctx *ctx, const char *out_dir, int quiet, int *lockfd)
{
    char path[EDD_PATH_MAX];
    edd_status st = mkdir_p(ctx, out_dir);
    for (size_t i = 1; !st && i < FOLDER_NSUB; i++) {
        st = edd_path_join(ctx, path, sizeof path, out_dir, folder_sub[i]);
        if (!st)
            st = mkdir_p(ctx, path);
    }
    if (!st)
        st = edd_path_join(ctx, path, sizeof path, out_dir, "stages/lock");
    if (st)
        return st;
    /* not through a link, and never blocking on a FIFO put in its place */
    st = edd_file_open_rdwr(ctx, path, "the folder's lock file", lockfd);
    if (st)
        return st;
    if (flock(*lockfd, LOCK_EX | LOCK_NB))
        st = edd_fail(ctx, EDD_ERR_IO, "%s: held by another `edd reproduce` on this folder, expected none", path);
    if (st) {
        close(*lockfd);
        *lockfd = -1;
        return st;
    }
    int swept = 0;
    for (size_t i = 0; !st && i < FOLDER_NSUB; i++) {
        int n = 0;
        st = edd_path_join(ctx, path, sizeof path, out_dir, folder_sub[i]);
        if (!st)
            st = edd_tmp_sweep(ctx, path, NULL, &n);
        swept += n;
    }
    if (!st && swept && !quiet)
        fprintf(stderr, "reproduce: removed %d temporary file%s left by a killed run\n", swept, swept > 1 ? "s" : "");
    return st;
}

/* The folder's dataset, in stages/dataset: written before the folder's
 * first stage runs (mark = 1), and a run on another dataset refused, so
 * that a folder never mixes the two (the manifests' data CRC32 would redo
 * every stage, overwriting the other dataset's results in place). */
static edd_status check_dataset(edd_ctx *ctx, const edd_repro_opts *o, int mark)
{
    const char *name = o->data_name ? o->data_name : "mnist";
    if (strcmp(name, "mnist") && strcmp(name, "fashion"))
        return edd_fail(ctx, EDD_ERR_ARG, "reproduce: dataset '%s', expected mnist or fashion", name);
    char path[EDD_PATH_MAX], held[64] = "";
    edd_status st = edd_path_join(ctx, path, sizeof path, o->out_dir, "stages/dataset");
    if (st)
        return st;
    FILE *f = NULL;
    struct stat sb;
    if (!(stat(path, &sb) && errno == ENOENT) && edd_file_fopen_regular(ctx, path, "the folder's dataset name", &f))
        return EDD_ERR_IO;
    if (f) {
        if (!fgets(held, sizeof held, f))
            held[0] = 0;
        fclose(f);
        held[strcspn(held, "\n")] = 0;
        if (!strcmp(held, name))
            return EDD_OK;
        return edd_fail(ctx, EDD_ERR_ARG,
                        "%s: the folder holds the results of dataset '%s', expected '%s': give another --out",
                        path, held, name);
    }
    if (!mark)
        return EDD_OK;
    size_t n = strlen(name);
    char line[64];
    snprintf(line, sizeof line, "%s\n", name);
    const void *chunk[1] = {line};
    const size_t size[1] = {n + 1};
    return edd_file_write_atomic(ctx, path, chunk, size, 1);
}

/* Check that out_dir's file system has room for what one stage may write.
 * The largest stages write two models and the sigma and soft-label arrays
 * of the training set (Eqs. 1-2); an atomic rewrite holds the old file and
 * the new one at once, so that is counted twice, plus 16 MiB for CSVs,
 * plots and manifests. */
static edd_status check_disk(edd_ctx *ctx, const edd_repro_scale *sc, const char *out_dir, const char *stage)
{
    const int k = 11; /* the distilled models: 10 classes and the outlier */
    uint64_t model = EDD_MODEL_HEADER_BYTES + EDD_MODEL_CRC_BYTES + 4 * (uint64_t)edd_cnn_nparams(k);
    uint64_t n = sc->train_n ? sc->train_n : 60000, arrays = n * 4 * (k + 1);
    uint64_t need = 2 * (2 * model + arrays) + (16u << 20), free_bytes;
    edd_status st = edd_disk_free(ctx, out_dir, &free_bytes);
    if (!st && free_bytes < need)
        st = edd_fail(ctx, EDD_ERR_IO,
                      "%s: %.1f MiB free, expected at least %.1f MiB before stage %s (two models and the training "
                      "set's arrays, old and new): free some space and rerun; finished stages are kept",
                      out_dir, free_bytes / 1048576.0, need / 1048576.0, stage);
    return st;
}

/* Run stage i of the table (its manifest tag and deps signature given):
 * remove its manifest, run it, write the manifest of the outputs it
 * registered and check it back; *sig gets the new manifest's signature.
 * say: print that it is done (unless quiet). */
static edd_status run_stage(repro *r, int i, const char *tag, uint32_t dsig, uint32_t *sig, double *secs, int say)
{
    const repro_stage *s = &r->stages[i];
    const char *dir = r->o->out_dir;
    char why[1024];
    edd_status st = edd_manifest_remove(r->ctx, dir, s->name);
    if (st)
        return st;
    st = check_dataset(r->ctx, r->o, 1);
    if (st)
        return st;
    double ts = edd_now();
    r->nout = 0;
    st = s->run(r, s);
    *secs = edd_now() - ts;
    const char *files[REPRO_MAX_OUTPUTS];
    for (int k = 0; k < r->nout; k++)
        files[k] = r->out[k];
    if (!st)
        st = edd_manifest_write_inputs(r->ctx, dir, s->name, tag, *secs, dsig, s->deps, files, r->nout);
    if (!st && !edd_manifest_valid(dir, s->name, tag, dsig, sig, NULL, why, sizeof why))
        st = edd_fail(r->ctx, EDD_ERR_IO, "stage %s: its manifest does not match the files just written: %s", s->name,
                      why);
    if (!st && say && !r->o->quiet)
        fprintf(stderr, "reproduce: stage %s done in %.1f s\n", s->name, *secs);
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
        st = open_folder(ctx, o->out_dir, o->quiet, &rs->lockfd);
    if (st)
        return st;
    st = check_dataset(ctx, o, 0);
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

edd_status edd_reproduce(edd_ctx *ctx, const edd_repro_scale *sc, const edd_repro_opts *o, edd_repro_log *log)
{
    double t0 = edd_now();
    int nstages = edd_repro_stage_count();
    run_start rs;
    edd_status st = start_run(ctx, o, &rs);
    if (st)
        return st;
    /* the stages downstream of a forced one are redone only if its outputs
     * change: the dependency signatures below see to that */
    repro r = {.ctx = ctx, .sc = sc, .o = o, .stages = repro_stages, .nstages = nstages};
    uint32_t sig[EDD_REPRO_MAX_STAGES] = {0};
    if (log) {
        memset(log, 0, sizeof *log);
        log->ranks = 1;
    }
    for (int i = 0; !st && i < nstages; i++) {
        const repro_stage *s = &repro_stages[i];
        uint32_t dsig = deps_sig(i, sig);
        char tag[128], why[1024] = "--force";
        double secs = 0.0;
        st = repro_scale_tag(ctx, sc, rs.data_sha, s->uses, tag, sizeof tag);
        if (st)
            break;
        if (!(rs.want & REPRO_BIT(i))) {
            /* not selected: only its signature, for the selected stages
             * that read it (a summary stage reads what exists) */
            edd_manifest_valid(o->out_dir, s->name, tag, dsig, &sig[i], NULL, NULL, 0);
            continue;
        }
        int ran = i == rs.force ||
                  !edd_manifest_valid(o->out_dir, s->name, tag, dsig, &sig[i], &secs, why, sizeof why);
        if (ran)
            st = check_disk(ctx, sc, o->out_dir, s->name);
        if (ran && !st) {
            if (!o->quiet)
                fprintf(stderr, "reproduce: stage %s (%s)\n  because %s\n", s->name, s->what, why);
            st = run_stage(&r, i, tag, dsig, &sig[i], &secs, 1);
        } else if (!ran && !o->quiet) { /* a stage refused for lack of room is not */
            fprintf(stderr, "reproduce: stage %s is up to date\n", s->name);
        }
        log_stage(log, i, ran, 0, secs);
    }
    if (log)
        log->seconds = edd_now() - t0;
    edd_dataset_free(&r.train);
    edd_dataset_free(&r.test);
    close(rs.lockfd);
    return st;
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
    edd_status st = check_disk(w->r.ctx, w->r.sc, w->r.o->out_dir, repro_stages[i].name);
    return st ? st : run_stage(&w->r, i, tag, dsig, sig, secs, 0);
}

/* The coordinator's view of one stage of the graph, by graph index. */
typedef struct {
    char tag[128];
    uint32_t dsig;
} spread_job;

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
    /* the stages outside the selection sign their outputs first, as the
     * serial run does, for the summary stages that read what exists */
    for (int i = 0; !st && i < edd_repro_stage_count(); i++) {
        char tag[128];
        if (rs.want & REPRO_BIT(i))
            continue;
        st = repro_scale_tag(ctx, sc, rs.data_sha, repro_stages[i].uses, tag, sizeof tag);
        if (!st)
            edd_manifest_valid(o->out_dir, repro_stages[i].name, tag, deps_sig(i, sig), &sig[i], NULL, NULL, 0);
    }
    spread_job job[EDD_REPRO_MAX_STAGES];
    int on[EDD_SCHED_MAX]; /* the graph stage each worker runs, or -1 */
    for (int w = 0; w < t->nworkers; w++)
        on[w] = -1;
    uint64_t done = 0, checked = 0, runnable = 0;
    int nbusy = 0, failed = -1, failed_rank = -1;
    /* own: the coordinator's own error; it, like a failed stage, stops the
     * handing out, and the running stages are waited for */
    edd_status failed_st = EDD_OK, own = EDD_OK;
    char failed_err[1024] = "";
    while (!st) {
        /* settle every stage whose inputs are settled: valid, or to run */
        for (uint64_t ready; failed < 0 && !own && (ready = edd_sched_ready(&g, done, checked)) != 0;) {
            for (int k = 0; !own && k < g.n; k++) {
                if (!(ready & ((uint64_t)1 << k)))
                    continue;
                const int i = stage_of[k];
                const repro_stage *s = &repro_stages[i];
                char why[1024] = "--force";
                double secs = 0.0;
                checked |= (uint64_t)1 << k;
                job[k].dsig = deps_sig(i, sig);
                own = repro_scale_tag(ctx, sc, rs.data_sha, s->uses, job[k].tag, sizeof job[k].tag);
                if (own)
                    break;
                if (i != rs.force &&
                    edd_manifest_valid(o->out_dir, s->name, job[k].tag, job[k].dsig, &sig[i], &secs, why, sizeof why)) {
                    done |= (uint64_t)1 << k;
                    if (!o->quiet)
                        fprintf(stderr, "reproduce: stage %s is up to date\n", s->name);
                    log_stage(log, i, 0, -1, secs);
                } else {
                    runnable |= (uint64_t)1 << k;
                    if (!o->quiet)
                        fprintf(stderr, "reproduce: stage %s (%s)\n  because %s\n", s->name, s->what, why);
                }
            }
        }
        /* hand the runnable stages to idle workers, longest path first */
        for (int w = 0; !st && failed < 0 && !own && runnable && w < t->nworkers; w++) {
            if (on[w] >= 0)
                continue;
            const int k = edd_sched_next(&plan, runnable), i = stage_of[k];
            st = t->start(t->user, ctx, w, i, job[k].tag, job[k].dsig);
            if (st)
                break;
            runnable &= ~((uint64_t)1 << k);
            on[w] = k;
            nbusy++;
            if (!o->quiet)
                fprintf(stderr, "reproduce: stage %s started on rank %d\n", repro_stages[i].name, w);
        }
        if (st || nbusy == 0)
            break;
        edd_repro_result res;
        st = t->wait(t->user, ctx, &res);
        if (st)
            break;
        if (res.worker < 0 || res.worker >= t->nworkers || on[res.worker] < 0 || stage_of[on[res.worker]] != res.stage) {
            st = edd_fail(ctx, EDD_ERR_IO, "reproduce: rank %d reported stage %d, expected one it was running",
                          res.worker, res.stage);
            break;
        }
        const int k = on[res.worker];
        on[res.worker] = -1;
        nbusy--;
        if (res.status == EDD_OK) {
            done |= (uint64_t)1 << k;
            sig[res.stage] = res.sig;
            log_stage(log, res.stage, 1, res.worker, res.seconds);
            if (!o->quiet)
                fprintf(stderr, "reproduce: stage %s done in %.1f s on rank %d\n", repro_stages[res.stage].name,
                        res.seconds, res.worker);
        } else if (failed < 0) {
            failed = res.stage;
            failed_rank = res.worker;
            failed_st = res.status;
            snprintf(failed_err, sizeof failed_err, "%s", res.err);
            if (!o->quiet && nbusy)
                fprintf(stderr, "reproduce: stage %s failed on rank %d; waiting for the %d stage%s still running\n",
                        repro_stages[failed].name, failed_rank, nbusy, nbusy > 1 ? "s" : "");
        }
    }
    if (!st && own)
        st = own;
    else if (!st && failed >= 0)
        st = edd_fail(ctx, failed_st, "stage %s failed on rank %d: %s", repro_stages[failed].name, failed_rank,
                      failed_err);
    if (log)
        log->seconds = edd_now() - t0;
    close(rs.lockfd);
    return st;
}
