/* gnuplot.c - the boundary between a results folder, which is untrusted
 * input (issue 24), and gnuplot, which runs what a script asks:
 *   repro_csv_word   a text cell of a CSV is one of a fixed vocabulary, or
 *                    an EDD_ERR_FORMAT error naming the CSV, its line, the
 *                    column, the value and the words expected;
 *   repro_plot_draw  checks a script (repro_gp_check), writes it as
 *                    plots/STEM.gp and runs gnuplot on it.
 * The script check is the one place every script passes: outside its data
 * blocks no backquote, double quote or ! (gnuplot substitutes commands in
 * the first two and runs a shell on the third), none of the commands that
 * run a program or write a file (gp_banned), single quotes balanced on
 * each line, and each quoted string only of REPRO_GP_CHARS; inside a data
 * block only numbers. gnuplot runs from an argument vector (fork and
 * execvp, no shell) in a fresh private directory made with mkdtemp under
 * plots/: the script, gnuplot's log (edd_file_create: O_EXCL | O_NOFOLLOW) and the PNG
 * it draws live there, so that no name in the results folder is opened by
 * gnuplot or followed; the PNG is read back (edd_file_fopen_regular) and
 * written with edd_file_write_atomic, the log kept beside the PNG only on
 * failure (written the same way), and the directory removed.
 *
 * Declared in gnuplot.h. May call: repro.h (repro_path, repro_output,
 * repro_write_text), edd/io.h, POSIX (mkdtemp, fork, execvp,
 * waitpid). */
#include "gnuplot.h"

#include "edd/io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* The largest PNG or log read back from gnuplot's directory. */
#define GP_MAX_OUTPUT ((size_t)64 << 20)

/* v, at most 48 characters of it, into dst (n >= 200 bytes) with every byte
 * outside printable ASCII, and the quote, as \xNN: a value fit for a
 * message. */
static void shown(char *dst, size_t n, const char *v)
{
    size_t k = 0;
    for (size_t i = 0; v[i] && i < 48 && k + 5 < n; i++) {
        unsigned char c = (unsigned char)v[i];
        k += (size_t)(c < 0x20 || c > 0x7e || c == '\'' ? snprintf(dst + k, n - k, "\\x%02x", c)
                                                         : snprintf(dst + k, n - k, "%c", c));
    }
    snprintf(dst + k, n - k, "%s", strlen(v) > 48 ? "..." : "");
}

int repro_gp_text_ok(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!s[i] || !strchr(REPRO_GP_CHARS, s[i]))
            return 0;
    return 1;
}

edd_status repro_csv_word(edd_ctx *ctx, const char *csv, int line, const char *column, const char *value,
                          const char *const *words, int nwords, const char *const *more, int nmore)
{
    for (int i = 0; i < nwords + nmore; i++)
        if (!strcmp(value, i < nwords ? words[i] : more[i - nwords]))
            return EDD_OK;
    char v[256];
    edd_buf exp = {0};
    shown(v, sizeof v, value);
    for (int i = 0; i < nwords + nmore; i++)
        edd_buf_printf(&exp, "%s%s", i ? ", " : "", i < nwords ? words[i] : more[i - nwords]);
    edd_status st = edd_fail(ctx, EDD_ERR_FORMAT, "%s line %d, column %s: '%s' is not a name edd writes, expected "
                             "one of %s", csv, line, column, v, exp.s ? exp.s : "(none)");
    edd_buf_free(&exp);
    return st;
}

/* A data block's line: numbers, or a comment of REPRO_GP_CHARS. */
static int data_line_ok(const char *p, size_t len)
{
    if (len && p[0] == '#')
        return repro_gp_text_ok(p + 1, len - 1);
    char tok[64];
    for (size_t i = 0; i < len;) {
        size_t k = 0;
        while (i < len && p[i] == ' ')
            i++;
        while (i < len && p[i] != ' ' && k + 1 < sizeof tok)
            tok[k++] = p[i++];
        if (i < len && p[i] != ' ')
            return 0;
        tok[k] = 0;
        char *end;
        if (k && (strtod(tok, &end), *end))
            return 0;
    }
    return 1;
}

