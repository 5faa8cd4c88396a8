/* test_schedule.c - the schedule of the stage graph (schedule.c): levels,
 * priority order, critical path and list scheduling on a hand-made graph
 * worked out by hand, the list-scheduling bounds on the real stage table,
 * splits, bad graphs refused; the stage costs from a times file and from
 * manifests (costs.c). */
#include <criterion/criterion.h>

#include "edd/experiments.h"
#include "edd/internal/manifest.h"
#include "testutil.h"

#include <math.h>
#include <sys/stat.h>

TestSuite(schedule, .timeout = 60);

#define B(i) ((uint64_t)1 << (i))

/* A(2), B(3), C(4) reads A, D(1) reads A and B, E(5), F(1) reads C and D.
 * Levels: F 1, C 5, D 2, A 7, B 5, E 5. */
static edd_sched_graph hand_graph(void)
{
    edd_sched_graph g = {.n = 6};
    const double cost[6] = {2, 3, 4, 1, 5, 1};
    memcpy(g.cost, cost, sizeof cost);
    g.deps[2] = B(0);
    g.deps[3] = B(0) | B(1);
    g.deps[5] = B(2) | B(3);
    return g;
}

Test(schedule, hand_made_graph_levels_order_and_critical_path)
{
    edd_ctx ctx = {0};
    edd_sched_graph g = hand_graph();
    edd_sched_plan p;
    cr_assert_eq(edd_sched_plan_make(&ctx, &g, &p), EDD_OK, "%s", ctx.err);
    const double level[6] = {7, 5, 5, 2, 5, 1};
    for (int i = 0; i < 6; i++)
        cr_assert_eq(p.level[i], level[i], "level of stage %d: %g, expected %g", i, p.level[i], level[i]);
    /* level down, ties (B, C, E at 5) by index */
    const int order[6] = {0, 1, 2, 4, 3, 5};
    for (int k = 0; k < 6; k++)
        cr_assert_eq(p.order[k], order[k], "order[%d] = %d, expected %d", k, p.order[k], order[k]);
    cr_assert_eq(p.work, 16.0);
    cr_assert_eq(p.critical, 7.0);
    cr_assert_eq(p.ncrit, 3);
    cr_assert(p.crit[0] == 0 && p.crit[1] == 2 && p.crit[2] == 5, "the critical path is A > C > F");
    /* the ready set and the pick */
    cr_assert_eq(edd_sched_ready(&g, 0, 0), B(0) | B(1) | B(4));
    cr_assert_eq(edd_sched_ready(&g, B(0), B(1)), B(2) | B(4), "D waits for B");
    cr_assert_eq(edd_sched_next(&p, B(3) | B(4)), 4, "E (level 5) before D (level 2)");
    cr_assert_eq(edd_sched_next(&p, 0), -1);
}

