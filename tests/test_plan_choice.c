/* test_plan_choice.c - the plans' two forms (src/nn/plan_choice.c): they
 * compute the same passes, a replicated forward crosses from one to the
 * other, the per-CPU cache's choice is what a later process builds, and
 * EDD_PLAN_CHOICE and a hostile cache (a FIFO, a symlink, garbage, a huge
 * file, no HOME) neither stop edd nor get written through. */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "edd/nn.h"
#include "testutil.h"

TestSuite(plan_choice, .timeout = 300);

/* A plan of kind and batch b in the given form (0 blocked, 1 nhwc): the
 * context's record of choices says so, as a measurement would. */
static edd_plan *plan_in_form(edd_ctx *ctx, const edd_cnn *m, int kind, int b, int form)
{
    ctx->n_forms = 1;
    ctx->forms[0] = (struct edd_plan_form){kind, b, ctx->nthreads, form};
    edd_plan *p = NULL;
    cr_assert_eq(edd_plan_create(ctx, m, b, kind, 0, &p), EDD_OK, "%s", ctx->err);
    return p;
}

/* 1 when p's primitive whose name starts with `name` has `layout` in its
 * shape (fails when p has none). */
static int prim_has(const edd_plan *p, const char *name, const char *layout)
{
    edd_plan_prim pr[EDD_PLAN_MAX_PRIMS];
    int n = edd_plan_prims(p, pr, EDD_PLAN_MAX_PRIMS);
    for (int i = 0; i < n && i < EDD_PLAN_MAX_PRIMS; i++)
        if (!strncmp(pr[i].name, name, strlen(name)))
            return strstr(pr[i].shape, layout) != NULL;
    cr_assert_fail("no %s in the plan", name);
    return 0;
}

/* max |a - b| / (1 + max |a|) over n floats. */
static double rel_diff(const float *a, const float *b, size_t n)
{
    double d = 0, s = 0;
    for (size_t i = 0; i < n; i++) {
        d = fmax(d, fabs((double)a[i] - b[i]));
        s = fmax(s, fabs((double)a[i]));
    }
    return d / (1 + s);
}

/* The two forms' logits z[0], z[1] (nz floats) and gradients g[0], g[1]
 * (ng) agree within 1e-5 of the largest; frees g. */
static void forms_agree(const char *what, float (*z)[240], size_t nz, float **g, size_t ng)
{
    double dzr = rel_diff(z[0], z[1], nz), dgr = rel_diff(g[0], g[1], ng);
    cr_assert(dzr < 1e-5 && dgr < 1e-5, "%s: logits differ by %.3g, gradients by %.3g (relative to 1 + the "
              "largest)", what, dzr, dgr);
    free(g[0]);
    free(g[1]);
}

Test(plan_choice, the_two_forms_compute_the_same_passes)
{
    edd_ctx ctx;
    edd_cnn m;
    ctx_make(&ctx);
    model_make(&ctx, &m, 10, 7);
    const int b = 24;
    float *x = images_make(b, 3), z[2][240], dz[24 * 10];
    float *dx[2] = {malloc(b * EDD_IMG_SIZE * sizeof(float)), malloc(b * EDD_IMG_SIZE * sizeof(float))};
    for (int i = 0; i < b * 10; i++)
        dz[i] = (float)((i * 37) % 11) / 11.0f - 0.5f;
    for (int f = 0; f < 2; f++) {
        edd_plan *p = plan_in_form(&ctx, &m, EDD_PLAN_INFER, b, f);
        cr_assert_eq(prim_has(p, "conv1 forward", "x17x17:acdb"), f, "INFER plan in form %d", f);
        cr_assert_eq(edd_plan_forward(&ctx, p, &m, x, NULL, z[f]), EDD_OK, "%s", ctx.err);
        edd_plan_free(p);
        p = plan_in_form(&ctx, &m, EDD_PLAN_INPUT_GRAD, b, f);
        cr_assert_eq(prim_has(p, "conv1 forward", "x17x17:acdb"), f, "INPUT_GRAD plan in form %d", f);
        float zg[24 * 10];
        cr_assert_eq(edd_plan_forward(&ctx, p, &m, x, NULL, zg), EDD_OK, "%s", ctx.err);
        cr_assert_eq(edd_plan_backward(&ctx, p, &m, dz, NULL, dx[f]), EDD_OK, "%s", ctx.err);
        cr_assert(rel_diff(z[f], zg, b * 10) < 1e-5, "form %d: INFER and INPUT_GRAD logits differ", f);
        edd_plan_free(p);
    }
    forms_agree("blocked and nhwc, input gradients", z, b * 10, dx, (size_t)b * EDD_IMG_SIZE);
    free(x);
    edd_cnn_free(&m);
    edd_ctx_free(&ctx);
}

