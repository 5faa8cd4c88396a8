/* reproduce_util.c - the checks of a finished `edd reproduce --scale
 * smoke` run that test_reproduce_smoke.c makes through the CLI
 * (reproduce_util.h): stopped and resumed at several points, and `edd
 * attack` on its models against the CSVs' rows. Test code only. */
#include "reproduce_util.h"
#include "testutil.h"

#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <sys/wait.h>
#include <unistd.h>

/* The number of files under dir (one level of subfolders) whose name has
 * ".edd-tmp." in it; with pid > 0, assert that each is that pid's. */
static int tmp_files(const char *dir, long pid)
{
    static const char *const sub[] = {".", "stages", "models", "sigma", "points", "plots"};
    char path[512], mine[32];
    snprintf(mine, sizeof mine, ".edd-tmp.%ld", pid);
    int n = 0;
    for (size_t i = 0; i < sizeof sub / sizeof sub[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, sub[i]);
        DIR *d = opendir(path);
        for (struct dirent *e; d && (e = readdir(d));) {
            const char *t = strstr(e->d_name, ".edd-tmp.");
            if (!t)
                continue;
            n++;
            cr_assert(pid <= 0 || !strcmp(t, mine), "%s/%s is no temporary file of the run just stopped (%ld)", path,
                      e->d_name, pid);
        }
        if (d)
            closedir(d);
    }
    return n;
}

/* Every .edd file in dir/models loads: complete, its CRC right. */
static void models_complete(const char *dir)
{
    char path[512];
    snprintf(path, sizeof path, "%s/models", dir);
    DIR *d = opendir(path);
    cr_assert_not_null(d);
    for (struct dirent *e; (e = readdir(d));) {
        size_t n = strlen(e->d_name);
        if (n < 4 || strcmp(e->d_name + n - 4, ".edd"))
            continue;
        snprintf(path, sizeof path, "%s/models/%s", dir, e->d_name);
        edd_ctx c = {0};
        edd_model_header h;
        float *params = NULL;
        cr_assert_eq(edd_model_file_read(&c, path, &h, &params), EDD_OK, "after a stop: %s", c.err);
        free(params);
    }
    closedir(d);
}

/* Start `edd reproduce` (argv) with EDD_STOP_AT=stop unless stop is NULL,
 * stdout to /dev/null and stderr to errpath, and wait for it; its wait
 * status into *status, its pid returned. */
static pid_t run_stopped(char *const *argv, const char *stop, const char *errpath, int *status)
{
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY), fe = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0666);
        dup2(fd, 1);
        dup2(fe, 2);
        if (stop)
            setenv("EDD_STOP_AT", stop, 1);
        execv(argv[0], argv);
        _exit(127);
    }
    cr_assert_eq(waitpid(pid, status, 0), pid);
    return pid;
}

/* What a run stopped at stop (a POINT:NAME of EDD_STOP_AT) left in dir:
 * the exit status EDD_STOP_EXIT and its line on stderr (errpath); every
 * model file complete, every temporary file the stopped run's own, and at
 * a stage point no manifest of the stage. Returns the temporary files. */
static int stop_left(const char *dir, const char *stop, const char *errpath, pid_t pid, int status)
{
    char line[600], rel[128];
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == EDD_STOP_EXIT,
              "edd reproduce with EDD_STOP_AT=%s: status 0x%x, expected exit %d (see %s)", stop, status, EDD_STOP_EXIT,
              errpath);
    char *err = read_all(errpath, NULL);
    snprintf(line, sizeof line, "edd: stopped at %s (EDD_STOP_AT)\n", stop);
    cr_assert(err && strstr(err, line), "the stop says where: %s", err ? err : "(no stderr)");
    free(err);
    models_complete(dir);
    if (!strncmp(stop, "stage", 5)) {
        snprintf(rel, sizeof rel, "%s/stages/%s.done", dir, strchr(stop, ':') + 1);
        cr_assert(access(rel, F_OK), "stopped at %s, the stage has no manifest (%s)", stop, rel);
    }
    return tmp_files(dir, (long)pid);
}

