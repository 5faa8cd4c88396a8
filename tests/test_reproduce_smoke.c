/* test_reproduce_smoke.c - edd reproduce at the smoke scale end to end
 * into a temporary folder: every output there and well formed, the report's
 * sections, the baselines and the ablation, the models; stopped and
 * resumed; `edd attack` agreeing with the CSVs; then resumed after
 * deleting, corrupting, copying and forcing outputs, and after changing
 * settings. */
#include <criterion/criterion.h>

#include "edd.h"
#include "experiments.h"
#include "reproduce_util.h"
#include "testutil.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

typedef enum { DAMAGE_DELETE, DAMAGE_FLIP, DAMAGE_INTERRUPT } damage;

/* Damage stage's output csv (relative to dir) one way, rerun, and check
 * that the stage alone is redone and writes the same bytes again. */
static void redo_alone(edd_ctx *ctx, const edd_repro_scale *sc, const char *dir, const char *data, const char *csv,
                       const char *stage, damage how)
{
    char path[4200];
    edd_repro_log log;
    snprintf(path, sizeof path, "%s/%s", dir, csv);
    char *before = read_all(path, NULL);
    cr_assert(before, "%s exists", path);
    if (how == DAMAGE_DELETE) {
        remove(path);
    } else if (how == DAMAGE_FLIP) {
        flip_byte(path, 200);
    } else {
        write_file(path, "figure,sou");
        snprintf(path, sizeof path, "%s/stages/%s.done", dir, stage);
        remove(path);
        snprintf(path, sizeof path, "%s/%s", dir, csv);
    }
    run(ctx, sc, dir, data, NULL, &log);
    cr_assert(ran(&log, stage));
    cr_assert_eq(nran(&log), 1, "only %s is redone (damage %d)", stage, (int)how);
    char *after = read_all(path, NULL);
    cr_assert(after, "%s is written again", path);
    cr_assert_str_eq(after, before, "%s is deterministic", stage);
    free(after);
    free(before);
}

/* The figure CSVs' rows and plots, the headline, and the white-box
 * figures' baseline and budget rows, of the finished run in dir. */
static void check_figures(const edd_repro_scale *sc, const char *dir)
{
    char path[4200];
    /* rows: the points of the setting times the curves: (distilled, and the
     * baseline in a white-box figure) x (the paper's variant, and the
     * adaptive or budget one) */
    static const struct {
        const char *csv, *png;
        int setting; /* 0 eps, 1 gamma, 2 kappa, 3 alpha, 4 passes */
        int curves;
    } figs[] = {
        {"fig2a_fgm.csv", "fig2a", 0, 4},   {"fig2b_jsma.csv", "fig2b", 1, 4}, {"fig2c_cw.csv", "fig2c", 2, 4},
        {"fig2d_alpha.csv", "fig2d", 3, 2}, {"fig2e_passes.csv", "fig2e", 4, 2}, {"fig3a_fgm.csv", "fig3a", 0, 2},
        {"fig3b_fgm.csv", "fig3b", 0, 1},   {"fig3c_jsma.csv", "fig3c", 1, 2}, {"fig3d_jsma.csv", "fig3d", 1, 1},
        {"fig3e_cw.csv", "fig3e", 2, 1},    {"fig3f_cw.csv", "fig3f", 2, 1},
    };
    for (size_t i = 0; i < sizeof figs / sizeof figs[0]; i++) {
        const int points[5] = {sc->n_eps, sc->n_gamma, sc->n_kappa, sc->n_alpha, sc->n_passes};
        snprintf(path, sizeof path, "%s/%s", dir, figs[i].csv);
        cr_assert_eq(csv_rows(path), figs[i].curves * points[figs[i].setting], "%s rows", figs[i].csv);
        snprintf(path, sizeof path, "%s/plots/%s.png", dir, figs[i].png);
        size_t len;
        char *png = read_all(path, &len);
        cr_assert(png && len > 8 && !memcmp(png, "\x89PNG\r\n\x1a\n", 8), "%s is a PNG", path);
        free(png);
    }
    snprintf(path, sizeof path, "%s/headline.csv", dir);
    char *h = read_all(path, NULL);
    cr_assert(h && !strncmp(h, "metric,model,attack,setting,n,paper,ours\n", 41));
    cr_assert(strstr(h, "accuracy,baseline,none,clean,") && strstr(h, "misclassified,baseline,cw,kappa=0,"));
    cr_assert(strstr(h, "misclassified,distilled-budget,cw,kappa=0,"), "the headline has the budget CW row");
    free(h);
    /* every white-box point has its baseline row (source = target =
     * baseline), each variant; every kappa its budget row */
    static const struct {
        const char *csv, *head, *variant;
        int setting;
    } extra[] = {
        {"fig2a_fgm.csv", "fig2a,baseline,baseline,fgm,eps", "paper", 0},
        {"fig2a_fgm.csv", "fig2a,baseline,baseline,fgm,eps", "adaptive", 0},
        {"fig2b_jsma.csv", "fig2b,baseline,baseline,jsma,gamma", "paper", 1},
        {"fig2b_jsma.csv", "fig2b,baseline,baseline,jsma,gamma", "adaptive", 1},
        {"fig2c_cw.csv", "fig2c,baseline,baseline,cw,kappa", "paper", 2},
        {"fig2c_cw.csv", "fig2c,baseline,baseline,cw,kappa", "budget", 2},
        {"fig2c_cw.csv", "fig2c,distilled,distilled,cw,kappa", "budget", 2},
    };
    for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++) {
        const float *vals[3] = {sc->eps, sc->gamma, sc->kappa};
        const int nv[3] = {sc->n_eps, sc->n_gamma, sc->n_kappa};
        snprintf(path, sizeof path, "%s/%s", dir, extra[i].csv);
        for (int k = 0; k < nv[extra[i].setting]; k++) {
            char key[256];
            double v[8];
            snprintf(key, sizeof key, "%s,%g,%s,", extra[i].head, (double)vals[extra[i].setting][k], extra[i].variant);
            csv_row(path, key, v);
        }
    }
}

