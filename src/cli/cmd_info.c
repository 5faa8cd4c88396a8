/* cmd_info.c - `edd info`: what edd runs on, as one JSON line for a bug
 * report: edd's and oneDNN's versions, oneDNN's threading runtime, the ISA
 * oneDNN dispatches to, the CPU, the OpenMP threads, and the
 * implementation oneDNN chose for every primitive of every plan kind;
 * with --profile, each plan kind's per-primitive profile at its stages'
 * batch size (edd/profile.h) against the same-run sgemm peak. */
#include "cli.h"
#include "edd/io.h"
#include "edd/nn.h"
#include "edd/profile.h"

#include <oneapi/dnnl/dnnl.h>
#include <oneapi/dnnl/dnnl_debug.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *help =
    "usage: edd info [--batches 1,7,32,128] [--k 10,11] [--threads N]\n"
    "       edd info --profile [--k 10] [--steps 5] [--threads N]\n"
    "       edd info --model M.edd\n\n"
    "Prints one JSON line: edd's version, oneDNN's version, runtime and the ISA\n"
    "it dispatches to (ONEDNN_MAX_CPU_ISA caps it), the CPU, the OpenMP threads,\n"
    "and for every plan kind (inference, also the MC-dropout passes; train;\n"
    "input_grad, the attacks' gradient; jacobian, input_grad over K rows per\n"
    "image) at each batch size and K, every oneDNN primitive with its\n"
    "implementation. \"ref_primitives\" counts those on oneDNN's slow reference\n"
    "kernel (ref:*). Paste it into a bug report.\n\n"
    "With --profile, one JSON line of where the time goes instead: each plan kind\n"
    "at the batch size its stages use (train 128, inference 128, mc 320,\n"
    "input_grad 100, jacobian at JSMA's batch), run for a few steps on a random\n"
    "model and random images; for each oneDNN primitive a step ran, its FLOPs\n"
    "(a reorder: bytes) and time per call, GFLOP/s and the fraction of the\n"
    "dnnl_sgemm peak measured in the same run; for each plan the step's time,\n"
    "and the shares of it in oneDNN, in reorders and outside oneDNN (edd's own\n"
    "loops). The measured tables are in docs/PERFORMANCE.md.\n\n"
    "With --model M.edd, one JSON line about that model instead: K, the dropout rates,\n"
    "the parameter count and its provenance: the data set it was trained on (name\n"
    "and the SHA-256 of its training images), how it was made (train, distill,\n"
    "temperature, adversarial or import) and the main settings; \"unknown\" for a\n"
    "model file older than provenance (version 1).\n\n"
    "  --model PATH           the model file to describe\n"
    "  --batches LIST         batch sizes, comma-separated (default 1,7,32,128)\n"
    "  --k LIST               model outputs, comma-separated (default 10,11;\n"
    "                         10 with --profile)\n"
    "  --profile              profile each plan kind (above)\n"
    "  --steps N              steps timed per plan, 1..1000 (default 5); implies\n"
    "                         --profile\n"
    "  --threads N            OpenMP threads (default: all cores)\n"
    "  --help                 this text\n";

#define MAX_LIST 16

typedef struct {
    int batches[MAX_LIST], nb;
    int ks[MAX_LIST], nk;
    const char *model;
    int profile, steps, batches_given, k_given, steps_given;
} info_args;

enum { O_BATCHES = 1, O_K, O_MODEL, O_PROFILE, O_STEPS };

/* Parse "a,b,c" into out (at most MAX_LIST values in [lo, hi]). */
static int parse_list(const char *opt, const char *arg, long lo, long hi, int *out, int *n)
{
    char buf[256];
    if (strlen(arg) >= sizeof buf)
        return cli_usage("info", "--%s: the list '%.40s...' is too long", opt, arg);
    strcpy(buf, arg);
    *n = 0;
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        long v;
        if (*n == MAX_LIST)
            return cli_usage("info", "--%s: at most %d values, got more in '%s'", opt, MAX_LIST, arg);
        if (cli_long("info", opt, tok, lo, hi, &v))
            return EXIT_USAGE;
        out[(*n)++] = (int)v;
    }
    return *n ? 0 : cli_usage("info", "--%s: expected a comma-separated list, got '%s'", opt, arg);
}

