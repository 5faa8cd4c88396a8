/* grid.h - internal to src/experiments: the digit grids of the reports
 * (issue 27, item 7). An attack stage saves, per attack family and model,
 * the first REPRO_GRID_N images of the attack's set as
 * points/grid_FAMILY_MODEL.npy (grid.c); the plots stage draws
 * plots/grid_FAMILY.png from those arrays (grid.c lays it out, grid_png.c
 * writes the PNG); report.md names each grid under its family's section.
 *
 * Owns: the grid arrays' layout and names, the grid PNGs, the report's
 * grid lines.
 * May call: repro.h (paths, outputs), edd/io.h (.npy), edd/eval.h
 * (edd_predict), zlib (compress2, crc32: grid_png.c). */
#ifndef EDD_GRID_H
#define EDD_GRID_H

#include "repro.h"

/* Rows of a grid: the first images of the attack's set. */
#define REPRO_GRID_N 8

/* The columns of a row of points/grid_FAMILY_MODEL.npy (float32, shape
 * rows x REPRO_GRID_COLS): the clean image, the perturbation (adversarial
 * minus clean), the adversarial image, then the label, the model's
 * predicted class on the clean and on the adversarial image (EDD_N_REAL:
 * the outlier class), and the attack's setting (eps, gamma or kappa). */
enum {
    REPRO_GRID_CLEAN = 0,
    REPRO_GRID_PERT = EDD_IMG_SIZE,
    REPRO_GRID_ADV = 2 * EDD_IMG_SIZE,
    REPRO_GRID_LABEL = 3 * EDD_IMG_SIZE,
    REPRO_GRID_PRED_CLEAN,
    REPRO_GRID_PRED_ADV,
    REPRO_GRID_SETTING,
    REPRO_GRID_COLS
};

/* The attack families with a grid: Figs. 2a-c's white-box attacks and the
 * standard suite's APGD-CE. */
typedef enum { GRID_FGM, GRID_JSMA, GRID_CW, GRID_APGD, GRID_COUNT } repro_grid_family;

/* The models a grid shows, left to right. */
#define REPRO_GRID_MODELS 2
extern const char *const repro_grid_models[REPRO_GRID_MODELS]; /* "distilled", "baseline" */

/* The family of attack a (ATT_FGM, ATT_JSMA, ATT_CW). */
repro_grid_family repro_grid_of(att_kind a);

/* Save points/grid_FAMILY_MODEL.npy (registered) from the first
 * min(n, REPRO_GRID_N) images: clean x, labels y, adversarial adv (each n
 * x 784, attack setting `setting`), with m's predictions on x and adv. */
edd_status repro_grid_save(repro *r, repro_grid_family f, const char *model, const edd_cnn *m, const float *x,
                           const uint8_t *y, const float *adv, size_t n, double setting);

/* Draw plots/grid_FAMILY.png (registered) for each family with at least
 * one model's array in the folder; a family with none is left out. */
edd_status repro_grid_draw_all(repro *r);

/* report.md's lines for family f's grid, appended to t: the grid named and
 * linked, what it shows; or one line that says plots/grid_FAMILY.png is
 * absent. */
void repro_report_grid(const repro *r, edd_buf *t, repro_grid_family f);

/* ---- grid_png.c ---- */

/* Draw text s (digits and the letters of "out") into the w x h grey image
 * px, its top left corner at (x, y), each font pixel a scale x scale
 * square of value ink; what falls outside the image is left out. */
void repro_raster_text(uint8_t *px, int w, int h, int x, int y, int scale, uint8_t ink, const char *s);

/* Write the w x h grey image px (row-major, 8 bits a pixel) as the PNG
 * out_dir/rel, atomically, and register it. */
edd_status repro_png_write(repro *r, const char *rel, const uint8_t *px, int w, int h);

#endif
