/* plan.c - the CNN's forward and backward passes on oneDNN primitives.
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
 * weights rearranged the same way. oneDNN runs that on its jit kernel (158
 * against 96 GFLOP/s for the gemm form, measured) and writes conv2's layout
 * directly; its backward primitives would land on ref:any, so training
 * plans, which need conv1's weight gradient, keep the plain form.
 *
 * Input-gradient (INPUT_GRAD) plans take the gradient below conv3 as
 * matmuls and gathers, not as oneDNN backward-data convolutions: conv1's
 * (one input channel, 8x8) fell to ref:any on AVX-512, 40x slower
 * (docs/ARCHITECTURE.md), and conv2's runs slower than a GEMM of the same
 * FLOPs. In NHWC, per chunk of IG_CHUNK images:
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
#include "edd/nn.h"
#include "edd/simd.h"

#include <oneapi/dnnl/dnnl_debug.h>

#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { L_CONV1, L_CONV2, L_CONV3, L_FC, NLAYERS };

typedef struct {
    dnnl_primitive_desc_t fwd_pd, bwd_data_pd, bwd_w_pd;
    dnnl_primitive_t fwd, bwd_data, bwd_w;
    dnnl_memory_t sp_fwd, sp_bwd_data, sp_bwd_w;  /* scratchpads (one shared buffer) */
    dnnl_memory_t w_user, b_user;                 /* plain PyTorch layout, handles set per call */
    dnnl_memory_t w_fwd, w_bwd;                   /* weights in the layout each primitive wants */
    dnnl_primitive_t w_fwd_reorder, w_bwd_reorder; /* NULL when the layout is already plain */
    dnnl_memory_t dw_prim, dw_user, db_user;      /* diff weights as produced, and plain */
    dnnl_primitive_t dw_reorder;
} layer;

/* The matmul [images * rows_per_image x k] x [k x n] over one chunk of
 * IG_CHUNK images (0) and over the last, shorter chunk (1); handles are
 * set per call. */
typedef struct {
    int rows_per_image;
    dnnl_primitive_desc_t pd[2];
    dnnl_primitive_t mm[2];
    dnnl_memory_t a[2], w[2], d[2], sp[2];
} chunk_mm;

struct edd_plan {
    int b, k, kind;
    dnnl_stream_t stream;
    int own_stream;
    layer l[NLAYERS];
    /* activations: x after dropout, a1, a2 (blocked), h (after ReLU), hd (after dropout), z */
    dnnl_memory_t m_x, m_a1, m_a2, m_h, m_hd, m_z;
    dnnl_memory_t m_da1, m_da2, m_dh, m_dz;
    /* conv1 runs on oneDNN's gemm kernel in plain NCHW (no jit kernel takes
     * its one input channel with an 8x8 kernel), conv2 on the jit kernel in
     * a blocked layout: a1 is reordered between them, both ways. */
    dnnl_memory_t m_a1c, m_da1c;          /* a1 and its gradient in conv2's layout */
    dnnl_primitive_t a1_fwd_reorder, a1_bwd_reorder;
    float *mask_in, *mask_h; /* dropout scales, or NULL when the pass had no dropout */
    int dropout_was_on;
    void *scratch;
    size_t scratch_size;
    uint64_t w_version;
    int w_valid;
    int s2d;      /* conv1 in space-to-depth form (INFER and INPUT_GRAD plans) */
    float *xflat; /* s2d: the b x 784 images after dropout, before the rearrangement */
    float *w1s2d; /* s2d: conv1's weights rearranged, [64][4][4][4] */
    /* INPUT_GRAD: below conv3, matmuls and col2im gathers (the header) */
    dnnl_memory_t m_a1n, m_da2n;        /* a1 and da2 in NHWC, or NULL when they already are */
    dnnl_primitive_t a1n_reorder, da2n_reorder;
    chunk_mm mm2, mm1;                  /* conv2's and conv1's input-gradient matmuls */
    float *w2p;                         /* conv2's weights as [128][ky][kx][64] */
    float *col2, *da1n, *col1;          /* one chunk's columns and its da1 (NHWC) */
};

#define S2D_C 4  /* channels of the space-to-depth input */
#define S2D_HW 17 /* (28 + 2*3) / 2 */
#define S2D_K 4  /* kernel 8 / 2 */

/* conv1's geometry, for the col2im of its input gradient. */
#define C1_OC 64
#define C1_K 8
#define C1_S 2
#define C1_P 3
#define C1_OHW 14
#define C1_TAPS (C1_K * C1_K)

/* conv2's geometry: 6x6, stride 2, no padding, 64 -> 128 channels. */
#define C2_IC 64
#define C2_OC 128
#define C2_K 6
#define C2_S 2
#define C2_OHW 5
#define C2_TAPS (C2_K * C2_K * C2_IC)

/* Images per chunk of the input-gradient matmuls: conv2's columns for 16
 * images are 3.7 MB, and stay in cache until the gather reads them
 * (measured on AVX2: 8, 12, 16 and 32 images gave 128, 94-113, 113-123 and
 * 183 us per image; the whole batch of 100 at once 146). */
#define IG_CHUNK 16

#define CK(expr, what)                                                      \
    do {                                                                    \
        edd_status st_ = edd_dnnl_check(ctx, (expr), (what));               \
        if (st_)                                                            \
            return st_;                                                     \
    } while (0)

static edd_status md_tag(edd_ctx *ctx, dnnl_memory_desc_t *md, int nd, const int64_t *ne, dnnl_format_tag_t tag)
{
    dnnl_dims_t dims = {0};
    for (int i = 0; i < nd; i++)
        dims[i] = ne[i];
    CK(dnnl_memory_desc_init_by_tag(md, nd, dims, dnnl_f32, tag), "memory_desc_init_by_tag");
    return EDD_OK;
}

static edd_status mem_new(edd_ctx *ctx, dnnl_memory_t *mem, const dnnl_memory_desc_t *md, void *handle)
{
    CK(dnnl_memory_create(mem, md, ctx->engine, handle), "memory_create");
    return EDD_OK;
}

static float *mem_ptr(dnnl_memory_t m)
{
    void *p = NULL;
    dnnl_memory_get_data_handle(m, &p);
    return p;
}

static size_t mem_floats(dnnl_memory_t m)
{
    const dnnl_memory_desc_t *md;
    dnnl_memory_get_memory_desc(m, &md);
    return dnnl_memory_desc_get_size(md) / sizeof(float);
}

