/* test_suite.c - the standard suite (edd_suite_run) and the CLI of the
 * newer attacks: on a briefly trained model, every image's outcome agrees
 * with the model (clean mistakes are NOT_CLEAN, broken images are
 * misclassified at a point inside the ball and the box, robust ones keep
 * x), the suite never leaves more images robust than its first attack
 * alone, two runs agree bit for bit, and every option is checked. */
#include <criterion/criterion.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "edd/eval.h"
#include "edd/suite.h"
#include "testutil.h"

TestSuite(attack_suite, .timeout = 300);

#define D EDD_IMG_SIZE

/* A K = 10 model trained 1 epoch on 2000 MNIST images, and the first n test images. */
static void suite_model(edd_ctx *ctx, edd_cnn *m, edd_dataset *te, size_t n)
{
    char dir[4096];
    mnist_dir_or_skip(dir, sizeof dir);
    edd_dataset tr;
    cr_assert_eq(edd_dataset_load(ctx, dir, 1, 2000, &tr), EDD_OK, "%s", ctx->err);
    cr_assert_eq(edd_dataset_load(ctx, dir, 0, n, te), EDD_OK, "%s", ctx->err);
    cr_assert_eq(edd_cnn_init(ctx, m, 10, 0.2f, 0.5f, 1), EDD_OK, "%s", ctx->err);
    edd_train_opts to;
    edd_train_opts_default(&to);
    to.epochs = 1;
    to.quiet = 1;
    cr_assert_eq(edd_train(ctx, m, &tr, &to, NULL), EDD_OK, "%s", ctx->err);
    edd_dataset_free(&tr);
}

/* Small budgets: the test is about the protocol, not the attacks' strength. */
static edd_suite_opts suite_small(int ord, float eps)
{
    edd_suite_opts o;
    edd_suite_opts_default(&o);
    o.ord = ord, o.eps = eps, o.steps = 10, o.n_target_classes = 2, o.fmn_steps = 30, o.queries = 50, o.quiet = 1;
    return o;
}

/* Each outcome against the model's own predictions, in the norm of o. */
static void suite_outcomes_hold(edd_ctx *ctx, const edd_cnn *m, const edd_dataset *te, const edd_suite_opts *o,
                                const float *adv, const int8_t *by)
{
    const size_t n = te->n;
    int *pc = malloc(n * sizeof(int)), *pa = malloc(n * sizeof(int));
    cr_assert_eq(edd_predict(ctx, m, te->x, n, 64, pc), EDD_OK, "%s", ctx->err);
    cr_assert_eq(edd_predict(ctx, m, adv, n, 64, pa), EDD_OK, "%s", ctx->err);
    for (size_t i = 0; i < n; i++) {
        const float *a = adv + i * D, *x = te->x + i * D;
        cr_assert_eq(by[i] == EDD_SUITE_NOT_CLEAN, pc[i] != te->y[i], "image %zu: outcome %d, clean prediction %d, "
                     "label %d", i, by[i], pc[i], te->y[i]);
        if (by[i] < 0) {
            cr_assert(!memcmp(a, x, D * sizeof(float)), "image %zu (outcome %d): adv is not x", i, by[i]);
            continue;
        }
        cr_assert_lt(by[i], EDD_SUITE_NATTACKS);
        cr_assert(edd_misclassified(m->k, pa[i], te->y[i]), "image %zu broken by %s, predicted %d (label %d)", i,
                  edd_suite_names[by[i]], pa[i], te->y[i]);
        double s = 0.0;
        for (int j = 0; j < D; j++) {
            cr_assert(a[j] >= 0.0f && a[j] <= 1.0f, "image %zu pixel %d = %g outside [0, 1]", i, j, a[j]);
            double d = fabs((double)a[j] - x[j]);
            s = o->ord == 2 ? s + d * d : fmax(s, d);
        }
        s = o->ord == 2 ? sqrt(s) : s;
        cr_assert_leq(s, o->eps * (1.0 + 1e-5) + 1e-5, "image %zu at %g, eps %g", i, s, (double)o->eps);
    }
    free(pc);
    free(pa);
}

