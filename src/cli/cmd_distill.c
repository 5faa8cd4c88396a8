/* cmd_distill.c - `edd distill`: the paper's defense end to end (Section 3):
 * teacher uncertainty (Eq. 1), soft labels (Eq. 2), distilled training with
 * the margin penalty (Eq. 3); or, with --method temperature, defensive
 * distillation as first published (labels softmax(z/T), trained at T);
 * either adversarially (--adv fgm-rs|pgd, edd/advtrain.h): the distilled
 * model trained on adversarial examples of itself, each labelled as its
 * clean image (with the eps warm-up --eps-ramp). Then the distilled
 * model's test accuracy, and a warning when it is at chance
 * (edd_adv_usable). */
#include "cli.h"
#include "edd/defense.h"
#include "edd/io.h"
#include "edd/progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *help =
    "usage: edd distill --teacher T.edd --data mnist|fashion --out D.edd [options]\n\n"
    "Method extended (the default; the paper's defense, Section 3) trains the\n"
    "distilled model (K = n+1 outputs, the outlier class last) on labels\n"
    "k_l = 1 - alpha*s, k_n = alpha*s, s = sigma/max(sigma) (Eq. 2), with the loss\n"
    "softmax cross-entropy + gamma*max(max_{j!=l,n} z_j - z_l, -kappa) (Eq. 3).\n"
    "Method temperature (defensive distillation as first published, Papernot et al.\n"
    "2016) labels the training set with softmax(z/T) of the teacher (dropout off;\n"
    "train the teacher at T with edd train), trains the distilled model (K = n) on\n"
    "them with the loss softmax cross-entropy of softmax(z/T), and saves it for use\n"
    "at T = 1 (its plain logits). The options marked with one method are refused\n"
    "with the other. The JSON line ends with the distilled model's accuracy on the\n"
    "whole test split (test_accuracy) and \"usable\":false, with a warning on stderr,\n"
    "when that is at most 1.5 x chance (15% over 10 classes): it learned nothing.\n\n"
    "  --teacher PATH         the teacher (extended: trained with dropout)\n"
    "  --out PATH             distilled model file\n"
    "  --method extended|temperature  the defense (default extended)\n"
    "  --passes N             extended: MC-dropout passes (default 20)\n"
    "  --alpha X              extended: weight of the uncertainty (default 0.9)\n"
    "  --gamma X              extended: penalty weight (default 5e-4)\n"
    "  --kappa X              extended: Eq. 3's penalty constant (default 40), of the\n"
    "                         hinge and literal penalties\n"
    "  --penalty hinge|literal|none  extended: Eq. 3's reading (default hinge; see docs)\n"
    "  --sigma-out PATH       extended: write sigma (.npy)\n"
    "  --temperature T        temperature: T in [0.001, 1e6] (default 100, the 2016\n"
    "                         paper's MNIST)\n"
    "  --hard-labels          temperature: the teacher's argmax as one-hot labels\n"
    "  --epochs N             (default 10)\n"
    "  --batch N              (default 128)\n"
    "  --seed N               initialisation, shuffling, dropout (default 1)\n"
    "  --labels-out PATH      write the labels, examples x K (.npy)\n"
    "  --train-limit N        first N training images (default all)\n"
    "  --quiet                no progress on stderr\n" CLI_ADV_HELP
    "  --eps-ramp EPOCHS      fgm-rs, pgd: the eps warm-up: eps grows linearly from 0\n"
    "                         to its value over the first EPOCHS epochs (per batch;\n"
    "                         the step with it); 0: none (default 1, docs/DEFENSE.md)\n" CLI_ALLOW_HELP CLI_DATA_HELP;

typedef struct {
    const char *teacher, *out, *sout, *lout;
    edd_distill_opts o;
    long limit;
    unsigned given; /* bit c: option c was given (the adversarial options: in adv) */
    cli_adv adv;
} distill_args;

enum { O_TEACHER = 1, O_OUT, O_PASSES, O_ALPHA, O_GAMMA, O_KAPPA, O_PENALTY, O_EPOCHS, O_BATCH, O_SEED,
       O_SIGMA, O_LABELS, O_LIMIT, O_QUIET, O_METHOD, O_TEMP, O_HARD, O_RAMP };

static const char *const method_name[] = {[EDD_DISTILL_EXTENDED] = "extended",
                                          [EDD_DISTILL_TEMPERATURE] = "temperature"};

/* The options of one method only, refused with the other. */
static const struct {
    int opt;
    const char *name;
    edd_distill_method method;
} method_only[] = {
    {O_PASSES, "passes", EDD_DISTILL_EXTENDED},   {O_ALPHA, "alpha", EDD_DISTILL_EXTENDED},
    {O_GAMMA, "gamma", EDD_DISTILL_EXTENDED},     {O_KAPPA, "kappa", EDD_DISTILL_EXTENDED},
    {O_PENALTY, "penalty", EDD_DISTILL_EXTENDED}, {O_SIGMA, "sigma-out", EDD_DISTILL_EXTENDED},
    {O_TEMP, "temperature", EDD_DISTILL_TEMPERATURE}, {O_HARD, "hard-labels", EDD_DISTILL_TEMPERATURE},
};

