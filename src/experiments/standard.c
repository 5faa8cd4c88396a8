/* standard.c - "does the defense hold against the standard suite?" (issue
 * 23): the five models of the baselines under AutoAttack's composition
 * (edd_suite_run: APGD-CE, APGD-T, FMN, Square) at each L-inf eps of the
 * scale, and (standard_l2.c) the minimal L2 perturbation per image with the
 * suite at each L2 eps; one stage per model (standard_1 .. standard_5, so
 * that a model is attacked as soon as it is trained, on any rank), joined
 * by `standard`. What the rows mean: standard.h.
 *
 * Owns: the standard stages, the points they record (std_finds), their
 * rows, and the join into standard.csv, security_l2.csv, min_l2.csv,
 * min_l2_summary.csv and convergence.csv.
 * May call: repro.h (harness, out), edd/suite.h, edd/eval.h (edd_predict),
 * edd/io.h, edd/apgd.h and grid.h (the APGD-CE digit grid). */
#include "edd/apgd.h"
#include "edd/io.h"
#include "edd/progress.h"
#include "edd/suite.h"
#include "grid.h"
#include "standard.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define D EDD_IMG_SIZE

const char *const repro_std_sources[STD_NSOURCES] = {"apgd-ce",  "apgd-t",  "fmn",     "square", "pgd-margin",
                                                     "pgd-real", "pgd-all", "fmn-min", "cw-min"};

double std_dist(int ord, const float *a, const float *x)
{
    double s = 0.0;
    for (int j = 0; j < D; j++) {
        double d = fabs((double)a[j] - x[j]);
        s = ord == 2 ? s + d * d : fmax(s, d);
    }
    return ord == 2 ? sqrt(s) : s;
}

int std_finds_alloc(std_finds *f, size_t n, int ord, int neps, const float *eps)
{
    const size_t cells = (size_t)neps * n + 2 * n;
    *f = (std_finds){.ord = ord, .neps = neps, .eps = eps};
    f->pre = malloc((cells + n + 1) * sizeof(float));
    f->pre_src = malloc(cells - n + 1);
    if (!f->pre || !f->pre_src) {
        std_finds_free(f);
        return -1;
    }
    f->best = f->pre + n;
    f->norm = f->best + n;
    f->src = f->pre_src + n;
    for (size_t i = 0; i < cells; i++)
        f->pre[i] = INFINITY;
    memset(f->pre_src, 0xff, cells - n); /* -1 */
    return 0;
}

void std_finds_free(std_finds *f)
{
    free(f->pre);
    free(f->pre_src);
    f->pre = NULL;
    f->pre_src = NULL;
}

void std_finds_add(std_finds *f, size_t n, int k, size_t i, double d, int src)
{
    float *slot = k < 0 ? &f->pre[i] : &f->norm[(size_t)k * n + i];
    int8_t *who = k < 0 ? &f->pre_src[i] : &f->src[(size_t)k * n + i];
    if ((float)d < *slot) {
        *slot = (float)d;
        *who = (int8_t)src;
    }
    if ((float)d < f->best[i])
        f->best[i] = (float)d;
}

