/* test_crash.c - issue 11: edd stopped at every point of a write (as a
 * kill there would), the temporary files a stopped run leaves, and the
 * byte-identical outputs of one seed at one thread count (docs/DESIGN.md,
 * "Determinism").
 *
 * Each command runs as a child of the test (the binary the Makefile built,
 * or $EDD_BIN). Its reference outputs come from an uninterrupted run; then
 * it is stopped at each named point of each output's write (EDD_STOP_AT,
 * docs/HOSTILE.md, "Named stop points"): half written, and complete before
 * the rename. After every stop each output must be the previous file, byte
 * for byte, or the complete new one, which by determinism is the
 * reference's bytes. A stop lands at the same point on any machine, loaded
 * or not. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "edd/io.h"
#include "testutil.h"

TestSuite(crash, .timeout = 600);

/* The threads every command here runs with: more than one, so that the
 * byte-identical checks cover OpenMP's and oneDNN's parallel paths. */
#define CRASH_THREADS "2"

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

/* Run edd with the words of cmd to its end, its output to /dev/null, and
 * EDD_STOP_AT=stop unless stop is NULL. Returns its wait status; its pid
 * into *pid (may be NULL). */
static int run_edd(const char *cmd, const char *stop, pid_t *pid)
{
    char buf[8192], *argv[64];
    snprintf(buf, sizeof buf, "%s", cmd);
    argv_split(buf, argv, 64);
    pid_t child = fork();
    cr_assert_neq(child, -1, "fork: %s", strerror(errno));
    if (child == 0) {
        int fd = open("/dev/null", O_WRONLY);
        dup2(fd, 1);
        dup2(fd, 2);
        if (stop)
            setenv("EDD_STOP_AT", stop, 1);
        execv(argv[0], argv);
        _exit(127);
    }
    int status;
    cr_assert_eq(waitpid(child, &status, 0), child);
    if (pid)
        *pid = child;
    return status;
}

/* Run cmd to the end; asserts exit status 0. */
static void run_ok(const char *cmd)
{
    int status = run_edd(cmd, NULL, NULL);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "edd %s: status 0x%x", cmd, status);
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

/* One command's outputs, nouts of them (at most 4), named {o}outs[i] in
 * dir: the previous files (seed 2) and the reference (seed 1). */
typedef struct {
    const char *name, *dir, *tmpl;
    const char *const *outs;
    int nouts;
    unsigned char *prev[4], *ref[4];
    size_t nprev[4], nref[4];
} crash_cmd;

/* Seed 2 writes the previous outputs (prefix "run-"); seed 1 twice
 * (prefixes "ref-" and "again-") gives byte-identical outputs: same seed,
 * data and thread count. */
static void references(crash_cmd *c)
{
    char cmd[8192], path[4200];
    cr_assert(c->nouts <= 4);
    fill(cmd, sizeof cmd, c->tmpl, "run-", 2);
    run_ok(cmd);
    fill(cmd, sizeof cmd, c->tmpl, "ref-", 1);
    run_ok(cmd);
    fill(cmd, sizeof cmd, c->tmpl, "again-", 1);
    run_ok(cmd);
    for (int i = 0; i < c->nouts; i++) {
        size_t n2;
        snprintf(path, sizeof path, "%s/run-%s", c->dir, c->outs[i]);
        c->prev[i] = slurp(path, &c->nprev[i]);
        snprintf(path, sizeof path, "%s/ref-%s", c->dir, c->outs[i]);
        c->ref[i] = slurp(path, &c->nref[i]);
        snprintf(path, sizeof path, "%s/again-%s", c->dir, c->outs[i]);
        unsigned char *again = slurp(path, &n2);
        cr_assert(c->prev[i] && c->ref[i] && again, "%s: %s written by all three runs", c->name, c->outs[i]);
        cr_assert(same_bytes(c->ref[i], c->nref[i], again, n2),
                  "%s: two runs with seed 1 at %s threads wrote different %s", c->name, CRASH_THREADS, c->outs[i]);
        cr_assert_not(same_bytes(c->ref[i], c->nref[i], c->prev[i], c->nprev[i]), "%s: seeds 1 and 2 wrote the same %s",
                      c->name, c->outs[i]);
        free(again);
    }
}