/* Issue 11: `edd reproduce` (the CLI, with the threads of the reference
 * run in ref) stopped at named points in table order (EDD_STOP_AT,
 * docs/HOSTILE.md): a model half written, a stage's outputs written
 * without its manifest, a stage started, a model complete before its
 * rename; each stop resumed by the next run, then a run to the end: every
 * model file complete after each stop, the same CSVs as the uninterrupted
 * run, and no temporary file left. */
void stop_and_resume(const char *ref, const char *data, int threads)
{
    static const char *const at[] = {"write-partial:teacher.edd", "stage-end:teacher",  "stage:sigma_3",
                                     "write:distilled.edd",       "stage:fig2b",        "stage-end:fig3c"};
    static const char *const csvs[] = {"fig2a_fgm.csv",  "fig2b_jsma.csv", "fig2c_cw.csv",   "fig2d_alpha.csv",
                                       "fig2e_passes.csv", "fig3a_fgm.csv", "fig3b_fgm.csv",  "fig3c_jsma.csv",
                                       "fig3d_jsma.csv", "fig3e_cw.csv",   "fig3f_cw.csv",   "headline.csv",
                                       "security.csv",   "baselines.csv",  "ablation.csv"};
    const size_t nat = sizeof at / sizeof at[0];
    const char *bin = edd_bin_or_skip();
    char dir[64], nthreads[16], path[512], errpath[96];
    make_tmpdir(dir);
    snprintf(errpath, sizeof errpath, "%s.err", dir);
    snprintf(nthreads, sizeof nthreads, "%d", threads);
    char *argv[] = {(char *)bin, "reproduce", "--scale", "smoke", "--out", dir, "--data-dir", (char *)data,
                    "--threads", nthreads, "--quiet", NULL};
    int left = 0, status;
    double t0 = edd_now();
    for (size_t k = 0; k < nat; k++) {
        pid_t pid = run_stopped(argv, at[k], errpath, &status);
        left += stop_left(dir, at[k], errpath, pid, status);
    }
    run_stopped(argv, NULL, errpath, &status);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "edd reproduce: status 0x%x (see %s)", status, errpath);
    models_complete(dir);
    cr_assert_eq(tmp_files(dir, -1), 0, "the run after the stops leaves no temporary file");
    for (size_t i = 0; i < sizeof csvs / sizeof csvs[0]; i++) {
        size_t na, nb;
        snprintf(path, sizeof path, "%s/%s", ref, csvs[i]);
        char *a = read_all(path, &na);
        snprintf(path, sizeof path, "%s/%s", dir, csvs[i]);
        char *b = read_all(path, &nb);
        cr_assert(a && b && na == nb && !memcmp(a, b, na), "%s after %zu stops differs from the uninterrupted run",
                  csvs[i], nat);
        free(a);
        free(b);
    }
    fprintf(stderr, "reproduce: stopped at %zu named points and resumed in %.0f s, %d temporary files left by the "
            "stops; the resumed run's CSVs equal the uninterrupted run's\n",
            nat, edd_now() - t0, left);
    remove(errpath);
    rm_rf(dir);
}

/* The row of the CSV at path whose leading fields are key: its fields n,
 * recovered, detected, misclassified, mean_l2, source_success,
 * clean_accuracy, false_positives into v[8]. */
void csv_row(const char *path, const char *key, double v[8])
{
    char *text = read_all(path, NULL);
    cr_assert_not_null(text, "%s", path);
    const char *row = strstr(text, key);
    cr_assert(row && (row == text || row[-1] == '\n'), "%s has no row %s", path, key);
    row += strlen(key);
    for (int i = 0; i < 8; i++) {
        char *end;
        v[i] = strtod(row, &end);
        cr_assert(end != row, "%s, row %s: field %d", path, key, i);
        row = end + 1;
    }
    free(text);
}

/* The number after "name": in the JSON line json. */
static double json_num(const char *json, const char *name)
{
    char k[64];
    snprintf(k, sizeof k, "\"%s\":", name);
    const char *p = strstr(json, k);
    cr_assert_not_null(p, "no %s in %s", name, json);
    return strtod(p + strlen(k), NULL);
}

/* Run `edd attack` with args on data into out (n bytes): its JSON line;
 * the command must succeed. */
