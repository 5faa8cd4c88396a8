/* test_hostile_open.c - issue 24, items 6 and 8 and Deliver 3: every file
 * edd opens goes through src/core/io.c, which refuses a FIFO, a device, a
 * folder or a socket without blocking and never follows a symlink it did
 * not create; --times refuses a stage named twice, a time followed by text
 * and a huge file; the startup sweep removes only edd's own temporaries.
 *
 * The cases that run edd are one table (hostile_cases): a new reader or
 * output path is one row. Each runs edd under `timeout 20`, so that a hang
 * fails the row (exit 124) instead of blocking the suite. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "edd/io.h"
#include "testutil.h"

TestSuite(hostile_open, .timeout = 60);
TestSuite(open_source, .timeout = 60);

/* ---- the table ---- */

#define EXIT_1 (1 << 1)
#define EXIT_2 (1 << 2)
#define EXIT_0 (1 << 0)

typedef struct {
    const char *name;
    void (*setup)(const char *dir); /* makes what the case needs under dir (may be NULL) */
    const char *args;               /* edd's arguments; {d} is the case's folder */
    int exits;                      /* the exit statuses expected, EXIT_* bits */
    const char *msg;                /* a fragment of the output; {d} is the folder */
    void (*check)(const char *dir); /* asserts on dir afterwards (may be NULL) */
} hostile_case;

static void put_text(const char *dir, const char *rel, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    file_put(path, text, strlen(text));
}

static void fifo_at(const char *dir, const char *rel)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    cr_assert_eq(mkfifo(path, 0600), 0, "mkfifo %s: %s", path, strerror(errno));
}

/* dir/R/stages, an empty results folder: every stage absent. */
static void results(const char *dir)
{
    char path[512];
    snprintf(path, sizeof path, "%s/R", dir);
    cr_assert_eq(mkdir(path, 0700), 0);
    snprintf(path, sizeof path, "%s/R/stages", dir);
    cr_assert_eq(mkdir(path, 0700), 0);
}

/* A pid that no process has: a child's that exited and was reaped. */
static long dead_pid(void)
{
    pid_t p = fork();
    cr_assert_neq(p, -1);
    if (p == 0)
        _exit(0);
    cr_assert_eq(waitpid(p, NULL, 0), p);
    return (long)p;
}

static void times_fifo(const char *dir) { fifo_at(dir, "t"); }
static void times_dup(const char *dir) { put_text(dir, "t", "fig2a 3\nbaseline 4\n\nfig2a 5\n"); }
static void times_garbage(const char *dir) { put_text(dir, "t", "baseline 4\nfig2a 3abc\n"); }
static void times_row_garbage(const char *dir) { put_text(dir, "t", "| stage | seconds |\n| fig2a | 3abc |\n"); }
static void times_rows(const char *dir)
{
    /* another table's rows that start with a stage name are no times */
    put_text(dir, "t",
             "| baseline | 196 | 196 | 1.30 (1.18-1.43) |\n| baseline | 0.1 | 45.3 |\n| report | (this stage) |\n"
             "baseline took a while\n| baseline | 527.0 |\n");
}

static void times_sock(const char *dir)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s/t", dir);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    cr_assert(s >= 0);
    cr_assert_eq(bind(s, (struct sockaddr *)&a, sizeof a), 0, "bind %s: %s", a.sun_path, strerror(errno));
    close(s);
}

