/* dataset.c - MNIST-style datasets from IDX files, and their fingerprint
 * (SHA-256). See include/edd/data.h. */
#include "edd/data.h"
#include "edd/sha256.h"
#include "edd/io.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define DATASET_CLASSES 10

/* Path of dir/base, or of dir/base.gz when only that exists, into buf. */
static edd_status dataset_find(edd_ctx *ctx, const char *dir, const char *base, char *buf, size_t n)
{
    const char *suffix[2] = {"", ".gz"};
    struct stat sb;
    for (int i = 0; i < 2; i++) {
        int w = snprintf(buf, n, "%s/%s%s", dir, base, suffix[i]);
        if (w < 0 || (size_t)w >= n)
            return edd_fail(ctx, EDD_ERR_ARG, "%s: data directory path is too long, expected under %zu bytes", dir,
                            n - 16);
        if (stat(buf, &sb) == 0 && !S_ISDIR(sb.st_mode))
            return EDD_OK;
    }
    return edd_fail(ctx, EDD_ERR_IO, "%s: found neither %s nor %s.gz, expected the dataset there (`make data` fetches it)",
                    dir, base, base);
}

/* Check the pair of IDX files and fill out with the first `limit` examples. */
static edd_status dataset_fill(edd_ctx *ctx, const char *ipath, const edd_idx *im, const char *lpath,
                               const edd_idx *lb, size_t limit, edd_dataset *out)
{
    if (im->rank != 3)
        return edd_fail(ctx, EDD_ERR_FORMAT, "%s: images have rank %d, expected 3 (count x height x width)", ipath,
                        im->rank);
    if (lb->rank != 1)
        return edd_fail(ctx, EDD_ERR_FORMAT, "%s: labels have rank %d, expected 1", lpath, lb->rank);
    if (lb->ne[0] != im->ne[0])
        return edd_fail(ctx, EDD_ERR_FORMAT, "%s: found %u labels, expected %u to match the images in %s", lpath,
                        lb->ne[0], im->ne[0], ipath);
    if (im->ne[1] > INT_MAX || im->ne[2] > INT_MAX)
        return edd_fail(ctx, EDD_ERR_FORMAT, "%s: images are %u x %u, expected each side under %d", ipath, im->ne[1],
                        im->ne[2], INT_MAX);
    for (size_t i = 0; i < lb->size; i++)
        if (lb->data[i] >= DATASET_CLASSES)
            return edd_fail(ctx, EDD_ERR_FORMAT, "%s: label %zu is %u, expected 0 to %d", lpath, i, lb->data[i],
                            DATASET_CLASSES - 1);

    size_t n = im->ne[0];
    if (limit > 0 && limit < n)
        n = limit;
    size_t pix = (size_t)im->ne[1] * im->ne[2];
    char what[PATH_MAX + 100];
    snprintf(what, sizeof what, "%s: %zu images of %zu pixels as floats", ipath, n, pix);
    edd_status st = edd_mem_check(ctx, what, n * pix * sizeof *out->x + n);
    if (st)
        return st;
    out->x = malloc(n * pix * sizeof *out->x);
    out->y = malloc(n);
    if (!out->x || !out->y)
        return edd_fail(ctx, EDD_ERR_NOMEM, "%s: cannot allocate %zu images of %zu pixels", ipath, n, pix);
    float scale[256];
    for (int v = 0; v < 256; v++)
        scale[v] = (float)v / 255.0f;
    for (size_t i = 0; i < n * pix; i++)
        out->x[i] = scale[im->data[i]];
    memcpy(out->y, lb->data, n);
    out->n = n;
    out->c = 1;
    out->h = (int)im->ne[1];
    out->w = (int)im->ne[2];
    return EDD_OK;
}

