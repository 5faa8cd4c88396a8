/* jobs.c - `edd reproduce --jobs N` (docs/REPRODUCING.md, "Several stages
 * at once"): the stages spread over N worker processes on this machine, no
 * MPI needed. The process the user started only coordinates
 * (edd_reproduce_spread, runner.c: the one scheduler); each worker is
 * `edd reproduce --worker` with the run's settings, started by fork and
 * execv (no shell), which reads stage requests on fd EDD_REPRO_JOB_IN,
 * runs each with edd_repro_worker_run (its data loaded once, its own
 * OpenMP threads) and writes the result on fd EDD_REPRO_JOB_OUT. Messages
 * are fixed-size structs written at once, smaller than PIPE_BUF, between
 * two processes of the same binary. A worker whose result pipe closes
 * before it answers has died: the stage it ran fails, named with the
 * worker's exit status or signal, and a rerun resumes.
 *
 * May call: runner.c (the coordinator and the worker), seeds.c (the seeds
 * loop, edd_repro_seed_dir), POSIX (fork, execv, pipes, poll, waitpid),
 * Linux's prctl, libc. */
#include "edd/buf.h"
#include "repro_parallel.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Coordinator -> worker: run this stage of pipeline seed (0: the single
 * run, in --out; K >= 1: pipeline K of --seeds, in its seed-K folder). */
typedef struct {
    int32_t stage;
    int32_t seed;
    uint32_t dsig;
    char tag[128];
} job_msg;

/* One worker process, from the coordinator's side. */
typedef struct {
    pid_t pid;   /* 0: not started, or reaped */
    int in, out; /* our ends of its pipes: requests (write), results (read) */
    int stage;   /* the stage it runs, or -1 */
} job_proc;

typedef struct {
    int n;    /* workers started */
    int seed; /* the pipeline whose stages are handed out */
    job_proc p[EDD_REPRO_MAX_JOBS];
} job_pool;

/* Write or read all n bytes, through EINTR and short transfers. Return 1
 * when all moved; read_all returns 0 at an end of file first. */
