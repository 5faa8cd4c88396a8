/* cmd_train.c - `edd train`: train the CNN on one-hot labels, at a
 * temperature T (softmax(z/T)) for temperature distillation's teacher, or
 * adversarially (--adv fgm-rs|pgd, edd/advtrain.h, with its eps warm-up
 * --eps-ramp); then the trained model's test accuracy, and a warning when
 * it is at chance (edd_adv_usable). */
#include "cli.h"
#include "edd/train.h"

#include <stdio.h>
#include <string.h>

static const char *help =
    "usage: edd train --data mnist|fashion --out M.edd [options]\n\n"
    "Train the paper's CNN (docs/DESIGN.md section 2) on the training set. The JSON\n"
    "line ends with the model's accuracy on the whole test split (test_accuracy) and\n"
    "\"usable\":false, with a warning on stderr, when that is at most 1.5 x chance\n"
    "(15% over 10 classes): the model learned nothing.\n\n"
    "  --out PATH             model file to write (atomically)\n"
    "  --epochs N             epochs (default 10)\n"
    "  --batch N              batch size (default 128)\n"
    "  --lr X                 learning rate (default: Adam 1e-3, AdaDelta 0.1)\n"
    "  --optimizer adam|adadelta  (default adam)\n"
    "  --seed N               initialisation, shuffling and dropout (default 1)\n"
    "  --train-limit N        use the first N training images (default all)\n"
    "  --no-dropout           train without dropout\n"
    "  --temperature T        train on softmax(z/T), T in [0.001, 1e6] (default 1): the teacher of\n"
    "                         temperature distillation (edd distill), e.g. T = 100\n"
    "  --quiet                no progress on stderr\n" CLI_ADV_HELP
    "  --eps-ramp EPOCHS      fgm-rs, pgd: the eps warm-up: eps grows linearly from 0\n"
    "                         to its value over the first EPOCHS epochs (per batch;\n"
    "                         the step with it); 0: none (default 1, docs/DEFENSE.md)\n" CLI_DATA_HELP;

typedef struct {
    const char *out;
    edd_train_opts o;
    float lr;
    long limit;
    cli_adv adv;
    int ramp_given;
} train_args;

enum { O_OUT = 1, O_EPOCHS, O_BATCH, O_LR, O_OPT, O_SEED, O_LIMIT, O_NODROP, O_TEMP, O_QUIET, O_RAMP };

static int on_opt(void *user, int c, const char *arg)
{
    train_args *a = user;
    const char *cmd = "train";
    long v;
    int r = cli_adv_opt(&a->adv, c, arg, cmd);
    if (r)
        return r < 0 ? EXIT_USAGE : 0;
    switch (c) {
    case O_OUT: a->out = arg; break;
    case O_EPOCHS: if (cli_long(cmd, "epochs", arg, 0, 10000, &v)) return EXIT_USAGE; a->o.epochs = (int)v; break;
    case O_BATCH: if (cli_long(cmd, "batch", arg, 1, 65536, &v)) return EXIT_USAGE; a->o.batch = (int)v; break;
    case O_LR: if (cli_float(cmd, "lr", arg, CLI_LR_MIN, CLI_LR_MAX, &a->lr)) return EXIT_USAGE; break;
    case O_OPT:
        if (!strcmp(arg, "adam")) edd_optim_default(&a->o.opt, EDD_OPT_ADAM);
        else if (!strcmp(arg, "adadelta")) edd_optim_default(&a->o.opt, EDD_OPT_ADADELTA);
        else return cli_usage(cmd, "--optimizer '%s': expected adam or adadelta", arg);
        break;
    case O_SEED: if (cli_u64(cmd, "seed", arg, &a->o.seed)) return EXIT_USAGE; break;
    case O_LIMIT: if (cli_long(cmd, "train-limit", arg, 1, 1L << 30, &a->limit)) return EXIT_USAGE; break;
    case O_NODROP: a->o.dropout = 0; break;
    case O_TEMP: if (cli_temperature(cmd, arg, &a->o.loss.temperature)) return EXIT_USAGE; break;
    case O_QUIET: a->o.quiet = 1; break;
    case O_RAMP:
        if (cli_float(cmd, "eps-ramp", arg, 0, 10000, &a->adv.o.eps_ramp)) return EXIT_USAGE;
        a->ramp_given = 1;
        break;
    }
    return 0;
}

/* The whole test split of d into te, for the check after training. */
static int open_test(const char *cmd, const cli_data_opts *d, edd_ctx *ctx, edd_dataset *te)
{
    char buf[4096];
    const char *dir = d->data_dir ? d->data_dir : edd_data_default_dir(d->data, buf, sizeof buf);
    return edd_dataset_load(ctx, dir, 0, 0, te) ? cli_fail(cmd, ctx) : 0;
}

/* Judge m on te (edd_adv_usable over 10 real classes), warn on stderr when
 * it is at chance, and write the JSON fields to json: the eps ramp (with
 * adversarial training), the test accuracy and the verdict. */
static int judge(const char *cmd, edd_ctx *ctx, const edd_cnn *m, const edd_dataset *te, const cli_adv *adv,
                 char *json, size_t n)
{
    edd_eval_result ev;
    if (edd_evaluate(ctx, m, te, 256, NULL, &ev))
        return cli_fail(cmd, ctx);
    const int ok = edd_adv_usable(ev.accuracy, 10);
    if (!ok)
        fprintf(stderr, "edd %s: warning: test accuracy %.2f%% is at chance (at most %.0f%%, %g x 1/10), expected "
                "well above it: the model learned nothing (with --adv: try a longer --eps-ramp, more --epochs or more "
                "images)\n", cmd, 100.0 * ev.accuracy, 100.0 * EDD_USABLE_FACTOR / 10, EDD_USABLE_FACTOR);
    char ramp[64] = "";
    if (adv->o.kind != EDD_ADV_NONE)
        snprintf(ramp, sizeof ramp, ",\"eps_ramp\":%g", adv->o.eps_ramp);
    snprintf(json, n, "%s,\"test_accuracy\":%.6f,\"usable\":%s", ramp, ev.accuracy, ok ? "true" : "false");
    return 0;
}

