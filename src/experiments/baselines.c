/* baselines.c - the defenses side by side (issue 13): the undefended
 * model, temperature distillation (2016), extended distillation (the
 * paper), adversarial training, and adversarial training with extended
 * distillation, each under the paper's attacks and under the strongest
 * adaptive attack edd has, PGD with the detector-aware margin loss; and the
 * Eq. 3 ablation's distilled models under the attacks that tell gradient
 * masking apart from robustness.
 *
 * Both write one CSV of REPRO_BASE_HEADER rows: per model a "clean"
 * row (the clean test images), then one row per attack and setting, scored
 * by edd_attack_eval (the one scoring rule, docs/ATTACKS.md) with the 95%
 * Wilson interval of the misclassified rate. The attack column:
 *   fgm-all     FGM, ord inf, cross-entropy over all K outputs (the paper's)
 *   fgm-real    FGM over the 10 real classes (the adaptive loss)
 *   jsma        JSMA with cleverhans' float32 Jacobian (the paper's)
 *   jsma-exact  JSMA with the exact one-gradient saliency
 *   fgm-margin  FGM on the detector-aware margin loss (one step, as fgm-all)
 *   cw          CW-L2, AdaDelta, the scale's paper budget, targeted
 *   pgd-all     white-box PGD on the paper's loss (all K outputs), early stop
 *   pgd-margin  white-box PGD with the margin loss, early stop
 * fgm-margin and pgd-all make the masking rule compare attacks of equal
 * work: one step against one step, PGD against PGD (report.c).
 * The baselines run as one stage per model (baselines_1 .. baselines_5, so
 * that a model is attacked as soon as it is trained, on any rank), each
 * writing its rows to points/baselines_K.csv, and `baselines` joins them in
 * model order into baselines.csv, the bytes of one stage attacking all five.
 * The ablation's stage also writes each model's top-1 minus top-2 logit
 * gap on the first fgm_n test images: logit_gap.csv, a histogram whose
 * bins the five models share, and logit_gap_summary.csv (REPRO_GAP_*). */
#include "edd/io.h"
#include "repro.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One attack of a suite: how it runs and its CSV name. kind GRAD: an
 * untargeted FGM (pgd 0) or PGD (pgd 1) on one loss (repro_grad_attack);
 * otherwise an att_kind run by repro_attack in its variant. */
#define GRAD (-1)
typedef struct {
    const char *name;
    int kind;
    repro_variant variant;
    int pgd;
    edd_attack_loss loss;
} base_attack;

static const base_attack base_suite[] = {
    {"fgm-all", ATT_FGM, VAR_PAPER, 0, EDD_LOSS_ALL},
    {"fgm-real", ATT_FGM, VAR_ADAPTIVE, 0, EDD_LOSS_REAL},
    {"fgm-margin", GRAD, VAR_PAPER, 0, EDD_LOSS_MARGIN},
    {"jsma", ATT_JSMA, VAR_PAPER, 0, EDD_LOSS_ALL},
    {"cw", ATT_CW, VAR_PAPER, 0, EDD_LOSS_ALL},
    {"pgd-all", GRAD, VAR_PAPER, 1, EDD_LOSS_ALL},
    {"pgd-margin", GRAD, VAR_PAPER, 1, EDD_LOSS_MARGIN},
};

static const base_attack ablation_suite[] = {
    {"fgm-all", ATT_FGM, VAR_PAPER, 0, EDD_LOSS_ALL},
    {"jsma", ATT_JSMA, VAR_PAPER, 0, EDD_LOSS_ALL},
    {"jsma-exact", ATT_JSMA, VAR_ADAPTIVE, 0, EDD_LOSS_ALL},
    {"pgd-margin", GRAD, VAR_PAPER, 1, EDD_LOSS_MARGIN},
};

/* One CSV row of s, the attack's rates on its n images, without its
 * leading model field. */
static void base_row(edd_buf *t, const char *attack, const char *setting, double value, const edd_attack_scores *s)
{
    double lo, hi;
    repro_wilson(s->misclassified, s->n, &lo, &hi);
    edd_buf_printf(t, "%s,%s,%g,%zu,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f\n", attack, setting, value, s->n,
                   s->clean_accuracy, s->clean_false_positives, s->recovered, s->detected, s->misclassified, lo, hi);
}

/* Model m under every attack of suite (na of them), at each of its
 * settings: FGM and PGD at the scale's eps on the first fgm_n and sec_n
 * test images, JSMA at base_gamma on jsma_n, CW at the paper's kappa 0 on
 * cw_n. Its rows (without the model field) go to t, the clean row first. */
