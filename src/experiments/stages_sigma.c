/* stages_sigma.c - the stages of Eq. 1 (stages.h): sigma_1..sigma_4 each
 * run the teacher's MC-dropout passes over a range of the training images
 * (the ranges planned so that the joined arrays are the unsplit ones byte
 * for byte), and sigma joins them into sigma/sigma.npy and
 * sigma/sigma_study.npy. Owns repro_read_sigma, which the distillations
 * use. May call repro.h and edd/defense.h (edd_uncertainty,
 * edd_logit_variance). */
#include "edd/defense.h"
#include "stages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int repro_max_passes(const edd_repro_scale *sc)
{
    int n = sc->passes;
    for (int i = 0; i < sc->n_passes; i++)
        n = sc->passes_list[i] > n ? sc->passes_list[i] : n;
    return n;
}

size_t repro_study_n(const repro *r)
{
    return r->sc->study_n && r->sc->study_n < r->train.n ? r->sc->study_n : r->train.n;
}

/* The options of the sigma stage's MC-dropout passes: npass passes, the
 * masks seeded as the distilled model's. */
static edd_mc_opts sigma_mc(const repro *r, int npass)
{
    edd_mc_opts mc;
    edd_mc_opts_default(&mc);
    mc.passes = npass;
    mc.seed = repro_seed(r, SEED_DISTILLED);
    mc.quiet = r->o->quiet;
    return mc;
}

/* Eq. 1 for every N in 1..npass on the training images [first, first + n):
 * one edd_uncertainty call of npass passes over that view, whose masks are
 * those of the same images in a call over the whole set (edd_mc_opts.first).
 * Pass m's masks depend on (seed, m, example) only, so the first N passes of
 * this call are the passes an N-pass call would take: row N-1 of sig
 * ([npass][n]) is sigma at N. */
static edd_status sigma_rows(repro *r, const edd_cnn *teacher, size_t first, size_t n, int npass, float *sig)
{
    edd_mc_opts mc = sigma_mc(r, npass);
    mc.first = first;
    edd_dataset view = r->train;
    view.x += first * EDD_IMG_SIZE;
    view.y += first;
    view.n = n;
    float *logits = malloc((size_t)npass * n * 10 * sizeof(float)), *tmp = malloc(n * sizeof(float));
    edd_status st = (!logits || !tmp) ? edd_fail(r->ctx, EDD_ERR_NOMEM, "sigma: out of memory for %d passes", npass)
                                      : EDD_OK;
    if (!st)
        st = edd_uncertainty(r->ctx, teacher, &view, &mc, tmp, logits);
    for (int p = 1; !st && p <= npass; p++)
        edd_logit_variance(r->ctx, logits, (size_t)p, n, 10, sig + (size_t)(p - 1) * n);
    free(logits);
    free(tmp);
    return st;
}

/* The sigma stage's arrays and how its passes are split. sigma.npy is
 * sigma at the main N for the n training images, sigma_study.npy sigma at
 * every N in 1..np for the first ns ([np][ns]). One call of np passes over
 * the n images gives both when np is the main N (smoke) or the studies use
 * every image (paper); otherwise (quick) a call of np passes over the ns
 * study images and one of N passes over all n. Part k (1..EDD_REPRO_SIGMA_PARTS)
 * makes the rows of the images [a[k-1], a[k]) of those calls. The bounds
 * are multiples of both calls' chunk (edd_mc_chunk), so that every oneDNN
 * call of a part is one of the whole calls' and the joined arrays are the
 * unsplit ones byte for byte (include/edd/defense.h); among such bounds,
 * each is the first at which the parts before it have their share of the
 * image-passes. A part may be empty when n has fewer chunks than parts. */
typedef struct {
    size_t n, ns;
    int np, N, one;
    size_t a[EDD_REPRO_SIGMA_PARTS + 1];
} sigma_plan;

/* The image-passes of the images [0, x). */
static uint64_t sigma_work(const sigma_plan *p, size_t x)
{
    return p->one ? (uint64_t)p->np * x : (uint64_t)p->N * x + (uint64_t)p->np * (x < p->ns ? x : p->ns);
}

