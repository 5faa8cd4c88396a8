/* scores.c - predictions and the paper's rates (docs/DESIGN.md section 8). */
#include "edd/eval.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

edd_status edd_predict(edd_ctx *ctx, const edd_cnn *m, const float *x, size_t n, int batch, int *pred)
{
    if (n == 0)
        return EDD_OK;
    /* edd_evaluate reads only x from the dataset (labels are zeros here) */
    edd_dataset ds = {.n = n, .c = EDD_IMG_C, .h = EDD_IMG_H, .w = EDD_IMG_W, .x = (float *)x};
    ds.y = calloc(n, 1);
    float *z = malloc(n * (size_t)m->k * sizeof(float));
    if (!ds.y || !z) {
        free(ds.y);
        free(z);
        return edd_fail(ctx, EDD_ERR_NOMEM, "predict: out of memory for %zu images", n);
    }
    edd_eval_result r;
    edd_status st = edd_evaluate(ctx, m, &ds, batch, z, &r);
    for (size_t i = 0; !st && i < n; i++)
        pred[i] = edd_argmax(z + i * (size_t)m->k, m->k);
    free(ds.y);
    free(z);
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
    int outlier = k == 11 ? 10 : -1;
    size_t clean_ok = 0, clean_fp = 0, rec = 0, det = 0, mis = 0, src = 0;
    double l2sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        clean_ok += pred_clean[i] == y[i];
        clean_fp += pred_clean[i] == outlier;
        src += source_ok && source_ok[i] != 0;
        if (pred_adv[i] == y[i]) {
            rec++;
        } else if (pred_adv[i] == outlier) {
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
