/* optim.c - Adam (Kingma & Ba, with bias correction) and AdaDelta
 * (Zeiler 2012, with a learning rate as Keras and PyTorch apply it). */
#include "edd/nn.h"
#include "edd/internal/opts.h"

#include <math.h>
#include <stdlib.h>

void edd_optim_init(edd_optim *o, size_t size, edd_opt_kind kind)
{
    edd_optim def = {.kind = kind, .lr = 1e-3f, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f, .rho = 0.95f};
    if (kind == EDD_OPT_ADADELTA)
        def.lr = 0.1f;
    edd_opts_fill(o, size, &def, sizeof def);
}

edd_status edd_optim_alloc(edd_ctx *ctx, edd_optim *o, size_t n)
{
    edd_status st = EDD_OPTS_CHECK(ctx, edd_optim, o);
    if (st)
        return st;
    o->n = n;
    o->t = 0;
    o->m = calloc(n, sizeof(float));
    o->v = calloc(n, sizeof(float));
    if (!o->m || !o->v) {
        edd_optim_free(o);
        return edd_fail(ctx, EDD_ERR_NOMEM, "optimiser: out of memory for %zu parameters", n);
    }
    return EDD_OK;
}

void edd_optim_free(edd_optim *o)
{
    free(o->m);
    free(o->v);
    o->m = o->v = NULL;
}

void edd_optim_step(edd_optim *o, float *params, const float *grad)
{
    o->t++;
    float *m = o->m, *v = o->v;
    size_t n = o->n;
    if (o->kind == EDD_OPT_ADAM) {
        float b1 = o->beta1, b2 = o->beta2, eps = o->eps;
        float c1 = 1.0f / (1.0f - powf(b1, (float)o->t)), c2 = 1.0f / (1.0f - powf(b2, (float)o->t));
        float lr = o->lr;
        #pragma omp parallel for simd schedule(static) if (n >= 100000)
        for (size_t i = 0; i < n; i++) {
            float g = grad[i];
            m[i] = b1 * m[i] + (1.0f - b1) * g;
            v[i] = b2 * v[i] + (1.0f - b2) * g * g;
            params[i] -= lr * (m[i] * c1) / (sqrtf(v[i] * c2) + eps);
        }
        return;
    }
    /* AdaDelta: m = E[g^2], v = E[dx^2]. */
    float rho = o->rho, eps = o->eps, lr = o->lr;
    #pragma omp parallel for simd schedule(static) if (n >= 100000)
    for (size_t i = 0; i < n; i++) {
        float g = grad[i];
        m[i] = rho * m[i] + (1.0f - rho) * g * g;
        float dx = sqrtf(v[i] + eps) / sqrtf(m[i] + eps) * g;
        v[i] = rho * v[i] + (1.0f - rho) * dx * dx;
        params[i] -= lr * dx;
    }
}
