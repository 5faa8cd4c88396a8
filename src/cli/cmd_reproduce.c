/* cmd_reproduce.c - `edd reproduce`: the paper's experiments as named
 * stages into a results folder, resuming where a previous run stopped
 * (src/experiments/experiments.h, docs/REPRODUCING.md); under mpirun, spread
 * over its ranks when edd is built with MPI; with --dry-run, the schedule
 * the stage graph allows on 1 to 16 ranks. */
#include "cli.h"
#include "experiments.h"
#include "repro_parallel.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef EDD_MPI
#define MPI_HELP "This edd is built with MPI: `mpirun -np P edd reproduce ...` spreads the stages over P\n" \
                 "ranks, each with --threads N OpenMP threads (docs/REPRODUCING.md, \"More than one machine\").\n"
#else
#define MPI_HELP "This edd is built without MPI (make MPI=1 builds it with).\n"
#endif

/* The help text, with the stage names (from the stage table) at its end. */
static const char *help_text(char *buf, size_t n)
{
    size_t len = (size_t)snprintf(buf, n, "%s",
          "usage: edd reproduce [--scale smoke|quick|paper] [--out DIR] [--only STAGES] [--force STAGE] [--seeds S]\n"
          "                     [--jobs N] [--threads N] [--dry-run [--times FILE]]\n\n"
          "Runs the paper's experiments (Section 4) as named stages into DIR: the models, the\n"
          "white-box Figs. 2a-c (with the adaptive attacker beside), the parameter studies\n"
          "Figs. 2d-e, the black-box Figs. 3a-f, the headline numbers, the PNG plots (gnuplot)\n"
          "and report.md. A stage whose outputs exist and match DIR/stages/STAGE.done (sizes,\n"
          "CRC32s and SHA-256s) is skipped, so an interrupted run resumes; a corrupted or altered output\n"
          "is redone.\n"
          "Every stage runs on the dataset of --data mnist|fashion; the paper has no numbers on Fashion-MNIST.\n\n"
          "  --scale NAME           smoke (< 2 min), quick (about 57 min at --jobs 2 on 2\n"
          "                         cores), paper (full MNIST); default quick\n"
          "  --out DIR              results folder (default results, or results-fashion on\n"
          "                         Fashion-MNIST); a folder holds one dataset's results\n"
          "  --only A,B,...         run only these stages and those they depend on (e.g. security:\n"
          "                         the models it attacks, then the security curve); plots and\n"
          "                         report draw what exists; a later run resumes from them\n"
          "  --force STAGE          rerun STAGE even if valid (what reads it reruns if its outputs change);\n"
          "                         STAGE must be among the stages selected (a bad STAGE exits 2)\n"
          "  --seeds S              S independent pipelines (default 1), seed K's in DIR/seed-K\n"
          "                         (seed 1 is the single-seed run), then DIR/report.md, seeds.csv\n"
          "                         and plots/ with the mean and a 95% interval across seeds\n"
          "  --jobs N               run N stages at once, each in a worker process of its own (no MPI\n"
          "                         needed), each with --threads N threads (default: the cores / N); the\n"
          "                         outputs are byte for byte those of one process\n"
          "  --dry-run              run nothing: print the work, the critical path and the best speed-up\n"
          "                         on 1, 2, 4, 8 and 16 ranks, and on --jobs N workers, from each stage's time in\n"
          "                         DIR's manifests or an estimate\n"
          "  --times FILE           with --dry-run, the stage times of FILE first: lines 'STAGE SECONDS',\n"
          "                         or a report.md (its table \"Wall time per stage\")\n"
          "  --quiet                no progress on stderr\n"
          "  --worker               edd's own: a worker process that --jobs N starts (stages on descriptor 3,\n"
          "                         results on 4); refused when those are not its pipes\n" CLI_DATA_HELP "\n" MPI_HELP "\nstages, in order:\n ");
    for (int i = 0; i < edd_repro_stage_count() && len < n; i++)
        len += (size_t)snprintf(buf + len, n - len, " %s", edd_repro_stage_name(i));
    if (len < n)
        snprintf(buf + len, n - len, "\n");
    return buf;
}

typedef struct {
    const char *scale;
    edd_repro_opts o;
    int dry_run;
    const char *times;
    long seeds;
    long jobs;  /* 0: not given */
    int worker; /* --worker */
} repro_args;

