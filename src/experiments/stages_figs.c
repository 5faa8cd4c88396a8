/* stages_figs.c - the stages that attack (stages.h): the figures 2a-c
 * and 3a-f, the points of the alpha and N studies (fig2d_K, fig2e_K) and
 * their joins, and Section 4.2's headline numbers. May call repro.h (the
 * attack-and-score step, the CSVs), grid.h (the white-box figures' digit
 * grids). */
#include "grid.h"
#include "stages.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Figures 2a-c and 3a-f: the attack over its settings, made on the source
 * and scored on the distilled model, as we read that the paper ran it, then
 * as the figure's other variant (fig->also). A white-box figure (source: the
 * distilled model) does the same on the undefended baseline next, source =
 * target = baseline, so that the plot can draw it beside the defended
 * curve, and saves each model's digit grid (grid.h) of the paper's variant
 * at the paper's setting (repro_paper_attack). Row order: model, variant,
 * setting. */
edd_status repro_st_attack_fig(repro *r, const repro_stage *s)
{
    const repro_fig_spec *f = &s->fig;
    const edd_repro_scale *sc = r->sc;
    const float *vals = f->attack == ATT_FGM ? sc->eps : f->attack == ATT_JSMA ? sc->gamma : sc->kappa;
    int nv = f->attack == ATT_FGM ? sc->n_eps : f->attack == ATT_JSMA ? sc->n_gamma : sc->n_kappa;
    size_t n = f->attack == ATT_FGM ? sc->fgm_n : f->attack == ATT_JSMA ? sc->jsma_n : sc->cw_n;
    const repro_variant vars[2] = {VAR_PAPER, f->also};
    const int nvar = f->also != VAR_PAPER ? 2 : 1, nmod = !strcmp(f->source, "distilled") ? 2 : 1;
    const char *const src_names[2] = {f->source, "baseline"}, *const tgt_names[2] = {"distilled", "baseline"};
    const double at = repro_paper_attack(f->attack)->setting;
    float keep[REPRO_GRID_N * EDD_IMG_SIZE];
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
                const int grid = nmod == 2 && v == 0 && fabs(vals[i] - at) < 1e-6;
                st = repro_attack_keep(r, f->attack, vals[i], vars[v], same ? &tgt : &src, &tgt, n, &sco,
                                       grid ? keep : NULL, REPRO_GRID_N);
                if (!st && grid)
                    st = repro_grid_save(r, repro_grid_of(f->attack), tgt_names[m], &tgt, r->test.x, r->test.y, keep,
                                         n < r->test.n ? n : r->test.n, vals[i]);
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

int repro_study_points(const edd_repro_scale *sc, int by_passes) { return by_passes ? sc->n_passes : sc->n_alpha; }

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
    const int npts = repro_study_points(sc, by_passes), i = s->part - 1;
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
    const size_t ns = repro_study_n(r);
    if (!st && !r->o->quiet)
        fprintf(stderr, "reproduce: %s point %s=%g\n", study_fig(by_passes), by_passes ? "N" : "alpha", value);
    /* the main setting, at the main model's scale, is the distilled model
     * itself: the same sigma, seed and epochs give the same model */
    if (!st && N == sc->passes && alpha == sc->alpha && ns == r->train.n && sc->study_epochs == sc->epochs) {
        st = repro_load_model(r, "distilled", &m);
    } else if (!st) {
        st = repro_read_sigma(r, "sigma/sigma_study.npy", (size_t)repro_max_passes(sc) * ns, &sig);
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

edd_status repro_st_fig2d_point(repro *r, const repro_stage *s) { return st_study_point(r, s, 0); }
edd_status repro_st_fig2e_point(repro *r, const repro_stage *s) { return st_study_point(r, s, 1); }

/* fig2d, fig2e: the rows of the scale's points joined, in point order,
 * into fig2d_alpha.csv or fig2e_passes.csv, the CSV the unsplit stage
 * wrote (the rows' text reads back to the same numbers, so the bytes are
 * the same). Each part must hold its point's two rows. */
static edd_status st_study_join(repro *r, const repro_stage *s, int by_passes)
{
    const edd_repro_scale *sc = r->sc;
    const int npts = repro_study_points(sc, by_passes);
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

edd_status repro_st_fig2d(repro *r, const repro_stage *s) { return st_study_join(r, s, 0); }
edd_status repro_st_fig2e(repro *r, const repro_stage *s) { return st_study_join(r, s, 1); }

/* Section 4.2's numbers, one line per value in repro_paper (scale.c):
 * both models' accuracies and the distilled false positives on the clean
 * test images; the undefended model's misclassification under each attack
 * at the paper's setting (the baseline rows of the white-box CSVs), then the
 * distilled model's at the same setting, each variant of the CSV (the paper
 * prints none: "-"). */
edd_status repro_st_headline(repro *r, const repro_stage *s)
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
