/* test_hostile_names.c - one meaning per name (issue 25, item 5): --kappa
 * is Eq. 3's penalty constant (edd distill) only, the FGM/PGD margin cap
 * is --margin-cap and CW's margin --confidence; an option that does not
 * apply to the attack chosen is refused with exit 2 and a message naming
 * it (and, for the margins, the option that attack takes instead). One row
 * per case: an attack and an option it does not take. The options are
 * refused before any file is read, so the rows need no model and no data;
 * the rows that must pass the check stop at a missing data folder (exit
 * 1). Then the library names: EDD_K_MAX, edd_outlier_class, and scoring
 * a model with more outputs than the old fixed array of 64 held. */
#include <criterion/criterion.h>
#include <string.h>

#include "edd/eval.h"
#include "testutil.h"

#define NODATA " --model m.edd --data-dir /nonexistent"

typedef struct {
    const char *name;
    const char *args;   /* edd's arguments */
    int exit;           /* the exit status expected */
    const char *want;   /* in stdout and stderr */
    const char *absent; /* in neither, or NULL */
} names_case;

static const names_case cases[] = {
    /* the margins: each attack's own name, the others refused with a pointer to it */
    {"cw_kappa", "attack --attack cw --kappa 5" NODATA, 2,
     "--kappa does not apply to --attack cw (it is Eq. 3's penalty constant, an option of edd distill); its margin is "
     "--confidence", NULL},
    {"fgm_kappa", "attack --attack fgm --kappa 5" NODATA, 2,
     "--kappa does not apply to --attack fgm (it is Eq. 3's penalty constant, an option of edd distill); its margin is "
     "--margin-cap", NULL},
    {"pgd_kappa", "attack --attack pgd --loss margin --kappa 5" NODATA, 2,
     "--kappa does not apply to --attack pgd (it is Eq. 3's penalty constant, an option of edd distill); its margin is "
     "--margin-cap", NULL},
    {"jsma_kappa", "attack --attack jsma --kappa 5" NODATA, 2,
     "--kappa does not apply to --attack jsma (it is Eq. 3's penalty constant, an option of edd distill)", "margin is"},
    {"suite_kappa", "attack --suite standard --kappa 5" NODATA, 2, "--kappa does not apply to --suite standard", NULL},
    {"fgm_confidence", "attack --attack fgm --confidence 1" NODATA, 2,
     "--confidence does not apply to --attack fgm (it is an option of --attack cw); its margin is --margin-cap", NULL},
    {"pgd_confidence", "attack --attack pgd --confidence 1" NODATA, 2,
     "--confidence does not apply to --attack pgd (it is an option of --attack cw); its margin is --margin-cap", NULL},
    {"apgd_confidence", "attack --attack apgd --confidence 1" NODATA, 2,
     "--confidence does not apply to --attack apgd (it is an option of --attack cw)", "margin is"},
    {"cw_margin_cap", "attack --attack cw --margin-cap 5" NODATA, 2,
     "--margin-cap does not apply to --attack cw (it is an option of --attack fgm|pgd); its margin is --confidence",
     NULL},
    {"apgd_margin_cap", "attack --attack apgd --margin-cap 5" NODATA, 2,
     "--margin-cap does not apply to --attack apgd (it is an option of --attack fgm|pgd)", NULL},
    {"pgd_margin_cap_loss_all", "attack --attack pgd --margin-cap 5" NODATA, 2,
     "--margin-cap 5 with --loss all: it caps the margin loss, give --loss margin with it", NULL},
    {"fgm_margin_cap_loss_real", "attack --attack fgm --loss real --margin-cap 5" NODATA, 2,
     "--margin-cap 5 with --loss real", NULL},
    /* the other options of one attack family */
    {"jsma_eps", "attack --attack jsma --eps 0.1" NODATA, 2,
     "--eps does not apply to --attack jsma (it is an option of --attack fgm|pgd|apgd|apgd-t|square and --suite "
     "standard)", NULL},
    {"fmn_eps", "attack --attack fmn --eps 1" NODATA, 2, "--eps does not apply to --attack fmn", NULL},
    {"cw_ord", "attack --attack cw --ord 2" NODATA, 2, "--ord does not apply to --attack cw", NULL},
    {"square_loss", "attack --attack square --loss margin" NODATA, 2,
     "--loss does not apply to --attack square (it is an option of --attack fgm|pgd|apgd)", NULL},
    {"apgd_t_loss", "attack --attack apgd-t --loss dlr" NODATA, 2, "--loss does not apply to --attack apgd-t", NULL},
    {"fgm_seed", "attack --attack fgm --seed 3" NODATA, 2, "--seed does not apply to --attack fgm", NULL},
    {"fmn_seed", "attack --attack fmn --seed 3" NODATA, 2, "--seed does not apply to --attack fmn", NULL},
    {"fgm_steps", "attack --attack fgm --steps 5" NODATA, 2,
     "--steps does not apply to --attack fgm (it is an option of --attack pgd|apgd|apgd-t|fmn and --suite standard)",
     NULL},
    {"cw_steps", "attack --attack cw --steps 5" NODATA, 2, "--steps does not apply to --attack cw", NULL},
    {"fmn_restarts", "attack --attack fmn --restarts 2" NODATA, 2, "--restarts does not apply to --attack fmn", NULL},
    {"suite_step_size", "attack --suite standard --step-size 0.01" NODATA, 2,
     "--step-size does not apply to --suite standard (it is an option of --attack pgd)", NULL},
    {"apgd_rand_start", "attack --attack apgd --no-rand-start" NODATA, 2,
     "--no-rand-start does not apply to --attack apgd", NULL},
    {"fgm_early_stop", "attack --attack fgm --early-stop" NODATA, 2, "--early-stop does not apply to --attack fgm",
     NULL},
    {"apgd_n_target_classes", "attack --attack apgd --n-target-classes 3" NODATA, 2,
     "--n-target-classes does not apply to --attack apgd (it is an option of --attack apgd-t and --suite standard)",
     NULL},
    {"pgd_queries", "attack --attack pgd --queries 10" NODATA, 2, "--queries does not apply to --attack pgd", NULL},
    {"suite_p_init", "attack --suite standard --p-init 0.5" NODATA, 2,
     "--p-init does not apply to --suite standard (it is an option of --attack square)", NULL},
    {"fmn_fmn_steps", "attack --attack fmn --fmn-steps 10" NODATA, 2, "--fmn-steps does not apply to --attack fmn",
     NULL},
    {"pgd_gamma", "attack --attack pgd --gamma 0.1" NODATA, 2,
     "--gamma does not apply to --attack pgd (it is an option of --attack jsma)", NULL},
    {"cw_jacobian", "attack --attack cw --jacobian logits" NODATA, 2, "--jacobian does not apply to --attack cw", NULL},
    {"jsma_cw_goal", "attack --attack jsma --cw-goal untargeted" NODATA, 2, "--cw-goal does not apply to --attack jsma",
     NULL},
    {"fgm_binary_search_steps", "attack --attack fgm --binary-search-steps 3" NODATA, 2,
     "--binary-search-steps does not apply to --attack fgm (it is an option of --attack cw)", NULL},
    {"pgd_max_iterations", "attack --attack pgd --max-iterations 3" NODATA, 2,
     "--max-iterations does not apply to --attack pgd", NULL},
    {"square_learning_rate", "attack --attack square --learning-rate 0.1" NODATA, 2,
     "--learning-rate does not apply to --attack square", NULL},
    {"jsma_initial_const", "attack --attack jsma --initial-const 1" NODATA, 2,
     "--initial-const does not apply to --attack jsma", NULL},
    {"apgd_abort_early", "attack --attack apgd --no-abort-early" NODATA, 2,
     "--no-abort-early does not apply to --attack apgd", NULL},
    {"fmn_cw_optimizer", "attack --attack fmn --cw-optimizer adam" NODATA, 2,
     "--cw-optimizer does not apply to --attack fmn", NULL},
    {"suite_cw_rho", "attack --suite standard --cw-rho 0.9" NODATA, 2, "--cw-rho does not apply to --suite standard",
     NULL},
    {"pgd_cw_eps", "attack --attack pgd --cw-eps 0.001" NODATA, 2, "--cw-eps does not apply to --attack pgd", NULL},
    /* a value error is still the value's, whichever attack */
    {"margin_cap_zero", "attack --attack pgd --loss margin --margin-cap 0" NODATA, 2,
     "--margin-cap '0': expected a number in (0, ", NULL},
    /* each name where it applies passes the check (and stops at the data) */
    {"pgd_margin_cap_applies", "attack --attack pgd --loss margin --margin-cap 5 --seed 2" NODATA, 1, "/nonexistent",
     "does not apply"},
    {"fgm_margin_cap_applies", "attack --attack fgm --loss margin --margin-cap 5 --eps 0.1" NODATA, 1, "/nonexistent",
     "does not apply"},
    {"cw_confidence_applies", "attack --attack cw --confidence 5 --seed 2 --max-iterations 3" NODATA, 1,
     "/nonexistent", "does not apply"},
    {"suite_options_apply", "attack --suite standard --eps 0.1 --steps 3 --restarts 1 --n-target-classes 2 "
     "--fmn-steps 3 --queries 3 --seed 2" NODATA, 1, "/nonexistent", "does not apply"},
    {"distill_kappa_applies", "distill --teacher t.edd --out d.edd --kappa 5 --data-dir /nonexistent", 1,
     "/nonexistent", "does not apply"},
    {"distill_penalty_none_kappa", "distill --teacher t.edd --out d.edd --penalty none --kappa 5", 2,
     "--kappa does not apply to --penalty none (it is Eq. 3's constant, an option of --penalty hinge and literal)",
     NULL},
    {"distill_literal_kappa_applies", "distill --teacher t.edd --out d.edd --penalty literal --kappa 5 "
     "--data-dir /nonexistent", 1, "/nonexistent", "does not apply"},
    {"distill_temperature_kappa", "distill --teacher t.edd --out d.edd --method temperature --kappa 5", 2,
     "--kappa does not apply to --method temperature", NULL},
};

