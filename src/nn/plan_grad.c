/* plan_grad.c - an input-gradient plan's gradient below conv3: two
 * matmuls and two gathers in place of oneDNN's backward-data convolutions
 * (plan.c's header says why; docs/ARCHITECTURE.md "On every ISA" has the
 * measurements). In NHWC, per chunk of IG_CHUNK images:
 *   col2[n,oy,ox][ky,kx,c] = sum_o da2[n,oy,ox,o] * w2[o][c][ky][kx]
 *   da1[n,y,x][c] = (a1 > 0) * sum of col2[n,oy,ox][ky,kx,c]
 *                   over S*oy + ky = y, S*ox + kx = x (S: conv2's stride)
 *   col1[n,oy,ox][ky,kx] = sum_o da1[n,oy,ox,o] * w1[o][0][ky][kx]
 *   dx[n,y,x] = sum of col1[n,oy,ox][ky,kx] over S*oy - P + ky = y,
 *               S*ox - P + kx = x (S, P: conv1's stride and padding)
 * The products run on oneDNN's matmul primitive; the gathers sum a fixed
 * set of terms in a fixed order, so dx does not depend on the thread count.
 * May call: core, oneDNN (through plan_prim.c). */
#include "plan_internal.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

/* c's matmul [images * rows_per_image x k] x [k x n], for a full chunk of
 * images (0) and for the last, shorter chunk (1). */
static edd_status chunk_mm_build(edd_ctx *ctx, edd_plan *p, chunk_mm *c, int rows_per_image, int k, int n)
{
    int images[2] = {p->b < IG_CHUNK ? p->b : IG_CHUNK, p->b > IG_CHUNK ? p->b % IG_CHUNK : 0};
    c->rows_per_image = rows_per_image;
    for (int i = 0; i < 2 && images[i]; i++) {
        int64_t a[2] = {(int64_t)images[i] * rows_per_image, k}, w[2] = {k, n}, d[2] = {a[0], n};
        dnnl_memory_desc_t a_md, w_md, d_md;
        edd_status st;
        if ((st = plan_md_tag(ctx, &a_md, 2, a, dnnl_ab)) || (st = plan_md_tag(ctx, &w_md, 2, w, dnnl_ab)) ||
            (st = plan_md_tag(ctx, &d_md, 2, d, dnnl_ab)))
            return st;
        dnnl_matmul_desc_t desc;
        CK(dnnl_matmul_desc_init(&desc, &a_md, &w_md, NULL, &d_md), "input-gradient matmul desc");
        if ((st = plan_pd_make(ctx, &c->pd[i], &desc, 0, NULL)) ||
            (st = plan_prim_make(ctx, p, c->pd[i], &c->mm[i], &c->sp[i])) ||
            (st = plan_mem_new(ctx, &c->a[i], &a_md, DNNL_MEMORY_NONE)) ||
            (st = plan_mem_new(ctx, &c->w[i], &w_md, DNNL_MEMORY_NONE)) ||
            (st = plan_mem_new(ctx, &c->d[i], &d_md, DNNL_MEMORY_NONE)))
            return st;
    }
    return EDD_OK;
}

/* d = a w for a chunk of `images` images (IG_CHUNK, or the last chunk's). */
static edd_status chunk_mm_run(edd_ctx *ctx, edd_plan *p, chunk_mm *c, int images, const float *a, const float *w,
                               float *d)
{
    int i = images == IG_CHUNK || p->b < IG_CHUNK ? 0 : 1;
    dnnl_memory_set_data_handle(c->a[i], (void *)a);
    dnnl_memory_set_data_handle(c->w[i], (void *)w);
    dnnl_memory_set_data_handle(c->d[i], d);
    dnnl_exec_arg_t args[4] = {{DNNL_ARG_SRC, c->a[i]}, {DNNL_ARG_WEIGHTS, c->w[i]}, {DNNL_ARG_DST, c->d[i]}};
    return plan_run(ctx, p, c->mm[i], c->sp[i], 3, args);
}

void plan_chunk_mm_free(chunk_mm *c)
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

edd_status plan_input_grad_build(edd_ctx *ctx, edd_plan *p)
{
    const int hw1 = C1->out_hw * C1->out_hw, hw2 = C2->out_hw * C2->out_hw;
    int64_t a1d[4] = {p->b, C2->in_c, C1->out_hw, C1->out_hw}, a2d[4] = {p->b, C2->out_c, C2->out_hw, C2->out_hw};
    dnnl_memory_desc_t a1n_md, da2n_md;
    edd_status st;
    if ((st = plan_md_tag(ctx, &a1n_md, 4, a1d, dnnl_acdb)) || (st = plan_md_tag(ctx, &da2n_md, 4, a2d, dnnl_acdb)) ||
        (st = plan_reorder_make(ctx, plan_a1(p), &a1n_md, &p->m_a1n, &p->a1n_reorder, 1)) ||
        (st = plan_reorder_make(ctx, p->m_da2, &da2n_md, &p->m_da2n, &p->da2n_reorder, 1)) ||
        (st = chunk_mm_build(ctx, p, &p->mm2, hw2, C2->out_c, C2_TAPS)) ||
        (st = chunk_mm_build(ctx, p, &p->mm1, hw1, C1->out_c, C1_TAPS)))
        return st;
    size_t chunk = (size_t)(p->b < IG_CHUNK ? p->b : IG_CHUNK);
    if (!(p->w2p = malloc((size_t)C2->out_c * C2_TAPS * sizeof(float))) ||
        !(p->col2 = malloc(chunk * hw2 * C2_TAPS * sizeof(float))) ||
        !(p->da1n = malloc(chunk * hw1 * C1->out_c * sizeof(float))) ||
        !(p->col1 = malloc(chunk * hw1 * C1_TAPS * sizeof(float))))
        return edd_nomem(ctx, ((size_t)C2->out_c * C2_TAPS + chunk * (hw2 * C2_TAPS + hw1 * (C1->out_c + C1_TAPS))) *
                                  sizeof(float), "a plan's input-gradient columns (batch %d)", p->b);
    return EDD_OK;
}

