/* test_hostile_plot.c - issue 24: the plots stage treats a results folder
 * as untrusted input. Each case runs `edd reproduce --scale smoke --out R
 * --only plots --force plots` on a copy of a finished smoke folder (its
 * CSVs, plots/ and stages/): $EDD_SMOKE_DIR when set, else the one the
 * tests share (smoke_shared.h). A case on
 * one CSV copies that CSV alone, so that the stage draws only its plot.
 * Tables:
 *   csv_cells   every text cell of every CSV the plots read, in turn, set
 *               to a payload gnuplot would run: exit 1 or 2 naming the
 *               CSV, no PWNED file anywhere, and no script left in plots/
 *               that runs one by hand;
 *   links       a symlink in plots/ to a victim outside R: the victim keeps
 *               its bytes whether the stage passes or gnuplot fails;
 *   out_paths   --out with quotes and shell characters: the stage passes
 *               and each script re-renders its PNG by hand;
 *   seed_cells  the summary of --seeds (edd_repro_seeds_summary), whose
 *               plots name series by their source, target and model: a
 *               cell in both seeds' CSVs is refused the same way. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "experiments.h"
#include "smoke_shared.h"

TestSuite(hostile_plot, .timeout = 2400);

/* The text columns (0-based, -1 ends) of each CSV the plots stage reads. */
static const struct {
    const char *csv;
    int cols[7];
} csv_cells[] = {
    {"fig2a_fgm.csv", {0, 1, 2, 3, 4, 6, -1}},   {"fig2b_jsma.csv", {0, 1, 2, 3, 4, 6, -1}},
    {"fig2c_cw.csv", {0, 1, 2, 3, 4, 6, -1}},    {"fig2d_alpha.csv", {0, 1, 2, 3, 4, 6, -1}},
    {"fig2e_passes.csv", {0, 1, 2, 3, 4, 6, -1}}, {"fig3a_fgm.csv", {0, 1, 2, 3, 4, 6, -1}},
    {"fig3b_fgm.csv", {0, 1, 2, 3, 4, 6, -1}},   {"fig3c_jsma.csv", {0, 1, 2, 3, 4, 6, -1}},
    {"fig3d_jsma.csv", {0, 1, 2, 3, 4, 6, -1}},  {"fig3e_cw.csv", {0, 1, 2, 3, 4, 6, -1}},
    {"fig3f_cw.csv", {0, 1, 2, 3, 4, 6, -1}},    {"security.csv", {0, 2, -1}},
    {"baselines.csv", {0, 1, 2, -1}},            {"standard.csv", {0, 1, 3, -1}},
    {"min_l2.csv", {0, 3, -1}},                  {"logit_gap.csv", {0, -1}},
};

/* What a cell is set to: each would make gnuplot create PWNED if it
 * reached a script as it is (the short one fits every column). The CSV
 * reader has no quoting, so the newline goes in as it is. */
static const struct {
    const char *name, *value;
} payloads[] = {
    {"backquote", "`touch PWNED`"},
    {"short backquote out of a quoted string", "'`>PWNED`'"},
    {"system()", "'.system(\"touch PWNED\").'"},
    {"newline", "x\n`touch PWNED`"},
    {"single quote", "it's"},
};

static const struct {
    const char *name, *link; /* the symlink, relative to R */
    const char *path;        /* $PATH for edd, NULL for this one's */
    int exit;
} links[] = {
    {"gnuplot log, stage passes", "plots/fig2a.png.gnuplot.log", NULL, 0},
    {"gnuplot log, gnuplot missing", "plots/fig2a.png.gnuplot.log", "/nonexistent", 1},
    {"PNG, stage passes", "plots/fig2a.png", NULL, 0},
    {"script, stage passes", "plots/fig2a.gp", NULL, 0},
};

static const struct {
    const char *csv;
    int col;
    const char *value;
} seed_cells[] = {
    {"fig2a_fgm.csv", 1, "'.system(\"touch PWNED\").'"}, /* a series' source */
    {"fig2c_cw.csv", 6, "'`>PWNED`'"},                  /* a series' variant */
    {"fig2b_jsma.csv", 0, "../../PWNED"},                /* the plot's file name */
    {"security.csv", 0, "'.system(\"touch PWNED\").'"},  /* a series' model */
};

