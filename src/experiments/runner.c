/* runner.c - edd_reproduce: make the results folder, take its lock, and
 * run the stage table in order, skipping each stage whose manifest is valid
 * and redoing the rest (include/edd/experiments.h says when a stage is
 * valid). */
#include "edd/io.h"
#include "edd/nn.h"
#include "edd/progress.h"
#include "repro.h"
#include "edd/internal/manifest.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

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
static const char *const folder_sub[] = {".", "stages", "models", "sigma", "plots"};
#define FOLDER_NSUB (sizeof folder_sub / sizeof folder_sub[0])

/* The results folder and its subfolders, then its lock, held by *lockfd:
 * one run at a time per folder, the lock going with the process. Holding
 * it, remove the temporary files of killed runs (*.tmp.<pid>) from every
 * folder: no other writer can be at work there. */
static edd_status open_folder(edd_ctx *ctx, const char *out_dir, int quiet, int *lockfd)
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
    *lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (*lockfd < 0)
        return edd_fail(ctx, EDD_ERR_IO, "%s: cannot open the lock file (%s)", path, strerror(errno));
    if (flock(*lockfd, LOCK_EX | LOCK_NB)) {
        close(*lockfd);
        *lockfd = -1;
        return edd_fail(ctx, EDD_ERR_IO, "%s: held by another `edd reproduce` on this folder, expected none", path);
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

/* The folder's dataset, in stages/dataset: written by its first run, and
 * a run on another dataset refused, so that a folder never mixes the two
 * (the manifests' data CRC32 would redo every stage, overwriting the other
 * dataset's results in place). */
static edd_status check_dataset(edd_ctx *ctx, const edd_repro_opts *o)
{
    const char *name = o->data_name ? o->data_name : "mnist";
    if (strcmp(name, "mnist") && strcmp(name, "fashion"))
        return edd_fail(ctx, EDD_ERR_ARG, "reproduce: dataset '%s', expected mnist or fashion", name);
    char path[EDD_PATH_MAX], held[64] = "";
    edd_status st = edd_path_join(ctx, path, sizeof path, o->out_dir, "stages/dataset");
    if (st)
        return st;
    FILE *f = fopen(path, "r");
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
static edd_status check_disk(edd_ctx *ctx, const edd_repro_scale *sc, const char *out_dir, const char *stage)
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

/* Run stage i of the table (its manifest tag and deps signature given):
 * remove its manifest, run it, write the manifest of the outputs it
 * registered and check it back; *sig gets the new manifest's signature. */
static edd_status run_stage(repro *r, int i, const char *tag, uint32_t dsig, uint32_t *sig, double *secs)
{
    const repro_stage *s = &r->stages[i];
    const char *dir = r->o->out_dir;
    char done[EDD_PATH_MAX], rel[256], why[1024];
    snprintf(rel, sizeof rel, "stages/%s.done", s->name);
    edd_status st = edd_path_join(r->ctx, done, sizeof done, dir, rel);
    if (st)
        return st;
    remove(done);
    double ts = edd_now();
    r->nout = 0;
    st = s->run(r, s);
    *secs = edd_now() - ts;
    const char *files[REPRO_MAX_OUTPUTS];
    for (int k = 0; k < r->nout; k++)
        files[k] = r->out[k];
    if (!st)
        st = edd_manifest_write(r->ctx, dir, s->name, tag, *secs, dsig, files, r->nout);
    if (!st && !edd_manifest_valid(dir, s->name, tag, dsig, sig, NULL, why, sizeof why))
        st = edd_fail(r->ctx, EDD_ERR_IO, "stage %s: its manifest does not match the files just written: %s", s->name,
                      why);
    if (!st && !r->o->quiet)
        fprintf(stderr, "reproduce: stage %s done in %.1f s\n", s->name, *secs);
    return st;
}

edd_status edd_repro_select(edd_ctx *ctx, const char *only, uint32_t *mask)
{
    const int nstages = edd_repro_stage_count();
    *mask = nstages >= 32 ? UINT32_MAX : (1u << nstages) - 1u;
    if (!only)
        return EDD_OK;
    *mask = 0;
    for (const char *p = only;;) {
        size_t len = strcspn(p, ",");
        char word[64];
        int i = -1;
        if (len < sizeof word) {
            memcpy(word, p, len);
            word[len] = 0;
            i = edd_repro_stage_find(word);
        }
        if (i < 0)
            return edd_fail(ctx, EDD_ERR_ARG, "--only '%s': '%.*s' is not a stage name (edd reproduce --help lists them)",
                            only, (int)len, p);
        *mask |= 1u << i;
        if (!p[len])
            break;
        p += len + 1;
    }
    /* a stage's dependencies come before it in the table: one pass from the
     * end closes the set; a summary stage (the plots, the report) draws
     * what exists, so it pulls in nothing */
    for (int i = nstages - 1; i >= 0; i--)
        if ((*mask & (1u << i)) && !repro_stage_summary(i))
            *mask |= repro_stages[i].deps;
    return EDD_OK;
}

edd_status edd_reproduce(edd_ctx *ctx, const edd_repro_scale *sc, const edd_repro_opts *o, edd_repro_log *log)
{
    double t0 = edd_now();
    int force = -1, nstages = edd_repro_stage_count(), lockfd = -1;
    if (!o->out_dir || !*o->out_dir || !o->data_dir)
        return edd_fail(ctx, EDD_ERR_ARG, "reproduce: out_dir '%s' and data_dir '%s': expected two folder names",
                        o->out_dir ? o->out_dir : "(null)", o->data_dir ? o->data_dir : "(null)");
    if (o->force && (force = edd_repro_stage_find(o->force)) < 0)
        return edd_fail(ctx, EDD_ERR_ARG, "--force '%s': not a stage name (edd reproduce --help lists them)",
                        o->force);
    uint32_t want;
    edd_status st = edd_repro_select(ctx, o->only, &want);
    if (!st)
        st = open_folder(ctx, o->out_dir, o->quiet, &lockfd);
    if (st)
        return st;
    st = check_dataset(ctx, o);
    /* the stages downstream of a forced one are redone only if its outputs
     * change: the dependency signatures below see to that */
    uint32_t data_crc = 0;
    if (!st)
        st = edd_dataset_fingerprint(ctx, o->data_dir, &data_crc);
    repro r = {.ctx = ctx, .sc = sc, .o = o, .stages = repro_stages, .nstages = nstages};
    uint32_t sig[EDD_REPRO_MAX_STAGES] = {0};
    if (log)
        memset(log, 0, sizeof *log);
    for (int i = 0; !st && i < nstages; i++) {
        const repro_stage *s = &repro_stages[i];
        uLong c = crc32(0L, Z_NULL, 0);
        for (int j = 0; j < nstages; j++)
            if (s->deps & (1u << j))
                c = crc32(c, (const unsigned char *)&sig[j], sizeof sig[j]);
        uint32_t dsig = (uint32_t)c;
        char tag[128], why[1024] = "--force";
        double secs = 0.0;
        st = repro_scale_tag(ctx, sc, data_crc, s->uses, tag, sizeof tag);
        if (st)
            break;
        if (!(want & (1u << i))) {
            /* not selected: only its signature, for the selected stages
             * that read it (a summary stage reads what exists) */
            edd_manifest_valid(o->out_dir, s->name, tag, dsig, &sig[i], NULL, NULL, 0);
            continue;
        }
        int ran = i == force || !edd_manifest_valid(o->out_dir, s->name, tag, dsig, &sig[i], &secs, why, sizeof why);
        if (ran)
            st = check_disk(ctx, sc, o->out_dir, s->name);
        if (ran && !st) {
            if (!o->quiet)
                fprintf(stderr, "reproduce: stage %s (%s)\n  because %s\n", s->name, s->what, why);
            st = run_stage(&r, i, tag, dsig, &sig[i], &secs);
        } else if (!o->quiet) {
            fprintf(stderr, "reproduce: stage %s is up to date\n", s->name);
        }
        if (log) {
            log->stage[log->n].name = s->name;
            log->stage[log->n].ran = ran;
            log->stage[log->n].seconds = secs;
            log->n++;
        }
    }
    if (log)
        log->seconds = edd_now() - t0;
    edd_dataset_free(&r.train);
    edd_dataset_free(&r.test);
    close(lockfd);
    return st;
}
