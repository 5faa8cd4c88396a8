/* plan_internal.h - what the files of the plan share (src/nn only): the
 * plan struct, the geometry the plans derive from the layer table EDD_CNN,
 * and the oneDNN helpers.
 *
 *   plan.c       create and free a plan, refresh its weights, the forward
 *                and backward passes
 *   plan_choice.c  the form of a plan (blocked or NHWC), by measurement,
 *                cached per CPU
 *   plan_prim.c  oneDNN memories, primitives, reorders and each layer's
 *                primitives
 *   plan_grad.c  the input gradient below conv3 as matmuls and gathers
 *   plan_info.c  the implementation oneDNN chose for each primitive
 *   plan_prof.c  per-primitive profiling (edd_plan_profile): calls, time,
 *                FLOPs or bytes per call from each primitive's descriptor
 *   trainer.c    a training run's parameters, gradients and optimiser state
 *                in the layouts the TRAIN plans compute in (edd_trainer)
 *
 * May call: core, io (edd_mem_check before a plan is built), simd (dropout),
 * oneDNN. */
#ifndef EDD_PLAN_INTERNAL_H
#define EDD_PLAN_INTERNAL_H

#include "edd/nn.h"

#include <oneapi/dnnl/dnnl.h>

typedef struct {
    dnnl_primitive_desc_t fwd_pd, bwd_data_pd, bwd_w_pd;
    dnnl_primitive_desc_t bwd_hint_pd; /* TRAIN nhwc, conv2: the blocked forward its backward is laid out as */
    dnnl_primitive_t fwd, bwd_data, bwd_w;
    dnnl_memory_t sp_fwd, sp_bwd_data, sp_bwd_w;  /* scratchpads (one shared buffer) */
    dnnl_memory_t w_user, b_user;                 /* m's plain layout, or a trainer's; handles set per call */
    dnnl_memory_t w_fwd, w_bwd;                   /* weights in the layout each primitive wants */
    dnnl_primitive_t w_fwd_reorder, w_bwd_reorder; /* NULL when the layout is already plain */
    dnnl_memory_t dw_prim, dw_user, db_user;      /* diff weights as produced, and in w_user's layout */
    dnnl_primitive_t dw_reorder;
} layer;

/* The matmul [images * rows_per_image x k] x [k x n] over one chunk of
 * IG_CHUNK images (0) and over the last, shorter chunk (1); handles are
 * set per call. */
/* One primitive's profile counters (edd_plan_profile). */
typedef struct {
    dnnl_primitive_t prim;
    long calls;
    double seconds;
} plan_prof_slot;

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
    layer l[EDD_NLAYERS];
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
    edd_trainer *tr; /* TRAIN plans bound to a trainer compute from its store, not from m (trainer.c) */
    int s2d;      /* conv1 in space-to-depth form (INFER and INPUT_GRAD plans) */
    /* The NHWC form (plan_choice.c): in s2d plans conv1's input, a1 and a2
     * in NHWC, not oneDNN's choice; in TRAIN plans conv2's forward reads a1
     * and writes a2 in NHWC, and its backward keeps oneDNN's blocked
     * layouts, a1 and a2's gradient reordered into them. */
    int nhwc;
    dnnl_memory_t m_a1b, m_da2b;        /* TRAIN nhwc: a1 and da2 in conv2's backward layouts, or NULL */
    dnnl_primitive_t a1b_reorder, da2b_reorder;
    dnnl_memory_t a1_bwd;               /* a1 as conv2's backward reads it (one of m_a1, m_a1c, m_a1b) */
    float *xflat; /* s2d: the b x 784 images after dropout, before the rearrangement */
    float *w1s2d; /* s2d: conv1's weights rearranged, [64][4][4][4] */
    /* INPUT_GRAD: below conv3, matmuls and col2im gathers (the header) */
    dnnl_memory_t m_a1n, m_da2n;        /* a1 and da2 in NHWC, or NULL when they already are */
    dnnl_primitive_t a1n_reorder, da2n_reorder;
    chunk_mm mm2, mm1;                  /* conv2's and conv1's input-gradient matmuls */
    float *w2p;                         /* conv2's weights as [128][ky][kx][64] */
    float *col2, *da1n, *col1;          /* one chunk's columns and its da1 (NHWC) */
    /* profiling (edd_plan_profile): off (0) costs one test per execution */
    int prof_on, prof_n;
    plan_prof_slot prof[EDD_PLAN_MAX_PRIMS];
};

