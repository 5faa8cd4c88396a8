/* report.c - report.md: the paper's numbers beside ours (the headline table
 * first), how much robustness survives the adaptive attacker, every figure
 * as a table, the settings and seeds, the wall time of each stage and the
 * machine. Reads only files in the results folder. */
#include "repro.h"
#include "standard.h"

#include "edd/cw.h"
#include "edd/defense.h"

#include <math.h>
#include <oneapi/dnnl/dnnl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void cpu_model(char *out, size_t n)
{
    snprintf(out, n, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[512];
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "model name", 10) && strchr(line, ':')) {
            const char *v = strchr(line, ':') + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            snprintf(out, n, "%s", v);
            out[strcspn(out, "\n")] = 0;
            break;
        }
    if (f)
        fclose(f);
}

/* The sentence that names the paper's undefended rates and the settings we
 * set them beside, from its table (repro_paper, scale.c). */
static void paper_settings(edd_buf *t)
{
    edd_buf_printf(t, "Its undefended rates (");
    for (int a = 0; a < ATT_COUNT; a++)
        edd_buf_printf(t, "%s%s", a ? ", " : "", repro_paper_attack((att_kind)a)->value);
    edd_buf_printf(t, "%%) name no ");
    for (int a = 0; a < ATT_COUNT; a++)
        edd_buf_printf(t, "%s%s", a == 0 ? "" : a == ATT_COUNT - 1 ? " or " : ", ", repro_att_settings[a]);
    edd_buf_printf(t, "; we set them beside ");
    for (int a = 0; a < ATT_COUNT; a++)
        edd_buf_printf(t, "%s%s %g", a == 0 ? "" : a == ATT_COUNT - 1 ? " and " : ", ", repro_att_settings[a],
                       repro_paper_attack((att_kind)a)->setting);
    edd_buf_printf(t, ", our reading (docs/REPRODUCING.md).\n\n");
}

/* The headline table from headline.csv (metric,model,attack,setting,n,paper,ours). */
static edd_status headline(repro *r, edd_buf *t)
{
    char path[EDD_PATH_MAX], line[512];
    edd_status st = repro_path(r, "headline.csv", path);
    if (st)
        return st;
    FILE *f = fopen(path, "r");
    if (!f)
        return edd_fail(r->ctx, EDD_ERR_IO, "%s: cannot open, expected the headline stage's output", path);
    int ok = fgets(line, sizeof line, f) && !strcmp(line, REPRO_HEADLINE_HEADER "\n");
    edd_buf_printf(t, "## Headline (Section 4.2)\n\n| metric | model | attack | setting | n | seeds | paper (%%) | ours (%%) "
                      "|\n|---|---|---|---|---:|---:|---:|---:|\n");
    while (ok && fgets(line, sizeof line, f)) {
        char *fld[7], *p = line;
        line[strcspn(line, "\n")] = 0;
        int k = 0;
        for (; k < 7 && p; k++) {
            fld[k] = p;
            p = strchr(p, ',');
            if (p)
                *p++ = 0;
        }
        ok = k == 7 && !p;
        if (ok)
            edd_buf_printf(t, "| %s | %s | %s | %s | %s | 1 | %s | %s |\n", fld[0], fld[1], fld[2], fld[3], fld[4], fld[5],
                           fld[6]);
    }
    fclose(f);
    if (!ok)
        return edd_fail(r->ctx, EDD_ERR_FORMAT, "%s: not the headline table, expected the header '%s' and 7 fields a row",
                        path, REPRO_HEADLINE_HEADER);
    edd_buf_printf(t, "\n\"distilled-adaptive\" is the attacker who knows the defense: FGM with its loss over the 10 real "
                      "classes only (the paper's took it over all 11 outputs; docs/DESIGN.md section 8), JSMA with the exact gradient "
                      "(the paper's, cleverhans', sums the other outputs' gradients in float32). \"distilled-budget\" is CW "
                      "with Adam and the larger budget (Fig. 2c). The undefended rates are the baseline rows of Figs. 2a-c. "
                      "The paper prints no rates for "
                      "the distilled model under attack, only curves (Figs. 2-3), hence \"-\". ");
    if (repro_on_mnist(r))
        paper_settings(t);
    else
        edd_buf_printf(t, "The paper ran MNIST alone, so on %s the paper column is empty; the settings (eps, gamma, "
                          "kappa, alpha, N) are the ones it used on MNIST.\n\n", repro_data_title(r));
    return EDD_OK;
}

/* The Wilson score interval at 95% for a rate p over n images, as
 * percentages. */
static void wilson(double p, size_t n, double *lo, double *hi)
{
    repro_wilson(p, n, lo, hi);
    *lo *= 100;
    *hi *= 100;
}

/* The models of rows[0..n) as "src -> tgt" pairs, in order of appearance. */
static void model_pairs(edd_buf *t, const repro_row *rows, int n)
{
    for (int i = 0; i < n; i++) {
        int seen = 0;
        for (int j = 0; j < i && !seen; j++)
            seen = !strcmp(rows[j].source, rows[i].source) && !strcmp(rows[j].target, rows[i].target);
        if (!seen)
            edd_buf_printf(t, "%s%s -> %s", i ? ", " : "", rows[i].source, rows[i].target);
    }
}

static edd_status figure_table(repro *r, edd_buf *t, const char *csv, const char *title)
{
    repro_row *rows;
    int n;
    edd_status st = repro_rows_read(r, csv, &rows, &n);
    if (st)
        return st;
    const char *fig = n ? rows[0].figure : "";
    int few = 0;
    edd_buf_printf(t, "### %s\n\n`%s`, plot `plots/%s.png`", title, csv, fig);
    if (n) {
        edd_buf_printf(t, "; ");
        model_pairs(t, rows, n);
        edd_buf_printf(t, " (source -> scored on), %zu test images per point", rows[0].n);
    }
    edd_buf_printf(t, "\n\n| %s | model | variant | recovered | detected | misclassified | 95%% interval (misclassified, %%) | "
                      "mean L2 (misclassified) | success on source | clean accuracy (these images) | false positives (these "
                      "images) |\n|---:|---|---|---:|---:|---:|---|---:|---:|---:|---:|\n",
                      n ? rows[0].setting : "setting");
    for (int i = 0; i < n; i++) {
        double lo, hi;
        char l2[32] = "-";
        long mis = lround(rows[i].misclassified * (double)rows[i].n);
        wilson(rows[i].misclassified, rows[i].n, &lo, &hi);
        if (mis > 0)
            snprintf(l2, sizeof l2, "%.2f%s", rows[i].mean_l2, mis < REPRO_FEW_MISCLASSIFIED ? "*" : "");
        few |= mis > 0 && mis < REPRO_FEW_MISCLASSIFIED;
        edd_buf_printf(t, "| %g | %s | %s | %.3f | %.3f | %.3f | %.1f-%.1f | %s | %.3f | %.4f | %.4f |\n", rows[i].value,
                       rows[i].target, rows[i].variant, rows[i].recovered, rows[i].detected, rows[i].misclassified, lo,
                       hi, l2, rows[i].source_success, rows[i].clean_accuracy, rows[i].false_positives);
    }
    if (few)
        edd_buf_printf(t, "\n\\*: a mean over fewer than %d misclassified images (hollow in the plot).\n",
                       REPRO_FEW_MISCLASSIFIED);
    edd_buf_printf(t, "\n");
    free(rows);
    return EDD_OK;
}

const repro_row *repro_find_row(const repro_row *rows, int n, const char *target, const char *variant, double value)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(rows[i].target, target) && !strcmp(rows[i].variant, variant) && fabs(rows[i].value - value) < 1e-6)
            return &rows[i];
    return NULL;
}

