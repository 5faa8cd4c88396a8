/* plot.c - the figures as PNGs drawn by gnuplot: for each figure a script
 * plots/FIG.gp (data inline, so that it re-renders on its own) and its
 * output plots/FIG.png, one panel per variant of the attack (the paper's
 * first). Each panel stacks the distilled model's recovered and detected
 * rates: FGM and JSMA against the mean L2 perturbation of the misclassified
 * examples, as the paper's Figs. 2a-b and 3a-d do, each setting a marker
 * shape named in the key (labels on the points would overlap where the
 * settings give nearly the same perturbation); CW against kappa, its mean
 * L2 on the right axis (Figs. 2c, 3e-f: the mean L2 is not monotone in
 * kappa); Figs. 2d-e against alpha or N. The undefended baseline's rows,
 * which the white-box CSVs have, are a dashed black curve on the same axes.
 * A point made from fewer than REPRO_FEW_MISCLASSIFIED misclassified images
 * is hollow, and the key says so.
 * A results folder is untrusted input (issue 24): every text cell of a
 * figure CSV must be a name edd writes (repro_rows_check) before a script
 * is built, and each script passes repro_gp_check in repro_plot_draw.
 *
 * May call: repro.h (the CSV readers), gnuplot.h (repro_csv_word,
 * repro_gp_head, repro_plot_draw). */
#include "gnuplot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int by_x(const void *a, const void *b)
{
    const double *x = a, *y = b;
    return (x[0] > y[0]) - (x[0] < y[0]);
}

