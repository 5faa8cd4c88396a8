/* defense.c - the paper's Section 3: MC-dropout uncertainty (Eq. 1), soft
 * labels (Eq. 2) and the distilled model (Eq. 3 lives in src/nn/loss.c);
 * and temperature distillation (the paper's reference [6]: labels
 * softmax(z/T), the tempered loss also in src/nn/loss.c). */
#include "edd/internal/ctx.h"
#include "edd/defense.h"
#include "edd/progress.h"
#include "edd/internal/simd.h"
#include "edd/internal/workspace.h"
#include "edd/internal/opts.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

/* THREADS is the default: bench/mc measures it faster than FOLDED at its
 * best row count, at native dispatch and capped at AVX2 (docs/DEFENSE.md's
 * table, generated from docs/results/bench-hot). */
void edd_mc_opts_init(edd_mc_opts *o, size_t size)
{
    const edd_mc_opts def = {.passes = 20, .seed = 1, .shape = EDD_MC_THREADS, .rows = 128, .first = 0};
    edd_opts_fill(o, size, &def, sizeof def);
}

void edd_logit_variance(const edd_ctx *ctx, const float *z, size_t npass, size_t nex, size_t k, float *sigma)
{
    edd_logit_variance_f32(ctx->simd, z, npass, nex, k, sigma);
}

size_t edd_mc_chunk(const edd_mc_opts *o)
{
    if (o->shape == EDD_MC_THREADS)
        return o->rows > 0 ? (size_t)o->rows : 1;
    return o->passes > 0 && o->rows / o->passes > 0 ? (size_t)(o->rows / o->passes) : 1;
}

/* FOLDED: chunks of c examples; row m*c+i of one call is pass m of example
 * i, its dropout stream m and index o->first + i. zc receives [N][c][K]. */
static edd_status mc_folded(edd_ctx *ctx, const edd_cnn *m, const edd_dataset *ds, const edd_mc_opts *o, float *sigma,
                            float *logits, edd_progress *bar)
{
    int N = o->passes, K = m->k;
    size_t n = ds->n;
    int c = (int)(edd_mc_chunk(o) < n ? edd_mc_chunk(o) : n); /* buffers sized by the data, not by o->rows */
    edd_plan_cache plans; /* full chunks and the last, partial one */
    edd_plan_cache_init(&plans, EDD_PLAN_INFER, 0, 0);
    size_t rows = (size_t)c * N;
    float *xr, *zc;
    uint64_t *idx, *streams;
    edd_ws_entry ws[] = {EDD_WS(xr, rows * EDD_IMG_SIZE), EDD_WS(zc, rows * K), EDD_WS(idx, rows),
                         EDD_WS(streams, rows)};
    void *mem = edd_workspace_alloc(ws, EDD_WS_COUNT(ws));
    edd_status st = mem ? EDD_OK : edd_nomem(ctx, rows * ((EDD_IMG_SIZE + (size_t)K) * sizeof(float) + 16),
                                             "uncertainty: %zu rows", rows);
    for (size_t s = 0; !st && s < n; s += (size_t)c) {
        int b = (int)(n - s < (size_t)c ? n - s : (size_t)c);
        edd_plan *pl;
        if ((st = edd_plan_cache_get(ctx, &plans, m, b * N, &pl)))
            break;
        for (int p = 0; p < N; p++)
            for (int i = 0; i < b; i++) {
                size_t r = (size_t)p * b + i;
                memcpy(xr + r * EDD_IMG_SIZE, ds->x + (s + i) * EDD_IMG_SIZE, EDD_IMG_SIZE * sizeof(float));
                idx[r] = o->first + s + (size_t)i;
                streams[r] = (uint64_t)p;
            }
        edd_dropout dr = {.on = 1, .seed = o->seed, .idx = idx, .streams = streams};
        if ((st = edd_plan_forward(ctx, pl, m, xr, &dr, zc)))
            break;
        /* Eq. 1 over this chunk: zc is [N][b][K]. */
        edd_logit_variance_f32(ctx->simd, zc, (size_t)N, (size_t)b, (size_t)K, sigma + s);
        for (int p = 0; logits && p < N; p++)
            memcpy(logits + ((size_t)p * n + s) * K, zc + (size_t)p * b * K, (size_t)b * K * sizeof(float));
        edd_progress_update(bar, s + (size_t)b, NULL);
    }
    edd_plan_cache_release(&plans);
    free(mem);
    return st;
}