static int on_opt(void *user, int c, const char *arg)
{
    info_args *a = user;
    long v;
    if (c == O_BATCHES)
        return a->batches_given = 1, parse_list("batches", arg, 1, 4096, a->batches, &a->nb);
    if (c == O_K)
        return a->k_given = 1, parse_list("k", arg, 2, 1000, a->ks, &a->nk);
    if (c == O_MODEL)
        a->model = arg;
    if (c == O_PROFILE)
        a->profile = 1;
    if (c == O_STEPS) {
        if (cli_long("info", "steps", arg, 1, 1000, &v))
            return EXIT_USAGE;
        a->steps = (int)v;
        a->steps_given = 1;
    }
    return 0;
}

/* s as a JSON string on stdout (cli_json). */
static void json_str(const char *s)
{
    char b[CLI_JSON_MAX];
    fputs(cli_json(b, sizeof b, s), stdout);
}

static const char *runtime_name(unsigned r)
{
    return r == DNNL_RUNTIME_OMP ? "OpenMP" : r == DNNL_RUNTIME_TBB ? "TBB" : r == DNNL_RUNTIME_SEQ ? "sequential"
           : r == DNNL_RUNTIME_THREADPOOL ? "threadpool" : "other";
}

/* The plans `edd info` describes, for each K and batch: `rows` 1 for a
 * Jacobian's plan, K rows per image. */
static const struct {
    const char *name;
    int kind, rows;
} kinds[] = {{"inference", EDD_PLAN_INFER, 0}, {"train", EDD_PLAN_TRAIN, 0}, {"input_grad", EDD_PLAN_INPUT_GRAD, 0},
             {"jacobian", EDD_PLAN_INPUT_GRAD, 1}};
#define N_KINDS (sizeof kinds / sizeof kinds[0])

/* Build every plan of a (K, kind, batch), in that order, and describe its
 * primitives into prims (EDD_PLAN_MAX_PRIMS each) and their number into
 * np; *nref counts those on a reference kernel. */
static edd_status describe_plans(edd_ctx *ctx, const info_args *a, edd_plan_prim *prims, int *np, int *nref)
{
    size_t pi = 0;
    for (int ki = 0; ki < a->nk; ki++) {
        edd_cnn m = {0};
        edd_status st = edd_cnn_init(ctx, &m, a->ks[ki], 0.2f, 0.5f, 1);
        for (size_t t = 0; !st && t < N_KINDS; t++)
            for (int bi = 0; !st && bi < a->nb; bi++, pi++) {
                edd_plan *p = NULL;
                int b = a->batches[bi] * (kinds[t].rows ? a->ks[ki] : 1);
                if ((st = edd_plan_create(ctx, &m, b, kinds[t].kind, 0, &p)))
                    break;
                np[pi] = edd_plan_prims(p, prims + pi * EDD_PLAN_MAX_PRIMS, EDD_PLAN_MAX_PRIMS);
                for (int j = 0; j < np[pi] && j < EDD_PLAN_MAX_PRIMS; j++)
                    *nref += !strncmp(prims[pi * EDD_PLAN_MAX_PRIMS + j].impl, "ref", 3);
                edd_plan_free(p);
            }
        edd_cnn_free(&m);
        if (st)
            return st;
    }
    return EDD_OK;
}

/* The start of `edd info`'s JSON line: versions, ISA, CPU, threads. */
static void print_env(const edd_ctx *ctx)
{
    const dnnl_version_t *v = dnnl_version();
    char cpu[256];
    edd_cpu_name(cpu, sizeof cpu);
    const char *cap = getenv("ONEDNN_MAX_CPU_ISA");
    printf("{\"edd\":\"%s\",\"onednn\":\"%d.%d.%d\",\"onednn_hash\":", EDD_VERSION, v->major, v->minor, v->patch);
    json_str(v->hash ? v->hash : "");
    printf(",\"onednn_runtime\":\"%s\",\"isa\":\"%s\",\"max_cpu_isa_env\":", runtime_name(v->cpu_runtime),
           dnnl_cpu_isa2str(dnnl_get_effective_cpu_isa()));
    json_str(cap ? cap : "");
    printf(",\"cpu\":");
    json_str(cpu);
    printf(",\"openmp_threads\":%d,\"edd_simd\":\"%s\"", edd_ctx_threads(ctx),
           edd_ctx_simd(ctx) == EDD_SIMD_AVX2 ? "avx2" : "scalar");
}

/* The JSON line of `edd info`: print_env, then each plan's primitives as
 * describe_plans found them. */
