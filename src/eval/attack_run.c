/* attack_run.c - running an edd_attack_config's attack and scoring it as
 * `edd attack` does (edd_attack_config_run, edd/attack_config.h): the
 * attack on its source model, then edd_attack_eval with its goal. */
#include "edd/attack_config.h"
#include "edd/internal/opts.h"
#include "edd/progress.h"

#include <stdlib.h>

/* Run the chosen attack on src; t is the targets of a targeted attack, or
 * the labels (untargeted CW takes the true labels). */
static edd_status run(edd_ctx *ctx, const edd_attack_config *c, const edd_cnn *src, const float *x, const uint8_t *y,
                      const uint8_t *t, size_t n, float *adv, edd_attack_out *r)
{
    switch (c->kind) {
    case EDD_ATTACK_FGM: return edd_fgm(ctx, src, x, y, n, &c->fgm, adv);
    case EDD_ATTACK_PGD: return edd_pgd(ctx, src, x, y, n, &c->pgd, adv);
    case EDD_ATTACK_JSMA: return edd_jsma(ctx, src, x, t, n, &c->jsma, adv, r->ok, r->steps);
    case EDD_ATTACK_APGD: case EDD_ATTACK_APGD_T: return edd_apgd(ctx, src, x, y, n, &c->apgd, adv);
    case EDD_ATTACK_SQUARE: return edd_square(ctx, src, x, y, n, &c->square, adv, r->steps);
    case EDD_ATTACK_FMN: return edd_fmn(ctx, src, x, y, n, &c->fmn, adv, r->norm);
    case EDD_ATTACK_SUITE: return edd_suite_run(ctx, src, x, y, n, &c->suite, adv, r->by, r->seconds);
    case EDD_ATTACK_CW: return edd_cw_l2(ctx, src, x, t, n, &c->cw, adv, r->ok);
    default: return edd_fail(ctx, EDD_ERR_ARG, "attack config: no attack chosen (call edd_attack_config_check)");
    }
}

edd_status edd_attack_config_run(edd_ctx *ctx, const edd_attack_config *c, const edd_cnn *src, const edd_cnn *tgt,
                                 const float *x, const uint8_t *y, size_t n, float *adv, edd_attack_scores *s,
                                 edd_attack_out *out)
{
    edd_status st = EDD_OPTS_CHECK(ctx, edd_attack_config, c);
    if (st)
        return st;
    edd_attack_out mine = {0}, r = out ? *out : mine;
    /* what the caller did not ask for, in scratch arrays */
    mine.target = r.target ? NULL : malloc(n + 1);
    mine.ok = r.ok ? NULL : calloc(n + 1, 1);
    mine.steps = r.steps ? NULL : calloc(n + 1, sizeof(int));
    mine.norm = r.norm ? NULL : calloc(n + 1, sizeof(float));
    mine.by = r.by ? NULL : calloc(n + 1, 1);
    r.target = r.target ? r.target : mine.target;
    r.ok = r.ok ? r.ok : mine.ok;
    r.steps = r.steps ? r.steps : mine.steps;
    r.norm = r.norm ? r.norm : mine.norm;
    r.by = r.by ? r.by : mine.by;
    if (!r.target || !r.ok || !r.steps || !r.norm || !r.by)
        st = edd_fail(ctx, EDD_ERR_NOMEM, "attack: out of memory for %zu images", n);
    const int targeted = edd_attack_config_targeted(c);
    if (!st) {
        edd_attack_targets(c->seed, y, n, 0, EDD_N_REAL, r.target);
        double t0 = edd_now();
        st = run(ctx, c, src, x, y, targeted ? r.target : y, n, adv, &r);
        double secs = edd_now() - t0;
        edd_attack_goal goal;
        edd_attack_goal_default(&goal);
        goal.target = targeted ? r.target : NULL;
        goal.confidence = c->kind == EDD_ATTACK_CW && targeted ? c->cw.confidence : 0.0f;
        if (!st)
            st = edd_attack_eval(ctx, src, tgt, x, y, n, adv, &goal, s);
        s->seconds = secs;
    }
    if (out)
        for (int k = 0; k < EDD_SUITE_NATTACKS; k++)
            out->seconds[k] = r.seconds[k];
    free(mine.target);
    free(mine.ok);
    free(mine.steps);
    free(mine.norm);
    free(mine.by);
    return st;
}
