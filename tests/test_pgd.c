/* test_pgd.c - the losses FGM and PGD ascend and PGD itself: each loss's
 * input gradient against central finite differences of the whole network
 * (K = 10 and 11, the outlier leading the guards or not), the margin's
 * dL/dz against the arg maxes found here by brute force and its cap;
 * PGD's invariants (inside the eps-ball and the box, L-inf and L2), one
 * L-inf step of size eps from x equal to FGM bit for bit, more restarts
 * never a smaller margin, independence of the batching, run-to-run
 * identity, the argument checks, and on a briefly trained model at least
 * as many images misclassified as FGM at the same eps. */
#include <criterion/criterion.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "edd/attacks.h"
#include "edd/eval.h"
#include "edd/train.h"
#include "edd/internal/objective.h"
#include "testutil.h"

TestSuite(attack_loss, .timeout = 120);
TestSuite(attack_pgd, .timeout = 300);

#define D EDD_IMG_SIZE

/* Logits (n x K) of n images from an INFER plan. */
static void logits(edd_ctx *ctx, const edd_cnn *m, const float *x, int n, float *z)
{
    edd_plan *p;
    cr_assert_eq(edd_plan_create(ctx, m, n, EDD_PLAN_INFER, 0, &p), EDD_OK, "%s", ctx->err);
    cr_assert_eq(edd_plan_forward(ctx, p, m, x, NULL, z), EDD_OK, "%s", ctx->err);
    edd_plan_free(p);
}

/* The margin written out: best real class other than y minus the best of
 * y and the outputs >= 10, with their first arg maxes. */
static double margin_ref(const float *z, int k, int y, int *oth, int *grd)
{
    *oth = -1;
    *grd = y;
    for (int j = 0; j < 10; j++)
        if (j != y && (*oth < 0 || z[j] > z[*oth]))
            *oth = j;
    for (int j = 10; j < k; j++)
        if (z[j] > z[*grd])
            *grd = j;
    return (double)z[*oth] - z[*grd];
}

/* Margins (n) of n images on m. */
static void margins(edd_ctx *ctx, const edd_cnn *m, const float *x, const uint8_t *y, int n, double *out)
{
    float *z = malloc((size_t)n * m->k * sizeof(float));
    logits(ctx, m, x, n, z);
    for (int i = 0; i < n; i++) {
        int o, g;
        out[i] = margin_ref(z + (size_t)i * m->k, m->k, y[i], &o, &g);
    }
    free(z);
}

/* ---------------------------------------------------------------- losses */

/* Sum over the images of the loss, from an INFER pass. */
static double loss_sum(edd_ctx *ctx, const edd_cnn *m, const edd_objective *o, const float *x, int n)
{
    float z[4 * 11];
    logits(ctx, m, x, n, z);
    double s = 0;
    for (int i = 0; i < n; i++)
        s += edd_objective_value(o, z + i * m->k, m->k, o->y[i]);
    return s;
}

/* dL/dx of each loss through edd_grad_input and edd_objective_dz_fn against
 * central differences of the network for 48 sampled pixels of each of 3
 * images, skipping pixels where the one-sided differences disagree (a ReLU
 * kink or an arg max of the margin changing within the step). With
 * outlier_leads (K = 11) the outlier's bias is raised until it leads the
 * label by 0.3 on every image, so the margin's -1 lands on it (a small
 * lead: logits near 30 would leave the differences float32 rounding). */