static edd_status run_suite(repro *r, const char *stem, const edd_cnn *m, const base_attack *suite, int na, edd_buf *t)
{
    const edd_repro_scale *sc = r->sc;
    const float cw_kappa = (float)repro_paper_attack(ATT_CW)->setting;
    edd_eval_result ev;
    edd_status st = repro_need_data(r, 0);
    if (!st)
        st = edd_evaluate(r->ctx, m, &r->test, 256, NULL, &ev);
    if (!st) {
        edd_attack_scores c = {.n = ev.n, .k = m->k, .clean_accuracy = ev.accuracy,
                               .clean_false_positives = ev.false_positives, .recovered = ev.accuracy,
                               .detected = ev.false_positives,
                               .misclassified = fmax(0.0, 1.0 - ev.accuracy - ev.false_positives)};
        base_row(t, "clean", "none", 0.0, &c);
        if (!r->o->quiet)
            fprintf(stderr, "reproduce:   %s: clean accuracy %.4f, false positives %.4f\n", stem, ev.accuracy,
                    ev.false_positives);
    }
    for (int a = 0; !st && a < na; a++) {
        const base_attack *b = &suite[a];
        const float *vals = b->kind == ATT_JSMA ? sc->base_gamma : b->kind == ATT_CW ? &cw_kappa : sc->eps;
        const int nv = b->kind == ATT_JSMA ? sc->n_base_gamma : b->kind == ATT_CW ? 1 : sc->n_eps;
        const size_t n = b->kind == ATT_JSMA ? sc->jsma_n : b->kind == ATT_CW ? sc->cw_n
                       : b->pgd                ? sc->sec_n  : sc->fgm_n;
        for (int i = 0; !st && i < nv; i++) {
            edd_attack_scores s;
            if (b->kind == GRAD)
                st = repro_grad_attack(r, m, b->pgd, b->loss, vals[i], n, &s);
            else
                st = repro_attack(r, (att_kind)b->kind, vals[i], b->variant, m, m, n, &s);
            if (!st)
                base_row(t, b->name, b->kind == GRAD ? "eps" : repro_att_settings[b->kind], vals[i], &s);
        }
    }
    return st;
}

/* Append b's lines to t, each led by the model field stem. */
static void rows_with_model(edd_buf *t, const char *stem, const edd_buf *b)
{
    t->err |= b->err;
    for (size_t i = 0; i < b->len;) {
        size_t e = i + strcspn(b->s + i, "\n");
        edd_buf_printf(t, "%s,%.*s\n", stem, (int)(e - i), b->s + i);
        i = e + 1;
    }
}

/* The most models a stage attacks. */
#define MAX_MODELS 5
_Static_assert(REPRO_BASE_NMODELS <= MAX_MODELS && REPRO_ABLATION_NMODELS <= MAX_MODELS,
               "run_models holds every model of a stage at once");

/* The nm (<= MAX_MODELS) models models/STEM.edd under suite, into out_dir/csv. Every pass
 * is deterministic at a given thread count, so a model with the same K and
 * parameters as an earlier one (the literal reading of Eq. 3 trains the
 * no-penalty model bit for bit wherever its max is kappa) takes that one's
 * rows instead of being attacked again. */
static edd_status run_models(repro *r, const char *const *stems, int nm, const base_attack *suite, int na,
                             const char *csv)
{
    edd_cnn m[MAX_MODELS] = {{0}};
    edd_buf rows[MAX_MODELS] = {{0}}, t = {0};
    edd_status st = EDD_OK;
    edd_buf_printf(&t, "%s\n", REPRO_BASE_HEADER);
    for (int k = 0; !st && k < nm; k++) {
        st = repro_load_model(r, stems[k], &m[k]);
        int same = -1;
        for (int j = 0; !st && j < k && same < 0; j++)
            if (m[j].k == m[k].k && m[j].nparams == m[k].nparams &&
                !memcmp(m[j].params, m[k].params, m[k].nparams * sizeof(float)))
                same = j;
        if (!st && !r->o->quiet)
            fprintf(stderr, "reproduce:   model %s%s%s\n", stems[k], same < 0 ? "" : ": the parameters of ",
                    same < 0 ? "" : stems[same]);
        if (!st && same < 0)
            st = run_suite(r, stems[k], &m[k], suite, na, &rows[k]);
        if (!st)
            rows_with_model(&t, stems[k], same < 0 ? &rows[k] : &rows[same]);
    }
    if (!st)
        st = repro_write_text(r, csv, &t);
    edd_buf_free(&t);
    for (int k = 0; k < nm; k++) {
        edd_buf_free(&rows[k]);
        edd_cnn_free(&m[k]);
    }
    return st;
}

