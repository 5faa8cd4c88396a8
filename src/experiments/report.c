/* report.c - report.md: the paper's numbers beside ours (the headline table
 * first), then the sections of report_figures.c, report_security.c,
 * report_baselines.c and report_standard.c in order, the settings and
 * seeds, the wall time of each stage and the machine. A section whose
 * input is absent is one line that says so (report_floor.c); a pipeline
 * test (scale smoke) opens with REPRO_PIPELINE_TEST. Reads only files in
 * the results folder.
 *
 * Owns: repro_report, repro_absent.
 * May call: report.h, standard.h, the report_*.c sections, grid.h (the
 * digit grids' lines under Figs. 2a-c and the standard suite). */
#include "grid.h"
#include "report.h"
#include "standard.h"

#include "edd/cw.h"
#include "edd/defense.h"
#include "edd/io.h"

#include <math.h>
#include <oneapi/dnnl/dnnl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The sentence that names the paper's undefended rates and the settings we
 * set them beside, from its table (repro_paper, scale.c). */
static void paper_settings(edd_buf *t)
{
    edd_buf_printf(t, "Its undefended rates (");
    for (int a = 0; a < ATT_COUNT; a++)
        edd_buf_printf(t, "%s%s", a ? ", " : "", repro_paper_attack((att_kind)a)->value);
    edd_buf_printf(t, "%%) name no ");
    for (int a = 0; a < ATT_COUNT; a++)
        edd_buf_printf(t, "%s%s", a == 0 ? "" : a == ATT_COUNT - 1 ? " or " : ", ", repro_att_settings[a]);
    edd_buf_printf(t, "; we set them beside ");
    for (int a = 0; a < ATT_COUNT; a++)
        edd_buf_printf(t, "%s%s %g", a == 0 ? "" : a == ATT_COUNT - 1 ? " and " : ", ", repro_att_settings[a],
                       repro_paper_attack((att_kind)a)->setting);
    edd_buf_printf(t, ", our reading (docs/REPRODUCING.md).\n\n");
}

/* The sentences under the headline table: what its rows' model names
 * mean, each only when a row has it (seen: bit 0 distilled-adaptive, bit 1
 * distilled-budget, bit 2 a baseline attack row). */
static void headline_notes(repro *r, edd_buf *t, int seen)
{
    edd_buf_printf(t, "\n");
    if (seen & 1)
        edd_buf_printf(t, "\"distilled-adaptive\" is the attacker who knows the defense: FGM with its loss over the 10 "
                          "real classes only (the paper's took it over all 11 outputs; docs/DESIGN.md section 8), JSMA "
                          "with the exact gradient (the paper's, cleverhans', sums the other outputs' gradients in "
                          "float32). ");
    if (seen & 2)
        edd_buf_printf(t, "\"distilled-budget\" is CW with Adam and the larger budget (Fig. 2c). ");
    if (seen & 4)
        edd_buf_printf(t, "The undefended rates are the baseline rows of Figs. 2a-c. ");
    edd_buf_printf(t, "The paper prints no rates for the distilled model under attack, only curves (Figs. 2-3), hence "
                      "\"-\". ");
    if (repro_on_mnist(r))
        paper_settings(t);
    else
        edd_buf_printf(t, "The paper ran MNIST alone, so on %s the paper column is empty; the settings (eps, gamma, "
                          "kappa, alpha, N) are the ones it used on MNIST.\n\n", repro_data_title(r));
}

