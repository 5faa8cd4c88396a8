/* config.c - the attacks' options set by name (edd/attack_config.h): the
 * one table of option names and which attacks take them (rows), one
 * handler per option holding its value to its range, the checks that
 * need every option (check_scope; the table of the margin options' names),
 * and the config's defaults and heap form (for the Python binding). Running
 * it is eval's (src/eval/attack_run.c). */
#include "edd/attack_config.h"
#include "edd/internal/opts.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const edd_attack_names[EDD_ATTACK_NKINDS] = {"fgm", "jsma", "cw", "pgd", "apgd", "apgd-t", "square",
                                                          "fmn", "suite"};
const char *const edd_attack_loss_names[3] = {"all", "real", "margin"}, *const edd_apgd_loss_names[2] = {"ce", "dlr"};
const char *const edd_cw_goal_names[2] = {"targeted", "untargeted"};
const char *const edd_jsma_jacobian_names[3] = {"probs", "probs-full", "logits"};
static const char *const ords[] = {"inf", "2"}, *const cw_opts[] = {"adadelta", "adam"};

enum { R_ATTACK, R_SUITE, R_SEED, R_BATCH, R_QUIET, R_EPS, R_ORD, R_LOSS, R_MARGIN_CAP, R_KAPPA, R_STEPS, R_RESTARTS,
       R_STEP, R_RAND, R_EARLY, R_TARGETS, R_QUERIES, R_PINIT, R_FMN_STEPS, R_GAMMA, R_JAC, R_CONF, R_GOAL, R_BSS,
       R_MAXIT, R_LR, R_C0, R_ABORT, R_CWOPT, R_RHO, R_CWEPS, R_COUNT };
_Static_assert(R_COUNT <= EDD_ATTACK_CONFIG_MAX_OPTIONS, "edd_attack_config.given has a bit per row");

#define AT(x) (1u << (x))
#define A_ALL ((1u << EDD_ATTACK_NKINDS) - 1)
#define A_BOUNDED (AT(EDD_ATTACK_FGM) | AT(EDD_ATTACK_PGD) | AT(EDD_ATTACK_APGD) | AT(EDD_ATTACK_APGD_T) | \
                   AT(EDD_ATTACK_SQUARE) | AT(EDD_ATTACK_SUITE))
#define A_ITERATIVE (AT(EDD_ATTACK_PGD) | AT(EDD_ATTACK_APGD) | AT(EDD_ATTACK_APGD_T))

/* Every option, by its command-line name, the attacks that take it (bit
 * k: attack k; every other attack refuses it) and whether it is a flag (no
 * value). --kappa applies to none: it is Eq. 3's, an option of edd
 * distill. */