/* The plan of the loaded training set. */
static sigma_plan sigma_plan_of(const repro *r)
{
    sigma_plan p = {.n = r->train.n, .ns = repro_study_n(r), .np = repro_max_passes(r->sc), .N = r->sc->passes};
    p.one = p.np == p.N || p.ns == p.n;
    const edd_mc_opts most = sigma_mc(r, p.np), main_n = sigma_mc(r, p.N);
    size_t c = edd_mc_chunk(&most), cb = edd_mc_chunk(&main_n), g = c, h = cb;
    while (h) {
        size_t t = g % h;
        g = h;
        h = t;
    }
    c = c / g * cb; /* the least common multiple of the two chunks */
    const uint64_t total = sigma_work(&p, p.n);
    size_t x = 0;
    for (int k = 1; k < EDD_REPRO_SIGMA_PARTS; k++) {
        while (x < p.n && sigma_work(&p, x) * EDD_REPRO_SIGMA_PARTS < total * (uint64_t)k)
            x = p.n - x > c ? x + c : p.n;
        p.a[k] = x;
    }
    p.a[EDD_REPRO_SIGMA_PARTS] = p.n;
    return p;
}

/* Write sigma (rank dimensions of shape) as the float32 array out_dir/rel,
 * registered. */
static edd_status write_sigma(repro *r, const char *rel, int rank, const size_t *shape, const float *sigma)
{
    char path[EDD_PATH_MAX];
    edd_status st = repro_path(r, rel, path);
    if (!st)
        st = edd_npy_write(r->ctx, path, EDD_NPY_F32, rank, shape, sigma);
    return st ? st : repro_output(r, rel);
}

/* Part k of the sigma stage's files: sigma/sigma_K.npy, its images' rows
 * of sigma.npy, and sigma/sigma_study_K.npy, of sigma_study.npy. */
static void part_names(int k, char *main_rel, char *study_rel, size_t n)
{
    snprintf(main_rel, n, "sigma/sigma_%d.npy", k);
    snprintf(study_rel, n, "sigma/sigma_study_%d.npy", k);
}

/* sigma_1..: Eq. 1 over the part's images [a, b) (sigma_plan): the np
 * passes on those of them among the rows of the np-pass call, and (quick)
 * the N passes on all of them; writes the part's [b - a] main sigma and its
 * [np][cols] study rows, cols its images among the first ns. */
edd_status repro_st_sigma_part(repro *r, const repro_stage *s)
{
    edd_cnn t = {0};
    edd_status st = repro_need_data(r, 1);
    if (!st)
        st = repro_load_model(r, "teacher", &t);
    sigma_plan p = {0};
    if (!st)
        p = sigma_plan_of(r);
    const size_t a = p.a[s->part - 1], b = p.a[s->part], nb = b - a;
    const size_t cols = p.ns > a ? (b < p.ns ? b : p.ns) - a : 0, nr = p.one ? nb : cols;
    float *main_sig = malloc((nb ? nb : 1) * sizeof(float));
    float *study = malloc((size_t)p.np * (cols ? cols : 1) * sizeof(float));
    float *rows = malloc((size_t)p.np * (nr ? nr : 1) * sizeof(float));
    if (!st && (!main_sig || !study || !rows))
        st = edd_fail(r->ctx, EDD_ERR_NOMEM, "%s: out of memory for %zu images", s->name, nb);
    if (!st && nr)
        st = sigma_rows(r, &t, a, nr, p.np, rows);
    for (int q = 0; !st && q < p.np; q++)
        memcpy(study + (size_t)q * cols, rows + (size_t)q * nr, cols * sizeof(float));
    if (!st && p.one) {
        memcpy(main_sig, rows + (size_t)(p.N - 1) * nr, nb * sizeof(float));
    } else if (!st && nb) {
        float *more = malloc((size_t)p.N * nb * sizeof(float));
        st = more ? sigma_rows(r, &t, a, nb, p.N, more)
                  : edd_fail(r->ctx, EDD_ERR_NOMEM, "%s: out of memory", s->name);
        if (!st)
            memcpy(main_sig, more + (size_t)(p.N - 1) * nb, nb * sizeof(float));
        free(more);
    }
    char main_rel[64], study_rel[64];
    part_names(s->part, main_rel, study_rel, sizeof main_rel);
    size_t sh1[1] = {nb}, sh2[2] = {(size_t)p.np, cols};
    if (!st)
        st = write_sigma(r, main_rel, 1, sh1, main_sig);
    if (!st)
        st = write_sigma(r, study_rel, 2, sh2, study);
    free(main_sig);
    free(study);
    free(rows);
    edd_cnn_free(&t);
    return st;
}

