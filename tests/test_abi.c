/* test_abi.c - issue 25, item 1: option structs that keep the ABI
 * (docs/DESIGN.md, "Options that keep the ABI"). Every public options
 * struct starts with its size, set by its edd_X_default(o) macro; every
 * public function that takes one refuses a size the library does not know
 * (0: never built; larger: built against a newer edd; smaller) with
 * EDD_ERR_ARG and a message naming the struct, the size given and the size
 * expected, before it touches anything. The inits fill the documented
 * defaults (nested structs with their own sizes) and never write past the
 * size they are given. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edd.h"
#include "edd/apgd.h"
#include "edd/fmn.h"
#include "edd/square.h"
#include "edd/suite.h"
#include "testutil.h"

TestSuite(abi, .timeout = 60);

#define N 4
#define SENTINEL 7.0f

/* What every entry point is called with: a model with K = 10, N noise
 * images, targets, and an output buffer that a refused call leaves as is. */
typedef struct {
    edd_ctx ctx;
    edd_cnn m;
    edd_dataset ds;
    uint8_t target[N], ok[N];
    float adv[N * EDD_IMG_SIZE], out[N * 11];
} fixture;

/* Each call builds its options with the init macros, sets the size of the
 * struct its row names to `size`, and calls the entry point. */
typedef edd_status (*abi_call)(fixture *f, size_t size);

static edd_status call_fgm(fixture *f, size_t size)
{
    edd_fgm_opts o;
    edd_fgm_opts_default(&o);
    o.size = size;
    return edd_fgm(&f->ctx, &f->m, f->ds.x, f->ds.y, N, &o, f->adv);
}

static edd_status call_pgd(fixture *f, size_t size)
{
    edd_pgd_opts o;
    edd_pgd_opts_default(&o);
    o.size = size;
    return edd_pgd(&f->ctx, &f->m, f->ds.x, f->ds.y, N, &o, f->adv);
}

static edd_status call_jsma(fixture *f, size_t size)
{
    edd_jsma_opts o;
    edd_jsma_opts_default(&o);
    o.size = size;
    return edd_jsma(&f->ctx, &f->m, f->ds.x, f->target, N, &o, f->adv, f->ok, NULL);
}

static edd_status call_cw(fixture *f, size_t size)
{
    edd_cw_opts o;
    edd_cw_opts_default(&o);
    o.size = size;
    return edd_cw_l2(&f->ctx, &f->m, f->ds.x, f->target, N, &o, f->adv, f->ok);
}

static edd_status call_apgd(fixture *f, size_t size)
{
    edd_apgd_opts o;
    edd_apgd_opts_default(&o);
    o.size = size;
    return edd_apgd(&f->ctx, &f->m, f->ds.x, f->ds.y, N, &o, f->adv);
}

static edd_status call_fmn(fixture *f, size_t size)
{
    edd_fmn_opts o;
    edd_fmn_opts_default(&o);
    o.size = size;
    return edd_fmn(&f->ctx, &f->m, f->ds.x, f->ds.y, N, &o, f->adv, f->out);
}

static edd_status call_square(fixture *f, size_t size)
{
    edd_square_opts o;
    edd_square_opts_default(&o);
    o.size = size;
    return edd_square(&f->ctx, &f->m, f->ds.x, f->ds.y, N, &o, f->adv, NULL);
}

static edd_status call_suite(fixture *f, size_t size)
{
    edd_suite_opts o;
    edd_suite_opts_default(&o);
    o.size = size;
    int8_t by[N];
    return edd_suite_run(&f->ctx, &f->m, f->ds.x, f->ds.y, N, &o, f->adv, by, NULL);
}

static edd_status call_uncertainty(fixture *f, size_t size)
{
    edd_mc_opts o;
    edd_mc_opts_default(&o);
    o.size = size;
    return edd_uncertainty(&f->ctx, &f->m, &f->ds, &o, f->adv, NULL);
}

/* edd_distill, the size of the struct `which` names spoiled: 0 the
 * options, 1 their mc, 2 their train. */