enum { O_SCALE = 1, O_OUT, O_FORCE, O_ONLY, O_QUIET, O_DRY_RUN, O_TIMES, O_SEEDS, O_JOBS, O_WORKER };

static int on_opt(void *user, int c, const char *arg)
{
    repro_args *a = user;
    switch (c) {
    case O_SCALE: a->scale = arg; break;
    case O_OUT: a->o.out_dir = arg; break;
    case O_FORCE: a->o.force = arg; break;
    case O_ONLY: a->o.only = arg; break;
    case O_QUIET: a->o.quiet = 1; break;
    case O_DRY_RUN: a->dry_run = 1; break;
    case O_TIMES: a->times = arg; break;
    case O_SEEDS:
        if (cli_long("reproduce", "seeds", arg, 1, EDD_REPRO_MAX_SEEDS, &a->seeds))
            return EXIT_USAGE;
        break;
    case O_JOBS:
        if (cli_long("reproduce", "jobs", arg, 1, EDD_REPRO_MAX_JOBS, &a->jobs))
            return EXIT_USAGE;
        break;
    case O_WORKER: a->worker = 1; break;
    }
    return 0;
}

static const int dry_ranks[] = {1, 2, 4, 8, 16};
#define DRY_NRANKS (int)(sizeof dry_ranks / sizeof dry_ranks[0])

/* The schedule's makespan on 1..16 ranks (into ms), the note on what caps
 * it, and the JSON line, with jobs > 0 its makespan on --jobs jobs of
 * threads threads too. */
static void dry_tail(const edd_repro_scale *sc, const edd_sched_graph *g, const edd_sched_plan *p, const int *stage,
                     int jobs, int threads)
{
    printf("%5s %10s %9s\n", "ranks", "makespan", "speed-up");
    double ms[DRY_NRANKS];
    int capped = 0;
    for (int r = 0; r < DRY_NRANKS; r++) {
        const int n = dry_ranks[r];
        ms[r] = edd_sched_simulate(g, p, n, NULL, NULL);
        capped = !capped && ms[r] <= p->critical * (1 + 1e-9) ? n : capped;
        printf("%5d %10.1f %9.2f\n", n, ms[r], ms[r] > 0 ? p->work / ms[r] : 1.0);
    }
    const double mj = jobs > 0 ? edd_sched_simulate(g, p, jobs, NULL, NULL) : 0.0;
    if (jobs > 0)
        printf("\n--jobs %d, %d thread%s each: makespan %.1f s, speed-up %.2f (each stage's time as it was measured "
               "or estimated, at the threads it ran with)\n", jobs, threads, threads > 1 ? "s" : "", mj,
               mj > 0 ? p->work / mj : 1.0);
    if (capped)
        printf("\nFrom %d ranks on, the critical path caps the speed-up: each of its stages waits for the one "
               "before it, so the run takes at least %.1f s however many ranks it has; only splitting a stage of that "
               "path shortens it.\n", capped, p->critical);
    printf("The sigma stage's MC passes run as %d stages over ranges of the training images, joined by `sigma`; the "
           "parameter studies (Figs. 2d-e) as %d stages each, one per point of the scale's list (here %d alphas and "
           "%d Ns; a stage past its list does nothing), joined by `fig2d` and `fig2e`; the baselines' attacks as a "
           "stage per model, joined by `baselines`.\n", EDD_REPRO_SIGMA_PARTS, EDD_REPRO_STUDY_POINTS, sc->n_alpha,
           sc->n_passes);
    printf("{\"dry_run\":true,\"scale\":\"%s\",\"work\":%.1f,\"critical_path\":%.1f,\"critical\":[", sc->name, p->work,
           p->critical);
    for (int j = 0; j < p->ncrit; j++)
        printf("%s\"%s\"", j ? "," : "", edd_repro_stage_name(stage[p->crit[j]]));
    printf("],\"ranks\":[");
    for (int r = 0; r < DRY_NRANKS; r++)
        printf("%s{\"p\":%d,\"makespan\":%.1f,\"speedup\":%.3f}", r ? "," : "", dry_ranks[r], ms[r],
               ms[r] > 0 ? p->work / ms[r] : 1.0);
    if (jobs > 0)
        printf("],\"jobs\":{\"n\":%d,\"threads\":%d,\"makespan\":%.1f,\"speedup\":%.3f}}\n", jobs, threads, mj,
               mj > 0 ? p->work / mj : 1.0);
    else
        printf("]}\n");
}

