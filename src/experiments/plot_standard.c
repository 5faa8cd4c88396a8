/* plot_standard.c - the plots of the security curve, the baselines and
 * the standard suite (issue 23), each a gnuplot script with its data inline
 * drawn by repro_plot_draw:
 *   plots/security.png     robust accuracy under the worst case (security.csv)
 *   plots/baselines.png    the five models under PGD-margin (baselines.csv)
 *   plots/min_l2_cdf.png   the CDF of the minimal L2 per image, per model,
 *                          with the paper's L2 = 4 (min_l2.csv)
 *   plots/standard.png     the five models' robust accuracy against the
 *                          standard suite, L-inf and L2 (standard.csv)
 * Only numbers and fixed strings reach a script (issue 24): a model is
 * named by its label in repro_base_labels, matched against the CSV, never
 * by the CSV's text.
 *
 * May call: repro.h (the CSV readers, repro_plot_draw), standard.h. */
#include "edd/io.h"
#include "standard.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The colours and point types of the five models, in repro_base_models order. */
static const char *const model_colour[REPRO_BASE_NMODELS] = {"#4d4d4d", "#e08214", "#b2182b", "#2166ac", "#1b7837"};
static const int model_pt[REPRO_BASE_NMODELS] = {7, 9, 5, 11, 13};

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
    edd_buf s = {0};
    if (!st) {
        edd_buf_printf(&s, "# security - drawn by edd reproduce from security.csv; re-render with: gnuplot security.gp\n"
                           "if (!exists(\"outfile\")) outfile = 'security.png'\n"
                           "set terminal pngcairo size 760,520 font ',10'\nset output outfile\n");
        sec_block(&s, "bw", w, n, "baseline", "worst-case");
        sec_block(&s, "dw", w, n, "distilled", "worst-case");
        sec_block(&s, "bp", w, n, "baseline", "pgd-margin");
        sec_block(&s, "dp", w, n, "distilled", "pgd-margin");
        edd_buf_printf(&s, "set title 'Security curve: robust accuracy under the worst case per image (n = %zu)'\n"
                           "set xlabel 'L-inf eps'\nset ylabel 'robust accuracy (95%% Wilson interval)'\n"
                           "set yrange [0:1]\nset xrange [-0.01:*]\nset grid\nset key below horizontal\n"
                           "plot $bw u 1:2:3:4 w yerrorlines pt 7 lc rgb '#4d4d4d' t 'undefended baseline, worst case', "
                           "$dw u 1:2:3:4 w yerrorlines pt 5 lc rgb '#b2182b' t 'distilled, worst case', "
                           "$bp u 1:2 w lp dt 2 pt 6 lc rgb '#4d4d4d' t 'baseline, PGD margin alone', "
                           "$dp u 1:2 w lp dt 2 pt 4 lc rgb '#b2182b' t 'distilled, PGD margin alone'\n",
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
    size_t images = 0;
    for (int i = 0; !st && i < n && !images; i++)
        images = !strcmp(w[i].attack, "pgd-margin") ? w[i].n : 0;
    edd_buf s = {0};
    if (!st) {
        edd_buf_printf(&s, "# baselines - drawn by edd reproduce from baselines.csv; re-render with: gnuplot "
                           "baselines.gp\nif (!exists(\"outfile\")) outfile = 'baselines.png'\n"
                           "set terminal pngcairo size 760,560 font ',10'\nset output outfile\n");
        for (int k = 0; k < REPRO_BASE_NMODELS; k++)
            base_block(&s, k, w, n, repro_base_models[k]);
        edd_buf_printf(&s, "set title 'White-box PGD with the margin loss, %d steps x %d restart%s (n = %zu; eps 0: "
                           "clean)'\nset xlabel 'L-inf eps'\nset ylabel 'misclassified (95%% Wilson interval)'\n"
                           "set yrange [0:1]\nset xrange [-0.01:*]\nset grid\nset key below horizontal maxrows 3\n"
                           "plot ",
                       r->sc->pgd_steps, r->sc->pgd_restarts, r->sc->pgd_restarts > 1 ? "s" : "", images);
        for (int k = 0; k < REPRO_BASE_NMODELS; k++)
            edd_buf_printf(&s, "%s$b%d u 1:2:3:4 w yerrorlines pt %d lc rgb '%s' t '%s'", k ? ", " : "", k,
                           model_pt[k], model_colour[k], repro_base_labels[k]);
        edd_buf_printf(&s, "\n");
        st = repro_plot_draw(r, "baselines", &s);
    }
    edd_buf_free(&s);
    free(w);
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
    const size_t ls = strlen(repro_base_models[k]);
    for (int ln = 1; !st && fgets(line, sizeof line, f); ln++) {
        if (ln == 1 || strncmp(line, repro_base_models[k], ls) || line[ls] != ',')
            continue;
        const char *cell = strchr(line + ls + 1, ',');
        char *end;
        if (!cell || cell[1] == '-')
            continue;
        double d = strtod(cell + 1, &end);
        if (end == cell + 1 || *end != ',' || !(d >= 0.0))
            st = edd_fail(r->ctx, EDD_ERR_FORMAT, "%s:%d: minimal L2 '%.20s', expected a number >= 0, inf or -",
                          path, ln, cell + 1);
        ++*nc;
        if (st || isinf(d))
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
    edd_buf_printf(&s, "# min_l2_cdf - drawn by edd reproduce from min_l2.csv; re-render with: gnuplot "
                       "min_l2_cdf.gp\nif (!exists(\"outfile\")) outfile = 'min_l2_cdf.png'\n"
                       "set terminal pngcairo size 760,560 font ',10'\nset output outfile\n");
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
        edd_buf_printf(&cmd, "%s$m%d u 1:2 w steps lw 1.5 lc rgb '%s' t '%s'", cmd.len ? ", " : "plot ", k,
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
    edd_buf s = {0};
    if (!st) {
        edd_buf_printf(&s, "# standard - drawn by edd reproduce from standard.csv; re-render with: gnuplot "
                           "standard.gp\nif (!exists(\"outfile\")) outfile = 'standard.png'\n"
                           "set terminal pngcairo size 1200,560 font ',10'\nset output outfile\n"
                           "set multiplot layout 1,2 title 'Robust accuracy against the standard suite, worst case "
                           "per image (n = %zu; eps 0: clean)'\nset yrange [0:1]\nset grid\n"
                           "set key below horizontal maxrows 3 font ',8'\n"
                           "set ylabel 'robust accuracy (95%% Wilson interval)'\n",
                       n ? w[0].n : (size_t)0);
        for (int norm = 0; norm <= 2; norm += 2) {
            edd_buf cmd = {0};
            for (int k = 0; k < REPRO_BASE_NMODELS; k++)
                if (std_block(&s, w, ord, n, k, norm))
                    edd_buf_printf(&cmd, "%s$s%c%d u 1:2:3:4 w yerrorlines pt %d lc rgb '%s' t '%s'",
                                   cmd.len ? ", " : "plot ", norm ? '2' : 'i', k, model_pt[k], model_colour[k],
                                   repro_base_labels[k]);
            edd_buf_printf(&s, "set title '%s'\nset xlabel '%s eps'\nset xrange [%s:*]\n%s\n",
                           norm ? "L2 (the paper claims L2 < 4)" : "L-inf", norm ? "L2" : "L-inf",
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