edd_status std_suite_at(const std_images *si, std_finds *f, int k)
{
    repro *r = si->r;
    const edd_repro_scale *sc = r->sc;
    const size_t n = si->n;
    size_t *idx = malloc(n * sizeof(size_t) + 1);
    float *xa = malloc(2 * n * D * sizeof(float) + 1);
    uint8_t *ya = malloc(n + 1);
    int8_t *by = malloc(n + 1);
    if (!idx || !xa || !ya || !by) {
        free(idx), free(xa), free(ya), free(by);
        return edd_fail(r->ctx, EDD_ERR_NOMEM, "standard: out of memory for %zu images", n);
    }
    size_t na = 0;
    for (size_t i = 0; i < n; i++)
        if (si->correct[i] && f->best[i] > f->eps[k] && f->src[(size_t)k * n + i] < 0) {
            idx[na] = i;
            ya[na] = si->y[i];
            memcpy(xa + na * D, si->x + i * D, D * sizeof(float));
            na++;
        }
    edd_suite_opts o;
    edd_suite_opts_default(&o);
    o.eps = f->eps[k];
    o.ord = f->ord;
    o.steps = sc->std_steps;
    o.n_target_classes = sc->std_targets;
    o.fmn_steps = sc->std_fmn_steps;
    o.queries = sc->std_queries;
    o.seed = repro_seed(r, SEED_PGD);
    o.quiet = 1;
    double secs[EDD_SUITE_NATTACKS] = {0}, t0 = edd_now();
    float *adv = xa + n * D;
    edd_status st = na ? edd_suite_run(r->ctx, si->m, xa, ya, na, &o, adv, by, secs) : EDD_OK;
    size_t hit = 0;
    for (size_t j = 0; !st && j < na; j++)
        if (by[j] >= 0) {
            std_finds_add(f, n, k, idx[j], std_dist(f->ord, adv + j * D, xa + j * D), by[j]);
            hit++;
        }
    if (!st && !r->o->quiet)
        fprintf(stderr, "reproduce:   %s L%s eps %g: the suite on %zu images breaks %zu (%.1f s: APGD-CE %.1f, "
                        "APGD-T %.1f, FMN %.1f, Square %.1f)\n",
                si->model, f->ord ? "2" : "-inf", (double)f->eps[k], na, hit, edd_now() - t0, secs[0], secs[1],
                secs[2], secs[3]);
    free(idx), free(xa), free(ya), free(by);
    return st;
}

/* One row (REPRO_STD_HEADER): robust of si's n images, with its Wilson
 * interval. */
static void std_row(edd_buf *t, const std_images *si, int ord, float eps, const char *attack, size_t broken,
                    size_t only, size_t robust)
{
    double p = si->n ? (double)robust / (double)si->n : 0.0, lo, hi;
    repro_wilson(p, si->n, &lo, &hi);
    edd_buf_printf(t, "%s,%s,%g,%s,%zu,%zu,%zu,%.6f,%.6f,%.6f\n", si->model, ord ? "2" : "inf", (double)eps, attack,
                   si->n, broken, only, p, lo, hi);
}

/* The eps-k sources of norm f's rows, in row order, into src; their count. */
static int std_row_sources(const std_images *si, const std_finds *f, int *src)
{
    int ns = 0;
    for (int l = 0; f->ord == 2 && l < si->r->sc->std_pgd_losses; l++)
        src[ns++] = STD_PGD_MARGIN + l;
    for (int a = 0; a < EDD_SUITE_NATTACKS; a++)
        src[ns++] = a;
    return ns;
}

void std_rows(edd_buf *t, const std_images *si, const std_finds *f)
{
    const size_t n = si->n;
    uint8_t *done = malloc(n + 1);
    if (!done) {
        t->err = 1;
        return;
    }
    int src[STD_NSOURCES];
    const int ns = std_row_sources(si, f, src);
    for (int k = 0; k < f->neps; k++) {
        const float e = f->eps[k];
        size_t broken = 0, add = 0;
        memset(done, 0, n);
        std_row(t, si, f->ord, e, "clean", n - si->ncorrect, 0, si->ncorrect);
        for (size_t i = 0; i < n; i++) {
            int hit = si->correct[i] && f->pre[i] <= e;
            for (int j = 0; j < k && !hit; j++)
                hit = si->correct[i] && f->norm[(size_t)j * n + i] <= e;
            done[i] = (uint8_t)hit;
            add += hit;
        }
        broken += add;
        std_row(t, si, f->ord, e, f->ord == 2 ? "min-norm" : "smaller-eps", broken, add, si->ncorrect - broken);
        for (int a = 0; a < ns; a++) {
            add = 0;
            for (size_t i = 0; i < n; i++)
                if (si->correct[i] && !done[i] && f->src[(size_t)k * n + i] == src[a])
                    done[i] = 1, add++;
            broken += add;
            std_row(t, si, f->ord, e, repro_std_sources[src[a]], broken, add, si->ncorrect - broken);
        }
        add = 0;
        for (size_t i = 0; i < n; i++)
            for (int j = k + 1; j < f->neps && si->correct[i] && !done[i]; j++)
                if (f->norm[(size_t)j * n + i] <= e)
                    done[i] = 1, add++;
        broken += add;
        std_row(t, si, f->ord, e, "larger-eps", broken, add, si->ncorrect - broken);
        std_row(t, si, f->ord, e, "worst-case", broken, 0, si->ncorrect - broken);
    }
    free(done);
}