static const struct {
    const char *name;
    unsigned attacks;
    int flag;
} rows[R_COUNT] = {
    [R_ATTACK] = {"attack", A_ALL}, [R_SUITE] = {"suite", A_ALL},
    [R_SEED] = {"seed", A_ALL & ~(AT(EDD_ATTACK_FGM) | AT(EDD_ATTACK_FMN))},
    [R_BATCH] = {"batch", A_ALL}, [R_QUIET] = {"quiet", A_ALL, 1},
    [R_EPS] = {"eps", A_BOUNDED}, [R_ORD] = {"ord", A_BOUNDED | AT(EDD_ATTACK_FMN)},
    [R_LOSS] = {"loss", AT(EDD_ATTACK_FGM) | AT(EDD_ATTACK_PGD) | AT(EDD_ATTACK_APGD)},
    [R_MARGIN_CAP] = {"margin-cap", AT(EDD_ATTACK_FGM) | AT(EDD_ATTACK_PGD)}, [R_KAPPA] = {"kappa", 0},
    [R_STEPS] = {"steps", A_ITERATIVE | AT(EDD_ATTACK_FMN) | AT(EDD_ATTACK_SUITE)},
    [R_RESTARTS] = {"restarts", A_ITERATIVE | AT(EDD_ATTACK_SQUARE) | AT(EDD_ATTACK_SUITE)},
    [R_STEP] = {"step-size", AT(EDD_ATTACK_PGD)}, [R_RAND] = {"no-rand-start", AT(EDD_ATTACK_PGD), 1},
    [R_EARLY] = {"early-stop", AT(EDD_ATTACK_PGD), 1},
    [R_TARGETS] = {"n-target-classes", AT(EDD_ATTACK_APGD_T) | AT(EDD_ATTACK_SUITE)},
    [R_QUERIES] = {"queries", AT(EDD_ATTACK_SQUARE) | AT(EDD_ATTACK_SUITE)},
    [R_PINIT] = {"p-init", AT(EDD_ATTACK_SQUARE)}, [R_FMN_STEPS] = {"fmn-steps", AT(EDD_ATTACK_SUITE)},
    [R_GAMMA] = {"gamma", AT(EDD_ATTACK_JSMA)}, [R_JAC] = {"jacobian", AT(EDD_ATTACK_JSMA)},
    [R_CONF] = {"confidence", AT(EDD_ATTACK_CW)}, [R_GOAL] = {"cw-goal", AT(EDD_ATTACK_CW)},
    [R_BSS] = {"binary-search-steps", AT(EDD_ATTACK_CW)}, [R_MAXIT] = {"max-iterations", AT(EDD_ATTACK_CW)},
    [R_LR] = {"learning-rate", AT(EDD_ATTACK_CW)}, [R_C0] = {"initial-const", AT(EDD_ATTACK_CW)},
    [R_ABORT] = {"no-abort-early", AT(EDD_ATTACK_CW), 1}, [R_CWOPT] = {"cw-optimizer", AT(EDD_ATTACK_CW)},
    [R_RHO] = {"cw-rho", AT(EDD_ATTACK_CW)}, [R_CWEPS] = {"cw-eps", AT(EDD_ATTACK_CW)},
};

/* The spellings the command line retired, each refused with a message
 * naming the one that replaced it. */
static const struct {
    const char *name, *now;
} retired[] = {
    {"rand-start", "the flag --no-rand-start (a random start is the default; the flag starts at the image)"},
    {"abort-early", "the flag --no-abort-early (CW aborts early by default; the flag runs every iteration)"},
};
_Static_assert(R_COUNT + sizeof retired / sizeof retired[0] <= EDD_ATTACK_CONFIG_MAX_OPTIONS,
               "a parser's option list holds the rows and the retired spellings");

/* The margin options by their one meaning each: given --opt with one of
 * attacks, the refusal names the option that attack takes instead. */
static const struct {
    int row;
    unsigned attacks;
    const char *instead;
} margin_names[] = {
    {R_KAPPA, AT(EDD_ATTACK_CW), "confidence"},
    {R_KAPPA, AT(EDD_ATTACK_FGM) | AT(EDD_ATTACK_PGD), "margin-cap"},
    {R_CONF, AT(EDD_ATTACK_FGM) | AT(EDD_ATTACK_PGD), "margin-cap"},
    {R_MARGIN_CAP, AT(EDD_ATTACK_CW), "confidence"},
};

void edd_attack_config_init(edd_attack_config *c, size_t size)
{
    edd_attack_config def = {.kind = -1, .seed = 1};
    edd_fgm_opts_default(&def.fgm);
    edd_pgd_opts_default(&def.pgd);
    edd_jsma_opts_default(&def.jsma);
    edd_cw_opts_default(&def.cw);
    edd_apgd_opts_default(&def.apgd);
    edd_square_opts_default(&def.square);
    edd_fmn_opts_default(&def.fmn);
    edd_suite_opts_default(&def.suite);
    edd_opts_fill(c, size, &def, sizeof def);
}

edd_status edd_attack_config_new(edd_ctx *ctx, const char *kind, edd_attack_config **out)
{
    *out = NULL;
    edd_attack_config *c = malloc(sizeof *c);
    if (!c)
        return edd_nomem(ctx, sizeof *c, "an attack's options");
    edd_attack_config_default(c);
    edd_status st = kind ? edd_attack_config_set(ctx, c, "attack", kind) : EDD_OK;
    if (st) {
        free(c);
        return st;
    }
    *out = c;
    return EDD_OK;
}

void edd_attack_config_free(edd_attack_config *c) { free(c); }

int edd_attack_config_targeted(const edd_attack_config *c)
{
    return c->kind == EDD_ATTACK_JSMA || (c->kind == EDD_ATTACK_CW && !c->cw.untargeted);
}

