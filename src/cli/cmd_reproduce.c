/* cmd_reproduce.c - `edd reproduce`: the paper's experiments as named
 * stages into a results folder, resuming where a previous run stopped
 * (include/edd/experiments.h, docs/REPRODUCING.md). */
#include "cli.h"
#include "edd/experiments.h"

#include <stdio.h>
#include <string.h>

int cmd_reproduce(int argc, char **argv);

static void help(FILE *f)
{
    fputs("usage: edd reproduce [--scale smoke|quick|paper] [--out DIR] [--force STAGE] [--threads N]\n\n"
          "Runs the paper's experiments (Section 4) as named stages into DIR: the models, the\n"
          "white-box Figs. 2a-c (with the adaptive attacker beside), the parameter studies\n"
          "Figs. 2d-e, the black-box Figs. 3a-f, the headline numbers, the PNG plots (gnuplot)\n"
          "and report.md. A stage whose outputs exist and match DIR/stages/STAGE.done (sizes\n"
          "and CRC32s) is skipped, so an interrupted run resumes; a corrupted output is redone.\n\n"
          "  --scale NAME           smoke (< 2 min), quick (< 20 min), paper (full MNIST); default quick\n"
          "  --out DIR              results folder (default results)\n"
          "  --force STAGE          rerun STAGE and every stage that depends on it\n"
          "  --quiet                no progress on stderr\n" CLI_DATA_HELP "\nstages, in order:\n ",
          f);
    for (int i = 0; i < edd_repro_stage_count(); i++)
        fprintf(f, " %s", edd_repro_stage_name(i));
    fputc('\n', f);
}

int cmd_reproduce(int argc, char **argv)
{
    enum { O_SCALE = 1, O_OUT, O_FORCE, O_QUIET };
    static const struct option longopts[] = {{"scale", required_argument, 0, O_SCALE},
                                             {"out", required_argument, 0, O_OUT},
                                             {"force", required_argument, 0, O_FORCE},
                                             {"quiet", no_argument, 0, O_QUIET},
                                             CLI_DATA_LONGOPTS,
                                             {0, 0, 0, 0}};
    const char *cmd = "reproduce", *scale = "quick";
    cli_data_opts d = {.data = "mnist"};
    edd_repro_opts o = {.out_dir = "results"};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        int r = cli_data_opt(&d, c, optarg, cmd);
        if (r < 0)
            return EXIT_USAGE;
        if (r)
            continue;
        switch (c) {
        case CLI_OPT_HELP: help(stdout); return 0;
        case O_SCALE: scale = optarg; break;
        case O_OUT: o.out_dir = optarg; break;
        case O_FORCE: o.force = optarg; break;
        case O_QUIET: o.quiet = 1; break;
        default: return cli_usage(cmd, "unknown option");
        }
    }
    if (optind < argc)
        return cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
    if (strcmp(scale, "smoke") && strcmp(scale, "quick") && strcmp(scale, "paper"))
        return cli_usage(cmd, "--scale '%s': expected smoke, quick or paper", scale);
    if (o.force && edd_repro_stage_find(o.force) < 0)
        return cli_usage(cmd, "--force '%s': not a stage name", o.force);
    if (!*o.out_dir)
        return cli_usage(cmd, "--out: expected a folder name");
    edd_ctx ctx;
    edd_repro_scale sc;
    edd_repro_log log;
    char dir[4096];
    int rc = cli_open(cmd, &d, &ctx, 0, 0, NULL);
    if (rc)
        return rc;
    o.data_dir = d.data_dir ? d.data_dir : edd_data_default_dir(d.data, dir, sizeof dir);
    if (edd_repro_scale_get(&ctx, scale, &sc) || edd_reproduce(&ctx, &sc, &o, &log))
        rc = cli_fail(cmd, &ctx);
    if (!rc) {
        for (int i = 0; i < log.n; i++)
            printf("%-12s %-7s %8.1f s\n", log.stage[i].name, log.stage[i].ran ? "ran" : "skipped",
                   log.stage[i].seconds);
        printf("done in %.1f s: %s/report.md\n", log.seconds, o.out_dir);
    }
    edd_ctx_free(&ctx);
    return rc;
}
