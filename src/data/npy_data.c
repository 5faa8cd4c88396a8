/* npy_data.c - a dataset from a user's .npy files: images (float32 in
 * [0, 1] or uint8 0..255, N x 1 x 28 x 28 or N x 28 x 28) and labels
 * (int64, int32 or uint8, each 0..9). See include/edd/data.h.
 *
 * Owns: edd_dataset_load_npy and its checks (shape, dtype, range, NaN,
 * label count), each failure naming the file, what was found and what was
 * expected.
 * May call: core (edd_fail), io (edd_npy_read), libc. */
#include "edd/data.h"
#include "edd/io.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NPY_SIDE 28
#define NPY_PIXELS (NPY_SIDE * NPY_SIDE)
#define NPY_CLASSES 10

/* The image count of a, or fails naming path and the shapes accepted. */
static edd_status image_shape(edd_ctx *ctx, const char *path, const edd_npy *a, size_t *n)
{
    const size_t *s = a->shape;
    int ok = (a->rank == 4 && s[1] == 1 && s[2] == NPY_SIDE && s[3] == NPY_SIDE) ||
             (a->rank == 3 && s[1] == NPY_SIDE && s[2] == NPY_SIDE);
    if (!ok || (a->dtype != EDD_NPY_F32 && a->dtype != EDD_NPY_U8)) {
        char shp[128];
        int w = snprintf(shp, sizeof shp, "(");
        for (int i = 0; i < a->rank && w < (int)sizeof shp - 32; i++)
            w += snprintf(shp + w, sizeof shp - (size_t)w, "%s%zu", i ? ", " : "", s[i]);
        snprintf(shp + w, sizeof shp - (size_t)w, ")");
        static const char *const dt[] = {"float32", "uint8", "int32", "int64"};
        return edd_fail(ctx, EDD_ERR_FORMAT, "%s: images of shape %s and dtype %s, expected float32 (in [0, 1]) or "
                        "uint8 (0..255) of shape (N, 1, 28, 28) or (N, 28, 28)", path, shp, dt[a->dtype]);
    }
    *n = s[0];
    return EDD_OK;
}

/* The first n images of a into x (n x 784 floats in [0, 1]); fails on a
 * float that is NaN, infinite or outside [0, 1], naming its index. */
static edd_status images_copy(edd_ctx *ctx, const char *path, const edd_npy *a, size_t n, float *x)
{
    if (a->dtype == EDD_NPY_U8) {
        const uint8_t *u = a->data;
        for (size_t i = 0; i < n * NPY_PIXELS; i++)
            x[i] = (float)u[i] / 255.0f;
        return EDD_OK;
    }
    const float *f = a->data;
    for (size_t i = 0; i < n * NPY_PIXELS; i++) {
        if (!(f[i] >= 0.0f && f[i] <= 1.0f))
            return edd_fail(ctx, EDD_ERR_FORMAT, "%s: pixel %zu (image %zu) is %g, expected a float32 in [0, 1] "
                            "(not NaN; scale 0..255 images by 1/255 or save them as uint8)", path, i,
                            i / NPY_PIXELS, (double)f[i]);
        x[i] = f[i];
    }
    return EDD_OK;
}

/* The first n labels of a into y; fails on a label outside 0..9, or on a
 * label file that is not one dimension of an integer type. */
static edd_status labels_copy(edd_ctx *ctx, const char *path, const edd_npy *a, size_t n, size_t nimg,
                              const char *images, uint8_t *y)
{
    if (a->rank != 1 || a->dtype == EDD_NPY_F32)
        return edd_fail(ctx, EDD_ERR_FORMAT, "%s: labels of rank %d and dtype %s, expected one dimension of int64, "
                        "int32 or uint8", path, a->rank, a->dtype == EDD_NPY_F32 ? "float32" : "integer");
    if (a->shape[0] != nimg)
        return edd_fail(ctx, EDD_ERR_FORMAT, "%s: %zu labels, expected %zu, one per image of %s", path, a->shape[0],
                        nimg, images);
    for (size_t i = 0; i < n; i++) {
        long long v = a->dtype == EDD_NPY_U8    ? ((const uint8_t *)a->data)[i]
                      : a->dtype == EDD_NPY_I32 ? ((const int32_t *)a->data)[i]
                                                : ((const int64_t *)a->data)[i];
        if (v < 0 || v >= NPY_CLASSES)
            return edd_fail(ctx, EDD_ERR_FORMAT, "%s: label %zu is %lld, expected 0 to %d", path, i, v,
                            NPY_CLASSES - 1);
        y[i] = (uint8_t)v;
    }
    return EDD_OK;
}

edd_status edd_dataset_load_npy(edd_ctx *ctx, const char *images, const char *labels, size_t limit, edd_dataset *out)
{
    memset(out, 0, sizeof *out);
    edd_npy xi = {0}, yi = {0};
    size_t nimg = 0;
    edd_status st = edd_npy_read(ctx, images, &xi);
    if (!st)
        st = image_shape(ctx, images, &xi, &nimg);
    if (!st && labels)
        st = edd_npy_read(ctx, labels, &yi);
    size_t n = limit && limit < nimg ? limit : nimg;
    if (!st) {
        out->x = malloc(n * NPY_PIXELS * sizeof(float) + 1);
        out->y = calloc(n + 1, 1);
        if (!out->x || !out->y)
            st = edd_fail(ctx, EDD_ERR_NOMEM, "%s: cannot allocate %zu images", images, n);
    }
    if (!st)
        st = images_copy(ctx, images, &xi, n, out->x);
    if (!st && labels)
        st = labels_copy(ctx, labels, &yi, n, nimg, images, out->y);
    edd_npy_free(&xi);
    edd_npy_free(&yi);
    if (st) {
        edd_dataset_free(out);
        return st;
    }
    out->n = n;
    out->c = 1;
    out->h = out->w = NPY_SIDE;
    return EDD_OK;
}
