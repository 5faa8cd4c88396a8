/* attack_args.c - the options of `edd attack` (attack_args.h): the help
 * text and the command line's spelling of them. Which option applies to
 * which attack, their ranges and names, and the checks that need every
 * option are the engine's one table (edd/attack_config.h,
 * src/attacks/config.c), which the Python binding uses too; this file
 * hands it each option by name and prints what it refuses. */
#include "attack_args.h"

#include <stdio.h>
#include <string.h>

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
    "                         train's --adv-eps; in (0, 28] in L2\n"
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
    "  --no-rand-start        start each restart at the image (default: uniformly in\n"
    "                         the eps-ball)\n"
    "  --early-stop           an image leaves once it is misclassified (default: every\n"
    "                         image runs every step)\n"
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
    "  --initial-const C, --no-abort-early, --cw-optimizer adadelta|adam,\n"
    "  --cw-rho R, --cw-eps E (AdaDelta)   defaults: see edd_cw_opts_default()\n"
    "An option of another attack is refused (exit 2), and so is --kappa: it is\n"
    "Eq. 3's penalty constant, an option of edd distill.\n" CLI_IMAGES_HELP CLI_ALLOW_HELP CLI_DATA_HELP;

/* O_CONFIG + i: the table's option i, O_RETIRED + i its retired spelling i (both above cli.h's CLI_OPT_*) */
enum { O_MODEL = 1, O_SOURCE, O_LIMIT, O_OUT, O_CONFIG = 2000, O_RETIRED = 3000 };

void attack_args_init(attack_args *a)
{
    *a = (attack_args){.limit = 1000};
    edd_attack_config_default(&a->cfg);
}

typedef struct {
    attack_args *a;
    edd_ctx *msg; /* the engine's messages */
} parse_state;

static int on_opt(void *user, int c, const char *arg)
{
    parse_state *p = user;
    attack_args *a = p->a;
    const char *cmd = "attack";
    int has_value;
    switch (c) {
    case O_MODEL: a->model = arg; break;
    case O_SOURCE: a->source = arg; break;
    case O_OUT: a->adv_out = arg; break;
    case O_LIMIT: if (cli_long(cmd, "test-limit", arg, 1, 1L << 30, &a->limit)) return EXIT_USAGE; break;
    default:
        if (c >= O_RETIRED) {
            edd_attack_config_set(p->msg, &a->cfg, edd_attack_config_retired(c - O_RETIRED), arg);
            return cli_usage(cmd, "%s", edd_ctx_error(p->msg));
        }
        if (c >= O_CONFIG && edd_attack_config_set(p->msg, &a->cfg, edd_attack_config_option(c - O_CONFIG, &has_value),
                                                    arg))
            return cli_usage(cmd, "%s", edd_ctx_error(p->msg));
    }
    return 0;
}

/* cli_parse, then the engine's checks (edd_attack_config_check) and the
 * files' (-1 to go on). */
static int parse(int argc, char **argv, const struct option *longopts, parse_state *p, cli_data_opts *d)
{
    const char *cmd = "attack";
    attack_args *a = p->a;
    int rc = cli_parse(cmd, argc, argv, longopts, help, d, on_opt, p);
    if (rc >= 0)
        return rc;
    if (a->cfg.kind >= 0 && !a->model)
        return cli_usage(cmd, "--model is required");
    if (edd_attack_config_check(p->msg, &a->cfg))
        return cli_usage(cmd, "%s", edd_ctx_error(p->msg));
    if ((rc = cli_images_check(cmd, d, 1)))
        return rc;
    const cli_path ins[] = {{"model", a->model}, {"source", a->source}}, outs[] = {{"adv-out", a->adv_out}};
    int bad = cli_check_outputs(cmd, d, ins, 2, outs, 1);
    return bad ? bad : -1;
}

int attack_args_parse(int argc, char **argv, attack_args *a, cli_data_opts *d)
{
    static const struct option own[] = {
        {"model", required_argument, 0, O_MODEL}, {"source", required_argument, 0, O_SOURCE},
        {"test-limit", required_argument, 0, O_LIMIT}, {"adv-out", required_argument, 0, O_OUT}};
    static const struct option shared[] = {CLI_IMAGES_LONGOPTS, CLI_ALLOW_LONGOPTS, CLI_DATA_LONGOPTS, {0, 0, 0, 0}};
    enum { N_OWN = sizeof own / sizeof own[0], N_SHARED = sizeof shared / sizeof shared[0] };
    /* the engine's options by their names (edd_attack_config_set), each its own value from O_CONFIG on; its
     * retired spellings, which it refuses, from O_RETIRED on (optional_argument: cli_parse suggests none) */
    struct option longopts[EDD_ATTACK_CONFIG_MAX_OPTIONS + N_OWN + N_SHARED];
    int n = 0, has;
    for (const char *name; (name = edd_attack_config_option(n, &has)); n++)
        longopts[n] = (struct option){name, has ? required_argument : no_argument, 0, O_CONFIG + n};
    for (int r = 0; edd_attack_config_retired(r); r++, n++)
        longopts[n] = (struct option){edd_attack_config_retired(r), optional_argument, 0, O_RETIRED + r};
    memcpy(longopts + n, own, sizeof own);
    memcpy(longopts + n + N_OWN, shared, sizeof shared);
    parse_state p = {a, edd_ctx_scratch()};
    if (!p.msg) {
        fprintf(stderr, "edd attack: out of memory\n");
        return EXIT_RUNTIME;
    }
    int rc = parse(argc, argv, longopts, &p, d);
    edd_ctx_close(p.msg);
    return rc;
}
