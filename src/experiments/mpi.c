/* mpi.c - `edd reproduce` over MPI ranks (docs/REPRODUCING.md, "More than
 * one machine"); compiled into `edd` only in an MPI build (make MPI=1, or
 * mpicc found), never into libedd.
 *
 * Rank 0 coordinates: edd_reproduce_spread (runner.c) settles the stages
 * and hands each one to run to an idle rank, longest path first. Rank 0 is
 * one of those ranks through a thread of its own, so that P ranks run P
 * stages at once; the coordinator alone calls MPI (MPI_THREAD_FUNNELED).
 * Every other rank waits for a stage, runs it with edd_repro_worker_run
 * (its own data, loaded on first use, and its own OpenMP threads), and
 * reports back, until rank 0 says stop. All ranks share the results
 * folder; rank 0 alone holds its lock.
 *
 * Before any stage, the ranks agree: rank 0 broadcasts a description of
 * its run (scale and its settings' fingerprint, dataset, the data folder's
 * real path and the SHA-256 of its four files, the results folder, seeds,
 * --only, --force, threads and edd's version), each rank compares it with
 * its own, and on any difference every rank stops with EDD_ERR_ARG and the
 * same message naming the rank, the setting and both values, before any
 * stage runs: a rank started with other settings would write results that
 * rank 0's manifests then vouch for.
 *
 * MPI's blocking calls spin a core while they wait, which would take the
 * core from the stage running beside them: every wait here polls
 * (MPI_Iprobe) and sleeps POLL_NS between polls instead.
 *
 * May call: MPI, OpenMP, pthreads, runner.c (the worker, the coordinator),
 * scale.c (repro_scale_tag), manifest.c (edd_file_digest), sha256, libc. */
#include "manifest.h"
#include "repro_parallel.h"
#include "edd/sha256.h"
#include "repro.h"

#include <limits.h>
#include <mpi.h>
#include <omp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { TAG_WORK = 1, TAG_DONE = 2 };

/* Rank 0 -> a rank: run this stage (stage -1: stop). */
typedef struct {
    int32_t stage;
    uint32_t dsig;
    char tag[128];
} msg_work;

/* A rank -> rank 0: the stage ended. */
typedef struct {
    int32_t stage;
    int32_t status;
    uint32_t sig;
    double seconds;
    char err[1024];
} msg_done;

#define POLL_NS 2000000L /* 2 ms: a stage takes seconds, a message is a few hundred bytes */

static void nap(void)
{
    struct timespec ts = {0, POLL_NS};
    nanosleep(&ts, NULL);
}

/* Run the stage of j on w (computing on ctx) into d. */
static void run_job(edd_repro_worker *w, edd_ctx *ctx, const msg_work *j, msg_done *d)
{
    memset(d, 0, sizeof *d);
    d->stage = j->stage;
    if (!w) {
        d->status = EDD_ERR_NOMEM;
        snprintf(d->err, sizeof d->err, "out of memory for the worker's state");
        return;
    }
    uint32_t sig = 0;
    double secs = 0.0;
    edd_status st = edd_repro_worker_run(w, j->stage, j->tag, j->dsig, &sig, &secs);
    d->status = (int32_t)st;
    d->sig = sig;
    d->seconds = secs;
    if (st)
        snprintf(d->err, sizeof d->err, "%s", edd_ctx_error(ctx));
}

/* Rank 0's own worker: a thread that runs the stages handed to rank 0, one
 * at a time, on the rank's context. */
typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    edd_repro_worker *w;
    edd_ctx *ctx;
    int has_job, has_result, quit;
    msg_work job;
    msg_done res;
} local_worker;

static void *local_main(void *arg)
{
    local_worker *L = arg;
    omp_set_num_threads(edd_ctx_threads(L->ctx));
    pthread_mutex_lock(&L->mu);
    for (;;) {
        while (!L->has_job && !L->quit)
            pthread_cond_wait(&L->cv, &L->mu);
        if (!L->has_job)
            break;
        msg_work j = L->job;
        L->has_job = 0;
        pthread_mutex_unlock(&L->mu);
        msg_done d;
        run_job(L->w, L->ctx, &j, &d);
        pthread_mutex_lock(&L->mu);
        L->res = d;
        L->has_result = 1;
    }
    pthread_mutex_unlock(&L->mu);
    return NULL;
}

