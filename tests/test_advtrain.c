/* test_advtrain.c - adversarial training (edd/advtrain.h; docs/DEFENSE.md,
 * "Adversarial training"): edd_train's per-batch hook, --adv none equal to
 * plain training bit for bit, the examples inside the eps-ball and [0,1]
 * (FGM-RS and PGD, plain training and distillation), the eps warm-up (its
 * schedule, the examples inside the current ball, no ramp past its end),
 * the option checks of the library and the CLI, and the chance verdict
 * (the effect, a model that holds better under PGD, is
 * tests/test_advtrain_effect.c's). The MNIST test needs MNIST
 * ($EDD_DATA_DIR/mnist or data/mnist) and skips without it. */
#include <criterion/criterion.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "edd.h"
#include "testutil.h"

TestSuite(advtrain, .timeout = 300);

/* n images whose pixels are 0 (30%), 1 (30%) or uniform in [0,1), so that
 * the clip to [0,1] is exercised on both sides; labels i % 10. */
static edd_dataset box_set(size_t n, uint64_t seed)
{
    edd_dataset ds = {.n = n, .c = 1, .h = 28, .w = 28};
    ds.x = malloc(n * EDD_IMG_SIZE * sizeof(float));
    ds.y = malloc(n);
    cr_assert(ds.x && ds.y);
    const uint64_t key = edd_rng_key(seed, 0, 0);
    for (size_t i = 0; i < n * EDD_IMG_SIZE; i++) {
        float u = edd_rng_uniform(key, (uint32_t)i);
        ds.x[i] = u < 0.3f ? 0.0f : u > 0.7f ? 1.0f : edd_rng_uniform(key ^ 1, (uint32_t)i);
    }
    for (size_t i = 0; i < n; i++)
        ds.y[i] = (uint8_t)(i % 10);
    return ds;
}

/* What the recording hook saw. */
typedef struct {
    edd_adv_opts *adv;  /* NULL: record only, leave the batch as it is */
    const edd_dataset *ds;
    size_t calls, moved, pixels;
    float reach;           /* the largest |adv - clean| over a call's pixels, as a fraction of its eps (0 at eps 0) */
    const edd_cnn *last_m; /* the model of the previous call, and its version then */
    uint64_t last_version;
    int epochs_seen;
} recorder;

/* A hook that checks what edd_train hands it (rows, indices, labels and
 * images of the dataset, the model one step on from the previous call),
 * then, with rec->adv, runs edd_adv_batch and checks every pixel of the
 * result against its clean value: within [x - e, x + e], e the eps of the
 * batch (edd_adv_eps_at: the ramp's), and [0,1] exactly as float compares
 * them, and the model untouched. */
