/* Issue 27, item 7: the digit grids of the reports. A smoke run saves, per
 * attack family (FGM, JSMA, CW, APGD-CE) and model (distilled, baseline),
 * the first images of the attack's set with their adversarial images and
 * predictions (points/grid_FAMILY_MODEL.npy); the plots stage draws
 * plots/grid_FAMILY.png from them and report.md links each under its
 * family's section; a folder without a grid gets one line that says so; a
 * damaged array stops the plots stage, naming the file.
 *
 * The cases copy the smoke results folder the tests share
 * (smoke_shared.h). */
#include <criterion/criterion.h>

#include "edd.h"
#include "grid.h"
#include "smoke_shared.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TestSuite(report_grid, .timeout = 900);

static const char *const families[] = {"fgm", "jsma", "cw", "apgd"};
/* The setting each family's grid is made at on the smoke scale, and its
 * L-inf budget (0: none). */
static const double settings[] = {0.3, 0.1, 0.0, 0.3};
static const double linf[] = {0.3, 0.0, 0.0, 0.3};

/* The shared smoke folder (smoke_shared.h). */
static const char *smoke_folder(void)
{
    static char dir[512];
    smoke_shared(dir, sizeof dir);
    return dir;
}

/* Each family's PNG is there, a grey PNG of a grid's size. */
static void pngs_drawn(const char *dir)
{
    for (size_t f = 0; f < sizeof families / sizeof families[0]; f++) {
        char path[512];
        size_t n = 0;
        snprintf(path, sizeof path, "%s/plots/grid_%s.png", dir, families[f]);
        unsigned char *b = (unsigned char *)file_read_text(path, &n);
        cr_assert(b && n > 33 && !memcmp(b, "\x89PNG\r\n\x1a\n", 8) && !memcmp(b + 12, "IHDR", 4),
                  "%s: expected a PNG", path);
        const unsigned w = (unsigned)b[16] << 24 | (unsigned)b[17] << 16 | (unsigned)b[18] << 8 | b[19];
        const unsigned h = (unsigned)b[20] << 24 | (unsigned)b[21] << 16 | (unsigned)b[22] << 8 | b[23];
        cr_assert(w > 3 * 84 * 2 && h > 84 && b[24] == 8 && b[25] == 0, "%s: %u x %u, depth %d, colour type %d",
                  path, w, h, b[24], b[25]);
        free(b);
    }
}

/* Each array: the first images of the MNIST test set with their labels,
 * adversarial minus clean equal to the perturbation within 1e-6, inside
 * the attack's L-inf budget, the setting and the predictions right. */
static void arrays_hold(const char *dir)
{
    edd_ctx ctx;
    ctx_make(&ctx);
    edd_dataset test = {0};
    load_or_skip(&ctx, 0, REPRO_GRID_N, &test);
    for (size_t f = 0; f < sizeof families / sizeof families[0]; f++)
        for (int m = 0; m < REPRO_GRID_MODELS; m++) {
            char path[512];
            snprintf(path, sizeof path, "%s/points/grid_%s_%s.npy", dir, families[f], repro_grid_models[m]);
            edd_npy a;
            cr_assert_eq(edd_npy_read(&ctx, path, &a), EDD_OK, "%s", ctx.err);
            cr_assert(a.dtype == EDD_NPY_F32 && a.rank == 2 && a.shape[0] >= 1 && a.shape[0] <= REPRO_GRID_N &&
                      a.shape[1] == REPRO_GRID_COLS, "%s: shape %zu x %zu", path, a.shape[0], a.shape[1]);
            for (size_t i = 0; i < a.shape[0]; i++) {
                const float *row = (const float *)a.data + i * REPRO_GRID_COLS;
                double worst = 0.0, big = 0.0;
                for (int j = 0; j < EDD_IMG_SIZE; j++) {
                    cr_assert_eq(row[REPRO_GRID_CLEAN + j], test.x[i * EDD_IMG_SIZE + j], "%s: row %zu is not test "
                                 "image %zu (pixel %d)", path, i, i, j);
                    const double d = row[REPRO_GRID_ADV + j] - row[REPRO_GRID_CLEAN + j];
                    worst = fmax(worst, fabs(d - row[REPRO_GRID_PERT + j]));
                    big = fmax(big, fabs(row[REPRO_GRID_PERT + j]));
                }
                cr_assert(worst <= 1e-6, "%s: row %zu: adversarial - clean differs from the perturbation by %g", path,
                          i, worst);
                cr_assert(!linf[f] || big <= linf[f] + 1e-6, "%s: row %zu: L-inf %g, budget %g", path, i, big, linf[f]);
                cr_assert_eq(row[REPRO_GRID_LABEL], (float)test.y[i], "%s: row %zu's label", path, i);
                cr_assert(fabs(row[REPRO_GRID_SETTING] - settings[f]) < 1e-6, "%s: setting %g, expected %g", path,
                          (double)row[REPRO_GRID_SETTING], settings[f]);
                const float limit = m == 1 ? EDD_N_REAL - 1 : EDD_N_REAL; /* the baseline has no outlier class */
                for (int k = REPRO_GRID_PRED_CLEAN; k <= REPRO_GRID_PRED_ADV; k++)
                    cr_assert(row[k] >= 0 && row[k] <= limit && row[k] == floorf(row[k]), "%s: row %zu column %d "
                              "is %g, expected a class 0..%g", path, i, k, (double)row[k], (double)limit);
            }
            edd_npy_free(&a);
        }
    edd_dataset_free(&test);
    edd_ctx_free(&ctx);
}

