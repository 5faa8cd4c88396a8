/* bench/layouts.c - the weight layouts a training step could keep its
 * parameters in (issue 28, items 2-3). A step without a weight reorder
 * needs, for each layer, one layout that its forward, backward-data and
 * backward-weights primitives all take on a JIT kernel. For each layer of
 * the paper's CNN at the training batch (128) this builds three
 * formulations and times each primitive (best of 5 runs of REPS calls):
 *   blocked  today's plans: every layout `any`, so oneDNN picks one per
 *            primitive, and a step reorders the weights from the plain
 *            layout to each primitive's and the weight gradient back
 *            (timed too);
 *   shared   one layout for all three: the one the forward picks;
 *   nhwc     channels-last activations and HWIO weights (for fc: IO),
 *            shared, the form PyTorch's channels-last runs.
 * A primitive that falls to oneDNN's reference kernel is named, not timed
 * (it runs 10-40x slower). Report only: no ratio floor in bench-check.
 * Last line: one JSON object. */
#include "common.h"

#include <omp.h>

#define B 128
#define REPS 20

typedef enum { F_BLOCKED, F_SHARED, F_NHWC, F_COUNT } formulation;
static const char *const f_name[F_COUNT] = {"blocked", "shared", "nhwc"};

typedef struct {
    const char *impl[3];   /* fwd, bwd_d, bwd_w ("-": conv1 has no bwd_d in training) */
    double gflops[3];      /* 0: not timed (a reference kernel, or none) */
    double reorder_ms, step_ms;
    int ref;
} result;

#define CK(x)                                                                     \
    do {                                                                          \
        dnnl_status_t s_ = (x);                                                   \
        if (s_ != dnnl_success) {                                                 \
            fprintf(stderr, "bench layouts: %s: %s\n", #x, dnnl_status2str(s_)); \
            exit(1);                                                              \
        }                                                                         \
    } while (0)

static const char *impl_of(const_dnnl_primitive_desc_t pd)
{
    const char *s = "?";
    dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &s);
    return s;
}

/* Best seconds per call of the primitive of pd over fresh zeroed memories
 * for its nargs arguments (args[i] from query q[i], index idx[i]). */
static double time_prim(dnnl_engine_t eng, dnnl_stream_t str, const_dnnl_primitive_desc_t pd, int nargs,
                        const int *args, const dnnl_query_t *q, const int *idx)
{
    dnnl_primitive_t p;
    dnnl_exec_arg_t a[8];
    dnnl_memory_t mem[8];
    CK(dnnl_primitive_create(&p, pd));
    int n = 0;
    for (; n < nargs; n++) {
        const dnnl_memory_desc_t *md = dnnl_primitive_desc_query_md(pd, q[n], idx[n]);
        CK(dnnl_memory_create(&mem[n], md, eng, DNNL_MEMORY_ALLOCATE));
        void *h;
        dnnl_memory_get_data_handle(mem[n], &h);
        memset(h, 0, dnnl_memory_desc_get_size(md));
        a[n] = (dnnl_exec_arg_t){args[n], mem[n]};
    }
    const dnnl_memory_desc_t *sp = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
    if (sp && dnnl_memory_desc_get_size(sp)) {
        CK(dnnl_memory_create(&mem[n], sp, eng, DNNL_MEMORY_ALLOCATE));
        a[n] = (dnnl_exec_arg_t){DNNL_ARG_SCRATCHPAD, mem[n]};
        n++;
    }
    CK(dnnl_primitive_execute(p, str, n, a));
    double best = 1e30;
    for (int k = 0; k < 5; k++) {
        double t0 = omp_get_wtime();
        for (int r = 0; r < REPS; r++)
            CK(dnnl_primitive_execute(p, str, n, a));
        CK(dnnl_stream_wait(str));
        double t = (omp_get_wtime() - t0) / REPS;
        best = t < best ? t : best;
    }
    for (int i = 0; i < n; i++)
        dnnl_memory_destroy(mem[i]);
    dnnl_primitive_destroy(p);
    return best;
}

/* Layer li's memory descriptors: src (tag sa), dst (tag da), weights (tag
 * wt; fc's HWIO is its IO, "ba"), bias. */
static void layer_mds(int li, dnnl_format_tag_t sa, dnnl_format_tag_t da, dnnl_format_tag_t wt,
                      dnnl_memory_desc_t *src, dnnl_memory_desc_t *dst, dnnl_memory_desc_t *w,
                      dnnl_memory_desc_t *bias)
{
    const edd_layer_shape *L = &EDD_CNN[li];
    const int64_t oc = edd_layer_out_c(li, EDD_N_REAL), conv = li <= EDD_L_CONV2, four = li <= EDD_L_CONV3;
    dnnl_dims_t s = {B, L->in_c, L->in_hw, L->in_hw}, d = {B, oc, L->out_hw, L->out_hw};
    dnnl_dims_t wd = {oc, L->in_c, L->kernel, L->kernel}, bd = {oc};
    const dnnl_format_tag_t w2 = wt == dnnl_format_tag_any ? wt : wt == dnnl_cdba ? dnnl_ba : dnnl_ab;
    CK(dnnl_memory_desc_init_by_tag(src, four ? 4 : 2, s, dnnl_f32, four ? sa : dnnl_nc));
    CK(dnnl_memory_desc_init_by_tag(dst, conv ? 4 : 2, d, dnnl_f32, conv ? da : dnnl_nc));
    CK(dnnl_memory_desc_init_by_tag(w, four ? 4 : 2, wd, dnnl_f32, four ? wt : w2));
    CK(dnnl_memory_desc_init_by_tag(bias, 1, bd, dnnl_f32, dnnl_x));
}

