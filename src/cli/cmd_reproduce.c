/* cmd_reproduce.c - `edd reproduce`: the paper's experiments as named
 * stages into a results folder, resuming where a previous run stopped
 * (include/edd/experiments.h, docs/REPRODUCING.md). */
#include "cli.h"
#include "edd/experiments.h"

#include <stdio.h>
#include <string.h>

/* The help text, with the stage names (from the stage table) at its end. */
static const char *help_text(char *buf, size_t n)
{
    size_t len = (size_t)snprintf(buf, n, "%s",
          "usage: edd reproduce [--scale smoke|quick|paper] [--out DIR] [--only STAGES] [--force STAGE]\n"
          "                     [--threads N]\n\n"
          "Runs the paper's experiments (Section 4) as named stages into DIR: the models, the\n"
          "white-box Figs. 2a-c (with the adaptive attacker beside), the parameter studies\n"
          "Figs. 2d-e, the black-box Figs. 3a-f, the headline numbers, the PNG plots (gnuplot)\n"
          "and report.md. A stage whose outputs exist and match DIR/stages/STAGE.done (sizes\n"
          "and CRC32s) is skipped, so an interrupted run resumes; a corrupted output is redone.\n"
          "With --data fashion every stage runs on Fashion-MNIST, where the paper has no numbers.\n\n"
          "  --scale NAME           smoke (< 2 min), quick (about 30 min), paper (full MNIST); default quick\n"
          "  --out DIR              results folder (default results, or results-fashion with\n"
          "                         --data fashion); a folder holds one dataset's results\n"
          "  --only A,B,...         run only these stages and those they depend on (e.g. --only\n"
          "                         security: the models it attacks, then the security curve);\n"
          "                         a later run without --only resumes from them\n"
          "  --force STAGE          rerun STAGE even if valid (what reads it reruns if its outputs change)\n"
          "  --quiet                no progress on stderr\n" CLI_DATA_HELP "\nstages, in order:\n ");
    for (int i = 0; i < edd_repro_stage_count() && len < n; i++)
        len += (size_t)snprintf(buf + len, n - len, " %s", edd_repro_stage_name(i));
    if (len < n)
        snprintf(buf + len, n - len, "\n");
    return buf;
}

typedef struct {
    const char *scale;
    edd_repro_opts o;
} repro_args;

enum { O_SCALE = 1, O_OUT, O_FORCE, O_ONLY, O_QUIET };

static int on_opt(void *user, int c, const char *arg)
{
    repro_args *a = user;
    switch (c) {
    case O_SCALE: a->scale = arg; break;
    case O_OUT: a->o.out_dir = arg; break;
    case O_FORCE: a->o.force = arg; break;
    case O_ONLY: a->o.only = arg; break;
    case O_QUIET: a->o.quiet = 1; break;
    }
    return 0;
}

int cmd_reproduce(int argc, char **argv)
{
    static const struct option longopts[] = {{"scale", required_argument, 0, O_SCALE},
                                             {"out", required_argument, 0, O_OUT},
                                             {"force", required_argument, 0, O_FORCE},
                                             {"only", required_argument, 0, O_ONLY},
                                             {"quiet", no_argument, 0, O_QUIET},
                                             CLI_DATA_LONGOPTS,
                                             {0, 0, 0, 0}};
    const char *cmd = "reproduce";
    cli_data_opts d = {.data = "mnist"};
    repro_args a = {.scale = "quick", .o = {.out_dir = NULL}};
    char help[4096];
    int rc = cli_parse(cmd, argc, argv, longopts, help_text(help, sizeof help), &d, on_opt, &a);
    if (rc >= 0)
        return rc;
    const char *scale = a.scale;
    edd_repro_opts o = a.o;
    if (strcmp(scale, "smoke") && strcmp(scale, "quick") && strcmp(scale, "paper"))
        return cli_usage(cmd, "--scale '%s': expected smoke, quick or paper", scale);
    if (o.force && edd_repro_stage_find(o.force) < 0)
        return cli_usage(cmd, "--force '%s': not a stage name", o.force);
    if (o.out_dir && !*o.out_dir)
        return cli_usage(cmd, "--out: expected a folder name");
    if (!o.out_dir)
        o.out_dir = strcmp(d.data, "fashion") ? "results" : "results-fashion";
    o.data_name = d.data;
    edd_ctx ctx;
    edd_repro_scale sc;
    edd_repro_log log;
    char dir[4096];
    if ((rc = cli_open(cmd, &d, &ctx, 0, 0, NULL)))
        return rc;
    o.data_dir = d.data_dir ? d.data_dir : edd_data_default_dir(d.data, dir, sizeof dir);
    if (edd_repro_scale_get(&ctx, scale, &sc) || edd_reproduce(&ctx, &sc, &o, &log))
        rc = cli_fail(cmd, &ctx);
    if (!rc) {
        printf("{\"scale\":\"%s\",\"out\":\"%s\",\"seconds\":%.1f,\"stages\":[", scale, o.out_dir, log.seconds);
        for (int i = 0; i < log.n; i++)
            printf("%s{\"stage\":\"%s\",\"ran\":%s,\"seconds\":%.1f}", i ? "," : "", log.stage[i].name,
                   log.stage[i].ran ? "true" : "false", log.stage[i].seconds);
        printf("]}\n");
    }
    edd_ctx_free(&ctx);
    return rc;
}