static edd_status record(edd_ctx *ctx, void *user, const edd_cnn *m, const edd_train_batch *bt)
{
    recorder *r = user;
    const size_t D = EDD_IMG_SIZE, n = (size_t)bt->b;
    cr_assert(bt->b > 0 && bt->b <= 128, "batch of %d rows", bt->b);
    if (r->last_m == m)
        cr_assert_eq(m->version, r->last_version + 1, "the hook sees the model of step %llu after %llu",
                     (unsigned long long)m->version, (unsigned long long)r->last_version);
    r->last_m = m;
    r->last_version = m->version;
    r->epochs_seen = bt->epoch + 1;
    for (size_t i = 0; i < n; i++) {
        cr_assert_lt(bt->idx[i], r->ds->n);
        cr_assert_eq(bt->y[i], r->ds->y[bt->idx[i]], "row %zu: label of example %llu", i, (unsigned long long)bt->idx[i]);
        cr_assert(!memcmp(bt->x + i * D, r->ds->x + bt->idx[i] * D, D * sizeof(float)), "row %zu: not its clean image", i);
    }
    r->calls++;
    if (!r->adv)
        return EDD_OK;
    float *before = malloc(m->nparams * sizeof(float));
    cr_assert_not_null(before);
    memcpy(before, m->params, m->nparams * sizeof(float));
    const uint64_t version = m->version;
    edd_status st = edd_adv_batch(ctx, r->adv, m, bt);
    cr_assert_eq(st, EDD_OK, "%s", ctx->err);
    cr_assert(!memcmp(before, m->params, m->nparams * sizeof(float)) && m->version == version,
              "making the examples changed the model");
    free(before);
    const float eps = edd_adv_eps_at(r->adv, bt->epoch, bt->batch, NULL);
    float far = 0.0f;
    for (size_t i = 0; i < n; i++) {
        const float *c = r->ds->x + bt->idx[i] * D, *a = bt->x + i * D;
        for (size_t j = 0; j < D; j++) {
            cr_assert(a[j] >= c[j] - eps && a[j] <= c[j] + eps, "row %zu pixel %zu: %.9g, clean %.9g, eps %g", i, j,
                      a[j], c[j], eps);
            cr_assert(a[j] >= 0.0f && a[j] <= 1.0f, "row %zu pixel %zu: %.9g outside [0,1]", i, j, a[j]);
            r->moved += a[j] != c[j];
            far = fmaxf(far, fabsf(a[j] - c[j]));
        }
    }
    r->reach = eps > 0.0f ? fminf(r->reach, far / eps) : r->reach;
    cr_assert(eps > 0.0f || far == 0.0f, "a batch at eps 0 moved by %g", far);
    r->pixels += n * D;
    return EDD_OK;
}

/* --adv none attaches nothing, and a hook that leaves the batch alone
 * changes nothing: three runs of one epoch over 300 images (two full
 * batches and a partial one), the same bytes. The recording hook also sees
 * every batch once per epoch, each example's own image and label, and the
 * model one step later each time. */
Test(advtrain, none_is_plain_training_bit_for_bit)
{
    edd_ctx ctx = ctx_threads_new(1);
    edd_dataset ds = box_set(300, 5);
    edd_cnn plain, none, hooked;
    edd_train_opts o;
    edd_train_opts_default(&o);
    o.epochs = 2;
    o.quiet = 1;
    cr_assert_eq(edd_cnn_init(&ctx, &plain, 10, 0.2f, 0.5f, 3), EDD_OK);
    cr_assert_eq(edd_train(&ctx, &plain, &ds, &o, NULL), EDD_OK, "%s", ctx.err);

    edd_adv_opts adv;
    edd_adv_opts_default(&adv);
    edd_train_opts on = o;
    cr_assert_eq(edd_adv_attach(&ctx, &adv, &on, ds.n), EDD_OK, "%s", ctx.err);
    cr_assert(on.on_batch == NULL && on.on_batch_user == NULL, "--adv none attached a hook");
    cr_assert_eq(edd_cnn_init(&ctx, &none, 10, 0.2f, 0.5f, 3), EDD_OK);
    cr_assert_eq(edd_train(&ctx, &none, &ds, &on, NULL), EDD_OK, "%s", ctx.err);

    recorder rec = {.ds = &ds};
    edd_train_opts oh = o;
    oh.on_batch = record;
    oh.on_batch_user = &rec;
    cr_assert_eq(edd_cnn_init(&ctx, &hooked, 10, 0.2f, 0.5f, 3), EDD_OK);
    cr_assert_eq(edd_train(&ctx, &hooked, &ds, &oh, NULL), EDD_OK, "%s", ctx.err);
    cr_assert_eq(rec.calls, 6, "the hook was called %zu times, expected 3 batches x 2 epochs", rec.calls);
    cr_assert_eq(rec.epochs_seen, 2);

    cr_assert(!memcmp(plain.params, none.params, plain.nparams * sizeof(float)), "--adv none changed training");
    cr_assert(!memcmp(plain.params, hooked.params, plain.nparams * sizeof(float)), "a do-nothing hook changed training");
    edd_cnn_free(&plain);
    edd_cnn_free(&none);
    edd_cnn_free(&hooked);
    edd_dataset_free(&ds);
    edd_ctx_free(&ctx);
}

