/* stages.c - the paper's experiments as a table of named stages: what
 * each stage computes, what it depends on and which settings it reads
 * (docs/REPRODUCING.md). runner.c runs the table; the stage bodies are
 * in stages_sigma.c, stages_models.c and stages_figs.c (stages.h), the
 * others in security.c, baselines.c and standard.c; the plots stage draws
 * the digit grids (grid.h) too. */
#include "grid.h"
#include "standard.h"
#include "stages.h"

#include <string.h>

static const char *const plot_figs[][2] = {
    {"fig2a", "fig2a_fgm.csv"},  {"fig2b", "fig2b_jsma.csv"}, {"fig2c", "fig2c_cw.csv"},
    {"fig2d", "fig2d_alpha.csv"}, {"fig2e", "fig2e_passes.csv"}, {"fig3a", "fig3a_fgm.csv"},
    {"fig3b", "fig3b_fgm.csv"},  {"fig3c", "fig3c_jsma.csv"}, {"fig3d", "fig3d_jsma.csv"},
    {"fig3e", "fig3e_cw.csv"},   {"fig3f", "fig3f_cw.csv"},
};

/* The digit grids first (no gnuplot in them), then gnuplot's plots. */
static edd_status st_plots(repro *r, const repro_stage *s)
{
    (void)s;
    edd_status st = repro_grid_draw_all(r);
    for (size_t i = 0; !st && i < sizeof plot_figs / sizeof plot_figs[0]; i++)
        if (repro_have(r, plot_figs[i][1]))
            st = repro_plot(r, plot_figs[i][0], plot_figs[i][1]);
    if (!st && repro_have(r, "security.csv"))
        st = repro_plot_security(r);
    if (!st && repro_have(r, "baselines.csv"))
        st = repro_plot_baselines(r);
    if (!st && repro_have(r, "logit_gap.csv"))
        st = repro_plot_logit_gap(r);
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
    {"sigma_" #k, repro_st_sigma_part, B(S_TEACHER), G_TRAIN | G_N | G_SIGMA, {0},                                 \
     "teacher's MC-dropout passes (Eq. 1) over part " #k " of the training images", 0, k}
/* The points of a study: the EDD_REPRO_STUDY_POINTS stages from `first`. */
#define POINTS(first) ((B(EDD_REPRO_STUDY_POINTS) - 1) << (first))
#define STUDY_USES (G_TRAIN | G_N | G_ALPHA | G_SIGMA | G_STUDY)
#define STUDY_POINT(fig, fn, k, what)                                                                             \
    {fig "_" #k, fn, B(S_SIGMA) | B(S_DISTILLED), STUDY_USES, {0},                                                 \
     what ", point " #k " of the scale's list (none past its end)", 0, k}
#define FIG2D_POINT(k) STUDY_POINT("fig2d", repro_st_fig2d_point, k, "FGM against alpha")
#define FIG2E_POINT(k) STUDY_POINT("fig2e", repro_st_fig2e_point, k, "FGM against N")
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
    [S_BASELINE] = {"baseline", repro_st_plain, 0, G_TRAIN, {0}, "undefended model, K=10", SEED_BASELINE},
    [S_TEACHER] = {"teacher", repro_st_plain, 0, G_TRAIN, {0}, "the distilled model's teacher", SEED_TEACHER},
    [S_SIGMA_1] = SIGMA_PART(1),
    [S_SIGMA_2] = SIGMA_PART(2),
    [S_SIGMA_3] = SIGMA_PART(3),
    [S_SIGMA_4] = SIGMA_PART(4),
    [S_SIGMA] = {"sigma", repro_st_sigma, SIGMA_PARTS, G_TRAIN | G_N | G_SIGMA, {0},
                 "teacher's MC-dropout sigma (Eq. 1) for every N, its parts joined"},
    [S_DISTILLED] = {"distilled", repro_st_distilled, B(S_SIGMA), G_TRAIN | G_N | G_ALPHA, {0},
                     "distilled model, K=11 (Eqs. 2-3)"},
    [S_SURR_U] = {"surrogate_u", repro_st_plain, 0, G_TRAIN, {0}, "undefended black-box surrogate", SEED_SURR_U},
    [S_SURR_D] = {"surrogate_d", repro_st_surrogate_d, 0, G_TRAIN | G_N | G_ALPHA, {0},
                  "defended surrogate: its own teacher, then its distillation"},
    [S_FIG2A] = {"fig2a", repro_st_attack_fig, B(S_BASELINE) | B(S_DISTILLED), G_TRAIN | G_FGM,
                 {ATT_FGM, "distilled", VAR_ADAPTIVE}, "white-box FGM"},
    [S_FIG2B] = {"fig2b", repro_st_attack_fig, B(S_BASELINE) | B(S_DISTILLED), G_TRAIN | G_JSMA,
                 {ATT_JSMA, "distilled", VAR_ADAPTIVE}, "white-box JSMA"},
    [S_FIG2C] = {"fig2c", repro_st_attack_fig, B(S_BASELINE) | B(S_DISTILLED), G_TRAIN | G_CW | G_CW_BUDGET,
                 {ATT_CW, "distilled", VAR_BUDGET}, "white-box CW-L2, the paper's budget and a larger one"},
    [S_FIG3A] = {"fig3a", repro_st_attack_fig, B(S_DISTILLED) | B(S_SURR_D), G_TRAIN | G_FGM,
                 {ATT_FGM, "surrogate_d", VAR_ADAPTIVE}, "black-box FGM, D"},
    [S_FIG3B] = {"fig3b", repro_st_attack_fig, B(S_DISTILLED) | B(S_SURR_U), G_TRAIN | G_FGM,
                 {ATT_FGM, "surrogate_u", VAR_PAPER}, "black-box FGM, U"},
    [S_FIG3C] = {"fig3c", repro_st_attack_fig, B(S_DISTILLED) | B(S_SURR_D), G_TRAIN | G_JSMA,
                 {ATT_JSMA, "surrogate_d", VAR_ADAPTIVE}, "black-box JSMA, D"},
    [S_FIG3D] = {"fig3d", repro_st_attack_fig, B(S_DISTILLED) | B(S_SURR_U), G_TRAIN | G_JSMA,
                 {ATT_JSMA, "surrogate_u", VAR_PAPER}, "black-box JSMA, U"},
    [S_FIG3E] = {"fig3e", repro_st_attack_fig, B(S_DISTILLED) | B(S_SURR_D), G_TRAIN | G_CW,
                 {ATT_CW, "surrogate_d", VAR_PAPER}, "black-box CW, D"},
    [S_FIG3F] = {"fig3f", repro_st_attack_fig, B(S_DISTILLED) | B(S_SURR_U), G_TRAIN | G_CW,
                 {ATT_CW, "surrogate_u", VAR_PAPER}, "black-box CW, U"},
    [S_HEADLINE] = {"headline", repro_st_headline,
                    B(S_BASELINE) | B(S_DISTILLED) | B(S_FIG2A) | B(S_FIG2B) | B(S_FIG2C),
                    G_TRAIN | G_FGM | G_JSMA | G_CW | G_CW_BUDGET, {0}, "Section 4.2's numbers"},
    [S_FIG2D_1] = FIG2D_POINT(1),
    [S_FIG2D_2] = FIG2D_POINT(2),
    [S_FIG2D_3] = FIG2D_POINT(3),
    [S_FIG2D_4] = FIG2D_POINT(4),
    [S_FIG2D_5] = FIG2D_POINT(5),
    [S_FIG2D_6] = FIG2D_POINT(6),
    [S_FIG2D_7] = FIG2D_POINT(7),
    [S_FIG2D] = {"fig2d", repro_st_fig2d, POINTS(S_FIG2D_1), STUDY_USES, {0}, "FGM against alpha, its points joined"},
    [S_FIG2E_1] = FIG2E_POINT(1),
    [S_FIG2E_2] = FIG2E_POINT(2),
    [S_FIG2E_3] = FIG2E_POINT(3),
    [S_FIG2E_4] = FIG2E_POINT(4),
    [S_FIG2E_5] = FIG2E_POINT(5),
    [S_FIG2E_6] = FIG2E_POINT(6),
    [S_FIG2E_7] = FIG2E_POINT(7),
    [S_FIG2E] = {"fig2e", repro_st_fig2e, POINTS(S_FIG2E_1), STUDY_USES, {0}, "FGM against N, its points joined"},
    [S_SECURITY] = {"security", repro_st_security, B(S_BASELINE) | B(S_DISTILLED) | B(S_SURR_U) | B(S_SURR_D),
                    G_TRAIN | G_SEC, {0}, "the worst case per image over FGM, PGD and transfer (security curve)"},
    [S_TEMPERATURE] = {"temperature", repro_st_temperature, 0, G_TRAIN, {0},
                       "temperature distillation at T = 100 (2016): its teacher, then the distilled K=10 model"},
    [S_ADV] = {"adv", repro_st_adv, 0, G_TRAIN | G_ADV, {0}, "adversarially trained model, K=10"},
    [S_ADV_DISTILLED] = {"adv_distilled", repro_st_adv_distilled, B(S_ADV), G_TRAIN | G_N | G_ALPHA | G_ADV, {0},
                         "extended distillation of the adv model with adversarial training (Eqs. 1-3)"},
    [S_ABLATION] = {"ablation", repro_st_ablation, B(S_SIGMA), G_TRAIN | G_N | G_ALPHA, {0},
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
                            "the Eq. 3 ablation's models under FGM, JSMA and PGD-margin, and their logit gaps"},
    [S_STANDARD_1] = STANDARD_PART(1, S_BASELINE),
    [S_STANDARD_2] = STANDARD_PART(2, S_TEMPERATURE),
    [S_STANDARD_3] = STANDARD_PART(3, S_DISTILLED),
    [S_STANDARD_4] = STANDARD_PART(4, S_ADV),
    [S_STANDARD_5] = STANDARD_PART(5, S_ADV_DISTILLED),
    [S_STANDARD] = {"standard", repro_st_standard, (B(REPRO_BASE_NMODELS) - 1) << S_STANDARD_1, G_TRAIN | G_STD, {0},
                    "the five models under the standard suite, their parts joined"},
    [S_PLOTS] = {"plots", st_plots, ALL_FIGS | B(S_SECURITY) | B(S_BASELINES) | B(S_ABLATION_ATTACKS) | B(S_STANDARD),
                 G_ALL, {0},
                 "PNG plots (gnuplot) and the digit grids"},
    [S_REPORT] = {"report", st_report,
                  ALL_FIGS | B(S_HEADLINE) | B(S_SECURITY) | B(S_PLOTS) | B(S_BASELINE) | B(S_TEACHER) |
                  B(S_SIGMA) | B(S_DISTILLED) | B(S_SURR_U) | B(S_SURR_D) | BASE_MODELS | B(S_ABLATION) |
                  B(S_BASELINES) | B(S_ABLATION_ATTACKS) | B(S_STANDARD), G_ALL, {0}, "report.md"},
};

int edd_repro_stage_count(void) { return S_COUNT; }

int repro_stage_summary(int i) { return i == S_PLOTS || i == S_REPORT; }

int repro_part_works(const edd_repro_scale *sc, int i)
{
    if (i >= S_FIG2D_1 && i < S_FIG2D)
        return repro_stages[i].part <= repro_study_points(sc, 0);
    if (i >= S_FIG2E_1 && i < S_FIG2E)
        return repro_stages[i].part <= repro_study_points(sc, 1);
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