static edd_status mpi_start(void *user, edd_ctx *ctx, int w, int stage, const char *tag, uint32_t dsig)
{
    local_worker *L = user;
    msg_work m = {.stage = stage, .dsig = dsig};
    snprintf(m.tag, sizeof m.tag, "%s", tag);
    if (w == 0) {
        pthread_mutex_lock(&L->mu);
        L->job = m;
        L->has_job = 1;
        pthread_cond_signal(&L->cv);
        pthread_mutex_unlock(&L->mu);
        return EDD_OK;
    }
    int rc = MPI_Send(&m, (int)sizeof m, MPI_BYTE, w, TAG_WORK, MPI_COMM_WORLD);
    return rc == MPI_SUCCESS ? EDD_OK
                             : edd_fail(ctx, EDD_ERR_IO, "reproduce: sending stage %d to rank %d failed (MPI error %d)",
                                        stage, w, rc);
}

static edd_status mpi_wait(void *user, edd_ctx *ctx, edd_repro_result *res)
{
    local_worker *L = user;
    msg_done d;
    int from = -1;
    for (;;) {
        int flag = 0;
        pthread_mutex_lock(&L->mu);
        if (L->has_result) {
            d = L->res;
            L->has_result = 0;
            from = 0;
        }
        pthread_mutex_unlock(&L->mu);
        MPI_Status s;
        if (from < 0 && MPI_Iprobe(MPI_ANY_SOURCE, TAG_DONE, MPI_COMM_WORLD, &flag, &s) != MPI_SUCCESS)
            return edd_fail(ctx, EDD_ERR_IO, "reproduce: waiting for the ranks failed (MPI_Iprobe)");
        if (flag) {
            from = s.MPI_SOURCE;
            if (MPI_Recv(&d, (int)sizeof d, MPI_BYTE, from, TAG_DONE, MPI_COMM_WORLD, MPI_STATUS_IGNORE) != MPI_SUCCESS)
                return edd_fail(ctx, EDD_ERR_IO, "reproduce: receiving from rank %d failed (MPI_Recv)", from);
        }
        if (from >= 0)
            break;
        nap();
    }
    res->worker = from;
    res->stage = d.stage;
    res->status = (edd_status)d.status;
    res->sig = d.sig;
    res->seconds = d.seconds;
    d.err[sizeof d.err - 1] = 0;
    snprintf(res->err, sizeof res->err, "%s", d.err);
    return EDD_OK;
}

