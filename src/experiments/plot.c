/* plot.c - the figures as PNGs drawn by gnuplot: for each figure a script
 * plots/FIG.gp (data inline, so that it re-renders on its own) and its
 * output plots/FIG.png. Attack figures stack the recovered and detected
 * rates against the mean L2 perturbation of the misclassified examples, as
 * the paper's Figs. 2a-c and 3 do, one panel per FGM loss (the adaptive
 * attacker beside the paper's); Figs. 2d-e stack them against alpha or N. */
#include "repro.h"

#include "edd/io.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The whole file at path (malloc'd, *len bytes), or NULL. */
static unsigned char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *b = NULL;
    long n = f && !fseek(f, 0, SEEK_END) ? ftell(f) : -1;
    if (n > 0 && !fseek(f, 0, SEEK_SET) && (b = malloc((size_t)n)) && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    if (f)
        fclose(f);
    *len = b ? (size_t)n : 0;
    return b;
}

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
        {"fig2c", "Fig. 2c: white-box CW-L2 (AdaDelta) on the distilled model"},
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

/* The data block $dP of one panel (variant "paper" or "adaptive") and its
 * plot command. Attack figures plot recovered and recovered + detected
 * against the mean L2 of the misclassified examples, labelled with the
 * attack setting; settings with no misclassified image have no mean L2, so
 * no point, and a label says so. Studies plot them against the setting. */
static void script_panel(edd_buf *s, const repro_row *rows, int n, int p, int study, double *pts)
{
    const char *variant = p ? "adaptive" : "paper";
    int k = 0, nnone = 0;
    edd_buf none = {0};
    for (int i = 0; i < n; i++) {
        if (strcmp(rows[i].variant, variant))
            continue;
        if (!study && rows[i].misclassified <= 0) {
            edd_buf_printf(&none, "%s%g", nnone++ ? ", " : "", rows[i].value);
            continue;
        }
        pts[4 * k] = study ? rows[i].value : rows[i].mean_l2;
        pts[4 * k + 1] = rows[i].recovered;
        pts[4 * k + 2] = rows[i].recovered + rows[i].detected;
        pts[4 * k + 3] = rows[i].value;
        k++;
    }
    qsort(pts, (size_t)k, 4 * sizeof(double), by_x);
    edd_buf_printf(s, "$d%d << EOD\n", p);
    for (int i = 0; i < k; i++)
        edd_buf_printf(s, "%g %g %g %g\n", pts[4 * i], pts[4 * i + 1], pts[4 * i + 2], pts[4 * i + 3]);
    const char *ptitle = !strcmp(rows[0].attack, "fgm")
                             ? (p ? "adaptive: loss over the 10 real classes" : "loss over all K outputs (the paper)")
                         : !strcmp(rows[0].attack, "jsma")
                             ? (p ? "exact gradient: beta = -alpha, one pass" : "cleverhans float32 Jacobian (the paper)")
                             : "targets among the real classes (the paper)";
    edd_buf_printf(s, "EOD\nset title '%s'\n", ptitle);
    if (none.err)
        s->err = 1;
    if (nnone)
        edd_buf_printf(s, "set label 1 '%s %s: no image misclassified (recovered + detected = 1)' at "
                          "graph 0.02,0.04 left font ',8'\n", rows[0].setting, none.s);
    edd_buf_free(&none);
    if (k == 0) /* nothing to draw: an empty panel with its label */
        edd_buf_printf(s, "unset key\nset xrange [0:1]\nplot 2 notitle\nset xrange [0:*]\nset key below horizontal\n");
    else
        edd_buf_printf(s,
                       "plot $d%d u 1:3 w filledcurves x1 lc rgb '#f4a582' t 'detected', "
                       "$d%d u 1:2 w filledcurves x1 lc rgb '#92c5de' t 'recovered', "
                       "$d%d u 1:3 w lp pt 7 ps 0.8 lc rgb '#b2182b' notitle, "
                       "$d%d u 1:2 w lp pt 7 ps 0.8 lc rgb '#2166ac' notitle%s",
                       p, p, p, p, study ? "\n" : "");
    if (k > 0 && !study)
        edd_buf_printf(s, ", $d%d u 1:3:(sprintf('%%g', $4)) w labels offset 0,0.8 font ',8' notitle\n", p);
    if (nnone)
        edd_buf_printf(s, "unset label 1\n");
    if (!study)
        edd_buf_printf(s, "# point labels: the attack setting (%s)\n", rows[0].setting);
}

/* The gnuplot script of figure fig from its n >= 1 rows (read from
 * csv_rel), data inline: one panel, or two when the figure has the adaptive
 * variant. pts is scratch for 4n doubles. */