/* The headline table from headline.csv (metric,model,attack,setting,n,paper,ours). */
static edd_status headline(repro *r, edd_buf *t)
{
    char path[EDD_PATH_MAX], line[512];
    edd_status st = repro_path(r, "headline.csv", path);
    if (st)
        return st;
    FILE *f;
    st = edd_file_fopen_regular(r->ctx, path, "the headline stage's output", &f);
    if (st)
        return st;
    int ok = fgets(line, sizeof line, f) && !strcmp(line, REPRO_HEADLINE_HEADER "\n"), seen = 0;
    edd_buf_printf(t, "## Headline (Section 4.2)\n\n| metric | model | attack | setting | n | seeds | paper (%%) | ours (%%) "
                      "|\n|---|---|---|---|---:|---:|---:|---:|\n");
    while (ok && fgets(line, sizeof line, f)) {
        char *fld[7], *p = line;
        line[strcspn(line, "\n")] = 0;
        int k = 0;
        for (; k < 7 && p; k++) {
            fld[k] = p;
            p = strchr(p, ',');
            if (p)
                *p++ = 0;
        }
        ok = k == 7 && !p;
        if (ok)
            seen |= (strcmp(fld[1], "distilled-adaptive") == 0) | (strcmp(fld[1], "distilled-budget") == 0) << 1 |
                    (!strcmp(fld[1], "baseline") && strcmp(fld[2], "none")) << 2;
        if (ok)
            edd_buf_printf(t, "| %s | %s | %s | %s | %s | 1 | %s | %s |\n", fld[0], fld[1], fld[2], fld[3], fld[4], fld[5],
                           fld[6]);
    }
    fclose(f);
    if (!ok)
        return edd_fail(r->ctx, EDD_ERR_FORMAT, "%s: not the headline table, expected the header '%s' and 7 fields a row",
                        path, REPRO_HEADLINE_HEADER);
    headline_notes(r, t, seen);
    return EDD_OK;
}

/* Wall time and mtime of each stage, from its manifest. */
static void stage_times(repro *r, edd_buf *t)
{
    edd_buf_printf(t, "## Wall time per stage\n\n| stage | seconds |\n|---|---:|\n");
    double total = 0.0;
    for (int i = 0; i < r->nstages; i++) {
        const char *name = r->stages[i].name;
        char rel[128], path[EDD_PATH_MAX], line[256];
        double s = -1.0;
        snprintf(rel, sizeof rel, "stages/%s.done", name);
        FILE *f = NULL;
        if (!repro_path(r, rel, path))
            edd_file_fopen_regular(NULL, path, "a stage's manifest", &f);
        while (f && fgets(line, sizeof line, f))
            if (sscanf(line, "seconds %lf", &s) == 1)
                break;
        if (f)
            fclose(f);
        if (s >= 0) {
            edd_buf_printf(t, "| %s | %.1f |\n", name, s);
            total += s;
        } else {
            edd_buf_printf(t, "| %s | %s |\n", name, strcmp(name, "report") ? "(not run in this folder)" : "(this stage)");
        }
    }
    edd_buf_printf(t, "| total (stages above) | %.1f |\n\nEach time is that of the run that made the stage's current outputs "
                      "(a resumed run keeps the times of the stages it skipped).\n\n", total);
}

/* The settings' seed line: every SEED_* base as this pipeline seeds it
 * (repro_seed), and for seed K > 1 of `--seeds` how they were derived. */
static void seeds_line(const repro *r, edd_buf *t)
{
    static const struct {
        uint64_t base;
        const char *what, *note;
    } seeds[] = {{SEED_BASELINE, "baseline", ""},
                 {SEED_TEACHER, "teacher", ""},
                 {SEED_DISTILLED, "distilled", " (its MC-dropout masks too, the study models and the ablation's models)"},
                 {SEED_SURR_U, "undefended surrogate", ""},
                 {SEED_SURR_D_TEACHER, "defended surrogate's own teacher", ""},
                 {SEED_SURR_D, "the defended surrogate", ""},
                 {SEED_TARGETS, "attack targets", ""},
                 {SEED_PGD, "PGD starts", ""},
                 {SEED_TEMP_TEACHER, "temperature teacher", ""},
                 {SEED_TEMP, "its distilled model", ""},
                 {SEED_ADV, "adversarially trained model", ""},
                 {SEED_ADV_DISTILLED, "its distilled model", ""}};
    const size_t n = sizeof seeds / sizeof seeds[0];
    for (size_t i = 0; i < n; i++)
        edd_buf_printf(t, "%s%s %llu%s", i ? ", " : "", seeds[i].what, (unsigned long long)repro_seed(r, seeds[i].base),
                       seeds[i].note);
    if (r->o->seed > 1)
        edd_buf_printf(t, ". This is seed %d of `--seeds`: each is the stage table's base seed plus 100 x %d "
                          "(base + 100 (K - 1), docs/REPRODUCING.md)", r->o->seed, r->o->seed - 1);
    edd_buf_printf(t, ".\n\n");
}