/* Create a primitive from pd with a user-managed scratchpad (so plans can
 * run concurrently on different threads), and grow the plan's scratch need. */
static edd_status prim_make(edd_ctx *ctx, edd_plan *p, dnnl_primitive_desc_t pd, dnnl_primitive_t *prim,
                            dnnl_memory_t *sp)
{
    CK(dnnl_primitive_create(prim, pd), "primitive_create");
    const dnnl_memory_desc_t *smd = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
    size_t sz = smd ? dnnl_memory_desc_get_size(smd) : 0;
    if (sz > p->scratch_size)
        p->scratch_size = sz;
    if (smd)
        return mem_new(ctx, sp, smd, DNNL_MEMORY_NONE);
    *sp = NULL;
    return EDD_OK;
}

static edd_status pd_make(edd_ctx *ctx, dnnl_primitive_desc_t *pd, const void *desc, int relu,
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
static edd_status reorder_make(edd_ctx *ctx, dnnl_memory_t src, const dnnl_memory_desc_t *want,
                               dnnl_memory_t *dst_out, dnnl_primitive_t *reorder, int alloc)
{
    const dnnl_memory_desc_t *have;
    dnnl_memory_get_memory_desc(src, &have);
    *reorder = NULL;
    if (dnnl_memory_desc_equal(have, want)) {
        *dst_out = NULL;
        return EDD_OK;
    }
    edd_status st = mem_new(ctx, dst_out, want, alloc ? DNNL_MEMORY_ALLOCATE : DNNL_MEMORY_NONE);
    return st ? st : reorder_prim(ctx, have, want, reorder);
}

/* A reorder from layout `from` into dst's layout, or NULL when they match. */
static edd_status reorder_make_to(edd_ctx *ctx, const dnnl_memory_desc_t *from, dnnl_memory_t dst,
                                  dnnl_primitive_t *reorder)
{
    const dnnl_memory_desc_t *want;
    dnnl_memory_get_memory_desc(dst, &want);
    *reorder = NULL;
    return dnnl_memory_desc_equal(from, want) ? EDD_OK : reorder_prim(ctx, from, want, reorder);
}

static edd_status run(edd_ctx *ctx, edd_plan *p, dnnl_primitive_t prim, dnnl_memory_t sp, int n, dnnl_exec_arg_t *args)
{
    if (sp) {
        dnnl_memory_set_data_handle(sp, p->scratch);
        args[n].arg = DNNL_ARG_SCRATCHPAD;
        args[n].memory = sp;
        n++;
    }
    CK(dnnl_primitive_execute(prim, p->stream, n, args), "primitive_execute");
    return EDD_OK;
}

static edd_status run_reorder(edd_ctx *ctx, edd_plan *p, dnnl_primitive_t r, dnnl_memory_t from, dnnl_memory_t to)
{
    dnnl_exec_arg_t a[2] = {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}};
    CK(dnnl_primitive_execute(r, p->stream, 2, a), "reorder execute");
    return EDD_OK;
}

/* Layer geometry: conv1 and conv2 are convolutions; conv3 (5x5 kernel over
 * a 5x5 input) and fc are inner products. */
static const dnnl_dims_t conv_stride[2] = {{2, 2}, {2, 2}};
static const dnnl_dims_t conv_pad[2] = {{3, 3}, {0, 0}};

static const dnnl_dims_t s2d_stride = {1, 1}, s2d_pad = {0, 0};

static edd_status layer_fwd_desc(edd_ctx *ctx, int li, int kind, int s2d, const dnnl_memory_desc_t *src,
                                 const dnnl_memory_desc_t *w, const dnnl_memory_desc_t *bias,
                                 const dnnl_memory_desc_t *dst, dnnl_primitive_desc_t *pd)
{
    const int64_t *stride = s2d && li == L_CONV1 ? s2d_stride : conv_stride[li];
    const int64_t *pad = s2d && li == L_CONV1 ? s2d_pad : conv_pad[li];
    dnnl_prop_kind_t prop = kind == EDD_PLAN_INFER ? dnnl_forward_inference : dnnl_forward_training;
    int relu = li != L_FC;
    if (li <= L_CONV2) {
        dnnl_convolution_desc_t d;
        CK(dnnl_convolution_forward_desc_init(&d, prop, dnnl_convolution_direct, src, w, bias, dst, stride, pad, pad),
           "conv fwd desc");
        return pd_make(ctx, pd, &d, relu, NULL);
    }
    dnnl_inner_product_desc_t d;
    CK(dnnl_inner_product_forward_desc_init(&d, prop, src, w, bias, dst), "ip fwd desc");
    return pd_make(ctx, pd, &d, relu, NULL);
}

static edd_status layer_bwd_data_desc(edd_ctx *ctx, int li, const dnnl_memory_desc_t *dsrc,
                                      const dnnl_memory_desc_t *w, const dnnl_memory_desc_t *ddst,
                                      const_dnnl_primitive_desc_t hint, dnnl_primitive_desc_t *pd)
{
    if (li <= L_CONV2) {
        dnnl_convolution_desc_t d;
        CK(dnnl_convolution_backward_data_desc_init(&d, dnnl_convolution_direct, dsrc, w, ddst,
                                                    conv_stride[li], conv_pad[li], conv_pad[li]), "conv bwd data desc");
        return pd_make(ctx, pd, &d, 0, hint);
    }
    dnnl_inner_product_desc_t d;
    CK(dnnl_inner_product_backward_data_desc_init(&d, dsrc, w, ddst), "ip bwd data desc");
    return pd_make(ctx, pd, &d, 0, hint);
}

static edd_status layer_bwd_w_desc(edd_ctx *ctx, int li, const dnnl_memory_desc_t *src,
                                   const dnnl_memory_desc_t *dw, const dnnl_memory_desc_t *db,
                                   const dnnl_memory_desc_t *ddst, const_dnnl_primitive_desc_t hint,
                                   dnnl_primitive_desc_t *pd)
{
    if (li <= L_CONV2) {
        dnnl_convolution_desc_t d;
        CK(dnnl_convolution_backward_weights_desc_init(&d, dnnl_convolution_direct, src, dw, db, ddst,
                                                       conv_stride[li], conv_pad[li], conv_pad[li]), "conv bwd weights desc");
        return pd_make(ctx, pd, &d, 0, hint);
    }
    dnnl_inner_product_desc_t d;
    CK(dnnl_inner_product_backward_weights_desc_init(&d, src, dw, db, ddst), "ip bwd weights desc");
    return pd_make(ctx, pd, &d, 0, hint);
}

