/* test_byo_import.c - issue 27, item 2: `edd import` reads the .npy
 * tensors `edd export` writes (and a state_dict saved with numpy under the
 * same names), checks every shape against the layer table, and export then
 * import gives the same weights, bit for bit; each bad tensor exits 2
 * naming the file and what was expected. (The PyTorch comparison of the
 * logits is tests/import_test.py.) */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edd/io.h"
#include "edd/nn.h"
#include "testutil.h"

TestSuite(byo_import, .timeout = 120);

/* dir/NAME: a K=k model exported to dir/NAME (via m.edd, saved here). */
static void exported(const char *dir, const char *name, int k, edd_cnn *m)
{
    edd_ctx ctx;
    ctx_make(&ctx);
    model_make(&ctx, m, k, 7);
    char path[512], args[1024], out[4096];
    snprintf(path, sizeof path, "%s/%s.edd", dir, name);
    cr_assert_eq(edd_cnn_save(&ctx, m, path), EDD_OK, "%s", ctx.err);
    edd_ctx_free(&ctx);
    snprintf(args, sizeof args, "export --model %s --dir %s/%s", path, dir, name);
    cr_assert_eq(edd_run(out, sizeof out, args), 0, "%s", out);
}

Test(byo_import, export_then_import_same_weights)
{
    char dir[64], args[1024], out[4096], path[512];
    tmpdir_make(dir, sizeof dir, "byo_import");
    for (int k = 10; k <= 11; k++) {
        edd_cnn m = {0}, r = {0};
        exported(dir, k == 10 ? "a" : "b", k, &m);
        snprintf(path, sizeof path, "%s/back%d.edd", dir, k);
        snprintf(args, sizeof args, "import --dir %s/%s --out %s", dir, k == 10 ? "a" : "b", path);
        cr_assert_eq(edd_run(out, sizeof out, args), 0, "%s", out);
        edd_ctx ctx;
        ctx_make(&ctx);
        cr_assert_eq(edd_cnn_load(&ctx, &r, path), EDD_OK, "%s", ctx.err);
        cr_assert_eq(r.k, k);
        cr_assert(!memcmp(m.params, r.params, m.nparams * sizeof(float)), "K=%d: the weights differ", k);
        cr_assert_str_eq(r.prov.made, "import");
        cr_assert_eq(r.prov.dataset[0], 0, "no --data: the data set is unknown");
        edd_cnn_free(&m);
        edd_cnn_free(&r);
        edd_ctx_free(&ctx);
    }
    tmpdir_remove(dir);
}

/* Replace dir/t/NAME.npy by an array of dtype and shape, every value v. */
static void tensor_put(const char *dir, const char *name, edd_npy_dtype dt, int rank, const size_t *shape, float v)
{
    size_t count = 1;
    for (int i = 0; i < rank; i++)
        count *= shape[i];
    float *b = malloc(count * sizeof(float) + 1);
    cr_assert_not_null(b);
    for (size_t i = 0; i < count; i++)
        b[i] = dt == EDD_NPY_F32 ? v : 0.0f;
    char path[512];
    snprintf(path, sizeof path, "%s/%s.npy", dir, name);
    edd_ctx ctx = {0};
    cr_assert_eq(edd_npy_write(&ctx, path, dt, rank, shape, b), EDD_OK, "%s", ctx.err);
    free(b);
}

/* One case: a fresh export of a K=10 model in @/t, changed by setup, then
 * edd's arguments ('@' the folder). */
static void no_change(const char *d) { (void)d; }
static void conv1_transposed(const char *d) { tensor_put(d, "conv1.weight", EDD_NPY_F32, 4, (size_t[]){8, 8, 1, 64}, 0.1f); }
static void fc_int(const char *d) { tensor_put(d, "fc.weight", EDD_NPY_I32, 2, (size_t[]){10, 128}, 0); }
static void conv2_nan(const char *d) { tensor_put(d, "conv2.bias", EDD_NPY_F32, 1, (size_t[]){128}, NAN); }
static void fc_k12(const char *d) { tensor_put(d, "fc.bias", EDD_NPY_F32, 1, (size_t[]){12}, 0.0f); }
static void conv3_gone(const char *d)
{
    char p[512];
    snprintf(p, sizeof p, "%s/conv3.weight.npy", d);
    cr_assert_eq(remove(p), 0);
}

static const struct {
    const char *name;
    void (*setup)(const char *dir);
    const char *args;
    int exit;
    const char *says;
} cases[] = {
    {"good", no_change, "import --dir @/t --out @/o.edd --k 10 --dropout 0.1,0.3", 0, "\"k\":10,"},
    {"with --data", no_change, "import --dir @/t --out @/o.edd --data mnist --data-dir @/t", 1,
     "train-images-idx3-ubyte"},
    {"shape", conv1_transposed, "import --dir @/t --out @/o.edd", 2,
     "conv1.weight.npy: shape (8, 8, 1, 64), expected (64, 1, 8, 8) (PyTorch layout"},
    {"dtype", fc_int, "import --dir @/t --out @/o.edd", 2, "fc.weight.npy: dtype is not float32, expected float32"},
    {"NaN", conv2_nan, "import --dir @/t --out @/o.edd", 2, "conv2.bias.npy"},
    {"K", fc_k12, "import --dir @/t --out @/o.edd", 2, "fc.bias.npy: shape of rank 1, first dimension 12, expected "
     "(10,) or (11,)"},
    {"--k", no_change, "import --dir @/t --out @/o.edd --k 11", 2, "fc.bias.npy: 10 outputs, expected --k 11"},
    {"missing tensor", conv3_gone, "import --dir @/t --out @/o.edd", 1, "conv3.weight.npy"},
    {"--dropout", no_change, "import --dir @/t --out @/o.edd --dropout 0.2", 2, "expected two rates PIN,PHID"},
    {"--dropout range", no_change, "import --dir @/t --out @/o.edd --dropout 0.2,1", 2, "--dropout '1'"},
    {"required", no_change, "import --dir @/t", 2, "--dir and --out are required"},
};

/* s with '@' replaced by dir, into out (n bytes). */
static void expand(const char *s, const char *dir, char *out, size_t n)
{
    size_t w = 0;
    for (; *s && w + strlen(dir) + 2 < n; s++)
        w += (size_t)(*s == '@' ? snprintf(out + w, n - w, "%s", dir) : snprintf(out + w, n - w, "%c", *s));
    out[w] = 0;
}

Test(byo_import, table)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char dir[64], t[128], args[1024], says[512], out[8192];
        edd_cnn m = {0};
        tmpdir_make(dir, sizeof dir, "byo_import");
        exported(dir, "t", 10, &m);
        edd_cnn_free(&m);
        snprintf(t, sizeof t, "%s/t", dir);
        cases[i].setup(t);
        expand(cases[i].args, dir, args, sizeof args);
        expand(cases[i].says, dir, says, sizeof says);
        int rc = edd_run(out, sizeof out, args);
        cr_expect_eq(rc, cases[i].exit, "%s: exit %d, expected %d: %s", cases[i].name, rc, cases[i].exit, out);
        cr_expect(strstr(out, says), "%s: expected '%s' in: %s", cases[i].name, says, out);
        tmpdir_remove(dir);
    }
}
