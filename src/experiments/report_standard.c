/* report_standard.c - report.md's section "Does the defense hold? The
 * standard suite" (issue 23): the five models' robust accuracy against the
 * standard suite in L-inf and L2 with Wilson intervals, the median minimal
 * L2 per model with its bootstrap interval, one generated sentence on the
 * paper's L2 claim with the rule it applies, and the diagnostics that can
 * fail (gradient-free against white-box, convergence).
 *
 * Owns: repro_report_standard.
 * May call: report.h (the floors, absent inputs), repro.h (the CSV
 * readers, repro_wilson), standard.h, edd/io.h. Reads only files in the
 * results folder. A pipeline test gets no verdict and no diagnostic
 * judged; a model below the floor has its rows marked and no verdict. */
#include "edd/io.h"
#include "report.h"
#include "standard.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The paper's claim (Section 4.2) is at L2 < 4; it holds here when the
 * distilled model's worst-case robust accuracy at L2 = 4 has its 95%
 * interval at or above REPRO_CLAIM_HOLDS, and does not when the interval
 * lies below it. */
#define REPRO_CLAIM_L2 4.0
#define REPRO_CLAIM_HOLDS 0.5

/* The convergence check flags a drop larger than this (robust accuracy). */
#define REPRO_CONV_DROP 0.01

/* One line of min_l2_summary.csv. */
typedef struct {
    char model[32];
    size_t n, broken;
    double median, lo, hi;
} rs_summary;

/* One line of convergence.csv. */
typedef struct {
    int steps, restarts;
    size_t n, robust;
    double p, lo, hi;
} rs_conv;

/* Split line (its newline removed) at commas into at most max fields;
 * returns their count. */
static int rs_split(char *line, char **f, int max)
{
    int k = 0;
    line[strcspn(line, "\n")] = 0;
    for (char *p = line; k < max; p++) {
        f[k++] = p;
        p += strcspn(p, ",");
        if (!*p)
            break;
        *p = 0;
    }
    return k;
}

/* A number of a CSV cell ("inf" included, "-" NaN: no image); 0 if it is
 * not one. */
static int rs_num(const char *s, double *v)
{
    char *end;
    if (!strcmp(s, "-")) {
        *v = NAN;
        return 1;
    }
    *v = strtod(s, &end);
    return end != s && !*end;
}

/* Open out_dir/rel and check its first line is header. */
static edd_status rs_open(repro *r, const char *rel, const char *header, FILE **f)
{
    char path[EDD_PATH_MAX], line[512];
    edd_status st = repro_path(r, rel, path);
    if (!st)
        st = edd_file_fopen_regular(r->ctx, path, rel, f);
    if (!st && (!fgets(line, sizeof line, *f) || strncmp(line, header, strlen(header)))) {
        fclose(*f);
        *f = NULL;
        st = edd_fail(r->ctx, EDD_ERR_FORMAT, "%s: first line is not the header, expected '%s'", path, header);
    }
    return st;
}

/* min_l2_summary.csv into s (one per model of repro_base_models, by
 * index; n = 0 where absent). */
static edd_status rs_read_summary(repro *r, rs_summary *s)
{
    FILE *f;
    char line[512], *c[8];
    memset(s, 0, REPRO_BASE_NMODELS * sizeof *s);
    edd_status st = rs_open(r, "min_l2_summary.csv", REPRO_MINL2_SUMMARY_HEADER, &f);
    for (int ln = 2; !st && fgets(line, sizeof line, f); ln++) {
        double v[5];
        int ok = rs_split(line, c, 8) == 6;
        for (int j = 0; ok && j < 5; j++)
            ok = rs_num(c[j + 1], &v[j]);
        for (int j = 0; ok && j < 2; j++) /* the counts: whole numbers a size_t holds */
            ok = v[j] >= 0 && v[j] <= 1e9 && v[j] == floor(v[j]);
        if (!ok) {
            st = edd_fail(r->ctx, EDD_ERR_FORMAT, "min_l2_summary.csv:%d: expected %s", ln,
                          REPRO_MINL2_SUMMARY_HEADER);
            break;
        }
        for (int k = 0; k < REPRO_BASE_NMODELS; k++)
            if (!strcmp(c[0], repro_base_models[k]))
                s[k] = (rs_summary){.n = (size_t)v[0], .broken = (size_t)v[1], .median = v[2], .lo = v[3],
                                    .hi = v[4]};
    }
    if (f)
        fclose(f);
    return st;
}

