/* test_reproduce.c - edd reproduce: the stage manifests (valid, missing,
 * corrupted, a model copied over another), the scales and the stage
 * table's order, --only, and --data fashion. The split stages' joins are
 * in test_reproduce_join.c, the smoke scale end to end in
 * test_reproduce_smoke.c. */
#include <criterion/criterion.h>

#include "edd.h"
#include "experiments.h"
#include "manifest.h"
#include "reproduce_util.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TestSuite(reproduce, .timeout = 900);

Test(reproduce, manifest_valid_missing_corrupted)
{
    char dir[64], path[256];
    make_tmpdir(dir);
    snprintf(path, sizeof path, "%s/stages", dir);
    cr_assert_eq(mkdir(path, 0777), 0);
    snprintf(path, sizeof path, "%s/a.csv", dir);
    write_file(path, "x,y\n1,2\n");
    edd_ctx ctx = {0};
    const char *files[1] = {"a.csv"};
    cr_assert_eq(edd_manifest_write(&ctx, dir, "st", "smoke", 1.5, 0x1234u, files, 1), EDD_OK, "%s", ctx.err);
    uint32_t sig = 0;
    double secs = 0;
    cr_assert(edd_manifest_valid(dir, "st", "smoke", 0x1234u, &sig, &secs, NULL, 0));
    cr_assert_float_eq(secs, 1.5, 1e-9);
    char why[512];
    cr_assert_not(edd_manifest_valid(dir, "st", "quick", 0x1234u, NULL, NULL, why, sizeof why));
    cr_assert(strstr(why, "settings smoke, expected quick"), "another scale is not valid: %s", why);
    cr_assert_not(edd_manifest_valid(dir, "st", "smoke", 0x1235u, NULL, NULL, why, sizeof why));
    cr_assert(strstr(why, "inputs 00001234") && strstr(why, "00001235"), "changed dependencies: %s", why);
    cr_assert_not(edd_manifest_valid(dir, "other", "smoke", 0x1234u, NULL, NULL, why, sizeof why));
    cr_assert(strstr(why, "other.done: not there"), "no manifest: %s", why);
    flip_byte(path, 5);
    cr_assert_not(edd_manifest_valid(dir, "st", "smoke", 0x1234u, NULL, NULL, why, sizeof why));
    cr_assert(strstr(why, "a.csv: 8 bytes with CRC32"), "a flipped byte is caught and named: %s", why);
    flip_byte(path, 5);
    cr_assert(edd_manifest_valid(dir, "st", "smoke", 0x1234u, NULL, NULL, NULL, 0));
    write_file(path, "x,y\n1,2\n3,4\n");
    cr_assert_not(edd_manifest_valid(dir, "st", "smoke", 0x1234u, NULL, NULL, NULL, 0), "a longer file is caught");
    remove(path);
    cr_assert_not(edd_manifest_valid(dir, "st", "smoke", 0x1234u, NULL, NULL, NULL, 0), "a missing file is caught");
    cr_assert_neq(edd_manifest_write(&ctx, dir, "st", "smoke", 1.0, 0, files, 1), EDD_OK);
    cr_assert(strstr(ctx.err, "a.csv"), "the message names the file: %s", ctx.err);
    rm_rf(dir);
}

/* Each scale has the headline settings, a stage for each point of its
 * studies, and the baselines' gammas among its own; sc is left the last
 * (paper). */
static void scale_settings(edd_ctx *ctx, edd_repro_scale *sc)
{
    static const char *const names[] = {"smoke", "quick", "paper"};
    for (int k = 0; k < 3; k++) {
        cr_assert_eq(edd_repro_scale_get(ctx, names[k], sc), EDD_OK);
        int e = 0, g = 0, c = 0, n20 = 0;
        for (int i = 0; i < sc->n_eps; i++)
            e |= sc->eps[i] == 0.3f;
        for (int i = 0; i < sc->n_gamma; i++)
            g |= sc->gamma[i] == 0.1f;
        for (int i = 0; i < sc->n_kappa; i++)
            c |= sc->kappa[i] == 0.0f;
        for (int i = 0; i < sc->n_passes; i++)
            n20 |= sc->passes_list[i] == sc->passes;
        cr_assert(e && g && c && n20, "%s has the headline settings and N in its pass list", names[k]);
        cr_assert(sc->n_alpha <= EDD_REPRO_STUDY_POINTS && sc->n_passes <= EDD_REPRO_STUDY_POINTS,
                  "%s: a stage for each of its %d alphas and %d Ns", names[k], sc->n_alpha, sc->n_passes);
        for (int i = 0; i < sc->n_base_gamma; i++) {
            int in = 0;
            for (int j = 0; j < sc->n_gamma; j++)
                in |= sc->base_gamma[i] == sc->gamma[j];
            cr_assert(in, "%s: the baselines' JSMA gamma %g is one of the scale's", names[k],
                      (double)sc->base_gamma[i]);
        }
    }
}