static void keep_all(const char *dir) { (void)dir; }

static void remove_file(const char *dir, const char *rel)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    cr_assert_eq(remove(path), 0, "%s", path);
}

static void drop_cw_grid(const char *dir) { remove_file(dir, "plots/grid_cw.png"); }

static void drop_jsma_arrays(const char *dir)
{
    remove_file(dir, "plots/grid_jsma.png");
    remove_file(dir, "points/grid_jsma_distilled.npy");
    remove_file(dir, "points/grid_jsma_baseline.npy");
}

/* The distilled FGM array's first perturbation pixel off by 0.5. */
static void damage_fgm_array(const char *dir)
{
    char path[512];
    snprintf(path, sizeof path, "%s/points/grid_fgm_distilled.npy", dir);
    edd_ctx ctx;
    ctx_make(&ctx);
    edd_npy a;
    cr_assert_eq(edd_npy_read(&ctx, path, &a), EDD_OK, "%s", ctx.err);
    ((float *)a.data)[REPRO_GRID_PERT] += 0.5f;
    cr_assert_eq(edd_npy_write(&ctx, path, a.dtype, a.rank, a.shape, a.data), EDD_OK, "%s", ctx.err);
    edd_npy_free(&a);
    edd_ctx_free(&ctx);
}

#define REPORT "--only report --force report"
#define PLOTS "--only plots,report --force plots"

/* One case: what it does to the copy, the stages it reruns there, the
 * exit status, a fragment of the output or report.md that must be there
 * (want), one that must not (never), and a check of the copy. */
typedef struct {
    const char *name;
    void (*setup)(const char *dir);
    const char *rerun;
    int exit;
    const char *want[5];
    const char *never;
    void (*check)(const char *dir);
} grid_case;

static const grid_case cases[] = {
    {"a smoke run draws a grid per family and report.md names each", keep_all, REPORT, 0,
     {"FGM digits at eps 0.3, the first 8 images the attack was run on: `plots/grid_fgm.png`. Per model (distilled, "
      "then baseline)", "\n![JSMA digits](plots/grid_jsma.png)\n", "CW-L2 digits at kappa 0, the first 5 images",
      "\n![CW-L2 digits](plots/grid_cw.png)\n", "\n![APGD-CE digits](plots/grid_apgd.png)\n"},
     "digits: no grid", pngs_drawn},
    {"the saved arrays: the attack's first images, adversarial - clean = perturbation", keep_all, NULL, 0, {NULL},
     NULL, arrays_hold},
    {"a grid absent: one line that says so", drop_cw_grid, REPORT, 0,
     {"\nCW-L2 digits: no grid in this folder (plots/grid_cw.png is absent).\n\n",
      "\n![FGM digits](plots/grid_fgm.png)\n"},
     "![CW-L2 digits]", NULL},
    {"the arrays absent: no grid drawn, one line that says so", drop_jsma_arrays, PLOTS, 0,
     {"\nJSMA digits: no grid in this folder (plots/grid_jsma.png is absent).\n\n"}, "![JSMA digits]", NULL},
    {"a damaged array stops the plots stage, naming the file", damage_fgm_array, PLOTS, 1,
     {"grid_fgm_distilled.npy: row 0 pixel 0", "expected images in [0, 1] and the perturbation their difference"},
     NULL, NULL},
};

static void run_case(const char *smoke, const grid_case *c)
{
    char dir[64], cmd[1024], copy[128], out[16384], path[256];
    tmpdir_make(dir, sizeof dir, "grid");
    snprintf(copy, sizeof copy, "%s/R", dir);
    snprintf(cmd, sizeof cmd, "cp -r '%s' '%s'", smoke, copy);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    c->setup(copy);
    char *md = NULL;
    if (c->rerun) {
        snprintf(cmd, sizeof cmd, "reproduce --scale smoke --out %s %s --threads 1 --quiet", copy, c->rerun);
        const int rc = edd_run(out, sizeof out, cmd);
        cr_assert_eq(rc, c->exit, "%s: edd %s: exit %d, expected %d\n%s", c->name, cmd, rc, c->exit, out);
        snprintf(path, sizeof path, "%s/report.md", copy);
        md = c->exit ? strdup(out) : file_read_text(path, NULL);
        cr_assert_not_null(md, "%s", path);
    }
    for (size_t i = 0; i < 5 && c->want[i]; i++)
        cr_assert(strstr(md, c->want[i]), "%s: lacks\n%s\n---\n%s", c->name, c->want[i], md);
    cr_assert(!c->never || !strstr(md, c->never), "%s: has '%s'\n---\n%s", c->name, c->never, md);
    if (c->check)
        c->check(copy);
    fprintf(stderr, "report_grid: %s: ok\n", c->name);
    free(md);
    tmpdir_remove(dir);
}

Test(report_grid, smoke_reports_show_digit_grids)
{
    const char *smoke = smoke_folder();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_case(smoke, &cases[i]);
}
