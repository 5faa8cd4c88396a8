/* test_crash.c - issue 11: edd killed with SIGKILL at many points, the
 * temporary files a killed run leaves, and the byte-identical outputs of
 * one seed at one thread count (docs/DESIGN.md, "Determinism").
 *
 * Each command runs as a child of the test (the binary the Makefile built,
 * or $EDD_BIN). Its reference outputs come from an uninterrupted run; then
 * it is killed after fractions of that run's wall time, and after every
 * kill each output must be the previous file, byte for byte, or the
 * complete new one, which by determinism is the reference's bytes. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "edd/io.h"
#include "testutil.h"

TestSuite(crash, .timeout = 600);

/* The threads every command here runs with: more than one, so that the
 * byte-identical checks cover OpenMP's and oneDNN's parallel paths. */
#define CRASH_THREADS "2"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Split the command line s (no quoting; words separated by spaces) in
 * place into argv after argv[0] = the edd binary; NULL-terminated. */
static void argv_split(char *s, char **argv, int max)
{
    int n = 0;
    argv[n++] = (char *)edd_bin_or_skip();
    for (char *w = strtok(s, " "); w && n < max - 1; w = strtok(NULL, " "))
        argv[n++] = w;
    argv[n] = NULL;
}

/* Start edd with the words of cmd, its output to /dev/null; returns its
 * pid. */
static pid_t spawn(const char *cmd)
{
    char buf[8192], *argv[64];
    snprintf(buf, sizeof buf, "%s", cmd);
    argv_split(buf, argv, 64);
    pid_t pid = fork();
    cr_assert_neq(pid, -1, "fork: %s", strerror(errno));
    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);
        dup2(fd, 1);
        dup2(fd, 2);
        execv(argv[0], argv);
        _exit(127);
    }
    return pid;
}

/* Run cmd to the end; asserts exit status 0. Returns its wall time. */
static double run_ok(const char *cmd)
{
    double t0 = now_s();
    int status;
    pid_t pid = spawn(cmd);
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "edd %s: status 0x%x", cmd, status);
    return now_s() - t0;
}

/* Start cmd, SIGKILL it after `after` seconds unless it has exited, reap
 * it. Returns its pid; *killed says whether it was still running. */
static pid_t run_killed(const char *cmd, double after, int *killed)
{
    pid_t pid = spawn(cmd);
    double t0 = now_s();
    int status;
    *killed = 1;
    while (now_s() - t0 < after) {
        if (waitpid(pid, &status, WNOHANG) == pid) {
            *killed = 0;
            cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "edd %s: status 0x%x", cmd, status);
            return pid;
        }
        usleep(2000);
    }
    kill(pid, SIGKILL);
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    if (WIFEXITED(status)) {
        *killed = 0;
        cr_assert_eq(WEXITSTATUS(status), 0, "edd %s exited with %d", cmd, WEXITSTATUS(status));
    }
    return pid;
}

/* The bytes of path in a malloc'd buffer, their count in *n; NULL if the
 * file does not exist. */
static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)len + 1);
    cr_assert(b && fread(b, 1, (size_t)len, f) == (size_t)len);
    fclose(f);
    *n = (size_t)len;
    return b;
}

static int same_bytes(const unsigned char *a, size_t na, const unsigned char *b, size_t nb)
{
    return a && b && na == nb && !memcmp(a, b, na);
}

/* How many files in dir have a name with EDD_TMP_INFIX in it. */
static int count_tmp(const char *dir)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "%s", dir);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += strstr(e->d_name, EDD_TMP_INFIX) != NULL;
    closedir(d);
    return n;
}

/* cmd with {o} replaced by the output prefix o and {s} by the seed s. */
static void fill(char *out, size_t n, const char *tmpl, const char *o, int s)
{
    size_t k = 0;
    for (const char *p = tmpl; *p && k + 32 < n; p++) {
        if (!strncmp(p, "{o}", 3))
            k += (size_t)snprintf(out + k, n - k, "%s", o), p += 2;
        else if (!strncmp(p, "{s}", 3))
            k += (size_t)snprintf(out + k, n - k, "%d", s), p += 2;
        else
            out[k++] = *p;
    }
    out[k] = 0;
}

/* The kill fractions of the reference's wall time: early, in the middle,
 * and around the end, where the outputs are written. */
static const double kill_at[] = {0.05, 0.25, 0.5, 0.75, 0.9, 0.97, 1.0, 1.03};
#define NKILL (sizeof kill_at / sizeof kill_at[0])