/* report.md's sections, and security.csv and its plot. */
static void check_report(const edd_repro_scale *sc, const char *dir)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/report.md", dir);
    char *rep = read_all(path, NULL);
    cr_assert(rep, "report.md exists");
    cr_assert(strstr(rep, "## Headline") && strstr(rep, "| accuracy | baseline |") && strstr(rep, "98.41"),
              "report.md starts with the headline table");
    cr_assert(strstr(rep, "#### The kappa cliff, measured") && strstr(rep, "- distilled, larger budget (Adam"),
              "report.md says where each CW budget falls below half of its kappa-0 rate");
    cr_assert(strstr(rep, "oneDNN") && strstr(rep, "## Wall time per stage"));
    cr_assert(strstr(rep, "## Does the defense hold? The worst case per image") &&
                  strstr(rep, "## Gradient-masking diagnostics"),
              "report.md has the security curve and the masking checks");
    /* security.csv: per model and eps, clean, the 8 attacks, the worst case
     * and noise; then PGD at eps 1 per model */
    snprintf(path, sizeof path, "%s/security.csv", dir);
    char *sec = read_all(path, NULL);
    cr_assert(sec && !strncmp(sec, "model,eps,attack,n,broken,only,robust_accuracy,lo,hi\n", 53), "%s", path);
    int sec_lines = 0;
    for (const char *c = sec; *c; c++)
        sec_lines += *c == '\n';
    cr_assert_eq(sec_lines - 1, 2 * sc->n_sec_eps * 11 + 2, "security.csv rows");
    cr_assert(strstr(sec, "distilled,0.3,worst-case,") && strstr(sec, "baseline,1,pgd-margin,"), "%s", sec);
    free(sec);
    snprintf(path, sizeof path, "%s/plots/security.png", dir);
    size_t plen;
    char *spng = read_all(path, &plen);
    cr_assert(spng && plen > 8 && !memcmp(spng, "\x89PNG\r\n\x1a\n", 8), "%s is a PNG", path);
    free(spng);
    cr_assert(strstr(rep, "## Baselines") && strstr(rep, "Gradient masking (an attack on the paper's loss at least") &&
                  strstr(rep, "(baselines.csv, rows pgd-margin): no verdict (pipeline test, scale `smoke`)"),
              "report.md has the baselines' table and its two sentences, without a verdict at smoke scale");
    cr_assert(strstr(rep, "## Eq. 3 ablation") &&
                  strstr(rep, "Whether JSMA's masking comes from the hinge: no verdict (pipeline test"),
              "report.md has the ablation's table and its sentence, without a verdict at smoke scale");
    free(rep);
}

