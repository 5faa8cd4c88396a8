/* test_cli.c - the `edd` command line: exit status 0 / 1 (runtime error) /
 * 2 (usage error), --help on every subcommand, and error messages that name
 * the file or option, what was found and what was expected. Runs the binary
 * the Makefile builds (./edd, or $EDD_BIN). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "edd/data.h"
#include "edd/io.h"
#include "testutil.h"
#include <unistd.h>

TestSuite(cli, .timeout = 60);

Test(cli, version_and_top_level_usage)
{
    char out[8192];
    cr_assert_eq(edd_run(out, sizeof out, "--version"), 0);
    cr_assert(strstr(out, "edd ") && strstr(out, "oneDNN"), "version line: %s", out);
    cr_assert_eq(edd_run(out, sizeof out, ""), 2, "no command is a usage error");
    cr_assert_eq(edd_run(out, sizeof out, "frobnicate"), 2);
    cr_assert(strstr(out, "unknown command 'frobnicate'"), "%s", out);
}

Test(cli, every_subcommand_has_help)
{
    static const char *cmds[] = {"train", "eval", "predict", "export", "uncertainty", "distill", "attack", "reproduce"};
    char out[8192], args[64];
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        snprintf(args, sizeof args, "%s --help", cmds[i]);
        cr_assert_eq(edd_run(out, sizeof out, args), 0, "edd %s", args);
        cr_assert(strstr(out, "usage: edd ") && strstr(out, cmds[i]), "edd %s printed: %.200s", args, out);
    }
}

Test(cli, usage_errors_name_the_option_and_exit_2)
{
    char out[8192];
    cr_assert_eq(edd_run(out, sizeof out, "train --out x.edd --epochs ten"), 2);
    cr_assert(strstr(out, "--epochs 'ten'") && strstr(out, "expected an integer"), "%s", out);
    cr_assert_eq(edd_run(out, sizeof out, "train --epochs 1"), 2);
    cr_assert(strstr(out, "--out is required"), "%s", out);
    cr_assert_eq(edd_run(out, sizeof out, "eval --model m.edd --data cifar"), 2);
    cr_assert(strstr(out, "--data 'cifar'") && strstr(out, "mnist or fashion"), "%s", out);
    cr_assert_eq(edd_run(out, sizeof out, "distill --teacher t.edd --out d.edd --alpha -1"), 2);
    cr_assert(strstr(out, "--alpha '-1'"), "%s", out);
    cr_assert_eq(edd_run(out, sizeof out, "attack --model m.edd"), 2);
    cr_assert(strstr(out, "--attack (fgm, pgd, jsma, cw, apgd, apgd-t, square or fmn) or --suite standard is required"),
              "%s", out);
    cr_assert_eq(edd_run(out, sizeof out, "eval --model m.edd --bogus"), 2);
    cr_assert(strstr(out, "'--bogus'"), "%s", out);
    cr_assert_eq(edd_run(out, sizeof out, "export --model m.edd --dir d stray"), 2);
    cr_assert(strstr(out, "unexpected argument 'stray'"), "%s", out);
}

Test(cli, runtime_errors_name_the_file_and_exit_1)
{
    char dir[64], out[8192], args[512], path[256];
    tmpdir_make(dir, sizeof dir, "cli");
    cr_assert_eq(edd_run(out, sizeof out, "eval --model /nonexistent/m.edd"), 1);
    cr_assert(strstr(out, "/nonexistent/m.edd"), "%s", out);
    snprintf(path, sizeof path, "%s/bad.edd", dir);
    file_put(path, "EDDMODEL\1\0\0\0", 12);
    snprintf(args, sizeof args, "eval --model %s", path);
    cr_assert_eq(edd_run(out, sizeof out, args), 1);
    cr_assert(strstr(out, path), "the message names the model file: %s", out);
    snprintf(path, sizeof path, "%s/never.edd", dir);
    snprintf(args, sizeof args, "train --data-dir %s/nodata --out %s --epochs 1", dir, path);
    cr_assert_eq(edd_run(out, sizeof out, args), 1);
    cr_assert(strstr(out, "nodata"), "the message names the data folder: %s", out);
    struct stat st;
    cr_assert_neq(stat(path, &st), 0, "a failed run must not leave %s", path);
    tmpdir_remove(dir);
}

/* Copy fmt to out, each {C}, {D}, {N} and {T} replaced by c, d, n and t. */
static void fill(char *out, size_t size, const char *fmt, const char *c, const char *d, const char *n, const char *t)
{
    size_t k = 0;
    for (const char *p = fmt; *p && k + 1 < size; p++) {
        const char *v = NULL;
        if (p[0] == '{' && p[1] && p[2] == '}')
            v = p[1] == 'C' ? c : p[1] == 'D' ? d : p[1] == 'N' ? n : p[1] == 'T' ? t : NULL;
        if (v) {
            k += (size_t)snprintf(out + k, size - k, "%s", v);
            p += 2;
        } else {
            out[k++] = *p;
        }
    }
    out[k < size ? k : size - 1] = 0;
}

