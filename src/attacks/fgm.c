/* fgm.c - the fast gradient method as cleverhans v2 fgm() (attacks_tf.py),
 * untargeted with the true label, clipped to [clip_min, clip_max]
 * (docs/DESIGN.md section 8: the loss over all K outputs, our reading of how the paper ran cleverhans v2,
 * or, for the adaptive attacker, over the real classes only or the
 * detector-aware margin of objective.c). */
#include "edd/attacks.h"
#include "edd/internal/objective.h"
#include "edd/internal/opts.h"

#include <math.h>
#include <string.h>

void edd_fgm_opts_init(edd_fgm_opts *o, size_t size)
{
    const edd_fgm_opts def = {.eps = 0.3f, .ord = 0, .loss = EDD_LOSS_ALL, .margin_cap = EDD_ATTACK_MARGIN_CAP, .n_real = EDD_N_REAL,
                              .clip_min = 0.0f, .clip_max = 1.0f, .max_rows = 0};
    edd_opts_fill(o, size, &def, sizeof def);
}

edd_status edd_fgm(edd_ctx *ctx, const edd_cnn *m, const float *x, const uint8_t *y, size_t n,
                   const edd_fgm_opts *o, float *adv)
{
    edd_status st = EDD_OPTS_CHECK(ctx, edd_fgm_opts, o);
    if (st)
        return st;
    if (o->ord != 0 && o->ord != 2)
        return edd_fail(ctx, EDD_ERR_ARG, "fgm: ord %d, expected 0 (infinity) or 2", o->ord);
    if (!(o->eps >= 0.0f) || !(o->clip_min <= o->clip_max))
        return edd_fail(ctx, EDD_ERR_ARG, "fgm: eps %g, clip [%g, %g]: expected eps >= 0 and clip_min <= clip_max",
                        o->eps, o->clip_min, o->clip_max);
    edd_objective obj = {o->loss, o->n_real, o->margin_cap, y};
    st = edd_objective_check(ctx, "fgm", &obj, m->k, n);
    if (st)
        return st;
    edd_gradder *g;
    if ((st = edd_gradder_create(ctx, m->k, o->max_rows, &g)))
        return st;
    /* the gradient lands in adv, which is then turned into x + eps * direction */
    st = edd_grad_input(ctx, g, m, x, n, 1, edd_objective_dz_fn, &obj, adv);
    edd_gradder_free(g);
    if (st)
        return st;
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) {
        const float *xi = x + i * EDD_IMG_SIZE;
        float *a = adv + i * EDD_IMG_SIZE, scale = o->eps;
        if (o->ord == 2) {
            double s = 0.0;
            for (int j = 0; j < EDD_IMG_SIZE; j++)
                s += (double)a[j] * a[j];
            scale = edd_l2_step_scale(o->eps, s);
        }
        for (int j = 0; j < EDD_IMG_SIZE; j++) {
            float dir = o->ord == 2 ? a[j] : (float)((a[j] > 0.0f) - (a[j] < 0.0f));
            float v = xi[j] + scale * dir;
            a[j] = v < o->clip_min ? o->clip_min : v > o->clip_max ? o->clip_max : v;
        }
    }
    return EDD_OK;
}
