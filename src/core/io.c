/* io.c - atomic writes and .npy arrays. The model file is in model_file.c.
 * See include/edd/io.h and docs/FORMATS.md. */
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

/* .npy payloads are copied as they lie in memory. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "edd's file formats assume a little-endian host");

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAGIC_LEN 6
#define NPY_ALIGN 64
#define NPY_MAX_HEADER ((size_t)1 << 20)

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
         : S_ISBLK(m) ? "a block device" : S_ISSOCK(m) ? "a socket" : "no regular file";
}

edd_status edd_file_open_regular(edd_ctx *ctx, const char *path, const char *expected, int *fd)
{
    *fd = -1;
    int d = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (d < 0)
        return edd_fail(ctx, EDD_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
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
    *fd = d;
    return EDD_OK;
}

edd_status edd_file_fopen_regular(edd_ctx *ctx, const char *path, const char *expected, FILE **f)
{
    int fd;
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

edd_status edd_check_finite(edd_ctx *ctx, edd_status st, const char *what, const float *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return edd_fail(ctx, st, "%s: value %zu is %g, expected a finite number", what, i, (double)v[i]);
    return EDD_OK;
}

/* ---- what killed runs leave, and what the machine has left ---- */

/* The pid of a name ending in ".tmp.<digits>", or 0 for any other name. */
static pid_t tmp_owner(const char *name)
{
    const char *t = strstr(name, ".tmp.");
    for (const char *n; t; t = n) {
        n = strstr(t + 1, ".tmp.");
        if (n)
            continue;
        const char *d = t + 5;
        char *end;
        errno = 0;
        long pid = strtol(d, &end, 10);
        if (*d < '0' || *d > '9' || *end || errno || pid <= 0 || pid > INT32_MAX)
            return 0;
        return (pid_t)pid;
    }
    return 0;
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
    char text[4096];
    int fd = open("/proc/meminfo", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t n = read(fd, text, sizeof text - 1);
        close(fd);
        if (n > 0) {
            text[n] = 0;
            if (strstr(text, "MemAvailable:"))
                avail = meminfo_bytes(text, "MemAvailable:") + meminfo_bytes(text, "SwapFree:");
        }
    }
    /* /proc/self/statm: total and data+stack pages mapped now */
    unsigned long long vm = 0, data = 0, page = (unsigned long long)sysconf(_SC_PAGESIZE);
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%llu %*u %*u %*u %*u %llu", &vm, &data) != 2)
            vm = data = 0;
        fclose(f);
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

    char tmp[PATH_MAX], dir[PATH_MAX], base[PATH_MAX + 8];
    int len = snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    if (len < 0 || (size_t)len >= sizeof tmp || path_split(path, dir, base))
        return edd_fail(ctx, EDD_ERR_ARG, "%s: path is too long, expected under %d bytes", path, PATH_MAX - 32);
    /* a run killed before its rename left its temporary file; it goes now.
     * Best effort: a folder that cannot be listed fails at open below. */
    strcat(base, ".tmp.");
    edd_tmp_sweep(NULL, dir, base, NULL);
    /* one of this pid can only be a dead process's that had the same pid */
    unlink(tmp);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0)
        return edd_fail(ctx, EDD_ERR_IO, "%s: cannot create the temporary file %s: %s", path, tmp, strerror(errno));

    const char *what = NULL;
    int err = 0;
    for (int i = 0; i < nchunks && !what; i++)
        if (io_write_all(fd, chunks[i], sizes[i]))
            what = "write", err = errno;
    if (!what && fsync(fd))
        what = "fsync", err = errno;
    if (close(fd) && !what)
        what = "close", err = errno;
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

/* ---- .npy ---- */

static const char *const npy_descr[] = {"<f4", "|u1", "<i4"};

size_t edd_npy_elsize(edd_npy_dtype dtype)
{
    switch (dtype) {
    case EDD_NPY_F32: return 4;
    case EDD_NPY_U8: return 1;
    case EDD_NPY_I32: return 4;
    }
    return 0;
}

/* Element count and byte count of a shape; nonzero on overflow. */
static int npy_sizes(int rank, const size_t *shape, size_t elsize, size_t *count, size_t *nbytes)
{
    size_t c = 1;
    for (int i = 0; i < rank; i++)
        if (__builtin_mul_overflow(c, shape[i], &c))
            return 1;
    *count = c;
    return __builtin_mul_overflow(c, elsize, nbytes);
}

