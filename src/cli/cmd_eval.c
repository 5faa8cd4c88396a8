/* cmd_eval.c - `edd eval`: a model's accuracy and false positives on the test set. */
#include "cli.h"
#include "edd/train.h"

#include <stdio.h>

static const char *help =
    "usage: edd eval --model M.edd --data mnist|fashion [--test-limit N]\n"
    "       edd eval --model M.edd --images X.npy --labels Y.npy   (e.g. an --adv-out)\n\n"
    "Prints one JSON line: accuracy (argmax over all K outputs equals the label)\n"
    "and, for a K=11 model, the false-positive rate (outlier class predicted).\n\n"
    "  --model PATH           model file\n"
    "  --test-limit N         use the first N test images (default all)\n"
    "  --quiet                accepted as by every subcommand (eval shows no progress)\n" CLI_IMAGES_HELP
    CLI_ALLOW_HELP CLI_DATA_HELP;

typedef struct {
    const char *model;
    long limit;
} eval_args;

enum { O_MODEL = 1, O_LIMIT, O_QUIET };

static int on_opt(void *user, int c, const char *arg)
{
    eval_args *a = user;
    if (c == O_MODEL)
        a->model = arg;
    else if (c == O_LIMIT && cli_long("eval", "test-limit", arg, 1, 1L << 30, &a->limit))
        return EXIT_USAGE;
    return 0;
}

int cmd_eval(int argc, char **argv)
{
    static const struct option longopts[] = {{"model", required_argument, 0, O_MODEL},
                                             {"test-limit", required_argument, 0, O_LIMIT},
                                             {"quiet", no_argument, 0, O_QUIET}, CLI_IMAGES_LONGOPTS,
                                             CLI_ALLOW_LONGOPTS, CLI_DATA_LONGOPTS, {0, 0, 0, 0}};
    const char *cmd = "eval";
    cli_data_opts d = {.data = "mnist"};
    eval_args a = {0};
    int rc = cli_parse(cmd, argc, argv, longopts, help, &d, on_opt, &a);
    if (rc >= 0)
        return rc;
    const char *model = a.model;
    if (!model)
        return cli_usage(cmd, "--model is required");
    if ((rc = cli_images_check(cmd, &d, 1)))
        return rc;
    edd_ctx *ctx = NULL;
    edd_dataset ds = {0};
    edd_cnn m = {0};
    edd_eval_result r;
    rc = cli_open(cmd, &d, &ctx, 0, (size_t)a.limit, &ds);
    if (!rc && edd_cnn_load(ctx, &m, model))
        rc = cli_fail(cmd, ctx);
    if (!rc)
        rc = cli_prov_check(cmd, ctx, &d, model, &m);
    if (!rc && edd_evaluate(ctx, &m, &ds, 256, NULL, &r))
        rc = cli_fail(cmd, ctx);
    if (!rc) {
        char jm[CLI_JSON_MAX];
        printf("{\"model\":%s,\"data\":\"%s\",\"k\":%d,\"examples\":%zu,\"accuracy\":%.6f",
               cli_json(jm, sizeof jm, model), cli_data_name(&d), m.k, r.n, r.accuracy);
        if (edd_outlier_class(m.k) >= 0)
            printf(",\"false_positives\":%.6f", r.false_positives);
        printf("}\n");
    }
    edd_cnn_free(&m);
    edd_dataset_free(&ds);
    edd_ctx_close(ctx);
    return rc;
}
