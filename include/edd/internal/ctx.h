/* internal/ctx.h - the fields of edd_ctx, for the engine's own files, the
 * white-box tests and the benches; callers of libedd see an opaque handle
 * (edd/core.h: edd_ctx_open, edd_ctx_error, ...). Not installed.
 *
 * Owns: struct edd_ctx, edd_ctx_init and edd_ctx_free (a context in the
 * caller's storage: the tests keep one on the stack). */
#ifndef EDD_INTERNAL_CTX_H
#define EDD_INTERNAL_CTX_H

#include "edd/core.h"

struct edd_ctx {
    struct dnnl_engine *engine;
    struct dnnl_stream *stream;
    int nthreads;   /* OpenMP threads edd uses; oneDNN threads each call itself */
    edd_simd simd;  /* chosen once at init: AVX2+FMA if the CPU has them */
    int ref_warned; /* a plan has said on stderr that oneDNN gave it a reference kernel */
    /* The plans' forms (src/nn/plan_choice.c): EDD_PLAN_CHOICE=fixed, the
     * choices made (kind, batch, threads, form), and whether the choice
     * cache has said on stderr why it cannot be used. */
    int plan_fixed;
    int n_forms;
    struct edd_plan_form { int kind, b, threads, form; } forms[64];
    int choice_warned;
    char err[1024];
};

/* edd_ctx_open into ctx, storage the caller's (a zeroed struct). */
edd_status edd_ctx_init(edd_ctx *ctx, int nthreads);

/* Release the engine and stream of ctx, not ctx itself. Safe on a zeroed
 * or half-built context. */
void edd_ctx_free(edd_ctx *ctx);

#endif
