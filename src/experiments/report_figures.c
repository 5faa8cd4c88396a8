/* report_figures.c - report.md's figure sections: each figure CSV as a
 * table (the distilled model's rates beside the baseline's, 95% Wilson
 * intervals), Fig. 2c's CW cliff in words, and "At a glance: what
 * survives the adaptive attacker" (the paper's attacks against the
 * adaptive ones, Figs. 2a-c).
 *
 * Owns: repro_report_figure, repro_report_cw_cliff, repro_report_adaptive,
 * repro_find_row.
 * May call: report.h (the floors, absent inputs), repro.h (the CSV
 * readers). Reads only files in the results folder. Every sentence with a
 * number names the figure, variant and setting of the row it rests on;
 * a verdict is left out (and says why) on a pipeline test or a model
 * below the floor. */
#include "report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

edd_status repro_report_figure(repro *r, edd_buf *t, const char *csv, const char *title)
{
    repro_row *rows;
    int n;
    edd_status st = repro_rows_read(r, csv, &rows, &n);
    if (st)
        return st;
    const char *fig = n ? rows[0].figure : "";
    int few = 0;
    if (!n) {
        edd_buf_printf(t, "### %s\n\n`%s` has no rows.\n\n", title, csv);
        free(rows);
        return EDD_OK;
    }
    edd_buf_printf(t, "### %s\n\n`%s`", title, csv);
    repro_plot_named(r, t, ", ", fig);
    {
        edd_buf_printf(t, "; ");
        model_pairs(t, rows, n);
        edd_buf_printf(t, " (source -> scored on), %zu test images per point", rows[0].n);
    }
    edd_buf_printf(t, "\n\n| %s | model | variant | recovered | detected | misclassified | 95%% interval (misclassified, %%) | "
                      "mean L2 (misclassified) | success on source | clean accuracy (these images) | false positives (these "
                      "images) |\n|---:|---|---|---:|---:|---:|---|---:|---:|---:|---:|\n",
                      rows[0].setting);
    for (int i = 0; i < n; i++) {
        double lo, hi;
        char l2[32] = "-";
        long mis = lround(rows[i].misclassified * (double)rows[i].n);
        wilson(rows[i].misclassified, rows[i].n, &lo, &hi);
        if (mis > 0)
            snprintf(l2, sizeof l2, "%.2f%s", rows[i].mean_l2, mis < REPRO_FEW_MISCLASSIFIED ? "*" : "");
        few |= mis > 0 && mis < REPRO_FEW_MISCLASSIFIED;
        char why[160];
        const int unfit = repro_unfit(r, rows[i].target, rows[i].clean_accuracy, rows[i].false_positives, why,
                                      sizeof why);
        edd_buf_printf(t, "| %g | %s%s | %s | %.3f | %.3f | %.3f | %.1f-%.1f | %s | %.3f | %.4f | %.4f |\n", rows[i].value,
                       rows[i].target, unfit ? REPRO_FLOOR_MARK : "", rows[i].variant, rows[i].recovered, rows[i].detected, rows[i].misclassified, lo,
                       hi, l2, rows[i].source_success, rows[i].clean_accuracy, rows[i].false_positives);
    }
    if (few)
        edd_buf_printf(t, "\n\\*: a mean over fewer than %d misclassified images (hollow in the plot).\n",
                       REPRO_FEW_MISCLASSIFIED);
    edd_buf_printf(t, "\n");
    free(rows);
    return EDD_OK;
}