/* The cores this process may run on (1 when it cannot tell). */
static int cores(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return CPU_COUNT(&set);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 && n < 4096 ? (int)n : 1;
}

/* The estimates of g (src: where each cost came from) are of one thread:
 * at `threads` threads a stage runs the measured speed-up faster
 * (edd_repro_thread_speedup); a manifest's or --times' seconds stay as
 * they were measured. */
static void scale_estimates(edd_sched_graph *g, const edd_cost_source *src, int threads)
{
    const double su = edd_repro_thread_speedup(threads);
    for (int k = 0; k < g->n; k++)
        if (src[k] == EDD_COST_ESTIMATE)
            g->cost[k] /= su;
}

/* What the scheduler's choice is worth on n cores: one process at n
 * threads against n jobs of one thread, from the graph at one thread. */
static int dry_threads_note(edd_ctx *ctx, const edd_sched_graph *one, const edd_cost_source *src, int n)
{
    edd_sched_graph g = *one;
    edd_sched_plan p;
    if (n < 2)
        return 0;
    if (edd_sched_plan_make(ctx, &g, &p))
        return EXIT_RUNTIME;
    const double jobs = edd_sched_simulate(&g, &p, n, NULL, NULL);
    scale_estimates(&g, src, n);
    double serial = 0.0;
    for (int k = 0; k < g.n; k++)
        serial += g.cost[k];
    printf("On the %d cores here: one process at %d threads, %.1f s; --jobs %d at 1 thread each, %.1f s (the "
           "estimates are of one thread; at T threads a stage is faster by the measured speed-up, %.2f at %d: "
           "costs.c).\n\n", n, n, serial, n, jobs, edd_repro_thread_speedup(n), n);
    return 0;
}

/* --dry-run: the stage graph's schedule on 1..16 ranks (and on jobs
 * workers of threads threads, jobs > 0), from the stage times (--times,
 * the folder's manifests, or estimates), as a table and then one JSON
 * line. Runs and writes nothing. Returns 0, 2 on a stage time that is not
 * a number a schedule can hold, or 1. */
static int dry_run(const char *cmd, edd_ctx *ctx, const edd_repro_scale *sc, const edd_repro_opts *o,
                   const char *times, int jobs, int threads)
{
    static const char *const from[] = {"estimate", "manifest", "--times"};
    uint64_t want;
    edd_sched_graph g;
    edd_sched_plan p;
    int stage[EDD_REPRO_MAX_STAGES];
    edd_cost_source src[EDD_REPRO_MAX_STAGES];
    edd_status st = edd_repro_select(ctx, o->only, &want);
    /* the graph fails only on a --times FILE that cannot be read or is not one: bad input */
    if (!st && edd_repro_graph(ctx, sc, o->out_dir, times, want, &g, stage, src))
        return cli_usage(cmd, "%s", edd_ctx_error(ctx));
    edd_sched_graph one = g; /* at one thread */
    scale_estimates(&g, src, threads);
    st = st ? st : edd_sched_plan_make(ctx, &g, &p);
    if (st) /* a bad --only, or stage times whose sum is not finite: exit 2 */
        return cli_fail(cmd, ctx) && (st == EDD_ERR_ARG || st == EDD_ERR_FORMAT) ? EXIT_USAGE : EXIT_RUNTIME;
    int rank[EDD_SCHED_MAX];
    double start[EDD_SCHED_MAX];
    const int shown = jobs > 0 ? jobs : 4;
    edd_sched_simulate(&g, &p, shown, rank, start);
    printf("edd reproduce --dry-run: scale %s, %d stages; a stage's seconds from --times, else its manifest in %s, "
           "else an estimate\n\n", sc->name, g.n, o->out_dir);
    printf("%-12s %10s  %-8s %10s  on %d %s: %s, start\n", "stage", "seconds", "from", "level", shown,
           jobs > 0 ? "jobs" : "ranks", jobs > 0 ? "job" : "rank");
    for (int j = 0; j < g.n; j++) {
        const int k = p.order[j];
        printf("%-12s %10.1f  %-8s %10.1f  %d, %.1f\n", edd_repro_stage_name(stage[k]), g.cost[k], from[src[k]],
               p.level[k], rank[k], start[k]);
    }
    printf("\nwork %.1f s; critical path %.1f s:", p.work, p.critical);
    for (int j = 0; j < p.ncrit; j++)
        printf("%s%s", j ? " > " : " ", edd_repro_stage_name(stage[p.crit[j]]));
    const double cap = p.critical > 0 ? p.work / p.critical : 1.0;
    printf("\nthe best speed-up any number of ranks can give: work / critical path = %.2f\n\n", cap);
    if (dry_threads_note(ctx, &one, src, cores()))
        return EXIT_RUNTIME;
    dry_tail(sc, &g, &p, stage, jobs, threads);
    return 0;
}