/* A 1 GiB file (a hole: no disk used). */
static void times_huge(const char *dir)
{
    char path[512];
    snprintf(path, sizeof path, "%s/t", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    cr_assert(fd >= 0);
    cr_assert_eq(ftruncate(fd, (off_t)1 << 30), 0);
    close(fd);
}

static void times_lines(const char *dir)
{
    /* 10,001 lines, one more than the cap */
    char *b = malloc(20003);
    for (int i = 0; i < 20002; i += 2)
        b[i] = 'x', b[i + 1] = '\n';
    b[20002] = 0;
    put_text(dir, "t", b);
    free(b);
}

static void dataset_fifo(const char *dir) { results(dir), fifo_at(dir, "R/stages/dataset"); }
static void done_fifo(const char *dir) { results(dir), fifo_at(dir, "R/stages/report.done"); }
static void headline_fifo(const char *dir) { results(dir), fifo_at(dir, "R/headline.csv"); }
static void csv_fifo(const char *dir) { results(dir), fifo_at(dir, "R/fig2a_fgm.csv"); }
static void output_fifo(const char *dir) { fifo_at(dir, "m.edd"); }

/* A user's file whose name ends in .tmp.<a dead pid>, and a temporary
 * file of edd's that a killed run (that pid) left. */
static void user_tmp(const char *dir)
{
    results(dir);
    char rel[128];
    long pid = dead_pid();
    snprintf(rel, sizeof rel, "R/notes.tmp.%ld", pid);
    put_text(dir, rel, "the user's\n");
    snprintf(rel, sizeof rel, "R/report.md.edd-tmp.%ld", pid);
    put_text(dir, rel, "half a report");
}

/* The names in dir/R that start with prefix (or contain it, any). */
static int names_with(const char *dir, const char *part, int any)
{
    char path[512];
    snprintf(path, sizeof path, "%s/R", dir);
    DIR *d = opendir(path);
    cr_assert_not_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += any ? strstr(e->d_name, part) != NULL : !strncmp(e->d_name, part, strlen(part));
    closedir(d);
    return n;
}

static void user_tmp_survives(const char *dir)
{
    cr_assert_eq(names_with(dir, "notes.tmp.", 0), 1, "the user's notes.tmp.<dead pid> survives the sweep");
    cr_assert_eq(names_with(dir, EDD_TMP_INFIX, 1), 0, "edd's own report.md.edd-tmp.<dead pid> is swept");
}

#define REPRO "reproduce --scale smoke --threads 1 --quiet "
#define DRY REPRO "--dry-run --out {d}/none --times "

static const hostile_case hostile_cases[] = {
    /* --times (costs.c) */
    {"times_fifo", times_fifo, DRY "{d}/t", EXIT_2, "--times {d}/t: found a FIFO", NULL},
    {"times_dev_zero", NULL, DRY "/dev/zero", EXIT_2, "--times /dev/zero: found a character device", NULL},
    {"times_folder", NULL, DRY "{d}", EXIT_2, "--times {d}: found a folder", NULL},
    {"times_socket", times_sock, DRY "{d}/t", EXIT_2, "--times {d}/t: found a socket", NULL},
    {"times_huge", times_huge, DRY "{d}/t", EXIT_2, "more than 1048576 bytes", NULL},
    {"times_lines", times_lines, DRY "{d}/t", EXIT_2, "more than 10000 lines", NULL},
    {"times_duplicate", times_dup, DRY "{d}/t", EXIT_2, "stage fig2a is named on line 1 and again on line 4", NULL},
    {"times_3abc", times_garbage, DRY "{d}/t", EXIT_2, "line 2: stage fig2a's seconds are '3abc'", NULL},
    {"times_row_3abc", times_row_garbage, DRY "{d}/t", EXIT_2, "line 2: stage fig2a's seconds are '3abc'", NULL},
    {"times_other_rows", times_rows, DRY "{d}/t", EXIT_0, "baseline          527.0  --times", NULL},
    {"times_report_md", NULL, "reproduce --scale paper --dry-run --out {d}/none --times docs/results-paper/report.md",
     EXIT_0, "\"work\":82955.8,", NULL},
    /* the results folder: the runner's and the manifests' readers, then
     * the report stage's */
    {"dataset_fifo", dataset_fifo, REPRO "--out {d}/R --only report", EXIT_1 | EXIT_2, "{d}/R/stages/dataset", NULL},
    {"done_fifo", done_fifo, REPRO "--out {d}/R --only report", EXIT_1 | EXIT_2, "report.done", NULL},
    {"headline_fifo", headline_fifo, REPRO "--out {d}/R --only report", EXIT_1,
     "{d}/R/headline.csv: found a FIFO, expected the headline stage's output", NULL},
    {"csv_fifo", csv_fifo, REPRO "--out {d}/R --only report", EXIT_1, "{d}/R/fig2a_fgm.csv: found a FIFO", NULL},
    /* an output path */
    {"output_fifo", output_fifo, "train --train-limit 10 --epochs 1 --quiet --out {d}/m.edd", EXIT_2,
     "{d}/m.edd", NULL},
    /* the startup sweep */
    {"sweep_keeps_user_tmp", user_tmp, REPRO "--out {d}/R --only report", EXIT_0, "\"stage\":\"report\"",
     user_tmp_survives},
};

/* s with each {d} replaced by dir, into out (n bytes). */
static void fill(char *out, size_t n, const char *s, const char *dir)
{
    size_t o = 0;
    for (const char *p = s; *p && o + 1 < n; p++) {
        if (!strncmp(p, "{d}", 3)) {
            o += (size_t)snprintf(out + o, n - o, "%s", dir);
            p += 2;
        } else {
            out[o++] = *p;
        }
    }
    out[o < n ? o : n - 1] = 0;
}

#define NCASES (sizeof hostile_cases / sizeof hostile_cases[0])

/* Criterion copies a parameter's bytes into a new process, where the
 * table's pointers need not hold: each row is passed by its index. */
ParameterizedTestParameters(hostile_open, cases)
{
    static int rows[NCASES];
    for (size_t i = 0; i < NCASES; i++)
        rows[i] = (int)i;
    return cr_make_param_array(int, rows, NCASES);
}

ParameterizedTest(int *row, hostile_open, cases)
{
    const hostile_case *c = &hostile_cases[*row];
    char dir[64], args[2048], msg[1024], cmd[4096], out[16384];
    tmpdir_make(dir, sizeof dir, "hostile_open");
    if (c->setup)
        c->setup(dir);
    fill(args, sizeof args, c->args, dir);
    fill(msg, sizeof msg, c->msg, dir);
    snprintf(cmd, sizeof cmd, "OMP_NUM_THREADS=1 timeout -k 5 20 %s %s 2>&1", edd_bin_or_skip(), args);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    size_t len = fread(out, 1, sizeof out - 1, p);
    out[len] = 0;
    int status = pclose(p);
    cr_assert(WIFEXITED(status), "%s: edd %s died", c->name, args);
    int rc = WEXITSTATUS(status);
    cr_assert_neq(rc, 124, "%s: edd %s hung (killed after 20 s)", c->name, args);
    cr_assert(rc < 8 && (c->exits & 1 << rc), "%s: edd %s exited %d, expected mask %#x; output:\n%s", c->name, args,
              rc, c->exits, out);
    cr_assert(strstr(out, msg), "%s: edd %s printed no '%s'; output:\n%s", c->name, args, msg, out);
    if (c->check)
        c->check(dir);
    tmpdir_remove(dir);
}

/* ---- io.c's open functions, called directly ---- */

/* A FIFO, /dev/zero, a folder and a socket are refused, without blocking,
 * with a message naming the path and what is there. */
Test(hostile_open, readers_refuse_what_is_no_regular_file)
{
    char dir[64], fifo[128], sock[128];
    tmpdir_make(dir, sizeof dir, "hostile_open");
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    times_sock(dir);
    snprintf(sock, sizeof sock, "%s/t", dir);
    const struct {
        const char *path, *kind;
    } k[] = {{fifo, "a FIFO"}, {"/dev/zero", "a character device"}, {dir, "a folder"}, {sock, "a socket"}};
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
        edd_ctx ctx = {0};
        int fd = 7;
        FILE *f = stdin;
        char *text = "x";
        size_t len = 1;
        char want[256];
        snprintf(want, sizeof want, "%s: found %s, expected a test file (a regular file)", k[i].path, k[i].kind);
        cr_assert_eq(edd_file_open_regular(&ctx, k[i].path, "a test file", &fd), EDD_ERR_IO, "%s", k[i].path);
        cr_assert_eq(fd, -1);
        cr_assert(strstr(ctx.err, want), "%s", ctx.err);
        cr_assert_eq(edd_file_fopen_regular(&ctx, k[i].path, "a test file", &f), EDD_ERR_IO);
        cr_assert_null(f);
        cr_assert_eq(edd_file_read_text(&ctx, k[i].path, "a test file", 100, &text, &len), EDD_ERR_IO);
        cr_assert(text == NULL && len == 0);
        cr_assert(strstr(ctx.err, want), "%s", ctx.err);
    }
    tmpdir_remove(dir);
}

