/* cnn.c - the CNN's parameters: one allocation carved into named tensors
 * in PyTorch order, Keras-style initialisation, the model file, the model
 * as a handle (edd_cnn_open/_close/_classes, for the Python binding), and
 * edd_argmax over a row of logits. */
#include "edd/nn.h"
#include "edd/io.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Shapes in PyTorch order and names (edd export writes NAME.npy), from
 * the layer table EDD_CNN: conv weights OIHW, fc's [K][128]. */
static void shapes(int k, edd_tensor t[EDD_NTENSORS])
{
    for (int l = 0; l < EDD_NLAYERS; l++) {
        const edd_layer_shape *L = &EDD_CNN[l];
        edd_tensor *W = &t[2 * l], *B = &t[2 * l + 1];
        const int64_t w[4] = {edd_layer_out_c(l, k), L->in_c, L->kernel, L->kernel};
        W->name = L->weight_name;
        B->name = L->bias_name;
        W->rank = l == EDD_L_FC ? 2 : 4;
        memcpy(W->ne, w, sizeof w);
        W->n = (size_t)(w[0] * w[1] * w[2] * w[3]);
        B->rank = 1;
        B->ne[0] = w[0];
        B->ne[1] = B->ne[2] = B->ne[3] = 1;
        B->n = (size_t)w[0];
    }
}

size_t edd_cnn_nparams(int k)
{
    edd_tensor t[EDD_NTENSORS];
    shapes(k, t);
    size_t n = 0;
    for (int i = 0; i < EDD_NTENSORS; i++)
        n += t[i].n;
    return n;
}

void edd_cnn_carve(const edd_cnn *m, float *buf, edd_tensor t[EDD_NTENSORS])
{
    shapes(m->k, t);
    for (int i = 0; i < EDD_NTENSORS; i++) {
        t[i].data = buf;
        buf += t[i].n;
    }
}

int edd_argmax(const float *z, int k)
{
    int best = 0;
    for (int j = 1; j < k; j++)
        if (z[j] > z[best])
            best = j;
    return best;
}

static edd_status check_arch(edd_ctx *ctx, const char *what, int k, float pi, float ph)
{
    if (k < 2 || k > EDD_K_MAX)
        return edd_fail(ctx, EDD_ERR_ARG, "%s: K=%d outputs, expected 2..%d", what, k, EDD_K_MAX);
    if (!(pi >= 0 && pi < 1) || !(ph >= 0 && ph < 1))
        return edd_fail(ctx, EDD_ERR_ARG, "%s: dropout rates %g and %g, expected each in [0,1)", what, pi, ph);
    return EDD_OK;
}

static edd_status alloc_params(edd_ctx *ctx, edd_cnn *m, int k, float pi, float ph)
{
    memset(m, 0, sizeof *m);
    m->k = k;
    m->p_input = pi;
    m->p_hidden = ph;
    m->nparams = edd_cnn_nparams(k);
    m->params = aligned_alloc(64, (m->nparams * sizeof(float) + 63) / 64 * 64);
    if (!m->params)
        return edd_fail(ctx, EDD_ERR_NOMEM, "cnn: out of memory for %zu parameters", m->nparams);
    edd_cnn_carve(m, m->params, m->t);
    return EDD_OK;
}

edd_status edd_cnn_init(edd_ctx *ctx, edd_cnn *m, int k, float p_input, float p_hidden, uint64_t seed)
{
    edd_status st = check_arch(ctx, "cnn", k, p_input, p_hidden);
    if (st || (st = alloc_params(ctx, m, k, p_input, p_hidden)))
        return st;
    for (int l = 0; l < EDD_NLAYERS; l++) {
        edd_tensor *W = &m->t[2 * l];
        /* Glorot uniform as Keras computes it: fan_in = I*kh*kw, fan_out = O*kh*kw. */
        double rf = (double)(W->ne[2] * W->ne[3]);
        double fan_in = (double)W->ne[1] * rf, fan_out = (double)W->ne[0] * rf;
        float lim = (float)sqrt(6.0 / (fan_in + fan_out));
        uint64_t key = edd_rng_key(seed, 0x1A1E7, (uint64_t)l);
        for (size_t i = 0; i < W->n; i++)
            W->data[i] = (2.0f * edd_rng_uniform(key, (uint32_t)i) - 1.0f) * lim;
        memset(m->t[2 * l + 1].data, 0, m->t[2 * l + 1].n * sizeof(float));
    }
    return EDD_OK;
}

void edd_cnn_free(edd_cnn *m)
{
    free(m->params);
    m->params = NULL;
}

edd_status edd_cnn_save(edd_ctx *ctx, const edd_cnn *m, const char *path)
{
    edd_model_header h = {.k = (uint32_t)m->k, .p_input = m->p_input, .p_hidden = m->p_hidden, .nparams = m->nparams,
                          .prov = m->prov};
    return edd_model_file_write(ctx, path, &h, m->params);
}

edd_status edd_cnn_load(edd_ctx *ctx, edd_cnn *m, const char *path)
{
    edd_model_header h;
    float *p = NULL;
    edd_status st = edd_model_file_read(ctx, path, &h, &p);
    if (st)
        return st;
    if ((st = check_arch(ctx, path, (int)h.k, h.p_input, h.p_hidden)))
        goto out;
    size_t want = edd_cnn_nparams((int)h.k);
    if (h.nparams != want) {
        st = edd_fail(ctx, EDD_ERR_FORMAT, "%s: %llu parameters, expected %zu for the CNN with K=%u", path,
                      (unsigned long long)h.nparams, want, h.k);
        goto out;
    }
    if ((st = alloc_params(ctx, m, (int)h.k, h.p_input, h.p_hidden)))
        goto out;
    memcpy(m->params, p, want * sizeof(float));
    m->prov = h.prov;
out:
    free(p);
    return st;
}

edd_status edd_cnn_open(edd_ctx *ctx, const char *path, edd_cnn **out)
{
    *out = NULL;
    edd_cnn *m = calloc(1, sizeof *m);
    if (!m)
        return edd_nomem(ctx, sizeof *m, "the model of %s", path);
    edd_status st = edd_cnn_load(ctx, m, path);
    if (st) {
        free(m);
        return st;
    }
    *out = m;
    return EDD_OK;
}

void edd_cnn_close(edd_cnn *m)
{
    if (!m)
        return;
    edd_cnn_free(m);
    free(m);
}

int edd_cnn_classes(const edd_cnn *m) { return m->k; }