static edd_status distill_with(fixture *f, size_t size, int which)
{
    edd_distill_opts o;
    edd_distill_opts_default(&o);
    *(which == 0 ? &o.size : which == 1 ? &o.mc.size : &o.train.size) = size;
    edd_cnn out = {0};
    return edd_distill(&f->ctx, &f->m, &f->ds, &o, &out, f->adv, NULL, NULL);
}
static edd_status call_distill(fixture *f, size_t size) { return distill_with(f, size, 0); }
static edd_status call_distill_mc(fixture *f, size_t size) { return distill_with(f, size, 1); }
static edd_status call_distill_train(fixture *f, size_t size) { return distill_with(f, size, 2); }

/* edd_train, the size spoiled: 0 the options, 1 their opt, 2 their loss. */
static edd_status train_with(fixture *f, size_t size, int which)
{
    edd_train_opts o;
    edd_train_opts_default(&o);
    *(which == 0 ? &o.size : which == 1 ? &o.opt.size : &o.loss.size) = size;
    o.quiet = 1;
    return edd_train(&f->ctx, &f->m, &f->ds, &o, NULL);
}
static edd_status call_train(fixture *f, size_t size) { return train_with(f, size, 0); }
static edd_status call_train_opt(fixture *f, size_t size) { return train_with(f, size, 1); }
static edd_status call_train_loss(fixture *f, size_t size) { return train_with(f, size, 2); }

static edd_status call_optim_alloc(fixture *f, size_t size)
{
    edd_optim o;
    edd_optim_default(&o, EDD_OPT_ADAM);
    o.size = size;
    edd_status st = edd_optim_alloc(&f->ctx, &o, 8);
    if (!st)
        edd_optim_free(&o);
    return st;
}

static edd_status call_adv_check(fixture *f, size_t size)
{
    edd_adv_opts o;
    edd_adv_opts_default(&o);
    o.size = size;
    return edd_adv_check(&f->ctx, &o);
}

/* edd_adv_attach, the size spoiled: 0 the adversarial options, 1 the
 * training options it plugs into. */
static edd_status attach_with(fixture *f, size_t size, int which)
{
    edd_adv_opts o;
    edd_train_opts t;
    edd_adv_opts_default(&o);
    edd_train_opts_default(&t);
    o.kind = EDD_ADV_PGD;
    *(which == 0 ? &o.size : &t.size) = size;
    edd_status st = edd_adv_attach(&f->ctx, &o, &t, N);
    cr_assert(t.on_batch == NULL, "a refused attach plugged the hook in");
    return st;
}
static edd_status call_adv_attach(fixture *f, size_t size) { return attach_with(f, size, 0); }
static edd_status call_adv_attach_train(fixture *f, size_t size) { return attach_with(f, size, 1); }

static edd_status call_adv_batch(fixture *f, size_t size)
{
    edd_adv_opts o;
    edd_adv_opts_default(&o);
    o.kind = EDD_ADV_FGM_RS;
    o.size = size;
    memcpy(f->adv, f->ds.x, sizeof f->adv);
    uint64_t idx[N] = {0, 1, 2, 3};
    edd_train_batch bt = {.x = f->adv, .y = f->ds.y, .idx = idx, .b = N};
    edd_status st = edd_adv_batch(&f->ctx, &o, &f->m, &bt);
    cr_assert(!memcmp(f->adv, f->ds.x, sizeof f->adv), "a refused hook changed the batch");
    for (size_t i = 0; i < N * EDD_IMG_SIZE; i++)
        f->adv[i] = SENTINEL;
    return st;
}

static edd_status call_attack_eval(fixture *f, size_t size)
{
    edd_attack_goal g;
    edd_attack_goal_default(&g);
    g.size = size;
    edd_attack_scores s;
    return edd_attack_eval(&f->ctx, &f->m, &f->m, f->ds.x, f->ds.y, N, f->adv, &g, &s);
}

/* One row per public entry point that takes options (and per nested
 * struct it checks): the struct whose size the call spoils, as the message
 * names it, and its size. */