/* The stage table's order: sigma's parts before their join, each
 * study's points before theirs, the later stages after the paper's. */
static void stage_order(void)
{
    /* the teacher, sigma's parts, the join, then the distilled model */
    static const char *const early[] = {"teacher", "sigma_1", "sigma_2", "sigma_3", "sigma_4", "sigma", "distilled"};
    _Static_assert(EDD_REPRO_SIGMA_PARTS == 4, "the list above names every part");
    cr_assert_eq(edd_repro_stage_find("teacher"), 1);
    for (size_t i = 1; i < sizeof early / sizeof early[0]; i++)
        cr_assert_eq(edd_repro_stage_find(early[i]), edd_repro_stage_find(early[i - 1]) + 1, "%s follows %s",
                     early[i], early[i - 1]);
    /* after the headline, each study's points, then the stage joining them */
    char study[2 + 2 * (EDD_REPRO_STUDY_POINTS + 1)][16];
    int ns = 0;
    snprintf(study[ns++], sizeof study[0], "headline");
    for (int f = 0; f < 2; f++) {
        for (int k = 1; k <= EDD_REPRO_STUDY_POINTS; k++)
            snprintf(study[ns++], sizeof study[0], "fig2%c_%d", "de"[f], k);
        snprintf(study[ns++], sizeof study[0], "fig2%c", "de"[f]);
    }
    snprintf(study[ns++], sizeof study[0], "security");
    for (int i = 1; i < ns; i++)
        cr_assert_eq(edd_repro_stage_find(study[i]), edd_repro_stage_find(study[i - 1]) + 1, "%s follows %s",
                     study[i], study[i - 1]);
    /* the baselines, the ablation and the standard suite come after the paper's stages, before the plots; the
     * parts of the baselines and of the standard suite, one per model, just before their join */
    static const char *const late[] = {"security", "temperature", "adv", "adv_distilled", "ablation", "baselines_1",
                                       "baselines_2", "baselines_3", "baselines_4", "baselines_5", "baselines",
                                       "ablation_attacks", "standard_1", "standard_2", "standard_3", "standard_4",
                                       "standard_5", "standard", "plots"};
    for (size_t i = 1; i < sizeof late / sizeof late[0]; i++)
        cr_assert_eq(edd_repro_stage_find(late[i]), edd_repro_stage_find(late[i - 1]) + 1, "%s follows %s", late[i],
                     late[i - 1]);
}

