/* test_nn_model.c - Adam and AdaDelta against formulas written out here
 * in double, and the model file (round trip, damage, size). */
#include <criterion/criterion.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "edd/io.h"
#include "edd/nn.h"
#include "testutil.h"

TestSuite(nn_optim, .timeout = 60);
TestSuite(nn_model, .timeout = 60);

/* ---------------------------------------------------------------- optimisers */

#define OPT_RTOL 2e-6

static void expect_vec(const char *what, const float *got, const double *want, int n, double atol)
{
    for (int i = 0; i < n; i++)
        cr_assert(fabs(got[i] - want[i]) <= atol + OPT_RTOL * fabs(want[i]), "%s[%d] = %.9g, expected %.9g", what, i, got[i],
                  want[i]);
}

/* Adam (Kingma & Ba, Algorithm 1) in double:
 *   m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2
 *   w -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps) */
Test(nn_optim, adam_two_steps)
{
    edd_ctx ctx;
    ctx_make(&ctx);
    edd_optim o;
    edd_optim_default(&o, EDD_OPT_ADAM);
    cr_assert_float_eq(o.lr, 1e-3f, 0, "Adam default lr %g", o.lr);
    cr_assert_eq(edd_optim_alloc(&ctx, &o, 3), EDD_OK, "%s", ctx.err);
    float w[3] = {0.5f, -1.25f, 2.0f};
    const float g1[3] = {0.3f, -2.0f, 1e-4f}, g2[3] = {-0.1f, -1.0f, 5e-3f};
    double W[3] = {0.5, -1.25, 2.0}, M[3] = {0}, V[3] = {0};
    /* the hyper-parameters are floats: use their exact float values */
    const double lr = 1e-3f, b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
    for (int step = 1; step <= 2; step++) {
        const float *g = step == 1 ? g1 : g2;
        double W0[3];
        for (int i = 0; i < 3; i++) {
            W0[i] = W[i];
            M[i] = b1 * M[i] + (1 - b1) * g[i];
            V[i] = b2 * V[i] + (1 - b2) * (double)g[i] * g[i];
            double mh = M[i] / (1 - pow(b1, step)), vh = V[i] / (1 - pow(b2, step));
            W[i] -= lr * mh / (sqrt(vh) + eps);
        }
        edd_optim_step(&o, w, g);
        cr_assert_eq(o.t, step, "t = %ld after %d steps", o.t, step);
        expect_vec("adam m", o.m, M, 3, 1e-12);
        expect_vec("adam v", o.v, V, 3, 1e-15);
        /* params: float rounding of values ~1 is ~1e-7; each step moves them by ~1e-3 */
        expect_vec("adam w", w, W, 3, 3e-7);
        for (int i = 0; i < 3; i++)
            cr_assert(fabs(W[i] - W0[i]) > 3e-4, "step %d moved w[%d] by only %g", step, i, W[i] - W0[i]);
    }
    edd_optim_free(&o);
    edd_ctx_free(&ctx);
}

/* AdaDelta (Zeiler 2012, with Keras' learning rate) in double:
 *   Eg = rho Eg + (1-rho) g^2
 *   dx = sqrt(Edx + eps) / sqrt(Eg + eps) * g
 *   Edx = rho Edx + (1-rho) dx^2
 *   w -= lr * dx */
Test(nn_optim, adadelta_three_steps)
{
    edd_ctx ctx;
    ctx_make(&ctx);
    edd_optim o;
    edd_optim_default(&o, EDD_OPT_ADADELTA);
    cr_assert_float_eq(o.lr, 0.1f, 0, "AdaDelta default lr %g", o.lr);
    cr_assert_float_eq(o.rho, 0.95f, 0, "AdaDelta default rho %g", o.rho);
    cr_assert_eq(edd_optim_alloc(&ctx, &o, 3), EDD_OK, "%s", ctx.err);
    float w[3] = {0.5f, -0.25f, 0.125f};
    const float gs[3][3] = {{0.3f, -2.0f, 1e-3f}, {-0.1f, -1.0f, 5e-3f}, {0.2f, 0.5f, -1e-2f}};
    double W[3] = {0.5, -0.25, 0.125}, Eg[3] = {0}, Ed[3] = {0};
    const double lr = 0.1f, rho = 0.95f, eps = 1e-8f; /* their float values */
    for (int step = 1; step <= 3; step++) {
        const float *g = gs[step - 1];
        double W0[3];
        for (int i = 0; i < 3; i++) {
            W0[i] = W[i];
            Eg[i] = rho * Eg[i] + (1 - rho) * (double)g[i] * g[i];
            double dx = sqrt(Ed[i] + eps) / sqrt(Eg[i] + eps) * g[i];
            Ed[i] = rho * Ed[i] + (1 - rho) * dx * dx;
            W[i] -= lr * dx;
        }
        edd_optim_step(&o, w, g);
        expect_vec("adadelta E[g^2]", o.m, Eg, 3, 1e-15);
        expect_vec("adadelta E[dx^2]", o.v, Ed, 3, 1e-18);
        /* steps are ~1e-5 here; params ~0.1..0.5 carry float rounding ~3e-8 */
        expect_vec("adadelta w", w, W, 3, 1e-7);
        for (int i = 0; i < 3; i++)
            cr_assert(fabs(W[i] - W0[i]) > 2e-6, "step %d moved w[%d] by only %g", step, i, W[i] - W0[i]);
    }
    edd_optim_free(&o);
    edd_ctx_free(&ctx);
}

/* ---------------------------------------------------------------- model file */

