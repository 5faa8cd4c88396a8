/* bench/profile.c - the per-primitive efficiency table (issue 28): each
 * plan kind at the batch size its stages use (edd_profile_specs: train
 * 128, inference 128, mc 320, input_grad 100, jacobian at JSMA's batch),
 * K = 10, profiled over a few steps (edd_profile_run); for each oneDNN
 * primitive a step ran, its FLOPs (a reorder: bytes) and time per call,
 * GFLOP/s and the fraction of the same-run dnnl_sgemm peak, and per plan
 * the shares of the step in reorders and outside oneDNN. Prints Markdown
 * tables (docs/PERFORMANCE.md, "Per-primitive efficiency", holds them per
 * ISA); last line: one JSON object for scripts/bench-check.py. */
#include "common.h"

#define N_SPECS 8

/* "1.23 M" style: v with a decimal prefix. */
static const char *si(double v, char *buf, size_t n)
{
    static const char *pre[] = {"", "k", "M", "G", "T"};
    int i = 0;
    while (v >= 1000.0 && i < 4) {
        v /= 1000.0;
        i++;
    }
    snprintf(buf, n, "%.3g %s", v, pre[i]);
    return buf;
}

/* The FLOPs of one step of p: every compute primitive's, times its calls. */
static double step_flops(const edd_profile *p)
{
    double flops = 0.0;
    for (int j = 0; j < p->nrows; j++)
        flops += p->rows[j].flops * (double)p->rows[j].calls / p->steps;
    return flops;
}

/* The Markdown table of one profile, headed by its step's figures. */
static void print_table(const edd_profile *p, double peak)
{
    double flops = step_flops(p);
    double gf = flops / p->step_seconds / 1e9;
    char b1[32];
    char rows[48] = "";
    if (p->spec.rep > 1)
        snprintf(rows, sizeof rows, " x %d rows (batch %d)", p->spec.rep, p->batch);
    printf("\n#### %s: %d images%s, K=%d (%s)\n\n", p->spec.name, p->spec.images, rows, p->k, p->spec.stage);
    printf("Step %.2f ms, %sFLOP, %.1f GFLOP/s = %.1f%% of the sgemm peak; oneDNN %.1f%% of the step, reorders "
           "%.1f%%, outside oneDNN %.1f%%.\n\n", 1e3 * p->step_seconds, si(flops, b1, sizeof b1), gf,
           100 * gf / peak, 100 * p->onednn_seconds / p->step_seconds, 100 * p->reorder_seconds / p->step_seconds,
           100 * (1 - p->onednn_seconds / p->step_seconds));
    printf("| primitive | implementation | shape | FLOPs (bytes) / call | calls / step | ms / call | GFLOP/s (GB/s) "
           "| %% of peak | %% of step |\n|---|---|---|---|---|---|---|---|---|\n");
    for (int j = 0; j < p->nrows; j++) {
        const edd_prim_prof *r = &p->rows[j];
        double per_call = r->seconds / (double)r->calls, work = r->reorder ? r->bytes : r->flops;
        char w[32], rate[32], frac[16];
        si(work, w, sizeof w);
        if (r->reorder) {
            snprintf(rate, sizeof rate, "(%.1f)", r->bytes / per_call / 1e9);
            frac[0] = 0;
        } else {
            snprintf(rate, sizeof rate, "%.1f", r->flops / per_call / 1e9);
            snprintf(frac, sizeof frac, "%.1f", 100 * r->flops / per_call / 1e9 / peak);
        }
        printf("| %s | %s | %s | %s%s | %.3g | %.3f | %s | %s | %.1f |\n", r->prim.name, r->prim.impl, r->prim.shape,
               w, r->reorder ? "B" : "", (double)r->calls / p->steps, 1e3 * per_call, rate, frac,
               100 * r->seconds / p->steps / p->step_seconds);
    }
}

/* The fraction of the peak of p's compute primitive that took the most
 * time (0 when there is none). */
static double heaviest_frac(const edd_profile *p, double peak)
{
    const edd_prim_prof *h = NULL;
    for (int j = 0; j < p->nrows; j++)
        if (p->rows[j].flops > 0 && (!h || p->rows[j].seconds > h->seconds))
            h = &p->rows[j];
    return h && h->seconds > 0 ? h->flops * (double)h->calls / h->seconds / 1e9 / peak : 0.0;
}

/* Weight reorders per step of p whose name has `what` ("weight": all of
 * them). An attack step, whose weights do not change, should run none; a
 * training step none for its forward pass or its weight gradients, which
 * run on the trainer's store in their layouts (src/nn/trainer.c). */
static double weight_reorders(const edd_profile *p, const char *what)
{
    double n = 0;
    for (int j = 0; j < p->nrows; j++)
        if (p->rows[j].reorder && strstr(p->rows[j].prim.name, "weight") && strstr(p->rows[j].prim.name, what))
            n += (double)p->rows[j].calls / p->steps;
    return n;
}

