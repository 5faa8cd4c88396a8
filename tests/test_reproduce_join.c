/* test_reproduce_join.c - edd reproduce's split stages: the sigma
 * stage's parts joined into the unsplit arrays, and the parameter studies'
 * points joined into the unsplit CSVs, each against the stage as it ran
 * before its split. */
#include <criterion/criterion.h>

#include "edd.h"
#include "experiments.h"
#include "edd/internal/simd.h"
#include "reproduce_util.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The sigma arrays as the stage made them before its split: one
 * edd_uncertainty call of np passes over the first rows_n training images
 * (every image when np is the main N or the studies use every image, the
 * study images otherwise), sigma for each N by the variance of its first N
 * passes, and in the second case a call of N passes over every image for
 * sigma.npy. */
static void unsplit_sigma(edd_ctx *ctx, const edd_cnn *t, const edd_dataset *tr, size_t ns, int np, int N,
                          float *main_sig, float *study)
{
    const size_t n = tr->n;
    const int one = np == N || ns == n;
    for (int call = 0; call < (one ? 1 : 2); call++) {
        edd_dataset view = *tr;
        view.n = one || call ? n : ns;
        const int passes = call ? N : np;
        edd_mc_opts o;
        edd_mc_opts_default(&o);
        o.passes = passes;
        o.seed = 3; /* the distilled model's, SEED_DISTILLED */
        o.quiet = 1;
        float *z = malloc((size_t)passes * view.n * 10 * sizeof(float)), *s = malloc(view.n * sizeof(float));
        float *rows = malloc((size_t)passes * view.n * sizeof(float));
        cr_assert(z && s && rows);
        cr_assert_eq(edd_uncertainty(ctx, t, &view, &o, s, z), EDD_OK, "%s", ctx->err);
        for (int p = 1; p <= passes; p++)
            edd_logit_variance_f32(ctx->simd, z, (size_t)p, view.n, 10, rows + (size_t)(p - 1) * view.n);
        if (call == 0)
            for (int p = 0; p < np; p++)
                memcpy(study + (size_t)p * ns, rows + (size_t)p * view.n, ns * sizeof(float));
        if (one || call)
            memcpy(main_sig, rows + (size_t)(N - 1) * n, n * sizeof(float));
        free(z);
        free(s);
        free(rows);
    }
}

/* Read dir/rel, a float32 array of count values. */
static float *read_f32(edd_ctx *ctx, const char *dir, const char *rel, size_t count)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    edd_npy a;
    cr_assert_eq(edd_npy_read(ctx, path, &a), EDD_OK, "%s", ctx->err);
    cr_assert(a.dtype == EDD_NPY_F32 && a.count == count, "%s: %zu values, expected %zu", path, a.count, count);
    return a.data;
}

/* The sigma stage runs as parts over ranges of the training images, joined
 * by `sigma`: the joined arrays are those of the unsplit stage bit for bit,
 * in each of its three layouts (smoke's, quick's and paper's, at 1,000
 * images: chunks of 128 and a partial last one, a part whose range crosses
 * the end of the study images, parts without study images). The parts obey
 * the manifests like any stage: a deleted part file redoes that part alone,
 * and the join only if the part's bytes changed. */