/* The bytes of path (at most n), their count in *len; 0 if it cannot be read. */
static int slurp(const char *path, char *b, size_t n, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    *len = fread(b, 1, n, f);
    fclose(f);
    return 1;
}

/* Issue 11: an output equal to an input, an output in a missing folder and
 * an empty output path are refused (exit 2, naming the option and the path)
 * before any work starts, and nothing is written. */
Test(cli, outputs_checked_before_any_work)
{
    char dir[64], out[8192], args[1024], c[256], d[256];
    tmpdir_make(dir, sizeof dir, "cliout");
    snprintf(c, sizeof c, "%s/c.edd", dir);
    snprintf(d, sizeof d, "%s/d.edd", dir);
    edd_ctx ctx;
    edd_cnn m;
    ctx_make(&ctx);
    model_make(&ctx, &m, 10, 1);
    cr_assert_eq(edd_cnn_save(&ctx, &m, c), EDD_OK, "%s", ctx.err);
    edd_cnn_free(&m);
    edd_ctx_free(&ctx);
    static char before[1 << 22], after[1 << 22];
    size_t nb, na;
    cr_assert(slurp(c, before, sizeof before, &nb));
    const char *nodata = "--data-dir /nonexistent --quiet";
    struct {
        const char *fmt, *want;
    } cases[] = {
        {"distill --teacher {C} --out {C} {N}", "--out"},
        {"distill --teacher {C} --out {D} --sigma-out {C} {N}", "--sigma-out"},
        {"distill --teacher {C} --out {D} --sigma-out {D} {N}", "--sigma-out"},
        {"distill --teacher {C} --out {D} --sigma-out /nonexistent/s.npy {N}", "/nonexistent"},
        {"distill --teacher {C} --out '' {N}", "--out ''"},
        {"predict --model {C} --logits {C} --data-dir /nonexistent", "--logits"},
        {"uncertainty --teacher {C} --out {C} {N}", "--out"},
        {"uncertainty --teacher {C} --out {D} --logits-out {C} {N}", "--logits-out"},
        {"attack --attack fgm --model {C} --adv-out {C} --data-dir /nonexistent", "--adv-out"},
        {"attack --attack fgm --model {D} --source {C} --adv-out {C} --data-dir /nonexistent", "--adv-out"},
        {"train --out '' {N}", "--out ''"},
        {"train --out /nonexistent/m.edd {N}", "/nonexistent"},
        {"train --out {T} {N}", "not a regular file"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fill(args, sizeof args, cases[i].fmt, c, d, nodata, dir);
        cr_assert_eq(edd_run(out, sizeof out, args), 2, "edd %s: %s", args, out);
        cr_assert(strstr(out, cases[i].want), "edd %s names %s: %s", args, cases[i].want, out);
        cr_assert(slurp(c, after, sizeof after, &na) && na == nb && !memcmp(before, after, nb),
                  "edd %s left the input as it was", args);
        struct stat st;
        cr_assert_neq(stat(d, &st), 0, "edd %s wrote nothing", args);
    }
    /* the same file under another spelling */
    snprintf(args, sizeof args, "predict --model %s --logits %s/./../%s/c.edd --data-dir /nonexistent", c, dir,
             strrchr(dir, '/') + 1);
    cr_assert_eq(edd_run(out, sizeof out, args), 2, "edd %s: %s", args, out);
    /* a path that passes the checks goes on to fail at runtime */
    snprintf(args, sizeof args, "predict --model %s --logits %s/l.npy --data-dir /nonexistent", c, dir);
    cr_assert_eq(edd_run(out, sizeof out, args), 1, "edd %s: %s", args, out);
    tmpdir_remove(dir);
}

/* Issue 11: a FIFO as the model or in place of an IDX file in --data-dir
 * ends in exit 1 naming it, not in a hang (the suite's timeout). */
Test(cli, fifo_inputs_fail_at_once)
{
    char dir[64], out[8192], args[512], path[256];
    tmpdir_make(dir, sizeof dir, "clififo");
    snprintf(path, sizeof path, "%s/f.edd", dir);
    cr_assert_eq(mkfifo(path, 0666), 0);
    snprintf(args, sizeof args, "eval --model %s", path);
    cr_assert_eq(edd_run(out, sizeof out, args), 1, "%s", out);
    cr_assert(strstr(out, path) && strstr(out, "a FIFO"), "%s", out);
    static const char *names[] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                                  "t10k-labels-idx1-ubyte"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        cr_assert_eq(mkfifo(path, 0666), 0);
    }
    snprintf(args, sizeof args, "train --data-dir %s --out %s/m.edd --epochs 1 --quiet", dir, dir);
    cr_assert_eq(edd_run(out, sizeof out, args), 1, "%s", out);
    cr_assert(strstr(out, "a FIFO") && strstr(out, "IDX"), "%s", out);
    tmpdir_remove(dir);
}

