/* stages.c - the paper's experiments as a table of named stages: what
 * each stage computes, what it depends on and which settings it reads
 * (docs/REPRODUCING.md). runner.c runs the table. */
#include "edd/advtrain.h"
#include "edd/defense.h"
#include "edd/io.h"
#include "edd/progress.h"
#include "edd/internal/simd.h"
#include "repro.h"
#include "standard.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* baseline, teacher, surrogate_u: an undefended CNN on one-hot labels,
 * each with its own seed. */
static edd_status st_plain(repro *r, const repro_stage *s)
{
    edd_cnn m = {0};
    edd_status st = repro_train_plain(r, s->seed, &m);
    if (!st)
        st = repro_save_model(r, s->name, &m, s->seed, r->train.n, r->sc->epochs);
    edd_cnn_free(&m);
    return st;
}

static int max_passes(const edd_repro_scale *sc)
{
    int n = sc->passes;
    for (int i = 0; i < sc->n_passes; i++)
        n = sc->passes_list[i] > n ? sc->passes_list[i] : n;
    return n;
}

static size_t study_n(const repro *r)
{
    return r->sc->study_n && r->sc->study_n < r->train.n ? r->sc->study_n : r->train.n;
}

/* The options of the sigma stage's MC-dropout passes: npass passes, the
 * masks seeded as the distilled model's. */