static const struct {
    const char *name;
    abi_call call;
    const char *type;
    size_t known;
} rows[] = {
    {"edd_fgm", call_fgm, "edd_fgm_opts", sizeof(edd_fgm_opts)},
    {"edd_pgd", call_pgd, "edd_pgd_opts", sizeof(edd_pgd_opts)},
    {"edd_jsma", call_jsma, "edd_jsma_opts", sizeof(edd_jsma_opts)},
    {"edd_cw_l2", call_cw, "edd_cw_opts", sizeof(edd_cw_opts)},
    {"edd_apgd", call_apgd, "edd_apgd_opts", sizeof(edd_apgd_opts)},
    {"edd_fmn", call_fmn, "edd_fmn_opts", sizeof(edd_fmn_opts)},
    {"edd_square", call_square, "edd_square_opts", sizeof(edd_square_opts)},
    {"edd_suite_run", call_suite, "edd_suite_opts", sizeof(edd_suite_opts)},
    {"edd_uncertainty", call_uncertainty, "edd_mc_opts", sizeof(edd_mc_opts)},
    {"edd_distill", call_distill, "edd_distill_opts", sizeof(edd_distill_opts)},
    {"edd_distill .mc", call_distill_mc, "edd_mc_opts", sizeof(edd_mc_opts)},
    {"edd_distill .train", call_distill_train, "edd_train_opts", sizeof(edd_train_opts)},
    {"edd_train", call_train, "edd_train_opts", sizeof(edd_train_opts)},
    {"edd_train .opt", call_train_opt, "edd_optim", sizeof(edd_optim)},
    {"edd_train .loss", call_train_loss, "edd_loss_opts", sizeof(edd_loss_opts)},
    {"edd_optim_alloc", call_optim_alloc, "edd_optim", sizeof(edd_optim)},
    {"edd_adv_check", call_adv_check, "edd_adv_opts", sizeof(edd_adv_opts)},
    {"edd_adv_attach", call_adv_attach, "edd_adv_opts", sizeof(edd_adv_opts)},
    {"edd_adv_attach train", call_adv_attach_train, "edd_train_opts", sizeof(edd_train_opts)},
    {"edd_adv_batch", call_adv_batch, "edd_adv_opts", sizeof(edd_adv_opts)},
    {"edd_attack_eval", call_attack_eval, "edd_attack_goal", sizeof(edd_attack_goal)},
};

/* A struct never built (size 0), one built against a newer edd (larger)
 * and one smaller than the first version are refused, each with the
 * message "TYPE: size S, expected K (build it with TYPE_default)", and the
 * call leaves the model and the output buffer as they were. */
Test(abi, every_entry_point_refuses_a_size_it_does_not_know)
{
    fixture *f = calloc(1, sizeof *f);
    cr_assert_not_null(f);
    ctx_make(&f->ctx);
    model_make(&f->ctx, &f->m, 10, 1);
    f->ds = noise_set(N, 1);
    for (int i = 0; i < N; i++)
        f->target[i] = (uint8_t)((f->ds.y[i] + 1) % 10);
    for (size_t i = 0; i < N * EDD_IMG_SIZE; i++)
        f->adv[i] = SENTINEL;
    const uint64_t version = f->m.version;
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        const size_t sizes[] = {0, rows[r].known + sizeof(size_t), rows[r].known - 1};
        for (int s = 0; s < 3; s++) {
            char want[256];
            snprintf(want, sizeof want, "%s: size %zu, expected %zu (build it with %s_default)", rows[r].type,
                     sizes[s], rows[r].known, rows[r].type);
            f->ctx.err[0] = 0;
            edd_status st = rows[r].call(f, sizes[s]);
            cr_assert_eq(st, EDD_ERR_ARG, "%s with %s of size %zu: status %d (%s)", rows[r].name, rows[r].type,
                         sizes[s], (int)st, f->ctx.err);
            cr_assert(!strcmp(f->ctx.err, want), "%s: '%s', expected '%s'", rows[r].name, f->ctx.err, want);
            cr_assert_eq(f->m.version, version, "%s trained the model", rows[r].name);
            for (size_t i = 0; i < N * EDD_IMG_SIZE; i++)
                cr_assert(f->adv[i] == SENTINEL, "%s wrote its output at %zu", rows[r].name, i);
        }
    }
    edd_cnn_free(&f->m);
    edd_dataset_free(&f->ds);
    edd_ctx_free(&f->ctx);
    free(f);
}

/* A NULL options pointer is refused the same way, naming the struct. */
Test(abi, null_options_are_refused)
{
    edd_ctx ctx;
    ctx_make(&ctx);
    edd_cnn m;
    model_make(&ctx, &m, 10, 1);
    float x[EDD_IMG_SIZE] = {0}, adv[EDD_IMG_SIZE];
    uint8_t y = 3;
    cr_assert_eq(edd_fgm(&ctx, &m, x, &y, 1, NULL, adv), EDD_ERR_ARG);
    cr_assert(!strcmp(ctx.err, "edd_fgm_opts: NULL, expected a struct built with edd_fgm_opts_default"), "%s",
              ctx.err);
    edd_cnn_free(&m);
    edd_ctx_free(&ctx);
}