/* Read out_dir/rel, a float32 array of the given shape (rank 1 or 2). */
static edd_status read_part(repro *r, const char *rel, int rank, const size_t *shape, edd_npy *a)
{
    char path[EDD_PATH_MAX];
    edd_status st = repro_path(r, rel, path);
    if (!st)
        st = edd_npy_read(r->ctx, path, a);
    if (!st && (a->dtype != EDD_NPY_F32 || a->rank != rank || a->shape[0] != shape[0] ||
                (rank > 1 && a->shape[1] != shape[1]))) {
        st = edd_fail(r->ctx, EDD_ERR_FORMAT, "%s: array of rank %d, shape (%zu, %zu), expected float32 of rank "
                      "%d, shape (%zu, %zu), for the part's images", path, a->rank, a->shape[0],
                      a->rank > 1 ? a->shape[1] : 1, rank, shape[0], rank > 1 ? shape[1] : 1);
        edd_npy_free(a);
    }
    return st;
}

/* sigma: the parts' rows joined, in image order, into sigma/sigma.npy
 * ([n]) and sigma/sigma_study.npy ([np][ns]), the arrays an unsplit run
 * writes. */
edd_status repro_st_sigma(repro *r, const repro_stage *s)
{
    (void)s;
    edd_status st = repro_need_data(r, 1);
    sigma_plan p = {0};
    if (!st)
        p = sigma_plan_of(r);
    float *main_sig = malloc((p.n ? p.n : 1) * sizeof(float));
    float *study = malloc((size_t)p.np * (p.ns ? p.ns : 1) * sizeof(float));
    if (!st && (!main_sig || !study))
        st = edd_fail(r->ctx, EDD_ERR_NOMEM, "sigma: out of memory for %zu images", p.n);
    for (int k = 1; !st && k <= EDD_REPRO_SIGMA_PARTS; k++) {
        const size_t a = p.a[k - 1], b = p.a[k], cols = p.ns > a ? (b < p.ns ? b : p.ns) - a : 0;
        char main_rel[64], study_rel[64];
        part_names(k, main_rel, study_rel, sizeof main_rel);
        const size_t sh1[1] = {b - a}, sh2[2] = {(size_t)p.np, cols};
        edd_npy m = {0}, q = {0};
        st = read_part(r, main_rel, 1, sh1, &m);
        if (!st)
            st = read_part(r, study_rel, 2, sh2, &q);
        if (!st) {
            memcpy(main_sig + a, m.data, (b - a) * sizeof(float));
            for (int i = 0; i < p.np; i++)
                memcpy(study + (size_t)i * p.ns + a, (const float *)q.data + (size_t)i * cols, cols * sizeof(float));
        }
        edd_npy_free(&m);
        edd_npy_free(&q);
    }
    size_t sh1[1] = {p.n}, sh2[2] = {(size_t)p.np, p.ns};
    if (!st)
        st = write_sigma(r, "sigma/sigma.npy", 1, sh1, main_sig);
    if (!st)
        st = write_sigma(r, "sigma/sigma_study.npy", 2, sh2, study);
    free(main_sig);
    free(study);
    return st;
}

/* Read sigma/NAME.npy and check it has `count` floats. */
edd_status repro_read_sigma(repro *r, const char *rel, size_t count, edd_npy *a)
{
    char path[EDD_PATH_MAX];
    edd_status st = repro_path(r, rel, path);
    if (!st)
        st = edd_npy_read(r->ctx, path, a);
    if (!st && (a->dtype != EDD_NPY_F32 || a->count != count)) {
        st = edd_fail(r->ctx, EDD_ERR_FORMAT, "%s: %zu values, expected %zu float32", path, a->count, count);
        edd_npy_free(a);
    }
    if (!st && (st = edd_check_finite(r->ctx, EDD_ERR_FORMAT, path, a->data, a->count)))
        edd_npy_free(a);
    return st;
}
