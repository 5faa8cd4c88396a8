/* provenance.c - the model file's provenance block (version 2): the text
 * form of edd_provenance, "key=value" lines (docs/FORMATS.md). See
 * include/edd/io.h; model_file.c writes and reads the block.
 *
 * Owns: edd_prov_known, edd_prov_text, edd_prov_parse (io_internal.h).
 * May call: core (edd_fail), libc. */
#include "edd/io.h"
#include "io_internal.h"

#include <stdio.h>
#include <string.h>

/* The fields, by key, in the order they are written. */
#define PROV_FIELD(name) {#name, offsetof(edd_provenance, name), sizeof(((edd_provenance *)0)->name)}
static const struct {
    const char *key;
    size_t off, size;
} fields[] = {PROV_FIELD(dataset), PROV_FIELD(data_sha256), PROV_FIELD(made), PROV_FIELD(settings)};
enum { NFIELDS = sizeof fields / sizeof fields[0] };

int edd_prov_known(const edd_provenance *p)
{
    for (int i = 0; i < NFIELDS; i++)
        if (((const char *)p + fields[i].off)[0])
            return 1;
    return 0;
}

edd_status edd_prov_text(edd_ctx *ctx, const char *path, const edd_provenance *p, char *buf, size_t *len)
{
    size_t w = 0;
    for (int i = 0; i < NFIELDS; i++) {
        const char *v = (const char *)p + fields[i].off;
        size_t n = strnlen(v, fields[i].size);
        if (n == fields[i].size)
            return edd_fail(ctx, EDD_ERR_ARG, "%s: provenance %s is not NUL-terminated within %zu bytes", path,
                            fields[i].key, fields[i].size);
        for (size_t j = 0; j < n; j++)
            if (v[j] < 0x20 || v[j] > 0x7e)
                return edd_fail(ctx, EDD_ERR_ARG, "%s: provenance %s has byte 0x%02x at %zu, expected printable "
                                "ASCII", path, fields[i].key, (unsigned char)v[j], j);
        w += (size_t)snprintf(buf + w, EDD_PROV_TEXT_MAX + 1 - w, "%s=%s\n", fields[i].key, v);
    }
    *len = w;
    return EDD_OK;
}

/* Store the value v (n bytes) of key into p; unknown keys are skipped. */
static edd_status prov_set(edd_ctx *ctx, const char *path, edd_provenance *p, const char *key, size_t klen,
                           const char *v, size_t n)
{
    for (int i = 0; i < NFIELDS; i++) {
        if (strlen(fields[i].key) != klen || memcmp(fields[i].key, key, klen))
            continue;
        if (n >= fields[i].size)
            return edd_fail(ctx, EDD_ERR_FORMAT, "%s: provenance %s is %zu bytes, expected under %zu", path,
                            fields[i].key, n, fields[i].size);
        memcpy((char *)p + fields[i].off, v, n);
        ((char *)p + fields[i].off)[n] = 0;
    }
    return EDD_OK;
}

edd_status edd_prov_parse(edd_ctx *ctx, const char *path, const char *t, size_t len, edd_provenance *p)
{
    memset(p, 0, sizeof *p);
    size_t at = 0;
    while (at < len) {
        const char *line = t + at, *nl = memchr(line, '\n', len - at);
        if (!nl)
            return edd_fail(ctx, EDD_ERR_FORMAT, "%s: provenance line at byte %zu has no newline, expected "
                            "key=value lines", path, at);
        size_t n = (size_t)(nl - line);
        const char *eq = memchr(line, '=', n);
        for (size_t j = 0; j < n; j++)
            if (line[j] < 0x20 || line[j] > 0x7e)
                return edd_fail(ctx, EDD_ERR_FORMAT, "%s: provenance has byte 0x%02x, expected printable ASCII",
                                path, (unsigned char)line[j]);
        if (!eq || eq == line)
            return edd_fail(ctx, EDD_ERR_FORMAT, "%s: provenance line \"%.*s\", expected key=value", path,
                            (int)(n > 64 ? 64 : n), line);
        edd_status st = prov_set(ctx, path, p, line, (size_t)(eq - line), eq + 1, (size_t)(nl - eq - 1));
        if (st)
            return st;
        at += n + 1;
    }
    return EDD_OK;
}
