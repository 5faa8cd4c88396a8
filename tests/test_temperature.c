/* test_temperature.c - defensive distillation as first published (Papernot
 * et al. 2016, the paper's reference [6]; docs/DEFENSE.md): the tempered
 * loss softmax(z/T) against finite differences and against the untempered
 * bits at T = 1, the refused combinations, the labels, one round of
 * distillation at T = 1 with hard labels equal to ordinary training on the
 * teacher's argmax, and the published effect at T = 100 (the deployed
 * logits are scaled up, the softmax at T = 1 saturates). The MNIST tests
 * need MNIST ($EDD_DATA_DIR/mnist or data/mnist) and skip without it. */
#include <criterion/criterion.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "edd.h"
#include "testutil.h"

TestSuite(temperature, .timeout = 600);

/* Reference: the cross-entropy of softmax(z/T) against t for one row, in
 * double, written independently of src/nn/loss.c. */
static double ref_tempered_row(const float *z, const float *t, int k, double T)
{
    double mx = -INFINITY, s = 0.0, l = 0.0;
    for (int j = 0; j < k; j++)
        mx = fmax(mx, z[j] / T);
    for (int j = 0; j < k; j++)
        s += exp(z[j] / T - mx);
    for (int j = 0; j < k; j++)
        l -= t[j] * (z[j] / T - mx - log(s));
    return l;
}

/* b rows of k logits on a grid of h (a power of two) with |z/T| < 4, and
 * random target distributions. */
static void make_case(uint64_t seed, int b, int k, float T, float h, float *z, float *t)
{
    uint64_t key = edd_rng_key(seed, 0, 0);
    for (int i = 0; i < b; i++) {
        double s = 0.0;
        for (int j = 0; j < k; j++) {
            z[i * k + j] = roundf(urand(key, (uint32_t)(i * k + j), -4.0f, 4.0f) * T / h) * h;
            t[i * k + j] = urand(key, (uint32_t)(1000 + i * k + j), 0.0f, 1.0f);
            s += t[i * k + j];
        }
        for (int j = 0; j < k; j++)
            t[i * k + j] = (float)(t[i * k + j] / s);
    }
}

/* The tempered loss's value against the double reference and its gradient
 * against central differences in each logit, at T = 1, 0.5, 3 and 100 (and
 * 1000 for the value). Step h = 2^(floor(log2 T) - 10), about T/1000: the
 * loss is smooth in z/T, so the central difference's truncation error is
 * ~(h/T)^2/6 relative, < 1e-6, and its rounding ~1e-16 T/h < 1e-12; the
 * tolerance, 1e-5 relative + 1e-7/T absolute (dz is float and of order
 * 1/(T b)), leaves room. */
Test(temperature, loss_gradient_matches_finite_differences)
{
    const int b = 3, k = 10;
    const float temps[] = {1.0f, 0.5f, 3.0f, 100.0f, 1000.0f};
    float z[30], t[30], dz[30];
    for (size_t c = 0; c < sizeof temps / sizeof temps[0]; c++) {
        float T = temps[c], h = exp2f(floorf(log2f(T)) - 10.0f);
        make_case(7 + c, b, k, T, h, z, t);
        edd_loss_opts o;
        edd_loss_opts_default(&o);
        o.temperature = T;
        double L = edd_loss_xent(z, t, NULL, b, k, &o, dz), ref = 0.0;
        for (int i = 0; i < b; i++)
            ref += ref_tempered_row(z + i * k, t + i * k, k, T);
        ref /= b;
        cr_assert(fabs(L - ref) <= 1e-12 * fabs(ref) + 1e-12, "T %g: loss %.15g, reference %.15g", T, L, ref);
        for (int i = 0; i < b * k; i++) {
            float v0 = z[i], vp = v0 + h, vm = v0 - h;
            z[i] = vp;
            double Lp = edd_loss_xent(z, t, NULL, b, k, &o, NULL);
            z[i] = vm;
            double Lm = edd_loss_xent(z, t, NULL, b, k, &o, NULL);
            z[i] = v0;
            double g = (Lp - Lm) / ((double)vp - (double)vm);
            cr_assert(fabs(dz[i] - g) <= 1e-5 * fabs(g) + 1e-7 / T, "T %g: dz[%d] = %.9g, finite difference %.9g", T, i,
                      dz[i], g);
        }
    }
}

/* At T = 1, given as 1 or left 0, the loss and its gradient are the bits
 * of the untempered loss (opts NULL). */