/* The hook's examples lie in the eps-ball around their clean images and in
 * [0,1], for FGM-RS and PGD, in plain training (K = 10) and in extended
 * distillation (K = 11, through edd_distill); most pixels move (a random
 * start and sign steps leave a pixel in place only where it is clipped);
 * the model is not touched while they are made; and the same call twice
 * gives the same bytes. */
Test(advtrain, examples_lie_in_the_eps_ball_and_the_box)
{
    edd_ctx ctx = ctx_threads_new(1);
    edd_dataset ds = box_set(200, 9);
    const edd_adv_kind kinds[] = {EDD_ADV_FGM_RS, EDD_ADV_PGD};
    const float epss[] = {0.1f, 0.3f};
    for (int c = 0; c < 4; c++) {
        edd_adv_opts adv;
        edd_adv_opts_default(&adv);
        adv.kind = kinds[c % 2];
        adv.eps = epss[c / 2];
        adv.steps = 3;
        adv.eps_ramp = 0.0f;
        recorder rec = {.adv = &adv, .ds = &ds, .reach = 1.0f};
        edd_train_opts o;
        edd_train_opts_default(&o);
        o.epochs = 1;
        o.quiet = 1;
        cr_assert_eq(edd_adv_attach(&ctx, &adv, &o, ds.n), EDD_OK, "%s", ctx.err);
        cr_assert(o.on_batch == edd_adv_batch && o.on_batch_user == &adv);
        o.on_batch = record;
        o.on_batch_user = &rec;
        edd_cnn m, d;
        cr_assert_eq(edd_cnn_init(&ctx, &m, 10, 0.2f, 0.5f, 1), EDD_OK);
        cr_assert_eq(edd_train(&ctx, &m, &ds, &o, NULL), EDD_OK, "%s", ctx.err);
        cr_assert_eq(rec.calls, 2);
        edd_distill_opts dist;
        edd_distill_opts_default(&dist);
        dist.mc.passes = 2;
        dist.mc.quiet = 1;
        dist.train = o;
        cr_assert_eq(edd_distill(&ctx, &m, &ds, &dist, &d, NULL, NULL, NULL), EDD_OK, "%s", ctx.err);
        cr_assert_eq(d.k, 11);
        cr_assert_eq(rec.calls, 4, "distillation called the hook %zu times in all", rec.calls);
        cr_assert_gt(rec.moved, rec.pixels / 2, "kind %d eps %g: %zu of %zu pixels moved", adv.kind, adv.eps,
                     rec.moved, rec.pixels);

        /* the same batch twice: the same examples */
        float *x1 = malloc(64 * EDD_IMG_SIZE * sizeof(float)), *x2 = malloc(64 * EDD_IMG_SIZE * sizeof(float));
        uint64_t idx[64];
        for (int i = 0; i < 64; i++)
            idx[i] = (uint64_t)i;
        memcpy(x1, ds.x, 64 * EDD_IMG_SIZE * sizeof(float));
        memcpy(x2, ds.x, 64 * EDD_IMG_SIZE * sizeof(float));
        edd_train_batch b1 = {.x = x1, .y = ds.y, .idx = idx, .b = 64, .epoch = 3, .batch = 1}, b2 = b1;
        b2.x = x2;
        cr_assert_eq(edd_adv_batch(&ctx, &adv, &d, &b1), EDD_OK, "%s", ctx.err);
        cr_assert_eq(edd_adv_batch(&ctx, &adv, &d, &b2), EDD_OK, "%s", ctx.err);
        cr_assert(!memcmp(x1, x2, 64 * EDD_IMG_SIZE * sizeof(float)), "kind %d: two calls differ", adv.kind);
        free(x1);
        free(x2);
        edd_cnn_free(&m);
        edd_cnn_free(&d);
    }
    edd_dataset_free(&ds);
    edd_ctx_free(&ctx);
}

