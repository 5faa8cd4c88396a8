/* scores.c - logits and predictions over an array of images, and the paper's
 * rates (docs/DESIGN.md section 8). */
#include "edd/eval.h"
#include "edd/internal/opts.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void edd_attack_goal_init(edd_attack_goal *o, size_t size)
{
    const edd_attack_goal def = {.target = NULL, .confidence = 0.0f};
    edd_opts_fill(o, size, &def, sizeof def);
}

edd_status edd_logits(edd_ctx *ctx, const edd_cnn *m, const float *x, size_t n, int batch, float *z)
{
    if (n == 0)
        return EDD_OK;
    /* edd_evaluate reads only x from the dataset (labels are zeros here) */
    edd_dataset ds = {.n = n, .c = EDD_IMG_C, .h = EDD_IMG_H, .w = EDD_IMG_W, .x = (float *)x};
    ds.y = calloc(n, 1);
    if (!ds.y)
        return edd_fail(ctx, EDD_ERR_NOMEM, "predict: out of memory for %zu images", n);
    edd_eval_result r;
    edd_status st = edd_evaluate(ctx, m, &ds, batch > 0 ? batch : 256, z, &r);
    free(ds.y);
    return st;
}

/* m's logits (n x K, malloc'd into *z) on the n images x, in batches of
 * batch, and their argmax into pred. */
static edd_status logits(edd_ctx *ctx, const edd_cnn *m, const float *x, size_t n, int batch, float **z, int *pred)
{
    *z = NULL;
    if (n == 0)
        return EDD_OK;
    *z = malloc(n * (size_t)m->k * sizeof(float));
    if (!*z)
        return edd_fail(ctx, EDD_ERR_NOMEM, "predict: out of memory for %zu images", n);
    edd_status st = edd_logits(ctx, m, x, n, batch, *z);
    for (size_t i = 0; !st && i < n; i++)
        pred[i] = edd_argmax(*z + i * (size_t)m->k, m->k);
    return st;
}

edd_status edd_predict(edd_ctx *ctx, const edd_cnn *m, const float *x, size_t n, int batch, int *pred)
{
    float *z;
    edd_status st = logits(ctx, m, x, n, batch, &z, pred);
    free(z);
    return st;
}

/* Did the attack reach its goal on the source, whose logits on image i's
 * adversarial example are z (K of them, argmax pred)? Targeted: the
 * argmax of z with goal->confidence taken off the target's logit (the
 * first one on ties, as edd_argmax) is the target. */
static int source_success(const float *z, int k, int pred, uint8_t y, const edd_attack_goal *goal, size_t i)
{
    if (!goal || !goal->target)
        return edd_misclassified(k, pred, y);
    const int t = goal->target[i];
    const float zt = z[t] - goal->confidence;
    int best = 0;
    float top = t == 0 ? zt : z[0];
    for (int j = 1; j < k; j++) {
        const float v = j == t ? zt : z[j];
        if (v > top) {
            best = j;
            top = v;
        }
    }
    return best == t;
}

edd_status edd_attack_eval(edd_ctx *ctx, const edd_cnn *src, const edd_cnn *tgt, const float *x, const uint8_t *y,
                           size_t n, const float *adv, const edd_attack_goal *goal, edd_attack_scores *s)
{
    memset(s, 0, sizeof *s);
    edd_status st = goal ? EDD_OPTS_CHECK(ctx, edd_attack_goal, goal) : EDD_OK;
    if (st)
        return st;
    for (size_t i = 0; goal && goal->target && i < n; i++)
        if (goal->target[i] >= src->k)
            return edd_fail(ctx, EDD_ERR_ARG, "attack eval: target %d of image %zu, expected < K = %d",
                            goal->target[i], i, src->k);
    int *pc = malloc(n * sizeof(int) + 1), *pa = malloc(n * sizeof(int) + 1), *ps = malloc(n * sizeof(int) + 1);
    uint8_t *ok = malloc(n + 1);
    float *zs = NULL, *za = NULL;
    st = !pc || !pa || !ps || !ok ? edd_fail(ctx, EDD_ERR_NOMEM, "attack eval: out of memory for %zu images", n)
                                  : EDD_OK;
    if (!st)
        st = edd_predict(ctx, tgt, x, n, 256, pc);
    if (!st)
        st = logits(ctx, tgt, adv, n, 256, &za, pa);
    if (!st && src != tgt)
        st = logits(ctx, src, adv, n, 256, &zs, ps);
    if (!st) {
        const float *z = src != tgt ? zs : za;
        const int *p = src != tgt ? ps : pa;
        for (size_t i = 0; i < n; i++)
            ok[i] = (uint8_t)source_success(z + i * (size_t)src->k, src->k, p[i], y[i], goal, i);
        edd_scores_compute(n, tgt->k, y, pc, pa, x, adv, ok, s);
    }
    free(pc);
    free(pa);
    free(ps);
    free(ok);
    free(zs);
    free(za);
    return st;
}

void edd_scores_compute(size_t n, int k, const uint8_t *y, const int *pred_clean, const int *pred_adv,
                        const float *x, const float *adv, const uint8_t *source_ok, edd_attack_scores *s)
{
    memset(s, 0, sizeof *s);
    s->n = n;
    s->k = k;
    if (n == 0)
        return;
    const int outlier = edd_outlier_class(k);
    size_t clean_ok = 0, clean_fp = 0, rec = 0, det = 0, mis = 0, src = 0;
    double l2sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        clean_ok += pred_clean[i] == y[i];
        clean_fp += pred_clean[i] == outlier;
        src += source_ok && source_ok[i] != 0;
        if (pred_adv[i] == y[i]) {
            rec++;
        } else if (!edd_misclassified(k, pred_adv[i], y[i])) {
            det++;
        } else {
            mis++;
            double d2 = 0.0;
            for (size_t j = 0; j < EDD_IMG_SIZE; j++) {
                double d = (double)adv[i * EDD_IMG_SIZE + j] - x[i * EDD_IMG_SIZE + j];
                d2 += d * d;
            }
            l2sum += sqrt(d2);
        }
    }
    double dn = (double)n;
    s->clean_accuracy = clean_ok / dn;
    s->clean_false_positives = clean_fp / dn;
    s->recovered = rec / dn;
    s->detected = det / dn;
    s->misclassified = mis / dn;
    s->n_misclassified = mis;
    s->mean_l2 = mis ? l2sum / (double)mis : 0.0;
    s->source_success = src / dn;
}