/* gnuplot's commands that run a program, read a script, or write a file
 * other than the plot's output: none of them is in a script edd writes. */
static const char *const gp_banned[] = {"system", "load", "call", "shell", "save", "cd", "print", "table", "exit",
                                        "quit", "reread", "pause", "import", "eval", "evaluate", "history", "fit",
                                        "update", "pipe"};

/* Whether the unquoted word w (n bytes) is one of gp_banned. */
static int banned(const char *w, size_t n)
{
    for (size_t i = 0; i < sizeof gp_banned / sizeof gp_banned[0]; i++)
        if (strlen(gp_banned[i]) == n && !memcmp(gp_banned[i], w, n))
            return 1;
    return 0;
}

/* Why the command line p (len bytes) may not go to gnuplot, or NULL; *at
 * the offset of the cause. Its comment (from a # outside quotes) is held
 * to the same quotes, not to the words. */
static const char *command_line_bad(const char *p, size_t len, size_t *at)
{
    const int output = len > 11 && !memcmp(p, "set output ", 11);
    int comment = 0;
    size_t w = 0;
    for (size_t i = 0; i < len; i++) {
        *at = i;
        if (p[i] == '`' || p[i] == '"' || (p[i] == '!' && !comment))
            return "a backquote, a double quote or a ! outside a data block";
        int alpha = (p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z') || p[i] == '_';
        if (!comment && !alpha && i > w && banned(p + w, i - w)) {
            *at = w;
            return "a command that runs a program or writes a file";
        }
        comment |= p[i] == '#';
        w = alpha ? w : i + 1;
        if (p[i] != '\'')
            continue;
        const char *q = memchr(p + i + 1, '\'', len - i - 1);
        if (!q)
            return "an unbalanced single quote";
        const size_t n = (size_t)(q - p - i - 1);
        if (!repro_gp_text_ok(p + i + 1, n) || (output && memchr(p + i + 1, '/', n)))
            return "a quoted string with a character outside [A-Za-z0-9 _.,:=()+-/%] (no / in an output name)";
        i = (size_t)(q - p);
        w = i + 1;
    }
    *at = w;
    return !comment && w < len && banned(p + w, len - w) ? "a command that runs a program or writes a file" : NULL;
}

edd_status repro_gp_check(edd_ctx *ctx, const char *name, const char *s)
{
    int in_data = 0, line = 0;
    for (const char *p = s; p && *p; line++) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p), at = 0;
        const char *bad = NULL;
        if (in_data && len == 3 && !memcmp(p, "EOD", 3))
            in_data = 0;
        else if (in_data && !data_line_ok(p, len))
            bad = "a data line that is not numbers";
        else if (!in_data && !(bad = command_line_bad(p, len, &at)))
            in_data = len > 7 && p[0] == '$' && !memcmp(p + len - 7, " << EOD", 7);
        if (bad) {
            char v[256], l[64];
            snprintf(l, sizeof l, "%.*s", (int)(len - at < 48 ? len - at : 48), p + at);
            shown(v, sizeof v, l);
            return edd_fail(ctx, EDD_ERR_FORMAT, "%s, line %d: %s at '%s', expected numbers, and quoted text of "
                            "[A-Za-z0-9 _.,:=()+-/%%] only", name, line + 1, bad, v);
        }
        p = e ? e + 1 : NULL;
    }
    return in_data ? edd_fail(ctx, EDD_ERR_FORMAT, "%s: a data block without its EOD line", name) : EDD_OK;
}

/* The regular file name in the directory dir (at most GP_MAX_OUTPUT
 * bytes), malloc'd, into *b and *len. */