Test(schedule, hand_made_graph_list_schedule)
{
    edd_ctx ctx = {0};
    edd_sched_graph g = hand_graph();
    edd_sched_plan p;
    cr_assert_eq(edd_sched_plan_make(&ctx, &g, &p), EDD_OK, "%s", ctx.err);
    int rank[EDD_SCHED_MAX];
    double start[EDD_SCHED_MAX];
    /* one rank: A, B, C, E, D, F back to back */
    cr_assert_eq(edd_sched_simulate(&g, &p, 1, rank, start), 16.0);
    const double s1[6] = {0, 2, 5, 14, 9, 15};
    for (int i = 0; i < 6; i++)
        cr_assert(rank[i] == 0 && start[i] == s1[i], "1 rank: stage %d at %g on %d, expected %g on 0", i, start[i],
                  rank[i], s1[i]);
    /* two ranks: A|B at 0; C on 0 at 2; at 3 rank 1 takes E (level 5) over
     * D (level 2); D at 6 and F at 7 on rank 0; E ends last at 8 */
    cr_assert_eq(edd_sched_simulate(&g, &p, 2, rank, start), 8.0);
    const int r2[6] = {0, 1, 0, 0, 1, 0};
    const double s2[6] = {0, 0, 2, 6, 3, 7};
    for (int i = 0; i < 6; i++)
        cr_assert(rank[i] == r2[i] && start[i] == s2[i], "2 ranks: stage %d at %g on %d, expected %g on %d", i,
                  start[i], rank[i], s2[i], r2[i]);
    /* three ranks reach the critical path; more cannot do better */
    cr_assert_eq(edd_sched_simulate(&g, &p, 3, NULL, NULL), 7.0);
    cr_assert_eq(edd_sched_simulate(&g, &p, 16, NULL, NULL), 7.0);
    /* splitting C (on the critical path) in two: the parts run at 2 and 3
     * on ranks 0 and 1, F reads both and ends at 6 */
    edd_sched_graph s;
    cr_assert_eq(edd_sched_split(&ctx, &g, 2, 2, &s), EDD_OK, "%s", ctx.err);
    cr_assert_eq(s.n, 7);
    cr_assert(s.cost[2] == 2.0 && s.cost[6] == 2.0 && s.deps[6] == B(0), "two halves of C, each reading A");
    cr_assert_eq(s.deps[5], B(2) | B(3) | B(6), "F reads both halves");
    edd_sched_plan ps;
    cr_assert_eq(edd_sched_plan_make(&ctx, &s, &ps), EDD_OK, "%s", ctx.err);
    cr_assert_eq(ps.work, 16.0, "a split keeps the work");
    cr_assert_eq(ps.critical, 5.0);
    cr_assert_eq(edd_sched_simulate(&s, &ps, 3, rank, start), 6.0);
    cr_assert(start[2] == 2.0 && start[6] == 3.0 && start[5] == 5.0, "C at %g, its half at %g, F at %g", start[2],
              start[6], start[5]);
}

/* Graham's bound for list scheduling: max(work/P, critical path) <=
 * makespan <= work/P + (1 - 1/P) critical path, on the real stage table at
 * each scale with its default estimates. */
Test(schedule, stage_table_within_list_scheduling_bounds)
{
    edd_ctx ctx = {0};
    static const char *const scales[] = {"smoke", "quick", "paper"};
    for (int k = 0; k < 3; k++) {
        edd_repro_scale sc;
        uint32_t want;
        edd_sched_graph g;
        edd_sched_plan p;
        int stage[EDD_REPRO_MAX_STAGES];
        edd_cost_source src[EDD_REPRO_MAX_STAGES];
        cr_assert_eq(edd_repro_scale_get(&ctx, scales[k], &sc), EDD_OK);
        cr_assert_eq(edd_repro_select(&ctx, NULL, &want), EDD_OK);
        cr_assert_eq(edd_repro_graph(&ctx, &sc, NULL, NULL, want, &g, stage, src), EDD_OK, "%s", ctx.err);
        cr_assert_eq(g.n, edd_repro_stage_count());
        cr_assert_eq(edd_sched_plan_make(&ctx, &g, &p), EDD_OK, "%s", ctx.err);
        cr_assert_str_eq(edd_repro_stage_name(stage[p.crit[p.ncrit - 1]]), "report", "the report ends every path");
        for (int i = 0; i < g.n; i++)
            cr_assert_eq(src[i], EDD_COST_ESTIMATE);
        for (int P = 1; P <= 16; P++) {
            double m = edd_sched_simulate(&g, &p, P, NULL, NULL);
            double lo = fmax(p.work / P, p.critical), hi = p.work / P + (1.0 - 1.0 / P) * p.critical;
            cr_assert(m >= lo * (1 - 1e-12) && m <= hi * (1 + 1e-12), "%s, %d ranks: makespan %g outside [%g, %g]",
                      scales[k], P, m, lo, hi);
        }
        const double one = edd_sched_simulate(&g, &p, 1, NULL, NULL);
        cr_assert(fabs(one - p.work) <= 1e-9 * p.work, "%s: one rank takes the work (%g), not %g", scales[k],
                  p.work, one);
    }
}