Test(plan_choice, the_two_training_forms_give_the_same_gradients)
{
    edd_ctx ctx;
    edd_cnn m;
    ctx_make(&ctx);
    model_make(&ctx, &m, 10, 8);
    const int b = 16;
    const size_t np = edd_cnn_nparams(10);
    float *x = images_make(b, 5), z[2][240], dz[16 * 10], *grad[2] = {calloc(np, 4), calloc(np, 4)};
    for (int i = 0; i < b * 10; i++)
        dz[i] = (float)((i * 29) % 13) / 13.0f - 0.5f;
    for (int f = 0; f < 2; f++) {
        edd_plan *p = plan_in_form(&ctx, &m, EDD_PLAN_TRAIN, b, f);
        cr_assert_eq(prim_has(p, "conv2 forward", "x14x14:acdb"), f, "TRAIN plan in form %d", f);
        cr_assert_eq(edd_plan_forward(&ctx, p, &m, x, NULL, z[f]), EDD_OK, "%s", ctx.err);
        cr_assert_eq(edd_plan_backward(&ctx, p, &m, dz, grad[f], NULL), EDD_OK, "%s", ctx.err);
        edd_plan_free(p);
    }
    forms_agree("blocked and nhwc training, parameter gradients", z, b * 10, grad, np);
    free(x);
    edd_cnn_free(&m);
    edd_ctx_free(&ctx);
}

Test(plan_choice, a_replicated_forward_crosses_forms)
{
    edd_ctx ctx;
    edd_cnn m;
    ctx_make(&ctx);
    model_make(&ctx, &m, 10, 9);
    const int b = 3, rep = 10;
    float *x = images_make(b, 4), z[2][240], dz[30 * 10];
    float *dx[2] = {malloc(b * rep * EDD_IMG_SIZE * sizeof(float)), malloc(b * rep * EDD_IMG_SIZE * sizeof(float))};
    for (int r = 0; r < b * rep; r++)
        for (int j = 0; j < 10; j++)
            dz[r * 10 + j] = j == r % rep; /* one-hot rows: the Jacobian's */
    for (int f = 0; f < 2; f++) { /* the source plan in form f, the replicated one always blocked */
        edd_plan *ps = plan_in_form(&ctx, &m, EDD_PLAN_INPUT_GRAD, b, f);
        edd_plan *pk = plan_in_form(&ctx, &m, EDD_PLAN_INPUT_GRAD, b * rep, 0);
        cr_assert_eq(edd_plan_forward_replicated(&ctx, pk, ps, &m, x, rep, z[f]), EDD_OK, "%s", ctx.err);
        cr_assert_eq(edd_plan_backward(&ctx, pk, &m, dz, NULL, dx[f]), EDD_OK, "%s", ctx.err);
        edd_plan_free(ps);
        edd_plan_free(pk);
    }
    forms_agree("replicated from nhwc into blocked against all blocked, Jacobian rows", z, b * 10, dx,
                (size_t)b * rep * EDD_IMG_SIZE);
    free(x);
    edd_cnn_free(&m);
    edd_ctx_free(&ctx);
}

/* `edd info` with the environment env; its output into out (n bytes), its
 * exit status returned. */
static int info_run(const char *env, char *out, size_t n) { return edd_run_env(env, out, n, "info"); }

static int lines(const char *s)
{
    int n = 0;
    for (; s && *s; s++)
        n += *s == '\n';
    return n;
}

/* Rewrite every line of the cache file at path with the form `to`
 * ("blocked", "nhwc" or "flip": the other one); returns how many lines
 * said nhwc before. */
