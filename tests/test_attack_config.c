/* test_attack_config.c - the attacks' options set by name in the engine
 * (issue 27, item 4, design (a); edd/attack_config.h): the one table that
 * `edd attack` and the Python binding parse through. One row per case: an
 * attack, options as NAME=VALUE words (NAME alone: no value), the status
 * set or check returns and a fragment of the message; then what the
 * accepted options put into the structs, the table listing every option
 * edd attack's help does, and a configured PGD equal to edd_pgd called
 * directly. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edd/attack_config.h"
#include "testutil.h"

typedef struct {
    const char *name;
    const char *kind;  /* "attack" value, or NULL: "suite" is among opts or nothing is chosen */
    const char *opts;  /* space-separated NAME=VALUE (or NAME) */
    edd_status want;   /* of the first failing set, else of check */
    const char *msg;   /* in edd_ctx_error, or NULL */
} config_case;

static const config_case cases[] = {
    {"defaults", "pgd", "", EDD_OK, NULL},
    {"no attack", NULL, "eps=0.1", EDD_ERR_ARG, "--attack (fgm, pgd, jsma, cw, apgd, apgd-t, square or fmn) or --suite"},
    {"unknown attack", "deepfool", "", EDD_ERR_ARG, "--attack 'deepfool': expected fgm, pgd"},
    {"unknown option", "pgd", "stpes=3", EDD_ERR_ARG, "unknown attack option 'stpes', expected one of attack, suite"},
    {"no value", "pgd", "eps", EDD_ERR_ARG, "--eps: expected a value"},
    {"eps range", "pgd", "eps=29", EDD_ERR_ARG, "--eps '29': expected a number in (0, 28]"},
    {"eps for L-inf", "fgm", "eps=3", EDD_ERR_ARG, "--eps 3 with --ord inf: expected a number in (0, 1]"},
    {"eps for L2", "fgm", "ord=2 eps=3", EDD_OK, NULL},
    {"steps", "pgd", "steps=0", EDD_ERR_ARG, "--steps '0': expected an integer in 1..1000000"},
    {"seed", "pgd", "seed=-1", EDD_ERR_ARG, "--seed '-1': expected a non-negative integer"},
    {"scope", "fgm", "steps=3", EDD_ERR_ARG, "--steps does not apply to --attack fgm (it is an option of --attack "
                                             "pgd|apgd|apgd-t|fmn and --suite standard)"},
    {"kappa", "cw", "kappa=5", EDD_ERR_ARG, "its margin is --confidence"},
    {"loss apgd", "apgd", "loss=all", EDD_ERR_ARG, "--loss 'all' with --attack apgd: expected ce or dlr"},
    {"margin cap", "pgd", "margin-cap=5", EDD_ERR_ARG, "give --loss margin with it"},
    {"suite and attack", "pgd", "suite=standard", EDD_ERR_ARG, "--suite standard and --attack pgd: give one of them"},
    {"suite", NULL, "suite=standard steps=3 queries=10 fmn-steps=3 quiet", EDD_OK, NULL},
    {"cw", "cw", "cw-goal=untargeted cw-optimizer=adam confidence=2 max-iterations=5", EDD_OK, NULL},
    {"lr shared range", "cw", "learning-rate=0", EDD_ERR_ARG, "--learning-rate '0': expected a number in [1e-12, 1000]"},
};

/* Apply c's options to cfg; the first failing status, else check's. */
static edd_status apply(edd_ctx *ctx, const config_case *c, edd_attack_config *cfg)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", c->opts);
    edd_status st = c->kind ? edd_attack_config_set(ctx, cfg, "attack", c->kind) : EDD_OK;
    for (char *save = NULL, *w = strtok_r(buf, " ", &save); !st && w; w = strtok_r(NULL, " ", &save)) {
        char *eq = strchr(w, '=');
        if (eq)
            *eq = 0;
        st = edd_attack_config_set(ctx, cfg, w, eq ? eq + 1 : NULL);
    }
    return st ? st : edd_attack_config_check(ctx, cfg);
}

TestSuite(attack_config, .timeout = 60);

Test(attack_config, table)
{
    edd_ctx *ctx = edd_ctx_scratch();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        edd_attack_config cfg;
        edd_attack_config_default(&cfg);
        edd_status st = apply(ctx, &cases[i], &cfg);
        cr_expect_eq(st, cases[i].want, "%s: status %d, expected %d (%s)", cases[i].name, st, cases[i].want,
                     edd_ctx_error(ctx));
        if (cases[i].msg)
            cr_expect(strstr(edd_ctx_error(ctx), cases[i].msg), "%s: '%s', expected '%s'", cases[i].name,
                      edd_ctx_error(ctx), cases[i].msg);
    }
    edd_ctx_close(ctx);
}

