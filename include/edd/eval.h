/* edd/eval.h - the paper's rates for one attack run (docs/DESIGN.md section 8).
 *
 * Owns: edd_attack_scores and the rules that turn predictions into rates:
 *   clean inputs:       accuracy, false positives (outlier predicted, K = 11 only);
 *   adversarial inputs: recovered (pred == true label), detected (pred ==
 *                       the outlier class, K = 11 only), misclassified
 *                       (otherwise), and the mean L2 norm of adv - x over
 *                       the misclassified images;
 *   the attack itself:  its success on the source model (FGM: the source
 *                       misclassifies; JSMA and CW: the source predicts
 *                       the target).
 * Every rate is over ALL attacked images, including those the target model
 * already got wrong when clean (cleverhans-style papers attack every test
 * image); the clean accuracy is reported beside so the reader can tell.
 * May call: core, data, nn, train (edd_evaluate, edd_argmax). */
#ifndef EDD_EVAL_H
#define EDD_EVAL_H

#include "edd/train.h"

typedef struct {
    size_t n;                     /* attacked images */
    int k;                        /* outputs of the target model */
    double clean_accuracy;        /* target model on the clean images */
    double clean_false_positives; /* outlier predicted on clean images (0 unless K = 11) */
    double recovered, detected, misclassified; /* on the adversarial images; they sum to 1 */
    size_t n_misclassified;
    double mean_l2;               /* mean ||adv - x||_2 over the misclassified ones; 0 if none */
    double source_success;        /* the attack's own success rate on its source model */
    double seconds;               /* the attack's wall time (set by the caller) */
} edd_attack_scores;

/* argmax over all K outputs of m (no dropout) for n images x (n x 784),
 * in batches of `batch`; writes pred (n ints). */
edd_status edd_predict(edd_ctx *ctx, const edd_cnn *m, const float *x, size_t n, int batch, int *pred);

/* Rates from predictions (pure). y: true labels; pred_clean / pred_adv: the
 * target model's argmax on x and on adv (n x 784 each); source_ok[i] = 1
 * where the attack succeeded on its source (NULL: source_success is 0).
 * k is the target's K: the outlier class is index 10 when k == 11, and
 * there is none otherwise. seconds is left 0. */
void edd_scores_compute(size_t n, int k, const uint8_t *y, const int *pred_clean, const int *pred_adv,
                        const float *x, const float *adv, const uint8_t *source_ok, edd_attack_scores *s);

#endif
