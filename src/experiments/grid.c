/* grid.c - the digit grids of the reports (grid.h): the arrays the attack
 * stages save (points/grid_FAMILY_MODEL.npy), their check on reading (a
 * results folder is untrusted input, as in issue 24), the layout of
 * plots/grid_FAMILY.png (one row per image; per model the clean digit, the
 * perturbation and the adversarial digit, the digits captioned with the
 * model's predicted class), and report.md's line for each grid.
 *
 * Owns: repro_grid_models, repro_grid_of, repro_grid_save,
 * repro_grid_draw_all, repro_report_grid.
 * May call: grid.h (repro.h, grid_png.c), edd/io.h (.npy), edd/eval.h
 * (edd_predict). */
#include "edd/io.h"
#include "grid.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const repro_grid_models[REPRO_GRID_MODELS] = {"distilled", "baseline"};

/* Per family: its file name, its title, the name of its setting. */
static const char *const fam_name[GRID_COUNT] = {"fgm", "jsma", "cw", "apgd"};
static const char *const fam_title[GRID_COUNT] = {"FGM", "JSMA", "CW-L2", "APGD-CE"};
static const char *const fam_setting[GRID_COUNT] = {"eps", "gamma", "kappa", "eps"};

repro_grid_family repro_grid_of(att_kind a)
{
    return a == ATT_FGM ? GRID_FGM : a == ATT_JSMA ? GRID_JSMA : GRID_CW;
}

static void array_name(repro_grid_family f, const char *model, char *rel, size_t n)
{
    snprintf(rel, n, "points/grid_%s_%s.npy", fam_name[f], model);
}

edd_status repro_grid_save(repro *r, repro_grid_family f, const char *model, const edd_cnn *m, const float *x,
                           const uint8_t *y, const float *adv, size_t n, double setting)
{
    if (n > REPRO_GRID_N)
        n = REPRO_GRID_N;
    if (!n)
        return EDD_OK;
    float *a = malloc(n * REPRO_GRID_COLS * sizeof(float));
    int pred[2 * REPRO_GRID_N];
    edd_status st = a ? EDD_OK : edd_fail(r->ctx, EDD_ERR_NOMEM, "grid: out of memory for %zu images", n);
    if (!st)
        st = edd_predict(r->ctx, m, x, n, REPRO_GRID_N, pred);
    if (!st)
        st = edd_predict(r->ctx, m, adv, n, REPRO_GRID_N, pred + REPRO_GRID_N);
    for (size_t i = 0; !st && i < n; i++) {
        float *row = a + i * REPRO_GRID_COLS;
        const float *xi = x + i * EDD_IMG_SIZE, *ai = adv + i * EDD_IMG_SIZE;
        for (int j = 0; j < EDD_IMG_SIZE; j++) {
            row[REPRO_GRID_CLEAN + j] = xi[j];
            row[REPRO_GRID_PERT + j] = ai[j] - xi[j];
            row[REPRO_GRID_ADV + j] = ai[j];
        }
        row[REPRO_GRID_LABEL] = (float)y[i];
        row[REPRO_GRID_PRED_CLEAN] = (float)pred[i];
        row[REPRO_GRID_PRED_ADV] = (float)pred[REPRO_GRID_N + i];
        row[REPRO_GRID_SETTING] = (float)setting;
    }
    char rel[96], path[EDD_PATH_MAX];
    const size_t shape[2] = {n, REPRO_GRID_COLS};
    array_name(f, model, rel, sizeof rel);
    if (!st)
        st = repro_path(r, rel, path);
    if (!st)
        st = edd_npy_write(r->ctx, path, EDD_NPY_F32, 2, shape, a);
    free(a);
    return st ? st : repro_output(r, rel);
}

/* 1 when v is a class a grid shows: 0..EDD_N_REAL (the outlier class). */
static int is_class(float v) { return v >= 0 && v <= EDD_N_REAL && v == floorf(v); }

/* Read and check model's array of family f into *a: float32, rows x
 * REPRO_GRID_COLS with 1..REPRO_GRID_N rows, finite, the images in [0, 1],
 * the perturbation the adversarial image minus the clean one (to 1e-5),
 * the label and predictions classes. */
