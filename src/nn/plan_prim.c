/* plan_prim.c - the oneDNN pieces a plan is made of: memories, primitives
 * with user scratchpads, reorders, and each layer's forward and backward
 * primitives with their weights in the layouts oneDNN picked, and the
 * two calls that execute every primitive (plan_run, plan_run_reorder),
 * timed when profiling is on, and a TRAIN plan's activations in the
 * layouts conv2's backward takes. May call: core (edd_now), oneDNN,
 * plan_prof.c. */
#include "edd/internal/ctx.h"
#include "edd/progress.h"
#include "plan_internal.h"

edd_status plan_md_tag(edd_ctx *ctx, dnnl_memory_desc_t *md, int nd, const int64_t *ne, dnnl_format_tag_t tag)
{
    dnnl_dims_t dims = {0};
    for (int i = 0; i < nd; i++)
        dims[i] = ne[i];
    CK(dnnl_memory_desc_init_by_tag(md, nd, dims, dnnl_f32, tag), "memory_desc_init_by_tag");
    return EDD_OK;
}

edd_status plan_mem_new(edd_ctx *ctx, dnnl_memory_t *mem, const dnnl_memory_desc_t *md, void *handle)
{
    CK(dnnl_memory_create(mem, md, ctx->engine, handle), "memory_create");
    return EDD_OK;
}

float *plan_mem_ptr(dnnl_memory_t m)
{
    void *p = NULL;
    dnnl_memory_get_data_handle(m, &p);
    return p;
}

size_t plan_mem_floats(dnnl_memory_t m)
{
    const dnnl_memory_desc_t *md;
    dnnl_memory_get_memory_desc(m, &md);
    return dnnl_memory_desc_get_size(md) / sizeof(float);
}

/* Create a primitive from pd with a user-managed scratchpad (so plans can
 * plan_run concurrently on different threads), and grow the plan's scratch need. */
edd_status plan_prim_make(edd_ctx *ctx, edd_plan *p, dnnl_primitive_desc_t pd, dnnl_primitive_t *prim,
                            dnnl_memory_t *sp)
{
    CK(dnnl_primitive_create(prim, pd), "primitive_create");
    const dnnl_memory_desc_t *smd = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
    size_t sz = smd ? dnnl_memory_desc_get_size(smd) : 0;
    if (sz > p->scratch_size)
        p->scratch_size = sz;
    if (smd)
        return plan_mem_new(ctx, sp, smd, DNNL_MEMORY_NONE);
    *sp = NULL;
    return EDD_OK;
}

edd_status plan_pd_make(edd_ctx *ctx, dnnl_primitive_desc_t *pd, const void *desc, int relu,
                          const_dnnl_primitive_desc_t hint)
{
    dnnl_primitive_attr_t attr;
    CK(dnnl_primitive_attr_create(&attr), "primitive_attr_create");
    dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user);
    if (relu) {
        dnnl_post_ops_t po;
        dnnl_post_ops_create(&po);
        dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_relu, 0.0f, 0.0f);
        dnnl_primitive_attr_set_post_ops(attr, po);
        dnnl_post_ops_destroy(po);
    }
    dnnl_status_t s = dnnl_primitive_desc_create(pd, desc, attr, ctx->engine, hint);
    dnnl_primitive_attr_destroy(attr);
    CK(s, "primitive_desc_create");
    return EDD_OK;
}

/* The reorder primitive from layout `from` to layout `to`. */
static edd_status reorder_prim(edd_ctx *ctx, const dnnl_memory_desc_t *from, const dnnl_memory_desc_t *to,
                               dnnl_primitive_t *reorder)
{
    dnnl_primitive_desc_t rpd;
    CK(dnnl_reorder_primitive_desc_create(&rpd, from, ctx->engine, to, ctx->engine, NULL), "reorder pd");
    dnnl_status_t s = dnnl_primitive_create(reorder, rpd);
    dnnl_primitive_desc_destroy(rpd);
    CK(s, "reorder create");
    return EDD_OK;
}

/* A reorder from one memory to another when their layouts differ:
 * *dst_out becomes src itself when they match (no copy needed). */