/* Build layer li: forward from src_md to a dst md (any unless dst_fixed),
 * and the backward primitives the plan kind needs. */
static edd_status layer_build(edd_ctx *ctx, edd_plan *p, const edd_cnn *m, int li, const dnnl_memory_desc_t *src_md,
                              const dnnl_memory_desc_t *dst_req, int need_bwd_data, int need_bwd_w,
                              const dnnl_memory_desc_t **dst_md)
{
    layer *L = &p->l[li];
    const edd_tensor *W = &m->t[2 * li], *B = &m->t[2 * li + 1];
    dnnl_memory_desc_t w_plain, w_any, b_md;
    edd_status st;
    static const int64_t w1s2d_ne[4] = {64, S2D_C, S2D_K, S2D_K};
    const int64_t *wne = p->s2d && li == L_CONV1 ? w1s2d_ne : W->ne;
    if ((st = md_tag(ctx, &w_plain, W->rank, wne, W->rank == 4 ? dnnl_oihw : dnnl_oi)))
        return st;
    if ((st = md_tag(ctx, &w_any, W->rank, wne, dnnl_format_tag_any)))
        return st;
    if ((st = md_tag(ctx, &b_md, 1, B->ne, dnnl_x)))
        return st;
    if ((st = layer_fwd_desc(ctx, li, p->kind, p->s2d, src_md, &w_any, &b_md, dst_req, &L->fwd_pd)))
        return st;
    if ((st = prim_make(ctx, p, L->fwd_pd, &L->fwd, &L->sp_fwd)))
        return st;
    *dst_md = dnnl_primitive_desc_query_md(L->fwd_pd, dnnl_query_dst_md, 0);
    src_md = dnnl_primitive_desc_query_md(L->fwd_pd, dnnl_query_src_md, 0);
    if ((st = mem_new(ctx, &L->w_user, &w_plain, DNNL_MEMORY_NONE)) || (st = mem_new(ctx, &L->b_user, &b_md, DNNL_MEMORY_NONE)))
        return st;
    const dnnl_memory_desc_t *wf = dnnl_primitive_desc_query_md(L->fwd_pd, dnnl_query_weights_md, 0);
    if ((st = reorder_make(ctx, L->w_user, wf, &L->w_fwd, &L->w_fwd_reorder, 1)))
        return st;
    if (need_bwd_data) {
        if ((st = layer_bwd_data_desc(ctx, li, src_md, &w_any, *dst_md, L->fwd_pd, &L->bwd_data_pd)))
            return st;
        if ((st = prim_make(ctx, p, L->bwd_data_pd, &L->bwd_data, &L->sp_bwd_data)))
            return st;
        const dnnl_memory_desc_t *wb = dnnl_primitive_desc_query_md(L->bwd_data_pd, dnnl_query_weights_md, 0);
        if ((st = reorder_make(ctx, L->w_user, wb, &L->w_bwd, &L->w_bwd_reorder, 1)))
            return st;
    }
    if (need_bwd_w) {
        if ((st = layer_bwd_w_desc(ctx, li, src_md, &w_any, &b_md, *dst_md, L->fwd_pd, &L->bwd_w_pd)))
            return st;
        if ((st = prim_make(ctx, p, L->bwd_w_pd, &L->bwd_w, &L->sp_bwd_w)))
            return st;
        const dnnl_memory_desc_t *dw = dnnl_primitive_desc_query_md(L->bwd_w_pd, dnnl_query_diff_weights_md, 0);
        if ((st = mem_new(ctx, &L->dw_user, &w_plain, DNNL_MEMORY_NONE)) || (st = mem_new(ctx, &L->db_user, &b_md, DNNL_MEMORY_NONE)))
            return st;
        if ((st = reorder_make_to(ctx, dw, L->dw_user, &L->dw_reorder)))
            return st;
        if (L->dw_reorder && (st = mem_new(ctx, &L->dw_prim, dw, DNNL_MEMORY_ALLOCATE)))
            return st;
    }
    return EDD_OK;
}

/* a1 and its gradient as conv2 reads and writes them (training plans). */
static dnnl_memory_t a1_of(const edd_plan *p) { return p->m_a1c ? p->m_a1c : p->m_a1; }
static dnnl_memory_t da1_of(const edd_plan *p) { return p->m_da1c ? p->m_da1c : p->m_da1; }

/* One chunk_mm: the matmul [images * rows_per_image x k] x [k x n] for a
 * full chunk of images (0) and for the last, shorter chunk (1). */
static edd_status chunk_mm_build(edd_ctx *ctx, edd_plan *p, chunk_mm *c, int rows_per_image, int k, int n)
{
    int images[2] = {p->b < IG_CHUNK ? p->b : IG_CHUNK, p->b > IG_CHUNK ? p->b % IG_CHUNK : 0};
    c->rows_per_image = rows_per_image;
    for (int i = 0; i < 2 && images[i]; i++) {
        int64_t a[2] = {(int64_t)images[i] * rows_per_image, k}, w[2] = {k, n}, d[2] = {a[0], n};
        dnnl_memory_desc_t a_md, w_md, d_md;
        edd_status st;
        if ((st = md_tag(ctx, &a_md, 2, a, dnnl_ab)) || (st = md_tag(ctx, &w_md, 2, w, dnnl_ab)) ||
            (st = md_tag(ctx, &d_md, 2, d, dnnl_ab)))
            return st;
        dnnl_matmul_desc_t desc;
        CK(dnnl_matmul_desc_init(&desc, &a_md, &w_md, NULL, &d_md), "input-gradient matmul desc");
        if ((st = pd_make(ctx, &c->pd[i], &desc, 0, NULL)) || (st = prim_make(ctx, p, c->pd[i], &c->mm[i], &c->sp[i])) ||
            (st = mem_new(ctx, &c->a[i], &a_md, DNNL_MEMORY_NONE)) || (st = mem_new(ctx, &c->w[i], &w_md, DNNL_MEMORY_NONE)) ||
            (st = mem_new(ctx, &c->d[i], &d_md, DNNL_MEMORY_NONE)))
            return st;
    }
    return EDD_OK;
}

