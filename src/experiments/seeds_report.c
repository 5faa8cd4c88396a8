/* seeds_report.c - report.md of `edd reproduce --seeds` (seeds.h): the
 * headline table across seeds, which of the single-seed report's
 * conclusions hold across seeds (its claims by their per-seed differences;
 * the baselines' and the Eq. 3 ablation's verdicts, by the rules of
 * report.c's repro_base_judge and repro_ablation_judge, in every seed),
 * the security curve, the baselines and each figure's table. A pipeline
 * test (scale smoke) opens with REPRO_PIPELINE_TEST and gives no verdict;
 * a claim that rests on a model below the floor in some seed says so
 * instead of its verdict (report.h). May call seeds_stats.c (through
 * seeds.h), report.h and repro.h. */
#include "edd/io.h"
#include "report.h"
#include "seeds.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Index of the row of figure f with these source, target, variant and
 * value, or -1. */
static int find_point(const seeds_run *w, size_t f, const char *source, const char *target, const char *variant,
                      double value)
{
    for (int i = 0; i < w->nfig[f]; i++) {
        const repro_row *p = &w->fig[f][0][i];
        if (!strcmp(p->source, source) && !strcmp(p->target, target) && !strcmp(p->variant, variant) &&
            fabs(p->value - value) < 1e-9)
            return i;
    }
    return -1;
}

static int fig_index(const char *csv)
{
    for (size_t f = 0; f < N_FIGS; f++)
        if (!strcmp(seeds_fig_csvs[f], csv))
            return (int)f;
    return -1;
}

/* A claim of the single-seed report: point a is misclassified more often
 * than point b. */
typedef struct {
    const char *csv_a, *source_a, *target_a, *variant_a;
    const char *csv_b, *source_b, *target_b, *variant_b;
    int attack; /* its value is the headline setting of this att_kind */
    const char *claim;
    int largest; /* 1: at the scale's largest kappa instead (the CW cliff's end) */
} seed_claim;

static const seed_claim claims[] = {
    {"fig2a_fgm.csv", "baseline", "baseline", "paper", "fig2a_fgm.csv", "distilled", "distilled", "paper", ATT_FGM,
     "the distilled model is misclassified less often than the baseline under the paper's white-box FGM", 0},
    {"fig2b_jsma.csv", "baseline", "baseline", "paper", "fig2b_jsma.csv", "distilled", "distilled", "paper", ATT_JSMA,
     "the distilled model is misclassified less often than the baseline under the paper's white-box JSMA", 0},
    {"fig2c_cw.csv", "baseline", "baseline", "paper", "fig2c_cw.csv", "distilled", "distilled", "paper", ATT_CW,
     "the distilled model is misclassified less often than the baseline under the paper's white-box CW", 0},
    {"fig2a_fgm.csv", "distilled", "distilled", "adaptive", "fig2a_fgm.csv", "distilled", "distilled", "paper",
     ATT_FGM, "the adaptive FGM (loss over the real classes) breaks more of the distilled model than the paper's "
              "FGM: gradient masking", 0},
    {"fig3b_fgm.csv", "surrogate_u", "distilled", "paper", "fig2a_fgm.csv", "distilled", "distilled", "paper",
     ATT_FGM, "FGM transferred from the undefended surrogate breaks more of the distilled model than white-box FGM: "
              "gradient masking", 0},
    {"fig2c_cw.csv", "baseline", "baseline", "budget", "fig2c_cw.csv", "distilled", "distilled", "budget", ATT_CW,
     "the distilled model is misclassified less often than the baseline under white-box CW with the larger budget "
     "(Adam), at the largest kappa run", 1},
};

/* One claim: the per-seed differences a - b, their t interval, and the
 * verdict. Claims whose figures are absent are left out. */
