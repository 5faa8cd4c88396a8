/* plan.c - the CNN's forward and backward passes on oneDNN primitives
 * (plan_internal.h lists the files of the plan and what each does).
 *
 * A plan holds, for one batch size, every primitive the passes need (built
 * once, reused every call), the activations, and copies of the weights in
 * the layouts oneDNN picked (format_tag_any), refreshed only when the
 * model's parameters change. Activations stay in oneDNN's blocked layout
 * from conv1's output to conv3's input: no reorder on the data path.
 * ReLU is a post-op of each forward primitive; its backward is a mask on
 * the post-ReLU activation (dy *= y > 0), done here in place.
 *
 * Inference (INFER) and input-gradient (INPUT_GRAD) plans run conv1 in its
 * space-to-depth form: an 8x8, stride-2, pad-3 convolution over one
 * channel is exactly a 4x4, stride-1 convolution over the 2x2
 * space-to-depth of the padded input (4 channels of 17x17), with the
 * weights rearranged the same way. oneDNN runs that on its jit kernel
 * where the plain form gets its gemm one at AVX2 (docs/ARCHITECTURE.md's
 * kernel table) and writes conv2's layout directly; its backward
 * primitives would land on ref:any, so training plans, which need conv1's
 * weight gradient, keep the plain form.
 *
 * Input-gradient (INPUT_GRAD) plans take the gradient below conv3 as
 * matmuls and gathers, not as oneDNN backward-data convolutions: conv1's
 * (one input channel, 8x8) fell to ref:any on AVX-512 (docs/ARCHITECTURE.md,
 * "On every ISA"), and conv2's runs slower than a GEMM of the same FLOPs.
 * In NHWC, per chunk of IG_CHUNK images:
 *   col2[n,oy,ox][ky,kx,c] = sum_o da2[n,oy,ox,o] * w2[o][c][ky][kx]
 *   da1[n,y,x][c] = (a1 > 0) * sum of col2[n,oy,ox][ky,kx,c]
 *                   over 2*oy + ky = y, 2*ox + kx = x
 *   col1[n,oy,ox][ky,kx] = sum_o da1[n,oy,ox,o] * w1[o][0][ky][kx]
 *   dx[n,y,x] = sum of col1[n,oy,ox][ky,kx] over 2*oy - 3 + ky = y,
 *               2*ox - 3 + kx = x
 * The two products are oneDNN matmul primitives ([25n x 128] x
 * [128 x 2304] and [196n x 64] x [64 x 64]), the same on every ISA; the
 * gathers (col2im) sum a fixed set of terms in a fixed order.
 *
 * Every primitive's implementation is queried when a plan is built
 * (edd_plan_prims); one that is oneDNN's reference kernel is reported once
 * per context on stderr, naming the primitive and its shape. */
#include "edd/internal/ctx.h"
#include "plan_internal.h"
#include "edd/internal/simd.h"
#include "edd/io.h"