static void script(edd_buf *s, const char *fig, const char *csv_rel, const repro_row *rows, int n, double *pts)
{
    int study = !strcmp(rows[0].setting, "alpha") || !strcmp(rows[0].setting, "passes");
    int has_real = 0;
    for (int i = 0; i < n; i++)
        has_real |= !strcmp(rows[i].variant, "adaptive");
    int panels = has_real ? 2 : 1;
    edd_buf_printf(s,
                   "# %s - drawn by edd reproduce from %s; re-render with: gnuplot %s.gp\n"
                   "if (!exists(\"outfile\")) outfile = '%s.png'\n"
                   "set terminal pngcairo size %d,490 font ',10'\nset output outfile\n"
                   "set multiplot layout 1,%d title '%s (%s, n = %zu per point)'\n"
                   "set yrange [0:1]\nset xrange [0:*]\nset grid\nset key below horizontal\n"
                   "set ylabel 'fraction of adversarial inputs'\nset xlabel '%s'\n",
                   fig, csv_rel, fig, fig, 560 * panels, panels, fig_title(fig), rows[0].attack, rows[0].n,
                   study ? (!strcmp(rows[0].setting, "alpha") ? "alpha (Eq. 2)" : "N, stochastic passes (Eq. 1)")
                         : "mean L2 perturbation of the misclassified examples");
    for (int p = 0; p < panels; p++)
        script_panel(s, rows, n, p, study, pts);
    edd_buf_printf(s, "unset multiplot\n");
}

/* Run gnuplot on the script gp into a temporary file beside png, check it
 * wrote a PNG, and write that atomically to png. */
static edd_status run_gnuplot(repro *r, const char *fig, const char *gp, const char *png)
{
    edd_buf tmp = {0}, log = {0}, cmd = {0};
    edd_buf_printf(&tmp, "%s.gnuplot.tmp.%ld", png, (long)getpid());
    edd_buf_printf(&log, "%s.gnuplot.log", png);
    edd_buf_printf(&cmd, "gnuplot -e \"outfile='%s'\" '%s' >'%s' 2>&1", tmp.s, gp, log.s);
    edd_status st = edd_buf_status(r->ctx, &cmd, "the gnuplot command");
    if (st) {
        edd_buf_free(&tmp);
        edd_buf_free(&log);
        return st;
    }
    remove(tmp.s);
    int rc = system(cmd.s);
    /* gnuplot's PNG is read back and written with the fsyncs and the
     * rename of every other output */
    size_t plen = 0;
    unsigned char *pngbuf = rc == 0 ? read_file(tmp.s, &plen) : NULL;
    int okpng = pngbuf && plen > 8 && !memcmp(pngbuf, "\x89PNG\r\n\x1a\n", 8);
    if (rc != 0)
        st = edd_fail(r->ctx, EDD_ERR_IO,
                      "plot %s: `gnuplot` failed or is missing (exit status %d, its output in %s): install "
                      "gnuplot (Debian: apt-get install gnuplot-nox) and rerun; the CSVs are already in %s",
                      fig, rc, log.s, r->o->out_dir);
    else if (!okpng)
        st = edd_fail(r->ctx, EDD_ERR_FORMAT, "%s: gnuplot wrote no PNG (no PNG magic), expected a pngcairo image",
                      tmp.s);
    else {
        const void *chunks[1] = {pngbuf};
        size_t sizes[1] = {plen};
        st = edd_file_write_atomic(r->ctx, png, chunks, sizes, 1);
    }
    free(pngbuf);
    remove(tmp.s);
    if (!st)
        remove(log.s);
    edd_buf_free(&tmp);
    edd_buf_free(&log);
    edd_buf_free(&cmd);
    return st;
}

edd_status repro_plot(repro *r, const char *fig, const char *csv_rel)
{
    char gp_rel[256], png_rel[256], gp[EDD_PATH_MAX], png[EDD_PATH_MAX];
    repro_row *rows = NULL;
    int n = 0;
    snprintf(gp_rel, sizeof gp_rel, "plots/%s.gp", fig);
    snprintf(png_rel, sizeof png_rel, "plots/%s.png", fig);
    edd_status st = repro_rows_read(r, csv_rel, &rows, &n);
    if (!st)
        st = repro_path(r, gp_rel, gp);
    if (!st)
        st = repro_path(r, png_rel, png);
    if (!st && strpbrk(png, "'\"\\$`"))
        st = edd_fail(r->ctx, EDD_ERR_ARG, "%s: quotes or shell characters in the results path", png);
    if (!st && n == 0)
        st = edd_fail(r->ctx, EDD_ERR_FORMAT, "%s: no rows, expected at least one point to plot", csv_rel);
    double *pts = st ? NULL : malloc((size_t)n * 4 * sizeof(double));
    if (!st && !pts)
        st = edd_fail(r->ctx, EDD_ERR_NOMEM, "plot %s: out of memory for %d points", fig, n);
    edd_buf s = {0};
    if (!st)
        script(&s, fig, csv_rel, rows, n, pts);
    if (!st)
        st = repro_write_text(r, gp_rel, &s);
    if (!st)
        st = run_gnuplot(r, fig, gp, png);
    if (!st)
        st = repro_output(r, png_rel);
    edd_buf_free(&s);
    free(pts);
    free(rows);
    return st;
}