/* Index of s in names (n of them), or -1. */
static int pick(const char *s, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(s, names[i]))
            return i;
    return -1;
}

/* s as a number, or EDD_ERR_ARG naming --opt: an integer in lo..hi
 * (kind 'l'), a number in [lo, hi] ('f'), in (0, hi] and not 0 as a float
 * ('p'), or a non-negative integer ('u', into *u). */
static edd_status parse(edd_ctx *ctx, const char *opt, const char *s, int kind, double lo, double hi, double *v,
                        uint64_t *u)
{
    char *end;
    errno = 0;
    if (kind == 'u') {
        unsigned long long w = strtoull(s, &end, 10);
        if (errno || end == s || *end || s[0] == '-')
            return edd_fail(ctx, EDD_ERR_ARG, "--%s '%s': expected a non-negative integer", opt, s);
        *u = w;
        return EDD_OK;
    }
    *v = kind == 'l' ? (double)strtol(s, &end, 10) : strtod(s, &end);
    int bad = errno || end == s || *end || !isfinite(*v);
    if (kind == 'l' && (bad || *v < lo || *v > hi))
        return edd_fail(ctx, EDD_ERR_ARG, "--%s '%s': expected an integer in %ld..%ld", opt, s, (long)lo, (long)hi);
    /* a value that rounds to 0 as a float would reach the attack as 0 */
    if (kind == 'p' && (bad || *v <= 0 || *v > hi || (float)*v == 0.0f))
        return edd_fail(ctx, EDD_ERR_ARG, "--%s '%s': expected a number in (0, %g] that is not 0 as a float "
                        "(at least %g)", opt, s, hi, (double)FLT_TRUE_MIN);
    if (kind == 'f' && (bad || *v < lo || *v > hi))
        return edd_fail(ctx, EDD_ERR_ARG, "--%s '%s': expected a number in [%g, %g]", opt, s, lo, hi);
    return EDD_OK;
}

#define NUM(kind, lo, hi) parse(ctx, rows[r].name, arg, (kind), (lo), (hi), &v, NULL)

/* The options several attacks share: each goes to every attack it applies to. */
static edd_status on_shared(edd_ctx *ctx, edd_attack_config *c, int r, const char *arg)
{
    double v = 0;
    int i;
    edd_status st = EDD_OK;
    switch (r) {
    case R_EPS:
        if (!(st = NUM('p', 0, EDD_EPS_L2_MAX)))
            c->fgm.eps = c->pgd.eps = c->apgd.eps = c->square.eps = c->suite.eps = (float)v;
        break;
    case R_ORD:
        if ((i = pick(arg, ords, 2)) < 0)
            return edd_fail(ctx, EDD_ERR_ARG, "--ord '%s': expected inf or 2", arg);
        c->fgm.ord = c->pgd.ord = c->apgd.ord = c->square.ord = c->fmn.ord = c->suite.ord = i ? 2 : 0;
        break;
    case R_STEPS:
        if (!(st = NUM('l', 1, 1000000)))
            c->pgd.steps = c->apgd.steps = c->fmn.steps = c->suite.steps = (int)v;
        break;
    case R_RESTARTS:
        if (!(st = NUM('l', 1, 10000)))
            c->pgd.restarts = c->apgd.restarts = c->square.restarts = c->suite.restarts = (int)v;
        break;
    case R_TARGETS:
        if (!(st = NUM('l', 1, EDD_N_REAL - 1)))
            c->apgd.n_target_classes = c->suite.n_target_classes = (int)v;
        break;
    case R_QUERIES:
        if (!(st = NUM('l', 1, 1000000)))
            c->square.queries = c->suite.queries = (int)v;
        break;
    case R_PINIT: if (!(st = NUM('p', 0, 1))) c->square.p_init = (float)v; break;
    case R_FMN_STEPS: if (!(st = NUM('l', 1, 1000000))) c->suite.fmn_steps = (int)v; break;
    case R_MARGIN_CAP: if (!(st = NUM('p', 0, 1e10))) c->fgm.margin_cap = c->pgd.margin_cap = (float)v; break;
    case R_STEP: if (!(st = NUM('f', 0, EDD_EPS_L2_MAX))) c->pgd.step_size = (float)v; break;
    case R_RAND: c->pgd.rand_start = 0; break;
    case R_EARLY: c->pgd.early_stop = 1; break;
    case R_GAMMA: if (!(st = NUM('p', 0, 1))) c->jsma.gamma = (float)v; break;
    case R_JAC:
        if ((i = pick(arg, edd_jsma_jacobian_names, 3)) < 0)
            return edd_fail(ctx, EDD_ERR_ARG, "--jacobian '%s': expected probs, probs-full or logits", arg);
        c->jsma.jacobian = (edd_jsma_jacobian)i;
        break;
    }
    return st;
}

