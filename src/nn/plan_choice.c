/* plan_choice.c - the form of a plan, chosen by measurement (issue 28,
 * item 3).
 *
 * Owns plan_choose. Two forms compute the same passes:
 *   blocked  the activations in the layout oneDNN picks for format_tag_any
 *            (its blocked aBcd16b or aBcd8b: the jit kernels), a1
 *            reordered into conv2's layout when they differ;
 *   nhwc     INFER and INPUT_GRAD: conv1's space-to-depth input, a1 and a2
 *            channel-innermost, which reaches oneDNN's brgemm convolutions
 *            on AVX-512 and needs no reorder on the data path nor before
 *            the input gradient's matmuls (plan_grad.c). TRAIN: conv2's
 *            forward alone in NHWC (brgemm), its backward primitives on the
 *            blocked layouts (on NHWC they land on oneDNN's gemm kernels:
 *            docs/results/bench-layouts), a1 and a2's gradient reordered
 *            into them, and conv2's weight gradient reordered into the
 *            forward's layout, which a trainer keeps.
 * Their sums run in different orders, so their outputs differ in the last
 * bits.
 *
 * EDD_PLAN_CHOICE (edd_ctx_init reads it): "fixed" builds the blocked form
 * always (so does a process under a memory limit: plan_choose), the choice before this file, for runs that must stay one engine
 * bit for bit; "measure", the default, builds both forms on the real batch,
 * keeps the one that runs no reference kernel if only one does (the blocked
 * one if both do: no timing then), else times each pass (forward; forward
 * and backward for INPUT_GRAD and TRAIN: one run to warm up, then the best
 * of three) and keeps the faster.
 *
 * The choices are cached per CPU in $XDG_CACHE_HOME/edd/plan-choices (else
 * $HOME/.cache/edd/plan-choices), one line each, never in a results folder:
 *   edd-plan-choice 1 KEY KIND BATCH THREADS FORM US_BLOCKED US_NHWC
 * KEY hashes the CPU's model name with oneDNN's version and ISA. The first
 * line for a (KEY, KIND, BATCH, THREADS) wins, and a process re-reads the
 * file after it appends: processes that measured at once take the first
 * writer's choice, so two runs of a command on one machine compute the
 * same bits. Without a usable cache file (no HOME, a directory that cannot
 * be made, a file over 1 MB) "measure" builds the blocked form, and says
 * why once per context on stderr: a choice no later process can read would
 * let two runs differ. A malformed line is skipped.
 *
 * May call: core, io (the cache file), sha256, oneDNN (its version and
 * ISA), plan.c (plan_build). */
#include "edd/internal/ctx.h"
#include "edd/io.h"
#include "edd/progress.h"
#include "edd/sha256.h"
#include "plan_internal.h"

#include <errno.h>
#include <oneapi/dnnl/dnnl_debug.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHOICE_MAX_BYTES ((size_t)1 << 20)
#define FORM_BLOCKED 0
#define FORM_NHWC 1

static const char *const form_name[2] = {"blocked", "nhwc"};

/* Say once per context why the cache cannot be used; not from an OpenMP
 * worker, whose context is a copy per task (defense.c's MC passes), which
 * would say it once per task. */
static void choice_warn(edd_ctx *ctx, const char *path, const char *why)
{
    if (ctx->choice_warned || omp_in_parallel())
        return;
    ctx->choice_warned = 1;
    fprintf(stderr, "edd: note: plan-choice cache %s: %s; plans keep the fixed (blocked) layouts "
            "(EDD_PLAN_CHOICE, docs/PERFORMANCE.md)\n", path, why);
}

/* The cache file's path into path (n bytes), its directory made (0700);
 * 0 when there is none to use. */
static int cache_path(edd_ctx *ctx, char *path, size_t n)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    char dir[4096];
    int k;
    if (xdg && xdg[0] == '/')
        k = snprintf(dir, sizeof dir, "%s/edd", xdg);
    else if (home && home[0] == '/')
        k = snprintf(dir, sizeof dir, "%s/.cache/edd", home);
    else {
        choice_warn(ctx, "(none)", "neither XDG_CACHE_HOME nor HOME is an absolute path");
        return 0;
    }
    if (k < 0 || (size_t)k >= sizeof dir || (size_t)snprintf(path, n, "%s/plan-choices", dir) >= n) {
        choice_warn(ctx, "(too long)", "the cache directory's path is longer than 4,000 bytes");
        return 0;
    }
    char *slash = strrchr(dir, '/');
    *slash = 0; /* the parent (~/.cache) first, then edd */
    if ((mkdir(dir, 0700) && errno != EEXIST) || (*slash = '/', mkdir(dir, 0700) && errno != EEXIST)) {
        choice_warn(ctx, dir, strerror(errno));
        return 0;
    }
    return 1;
}