void plan_input_grad_weights(edd_plan *p, const edd_cnn *m)
{
    /* w2p[o][(ky*K+kx)*C+c] = w2[o][c][ky][kx]: the channel innermost, as da1 in NHWC */
    const int taps = C2->kernel * C2->kernel, C = C2->in_c;
    const float *w = m->t[EDD_CONV2_W].data;
    for (int o = 0; o < C2->out_c; o++)
        for (int c = 0; c < C; c++)
            for (int t = 0; t < taps; t++)
                p->w2p[(size_t)o * C2_TAPS + t * C + c] = w[((size_t)o * C + c) * taps + t];
}

/* da1 (NHWC, n images) = (a1 > 0) * the gather of conv2's columns col2. */
static void gather_conv2(float *da1, const float *col2, const float *a1, int n)
{
    const int S = C2->stride, K = C2->kernel, C = C2->in_c, O = C2->out_hw, H = C1->out_hw;
    #pragma omp parallel for schedule(static) if (n >= 2 && !omp_in_parallel())
    for (int i = 0; i < n; i++) {
        const float *c = col2 + (size_t)i * O * O * C2_TAPS, *a = a1 + (size_t)i * H * H * C;
        float *d = da1 + (size_t)i * H * H * C;
        for (int y = 0; y < H; y++)
            for (int x = 0; x < H; x++) {
                float *dp = d + (y * H + x) * C;
                memset(dp, 0, (size_t)C * sizeof(float));
                for (int ky = y % S; ky < K && ky <= y; ky += S)
                    for (int kx = x % S; kx < K && kx <= x; kx += S) {
                        int oy = (y - ky) / S, ox = (x - kx) / S; /* exact: y - ky is a multiple of S */
                        if (oy >= O || ox >= O)
                            continue;
                        const float *s = c + (size_t)(oy * O + ox) * C2_TAPS + (ky * K + kx) * C;
                        #pragma omp simd
                        for (int ch = 0; ch < C; ch++)
                            dp[ch] += s[ch];
                    }
                const float *ap = a + (y * H + x) * C;
                #pragma omp simd
                for (int ch = 0; ch < C; ch++)
                    dp[ch] = ap[ch] > 0.0f ? dp[ch] : 0.0f;
            }
    }
}

/* dx (n images) = the gather of conv1's columns col1. */
static void gather_conv1(float *dx, const float *col1, int n)
{
    const int S = C1->stride, P = C1->pad, K = C1->kernel, O = C1->out_hw, H = C1->in_hw;
    #pragma omp parallel for schedule(static) if (n >= 2 && !omp_in_parallel())
    for (int i = 0; i < n; i++) {
        const float *c = col1 + (size_t)i * O * O * C1_TAPS;
        float *d = dx + (size_t)i * H * H;
        for (int y = 0; y < H; y++)
            for (int x = 0; x < H; x++) {
                float s = 0.0f;
                for (int ky = (y + P) % S; ky < K; ky += S) {
                    int oy = (y + P - ky) / S; /* exact: y + P - ky is a multiple of S */
                    if (oy < 0 || oy >= O)
                        continue;
                    for (int kx = (x + P) % S; kx < K; kx += S) {
                        int ox = (x + P - kx) / S;
                        if (ox >= 0 && ox < O)
                            s += c[(oy * O + ox) * C1_TAPS + ky * K + kx];
                    }
                }
                d[y * H + x] = s;
            }
    }
}

edd_status plan_input_grad(edd_ctx *ctx, edd_plan *p, const edd_cnn *m, float *dx)
{
    edd_status st;
    if ((p->a1n_reorder && (st = plan_run_reorder(ctx, p, p->a1n_reorder, plan_a1(p), p->m_a1n))) ||
        (p->da2n_reorder && (st = plan_run_reorder(ctx, p, p->da2n_reorder, p->m_da2, p->m_da2n))))
        return st;
    const float *a1n = plan_mem_ptr(p->m_a1n ? p->m_a1n : plan_a1(p));
    const float *da2n = plan_mem_ptr(p->m_da2n ? p->m_da2n : p->m_da2);
    const size_t a1_img = (size_t)C1->out_hw * C1->out_hw * C1->out_c, a2_img = (size_t)C2->out_hw * C2->out_hw * C2->out_c;
    for (int n0 = 0; n0 < p->b; n0 += IG_CHUNK) {
        const int nb = p->b - n0 < IG_CHUNK ? p->b - n0 : IG_CHUNK;
        if ((st = chunk_mm_run(ctx, p, &p->mm2, nb, da2n + (size_t)n0 * a2_img, p->w2p, p->col2)) ||
            (st = edd_dnnl_check(ctx, dnnl_stream_wait(p->stream), "stream wait")))
            return st;
        gather_conv2(p->da1n, p->col2, a1n + (size_t)n0 * a1_img, nb);
        if ((st = chunk_mm_run(ctx, p, &p->mm1, nb, p->da1n, m->t[EDD_CONV1_W].data, p->col1)) ||
            (st = edd_dnnl_check(ctx, dnnl_stream_wait(p->stream), "stream wait")))
            return st;
        gather_conv1(dx + (size_t)n0 * EDD_IMG_SIZE, p->col1, nb);
    }
    return EDD_OK;
}
