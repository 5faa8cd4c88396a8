/* plot_standard.c - the plots of the security curve, the baselines and
 * the standard suite (issue 23), each a gnuplot script with its data inline
 * drawn by repro_plot_draw:
 *   plots/security.png     robust accuracy under the worst case (security.csv)
 *   plots/baselines.png    the five models under PGD-margin (baselines.csv)
 *   plots/min_l2_cdf.png   the CDF of the minimal L2 per image, per model,
 *                          with the paper's L2 = 4 (min_l2.csv)
 *   plots/standard.png     the five models' robust accuracy against the
 *                          standard suite, L-inf and L2 (standard.csv)
 *   plots/logit_gap.png    the Eq. 3 ablation's top-1 minus top-2 logit
 *                          gap, a step histogram per model (logit_gap.csv)
 * Only numbers and fixed strings reach a script (issue 24): a model is
 * named by its label in repro_base_labels, matched against the CSV, never
 * by the CSV's text (an ablation model by its repro_ablation label); and a
 * CSV with a text cell that is not a name edd writes (repro_csv_word) is
 * refused.
 *
 * May call: repro.h (the CSV readers), gnuplot.h (repro_plot_draw,
 * repro_csv_word), standard.h. */
#include "edd/io.h"
#include "gnuplot.h"
#include "standard.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The colours and point types of the five models, in repro_base_models order. */
static const char *const model_colour[REPRO_BASE_NMODELS] = {"0x4d4d4d", "0xe08214", "0xb2182b", "0x2166ac", "0x1b7837"};
static const int model_pt[REPRO_BASE_NMODELS] = {7, 9, 5, 11, 13};

/* The rows security.csv and standard.csv name beside their attacks, and
 * baselines.csv's attacks and settings. */
static const char *const sec_rows[] = {"clean", "worst-case", "noise"};
static const char *const std_words[] = {"clean", "worst-case", "larger-eps", "smaller-eps", "min-norm"};
static const char *const base_attacks[] = {"clean", "fgm-all", "fgm-real", "fgm-margin", "jsma", "cw",
                                           "pgd-all", "pgd-margin"};
static const char *const base_settings[] = {"none", "eps", "gamma", "kappa"};

edd_status repro_sec_check(const repro *r, const char *rel, const repro_sec_row *w, int n, int std)
{
    char path[EDD_PATH_MAX];
    edd_status st = repro_path(r, rel, path);
    for (int i = 0; !st && i < n; i++) {
        st = repro_csv_word(r->ctx, path, i + 2, "model", w[i].model, repro_base_models, REPRO_BASE_NMODELS, NULL, 0);
        if (!st && std)
            st = repro_csv_word(r->ctx, path, i + 2, "attack", w[i].attack, repro_std_sources, STD_NSOURCES, std_words,
                                5);
        else if (!st)
            st = repro_csv_word(r->ctx, path, i + 2, "attack", w[i].attack, repro_sec_names, REPRO_SEC_NATTACKS,
                                sec_rows, 3);
    }
    return st;
}

/* The model, attack and setting of each of baselines.csv's rows w[0..n)
 * are names edd writes. */
static edd_status base_check(const repro *r, const repro_base_row *w, int n)
{
    char path[EDD_PATH_MAX];
    edd_status st = repro_path(r, "baselines.csv", path);
    for (int i = 0; !st && i < n; i++) {
        st = repro_csv_word(r->ctx, path, i + 2, "model", w[i].model, repro_base_models, REPRO_BASE_NMODELS, NULL, 0);
        if (!st)
            st = repro_csv_word(r->ctx, path, i + 2, "attack", w[i].attack, base_attacks, 8, NULL, 0);
        if (!st)
            st = repro_csv_word(r->ctx, path, i + 2, "setting", w[i].setting, base_settings, 4, NULL, 0);
    }
    return st;
}

/* The data block $NAME of model's curve for attack (eps, robust, lo, hi;
 * the clean accuracy at eps 0 first), from security.csv's rows w. */
static void sec_block(edd_buf *s, const char *name, const repro_sec_row *w, int n, const char *model,
                      const char *attack)
{
    edd_buf_printf(s, "$%s << EOD\n", name);
    for (int i = 0; i < n; i++)
        if (!strcmp(w[i].model, model) && !strcmp(w[i].attack, "clean")) {
            edd_buf_printf(s, "0 %g %g %g\n", w[i].robust, w[i].lo, w[i].hi);
            break;
        }
    for (int i = 0; i < n; i++)
        if (!strcmp(w[i].model, model) && !strcmp(w[i].attack, attack) && w[i].eps < 1.0)
            edd_buf_printf(s, "%g %g %g %g\n", w[i].eps, w[i].robust, w[i].lo, w[i].hi);
    edd_buf_printf(s, "EOD\n");
}

