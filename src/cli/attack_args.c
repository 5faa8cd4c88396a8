/* attack_args.c - the options of `edd attack` (attack_args.h): the help
 * text, one handler per option, and the checks that need every option: the
 * table of which options apply to which attack (one place: check_scope),
 * and which loss names apply to the attack chosen. */
#include "attack_args.h"

#include <stdio.h>
#include <string.h>

const char *const attack_names[A_COUNT] = {"fgm", "jsma", "cw", "pgd", "apgd", "apgd-t", "square", "fmn", "suite"};
const char *const attack_losses[3] = {"all", "real", "margin"}, *const apgd_losses[2] = {"ce", "dlr"};
const char *const cw_goals[2] = {"targeted", "untargeted"};
const char *const jsma_jacobians[3] = {"probs", "probs-full", "logits"};
static const char *const ords[] = {"inf", "2"}, *const cw_opts[] = {"adadelta", "adam"};

static const char *help =
    "usage: edd attack --attack fgm|pgd|jsma|cw|apgd|apgd-t|square|fmn --model TARGET.edd [--source SRC.edd] [options]\n"
    "       edd attack --suite standard --model M.edd [--eps E] [--ord inf|2] [options]\n\n"
    "Crafts adversarial examples of the first N test images (or of --images) on the source model\n"
    "(default: the target itself) and scores them on the target. Prints one JSON\n"
    "line: the target's clean accuracy and false positives, then on the adversarial\n"
    "images the recovered (true label predicted), detected (outlier class, K=11)\n"
    "and misclassified rates over ALL N images (clean mistakes included), the mean\n"
    "L2 perturbation of the misclassified ones, the attack's success on its source\n"
    "(untargeted attacks: a real class other than the label; JSMA: the target;\n"
    "targeted CW: the target by its confidence margin; docs/ATTACKS.md) and the\n"
    "wall time. JSMA and targeted CW targets: a random real class other than the\n"
    "label, from --seed.\n\n"
    "  --attack fgm|pgd|jsma|cw|apgd|apgd-t|square|fmn\n"
    "                         the attack (or --suite)\n"
    "  --suite standard       AutoAttack's protocol on the detector-aware losses:\n"
    "                         APGD-CE, APGD-T, FMN, Square, each on the images the\n"
    "                         earlier ones left robust; adds robust_accuracy and\n"
    "                         what each attack broke to the JSON line\n"
    "  --model PATH           target model (required)\n"
    "  --source PATH          model the attack sees (default: the target)\n"
    "  --test-limit N         attack the first N test images (default 1000)\n"
    "  --seed S               targets, random starts and draws (default 1; not FGM,\n"
    "                         FMN: they draw nothing)\n"
    "  --batch N              rows per oneDNN call (256); JSMA: images per batch\n"
    "                         (200); CW: images optimised together (cw default)\n"
    "  --adv-out PATH.npy     write the adversarial images, float32 (N,1,28,28)\n"
    "  --quiet                no progress on stderr\n"
    "Bounded attacks (FGM, PGD, APGD, APGD-T, Square, the suite), clip [0,1]:\n"
    "  --eps E                radius (default 0.3): in (0, 1] in the L-inf norm, as\n"
    "                         train's --eps; in (0, 28] in L2\n"
    "  --ord inf|2            norm (default inf)\n"
    "  --loss all|real|margin FGM, PGD: cross-entropy over all K outputs (the\n"
    "                         paper), over the 10 real classes, or the detector-aware\n"
    "                         margin (best other real class minus the larger of the\n"
    "                         label and the outlier); default all\n"
    "  --loss ce|dlr          APGD: cross-entropy over the real classes (default) or\n"
    "                         the detector-aware DLR (docs/ATTACKS.md, \"APGD\")\n"
    "  --margin-cap X         FGM, PGD, the margin loss only: its cap (default 1e4:\n"
    "                         none)\n"
    "  --steps N              PGD, APGD and the suite's APGD: iterations (100); FMN:\n"
    "                         steps (1000)\n"
    "  --restarts N           PGD, APGD, Square, the suite's APGD-CE (default 1)\n"
    "PGD only:\n"
    "  --step-size X          step length (default 0: 2.5 eps / steps)\n"
    "  --rand-start 0|1       start each restart uniformly in the eps-ball (default 1)\n"
    "  --early-stop 0|1       1: an image leaves once it is misclassified (default 0)\n"
    "APGD-T, the suite:\n"
    "  --n-target-classes N   target classes, by clean logit (default 9)\n"
    "Square, the suite:\n"
    "  --queries N            queries per image (default 5000)\n"
    "  --p-init P             Square: initial fraction of pixels per square (0.8)\n"
    "  --fmn-steps N          the suite's FMN steps (default 1000)\n"
    "FMN (minimum norm, --ord 2 default for it): adds median_norm and found to the JSON\n"
    "JSMA (cleverhans v2 jsma, theta +1, clip 1):\n"
    "  --gamma G              largest fraction of pixels changed (default 0.1)\n"
    "  --jacobian probs|probs-full|logits  (default probs; docs/ATTACKS.md)\n"
    "CW-L2 (cleverhans v2 CarliniWagnerL2):\n"
    "  --cw-goal targeted|untargeted  (default targeted)\n"
    "  --confidence K         the margin the target must lead by (Carlini's kappa;\n"
    "                         default 0)\n"
    "  --binary-search-steps N, --max-iterations N, --learning-rate LR,\n"
    "  --initial-const C, --abort-early 0|1, --cw-optimizer adadelta|adam,\n"
    "  --cw-rho R, --cw-eps E (AdaDelta)   defaults: see edd_cw_opts_default()\n"
    "An option of another attack is refused (exit 2), and so is --kappa: it is\n"
    "Eq. 3's penalty constant, an option of edd distill.\n" CLI_IMAGES_HELP CLI_ALLOW_HELP CLI_DATA_HELP;

