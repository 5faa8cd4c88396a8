/* testutil.h - helpers the Criterion test files share: temporary folders,
 * small files, deterministic random data and models. Test code only. */
#ifndef EDD_TESTUTIL_H
#define EDD_TESTUTIL_H

#include <criterion/criterion.h>
#include <ftw.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "edd/data.h"
#include "edd/internal/ctx.h"
#include "edd/nn.h"

#include <unistd.h>

/* A fresh folder /tmp/edd_NAME_XXXXXX in dir (n bytes). */
static inline void tmpdir_make(char *dir, size_t n, const char *name)
{
    snprintf(dir, n, "/tmp/edd_%s_XXXXXX", name);
    cr_assert_not_null(mkdtemp(dir));
}

static inline int tmpdir_rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(p);
}

/* Remove dir and everything below it. */
static inline void tmpdir_remove(const char *dir)
{
    nftw(dir, tmpdir_rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* Write n bytes of b to path, asserting every step. */
static inline void file_put(const char *path, const void *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(b, 1, n, f), n);
    cr_assert_eq(fclose(f), 0);
}

/* The whole of path, NUL-terminated (the caller frees it), its length in
 * *n when n is not NULL; NULL when it cannot be read. */
static inline char *file_read_text(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *b = NULL;
    long len = fseek(f, 0, SEEK_END) ? -1 : ftell(f);
    if (len >= 0 && !fseek(f, 0, SEEK_SET) && (b = malloc((size_t)len + 1))) {
        if (fread(b, 1, (size_t)len, f) != (size_t)len) {
            free(b);
            b = NULL;
        } else {
            b[len] = 0;
            if (n)
                *n = (size_t)len;
        }
    }
    fclose(f);
    return b;
}

/* Deterministic uniform in [lo, hi) from the engine's counter RNG. */
static inline float urand(uint64_t key, uint32_t ctr, float lo, float hi)
{
    return lo + (hi - lo) * edd_rng_uniform(key, ctr);
}

static inline void ctx_make(edd_ctx *ctx)
{
    memset(ctx, 0, sizeof *ctx);
    cr_assert_eq(edd_ctx_init(ctx, 0), EDD_OK, "ctx init: %s", ctx->err);
}

/* A CNN with k outputs, dropout 0.2 / 0.5, and small random biases, so that
 * bias gradients do not all sit at a zero-bias symmetry. */
static inline void model_make(edd_ctx *ctx, edd_cnn *m, int k, uint64_t seed)
{
    cr_assert_eq(edd_cnn_init(ctx, m, k, 0.2f, 0.5f, seed), EDD_OK, "cnn init: %s", ctx->err);
    uint64_t key = edd_rng_key(seed, 99, 0);
    uint32_t c = 0;
    for (int t = 1; t < EDD_NTENSORS; t += 2)
        for (size_t i = 0; i < m->t[t].n; i++)
            m->t[t].data[i] = urand(key, c++, -0.05f, 0.05f);
    m->version++;
}

/* The edd binary the Makefile builds (./edd, or $EDD_BIN under make
 * sanitize); skips the test when it is missing. */
static inline const char *edd_bin_or_skip(void)
{
    const char *b = getenv("EDD_BIN");
    b = b ? b : "./edd";
    if (access(b, X_OK))
        cr_skip_test("no edd binary at %s (build it with make)", b);
    return b;
}

/* Run `env ENV edd ARGS` (OMP_NUM_THREADS=1; ENV: env(1)'s arguments, ""
 * for none) with stdout and stderr captured into out (n bytes); returns
 * the exit status. */
static inline int edd_run_env(const char *env, char *out, size_t n, const char *args)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "env %s OMP_NUM_THREADS=1 %s %s 2>&1", env, edd_bin_or_skip(), args);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    size_t len = fread(out, 1, n - 1, p);
    out[len] = 0;
    int status = pclose(p);
    cr_assert(WIFEXITED(status), "edd %s did not exit normally", args);
    return WEXITSTATUS(status);
}

/* edd_run_env with no environment of its own. */
static inline int edd_run(char *out, size_t n, const char *args) { return edd_run_env("", out, n, args); }

/* A context with n OpenMP threads (omp_set_num_threads too). */
static inline edd_ctx ctx_threads_new(int n)
{
    edd_ctx ctx;
    omp_set_num_threads(n);
    cr_assert_eq(edd_ctx_init(&ctx, n), EDD_OK, "%s", ctx.err);
    return ctx;
}

/* n random images in [0,1], labels i % 10. */
static inline edd_dataset noise_set(size_t n, uint64_t seed)
{
    edd_dataset ds = {.n = n, .c = 1, .h = 28, .w = 28};
    ds.x = malloc(n * EDD_IMG_SIZE * sizeof(float));
    ds.y = malloc(n);
    cr_assert(ds.x && ds.y);
    for (size_t i = 0; i < n * EDD_IMG_SIZE; i++)
        ds.x[i] = edd_rng_uniform(seed, (uint32_t)i);
    for (size_t i = 0; i < n; i++)
        ds.y[i] = (uint8_t)(i % 10);
    return ds;
}

/* n images with a quarter of the pixels at exactly 0 or 1, as in MNIST
 * (malloc'd, n x 784). */
static inline float *images_make(size_t n, uint64_t seed)
{
    float *x = malloc(n * EDD_IMG_SIZE * sizeof(float));
    cr_assert(x);
    uint64_t k = edd_rng_key(seed, 5, 0);
    for (size_t i = 0; i < n * EDD_IMG_SIZE; i++) {
        float u = urand(k, (uint32_t)(2 * i), 0.0f, 1.0f);
        float v = urand(k, (uint32_t)(2 * i + 1), 0.0f, 1.0f);
        x[i] = v < 0.15f ? 0.0f : v < 0.25f ? 1.0f : u;
    }
    return x;
}

/* The folder edd reads dataset name ("mnist" or "fashion") from by
 * default into data (n bytes); skips the test when its training images
 * are missing, plain and gzipped. */
static inline void data_dir_or_skip(const char *name, char *data, size_t n)
{
    char path[4200], gz[4300];
    edd_data_default_dir(name, data, n);
    snprintf(path, sizeof path, "%s/train-images-idx3-ubyte", data);
    snprintf(gz, sizeof gz, "%s.gz", path);
    if (access(path, R_OK) && access(gz, R_OK))
        cr_skip_test("%s not found in %s (make data)", name, data);
}

static inline void mnist_dir_or_skip(char *data, size_t n) { data_dir_or_skip("mnist", data, n); }

/* The first limit examples of MNIST's training (train = 1) or test split
 * into ds, from the folder edd reads by default; skips the test when the
 * data is missing. */
static inline void load_or_skip(edd_ctx *ctx, int train, size_t limit, edd_dataset *ds)
{
    char dir[4096];
    mnist_dir_or_skip(dir, sizeof dir);
    cr_assert_eq(edd_dataset_load(ctx, dir, train, limit, ds), EDD_OK, "load %s: %s", dir, ctx->err);
}

#endif