/* NumPy's repr of a shape tuple: "()", "(3,)", "(3, 4)". */
static void npy_shape_str(int rank, const size_t *shape, char *buf, size_t n)
{
    size_t used = (size_t)snprintf(buf, n, "(");
    for (int i = 0; i < rank && used < n; i++)
        used += (size_t)snprintf(buf + used, n - used, i ? ", %zu" : "%zu", shape[i]);
    if (used < n)
        snprintf(buf + used, n - used, rank == 1 ? ",)" : ")");
}

edd_status edd_npy_write(edd_ctx *ctx, const char *path, edd_npy_dtype dtype, int rank, const size_t *shape,
                         const void *data)
{
    size_t elsize = edd_npy_elsize(dtype);
    if (!elsize)
        return edd_fail(ctx, EDD_ERR_ARG, "%s: npy dtype is %d, expected EDD_NPY_F32, _U8 or _I32", path, (int)dtype);
    if (rank < 0 || rank > EDD_NPY_MAX_RANK || (rank > 0 && !shape))
        return edd_fail(ctx, EDD_ERR_ARG, "%s: npy rank is %d, expected 0 to %d with a shape", path, rank,
                        EDD_NPY_MAX_RANK);
    size_t count, nbytes;
    if (npy_sizes(rank, shape, elsize, &count, &nbytes))
        return edd_fail(ctx, EDD_ERR_NOMEM, "%s: npy shape overflows a size_t", path);
    if (nbytes > 0 && !data)
        return edd_fail(ctx, EDD_ERR_ARG, "%s: npy data is NULL, expected %zu bytes", path, nbytes);

    char shp[160];
    npy_shape_str(rank, shape, shp, sizeof shp);
    char head[256];
    int len = snprintf(head + NPY_MAGIC_LEN + 4, sizeof head - NPY_MAGIC_LEN - 4,
                       "{'descr': '%s', 'fortran_order': False, 'shape': %s, }", npy_descr[dtype], shp);
    size_t total = NPY_MAGIC_LEN + 4 + (size_t)len + 1;
    size_t padded = (total + NPY_ALIGN - 1) / NPY_ALIGN * NPY_ALIGN;
    memset(head + total - 1, ' ', padded - total);
    head[padded - 1] = '\n';
    size_t hlen = padded - NPY_MAGIC_LEN - 4;
    memcpy(head, NPY_MAGIC, NPY_MAGIC_LEN);
    head[6] = 1;
    head[7] = 0;
    head[8] = (char)(hlen & 0xff);
    head[9] = (char)(hlen >> 8);

    const void *chunks[2] = {head, data};
    size_t sizes[2] = {padded, nbytes};
    return edd_file_write_atomic(ctx, path, chunks, sizes, 2);
}

/* A cursor over the header dict, with the reason parsing stopped. */
typedef struct {
    const char *s;
    size_t i, n;
    char why[160];
} npy_parser;

static int npy_bad(npy_parser *p, const char *expected)
{
    snprintf(p->why, sizeof p->why, "expected %s at offset %zu, found '%.16s'", expected, p->i, p->s + p->i);
    return -1;
}

static void npy_ws(npy_parser *p)
{
    while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' || p->s[p->i] == '\r'))
        p->i++;
}

static int npy_eat(npy_parser *p, char c)
{
    npy_ws(p);
    if (p->i < p->n && p->s[p->i] == c) {
        p->i++;
        return 1;
    }
    return 0;
}

/* A quoted Python string without escapes, into buf. */
static int npy_string(npy_parser *p, char *buf, size_t n)
{
    npy_ws(p);
    if (p->i >= p->n || (p->s[p->i] != '\'' && p->s[p->i] != '"'))
        return npy_bad(p, "a quoted string");
    char q = p->s[p->i];
    size_t start = ++p->i;
    while (p->i < p->n && p->s[p->i] != q && p->s[p->i] != '\\')
        p->i++;
    if (p->i >= p->n || p->s[p->i] != q || p->i - start >= n)
        return npy_bad(p, "a short string without escapes");
    memcpy(buf, p->s + start, p->i - start);
    buf[p->i - start] = '\0';
    p->i++;
    return 0;
}

static int npy_bool(npy_parser *p, int *v)
{
    npy_ws(p);
    if (p->n - p->i >= 4 && memcmp(p->s + p->i, "True", 4) == 0) {
        p->i += 4;
        *v = 1;
        return 0;
    }
    if (p->n - p->i >= 5 && memcmp(p->s + p->i, "False", 5) == 0) {
        p->i += 5;
        *v = 0;
        return 0;
    }
    return npy_bad(p, "True or False");
}