/* The kappa sweep of one (target, variant) of Fig. 2c, in words: the
 * misclassified rate at the smallest kappa, and the first kappa at which it
 * falls below half of that. *cliff gets that kappa, or NAN when the rate
 * stays at or above half through the largest kappa (or there is no row). */
static void cliff_sentence(edd_buf *t, const repro_row *rows, int n, const char *target, const char *variant,
                           const char *what, double *cliff)
{
    const repro_row *first = NULL, *last = NULL, *drop = NULL;
    for (int i = 0; i < n; i++) {
        const repro_row *w = &rows[i];
        if (strcmp(w->target, target) || strcmp(w->variant, variant))
            continue;
        if (!first || w->value < first->value)
            first = w;
        if (!last || w->value > last->value)
            last = w;
    }
    *cliff = NAN;
    if (!first)
        return;
    for (int i = 0; i < n; i++) {
        const repro_row *w = &rows[i];
        if (!strcmp(w->target, target) && !strcmp(w->variant, variant) && w->misclassified < first->misclassified / 2 &&
            (!drop || w->value < drop->value))
            drop = w;
    }
    edd_buf_printf(t, "- %s: %.1f%% misclassified at kappa %g; ", what, 100 * first->misclassified, first->value);
    if (drop) {
        const repro_row *before = NULL;
        for (int i = 0; i < n; i++)
            if (!strcmp(rows[i].target, target) && !strcmp(rows[i].variant, variant) && rows[i].value < drop->value &&
                (!before || rows[i].value > before->value))
                before = &rows[i];
        edd_buf_printf(t, "below half of that first at kappa %g (%.1f%%", drop->value, 100 * drop->misclassified);
        if (before)
            edd_buf_printf(t, ", from %.1f%% at kappa %g", 100 * before->misclassified, before->value);
        edd_buf_printf(t, ").\n");
        *cliff = drop->value;
    } else {
        edd_buf_printf(t, "at or above half of that through kappa %g (%.1f%%).\n", last->value,
                       100 * last->misclassified);
    }
}

/* Fig. 2c's cliff, from the rows: where each budget's misclassified rate
 * falls below half of its kappa-0 rate, on the distilled model and on the
 * undefended baseline, and what the larger budget changes there. */
static edd_status cw_cliff(repro *r, edd_buf *t)
{
    const edd_repro_scale *sc = r->sc;
    repro_row *rows;
    int n;
    edd_status st = repro_rows_read(r, "fig2c_cw.csv", &rows, &n);
    if (st)
        return st;
    char paper[128], budget[128];
    snprintf(paper, sizeof paper, "paper's budget (AdaDelta, %d iterations x %d binary-search steps)", sc->cw_iterations,
             sc->cw_bsearch);
    snprintf(budget, sizeof budget, "larger budget (Adam lr %g, %d x %d)", (double)REPRO_CW_BUDGET_LR,
             sc->cw_big_iterations, sc->cw_big_bsearch);
    edd_buf_printf(t, "#### The kappa cliff, measured\n\n"
                      "Generated from the rows above: the misclassified rate (a failed CW returns the clean image, "
                      "which then counts as recovered). An explanation of the cliff goes in this section and rests on "
                      "these numbers; the generator writes only what the rows show.\n\n");
    double cliff[2][2];
    static const char *const tg[2] = {"distilled", "baseline"};
    for (int m = 0; m < 2; m++)
        for (int v = 0; v < 2; v++) {
            char what[256];
            snprintf(what, sizeof what, "%s, %s", tg[m], v ? budget : paper);
            cliff_sentence(t, rows, n, tg[m], repro_variant_names[v ? VAR_BUDGET : VAR_PAPER], what, &cliff[m][v]);
        }
    if (!isnan(cliff[0][0])) {
        const repro_row *a = repro_find_row(rows, n, "distilled", "paper", cliff[0][0]);
        const repro_row *b = repro_find_row(rows, n, "distilled", "budget", cliff[0][0]);
        if (a && b)
            edd_buf_printf(t, "\nAt kappa %g, where the paper's budget falls below half on the distilled model, the larger "
                              "budget misclassifies %.1f%% against %.1f%% (same %zu images and targets). %s\n",
                           cliff[0][0], 100 * b->misclassified, 100 * a->misclassified, a->n,
                           isnan(cliff[0][1]) ? "With the larger budget the rate stays at or above half through the "
                                                "largest kappa run: within these kappas the cliff is a limit of the "
                                                "attack's budget."
                           : cliff[0][1] > cliff[0][0] ? "The larger budget moves the cliff to a larger kappa: at the paper's "
                                                         "budget it is, at least in part, a limit of the attack's budget."
                           : cliff[0][1] == cliff[0][0] ? "The larger budget has its cliff at the same kappa: on these "
                                                          "images it does not move it."
                                                        : "The larger budget falls below half at a smaller kappa.");
    }
    edd_buf_printf(t, "\n");
    free(rows);
    return EDD_OK;
}

/* One attack's paper variant against another (variant), point by point,
 * on the distilled model. */
static edd_status gap_table(repro *r, edd_buf *t, const char *csv, const char *title, const char *variant,
                            const char *paper, const char *other)
{
    repro_row *rows;
    int n;
    edd_status st = repro_rows_read(r, csv, &rows, &n);
    if (st)
        return st;
    edd_buf_printf(t, "| %s | misclassified, %s | misclassified, %s | recovered+detected, paper's | recovered+detected, "
                      "%s |\n|---:|---:|---:|---:|---:|\n", title, paper, other, variant);
    for (int i = 0; i < n; i++) {
        if (strcmp(rows[i].target, "distilled") || strcmp(rows[i].variant, "paper"))
            continue;
        const repro_row *w = repro_find_row(rows, n, "distilled", variant, rows[i].value);
        if (w)
            edd_buf_printf(t, "| %g | %.1f%% | %.1f%% | %.1f%% | %.1f%% |\n", rows[i].value, 100 * rows[i].misclassified,
                           100 * w->misclassified, 100 * (rows[i].recovered + rows[i].detected),
                           100 * (w->recovered + w->detected));
    }
    edd_buf_printf(t, "\n");
    free(rows);
    return EDD_OK;
}