/* edd_file_read_text reads /proc files (st_size 0) and stops after max + 1
 * bytes of a larger file. */
Test(hostile_open, read_text_bounded_and_proc)
{
    edd_ctx ctx = {0};
    char *text;
    size_t len;
    cr_assert_eq(edd_file_read_text(&ctx, "/proc/self/statm", "statm", 4096, &text, &len), EDD_OK, "%s", ctx.err);
    cr_assert(len > 0 && strlen(text) == len);
    free(text);
    char dir[64], path[128];
    tmpdir_make(dir, sizeof dir, "hostile_open");
    snprintf(path, sizeof path, "%s/f", dir);
    file_put(path, "0123456789", 10);
    cr_assert_eq(edd_file_read_text(&ctx, path, "ten bytes", 10, &text, &len), EDD_OK, "%s", ctx.err);
    cr_assert(len == 10 && !strcmp(text, "0123456789"));
    free(text);
    cr_assert_eq(edd_file_read_text(&ctx, path, "nine bytes", 9, &text, &len), EDD_ERR_FORMAT);
    cr_assert(strstr(ctx.err, path) && strstr(ctx.err, "more than 9 bytes"), "%s", ctx.err);
    tmpdir_remove(dir);
}

/* A symlink where an output goes: edd_file_create refuses it and
 * edd_file_open_rdwr too; the atomic writer's temporary path taken by a
 * symlink is removed, never written through, and the symlink's target
 * keeps its bytes. */
