/* fuzz.h - shared by the libFuzzer targets of tests/fuzz/: the readers take
 * a path, so each input is written to one file per process (in /dev/shm,
 * or $TMPDIR when /dev/shm is missing) and read back through the public
 * path-based reader; the library's API gains nothing for the fuzzers. */
#ifndef EDD_FUZZ_H
#define EDD_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* The folder this process writes its inputs under: /dev/shm/edd-fuzz-PID
 * (or $TMPDIR/..., /tmp/...), created on first use. */
static const char *fuzz_dir(void)
{
    static char dir[256];
    if (!dir[0]) {
        struct stat st;
        const char *base = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm"
                           : getenv("TMPDIR")                                ? getenv("TMPDIR")
                                                                             : "/tmp";
        snprintf(dir, sizeof dir, "%s/edd-fuzz-%ld", base, (long)getpid());
        if (mkdir(dir, 0700) && access(dir, W_OK))
            abort();
    }
    return dir;
}

/* Write data[0..size) to fuzz_dir()/name and return its path (static). */
static const char *fuzz_file(const char *name, const uint8_t *data, size_t size)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", fuzz_dir(), name);
    FILE *f = fopen(path, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f))
        abort();
    return path;
}

#endif
