/* io_stop.c - named stop points: edd_stop_point ends the process at a
 * point that EDD_STOP_AT names, as a kill there would (docs/HOSTILE.md,
 * "Named stop points"). The crash tests stop edd at each of these points
 * instead of killing it after a wall-clock delay. Keeps no state: the
 * variable is read again at each call.
 *
 * May call: libc, POSIX (getenv, write, _exit). */
#include "edd/io.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Whether the rank qualifier q (qlen bytes, the text after '@': "rank=N"
 * or "rank!=N", N decimal) holds for this process, whose rank under
 * mpirun is OMPI_COMM_WORLD_RANK; -1 when q is no rank qualifier. A
 * process without that variable (not under mpirun) holds no qualifier. */
static int rank_holds(const char *q, size_t qlen)
{
    const int ne = qlen > 5 && !strncmp(q, "rank!=", 6);
    const size_t skip = ne ? 6 : 5;
    if (qlen <= skip || (!ne && strncmp(q, "rank=", 5)) || strspn(q + skip, "0123456789") != qlen - skip)
        return -1;
    const char *mine = getenv("OMPI_COMM_WORLD_RANK");
    if (!mine || !*mine || mine[strspn(mine, "0123456789")])
        return 0;
    const int same = strlen(mine) == qlen - skip && !strncmp(mine, q + skip, qlen - skip);
    return ne ? !same : same;
}

/* Whether the entry e (n bytes: POINT:NAME, optionally @QUALIFIER) names
 * point and name in this process: 0 if not, 1 if so, 2 if so by a rank
 * qualifier. */
static int entry_matches(const char *e, size_t n, const char *point, const char *name)
{
    const char *colon = memchr(e, ':', n);
    if (!colon || colon == e)
        return 0;
    const size_t plen = (size_t)(colon - e);
    const char *nm = colon + 1;
    size_t nlen = n - plen - 1;
    int ranked = 0;
    for (size_t k = nlen; k-- > 0;)
        if (nm[k] == '@') {
            const int holds = rank_holds(nm + k + 1, nlen - k - 1);
            if (holds == 0)
                return 0;
            if (holds > 0)
                nlen = k, ranked = 1;
            break;
        }
    const int same = nlen > 0 && plen == strlen(point) && !strncmp(e, point, plen) && nlen == strlen(name) &&
                     !strncmp(nm, name, nlen);
    return same ? 1 + ranked : 0;
}

void edd_stop_point(const char *point, const char *name)
{
    const char *list = getenv("EDD_STOP_AT");
    if (!list || !point || !name)
        return;
    for (const char *e = list; *e;) {
        const size_t n = strcspn(e, ",");
        const int how = entry_matches(e, n, point, name);
        if (how) {
            char line[600];
            int len = how == 2 ? snprintf(line, sizeof line, "edd: stopped at %s:%s on rank %s (EDD_STOP_AT)\n",
                                          point, name, getenv("OMPI_COMM_WORLD_RANK"))
                               : snprintf(line, sizeof line, "edd: stopped at %s:%s (EDD_STOP_AT)\n", point, name);
            if (len > 0) {
                ssize_t w = write(STDERR_FILENO, line, (size_t)len < sizeof line ? (size_t)len : sizeof line - 1);
                (void)w; /* the process ends either way */
            }
            _exit(EDD_STOP_EXIT);
        }
        e += n + (e[n] == ',');
    }
}
