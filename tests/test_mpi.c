/* test_mpi.c - `edd reproduce` spread over workers: the coordinator with
 * an in-process transport (no MPI needed): the same outputs as a serial
 * run, a failed stage named with its rank and resumed; then the MPI build
 * under mpirun at smoke scale: 3 and 2 ranks write what one process writes,
 * byte for byte; a rank stopped as it starts a stage (EDD_STOP_AT), then a
 * rerun, ends with the same outputs; a failed stage stops the run with its
 * name and rank. The mpirun tests skip, and say why, where mpirun or an
 * MPI build of edd is missing; as root they pass --allow-run-as-root. */
#include <criterion/criterion.h>

#include "edd.h"
#include "experiments.h"
#include "repro_parallel.h"
#include "spread_util.h"
#include "testutil.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

TestSuite(mpi, .timeout = 1800);

static int exists(const char *dir, const char *rel)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    return access(path, F_OK) == 0;
}

/* ---- the coordinator with an in-process transport ---- */

/* Two workers that run the stage handed to them when the coordinator
 * waits, taking turns, each with its own context and data. */
typedef struct {
    edd_ctx wctx[2];
    edd_repro_worker *w[2];
    int stage[2]; /* -1: idle */
    char tag[2][128];
    uint32_t dsig[2];
    int turn;
} fake;

static edd_status fake_start(void *user, edd_ctx *ctx, int w, int stage, const char *tag, uint32_t dsig)
{
    (void)ctx;
    fake *f = user;
    cr_assert_eq(f->stage[w], -1, "stage %d handed to busy worker %d", stage, w);
    f->stage[w] = stage;
    snprintf(f->tag[w], sizeof f->tag[w], "%s", tag);
    f->dsig[w] = dsig;
    return EDD_OK;
}

static edd_status fake_wait(void *user, edd_ctx *ctx, edd_repro_result *res)
{
    (void)ctx;
    fake *f = user;
    int w = f->turn;
    if (f->stage[w] < 0)
        w = 1 - w;
    cr_assert_geq(f->stage[w], 0, "wait with no stage running");
    f->turn = 1 - w;
    memset(res, 0, sizeof *res);
    res->worker = w;
    res->stage = f->stage[w];
    res->status = edd_repro_worker_run(f->w[w], f->stage[w], f->tag[w], f->dsig[w], &res->sig, &res->seconds);
    if (res->status)
        snprintf(res->err, sizeof res->err, "%s", f->wctx[w].err);
    f->stage[w] = -1;
    return EDD_OK;
}

Test(mpi, spread_in_process_matches_serial_and_names_the_failed_rank)
{
    char data[4096], ref[64], dir[64], path[256];
    mnist_dir_or_skip(data, sizeof data);
    edd_ctx ctx;
    ctx_make(&ctx);
    edd_repro_scale sc;
    cr_assert_eq(edd_repro_scale_get(&ctx, "smoke", &sc), EDD_OK);
    tmpdir_make(ref, sizeof ref, "spread_ref");
    tmpdir_make(dir, sizeof dir, "spread");
    edd_repro_opts o = {.out_dir = ref, .data_dir = data, .only = "fig2a", .quiet = 1};
    edd_repro_log log;
    cr_assert_eq(edd_reproduce(&ctx, &sc, &o, &log), EDD_OK, "%s", ctx.err);

    fake f = {.stage = {-1, -1}};
    for (int w = 0; w < 2; w++) {
        ctx_make(&f.wctx[w]);
        f.w[w] = edd_repro_worker_new(&f.wctx[w], &sc, &o);
        cr_assert_not_null(f.w[w]);
    }
    const edd_repro_transport t = {.nworkers = 2, .user = &f, .start = fake_start, .wait = fake_wait};
    /* fig2a's CSV cannot be written (a folder has its name): the run
     * stops naming the stage and its worker, fig2a has no manifest, the
     * stages that ended keep theirs */
    o.out_dir = dir;
    snprintf(path, sizeof path, "%s/fig2a_fgm.csv", dir);
    cr_assert_eq(mkdir(path, 0777), 0);
    edd_ctx coord = {0};
    cr_assert_eq(edd_reproduce_spread(&coord, &sc, &o, &t, &log), EDD_ERR_IO);
    cr_assert(strstr(coord.err, "stage fig2a failed on rank ") && strstr(coord.err, "fig2a_fgm.csv"), "%s", coord.err);
    cr_assert(!exists(dir, "stages/fig2a.done") && exists(dir, "stages/distilled.done"), "fig2a alone is undone");
    cr_assert_eq(tmp_left(dir), 0, "no temporary file left by the failed stage");
    int on1 = 0;
    for (int i = 0; i < log.n; i++)
        on1 += log.stage[i].ran && log.stage[i].rank == 1;
    cr_assert_eq(log.ranks, 2);
    cr_assert_gt(on1, 0, "the second worker ran stages too");
    /* the rerun resumes: fig2a alone runs, and the outputs are the serial
     * run's */
    cr_assert_eq(rmdir(path), 0);
    cr_assert_eq(edd_reproduce_spread(&coord, &sc, &o, &t, &log), EDD_OK, "%s", coord.err);
    int ran = 0;
    for (int i = 0; i < log.n; i++)
        ran += log.stage[i].ran;
    cr_assert_eq(ran, 1, "only fig2a is redone");
    cr_assert_eq(same_outputs(ref, dir), 1 + 3 * 2 + 2 + 2 * EDD_REPRO_SIGMA_PARTS + 2,
                 "fig2a's CSV, three models and their JSON, two sigmas and their parts' two each, and "
                 "fig2a's two digit-grid arrays (points/grid_fgm_baseline.npy, grid_fgm_distilled.npy)");
    for (int w = 0; w < 2; w++) {
        edd_repro_worker_free(f.w[w]);
        edd_ctx_free(&f.wctx[w]);
    }
    tmpdir_remove(ref);
    tmpdir_remove(dir);
    edd_ctx_free(&ctx);
}

