/* security.c - "does the defense hold?" (issue 12): the worst case per
 * image over a suite of attacks, as AutoAttack reports robust accuracy,
 * for the undefended baseline and the distilled model at each L-inf eps.
 *
 * The suite, per model and eps: white-box FGM and PGD with each loss
 * (edd_attack_loss: the paper's cross-entropy over all K outputs, over the
 * real classes, and the detector-aware margin), and PGD with the margin
 * loss made on the undefended surrogate U and on the defended surrogate D
 * and transferred. An image is robust at eps when the model classifies it
 * correctly when clean and no attack of the suite makes it misclassify
 * (edd_misclassified: a real class other than the label; a detection as
 * the outlier class counts for the defense). The stage writes security.csv:
 * per model, eps and attack, the images that attack breaks, those only it
 * breaks, and the robust accuracy against it with a Wilson interval; the
 * row "worst-case" is the robust accuracy against the whole suite.
 *
 * Two more rows per model feed the gradient-masking diagnostics of the
 * report (Carlini et al. 2019), outside the worst case: "noise", random
 * corners of the eps-ball (REPRO_SEC_NOISE of them per image), whose `only`
 * counts the images noise breaks and no white-box gradient attack does;
 * and "pgd-margin" at eps 1, an unbounded attack that must reach every
 * image a model classifies. */
#include "edd/attacks.h"
#include "edd/progress.h"
#include "repro.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum {
    SEC_FGM_ALL, SEC_FGM_REAL, SEC_FGM_MARGIN,
    SEC_PGD_ALL, SEC_PGD_REAL, SEC_PGD_MARGIN,
    SEC_FROM_U, SEC_FROM_D, SEC_COUNT
} sec_attack;
_Static_assert(SEC_COUNT == REPRO_SEC_NATTACKS, "repro.h counts the suite's attacks");

const char *const repro_sec_names[SEC_COUNT] = {"fgm-all", "fgm-real", "fgm-margin", "pgd-all",
                                                  "pgd-real", "pgd-margin", "transfer-u", "transfer-d"};

/* The PGD radius that bounds nothing in [0, 1]. */
#define SEC_UNBOUNDED 1.0f

/* The model each row is about, and the surrogates transfer comes from. */
static const char *const sec_models[] = {"baseline", "distilled"};
#define SEC_NMODELS 2

/* PGD of the scale at eps with loss on m into adv (the first n test
 * images). A white-box attack (white = 1) takes the scale's restarts and
 * stops each image at its first success (early_stop: the same images
 * succeed, at a fraction of the passes). An attack made on a surrogate for
 * transfer (white = 0) runs every step of one restart, for the largest
 * margin on the surrogate; restarts there only pick among points that all
 * cross the surrogate. */
static edd_status sec_pgd(repro *r, const edd_cnn *m, float eps, edd_attack_loss loss, int white, size_t n,
                          float *adv)
{
    edd_pgd_opts o;
    edd_pgd_opts_default(&o);
    o.eps = eps;
    o.steps = r->sc->pgd_steps;
    o.restarts = white ? r->sc->pgd_restarts : 1;
    o.loss = loss;
    o.seed = repro_seed(r, SEED_PGD);
    o.quiet = 1;
    o.early_stop = white;
    return edd_pgd(r->ctx, m, r->test.x, r->test.y, n, &o, adv);
}

/* Make attack a at eps on m (white box) into adv. */
static edd_status sec_white(repro *r, const edd_cnn *m, sec_attack a, float eps, size_t n, float *adv)
{
    static const edd_attack_loss loss[SEC_COUNT] = {EDD_LOSS_ALL, EDD_LOSS_REAL, EDD_LOSS_MARGIN,
                                                    EDD_LOSS_ALL, EDD_LOSS_REAL, EDD_LOSS_MARGIN};
    if (a >= SEC_PGD_ALL)
        return sec_pgd(r, m, eps, loss[a], 1, n, adv);
    edd_fgm_opts o;
    edd_fgm_opts_default(&o);
    o.eps = eps;
    o.loss = loss[a];
    return edd_fgm(r->ctx, m, r->test.x, r->test.y, n, &o, adv);
}

/* Which of the first n test images random noise breaks on m: x + eps * s
 * with s a random sign per pixel (REPRO_SEC_NOISE draws, from the counter RNG
 * keyed by image, so the same at any batch or thread count), clipped to
 * [0, 1]. broken[i] = 1 when any draw is misclassified. */