edd_status repro_plot_security(repro *r)
{
    repro_sec_row *w = NULL;
    int n = 0;
    edd_status st = repro_sec_read(r, "security.csv", &w, &n);
    if (!st)
        st = repro_sec_check(r, "security.csv", w, n, 0);
    edd_buf s = {0};
    if (!st) {
        repro_gp_head(&s, "security", "security.csv", 760, 520, 10);
        sec_block(&s, "bw", w, n, "baseline", "worst-case");
        sec_block(&s, "dw", w, n, "distilled", "worst-case");
        sec_block(&s, "bp", w, n, "baseline", "pgd-margin");
        sec_block(&s, "dp", w, n, "distilled", "pgd-margin");
        edd_buf_printf(&s, "set title 'Security curve: robust accuracy under the worst case per image (n = %zu)'\n"
                           "set xlabel 'L-inf eps'\nset ylabel 'robust accuracy (95%% Wilson interval)'\n"
                           "set yrange [0:1]\nset xrange [-0.01:*]\nset grid\nset key below horizontal\n"
                           "plot $bw u 1:2:3:4 w yerrorlines pt 7 lc rgb 0x4d4d4d t 'undefended baseline, worst case', "
                           "$dw u 1:2:3:4 w yerrorlines pt 5 lc rgb 0xb2182b t 'distilled, worst case', "
                           "$bp u 1:2 w lp dt 2 pt 6 lc rgb 0x4d4d4d t 'baseline, PGD margin alone', "
                           "$dp u 1:2 w lp dt 2 pt 4 lc rgb 0xb2182b t 'distilled, PGD margin alone'\n",
                       n ? w[0].n : (size_t)0);
        st = repro_plot_draw(r, "security", &s);
    }
    edd_buf_free(&s);
    free(w);
    return st;
}

/* The data block $bK of model's misclassified rate under PGD with the
 * margin loss (eps, rate, lo, hi) from baselines.csv's rows w; at eps 0 the
 * clean images' misclassified rate, on the images PGD attacks. */
static void base_block(edd_buf *s, int k, const repro_base_row *w, int n, const char *model)
{
    edd_buf_printf(s, "$b%d << EOD\n", k);
    int first = 1;
    for (int i = 0; i < n; i++) {
        if (strcmp(w[i].model, model) || strcmp(w[i].attack, "pgd-margin"))
            continue;
        if (first) {
            double p = fmax(0.0, 1.0 - w[i].clean_accuracy - w[i].false_positives), lo, hi;
            repro_wilson(p, w[i].n, &lo, &hi);
            edd_buf_printf(s, "0 %g %g %g\n", p, lo, hi);
            first = 0;
        }
        edd_buf_printf(s, "%g %g %g %g\n", w[i].value, w[i].misclassified, w[i].lo, w[i].hi);
    }
    edd_buf_printf(s, "EOD\n");
}

edd_status repro_plot_baselines(repro *r)
{
    repro_base_row *w = NULL;
    int n = 0;
    edd_status st = repro_base_read(r, "baselines.csv", &w, &n);
    if (!st)
        st = base_check(r, w, n);
    size_t images = 0;
    for (int i = 0; !st && i < n && !images; i++)
        images = !strcmp(w[i].attack, "pgd-margin") ? w[i].n : 0;
    edd_buf s = {0};
    if (!st) {
        repro_gp_head(&s, "baselines", "baselines.csv", 760, 560, 10);
        for (int k = 0; k < REPRO_BASE_NMODELS; k++)
            base_block(&s, k, w, n, repro_base_models[k]);
        edd_buf_printf(&s, "set title 'White-box PGD with the margin loss, %d steps x %d restart%s (n = %zu, eps 0: "
                           "clean)'\nset xlabel 'L-inf eps'\nset ylabel 'misclassified (95%% Wilson interval)'\n"
                           "set yrange [0:1]\nset xrange [-0.01:*]\nset grid\nset key below horizontal maxrows 3\n"
                           "plot ",
                       r->sc->pgd_steps, r->sc->pgd_restarts, r->sc->pgd_restarts > 1 ? "s" : "", images);
        for (int k = 0; k < REPRO_BASE_NMODELS; k++)
            edd_buf_printf(&s, "%s$b%d u 1:2:3:4 w yerrorlines pt %d lc rgb %s t '%s'", k ? ", " : "", k,
                           model_pt[k], model_colour[k], repro_base_labels[k]);
        edd_buf_printf(&s, "\n");
        st = repro_plot_draw(r, "baselines", &s);
    }
    edd_buf_free(&s);
    free(w);
    return st;
}

