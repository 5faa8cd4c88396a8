/* profile.c - each plan kind profiled at the batch size its stages use,
 * over a few real steps on a random model and random images, and the
 * same-run dnnl_sgemm peak the profiles are read against (edd/profile.h).
 * `edd info --profile` and bench/profile run them. May call: core, nn
 * (models, plans, loss, optimiser, plan_prof.c), oneDNN (dnnl_sgemm). */
#include "edd/internal/ctx.h"
#include "edd/profile.h"
#include "edd/progress.h"

#include <oneapi/dnnl/dnnl.h>
#include <stdlib.h>
#include <string.h>

#define PROFILE_WARMUP 2
#define JSMA_GRADDER_ROWS 256 /* src/attacks/grad.c's GRADDER_DEFAULT_ROWS */

int edd_profile_specs(int k, edd_profile_spec *out, int max)
{
    int jac = 1;
    while (k > 0 && jac * 2 <= JSMA_GRADDER_ROWS / k)
        jac *= 2;
    const edd_profile_spec all[] = {
        {"train", "training, distillation, adversarial training", EDD_PLAN_TRAIN, 128, 1, 1},
        {"inference", "evaluation, prediction", EDD_PLAN_INFER, 128, 1, 0},
        {"mc", "MC-dropout passes (folded rows)", EDD_PLAN_INFER, 320, 1, 1},
        {"input_grad", "CW, PGD, FGM (the input gradient)", EDD_PLAN_INPUT_GRAD, 100, 1, 0},
        {"jacobian", "JSMA (the Jacobian)", EDD_PLAN_INPUT_GRAD, jac, k, 0},
    };
    int n = (int)(sizeof all / sizeof all[0]);
    for (int i = 0; i < n && i < max; i++)
        out[i] = all[i];
    return n;
}

/* What a profile's steps run on. */
typedef struct {
    edd_cnn m;
    edd_plan *p, *src; /* src: a Jacobian's forward plan of the images */
    edd_trainer *tr;   /* train: the parameters in the plan's layouts, as edd_train keeps them */
    float *x, *t, *z, *dz, *dx;
} prof_work;

static void work_free(prof_work *w)
{
    edd_plan_free(w->p);
    edd_plan_free(w->src);
    edd_trainer_free(w->tr);
    edd_cnn_free(&w->m);
    free(w->x); free(w->t); free(w->z); free(w->dz); free(w->dx);
}

/* The model, plans and buffers of a profile of s; random images, one-hot
 * targets (train) and one-hot output gradients (input_grad, jacobian). */
static edd_status work_make(edd_ctx *ctx, const edd_profile_spec *s, int k, prof_work *w)
{
    const int rows = s->images * s->rep;
    edd_status st;
    edd_optim opt;
    edd_optim_default(&opt, EDD_OPT_ADAM);
    if ((st = edd_cnn_init(ctx, &w->m, k, 0.2f, 0.5f, 1)) || (st = edd_plan_create(ctx, &w->m, rows, s->kind, 0, &w->p)) ||
        (s->rep > 1 && (st = edd_plan_create(ctx, &w->m, s->images, EDD_PLAN_INPUT_GRAD, 0, &w->src))) ||
        (s->kind == EDD_PLAN_TRAIN && (st = edd_trainer_create(ctx, &w->m, &opt, &w->tr))))
        return st;
    w->x = malloc((size_t)s->images * EDD_IMG_SIZE * sizeof(float));
    w->t = calloc((size_t)rows * k, sizeof(float));
    w->z = malloc((size_t)rows * k * sizeof(float));
    w->dz = malloc((size_t)rows * k * sizeof(float));
    w->dx = malloc((size_t)rows * EDD_IMG_SIZE * sizeof(float));
    if (!w->x || !w->t || !w->z || !w->dz || !w->dx)
        return edd_fail(ctx, EDD_ERR_NOMEM, "profile: out of memory for %s at %d rows", s->name, rows);
    for (size_t i = 0; i < (size_t)s->images * EDD_IMG_SIZE; i++)
        w->x[i] = edd_rng_uniform(42, (uint32_t)i);
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < k; j++)
            w->t[(size_t)i * k + j] = w->dz[(size_t)i * k + j] = j == i % k ? 1.0f : 0.0f;
    return EDD_OK;
}