Test(schedule, bad_graphs_are_refused)
{
    edd_ctx ctx = {0};
    edd_sched_plan p;
    edd_sched_graph g = hand_graph();
    g.deps[0] = B(5); /* A reads F, which reads C, which reads A */
    cr_assert_eq(edd_sched_plan_make(&ctx, &g, &p), EDD_ERR_ARG);
    cr_assert(strstr(ctx.err, "cycle"), "%s", ctx.err);
    g = hand_graph();
    g.deps[3] |= B(3);
    cr_assert_eq(edd_sched_plan_make(&ctx, &g, &p), EDD_ERR_ARG);
    cr_assert(strstr(ctx.err, "stage 3 reads itself"), "%s", ctx.err);
    g = hand_graph();
    g.deps[1] = B(9);
    cr_assert_eq(edd_sched_plan_make(&ctx, &g, &p), EDD_ERR_ARG);
    cr_assert(strstr(ctx.err, "outside the graph of 6 stages"), "%s", ctx.err);
    g = hand_graph();
    g.cost[4] = -1;
    cr_assert_eq(edd_sched_plan_make(&ctx, &g, &p), EDD_ERR_ARG);
    cr_assert(strstr(ctx.err, "stage 4 costs -1 s"), "%s", ctx.err);
    g.cost[4] = NAN;
    cr_assert_eq(edd_sched_plan_make(&ctx, &g, &p), EDD_ERR_ARG);
    g = hand_graph();
    edd_sched_graph s;
    cr_assert_eq(edd_sched_split(&ctx, &g, 6, 2, &s), EDD_ERR_ARG);
    cr_assert_eq(edd_sched_split(&ctx, &g, 0, EDD_SCHED_MAX, &s), EDD_ERR_ARG);
    cr_assert(strstr(ctx.err, "expected at most 64"), "%s", ctx.err);
}

/* A stage's cost: its line in --times (a report.md's table row, or
 * "NAME SECONDS"), else its manifest when of the same scale, else the
 * estimate. */
