/* test_limits.c - issue 11: resource limits. A file that declares more
 * than the memory this process can take is refused before the allocation;
 * a full disk (a small tmpfs) fails a write with a message and no file,
 * and `edd reproduce` checks the free space before a stage. Issue 24: the
 * thread count is capped, and a plan that does not fit is refused before
 * oneDNN is called. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "edd/io.h"
#include "edd/nn.h"
#include "testutil.h"

TestSuite(limits, .timeout = 120);

/* A .npy v1.0 file at path whose header declares `floats` float32s and
 * whose payload is a hole of that size (a sparse file: no disk used). */
static void sparse_npy(const char *path, uint64_t floats)
{
    char hdr[128];
    int n = snprintf(hdr, sizeof hdr, "{'descr': '<f4', 'fortran_order': False, 'shape': (%llu,), }",
                     (unsigned long long)floats);
    while ((n + 11) % 64)
        hdr[n++] = ' ';
    hdr[n++] = '\n';
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)n, (unsigned char)(n >> 8)};
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    cr_assert(fd >= 0);
    cr_assert_eq(write(fd, pre, sizeof pre), (ssize_t)sizeof pre);
    cr_assert_eq(write(fd, hdr, (size_t)n), (ssize_t)n);
    cr_assert_eq(ftruncate(fd, (off_t)(sizeof pre + (size_t)n + 4 * floats)), 0, "sparse file: %s", strerror(errno));
    close(fd);
}

/* In a forked child: limit its address space to what it maps now plus
 * extra bytes; _exit(3) when /proc/self/statm cannot be read, _exit(4)
 * when the limit cannot be set. */
static void child_limit_as(unsigned long long extra)
{
    unsigned long long pages = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f || fscanf(f, "%llu", &pages) != 1)
        _exit(3);
    fclose(f);
    struct rlimit rl;
    rl.rlim_cur = rl.rlim_max = pages * (unsigned long long)sysconf(_SC_PAGESIZE) + extra;
    if (setrlimit(RLIMIT_AS, &rl))
        _exit(4);
}

/* A file whose every byte is consistent with its header, but which
 * declares more than this machine's memory and swap: refused by name
 * before any allocation. */
Test(limits, npy_claiming_more_than_the_machine_has)
{
    char dir[64], path[256];
    tmpdir_make(dir, sizeof dir, "limits");
    snprintf(path, sizeof path, "%s/big.npy", dir);
    size_t avail = edd_mem_available();
    cr_assert(avail > 0 && avail < SIZE_MAX / 2, "edd_mem_available() reads /proc/meminfo here: %zu", avail);
    uint64_t floats = avail / 4 + ((uint64_t)1 << 28);
    sparse_npy(path, floats);
    edd_ctx ctx = {0};
    edd_npy a;
    cr_assert_eq(edd_npy_read(&ctx, path, &a), EDD_ERR_NOMEM, "%s", ctx.err);
    cr_assert(strstr(ctx.err, path) && strstr(ctx.err, "memory available") && strstr(ctx.err, "out of memory: need "),
              "%s", ctx.err);
    cr_assert_null(a.data);
    tmpdir_remove(dir);
}

/* In a child capped by RLIMIT_AS at what it maps now plus 256 MiB, a
 * 1 GiB .npy is refused with the cap in the message, not by a failed
 * malloc or a crash. AddressSanitizer maps terabytes of shadow memory, so
 * the cap cannot be tested under it. */
Test(limits, rlimit_as_is_respected)
{
#ifdef __SANITIZE_ADDRESS__
    cr_skip_test("RLIMIT_AS cannot be set under AddressSanitizer (make sanitize); `make test` runs this");
#endif
    char dir[64], path[256];
    tmpdir_make(dir, sizeof dir, "rlimit");
    snprintf(path, sizeof path, "%s/g.npy", dir);
    sparse_npy(path, (uint64_t)1 << 28);
    int pfd[2];
    cr_assert_eq(pipe(pfd), 0);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        close(pfd[0]);
        child_limit_as(256u << 20);
        edd_ctx ctx = {0};
        edd_npy a;
        edd_status st = edd_npy_read(&ctx, path, &a);
        if (write(pfd[1], ctx.err, strlen(ctx.err) + 1) < 0)
            _exit(5);
        _exit(st == EDD_ERR_NOMEM ? 0 : 6);
    }
    close(pfd[1]);
    char msg[1100] = {0};
    ssize_t got = read(pfd[0], msg, sizeof msg - 1);
    close(pfd[0]);
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(got > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status 0x%x: %s", status, msg);
    cr_assert(strstr(msg, "RLIMIT_AS") && strstr(msg, "1073741824 bytes"), "%s", msg);
    tmpdir_remove(dir);
}

/* A 1 MiB tmpfs at dir, or a visible skip where this process may not
 * mount one (it needs root, as in CI). */
static void tmpfs_or_skip(const char *dir)
{
    if (mount("tmpfs", dir, "tmpfs", 0, "size=1m"))
        cr_skip_test("cannot mount a 1 MiB tmpfs at %s (%s; needs root): ENOSPC is not tested here", dir,
                     strerror(errno));
}

/* On a full disk: a write fails naming ENOSPC and leaves the old file and
 * no temporary; `edd train` exits 1 with no model; `edd reproduce` stops
 * before its first stage, saying how much space it needs. */