static void settings(repro *r, edd_buf *t)
{
    const edd_repro_scale *sc = r->sc;
    edd_train_opts tr;
    edd_train_opts_default(&tr);
    edd_distill_opts di;
    edd_distill_opts_default(&di);
    edd_cw_opts cw;
    edd_cw_opts_default(&cw);
    edd_buf list[6] = {{0}}, adv_steps = {0};
    const float *f[6] = {sc->eps, sc->gamma, sc->kappa, sc->alphas, NULL, sc->base_gamma};
    const int nf[6] = {sc->n_eps, sc->n_gamma, sc->n_kappa, sc->n_alpha, sc->n_passes, sc->n_base_gamma};
    for (int k = 0; k < 6; k++) {
        edd_buf_append(&list[k], "", 0);
        for (int i = 0; i < nf[k]; i++)
            edd_buf_printf(&list[k], "%s%g", i ? ", " : "", f[k] ? (double)f[k][i] : (double)sc->passes_list[i]);
        t->err |= list[k].err;
    }
    edd_buf_append(&adv_steps, "", 0);
    if (sc->adv_method == EDD_ADV_PGD)
        edd_buf_printf(&adv_steps, ", %d steps", sc->adv_steps);
    t->err |= adv_steps.err;
    char tn[48], sn[48];
    if (sc->train_n)
        snprintf(tn, sizeof tn, "the first %zu", sc->train_n);
    else
        snprintf(tn, sizeof tn, "all");
    if (sc->study_n)
        snprintf(sn, sizeof sn, "the first %zu", sc->study_n);
    else
        snprintf(sn, sizeof sn, "all");
    edd_buf_printf(t, "## Settings (scale `%s`)\n\n"
                      "The scale's settings, whether or not this folder ran the stages that use them (the next "
                      "table says which ran).\n\n"
                      "- Main models (baseline, teacher, distilled, surrogates): %s training images, %d epochs, Adam lr %g, "
                      "batch %d, dropout %g (input) / %g (hidden) on while training.\n"
                      "- Distilled: N = %d passes, alpha %g, Eq. 3 hinge reading gamma %g, kappa %g, T = 1, K = 11 (outlier "
                      "last).\n"
                      "- Parameter studies (Figs. 2d-e): one distilled model per point on %s training images, %d "
                      "epochs, FGM eps %g; alpha in {%s} (N = %d); N in {%s} (alpha %g). Sigma for every N comes from one "
                      "run of the largest N (docs/REPRODUCING.md).\n"
                      "- FGM (ord inf) on the first %zu test images, eps in {%s}; JSMA (theta 1; cleverhans' float32 Jacobian of the "
                      "probabilities, and the exact one-gradient variant beside it) on the first "
                      "%zu, gamma in {%s}; CW-L2 (AdaDelta lr %g, rho %g, eps %g, %d iterations, %d binary-search steps "
                      "from c = %g) on the first %zu, kappa in {%s}; Fig. 2c also with Adam (lr %g), %d iterations x %d "
                      "binary-search steps. JSMA and CW targets drawn among the real classes.\n"
                      "- Baselines: temperature distillation at T = %g (teacher and distilled model K = 10); "
                      "adversarial training %s at L-inf eps %g%s, alone (K = 10) and with extended distillation of "
                      "that model (K = 11, adversarial training again while distilling); the Eq. 3 ablation's models "
                      "(penalty none, literal, hinge at kappa 10 and 100) from the teacher's sigma; JSMA of both at "
                      "gamma in {%s}, PGD-margin on the first %zu test images.\n"
                      "- Seeds: ",
                      sc->name, tn, sc->epochs, (double)tr.opt.lr, tr.batch, (double)REPRO_P_INPUT, (double)REPRO_P_HIDDEN,
                      sc->passes, (double)sc->alpha, (double)di.train.loss.gamma, (double)di.train.loss.kappa, sn, sc->study_epochs, (double)sc->study_eps, list[3].s, sc->passes, list[4].s,
                      (double)sc->alpha, sc->fgm_n, list[0].s, sc->jsma_n, list[1].s, (double)cw.learning_rate, (double)cw.rho,
                      (double)cw.eps, sc->cw_iterations, sc->cw_bsearch, (double)cw.initial_const, sc->cw_n,
                      list[2].s, (double)REPRO_CW_BUDGET_LR, sc->cw_big_iterations, sc->cw_big_bsearch,
                      (double)REPRO_TEMPERATURE, sc->adv_method == EDD_ADV_PGD ? "PGD" : "FGM-RS", (double)sc->adv_eps,
                      adv_steps.s, list[5].s, sc->sec_n);
    seeds_line(r, t);
    for (int k = 0; k < 6; k++)
        edd_buf_free(&list[k]);
    edd_buf_free(&adv_steps);
}