Test(hostile_names, each_option_where_it_applies, .timeout = 120)
{
    char out[8192];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const names_case *c = &cases[i];
        int rc = edd_run(out, sizeof out, c->args);
        cr_expect_eq(rc, c->exit, "%s: edd %s: exit %d, expected %d: %s", c->name, c->args, rc, c->exit, out);
        cr_expect(strstr(out, c->want), "%s: expected '%s' in: %s", c->name, c->want, out);
        if (c->absent)
            cr_expect(!strstr(out, c->absent), "%s: expected no '%s' in: %s", c->name, c->absent, out);
    }
}

/* Every option that belongs to some attacks only, with a valid value
 * (--margin-cap with --loss margin, which it needs; --loss with a name the
 * attack takes). */
static const struct {
    const char *name, *value;
} scoped[] = {
    {"eps", "0.1"}, {"ord", "2"}, {"loss", NULL}, {"margin-cap", "5 --loss margin"}, {"kappa", "5"}, {"seed", "2"},
    {"steps", "3"}, {"restarts", "1"}, {"step-size", "0.01"}, {"no-rand-start", ""}, {"early-stop", ""},
    {"n-target-classes", "2"}, {"queries", "3"}, {"p-init", "0.5"}, {"fmn-steps", "3"}, {"gamma", "0.1"},
    {"jacobian", "logits"}, {"confidence", "1"}, {"cw-goal", "untargeted"}, {"binary-search-steps", "2"},
    {"max-iterations", "3"}, {"learning-rate", "0.1"}, {"initial-const", "1"}, {"no-abort-early", ""},
    {"cw-optimizer", "adam"}, {"cw-rho", "0.9"}, {"cw-eps", "0.001"},
};