/* Issue 11: `edd train --no-dropout` records dropout rates 0, and MC dropout
 * on such a teacher (uncertainty, distill) is refused, naming the file. */
Test(cli, no_dropout_model_records_zero_rates, .timeout = 120)
{
    char data[4096], dir[64], out[8192], args[8400], m[256];
    mnist_dir_or_skip(data, sizeof data);
    tmpdir_make(dir, sizeof dir, "clinodrop");
    snprintf(m, sizeof m, "%s/m.edd", dir);
    snprintf(args, sizeof args, "train --no-dropout --epochs 1 --train-limit 64 --quiet --data-dir %s --out %s", data, m);
    cr_assert_eq(edd_run(out, sizeof out, args), 0, "%s", out);
    edd_ctx ctx = {0};
    edd_model_header h;
    float *params;
    cr_assert_eq(edd_model_file_read(&ctx, m, &h, &params), EDD_OK, "%s", ctx.err);
    free(params);
    cr_assert(h.p_input == 0.0f && h.p_hidden == 0.0f, "rates %g %g", (double)h.p_input, (double)h.p_hidden);
    snprintf(args, sizeof args, "uncertainty --teacher %s --out %s/s.npy --train-limit 64 --quiet --data-dir %s", m,
             dir, data);
    cr_assert_eq(edd_run(out, sizeof out, args), 1, "%s", out);
    cr_assert(strstr(out, m) && strstr(out, "no dropout"), "%s", out);
    snprintf(args, sizeof args, "distill --teacher %s --out %s/d.edd --train-limit 64 --quiet --data-dir %s", m, dir,
             data);
    cr_assert_eq(edd_run(out, sizeof out, args), 1, "%s", out);
    cr_assert(strstr(out, m) && strstr(out, "no dropout"), "%s", out);
    tmpdir_remove(dir);
}

/* Issue 11: a --test-limit beyond the data is said on stderr and the
 * whole split used, never read past. */
