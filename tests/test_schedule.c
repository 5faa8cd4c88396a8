/* test_schedule.c - the schedule of the stage graph (schedule.c): levels,
 * priority order, critical path and list scheduling on a hand-made graph
 * worked out by hand, the list-scheduling bounds on the real stage table,
 * bad graphs refused; the stage costs from a times file and from manifests
 * (costs.c), an unsplit stage's time spread over its parts. */
#include <criterion/criterion.h>

#include "experiments.h"
#include "manifest.h"
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
        uint64_t want;
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
    g.n = EDD_SCHED_MAX + 1;
    cr_assert_eq(edd_sched_plan_make(&ctx, &g, &p), EDD_ERR_ARG);
    cr_assert(strstr(ctx.err, "expected 0..64"), "%s", ctx.err);
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
    uint64_t want;
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

/* A folder dir (named after what) holding one output, a.csv, and the
 * manifest of a smoke-scale run of `stage` that made it in `secs` s: a
 * stage time from before a split, for the spreading tests below. */
static void folder_with_old_time(char *dir, size_t n, const char *what, const char *stage, double secs)
{
    edd_ctx ctx = {0};
    char path[256];
    tmpdir_make(dir, n, what);
    snprintf(path, sizeof path, "%s/stages", dir);
    cr_assert_eq(mkdir(path, 0777), 0);
    snprintf(path, sizeof path, "%s/a.csv", dir);
    file_put(path, "x\n", 2);
    const char *files[1] = {"a.csv"};
    cr_assert_eq(edd_manifest_write(&ctx, dir, stage, "smoke-00000001", secs, 0, files, 1), EDD_OK, "%s", ctx.err);
}

/* The sigma stage's time from before its split (a times file or manifests
 * with `sigma` and none of its parts) is spread over the parts, the join
 * 0 s; once a part has a time of its own, each stage keeps its own. */