/* Step i of s (edd_profile's list says what a step is). */
static edd_status step(edd_ctx *ctx, const edd_profile_spec *s, prof_work *w, int i)
{
    edd_dropout dr = {.on = 1, .seed = 1, .stream = (uint64_t)i};
    edd_status st;
    if (s->kind == EDD_PLAN_INFER)
        return edd_plan_forward(ctx, w->p, &w->m, w->x, s->dropout ? &dr : NULL, w->z);
    if (s->kind == EDD_PLAN_INPUT_GRAD) {
        if ((st = s->rep > 1 ? edd_plan_forward_replicated(ctx, w->p, w->src, &w->m, w->x, s->rep, w->z)
                             : edd_plan_forward(ctx, w->p, &w->m, w->x, NULL, w->z)))
            return st;
        return edd_plan_backward(ctx, w->p, &w->m, w->dz, NULL, w->dx);
    }
    if ((st = edd_trainer_forward(ctx, w->tr, w->p, w->x, s->dropout ? &dr : NULL, w->z)))
        return st;
    edd_loss_xent(w->z, w->t, NULL, s->images, w->m.k, NULL, w->dz);
    return edd_trainer_step(ctx, w->tr, w->p, w->dz);
}

/* Append plan p's primitives that ran to out->rows, names prefixed. */
static void rows_add(edd_profile *out, const edd_plan *p, const char *prefix)
{
    edd_prim_prof r[EDD_PLAN_MAX_PRIMS];
    int n = edd_plan_profile_rows(p, r, EDD_PLAN_MAX_PRIMS);
    for (int i = 0; i < n && i < EDD_PLAN_MAX_PRIMS && out->nrows < EDD_PROFILE_MAX_ROWS; i++) {
        if (!r[i].calls)
            continue;
        char *name = r[i].prim.name;
        size_t lp = strlen(prefix), ln = strlen(name);
        if (lp + ln < sizeof r[i].prim.name) {
            memmove(name + lp, name, ln + 1);
            memcpy(name, prefix, lp);
        }
        out->rows[out->nrows++] = r[i];
        out->onednn_seconds += r[i].seconds / out->steps;
        out->reorder_seconds += r[i].reorder ? r[i].seconds / out->steps : 0.0;
    }
}

edd_status edd_profile_run(edd_ctx *ctx, const edd_profile_spec *s, int k, int steps, edd_profile *out)
{
    memset(out, 0, sizeof *out);
    if (steps < 1 || steps > 1000 || s->images < 1 || s->images > 4096 || s->rep < 1 || s->rep > EDD_K_MAX ||
        (s->rep > 1 && s->kind != EDD_PLAN_INPUT_GRAD))
        return edd_fail(ctx, EDD_ERR_ARG, "profile: %d steps of %s, %d images x %d rows: expected 1..1000 steps, "
                        "1..4096 images, 1..%d rows per image and several only for an input-gradient plan", steps,
                        s->name ? s->name : "?", s->images, s->rep, EDD_K_MAX);
    out->spec = *s;
    out->k = k;
    out->batch = s->images * s->rep;
    out->steps = steps;
    prof_work w = {0};
    edd_status st = work_make(ctx, s, k, &w);
    for (int i = 0; !st && i < PROFILE_WARMUP; i++)
        st = step(ctx, s, &w, i);
    if (!st) {
        if (w.src)
            edd_plan_profile(w.src, 1);
        edd_plan_profile(w.p, 1);
        double t0 = edd_now();
        for (int i = 0; !st && i < steps; i++)
            st = step(ctx, s, &w, PROFILE_WARMUP + i);
        out->step_seconds = (edd_now() - t0) / steps;
        if (w.src)
            rows_add(out, w.src, "forward plan: ");
        rows_add(out, w.p, "");
    }
    work_free(&w);
    return st;
}

double edd_sgemm_peak(int n, int reps)
{
    if (n < 64 || n > 8192 || reps < 1 || reps > 32)
        return 0.0;
    size_t nn = (size_t)n * (size_t)n;
    float *a = malloc(nn * sizeof(float)), *b = malloc(nn * sizeof(float)), *c = malloc(nn * sizeof(float));
    double best = 0.0;
    if (a && b && c) {
        for (size_t i = 0; i < nn; i++) {
            a[i] = (float)(i % 7) * 0.1f;
            b[i] = (float)(i % 5) * 0.1f;
        }
        dnnl_sgemm('N', 'N', n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
        for (int r = 0; r < reps; r++) {
            double t0 = edd_now();
            dnnl_sgemm('N', 'N', n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
            double t = edd_now() - t0;
            best = r == 0 || t < best ? t : best;
        }
    }
    free(a);
    free(b);
    free(c);
    return best > 0.0 ? 2.0 * n * (double)n * n / best / 1e9 : 0.0;
}