Test(cli, test_limit_beyond_the_data_is_said, .timeout = 120)
{
    char data[4096], dir[64], out[8192], args[8400], m[256];
    mnist_dir_or_skip(data, sizeof data);
    tmpdir_make(dir, sizeof dir, "clilimit");
    snprintf(m, sizeof m, "%s/m.edd", dir);
    snprintf(args, sizeof args, "train --epochs 1 --train-limit 64 --quiet --data-dir %s --out %s", data, m);
    cr_assert_eq(edd_run(out, sizeof out, args), 0, "%s", out);
    snprintf(args, sizeof args, "eval --model %s --test-limit 20000 --data-dir %s", m, data);
    cr_assert_eq(edd_run(out, sizeof out, args), 0, "%s", out);
    cr_assert(strstr(out, "--test-limit 20000 is beyond the 10000 test images") && strstr(out, "\"examples\":10000"),
              "%s", out);
    tmpdir_remove(dir);
}

/* The value to try for an option whose help shows placeholder word w
 * (e.g. "N", "mnist|fashion", "PATH.npy"), written to v. name is the
 * option, tmp a fresh folder, stage a valid stage name. */
static void value_for(const char *name, const char *w, const char *tmp, const char *stage, char *v, size_t n)
{
    const char *bar = strchr(w, '|');
    if (!strcmp(name, "dropout")) /* "--dropout 0.2,0.5": the listing stops at the comma */
        snprintf(v, n, "0.2,0.5");
    else if (bar)
        snprintf(v, n, "%.*s", (int)(bar - w), w);
    else if (w[0] >= '0' && w[0] <= '9')
        snprintf(v, n, "%s", w);
    else if (!strcmp(name, "k") || !strcmp(name, "suite"))
        snprintf(v, n, "%s", name[0] == 'k' ? "10" : w);
    else if (!strcmp(w, "PATH") || strstr(w, ".edd") || strstr(w, ".npy"))
        snprintf(v, n, "%s/%s.x", tmp, name); /* a fresh file: missing as an input, writable as an output */
    else if (!strcmp(w, "DIR"))
        snprintf(v, n, "%s/d-%s", tmp, name);
    else if (!strcmp(w, "FILE")) /* --times: an input whose absence is a usage error */
        snprintf(v, n, "docs/results-paper/report.md");
    else if (!strcmp(w, "NAME"))
        snprintf(v, n, "smoke");
    else if (!strcmp(w, "STAGE") || !strcmp(name, "only")) /* a bad --only stage list is exit 2 */
        snprintf(v, n, "%s", stage);
    else if (!strcmp(w, "N") || !strcmp(w, "S") || !strcmp(w, "LIST"))
        snprintf(v, n, "2");
    else
        snprintf(v, n, "0.5"); /* X, E, G, K, LR, C, R: in every real option's range */
}

/* edd attack refused --name (value v, or NULL) for the base's attack: run
 * it again, into out, with the first attack the refusal names ("it is an
 * option of --attack X|..." or "of --suite standard"), or with --loss
 * margin when --margin-cap asks for it. Returns the new exit status, or 2
 * when the message names no attack. */
static int attack_elsewhere(char *out, size_t n, const char *tmp, const char *name, const char *v, char *args,
                            size_t an)
{
    static const char of[] = "it is an option of --attack ";
    char what[64];
    const char *p = strstr(out, of);
    if (p)
        snprintf(what, sizeof what, "--attack %.*s", (int)strcspn(p + strlen(of), "|) "), p + strlen(of));
    else if (strstr(out, "it is an option of --suite standard"))
        snprintf(what, sizeof what, "--suite standard");
    else if (strstr(out, "give --loss margin with it"))
        snprintf(what, sizeof what, "--attack pgd --loss margin");
    else
        return 2;
    snprintf(args, an, "attack %s --model %s/none.edd --data-dir %s/nodata --threads 1 --%s%s%s", what, tmp, tmp, name,
             v ? " " : "", v ? v : "");
    return edd_run(out, n, args);
}

/* An option refused (exit 2, out) for what it asks beside it: rerun args
 * with it, or accept the refusal of --worker off --jobs, which comes after
 * parsing. Returns the new exit status, 2 when it asked for nothing. */