/* The options of CW, and of the run (seed, batch, progress). */
static edd_status on_cw(edd_ctx *ctx, edd_attack_config *c, int r, const char *arg)
{
    double v = 0;
    int i;
    edd_status st = EDD_OK;
    switch (r) {
    case R_CONF: if (!(st = NUM('f', 0, 1e6))) c->cw.confidence = (float)v; break;
    case R_GOAL:
        if ((i = pick(arg, edd_cw_goal_names, 2)) < 0)
            return edd_fail(ctx, EDD_ERR_ARG, "--cw-goal '%s': expected targeted or untargeted", arg);
        c->cw.untargeted = i;
        break;
    case R_BSS: if (!(st = NUM('l', 1, 1000))) c->cw.binary_search_steps = (int)v; break;
    case R_MAXIT: if (!(st = NUM('l', 1, 1000000))) c->cw.max_iterations = (int)v; break;
    case R_LR:
        if (!(st = NUM('f', EDD_LR_MIN, EDD_LR_MAX))) {
            c->cw.learning_rate = (float)v;
            c->lr_set = 1;
        }
        break;
    case R_C0: if (!(st = NUM('p', 0, 1e10))) c->cw.initial_const = (float)v; break;
    case R_ABORT: c->cw.abort_early = 0; break;
    case R_CWOPT:
        if ((i = pick(arg, cw_opts, 2)) < 0)
            return edd_fail(ctx, EDD_ERR_ARG, "--cw-optimizer '%s': expected adadelta or adam", arg);
        c->cw.optimizer = i ? EDD_CW_ADAM : EDD_CW_ADADELTA;
        break;
    case R_RHO: if (!(st = NUM('f', 0, 1))) c->cw.rho = (float)v; break;
    case R_CWEPS: if (!(st = NUM('f', 0, 1))) c->cw.eps = (float)v; break;
    case R_SEED: st = parse(ctx, "seed", arg, 'u', 0, 0, &v, &c->seed); break;
    case R_BATCH: if (!(st = NUM('l', 1, 65536))) c->batch = (long)v; break;
    case R_LOSS:
        if (strlen(arg) >= sizeof c->loss)
            return edd_fail(ctx, EDD_ERR_ARG, "--loss '%s': expected all, real or margin (FGM, PGD), ce or dlr (APGD)",
                            arg);
        strcpy(c->loss, arg);
        break;
    default: return on_shared(ctx, c, r, arg);
    }
    return st;
}

/* --attack NAME or --suite standard. */
static edd_status on_kind(edd_ctx *ctx, edd_attack_config *c, int r, const char *arg)
{
    if (r == R_SUITE) {
        if (strcmp(arg, "standard"))
            return edd_fail(ctx, EDD_ERR_ARG, "--suite '%s': expected standard", arg);
        if (c->kind >= 0 && c->kind != EDD_ATTACK_SUITE)
            return edd_fail(ctx, EDD_ERR_ARG, "--suite standard and --attack %s: give one of them",
                            edd_attack_names[c->kind]);
        c->kind = EDD_ATTACK_SUITE;
        return EDD_OK;
    }
    int i = pick(arg, edd_attack_names, EDD_ATTACK_SUITE);
    if (i < 0)
        return edd_fail(ctx, EDD_ERR_ARG, "--attack '%s': expected fgm, pgd, jsma, cw, apgd, apgd-t, square or fmn",
                        arg);
    if (c->kind == EDD_ATTACK_SUITE)
        return edd_fail(ctx, EDD_ERR_ARG, "--suite standard and --attack %s: give one of them", arg);
    c->kind = i;
    return EDD_OK;
}