enum { O_ATTACK = 1, O_MODEL, O_SOURCE, O_LIMIT, O_EPS, O_ORD, O_LOSS, O_GAMMA, O_JAC, O_CONF, O_BSS, O_MAXIT,
       O_LR, O_C0, O_ABORT, O_CWOPT, O_RHO, O_CWEPS, O_OUT, O_SEED, O_BATCH, O_QUIET, O_KAPPA, O_STEPS, O_STEP,
       O_RESTARTS, O_RAND, O_EARLY, O_GOAL, O_TARGETS, O_QUERIES, O_PINIT, O_FMN_STEPS, O_SUITE, O_MARGIN_CAP };
_Static_assert(O_MARGIN_CAP < 64, "attack_args.given has a bit per option");

#define AT(x) (1u << (x))
#define A_BOUNDED (AT(A_FGM) | AT(A_PGD) | AT(A_APGD) | AT(A_APGD_T) | AT(A_SQUARE) | AT(A_SUITE))
#define A_ITERATIVE (AT(A_PGD) | AT(A_APGD) | AT(A_APGD_T))

/* The options that apply to some attacks only (bit A_x: attack x takes
 * it); every other attack refuses them. The options not listed (the
 * models, the images, --batch, --adv-out, --quiet, the data) apply to all.
 * --kappa applies to none: it is Eq. 3's, an option of edd distill. */
