/* cmd_train.c - `edd train`: train the CNN on one-hot labels. */
#include "cli.h"
#include "edd/train.h"

#include <stdio.h>
#include <string.h>

static const char *help =
    "usage: edd train --data mnist|fashion --out M.edd [options]\n\n"
    "Train the paper's CNN (design.md section 2) on the training set.\n\n"
    "  --out PATH             model file to write (atomically)\n"
    "  --epochs N             epochs (default 10)\n"
    "  --batch N              batch size (default 128)\n"
    "  --lr X                 learning rate (default: Adam 1e-3, AdaDelta 0.1)\n"
    "  --optimizer adam|adadelta  (default adam)\n"
    "  --seed N               initialisation, shuffling and dropout (default 1)\n"
    "  --train-limit N        use the first N training images (default all)\n"
    "  --no-dropout           train without dropout\n"
    "  --quiet                no progress on stderr\n" CLI_DATA_HELP;

int cmd_train(int argc, char **argv)
{
    enum { O_OUT = 1, O_EPOCHS, O_BATCH, O_LR, O_OPT, O_SEED, O_LIMIT, O_NODROP, O_QUIET };
    static const struct option longopts[] = {
        {"out", required_argument, 0, O_OUT}, {"epochs", required_argument, 0, O_EPOCHS},
        {"batch", required_argument, 0, O_BATCH}, {"lr", required_argument, 0, O_LR},
        {"optimizer", required_argument, 0, O_OPT}, {"seed", required_argument, 0, O_SEED},
        {"train-limit", required_argument, 0, O_LIMIT}, {"no-dropout", no_argument, 0, O_NODROP},
        {"quiet", no_argument, 0, O_QUIET}, CLI_DATA_LONGOPTS, {0, 0, 0, 0}};
    const char *cmd = "train", *out = NULL;
    cli_data_opts d = {.data = "mnist"};
    edd_train_opts o = edd_train_defaults();
    float lr = 0.0f;
    long v, limit = 0;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        int r = cli_data_opt(&d, c, optarg, cmd);
        if (r < 0)
            return EXIT_USAGE;
        if (r)
            continue;
        switch (c) {
        case CLI_OPT_HELP: fputs(help, stdout); return 0;
        case O_OUT: out = optarg; break;
        case O_EPOCHS: if (cli_long(cmd, "epochs", optarg, 0, 10000, &v)) return EXIT_USAGE; o.epochs = (int)v; break;
        case O_BATCH: if (cli_long(cmd, "batch", optarg, 1, 65536, &v)) return EXIT_USAGE; o.batch = (int)v; break;
        case O_LR: if (cli_float(cmd, "lr", optarg, 1e-12, 1e3, &lr)) return EXIT_USAGE; break;
        case O_OPT:
            if (!strcmp(optarg, "adam")) o.opt = edd_optim_defaults(EDD_OPT_ADAM);
            else if (!strcmp(optarg, "adadelta")) o.opt = edd_optim_defaults(EDD_OPT_ADADELTA);
            else return cli_usage(cmd, "--optimizer '%s': expected adam or adadelta", optarg);
            break;
        case O_SEED: if (cli_u64(cmd, "seed", optarg, &o.seed)) return EXIT_USAGE; break;
        case O_LIMIT: if (cli_long(cmd, "train-limit", optarg, 1, 1L << 30, &limit)) return EXIT_USAGE; break;
        case O_NODROP: o.dropout = 0; break;
        case O_QUIET: o.quiet = 1; break;
        default: return cli_usage(cmd, "unknown option");
        }
    }
    if (optind < argc)
        return cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
    if (!out)
        return cli_usage(cmd, "--out is required");
    if (lr > 0)
        o.opt.lr = lr;
    edd_ctx ctx;
    edd_dataset ds = {0};
    edd_cnn m = {0};
    int rc = cli_open(cmd, &d, &ctx, 1, (size_t)limit, &ds);
    if (!rc && edd_cnn_init(&ctx, &m, 10, 0.2f, 0.5f, o.seed))
        rc = cli_fail(cmd, &ctx);
    edd_train_stats s;
    if (!rc && edd_train(&ctx, &m, &ds, &o, &s))
        rc = cli_fail(cmd, &ctx);
    if (!rc && edd_cnn_save(&ctx, &m, out))
        rc = cli_fail(cmd, &ctx);
    if (!rc)
        printf("{\"model\":\"%s\",\"data\":\"%s\",\"examples\":%zu,\"epochs\":%d,\"seed\":%llu,\"loss\":%.6f,"
               "\"seconds\":%.2f,\"images_per_s\":%.1f}\n",
               out, d.data, ds.n, o.epochs, (unsigned long long)o.seed, s.loss, s.seconds, s.images_per_s);
    edd_cnn_free(&m);
    edd_dataset_free(&ds);
    edd_ctx_free(&ctx);
    return rc;
}