edd_status edd_attack_config_set(edd_ctx *ctx, edd_attack_config *c, const char *name, const char *value)
{
    edd_status st = EDD_OPTS_CHECK(ctx, edd_attack_config, c);
    if (st)
        return st;
    int r = 0;
    while (r < R_COUNT && strcmp(rows[r].name, name))
        r++;
    for (size_t i = 0; r == R_COUNT && i < sizeof retired / sizeof retired[0]; i++)
        if (!strcmp(retired[i].name, name))
            return edd_fail(ctx, EDD_ERR_ARG, "--%s: replaced by %s", name, retired[i].now);
    if (r == R_COUNT) {
        char known[512];
        size_t len = 0;
        for (int k = 0; k < R_COUNT && len < sizeof known; k++)
            len += (size_t)snprintf(known + len, sizeof known - len, "%s%s", k ? ", " : "", rows[k].name);
        return edd_fail(ctx, EDD_ERR_ARG, "unknown attack option '%s', expected one of %s", name, known);
    }
    if (!value && !rows[r].flag)
        return edd_fail(ctx, EDD_ERR_ARG, "--%s: expected a value", name);
    if (value && rows[r].flag)
        return edd_fail(ctx, EDD_ERR_ARG, "--%s '%s': a flag, expected no value", name, value);
    c->given |= 1ull << r;
    if (r == R_ATTACK || r == R_SUITE)
        return on_kind(ctx, c, r, value);
    if (r == R_QUIET) {
        c->pgd.quiet = c->jsma.quiet = c->cw.quiet = c->apgd.quiet = c->square.quiet = c->fmn.quiet = 1;
        c->suite.quiet = 1;
        return EDD_OK;
    }
    return r == R_KAPPA ? EDD_OK : on_cw(ctx, c, r, value); /* --kappa: refused by check_scope, whatever the attack */
}

const char *edd_attack_config_option(int i, int *has_value)
{
    if (i < 0 || i >= R_COUNT)
        return NULL;
    *has_value = !rows[i].flag;
    return rows[i].name;
}

const char *edd_attack_config_retired(int i)
{
    return i >= 0 && (size_t)i < sizeof retired / sizeof retired[0] ? retired[i].name : NULL;
}

int edd_attack_config_given(const edd_attack_config *c, const char *name)
{
    for (int r = 0; r < R_COUNT; r++)
        if (!strcmp(rows[r].name, name))
            return (c->given >> r) & 1;
    return 0;
}

/* "it is an option of --attack fgm|pgd and --suite standard": where an
 * option of the attacks in mask (not 0) applies, into buf. */
static void option_of(unsigned mask, char *buf, size_t n)
{
    size_t len = (size_t)snprintf(buf, n, "it is an option of");
    const char *sep = " --attack ";
    for (int k = 0; k < EDD_ATTACK_SUITE && len < n; k++)
        if (mask & AT(k)) {
            len += (size_t)snprintf(buf + len, n - len, "%s%s", sep, edd_attack_names[k]);
            sep = "|";
        }
    if (mask & AT(EDD_ATTACK_SUITE) && len < n)
        snprintf(buf + len, n - len, "%s--suite standard", *sep == '|' ? " and " : " ");
}

/* --loss by the attack chosen (check_scope has refused it to the others):
 * FGM and PGD take all|real|margin, APGD ce|dlr. */
static edd_status resolve_loss(edd_ctx *ctx, edd_attack_config *c)
{
    if (!c->loss[0])
        return EDD_OK;
    int i;
    if (c->kind == EDD_ATTACK_APGD) {
        if ((i = pick(c->loss, edd_apgd_loss_names, 2)) < 0)
            return edd_fail(ctx, EDD_ERR_ARG, "--loss '%s' with --attack apgd: expected ce or dlr", c->loss);
        c->apgd.loss = (edd_apgd_loss)i;
        return EDD_OK;
    }
    if ((i = pick(c->loss, edd_attack_loss_names, 3)) < 0)
        return edd_fail(ctx, EDD_ERR_ARG, "--loss '%s' with --attack %s: expected all, real or margin", c->loss,
                        edd_attack_names[c->kind]);
    c->fgm.loss = c->pgd.loss = (edd_attack_loss)i;
    return EDD_OK;
}