static const struct {
    int opt;
    const char *name;
    unsigned attacks;
} scope[] = {
    {O_EPS, "eps", A_BOUNDED},
    {O_ORD, "ord", A_BOUNDED | AT(A_FMN)},
    {O_LOSS, "loss", AT(A_FGM) | AT(A_PGD) | AT(A_APGD)},
    {O_MARGIN_CAP, "margin-cap", AT(A_FGM) | AT(A_PGD)},
    {O_KAPPA, "kappa", 0},
    {O_SEED, "seed", ~(AT(A_FGM) | AT(A_FMN))},
    {O_STEPS, "steps", A_ITERATIVE | AT(A_FMN) | AT(A_SUITE)},
    {O_RESTARTS, "restarts", A_ITERATIVE | AT(A_SQUARE) | AT(A_SUITE)},
    {O_STEP, "step-size", AT(A_PGD)},
    {O_RAND, "rand-start", AT(A_PGD)},
    {O_EARLY, "early-stop", AT(A_PGD)},
    {O_TARGETS, "n-target-classes", AT(A_APGD_T) | AT(A_SUITE)},
    {O_QUERIES, "queries", AT(A_SQUARE) | AT(A_SUITE)},
    {O_PINIT, "p-init", AT(A_SQUARE)},
    {O_FMN_STEPS, "fmn-steps", AT(A_SUITE)},
    {O_GAMMA, "gamma", AT(A_JSMA)},
    {O_JAC, "jacobian", AT(A_JSMA)},
    {O_CONF, "confidence", AT(A_CW)},
    {O_GOAL, "cw-goal", AT(A_CW)},
    {O_BSS, "binary-search-steps", AT(A_CW)},
    {O_MAXIT, "max-iterations", AT(A_CW)},
    {O_LR, "learning-rate", AT(A_CW)},
    {O_C0, "initial-const", AT(A_CW)},
    {O_ABORT, "abort-early", AT(A_CW)},
    {O_CWOPT, "cw-optimizer", AT(A_CW)},
    {O_RHO, "cw-rho", AT(A_CW)},
    {O_CWEPS, "cw-eps", AT(A_CW)},
};

/* The margin options by their one meaning each: given --opt with one of
 * attacks, the refusal names the option that attack takes instead. */
static const struct {
    int opt;
    unsigned attacks;
    const char *instead;
} margin_names[] = {
    {O_KAPPA, AT(A_CW), "confidence"},
    {O_KAPPA, AT(A_FGM) | AT(A_PGD), "margin-cap"},
    {O_CONF, AT(A_FGM) | AT(A_PGD), "margin-cap"},
    {O_MARGIN_CAP, AT(A_CW), "confidence"},
};

/* Index of s in names (n of them), or -1. */
static int pick(const char *s, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(s, names[i]))
            return i;
    return -1;
}

void attack_args_init(attack_args *a)
{
    *a = (attack_args){.attack = -1, .limit = 1000, .seed = 1};
    edd_fgm_opts_default(&a->fgm);
    edd_pgd_opts_default(&a->pgd);
    edd_jsma_opts_default(&a->jsma);
    edd_cw_opts_default(&a->cw);
    edd_apgd_opts_default(&a->apgd);
    edd_square_opts_default(&a->square);
    edd_fmn_opts_default(&a->fmn);
    edd_suite_opts_default(&a->suite);
}

/* The options the bounded attacks share: each goes to every attack it applies to. */
static int on_shared(attack_args *a, int c, const char *arg)
{
    const char *cmd = "attack";
    long v;
    int i;
    switch (c) {
    case O_EPS:
        if (cli_float_pos(cmd, "eps", arg, CLI_EPS_L2_MAX, &a->fgm.eps)) return EXIT_USAGE;
        a->pgd.eps = a->apgd.eps = a->square.eps = a->suite.eps = a->fgm.eps;
        break;
    case O_ORD:
        if ((i = pick(arg, ords, 2)) < 0)
            return cli_usage(cmd, "--ord '%s': expected inf or 2", arg);
        a->fgm.ord = a->pgd.ord = a->apgd.ord = a->square.ord = a->fmn.ord = a->suite.ord = i ? 2 : 0;
        break;
    case O_STEPS:
        if (cli_long(cmd, "steps", arg, 1, 1000000, &v)) return EXIT_USAGE;
        a->pgd.steps = a->apgd.steps = a->fmn.steps = a->suite.steps = (int)v;
        break;
    case O_RESTARTS:
        if (cli_long(cmd, "restarts", arg, 1, 10000, &v)) return EXIT_USAGE;
        a->pgd.restarts = a->apgd.restarts = a->square.restarts = a->suite.restarts = (int)v;
        break;
    case O_TARGETS:
        if (cli_long(cmd, "n-target-classes", arg, 1, EDD_N_REAL - 1, &v)) return EXIT_USAGE;
        a->apgd.n_target_classes = a->suite.n_target_classes = (int)v;
        break;
    case O_QUERIES:
        if (cli_long(cmd, "queries", arg, 1, 1000000, &v)) return EXIT_USAGE;
        a->square.queries = a->suite.queries = (int)v;
        break;
    case O_PINIT: if (cli_float_pos(cmd, "p-init", arg, 1, &a->square.p_init)) return EXIT_USAGE; break;
    case O_FMN_STEPS:
        if (cli_long(cmd, "fmn-steps", arg, 1, 1000000, &v)) return EXIT_USAGE;
        a->suite.fmn_steps = (int)v;
        break;
    case O_SUITE:
        if (strcmp(arg, "standard"))
            return cli_usage(cmd, "--suite '%s': expected standard", arg);
        if (a->attack >= 0 && a->attack != A_SUITE)
            return cli_usage(cmd, "--suite standard and --attack %s: give one of them", attack_names[a->attack]);
        a->attack = A_SUITE;
        break;
    }
    return 0;
}