/* The key: the CPU's model name, oneDNN's version and its ISA, hashed. */
static void cache_key(char key[17])
{
    char cpu[256], text[512];
    edd_cpu_name(cpu, sizeof cpu);
    const dnnl_version_t *v = dnnl_version();
    snprintf(text, sizeof text, "%s|%d.%d.%d|%s", cpu, v->major, v->minor, v->patch,
             dnnl_cpu_isa2str(dnnl_get_effective_cpu_isa()));
    unsigned char d[EDD_SHA256_BYTES];
    char hex[EDD_SHA256_HEX];
    edd_sha256_bytes(text, strlen(text), d);
    edd_sha256_hex(d, hex);
    memcpy(key, hex, 16);
    key[16] = 0;
}

/* The form of the file's first well-formed line for (key, kind, b,
 * threads), or -1. */
static int cache_find(const char *text, const char *key, int kind, int b, int threads)
{
    for (const char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        char k[17], lk[2], lb[10], lt[5], form[8], t0[20], t1[20]; /* digits bounded: no overflow */
        int used = 0;
        if (sscanf(line, "edd-plan-choice 1 %16[0-9a-f] %1[0-9] %9[0-9] %4[0-9] %7[a-z] %19[-0-9] %19[-0-9]%n", k, lk,
                   lb, lt, form, t0, t1, &used) != 7 || (line[used] != '\n' && line[used] != 0))
            continue;
        int f = !strcmp(form, "blocked") ? FORM_BLOCKED : !strcmp(form, "nhwc") ? FORM_NHWC : -1;
        if (f >= 0 && !strcmp(k, key) && atoi(lk) == kind && atoi(lb) == b && atoi(lt) == threads)
            return f;
    }
    return -1;
}

/* The file's choice for (key, kind, b, threads) into *form (-1: none);
 * 0 when the file cannot be read (it is then not used). */
static int cache_read(edd_ctx *ctx, const char *path, const char *key, int kind, int b, int threads, int *form)
{
    char *text = NULL;
    size_t len = 0;
    *form = -1;
    if (access(path, F_OK) && errno == ENOENT)
        return 1;
    if (edd_file_read_text(NULL, path, "the plan-choice cache, a text file", CHOICE_MAX_BYTES, &text, &len)) {
        choice_warn(ctx, path, "not a regular file of at most 1 MB");
        return 0;
    }
    *form = cache_find(text, key, kind, b, threads);
    free(text);
    return 1;
}

/* Append line to the cache file; 0 when it cannot. */
static int cache_append(edd_ctx *ctx, const char *path, const char *line)
{
    if (!edd_file_append(NULL, path, "the plan-choice cache, a regular file", line, strlen(line)))
        return 1;
    choice_warn(ctx, path, "not a regular file that can be appended to");
    return 0;
}

/* Floats pass_time's buffer holds for a plan of b rows. */
static size_t pass_floats(const edd_cnn *m, int b)
{
    return (size_t)b * (2 * EDD_IMG_SIZE + 2 * (size_t)m->k) + edd_cnn_nparams(m->k);
}

/* The best of three timed passes of p (after one to warm up), in seconds,
 * on a constant batch; buf holds pass_floats floats. */
static edd_status pass_time(edd_ctx *ctx, edd_plan *p, const edd_cnn *m, float *buf, double *best)
{
    const size_t nx = (size_t)p->b * EDD_IMG_SIZE, nz = (size_t)p->b * (size_t)m->k;
    float *x = buf, *z = x + nx, *dz = z + nz, *dx = dz + nz, *grad = dx + nx;
    for (size_t i = 0; i < nx; i++)
        x[i] = 0.5f;
    for (size_t i = 0; i < nz; i++)
        dz[i] = 1.0f / (float)m->k;
    *best = 1e300;
    for (int r = 0; r < 4; r++) {
        double t0 = edd_now();
        edd_status st = edd_plan_forward(ctx, p, m, x, NULL, z);
        if (!st && p->kind != EDD_PLAN_INFER)
            st = p->kind == EDD_PLAN_TRAIN ? edd_plan_backward(ctx, p, m, dz, grad, NULL)
                                            : edd_plan_backward(ctx, p, m, dz, NULL, dx);
        if (st)
            return st;
        double t = edd_now() - t0;
        if (r > 0 && t < *best)
            *best = t;
    }
    return EDD_OK;
}

static int has_ref(const edd_plan *p)
{
    edd_plan_prim pr[EDD_PLAN_MAX_PRIMS];
    int n = edd_plan_prims(p, pr, EDD_PLAN_MAX_PRIMS);
    for (int i = 0; i < n && i < EDD_PLAN_MAX_PRIMS; i++)
        if (!strncmp(pr[i].impl, "ref", 3))
            return 1;
    return 0;
}

