/* test_ablation_gap.c - issue 26, item 4: the Eq. 3 ablation's logit gaps.
 * At smoke scale the ablation_attacks stage writes logit_gap.csv (bins
 * every model shares, summing to its images) and logit_gap_summary.csv
 * (one row per model); the summary's median, percentiles and mean are
 * those of the logits `edd predict --logits` gives on the model; the plots
 * stage draws plots/logit_gap.png; the report's "Eq. 3 ablation" section
 * names the summary in one sentence, and says in one line when it is
 * absent.
 *
 * The cases read the smoke results folder the tests share
 * (smoke_shared.h). */
#include <criterion/criterion.h>

#include "edd/io.h"
#include "smoke_shared.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

TestSuite(ablation_gap, .timeout = 900);

#define GAP_BINS 40
#define NMODELS 5

/* The ablation's models, in the CSVs' order (src/experiments/scale.c). */
static const char *const models[NMODELS] = {"ablation_none", "ablation_literal", "ablation_hinge10", "distilled",
                                            "ablation_hinge100"};

/* The shared smoke folder (smoke_shared.h). */
static const char *smoke_folder(void)
{
    static char dir[512];
    smoke_shared(dir, sizeof dir);
    return dir;
}

/* The lines of dir/name after its header, which must be header; returns
 * their count, each split at commas into f[line][0..nf) (a copy the caller
 * frees through *text). */
static int read_rows(const char *dir, const char *name, const char *header, int nf, char *(*f)[8], int max,
                     char **text)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    *text = file_read_text(path, NULL);
    cr_assert_not_null(*text, "%s is missing", path);
    const size_t hl = strlen(header);
    cr_assert(!strncmp(*text, header, hl) && (*text)[hl] == '\n', "%s: the header is not '%s'", path, header);
    int n = 0;
    for (char *line = *text + hl + 1; *line; n++) {
        char *nl = strchr(line, '\n');
        cr_assert(nl && n < max, "%s: row %d unterminated or past %d rows", path, n + 1, max);
        *nl = 0;
        int k = 0;
        for (char *p = line; p && k < 8; k++) {
            f[n][k] = p;
            if ((p = strchr(p, ',')))
                *p++ = 0;
        }
        cr_assert_eq(k, nf, "%s row %d: %d fields, expected %d", path, n + 1, k, nf);
        line = nl + 1;
    }
    return n;
}

/* The summary's rows: n, outputs, median, p10, p90, mean per model. */
static void read_summary(const char *dir, double s[NMODELS][6])
{
    char *text, *f[NMODELS + 1][8];
    const int n = read_rows(dir, "logit_gap_summary.csv", "model,n,outputs,median,p10,p90,mean", 7, f, NMODELS + 1,
                            &text);
    cr_assert_eq(n, NMODELS, "logit_gap_summary.csv: %d rows, expected one per model (%d)", n, NMODELS);
    for (int k = 0; k < NMODELS; k++) {
        cr_assert_str_eq(f[k][0], models[k], "logit_gap_summary.csv row %d", k + 1);
        for (int j = 0; j < 6; j++)
            s[k][j] = atof(f[k][j + 1]);
    }
    free(text);
}

