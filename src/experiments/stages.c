/* stages.c - the paper's experiments as a table of named stages, the
 * scales, and the runner that skips valid stages and redoes the rest
 * (docs/REPRODUCING.md). */
#include "edd/attacks.h"
#include "edd/cw.h"
#include "edd/defense.h"
#include "edd/eval.h"
#include "edd/io.h"
#include "edd/progress.h"
#include "edd/internal/simd.h"
#include "repro.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* Seeds (docs/REPRODUCING.md). */
enum { SEED_BASELINE = 1, SEED_TEACHER = 2, SEED_DISTILLED = 3, SEED_SURR_U = 4, SEED_SURR_D_TEACHER = 5,
       SEED_SURR_D = 6, SEED_TARGETS = 7 };

static const edd_repro_scale scales[] = {
    {.name = "smoke", .train_n = 2000, .epochs = 1, .study_n = 1000, .study_epochs = 1, .test_n = 1000,
     .fgm_n = 100, .jsma_n = 10, .cw_n = 5, .passes = 20, .alpha = 0.9f,
     .n_eps = 2, .eps = {0.1f, 0.3f}, .n_gamma = 2, .gamma = {0.05f, 0.1f}, .n_kappa = 2, .kappa = {0.0f, 2.0f},
     .n_alpha = 3, .alphas = {0.0f, 0.9f, 1.25f}, .n_passes = 3, .passes_list = {1, 5, 20},
     .study_eps = 0.3f, .cw_iterations = 20, .cw_bsearch = 2},
    {.name = "quick", .train_n = 20000, .epochs = 5, .study_n = 5000, .study_epochs = 2, .test_n = 0,
     .fgm_n = 1000, .jsma_n = 100, .cw_n = 50, .passes = 20, .alpha = 0.9f,
     .n_eps = 6, .eps = {0.05f, 0.1f, 0.15f, 0.2f, 0.25f, 0.3f},
     .n_gamma = 5, .gamma = {0.025f, 0.05f, 0.075f, 0.1f, 0.15f},
     .n_kappa = 6, .kappa = {0.0f, 1.0f, 2.0f, 2.5f, 3.0f, 4.0f},
     .n_alpha = 7, .alphas = {0.0f, 0.25f, 0.5f, 0.75f, 0.9f, 1.0f, 1.25f},
     .n_passes = 7, .passes_list = {1, 2, 5, 10, 20, 35, 50},
     .study_eps = 0.3f, .cw_iterations = 100, .cw_bsearch = 3},
    {.name = "paper", .train_n = 0, .epochs = 10, .study_n = 0, .study_epochs = 10, .test_n = 0,
     .fgm_n = 10000, .jsma_n = 500, .cw_n = 100, .passes = 20, .alpha = 0.9f,
     .n_eps = 6, .eps = {0.05f, 0.1f, 0.15f, 0.2f, 0.25f, 0.3f},
     .n_gamma = 5, .gamma = {0.025f, 0.05f, 0.075f, 0.1f, 0.15f},
     .n_kappa = 8, .kappa = {0.0f, 0.5f, 1.0f, 1.5f, 2.0f, 2.5f, 3.0f, 4.0f},
     .n_alpha = 7, .alphas = {0.0f, 0.25f, 0.5f, 0.75f, 0.9f, 1.0f, 1.25f},
     .n_passes = 7, .passes_list = {1, 2, 5, 10, 20, 35, 50},
     .study_eps = 0.3f, .cw_iterations = 200, .cw_bsearch = 4},
};

edd_status edd_repro_scale_get(edd_ctx *ctx, const char *name, edd_repro_scale *out)
{
    for (size_t i = 0; i < sizeof scales / sizeof scales[0]; i++)
        if (!strcmp(name, scales[i].name)) {
            *out = scales[i];
            return EDD_OK;
        }
    return edd_fail(ctx, EDD_ERR_ARG, "scale '%s': expected smoke, quick or paper", name);
}

/* ---- helpers shared by the stages ---- */

const char *repro_path(const repro *r, const char *rel, char *buf, size_t n)
{
    snprintf(buf, n, "%s/%s", r->o->out_dir, rel);
    return buf;
}

edd_status repro_output(repro *r, const char *rel)
{
    if (r->nout >= REPRO_MAX_OUTPUTS || strlen(rel) >= sizeof r->out[0])
        return edd_fail(r->ctx, EDD_ERR_ARG, "stage output '%s': more than %d outputs or path too long", rel,
                        REPRO_MAX_OUTPUTS);
    snprintf(r->out[r->nout++], sizeof r->out[0], "%s", rel);
    return EDD_OK;
}

edd_status repro_write_text(repro *r, const char *rel, const char *text, size_t len)
{
    char path[2048];
    const void *chunks[1] = {text};
    size_t sizes[1] = {len};
    edd_status st = edd_file_write_atomic(r->ctx, repro_path(r, rel, path, sizeof path), chunks, sizes, 1);
    return st ? st : repro_output(r, rel);
}

static edd_status need_data(repro *r, int train)
{
    if (train ? r->have_train : r->have_test)
        return EDD_OK;
    edd_status st = edd_dataset_load(r->ctx, r->o->data_dir, train, train ? r->sc->train_n : r->sc->test_n,
                                     train ? &r->train : &r->test);
    if (!st)
        *(train ? &r->have_train : &r->have_test) = 1;
    return st;
}