Test(reproduce, scales_and_stage_names)
{
    edd_ctx ctx = {0};
    edd_repro_scale sc;
    cr_assert_eq(edd_repro_scale_get(&ctx, "huge", &sc), EDD_ERR_ARG);
    cr_assert(strstr(ctx.err, "huge"));
    scale_settings(&ctx, &sc);
    stage_order();
    /* part K reads the stage that trains model K of the baselines, and only the join reads the parts */
    static const char *const base_models[] = {"baseline", "temperature", "distilled", "adv", "adv_distilled"};
    edd_sched_graph g;
    int stage[EDD_REPRO_MAX_STAGES];
    const uint64_t all = edd_repro_stage_count() == 64 ? ~0ull : (1ull << edd_repro_stage_count()) - 1;
    cr_assert_eq(edd_repro_graph(&ctx, &sc, NULL, NULL, all, &g, stage, NULL), EDD_OK, "%s", ctx.err);
    for (int k = 0; k < g.n; k++)
        cr_assert_eq(stage[k], k, "the whole table is the graph, in table order");
    for (int k = 1; k <= 5; k++) {
        char name[16];
        snprintf(name, sizeof name, "baselines_%d", k);
        const int part = edd_repro_stage_find(name), model = edd_repro_stage_find(base_models[k - 1]);
        cr_assert(part >= 0 && model >= 0 && g.deps[part] == (1ull << model), "%s reads %s alone", name,
                  base_models[k - 1]);
        for (int i = 0; i < g.n; i++)
            cr_assert(!(g.deps[i] & (1ull << part)) || !strcmp(edd_repro_stage_name(i), "baselines"),
                      "%s reads %s", edd_repro_stage_name(i), name);
    }
    cr_assert_eq(edd_repro_stage_find("nope"), -1);
    cr_assert_str_eq(edd_repro_stage_name(edd_repro_stage_count() - 1), "report");
    edd_repro_opts o = {.out_dir = "/tmp", .data_dir = "/tmp", .force = "nope"};
    cr_assert_eq(edd_reproduce(&ctx, &sc, &o, NULL), EDD_ERR_ARG);
    cr_assert(strstr(ctx.err, "--force 'nope': 'nope' is not a stage name"), "%s", ctx.err);
    o.force = NULL;
    o.data_dir = NULL;
    cr_assert_eq(edd_reproduce(&ctx, &sc, &o, NULL), EDD_ERR_ARG);
    cr_assert(strstr(ctx.err, "data_dir '(null)'"), "%s", ctx.err);
}

/* --only: a selection is closed under the stage table's dependencies;
 * a run with it runs and logs those stages alone, and a later selection
 * finds what an earlier one made up to date. */
