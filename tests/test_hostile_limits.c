/* test_hostile_limits.c - issue 24, item 5 and Deliver 5: limits end
 * cleanly. Under `ulimit -v` at 1.5x a command's measured peak it runs; at
 * 0.7x it exits 1 with "out of memory: need N MB", never by a signal (oneDNN
 * used to die inside its jit code). OMP_NUM_THREADS and --threads far
 * beyond the CPUs are capped with a warning (libgomp segfaulted), and
 * --rows beyond the images no longer sizes buffers (a VLA on each OpenMP
 * thread's stack segfaulted). Each case is one row of a table. The peak is
 * VmPeak read from /proc/PID/status when the child stops at its exit under
 * ptrace (PTRACE_O_TRACEEXIT), before its memory is released. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

TestSuite(hostile_limits, .timeout = 300);

/* A command's text: @D is the test's folder, @M the MNIST folder. */
static void expand(char *out, size_t n, const char *tmpl, const char *dir, const char *data)
{
    size_t o = 0;
    for (const char *p = tmpl; *p && o + 1 < n; p++) {
        const char *sub = p[0] == '@' && p[1] == 'D' ? dir : p[0] == '@' && p[1] == 'M' ? data : NULL;
        if (!sub) {
            out[o++] = *p;
            continue;
        }
        o += (size_t)snprintf(out + o, n - o, "%s", sub);
        o = o < n ? o : n - 1;
        p++;
    }
    out[o] = 0;
}

/* Run `env ENV edd ARGS; 2>&1` under a shell, optionally under `ulimit -v
 * kb` (kb > 0), output into out; returns the exit status as the shell sees
 * it: 128 + N when edd died by signal N. */
static int edd_sh(char *out, size_t n, const char *env, long kb, const char *args)
{
    char cmd[8192], lim[64] = "";
    if (kb > 0)
        snprintf(lim, sizeof lim, "ulimit -v %ld; ", kb);
    snprintf(cmd, sizeof cmd, "%s bash -c '%sexec %s %s' 2>&1", env, lim, edd_bin_or_skip(), args);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    size_t len = fread(out, 1, n - 1, p);
    out[len] = 0;
    int status = pclose(p);
    cr_assert(WIFEXITED(status), "the shell around edd %s did not exit", args);
    return WEXITSTATUS(status);
}

/* VmPeak (kB) of `edd ARGS` run with OMP_NUM_THREADS=1 under ptrace,
 * read when it stops at its exit; asserts that it exits 0. */
static long vm_peak_kb(const char *args)
{
    char buf[8192], *argv[64];
    int argc = 0;
    snprintf(buf, sizeof buf, "%s", args);
    argv[argc++] = (char *)edd_bin_or_skip();
    for (char *t = strtok(buf, " "); t && argc < 63; t = strtok(NULL, " "))
        argv[argc++] = t;
    argv[argc] = NULL;
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        setenv("OMP_NUM_THREADS", "1", 1);
        if (!freopen("/dev/null", "w", stdout) || ptrace(PTRACE_TRACEME, 0, NULL, NULL))
            _exit(126);
        raise(SIGSTOP);
        execv(argv[0], argv);
        _exit(127);
    }
    int status;
    long peak = 0;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFSTOPPED(status), "the child did not stop for ptrace (status 0x%x)", status);
    cr_assert_eq(ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)(long)(PTRACE_O_TRACEEXIT | PTRACE_O_TRACEEXEC |
                                                                     PTRACE_O_EXITKILL)), 0);
    cr_assert_eq(ptrace(PTRACE_CONT, pid, NULL, NULL), 0);
    while (waitpid(pid, &status, 0) == pid && WIFSTOPPED(status)) {
        int sig = WSTOPSIG(status), event = status >> 16;
        if (event == PTRACE_EVENT_EXIT) {
            char path[64], line[256];
            snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
            FILE *f = fopen(path, "r");
            while (f && fgets(line, sizeof line, f))
                if (!strncmp(line, "VmPeak:", 7))
                    peak = atol(line + 7);
            if (f)
                fclose(f);
        }
        ptrace(PTRACE_CONT, pid, NULL, (void *)(long)(event || sig == SIGTRAP ? 0 : sig));
    }
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "edd %s: status 0x%x without a limit", args, status);
    cr_assert_gt(peak, 0, "edd %s: no VmPeak at exit", args);
    return peak;
}

/* A model trained with dropout, as @D/m.edd (the attack's target, the
 * uncertainty's teacher). */
static void setup_model(const char *dir, const char *data)
{
    char args[4096], out[8192];
    snprintf(args, sizeof args, "train --data-dir %s --train-limit 500 --epochs 1 --quiet --out %s/m.edd", data, dir);
    cr_assert_eq(edd_run(out, sizeof out, args), 0, "%s", out);
}

/* Commands whose peak is measured, then run at 1.5x (must pass) and 0.7x
 * (exit 1, out of memory) of it. */