static int cache_rewrite(const char *path, const char *to)
{
    char *text = file_read_text(path, NULL);
    cr_assert_not_null(text, "no cache file at %s", path);
    int nhwc = 0;
    FILE *w = fopen(path, "w");
    cr_assert_not_null(w);
    for (char *l = strtok(text, "\n"); l; l = strtok(NULL, "\n")) {
        char *f = strstr(l, " nhwc ") ? strstr(l, " nhwc ") : strstr(l, " blocked ");
        cr_assert(!strncmp(l, "edd-plan-choice 1 ", 18) && f, "a line edd wrote: %.80s", l);
        nhwc += f[1] == 'n';
        const char *form = strcmp(to, "flip") ? to : f[1] == 'n' ? "blocked" : "nhwc";
        fprintf(w, "%.*s %s%s\n", (int)(f - l), l, form, strchr(f + 1, ' '));
    }
    fclose(w);
    free(text);
    return nhwc;
}

/* A training run's model file with every plan in the blocked form, chosen
 * through the cache, is byte for byte the fixed run's (the same kernels);
 * in the NHWC form its parameters differ in their last bits only. */
Test(plan_choice, a_run_in_the_fixed_layouts_keeps_its_bytes)
{
    char data[4096], dir[64], env[256], args[8192], out[1 << 16], path[4][128], cache[128];
    mnist_dir_or_skip(data, sizeof data);
    tmpdir_make(dir, sizeof dir, "plan_bytes");
    snprintf(cache, sizeof cache, "%s/edd/plan-choices", dir);
    const char *form[4] = {"fixed", "measured", "blocked", "nhwc"};
    for (int r = 0; r < 4; r++) {
        snprintf(path[r], sizeof path[r], "%s/%s.edd", dir, form[r]);
        if (r >= 2)
            cache_rewrite(cache, form[r]);
        snprintf(env, sizeof env, r ? "XDG_CACHE_HOME=%s" : "XDG_CACHE_HOME=%s EDD_PLAN_CHOICE=fixed", dir);
        snprintf(args, sizeof args, "train --data-dir %s --train-limit 320 --epochs 1 --quiet "
                 "--out %s", data, path[r]);
        cr_assert_eq(edd_run_env(env, out, sizeof out, args), 0, "%s: %s", form[r], out);
    }
    size_t na = 0, nb = 0;
    char *a = file_read_text(path[0], &na), *b = file_read_text(path[2], &nb);
    cr_assert(a && b && na == nb && !memcmp(a, b, na), "the cache's blocked form did not give the fixed run's bytes");
    free(a);
    free(b);
    edd_model_header h[2];
    float *w[2];
    for (int i = 0; i < 2; i++)
        cr_assert_eq(edd_model_file_read(NULL, path[i ? 3 : 0], &h[i], &w[i]), EDD_OK);
    cr_assert_eq(h[0].nparams, h[1].nparams);
    size_t differ = 0;
    for (size_t i = 0; i < h[0].nparams; i++)
        differ += w[0][i] != w[1][i];
    double d = rel_diff(w[0], w[1], h[0].nparams);
    cr_log_info("plan_choice: the nhwc form changed %zu of %zu parameters after 3 steps, by at most %.3g relative",
                differ, (size_t)h[0].nparams, d);
    /* Adam's first steps move a parameter by up to lr (1e-3) whatever its gradient's size, so one whose
     * gradient rounds to the other sign may move 2 lr apart a step: 3 steps bound the difference by 6e-3 */
    cr_assert(d < 6e-3, "the nhwc form's parameters differ by %.3g from the fixed run's", d);
    free(w[0]);
    free(w[1]);
    tmpdir_remove(dir);
}