/* Part k's rows (1..REPRO_BASE_NMODELS): points/baselines_K.csv. */
static void base_part_name(int k, char *rel, size_t n)
{
    snprintf(rel, n, "points/baselines_%d.csv", k);
}

edd_status repro_st_baselines_part(repro *r, const repro_stage *s)
{
    const char *stem = repro_base_models[s->part - 1];
    char rel[64];
    edd_cnn m = {0};
    edd_buf rows = {0}, t = {0};
    edd_status st = repro_load_model(r, stem, &m);
    if (!st && !r->o->quiet)
        fprintf(stderr, "reproduce:   model %s\n", stem);
    if (!st)
        st = run_suite(r, stem, &m, base_suite, (int)(sizeof base_suite / sizeof base_suite[0]), &rows);
    if (!st) {
        rows_with_model(&t, stem, &rows);
        base_part_name(s->part, rel, sizeof rel);
        st = repro_write_text(r, rel, &t);
    }
    edd_buf_free(&rows);
    edd_buf_free(&t);
    edd_cnn_free(&m);
    return st;
}

/* Append the part file rel, whose every line must start with "stem,", to
 * t. */
static edd_status read_base_part(repro *r, const char *rel, const char *stem, edd_buf *t)
{
    char path[EDD_PATH_MAX], line[1024];
    FILE *f = NULL;
    edd_status st = repro_path(r, rel, path);
    if (!st)
        st = edd_file_fopen_regular(r->ctx, path, "the part's rows of the baselines", &f);
    const size_t ls = strlen(stem);
    int n = 0;
    while (!st && fgets(line, sizeof line, f)) {
        const size_t len = strlen(line);
        if (!len || line[len - 1] != '\n' || strncmp(line, stem, ls) || line[ls] != ',')
            st = edd_fail(r->ctx, EDD_ERR_FORMAT, "%s:%d: '%.40s', expected a whole row of model %s", path, n + 1,
                          line, stem);
        else
            edd_buf_append(t, line, len);
        n++;
    }
    if (!st && n == 0)
        st = edd_fail(r->ctx, EDD_ERR_FORMAT, "%s: empty, expected the rows of model %s", path, stem);
    if (f)
        fclose(f);
    return st;
}

edd_status repro_st_baselines(repro *r, const repro_stage *s)
{
    (void)s;
    edd_buf t = {0};
    edd_buf_printf(&t, "%s\n", REPRO_BASE_HEADER);
    edd_status st = EDD_OK;
    for (int k = 1; !st && k <= REPRO_BASE_NMODELS; k++) {
        char rel[64];
        base_part_name(k, rel, sizeof rel);
        st = read_base_part(r, rel, repro_base_models[k - 1], &t);
    }
    if (!st)
        st = repro_write_text(r, "baselines.csv", &t);
    edd_buf_free(&t);
    return st;
}

/* The top-1 minus the top-2 of the k logits z (0 when the top two tie). */
static double logit_gap(const float *z, int k)
{
    double a = -INFINITY, b = -INFINITY;
    for (int j = 0; j < k; j++) {
        if (z[j] > a)
            b = a, a = z[j];
        else if (z[j] > b)
            b = z[j];
    }
    return a - b;
}

/* The logit gaps of models/STEM.edd (dropout off) on the first n test
 * images into g (n doubles), its outputs K into *k. */
static edd_status model_gaps(repro *r, const char *stem, size_t n, double *g, int *k)
{
    edd_cnn m = {0};
    float *z = NULL;
    edd_status st = repro_load_model(r, stem, &m);
    if (!st && !(z = malloc(n * (size_t)m.k * sizeof *z)))
        st = edd_fail(r->ctx, EDD_ERR_NOMEM, "the logit gaps of %s: out of memory for %zu x %d logits", stem, n, m.k);
    if (!st)
        st = edd_logits(r->ctx, &m, r->test.x, n, 256, z);
    for (size_t i = 0; !st && i < n; i++) {
        g[i] = logit_gap(z + i * (size_t)m.k, m.k);
        if (!isfinite(g[i]))
            st = edd_fail(r->ctx, EDD_ERR_FORMAT, "models/%s.edd: test image %zu has a logit gap of %g, expected a "
                                                   "finite number", stem, i, g[i]);
    }
    *k = m.k;
    free(z);
    edd_cnn_free(&m);
    return st;
}