/* Load model `stem`'s images: the first n/2 and the last n - n/2 of the
 * whole test set (loaded here: a scale may load fewer test images), and
 * which of them the model classifies correctly. */
static edd_status std_images_load(repro *r, const edd_cnn *m, const char *stem, std_images *si)
{
    const edd_repro_scale *sc = r->sc;
    edd_dataset full = {0};
    edd_status st = edd_dataset_load(r->ctx, r->o->data_dir, 0, 0, &full);
    if (!st && (sc->std_n < 2 || sc->std_n > full.n))
        st = edd_fail(r->ctx, EDD_ERR_ARG, "standard: std_n %zu, expected 2..%zu (the test images)", sc->std_n,
                      full.n);
    const size_t n = st ? 0 : sc->std_n, half = n / 2;
    *si = (std_images){.r = r, .m = m, .model = stem, .n = n};
    si->x = malloc(n * D * sizeof(float) + 1);
    si->y = malloc(n + 1);
    si->index = malloc(n * sizeof(size_t) + 1);
    si->correct = malloc(n + 1);
    int *pred = malloc(n * sizeof(int) + 1);
    if (!st && (!si->x || !si->y || !si->index || !si->correct || !pred))
        st = edd_fail(r->ctx, EDD_ERR_NOMEM, "standard: out of memory for %zu images", n);
    for (size_t i = 0; !st && i < n; i++) {
        si->index[i] = i < half ? i : full.n - (n - i);
        si->y[i] = full.y[si->index[i]];
        memcpy(si->x + i * D, full.x + si->index[i] * D, D * sizeof(float));
    }
    if (!st)
        st = edd_predict(r->ctx, m, si->x, n, 256, pred);
    for (size_t i = 0; !st && i < n; i++) {
        si->correct[i] = (uint8_t)(pred[i] == si->y[i]);
        si->ncorrect += si->correct[i];
    }
    free(pred);
    edd_dataset_free(&full);
    return st;
}

static void std_images_free(std_images *si)
{
    free(si->x), free(si->y), free(si->index), free(si->correct);
}

/* The scale's standard settings: each eps list ascending and positive (a
 * point found at one eps counts at the larger ones), each budget >= 1. */
static edd_status std_check_scale(repro *r)
{
    const edd_repro_scale *sc = r->sc;
    const struct {
        const char *name;
        int n;
        const float *v;
    } lists[2] = {{"std_linf", sc->n_std_linf, sc->std_linf}, {"std_l2", sc->n_std_l2, sc->std_l2}};
    for (int l = 0; l < 2; l++) {
        if (lists[l].n < 1 || lists[l].n > EDD_REPRO_MAX_POINTS)
            return edd_fail(r->ctx, EDD_ERR_ARG, "standard: %s has %d eps, expected 1..%d", lists[l].name,
                            lists[l].n, EDD_REPRO_MAX_POINTS);
        for (int k = 0; k < lists[l].n; k++)
            if (!(lists[l].v[k] > (k ? lists[l].v[k - 1] : 0.0f)))
                return edd_fail(r->ctx, EDD_ERR_ARG, "standard: %s[%d] = %g, expected > 0 and ascending",
                                lists[l].name, k, (double)lists[l].v[k]);
    }
    if (sc->std_blocks < 1 || (size_t)sc->std_blocks > sc->std_n)
        return edd_fail(r->ctx, EDD_ERR_ARG, "standard: std_blocks %d, expected 1..%zu (std_n, the images)",
                        sc->std_blocks, sc->std_n);
    if (sc->std_steps < 1 || sc->std_targets < 1 || sc->std_targets > 9 || sc->std_fmn_steps < 1 ||
        sc->std_queries < 1 || sc->std_cw_iterations < 1 || sc->std_cw_bsearch < 1 || sc->std_pgd_losses < 1 ||
        sc->std_pgd_losses > 3)
        return edd_fail(r->ctx, EDD_ERR_ARG, "standard: steps %d, targets %d, FMN steps %d, queries %d, CW %d x %d, "
                        "PGD losses %d: expected each >= 1, targets <= 9, losses <= 3", sc->std_steps,
                        sc->std_targets, sc->std_fmn_steps, sc->std_queries, sc->std_cw_iterations,
                        sc->std_cw_bsearch, sc->std_pgd_losses);
    return EDD_OK;
}

