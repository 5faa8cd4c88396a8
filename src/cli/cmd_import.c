/* cmd_import.c - `edd import`: a model from the .npy tensors `edd export`
 * writes, or a PyTorch state_dict of python/edd_model.py's EddCNN saved
 * with numpy (the same names), each checked against the layer table. */
#include "cli.h"
#include "edd/io.h"
#include "edd/nn.h"

#include <stdio.h>
#include <string.h>

static const char *help =
    "usage: edd import --dir DIR --out M.edd [--k 10|11] [--dropout 0.2,0.5] [--data mnist|fashion]\n\n"
    "Reads DIR/conv1.weight.npy ... DIR/fc.bias.npy (float32, PyTorch layout and\n"
    "names: what edd export writes, or the state_dict of python/edd_model.py's\n"
    "EddCNN saved with numpy: edd_model.save_for_import), checks each shape\n"
    "against the CNN's layer table, and writes a model file whose provenance says\n"
    "\"import\". export then import gives the same weights, bit for bit.\n\n"
    "  --dir DIR              folder of the eight .npy tensors\n"
    "  --out PATH             model file to write (atomically)\n"
    "  --k 10|11              outputs (default: fc.bias's length); 11 has the\n"
    "                         outlier class at index 10\n"
    "  --dropout PIN,PHID     the dropout rates it was trained with, each in [0, 1)\n"
    "                         (default 0.2,0.5); MC dropout (edd uncertainty) uses them\n"
    "  --data mnist|fashion   the data set it was trained on, recorded in its\n"
    "                         provenance with the SHA-256 of that set's training\n"
    "                         images (default: unknown, and never refused)\n"
    "  --data-dir DIR         where that data set is (default: as edd train)\n"
    "  --help                 this text\n";

typedef struct {
    const char *dir, *out;
    long k;
    float p_input, p_hidden;
} import_args;

enum { O_DIR = 1, O_OUT, O_K, O_DROPOUT };

static int on_opt(void *user, int c, const char *arg)
{
    import_args *a = user;
    const char *cmd = "import";
    char in[64], hid[64];
    switch (c) {
    case O_DIR: a->dir = arg; break;
    case O_OUT: a->out = arg; break;
    case O_K: if (cli_long(cmd, "k", arg, 10, 11, &a->k)) return EXIT_USAGE; break;
    case O_DROPOUT:
        if (sscanf(arg, "%63[^,],%63s", in, hid) != 2)
            return cli_usage(cmd, "--dropout '%s': expected two rates PIN,PHID, e.g. 0.2,0.5", arg);
        if (cli_float(cmd, "dropout", in, 0, 0.999, &a->p_input) || cli_float(cmd, "dropout", hid, 0, 0.999,
                                                                              &a->p_hidden))
            return EXIT_USAGE;
        break;
    }
    return 0;
}

/* The K of the tensors in dir: fc.bias's length, or a->k when given. */
static int read_k(const char *cmd, edd_ctx *ctx, const import_args *a, int *k)
{
    char path[4200];
    edd_npy b = {0};
    snprintf(path, sizeof path, "%s/fc.bias.npy", a->dir);
    if (edd_npy_read(ctx, path, &b))
        return cli_fail(cmd, ctx);
    int rc = 0;
    if (b.rank != 1 || b.shape[0] < 10 || b.shape[0] > 11)
        rc = cli_usage(cmd, "%s: shape of rank %d, first dimension %zu, expected (10,) or (11,): K outputs", path,
                       b.rank, b.shape[0]);
    else if (a->k && (long)b.shape[0] != a->k)
        rc = cli_usage(cmd, "%s: %zu outputs, expected --k %ld", path, b.shape[0], a->k);
    *k = (int)b.shape[0];
    edd_npy_free(&b);
    return rc;
}

/* A shape as Python prints it, "(64, 1, 8, 8)" or "(10,)", into buf. */
static const char *shape_str(int rank, const size_t *ne, char *buf, size_t n)
{
    int w = snprintf(buf, n, "(");
    for (int i = 0; i < rank; i++)
        w += snprintf(buf + w, n - (size_t)w, "%s%zu", i ? ", " : "", ne[i]);
    snprintf(buf + w, n - (size_t)w, rank == 1 ? ",)" : ")");
    return buf;
}

