/* report_security.c - report.md's sections "Does the defense hold?" (the
 * security stage: the worst case per image over FGM, PGD and transfer, at
 * each eps) and "Gradient-masking diagnostics" (the checks of Carlini et al.
 * 2019 applied to this folder's figures and security.csv).
 *
 * Owns: repro_report_security, repro_report_masking, repro_noise_check
 * (check 4, which the standard suite's section cites).
 * May call: report.h (the floors, absent inputs), repro.h (the CSV
 * readers, repro_wilson), standard.h. Reads only files
 * in the results folder. A pipeline test gets no check judged; a model
 * below the floor has its rows marked and is left out of the checks. */
#include "report.h"
#include "standard.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
edd_status repro_report_security(repro *r, edd_buf *t)
{
    repro_sec_row *w;
    int n;
    edd_status st = repro_sec_read(r, "security.csv", &w, &n);
    if (st)
        return st;
    edd_buf plot = {0};
    edd_buf_append(&plot, "", 0);
    repro_plot_named(r, &plot, ", ", "security");
    t->err |= plot.err;
    edd_buf_printf(t, "## Does the defense hold? The worst case per image\n\n"
                      "`security.csv`%s. For each model and L-inf eps, the suite is white-box "
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
                   plot.s, r->sc->pgd_steps, r->sc->pgd_restarts, r->sc->pgd_restarts > 1 ? "s" : "");
    edd_buf_free(&plot);
    const repro_sec_row *last_base = NULL, *last_dist = NULL;
    for (int i = 0; i < n; i++) {
        if (strcmp(w[i].attack, "worst-case"))
            continue;
        const repro_sec_row *c = sec_find(w, n, w[i].model, w[i].eps, "clean");
        const repro_sec_row *s = sec_strongest(w, n, w[i].model, w[i].eps);
        char why[160];
        edd_buf_printf(t, "| %g | %s%s | %zu | %.1f%% | %.1f%% (%.1f-%.1f) | %s (%.1f%%) | %zu |\n", w[i].eps,
                       w[i].model, repro_model_unfit(r, w[i].model, why, sizeof why) ? REPRO_FLOOR_MARK : "", w[i].n,
                       c ? 100 * c->robust : 0.0, 100 * w[i].robust, 100 * w[i].lo, 100 * w[i].hi, s ? s->attack : "-", s ? 100 * s->robust : 0.0, s ? s->only : 0);
        if (!strcmp(w[i].model, "baseline"))
            last_base = &w[i];
        else if (!strcmp(w[i].model, "distilled"))
            last_dist = &w[i];
    }
    if (last_base && last_dist && fabs(last_base->eps - last_dist->eps) < 1e-6) {
        const repro_sec_row *s = sec_strongest(w, n, "distilled", last_dist->eps);
        edd_buf_printf(t, "\nAt eps %g (rows worst-case, models distilled and baseline), the worst case leaves the "
                          "distilled model %.1f%% robust accuracy (%.1f-%.1f) against %.1f%% (%.1f-%.1f) for the "
                          "undefended baseline; its strongest single attack there is %s.\n",
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
 * beyond both 95% intervals, on the distilled model when it is above the
 * floor. Returns the failures found; *judged counts the pairs compared. */
static int check_transfer_figs(repro *r, edd_buf *t, const char *white, const char *transfer, int *judged)
{
    repro_row *a, *b;
    int na, nb, fails = 0;
    char why[160];
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
                strcmp(a[i].source, a[i].target) ||
                repro_unfit(r, "distilled", a[i].clean_accuracy, a[i].false_positives, why, sizeof why))
                continue;
            double lo_b, hi_b, lo_a, hi_a;
            repro_wilson(b[j].misclassified, b[j].n, &lo_b, &hi_b);
            repro_wilson(a[i].misclassified, a[i].n, &lo_a, &hi_a);
            ++*judged;
            if (lo_b <= hi_a)
                continue;
            char ta[64], tb[64];
            rate_text(ta, sizeof ta, a[i].misclassified, a[i].n);
            rate_text(tb, sizeof tb, b[j].misclassified, b[j].n);
            edd_buf_printf(t, "   - **flagged**: %s from %s at %s %g (%s, variant paper) misclassifies %s of the "
                              "distilled model's images; white-box %s (%s) at the same setting only %s.\n",
                           b[j].attack, b[j].source, b[j].setting, b[j].value, b[j].figure, tb, a[i].attack,
                           a[i].figure, ta);
            fails++;
        }
    free(a);
    free(b);
    return fails;
}

/* Check 1: the figure pairs (white-box, transfer) present, then
 * security.csv's transfer rows against its white-box PGD rows. */
static void check_transfer(repro *r, edd_buf *t, const repro_sec_row *w, int n, const int *unfit)
{
    static const char *const pairs[][2] = {{"fig2a_fgm.csv", "fig3b_fgm.csv"}, {"fig2a_fgm.csv", "fig3a_fgm.csv"},
                                           {"fig2b_jsma.csv", "fig3d_jsma.csv"}, {"fig2b_jsma.csv", "fig3c_jsma.csv"},
                                           {"fig2c_cw.csv", "fig3f_cw.csv"}, {"fig2c_cw.csv", "fig3e_cw.csv"}};
    int f1 = 0, judged = 0, absent = 0;
    edd_buf_printf(t, "1. **A transfer attack beats the white-box attack at the same budget.**\n");
    for (size_t p = 0; p < sizeof pairs / sizeof pairs[0]; p++) {
        if (repro_have(r, pairs[p][0]) && repro_have(r, pairs[p][1]))
            f1 += check_transfer_figs(r, t, pairs[p][0], pairs[p][1], &judged);
        else
            absent++;
    }
    if (absent)
        edd_buf_printf(t, "   - %d pair%s of figures not compared: a white-box or transfer figure CSV is absent.\n",
                       absent, absent > 1 ? "s" : "");
    for (int i = 0; i < n; i++) {
        if (strncmp(w[i].attack, "transfer", 8) || unfit[i])
            continue;
        for (int a = 0; a < REPRO_SEC_NATTACKS; a++) {
            const repro_sec_row *x = sec_find(w, n, w[i].model, w[i].eps, repro_sec_names[a]);
            if (!x || !strncmp(x->attack, "transfer", 8) || !strstr(x->attack, "pgd"))
                continue;
            judged++;
            if (w[i].hi >= x->lo)
                continue;
            edd_buf_printf(t, "   - **flagged**: on %s at eps %g, %s leaves %.1f%% robust (%.1f-%.1f) where white-box %s "
                              "leaves %.1f%% (%.1f-%.1f).\n",
                           w[i].model, w[i].eps, w[i].attack, 100 * w[i].robust, 100 * w[i].lo, 100 * w[i].hi,
                           x->attack, 100 * x->robust, 100 * x->lo, 100 * x->hi);
            f1++;
        }
    }
    if (!f1)
        edd_buf_printf(t, "   - %s\n", judged ? "passed: no transfer attack beats a white-box one beyond the intervals."
                                             : "not checked: no pair of rows to compare.");
}

/* Checks 2 and 3 on security.csv's rows of models above the floor. */
static void check_budget(edd_buf *t, const repro_sec_row *w, int n, const int *unfit)
{
    edd_buf_printf(t, "2. **Success does not rise with the budget** (robust accuracy that grows with eps, per "
                      "attack).\n");
    int f2 = 0, any2 = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            if (unfit[i] || strcmp(w[i].model, w[j].model) || strcmp(w[i].attack, w[j].attack) ||
                !(w[j].eps > w[i].eps) || w[j].eps >= 1.0 || !strcmp(w[i].attack, "clean"))
                continue;
            any2 = 1;
            if (w[j].lo <= w[i].hi)
                continue;
            edd_buf_printf(t, "   - **flagged**: %s on %s: robust accuracy %.1f%% (%.1f-%.1f) at eps %g but %.1f%% "
                              "(%.1f-%.1f) at the larger eps %g.\n",
                           w[i].attack, w[i].model, 100 * w[i].robust, 100 * w[i].lo, 100 * w[i].hi, w[i].eps,
                           100 * w[j].robust, 100 * w[j].lo, 100 * w[j].hi, w[j].eps);
            f2++;
        }
    if (!f2)
        edd_buf_printf(t, "   - %s\n", any2 ? "passed: every attack's robust accuracy falls (or stays) as eps grows."
                                           : "not checked: no model has rows at two eps.");
    edd_buf_printf(t, "3. **An unbounded attack does not reach 100%%** (PGD with the margin loss at eps 1, which can "
                      "reach any image).\n");
    int any3 = 0;
    for (int i = 0; i < n; i++) {
        if (w[i].eps < 1.0 || unfit[i])
            continue;
        any3 = 1;
        if (w[i].robust > 0.0)
            edd_buf_printf(t, "   - **flagged**: on %s, %zu of the correctly classified images survive PGD at eps 1 "
                              "(robust accuracy %.1f%%).\n",
                           w[i].model, (size_t)llround(w[i].robust * (double)w[i].n), 100 * w[i].robust);
        else
            edd_buf_printf(t, "   - passed on %s: PGD at eps 1 breaks every image it classifies.\n", w[i].model);
    }
    if (!any3)
        edd_buf_printf(t, "   - not run (no eps 1 row of a model above the floor in security.csv).\n");
}