/* The options of PGD, JSMA and CW. */
static int on_classic(attack_args *a, int c, const char *arg)
{
    const char *cmd = "attack";
    long v;
    int i;
    switch (c) {
    case O_MARGIN_CAP:
        if (cli_float_pos(cmd, "margin-cap", arg, 1e10, &a->fgm.margin_cap)) return EXIT_USAGE;
        a->pgd.margin_cap = a->fgm.margin_cap;
        break;
    case O_STEP: if (cli_float(cmd, "step-size", arg, 0, CLI_EPS_L2_MAX, &a->pgd.step_size)) return EXIT_USAGE; break;
    case O_RAND: if (cli_long(cmd, "rand-start", arg, 0, 1, &v)) return EXIT_USAGE; a->pgd.rand_start = (int)v; break;
    case O_EARLY: if (cli_long(cmd, "early-stop", arg, 0, 1, &v)) return EXIT_USAGE; a->pgd.early_stop = (int)v; break;
    case O_GOAL:
        if ((i = pick(arg, cw_goals, 2)) < 0)
            return cli_usage(cmd, "--cw-goal '%s': expected targeted or untargeted", arg);
        a->cw.untargeted = i;
        break;
    case O_GAMMA: if (cli_float_pos(cmd, "gamma", arg, 1, &a->jsma.gamma)) return EXIT_USAGE; break;
    case O_JAC:
        if ((i = pick(arg, jsma_jacobians, 3)) < 0)
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
    case O_LR:
        if (cli_float(cmd, "learning-rate", arg, CLI_LR_MIN, CLI_LR_MAX, &a->cw.learning_rate)) return EXIT_USAGE;
        a->lr_set = 1;
        break;
    case O_C0: if (cli_float_pos(cmd, "initial-const", arg, 1e10, &a->cw.initial_const)) return EXIT_USAGE; break;
    case O_ABORT: if (cli_long(cmd, "abort-early", arg, 0, 1, &v)) return EXIT_USAGE; a->cw.abort_early = (int)v; break;
    case O_CWOPT:
        if ((i = pick(arg, cw_opts, 2)) < 0)
            return cli_usage(cmd, "--cw-optimizer '%s': expected adadelta or adam", arg);
        a->cw.optimizer = i ? EDD_CW_ADAM : EDD_CW_ADADELTA;
        break;
    case O_RHO: if (cli_float(cmd, "cw-rho", arg, 0, 1, &a->cw.rho)) return EXIT_USAGE; break;
    case O_CWEPS: if (cli_float(cmd, "cw-eps", arg, 0, 1, &a->cw.eps)) return EXIT_USAGE; break;
    default: return on_shared(a, c, arg);
    }
    return 0;
}