static edd_status load_model(repro *r, const char *stem, edd_cnn *m)
{
    char rel[256], path[2048];
    snprintf(rel, sizeof rel, "models/%s.edd", stem);
    return edd_cnn_load(r->ctx, m, repro_path(r, rel, path, sizeof path));
}

/* Save m as models/STEM.edd and its test-set evaluation as models/STEM.json. */
static edd_status save_model(repro *r, const char *stem, const edd_cnn *m, uint64_t seed, size_t train_n, int epochs)
{
    char rel[256], path[2048], json[512];
    edd_eval_result ev;
    snprintf(rel, sizeof rel, "models/%s.edd", stem);
    edd_status st = edd_cnn_save(r->ctx, m, repro_path(r, rel, path, sizeof path));
    if (!st)
        st = repro_output(r, rel);
    if (!st)
        st = need_data(r, 0);
    if (!st)
        st = edd_evaluate(r->ctx, m, &r->test, 256, NULL, &ev);
    if (st)
        return st;
    int len = snprintf(json, sizeof json,
                       "{\"model\":\"%s\",\"k\":%d,\"seed\":%llu,\"train_images\":%zu,\"epochs\":%d,"
                       "\"test_images\":%zu,\"accuracy\":%.6f,\"false_positives\":%.6f}\n",
                       stem, m->k, (unsigned long long)seed, train_n, epochs, ev.n, ev.accuracy, ev.false_positives);
    snprintf(rel, sizeof rel, "models/%s.json", stem);
    if (!r->o->quiet)
        fprintf(stderr, "reproduce: %s: test accuracy %.4f, false positives %.4f\n", stem, ev.accuracy,
                ev.false_positives);
    return repro_write_text(r, rel, json, (size_t)len);
}

/* An undefended K=10 model (cleverhans model_mnist, dropout on) trained on
 * the training images. */
static edd_status train_plain(repro *r, uint64_t seed, edd_cnn *m)
{
    edd_status st = need_data(r, 1);
    if (!st)
        st = edd_cnn_init(r->ctx, m, 10, REPRO_P_INPUT, REPRO_P_HIDDEN, seed);
    edd_train_opts t = edd_train_defaults();
    t.epochs = r->sc->epochs;
    t.seed = seed;
    t.quiet = r->o->quiet;
    return st ? st : edd_train(r->ctx, m, &r->train, &t, NULL);
}

/* The distilled model (K=11) on the first n training images, labelled by
 * Eq. 2 from the teacher's sigma (n floats) and trained with the paper's
 * Eq. 3 penalty: edd_distill without the uncertainty passes. */
static edd_status distill_from_sigma(repro *r, const float *sigma, size_t n, float alpha, int epochs, uint64_t seed,
                                     edd_cnn *out)
{
    edd_distill_opts d = edd_distill_defaults();
    edd_dataset view = r->train;
    view.n = n;
    float *labels = malloc(n * 11 * sizeof(float));
    if (!labels)
        return edd_fail(r->ctx, EDD_ERR_NOMEM, "distill: out of memory for %zu labels", n);
    edd_soft_labels(sigma, view.y, n, 10, alpha, labels);
    edd_status st = edd_cnn_init(r->ctx, out, 11, REPRO_P_INPUT, REPRO_P_HIDDEN, seed);
    edd_train_opts t = d.train;
    t.epochs = epochs;
    t.seed = seed;
    t.targets = labels;
    t.loss.outlier = 10;
    t.quiet = r->o->quiet;
    if (!st)
        st = edd_train(r->ctx, out, &view, &t, NULL);
    free(labels);
    return st;
}

/* ---- attacks ---- */

typedef enum { ATT_FGM, ATT_JSMA, ATT_CW } att_kind;
static const char *const att_names[] = {"fgm", "jsma", "cw"};
static const char *const att_settings[] = {"eps", "gamma", "kappa"};

/* Attack the first n test images on src (adaptive: the attacker who knows
 * the defense: FGM's loss over the real classes only, and JSMA with the
 * exact one-gradient saliency instead of cleverhans' float32 Jacobian,
 * which saturation on the distilled model turns into noise: docs/ATTACKS.md)
 * and score the adversarial examples on tgt. */