Test(temperature, t1_is_the_untempered_loss_bit_for_bit)
{
    const int b = 4, k = 11;
    float z[44], t[44], dz0[44], dz1[44], dzz[44];
    make_case(3, b, k, 1.0f, 0x1p-12f, z, t);
    edd_loss_opts one, zero;
    edd_loss_opts_default(&one);
    edd_loss_opts_default(&zero);
    one.temperature = 1.0f;
    zero.temperature = 0.0f;
    double L0 = edd_loss_xent(z, t, NULL, b, k, NULL, dz0);
    double L1 = edd_loss_xent(z, t, NULL, b, k, &one, dz1);
    double Lz = edd_loss_xent(z, t, NULL, b, k, &zero, dzz);
    cr_assert(!memcmp(&L0, &L1, sizeof L0) && !memcmp(&L0, &Lz, sizeof L0), "losses %.17g %.17g %.17g", L0, L1, Lz);
    cr_assert(!memcmp(dz0, dz1, sizeof dz0) && !memcmp(dz0, dzz, sizeof dz0), "T = 1 changes the gradient's bits");
}

/* The loss combinations nn.h allows: a temperature that is not a finite
 * T > 0, and the Eq. 3 penalty with T != 1, are refused by edd_train and
 * edd_distill, naming the value, before any training. */
Test(temperature, refused_combinations)
{
    edd_ctx ctx = ctx_threads_new(1);
    edd_dataset ds = noise_set(8, 1);
    edd_cnn m;
    cr_assert_eq(edd_cnn_init(&ctx, &m, 10, 0.2f, 0.5f, 1), EDD_OK);
    const uint64_t version = m.version;
    edd_train_opts o;
    edd_train_opts_default(&o);
    o.epochs = 1;
    o.quiet = 1;
    const float bad[] = {-1.0f, NAN, INFINITY};
    for (int i = 0; i < 3; i++) {
        o.loss.temperature = bad[i];
        cr_assert_eq(edd_train(&ctx, &m, &ds, &o, NULL), EDD_ERR_ARG, "T %g accepted", bad[i]);
        cr_assert(strstr(ctx.err, "temperature"), "%s", ctx.err);
    }
    edd_loss_opts_default(&o.loss);
    o.loss.penalty = EDD_PENALTY_HINGE;
    o.loss.gamma = 5e-4f;
    o.loss.kappa = 40.0f;
    o.loss.temperature = 2.0f;
    cr_assert_eq(edd_train(&ctx, &m, &ds, &o, NULL), EDD_ERR_ARG);
    cr_assert(strstr(ctx.err, "Eq. 3") && strstr(ctx.err, "temperature 2"), "%s", ctx.err);
    cr_assert_eq(m.version, version, "a refused run trained the model");
    edd_distill_opts d;
    edd_distill_opts_default(&d);
    d.method = EDD_DISTILL_TEMPERATURE;
    d.train.quiet = 1;
    for (int i = 0; i < 3; i++) {
        d.temperature = i ? bad[i] : 0.0f;
        edd_cnn out = {0};
        cr_assert_eq(edd_distill(&ctx, &m, &ds, &d, &out, NULL, NULL, NULL), EDD_ERR_ARG, "T %g accepted", d.temperature);
        cr_assert(strstr(ctx.err, "temperature"), "%s", ctx.err);
        edd_cnn_free(&out);
    }
    edd_cnn_free(&m);
    edd_dataset_free(&ds);
    edd_ctx_free(&ctx);
}

/* The labels: softmax(z/T) rows summing to 1 with the order of z, the
 * uniform distribution as T grows and one-hot as T shrinks; hard labels are
 * one-hot at the argmax (the first on ties); in place equals out of place. */