static const struct {
    const char *name, *dir; /* the results folder's name in a fresh folder */
} out_paths[] = {
    {"single quote and dollar", "R'q$HOME"},
    {"backquote and semicolon", "R`touch PWNED`;x"},
    {"double quote and space", "R \"d\" e"},
};

/* Run argv with cwd as its folder, stdout and stderr into log, PATH set to
 * path when not NULL; its wait status. */
static int run_in(const char *cwd, char *const *argv, const char *log, const char *path)
{
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || chdir(cwd) || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
            _exit(126);
        setenv("OMP_NUM_THREADS", "1", 1);
        if (path)
            setenv("PATH", path, 1);
        execv(argv[0], argv);
        _exit(127);
    }
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    return status;
}

/* The folder a test may run in: an absolute path (made absolute from the
 * test's cwd). */
static void absolute(const char *in, char *out, size_t n)
{
    char cwd[2048];
    cr_assert_not_null(getcwd(cwd, sizeof cwd));
    snprintf(out, n, "%s%s%s", in[0] == '/' ? "" : cwd, in[0] == '/' ? "" : "/", in);
}

/* The finished smoke folder every case copies, into base: the shared one
 * (smoke_shared.h), or $EDD_SMOKE_DIR. */
static void smoke_base(char *base, size_t n)
{
    char path[600];
    const char *env = getenv("EDD_SMOKE_DIR");
    if (!env) {
        smoke_shared(base, n);
        return;
    }
    snprintf(base, n, "%s", env);
    snprintf(path, sizeof path, "%s/stages/plots.done", base);
    cr_assert_eq(access(path, R_OK), 0, "EDD_SMOKE_DIR=%s is not a finished smoke folder (no stages/plots.done)", env);
}

/* Copy base's plots/ and stages/ into the new folder dst, with base's
 * CSV csv (all of them when NULL). */
static void copy_base(const char *base, const char *dst, const char *csv)
{
    char cmd[8192];
    cr_assert_eq(mkdir(dst, 0777), 0, "%s: %s", dst, strerror(errno));
    snprintf(cmd, sizeof cmd, "cp -a \"$0\"/%s \"$0\"/plots \"$0\"/stages \"$1\"/", csv ? "\"$2\"" : "*.csv");
    pid_t pid = fork();
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", cmd, base, dst, csv ? csv : "", (char *)NULL);
        _exit(127);
    }
    int status;
    cr_assert(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && !WEXITSTATUS(status),
              "cp %s -> %s", base, dst);
}

/* Run the plots stage on out from the folder cwd (PATH path when not
 * NULL), its output into log (n bytes); the wait status. */
static int run_plots(const char *cwd, const char *out, const char *path, char *log, size_t n)
{
    char bin[4096], logf[4200];
    absolute(edd_bin_or_skip(), bin, sizeof bin);
    snprintf(logf, sizeof logf, "%s/../edd.log", cwd);
    char *argv[] = {bin, "reproduce", "--scale", "smoke", "--out", (char *)out, "--only", "plots", "--force", "plots",
                    "--quiet", NULL};
    int st = run_in(cwd, argv, logf, path);
    char *t = file_read_text(logf, NULL);
    snprintf(log, n, "%s", t ? t : "");
    free(t);
    return st;
}

static int pwned_hits;

static int pwned_visit(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag;
    pwned_hits += !strncmp(p + ftw->base, "PWNED", 5);
    return 0;
}

/* Files named PWNED* under dir. */
static int pwned_under(const char *dir)
{
    pwned_hits = 0;
    nftw(dir, pwned_visit, 16, FTW_PHYS);
    return pwned_hits;
}

/* Set column col of every row of csv (but its header) to v. */
static void poison(const char *csv, int col, const char *v)
{
    size_t n;
    char *t = file_read_text(csv, &n);
    cr_assert_not_null(t, "%s", csv);
    size_t cap = 2 * n + 64 * strlen(v) * (n / 16 + 1);
    char *out = malloc(cap), *o = out;
    cr_assert_not_null(out);
    int first = 1;
    for (char *line = strtok(t, "\n"); line; line = strtok(NULL, "\n"), first = 0) {
        int c = 0;
        for (char *f = line; f; c++) {
            char *e = strchr(f, ',');
            size_t len = e ? (size_t)(e - f) : strlen(f);
            if (c)
                *o++ = ',';
            o += first || c != col ? (size_t)sprintf(o, "%.*s", (int)len, f) : (size_t)sprintf(o, "%s", v);
            f = e ? e + 1 : NULL;
        }
        *o++ = '\n';
    }
    file_put(csv, out, (size_t)(o - out));
    free(out);
    free(t);
}

