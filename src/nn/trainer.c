/* trainer.c - a training run's parameters, gradients and optimiser state in
 * the layouts the TRAIN plans compute in (edd_trainer, include/edd/nn.h;
 * issue 28, item 2).
 *
 * Built on m's plain arrays, a training step would reorder every weight
 * into the layouts its primitives want and every weight gradient back,
 * because the optimiser works on one flat array. The store is that flat
 * array in the primitives' layouts instead: per layer the weights in the
 * layout of the first plan's forward primitive (padding included), then
 * the bias (plain in both); the gradients laid out the same; the optimiser
 * over both. A plan bound to the trainer (plan_layer_weights with the
 * store's layouts) runs its forward pass on the store, writes its weight
 * gradients into it, and copies only for a primitive that wants another
 * layout (conv2's backward-data). The optimiser steps element by element
 * and padding stays zero (its gradient is zero), so the parameters are the
 * bits a step on m's arrays gives. m is brought up to date by
 * edd_trainer_sync: a reorder per layer back to the plain layout.
 *
 * Owns: edd_trainer_*. May call: plan_internal.h (the plan's layers and
 * plan_layer_weights), the optimiser (optim.c), oneDNN. */
#include "edd/internal/ctx.h"
#include "edd/internal/opts.h"
#include "plan_internal.h"

#include <stdlib.h>
#include <string.h>

#define STORE_ALIGN 16 /* floats: every segment of the store starts on 64 bytes */

static size_t round_up(size_t n) { return (n + STORE_ALIGN - 1) / STORE_ALIGN * STORE_ALIGN; }

edd_status edd_trainer_create(edd_ctx *ctx, edd_cnn *m, const edd_optim *opt, edd_trainer **out)
{
    *out = NULL;
    edd_status st = EDD_OPTS_CHECK(ctx, edd_optim, opt);
    if (st)
        return st;
    edd_trainer *t = calloc(1, sizeof *t);
    if (!t)
        return edd_nomem(ctx, sizeof *t, "a trainer");
    t->m = m;
    t->opt = *opt;
    t->opt.n = 0;
    t->opt.t = 0;
    t->opt.m = t->opt.v = NULL;
    *out = t;
    return EDD_OK;
}

/* Run reorder r from one memory to another on the context's stream, or
 * copy n floats when r is NULL (the layouts match). */
static edd_status store_copy(edd_ctx *ctx, dnnl_primitive_t r, dnnl_memory_t from, dnnl_memory_t to, size_t n)
{
    if (!r) {
        memcpy(plan_mem_ptr(to), plan_mem_ptr(from), n * sizeof(float));
        return EDD_OK;
    }
    dnnl_exec_arg_t a[2] = {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}};
    return edd_dnnl_check(ctx, dnnl_primitive_execute(r, ctx->stream, 2, a), "trainer: reorder execute");
}

/* The reorder from layout a to b, NULL when they match. */
static edd_status store_reorder(edd_ctx *ctx, const dnnl_memory_desc_t *a, const dnnl_memory_desc_t *b,
                                dnnl_primitive_t *r)
{
    *r = NULL;
    if (dnnl_memory_desc_equal(a, b))
        return EDD_OK;
    dnnl_primitive_desc_t pd;
    edd_status st = edd_dnnl_check(ctx, dnnl_reorder_primitive_desc_create(&pd, a, ctx->engine, b, ctx->engine, NULL),
                                   "trainer: reorder pd");
    if (st)
        return st;
    st = edd_dnnl_check(ctx, dnnl_primitive_create(r, pd), "trainer: reorder create");
    dnnl_primitive_desc_destroy(pd);
    return st;
}

/* Layer li's segments and memories: its weights' layout from p's forward
 * primitive, its place in the store, m's plain weights and the reorders
 * between the two. */
static edd_status store_layer(edd_ctx *ctx, edd_trainer *t, const edd_plan *p, int li, size_t *n)
{
    const edd_tensor *W = &t->m->t[2 * li], *B = &t->m->t[2 * li + 1];
    t->wmd[li] = *dnnl_primitive_desc_query_md(p->l[li].fwd_pd, dnnl_query_weights_md, 0);
    t->woff[li] = *n;
    *n += round_up(dnnl_memory_desc_get_size(&t->wmd[li]) / sizeof(float));
    t->boff[li] = *n;
    *n += round_up(B->n);
    dnnl_memory_desc_t plain;
    edd_status st = plan_md_tag(ctx, &plain, W->rank, W->ne, W->rank == 4 ? dnnl_oihw : dnnl_oi);
    if (!st)
        st = plan_mem_new(ctx, &t->plain[li], &plain, W->data);
    if (!st)
        st = plan_mem_new(ctx, &t->w[li], &t->wmd[li], DNNL_MEMORY_NONE);
    if (!st)
        st = store_reorder(ctx, &plain, &t->wmd[li], &t->from_plain[li]);
    if (!st)
        st = store_reorder(ctx, &t->wmd[li], &plain, &t->to_plain[li]);
    return st;
}