Test(reproduce, sigma_parts_join_to_the_unsplit_arrays, .timeout = 900)
{
    char data[4096], dir[64];
    mnist_dir_or_skip(data, sizeof data);
    edd_ctx ctx;
    ctx_make(&ctx);
    make_tmpdir(dir);
    edd_repro_scale sc;
    cr_assert_eq(edd_repro_scale_get(&ctx, "smoke", &sc), EDD_OK);
    sc.train_n = 1000;
    sc.passes = 3;
    static const struct {
        const char *what;
        size_t study_n;
        int n_passes, passes[3];
    } layout[] = {
        {"smoke: the largest N is the main one", 300, 2, {1, 3}},
        {"quick: more passes for the studies, on fewer images", 300, 3, {1, 3, 5}},
        {"paper: the studies on every image", 0, 3, {1, 3, 5}},
    };
    edd_dataset tr;
    cr_assert_eq(edd_dataset_load(&ctx, data, 1, sc.train_n, &tr), EDD_OK, "%s", ctx.err);
    edd_repro_log log;
    edd_repro_opts o = {.out_dir = dir, .data_dir = data, .only = "sigma", .quiet = 1};
    for (size_t l = 0; l < sizeof layout / sizeof layout[0]; l++) {
        sc.study_n = layout[l].study_n;
        sc.n_passes = layout[l].n_passes;
        memcpy(sc.passes_list, layout[l].passes, sizeof layout[l].passes);
        const size_t n = tr.n, ns = sc.study_n ? sc.study_n : n;
        const int np = layout[l].passes[layout[l].n_passes - 1];
        cr_assert_eq(edd_reproduce(&ctx, &sc, &o, &log), EDD_OK, "%s: %s", layout[l].what, ctx.err);
        cr_assert(ran(&log, "sigma") && ran(&log, "sigma_3"), "%s: sigma and its parts run", layout[l].what);
        edd_cnn t = {0};
        char path[512];
        snprintf(path, sizeof path, "%s/models/teacher.edd", dir);
        cr_assert_eq(edd_cnn_load(&ctx, &t, path), EDD_OK, "%s", ctx.err);
        float *main_sig = malloc(n * sizeof(float)), *study = malloc((size_t)np * ns * sizeof(float));
        unsplit_sigma(&ctx, &t, &tr, ns, np, sc.passes, main_sig, study);
        float *got = read_f32(&ctx, dir, "sigma/sigma.npy", n);
        cr_assert(!memcmp(got, main_sig, n * sizeof(float)), "%s: sigma.npy differs from the unsplit one",
                  layout[l].what);
        free(got);
        got = read_f32(&ctx, dir, "sigma/sigma_study.npy", (size_t)np * ns);
        cr_assert(!memcmp(got, study, (size_t)np * ns * sizeof(float)),
                  "%s: sigma_study.npy differs from the unsplit one", layout[l].what);
        free(got);
        /* the parts cover the images once, in order, each on a chunk
         * boundary of 128 */
        size_t at = 0;
        for (int k = 1; k <= EDD_REPRO_SIGMA_PARTS; k++) {
            char rel[64];
            snprintf(rel, sizeof rel, "sigma/sigma_%d.npy", k);
            snprintf(path, sizeof path, "%s/%s", dir, rel);
            edd_npy a;
            cr_assert_eq(edd_npy_read(&ctx, path, &a), EDD_OK, "%s", ctx.err);
            cr_assert(at % 128 == 0 && !memcmp(a.data, main_sig + at, a.count * sizeof(float)),
                      "%s: part %d at image %zu", layout[l].what, k, at);
            at += a.count;
            edd_npy_free(&a);
        }
        cr_assert_eq(at, n, "%s: the parts cover the %zu images", layout[l].what, n);
        free(main_sig);
        free(study);
        edd_cnn_free(&t);
    }
    /* a deleted part file: that part alone is redone, to the same bytes */
    char path[512];
    snprintf(path, sizeof path, "%s/sigma/sigma_study_2.npy", dir);
    cr_assert_eq(remove(path), 0);
    cr_assert_eq(edd_reproduce(&ctx, &sc, &o, &log), EDD_OK, "%s", ctx.err);
    cr_assert(ran(&log, "sigma_2") && nran(&log) == 1, "only sigma_2 is redone, and sigma not: %d ran", nran(&log));
    edd_dataset_free(&tr);
    edd_ctx_free(&ctx);
    rm_rf(dir);
}

/* One point of a parameter study as the stage made it before its split,
 * its two rows appended to csv (cap bytes): the distilled model (K = 11,
 * dropout 0.2 and 0.5, seed 3) trained for the study's epochs on the first
 * ns training images, labelled by Eq. 2 at alpha from sigma (the study
 * sigma's row of the point's N), then FGM at study_eps on the first fgm_n
 * test images with the paper's loss and the adaptive one, each scored on
 * the model itself. */
static void unsplit_point(edd_ctx *ctx, const edd_repro_scale *sc, const edd_dataset *tr, const edd_dataset *te,
                          const float *sigma, size_t ns, const char *fig, const char *setting, float alpha,
                          double value, char *csv, size_t cap)
{
    edd_dataset view = *tr;
    view.n = ns;
    float *labels = malloc(ns * 11 * sizeof(float));
    cr_assert_not_null(labels);
    edd_soft_labels(sigma, view.y, ns, 10, alpha, labels);
    edd_cnn m = {0};
    cr_assert_eq(edd_cnn_init(ctx, &m, 11, 0.2f, 0.5f, 3), EDD_OK, "%s", ctx->err);
    edd_distill_opts d;
    edd_distill_opts_default(&d);
    edd_train_opts t = d.train;
    t.epochs = sc->study_epochs;
    t.seed = 3;
    t.targets = labels;
    t.loss.outlier = 10;
    t.quiet = 1;
    cr_assert_eq(edd_train(ctx, &m, &view, &t, NULL), EDD_OK, "%s", ctx->err);
    const size_t n = sc->fgm_n < te->n ? sc->fgm_n : te->n;
    float *adv = malloc(n * EDD_IMG_SIZE * sizeof(float));
    cr_assert_not_null(adv);
    for (int l = 0; l < 2; l++) {
        edd_fgm_opts o;
        edd_fgm_opts_default(&o);
        o.eps = sc->study_eps;
        o.loss = l ? EDD_LOSS_REAL : EDD_LOSS_ALL;
        cr_assert_eq(edd_fgm(ctx, &m, te->x, te->y, n, &o, adv), EDD_OK, "%s", ctx->err);
        edd_attack_goal goal;
        edd_attack_goal_default(&goal);
        edd_attack_scores s;
        cr_assert_eq(edd_attack_eval(ctx, &m, &m, te->x, te->y, n, adv, &goal, &s), EDD_OK, "%s", ctx->err);
        const size_t len = strlen(csv);
        snprintf(csv + len, cap - len, "%s,distilled,distilled,fgm,%s,%g,%s,%zu,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f\n",
                 fig, setting, value, l ? "adaptive" : "paper", s.n, s.recovered, s.detected, s.misclassified,
                 s.mean_l2, s.source_success, s.clean_accuracy, s.clean_false_positives);
    }
    free(adv);
    free(labels);
    edd_cnn_free(&m);
}

