/* edd/eval.h - the paper's rates for one attack run (docs/DESIGN.md section 8).
 *
 * Owns: edd_attack_scores and the rules that turn predictions into rates:
 *   clean inputs:       accuracy, false positives (outlier predicted, K = 11 only);
 *   adversarial inputs: recovered (pred == true label), detected (pred ==
 *                       the outlier class, K = 11 only), misclassified
 *                       (otherwise), and the mean L2 norm of adv - x over
 *                       the misclassified images;
 *   the attack itself:  its success on the source model, one rule for
 *                       every attack and caller (edd_attack_eval,
 *                       docs/ATTACKS.md "One scoring rule").
 * Every rate is over ALL attacked images, including those the target model
 * already got wrong when clean (cleverhans-style papers attack every test
 * image); the clean accuracy is reported beside so the reader can tell.
 * May call: core, data, nn (edd_argmax, edd_outlier_class), train (edd_evaluate). */
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

/* What the attack tried to do, for its success on the source model. */
typedef struct {
    size_t size;           /* sizeof the struct: set by edd_attack_goal_default */
    const uint8_t *target; /* NULL: untargeted (FGM, PGD); else the class of each image (JSMA, CW) */
    float confidence;      /* targeted: the margin the target's logit must keep (CW's confidence; 0 for JSMA) */
} edd_attack_goal;

/* Fill o (size bytes: call edd_attack_goal_default(o), which passes sizeof *o) with the defaults and set
 * o->size = size: untargeted (target NULL), confidence 0. */
EDD_API void edd_attack_goal_init(edd_attack_goal *o, size_t size);
#define edd_attack_goal_default(o) edd_attack_goal_init((o), sizeof *(o))

/* The one scoring rule (docs/ATTACKS.md): run tgt on x and on adv, and src
 * on adv (the same pass when src == tgt), and score with
 * edd_scores_compute. The attack succeeded on its source when
 *   untargeted: src predicts a real class other than y (on a K = 11 source
 *               the outlier class is a detection, not a success);
 *   targeted:   the argmax of src's logits, after goal->confidence is
 *               taken from the target's, is the target (cleverhans' CW
 *               test; for confidence 0, src predicts the target).
 * Every caller (edd attack, edd reproduce) scores through here, so their
 * numbers agree. x and adv are n x 784; s->seconds is left 0. */
EDD_API edd_status edd_attack_eval(edd_ctx *ctx, const edd_cnn *src, const edd_cnn *tgt, const float *x,
                                   const uint8_t *y, size_t n, const float *adv, const edd_attack_goal *goal,
                                   edd_attack_scores *s);

/* 1 when a prediction pred of a K-output model on an image labelled y is a
 * misclassification: a real class other than y. On a K = 11 model the
 * outlier class (edd_outlier_class) is a detection, not a misclassification. */
static inline int edd_misclassified(int k, int pred, int y)
{
    return pred != y && pred != edd_outlier_class(k);
}

/* argmax over all K outputs of m (no dropout) for n images x (n x 784),
 * in batches of `batch`; writes pred (n ints). */
EDD_API edd_status edd_predict(edd_ctx *ctx, const edd_cnn *m, const float *x, size_t n, int batch, int *pred);

/* m's logits (no dropout) on n images x (n x 784), in batches of batch
 * (<= 0: 256), into z (n x K floats): the pass edd_attack_eval scores
 * with. */
EDD_API edd_status edd_logits(edd_ctx *ctx, const edd_cnn *m, const float *x, size_t n, int batch, float *z);

/* Rates from predictions (pure). y: true labels; pred_clean / pred_adv: the
 * target model's argmax on x and on adv (n x 784 each); source_ok[i] = 1
 * where the attack succeeded on its source (NULL: source_success is 0).
 * k is the target's K: its outlier class is edd_outlier_class(k) (index 10
 * when k == 11, none otherwise). seconds is left 0. */
EDD_API void edd_scores_compute(size_t n, int k, const uint8_t *y, const int *pred_clean, const int *pred_adv,
                                const float *x, const float *adv, const uint8_t *source_ok, edd_attack_scores *s);

#endif
