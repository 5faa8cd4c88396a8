/* progress.c - a progress bar on stderr when it is a terminal. */
#include "edd/progress.h"

#include <time.h>
#include <unistd.h>

double edd_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void edd_progress_start(edd_progress *p, const char *label, size_t total, int quiet)
{
    p->out = quiet ? NULL : stderr;
    p->tty = !quiet && isatty(fileno(stderr));
    p->label = label;
    p->total = total;
    p->t0 = edd_now();
    p->last_draw = 0.0;
}

void edd_progress_update(edd_progress *p, size_t done, const char *extra)
{
    if (!p->out || !p->tty)
        return;
    double now = edd_now();
    if (done < p->total && now - p->last_draw < 0.1)
        return;
    p->last_draw = now;
    double el = now - p->t0, frac = p->total ? (double)done / (double)p->total : 1.0;
    double rate = el > 0 ? (double)done / el : 0.0, eta = rate > 0 ? (double)(p->total - done) / rate : 0.0;
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