/* plots/logit_gap.png (the script beside it), both registered, from
 * logit_gap.csv: per model of repro_ablation the images per bin against
 * the bin's centre, as steps over the bins every model shares. */
edd_status repro_plot_logit_gap(repro *r)
{
    const char *names[REPRO_ABLATION_NMODELS];
    for (int k = 0; k < REPRO_ABLATION_NMODELS; k++)
        names[k] = repro_ablation[k].model;
    char path[EDD_PATH_MAX];
    repro_gap_row *w = NULL;
    int n = 0;
    edd_status st = repro_path(r, "logit_gap.csv", path);
    if (!st)
        st = repro_gap_read(r, "logit_gap.csv", 0, &w, &n);
    for (int i = 0; !st && i < n; i++)
        st = repro_csv_word(r->ctx, path, i + 2, "model", w[i].model, names, REPRO_ABLATION_NMODELS, NULL, 0);
    edd_buf s = {0}, cmd = {0};
    double images = 0.0;
    if (!st) {
        repro_gp_head(&s, "logit_gap", "logit_gap.csv", 760, 560, 10);
        for (int k = 0; k < REPRO_ABLATION_NMODELS; k++) {
            double count = 0.0;
            edd_buf_printf(&s, "$g%d << EOD\n", k);
            for (int i = 0; i < n; i++)
                if (!strcmp(w[i].model, names[k])) {
                    edd_buf_printf(&s, "%g %g\n", (w[i].v[0] + w[i].v[1]) / 2, w[i].v[2]);
                    count += w[i].v[2];
                }
            edd_buf_printf(&s, "EOD\n");
            if (count > 0)
                edd_buf_printf(&cmd, "%s$g%d u 1:2 w histeps lw 2 dt %d lc rgb %s t '%s'", cmd.len ? ", " : "plot ", k,
                               k + 1, model_colour[k], repro_ablation[k].label);
            images = fmax(images, count);
        }
        edd_buf_printf(&s, "set title 'Eq. 3 ablation: top-1 minus top-2 logit over all K outputs (first %.0f test "
                           "images)'\nset xlabel 'logit gap'\nset ylabel 'images per bin'\nset xrange [0:*]\n"
                           "set grid\nset key top right\n%s\n",
                       images, cmd.len ? cmd.s : "unset key\nplot 2 notitle");
        s.err |= cmd.err;
        st = repro_plot_draw(r, "logit_gap", &s);
    }
    edd_buf_free(&cmd);
    edd_buf_free(&s);
    free(w);
    return st;
}

/* One line of min_l2.csv (its number ln, the newline removed) at path:
 * *model the index of its model in repro_base_models, *d its minimal L2
 * (NaN for "-", an image the model gets wrong; may be inf). Every cell is
 * checked: the model and the attack are names edd writes, the image a
 * count, the minimal L2 a number >= 0, inf or -. */
static edd_status min_l2_line(const repro *r, const char *path, int ln, char *line, int *model, double *d)
{
    static const char *const extra[] = {"none", "-"};
    char *fld[4], *p = line, *end;
    int nf = 0;
    for (; nf < 4 && p; nf++) {
        fld[nf] = p;
        if ((p = strchr(p, ',')))
            *p++ = 0;
    }
    if (nf != 4 || p)
        return edd_fail(r->ctx, EDD_ERR_FORMAT, "%s line %d: not 4 cells, expected '%s'", path, ln,
                        REPRO_MINL2_HEADER);
    edd_status st = repro_csv_word(r->ctx, path, ln, "model", fld[0], repro_base_models, REPRO_BASE_NMODELS, NULL, 0);
    if (!st)
        st = repro_csv_word(r->ctx, path, ln, "attack", fld[3], repro_std_sources, STD_NSOURCES, extra, 2);
    for (*model = 0; *model < REPRO_BASE_NMODELS && strcmp(fld[0], repro_base_models[*model]); ++*model)
        ;
    if (!st && (!*fld[1] || strspn(fld[1], "0123456789") != strlen(fld[1])))
        st = edd_fail(r->ctx, EDD_ERR_FORMAT, "%s line %d, column image: '%.20s', expected an image index", path, ln,
                      fld[1]);
    *d = strtod(fld[2], &end);
    if (!strcmp(fld[2], "-"))
        *d = NAN;
    else if (!st && (end == fld[2] || *end || !(*d >= 0.0)))
        st = edd_fail(r->ctx, EDD_ERR_FORMAT, "%s line %d, column min_l2: '%.20s', expected a number >= 0, inf or -",
                      path, ln, fld[2]);
    return st;
}