static int npy_shape(npy_parser *p, int *rank, size_t *shape)
{
    if (!npy_eat(p, '('))
        return npy_bad(p, "'(' opening the shape tuple");
    *rank = 0;
    for (;;) {
        if (npy_eat(p, ')'))
            return 0;
        npy_ws(p);
        if (p->i >= p->n || p->s[p->i] < '0' || p->s[p->i] > '9')
            return npy_bad(p, "a dimension (non-negative integer)");
        size_t v = 0;
        while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9') {
            if (__builtin_mul_overflow(v, (size_t)10, &v) || __builtin_add_overflow(v, (size_t)(p->s[p->i] - '0'), &v))
                return npy_bad(p, "a dimension that fits a size_t");
            p->i++;
        }
        if (*rank == EDD_NPY_MAX_RANK)
            return npy_bad(p, "at most 4 dimensions");
        shape[(*rank)++] = v;
        if (npy_eat(p, ')'))
            return *rank == 1 ? npy_bad(p, "a comma after the only dimension, as in (3,)") : 0;
        if (!npy_eat(p, ','))
            return npy_bad(p, "',' or ')' in the shape tuple");
    }
}

/* Parse the header dict into dtype, rank and shape. */
static int npy_parse_header(npy_parser *p, edd_npy *out)
{
    int seen_descr = 0, seen_fortran = 0, seen_shape = 0, fortran = 0;
    char descr[16], key[32];
    if (!npy_eat(p, '{'))
        return npy_bad(p, "'{' opening the header dict");
    while (!npy_eat(p, '}')) {
        if (npy_string(p, key, sizeof key))
            return -1;
        if (!npy_eat(p, ':'))
            return npy_bad(p, "':' after a key");
        if (strcmp(key, "descr") == 0 && !seen_descr++) {
            if (npy_string(p, descr, sizeof descr))
                return -1;
        } else if (strcmp(key, "fortran_order") == 0 && !seen_fortran++) {
            if (npy_bool(p, &fortran))
                return -1;
        } else if (strcmp(key, "shape") == 0 && !seen_shape++) {
            if (npy_shape(p, &out->rank, out->shape))
                return -1;
        } else {
            snprintf(p->why, sizeof p->why, "key '%s' is unknown or repeated, expected descr, fortran_order, shape",
                     key);
            return -1;
        }
        if (!npy_eat(p, ',')) {
            if (!npy_eat(p, '}'))
                return npy_bad(p, "',' or '}' after a value");
            break;
        }
    }
    npy_ws(p);
    if (p->i != p->n)
        return npy_bad(p, "only spaces and a newline after the dict");
    if (!seen_descr || !seen_fortran || !seen_shape) {
        snprintf(p->why, sizeof p->why, "the dict lacks %s, expected descr, fortran_order and shape",
                 !seen_descr ? "descr" : !seen_fortran ? "fortran_order" : "shape");
        return -1;
    }
    if (fortran) {
        snprintf(p->why, sizeof p->why, "fortran_order is True, expected False (C order)");
        return -1;
    }
    if (strcmp(descr, "<f4") == 0)
        out->dtype = EDD_NPY_F32;
    else if (strcmp(descr, "|u1") == 0 || strcmp(descr, "<u1") == 0)
        out->dtype = EDD_NPY_U8;
    else if (strcmp(descr, "<i4") == 0)
        out->dtype = EDD_NPY_I32;
    else {
        snprintf(p->why, sizeof p->why, "descr is '%s', expected '<f4', '|u1' or '<i4'", descr);
        return -1;
    }
    return 0;
}