edd_status plan_reorder_make(edd_ctx *ctx, dnnl_memory_t src, const dnnl_memory_desc_t *want,
                               dnnl_memory_t *dst_out, dnnl_primitive_t *reorder, int alloc)
{
    const dnnl_memory_desc_t *have;
    dnnl_memory_get_memory_desc(src, &have);
    *reorder = NULL;
    if (dnnl_memory_desc_equal(have, want)) {
        *dst_out = NULL;
        return EDD_OK;
    }
    edd_status st = plan_mem_new(ctx, dst_out, want, alloc ? DNNL_MEMORY_ALLOCATE : DNNL_MEMORY_NONE);
    return st ? st : reorder_prim(ctx, have, want, reorder);
}

/* A reorder from layout `from` into dst's layout, or NULL when they match. */
edd_status plan_reorder_make_to(edd_ctx *ctx, const dnnl_memory_desc_t *from, dnnl_memory_t dst,
                                  dnnl_primitive_t *reorder)
{
    const dnnl_memory_desc_t *want;
    dnnl_memory_get_memory_desc(dst, &want);
    *reorder = NULL;
    return dnnl_memory_desc_equal(from, want) ? EDD_OK : reorder_prim(ctx, from, want, reorder);
}

/* Contract (plan_internal.h): src's data into dst, laid out as want. */
edd_status plan_reorder_once(edd_ctx *ctx, edd_plan *p, dnnl_memory_t src, const dnnl_memory_desc_t *want, void *dst)
{
    const dnnl_memory_desc_t *have;
    dnnl_memory_get_memory_desc(src, &have);
    dnnl_memory_t to = NULL;
    dnnl_primitive_t r = NULL;
    edd_status st = plan_mem_new(ctx, &to, want, dst);
    if (!st)
        st = reorder_prim(ctx, have, want, &r);
    if (!st)
        st = plan_run_reorder(ctx, p, r, src, to);
    if (!st)
        st = edd_dnnl_check(ctx, dnnl_stream_wait(p->stream), "stream wait");
    if (r)
        dnnl_primitive_destroy(r);
    if (to)
        dnnl_memory_destroy(to);
    return st;
}

edd_status plan_run(edd_ctx *ctx, edd_plan *p, dnnl_primitive_t prim, dnnl_memory_t sp, int n, dnnl_exec_arg_t *args)
{
    if (sp) {
        dnnl_memory_set_data_handle(sp, p->scratch);
        args[n].arg = DNNL_ARG_SCRATCHPAD;
        args[n].memory = sp;
        n++;
    }
    double t0 = p->prof_on ? edd_now() : 0.0;
    CK(dnnl_primitive_execute(prim, p->stream, n, args), "primitive_execute");
    if (p->prof_on)
        plan_prof_add(p, prim, edd_now() - t0);
    return EDD_OK;
}

edd_status plan_run_reorder(edd_ctx *ctx, edd_plan *p, dnnl_primitive_t r, dnnl_memory_t from, dnnl_memory_t to)
{
    dnnl_exec_arg_t a[2] = {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}};
    double t0 = p->prof_on ? edd_now() : 0.0;
    CK(dnnl_primitive_execute(r, p->stream, 2, a), "reorder execute");
    if (p->prof_on)
        plan_prof_add(p, r, edd_now() - t0);
    return EDD_OK;
}

/* Layer geometry from EDD_CNN: conv1 and conv2 are convolutions; conv3
 * (its kernel covers its whole input) and fc are inner products. conv1 in
 * space-to-depth form has stride 1 and no padding. */
static void conv_geometry(int li, int s2d, dnnl_dims_t stride, dnnl_dims_t pad)
{
    int one = s2d && li == EDD_L_CONV1;
    stride[0] = stride[1] = one ? 1 : EDD_CNN[li].stride;
    pad[0] = pad[1] = one ? 0 : EDD_CNN[li].pad;
}