/* The minimal L2 of model k's images from min_l2.csv's lines: the finite
 * values into v (malloc'd, sorted), their count, and *nc, the images the
 * model classifies correctly (finite or "inf"). */
static edd_status min_l2_values(repro *r, int k, float **v, size_t *nv, size_t *nc)
{
    char path[EDD_PATH_MAX], line[256];
    FILE *f = NULL;
    size_t cap = 0;
    *v = NULL, *nv = 0, *nc = 0;
    edd_status st = repro_path(r, "min_l2.csv", path);
    if (!st)
        st = edd_file_fopen_regular(r->ctx, path, "min_l2.csv", &f);
    if (!st && (!fgets(line, sizeof line, f) || strcmp(line, REPRO_MINL2_HEADER "\n")))
        st = edd_fail(r->ctx, EDD_ERR_FORMAT, "%s: first line is not the header, expected '%s'", path,
                      REPRO_MINL2_HEADER);
    for (int ln = 2; !st && fgets(line, sizeof line, f); ln++) {
        size_t ll = strcspn(line, "\n");
        int m = -1;
        double d = NAN;
        if (!line[ll] && !feof(f))
            st = edd_fail(r->ctx, EDD_ERR_FORMAT, "%s line %d: longer than %zu bytes, expected '%s'", path, ln,
                          sizeof line - 2, REPRO_MINL2_HEADER);
        line[ll] = 0;
        if (!st)
            st = min_l2_line(r, path, ln, line, &m, &d);
        if (st || m != k || isnan(d))
            continue;
        ++*nc;
        if (isinf(d))
            continue;
        if (*nv == cap) {
            cap = cap ? 2 * cap : 256;
            float *g = realloc(*v, cap * sizeof(float));
            if (!g)
                st = edd_fail(r->ctx, EDD_ERR_NOMEM, "%s: out of memory", path);
            else
                *v = g;
        }
        if (!st)
            (*v)[(*nv)++] = (float)d;
    }
    if (f)
        fclose(f);
    if (st) {
        free(*v);
        *v = NULL, *nv = 0;
    }
    for (size_t i = 1; !st && i < *nv; i++) /* insertion sort: a few thousand values */
        for (size_t j = i; j > 0 && (*v)[j - 1] > (*v)[j]; j--) {
            float t = (*v)[j];
            (*v)[j] = (*v)[j - 1], (*v)[j - 1] = t;
        }
    return st;
}

/* plots/min_l2_cdf.png: per model, the fraction of its correctly
 * classified images whose minimal L2 is at most x. */
static edd_status plot_min_l2(repro *r)
{
    edd_buf s = {0}, cmd = {0};
    edd_status st = EDD_OK;
    size_t images = 0;
    double xmax = 4.0;
    repro_gp_head(&s, "min_l2_cdf", "min_l2.csv", 760, 560, 10);
    for (int k = 0; !st && k < REPRO_BASE_NMODELS; k++) {
        float *v;
        size_t nv, nc;
        st = min_l2_values(r, k, &v, &nv, &nc);
        if (st || !nc)
            continue;
        images = nc > images ? nc : images;
        xmax = nv && v[nv - 1] > xmax ? v[nv - 1] : xmax;
        edd_buf_printf(&s, "$m%d << EOD\n0 0\n", k);
        for (size_t i = 0; i < nv; i++)
            edd_buf_printf(&s, "%.6g %.6g\n", (double)v[i], (double)(i + 1) / (double)nc);
        edd_buf_printf(&s, "EOD\n");
        edd_buf_printf(&cmd, "%s$m%d u 1:2 w steps lw 1.5 lc rgb %s t '%s'", cmd.len ? ", " : "plot ", k,
                       model_colour[k], repro_base_labels[k]);
        free(v);
    }
    edd_buf_printf(&s, "set title 'Minimal L2 perturbation per image that makes the model misclassify (up to %zu "
                       "images per model)'\nset xlabel 'L2'\nset ylabel 'fraction of the correctly classified "
                       "images broken'\nset yrange [0:1]\nset xrange [0:%g]\nset grid\nset key below horizontal "
                       "maxrows 3\nset arrow from 4, graph 0 to 4, graph 1 nohead dt 2 lw 1.5 lc rgb 'black'\n"
                       "set label 'L2 = 4 (the paper, Section 4.2)' at 4, graph 0.05 right offset -0.5,0\n%s\n",
                   images, 1.1 * xmax, cmd.len ? cmd.s : "unset key\nplot [0:5] 2 notitle");
    if (!st)
        st = repro_plot_draw(r, "min_l2_cdf", &s);
    edd_buf_free(&s);
    edd_buf_free(&cmd);
    return st;
}