Test(reproduce, only_selects_stages_and_their_deps)
{
    edd_ctx ctx;
    ctx_make(&ctx);
    uint64_t mask;
    const int base = edd_repro_stage_find("baseline"), teacher = edd_repro_stage_find("teacher"),
              sigma = edd_repro_stage_find("sigma"), distilled = edd_repro_stage_find("distilled"),
              su = edd_repro_stage_find("surrogate_u"), sd = edd_repro_stage_find("surrogate_d"),
              sec = edd_repro_stage_find("security"), fig2a = edd_repro_stage_find("fig2a");
    uint64_t parts = 0, points = 0;
    for (int k = 1; k <= EDD_REPRO_SIGMA_PARTS; k++) {
        char name[16];
        snprintf(name, sizeof name, "sigma_%d", k);
        cr_assert_geq(edd_repro_stage_find(name), 0, "%s is a stage", name);
        parts |= B(edd_repro_stage_find(name));
    }
    for (int k = 1; k <= EDD_REPRO_STUDY_POINTS; k++) {
        char name[16];
        snprintf(name, sizeof name, "fig2e_%d", k);
        cr_assert_geq(edd_repro_stage_find(name), 0, "%s is a stage", name);
        points |= B(edd_repro_stage_find(name));
    }
    cr_assert_eq(edd_repro_select(&ctx, "security", &mask), EDD_OK, "%s", ctx.err);
    const uint64_t want = B(base) | B(teacher) | parts | B(sigma) | B(distilled) | B(su) | B(sd) | B(sec);
    cr_assert_eq(mask, want, "--only security selects %016llx, expected %016llx", (unsigned long long)mask,
                 (unsigned long long)want);
    cr_assert_eq(edd_repro_select(&ctx, "fig2a,teacher", &mask), EDD_OK, "%s", ctx.err);
    cr_assert_eq(mask, B(base) | B(teacher) | parts | B(sigma) | B(distilled) | B(fig2a));
    cr_assert_eq(edd_repro_select(&ctx, "sigma_2", &mask), EDD_OK, "%s", ctx.err);
    cr_assert_eq(mask, B(teacher) | B(edd_repro_stage_find("sigma_2")), "a part reads the teacher alone");
    /* a study's join reads its points, each point sigma and the distilled
     * model, past bit 31 of the mask */
    const int fig2e = edd_repro_stage_find("fig2e");
    cr_assert_gt(fig2e, 31, "the table holds more stages than a 32-bit mask");
    cr_assert_eq(edd_repro_select(&ctx, "fig2e", &mask), EDD_OK, "%s", ctx.err);
    cr_assert_eq(mask, B(teacher) | parts | B(sigma) | B(distilled) | points | B(fig2e));
    cr_assert_eq(edd_repro_select(&ctx, "fig2e_4", &mask), EDD_OK, "%s", ctx.err);
    cr_assert_eq(mask, B(teacher) | parts | B(sigma) | B(distilled) | B(edd_repro_stage_find("fig2e_4")));
    cr_assert_eq(edd_repro_select(&ctx, NULL, &mask), EDD_OK);
    cr_assert_eq(mask, B(edd_repro_stage_count()) - 1);
    static const char *const bad[] = {"", "security,", "fig2a,nope", "teacher teacher"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_assert_eq(edd_repro_select(&ctx, bad[i], &mask), EDD_ERR_ARG, "'%s' accepted", bad[i]);
        cr_assert(strstr(ctx.err, "not a stage name"), "%s", ctx.err);
    }

    char data[4096], dir[64];
    mnist_dir_or_skip(data, sizeof data);
    make_tmpdir(dir);
    edd_repro_scale sc;
    cr_assert_eq(edd_repro_scale_get(&ctx, "smoke", &sc), EDD_OK);
    edd_repro_log log;
    edd_repro_opts o = {.out_dir = dir, .data_dir = data, .only = "teacher", .quiet = 1};
    cr_assert_eq(edd_reproduce(&ctx, &sc, &o, &log), EDD_OK, "%s", ctx.err);
    cr_assert_eq(log.n, 1);
    cr_assert(ran(&log, "teacher"));
    o.only = "sigma";
    cr_assert_eq(edd_reproduce(&ctx, &sc, &o, &log), EDD_OK, "%s", ctx.err);
    cr_assert_eq(log.n, 2 + EDD_REPRO_SIGMA_PARTS, "the teacher, the parts of sigma and sigma");
    cr_assert(!ran(&log, "teacher") && ran(&log, "sigma") && ran(&log, "sigma_1") && ran(&log, "sigma_4"),
              "teacher up to date, sigma and its parts run");
    /* the report summarises what exists, and pulls in nothing */
    cr_assert_eq(edd_repro_select(&ctx, "report", &mask), EDD_OK);
    cr_assert_eq(mask, B(edd_repro_stage_find("report")));
    o.only = "report";
    cr_assert_eq(edd_reproduce(&ctx, &sc, &o, &log), EDD_OK, "%s", ctx.err);
    cr_assert_eq(log.n, 1);
    char path[256];
    snprintf(path, sizeof path, "%s/report.md", dir);
    char *md = read_all(path, NULL);
    cr_assert(strstr(md, "Headline (Section 4.2): not run in this folder (headline.csv is absent).") &&
                  strstr(md, "Fig. 2a: not run in this folder (fig2a_fgm.csv is absent).") &&
                  strstr(md, "Baselines: not run in this folder (baselines.csv is absent)."),
              "each absent input in one line: %s", md);
    cr_assert(strstr(md, "| teacher | ") && strstr(md, "| baseline | (not run in this folder) |"), "%s", md);
    cr_assert_null(strstr(md, "## Headline"), "no headline section without headline.csv");
    free(md);
    rm_rf(dir);
    edd_ctx_free(&ctx);
}

/* Issue 13: --data fashion runs the stages on Fashion-MNIST. The folder
 * records its dataset and refuses the other one before any stage; the
 * headline table leaves the paper's column empty there. */
