/* edd/progress.h - progress reporting on stderr.
 *
 * Owns: edd_progress (a bar redrawn in place when stderr is a terminal;
 * otherwise, so that a CI log never looks hung, one line every
 * EDD_PROGRESS_PERIOD seconds, or $EDD_PROGRESS_SECONDS when set), and
 * that environment variable.
 * May call: libc only (core.h for EDD_API). */
#ifndef EDD_PROGRESS_H
#define EDD_PROGRESS_H

#include <stddef.h>
#include <stdio.h>

#include "edd/core.h"

typedef struct {
    FILE *out;       /* NULL: report nothing */
    int tty;         /* redraw a bar in place */
    const char *label;
    size_t total;
    double t0, last_draw;
    double period;   /* seconds between two draws: 0.1 on a terminal, else the line period */
} edd_progress;

/* Seconds between two progress lines when stderr is not a terminal. */
#define EDD_PROGRESS_PERIOD 10.0

/* Wall-clock seconds (monotonic). */
EDD_API double edd_now(void);

/* Start reporting `total` units of work under `label` on stderr; quiet = 1
 * reports nothing at all. */
EDD_API void edd_progress_start(edd_progress *p, const char *label, size_t total, int quiet);

/* Report that `done` units are finished; `extra` (may be NULL) is shown
 * after the bar, e.g. "loss 0.123". Redraws at most 10 times a second on
 * a terminal; off one, prints a line "LABEL: DONE/TOTAL (P%) RATE/s Ts ETA
 * Ts EXTRA" once a period has passed since the start or the last line.
 * Callers in a long loop call it at least once an iteration, so that a
 * line comes at least every period. */
EDD_API void edd_progress_update(edd_progress *p, size_t done, const char *extra);

/* Clear the bar (terminal) so that the caller can print its summary line. */
EDD_API void edd_progress_end(edd_progress *p);

#endif
