/* io.c - the one place edd opens files: reads that refuse anything but a
 * regular file without blocking (edd_file_open_regular, _fopen_regular,
 * _read_text), new files that never follow a symlink (edd_file_create,
 * edd_file_open_rdwr), atomic writes through PATH.edd-tmp.<pid> (with
 * their stop points, io_stop.c) and the sweep of those a killed run left;
 * the memory and disk checks. .npy is in npy.c, the model file in
 * model_file.c; both open files through here. See include/edd/io.h and
 * docs/FORMATS.md.
 *
 * May call: core (edd_fail), io_stop.c (edd_stop_point), libc, POSIX.
 * tests/test_hostile_open.c fails on an open call anywhere else in src/. */
#include "edd/io.h"
#include "io_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

void edd_io_printable(const unsigned char *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = b[i] >= 0x20 && b[i] < 0x7f ? (char)b[i] : '?';
    out[n] = '\0';
}

/* ---- atomic writes ---- */

static int io_write_all(int fd, const unsigned char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w == 0)
            errno = EIO;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Write bytes [from, to) of the chunks (sizes[i] bytes each, one after the
 * other) to fd. */
static int io_write_range(int fd, const void *const *chunks, const size_t *sizes, int n, size_t from, size_t to)
{
    size_t at = 0;
    for (int i = 0; i < n && at < to; at += sizes[i++]) {
        const size_t a = from > at ? from - at : 0, b = to - at < sizes[i] ? to - at : sizes[i];
        if (a < b && io_write_all(fd, (const unsigned char *)chunks[i] + a, b - a))
            return -1;
    }
    return 0;
}

/* Make the rename durable: fsync the directory holding path. Best effort,
 * since the file itself is already complete on disk. */