/* " 1.23 (1.10-1.40)" for a median and its interval ("inf" for INFINITY). */
static void rs_median_text(edd_buf *t, const rs_summary *s)
{
    const double v[3] = {s->median, s->lo, s->hi};
    for (int j = 0; j < 3; j++) {
        edd_buf_printf(t, "%s", j == 1 ? " (" : j == 2 ? "-" : "");
        if (isnan(v[j]))
            edd_buf_printf(t, "none");
        else if (isinf(v[j]))
            edd_buf_printf(t, "inf");
        else
            edd_buf_printf(t, "%.2f", v[j]);
    }
    edd_buf_printf(t, ")");
}

/* The row of w for model k, norm, eps and attack, or NULL. */
static const repro_sec_row *rs_find(const repro_sec_row *w, const int *ord, int n, int k, int norm, double eps,
                                    const char *attack)
{
    for (int i = 0; i < n; i++)
        if (ord[i] == norm && !strcmp(w[i].model, repro_base_models[k]) && fabs(w[i].eps - eps) < 1e-6 &&
            !strcmp(w[i].attack, attack))
            return &w[i];
    return NULL;
}

/* The table of norm's rows: per eps and model, the clean accuracy, the
 * worst case with its interval, and the rows that broke images. */
static void rs_table(const repro *r, edd_buf *t, const repro_sec_row *w, const int *ord, int n, int norm)
{
    edd_buf_printf(t, "| %s eps | model | clean accuracy | robust accuracy, worst case (95%% interval) | images "
                      "broken, by the first row that broke them |\n|---:|---|---:|---|---|\n",
                   norm ? "L2" : "L-inf");
    for (int i = 0; i < n; i++) {
        if (ord[i] != norm || strcmp(w[i].attack, "worst-case"))
            continue;
        int k = 0;
        while (k < REPRO_BASE_NMODELS && strcmp(w[i].model, repro_base_models[k]))
            k++;
        if (k == REPRO_BASE_NMODELS)
            continue;
        const repro_sec_row *c = rs_find(w, ord, n, k, norm, w[i].eps, "clean");
        char why[160];
        edd_buf_printf(t, "| %g | %s%s | %.1f%% | %.1f%% (%.1f-%.1f) | ", w[i].eps, repro_base_models[k],
                       repro_model_unfit(r, repro_base_models[k], why, sizeof why) ? REPRO_FLOOR_MARK : "",
                       c ? 100 * c->robust : 0.0, 100 * w[i].robust, 100 * w[i].lo, 100 * w[i].hi);
        int listed = 0;
        for (int j = 0; j < n; j++)
            if (ord[j] == norm && !strcmp(w[j].model, w[i].model) && fabs(w[j].eps - w[i].eps) < 1e-6 &&
                w[j].only > 0 && strcmp(w[j].attack, "clean") && strcmp(w[j].attack, "worst-case"))
                edd_buf_printf(t, "%s%s %zu", listed++ ? ", " : "", w[j].attack, w[j].only);
        edd_buf_printf(t, "%s |\n", listed ? "" : "none");
    }
    edd_buf_printf(t, "\n");
}

/* The median minimal L2 table. */
static void rs_median_table(edd_buf *t, const rs_summary *s)
{
    edd_buf_printf(t, "| model | images classified correctly | broken at some L2 | median minimal L2 (95%% "
                      "bootstrap interval) |\n|---|---:|---:|---|\n");
    for (int k = 0; k < REPRO_BASE_NMODELS; k++) {
        if (!s[k].n)
            continue;
        edd_buf_printf(t, "| %s | %zu | %zu | ", repro_base_models[k], s[k].n, s[k].broken);
        rs_median_text(t, &s[k]);
        edd_buf_printf(t, " |\n");
    }
    edd_buf_printf(t, "\n");
}

