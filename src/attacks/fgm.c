/* fgm.c - the fast gradient method as cleverhans v2 fgm() (attacks_tf.py),
 * untargeted with the true label, clipped to [clip_min, clip_max]
 * (docs/DESIGN.md section 8: the loss over all K outputs as the paper ran it,
 * or over the real classes only for the adaptive attacker). */
#include "edd/attacks.h"

#include <math.h>
#include <string.h>

edd_fgm_opts edd_fgm_defaults(void)
{
    edd_fgm_opts o = {.eps = 0.3f, .ord = 0, .real_only = 0, .n_real = EDD_N_REAL, .clip_min = 0.0f,
                      .clip_max = 1.0f, .max_rows = 0};
    return o;
}

typedef struct {
    const uint8_t *y;
    int kk; /* outputs the softmax runs over: K, or n_real */
} xent_user;

/* dz = softmax(z[0..kk)) - onehot(y), and 0 on the outputs beyond kk: the
 * gradient of the per-image cross-entropy (cleverhans model_loss). */
static void xent_dz(void *user, size_t row0, int rows, int k, const float *z, float *dz)
{
    const xent_user *u = user;
    for (int i = 0; i < rows; i++) {
        const float *zr = z + (size_t)i * k;
        float *d = dz + (size_t)i * k;
        double p[1000];
        edd_softmax_f64(zr, u->kk, p);
        for (int c = 0; c < k; c++)
            d[c] = c < u->kk ? (float)p[c] : 0.0f;
        d[u->y[row0 + (size_t)i]] -= 1.0f;
    }
}

edd_status edd_fgm(edd_ctx *ctx, const edd_cnn *m, const float *x, const uint8_t *y, size_t n,
                   const edd_fgm_opts *o, float *adv)
{
    if (o->ord != 0 && o->ord != 2)
        return edd_fail(ctx, EDD_ERR_ARG, "fgm: ord %d, expected 0 (infinity) or 2", o->ord);
    if (!(o->eps >= 0.0f) || !(o->clip_min <= o->clip_max))
        return edd_fail(ctx, EDD_ERR_ARG, "fgm: eps %g, clip [%g, %g]: expected eps >= 0 and clip_min <= clip_max",
                        o->eps, o->clip_min, o->clip_max);
    int kk = o->real_only ? o->n_real : m->k;
    if (kk < 2 || kk > m->k)
        return edd_fail(ctx, EDD_ERR_ARG, "fgm: n_real %d with K=%d, expected 2..K", o->n_real, m->k);
    for (size_t i = 0; i < n; i++)
        if (y[i] >= kk)
            return edd_fail(ctx, EDD_ERR_ARG, "fgm: label %d of image %zu, expected < %d", y[i], i, kk);
    edd_gradder *g;
    edd_status st = edd_gradder_create(ctx, m->k, o->max_rows, &g);
    if (st)
        return st;
    xent_user u = {y, kk};
    /* the gradient lands in adv, which is then turned into x + eps * direction */
    st = edd_grad_input(ctx, g, m, x, n, 1, xent_dz, &u, adv);
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
            scale = s > 0.0 ? (float)(o->eps / sqrt(s)) : 0.0f;
        }
        for (int j = 0; j < EDD_IMG_SIZE; j++) {
            float dir = o->ord == 2 ? a[j] : (float)((a[j] > 0.0f) - (a[j] < 0.0f));
            float v = xi[j] + scale * dir;
            a[j] = v < o->clip_min ? o->clip_min : v > o->clip_max ? o->clip_max : v;
        }
    }
    return EDD_OK;
}
