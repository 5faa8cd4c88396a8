/* manifest.c - stage manifests: results/stages/NAME.done lists every output
 * of a stage with its size, the CRC32 of its bytes but the last four, those
 * last four bytes and the SHA-256 of all its bytes, so that a resumed run
 * can tell a finished stage from an interrupted, corrupted or altered one.
 * The CRC32 catches accidents and names them quickly in a message; the
 * SHA-256 catches a deliberate change too: a file edited so that its CRC32
 * (or a model file's own trailing CRC32) still holds. The last four bytes
 * stay out of the CRC because a model file ends with its own CRC32, and the
 * CRC32 of data followed by its CRC32 is one constant (2144df1c) for every
 * model.
 *
 * Format (text, one record a line):
 *   edd-stage 3
 *   stage NAME
 *   scale SCALE
 *   seconds S
 *   deps HEX      (CRC32 of the file lines of the manifests it depends on)
 *   input STAGE SIZE CRCHEX TAILHEX SHA256HEX RELPATH  (a file the stage
 *                  read: STAGE's file line for it when the stage ran)
 *   ...
 *   file SIZE CRCHEX TAILHEX SHA256HEX RELPATH  (TAILHEX: the last
 *                  min(4, SIZE) bytes, big-endian; SHA256HEX: 64 digits)
 *   ...
 * A stage with nothing to write at its scale (a study's point past the
 * scale's list) lists no file; its manifest is valid like any other. An
 * input line is checked against its stage's manifest, as text: that
 * manifest checks the file's bytes, once for every stage that reads it. An
 * edd-stage 2 manifest (an older edd's: no SHA-256) is not valid, with a
 * reason that says so: its stage reruns once and records them.
 *
 * May call: core (edd_fail), io (edd_file_fopen_regular,
 * edd_file_write_atomic), buf, sha256, libc, zlib (crc32). */
#include "edd/buf.h"
#include "experiments.h"
#include "edd/io.h"
#include "manifest.h"
#include "edd/sha256.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#define MANIFEST_MAGIC "edd-stage 3\n"