static int on_opt(void *user, int c, const char *arg)
{
    attack_args *a = user;
    const char *cmd = "attack";
    if (c > 0 && c < 64)
        a->given |= 1ull << c;
    switch (c) {
    case O_KAPPA: break; /* refused by check_scope, whatever the attack */
    case O_ATTACK: {
        int i = pick(arg, attack_names, A_SUITE);
        if (i < 0)
            return cli_usage(cmd, "--attack '%s': expected fgm, pgd, jsma, cw, apgd, apgd-t, square or fmn", arg);
        if (a->attack == A_SUITE)
            return cli_usage(cmd, "--suite standard and --attack %s: give one of them", arg);
        a->attack = i;
        break;
    }
    case O_MODEL: a->model = arg; break;
    case O_SOURCE: a->source = arg; break;
    case O_OUT: a->adv_out = arg; break;
    case O_LOSS: a->loss = arg; break;
    case O_LIMIT: if (cli_long(cmd, "test-limit", arg, 1, 1L << 30, &a->limit)) return EXIT_USAGE; break;
    case O_SEED: if (cli_u64(cmd, "seed", arg, &a->seed)) return EXIT_USAGE; break;
    case O_BATCH: if (cli_long(cmd, "batch", arg, 1, 65536, &a->batch)) return EXIT_USAGE; break;
    case O_QUIET:
        a->pgd.quiet = a->jsma.quiet = a->cw.quiet = a->apgd.quiet = a->square.quiet = a->fmn.quiet = 1;
        a->suite.quiet = 1;
        break;
    default: return on_classic(a, c, arg);
    }
    return 0;
}

/* --loss by the attack chosen (check_scope has refused it to the others):
 * FGM and PGD take all|real|margin, APGD ce|dlr. */
static int resolve_loss(attack_args *a)
{
    const char *cmd = "attack";
    if (!a->loss)
        return 0;
    int i;
    if (a->attack == A_APGD) {
        if ((i = pick(a->loss, apgd_losses, 2)) < 0)
            return cli_usage(cmd, "--loss '%s' with --attack apgd: expected ce or dlr", a->loss);
        a->apgd.loss = (edd_apgd_loss)i;
        return 0;
    }
    if ((i = pick(a->loss, attack_losses, 3)) < 0)
        return cli_usage(cmd, "--loss '%s' with --attack %s: expected all, real or margin", a->loss,
                         attack_names[a->attack]);
    a->fgm.loss = a->pgd.loss = (edd_attack_loss)i;
    return 0;
}

/* "it is an option of --attack fgm|pgd and --suite standard": where an
 * option of the attacks in mask (not 0) applies, into buf. */
static void option_of(unsigned mask, char *buf, size_t n)
{
    size_t len = (size_t)snprintf(buf, n, "it is an option of");
    const char *sep = " --attack ";
    for (int k = 0; k < A_SUITE && len < n; k++)
        if (mask & AT(k)) {
            len += (size_t)snprintf(buf + len, n - len, "%s%s", sep, attack_names[k]);
            sep = "|";
        }
    if (mask & AT(A_SUITE) && len < n)
        snprintf(buf + len, n - len, "%s--suite standard", *sep == '|' ? " and " : " ");
}

/* The one check of which option applies to which attack (the table scope,
 * margin_names for the refusal's pointer), then --loss's names and
 * --margin-cap's need of --loss margin. Returns 0 or EXIT_USAGE after a
 * message naming the option, the attack, and where the option applies. */