/* How much of the robustness survives an attacker who knows the defense. */
static edd_status adaptive(repro *r, edd_buf *t)
{
    edd_buf_printf(t, "## At a glance: what survives the adaptive attacker\n\n");
    const edd_repro_scale *sc = r->sc;
    char paper_cw[96], budget_cw[96];
    snprintf(paper_cw, sizeof paper_cw, "CW, AdaDelta %d x %d", sc->cw_iterations, sc->cw_bsearch);
    snprintf(budget_cw, sizeof budget_cw, "CW, Adam %d x %d", sc->cw_big_iterations, sc->cw_big_bsearch);
    edd_status st = gap_table(r, t, "fig2a_fgm.csv", "FGM eps", "adaptive", "paper's FGM (loss over all 11 outputs)",
                              "adaptive FGM (10 real classes)");
    if (!st)
        st = gap_table(r, t, "fig2b_jsma.csv", "JSMA gamma", "adaptive", "paper's JSMA (cleverhans' float32 Jacobian)",
                       "exact-gradient JSMA");
    if (!st)
        st = gap_table(r, t, "fig2c_cw.csv", "CW kappa", "budget", paper_cw, budget_cw);
    repro_row *rows = NULL;
    int n = 0;
    const double gamma = repro_paper_attack(ATT_JSMA)->setting;
    if (!st)
        st = repro_rows_read(r, "fig2b_jsma.csv", &rows, &n);
    if (st)
        return st;
    double mis[2] = {-1, -1};
    size_t jn = 0;
    for (int i = 0; i < n; i++)
        if (!strcmp(rows[i].target, "distilled") && fabs(rows[i].value - gamma) < 1e-6) {
            mis[!strcmp(rows[i].variant, "adaptive")] = rows[i].misclassified;
            jn = rows[i].n;
        }
    free(rows);
    edd_buf_printf(t, "- **FGM**: the paper computed FGM's loss over all K = 11 outputs, outlier included; pushing the "
                      "true class's probability down then also pushes mass into the outlier class, so many adversarial "
                      "inputs land in it (detected). An attacker who knows the defense takes the loss over the real classes "
                      "only (`--loss real`).\n"
                      "- **JSMA**: cleverhans computes beta, the sum of the other outputs' probability gradients, in float32. "
                      "On a distilled model trained at the paper's scale the Eq. 3 hinge (kappa = 40) saturates the softmax: "
                      "the target's probability gradient is around 1e-18 while beta is rounding noise from terms of size 0.1 "
                      "that should cancel, and the pair search picks pixels at random (docs/ATTACKS.md measured 68%% against "
                      "98%% misclassified at gamma 0.1 on 200 images, on a model distilled at the paper's settings). The "
                      "probabilities sum to one, so beta = -alpha exactly; the adaptive attacker uses that (one gradient per "
                      "step, `--jacobian probs`). In this run, at gamma %g on %zu images: %.1f%% with the paper's JSMA, "
                      "%.1f%% with the exact gradient: %s.\n"
                      "- **CW-L2**: its loss takes the max over every other output, the outlier included, so the target "
                      "must already beat the outlier class: the adaptive CW is the same attack. What an attacker can "
                      "still change is the budget: Fig. 2c runs the paper's (AdaDelta, %d iterations x %d binary-search "
                      "steps) and a larger one (Adam lr %g, %d x %d), on the same images and targets.\n\n",
                   gamma, jn, 100 * mis[0], 100 * mis[1],
                   fabs(mis[1] - mis[0]) <= 0.05 ? "within 5 points, so this model's softmax is not saturated enough to mask "
                                                   "the gradient (as after brief training)"
                                                 : "the gap is the gradient masking described above",
                   sc->cw_iterations, sc->cw_bsearch, (double)REPRO_CW_BUDGET_LR, sc->cw_big_iterations,
                   sc->cw_big_bsearch);
    return EDD_OK;
}

/* Wall time and mtime of each stage, from its manifest. */
static void stage_times(repro *r, edd_buf *t)
{
    edd_buf_printf(t, "## Wall time per stage\n\n| stage | seconds |\n|---|---:|\n");
    double total = 0.0;
    for (int i = 0; i < r->nstages; i++) {
        const char *name = r->stages[i].name;
        char rel[128], path[EDD_PATH_MAX], line[256];
        double s = -1.0;
        snprintf(rel, sizeof rel, "stages/%s.done", name);
        FILE *f = repro_path(r, rel, path) ? NULL : fopen(path, "r");
        while (f && fgets(line, sizeof line, f))
            if (sscanf(line, "seconds %lf", &s) == 1)
                break;
        if (f)
            fclose(f);
        if (s >= 0) {
            edd_buf_printf(t, "| %s | %.1f |\n", name, s);
            total += s;
        } else {
            edd_buf_printf(t, "| %s | %s |\n", name, strcmp(name, "report") ? "(not run in this folder)" : "(this stage)");
        }
    }
    edd_buf_printf(t, "| total (stages above) | %.1f |\n\nEach time is that of the run that made the stage's current outputs "
                      "(a resumed run keeps the times of the stages it skipped).\n\n", total);
}

/* The settings' seed line: every SEED_* base as this pipeline seeds it
 * (repro_seed), and for seed K > 1 of `--seeds` how they were derived. */
static void seeds_line(const repro *r, edd_buf *t)
{
    static const struct {
        uint64_t base;
        const char *what, *note;
    } seeds[] = {{SEED_BASELINE, "baseline", ""},
                 {SEED_TEACHER, "teacher", ""},
                 {SEED_DISTILLED, "distilled", " (its MC-dropout masks too, the study models and the ablation's models)"},
                 {SEED_SURR_U, "undefended surrogate", ""},
                 {SEED_SURR_D_TEACHER, "defended surrogate's own teacher", ""},
                 {SEED_SURR_D, "the defended surrogate", ""},
                 {SEED_TARGETS, "attack targets", ""},
                 {SEED_PGD, "PGD starts", ""},
                 {SEED_TEMP_TEACHER, "temperature teacher", ""},
                 {SEED_TEMP, "its distilled model", ""},
                 {SEED_ADV, "adversarially trained model", ""},
                 {SEED_ADV_DISTILLED, "its distilled model", ""}};
    const size_t n = sizeof seeds / sizeof seeds[0];
    for (size_t i = 0; i < n; i++)
        edd_buf_printf(t, "%s%s %llu%s", i ? ", " : "", seeds[i].what, (unsigned long long)repro_seed(r, seeds[i].base),
                       seeds[i].note);
    if (r->o->seed > 1)
        edd_buf_printf(t, ". This is seed %d of `--seeds`: each is the stage table's base seed plus 100 x %d "
                          "(base + 100 (K - 1), docs/REPRODUCING.md)", r->o->seed, r->o->seed - 1);
    edd_buf_printf(t, ".\n\n");
}

