/* cmd_uncertainty.c - `edd uncertainty`: the teacher's MC-dropout sigma (Eq. 1). */
#include "cli.h"
#include "edd/defense.h"
#include "edd/io.h"
#include "edd/progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *help =
    "usage: edd uncertainty --teacher T.edd --data mnist|fashion --out SIGMA.npy [options]\n\n"
    "N forward passes with dropout on; sigma(x) = mean over passes of the squared\n"
    "L2 distance of the logits from their mean (the paper's Eq. 1).\n\n"
    "  --teacher PATH         model file\n"
    "  --out PATH             sigma, one float32 per training image (.npy)\n"
    "  --passes N             stochastic passes (default 20)\n"
    "  --seed N               dropout masks (default 1)\n"
    "  --logits-out PATH      every pass's logits, N x examples x K (.npy)\n"
    "  --shape threads|folded how the passes use the cores (default threads)\n"
    "  --rows N               rows per oneDNN call (default 128 threads, 320 folded)\n"
    "  --train-limit N        first N training images (default all)\n"
    "  --quiet                no progress on stderr\n" CLI_IMAGES_HELP CLI_ALLOW_HELP CLI_DATA_HELP;

typedef struct {
    const char *teacher, *out, *lout;
    edd_mc_opts o;
    long limit, rows;
} unc_args;

enum { O_TEACHER = 1, O_OUT, O_PASSES, O_SEED, O_LOGITS, O_SHAPE, O_ROWS, O_LIMIT, O_QUIET };

static int on_opt(void *user, int c, const char *arg)
{
    unc_args *a = user;
    const char *cmd = "uncertainty";
    long v;
    switch (c) {
    case O_TEACHER: a->teacher = arg; break;
    case O_OUT: a->out = arg; break;
    case O_LOGITS: a->lout = arg; break;
    case O_PASSES: if (cli_long(cmd, "passes", arg, 1, 10000, &v)) return EXIT_USAGE; a->o.passes = (int)v; break;
    case O_SEED: if (cli_u64(cmd, "seed", arg, &a->o.seed)) return EXIT_USAGE; break;
    case O_ROWS: if (cli_long(cmd, "rows", arg, 1, 1 << 20, &a->rows)) return EXIT_USAGE; break;
    case O_SHAPE:
        if (!strcmp(arg, "folded")) a->o.shape = EDD_MC_FOLDED;
        else if (!strcmp(arg, "threads")) a->o.shape = EDD_MC_THREADS;
        else return cli_usage(cmd, "--shape '%s': expected folded or threads", arg);
        break;
    case O_LIMIT: if (cli_long(cmd, "train-limit", arg, 1, 1L << 30, &a->limit)) return EXIT_USAGE; break;
    case O_QUIET: a->o.quiet = 1; break;
    }
    return 0;
}

/* The teacher at path into m: trained on d's data (its provenance), with
 * dropout. */
static int load_teacher(const char *cmd, edd_ctx *ctx, const cli_data_opts *d, const char *path, edd_cnn *m)
{
    if (edd_cnn_load(ctx, m, path))
        return cli_fail(cmd, ctx);
    int rc = cli_prov_check(cmd, ctx, d, path, m);
    if (!rc && m->p_input <= 0 && m->p_hidden <= 0) {
        edd_fail(ctx, EDD_ERR_ARG, "%s: the teacher has no dropout (rates 0 and 0), expected a model trained with "
                 "dropout: MC dropout (Eq. 1) needs it", path);
        rc = cli_fail(cmd, ctx);
    }
    return rc;
}