static int check_scope(attack_args *a)
{
    const char *cmd = "attack";
    const unsigned me = AT(a->attack);
    char chosen[64], where[256] = "it is Eq. 3's penalty constant, an option of edd distill";
    snprintf(chosen, sizeof chosen, a->attack == A_SUITE ? "--suite standard" : "--attack %s", attack_names[a->attack]);
    for (size_t i = 0; i < sizeof scope / sizeof scope[0]; i++) {
        if (!(a->given & 1ull << scope[i].opt) || scope[i].attacks & me)
            continue;
        const char *instead = NULL;
        for (size_t j = 0; j < sizeof margin_names / sizeof margin_names[0]; j++)
            if (margin_names[j].opt == scope[i].opt && margin_names[j].attacks & me)
                instead = margin_names[j].instead;
        if (scope[i].attacks)
            option_of(scope[i].attacks, where, sizeof where);
        return cli_usage(cmd, "--%s does not apply to %s (%s)%s%s", scope[i].name, chosen, where,
                         instead ? "; its margin is --" : "", instead ? instead : "");
    }
    int rc = resolve_loss(a);
    if (!rc && a->given & 1ull << O_MARGIN_CAP && a->fgm.loss != EDD_LOSS_MARGIN)
        rc = cli_usage(cmd, "--margin-cap %g with --loss %s: it caps the margin loss, give --loss margin with it",
                       a->fgm.margin_cap, attack_losses[a->fgm.loss]);
    if (!rc && a->given & 1ull << O_EPS && a->fgm.ord == 0 && a->fgm.eps > CLI_EPS_LINF_MAX)
        rc = cli_usage(cmd, "--eps %g with --ord inf: expected a number in (0, %g], an L-inf radius on images in "
                       "[0, 1] (as train's --eps); up to %g with --ord 2", a->fgm.eps, CLI_EPS_LINF_MAX, CLI_EPS_L2_MAX);
    if (!rc && a->given & 1ull << O_STEP && a->pgd.ord == 0 && a->pgd.step_size > CLI_EPS_LINF_MAX)
        rc = cli_usage(cmd, "--step-size %g with --ord inf: expected a number in [0, %g] (as train's --adv-step-size); "
                       "up to %g with --ord 2", a->pgd.step_size, CLI_EPS_LINF_MAX, CLI_EPS_L2_MAX);
    return rc;
}

/* What every attack takes from the shared options once all are parsed. */
static void finish(attack_args *a)
{
    /* cleverhans pairs Adam with lr 1e-2; AdaDelta's default is 1.0 (docs/DESIGN.md section 9). */
    if (a->cw.optimizer == EDD_CW_ADAM && !a->lr_set)
        a->cw.learning_rate = 1e-2f;
    if (a->batch) {
        a->fgm.max_rows = a->pgd.max_rows = a->apgd.max_rows = a->square.max_rows = (int)a->batch;
        a->fmn.max_rows = a->suite.max_rows = (int)a->batch;
        a->jsma.batch = a->cw.batch = (int)a->batch;
    }
    a->cw.seed = a->pgd.seed = a->apgd.seed = a->square.seed = a->suite.seed = a->seed;
    a->apgd.targeted = a->attack == A_APGD_T;
}

int attack_args_parse(int argc, char **argv, attack_args *a, cli_data_opts *d)
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
        {"cw-goal", required_argument, 0, O_GOAL}, {"n-target-classes", required_argument, 0, O_TARGETS},
        {"queries", required_argument, 0, O_QUERIES}, {"p-init", required_argument, 0, O_PINIT},
        {"fmn-steps", required_argument, 0, O_FMN_STEPS}, {"suite", required_argument, 0, O_SUITE},
        {"margin-cap", required_argument, 0, O_MARGIN_CAP},
        CLI_IMAGES_LONGOPTS, CLI_ALLOW_LONGOPTS, CLI_DATA_LONGOPTS, {0, 0, 0, 0}};
    const char *cmd = "attack";
    int rc = cli_parse(cmd, argc, argv, longopts, help, d, on_opt, a);
    if (rc >= 0)
        return rc;
    if (a->attack < 0)
        return cli_usage(cmd, "--attack (fgm, pgd, jsma, cw, apgd, apgd-t, square or fmn) or --suite standard is "
                              "required");
    if (!a->model)
        return cli_usage(cmd, "--model is required");
    if ((rc = check_scope(a)) || (rc = cli_images_check(cmd, d, 1)))
        return rc;
    finish(a);
    const cli_path ins[] = {{"model", a->model}, {"source", a->source}}, outs[] = {{"adv-out", a->adv_out}};
    int bad = cli_check_outputs(cmd, d, ins, 2, outs, 1);
    return bad ? bad : -1;
}