edd_status edd_file_digest(edd_ctx *ctx, const char *path, edd_digest *d)
{
    FILE *f;
    edd_status st = edd_file_fopen_regular(ctx, path, "a stage output", &f);
    if (st)
        return st;
    unsigned char buf[4 + (1 << 16)]; /* buf[0..held) is read but not yet in the CRC */
    uLong c = crc32(0L, Z_NULL, 0);
    edd_sha256 sha;
    edd_sha256_init(&sha);
    uint64_t n = 0;
    size_t r, held = 0;
    while ((r = fread(buf + held, 1, sizeof buf - held, f)) > 0) {
        edd_sha256_update(&sha, buf + held, r);
        n += r;
        held += r;
        if (held > 4) {
            c = crc32(c, buf, (uInt)(held - 4));
            memmove(buf, buf + held - 4, 4);
            held = 4;
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (bad)
        return edd_fail(ctx, EDD_ERR_IO, "%s: read error after %llu bytes", path, (unsigned long long)n);
    uint32_t t = 0;
    for (size_t i = 0; i < held; i++)
        t = t << 8 | buf[i];
    d->crc = (uint32_t)c;
    d->tail = t;
    d->size = n;
    edd_sha256_final(&sha, d->sha);
    return EDD_OK;
}

edd_status edd_file_crc32(edd_ctx *ctx, const char *path, uint32_t *crc, uint32_t *tail, uint64_t *size)
{
    edd_digest d;
    edd_status st = edd_file_digest(ctx, path, &d);
    if (!st) {
        *crc = d.crc;
        *tail = d.tail;
        *size = d.size;
    }
    return st;
}

/* Say why a manifest is not valid, when the caller asked. */
#define WHY(...) (why ? (void)snprintf(why, whylen, __VA_ARGS__) : (void)0)

/* Open dir/stages/stage.done (its path into path) without blocking on a
 * FIFO: the stream, or NULL with why set. */
static FILE *manifest_open(const char *dir, const char *stage, char *path, char *why, size_t whylen)
{
    char rel[256];
    edd_ctx *quiet = edd_ctx_scratch();
    FILE *f = NULL;
    struct stat sb;
    snprintf(rel, sizeof rel, "stages/%s.done", stage);
    if (!quiet)
        WHY("%s: out of memory for a context", dir);
    else if (edd_path_join(quiet, path, EDD_PATH_MAX, dir, rel))
        WHY("%s", edd_ctx_error(quiet));
    else if (stat(path, &sb) && errno == ENOENT)
        WHY("%s: not there (a stage not run, or interrupted)", path);
    else if (edd_file_fopen_regular(quiet, path, "a stage manifest", &f))
        WHY("%s", edd_ctx_error(quiet));
    edd_ctx_close(quiet);
    return f;
}

/* Call fn(line, arg) for each 'file' line (newline included) of
 * dir/stages/dep.done, a current manifest; stop at the first nonzero
 * return and give it. 0 when the manifest is absent or of another
 * format. */
static int each_file_line(const char *dir, const char *dep, int (*fn)(const char *line, void *arg), void *arg)
{
    char path[EDD_PATH_MAX], line[1400];
    FILE *f = manifest_open(dir, dep, path, NULL, 0);
    if (!f)
        return 0;
    int r = 0;
    if (fgets(line, sizeof line, f) && !strcmp(line, MANIFEST_MAGIC))
        while (!r && fgets(line, sizeof line, f))
            if (!strncmp(line, "file ", 5))
                r = fn(line, arg);
    fclose(f);
    return r;
}

typedef struct {
    edd_buf *t;
    const char *dep;
} input_sink;

static int put_input(const char *line, void *arg)
{
    const input_sink *k = arg;
    edd_buf_printf(k->t, "input %s %s", k->dep, line + 5);
    return 0;
}

static int same_file_line(const char *line, void *arg)
{
    return !strcmp(line + 5, (const char *)arg);
}

edd_status edd_manifest_write_inputs(edd_ctx *ctx, const char *dir, const char *stage, const char *scale,
                                     double seconds, uint32_t deps_sig, uint64_t deps, const char *const *files,
                                     int nfiles)
{
    char path[EDD_PATH_MAX], rel[256], hex[EDD_SHA256_HEX];
    edd_buf t = {0};
    edd_buf_printf(&t, MANIFEST_MAGIC "stage %s\nscale %s\nseconds %.3f\ndeps %08x\n", stage, scale, seconds,
                   deps_sig);
    for (int j = 0; j < edd_repro_stage_count() && j < 64; j++) {
        input_sink k = {&t, edd_repro_stage_name(j)};
        if (deps >> j & 1)
            each_file_line(dir, k.dep, put_input, &k);
    }
    edd_status st = EDD_OK;
    for (int i = 0; !st && i < nfiles; i++) {
        edd_digest d;
        if (strlen(files[i]) > 1000 || strchr(files[i], '\n'))
            st = edd_fail(ctx, EDD_ERR_ARG, "manifest %s: output path '%s' too long or multi-line", stage, files[i]);
        if (!st)
            st = edd_path_join(ctx, path, sizeof path, dir, files[i]);
        if (!st)
            st = edd_file_digest(ctx, path, &d);
        if (!st) {
            edd_sha256_hex(d.sha, hex);
            edd_buf_printf(&t, "file %llu %08x %08x %s %s\n", (unsigned long long)d.size, d.crc, d.tail, hex,
                           files[i]);
        }
    }
    snprintf(rel, sizeof rel, "stages/%s.done", stage);
    if (!st)
        st = edd_buf_status(ctx, &t, rel);
    if (!st)
        st = edd_path_join(ctx, path, sizeof path, dir, rel);
    const void *chunks[1] = {t.s};
    size_t sizes[1] = {t.len};
    if (!st)
        st = edd_file_write_atomic(ctx, path, chunks, sizes, 1);
    edd_buf_free(&t);
    return st;
}

edd_status edd_manifest_remove(edd_ctx *ctx, const char *dir, const char *stage)
{
    char path[EDD_PATH_MAX], rel[256];
    struct stat sb;
    snprintf(rel, sizeof rel, "stages/%s.done", stage);
    edd_status st = edd_path_join(ctx, path, sizeof path, dir, rel);
    if (st || lstat(path, &sb))
        return st;
    if (!S_ISREG(sb.st_mode))
        return edd_fail(ctx, EDD_ERR_IO, "%s: found %s, expected stage %s's manifest (a regular file): remove it and "
                        "rerun", path, S_ISDIR(sb.st_mode) ? "a folder" : S_ISFIFO(sb.st_mode) ? "a FIFO"
                        : S_ISLNK(sb.st_mode) ? "a symlink" : S_ISSOCK(sb.st_mode) ? "a socket" : "a device", stage);
    if (remove(path))
        return edd_fail(ctx, EDD_ERR_IO, "%s: cannot remove it before stage %s runs: %s", path, stage, strerror(errno));
    return EDD_OK;
}

edd_status edd_manifest_write(edd_ctx *ctx, const char *dir, const char *stage, const char *scale, double seconds,
                              uint32_t deps_sig, const char *const *files, int nfiles)
{
    return edd_manifest_write_inputs(ctx, dir, stage, scale, seconds, deps_sig, 0, files, nfiles);
}

/* 1 iff the manifest line (an 'input' record, newline-terminated) names a
 * stage whose manifest lists that file with that size, CRC32, tail and
 * SHA-256 now; else 0 with why set. The file itself is checked by that
 * stage's own manifest. */
static int input_line_valid(const char *dir, const char *path, const char *line, char *why, size_t whylen)
{
    char dep[64] = "";
    int off = 0;
    if (sscanf(line, "input %63[a-z0-9_] %n", dep, &off) != 1 || !off) {
        WHY("%s: line '%.60s' is not 'input STAGE SIZE CRC TAIL SHA256 PATH'", path, line);
        return 0;
    }
    if (!each_file_line(dir, dep, same_file_line, (void *)(line + off))) {
        WHY("%s: input '%.*s' of stage %s is not what the stage's manifest lists now", path,
            (int)strcspn(line + off, "\n"), line + off, dep);
        return 0;
    }
    return 1;
}

/* 1 iff the manifest line (a 'file' record, newline-terminated, its
 * length ll) parses and the file it names under dir has its size, CRC32,
 * tail and SHA-256; else 0 with why set. */
static int file_line_valid(const char *dir, const char *path, char *line, size_t ll, char *why, size_t whylen)
{
    unsigned long long size;
    unsigned crc, tail;
    char want[EDD_SHA256_HEX] = "", got[EDD_SHA256_HEX], fp[EDD_PATH_MAX];
    int off = 0;
    if (ll == 0 || line[ll - 1] != '\n' ||
        sscanf(line, "file %llu %x %x %64[0-9a-f] %n", &size, &crc, &tail, want, &off) != 4 || !off ||
        strlen(want) != 2 * EDD_SHA256_BYTES) {
        WHY("%s: line '%.60s' is not 'file SIZE CRC TAIL SHA256 PATH'", path, line);
        return 0;
    }
    line[ll - 1] = 0;
    edd_ctx *quiet = edd_ctx_scratch();
    edd_digest d;
    int ok = 0;
    if (!quiet)
        WHY("%s: out of memory for a context", path);
    else if (edd_path_join(quiet, fp, sizeof fp, dir, line + off))
        WHY("%s", edd_ctx_error(quiet));
    else if (edd_file_digest(quiet, fp, &d))
        WHY("%s: cannot read it (%s), expected %llu bytes", fp, edd_ctx_error(quiet), size);
    else
        ok = 1;
    edd_ctx_close(quiet);
    if (!ok)
        return 0;
    edd_sha256_hex(d.sha, got);
    if (d.size != size || d.crc != crc || d.tail != tail || strcmp(got, want)) {
        WHY("%s: %llu bytes with CRC32 %08x, tail %08x and SHA-256 %s, expected %llu with %08x, %08x and %s", fp,
            (unsigned long long)d.size, (unsigned)d.crc, (unsigned)d.tail, got, size, crc, tail, want);
        return 0;
    }
    return 1;
}

int edd_manifest_valid(const char *dir, const char *stage, const char *scale, uint32_t deps_sig, uint32_t *sig,
                       double *seconds, char *why, size_t whylen)
{
    char path[EDD_PATH_MAX], line[1400], name[128] = "", sc[64] = "";
    FILE *f = manifest_open(dir, stage, path, why, whylen);
    if (!f)
        return 0;
    unsigned dsig = 0;
    double secs = -1.0;
    int ok = fgets(line, sizeof line, f) != NULL;
    if (ok && !strcmp(line, "edd-stage 2\n"))
        WHY("%s: made by an older edd (edd-stage 2, no SHA-256 of its outputs), expected edd-stage 3: the stage "
            "reruns to record them", path), ok = 0;
    else if (!(ok && !strcmp(line, MANIFEST_MAGIC) && fgets(line, sizeof line, f) &&
               sscanf(line, "stage %127s", name) == 1 && !strcmp(name, stage) && fgets(line, sizeof line, f) &&
               sscanf(line, "scale %63s", sc) == 1))
        WHY("%s: not a manifest of stage %s", path, stage), ok = 0;
    else if (strcmp(sc, scale))
        WHY("%s: made at settings %s, expected %s", path, sc, scale), ok = 0;
    if (ok && !(fgets(line, sizeof line, f) && sscanf(line, "seconds %lf", &secs) == 1 && fgets(line, sizeof line, f) &&
                sscanf(line, "deps %x", &dsig) == 1))
        WHY("%s: expected the lines 'seconds S' and 'deps SIG' after the scale", path), ok = 0;
    if (ok && dsig != deps_sig)
        WHY("%s: made from inputs %08x, the stages it reads now give %08x", path, dsig, (unsigned)deps_sig), ok = 0;
    uLong c = crc32(0L, Z_NULL, 0);
    while (ok && fgets(line, sizeof line, f)) {
        size_t ll = strlen(line);
        if (!strncmp(line, "input ", 6)) {
            ok = input_line_valid(dir, path, line, why, whylen);
            continue;
        }
        c = crc32(c, (const unsigned char *)line, (uInt)ll);
        ok = file_line_valid(dir, path, line, ll, why, whylen);
    }
    fclose(f);
    if (!ok)
        return 0;
    if (sig)
        *sig = (uint32_t)c;
    if (seconds)
        *seconds = secs;
    return 1;
}

int edd_manifest_seconds(const char *dir, const char *stage, char *scale, size_t n, double *seconds)
{
    char path[EDD_PATH_MAX], line[1200], name[128] = "", sc[64] = "";
    FILE *f = manifest_open(dir, stage, path, NULL, 0);
    if (!f)
        return 0;
    double secs = -1.0;
    int ok = fgets(line, sizeof line, f) && (!strcmp(line, MANIFEST_MAGIC) || !strcmp(line, "edd-stage 2\n")) &&
             fgets(line, sizeof line, f) && sscanf(line, "stage %127s", name) == 1 && !strcmp(name, stage) &&
             fgets(line, sizeof line, f) && sscanf(line, "scale %63s", sc) == 1 && fgets(line, sizeof line, f) &&
             sscanf(line, "seconds %lf", &secs) == 1 && secs >= 0 && secs < 1e12 && strlen(sc) < n;
    fclose(f);
    if (ok) {
        strcpy(scale, sc);
        *seconds = secs;
    }
    return ok;
}
#undef WHY
