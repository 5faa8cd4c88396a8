/* edd/internal/opts.h - the size check and the fill of the public options
 * structs (docs/DESIGN.md, "Options that keep the ABI").
 *
 * Owns: edd_opts_fill, edd_opts_check and EDD_OPTS_CHECK.
 * May call: core (edd_fail), libc.
 *
 * Every public options struct has `size_t size` as its first field, set by
 * its edd_X_init(o, sizeof *o) (the edd_X_default(o) macro of its header).
 * Its init fills the defaults with edd_opts_fill; every function that takes
 * it checks it first with EDD_OPTS_CHECK. */
#ifndef EDD_INTERNAL_OPTS_H
#define EDD_INTERNAL_OPTS_H

#include "edd/core.h"

/* Write the defaults def (known bytes, the struct as this library knows
 * it) into the caller's struct o of size bytes: the first min(size, known)
 * bytes of def, zeros after them up to size, then o's size field = size.
 * A size below sizeof(size_t) writes nothing. */
void edd_opts_fill(void *o, size_t size, const void *def, size_t known);

/* EDD_OK when o (a struct whose first field is its size_t size) was built
 * for this library; else EDD_ERR_ARG, "NAME: size S, expected K (build it
 * with NAME_default)" (or "NAME: NULL, expected ...").
 *
 * The library knows one version of each struct, so a size other than
 * known is refused: 0 (never initialised), larger (built against a newer
 * edd) or smaller. When a field is appended to a struct, the size of the
 * first version becomes the smallest accepted, and the code that reads the
 * new field reads it only when o->size covers it (a default otherwise). */
edd_status edd_opts_check(edd_ctx *ctx, const char *name, const void *o, size_t known);

/* edd_opts_check for o, a pointer to a struct of type `type`. */
#define EDD_OPTS_CHECK(ctx, type, o) edd_opts_check((ctx), #type, (o), sizeof(type))

#endif