/* THREADS: an outer parallel region; each thread owns a plan cache (own
 * stream, user scratchpads), filled before the region with the plans of
 * both chunk sizes, and runs whole passes of a chunk of examples, so oneDNN
 * runs single-threaded inside. */
static edd_status mc_threads(edd_ctx *ctx, const edd_cnn *m, const edd_dataset *ds, const edd_mc_opts *o, float *sigma,
                             float *logits, edd_progress *bar)
{
    int N = o->passes, K = m->k, T = ctx->nthreads;
    size_t n = ds->n;
    int c = (size_t)o->rows < n ? o->rows : (int)n; /* buffers sized by the data, not by o->rows */
    float *zc;
    uint64_t *idx; /* the chunk's dataset indices, shared read-only by every pass */
    edd_plan_cache *plans;
    edd_ws_entry ws[] = {EDD_WS(zc, (size_t)N * c * K), EDD_WS(idx, (size_t)c), EDD_WS(plans, T)};
    void *mem = edd_workspace_alloc(ws, EDD_WS_COUNT(ws));
    edd_status st = mem ? EDD_OK : edd_nomem(ctx, (size_t)N * c * K * sizeof(float) + (size_t)c * 8 +
                                             (size_t)T * sizeof *plans, "uncertainty: %d threads, %d rows", T, c);
    /* Every plan a thread will use, built here: chunks of c examples (all
     * n when n < o->rows) and the last, shorter chunk. */
    const int whole = c, last = (int)(n % (size_t)c);
    for (int t = 0; !st && t < T; t++) {
        edd_plan *unused;
        edd_plan_cache_init(&plans[t], EDD_PLAN_INFER, 1, 0);
        st = edd_plan_cache_get(ctx, &plans[t], m, whole, &unused);
        if (!st && last && last != whole)
            st = edd_plan_cache_get(ctx, &plans[t], m, last, &unused);
    }
    for (size_t s = 0; !st && s < n; s += (size_t)c) {
        int b = (int)(n - s < (size_t)c ? n - s : (size_t)c);
        edd_status err = EDD_OK;
        for (int i = 0; i < b; i++)
            idx[i] = o->first + s + (size_t)i;
        #pragma omp parallel for schedule(dynamic, 1) num_threads(T)
        for (int p = 0; p < N; p++) {
            int t = omp_get_thread_num();
            edd_ctx tctx = *ctx; /* a private error buffer per thread */
            edd_dropout dr = {.on = 1, .seed = o->seed, .stream = (uint64_t)p, .idx = idx};
            edd_plan *pl;
            edd_status e = edd_plan_cache_get(&tctx, &plans[t], m, b, &pl);
            if (!e)
                e = edd_plan_forward(&tctx, pl, m, ds->x + s * EDD_IMG_SIZE, &dr, zc + (size_t)p * b * K);
            if (e) {
                #pragma omp critical
                if (!err) {
                    err = e;
                    memcpy(ctx->err, tctx.err, sizeof ctx->err);
                }
            }
        }
        if ((st = err))
            break;
        edd_logit_variance_f32(ctx->simd, zc, (size_t)N, (size_t)b, (size_t)K, sigma + s);
        for (int p = 0; logits && p < N; p++)
            memcpy(logits + ((size_t)p * n + s) * K, zc + (size_t)p * b * K, (size_t)b * K * sizeof(float));
        edd_progress_update(bar, s + (size_t)b, NULL);
    }
    for (int t = 0; mem && t < T; t++)
        edd_plan_cache_release(&plans[t]);
    free(mem);
    return st;
}