/* Tensor t of m from dir/NAME.npy: float32 of exactly t's shape, finite. */
static int read_tensor(const char *cmd, edd_ctx *ctx, const char *dir, edd_tensor *t)
{
    char path[4200], want[96], got[96];
    edd_npy a = {0};
    snprintf(path, sizeof path, "%s/%s.npy", dir, t->name);
    if (edd_npy_read(ctx, path, &a))
        return cli_fail(cmd, ctx);
    size_t ne[4];
    int same = a.rank == t->rank;
    for (int i = 0; i < t->rank; i++) {
        ne[i] = (size_t)t->ne[i];
        same &= a.shape[i] == ne[i];
    }
    int rc = 0;
    if (a.dtype != EDD_NPY_F32)
        rc = cli_usage(cmd, "%s: dtype is not float32, expected float32 (tensor.float() or astype(np.float32))", path);
    else if (!same)
        rc = cli_usage(cmd, "%s: shape %s, expected %s (PyTorch layout: conv OIHW, fc [out][in])", path,
                       shape_str(a.rank, a.shape, got, sizeof got), shape_str(t->rank, ne, want, sizeof want));
    else if (edd_check_finite(ctx, EDD_ERR_FORMAT, path, a.data, a.count)) {
        fprintf(stderr, "edd %s: %s\n", cmd, edd_ctx_error(ctx));
        rc = EXIT_USAGE;
    } else
        memcpy(t->data, a.data, t->n * sizeof(float));
    edd_npy_free(&a);
    return rc;
}

int cmd_import(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"dir", required_argument, 0, O_DIR}, {"out", required_argument, 0, O_OUT}, {"k", required_argument, 0, O_K},
        {"dropout", required_argument, 0, O_DROPOUT}, CLI_DATA_LONGOPTS, {0, 0, 0, 0}};
    const char *cmd = "import";
    cli_data_opts d = {0};
    import_args a = {.p_input = 0.2f, .p_hidden = 0.5f};
    int rc = cli_parse(cmd, argc, argv, longopts, help, &d, on_opt, &a);
    if (rc >= 0)
        return rc;
    if (!a.dir || !a.out)
        return cli_usage(cmd, "--dir and --out are required");
    const cli_path outs[] = {{"out", a.out}};
    if ((rc = cli_check_outputs(cmd, NULL, NULL, 0, outs, 1)))
        return rc;
    edd_ctx *ctx = NULL;
    edd_cnn m = {0};
    int k = 0;
    rc = cli_open(cmd, &d, &ctx, 0, 0, NULL);
    if (!rc)
        rc = read_k(cmd, ctx, &a, &k);
    if (!rc && edd_cnn_init(ctx, &m, k, a.p_input, a.p_hidden, 1))
        rc = cli_fail(cmd, ctx);
    for (int i = 0; !rc && i < EDD_NTENSORS; i++)
        rc = read_tensor(cmd, ctx, a.dir, &m.t[i]);
    char settings[512];
    snprintf(settings, sizeof settings, "from=%.400s p_input=%g p_hidden=%g", a.dir, a.p_input, a.p_hidden);
    for (char *c = settings; *c; c++) /* a path in the settings stays printable ASCII */
        *c = *c < 0x20 || *c > 0x7e ? '?' : *c;
    if (!rc)
        rc = cli_prov_make(cmd, ctx, d.data ? &d : NULL, "import", settings, &m.prov);
    if (!rc && edd_cnn_save(ctx, &m, a.out))
        rc = cli_fail(cmd, ctx);
    if (!rc) {
        char jo[CLI_JSON_MAX], jd[CLI_JSON_MAX];
        printf("{\"model\":%s,\"dir\":%s,\"k\":%d,\"parameters\":%zu,\"data\":\"%s\"}\n",
               cli_json(jo, sizeof jo, a.out), cli_json(jd, sizeof jd, a.dir), k, m.nparams,
               d.data ? d.data : "unknown");
    }
    edd_cnn_free(&m);
    edd_ctx_close(ctx);
    return rc;
}