/* conv1 and conv2, the two layers whose input gradient plan_grad.c takes. */
#define C1 (&EDD_CNN[EDD_L_CONV1])
#define C2 (&EDD_CNN[EDD_L_CONV2])
#define C1_TAPS (C1->kernel * C1->kernel * C1->in_c)   /* 64: conv1's weights per output channel */
#define C2_TAPS (C2->kernel * C2->kernel * C2->in_c)   /* 2304 */

/* conv1's space-to-depth form: the padded input's S x S blocks (S its
 * stride) become S*S channels, the 8x8 kernel a 4x4 one, the stride 1. */
#define S2D_C (C1->stride * C1->stride * C1->in_c)      /* 4 */
#define S2D_HW ((C1->in_hw + 2 * C1->pad) / C1->stride) /* 17 */
#define S2D_K (C1->kernel / C1->stride)                 /* 4 */

/* Images per chunk of the input-gradient matmuls: conv2's columns for 16
 * images are 3.7 MB, and stay in cache until the gather reads them
 * (measured on AVX2, 2 threads, bench/cw at batch 100: chunks of 8, 16, 32
 * and 64 images gave 331, 288-323, 280 and 355 us per example-iteration). */
#define IG_CHUNK 16

#define CK(expr, what)                                                      \
    do {                                                                    \
        edd_status st_ = edd_dnnl_check(ctx, (expr), (what));               \
        if (st_)                                                            \
            return st_;                                                     \
    } while (0)

/* a1 and its gradient as conv2 reads and writes them. */
static inline dnnl_memory_t plan_a1(const edd_plan *p) { return p->m_a1c ? p->m_a1c : p->m_a1; }
static inline dnnl_memory_t plan_da1(const edd_plan *p) { return p->m_da1c ? p->m_da1c : p->m_da1; }

/* ---- plan.c and plan_choice.c ---- */

/* Build a plan of b rows of the kind (checked: batch, kind, memory), in
 * the NHWC form if nhwc (the struct's nhwc says what that is per kind),
 * else in the blocked one, oneDNN's choice. */
edd_status plan_build(edd_ctx *ctx, const edd_cnn *m, int b, int kind, int own_stream, int nhwc, edd_plan **out);
/* The plan in the form EDD_PLAN_CHOICE asks: the blocked one (fixed), else
 * the faster, measured or read from the cache (plan_choice.c's header).
 * Plans may be chosen from OpenMP workers. */
edd_status plan_choose(edd_ctx *ctx, const edd_cnn *m, int b, int kind, int own_stream, edd_plan **out);

/* ---- plan_prim.c: oneDNN helpers ---- */

/* A memory descriptor of nd dims ne with layout tag. */
edd_status plan_md_tag(edd_ctx *ctx, dnnl_memory_desc_t *md, int nd, const int64_t *ne, dnnl_format_tag_t tag);
/* A memory on md over handle (DNNL_MEMORY_ALLOCATE: oneDNN allocates). */
edd_status plan_mem_new(edd_ctx *ctx, dnnl_memory_t *mem, const dnnl_memory_desc_t *md, void *handle);
float *plan_mem_ptr(dnnl_memory_t m);
/* Floats in m, padding included. */
size_t plan_mem_floats(dnnl_memory_t m);
/* The primitive descriptor for desc with a user scratchpad (and a ReLU
 * post-op if relu), and the primitive with its scratchpad memory; the plan's
 * scratch need grows to the largest. */
edd_status plan_pd_make(edd_ctx *ctx, dnnl_primitive_desc_t *pd, const void *desc, int relu,
                        const_dnnl_primitive_desc_t hint);
edd_status plan_prim_make(edd_ctx *ctx, edd_plan *p, dnnl_primitive_desc_t pd, dnnl_primitive_t *prim,
                          dnnl_memory_t *sp);
/* A reorder from src's layout to want into a new memory *dst_out (oneDNN
 * allocates it if alloc); both NULL when the layouts match. */
edd_status plan_reorder_make(edd_ctx *ctx, dnnl_memory_t src, const dnnl_memory_desc_t *want,
                             dnnl_memory_t *dst_out, dnnl_primitive_t *reorder, int alloc);
/* A reorder from layout `from` into dst's layout, or NULL when they match. */
edd_status plan_reorder_make_to(edd_ctx *ctx, const dnnl_memory_desc_t *from, dnnl_memory_t dst,
                                dnnl_primitive_t *reorder);