/* The crash test of one command template tmpl (its outputs in dir, named
 * {o}<outs[i]>, seeded with {s}):
 * 1. seed 2 writes the previous outputs (prefix "run-");
 * 2. seed 1 twice (prefixes "ref-" and "again-") gives byte-identical
 *    outputs: same seed, data and thread count;
 * 3. seed 1 killed after each fraction of the reference's time: every
 *    output is the previous file or the reference's bytes, and nothing in
 *    dir is new but that command's own temporary files;
 * 4. seed 1 to the end: the reference's bytes, and no temporary file left. */
static void crash_case(const char *name, const char *dir, const char *tmpl, const char *const *outs, int nouts)
{
    char cmd[8192], path[4200];
    unsigned char *prev[4], *ref[4];
    size_t nprev[4], nref[4];
    cr_assert(nouts <= 4);

    fill(cmd, sizeof cmd, tmpl, "run-", 2);
    run_ok(cmd);
    fill(cmd, sizeof cmd, tmpl, "ref-", 1);
    double t = run_ok(cmd);
    fill(cmd, sizeof cmd, tmpl, "again-", 1);
    run_ok(cmd);
    for (int i = 0; i < nouts; i++) {
        size_t n2;
        snprintf(path, sizeof path, "%s/run-%s", dir, outs[i]);
        prev[i] = slurp(path, &nprev[i]);
        snprintf(path, sizeof path, "%s/ref-%s", dir, outs[i]);
        ref[i] = slurp(path, &nref[i]);
        snprintf(path, sizeof path, "%s/again-%s", dir, outs[i]);
        unsigned char *again = slurp(path, &n2);
        cr_assert(prev[i] && ref[i] && again, "%s: %s written by all three runs", name, outs[i]);
        cr_assert(same_bytes(ref[i], nref[i], again, n2), "%s: two runs with seed 1 at %s threads wrote different %s",
                  name, CRASH_THREADS, outs[i]);
        cr_assert_not(same_bytes(ref[i], nref[i], prev[i], nprev[i]), "%s: seeds 1 and 2 wrote the same %s", name,
                      outs[i]);
        free(again);
    }

    int mid = 0, replaced = 0, tmp_left = 0;
    for (size_t k = 0; k < NKILL; k++) {
        int killed;
        fill(cmd, sizeof cmd, tmpl, "run-", 1);
        pid_t pid = run_killed(cmd, kill_at[k] * t, &killed);
        mid += killed;
        for (int i = 0; i < nouts; i++) {
            size_t n;
            snprintf(path, sizeof path, "%s/run-%s", dir, outs[i]);
            unsigned char *b = slurp(path, &n);
            int is_prev = same_bytes(b, n, prev[i], nprev[i]), is_new = same_bytes(b, n, ref[i], nref[i]);
            cr_assert(is_prev || is_new,
                      "%s killed after %.2f s (%.0f%% of a run): %s is neither the previous file nor the complete new "
                      "one",
                      name, kill_at[k] * t, 100 * kill_at[k], outs[i]);
            free(b);
            if (is_new) {
                replaced++;
                file_put(path, prev[i], nprev[i]);
            }
        }
        /* anything temporary in dir is the killed run's own */
        DIR *d = opendir(dir);
        char mine[32];
        snprintf(mine, sizeof mine, ".edd-tmp.%ld", (long)pid);
        for (struct dirent *e; (e = readdir(d));) {
            char *t5 = strstr(e->d_name, EDD_TMP_INFIX);
            if (t5) {
                cr_assert_str_eq(t5, mine, "%s: %s is no temporary file of the run just killed", name, e->d_name);
                tmp_left++;
            }
        }
        closedir(d);
    }
    fill(cmd, sizeof cmd, tmpl, "run-", 1);
    run_ok(cmd);
    for (int i = 0; i < nouts; i++) {
        size_t n;
        snprintf(path, sizeof path, "%s/run-%s", dir, outs[i]);
        unsigned char *b = slurp(path, &n);
        cr_assert(same_bytes(b, n, ref[i], nref[i]), "%s: the run after the kills wrote a different %s", name,
                  outs[i]);
        free(b);
        free(prev[i]);
        free(ref[i]);
    }
    cr_assert_eq(count_tmp(dir), 0, "%s: the run after the kills leaves no temporary file", name);
    fprintf(stderr, "crash: %s (%.2f s a run) killed at %zu points, %d of them mid-run; %d outputs complete at the "
            "kill, %d temporary files left and swept\n", name, t, NKILL, mid, replaced, tmp_left);
    cr_assert_geq(mid, 3, "%s: at least the early kills land mid-run", name);
}

