/* suggest.c - "did you mean": the known word closest to a mistyped one (an
 * option of a subcommand, or a command: cli_suggest), and the refusal of
 * an option getopt_long did not take (cli_unknown_option, for cli_parse).
 * May call: cli_usage (common.c). */
#include "cli.h"

#include <stdio.h>
#include <string.h>

/* Words longer than this are never close to a known one. */
enum { WORD_MAX = 64 };

/* The optimal-string-alignment distance between a and b: insertions,
 * deletions, substitutions and swaps of two neighbours, each 1. */
static size_t distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    if (n > WORD_MAX || m > WORD_MAX)
        return WORD_MAX;
    size_t d[WORD_MAX + 1][WORD_MAX + 1];
    for (size_t i = 0; i <= n; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= m; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= n; i++)
        for (size_t j = 1; j <= m; j++) {
            size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[n][m];
}

/* 1 when one of a and b starts the other. */
static int prefix(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    return !strncmp(a, b, n < m ? n : m);
}

const char *cli_suggest(const char *word, const char *const *names, size_t n)
{
    const char *best = NULL, *pre = NULL;
    size_t bestd = 3, npre = 0, len = strlen(word);
    for (size_t i = 0; i < n; i++) {
        if (!names[i])
            continue;
        size_t d = distance(word, names[i]);
        if (d < bestd && 2 * d <= len) {
            best = names[i];
            bestd = d;
        }
        if (len >= 2 && prefix(word, names[i])) {
            pre = names[i];
            npre++;
        }
    }
    return best ? best : npre == 1 ? pre : NULL;
}

int cli_unknown_option(const char *cmd, const char *arg, const struct option *longopts)
{
    char word[128];
    const char *names[256];
    size_t n = 0;
    snprintf(word, sizeof word, "%.*s", (int)strcspn(arg + strspn(arg, "-"), "="), arg + strspn(arg, "-"));
    for (const struct option *o = longopts; o->name && n < sizeof names / sizeof names[0]; o++) {
        if (!strcmp(o->name, word) && o->has_arg == required_argument && !strchr(arg, '='))
            return cli_usage(cmd, "'%s': expected a value after it", arg);
        if (!strcmp(o->name, word) && o->has_arg == no_argument)
            return cli_usage(cmd, "'%s': --%s is a flag, expected no value", arg, word);
        names[n++] = o->has_arg == optional_argument ? NULL : o->name;
    }
    char starts[512] = "";
    size_t k = 0, len = 0;
    for (size_t i = 0; i < n && len < sizeof starts; i++)
        if (names[i] && *word && !strncmp(names[i], word, strlen(word)))
            len += (size_t)snprintf(starts + len, sizeof starts - len, "%s'--%s'", k++ ? " or " : "", names[i]);
    if (k > 1) /* getopt_long's ambiguous abbreviation */
        return cli_usage(cmd, "'%s': ambiguous option; did you mean %s?", arg, starts);
    const char *near = cli_suggest(word, names, n);
    if (near)
        return cli_usage(cmd, "'%s': unknown option; did you mean '--%s'?", arg, near);
    return cli_usage(cmd, "'%s': unknown option", arg);
}
