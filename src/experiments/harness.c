/* harness.c - what every stage uses: the data (loaded once per run), the
 * models in the results folder, training from scratch or from sigma, and
 * the attack-and-score step that makes one point of a figure. */
#include "edd/advtrain.h"
#include "edd/attacks.h"
#include "edd/cw.h"
#include "edd/defense.h"
#include "edd/progress.h"
#include "repro.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

edd_status repro_need_data(repro *r, int train)
{
    if (train ? r->have_train : r->have_test)
        return EDD_OK;
    edd_status st = edd_dataset_load(r->ctx, r->o->data_dir, train, train ? r->sc->train_n : r->sc->test_n,
                                     train ? &r->train : &r->test);
    if (!st)
        *(train ? &r->have_train : &r->have_test) = 1;
    return st;
}

edd_status repro_load_model(repro *r, const char *stem, edd_cnn *m)
{
    char rel[256], path[EDD_PATH_MAX];
    snprintf(rel, sizeof rel, "models/%s.edd", stem);
    edd_status st = repro_path(r, rel, path);
    return st ? st : edd_cnn_load(r->ctx, m, path);
}

edd_status repro_save_model(repro *r, const char *stem, const edd_cnn *m, uint64_t seed, size_t train_n, int epochs)
{
    char rel[256], path[EDD_PATH_MAX];
    edd_eval_result ev;
    snprintf(rel, sizeof rel, "models/%s.edd", stem);
    edd_status st = repro_path(r, rel, path);
    if (!st)
        st = edd_cnn_save(r->ctx, m, path);
    if (!st)
        st = repro_output(r, rel);
    if (!st)
        st = repro_need_data(r, 0);
    if (!st)
        st = edd_evaluate(r->ctx, m, &r->test, 256, NULL, &ev);
    if (st)
        return st;
    const int usable = edd_adv_usable(ev.accuracy, 10); /* at chance: the training collapsed */
    edd_buf json = {0};
    edd_buf_printf(&json,
                   "{\"model\":\"%s\",\"k\":%d,\"seed\":%llu,\"train_images\":%zu,\"epochs\":%d,"
                   "\"test_images\":%zu,\"accuracy\":%.6f,\"false_positives\":%.6f,\"usable\":%s}\n",
                   stem, m->k, (unsigned long long)repro_seed(r, seed), train_n, epochs, ev.n, ev.accuracy, ev.false_positives,
                   usable ? "true" : "false");
    snprintf(rel, sizeof rel, "models/%s.json", stem);
    if (!r->o->quiet)
        fprintf(stderr, "reproduce: %s: test accuracy %.4f, false positives %.4f\n", stem, ev.accuracy,
                ev.false_positives);
    if (!usable)
        fprintf(stderr, "reproduce: warning: %s is unusable: test accuracy %.2f%% is at chance (at most %.0f%%), "
                "expected well above it (models/%s.json says \"usable\":false)\n", stem, 100.0 * ev.accuracy,
                100.0 * EDD_USABLE_FACTOR / 10, stem);
    st = repro_write_text(r, rel, &json);
    edd_buf_free(&json);
    return st;
}

/* An undefended K=10 model (cleverhans model_mnist, dropout on) trained on
 * the training images. */
edd_status repro_train_plain(repro *r, uint64_t base, edd_cnn *m)
{
    const uint64_t seed = repro_seed(r, base);
    edd_status st = repro_need_data(r, 1);
    if (!st)
        st = edd_cnn_init(r->ctx, m, 10, REPRO_P_INPUT, REPRO_P_HIDDEN, seed);
    edd_train_opts t;
    edd_train_opts_default(&t);
    t.epochs = r->sc->epochs;
    t.seed = seed;
    t.quiet = r->o->quiet;
    return st ? st : edd_train(r->ctx, m, &r->train, &t, NULL);
}

/* The distilled model (K=11) on the first n training images, labelled by
 * Eq. 2 from the teacher's sigma (n floats) and trained with the Eq. 3
 * penalty of pen (NULL: edd_distill's): edd_distill without the uncertainty
 * passes. */
