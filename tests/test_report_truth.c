/* Issue 26, item 3: reports that cannot lie. A smoke report opens with the
 * pipeline-test line and gives no verdict; a section whose input CSV is
 * absent says so in one line; a model below the floor has its rows marked
 * and no verdict rests on it; and no report, fresh or committed, names a
 * CSV or plot its folder lacks.
 *
 * The cases copy one smoke results folder: $EDD_SMOKE_RUN when set (a
 * finished `edd reproduce --scale smoke` folder), else one made once in
 * /tmp/edd_report_truth_R (about 4 minutes on one core; resumed from its
 * manifests when it is already there). */
#include <criterion/criterion.h>

#include "experiments.h"
#include "testutil.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

TestSuite(report_truth, .timeout = 900);

#define TRUTH_SMOKE_DIR "/tmp/edd_report_truth_R"

/* The words of a verdict: none may appear in a pipeline test's report. */
static const char *const verdict_words[] = {"holds", "masks gradients", "passed", "does not hold", "the claim"};

/* The smoke folder the cases copy: $EDD_SMOKE_RUN, or TRUTH_SMOKE_DIR
 * made (or resumed) by edd reproduce. */
static const char *smoke_folder(void)
{
    const char *env = getenv("EDD_SMOKE_RUN");
    if (env && *env)
        return env;
    char out[8192];
    const int rc = edd_run(out, sizeof out, "reproduce --scale smoke --out " TRUTH_SMOKE_DIR " --threads 1 --quiet");
    cr_assert_eq(rc, 0, "the smoke run for the report tests failed:\n%s", out);
    return TRUTH_SMOKE_DIR;
}

/* Every *.csv and *.png report.md names, outside a line that says it is
 * absent, exists in dir; the first missing one is failed with its line. */
static void names_exist(const char *dir, const char *md, const char *what)
{
    for (const char *line = md; line && *line;) {
        const char *end = strchr(line, '\n');
        const size_t len = end ? (size_t)(end - line) : strlen(line);
        char text[8192];
        snprintf(text, sizeof text, "%.*s", (int)(len < sizeof text ? len : sizeof text - 1), line);
        for (char *p = text; !strstr(text, "absent") && (p = strpbrk(p, "."));) {
            if (strncmp(p, ".csv", 4) && strncmp(p, ".png", 4)) {
                p++;
                continue;
            }
            char *b = p;
            while (b > text && (isalnum((unsigned char)b[-1]) || strchr("_-./", b[-1])))
                b--;
            char name[512], path[1024];
            snprintf(name, sizeof name, "%.*s", (int)(p + 4 - b), b);
            snprintf(path, sizeof path, "%s/%s", dir, name);
            cr_assert(b < p && access(path, F_OK) == 0, "%s names %s, which %s lacks, in the line\n%s", what, name, dir,
                      text);
            p += 4;
        }
        line = end ? end + 1 : NULL;
    }
}

/* Case setups: each edits the copy dir before the report is rerun. */
static void keep_all(const char *dir)
{
    (void)dir;
}

static void drop_fig2c(const char *dir)
{
    char path[512];
    snprintf(path, sizeof path, "%s/fig2c_cw.csv", dir);
    cr_assert_eq(remove(path), 0, "%s", path);
}

/* baselines.csv's clean rows: every model at 99% clean accuracy and no
 * false positives, but adv_distilled at 50%, below the 90% floor. */
static void adv_distilled_broken(const char *dir)
{
    char path[512], line[1024];
    snprintf(path, sizeof path, "%s/baselines.csv", dir);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    char *out = NULL;
    size_t n = 0;
    FILE *o = open_memstream(&out, &n);
    while (fgets(line, sizeof line, f)) {
        char model[64];
        if (sscanf(line, "%63[^,],clean,", model) == 1 && strstr(line, ",clean,")) {
            const double acc = strcmp(model, "adv_distilled") ? 0.99 : 0.5;
            fprintf(o, "%s,clean,none,0,1000,%.2f,0,%.2f,0,%.2f,0,0\n", model, acc, acc, 1 - acc);
        } else {
            fputs(line, o);
        }
    }
    fclose(f);
    fclose(o);
    file_put(path, out, n);
    free(out);
}

/* One case: what it does to the copy, whether the report is judged (the
 * smoke settings under another name, in this process: a smoke report
 * itself judges nothing), and what the report must and must not hold. */
typedef struct {
    const char *name;
    void (*setup)(const char *dir);
    int judged;
    const char *prefix; /* what report.md starts with, or NULL */
    const char *want[3];
    const char *never[4];
    int no_verdict; /* none of verdict_words anywhere */
} truth_case;

static const truth_case cases[] = {
    {"smoke report: pipeline test, no verdict", keep_all, 0,
     "pipeline test: the models are too small for any conclusion",
     {"Here: no verdict (pipeline test, scale `smoke`).", "(baselines.csv, rows pgd-margin): no verdict"},
     {"**flagged**", "JSMA's gradient masking comes from the hinge", "the cliff is"},
     1},
    {"fig2c_cw.csv absent: one line, no table", drop_fig2c, 0, NULL,
     {"\nFig. 2c: not run in this folder (fig2c_cw.csv is absent).\n",
      "\nCW kappa: not run in this folder (fig2c_cw.csv is absent).\n"},
     {"### Fig. 2c", "#### The kappa cliff", "| CW kappa |", "The larger budget on both models"},
     1},
    {"adv_distilled at 50% clean accuracy: marked, no verdict on it", adv_distilled_broken, 1, NULL,
     {"(`adv_distilled`) (below the floor) | 50.00%",
      "adversarial training + extended distillation: no verdict: adv_distilled has 50.0% clean accuracy, below the "
      "90% floor"},
     {"adversarial training + extended distillation holds best", "adversarial training + extended distillation only "
                                                                  "masks gradients",
      "adversarial training + extended distillation masks gradients"},
     0},
};

