/* train.c - the epoch loop and evaluation. */
#include "edd/train.h"
#include "edd/progress.h"

#include <stdlib.h>
#include <string.h>

#define TRAIN_DROPOUT_STREAM 0x7A1000u /* dropout streams of training: this + epoch */

edd_train_opts edd_train_defaults(void)
{
    edd_train_opts o = {.epochs = 10, .batch = 128, .seed = 1, .dropout = 1,
                        .opt = edd_optim_defaults(EDD_OPT_ADAM), .loss = {.outlier = -1}};
    return o;
}

int edd_argmax(const float *z, int k)
{
    int best = 0;
    for (int j = 1; j < k; j++)
        if (z[j] > z[best])
            best = j;
    return best;
}

/* Plans for full batches of b and for the last partial batch of n % b. */
static edd_status plans_make(edd_ctx *ctx, const edd_cnn *m, size_t n, int b, int kind, edd_plan *pl[2])
{
    pl[0] = pl[1] = NULL;
    size_t rest = n % (size_t)b;
    edd_status st = EDD_OK;
    if (n >= (size_t)b)
        st = edd_plan_create(ctx, m, b, kind, 0, &pl[0]);
    if (!st && rest)
        st = edd_plan_create(ctx, m, (int)rest, kind, 0, &pl[1]);
    return st;
}

edd_status edd_train(edd_ctx *ctx, edd_cnn *m, const edd_dataset *ds, const edd_train_opts *o, edd_train_stats *stats)
{
    int K = m->k, B = o->batch;
    size_t n = ds->n;
    if (B <= 0 || o->epochs < 0 || n == 0)
        return edd_fail(ctx, EDD_ERR_ARG, "train: batch %d, epochs %d, %zu examples: expected batch > 0, epochs >= 0 and data",
                        B, o->epochs, n);
    for (size_t i = 0; !o->targets && i < n; i++)
        if (ds->y[i] >= K)
            return edd_fail(ctx, EDD_ERR_ARG, "train: label %d of example %zu, expected < K=%d", ds->y[i], i, K);
    edd_plan *pl[2];
    edd_optim opt = o->opt;
    edd_status st = plans_make(ctx, m, n, B, EDD_PLAN_TRAIN, pl);
    float *grad = malloc(m->nparams * sizeof(float));
    float *xb = malloc((size_t)B * EDD_IMG_SIZE * sizeof(float));
    float *tb = malloc((size_t)B * K * sizeof(float)), *z = malloc((size_t)B * K * sizeof(float));
    float *dz = malloc((size_t)B * K * sizeof(float));
    uint8_t *lb = malloc((size_t)B);
    uint64_t *idx = malloc((size_t)B * sizeof(uint64_t));
    uint32_t *perm = malloc(n * sizeof(uint32_t));
    if (!st && (!grad || !xb || !tb || !z || !dz || !lb || !idx || !perm))
        st = edd_fail(ctx, EDD_ERR_NOMEM, "train: out of memory for batch %d", B);
    if (!st)
        st = edd_optim_init(ctx, &opt, m->nparams);
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
            edd_plan *p = b == B ? pl[0] : pl[1];
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
            edd_dropout dr = {.on = o->dropout, .seed = o->seed, .stream = TRAIN_DROPOUT_STREAM + (uint64_t)e, .idx = idx};
            if ((st = edd_plan_forward(ctx, p, m, xb, &dr, z)))
                break;
            double l = edd_loss_xent(z, tb, lb, b, K, &o->loss, dz);
            lsum += l * b;
            if ((st = edd_plan_backward(ctx, p, m, dz, grad, NULL)))
                break;
            edd_optim_step(&opt, m->params, grad);
            m->version++;
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
    edd_optim_free(&opt);
    edd_plan_free(pl[0]);
    edd_plan_free(pl[1]);
    free(grad); free(xb); free(tb); free(z); free(dz); free(lb); free(idx); free(perm);
    return st;
}

edd_status edd_evaluate(edd_ctx *ctx, const edd_cnn *m, const edd_dataset *ds, int batch, float *logits, edd_eval_result *res)
{
    int K = m->k;
    size_t n = ds->n;
    memset(res, 0, sizeof *res);
    if (batch <= 0 || n == 0)
        return edd_fail(ctx, EDD_ERR_ARG, "evaluate: batch %d over %zu examples, expected batch > 0 and data", batch, n);
    edd_plan *pl[2];
    edd_status st = plans_make(ctx, m, n, batch, EDD_PLAN_INFER, pl);
    float *z = logits ? NULL : malloc((size_t)batch * K * sizeof(float));
    if (!st && !logits && !z)
        st = edd_fail(ctx, EDD_ERR_NOMEM, "evaluate: out of memory");
    size_t correct = 0, outliers = 0;
    for (size_t s = 0; !st && s < n; s += (size_t)batch) {
        int b = (int)(n - s < (size_t)batch ? n - s : (size_t)batch);
        float *zb = logits ? logits + s * (size_t)K : z;
        if ((st = edd_plan_forward(ctx, b == batch ? pl[0] : pl[1], m, ds->x + s * EDD_IMG_SIZE, NULL, zb)))
            break;
        for (int i = 0; i < b; i++) {
            int pred = edd_argmax(zb + (size_t)i * K, K);
            correct += pred == ds->y[s + (size_t)i];
            outliers += K == 11 && pred == 10;
        }
    }
    res->n = n;
    res->accuracy = (double)correct / (double)n;
    res->false_positives = (double)outliers / (double)n;
    edd_plan_free(pl[0]);
    edd_plan_free(pl[1]);
    free(z);
    return st;
}