static edd_status layer_fwd_desc(edd_ctx *ctx, int li, int kind, int s2d, const dnnl_memory_desc_t *src,
                                 const dnnl_memory_desc_t *w, const dnnl_memory_desc_t *bias,
                                 const dnnl_memory_desc_t *dst, dnnl_primitive_desc_t *pd)
{
    dnnl_dims_t stride, pad;
    conv_geometry(li, s2d, stride, pad);
    dnnl_prop_kind_t prop = kind == EDD_PLAN_INFER ? dnnl_forward_inference : dnnl_forward_training;
    int relu = li != EDD_L_FC;
    if (li <= EDD_L_CONV2) {
        dnnl_convolution_desc_t d;
        CK(dnnl_convolution_forward_desc_init(&d, prop, dnnl_convolution_direct, src, w, bias, dst, stride, pad, pad),
           "conv fwd desc");
        return plan_pd_make(ctx, pd, &d, relu, NULL);
    }
    dnnl_inner_product_desc_t d;
    CK(dnnl_inner_product_forward_desc_init(&d, prop, src, w, bias, dst), "ip fwd desc");
    return plan_pd_make(ctx, pd, &d, relu, NULL);
}

static edd_status layer_bwd_data_desc(edd_ctx *ctx, int li, const dnnl_memory_desc_t *dsrc,
                                      const dnnl_memory_desc_t *w, const dnnl_memory_desc_t *ddst,
                                      const_dnnl_primitive_desc_t hint, dnnl_primitive_desc_t *pd)
{
    if (li <= EDD_L_CONV2) {
        dnnl_convolution_desc_t d;
        dnnl_dims_t stride, pad;
        conv_geometry(li, 0, stride, pad);
        CK(dnnl_convolution_backward_data_desc_init(&d, dnnl_convolution_direct, dsrc, w, ddst, stride, pad, pad),
           "conv bwd data desc");
        return plan_pd_make(ctx, pd, &d, 0, hint);
    }
    dnnl_inner_product_desc_t d;
    CK(dnnl_inner_product_backward_data_desc_init(&d, dsrc, w, ddst), "ip bwd data desc");
    return plan_pd_make(ctx, pd, &d, 0, hint);
}

static edd_status layer_bwd_w_desc(edd_ctx *ctx, int li, const dnnl_memory_desc_t *src,
                                   const dnnl_memory_desc_t *dw, const dnnl_memory_desc_t *db,
                                   const dnnl_memory_desc_t *ddst, const_dnnl_primitive_desc_t hint,
                                   dnnl_primitive_desc_t *pd)
{
    if (li <= EDD_L_CONV2) {
        dnnl_convolution_desc_t d;
        dnnl_dims_t stride, pad;
        conv_geometry(li, 0, stride, pad);
        CK(dnnl_convolution_backward_weights_desc_init(&d, dnnl_convolution_direct, src, dw, db, ddst, stride, pad,
                                                       pad), "conv bwd weights desc");
        return plan_pd_make(ctx, pd, &d, 0, hint);
    }
    dnnl_inner_product_desc_t d;
    CK(dnnl_inner_product_backward_weights_desc_init(&d, src, dw, db, ddst), "ip bwd weights desc");
    return plan_pd_make(ctx, pd, &d, 0, hint);
}

/* Free layer L's weight memories and their reorders (plan_layer_weights
 * makes them); each may be NULL. */
static void layer_weights_free(layer *L)
{
    dnnl_primitive_t r[3] = {L->w_fwd_reorder, L->w_bwd_reorder, L->dw_reorder};
    dnnl_memory_t mem[5] = {L->w_user, L->w_fwd, L->w_bwd, L->dw_prim, L->dw_user};
    for (int i = 0; i < 3; i++)
        if (r[i])
            dnnl_primitive_destroy(r[i]);
    for (int i = 0; i < 5; i++)
        if (mem[i])
            dnnl_memory_destroy(mem[i]);
    L->w_fwd_reorder = L->w_bwd_reorder = L->dw_reorder = NULL;
    L->w_user = L->w_fwd = L->w_bwd = L->dw_prim = L->dw_user = NULL;
}

/* Contract (plan_internal.h): layer li's weight memories for weights kept
 * in layout user (m's plain layout when the plan is built, a trainer's when
 * it is bound): w_user and dw_user on user (handles set per call), and for
 * each primitive whose layout differs, a copy and the reorder to it (the
 * weight gradient's from it). Replaces what the layer had. */