static edd_status slurp(edd_ctx *ctx, const char *dir, const char *name, const char *what, unsigned char **b,
                        size_t *len)
{
    char path[EDD_PATH_MAX + 160];
    FILE *f = NULL;
    *b = NULL, *len = 0;
    edd_status st = edd_path_join(ctx, path, sizeof path, dir, name);
    if (!st)
        st = edd_file_fopen_regular(ctx, path, what, &f);
    size_t cap = 0;
    while (!st) {
        if (*len == cap) {
            unsigned char *g = cap < GP_MAX_OUTPUT ? realloc(*b, cap = cap ? 2 * cap : 65536) : NULL;
            if (!g) {
                st = edd_fail(ctx, EDD_ERR_NOMEM, "%s: more than %zu bytes or out of memory, expected %s", path,
                              GP_MAX_OUTPUT, what);
                break;
            }
            *b = g;
        }
        size_t got = fread(*b + *len, 1, cap - *len, f);
        *len += got;
        if (got == 0 && ferror(f))
            st = edd_fail(ctx, EDD_ERR_IO, "%s: read error, expected %s", path, what);
        if (got == 0)
            break;
    }
    if (f)
        fclose(f);
    if (st) {
        free(*b);
        *b = NULL, *len = 0;
    }
    return st;
}

/* Create dir/name (edd_file_create: O_EXCL, never through a link) and,
 * when text is not NULL, write it there; the descriptor into *fd when fd
 * is not NULL, else closed. */
