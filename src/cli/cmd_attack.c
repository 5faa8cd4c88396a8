/* cmd_attack.c - `edd attack`: FGM, PGD, JSMA or CW-L2 made on a source model
 * and scored on a target model (white box when they are the same), with
 * the paper's rates as one JSON line (docs/DESIGN.md section 8). */
#include "cli.h"
#include "edd/attacks.h"
#include "edd/cw.h"
#include "edd/eval.h"
#include "edd/io.h"
#include "edd/progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_attack(int argc, char **argv);

static const char *help =
    "usage: edd attack --attack fgm|pgd|jsma|cw --model TARGET.edd [--source SRC.edd] [options]\n\n"
    "Crafts adversarial examples of the first N test images on the source model\n"
    "(default: the target itself) and scores them on the target. Prints one JSON\n"
    "line: the target's clean accuracy and false positives, then on the adversarial\n"
    "images the recovered (true label predicted), detected (outlier class, K=11)\n"
    "and misclassified rates over ALL N images (clean mistakes included), the mean\n"
    "L2 perturbation of the misclassified ones, the attack's success on its source\n"
    "(FGM, PGD, untargeted CW: a real class other than the label; JSMA: the\n"
    "target; targeted CW: the target by its confidence margin; docs/ATTACKS.md)\n"
    "and the wall time.\n"
    "JSMA and targeted CW targets: a random real class other than the label, from --seed.\n\n"
    "  --attack fgm|pgd|jsma|cw  the attack (required)\n"
    "  --model PATH           target model (required)\n"
    "  --source PATH          model the attack sees (default: the target)\n"
    "  --test-limit N         attack the first N test images (default 1000)\n"
    "  --seed S               JSMA/CW target draw, PGD random starts (default 1)\n"
    "  --batch N              FGM, PGD: rows per oneDNN call (256); JSMA: images per\n"
    "                         batch (200); CW: images optimised together (cw default)\n"
    "  --adv-out PATH.npy     write the adversarial images, float32 (N,1,28,28)\n"
    "  --quiet                no progress on stderr (PGD, JSMA, CW)\n"
    "FGM (cleverhans v2 fgm) and PGD (Madry et al.), label = true label, clip [0,1]:\n"
    "  --eps E                perturbation size (default 0.3)\n"
    "  --ord inf|2            norm (default inf)\n"
    "  --loss all|real|margin the loss ascended: cross-entropy over all K outputs\n"
    "                         (the paper), over the 10 real classes, or the\n"
    "                         detector-aware margin (best other real class minus\n"
    "                         the larger of the label and the outlier); default all\n"
    "  --kappa X              cap of the margin loss (default 1e4: none)\n"
    "PGD only:\n"
    "  --steps N              steps per restart (default 100)\n"
    "  --step-size X          step length (default 0: 2.5 eps / steps)\n"
    "  --restarts N           restarts, the point of largest margin kept (default 1)\n"
    "  --rand-start 0|1       start each restart uniformly in the eps-ball (default 1)\n"
    "  --early-stop 0|1       1: an image leaves once it is misclassified, and sits\n"
    "                         out later restarts (AutoAttack's rule; the same images\n"
    "                         succeed, each at its first success); default 0\n"
    "JSMA (cleverhans v2 jsma, theta +1, clip 1):\n"
    "  --gamma G              largest fraction of pixels changed (default 0.1)\n"
    "  --jacobian probs|probs-full|logits\n"
    "                         probs: one gradient dp_t/dx per step (beta = -alpha,\n"
    "                         the default); probs-full: every dp_j/dx as cleverhans;\n"
    "                         logits: the logit Jacobian (cleverhans v3)\n"
    "CW-L2 (cleverhans v2 CarliniWagnerL2):\n"
    "  --cw-goal targeted|untargeted\n"
    "                         targeted (default): toward the random target;\n"
    "                         untargeted: to a real class other than the label,\n"
    "                         not flagged (the detector-aware hinge)\n"
    "  --confidence K         kappa (default 0)\n"
    "  --binary-search-steps N, --max-iterations N, --learning-rate LR,\n"
    "  --initial-const C, --abort-early 0|1, --cw-optimizer adadelta|adam,\n"
    "  --cw-rho R, --cw-eps E (AdaDelta)   defaults: see edd_cw_defaults()\n" CLI_DATA_HELP;