/* Each init gives the defaults its header documents, its size set, and
 * the sizes of the structs it holds. */
Test(abi, inits_give_the_documented_defaults)
{
    edd_fgm_opts fg;
    edd_fgm_opts_default(&fg);
    cr_assert(fg.size == sizeof fg && fg.eps == 0.3f && fg.ord == 0 && fg.loss == EDD_LOSS_ALL &&
              fg.margin_cap == EDD_ATTACK_MARGIN_CAP && fg.n_real == EDD_N_REAL && fg.clip_min == 0.0f &&
              fg.clip_max == 1.0f && fg.max_rows == 0);
    edd_pgd_opts pg;
    edd_pgd_opts_default(&pg);
    cr_assert(pg.size == sizeof pg && pg.eps == 0.3f && pg.steps == 100 && pg.step_size == 0.0f && pg.restarts == 1 &&
              pg.loss == EDD_LOSS_ALL && pg.seed == 1 && pg.rand_start == 1 && pg.early_stop == 0 && !pg.quiet);
    edd_jsma_opts js;
    edd_jsma_opts_default(&js);
    cr_assert(js.size == sizeof js && js.gamma == 0.1f && js.theta == 1.0f && js.clip_max == 1.0f &&
              js.jacobian == EDD_JSMA_PROBS && js.batch == 200);
    edd_cw_opts cw;
    edd_cw_opts_default(&cw);
    cr_assert(cw.size == sizeof cw && cw.confidence == 0.0f && cw.binary_search_steps == 4 &&
              cw.max_iterations == 200 && cw.learning_rate == 1.0f && cw.initial_const == 1.0f &&
              cw.optimizer == EDD_CW_ADADELTA && cw.rho == 0.95f && cw.eps == 1e-3f && cw.batch == 100 &&
              !cw.untargeted);
    edd_apgd_opts ap;
    edd_apgd_opts_default(&ap);
    cr_assert(ap.size == sizeof ap && ap.eps == 0.3f && ap.steps == 100 && ap.loss == EDD_APGD_CE &&
              ap.n_target_classes == 9 && ap.rho == 0.75f && ap.momentum == 0.75f);
    edd_fmn_opts fm;
    edd_fmn_opts_default(&fm);
    cr_assert(fm.size == sizeof fm && fm.ord == 2 && fm.steps == 1000 && fm.gamma_init == 0.05f &&
              fm.gamma_final == 0.001f && fm.n_targets == 0);
    edd_square_opts sq;
    edd_square_opts_default(&sq);
    cr_assert(sq.size == sizeof sq && sq.eps == 0.3f && sq.queries == 5000 && sq.p_init == 0.8f && !sq.trace);
    edd_suite_opts su;
    edd_suite_opts_default(&su);
    cr_assert(su.size == sizeof su && su.eps == 0.3f && su.steps == 100 && su.n_target_classes == 9 &&
              su.fmn_steps == 1000 && su.queries == 5000);
    edd_adv_opts ad;
    edd_adv_opts_default(&ad);
    cr_assert(ad.size == sizeof ad && ad.kind == EDD_ADV_NONE && ad.eps == 0.3f && ad.steps == 40 &&
              ad.loss == EDD_LOSS_REAL && ad.eps_ramp == EDD_ADV_RAMP && ad.batches == 0);
    edd_attack_goal g;
    edd_attack_goal_default(&g);
    cr_assert(g.size == sizeof g && g.target == NULL && g.confidence == 0.0f);
    edd_optim ad_opt;
    edd_optim_default(&ad_opt, EDD_OPT_ADADELTA);
    cr_assert(ad_opt.size == sizeof ad_opt && ad_opt.kind == EDD_OPT_ADADELTA && ad_opt.lr == 0.1f &&
              ad_opt.rho == 0.95f && ad_opt.eps == 1e-8f && ad_opt.n == 0 && !ad_opt.m && !ad_opt.v);
}

