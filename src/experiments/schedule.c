/* schedule.c - list scheduling of the stage graph, longest path first
 * (HLFET; src/experiments/experiments.h): the levels, the critical path, the
 * order a rank takes ready stages in, and the makespan that order gives on
 * P ranks. Pure functions of the graph (deps and costs): no stage table,
 * no files, no clock. */
#include "experiments.h"

#include <math.h>
#include <string.h>

#define BIT(i) ((uint64_t)1 << (i))

/* The stages in an order where each comes after every stage it reads
 * (Kahn's algorithm, lowest index first); 0 if g has a cycle. */
static int topo_order(const edd_sched_graph *g, int *topo)
{
    uint64_t placed = 0;
    for (int k = 0; k < g->n; k++) {
        int next = -1;
        for (int i = 0; i < g->n && next < 0; i++)
            if (!(placed & BIT(i)) && (g->deps[i] & ~placed) == 0)
                next = i;
        if (next < 0)
            return 0;
        topo[k] = next;
        placed |= BIT(next);
    }
    return 1;
}

edd_status edd_sched_plan_make(edd_ctx *ctx, const edd_sched_graph *g, edd_sched_plan *p)
{
    if (g->n < 0 || g->n > EDD_SCHED_MAX)
        return edd_fail(ctx, EDD_ERR_ARG, "schedule: %d stages, expected 0..%d", g->n, EDD_SCHED_MAX);
    const uint64_t all = g->n == 64 ? UINT64_MAX : BIT(g->n) - 1;
    for (int i = 0; i < g->n; i++) {
        if (g->deps[i] & ~all)
            return edd_fail(ctx, EDD_ERR_ARG, "schedule: stage %d reads stages %#llx outside the graph of %d stages",
                            i, (unsigned long long)(g->deps[i] & ~all), g->n);
        if (g->deps[i] & BIT(i))
            return edd_fail(ctx, EDD_ERR_ARG, "schedule: stage %d reads itself, expected a graph without cycles", i);
        if (!isfinite(g->cost[i]) || g->cost[i] < 0)
            return edd_fail(ctx, EDD_ERR_ARG, "schedule: stage %d costs %g s, expected a finite number >= 0", i,
                            g->cost[i]);
    }
    int topo[EDD_SCHED_MAX];
    if (!topo_order(g, topo))
        return edd_fail(ctx, EDD_ERR_ARG, "schedule: the stages' dependencies form a cycle, expected none");
    memset(p, 0, sizeof *p);
    /* levels from the end back: a stage's level is its cost plus the
     * highest level among the stages that read it */
    int succ[EDD_SCHED_MAX];
    for (int k = g->n - 1; k >= 0; k--) {
        int i = topo[k];
        double best = 0.0;
        succ[i] = -1;
        for (int j = 0; j < g->n; j++)
            if ((g->deps[j] & BIT(i)) && (succ[i] < 0 || p->level[j] > best)) {
                best = p->level[j];
                succ[i] = j;
            }
        p->level[i] = g->cost[i] + best;
        p->work += g->cost[i];
    }
    /* every level is at most the work: finite work keeps inf and nan out
     * of the plan and of what is printed from it */
    if (!isfinite(p->work))
        return edd_fail(ctx, EDD_ERR_ARG, "schedule: the %d stages' seconds add up to %g, expected a finite total "
                        "(a stage time near the largest double)", g->n, p->work);
    /* priority: level down, index up (insertion sort: at most 64 stages) */
    for (int i = 0; i < g->n; i++) {
        int k = i;
        while (k > 0 && p->level[p->order[k - 1]] < p->level[i]) {
            p->order[k] = p->order[k - 1];
            k--;
        }
        p->order[k] = i;
    }
    /* the critical path: from the highest level, the reader of highest
     * level at each step */
    if (g->n) {
        p->critical = p->level[p->order[0]];
        for (int i = p->order[0]; i >= 0; i = succ[i])
            p->crit[p->ncrit++] = i;
    }
    return EDD_OK;
}

uint64_t edd_sched_ready(const edd_sched_graph *g, uint64_t done, uint64_t started)
{
    uint64_t ready = 0;
    for (int i = 0; i < g->n; i++)
        if (!((done | started) & BIT(i)) && (g->deps[i] & ~done) == 0)
            ready |= BIT(i);
    return ready;
}

int edd_sched_next(const edd_sched_plan *p, uint64_t ready)
{
    for (int k = 0; k < EDD_SCHED_MAX && ready; k++)
        if (ready & BIT(p->order[k]))
            return p->order[k];
    return -1;
}

double edd_sched_simulate(const edd_sched_graph *g, const edd_sched_plan *p, int ranks, int *rank, double *start)
{
    const uint64_t all = g->n == 64 ? UINT64_MAX : BIT(g->n) - 1;
    int running[EDD_SCHED_MAX]; /* the stage on each rank, or -1; ranks beyond the stages stay idle */
    double finish[EDD_SCHED_MAX] = {0};
    const int r_used = ranks < g->n ? ranks : g->n;
    for (int r = 0; r < r_used; r++)
        running[r] = -1;
    uint64_t done = 0, started = 0;
    double t = 0.0, makespan = 0.0;
    while (done != all) {
        uint64_t ready = edd_sched_ready(g, done, started);
        for (int r = 0; r < r_used && ready; r++) {
            if (running[r] >= 0)
                continue;
            int i = edd_sched_next(p, ready);
            running[r] = i;
            ready &= ~BIT(i);
            started |= BIT(i);
            finish[i] = t + g->cost[i];
            if (rank)
                rank[i] = r;
            if (start)
                start[i] = t;
        }
        /* the next completions: every running stage that ends first */
        double next = INFINITY;
        for (int r = 0; r < r_used; r++)
            if (running[r] >= 0 && finish[running[r]] < next)
                next = finish[running[r]];
        t = next;
        for (int r = 0; r < r_used; r++)
            if (running[r] >= 0 && finish[running[r]] == t) {
                done |= BIT(running[r]);
                running[r] = -1;
            }
        makespan = t > makespan ? t : makespan;
    }
    return makespan;
}
