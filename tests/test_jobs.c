/* test_jobs.c - `edd reproduce --jobs N` (issue 25, item 3): the one
 * scheduler handing stages to worker processes on this machine. At smoke
 * scale, --jobs 2 writes what one process writes, byte for byte, and its
 * log names the job that ran each stage; --seeds 2 --jobs 2 equals
 * --seeds 2 in one process; a stage that fails on a job stops the run
 * naming the stage and the job, and a rerun resumes, as after a worker
 * that dies mid-stage (EDD_STOP_AT); workers end with a killed
 * coordinator; --worker is refused
 * outside --jobs; --dry-run plans for --jobs. */
#include <criterion/criterion.h>

#include "edd.h"
#include "repro_parallel.h"
#include "spread_util.h"

#include <signal.h>
#include <sys/stat.h>

TestSuite(jobs, .timeout = 1800);

/* Start `edd reproduce --scale smoke --threads 1` into dir, with the
 * arguments of more (NULL-terminated) after. */
static pid_t start_smoke(const char *dir, const char *data, const char *const *more)
{
    const char *argv[24] = {edd_bin_or_skip(), "reproduce", "--scale",   "smoke", "--out",
                            dir,               "--data-dir", data,       "--threads", "1"};
    int n = 10;
    for (int k = 0; more && more[k] && n < 23; k++)
        argv[n++] = more[k];
    argv[n] = NULL;
    return spawn_logged(argv, dir);
}

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

static void remove_run(const char *dir)
{
    char f[600];
    tmpdir_remove(dir);
    snprintf(f, sizeof f, "%s.out", dir);
    remove(f);
    snprintf(f, sizeof f, "%s.err", dir);
    remove(f);
}

Test(jobs, smoke_with_two_jobs_equals_one_process)
{
    char data[4096], ref[64], dj[64];
    mnist_dir_or_skip(data, sizeof data);
    if (system("command -v gnuplot >/dev/null 2>&1"))
        cr_skip_test("gnuplot is not installed (the plots stage needs it)");
    tmpdir_make(ref, sizeof ref, "jobs_ref");
    tmpdir_make(dj, sizeof dj, "jobs_two");
    double t0 = edd_now();
    int status = finish(start_smoke(ref, data, NULL));
    cr_assert(WIFEXITED(status) && !WEXITSTATUS(status), "the serial run: status 0x%x", status);
    const double serial = edd_now() - t0;
    t0 = edd_now();
    status = finish(start_smoke(dj, data, ARGS("--jobs", "2")));
    const double two = edd_now() - t0;
    char *err = run_log(dj, "err");
    cr_assert(WIFEXITED(status) && !WEXITSTATUS(status), "--jobs 2: status 0x%x: %s", status, err);
    cr_assert(strstr(err, " started on job 1\n") && strstr(err, " on job 0\n"), "stages ran on both jobs: %s", err);
    free(err);
    const int nfiles = same_outputs(ref, dj);
    char *json = run_log(dj, "out");
    cr_assert(strstr(json, "\"ranks\":2,") && strstr(json, "\"rank\":1,"), "job 1 ran stages: %s", json);
    free(json);
    cr_assert_eq(tmp_left(dj), 0);
    fprintf(stderr, "jobs: smoke at 1 thread a process: one process %.1f s, --jobs 2 %.1f s (%.2fx); %d outputs "
            "equal\n", serial, two, serial / two, nfiles);
    remove_run(ref);
    remove_run(dj);
}

Test(jobs, seeds_over_two_jobs_equal_one_process)
{
    char data[4096], ref[64], dj[64];
    mnist_dir_or_skip(data, sizeof data);
    tmpdir_make(ref, sizeof ref, "jobs_seeds_ref");
    tmpdir_make(dj, sizeof dj, "jobs_seeds_two");
    int status = finish(start_smoke(ref, data, ARGS("--seeds", "2", "--only", "baseline,teacher")));
    cr_assert(WIFEXITED(status) && !WEXITSTATUS(status), "the serial --seeds 2 run: status 0x%x", status);
    status = finish(start_smoke(dj, data, ARGS("--seeds", "2", "--only", "baseline,teacher", "--jobs", "2")));
    char *err = run_log(dj, "err");
    cr_assert(WIFEXITED(status) && !WEXITSTATUS(status), "--seeds 2 --jobs 2: status 0x%x: %s", status, err);
    cr_assert(strstr(err, " on job 1\n"), "job 1 ran stages: %s", err);
    free(err);
    for (int k = 1; k <= 2; k++) {
        static const char *const models[] = {"baseline.edd", "teacher.edd"};
        for (int m = 0; m < 2; m++) {
            char a[600], b[600];
            snprintf(a, sizeof a, "%s/seed-%d/models/%s", ref, k, models[m]);
            snprintf(b, sizeof b, "%s/seed-%d/models/%s", dj, k, models[m]);
            size_t na = 0, nb = 0;
            char *x = file_read_text(a, &na), *y = file_read_text(b, &nb);
            cr_assert(x && y && na == nb && !memcmp(x, y, na), "%s differs from %s", b, a);
            free(x);
            free(y);
        }
    }
    remove_run(ref);
    remove_run(dj);
}

