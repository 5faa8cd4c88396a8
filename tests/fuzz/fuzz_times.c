/* fuzz_times.c - the --times reader (src/experiments/costs.c) on any
 * bytes: the first byte picks the scale (smoke, quick, paper), the rest is
 * the times file, written as DIR/times.txt and read by edd_repro_graph
 * (no results folder) for every stage of the table; the graph it returns
 * then goes to the schedule (edd_sched_plan_make, edd_sched_simulate on
 * two ranks) as `edd reproduce --dry-run --times` does. */
#include "experiments.h"
#include "fuzz.h"

#include <math.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const scales[] = {"smoke", "quick", "paper"};
    if (size < 1)
        return 0;
    const char *path = fuzz_file("times.txt", data + 1, size - 1);
    edd_ctx ctx = {0};
    edd_repro_scale sc;
    if (edd_repro_scale_get(&ctx, scales[data[0] % 3], &sc))
        abort();
    const int nstages = edd_repro_stage_count();
    const uint64_t want = nstages >= 64 ? UINT64_MAX : ((uint64_t)1 << nstages) - 1;
    edd_sched_graph g;
    int stage[EDD_REPRO_MAX_STAGES];
    edd_cost_source source[EDD_REPRO_MAX_STAGES];
    if (edd_repro_graph(&ctx, &sc, NULL, path, want, &g, stage, source)) {
        if (!ctx.err[0] || !memchr(ctx.err, 0, sizeof ctx.err))
            abort(); /* the contract: a refused file says why */
        return 0;
    }
    if (g.n != nstages)
        abort(); /* every stage asked for is in the graph */
    for (int k = 0; k < g.n; k++)
        if (!isfinite(g.cost[k]) || g.cost[k] < 0 || stage[k] < 0 || stage[k] >= nstages ||
            (source[k] != EDD_COST_ESTIMATE && source[k] != EDD_COST_TIMES))
            abort(); /* edd_sched_graph's costs are finite and >= 0; no folder: no manifest's */
    edd_sched_plan p;
    if (edd_sched_plan_make(&ctx, &g, &p))
        abort(); /* a graph edd_repro_graph accepted is one the schedule takes */
    int rank[EDD_SCHED_MAX];
    double start[EDD_SCHED_MAX];
    const double makespan = edd_sched_simulate(&g, &p, 2, rank, start);
    if (isnan(makespan) || makespan < 0)
        abort();
    return 0;
}