/* The data block $sNK of model k's worst case in norm ord (N: i or 2)
 * against eps, eps 0 the clean accuracy; 1 if it has a point past eps 0. */
static int std_block(edd_buf *s, const repro_sec_row *w, const int *ord, int n, int k, int norm)
{
    int any = 0;
    edd_buf_printf(s, "$s%c%d << EOD\n", norm ? '2' : 'i', k);
    for (int i = 0; i < n; i++)
        if (ord[i] == norm && !strcmp(w[i].model, repro_base_models[k]) && !strcmp(w[i].attack, "clean")) {
            edd_buf_printf(s, "0 %g %g %g\n", w[i].robust, w[i].lo, w[i].hi);
            break;
        }
    for (int i = 0; i < n; i++)
        if (ord[i] == norm && !strcmp(w[i].model, repro_base_models[k]) && !strcmp(w[i].attack, "worst-case")) {
            edd_buf_printf(s, "%g %g %g %g\n", w[i].eps, w[i].robust, w[i].lo, w[i].hi);
            any = 1;
        }
    edd_buf_printf(s, "EOD\n");
    return any;
}

/* plots/standard.png: two panels, L-inf and L2, of the five models'
 * robust accuracy against the standard suite's worst case. */
static edd_status plot_standard_curves(repro *r)
{
    repro_sec_row *w = NULL;
    int *ord = NULL, n = 0;
    edd_status st = repro_std_read(r, "standard.csv", &w, &ord, &n);
    if (!st)
        st = repro_sec_check(r, "standard.csv", w, n, 1);
    edd_buf s = {0};
    if (!st) {
        repro_gp_head(&s, "standard", "standard.csv", 1200, 560, 10);
        edd_buf_printf(&s, "set multiplot layout 1,2 title 'Robust accuracy against the standard suite, worst case "
                           "per image (n = %zu, eps 0: clean)'\nset yrange [0:1]\nset grid\n"
                           "set key below horizontal maxrows 3 font ',8'\n"
                           "set ylabel 'robust accuracy (95%% Wilson interval)'\n",
                       n ? w[0].n : (size_t)0);
        for (int norm = 0; norm <= 2; norm += 2) {
            edd_buf cmd = {0};
            for (int k = 0; k < REPRO_BASE_NMODELS; k++)
                if (std_block(&s, w, ord, n, k, norm))
                    edd_buf_printf(&cmd, "%s$s%c%d u 1:2:3:4 w yerrorlines pt %d lc rgb %s t '%s'",
                                   cmd.len ? ", " : "plot ", norm ? '2' : 'i', k, model_pt[k], model_colour[k],
                                   repro_base_labels[k]);
            edd_buf_printf(&s, "set title '%s'\nset xlabel '%s eps'\nset xrange [%s:*]\n%s\n",
                           norm ? "L2 (the paper claims L2 below 4)" : "L-inf", norm ? "L2" : "L-inf",
                           norm ? "-0.1" : "-0.01", cmd.len ? cmd.s : "unset key\nplot 2 notitle");
            s.err |= cmd.err;
            edd_buf_free(&cmd);
        }
        edd_buf_printf(&s, "unset multiplot\n");
        st = repro_plot_draw(r, "standard", &s);
    }
    edd_buf_free(&s);
    free(w);
    free(ord);
    return st;
}

edd_status repro_plot_standard(repro *r)
{
    edd_status st = repro_have(r, "min_l2.csv") ? plot_min_l2(r) : EDD_OK;
    return st || !repro_have(r, "standard.csv") ? st : plot_standard_curves(r);
}