static void claim_line(const seeds_run *w, edd_buf *t, const seed_claim *c)
{
    int fa = fig_index(c->csv_a), fb = fig_index(c->csv_b);
    const edd_repro_scale *sc = w->r[0].sc;
    double value = c->largest ? sc->kappa[sc->n_kappa - 1] : repro_paper_attack((att_kind)c->attack)->setting;
    int ia = fa < 0 || !w->nfig[fa] ? -1 : find_point(w, (size_t)fa, c->source_a, c->target_a, c->variant_a, value);
    int ib = fb < 0 || !w->nfig[fb] ? -1 : find_point(w, (size_t)fb, c->source_b, c->target_b, c->variant_b, value);
    if (ia < 0 || ib < 0)
        return;
    double d[EDD_REPRO_MAX_SEEDS];
    int agree = 0, unfit = -1;
    char why[160];
    for (int k = 0; k < w->s; k++) {
        const repro_row *a = &w->fig[fa][k][ia], *b = &w->fig[fb][k][ib];
        d[k] = a->misclassified - b->misclassified;
        agree += d[k] > 0;
        if (unfit < 0 && (repro_unfit(&w->r[k], a->target, a->clean_accuracy, a->false_positives, why, sizeof why) ||
                          repro_unfit(&w->r[k], b->target, b->clean_accuracy, b->false_positives, why, sizeof why)))
            unfit = k;
    }
    seed_stat s = seeds_stat_t(d, w->s);
    edd_buf_printf(t, "- %s, at %s %g (%s, %s, variant %s against %s, %s, variant %s): ", c->claim,
                   w->fig[fa][0][ia].setting, value, c->csv_a, c->target_a, c->variant_a, c->csv_b, c->target_b,
                   c->variant_b);
    if (unfit >= 0)
        edd_buf_printf(t, "**no verdict**: in seed %d, %s", unfit + 1, why);
    else
        edd_buf_printf(t, "**%s**", s.lo > 0 ? "holds across seeds" : "does not hold across seeds");
    edd_buf_printf(t, ". The difference in misclassified rate is %+.1f points (95%% across seeds %+.1f to %+.1f); %d "
                      "of %d seeds agree.\n", 100 * s.mean, 100 * s.lo, 100 * s.hi, agree, w->s);
}

/* The security claim: at each eps, the distilled model keeps more images
 * robust under the worst case than the baseline. */
static void security_claims(const seeds_run *w, edd_buf *t)
{
    for (int i = 0; i < w->nsec; i++) {
        const repro_sec_row *p = &w->sec[0][i];
        if (strcmp(p->model, "distilled") || strcmp(p->attack, "worst-case"))
            continue;
        int j = -1;
        for (int q = 0; q < w->nsec && j < 0; q++)
            if (!strcmp(w->sec[0][q].model, "baseline") && !strcmp(w->sec[0][q].attack, "worst-case") &&
                w->sec[0][q].eps == p->eps)
                j = q;
        if (j < 0)
            continue;
        double d[EDD_REPRO_MAX_SEEDS];
        int agree = 0, unfit = -1;
        char why[160];
        for (int k = 0; k < w->s; k++) {
            d[k] = w->sec[k][i].robust - w->sec[k][j].robust;
            agree += d[k] > 0;
            if (unfit < 0 && (repro_model_unfit(&w->r[k], "distilled", why, sizeof why) ||
                              repro_model_unfit(&w->r[k], "baseline", why, sizeof why)))
                unfit = k;
        }
        seed_stat s = seeds_stat_t(d, w->s);
        edd_buf_printf(t, "- the distilled model keeps more images robust than the baseline under the worst case at "
                          "eps %g (security.csv, rows worst-case): ", p->eps);
        if (unfit >= 0)
            edd_buf_printf(t, "**no verdict**: in seed %d, %s", unfit + 1, why);
        else
            edd_buf_printf(t, "**%s**", s.lo > 0 ? "holds across seeds" : "does not hold across seeds");
        edd_buf_printf(t, ". The difference in robust accuracy is %+.1f points (95%% across seeds %+.1f to %+.1f); %d "
                          "of %d seeds agree.\n", 100 * s.mean, 100 * s.lo, 100 * s.hi, agree, w->s);
    }
}

