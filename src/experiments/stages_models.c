/* stages_models.c - the stages that train a model (stages.h): the
 * undefended ones, the distilled model and the defended surrogate from the
 * teacher's sigma (Eqs. 2-3), temperature distillation, adversarial
 * training with and without extended distillation, and the Eq. 3
 * ablation's models. May call repro.h, edd/defense.h and edd/advtrain.h. */
#include "edd/advtrain.h"
#include "edd/defense.h"
#include "stages.h"

#include <stdio.h>
#include <string.h>

/* baseline, teacher, surrogate_u: an undefended CNN on one-hot labels,
 * each with its own seed. */
edd_status repro_st_plain(repro *r, const repro_stage *s)
{
    edd_cnn m = {0};
    edd_status st = repro_train_plain(r, s->seed, &m);
    if (!st)
        st = repro_save_model(r, s->name, &m, s->seed, r->train.n, r->sc->epochs);
    edd_cnn_free(&m);
    return st;
}

edd_status repro_st_distilled(repro *r, const repro_stage *s)
{
    edd_npy sig = {0};
    edd_cnn m = {0};
    edd_status st = repro_need_data(r, 1);
    if (!st)
        st = repro_read_sigma(r, "sigma/sigma.npy", r->train.n, &sig);
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
edd_status repro_st_surrogate_d(repro *r, const repro_stage *s)
{
    edd_cnn t = {0}, m = {0};
    edd_status st = repro_train_plain(r, SEED_SURR_D_TEACHER, &t);
    if (!st)
        st = repro_save_model(r, "surrogate_d_teacher", &t, SEED_SURR_D_TEACHER, r->train.n, r->sc->epochs);
    edd_distill_opts d;
    edd_distill_opts_default(&d);
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
edd_status repro_st_temperature(repro *r, const repro_stage *s)
{
    const edd_repro_scale *sc = r->sc;
    edd_cnn t = {0}, m = {0};
    edd_train_opts o;
    edd_train_opts_default(&o);
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
    edd_distill_opts d;
    edd_distill_opts_default(&d);
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
    edd_adv_opts a;
    edd_adv_opts_default(&a);
    a.kind = r->sc->adv_method;
    a.eps = r->sc->adv_eps;
    a.steps = r->sc->adv_steps;
    a.seed = repro_seed(r, seed);
    return a;
}

/* An undefended K = 10 model adversarially trained (docs/DEFENSE.md), seed
 * 11: each batch replaced by FGM-RS or PGD examples of the model as it
 * stands. */
edd_status repro_st_adv(repro *r, const repro_stage *s)
{
    const edd_repro_scale *sc = r->sc;
    edd_cnn m = {0};
    edd_adv_opts a = adv_opts(r, SEED_ADV);
    edd_train_opts o;
    edd_train_opts_default(&o);
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
edd_status repro_st_adv_distilled(repro *r, const repro_stage *s)
{
    const edd_repro_scale *sc = r->sc;
    edd_cnn t = {0}, m = {0};
    edd_adv_opts a = adv_opts(r, SEED_ADV_DISTILLED);
    edd_distill_opts d;
    edd_distill_opts_default(&d);
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
edd_status repro_st_ablation(repro *r, const repro_stage *s)
{
    (void)s;
    edd_npy sig = {0};
    edd_status st = repro_need_data(r, 1);
    if (!st)
        st = repro_read_sigma(r, "sigma/sigma.npy", r->train.n, &sig);
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
