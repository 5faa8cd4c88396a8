/* costs.c - what each stage costs, for the schedule (schedule.c): the
 * seconds a times file or the stage's manifest gives, else an estimate
 * stated here; and the stage table as a graph for edd_sched_plan_make. */
#include "manifest.h"
#include "edd/io.h"
#include "repro.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Paper-scale seconds per stage. Measured: the run of docs/results-paper
 * (report.md, "Wall time per stage"; 2 cores, 1 OpenMP thread). Three of
 * its stages have been split since, and are listed below by that run's
 * time of the whole (split_seconds): the sigma stage (341.2 s), into
 * EDD_REPRO_SIGMA_PARTS parts by image range, and the parameter studies,
 * Figs. 2d (1,901.8 s) and 2e (1,870.4 s), into a stage per point. Each
 * part that does work at the scale takes an equal share of the whole (a
 * point past the scale's list, 0 s); the stages that join the parts take
 * their own time: `sigma` 0.5 s (an estimate: loading the 60,000 training
 * images took 0.26 s here, and it reads and writes about 12 MB of arrays),
 * `fig2d` and `fig2e` 0.1 s (they read seven CSVs of two rows and write
 * one). Two stages have changed since or are new, and take an upper bound
 * instead:
 * - fig2c: 185.5 s measured, plus its `budget` rows (added after that run):
 *   at most 9,000 iterations per image at 0.3 ms per image and iteration,
 *   100 images x 8 kappas x 2 models = 4,320 s (0.3 ms: an assumption, of
 *   the order of build/bench/cw's iteration at one thread);
 * - security: 6 eps x 2 models x 3 white-box PGD losses x 100 steps x 5
 *   restarts x 500 images, plus the two transferred PGDs (1 restart) and PGD
 *   at eps 1, about 10.7 million image-steps at 0.25 ms (an assumption, of
 *   the order of build/bench/fgm's step at one thread) = 2,700 s; early
 *   stop ends most images sooner.
 * The six stages of the baselines and the Eq. 3 ablation (issue 13) came
 * after that run, and are estimated from its stages:
 * - temperature: two trainings (teacher and student at T = 100), each the
 *   baseline's 527.0 s;
 * - adv: the baseline's 527.0 s times the cost of the scale's adversarial
 *   training against plain training (adv_factor);
 * - adv_distilled: its own sigma passes (341.2 s) and the distilled model's
 *   training (456.3 s) times the same factor;
 * - ablation: four distilled models' trainings, 4 x 456.3 s;
 * - baselines and ablation_attacks: their quick-scale times (298.0 s and
 *   142.6 s, docs/results-quick-seeds3, seed 2, when the baselines were
 *   one stage) times 5, the ratio of paper to quick for the attack stages
 *   both runs measured (security 1,270.6 / 260.6 s, fig2a 82.2 / 16.0 s).
 *   The baselines now run a stage per model, listed like the other split
 *   stages by the whole, and joined by `baselines` at 0.1 s (it reads five
 *   CSVs and writes one).
 * The report stage only reads and writes text: 1 s. The standard suite's
 * stages (issue 23) take std_seconds below. A stage not listed (one added
 * to the table since) is taken at 60 s. */
typedef struct {
    const char *name;
    double seconds;
} stage_seconds;
static const stage_seconds paper_seconds[] = {
    {"baseline", 527.0},    {"teacher", 360.5},        {"sigma", 0.5},     {"distilled", 456.3},
    {"surrogate_u", 360.7}, {"surrogate_d", 748.3},    {"fig2a", 82.2},    {"fig2b", 71.0},
    {"fig2c", 185.5 + 4320.0}, {"fig3a", 83.0},        {"fig3b", 43.0},    {"fig3c", 67.3},
    {"fig3d", 64.0},        {"fig3e", 182.5},          {"fig3f", 174.1},   {"headline", 42.8},
    {"fig2d", 0.1},         {"fig2e", 0.1},            {"security", 2700.0}, {"plots", 1.1},
    {"report", 1.0},        {"temperature", 2 * 527.0}, {"ablation", 4 * 456.3}, {"baselines", 0.1},
    {"ablation_attacks", 5 * 142.6},
};
/* The stages that train adversarially: the plain training's time, which
 * adv_factor multiplies, and the time of what else they do. */
static const struct {
    const char *name;
    double training, other;
} adv_stages[] = {{"adv", 527.0, 0.0}, {"adv_distilled", 456.3, 341.2}};
/* The whole of each split stage, by the name of the stage that joins its
 * parts. */
static const stage_seconds split_seconds[] = {
    {"sigma", 341.2}, {"fig2d", 1901.8}, {"fig2e", 1870.4}, {"baselines", 5 * 298.0}};
#define UNLISTED_SECONDS 60.0
/* A stage time a --times file may give at most: larger sums of them would
 * reach infinity in the schedule. */
#define TIMES_MAX_SECONDS 1e9

/* Quick-scale seconds per stage, measured: the manifests of the run
 * committed in docs/results/quick (RUN.txt: the CPU, --jobs 2 --threads 1,
 * so each stage on one thread). A quick stage takes its time from here
 * (tests/quick_time_test.py holds the two to within 10%); the other scales
 * scale the paper-scale times above. */
static const stage_seconds quick_seconds[] = {
    {"ablation", 255.9}, {"ablation_attacks", 143.1}, {"adv", 858.1}, {"adv_distilled", 813.0}, {"baseline", 111.2},
    {"baselines", 0.0}, {"baselines_1", 80.1}, {"baselines_2", 85.1}, {"baselines_3", 87.6}, {"baselines_4", 151.1},
    {"baselines_5", 158.2}, {"distilled", 199.3}, {"fig2a", 18.3}, {"fig2b", 41.0}, {"fig2c", 546.1}, {"fig2d", 0.0},
    {"fig2d_1", 7.0}, {"fig2d_2", 7.0}, {"fig2d_3", 7.0}, {"fig2d_4", 6.9}, {"fig2d_5", 7.0}, {"fig2d_6", 6.8},
    {"fig2d_7", 7.1}, {"fig2e", 0.0}, {"fig2e_1", 6.9}, {"fig2e_2", 6.9}, {"fig2e_3", 6.9}, {"fig2e_4", 6.9},
    {"fig2e_5", 7.0}, {"fig2e_6", 7.0}, {"fig2e_7", 7.0}, {"fig3a", 10.9}, {"fig3b", 5.6}, {"fig3c", 22.4},
    {"fig3d", 16.9}, {"fig3e", 33.6}, {"fig3f", 30.6}, {"headline", 3.4}, {"plots", 1.0}, {"report", 0.0},
    {"security", 306.1}, {"sigma", 0.0}, {"sigma_1", 33.2}, {"sigma_2", 31.8}, {"sigma_3", 38.9}, {"sigma_4", 32.7},
    {"standard", 0.0}, {"standard_1", 265.7}, {"standard_2", 236.1}, {"standard_3", 296.4}, {"standard_4", 417.8},
    {"standard_5", 440.3}, {"surrogate_d", 298.5}, {"surrogate_u", 85.5}, {"teacher", 64.5}, {"temperature", 163.2}
};

/* name's seconds in list[0..n), or UNLISTED_SECONDS. */
static double listed(const stage_seconds *list, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(list[i].name, name))
            return list[i].seconds;
    return UNLISTED_SECONDS;
}

/* 1 if name is in list[0..n). */
static int is_listed(const stage_seconds *list, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(list[i].name, name))
            return 1;
    return 0;
}

/* The stages of the table that stage j joins (the parts of a split), as
 * bits. */
static uint64_t parts_of(int j)
{
    uint64_t m = 0;
    for (int i = 0; i < edd_repro_stage_count(); i++)
        if ((repro_stages[j].deps & REPRO_BIT(i)) && repro_stages[i].part)
            m |= REPRO_BIT(i);
    return m;
}

/* The parts of `parts` (bits) that do work at scale sc. */
static int working(const edd_repro_scale *sc, uint64_t parts)
{
    int n = 0;
    for (int i = 0; i < edd_repro_stage_count(); i++)
        n += (parts & REPRO_BIT(i)) && repro_part_works(sc, i);
    return n;
}

/* The cost of the scale's adversarial training against plain training,
 * an assumption of this estimate: each batch adds its attack passes
 * (docs/DEFENSE.md, "Cost": one for FGM-RS, steps + 1 for PGD), a pass
 * taken at 0.6 of a training step, so about 1 + 0.6 S for PGD with S steps
 * and 1.75 for FGM-RS. The eps warm-up leaves it so: only the ramp's first
 * batch (eps 0) skips the attack. */
static double adv_factor(const edd_repro_scale *sc)
{
    return sc->adv_method == EDD_ADV_PGD ? 1.0 + 0.6 * sc->adv_steps : 1.75;
}

/* The standard suite's budget per image, in gradient evaluations: at each
 * eps APGD-CE (steps), APGD-T (targets x steps), FMN (its steps) and Square
 * (queries, each a forward pass, a third of a gradient), plus at each L2 eps
 * the PGD-L2 losses (x steps); then the minimal-L2 pass, FMN and CW-L2
 * (iterations x binary-search steps). Early stop ends most images sooner,
 * alike at every scale: STD_SECONDS_PER_STEP is measured, not this bound. */
static double std_budget(const edd_repro_scale *sc)
{
    const double suite = sc->std_steps * (1.0 + sc->std_targets) + sc->std_fmn_steps + sc->std_queries / 3.0;
    return sc->n_std_linf * suite + sc->n_std_l2 * (suite + (double)sc->std_pgd_losses * sc->std_steps) +
           sc->std_fmn_steps + (double)sc->std_cw_iterations * sc->std_cw_bsearch;
}

/* The convergence grid of part 3 (the distilled model): APGD-CE with each
 * steps x restarts, per image. */
static double std_conv_budget(const edd_repro_scale *sc)
{
    double steps = 0, restarts = 0;
    for (int a = 0; a < sc->n_conv_steps; a++)
        steps += sc->conv_steps[a];
    for (int b = 0; b < sc->n_conv_restarts; b++)
        restarts += sc->conv_restarts[b];
    return steps * restarts;
}

/* Seconds per image and budget step of the standard stages, measured: the
 * quick run of docs/results/quick-standard (RUN.txt; 2-core AVX-512 EPYC,
 * idle), whose standard_2..5 took 129.3 + 164.2 + 228.0 + 233.6 = 755.1 s
 * for 200 images x (4 x 7,166.7 + 660) budget steps. standard_1 ran on a
 * loaded machine and is left out. */
#define STD_SECONDS_PER_STEP (755.1 / (200.0 * (4 * 7166.7 + 660.0)))

/* Part `part` (1..5, the model of repro_base_models) of the standard suite
 * at scale sc: its images x its budget x the measured seconds per step. At
 * paper scale, about 10,600 s a model and 7,400 s more for the distilled
 * model's convergence grid (1,000 steps x 20 restarts at its top). */
static double std_seconds(const edd_repro_scale *sc, int part)
{
    const double conv = !strcmp(repro_base_models[part - 1], "distilled") ? std_conv_budget(sc) : 0.0;
    return (double)sc->std_n * (std_budget(sc) + conv) * STD_SECONDS_PER_STEP;
}

double edd_repro_estimate(const edd_repro_scale *sc, const char *name)
{
    const size_t nq = sizeof quick_seconds / sizeof quick_seconds[0];
    if (!strcmp(sc->name, "quick") && is_listed(quick_seconds, nq, name))
        return listed(quick_seconds, nq, name);
    const int i = edd_repro_stage_find(name);
    if (i >= 0 && repro_stages[i].part && !strncmp(name, "standard_", 9))
        return std_seconds(sc, repro_stages[i].part);
    if (!strcmp(name, "standard"))
        return 0.1; /* the join: reads ten CSVs, writes five */
    double s = listed(paper_seconds, sizeof paper_seconds / sizeof paper_seconds[0], name);
    for (size_t k = 0; k < sizeof adv_stages / sizeof adv_stages[0]; k++)
        if (!strcmp(name, adv_stages[k].name))
            s = adv_stages[k].training * adv_factor(sc) + adv_stages[k].other;
    for (int j = 0; i >= 0 && repro_stages[i].part && j < edd_repro_stage_count(); j++)
        if (repro_stages[j].deps & REPRO_BIT(i)) /* the stage joining part i: the one stage that reads it */
            s = repro_part_works(sc, i) ? listed(split_seconds, sizeof split_seconds / sizeof split_seconds[0],
                                                 repro_stages[j].name) / working(sc, parts_of(j))
                                        : 0.0;
    const double train = sc->train_n ? (double)sc->train_n : 60000.0;
    return s * train * sc->epochs / (60000.0 * 10);
}

/* The speed-up of a stage at 2 threads over 1: the geometric mean of
 * docs/results/bench-threads (scripts/bench-threads.sh: edd train, edd
 * attack --attack pgd and edd uncertainty at 1 and 2 threads on an idle
 * 2-core machine). `make tables-check` fails when this and that folder
 * part (scripts/tables_prof.py, docs/PERFORMANCE.md "One process or
 * several"). */
#define SPEEDUP2 1.88

double edd_repro_thread_speedup(int threads)
{
    if (threads <= 1)
        return 1.0;
    const double f = 2.0 * (1.0 - 1.0 / SPEEDUP2); /* Amdahl's parallel fraction from the speed-up at 2 */
    return 1.0 / ((1.0 - f) + f / threads);
}

/* A --times file is read whole, and refused past these: a times file or a
 * report.md is a few kB (docs/results-paper/report.md: 19 kB, 275 lines). */
#define TIMES_MAX_BYTES ((size_t)1 << 20)
#define TIMES_MAX_LINES 10000

/* 1 if p (at a '|' or the end of a line) ends a table row: only spaces,
 * at most one '|' and spaces. A row is a times row only with two cells,
 * `| STAGE | SECONDS |`; other tables' rows that start with a stage name
 * (report.md's "| distilled | 197 | 197 | 1.33 |") are no times. */
static int row_ends(const char *p)
{
    p += strspn(p, " \t\r");
    if (*p == '|')
        p += 1 + strspn(p + 1, " \t\r");
    return !*p;
}

/* One line (NUL-terminated, no newline) of --times: `STAGE SECONDS` or a
 * two-cell table row. A line that does not start with a stage name, or
 * whose name no number follows, is skipped; a number with anything after
 * it (`3abc`), a second line for a stage (at[] holds each stage's line) or
 * a time that is not a finite number >= 0 is an error. */
static edd_status times_line(edd_ctx *ctx, const char *file, int ln, char *line, double *secs, int *at)
{
    char *p = line, name[64];
    const int row = *p == '|';
    while (*p == '|' || isspace((unsigned char)*p))
        p++;
    size_t len = 0;
    while (len < sizeof name - 1 && (isalnum((unsigned char)p[len]) || p[len] == '_'))
        name[len] = p[len], len++;
    name[len] = 0;
    const int i = edd_repro_stage_find(name);
    if (i < 0)
        return EDD_OK;
    p += len;
    while (*p == '|' || isspace((unsigned char)*p))
        p++;
    char *end;
    const double v = strtod(p, &end);
    if (end == p)
        return EDD_OK;
    /* the rest of the number's cell (of the line, outside a table) */
    const size_t cell = row ? strcspn(end, "|") : strlen(end);
    if (strspn(end, " \t\r") < cell) {
        end[cell] = 0;
        for (size_t n = strlen(p); n && isspace((unsigned char)p[n - 1]);)
            p[--n] = 0;
        return edd_fail(ctx, EDD_ERR_FORMAT, "--times %s, line %d: stage %s's seconds are '%s', expected a number "
                        "alone (text follows it)", file, ln, name, p);
    }
    if (row && end[cell] && !row_ends(end + cell))
        return EDD_OK;
    if (!isfinite(v) || v < 0 || v > TIMES_MAX_SECONDS)
        return edd_fail(ctx, EDD_ERR_FORMAT, "--times %s, line %d: stage %s takes %g s, expected a number from 0 "
                        "to %g (about 30 years)", file, ln, name, v, TIMES_MAX_SECONDS);
    if (at[i])
        return edd_fail(ctx, EDD_ERR_FORMAT, "--times %s: stage %s is named on line %d and again on line %d, "
                        "expected one time per stage", file, name, at[i], ln);
    at[i] = ln;
    secs[i] = v;
    return EDD_OK;
}

/* Read times_file into secs[] (-1: not given) by table index. */
static edd_status read_times(edd_ctx *ctx, const char *times_file, double *secs)
{
    char msg[1100], *text; /* the context's message, 1024 bytes at most, and --times */
    size_t len;
    edd_status st = edd_file_read_text(ctx, times_file, "a file of 'STAGE SECONDS' lines or a report.md",
                                       TIMES_MAX_BYTES, &text, &len);
    if (st) {
        snprintf(msg, sizeof msg, "--times %s", edd_ctx_error(ctx));
        return edd_fail(ctx, st, "%s", msg);
    }
    int at[EDD_REPRO_MAX_STAGES] = {0}, ln = len && text[len - 1] != '\n';
    for (const char *c = text; *c; c++)
        ln += *c == '\n';
    if (strlen(text) != len)
        st = edd_fail(ctx, EDD_ERR_FORMAT, "--times %s: a NUL byte at offset %zu, expected text", times_file,
                      strlen(text));
    else if (ln > TIMES_MAX_LINES)
        st = edd_fail(ctx, EDD_ERR_FORMAT, "--times %s: more than %d lines, expected a times file or a report.md "
                      "of at most %d", times_file, TIMES_MAX_LINES, TIMES_MAX_LINES);
    ln = 0;
    for (char *line = text, *nl; !st && line; line = nl) {
        nl = strchr(line, '\n');
        if (nl)
            *nl++ = 0;
        st = times_line(ctx, times_file, ++ln, line, secs, at);
    }
    free(text);
    return st;
}

/* secs[] (-1: none) by table index from one source: a joining stage with a
 * time and none of its parts with one took that time unsplit (a run before
 * the split): each part that does work at scale sc gets an equal share, the
 * other parts and the join 0 s. */
static void spread_unsplit(const edd_repro_scale *sc, double *secs)
{
    for (int j = 0; j < edd_repro_stage_count(); j++) {
        const uint64_t parts = parts_of(j);
        int timed = 0;
        for (int i = 0; parts && i < edd_repro_stage_count(); i++)
            timed += (parts & REPRO_BIT(i)) && secs[i] >= 0;
        const int nwork = working(sc, parts);
        if (!parts || timed || secs[j] < 0)
            continue;
        for (int i = 0; i < edd_repro_stage_count(); i++)
            if (parts & REPRO_BIT(i))
                secs[i] = repro_part_works(sc, i) ? secs[j] / nwork : 0.0;
        secs[j] = 0.0;
    }
}

edd_status edd_repro_graph(edd_ctx *ctx, const edd_repro_scale *sc, const char *out_dir, const char *times_file,
                           uint64_t want, edd_sched_graph *g, int *stage, edd_cost_source *source)
{
    const int nstages = edd_repro_stage_count();
    double given[EDD_REPRO_MAX_STAGES], made[EDD_REPRO_MAX_STAGES];
    int graph_of[EDD_REPRO_MAX_STAGES];
    const size_t nl = strlen(sc->name);
    for (int i = 0; i < nstages; i++) {
        char tag[64];
        double secs;
        given[i] = made[i] = -1.0;
        if (out_dir && edd_manifest_seconds(out_dir, repro_stages[i].name, tag, sizeof tag, &secs) &&
            !strncmp(tag, sc->name, nl) && tag[nl] == '-')
            made[i] = secs;
    }
    edd_status st = times_file ? read_times(ctx, times_file, given) : EDD_OK;
    if (st)
        return st;
    spread_unsplit(sc, given);
    spread_unsplit(sc, made);
    memset(g, 0, sizeof *g);
    for (int i = 0; i < nstages; i++) {
        graph_of[i] = -1;
        if (!(want & REPRO_BIT(i)))
            continue;
        const int k = g->n++;
        graph_of[i] = k;
        stage[k] = i;
        /* the table lists a stage after those it reads, and want is closed
         * under them: each is already in the graph */
        for (int j = 0; j < i; j++)
            if ((repro_stages[i].deps & REPRO_BIT(j)) && graph_of[j] >= 0)
                g->deps[k] |= (uint64_t)1 << graph_of[j];
        edd_cost_source from = EDD_COST_ESTIMATE;
        if (given[i] >= 0) {
            g->cost[k] = given[i];
            from = EDD_COST_TIMES;
        } else if (made[i] >= 0) {
            g->cost[k] = made[i];
            from = EDD_COST_MANIFEST;
        } else {
            g->cost[k] = edd_repro_estimate(sc, repro_stages[i].name);
        }
        if (source)
            source[k] = from;
    }
    return EDD_OK;
}
