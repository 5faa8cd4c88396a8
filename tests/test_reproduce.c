/* test_reproduce.c - edd reproduce: the stage manifests (valid, missing,
 * corrupted), the sigma stage's parts joined into the unsplit arrays, the
 * parameter studies' points joined into the unsplit CSVs, and the smoke
 * scale end to end into a temporary folder, then resumed after deleting,
 * corrupting and forcing outputs. */
#include <criterion/criterion.h>

#include "edd.h"
#include "edd/experiments.h"
#include "edd/internal/manifest.h"
#include "edd/internal/simd.h"
#include "testutil.h"

#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

TestSuite(reproduce, .timeout = 900);

#define B(i) ((uint64_t)1 << (i))

#define CSV_HEADER                                                                                           \
    "figure,source,target,attack,setting,value,variant,n,recovered,detected,misclassified,mean_l2,source_success," \
    "clean_accuracy,false_positives\n"

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    cr_assert(f, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    cr_assert(b);
    cr_assert_eq(fread(b, 1, (size_t)n, f), (size_t)n);
    b[n] = 0;
    fclose(f);
    if (len)
        *len = (size_t)n;
    return b;
}

static void flip_byte(const char *path, long at)
{
    FILE *f = fopen(path, "r+b");
    cr_assert(f, "cannot open %s", path);
    fseek(f, at, SEEK_SET);
    int c = fgetc(f);
    cr_assert_neq(c, EOF);
    fseek(f, at, SEEK_SET);
    fputc(c ^ 0x01, f);
    fclose(f);
}

static void make_tmpdir(char *dir)
{
    strcpy(dir, "/tmp/edd_repro_XXXXXX");
    cr_assert(mkdtemp(dir), "mkdtemp failed");
}