/* The parameter studies run as a stage per point, joined by `fig2d` and
 * `fig2e`: at smoke scale (3 alphas, 3 Ns) the joined CSVs are those of the
 * unsplit stage byte for byte, each point recomputed here as that stage
 * computed it. The point stages past the scale's list run, write nothing,
 * and keep a manifest that lists no file and is valid; a deleted point
 * file redoes that point alone, and not the join, whose inputs come back
 * the same. */
Test(reproduce, study_points_join_to_the_unsplit_csvs, .timeout = 900)
{
    char data[4096], dir[64], path[512];
    mnist_dir_or_skip(data, sizeof data);
    edd_ctx ctx;
    ctx_make(&ctx);
    make_tmpdir(dir);
    edd_repro_scale sc;
    cr_assert_eq(edd_repro_scale_get(&ctx, "smoke", &sc), EDD_OK);
    edd_repro_log log;
    edd_repro_opts o = {.out_dir = dir, .data_dir = data, .only = "fig2d,fig2e", .quiet = 1};
    cr_assert_eq(edd_reproduce(&ctx, &sc, &o, &log), EDD_OK, "%s", ctx.err);
    cr_assert(log.n > 2 * (EDD_REPRO_STUDY_POINTS + 1) && nran(&log) == log.n, "every stage runs on an empty folder");
    edd_dataset tr, te;
    cr_assert_eq(edd_dataset_load(&ctx, data, 1, sc.train_n, &tr), EDD_OK, "%s", ctx.err);
    cr_assert_eq(edd_dataset_load(&ctx, data, 0, sc.test_n, &te), EDD_OK, "%s", ctx.err);
    const size_t ns = sc.study_n;
    cr_assert(ns < tr.n, "smoke's studies train on fewer images than the distilled model: no point reuses it");
    int np = sc.passes;
    for (int i = 0; i < sc.n_passes; i++)
        np = sc.passes_list[i] > np ? sc.passes_list[i] : np;
    float *study = read_f32(&ctx, dir, "sigma/sigma_study.npy", (size_t)np * ns);
    for (int f = 0; f < 2; f++) {
        const int npts = f ? sc.n_passes : sc.n_alpha;
        const char *fig = f ? "fig2e" : "fig2d";
        cr_assert(npts < EDD_REPRO_STUDY_POINTS, "smoke has point stages past its list");
        char want[8192] = CSV_HEADER;
        for (int i = 0; i < npts; i++) {
            const int N = f ? sc.passes_list[i] : sc.passes;
            const float alpha = f ? sc.alpha : sc.alphas[i];
            unsplit_point(&ctx, &sc, &tr, &te, study + (size_t)(N - 1) * ns, ns, fig, f ? "passes" : "alpha", alpha,
                          f ? (double)N : (double)alpha, want, sizeof want);
        }
        snprintf(path, sizeof path, "%s/%s", dir, f ? "fig2e_passes.csv" : "fig2d_alpha.csv");
        char *got = read_all(path, NULL);
        cr_assert(got && !strcmp(got, want), "%s differs from the unsplit stage's:\n%s\nexpected\n%s", path, got,
                  want);
        free(got);
        for (int k = 1; k <= EDD_REPRO_STUDY_POINTS; k++) {
            snprintf(path, sizeof path, "%s/points/%s_%d.csv", dir, fig, k);
            cr_assert_eq(access(path, F_OK) == 0, k <= npts, "%s: written iff point %d is on the list of %d", path, k,
                         npts);
            snprintf(path, sizeof path, "%s/stages/%s_%d.done", dir, fig, k);
            char *man = read_all(path, NULL);
            cr_assert_not_null(man, "%s: every point stage has a manifest", path);
            cr_assert_eq(strstr(man, "\nfile ") != NULL, k <= npts, "%s lists a file iff its point is on the list",
                         path);
            free(man);
        }
    }
    /* a second run finds every stage up to date, the empty points too */
    cr_assert_eq(edd_reproduce(&ctx, &sc, &o, &log), EDD_OK, "%s", ctx.err);
    cr_assert_eq(nran(&log), 0, "a manifest that lists no file is valid");
    /* a deleted point file: that point alone is redone, to the same bytes */
    snprintf(path, sizeof path, "%s/points/fig2e_2.csv", dir);
    cr_assert_eq(remove(path), 0);
    cr_assert_eq(edd_reproduce(&ctx, &sc, &o, &log), EDD_OK, "%s", ctx.err);
    cr_assert(ran(&log, "fig2e_2") && nran(&log) == 1, "only fig2e_2 is redone, and fig2e not: %d ran", nran(&log));
    free(study);
    edd_dataset_free(&tr);
    edd_dataset_free(&te);
    edd_ctx_free(&ctx);
    rm_rf(dir);
}