int repro_noise_check(const repro *r, const repro_sec_row *w, int n, edd_buf *t)
{
    int flags = 0, judged = 0;
    for (int i = 0; i < n; i++) {
        char why[160];
        if (strcmp(w[i].attack, "noise") || repro_model_unfit(r, w[i].model, why, sizeof why))
            continue;
        for (int a = 0; a < REPRO_SEC_NATTACKS; a++) {
            const repro_sec_row *x = NULL;
            for (int j = 0; j < n && !x; j++)
                if (!strcmp(w[j].model, w[i].model) && fabs(w[j].eps - w[i].eps) < 1e-6 &&
                    !strcmp(w[j].attack, repro_sec_names[a]))
                    x = &w[j];
            if (!x || !strncmp(x->attack, "transfer", 8))
                continue;
            judged++;
            if (w[i].hi >= x->lo)
                continue;
            edd_buf_printf(t, "   - **flagged**: on %s at eps %g, random noise breaks %zu images (robust %.1f%%, "
                              "%.1f-%.1f), white-box %s%s only %zu (robust %.1f%%, %.1f-%.1f); %zu of noise's images "
                              "no white-box attack broke.\n",
                           w[i].model, w[i].eps, w[i].broken, 100 * w[i].robust, 100 * w[i].lo, 100 * w[i].hi,
                           x->attack, a == 0 ? " (the paper's attack)" : "", x->broken, 100 * x->robust, 100 * x->lo,
                           100 * x->hi, w[i].only);
            flags++;
        }
    }
    if (!flags)
        edd_buf_printf(t, "   - %s\n", judged ? "passed: random noise breaks no more images than any white-box attack, "
                                                 "beyond the intervals."
                                               : "not checked: no noise row of a model above the floor.");
    return flags;
}