/* docs/ATTACKS.md's table "The options of each attack" is what edd attack
 * does: each attack takes the options of its row (exit 1 at the missing
 * data) and refuses every other (exit 2, "does not apply"). */
Test(hostile_names, docs_table_is_the_parser, .timeout = 240)
{
    char *doc = file_read_text("docs/ATTACKS.md", NULL);
    cr_assert(doc, "docs/ATTACKS.md: run the tests from the source tree");
    const char *t = strstr(doc, "## The options of each attack");
    cr_assert(t, "docs/ATTACKS.md has no section \"The options of each attack\"");
    t = strstr(t, "|---|---|");
    cr_assert(t);
    int rows = 0;
    char args[1024], out[8192], attack[32], flag[64];
    for (const char *line = strchr(t, '\n') + 1; !strncmp(line, "| `", 3); line = strchr(line, '\n') + 1) {
        const char *end = strchr(line, '\n');
        cr_assert(end && sscanf(line, "| `%31[^`]`", attack) == 1);
        snprintf(flag, sizeof flag, strcmp(attack, "suite") ? "--attack %s" : "--suite standard", attack);
        for (size_t o = 0; o < sizeof scoped / sizeof scoped[0]; o++) {
            char want[64];
            snprintf(want, sizeof want, "`--%s`", scoped[o].name);
            const char *hit = strstr(line, want);
            const int listed = hit && hit < end;
            const char *v = scoped[o].value ? scoped[o].value : !strcmp(attack, "apgd") ? "ce" : "margin";
            snprintf(args, sizeof args, "attack %s --model m.edd --data-dir /nonexistent --%s %s", flag,
                     scoped[o].name, v);
            int rc = edd_run(out, sizeof out, args);
            cr_expect_eq(rc, listed ? 1 : 2, "edd %s: exit %d, expected %d (docs/ATTACKS.md %s it): %s", args, rc,
                         listed ? 1 : 2, listed ? "lists" : "does not list", out);
            if (!listed)
                cr_expect(strstr(out, "does not apply to"), "edd %s: %s", args, out);
        }
        rows++;
    }
    cr_expect_eq(rows, 9, "docs/ATTACKS.md's table has %d rows, expected one per attack and the suite (9)", rows);
    free(doc);
}