edd_status repro_distill_from_sigma(repro *r, const float *sigma, size_t n, float alpha, int epochs, uint64_t base,
                                    const repro_ablation_model *pen, edd_cnn *out)
{
    const uint64_t seed = repro_seed(r, base);
    edd_distill_opts d;
    edd_distill_opts_default(&d);
    edd_dataset view = r->train;
    view.n = n;
    float *labels = malloc(n * 11 * sizeof(float));
    if (!labels)
        return edd_fail(r->ctx, EDD_ERR_NOMEM, "distill: out of memory for %zu labels", n);
    edd_soft_labels(sigma, view.y, n, 10, alpha, labels);
    edd_status st = edd_cnn_init(r->ctx, out, 11, REPRO_P_INPUT, REPRO_P_HIDDEN, seed);
    edd_train_opts t = d.train;
    t.epochs = epochs;
    t.seed = seed;
    t.targets = labels;
    t.loss.outlier = edd_outlier_class(out->k);
    if (pen) {
        t.loss.penalty = pen->penalty;
        t.loss.kappa = pen->kappa;
    }
    t.quiet = r->o->quiet;
    if (!st)
        st = edd_train(r->ctx, out, &view, &t, NULL);
    free(labels);
    return st;
}

/* Attack the first n test images on src (adaptive: the attacker who knows
 * the defense: FGM's loss over the real classes only, and JSMA with the
 * exact one-gradient saliency instead of cleverhans' float32 Jacobian,
 * which saturation on the distilled model turns into noise: docs/ATTACKS.md;
 * budget: CW with Adam and the larger budget of the scale) and score the
 * adversarial examples on tgt. */
edd_status repro_attack(repro *r, att_kind a, float value, repro_variant v, const edd_cnn *src, const edd_cnn *tgt,
                        size_t n, edd_attack_scores *s)
{
    return repro_attack_keep(r, a, value, v, src, tgt, n, s, NULL, 0);
}

edd_status repro_attack_keep(repro *r, att_kind a, float value, repro_variant v, const edd_cnn *src,
                             const edd_cnn *tgt, size_t n, edd_attack_scores *s, float *keep, size_t nkeep)
{
    edd_ctx *ctx = r->ctx;
    const int adaptive = v == VAR_ADAPTIVE;
    edd_status st = repro_need_data(r, 0);
    if (st)
        return st;
    if (n > r->test.n)
        n = r->test.n;
    const float *x = r->test.x;
    const uint8_t *y = r->test.y;
    float *adv = malloc(n * EDD_IMG_SIZE * sizeof(float) + 1);
    uint8_t *ok = malloc(n + 1), *target = malloc(n + 1);
    if (!adv || !ok || !target)
        st = edd_fail(ctx, EDD_ERR_NOMEM, "attack: out of memory for %zu images", n);
    edd_attack_goal goal;
    edd_attack_goal_default(&goal);
    goal.target = a == ATT_FGM ? NULL : target;
    goal.confidence = a == ATT_CW ? value : 0.0f;
    double t0 = edd_now();
    if (!st && a == ATT_FGM) {
        edd_fgm_opts o;
        edd_fgm_opts_default(&o);
        o.eps = value;
        o.loss = adaptive ? EDD_LOSS_REAL : EDD_LOSS_ALL;
        st = edd_fgm(ctx, src, x, y, n, &o, adv);
    } else if (!st && a == ATT_JSMA) {
        edd_jsma_opts o;
        edd_jsma_opts_default(&o);
        o.gamma = value;
        o.jacobian = adaptive ? EDD_JSMA_PROBS : EDD_JSMA_PROBS_FULL;
        o.quiet = 1;
        edd_attack_targets(repro_seed(r, SEED_TARGETS), y, n, 0, EDD_N_REAL, target);
        st = edd_jsma(ctx, src, x, target, n, &o, adv, ok, NULL);
    } else if (!st) {
        edd_cw_opts o;
        edd_cw_opts_default(&o);
        o.confidence = value;
        o.max_iterations = v == VAR_BUDGET ? r->sc->cw_big_iterations : r->sc->cw_iterations;
        o.binary_search_steps = v == VAR_BUDGET ? r->sc->cw_big_bsearch : r->sc->cw_bsearch;
        if (v == VAR_BUDGET) {
            o.optimizer = EDD_CW_ADAM;
            o.learning_rate = REPRO_CW_BUDGET_LR;
        }
        o.quiet = 1;
        edd_attack_targets(repro_seed(r, SEED_TARGETS), y, n, 0, EDD_N_REAL, target);
        st = edd_cw_l2(ctx, src, x, target, n, &o, adv, ok);
    }
    double secs = edd_now() - t0;
    if (!st)
        st = edd_attack_eval(ctx, src, tgt, x, y, n, adv, &goal, s);
    if (!st && keep)
        memcpy(keep, adv, (n < nkeep ? n : nkeep) * EDD_IMG_SIZE * sizeof(float));
    if (!st) {
        s->seconds = secs;
        if (!r->o->quiet)
            fprintf(stderr, "reproduce:   %s %s=%g (%s) on %zu: recovered %.3f detected %.3f misclassified %.3f (%.1f s)\n",
                    repro_att_names[a], repro_att_settings[a], value, repro_variant_names[v], n, s->recovered, s->detected,
                    s->misclassified, s->seconds);
    }
    free(adv);
    free(ok);
    free(target);
    return st;
}

