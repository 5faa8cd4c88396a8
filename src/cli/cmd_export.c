/* cmd_export.c - `edd export`: every parameter as .npy, PyTorch names and layout. */
#include "cli.h"
#include "edd/io.h"
#include "edd/nn.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const char *help =
    "usage: edd export --model M.edd --dir DIR\n\n"
    "Writes DIR/conv1.weight.npy ... DIR/fc.bias.npy (float32, PyTorch layout:\n"
    "conv weights OIHW, fc weight [out][in]), loadable with torch's load_state_dict\n"
    "into the CNN that python/edd_model.py defines (installed as\n"
    "PREFIX/share/edd/edd_model.py): edd_model.load_exported(DIR). edd import\n"
    "reads such a folder back.\n\n"
    "  --model PATH           model file\n"
    "  --dir DIR              output folder (created if missing)\n"
    "  --help                 this text\n";

typedef struct {
    const char *model, *dir;
} export_args;

enum { O_MODEL = 1, O_DIR };

static int on_opt(void *user, int c, const char *arg)
{
    export_args *a = user;
    if (c == O_MODEL)
        a->model = arg;
    else if (c == O_DIR)
        a->dir = arg;
    return 0;
}

/* None of the files export writes in dir (DIR/NAME.npy, PyTorch's names)
 * is the model: 0, or EXIT_USAGE after a message naming both. */
static int check_outputs(const char *cmd, const char *model, const char *dir)
{
    char path[2 * EDD_NLAYERS][4200], opt[2 * EDD_NLAYERS][64];
    cli_path outs[2 * EDD_NLAYERS];
    const cli_path ins[] = {{"model", model}};
    for (int i = 0; i < 2 * EDD_NLAYERS; i++) {
        const edd_layer_shape *L = &EDD_CNN[i / 2];
        snprintf(path[i], sizeof path[i], "%s/%s.npy", dir, i % 2 ? L->bias_name : L->weight_name);
        snprintf(opt[i], sizeof opt[i], "dir (its %s.npy)", i % 2 ? L->bias_name : L->weight_name);
        outs[i] = (cli_path){opt[i], path[i]};
    }
    struct stat st;
    if (stat(dir, &st)) /* a folder export creates holds no input */
        return 0;
    return cli_check_outputs(cmd, NULL, ins, 1, outs, 2 * EDD_NLAYERS);
}

int cmd_export(int argc, char **argv)
{
    static const struct option longopts[] = {{"model", required_argument, 0, O_MODEL}, {"dir", required_argument, 0, O_DIR},
                                             {"help", no_argument, 0, CLI_OPT_HELP}, {0, 0, 0, 0}};
    const char *cmd = "export";
    export_args a = {0};
    int rc = cli_parse(cmd, argc, argv, longopts, help, NULL, on_opt, &a);
    if (rc >= 0)
        return rc;
    const char *model = a.model, *dir = a.dir;
    if (!model || !dir)
        return cli_usage(cmd, "--model and --dir are required");
    if (!*dir)
        return cli_usage(cmd, "--dir '': expected a folder name");
    if ((rc = check_outputs(cmd, model, dir)))
        return rc;
    edd_ctx *ctx = NULL;
    edd_cnn m = {0};
    cli_data_opts d = {0};
    rc = cli_open(cmd, &d, &ctx, 0, 0, NULL);
    if (!rc && edd_cnn_load(ctx, &m, model))
        rc = cli_fail(cmd, ctx);
    if (!rc && mkdir(dir, 0777) && errno != EEXIST) {
        edd_fail(ctx, EDD_ERR_IO, "%s: cannot create the folder: %s", dir, strerror(errno));
        rc = cli_fail(cmd, ctx);
    }
    for (int i = 0; !rc && i < EDD_NTENSORS; i++) {
        const edd_tensor *t = &m.t[i];
        char path[4096];
        size_t shape[4];
        for (int j = 0; j < t->rank; j++)
            shape[j] = (size_t)t->ne[j];
        snprintf(path, sizeof path, "%s/%s.npy", dir, t->name);
        if (edd_npy_write(ctx, path, EDD_NPY_F32, t->rank, shape, t->data))
            rc = cli_fail(cmd, ctx);
    }
    if (!rc) {
        char jd[CLI_JSON_MAX];
        printf("{\"dir\":%s,\"tensors\":%d,\"parameters\":%zu}\n", cli_json(jd, sizeof jd, dir), EDD_NTENSORS,
               m.nparams);
    }
    edd_cnn_free(&m);
    edd_ctx_close(ctx);
    return rc;
}