static void check_loss_fd(int k, edd_attack_loss loss, int outlier_leads)
{
    edd_ctx ctx;
    ctx_make(&ctx);
    edd_cnn m;
    model_make(&ctx, &m, k, 31);
    const int n = 3;
    float *x = images_make(n, 32), *g = malloc((size_t)n * D * sizeof(float)), z[3 * 11];
    uint8_t y[3] = {1, 6, 9};
    if (outlier_leads) {
        logits(&ctx, &m, x, n, z);
        float raise = -1e30f;
        for (int i = 0; i < n; i++)
            raise = fmaxf(raise, z[i * k + y[i]] - z[i * k + 10] + 0.3f);
        m.t[EDD_FC_B].data[10] += fmaxf(raise, 0.0f);
        m.version++;
    }
    edd_objective o = {loss, 10, EDD_ATTACK_MARGIN_CAP, y};
    cr_assert_eq(edd_objective_check(&ctx, "test", &o, k, n), EDD_OK, "%s", ctx.err);
    edd_gradder *gr;
    cr_assert_eq(edd_gradder_create(&ctx, k, 0, &gr), EDD_OK, "%s", ctx.err);
    cr_assert_eq(edd_grad_input(&ctx, gr, &m, x, n, 1, edd_objective_dz_fn, &o, g), EDD_OK, "%s", ctx.err);
    logits(&ctx, &m, x, n, z);
    for (int i = 0; i < n && loss == EDD_LOSS_MARGIN; i++) {
        int oth, grd;
        margin_ref(z + i * k, k, y[i], &oth, &grd);
        if (outlier_leads)
            cr_assert_eq(grd, 10, "image %d: the outlier must lead the guards", i);
    }
    const double h = 1e-3;
    uint64_t key = edd_rng_key(33, 1, 0);
    for (int i = 0; i < n; i++) {
        float *xi = x + (size_t)i * D;
        edd_objective oi = o;
        oi.y = y + i;
        double num = 0, den = 0;
        int used = 0;
        for (int s = 0; s < 48; s++) {
            int px = (int)(edd_rng_u32(key, (uint32_t)(i * 100 + s)) % D);
            float v0 = xi[px];
            double f0 = loss_sum(&ctx, &m, &oi, xi, 1);
            xi[px] = v0 + (float)h;
            double fp = loss_sum(&ctx, &m, &oi, xi, 1), hp = (double)xi[px] - v0;
            xi[px] = v0 - (float)h;
            double fm = loss_sum(&ctx, &m, &oi, xi, 1), hm = v0 - (double)xi[px];
            xi[px] = v0;
            double fwd = (fp - f0) / hp, bwd = (f0 - fm) / hm, fd = (fp - fm) / (hp + hm);
            if (fabs(fwd - bwd) > 0.1 * fmax(fmax(fabs(fwd), fabs(bwd)), 1e-3))
                continue;
            double ga = g[(size_t)i * D + px];
            num += (ga - fd) * (ga - fd);
            den += fd * fd;
            used++;
        }
        cr_assert_gt(used, 24, "K=%d loss %d image %d: only %d kink-free pixels", k, loss, i, used);
        cr_assert_gt(den, 0.0, "K=%d loss %d image %d: a zero gradient tests nothing", k, loss, i);
        cr_assert_leq(sqrt(num), 3e-2 * sqrt(den) + 1e-5, "K=%d loss %d image %d: |g - fd| %g, |fd| %g", k, loss, i,
                      sqrt(num), sqrt(den));
    }
    edd_gradder_free(gr);
    free(x); free(g);
    edd_cnn_free(&m);
    edd_ctx_free(&ctx);
}

Test(attack_loss, xent_all_matches_finite_differences)
{
    check_loss_fd(10, EDD_LOSS_ALL, 0);
    check_loss_fd(11, EDD_LOSS_ALL, 0);
}

Test(attack_loss, xent_real_matches_finite_differences)
{
    check_loss_fd(10, EDD_LOSS_REAL, 0);
    check_loss_fd(11, EDD_LOSS_REAL, 0);
}

Test(attack_loss, margin_matches_finite_differences)
{
    check_loss_fd(10, EDD_LOSS_MARGIN, 0);
    check_loss_fd(11, EDD_LOSS_MARGIN, 0);
    check_loss_fd(11, EDD_LOSS_MARGIN, 1);
}

/* The margin's dL/dz is +1 at the brute-force arg max of the other real
 * classes and -1 at that of the guards, its value their difference; at a
 * cap below the margin the value is the cap and dz is 0. The CE losses'
 * dz sums to 0 over the outputs the softmax covers and is 0 beyond. */