int cmd_uncertainty(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"teacher", required_argument, 0, O_TEACHER}, {"out", required_argument, 0, O_OUT},
        {"passes", required_argument, 0, O_PASSES}, {"seed", required_argument, 0, O_SEED},
        {"logits-out", required_argument, 0, O_LOGITS}, {"shape", required_argument, 0, O_SHAPE},
        {"rows", required_argument, 0, O_ROWS}, {"train-limit", required_argument, 0, O_LIMIT},
        {"quiet", no_argument, 0, O_QUIET}, CLI_IMAGES_LONGOPTS, CLI_ALLOW_LONGOPTS, CLI_DATA_LONGOPTS, {0, 0, 0, 0}};
    const char *cmd = "uncertainty";
    cli_data_opts d = {.data = "mnist"};
    unc_args a = {0};
    edd_mc_opts_default(&a.o);
    int rc = cli_parse(cmd, argc, argv, longopts, help, &d, on_opt, &a);
    if (rc >= 0)
        return rc;
    const char *teacher = a.teacher, *out = a.out, *lout = a.lout;
    edd_mc_opts o = a.o;
    if (!teacher || !out)
        return cli_usage(cmd, "--teacher and --out are required");
    if ((rc = cli_images_check(cmd, &d, 0)))
        return rc;
    const cli_path ins[] = {{"teacher", teacher}}, outs[] = {{"out", out}, {"logits-out", lout}};
    if ((rc = cli_check_outputs(cmd, &d, ins, 1, outs, 2)))
        return rc;
    o.rows = a.rows ? (int)a.rows : o.shape == EDD_MC_THREADS ? 128 : 320;
    edd_ctx *ctx = NULL;
    edd_dataset ds = {0};
    edd_cnn m = {0};
    float *sigma = NULL, *logits = NULL;
    rc = cli_open(cmd, &d, &ctx, 1, (size_t)a.limit, &ds);
    if (!rc)
        rc = load_teacher(cmd, ctx, &d, teacher, &m);
    size_t most = o.shape == EDD_MC_THREADS ? ds.n : ds.n * (size_t)o.passes; /* rows of one call over all */
    if (!rc && (size_t)o.rows > most)
        fprintf(stderr, "edd %s: --rows %d is beyond the %zu rows of one call over all %zu images (%s); using %zu\n",
                cmd, o.rows, most, ds.n, o.shape == EDD_MC_THREADS ? "threads: images" : "folded: images x passes",
                most);
    if (!rc) {
        sigma = malloc(ds.n * sizeof(float));
        logits = lout ? malloc((size_t)o.passes * ds.n * (size_t)m.k * sizeof(float)) : NULL;
        if (!sigma || (lout && !logits)) {
            edd_fail(ctx, EDD_ERR_NOMEM, "out of memory for %d passes over %zu examples", o.passes, ds.n);
            rc = cli_fail(cmd, ctx);
        }
    }
    double t0 = edd_now();
    if (!rc && edd_uncertainty(ctx, &m, &ds, &o, sigma, logits))
        rc = cli_fail(cmd, ctx);
    double dt = edd_now() - t0;
    size_t s1[1] = {ds.n}, s3[3] = {(size_t)o.passes, ds.n, (size_t)m.k};
    if (!rc && edd_check_finite(ctx, EDD_ERR_FORMAT, "sigma", sigma, ds.n))
        rc = cli_fail(cmd, ctx);
    if (!rc && edd_npy_write(ctx, out, EDD_NPY_F32, 1, s1, sigma))
        rc = cli_fail(cmd, ctx);
    if (!rc && lout && edd_npy_write(ctx, lout, EDD_NPY_F32, 3, s3, logits))
        rc = cli_fail(cmd, ctx);
    if (!rc) {
        double mean = 0, mx = 0;
        for (size_t i = 0; i < ds.n; i++) {
            mean += sigma[i];
            mx = sigma[i] > mx ? sigma[i] : mx;
        }
        char jo[CLI_JSON_MAX];
        printf("{\"sigma\":%s,\"examples\":%zu,\"passes\":%d,\"shape\":\"%s\",\"sigma_mean\":%.6g,\"sigma_max\":%.6g,"
               "\"seconds\":%.2f,\"image_passes_per_s\":%.1f}\n",
               cli_json(jo, sizeof jo, out), ds.n, o.passes, o.shape == EDD_MC_THREADS ? "threads" : "folded", mean / (double)ds.n, mx, dt,
               (double)ds.n * o.passes / dt);
    }
    free(sigma);
    free(logits);
    edd_cnn_free(&m);
    edd_dataset_free(&ds);
    edd_ctx_close(ctx);
    return rc;
}