enum { A_FGM, A_JSMA, A_CW, A_PGD };
static const char *attack_names[] = {"fgm", "jsma", "cw", "pgd"};
static const char *jac_names[] = {"probs", "probs-full", "logits"};

/* Index of s in names (n of them), or -1. */
static int pick(const char *s, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(s, names[i]))
            return i;
    return -1;
}

typedef struct {
    int attack;
    const char *model, *source, *adv_out;
    long limit;
    uint64_t seed;
    long batch;
    edd_fgm_opts fgm;
    edd_pgd_opts pgd;
    edd_jsma_opts jsma;
    edd_cw_opts cw;
    int lr_set; /* --learning-rate given */
} attack_args;

enum { O_ATTACK = 1, O_MODEL, O_SOURCE, O_LIMIT, O_EPS, O_ORD, O_LOSS, O_GAMMA, O_JAC, O_CONF, O_BSS, O_MAXIT,
       O_LR, O_C0, O_ABORT, O_CWOPT, O_RHO, O_CWEPS, O_OUT, O_SEED, O_BATCH, O_QUIET, O_KAPPA, O_STEPS, O_STEP,
       O_RESTARTS, O_RAND, O_EARLY, O_GOAL };

static const char *ords[] = {"inf", "2"}, *losses[] = {"all", "real", "margin"}, *opts[] = {"adadelta", "adam"};
static const char *goals[] = {"targeted", "untargeted"};

static int on_opt(void *user, int c, const char *arg)
{
    attack_args *a = user;
    const char *cmd = "attack";
    long v;
    int i;
    switch (c) {
    case O_ATTACK:
        if ((a->attack = pick(arg, attack_names, 4)) < 0)
            return cli_usage(cmd, "--attack '%s': expected fgm, pgd, jsma or cw", arg);
        break;
    case O_MODEL: a->model = arg; break;
    case O_SOURCE: a->source = arg; break;
    case O_OUT: a->adv_out = arg; break;
    case O_LIMIT: if (cli_long(cmd, "test-limit", arg, 1, 1L << 30, &a->limit)) return EXIT_USAGE; break;
    case O_SEED: if (cli_u64(cmd, "seed", arg, &a->seed)) return EXIT_USAGE; break;
    case O_BATCH: if (cli_long(cmd, "batch", arg, 1, 65536, &a->batch)) return EXIT_USAGE; break;
    case O_EPS:
        if (cli_float(cmd, "eps", arg, 0, 1e6, &a->fgm.eps)) return EXIT_USAGE;
        a->pgd.eps = a->fgm.eps;
        break;
    case O_ORD:
        if ((i = pick(arg, ords, 2)) < 0)
            return cli_usage(cmd, "--ord '%s': expected inf or 2", arg);
        a->fgm.ord = a->pgd.ord = i ? 2 : 0;
        break;
    case O_LOSS:
        if ((i = pick(arg, losses, 3)) < 0)
            return cli_usage(cmd, "--loss '%s': expected all, real or margin", arg);
        a->fgm.loss = a->pgd.loss = (edd_attack_loss)i;
        break;
    case O_KAPPA:
        if (cli_float_pos(cmd, "kappa", arg, 1e10, &a->fgm.kappa)) return EXIT_USAGE;
        a->pgd.kappa = a->fgm.kappa;
        break;
    case O_STEPS:
        if (cli_long(cmd, "steps", arg, 1, 1000000, &v)) return EXIT_USAGE;
        a->pgd.steps = (int)v;
        break;
    case O_STEP: if (cli_float(cmd, "step-size", arg, 0, 1e6, &a->pgd.step_size)) return EXIT_USAGE; break;
    case O_RESTARTS:
        if (cli_long(cmd, "restarts", arg, 1, 10000, &v)) return EXIT_USAGE;
        a->pgd.restarts = (int)v;
        break;
    case O_RAND:
        if (cli_long(cmd, "rand-start", arg, 0, 1, &v)) return EXIT_USAGE;
        a->pgd.rand_start = (int)v;
        break;
    case O_EARLY:
        if (cli_long(cmd, "early-stop", arg, 0, 1, &v)) return EXIT_USAGE;
        a->pgd.early_stop = (int)v;
        break;
    case O_GOAL:
        if ((i = pick(arg, goals, 2)) < 0)
            return cli_usage(cmd, "--cw-goal '%s': expected targeted or untargeted", arg);
        a->cw.untargeted = i;
        break;
    case O_GAMMA: if (cli_float_pos(cmd, "gamma", arg, 1, &a->jsma.gamma)) return EXIT_USAGE; break;
    case O_QUIET: a->pgd.quiet = a->jsma.quiet = a->cw.quiet = 1; break;
    case O_JAC:
        if ((i = pick(arg, jac_names, 3)) < 0)
            return cli_usage(cmd, "--jacobian '%s': expected probs, probs-full or logits", arg);
        a->jsma.jacobian = (edd_jsma_jacobian)i;
        break;
    case O_CONF: if (cli_float(cmd, "confidence", arg, 0, 1e6, &a->cw.confidence)) return EXIT_USAGE; break;
    case O_BSS:
        if (cli_long(cmd, "binary-search-steps", arg, 1, 1000, &v)) return EXIT_USAGE;
        a->cw.binary_search_steps = (int)v;
        break;
    case O_MAXIT:
        if (cli_long(cmd, "max-iterations", arg, 1, 1000000, &v)) return EXIT_USAGE;
        a->cw.max_iterations = (int)v;
        break;
    case O_LR: if (cli_float(cmd, "learning-rate", arg, 0, 1e6, &a->cw.learning_rate)) return EXIT_USAGE; a->lr_set = 1; break;
    case O_C0: if (cli_float(cmd, "initial-const", arg, 0, 1e10, &a->cw.initial_const)) return EXIT_USAGE; break;
    case O_ABORT:
        if (cli_long(cmd, "abort-early", arg, 0, 1, &v)) return EXIT_USAGE;
        a->cw.abort_early = (int)v;
        break;
    case O_CWOPT:
        if ((i = pick(arg, opts, 2)) < 0)
            return cli_usage(cmd, "--cw-optimizer '%s': expected adadelta or adam", arg);
        a->cw.optimizer = i ? EDD_CW_ADAM : EDD_CW_ADADELTA;
        break;
    case O_RHO: if (cli_float(cmd, "cw-rho", arg, 0, 1, &a->cw.rho)) return EXIT_USAGE; break;
    case O_CWEPS: if (cli_float(cmd, "cw-eps", arg, 0, 1, &a->cw.eps)) return EXIT_USAGE; break;
    }
    return 0;
}

