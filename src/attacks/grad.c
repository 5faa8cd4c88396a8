/* grad.c - input gradients and Jacobians on oneDNN backward-data only
 * (docs/DESIGN.md section 3: EDD_PLAN_INPUT_GRAD plans never compute weight
 * gradients), with the plans cached per batch size. */
#include "edd/attacks.h"
#include "edd/internal/workspace.h"
#include "edd/internal/grad.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define GRADDER_DEFAULT_ROWS 256

struct edd_gradder {
    int k, max_rows, cap; /* cap: the largest piece, the largest power of two <= max_rows */
    edd_plan_cache plans; /* INPUT_GRAD, at most 3*max_rows rows */
    void *mem;            /* the workspace below */
    float *xb, *zb, *dzb, *dxb; /* cap rows each (dzb, dxb: a Jacobian's max(cap, K)) */
    double *p;            /* K: one image's probabilities, edd_jacobian's scratch */
};

/* Largest power of two <= v (v >= 1). */
static int pow2_floor(int v)
{
    int p = 1;
    while (p <= v / 2)
        p *= 2;
    return p;
}

/* The next piece of a pass with `left` rows still to do: the largest power
 * of two <= min(left, max_rows) while left >= 16; below that, left padded
 * up to a power of two. So a pass of any size runs on at most log2(cap)+1
 * plans (1, 2, 4, ..., cap) and wastes fewer than 8 rows: an attack whose
 * active set shrinks step by step never builds a plan per size it meets. */
static int piece(int left, int cap, int *rows)
{
    if (left >= 16 || left >= cap) {
        *rows = pow2_floor(left < cap ? left : cap);
        return *rows;
    }
    int v = 1;
    while (v < left)
        v *= 2;
    *rows = left;
    return v;
}

edd_status edd_gradder_create(edd_ctx *ctx, int k, int max_rows, edd_gradder **out)
{
    *out = NULL;
    if (max_rows <= 0)
        max_rows = GRADDER_DEFAULT_ROWS;
    if (k < 2 || k > EDD_K_MAX || max_rows > (1 << 16))
        return edd_fail(ctx, EDD_ERR_ARG, "gradder: K=%d, max_rows %d: expected K in 2..%d and rows in 1..%d", k,
                        max_rows, EDD_K_MAX, 1 << 16);
    edd_gradder *g = calloc(1, sizeof *g);
    if (!g)
        return edd_fail(ctx, EDD_ERR_NOMEM, "gradder: out of memory");
    g->k = k;
    g->max_rows = max_rows;
    g->cap = pow2_floor(max_rows);
    edd_plan_cache_init(&g->plans, EDD_PLAN_INPUT_GRAD, 0, 3L * max_rows);
    /* A Jacobian pass has b*K rows with b <= max(1, cap/K): at most max(cap, K). */
    size_t c = (size_t)g->cap, rows = c > (size_t)k ? c : (size_t)k;
    edd_ws_entry ws[] = {EDD_WS(g->xb, c * EDD_IMG_SIZE), EDD_WS(g->dxb, rows * EDD_IMG_SIZE),
                         EDD_WS(g->zb, c * (size_t)k), EDD_WS(g->dzb, rows * (size_t)k), EDD_WS(g->p, k)};
    if (!(g->mem = edd_workspace_alloc(ws, EDD_WS_COUNT(ws)))) {
        free(g);
        return edd_fail(ctx, EDD_ERR_NOMEM, "gradder: out of memory for %zu rows of K=%d", rows, k);
    }
    *out = g;
    return EDD_OK;
}

void edd_gradder_free(edd_gradder *g)
{
    if (!g)
        return;
    edd_plan_cache_release(&g->plans);
    free(g->mem);
    free(g);
}

int edd_gradder_plans_built(const edd_gradder *g) { return edd_plan_cache_built(&g->plans); }