edd_status plan_layer_weights(edd_ctx *ctx, edd_plan *p, int li, const dnnl_memory_desc_t *user)
{
    layer *L = &p->l[li];
    edd_status st;
    layer_weights_free(L);
    p->w_valid = 0;
    if ((st = plan_mem_new(ctx, &L->w_user, user, DNNL_MEMORY_NONE)))
        return st;
    const dnnl_memory_desc_t *wf = dnnl_primitive_desc_query_md(L->fwd_pd, dnnl_query_weights_md, 0);
    if ((st = plan_reorder_make(ctx, L->w_user, wf, &L->w_fwd, &L->w_fwd_reorder, 1)))
        return st;
    if (L->bwd_data_pd) {
        const dnnl_memory_desc_t *wb = dnnl_primitive_desc_query_md(L->bwd_data_pd, dnnl_query_weights_md, 0);
        if ((st = plan_reorder_make(ctx, L->w_user, wb, &L->w_bwd, &L->w_bwd_reorder, 1)))
            return st;
    }
    const dnnl_memory_desc_t *dw = L->bwd_w_pd ? dnnl_primitive_desc_query_md(L->bwd_w_pd, dnnl_query_diff_weights_md, 0)
                                               : NULL;
    if (dw && ((st = plan_mem_new(ctx, &L->dw_user, user, DNNL_MEMORY_NONE)) ||
               (st = plan_reorder_make_to(ctx, dw, L->dw_user, &L->dw_reorder)) ||
               (L->dw_reorder && (st = plan_mem_new(ctx, &L->dw_prim, dw, DNNL_MEMORY_ALLOCATE)))))
        return st;
    if (p->prof_on)
        plan_prof_relist(p);
    return EDD_OK;
}

/* Build layer li: forward from src_md to a dst md (any unless dst_fixed),
 * and the backward primitives the plan kind needs; its weights in m's
 * plain layout (plan_layer_weights). */
edd_status plan_layer_build(edd_ctx *ctx, edd_plan *p, const edd_cnn *m, int li, const dnnl_memory_desc_t *src_md,
                              const dnnl_memory_desc_t *dst_req, int need_bwd_data, int need_bwd_w,
                              const dnnl_memory_desc_t **dst_md)
{
    layer *L = &p->l[li];
    const edd_tensor *W = &m->t[2 * li], *B = &m->t[2 * li + 1];
    dnnl_memory_desc_t w_plain, w_any, b_md;
    edd_status st;
    const int64_t w1s2d_ne[4] = {C1->out_c, S2D_C, S2D_K, S2D_K};
    const int64_t *wne = p->s2d && li == EDD_L_CONV1 ? w1s2d_ne : W->ne;
    if ((st = plan_md_tag(ctx, &w_plain, W->rank, wne, W->rank == 4 ? dnnl_oihw : dnnl_oi)))
        return st;
    if ((st = plan_md_tag(ctx, &w_any, W->rank, wne, dnnl_format_tag_any)))
        return st;
    if ((st = plan_md_tag(ctx, &b_md, 1, B->ne, dnnl_x)))
        return st;
    if ((st = layer_fwd_desc(ctx, li, p->kind, p->s2d, src_md, &w_any, &b_md, dst_req, &L->fwd_pd)))
        return st;
    if ((st = plan_prim_make(ctx, p, L->fwd_pd, &L->fwd, &L->sp_fwd)))
        return st;
    *dst_md = dnnl_primitive_desc_query_md(L->fwd_pd, dnnl_query_dst_md, 0);
    src_md = dnnl_primitive_desc_query_md(L->fwd_pd, dnnl_query_src_md, 0);
    if ((st = plan_mem_new(ctx, &L->b_user, &b_md, DNNL_MEMORY_NONE)))
        return st;
    const_dnnl_primitive_desc_t hint = L->fwd_pd;
    const dnnl_memory_desc_t *bdst_md = *dst_md;
    if (p->kind == EDD_PLAN_TRAIN && p->nhwc && li == EDD_L_CONV2) { /* the backward on the blocked form's layouts */
        dnnl_memory_desc_t any_src, any_dst;
        if ((st = plan_md_tag(ctx, &any_src, 4, src_md->dims, dnnl_format_tag_any)) ||
            (st = plan_md_tag(ctx, &any_dst, 4, (*dst_md)->dims, dnnl_format_tag_any)) ||
            (st = layer_fwd_desc(ctx, li, p->kind, 0, &any_src, &w_any, &b_md, &any_dst, &L->bwd_hint_pd)))
            return st;
        hint = L->bwd_hint_pd;
        src_md = dnnl_primitive_desc_query_md(hint, dnnl_query_src_md, 0);
        bdst_md = dnnl_primitive_desc_query_md(hint, dnnl_query_dst_md, 0);
    }
    if (need_bwd_data && ((st = layer_bwd_data_desc(ctx, li, src_md, &w_any, bdst_md, hint, &L->bwd_data_pd)) ||
                          (st = plan_prim_make(ctx, p, L->bwd_data_pd, &L->bwd_data, &L->sp_bwd_data))))
        return st;
    if (need_bwd_w &&
        ((st = layer_bwd_w_desc(ctx, li, src_md, &w_any, &b_md, bdst_md, hint, &L->bwd_w_pd)) ||
         (st = plan_prim_make(ctx, p, L->bwd_w_pd, &L->bwd_w, &L->sp_bwd_w)) ||
         (st = plan_mem_new(ctx, &L->db_user, &b_md, DNNL_MEMORY_NONE))))
        return st;
    return plan_layer_weights(ctx, p, li, &w_plain);
}

