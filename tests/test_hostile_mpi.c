/* test_hostile_mpi.c - issue 24, item 3 and Deliver 4: MPI ranks started
 * with settings other than rank 0's stop, every one, with exit 2, before
 * any stage, naming the setting and both values. Each table row is one
 * case: a new way for ranks to differ is one more row. The test skips,
 * saying why, where mpirun or an MPI build of edd is missing. */
#include <criterion/criterion.h>

#include "testutil.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

TestSuite(hostile_mpi, .timeout = 300);

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* ---- MPI ranks that disagree with rank 0 ---- */

/* The edd binary, when it is an MPI build and mpirun is installed; skips
 * the test, saying so, otherwise. */
static const char *mpi_edd_or_skip(void)
{
    const char *bin = edd_bin_or_skip();
    char out[8192];
    if (system("command -v mpirun >/dev/null 2>&1"))
        cr_skip_test("mpirun is not installed (make deps installs openmpi-bin)");
    edd_run(out, sizeof out, "reproduce --help");
    if (!strstr(out, "built with MPI:"))
        cr_skip_test("%s is built without MPI (make MPI=1)", bin);
    return bin;
}

/* A copy of the MNIST folder data in a fresh folder (into copy): links to
 * three of its files, and the test labels with one byte changed. */
static void data_copy_one_byte(const char *data, char *copy, size_t n)
{
    static const char *const linked[] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                         "t10k-images-idx3-ubyte"};
    char from[4200], to[4200];
    tmpdir_make(copy, n, "hostile_data");
    for (size_t i = 0; i < 3; i++) {
        snprintf(from, sizeof from, "%s/%s", data, linked[i]);
        snprintf(to, sizeof to, "%s/%s", copy, linked[i]);
        cr_assert(realpath(from, to + 2048), "%s", from);
        cr_assert_eq(symlink(to + 2048, to), 0, "%s", to);
    }
    snprintf(from, sizeof from, "%s/t10k-labels-idx1-ubyte", data);
    snprintf(to, sizeof to, "%s/t10k-labels-idx1-ubyte", copy);
    size_t len;
    unsigned char *b = (unsigned char *)file_read_text(from, &len);
    cr_assert(b && len > 100, "%s", from);
    b[100] = (unsigned char)((b[100] + 1) % 10); /* one test label */
    file_put(to, b, len);
    free(b);
}

/* The exit status of pid, waited for at most secs seconds; on the
 * deadline its process group is killed and -1 returned. */
static int wait_for(pid_t pid, double secs)
{
    const double t0 = now();
    int status;
    for (;;) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        cr_assert_neq(w, -1);
        if (w == pid)
            return status;
        if (now() - t0 > secs) {
            kill(-pid, SIGKILL);
            waitpid(pid, &status, 0);
            return -1;
        }
        usleep(50000);
    }
}

/* One MPMD run: rank 0 and rank 1 each `edd reproduce --out dir --only
 * baseline,teacher` with their own scale, data folder and threads. */
typedef struct {
    const char *scale[2];
    const char *data[2];
    const char *threads[2];
} mpmd;

static pid_t mpmd_start(const char *bin, const mpmd *m, const char *dir, const char *errpath)
{
    const char *argv[64];
    int n = 0;
    argv[n++] = "mpirun";
    if (geteuid() == 0)
        argv[n++] = "--allow-run-as-root";
    argv[n++] = "--oversubscribe";
    argv[n++] = "-x";
    argv[n++] = "OMP_NUM_THREADS";
    for (int r = 0; r < 2; r++) {
        const char *rank[] = {"-np", "1", bin, "reproduce", "--scale", m->scale[r], "--out", dir, "--only",
                              "baseline,teacher", "--data-dir", m->data[r], "--threads", m->threads[r]};
        if (r)
            argv[n++] = ":";
        for (size_t k = 0; k < sizeof rank / sizeof rank[0]; k++)
            argv[n++] = rank[k];
    }
    argv[n] = NULL;
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        setpgid(0, 0);
        int fe = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0666);
        dup2(fe, 1);
        dup2(fe, 2);
        setenv("OMP_NUM_THREADS", "1", 1);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    setpgid(pid, pid);
    return pid;
}

/* Issue 24 item 3: `mpirun -np 1 edd reproduce --scale quick ... : -np 1
 * edd reproduce --scale smoke ...` ran rank 1's smoke stages under rank
 * 0's quick manifests. Each row starts two ranks that differ in one way:
 * both exit 2 within the deadline, the message names the setting and both
 * values, and no stage has a manifest. */
Test(hostile_mpi, mpirun_ranks_that_disagree_stop_before_any_stage)
{
    const char *bin = mpi_edd_or_skip();
    char data[4096], copy[64];
    mnist_dir_or_skip(data, sizeof data);
    data_copy_one_byte(data, copy, sizeof copy);
    const struct {
        const char *name;
        mpmd m;
        const char *says[2]; /* fragments of the message */
    } rows[] = {
        {"--scale quick on rank 0, smoke on rank 1", {{"quick", "smoke"}, {data, data}, {"1", "1"}},
         {"rank 1: --scale smoke, rank 0: quick", "rank 1: the scale's settings smoke-"}},
        {"a copy of the data with one byte changed on rank 1", {{"smoke", "smoke"}, {data, copy}, {"1", "1"}},
         {"rank 1: --data-dir (real path) ", "rank 1: the data's SHA-256 "}},
        {"--threads 2 on rank 1", {{"smoke", "smoke"}, {data, data}, {"1", "2"}}, {"rank 1: --threads 2, rank 0: 1", ""}},
    };
    double t0;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char dir[64], errpath[96], done[128];
        tmpdir_make(dir, sizeof dir, "hostile_mpmd");
        snprintf(errpath, sizeof errpath, "%s.err", dir);
        t0 = now();
        const int status = wait_for(mpmd_start(bin, &rows[i].m, dir, errpath), 60);
        const double secs = now() - t0;
        char *err = file_read_text(errpath, NULL);
        cr_assert(status != -1, "%s: still running after 60 s: %s", rows[i].name, err);
        cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 2, "%s: status 0x%x, expected exit 2: %s", rows[i].name,
                  status, err);
        for (int k = 0; k < 2; k++)
            cr_assert(err && strstr(err, rows[i].says[k]), "%s: the message should say '%s': %s", rows[i].name,
                      rows[i].says[k], err);
        cr_assert(strstr(err, "edd reproduce: the ranks disagree with rank 0, so no stage runs"), "%s", err);
        static const char *const stages[] = {"stages/baseline.done", "stages/teacher.done"};
        for (size_t k = 0; k < 2; k++) {
            snprintf(done, sizeof done, "%s/%s", dir, stages[k]);
            cr_assert(access(done, F_OK), "%s: %s was written", rows[i].name, done);
        }
        fprintf(stderr, "hostile_mpi: %s: exit 2 in %.1f s\n", rows[i].name, secs);
        free(err);
        remove(errpath);
        tmpdir_remove(dir);
    }
    tmpdir_remove(copy);
}