static void rm_rf(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

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

Test(reproduce, scales_and_stage_names)
{
    edd_ctx ctx = {0};
    edd_repro_scale sc;
    cr_assert_eq(edd_repro_scale_get(&ctx, "huge", &sc), EDD_ERR_ARG);
    cr_assert(strstr(ctx.err, "huge"));
    static const char *const names[] = {"smoke", "quick", "paper"};
    for (int k = 0; k < 3; k++) {
        cr_assert_eq(edd_repro_scale_get(&ctx, names[k], &sc), EDD_OK);
        int e = 0, g = 0, c = 0, n20 = 0;
        for (int i = 0; i < sc.n_eps; i++)
            e |= sc.eps[i] == 0.3f;
        for (int i = 0; i < sc.n_gamma; i++)
            g |= sc.gamma[i] == 0.1f;
        for (int i = 0; i < sc.n_kappa; i++)
            c |= sc.kappa[i] == 0.0f;
        for (int i = 0; i < sc.n_passes; i++)
            n20 |= sc.passes_list[i] == sc.passes;
        cr_assert(e && g && c && n20, "%s has the headline settings and N in its pass list", names[k]);
        cr_assert(sc.n_alpha <= EDD_REPRO_STUDY_POINTS && sc.n_passes <= EDD_REPRO_STUDY_POINTS,
                  "%s: a stage for each of its %d alphas and %d Ns", names[k], sc.n_alpha, sc.n_passes);
        for (int i = 0; i < sc.n_base_gamma; i++) {
            int in = 0;
            for (int j = 0; j < sc.n_gamma; j++)
                in |= sc.base_gamma[i] == sc.gamma[j];
            cr_assert(in, "%s: the baselines' JSMA gamma %g is one of the scale's", names[k], (double)sc.base_gamma[i]);
        }
    }
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

/* Count the data rows of a CSV, checking its header and that each row has
 * 15 fields whose three rates sum to one. */
static int csv_rows(const char *path)
{
    size_t len;
    char *b = read_all(path, &len);
    cr_assert(b, "%s is missing", path);
    cr_assert(!strncmp(b, CSV_HEADER, strlen(CSV_HEADER)), "%s: header", path);
    int rows = 0;
    for (char *line = b + strlen(CSV_HEADER); *line;) {
        char *nl = strchr(line, '\n');
        cr_assert(nl, "%s: unterminated line", path);
        *nl = 0;
        char *f[15], *p = line;
        int k = 0;
        for (; k < 15 && p; k++) {
            f[k] = p;
            p = strchr(p, ',');
            if (p)
                *p++ = 0;
        }
        cr_assert(k == 15 && !p, "%s: row %d has 15 fields", path, rows + 1);
        double sum = atof(f[8]) + atof(f[9]) + atof(f[10]);
        cr_assert_float_eq(sum, 1.0, 1e-5, "%s: rates sum to %g", path, sum);
        cr_assert_gt(atoi(f[7]), 0);
        rows++;
        line = nl + 1;
    }
    free(b);
    return rows;
}

static int ran(const edd_repro_log *log, const char *name)
{
    for (int i = 0; i < log->n; i++)
        if (!strcmp(log->stage[i].name, name))
            return log->stage[i].ran;
    cr_assert_fail("stage %s not in the log", name);
    return -1;
}

static int nran(const edd_repro_log *log)
{
    int n = 0;
    for (int i = 0; i < log->n; i++)
        n += log->stage[i].ran;
    return n;
}

static void run(edd_ctx *ctx, const edd_repro_scale *sc, const char *dir, const char *data, const char *force,
                edd_repro_log *log)
{
    edd_repro_opts o = {.out_dir = dir, .data_dir = data, .force = force, .quiet = 1};
    cr_assert_eq(edd_reproduce(ctx, sc, &o, log), EDD_OK, "%s", ctx->err);
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
    cr_assert(strstr(md, "absent are `headline.csv`, `security.csv`, `baselines.csv`, `ablation.csv`, `standard.csv`, `fig2a_fgm.csv`"), "%s", md);
    cr_assert(strstr(md, "| teacher | ") && strstr(md, "| baseline | (not run in this folder) |"), "%s", md);
    cr_assert_null(strstr(md, "## Headline"), "no headline section without headline.csv");
    free(md);
    rm_rf(dir);
    edd_ctx_free(&ctx);
}

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
        edd_mc_opts o = edd_mc_defaults();
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
Test(reproduce, sigma_parts_join_to_the_unsplit_arrays)
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
    edd_train_opts t = edd_distill_defaults().train;
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
        edd_fgm_opts o = edd_fgm_defaults();
        o.eps = sc->study_eps;
        o.loss = l ? EDD_LOSS_REAL : EDD_LOSS_ALL;
        cr_assert_eq(edd_fgm(ctx, &m, te->x, te->y, n, &o, adv), EDD_OK, "%s", ctx->err);
        const edd_attack_goal goal = {.target = NULL, .kappa = 0.0f};
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
Test(reproduce, study_points_join_to_the_unsplit_csvs)
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

typedef enum { DAMAGE_DELETE, DAMAGE_FLIP, DAMAGE_INTERRUPT } damage;

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

/* The number of files under dir (one level of subfolders) whose name has
 * ".edd-tmp." in it; with pid > 0, assert that each is that pid's. */
static int tmp_files(const char *dir, long pid)
{
    static const char *const sub[] = {".", "stages", "models", "sigma", "points", "plots"};
    char path[512], mine[32];
    snprintf(mine, sizeof mine, ".edd-tmp.%ld", pid);
    int n = 0;
    for (size_t i = 0; i < sizeof sub / sizeof sub[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, sub[i]);
        DIR *d = opendir(path);
        for (struct dirent *e; d && (e = readdir(d));) {
            const char *t = strstr(e->d_name, ".edd-tmp.");
            if (!t)
                continue;
            n++;
            cr_assert(pid <= 0 || !strcmp(t, mine), "%s/%s is no temporary file of the run just killed (%ld)", path,
                      e->d_name, pid);
        }
        if (d)
            closedir(d);
    }
    return n;
}

/* Every .edd file in dir/models loads: complete, its CRC right. */
static void models_complete(const char *dir)
{
    char path[512];
    snprintf(path, sizeof path, "%s/models", dir);
    DIR *d = opendir(path);
    cr_assert_not_null(d);
    for (struct dirent *e; (e = readdir(d));) {
        size_t n = strlen(e->d_name);
        if (n < 4 || strcmp(e->d_name + n - 4, ".edd"))
            continue;
        snprintf(path, sizeof path, "%s/models/%s", dir, e->d_name);
        edd_ctx c = {0};
        edd_model_header h;
        float *params = NULL;
        cr_assert_eq(edd_model_file_read(&c, path, &h, &params), EDD_OK, "after a kill: %s", c.err);
        free(params);
    }
    closedir(d);
}

/* Issue 11: `edd reproduce` (the CLI, with the threads of the reference
 * run in ref) killed with SIGKILL after fractions of the reference's wall
 * time t, each kill resumed by the next run, then run to the end: every
 * model file complete after each kill, the same CSVs as the uninterrupted
 * run, and no temporary file left. */
static void kill_and_resume(const char *ref, const char *data, int threads, double t)
{
    static const double at[] = {0.03, 0.08, 0.15, 0.25, 0.4};
    static const char *const csvs[] = {"fig2a_fgm.csv",  "fig2b_jsma.csv", "fig2c_cw.csv",   "fig2d_alpha.csv",
                                       "fig2e_passes.csv", "fig3a_fgm.csv", "fig3b_fgm.csv",  "fig3c_jsma.csv",
                                       "fig3d_jsma.csv", "fig3e_cw.csv",   "fig3f_cw.csv",   "headline.csv",
                                       "security.csv",   "baselines.csv",  "ablation.csv"};
    const char *bin = edd_bin_or_skip();
    char dir[64], nthreads[16], path[512];
    make_tmpdir(dir);
    snprintf(nthreads, sizeof nthreads, "%d", threads);
    char *argv[] = {(char *)bin, "reproduce", "--scale", "smoke", "--out", dir, "--data-dir", (char *)data,
                    "--threads", nthreads, "--quiet", NULL};
    int mid = 0, left = 0;
    for (size_t k = 0; k <= sizeof at / sizeof at[0]; k++) {
        int last = k == sizeof at / sizeof at[0], status;
        pid_t pid = fork();
        cr_assert_neq(pid, -1);
        if (pid == 0) {
            int fd = open("/dev/null", O_WRONLY);
            dup2(fd, 1);
            dup2(fd, 2);
            execv(bin, argv);
            _exit(127);
        }
        double t0 = edd_now();
        int done = 0;
        while (!done && (last || edd_now() - t0 < at[k] * t)) {
            done = waitpid(pid, &status, WNOHANG) == pid;
            usleep(5000);
        }
        if (!done) {
            kill(pid, SIGKILL);
            cr_assert_eq(waitpid(pid, &status, 0), pid);
            mid += WIFSIGNALED(status);
        }
        if (last || !WIFSIGNALED(status))
            cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "edd reproduce: status 0x%x", status);
        models_complete(dir);
        left += tmp_files(dir, last ? -1 : (long)pid);
    }
    cr_assert_eq(tmp_files(dir, -1), 0, "the run after the kills leaves no temporary file");
    for (size_t i = 0; i < sizeof csvs / sizeof csvs[0]; i++) {
        size_t na, nb;
        snprintf(path, sizeof path, "%s/%s", ref, csvs[i]);
        char *a = read_all(path, &na);
        snprintf(path, sizeof path, "%s/%s", dir, csvs[i]);
        char *b = read_all(path, &nb);
        cr_assert(a && b && na == nb && !memcmp(a, b, na), "%s after %d kills differs from the uninterrupted run",
                  csvs[i], mid);
        free(a);
        free(b);
    }
    fprintf(stderr, "reproduce: killed at %zu points of a %.0f s run (%d mid-run), %d temporary files left by the "
            "kills; the resumed run's CSVs equal the uninterrupted run's\n",
            sizeof at / sizeof at[0], t, mid, left);
    cr_assert_geq(mid, 4, "the kills land mid-run");
    rm_rf(dir);
}

/* The row of the CSV at path whose leading fields are key: its fields n,
 * recovered, detected, misclassified, mean_l2, source_success,
 * clean_accuracy, false_positives into v[8]. */
static void csv_row(const char *path, const char *key, double v[8])
{
    char *text = read_all(path, NULL);
    cr_assert_not_null(text, "%s", path);
    const char *row = strstr(text, key);
    cr_assert(row && (row == text || row[-1] == '\n'), "%s has no row %s", path, key);
    row += strlen(key);
    for (int i = 0; i < 8; i++) {
        char *end;
        v[i] = strtod(row, &end);
        cr_assert(end != row, "%s, row %s: field %d", path, key, i);
        row = end + 1;
    }
    free(text);
}

/* The number after "name": in the JSON line json. */
static double json_num(const char *json, const char *name)
{
    char k[64];
    snprintf(k, sizeof k, "\"%s\":", name);
    const char *p = strstr(json, k);
    cr_assert_not_null(p, "no %s in %s", name, json);
    return strtod(p + strlen(k), NULL);
}

/* Run `edd attack` with args on data into out (n bytes): its JSON line;
 * the command must succeed. */
static void attack_json(const char *data, int threads, const char *args, char *out, size_t n)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "%s attack --data-dir %s --threads %d --quiet %s 2>&1", edd_bin_or_skip(), data,
             threads, args);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    size_t len = fread(out, 1, n - 1, p);
    out[len] = 0;
    cr_assert_eq(pclose(p), 0, "%s: %s", cmd, out);
}