/* The sentence on the paper's claim, and the rule it applies. */
static void rs_claim(repro *r, edd_buf *t, const repro_sec_row *w, const int *ord, int n, const rs_summary *s)
{
    const int ib = 0, id = 2; /* repro_base_models: baseline, distilled */
    const repro_sec_row *d = rs_find(w, ord, n, id, 2, REPRO_CLAIM_L2, "worst-case");
    const repro_sec_row *b = rs_find(w, ord, n, ib, 2, REPRO_CLAIM_L2, "worst-case");
    if (repro_no_verdict(r, t, "The paper's L2 < 4 claim (Section 4.2): ", "", 1.0, 0.0)) {
        edd_buf_printf(t, ".\n\n");
        return;
    }
    edd_buf_printf(t, "**The paper's claim** (Section 4.2: \"the mechanism is able to correctly classify a large "
                      "fraction of adversarial examples produced with a perturbation norm less than 4 according to "
                      "the L2 norm\"). Rule: it holds when the distilled model's worst-case robust accuracy at L2 = "
                      "%g has its 95%% interval at or above %.0f%%, and does not when the interval lies below; "
                      "otherwise this run cannot tell.\n\n",
                   REPRO_CLAIM_L2, 100 * REPRO_CLAIM_HOLDS);
    if (!d || !b || !s[id].n || !s[ib].n) {
        edd_buf_printf(t, "No verdict: this run has no L2 = %g rows or minimal L2 of both the distilled and the "
                          "undefended model.\n\n", REPRO_CLAIM_L2);
        return;
    }
    edd_buf_printf(t, "At L2 = %g (rows worst-case, L2, models distilled and baseline) the distilled model keeps %.1f%% (%.1f-%.1f) of the images against the standard "
                      "suite, the undefended model %.1f%% (%.1f-%.1f); the median minimal L2 is ",
                   REPRO_CLAIM_L2, 100 * d->robust, 100 * d->lo, 100 * d->hi, 100 * b->robust, 100 * b->lo,
                   100 * b->hi);
    rs_median_text(t, &s[id]);
    edd_buf_printf(t, " against ");
    rs_median_text(t, &s[ib]);
    if (repro_no_verdict(r, t, ": ", repro_base_models[id], -1.0, 0.0) ||
        repro_no_verdict(r, t, ": ", repro_base_models[ib], -1.0, 0.0))
        edd_buf_printf(t, ".\n\n");
    else if (d->lo >= REPRO_CLAIM_HOLDS)
        edd_buf_printf(t, ": the claim holds.\n\n");
    else if (d->hi < REPRO_CLAIM_HOLDS)
        edd_buf_printf(t, ": the claim does not hold.\n\n");
    else
        edd_buf_printf(t, ": this run cannot tell (the interval straddles %.0f%%).\n\n", 100 * REPRO_CLAIM_HOLDS);
}

/* The clean accuracy of the undefended model on each end of the test set,
 * from min_l2.csv ("-": wrong when clean); the split at std_n / 2. */
static void rs_halves(repro *r, edd_buf *t)
{
    FILE *f;
    char line[256], *c[4];
    size_t ok[2] = {0}, all[2] = {0}, half = r->sc->std_n / 2;
    if (rs_open(r, "min_l2.csv", REPRO_MINL2_HEADER, &f))
        return;
    for (size_t i = 0; fgets(line, sizeof line, f); i++) {
        if (rs_split(line, c, 4) != 4 || strcmp(c[0], repro_base_models[0]))
            continue;
        const int end = strtoull(c[1], NULL, 10) >= half;
        all[end]++;
        ok[end] += strcmp(c[2], "-") != 0;
    }
    fclose(f);
    if (all[0] && all[1])
        edd_buf_printf(t, "The undefended model classifies %.1f%% of the first %zu test images and %.1f%% of the last "
                          "%zu correctly when clean (LeCun's MNIST page: the first 5,000 test images, from NIST SD-3, "
                          "are cleaner than the last 5,000, from SD-1): both ends are taken so that neither kind of "
                          "image dominates.\n\n",
                       100.0 * (double)ok[0] / (double)all[0], all[0], 100.0 * (double)ok[1] / (double)all[1], all[1]);
}