/* Make the store from p's layouts and m's parameters, and the optimiser's
 * state over it. */
static edd_status store_make(edd_ctx *ctx, edd_trainer *t, const edd_plan *p)
{
    size_t n = 0;
    edd_status st = EDD_OK;
    for (int li = 0; !st && li < EDD_NLAYERS; li++)
        st = store_layer(ctx, t, p, li, &n);
    if (st)
        return st;
    t->n = n;
    t->params = aligned_alloc(64, n * sizeof(float));
    t->grad = aligned_alloc(64, n * sizeof(float));
    if (!t->params || !t->grad)
        return edd_nomem(ctx, 2 * n * sizeof(float), "a trainer's parameters and gradients in the plans' layouts");
    memset(t->params, 0, n * sizeof(float)); /* padding stays zero: its gradient is zero */
    memset(t->grad, 0, n * sizeof(float));
    for (int li = 0; !st && li < EDD_NLAYERS; li++) {
        dnnl_memory_set_data_handle(t->w[li], t->params + t->woff[li]);
        st = store_copy(ctx, t->from_plain[li], t->plain[li], t->w[li], t->m->t[2 * li].n);
        memcpy(t->params + t->boff[li], t->m->t[2 * li + 1].data, t->m->t[2 * li + 1].n * sizeof(float));
    }
    if (!st)
        st = edd_dnnl_check(ctx, dnnl_stream_wait(ctx->stream), "trainer: stream wait");
    if (!st)
        st = edd_optim_alloc(ctx, &t->opt, n);
    t->ready = !st;
    return st;
}

edd_status edd_trainer_forward(edd_ctx *ctx, edd_trainer *t, edd_plan *p, const float *x, const edd_dropout *dr,
                               float *z)
{
    if (p->kind != EDD_PLAN_TRAIN || (p->tr && p->tr != t))
        return edd_fail(ctx, EDD_ERR_ARG, "trainer: %s (batch %d), expected a TRAIN plan bound to no other trainer",
                        p->tr ? "a plan bound to another trainer" : "a plan that is not a TRAIN plan", p->b);
    if (p->k != t->m->k)
        return edd_fail(ctx, EDD_ERR_ARG, "trainer: plan built for K=%d, the model has K=%d", p->k, t->m->k);
    edd_status st = t->ready ? EDD_OK : store_make(ctx, t, p);
    for (int li = 0; !st && !p->tr && li < EDD_NLAYERS; li++)
        st = plan_layer_weights(ctx, p, li, &t->wmd[li]);
    if (st)
        return st;
    p->tr = t;
    return edd_plan_forward(ctx, p, t->m, x, dr, z);
}

edd_status edd_trainer_step(edd_ctx *ctx, edd_trainer *t, edd_plan *p, const float *dz)
{
    if (p->tr != t)
        return edd_fail(ctx, EDD_ERR_ARG, "trainer: a step on a plan (batch %d) not bound to this trainer: expected "
                        "edd_trainer_forward on it first", p->b);
    edd_status st = edd_plan_backward(ctx, p, t->m, dz, t->grad, NULL);
    if (st)
        return st;
    edd_optim_step(&t->opt, t->params, t->grad);
    t->version++;
    t->dirty = 1;
    return EDD_OK;
}

edd_status edd_trainer_sync(edd_ctx *ctx, edd_trainer *t)
{
    if (!t->dirty)
        return EDD_OK;
    edd_status st = EDD_OK;
    for (int li = 0; !st && li < EDD_NLAYERS; li++) {
        st = store_copy(ctx, t->to_plain[li], t->w[li], t->plain[li], t->m->t[2 * li].n);
        memcpy(t->m->t[2 * li + 1].data, t->params + t->boff[li], t->m->t[2 * li + 1].n * sizeof(float));
    }
    if (!st)
        st = edd_dnnl_check(ctx, dnnl_stream_wait(ctx->stream), "trainer: stream wait");
    if (st)
        return st;
    t->m->version++;
    t->dirty = 0;
    return EDD_OK;
}

void edd_trainer_free(edd_trainer *t)
{
    if (!t)
        return;
    for (int li = 0; li < EDD_NLAYERS; li++) {
        if (t->from_plain[li])
            dnnl_primitive_destroy(t->from_plain[li]);
        if (t->to_plain[li])
            dnnl_primitive_destroy(t->to_plain[li]);
        if (t->w[li])
            dnnl_memory_destroy(t->w[li]);
        if (t->plain[li])
            dnnl_memory_destroy(t->plain[li]);
    }
    edd_optim_free(&t->opt);
    free(t->params);
    free(t->grad);
    free(t);
}