edd_status edd_uncertainty(edd_ctx *ctx, const edd_cnn *m, const edd_dataset *ds, const edd_mc_opts *o, float *sigma,
                           float *logits)
{
    if (EDD_OPTS_CHECK(ctx, edd_mc_opts, o))
        return EDD_ERR_ARG;
    if (o->passes < 1 || o->passes > 10000 || o->rows < 1 || ds->n == 0)
        return edd_fail(ctx, EDD_ERR_ARG, "uncertainty: %d passes, %d rows, %zu examples: expected 1..10000 passes, rows >= 1 and data",
                        o->passes, o->rows, ds->n);
    if (o->first % edd_mc_chunk(o))
        return edd_fail(ctx, EDD_ERR_ARG, "uncertainty: first example %zu, expected a multiple of the chunk of %zu "
                        "examples (%s), so that the part's oneDNN calls are the whole call's", o->first,
                        edd_mc_chunk(o), o->shape == EDD_MC_THREADS ? "THREADS: rows" : "FOLDED: rows / passes");
    if (m->p_input <= 0 && m->p_hidden <= 0)
        return edd_fail(ctx, EDD_ERR_ARG, "uncertainty: the model has no dropout (rates %g, %g): every pass would agree",
                        m->p_input, m->p_hidden);
    edd_progress bar;
    edd_progress_start(&bar, "mc-dropout", ds->n, o->quiet);
    edd_status st = o->shape == EDD_MC_THREADS ? mc_threads(ctx, m, ds, o, sigma, logits, &bar)
                                               : mc_folded(ctx, m, ds, o, sigma, logits, &bar);
    edd_progress_end(&bar);
    return st;
}

void edd_soft_labels(const float *sigma, const uint8_t *y, size_t n, int n_real, float alpha, float *labels)
{
    int K = n_real + 1;
    float smax = 0.0f;
    for (size_t i = 0; i < n; i++)
        smax = sigma[i] > smax ? sigma[i] : smax;
    for (size_t i = 0; i < n; i++) {
        /* Eq. 2: k_l = 1 - alpha*s, k_n = alpha*s, s = sigma / max sigma. */
        float s = smax > 0.0f ? sigma[i] / smax : 0.0f;
        float *k = labels + i * (size_t)K;
        memset(k, 0, (size_t)K * sizeof(float));
        k[y[i]] = 1.0f - alpha * s;
        k[n_real] = alpha * s;
    }
}

void edd_soft_labels_temperature(const float *logits, size_t n, int k, float T, int hard, float *labels)
{
    double inv_t = 1.0 / (double)T;
    for (size_t i = 0; i < n; i++) {
        const float *z = logits + i * (size_t)k;
        float *p = labels + i * (size_t)k;
        int best = edd_argmax(z, k);
        if (hard) {
            memset(p, 0, (size_t)k * sizeof(float));
            p[best] = 1.0f;
            continue;
        }
        /* softmax(z/T), the max subtracted first, as the tempered loss forms it */
        double zm = (double)z[best] * inv_t, s = 0.0;
        for (int j = 0; j < k; j++)
            s += exp((double)z[j] * inv_t - zm);
        for (int j = 0; j < k; j++)
            p[j] = (float)(exp((double)z[j] * inv_t - zm) / s);
    }
}

void edd_distill_opts_init(edd_distill_opts *o, size_t size)
{
    edd_distill_opts def = {.method = EDD_DISTILL_EXTENDED, .alpha = 0.9f, .temperature = 100.0f};
    edd_mc_opts_default(&def.mc);
    edd_train_opts_default(&def.train);
    def.train.loss.penalty = EDD_PENALTY_HINGE;
    def.train.loss.gamma = 5e-4f;
    def.train.loss.kappa = 40.0f;
    def.train.loss.outlier = EDD_N_REAL;
    edd_opts_fill(o, size, &def, sizeof def);
}