static void settings(repro *r, edd_buf *t)
{
    const edd_repro_scale *sc = r->sc;
    const edd_train_opts tr = edd_train_defaults();
    const edd_distill_opts di = edd_distill_defaults();
    const edd_cw_opts cw = edd_cw_defaults();
    edd_buf list[6] = {{0}}, adv_steps = {0};
    const float *f[6] = {sc->eps, sc->gamma, sc->kappa, sc->alphas, NULL, sc->base_gamma};
    const int nf[6] = {sc->n_eps, sc->n_gamma, sc->n_kappa, sc->n_alpha, sc->n_passes, sc->n_base_gamma};
    for (int k = 0; k < 6; k++) {
        edd_buf_append(&list[k], "", 0);
        for (int i = 0; i < nf[k]; i++)
            edd_buf_printf(&list[k], "%s%g", i ? ", " : "", f[k] ? (double)f[k][i] : (double)sc->passes_list[i]);
        t->err |= list[k].err;
    }
    edd_buf_append(&adv_steps, "", 0);
    if (sc->adv_method == EDD_ADV_PGD)
        edd_buf_printf(&adv_steps, ", %d steps", sc->adv_steps);
    t->err |= adv_steps.err;
    char tn[48], sn[48];
    if (sc->train_n)
        snprintf(tn, sizeof tn, "the first %zu", sc->train_n);
    else
        snprintf(tn, sizeof tn, "all");
    if (sc->study_n)
        snprintf(sn, sizeof sn, "the first %zu", sc->study_n);
    else
        snprintf(sn, sizeof sn, "all");
    edd_buf_printf(t, "## Settings (scale `%s`)\n\n"
                      "- Main models (baseline, teacher, distilled, surrogates): %s training images, %d epochs, Adam lr %g, "
                      "batch %d, dropout %g (input) / %g (hidden) on while training.\n"
                      "- Distilled: N = %d passes, alpha %g, Eq. 3 hinge reading gamma %g, kappa %g, T = 1, K = 11 (outlier "
                      "last).\n"
                      "- Parameter studies (Figs. 2d-e): one distilled model per point on %s training images, %d "
                      "epochs, FGM eps %g; alpha in {%s} (N = %d); N in {%s} (alpha %g). Sigma for every N comes from one "
                      "run of the largest N (docs/REPRODUCING.md).\n"
                      "- FGM (ord inf) on the first %zu test images, eps in {%s}; JSMA (theta 1; cleverhans' float32 Jacobian of the "
                      "probabilities, and the exact one-gradient variant beside it) on the first "
                      "%zu, gamma in {%s}; CW-L2 (AdaDelta lr %g, rho %g, eps %g, %d iterations, %d binary-search steps "
                      "from c = %g) on the first %zu, kappa in {%s}; Fig. 2c also with Adam (lr %g), %d iterations x %d "
                      "binary-search steps. JSMA and CW targets drawn among the real classes.\n"
                      "- Baselines: temperature distillation at T = %g (teacher and distilled model K = 10); "
                      "adversarial training %s at L-inf eps %g%s, alone (K = 10) and with extended distillation of "
                      "that model (K = 11, adversarial training again while distilling); the Eq. 3 ablation's models "
                      "(penalty none, literal, hinge at kappa 10 and 100) from the teacher's sigma; JSMA of both at "
                      "gamma in {%s}, PGD-margin on the first %zu test images.\n"
                      "- Seeds: ",
                      sc->name, tn, sc->epochs, (double)tr.opt.lr, tr.batch, (double)REPRO_P_INPUT, (double)REPRO_P_HIDDEN,
                      sc->passes, (double)sc->alpha, (double)di.train.loss.gamma, (double)di.train.loss.kappa, sn, sc->study_epochs, (double)sc->study_eps, list[3].s, sc->passes, list[4].s,
                      (double)sc->alpha, sc->fgm_n, list[0].s, sc->jsma_n, list[1].s, (double)cw.learning_rate, (double)cw.rho,
                      (double)cw.eps, sc->cw_iterations, sc->cw_bsearch, (double)cw.initial_const, sc->cw_n,
                      list[2].s, (double)REPRO_CW_BUDGET_LR, sc->cw_big_iterations, sc->cw_big_bsearch,
                      (double)REPRO_TEMPERATURE, sc->adv_method == EDD_ADV_PGD ? "PGD" : "FGM-RS", (double)sc->adv_eps,
                      adv_steps.s, list[5].s, sc->sec_n);
    seeds_line(r, t);
    for (int k = 0; k < 6; k++)
        edd_buf_free(&list[k]);
    edd_buf_free(&adv_steps);
}

/* The row of w (n rows) for model, eps and attack, or NULL. */
static const repro_sec_row *sec_find(const repro_sec_row *w, int n, const char *model, double eps, const char *attack)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(w[i].model, model) && fabs(w[i].eps - eps) < 1e-6 && !strcmp(w[i].attack, attack))
            return &w[i];
    return NULL;
}

/* The attack of the suite that leaves model the lowest robust accuracy at
 * eps (the first in suite order on a tie), or NULL. */
static const repro_sec_row *sec_strongest(const repro_sec_row *w, int n, const char *model, double eps)
{
    const repro_sec_row *best = NULL;
    for (int a = 0; a < REPRO_SEC_NATTACKS; a++) {
        const repro_sec_row *x = sec_find(w, n, model, eps, repro_sec_names[a]);
        if (x && (!best || x->robust < best->robust))
            best = x;
    }
    return best;
}

/* "Does the defense hold?": the security curve and the worst-case table
 * from security.csv. */
static edd_status security_section(repro *r, edd_buf *t)
{
    repro_sec_row *w;
    int n;
    edd_status st = repro_sec_read(r, "security.csv", &w, &n);
    if (st)
        return st;
    edd_buf_printf(t, "## Does the defense hold? The worst case per image\n\n"
                      "`security.csv`, plot `plots/security.png`. For each model and L-inf eps, the suite is white-box "
                      "FGM and PGD with each loss (`all`: the paper's cross-entropy over every output; `real`: over "
                      "the 10 real classes; `margin`: the best other real class against the larger of the label and "
                      "the outlier class, docs/ATTACKS.md), and PGD with the margin loss made on the undefended "
                      "surrogate U and on the defended surrogate D and transferred. An image is robust when the "
                      "model classifies it correctly when clean and no attack of the suite makes it misclassify: a "
                      "detection as the outlier class counts for the defense. This is how AutoAttack reports robust "
                      "accuracy. PGD: %d steps of 2.5 eps / steps, %d restart%s, from a random start.\n\n"
                      "| eps | model | images | clean accuracy | robust accuracy, worst case (95%% interval) | "
                      "strongest attack (robust accuracy against it alone) | images only it broke |\n"
                      "|---:|---|---:|---:|---|---|---:|\n",
                   r->sc->pgd_steps, r->sc->pgd_restarts, r->sc->pgd_restarts > 1 ? "s" : "");
    const repro_sec_row *last_base = NULL, *last_dist = NULL;
    for (int i = 0; i < n; i++) {
        if (strcmp(w[i].attack, "worst-case"))
            continue;
        const repro_sec_row *c = sec_find(w, n, w[i].model, w[i].eps, "clean");
        const repro_sec_row *s = sec_strongest(w, n, w[i].model, w[i].eps);
        edd_buf_printf(t, "| %g | %s | %zu | %.1f%% | %.1f%% (%.1f-%.1f) | %s (%.1f%%) | %zu |\n", w[i].eps,
                       w[i].model, w[i].n, c ? 100 * c->robust : 0.0, 100 * w[i].robust, 100 * w[i].lo,
                       100 * w[i].hi, s ? s->attack : "-", s ? 100 * s->robust : 0.0, s ? s->only : 0);
        if (!strcmp(w[i].model, "baseline"))
            last_base = &w[i];
        else if (!strcmp(w[i].model, "distilled"))
            last_dist = &w[i];
    }
    if (last_base && last_dist && fabs(last_base->eps - last_dist->eps) < 1e-6) {
        const repro_sec_row *s = sec_strongest(w, n, "distilled", last_dist->eps);
        edd_buf_printf(t, "\nAt eps %g, the worst case leaves the distilled model %.1f%% robust accuracy (%.1f-%.1f) "
                          "against %.1f%% (%.1f-%.1f) for the undefended baseline; its strongest single attack there "
                          "is %s.\n",
                       last_dist->eps, 100 * last_dist->robust, 100 * last_dist->lo, 100 * last_dist->hi,
                       100 * last_base->robust, 100 * last_base->lo, 100 * last_base->hi, s ? s->attack : "-");
    }
    edd_buf_printf(t, "\n");
    free(w);
    return EDD_OK;
}

/* A rate with its interval, as "12.3% (10.1-14.8)". */
static void rate_text(char *out, size_t n, double p, size_t images)
{
    double lo, hi;
    repro_wilson(p, images, &lo, &hi);
    snprintf(out, n, "%.1f%% (%.1f-%.1f)", 100 * p, 100 * lo, 100 * hi);
}

/* Check 1 on the figure CSVs: a transfer figure (source a surrogate) whose
 * misclassified rate beats the white-box figure's at the same setting,
 * beyond both 95% intervals. Returns the failures found. */
