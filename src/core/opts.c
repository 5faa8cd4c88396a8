/* src/core/opts.c - the size check and the fill of the public options
 * structs (edd/internal/opts.h).
 *
 * Owns: edd_opts_fill, edd_opts_check.
 * May call: core (edd_fail), libc. */
#include "edd/internal/opts.h"

#include <string.h>

void edd_opts_fill(void *o, size_t size, const void *def, size_t known)
{
    if (!o || size < sizeof(size_t))
        return;
    memcpy(o, def, size < known ? size : known);
    if (size > known)
        memset((char *)o + known, 0, size - known);
    memcpy(o, &size, sizeof size);
}

edd_status edd_opts_check(edd_ctx *ctx, const char *name, const void *o, size_t known)
{
    if (!o)
        return edd_fail(ctx, EDD_ERR_ARG, "%s: NULL, expected a struct built with %s_default", name, name);
    size_t size;
    memcpy(&size, o, sizeof size);
    if (size != known)
        return edd_fail(ctx, EDD_ERR_ARG, "%s: size %zu, expected %zu (build it with %s_default)", name, size, known,
                        name);
    return EDD_OK;
}
