/* folder.c - the results folder of edd reproduce (folder.h): made with
 * its subfolders, locked for one run at a time, swept of killed runs'
 * temporary files, its dataset recorded and checked, and its free space
 * checked before each stage. Split from runner.c, which calls it. May call
 * repro.h and edd/io.h. */
#include "edd/io.h"
#include "edd/nn.h"
#include "folder.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* mkdir -p dir. */
static edd_status mkdir_p(edd_ctx *ctx, const char *dir)
{
    char buf[EDD_PATH_MAX];
    size_t n = strlen(dir);
    if (n >= sizeof buf)
        return edd_fail(ctx, EDD_ERR_ARG, "a folder name of %zu bytes, expected at most %zu: '%s'", n, sizeof buf - 1,
                        dir);
    memcpy(buf, dir, n + 1);
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || !*p) {
            char c = *p;
            *p = 0;
            if (mkdir(buf, 0777) && errno != EEXIST)
                return edd_fail(ctx, EDD_ERR_IO, "%s: cannot create the folder (%s)", buf, strerror(errno));
            *p = c;
            if (!c)
                break;
        }
    }
    return EDD_OK;
}

/* The results folder itself, then its subfolders. */
static const char *const folder_sub[] = {".", "stages", "models", "sigma", "points", "plots"};
#define FOLDER_NSUB (sizeof folder_sub / sizeof folder_sub[0])

/* The results folder and its subfolders, then its lock, held by *lockfd:
 * one run at a time per folder, the lock going with the process. Holding
 * it, remove the temporary files of killed runs (*.edd-tmp.<pid>) from every
 * folder: no other writer can be at work there. */
edd_status repro_open_folder(edd_ctx *ctx, const char *out_dir, int quiet, int *lockfd)
{
    char path[EDD_PATH_MAX];
    edd_status st = mkdir_p(ctx, out_dir);
    for (size_t i = 1; !st && i < FOLDER_NSUB; i++) {
        st = edd_path_join(ctx, path, sizeof path, out_dir, folder_sub[i]);
        if (!st)
            st = mkdir_p(ctx, path);
    }
    if (!st)
        st = edd_path_join(ctx, path, sizeof path, out_dir, "stages/lock");
    if (st)
        return st;
    /* not through a link, and never blocking on a FIFO put in its place */
    st = edd_file_open_rdwr(ctx, path, "the folder's lock file", lockfd);
    if (st)
        return st;
    if (flock(*lockfd, LOCK_EX | LOCK_NB))
        st = edd_fail(ctx, EDD_ERR_IO, "%s: held by another `edd reproduce` on this folder, expected none", path);
    if (st) {
        close(*lockfd);
        *lockfd = -1;
        return st;
    }
    int swept = 0;
    for (size_t i = 0; !st && i < FOLDER_NSUB; i++) {
        int n = 0;
        st = edd_path_join(ctx, path, sizeof path, out_dir, folder_sub[i]);
        if (!st)
            st = edd_tmp_sweep(ctx, path, NULL, &n);
        swept += n;
    }
    if (!st && swept && !quiet)
        fprintf(stderr, "reproduce: removed %d temporary file%s left by a killed run\n", swept, swept > 1 ? "s" : "");
    return st;
}

/* The folder's dataset, in stages/dataset: written before the folder's
 * first stage runs (mark = 1), and a run on another dataset refused, so
 * that a folder never mixes the two (the manifests' data CRC32 would redo
 * every stage, overwriting the other dataset's results in place). */
edd_status repro_check_dataset(edd_ctx *ctx, const edd_repro_opts *o, int mark)
{
    const char *name = o->data_name ? o->data_name : "mnist";
    if (strcmp(name, "mnist") && strcmp(name, "fashion"))
        return edd_fail(ctx, EDD_ERR_ARG, "reproduce: dataset '%s', expected mnist or fashion", name);
    char path[EDD_PATH_MAX], held[64] = "";
    edd_status st = edd_path_join(ctx, path, sizeof path, o->out_dir, "stages/dataset");
    if (st)
        return st;
    FILE *f = NULL;
    struct stat sb;
    if (!(stat(path, &sb) && errno == ENOENT) && edd_file_fopen_regular(ctx, path, "the folder's dataset name", &f))
        return EDD_ERR_IO;
    if (f) {
        if (!fgets(held, sizeof held, f))
            held[0] = 0;
        fclose(f);
        held[strcspn(held, "\n")] = 0;
        if (!strcmp(held, name))
            return EDD_OK;
        return edd_fail(ctx, EDD_ERR_ARG,
                        "%s: the folder holds the results of dataset '%s', expected '%s': give another --out",
                        path, held, name);
    }
    if (!mark)
        return EDD_OK;
    size_t n = strlen(name);
    char line[64];
    snprintf(line, sizeof line, "%s\n", name);
    const void *chunk[1] = {line};
    const size_t size[1] = {n + 1};
    return edd_file_write_atomic(ctx, path, chunk, size, 1);
}

/* Check that out_dir's file system has room for what one stage may write.
 * The largest stages write two models and the sigma and soft-label arrays
 * of the training set (Eqs. 1-2); an atomic rewrite holds the old file and
 * the new one at once, so that is counted twice, plus 16 MiB for CSVs,
 * plots and manifests. */
edd_status repro_check_disk(edd_ctx *ctx, const edd_repro_scale *sc, const char *out_dir, const char *stage)
{
    const int k = 11; /* the distilled models: 10 classes and the outlier */
    uint64_t model = EDD_MODEL_HEADER_BYTES + EDD_MODEL_CRC_BYTES + 4 * (uint64_t)edd_cnn_nparams(k);
    uint64_t n = sc->train_n ? sc->train_n : 60000, arrays = n * 4 * (k + 1);
    uint64_t need = 2 * (2 * model + arrays) + (16u << 20), free_bytes;
    edd_status st = edd_disk_free(ctx, out_dir, &free_bytes);
    if (!st && free_bytes < need)
        st = edd_fail(ctx, EDD_ERR_IO,
                      "%s: %.1f MiB free, expected at least %.1f MiB before stage %s (two models and the training "
                      "set's arrays, old and new): free some space and rerun; finished stages are kept",
                      out_dir, free_bytes / 1048576.0, need / 1048576.0, stage);
    return st;
}