static int check_transfer_figs(repro *r, edd_buf *t, const char *white, const char *transfer)
{
    repro_row *a, *b;
    int na, nb, fails = 0;
    if (repro_rows_read(r, white, &a, &na))
        return 0;
    if (repro_rows_read(r, transfer, &b, &nb)) {
        free(a);
        return 0;
    }
    for (int j = 0; j < nb; j++)
        for (int i = 0; i < na; i++) {
            if (strcmp(a[i].target, "distilled") || strcmp(a[i].variant, "paper") || strcmp(b[j].variant, "paper") ||
                strcmp(a[i].attack, b[j].attack) || fabs(a[i].value - b[j].value) > 1e-6 ||
                strcmp(a[i].source, a[i].target))
                continue;
            double lo_b, hi_b, lo_a, hi_a;
            repro_wilson(b[j].misclassified, b[j].n, &lo_b, &hi_b);
            repro_wilson(a[i].misclassified, a[i].n, &lo_a, &hi_a);
            if (lo_b <= hi_a)
                continue;
            char ta[64], tb[64];
            rate_text(ta, sizeof ta, a[i].misclassified, a[i].n);
            rate_text(tb, sizeof tb, b[j].misclassified, b[j].n);
            edd_buf_printf(t, "   - **flagged**: %s from %s at %s %g misclassifies %s of the distilled model's images; "
                              "white-box %s (%s) at the same setting only %s.\n",
                           b[j].attack, b[j].source, b[j].setting, b[j].value, tb, a[i].attack, a[i].figure, ta);
            fails++;
        }
    free(a);
    free(b);
    return fails;
}

/* The gradient-masking checks of Carlini et al. 2019, "On Evaluating
 * Adversarial Robustness", on every model of security.csv and on the
 * distilled model's figures, each failure with its evidence. */
static edd_status masking_section(repro *r, edd_buf *t)
{
    repro_sec_row *w;
    int n;
    edd_status st = repro_sec_read(r, "security.csv", &w, &n);
    if (st)
        return st;
    edd_buf_printf(t, "## Gradient-masking diagnostics\n\n"
                      "The checks of Carlini et al. 2019 (\"On Evaluating Adversarial Robustness\"), run on this "
                      "folder's numbers. A check is flagged only when the difference is beyond both 95%% Wilson "
                      "intervals; the undefended baseline is the control.\n\n");

    edd_buf_printf(t, "1. **A transfer attack beats the white-box attack at the same budget.**\n");
    static const char *const pairs[][2] = {{"fig2a_fgm.csv", "fig3b_fgm.csv"}, {"fig2a_fgm.csv", "fig3a_fgm.csv"},
                                           {"fig2b_jsma.csv", "fig3d_jsma.csv"}, {"fig2b_jsma.csv", "fig3c_jsma.csv"},
                                           {"fig2c_cw.csv", "fig3f_cw.csv"}, {"fig2c_cw.csv", "fig3e_cw.csv"}};
    int f1 = 0;
    for (size_t p = 0; p < sizeof pairs / sizeof pairs[0]; p++)
        f1 += check_transfer_figs(r, t, pairs[p][0], pairs[p][1]);
    for (int i = 0; i < n; i++) {
        if (strncmp(w[i].attack, "transfer", 8))
            continue;
        for (int a = 0; a < REPRO_SEC_NATTACKS; a++) {
            const repro_sec_row *x = sec_find(w, n, w[i].model, w[i].eps, repro_sec_names[a]);
            if (!x || !strncmp(x->attack, "transfer", 8) || !strstr(x->attack, "pgd") || w[i].hi >= x->lo)
                continue;
            edd_buf_printf(t, "   - **flagged**: on %s at eps %g, %s leaves %.1f%% robust (%.1f-%.1f) where white-box %s "
                              "leaves %.1f%% (%.1f-%.1f).\n",
                           w[i].model, w[i].eps, w[i].attack, 100 * w[i].robust, 100 * w[i].lo, 100 * w[i].hi,
                           x->attack, 100 * x->robust, 100 * x->lo, 100 * x->hi);
            f1++;
        }
    }
    if (!f1)
        edd_buf_printf(t, "   - passed: no transfer attack beats a white-box one beyond the intervals.\n");

    edd_buf_printf(t, "2. **Success does not rise with the budget** (robust accuracy that grows with eps, per "
                      "attack).\n");
    int f2 = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            if (strcmp(w[i].model, w[j].model) || strcmp(w[i].attack, w[j].attack) || !(w[j].eps > w[i].eps) ||
                w[j].eps >= 1.0 || !strcmp(w[i].attack, "clean") || w[j].lo <= w[i].hi)
                continue;
            edd_buf_printf(t, "   - **flagged**: %s on %s: robust accuracy %.1f%% (%.1f-%.1f) at eps %g but %.1f%% "
                              "(%.1f-%.1f) at the larger eps %g.\n",
                           w[i].attack, w[i].model, 100 * w[i].robust, 100 * w[i].lo, 100 * w[i].hi, w[i].eps,
                           100 * w[j].robust, 100 * w[j].lo, 100 * w[j].hi, w[j].eps);
            f2++;
        }
    if (!f2)
        edd_buf_printf(t, "   - passed: every attack's robust accuracy falls (or stays) as eps grows.\n");

    edd_buf_printf(t, "3. **An unbounded attack does not reach 100%%** (PGD with the margin loss at eps 1, which can "
                      "reach any image).\n");
    int f3 = 0, any3 = 0;
    for (int i = 0; i < n; i++) {
        if (w[i].eps < 1.0)
            continue;
        any3 = 1;
        if (w[i].robust > 0.0) {
            edd_buf_printf(t, "   - **flagged**: on %s, %zu of the correctly classified images survive PGD at eps 1 "
                              "(robust accuracy %.1f%%).\n",
                           w[i].model, (size_t)llround(w[i].robust * (double)w[i].n), 100 * w[i].robust);
            f3++;
        } else {
            edd_buf_printf(t, "   - passed on %s: PGD at eps 1 breaks every image it classifies.\n", w[i].model);
        }
    }
    if (!any3)
        edd_buf_printf(t, "   - not run (no eps 1 row in security.csv).\n");

    edd_buf_printf(t, "4. **Random noise breaks more images than a white-box attack** (%d random corners of the "
                      "eps-ball per image, against each single white-box attack at the same eps, the paper's FGM "
                      "first).\n",
                   REPRO_SEC_NOISE);
    repro_noise_check(w, n, t);
    edd_buf_printf(t, "\n");
    free(w);
    return EDD_OK;
}

double repro_base_gamma(const edd_repro_scale *sc)
{
    double g = 0.0, paper = repro_paper_attack(ATT_JSMA)->setting;
    for (int i = 0; i < sc->n_base_gamma; i++) {
        if (fabs(sc->base_gamma[i] - paper) < 1e-6)
            return paper;
        g = fmax(g, sc->base_gamma[i]);
    }
    return g;
}

double repro_base_eps(const edd_repro_scale *sc)
{
    double e = 0.0;
    for (int i = 0; i < sc->n_eps; i++)
        e = fmax(e, sc->eps[i]);
    return e;
}

/* " 12.3% (10.1-14.8) |": a row's misclassified rate and interval, or " - |". */
static void base_cell(edd_buf *t, const repro_base_row *w)
{
    if (w)
        edd_buf_printf(t, " %.1f%% (%.1f-%.1f) |", 100 * w->misclassified, 100 * w->lo, 100 * w->hi);
    else
        edd_buf_printf(t, " - |");
}

/* The clean accuracy (with its interval) and false positives of a "clean" row. */
static void clean_cells(edd_buf *t, const repro_base_row *c)
{
    double lo, hi;
    if (!c) {
        edd_buf_printf(t, " - | - |");
        return;
    }
    repro_wilson(c->clean_accuracy, c->n, &lo, &hi);
    edd_buf_printf(t, " %.2f%% (%.1f-%.1f) | %.2f%% |", 100 * c->clean_accuracy, 100 * lo, 100 * hi,
                   100 * c->false_positives);
}