static void io_sync_dir(const char *path)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    if (!slash) {
        strcpy(dir, ".");
    } else {
        size_t len = slash == path ? 1 : (size_t)(slash - path);
        if (len >= sizeof dir)
            return;
        memcpy(dir, path, len);
        dir[len] = '\0';
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* What a non-regular file is, for a message. */
static const char *file_kind(mode_t m)
{
    return S_ISDIR(m) ? "a folder" : S_ISFIFO(m) ? "a FIFO" : S_ISCHR(m) ? "a character device"
         : S_ISBLK(m) ? "a block device" : S_ISSOCK(m) ? "a socket" : S_ISLNK(m) ? "a symbolic link"
         : "no regular file";
}

/* The message for an open(path) that failed with errno e: what is there
 * when it is no regular file (a socket cannot be opened at all, a symlink
 * not with O_NOFOLLOW), else strerror. */
static edd_status open_failed(edd_ctx *ctx, const char *path, const char *expected, int e, int nofollow)
{
    struct stat sb;
    if ((nofollow ? lstat(path, &sb) : stat(path, &sb)) == 0 && !S_ISREG(sb.st_mode))
        return edd_fail(ctx, EDD_ERR_IO, "%s: found %s, expected %s (a regular file)", path, file_kind(sb.st_mode),
                        expected);
    return edd_fail(ctx, EDD_ERR_IO, "%s: cannot open (%s), expected %s", path, strerror(e), expected);
}

/* Keep d, opened on path with O_NONBLOCK, if it is a regular file: clear
 * O_NONBLOCK and return EDD_OK; else close it and fail naming what it is. */
static edd_status keep_regular(edd_ctx *ctx, int d, const char *path, const char *expected)
{
    struct stat sb;
    if (fstat(d, &sb)) {
        int e = errno;
        close(d);
        return edd_fail(ctx, EDD_ERR_IO, "%s: cannot stat: %s", path, strerror(e));
    }
    if (!S_ISREG(sb.st_mode)) {
        close(d);
        return edd_fail(ctx, EDD_ERR_IO, "%s: found %s, expected %s (a regular file)", path, file_kind(sb.st_mode),
                        expected);
    }
    int fl = fcntl(d, F_GETFL);
    if (fl < 0 || fcntl(d, F_SETFL, fl & ~O_NONBLOCK)) {
        int e = errno;
        close(d);
        return edd_fail(ctx, EDD_ERR_IO, "%s: cannot make it blocking: %s", path, strerror(e));
    }
    return EDD_OK;
}

edd_status edd_file_open_regular(edd_ctx *ctx, const char *path, const char *expected, int *fd)
{
    *fd = -1;
    int d = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (d < 0)
        return open_failed(ctx, path, expected, errno, 0);
    edd_status st = keep_regular(ctx, d, path, expected);
    if (!st)
        *fd = d;
    return st;
}

edd_status edd_file_fopen_regular(edd_ctx *ctx, const char *path, const char *expected, FILE **f)
{
    int fd;
    *f = NULL;
    edd_status st = edd_file_open_regular(ctx, path, expected, &fd);
    if (st)
        return st;
    if (!(*f = fdopen(fd, "rb"))) {
        int e = errno;
        close(fd);
        return edd_fail(ctx, EDD_ERR_IO, "%s: cannot open: %s", path, strerror(e));
    }
    return EDD_OK;
}

edd_status edd_file_read_text(edd_ctx *ctx, const char *path, const char *expected, size_t max, char **text,
                              size_t *len)
{
    *text = NULL;
    *len = 0;
    int fd;
    edd_status st = edd_file_open_regular(ctx, path, expected, &fd);
    if (st)
        return st;
    size_t cap = 0, n = 0;
    char *b = NULL;
    for (;;) {
        if (n == cap) {
            if (cap > max) {
                st = edd_fail(ctx, EDD_ERR_FORMAT, "%s: more than %zu bytes, expected %s of at most %zu bytes", path,
                              max, expected, max);
                break;
            }
            size_t want = !cap ? (max < 4096 ? max + 1 : 4096) : cap > max / 2 ? max + 1 : 2 * cap;
            char *g = realloc(b, want + 1);
            if (!g) {
                st = edd_fail(ctx, EDD_ERR_NOMEM, "%s: out of memory for %zu bytes", path, want + 1);
                break;
            }
            b = g;
            cap = want;
        }
        ssize_t r = read(fd, b + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            st = edd_fail(ctx, EDD_ERR_IO, "%s: read failed: %s", path, strerror(errno));
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    if (st) {
        free(b);
        return st;
    }
    b[n] = '\0';
    *text = b;
    *len = n;
    return EDD_OK;
}

edd_status edd_file_create(edd_ctx *ctx, const char *path, const char *what, int *fd)
{
    *fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0666);
    if (*fd < 0) {
        int e = errno;
        struct stat sb;
        if (e == EEXIST && lstat(path, &sb) == 0)
            return edd_fail(ctx, EDD_ERR_IO, "%s: %s is already there (%s), expected no file at the path of a new %s",
                            path, S_ISREG(sb.st_mode) ? "a file" : file_kind(sb.st_mode), strerror(e), what);
        return edd_fail(ctx, EDD_ERR_IO, "%s: cannot create the %s: %s", path, what, strerror(e));
    }
    return EDD_OK;
}

edd_status edd_file_open_rdwr(edd_ctx *ctx, const char *path, const char *expected, int *fd)
{
    *fd = -1;
    int d = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0666);
    if (d < 0)
        return open_failed(ctx, path, expected, errno, 1);
    edd_status st = keep_regular(ctx, d, path, expected);
    if (!st)
        *fd = d;
    return st;
}

edd_status edd_file_append(edd_ctx *ctx, const char *path, const char *expected, const void *b, size_t n)
{
    int d = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0666);
    if (d < 0)
        return open_failed(ctx, path, expected, errno, 1);
    edd_status st = keep_regular(ctx, d, path, expected); /* closes d when it fails */
    if (st)
        return st;
    if (write(d, b, n) != (ssize_t)n)
        st = edd_fail(ctx, EDD_ERR_IO, "%s: appending %zu bytes failed (%s), expected %s", path, n, strerror(errno),
                      expected);
    close(d);
    return st;
}

edd_status edd_check_finite(edd_ctx *ctx, edd_status st, const char *what, const float *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return edd_fail(ctx, st, "%s: value %zu is %g, expected a finite number", what, i, (double)v[i]);
    return EDD_OK;
}

/* ---- what killed runs leave, and what the machine has left ---- */