Test(jobs, a_failed_stage_names_its_job_and_a_rerun_resumes)
{
    char data[4096], dir[64], path[600];
    mnist_dir_or_skip(data, sizeof data);
    tmpdir_make(dir, sizeof dir, "jobs_fail");
    snprintf(path, sizeof path, "%s/models", dir);
    cr_assert_eq(mkdir(path, 0777), 0);
    snprintf(path, sizeof path, "%s/models/teacher.edd", dir);
    cr_assert_eq(mkdir(path, 0777), 0);
    int status = finish(start_smoke(dir, data, ARGS("--jobs", "2", "--only", "baseline,teacher")));
    char *err = run_log(dir, "err");
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 1, "a failed stage: exit 1, not 0x%x: %s", status, err);
    cr_assert(strstr(err, "edd reproduce: stage teacher failed on job ") && strstr(err, "teacher.edd"),
              "the message names the stage, the job and the file: %s", err);
    free(err);
    cr_assert_eq(rmdir(path), 0);
    status = finish(start_smoke(dir, data, ARGS("--jobs", "2", "--only", "baseline,teacher")));
    cr_assert(WIFEXITED(status) && !WEXITSTATUS(status), "the rerun: status 0x%x", status);
    char *json = run_log(dir, "out");
    cr_assert(strstr(json, "{\"stage\":\"baseline\",\"ran\":false") && strstr(json, "{\"stage\":\"teacher\",\"ran\":true"),
              "the rerun resumes: %s", json);
    free(json);
    cr_assert_eq(tmp_left(dir), 0);
    remove_run(dir);
}

/* A worker that dies mid-stage (stopped at a named point, as a kill would)
 * fails its stage with how it ended; the other job's stage ends and keeps
 * its manifest; a rerun redoes only the stopped stage. */
Test(jobs, a_dead_worker_fails_its_stage_and_a_rerun_resumes)
{
    char data[4096], dir[64];
    mnist_dir_or_skip(data, sizeof data);
    tmpdir_make(dir, sizeof dir, "jobs_dead");
    setenv("EDD_STOP_AT", "stage:teacher", 1);
    int status = finish(start_smoke(dir, data, ARGS("--jobs", "2", "--only", "baseline,teacher")));
    unsetenv("EDD_STOP_AT");
    char *err = run_log(dir, "err");
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 1, "a dead worker: exit 1, not 0x%x: %s", status, err);
    cr_assert(strstr(err, "edd: stopped at stage:teacher (EDD_STOP_AT)") &&
                  strstr(err, "edd reproduce: stage teacher failed on job ") &&
                  strstr(err, "ended before the stage did: exited with status 86"),
              "the message names the stage, the job and how its worker ended: %s", err);
    free(err);
    char path[600];
    snprintf(path, sizeof path, "%s/stages/teacher.done", dir);
    cr_assert_eq(access(path, F_OK), -1, "the stopped stage has no manifest");
    snprintf(path, sizeof path, "%s/stages/baseline.done", dir);
    cr_assert_eq(access(path, F_OK), 0, "the other job's stage ended and kept its manifest");
    status = finish(start_smoke(dir, data, ARGS("--jobs", "2", "--only", "baseline,teacher")));
    cr_assert(WIFEXITED(status) && !WEXITSTATUS(status), "the rerun: status 0x%x", status);
    char *json = run_log(dir, "out");
    cr_assert(strstr(json, "{\"stage\":\"baseline\",\"ran\":false") && strstr(json, "{\"stage\":\"teacher\",\"ran\":true"),
              "the rerun redoes the stopped stage only: %s", json);
    free(json);
    cr_assert_eq(tmp_left(dir), 0);
    remove_run(dir);
}