#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An upper bound of the address space a plan of b rows takes while it is
 * built and run: its activations (one image's: x, a1, a2, h twice, z) times
 * 3 for INFER (the space-to-depth input, a1 in conv2's layout, the
 * scratchpad), 4 for INPUT_GRAD (the gradients) and 5 for TRAIN (the
 * gradients in both layouts); a fixed part for oneDNN's primitive
 * descriptors, jit code and primitive cache (measured: a TRAIN plan of 128
 * rows maps 31 MB, an INFER plan of 256 rows 28 MB, AVX2, one thread), the
 * input-gradient chunk buffers (the OpenMP threads' stacks are mapped by
 * edd_ctx_init, before any plan). oneDNN dies by a signal, not a status,
 * when it cannot map its jit code, so edd_plan_create checks this before
 * any oneDNN call. */
static size_t plan_bytes_bound(int b, int kind, int k)
{
    const size_t mb = (size_t)1 << 20;
    size_t act = EDD_IMG_SIZE + (size_t)C1->out_c * C1->out_hw * C1->out_hw +
                 (size_t)C2->out_c * C2->out_hw * C2->out_hw + 2 * EDD_HIDDEN + (size_t)k;
    size_t times = kind == EDD_PLAN_INFER ? 3 : kind == EDD_PLAN_INPUT_GRAD ? 4 : 5;
    size_t fixed = 16 * mb + (kind == EDD_PLAN_INPUT_GRAD ? 16 * mb : 0);
    return act * sizeof(float) * times * (size_t)b + fixed;
}

/* EDD_ERR_ARG for a batch size or a kind outside the contract; else
 * EDD_ERR_NOMEM, "out of memory: need N MB for ... a KIND plan of b rows",
 * unless plan_bytes_bound fits in the memory available. */
static edd_status plan_args_check(edd_ctx *ctx, int b, int kind, int k)
{
    if (b <= 0 || b > (1 << 20))
        return edd_fail(ctx, EDD_ERR_ARG, "plan: batch size %d, expected 1..%d", b, 1 << 20);
    if (kind != EDD_PLAN_INFER && kind != EDD_PLAN_TRAIN && kind != EDD_PLAN_INPUT_GRAD)
        return edd_fail(ctx, EDD_ERR_ARG, "plan: kind %d, expected INFER, TRAIN or INPUT_GRAD", kind);
    char what[128];
    snprintf(what, sizeof what, "the oneDNN primitives and buffers of a %s plan of %d rows",
             kind == EDD_PLAN_INFER ? "forward" : kind == EDD_PLAN_TRAIN ? "training" : "input-gradient", b);
    return edd_mem_check(ctx, what, plan_bytes_bound(b, kind, k));
}

edd_status edd_plan_create(edd_ctx *ctx, const edd_cnn *m, int b, int kind, int own_stream, edd_plan **out)
{
    *out = NULL;
    edd_status st = plan_choose(ctx, m, b, kind, own_stream, out);
    if (!st)
        plan_warn_ref(ctx, *out);
    return st;
}

/* Contract (plan_internal.h): the plan, its activations in NHWC if nhwc. */
edd_status plan_build(edd_ctx *ctx, const edd_cnn *m, int b, int kind, int own_stream, int nhwc, edd_plan **out)
{
    *out = NULL;
    edd_status st = plan_args_check(ctx, b, kind, m->k);
    if (st)
        return st;
    edd_plan *p = calloc(1, sizeof *p);
    if (!p)
        return edd_nomem(ctx, sizeof *p, "a plan");
    p->b = b;
    p->k = m->k;
    p->kind = kind;
    p->s2d = kind != EDD_PLAN_TRAIN;
    p->nhwc = nhwc;
    p->stream = ctx->stream;
    if (own_stream) {
        p->own_stream = 1;
        if ((st = edd_dnnl_check(ctx, dnnl_stream_create(&p->stream, ctx->engine, dnnl_stream_default_flags), "stream create")))
            goto fail;
    }
    int bwd = kind != EDD_PLAN_INFER, bw = kind == EDD_PLAN_TRAIN;
    int64_t dx[4] = {b, EDD_IMG_C, EDD_IMG_H, EDD_IMG_W}, dh[2] = {b, EDD_HIDDEN}, dz[2] = {b, m->k};
    int64_t da1[4] = {b, C1->out_c, C1->out_hw, C1->out_hw}, da2[4] = {b, C2->out_c, C2->out_hw, C2->out_hw};
    dnnl_memory_desc_t x_md, a1_req, a1c_req, a2_req, h_md, z_md;
    int64_t dxs[4] = {b, S2D_C, S2D_HW, S2D_HW};
    int all = p->nhwc && p->s2d; /* NHWC from conv1's input on, or (TRAIN) around conv2's forward only */
    dnnl_format_tag_t any = dnnl_format_tag_any, c2 = p->nhwc ? dnnl_nhwc : any;
    if ((st = plan_md_tag(ctx, &x_md, 4, p->s2d ? dxs : dx, all ? dnnl_nhwc : dnnl_nchw)) ||
        (st = plan_md_tag(ctx, &a1_req, 4, da1, all ? dnnl_nhwc : any)) || (st = plan_md_tag(ctx, &a1c_req, 4, da1, c2)) ||
        (st = plan_md_tag(ctx, &a2_req, 4, da2, c2)) || (st = plan_md_tag(ctx, &h_md, 2, dh, dnnl_nc)) ||
        (st = plan_md_tag(ctx, &z_md, 2, dz, dnnl_nc)))
        goto fail;
    const dnnl_memory_desc_t *a1_md, *a2_md, *h_out, *z_out;
    if ((st = plan_layer_build(ctx, p, m, EDD_L_CONV1, &x_md, &a1_req, 0, bw, &a1_md)) ||
        (st = plan_layer_build(ctx, p, m, EDD_L_CONV2, &a1c_req, &a2_req, bw, bw, &a2_md)))
        goto fail;
    const dnnl_memory_desc_t *a1c_md = dnnl_primitive_desc_query_md(p->l[EDD_L_CONV2].fwd_pd, dnnl_query_src_md, 0);
    if ((st = plan_layer_build(ctx, p, m, EDD_L_CONV3, a2_md, &h_md, bwd, bw, &h_out)) ||
        (st = plan_layer_build(ctx, p, m, EDD_L_FC, &h_md, &z_md, bwd, bw, &z_out)))
        goto fail;
    if ((st = plan_mem_new(ctx, &p->m_x, &x_md, DNNL_MEMORY_ALLOCATE)) || (st = plan_mem_new(ctx, &p->m_a1, a1_md, DNNL_MEMORY_ALLOCATE)) ||
        (st = plan_mem_new(ctx, &p->m_a2, a2_md, DNNL_MEMORY_ALLOCATE)) || (st = plan_mem_new(ctx, &p->m_h, &h_md, DNNL_MEMORY_ALLOCATE)) ||
        (st = plan_mem_new(ctx, &p->m_hd, &h_md, DNNL_MEMORY_ALLOCATE)) || (st = plan_mem_new(ctx, &p->m_z, &z_md, DNNL_MEMORY_NONE)))
        goto fail;
    if ((st = plan_reorder_make(ctx, p->m_a1, a1c_md, &p->m_a1c, &p->a1_fwd_reorder, 1)))
        goto fail;
    if (bwd) {
        if ((st = plan_mem_new(ctx, &p->m_da2, a2_md, DNNL_MEMORY_ALLOCATE)) || (st = plan_mem_new(ctx, &p->m_dh, &h_md, DNNL_MEMORY_ALLOCATE)) ||
            (st = plan_mem_new(ctx, &p->m_dz, &z_md, DNNL_MEMORY_NONE)))
            goto fail;
        if (bw && (st = plan_conv2_bwd_layouts(ctx, p, a1_md)))
            goto fail;
        if (kind == EDD_PLAN_INPUT_GRAD && (st = plan_input_grad_build(ctx, p)))
            goto fail;
        p->mask_in = malloc((size_t)b * EDD_IMG_SIZE * sizeof(float));
        p->mask_h = malloc((size_t)b * EDD_HIDDEN * sizeof(float));
        if (!p->mask_in || !p->mask_h) {
            st = edd_nomem(ctx, (size_t)b * (EDD_IMG_SIZE + EDD_HIDDEN) * sizeof(float),
                           "a plan's dropout masks (batch %d)", b);
            goto fail;
        }
    }
    if (p->s2d && (!(p->xflat = malloc((size_t)b * EDD_IMG_SIZE * sizeof(float))) ||
                   !(p->w1s2d = malloc((size_t)C1->out_c * S2D_C * S2D_K * S2D_K * sizeof(float))))) {
        st = edd_nomem(ctx, ((size_t)b * EDD_IMG_SIZE + (size_t)C1->out_c * S2D_C * S2D_K * S2D_K) * sizeof(float),
                       "a plan's space-to-depth input (batch %d)", b);
        goto fail;
    }
    if (p->scratch_size && !(p->scratch = aligned_alloc(64, (p->scratch_size + 63) / 64 * 64))) {
        st = edd_nomem(ctx, p->scratch_size, "a plan's oneDNN scratchpad (batch %d)", b);
        goto fail;
    }
    *out = p;
    return EDD_OK;
fail:
    edd_plan_free(p);
    return st;
}

static void prim_free(dnnl_primitive_t x) { if (x) dnnl_primitive_destroy(x); }
static void mem_free(dnnl_memory_t x) { if (x) dnnl_memory_destroy(x); }
static void pd_free(dnnl_primitive_desc_t x) { if (x) dnnl_primitive_desc_destroy(x); }

void edd_plan_free(edd_plan *p)
{
    if (!p)
        return;
    for (int i = 0; i < EDD_NLAYERS; i++) {
        layer *L = &p->l[i];
        prim_free(L->fwd); prim_free(L->bwd_data); prim_free(L->bwd_w);
        prim_free(L->w_fwd_reorder); prim_free(L->w_bwd_reorder); prim_free(L->dw_reorder);
        pd_free(L->fwd_pd); pd_free(L->bwd_data_pd); pd_free(L->bwd_w_pd); pd_free(L->bwd_hint_pd);
        mem_free(L->sp_fwd); mem_free(L->sp_bwd_data); mem_free(L->sp_bwd_w);
        mem_free(L->w_user); mem_free(L->b_user); mem_free(L->w_fwd); mem_free(L->w_bwd);
        mem_free(L->dw_prim); mem_free(L->dw_user); mem_free(L->db_user);
    }
    prim_free(p->a1_fwd_reorder);
    prim_free(p->a1_bwd_reorder);
    prim_free(p->a1n_reorder);
    prim_free(p->a1b_reorder);
    prim_free(p->da2b_reorder);
    prim_free(p->da2n_reorder);
    plan_chunk_mm_free(&p->mm2);
    plan_chunk_mm_free(&p->mm1);
    dnnl_memory_t mems[] = {p->m_x, p->m_a1, p->m_a2, p->m_h, p->m_hd, p->m_z, p->m_da1, p->m_da2, p->m_dh,
                            p->m_dz, p->m_a1c, p->m_da1c, p->m_a1n, p->m_da2n, p->m_a1b, p->m_da2b};
    for (size_t i = 0; i < sizeof mems / sizeof mems[0]; i++)
        mem_free(mems[i]);
    if (p->own_stream && p->stream)
        dnnl_stream_destroy(p->stream);
    free(p->mask_in);
    free(p->mask_h);
    free(p->xflat);
    free(p->w1s2d);
    free(p->w2p);
    free(p->col2);
    free(p->da1n);
    free(p->col1);
    free(p->scratch);
    free(p);
}

int edd_plan_batch(const edd_plan *p) { return p->b; }

/* Bring the plan's copies of the weights up to date with m's parameters,
 * or with its trainer's store when it is bound to one. */
static edd_status weights_refresh(edd_ctx *ctx, edd_plan *p, const edd_cnn *m)
{
    const edd_trainer *tr = p->tr;
    for (int li = 0; li < EDD_NLAYERS; li++) {
        layer *L = &p->l[li];
        float *w = tr ? tr->params + tr->woff[li] : li == EDD_L_CONV1 && p->s2d ? p->w1s2d : m->t[2 * li].data;
        dnnl_memory_set_data_handle(L->w_user, w);
        dnnl_memory_set_data_handle(L->b_user, tr ? tr->params + tr->boff[li] : m->t[2 * li + 1].data);
    }
    const uint64_t version = tr ? tr->version : m->version;
    if (p->w_valid && p->w_version == version)
        return EDD_OK;
    /* Space-to-depth weights: w'[o][S*dy+dx][ky][kx] = w[o][0][S*ky+dy][S*kx+dx] (S: conv1's stride). */
    const int S = C1->stride, K = C1->kernel;
    for (int o = 0; p->s2d && o < C1->out_c; o++)
        for (int c = 0; c < S2D_C; c++)
            for (int ky = 0; ky < S2D_K; ky++)
                for (int kx = 0; kx < S2D_K; kx++)
                    p->w1s2d[((o * S2D_C + c) * S2D_K + ky) * S2D_K + kx] =
                        m->t[EDD_CONV1_W].data[(o * K + S * ky + c / S) * K + S * kx + c % S];
    if (p->w2p)
        plan_input_grad_weights(p, m);
    edd_status st;
    for (int li = 0; li < EDD_NLAYERS; li++) {
        layer *L = &p->l[li];
        if (L->w_fwd_reorder && (st = plan_run_reorder(ctx, p, L->w_fwd_reorder, L->w_user, L->w_fwd)))
            return st;
        if (L->w_bwd_reorder && (st = plan_run_reorder(ctx, p, L->w_bwd_reorder, L->w_user, L->w_bwd)))
            return st;
    }
    p->w_version = version;
    p->w_valid = 1;
    return EDD_OK;
}

static dnnl_memory_t w_for(layer *L, int bwd) {
    if (bwd)
        return L->w_bwd ? L->w_bwd : L->w_user;
    return L->w_fwd ? L->w_fwd : L->w_user;
}

/* Inverted dropout over b rows of n units, row i keyed by its example's
 * dataset index (docs/DESIGN.md section 5). mask may be NULL. */
static void dropout_rows(edd_simd lv, float *y, float *mask, const float *x, int b, size_t n, float pdrop,
                         const edd_dropout *dr, int layer_id)
{
    #pragma omp parallel for schedule(static) if (b >= 16 && !omp_in_parallel())
    for (int i = 0; i < b; i++) {
        uint64_t idx = dr->idx ? dr->idx[i] : (uint64_t)i;
        uint64_t stream = dr->streams ? dr->streams[i] : dr->stream;
        uint64_t key = edd_rng_key(dr->seed, 2 * stream + (uint64_t)layer_id, idx);
        edd_dropout_f32(lv, y + (size_t)i * n, mask ? mask + (size_t)i * n : NULL, x + (size_t)i * n, n, key, 0, pdrop);
    }
}

/* s[n][S*dy+dx][i][j] = x[n][S*i+dy-P][S*j+dx-P], 0 in the padding (S, P:
 * conv1's stride and padding): conv1's input in its space-to-depth form,
 * its channel innermost (NHWC) if nhwc, else outermost (NCHW). */
static void space_to_depth(float *s, const float *x, int b, int nhwc)
{
    const int S = C1->stride, P = C1->pad, H = C1->in_hw, HW = S2D_HW, SC = S2D_C;
    const size_t cs = nhwc ? 1 : (size_t)HW * HW, is = nhwc ? (size_t)HW * SC : (size_t)HW, js = nhwc ? (size_t)SC : 1;
    #pragma omp parallel for schedule(static) if (b >= 64 && !omp_in_parallel())
    for (int n = 0; n < b; n++)
        for (int c = 0; c < SC; c++)
            for (int i = 0; i < HW; i++)
                for (int j = 0; j < HW; j++) {
                    int r = S * i + c / S - P, q = S * j + c % S - P;
                    s[(size_t)n * SC * HW * HW + c * cs + i * is + j * js] =
                        r >= 0 && r < H && q >= 0 && q < H ? x[(size_t)n * EDD_IMG_SIZE + r * H + q] : 0.0f;
                }
}

edd_status edd_plan_forward(edd_ctx *ctx, edd_plan *p, const edd_cnn *m, const float *x, const edd_dropout *dr, float *z)
{
    int on = dr && dr->on;
    if (m->k != p->k)
        return edd_fail(ctx, EDD_ERR_ARG, "plan: model has K=%d outputs, plan was built for K=%d", m->k, p->k);
    edd_status st = weights_refresh(ctx, p, m);
    if (st)
        return st;
    size_t nx = (size_t)p->b * EDD_IMG_SIZE, nh = (size_t)p->b * EDD_HIDDEN;
    float *xd = p->s2d ? p->xflat : plan_mem_ptr(p->m_x);
    p->dropout_was_on = on;
    if (on && m->p_input > 0)
        dropout_rows(ctx->simd, xd, p->mask_in, x, p->b, EDD_IMG_SIZE, m->p_input, dr, 0);
    else
        memcpy(xd, x, nx * sizeof(float));
    if (p->s2d)
        space_to_depth(plan_mem_ptr(p->m_x), xd, p->b, p->nhwc);
    dnnl_memory_t src[EDD_NLAYERS] = {p->m_x, p->m_a1c ? p->m_a1c : p->m_a1, p->m_a2, p->m_hd};
    dnnl_memory_t dst[EDD_NLAYERS] = {p->m_a1, p->m_a2, p->m_h, p->m_z};
    dnnl_memory_set_data_handle(p->m_z, z);
    for (int li = 0; li < EDD_NLAYERS; li++) {
        layer *L = &p->l[li];
        if (li == EDD_L_FC) {
            float *h = plan_mem_ptr(p->m_h), *hd = plan_mem_ptr(p->m_hd);
            if (on && m->p_hidden > 0)
                dropout_rows(ctx->simd, hd, p->mask_h, h, p->b, EDD_HIDDEN, m->p_hidden, dr, 1);
            else
                memcpy(hd, h, nh * sizeof(float));
        }
        dnnl_exec_arg_t a[5] = {{DNNL_ARG_SRC, src[li]}, {DNNL_ARG_WEIGHTS, w_for(L, 0)},
                                {DNNL_ARG_BIAS, L->b_user}, {DNNL_ARG_DST, dst[li]}};
        if ((st = plan_run(ctx, p, L->fwd, L->sp_fwd, 4, a)))
            return st;
        if (li == EDD_L_CONV1 && p->a1_fwd_reorder && (st = plan_run_reorder(ctx, p, p->a1_fwd_reorder, p->m_a1, p->m_a1c)))
            return st;
        if (li == EDD_L_CONV1 && p->a1b_reorder && (st = plan_run_reorder(ctx, p, p->a1b_reorder, p->m_a1, p->m_a1b)))
            return st;
    }
    return edd_dnnl_check(ctx, dnnl_stream_wait(p->stream), "stream wait");
}

/* Floats per image of an activation whose batch is its outermost
 * dimension (every layout the plans use), or 0 when it is not. */
static size_t per_image(dnnl_memory_t mem, int b)
{
    const dnnl_memory_desc_t *md;
    dnnl_memory_get_memory_desc(mem, &md);
    size_t n = plan_mem_floats(mem) / (size_t)b;
    return md->format_kind == dnnl_blocked && md->format_desc.blocking.strides[0] == (dnnl_dim_t)n ? n : 0;
}

/* The layout of `to`, a batch-outermost activation, at batch b: 0 when
 * its batch is blocked (no plan's activation is). */
static int layout_at_batch(dnnl_memory_t to, int b, dnnl_memory_desc_t *out)
{
    const dnnl_memory_desc_t *md;
    dnnl_memory_get_memory_desc(to, &md);
    *out = *md;
    for (int i = 0; i < md->format_desc.blocking.inner_nblks; i++)
        if (md->format_desc.blocking.inner_idxs[i] == 0)
            return 0;
    out->dims[0] = out->padded_dims[0] = b;
    return 1;
}

edd_status edd_plan_forward_replicated(edd_ctx *ctx, edd_plan *p, edd_plan *src, const edd_cnn *m, const float *x,
                                       int rep, float *z)
{
    if (p->kind != EDD_PLAN_INPUT_GRAD || src->kind != EDD_PLAN_INPUT_GRAD || rep < 1 || p->b != src->b * rep)
        return edd_fail(ctx, EDD_ERR_ARG, "plan: replicated forward of batch %d x %d into batch %d: expected two "
                        "INPUT_GRAD plans and a batch of exactly %d", src->b, rep, p->b, src->b * rep);
    edd_status st = edd_plan_forward(ctx, src, m, x, NULL, z);
    if (st)
        return st;
    /* What backward-data reads: the post-ReLU activations a1 (in conv2's
     * layout), a2 and h (their ReLU masks); no dropout. Plans whose layouts
     * differ (their forms are chosen per batch size: plan_choice.c) go
     * through a reorder into p's layout first. */
    dnnl_memory_t from[3] = {plan_a1(src), src->m_a2, src->m_h}, to[3] = {plan_a1(p), p->m_a2, p->m_h};
    for (int t = 0; t < 3 && !st; t++) {
        size_t n = per_image(to[t], p->b);
        const dnnl_memory_desc_t *have;
        dnnl_memory_desc_t want;
        dnnl_memory_get_memory_desc(from[t], &have);
        if (!n || !per_image(from[t], src->b) || !layout_at_batch(to[t], src->b, &want))
            return edd_fail(ctx, EDD_ERR_ARG, "plan: activation %d of the batch-%d and batch-%d plans: expected "
                            "layouts with the batch outermost", t, src->b, p->b);
        float *tmp = NULL;
        if (!dnnl_memory_desc_equal(have, &want)) {
            if (!(tmp = malloc((size_t)src->b * n * sizeof(float))))
                return edd_nomem(ctx, (size_t)src->b * n * sizeof(float), "a replicated forward's activation");
            st = plan_reorder_once(ctx, p, from[t], &want, tmp);
        }
        const float *a = tmp ? tmp : plan_mem_ptr(from[t]);
        float *d = plan_mem_ptr(to[t]);
        for (int r = 0; r < p->b && !st; r++)
            memcpy(d + (size_t)r * n, a + (size_t)(r / rep) * n, n * sizeof(float));
        free(tmp);
    }
    p->dropout_was_on = 0;
    return st ? st : weights_refresh(ctx, p, m);
}

/* dy *= (y > 0) [* mask]: the backward of ReLU (and of dropout) in place. */
static void relu_back(float *dy, const float *y, const float *mask, size_t n)
{
    if (mask) {
        #pragma omp parallel for simd schedule(static) if (n >= 65536 && !omp_in_parallel())
        for (size_t i = 0; i < n; i++)
            dy[i] = y[i] > 0.0f ? dy[i] * mask[i] : 0.0f;
    } else {
        #pragma omp parallel for simd schedule(static) if (n >= 65536 && !omp_in_parallel())
        for (size_t i = 0; i < n; i++)
            dy[i] = y[i] > 0.0f ? dy[i] : 0.0f;
    }
}

static edd_status layer_bwd_w(edd_ctx *ctx, edd_plan *p, const edd_cnn *m, int li, dnnl_memory_t src,
                              dnnl_memory_t ddst, float *grad)
{
    layer *L = &p->l[li];
    const edd_trainer *tr = p->tr; /* bound: grad is its store's, laid out as its params */
    dnnl_memory_set_data_handle(L->dw_user, grad + (tr ? tr->woff[li] : (size_t)(m->t[2 * li].data - m->params)));
    dnnl_memory_set_data_handle(L->db_user, grad + (tr ? tr->boff[li] : (size_t)(m->t[2 * li + 1].data - m->params)));
    dnnl_exec_arg_t a[5] = {{DNNL_ARG_SRC, src}, {DNNL_ARG_DIFF_DST, ddst},
                            {DNNL_ARG_DIFF_WEIGHTS, L->dw_reorder ? L->dw_prim : L->dw_user},
                            {DNNL_ARG_DIFF_BIAS, L->db_user}};
    edd_status st = plan_run(ctx, p, L->bwd_w, L->sp_bwd_w, 4, a);
    if (st || !L->dw_reorder)
        return st;
    return plan_run_reorder(ctx, p, L->dw_reorder, L->dw_prim, L->dw_user);
}

static edd_status layer_bwd_data(edd_ctx *ctx, edd_plan *p, int li, dnnl_memory_t ddst, dnnl_memory_t dsrc)
{
    layer *L = &p->l[li];
    dnnl_exec_arg_t a[4] = {{DNNL_ARG_DIFF_DST, ddst}, {DNNL_ARG_WEIGHTS, w_for(L, 1)}, {DNNL_ARG_DIFF_SRC, dsrc}};
    return plan_run(ctx, p, L->bwd_data, L->sp_bwd_data, 3, a);
}

edd_status edd_plan_backward(edd_ctx *ctx, edd_plan *p, const edd_cnn *m, const float *dz, float *grad, float *dx)
{
    if (p->kind == EDD_PLAN_INFER)
        return edd_fail(ctx, EDD_ERR_ARG, "plan: backward asked of an inference plan (batch %d)", p->b);
    if (p->tr && grad && grad != p->tr->grad)
        return edd_fail(ctx, EDD_ERR_ARG, "plan: backward of a plan bound to a trainer (batch %d) into a gradient "
                        "buffer of m's layout: expected edd_trainer_step", p->b);
    int wgrad = p->kind == EDD_PLAN_TRAIN && grad;
    edd_status st;
    dnnl_memory_set_data_handle(p->m_dz, (void *)dz);
    if (wgrad && (st = layer_bwd_w(ctx, p, m, EDD_L_FC, p->m_hd, p->m_dz, grad)))
        return st;
    if ((st = layer_bwd_data(ctx, p, EDD_L_FC, p->m_dz, p->m_dh)))
        return st;
    int on = p->dropout_was_on;
    relu_back(plan_mem_ptr(p->m_dh), plan_mem_ptr(p->m_h), on && m->p_hidden > 0 ? p->mask_h : NULL, plan_mem_floats(p->m_dh));
    if (wgrad && (st = layer_bwd_w(ctx, p, m, EDD_L_CONV3, p->m_a2, p->m_dh, grad)))
        return st;
    if ((st = layer_bwd_data(ctx, p, EDD_L_CONV3, p->m_dh, p->m_da2)))
        return st;
    relu_back(plan_mem_ptr(p->m_da2), plan_mem_ptr(p->m_a2), NULL, plan_mem_floats(p->m_da2));
    if (p->kind == EDD_PLAN_INPUT_GRAD) {
        if (dx && (st = plan_input_grad(ctx, p, m, dx)))
            return st;
        size_t n = (size_t)p->b * EDD_IMG_SIZE;
        if (dx && on && m->p_input > 0)
            for (size_t i = 0; i < n; i++)
                dx[i] *= p->mask_in[i];
        return edd_dnnl_check(ctx, dnnl_stream_wait(p->stream), "stream wait");
    }
    dnnl_memory_t da2 = p->m_da2b ? p->m_da2b : p->m_da2;
    if (p->da2b_reorder && (st = plan_run_reorder(ctx, p, p->da2b_reorder, p->m_da2, p->m_da2b)))
        return st;
    if (wgrad && (st = layer_bwd_w(ctx, p, m, EDD_L_CONV2, p->a1_bwd, da2, grad)))
        return st;
    if ((st = layer_bwd_data(ctx, p, EDD_L_CONV2, da2, plan_da1(p))))
        return st;
    relu_back(plan_mem_ptr(plan_da1(p)), plan_mem_ptr(p->a1_bwd), NULL, plan_mem_floats(plan_da1(p)));
    if (wgrad && p->a1_bwd_reorder && (st = plan_run_reorder(ctx, p, p->a1_bwd_reorder, p->m_da1c, p->m_da1)))
        return st;
    if (wgrad && (st = layer_bwd_w(ctx, p, m, EDD_L_CONV1, p->m_x, p->m_da1, grad)))
        return st;
    return edd_dnnl_check(ctx, dnnl_stream_wait(p->stream), "stream wait");
}