static const char *const grad_loss_names[3] = {"all", "real", "margin"};

edd_status repro_grad_attack(repro *r, const edd_cnn *m, int pgd, edd_attack_loss loss, float eps, size_t n,
                             edd_attack_scores *s)
{
    edd_status st = repro_need_data(r, 0);
    if (st)
        return st;
    if (n > r->test.n)
        n = r->test.n;
    float *adv = malloc(n * EDD_IMG_SIZE * sizeof(float) + 1);
    if (!adv)
        return edd_fail(r->ctx, EDD_ERR_NOMEM, "%s: out of memory for %zu images", pgd ? "pgd" : "fgm", n);
    double t0 = edd_now();
    if (pgd) {
        edd_pgd_opts o;
        edd_pgd_opts_default(&o);
        o.eps = eps;
        o.steps = r->sc->pgd_steps;
        o.restarts = r->sc->pgd_restarts;
        o.loss = loss;
        o.seed = repro_seed(r, SEED_PGD);
        o.quiet = 1;
        o.early_stop = 1;
        st = edd_pgd(r->ctx, m, r->test.x, r->test.y, n, &o, adv);
    } else {
        edd_fgm_opts o;
        edd_fgm_opts_default(&o);
        o.eps = eps;
        o.loss = loss;
        st = edd_fgm(r->ctx, m, r->test.x, r->test.y, n, &o, adv);
    }
    double secs = edd_now() - t0;
    edd_attack_goal goal;
    edd_attack_goal_default(&goal);
    if (!st)
        st = edd_attack_eval(r->ctx, m, m, r->test.x, r->test.y, n, adv, &goal, s);
    if (!st) {
        s->seconds = secs;
        if (!r->o->quiet)
            fprintf(stderr, "reproduce:   %s-%s eps=%g on %zu: recovered %.3f detected %.3f misclassified %.3f "
                    "(%.1f s)\n", pgd ? "pgd" : "fgm", grad_loss_names[loss], (double)eps, n, s->recovered,
                    s->detected, s->misclassified, secs);
    }
    free(adv);
    return st;
}

void repro_fill_row(repro_row *w, const char *fig, const char *src, const char *tgt, att_kind a, const char *setting,
                    double value, repro_variant v, const edd_attack_scores *s)
{
    memset(w, 0, sizeof *w);
    snprintf(w->figure, sizeof w->figure, "%s", fig);
    snprintf(w->source, sizeof w->source, "%s", src);
    snprintf(w->target, sizeof w->target, "%s", tgt);
    snprintf(w->attack, sizeof w->attack, "%s", repro_att_names[a]);
    snprintf(w->setting, sizeof w->setting, "%s", setting);
    snprintf(w->variant, sizeof w->variant, "%s", repro_variant_names[v]);
    w->value = value;
    w->n = s->n;
    w->recovered = s->recovered;
    w->detected = s->detected;
    w->misclassified = s->misclassified;
    w->mean_l2 = s->mean_l2;
    w->source_success = s->source_success;
    w->clean_accuracy = s->clean_accuracy;
    w->false_positives = s->clean_false_positives;
}
