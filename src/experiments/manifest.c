/* manifest.c - stage manifests: results/stages/NAME.done lists every output
 * of a stage with its size, the CRC32 of its bytes but the last four, and
 * those last four bytes, so that a resumed run can tell a finished stage
 * from an interrupted or corrupted one. The last four bytes stay out of the
 * CRC because a model file ends with its own CRC32, and the CRC32 of data
 * followed by its CRC32 is one constant (2144df1c) for every model.
 *
 * Format (text, one record a line):
 *   edd-stage 2
 *   stage NAME
 *   scale SCALE
 *   seconds S
 *   deps HEX      (CRC32 of the file lines of the manifests it depends on)
 *   file SIZE CRCHEX TAILHEX RELPATH  (TAILHEX: the last min(4, SIZE) bytes,
 *                                     big-endian)
 *   ...
 * A stage with nothing to write at its scale (a study's point past the
 * scale's list) lists no file; its manifest is valid like any other. */
#include "edd/internal/buf.h"
#include "edd/experiments.h"
#include "edd/io.h"
#include "edd/internal/manifest.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

edd_status edd_file_crc32(edd_ctx *ctx, const char *path, uint32_t *crc, uint32_t *tail, uint64_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return edd_fail(ctx, EDD_ERR_IO, "%s: cannot open (%s), expected a stage output", path, strerror(errno));
    unsigned char buf[4 + (1 << 16)]; /* buf[0..held) is read but not yet in the CRC */
    uLong c = crc32(0L, Z_NULL, 0);
    uint64_t n = 0;
    size_t r, held = 0;
    while ((r = fread(buf + held, 1, sizeof buf - held, f)) > 0) {
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
    *crc = (uint32_t)c;
    *tail = t;
    *size = n;
    return EDD_OK;
}

edd_status edd_manifest_write(edd_ctx *ctx, const char *dir, const char *stage, const char *scale, double seconds,
                              uint32_t deps_sig, const char *const *files, int nfiles)
{
    char path[EDD_PATH_MAX], rel[256];
    edd_buf t = {0};
    edd_buf_printf(&t, "edd-stage 2\nstage %s\nscale %s\nseconds %.3f\ndeps %08x\n", stage, scale, seconds, deps_sig);
    edd_status st = EDD_OK;
    for (int i = 0; !st && i < nfiles; i++) {
        uint32_t crc, tail;
        uint64_t size;
        if (strlen(files[i]) > 1000 || strchr(files[i], '\n'))
            st = edd_fail(ctx, EDD_ERR_ARG, "manifest %s: output path '%s' too long or multi-line", stage, files[i]);
        if (!st)
            st = edd_path_join(ctx, path, sizeof path, dir, files[i]);
        if (!st)
            st = edd_file_crc32(ctx, path, &crc, &tail, &size);
        if (!st)
            edd_buf_printf(&t, "file %llu %08x %08x %s\n", (unsigned long long)size, crc, tail, files[i]);
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

/* Say why a manifest is not valid, when the caller asked. */
#define WHY(...) (why ? (void)snprintf(why, whylen, __VA_ARGS__) : (void)0)

int edd_manifest_valid(const char *dir, const char *stage, const char *scale, uint32_t deps_sig, uint32_t *sig,
                       double *seconds, char *why, size_t whylen)
{
    char path[EDD_PATH_MAX], rel[256], line[1200], name[128] = "", sc[64] = "";
    edd_ctx quiet = {0};
    snprintf(rel, sizeof rel, "stages/%s.done", stage);
    if (edd_path_join(&quiet, path, sizeof path, dir, rel)) {
        WHY("%s", quiet.err);
        return 0;
    }
    FILE *f = fopen(path, "r");
    if (!f) {
        WHY("%s: not there (a stage not run, or interrupted)", path);
        return 0;
    }
    unsigned dsig = 0;
    double secs = -1.0;
    int ok = fgets(line, sizeof line, f) && !strcmp(line, "edd-stage 2\n") && fgets(line, sizeof line, f) &&
             sscanf(line, "stage %127s", name) == 1 && !strcmp(name, stage) && fgets(line, sizeof line, f) &&
             sscanf(line, "scale %63s", sc) == 1;
    if (!ok)
        WHY("%s: not a manifest of stage %s", path, stage);
    else if (strcmp(sc, scale))
        WHY("%s: made at settings %s, expected %s", path, sc, scale), ok = 0;
    if (ok && !(fgets(line, sizeof line, f) && sscanf(line, "seconds %lf", &secs) == 1 && fgets(line, sizeof line, f) &&
                sscanf(line, "deps %x", &dsig) == 1))
        WHY("%s: expected the lines 'seconds S' and 'deps SIG' after the scale", path), ok = 0;
    if (ok && dsig != deps_sig)
        WHY("%s: made from inputs %08x, the stages it reads now give %08x", path, dsig, (unsigned)deps_sig), ok = 0;
    uLong c = crc32(0L, Z_NULL, 0);
    while (ok && fgets(line, sizeof line, f)) {
        unsigned long long size;
        unsigned crc, tail;
        int off = 0;
        size_t ll = strlen(line);
        if (ll == 0 || line[ll - 1] != '\n' || sscanf(line, "file %llu %x %x %n", &size, &crc, &tail, &off) != 3 || !off) {
            WHY("%s: line '%.60s' is not 'file SIZE CRC TAIL PATH'", path, line);
            ok = 0;
            break;
        }
        c = crc32(c, (const unsigned char *)line, (uInt)ll);
        line[ll - 1] = 0;
        char fp[EDD_PATH_MAX];
        uint32_t got = 0, gtail = 0;
        uint64_t gsize = 0;
        if (edd_path_join(&quiet, fp, sizeof fp, dir, line + off))
            WHY("%s", quiet.err), ok = 0;
        else if (edd_file_crc32(&quiet, fp, &got, &gtail, &gsize))
            WHY("%s: cannot read it, expected %llu bytes", fp, size), ok = 0;
        else if (gsize != size || got != crc || gtail != tail)
            WHY("%s: %llu bytes with CRC32 %08x and tail %08x, expected %llu with %08x and %08x", fp,
                (unsigned long long)gsize, (unsigned)got, (unsigned)gtail, size, crc, tail),
                ok = 0;
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
#undef WHY

int edd_manifest_seconds(const char *dir, const char *stage, char *scale, size_t n, double *seconds)
{
    char path[EDD_PATH_MAX], rel[256], line[1200], name[128] = "", sc[64] = "";
    edd_ctx quiet = {0};
    snprintf(rel, sizeof rel, "stages/%s.done", stage);
    if (edd_path_join(&quiet, path, sizeof path, dir, rel))
        return 0;
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    double secs = -1.0;
    int ok = fgets(line, sizeof line, f) && !strcmp(line, "edd-stage 2\n") && fgets(line, sizeof line, f) &&
             sscanf(line, "stage %127s", name) == 1 && !strcmp(name, stage) && fgets(line, sizeof line, f) &&
             sscanf(line, "scale %63s", sc) == 1 && fgets(line, sizeof line, f) &&
             sscanf(line, "seconds %lf", &secs) == 1 && secs >= 0 && secs < 1e12 && strlen(sc) < n;
    fclose(f);
    if (ok) {
        strcpy(scale, sc);
        *seconds = secs;
    }
    return ok;
}