/* The eps warm-up's schedule (edd_adv_eps_at): a ramp of 1.5 epochs over
 * 4 batches per epoch gives eps 0 at the first batch, then eps t / 1.5 at
 * t = epoch + batch / 4, exactly eps from t = 1.5 on, the step with it
 * (PGD's and FGM-RS's); no ramp, eps and the step at once. The chance
 * verdict: usable only above 15%, not a constant guess (MNIST: 11.35%). */
Test(advtrain, eps_ramp_schedule_and_the_chance_verdict)
{
    cr_assert(!edd_adv_usable(0.1135, 10) && !edd_adv_usable(0.15, 10) && !edd_adv_usable(0.9, 0));
    cr_assert(edd_adv_usable(0.151, 10) && edd_adv_usable(0.99, 10));
    edd_adv_opts o;
    edd_adv_opts_default(&o);
    o.batches = 4;
    for (int k = 0; k < 2; k++) {
        o.kind = k ? EDD_ADV_FGM_RS : EDD_ADV_PGD;
        o.eps_ramp = 1.5f;
        float step, full = edd_adv_step(&o);
        for (int e = 0; e < 3; e++)
            for (size_t b = 0; b < 4; b++) {
                const double t = e + b / 4.0;
                const float eps = edd_adv_eps_at(&o, e, b, &step);
                if (t >= 1.5)
                    cr_assert(eps == o.eps && step == full, "t %g: eps %g step %g", t, eps, step);
                else
                    cr_assert(fabs(eps - 0.3 * t / 1.5) < 1e-7 && fabs(step - full * t / 1.5) < 1e-7 && eps < o.eps,
                              "t %g: eps %.9g, step %.9g", t, eps, step);
            }
        cr_assert(edd_adv_eps_at(&o, 0, 0, &step) == 0.0f && step == 0.0f);
        o.eps_ramp = 0.0f;
        cr_assert(edd_adv_eps_at(&o, 0, 0, &step) == o.eps && step == full, "no ramp: eps %g", o.eps);
    }
}

/* With a ramp of 1.5 epochs over the 3 batches of 300 images, 2 epochs,
 * FGM-RS and PGD: every example lies in the ball of its batch's eps (the
 * recording hook), the first batch stays clean, and every other batch
 * reaches that eps (the ball's edge, not a smaller ball). Past the ramp,
 * the hook gives the bytes it gives with no ramp; inside one, others. */
Test(advtrain, eps_ramp_examples_lie_in_the_current_ball)
{
    edd_ctx ctx = ctx_threads_new(1);
    edd_dataset ds = box_set(300, 4);
    for (int k = 0; k < 2; k++) {
        edd_adv_opts adv;
        edd_adv_opts_default(&adv);
        adv.kind = k ? EDD_ADV_FGM_RS : EDD_ADV_PGD;
        adv.steps = 3;
        adv.eps_ramp = 1.5f;
        recorder rec = {.adv = &adv, .ds = &ds, .reach = 1.0f};
        edd_train_opts o;
        edd_train_opts_default(&o);
        o.epochs = 2;
        o.quiet = 1;
        cr_assert(!edd_adv_attach(&ctx, &adv, &o, ds.n) && adv.batches == 3, "%s", ctx.err);
        o.on_batch = record;
        o.on_batch_user = &rec;
        edd_cnn m;
        cr_assert_eq(edd_cnn_init(&ctx, &m, 10, 0.2f, 0.5f, 1), EDD_OK);
        cr_assert(!edd_train(&ctx, &m, &ds, &o, NULL) && rec.calls == 6, "%s", ctx.err);
        cr_assert_gt(rec.reach, 0.999f, "kind %d: a batch reached only %g of its eps", adv.kind, rec.reach);
        edd_adv_opts v[3] = {adv, adv, adv}; /* at t = 2.33: no ramp, past the ramp, inside a ramp of 3 */
        v[0].eps_ramp = 0.0f;
        v[2].eps_ramp = 3.0f;
        const size_t n = 100 * EDD_IMG_SIZE, bytes = n * sizeof(float);
        float *x = malloc(3 * bytes);
        const uint64_t idx[100] = {0};
        for (int i = 0; i < 3; i++) {
            memcpy(x + i * n, ds.x, bytes);
            edd_train_batch bt = {.x = x + i * n, .y = ds.y, .idx = idx, .b = 100, .epoch = 2, .batch = 1};
            cr_assert_eq(edd_adv_batch(&ctx, &v[i], &m, &bt), EDD_OK, "%s", ctx.err);
        }
        cr_assert(!memcmp(x, x + n, bytes), "kind %d: past the ramp differs", adv.kind);
        cr_assert(memcmp(x, x + 2 * n, bytes), "kind %d: inside the ramp as past it", adv.kind);
        free(x);
        edd_cnn_free(&m);
    }
    edd_dataset_free(&ds);
    edd_ctx_free(&ctx);
}