/* Run gnuplot by hand, in the folder hand, on each script of R/plots that
 * is not byte for byte base's. */
static void hand_render(const char *R, const char *base, const char *hand)
{
    char cmd[16384];
    snprintf(cmd, sizeof cmd,
             "cd \"$2\" && for f in \"$0\"/plots/*.gp; do cmp -s \"$f\" \"$1/plots/${f##*/}\" || "
             "gnuplot \"$f\" >/dev/null 2>&1; done; true");
    pid_t pid = fork();
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", cmd, R, base, hand, (char *)NULL);
        _exit(127);
    }
    int status;
    cr_assert(pid > 0 && waitpid(pid, &status, 0) == pid);
}

Test(hostile_plot, csv_cells_never_reach_gnuplot)
{
    char base[256], top[64], R[128], cwd[128], hand[128], csv[256], log[8192], path[4096];
    smoke_base(base, sizeof base);
    int cases = 0;
    for (size_t i = 0; i < sizeof csv_cells / sizeof csv_cells[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", base, csv_cells[i].csv);
        cr_assert_eq(access(path, R_OK), 0, "the smoke folder has no %s", csv_cells[i].csv);
        for (int k = 0; csv_cells[i].cols[k] >= 0; k++)
            for (size_t p = 0; p < sizeof payloads / sizeof payloads[0]; p++, cases++) {
                const char *what = payloads[p].name;
                tmpdir_make(top, sizeof top, "hostile_plot");
                snprintf(R, sizeof R, "%s/R", top);
                snprintf(cwd, sizeof cwd, "%s/cwd", top);
                snprintf(hand, sizeof hand, "%s/hand", top);
                cr_assert(!mkdir(cwd, 0777) && !mkdir(hand, 0777));
                copy_base(base, R, csv_cells[i].csv);
                snprintf(csv, sizeof csv, "%s/%s", R, csv_cells[i].csv);
                poison(csv, csv_cells[i].cols[k], payloads[p].value);
                int st = run_plots(cwd, R, NULL, log, sizeof log);
                int ok = WIFEXITED(st) && (WEXITSTATUS(st) == 1 || WEXITSTATUS(st) == 2);
                cr_expect(ok,
                          "%s column %d, %s: status %#x, expected exit 1 or 2: %s", csv_cells[i].csv,
                          csv_cells[i].cols[k], what, st, log);
                ok &= !!strstr(log, csv_cells[i].csv);
                cr_expect(strstr(log, csv_cells[i].csv), "%s column %d, %s: the message does not name the CSV: %s",
                          csv_cells[i].csv, csv_cells[i].cols[k], what, log);
                hand_render(R, base, hand);
                int hits = pwned_under(top);
                cr_expect_eq(hits, 0, "%s column %d, %s: a PWNED file in %s (the run or a script by hand)",
                             csv_cells[i].csv, csv_cells[i].cols[k], what, top);
                cr_expect_eq(access("PWNED", F_OK), -1, "a PWNED file in the test's folder");
                if (ok && !hits)
                    tmpdir_remove(top);
            }
    }
    cr_assert_gt(cases, 300);
}

Test(hostile_plot, links_in_plots_are_never_followed)
{
    char base[256], top[64], R[128], cwd[128], victim[128], link[256], log[8192];
    static const char precious[] = "the victim's bytes\n";
    smoke_base(base, sizeof base);
    for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
        tmpdir_make(top, sizeof top, "hostile_plot");
        snprintf(R, sizeof R, "%s/R", top);
        snprintf(cwd, sizeof cwd, "%s/cwd", top);
        snprintf(victim, sizeof victim, "%s/victim", top);
        snprintf(link, sizeof link, "%s/%s", R, links[i].link);
        cr_assert_eq(mkdir(cwd, 0777), 0);
        copy_base(base, R, "fig2a_fgm.csv");
        file_put(victim, precious, sizeof precious - 1);
        unlink(link);
        cr_assert_eq(symlink(victim, link), 0, "%s: %s", link, strerror(errno));
        int st = run_plots(cwd, R, links[i].path, log, sizeof log);
        cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == links[i].exit, "%s: status %#x, expected exit %d: %s",
                  links[i].name, st, links[i].exit, log);
        char *v = file_read_text(victim, NULL);
        cr_expect(v && !strcmp(v, precious), "%s: the victim now holds '%s'", links[i].name, v ? v : "(gone)");
        free(v);
        struct stat sb;
        cr_expect(lstat(link, &sb) ? errno == ENOENT : S_ISREG(sb.st_mode), "%s: %s is still a link",
                  links[i].name, link);
        if (links[i].exit)
            cr_expect(strstr(log, "gnuplot") && strstr(log, links[i].link), "%s: %s", links[i].name, log);
        tmpdir_remove(top);
    }
}