edd_status edd_dataset_load(edd_ctx *ctx, const char *dir, int train, size_t limit, edd_dataset *out)
{
    memset(out, 0, sizeof *out);
    const char *split = train ? "train" : "t10k";
    char ibase[64], lbase[64], ipath[PATH_MAX], lpath[PATH_MAX];
    snprintf(ibase, sizeof ibase, "%s-images-idx3-ubyte", split);
    snprintf(lbase, sizeof lbase, "%s-labels-idx1-ubyte", split);
    edd_status st = dataset_find(ctx, dir, ibase, ipath, sizeof ipath);
    if (st)
        return st;
    st = dataset_find(ctx, dir, lbase, lpath, sizeof lpath);
    if (st)
        return st;

    edd_idx im = {0}, lb = {0};
    st = edd_idx_read(ctx, ipath, &im);
    if (!st)
        st = edd_idx_read(ctx, lpath, &lb);
    if (!st)
        st = dataset_fill(ctx, ipath, &im, lpath, &lb, limit, out);
    edd_idx_free(&im);
    edd_idx_free(&lb);
    if (st)
        edd_dataset_free(out);
    return st;
}

edd_status edd_dataset_fingerprint(edd_ctx *ctx, const char *dir, char hex[EDD_DATASET_FINGERPRINT_HEX])
{
    static const char *const base[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                        "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
    edd_sha256 h;
    edd_sha256_init(&h);
    edd_status st = EDD_OK;
    for (int i = 0; !st && i < 4; i++) {
        char path[PATH_MAX];
        edd_idx f = {0};
        st = dataset_find(ctx, dir, base[i], path, sizeof path);
        if (!st)
            st = edd_idx_read(ctx, path, &f);
        if (!st) {
            edd_sha256_update(&h, f.ne, sizeof f.ne);
            edd_sha256_update(&h, f.data, f.size);
        }
        edd_idx_free(&f);
    }
    unsigned char d[EDD_SHA256_BYTES];
    edd_sha256_final(&h, d);
    edd_sha256_hex(d, hex);
    return st;
}

edd_status edd_dataset_images_sha256(edd_ctx *ctx, const char *dir, char hex[EDD_DATASET_FINGERPRINT_HEX])
{
    char path[PATH_MAX];
    edd_idx f = {0};
    edd_status st = dataset_find(ctx, dir, "train-images-idx3-ubyte", path, sizeof path);
    if (!st)
        st = edd_idx_read(ctx, path, &f);
    if (!st) {
        edd_sha256 h;
        unsigned char d[EDD_SHA256_BYTES];
        edd_sha256_init(&h);
        edd_sha256_update(&h, f.ne, sizeof f.ne);
        edd_sha256_update(&h, f.data, f.size);
        edd_sha256_final(&h, d);
        edd_sha256_hex(d, hex);
    }
    edd_idx_free(&f);
    return st;
}

void edd_dataset_free(edd_dataset *ds)
{
    free(ds->x);
    free(ds->y);
    memset(ds, 0, sizeof *ds);
}

const char *edd_data_home(char *buf, size_t n)
{
    const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
    int w = xdg && *xdg ? snprintf(buf, n, "%s/edd", xdg)
            : home && *home ? snprintf(buf, n, "%s/.local/share/edd", home) : -1;
    return w < 0 || (size_t)w >= n ? NULL : buf;
}

const char *edd_data_default_dir(const char *name, char *buf, size_t n)
{
    const char *root = getenv("EDD_DATA_DIR");
    char home[4096];
    struct stat sb;
    int w = -1;
    if (root && *root)
        w = snprintf(buf, n, "%s/%s", root, name);
    else if (edd_data_home(home, sizeof home) && snprintf(buf, n, "%s/%s", home, name) < (int)n &&
             !stat(buf, &sb) && S_ISDIR(sb.st_mode))
        w = (int)strlen(buf);
    else
        w = snprintf(buf, n, "data/%s", name);
    if (w < 0 || (size_t)w >= n)
        return NULL;
    return buf;
}

edd_status edd_dataset_name_check(edd_ctx *ctx, const char *name)
{
    if (name && (strcmp(name, "mnist") == 0 || strcmp(name, "fashion") == 0))
        return EDD_OK;
    return edd_fail(ctx, EDD_ERR_ARG, "dataset '%s': expected mnist or fashion", name ? name : "(null)");
}