/* The one temporary file in c->dir after seed 1 stopped (as process pid)
 * at point:run-OUT, output `out`: that run's own, run-OUT.edd-tmp.<pid>,
 * holding the first half of the reference's bytes (write-partial) or all
 * of them (write). */
static void stopped_tmp(const crash_cmd *c, int out, const char *point, pid_t pid)
{
    char path[4200];
    size_t n;
    cr_assert_eq(count_tmp(c->dir), 1, "%s stopped at %s:run-%s: one temporary file, the stopped run's", c->name,
                 point, c->outs[out]);
    snprintf(path, sizeof path, "%s/run-%s" EDD_TMP_INFIX "%ld", c->dir, c->outs[out], (long)pid);
    unsigned char *b = slurp(path, &n);
    cr_assert_not_null(b, "%s stopped at %s:run-%s: its own %s is there", c->name, point, c->outs[out], path);
    const size_t want = strcmp(point, "write") ? c->nref[out] / 2 : c->nref[out];
    cr_assert(n == want && !memcmp(b, c->ref[out], n), "%s stopped at %s:run-%s: %s holds %zu bytes, expected the "
              "reference's first %zu", c->name, point, c->outs[out], path, n, want);
    free(b);
}

/* Each output in c->dir after a stop: the previous file or the
 * reference's bytes; a complete one is put back to the previous file.
 * Returns how many were complete. */
static int outputs_whole(const crash_cmd *c, const char *stop)
{
    char path[4200];
    int replaced = 0;
    for (int i = 0; i < c->nouts; i++) {
        size_t n;
        snprintf(path, sizeof path, "%s/run-%s", c->dir, c->outs[i]);
        unsigned char *b = slurp(path, &n);
        int is_prev = same_bytes(b, n, c->prev[i], c->nprev[i]), is_new = same_bytes(b, n, c->ref[i], c->nref[i]);
        cr_assert(is_prev || is_new, "%s stopped at %s: %s is neither the previous file nor the complete new one",
                  c->name, stop, c->outs[i]);
        free(b);
        if (is_new) {
            replaced++;
            file_put(path, c->prev[i], c->nprev[i]);
        }
    }
    return replaced;
}

/* The crash test of one command template tmpl (its outputs in dir, named
 * {o}<outs[i]>, seeded with {s}): the references; then seed 1 stopped at
 * each point of each output's write: it exits EDD_STOP_EXIT, that output
 * is the previous file and the stopped run's temporary file the only one,
 * every other output is the previous file or the reference's bytes; the
 * next run sweeps the temporary file. Last, seed 1 to the end: the
 * reference's bytes, and no temporary file left. */