Test(schedule, unsplit_sigma_time_spreads_over_its_parts)
{
    edd_ctx ctx = {0};
    char dir[64], path[256];
    folder_with_old_time(dir, sizeof dir, "spread", "sigma", 20.0);
    edd_repro_scale sc;
    cr_assert_eq(edd_repro_scale_get(&ctx, "smoke", &sc), EDD_OK);
    uint64_t want;
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

/* A study's time from before its split (a times file or manifests with
 * `fig2d` and none of its points) is spread over the points the scale's
 * list has, the points past it and the join 0 s; once a point has a time
 * of its own, each stage keeps its own. */
Test(schedule, unsplit_study_time_spreads_over_its_points)
{
    edd_ctx ctx = {0};
    char dir[64], path[256];
    folder_with_old_time(dir, sizeof dir, "spread2d", "fig2d", 30.0);
    static const char *const scales[2] = {"smoke", "quick"};
    for (int c = 0; c < 2; c++) {
        edd_repro_scale sc;
        cr_assert_eq(edd_repro_scale_get(&ctx, scales[c], &sc), EDD_OK);
        const int npts = sc.n_alpha;
        cr_assert(npts >= 2 && npts <= EDD_REPRO_STUDY_POINTS);
        uint64_t want;
        cr_assert_eq(edd_repro_select(&ctx, "fig2d", &want), EDD_OK);
        edd_sched_graph g;
        int stage[EDD_REPRO_MAX_STAGES];
        edd_cost_source src[EDD_REPRO_MAX_STAGES];
        /* three sources in turn: the (smoke) manifest alone, a times file
         * (a report's table) with fig2d alone, and one that times a point
         * too */
        snprintf(path, sizeof path, "%s/times", dir);
        static const char *const times[3] = {NULL, "| fig2d | 1400.0 |\n", "fig2d 1400\nfig2d_2 30\n"};
        for (int t = 0; t < 3; t++) {
            if (times[t])
                file_put(path, times[t], strlen(times[t]));
            cr_assert_eq(edd_repro_graph(&ctx, &sc, dir, times[t] ? path : NULL, want, &g, stage, src), EDD_OK, "%s",
                         ctx.err);
            int k0 = -1, join = -1;
            for (int k = 0; k < g.n; k++) {
                k0 = k0 < 0 && !strcmp(edd_repro_stage_name(stage[k]), "fig2d_1") ? k : k0;
                join = !strcmp(edd_repro_stage_name(stage[k]), "fig2d") ? k : join;
            }
            cr_assert(k0 >= 0 && join == k0 + EDD_REPRO_STUDY_POINTS && join == g.n - 1,
                      "--only fig2d: the points, then the join last");
            cr_assert_eq(g.deps[join], B(join) - B(k0), "fig2d reads its points and nothing else");
            /* a manifest of another scale is no time: the estimates */
            const int manifest = c == 0;
            for (int k = 1; k <= EDD_REPRO_STUDY_POINTS; k++) {
                const int i = k0 + k - 1;
                const char *name = edd_repro_stage_name(stage[i]);
                double secs;
                edd_cost_source from;
                if (t == 2 && k == 2)
                    secs = 30.0, from = EDD_COST_TIMES;
                else if (t == 1)
                    secs = k <= npts ? 1400.0 / npts : 0.0, from = EDD_COST_TIMES;
                else if (manifest) /* the file times a point: the manifest's spread comes next */
                    secs = k <= npts ? 30.0 / npts : 0.0, from = EDD_COST_MANIFEST;
                else
                    secs = edd_repro_estimate(&sc, name), from = EDD_COST_ESTIMATE;
                cr_assert(src[i] == from && g.cost[i] == secs, "%s at %s, source %d: %g s from source %d, expected "
                          "%g from %d", name, scales[c], t, g.cost[i], src[i], secs, from);
            }
            const double jsecs = t == 2 ? 1400.0 : t == 1 || manifest ? 0.0 : edd_repro_estimate(&sc, "fig2d");
            cr_assert(g.cost[join] == jsecs, "fig2d at %s, source %d: %g s, expected %g", scales[c], t, g.cost[join],
                      jsecs);
        }
    }
    /* the estimates share the unsplit study's time out the same way */
    edd_repro_scale sc;
    cr_assert_eq(edd_repro_scale_get(&ctx, "smoke", &sc), EDD_OK);
    double sum = 0.0;
    for (int k = 1; k <= EDD_REPRO_STUDY_POINTS; k++) {
        char name[16];
        snprintf(name, sizeof name, "fig2e_%d", k);
        const double e = edd_repro_estimate(&sc, name);
        cr_assert(k <= sc.n_passes ? e == edd_repro_estimate(&sc, "fig2e_1") && e > 0 : e == 0.0,
                  "%s: %g s, an equal share of the points on the list", name, e);
        sum += e;
    }
    cr_assert(sum > 100 * edd_repro_estimate(&sc, "fig2e"), "the join costs next to nothing beside its points");
    tmpdir_remove(dir);
}

/* The standard suite's estimate follows the scale's images and budgets:
 * at quick scale it gives back the committed quick run's measured seconds
 * (docs/results/quick, its manifests); the distilled model's part, which
 * also runs the convergence grid, costs more; paper scale costs more than
 * quick by more than its 10x images; the join next to nothing. */
Test(schedule, standard_suite_estimate_follows_the_scale)
{
    edd_ctx ctx = {0};
    edd_repro_scale q, p;
    cr_assert_eq(edd_repro_scale_get(&ctx, "quick", &q), EDD_OK);
    cr_assert_eq(edd_repro_scale_get(&ctx, "paper", &p), EDD_OK);
    const double q1 = edd_repro_estimate(&q, "standard_1"), q3 = edd_repro_estimate(&q, "standard_3");
    const double p1 = edd_repro_estimate(&p, "standard_1"), p3 = edd_repro_estimate(&p, "standard_3");
    char tag[64];
    double m1;
    cr_assert(edd_manifest_seconds("docs/results/quick", "standard_1", tag, sizeof tag, &m1),
              "docs/results/quick/stages/standard_1.done (run from the repository's root)");
    cr_assert(fabs(q1 - m1) <= 0.1 * m1, "quick standard_1 %.1f s, expected the measured %.1f s within 10%%", q1, m1);
    cr_assert(q3 > q1 && p3 > p1, "the convergence grid costs: quick %.1f vs %.1f, paper %.1f vs %.1f", q3, q1, p3,
              p1);
    cr_assert(p1 > 10 * q1, "paper %.1f s vs quick %.1f s: 10x the images and larger budgets", p1, q1);
    cr_assert(edd_repro_estimate(&p, "standard") < 1.0);
}

/* `edd reproduce --dry-run` runs nothing: it prints the schedule of the
 * stage graph from --times, then one JSON line. */
Test(schedule, dry_run_prints_the_schedule_and_runs_nothing)
{
    char dir[64], path[256], args[512], out[16384];
    tmpdir_make(dir, sizeof dir, "dry");
    snprintf(path, sizeof path, "%s/times", dir);
    /* Fig. 2d's 14,000 s (unsplit) over paper scale's 7 points: 2,000 s
     * each, longer than every stage beside them; fig2c, security and the
     * stages of the baselines, the ablation and the standard suite, which
     * would otherwise be longer or keep the ranks busy, at 100 s */
    const char *times = "teacher 1000\nsigma 1000\ndistilled 1000\nfig2d 14000\nfig2e 100\nfig2c 100\nsecurity 100\n"
                        "adv 100\nadv_distilled 100\ntemperature 100\nablation 100\nbaselines 100\n"
                        "ablation_attacks 100\nstandard_1 100\nstandard_2 100\nstandard_3 100\nstandard_4 100\n"
                        "standard_5 100\n";
    file_put(path, times, strlen(times));
    snprintf(args, sizeof args, "reproduce --scale paper --out %s/out --dry-run --times %s", dir, path);
    cr_assert_eq(edd_run(out, sizeof out, args), 0, "%s", out);
    cr_assert(strstr(out, "critical path") && strstr(out, "{\"dry_run\":true,\"scale\":\"paper\""), "%s", out);
    cr_assert(strstr(out, "teacher > sigma_1 > sigma > distilled > fig2d_1 > fig2d > plots > report"),
              "the teacher's chain, through a part of sigma and a point of Fig. 2d, is the critical path: %s", out);
    static const struct {
        const char *stage;
        double secs;
    } spread[] = {{"sigma_4", 1000.0 / EDD_REPRO_SIGMA_PARTS}, {"fig2d_7", 14000.0 / 7}, {"fig2d", 0.0}};
    for (size_t k = 0; k < sizeof spread / sizeof spread[0]; k++) {
        char key[32], fmt[32];
        snprintf(key, sizeof key, "\n%s ", spread[k].stage);
        snprintf(fmt, sizeof fmt, " %s %%lf %%15s", spread[k].stage);
        const char *line = strstr(out, key);
        double secs = -1.0;
        char from[16] = "";
        cr_assert(line && sscanf(line, fmt, &secs, from) == 2 && secs == spread[k].secs && !strcmp(from, "--times"),
                  "%s: %g s from %s, expected %g from --times (the unsplit time spread over the parts): %s",
                  spread[k].stage, secs, from, spread[k].secs, out);
    }
    /* the seven points, ready together when the distilled model is done,
     * need seven ranks at once for the run to end with its critical path */
    cr_assert(strstr(out, "From 8 ranks on, the critical path caps the speed-up"), "%s", out);
    cr_assert_null(strstr(out, "were split"), "the split is in the graph, no longer a prediction: %s", out);
    cr_assert(access(path, F_OK) == 0 && access(args, F_OK), "nothing written");
    snprintf(path, sizeof path, "%s/out", dir);
    cr_assert(access(path, F_OK), "--dry-run makes no results folder");
    snprintf(args, sizeof args, "reproduce --scale paper --out %s/out --times %s/times", dir, dir);
    cr_assert_eq(edd_run(out, sizeof out, args), 2, "--times without --dry-run: %s", out);
    tmpdir_remove(dir);
}