/* Contract (plan_internal.h): a TRAIN plan's a1, da1 and da2 in the layouts conv2's backward
 * primitives take (a1_md: conv1's output), each a copy and a reorder when
 * it differs: a1 from conv1's output, da1 back to it, da2 from conv3's
 * backward-data. */
edd_status plan_conv2_bwd_layouts(edd_ctx *ctx, edd_plan *p, const dnnl_memory_desc_t *a1_md)
{
    const layer *L = &p->l[EDD_L_CONV2];
    const dnnl_memory_desc_t *src = dnnl_primitive_desc_query_md(L->bwd_w_pd, dnnl_query_src_md, 0),
                             *dsrc = dnnl_primitive_desc_query_md(L->bwd_data_pd, dnnl_query_diff_src_md, 0),
                             *ddst = dnnl_primitive_desc_query_md(L->bwd_w_pd, dnnl_query_diff_dst_md, 0);
    edd_status st;
    if (!dnnl_memory_desc_equal(src, dsrc) ||
        !dnnl_memory_desc_equal(ddst, dnnl_primitive_desc_query_md(L->bwd_data_pd, dnnl_query_diff_dst_md, 0)))
        return edd_fail(ctx, EDD_ERR_DNNL, "plan: conv2's backward primitives (batch %d) chose different "
                        "layouts for a1 or for its gradient: expected one each", p->b);
    const dnnl_memory_desc_t *a1c_md = p->m_a1c ? dnnl_primitive_desc_query_md(L->fwd_pd, dnnl_query_src_md, 0) : NULL;
    p->a1_bwd = dnnl_memory_desc_equal(src, a1_md) ? p->m_a1 : a1c_md && dnnl_memory_desc_equal(src, a1c_md) ? p->m_a1c
                                                                                                            : NULL;
    if ((!p->a1_bwd && ((st = plan_reorder_make(ctx, p->m_a1, src, &p->m_a1b, &p->a1b_reorder, 1)))) ||
        (st = plan_reorder_make(ctx, p->m_da2, ddst, &p->m_da2b, &p->da2b_reorder, 1)) ||
        (st = plan_mem_new(ctx, &p->m_da1, a1_md, DNNL_MEMORY_ALLOCATE)))
        return st;
    p->a1_bwd = p->a1_bwd ? p->a1_bwd : p->m_a1b;
    if (dnnl_memory_desc_equal(dsrc, a1_md))
        return EDD_OK;
    return (st = plan_mem_new(ctx, &p->m_da1c, dsrc, DNNL_MEMORY_ALLOCATE)) ? st
           : plan_reorder_make_to(ctx, dsrc, p->m_da1, &p->a1_bwd_reorder);
}