/* Parse argv into a; returns -1 to go on, or an exit status (0 for --help). */
static int parse(int argc, char **argv, attack_args *a, cli_data_opts *d)
{
    static const struct option longopts[] = {
        {"attack", required_argument, 0, O_ATTACK}, {"model", required_argument, 0, O_MODEL},
        {"source", required_argument, 0, O_SOURCE}, {"test-limit", required_argument, 0, O_LIMIT},
        {"eps", required_argument, 0, O_EPS}, {"ord", required_argument, 0, O_ORD},
        {"loss", required_argument, 0, O_LOSS}, {"gamma", required_argument, 0, O_GAMMA},
        {"jacobian", required_argument, 0, O_JAC}, {"confidence", required_argument, 0, O_CONF},
        {"binary-search-steps", required_argument, 0, O_BSS}, {"max-iterations", required_argument, 0, O_MAXIT},
        {"learning-rate", required_argument, 0, O_LR}, {"initial-const", required_argument, 0, O_C0},
        {"abort-early", required_argument, 0, O_ABORT}, {"cw-optimizer", required_argument, 0, O_CWOPT},
        {"cw-rho", required_argument, 0, O_RHO}, {"cw-eps", required_argument, 0, O_CWEPS},
        {"adv-out", required_argument, 0, O_OUT}, {"seed", required_argument, 0, O_SEED},
        {"batch", required_argument, 0, O_BATCH}, {"quiet", no_argument, 0, O_QUIET},
        {"kappa", required_argument, 0, O_KAPPA}, {"steps", required_argument, 0, O_STEPS},
        {"step-size", required_argument, 0, O_STEP}, {"restarts", required_argument, 0, O_RESTARTS},
        {"rand-start", required_argument, 0, O_RAND}, {"early-stop", required_argument, 0, O_EARLY},
        {"cw-goal", required_argument, 0, O_GOAL},
        CLI_DATA_LONGOPTS, {0, 0, 0, 0}};
    const char *cmd = "attack";
    int rc = cli_parse(cmd, argc, argv, longopts, help, d, on_opt, a);
    if (rc >= 0)
        return rc;
    /* cleverhans pairs Adam with lr 1e-2; AdaDelta's default is 1.0 (docs/DESIGN.md section 9). */
    if (a->cw.optimizer == EDD_CW_ADAM && !a->lr_set)
        a->cw.learning_rate = 1e-2f;
    if (a->attack < 0)
        return cli_usage(cmd, "--attack is required (fgm, pgd, jsma or cw)");
    if (!a->model)
        return cli_usage(cmd, "--model is required");
    const cli_path ins[] = {{"model", a->model}, {"source", a->source}}, outs[] = {{"adv-out", a->adv_out}};
    int bad = cli_check_outputs(cmd, ins, 2, outs, 1);
    return bad ? bad : -1;
}