edd_status std_linf_find(const std_images *si, std_finds *f)
{
    edd_status st = EDD_OK;
    for (int k = 0; !st && k < f->neps; k++)
        st = std_suite_at(si, f, k);
    return st;
}

/* Part k's file of kind ("standard", "min_l2", "min_l2_summary",
 * "convergence"): points/KIND_K.csv. */
static void std_part_name(const char *kind, int k, char *rel, size_t n)
{
    snprintf(rel, n, "points/%s_%d.csv", kind, k);
}

/* Write part k's text t (rows without header) as points/KIND_K.csv. */
static edd_status std_part_write(repro *r, const char *kind, int k, const edd_buf *t)
{
    char rel[64];
    std_part_name(kind, k, rel, sizeof rel);
    return repro_write_text(r, rel, t);
}

/* The digit grid (grid.h) of si's model, when a grid shows it: APGD-CE
 * (the suite's first attack, with its steps and seed) at the scale's
 * largest L-inf eps on the first REPRO_GRID_N of si's images. */
static edd_status std_grid(const std_images *si)
{
    int shown = 0;
    for (int k = 0; k < REPRO_GRID_MODELS; k++)
        shown |= !strcmp(si->model, repro_grid_models[k]);
    if (!shown)
        return EDD_OK;
    repro *r = si->r;
    const size_t n = si->n < REPRO_GRID_N ? si->n : REPRO_GRID_N;
    float adv[REPRO_GRID_N * D];
    edd_apgd_opts o;
    edd_apgd_opts_default(&o);
    o.eps = r->sc->std_linf[r->sc->n_std_linf - 1];
    o.steps = r->sc->std_steps;
    o.seed = repro_seed(r, SEED_PGD);
    o.quiet = 1;
    edd_status st = edd_apgd(r->ctx, si->m, si->x, si->y, n, &o, adv);
    return st ? st : repro_grid_save(r, GRID_APGD, si->model, si->m, si->x, si->y, adv, n, o.eps);
}

/* Write the stage's part files: points/standard_K.csv, min_l2_K.csv,
 * min_l2_summary_K.csv and (conv not NULL) convergence_K.csv. */
static edd_status std_parts_write(repro *r, int part, const edd_buf *rows, const edd_buf *mins,
                                  const edd_buf *summary, const edd_buf *conv)
{
    edd_status st = std_part_write(r, "standard", part, rows);
    if (!st)
        st = std_part_write(r, "min_l2", part, mins);
    if (!st)
        st = std_part_write(r, "min_l2_summary", part, summary);
    if (!st && conv)
        st = std_part_write(r, "convergence", part, conv);
    return st;
}