Test(plan_choice, the_cache_records_choices_and_later_runs_build_them)
{
    char dir[64], env[128], path[128], out[1 << 17], again[1 << 17];
    tmpdir_make(dir, sizeof dir, "plan_choice");
    snprintf(env, sizeof env, "XDG_CACHE_HOME=%s", dir);
    snprintf(path, sizeof path, "%s/edd/plan-choices", dir);
    cr_assert_eq(info_run(env, out, sizeof out), 0, "%s", out);
    char *text = file_read_text(path, NULL);
    cr_assert_not_null(text, "no cache file at %s", path);
    int n = lines(text);
    cr_assert_gt(n, 0);
    int nhwc = cache_rewrite(path, "flip");
    cr_assert_eq(info_run(env, again, sizeof again), 0, "%s", again);
    char *after = file_read_text(path, NULL);
    cr_assert_eq(lines(after), n, "a later run measured again instead of reading the cache");
    cr_assert(strcmp(out, again), "the flipped choices (%d of %d were nhwc) built the same plans", nhwc, n);
    free(after);
    free(text);
    tmpdir_remove(dir);
}

Test(plan_choice, fixed_writes_no_cache_and_a_bad_value_is_refused)
{
    char dir[64], env[160], out[1 << 17];
    tmpdir_make(dir, sizeof dir, "plan_choice");
    snprintf(env, sizeof env, "XDG_CACHE_HOME=%s EDD_PLAN_CHOICE=fixed", dir);
    cr_assert_eq(info_run(env, out, sizeof out), 0, "%s", out);
    char path[128];
    snprintf(path, sizeof path, "%s/edd/plan-choices", dir);
    cr_assert(access(path, F_OK), "EDD_PLAN_CHOICE=fixed wrote %s", path);
    snprintf(env, sizeof env, "XDG_CACHE_HOME=%s EDD_PLAN_CHOICE=fastest", dir);
    cr_assert_neq(info_run(env, out, sizeof out), 0);
    cr_assert(strstr(out, "EDD_PLAN_CHOICE 'fastest': expected measure"), "%s", out);
    tmpdir_remove(dir);
}

Test(plan_choice, a_hostile_cache_is_not_used_nor_written_through)
{
    char dir[64], sub[96], path[128], target[128], env[160], out[1 << 17];
    tmpdir_make(dir, sizeof dir, "plan_choice");
    snprintf(sub, sizeof sub, "%s/edd", dir);
    snprintf(path, sizeof path, "%s/plan-choices", sub);
    snprintf(target, sizeof target, "%s/target", dir);
    snprintf(env, sizeof env, "XDG_CACHE_HOME=%s", dir);
    cr_assert_eq(mkdir(sub, 0700), 0);
    cr_assert_eq(mkfifo(path, 0600), 0); /* a FIFO: no hang */
    cr_assert_eq(info_run(env, out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "plan-choice cache"), "no note on a FIFO: %s", out);
    unlink(path);
    file_put(target, "keep\n", 5); /* a symlink: read, never written through */
    cr_assert_eq(symlink(target, path), 0);
    cr_assert_eq(info_run(env, out, sizeof out), 0, "%s", out);
    char *t = file_read_text(target, NULL);
    cr_assert_str_eq(t, "keep\n", "the symlink's target was written");
    free(t);
    unlink(path);
    const char *junk = "edd-plan-choice 1 zz 0 1 1 nhwc 1 2\nedd-plan-choice 1 0123456789abcdef 2 128 1 evil 1 2\n"
                       "\x01\x02 not a line\nedd-plan-choice 1 0123456789abcdef 2 -5 1 nhwc 99999999999999999999 1\n";
    file_put(path, junk, strlen(junk));
    cr_assert_eq(info_run(env, out, sizeof out), 0, "%s", out);
    char *kept = file_read_text(path, NULL);
    cr_assert(kept && !strncmp(kept, junk, strlen(junk)) && lines(kept) > lines(junk),
              "garbage lines are skipped and the choices appended after them");
    free(kept);
    unlink(path);
    char *big = malloc((1 << 20) + 2);
    memset(big, '#', (1 << 20) + 1);
    file_put(path, big, (1 << 20) + 1);
    free(big);
    cr_assert_eq(info_run(env, out, sizeof out), 0, "%s", out);
    struct stat sb;
    cr_assert(!stat(path, &sb) && sb.st_size == (1 << 20) + 1, "a file over 1 MB grew");
    cr_assert_eq(info_run("-u XDG_CACHE_HOME HOME=relative", out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "neither XDG_CACHE_HOME nor HOME"), "%s", out);
    tmpdir_remove(dir);
}