/* The figure CSVs, in report order, and their sections' titles (the
 * figure's name before the colon). */
static const char *const figs[][2] = {
    {"fig2a_fgm.csv", "Fig. 2a: white-box FGM (paper's loss and adaptive)"},
    {"fig2b_jsma.csv", "Fig. 2b: white-box JSMA (the paper's and exact-gradient)"},
    {"fig2c_cw.csv", "Fig. 2c: white-box CW-L2 (the paper's budget and a larger one)"},
    {"fig2d_alpha.csv", "Fig. 2d: alpha (FGM)"},
    {"fig2e_passes.csv", "Fig. 2e: N passes (FGM)"},
    {"fig3a_fgm.csv", "Fig. 3a: black-box FGM, defended surrogate"},
    {"fig3b_fgm.csv", "Fig. 3b: black-box FGM, undefended surrogate"},
    {"fig3c_jsma.csv", "Fig. 3c: black-box JSMA, defended surrogate (the paper's and exact-gradient)"},
    {"fig3d_jsma.csv", "Fig. 3d: black-box JSMA, undefended surrogate"},
    {"fig3e_cw.csv", "Fig. 3e: black-box CW-L2, defended surrogate"},
    {"fig3f_cw.csv", "Fig. 3f: black-box CW-L2, undefended surrogate"},
};
#define NFIGS (sizeof figs / sizeof figs[0])

void repro_absent(const repro *r, const char *who, edd_buf *t)
{
    static const char *const inputs[] = {"headline.csv", "security.csv", "baselines.csv", "ablation.csv",
                                         "standard.csv"};
    const size_t ninputs = sizeof inputs / sizeof inputs[0];
    int missing = 0;
    for (size_t i = 0; i < ninputs + NFIGS; i++) {
        const char *csv = i < ninputs ? inputs[i] : figs[i - ninputs][0];
        if (!repro_have(r, csv)) {
            if (!missing++)
                edd_buf_printf(t, "%s is part of a run (`--only`): absent are ", who);
            edd_buf_printf(t, "%s`%s`", missing > 1 ? ", " : "", csv);
        }
    }
    if (missing)
        edd_buf_printf(t, ". Their sections are left out; `edd reproduce` without `--only` makes them.\n\n");
}

/* 1 when the folder's csv has a row scored on target. */
static int has_target(repro *r, const char *csv, const char *target)
{
    repro_row *rows;
    int n, found = 0;
    if (!repro_have(r, csv) || repro_rows_read(r, csv, &rows, &n))
        return 0;
    for (int i = 0; i < n && !found; i++)
        found = !strcmp(rows[i].target, target);
    free(rows);
    return found;
}

/* One section from csv, or the one line saying csv is absent. */
static edd_status section(repro *r, edd_buf *t, const char *csv, const char *title,
                          edd_status (*write)(repro *, edd_buf *))
{
    if (!repro_have(r, csv)) {
        repro_section_absent(t, title, csv);
        return EDD_OK;
    }
    return write(r, t);
}