/* TEMPERATURE: the teacher's logits without dropout, turned into labels in
 * place (softmax(z/T) or the argmax), and a fresh model of the teacher's K
 * trained on them at T without a penalty. */
static edd_status distill_temperature(edd_ctx *ctx, const edd_cnn *teacher, const edd_dataset *ds,
                                      const edd_distill_opts *o, edd_cnn *out, float *labels, edd_train_stats *stats)
{
    int K = teacher->k;
    float T = o->temperature;
    if (!(T > 0.0f && isfinite(T)))
        return edd_fail(ctx, EDD_ERR_ARG, "distill: temperature %g, expected a finite T > 0", T);
    float *lb = labels ? labels : malloc(ds->n * (size_t)K * sizeof(float));
    edd_status st = lb ? EDD_OK : edd_nomem(ctx, ds->n * (size_t)K * sizeof(float), "distill: %zu labels", ds->n);
    edd_eval_result r;
    if (!st)
        st = edd_evaluate(ctx, teacher, ds, o->train.batch, lb, &r);
    if (!st) {
        edd_soft_labels_temperature(lb, ds->n, K, T, o->hard_labels, lb);
        st = edd_cnn_init(ctx, out, K, teacher->p_input, teacher->p_hidden, o->train.seed);
    }
    if (!st) {
        edd_train_opts t = o->train;
        t.targets = lb;
        edd_loss_opts_default(&t.loss);
        t.loss.temperature = T;
        st = edd_train(ctx, out, ds, &t, stats);
    }
    if (!labels)
        free(lb);
    return st;
}

edd_status edd_distill(edd_ctx *ctx, const edd_cnn *teacher, const edd_dataset *ds, const edd_distill_opts *o,
                       edd_cnn *out, float *sigma, float *labels, edd_train_stats *stats)
{
    if (EDD_OPTS_CHECK(ctx, edd_distill_opts, o) || EDD_OPTS_CHECK(ctx, edd_mc_opts, &o->mc) ||
        EDD_OPTS_CHECK(ctx, edd_train_opts, &o->train))
        return EDD_ERR_ARG;
    if (o->method == EDD_DISTILL_TEMPERATURE)
        return distill_temperature(ctx, teacher, ds, o, out, labels, stats);
    if (o->method != EDD_DISTILL_EXTENDED)
        return edd_fail(ctx, EDD_ERR_ARG, "distill: method %d, expected EDD_DISTILL_EXTENDED or EDD_DISTILL_TEMPERATURE",
                        (int)o->method);
    int K = teacher->k + 1;
    if (!(o->alpha >= 0.0f && o->alpha <= 100.0f))
        return edd_fail(ctx, EDD_ERR_ARG, "distill: alpha %g, expected 0..100", o->alpha);
    float *sg = sigma ? sigma : malloc(ds->n * sizeof(float));
    float *lb = labels ? labels : malloc(ds->n * (size_t)K * sizeof(float));
    edd_status st = (!sg || !lb) ? edd_nomem(ctx, ds->n * (K + 1) * sizeof(float), "distill: %zu labels", ds->n)
                                 : EDD_OK;
    if (!st)
        st = edd_uncertainty(ctx, teacher, ds, &o->mc, sg, NULL);
    if (!st) {
        edd_soft_labels(sg, ds->y, ds->n, teacher->k, o->alpha, lb);
        st = edd_cnn_init(ctx, out, K, teacher->p_input, teacher->p_hidden, o->train.seed);
    }
    if (!st) {
        edd_train_opts t = o->train;
        t.targets = lb;
        t.loss.outlier = K - 1;
        st = edd_train(ctx, out, ds, &t, stats);
    }
    if (!sigma)
        free(sg);
    if (!labels)
        free(lb);
    return st;
}