/* The report of the copy dir, rerun by the CLI (--only report --force
 * report) or, judged, in this process with smoke's settings renamed. */
static char *rerun_report(const char *dir, int judged)
{
    char out[8192], args[1024], path[512];
    if (judged) {
        char data[4096];
        mnist_dir_or_skip(data, sizeof data);
        edd_ctx ctx;
        ctx_make(&ctx);
        edd_repro_scale sc;
        cr_assert_eq(edd_repro_scale_get(&ctx, "smoke", &sc), EDD_OK);
        sc.name = "smoke-judged";
        edd_repro_opts o = {.out_dir = dir, .data_dir = data, .only = "report", .force = "report", .quiet = 1};
        edd_repro_log log;
        cr_assert_eq(edd_reproduce(&ctx, &sc, &o, &log), EDD_OK, "%s", ctx.err);
        edd_ctx_free(&ctx);
    } else {
        snprintf(args, sizeof args, "reproduce --scale smoke --out %s --only report --force report --threads 1 --quiet",
                 dir);
        cr_assert_eq(edd_run(out, sizeof out, args), 0, "edd %s\n%s", args, out);
    }
    snprintf(path, sizeof path, "%s/report.md", dir);
    char *md = file_read_text(path, NULL);
    cr_assert_not_null(md, "%s", path);
    return md;
}

static void run_case(const char *smoke, const truth_case *c)
{
    char dir[64], cmd[1024], copy[128];
    tmpdir_make(dir, sizeof dir, "truth");
    snprintf(copy, sizeof copy, "%s/R", dir);
    snprintf(cmd, sizeof cmd, "cp -r '%s' '%s'", smoke, copy);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    c->setup(copy);
    char *md = rerun_report(copy, c->judged);
    if (c->prefix)
        cr_assert(!strncmp(md, c->prefix, strlen(c->prefix)), "%s: report.md does not start with '%s'\n%.300s",
                  c->name, c->prefix, md);
    for (size_t i = 0; i < 3 && c->want[i]; i++)
        cr_assert(strstr(md, c->want[i]), "%s: report.md lacks\n%s\n---\n%s", c->name, c->want[i], md);
    for (size_t i = 0; i < 4 && c->never[i]; i++)
        cr_assert_null(strstr(md, c->never[i]), "%s: report.md has '%s'\n---\n%s", c->name, c->never[i], md);
    for (size_t i = 0; c->no_verdict && i < sizeof verdict_words / sizeof verdict_words[0]; i++) {
        const char *at = strstr(md, verdict_words[i]);
        cr_assert_null(at, "%s: report.md gives a verdict ('%s'): ...%.120s", c->name, verdict_words[i],
                       at ? (at - md > 60 ? at - 60 : md) : "");
    }
    names_exist(copy, md, c->name);
    fprintf(stderr, "report_truth: %s: ok\n", c->name);
    free(md);
    tmpdir_remove(dir);
}

Test(report_truth, smoke_reports_tell_only_what_their_folder_holds)
{
    const char *smoke = smoke_folder();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_case(smoke, &cases[i]);
}

/* Every committed report (docs/results*, any depth) names only CSVs and
 * plots its folder holds. Run from the repository's root. */
/* The committed reports this test does not hold yet, each with why: the
 * 3-seed run's folder was committed without its seed-K folders, whose
 * CSVs its report names; issue 26 reruns it with them (docs/results/,
 * folder quick-seeds3) and then this row goes. */
static const struct {
    const char *report, *why;
} not_yet[] = {
    {"docs/results-quick-seeds3/report.md", "its seed-K folders (the per-seed CSVs) were not kept; issue 26 reruns it"},
};

Test(report_truth, committed_reports_name_only_files_they_hold, .timeout = 60)
{
    FILE *p = popen("find docs -path 'docs/results*' -name report.md | sort", "r");
    cr_assert_not_null(p);
    char path[1024];
    int reports = 0;
    while (fgets(path, sizeof path, p)) {
        path[strcspn(path, "\n")] = 0;
        int skip = 0;
        for (size_t k = 0; k < sizeof not_yet / sizeof not_yet[0]; k++)
            if (!strcmp(path, not_yet[k].report)) {
                fprintf(stderr, "report_truth: %s not held yet: %s\n", path, not_yet[k].why);
                skip = 1;
            }
        if (skip)
            continue;
        char *md = file_read_text(path, NULL), dir[1024];
        cr_assert_not_null(md, "%s", path);
        snprintf(dir, sizeof dir, "%.*s", (int)(strrchr(path, '/') - path), path);
        names_exist(dir, md, path);
        free(md);
        reports++;
    }
    pclose(p);
    cr_assert(reports > 0, "no committed report.md under docs/results* (run from the repository's root)");
    fprintf(stderr, "report_truth: %d committed reports name only files they hold\n", reports);
}