/* `--jobs N` (N >= 2): the run spread over N worker processes, each this
 * binary (/proc/self/exe) started as `edd reproduce --worker` with the
 * run's scale, folders, data and threads. */
static edd_status run_jobs(edd_ctx *ctx, const edd_repro_scale *sc, const edd_repro_opts *o, const char *data,
                           int seeds, int jobs, edd_repro_log *logs)
{
    char threads[16];
    snprintf(threads, sizeof threads, "%d", edd_ctx_threads(ctx));
    const char *argv[] = {"edd",    "reproduce", "--worker", "--scale",   sc->name,    "--out",   o->out_dir,
                          "--data", data,        "--data-dir", o->data_dir, "--threads", threads,
                          o->quiet ? "--quiet" : NULL, NULL};
    return edd_reproduce_jobs(ctx, sc, o, seeds, jobs, "/proc/self/exe", (char *const *)argv, logs);
}

/* One pipeline's log as JSON: its seed (with --seeds), ranks, seconds
 * and stages. */
static void print_log(int k, int seeds, const edd_repro_log *log)
{
    if (seeds > 1)
        printf("%s{\"seed\":%d,", k ? "," : "", k + 1);
    if (log->ranks > 1)
        printf("\"ranks\":%d,", log->ranks);
    printf("\"seconds\":%.1f,\"stages\":[", log->seconds);
    for (int i = 0; i < log->n; i++) {
        printf("%s{\"stage\":\"%s\",\"ran\":%s,", i ? "," : "", log->stage[i].name,
               log->stage[i].ran ? "true" : "false");
        if (log->ranks > 1 && log->stage[i].ran)
            printf("\"rank\":%d,", log->stage[i].rank);
        printf("\"seconds\":%.1f}", log->stage[i].seconds);
    }
    printf("]%s", seeds > 1 ? "}" : "");
}

/* The checks of the parsed options that need no context, the defaults of
 * --out and of the threads per job: -1 when they pass, else the exit code
 * (a message printed). */
static int check_args(const char *cmd, const repro_args *a, cli_data_opts *d, edd_repro_opts *o)
{
    if (strcmp(a->scale, "smoke") && strcmp(a->scale, "quick") && strcmp(a->scale, "paper"))
        return cli_usage(cmd, "--scale '%s': expected smoke, quick or paper", a->scale);
    edd_ctx *sel = edd_ctx_scratch(); /* a bad --only or --force is a usage error, before any folder is made */
    uint64_t want;
    int forced, nproc = 0, bad = !sel || edd_repro_force(sel, o->only, o->force, &want, &forced);
    if (bad) {
        cli_usage(cmd, "%s", edd_ctx_error(sel));
        edd_ctx_close(sel);
        return EXIT_USAGE;
    }
    edd_ctx_close(sel);
    if (o->out_dir && !*o->out_dir)
        return cli_usage(cmd, "--out: expected a folder name");
    if (!o->out_dir)
        o->out_dir = strcmp(d->data, "fashion") ? "results" : "results-fashion";
    o->data_name = d->data;
    if (a->times && !a->dry_run)
        return cli_usage(cmd, "--times '%s': only with --dry-run", a->times);
    if (a->seeds > 1 && a->dry_run)
        return cli_usage(cmd, "--seeds %ld with --dry-run: the schedule is one pipeline's, expected --seeds 1",
                         a->seeds);
    if (a->worker && (a->dry_run || a->jobs || a->seeds > 1 || o->only || o->force))
        return cli_usage(cmd, "--worker: only as `edd reproduce --jobs N` starts it, without --dry-run, --jobs, "
                         "--seeds, --only or --force");
    const int launched = edd_repro_launched(&nproc);
    if (a->jobs > 1 && launched)
        return cli_usage(cmd, "--jobs %ld under an MPI launcher: the ranks already spread the stages, expected one "
                         "or the other", a->jobs);
#ifndef EDD_MPI
    if (!a->dry_run && launched && nproc > 1)
        return cli_usage(cmd, "started by an MPI launcher as one of %d processes, but this edd is built without MPI: "
                         "build it with `make MPI=1` (Open MPI's mpicc), or run it alone", nproc);
#endif
    if (a->jobs > edd_threads_cap()) /* each job holds its own data and plans: a bound like the threads' */
        return cli_usage(cmd, "--jobs %ld: expected 1..%d (%d x the CPUs online)", a->jobs, edd_threads_cap(),
                         EDD_THREADS_PER_CPU);
    if (a->jobs > 1 && !d->threads) /* the cores shared among the jobs */
        d->threads = cores() / (int)a->jobs > 1 ? cores() / (int)a->jobs : 1;
    return -1;
}