/* The library's checks, each fault named with its value; a refused hook
 * leaves the batch and the training options alone. */
Test(advtrain, bad_options_are_refused_by_the_library)
{
    edd_ctx ctx = ctx_threads_new(1);
    static const struct {
        int field;
        float v;
        const char *want;
    } cases[] = {
        {0, -0.1f, "eps -0.1"}, {0, NAN, "eps nan"}, {0, 0.0f, "eps 0"}, {0, 1.5f, "eps 1.5"}, {0, INFINITY, "eps inf"},
        {1, 0, "0 PGD steps"}, {2, NAN, "step size nan"}, {3, 7, "kind 7"}, {4, 9, "loss 9"},
        {5, -1.0f, "eps ramp -1 epochs, expected a finite number >= 0"}, {5, NAN, "eps ramp nan"},
        {5, INFINITY, "eps ramp inf"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        edd_adv_opts a;
        edd_adv_opts_default(&a);
        a.kind = EDD_ADV_PGD;
        switch (cases[i].field) {
        case 0: a.eps = cases[i].v; break;
        case 1: a.steps = (int)cases[i].v; break;
        case 2: a.step_size = cases[i].v; break;
        case 3: a.kind = (edd_adv_kind)cases[i].v; break;
        case 4: a.loss = (edd_attack_loss)cases[i].v; break;
        default: a.eps_ramp = cases[i].v; break;
        }
        edd_train_opts t;
        edd_train_opts_default(&t);
        cr_assert_eq(edd_adv_attach(&ctx, &a, &t, 1000), EDD_ERR_ARG, "case %zu accepted", i);
        cr_assert(strstr(ctx.err, cases[i].want), "case %zu: '%s' does not say '%s'", i, ctx.err, cases[i].want);
        cr_assert(t.on_batch == NULL, "a refused option attached the hook");
    }
    edd_adv_opts a;
    edd_adv_opts_default(&a);
    a.kind = EDD_ADV_FGM_RS;
    a.batches = 10; /* edd_adv_attach's clock for the default ramp */
    a.steps = 0; /* not a PGD option: FGM-RS takes one step whatever it says */
    cr_assert_eq(edd_adv_check(&ctx, &a), EDD_OK, "%s", ctx.err);
    cr_assert_float_eq(edd_adv_step(&a), 1.25f * 0.3f, 1e-7f);
    a.kind = EDD_ADV_PGD;
    a.steps = 40;
    cr_assert_float_eq(edd_adv_step(&a), 0.01f, 1e-7f, "Madry's step at eps 0.3 and 40 steps: %g", edd_adv_step(&a));
    a.step_size = 0.02f;
    cr_assert_eq(edd_adv_step(&a), 0.02f);
    a.batches = 0; /* a ramp without its clock: the hook called alone, never attached */
    cr_assert_eq(edd_adv_check(&ctx, &a), EDD_ERR_ARG);
    cr_assert(strstr(ctx.err, "eps ramp 1 epochs over 0 batches per epoch"), "%s", ctx.err);
    a.eps_ramp = 0.0f;
    cr_assert_eq(edd_adv_check(&ctx, &a), EDD_OK, "%s", ctx.err);
    edd_ctx_free(&ctx);
}

/* The CLI refuses bad values and options that do not apply to the --adv
 * chosen with exit 2 and a message naming the option, before reading any
 * data (the data folder here does not exist). */
Test(advtrain, bad_options_exit_2_naming_the_option)
{
    static const struct {
        const char *args, *want;
    } cases[] = {
        {"train --out m.edd --adv pgd --adv-eps -0.1", "--adv-eps '-0.1': expected a number in (0, 1]"},
        {"train --out m.edd --adv pgd --adv-eps nan", "--adv-eps 'nan': expected a number in (0, 1]"},
        {"train --out m.edd --adv fgm-rs --adv-eps 0", "--adv-eps '0': expected a number in (0, 1]"},
        {"train --out m.edd --adv pgd --adv-eps 1.5", "--adv-eps '1.5'"},
        {"train --out m.edd --adv madry", "--adv 'madry': expected none, fgm-rs or pgd"},
        {"train --out m.edd --adv pgd --adv-steps 0", "--adv-steps '0': expected an integer in 1..1000000"},
        {"train --out m.edd --adv pgd --adv-step-size nan", "--adv-step-size 'nan'"},
        {"train --out m.edd --adv pgd --adv-loss hinge", "--adv-loss 'hinge': expected all, real or margin"},
        {"train --out m.edd --adv-eps 0.3", "--adv-eps does not apply to --adv none (it is an option of --adv fgm-rs and "
         "pgd)"},
        {"train --out m.edd --adv fgm-rs --adv-steps 7", "--adv-steps does not apply to --adv fgm-rs"},
        {"train --out m.edd --adv fgm-rs --adv-no-rand-start", "--adv-no-rand-start does not apply to --adv fgm-rs"},
        {"train --out m.edd --adv-loss all", "--adv-loss does not apply to --adv none"},
        {"distill --teacher t.edd --out d.edd --adv pgd --adv-eps nan", "--adv-eps 'nan'"},
        {"distill --teacher t.edd --out d.edd --adv pgd --adv-steps 0", "--adv-steps '0'"},
        {"distill --teacher t.edd --out d.edd --adv fgsm", "--adv 'fgsm': expected none, fgm-rs or pgd"},
        {"distill --teacher t.edd --out d.edd --adv-steps 3", "--adv-steps does not apply to --adv none"},
        {"train --out m.edd --adv pgd --eps-ramp -1", "--eps-ramp '-1': expected a number in [0, 10000]"},
        {"train --out m.edd --adv pgd --eps-ramp nan", "--eps-ramp 'nan'"},
        {"train --out m.edd --eps-ramp 1", "--eps-ramp does not apply to --adv none"},
        {"distill --teacher t.edd --out d.edd --adv fgm-rs --eps-ramp inf", "--eps-ramp 'inf'"},
        {"distill --teacher t.edd --out d.edd --eps-ramp 0", "--eps-ramp does not apply to --adv none"},
    };
    char out[8192], args[1024];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(args, sizeof args, "%s --data-dir /nonexistent-edd-data", cases[i].args);
        cr_assert_eq(edd_run(out, sizeof out, args), 2, "edd %s: %s", args, out);
        cr_assert(strstr(out, cases[i].want), "edd %s should say %s: %s", args, cases[i].want, out);
    }
}

