/* plan_prof.c - a plan's profiling (edd/profile.h): the counters
 * plan_run and plan_run_reorder add each execution to while it is on, and
 * each primitive's work per call from its descriptor. Owns the plan's
 * prof_on, prof_n and prof fields. May call: core, oneDNN, plan_info.c
 * (the list of a plan's primitives). */
#include "edd/profile.h"
#include "plan_internal.h"

#include <string.h>

void edd_plan_profile(edd_plan *p, int on)
{
    if (on) {
        dnnl_primitive_t prims[EDD_PLAN_MAX_PRIMS];
        char names[EDD_PLAN_MAX_PRIMS][64];
        int n = plan_prim_list(p, prims, names, EDD_PLAN_MAX_PRIMS);
        p->prof_n = n < EDD_PLAN_MAX_PRIMS ? n : EDD_PLAN_MAX_PRIMS;
        memset(p->prof, 0, sizeof p->prof);
        for (int i = 0; i < p->prof_n; i++)
            p->prof[i].prim = prims[i];
    }
    p->prof_on = on != 0;
}

/* Contract (plan_internal.h). */
void plan_prof_relist(edd_plan *p)
{
    plan_prof_slot old[EDD_PLAN_MAX_PRIMS];
    int n_old = p->prof_n;
    memcpy(old, p->prof, sizeof old);
    edd_plan_profile(p, 1);
    for (int i = 0; i < p->prof_n; i++)
        for (int j = 0; j < n_old; j++)
            if (old[j].prim == p->prof[i].prim)
                p->prof[i] = old[j];
}

void plan_prof_add(edd_plan *p, dnnl_primitive_t prim, double seconds)
{
    for (int i = 0; i < p->prof_n; i++)
        if (p->prof[i].prim == prim) {
            p->prof[i].calls++;
            p->prof[i].seconds += seconds;
            return;
        }
}

/* Product of md's dims from index `from` on (1 for none); 0 for no md. */
static double dims_prod(const dnnl_memory_desc_t *md, int from)
{
    if (!md || md->ndims == 0)
        return 0.0;
    double v = 1.0;
    for (int i = from; i < md->ndims; i++)
        v *= (double)md->dims[i];
    return v;
}

/* The first of two queries that gives pd a memory descriptor (forward:
 * src, weights, dst; backward: their diff_ forms where they are the
 * outputs or inputs of the pass), or NULL. */
static const dnnl_memory_desc_t *md_of(const_dnnl_primitive_desc_t pd, dnnl_query_t a, dnnl_query_t b)
{
    const dnnl_memory_desc_t *md = dnnl_primitive_desc_query_md(pd, a, 0);
    if (md && md->ndims > 0)
        return md;
    md = dnnl_primitive_desc_query_md(pd, b, 0);
    return md && md->ndims > 0 ? md : NULL;
}

/* r's work per call from prim's descriptor (edd/profile.h's formulas). */
static void prim_work(dnnl_primitive_t prim, edd_prim_prof *r)
{
    const_dnnl_primitive_desc_t pd = NULL;
    dnnl_primitive_kind_t kind = dnnl_undefined_primitive;
    if (dnnl_primitive_get_primitive_desc(prim, &pd) != dnnl_success ||
        dnnl_primitive_desc_query(pd, dnnl_query_primitive_kind, 0, &kind) != dnnl_success)
        return;
    const dnnl_memory_desc_t *src = md_of(pd, dnnl_query_src_md, dnnl_query_diff_src_md);
    const dnnl_memory_desc_t *wei = md_of(pd, dnnl_query_weights_md, dnnl_query_diff_weights_md);
    const dnnl_memory_desc_t *dst = md_of(pd, dnnl_query_dst_md, dnnl_query_diff_dst_md);
    if (kind == dnnl_reorder) {
        r->reorder = 1;
        r->bytes = (src ? (double)dnnl_memory_desc_get_size(src) : 0.0) +
                   (dst ? (double)dnnl_memory_desc_get_size(dst) : 0.0);
    } else if (!src || !wei || !dst) {
        return;
    } else if (kind == dnnl_convolution && wei->ndims == 4) { /* N OC OH OW x IC KH KW */
        r->flops = 2.0 * dims_prod(dst, 0) * (double)src->dims[1] * (double)wei->dims[2] * (double)wei->dims[3];
    } else if (kind == dnnl_inner_product) { /* N OC x prod(src dims after N) */
        r->flops = 2.0 * (double)dst->dims[0] * (double)dst->dims[1] * dims_prod(src, 1);
    } else if (kind == dnnl_matmul && src->ndims == 2) { /* M N x K */
        r->flops = 2.0 * (double)dst->dims[0] * (double)dst->dims[1] * (double)src->dims[1];
    }
}

int edd_plan_profile_rows(const edd_plan *p, edd_prim_prof *out, int max)
{
    dnnl_primitive_t prims[EDD_PLAN_MAX_PRIMS];
    char names[EDD_PLAN_MAX_PRIMS][64];
    edd_plan_prim desc[EDD_PLAN_MAX_PRIMS];
    int n = plan_prim_list(p, prims, names, EDD_PLAN_MAX_PRIMS);
    edd_plan_prims(p, desc, EDD_PLAN_MAX_PRIMS);
    for (int i = 0; i < n && i < max && i < EDD_PLAN_MAX_PRIMS; i++) {
        edd_prim_prof *r = &out[i];
        memset(r, 0, sizeof *r);
        r->prim = desc[i];
        prim_work(prims[i], r);
        for (int j = 0; j < p->prof_n; j++)
            if (p->prof[j].prim == prims[i]) {
                r->calls = p->prof[j].calls;
                r->seconds = p->prof[j].seconds;
            }
    }
    return n;
}