/* Diagnostic (b): Square's images (those no gradient attack of the suite,
 * nor any row before it, broke) as a fraction of the images, per defended
 * model against the undefended one at the same norm and eps. */
static int rs_square_check(const repro *r, edd_buf *t, const repro_sec_row *w, const int *ord, int n)
{
    int flags = 0, judged = 0;
    char why[160];
    if (repro_model_unfit(r, repro_base_models[0], why, sizeof why)) {
        edd_buf_printf(t, "   - no verdict: %s (the control).\n", why);
        return 0;
    }
    for (int i = 0; i < n; i++) {
        if (strcmp(w[i].attack, "square") || !strcmp(w[i].model, repro_base_models[0]) ||
            repro_model_unfit(r, w[i].model, why, sizeof why))
            continue;
        const repro_sec_row *b = NULL;
        for (int j = 0; j < n && !b; j++)
            if (ord[j] == ord[i] && !strcmp(w[j].model, repro_base_models[0]) && !strcmp(w[j].attack, "square") &&
                fabs(w[j].eps - w[i].eps) < 1e-6)
                b = &w[j];
        double p = w[i].n ? (double)w[i].only / (double)w[i].n : 0.0, lo, hi, bp, blo, bhi;
        repro_wilson(p, w[i].n, &lo, &hi);
        bp = b && b->n ? (double)b->only / (double)b->n : 0.0;
        repro_wilson(bp, b ? b->n : 0, &blo, &bhi);
        judged += b != NULL;
        if (!b || lo <= bhi)
            continue;
        edd_buf_printf(t, "   - **flagged**: on %s at L%s eps %g, Square breaks %zu images (%.1f%%, %.1f-%.1f) that "
                          "no gradient attack of the suite broke, against %zu (%.1f%%, %.1f-%.1f) on the undefended "
                          "model.\n",
                       w[i].model, ord[i] ? "2" : "-inf", w[i].eps, w[i].only, 100 * p, 100 * lo, 100 * hi, b->only,
                       100 * bp, 100 * blo, 100 * bhi);
        flags++;
    }
    if (!flags)
        edd_buf_printf(t, "   - %s\n", judged ? "passed: no defended model leaves Square more images than the "
                                                 "undefended one does, beyond the intervals."
                                               : "not checked: no Square row of a defended model above the floor.");
    return flags;
}

/* convergence.csv's rows into c (at most max); their count, or -1. */
static int rs_read_conv(repro *r, rs_conv *c, int max)
{
    FILE *f;
    char line[512], *x[10];
    int n = 0;
    if (rs_open(r, "convergence.csv", REPRO_CONV_HEADER, &f))
        return -1;
    while (n < max && fgets(line, sizeof line, f)) {
        double v[8];
        int ok = rs_split(line, x, 10) == 9;
        for (int j = 0; ok && j < 8; j++)
            ok = rs_num(x[j + 1], &v[j]);
        /* counts as whole numbers a size_t and an int hold; rates in [0, 1] */
        for (int j = 1; ok && j < 5; j++)
            ok = v[j] >= 0 && v[j] <= 1e9 && v[j] == floor(v[j]);
        for (int j = 5; ok && j < 8; j++)
            ok = v[j] >= 0 && v[j] <= 1;
        if (ok)
            c[n++] = (rs_conv){.steps = (int)v[1], .restarts = (int)v[2], .n = (size_t)v[3], .robust = (size_t)v[4],
                               .p = v[5], .lo = v[6], .hi = v[7]};
    }
    fclose(f);
    return n;
}

/* The grid point of c[0..n) at steps and restarts, or NULL. */
static const rs_conv *rs_conv_at(const rs_conv *c, int n, int steps, int restarts)
{
    for (int i = 0; i < n; i++)
        if (c[i].steps == steps && c[i].restarts == restarts)
            return &c[i];
    return NULL;
}

/* Diagnostic (c): the distilled model under APGD-CE at each steps x
 * restarts of the scale, and whether the most work still lowers the robust
 * accuracy by more than REPRO_CONV_DROP below either grid point one
 * setting down from it. */