/* ---- under mpirun ---- */

/* The edd binary, when it is an MPI build and mpirun is installed; skips
 * the test, saying so, otherwise. */
static const char *mpi_edd_or_skip(void)
{
    const char *bin = edd_bin_or_skip();
    if (system("command -v mpirun >/dev/null 2>&1")) {
        fprintf(stderr, "mpi: SKIPPED, mpirun is not installed (make deps installs openmpi-bin)\n");
        cr_skip_test("mpirun is not installed (make deps installs openmpi-bin)");
    }
    char out[8192];
    edd_run(out, sizeof out, "reproduce --help");
    if (!strstr(out, "built with MPI:")) {
        fprintf(stderr, "mpi: SKIPPED, %s is built without MPI (make MPI=1; make sanitize builds without)\n", bin);
        cr_skip_test("%s is built without MPI (make MPI=1; make sanitize builds without)", bin);
    }
    return bin;
}

/* Start `edd reproduce --scale smoke` into dir at one thread: alone when
 * np is 0, else under `mpirun --oversubscribe -np NP`; extra (may be NULL)
 * is one more option and its value. stdout and stderr go to dir.out and
 * dir.err. */
static pid_t start_edd(const char *bin, int np, const char *dir, const char *data, const char *extra,
                       const char *value)
{
    char npv[16];
    snprintf(npv, sizeof npv, "%d", np);
    const char *argv[32];
    int n = 0;
    if (np) {
        argv[n++] = "mpirun";
        if (geteuid() == 0)
            argv[n++] = "--allow-run-as-root";
        argv[n++] = "--oversubscribe";
        argv[n++] = "-np";
        argv[n++] = npv;
        argv[n++] = "-x";
        argv[n++] = "OMP_NUM_THREADS";
        if (getenv("EDD_STOP_AT")) {
            argv[n++] = "-x";
            argv[n++] = "EDD_STOP_AT";
        }
    }
    const char *rest[] = {bin, "reproduce", "--scale", "smoke", "--out", dir, "--data-dir", data, "--threads", "1"};
    for (size_t k = 0; k < sizeof rest / sizeof rest[0]; k++)
        argv[n++] = rest[k];
    if (extra) {
        argv[n++] = extra;
        argv[n++] = value;
    }
    argv[n] = NULL;
    return spawn_logged(argv, dir);
}

/* EDD_STOP_AT (docs/HOSTILE.md, "Named stop points") for a rank other
 * than 0: stage:NAME@rank!=0 for every stage that reads the distilled
 * model, into buf. Rank 0 coordinates and never stops. Most of the
 * table's stages read the distilled model and rank 0's own worker runs
 * one stage at a time, so another rank starts one of them, with the
 * teacher, sigma and the distilled model done by then: a stop at a stage's
 * start, whatever the machine's speed. */