Test(limits, full_disk_fails_cleanly)
{
    char data[4096], dir[64], mnt[128], path[512], args[5000], out[8192];
    tmpdir_make(dir, sizeof dir, "enospc");
    snprintf(mnt, sizeof mnt, "%s/fs", dir);
    cr_assert_eq(mkdir(mnt, 0777), 0);
    tmpfs_or_skip(mnt);

    edd_ctx ctx = {0};
    snprintf(path, sizeof path, "%s/a.npy", mnt);
    const size_t one[1] = {4}, big[1] = {1u << 19};
    const float small[4] = {1, 2, 3, 4};
    cr_assert_eq(edd_npy_write(&ctx, path, EDD_NPY_F32, 1, one, small), EDD_OK, "%s", ctx.err);
    float *v = calloc(big[0], sizeof *v);
    cr_assert_eq(edd_npy_write(&ctx, path, EDD_NPY_F32, 1, big, v), EDD_ERR_IO);
    free(v);
    cr_assert(strstr(ctx.err, strerror(ENOSPC)) && strstr(ctx.err, "left unchanged"), "%s", ctx.err);
    edd_npy a;
    cr_assert_eq(edd_npy_read(&ctx, path, &a), EDD_OK, "%s", ctx.err);
    cr_assert(a.count == 4 && ((float *)a.data)[3] == 4.0f, "the old file is intact");
    edd_npy_free(&a);

    mnist_dir_or_skip(data, sizeof data);
    snprintf(args, sizeof args, "train --data-dir %s --train-limit 64 --epochs 1 --quiet --out %s/m.edd", data, mnt);
    cr_assert_eq(edd_run(out, sizeof out, args), 1, "%s", out);
    cr_assert(strstr(out, "m.edd") && strstr(out, strerror(ENOSPC)), "%s", out);
    snprintf(args, sizeof args, "reproduce --scale smoke --data-dir %s --quiet --out %s/r", data, mnt);
    cr_assert_eq(edd_run(out, sizeof out, args), 1, "%s", out);
    /* the first stage handed out: the schedule's, longest path first */
    cr_assert(strstr(out, "MiB free, expected at least") && strstr(out, "before stage teacher"), "%s", out);

    /* nothing but the old a.npy and reproduce's empty folders and lock */
    snprintf(args, sizeof args, "find %s -type f ! -name a.npy ! -name lock | wc -l", mnt);
    FILE *p = popen(args, "r");
    int nfiles = -1;
    cr_assert(p && fscanf(p, "%d", &nfiles) == 1);
    pclose(p);
    cr_assert_eq(nfiles, 0, "no file is left behind on the full disk");
    cr_assert_eq(umount(mnt), 0, "%s", strerror(errno));
    tmpdir_remove(dir);
}

/* Issue 24: the thread count is kept in 1..4 x the CPUs online, whatever
 * --threads or OMP_NUM_THREADS ask (libgomp segfaulted starting a team of
 * 100,000), and the cap becomes OpenMP's default. */
Test(limits, thread_count_is_capped)
{
    int cap = edd_threads_cap();
    cr_assert(cap >= EDD_THREADS_PER_CPU && cap % EDD_THREADS_PER_CPU == 0, "cap %d", cap);
    cr_assert_eq(edd_threads_limit(100000), cap);
    cr_assert_eq(omp_get_max_threads(), cap);
    cr_assert_eq(edd_threads_limit(1), 1);
    cr_assert_eq(omp_get_max_threads(), 1);
    omp_set_num_threads(1 << 30);
    edd_ctx ctx;
    cr_assert_eq(edd_ctx_init(&ctx, 0), EDD_OK, "%s", ctx.err);
    cr_assert_eq(ctx.nthreads, cap, "OpenMP's default of 2^30 threads capped at %d", cap);
    edd_ctx_free(&ctx);
}

/* In a child capped by RLIMIT_AS at what it maps now plus 8 MiB, a plan of
 * 4096 rows is refused before any oneDNN call with "out of memory: need N
 * MB", not by a signal inside oneDNN's jit code. */
Test(limits, plan_beyond_rlimit_as_is_refused_before_onednn)
{
#ifdef __SANITIZE_ADDRESS__
    cr_skip_test("RLIMIT_AS cannot be set under AddressSanitizer (make sanitize); `make test` runs this");
#endif
    edd_ctx ctx;
    edd_cnn m;
    cr_assert_eq(edd_ctx_init(&ctx, 1), EDD_OK, "%s", ctx.err);
    cr_assert_eq(edd_cnn_init(&ctx, &m, 11, 0.2f, 0.5f, 1), EDD_OK, "%s", ctx.err);
    int pfd[2];
    cr_assert_eq(pipe(pfd), 0);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        close(pfd[0]);
        child_limit_as(8u << 20);
        edd_plan *p;
        edd_status st = edd_plan_create(&ctx, &m, 4096, EDD_PLAN_TRAIN, 0, &p);
        if (write(pfd[1], ctx.err, strlen(ctx.err) + 1) < 0)
            _exit(5);
        _exit(st == EDD_ERR_NOMEM && !p ? 0 : 6);
    }
    close(pfd[1]);
    char msg[1100] = {0};
    ssize_t got = read(pfd[0], msg, sizeof msg - 1);
    close(pfd[0]);
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(got > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status 0x%x: %s", status, msg);
    cr_assert(strstr(msg, "out of memory: need ") && strstr(msg, "training plan of 4096 rows") &&
              strstr(msg, "RLIMIT_AS"), "%s", msg);
    edd_cnn_free(&m);
    edd_ctx_free(&ctx);
}