static edd_status grid_load(const repro *r, repro_grid_family f, const char *model, edd_npy *a)
{
    char rel[96], path[EDD_PATH_MAX];
    array_name(f, model, rel, sizeof rel);
    edd_status st = repro_path(r, rel, path);
    if (!st)
        st = edd_npy_read(r->ctx, path, a);
    if (!st && (a->dtype != EDD_NPY_F32 || a->rank != 2 || a->shape[1] != REPRO_GRID_COLS || a->shape[0] < 1 ||
                a->shape[0] > REPRO_GRID_N))
        st = edd_fail(r->ctx, EDD_ERR_FORMAT, "%s: a rank-%d array of %zu x %zu, expected float32 of 1..%d x %d "
                      "(a digit grid's rows)", path, a->rank, a->shape[0], a->shape[1], REPRO_GRID_N, REPRO_GRID_COLS);
    if (!st)
        st = edd_check_finite(r->ctx, EDD_ERR_FORMAT, path, a->data, a->count);
    for (size_t i = 0; !st && i < a->shape[0]; i++) {
        const float *row = (const float *)a->data + i * REPRO_GRID_COLS;
        for (int j = 0; !st && j < EDD_IMG_SIZE; j++) {
            const float c = row[REPRO_GRID_CLEAN + j], d = row[REPRO_GRID_PERT + j], v = row[REPRO_GRID_ADV + j];
            if (c < 0 || c > 1 || v < 0 || v > 1 || fabsf(v - c - d) > 1e-5f)
                st = edd_fail(r->ctx, EDD_ERR_FORMAT, "%s: row %zu pixel %d: clean %g, perturbation %g, adversarial "
                              "%g, expected images in [0, 1] and the perturbation their difference", path, i, j,
                              (double)c, (double)d, (double)v);
        }
        for (int k = REPRO_GRID_LABEL; !st && k <= REPRO_GRID_PRED_ADV; k++)
            if (!is_class(row[k]))
                st = edd_fail(r->ctx, EDD_ERR_FORMAT, "%s: row %zu column %d is %g, expected a class 0..%d", path, i,
                              k, (double)row[k], EDD_N_REAL);
    }
    if (st)
        edd_npy_free(a);
    return st;
}

/* The layout, in pixels: an image pixel is GRID_SCALE wide, a caption's
 * GRID_FONT; GRID_CAP under each image holds its caption. */
enum { GRID_SCALE = 3, GRID_CELL = 28 * GRID_SCALE, GRID_FONT = 2, GRID_CAP = 7 * GRID_FONT, GRID_PAD = 4,
       GRID_GAP = 16, GRID_GROUP = 3 * GRID_CELL + 2 * GRID_PAD, GRID_ROW = GRID_CELL + GRID_CAP + GRID_PAD };

/* One image of 784 values v, each mapped to grey by scale and offset, at
 * (x, y) of the w-pixel-wide canvas px, with caption pred (< 0: none). */
static void draw_cell(uint8_t *px, int w, int h, int x, int y, const float *v, double scale, double offset, int pred)
{
    for (int j = 0; j < EDD_IMG_SIZE; j++) {
        const double g = fmin(255.0, fmax(0.0, offset + scale * v[j]));
        for (int dy = 0; dy < GRID_SCALE; dy++)
            memset(px + (size_t)(y + (j / 28) * GRID_SCALE + dy) * (size_t)w + (size_t)(x + (j % 28) * GRID_SCALE),
                   (int)lround(g), GRID_SCALE);
    }
    if (pred < 0)
        return;
    char cap[8];
    snprintf(cap, sizeof cap, pred >= EDD_N_REAL ? "out" : "%d", pred);
    const int tw = (int)strlen(cap) * 4 * GRID_FONT - GRID_FONT;
    repro_raster_text(px, w, h, x + (GRID_CELL - tw) / 2, y + GRID_CELL + 2, GRID_FONT, 0, cap);
}

/* One row of a group: clean, perturbation (grey 0, scaled to its largest
 * change: 127 grey levels either side), adversarial. */
static void draw_row(uint8_t *px, int w, int h, int x, int y, const float *row)
{
    double big = 0.0;
    for (int j = 0; j < EDD_IMG_SIZE; j++)
        big = fmax(big, fabs((double)row[REPRO_GRID_PERT + j]));
    draw_cell(px, w, h, x, y, row + REPRO_GRID_CLEAN, 255.0, 0.0, (int)row[REPRO_GRID_PRED_CLEAN]);
    draw_cell(px, w, h, x + GRID_CELL + GRID_PAD, y, row + REPRO_GRID_PERT, big > 0 ? 127.0 / big : 0.0, 128.0, -1);
    draw_cell(px, w, h, x + 2 * (GRID_CELL + GRID_PAD), y, row + REPRO_GRID_ADV, 255.0, 0.0,
              (int)row[REPRO_GRID_PRED_ADV]);
}