/* The pid of a name ending in EDD_TMP_INFIX "<digits>", or 0 for any other
 * name. */
static pid_t tmp_owner(const char *name)
{
    const size_t il = strlen(EDD_TMP_INFIX);
    const char *t = strstr(name, EDD_TMP_INFIX);
    for (const char *n; t; t = n) {
        n = strstr(t + 1, EDD_TMP_INFIX);
        if (n)
            continue;
        const char *d = t + il;
        char *end;
        errno = 0;
        long pid = strtol(d, &end, 10);
        if (*d < '0' || *d > '9' || *end || errno || pid <= 0 || pid > INT32_MAX)
            return 0;
        return (pid_t)pid;
    }
    return 0;
}

int edd_tmp_path(const char *path, char *buf, size_t n)
{
    int len = snprintf(buf, n, "%s" EDD_TMP_INFIX "%ld", path, (long)getpid());
    return len < 0 || (size_t)len >= n;
}

edd_status edd_tmp_sweep(edd_ctx *ctx, const char *dir, const char *prefix, int *removed)
{
    int count = 0;
    if (removed)
        *removed = 0;
    DIR *d = opendir(dir);
    if (!d)
        return edd_fail(ctx, EDD_ERR_IO, "%s: cannot list the folder for stale temporary files: %s", dir,
                        strerror(errno));
    size_t plen = prefix ? strlen(prefix) : 0;
    for (struct dirent *e; (e = readdir(d));) {
        pid_t pid = tmp_owner(e->d_name);
        if (!pid || (prefix && strncmp(e->d_name, prefix, plen)))
            continue;
        /* ESRCH: no such process. EPERM means it lives under another user. */
        if (pid == getpid() || kill(pid, 0) == 0 || errno != ESRCH)
            continue;
        count += unlinkat(dirfd(d), e->d_name, 0) == 0;
    }
    closedir(d);
    if (removed)
        *removed = count;
    return EDD_OK;
}

/* The value of "key: N kB" in /proc/meminfo's text, in bytes; 0 if absent. */
static uint64_t meminfo_bytes(const char *text, const char *key)
{
    const char *p = strstr(text, key);
    return p ? strtoull(p + strlen(key), NULL, 10) * 1024u : 0;
}

size_t edd_mem_available(void)
{
    uint64_t avail = UINT64_MAX;
    char *text;
    size_t n;
    if (!edd_file_read_text(NULL, "/proc/meminfo", "/proc/meminfo", 1 << 16, &text, &n)) {
        if (strstr(text, "MemAvailable:"))
            avail = meminfo_bytes(text, "MemAvailable:") + meminfo_bytes(text, "SwapFree:");
        free(text);
    }
    /* /proc/self/statm: total and data+stack pages mapped now */
    unsigned long long vm = 0, data = 0, page = (unsigned long long)sysconf(_SC_PAGESIZE);
    if (!edd_file_read_text(NULL, "/proc/self/statm", "/proc/self/statm", 4096, &text, &n)) {
        if (sscanf(text, "%llu %*u %*u %*u %*u %llu", &vm, &data) != 2)
            vm = data = 0;
        free(text);
    }
    const struct {
        int resource;
        unsigned long long used;
    } caps[] = {{RLIMIT_AS, vm * page}, {RLIMIT_DATA, data * page}};
    for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
        struct rlimit rl;
        if (getrlimit(caps[i].resource, &rl) || rl.rlim_cur == RLIM_INFINITY)
            continue;
        uint64_t left = rl.rlim_cur > caps[i].used ? rl.rlim_cur - caps[i].used : 0;
        if (left < avail)
            avail = left;
    }
    return avail > SIZE_MAX ? SIZE_MAX : (size_t)avail;
}

edd_status edd_mem_check(edd_ctx *ctx, const char *what, size_t bytes)
{
    size_t avail = edd_mem_available();
    if (bytes <= avail)
        return EDD_OK;
    return edd_fail(ctx, EDD_ERR_NOMEM,
                    "out of memory: need %.1f MB (%zu bytes) for %s, expected at most the %.1f MB (%zu bytes) of "
                    "memory available (MemAvailable and free swap, RLIMIT_AS, RLIMIT_DATA)",
                    bytes / 1048576.0, bytes, what, avail / 1048576.0, avail);
}

