/* fuzz.h - shared by the libFuzzer targets of tests/fuzz/: the readers take
 * a path, so each input is written to one file per process (in /dev/shm,
 * or $TMPDIR when /dev/shm is missing) and read back through the public
 * path-based reader; the library's API gains nothing for the fuzzers. The
 * folder is removed when the process exits normally (a crash leaves it, as
 * it left the input). */
#ifndef EDD_FUZZ_H
#define EDD_FUZZ_H

#include <ftw.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "edd/internal/ctx.h"

static char fuzz_dir_path[256];

static int fuzz_remove(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

/* atexit: remove fuzz_dir() and what the target wrote in it. */
static void fuzz_cleanup(void) { nftw(fuzz_dir_path, fuzz_remove, 16, FTW_DEPTH | FTW_PHYS); }

/* The folder this process writes its inputs under: /dev/shm/edd-fuzz-PID
 * (or $TMPDIR/..., /tmp/...), created on first use. */
static const char *fuzz_dir(void)
{
    char *dir = fuzz_dir_path;
    if (!dir[0]) {
        struct stat st;
        const char *base = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm"
                           : getenv("TMPDIR")                                ? getenv("TMPDIR")
                                                                             : "/tmp";
        snprintf(dir, sizeof fuzz_dir_path, "%s/edd-fuzz-%ld", base, (long)getpid());
        if (mkdir(dir, 0700) && access(dir, W_OK))
            abort();
        atexit(fuzz_cleanup);
    }
    return dir;
}

/* fuzz_dir()/name (static: the next call overwrites it). */
static const char *fuzz_path(const char *name)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", fuzz_dir(), name);
    return path;
}

/* Write data[0..size) to fuzz_dir()/name and return its path (fuzz_path's). */
static const char *fuzz_file(const char *name, const uint8_t *data, size_t size)
{
    const char *path = fuzz_path(name);
    FILE *f = fopen(path, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f))
        abort();
    return path;
}

#endif