Test(hostile_plot, out_path_with_quotes_and_shell_characters)
{
    char base[256], top[64], R[256], cwd[128], hand[128], log[8192];
    smoke_base(base, sizeof base);
    for (size_t i = 0; i < sizeof out_paths / sizeof out_paths[0]; i++) {
        tmpdir_make(top, sizeof top, "hostile_plot");
        snprintf(R, sizeof R, "%s/%s", top, out_paths[i].dir);
        snprintf(cwd, sizeof cwd, "%s/cwd", top);
        snprintf(hand, sizeof hand, "%s/hand", top);
        cr_assert(!mkdir(cwd, 0777) && !mkdir(hand, 0777));
        copy_base(base, R, NULL);
        int st = run_plots(cwd, R, NULL, log, sizeof log);
        cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "--out '%s': status %#x, expected exit 0: %s", R, st, log);
        /* each script re-renders, by hand, the PNG the stage wrote */
        pid_t pid = fork();
        if (pid == 0) {
            execl("/bin/sh", "sh", "-c",
                  "cd \"$1\" && for f in \"$0\"/plots/*.gp; do n=${f##*/}; gnuplot \"$f\" 2>/dev/null && "
                  "cmp -s \"${n%.gp}.png\" \"$0/plots/${n%.gp}.png\" || exit 1; done",
                  R, hand, (char *)NULL);
            _exit(127);
        }
        cr_assert(pid > 0 && waitpid(pid, &st, 0) == pid);
        cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "--out '%s': a script of plots/ does not re-render its PNG",
                  R);
        cr_expect_eq(pwned_under(top), 0, "--out '%s': a PWNED file", R);
        tmpdir_remove(top);
    }
}

Test(hostile_plot, seeds_summary_refuses_the_same_cells)
{
    char base[256], top[64], D[128], seed[160], cwd[128], csv[256];
    smoke_base(base, sizeof base);
    edd_ctx ctx;
    ctx_make(&ctx);
    edd_repro_scale sc;
    cr_assert_eq(edd_repro_scale_get(&ctx, "smoke", &sc), EDD_OK);
    for (size_t i = 0; i < sizeof seed_cells / sizeof seed_cells[0]; i++) {
        tmpdir_make(top, sizeof top, "hostile_plot");
        snprintf(D, sizeof D, "%s/D", top);
        snprintf(cwd, sizeof cwd, "%s/cwd", top);
        cr_assert(!mkdir(D, 0777) && !mkdir(cwd, 0777) && !chdir(cwd));
        for (int k = 1; k <= 2; k++) {
            snprintf(seed, sizeof seed, "%s/seed-%d", D, k);
            copy_base(base, seed, NULL);
            snprintf(csv, sizeof csv, "%s/%s", seed, seed_cells[i].csv);
            poison(csv, seed_cells[i].col, seed_cells[i].value);
        }
        edd_repro_opts o = {.out_dir = D, .quiet = 1};
        edd_status st = edd_repro_seeds_summary(&ctx, &sc, &o, 2);
        cr_expect(st == EDD_ERR_FORMAT && strstr(ctx.err, seed_cells[i].csv), "%s column %d: status %d, expected a "
                  "format error naming the CSV: %s", seed_cells[i].csv, seed_cells[i].col, st, ctx.err);
        cr_expect_eq(pwned_under(top), 0, "%s column %d: a PWNED file in %s", seed_cells[i].csv, seed_cells[i].col,
                     top);
        if (st && !pwned_under(top))
            tmpdir_remove(top);
    }
    edd_ctx_free(&ctx);
}