/* Build both forms, keep the faster in *out; untimed, the one of the two
 * that runs no reference kernel, and the blocked one when the other cannot
 * be built or both run one (a reference kernel's pass can take seconds).
 * Both times into us[2] (microseconds, -1: not timed). */
static edd_status measure(edd_ctx *ctx, const edd_cnn *m, int b, int kind, int own_stream, edd_plan **out,
                          int *form, long us[2])
{
    edd_plan *p[2] = {NULL, NULL};
    us[0] = us[1] = -1;
    *form = FORM_BLOCKED;
    edd_status st = plan_build(ctx, m, b, kind, own_stream, FORM_BLOCKED, &p[0]);
    if (st)
        return st;
    float *buf = malloc(pass_floats(m, b) * sizeof(float));
    double t[2];
    if (buf && !plan_build(ctx, m, b, kind, own_stream, FORM_NHWC, &p[1])) {
        int r0 = has_ref(p[0]), r1 = has_ref(p[1]);
        if (r0 != r1)
            *form = r0 ? FORM_NHWC : FORM_BLOCKED;
        else if (!r0 && !pass_time(ctx, p[0], m, buf, &t[0]) && !pass_time(ctx, p[1], m, buf, &t[1])) {
            us[0] = (long)(t[0] * 1e6);
            us[1] = (long)(t[1] * 1e6);
            *form = t[1] < t[0] ? FORM_NHWC : FORM_BLOCKED;
        }
    }
    free(buf);
    edd_plan_free(p[!*form]);
    *out = p[*form];
    return EDD_OK;
}

/* plan_choose's body, under its lock: the context's choice, else the
 * cache's, else a measurement recorded in both. */
static edd_status choose_locked(edd_ctx *ctx, const edd_cnn *m, int b, int kind, int own_stream, int threads,
                                edd_plan **out)
{
    for (int i = 0; i < ctx->n_forms; i++)
        if (ctx->forms[i].kind == kind && ctx->forms[i].b == b && ctx->forms[i].threads == threads)
            return plan_build(ctx, m, b, kind, own_stream, ctx->forms[i].form, out);
    char path[4200], key[17];
    int form = -1;
    cache_key(key);
    int usable = cache_path(ctx, path, sizeof path) && cache_read(ctx, path, key, kind, b, threads, &form);
    edd_status st;
    if (form >= 0 || !usable)
        st = plan_build(ctx, m, b, kind, own_stream, usable ? form : FORM_BLOCKED, out);
    else {
        long us[2];
        if ((st = measure(ctx, m, b, kind, own_stream, out, &form, us)))
            return st;
        char line[160];
        snprintf(line, sizeof line, "edd-plan-choice 1 %s %d %d %d %s %ld %ld\n", key, kind, b, threads,
                 form_name[form], us[0], us[1]);
        int first = -1;
        usable = cache_append(ctx, path, line) && cache_read(ctx, path, key, kind, b, threads, &first) && first >= 0;
        int keep = usable ? first : FORM_BLOCKED; /* the first writer's choice holds; unrecorded, the fixed one */
        if (keep != form) {
            edd_plan_free(*out);
            st = plan_build(ctx, m, b, kind, own_stream, keep, out);
        }
        form = keep;
    }
    if (!st && ctx->n_forms < (int)(sizeof ctx->forms / sizeof ctx->forms[0]))
        ctx->forms[ctx->n_forms++] = (struct edd_plan_form){kind, b, threads, usable ? form : FORM_BLOCKED};
    return st;
}

/* 1 under a finite address-space or data limit (ulimit -v, -d). */
static int memory_capped(void)
{
    struct rlimit as, data;
    return (!getrlimit(RLIMIT_AS, &as) && as.rlim_cur != RLIM_INFINITY) ||
           (!getrlimit(RLIMIT_DATA, &data) && data.rlim_cur != RLIM_INFINITY);
}

/* Contract (plan_internal.h). Under a memory limit the blocked form, as
 * with fixed: oneDNN dies by a signal, not a status, when it cannot map its
 * jit code, and the bound edd checks before building a plan (plan.c) was
 * measured on the blocked form's kernels, not on brgconv's. */
edd_status plan_choose(edd_ctx *ctx, const edd_cnn *m, int b, int kind, int own_stream, edd_plan **out)
{
    if (ctx->plan_fixed || memory_capped())
        return plan_build(ctx, m, b, kind, own_stream, FORM_BLOCKED, out);
    const int threads = omp_in_parallel() ? 1 : ctx->nthreads;
    edd_status st;
    /* Unnamed: a named critical section is a global symbol libedd.so would export. Nothing in edd holds the
     * unnamed one around a plan's creation (defense.c's holds it to copy an error), which would deadlock here. */
    #pragma omp critical
    st = choose_locked(ctx, m, b, kind, own_stream, threads, out);
    return st;
}