int cmd_reproduce(int argc, char **argv)
{
    static const struct option longopts[] = {{"scale", required_argument, 0, O_SCALE},
                                             {"out", required_argument, 0, O_OUT},
                                             {"force", required_argument, 0, O_FORCE},
                                             {"only", required_argument, 0, O_ONLY},
                                             {"quiet", no_argument, 0, O_QUIET},
                                             {"dry-run", no_argument, 0, O_DRY_RUN},
                                             {"times", required_argument, 0, O_TIMES},
                                             {"seeds", required_argument, 0, O_SEEDS},
                                             {"jobs", required_argument, 0, O_JOBS},
                                             {"worker", no_argument, 0, O_WORKER},
                                             CLI_DATA_LONGOPTS,
                                             {0, 0, 0, 0}};
    const char *cmd = "reproduce";
    cli_data_opts d = {.data = "mnist"};
    repro_args a = {.scale = "quick", .o = {.out_dir = NULL}, .seeds = 1};
    char help[4096];
    int rc = cli_parse(cmd, argc, argv, longopts, help_text(help, sizeof help), &d, on_opt, &a);
    if (rc >= 0)
        return rc;
    edd_repro_opts o = a.o;
    if ((rc = check_args(cmd, &a, &d, &o)) >= 0)
        return rc;
    const char *scale = a.scale;
    const int seeds = (int)a.seeds;
    edd_ctx *ctx = NULL;
    edd_repro_scale sc;
    edd_repro_log *logs = calloc((size_t)seeds, sizeof *logs);
    char dir[4096];
    if (!logs)
        return cli_usage(cmd, "--seeds %d: out of memory for the logs", seeds);
    if ((rc = cli_open(cmd, &d, &ctx, 0, 0, NULL))) {
        free(logs);
        return rc;
    }
    o.data_dir = d.data_dir ? d.data_dir : edd_data_default_dir(d.data, dir, sizeof dir);
    int root = 1;
    edd_status st = edd_repro_scale_get(ctx, scale, &sc);
    if (!st && a.dry_run)
        rc = dry_run(cmd, ctx, &sc, &o, a.times, a.jobs > 1 ? (int)a.jobs : 0, edd_ctx_threads(ctx));
    else if (!st && a.worker)
        st = edd_repro_jobs_serve(ctx, &sc, &o, EDD_REPRO_JOB_IN, EDD_REPRO_JOB_OUT);
    else if (!st && a.jobs > 1)
        st = run_jobs(ctx, &sc, &o, d.data, seeds, (int)a.jobs, logs);
#ifdef EDD_MPI
    else if (!st && edd_repro_launched(NULL))
        st = edd_reproduce_mpi(ctx, &sc, &o, seeds, logs, &root);
#endif
    else if (!st && seeds > 1)
        st = edd_reproduce_seeds(ctx, &sc, &o, seeds, logs);
    else if (!st)
        st = edd_reproduce(ctx, &sc, &o, logs);
    if (st && root)
        rc = st == EDD_ERR_ARG ? (cli_fail(cmd, ctx), EXIT_USAGE) : cli_fail(cmd, ctx);
    if (!rc && !a.dry_run && !a.worker && root) {
        char jo[CLI_JSON_MAX];
        printf("{\"scale\":\"%s\",\"out\":%s,", scale, cli_json(jo, sizeof jo, o.out_dir));
        if (seeds > 1)
            printf("\"seeds\":%d,\"runs\":[", seeds);
        for (int k = 0; k < seeds; k++)
            print_log(k, seeds, &logs[k]);
        printf("%s}\n", seeds > 1 ? "]" : "");
    }
    free(logs);
    edd_ctx_close(ctx);
    return rc;
}