static void print_info(const edd_ctx *ctx, const info_args *a, const edd_plan_prim *prims, const int *np, int nref)
{
    print_env(ctx);
    printf(",\"ref_primitives\":%d,\"plans\":[", nref);
    size_t pi = 0;
    for (int ki = 0; ki < a->nk; ki++)
        for (size_t t = 0; t < N_KINDS; t++)
            for (int bi = 0; bi < a->nb; bi++, pi++) {
                int b = a->batches[bi] * (kinds[t].rows ? a->ks[ki] : 1);
                printf("%s{\"kind\":\"%s\",\"k\":%d,\"batch\":%d,\"primitives\":[", pi ? "," : "", kinds[t].name,
                       a->ks[ki], b);
                for (int j = 0; j < np[pi] && j < EDD_PLAN_MAX_PRIMS; j++) {
                    const edd_plan_prim *r = &prims[pi * EDD_PLAN_MAX_PRIMS + j];
                    printf("%s{\"name\":", j ? "," : "");
                    json_str(r->name);
                    printf(",\"impl\":");
                    json_str(r->impl);
                    printf(",\"shape\":");
                    json_str(r->shape);
                    putchar('}');
                }
                printf("]}");
            }
    printf("]}\n");
}

/* One primitive of a profile as a JSON object; peak in GFLOP/s. */
static void print_prof_row(const edd_profile *pr, const edd_prim_prof *r, int j, double peak)
{
    double per_call = r->calls ? r->seconds / (double)r->calls : 0.0;
    double gflops = r->seconds > 0 ? r->flops * (double)r->calls / r->seconds / 1e9 : 0.0;
    printf("%s{\"name\":", j ? "," : "");
    json_str(r->prim.name);
    printf(",\"impl\":");
    json_str(r->prim.impl);
    printf(",\"shape\":");
    json_str(r->prim.shape);
    printf(",\"reorder\":%s,\"flops\":%.0f,\"bytes\":%.0f,\"calls_per_step\":%.4g,\"ms_per_call\":%.6g,"
           "\"gflops\":%.4g,\"frac_peak\":%.4f,\"share_of_step\":%.4f}", r->reorder ? "true" : "false", r->flops,
           r->bytes, (double)r->calls / pr->steps, 1e3 * per_call, gflops, peak > 0 ? gflops / peak : 0.0,
           r->seconds / pr->steps / pr->step_seconds);
}

/* The JSON line of `edd info --profile`: print_env, the same-run sgemm
 * peak, then each profile and its primitives. */
static void print_profiles(const edd_ctx *ctx, const edd_profile *pr, int n, double peak)
{
    static const char *plan_kind[] = {"inference", "train", "input_grad"};
    print_env(ctx);
    printf(",\"sgemm_gflops\":%.1f,\"profiles\":[", peak);
    for (int i = 0; i < n; i++) {
        const edd_profile *p = &pr[i];
        double flops = 0.0;
        for (int j = 0; j < p->nrows; j++)
            flops += p->rows[j].flops * (double)p->rows[j].calls / p->steps;
        double gflops = flops / p->step_seconds / 1e9;
        printf("%s{\"kind\":\"%s\",\"plan\":\"%s\",\"stage\":", i ? "," : "", p->spec.name,
               plan_kind[p->spec.kind]);
        json_str(p->spec.stage);
        printf(",\"k\":%d,\"images\":%d,\"batch\":%d,\"dropout\":%s,\"steps\":%d,\"step_ms\":%.6g,"
               "\"step_flops\":%.0f,\"gflops\":%.4g,\"frac_peak\":%.4f,\"onednn_share\":%.4f,"
               "\"reorder_share\":%.4f,\"outside_share\":%.4f,\"primitives\":[", p->k, p->spec.images, p->batch,
               p->spec.dropout ? "true" : "false", p->steps, 1e3 * p->step_seconds, flops, gflops,
               peak > 0 ? gflops / peak : 0.0, p->onednn_seconds / p->step_seconds,
               p->reorder_seconds / p->step_seconds, 1.0 - p->onednn_seconds / p->step_seconds);
        for (int j = 0; j < p->nrows; j++)
            print_prof_row(p, &p->rows[j], j, peak);
        printf("]}");
    }
    printf("]}\n");
}

/* `edd info --profile`: every plan kind of edd_profile_specs for each K,
 * profiled over a->steps steps, and the same-run sgemm peak; the line is
 * printed only once every profile is done. */