static int rs_conv_check(repro *r, edd_buf *t)
{
    const edd_repro_scale *sc = r->sc;
    rs_conv c[EDD_REPRO_MAX_POINTS * EDD_REPRO_MAX_POINTS];
    const int n = rs_read_conv(r, c, (int)(sizeof c / sizeof c[0]));
    if (n <= 0) {
        edd_buf_printf(t, "   - not run (no convergence.csv).\n");
        return 0;
    }
    edd_buf_printf(t, "\n   | steps \\ restarts |");
    for (int b = 0; b < sc->n_conv_restarts; b++)
        edd_buf_printf(t, " %d |", sc->conv_restarts[b]);
    edd_buf_printf(t, "\n   |---:|");
    for (int b = 0; b < sc->n_conv_restarts; b++)
        edd_buf_printf(t, "---|");
    for (int a = 0; a < sc->n_conv_steps; a++) {
        edd_buf_printf(t, "\n   | %d |", sc->conv_steps[a]);
        for (int b = 0; b < sc->n_conv_restarts; b++) {
            const rs_conv *x = rs_conv_at(c, n, sc->conv_steps[a], sc->conv_restarts[b]);
            if (x)
                edd_buf_printf(t, " %.1f%% (%.1f-%.1f) |", 100 * x->p, 100 * x->lo, 100 * x->hi);
            else
                edd_buf_printf(t, " - |");
        }
    }
    edd_buf_printf(t, "\n\n");
    const int ms = sc->n_conv_steps - 1, mr = sc->n_conv_restarts - 1;
    const rs_conv *most = rs_conv_at(c, n, sc->conv_steps[ms], sc->conv_restarts[mr]);
    const rs_conv *next[2] = {ms ? rs_conv_at(c, n, sc->conv_steps[ms - 1], sc->conv_restarts[mr]) : NULL,
                              mr ? rs_conv_at(c, n, sc->conv_steps[ms], sc->conv_restarts[mr - 1]) : NULL};
    int flags = 0;
    if (repro_no_verdict(r, t, "   - ", "distilled", -1.0, 0.0)) {
        edd_buf_printf(t, ".\n");
        return 0;
    }
    for (int j = 0; most && j < 2; j++)
        if (next[j] && next[j]->p - most->p > REPRO_CONV_DROP) {
            edd_buf_printf(t, "   - **flagged**: %d steps x %d restarts leave %.1f%%, %.1f points below the %.1f%% of "
                              "%d x %d: the attack has not converged; a larger budget may lower it further.\n",
                           most->steps, most->restarts, 100 * most->p, 100 * (next[j]->p - most->p), 100 * next[j]->p,
                           next[j]->steps, next[j]->restarts);
            flags++;
        }
    if (most && !flags)
        edd_buf_printf(t, "   - passed: the most work lowers the robust accuracy by at most %.0f point below one "
                          "setting less.\n", 100 * REPRO_CONV_DROP);
    return flags;
}

/* The section's files that this folder has, and its plots. */
static void rs_files(repro *r, edd_buf *t)
{
    static const char *const csvs[] = {"standard.csv", "security_l2.csv", "min_l2.csv", "min_l2_summary.csv",
                                       "convergence.csv"};
    int k = 0;
    for (size_t i = 0; i < sizeof csvs / sizeof csvs[0]; i++)
        if (repro_have(r, csvs[i]))
            edd_buf_printf(t, "%s`%s`", k++ ? ", " : "", csvs[i]);
    repro_plot_named(r, t, "; ", "standard");
    repro_plot_named(r, t, "; ", "min_l2_cdf");
    edd_buf_printf(t, ". ");
}