/* d = a w for the chunk of `images` images (IG_CHUNK, or the last chunk's). */
static edd_status chunk_mm_run(edd_ctx *ctx, edd_plan *p, chunk_mm *c, int images, const float *a, const float *w,
                               float *d)
{
    int i = images == IG_CHUNK || p->b < IG_CHUNK ? 0 : 1;
    dnnl_memory_set_data_handle(c->a[i], (void *)a);
    dnnl_memory_set_data_handle(c->w[i], (void *)w);
    dnnl_memory_set_data_handle(c->d[i], d);
    dnnl_exec_arg_t args[4] = {{DNNL_ARG_SRC, c->a[i]}, {DNNL_ARG_WEIGHTS, c->w[i]}, {DNNL_ARG_DST, c->d[i]}};
    return run(ctx, p, c->mm[i], c->sp[i], 3, args);
}

static void chunk_mm_free(chunk_mm *c)
{
    for (int i = 0; i < 2; i++) {
        if (c->mm[i])
            dnnl_primitive_destroy(c->mm[i]);
        if (c->pd[i])
            dnnl_primitive_desc_destroy(c->pd[i]);
        dnnl_memory_t mems[4] = {c->a[i], c->w[i], c->d[i], c->sp[i]};
        for (int j = 0; j < 4; j++)
            if (mems[j])
                dnnl_memory_destroy(mems[j]);
    }
}

/* The input-gradient path below conv3 (the header of this file): da2 and
 * a1 in NHWC, conv2's weights as [128][ky][kx][64], the two chunked
 * matmuls and their column buffers. */
static edd_status input_grad_build(edd_ctx *ctx, edd_plan *p)
{
    int64_t a1d[4] = {p->b, C2_IC, C1_OHW, C1_OHW}, a2d[4] = {p->b, C2_OC, C2_OHW, C2_OHW};
    dnnl_memory_desc_t a1n_md, da2n_md;
    edd_status st;
    if ((st = md_tag(ctx, &a1n_md, 4, a1d, dnnl_acdb)) || (st = md_tag(ctx, &da2n_md, 4, a2d, dnnl_acdb)) ||
        (st = reorder_make(ctx, a1_of(p), &a1n_md, &p->m_a1n, &p->a1n_reorder, 1)) ||
        (st = reorder_make(ctx, p->m_da2, &da2n_md, &p->m_da2n, &p->da2n_reorder, 1)) ||
        (st = chunk_mm_build(ctx, p, &p->mm2, C2_OHW * C2_OHW, C2_OC, C2_TAPS)) ||
        (st = chunk_mm_build(ctx, p, &p->mm1, C1_OHW * C1_OHW, C1_OC, C1_TAPS)))
        return st;
    size_t chunk = (size_t)(p->b < IG_CHUNK ? p->b : IG_CHUNK);
    if (!(p->w2p = malloc((size_t)C2_OC * C2_TAPS * sizeof(float))) ||
        !(p->col2 = malloc(chunk * C2_OHW * C2_OHW * C2_TAPS * sizeof(float))) ||
        !(p->da1n = malloc(chunk * C1_OHW * C1_OHW * C1_OC * sizeof(float))) ||
        !(p->col1 = malloc(chunk * C1_OHW * C1_OHW * C1_TAPS * sizeof(float))))
        return edd_fail(ctx, EDD_ERR_NOMEM, "plan: out of memory for the input-gradient columns (batch %d)", p->b);
    return EDD_OK;
}

/* oneDNN's notation for a layout: the dimensions from outermost to
 * innermost stride (upper case when blocked), then the inner blocks, as in
 * "aBcd16b"; "any" or "undef" for a memory without a fixed layout. */
static void md_layout(const dnnl_memory_desc_t *md, char *out, size_t n)
{
    if (md->format_kind != dnnl_blocked) {
        snprintf(out, n, "%s", md->format_kind == dnnl_format_kind_any ? "any" : "undef");
        return;
    }
    const dnnl_blocking_desc_t *bd = &md->format_desc.blocking;
    int order[DNNL_MAX_NDIMS], nd = md->ndims;
    for (int i = 0; i < nd; i++)
        order[i] = i;
    for (int i = 1; i < nd; i++) /* insertion sort by stride, outermost first, stable */
        for (int j = i; j > 0 && bd->strides[order[j]] > bd->strides[order[j - 1]]; j--) {
            int t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    size_t len = 0;
    for (int i = 0; i < nd && len + 1 < n; i++) {
        int blocked = 0;
        for (int k = 0; k < bd->inner_nblks; k++)
            blocked |= bd->inner_idxs[k] == order[i];
        out[len++] = (char)((blocked ? 'A' : 'a') + order[i]);
    }
    out[len] = 0;
    for (int k = 0; k < bd->inner_nblks && len < n; k++)
        len += (size_t)snprintf(out + len, n - len, "%lld%c", (long long)bd->inner_blks[k], 'a' + (int)bd->inner_idxs[k]);
}

/* Append " NAME d0xd1x...:layout" for md to out (nothing for an empty md). */
static void md_append(char *out, size_t n, const char *name, const dnnl_memory_desc_t *md)
{
    size_t len = strlen(out);
    if (!md || md->ndims == 0 || len + 1 >= n)
        return;
    len += (size_t)snprintf(out + len, n - len, "%s%s ", len ? " " : "", name);
    for (int i = 0; i < md->ndims && len < n; i++)
        len += (size_t)snprintf(out + len, n - len, "%s%lld", i ? "x" : "", (long long)md->dims[i]);
    if (len < n) {
        char lay[32];
        md_layout(md, lay, sizeof lay);
        snprintf(out + len, n - len, ":%s", lay);
    }
}

/* Fill r with the name, implementation and shape of primitive prim. */
static void prim_describe(dnnl_primitive_t prim, const char *name, edd_plan_prim *r)
{
    const_dnnl_primitive_desc_t pd = NULL;
    const char *impl = NULL;
    snprintf(r->name, sizeof r->name, "%s", name);
    r->shape[0] = 0;
    if (dnnl_primitive_get_primitive_desc(prim, &pd) != dnnl_success ||
        dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl) != dnnl_success || !impl)
        impl = "unknown";
    snprintf(r->impl, sizeof r->impl, "%s", impl);
    static const struct {
        const char *name;
        dnnl_query_t q;
    } mds[] = {{"src", dnnl_query_src_md}, {"diff_src", dnnl_query_diff_src_md}, {"wei", dnnl_query_weights_md},
               {"diff_wei", dnnl_query_diff_weights_md}, {"dst", dnnl_query_dst_md},
               {"diff_dst", dnnl_query_diff_dst_md}};
    for (size_t i = 0; i < sizeof mds / sizeof mds[0]; i++)
        md_append(r->shape, sizeof r->shape, mds[i].name, dnnl_primitive_desc_query_md(pd, mds[i].q, 0));
}