Test(hostile_open, writers_never_follow_a_symlink)
{
    char dir[64], victim[128], link[128], out[128], tmp[256];
    tmpdir_make(dir, sizeof dir, "hostile_open");
    snprintf(victim, sizeof victim, "%s/victim", dir);
    snprintf(link, sizeof link, "%s/link", dir);
    file_put(victim, "keep", 4);
    cr_assert_eq(symlink(victim, link), 0);
    edd_ctx ctx = {0};
    int fd;
    cr_assert_eq(edd_file_create(&ctx, link, "test log", &fd), EDD_ERR_IO);
    cr_assert(strstr(ctx.err, link) && strstr(ctx.err, "a symbolic link"), "%s", ctx.err);
    cr_assert_eq(edd_file_open_rdwr(&ctx, link, "a lock file", &fd), EDD_ERR_IO);
    cr_assert(strstr(ctx.err, link) && strstr(ctx.err, "a symbolic link"), "%s", ctx.err);
    snprintf(out, sizeof out, "%s/out", dir);
    cr_assert_eq(edd_tmp_path(out, tmp, sizeof tmp), 0);
    cr_assert_eq(symlink(victim, tmp), 0);
    const void *chunks[1] = {"new bytes"};
    size_t sizes[1] = {9};
    cr_assert_eq(edd_file_write_atomic(&ctx, out, chunks, sizes, 1), EDD_OK, "%s", ctx.err);
    size_t n;
    char *v = file_read_text(victim, &n);
    cr_assert(v && n == 4 && !memcmp(v, "keep", 4), "the symlink's target kept its bytes");
    free(v);
    cr_assert_eq(edd_file_create(&ctx, out, "test log", &fd), EDD_ERR_IO, "a file already there");
    snprintf(out, sizeof out, "%s/new", dir);
    cr_assert_eq(edd_file_create(&ctx, out, "test log", &fd), EDD_OK, "%s", ctx.err);
    close(fd);
    snprintf(out, sizeof out, "%s/lock", dir);
    cr_assert_eq(edd_file_open_rdwr(&ctx, out, "a lock file", &fd), EDD_OK, "%s", ctx.err);
    close(fd);
    tmpdir_remove(dir);
}

/* ---- no open outside io.c ---- */

/* The calls that open a file, run a shell or create one. */
static const char *const open_calls[] = {"fopen", "open", "popen", "system", "freopen", "creat", "openat", "fopen64",
                                         "open64"};