/* The one check of which option applies to which attack (the table rows,
 * margin_names for the refusal's pointer). */
static edd_status check_scope(edd_ctx *ctx, const edd_attack_config *c)
{
    const unsigned me = AT(c->kind);
    char chosen[64], where[256] = "it is Eq. 3's penalty constant, an option of edd distill";
    snprintf(chosen, sizeof chosen, c->kind == EDD_ATTACK_SUITE ? "--suite standard" : "--attack %s",
             edd_attack_names[c->kind]);
    for (int r = 0; r < R_COUNT; r++) {
        if (!(c->given & 1ull << r) || rows[r].attacks & me)
            continue;
        const char *instead = NULL;
        for (size_t j = 0; j < sizeof margin_names / sizeof margin_names[0]; j++)
            if (margin_names[j].row == r && margin_names[j].attacks & me)
                instead = margin_names[j].instead;
        if (rows[r].attacks)
            option_of(rows[r].attacks, where, sizeof where);
        return edd_fail(ctx, EDD_ERR_ARG, "--%s does not apply to %s (%s)%s%s", rows[r].name, chosen, where,
                        instead ? "; its margin is --" : "", instead ? instead : "");
    }
    return EDD_OK;
}

/* What every attack takes from the shared options once all are set. */
static void finish(edd_attack_config *c)
{
    /* cleverhans pairs Adam with lr 1e-2; AdaDelta's default is 1.0 (docs/DESIGN.md section 9). */
    if (c->cw.optimizer == EDD_CW_ADAM && !c->lr_set)
        c->cw.learning_rate = 1e-2f;
    if (c->batch) {
        c->fgm.max_rows = c->pgd.max_rows = c->apgd.max_rows = c->square.max_rows = (int)c->batch;
        c->fmn.max_rows = c->suite.max_rows = (int)c->batch;
        c->jsma.batch = c->cw.batch = (int)c->batch;
    }
    c->cw.seed = c->pgd.seed = c->apgd.seed = c->square.seed = c->suite.seed = c->seed;
    c->apgd.targeted = c->kind == EDD_ATTACK_APGD_T;
}

edd_status edd_attack_config_check(edd_ctx *ctx, edd_attack_config *c)
{
    edd_status st = EDD_OPTS_CHECK(ctx, edd_attack_config, c);
    if (!st && (c->kind < 0 || c->kind >= EDD_ATTACK_NKINDS))
        st = edd_fail(ctx, EDD_ERR_ARG, "--attack (fgm, pgd, jsma, cw, apgd, apgd-t, square or fmn) or --suite "
                      "standard is required");
    if (!st)
        st = check_scope(ctx, c);
    if (!st)
        st = resolve_loss(ctx, c);
    if (!st && c->given & 1ull << R_MARGIN_CAP && c->fgm.loss != EDD_LOSS_MARGIN)
        st = edd_fail(ctx, EDD_ERR_ARG, "--margin-cap %g with --loss %s: it caps the margin loss, give --loss margin "
                      "with it", c->fgm.margin_cap, edd_attack_loss_names[c->fgm.loss]);
    if (!st && c->given & 1ull << R_EPS && c->fgm.ord == 0 && c->fgm.eps > EDD_EPS_LINF_MAX)
        st = edd_fail(ctx, EDD_ERR_ARG, "--eps %g with --ord inf: expected a number in (0, %g], an L-inf radius on "
                      "images in [0, 1] (as train's --adv-eps); up to %g with --ord 2", c->fgm.eps, EDD_EPS_LINF_MAX,
                      EDD_EPS_L2_MAX);
    if (!st && c->given & 1ull << R_STEP && c->pgd.ord == 0 && c->pgd.step_size > EDD_EPS_LINF_MAX)
        st = edd_fail(ctx, EDD_ERR_ARG, "--step-size %g with --ord inf: expected a number in [0, %g] (as train's "
                      "--adv-step-size); up to %g with --ord 2", c->pgd.step_size, EDD_EPS_LINF_MAX, EDD_EPS_L2_MAX);
    if (!st)
        finish(c);
    return st;
}