/* m's provenance: trained (with --adv: adversarially) on d, and how. */
static int provenance(const char *cmd, edd_ctx *ctx, const cli_data_opts *d, const edd_train_opts *o,
                      const cli_adv *adv, size_t n, edd_cnn *m)
{
    char s[512];
    snprintf(s, sizeof s, "epochs=%d batch=%d optimizer=%s lr=%g seed=%llu examples=%zu dropout=%d temperature=%g",
             o->epochs, o->batch, o->opt.kind == EDD_OPT_ADAM ? "adam" : "adadelta", o->opt.lr,
             (unsigned long long)o->seed, n, o->dropout, o->loss.temperature > 0 ? o->loss.temperature : 1.0f);
    if (adv->o.kind != EDD_ADV_NONE)
        snprintf(s + strlen(s), sizeof s - strlen(s), " adv=%s eps=%g", adv->o.kind == EDD_ADV_PGD ? "pgd" : "fgm-rs",
                 adv->o.eps);
    return cli_prov_make(cmd, ctx, d, adv->o.kind != EDD_ADV_NONE ? "adversarial" : "train", s, &m->prov);
}

int cmd_train(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"out", required_argument, 0, O_OUT}, {"epochs", required_argument, 0, O_EPOCHS},
        {"batch", required_argument, 0, O_BATCH}, {"lr", required_argument, 0, O_LR},
        {"optimizer", required_argument, 0, O_OPT}, {"seed", required_argument, 0, O_SEED},
        {"train-limit", required_argument, 0, O_LIMIT}, {"no-dropout", no_argument, 0, O_NODROP},
        {"temperature", required_argument, 0, O_TEMP}, {"quiet", no_argument, 0, O_QUIET},
        {"eps-ramp", required_argument, 0, O_RAMP}, CLI_ADV_LONGOPTS, CLI_DATA_LONGOPTS, {0, 0, 0, 0}};
    const char *cmd = "train";
    cli_data_opts d = {.data = "mnist"};
    train_args a = {0};
    edd_train_opts_default(&a.o);
    edd_adv_opts_default(&a.adv.o);
    int rc = cli_parse(cmd, argc, argv, longopts, help, &d, on_opt, &a);
    if (rc >= 0)
        return rc;
    if (!a.out)
        return cli_usage(cmd, "--out is required");
    if ((rc = cli_adv_finish(cmd, &a.adv, a.o.seed)))
        return rc;
    if (a.ramp_given && a.adv.o.kind == EDD_ADV_NONE)
        return cli_usage(cmd, "--eps-ramp does not apply to --adv none (it is an option of --adv fgm-rs and pgd)");
    const cli_path outs[] = {{"out", a.out}};
    if ((rc = cli_check_outputs(cmd, &d, NULL, 0, outs, 1)))
        return rc;
    edd_train_opts o = a.o;
    const char *out = a.out;
    if (a.lr > 0)
        o.opt.lr = a.lr;
    edd_ctx *ctx = NULL;
    edd_dataset ds = {0}, te = {0};
    edd_cnn m = {0};
    rc = cli_open(cmd, &d, &ctx, 1, (size_t)a.limit, &ds);
    if (!rc)
        rc = open_test(cmd, &d, ctx, &te);
    /* a model trained without dropout records rates 0, so that MC dropout on it is refused */
    if (!rc && edd_cnn_init(ctx, &m, 10, o.dropout ? 0.2f : 0.0f, o.dropout ? 0.5f : 0.0f, o.seed))
        rc = cli_fail(cmd, ctx);
    if (!rc && edd_adv_attach(ctx, &a.adv.o, &o, ds.n))
        rc = cli_fail(cmd, ctx);
    edd_train_stats s;
    if (!rc && edd_train(ctx, &m, &ds, &o, &s))
        rc = cli_fail(cmd, ctx);
    if (!rc)
        rc = cli_finite(cmd, "the training loss", s.loss);
    if (!rc)
        rc = provenance(cmd, ctx, &d, &o, &a.adv, ds.n, &m);
    if (!rc && edd_cnn_save(ctx, &m, out))
        rc = cli_fail(cmd, ctx);
    char adv[256], judged[128], jo[CLI_JSON_MAX];
    cli_adv_json(&a.adv, adv, sizeof adv);
    if (!rc)
        rc = judge(cmd, ctx, &m, &te, &a.adv, judged, sizeof judged);
    if (!rc)
        printf("{\"model\":%s,\"data\":\"%s\",\"examples\":%zu,\"epochs\":%d,\"seed\":%llu,\"loss\":%.6f,"
               "\"seconds\":%.2f,\"images_per_s\":%.1f%s%s}\n",
               cli_json(jo, sizeof jo, out), d.data, ds.n, o.epochs, (unsigned long long)o.seed, s.loss, s.seconds, s.images_per_s, adv, judged);
    edd_cnn_free(&m);
    edd_dataset_free(&ds);
    edd_dataset_free(&te);
    edd_ctx_close(ctx);
    return rc;
}