static int profile_info(const char *cmd, edd_ctx *ctx, const info_args *a)
{
    edd_profile_spec specs[8];
    int ns = edd_profile_specs(a->ks[0], specs, 8), n = 0;
    edd_profile *pr = calloc((size_t)a->nk * (size_t)ns, sizeof *pr);
    if (!pr) {
        edd_fail(ctx, EDD_ERR_NOMEM, "info: out of memory for %d profiles", a->nk * ns);
        return cli_fail(cmd, ctx);
    }
    double peak = edd_sgemm_peak(2048, 5);
    edd_status st = EDD_OK;
    for (int ki = 0; !st && ki < a->nk; ki++) {
        ns = edd_profile_specs(a->ks[ki], specs, 8);
        for (int si = 0; !st && si < ns; si++)
            st = edd_profile_run(ctx, &specs[si], a->ks[ki], a->steps, &pr[n++]);
    }
    if (!st)
        print_profiles(ctx, pr, n, peak);
    free(pr);
    return st ? cli_fail(cmd, ctx) : 0;
}

/* `edd info --model PATH`: the model's one JSON line. */
static int model_info(const char *cmd, const char *path)
{
    edd_ctx *ctx = NULL;
    edd_cnn m = {0};
    cli_data_opts d = {0};
    int rc = cli_open(cmd, &d, &ctx, 0, 0, NULL);
    if (!rc && edd_cnn_load(ctx, &m, path))
        rc = cli_fail(cmd, ctx);
    if (!rc) {
        char jm[CLI_JSON_MAX], jp[2 * CLI_JSON_MAX];
        printf("{\"model\":%s,\"k\":%d,\"p_input\":%g,\"p_hidden\":%g,\"parameters\":%zu,\"provenance\":%s}\n",
               cli_json(jm, sizeof jm, path), m.k, m.p_input, m.p_hidden, m.nparams,
               cli_prov_json(&m.prov, jp, sizeof jp));
    }
    edd_cnn_free(&m);
    edd_ctx_close(ctx);
    return rc;
}

/* The options that go together: --steps implies --profile; --profile
 * with neither --model nor --batches (each plan runs at its stages' batch
 * size), and without --k it profiles K = 10. */
static int args_check(const char *cmd, info_args *a)
{
    a->profile |= a->steps_given;
    if (a->profile && (a->model || a->batches_given))
        return cli_usage(cmd, "--%s runs each plan kind at the batch size its stages use, on a random model: "
                         "expected no %s with it", a->steps_given ? "steps" : "profile",
                         a->model ? "--model" : "--batches");
    if (a->profile && !a->k_given)
        a->nk = 1;
    return 0;
}

int cmd_info(int argc, char **argv)
{
    static const struct option longopts[] = {{"batches", required_argument, 0, O_BATCHES}, {"k", required_argument, 0, O_K},
                                             {"model", required_argument, 0, O_MODEL},
                                             {"profile", no_argument, 0, O_PROFILE},
                                             {"steps", required_argument, 0, O_STEPS},
                                             {"threads", required_argument, 0, CLI_OPT_THREADS},
                                             {"help", no_argument, 0, CLI_OPT_HELP}, {0, 0, 0, 0}};
    const char *cmd = "info";
    info_args a = {.batches = {1, 7, 32, 128}, .nb = 4, .ks = {10, 11}, .nk = 2, .steps = 5};
    cli_data_opts d = {0};
    int rc = cli_parse(cmd, argc, argv, longopts, help, &d, on_opt, &a);
    if (rc >= 0)
        return rc;
    if ((rc = args_check(cmd, &a)))
        return rc;
    if (a.model)
        return model_info(cmd, a.model);
    edd_ctx *ctx = NULL;
    if ((rc = cli_open(cmd, &d, &ctx, 0, 0, NULL)))
        return rc;
    if (a.profile) {
        rc = profile_info(cmd, ctx, &a);
        edd_ctx_close(ctx);
        return rc;
    }
    /* Print the header only once every plan is built: an error then leaves no half line on stdout. */
    size_t nplans = (size_t)a.nk * a.nb * N_KINDS;
    edd_plan_prim *prims = calloc(nplans * EDD_PLAN_MAX_PRIMS, sizeof *prims);
    int *np = calloc(nplans, sizeof *np), nref = 0;
    if (!prims || !np) {
        edd_fail(ctx, EDD_ERR_NOMEM, "info: out of memory for %zu plans' descriptions", nplans);
        rc = cli_fail(cmd, ctx);
    }
    if (!rc && describe_plans(ctx, &a, prims, np, &nref))
        rc = cli_fail(cmd, ctx);
    if (!rc)
        print_info(ctx, &a, prims, np, nref);
    free(prims);
    free(np);
    edd_ctx_close(ctx);
    return rc;
}