edd_status edd_disk_free(edd_ctx *ctx, const char *dir, uint64_t *bytes)
{
    struct statvfs vs;
    if (statvfs(dir, &vs))
        return edd_fail(ctx, EDD_ERR_IO, "%s: cannot read the free disk space: %s", dir, strerror(errno));
    *bytes = (uint64_t)vs.f_bavail * (uint64_t)vs.f_frsize;
    return EDD_OK;
}

/* The folder holding path, and path's last component, into dir and base
 * (each PATH_MAX bytes); nonzero if either does not fit. */
static int path_split(const char *path, char *dir, char *base)
{
    const char *slash = strrchr(path, '/');
    size_t len = !slash ? 1 : slash == path ? 1 : (size_t)(slash - path);
    const char *b = slash ? slash + 1 : path;
    if (len >= PATH_MAX || strlen(b) >= PATH_MAX)
        return -1;
    memcpy(dir, slash ? path : ".", len);
    dir[len] = '\0';
    strcpy(base, b);
    return 0;
}

edd_status edd_file_write_atomic(edd_ctx *ctx, const char *path, const void *const *chunks, const size_t *sizes,
                                 int nchunks)
{
    if (!path || !*path || nchunks < 0 || (nchunks > 0 && (!chunks || !sizes)))
        return edd_fail(ctx, EDD_ERR_ARG, "atomic write to '%s': expected a path and %d chunks with sizes",
                        path ? path : "(null)", nchunks);
    for (int i = 0; i < nchunks; i++)
        if (sizes[i] > 0 && !chunks[i])
            return edd_fail(ctx, EDD_ERR_ARG, "%s: chunk %d is NULL with %zu bytes, expected data", path, i, sizes[i]);

    char tmp[PATH_MAX], dir[PATH_MAX], base[PATH_MAX + 16];
    if (edd_tmp_path(path, tmp, sizeof tmp) || path_split(path, dir, base))
        return edd_fail(ctx, EDD_ERR_ARG, "%s: path is too long, expected under %d bytes", path, PATH_MAX - 32);
    /* a run killed before its rename left its temporary file; it goes now.
     * Best effort: a folder that cannot be listed fails at open below. */
    strcat(base, EDD_TMP_INFIX);
    edd_tmp_sweep(NULL, dir, base, NULL);
    /* one of this pid can only be a dead process's that had the same pid;
     * unlink removes a symlink there, never its target */
    unlink(tmp);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0666);
    if (fd < 0)
        return edd_fail(ctx, EDD_ERR_IO, "%s: cannot create the temporary file %s: %s", path, tmp, strerror(errno));

    const char *what = NULL, *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    int err = 0;
    size_t total = 0;
    for (int i = 0; i < nchunks; i++)
        total += sizes[i];
    if (io_write_range(fd, chunks, sizes, nchunks, 0, total / 2))
        what = "write", err = errno;
    if (!what)
        edd_stop_point("write-partial", name);
    if (!what && io_write_range(fd, chunks, sizes, nchunks, total / 2, total))
        what = "write", err = errno;
    if (!what && fsync(fd))
        what = "fsync", err = errno;
    if (close(fd) && !what)
        what = "close", err = errno;
    if (!what)
        edd_stop_point("write", name);
    if (!what && rename(tmp, path))
        what = "rename", err = errno;
    if (what) {
        unlink(tmp);
        return edd_fail(ctx, EDD_ERR_IO, "%s: %s of the temporary file %s failed: %s; the target was left unchanged",
                        path, what, tmp, strerror(err));
    }
    io_sync_dir(path);
    return EDD_OK;
}

/* Contract (edd/io.h). */
void edd_cpu_name(char *out, size_t n)
{
    snprintf(out, n, "unknown");
    FILE *f;
    char line[512];
    if (edd_file_fopen_regular(NULL, "/proc/cpuinfo", "/proc/cpuinfo", &f))
        return;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "model name", 10) && strchr(line, ':')) {
            const char *v = strchr(line, ':') + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            snprintf(out, n, "%s", v);
            out[strcspn(out, "\n")] = 0;
            break;
        }
    fclose(f);
}
