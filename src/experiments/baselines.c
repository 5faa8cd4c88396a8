/* baselines.c - the defenses side by side (issue 13): the undefended
 * model, temperature distillation (2016), extended distillation (the
 * paper), adversarial training, and adversarial training with extended
 * distillation, each under the paper's attacks and under the strongest
 * adaptive attack edd has, PGD with the detector-aware margin loss; and the
 * Eq. 3 ablation's distilled models under the attacks that tell gradient
 * masking apart from robustness.
 *
 * Both stages write one CSV of REPRO_BASE_HEADER rows: per model a "clean"
 * row (the clean test images), then one row per attack and setting, scored
 * by edd_attack_eval (the one scoring rule, docs/ATTACKS.md) with the 95%
 * Wilson interval of the misclassified rate. The attack column:
 *   fgm-all     FGM, ord inf, cross-entropy over all K outputs (the paper's)
 *   fgm-real    FGM over the 10 real classes (the adaptive loss)
 *   jsma        JSMA with cleverhans' float32 Jacobian (the paper's)
 *   jsma-exact  JSMA with the exact one-gradient saliency
 *   cw          CW-L2, AdaDelta, the scale's paper budget, targeted
 *   pgd-margin  white-box PGD with the margin loss, early stop */
#include "repro.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One attack of a suite: how it runs (kind < 0: PGD with the margin loss)
 * and its CSV name. */
typedef struct {
    const char *name;
    int kind; /* an att_kind, or -1 for PGD */
    repro_variant variant;
} base_attack;

static const base_attack base_suite[] = {
    {"fgm-all", ATT_FGM, VAR_PAPER},
    {"fgm-real", ATT_FGM, VAR_ADAPTIVE},
    {"jsma", ATT_JSMA, VAR_PAPER},
    {"cw", ATT_CW, VAR_PAPER},
    {"pgd-margin", -1, VAR_PAPER},
};

static const base_attack ablation_suite[] = {
    {"fgm-all", ATT_FGM, VAR_PAPER},
    {"jsma", ATT_JSMA, VAR_PAPER},
    {"jsma-exact", ATT_JSMA, VAR_ADAPTIVE},
    {"pgd-margin", -1, VAR_PAPER},
};

/* One CSV row of s, the attack's rates on its n images. */
static void base_row(edd_buf *t, const char *model, const char *attack, const char *setting, double value,
                     const edd_attack_scores *s)
{
    double lo, hi;
    repro_wilson(s->misclassified, s->n, &lo, &hi);
    edd_buf_printf(t, "%s,%s,%s,%g,%zu,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f\n", model, attack, setting, value, s->n,
                   s->clean_accuracy, s->clean_false_positives, s->recovered, s->detected, s->misclassified, lo, hi);
}

/* Model stem (models/STEM.edd) under every attack of suite (na of them),
 * at each of its settings: FGM and PGD at the scale's eps on the first
 * fgm_n and sec_n test images, JSMA at base_gamma on jsma_n, CW at the
 * paper's kappa 0 on cw_n. Its rows go to t, the clean row first. */
static edd_status run_suite(repro *r, const char *stem, const base_attack *suite, int na, edd_buf *t)
{
    const edd_repro_scale *sc = r->sc;
    const float cw_kappa = (float)repro_paper_attack(ATT_CW)->setting;
    edd_cnn m = {0};
    edd_eval_result ev;
    edd_status st = repro_need_data(r, 0);
    if (!st)
        st = repro_load_model(r, stem, &m);
    if (!st)
        st = edd_evaluate(r->ctx, &m, &r->test, 256, NULL, &ev);
    if (!st) {
        edd_attack_scores c = {.n = ev.n, .k = m.k, .clean_accuracy = ev.accuracy,
                               .clean_false_positives = ev.false_positives, .recovered = ev.accuracy,
                               .detected = ev.false_positives,
                               .misclassified = fmax(0.0, 1.0 - ev.accuracy - ev.false_positives)};
        base_row(t, stem, "clean", "none", 0.0, &c);
        if (!r->o->quiet)
            fprintf(stderr, "reproduce:   %s: clean accuracy %.4f, false positives %.4f\n", stem, ev.accuracy,
                    ev.false_positives);
    }
    for (int a = 0; !st && a < na; a++) {
        const base_attack *b = &suite[a];
        const float *vals = b->kind == ATT_JSMA ? sc->base_gamma : b->kind == ATT_CW ? &cw_kappa : sc->eps;
        const int nv = b->kind == ATT_JSMA ? sc->n_base_gamma : b->kind == ATT_CW ? 1 : sc->n_eps;
        const size_t n = b->kind == ATT_FGM ? sc->fgm_n : b->kind == ATT_JSMA ? sc->jsma_n
                       : b->kind == ATT_CW  ? sc->cw_n  : sc->sec_n;
        for (int i = 0; !st && i < nv; i++) {
            edd_attack_scores s;
            if (b->kind < 0)
                st = repro_pgd_margin(r, &m, vals[i], n, &s);
            else
                st = repro_attack(r, (att_kind)b->kind, vals[i], b->variant, &m, &m, n, &s);
            if (!st)
                base_row(t, stem, b->name, b->kind < 0 ? "eps" : repro_att_settings[b->kind], vals[i], &s);
        }
    }
    edd_cnn_free(&m);
    return st;
}

edd_status repro_st_baselines(repro *r, const repro_stage *s)
{
    (void)s;
    edd_buf t = {0};
    edd_buf_printf(&t, "%s\n", REPRO_BASE_HEADER);
    edd_status st = EDD_OK;
    for (int k = 0; !st && k < REPRO_BASE_NMODELS; k++)
        st = run_suite(r, repro_base_models[k], base_suite, (int)(sizeof base_suite / sizeof base_suite[0]), &t);
    if (!st)
        st = repro_write_text(r, "baselines.csv", &t);
    edd_buf_free(&t);
    return st;
}

edd_status repro_st_ablation_attacks(repro *r, const repro_stage *s)
{
    (void)s;
    edd_buf t = {0};
    edd_buf_printf(&t, "%s\n", REPRO_BASE_HEADER);
    edd_status st = EDD_OK;
    for (int k = 0; !st && k < REPRO_ABLATION_NMODELS; k++)
        st = run_suite(r, repro_ablation[k].model, ablation_suite,
                       (int)(sizeof ablation_suite / sizeof ablation_suite[0]), &t);
    if (!st)
        st = repro_write_text(r, "ablation.csv", &t);
    edd_buf_free(&t);
    return st;
}