static int on_opt(void *user, int c, const char *arg)
{
    distill_args *a = user;
    edd_distill_opts *o = &a->o;
    const char *cmd = "distill";
    long v;
    int r = cli_adv_opt(&a->adv, c, arg, cmd);
    if (r)
        return r < 0 ? EXIT_USAGE : 0;
    a->given |= 1u << c;
    switch (c) {
    case O_TEACHER: a->teacher = arg; break;
    case O_METHOD:
        if (!strcmp(arg, "extended")) o->method = EDD_DISTILL_EXTENDED;
        else if (!strcmp(arg, "temperature")) o->method = EDD_DISTILL_TEMPERATURE;
        else return cli_usage(cmd, "--method '%s': expected extended or temperature", arg);
        break;
    case O_TEMP: if (cli_temperature(cmd, arg, &o->temperature)) return EXIT_USAGE; break;
    case O_HARD: o->hard_labels = 1; break;
    case O_OUT: a->out = arg; break;
    case O_SIGMA: a->sout = arg; break;
    case O_LABELS: a->lout = arg; break;
    case O_PASSES: if (cli_long(cmd, "passes", arg, 1, 10000, &v)) return EXIT_USAGE; o->mc.passes = (int)v; break;
    case O_ALPHA: if (cli_float(cmd, "alpha", arg, 0, 100, &o->alpha)) return EXIT_USAGE; break;
    case O_GAMMA: if (cli_float(cmd, "gamma", arg, 0, 1e6, &o->train.loss.gamma)) return EXIT_USAGE; break;
    case O_KAPPA: if (cli_float(cmd, "kappa", arg, 0, 1e6, &o->train.loss.kappa)) return EXIT_USAGE; break;
    case O_PENALTY:
        if (!strcmp(arg, "hinge")) o->train.loss.penalty = EDD_PENALTY_HINGE;
        else if (!strcmp(arg, "literal")) o->train.loss.penalty = EDD_PENALTY_LITERAL;
        else if (!strcmp(arg, "none")) o->train.loss.penalty = EDD_PENALTY_NONE;
        else return cli_usage(cmd, "--penalty '%s': expected hinge, literal or none", arg);
        break;
    case O_EPOCHS: if (cli_long(cmd, "epochs", arg, 0, 10000, &v)) return EXIT_USAGE; o->train.epochs = (int)v; break;
    case O_BATCH: if (cli_long(cmd, "batch", arg, 1, 65536, &v)) return EXIT_USAGE; o->train.batch = (int)v; break;
    case O_SEED: if (cli_u64(cmd, "seed", arg, &o->train.seed)) return EXIT_USAGE; o->mc.seed = o->train.seed; break;
    case O_LIMIT: if (cli_long(cmd, "train-limit", arg, 1, 1L << 30, &a->limit)) return EXIT_USAGE; break;
    case O_QUIET: o->train.quiet = o->mc.quiet = 1; break;
    case O_RAMP: if (cli_float(cmd, "eps-ramp", arg, 0, 10000, &a->adv.o.eps_ramp)) return EXIT_USAGE; break;
    }
    return 0;
}

/* The checks after parsing: no option of the other method, the required
 * paths, the adversarial options (--eps-ramp, too, needs --adv). */
static int check_args(const char *cmd, distill_args *a)
{
    const edd_distill_method meth = a->o.method;
    for (size_t i = 0; i < sizeof method_only / sizeof method_only[0]; i++)
        if (a->given & (1u << method_only[i].opt) && method_only[i].method != meth)
            return cli_usage(cmd, "--%s does not apply to --method %s (it is an option of --method %s)",
                             method_only[i].name, method_name[meth], method_name[method_only[i].method]);
    if (a->given & (1u << O_KAPPA) && a->o.train.loss.penalty == EDD_PENALTY_NONE)
        return cli_usage(cmd, "--kappa does not apply to --penalty none (it is Eq. 3's constant, an option of "
                              "--penalty hinge and literal)");
    if (!a->teacher || !a->out)
        return cli_usage(cmd, "--teacher and --out are required");
    int rc = cli_adv_finish(cmd, &a->adv, a->o.train.seed);
    if (!rc && a->given & (1u << O_RAMP) && a->adv.o.kind == EDD_ADV_NONE)
        rc = cli_usage(cmd, "--eps-ramp does not apply to --adv none (it is an option of --adv fgm-rs and pgd)");
    return rc;
}