static const struct {
    const char *name;
    void (*setup)(const char *dir, const char *data);
    const char *args;
} mem_cases[] = {
    {"train", NULL, "train --data-dir @M --train-limit 2000 --epochs 1 --quiet --out @D/t.edd"},
    {"attack", setup_model, "attack --data-dir @M --attack pgd --model @D/m.edd --test-limit 20 --steps 5 --quiet"},
    {"attack_cw", setup_model, "attack --data-dir @M --attack cw --model @D/m.edd --test-limit 8 --max-iterations 10 "
                               "--binary-search-steps 1 --quiet"},
    {"reproduce_smoke_baseline", NULL, "reproduce --scale smoke --data-dir @M --out @D/R --only baseline --quiet "
                                       "--force baseline --threads 1"},
};

Test(hostile_limits, ulimit_v_ends_with_out_of_memory_never_a_signal)
{
#ifdef __SANITIZE_ADDRESS__
    cr_skip_test("ulimit -v cannot be set under AddressSanitizer (make sanitize); `make test` runs this");
#endif
    char data[4096], dir[64], args[8192], out[16384];
    mnist_dir_or_skip(data, sizeof data);
    for (size_t i = 0; i < sizeof mem_cases / sizeof mem_cases[0]; i++) {
        tmpdir_make(dir, sizeof dir, "hlimits");
        if (mem_cases[i].setup)
            mem_cases[i].setup(dir, data);
        expand(args, sizeof args, mem_cases[i].args, dir, data);
        long peak = vm_peak_kb(args);
        cr_log_info("%s: VmPeak %ld kB", mem_cases[i].name, peak);
        int rc = edd_sh(out, sizeof out, "OMP_NUM_THREADS=1", peak * 3 / 2, args);
        cr_assert_eq(rc, 0, "%s at 1.5 x its peak of %ld kB: exit %d: %s", mem_cases[i].name, peak, rc, out);
        rc = edd_sh(out, sizeof out, "OMP_NUM_THREADS=1", peak * 7 / 10, args);
        cr_assert_eq(rc, 1, "%s at 0.7 x its peak of %ld kB: exit %d (128 + N is signal N): %s", mem_cases[i].name,
                     peak, rc, out);
        cr_assert(strstr(out, "out of memory: need ") && strstr(out, " MB"), "%s at 0.7 x: %s", mem_cases[i].name,
                  out);
        tmpdir_remove(dir);
    }
}

/* Other limits (the --rows cases under 1 GiB: their buffers were sized by
 * --rows, 3.4 GB for 50 images folded): environment, address-space limit in kB (0: none),
 * command, expected exit, a fragment of the output. */
static const struct {
    const char *name;
    void (*setup)(const char *dir, const char *data);
    const char *env;
    long kb;
    const char *args;
    int exit;
    const char *expect;
} cases[] = {
    {"omp_num_threads_100000", setup_model, "OMP_NUM_THREADS=100000", 0, "eval --data-dir @M --model @D/m.edd "
     "--test-limit 200", 0, "warning: OMP_NUM_THREADS 100000 is outside 1.."},
    {"omp_num_threads_2147483647", setup_model, "OMP_NUM_THREADS=2147483647", 0, "eval --data-dir @M --model @D/m.edd "
     "--test-limit 200", 0, "warning: OMP_NUM_THREADS 2147483647 is outside 1.."},
    {"threads_1024", setup_model, "OMP_NUM_THREADS=1", 0, "eval --data-dir @M --model @D/m.edd --test-limit 200 "
     "--threads 1024", 0, "warning: --threads 1024 is outside 1.."},
    {"rows_beyond_the_images_threads", setup_model, "OMP_NUM_THREADS=2", 1L << 20, "uncertainty --data-dir @M "
     "--teacher @D/m.edd --train-limit 50 --rows 1048576 --out @D/s.npy --quiet", 0,
     "--rows 1048576 is beyond the 50 rows"},
    {"rows_beyond_the_images_folded", setup_model, "OMP_NUM_THREADS=2", 1L << 20, "uncertainty --data-dir @M "
     "--teacher @D/m.edd --train-limit 50 --rows 1048576 --shape folded --out @D/s.npy --quiet", 0,
     "--rows 1048576 is beyond the 1000 rows"},
};

Test(hostile_limits, threads_and_rows_beyond_the_machine)
{
    char data[4096], dir[64], args[8192], out[16384];
    mnist_dir_or_skip(data, sizeof data);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tmpdir_make(dir, sizeof dir, "hlimits");
        if (cases[i].setup)
            cases[i].setup(dir, data);
        expand(args, sizeof args, cases[i].args, dir, data);
#ifdef __SANITIZE_ADDRESS__
        const long kb = 0; /* ulimit -v cannot be set under AddressSanitizer (make sanitize) */
#else
        const long kb = cases[i].kb;
#endif
        int rc = edd_sh(out, sizeof out, cases[i].env, kb, args);
        cr_assert_eq(rc, cases[i].exit, "%s: exit %d, expected %d (128 + N is signal N): %s", cases[i].name, rc,
                     cases[i].exit, out);
        cr_assert(strstr(out, cases[i].expect), "%s: expected '%s' in: %s", cases[i].name, cases[i].expect, out);
        tmpdir_remove(dir);
    }
}