void repro_base_judge(const repro_base_row *w, int n, double eps, repro_base_verdicts *v)
{
    memset(v, 0, sizeof *v);
    for (int k = 0; k < REPRO_BASE_NMODELS; k++) {
        const char *m = repro_base_models[k];
        v->clean[k] = repro_base_find(w, n, m, "clean", 0.0);
        v->fgm[k] = repro_base_find(w, n, m, "fgm-all", eps);
        v->pgd[k] = repro_base_find(w, n, m, "pgd-margin", eps);
        v->fgm_margin[k] = repro_base_find(w, n, m, "fgm-margin", eps);
        v->pgd_all[k] = repro_base_find(w, n, m, "pgd-all", eps);
    }
    /* which defense holds: among the defenses that keep REPRO_HOLD_CLEAN of
     * the undefended model's clean accuracy, those whose PGD-margin rate is
     * below the undefended model's beyond both intervals; the best is the
     * lowest rate among those kept (with one n for every PGD row, the only
     * one that can hold if any does) */
    const repro_base_row *b = v->pgd[0], *c0 = v->clean[0];
    v->best = -1;
    for (int k = 1; k < REPRO_BASE_NMODELS; k++) {
        const repro_base_row *c = v->clean[k], *p = v->pgd[k];
        if (c && c0 && c->clean_accuracy < REPRO_HOLD_CLEAN * c0->clean_accuracy)
            v->hold[k] = REPRO_HOLD_LEFT_OUT;
        else if (!p || !b)
            v->hold[k] = REPRO_HOLD_NO_ROWS;
        else
            v->hold[k] = p->hi < b->lo ? REPRO_HOLD_YES : REPRO_HOLD_NOT;
        if ((v->hold[k] == REPRO_HOLD_YES || v->hold[k] == REPRO_HOLD_NOT) &&
            (v->best < 0 || p->misclassified < v->pgd[v->best]->misclassified))
            v->best = k;
    }
    /* which mask: an attack on the paper's loss far below the same attack
     * on the margin loss, at equal work; "only" when PGD-margin does not
     * beat the undefended model's rate beyond both intervals */
    for (int k = 0; k < REPRO_BASE_NMODELS; k++) {
        const repro_base_row *pairs[2][2] = {{v->fgm[k], v->fgm_margin[k]}, {v->pgd_all[k], v->pgd[k]}};
        int *masked[2] = {&v->masked_fgm[k], &v->masked_pgd[k]}, judged = 0;
        for (int j = 0; j < 2; j++) {
            const repro_base_row *paper = pairs[j][0], *margin = pairs[j][1];
            judged += paper && margin;
            *masked[j] = paper && margin && margin->misclassified - paper->misclassified >= REPRO_MASK_GAP &&
                         paper->hi < margin->lo;
        }
        const repro_base_row *p = v->pgd[k];
        if (!judged)
            v->mask[k] = REPRO_MASK_NO_ROWS;
        else if (!v->masked_fgm[k] && !v->masked_pgd[k])
            v->mask[k] = REPRO_MASK_NONE;
        else
            v->mask[k] = !b || k == 0 || !p || p->hi >= b->lo ? REPRO_MASK_ONLY : REPRO_MASK_KEEPS;
    }
}

/* The baselines' masking sentence (rule 2 of repro_base_judge): per model
 * that masks, which pair of equal work shows it, with both rates. */
static void masking_sentence(edd_buf *t, const repro_base_verdicts *v, double eps)
{
    int masks = 0;
    edd_buf_printf(t, ". Gradient masking (an attack on the paper's loss at least %.0f points below the same attack "
                      "on the margin loss at eps %g, beyond both intervals: one-step FGM against FGM-margin, PGD "
                      "against PGD-margin): ", 100 * REPRO_MASK_GAP, eps);
    for (int k = 0; k < REPRO_BASE_NMODELS; k++) {
        if (v->mask[k] != REPRO_MASK_ONLY && v->mask[k] != REPRO_MASK_KEEPS)
            continue;
        edd_buf_printf(t, "%s%s %s (", masks ? "; " : "", repro_base_labels[k],
                       v->mask[k] == REPRO_MASK_ONLY ? "only masks gradients"
                                                     : "masks gradients but keeps some robustness under PGD");
        if (v->masked_fgm[k])
            edd_buf_printf(t, "FGM %.1f%% against FGM-margin %.1f%%%s", 100 * v->fgm[k]->misclassified,
                           100 * v->fgm_margin[k]->misclassified, v->masked_pgd[k] ? ", " : "");
        if (v->masked_pgd[k])
            edd_buf_printf(t, "PGD %.1f%% against PGD-margin %.1f%%", 100 * v->pgd_all[k]->misclassified,
                           100 * v->pgd[k]->misclassified);
        edd_buf_printf(t, ")");
        masks++;
    }
    int judged = 0;
    for (int k = 0; k < REPRO_BASE_NMODELS; k++)
        judged += v->mask[k] != REPRO_MASK_NO_ROWS;
    edd_buf_printf(t, "%s.\n\n", masks    ? ""
                                  : judged ? "none, on every model the paper's loss comes within that of the margin loss"
                                           : "no rows to judge by (this folder predates the fgm-margin and pgd-all rows)");
}

/* "Baselines": the five models' table at the largest eps, gamma 0.1 and
 * kappa 0, then the two sentences of docs/REPRODUCING.md's rule
 * (repro_base_judge): which defense holds under PGD-margin, and which only
 * masks gradients. */