/* The layout tag after `key ` in a primitive's shape ("wei 128x64x6x6:Acdb32a"
 * gives "Acdb32a") into tag (n bytes); "" when the shape has none. */
static void shape_tag(const char *shape, const char *key, char *tag, size_t n)
{
    const char *s = strstr(shape, key);
    const char *c = s ? strchr(s, ':') : NULL;
    tag[0] = 0;
    if (c)
        snprintf(tag, n, "%.*s", (int)strcspn(c + 1, " "), c + 1);
}

/* The weight-gradient reorders a training step of p cannot avoid: a
 * layer whose backward-weights primitive writes another layout than its
 * forward one reads (the trainer's store) needs one; the plan's form
 * chooses that by measurement (src/nn/plan_choice.c). */
static double gradient_reorders_needed(const edd_profile *p)
{
    double n = 0;
    for (int li = 0; li < EDD_NLAYERS; li++) {
        char fwd[64] = "", bwd[64] = "", name[64];
        for (int j = 0; j < p->nrows; j++) {
            const edd_plan_prim *q = &p->rows[j].prim;
            snprintf(name, sizeof name, "%s forward", EDD_CNN[li].name);
            if (!strncmp(q->name, name, strlen(name)))
                shape_tag(q->shape, " wei ", fwd, sizeof fwd);
            snprintf(name, sizeof name, "%s backward_weights", EDD_CNN[li].name);
            if (!strcmp(q->name, name))
                shape_tag(q->shape, "diff_wei ", bwd, sizeof bwd);
        }
        n += fwd[0] && bwd[0] && strcmp(fwd, bwd);
    }
    return n;
}

int main(void)
{
    bench_begin("profile", 300);
    edd_ctx ctx;
    if (edd_ctx_init(&ctx, 0)) {
        fprintf(stderr, "bench profile: %s\n", ctx.err);
        return 1;
    }
    const int K = 10, steps = bench_quick() ? 5 : 20;
    double peak = bench_sgemm_peak(2048, bench_quick() ? 4 : 7);
    edd_profile_spec specs[N_SPECS];
    int ns = edd_profile_specs(K, specs, N_SPECS);
    static edd_profile pr[N_SPECS];
    for (int i = 0; i < ns && i < N_SPECS; i++)
        if (edd_profile_run(&ctx, &specs[i], K, steps, &pr[i])) {
            fprintf(stderr, "bench profile: %s\n", ctx.err);
            return 1;
        }
    const dnnl_version_t *dv = dnnl_version();
    printf("threads %d, sgemm peak %.1f GFLOP/s (2048^3, same run), oneDNN %d.%d.%d dispatching up to %s, %d steps "
           "per plan%s\n", ctx.nthreads, peak, dv->major, dv->minor, dv->patch, bench_onednn_isa(), steps,
           bench_quick() ? " (quick mode)" : "");
    double min_heavy = 1e9, attack_wr = 0, train_wr = 0;
    for (int i = 0; i < ns && i < N_SPECS; i++) {
        print_table(&pr[i], peak);
        double h = heaviest_frac(&pr[i], peak);
        min_heavy = h < min_heavy ? h : min_heavy;
        if (pr[i].spec.kind == EDD_PLAN_INPUT_GRAD)
            attack_wr += weight_reorders(&pr[i], "weight");
        if (pr[i].spec.kind == EDD_PLAN_TRAIN)
            train_wr += weight_reorders(&pr[i], "(forward)") + weight_reorders(&pr[i], "gradient") -
                        gradient_reorders_needed(&pr[i]);
    }
    printf("\n{\"bench\":\"profile\",\"threads\":%d,\"sgemm_gflops\":%.1f,\"onednn_isa\":\"%s\",\"quick\":%d,"
           "\"min_heaviest_frac_peak\":%.3f,\"attack_weight_reorders_per_step\":%.3g,"
           "\"train_forward_gradient_weight_reorders_per_step\":%.3g", ctx.nthreads, peak, bench_onednn_isa(),
           bench_quick(), min_heavy, attack_wr, train_wr);
    for (int i = 0; i < ns && i < N_SPECS; i++) {
        const edd_profile *p = &pr[i];
        printf(",\"%s_step_ms\":%.4g,\"%s_frac_peak\":%.4f,\"%s_reorder_share\":%.4f,\"%s_outside_share\":%.4f",
               p->spec.name, 1e3 * p->step_seconds, p->spec.name, step_flops(p) / p->step_seconds / 1e9 / peak,
               p->spec.name, p->reorder_seconds / p->step_seconds, p->spec.name,
               1 - p->onednn_seconds / p->step_seconds);
    }
    printf("}\n");
    edd_ctx_free(&ctx);
    return 0;
}
