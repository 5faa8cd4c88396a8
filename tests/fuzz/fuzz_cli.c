/* fuzz_cli.c - each subcommand's option parsing, on any arguments.
 *
 * The first byte picks the subcommand; the rest, split at NUL bytes, are its
 * arguments. The fuzzer runs the real cmd_* function (src/cli), so its
 * option table, on_opt handler, cli_parse and the checks after them are all
 * exercised, and appends arguments that make every path stop before real
 * work and before any file is written:
 *   - data-reading subcommands get `--data-dir /nonexistent/edd-fuzz`: once
 *     the options pass, cli_open fails to load the data, which every one of
 *     them does before reading a model or writing anything;
 *   - export (no data) gets `--model /nonexistent/edd-fuzz.edd`: the load
 *     fails before the folder is made;
 *   - reproduce gets `--out ""`, the last check before any work (a usage
 *     error after the scale and --force checks);
 *   - info gets `--threads 0`, a usage error (its work is building plans).
 * If the fuzzed arguments swallow the appended option (an option missing
 * its value takes it), the appended value becomes a stray argument: also a
 * usage error. stdout (--help) goes to /dev/null. */
#include "../../src/cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ARGS 64

static const struct {
    const char *name;
    int (*run)(int, char **);
    const char *stop[2];
} cmds[] = {
    {"train", cmd_train, {"--data-dir", "/nonexistent/edd-fuzz"}},
    {"eval", cmd_eval, {"--data-dir", "/nonexistent/edd-fuzz"}},
    {"predict", cmd_predict, {"--data-dir", "/nonexistent/edd-fuzz"}},
    {"export", cmd_export, {"--model", "/nonexistent/edd-fuzz.edd"}},
    {"uncertainty", cmd_uncertainty, {"--data-dir", "/nonexistent/edd-fuzz"}},
    {"distill", cmd_distill, {"--data-dir", "/nonexistent/edd-fuzz"}},
    {"attack", cmd_attack, {"--data-dir", "/nonexistent/edd-fuzz"}},
    {"reproduce", cmd_reproduce, {"--out", ""}},
    {"info", cmd_info, {"--threads", "0"}},
};
#define NCMDS (sizeof cmds / sizeof cmds[0])

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (!freopen("/dev/null", "w", stdout))
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t c = data[0] % NCMDS;
    /* One copy of the rest, NUL-terminated, cut at each NUL into arguments. */
    char *buf = malloc(size);
    if (!buf)
        abort();
    memcpy(buf, data + 1, size - 1);
    buf[size - 1] = 0;
    char *argv[MAX_ARGS + 4];
    int argc = 0;
    argv[argc++] = (char *)cmds[c].name;
    for (size_t i = 0; i < size - 1 && argc < MAX_ARGS;) {
        argv[argc++] = buf + i;
        i += strlen(buf + i) + 1;
    }
    /* getopt may permute argv: the appended strings are copies. */
    char stop0[64], stop1[64];
    snprintf(stop0, sizeof stop0, "%s", cmds[c].stop[0]);
    snprintf(stop1, sizeof stop1, "%s", cmds[c].stop[1]);
    argv[argc++] = stop0;
    argv[argc++] = stop1;
    argv[argc] = NULL;
    /* cli_parse sets optind = 1, which is enough once per process (edd's
     * case) but leaves glibc's position inside a cluster like "-ab" from
     * the previous input, whose memory is freed: optind = 0 and one empty
     * pass reset it. */
    static const struct option none[] = {{0, 0, 0, 0}};
    char *reset[] = {(char *)"reset", NULL};
    optind = 0;
    if (getopt_long(1, reset, "", none, NULL) != -1)
        abort();
    int rc = cmds[c].run(argc, argv);
    if (rc != 0 && rc != EXIT_RUNTIME && rc != EXIT_USAGE)
        abort(); /* the exit-status convention of src/cli/cli.h */
    free(buf);
    return 0;
}
