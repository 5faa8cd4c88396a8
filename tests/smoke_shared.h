/* smoke_shared.h - one finished `edd reproduce --scale smoke` folder shared
 * by the tests that only read one (test_hostile_plot.c,
 * test_report_grid.c, test_ablation_gap.c), made once per edd binary:
 * $EDD_SMOKE_RUN when set, else /tmp/edd_smoke_UID_HASH, HASH the FNV-1a
 * of the binary's bytes, so that a rebuilt edd (whose stages may write
 * more) gets a folder of its own. The first test to ask makes it under an
 * exclusive lock on the folder's .lock file; the others wait on the lock
 * (tests of a suite run in parallel). Test code only. */
#ifndef EDD_SMOKE_SHARED_H
#define EDD_SMOKE_SHARED_H

#include "testutil.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/file.h>

/* FNV-1a over the bytes of the file at path. */
static inline uint64_t smoke_file_hash(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    uint64_t h = 1469598103934665603ULL;
    unsigned char buf[1 << 16];
    for (size_t n; (n = fread(buf, 1, sizeof buf, f)) > 0;)
        for (size_t i = 0; i < n; i++)
            h = (h ^ buf[i]) * 1099511628211ULL;
    fclose(f);
    return h;
}

/* The shared smoke folder's path into dir (n bytes), made if need be. */
static inline void smoke_shared(char *dir, size_t n)
{
    const char *env = getenv("EDD_SMOKE_RUN");
    if (env && *env) {
        snprintf(dir, n, "%s", env);
        return;
    }
    snprintf(dir, n, "/tmp/edd_smoke_%ld_%016llx", (long)getuid(),
             (unsigned long long)smoke_file_hash(edd_bin_or_skip()));
    char lock[600], done[600], args[800];
    snprintf(lock, sizeof lock, "%s.lock", dir);
    snprintf(done, sizeof done, "%s/stages/report.done", dir);
    const int fd = open(lock, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
    cr_assert(fd >= 0 && flock(fd, LOCK_EX) == 0, "%s: cannot lock it", lock);
    if (access(done, R_OK)) {
        static char out[1 << 16];
        snprintf(args, sizeof args, "reproduce --scale smoke --out %s --threads 1 --quiet", dir);
        const int rc = edd_run(out, sizeof out, args);
        cr_assert_eq(rc, 0, "the shared smoke run into %s failed:\n%s", dir, out);
    }
    close(fd); /* and the lock with it */
}

#endif