/* The kinds of verdict the baselines' and the ablation's rules give. */
enum { V_HOLD, V_BEST, V_MASK, V_ABL };

/* Verdict v of kind, in words. */
static const char *verdict_words(int kind, int v)
{
    switch (kind) {
    case V_HOLD:
        return v == REPRO_HOLD_YES ? "holds" : v == REPRO_HOLD_NOT ? "does not hold"
             : v == REPRO_HOLD_LEFT_OUT ? "left out, its clean accuracy too low"
             : v == REPRO_HOLD_UNFIT ? "no verdict, it or the undefended model below the floor" : "no rows to judge by";
    case V_BEST:
        return v < 0 ? "no defense holds" : repro_base_labels[v];
    case V_MASK:
        return v == REPRO_MASK_ONLY ? "only masks gradients" : v == REPRO_MASK_KEEPS
             ? "masks gradients but keeps some robustness" : v == REPRO_MASK_NONE ? "no masking"
             : v == REPRO_MASK_UNFIT ? "no verdict, below the floor" : "no rows to judge by";
    default:
        return v == REPRO_ABL_HINGE ? "comes from the hinge" : v == REPRO_ABL_NOT_HINGE ? "is not the hinge's"
             : v == REPRO_ABL_UNRESOLVED ? "not resolved" : v == REPRO_ABL_NO_MASKING ? "no JSMA masking to attribute"
             : v == REPRO_ABL_UNFIT ? "no verdict, a model below the floor"
             : "no rows to judge by";
    }
}

/* Whether the per-seed verdicts v[0..s) of kind agree, in words: "**the
 * same in every seed** (X)", or "**not the same in every seed** (seed 1:
 * X; seed 2: Y; ...)". */
static void verdict_seeds(edd_buf *t, int s, int kind, const int *v)
{
    int same = 1;
    for (int k = 1; k < s; k++)
        same &= v[k] == v[0];
    if (same) {
        edd_buf_printf(t, "**the same in every seed** (%s)", verdict_words(kind, v[0]));
        return;
    }
    edd_buf_printf(t, "**not the same in every seed** (");
    for (int k = 0; k < s; k++)
        edd_buf_printf(t, "%sseed %d: %s", k ? "; " : "", k + 1, verdict_words(kind, v[k]));
    edd_buf_printf(t, ")");
}

/* The baselines' verdicts (docs/REPRODUCING.md, "Holds or masks") by the
 * single-seed report's rule, repro_base_judge, on each seed's
 * baselines.csv: which defense holds best, and per model whether it holds
 * and whether it masks gradients. */
static void base_claims(const seeds_run *w, edd_buf *t)
{
    const double eps = repro_base_eps(w->r[0].sc);
    int best[EDD_REPRO_MAX_SEEDS], hold[REPRO_BASE_NMODELS][EDD_REPRO_MAX_SEEDS],
        mask[REPRO_BASE_NMODELS][EDD_REPRO_MAX_SEEDS];
    for (int k = 0; k < w->s; k++) {
        repro_base_verdicts v;
        repro_base_judge(&w->r[k], w->base[B_BASELINES][k], w->nbase[B_BASELINES], eps, &v);
        best[k] = v.best >= 0 && v.hold[v.best] == REPRO_HOLD_YES ? v.best : -1;
        for (int m = 0; m < REPRO_BASE_NMODELS; m++) {
            hold[m][k] = v.hold[m];
            mask[m][k] = v.mask[m];
        }
    }
    edd_buf_printf(t, "- the defense that holds best under PGD with the margin loss at eps %g: ", eps);
    verdict_seeds(t, w->s, V_BEST, best);
    edd_buf_printf(t, ".\n");
    for (int m = 0; m < REPRO_BASE_NMODELS; m++) {
        edd_buf_printf(t, "- %s (`%s`): ", repro_base_labels[m], repro_base_models[m]);
        if (m > 0) {
            edd_buf_printf(t, "holds under PGD-margin: ");
            verdict_seeds(t, w->s, V_HOLD, hold[m]);
            edd_buf_printf(t, "; ");
        }
        edd_buf_printf(t, "gradient masking: ");
        verdict_seeds(t, w->s, V_MASK, mask[m]);
        edd_buf_printf(t, ".\n");
    }
}