static void crash_case(const char *name, const char *dir, const char *tmpl, const char *const *outs, int nouts)
{
    static const char *const points[] = {"write-partial", "write"};
    crash_cmd c = {.name = name, .dir = dir, .tmpl = tmpl, .outs = outs, .nouts = nouts};
    char cmd[8192], stop[512], path[4200];
    references(&c);
    fill(cmd, sizeof cmd, tmpl, "run-", 1);
    int nstops = 0, replaced = 0;
    for (int i = 0; i < nouts; i++)
        for (size_t p = 0; p < sizeof points / sizeof points[0]; p++) {
            snprintf(stop, sizeof stop, "%s:run-%s", points[p], outs[i]);
            pid_t pid;
            int status = run_edd(cmd, stop, &pid);
            cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == EDD_STOP_EXIT,
                      "%s with EDD_STOP_AT=%s: status 0x%x, expected exit %d", name, stop, status, EDD_STOP_EXIT);
            nstops++;
            snprintf(path, sizeof path, "%s/run-%s", dir, outs[i]);
            size_t n;
            unsigned char *b = slurp(path, &n);
            cr_assert(same_bytes(b, n, c.prev[i], c.nprev[i]), "%s stopped at %s: %s is the previous file", name,
                      stop, outs[i]);
            free(b);
            stopped_tmp(&c, i, points[p], pid);
            replaced += outputs_whole(&c, stop);
        }
    run_ok(cmd);
    for (int i = 0; i < nouts; i++) {
        size_t n;
        snprintf(path, sizeof path, "%s/run-%s", dir, outs[i]);
        unsigned char *b = slurp(path, &n);
        cr_assert(same_bytes(b, n, c.ref[i], c.nref[i]), "%s: the run after the stops wrote a different %s", name,
                  outs[i]);
        free(b);
        free(c.prev[i]);
        free(c.ref[i]);
    }
    cr_assert_eq(count_tmp(dir), 0, "%s: the run after the stops leaves no temporary file", name);
    fprintf(stderr, "crash: %s stopped at %d points (each output half written and complete), %d outputs complete "
            "at a stop, every temporary file swept\n", name, nstops, replaced);
}

Test(crash, train_distill_uncertainty_stopped_at_every_write)
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

/* EDD_STOP_AT's entries (docs/HOSTILE.md, "Named stop points"): a point
 * named stops the process with EDD_STOP_EXIT; other points, malformed
 * entries and a rank qualifier that does not hold return. rank NULL: not
 * under mpirun. */
Test(crash, stop_at_entries)
{
    static const struct {
        const char *stop_at, *rank, *point, *name;
        int stops;
    } c[] = {
        {"write:a.npy", NULL, "write", "a.npy", 1},
        {"write:a.npy", NULL, "write-partial", "a.npy", 0},
        {"write:a.npy", NULL, "write", "a.npy2", 0},
        {"stage:fig2b,write:a.npy", NULL, "write", "a.npy", 1},
        {"write:a.npy,", NULL, "write", "a.npy", 1},
        {",,nonsense,:a.npy,write:,write", NULL, "write", "a.npy", 0},
        {"", NULL, "write", "a.npy", 0},
        {"stage:fig2b@rank!=0", NULL, "stage", "fig2b", 0},
        {"stage:fig2b@rank!=0", "0", "stage", "fig2b", 0},
        {"stage:fig2b@rank!=0", "2", "stage", "fig2b", 1},
        {"stage:fig2b@rank=2", "2", "stage", "fig2b", 1},
        {"stage:fig2b@rank=2", "12", "stage", "fig2b", 0},
        {"stage:fig2b@rank=2", "x", "stage", "fig2b", 0},
        {"stage:fig2b@rank=", "2", "stage", "fig2b", 0},
        {"stage:fig2b@rnak=2", "2", "stage", "fig2b", 0},
        {"stage:fig2b@rnak=2", "2", "stage", "fig2b@rnak=2", 1},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        pid_t pid = fork();
        cr_assert_neq(pid, -1);
        if (pid == 0) {
            int fd = open("/dev/null", O_WRONLY);
            dup2(fd, 2);
            setenv("EDD_STOP_AT", c[i].stop_at, 1);
            if (c[i].rank)
                setenv("OMPI_COMM_WORLD_RANK", c[i].rank, 1);
            else
                unsetenv("OMPI_COMM_WORLD_RANK");
            edd_stop_point(c[i].point, c[i].name);
            _exit(0);
        }
        int status;
        cr_assert_eq(waitpid(pid, &status, 0), pid);
        cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == (c[i].stops ? EDD_STOP_EXIT : 0),
                  "EDD_STOP_AT='%s', rank %s, at %s:%s: status 0x%x, expected %s", c[i].stop_at,
                  c[i].rank ? c[i].rank : "(none)", c[i].point, c[i].name, status, c[i].stops ? "a stop" : "none");
    }
}