/* The help of edd attack names --margin-cap and --confidence and offers no
 * --kappa; edd distill's still offers --kappa, Eq. 3's. */
Test(hostile_names, help_names_each_margin_once, .timeout = 60)
{
    char out[16384];
    cr_assert_eq(edd_run(out, sizeof out, "attack --help"), 0, "%s", out);
    cr_expect(strstr(out, "--margin-cap X") && strstr(out, "--confidence K"), "%s", out);
    cr_expect(!strstr(out, "--kappa X"), "edd attack --help still offers --kappa: %s", out);
    cr_assert_eq(edd_run(out, sizeof out, "distill --help"), 0, "%s", out);
    cr_expect(strstr(out, "--kappa X"), "%s", out);
}

/* The outlier class is named once: index EDD_N_REAL of a K = 11 model,
 * none otherwise; EDD_K_MAX bounds K where a model is made. */
Test(hostile_names, outlier_class_and_k_max, .timeout = 60)
{
    cr_assert_eq(edd_outlier_class(EDD_N_REAL + 1), EDD_N_REAL);
    cr_assert_eq(edd_outlier_class(EDD_N_REAL), -1);
    cr_assert_eq(edd_outlier_class(2), -1);
    cr_assert_eq(edd_outlier_class(EDD_K_MAX), -1);
    cr_assert(edd_misclassified(11, 3, 4) && !edd_misclassified(11, 10, 4) && edd_misclassified(10, 9, 4));
    edd_ctx ctx;
    edd_cnn m = {0};
    ctx_make(&ctx);
    cr_assert_eq(edd_cnn_init(&ctx, &m, EDD_K_MAX + 1, 0.0f, 0.0f, 1), EDD_ERR_ARG);
    char want[64];
    snprintf(want, sizeof want, "expected 2..%d", EDD_K_MAX);
    cr_assert(strstr(ctx.err, want), "%s", ctx.err);
    edd_ctx_free(&ctx);
}

/* A targeted goal on a model with 100 outputs is scored like one with 10:
 * the scoring no longer copies a row into a float[64] (and so no longer
 * refuses K > 64). The target wins once its margin is taken off. */
Test(hostile_names, attack_eval_takes_k_above_64, .timeout = 120)
{
    edd_ctx ctx;
    edd_cnn m = {0};
    ctx_make(&ctx);
    model_make(&ctx, &m, 100, 5);
    const size_t n = 4;
    float *x = images_make(n, 9);
    uint8_t y[4] = {0, 1, 2, 3}, t[4];
    int pred[4];
    cr_assert_eq(edd_predict(&ctx, &m, x, n, 4, pred), EDD_OK, "%s", ctx.err);
    for (size_t i = 0; i < n; i++)
        t[i] = (uint8_t)pred[i];
    edd_attack_goal goal;
    edd_attack_goal_default(&goal);
    goal.target = t;
    edd_attack_scores s;
    cr_assert_eq(edd_attack_eval(&ctx, &m, &m, x, y, n, x, &goal, &s), EDD_OK, "%s", ctx.err);
    cr_assert_eq(s.source_success, 1.0, "the model predicts each target: success %g", s.source_success);
    goal.confidence = 1e30f;
    cr_assert_eq(edd_attack_eval(&ctx, &m, &m, x, y, n, x, &goal, &s), EDD_OK, "%s", ctx.err);
    cr_assert_eq(s.source_success, 0.0, "no target leads by 1e30: success %g", s.source_success);
    free(x);
    edd_cnn_free(&m);
    edd_ctx_free(&ctx);
}
