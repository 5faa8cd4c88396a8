/* edd/progress.h - progress reporting on stderr.
 *
 * Owns: edd_progress (a bar redrawn in place when stderr is a terminal,
 * otherwise silent until the caller's summary line).
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
} edd_progress;

/* Wall-clock seconds (monotonic). */
EDD_API double edd_now(void);

/* Start reporting `total` units of work under `label` on stderr; quiet = 1
 * reports nothing at all. */
EDD_API void edd_progress_start(edd_progress *p, const char *label, size_t total, int quiet);

/* Report that `done` units are finished; `extra` (may be NULL) is shown
 * after the bar, e.g. "loss 0.123". Redraws at most 10 times a second. */
EDD_API void edd_progress_update(edd_progress *p, size_t done, const char *extra);

/* Clear the bar (terminal) so that the caller can print its summary line. */
EDD_API void edd_progress_end(edd_progress *p);

#endif
