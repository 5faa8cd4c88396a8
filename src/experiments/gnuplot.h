/* gnuplot.h - internal to src/experiments: what gnuplot.c offers, the
 * boundary between a results folder (untrusted input, issue 24) and
 * gnuplot. Used by plot.c and plot_standard.c. */
#ifndef EDD_GNUPLOT_H
#define EDD_GNUPLOT_H

#include "repro.h"

/* The characters a quoted string of a gnuplot script may hold. */
#define REPRO_GP_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 _.,:=()+-/%"

/* 1 iff the len bytes of s are all of REPRO_GP_CHARS. */
int repro_gp_text_ok(const char *s, size_t len);

/* EDD_OK iff value is one of words[0..nwords) or more[0..nmore) (more
 * may be NULL with nmore 0); else EDD_ERR_FORMAT naming csv, its line, the
 * column, the value (escaped) and the words expected. Every text cell a
 * plot reads from a results folder passes here. */
edd_status repro_csv_word(edd_ctx *ctx, const char *csv, int line, const char *column, const char *value,
                          const char *const *words, int nwords, const char *const *more, int nmore);

/* EDD_OK iff the script s (named name in messages) is safe to hand to
 * gnuplot: outside its data blocks no backquote or double quote, single
 * quotes balanced on each line, each quoted string of REPRO_GP_CHARS; in a
 * data block only numbers. Else EDD_ERR_FORMAT naming the line. */
edd_status repro_gp_check(edd_ctx *ctx, const char *name, const char *s);

/* The first lines of the script of plots/STEM.png: a comment naming from
 * (the CSV it is drawn from), the pngcairo terminal of width x height
 * pixels and font size font, and the output STEM.png (beside the script
 * when run by hand). */
void repro_gp_head(edd_buf *s, const char *stem, const char *from, int width, int height, int font);

/* Check the script s (repro_gp_check), write it as plots/STEM.gp, run
 * gnuplot on it (no shell, in a private directory) into plots/STEM.png,
 * and register both; on a gnuplot failure its output is left in
 * plots/STEM.png.gnuplot.log. stem is letters, digits and _. */
edd_status repro_plot_draw(repro *r, const char *stem, const edd_buf *s);

#endif