/* Run the chosen attack on src; targets is NULL when it is untargeted
 * (FGM, PGD, untargeted CW, which takes the true labels in its place). */
static edd_status run_attack(edd_ctx *ctx, const attack_args *a, const edd_cnn *src, const edd_dataset *ds,
                             const uint8_t *targets, float *adv, uint8_t *ok, int *steps)
{
    switch (a->attack) {
    case A_FGM: return edd_fgm(ctx, src, ds->x, ds->y, ds->n, &a->fgm, adv);
    case A_PGD: return edd_pgd(ctx, src, ds->x, ds->y, ds->n, &a->pgd, adv);
    case A_JSMA: return edd_jsma(ctx, src, ds->x, targets, ds->n, &a->jsma, adv, ok, steps);
    default: return edd_cw_l2(ctx, src, ds->x, targets ? targets : ds->y, ds->n, &a->cw, adv, ok);
    }
}

static void print_json(const attack_args *a, const cli_data_opts *d, const edd_cnn *tgt, const edd_cnn *src,
                       const edd_attack_scores *s, double pixels_frac, int threads)
{
    printf("{\"attack\":\"%s\",\"model\":\"%s\",\"source\":\"%s\",\"data\":\"%s\",\"k\":%d,\"source_k\":%d,"
           "\"examples\":%zu,\"threads\":%d",
           attack_names[a->attack], a->model, a->source ? a->source : a->model, d->data, tgt->k, src->k, s->n,
           threads);
    if (a->attack == A_FGM)
        printf(",\"eps\":%g,\"ord\":\"%s\",\"loss\":\"%s\"", a->fgm.eps, a->fgm.ord ? "2" : "inf",
               losses[a->fgm.loss]);
    else
        printf(",\"seed\":%llu", (unsigned long long)a->seed);
    if (a->attack == A_FGM && a->fgm.loss == EDD_LOSS_MARGIN)
        printf(",\"kappa\":%g", a->fgm.kappa);
    if (a->attack == A_PGD)
        printf(",\"eps\":%g,\"ord\":\"%s\",\"loss\":\"%s\",\"kappa\":%g,\"steps\":%d,\"step_size\":%g,"
               "\"restarts\":%d,\"rand_start\":%d,\"early_stop\":%d",
               a->pgd.eps, a->pgd.ord ? "2" : "inf", losses[a->pgd.loss], a->pgd.kappa, a->pgd.steps,
               a->pgd.step_size > 0.0f ? a->pgd.step_size : 2.5f * a->pgd.eps / (float)a->pgd.steps,
               a->pgd.restarts, a->pgd.rand_start, a->pgd.early_stop);
    if (a->attack == A_JSMA)
        printf(",\"gamma\":%g,\"jacobian\":\"%s\",\"mean_pixels_changed\":%.6f", a->jsma.gamma,
               jac_names[a->jsma.jacobian], pixels_frac);
    if (a->attack == A_CW)
        printf(",\"goal\":\"%s\",\"confidence\":%g,\"binary_search_steps\":%d,\"max_iterations\":%d,\"learning_rate\":%g,"
               "\"initial_const\":%g,\"abort_early\":%d,\"optimizer\":\"%s\",\"rho\":%g,\"cw_eps\":%g",
               goals[a->cw.untargeted], a->cw.confidence, a->cw.binary_search_steps, a->cw.max_iterations, a->cw.learning_rate,
               a->cw.initial_const, a->cw.abort_early, a->cw.optimizer == EDD_CW_ADAM ? "adam" : "adadelta", a->cw.rho,
               a->cw.eps);
    printf(",\"clean_accuracy\":%.6f,\"clean_false_positives\":%.6f,\"recovered\":%.6f,\"detected\":%.6f,"
           "\"misclassified\":%.6f,\"mean_l2\":%.6f,\"attack_success\":%.6f,\"seconds\":%.3f,\"ms_per_example\":%.3f}\n",
           s->clean_accuracy, s->clean_false_positives, s->recovered, s->detected, s->misclassified, s->mean_l2,
           s->source_success, s->seconds, s->n ? 1e3 * s->seconds / (double)s->n : 0.0);
}

