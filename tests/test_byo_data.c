/* test_byo_data.c - issue 27, item 6: an installed edd works outside the
 * tree. The data folder is $EDD_DATA_DIR, then $XDG_DATA_HOME/edd (or
 * ~/.local/share/edd) when it holds the set, then the tree's data/; with
 * none, the error names all three and `edd fetch-data`. (fetch-data itself,
 * run from an installed prefix: tests/install_test.sh.) */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "edd/data.h"
#include "testutil.h"

TestSuite(byo_data, .timeout = 120);

/* One case: the environment (NULL: unset; '@' the test's folder) and the
 * folder edd_data_default_dir("mnist") gives. @/xdg/edd/mnist and
 * @/home/.local/share/edd/mnist exist; @/empty/edd has no mnist. */
static const struct {
    const char *name, *edd_data_dir, *xdg, *home, *expect;
} where[] = {
    {"EDD_DATA_DIR first", "/srv/d", "@/xdg", "@/home", "/srv/d/mnist"},
    {"then XDG_DATA_HOME/edd", NULL, "@/xdg", "@/home", "@/xdg/edd/mnist"},
    {"empty EDD_DATA_DIR is unset", "", "@/xdg", "@/home", "@/xdg/edd/mnist"},
    {"then ~/.local/share/edd", NULL, NULL, "@/home", "@/home/.local/share/edd/mnist"},
    {"empty XDG_DATA_HOME is unset", NULL, "", "@/home", "@/home/.local/share/edd/mnist"},
    {"a home without the set: the tree's", NULL, "@/empty", "@/home", "data/mnist"},
    {"no home at all: the tree's", NULL, NULL, NULL, "data/mnist"},
};

/* s with '@' replaced by dir, into out (n bytes). */
static void expand(const char *s, const char *dir, char *out, size_t n)
{
    size_t w = 0;
    for (; *s && w + strlen(dir) + 2 < n; s++)
        w += (size_t)(*s == '@' ? snprintf(out + w, n - w, "%s", dir) : snprintf(out + w, n - w, "%c", *s));
    out[w] = 0;
}

static void env_set(const char *name, const char *v, const char *dir)
{
    char buf[512];
    if (!v) {
        unsetenv(name);
        return;
    }
    expand(v, dir, buf, sizeof buf);
    setenv(name, buf, 1);
}

static void mkdirs(const char *dir, const char *rel)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    for (char *s = p + strlen(dir) + 1; (s = strchr(s, '/')); *s++ = '/') {
        *s = 0;
        mkdir(p, 0777);
    }
    cr_assert_eq(mkdir(p, 0777), 0, "%s", p);
}

Test(byo_data, default_dir_order)
{
    char dir[64], buf[512], want[512];
    tmpdir_make(dir, sizeof dir, "byo_data");
    mkdirs(dir, "xdg/edd/mnist");
    mkdirs(dir, "home/.local/share/edd/mnist");
    mkdirs(dir, "empty/edd");
    for (size_t i = 0; i < sizeof where / sizeof where[0]; i++) {
        env_set("EDD_DATA_DIR", where[i].edd_data_dir, dir);
        env_set("XDG_DATA_HOME", where[i].xdg, dir);
        env_set("HOME", where[i].home, dir);
        expand(where[i].expect, dir, want, sizeof want);
        const char *got = edd_data_default_dir("mnist", buf, sizeof buf);
        cr_expect(got && !strcmp(got, want), "%s: got %s, expected %s", where[i].name, got ? got : "NULL", want);
    }
    tmpdir_remove(dir);
}

/* The CLI from a folder outside the tree: with the set in
 * $XDG_DATA_HOME/edd it is found there; with it nowhere, the message names
 * the three places, in order, and the command that fetches it. */
static const struct {
    const char *name, *xdg, *args;
    int exit;
    const char *says;
} cli[] = {
    {"found in XDG_DATA_HOME", "@/xdg", "eval --model @/m.edd --test-limit 10", 0, "\"examples\":10,"},
    {"nowhere", "@/none", "eval --model @/m.edd --test-limit 10", 1,
     "no mnist data found; edd looks in the first of $EDD_DATA_DIR/mnist (EDD_DATA_DIR is not set), "
     "@/none/edd/mnist ($XDG_DATA_HOME/edd or ~/.local/share/edd) and data/mnist (in the source tree); "
     "`edd fetch-data --data mnist` fetches it into @/none/edd"},
    {"nowhere, for training", "@/none", "train --data fashion --out @/t.edd", 1, "`edd fetch-data --data fashion`"},
    {"fetch-data --data", "@/none", "fetch-data --data cifar", 2, "--data 'cifar': expected mnist, fashion or all"},
    {"fetch-data --help", "@/none", "fetch-data --help", 0, "same sources and checks as `make data`"},
    {"listed in edd --help", "@/none", "--help", 0, "fetch-data"},
};

Test(byo_data, outside_the_tree)
{
    char mnist[4096], dir[64], link[512], args[1024], says[1024], out[8192], cwd[4096];
    mnist_dir_or_skip(mnist, sizeof mnist);
    char *abs = realpath(mnist, NULL);
    cr_assert_not_null(abs);
    tmpdir_make(dir, sizeof dir, "byo_data");
    mkdirs(dir, "xdg/edd");
    snprintf(link, sizeof link, "%s/xdg/edd/mnist", dir);
    cr_assert_eq(symlink(abs, link), 0);
    free(abs);
    edd_ctx ctx;
    edd_cnn m = {0};
    ctx_make(&ctx);
    model_make(&ctx, &m, 10, 2);
    snprintf(link, sizeof link, "%s/m.edd", dir);
    cr_assert_eq(edd_cnn_save(&ctx, &m, link), EDD_OK, "%s", ctx.err);
    edd_cnn_free(&m);
    edd_ctx_free(&ctx);
    const char *bin = edd_bin_or_skip();
    char binabs[4096];
    cr_assert_not_null(realpath(bin, binabs));
    setenv("EDD_BIN", binabs, 1);
    cr_assert_not_null(getcwd(cwd, sizeof cwd));
    cr_assert_eq(chdir(dir), 0); /* no data/ here */
    unsetenv("EDD_DATA_DIR");
    for (size_t i = 0; i < sizeof cli / sizeof cli[0]; i++) {
        env_set("XDG_DATA_HOME", cli[i].xdg, dir);
        expand(cli[i].args, dir, args, sizeof args);
        expand(cli[i].says, dir, says, sizeof says);
        int rc = edd_run(out, sizeof out, args);
        cr_expect_eq(rc, cli[i].exit, "%s: exit %d, expected %d: %s", cli[i].name, rc, cli[i].exit, out);
        cr_expect(strstr(out, says), "%s: expected '%s' in: %s", cli[i].name, says, out);
    }
    cr_assert_eq(chdir(cwd), 0);
    tmpdir_remove(dir);
}