Test(temperature, labels_are_softmax_at_t)
{
    const float z[2 * 4] = {1.0f, 3.0f, -2.0f, 3.0f, 0.0f, 0.0f, 0.0f, 50.0f};
    float p[8], q[8];
    edd_soft_labels_temperature(z, 2, 4, 2.0f, 0, p);
    for (int i = 0; i < 2; i++) {
        double s = 0.0, e[4], se = 0.0;
        for (int j = 0; j < 4; j++)
            se += e[j] = exp(z[i * 4 + j] / 2.0);
        for (int j = 0; j < 4; j++) {
            cr_assert_float_eq(p[i * 4 + j], e[j] / se, 1e-7, "row %d class %d: %g, want %g", i, j, p[i * 4 + j], e[j] / se);
            s += p[i * 4 + j];
        }
        cr_assert_float_eq(s, 1.0, 1e-6);
    }
    edd_soft_labels_temperature(z, 2, 4, 1e6f, 0, p);
    for (int j = 0; j < 8; j++)
        cr_assert_float_eq(p[j], 0.25f, 1e-4f, "T = 1e6: label %d is %g, expected about uniform", j, p[j]);
    edd_soft_labels_temperature(z, 2, 4, 100.0f, 1, p);
    const float hard[8] = {0, 1, 0, 0, 0, 0, 0, 1};
    cr_assert(!memcmp(p, hard, sizeof p), "hard labels: the first argmax, one-hot");
    memcpy(q, z, sizeof q);
    edd_soft_labels_temperature(z, 2, 4, 3.0f, 0, p);
    edd_soft_labels_temperature(q, 2, 4, 3.0f, 0, q);
    cr_assert(!memcmp(p, q, sizeof p), "in place differs from out of place");
}

/* A teacher with dropout trained on ds at temperature T (seed 1). */
static void train_teacher(edd_ctx *ctx, const edd_dataset *ds, int epochs, float T, edd_cnn *m)
{
    cr_assert_eq(edd_cnn_init(ctx, m, 10, 0.2f, 0.5f, 1), EDD_OK, "%s", ctx->err);
    edd_train_opts o;
    edd_train_opts_default(&o);
    o.epochs = epochs;
    o.quiet = 1;
    o.loss.temperature = T;
    cr_assert_eq(edd_train(ctx, m, ds, &o, NULL), EDD_OK, "%s", ctx->err);
}

/* The test: at T = 1, one round of distillation with hard labels is
 * ordinary training on the teacher's argmax labels: same seed and thread
 * count, byte-identical models. The teacher (one epoch on 300 images) is
 * wrong on some training images, so the labels are really the teacher's,
 * and training on the true labels gives another model. */
Test(temperature, hard_labels_at_t1_equal_training_on_teacher_argmax)
{
    edd_ctx ctx = ctx_threads_new(1);
    edd_dataset ds = {0};
    load_or_skip(&ctx, 1, 300, &ds);
    edd_cnn teacher, distilled, trained, on_truth;
    train_teacher(&ctx, &ds, 1, 1.0f, &teacher);

    edd_distill_opts d;
    edd_distill_opts_default(&d);
    d.method = EDD_DISTILL_TEMPERATURE;
    d.temperature = 1.0f;
    d.hard_labels = 1;
    d.train.epochs = 1;
    d.train.seed = 4;
    d.train.quiet = 1;
    float *labels = malloc(ds.n * 10 * sizeof(float));
    cr_assert_eq(edd_distill(&ctx, &teacher, &ds, &d, &distilled, NULL, labels, NULL), EDD_OK, "%s", ctx.err);
    cr_assert_eq(distilled.k, 10);

    /* the teacher's argmax labels, computed here from its logits */
    float *z = malloc(ds.n * 10 * sizeof(float));
    edd_eval_result r;
    cr_assert_eq(edd_evaluate(&ctx, &teacher, &ds, d.train.batch, z, &r), EDD_OK, "%s", ctx.err);
    edd_dataset relabelled = ds;
    relabelled.y = malloc(ds.n);
    size_t wrong = 0;
    for (size_t i = 0; i < ds.n; i++) {
        relabelled.y[i] = (uint8_t)edd_argmax(z + i * 10, 10);
        wrong += relabelled.y[i] != ds.y[i];
        for (int j = 0; j < 10; j++)
            cr_assert_eq(labels[i * 10 + j], j == relabelled.y[i] ? 1.0f : 0.0f, "label %zu class %d", i, j);
    }
    cr_assert_gt(wrong, 0, "the teacher fits all %zu images: the test cannot tell its labels from the truth", ds.n);

    edd_train_opts o;
    edd_train_opts_default(&o);
    o.epochs = 1;
    o.seed = 4;
    o.quiet = 1;
    cr_assert_eq(edd_cnn_init(&ctx, &trained, 10, teacher.p_input, teacher.p_hidden, o.seed), EDD_OK);
    cr_assert_eq(edd_train(&ctx, &trained, &relabelled, &o, NULL), EDD_OK, "%s", ctx.err);
    cr_assert_eq(distilled.nparams, trained.nparams);
    cr_assert(!memcmp(distilled.params, trained.params, trained.nparams * sizeof(float)),
              "distillation at T = 1 with hard labels differs from training on the teacher's argmax");
    cr_assert(distilled.p_input == trained.p_input && distilled.p_hidden == trained.p_hidden);

    cr_assert_eq(edd_cnn_init(&ctx, &on_truth, 10, teacher.p_input, teacher.p_hidden, o.seed), EDD_OK);
    cr_assert_eq(edd_train(&ctx, &on_truth, &ds, &o, NULL), EDD_OK, "%s", ctx.err);
    cr_assert(memcmp(on_truth.params, trained.params, trained.nparams * sizeof(float)),
              "%zu of %zu labels differ, yet training on them equals training on the truth", wrong, ds.n);
    free(relabelled.y);
    free(labels);
    free(z);
    edd_cnn_free(&teacher);
    edd_cnn_free(&distilled);
    edd_cnn_free(&trained);
    edd_cnn_free(&on_truth);
    edd_dataset_free(&ds);
    edd_ctx_free(&ctx);
}