Test(attack_loss, margin_dz_and_cap_by_hand)
{
    const int k = 11;
    uint64_t key = edd_rng_key(41, 0, 0);
    for (int r = 0; r < 200; r++) {
        float z[11], dz[11];
        for (int j = 0; j < k; j++)
            z[j] = urand(key, (uint32_t)(r * 16 + j), -3.0f, 3.0f);
        uint8_t y = (uint8_t)(r % 10);
        int oth, grd;
        double mref = margin_ref(z, k, y, &oth, &grd);
        edd_objective o = {EDD_LOSS_MARGIN, 10, EDD_ATTACK_MARGIN_CAP, &y};
        cr_assert_eq(edd_objective_value(&o, z, k, y), (double)(float)mref, "row %d: value", r);
        edd_objective_dz(&o, z, k, y, dz);
        for (int j = 0; j < k; j++)
            cr_assert_eq(dz[j], j == oth ? 1.0f : j == grd ? -1.0f : 0.0f, "row %d: dz[%d] = %g", r, j, dz[j]);
        o.margin_cap = (float)mref - 0.5f;
        if (o.margin_cap > 0.0f) {
            cr_assert_eq(edd_objective_value(&o, z, k, y), (double)o.margin_cap, "row %d: capped value", r);
            edd_objective_dz(&o, z, k, y, dz);
            for (int j = 0; j < k; j++)
                cr_assert_eq(dz[j], 0.0f, "row %d: capped dz[%d] = %g", r, j, dz[j]);
        }
        for (int l = EDD_LOSS_ALL; l <= EDD_LOSS_REAL; l++) {
            o.loss = (edd_attack_loss)l;
            edd_objective_dz(&o, z, k, y, dz);
            double s = 0;
            for (int j = 0; j < k; j++)
                s += dz[j];
            cr_assert_float_eq(s, 0.0, 1e-6, "row %d loss %d: dz sums to %g", r, l, s);
            cr_assert(l == EDD_LOSS_ALL || dz[10] == 0.0f, "row %d: the real-class CE has dz %g at the outlier", r,
                      dz[10]);
        }
    }
}

/* ---------------------------------------------------------------- PGD */

/* Every point PGD returns lies in the box and in the eps-ball around x
 * (L-inf: within float rounding of x +- eps; L2: norm <= eps (1 + 1e-5)),
 * and the attack moved the images. */
static void check_ball(int ord, float eps)
{
    edd_ctx ctx;
    ctx_make(&ctx);
    edd_cnn m;
    model_make(&ctx, &m, 11, 51);
    const int n = 6;
    float *x = images_make(n, 52), *adv = malloc((size_t)n * D * sizeof(float));
    uint8_t y[6] = {0, 2, 4, 6, 8, 9};
    edd_pgd_opts o;
    edd_pgd_opts_default(&o);
    o.ord = ord;
    o.eps = eps;
    o.steps = 6;
    o.restarts = 2;
    o.loss = EDD_LOSS_MARGIN;
    o.quiet = 1;
    cr_assert_eq(edd_pgd(&ctx, &m, x, y, n, &o, adv), EDD_OK, "%s", ctx.err);
    for (int i = 0; i < n; i++) {
        double l2 = 0, linf = 0;
        for (int j = 0; j < D; j++) {
            float a = adv[i * D + j], xv = x[i * D + j];
            cr_assert(a >= 0.0f && a <= 1.0f, "image %d pixel %d = %g outside the box", i, j, a);
            l2 += ((double)a - xv) * ((double)a - xv);
            linf = fmax(linf, fabs((double)a - xv));
        }
        if (ord == 0)
            cr_assert_leq(linf, eps + 1e-6, "image %d: L-inf distance %g > eps %g", i, linf, eps);
        else
            cr_assert_leq(sqrt(l2), eps * (1 + 1e-5), "image %d: L2 distance %g > eps %g", i, sqrt(l2), eps);
        cr_assert_gt(l2, 0.0, "image %d did not move", i);
    }
    free(x); free(adv);
    edd_cnn_free(&m);
    edd_ctx_free(&ctx);
}

Test(attack_pgd, linf_stays_in_the_ball_and_the_box) { check_ball(0, 0.1f); }
Test(attack_pgd, l2_stays_in_the_ball_and_the_box) { check_ball(2, 1.5f); }

/* One L-inf step of size eps from x (no random start) is FGM with the
 * same loss, bit for bit, wherever that step raised the margin; where it
 * did not, PGD keeps x (its start). Images whose two margins are within
 * rounding of each other may go either way. */
