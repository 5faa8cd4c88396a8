/* cmd_predict.c - `edd predict`: a model's test logits as .npy. */
#include "cli.h"
#include "edd/io.h"
#include "edd/train.h"

#include <stdio.h>
#include <stdlib.h>

static const char *help =
    "usage: edd predict --model M.edd --data mnist|fashion --logits OUT.npy [--test-limit N]\n"
    "       edd predict --model M.edd --images X.npy [--labels Y.npy] --logits OUT.npy\n\n"
    "Writes the test set's (or --images') logits (examples x K, float32) without\n"
    "dropout; the accuracy is printed when there are labels.\n\n"
    "  --model PATH           model file\n"
    "  --logits PATH          .npy file to write (atomically)\n"
    "  --test-limit N         use the first N test images (default all)\n" CLI_IMAGES_HELP CLI_ALLOW_HELP CLI_DATA_HELP;

typedef struct {
    const char *model, *out;
    long limit;
} predict_args;

enum { O_MODEL = 1, O_LOGITS, O_LIMIT };

static int on_opt(void *user, int c, const char *arg)
{
    predict_args *a = user;
    if (c == O_MODEL)
        a->model = arg;
    else if (c == O_LOGITS)
        a->out = arg;
    else if (c == O_LIMIT && cli_long("predict", "test-limit", arg, 1, 1L << 30, &a->limit))
        return EXIT_USAGE;
    return 0;
}

int cmd_predict(int argc, char **argv)
{
    static const struct option longopts[] = {{"model", required_argument, 0, O_MODEL},
                                             {"logits", required_argument, 0, O_LOGITS},
                                             {"test-limit", required_argument, 0, O_LIMIT}, CLI_IMAGES_LONGOPTS,
                                             CLI_ALLOW_LONGOPTS, CLI_DATA_LONGOPTS, {0, 0, 0, 0}};
    const char *cmd = "predict";
    cli_data_opts d = {.data = "mnist"};
    predict_args a = {0};
    int rc = cli_parse(cmd, argc, argv, longopts, help, &d, on_opt, &a);
    if (rc >= 0)
        return rc;
    const char *model = a.model, *out = a.out;
    if (!model || !out)
        return cli_usage(cmd, "--model and --logits are required");
    if ((rc = cli_images_check(cmd, &d, 0)))
        return rc;
    const cli_path ins[] = {{"model", model}}, outs[] = {{"logits", out}};
    if ((rc = cli_check_outputs(cmd, &d, ins, 1, outs, 1)))
        return rc;
    edd_ctx *ctx = NULL;
    edd_dataset ds = {0};
    edd_cnn m = {0};
    edd_eval_result r;
    float *z = NULL;
    rc = cli_open(cmd, &d, &ctx, 0, (size_t)a.limit, &ds);
    if (!rc && edd_cnn_load(ctx, &m, model))
        rc = cli_fail(cmd, ctx);
    if (!rc)
        rc = cli_prov_check(cmd, ctx, &d, model, &m);
    if (!rc && !(z = malloc(ds.n * (size_t)m.k * sizeof(float)))) {
        edd_fail(ctx, EDD_ERR_NOMEM, "out of memory for %zu x %d logits", ds.n, m.k);
        rc = cli_fail(cmd, ctx);
    }
    if (!rc && edd_evaluate(ctx, &m, &ds, 256, z, &r))
        rc = cli_fail(cmd, ctx);
    size_t shape[2] = {ds.n, (size_t)m.k};
    if (!rc && edd_npy_write(ctx, out, EDD_NPY_F32, 2, shape, z))
        rc = cli_fail(cmd, ctx);
    char jo[CLI_JSON_MAX];
    if (!rc) {
        printf("{\"logits\":%s,\"examples\":%zu,\"k\":%d", cli_json(jo, sizeof jo, out), ds.n, m.k);
        if (!d.images || d.labels)
            printf(",\"accuracy\":%.6f", r.accuracy);
        printf("}\n");
    }
    free(z);
    edd_cnn_free(&m);
    edd_dataset_free(&ds);
    edd_ctx_close(ctx);
    return rc;
}
