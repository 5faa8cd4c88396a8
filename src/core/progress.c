/* progress.c - progress on stderr: a bar redrawn in place when it is a
 * terminal, else a line every EDD_PROGRESS_SECONDS (default 10) seconds. */
#include "edd/progress.h"

#include <stdlib.h>
#include <time.h>
#include <unistd.h>

double edd_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The seconds between two lines off a terminal: $EDD_PROGRESS_SECONDS when
 * it is a number above 0, else EDD_PROGRESS_PERIOD. */
static double period(void)
{
    const char *s = getenv("EDD_PROGRESS_SECONDS");
    char *end;
    double v = s ? strtod(s, &end) : 0.0;
    return s && end != s && !*end && v > 0 && v < 1e9 ? v : EDD_PROGRESS_PERIOD;
}

void edd_progress_start(edd_progress *p, const char *label, size_t total, int quiet)
{
    p->out = quiet ? NULL : stderr;
    p->tty = !quiet && isatty(fileno(stderr));
    p->label = label;
    p->total = total;
    p->t0 = edd_now();
    p->last_draw = p->tty ? 0.0 : p->t0;
    p->period = p->tty ? 0.1 : period();
}

void edd_progress_update(edd_progress *p, size_t done, const char *extra)
{
    if (!p->out)
        return;
    double now = edd_now();
    if ((done < p->total || !p->tty) && now - p->last_draw < p->period)
        return;
    p->last_draw = now;
    double el = now - p->t0, frac = p->total ? (double)done / (double)p->total : 1.0;
    double rate = el > 0 ? (double)done / el : 0.0, eta = rate > 0 ? (double)(p->total - done) / rate : 0.0;
    if (!p->tty) { /* a log: one whole line, never a carriage return */
        fprintf(p->out, "%s: %zu/%zu (%.0f%%) %.3g/s %.0fs ETA %.0fs %s\n", p->label, done, p->total, 100.0 * frac,
                rate, el, eta, extra ? extra : "");
        fflush(p->out);
        return;
    }
    char bar[31];
    int fill = (int)(frac * 30.0);
    for (int i = 0; i < 30; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[30] = 0;
    fprintf(p->out, "\r\033[K%s [%s] %3.0f%% %.0f/s ETA %.0fs %s", p->label, bar, 100.0 * frac, rate, eta,
            extra ? extra : "");
    fflush(p->out);
}

void edd_progress_end(edd_progress *p)
{
    if (p->out && p->tty) {
        fprintf(p->out, "\r\033[K");
        fflush(p->out);
    }
}