/* The section's opening: what ran, on which images, with which budgets. */
static void rs_intro(repro *r, edd_buf *t)
{
    const edd_repro_scale *sc = r->sc;
    edd_buf_printf(t, "## Does the defense hold? The standard suite\n\n");
    rs_files(r, t);
    edd_buf_printf(t, "The five models of the baselines, on "
                      "the same %zu images: the first %zu and the last %zu of the test set. The suite is AutoAttack's "
                      "composition on losses that know the outlier class (docs/ATTACKS.md): APGD-CE (%d steps), "
                      "APGD-T (%d steps x %d target classes), FMN (%d steps) in FAB-T's place, and Square (%d "
                      "queries), each on the images the earlier ones left robust. An image is robust when the model "
                      "classifies it correctly when clean and no attack makes it misclassify: a detection as the "
                      "outlier class counts for the defense. In L2 the minimal perturbation per image comes first: "
                      "FMN-L2 (%d steps) and the untargeted detector-aware CW-L2 (Adam, %d iterations x %d "
                      "binary-search steps) on every image, PGD-L2 (%d steps, %s) at each eps; an image is broken at "
                      "eps when the smallest L2 any attack found is within it, and the suite runs on the others. A "
                      "point found at one eps counts at every larger one (rows `smaller-eps`, `min-norm`, "
                      "`larger-eps`).\n\n",
                   sc->std_n, sc->std_n / 2, sc->std_n - sc->std_n / 2, sc->std_steps, sc->std_steps,
                   sc->std_targets, sc->std_fmn_steps, sc->std_queries, sc->std_fmn_steps, sc->std_cw_iterations,
                   sc->std_cw_bsearch, sc->std_steps,
                   sc->std_pgd_losses > 1 ? "the margin, real-class and all-output losses" : "the margin loss");
    rs_halves(r, t);
}

edd_status repro_report_standard(repro *r, edd_buf *t)
{
    repro_sec_row *w = NULL;
    int *ord = NULL, n = 0;
    rs_summary s[REPRO_BASE_NMODELS];
    memset(s, 0, sizeof s);
    edd_status st = repro_std_read(r, "standard.csv", &w, &ord, &n);
    if (!st && repro_have(r, "min_l2_summary.csv"))
        st = rs_read_summary(r, s);
    if (st) {
        free(w), free(ord);
        return st;
    }
    rs_intro(r, t);
    edd_buf_printf(t, "### L-inf\n\n");
    rs_table(r, t, w, ord, n, 0);
    edd_buf_printf(t, "### L2\n\n");
    rs_table(r, t, w, ord, n, 2);
    edd_buf_printf(t, "Minimal L2 per image (over the images each model classifies correctly; `inf` where no attack "
                      "found one; the median's interval from %d bootstrap resamples of the images):\n\n",
                   REPRO_BOOTSTRAP);
    if (repro_have(r, "min_l2_summary.csv"))
        rs_median_table(t, s);
    else
        repro_section_absent(t, "Minimal L2 per model", "min_l2_summary.csv");
    rs_claim(r, t, w, ord, n, s);
    edd_buf_printf(t, "### Diagnostics\n\n");
    if (repro_no_verdict(r, t, "", "", 1.0, 0.0)) {
        edd_buf_printf(t, ": no diagnostic is judged.\n\n");
        free(w);
        free(ord);
        return EDD_OK;
    }
    edd_buf_printf(t, "Each rule below is applied to this folder's numbers; a difference is "
                      "flagged only beyond both 95%% Wilson intervals.\n\n"
                      "1. **Random noise against the single attacks**: %s\n"
                      "2. **Gradient-free against white-box**: Square breaking images that no gradient attack of the "
                      "suite broke, on a larger fraction of the images for a defended model than for the undefended "
                      "one (gradient masking: the gradients mislead, the scores do not).\n",
                   repro_have(r, "security.csv") ? "check 4 of the gradient-masking diagnostics, above."
                                                 : "not run in this folder (security.csv is absent).");
    rs_square_check(r, t, w, ord, n);
    edd_buf_printf(t, "3. **Convergence**: the distilled model's robust accuracy at L-inf eps %g under APGD-CE alone, "
                      "by steps and restarts; flagged when the most work lowers it by more than %.0f point below "
                      "either grid point one setting down.\n",
                   (double)REPRO_CONV_EPS, 100 * REPRO_CONV_DROP);
    rs_conv_check(r, t);
    edd_buf_printf(t, "\n");
    free(w);
    free(ord);
    return EDD_OK;
}
