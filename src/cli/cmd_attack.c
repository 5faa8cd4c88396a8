/* cmd_attack.c - `edd attack`: FGM, PGD, JSMA, CW-L2, APGD, APGD-T, Square,
 * FMN or the standard suite made on a source model and scored on a target
 * model (white box when they are the same), with the paper's rates as one
 * JSON line (docs/DESIGN.md section 8; options: attack_args.c). */
#include "attack_args.h"
#include "edd/eval.h"
#include "edd/io.h"
#include "edd/progress.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_float(const void *p, const void *q)
{
    float u = *(const float *)p, v = *(const float *)q;
    return (u > v) - (u < v);
}

/* The JSON fields of the newer attacks' options and of what they leave. */
static void print_json_new(const attack_args *a, const edd_attack_out *r, size_t n)
{
    const char *ord = a->cfg.pgd.ord ? "2" : "inf";
    if (a->cfg.kind == EDD_ATTACK_APGD || a->cfg.kind == EDD_ATTACK_APGD_T)
        printf(",\"eps\":%g,\"ord\":\"%s\",\"loss\":\"%s\",\"steps\":%d,\"restarts\":%d", a->cfg.apgd.eps, ord,
               a->cfg.kind == EDD_ATTACK_APGD_T ? "dlr-targeted" : edd_apgd_loss_names[a->cfg.apgd.loss], a->cfg.apgd.steps, a->cfg.apgd.restarts);
    if (a->cfg.kind == EDD_ATTACK_APGD_T)
        printf(",\"n_target_classes\":%d", a->cfg.apgd.n_target_classes);
    if (a->cfg.kind == EDD_ATTACK_SQUARE) {
        double q = 0.0;
        for (size_t i = 0; i < n; i++)
            q += r->steps[i];
        printf(",\"eps\":%g,\"ord\":\"%s\",\"queries\":%d,\"p_init\":%g,\"restarts\":%d,\"mean_queries\":%.3f",
               a->cfg.square.eps, ord, a->cfg.square.queries, a->cfg.square.p_init, a->cfg.square.restarts, n ? q / (double)n : 0.0);
    }
    if (a->cfg.kind == EDD_ATTACK_FMN) {
        float *v = malloc(n * sizeof(float) + 1);
        size_t found = 0;
        for (size_t i = 0; v && i < n; i++)
            if (isfinite(r->norm[i]))
                v[found++] = r->norm[i];
        if (v && found)
            qsort(v, found, sizeof(float), cmp_float);
        printf(",\"ord\":\"%s\",\"steps\":%d,\"found\":%zu,\"median_norm\":%.6f", a->cfg.fmn.ord ? "2" : "inf",
               a->cfg.fmn.steps, found, v && found ? (double)v[found / 2] : -1.0);
        free(v);
    }
    if (a->cfg.kind != EDD_ATTACK_SUITE)
        return;
    size_t robust = 0, broke[EDD_SUITE_NATTACKS] = {0};
    for (size_t i = 0; i < n; i++) {
        robust += r->by[i] == EDD_SUITE_ROBUST;
        if (r->by[i] >= 0)
            broke[r->by[i]]++;
    }
    printf(",\"suite\":\"standard\",\"eps\":%g,\"ord\":\"%s\",\"steps\":%d,\"restarts\":%d,\"n_target_classes\":%d,"
           "\"fmn_steps\":%d,\"queries\":%d,\"robust_accuracy\":%.6f",
           a->cfg.suite.eps, ord, a->cfg.suite.steps, a->cfg.suite.restarts, a->cfg.suite.n_target_classes, a->cfg.suite.fmn_steps,
           a->cfg.suite.queries, n ? (double)robust / (double)n : 0.0);
    for (int k = 0; k < EDD_SUITE_NATTACKS; k++)
        printf(",\"broken_%s\":%zu,\"seconds_%s\":%.3f", edd_suite_names[k], broke[k], edd_suite_names[k],
               r->seconds[k]);
}