Test(attack_suite, outcomes_agree_with_the_model_and_runs_repeat)
{
    edd_ctx ctx;
    ctx_make(&ctx);
    edd_cnn m;
    edd_dataset te;
    suite_model(&ctx, &m, &te, 40);
    const size_t n = te.n;
    float *adv = malloc(n * D * sizeof(float)), *again = malloc(n * D * sizeof(float));
    int8_t *by = malloc(n), *by2 = malloc(n);
    const int ords[2] = {0, 2};
    const float eps[2] = {0.15f, 1.5f};
    for (int c = 0; c < 2; c++) {
        edd_suite_opts o = suite_small(ords[c], eps[c]);
        double secs[EDD_SUITE_NATTACKS];
        cr_assert_eq(edd_suite_run(&ctx, &m, te.x, te.y, n, &o, adv, by, secs), EDD_OK, "%s", ctx.err);
        suite_outcomes_hold(&ctx, &m, &te, &o, adv, by);
        cr_assert_eq(edd_suite_run(&ctx, &m, te.x, te.y, n, &o, again, by2, NULL), EDD_OK, "%s", ctx.err);
        cr_assert(!memcmp(by, by2, n) && !memcmp(adv, again, n * D * sizeof(float)), "ord %d: two runs differ",
                  ords[c]);
        /* APGD-CE alone, as the suite's first attack runs it */
        edd_apgd_opts a;
        edd_apgd_opts_default(&a);
        a.ord = o.ord, a.eps = o.eps, a.steps = o.steps, a.quiet = 1;
        cr_assert_eq(edd_apgd(&ctx, &m, te.x, te.y, n, &a, again), EDD_OK, "%s", ctx.err);
        int *pa = malloc(n * sizeof(int));
        cr_assert_eq(edd_predict(&ctx, &m, again, n, 64, pa), EDD_OK, "%s", ctx.err);
        size_t robust = 0, robust_ce = 0;
        for (size_t i = 0; i < n; i++) {
            robust += by[i] == EDD_SUITE_ROBUST;
            robust_ce += by[i] != EDD_SUITE_NOT_CLEAN && !edd_misclassified(m.k, pa[i], te.y[i]);
        }
        fprintf(stderr, "suite ord %d eps %g on %zu images: robust %zu, against APGD-CE alone %zu\n", ords[c],
                (double)o.eps, n, robust, robust_ce);
        cr_assert_leq(robust, robust_ce, "the suite leaves %zu robust, its first attack alone %zu", robust, robust_ce);
        free(pa);
    }
    free(adv); free(again); free(by); free(by2);
    edd_dataset_free(&te);
    edd_cnn_free(&m);
    edd_ctx_free(&ctx);
}

Test(attack_suite, options_are_checked)
{
    edd_ctx ctx;
    ctx_make(&ctx);
    edd_cnn m;
    model_make(&ctx, &m, 11, 3);
    float *x = images_make(2, 4), adv[2 * D];
    uint8_t y[2] = {1, 2};
    int8_t by[2];
    struct {
        const char *field;
        edd_suite_opts o;
        const char *want;
    } cases[8];
    for (int c = 0; c < 8; c++)
        edd_suite_opts_default(&cases[c].o);
    cases[0].field = "ord", cases[0].o.ord = 1, cases[0].want = "ord 1";
    cases[1].field = "eps", cases[1].o.eps = NAN, cases[1].want = "eps nan";
    cases[2].field = "steps", cases[2].o.steps = 0, cases[2].want = "steps 0";
    cases[3].field = "queries", cases[3].o.queries = 0, cases[3].want = "queries 0";
    cases[4].field = "fmn_steps", cases[4].o.fmn_steps = -1, cases[4].want = "fmn_steps -1";
    cases[5].field = "targets", cases[5].o.n_target_classes = 10, cases[5].want = "n_target_classes 10";
    cases[6].field = "n_real", cases[6].o.n_real = 12, cases[6].want = "n_real 12";
    cases[7].field = "label", cases[7].o.n_real = 2, cases[7].o.n_target_classes = 1, cases[7].want = "label 2 of image 1";
    for (int c = 0; c < 8; c++) {
        cases[c].o.quiet = 1;
        cr_assert_eq(edd_suite_run(&ctx, &m, x, y, 2, &cases[c].o, adv, by, NULL), EDD_ERR_ARG, "%s accepted",
                     cases[c].field);
        cr_assert(strstr(ctx.err, cases[c].want), "%s: '%s' does not say '%s'", cases[c].field, ctx.err,
                  cases[c].want);
    }
    free(x);
    edd_cnn_free(&m);
    edd_ctx_free(&ctx);
}

/* The CLI: the newer attacks' options are refused where they do not apply. */
Test(attack_suite, cli_refuses_what_does_not_apply)
{
    char out[8192];
    static const struct {
        const char *args, *want;
    } cases[] = {
        {"attack --attack apgd --model x.edd --loss all", "expected ce or dlr"},
        {"attack --attack square --model x.edd --loss margin", "--loss does not apply to --attack square"},
        {"attack --suite standard --attack fgm --model x.edd", "give one of them"},
        {"attack --suite quick --model x.edd", "expected standard"},
        {"attack --attack apgd-t --model x.edd --n-target-classes 10", "n-target-classes"},
        {"attack --attack square --model x.edd --queries 0", "queries"},
        {"attack --attack square --model x.edd --p-init 1.5", "p-init"},
        {"attack --model x.edd", "--suite standard is required"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        int rc = edd_run(out, sizeof out, cases[c].args);
        cr_assert_eq(rc, 2, "edd %s: exit %d, expected 2 (%s)", cases[c].args, rc, out);
        cr_assert(strstr(out, cases[c].want), "edd %s: '%s' does not say '%s'", cases[c].args, out, cases[c].want);
    }
}
