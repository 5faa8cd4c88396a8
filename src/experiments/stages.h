/* stages.h - private to the stage table (stages.c) and the stage bodies
 * it names, grouped by what they run: stages_sigma.c (Eq. 1: the sigma
 * parts and their join), stages_models.c (the models the figures and
 * baselines attack), stages_figs.c (the attack figures, the parameter
 * studies and Section 4.2's headline). Each body is a repro_stage_fn; the
 * helpers below are the ones two groups share. May call repro.h. */
#ifndef EDD_STAGES_H
#define EDD_STAGES_H

#include "edd/io.h"
#include "repro.h"

/* The most MC-dropout passes of the scale: N and every N of its study. */
int repro_max_passes(const edd_repro_scale *sc);
/* The training images the parameter studies use: the first study_n, or
 * all of them. */
size_t repro_study_n(const repro *r);
/* The points of the alpha study (by_passes 0) or of the N study (1). */
int repro_study_points(const edd_repro_scale *sc, int by_passes);
/* Read sigma/NAME.npy (rel) into *a, checked to hold `count` finite
 * float32 values. */
edd_status repro_read_sigma(repro *r, const char *rel, size_t count, edd_npy *a);

/* stages_sigma.c: sigma_1..sigma_4 and sigma. */
edd_status repro_st_sigma_part(repro *r, const repro_stage *s);
edd_status repro_st_sigma(repro *r, const repro_stage *s);

/* stages_models.c: baseline, teacher and surrogate_u (repro_st_plain),
 * distilled, surrogate_d, temperature, adv, adv_distilled, ablation. */
edd_status repro_st_plain(repro *r, const repro_stage *s);
edd_status repro_st_distilled(repro *r, const repro_stage *s);
edd_status repro_st_surrogate_d(repro *r, const repro_stage *s);
edd_status repro_st_temperature(repro *r, const repro_stage *s);
edd_status repro_st_adv(repro *r, const repro_stage *s);
edd_status repro_st_adv_distilled(repro *r, const repro_stage *s);
edd_status repro_st_ablation(repro *r, const repro_stage *s);

/* stages_figs.c: fig2a-c and fig3a-f (repro_st_attack_fig), the points
 * of the two studies and their joins, headline. */
edd_status repro_st_attack_fig(repro *r, const repro_stage *s);
edd_status repro_st_fig2d_point(repro *r, const repro_stage *s);
edd_status repro_st_fig2e_point(repro *r, const repro_stage *s);
edd_status repro_st_fig2d(repro *r, const repro_stage *s);
edd_status repro_st_fig2e(repro *r, const repro_stage *s);
edd_status repro_st_headline(repro *r, const repro_stage *s);

#endif