Test(crash, train_distill_uncertainty_killed_at_every_delay)
{
    char data[4096], dir[64], tmpl[8192];
    mnist_dir_or_skip(data, sizeof data);
    tmpdir_make(dir, sizeof dir, "crash");

    snprintf(tmpl, sizeof tmpl,
             "train --data-dir %s --train-limit 1024 --epochs 1 --threads " CRASH_THREADS
             " --quiet --seed {s} --out %s/{o}m.edd",
             data, dir);
    const char *train_out[] = {"m.edd"};
    crash_case("edd train", dir, tmpl, train_out, 1);

    snprintf(tmpl, sizeof tmpl,
             "uncertainty --data-dir %s --teacher %s/ref-m.edd --train-limit 512 --passes 4 --threads " CRASH_THREADS
             " --quiet --seed {s} --out %s/{o}s.npy",
             data, dir, dir);
    const char *unc_out[] = {"s.npy"};
    crash_case("edd uncertainty", dir, tmpl, unc_out, 1);

    snprintf(tmpl, sizeof tmpl,
             "distill --data-dir %s --teacher %s/ref-m.edd --train-limit 512 --passes 3 --epochs 1 --threads "
             CRASH_THREADS " --quiet --seed {s} --out %s/{o}d.edd --sigma-out %s/{o}ds.npy",
             data, dir, dir, dir);
    const char *distill_out[] = {"d.edd", "ds.npy"};
    crash_case("edd distill", dir, tmpl, distill_out, 2);
    tmpdir_remove(dir);
}

/* A killed writer's path.edd-tmp.<pid> goes at the next write of path, and
 * at a sweep of its folder; one with the writer's own pid (a dead process's
 * that had it) is replaced; a live process's, and names that only look
 * similar (a user's notes.tmp.<dead pid> among them), stay. */
Test(crash, stale_temporary_files_are_swept)
{
    char dir[64], path[1024];
    tmpdir_make(dir, sizeof dir, "sweep");
    pid_t dead = fork();
    cr_assert_neq(dead, -1);
    if (dead == 0)
        _exit(0);
    cr_assert_eq(waitpid(dead, NULL, 0), dead);
    static const struct {
        const char *fmt; /* %ld: a pid */
        int who;         /* 0: the dead child, 1: the live parent, 2: this process */
        int after_write, after_sweep;
    } f[] = {
        {"a.npy.edd-tmp.%ld", 0, 0, 0}, {"a.npy.edd-tmp.%ld", 1, 1, 1},  {"a.npy.edd-tmp.%ld", 2, 0, 0},
        {"b.edd.edd-tmp.%ld", 0, 1, 0}, {"a.npy.edd-tmp.x%ld", 0, 1, 1}, {"a.npy.edd-tmp.%ld.bak", 0, 1, 1},
        {"notes.txt", 0, 1, 1},         {"a.npy.tmp.%ld", 0, 1, 1},      {"notes.tmp.%ld", 0, 1, 1},
    };
    size_t nf = sizeof f / sizeof f[0];
    char names[9][64];
    for (size_t i = 0; i < nf; i++) {
        long pid = f[i].who == 2 ? (long)getpid() : f[i].who == 1 ? (long)getppid() : (long)dead;
        snprintf(names[i], sizeof names[i], f[i].fmt, pid);
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        file_put(path, "x", 1);
    }
    edd_ctx ctx = {0};
    const size_t shape[1] = {3};
    const float v[3] = {1, 2, 3};
    snprintf(path, sizeof path, "%s/a.npy", dir);
    cr_assert_eq(edd_npy_write(&ctx, path, EDD_NPY_F32, 1, shape, v), EDD_OK, "%s", ctx.err);
    for (size_t i = 0; i < nf; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        cr_assert_eq(access(path, F_OK) == 0, f[i].after_write, "after writing a.npy: %s", names[i]);
    }
    int removed;
    cr_assert_eq(edd_tmp_sweep(&ctx, dir, NULL, &removed), EDD_OK, "%s", ctx.err);
    cr_assert_eq(removed, 1);
    for (size_t i = 0; i < nf; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        cr_assert_eq(access(path, F_OK) == 0, f[i].after_sweep, "after the sweep: %s", names[i]);
    }
    snprintf(path, sizeof path, "%s/none", dir);
    cr_assert_eq(edd_tmp_sweep(&ctx, path, NULL, NULL), EDD_ERR_IO);
    cr_assert(strstr(ctx.err, path) && strstr(ctx.err, "cannot list"), "%s", ctx.err);
    tmpdir_remove(dir);
}