static edd_status baselines_section(repro *r, edd_buf *t)
{
    const edd_repro_scale *sc = r->sc;
    repro_base_row *w;
    int n;
    edd_status st = repro_base_read(r, "baselines.csv", &w, &n);
    if (st)
        return st;
    const double eps = repro_base_eps(sc), gamma = repro_base_gamma(sc), kappa = repro_paper_attack(ATT_CW)->setting;
    repro_base_verdicts v;
    repro_base_judge(w, n, eps, &v);
    edd_buf_printf(t, "## Baselines: five models under the paper's attacks and PGD\n\n"
                      "`baselines.csv` (every eps and gamma), plot `plots/baselines.png` (PGD-margin against eps). "
                      "Each model is attacked white box and scored by the one rule of docs/ATTACKS.md: FGM with the "
                      "paper's loss (over all K outputs), with the adaptive one (the 10 real classes) and with the "
                      "detector-aware margin loss on %zu test images, JSMA with cleverhans' float32 Jacobian on %zu, "
                      "CW-L2 (AdaDelta, %d x %d) on %zu, and PGD with the paper's loss and with the margin loss (%d "
                      "steps, %d restart%s, early stop) on %zu. "
                      "Adversarial training: %s at L-inf eps %g. The paper reports no numbers for these models (it "
                      "evaluates its own defense alone), so this table has no paper column.\n\n"
                      "| model | clean accuracy (95%% interval) | false positives | misclassified: FGM all, eps %g | "
                      "FGM real | FGM margin | JSMA, gamma %g | CW, kappa %g | PGD all, eps %g | PGD-margin |\n"
                      "|---|---|---:|---|---|---|---|---|---|---|\n",
                   sc->fgm_n, sc->jsma_n, sc->cw_iterations, sc->cw_bsearch, sc->cw_n, sc->pgd_steps,
                   sc->pgd_restarts, sc->pgd_restarts > 1 ? "s" : "", sc->sec_n,
                   sc->adv_method == EDD_ADV_PGD ? "PGD" : "FGM-RS", (double)sc->adv_eps, eps, gamma, kappa, eps);
    for (int k = 0; k < REPRO_BASE_NMODELS; k++) {
        const char *m = repro_base_models[k];
        edd_buf_printf(t, "| %s (`%s`) |", repro_base_labels[k], m);
        clean_cells(t, v.clean[k]);
        base_cell(t, v.fgm[k]);
        base_cell(t, repro_base_find(w, n, m, "fgm-real", eps));
        base_cell(t, v.fgm_margin[k]);
        base_cell(t, repro_base_find(w, n, m, "jsma", gamma));
        base_cell(t, repro_base_find(w, n, m, "cw", kappa));
        base_cell(t, v.pgd_all[k]);
        base_cell(t, v.pgd[k]);
        edd_buf_printf(t, "\n");
    }
    const repro_base_row *b = v.pgd[0], *c0 = v.clean[0];
    int left_out = 0;
    edd_buf out = {0};
    edd_buf_append(&out, "", 0);
    for (int k = 1; k < REPRO_BASE_NMODELS; k++)
        if (v.hold[k] == REPRO_HOLD_LEFT_OUT)
            edd_buf_printf(&out, "%s%s (%.1f%%)", left_out++ ? ", " : "", repro_base_labels[k],
                           100 * v.clean[k]->clean_accuracy);
    t->err |= out.err;
    edd_buf_printf(t, "\n");
    if (v.best >= 0) {
        const repro_base_row *d = v.pgd[v.best];
        if (v.hold[v.best] == REPRO_HOLD_YES)
            edd_buf_printf(t, "Under PGD with the margin loss at eps %g, %s holds best: %.1f%% misclassified "
                              "(%.1f-%.1f) against %.1f%% (%.1f-%.1f) for the undefended model",
                           eps, repro_base_labels[v.best], 100 * d->misclassified, 100 * d->lo, 100 * d->hi,
                           100 * b->misclassified, 100 * b->lo, 100 * b->hi);
        else
            edd_buf_printf(t, "No defense holds under PGD with the margin loss at eps %g: the lowest misclassified "
                              "rate, %.1f%% (%.1f-%.1f) for %s, is not below the undefended model's %.1f%% "
                              "(%.1f-%.1f) beyond both intervals",
                           eps, 100 * d->misclassified, 100 * d->lo, 100 * d->hi, repro_base_labels[v.best],
                           100 * b->misclassified, 100 * b->lo, 100 * b->hi);
    } else {
        edd_buf_printf(t, "No defense holds under PGD with the margin loss at eps %g: none keeps %.0f%% of the "
                          "undefended model's clean accuracy", eps, 100 * REPRO_HOLD_CLEAN);
    }
    if (left_out)
        edd_buf_printf(t, " (left out, their clean accuracy below %.0f%% of the undefended model's %.1f%%: %s)",
                       100 * REPRO_HOLD_CLEAN, c0 ? 100 * c0->clean_accuracy : 0.0, out.s);
    edd_buf_free(&out);
    masking_sentence(t, &v, eps);
    free(w);
    return EDD_OK;
}

void repro_ablation_judge(const repro_base_row *w, int n, double gamma, repro_ablation_verdicts *v)
{
    memset(v, 0, sizeof *v);
    v->hinge40 = v->none = v->literal = -1;
    for (int k = 0; k < REPRO_ABLATION_NMODELS; k++) {
        const repro_ablation_model *m = &repro_ablation[k];
        v->jsma[k] = repro_base_find(w, n, m->model, "jsma", gamma);
        v->exact[k] = repro_base_find(w, n, m->model, "jsma-exact", gamma);
        if (m->penalty == EDD_PENALTY_NONE)
            v->none = k;
        else if (m->penalty == EDD_PENALTY_LITERAL)
            v->literal = k;
        else if (!strcmp(m->model, "distilled"))
            v->hinge40 = k;
    }
    const repro_base_row *h = v->hinge40 >= 0 ? v->jsma[v->hinge40] : NULL, *a = v->none >= 0 ? v->jsma[v->none] : NULL,
                         *l = v->literal >= 0 ? v->jsma[v->literal] : NULL;
    const repro_base_row *hx = v->hinge40 >= 0 ? v->exact[v->hinge40] : NULL;
    if (h && hx && h->hi >= hx->lo)
        v->verdict = REPRO_ABL_NO_MASKING;
    else if (!h || !a || !l)
        v->verdict = REPRO_ABL_NO_ROWS;
    else if (h->hi < a->lo && h->hi < l->lo)
        v->verdict = REPRO_ABL_HINGE;
    else if (a->misclassified <= h->misclassified)
        v->verdict = REPRO_ABL_NOT_HINGE;
    else
        v->verdict = REPRO_ABL_UNRESOLVED;
}

/* "Eq. 3 ablation": the distilled model with each reading of the penalty,
 * and whether JSMA's gradient masking comes from the hinge
 * (repro_ablation_judge). */
static edd_status ablation_section(repro *r, edd_buf *t)
{
    const edd_repro_scale *sc = r->sc;
    repro_base_row *w;
    int n;
    edd_status st = repro_base_read(r, "ablation.csv", &w, &n);
    if (st)
        return st;
    const double eps = repro_base_eps(sc), gamma = repro_base_gamma(sc);
    repro_ablation_verdicts v;
    repro_ablation_judge(w, n, gamma, &v);
    edd_buf_printf(t, "## Eq. 3 ablation\n\n"
                      "`ablation.csv`. The distilled model's recipe (the teacher's sigma, alpha %g, seed %llu, so that "
                      "only the penalty differs) with Eq. 3 read as nothing, as printed (literal), and as the hinge at "
                      "kappa 10, 40 (the distilled model) and 100. docs/ATTACKS.md found the paper's JSMA masked on the "
                      "distilled model and put it down to the hinge saturating the softmax, which turns cleverhans' "
                      "float32 Jacobian into noise; the exact-gradient JSMA beside it is the control. The paper runs no such ablation, so "
                      "this table has no paper column.\n\n"
                      "| Eq. 3 | model | clean accuracy (95%% interval) | false positives | misclassified: FGM all, "
                      "eps %g | JSMA (cleverhans), gamma %g | JSMA (exact), gamma %g | PGD-margin, eps %g |\n"
                      "|---|---|---|---:|---|---|---|---|\n",
                   (double)sc->alpha, (unsigned long long)repro_seed(r, SEED_DISTILLED), eps, gamma, gamma, eps);
    for (int k = 0; k < REPRO_ABLATION_NMODELS; k++) {
        const repro_ablation_model *m = &repro_ablation[k];
        edd_buf_printf(t, "| %s | `%s` |", m->label, m->model);
        clean_cells(t, repro_base_find(w, n, m->model, "clean", 0.0));
        base_cell(t, repro_base_find(w, n, m->model, "fgm-all", eps));
        base_cell(t, v.jsma[k]);
        base_cell(t, v.exact[k]);
        base_cell(t, repro_base_find(w, n, m->model, "pgd-margin", eps));
        edd_buf_printf(t, "\n");
    }
    const repro_base_row *h = v.hinge40 >= 0 ? v.jsma[v.hinge40] : NULL, *a = v.none >= 0 ? v.jsma[v.none] : NULL,
                         *l = v.literal >= 0 ? v.jsma[v.literal] : NULL;
    const repro_base_row *hx = v.hinge40 >= 0 ? v.exact[v.hinge40] : NULL;
    if (v.verdict == REPRO_ABL_NO_MASKING) {
        edd_buf_printf(t, "\nNo JSMA masking to attribute at this scale: on the hinge-kappa-40 model cleverhans' JSMA at "
                          "gamma %g misclassifies %.1f%% and the exact-gradient one %.1f%%, not apart beyond both 95%% "
                          "intervals.\n", gamma, 100 * h->misclassified, 100 * hx->misclassified);
    } else if (v.verdict != REPRO_ABL_NO_ROWS) {
        edd_buf_printf(t, "\n");
        if (v.verdict == REPRO_ABL_HINGE)
            edd_buf_printf(t, "JSMA's gradient masking comes from the hinge: with cleverhans' Jacobian, JSMA at gamma "
                              "%g misclassifies %.1f%% of the hinge-kappa-40 model's images, against %.1f%% without a "
                              "penalty and %.1f%% with the literal reading, beyond both 95%% intervals",
                           gamma, 100 * h->misclassified, 100 * a->misclassified, 100 * l->misclassified);
        else if (v.verdict == REPRO_ABL_NOT_HINGE)
            edd_buf_printf(t, "JSMA's gradient masking is not the hinge's: without any penalty the distilled model "
                              "resists cleverhans' JSMA at gamma %g as well (%.1f%% misclassified, against %.1f%% with "
                              "the hinge at kappa 40)",
                           gamma, 100 * a->misclassified, 100 * h->misclassified);
        else
            edd_buf_printf(t, "Not resolved at this scale: cleverhans' JSMA at gamma %g misclassifies more without the "
                              "hinge (%.1f%% with no penalty, %.1f%% literal) than with it at kappa 40 (%.1f%%), but "
                              "within the 95%% intervals",
                           gamma, 100 * a->misclassified, 100 * l->misclassified, 100 * h->misclassified);
        if (hx && v.exact[v.none])
            edd_buf_printf(t, "; the exact-gradient JSMA misclassifies %.1f%% (hinge, kappa 40) and %.1f%% (no "
                              "penalty)", 100 * hx->misclassified, 100 * v.exact[v.none]->misclassified);
        edd_buf_printf(t, ".\n");
    }
    edd_buf_printf(t, "\n");
    free(w);
    return EDD_OK;
}

