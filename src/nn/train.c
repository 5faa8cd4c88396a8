/* train.c - the epoch loop and evaluation. */
#include "edd/train.h"
#include "edd/progress.h"
#include "edd/internal/workspace.h"
#include "edd/internal/opts.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TRAIN_DROPOUT_STREAM 0x7A1000u /* dropout streams of training: this + epoch */

void edd_train_opts_init(edd_train_opts *o, size_t size)
{
    edd_train_opts def = {.epochs = 10, .batch = 128, .seed = 1, .dropout = 1};
    edd_optim_default(&def.opt, EDD_OPT_ADAM);
    edd_loss_opts_default(&def.loss);
    edd_opts_fill(o, size, &def, sizeof def);
}

/* edd_train's arguments: the sizes of o, its opt and its loss; a batch, epochs and data; a temperature the loss
 * takes; labels below K unless the targets are given. */
static edd_status train_check(edd_ctx *ctx, const edd_cnn *m, const edd_dataset *ds, const edd_train_opts *o)
{
    if (EDD_OPTS_CHECK(ctx, edd_train_opts, o) || EDD_OPTS_CHECK(ctx, edd_optim, &o->opt) ||
        EDD_OPTS_CHECK(ctx, edd_loss_opts, &o->loss))
        return EDD_ERR_ARG;
    int K = m->k, B = o->batch;
    size_t n = ds->n;
    if (B <= 0 || o->epochs < 0 || n == 0)
        return edd_fail(ctx, EDD_ERR_ARG, "train: batch %d, epochs %d, %zu examples: expected batch > 0, epochs >= 0 and data",
                        B, o->epochs, n);
    float T = o->loss.temperature;
    if (!(T == 0.0f || (T > 0.0f && isfinite(T))))
        return edd_fail(ctx, EDD_ERR_ARG, "train: temperature %g, expected a finite T > 0", T);
    if (o->loss.penalty != EDD_PENALTY_NONE && T != 0.0f && T != 1.0f)
        return edd_fail(ctx, EDD_ERR_ARG, "train: the Eq. 3 penalty at temperature %g, expected T = 1 with a penalty, "
                        "or penalty none at T != 1 (Eq. 3 is stated at T = 1)", T);
    for (size_t i = 0; !o->targets && i < n; i++)
        if (ds->y[i] >= K)
            return edd_fail(ctx, EDD_ERR_ARG, "train: label %d of example %zu, expected < K=%d", ds->y[i], i, K);
    return EDD_OK;
}