/* Issue 13: baselines.csv (its parts joined), ablation.csv, their plot. */
static void check_baselines(const edd_repro_scale *sc, const char *dir)
{
    char path[4200];
    size_t plen;
    char *spng;
    /* issue 13: the five models under attack and the Eq. 3 ablation */
    static const char *const base_models[] = {"baseline", "temperature", "distilled", "adv", "adv_distilled"};
    static const char *const abl_models[] = {"ablation_none", "ablation_literal", "ablation_hinge10", "distilled",
                                             "ablation_hinge100"};
    int nrows[5];
    snprintf(path, sizeof path, "%s/baselines.csv", dir);
    base_rows(path, base_models, 5, nrows);
    for (int k = 0; k < 5; k++) /* clean, FGM with 3 losses and PGD with 2 at each eps, JSMA at each gamma, CW at kappa 0 */
        cr_assert_eq(nrows[k], 1 + 5 * sc->n_eps + sc->n_base_gamma + 1, "baselines.csv rows of %s", base_models[k]);
    {   /* baselines.csv is the header, then the parts' rows, one part per model, in model order */
        char *whole = read_all(path, NULL), want[65536];
        size_t len = (size_t)snprintf(want, sizeof want, "%s", BASE_HEADER);
        for (int k = 1; k <= 5; k++) {
            char part[512];
            snprintf(part, sizeof part, "%s/points/baselines_%d.csv", dir, k);
            char *rows = read_all(part, NULL);
            cr_assert(rows && !strncmp(rows, base_models[k - 1], strlen(base_models[k - 1])) &&
                          len + strlen(rows) < sizeof want, "%s holds the rows of %s", part, base_models[k - 1]);
            len += (size_t)snprintf(want + len, sizeof want - len, "%s", rows);
            free(rows);
        }
        cr_assert(whole && !strcmp(whole, want), "%s is not its parts joined:\n%s\nexpected\n%s", path, whole, want);
        free(whole);
    }
    snprintf(path, sizeof path, "%s/ablation.csv", dir);
    base_rows(path, abl_models, 5, nrows);
    for (int k = 0; k < 5; k++) /* clean, FGM and PGD at each eps, both JSMAs at each gamma */
        cr_assert_eq(nrows[k], 1 + 2 * sc->n_eps + 2 * sc->n_base_gamma, "ablation.csv rows of %s", abl_models[k]);
    snprintf(path, sizeof path, "%s/plots/baselines.png", dir);
    spng = read_all(path, &plen);
    cr_assert(spng && plen > 8 && !memcmp(spng, "\x89PNG\r\n\x1a\n", 8), "%s is a PNG", path);
    free(spng);
}

/* The models of the baselines and the ablation. */
static void check_models(edd_ctx *ctx, const char *dir)
{
    char path[4200];
    /* the models: temperature distillation keeps K = 10, the adversarially
     * trained ones load; the literal reading of Eq. 3, whose max is the
     * constant kappa = 40 until a wrong class leads by 40 logits (never in
     * one epoch on 2,000 images), trains the no-penalty model bit for bit */
    edd_model_header mh, mn;
    float *pl = NULL, *pn = NULL;
    snprintf(path, sizeof path, "%s/models/temperature.edd", dir);
    cr_assert_eq(edd_model_file_read(ctx, path, &mh, &pl), EDD_OK, "%s", ctx->err);
    cr_assert_eq(mh.k, 10, "temperature distillation keeps the teacher's K");
    free(pl);
    static const struct { const char *stem; int k; } adv_models[] = {{"adv", 10}, {"adv_distilled", 11}};
    for (size_t i = 0; i < 2; i++) {
        edd_cnn m = {0};
        snprintf(path, sizeof path, "%s/models/%s.edd", dir, adv_models[i].stem);
        cr_assert_eq(edd_cnn_load(ctx, &m, path), EDD_OK, "%s", ctx->err);
        cr_assert_eq(m.k, adv_models[i].k, "%s: K", path);
        edd_cnn_free(&m);
    }
    snprintf(path, sizeof path, "%s/models/ablation_literal.edd", dir);
    cr_assert_eq(edd_model_file_read(ctx, path, &mh, &pl), EDD_OK, "%s", ctx->err);
    snprintf(path, sizeof path, "%s/models/ablation_none.edd", dir);
    cr_assert_eq(edd_model_file_read(ctx, path, &mn, &pn), EDD_OK, "%s", ctx->err);
    cr_assert(mh.nparams == mn.nparams && !memcmp(pl, pn, mn.nparams * sizeof(float)),
              "the literal penalty trains the no-penalty model");
    free(pl);
    free(pn);

}