/* The gradient-masking checks of Carlini et al. 2019, "On Evaluating
 * Adversarial Robustness", on every model of security.csv above the floor
 * and on the distilled model's figures, each failure with its evidence;
 * none on a pipeline test. */
edd_status repro_report_masking(repro *r, edd_buf *t)
{
    edd_buf_printf(t, "## Gradient-masking diagnostics\n\n"
                      "The checks of Carlini et al. 2019 (\"On Evaluating Adversarial Robustness\"), run on this "
                      "folder's numbers. A check is flagged only when the difference is beyond both 95%% Wilson "
                      "intervals; the undefended baseline is the control.");
    if (repro_no_verdict(r, t, " Here: ", "", 1.0, 0.0)) {
        edd_buf_printf(t, ".\n\n");
        return EDD_OK;
    }
    edd_buf_printf(t, "\n\n");
    repro_sec_row *w;
    int n;
    edd_status st = repro_sec_read(r, "security.csv", &w, &n);
    if (st)
        return st;
    int *unfit = calloc((size_t)n + 1, sizeof *unfit);
    if (!unfit) {
        free(w);
        return edd_fail(r->ctx, EDD_ERR_NOMEM, "report.md: out of memory for %d rows of security.csv", n);
    }
    for (int i = 0; i < n; i++) {
        char why[160];
        unfit[i] = repro_model_unfit(r, w[i].model, why, sizeof why);
        int first = 1;
        for (int j = 0; j < i && first; j++)
            first = strcmp(w[j].model, w[i].model) != 0;
        if (unfit[i] && first)
            edd_buf_printf(t, "Left out of every check: %s.\n\n", why);
    }
    check_transfer(r, t, w, n, unfit);
    check_budget(t, w, n, unfit);
    edd_buf_printf(t, "4. **Random noise breaks more images than a white-box attack** (%d random corners of the "
                      "eps-ball per image, against each single white-box attack at the same eps, the paper's FGM "
                      "first).\n",
                   REPRO_SEC_NOISE);
    repro_noise_check(r, w, n, t);
    edd_buf_printf(t, "\n");
    free(unfit);
    free(w);
    return EDD_OK;
}