/* The Eq. 3 ablation's verdict by the single-seed report's rule,
 * repro_ablation_judge, on each seed's ablation.csv. */
static void ablation_claims(const seeds_run *w, edd_buf *t)
{
    const double gamma = repro_base_gamma(w->r[0].sc);
    int v[EDD_REPRO_MAX_SEEDS];
    for (int k = 0; k < w->s; k++) {
        repro_ablation_verdicts a;
        repro_ablation_judge(&w->r[k], w->base[B_ABLATION][k], w->nbase[B_ABLATION], gamma, &a);
        v[k] = a.verdict;
    }
    edd_buf_printf(t, "- the Eq. 3 ablation, cleverhans' JSMA at gamma %g: does JSMA's gradient masking come from the "
                      "hinge? ", gamma);
    verdict_seeds(t, w->s, V_ABL, v);
    edd_buf_printf(t, ".\n");
}

/* The label of model among seeds_base_csvs[c]'s models, or model itself. */
static const char *base_label(int c, const char *model)
{
    for (int m = 0; c == B_BASELINES && m < REPRO_BASE_NMODELS; m++)
        if (!strcmp(model, repro_base_models[m]))
            return repro_base_labels[m];
    for (int m = 0; c == B_ABLATION && m < REPRO_ABLATION_NMODELS; m++)
        if (!strcmp(model, repro_ablation[m].model))
            return repro_ablation[m].label;
    return model;
}

/* "Baselines" or "Eq. 3 ablation" across seeds: the rows of seeds_base_csvs[c]
 * at the single-seed report's settings (the clean rows' clean accuracy and
 * false positives, the attacks' misclassified rate), mean and both
 * intervals. */
static void base_table(const seeds_run *w, int c, int plot, edd_buf *t)
{
    const edd_repro_scale *sc = w->r[0].sc;
    const double eps = repro_base_eps(sc), gamma = repro_base_gamma(sc), kappa = repro_paper_attack(ATT_CW)->setting;
    edd_buf_printf(t, "## %s across seeds\n\n`seed-1/%s` to `seed-%d/%s`, at the single-seed report's settings (eps "
                      "%g, gamma %g, kappa %g; every eps and gamma is in `seeds.csv`): the clean rows' clean accuracy "
                      "and false positives, and each attack's misclassified rate, %%.%s\n\n"
                      "| model | attack | setting | rate | mean | 95%% across seeds (t) | pooled Wilson |\n"
                      "|---|---|---|---|---:|---:|---:|\n",
                   c == B_BASELINES ? "Baselines" : "Eq. 3 ablation", seeds_base_csvs[c], w->s, seeds_base_csvs[c], eps,
                   gamma, kappa,
                   plot ? "\n\n![baselines across seeds](plots/baselines.png)" : "");
    for (int i = 0; i < w->nbase[c]; i++) {
        const repro_base_row *p = &w->base[c][0][i];
        const int clean = !strcmp(p->attack, "clean");
        const double at = !strcmp(p->setting, "eps") ? eps : !strcmp(p->setting, "gamma") ? gamma
                        : !strcmp(p->setting, "kappa") ? kappa : NAN;
        if (!clean && !(fabs(p->value - at) < 1e-6))
            continue;
        static const int clean_rates[] = {R_ACC, R_FP}, attack_rates[] = {R_MIS};
        const int *rates = clean ? clean_rates : attack_rates, nr = clean ? 2 : 1;
        double lo, hi;
        char why[160];
        const int unfit = clean && repro_unfit(&w->r[0], p->model, seeds_base_stat(w, c, i, R_ACC, &lo, &hi).mean,
                                               seeds_base_stat(w, c, i, R_FP, &lo, &hi).mean, why, sizeof why);
        for (int j = 0; j < nr; j++) {
            seed_stat st = seeds_base_stat(w, c, i, rates[j], &lo, &hi);
            edd_buf_printf(t, "| %s (`%s`)%s | %s | ", base_label(c, p->model), p->model, unfit ? REPRO_FLOOR_MARK : "",
                           p->attack);
            if (clean)
                edd_buf_printf(t, "- |");
            else
                edd_buf_printf(t, "%s %g |", p->setting, p->value);
            edd_buf_printf(t, " %s | %.1f | %.1f-%.1f | %.1f-%.1f |\n", seeds_rate_words[rates[j]], 100 * st.mean,
                           100 * st.lo, 100 * st.hi, 100 * lo, 100 * hi);
        }
    }
    edd_buf_printf(t, "\n");
}