/* 1c. edd attack agrees with the CSVs, row for row. */
static void check_attacks(const edd_repro_scale *sc, const char *dir, const char *data, int threads)
{
    char args[4096], key[256];
    snprintf(args, sizeof args, "--attack fgm --model %s/models/distilled.edd --eps 0.3 --test-limit %zu", dir, sc->fgm_n);
    attack_matches_csv(dir, data, threads, "fig2a_fgm.csv", "fig2a,distilled,distilled,fgm,eps,0.3,paper,", args);
    strcat(args, " --loss real");
    attack_matches_csv(dir, data, threads, "fig2a_fgm.csv", "fig2a,distilled,distilled,fgm,eps,0.3,adaptive,",
                       args);
    snprintf(args, sizeof args, "--attack fgm --model %s/models/distilled.edd --source %s/models/surrogate_u.edd "
             "--eps 0.3 --test-limit %zu", dir, dir, sc->fgm_n);
    attack_matches_csv(dir, data, threads, "fig3b_fgm.csv", "fig3b,surrogate_u,distilled,fgm,eps,0.3,paper,",
                       args);
    snprintf(args, sizeof args, "--attack jsma --model %s/models/distilled.edd --gamma 0.1 --jacobian probs-full "
             "--seed 7 --test-limit %zu", dir, sc->jsma_n);
    attack_matches_csv(dir, data, threads, "fig2b_jsma.csv", "fig2b,distilled,distilled,jsma,gamma,0.1,paper,",
                       args);
    for (int i = 0; i < sc->n_kappa; i++) {
        snprintf(args, sizeof args, "--attack cw --model %s/models/distilled.edd --confidence %g --max-iterations %d "
                 "--binary-search-steps %d --seed 7 --test-limit %zu", dir, (double)sc->kappa[i], sc->cw_iterations,
                 sc->cw_bsearch, sc->cw_n);
        snprintf(key, sizeof key, "fig2c,distilled,distilled,cw,kappa,%g,paper,", (double)sc->kappa[i]);
        attack_matches_csv(dir, data, threads, "fig2c_cw.csv", key, args);
        snprintf(args, sizeof args, "--attack cw --model %s/models/distilled.edd --confidence %g --max-iterations %d "
                 "--binary-search-steps %d --cw-optimizer adam --learning-rate 0.01 --seed 7 --test-limit %zu", dir,
                 (double)sc->kappa[i], sc->cw_big_iterations, sc->cw_big_bsearch, sc->cw_n);
        snprintf(key, sizeof key, "fig2c,distilled,distilled,cw,kappa,%g,budget,", (double)sc->kappa[i]);
        attack_matches_csv(dir, data, threads, "fig2c_cw.csv", key, args);
    }
    /* the baseline rows are the attack made and scored on the baseline */
    snprintf(args, sizeof args, "--attack fgm --model %s/models/baseline.edd --eps 0.3 --test-limit %zu", dir, sc->fgm_n);
    attack_matches_csv(dir, data, threads, "fig2a_fgm.csv", "fig2a,baseline,baseline,fgm,eps,0.3,paper,", args);
    snprintf(args, sizeof args, "--attack cw --model %s/models/baseline.edd --confidence 0 --max-iterations %d "
             "--binary-search-steps %d --cw-optimizer adam --learning-rate 0.01 --seed 7 --test-limit %zu", dir,
             sc->cw_big_iterations, sc->cw_big_bsearch, sc->cw_n);
    attack_matches_csv(dir, data, threads, "fig2c_cw.csv", "fig2c,baseline,baseline,cw,kappa,0,budget,", args);

    snprintf(args, sizeof args, "--attack pgd --model %s/models/adv.edd --eps 0.3 --loss margin --steps %d "
             "--restarts %d --early-stop --seed 8 --test-limit %zu", dir, sc->pgd_steps, sc->pgd_restarts, sc->sec_n);
    attack_matches_base(dir, data, threads, "baselines.csv", "adv,pgd-margin,eps,0.3,", args);

}

