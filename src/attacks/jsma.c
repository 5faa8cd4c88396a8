/* jsma.c - the Jacobian-based saliency map attack as cleverhans v2 jsma()
 * and saliency_map() (attacks_tf.py; docs/DESIGN.md section 8), many images at
 * once: each step runs one batched gradient pass over the images still
 * running (the active set, compacted, refilled from the queue up to the
 * batch size as images finish), then picks every active image's pair in
 * parallel: with edd_saliency_top2_f32 on the default path (beta = -alpha,
 * so the best pair comes from the two largest alphas: O(784)), with the
 * pair search edd_saliency_pair_f32 on the full Jacobian paths (O(784^2)
 * time, O(784) memory, never the 784 x 784 score matrix).
 *
 * The default path needs ONE backward pass per step. cleverhans takes the
 * Jacobian of the softmax probabilities p: alpha = dp_t/dx and beta =
 * sum_{j != t} dp_j/dx. The probabilities sum to one, so their gradients
 * sum to zero and beta = -alpha exactly: the backward pass of
 * dz = p_t (e_t - p) (which gives dp_t/dx) is all cleverhans got from K
 * passes: K times less work per step than the K*B-row Jacobian pass
 * (bench/jsma measures it). EDD_JSMA_PROBS_FULL
 * computes the K outputs' gradients and sums them as cleverhans did (for
 * the tests that check both paths pick the same pairs); EDD_JSMA_LOGITS is
 * the logit Jacobian, where beta is a real sum and needs all K gradients. */
#include "edd/internal/ctx.h"
#include "edd/attacks.h"
#include "edd/progress.h"
#include "edd/internal/simd.h"
#include "edd/internal/workspace.h"
#include "edd/internal/opts.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void edd_jsma_opts_init(edd_jsma_opts *o, size_t size)
{
    const edd_jsma_opts def = {.gamma = 0.1f, .theta = 1.0f, .clip_max = 1.0f, .jacobian = EDD_JSMA_PROBS,
                               .batch = 200, .max_rows = 0, .quiet = 0};
    edd_opts_fill(o, size, &def, sizeof def);
}

void edd_attack_targets(uint64_t seed, const uint8_t *y, size_t n, size_t index0, int n_real, uint8_t *target)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t u = edd_rng_u32(edd_rng_key(seed, 0x7A6E7u, index0 + i), 0);
        int t = (int)(u % (uint32_t)(n_real - 1)); /* one of the n_real - 1 other classes */
        target[i] = (uint8_t)(t >= y[i] ? t + 1 : t);
    }
}

typedef struct {
    const uint8_t *target; /* per active row */
    float *z;              /* logits of the active rows, na x K */
} pt_user;

/* dz = p_t (e_t - p): the backward pass then yields dp_t/dx; keeps the logits. */
static void pt_dz(void *user, size_t row0, int rows, int k, const float *z, float *dz)
{
    const pt_user *u = user;
    memcpy(u->z + row0 * (size_t)k, z, (size_t)rows * k * sizeof(float));
    for (int i = 0; i < rows; i++) {
        const float *zr = z + (size_t)i * k;
        float *d = dz + (size_t)i * k;
        int t = u->target[row0 + (size_t)i];
        float zmax;
        const double s = edd_softmax_sum_f64(zr, k, &zmax), pt = exp((double)zr[t] - (double)zmax) / s;
        for (int c = 0; c < k; c++)
            d[c] = (float)(pt * ((c == t) - exp((double)zr[c] - (double)zmax) / s));
    }
}

/* Working state of the pool of running images, in one workspace. */
typedef struct {
    float *xa;      /* active images, compacted, na x 784 */
    uint8_t *ta;    /* their targets */
    float *za;      /* their logits, na x K */
    float *grad;    /* na x 784 (one gradient) or na x K x 784 (Jacobian) */
    float *beta;    /* na x 784, full Jacobian paths only (0 floats otherwise) */
    int *act;       /* image index of each active row */
    uint8_t *moved; /* per active row: 1 when the image took a step and goes on */
    uint8_t *domain; /* per image: 784 flags, 1 for a pixel still in the search domain */
    int *dleft, *it; /* per image: pixels left in the domain, steps taken */
} work;

/* edd_jsma's options and targets: EDD_ERR_ARG naming the first bad one. */
static edd_status jsma_check(edd_ctx *ctx, int K, const uint8_t *target, size_t n, const edd_jsma_opts *o)
{
    if (!(o->gamma >= 0.0f && o->gamma <= 1.0f) || !(o->theta > 0.0f) || o->batch < 1 ||
        (o->jacobian != EDD_JSMA_PROBS && o->jacobian != EDD_JSMA_PROBS_FULL && o->jacobian != EDD_JSMA_LOGITS))
        return edd_fail(ctx, EDD_ERR_ARG,
                        "jsma: gamma %g, theta %g, batch %d, jacobian %d: expected gamma in [0,1], theta > 0, "
                        "batch >= 1, jacobian probs, probs-full or logits",
                        o->gamma, o->theta, o->batch, (int)o->jacobian);
    for (size_t i = 0; i < n; i++)
        if (target[i] >= K)
            return edd_fail(ctx, EDD_ERR_ARG, "jsma: target %d of image %zu, expected < K=%d", target[i], i, K);
    return EDD_OK;
}

/* One JSMA step of active row a (image w->act[a]) from its gradient or
 * Jacobian in w: success when the model already gives the target; else,
 * within the step budget and the domain, the saliency map's best pixel pair
 * raised by theta. w->moved[a] is 1 when the image took a step. */