Test(nn_model, nparams)
{
    /* conv1 64*1*8*8+64, conv2 128*64*6*6+128, conv3 128*128*5*5+128, fc 128*K+K */
    cr_assert_eq(edd_cnn_nparams(10), (size_t)710218, "nparams(10) = %zu", edd_cnn_nparams(10));
    cr_assert_eq(edd_cnn_nparams(11), (size_t)710218 + 129, "nparams(11) = %zu", edd_cnn_nparams(11));
    edd_ctx ctx;
    ctx_make(&ctx);
    edd_cnn m;
    cr_assert_eq(edd_cnn_init(&ctx, &m, 10, 0.2f, 0.5f, 1), EDD_OK, "%s", ctx.err);
    size_t sum = 0;
    for (int t = 0; t < EDD_NTENSORS; t++) {
        cr_assert_eq(m.t[t].data, m.params + sum, "tensor %s not contiguous", m.t[t].name);
        sum += m.t[t].n;
    }
    cr_assert_eq(sum, m.nparams, "tensors hold %zu floats, nparams %zu", sum, m.nparams);
    cr_assert_str_eq(m.t[EDD_FC_W].name, "fc.weight");
    edd_cnn_free(&m);
    edd_ctx_free(&ctx);
}

static void tmp_path(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "/tmp/edd_test_nn_%d_%s", (int)getpid(), name);
}

static void round_trip(int k)
{
    edd_ctx ctx;
    ctx_make(&ctx);
    edd_cnn m, l;
    cr_assert_eq(edd_cnn_init(&ctx, &m, k, 0.2f, 0.5f, 3), EDD_OK, "%s", ctx.err);
    m.t[EDD_FC_B].data[0] = -0.0f; /* a signed zero and a denormal survive bit for bit */
    m.t[EDD_FC_B].data[1] = 1e-40f;
    char path[256];
    tmp_path(path, sizeof path, k == 10 ? "rt10.model" : "rt11.model");
    cr_assert_eq(edd_cnn_save(&ctx, &m, path), EDD_OK, "save: %s", ctx.err);
    cr_assert_eq(edd_cnn_load(&ctx, &l, path), EDD_OK, "load: %s", ctx.err);
    cr_assert_eq(l.k, k, "loaded K=%d, saved %d", l.k, k);
    cr_assert_eq(l.nparams, m.nparams);
    cr_assert(l.p_input == 0.2f && l.p_hidden == 0.5f, "dropout rates %g %g", l.p_input, l.p_hidden);
    cr_assert_eq(memcmp(l.params, m.params, m.nparams * sizeof(float)), 0, "K=%d parameters differ after the round trip", k);
    cr_assert_eq(l.t[EDD_FC_B].data, l.params + (m.t[EDD_FC_B].data - m.params), "loaded model not carved");
    unlink(path);
    edd_cnn_free(&m);
    edd_cnn_free(&l);
    edd_ctx_free(&ctx);
}

Test(nn_model, round_trip_k10) { round_trip(10); }
Test(nn_model, round_trip_k11) { round_trip(11); }

Test(nn_model, damaged_files_rejected)
{
    edd_ctx ctx;
    ctx_make(&ctx);
    edd_cnn m, l;
    cr_assert_eq(edd_cnn_init(&ctx, &m, 10, 0.2f, 0.5f, 4), EDD_OK, "%s", ctx.err);
    char path[256];
    tmp_path(path, sizeof path, "damaged.model");
    cr_assert_eq(edd_cnn_save(&ctx, &m, path), EDD_OK, "save: %s", ctx.err);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    cr_assert_eq(size, (long)(EDD_MODEL_HEADER_BYTES + 4 * m.nparams + EDD_MODEL_CRC_BYTES), "file of %ld bytes", size);
    unsigned char *buf = malloc((size_t)size);
    cr_assert_eq(fread(buf, 1, (size_t)size, f), (size_t)size);
    fclose(f);

    /* One flipped bit in the middle of the parameters: the CRC catches it. */
    buf[size / 2] ^= 0x10;
    f = fopen(path, "wb");
    cr_assert_eq(fwrite(buf, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    memset(&l, 0, sizeof l);
    ctx.err[0] = 0;
    edd_status st = edd_cnn_load(&ctx, &l, path);
    cr_assert_eq(st, EDD_ERR_FORMAT, "flipped byte: status %d (%s)", st, ctx.err);
    cr_assert_not_null(strstr(ctx.err, path), "message does not name the file: %s", ctx.err);
    cr_assert_null(l.params, "a rejected load left parameters allocated");

    /* Truncated by 100 bytes (restored byte, so only the length is wrong). */
    buf[size / 2] ^= 0x10;
    f = fopen(path, "wb");
    cr_assert_eq(fwrite(buf, 1, (size_t)size - 100, f), (size_t)size - 100);
    fclose(f);
    ctx.err[0] = 0;
    st = edd_cnn_load(&ctx, &l, path);
    cr_assert_eq(st, EDD_ERR_FORMAT, "truncated: status %d (%s)", st, ctx.err);
    cr_assert_not_null(strstr(ctx.err, path), "message does not name the file: %s", ctx.err);

    /* The intact bytes load (so the two rejections above were the damage). */
    f = fopen(path, "wb");
    cr_assert_eq(fwrite(buf, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    cr_assert_eq(edd_cnn_load(&ctx, &l, path), EDD_OK, "intact: %s", ctx.err);
    cr_assert_eq(memcmp(l.params, m.params, m.nparams * sizeof(float)), 0);
    edd_cnn_free(&l);
    unlink(path);
    free(buf);
    edd_cnn_free(&m);
    edd_ctx_free(&ctx);
}