static edd_status sec_noise(repro *r, const edd_cnn *m, float eps, size_t n, float *buf, int *pred, uint8_t *broken)
{
    memset(broken, 0, n);
    edd_status st = EDD_OK;
    for (int d = 0; !st && d < REPRO_SEC_NOISE; d++) {
        #pragma omp parallel for schedule(static)
        for (size_t i = 0; i < n; i++) {
            uint64_t key = edd_rng_key(repro_seed(r, SEED_PGD), 0x5EC000u + (uint64_t)d, i);
            const float *x = r->test.x + i * EDD_IMG_SIZE;
            float *a = buf + i * EDD_IMG_SIZE;
            for (int j = 0; j < EDD_IMG_SIZE; j++) {
                float v = x[j] + (edd_rng_u32(key, (uint32_t)j) & 1u ? eps : -eps);
                a[j] = v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
            }
        }
        st = edd_predict(r->ctx, m, buf, n, 256, pred);
        for (size_t i = 0; !st && i < n; i++)
            broken[i] |= (uint8_t)edd_misclassified(m->k, pred[i], r->test.y[i]);
    }
    return st;
}

/* One CSV row. */
static void sec_row(edd_buf *t, const char *model, float eps, const char *attack, size_t n, size_t broken,
                    size_t only, size_t robust)
{
    double p = n ? (double)robust / (double)n : 0.0, lo, hi;
    repro_wilson(p, n, &lo, &hi);
    edd_buf_printf(t, "%s,%g,%s,%zu,%zu,%zu,%.6f,%.6f,%.6f\n", model, (double)eps, attack, n, broken, only, p, lo, hi);
}

/* The security stage's buffers over its n test images: the examples
 * (white-box, and transferred from each surrogate), predictions, each
 * model's clean predictions, and which attack broke which image. */
typedef struct {
    size_t n;
    float *adv, *from_u, *from_d;
    int *pred, *clean;
    uint8_t *broken;
} sec_bufs;

/* Model m (sec_models[k]) at eps: every attack of the suite and the noise,
 * each image's worst case, its rows into t. from_u and from_d hold the
 * examples transferred at eps. */
static edd_status sec_model(repro *r, edd_buf *t, const sec_bufs *b, const edd_cnn *m, int k, float eps, double t0)
{
    edd_status st = EDD_OK;
    const size_t n = b->n;
    float *adv = b->adv;
    int *pred = b->pred;
    uint8_t *broken = b->broken;
    const float *from_u = b->from_u, *from_d = b->from_d;
    const int *pc = b->clean + (size_t)k * n;
    for (int a = 0; !st && a < SEC_COUNT; a++) {
        const float *x = a == SEC_FROM_U ? from_u : a == SEC_FROM_D ? from_d : adv;
        if (a < SEC_FROM_U)
            st = sec_white(r, m, (sec_attack)a, eps, n, adv);
        if (!st)
            st = edd_predict(r->ctx, m, x, n, 256, pred);
        for (size_t i = 0; !st && i < n; i++)
            broken[(size_t)a * n + i] = (uint8_t)edd_misclassified(m->k, pred[i], r->test.y[i]);
    }
    size_t correct = 0, any = 0, count[SEC_COUNT] = {0}, only[SEC_COUNT] = {0};
    for (size_t i = 0; !st && i < n; i++) {
        if (pc[i] != r->test.y[i])
            continue;
        correct++;
        int hits = 0, last = -1;
        for (int a = 0; a < SEC_COUNT; a++)
            if (broken[(size_t)a * n + i]) {
                count[a]++;
                hits++;
                last = a;
            }
        any += hits > 0;
        if (hits == 1)
            only[last]++;
    }
    if (st)
        return st;
    sec_row(t, sec_models[k], eps, "clean", n, n - correct, 0, correct);
    for (int a = 0; a < SEC_COUNT; a++)
        sec_row(t, sec_models[k], eps, repro_sec_names[a], n, count[a], only[a], correct - count[a]);
    sec_row(t, sec_models[k], eps, "worst-case", n, any, 0, correct - any);
    uint8_t *noisy = broken + (size_t)SEC_COUNT * n;
    st = sec_noise(r, m, eps, n, adv, pred, noisy);
    size_t nbroken = 0, nonly = 0;
    for (size_t i = 0; !st && i < n; i++) {
        if (pc[i] != r->test.y[i] || !noisy[i])
            continue;
        int white = 0;
        for (int a = 0; a < SEC_FROM_U; a++)
            white |= broken[(size_t)a * n + i];
        nbroken++;
        nonly += !white;
    }
    if (!st)
        sec_row(t, sec_models[k], eps, "noise", n, nbroken, nonly, correct - nbroken);
    if (!r->o->quiet)
        fprintf(stderr, "reproduce:   security %s eps=%g on %zu: clean %zu, robust %zu under all %d attacks "
                "(%.1f s so far)\n", sec_models[k], (double)eps, n, correct, correct - any, SEC_COUNT,
                edd_now() - t0);
    return st;
}