/* The teacher t (from path) as the method needs it: 10 outputs, and
 * dropout for the extended method's MC passes. */
static int check_teacher(const char *cmd, edd_ctx *ctx, const edd_cnn *t, const char *path, int temp)
{
    if (!temp && t->p_input <= 0 && t->p_hidden <= 0)
        edd_fail(ctx, EDD_ERR_ARG, "%s: the teacher has no dropout (rates 0 and 0), expected a model trained with "
                 "dropout: MC dropout (Eq. 1) needs it", path);
    else if (t->k != 10)
        edd_fail(ctx, EDD_ERR_ARG, "%s: the teacher has K=%d outputs, expected 10 (the real classes)", path, t->k);
    else
        return 0;
    return cli_fail(cmd, ctx);
}

/* The whole test split of d into te, for the check after training. */
static int open_test(const char *cmd, const cli_data_opts *d, edd_ctx *ctx, edd_dataset *te)
{
    char buf[4096];
    const char *dir = d->data_dir ? d->data_dir : edd_data_default_dir(d->data, buf, sizeof buf);
    return edd_dataset_load(ctx, dir, 0, 0, te) ? cli_fail(cmd, ctx) : 0;
}

/* Judge m on te (edd_adv_usable over 10 real classes: a K = 11 model's
 * outlier answers count as wrong), warn on stderr when it is at chance,
 * and write the JSON fields to json: the adversarial training with its eps
 * ramp, the test accuracy and the verdict. */
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
    char a[256], ramp[64] = "";
    cli_adv_json(adv, a, sizeof a);
    if (adv->o.kind != EDD_ADV_NONE)
        snprintf(ramp, sizeof ramp, ",\"eps_ramp\":%g", adv->o.eps_ramp);
    snprintf(json, n, "%s%s,\"test_accuracy\":%.6f,\"usable\":%s", a, ramp, ev.accuracy, ok ? "true" : "false");
    return 0;
}

/* The JSON line of a distillation that took `seconds`; tail: judge's. */
static void print_json(const distill_args *a, const edd_distill_opts *o, size_t n, double loss, double seconds,
                       const char *tail)
{
    char jo[CLI_JSON_MAX], jt[CLI_JSON_MAX];
    cli_json(jo, sizeof jo, a->out);
    cli_json(jt, sizeof jt, a->teacher);
    if (o->method == EDD_DISTILL_TEMPERATURE)
        printf("{\"model\":%s,\"teacher\":%s,\"method\":\"temperature\",\"examples\":%zu,"
               "\"temperature\":%g,\"hard_labels\":%s,\"epochs\":%d,\"seed\":%llu,\"loss\":%.6f,\"seconds\":%.2f%s}\n",
               jo, jt, n, o->temperature, o->hard_labels ? "true" : "false", o->train.epochs,
               (unsigned long long)o->train.seed, loss, seconds, tail);
    else
        printf("{\"model\":%s,\"teacher\":%s,\"examples\":%zu,\"passes\":%d,\"alpha\":%g,\"gamma\":%g,"
               "\"kappa\":%g,\"epochs\":%d,\"seed\":%llu,\"loss\":%.6f,\"seconds\":%.2f%s}\n",
               jo, jt, n, o->mc.passes, o->alpha, o->train.loss.gamma, o->train.loss.kappa,
               o->train.epochs, (unsigned long long)o->train.seed, loss, seconds, tail);
}

/* m's provenance: distilled (extended, or by temperature) from teacher
 * on d, and how. */
static int provenance(const char *cmd, edd_ctx *ctx, const cli_data_opts *d, const distill_args *a,
                      const edd_distill_opts *o, size_t n, edd_cnn *m)
{
    char s[512];
    if (o->method == EDD_DISTILL_TEMPERATURE)
        snprintf(s, sizeof s, "teacher=%.200s temperature=%g hard_labels=%d", a->teacher, o->temperature,
                 o->hard_labels);
    else
        snprintf(s, sizeof s, "teacher=%.200s passes=%d alpha=%g gamma=%g kappa=%g", a->teacher, o->mc.passes,
                 o->alpha, o->train.loss.gamma, o->train.loss.kappa);
    snprintf(s + strlen(s), sizeof s - strlen(s), " epochs=%d seed=%llu examples=%zu%s", o->train.epochs,
             (unsigned long long)o->train.seed, n, a->adv.o.kind == EDD_ADV_NONE ? "" : a->adv.o.kind == EDD_ADV_PGD
             ? " adv=pgd" : " adv=fgm-rs");
    for (char *c = s; *c; c++) /* a path in the settings stays printable ASCII */
        *c = *c < 0x20 || *c > 0x7e ? '?' : *c;
    return cli_prov_make(cmd, ctx, d, o->method == EDD_DISTILL_TEMPERATURE ? "temperature" : "distill", s, &m->prov);
}