/* 1 when the folder's csv has a row of the distilled model run as variant. */
static int has_variant(repro *r, const char *csv, const char *variant)
{
    repro_row *rows;
    int n, found = 0;
    if (!repro_have(r, csv) || repro_rows_read(r, csv, &rows, &n))
        return 0;
    for (int i = 0; i < n && !found; i++)
        found = !strcmp(rows[i].target, "distilled") && !strcmp(rows[i].variant, variant);
    free(rows);
    return found;
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

/* At the distilled model's cliff kappa (or, with none, the largest kappa
 * of its budget rows), the larger budget on the distilled model against
 * the baseline: the budget rows of Fig. 2c, named, and whether they are
 * apart beyond both 95% intervals. */
static void budget_sentence(repro *r, edd_buf *t, const repro_row *rows, int n, double kappa)
{
    const repro_row *last = NULL;
    for (int i = 0; isnan(kappa) && i < n; i++)
        if (!strcmp(rows[i].target, "distilled") && !strcmp(rows[i].variant, "budget") &&
            (!last || rows[i].value > last->value))
            last = &rows[i];
    if (last)
        kappa = last->value;
    const repro_row *d = repro_find_row(rows, n, "distilled", "budget", kappa);
    const repro_row *b = repro_find_row(rows, n, "baseline", "budget", kappa);
    if (!d || !b)
        return;
    double dlo, dhi, blo, bhi;
    repro_wilson(d->misclassified, d->n, &dlo, &dhi);
    repro_wilson(b->misclassified, b->n, &blo, &bhi);
    edd_buf_printf(t, "\nThe larger budget on both models at kappa %g (Fig. 2c, variant budget, rows distilled and "
                      "baseline): %.1f%% (%.1f-%.1f) of the distilled model's images misclassified against %.1f%% "
                      "(%.1f-%.1f) of the undefended baseline's",
                   kappa, 100 * d->misclassified, 100 * dlo, 100 * dhi, 100 * b->misclassified, 100 * blo, 100 * bhi);
    if (!repro_no_verdict(r, t, ": ", "distilled", d->clean_accuracy, d->false_positives) &&
        !repro_no_verdict(r, t, ": ", "baseline", b->clean_accuracy, b->false_positives))
        edd_buf_printf(t, "%s", dhi < blo ? ": apart beyond both 95% intervals, so at this kappa the distilled model "
                                            "resists the larger budget more than the undefended one does"
                               : dlo > bhi ? ": apart beyond both 95% intervals, the distilled model the weaker"
                                           : ": within the 95% intervals, no difference between the models here");
    edd_buf_printf(t, ".\n");
}

/* Fig. 2c's cliff, from the rows: where each budget's misclassified rate
 * falls below half of its kappa-0 rate, on the distilled model and on the
 * undefended baseline, and what the larger budget changes there. */
edd_status repro_report_cw_cliff(repro *r, edd_buf *t)
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
                      "Generated from the rows above (Fig. 2c, models distilled and baseline, variants paper and "
                      "budget): the misclassified rate (a failed CW returns the clean image, which then counts as "
                      "recovered). An explanation of the cliff goes in this section and rests on these numbers; the "
                      "generator writes only what the rows show.\n\n");
    double cliff[2][2];
    static const char *const tg[2] = {"distilled", "baseline"};
    for (int m = 0; m < 2; m++)
        for (int v = 0; v < 2; v++) {
            char what[256];
            snprintf(what, sizeof what, "%s, %s", tg[m], v ? budget : paper);
            cliff_sentence(t, rows, n, tg[m], repro_variant_names[v ? VAR_BUDGET : VAR_PAPER], what, &cliff[m][v]);
        }
    const repro_row *a = isnan(cliff[0][0]) ? NULL : repro_find_row(rows, n, "distilled", "paper", cliff[0][0]);
    const repro_row *b = isnan(cliff[0][0]) ? NULL : repro_find_row(rows, n, "distilled", "budget", cliff[0][0]);
    if (a && b) {
        edd_buf_printf(t, "\nAt kappa %g, where the paper's budget falls below half on the distilled model, the larger "
                          "budget misclassifies %.1f%% against %.1f%% (Fig. 2c, distilled, variants budget and paper; "
                          "same %zu images and targets)",
                       cliff[0][0], 100 * b->misclassified, 100 * a->misclassified, a->n);
        if (!repro_no_verdict(r, t, ": ", "distilled", a->clean_accuracy, a->false_positives))
            edd_buf_printf(t, ". %s", isnan(cliff[0][1]) ? "With the larger budget the rate stays at or above half "
                                                           "through the largest kappa run: within these kappas the "
                                                           "cliff is a limit of the attack's budget"
                                      : cliff[0][1] > cliff[0][0] ? "The larger budget moves the cliff to a larger "
                                                                    "kappa: at the paper's budget it is, at least in "
                                                                    "part, a limit of the attack's budget"
                                      : cliff[0][1] == cliff[0][0] ? "The larger budget has its cliff at the same "
                                                                     "kappa: on these images it does not move it"
                                                                   : "The larger budget falls below half at a smaller "
                                                                     "kappa");
        edd_buf_printf(t, ".\n");
    }
    budget_sentence(r, t, rows, n, cliff[0][0]);
    edd_buf_printf(t, "\n");
    free(rows);
    return EDD_OK;
}