static int by_value(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The p-quantile of sorted v[0..n), n >= 1: linear interpolation between
 * the order statistics (numpy's default). */
static double quantile(const double *v, size_t n, double p)
{
    const double at = p * (double)(n - 1);
    const size_t i = (size_t)at;
    return i + 1 < n ? v[i] + (at - (double)i) * (v[i + 1] - v[i]) : v[n - 1];
}

/* logit_gap.csv and logit_gap_summary.csv (REPRO_GAP_HEADER and
 * REPRO_GAP_SUMMARY_HEADER) from the n gaps of each of the nm models stems
 * (model k's at g + k n, sorted here; its outputs ks[k]). */
static edd_status write_gaps(repro *r, const char *const *stems, int nm, const int *ks, double *g, size_t n)
{
    double top = 0.0;
    for (size_t i = 0; i < (size_t)nm * n; i++)
        top = fmax(top, g[i]);
    top = 4.0 * fmax(1.0, ceil(top / 4.0));
    edd_buf h = {0}, s = {0};
    edd_buf_printf(&h, "%s\n", REPRO_GAP_HEADER);
    edd_buf_printf(&s, "%s\n", REPRO_GAP_SUMMARY_HEADER);
    for (int k = 0; k < nm; k++) {
        double *v = g + (size_t)k * n, sum = 0.0;
        size_t count[REPRO_GAP_BINS] = {0};
        for (size_t i = 0; i < n; i++) {
            const int b = (int)(v[i] / top * REPRO_GAP_BINS);
            count[b < REPRO_GAP_BINS ? b : REPRO_GAP_BINS - 1]++;
            sum += v[i];
        }
        for (int b = 0; b < REPRO_GAP_BINS; b++)
            edd_buf_printf(&h, "%s,%g,%g,%zu\n", stems[k], top * b / REPRO_GAP_BINS, top * (b + 1) / REPRO_GAP_BINS,
                           count[b]);
        qsort(v, n, sizeof *v, by_value);
        edd_buf_printf(&s, "%s,%zu,%d,%.6f,%.6f,%.6f,%.6f\n", stems[k], n, ks[k], quantile(v, n, 0.5),
                       quantile(v, n, 0.1), quantile(v, n, 0.9), sum / (double)n);
    }
    edd_status st = repro_write_text(r, "logit_gap.csv", &h);
    if (!st)
        st = repro_write_text(r, "logit_gap_summary.csv", &s);
    edd_buf_free(&h);
    edd_buf_free(&s);
    return st;
}

/* The logit gaps of the nm (<= MAX_MODELS) models stems on the first fgm_n
 * test images: logit_gap.csv and logit_gap_summary.csv. */
static edd_status ablation_gaps(repro *r, const char *const *stems, int nm)
{
    int ks[MAX_MODELS] = {0};
    double *g = NULL;
    edd_status st = repro_need_data(r, 0);
    const size_t n = st ? 0 : r->sc->fgm_n < r->test.n ? r->sc->fgm_n : r->test.n;
    if (!st && !n)
        st = edd_fail(r->ctx, EDD_ERR_ARG, "the logit gaps: scale '%s' has fgm_n %zu of %zu test images, expected "
                                           "at least one image", r->sc->name, r->sc->fgm_n, r->test.n);
    if (!st && !(g = malloc((size_t)nm * n * sizeof *g)))
        st = edd_fail(r->ctx, EDD_ERR_NOMEM, "the logit gaps: out of memory for %d x %zu gaps", nm, n);
    for (int k = 0; !st && k < nm; k++)
        st = model_gaps(r, stems[k], n, g + (size_t)k * n, &ks[k]);
    if (!st)
        st = write_gaps(r, stems, nm, ks, g, n);
    free(g);
    return st;
}

edd_status repro_st_ablation_attacks(repro *r, const repro_stage *s)
{
    (void)s;
    const char *stems[REPRO_ABLATION_NMODELS];
    for (int k = 0; k < REPRO_ABLATION_NMODELS; k++)
        stems[k] = repro_ablation[k].model;
    edd_status st = run_models(r, stems, REPRO_ABLATION_NMODELS, ablation_suite,
                               (int)(sizeof ablation_suite / sizeof ablation_suite[0]), "ablation.csv");
    return st ? st : ablation_gaps(r, stems, REPRO_ABLATION_NMODELS);
}