static void check_one_step_is_fgm(edd_attack_loss loss)
{
    edd_ctx ctx;
    ctx_make(&ctx);
    edd_cnn m;
    model_make(&ctx, &m, 11, 61);
    const int n = 8;
    float *x = images_make(n, 62), *pa = malloc((size_t)n * D * sizeof(float)), *fa = malloc((size_t)n * D * sizeof(float));
    uint8_t y[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    edd_fgm_opts f;
    edd_fgm_opts_default(&f);
    f.eps = 0.05f;
    f.loss = loss;
    edd_pgd_opts o;
    edd_pgd_opts_default(&o);
    o.eps = o.step_size = f.eps;
    o.steps = 1;
    o.rand_start = 0;
    o.loss = loss;
    o.quiet = 1;
    cr_assert_eq(edd_fgm(&ctx, &m, x, y, n, &f, fa), EDD_OK, "%s", ctx.err);
    cr_assert_eq(edd_pgd(&ctx, &m, x, y, n, &o, pa), EDD_OK, "%s", ctx.err);
    double m0[8], m1[8];
    margins(&ctx, &m, x, y, n, m0);
    margins(&ctx, &m, fa, y, n, m1);
    int took_fgm = 0;
    for (int i = 0; i < n; i++) {
        int is_fgm = !memcmp(pa + i * D, fa + i * D, D * sizeof(float));
        int is_x = !memcmp(pa + i * D, x + i * D, D * sizeof(float));
        cr_assert(is_fgm || is_x, "loss %d image %d: PGD's point is neither FGM's nor x", loss, i);
        if (fabs(m1[i] - m0[i]) > 1e-4 * (1 + fabs(m0[i])))
            cr_assert_eq(is_fgm, m1[i] > m0[i], "loss %d image %d: margins %g at x, %g after the step", loss, i,
                         m0[i], m1[i]);
        took_fgm += is_fgm;
    }
    cr_assert_gt(took_fgm, 0, "loss %d: no image took the step", loss);
    free(x); free(pa); free(fa);
    edd_cnn_free(&m);
    edd_ctx_free(&ctx);
}

Test(attack_pgd, one_linf_step_from_x_is_fgm)
{
    check_one_step_is_fgm(EDD_LOSS_ALL);
    check_one_step_is_fgm(EDD_LOSS_REAL);
    check_one_step_is_fgm(EDD_LOSS_MARGIN);
}

/* With the same seed the first restart of a 3-restart run is the 1-restart
 * run, so every image keeps its point or finds one of larger margin; the
 * same run twice is bit-identical; and a run cut into oneDNN pieces of 4
 * rows (4+4+4+1 for 13 images) gives what one piece of 16 gives, up to
 * oneDNN's rounding at another batch size: L2 steps are continuous in the
 * gradient, so pixels agree to 1e-5; an L-inf sign may flip only where a
 * gradient component is at rounding level, so at most 1% of an image's
 * pixels differ. */
static void check_restarts_and_batching(int ord)
{
    edd_ctx ctx;
    ctx_make(&ctx);
    edd_cnn m;
    model_make(&ctx, &m, 11, 71);
    const int n = 13;
    float *x = images_make(n, 72);
    float *a1 = malloc((size_t)n * D * sizeof(float)), *a1b = malloc((size_t)n * D * sizeof(float));
    float *a3 = malloc((size_t)n * D * sizeof(float)), *a4 = malloc((size_t)n * D * sizeof(float));
    uint8_t y[13];
    for (int i = 0; i < n; i++)
        y[i] = (uint8_t)((3 * i) % 10);
    edd_pgd_opts o;
    edd_pgd_opts_default(&o);
    o.ord = ord;
    o.eps = ord ? 1.0f : 0.05f;
    o.steps = 4;
    o.loss = EDD_LOSS_MARGIN;
    o.seed = 9;
    o.quiet = 1;
    cr_assert_eq(edd_pgd(&ctx, &m, x, y, n, &o, a1), EDD_OK, "%s", ctx.err);
    cr_assert_eq(edd_pgd(&ctx, &m, x, y, n, &o, a1b), EDD_OK, "%s", ctx.err);
    cr_assert(!memcmp(a1, a1b, (size_t)n * D * sizeof(float)), "ord %d: two runs differ", ord);
    o.max_rows = 4;
    cr_assert_eq(edd_pgd(&ctx, &m, x, y, n, &o, a4), EDD_OK, "%s", ctx.err);
    for (int i = 0; i < n; i++) {
        double err = 0;
        int differ = 0;
        for (int j = 0; j < D; j++) {
            double e = fabs((double)a4[i * D + j] - a1[i * D + j]);
            err = fmax(err, e);
            differ += e > 0;
        }
        if (ord == 2)
            cr_assert_leq(err, 1e-5, "image %d: pieces of 4 rows move a pixel by %g", i, err);
        else
            cr_assert_leq(differ, D / 100, "image %d: pieces of 4 rows change %d pixels", i, differ);
    }
    o.max_rows = 0;
    o.restarts = 3;
    cr_assert_eq(edd_pgd(&ctx, &m, x, y, n, &o, a3), EDD_OK, "%s", ctx.err);
    double m1[13], m3[13];
    margins(&ctx, &m, a1, y, n, m1);
    margins(&ctx, &m, a3, y, n, m3);
    int moved = 0;
    for (int i = 0; i < n; i++) {
        if (!memcmp(a1 + i * D, a3 + i * D, D * sizeof(float)))
            continue;
        moved++;
        cr_assert_geq(m3[i], m1[i] - 1e-4 * (1 + fabs(m1[i])), "ord %d image %d: margin %g after 3 restarts, %g after 1",
                      ord, i, m3[i], m1[i]);
    }
    cr_assert_gt(moved, 0, "ord %d: no later restart beat the first", ord);
    free(x); free(a1); free(a1b); free(a3); free(a4);
    edd_cnn_free(&m);
    edd_ctx_free(&ctx);
}

Test(attack_pgd, linf_restarts_and_batching) { check_restarts_and_batching(0); }
Test(attack_pgd, l2_restarts_and_batching) { check_restarts_and_batching(2); }

Test(attack_pgd, rejects_bad_arguments)
{
    edd_ctx ctx;
    ctx_make(&ctx);
    edd_cnn m;
    model_make(&ctx, &m, 11, 81);
    float *x = images_make(2, 82), adv[2 * D];
    uint8_t y[2] = {3, 4}, bad[2] = {3, 10};
    static const struct {
        const char *field, *want;
    } cases[] = {{"eps", "eps nan"}, {"steps", "steps 0"}, {"restarts", "restarts 0"}, {"ord", "ord 1"},
                 {"loss", "loss 3"}, {"margin_cap", "margin_cap -1"}, {"label", "label 10 of image 1"}, {"step", "step_size inf"}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        edd_pgd_opts o;
        edd_pgd_opts_default(&o);
        o.quiet = 1;
        const uint8_t *yy = y;
        if (!strcmp(cases[c].field, "eps")) o.eps = NAN;
        if (!strcmp(cases[c].field, "steps")) o.steps = 0;
        if (!strcmp(cases[c].field, "restarts")) o.restarts = 0;
        if (!strcmp(cases[c].field, "ord")) o.ord = 1;
        if (!strcmp(cases[c].field, "loss")) o.loss = (edd_attack_loss)3;
        if (!strcmp(cases[c].field, "margin_cap")) o.margin_cap = -1.0f;
        if (!strcmp(cases[c].field, "label")) yy = bad;
        if (!strcmp(cases[c].field, "step")) o.step_size = INFINITY;
        cr_assert_eq(edd_pgd(&ctx, &m, x, yy, 2, &o, adv), EDD_ERR_ARG, "%s", cases[c].field);
        cr_assert(strstr(ctx.err, cases[c].want), "%s: '%s' does not say '%s'", cases[c].field, ctx.err,
                  cases[c].want);
    }
    free(x);
    edd_cnn_free(&m);
    edd_ctx_free(&ctx);
}

/* A K = 10 model trained 1 epoch on 3000 MNIST images; on 100 test images
 * at eps 0.15 (L-inf), PGD with the margin loss (40 steps, one random
 * start) leaves at least as many images misclassified on the model, by
 * the one scoring rule, as FGM does with the paper's loss, and every
 * image it succeeds on is one whose returned margin is positive; with
 * early_stop, the same images cross. */
Test(attack_pgd, trained_model_pgd_at_least_fgm)
{
    char dir[4096];
    mnist_dir_or_skip(dir, sizeof dir);
    edd_ctx ctx;
    ctx_make(&ctx);
    edd_dataset tr, te;
    cr_assert_eq(edd_dataset_load(&ctx, dir, 1, 3000, &tr), EDD_OK, "%s", ctx.err);
    cr_assert_eq(edd_dataset_load(&ctx, dir, 0, 100, &te), EDD_OK, "%s", ctx.err);
    edd_cnn m;
    cr_assert_eq(edd_cnn_init(&ctx, &m, 10, 0.2f, 0.5f, 1), EDD_OK, "%s", ctx.err);
    edd_train_opts to;
    edd_train_opts_default(&to);
    to.epochs = 1;
    to.quiet = 1;
    cr_assert_eq(edd_train(&ctx, &m, &tr, &to, NULL), EDD_OK, "%s", ctx.err);
    const size_t n = te.n;
    float *fa = malloc(n * D * sizeof(float)), *pa = malloc(n * D * sizeof(float));
    edd_fgm_opts f;
    edd_fgm_opts_default(&f);
    f.eps = 0.15f;
    edd_pgd_opts o;
    edd_pgd_opts_default(&o);
    o.eps = f.eps;
    o.steps = 40;
    o.loss = EDD_LOSS_MARGIN;
    o.quiet = 1;
    cr_assert_eq(edd_fgm(&ctx, &m, te.x, te.y, n, &f, fa), EDD_OK, "%s", ctx.err);
    cr_assert_eq(edd_pgd(&ctx, &m, te.x, te.y, n, &o, pa), EDD_OK, "%s", ctx.err);
    edd_attack_goal goal;
    edd_attack_goal_default(&goal);
    edd_attack_scores sf, sp;
    cr_assert_eq(edd_attack_eval(&ctx, &m, &m, te.x, te.y, n, fa, &goal, &sf), EDD_OK, "%s", ctx.err);
    cr_assert_eq(edd_attack_eval(&ctx, &m, &m, te.x, te.y, n, pa, &goal, &sp), EDD_OK, "%s", ctx.err);
    fprintf(stderr, "pgd vs fgm, eps 0.15, %zu images: clean accuracy %.2f, misclassified FGM %.2f, PGD %.2f\n", n,
            sf.clean_accuracy, sf.misclassified, sp.misclassified);
    cr_assert_geq(sp.misclassified, sf.misclassified, "PGD misclassifies %g, FGM %g", sp.misclassified,
                  sf.misclassified);
    double *mp = malloc(n * sizeof(double));
    margins(&ctx, &m, pa, te.y, (int)n, mp);
    int pos = 0;
    for (size_t i = 0; i < n; i++)
        pos += mp[i] > 0.0;
    cr_assert_eq((double)pos / (double)n, sp.source_success, "%d positive margins, success %g", pos, sp.source_success);
    /* early_stop, here with 2 restarts against 2 restarts without: the
     * same images cross (the steps before a first crossing are the same),
     * each early-stopped adv is a crossing point, and none is further
     * from x than the eps-ball allows */
    float *full = malloc(n * D * sizeof(float)), *early = malloc(n * D * sizeof(float));
    double *mf = malloc(n * sizeof(double)), *me = malloc(n * sizeof(double));
    o.restarts = 2;
    cr_assert_eq(edd_pgd(&ctx, &m, te.x, te.y, n, &o, full), EDD_OK, "%s", ctx.err);
    o.early_stop = 1;
    cr_assert_eq(edd_pgd(&ctx, &m, te.x, te.y, n, &o, early), EDD_OK, "%s", ctx.err);
    margins(&ctx, &m, full, te.y, (int)n, mf);
    margins(&ctx, &m, early, te.y, (int)n, me);
    int crossed = 0, stopped = 0;
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(mf[i] > EDD_PGD_STOP_MARGIN, me[i] > EDD_PGD_STOP_MARGIN,
                     "image %zu: margin %g without early stop, %g with", i, mf[i], me[i]);
        crossed += mf[i] > EDD_PGD_STOP_MARGIN;
        stopped += me[i] > EDD_PGD_STOP_MARGIN && me[i] < mf[i];
        for (int j = 0; j < D; j++)
            cr_assert_leq(fabsf(early[i * D + j] - te.x[i * D + j]), o.eps + 1e-6f, "image %zu pixel %d", i, j);
    }
    cr_assert_gt(crossed, 0, "no image crossed at eps %g", o.eps);
    cr_assert_gt(stopped, 0, "early stop kept the full run's points on all %d crossed images", crossed);
    free(full); free(early); free(mf); free(me);
    free(mp); free(fa); free(pa);
    edd_cnn_free(&m);
    edd_dataset_free(&tr);
    edd_dataset_free(&te);
    edd_ctx_free(&ctx);
}