static int write_all(int fd, const void *buf, size_t n)
{
    for (const char *b = buf; n > 0;) {
        ssize_t k = write(fd, b, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return 0;
        b += k;
        n -= (size_t)k;
    }
    return 1;
}

static int read_all(int fd, void *buf, size_t n)
{
    for (char *b = buf; n > 0;) {
        ssize_t k = read(fd, b, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return 0;
        b += k;
        n -= (size_t)k;
    }
    return 1;
}

/* fd moved to a descriptor above the two a worker's pipes take, close on
 * exec; -1 on failure (fd closed either way). */
static int lift(int fd)
{
    int up = fcntl(fd, F_DUPFD_CLOEXEC, EDD_REPRO_JOB_OUT + 1);
    close(fd);
    return up;
}

/* Start worker w: exe with argv, its pipes on EDD_REPRO_JOB_IN/OUT, stdout
 * onto stderr (the coordinator's stdout is the run's JSON), stdin as it is
 * (a worker never reads it), every other descriptor (the folder's lock)
 * closed, and SIGTERM for it when the coordinator dies. */
static edd_status job_spawn(edd_ctx *ctx, job_proc *p, int w, const char *exe, char *const argv[])
{
    int req[2] = {-1, -1}, res[2] = {-1, -1};
    p->pid = 0;
    p->in = p->out = -1;
    p->stage = -1;
    if (pipe2(req, O_CLOEXEC) == 0 && pipe2(res, O_CLOEXEC) == 0) {
        for (int k = 0; k < 2; k++) {
            req[k] = lift(req[k]);
            res[k] = lift(res[k]);
        }
    }
    const pid_t parent = getpid();
    pid_t pid = req[0] >= 0 && req[1] >= 0 && res[0] >= 0 && res[1] >= 0 ? fork() : -1;
    if (pid == 0) { /* the child: async-signal-safe calls only, until execv */
        /* A worker ends with its coordinator, however that ends (a kill
         * leaves no one to read its results). */
        if (prctl(PR_SET_PDEATHSIG, SIGTERM) || getppid() != parent || dup2(2, 1) < 0 || dup2(req[0], EDD_REPRO_JOB_IN) < 0 ||
            dup2(res[1], EDD_REPRO_JOB_OUT) < 0 || close_range(EDD_REPRO_JOB_OUT + 1, ~0U, 0))
            _exit(127);
        execv(exe, argv);
        _exit(127);
    }
    const int err = errno;
    const int mine[] = {req[0], res[1]};
    for (size_t k = 0; k < sizeof mine / sizeof mine[0]; k++)
        if (mine[k] >= 0)
            close(mine[k]);
    p->in = req[1];
    p->out = res[0];
    if (pid > 0) {
        p->pid = pid;
        return EDD_OK;
    }
    return edd_fail(ctx, EDD_ERR_IO, "reproduce --jobs: cannot start worker %d (%s): %s", w, exe, strerror(err));
}

/* Reap worker w, and say in why how it ended. */
static void job_reap(job_proc *p, char *why, size_t n)
{
    int status = 0;
    pid_t r;
    while ((r = waitpid(p->pid, &status, 0)) < 0 && errno == EINTR)
        ;
    if (r < 0)
        snprintf(why, n, "cannot wait for it (%s)", strerror(errno));
    else if (WIFSIGNALED(status))
        snprintf(why, n, "killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
    else
        snprintf(why, n, "exited with status %d", WEXITSTATUS(status));
    p->pid = 0;
}

static edd_status jobs_start(void *user, edd_ctx *ctx, int w, int stage, const char *tag, uint32_t dsig)
{
    (void)ctx;
    job_pool *J = user;
    job_msg m = {.stage = stage, .seed = J->seed, .dsig = dsig};
    snprintf(m.tag, sizeof m.tag, "%s", tag);
    J->p[w].stage = stage;
    /* a worker that died cannot take it: its result pipe is then at its
     * end, and jobs_wait reports the stage failed with how it ended */
    (void)write_all(J->p[w].in, &m, sizeof m);
    return EDD_OK;
}

static edd_status jobs_wait(void *user, edd_ctx *ctx, edd_repro_result *res)
{
    job_pool *J = user;
    struct pollfd pf[EDD_REPRO_MAX_JOBS];
    int who[EDD_REPRO_MAX_JOBS], n = 0, r;
    for (int w = 0; w < J->n; w++)
        if (J->p[w].stage >= 0) {
            pf[n] = (struct pollfd){.fd = J->p[w].out, .events = POLLIN};
            who[n++] = w;
        }
    if (n == 0)
        return edd_fail(ctx, EDD_ERR_IO, "reproduce --jobs: waiting with no stage running");
    while ((r = poll(pf, (nfds_t)n, -1)) < 0 && errno == EINTR)
        ;
    if (r < 0)
        return edd_fail(ctx, EDD_ERR_IO, "reproduce --jobs: poll on the workers' pipes: %s", strerror(errno));
    int k = 0;
    while (k < n - 1 && !pf[k].revents)
        k++;
    job_proc *p = &J->p[who[k]];
    const int stage = p->stage;
    p->stage = -1;
    memset(res, 0, sizeof *res);
    if (read_all(p->out, res, sizeof *res)) {
        res->worker = who[k];
        res->err[sizeof res->err - 1] = 0;
        return EDD_OK;
    }
    char why[256];
    const int pid = (int)p->pid;
    job_reap(p, why, sizeof why);
    memset(res, 0, sizeof *res);
    res->worker = who[k];
    res->stage = stage;
    res->status = EDD_ERR_IO;
    snprintf(res->err, sizeof res->err, "worker process %d ended before the stage did: %s", pid, why);
    return EDD_OK;
}

static void jobs_pipeline(void *user, int seed)
{
    ((job_pool *)user)->seed = seed;
}

/* Tell every worker there is no more work (its requests end), end one
 * still running a stage (only after a transport error), and reap them. */
static void jobs_stop(job_pool *J)
{
    for (int w = 0; w < J->n; w++) {
        close(J->p[w].in);
        if (J->p[w].stage >= 0 && J->p[w].pid > 0)
            kill(J->p[w].pid, SIGTERM);
    }
    for (int w = 0; w < J->n; w++) {
        char why[256];
        if (J->p[w].pid > 0)
            job_reap(&J->p[w], why, sizeof why);
        close(J->p[w].out);
    }
}

edd_status edd_reproduce_jobs(edd_ctx *ctx, const edd_repro_scale *sc, const edd_repro_opts *o, int seeds,
                              int njobs, const char *exe, char *const argv[], edd_repro_log *logs)
{
    if (njobs < 1 || njobs > EDD_REPRO_MAX_JOBS)
        return edd_fail(ctx, EDD_ERR_ARG, "--jobs %d: expected 1..%d", njobs, EDD_REPRO_MAX_JOBS);
    job_pool *J = calloc(1, sizeof *J);
    if (!J)
        return edd_fail(ctx, EDD_ERR_NOMEM, "reproduce --jobs %d: out of memory", njobs);
    /* a dead worker's request pipe gives EPIPE, not the signal */
    struct sigaction ign = {.sa_handler = SIG_IGN}, old;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGPIPE, &ign, &old);
    edd_status st = EDD_OK;
    for (; !st && J->n < njobs; J->n++)
        st = job_spawn(ctx, &J->p[J->n], J->n, exe, argv);
    const edd_repro_transport t = {.nworkers = njobs, .user = J, .start = jobs_start, .wait = jobs_wait,
                                   .pipeline = jobs_pipeline, .noun = "job"};
    if (!st)
        st = seeds >= 2 ? edd_reproduce_seeds_over(ctx, sc, o, seeds, &t, logs)
                        : edd_reproduce_spread(ctx, sc, o, &t, logs);
    jobs_stop(J);
    sigaction(SIGPIPE, &old, NULL);
    free(J);
    return st;
}

/* The worker's state for pipeline seed: *w for o, or for o's seed-K
 * folder (into cur and dir, which *w then points at). */
static edd_status serve_seed(edd_ctx *ctx, const edd_repro_scale *sc, const edd_repro_opts *o, int seed,
                             edd_repro_opts *cur, char *dir, edd_repro_worker **w)
{
    edd_repro_worker_free(*w);
    *w = NULL;
    *cur = *o;
    if (seed < 0 || seed > EDD_REPRO_MAX_SEEDS)
        return edd_fail(ctx, EDD_ERR_ARG, "reproduce --worker: pipeline %d, expected 0..%d", seed,
                        EDD_REPRO_MAX_SEEDS);
    if (seed > 0) {
        edd_status st = edd_repro_seed_dir(ctx, o->out_dir, seed, dir);
        if (st)
            return st;
        cur->out_dir = dir;
        cur->seed = seed;
    }
    *w = edd_repro_worker_new(ctx, sc, cur);
    return *w ? EDD_OK : edd_fail(ctx, EDD_ERR_NOMEM, "reproduce --worker: out of memory for the worker");
}

edd_status edd_repro_jobs_serve(edd_ctx *ctx, const edd_repro_scale *sc, const edd_repro_opts *o, int in, int out)
{
    struct stat a, b;
    if (fstat(in, &a) || fstat(out, &b) || !S_ISFIFO(a.st_mode) || !S_ISFIFO(b.st_mode))
        return edd_fail(ctx, EDD_ERR_ARG, "reproduce --worker: descriptors %d and %d are not pipes; this option is "
                        "for the worker processes that `edd reproduce --jobs N` starts", in, out);
    edd_repro_opts cur;
    char dir[EDD_PATH_MAX];
    edd_repro_worker *w = NULL;
    edd_status st = EDD_OK;
    int seed = -1;
    for (job_msg m; !st && read_all(in, &m, sizeof m);) {
        edd_repro_result r = {.stage = m.stage};
        m.tag[sizeof m.tag - 1] = 0;
        if (m.seed != seed || !w) {
            seed = m.seed;
            r.status = serve_seed(ctx, sc, o, seed, &cur, dir, &w);
        }
        if (!r.status)
            r.status = edd_repro_worker_run(w, m.stage, m.tag, m.dsig, &r.sig, &r.seconds);
        if (r.status)
            snprintf(r.err, sizeof r.err, "%s", edd_ctx_error(ctx));
        if (!write_all(out, &r, sizeof r))
            st = edd_fail(ctx, EDD_ERR_IO, "reproduce --worker: the coordinator's pipe is closed (%s)",
                          strerror(errno));
    }
    edd_repro_worker_free(w);
    return st;
}