static edd_status attack(repro *r, att_kind a, float value, int adaptive, const edd_cnn *src, const edd_cnn *tgt,
                         size_t n, edd_attack_scores *s)
{
    edd_ctx *ctx = r->ctx;
    edd_status st = need_data(r, 0);
    if (st)
        return st;
    if (n > r->test.n)
        n = r->test.n;
    const float *x = r->test.x;
    const uint8_t *y = r->test.y;
    float *adv = malloc(n * EDD_IMG_SIZE * sizeof(float));
    uint8_t *ok = malloc(n), *target = malloc(n);
    int *pc = malloc(n * sizeof(int)), *pa = malloc(n * sizeof(int));
    if (!adv || !ok || !target || !pc || !pa)
        st = edd_fail(ctx, EDD_ERR_NOMEM, "attack: out of memory for %zu images", n);
    double t0 = edd_now();
    if (!st && a == ATT_FGM) {
        edd_fgm_opts o = edd_fgm_defaults();
        o.eps = value;
        o.real_only = adaptive;
        st = edd_fgm(ctx, src, x, y, n, &o, adv);
        if (!st)
            st = edd_predict(ctx, src, adv, n, 256, pa);
        for (size_t i = 0; !st && i < n; i++)
            ok[i] = pa[i] != y[i] && !(src->k == 11 && pa[i] == 10);
    } else if (!st && a == ATT_JSMA) {
        edd_jsma_opts o = edd_jsma_defaults();
        o.gamma = value;
        o.jacobian = adaptive ? EDD_JSMA_PROBS : EDD_JSMA_PROBS_FULL;
        o.quiet = 1;
        edd_attack_targets(SEED_TARGETS, y, n, 0, EDD_N_REAL, target);
        st = edd_jsma(ctx, src, x, target, n, &o, adv, ok, NULL);
    } else if (!st) {
        edd_cw_opts o = edd_cw_defaults();
        o.confidence = value;
        o.max_iterations = r->sc->cw_iterations;
        o.binary_search_steps = r->sc->cw_bsearch;
        o.quiet = 1;
        edd_attack_targets(SEED_TARGETS, y, n, 0, EDD_N_REAL, target);
        st = edd_cw_l2(ctx, src, x, target, n, &o, adv, ok);
    }
    if (!st)
        st = edd_predict(ctx, tgt, x, n, 256, pc);
    if (!st)
        st = edd_predict(ctx, tgt, adv, n, 256, pa);
    if (!st) {
        edd_scores_compute(n, tgt->k, y, pc, pa, x, adv, ok, s);
        s->seconds = edd_now() - t0;
        if (!r->o->quiet)
            fprintf(stderr, "reproduce:   %s %s=%g%s on %zu: recovered %.3f detected %.3f misclassified %.3f (%.1f s)\n",
                    att_names[a], att_settings[a], value, adaptive ? " (adaptive)" : "", n, s->recovered, s->detected,
                    s->misclassified, s->seconds);
    }
    free(adv);
    free(ok);
    free(target);
    free(pc);
    free(pa);
    return st;
}

static void fill_row(repro_row *w, const char *fig, const char *src, const char *tgt, att_kind a, const char *setting,
                     double value, int adaptive, const edd_attack_scores *s)
{
    memset(w, 0, sizeof *w);
    snprintf(w->figure, sizeof w->figure, "%s", fig);
    snprintf(w->source, sizeof w->source, "%s", src);
    snprintf(w->target, sizeof w->target, "%s", tgt);
    snprintf(w->attack, sizeof w->attack, "%s", att_names[a]);
    snprintf(w->setting, sizeof w->setting, "%s", setting);
    snprintf(w->variant, sizeof w->variant, "%s", adaptive ? "adaptive" : "paper");
    w->value = value;
    w->n = s->n;
    w->recovered = s->recovered;
    w->detected = s->detected;
    w->misclassified = s->misclassified;
    w->mean_l2 = s->mean_l2;
    w->source_success = s->source_success;
    w->clean_accuracy = s->clean_accuracy;
    w->false_positives = s->clean_false_positives;
}

/* ---- the stages ---- */

/* The settings a stage reads, by group: a stage's manifest records a CRC32
 * of its groups only, so that changing, say, the CW subset redoes the CW
 * figures and what reads them but keeps the trained models. G_TRAIN also
 * covers the data (edd_dataset_fingerprint). */
enum {
    G_TRAIN = 1,   /* training images, epochs, test images, the data */
    G_N = 2,       /* N of the distilled models */
    G_ALPHA = 4,   /* alpha of the distilled models */
    G_SIGMA = 8,   /* the sigma rows of the studies: their images and N list */
    G_STUDY = 16,  /* the studies' epochs, eps, FGM subset and alphas */
    G_FGM = 32,    /* each attack's subset and points */
    G_JSMA = 64,
    G_CW = 128,
    G_ALL = 255
};

typedef struct stage stage;
typedef edd_status (*stage_fn)(repro *r, const stage *s);

/* A figure of attack points: source model -> target model. */
typedef struct {
    att_kind attack;
    const char *source;
    int adaptive; /* also the adaptive variant (FGM: loss over the real classes; JSMA: exact gradient) */
} fig_spec;

struct stage {
    const char *name;
    stage_fn run;
    uint32_t deps; /* bit i: depends on stage i */
    unsigned uses; /* the setting groups it reads (G_*), for its manifest's tag */
    fig_spec fig;
    const char *what;
    uint64_t seed; /* the model stages that train from scratch */
};

/* baseline, teacher, surrogate_u: an undefended CNN on one-hot labels,
 * each with its own seed. */