/* The primitive descriptor of layer li's pass (0 fwd, 1 bwd_d, 2 bwd_w). */
static dnnl_primitive_desc_t layer_pd(dnnl_engine_t eng, int li, int pass, const dnnl_memory_desc_t *src,
                                      const dnnl_memory_desc_t *dst, const dnnl_memory_desc_t *w,
                                      const dnnl_memory_desc_t *bias, const_dnnl_primitive_desc_t hint)
{
    const edd_layer_shape *L = &EDD_CNN[li];
    dnnl_dims_t st = {L->stride, L->stride}, pad = {L->pad, L->pad};
    dnnl_primitive_desc_t pd;
    if (li <= EDD_L_CONV2) {
        dnnl_convolution_desc_t d;
        if (pass == 0)
            CK(dnnl_convolution_forward_desc_init(&d, dnnl_forward_training, dnnl_convolution_direct, src, w, bias,
                                                  dst, st, pad, pad));
        else if (pass == 1)
            CK(dnnl_convolution_backward_data_desc_init(&d, dnnl_convolution_direct, src, w, dst, st, pad, pad));
        else
            CK(dnnl_convolution_backward_weights_desc_init(&d, dnnl_convolution_direct, src, w, bias, dst, st, pad,
                                                           pad));
        CK(dnnl_primitive_desc_create(&pd, &d, NULL, eng, hint));
        return pd;
    }
    dnnl_inner_product_desc_t d;
    if (pass == 0)
        CK(dnnl_inner_product_forward_desc_init(&d, dnnl_forward_training, src, w, bias, dst));
    else if (pass == 1)
        CK(dnnl_inner_product_backward_data_desc_init(&d, src, w, dst));
    else
        CK(dnnl_inner_product_backward_weights_desc_init(&d, src, w, bias, dst));
    CK(dnnl_primitive_desc_create(&pd, &d, NULL, eng, hint));
    return pd;
}

/* Seconds of today's per-step weight reorders of layer li: plain to the
 * layout of each of fwd and bwd_d, bwd_w's gradient back to plain. */
static double reorders(dnnl_engine_t eng, dnnl_stream_t str, const dnnl_memory_desc_t *plain,
                       const dnnl_primitive_desc_t pd[3])
{
    double s = 0.0;
    const dnnl_memory_desc_t *to[3] = {dnnl_primitive_desc_query_md(pd[0], dnnl_query_weights_md, 0),
                                       pd[1] ? dnnl_primitive_desc_query_md(pd[1], dnnl_query_weights_md, 0) : NULL,
                                       dnnl_primitive_desc_query_md(pd[2], dnnl_query_diff_weights_md, 0)};
    for (int r = 0; r < 3; r++) {
        if (!to[r] || dnnl_memory_desc_equal(to[r], plain))
            continue;
        dnnl_primitive_desc_t rpd;
        CK(dnnl_reorder_primitive_desc_create(&rpd, r == 2 ? to[r] : plain, eng, r == 2 ? plain : to[r], eng, NULL));
        const int args[2] = {DNNL_ARG_FROM, DNNL_ARG_TO}, idx[2] = {0, 0};
        const dnnl_query_t q[2] = {dnnl_query_src_md, dnnl_query_dst_md};
        s += time_prim(eng, str, rpd, 2, args, q, idx);
        dnnl_primitive_desc_destroy(rpd);
    }
    return s;
}