static const char *fig_title(const char *fig)
{
    static const char *const t[][2] = {
        {"fig2a", "Fig. 2a: white-box FGM on the distilled model"},
        {"fig2b", "Fig. 2b: white-box JSMA on the distilled model"},
        {"fig2c", "Fig. 2c: white-box CW-L2 on the distilled model"},
        {"fig2d", "Fig. 2d: FGM against alpha"},
        {"fig2e", "Fig. 2e: FGM against the number N of passes"},
        {"fig3a", "Fig. 3a: black-box FGM from a defended surrogate"},
        {"fig3b", "Fig. 3b: black-box FGM from an undefended surrogate"},
        {"fig3c", "Fig. 3c: black-box JSMA from a defended surrogate"},
        {"fig3d", "Fig. 3d: black-box JSMA from an undefended surrogate"},
        {"fig3e", "Fig. 3e: black-box CW-L2 from a defended surrogate"},
        {"fig3f", "Fig. 3f: black-box CW-L2 from an undefended surrogate"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (!strcmp(fig, t[i][0]))
            return t[i][1];
    return fig;
}

/* The x-axis of a panel: the mean L2 of the misclassified examples (FGM,
 * JSMA), or the setting itself (CW's kappa, the studies' alpha and N). */
typedef enum { AX_L2, AX_SETTING } plot_axis;

/* A point's columns in its data block. */
enum { C_X, C_REC, C_TOP, C_SET, C_L2, C_PT, C_MIS, NCOL };

/* gnuplot's filled point types (square, circle, triangle up, triangle
 * down, diamond, pentagon); the hollow one of each is one less. Settings
 * beyond the sixth reuse the shapes in order. */
static const int shapes[] = {5, 7, 9, 11, 13, 15};
#define NSHAPES ((int)(sizeof shapes / sizeof shapes[0]))

/* The misclassified images behind row w. */
static long misclassified_images(const repro_row *w) { return lround(w->misclassified * (double)w->n); }

/* Whether row i is the first of rows with its setting. */
static int first_of_setting(const repro_row *rows, int i)
{
    for (int j = 0; j < i; j++)
        if (rows[j].value == rows[i].value)
            return 0;
    return 1;
}

/* The index of value among the distinct settings of rows[0..n), in the
 * order they first appear (the scale's order). */
static int setting_index(const repro_row *rows, int n, double value)
{
    int k = 0;
    for (int i = 0; i < n; i++)
        if (first_of_setting(rows, i)) {
            if (rows[i].value == value)
                return k;
            k++;
        }
    return k;
}

/* The points of the rows of target tgt and variant var into pts (NCOL
 * doubles each), sorted by x; returns their count. On the L2 axis a setting
 * with no misclassified image has no x: it goes into none (after `who`)
 * instead. *hollow is set when a point rests on too few misclassified
 * images. */
static int series(const repro_row *rows, int n, const char *tgt, const char *var, plot_axis axis, double *pts,
                  edd_buf *none, const char *who, int *hollow)
{
    int k = 0, nnone = 0;
    for (int i = 0; i < n; i++) {
        const repro_row *w = &rows[i];
        if (strcmp(w->target, tgt) || strcmp(w->variant, var))
            continue;
        long mis = misclassified_images(w);
        if (axis == AX_L2 && mis == 0) {
            if (nnone++ == 0)
                edd_buf_printf(none, "%s%s", none->len ? "; " : "", who);
            edd_buf_printf(none, "%s %s %g", nnone > 1 ? "," : "", w->setting, w->value);
            continue;
        }
        int few = mis < REPRO_FEW_MISCLASSIFIED, shape = axis == AX_L2 ? setting_index(rows, n, w->value) % NSHAPES : 1;
        double *q = pts + (size_t)NCOL * k++;
        q[C_X] = axis == AX_L2 ? w->mean_l2 : w->value;
        q[C_REC] = w->recovered;
        q[C_TOP] = w->recovered + w->detected;
        q[C_SET] = w->value;
        q[C_L2] = mis > 0 ? w->mean_l2 : NAN;
        q[C_PT] = shapes[shape] - few;
        q[C_MIS] = (double)mis;
        *hollow |= few;
    }
    qsort(pts, (size_t)k, NCOL * sizeof(double), by_x);
    return k;
}

/* The data block NAME of k points (a mean L2 of none: NaN, which gnuplot
 * leaves out). */
static void data_block(edd_buf *s, const char *name, const double *pts, int k)
{
    edd_buf_printf(s, "%s << EOD\n# x recovered recovered+detected setting mean_l2 pointtype misclassified_images\n",
                   name);
    for (int i = 0; i < k; i++) {
        const double *q = pts + (size_t)NCOL * i;
        edd_buf_printf(s, "%g %g %g %g ", q[C_X], q[C_REC], q[C_TOP], q[C_SET]);
        if (isnan(q[C_L2]))
            edd_buf_printf(s, "NaN");
        else
            edd_buf_printf(s, "%g", q[C_L2]);
        edd_buf_printf(s, " %d %d\n", (int)q[C_PT], (int)q[C_MIS]);
    }
    edd_buf_printf(s, "EOD\n");
}

/* The title of the panel of variant var. */
static void panel_title(edd_buf *s, const repro *r, const char *attack, const char *var)
{
    const edd_repro_scale *sc = r->sc;
    int adaptive = !strcmp(var, "adaptive");
    if (!strcmp(attack, "fgm"))
        edd_buf_printf(s, "%s", adaptive ? "adaptive: loss over the 10 real classes" : "loss over all K outputs (the paper)");
    else if (!strcmp(attack, "jsma"))
        edd_buf_printf(s, "%s", adaptive ? "exact gradient: beta = -alpha, one pass"
                                         : "cleverhans float32 Jacobian (the paper)");
    else if (!strcmp(var, "budget"))
        edd_buf_printf(s, "budget: Adam lr %g, %d iterations x %d binary-search steps", (double)REPRO_CW_BUDGET_LR,
                       sc->cw_big_iterations, sc->cw_big_bsearch);
    else
        edd_buf_printf(s, "AdaDelta, %d iterations x %d binary-search steps (our reading of the paper)",
                       sc->cw_iterations, sc->cw_bsearch);
}

/* One panel (variant var, index p): the data blocks $dP (distilled) and
 * $bP (baseline), its title and its plot command. */
static void script_panel(edd_buf *s, const repro *r, const repro_row *rows, int n, int p, const char *var,
                         plot_axis axis, double *pts)
{
    const int cw = !strcmp(rows[0].attack, "cw");
    edd_buf none = {0};
    int hollow = 0, any_l2 = 0;
    char dn[16], bn[16];
    snprintf(dn, sizeof dn, "$d%d", p);
    snprintf(bn, sizeof bn, "$b%d", p);
    int kd = series(rows, n, "distilled", var, axis, pts, &none, "distilled:", &hollow);
    for (int i = 0; i < kd; i++)
        any_l2 |= pts[(size_t)NCOL * i + C_MIS] > 0;
    data_block(s, dn, pts, kd);
    int kb = series(rows, n, "baseline", var, axis, pts, &none, "baseline:", &hollow);
    data_block(s, bn, pts, kb);
    edd_buf_printf(s, "set title '");
    panel_title(s, r, rows[0].attack, var);
    edd_buf_printf(s, "'\n");
    if (cw && any_l2)
        edd_buf_printf(s, "set ytics nomirror\nset y2tics\nset y2range [0:*]\n"
                          "set y2label 'mean L2 of the misclassified examples (green)'\n");
    else if (cw)
        edd_buf_printf(s, "set ytics mirror\nunset y2tics\nunset y2label\n");
    const int has_none = none.len > 0;
    if (none.err)
        s->err = 1;
    if (has_none)
        edd_buf_printf(s, "set label 1 'no image misclassified (recovered + detected = 1), so no mean L2: %s' at "
                          "graph 0.02,0.04 left font ',8'\n", none.s);
    edd_buf_free(&none);
    if (kd == 0 && kb == 0) { /* nothing to draw: an empty panel with its label */
        edd_buf_printf(s, "unset key\nset xrange [0:1]\nplot 2 notitle\nset xrange [0:*]\nset key on\n%s",
                       has_none ? "unset label 1\n" : "");
        return;
    }
    const char *sep = "plot ";
    if (kd > 0) {
        edd_buf_printf(s,
                       "%s%s u 1:3 w filledcurves x1 lc rgb 0xf4a582 t 'detected', "
                       "%s u 1:2 w filledcurves x1 lc rgb 0x92c5de t 'recovered', "
                       "%s u 1:3 w l lc rgb 0xb2182b notitle, %s u 1:2 w l lc rgb 0x2166ac notitle, "
                       "%s u 1:3:6 w p pt variable ps 1.2 lc rgb 0xb2182b notitle, "
                       "%s u 1:2:6 w p pt variable ps 1.2 lc rgb 0x2166ac notitle",
                       sep, dn, dn, dn, dn, dn, dn);
        sep = ", ";
    }
    if (kd > 0 && cw && any_l2) {
        edd_buf_printf(s, "%s%s u 1:5 axes x1y2 w l lc rgb 0x1b7837 t 'mean L2 (right axis)', "
                          "%s u 1:5:6 axes x1y2 w p pt variable ps 1.2 lc rgb 0x1b7837 notitle", sep, dn, dn);
        sep = ", ";
    }
    if (kb > 0) {
        edd_buf_printf(s, "%s%s u 1:3 w l dt 2 lw 1.5 lc rgb 'black' t 'undefended baseline: recovered + detected', "
                          "%s u 1:3:6 w p pt variable ps 1.2 lc rgb 'black' notitle", sep, bn, bn);
        sep = ", ";
    }
    for (int i = 0, k = 0; axis == AX_L2 && i < n; i++) {
        if (!first_of_setting(rows, i))
            continue;
        const repro_row *w = NULL;
        for (int j = 0; j < n && !w; j++)
            if (!strcmp(rows[j].target, "distilled") && !strcmp(rows[j].variant, var) && rows[j].value == rows[i].value)
                w = &rows[j];
        edd_buf_printf(s, "%skeyentry w p pt %d ps 1.2 lc rgb 'black' t '%s %g: ", sep, shapes[k++ % NSHAPES],
                       rows[i].setting, rows[i].value);
        if (w && misclassified_images(w) > 0)
            edd_buf_printf(s, "L2 %.2f, %.1f%% misclassified'", w->mean_l2, 100 * w->misclassified);
        else
            edd_buf_printf(s, "no image misclassified'");
    }
    if (hollow)
        edd_buf_printf(s, "%skeyentry w p pt %d ps 1.2 lc rgb 'black' t 'hollow: fewer than %d misclassified images'",
                       sep, shapes[1] - 1, REPRO_FEW_MISCLASSIFIED);
    edd_buf_printf(s, "\n%s", has_none ? "unset label 1\n" : "");
}

/* The gnuplot script of figure fig from its n >= 1 rows (read from
 * csv_rel), data inline: one panel per variant. pts is scratch for NCOL n
 * doubles. */
static void script(edd_buf *s, const repro *r, const char *fig, const char *csv_rel, const repro_row *rows, int n,
                   double *pts)
{
    int study = !strcmp(rows[0].setting, "alpha") || !strcmp(rows[0].setting, "passes");
    int cw = !strcmp(rows[0].attack, "cw");
    plot_axis axis = study || cw ? AX_SETTING : AX_L2;
    int has[VAR_COUNT] = {0}, panels = 0;
    for (int i = 0; i < n; i++)
        for (int v = 0; v < VAR_COUNT; v++)
            has[v] |= !strcmp(rows[i].variant, repro_variant_names[v]);
    for (int v = 0; v < VAR_COUNT; v++)
        panels += has[v];
    /* at most: detected, recovered, mean L2, baseline, one per setting, hollow */
    int key_rows = 5;
    for (int i = 0; axis == AX_L2 && i < n; i++)
        key_rows += first_of_setting(rows, i);
    repro_gp_head(s, fig, csv_rel, 600 * panels, 420 + 16 * key_rows, 9);
    edd_buf_printf(s,
                   "set multiplot layout 1,%d title '%s (%s, n = %zu per point)'\n"
                   "set yrange [0:1]\nset xrange [0:*]\nset grid\n"
                   "set key below horizontal Left reverse maxcols 1 samplen 3 height 1.5\n"
                   "set ylabel 'fraction of adversarial inputs'\nset xlabel '%s'\n%s",
                   panels, fig_title(fig), rows[0].attack, rows[0].n,
                   study ? (!strcmp(rows[0].setting, "alpha") ? "alpha (Eq. 2)" : "N, stochastic passes (Eq. 1)")
                   : cw  ? "kappa, the confidence margin CW asks for"
                         : "mean L2 perturbation of the misclassified examples",
                   axis == AX_L2 ? "set offsets 0, graph 0.04, 0, 0 # the largest perturbation off the border\n" : "");
    for (int v = 0, p = 0; v < VAR_COUNT; v++)
        if (has[v])
            script_panel(s, r, rows, n, p++, repro_variant_names[v], axis, pts);
    edd_buf_printf(s, "unset multiplot\n");
}

/* The sources, targets and settings a figure CSV names. */
static const char *const fig_sources[] = {"distilled", "baseline", "surrogate_d", "surrogate_u"};
static const char *const fig_studies[] = {"alpha", "passes"};

edd_status repro_rows_check(const repro *r, const char *csv_rel, const char *fig, const repro_row *rows, int n)
{
    char path[EDD_PATH_MAX];
    edd_status st = repro_path(r, csv_rel, path);
    for (int i = 0; !st && i < n; i++) {
        const repro_row *w = &rows[i];
        edd_ctx *c = r->ctx;
        st = repro_csv_word(c, path, i + 2, "figure", w->figure, &fig, 1, NULL, 0);
        if (!st)
            st = repro_csv_word(c, path, i + 2, "source", w->source, fig_sources, 4, NULL, 0);
        if (!st)
            st = repro_csv_word(c, path, i + 2, "target", w->target, fig_sources, 2, NULL, 0);
        if (!st)
            st = repro_csv_word(c, path, i + 2, "attack", w->attack, repro_att_names, ATT_COUNT, NULL, 0);
        if (!st)
            st = repro_csv_word(c, path, i + 2, "setting", w->setting, repro_att_settings, ATT_COUNT, fig_studies, 2);
        if (!st)
            st = repro_csv_word(c, path, i + 2, "variant", w->variant, repro_variant_names, VAR_COUNT, NULL, 0);
    }
    return st;
}

edd_status repro_plot(repro *r, const char *fig, const char *csv_rel)
{
    repro_row *rows = NULL;
    int n = 0;
    edd_status st = repro_rows_read(r, csv_rel, &rows, &n);
    if (!st)
        st = repro_rows_check(r, csv_rel, fig, rows, n);
    if (!st && n == 0)
        st = edd_fail(r->ctx, EDD_ERR_FORMAT, "%s: no rows, expected at least one point to plot", csv_rel);
    double *pts = st ? NULL : malloc((size_t)n * NCOL * sizeof(double));
    if (!st && !pts)
        st = edd_fail(r->ctx, EDD_ERR_NOMEM, "plot %s: out of memory for %d points", fig, n);
    edd_buf s = {0};
    if (!st) {
        script(&s, r, fig, csv_rel, rows, n, pts);
        st = repro_plot_draw(r, fig, &s);
    }
    edd_buf_free(&s);
    free(pts);
    free(rows);
    return st;
}

edd_status repro_plot_bands(repro *r, const char *name, const char *title, const char *xlabel, const char *ylabel,
                            const repro_band *b, int n)
{
    edd_buf s = {0}, cmd = {0};
    repro_gp_head(&s, name, "seeds.csv (edd reproduce --seeds)", 860, 560, 10);
    /* one data block per series, in order of first appearance */
    int nseries = 0;
    for (int i = 0; i < n; i++) {
        int first = 1;
        for (int j = 0; j < i && first; j++)
            first = strcmp(b[j].series, b[i].series) != 0;
        if (!first)
            continue;
        edd_buf_printf(&s, "$s%d << EOD\n", nseries);
        for (int j = i; j < n; j++)
            if (!strcmp(b[j].series, b[i].series))
                edd_buf_printf(&s, "%g %g %g %g\n", b[j].x, b[j].mean, fmax(0.0, b[j].lo), fmin(1.0, b[j].hi));
        edd_buf_printf(&s, "EOD\n");
        edd_buf_printf(&cmd, "%s$s%d u 1:2:3:4 w yerrorlines lw 1.5 t '%s'", nseries ? ", " : "plot ", nseries,
                       b[i].series);
        nseries++;
    }
    edd_buf_printf(&s, "set title '%s'\nset xlabel '%s'\nset ylabel '%s'\nset yrange [0:1]\nset grid\n"
                       "set offsets graph 0.05, graph 0.05, 0, 0\n"
                       "set key below horizontal font ',8'\n%s\n",
                   title, xlabel, ylabel, nseries ? cmd.s : "unset key\nplot 2 notitle");
    edd_status st = repro_plot_draw(r, name, &s);
    edd_buf_free(&s);
    edd_buf_free(&cmd);
    return st;
}