/* src's data into dst (a buffer of want's size), laid out as want: one
 * reorder, built, run on p's stream, waited for and freed. */
edd_status plan_reorder_once(edd_ctx *ctx, edd_plan *p, dnnl_memory_t src, const dnnl_memory_desc_t *want, void *dst);
/* Execute prim on the plan's stream with its n arguments (args has room
 * for one more: the scratchpad); plan_run_reorder a reorder. Both time the
 * execution into the plan's profile when profiling is on. */
edd_status plan_run(edd_ctx *ctx, edd_plan *p, dnnl_primitive_t prim, dnnl_memory_t sp, int n, dnnl_exec_arg_t *args);
edd_status plan_run_reorder(edd_ctx *ctx, edd_plan *p, dnnl_primitive_t r, dnnl_memory_t from, dnnl_memory_t to);
/* Build layer li's forward primitive from src_md to dst_req (a layout or
 * any) and the backward ones asked for; *dst_md is the layout chosen. */
edd_status plan_layer_build(edd_ctx *ctx, edd_plan *p, const edd_cnn *m, int li, const dnnl_memory_desc_t *src_md,
                            const dnnl_memory_desc_t *dst_req, int need_bwd_data, int need_bwd_w,
                            const dnnl_memory_desc_t **dst_md);

/* A TRAIN plan's a1, da1 and da2 in the layouts conv2's backward
 * primitives take (a1_md: conv1's output): a copy and a reorder for each
 * that differs; sets a1_bwd. */
edd_status plan_conv2_bwd_layouts(edd_ctx *ctx, edd_plan *p, const dnnl_memory_desc_t *a1_md);
/* Layer li's weight memories for weights kept in layout user: m's plain
 * one when the plan is built, a trainer's when it is bound (a copy and a
 * reorder for each primitive whose layout differs). */
edd_status plan_layer_weights(edd_ctx *ctx, edd_plan *p, int li, const dnnl_memory_desc_t *user);

/* ---- trainer.c ---- */

/* A training run's store: per layer its weights in the layout of the first
 * TRAIN plan's forward primitive (padding included), then its bias; the
 * gradients laid out the same; the optimiser's state over both. */
struct edd_trainer {
    edd_cnn *m;
    edd_optim opt;
    int ready;        /* the store is made (at the first forward) */
    int dirty;        /* it holds steps m's parameters do not */
    uint64_t version; /* optimiser steps taken: the bound plans' weights' version */
    size_t n;         /* floats in params and in grad */
    float *params, *grad;
    size_t woff[EDD_NLAYERS], boff[EDD_NLAYERS];
    dnnl_memory_desc_t wmd[EDD_NLAYERS];
    dnnl_memory_t w[EDD_NLAYERS], plain[EDD_NLAYERS];             /* the store's weights, m's */
    dnnl_primitive_t from_plain[EDD_NLAYERS], to_plain[EDD_NLAYERS]; /* NULL when the layouts match */
};

/* ---- plan_grad.c: the input gradient below conv3 ---- */

/* Build an INPUT_GRAD plan's matmuls, reorders and buffers (after its
 * layers and activations). */
edd_status plan_input_grad_build(edd_ctx *ctx, edd_plan *p);
/* conv2's weights as the input-gradient matmul wants them, from m. */
void plan_input_grad_weights(edd_plan *p, const edd_cnn *m);
/* dx from the ReLU-masked gradient at conv3's input (b x 784). */
edd_status plan_input_grad(edd_ctx *ctx, edd_plan *p, const edd_cnn *m, float *dx);
void plan_chunk_mm_free(chunk_mm *c);

/* ---- plan_info.c ---- */

/* p's primitives, at most max, in edd_plan_prims's order: each one into
 * prims and what it computes into names; returns how many p has. */
int plan_prim_list(const edd_plan *p, dnnl_primitive_t *prims, char (*names)[64], int max);

/* Say once per context, on stderr, that a primitive of p runs on oneDNN's
 * reference kernel. */
void plan_warn_ref(edd_ctx *ctx, const edd_plan *p);

/* ---- plan_prof.c ---- */

/* The profile's slots for p's primitives after some were rebuilt (a plan
 * bound to a trainer), the counts of those kept kept. */
void plan_prof_relist(edd_plan *p);
/* Count one execution of prim that took `seconds` (profiling on). */
void plan_prof_add(edd_plan *p, dnnl_primitive_t prim, double seconds);

#endif