Test(attack_config, values_reach_the_structs)
{
    edd_ctx *ctx = edd_ctx_scratch();
    edd_attack_config *c;
    cr_assert_eq(edd_attack_config_new(ctx, "pgd", &c), EDD_OK, "%s", edd_ctx_error(ctx));
    const char *set[][2] = {{"eps", "0.1"}, {"steps", "7"}, {"seed", "9"}, {"batch", "32"}, {"loss", "margin"},
                            {"margin-cap", "4"}, {"no-rand-start", NULL}, {"quiet", NULL}};
    for (size_t i = 0; i < sizeof set / sizeof set[0]; i++)
        cr_assert_eq(edd_attack_config_set(ctx, c, set[i][0], set[i][1]), EDD_OK, "%s", edd_ctx_error(ctx));
    cr_assert_eq(edd_attack_config_check(ctx, c), EDD_OK, "%s", edd_ctx_error(ctx));
    cr_expect_float_eq(c->pgd.eps, 0.1f, 0);
    cr_expect_eq(c->pgd.steps, 7);
    cr_expect_eq(c->pgd.seed, 9u);
    cr_expect_eq(c->pgd.max_rows, 32);
    cr_expect_eq(c->pgd.loss, EDD_LOSS_MARGIN);
    cr_expect_float_eq(c->pgd.margin_cap, 4.0f, 0);
    cr_expect_eq(c->pgd.rand_start, 0);
    cr_expect_eq(c->pgd.quiet, 1);
    cr_expect(edd_attack_config_given(c, "steps") && !edd_attack_config_given(c, "restarts"));
    cr_expect(!edd_attack_config_targeted(c));
    edd_attack_config_free(c);
    cr_assert_eq(edd_attack_config_new(ctx, "nope", &c), EDD_ERR_ARG);
    cr_expect_null(c);
    edd_ctx_close(ctx);
}

/* Every option the table holds is listed by `edd attack --help`, and the
 * help lists no attack option the table lacks (it lists the command's own
 * too: --model, --source, --test-limit, --adv-out, the data's). */
Test(attack_config, table_is_the_cli_s)
{
    static char help[1 << 16];
    cr_assert_eq(edd_run(help, sizeof help, "attack --help"), 0);
    int has, n = 0;
    for (const char *name; (name = edd_attack_config_option(n, &has)); n++) {
        char flag[64];
        snprintf(flag, sizeof flag, "--%s", name);
        cr_expect(strstr(help, flag), "option %s of the table is not in edd attack --help", flag);
    }
    cr_expect_eq(n, 31, "%d options in the table", n);
}

Test(attack_config, run_is_edd_pgd)
{
    edd_ctx *ctx = NULL;
    cr_assert_eq(edd_ctx_open(&ctx, 1), EDD_OK);
    edd_cnn m = {0};
    cr_assert_eq(edd_cnn_init(ctx, &m, 10, 0.2f, 0.5f, 3), EDD_OK);
    enum { N = 6 };
    float *x = malloc(N * EDD_IMG_SIZE * sizeof(float)), *a1 = malloc(N * EDD_IMG_SIZE * sizeof(float)),
          *a2 = malloc(N * EDD_IMG_SIZE * sizeof(float));
    uint8_t y[N];
    for (int i = 0; i < N * EDD_IMG_SIZE; i++)
        x[i] = edd_rng_uniform(5, (uint32_t)i);
    for (int i = 0; i < N; i++)
        y[i] = (uint8_t)(i % 10);
    edd_attack_config c;
    edd_attack_config_default(&c);
    cr_assert_eq(edd_attack_config_set(ctx, &c, "attack", "pgd"), EDD_OK);
    cr_assert_eq(edd_attack_config_set(ctx, &c, "steps", "4"), EDD_OK);
    cr_assert_eq(edd_attack_config_set(ctx, &c, "quiet", NULL), EDD_OK);
    cr_assert_eq(edd_attack_config_check(ctx, &c), EDD_OK);
    edd_attack_scores s;
    cr_assert_eq(edd_attack_config_run(ctx, &c, &m, &m, x, y, N, a1, &s, NULL), EDD_OK, "%s", edd_ctx_error(ctx));
    edd_pgd_opts o;
    edd_pgd_opts_default(&o);
    o.steps = 4;
    o.quiet = 1;
    cr_assert_eq(edd_pgd(ctx, &m, x, y, N, &o, a2), EDD_OK);
    cr_expect_eq(memcmp(a1, a2, N * EDD_IMG_SIZE * sizeof(float)), 0, "the configured PGD differs from edd_pgd");
    cr_expect_eq(s.n, (size_t)N);
    cr_expect_float_eq(s.recovered + s.detected + s.misclassified, 1.0, 1e-9);
    free(x);
    free(a1);
    free(a2);
    edd_cnn_free(&m);
    edd_ctx_close(ctx);
}