Test(schedule, costs_from_times_file_manifest_and_estimate)
{
    edd_ctx ctx = {0};
    char dir[64], path[256];
    tmpdir_make(dir, sizeof dir, "sched");
    snprintf(path, sizeof path, "%s/stages", dir);
    cr_assert_eq(mkdir(path, 0777), 0);
    snprintf(path, sizeof path, "%s/a.csv", dir);
    file_put(path, "x\n", 2);
    const char *files[1] = {"a.csv"};
    cr_assert_eq(edd_manifest_write(&ctx, dir, "baseline", "smoke-00000001", 7.5, 0, files, 1), EDD_OK, "%s", ctx.err);
    cr_assert_eq(edd_manifest_write(&ctx, dir, "sigma", "quick-00000001", 99.0, 0, files, 1), EDD_OK, "%s", ctx.err);
    snprintf(path, sizeof path, "%s/times.md", dir);
    const char *times = "## Wall time per stage\n\n| stage | seconds |\n|---|---:|\n| teacher | 100.5 |\n"
                        "surrogate_u 42\n| report | (this stage) |\n| nonsense | 3 |\n";
    file_put(path, times, strlen(times));
    edd_repro_scale sc;
    cr_assert_eq(edd_repro_scale_get(&ctx, "smoke", &sc), EDD_OK);
    uint32_t want;
    cr_assert_eq(edd_repro_select(&ctx, NULL, &want), EDD_OK);
    edd_sched_graph g;
    int stage[EDD_REPRO_MAX_STAGES];
    edd_cost_source src[EDD_REPRO_MAX_STAGES];
    cr_assert_eq(edd_repro_graph(&ctx, &sc, dir, path, want, &g, stage, src), EDD_OK, "%s", ctx.err);
    for (int k = 0; k < g.n; k++) {
        const char *name = edd_repro_stage_name(stage[k]);
        if (!strcmp(name, "teacher") || !strcmp(name, "surrogate_u")) {
            cr_assert_eq(src[k], EDD_COST_TIMES, "%s from --times", name);
            cr_assert_eq(g.cost[k], !strcmp(name, "teacher") ? 100.5 : 42.0);
        } else if (!strcmp(name, "baseline")) {
            cr_assert(src[k] == EDD_COST_MANIFEST && g.cost[k] == 7.5, "baseline from its manifest");
        } else {
            cr_assert_eq(src[k], EDD_COST_ESTIMATE, "%s: a quick-scale manifest is no smoke time", name);
            cr_assert_eq(g.cost[k], edd_repro_estimate(&sc, name));
        }
    }
    /* --only sigma: its graph is the teacher, the parts that read it, and
     * sigma, which joins them */
    cr_assert_eq(edd_repro_select(&ctx, "sigma", &want), EDD_OK);
    cr_assert_eq(edd_repro_graph(&ctx, &sc, dir, path, want, &g, stage, src), EDD_OK, "%s", ctx.err);
    const int P = EDD_REPRO_SIGMA_PARTS;
    cr_assert_eq(g.n, P + 2, "--only sigma: teacher, %d parts, sigma", P);
    cr_assert(g.deps[0] == 0 && !strcmp(edd_repro_stage_name(stage[0]), "teacher"));
    for (int k = 1; k <= P; k++) {
        char name[16];
        snprintf(name, sizeof name, "sigma_%d", k);
        cr_assert(g.deps[k] == B(0) && !strcmp(edd_repro_stage_name(stage[k]), name), "%s reads the teacher", name);
    }
    cr_assert(g.deps[P + 1] == B(P + 1) - B(1) && !strcmp(edd_repro_stage_name(stage[P + 1]), "sigma"),
              "sigma reads every part and nothing else");
    const char *bad = "teacher -5\n";
    file_put(path, bad, strlen(bad));
    cr_assert_eq(edd_repro_graph(&ctx, &sc, dir, path, want, &g, stage, src), EDD_ERR_FORMAT);
    cr_assert(strstr(ctx.err, "line 1: stage teacher takes -5 s"), "%s", ctx.err);
    snprintf(path, sizeof path, "%s/none", dir);
    cr_assert_eq(edd_repro_graph(&ctx, &sc, dir, path, want, &g, stage, src), EDD_ERR_IO);
    cr_assert(strstr(ctx.err, "cannot open"), "%s", ctx.err);
    tmpdir_remove(dir);
}

/* The sigma stage's time from before its split (a times file or manifests
 * with `sigma` and none of its parts) is spread over the parts, the join
 * 0 s; once a part has a time of its own, each stage keeps its own. */