edd_status edd_train(edd_ctx *ctx, edd_cnn *m, const edd_dataset *ds, const edd_train_opts *o, edd_train_stats *stats)
{
    int K = m->k, B = o->batch;
    size_t n = ds->n;
    edd_status st = train_check(ctx, m, ds, o);
    if (st)
        return st;
    edd_plan_cache plans; /* full batches of B and the last, partial one */
    edd_plan_cache_init(&plans, EDD_PLAN_TRAIN, 0, 0);
    float *xb, *tb, *z, *dz;
    uint8_t *lb;
    uint64_t *idx;
    uint32_t *perm;
    edd_ws_entry ws[] = {EDD_WS(xb, (size_t)B * EDD_IMG_SIZE), EDD_WS(tb, (size_t)B * K),
                         EDD_WS(z, (size_t)B * K), EDD_WS(dz, (size_t)B * K), EDD_WS(lb, B),
                         EDD_WS(idx, B), EDD_WS(perm, n)};
    void *mem = edd_workspace_alloc(ws, EDD_WS_COUNT(ws));
    edd_trainer *tr = NULL; /* the parameters in the plans' layouts (trainer.c); m's again at the end */
    st = mem ? edd_trainer_create(ctx, m, &o->opt, &tr)
             : edd_fail(ctx, EDD_ERR_NOMEM, "train: out of memory for batch %d over %zu examples", B, n);
    double t0 = edd_now(), loss_epoch = 0.0;
    char label[64], extra[64];
    for (int e = 0; !st && e < o->epochs; e++) {
        edd_rng_permutation(o->seed, (uint64_t)e, perm, n);
        snprintf(label, sizeof label, "epoch %d/%d", e + 1, o->epochs);
        edd_progress bar;
        edd_progress_start(&bar, label, n, o->quiet);
        double te = edd_now(), lsum = 0.0;
        for (size_t s = 0; !st && s < n; s += (size_t)B) {
            int b = (int)(n - s < (size_t)B ? n - s : (size_t)B);
            edd_plan *p;
            if ((st = edd_plan_cache_get(ctx, &plans, m, b, &p)))
                break;
            for (int i = 0; i < b; i++) {
                size_t ex = perm[s + (size_t)i];
                idx[i] = ex;
                lb[i] = ds->y[ex];
                memcpy(xb + (size_t)i * EDD_IMG_SIZE, ds->x + ex * EDD_IMG_SIZE, EDD_IMG_SIZE * sizeof(float));
                if (o->targets) {
                    memcpy(tb + (size_t)i * K, o->targets + ex * (size_t)K, (size_t)K * sizeof(float));
                } else {
                    memset(tb + (size_t)i * K, 0, (size_t)K * sizeof(float));
                    tb[(size_t)i * K + ds->y[ex]] = 1.0f;
                }
            }
            if (o->on_batch) { /* the hook sees the weights of every step so far */
                edd_train_batch bt = {.x = xb, .y = lb, .idx = idx, .b = b, .epoch = e, .batch = s / (size_t)B};
                if ((st = edd_trainer_sync(ctx, tr)) || (st = o->on_batch(ctx, o->on_batch_user, m, &bt)))
                    break;
            }
            edd_dropout dr = {.on = o->dropout, .seed = o->seed, .stream = TRAIN_DROPOUT_STREAM + (uint64_t)e, .idx = idx};
            if ((st = edd_trainer_forward(ctx, tr, p, xb, &dr, z)))
                break;
            double l = edd_loss_xent(z, tb, lb, b, K, &o->loss, dz);
            lsum += l * b;
            if ((st = edd_trainer_step(ctx, tr, p, dz)))
                break;
            snprintf(extra, sizeof extra, "loss %.4f", lsum / (double)(s + (size_t)b));
            edd_progress_update(&bar, s + (size_t)b, extra);
        }
        edd_progress_end(&bar);
        loss_epoch = lsum / (double)n;
        double dt = edd_now() - te;
        if (!st && !o->quiet)
            fprintf(stderr, "epoch %d/%d loss %.4f %.0f img/s %.1fs\n", e + 1, o->epochs, loss_epoch, (double)n / dt, dt);
    }
    if (stats) {
        stats->loss = loss_epoch;
        stats->seconds = edd_now() - t0;
        stats->images_per_s = stats->seconds > 0 ? (double)n * o->epochs / stats->seconds : 0.0;
    }
    edd_status synced = tr ? edd_trainer_sync(ctx, tr) : EDD_OK; /* m holds every step taken, error or not */
    edd_trainer_free(tr);
    edd_plan_cache_release(&plans);
    free(mem);
    return st ? st : synced;
}

edd_status edd_evaluate(edd_ctx *ctx, const edd_cnn *m, const edd_dataset *ds, int batch, float *logits, edd_eval_result *res)
{
    int K = m->k;
    size_t n = ds->n;
    memset(res, 0, sizeof *res);
    if (batch <= 0 || n == 0)
        return edd_fail(ctx, EDD_ERR_ARG, "evaluate: batch %d over %zu examples, expected batch > 0 and data", batch, n);
    edd_plan_cache plans; /* full batches and the last, partial one */
    edd_plan_cache_init(&plans, EDD_PLAN_INFER, 0, 0);
    float *z = logits ? NULL : malloc((size_t)batch * K * sizeof(float));
    edd_status st = !logits && !z ? edd_fail(ctx, EDD_ERR_NOMEM, "evaluate: out of memory for batch %d", batch) : EDD_OK;
    size_t correct = 0, outliers = 0;
    for (size_t s = 0; !st && s < n; s += (size_t)batch) {
        int b = (int)(n - s < (size_t)batch ? n - s : (size_t)batch);
        float *zb = logits ? logits + s * (size_t)K : z;
        edd_plan *p;
        if ((st = edd_plan_cache_get(ctx, &plans, m, b, &p)) ||
            (st = edd_plan_forward(ctx, p, m, ds->x + s * EDD_IMG_SIZE, NULL, zb)))
            break;
        for (int i = 0; i < b; i++) {
            int pred = edd_argmax(zb + (size_t)i * K, K);
            correct += pred == ds->y[s + (size_t)i];
            outliers += pred == edd_outlier_class(K);
        }
    }
    res->n = n;
    res->accuracy = (double)correct / (double)n;
    res->false_positives = (double)outliers / (double)n;
    edd_plan_cache_release(&plans);
    free(z);
    return st;
}