/* Split a headline.csv line (newline removed) at its commas into fld;
 * the number of fields. */
static int split_fields(char *line, char **fld, int max)
{
    int n = 0;
    for (char *p = line; n < max;) {
        fld[n++] = p;
        p = strchr(p, ',');
        if (!p)
            return n;
        *p++ = 0;
    }
    return max + 1;
}

/* The headline table: each seed's headline.csv (metric, model, attack,
 * setting, n, paper, ours), row by row, the seeds' "ours" across seeds. */
static edd_status headline_table(seeds_run *w, edd_buf *t)
{
    char line[EDD_REPRO_MAX_SEEDS][512], path[EDD_PATH_MAX];
    FILE *f[EDD_REPRO_MAX_SEEDS] = {0};
    edd_status st = EDD_OK;
    for (int k = 0; !st && k < w->s; k++) {
        st = repro_path(&w->r[k], "headline.csv", path);
        if (!st)
            st = edd_file_fopen_regular(w->ctx, path, "the headline stage's output", &f[k]);
        if (!st && (!fgets(line[k], sizeof line[k], f[k]) || strcmp(line[k], REPRO_HEADLINE_HEADER "\n")))
            st = edd_fail(w->ctx, EDD_ERR_FORMAT, "%s: first line is not '%s'", path, REPRO_HEADLINE_HEADER);
    }
    if (!st)
        edd_buf_printf(t, "## Headline (Section 4.2)\n\n| metric | model | attack | setting | n | seeds | paper (%%) | "
                          "mean (%%) | 95%% across seeds (t) | pooled Wilson |\n|---|---|---|---|---:|---:|---:|---:|"
                          "---:|---:|\n");
    for (int row = 2; !st; row++) {
        char *fld[EDD_REPRO_MAX_SEEDS][7];
        double v[EDD_REPRO_MAX_SEEDS];
        int got = 0;
        for (int k = 0; !st && k < w->s; k++) {
            if (!fgets(line[k], sizeof line[k], f[k]))
                continue;
            got++;
            line[k][strcspn(line[k], "\n")] = 0;
            char *end = NULL;
            int n = split_fields(line[k], fld[k], 7);
            if (n == 7)
                v[k] = strtod(fld[k][6], &end) / 100.0;
            if (n != 7 || !*fld[k][6] || *end)
                st = edd_fail(w->ctx, EDD_ERR_FORMAT, "%s/headline.csv:%d: %d fields or a bad number, expected 7 "
                              "fields ending with ours", w->dir[k], row, n);
            else if (k > 0 && (strcmp(fld[k][0], fld[0][0]) || strcmp(fld[k][1], fld[0][1]) ||
                               strcmp(fld[k][3], fld[0][3])))
                st = edd_fail(w->ctx, EDD_ERR_FORMAT, "%s/headline.csv:%d: %s %s %s, expected seed 1's %s %s %s",
                              w->dir[k], row, fld[k][0], fld[k][1], fld[k][3], fld[0][0], fld[0][1], fld[0][3]);
        }
        if (!st && got && got != w->s)
            st = edd_fail(w->ctx, EDD_ERR_FORMAT, "headline.csv: row %d in %d of %d seeds, expected the same rows in "
                          "every seed", row, got, w->s);
        if (st || !got)
            break;
        seed_stat s = seeds_clip_rate(seeds_stat_t(v, w->s));
        double lo, hi;
        repro_wilson(fmin(1.0, fmax(0.0, s.mean)), strtoull(fld[0][4], NULL, 10) * (size_t)w->s, &lo, &hi);
        edd_buf_printf(t, "| %s | %s | %s | %s | %s | %d | %s | %.2f | %.2f-%.2f | %.2f-%.2f |\n", fld[0][0],
                       fld[0][1], fld[0][2], fld[0][3], fld[0][4], w->s, fld[0][5], 100 * s.mean, 100 * s.lo,
                       100 * s.hi, 100 * lo, 100 * hi);
    }
    for (int k = 0; k < w->s; k++)
        if (f[k])
            fclose(f[k]);
    if (!st)
        edd_buf_printf(t, "\n");
    return st;
}