/* The structs that hold others: the training options hold Adam and a loss
 * with no outlier class (-1, not class 0) at T = 1; distillation's hold
 * the MC-dropout passes and the Eq. 3 hinge on the outlier class 10. */
Test(abi, nested_structs_get_their_sizes_and_defaults)
{
    edd_loss_opts l;
    edd_loss_opts_default(&l);
    cr_assert(l.size == sizeof l && l.penalty == EDD_PENALTY_NONE && l.outlier == -1 && l.temperature == 1.0f &&
              l.gamma == 0.0f && l.kappa == 0.0f);
    edd_train_opts t;
    edd_train_opts_default(&t);
    cr_assert(t.size == sizeof t && t.epochs == 10 && t.batch == 128 && t.seed == 1 && t.dropout == 1 &&
              !t.targets && !t.on_batch);
    cr_assert(t.opt.size == sizeof t.opt && t.opt.kind == EDD_OPT_ADAM && t.opt.lr == 1e-3f &&
              t.opt.beta1 == 0.9f && t.opt.beta2 == 0.999f && t.opt.eps == 1e-8f);
    cr_assert(t.loss.size == sizeof t.loss && t.loss.penalty == EDD_PENALTY_NONE && t.loss.outlier == -1 &&
              t.loss.temperature == 1.0f, "edd_train_opts' loss is not edd_loss_opts_default's");
    edd_mc_opts mc;
    edd_mc_opts_default(&mc);
    cr_assert(mc.size == sizeof mc && mc.passes == 20 && mc.seed == 1 && mc.shape == EDD_MC_THREADS &&
              mc.rows == 128 && mc.first == 0);
    edd_distill_opts d;
    edd_distill_opts_default(&d);
    cr_assert(d.size == sizeof d && d.method == EDD_DISTILL_EXTENDED && d.alpha == 0.9f &&
              d.temperature == 100.0f && !d.hard_labels);
    cr_assert(d.mc.size == sizeof d.mc && d.mc.passes == 20 && d.mc.shape == EDD_MC_THREADS && d.mc.rows == 128,
              "edd_distill_opts' mc is not edd_mc_opts_default's");
    cr_assert(d.train.size == sizeof d.train && d.train.opt.size == sizeof d.train.opt &&
              d.train.loss.size == sizeof d.train.loss && d.train.epochs == 10);
    cr_assert(d.train.loss.penalty == EDD_PENALTY_HINGE && d.train.loss.gamma == 5e-4f &&
              d.train.loss.kappa == 40.0f && d.train.loss.outlier == EDD_N_REAL && d.train.loss.temperature == 1.0f);
}

/* An init writes the first `size` bytes and no more: a caller built
 * against an older, smaller struct keeps the bytes after it; a larger one
 * gets zeros after the fields this library knows; a size too small for
 * the size field itself writes nothing. (edd_pgd_opts has no padding, so
 * its bytes compare.) */
Test(abi, init_writes_no_more_than_its_size)
{
    const size_t known = sizeof(edd_pgd_opts);
    unsigned char buf[sizeof(edd_pgd_opts) + 32];
    edd_pgd_opts ref;
    edd_pgd_opts_default(&ref);
    const size_t sizes[] = {16, known, known + 16, 4};
    for (int c = 0; c < 4; c++) {
        const size_t size = sizes[c];
        memset(buf, 0xAB, sizeof buf);
        edd_pgd_opts_init((edd_pgd_opts *)(void *)buf, size);
        size_t got = 0;
        memcpy(&got, buf, sizeof got);
        if (size < sizeof(size_t)) {
            for (size_t i = 0; i < sizeof buf; i++)
                cr_assert_eq(buf[i], 0xAB, "size %zu: byte %zu written", size, i);
            continue;
        }
        cr_assert_eq(got, size, "size %zu: the size field says %zu", size, got);
        const size_t fill = size < known ? size : known;
        cr_assert(!memcmp(buf + sizeof(size_t), (const unsigned char *)&ref + sizeof(size_t), fill - sizeof(size_t)),
                  "size %zu: the defaults differ", size);
        for (size_t i = fill; i < size; i++)
            cr_assert_eq(buf[i], 0, "size %zu: byte %zu past the known struct is not 0", size, i);
        for (size_t i = size; i < sizeof buf; i++)
            cr_assert_eq(buf[i], 0xAB, "size %zu: byte %zu past the size written", size, i);
    }
}