/* 2-5b: up to date; damaged outputs redone alone; the lock; a corrupted
 * or copied model retrained to the same bytes. */
static void check_resume(edd_ctx *ctx, const edd_repro_scale *sc, const char *dir, const char *data)
{
    char path[4200];
    edd_repro_log log;
    /* 2. a second run does nothing */
    run(ctx, sc, dir, data, NULL, &log);
    cr_assert_eq(nran(&log), 0, "everything is up to date");

    /* 3. a deleted output, 4. a corrupted byte in a CSV, 4b. an interrupted
     * stage (no manifest, a half-written output): each time that stage alone
     * is redone, and its output comes back the same, so nothing downstream
     * is */
    redo_alone(ctx, sc, dir, data, "fig2b_jsma.csv", "fig2b", DAMAGE_DELETE);
    redo_alone(ctx, sc, dir, data, "fig3d_jsma.csv", "fig3d", DAMAGE_FLIP);
    redo_alone(ctx, sc, dir, data, "fig2c_cw.csv", "fig2c", DAMAGE_INTERRUPT);

    /* 4c. a second run on the same folder at the same time is refused */
    snprintf(path, sizeof path, "%s/stages/lock", dir);
    int fd = open(path, O_RDWR);
    cr_assert(fd >= 0 && !flock(fd, LOCK_EX | LOCK_NB), "the lock file is there and free after a run");
    edd_repro_opts busy = {.out_dir = dir, .data_dir = data, .quiet = 1};
    cr_assert_eq(edd_reproduce(ctx, sc, &busy, &log), EDD_ERR_IO);
    cr_assert(strstr(ctx->err, "held by another"), "%s", ctx->err);
    close(fd);

    /* 5. a corrupted model is caught and retrained; the stages that read it
     * are redone only if the retrained model differs */
    snprintf(path, sizeof path, "%s/models/surrogate_u.edd", dir);
    flip_byte(path, 1000);
    run(ctx, sc, dir, data, NULL, &log);
    cr_assert(ran(&log, "surrogate_u"));
    cr_assert_eq(nran(&log), 1, "the retrained model is the same, so Figs. 3b, 3d, 3f are not redone");

    /* 5b. a model copied over another (both complete, each with a valid
     * CRC) is told apart by the manifest: the teacher is retrained, to the
     * same bytes, so nothing downstream is redone */
    char src[4200];
    size_t nb;
    snprintf(src, sizeof src, "%s/models/baseline.edd", dir);
    snprintf(path, sizeof path, "%s/models/teacher.edd", dir);
    char *teacher = read_all(path, NULL), *baseline = read_all(src, &nb);
    FILE *cf = fopen(path, "wb");
    cr_assert(cf && fwrite(baseline, 1, nb, cf) == nb && !fclose(cf));
    run(ctx, sc, dir, data, NULL, &log);
    cr_assert(ran(&log, "teacher"), "a copied model makes its stage redo");
    cr_assert_eq(nran(&log), 1, "only the teacher, retrained to the same model");
    char *again = read_all(path, &nb);
    cr_assert(again && !memcmp(again, teacher, nb), "the retrained teacher is the original");
    free(teacher);
    free(baseline);
    free(again);

}