/* One attack's paper variant against another (variant), point by point,
 * on the distilled model; one line instead when csv is absent or has no
 * such pair of rows. */
static edd_status gap_table(repro *r, edd_buf *t, const char *csv, const char *title, const char *variant,
                            const char *paper, const char *other)
{
    repro_row *rows;
    int n, pairs = 0;
    if (!repro_have(r, csv)) {
        edd_buf_printf(t, "%s: not run in this folder (%s is absent).\n\n", title, csv);
        return EDD_OK;
    }
    edd_status st = repro_rows_read(r, csv, &rows, &n);
    if (st)
        return st;
    for (int i = 0; i < n; i++)
        pairs += !strcmp(rows[i].target, "distilled") && !strcmp(rows[i].variant, "paper") &&
                 repro_find_row(rows, n, "distilled", variant, rows[i].value);
    if (!pairs) {
        edd_buf_printf(t, "%s: `%s` has no rows of the distilled model with both variants paper and %s.\n\n", title,
                       csv, variant);
        free(rows);
        return EDD_OK;
    }
    edd_buf_printf(t, "`%s`, model distilled, variants paper and %s:\n\n| %s | misclassified, %s | misclassified, %s | "
                      "recovered+detected, paper's | recovered+detected, %s |\n|---:|---:|---:|---:|---:|\n",
                   csv, variant, title, paper, other, variant);
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

/* The rows of csv's distilled model at value, variants paper (p) and v
 * (NULL where absent), read into *rows (caller frees). */
static void pair_at(repro *r, const char *csv, double value, const char *v, repro_row **rows, const repro_row **p,
                    const repro_row **a)
{
    int n = 0;
    *rows = NULL;
    *p = *a = NULL;
    if (!repro_have(r, csv) || repro_rows_read(r, csv, rows, &n))
        return;
    *p = repro_find_row(*rows, n, "distilled", "paper", value);
    *a = repro_find_row(*rows, n, "distilled", v, value);
}

/* The FGM bullet: what Fig. 2a's distilled rows at the headline eps show,
 * recovered against detected against misclassified, for the paper's loss
 * (all 11 outputs) and the adaptive one (the real classes). */
static void fgm_bullet(repro *r, edd_buf *t)
{
    const double eps = repro_paper_attack(ATT_FGM)->setting;
    repro_row *rows;
    const repro_row *p, *a;
    pair_at(r, "fig2a_fgm.csv", eps, "adaptive", &rows, &p, &a);
    edd_buf_printf(t, "- **FGM**: the paper computed FGM's loss over all K = 11 outputs, outlier included; an attacker "
                      "who knows the defense takes the loss over the real classes only (`--loss real`).");
    if (p)
        edd_buf_printf(t, " At eps %g (Fig. 2a, model distilled, variant paper) the paper's FGM leaves %.1f%% of the "
                          "images recovered, %.1f%% detected (the outlier class) and %.1f%% misclassified: of the "
                          "images it does not misclassify, most are %s",
                       eps, 100 * p->recovered, 100 * p->detected, 100 * p->misclassified,
                       p->recovered >= p->detected ? "recovered, not detected: the attack mostly leaves the prediction "
                                                     "where it was rather than pushing it into the outlier class"
                                                   : "detected: the attack mostly pushes them into the outlier class");
    if (p && a)
        edd_buf_printf(t, "; the adaptive FGM (variant adaptive) leaves %.1f%% recovered, %.1f%% detected and %.1f%% "
                          "misclassified", 100 * a->recovered, 100 * a->detected, 100 * a->misclassified);
    edd_buf_printf(t, "%s\n", p ? "." : "");
    free(rows);
}

/* The JSMA bullet: the paper's JSMA against the exact-gradient one at
 * the headline gamma (Fig. 2b's distilled rows), and what the gap says. */
static void jsma_bullet(repro *r, edd_buf *t)
{
    const double gamma = repro_paper_attack(ATT_JSMA)->setting;
    repro_row *rows;
    const repro_row *p, *a;
    pair_at(r, "fig2b_jsma.csv", gamma, "adaptive", &rows, &p, &a);
    edd_buf_printf(t, "- **JSMA**: cleverhans computes beta, the sum of the other outputs' probability gradients, in "
                      "float32. Where the Eq. 3 hinge (kappa = 40) saturates the softmax, the target's probability "
                      "gradient is below e^-40 (about 4e-18) while beta is rounding noise from terms that should "
                      "cancel, and the pair search picks pixels at random. The probabilities sum to one, so beta = "
                      "-alpha exactly; the adaptive attacker uses that (one gradient per step, `--jacobian probs`).");
    if (p && a) {
        edd_buf_printf(t, " In this run, at gamma %g on %zu images (Fig. 2b, model distilled, variants paper and "
                          "adaptive): %.1f%% misclassified with the paper's JSMA, %.1f%% with the exact gradient",
                       gamma, p->n, 100 * p->misclassified, 100 * a->misclassified);
        if (!repro_no_verdict(r, t, ": ", "distilled", p->clean_accuracy, p->false_positives))
            edd_buf_printf(t, ": %s", fabs(a->misclassified - p->misclassified) <= 0.05
                                          ? "within 5 points, so this model's softmax is not saturated enough to "
                                            "mask the gradient (as after brief training)"
                                          : "the gap is the gradient masking described above");
        edd_buf_printf(t, ".");
    }
    edd_buf_printf(t, "\n");
    free(rows);
}

/* How much of the robustness survives an attacker who knows the defense. */
edd_status repro_report_adaptive(repro *r, edd_buf *t)
{
    if (!repro_have(r, "fig2a_fgm.csv") && !repro_have(r, "fig2b_jsma.csv") && !repro_have(r, "fig2c_cw.csv")) {
        edd_buf_printf(t, "At a glance, what survives the adaptive attacker: not run in this folder (fig2a_fgm.csv, "
                          "fig2b_jsma.csv and fig2c_cw.csv are absent).\n\n");
        return EDD_OK;
    }
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
    if (st)
        return st;
    fgm_bullet(r, t);
    jsma_bullet(r, t);
    edd_buf_printf(t, "- **CW-L2**: its loss takes the max over every other output, the outlier included, so the target "
                      "must already beat the outlier class: the adaptive CW is the same attack. What an attacker can "
                      "still change is the budget");
    if (has_variant(r, "fig2c_cw.csv", "budget"))
        edd_buf_printf(t, ": Fig. 2c runs the paper's (AdaDelta, %d iterations x %d binary-search steps) and a larger "
                          "one (Adam lr %g, %d x %d), on the same images and targets",
                       sc->cw_iterations, sc->cw_bsearch, (double)REPRO_CW_BUDGET_LR, sc->cw_big_iterations,
                       sc->cw_big_bsearch);
    edd_buf_printf(t, ".\n\n");
    return EDD_OK;
}