Test(ablation_gap, the_stage_writes_both_csvs_bins_shared_and_summing_to_n)
{
    const char *dir = smoke_folder();
    double s[NMODELS][6];
    read_summary(dir, s);
    char *text, *f[NMODELS * GAP_BINS + 1][8];
    const int n = read_rows(dir, "logit_gap.csv", "model,bin_lo,bin_hi,count", 4, f, NMODELS * GAP_BINS + 1, &text);
    cr_assert_eq(n, NMODELS * GAP_BINS, "logit_gap.csv: %d rows, expected %d bins per model", n, GAP_BINS);
    for (int k = 0; k < NMODELS; k++) {
        cr_assert_eq(s[k][0], 100, "%s: n %g, expected smoke's fgm_n (100)", models[k], s[k][0]);
        cr_assert_eq(s[k][1], 11, "%s: the gap is over all K = 11 outputs", models[k]);
        cr_assert(s[k][3] <= s[k][2] && s[k][2] <= s[k][4] && s[k][3] >= 0, "%s: p10 %g <= median %g <= p90 %g",
                  models[k], s[k][3], s[k][2], s[k][4]);
        double sum = 0;
        for (int b = 0; b < GAP_BINS; b++) {
            char *const *row = f[k * GAP_BINS + b];
            cr_assert_str_eq(row[0], models[k], "logit_gap.csv row %d", k * GAP_BINS + b + 1);
            cr_assert_str_eq(row[1], f[b][1], "%s bin %d starts where the first model's does", models[k], b);
            cr_assert_str_eq(row[2], f[b][2], "%s bin %d ends where the first model's does", models[k], b);
            cr_assert(b ? !strcmp(row[1], f[k * GAP_BINS + b - 1][2]) : atof(row[1]) == 0.0,
                      "%s bin %d starts at the previous one's end (the first at 0)", models[k], b);
            sum += atof(row[3]);
        }
        cr_assert_eq(sum, s[k][0], "%s: the bins hold %g images, expected n = %g", models[k], sum, s[k][0]);
        cr_assert_geq(atof(f[GAP_BINS - 1][2]), s[k][4], "%s: the last bin ends at or past p90", models[k]);
    }
    free(text);
    char png[1024];
    snprintf(png, sizeof png, "%s/plots/logit_gap.png", dir);
    if (!system("command -v gnuplot >/dev/null 2>&1"))
        cr_assert_eq(access(png, F_OK), 0, "the plots stage draws %s", png);
}