/* Byte comparison of two files. */
static int same_bytes(const char *a, const char *b)
{
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    cr_assert(fa && fb, "open %s, %s", a, b);
    int ca, cb;
    do {
        ca = fgetc(fa);
        cb = fgetc(fb);
    } while (ca == cb && ca != EOF);
    fclose(fa);
    fclose(fb);
    return ca == cb;
}

/* The command line end to end on 256 MNIST images: `edd train --adv none`
 * writes the bytes of `edd train`, --adv pgd another model and says so in
 * its JSON line (with the default eps ramp), and `edd distill --adv fgm-rs`
 * from that adversarially trained teacher runs and says so too (its ramp
 * given). Each line ends with the test accuracy and the verdict: usable
 * for the plain model (30% here), not for the untrained one (--epochs 0),
 * which is also warned about on stderr. */
Test(advtrain, cli_none_is_plain_and_pgd_runs_through_train_and_distill)
{
    char data[4096], tmp[64], args[8192], out[8192];
    mnist_dir_or_skip(data, sizeof data);
    tmpdir_make(tmp, sizeof tmp, "advcli");
    const char *common = "--train-limit 256 --epochs 1 --threads 1 --quiet";
    snprintf(args, sizeof args, "train --data-dir %s %s --out %s/plain.edd", data, common, tmp);
    cr_assert_eq(edd_run(out, sizeof out, args), 0, "%s", out);
    cr_assert(!strstr(out, "\"adv\"") && !strstr(out, "eps_ramp"), "plain training names adversarial training: %s", out);
    cr_assert(strstr(out, ",\"test_accuracy\":0.") && strstr(out, "\"usable\":true}") && !strstr(out, "warning"),
              "%s", out);
    snprintf(args, sizeof args, "train --data-dir %s %s --epochs 0 --out %s/zero.edd", data, common, tmp);
    cr_assert_eq(edd_run(out, sizeof out, args), 0, "%s", out);
    cr_assert(strstr(out, "\"usable\":false}") && strstr(out, "warning: test accuracy") && strstr(out, "at chance"),
              "%s", out);
    snprintf(args, sizeof args, "train --data-dir %s %s --adv none --out %s/none.edd", data, common, tmp);
    cr_assert_eq(edd_run(out, sizeof out, args), 0, "%s", out);
    snprintf(args, sizeof args, "train --data-dir %s %s --adv pgd --adv-eps 0.2 --adv-steps 2 --out %s/pgd.edd", data,
             common, tmp);
    cr_assert_eq(edd_run(out, sizeof out, args), 0, "%s", out);
    cr_assert(strstr(out, "\"adv\":\"pgd\",\"eps\":0.2,\"adv_steps\":2,\"adv_step_size\":0.133333,"
                          "\"adv_rand_start\":1,\"adv_loss\":\"real\",\"eps_ramp\":1,\"test_accuracy\":"), "%s", out);
    char a[128], b[128], c[128];
    snprintf(a, sizeof a, "%s/plain.edd", tmp);
    snprintf(b, sizeof b, "%s/none.edd", tmp);
    snprintf(c, sizeof c, "%s/pgd.edd", tmp);
    cr_assert(same_bytes(a, b), "edd train --adv none differs from edd train");
    cr_assert(!same_bytes(a, c), "edd train --adv pgd wrote the plain model");
    snprintf(args, sizeof args, "distill --data-dir %s %s --passes 2 --adv fgm-rs --adv-eps 0.1 --teacher %s "
             "--eps-ramp 0.5 --out %s/dist.edd", data, common, c, tmp);
    cr_assert_eq(edd_run(out, sizeof out, args), 0, "%s", out);
    cr_assert(strstr(out, "\"adv\":\"fgm-rs\",\"eps\":0.1,\"adv_step_size\":0.125,\"adv_loss\":\"real\","
                          "\"eps_ramp\":0.5,\"test_accuracy\":"), "%s", out);
    tmpdir_remove(tmp);
}