edd_status edd_grad_input(edd_ctx *ctx, edd_gradder *g, const edd_cnn *m, const float *x, size_t n, int rep,
                          edd_dz_fn dz_fn, void *user, float *dx)
{
    if (m->k != g->k || rep < 1)
        return edd_fail(ctx, EDD_ERR_ARG, "grad: model has K=%d, rep %d: expected K=%d (the gradder's) and rep >= 1",
                        m->k, rep, g->k);
    size_t rows = n * (size_t)rep;
    if (rows == 0)
        return EDD_OK;
    int K = g->k, c;
    for (size_t r0 = 0; r0 < rows; r0 += (size_t)c) {
        size_t left = rows - r0;
        int b = piece(left > (size_t)g->cap ? g->cap : (int)left, g->cap, &c);
        edd_plan *p;
        edd_status st = edd_plan_cache_get(ctx, &g->plans, m, b, &p);
        if (st)
            return st;
        for (int i = 0; i < c; i++)
            memcpy(g->xb + (size_t)i * EDD_IMG_SIZE, x + (r0 + (size_t)i) / (size_t)rep * EDD_IMG_SIZE,
                   EDD_IMG_SIZE * sizeof(float));
        memset(g->xb + (size_t)c * EDD_IMG_SIZE, 0, (size_t)(b - c) * EDD_IMG_SIZE * sizeof(float));
        if ((st = edd_plan_forward(ctx, p, m, g->xb, NULL, g->zb)))
            return st;
        dz_fn(user, r0, c, K, g->zb, g->dzb);
        memset(g->dzb + (size_t)c * K, 0, (size_t)(b - c) * K * sizeof(float));
        float *out = b == c ? dx + r0 * EDD_IMG_SIZE : g->dxb;
        if ((st = edd_plan_backward(ctx, p, m, g->dzb, NULL, out)))
            return st;
        if (out != dx + r0 * EDD_IMG_SIZE)
            memcpy(dx + r0 * EDD_IMG_SIZE, g->dxb, (size_t)c * EDD_IMG_SIZE * sizeof(float));
    }
    return EDD_OK;
}

/* ---- Jacobians: row i*K + j of the backward pass is (image i, output j) ----
 * One forward pass of the B images (not of K*B replicated rows: the copies
 * would all compute the same activations), its activations replicated K
 * times into a K*B plan, then ONE backward-data pass of batch K*B whose dz
 * rows are one-hot (logits) or p_j (e_j - p) (probabilities). */

/* dz rows of image i: d out_j / d z for j = 0..K-1, from its logits zi
 * (p: k doubles of scratch). */
static void jac_rows(edd_jac_kind kind, const float *zi, int k, double *p, float *d)
{
    if (kind == EDD_JAC_PROBS)
        edd_softmax_f64(zi, k, p); /* in double: logits may be in the hundreds */
    for (int j = 0; j < k; j++, d += k) {
        if (kind == EDD_JAC_LOGITS) {
            memset(d, 0, (size_t)k * sizeof(float));
            d[j] = 1.0f;
            continue;
        }
        for (int c = 0; c < k; c++) /* d p_j / d z_c = p_j (delta_jc - p_c) */
            d[c] = (float)(p[j] * ((c == j) - p[c]));
    }
}

edd_status edd_jacobian(edd_ctx *ctx, edd_gradder *g, const edd_cnn *m, const float *x, size_t n,
                        edd_jac_kind kind, float *z, float *jac)
{
    if (kind != EDD_JAC_LOGITS && kind != EDD_JAC_PROBS)
        return edd_fail(ctx, EDD_ERR_ARG, "jacobian: kind %d, expected EDD_JAC_LOGITS or EDD_JAC_PROBS", (int)kind);
    if (m->k != g->k)
        return edd_fail(ctx, EDD_ERR_ARG, "jacobian: model has K=%d, expected K=%d (the gradder's)", m->k, g->k);
    const int K = g->k, cap = g->cap / K > 0 ? g->cap / K : 1;
    const size_t D = EDD_IMG_SIZE;
    int c;
    for (size_t i0 = 0; i0 < n; i0 += (size_t)c) {
        size_t left = n - i0;
        int b = piece(left > (size_t)cap ? cap : (int)left, cap, &c);
        edd_plan *ps, *pk;
        edd_status st = edd_plan_cache_get(ctx, &g->plans, m, b, &ps);
        if (!st) /* the cache keeps ps: it is the previous get's plan */
            st = edd_plan_cache_get(ctx, &g->plans, m, b * K, &pk);
        if (st)
            return st;
        memcpy(g->xb, x + i0 * D, (size_t)c * D * sizeof(float));
        memset(g->xb + (size_t)c * D, 0, (size_t)(b - c) * D * sizeof(float));
        if ((st = edd_plan_forward_replicated(ctx, pk, ps, m, g->xb, K, g->zb)))
            return st;
        if (z)
            memcpy(z + i0 * K, g->zb, (size_t)c * K * sizeof(float));
        for (int i = 0; i < c; i++)
            jac_rows(kind, g->zb + (size_t)i * K, K, g->p, g->dzb + (size_t)i * K * K);
        memset(g->dzb + (size_t)c * K * K, 0, (size_t)(b - c) * K * K * sizeof(float));
        float *out = b == c ? jac + i0 * K * D : g->dxb;
        if ((st = edd_plan_backward(ctx, pk, m, g->dzb, NULL, out)))
            return st;
        if (out != jac + i0 * K * D)
            memcpy(jac + i0 * K * D, g->dxb, (size_t)c * K * D * sizeof(float));
    }
    return EDD_OK;
}
