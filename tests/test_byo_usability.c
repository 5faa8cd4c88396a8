/* test_byo_usability.c - issue 27, item 7: what a new user trips on.
 * Off a terminal, a long command prints a progress line at least every
 * period (EDD_PROGRESS_SECONDS, 10 s by default; tiny here), instead of
 * nothing until the end; --quiet still prints none. One range per option
 * meaning: an L-inf --eps is (0, 1] in attack as in train, an L2 one
 * (0, 28]; so are the steps within them; a learning rate is [1e-12, 1e3]. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edd/nn.h"
#include "testutil.h"

TestSuite(byo_usability, .timeout = 300);

/* One case: edd's arguments ('@' the folder, which holds a random K=10
 * model m.edd), the exit, a fragment of the output, and how many lines
 * must start with the progress label (0: none at all may). */
static const struct {
    const char *name, *args;
    int exit;
    const char *says, *label;
    int lines;
} cases[] = {
    {"cw", "attack --attack cw --model @/m.edd --test-limit 4 --max-iterations 30 --binary-search-steps 2", 0,
     "\"attack\":\"cw\"", "cw-l2: ", 2},
    {"cw --quiet", "attack --attack cw --model @/m.edd --test-limit 4 --max-iterations 30 --binary-search-steps 2 "
     "--quiet", 0, "\"attack\":\"cw\"", "cw-l2: ", 0},
    {"pgd", "attack --attack pgd --model @/m.edd --test-limit 20 --steps 20", 0, "\"attack\":\"pgd\"", "pgd: ", 2},
    {"train", "train --out @/t.edd --train-limit 512 --epochs 1", 0, "\"epochs\":1", "epoch 1/1: ", 2},
    {"attack --eps 3 (L-inf)", "attack --attack fgm --model @/m.edd --test-limit 5 --eps 3", 2,
     "--eps 3 with --ord inf: expected a number in (0, 1], an L-inf radius on images in [0, 1] (as train's --adv-eps); "
     "up to 28 with --ord 2", "", 0},
    {"train --adv-eps 3", "train --out @/t.edd --adv pgd --adv-eps 3", 2, "--adv-eps '3': expected a number in (0, 1]",
     "", 0},
    {"attack --eps 0", "attack --attack pgd --model @/m.edd --eps 0", 2, "--eps '0': expected a number in (0, 28]",
     "", 0},
    {"attack --ord 2 --eps 3", "attack --attack fgm --model @/m.edd --test-limit 5 --ord 2 --eps 3 --quiet", 0,
     "\"eps\":3,\"ord\":\"2\"", "", 0},
    {"attack --ord 2 --eps 29", "attack --attack fgm --model @/m.edd --ord 2 --eps 29", 2,
     "--eps '29': expected a number in (0, 28]", "", 0},
    {"suite --eps 1.5", "attack --suite standard --model @/m.edd --eps 1.5", 2, "--eps 1.5 with --ord inf", "", 0},
    {"attack --step-size 2 (L-inf)", "attack --attack pgd --model @/m.edd --step-size 2", 2,
     "--step-size 2 with --ord inf: expected a number in [0, 1] (as train's --adv-step-size); up to 28 with --ord 2",
     "", 0},
    {"train --adv-step-size 2", "train --out @/t.edd --adv pgd --adv-step-size 2", 2,
     "--adv-step-size '2': expected a number in [0, 1]", "", 0},
    {"attack --learning-rate 0", "attack --attack cw --model @/m.edd --learning-rate 0", 2,
     "--learning-rate '0': expected a number in [1e-12, 1000]", "", 0},
    {"train --lr 0", "train --out @/t.edd --lr 0", 2, "--lr '0': expected a number in [1e-12, 1000]", "", 0},
};

/* s with '@' replaced by dir, into out (n bytes). */
static void expand(const char *s, const char *dir, char *out, size_t n)
{
    size_t w = 0;
    for (; *s && w + strlen(dir) + 2 < n; s++)
        w += (size_t)(*s == '@' ? snprintf(out + w, n - w, "%s", dir) : snprintf(out + w, n - w, "%c", *s));
    out[w] = 0;
}

/* Lines of out that start with label. */
static int lines_starting(const char *out, const char *label)
{
    int n = 0;
    for (const char *p = out; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        n += !strncmp(p, label, strlen(label));
    return n;
}

Test(byo_usability, table)
{
    char data[4096], dir[64], path[128];
    mnist_dir_or_skip(data, sizeof data);
    tmpdir_make(dir, sizeof dir, "byo_use");
    edd_ctx ctx;
    edd_cnn m = {0};
    ctx_make(&ctx);
    model_make(&ctx, &m, 10, 4);
    snprintf(path, sizeof path, "%s/m.edd", dir);
    cr_assert_eq(edd_cnn_save(&ctx, &m, path), EDD_OK, "%s", ctx.err);
    edd_cnn_free(&m);
    edd_ctx_free(&ctx);
    setenv("EDD_PROGRESS_SECONDS", "0.001", 1);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        static char out[1 << 16];
        char args[1024];
        expand(cases[i].args, dir, args, sizeof args);
        int rc = edd_run(out, sizeof out, args);
        cr_expect_eq(rc, cases[i].exit, "%s: exit %d, expected %d: %s", cases[i].name, rc, cases[i].exit, out);
        cr_expect(strstr(out, cases[i].says), "%s: expected '%s' in: %s", cases[i].name, cases[i].says, out);
        if (!cases[i].label[0])
            continue;
        int n = lines_starting(out, cases[i].label);
        cr_expect(cases[i].lines ? n >= cases[i].lines : n == 0, "%s: %d lines start with '%s', expected %s %d: %s",
                  cases[i].name, n, cases[i].label, cases[i].lines ? "at least" : "exactly", cases[i].lines, out);
        cr_expect(!strchr(out, '\r'), "%s: a carriage return off a terminal: %s", cases[i].name, out);
    }
    tmpdir_remove(dir);
}