Test(schedule, unsplit_sigma_time_spreads_over_its_parts)
{
    edd_ctx ctx = {0};
    char dir[64], path[256];
    tmpdir_make(dir, sizeof dir, "spread");
    snprintf(path, sizeof path, "%s/stages", dir);
    cr_assert_eq(mkdir(path, 0777), 0);
    snprintf(path, sizeof path, "%s/a.csv", dir);
    file_put(path, "x\n", 2);
    const char *files[1] = {"a.csv"};
    cr_assert_eq(edd_manifest_write(&ctx, dir, "sigma", "smoke-00000001", 20.0, 0, files, 1), EDD_OK, "%s", ctx.err);
    edd_repro_scale sc;
    cr_assert_eq(edd_repro_scale_get(&ctx, "smoke", &sc), EDD_OK);
    uint32_t want;
    cr_assert_eq(edd_repro_select(&ctx, "sigma", &want), EDD_OK);
    edd_sched_graph g;
    int stage[EDD_REPRO_MAX_STAGES];
    edd_cost_source src[EDD_REPRO_MAX_STAGES];
    const int P = EDD_REPRO_SIGMA_PARTS;
    /* three sources in turn: the manifest alone, a times file (a report's
     * table) with sigma alone, and one that times a part too */
    snprintf(path, sizeof path, "%s/times", dir);
    static const char *const times[3] = {NULL, "| sigma | 400.0 |\n", "sigma 400\nsigma_2 30\n"};
    for (int t = 0; t < 3; t++) {
        if (times[t])
            file_put(path, times[t], strlen(times[t]));
        cr_assert_eq(edd_repro_graph(&ctx, &sc, dir, times[t] ? path : NULL, want, &g, stage, src), EDD_OK, "%s",
                     ctx.err);
        cr_assert_eq(g.n, P + 2);
        const double whole = t ? 400.0 : 20.0;
        const edd_cost_source from = t ? EDD_COST_TIMES : EDD_COST_MANIFEST;
        for (int k = 1; k <= P; k++) {
            const char *name = edd_repro_stage_name(stage[k]);
            if (t == 2 && k == 2)
                cr_assert(src[k] == EDD_COST_TIMES && g.cost[k] == 30.0, "%s: its own time, %g s from source %d",
                          name, g.cost[k], src[k]);
            else if (t == 2) /* the file times a part: the manifests' spread comes next */
                cr_assert(src[k] == EDD_COST_MANIFEST && g.cost[k] == 20.0 / P, "%s: %g s from source %d", name,
                          g.cost[k], src[k]);
            else
                cr_assert(src[k] == from && g.cost[k] == whole / P, "%s: %g s from source %d, expected %g from %d",
                          name, g.cost[k], src[k], whole / P, from);
        }
        cr_assert(src[P + 1] == from && g.cost[P + 1] == (t == 2 ? 400.0 : 0.0), "sigma: %g s", g.cost[P + 1]);
    }
    tmpdir_remove(dir);
}

/* `edd reproduce --dry-run` runs nothing: it prints the schedule of the
 * stage graph from --times, then one JSON line. */
Test(schedule, dry_run_prints_the_schedule_and_runs_nothing)
{
    char dir[64], path[256], args[512], out[16384];
    tmpdir_make(dir, sizeof dir, "dry");
    snprintf(path, sizeof path, "%s/times", dir);
    const char *times = "teacher 1000\nsigma 1000\ndistilled 1000\nfig2d 5000\nfig2e 100\n";
    file_put(path, times, strlen(times));
    snprintf(args, sizeof args, "reproduce --scale paper --out %s/out --dry-run --times %s", dir, path);
    cr_assert_eq(edd_run(out, sizeof out, args), 0, "%s", out);
    cr_assert(strstr(out, "critical path") && strstr(out, "{\"dry_run\":true,\"scale\":\"paper\""), "%s", out);
    cr_assert(strstr(out, "teacher > sigma_1 > sigma > distilled > fig2d > plots > report"),
              "the teacher's chain, through a part of sigma, is the critical path: %s", out);
    const char *line = strstr(out, "\nsigma_4 ");
    double secs = 0.0;
    char from[16] = "";
    cr_assert(line && sscanf(line, " sigma_4 %lf %15s", &secs, from) == 2 && secs == 1000.0 / EDD_REPRO_SIGMA_PARTS &&
                  !strcmp(from, "--times"),
              "sigma's 1000 s spread over its parts: %s", out);
    cr_assert(strstr(out, "From 4 ranks on, the critical path caps the speed-up"), "%s", out);
    cr_assert(access(path, F_OK) == 0 && access(args, F_OK), "nothing written");
    snprintf(path, sizeof path, "%s/out", dir);
    cr_assert(access(path, F_OK), "--dry-run makes no results folder");
    snprintf(args, sizeof args, "reproduce --scale paper --out %s/out --times %s/times", dir, dir);
    cr_assert_eq(edd_run(out, sizeof out, args), 2, "--times without --dry-run: %s", out);
    tmpdir_remove(dir);
}