/* Layer li in formulation f: kernels, GFLOP/s, reorders and step time. */
static result measure(dnnl_engine_t eng, dnnl_stream_t str, int li, formulation f)
{
    result r = {.impl = {"-", "-", "-"}};
    dnnl_memory_desc_t src, dst, w, bias, plain, unused[3];
    const dnnl_format_tag_t act = f == F_NHWC ? dnnl_nhwc : dnnl_format_tag_any;
    /* conv1 reads the images as they are (one channel: NCHW is NHWC) */
    const dnnl_format_tag_t sa = li == EDD_L_CONV1 && f != F_NHWC ? dnnl_nchw : act;
    layer_mds(li, sa, act, f == F_NHWC ? dnnl_cdba : dnnl_format_tag_any, &src, &dst, &w, &bias);
    layer_mds(li, dnnl_nchw, dnnl_nchw, dnnl_abcd, &unused[0], &unused[1], &plain, &unused[2]);
    dnnl_primitive_desc_t pd[3] = {layer_pd(eng, li, 0, &src, &dst, &w, &bias, NULL), NULL, NULL};
    dnnl_memory_desc_t wf = *dnnl_primitive_desc_query_md(pd[0], dnnl_query_weights_md, 0);
    const dnnl_memory_desc_t *wb = f == F_SHARED ? &wf : &w;
    if (li != EDD_L_CONV1) /* training never needs the images' gradient */
        pd[1] = layer_pd(eng, li, 1, &src, &dst, wb, &bias, pd[0]);
    pd[2] = layer_pd(eng, li, 2, &src, &dst, wb, &bias, pd[0]);
    const double flops = 2.0 * B * edd_layer_macs(li, EDD_N_REAL);
    static const int a0[4] = {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_BIAS, DNNL_ARG_DST};
    static const int a1[3] = {DNNL_ARG_DIFF_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DIFF_DST};
    static const int a2[4] = {DNNL_ARG_SRC, DNNL_ARG_DIFF_WEIGHTS, DNNL_ARG_DIFF_BIAS, DNNL_ARG_DIFF_DST};
    static const dnnl_query_t q0[4] = {dnnl_query_src_md, dnnl_query_weights_md, dnnl_query_weights_md,
                                       dnnl_query_dst_md};
    static const dnnl_query_t q1[3] = {dnnl_query_diff_src_md, dnnl_query_weights_md, dnnl_query_diff_dst_md};
    static const dnnl_query_t q2[4] = {dnnl_query_src_md, dnnl_query_diff_weights_md, dnnl_query_diff_weights_md,
                                       dnnl_query_diff_dst_md};
    static const int i0[4] = {0, 0, 1, 0}, i1[3] = {0, 0, 0}, i2[4] = {0, 0, 1, 0};
    const int *args[3] = {a0, a1, a2}, *idx[3] = {i0, i1, i2}, nargs[3] = {4, 3, 4};
    const dnnl_query_t *q[3] = {q0, q1, q2};
    for (int k = 0; k < 3; k++) {
        if (!pd[k])
            continue;
        r.impl[k] = impl_of(pd[k]);
        r.ref |= !strncmp(r.impl[k], "ref", 3);
    }
    for (int k = 0; k < 3 && !r.ref; k++)
        if (pd[k]) {
            const double s = time_prim(eng, str, pd[k], nargs[k], args[k], q[k], idx[k]);
            r.gflops[k] = flops / s / 1e9;
            r.step_ms += 1e3 * s;
        }
    if (f == F_BLOCKED && !r.ref)
        r.reorder_ms = 1e3 * reorders(eng, str, &plain, pd);
    r.step_ms += r.reorder_ms;
    for (int k = 0; k < 3; k++)
        if (pd[k])
            dnnl_primitive_desc_destroy(pd[k]);
    return r;
}

int main(void)
{
    bench_begin("layouts", 300);
    dnnl_engine_t eng;
    dnnl_stream_t str;
    CK(dnnl_engine_create(&eng, dnnl_cpu, 0));
    CK(dnnl_stream_create(&str, eng, dnnl_stream_default_flags));
    const double peak = bench_sgemm_peak(2048, 7);
    printf("bench layouts: batch %d, ISA %s, %d threads, same-run sgemm peak %.0f GFLOP/s\n", B, bench_onednn_isa(),
           omp_get_max_threads(), peak);
    printf("%-6s %-8s %-26s %-26s %-26s %7s %7s %7s %9s %9s\n", "layer", "form", "fwd", "bwd_d", "bwd_w", "fwd%",
           "bwd_d%", "bwd_w%", "reord ms", "step ms");
    char json[8192];
    int len = snprintf(json, sizeof json, "{\"bench\":\"layouts\",\"isa\":\"%s\",\"sgemm_peak\":%.1f,\"rows\":[",
                       bench_onednn_isa(), peak);
    for (int li = 0; li < EDD_NLAYERS; li++)
        for (int f = 0; f < F_COUNT; f++) {
            result r = measure(eng, str, li, (formulation)f);
            printf("%-6s %-8s %-26s %-26s %-26s", EDD_CNN[li].name, f_name[f], r.impl[0], r.impl[1], r.impl[2]);
            if (r.ref)
                printf(" %7s %7s %7s %9s %9s\n", "-", "-", "-", "-", "ref");
            else
                printf(" %6.0f%% %6.0f%% %6.0f%% %9.3f %9.3f\n", 100 * r.gflops[0] / peak, 100 * r.gflops[1] / peak,
                       100 * r.gflops[2] / peak, r.reorder_ms, r.step_ms);
            if (len < (int)sizeof json)
                len += snprintf(json + len, sizeof json - (size_t)len,
                                "%s{\"layer\":\"%s\",\"form\":\"%s\",\"ref\":%d,\"reorder_ms\":%.4f,\"step_ms\":%.4f}",
                                li || f ? "," : "", EDD_CNN[li].name, f_name[f], r.ref, r.reorder_ms, r.step_ms);
        }
    printf("%s]}\n", json);
    dnnl_stream_destroy(str);
    dnnl_engine_destroy(eng);
    return 0;
}