static int by_value(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The p-quantile of sorted v[0..n), linear between order statistics. */
static double quantile(const double *v, size_t n, double p)
{
    const double at = p * (double)(n - 1), lo = floor(at);
    const size_t i = (size_t)lo;
    return i + 1 < n ? v[i] + (at - lo) * (v[i + 1] - v[i]) : v[n - 1];
}

Test(ablation_gap, the_summary_is_that_of_edd_predicts_logits)
{
    const char *dir = smoke_folder();
    char data[4096], tmp[64], args[8192], out[8192], npy[128];
    mnist_dir_or_skip(data, sizeof data);
    double s[NMODELS][6];
    read_summary(dir, s);
    tmpdir_make(tmp, sizeof tmp, "gap");
    edd_ctx ctx;
    ctx_make(&ctx);
    for (int k = 0; k < NMODELS; k++) {
        snprintf(npy, sizeof npy, "%s/%s.npy", tmp, models[k]);
        snprintf(args, sizeof args, "predict --model %s/models/%s.edd --data-dir %s --test-limit %.0f --logits %s "
                 "--threads 1", dir, models[k], data, s[k][0], npy);
        cr_assert_eq(edd_run(out, sizeof out, args), 0, "edd %s\n%s", args, out);
        edd_npy z;
        cr_assert_eq(edd_npy_read(&ctx, npy, &z), EDD_OK, "%s", ctx.err);
        cr_assert(z.rank == 2 && z.dtype == EDD_NPY_F32 && (double)z.shape[0] == s[k][0] && z.shape[1] == 11,
                  "%s: %zu x %zu logits, expected %g x 11", npy, z.shape[0], z.shape[1], s[k][0]);
        const size_t n = z.shape[0];
        double *g = malloc(n * sizeof *g), mean = 0;
        cr_assert_not_null(g);
        for (size_t i = 0; i < n; i++) {
            const float *zi = (const float *)z.data + 11 * i;
            double a = -INFINITY, b = -INFINITY;
            for (int j = 0; j < 11; j++)
                if (zi[j] > a)
                    b = a, a = zi[j];
                else if (zi[j] > b)
                    b = zi[j];
            g[i] = a - b;
            mean += g[i] / (double)n;
        }
        qsort(g, n, sizeof *g, by_value);
        const double want[4] = {quantile(g, n, 0.5), quantile(g, n, 0.1), quantile(g, n, 0.9), mean};
        static const char *const what[4] = {"median", "p10", "p90", "mean"};
        for (int j = 0; j < 4; j++)
            cr_assert_float_eq(s[k][j + 2], want[j], 1e-6, "%s: the summary's %s %.6f, from edd predict's logits %.9f",
                               models[k], what[j], s[k][j + 2], want[j]);
        free(g);
        edd_npy_free(&z);
    }
    edd_ctx_free(&ctx);
    tmpdir_remove(tmp);
}

/* Case setups: each edits the copy dir before the command runs. */
static void keep_all(const char *dir)
{
    (void)dir;
}

static void drop(const char *dir, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    cr_assert_eq(remove(path), 0, "%s", path);
}

static void drop_summary(const char *dir)
{
    drop(dir, "logit_gap_summary.csv");
}

static void drop_histogram(const char *dir)
{
    drop(dir, "logit_gap.csv");
    drop(dir, "plots/logit_gap.png");
}

static void put(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    file_put(path, text, strlen(text));
}

static void bad_summary(const char *dir)
{
    put(dir, "logit_gap_summary.csv", "model,n,outputs,median,p10,p90,mean\ndistilled,100,11,x,1,2,3\n");
}

static void hostile_model(const char *dir)
{
    put(dir, "logit_gap.csv", "model,bin_lo,bin_hi,count\n`touch pwned`,0,1,100\n");
}

#define REPORT "reproduce --scale smoke --out %s --only report --force report --threads 1 --quiet"
#define PLOTS "reproduce --scale smoke --out %s --only plots --force plots --threads 1 --quiet"

/* One case: its setup of the copy, the command (%s: the copy), its exit
 * status, and what report.md (in_report 1) or the command's output (0)
 * must and must not hold. */
typedef struct {
    const char *name;
    void (*setup)(const char *dir);
    const char *command;
    int exit;
    int in_report;
    const char *want[2];
    const char *never;
} gap_case;

static const gap_case cases[] = {
    {"the sentence names the summary, the histogram and the plot", keep_all, REPORT, 0, 1,
     {"Logit gaps (`logit_gap_summary.csv`, histogram `logit_gap.csv`, plot `plots/logit_gap.png`): the top-1 "
      "minus the top-2 logit over all 11 outputs (the outlier's included, as JSMA's saliency sees them), dropout "
      "off, on the first 100 test images (those FGM attacks), has its median at ",
      " for `ablation_none`, "},
     "logit_gap_summary.csv is absent"},
    {"summary absent: one line", drop_summary, REPORT, 0, 1,
     {"\nLogit gaps: not run in this folder (logit_gap_summary.csv is absent).\n\n", NULL},
     "Logit gaps (`"},
    {"histogram and plot absent: not named", drop_histogram, REPORT, 0, 1,
     {"Logit gaps (`logit_gap_summary.csv`): the top-1 minus the top-2 logit", NULL},
     "logit_gap.csv`"},
    {"a malformed summary is refused, naming its line", bad_summary, REPORT, 1, 0,
     {"logit_gap_summary.csv:2: 'distilled,100,11,x,1,2,3' is not a row of the header's fields", NULL},
     NULL},
    {"a model name edd does not write is refused by the plot", hostile_model, PLOTS, 1, 0,
     {"logit_gap.csv line 2, column model", NULL},
     NULL},
};

static void run_case(const char *smoke, const gap_case *c)
{
    char dir[64], cmd[1024], copy[128], args[1024], out[16384], path[256];
    tmpdir_make(dir, sizeof dir, "gap_case");
    snprintf(copy, sizeof copy, "%s/R", dir);
    snprintf(cmd, sizeof cmd, "cp -r '%s' '%s'", smoke, copy);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    c->setup(copy);
    snprintf(args, sizeof args, c->command, copy);
    const int rc = edd_run(out, sizeof out, args);
    cr_assert_eq(rc, c->exit, "%s: edd %s exits %d, expected %d\n%s", c->name, args, rc, c->exit, out);
    snprintf(path, sizeof path, "%s/report.md", copy);
    char *text = c->in_report ? file_read_text(path, NULL) : strdup(out);
    cr_assert_not_null(text, "%s: %s", c->name, c->in_report ? path : "output");
    for (int i = 0; i < 2 && c->want[i]; i++)
        cr_assert(strstr(text, c->want[i]), "%s: %s lacks\n%s\n---\n%s", c->name, c->in_report ? "report.md" : "the output",
                  c->want[i], text);
    cr_assert(!c->never || !strstr(text, c->never), "%s: '%s' is there\n---\n%s", c->name, c->never, text);
    snprintf(path, sizeof path, "%s/pwned", copy);
    cr_assert_neq(access(path, F_OK), 0, "%s: a CSV cell ran a command", c->name);
    fprintf(stderr, "ablation_gap: %s: ok\n", c->name);
    free(text);
    tmpdir_remove(dir);
}

Test(ablation_gap, the_report_and_plot_cases)
{
    const char *smoke = smoke_folder();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_case(smoke, &cases[i]);
}