/* Issue 12: `edd attack` on the models of the finished smoke run in dir
 * gives the numbers of the reproduce CSV's matching row (the one scoring
 * rule, docs/ATTACKS.md). */
static void attack_matches_csv(const char *dir, const char *data, int threads, const char *csv, const char *key,
                               const char *args)
{
    char out[4096], path[512];
    attack_json(data, threads, args, out, sizeof out);
    double v[8];
    snprintf(path, sizeof path, "%s/%s", dir, csv);
    csv_row(path, key, v);
    static const char *const names[8] = {"examples",  "recovered",      "detected",       "misclassified",
                                         "mean_l2",   "attack_success", "clean_accuracy", "clean_false_positives"};
    for (int i = 0; i < 8; i++)
        cr_assert(fabs(json_num(out, names[i]) - v[i]) < 5e-7, "%s vs %s row %s: %s is %g in the CSV\n%s", args, csv,
                  key, names[i], v[i], out);
}

#define BASE_HEADER \
    "model,attack,setting,value,n,clean_accuracy,false_positives,recovered,detected,misclassified,lo,hi\n"

/* The rows of a baselines.csv or ablation.csv per model of models (nm),
 * into rows[]: checking the header, 12 fields a row, rates that sum to
 * one, and a misclassified rate inside its interval. */
