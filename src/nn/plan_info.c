/* plan_info.c - which implementation oneDNN chose for each primitive of a
 * plan: the list of a plan's primitives (plan_prim_list, which
 * plan_prof.c shares), the listing `edd info` prints, and the warning for
 * a reference kernel. May call: core, oneDNN. */
#include "edd/internal/ctx.h"
#include "plan_internal.h"

#include <oneapi/dnnl/dnnl_debug.h>
#include <stdio.h>
#include <string.h>

/* oneDNN's notation for a layout: the dimensions from outermost to
 * innermost stride (upper case when blocked), then the inner blocks, as in
 * "aBcd16b"; "any" or "undef" for a memory without a fixed layout. */
static void md_layout(const dnnl_memory_desc_t *md, char *out, size_t n)
{
    if (md->format_kind != dnnl_blocked) {
        snprintf(out, n, "%s", md->format_kind == dnnl_format_kind_any ? "any" : "undef");
        return;
    }
    const dnnl_blocking_desc_t *bd = &md->format_desc.blocking;
    int order[DNNL_MAX_NDIMS], nd = md->ndims;
    for (int i = 0; i < nd; i++)
        order[i] = i;
    for (int i = 1; i < nd; i++) /* insertion sort by stride, outermost first, stable */
        for (int j = i; j > 0 && bd->strides[order[j]] > bd->strides[order[j - 1]]; j--) {
            int t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    size_t len = 0;
    for (int i = 0; i < nd && len + 1 < n; i++) {
        int blocked = 0;
        for (int k = 0; k < bd->inner_nblks; k++)
            blocked |= bd->inner_idxs[k] == order[i];
        out[len++] = (char)((blocked ? 'A' : 'a') + order[i]);
    }
    out[len] = 0;
    for (int k = 0; k < bd->inner_nblks && len < n; k++)
        len += (size_t)snprintf(out + len, n - len, "%lld%c", (long long)bd->inner_blks[k], 'a' + (int)bd->inner_idxs[k]);
}

/* Append " NAME d0xd1x...:layout" for md to out (nothing for an empty md). */
static void md_append(char *out, size_t n, const char *name, const dnnl_memory_desc_t *md)
{
    size_t len = strlen(out);
    if (!md || md->ndims == 0 || len + 1 >= n)
        return;
    len += (size_t)snprintf(out + len, n - len, "%s%s ", len ? " " : "", name);
    for (int i = 0; i < md->ndims && len < n; i++)
        len += (size_t)snprintf(out + len, n - len, "%s%lld", i ? "x" : "", (long long)md->dims[i]);
    if (len < n) {
        char lay[32];
        md_layout(md, lay, sizeof lay);
        snprintf(out + len, n - len, ":%s", lay);
    }
}

/* Fill r with the name, implementation and shape of primitive prim. */
static void prim_describe(dnnl_primitive_t prim, const char *name, edd_plan_prim *r)
{
    const_dnnl_primitive_desc_t pd = NULL;
    const char *impl = NULL;
    snprintf(r->name, sizeof r->name, "%.63s", name);
    r->shape[0] = 0;
    if (dnnl_primitive_get_primitive_desc(prim, &pd) != dnnl_success ||
        dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl) != dnnl_success || !impl)
        impl = "unknown";
    snprintf(r->impl, sizeof r->impl, "%s", impl);
    static const struct {
        const char *name;
        dnnl_query_t q;
    } mds[] = {{"src", dnnl_query_src_md}, {"diff_src", dnnl_query_diff_src_md}, {"wei", dnnl_query_weights_md},
               {"diff_wei", dnnl_query_diff_weights_md}, {"dst", dnnl_query_dst_md},
               {"diff_dst", dnnl_query_diff_dst_md}};
    for (size_t i = 0; i < sizeof mds / sizeof mds[0]; i++)
        md_append(r->shape, sizeof r->shape, mds[i].name, dnnl_primitive_desc_query_md(pd, mds[i].q, 0));
}

int plan_prim_list(const edd_plan *p, dnnl_primitive_t *prims, char (*names)[64], int max)
{
    int n = 0;
    for (int li = 0; li < EDD_NLAYERS; li++) {
        const layer *L = &p->l[li];
        dnnl_primitive_t lp[6] = {L->fwd, L->bwd_data, L->bwd_w, L->w_fwd_reorder, L->w_bwd_reorder, L->dw_reorder};
        const char *what[6] = {p->kind == EDD_PLAN_INFER ? "forward_inference" : "forward_training",
                               "backward_data", "backward_weights", "weights reorder (forward)",
                               "weights reorder (backward)", "weight-gradient reorder"};
        for (int j = 0; j < 6; j++) {
            if (lp[j] && n < max) {
                prims[n] = lp[j];
                snprintf(names[n], 64, "%s %s", EDD_CNN[li].name, what[j]);
            }
            n += lp[j] != NULL;
        }
    }
    dnnl_primitive_t extra[10] = {p->a1_fwd_reorder, p->a1_bwd_reorder, p->a1b_reorder, p->da2b_reorder,
                                  p->a1n_reorder, p->da2n_reorder, p->mm2.mm[0], p->mm2.mm[1], p->mm1.mm[0],
                                  p->mm1.mm[1]};
    static const char *ename[10] = {"a1 reorder to conv2's layout", "a1 gradient reorder from conv2's layout",
                                    "a1 reorder to conv2's backward layout", "a2 gradient reorder to conv2's backward layout",
                                    "input gradient: a1 reorder to NHWC", "input gradient: da2 reorder to NHWC",
                                    "conv2 input gradient: matmul", "conv2 input gradient: matmul (last chunk)",
                                    "conv1 input gradient: matmul", "conv1 input gradient: matmul (last chunk)"};
    for (int j = 0; j < 10; j++) {
        if (extra[j] && n < max) {
            prims[n] = extra[j];
            snprintf(names[n], 64, "%s", ename[j]);
        }
        n += extra[j] != NULL;
    }
    return n;
}

int edd_plan_prims(const edd_plan *p, edd_plan_prim *out, int max)
{
    dnnl_primitive_t prims[EDD_PLAN_MAX_PRIMS];
    char names[EDD_PLAN_MAX_PRIMS][64];
    int n = plan_prim_list(p, prims, names, EDD_PLAN_MAX_PRIMS);
    for (int i = 0; i < n && i < max && i < EDD_PLAN_MAX_PRIMS; i++)
        prim_describe(prims[i], names[i], &out[i]);
    return n;
}

void plan_warn_ref(edd_ctx *ctx, const edd_plan *p)
{
    edd_plan_prim pr[EDD_PLAN_MAX_PRIMS];
    int n = edd_plan_prims(p, pr, EDD_PLAN_MAX_PRIMS);
    for (int i = 0; i < n && i < EDD_PLAN_MAX_PRIMS; i++) {
        if (strncmp(pr[i].impl, "ref", 3))
            continue;
        int warned;
        #pragma omp atomic capture
        { warned = ctx->ref_warned; ctx->ref_warned = 1; }
        if (!warned)
            fprintf(stderr, "edd: warning: oneDNN runs %s (batch %d: %s) on its reference kernel %s at ISA %s; "
                    "it will be slow (`edd info` lists every primitive)\n", pr[i].name, p->b, pr[i].shape,
                    pr[i].impl, dnnl_cpu_isa2str(dnnl_get_effective_cpu_isa()));
        return;
    }
}