int edd_plan_prims(const edd_plan *p, edd_plan_prim *out, int max)
{
    static const char *lname[NLAYERS] = {"conv1", "conv2", "conv3", "fc"};
    struct {
        dnnl_primitive_t prim;
        const char *what;
        int layer;
    } all[NLAYERS * 6 + 8];
    int n = 0;
    for (int li = 0; li < NLAYERS; li++) {
        const layer *L = &p->l[li];
        dnnl_primitive_t prims[6] = {L->fwd, L->bwd_data, L->bwd_w, L->w_fwd_reorder, L->w_bwd_reorder, L->dw_reorder};
        const char *what[6] = {p->kind == EDD_PLAN_INFER ? "forward_inference" : "forward_training",
                               "backward_data", "backward_weights", "weights reorder (forward)",
                               "weights reorder (backward)", "weight-gradient reorder"};
        for (int j = 0; j < 6; j++)
            if (prims[j])
                all[n].prim = prims[j], all[n].what = what[j], all[n++].layer = li;
    }
    dnnl_primitive_t extra[8] = {p->a1_fwd_reorder, p->a1_bwd_reorder, p->a1n_reorder, p->da2n_reorder,
                                 p->mm2.mm[0], p->mm2.mm[1], p->mm1.mm[0], p->mm1.mm[1]};
    static const char *ename[8] = {"a1 reorder to conv2's layout", "a1 gradient reorder from conv2's layout",
                                   "input gradient: a1 reorder to NHWC", "input gradient: da2 reorder to NHWC",
                                   "conv2 input gradient: matmul", "conv2 input gradient: matmul (last chunk)",
                                   "conv1 input gradient: matmul", "conv1 input gradient: matmul (last chunk)"};
    for (int j = 0; j < 8; j++)
        if (extra[j])
            all[n].prim = extra[j], all[n].what = ename[j], all[n++].layer = -1;
    for (int i = 0; i < n && i < max; i++) {
        char name[64];
        if (all[i].layer >= 0)
            snprintf(name, sizeof name, "%s %s", lname[all[i].layer], all[i].what);
        else
            snprintf(name, sizeof name, "%s", all[i].what);
        prim_describe(all[i].prim, name, &out[i]);
    }
    return n;
}

/* Say once per context, on stderr, that a primitive of plan p runs on
 * oneDNN's reference kernel: edd still runs, slowly. */
static void warn_ref(edd_ctx *ctx, const edd_plan *p)
{
    edd_plan_prim pr[EDD_PLAN_MAX_PRIMS];
    int n = edd_plan_prims(p, pr, EDD_PLAN_MAX_PRIMS);
    for (int i = 0; i < n && i < EDD_PLAN_MAX_PRIMS; i++) {
        if (strncmp(pr[i].impl, "ref", 3))
            continue;
        int warned;
        #pragma omp atomic capture
        { warned = ctx->ref_warned; ctx->ref_warned = 1; }
        if (!warned)
            fprintf(stderr, "edd: warning: oneDNN runs %s (batch %d: %s) on its reference kernel %s at ISA %s; "
                    "it will be slow (`edd info` lists every primitive)\n", pr[i].name, p->b, pr[i].shape,
                    pr[i].impl, dnnl_cpu_isa2str(dnnl_get_effective_cpu_isa()));
        return;
    }
}