static int what_it_asks(const char *name, char *out, size_t n, char *args, size_t an)
{
    if (strstr(out, "without --labels") || strstr(out, "without --images")) { /* a pair */
        strncat(args, strstr(out, "without --labels") ? " --labels x.npy" : " --images x.npy", an - strlen(args) - 1);
        return edd_run(out, n, args);
    }
    if (strstr(out, "only with --dry-run")) { /* --times: it says what it needs */
        strncat(args, " --dry-run", an - strlen(args) - 1);
        return edd_run(out, n, args);
    }
    return !strcmp(name, "worker") && strstr(out, "are not pipes") ? 0 : 2;
}

/* EDD_DATA_DIR for fetch-data: tmp/fd, whose mnist/ links to the MNIST
 * files the tests read (right SHA-256: kept, nothing fetched); fashion/ it
 * links itself from Debian's package. */
static void fetch_data_dir(const char *tmp)
{
    static const char *const base[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                        "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
    char mnist[4096], dir[600], from[8300], to[700];
    mnist_dir_or_skip(mnist, sizeof mnist);
    snprintf(dir, sizeof dir, "%s/fd", tmp);
    cr_assert_eq(mkdir(dir, 0777), 0, "%s", dir);
    snprintf(to, sizeof to, "%s/mnist", dir);
    cr_assert_eq(mkdir(to, 0777), 0, "%s", to);
    for (int i = 0; i < 4; i++) {
        snprintf(from, sizeof from, "%s/%s", mnist, base[i]);
        char abs[4096];
        if (!realpath(from, abs))
            cr_skip_test("%s: not there (fetch-data would download it)", from);
        snprintf(to, sizeof to, "%s/mnist/%s", dir, base[i]);
        cr_assert_eq(symlink(abs, to), 0, "%s", to);
    }
    setenv("EDD_DATA_DIR", dir, 1);
}

/* Issue 11: every option a subcommand's --help lists is accepted by its
 * parser with a valid value: the run may fail at runtime (exit 1: the model
 * and the data do not exist) but never with exit 2 or "unknown option". An
 * option of one of distill's methods, refused with the default one ("does
 * not apply to --method"), must be accepted with the base alt, which names
 * the other. The bases of train and distill choose --adv pgd, so that every
 * adversarial-training option applies (the default --adv none refuses them).
 * attack's alt runs APGD, whose --loss values FGM refuses, and then the
 * suite (no --attack), which --suite needs; an option of other attacks
 * runs with the first attack its refusal names (attack_elsewhere). */
Test(cli, every_option_in_help_is_accepted, .timeout = 300)
{
    static const struct {
        const char *cmd, *base, *alt;
    } cmds[] = {
        {"train", "--adv pgd --out {T}/base.edd", NULL},
        {"eval", "--model {T}/none.edd", NULL},
        {"predict", "--model {T}/none.edd --logits {T}/base.npy", NULL},
        {"export", "--model {T}/none.edd --dir {T}/exp", NULL},
        {"import", "--dir {T}/exp --out {T}/imported.edd", NULL},
        {"uncertainty", "--teacher {T}/none.edd --out {T}/base.npy", NULL},
        {"distill", "--adv pgd --teacher {T}/none.edd --out {T}/base.edd",
         "--adv pgd --method temperature --teacher {T}/none.edd --out {T}/base.edd"},
        {"attack", "--attack fgm --model {T}/none.edd", "--attack apgd --model {T}/none.edd"},
        {"reproduce", "--scale smoke --out {T}/repro", NULL},
        {"info", "", NULL},
        {"fetch-data", "", NULL},
    };
    static char help[1 << 14], out[8192];
    char tmp[64], args[2048], base[512], alt[512], v[512], name[64], word[64], stage[64] = "teacher";
    tmpdir_make(tmp, sizeof tmp, "clihelp");
    fetch_data_dir(tmp);
    int tried = 0;
    for (size_t c = 0; c < sizeof cmds / sizeof cmds[0]; c++) {
        snprintf(args, sizeof args, "%s --help", cmds[c].cmd);
        cr_assert_eq(edd_run(help, sizeof help, args), 0, "edd %s", args);
        const char *st = strstr(help, "stages, in order:");
        if (st)
            sscanf(st + strlen("stages, in order:"), " %63s", stage);
        fill(base, sizeof base, cmds[c].base, NULL, NULL, NULL, tmp);
        fill(alt, sizeof alt, cmds[c].alt ? cmds[c].alt : "", NULL, NULL, NULL, tmp);
        for (const char *p = help; (p = strstr(p, "--")); ) {
            p += 2;
            size_t k = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789-");
            if (k == 0 || k >= sizeof name)
                continue;
            snprintf(name, sizeof name, "%.*s", (int)k, p);
            p += k;
            if (!strcmp(name, "help") || !strchr(" \n,]", *p)) /* "--seed." in prose: not a listing */
                continue;
            word[0] = 0;
            if (*p == ' ')
                sscanf(p, " %63[^] ,\n]", word);
            int takes = word[0] && (strchr(word, '|') || !strcmp(name, "suite") || (word[0] >= 'A' && word[0] <= 'Z') ||
                                    (word[0] >= '0' && word[0] <= '9')); /* "[--k 10,11]": an example value */
            if (takes)
                value_for(name, word, tmp, stage, v, sizeof v);
            snprintf(args, sizeof args, "%s %s --data-dir %s/nodata --threads 1 --%s%s%s", cmds[c].cmd, base, tmp,
                     name, takes ? " " : "", takes ? v : "");
            if (!strcmp(cmds[c].cmd, "info") || !strcmp(cmds[c].cmd, "export") || !strcmp(cmds[c].cmd, "fetch-data"))
                snprintf(args, sizeof args, "%s %s --%s%s%s", cmds[c].cmd, base, name, takes ? " " : "",
                         takes ? v : "");
            int rc = edd_run(out, sizeof out, args);
            if (rc == 2 && cmds[c].alt && (strstr(out, "does not apply to --method") || strstr(out, "' with --attack"))) {
                snprintf(args, sizeof args, "%s %s --data-dir %s/nodata --threads 1 --%s%s%s", cmds[c].cmd, alt, tmp,
                         name, takes ? " " : "", takes ? v : "");
                rc = edd_run(out, sizeof out, args);
            }
            if (rc == 2 && !strcmp(cmds[c].cmd, "attack") && strstr(out, "does not apply to --attack"))
                rc = attack_elsewhere(out, sizeof out, tmp, name, takes ? v : NULL, args, sizeof args);
            if (rc == 2 && !strcmp(cmds[c].cmd, "attack") && strstr(out, "give --loss margin"))
                rc = attack_elsewhere(out, sizeof out, tmp, name, takes ? v : NULL, args, sizeof args);
            if (rc == 2 && strstr(out, "give one of them")) { /* --suite standard replaces --attack */
                snprintf(args, sizeof args, "attack --model %s/none.edd --data-dir %s/nodata --threads 1 --suite %s", tmp,
                         tmp, v);
                rc = edd_run(out, sizeof out, args);
            }
            rc = rc == 2 ? what_it_asks(name, out, sizeof out, args, sizeof args) : rc;
            cr_assert(rc != 2 && !strstr(out, "unknown option"), "edd %s: the parser refuses an option its help lists: %s",
                      args, out);
            tried++;
        }
    }
    cr_assert_gt(tried, 60, "%d options tried", tried);
    tmpdir_remove(tmp);
}

/* Issue 11: numbers out of range are usage errors naming the option and
 * the range. */
Test(cli, numbers_out_of_range_exit_2)
{
    static const struct {
        const char *args, *want;
    } cases[] = {
        {"eval --model m.edd --threads 0", "--threads '0': expected an integer in 1..1024"},
        {"eval --model m.edd --threads 100000", "--threads '100000': expected an integer in 1..1024"},
        {"attack --attack fgm --model m.edd --eps nan", "--eps 'nan': expected a number in (0, "},
        {"attack --attack fgm --model m.edd --eps inf", "--eps 'inf'"},
        {"attack --attack fgm --model m.edd --eps -0.1", "--eps '-0.1'"},
        {"attack --attack jsma --model m.edd --gamma 0", "--gamma '0': expected a number in (0, 1]"},
        {"attack --attack jsma --model m.edd --gamma 1.5", "--gamma '1.5': expected a number in (0, 1]"},
        {"attack --attack pgd --model m.edd --steps 0", "--steps '0': expected an integer in 1..1000000"},
        {"attack --attack pgd --model m.edd --restarts 0", "--restarts '0': expected an integer in 1..10000"},
        {"attack --attack pgd --model m.edd --step-size nan", "--step-size 'nan': expected a number in [0, "},
        {"attack --attack pgd --model m.edd --margin-cap 0", "--margin-cap '0': expected a number in (0, "},
        {"attack --attack pgd --model m.edd --loss hinge", "--loss 'hinge' with --attack pgd: expected all, real or margin"},
        {"attack --attack cw --model m.edd --cw-goal away", "--cw-goal 'away': expected targeted or untargeted"},
        {"distill --teacher t.edd --out d.edd --alpha -0.5", "--alpha '-0.5': expected a number in [0, 100]"},
        {"train --out m.edd --epochs -1", "--epochs '-1'"},
        {"uncertainty --teacher t.edd --out s.npy --passes 0", "--passes '0'"},
        {"train --out m.edd --batch 0", "--batch '0'"},
    };
    char out[8192];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cr_assert_eq(edd_run(out, sizeof out, cases[i].args), 2, "edd %s: %s", cases[i].args, out);
        cr_assert(strstr(out, cases[i].want), "edd %s says %s: %s", cases[i].args, cases[i].want, out);
    }
}