static void base_rows(const char *path, const char *const *models, int nm, int *rows)
{
    char *b = read_all(path, NULL);
    cr_assert(b, "%s is missing", path);
    cr_assert(!strncmp(b, BASE_HEADER, strlen(BASE_HEADER)), "%s: header", path);
    memset(rows, 0, (size_t)nm * sizeof *rows);
    for (char *line = b + strlen(BASE_HEADER); *line;) {
        char *nl = strchr(line, '\n');
        cr_assert(nl, "%s: unterminated line", path);
        *nl = 0;
        char *f[12], *p = line;
        int k = 0;
        for (; k < 12 && p; k++) {
            f[k] = p;
            p = strchr(p, ',');
            if (p)
                *p++ = 0;
        }
        cr_assert(k == 12 && !p, "%s: a row of 12 fields", path);
        cr_assert_float_eq(atof(f[7]) + atof(f[8]) + atof(f[9]), 1.0, 1e-5, "%s: %s %s rates sum to one", path, f[0],
                           f[1]);
        cr_assert(atof(f[10]) <= atof(f[9]) + 1e-6 && atof(f[9]) <= atof(f[11]) + 1e-6, "%s: interval", path);
        int m = 0;
        while (m < nm && strcmp(models[m], f[0]))
            m++;
        cr_assert(m < nm, "%s: model %s is not one of the stage's", path, f[0]);
        rows[m]++;
        line = nl + 1;
    }
    free(b);
}

