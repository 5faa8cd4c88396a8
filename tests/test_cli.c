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

#include "testutil.h"

TestSuite(cli, .timeout = 60);

static const char *edd_bin(void)
{
    const char *b = getenv("EDD_BIN");
    b = b ? b : "./edd";
    struct stat st;
    if (stat(b, &st) != 0)
        cr_skip_test("no edd binary at %s (build it with make)", b);
    return b;
}

/* Run `edd ARGS` with stdout and stderr captured into out (n bytes);
 * returns the exit status. */
static int run(char *out, size_t n, const char *args)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "OMP_NUM_THREADS=1 %s %s 2>&1", edd_bin(), args);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    size_t len = fread(out, 1, n - 1, p);
    out[len] = 0;
    int status = pclose(p);
    cr_assert(WIFEXITED(status), "edd %s did not exit normally", args);
    return WEXITSTATUS(status);
}

Test(cli, version_and_top_level_usage)
{
    char out[8192];
    cr_assert_eq(run(out, sizeof out, "--version"), 0);
    cr_assert(strstr(out, "edd ") && strstr(out, "oneDNN"), "version line: %s", out);
    cr_assert_eq(run(out, sizeof out, ""), 2, "no command is a usage error");
    cr_assert_eq(run(out, sizeof out, "frobnicate"), 2);
    cr_assert(strstr(out, "unknown command 'frobnicate'"), "%s", out);
}

Test(cli, every_subcommand_has_help)
{
    static const char *cmds[] = {"train", "eval", "predict", "export", "uncertainty", "distill", "attack", "reproduce"};
    char out[8192], args[64];
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        snprintf(args, sizeof args, "%s --help", cmds[i]);
        cr_assert_eq(run(out, sizeof out, args), 0, "edd %s", args);
        cr_assert(strstr(out, "usage: edd ") && strstr(out, cmds[i]), "edd %s printed: %.200s", args, out);
    }
}

Test(cli, usage_errors_name_the_option_and_exit_2)
{
    char out[8192];
    cr_assert_eq(run(out, sizeof out, "train --out x.edd --epochs ten"), 2);
    cr_assert(strstr(out, "--epochs 'ten'") && strstr(out, "expected an integer"), "%s", out);
    cr_assert_eq(run(out, sizeof out, "train --epochs 1"), 2);
    cr_assert(strstr(out, "--out is required"), "%s", out);
    cr_assert_eq(run(out, sizeof out, "eval --model m.edd --data cifar"), 2);
    cr_assert(strstr(out, "--data 'cifar'") && strstr(out, "mnist or fashion"), "%s", out);
    cr_assert_eq(run(out, sizeof out, "distill --teacher t.edd --out d.edd --alpha -1"), 2);
    cr_assert(strstr(out, "--alpha '-1'"), "%s", out);
    cr_assert_eq(run(out, sizeof out, "attack --model m.edd"), 2);
    cr_assert(strstr(out, "--attack is required"), "%s", out);
    cr_assert_eq(run(out, sizeof out, "eval --model m.edd --bogus"), 2);
    cr_assert(strstr(out, "'--bogus'"), "%s", out);
    cr_assert_eq(run(out, sizeof out, "export --model m.edd --dir d stray"), 2);
    cr_assert(strstr(out, "unexpected argument 'stray'"), "%s", out);
}

Test(cli, runtime_errors_name_the_file_and_exit_1)
{
    char dir[64], out[8192], args[512], path[256];
    tmpdir_make(dir, sizeof dir, "cli");
    cr_assert_eq(run(out, sizeof out, "eval --model /nonexistent/m.edd"), 1);
    cr_assert(strstr(out, "/nonexistent/m.edd"), "%s", out);
    snprintf(path, sizeof path, "%s/bad.edd", dir);
    file_put(path, "EDDMODEL\1\0\0\0", 12);
    snprintf(args, sizeof args, "eval --model %s", path);
    cr_assert_eq(run(out, sizeof out, args), 1);
    cr_assert(strstr(out, path), "the message names the model file: %s", out);
    snprintf(path, sizeof path, "%s/never.edd", dir);
    snprintf(args, sizeof args, "train --data-dir %s/nodata --out %s --epochs 1", dir, path);
    cr_assert_eq(run(out, sizeof out, args), 1);
    cr_assert(strstr(out, "nodata"), "the message names the data folder: %s", out);
    struct stat st;
    cr_assert_neq(stat(path, &st), 0, "a failed run must not leave %s", path);
    tmpdir_remove(dir);
}