static edd_status npy_read_file(edd_ctx *ctx, const char *path, FILE *f, edd_npy *out)
{
    struct stat sb;
    if (fstat(fileno(f), &sb) || !S_ISREG(sb.st_mode))
        return edd_fail(ctx, EDD_ERR_IO, "%s: found no regular file, expected a .npy file", path);
    size_t fsize = (size_t)sb.st_size;
    unsigned char pre[12];
    if (fsize < 10 || fread(pre, 1, 10, f) != 10)
        return edd_fail(ctx, EDD_ERR_FORMAT, "%s: found %zu bytes, expected at least 10 for a .npy preamble", path,
                        fsize);
    if (memcmp(pre, NPY_MAGIC, NPY_MAGIC_LEN) != 0) {
        char magic[NPY_MAGIC_LEN + 1];
        edd_io_printable(pre, NPY_MAGIC_LEN, magic);
        return edd_fail(ctx, EDD_ERR_FORMAT, "%s: magic is \"%s\", expected \"\\x93NUMPY\": not a .npy file", path,
                        magic);
    }
    int major = pre[6], minor = pre[7];
    if (major < 1 || major > 3 || minor != 0)
        return edd_fail(ctx, EDD_ERR_FORMAT, "%s: .npy version is %d.%d, expected 1.0, 2.0 or 3.0", path, major,
                        minor);
    size_t hlen = (size_t)pre[8] | (size_t)pre[9] << 8, pos = 10;
    if (major > 1) {
        if (fread(pre + 10, 1, 2, f) != 2)
            return edd_fail(ctx, EDD_ERR_FORMAT, "%s: found %zu bytes, expected at least 12 for a .npy v%d preamble",
                            path, fsize, major);
        hlen |= (size_t)pre[10] << 16 | (size_t)pre[11] << 24;
        pos = 12;
    }
    if (hlen > NPY_MAX_HEADER || hlen > fsize - pos)
        return edd_fail(ctx, EDD_ERR_FORMAT, "%s: .npy header length is %zu, expected at most %zu (file has %zu bytes)",
                        path, hlen, fsize - pos < NPY_MAX_HEADER ? fsize - pos : NPY_MAX_HEADER, fsize);
    char *hdr = malloc(hlen + 1);
    if (!hdr)
        return edd_fail(ctx, EDD_ERR_NOMEM, "%s: cannot allocate %zu bytes for the .npy header", path, hlen);
    if (fread(hdr, 1, hlen, f) != hlen) {
        free(hdr);
        return edd_fail(ctx, EDD_ERR_IO, "%s: read of the .npy header failed", path);
    }
    hdr[hlen] = '\0';
    npy_parser p = {.s = hdr, .i = 0, .n = strlen(hdr)};
    int bad = p.n != hlen ? npy_bad(&p, "no NUL byte in the header") : npy_parse_header(&p, out);
    free(hdr);
    if (bad)
        return edd_fail(ctx, EDD_ERR_FORMAT, "%s: .npy header: %s", path, p.why);
    for (int i = out->rank; i < EDD_NPY_MAX_RANK; i++)
        out->shape[i] = 1;

    char shp[160];
    npy_shape_str(out->rank, out->shape, shp, sizeof shp);
    if (npy_sizes(out->rank, out->shape, edd_npy_elsize(out->dtype), &out->count, &out->nbytes))
        return edd_fail(ctx, EDD_ERR_FORMAT, "%s: .npy shape %s overflows a size_t", path, shp);
    size_t payload = fsize - pos - hlen;
    if (payload != out->nbytes)
        return edd_fail(ctx, EDD_ERR_FORMAT, "%s: found %zu payload bytes, expected %zu for shape %s of '%s': %s",
                        path, payload, out->nbytes, shp, npy_descr[out->dtype],
                        payload < out->nbytes ? "the file is truncated" : "trailing bytes");
    char what[PATH_MAX + 200];
    snprintf(what, sizeof what, "%s: the .npy payload of shape %s", path, shp);
    edd_status st = edd_mem_check(ctx, what, out->nbytes);
    if (st)
        return st;
    out->data = malloc(out->nbytes ? out->nbytes : 1);
    if (!out->data)
        return edd_fail(ctx, EDD_ERR_NOMEM, "%s: cannot allocate %zu bytes for the .npy payload", path, out->nbytes);
    if (fread(out->data, 1, out->nbytes, f) != out->nbytes)
        return edd_fail(ctx, EDD_ERR_IO, "%s: read of %zu payload bytes failed", path, out->nbytes);
    return EDD_OK;
}

edd_status edd_npy_read(edd_ctx *ctx, const char *path, edd_npy *out)
{
    memset(out, 0, sizeof *out);
    FILE *f;
    edd_status st = edd_file_fopen_regular(ctx, path, "a .npy file", &f);
    if (st)
        return st;
    st = npy_read_file(ctx, path, f, out);
    fclose(f);
    if (st)
        edd_npy_free(out);
    return st;
}

void edd_npy_free(edd_npy *a)
{
    free(a->data);
    memset(a, 0, sizeof *a);
}