/* plots/grid_FAMILY.png from the ng arrays a[0..ng), left to right. */
static edd_status grid_draw(repro *r, repro_grid_family f, const edd_npy *a, int ng)
{
    size_t rows = 0;
    for (int g = 0; g < ng; g++)
        rows = a[g].shape[0] > rows ? a[g].shape[0] : rows;
    const int w = 2 * GRID_PAD + ng * GRID_GROUP + (ng - 1) * GRID_GAP, h = GRID_PAD + (int)rows * GRID_ROW;
    uint8_t *px = malloc((size_t)w * (size_t)h);
    if (!px)
        return edd_fail(r->ctx, EDD_ERR_NOMEM, "grid: out of memory for %d x %d pixels", w, h);
    memset(px, 255, (size_t)w * (size_t)h);
    for (int g = 0; g < ng; g++)
        for (size_t i = 0; i < a[g].shape[0]; i++)
            draw_row(px, w, h, GRID_PAD + g * (GRID_GROUP + GRID_GAP), GRID_PAD + (int)i * GRID_ROW,
                     (const float *)a[g].data + i * REPRO_GRID_COLS);
    char rel[64];
    snprintf(rel, sizeof rel, "plots/grid_%s.png", fam_name[f]);
    edd_status st = repro_png_write(r, rel, px, w, h);
    free(px);
    return st;
}

edd_status repro_grid_draw_all(repro *r)
{
    edd_status st = EDD_OK;
    for (int f = 0; !st && f < GRID_COUNT; f++) {
        edd_npy a[REPRO_GRID_MODELS] = {{0}};
        int ng = 0;
        for (int k = 0; !st && k < REPRO_GRID_MODELS; k++) {
            char rel[96];
            array_name((repro_grid_family)f, repro_grid_models[k], rel, sizeof rel);
            if (repro_have(r, rel) && !(st = grid_load(r, (repro_grid_family)f, repro_grid_models[k], &a[ng])))
                ng++;
        }
        if (!st && ng)
            st = grid_draw(r, (repro_grid_family)f, a, ng);
        for (int k = 0; k < ng; k++)
            edd_npy_free(&a[k]);
    }
    return st;
}

void repro_report_grid(const repro *r, edd_buf *t, repro_grid_family f)
{
    char png[64];
    snprintf(png, sizeof png, "plots/grid_%s.png", fam_name[f]);
    if (!repro_have(r, png)) {
        edd_buf_printf(t, "%s digits: no grid in this folder (%s is absent).\n\n", fam_title[f], png);
        return;
    }
    edd_buf models = {0};
    edd_buf_append(&models, "", 0);
    size_t rows = 0;
    double setting = 0.0;
    for (int k = 0; k < REPRO_GRID_MODELS; k++) {
        edd_npy a = {0};
        char rel[96];
        array_name(f, repro_grid_models[k], rel, sizeof rel);
        if (!repro_have(r, rel) || grid_load(r, f, repro_grid_models[k], &a))
            continue;
        edd_buf_printf(&models, "%s%s", models.len ? ", then " : "", repro_grid_models[k]);
        rows = a.shape[0] > rows ? a.shape[0] : rows;
        setting = ((const float *)a.data)[REPRO_GRID_SETTING];
        edd_npy_free(&a);
    }
    t->err |= models.err;
    if (!rows)
        edd_buf_printf(t, "%s digits: `%s` is here, but its arrays (points/grid_%s_MODEL.npy) are absent or "
                          "unreadable, so this report does not describe it.\n\n", fam_title[f], png, fam_name[f]);
    else
        edd_buf_printf(t, "%s digits at %s %g, the first %zu images the attack was run on: `%s`. Per model (%s), "
                          "the clean digit, the perturbation (adversarial minus clean; grey is 0, lighter adds, "
                          "darker takes away, scaled to the image's largest change) and the adversarial digit; under "
                          "each digit the model's predicted class (`out`: the outlier class).\n\n![%s digits](%s)\n\n",
                       fam_title[f], fam_setting[f], setting, rows, png, models.s, fam_title[f], png);
    edd_buf_free(&models);
}