/* 6-9: --force, and changed settings redoing what reads them alone. */
static void check_settings(edd_ctx *ctx, edd_repro_scale *sc, const char *dir, const char *data)
{
    char path[4200];
    edd_repro_log log;
    /* 6. --force reruns that stage; its outputs come back the same, so
     * nothing downstream is */
    run(ctx, sc, dir, data, "fig2e", &log);
    cr_assert(ran(&log, "fig2e"));
    cr_assert_eq(nran(&log), 1, "only fig2e is redone");

    /* 7. a changed setting redoes only the stages that read it and those
     * downstream: a smaller CW subset keeps every model and the FGM and JSMA
     * figures */
    sc->cw_n--;
    run(ctx, sc, dir, data, NULL, &log);
    static const char *const redone[] = {"fig2c",       "fig3e",       "fig3f",       "headline",    "baselines_1",
                                         "baselines_2", "baselines_3", "baselines_4", "baselines_5", "baselines",
                                         "plots",       "report"};
    for (size_t i = 0; i < sizeof redone / sizeof redone[0]; i++)
        cr_assert(ran(&log, redone[i]), "a new CW subset redoes %s", redone[i]);
    cr_assert_eq(nran(&log), 12, "and nothing else");
    snprintf(path, sizeof path, "%s/fig2c_cw.csv", dir);
    char *h = read_all(path, NULL);
    cr_assert(h && strchr(h, '\n'));
    const char *field = strchr(h, '\n') + 1; /* the first row; n is its 8th field */
    for (int k = 0; k < 7 && field; k++)
        field = strchr(field, ',') ? strchr(field, ',') + 1 : NULL;
    cr_assert(field && (size_t)atol(field) == sc->cw_n, "fig2c_cw.csv now has n = %zu", sc->cw_n);
    free(h);

    /* 8. a changed CW budget (G_CW_BUDGET) redoes Fig. 2c and what reads
     * it, not the black-box CW figures, which run the paper's budget only */
    sc->cw_big_iterations--;
    run(ctx, sc, dir, data, NULL, &log);
    static const char *const reb[] = {"fig2c", "headline", "plots", "report"};
    for (size_t i = 0; i < sizeof reb / sizeof reb[0]; i++)
        cr_assert(ran(&log, reb[i]), "a new CW budget redoes %s", reb[i]);
    cr_assert_eq(nran(&log), 4, "and nothing else");

    /* 9. the baselines' JSMA gammas (G_BASE) redo the two attack stages and
     * what reads them, no model (here: no JSMA point at all, the cheapest) */
    sc->n_base_gamma = 0;
    run(ctx, sc, dir, data, NULL, &log);
    static const char *const rebase[] = {"baselines_1", "baselines_2",      "baselines_3", "baselines_4", "baselines_5",
                                         "baselines",   "ablation_attacks", "plots",       "report"};
    for (size_t i = 0; i < sizeof rebase / sizeof rebase[0]; i++)
        cr_assert(ran(&log, rebase[i]), "new baseline gammas redo %s", rebase[i]);
    cr_assert_eq(nran(&log), 9, "and nothing else");

}

Test(reproduce, smoke_end_to_end_then_resume, .timeout = 900)
{
    char data[4096], dir[64];
    mnist_dir_or_skip(data, sizeof data);
    if (system("command -v gnuplot >/dev/null 2>&1"))
        cr_skip_test("gnuplot is not installed (the plots stage needs it)");
    edd_ctx ctx;
    cr_assert_eq(edd_ctx_init(&ctx, 0), EDD_OK);
    edd_repro_scale sc;
    cr_assert_eq(edd_repro_scale_get(&ctx, "smoke", &sc), EDD_OK);
    make_tmpdir(dir);
    edd_repro_log log;

    /* 1. from scratch: every stage runs, every output is there */
    run(&ctx, &sc, dir, data, NULL, &log);
    cr_assert_eq(log.n, edd_repro_stage_count());
    cr_assert_eq(nran(&log), log.n, "every stage runs on an empty folder");
    check_figures(&sc, dir);
    check_report(&sc, dir);
    check_baselines(&sc, dir);
    check_models(&ctx, dir);

    /* 1b. stopped at several named points and resumed: the same CSVs */
    stop_and_resume(dir, data, ctx.nthreads);

    check_attacks(&sc, dir, data, ctx.nthreads);
    check_resume(&ctx, &sc, dir, data);
    check_settings(&ctx, &sc, dir, data);
    edd_ctx_free(&ctx);
    rm_rf(dir);
}