/* Issue 13: each of distill's methods refuses the other's options, and a
 * temperature that is not a number > 0 is refused by train and distill,
 * all with exit 2 and a message naming the option (and the methods). */
Test(cli, distill_methods_refuse_the_other_methods_options)
{
    static const struct {
        const char *args, *want;
    } cases[] = {
        {"distill --teacher t.edd --out d.edd --temperature 100", "--temperature does not apply to --method extended"},
        {"distill --teacher t.edd --out d.edd --method extended --hard-labels",
         "--hard-labels does not apply to --method extended"},
        {"distill --teacher t.edd --out d.edd --method temperature --alpha 0.5",
         "--alpha does not apply to --method temperature"},
        {"distill --teacher t.edd --out d.edd --passes 5 --method temperature",
         "--passes does not apply to --method temperature"},
        {"distill --teacher t.edd --out d.edd --method temperature --gamma 0.1", "--gamma does not apply"},
        {"distill --teacher t.edd --out d.edd --method temperature --kappa 10", "--kappa does not apply"},
        {"distill --teacher t.edd --out d.edd --method temperature --penalty none", "--penalty does not apply"},
        {"distill --teacher t.edd --out d.edd --method temperature --sigma-out s.npy", "--sigma-out does not apply"},
        {"distill --teacher t.edd --out d.edd --method cold", "--method 'cold': expected extended or temperature"},
        {"distill --teacher t.edd --out d.edd --method temperature --temperature 0", "--temperature '0': expected a number in (0, "},
        {"distill --teacher t.edd --out d.edd --method temperature --temperature -3", "--temperature '-3'"},
        {"distill --teacher t.edd --out d.edd --method temperature --temperature nan", "--temperature 'nan'"},
        {"distill --teacher t.edd --out d.edd --method temperature --temperature inf", "--temperature 'inf'"},
        {"train --out m.edd --temperature 0", "--temperature '0': expected a number in (0, "},
        {"train --out m.edd --temperature -1", "--temperature '-1'"},
        {"train --out m.edd --temperature nan", "--temperature 'nan'"},
    };
    char out[8192];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cr_assert_eq(edd_run(out, sizeof out, cases[i].args), 2, "edd %s: %s", cases[i].args, out);
        cr_assert(strstr(out, cases[i].want), "edd %s says %s: %s", cases[i].args, cases[i].want, out);
    }
}