static void attack_json(const char *data, int threads, const char *args, char *out, size_t n)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "%s attack --data-dir %s --threads %d --quiet %s 2>&1", edd_bin_or_skip(), data,
             threads, args);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    size_t len = fread(out, 1, n - 1, p);
    out[len] = 0;
    cr_assert_eq(pclose(p), 0, "%s: %s", cmd, out);
}

/* Issue 12: `edd attack` on the models of the finished smoke run in dir
 * gives the numbers of the reproduce CSV's matching row (the one scoring
 * rule, docs/ATTACKS.md). */
void attack_matches_csv(const char *dir, const char *data, int threads, const char *csv, const char *key,
                               const char *args)
{
    char out[4096], path[512];
    attack_json(data, threads, args, out, sizeof out);
    double v[8];
    snprintf(path, sizeof path, "%s/%s", dir, csv);
    csv_row(path, key, v);
    static const char *const names[8] = {"examples",  "recovered",      "detected",       "misclassified",
                                         "mean_l2",   "attack_success", "clean_accuracy", "clean_false_positives"};
    for (int i = 0; i < 8; i++)
        cr_assert(fabs(json_num(out, names[i]) - v[i]) < 5e-7, "%s vs %s row %s: %s is %g in the CSV\n%s", args, csv,
                  key, names[i], v[i], out);
}

/* The rows of a baselines.csv or ablation.csv per model of models (nm),
 * into rows[]: checking the header, 12 fields a row, rates that sum to
 * one, and a misclassified rate inside its interval. */
void base_rows(const char *path, const char *const *models, int nm, int *rows)
{
    char *b = read_all(path, NULL);
    cr_assert(b, "%s is missing", path);
    cr_assert(!strncmp(b, BASE_HEADER, strlen(BASE_HEADER)), "%s: header", path);
    memset(rows, 0, (size_t)nm * sizeof *rows);
    for (char *line = b + strlen(BASE_HEADER); *line;) {
        char *nl = strchr(line, '\n');
        cr_assert(nl, "%s: unterminated line", path);
        *nl = 0;
        char *f[12], *p = line;
        int k = 0;
        for (; k < 12 && p; k++) {
            f[k] = p;
            p = strchr(p, ',');
            if (p)
                *p++ = 0;
        }
        cr_assert(k == 12 && !p, "%s: a row of 12 fields", path);
        cr_assert_float_eq(atof(f[7]) + atof(f[8]) + atof(f[9]), 1.0, 1e-5, "%s: %s %s rates sum to one", path, f[0],
                           f[1]);
        cr_assert(atof(f[10]) <= atof(f[9]) + 1e-6 && atof(f[9]) <= atof(f[11]) + 1e-6, "%s: interval", path);
        int m = 0;
        while (m < nm && strcmp(models[m], f[0]))
            m++;
        cr_assert(m < nm, "%s: model %s is not one of the stage's", path, f[0]);
        rows[m]++;
        line = nl + 1;
    }
    free(b);
}

/* `edd attack` with args on the finished smoke run's models gives the
 * numbers of the baselines.csv or ablation.csv row starting with key. */
void attack_matches_base(const char *dir, const char *data, int threads, const char *csv, const char *key,
                                const char *args)
{
    char out[4096], path[512];
    attack_json(data, threads, args, out, sizeof out);
    snprintf(path, sizeof path, "%s/%s", dir, csv);
    char *text = read_all(path, NULL);
    cr_assert_not_null(text, "%s", path);
    const char *row = strstr(text, key);
    cr_assert(row && row[-1] == '\n', "%s has no row %s", path, key);
    row += strlen(key);
    static const char *const names[6] = {"examples", "clean_accuracy", "clean_false_positives", "recovered",
                                         "detected", "misclassified"};
    for (int i = 0; i < 6; i++) {
        char *end;
        double v = strtod(row, &end);
        cr_assert(end != row, "%s, row %s: field %d", path, key, i);
        row = end + 1;
        cr_assert(fabs(json_num(out, names[i]) - v) < 5e-7, "%s vs %s row %s: %s is %g in the CSV\n%s", args, csv,
                  key, names[i], v, out);
    }
    free(text);
}
