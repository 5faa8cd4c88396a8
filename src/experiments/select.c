/* select.c - which stages a run runs: the --only selection closed over
 * the stages it reads, and the --force stage within it
 * (src/experiments/experiments.h). Split from runner.c, which calls it.
 * May call: the stage table (repro.h), core (edd_fail), libc. */
#include "repro.h"

#include <string.h>

edd_status edd_repro_select(edd_ctx *ctx, const char *only, uint64_t *mask)
{
    const int nstages = edd_repro_stage_count();
    *mask = nstages >= 64 ? UINT64_MAX : REPRO_BIT(nstages) - 1;
    if (!only)
        return EDD_OK;
    *mask = 0;
    for (const char *p = only;;) {
        size_t len = strcspn(p, ",");
        char word[64];
        int i = -1;
        if (len < sizeof word) {
            memcpy(word, p, len);
            word[len] = 0;
            i = edd_repro_stage_find(word);
        }
        if (i < 0)
            return edd_fail(ctx, EDD_ERR_ARG, "--only '%s': '%.*s' is not a stage name (edd reproduce --help lists them)",
                            only, (int)len, p);
        *mask |= REPRO_BIT(i);
        if (!p[len])
            break;
        p += len + 1;
    }
    /* a stage's dependencies come before it in the table: one pass from the
     * end closes the set; a summary stage (the plots, the report) draws
     * what exists, so it pulls in nothing */
    for (int i = nstages - 1; i >= 0; i--)
        if ((*mask & REPRO_BIT(i)) && !repro_stage_summary(i))
            *mask |= repro_stages[i].deps;
    return EDD_OK;
}

edd_status edd_repro_force(edd_ctx *ctx, const char *only, const char *force, uint64_t *mask, int *forced)
{
    *forced = -1;
    edd_status st = edd_repro_select(ctx, only, mask);
    if (st || !force)
        return st;
    if ((*forced = edd_repro_stage_find(force)) < 0)
        return edd_fail(ctx, EDD_ERR_ARG, "--force '%s': '%s' is not a stage name (edd reproduce --help lists them)",
                        force, force);
    if (!(*mask & REPRO_BIT(*forced)))
        return edd_fail(ctx, EDD_ERR_ARG, "--force '%s': not among the stages --only '%s' selects (they and what "
                        "they read), expected one of them: add it to --only", force, only);
    return EDD_OK;
}