/* Files that may call them: io.c's open functions. None else. */
static const char *const open_allowed[] = {"src/core/io.c"};

/* text with comments, string and character literals blanked (newlines
 * kept), so that a name in a message or a comment is no call. */
static void code_only(char *text)
{
    for (char *p = text; *p; p++) {
        if (p[0] == '/' && p[1] == '*') {
            char *e = strstr(p + 2, "*/");
            for (char *q = p; *q && (!e || q < e + 2); q++)
                *q = *q == '\n' ? '\n' : ' ';
            p = e ? e + 1 : p + strlen(p) - 1;
        } else if (p[0] == '/' && p[1] == '/') {
            for (; *p && *p != '\n'; p++)
                *p = ' ';
            p--;
        } else if (*p == '"' || *p == '\'') {
            char q = *p;
            for (p++; *p && *p != q && *p != '\n'; p++) {
                if (*p == '\\' && p[1])
                    *p++ = ' ';
                *p = ' ';
            }
            if (!*p)
                p--;
        }
    }
}

static int ident_char(char c) { return c == '_' || isalnum((unsigned char)c); }

/* The offending lines found so far, one "  PATH:LINE: text" a line. */
typedef struct {
    char text[16384];
    size_t n;
} offenders;

/* Add each call of open_calls in the C file at path to *o. */
static void scan_file(const char *path, offenders *o)
{
    size_t n = 0;
    char *raw = file_read_text(path, &n);
    cr_assert_not_null(raw, "%s", path);
    char *code = strdup(raw);
    code_only(code);
    int line = 1;
    for (size_t i = 0; i < n; i++) {
        line += code[i] == '\n';
        for (size_t k = 0; k < sizeof open_calls / sizeof open_calls[0]; k++) {
            size_t cl = strlen(open_calls[k]), j = i + cl;
            if (strncmp(code + i, open_calls[k], cl) || (i && ident_char(code[i - 1])))
                continue;
            while (code[j] == ' ' || code[j] == '\t')
                j++;
            if (code[j] != '(')
                continue;
            size_t s = i;
            while (s && raw[s - 1] != '\n')
                s--;
            int len = (int)strcspn(raw + s, "\n");
            o->n += (size_t)snprintf(o->text + o->n, sizeof o->text - o->n, "  %s:%d: %.*s\n", path, line, len,
                                     raw + s);
            if (o->n >= sizeof o->text)
                o->n = sizeof o->text - 1;
        }
    }
    free(code);
    free(raw);
}

/* scan_file on every .c and .h under dir but the allowed files. */
static void scan_tree(const char *dir, offenders *o)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "%s", dir);
    for (struct dirent *e; (e = readdir(d));) {
        char path[1024];
        struct stat sb;
        size_t l = strlen(e->d_name);
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (e->d_name[0] == '.' || lstat(path, &sb))
            continue;
        if (S_ISDIR(sb.st_mode)) {
            scan_tree(path, o);
            continue;
        }
        const char *ext = l >= 2 ? e->d_name + l - 2 : "";
        int allowed = !S_ISREG(sb.st_mode) || (strcmp(ext, ".c") && strcmp(ext, ".h"));
        for (size_t i = 0; i < sizeof open_allowed / sizeof open_allowed[0]; i++)
            allowed |= !strcmp(path, open_allowed[i]);
        if (!allowed)
            scan_file(path, o);
    }
    closedir(d);
}

/* Deliver 3: every file edd opens goes through io.c. Run from the
 * repository's root (as make test does). */
Test(open_source, no_open_outside_io_c)
{
    struct stat sb;
    if (stat("src/core/io.c", &sb))
        cr_skip_test("no src/core/io.c here: run from the repository's root");
    offenders *o = calloc(1, sizeof *o);
    scan_tree("src", o);
    if (stat("simd", &sb) == 0)
        scan_tree("simd", o);
    cr_assert_eq(o->n, 0,
                 "files open outside src/core/io.c; use edd_file_open_regular, _fopen_regular or _read_text "
                 "(reads), edd_file_write_atomic or edd_file_create (outputs), edd_file_open_rdwr (a lock file):\n%s",
                 o->text);
    free(o);
}