static edd_status st_plain(repro *r, const stage *s)
{
    edd_cnn m = {0};
    edd_status st = train_plain(r, s->seed, &m);
    if (!st)
        st = save_model(r, s->name, &m, s->seed, r->train.n, r->sc->epochs);
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

static size_t study_n(repro *r)
{
    return r->sc->study_n && r->sc->study_n < r->train.n ? r->sc->study_n : r->train.n;
}

/* Eq. 1 for every N in 1..npass on the first n training images: one
 * edd_uncertainty call of npass passes. Pass m's masks depend on (seed, m,
 * example) only, so the first N passes of this call are the passes an
 * N-pass call would take: row N-1 of sig ([npass][n]) is sigma at N. */
static edd_status sigma_rows(repro *r, const edd_cnn *teacher, size_t n, int npass, float *sig)
{
    edd_mc_opts mc = edd_mc_defaults();
    mc.passes = npass;
    mc.seed = SEED_DISTILLED;
    mc.quiet = r->o->quiet;
    edd_dataset view = r->train;
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

static edd_status st_sigma(repro *r, const stage *s)
{
    (void)s;
    edd_cnn t = {0};
    edd_status st = need_data(r, 1);
    if (!st)
        st = load_model(r, "teacher", &t);
    size_t n = r->train.n, ns = study_n(r);
    int np = max_passes(r->sc), N = r->sc->passes;
    /* one call of np passes when the largest N is the main one (smoke) or
     * the studies use every image (paper); otherwise a second call of N
     * passes over every image (quick) */
    int one = np == N || ns == n;
    size_t rows_n = one ? n : ns;
    float *main_sig = malloc(n * sizeof(float)), *study = malloc((size_t)np * ns * sizeof(float));
    float *rows = malloc((size_t)np * rows_n * sizeof(float));
    if (!st && (!main_sig || !study || !rows))
        st = edd_fail(r->ctx, EDD_ERR_NOMEM, "sigma: out of memory for %zu images", n);
    if (!st)
        st = sigma_rows(r, &t, rows_n, np, rows);
    for (int p = 0; !st && p < np; p++)
        memcpy(study + (size_t)p * ns, rows + (size_t)p * rows_n, ns * sizeof(float));
    if (!st && one) {
        memcpy(main_sig, rows + (size_t)(N - 1) * n, n * sizeof(float));
    } else if (!st) {
        float *more = malloc((size_t)N * n * sizeof(float));
        st = more ? sigma_rows(r, &t, n, N, more) : edd_fail(r->ctx, EDD_ERR_NOMEM, "sigma: out of memory");
        if (!st)
            memcpy(main_sig, more + (size_t)(N - 1) * n, n * sizeof(float));
        free(more);
    }
    char path[2048];
    size_t sh1[1] = {n}, sh2[2] = {(size_t)np, ns};
    if (!st)
        st = edd_npy_write(r->ctx, repro_path(r, "sigma/sigma.npy", path, sizeof path), EDD_NPY_F32, 1, sh1, main_sig);
    if (!st)
        st = repro_output(r, "sigma/sigma.npy");
    if (!st)
        st = edd_npy_write(r->ctx, repro_path(r, "sigma/sigma_study.npy", path, sizeof path), EDD_NPY_F32, 2, sh2,
                           study);
    if (!st)
        st = repro_output(r, "sigma/sigma_study.npy");
    free(main_sig);
    free(study);
    free(rows);
    edd_cnn_free(&t);
    return st;
}

/* Read sigma/NAME.npy and check it has `count` floats. */
static edd_status read_sigma(repro *r, const char *rel, size_t count, edd_npy *a)
{
    char path[2048];
    edd_status st = edd_npy_read(r->ctx, repro_path(r, rel, path, sizeof path), a);
    if (!st && (a->dtype != EDD_NPY_F32 || a->count != count)) {
        st = edd_fail(r->ctx, EDD_ERR_FORMAT, "%s: %zu values, expected %zu float32", path, a->count, count);
        edd_npy_free(a);
    }
    return st;
}

static edd_status st_distilled(repro *r, const stage *s)
{
    edd_npy sig = {0};
    edd_cnn m = {0};
    edd_status st = need_data(r, 1);
    if (!st)
        st = read_sigma(r, "sigma/sigma.npy", r->train.n, &sig);
    if (!st)
        st = distill_from_sigma(r, sig.data, r->train.n, r->sc->alpha, r->sc->epochs, SEED_DISTILLED, &m);
    if (!st)
        st = save_model(r, s->name, &m, SEED_DISTILLED, r->train.n, r->sc->epochs);
    edd_npy_free(&sig);
    edd_cnn_free(&m);
    return st;
}

/* The defended surrogate: its own teacher (seed 5), distilled with seed 6
 * by edd_distill (its own N passes). */
static edd_status st_surrogate_d(repro *r, const stage *s)
{
    edd_cnn t = {0}, m = {0};
    edd_status st = train_plain(r, SEED_SURR_D_TEACHER, &t);
    if (!st)
        st = save_model(r, "surrogate_d_teacher", &t, SEED_SURR_D_TEACHER, r->train.n, r->sc->epochs);
    edd_distill_opts d = edd_distill_defaults();
    d.mc.passes = r->sc->passes;
    d.mc.seed = SEED_SURR_D;
    d.mc.quiet = r->o->quiet;
    d.alpha = r->sc->alpha;
    d.train.epochs = r->sc->epochs;
    d.train.seed = SEED_SURR_D;
    d.train.quiet = r->o->quiet;
    if (!st)
        st = edd_distill(r->ctx, &t, &r->train, &d, &m, NULL, NULL, NULL);
    if (!st)
        st = save_model(r, s->name, &m, SEED_SURR_D, r->train.n, r->sc->epochs);
    edd_cnn_free(&t);
    edd_cnn_free(&m);
    return st;
}

/* Figures 2a-c and 3a-f: the attack over its settings, made on the source
 * and scored on the distilled model. */
static edd_status st_attack_fig(repro *r, const stage *s)
{
    const fig_spec *f = &s->fig;
    const edd_repro_scale *sc = r->sc;
    const float *vals = f->attack == ATT_FGM ? sc->eps : f->attack == ATT_JSMA ? sc->gamma : sc->kappa;
    int nv = f->attack == ATT_FGM ? sc->n_eps : f->attack == ATT_JSMA ? sc->n_gamma : sc->n_kappa;
    size_t n = f->attack == ATT_FGM ? sc->fgm_n : f->attack == ATT_JSMA ? sc->jsma_n : sc->cw_n;
    int nloss = f->adaptive ? 2 : 1;
    edd_cnn src = {0}, tgt = {0};
    repro_row rows[2 * EDD_REPRO_MAX_POINTS];
    int nr = 0;
    edd_status st = load_model(r, "distilled", &tgt);
    if (!st)
        st = load_model(r, f->source, &src);
    for (int l = 0; !st && l < nloss; l++)
        for (int i = 0; !st && i < nv; i++) {
            edd_attack_scores sco;
            st = attack(r, f->attack, vals[i], l, &src, &tgt, n, &sco);
            if (!st)
                fill_row(&rows[nr++], s->name, f->source, "distilled", f->attack, att_settings[f->attack], vals[i], l,
                         &sco);
        }
    char rel[64];
    snprintf(rel, sizeof rel, "%s_%s.csv", s->name, att_names[f->attack]);
    if (!st)
        st = repro_rows_write(r, rel, rows, nr);
    edd_cnn_free(&src);
    edd_cnn_free(&tgt);
    return st;
}

/* Figures 2d (alpha) and 2e (N): one distilled model per point, trained
 * from the teacher's sigma on the study images, attacked with FGM at
 * study_eps with both losses. The point at the main setting reuses the
 * distilled model when the studies train at the main scale (paper). */
static edd_status st_study(repro *r, const stage *s, int by_passes)
{
    const edd_repro_scale *sc = r->sc;
    edd_npy sig = {0};
    edd_status st = need_data(r, 1);
    size_t ns = study_n(r);
    int np = max_passes(sc), npts = by_passes ? sc->n_passes : sc->n_alpha;
    if (!st)
        st = read_sigma(r, "sigma/sigma_study.npy", (size_t)np * ns, &sig);
    repro_row rows[2 * EDD_REPRO_MAX_POINTS];
    int nr = 0;
    for (int i = 0; !st && i < npts; i++) {
        int N = by_passes ? sc->passes_list[i] : sc->passes;
        float alpha = by_passes ? sc->alpha : sc->alphas[i];
        double value = by_passes ? (double)N : (double)alpha;
        edd_cnn m = {0};
        if (!r->o->quiet)
            fprintf(stderr, "reproduce: %s point %s=%g\n", s->name, by_passes ? "N" : "alpha", value);
        /* the main setting, at the main model's scale, is the distilled
         * model itself: the same sigma, seed and epochs give the same model */
        if (N == sc->passes && alpha == sc->alpha && ns == r->train.n && sc->study_epochs == sc->epochs)
            st = load_model(r, "distilled", &m);
        else
            st = distill_from_sigma(r, (const float *)sig.data + (size_t)(N - 1) * ns, ns, alpha, sc->study_epochs,
                                    SEED_DISTILLED, &m);
        for (int l = 0; !st && l < 2; l++) {
            edd_attack_scores sco;
            st = attack(r, ATT_FGM, sc->study_eps, l, &m, &m, sc->fgm_n, &sco);
            if (!st)
                fill_row(&rows[nr++], s->name, "distilled", "distilled", ATT_FGM, by_passes ? "passes" : "alpha",
                         value, l, &sco);
        }
        edd_cnn_free(&m);
    }
    if (!st)
        st = repro_rows_write(r, by_passes ? "fig2e_passes.csv" : "fig2d_alpha.csv", rows, nr);
    edd_npy_free(&sig);
    return st;
}

static edd_status st_fig2d(repro *r, const stage *s) { return st_study(r, s, 0); }
static edd_status st_fig2e(repro *r, const stage *s) { return st_study(r, s, 1); }

/* The row of rows[0..n) for (value, variant), or NULL. */
static const repro_row *find_row(const repro_row *rows, int n, double value, const char *variant)
{
    for (int i = 0; i < n; i++)
        if (fabs(rows[i].value - value) < 1e-6 && !strcmp(rows[i].variant, variant))
            return &rows[i];
    return NULL;
}

/* Section 4.2's numbers: both models' accuracies, the distilled false
 * positives, the undefended model's misclassification under FGM 0.3, JSMA
 * 0.1 and CW 0, and the distilled model's at the same settings (from the
 * white-box CSVs). */
static edd_status st_headline(repro *r, const stage *s)
{
    (void)s;
    const edd_repro_scale *sc = r->sc;
    edd_cnn base = {0}, dist = {0};
    edd_eval_result eb, ed;
    edd_status st = need_data(r, 0);
    if (!st)
        st = load_model(r, "baseline", &base);
    if (!st)
        st = load_model(r, "distilled", &dist);
    if (!st)
        st = edd_evaluate(r->ctx, &base, &r->test, 256, NULL, &eb);
    if (!st)
        st = edd_evaluate(r->ctx, &dist, &r->test, 256, NULL, &ed);
    static const char *const csv[3] = {"fig2a_fgm.csv", "fig2b_jsma.csv", "fig2c_cw.csv"};
    static const double setting[3] = {0.3, 0.1, 0.0};
    static const char *const paper[3] = {"90.8", "92.2", "96.0"};
    size_t ns[3] = {sc->fgm_n, sc->jsma_n, sc->cw_n};
    char text[8192];
    int len = snprintf(text, sizeof text, "%s\n", REPRO_HEADLINE_HEADER);
    if (!st)
        len += snprintf(text + len, sizeof text - (size_t)len,
                        "accuracy,baseline,none,clean,%zu,98.41,%.2f\naccuracy,distilled,none,clean,%zu,97.28,%.2f\n"
                        "false_positives,distilled,none,clean,%zu,<1,%.2f\n",
                        eb.n, 100 * eb.accuracy, ed.n, 100 * ed.accuracy, ed.n, 100 * ed.false_positives);
    for (int a = 0; !st && a < 3; a++) {
        edd_attack_scores sco;
        st = attack(r, (att_kind)a, (float)setting[a], 0, &base, &base, ns[a], &sco);
        if (st)
            break;
        len += snprintf(text + len, sizeof text - (size_t)len, "misclassified,baseline,%s,%s=%g,%zu,%s,%.2f\n",
                        att_names[a], att_settings[a], setting[a], sco.n, paper[a], 100 * sco.misclassified);
        repro_row *rows = NULL;
        int nr = 0;
        char path[2048];
        st = repro_rows_read(r->ctx, repro_path(r, csv[a], path, sizeof path), &rows, &nr);
        for (int l = 0; !st && l < 2; l++) {
            const repro_row *w = find_row(rows, nr, setting[a], l ? "adaptive" : "paper");
            if (!w && !l)
                st = edd_fail(r->ctx, EDD_ERR_FORMAT, "%s: no row for %s=%g, expected one (every scale has it)", path,
                              att_settings[a], setting[a]);
            if (w)
                len += snprintf(text + len, sizeof text - (size_t)len, "misclassified,%s,%s,%s=%g,%zu,-,%.2f\n",
                                l ? "distilled-adaptive" : "distilled", att_names[a], att_settings[a], setting[a],
                                w->n, 100 * w->misclassified);
        }
        free(rows);
    }
    if (!st)
        st = repro_write_text(r, "headline.csv", text, (size_t)len);
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

static edd_status st_plots(repro *r, const stage *s)
{
    (void)s;
    edd_status st = EDD_OK;
    for (size_t i = 0; !st && i < sizeof plot_figs / sizeof plot_figs[0]; i++)
        st = repro_plot(r, plot_figs[i][0], plot_figs[i][1]);
    return st;
}

static edd_status st_report(repro *r, const stage *s)
{
    (void)s;
    return repro_report(r);
}

/* Run order: the parameter studies, which train one model per point, come
 * after every other figure. */
enum { S_BASELINE, S_TEACHER, S_SIGMA, S_DISTILLED, S_SURR_U, S_SURR_D, S_FIG2A, S_FIG2B, S_FIG2C, S_FIG3A,
       S_FIG3B, S_FIG3C, S_FIG3D, S_FIG3E, S_FIG3F, S_HEADLINE, S_FIG2D, S_FIG2E, S_PLOTS, S_REPORT, S_COUNT };
_Static_assert(S_COUNT <= 32, "a stage's deps are a 32-bit mask");
_Static_assert(S_COUNT <= EDD_REPRO_MAX_STAGES, "edd_repro_log holds EDD_REPRO_MAX_STAGES stages");
#define B(i) (1u << (i))
#define ALL_FIGS (B(S_FIG2A) | B(S_FIG2B) | B(S_FIG2C) | B(S_FIG2D) | B(S_FIG2E) | B(S_FIG3A) | B(S_FIG3B) | \
                  B(S_FIG3C) | B(S_FIG3D) | B(S_FIG3E) | B(S_FIG3F))

static const stage stages[S_COUNT] = {
    [S_BASELINE] = {"baseline", st_plain, 0, G_TRAIN, {0}, "undefended model, K=10, seed 1", SEED_BASELINE},
    [S_TEACHER] = {"teacher", st_plain, 0, G_TRAIN, {0}, "the distilled model's teacher, seed 2", SEED_TEACHER},
    [S_SIGMA] = {"sigma", st_sigma, B(S_TEACHER), G_TRAIN | G_N | G_SIGMA, {0},
                 "teacher's MC-dropout sigma (Eq. 1) for every N"},
    [S_DISTILLED] = {"distilled", st_distilled, B(S_SIGMA), G_TRAIN | G_N | G_ALPHA, {0}, "distilled model, K=11, seed 3 (Eqs. 2-3)"},
    [S_SURR_U] = {"surrogate_u", st_plain, 0, G_TRAIN, {0}, "undefended black-box surrogate, seed 4", SEED_SURR_U},
    [S_SURR_D] = {"surrogate_d", st_surrogate_d, 0, G_TRAIN | G_N | G_ALPHA, {0},
                  "defended surrogate: teacher seed 5, distilled seed 6"},
    [S_FIG2A] = {"fig2a", st_attack_fig, B(S_DISTILLED), G_TRAIN | G_FGM, {ATT_FGM, "distilled", 1}, "white-box FGM"},
    [S_FIG2B] = {"fig2b", st_attack_fig, B(S_DISTILLED), G_TRAIN | G_JSMA, {ATT_JSMA, "distilled", 1}, "white-box JSMA"},
    [S_FIG2C] = {"fig2c", st_attack_fig, B(S_DISTILLED), G_TRAIN | G_CW, {ATT_CW, "distilled", 0}, "white-box CW-L2"},
    [S_FIG3A] = {"fig3a", st_attack_fig, B(S_DISTILLED) | B(S_SURR_D), G_TRAIN | G_FGM,
                 {ATT_FGM, "surrogate_d", 1}, "black-box FGM, D"},
    [S_FIG3B] = {"fig3b", st_attack_fig, B(S_DISTILLED) | B(S_SURR_U), G_TRAIN | G_FGM,
                 {ATT_FGM, "surrogate_u", 0}, "black-box FGM, U"},
    [S_FIG3C] = {"fig3c", st_attack_fig, B(S_DISTILLED) | B(S_SURR_D), G_TRAIN | G_JSMA,
                 {ATT_JSMA, "surrogate_d", 1}, "black-box JSMA, D"},
    [S_FIG3D] = {"fig3d", st_attack_fig, B(S_DISTILLED) | B(S_SURR_U), G_TRAIN | G_JSMA,
                 {ATT_JSMA, "surrogate_u", 0}, "black-box JSMA, U"},
    [S_FIG3E] = {"fig3e", st_attack_fig, B(S_DISTILLED) | B(S_SURR_D), G_TRAIN | G_CW,
                 {ATT_CW, "surrogate_d", 0}, "black-box CW, D"},
    [S_FIG3F] = {"fig3f", st_attack_fig, B(S_DISTILLED) | B(S_SURR_U), G_TRAIN | G_CW,
                 {ATT_CW, "surrogate_u", 0}, "black-box CW, U"},
    [S_HEADLINE] = {"headline", st_headline, B(S_BASELINE) | B(S_DISTILLED) | B(S_FIG2A) | B(S_FIG2B) | B(S_FIG2C),
                    G_TRAIN | G_FGM | G_JSMA | G_CW, {0}, "Section 4.2's numbers"},
    [S_FIG2D] = {"fig2d", st_fig2d, B(S_SIGMA) | B(S_DISTILLED), G_TRAIN | G_N | G_ALPHA | G_SIGMA | G_STUDY, {0}, "FGM against alpha"},
    [S_FIG2E] = {"fig2e", st_fig2e, B(S_SIGMA) | B(S_DISTILLED), G_TRAIN | G_N | G_ALPHA | G_SIGMA | G_STUDY, {0}, "FGM against N"},
    [S_PLOTS] = {"plots", st_plots, ALL_FIGS, G_ALL, {0}, "PNG plots (gnuplot)"},
    [S_REPORT] = {"report", st_report, ALL_FIGS | B(S_HEADLINE) | B(S_PLOTS) | B(S_BASELINE) | B(S_TEACHER) |
                  B(S_SIGMA) | B(S_DISTILLED) | B(S_SURR_U) | B(S_SURR_D), G_ALL, {0}, "report.md"},
};

int edd_repro_stage_count(void) { return S_COUNT; }

const char *edd_repro_stage_name(int i) { return i >= 0 && i < S_COUNT ? stages[i].name : NULL; }

int edd_repro_stage_find(const char *name)
{
    for (int i = 0; name && i < S_COUNT; i++)
        if (!strcmp(name, stages[i].name))
            return i;
    return -1;
}

/* The scale's name and a CRC32 of the settings in groups `uses` (and of
 * the data, for G_TRAIN), as "quick-1a2b3c4d". */
static void scale_tag(const edd_repro_scale *sc, uint32_t data_crc, unsigned uses, char *tag, size_t n)
{
    char buf[2048];
    int len = snprintf(buf, sizeof buf, "%u", uses);
#define PUT(...) (len += snprintf(buf + len, sizeof buf - (size_t)len, __VA_ARGS__))
    if (uses & G_TRAIN)
        PUT(" train %zu %d %zu %08x", sc->train_n, sc->epochs, sc->test_n, (unsigned)data_crc);
    if (uses & G_N)
        PUT(" N %d", sc->passes);
    if (uses & G_ALPHA)
        PUT(" alpha %a", (double)sc->alpha);
    if (uses & G_SIGMA) {
        PUT(" sigma %zu", sc->study_n);
        for (int i = 0; i < sc->n_passes; i++)
            PUT(" %d", sc->passes_list[i]);
    }
    if (uses & G_STUDY) {
        PUT(" study %d %a %zu", sc->study_epochs, (double)sc->study_eps, sc->fgm_n);
        for (int i = 0; i < sc->n_alpha; i++)
            PUT(" %a", (double)sc->alphas[i]);
    }
    if (uses & G_FGM) {
        PUT(" fgm %zu", sc->fgm_n);
        for (int i = 0; i < sc->n_eps; i++)
            PUT(" %a", (double)sc->eps[i]);
    }
    if (uses & G_JSMA) {
        PUT(" jsma %zu", sc->jsma_n);
        for (int i = 0; i < sc->n_gamma; i++)
            PUT(" %a", (double)sc->gamma[i]);
    }
    if (uses & G_CW) {
        PUT(" cw %zu %d %d", sc->cw_n, sc->cw_iterations, sc->cw_bsearch);
        for (int i = 0; i < sc->n_kappa; i++)
            PUT(" %a", (double)sc->kappa[i]);
    }
#undef PUT
    snprintf(tag, n, "%s-%08lx", sc->name, crc32(0L, (const unsigned char *)buf, (uInt)len));
}

static edd_status mkdir_p(edd_ctx *ctx, const char *dir)
{
    char buf[2048];
    snprintf(buf, sizeof buf, "%s", dir);
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

edd_status edd_reproduce(edd_ctx *ctx, const edd_repro_scale *sc, const edd_repro_opts *o, edd_repro_log *log)
{
    double t0 = edd_now();
    int force = -1;
    if (!o->out_dir || !*o->out_dir || !o->data_dir)
        return edd_fail(ctx, EDD_ERR_ARG, "reproduce: out_dir '%s' and data_dir '%s': expected two folder names",
                        o->out_dir ? o->out_dir : "(null)", o->data_dir ? o->data_dir : "(null)");
    if (o->force && (force = edd_repro_stage_find(o->force)) < 0)
        return edd_fail(ctx, EDD_ERR_ARG, "--force '%s': not a stage name (edd reproduce --help lists them)",
                        o->force);
    static const char *const sub[] = {"", "/stages", "/models", "/sigma", "/plots"};
    for (size_t i = 0; i < sizeof sub / sizeof sub[0]; i++) {
        char d[2048];
        snprintf(d, sizeof d, "%s%s", o->out_dir, sub[i]);
        edd_status st = mkdir_p(ctx, d);
        if (st)
            return st;
    }
    /* one run at a time per folder: the lock goes with the process */
    char lock[2048];
    snprintf(lock, sizeof lock, "%s/stages/lock", o->out_dir);
    int lockfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (lockfd < 0)
        return edd_fail(ctx, EDD_ERR_IO, "%s: cannot open the lock file (%s)", lock, strerror(errno));
    if (flock(lockfd, LOCK_EX | LOCK_NB)) {
        close(lockfd);
        return edd_fail(ctx, EDD_ERR_IO, "%s: held by another `edd reproduce` on this folder, expected none", lock);
    }
    /* the stages downstream of a forced one are redone only if its outputs
     * change: the dependency signatures below see to that */
    uint32_t data_crc;
    edd_status st = edd_dataset_fingerprint(ctx, o->data_dir, &data_crc);
    if (st) {
        close(lockfd);
        return st;
    }
    repro r = {.ctx = ctx, .sc = sc, .o = o};
    uint32_t sig[S_COUNT] = {0};
    if (log)
        memset(log, 0, sizeof *log);
    for (int i = 0; !st && i < S_COUNT; i++) {
        const stage *s = &stages[i];
        uLong c = crc32(0L, Z_NULL, 0);
        for (int j = 0; j < S_COUNT; j++)
            if (s->deps & B(j))
                c = crc32(c, (const unsigned char *)&sig[j], sizeof sig[j]);
        uint32_t dsig = (uint32_t)c;
        char tag[128];
        scale_tag(sc, data_crc, s->uses, tag, sizeof tag);
        double secs = 0.0;
        int ran = 0;
        char why[1024] = "--force";
        if (i == force || !edd_manifest_valid(o->out_dir, s->name, tag, dsig, &sig[i], &secs, why, sizeof why)) {
            char done[2048];
            snprintf(done, sizeof done, "%s/stages/%s.done", o->out_dir, s->name);
            remove(done);
            if (!o->quiet)
                fprintf(stderr, "reproduce: stage %s (%s)\n  because %s\n", s->name, s->what, why);
            double ts = edd_now();
            r.nout = 0;
            st = s->run(&r, s);
            secs = edd_now() - ts;
            const char *files[REPRO_MAX_OUTPUTS];
            for (int k = 0; k < r.nout; k++)
                files[k] = r.out[k];
            if (!st)
                st = edd_manifest_write(ctx, o->out_dir, s->name, tag, secs, dsig, files, r.nout);
            if (!st && !edd_manifest_valid(o->out_dir, s->name, tag, dsig, &sig[i], NULL, why, sizeof why))
                st = edd_fail(ctx, EDD_ERR_IO, "stage %s: its manifest does not match the files just written: %s",
                              s->name, why);
            if (!st && !o->quiet)
                fprintf(stderr, "reproduce: stage %s done in %.1f s\n", s->name, secs);
            ran = 1;
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