static void jsma_step(const edd_ctx *ctx, work *w, int a, int K, int full, int max_iters, const edd_jsma_opts *o,
                      float *adv, uint8_t *success)
{
    const int D = EDD_IMG_SIZE;
    const size_t i = (size_t)w->act[a];
    const int t = w->ta[a];
    w->moved[a] = 0;
    /* cleverhans' while condition: current != target, iteration < max_iters, len(domain) > 1 */
    if (edd_argmax(w->za + (size_t)a * K, K) == t) {
        success[i] = 1;
        return;
    }
    if (w->it[i] >= max_iters || w->dleft[i] < 2)
        return;
    int p, q, found;
    if (full) {
        const float *J = w->grad + (size_t)a * K * D;
        float *be = w->beta + (size_t)a * D;
        for (int j = 0; j < D; j++) {
            float sum = 0.0f;
            for (int c = 0; c < K; c++)
                if (c != t)
                    sum += J[(size_t)c * D + j];
            be[j] = sum;
        }
        found = edd_saliency_pair_f32(ctx->simd, J + (size_t)t * D, be, w->domain + i * D, D, &p, &q);
    } else {
        found = edd_saliency_top2_f32(w->grad + (size_t)a * D, w->domain + i * D, D, &p, &q);
    }
    if (!found)
        return;
    float *xi = adv + i * D;
    xi[p] = fminf(xi[p] + o->theta, o->clip_max);
    xi[q] = fminf(xi[q] + o->theta, o->clip_max);
    w->domain[i * D + p] = w->domain[i * D + q] = 0;
    w->dleft[i] -= 2;
    w->it[i]++;
    w->moved[a] = 1;
}

edd_status edd_jsma(edd_ctx *ctx, const edd_cnn *m, const float *x, const uint8_t *target, size_t n,
                    const edd_jsma_opts *o, float *adv, uint8_t *success, int *steps)
{
    const int K = m->k, D = EDD_IMG_SIZE;
    edd_status st = EDD_OPTS_CHECK(ctx, edd_jsma_opts, o);
    if (!st)
        st = jsma_check(ctx, K, target, n, o);
    if (st)
        return st;
    const int max_iters = (int)floor((double)D * o->gamma / 2.0);
    const int full = o->jacobian != EDD_JSMA_PROBS;
    const size_t B = (size_t)o->batch < n ? (size_t)o->batch : (n ? n : 1);
    edd_gradder *g;
    st = edd_gradder_create(ctx, K, o->max_rows, &g);
    if (st)
        return st;
    work w;
    edd_ws_entry ws[] = {EDD_WS(w.xa, B * D), EDD_WS(w.ta, B), EDD_WS(w.za, B * (size_t)K),
                         EDD_WS(w.grad, B * (size_t)(full ? K : 1) * D), EDD_WS(w.beta, full ? B * D : 0),
                         EDD_WS(w.act, B), EDD_WS(w.moved, B), EDD_WS(w.domain, n * D), EDD_WS(w.dleft, n),
                         EDD_WS(w.it, n)};
    void *mem = edd_workspace_alloc(ws, EDD_WS_COUNT(ws));
    if (!mem) {
        edd_gradder_free(g);
        return edd_fail(ctx, EDD_ERR_NOMEM, "jsma: out of memory for %zu images (batch %zu)", n, B);
    }
    memcpy(adv, x, n * D * sizeof(float));
    edd_progress bar;
    edd_progress_start(&bar, "jsma", n, o->quiet);
    /* A pool of at most B running images, refilled from the queue as images
     * finish, so that every step's pass stays near B rows instead of
     * dwindling to a few stragglers. Each image's steps depend on that
     * image alone, so the pool size changes only the speed. */
    size_t next = 0, done = 0;
    int na = 0;
    while (!st && (na > 0 || next < n)) {
        for (; na < (int)B && next < n; next++) {
            int cnt = 0;
            for (int j = 0; j < D; j++)
                cnt += w.domain[next * D + j] = adv[next * D + j] < o->clip_max;
            w.dleft[next] = cnt;
            w.it[next] = 0;
            success[next] = 0;
            w.act[na++] = (int)next;
        }
        for (int a = 0; a < na; a++) {
            memcpy(w.xa + (size_t)a * D, adv + (size_t)w.act[a] * D, D * sizeof(float));
            w.ta[a] = target[w.act[a]];
        }
        if (full) {
            st = edd_jacobian(ctx, g, m, w.xa, (size_t)na,
                              o->jacobian == EDD_JSMA_LOGITS ? EDD_JAC_LOGITS : EDD_JAC_PROBS, w.za, w.grad);
        } else {
            pt_user u = {w.ta, w.za};
            st = edd_grad_input(ctx, g, m, w.xa, (size_t)na, 1, pt_dz, &u, w.grad);
        }
        if (st)
            break;
        #pragma omp parallel for schedule(dynamic, 4)
        for (int a = 0; a < na; a++)
            jsma_step(ctx, &w, a, K, full, max_iters, o, adv, success);
        int keep = 0;
        for (int a = 0; a < na; a++)
            if (w.moved[a])
                w.act[keep++] = w.act[a];
        done += (size_t)(na - keep);
        na = keep;
        edd_progress_update(&bar, done, NULL);
    }
    for (size_t i = 0; !st && steps && i < n; i++) /* every image has run to its end */
        steps[i] = w.it[i];
    edd_progress_end(&bar);
    free(mem);
    edd_gradder_free(g);
    return st;
}