static edd_mc_opts sigma_mc(const repro *r, int npass)
{
    edd_mc_opts mc = edd_mc_defaults();
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
        edd_logit_variance_f32(r->ctx->simd, logits, (size_t)p, n, 10, sig + (size_t)(p - 1) * n);
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
    sigma_plan p = {.n = r->train.n, .ns = study_n(r), .np = max_passes(r->sc), .N = r->sc->passes};
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
static edd_status st_sigma_part(repro *r, const repro_stage *s)
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
static edd_status st_sigma(repro *r, const repro_stage *s)
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
static edd_status read_sigma(repro *r, const char *rel, size_t count, edd_npy *a)
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

static edd_status st_distilled(repro *r, const repro_stage *s)
{
    edd_npy sig = {0};
    edd_cnn m = {0};
    edd_status st = repro_need_data(r, 1);
    if (!st)
        st = read_sigma(r, "sigma/sigma.npy", r->train.n, &sig);
    if (!st)
        st = repro_distill_from_sigma(r, sig.data, r->train.n, r->sc->alpha, r->sc->epochs, SEED_DISTILLED, NULL,
                                      &m);
    if (!st)
        st = repro_save_model(r, s->name, &m, SEED_DISTILLED, r->train.n, r->sc->epochs);
    edd_npy_free(&sig);
    edd_cnn_free(&m);
    return st;
}

/* The defended surrogate: its own teacher (seed 5), distilled with seed 6
 * by edd_distill (its own N passes). */
static edd_status st_surrogate_d(repro *r, const repro_stage *s)
{
    edd_cnn t = {0}, m = {0};
    edd_status st = repro_train_plain(r, SEED_SURR_D_TEACHER, &t);
    if (!st)
        st = repro_save_model(r, "surrogate_d_teacher", &t, SEED_SURR_D_TEACHER, r->train.n, r->sc->epochs);
    edd_distill_opts d = edd_distill_defaults();
    d.mc.passes = r->sc->passes;
    d.mc.seed = repro_seed(r, SEED_SURR_D);
    d.mc.quiet = r->o->quiet;
    d.alpha = r->sc->alpha;
    d.train.epochs = r->sc->epochs;
    d.train.seed = repro_seed(r, SEED_SURR_D);
    d.train.quiet = r->o->quiet;
    if (!st)
        st = edd_distill(r->ctx, &t, &r->train, &d, &m, NULL, NULL, NULL);
    if (!st)
        st = repro_save_model(r, s->name, &m, SEED_SURR_D, r->train.n, r->sc->epochs);
    edd_cnn_free(&t);
    edd_cnn_free(&m);
    return st;
}

/* Temperature distillation, the defense the paper extends (Papernot et al.
 * 2016; docs/DEFENSE.md): a teacher trained at T = REPRO_TEMPERATURE (seed
 * 9), the training set labelled with its softmax(z/T), and a K = 10 model
 * trained on them at T (seed 10), used at T = 1. */
static edd_status st_temperature(repro *r, const repro_stage *s)
{
    const edd_repro_scale *sc = r->sc;
    edd_cnn t = {0}, m = {0};
    edd_train_opts o = edd_train_defaults();
    o.epochs = sc->epochs;
    o.seed = repro_seed(r, SEED_TEMP_TEACHER);
    o.quiet = r->o->quiet;
    o.loss.temperature = REPRO_TEMPERATURE;
    edd_status st = repro_need_data(r, 1);
    if (!st)
        st = edd_cnn_init(r->ctx, &t, 10, REPRO_P_INPUT, REPRO_P_HIDDEN, repro_seed(r, SEED_TEMP_TEACHER));
    if (!st)
        st = edd_train(r->ctx, &t, &r->train, &o, NULL);
    if (!st)
        st = repro_save_model(r, "temperature_teacher", &t, SEED_TEMP_TEACHER, r->train.n, sc->epochs);
    edd_distill_opts d = edd_distill_defaults();
    d.method = EDD_DISTILL_TEMPERATURE;
    d.temperature = REPRO_TEMPERATURE;
    d.train.epochs = sc->epochs;
    d.train.seed = repro_seed(r, SEED_TEMP);
    d.train.quiet = r->o->quiet;
    if (!st)
        st = edd_distill(r->ctx, &t, &r->train, &d, &m, NULL, NULL, NULL);
    if (!st)
        st = repro_save_model(r, s->name, &m, SEED_TEMP, r->train.n, sc->epochs);
    edd_cnn_free(&t);
    edd_cnn_free(&m);
    return st;
}

/* The scale's adversarial training (G_ADV: method, L-inf eps, PGD steps),
 * its random starts keyed by seed. */
static edd_adv_opts adv_opts(const repro *r, uint64_t seed)
{
    edd_adv_opts a = edd_adv_defaults();
    a.kind = r->sc->adv_method;
    a.eps = r->sc->adv_eps;
    a.steps = r->sc->adv_steps;
    a.seed = repro_seed(r, seed);
    return a;
}

/* An undefended K = 10 model adversarially trained (docs/DEFENSE.md), seed
 * 11: each batch replaced by FGM-RS or PGD examples of the model as it
 * stands. */
static edd_status st_adv(repro *r, const repro_stage *s)
{
    const edd_repro_scale *sc = r->sc;
    edd_cnn m = {0};
    edd_adv_opts a = adv_opts(r, SEED_ADV);
    edd_train_opts o = edd_train_defaults();
    o.epochs = sc->epochs;
    o.seed = repro_seed(r, SEED_ADV);
    o.quiet = r->o->quiet;
    edd_status st = repro_need_data(r, 1);
    if (!st)
        st = edd_cnn_init(r->ctx, &m, 10, REPRO_P_INPUT, REPRO_P_HIDDEN, repro_seed(r, SEED_ADV));
    if (!st)
        st = edd_adv_attach(r->ctx, &a, &o, r->train.n);
    if (!st)
        st = edd_train(r->ctx, &m, &r->train, &o, NULL);
    if (!st)
        st = repro_save_model(r, s->name, &m, SEED_ADV, r->train.n, sc->epochs);
    edd_cnn_free(&m);
    return st;
}

/* The two defenses combined: the adversarially trained model (which has
 * dropout) as the teacher, its sigma (Eq. 1, its own N passes), the labels
 * of Eq. 2 and the Eq. 3 loss, with the same adversarial training during
 * distillation (edd_distill, seed 12). */
static edd_status st_adv_distilled(repro *r, const repro_stage *s)
{
    const edd_repro_scale *sc = r->sc;
    edd_cnn t = {0}, m = {0};
    edd_adv_opts a = adv_opts(r, SEED_ADV_DISTILLED);
    edd_distill_opts d = edd_distill_defaults();
    d.mc.passes = sc->passes;
    d.mc.seed = repro_seed(r, SEED_ADV_DISTILLED);
    d.mc.quiet = r->o->quiet;
    d.alpha = sc->alpha;
    d.train.epochs = sc->epochs;
    d.train.seed = repro_seed(r, SEED_ADV_DISTILLED);
    d.train.quiet = r->o->quiet;
    edd_status st = repro_need_data(r, 1);
    if (!st)
        st = repro_load_model(r, "adv", &t);
    if (!st)
        st = edd_adv_attach(r->ctx, &a, &d.train, r->train.n);
    if (!st)
        st = edd_distill(r->ctx, &t, &r->train, &d, &m, NULL, NULL, NULL);
    if (!st)
        st = repro_save_model(r, s->name, &m, SEED_ADV_DISTILLED, r->train.n, sc->epochs);
    edd_cnn_free(&t);
    edd_cnn_free(&m);
    return st;
}

/* The Eq. 3 ablation's models: the distilled model's recipe (the teacher's
 * sigma, alpha, seed 3, so that only the penalty differs) with each other
 * reading of repro_ablation; hinge at kappa 40 is the distilled model
 * itself and is not trained again. */
static edd_status st_ablation(repro *r, const repro_stage *s)
{
    (void)s;
    edd_npy sig = {0};
    edd_status st = repro_need_data(r, 1);
    if (!st)
        st = read_sigma(r, "sigma/sigma.npy", r->train.n, &sig);
    for (int i = 0; !st && i < REPRO_ABLATION_NMODELS; i++) {
        const repro_ablation_model *v = &repro_ablation[i];
        if (!strcmp(v->model, "distilled"))
            continue;
        if (!r->o->quiet)
            fprintf(stderr, "reproduce: ablation model %s (penalty %s)\n", v->model, v->label);
        edd_cnn m = {0};
        st = repro_distill_from_sigma(r, sig.data, r->train.n, r->sc->alpha, r->sc->epochs, SEED_DISTILLED, v, &m);
        if (!st)
            st = repro_save_model(r, v->model, &m, SEED_DISTILLED, r->train.n, r->sc->epochs);
        edd_cnn_free(&m);
    }
    edd_npy_free(&sig);
    return st;
}

/* Figures 2a-c and 3a-f: the attack over its settings, made on the source
 * and scored on the distilled model, as we read that the paper ran it, then
 * as the figure's other variant (fig->also). A white-box figure (source: the
 * distilled model) does the same on the undefended baseline next, source =
 * target = baseline, so that the plot can draw it beside the defended
 * curve. Row order: model, variant, setting. */
static edd_status st_attack_fig(repro *r, const repro_stage *s)
{
    const repro_fig_spec *f = &s->fig;
    const edd_repro_scale *sc = r->sc;
    const float *vals = f->attack == ATT_FGM ? sc->eps : f->attack == ATT_JSMA ? sc->gamma : sc->kappa;
    int nv = f->attack == ATT_FGM ? sc->n_eps : f->attack == ATT_JSMA ? sc->n_gamma : sc->n_kappa;
    size_t n = f->attack == ATT_FGM ? sc->fgm_n : f->attack == ATT_JSMA ? sc->jsma_n : sc->cw_n;
    const repro_variant vars[2] = {VAR_PAPER, f->also};
    const int nvar = f->also != VAR_PAPER ? 2 : 1, nmod = !strcmp(f->source, "distilled") ? 2 : 1;
    const char *const src_names[2] = {f->source, "baseline"}, *const tgt_names[2] = {"distilled", "baseline"};
    repro_row rows[4 * EDD_REPRO_MAX_POINTS];
    int nr = 0;
    edd_status st = EDD_OK;
    for (int m = 0; !st && m < nmod; m++) {
        edd_cnn src = {0}, tgt = {0};
        const int same = !strcmp(src_names[m], tgt_names[m]);
        st = repro_load_model(r, tgt_names[m], &tgt);
        if (!st && !same)
            st = repro_load_model(r, src_names[m], &src);
        for (int v = 0; !st && v < nvar; v++)
            for (int i = 0; !st && i < nv; i++) {
                edd_attack_scores sco;
                st = repro_attack(r, f->attack, vals[i], vars[v], same ? &tgt : &src, &tgt, n, &sco);
                if (!st)
                    repro_fill_row(&rows[nr++], s->name, src_names[m], tgt_names[m], f->attack,
                                   repro_att_settings[f->attack], vals[i], vars[v], &sco);
            }
        edd_cnn_free(&src);
        edd_cnn_free(&tgt);
    }
    char rel[64];
    snprintf(rel, sizeof rel, "%s_%s.csv", s->name, repro_att_names[f->attack]);
    if (!st)
        st = repro_rows_write(r, rel, rows, nr);
    return st;
}

/* The parameter studies: Fig. 2d (alpha) and Fig. 2e (by_passes: N). */
static const char *study_fig(int by_passes) { return by_passes ? "fig2e" : "fig2d"; }

static int study_points(const edd_repro_scale *sc, int by_passes) { return by_passes ? sc->n_passes : sc->n_alpha; }

/* Point k's rows (1..EDD_REPRO_STUDY_POINTS): points/fig2d_K.csv or
 * points/fig2e_K.csv, named after its stage. */
static void point_name(int by_passes, int k, char *rel, size_t n)
{
    snprintf(rel, n, "points/%s_%d.csv", study_fig(by_passes), k);
}

/* fig2d_K, fig2e_K: point K of the study's list, one distilled model
 * trained from the teacher's sigma on the study images, attacked with FGM
 * at study_eps with both losses; its two rows (figure fig2d or fig2e) go to
 * its part CSV. The point at the main setting reuses the distilled model
 * when the studies train at the main scale (paper). A stage past the
 * scale's list (smoke has 3 points) does nothing and writes nothing: its
 * manifest lists no file. */
static edd_status st_study_point(repro *r, const repro_stage *s, int by_passes)
{
    const edd_repro_scale *sc = r->sc;
    const int npts = study_points(sc, by_passes), i = s->part - 1;
    if (s->part > npts) {
        if (!r->o->quiet)
            fprintf(stderr, "reproduce: %s: the scale has %d points, nothing to do\n", s->name, npts);
        return EDD_OK;
    }
    const int N = by_passes ? sc->passes_list[i] : sc->passes;
    const float alpha = by_passes ? sc->alpha : sc->alphas[i];
    const double value = by_passes ? (double)N : (double)alpha;
    edd_npy sig = {0};
    edd_cnn m = {0};
    edd_status st = repro_need_data(r, 1);
    const size_t ns = study_n(r);
    if (!st && !r->o->quiet)
        fprintf(stderr, "reproduce: %s point %s=%g\n", study_fig(by_passes), by_passes ? "N" : "alpha", value);
    /* the main setting, at the main model's scale, is the distilled model
     * itself: the same sigma, seed and epochs give the same model */
    if (!st && N == sc->passes && alpha == sc->alpha && ns == r->train.n && sc->study_epochs == sc->epochs) {
        st = repro_load_model(r, "distilled", &m);
    } else if (!st) {
        st = read_sigma(r, "sigma/sigma_study.npy", (size_t)max_passes(sc) * ns, &sig);
        if (!st)
            st = repro_distill_from_sigma(r, (const float *)sig.data + (size_t)(N - 1) * ns, ns, alpha,
                                          sc->study_epochs, SEED_DISTILLED, NULL, &m);
    }
    repro_row rows[2];
    for (int l = 0; !st && l < 2; l++) {
        edd_attack_scores sco;
        const repro_variant v = l ? VAR_ADAPTIVE : VAR_PAPER;
        st = repro_attack(r, ATT_FGM, sc->study_eps, v, &m, &m, sc->fgm_n, &sco);
        if (!st)
            repro_fill_row(&rows[l], study_fig(by_passes), "distilled", "distilled", ATT_FGM,
                           by_passes ? "passes" : "alpha", value, v, &sco);
    }
    char rel[64];
    point_name(by_passes, s->part, rel, sizeof rel);
    if (!st)
        st = repro_rows_write(r, rel, rows, 2);
    edd_cnn_free(&m);
    edd_npy_free(&sig);
    return st;
}

static edd_status st_fig2d_point(repro *r, const repro_stage *s) { return st_study_point(r, s, 0); }
static edd_status st_fig2e_point(repro *r, const repro_stage *s) { return st_study_point(r, s, 1); }

/* fig2d, fig2e: the rows of the scale's points joined, in point order,
 * into fig2d_alpha.csv or fig2e_passes.csv, the CSV the unsplit stage
 * wrote (the rows' text reads back to the same numbers, so the bytes are
 * the same). Each part must hold its point's two rows. */
static edd_status st_study_join(repro *r, const repro_stage *s, int by_passes)
{
    const edd_repro_scale *sc = r->sc;
    const int npts = study_points(sc, by_passes);
    repro_row rows[2 * EDD_REPRO_STUDY_POINTS];
    int nr = 0;
    edd_status st = npts > EDD_REPRO_STUDY_POINTS
                        ? edd_fail(r->ctx, EDD_ERR_ARG, "%s: scale %s has %d %s points, expected at most %d (one "
                                   "stage per point)", s->name, sc->name, npts, by_passes ? "N" : "alpha",
                                   EDD_REPRO_STUDY_POINTS)
                        : EDD_OK;
    for (int k = 1; !st && k <= npts; k++) {
        const double value = by_passes ? (double)sc->passes_list[k - 1] : (double)sc->alphas[k - 1];
        char rel[64];
        point_name(by_passes, k, rel, sizeof rel);
        repro_row *part = NULL;
        int n = 0;
        st = repro_rows_read(r, rel, &part, &n);
        if (!st && (n != 2 || fabs(part[0].value - value) > 1e-6 || fabs(part[1].value - value) > 1e-6))
            st = edd_fail(r->ctx, EDD_ERR_FORMAT, "%s: %d rows, expected the two of %s=%g (point %d of scale %s)",
                          rel, n, by_passes ? "N" : "alpha", value, k, sc->name);
        if (!st) {
            memcpy(rows + nr, part, 2 * sizeof *part);
            nr += 2;
        }
        free(part);
    }
    if (!st)
        st = repro_rows_write(r, by_passes ? "fig2e_passes.csv" : "fig2d_alpha.csv", rows, nr);
    return st;
}

static edd_status st_fig2d(repro *r, const repro_stage *s) { return st_study_join(r, s, 0); }
static edd_status st_fig2e(repro *r, const repro_stage *s) { return st_study_join(r, s, 1); }

/* Section 4.2's numbers, one line per value in repro_paper (scale.c):
 * both models' accuracies and the distilled false positives on the clean
 * test images; the undefended model's misclassification under each attack
 * at the paper's setting (the baseline rows of the white-box CSVs), then the
 * distilled model's at the same setting, each variant of the CSV (the paper
 * prints none: "-"). */
static edd_status st_headline(repro *r, const repro_stage *s)
{
    (void)s;
    static const char *const csv[ATT_COUNT] = {"fig2a_fgm.csv", "fig2b_jsma.csv", "fig2c_cw.csv"};
    edd_cnn base = {0}, dist = {0};
    edd_eval_result eb, ed;
    edd_status st = repro_need_data(r, 0);
    if (!st)
        st = repro_load_model(r, "baseline", &base);
    if (!st)
        st = repro_load_model(r, "distilled", &dist);
    if (!st)
        st = edd_evaluate(r->ctx, &base, &r->test, 256, NULL, &eb);
    if (!st)
        st = edd_evaluate(r->ctx, &dist, &r->test, 256, NULL, &ed);
    edd_buf t = {0};
    edd_buf_printf(&t, "%s\n", REPRO_HEADLINE_HEADER);
    for (int i = 0; !st && i < repro_paper_count; i++) {
        const repro_paper_value *p = &repro_paper[i];
        const char *paper = repro_on_mnist(r) ? p->value : ""; /* the paper ran MNIST alone */
        if (p->attack < 0) {
            const edd_eval_result *ev = !strcmp(p->model, "baseline") ? &eb : &ed;
            double ours = !strcmp(p->metric, "accuracy") ? ev->accuracy : ev->false_positives;
            edd_buf_printf(&t, "%s,%s,none,clean,%zu,%s,%.2f\n", p->metric, p->model, ev->n, paper, 100 * ours);
            continue;
        }
        att_kind a = (att_kind)p->attack;
        const char *set = repro_att_settings[a];
        repro_row *rows = NULL;
        int nr = 0;
        st = repro_rows_read(r, csv[a], &rows, &nr);
        const repro_row *b = st ? NULL : repro_find_row(rows, nr, p->model, "paper", p->setting);
        if (!st && !b)
            st = edd_fail(r->ctx, EDD_ERR_FORMAT, "%s: no %s row for %s=%g, expected one (every scale has it)",
                          csv[a], p->model, set, p->setting);
        if (!st)
            edd_buf_printf(&t, "%s,%s,%s,%s=%g,%zu,%s,%.2f\n", p->metric, p->model, repro_att_names[a], set,
                           p->setting, b->n, paper, 100 * b->misclassified);
        for (int v = 0; !st && v < VAR_COUNT; v++) {
            const repro_row *w = repro_find_row(rows, nr, "distilled", repro_variant_names[v], p->setting);
            if (!w && v == VAR_PAPER)
                st = edd_fail(r->ctx, EDD_ERR_FORMAT, "%s: no distilled row for %s=%g, expected one (every scale "
                              "has it)", csv[a], set, p->setting);
            if (w)
                edd_buf_printf(&t, "misclassified,distilled%s%s,%s,%s=%g,%zu,-,%.2f\n", v ? "-" : "",
                               v ? repro_variant_names[v] : "", repro_att_names[a], set, p->setting, w->n,
                               100 * w->misclassified);
        }
        free(rows);
    }
    if (!st)
        st = repro_write_text(r, "headline.csv", &t);
    edd_buf_free(&t);
    edd_cnn_free(&base);
    edd_cnn_free(&dist);
    return st;
}

static const char *const plot_figs[][2] = {
    {"fig2a", "fig2a_fgm.csv"},  {"fig2b", "fig2b_jsma.csv"}, {"fig2c", "fig2c_cw.csv"},
    {"fig2d", "fig2d_alpha.csv"}, {"fig2e", "fig2e_passes.csv"}, {"fig3a", "fig3a_fgm.csv"},
    {"fig3b", "fig3b_fgm.csv"},  {"fig3c", "fig3c_jsma.csv"}, {"fig3d", "fig3d_jsma.csv"},
    {"fig3e", "fig3e_cw.csv"},   {"fig3f", "fig3f_cw.csv"},
};

static edd_status st_plots(repro *r, const repro_stage *s)
{
    (void)s;
    edd_status st = EDD_OK;
    for (size_t i = 0; !st && i < sizeof plot_figs / sizeof plot_figs[0]; i++)
        if (repro_have(r, plot_figs[i][1]))
            st = repro_plot(r, plot_figs[i][0], plot_figs[i][1]);
    if (!st && repro_have(r, "security.csv"))
        st = repro_plot_security(r);
    if (!st && repro_have(r, "baselines.csv"))
        st = repro_plot_baselines(r);
    return st ? st : repro_plot_standard(r);
}

static edd_status st_report(repro *r, const repro_stage *s)
{
    (void)s;
    return repro_report(r);
}

/* Run order: the parts of sigma, each over a range of the training images,
 * before the sigma stage that joins them; the parameter studies, which
 * train one model per point, after every other figure, each point a stage
 * of its own before the stage that joins the study's points. */
enum { S_BASELINE, S_TEACHER, S_SIGMA_1, S_SIGMA_2, S_SIGMA_3, S_SIGMA_4, S_SIGMA, S_DISTILLED, S_SURR_U, S_SURR_D,
       S_FIG2A, S_FIG2B, S_FIG2C, S_FIG3A, S_FIG3B, S_FIG3C, S_FIG3D, S_FIG3E, S_FIG3F, S_HEADLINE,
       S_FIG2D_1, S_FIG2D_2, S_FIG2D_3, S_FIG2D_4, S_FIG2D_5, S_FIG2D_6, S_FIG2D_7, S_FIG2D,
       S_FIG2E_1, S_FIG2E_2, S_FIG2E_3, S_FIG2E_4, S_FIG2E_5, S_FIG2E_6, S_FIG2E_7, S_FIG2E,
       S_SECURITY, S_TEMPERATURE, S_ADV, S_ADV_DISTILLED, S_ABLATION, S_BASELINES_1, S_BASELINES_2, S_BASELINES_3,
       S_BASELINES_4, S_BASELINES_5, S_BASELINES, S_ABLATION_ATTACKS, S_STANDARD_1, S_STANDARD_2, S_STANDARD_3,
       S_STANDARD_4, S_STANDARD_5, S_STANDARD, S_PLOTS, S_REPORT, S_COUNT };
_Static_assert(S_COUNT <= 64, "a stage's deps are a 64-bit mask");
_Static_assert(S_COUNT <= EDD_REPRO_MAX_STAGES, "edd_repro_log holds EDD_REPRO_MAX_STAGES stages");
_Static_assert(S_COUNT <= EDD_SCHED_MAX, "the schedule's graph holds every stage");
_Static_assert(S_SIGMA - S_SIGMA_1 == EDD_REPRO_SIGMA_PARTS, "one stage per part of sigma, just before it");
_Static_assert(S_FIG2D - S_FIG2D_1 == EDD_REPRO_STUDY_POINTS && S_FIG2E - S_FIG2E_1 == EDD_REPRO_STUDY_POINTS,
               "one stage per point of a study, just before the stage that joins them");
_Static_assert(S_BASELINES - S_BASELINES_1 == REPRO_BASE_NMODELS,
               "one stage per model of the baselines, just before the stage that joins them");
_Static_assert(S_STANDARD - S_STANDARD_1 == REPRO_BASE_NMODELS,
               "one stage per model of the standard suite, just before the stage that joins them");
#define B(i) REPRO_BIT(i)
#define SIGMA_PARTS (B(S_SIGMA_1) | B(S_SIGMA_2) | B(S_SIGMA_3) | B(S_SIGMA_4))
#define SIGMA_PART(k)                                                                                              \
    {"sigma_" #k, st_sigma_part, B(S_TEACHER), G_TRAIN | G_N | G_SIGMA, {0},                                       \
     "teacher's MC-dropout passes (Eq. 1) over part " #k " of the training images", 0, k}
/* The points of a study: the EDD_REPRO_STUDY_POINTS stages from `first`. */
#define POINTS(first) ((B(EDD_REPRO_STUDY_POINTS) - 1) << (first))
#define STUDY_USES (G_TRAIN | G_N | G_ALPHA | G_SIGMA | G_STUDY)
#define STUDY_POINT(fig, fn, k, what)                                                                             \
    {fig "_" #k, fn, B(S_SIGMA) | B(S_DISTILLED), STUDY_USES, {0},                                                 \
     what ", point " #k " of the scale's list (none past its end)", 0, k}
#define FIG2D_POINT(k) STUDY_POINT("fig2d", st_fig2d_point, k, "FGM against alpha")
#define FIG2E_POINT(k) STUDY_POINT("fig2e", st_fig2e_point, k, "FGM against N")
#define BASE_MODELS (B(S_BASELINE) | B(S_TEMPERATURE) | B(S_DISTILLED) | B(S_ADV) | B(S_ADV_DISTILLED))
#define BASE_USES (G_TRAIN | G_FGM | G_JSMA | G_CW | G_SEC | G_BASE)
/* Part k of the baselines: the attacks on model k of repro_base_models,
 * the stage that trains it. */
#define BASE_PART(k, model)                                                                                       \
    {"baselines_" #k, repro_st_baselines_part, B(model), BASE_USES, {0},                                          \
     "the baselines' FGM, JSMA, CW and PGD-margin on model " #k " of 5", 0, k}
/* Part k of the standard suite: model k of repro_base_models, after the
 * stage that trains it. */
#define STANDARD_PART(k, model)                                                                                   \
    {"standard_" #k, repro_st_standard_part, B(model), G_TRAIN | G_STD, {0},                                      \
     "the standard suite (APGD, APGD-T, FMN, Square) and the minimal L2 on model " #k " of 5", 0, k}
#define ALL_FIGS (B(S_FIG2A) | B(S_FIG2B) | B(S_FIG2C) | B(S_FIG2D) | B(S_FIG2E) | B(S_FIG3A) | B(S_FIG3B) | \
                  B(S_FIG3C) | B(S_FIG3D) | B(S_FIG3E) | B(S_FIG3F))

const repro_stage repro_stages[S_COUNT] = {
    [S_BASELINE] = {"baseline", st_plain, 0, G_TRAIN, {0}, "undefended model, K=10", SEED_BASELINE},
    [S_TEACHER] = {"teacher", st_plain, 0, G_TRAIN, {0}, "the distilled model's teacher", SEED_TEACHER},
    [S_SIGMA_1] = SIGMA_PART(1),
    [S_SIGMA_2] = SIGMA_PART(2),
    [S_SIGMA_3] = SIGMA_PART(3),
    [S_SIGMA_4] = SIGMA_PART(4),
    [S_SIGMA] = {"sigma", st_sigma, SIGMA_PARTS, G_TRAIN | G_N | G_SIGMA, {0},
                 "teacher's MC-dropout sigma (Eq. 1) for every N, its parts joined"},
    [S_DISTILLED] = {"distilled", st_distilled, B(S_SIGMA), G_TRAIN | G_N | G_ALPHA, {0}, "distilled model, K=11 (Eqs. 2-3)"},
    [S_SURR_U] = {"surrogate_u", st_plain, 0, G_TRAIN, {0}, "undefended black-box surrogate", SEED_SURR_U},
    [S_SURR_D] = {"surrogate_d", st_surrogate_d, 0, G_TRAIN | G_N | G_ALPHA, {0},
                  "defended surrogate: its own teacher, then its distillation"},
    [S_FIG2A] = {"fig2a", st_attack_fig, B(S_BASELINE) | B(S_DISTILLED), G_TRAIN | G_FGM,
                 {ATT_FGM, "distilled", VAR_ADAPTIVE}, "white-box FGM"},
    [S_FIG2B] = {"fig2b", st_attack_fig, B(S_BASELINE) | B(S_DISTILLED), G_TRAIN | G_JSMA,
                 {ATT_JSMA, "distilled", VAR_ADAPTIVE}, "white-box JSMA"},
    [S_FIG2C] = {"fig2c", st_attack_fig, B(S_BASELINE) | B(S_DISTILLED), G_TRAIN | G_CW | G_CW_BUDGET,
                 {ATT_CW, "distilled", VAR_BUDGET}, "white-box CW-L2, the paper's budget and a larger one"},
    [S_FIG3A] = {"fig3a", st_attack_fig, B(S_DISTILLED) | B(S_SURR_D), G_TRAIN | G_FGM,
                 {ATT_FGM, "surrogate_d", VAR_ADAPTIVE}, "black-box FGM, D"},
    [S_FIG3B] = {"fig3b", st_attack_fig, B(S_DISTILLED) | B(S_SURR_U), G_TRAIN | G_FGM,
                 {ATT_FGM, "surrogate_u", VAR_PAPER}, "black-box FGM, U"},
    [S_FIG3C] = {"fig3c", st_attack_fig, B(S_DISTILLED) | B(S_SURR_D), G_TRAIN | G_JSMA,
                 {ATT_JSMA, "surrogate_d", VAR_ADAPTIVE}, "black-box JSMA, D"},
    [S_FIG3D] = {"fig3d", st_attack_fig, B(S_DISTILLED) | B(S_SURR_U), G_TRAIN | G_JSMA,
                 {ATT_JSMA, "surrogate_u", VAR_PAPER}, "black-box JSMA, U"},
    [S_FIG3E] = {"fig3e", st_attack_fig, B(S_DISTILLED) | B(S_SURR_D), G_TRAIN | G_CW,
                 {ATT_CW, "surrogate_d", VAR_PAPER}, "black-box CW, D"},
    [S_FIG3F] = {"fig3f", st_attack_fig, B(S_DISTILLED) | B(S_SURR_U), G_TRAIN | G_CW,
                 {ATT_CW, "surrogate_u", VAR_PAPER}, "black-box CW, U"},
    [S_HEADLINE] = {"headline", st_headline, B(S_BASELINE) | B(S_DISTILLED) | B(S_FIG2A) | B(S_FIG2B) | B(S_FIG2C),
                    G_TRAIN | G_FGM | G_JSMA | G_CW | G_CW_BUDGET, {0}, "Section 4.2's numbers"},
    [S_FIG2D_1] = FIG2D_POINT(1),
    [S_FIG2D_2] = FIG2D_POINT(2),
    [S_FIG2D_3] = FIG2D_POINT(3),
    [S_FIG2D_4] = FIG2D_POINT(4),
    [S_FIG2D_5] = FIG2D_POINT(5),
    [S_FIG2D_6] = FIG2D_POINT(6),
    [S_FIG2D_7] = FIG2D_POINT(7),
    [S_FIG2D] = {"fig2d", st_fig2d, POINTS(S_FIG2D_1), STUDY_USES, {0}, "FGM against alpha, its points joined"},
    [S_FIG2E_1] = FIG2E_POINT(1),
    [S_FIG2E_2] = FIG2E_POINT(2),
    [S_FIG2E_3] = FIG2E_POINT(3),
    [S_FIG2E_4] = FIG2E_POINT(4),
    [S_FIG2E_5] = FIG2E_POINT(5),
    [S_FIG2E_6] = FIG2E_POINT(6),
    [S_FIG2E_7] = FIG2E_POINT(7),
    [S_FIG2E] = {"fig2e", st_fig2e, POINTS(S_FIG2E_1), STUDY_USES, {0}, "FGM against N, its points joined"},
    [S_SECURITY] = {"security", repro_st_security, B(S_BASELINE) | B(S_DISTILLED) | B(S_SURR_U) | B(S_SURR_D),
                    G_TRAIN | G_SEC, {0}, "the worst case per image over FGM, PGD and transfer (security curve)"},
    [S_TEMPERATURE] = {"temperature", st_temperature, 0, G_TRAIN, {0},
                       "temperature distillation at T = 100 (2016): its teacher, then the distilled K=10 model"},
    [S_ADV] = {"adv", st_adv, 0, G_TRAIN | G_ADV, {0}, "adversarially trained model, K=10"},
    [S_ADV_DISTILLED] = {"adv_distilled", st_adv_distilled, B(S_ADV), G_TRAIN | G_N | G_ALPHA | G_ADV, {0},
                         "extended distillation of the adv model with adversarial training (Eqs. 1-3)"},
    [S_ABLATION] = {"ablation", st_ablation, B(S_SIGMA), G_TRAIN | G_N | G_ALPHA, {0},
                    "Eq. 3 ablation: distilled models with penalty none, literal, hinge kappa 10 and 100"},
    [S_BASELINES_1] = BASE_PART(1, S_BASELINE),
    [S_BASELINES_2] = BASE_PART(2, S_TEMPERATURE),
    [S_BASELINES_3] = BASE_PART(3, S_DISTILLED),
    [S_BASELINES_4] = BASE_PART(4, S_ADV),
    [S_BASELINES_5] = BASE_PART(5, S_ADV_DISTILLED),
    [S_BASELINES] = {"baselines", repro_st_baselines, (B(REPRO_BASE_NMODELS) - 1) << S_BASELINES_1, BASE_USES, {0},
                     "the five models under FGM, JSMA, CW and PGD-margin, their parts joined"},
    [S_ABLATION_ATTACKS] = {"ablation_attacks", repro_st_ablation_attacks, B(S_DISTILLED) | B(S_ABLATION),
                            G_TRAIN | G_FGM | G_JSMA | G_SEC | G_BASE, {0},
                            "the Eq. 3 ablation's models under FGM, JSMA and PGD-margin"},
    [S_STANDARD_1] = STANDARD_PART(1, S_BASELINE),
    [S_STANDARD_2] = STANDARD_PART(2, S_TEMPERATURE),
    [S_STANDARD_3] = STANDARD_PART(3, S_DISTILLED),
    [S_STANDARD_4] = STANDARD_PART(4, S_ADV),
    [S_STANDARD_5] = STANDARD_PART(5, S_ADV_DISTILLED),
    [S_STANDARD] = {"standard", repro_st_standard, (B(REPRO_BASE_NMODELS) - 1) << S_STANDARD_1, G_TRAIN | G_STD, {0},
                    "the five models under the standard suite, their parts joined"},
    [S_PLOTS] = {"plots", st_plots, ALL_FIGS | B(S_SECURITY) | B(S_BASELINES) | B(S_STANDARD), G_ALL, {0},
                 "PNG plots (gnuplot)"},
    [S_REPORT] = {"report", st_report, ALL_FIGS | B(S_HEADLINE) | B(S_SECURITY) | B(S_PLOTS) | B(S_BASELINE) | B(S_TEACHER) |
                  B(S_SIGMA) | B(S_DISTILLED) | B(S_SURR_U) | B(S_SURR_D) | BASE_MODELS | B(S_ABLATION) |
                  B(S_BASELINES) | B(S_ABLATION_ATTACKS) | B(S_STANDARD), G_ALL, {0}, "report.md"},
};

int edd_repro_stage_count(void) { return S_COUNT; }

int repro_stage_summary(int i) { return i == S_PLOTS || i == S_REPORT; }

int repro_part_works(const edd_repro_scale *sc, int i)
{
    if (i >= S_FIG2D_1 && i < S_FIG2D)
        return repro_stages[i].part <= study_points(sc, 0);
    if (i >= S_FIG2E_1 && i < S_FIG2E)
        return repro_stages[i].part <= study_points(sc, 1);
    return i >= 0 && i < S_COUNT && repro_stages[i].part > 0;
}

const char *edd_repro_stage_name(int i) { return i >= 0 && i < S_COUNT ? repro_stages[i].name : NULL; }

int edd_repro_stage_find(const char *name)
{
    for (int i = 0; name && i < S_COUNT; i++)
        if (!strcmp(name, repro_stages[i].name))
            return i;
    return -1;
}