static edd_status create_in(edd_ctx *ctx, const char *dir, const char *name, const char *text, int *fd)
{
    char path[EDD_PATH_MAX + 160];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int f;
    edd_status st = edd_file_create(ctx, path, "file in edd's own gnuplot directory", &f);
    size_t n = text && !st ? strlen(text) : 0, done = 0;
    while (!st && done < n) {
        ssize_t w = write(f, text + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            st = edd_fail(ctx, EDD_ERR_IO, "%s: cannot write (%s)", path, strerror(errno));
        else
            done += (size_t)w;
    }
    if (!st && fd)
        *fd = f;
    else if (f >= 0)
        close(f);
    return st;
}

/* Run `gnuplot plot.gp` in dir, its stdout and stderr into logfd, stdin
 * from infd; its wait status into *status. */
static edd_status spawn(edd_ctx *ctx, const char *dir, int infd, int logfd, int *status)
{
    char *const argv[] = {"gnuplot", "plot.gp", NULL};
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return edd_fail(ctx, EDD_ERR_IO, "plot: cannot start gnuplot in %s (fork: %s)", dir, strerror(errno));
    if (pid == 0) {
        if (chdir(dir) == 0 && dup2(infd, 0) == 0 && dup2(logfd, 1) == 1 && dup2(logfd, 2) == 2)
            execvp(argv[0], argv);
        static const char msg[] = "edd: cannot run gnuplot (not installed, or not on PATH)\n";
        ssize_t w = write(logfd, msg, sizeof msg - 1);
        (void)w;
        _exit(127);
    }
    while (waitpid(pid, status, 0) < 0)
        if (errno != EINTR)
            return edd_fail(ctx, EDD_ERR_IO, "plot: waiting for gnuplot: %s", strerror(errno));
    return EDD_OK;
}

/* Remove what run_gnuplot made in dir: the script, the log and stem's
 * PNG, then dir itself. Anything else (gnuplot writes nothing else) stays,
 * and dir with it, for someone to look at. */
static void remove_dir(const char *dir, const char *stem)
{
    char path[EDD_PATH_MAX + 160];
    static const char *const names[] = {"plot.gp", "gnuplot.log"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    snprintf(path, sizeof path, "%s/%s.png", dir, stem);
    unlink(path);
    rmdir(dir);
}

/* The PNG or the log of a finished gnuplot run in dir: the PNG, checked,
 * to png; on a failure the log to log. */
static edd_status collect(repro *r, const char *stem, const char *dir, int status, const char *png, const char *log)
{
    unsigned char *b = NULL;
    size_t len = 0;
    char name[128];
    snprintf(name, sizeof name, "%s.png", stem);
    edd_status st = EDD_OK;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        st = edd_fail(r->ctx, EDD_ERR_IO, "plot %s: gnuplot is missing (its output in %s): install gnuplot (Debian: "
                      "apt-get install gnuplot-nox) and rerun; the CSVs are already in %s", stem, log, r->o->out_dir);
    else if (!WIFEXITED(status) || WEXITSTATUS(status))
        st = edd_fail(r->ctx, EDD_ERR_IO, "plot %s: gnuplot failed (%s %d; its output in %s), expected it to draw "
                      "the PNG; the CSVs are already in %s", stem, WIFEXITED(status) ? "exit status" : "signal",
                      WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), log, r->o->out_dir);
    if (!st)
        st = slurp(r->ctx, dir, name, "the PNG gnuplot drew", &b, &len);
    if (!st && (len <= 8 || memcmp(b, "\x89PNG\r\n\x1a\n", 8)))
        st = edd_fail(r->ctx, EDD_ERR_FORMAT, "plot %s: gnuplot wrote no PNG (no PNG magic), expected a pngcairo "
                      "image", stem);
    if (!st) {
        const void *chunks[1] = {b};
        st = edd_file_write_atomic(r->ctx, png, chunks, &len, 1);
    }
    free(b);
    if (!st) {
        unlink(log); /* a stale log (or a link in its place) goes; nothing is followed */
        return EDD_OK;
    }
    if (!slurp(NULL, dir, "gnuplot.log", "gnuplot's output", &b, &len)) {
        const void *chunks[1] = {b};
        edd_file_write_atomic(NULL, log, chunks, &len, 1);
        free(b);
    }
    return st;
}

/* Run gnuplot on the script text s of stem in a fresh directory under
 * plots/, and write the PNG it draws to png atomically (the log to log on
 * a failure). */
static edd_status run_gnuplot(repro *r, const char *stem, const char *s, const char *png, const char *log)
{
    char dir[EDD_PATH_MAX], rel[160];
    snprintf(rel, sizeof rel, "plots/.gnuplot-%s.XXXXXX", stem);
    edd_status st = repro_path(r, rel, dir);
    if (st)
        return st;
    if (!mkdtemp(dir))
        return edd_fail(r->ctx, EDD_ERR_IO, "%s: cannot create gnuplot's directory (%s)", dir, strerror(errno));
    char gp[EDD_PATH_MAX + 16];
    snprintf(gp, sizeof gp, "%s/plot.gp", dir);
    int infd = -1, logfd = -1, status = 0;
    st = create_in(r->ctx, dir, "plot.gp", s, NULL);
    if (!st)
        st = edd_file_open_regular(r->ctx, gp, "gnuplot's script", &infd);
    if (!st)
        st = create_in(r->ctx, dir, "gnuplot.log", NULL, &logfd);
    if (!st)
        st = spawn(r->ctx, dir, infd, logfd, &status);
    if (infd >= 0)
        close(infd);
    if (logfd >= 0)
        close(logfd);
    if (!st)
        st = collect(r, stem, dir, status, png, log);
    remove_dir(dir, stem);
    return st;
}

void repro_gp_head(edd_buf *s, const char *stem, const char *from, int width, int height, int font)
{
    edd_buf_printf(s, "# %s - drawn by edd reproduce from %s; re-render with: gnuplot %s.gp\n"
                      "set terminal pngcairo size %d,%d font ',%d'\nset output '%s.png'\n",
                   stem, from, stem, width, height, font, stem);
}

edd_status repro_plot_draw(repro *r, const char *stem, const edd_buf *s)
{
    char gp_rel[128], png_rel[128], log_rel[160], png[EDD_PATH_MAX], log[EDD_PATH_MAX];
    snprintf(gp_rel, sizeof gp_rel, "plots/%s.gp", stem);
    snprintf(png_rel, sizeof png_rel, "plots/%s.png", stem);
    snprintf(log_rel, sizeof log_rel, "plots/%s.png.gnuplot.log", stem);
    size_t k = strspn(stem, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
    edd_status st = *stem && !stem[k] && k < 64
                        ? edd_buf_status(r->ctx, s, gp_rel)
                        : edd_fail(r->ctx, EDD_ERR_ARG, "plot '%.64s': expected a name of at most 63 letters, "
                                   "digits and _", stem);
    if (!st)
        st = repro_gp_check(r->ctx, gp_rel, s->s);
    if (!st)
        st = repro_path(r, png_rel, png);
    if (!st)
        st = repro_path(r, log_rel, log);
    if (!st)
        st = repro_write_text(r, gp_rel, s);
    if (!st)
        st = run_gnuplot(r, stem, s->s, png, log);
    return st ? st : repro_output(r, png_rel);
}