/* "Which conclusions hold across seeds": each claim and rule's verdict,
 * none on a pipeline test. */
static void conclusions(seeds_run *w, repro *top, edd_buf *t)
{
    edd_buf_printf(t, "## Which conclusions hold across seeds\n\n");
    if (repro_no_verdict(top, t, "", "", 1.0, 0.0)) {
        edd_buf_printf(t, ": no claim or rule is judged across seeds.\n\n");
        return;
    }
    edd_buf_printf(t, "Each single-seed claim below is tested on its per-seed difference: it holds across seeds when "
                      "the difference's 95%% t interval excludes zero on its side. A claim that rests on a model "
                      "below the floor in some seed gets no verdict.\n\n");
    const size_t claims_at = t->len;
    for (size_t c = 0; c < sizeof claims / sizeof claims[0]; c++)
        claim_line(w, t, &claims[c]);
    security_claims(w, t);
    if (w->nbase[B_BASELINES] || w->nbase[B_ABLATION])
        edd_buf_printf(t, "%sThe baselines' and the Eq. 3 ablation's conclusions are verdicts of rules "
                          "(docs/REPRODUCING.md, \"Baselines and the Eq. 3 ablation\"): each below is the "
                          "single-seed report's rule applied to each seed's CSV, and says whether its verdict "
                          "is the same in every seed.\n\n", t->len > claims_at ? "\n" : "");
    if (w->nbase[B_BASELINES])
        base_claims(w, t);
    if (w->nbase[B_ABLATION])
        ablation_claims(w, t);
    edd_buf_printf(t, "\n");
}

/* Each figure's table across seeds, with its plot when drawn. */
static void fig_tables(seeds_run *w, repro *top, edd_buf *t)
{
    for (size_t f = 0; f < N_FIGS; f++) {
        if (!w->nfig[f])
            continue;
        const char *fig = w->fig[f][0][0].figure;
        char rel[64];
        snprintf(rel, sizeof rel, "plots/%s.png", fig);
        edd_buf_printf(t, "## %s across seeds\n\n`seed-1/%s` to `seed-%d/%s`.\n\n", fig, seeds_fig_csvs[f], w->s,
                       seeds_fig_csvs[f]);
        if (repro_have(top, rel))
            edd_buf_printf(t, "![%s across seeds](%s)\n\n", fig, rel);
        edd_buf_printf(t, "| source | target | variant | setting | misclassified (%%) | 95%% across seeds (t) | pooled "
                          "Wilson | recovered (%%) | detected (%%) |\n|---|---|---|---:|---:|---:|---:|---:|---:|\n");
        for (int i = 0; i < w->nfig[f]; i++) {
            const repro_row *p = &w->fig[f][0][i];
            double lo, hi, l2, h2;
            seed_stat m = seeds_fig_stat(w, f, i, R_MIS, &lo, &hi), rec = seeds_fig_stat(w, f, i, R_REC, &l2, &h2),
                      det = seeds_fig_stat(w, f, i, R_DET, &l2, &h2);
            edd_buf_printf(t, "| %s | %s | %s | %s=%g | %.1f | %.1f-%.1f | %.1f-%.1f | %.1f | %.1f |\n", p->source,
                           p->target, p->variant, p->setting, p->value, 100 * m.mean, 100 * m.lo, 100 * m.hi, 100 * lo,
                           100 * hi, 100 * rec.mean, 100 * det.mean);
        }
        edd_buf_printf(t, "\n");
    }
}

