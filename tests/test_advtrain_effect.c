/* test_advtrain_effect.c - what adversarial training is for (edd/advtrain.h;
 * docs/DEFENSE.md, "Adversarial training"): a model trained on FGM-RS or
 * PGD examples holds better under white-box PGD than a plainly trained
 * one. Needs MNIST ($EDD_DATA_DIR/mnist or data/mnist) and skips without
 * it. The hook, its schedule and its checks are tests/test_advtrain.c's. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "edd.h"
#include "testutil.h"

TestSuite(advtrain_effect, .timeout = 300);

/* Accuracy of m under white-box L-inf PGD at eps (20 steps of 2.5 eps / 20,
 * one random start, the cross-entropy over the real classes) on te. */
static double pgd_accuracy(edd_ctx *ctx, const edd_cnn *m, const edd_dataset *te, float eps)
{
    edd_pgd_opts p;
    edd_pgd_opts_default(&p);
    p.eps = eps;
    p.steps = 20;
    p.loss = EDD_LOSS_REAL;
    p.quiet = 1;
    edd_dataset adv = *te;
    adv.x = malloc(te->n * EDD_IMG_SIZE * sizeof(float));
    cr_assert_not_null(adv.x);
    cr_assert_eq(edd_pgd(ctx, m, te->x, te->y, te->n, &p, adv.x), EDD_OK, "%s", ctx->err);
    edd_eval_result r;
    cr_assert_eq(edd_evaluate(ctx, m, &adv, 200, NULL, &r), EDD_OK, "%s", ctx->err);
    free(adv.x);
    return r.accuracy;
}

/* A model trained (seed 1, 2 epochs) on tr with adversarial training kind
 * (EDD_ADV_NONE: plainly) at eps, PGD with 5 steps, no eps ramp (the
 * setting measured below). */
static void train_adv(edd_ctx *ctx, const edd_dataset *tr, edd_adv_kind kind, float eps, edd_cnn *m)
{
    edd_train_opts o;
    edd_train_opts_default(&o);
    o.epochs = 2;
    o.quiet = 1;
    edd_adv_opts adv;
    edd_adv_opts_default(&adv);
    adv.kind = kind;
    adv.eps = eps;
    adv.steps = 5;
    adv.eps_ramp = 0.0f;
    cr_assert_eq(edd_adv_attach(ctx, &adv, &o, tr->n), EDD_OK, "%s", ctx->err);
    cr_assert_eq(edd_cnn_init(ctx, m, 10, 0.2f, 0.5f, o.seed), EDD_OK, "%s", ctx->err);
    cr_assert_eq(edd_train(ctx, m, tr, &o, NULL), EDD_OK, "%s", ctx->err);
}

/* What adversarial training is for: on 3,000 MNIST training images and 2
 * epochs at eps 0.2, the models trained on FGM-RS and on PGD (5 steps)
 * examples are more accurate under white-box PGD (eps 0.2, 20 steps) on the
 * first 200 test images than the plainly trained one. The test holds the
 * direction and prints the three accuracies; so little data and so few
 * epochs cost the adversarially trained models clean accuracy, and measure
 * no robustness (docs/results/adv-training does). */
Test(advtrain_effect, adversarial_training_beats_plain_training_under_pgd, .timeout = 240)
{
    edd_ctx ctx = ctx_threads_new(1);
    edd_dataset tr = {0}, te = {0};
    load_or_skip(&ctx, 1, 3000, &tr);
    load_or_skip(&ctx, 0, 200, &te);
    const float eps = 0.2f;
    edd_cnn plain, fgm, pgd;
    train_adv(&ctx, &tr, EDD_ADV_NONE, eps, &plain);
    train_adv(&ctx, &tr, EDD_ADV_FGM_RS, eps, &fgm);
    train_adv(&ctx, &tr, EDD_ADV_PGD, eps, &pgd);
    double ap = pgd_accuracy(&ctx, &plain, &te, eps), af = pgd_accuracy(&ctx, &fgm, &te, eps),
           ag = pgd_accuracy(&ctx, &pgd, &te, eps);
    fprintf(stderr, "advtrain: accuracy under PGD eps %g on %zu test images: plain %.3f, fgm-rs %.3f, pgd %.3f\n",
            eps, te.n, ap, af, ag);
    cr_assert_gt(af, ap, "under PGD: FGM-RS-trained %.3f, plainly trained %.3f", af, ap);
    cr_assert_gt(ag, ap, "under PGD: PGD-trained %.3f, plainly trained %.3f", ag, ap);
    edd_cnn_free(&plain);
    edd_cnn_free(&fgm);
    edd_cnn_free(&pgd);
    edd_dataset_free(&tr);
    edd_dataset_free(&te);
    edd_ctx_free(&ctx);
}