static void worker_stops(char *buf, size_t n)
{
    edd_ctx ctx = {0};
    const int distilled = edd_repro_stage_find("distilled");
    size_t len = 0;
    buf[0] = 0;
    for (int i = 0; i < edd_repro_stage_count(); i++) {
        uint64_t mask;
        const char *name = edd_repro_stage_name(i);
        cr_assert_eq(edd_repro_select(&ctx, name, &mask), EDD_OK, "%s", ctx.err);
        if (i == distilled || !(mask & (1ull << distilled)))
            continue;
        len += (size_t)snprintf(buf + len, n - len, "%sstage:%s@rank!=0", len ? "," : "", name);
        cr_assert_lt(len, n, "EDD_STOP_AT fits");
    }
}

/* The stages the ranks stopped at, by their lines in errpath ("edd:
 * stopped at stage:NAME on rank R"), into names (up to max, 64 bytes
 * each); asserts that no rank 0 stopped. Returns how many. */
static int stopped_stages(const char *errpath, char names[][64], int max)
{
    char *text = file_read_text(errpath, NULL);
    int n = 0;
    for (const char *p = text; p && n < max && (p = strstr(p, "edd: stopped at stage:")); p++) {
        int rank = -1;
        cr_assert_eq(sscanf(p, "edd: stopped at stage:%63s on rank %d", names[n], &rank), 2, "%s", p);
        cr_assert_neq(rank, 0, "rank 0, the coordinator, never stops: %s", p);
        n++;
    }
    free(text);
    return n;
}

Test(mpi, mpirun_smoke_equals_serial_and_a_killed_rank_resumes)
{
    const char *bin = mpi_edd_or_skip();
    char data[4096], ref[64], d3[64], d2[64], dk[64], path[256];
    mnist_dir_or_skip(data, sizeof data);
    if (system("command -v gnuplot >/dev/null 2>&1"))
        cr_skip_test("gnuplot is not installed (the plots stage needs it)");
    tmpdir_make(ref, sizeof ref, "mpi_ref");
    tmpdir_make(d3, sizeof d3, "mpi_np3");
    tmpdir_make(d2, sizeof d2, "mpi_np2");
    tmpdir_make(dk, sizeof dk, "mpi_kill");
    double t0 = edd_now();
    int status = finish(start_edd(bin, 0, ref, data, NULL, NULL));
    cr_assert(WIFEXITED(status) && !WEXITSTATUS(status), "the serial run: status 0x%x", status);
    const double serial = edd_now() - t0;
    /* 3 ranks, then 2: every output the serial run's */
    t0 = edd_now();
    status = finish(start_edd(bin, 3, d3, data, NULL, NULL));
    snprintf(path, sizeof path, "%s.err", d3);
    cr_assert(WIFEXITED(status) && !WEXITSTATUS(status), "mpirun -np 3: status 0x%x, see %s", status, path);
    const double np3 = edd_now() - t0;
    const int nfiles = same_outputs(ref, d3);
    t0 = edd_now();
    status = finish(start_edd(bin, 2, d2, data, NULL, NULL));
    snprintf(path, sizeof path, "%s.err", d2);
    cr_assert(WIFEXITED(status) && !WEXITSTATUS(status), "mpirun -np 2: status 0x%x, see %s", status, path);
    const double np2 = edd_now() - t0;
    cr_assert_eq(same_outputs(ref, d2), nfiles);
    snprintf(path, sizeof path, "%s.out", d2);
    char *json = file_read_text(path, NULL);
    cr_assert(json && strstr(json, "\"ranks\":2,") && strstr(json, "\"rank\":1,"), "rank 1 ran stages: %s", json);
    free(json);

    /* 3 ranks again, a rank other than 0 stopped as it starts a stage that
     * reads the distilled model (EDD_STOP_AT), then a rerun on 3 ranks */
    char stops[4096], stage[2][64], rel[128];
    worker_stops(stops, sizeof stops);
    cr_assert_eq(setenv("EDD_STOP_AT", stops, 1), 0);
    pid_t run = start_edd(bin, 3, dk, data, NULL, NULL);
    unsetenv("EDD_STOP_AT");
    status = finish(run);
    cr_assert(!WIFEXITED(status) || WEXITSTATUS(status), "mpirun ends in failure when a rank stops");
    snprintf(path, sizeof path, "%s.err", dk);
    const int nstopped = stopped_stages(path, stage, 2);
    cr_assert_geq(nstopped, 1, "a rank other than 0 stopped at a stage (see %s)", path);
    for (int k = 0; k < nstopped; k++) {
        snprintf(rel, sizeof rel, "stages/%s.done", stage[k]);
        cr_assert(!exists(dk, rel), "stage %s, stopped as it started, has no manifest", stage[k]);
    }
    cr_assert(exists(dk, "stages/teacher.done") && exists(dk, "stages/distilled.done"),
              "the stages %s reads were done first", stage[0]);
    status = finish(start_edd(bin, 3, dk, data, NULL, NULL));
    cr_assert(WIFEXITED(status) && !WEXITSTATUS(status), "the rerun: status 0x%x, see %s", status, path);
    snprintf(path, sizeof path, "%s.out", dk);
    json = file_read_text(path, NULL);
    char ran[128];
    snprintf(ran, sizeof ran, "{\"stage\":\"%s\",\"ran\":true", stage[0]);
    cr_assert(json && strstr(json, ran) && strstr(json, "\"ran\":false"), "the rerun resumes and redoes %s: %s",
              stage[0], json);
    free(json);
    cr_assert_eq(same_outputs(ref, dk), nfiles);
    cr_assert_eq(tmp_left(dk), 0, "no temporary file after the rerun");
    fprintf(stderr, "mpi: smoke at 1 thread per process: serial %.1f s, mpirun -np 3 %.1f s, -np 2 %.1f s; %d "
            "outputs equal; a rank stopped at stage:%s, the rerun on 3 ranks equals the serial run\n",
            serial, np3, np2, nfiles, stage[0]);
    const char *dirs[4] = {ref, d3, d2, dk};
    for (int k = 0; k < 4; k++) {
        char f[96];
        tmpdir_remove(dirs[k]);
        snprintf(f, sizeof f, "%s.out", dirs[k]);
        remove(f);
        snprintf(f, sizeof f, "%s.err", dirs[k]);
        remove(f);
    }
}