/* report.md of the summary. */
edd_status seeds_write_report(seeds_run *w, repro *top)
{
    edd_buf t = {0};
    if (repro_pipeline_test(top))
        edd_buf_printf(&t, "%s (scale `%s`): no section below gives a verdict.\n\n", REPRO_PIPELINE_TEST,
                       top->sc->name);
    edd_buf_printf(&t, "# Extending Defensive Distillation: reproduction report, %d seeds\n\n"
                       "Papernot and McDaniel (2017), re-run on %s by `edd reproduce --scale %s --seeds %d`. Each seed "
                       "K is a whole pipeline in `seed-K/`, with its own report.md: every model, the attack targets "
                       "and the PGD starts are seeded from K (seed 1 is the single-seed run, bit for bit); the test "
                       "images are the same. Every rate below is the mean over the seeds, with two intervals: **t**, "
                       "95%% across seeds (Student t, %d degree%s of freedom: the spread of training runs, clipped to "
                       "0-100%%), and the "
                       "**pooled Wilson** interval over all attacked images of every seed (the spread of test images "
                       "alone). Where the two differ, the training run is what moves the result.\n\n",
                   w->s, repro_data_title(top), top->sc->name, w->s, w->s - 1, w->s > 2 ? "s" : "");
    repro_absent(&w->r[0], "Seed 1's folder", &t);
    edd_status st = repro_have(&w->r[0], "headline.csv") ? headline_table(w, &t) : EDD_OK;
    if (!st)
        conclusions(w, top, &t);
    if (!st && w->nsec) {
        edd_buf_printf(&t, "## Security curve across seeds\n\nRobust accuracy under the worst case per image "
                           "(docs/ATTACKS.md), %%.\n\n| model | eps | mean | 95%% across seeds (t) | pooled Wilson |\n"
                           "|---|---:|---:|---:|---:|\n");
        int idx[EDD_REPRO_MAX_POINTS * 4], nw = seeds_worst_case_rows(w, idx, (int)(sizeof idx / sizeof idx[0]));
        for (int j = 0; j < nw; j++) {
            const repro_sec_row *p = &w->sec[0][idx[j]];
            double lo, hi;
            seed_stat s = seeds_sec_stat(w, idx[j], &lo, &hi);
            edd_buf_printf(&t, "| %s | %g | %.1f | %.1f-%.1f | %.1f-%.1f |\n", p->model, p->eps, 100 * s.mean,
                           100 * s.lo, 100 * s.hi, 100 * lo, 100 * hi);
        }
        edd_buf_printf(&t, "\n");
        if (repro_have(top, "plots/security.png"))
            edd_buf_printf(&t, "![security curve across seeds](plots/security.png)\n\n");
    }
    for (int c = 0; !st && c < N_BASE; c++)
        if (w->nbase[c])
            base_table(w, c, c == B_BASELINES && seeds_base_plotted(w), &t);
    if (!st)
        fig_tables(w, top, &t);
    top->nout = 0;
    if (!st)
        st = repro_write_text(top, "report.md", &t);
    edd_buf_free(&t);
    return st;
}