/* A rank other than 0: run what rank 0 hands out until it says stop. */
static void serve(edd_ctx *ctx, const edd_repro_scale *sc, const edd_repro_opts *o)
{
    edd_repro_worker *w = edd_repro_worker_new(ctx, sc, o);
    for (;;) {
        int flag = 0;
        while (!flag) {
            if (MPI_Iprobe(0, TAG_WORK, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE) != MPI_SUCCESS)
                MPI_Abort(MPI_COMM_WORLD, 1);
            if (!flag)
                nap();
        }
        msg_work m;
        MPI_Recv(&m, (int)sizeof m, MPI_BYTE, 0, TAG_WORK, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (m.stage < 0)
            break;
        m.tag[sizeof m.tag - 1] = 0;
        msg_done d;
        run_job(w, ctx, &m, &d);
        MPI_Send(&d, (int)sizeof d, MPI_BYTE, 0, TAG_DONE, MPI_COMM_WORLD);
    }
    edd_repro_worker_free(w);
}

/* Rank 0: the coordinator on this thread, the rank's own worker on
 * another, then stop every rank. ctx is the worker's while it runs; the
 * coordinator keeps its messages in a context of its own. */
static edd_status coordinate(edd_ctx *ctx, const edd_repro_scale *sc, const edd_repro_opts *o, edd_repro_log *log,
                             int size)
{
    local_worker L = {.ctx = ctx, .w = edd_repro_worker_new(ctx, sc, o)};
    pthread_mutex_init(&L.mu, NULL);
    pthread_cond_init(&L.cv, NULL);
    pthread_t th;
    edd_ctx *coord = edd_ctx_scratch(); /* the coordinator's messages, apart from rank 0's worker's */
    edd_status st = coord ? EDD_OK : edd_fail(ctx, EDD_ERR_NOMEM, "reproduce: out of memory for a context");
    int started = !st && pthread_create(&th, NULL, local_main, &L) == 0;
    if (!st && !started)
        st = edd_fail(coord, EDD_ERR_NOMEM, "reproduce: cannot start rank 0's worker thread");
    edd_repro_transport t = {.nworkers = size, .user = &L, .start = mpi_start, .wait = mpi_wait};
    if (!st)
        st = edd_reproduce_spread(coord, sc, o, &t, log);
    if (started) {
        pthread_mutex_lock(&L.mu);
        L.quit = 1;
        pthread_cond_signal(&L.cv);
        pthread_mutex_unlock(&L.mu);
        pthread_join(th, NULL);
    }
    const msg_work stop = {.stage = -1};
    for (int r = 1; r < size; r++)
        MPI_Send(&stop, (int)sizeof stop, MPI_BYTE, r, TAG_WORK, MPI_COMM_WORLD);
    edd_repro_worker_free(L.w);
    pthread_cond_destroy(&L.cv);
    pthread_mutex_destroy(&L.mu);
    if (st && coord)
        edd_fail(ctx, st, "%s", edd_ctx_error(coord));
    edd_ctx_close(coord);
    return st;
}

/* ---- the ranks' agreement, before any stage ---- */

/* What a rank's run is, setting by setting, as text: equal texts, equal
 * runs. */
enum { D_SCALE, D_SETTINGS, D_DATA, D_DATA_DIR, D_DATA_SHA, D_OUT, D_SEEDS, D_ONLY, D_FORCE, D_THREADS, D_VERSION,
       D_COUNT };
static const char *const desc_name[D_COUNT] = {
    "--scale", "the scale's settings", "--data", "--data-dir (real path)", "the data's SHA-256",
    "--out (real path)", "--seeds", "--only", "--force", "--threads", "the edd version"};

typedef struct {
    int32_t status; /* EDD_OK, or why the rank could not describe its run (in err) */
    char val[D_COUNT][EDD_PATH_MAX];
    char err[1024];
} run_desc;

/* path's real path into out (EDD_PATH_MAX bytes); a path that does not
 * exist yet (the results folder before the first run) as an absolute
 * path from the working folder. */
static void real_path(const char *path, char *out)
{
    char cwd[EDD_PATH_MAX];
    if (realpath(path, out))
        return;
    if (path[0] != '/' && getcwd(cwd, sizeof cwd))
        snprintf(out, EDD_PATH_MAX, "%.2047s/%.2047s", cwd, path);
    else
        snprintf(out, EDD_PATH_MAX, "%s", path);
}

/* The SHA-256 (hex) of the SHA-256s of the four IDX files in dir, each
 * the file edd_dataset_load reads: NAME, or NAME.gz where only it exists. */
static edd_status data_sha(edd_ctx *ctx, const char *dir, char *hex)
{
    static const char *const base[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                        "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
    edd_sha256 all;
    edd_sha256_init(&all);
    for (int i = 0; i < 4; i++) {
        char path[EDD_PATH_MAX];
        struct stat sb;
        edd_digest d;
        snprintf(path, sizeof path, "%.4000s/%s", dir, base[i]);
        if (stat(path, &sb))
            snprintf(path, sizeof path, "%.4000s/%s.gz", dir, base[i]);
        edd_status st = edd_file_digest(ctx, path, &d);
        if (st)
            return st;
        edd_sha256_update(&all, d.sha, sizeof d.sha);
    }
    unsigned char out[EDD_SHA256_BYTES];
    edd_sha256_final(&all, out);
    edd_sha256_hex(out, hex);
    return EDD_OK;
}

/* This rank's description of its run into *d (d->status says whether it
 * could be made). */
static void describe(edd_ctx *ctx, const edd_repro_scale *sc, const edd_repro_opts *o, int seeds, run_desc *d)
{
    memset(d, 0, sizeof *d);
    char tag[128] = "";
    edd_status st = repro_scale_tag(ctx, sc, "", G_ALL, tag, sizeof tag);
    snprintf(d->val[D_SCALE], EDD_PATH_MAX, "%s", sc->name);
    snprintf(d->val[D_SETTINGS], EDD_PATH_MAX, "%s", tag);
    snprintf(d->val[D_DATA], EDD_PATH_MAX, "%s", o->data_name ? o->data_name : "mnist");
    real_path(o->data_dir, d->val[D_DATA_DIR]);
    real_path(o->out_dir, d->val[D_OUT]);
    snprintf(d->val[D_SEEDS], EDD_PATH_MAX, "%d", seeds);
    snprintf(d->val[D_ONLY], EDD_PATH_MAX, "%s", o->only ? o->only : "(every stage)");
    snprintf(d->val[D_FORCE], EDD_PATH_MAX, "%s", o->force ? o->force : "(none)");
    snprintf(d->val[D_THREADS], EDD_PATH_MAX, "%d", edd_ctx_threads(ctx));
    snprintf(d->val[D_VERSION], EDD_PATH_MAX, "%s", EDD_VERSION);
    if (!st)
        st = data_sha(ctx, d->val[D_DATA_DIR], d->val[D_DATA_SHA]);
    d->status = (int32_t)st;
    if (st)
        snprintf(d->err, sizeof d->err, "%s", edd_ctx_error(ctx));
}

/* What rank `rank` finds (its own description mine against rank 0's): ""
 * when they agree, else every differing setting, into msg. */
static edd_status compare(int rank, const run_desc *mine, const run_desc *root, char *msg, size_t n)
{
    size_t len = 0;
    msg[0] = 0;
    if (mine->status) {
        snprintf(msg, n, "rank %d cannot describe its run: %s", rank, mine->err);
        return (edd_status)mine->status;
    }
    if (root->status) {
        snprintf(msg, n, "rank 0 cannot describe its run: %s", root->err);
        return (edd_status)root->status;
    }
    for (int i = 0; i < D_COUNT && len < n; i++)
        if (strcmp(mine->val[i], root->val[i]))
            len += (size_t)snprintf(msg + len, n - len, "%srank %d: %s %s, rank 0: %s", len ? "; " : "", rank,
                                    desc_name[i], mine->val[i], root->val[i]);
    return len ? EDD_ERR_ARG : EDD_OK;
}

/* The agreement: rank 0's description to every rank, then the first
 * disagreeing rank's verdict to every rank. EDD_OK when all agree; else,
 * on every rank, that rank's status and message. */
static edd_status agree(edd_ctx *ctx, const edd_repro_scale *sc, const edd_repro_opts *o, int seeds, int rank)
{
    run_desc mine, root;
    struct {
        int32_t status;
        char msg[2048];
    } v;
    describe(ctx, sc, o, seeds, &mine);
    root = mine;
    MPI_Bcast(&root, (int)sizeof root, MPI_BYTE, 0, MPI_COMM_WORLD);
    v.status = (int32_t)compare(rank, &mine, &root, v.msg, sizeof v.msg);
    int bad = v.status ? rank : INT_MAX, first = INT_MAX;
    MPI_Allreduce(&bad, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (first == INT_MAX)
        return EDD_OK;
    MPI_Bcast(&v, (int)sizeof v, MPI_BYTE, first, MPI_COMM_WORLD);
    v.msg[sizeof v.msg - 1] = 0;
    return edd_fail(ctx, (edd_status)v.status, "the ranks disagree with rank 0, so no stage runs: %s (start every "
                    "rank with the same settings, data and edd)", v.msg);
}

edd_status edd_reproduce_mpi(edd_ctx *ctx, const edd_repro_scale *sc, const edd_repro_opts *o, int seeds,
                             edd_repro_log *logs, int *root)
{
    int provided = 0, rank = 0, size = 1;
    *root = 1;
    if (MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
        return edd_fail(ctx, EDD_ERR_IO, "reproduce: MPI_Init_thread failed");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    *root = rank == 0;
    edd_status st = EDD_OK;
    if (provided < MPI_THREAD_FUNNELED && size > 1)
        st = edd_fail(ctx, EDD_ERR_IO, "reproduce: the MPI library gives thread level %d, expected at least "
                      "MPI_THREAD_FUNNELED (%d)", provided, MPI_THREAD_FUNNELED);
    else if (size == 1)
        st = seeds >= 2 ? edd_reproduce_seeds(ctx, sc, o, seeds, logs) : edd_reproduce(ctx, sc, o, logs);
    else if ((st = agree(ctx, sc, o, seeds, rank)) != EDD_OK)
        *root = 1; /* every rank stops, and says why */
    else {
        /* the pipelines in turn, every rank on the same one; rank 0's status
         * after each tells the others whether to go on */
        for (int k = 1; k <= (seeds >= 2 ? seeds : 1); k++) {
            edd_repro_opts ok = *o;
            char dir[4096]; /* edd_repro_seed_dir's size */
            if (seeds >= 2) {
                st = edd_repro_seed_dir(ctx, o->out_dir, k, dir);
                ok.out_dir = dir;
                ok.seed = k;
            }
            if (!st && rank > 0)
                serve(ctx, sc, &ok);
            else if (!st)
                st = coordinate(ctx, sc, &ok, &logs[k - 1], size);
            int32_t s32 = (int32_t)st;
            MPI_Bcast(&s32, 1, MPI_INT32_T, 0, MPI_COMM_WORLD);
            if (s32)
                break;
        }
        if (!st && rank == 0 && seeds >= 2)
            st = edd_repro_seeds_summary(ctx, sc, o, seeds);
    }
    MPI_Finalize();
    return st;
}