Test(mpi, mpirun_failed_stage_names_stage_and_rank)
{
    const char *bin = mpi_edd_or_skip();
    char data[4096], dir[64], path[256];
    mnist_dir_or_skip(data, sizeof data);
    tmpdir_make(dir, sizeof dir, "mpi_fail");
    snprintf(path, sizeof path, "%s/models", dir);
    cr_assert_eq(mkdir(path, 0777), 0);
    snprintf(path, sizeof path, "%s/models/teacher.edd", dir);
    cr_assert_eq(mkdir(path, 0777), 0);
    int status = finish(start_edd(bin, 2, dir, data, "--only", "baseline,teacher"));
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 1, "a failed stage: exit 1, not 0x%x", status);
    char errp[128];
    snprintf(errp, sizeof errp, "%s.err", dir);
    char *err = file_read_text(errp, NULL);
    cr_assert(err && strstr(err, "edd reproduce: stage teacher failed on rank ") && strstr(err, "teacher.edd"),
              "the message names the stage, the rank and the file: %s", err);
    free(err);
    cr_assert(!exists(dir, "stages/teacher.done") && exists(dir, "stages/baseline.done"));
    cr_assert_eq(tmp_left(dir), 0, "no half-written output");
    cr_assert_eq(rmdir(path), 0);
    status = finish(start_edd(bin, 2, dir, data, "--only", "baseline,teacher"));
    cr_assert(WIFEXITED(status) && !WEXITSTATUS(status), "the rerun: status 0x%x", status);
    char outp[128];
    snprintf(outp, sizeof outp, "%s.out", dir);
    char *json = file_read_text(outp, NULL);
    cr_assert(json && strstr(json, "{\"stage\":\"baseline\",\"ran\":false") &&
                  strstr(json, "{\"stage\":\"teacher\",\"ran\":true"),
              "the rerun resumes: %s", json);
    free(json);
    tmpdir_remove(dir);
    remove(outp);
    remove(errp);
}

/* An edd built without MPI, started by a launcher as one of several
 * processes, refuses instead of running the stages P times over. */
Test(mpi, without_mpi_a_launcher_is_refused)
{
    char out[8192];
    edd_run(out, sizeof out, "reproduce --help");
    if (strstr(out, "built with MPI:"))
        cr_skip_test("this edd is an MPI build (make sanitize checks the refusal of the build without)");
    int rc = edd_run(out, sizeof out, "reproduce --scale smoke --out /tmp/edd_mpi_never --dry-run");
    cr_assert_eq(rc, 0, "--dry-run runs no stage: %s", out);
    setenv("OMPI_COMM_WORLD_SIZE", "3", 1);
    rc = edd_run(out, sizeof out, "reproduce --scale smoke --out /tmp/edd_mpi_never");
    unsetenv("OMPI_COMM_WORLD_SIZE");
    cr_assert_eq(rc, 2, "%s", out);
    cr_assert(strstr(out, "one of 3 processes, but this edd is built without MPI"), "%s", out);
    cr_assert(access("/tmp/edd_mpi_never", F_OK), "nothing written");
}