static void print_json(const attack_args *a, const cli_data_opts *d, const edd_cnn *tgt, const edd_cnn *src,
                       const edd_attack_scores *s, const edd_attack_out *r, int threads)
{
    char jm[CLI_JSON_MAX], js[CLI_JSON_MAX];
    printf("{\"attack\":\"%s\",\"model\":%s,\"source\":%s,\"data\":\"%s\",\"k\":%d,\"source_k\":%d,"
           "\"examples\":%zu,\"threads\":%d",
           edd_attack_names[a->cfg.kind], cli_json(jm, sizeof jm, a->model),
           cli_json(js, sizeof js, a->source ? a->source : a->model), cli_data_name(d), tgt->k, src->k, s->n,
           threads);
    if (a->cfg.kind == EDD_ATTACK_FGM)
        printf(",\"eps\":%g,\"ord\":\"%s\",\"loss\":\"%s\"", a->cfg.fgm.eps, a->cfg.fgm.ord ? "2" : "inf",
               edd_attack_loss_names[a->cfg.fgm.loss]);
    else
        printf(",\"seed\":%llu", (unsigned long long)a->cfg.seed);
    if (a->cfg.kind == EDD_ATTACK_FGM && a->cfg.fgm.loss == EDD_LOSS_MARGIN)
        printf(",\"margin_cap\":%g", a->cfg.fgm.margin_cap);
    if (a->cfg.kind == EDD_ATTACK_PGD)
        printf(",\"eps\":%g,\"ord\":\"%s\",\"loss\":\"%s\",\"margin_cap\":%g,\"steps\":%d,\"step_size\":%g,"
               "\"restarts\":%d,\"rand_start\":%d,\"early_stop\":%d",
               a->cfg.pgd.eps, a->cfg.pgd.ord ? "2" : "inf", edd_attack_loss_names[a->cfg.pgd.loss], a->cfg.pgd.margin_cap, a->cfg.pgd.steps,
               a->cfg.pgd.step_size > 0.0f ? a->cfg.pgd.step_size : 2.5f * a->cfg.pgd.eps / (float)a->cfg.pgd.steps,
               a->cfg.pgd.restarts, a->cfg.pgd.rand_start, a->cfg.pgd.early_stop);
    if (a->cfg.kind == EDD_ATTACK_JSMA) {
        double pix = 0.0;
        for (size_t i = 0; i < s->n; i++)
            pix += 2.0 * r->steps[i] / EDD_IMG_SIZE;
        printf(",\"gamma\":%g,\"jacobian\":\"%s\",\"mean_pixels_changed\":%.6f", a->cfg.jsma.gamma,
               edd_jsma_jacobian_names[a->cfg.jsma.jacobian], s->n ? pix / (double)s->n : 0.0);
    }
    if (a->cfg.kind == EDD_ATTACK_CW)
        printf(",\"goal\":\"%s\",\"confidence\":%g,\"binary_search_steps\":%d,\"max_iterations\":%d,\"learning_rate\":%g,"
               "\"initial_const\":%g,\"abort_early\":%d,\"optimizer\":\"%s\",\"rho\":%g,\"cw_eps\":%g",
               edd_cw_goal_names[a->cfg.cw.untargeted], a->cfg.cw.confidence, a->cfg.cw.binary_search_steps, a->cfg.cw.max_iterations,
               a->cfg.cw.learning_rate, a->cfg.cw.initial_const, a->cfg.cw.abort_early,
               a->cfg.cw.optimizer == EDD_CW_ADAM ? "adam" : "adadelta", a->cfg.cw.rho, a->cfg.cw.eps);
    print_json_new(a, r, s->n);
    printf(",\"clean_accuracy\":%.6f,\"clean_false_positives\":%.6f,\"recovered\":%.6f,\"detected\":%.6f,"
           "\"misclassified\":%.6f,\"mean_l2\":%.6f,\"attack_success\":%.6f,\"seconds\":%.3f,\"ms_per_example\":%.3f}\n",
           s->clean_accuracy, s->clean_false_positives, s->recovered, s->detected, s->misclassified, s->mean_l2,
           s->source_success, s->seconds, s->n ? 1e3 * s->seconds / (double)s->n : 0.0);
}

/* Attack the n images of ds on src, score on tgt into s, write --adv-out. */
static int attack_and_score(const attack_args *a, edd_ctx *ctx, const edd_cnn *tgt, const edd_cnn *src,
                            const edd_dataset *ds, float *adv, edd_attack_out *r, edd_attack_scores *s)
{
    const char *cmd = "attack";
    size_t n = ds->n;
    if (edd_attack_config_run(ctx, &a->cfg, src, tgt, ds->x, ds->y, n, adv, s, r))
        return cli_fail(cmd, ctx);
    int rc = cli_finite(cmd, "the mean L2 distance", s->mean_l2);
    if (!rc && a->adv_out) {
        size_t shape[4] = {n, EDD_IMG_C, EDD_IMG_H, EDD_IMG_W};
        if (edd_npy_write(ctx, a->adv_out, EDD_NPY_F32, 4, shape, adv))
            rc = cli_fail(cmd, ctx);
    }
    return rc;
}

int cmd_attack(int argc, char **argv)
{
    const char *cmd = "attack";
    attack_args a;
    attack_args_init(&a);
    cli_data_opts d = {.data = "mnist"};
    int rc = attack_args_parse(argc, argv, &a, &d);
    if (rc >= 0)
        return rc;
    edd_ctx *ctx = NULL;
    edd_dataset ds = {0};
    edd_cnn tgt = {0}, srcm = {0};
    rc = cli_open(cmd, &d, &ctx, 0, (size_t)a.limit, &ds);
    if (!rc && edd_cnn_load(ctx, &tgt, a.model))
        rc = cli_fail(cmd, ctx);
    if (!rc && a.source && edd_cnn_load(ctx, &srcm, a.source))
        rc = cli_fail(cmd, ctx);
    if (!rc)
        rc = cli_prov_check(cmd, ctx, &d, a.model, &tgt);
    if (!rc && a.source)
        rc = cli_prov_check(cmd, ctx, &d, a.source, &srcm);
    const edd_cnn *src = a.source ? &srcm : &tgt;
    size_t n = ds.n;
    float *adv = malloc(n * EDD_IMG_SIZE * sizeof(float) + 1);
    edd_attack_out r = {.ok = calloc(n + 1, 1), .steps = calloc(n + 1, sizeof(int)),
                        .norm = calloc(n + 1, sizeof(float)), .by = calloc(n + 1, 1)};
    if (!rc && (!adv || !r.ok || !r.steps || !r.norm || !r.by)) {
        edd_fail(ctx, EDD_ERR_NOMEM, "out of memory for %zu images", n);
        rc = cli_fail(cmd, ctx);
    }
    edd_attack_scores s = {0};
    if (!rc)
        rc = attack_and_score(&a, ctx, &tgt, src, &ds, adv, &r, &s);
    if (!rc)
        print_json(&a, &d, &tgt, src, &s, &r, edd_ctx_threads(ctx));
    free(adv); free(r.ok); free(r.steps); free(r.norm); free(r.by);
    edd_cnn_free(&tgt);
    edd_cnn_free(&srcm);
    edd_dataset_free(&ds);
    edd_ctx_close(ctx);
    return rc;
}
