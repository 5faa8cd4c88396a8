/* standard_blocks.c - a standard stage's images in blocks (standard.h).
 * At paper scale one model under the standard suite takes 3 to 5 hours on
 * one core, longer than many sittings; so the stage attacks its images in
 * the scale's std_blocks blocks, keeps each block's result on disk once
 * done, and a killed run resumes at the first block not on disk. What a
 * block keeps is what the rows are made of: per image, the norm and source
 * of the point found at each eps (std_finds) of both norms, and the
 * convergence grid's robust counts. The stage joins the blocks into the
 * whole-image finds and computes its rows from them, as with one block.
 *
 * A block file, points/.STAGE.block-B, is one text line
 *   edd-std-block 1 STAGE B/NBLOCKS LO HI KEY
 * (KEY: the first 16 bytes of a SHA-256, in hex, of the model's parameters,
 * the block's images and labels, the standard settings and the seed) and
 * then, for L-inf and L2 in turn, pre[nb] and norm[neps][nb] (float), and
 * pre_src[nb] and src[neps][nb] (int8), then the grid's counts (uint64).
 * Read back, it is trusted only if its line is the one this run would
 * write, its size is exact and every value is possible (a norm >= 0 or
 * +inf, a source -1 exactly when the norm is +inf, a count <= the block's
 * images); otherwise stderr says why and the block is computed again from
 * nothing of the file. blk_load reads the file; std_block_parse judges its
 * bytes with no file access (also tests/fuzz/fuzz_std_block.c's entry).
 *
 * Owns: std_blocks_run, std_blocks_clean, std_block_parse, the block files.
 * May call: standard.c and standard_l2.c (std_finds, std_linf_find,
 * std_l2_find, std_convergence_count), repro.h, edd/io.h, edd/sha256.h. */
#include "edd/io.h"
#include "edd/progress.h"
#include "edd/sha256.h"
#include "standard.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define D EDD_IMG_SIZE

/* One block: its images (a view into the stage's), their finds and counts. */
typedef struct {
    int b;          /* 0-based */
    size_t lo, hi;  /* images [lo, hi) of the stage's */
    std_images si;  /* the view */
    std_finds linf, l2;
    size_t conv[EDD_REPRO_MAX_POINTS * EDD_REPRO_MAX_POINTS];
    int nconv;      /* counts kept: the grid's cells, or 0 */
    char line[256]; /* the file's first line, key included */
    char rel[96];   /* points/.STAGE.block-B */
} blk;

/* The key of k's block: SHA-256 of the model, the images, the labels and
 * the settings' text, its first 16 bytes in hex into hex (33 bytes). */