/* The figure CSVs, in report order, and their sections' titles. */
static const char *const figs[][2] = {
    {"fig2a_fgm.csv", "Fig. 2a: white-box FGM (paper's loss and adaptive)"},
    {"fig2b_jsma.csv", "Fig. 2b: white-box JSMA (the paper's and exact-gradient)"},
    {"fig2c_cw.csv", "Fig. 2c: white-box CW-L2 (the paper's budget and a larger one)"},
    {"fig2d_alpha.csv", "Fig. 2d: alpha (FGM)"},
    {"fig2e_passes.csv", "Fig. 2e: N passes (FGM)"},
    {"fig3a_fgm.csv", "Fig. 3a: black-box FGM, defended surrogate"},
    {"fig3b_fgm.csv", "Fig. 3b: black-box FGM, undefended surrogate"},
    {"fig3c_jsma.csv", "Fig. 3c: black-box JSMA, defended surrogate (the paper's and exact-gradient)"},
    {"fig3d_jsma.csv", "Fig. 3d: black-box JSMA, undefended surrogate"},
    {"fig3e_cw.csv", "Fig. 3e: black-box CW-L2, defended surrogate"},
    {"fig3f_cw.csv", "Fig. 3f: black-box CW-L2, undefended surrogate"},
};
#define NFIGS (sizeof figs / sizeof figs[0])

void repro_absent(const repro *r, const char *who, edd_buf *t)
{
    static const char *const inputs[] = {"headline.csv", "security.csv", "baselines.csv", "ablation.csv",
                                         "standard.csv"};
    const size_t ninputs = sizeof inputs / sizeof inputs[0];
    int missing = 0;
    for (size_t i = 0; i < ninputs + NFIGS; i++) {
        const char *csv = i < ninputs ? inputs[i] : figs[i - ninputs][0];
        if (!repro_have(r, csv)) {
            if (!missing++)
                edd_buf_printf(t, "%s holds part of a run (`--only`): absent are ", who);
            edd_buf_printf(t, "%s`%s`", missing > 1 ? ", " : "", csv);
        }
    }
    if (missing)
        edd_buf_printf(t, ". Their sections are left out; `edd reproduce` without `--only` makes them.\n\n");
}

edd_status repro_report(repro *r)
{
    edd_buf t = {0};
    edd_buf_printf(&t, "# Extending Defensive Distillation: reproduction report\n\n"
                       "Papernot and McDaniel (2017), re-run on %s by `edd reproduce --scale %s%s`. %s"
                       "Its Figs. 2 and 3 are curves, ours are in `plots/` and in the tables below. "
                       "docs/REPRODUCING.md says where we read the paper.\n\n",
                       repro_data_title(r), r->sc->name, repro_on_mnist(r) ? "" : " --data fashion",
                       repro_on_mnist(r) ? "The paper's numbers are beside ours. "
                                         : "The paper reports nothing on this dataset: its column is empty. ");
    repro_absent(r, "This folder", &t);
    edd_status st = repro_have(r, "headline.csv") ? headline(r, &t) : EDD_OK;
    if (!st && repro_have(r, "fig2a_fgm.csv") && repro_have(r, "fig2b_jsma.csv") && repro_have(r, "fig2c_cw.csv"))
        st = adaptive(r, &t);
    if (!st && repro_have(r, "security.csv"))
        st = security_section(r, &t);
    if (!st && repro_have(r, "security.csv"))
        st = masking_section(r, &t);
    if (!st && repro_have(r, "baselines.csv"))
        st = baselines_section(r, &t);
    if (!st && repro_have(r, "ablation.csv"))
        st = ablation_section(r, &t);
    if (!st && repro_have(r, "standard.csv"))
        st = repro_report_standard(r, &t);
    if (!st)
        edd_buf_printf(&t, "## Figures\n\nRates are over all attacked images (recovered + detected + misclassified = 1); the "
                           "mean L2 is over the misclassified ones, the paper's x-axis (the CW plots put kappa on the x-axis "
                           "and the mean L2 on the right one). The white-box figures also hold the undefended baseline "
                           "(model `baseline`: the same attack made and scored on it), drawn dashed.\n\n");
    for (size_t i = 0; !st && i < NFIGS; i++) {
        if (!repro_have(r, figs[i][0]))
            continue;
        st = figure_table(r, &t, figs[i][0], figs[i][1]);
        if (!st && !strcmp(figs[i][0], "fig2c_cw.csv"))
            st = cw_cliff(r, &t);
    }
    if (!st) {
        settings(r, &t);
        stage_times(r, &t);
        char cpu[256], date[64];
        const dnnl_version_t *v = dnnl_version();
        time_t now = time(NULL);
        strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", gmtime(&now));
        cpu_model(cpu, sizeof cpu);
        edd_buf_printf(&t, "## Machine\n\n- CPU: %s, %ld cores online\n- OpenMP threads: %d; SIMD: %s\n- oneDNN %d.%d.%d "
                           "(%s)\n- written %s\n",
                       cpu, sysconf(_SC_NPROCESSORS_ONLN), r->ctx->nthreads, r->ctx->simd == EDD_SIMD_AVX2 ? "AVX2" : "scalar",
                       v->major, v->minor, v->patch, v->cpu_runtime == DNNL_RUNTIME_OMP ? "OpenMP" : "other runtime", date);
    }
    if (!st)
        st = repro_write_text(r, "report.md", &t);
    edd_buf_free(&t);
    return st;
}