/* How many processes run `edd reproduce --worker` into dir. */
static int workers_of(const char *dir)
{
    int n = 0;
    DIR *d = opendir("/proc");
    cr_assert_not_null(d);
    for (struct dirent *e; (e = readdir(d));) {
        char path[300], cmd[4096];
        snprintf(path, sizeof path, "/proc/%s/cmdline", e->d_name);
        FILE *f = e->d_name[0] >= '1' && e->d_name[0] <= '9' ? fopen(path, "rb") : NULL;
        if (!f)
            continue;
        size_t len = fread(cmd, 1, sizeof cmd - 1, f);
        fclose(f);
        int worker = 0, mine = 0;
        for (size_t at = 0; at < len; at += strlen(cmd + at) + 1) {
            cmd[len] = 0;
            worker |= !strcmp(cmd + at, "--worker");
            mine |= !strcmp(cmd + at, dir);
        }
        n += worker && mine;
    }
    closedir(d);
    return n;
}

/* A coordinator killed by SIGKILL (no handler runs) mid-stage takes its
 * workers with it at once: none is left computing a stage nobody will read
 * (adv, the longest smoke stage, takes seconds). */
Test(jobs, workers_end_with_a_killed_coordinator)
{
    char data[4096], dir[64];
    mnist_dir_or_skip(data, sizeof data);
    tmpdir_make(dir, sizeof dir, "jobs_orphan");
    pid_t pid = start_smoke(dir, data, ARGS("--jobs", "2", "--only", "adv,temperature"));
    char err[600];
    snprintf(err, sizeof err, "%s.err", dir);
    int started = 0;
    for (int t = 0; t < 1200 && !started; t++) {
        usleep(50000);
        char *log = file_read_text(err, NULL);
        started = log && strstr(log, "stage adv started on job") && workers_of(dir) == 2;
        free(log);
    }
    cr_assert(started, "the adv stage started on one of two workers");
    kill(pid, SIGKILL);
    finish(pid);
    int left = 2;
    for (int t = 0; t < 40 && left; t++) {
        usleep(50000);
        left = workers_of(dir);
    }
    cr_assert_eq(left, 0, "%d workers outlived their coordinator by 2 s", left);
    remove_run(dir);
}

/* What is refused, each with exit 2 and a message naming it. */
Test(jobs, bad_uses_are_refused)
{
    static const struct {
        const char *args, *says;
    } row[] = {
        {"reproduce --scale smoke --out /tmp/edd-jobs-none --jobs 0", "--jobs"},
        {"reproduce --scale smoke --out /tmp/edd-jobs-none --jobs 65", "--jobs"},
        {"reproduce --scale smoke --out /tmp/edd-jobs-none --worker", "descriptors 3 and 4 are not pipes"},
        {"reproduce --scale smoke --out /tmp/edd-jobs-none --worker --jobs 2", "--worker: only as"},
        {"reproduce --scale smoke --out /tmp/edd-jobs-none --worker --seeds 2", "--worker: only as"},
    };
    for (size_t r = 0; r < sizeof row / sizeof row[0]; r++) {
        char out[8192];
        int rc = edd_run(out, sizeof out, row[r].args);
        cr_assert_eq(rc, 2, "edd %s: exit %d, expected 2: %s", row[r].args, rc, out);
        cr_assert(strstr(out, row[r].says), "edd %s: the message names '%s': %s", row[r].args, row[r].says, out);
    }
    char out[8192];
    if (edd_threads_cap() < EDD_REPRO_MAX_JOBS) { /* more jobs than 4 x the CPUs: refused, naming the bound */
        int rc = edd_run(out, sizeof out, "reproduce --scale smoke --out /tmp/edd-jobs-none --jobs 64");
        cr_assert(rc == 2 && strstr(out, "x the CPUs online"), "--jobs 64 on %d CPUs: %s",
                  edd_threads_cap() / EDD_THREADS_PER_CPU, out);
    }
    int rc = edd_run(out, sizeof out, "reproduce --scale smoke --out /tmp/edd-jobs-none --jobs 2 --dry-run");
    cr_assert_eq(rc, 0, "%s", out);
    cr_assert(strstr(out, "\"jobs\":{\"n\":2,\"threads\":") && strstr(out, "on 2 jobs: job, start"),
              "the plan for --jobs 2: %s", out);
    cr_assert_eq(access("/tmp/edd-jobs-none", F_OK), -1, "nothing was made");
}