edd_status edd_plan_create(edd_ctx *ctx, const edd_cnn *m, int b, int kind, int own_stream, edd_plan **out)
{
    *out = NULL;
    if (b <= 0 || b > (1 << 20))
        return edd_fail(ctx, EDD_ERR_ARG, "plan: batch size %d, expected 1..%d", b, 1 << 20);
    if (kind != EDD_PLAN_INFER && kind != EDD_PLAN_TRAIN && kind != EDD_PLAN_INPUT_GRAD)
        return edd_fail(ctx, EDD_ERR_ARG, "plan: kind %d, expected INFER, TRAIN or INPUT_GRAD", kind);
    edd_plan *p = calloc(1, sizeof *p);
    if (!p)
        return edd_fail(ctx, EDD_ERR_NOMEM, "plan: out of memory");
    p->b = b;
    p->k = m->k;
    p->kind = kind;
    p->s2d = kind != EDD_PLAN_TRAIN;
    p->stream = ctx->stream;
    edd_status st = EDD_OK;
    if (own_stream) {
        p->own_stream = 1;
        if ((st = edd_dnnl_check(ctx, dnnl_stream_create(&p->stream, ctx->engine, dnnl_stream_default_flags), "stream create")))
            goto fail;
    }
    int bwd = kind != EDD_PLAN_INFER, bw = kind == EDD_PLAN_TRAIN;
    int64_t dx[4] = {b, EDD_IMG_C, EDD_IMG_H, EDD_IMG_W}, dh[2] = {b, EDD_HIDDEN}, dz[2] = {b, m->k};
    int64_t da1[4] = {b, 64, 14, 14}, da2[4] = {b, 128, 5, 5};
    dnnl_memory_desc_t x_md, a1_any, a2_any, h_md, z_md;
    int64_t dxs[4] = {b, S2D_C, S2D_HW, S2D_HW};
    if ((st = md_tag(ctx, &x_md, 4, p->s2d ? dxs : dx, dnnl_nchw)) || (st = md_tag(ctx, &a1_any, 4, da1, dnnl_format_tag_any)) ||
        (st = md_tag(ctx, &a2_any, 4, da2, dnnl_format_tag_any)) || (st = md_tag(ctx, &h_md, 2, dh, dnnl_nc)) ||
        (st = md_tag(ctx, &z_md, 2, dz, dnnl_nc)))
        goto fail;
    const dnnl_memory_desc_t *a1_md, *a2_md, *h_out, *z_out;
    if ((st = layer_build(ctx, p, m, L_CONV1, &x_md, &a1_any, 0, bw, &a1_md)) ||
        (st = layer_build(ctx, p, m, L_CONV2, &a1_any, &a2_any, bw, bw, &a2_md)))
        goto fail;
    const dnnl_memory_desc_t *a1c_md = dnnl_primitive_desc_query_md(p->l[L_CONV2].fwd_pd, dnnl_query_src_md, 0);
    if ((st = layer_build(ctx, p, m, L_CONV3, a2_md, &h_md, bwd, bw, &h_out)) ||
        (st = layer_build(ctx, p, m, L_FC, &h_md, &z_md, bwd, bw, &z_out)))
        goto fail;
    if ((st = mem_new(ctx, &p->m_x, &x_md, DNNL_MEMORY_ALLOCATE)) || (st = mem_new(ctx, &p->m_a1, a1_md, DNNL_MEMORY_ALLOCATE)) ||
        (st = mem_new(ctx, &p->m_a2, a2_md, DNNL_MEMORY_ALLOCATE)) || (st = mem_new(ctx, &p->m_h, &h_md, DNNL_MEMORY_ALLOCATE)) ||
        (st = mem_new(ctx, &p->m_hd, &h_md, DNNL_MEMORY_ALLOCATE)) || (st = mem_new(ctx, &p->m_z, &z_md, DNNL_MEMORY_NONE)))
        goto fail;
    if ((st = reorder_make(ctx, p->m_a1, a1c_md, &p->m_a1c, &p->a1_fwd_reorder, 1)))
        goto fail;
    if (bwd) {
        if ((st = mem_new(ctx, &p->m_da2, a2_md, DNNL_MEMORY_ALLOCATE)) || (st = mem_new(ctx, &p->m_dh, &h_md, DNNL_MEMORY_ALLOCATE)) ||
            (st = mem_new(ctx, &p->m_dz, &z_md, DNNL_MEMORY_NONE)))
            goto fail;
        if (bw && ((st = mem_new(ctx, &p->m_da1, a1_md, DNNL_MEMORY_ALLOCATE)) ||
                   (p->m_a1c && ((st = mem_new(ctx, &p->m_da1c, a1c_md, DNNL_MEMORY_ALLOCATE)) ||
                                 (st = reorder_make_to(ctx, a1c_md, p->m_da1, &p->a1_bwd_reorder))))))
            goto fail;
        if (kind == EDD_PLAN_INPUT_GRAD && (st = input_grad_build(ctx, p)))
            goto fail;
        p->mask_in = malloc((size_t)b * EDD_IMG_SIZE * sizeof(float));
        p->mask_h = malloc((size_t)b * EDD_HIDDEN * sizeof(float));
        if (!p->mask_in || !p->mask_h) {
            st = edd_fail(ctx, EDD_ERR_NOMEM, "plan: out of memory for dropout masks (batch %d)", b);
            goto fail;
        }
    }
    if (p->s2d && (!(p->xflat = malloc((size_t)b * EDD_IMG_SIZE * sizeof(float))) ||
                   !(p->w1s2d = malloc(64 * S2D_C * S2D_K * S2D_K * sizeof(float))))) {
        st = edd_fail(ctx, EDD_ERR_NOMEM, "plan: out of memory for the space-to-depth input (batch %d)", b);
        goto fail;
    }
    if (p->scratch_size && !(p->scratch = aligned_alloc(64, (p->scratch_size + 63) / 64 * 64))) {
        st = edd_fail(ctx, EDD_ERR_NOMEM, "plan: out of memory for a %zu-byte scratchpad", p->scratch_size);
        goto fail;
    }
    warn_ref(ctx, p);
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
    for (int i = 0; i < NLAYERS; i++) {
        layer *L = &p->l[i];
        prim_free(L->fwd); prim_free(L->bwd_data); prim_free(L->bwd_w);
        prim_free(L->w_fwd_reorder); prim_free(L->w_bwd_reorder); prim_free(L->dw_reorder);
        pd_free(L->fwd_pd); pd_free(L->bwd_data_pd); pd_free(L->bwd_w_pd);
        mem_free(L->sp_fwd); mem_free(L->sp_bwd_data); mem_free(L->sp_bwd_w);
        mem_free(L->w_user); mem_free(L->b_user); mem_free(L->w_fwd); mem_free(L->w_bwd);
        mem_free(L->dw_prim); mem_free(L->dw_user); mem_free(L->db_user);
    }
    prim_free(p->a1_fwd_reorder);
    prim_free(p->a1_bwd_reorder);
    prim_free(p->a1n_reorder);
    prim_free(p->da2n_reorder);
    chunk_mm_free(&p->mm2);
    chunk_mm_free(&p->mm1);
    dnnl_memory_t mems[] = {p->m_x, p->m_a1, p->m_a2, p->m_h, p->m_hd, p->m_z, p->m_da1, p->m_da2, p->m_dh,
                            p->m_dz, p->m_a1c, p->m_da1c, p->m_a1n, p->m_da2n};
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

/* Bring the plan's copies of the weights up to date with m's parameters. */
static edd_status weights_refresh(edd_ctx *ctx, edd_plan *p, const edd_cnn *m)
{
    for (int li = 0; li < NLAYERS; li++) {
        layer *L = &p->l[li];
        dnnl_memory_set_data_handle(L->w_user, li == L_CONV1 && p->s2d ? p->w1s2d : m->t[2 * li].data);
        dnnl_memory_set_data_handle(L->b_user, m->t[2 * li + 1].data);
    }
    if (p->w_valid && p->w_version == m->version)
        return EDD_OK;
    /* Space-to-depth weights: w'[o][2dy+dx][ky][kx] = w[o][0][2ky+dy][2kx+dx]. */
    for (int o = 0; p->s2d && o < 64; o++)
        for (int c = 0; c < S2D_C; c++)
            for (int ky = 0; ky < S2D_K; ky++)
                for (int kx = 0; kx < S2D_K; kx++)
                    p->w1s2d[((o * S2D_C + c) * S2D_K + ky) * S2D_K + kx] =
                        m->t[EDD_CONV1_W].data[(o * 8 + 2 * ky + c / 2) * 8 + 2 * kx + c % 2];
    /* conv2's weights for the input-gradient matmul: w2p[o][(ky*6+kx)*64+c] = w[o][c][ky][kx]. */
    for (int o = 0; p->w2p && o < C2_OC; o++)
        for (int c = 0; c < C2_IC; c++)
            for (int t = 0; t < C2_K * C2_K; t++)
                p->w2p[(size_t)o * C2_TAPS + t * C2_IC + c] = m->t[EDD_CONV2_W].data[((size_t)o * C2_IC + c) * C2_K * C2_K + t];
    edd_status st;
    for (int li = 0; li < NLAYERS; li++) {
        layer *L = &p->l[li];
        if (L->w_fwd_reorder && (st = run_reorder(ctx, p, L->w_fwd_reorder, L->w_user, L->w_fwd)))
            return st;
        if (L->w_bwd_reorder && (st = run_reorder(ctx, p, L->w_bwd_reorder, L->w_user, L->w_bwd)))
            return st;
    }
    p->w_version = m->version;
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

/* s[b][2dy+dx][i][j] = x[b][2i+dy-3][2j+dx-3], 0 in the padding: conv1's
 * input in its space-to-depth form. */
static void space_to_depth(float *s, const float *x, int b)
{
    #pragma omp parallel for schedule(static) if (b >= 64 && !omp_in_parallel())
    for (int n = 0; n < b; n++)
        for (int c = 0; c < S2D_C; c++)
            for (int i = 0; i < S2D_HW; i++)
                for (int j = 0; j < S2D_HW; j++) {
                    int r = 2 * i + c / 2 - 3, q = 2 * j + c % 2 - 3;
                    s[((size_t)(n * S2D_C + c) * S2D_HW + i) * S2D_HW + j] =
                        r >= 0 && r < EDD_IMG_H && q >= 0 && q < EDD_IMG_W ? x[(size_t)n * EDD_IMG_SIZE + r * EDD_IMG_W + q] : 0.0f;
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
    float *xd = p->s2d ? p->xflat : mem_ptr(p->m_x);
    p->dropout_was_on = on;
    if (on && m->p_input > 0)
        dropout_rows(ctx->simd, xd, p->mask_in, x, p->b, EDD_IMG_SIZE, m->p_input, dr, 0);
    else
        memcpy(xd, x, nx * sizeof(float));
    if (p->s2d)
        space_to_depth(mem_ptr(p->m_x), xd, p->b);
    dnnl_memory_t src[NLAYERS] = {p->m_x, p->m_a1c ? p->m_a1c : p->m_a1, p->m_a2, p->m_hd};
    dnnl_memory_t dst[NLAYERS] = {p->m_a1, p->m_a2, p->m_h, p->m_z};
    dnnl_memory_set_data_handle(p->m_z, z);
    for (int li = 0; li < NLAYERS; li++) {
        layer *L = &p->l[li];
        if (li == L_FC) {
            float *h = mem_ptr(p->m_h), *hd = mem_ptr(p->m_hd);
            if (on && m->p_hidden > 0)
                dropout_rows(ctx->simd, hd, p->mask_h, h, p->b, EDD_HIDDEN, m->p_hidden, dr, 1);
            else
                memcpy(hd, h, nh * sizeof(float));
        }
        dnnl_exec_arg_t a[5] = {{DNNL_ARG_SRC, src[li]}, {DNNL_ARG_WEIGHTS, w_for(L, 0)},
                                {DNNL_ARG_BIAS, L->b_user}, {DNNL_ARG_DST, dst[li]}};
        if ((st = run(ctx, p, L->fwd, L->sp_fwd, 4, a)))
            return st;
        if (li == L_CONV1 && p->a1_fwd_reorder && (st = run_reorder(ctx, p, p->a1_fwd_reorder, p->m_a1, p->m_a1c)))
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
    size_t n = mem_floats(mem) / (size_t)b;
    return md->format_kind == dnnl_blocked && md->format_desc.blocking.strides[0] == (dnnl_dim_t)n ? n : 0;
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
     * layout), a2 and h (their ReLU masks); no dropout. */
    dnnl_memory_t from[3] = {a1_of(src), src->m_a2, src->m_h}, to[3] = {a1_of(p), p->m_a2, p->m_h};
    for (int t = 0; t < 3; t++) {
        size_t n = per_image(from[t], src->b);
        if (!n || n != per_image(to[t], p->b))
            return edd_fail(ctx, EDD_ERR_ARG, "plan: activation %d has batch-%d and batch-%d layouts that differ "
                            "per image: expected the same blocked layout with the batch outermost", t, src->b, p->b);
        const float *a = mem_ptr(from[t]);
        float *d = mem_ptr(to[t]);
        for (int r = 0; r < p->b; r++)
            memcpy(d + (size_t)r * n, a + (size_t)(r / rep) * n, n * sizeof(float));
    }
    p->dropout_was_on = 0;
    return weights_refresh(ctx, p, m);
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
    dnnl_memory_set_data_handle(L->dw_user, grad + (m->t[2 * li].data - m->params));
    dnnl_memory_set_data_handle(L->db_user, grad + (m->t[2 * li + 1].data - m->params));
    dnnl_exec_arg_t a[5] = {{DNNL_ARG_SRC, src}, {DNNL_ARG_DIFF_DST, ddst},
                            {DNNL_ARG_DIFF_WEIGHTS, L->dw_reorder ? L->dw_prim : L->dw_user},
                            {DNNL_ARG_DIFF_BIAS, L->db_user}};
    edd_status st = run(ctx, p, L->bwd_w, L->sp_bwd_w, 4, a);
    if (st || !L->dw_reorder)
        return st;
    return run_reorder(ctx, p, L->dw_reorder, L->dw_prim, L->dw_user);
}

static edd_status layer_bwd_data(edd_ctx *ctx, edd_plan *p, int li, dnnl_memory_t ddst, dnnl_memory_t dsrc)
{
    layer *L = &p->l[li];
    dnnl_exec_arg_t a[4] = {{DNNL_ARG_DIFF_DST, ddst}, {DNNL_ARG_WEIGHTS, w_for(L, 1)}, {DNNL_ARG_DIFF_SRC, dsrc}};
    return run(ctx, p, L->bwd_data, L->sp_bwd_data, 3, a);
}

/* The input gradient below conv3, from da2 (ReLU-masked) to dx, in chunks
 * of IG_CHUNK images whose columns stay in cache (the header of this
 * file). Each output gathers its terms in a fixed order, so the result
 * does not depend on the thread count. */
static edd_status input_grad(edd_ctx *ctx, edd_plan *p, const edd_cnn *m, float *dx)
{
    edd_status st;
    if ((p->a1n_reorder && (st = run_reorder(ctx, p, p->a1n_reorder, a1_of(p), p->m_a1n))) ||
        (p->da2n_reorder && (st = run_reorder(ctx, p, p->da2n_reorder, p->m_da2, p->m_da2n))))
        return st;
    const float *a1n = mem_ptr(p->m_a1n ? p->m_a1n : a1_of(p)), *da2n = mem_ptr(p->m_da2n ? p->m_da2n : p->m_da2);
    const size_t a1_img = C1_OHW * C1_OHW * C2_IC, a2_img = C2_OHW * C2_OHW * C2_OC;
    for (int n0 = 0; n0 < p->b; n0 += IG_CHUNK) {
        const int nb = p->b - n0 < IG_CHUNK ? p->b - n0 : IG_CHUNK;
        /* conv2: col2[n,oy,ox][ky,kx,c] = sum_o da2[n,oy,ox,o] w2[o][c][ky][kx] */
        if ((st = chunk_mm_run(ctx, p, &p->mm2, nb, da2n + (size_t)n0 * a2_img, p->w2p, p->col2)) ||
            (st = edd_dnnl_check(ctx, dnnl_stream_wait(p->stream), "stream wait")))
            return st;
        /* da1[n,y,x][c] = (a1 > 0) * sum of col2[n,oy,ox][ky,kx,c] over 2*oy + ky = y, 2*ox + kx = x */
        #pragma omp parallel for schedule(static) if (nb >= 2 && !omp_in_parallel())
        for (int n = 0; n < nb; n++) {
            const float *c = p->col2 + (size_t)n * C2_OHW * C2_OHW * C2_TAPS, *a = a1n + (size_t)(n0 + n) * a1_img;
            float *d = p->da1n + (size_t)n * a1_img;
            for (int y = 0; y < C1_OHW; y++)
                for (int x = 0; x < C1_OHW; x++) {
                    float acc[C2_IC] = {0};
                    for (int ky = y % C2_S; ky < C2_K && ky <= y; ky += C2_S)
                        for (int kx = x % C2_S; kx < C2_K && kx <= x; kx += C2_S) {
                            int oy = (y - ky) / C2_S, ox = (x - kx) / C2_S;
                            if (oy >= C2_OHW || ox >= C2_OHW)
                                continue;
                            const float *s = c + (size_t)(oy * C2_OHW + ox) * C2_TAPS + (ky * C2_K + kx) * C2_IC;
                            #pragma omp simd
                            for (int ch = 0; ch < C2_IC; ch++)
                                acc[ch] += s[ch];
                        }
                    const float *ap = a + (y * C1_OHW + x) * C2_IC;
                    float *dp = d + (y * C1_OHW + x) * C2_IC;
                    #pragma omp simd
                    for (int ch = 0; ch < C2_IC; ch++)
                        dp[ch] = ap[ch] > 0.0f ? acc[ch] : 0.0f;
                }
        }
        /* conv1: col1[n,oy,ox][ky,kx] = sum_o da1[n,oy,ox,o] w1[o][ky,kx] */
        if ((st = chunk_mm_run(ctx, p, &p->mm1, nb, p->da1n, m->t[EDD_CONV1_W].data, p->col1)) ||
            (st = edd_dnnl_check(ctx, dnnl_stream_wait(p->stream), "stream wait")))
            return st;
        /* dx[n,y,x] = sum of col1[n,oy,ox][ky,kx] over 2*oy - 3 + ky = y, 2*ox - 3 + kx = x */
        #pragma omp parallel for schedule(static) if (nb >= 2 && !omp_in_parallel())
        for (int n = 0; n < nb; n++) {
            const float *c = p->col1 + (size_t)n * C1_OHW * C1_OHW * C1_TAPS;
            float *d = dx + (size_t)(n0 + n) * EDD_IMG_SIZE;
            for (int y = 0; y < EDD_IMG_H; y++)
                for (int x = 0; x < EDD_IMG_W; x++) {
                    float s = 0.0f;
                    for (int ky = (y + C1_P) % C1_S; ky < C1_K; ky += C1_S) {
                        int oy = (y + C1_P - ky) / C1_S; /* exact: y + P - ky is a multiple of S */
                        if (oy < 0 || oy >= C1_OHW)
                            continue;
                        for (int kx = (x + C1_P) % C1_S; kx < C1_K; kx += C1_S) {
                            int ox = (x + C1_P - kx) / C1_S;
                            if (ox >= 0 && ox < C1_OHW)
                                s += c[(oy * C1_OHW + ox) * C1_TAPS + ky * C1_K + kx];
                        }
                    }
                    d[y * EDD_IMG_W + x] = s;
                }
        }
    }
    return EDD_OK;
}

edd_status edd_plan_backward(edd_ctx *ctx, edd_plan *p, const edd_cnn *m, const float *dz, float *grad, float *dx)
{
    if (p->kind == EDD_PLAN_INFER)
        return edd_fail(ctx, EDD_ERR_ARG, "plan: backward asked of an inference plan (batch %d)", p->b);
    int wgrad = p->kind == EDD_PLAN_TRAIN && grad;
    edd_status st;
    dnnl_memory_set_data_handle(p->m_dz, (void *)dz);
    if (wgrad && (st = layer_bwd_w(ctx, p, m, L_FC, p->m_hd, p->m_dz, grad)))
        return st;
    if ((st = layer_bwd_data(ctx, p, L_FC, p->m_dz, p->m_dh)))
        return st;
    int on = p->dropout_was_on;
    relu_back(mem_ptr(p->m_dh), mem_ptr(p->m_h), on && m->p_hidden > 0 ? p->mask_h : NULL, mem_floats(p->m_dh));
    if (wgrad && (st = layer_bwd_w(ctx, p, m, L_CONV3, p->m_a2, p->m_dh, grad)))
        return st;
    if ((st = layer_bwd_data(ctx, p, L_CONV3, p->m_dh, p->m_da2)))
        return st;
    relu_back(mem_ptr(p->m_da2), mem_ptr(p->m_a2), NULL, mem_floats(p->m_da2));
    if (p->kind == EDD_PLAN_INPUT_GRAD) {
        if (dx && (st = input_grad(ctx, p, m, dx)))
            return st;
        size_t n = (size_t)p->b * EDD_IMG_SIZE;
        if (dx && on && m->p_input > 0)
            for (size_t i = 0; i < n; i++)
                dx[i] *= p->mask_in[i];
        return edd_dnnl_check(ctx, dnnl_stream_wait(p->stream), "stream wait");
    }
    if (wgrad && (st = layer_bwd_w(ctx, p, m, L_CONV2, a1_of(p), p->m_da2, grad)))
        return st;
    if ((st = layer_bwd_data(ctx, p, L_CONV2, p->m_da2, da1_of(p))))
        return st;
    relu_back(mem_ptr(da1_of(p)), mem_ptr(a1_of(p)), NULL, mem_floats(da1_of(p)));
    if (wgrad && p->a1_bwd_reorder && (st = run_reorder(ctx, p, p->a1_bwd_reorder, p->m_da1c, p->m_da1)))
        return st;
    if (wgrad && (st = layer_bwd_w(ctx, p, m, L_CONV1, p->m_x, p->m_da1, grad)))
        return st;
    return edd_dnnl_check(ctx, dnnl_stream_wait(p->stream), "stream wait");
}