/* `edd attack` with args on the finished smoke run's models gives the
 * numbers of the baselines.csv or ablation.csv row starting with key. */
static void attack_matches_base(const char *dir, const char *data, int threads, const char *csv, const char *key,
                                const char *args)
{
    char out[4096], path[512];
    attack_json(data, threads, args, out, sizeof out);
    snprintf(path, sizeof path, "%s/%s", dir, csv);
    char *text = read_all(path, NULL);
    cr_assert_not_null(text, "%s", path);
    const char *row = strstr(text, key);
    cr_assert(row && row[-1] == '\n', "%s has no row %s", path, key);
    row += strlen(key);
    static const char *const names[6] = {"examples", "clean_accuracy", "clean_false_positives", "recovered",
                                         "detected", "misclassified"};
    for (int i = 0; i < 6; i++) {
        char *end;
        double v = strtod(row, &end);
        cr_assert(end != row, "%s, row %s: field %d", path, key, i);
        row = end + 1;
        cr_assert(fabs(json_num(out, names[i]) - v) < 5e-7, "%s vs %s row %s: %s is %g in the CSV\n%s", args, csv,
                  key, names[i], v, out);
    }
    free(text);
}

Test(reproduce, smoke_end_to_end_then_resume)
{
    char data[4096], path[4200], dir[64];
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
        const int points[5] = {sc.n_eps, sc.n_gamma, sc.n_kappa, sc.n_alpha, sc.n_passes};
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
        const float *vals[3] = {sc.eps, sc.gamma, sc.kappa};
        const int nv[3] = {sc.n_eps, sc.n_gamma, sc.n_kappa};
        snprintf(path, sizeof path, "%s/%s", dir, extra[i].csv);
        for (int k = 0; k < nv[extra[i].setting]; k++) {
            char key[256];
            double v[8];
            snprintf(key, sizeof key, "%s,%g,%s,", extra[i].head, (double)vals[extra[i].setting][k], extra[i].variant);
            csv_row(path, key, v);
        }
    }
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
    cr_assert_eq(sec_lines - 1, 2 * sc.n_sec_eps * 11 + 2, "security.csv rows");
    cr_assert(strstr(sec, "distilled,0.3,worst-case,") && strstr(sec, "baseline,1,pgd-margin,"), "%s", sec);
    free(sec);
    snprintf(path, sizeof path, "%s/plots/security.png", dir);
    size_t plen;
    char *spng = read_all(path, &plen);
    cr_assert(spng && plen > 8 && !memcmp(spng, "\x89PNG\r\n\x1a\n", 8), "%s is a PNG", path);
    free(spng);
    /* issue 13: the five models under attack and the Eq. 3 ablation */
    static const char *const base_models[] = {"baseline", "temperature", "distilled", "adv", "adv_distilled"};
    static const char *const abl_models[] = {"ablation_none", "ablation_literal", "ablation_hinge10", "distilled",
                                             "ablation_hinge100"};
    int nrows[5];
    snprintf(path, sizeof path, "%s/baselines.csv", dir);
    base_rows(path, base_models, 5, nrows);
    for (int k = 0; k < 5; k++) /* clean, FGM with 3 losses and PGD with 2 at each eps, JSMA at each gamma, CW at kappa 0 */
        cr_assert_eq(nrows[k], 1 + 5 * sc.n_eps + sc.n_base_gamma + 1, "baselines.csv rows of %s", base_models[k]);
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
        cr_assert_eq(nrows[k], 1 + 2 * sc.n_eps + 2 * sc.n_base_gamma, "ablation.csv rows of %s", abl_models[k]);
    snprintf(path, sizeof path, "%s/plots/baselines.png", dir);
    spng = read_all(path, &plen);
    cr_assert(spng && plen > 8 && !memcmp(spng, "\x89PNG\r\n\x1a\n", 8), "%s is a PNG", path);
    free(spng);
    cr_assert(strstr(rep, "## Baselines") && strstr(rep, "Gradient masking (an attack on the paper's loss at least") &&
                  (strstr(rep, "holds best") || strstr(rep, "No defense holds")),
              "report.md has the baselines' table and its two sentences");
    cr_assert(strstr(rep, "## Eq. 3 ablation") &&
                  (strstr(rep, "comes from the hinge") || strstr(rep, "is not the hinge's") ||
                   strstr(rep, "Not resolved at this scale") || strstr(rep, "No JSMA masking to attribute")),
              "report.md has the ablation's table and its sentence");
    free(rep);
    /* the models: temperature distillation keeps K = 10, the adversarially
     * trained ones load; the literal reading of Eq. 3, whose max is the
     * constant kappa = 40 until a wrong class leads by 40 logits (never in
     * one epoch on 2,000 images), trains the no-penalty model bit for bit */
    edd_model_header mh, mn;
    float *pl = NULL, *pn = NULL;
    snprintf(path, sizeof path, "%s/models/temperature.edd", dir);
    cr_assert_eq(edd_model_file_read(&ctx, path, &mh, &pl), EDD_OK, "%s", ctx.err);
    cr_assert_eq(mh.k, 10, "temperature distillation keeps the teacher's K");
    free(pl);
    static const struct { const char *stem; int k; } adv_models[] = {{"adv", 10}, {"adv_distilled", 11}};
    for (size_t i = 0; i < 2; i++) {
        edd_cnn m = {0};
        snprintf(path, sizeof path, "%s/models/%s.edd", dir, adv_models[i].stem);
        cr_assert_eq(edd_cnn_load(&ctx, &m, path), EDD_OK, "%s", ctx.err);
        cr_assert_eq(m.k, adv_models[i].k, "%s: K", path);
        edd_cnn_free(&m);
    }
    snprintf(path, sizeof path, "%s/models/ablation_literal.edd", dir);
    cr_assert_eq(edd_model_file_read(&ctx, path, &mh, &pl), EDD_OK, "%s", ctx.err);
    snprintf(path, sizeof path, "%s/models/ablation_none.edd", dir);
    cr_assert_eq(edd_model_file_read(&ctx, path, &mn, &pn), EDD_OK, "%s", ctx.err);
    cr_assert(mh.nparams == mn.nparams && !memcmp(pl, pn, mn.nparams * sizeof(float)),
              "the literal penalty trains the no-penalty model");
    free(pl);
    free(pn);

    /* 1b. killed at several points and resumed: the same CSVs */
    kill_and_resume(dir, data, ctx.nthreads, log.seconds);

    /* 1c. edd attack agrees with the CSVs, row for row */
    char args[4096], key[256];
    snprintf(args, sizeof args, "--attack fgm --model %s/models/distilled.edd --eps 0.3 --test-limit %zu", dir, sc.fgm_n);
    attack_matches_csv(dir, data, ctx.nthreads, "fig2a_fgm.csv", "fig2a,distilled,distilled,fgm,eps,0.3,paper,", args);
    strcat(args, " --loss real");
    attack_matches_csv(dir, data, ctx.nthreads, "fig2a_fgm.csv", "fig2a,distilled,distilled,fgm,eps,0.3,adaptive,",
                       args);
    snprintf(args, sizeof args, "--attack fgm --model %s/models/distilled.edd --source %s/models/surrogate_u.edd "
             "--eps 0.3 --test-limit %zu", dir, dir, sc.fgm_n);
    attack_matches_csv(dir, data, ctx.nthreads, "fig3b_fgm.csv", "fig3b,surrogate_u,distilled,fgm,eps,0.3,paper,",
                       args);
    snprintf(args, sizeof args, "--attack jsma --model %s/models/distilled.edd --gamma 0.1 --jacobian probs-full "
             "--seed 7 --test-limit %zu", dir, sc.jsma_n);
    attack_matches_csv(dir, data, ctx.nthreads, "fig2b_jsma.csv", "fig2b,distilled,distilled,jsma,gamma,0.1,paper,",
                       args);
    for (int i = 0; i < sc.n_kappa; i++) {
        snprintf(args, sizeof args, "--attack cw --model %s/models/distilled.edd --confidence %g --max-iterations %d "
                 "--binary-search-steps %d --seed 7 --test-limit %zu", dir, (double)sc.kappa[i], sc.cw_iterations,
                 sc.cw_bsearch, sc.cw_n);
        snprintf(key, sizeof key, "fig2c,distilled,distilled,cw,kappa,%g,paper,", (double)sc.kappa[i]);
        attack_matches_csv(dir, data, ctx.nthreads, "fig2c_cw.csv", key, args);
        snprintf(args, sizeof args, "--attack cw --model %s/models/distilled.edd --confidence %g --max-iterations %d "
                 "--binary-search-steps %d --cw-optimizer adam --learning-rate 0.01 --seed 7 --test-limit %zu", dir,
                 (double)sc.kappa[i], sc.cw_big_iterations, sc.cw_big_bsearch, sc.cw_n);
        snprintf(key, sizeof key, "fig2c,distilled,distilled,cw,kappa,%g,budget,", (double)sc.kappa[i]);
        attack_matches_csv(dir, data, ctx.nthreads, "fig2c_cw.csv", key, args);
    }
    /* the baseline rows are the attack made and scored on the baseline */
    snprintf(args, sizeof args, "--attack fgm --model %s/models/baseline.edd --eps 0.3 --test-limit %zu", dir, sc.fgm_n);
    attack_matches_csv(dir, data, ctx.nthreads, "fig2a_fgm.csv", "fig2a,baseline,baseline,fgm,eps,0.3,paper,", args);
    snprintf(args, sizeof args, "--attack cw --model %s/models/baseline.edd --confidence 0 --max-iterations %d "
             "--binary-search-steps %d --cw-optimizer adam --learning-rate 0.01 --seed 7 --test-limit %zu", dir,
             sc.cw_big_iterations, sc.cw_big_bsearch, sc.cw_n);
    attack_matches_csv(dir, data, ctx.nthreads, "fig2c_cw.csv", "fig2c,baseline,baseline,cw,kappa,0,budget,", args);

    snprintf(args, sizeof args, "--attack pgd --model %s/models/adv.edd --eps 0.3 --loss margin --steps %d "
             "--restarts %d --early-stop 1 --seed 8 --test-limit %zu", dir, sc.pgd_steps, sc.pgd_restarts, sc.sec_n);
    attack_matches_base(dir, data, ctx.nthreads, "baselines.csv", "adv,pgd-margin,eps,0.3,", args);

    /* 2. a second run does nothing */
    run(&ctx, &sc, dir, data, NULL, &log);
    cr_assert_eq(nran(&log), 0, "everything is up to date");

    /* 3. a deleted output, 4. a corrupted byte in a CSV, 4b. an interrupted
     * stage (no manifest, a half-written output): each time that stage alone
     * is redone, and its output comes back the same, so nothing downstream
     * is */
    redo_alone(&ctx, &sc, dir, data, "fig2b_jsma.csv", "fig2b", DAMAGE_DELETE);
    redo_alone(&ctx, &sc, dir, data, "fig3d_jsma.csv", "fig3d", DAMAGE_FLIP);
    redo_alone(&ctx, &sc, dir, data, "fig2c_cw.csv", "fig2c", DAMAGE_INTERRUPT);

    /* 4c. a second run on the same folder at the same time is refused */
    snprintf(path, sizeof path, "%s/stages/lock", dir);
    int fd = open(path, O_RDWR);
    cr_assert(fd >= 0 && !flock(fd, LOCK_EX | LOCK_NB), "the lock file is there and free after a run");
    edd_repro_opts busy = {.out_dir = dir, .data_dir = data, .quiet = 1};
    cr_assert_eq(edd_reproduce(&ctx, &sc, &busy, &log), EDD_ERR_IO);
    cr_assert(strstr(ctx.err, "held by another"), "%s", ctx.err);
    close(fd);

    /* 5. a corrupted model is caught and retrained; the stages that read it
     * are redone only if the retrained model differs */
    snprintf(path, sizeof path, "%s/models/surrogate_u.edd", dir);
    flip_byte(path, 1000);
    run(&ctx, &sc, dir, data, NULL, &log);
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
    run(&ctx, &sc, dir, data, NULL, &log);
    cr_assert(ran(&log, "teacher"), "a copied model makes its stage redo");
    cr_assert_eq(nran(&log), 1, "only the teacher, retrained to the same model");
    char *again = read_all(path, &nb);
    cr_assert(again && !memcmp(again, teacher, nb), "the retrained teacher is the original");
    free(teacher);
    free(baseline);
    free(again);

    /* 6. --force reruns that stage; its outputs come back the same, so
     * nothing downstream is */
    run(&ctx, &sc, dir, data, "fig2e", &log);
    cr_assert(ran(&log, "fig2e"));
    cr_assert_eq(nran(&log), 1, "only fig2e is redone");

    /* 7. a changed setting redoes only the stages that read it and those
     * downstream: a smaller CW subset keeps every model and the FGM and JSMA
     * figures */
    sc.cw_n--;
    run(&ctx, &sc, dir, data, NULL, &log);
    static const char *const redone[] = {"fig2c",       "fig3e",       "fig3f",       "headline",    "baselines_1",
                                         "baselines_2", "baselines_3", "baselines_4", "baselines_5", "baselines",
                                         "plots",       "report"};
    for (size_t i = 0; i < sizeof redone / sizeof redone[0]; i++)
        cr_assert(ran(&log, redone[i]), "a new CW subset redoes %s", redone[i]);
    cr_assert_eq(nran(&log), 12, "and nothing else");
    snprintf(path, sizeof path, "%s/fig2c_cw.csv", dir);
    h = read_all(path, NULL);
    cr_assert(h && strchr(h, '\n'));
    const char *field = strchr(h, '\n') + 1; /* the first row; n is its 8th field */
    for (int k = 0; k < 7 && field; k++)
        field = strchr(field, ',') ? strchr(field, ',') + 1 : NULL;
    cr_assert(field && (size_t)atol(field) == sc.cw_n, "fig2c_cw.csv now has n = %zu", sc.cw_n);
    free(h);

    /* 8. a changed CW budget (G_CW_BUDGET) redoes Fig. 2c and what reads
     * it, not the black-box CW figures, which run the paper's budget only */
    sc.cw_big_iterations--;
    run(&ctx, &sc, dir, data, NULL, &log);
    static const char *const reb[] = {"fig2c", "headline", "plots", "report"};
    for (size_t i = 0; i < sizeof reb / sizeof reb[0]; i++)
        cr_assert(ran(&log, reb[i]), "a new CW budget redoes %s", reb[i]);
    cr_assert_eq(nran(&log), 4, "and nothing else");

    /* 9. the baselines' JSMA gammas (G_BASE) redo the two attack stages and
     * what reads them, no model (here: no JSMA point at all, the cheapest) */
    sc.n_base_gamma = 0;
    run(&ctx, &sc, dir, data, NULL, &log);
    static const char *const rebase[] = {"baselines_1", "baselines_2",      "baselines_3", "baselines_4", "baselines_5",
                                         "baselines",   "ablation_attacks", "plots",       "report"};
    for (size_t i = 0; i < sizeof rebase / sizeof rebase[0]; i++)
        cr_assert(ran(&log, rebase[i]), "new baseline gammas redo %s", rebase[i]);
    cr_assert_eq(nran(&log), 9, "and nothing else");

    edd_ctx_free(&ctx);
    rm_rf(dir);
}