Test(reproduce, fashion_has_its_own_folder_and_no_paper_column)
{
    edd_ctx ctx;
    ctx_make(&ctx);
    char fashion[4096], mnist[4096], dir[64], path[256];
    data_dir_or_skip("fashion", fashion, sizeof fashion);
    mnist_dir_or_skip(mnist, sizeof mnist);
    make_tmpdir(dir);
    edd_repro_scale sc;
    cr_assert_eq(edd_repro_scale_get(&ctx, "smoke", &sc), EDD_OK);
    edd_repro_log log;
    edd_repro_opts o = {.out_dir = dir, .data_dir = fashion, .data_name = "fashion", .only = "headline", .quiet = 1};
    cr_assert_eq(edd_reproduce(&ctx, &sc, &o, &log), EDD_OK, "%s", ctx.err);
    cr_assert(ran(&log, "headline"));
    snprintf(path, sizeof path, "%s/stages/dataset", dir);
    char *held = read_all(path, NULL);
    cr_assert_str_eq(held, "fashion\n");
    free(held);
    snprintf(path, sizeof path, "%s/headline.csv", dir);
    FILE *f = fopen(path, "r");
    cr_assert(f, "%s", path);
    char line[512];
    int rows = 0;
    cr_assert(fgets(line, sizeof line, f));
    while (fgets(line, sizeof line, f)) {
        char *c = line;
        for (int k = 0; k < 5; k++)
            c = strchr(c, ',') + 1;
        cr_assert(!strncmp(c, ",", 1) || !strncmp(c, "-,", 2), "a paper value on Fashion-MNIST: %s", line);
        rows++;
    }
    fclose(f);
    cr_assert_gt(rows, 0);
    o.data_dir = mnist;
    o.data_name = "mnist";
    cr_assert_eq(edd_reproduce(&ctx, &sc, &o, &log), EDD_ERR_ARG, "an MNIST run into a Fashion-MNIST folder");
    cr_assert(strstr(ctx.err, "stages/dataset") && strstr(ctx.err, "'fashion', expected 'mnist'"), "%s", ctx.err);
    o.data_name = "cifar";
    cr_assert_eq(edd_reproduce(&ctx, &sc, &o, &log), EDD_ERR_ARG);
    cr_assert(strstr(ctx.err, "dataset 'cifar', expected mnist or fashion"), "%s", ctx.err);
    rm_rf(dir);
    edd_ctx_free(&ctx);
}


/* Issue 11: a model file ends with its own CRC32, so the CRC32 of the whole
 * file is the same constant for every model; the manifest must still tell
 * two models apart, and a model copied over another must make the stage
 * invalid. */
Test(reproduce, manifest_tells_models_apart)
{
    char dir[64], a[256], b[256], path[256];
    make_tmpdir(dir);
    snprintf(path, sizeof path, "%s/stages", dir);
    cr_assert_eq(mkdir(path, 0777), 0);
    snprintf(a, sizeof a, "%s/a.edd", dir);
    snprintf(b, sizeof b, "%s/b.edd", dir);
    edd_ctx ctx = {0};
    edd_model_header h = {.k = 10, .p_input = 0.2f, .p_hidden = 0.5f, .nparams = 3};
    const float pa[3] = {1, 2, 3}, pb[3] = {1, 2, 4};
    cr_assert_eq(edd_model_file_write(&ctx, a, &h, pa), EDD_OK, "%s", ctx.err);
    cr_assert_eq(edd_model_file_write(&ctx, b, &h, pb), EDD_OK, "%s", ctx.err);
    uint32_t ca, cb, ta, tb;
    uint64_t sa, sb;
    cr_assert_eq(edd_file_crc32(&ctx, a, &ca, &ta, &sa), EDD_OK);
    cr_assert_eq(edd_file_crc32(&ctx, b, &cb, &tb, &sb), EDD_OK);
    cr_assert_eq(sa, sb);
    cr_assert(ca != cb && ta != tb, "two models differ in the manifest: %08x/%08x and %08x/%08x", ca, ta, cb, tb);
    const char *files[1] = {"a.edd"};
    cr_assert_eq(edd_manifest_write(&ctx, dir, "teacher", "smoke", 1.0, 0, files, 1), EDD_OK, "%s", ctx.err);
    cr_assert(edd_manifest_valid(dir, "teacher", "smoke", 0, NULL, NULL, NULL, 0));
    char *bytes = read_all(b, NULL);
    FILE *f = fopen(a, "wb");
    cr_assert(f && fwrite(bytes, 1, (size_t)sb, f) == sb);
    fclose(f);
    free(bytes);
    char why[512];
    cr_assert_not(edd_manifest_valid(dir, "teacher", "smoke", 0, NULL, NULL, why, sizeof why),
                  "a model copied over another makes the stage redo");
    cr_assert(strstr(why, "a.edd"), "%s", why);
    rm_rf(dir);
}