/* Over the rows of z (n x 10): the mean of the largest softmax probability
 * at T = 1, in double, and how many rows' float softmax puts exactly 1.0f on
 * the top class (every other exp(z_j - z_max) below float's half ulp of 1:
 * a gradient through that softmax is zero in float). */
static double mean_max_softmax(const float *z, size_t n, size_t *saturated)
{
    double sum = 0.0;
    *saturated = 0;
    for (size_t i = 0; i < n; i++) {
        double p[10];
        edd_softmax_f64(z + i * 10, 10, p);
        double pm = p[edd_argmax(z + i * 10, 10)];
        sum += pm;
        *saturated += (float)pm == 1.0f;
    }
    return sum / (double)n;
}

/* The published effect (Papernot et al. 2016; Carlini and Wagner 2016):
 * trained at T = 100 and deployed at T = 1, the distilled model's logits
 * are scaled up by about T, so its softmax at T = 1 saturates. A teacher at
 * T = 100, the distilled model at T = 100 on its soft labels, and an
 * undefended model at T = 1, each 5 epochs on 2000 images, scored on 1000
 * test images. The test holds the direction: a higher mean top softmax
 * for the distilled model, and more images whose float softmax is exactly 1;
 * it prints both models' figures. Fewer epochs on fewer images saturate
 * too, but leave the distilled model too inaccurate to mean anything. */
Test(temperature, t100_distilled_softmax_saturates)
{
    edd_ctx ctx = ctx_threads_new(1);
    edd_dataset tr = {0}, te = {0};
    load_or_skip(&ctx, 1, 2000, &tr);
    load_or_skip(&ctx, 0, 1000, &te);
    edd_cnn teacher, distilled, plain;
    train_teacher(&ctx, &tr, 5, 100.0f, &teacher);
    edd_distill_opts d;
    edd_distill_opts_default(&d);
    d.method = EDD_DISTILL_TEMPERATURE;
    d.temperature = 100.0f;
    d.train.epochs = 5;
    d.train.quiet = 1;
    cr_assert_eq(edd_distill(&ctx, &teacher, &tr, &d, &distilled, NULL, NULL, NULL), EDD_OK, "%s", ctx.err);
    train_teacher(&ctx, &tr, 5, 1.0f, &plain);
    float *zd = malloc(te.n * 10 * sizeof(float)), *zp = malloc(te.n * 10 * sizeof(float));
    edd_eval_result rd, rp;
    cr_assert_eq(edd_evaluate(&ctx, &distilled, &te, 250, zd, &rd), EDD_OK, "%s", ctx.err);
    cr_assert_eq(edd_evaluate(&ctx, &plain, &te, 250, zp, &rp), EDD_OK, "%s", ctx.err);
    size_t sat_d, sat_p;
    double md = mean_max_softmax(zd, te.n, &sat_d), mp = mean_max_softmax(zp, te.n, &sat_p);
    fprintf(stderr, "temperature: T=100 distilled: accuracy %.3f, mean max softmax %.4f, %zu saturated; "
            "undefended: accuracy %.3f, %.4f, %zu\n", rd.accuracy, md, sat_d, rp.accuracy, mp, sat_p);
    cr_assert_gt(md, mp, "mean max softmax at T = 1: distilled %.4f, undefended %.4f", md, mp);
    cr_assert_gt(sat_d, sat_p, "images whose float softmax is exactly 1: distilled %zu, undefended %zu", sat_d, sat_p);
    free(zd);
    free(zp);
    edd_cnn_free(&teacher);
    edd_cnn_free(&distilled);
    edd_cnn_free(&plain);
    edd_dataset_free(&tr);
    edd_dataset_free(&te);
    edd_ctx_free(&ctx);
}