int cmd_distill(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"teacher", required_argument, 0, O_TEACHER}, {"out", required_argument, 0, O_OUT},
        {"passes", required_argument, 0, O_PASSES}, {"alpha", required_argument, 0, O_ALPHA},
        {"gamma", required_argument, 0, O_GAMMA}, {"kappa", required_argument, 0, O_KAPPA},
        {"penalty", required_argument, 0, O_PENALTY}, {"epochs", required_argument, 0, O_EPOCHS},
        {"batch", required_argument, 0, O_BATCH}, {"seed", required_argument, 0, O_SEED},
        {"sigma-out", required_argument, 0, O_SIGMA}, {"labels-out", required_argument, 0, O_LABELS},
        {"train-limit", required_argument, 0, O_LIMIT}, {"quiet", no_argument, 0, O_QUIET},
        {"method", required_argument, 0, O_METHOD}, {"temperature", required_argument, 0, O_TEMP},
        {"hard-labels", no_argument, 0, O_HARD}, {"eps-ramp", required_argument, 0, O_RAMP}, CLI_ADV_LONGOPTS,
        CLI_ALLOW_LONGOPTS, CLI_DATA_LONGOPTS, {0, 0, 0, 0}};
    const char *cmd = "distill";
    cli_data_opts d = {.data = "mnist"};
    distill_args a = {0};
    edd_distill_opts_default(&a.o);
    edd_adv_opts_default(&a.adv.o);
    int rc = cli_parse(cmd, argc, argv, longopts, help, &d, on_opt, &a);
    if (rc >= 0)
        return rc;
    if ((rc = check_args(cmd, &a)))
        return rc;
    const char *teacher = a.teacher, *out = a.out, *sout = a.sout, *lout = a.lout;
    edd_distill_opts o = a.o;
    int temp = o.method == EDD_DISTILL_TEMPERATURE;
    const cli_path ins[] = {{"teacher", teacher}};
    const cli_path outs[] = {{"out", out}, {"sigma-out", sout}, {"labels-out", lout}};
    if ((rc = cli_check_outputs(cmd, &d, ins, 1, outs, 3)))
        return rc;
    edd_ctx *ctx = NULL;
    edd_dataset ds = {0}, te = {0};
    edd_cnn t = {0}, m = {0};
    edd_train_stats s;
    float *sigma = NULL, *labels = NULL;
    rc = cli_open(cmd, &d, &ctx, 1, (size_t)a.limit, &ds);
    if (!rc)
        rc = open_test(cmd, &d, ctx, &te);
    if (!rc && edd_cnn_load(ctx, &t, teacher))
        rc = cli_fail(cmd, ctx);
    if (!rc)
        rc = cli_prov_check(cmd, ctx, &d, teacher, &t);
    if (!rc)
        rc = check_teacher(cmd, ctx, &t, teacher, temp);
    size_t K = (size_t)t.k + !temp;
    if (!rc && ((!temp && !(sigma = malloc(ds.n * sizeof(float)))) || !(labels = malloc(ds.n * K * sizeof(float))))) {
        edd_fail(ctx, EDD_ERR_NOMEM, "out of memory for %zu labels", ds.n);
        rc = cli_fail(cmd, ctx);
    }
    if (!rc && edd_adv_attach(ctx, &a.adv.o, &o.train, ds.n))
        rc = cli_fail(cmd, ctx);
    double t0 = edd_now();
    if (!rc && edd_distill(ctx, &t, &ds, &o, &m, sigma, labels, &s))
        rc = cli_fail(cmd, ctx);
    if (!rc)
        rc = cli_finite(cmd, "the training loss", s.loss);
    size_t s1[1] = {ds.n}, s2[2] = {ds.n, K};
    if (!rc && sout && edd_npy_write(ctx, sout, EDD_NPY_F32, 1, s1, sigma))
        rc = cli_fail(cmd, ctx);
    if (!rc && lout && edd_npy_write(ctx, lout, EDD_NPY_F32, 2, s2, labels))
        rc = cli_fail(cmd, ctx);
    if (!rc)
        rc = provenance(cmd, ctx, &d, &a, &o, ds.n, &m);
    if (!rc && edd_cnn_save(ctx, &m, out)) /* the model last: a failed write above leaves no new model */
        rc = cli_fail(cmd, ctx);
    const double seconds = edd_now() - t0; /* training and the writes, as before the test-split check */
    char tail[512];
    if (!rc && !(rc = judge(cmd, ctx, &m, &te, &a.adv, tail, sizeof tail)))
        print_json(&a, &o, ds.n, s.loss, seconds, tail);
    free(sigma);
    free(labels);
    edd_cnn_free(&t);
    edd_cnn_free(&m);
    edd_dataset_free(&ds);
    edd_dataset_free(&te);
    edd_ctx_close(ctx);
    return rc;
}