/* PGD with the margin loss, unbounded, on each model: its rows into t. */
static edd_status sec_unbounded(repro *r, edd_buf *t, const sec_bufs *b, const edd_cnn *models)
{
    edd_status st = EDD_OK;
    const size_t n = b->n;
    for (int k = 0; !st && k < SEC_NMODELS; k++) {
        const int *pc = b->clean + (size_t)k * n;
        st = sec_pgd(r, &models[k], SEC_UNBOUNDED, EDD_LOSS_MARGIN, 1, n, b->adv);
        if (!st)
            st = edd_predict(r->ctx, &models[k], b->adv, n, 256, b->pred);
        size_t correct = 0, hit = 0;
        for (size_t i = 0; !st && i < n; i++)
            if (pc[i] == r->test.y[i]) {
                correct++;
                hit += edd_misclassified(models[k].k, b->pred[i], r->test.y[i]);
            }
        if (!st)
            sec_row(t, sec_models[k], SEC_UNBOUNDED, repro_sec_names[SEC_PGD_MARGIN], n, hit, 0, correct - hit);
    }
    return st;
}

edd_status repro_st_security(repro *r, const repro_stage *s)
{
    (void)s;
    edd_ctx *ctx = r->ctx;
    const edd_repro_scale *sc = r->sc;
    edd_status st = repro_need_data(r, 0);
    if (st)
        return st;
    size_t n = sc->sec_n < r->test.n ? sc->sec_n : r->test.n, px = n * EDD_IMG_SIZE;
    edd_cnn models[SEC_NMODELS] = {{0}}, surr_u = {0}, surr_d = {0};
    sec_bufs b = {.n = n,
                  .adv = malloc(px * sizeof(float) + 1),
                  .from_u = malloc(px * sizeof(float) + 1),
                  .from_d = malloc(px * sizeof(float) + 1),
                  .pred = malloc(n * sizeof(int) + 1),
                  .clean = malloc(SEC_NMODELS * n * sizeof(int) + 1),
                  .broken = malloc((SEC_COUNT + 1) * n + 1)};
    if (!b.adv || !b.from_u || !b.from_d || !b.pred || !b.clean || !b.broken)
        st = edd_fail(ctx, EDD_ERR_NOMEM, "security: out of memory for %zu images", n);
    for (int k = 0; !st && k < SEC_NMODELS; k++) {
        st = repro_load_model(r, sec_models[k], &models[k]);
        if (!st)
            st = edd_predict(ctx, &models[k], r->test.x, n, 256, b.clean + (size_t)k * n);
    }
    if (!st)
        st = repro_load_model(r, "surrogate_u", &surr_u);
    if (!st)
        st = repro_load_model(r, "surrogate_d", &surr_d);
    edd_buf t = {0};
    edd_buf_printf(&t, "%s\n", REPRO_SEC_HEADER);
    double t0 = edd_now();
    for (int e = 0; !st && e < sc->n_sec_eps; e++) {
        float eps = sc->sec_eps[e];
        /* the transferred examples do not depend on the model they are scored on */
        st = sec_pgd(r, &surr_u, eps, EDD_LOSS_MARGIN, 0, n, b.from_u);
        if (!st)
            st = sec_pgd(r, &surr_d, eps, EDD_LOSS_MARGIN, 0, n, b.from_d);
        for (int k = 0; !st && k < SEC_NMODELS; k++)
            st = sec_model(r, &t, &b, &models[k], k, eps, t0);
    }
    if (!st)
        st = sec_unbounded(r, &t, &b, models);
    if (!st)
        st = repro_write_text(r, "security.csv", &t);
    edd_buf_free(&t);
    for (int k = 0; k < SEC_NMODELS; k++)
        edd_cnn_free(&models[k]);
    edd_cnn_free(&surr_u);
    edd_cnn_free(&surr_d);
    free(b.adv);
    free(b.from_u);
    free(b.from_d);
    free(b.pred);
    free(b.clean);
    free(b.broken);
    return st;
}