/* The sections read from the CSVs, in report order. */
static edd_status sections(repro *r, edd_buf *t)
{
    edd_status st = section(r, t, "headline.csv", "Headline (Section 4.2)", headline);
    if (!st)
        st = repro_report_adaptive(r, t);
    if (!st)
        st = section(r, t, "security.csv", "Does the defense hold? The worst case per image", repro_report_security);
    if (!st)
        st = section(r, t, "security.csv", "Gradient-masking diagnostics", repro_report_masking);
    if (!st)
        st = section(r, t, "baselines.csv", "Baselines", repro_report_baselines);
    if (!st)
        st = section(r, t, "ablation.csv", "Eq. 3 ablation", repro_report_ablation);
    if (!st)
        st = section(r, t, "standard.csv", "Does the defense hold? The standard suite", repro_report_standard);
    if (!st && repro_have(r, "standard.csv"))
        repro_report_grid(r, t, GRID_APGD);
    int dashed = 0, any = 0;
    for (size_t i = 0; i < NFIGS; i++) {
        dashed |= i < 3 && has_target(r, figs[i][0], "baseline");
        any |= repro_have(r, figs[i][0]);
    }
    if (!st)
        edd_buf_printf(t, "## Figures\n\n");
    if (!st && any)
        edd_buf_printf(t, "Rates are over all attacked images (recovered + detected + misclassified = 1); the "
                          "mean L2 is over the misclassified ones, the paper's x-axis (the CW plots put kappa on the x-axis "
                          "and the mean L2 on the right one).%s\n\n",
                       dashed ? " The white-box figures also hold the undefended baseline (model `baseline`: the same "
                                "attack made and scored on it), drawn dashed."
                              : "");
    for (size_t i = 0; !st && i < NFIGS; i++) {
        if (!repro_have(r, figs[i][0])) {
            char name[16];
            snprintf(name, sizeof name, "%.*s", (int)strcspn(figs[i][1], ":"), figs[i][1]);
            repro_section_absent(t, name, figs[i][0]);
            continue;
        }
        st = repro_report_figure(r, t, figs[i][0], figs[i][1]);
        if (!st && i < ATT_COUNT) /* Figs. 2a-c, white-box FGM, JSMA and CW: their digit grids */
            repro_report_grid(r, t, repro_grid_of((att_kind)i));
        if (!st && !strcmp(figs[i][0], "fig2c_cw.csv"))
            st = repro_report_cw_cliff(r, t);
    }
    return st;
}

edd_status repro_report(repro *r)
{
    edd_buf t = {0};
    if (repro_pipeline_test(r))
        edd_buf_printf(&t, "%s (scale `%s`): no section below gives a verdict.\n\n", REPRO_PIPELINE_TEST, r->sc->name);
    edd_buf_printf(&t, "# Extending Defensive Distillation: reproduction report\n\n"
                       "Papernot and McDaniel (2017), re-run on %s by `edd reproduce --scale %s%s`. %s"
                       "Its Figs. 2 and 3 are curves, ours are in `plots/` and in the tables below. "
                       "docs/REPRODUCING.md says where we read the paper.\n\n",
                       repro_data_title(r), r->sc->name, repro_on_mnist(r) ? "" : " --data fashion",
                       repro_on_mnist(r) ? "The paper's numbers are beside ours. "
                                         : "The paper reports nothing on this dataset: its column is empty. ");
    edd_status st = sections(r, &t);
    if (!st) {
        settings(r, &t);
        stage_times(r, &t);
        char cpu[256], date[64];
        const dnnl_version_t *v = dnnl_version();
        time_t now = time(NULL);
        strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", gmtime(&now));
        edd_cpu_name(cpu, sizeof cpu);
        edd_buf_printf(&t, "## Machine\n\n- CPU: %s, %ld cores online\n- OpenMP threads: %d; SIMD: %s\n- oneDNN %d.%d.%d "
                           "(%s)\n- written %s\n",
                       cpu, sysconf(_SC_NPROCESSORS_ONLN), edd_ctx_threads(r->ctx), edd_ctx_simd(r->ctx) == EDD_SIMD_AVX2 ? "AVX2" : "scalar",
                       v->major, v->minor, v->patch, v->cpu_runtime == DNNL_RUNTIME_OMP ? "OpenMP" : "other runtime", date);
    }
    if (!st)
        st = repro_write_text(r, "report.md", &t);
    edd_buf_free(&t);
    return st;
}