static void blk_key(const blk *k, char *hex)
{
    const repro *r = k->si.r;
    const edd_repro_scale *sc = r->sc;
    char text[512];
    int len = snprintf(text, sizeof text, "std %zu %d %d %d %d %d %d %d %d seed %llu", sc->std_n, sc->std_blocks,
                       sc->std_steps, sc->std_targets, sc->std_fmn_steps, sc->std_queries, sc->std_cw_iterations,
                       sc->std_cw_bsearch, sc->std_pgd_losses, (unsigned long long)repro_seed(r, SEED_PGD));
    for (int i = 0; i < sc->n_std_linf && len < (int)sizeof text - 32; i++)
        len += snprintf(text + len, sizeof text - (size_t)len, " %a", (double)sc->std_linf[i]);
    for (int i = 0; i < sc->n_std_l2 && len < (int)sizeof text - 32; i++)
        len += snprintf(text + len, sizeof text - (size_t)len, " l2 %a", (double)sc->std_l2[i]);
    for (int i = 0; i < sc->n_conv_steps && len < (int)sizeof text - 32; i++)
        len += snprintf(text + len, sizeof text - (size_t)len, " c%d", sc->conv_steps[i]);
    for (int i = 0; i < sc->n_conv_restarts && len < (int)sizeof text - 32; i++)
        len += snprintf(text + len, sizeof text - (size_t)len, " r%d", sc->conv_restarts[i]);
    if (len > (int)sizeof text - 1) /* snprintf's count, had it not been cut */
        len = (int)sizeof text - 1;
    edd_sha256 h;
    unsigned char d[EDD_SHA256_BYTES];
    edd_sha256_init(&h);
    edd_sha256_update(&h, k->si.m->params, k->si.m->nparams * sizeof(float));
    edd_sha256_update(&h, k->si.x, k->si.n * D * sizeof(float));
    edd_sha256_update(&h, k->si.y, k->si.n);
    edd_sha256_update(&h, text, (size_t)len);
    edd_sha256_final(&h, d);
    for (int i = 0; i < 16; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

/* Set up block b of nblocks of the stage's images si (the view, the
 * finds, the file's name and line); nonzero when out of memory. */
static int blk_init(blk *k, const std_images *si, const char *stage, int b, int nblocks, int conv)
{
    const edd_repro_scale *sc = si->r->sc;
    *k = (blk){.b = b, .lo = si->n * (size_t)b / (size_t)nblocks, .hi = si->n * (size_t)(b + 1) / (size_t)nblocks};
    const size_t nb = k->hi - k->lo;
    k->si = (std_images){.r = si->r, .m = si->m, .model = si->model, .n = nb, .x = si->x + k->lo * D,
                         .y = si->y + k->lo, .index = si->index + k->lo, .correct = si->correct + k->lo};
    for (size_t i = 0; i < nb; i++)
        k->si.ncorrect += k->si.correct[i];
    k->nconv = conv ? sc->n_conv_steps * sc->n_conv_restarts : 0;
    snprintf(k->rel, sizeof k->rel, "points/.%s.block-%d", stage, b + 1);
    char key[33];
    blk_key(k, key);
    snprintf(k->line, sizeof k->line, "edd-std-block 1 %s %d/%d %zu %zu %s\n", stage, b + 1, nblocks, k->lo, k->hi,
             key);
    return std_finds_alloc(&k->linf, nb, 0, sc->n_std_linf, sc->std_linf) ||
           std_finds_alloc(&k->l2, nb, 2, sc->n_std_l2, sc->std_l2);
}

static void blk_free(blk *k)
{
    std_finds_free(&k->linf);
    std_finds_free(&k->l2);
}

/* The payload's bytes for nb images: each norm's floats and sources, then
 * the nconv counts. */
static size_t blk_payload(const std_finds *linf, const std_finds *l2, size_t nb, int nconv)
{
    return (size_t)(linf->neps + 1 + l2->neps + 1) * nb * (sizeof(float) + 1) + (size_t)nconv * 8;
}

/* Write k's file: the line, then the finds and the counts. */
static edd_status blk_save(const blk *k)
{
    const size_t nb = k->si.n;
    uint64_t counts[EDD_REPRO_MAX_POINTS * EDD_REPRO_MAX_POINTS];
    for (int c = 0; c < k->nconv; c++)
        counts[c] = k->conv[c];
    const std_finds *f[2] = {&k->linf, &k->l2};
    const void *chunk[8] = {k->line};
    size_t size[8] = {strlen(k->line)};
    int n = 1;
    for (int j = 0; j < 2; j++) {
        chunk[n] = f[j]->pre, size[n++] = nb * sizeof(float);
        chunk[n] = f[j]->norm, size[n++] = (size_t)f[j]->neps * nb * sizeof(float);
        chunk[n] = f[j]->pre_src, size[n++] = (size_t)(f[j]->neps + 1) * nb;
    }
    chunk[n] = counts, size[n++] = (size_t)k->nconv * sizeof(uint64_t);
    char path[EDD_PATH_MAX];
    edd_status st = repro_path(k->si.r, k->rel, path);
    return st ? st : edd_file_write_atomic(k->si.r->ctx, path, chunk, size, n);
}

/* Check the n (norm, source) pairs v, s of a block file: 0 if each norm is
 * >= 0 or +inf, its source -1 exactly when it is +inf, and a source a
 * std_source (pre_none: the pass at no eps ran no attack, every source -1). */
static int blk_values_ok(const float *v, const int8_t *s, size_t n, int pre_none)
{
    for (size_t i = 0; i < n; i++) {
        if (!(v[i] >= 0.0f) || s[i] < -1 || s[i] >= STD_NSOURCES || (s[i] < 0) != (isinf(v[i]) != 0))
            return 0;
        if (pre_none && s[i] >= 0)
            return 0;
    }
    return 1;
}

/* Fill f (nb images) from a file's bytes at p, the L-inf one (ord 0) having
 * no pre pass; advance p; 0 if a value is impossible. */
static int blk_take(std_finds *f, size_t nb, const unsigned char **p)
{
    const size_t nn = (size_t)f->neps * nb;
    memcpy(f->pre, *p, nb * sizeof(float)), *p += nb * sizeof(float);
    memcpy(f->norm, *p, nn * sizeof(float)), *p += nn * sizeof(float);
    memcpy(f->pre_src, *p, nn + nb), *p += nn + nb;
    if (!blk_values_ok(f->pre, f->pre_src, nb, f->ord == 0) || !blk_values_ok(f->norm, f->src, nn, 0))
        return 0;
    for (size_t i = 0; i < nb; i++) {
        f->best[i] = f->pre[i];
        for (int e = 0; e < f->neps; e++)
            f->best[i] = fminf(f->best[i], f->norm[(size_t)e * nb + i]);
    }
    return 1;
}

/* f (nb images) as std_finds_alloc leaves it: every norm, best included,
 * +inf and every source -1. */
static void blk_reset(std_finds *f, size_t nb)
{
    const size_t cells = (size_t)f->neps * nb + 2 * nb;
    for (size_t i = 0; i < cells; i++)
        f->pre[i] = INFINITY;
    memset(f->pre_src, 0xff, cells - nb); /* -1 */
}

/* Contract (standard.h): the bytes are accepted (NULL) only if they are
 * line, then exactly the payload, every value possible; then linf, l2 and
 * conv hold them. Otherwise the reason, and nothing of the bytes is kept:
 * linf and l2 reset (blk_reset), conv zeroed. Reads bytes[0..len) only. */
const char *std_block_parse(const char *line, const void *bytes, size_t len, size_t nb, size_t ncorrect,
                            std_finds *linf, std_finds *l2, size_t *conv, int nconv)
{
    const size_t head = strlen(line), want = head + blk_payload(linf, l2, nb, nconv);
    const unsigned char *p = bytes;
    const char *why = NULL;
    if (len < head || memcmp(p, line, head))
        why = "its first line is not this run's (another model, images, settings or seed)";
    else if (len != want)
        why = "its size is not the block's";
    if (!why)
        p += head;
    if (!why && (!blk_take(linf, nb, &p) || !blk_take(l2, nb, &p)))
        why = "a norm or a source in it is impossible";
    for (int c = 0; !why && c < nconv; c++) {
        uint64_t v;
        memcpy(&v, p + (size_t)c * 8, 8);
        if (v > ncorrect)
            why = "a convergence count exceeds the block's images";
        conv[c] = (size_t)v;
    }
    if (why) { /* a block computed again starts from nothing of the file */
        blk_reset(linf, nb);
        blk_reset(l2, nb);
        for (int c = 0; c < nconv; c++)
            conv[c] = 0;
    }
    return why;
}

/* Read k's file into k when it is the one this run would write: 1 if so,
 * 0 if absent or not (then stderr says why). */
static int blk_load(blk *k)
{
    repro *r = k->si.r;
    char path[EDD_PATH_MAX];
    if (!repro_have(r, k->rel) || repro_path(r, k->rel, path))
        return 0;
    const size_t want = strlen(k->line) + blk_payload(&k->linf, &k->l2, k->si.n, k->nconv);
    char *text = NULL;
    size_t len = 0;
    const char *why = NULL;
    const int unread = edd_file_read_text(r->ctx, path, "a block of a standard stage", want, &text, &len) != EDD_OK;
    if (unread)
        why = edd_ctx_error(r->ctx); /* names the path */
    else
        why = std_block_parse(k->line, text, len, k->si.n, k->si.ncorrect, &k->linf, &k->l2, k->conv, k->nconv);
    free(text);
    if (why)
        fprintf(stderr, "reproduce: %s%s%s; computing the block again\n", unread ? "" : path, unread ? "" : ": ", why);
    return !why;
}

/* Put block k's finds into the stage's f (n images) at its offset. */
static void blk_put(std_finds *f, size_t n, const std_finds *b, size_t lo, size_t nb)
{
    memcpy(f->pre + lo, b->pre, nb * sizeof(float));
    memcpy(f->best + lo, b->best, nb * sizeof(float));
    memcpy(f->pre_src + lo, b->pre_src, nb);
    for (int e = 0; e < f->neps; e++) {
        memcpy(f->norm + (size_t)e * n + lo, b->norm + (size_t)e * nb, nb * sizeof(float));
        memcpy(f->src + (size_t)e * n + lo, b->src + (size_t)e * nb, nb);
    }
}

/* Block k computed: both norms' points, then the convergence counts. */
static edd_status blk_compute(blk *k)
{
    edd_status st = std_linf_find(&k->si, &k->linf);
    if (!st)
        st = std_l2_find(&k->si, &k->l2);
    if (!st && k->nconv)
        st = std_convergence_count(&k->si, k->conv);
    return st;
}

edd_status std_blocks_run(const std_images *si, const char *stage, std_finds *linf, std_finds *l2, size_t *conv)
{
    repro *r = si->r;
    const int nblocks = r->sc->std_blocks;
    edd_status st = EDD_OK;
    for (int b = 0; !st && b < nblocks; b++) {
        blk k;
        const double t0 = edd_now();
        if (blk_init(&k, si, stage, b, nblocks, conv != NULL))
            st = edd_fail(r->ctx, EDD_ERR_NOMEM, "standard: out of memory for block %d of %s", b + 1, stage);
        const int kept = !st && blk_load(&k);
        if (!st && !kept)
            st = blk_compute(&k);
        if (!st && !kept && nblocks > 1)
            st = blk_save(&k);
        if (!st && !kept && nblocks > 1) {
            char name[80];
            snprintf(name, sizeof name, "%s.%d", stage, b + 1);
            edd_stop_point("std-block", name);
        }
        if (!st) {
            blk_put(linf, si->n, &k.linf, k.lo, k.si.n);
            blk_put(l2, si->n, &k.l2, k.lo, k.si.n);
            for (int c = 0; c < k.nconv; c++)
                conv[c] += k.conv[c];
        }
        if (!st && !r->o->quiet && nblocks > 1)
            fprintf(stderr, "reproduce:   model %s: block %d of %d (images %zu-%zu) %s (%.1f s)\n", si->model, b + 1,
                    nblocks, k.lo, k.hi - 1, kept ? "read from its file" : "done", edd_now() - t0);
        blk_free(&k);
    }
    return st;
}

edd_status std_blocks_clean(repro *r, const char *stage)
{
    for (int b = 0; b < r->sc->std_blocks; b++) {
        char rel[96], path[EDD_PATH_MAX];
        snprintf(rel, sizeof rel, "points/.%s.block-%d", stage, b + 1);
        edd_status st = repro_path(r, rel, path);
        if (st)
            return st;
        if (remove(path) && errno != ENOENT)
            return edd_fail(r->ctx, EDD_ERR_IO, "%s: cannot remove this block file once the stage is done: %s",
                            path, strerror(errno));
    }
    return EDD_OK;
}