edd_status repro_st_standard_part(repro *r, const repro_stage *s)
{
    const char *stem = repro_base_models[s->part - 1];
    const edd_repro_scale *sc = r->sc;
    const int conv_model = !strcmp(stem, "distilled");
    edd_cnn m = {0};
    std_images si = {0};
    std_finds linf = {0}, l2 = {0};
    size_t conv[EDD_REPRO_MAX_POINTS * EDD_REPRO_MAX_POINTS] = {0};
    edd_buf rows = {0}, mins = {0}, summary = {0}, conv_rows = {0};
    const double t0 = edd_now();
    edd_status st = std_check_scale(r);
    if (!st)
        st = repro_load_model(r, stem, &m);
    if (!st)
        st = std_images_load(r, &m, stem, &si);
    if (!st && (std_finds_alloc(&linf, si.n, 0, sc->n_std_linf, sc->std_linf) ||
                std_finds_alloc(&l2, si.n, 2, sc->n_std_l2, sc->std_l2)))
        st = edd_fail(r->ctx, EDD_ERR_NOMEM, "standard: out of memory for %zu images", si.n);
    if (!st && !r->o->quiet)
        fprintf(stderr, "reproduce:   model %s: %zu of %zu images classified correctly when clean\n", stem,
                si.ncorrect, si.n);
    if (!st)
        st = std_blocks_run(&si, s->name, &linf, &l2, conv_model ? conv : NULL);
    if (!st)
        std_rows(&rows, &si, &linf);
    if (!st)
        st = std_grid(&si);
    if (!st)
        st = std_l2_results(&si, &l2, &rows, &mins, &summary);
    if (!st && conv_model)
        std_convergence_rows(&si, conv, &conv_rows);
    if (!st)
        st = std_parts_write(r, s->part, &rows, &mins, &summary, conv_model ? &conv_rows : NULL);
    if (!st)
        st = std_blocks_clean(r, s->name);
    if (!st && !r->o->quiet)
        fprintf(stderr, "reproduce:   model %s: the standard suite took %.1f s\n", stem, edd_now() - t0);
    edd_buf_free(&rows), edd_buf_free(&mins), edd_buf_free(&summary), edd_buf_free(&conv_rows);
    std_finds_free(&linf), std_finds_free(&l2);
    std_images_free(&si);
    edd_cnn_free(&m);
    return st;
}

/* Append part file rel, whose every line must start with "stem,", to t,
 * and (l2 not NULL) those of norm 2 to l2 without their norm field. */
static edd_status std_read_part(repro *r, const char *rel, const char *stem, edd_buf *t, edd_buf *l2)
{
    char path[EDD_PATH_MAX], line[1024];
    FILE *f = NULL;
    edd_status st = repro_path(r, rel, path);
    if (!st)
        st = edd_file_fopen_regular(r->ctx, path, "a part's rows of the standard suite", &f);
    const size_t ls = strlen(stem);
    int n = 0;
    while (!st && fgets(line, sizeof line, f)) {
        const size_t len = strlen(line);
        if (!len || line[len - 1] != '\n' || strncmp(line, stem, ls) || line[ls] != ',')
            st = edd_fail(r->ctx, EDD_ERR_FORMAT, "%s:%d: '%.40s', expected a whole row of model %s", path, n + 1,
                          line, stem);
        else
            edd_buf_append(t, line, len);
        if (!st && l2 && !strncmp(line + ls, ",2,", 3))
            edd_buf_printf(l2, "%s%s", stem, line + ls + 2);
        n++;
    }
    if (!st && n == 0)
        st = edd_fail(r->ctx, EDD_ERR_FORMAT, "%s: empty, expected the rows of model %s", path, stem);
    if (f)
        fclose(f);
    return st;
}

edd_status repro_st_standard(repro *r, const repro_stage *s)
{
    (void)s;
    static const struct {
        const char *kind, *out, *header;
    } files[] = {{"standard", "standard.csv", REPRO_STD_HEADER},
                 {"min_l2", "min_l2.csv", REPRO_MINL2_HEADER},
                 {"min_l2_summary", "min_l2_summary.csv", REPRO_MINL2_SUMMARY_HEADER},
                 {"convergence", "convergence.csv", REPRO_CONV_HEADER}};
    edd_status st = EDD_OK;
    edd_buf l2 = {0};
    edd_buf_printf(&l2, "%s\n", REPRO_SEC_HEADER);
    for (size_t f = 0; !st && f < sizeof files / sizeof files[0]; f++) {
        const int conv = !strcmp(files[f].kind, "convergence");
        edd_buf t = {0};
        edd_buf_printf(&t, "%s\n", files[f].header);
        for (int k = 1; !st && k <= REPRO_BASE_NMODELS; k++) {
            char rel[64];
            if (conv && strcmp(repro_base_models[k - 1], "distilled"))
                continue;
            std_part_name(files[f].kind, k, rel, sizeof rel);
            st = std_read_part(r, rel, repro_base_models[k - 1], &t, f == 0 ? &l2 : NULL);
        }
        if (!st)
            st = repro_write_text(r, files[f].out, &t);
        edd_buf_free(&t);
    }
    if (!st)
        st = repro_write_text(r, "security_l2.csv", &l2);
    edd_buf_free(&l2);
    return st;
}