int cmd_attack(int argc, char **argv)
{
    const char *cmd = "attack";
    attack_args a = {.attack = -1, .limit = 1000, .seed = 1, .fgm = edd_fgm_defaults(), .pgd = edd_pgd_defaults(),
                     .jsma = edd_jsma_defaults(), .cw = edd_cw_defaults()};
    cli_data_opts d = {.data = "mnist"};
    int rc = parse(argc, argv, &a, &d);
    if (rc >= 0)
        return rc;
    if (a.batch) {
        a.fgm.max_rows = a.pgd.max_rows = (int)a.batch;
        a.jsma.batch = (int)a.batch;
        a.cw.batch = (int)a.batch;
    }
    a.cw.seed = a.pgd.seed = a.seed;
    edd_ctx ctx;
    edd_dataset ds = {0};
    edd_cnn tgt = {0}, srcm = {0};
    rc = cli_open(cmd, &d, &ctx, 0, (size_t)a.limit, &ds);
    if (!rc && edd_cnn_load(&ctx, &tgt, a.model))
        rc = cli_fail(cmd, &ctx);
    if (!rc && a.source && edd_cnn_load(&ctx, &srcm, a.source))
        rc = cli_fail(cmd, &ctx);
    const edd_cnn *src = a.source ? &srcm : &tgt;
    size_t n = ds.n;
    float *adv = malloc(n * EDD_IMG_SIZE * sizeof(float) + 1);
    int *steps = calloc(n + 1, sizeof(int));
    uint8_t *targets = malloc(n + 1), *ok = calloc(n + 1, 1);
    if (!rc && (!adv || !steps || !targets || !ok)) {
        edd_fail(&ctx, EDD_ERR_NOMEM, "out of memory for %zu images", n);
        rc = cli_fail(cmd, &ctx);
    }
    edd_attack_scores s = {0};
    if (!rc) {
        edd_attack_targets(a.seed, ds.y, n, 0, EDD_N_REAL, targets);
        double t0 = edd_now();
        const int targeted = a.attack == A_JSMA || (a.attack == A_CW && !a.cw.untargeted);
        if (run_attack(&ctx, &a, src, &ds, targeted ? targets : NULL, adv, ok, steps))
            rc = cli_fail(cmd, &ctx);
        double secs = edd_now() - t0;
        edd_attack_goal goal = {.target = targeted ? targets : NULL,
                                .kappa = a.attack == A_CW && targeted ? a.cw.confidence : 0.0f};
        if (!rc && edd_attack_eval(&ctx, src, &tgt, ds.x, ds.y, n, adv, &goal, &s))
            rc = cli_fail(cmd, &ctx);
        s.seconds = secs;
    }
    if (!rc)
        rc = cli_finite(cmd, "the mean L2 distance", s.mean_l2);
    if (!rc && a.adv_out) {
        size_t shape[4] = {n, EDD_IMG_C, EDD_IMG_H, EDD_IMG_W};
        if (edd_npy_write(&ctx, a.adv_out, EDD_NPY_F32, 4, shape, adv))
            rc = cli_fail(cmd, &ctx);
    }
    if (!rc) {
        double pix = 0.0;
        for (size_t i = 0; i < n; i++)
            pix += 2.0 * steps[i] / EDD_IMG_SIZE;
        print_json(&a, &d, &tgt, src, &s, n ? pix / (double)n : 0.0, ctx.nthreads);
    }
    free(adv); free(steps); free(targets); free(ok);
    edd_cnn_free(&tgt);
    edd_cnn_free(&srcm);
    edd_dataset_free(&ds);
    edd_ctx_free(&ctx);
    return rc;
}
