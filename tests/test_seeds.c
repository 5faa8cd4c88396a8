/* test_seeds.c - edd reproduce --seeds (issue 14): seed 1 is the
 * single-seed run bit for bit, seed 2 trains other models, and the summary
 * holds the across-seed statistics of every point. */
#include <criterion/criterion.h>

#include "edd/experiments.h"
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

TestSuite(seeds, .timeout = 900);

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert(f, "%s: cannot open", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *b = malloc((size_t)n + 1);
    cr_assert(b && fread(b, 1, (size_t)n, f) == (size_t)n, "%s: cannot read", path);
    b[n] = 0;
    fclose(f);
    if (len)
        *len = (size_t)n;
    return b;
}

static int same_file(const char *a, const char *b)
{
    size_t na, nb;
    char *x = slurp(a, &na), *y = slurp(b, &nb);
    int same = na == nb && !memcmp(x, y, na);
    free(x);
    free(y);
    return same;
}

/* The misclassified rate of the fig2a row with this target, variant and
 * eps, from a figure CSV. */
static double fig2a_rate(const char *csv, const char *target, const char *variant, double eps)
{
    char *b = slurp(csv, NULL), *save = NULL;
    double out = NAN;
    for (char *line = strtok_r(b, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char fig[16], src[32], tgt[32], att[8], set[12], var[12];
        double value, rec, det, mis;
        size_t n;
        if (sscanf(line, "%15[^,],%31[^,],%31[^,],%7[^,],%11[^,],%lf,%11[^,],%zu,%lf,%lf,%lf", fig, src, tgt, att,
                   set, &value, var, &n, &rec, &det, &mis) == 11 &&
            !strcmp(tgt, target) && !strcmp(var, variant) && fabs(value - eps) < 1e-9)
            out = mis;
    }
    free(b);
    return out;
}

Test(seeds, two_seeds_at_smoke_scale)
{
    char data[4096], one[] = "/tmp/edd_seeds_one_XXXXXX", two[] = "/tmp/edd_seeds_two_XXXXXX", a[512], b[512];
    mnist_dir_or_skip(data, sizeof data);
    cr_assert(mkdtemp(one) && mkdtemp(two));
    edd_ctx ctx;
    ctx_make(&ctx);
    edd_repro_scale sc;
    cr_assert_eq(edd_repro_scale_get(&ctx, "smoke", &sc), EDD_OK);

    edd_repro_opts o = {.out_dir = one, .data_dir = data, .only = "fig2a", .quiet = 1};
    cr_assert_eq(edd_reproduce_seeds(&ctx, &sc, &o, 1, NULL), EDD_ERR_ARG);
    cr_assert(strstr(ctx.err, "--seeds 1: expected 2..32"), "%s", ctx.err);
    cr_assert_eq(edd_reproduce_seeds(&ctx, &sc, &o, EDD_REPRO_MAX_SEEDS + 1, NULL), EDD_ERR_ARG);
    cr_assert_eq(edd_reproduce(&ctx, &sc, &o, NULL), EDD_OK, "%s", ctx.err);

    o.out_dir = two;
    edd_repro_log logs[2];
    cr_assert_eq(edd_reproduce_seeds(&ctx, &sc, &o, 2, logs), EDD_OK, "%s", ctx.err);
    cr_assert_eq(logs[0].n, 5 + EDD_REPRO_SIGMA_PARTS,
                 "seed 1 ran the stages of --only fig2a (baseline, teacher, sigma's parts, sigma, distilled, fig2a), "
                 "logged %d", logs[0].n);

    /* seed 1 is the single-seed run, bit for bit; seed 2 is another */
    static const char *const same[] = {"fig2a_fgm.csv", "models/baseline.edd", "models/distilled.edd"};
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        snprintf(a, sizeof a, "%s/%s", one, same[i]);
        snprintf(b, sizeof b, "%s/seed-1/%s", two, same[i]);
        cr_assert(same_file(a, b), "%s differs from the single-seed run's", b);
    }
    snprintf(a, sizeof a, "%s/seed-1/models/baseline.edd", two);
    snprintf(b, sizeof b, "%s/seed-2/models/baseline.edd", two);
    cr_assert_not(same_file(a, b), "seed 2 trained the same baseline as seed 1");

    /* seeds.csv: the mean of the two seeds and the t interval of 2 seeds,
     * mean +- t(0.975, 1) |x1 - x2| / 2, with t(0.975, 1) = 12.706, clipped
     * to [0, 1] */
    snprintf(a, sizeof a, "%s/seed-1/fig2a_fgm.csv", two);
    snprintf(b, sizeof b, "%s/seed-2/fig2a_fgm.csv", two);
    double x1 = fig2a_rate(a, "distilled", "paper", 0.3), x2 = fig2a_rate(b, "distilled", "paper", 0.3);
    cr_assert(!isnan(x1) && !isnan(x2));
    snprintf(a, sizeof a, "%s/seeds.csv", two);
    char *csv = slurp(a, NULL);
    cr_assert(!strncmp(csv, "figure,source,target,attack,setting,value,variant,seeds,n,rate,mean,t_lo,t_hi,"
                            "pooled_lo,pooled_hi\n", 97), "%.120s", csv);
    const char *row = strstr(csv, "fig2a,distilled,distilled,fgm,eps,0.3,paper,2,");
    cr_assert(row, "no fig2a distilled row in seeds.csv");
    row = strstr(row, "misclassified,");
    double mean, lo, hi, plo, phi;
    cr_assert_eq(sscanf(row, "misclassified,%lf,%lf,%lf,%lf,%lf", &mean, &lo, &hi, &plo, &phi), 5);
    const double h = 12.706 * fabs(x1 - x2) / 2;
    cr_assert_float_eq(mean, (x1 + x2) / 2, 1e-6);
    cr_assert_float_eq(lo, fmax(0.0, (x1 + x2) / 2 - h), 1e-5);
    cr_assert_float_eq(hi, fmin(1.0, (x1 + x2) / 2 + h), 1e-5);
    cr_assert(plo <= mean && mean <= phi, "pooled Wilson %g-%g around %g", plo, phi, mean);
    free(csv);

    /* report.md: the across-seed tables and the claims that hold or not */
    snprintf(a, sizeof a, "%s/report.md", two);
    char *md = slurp(a, NULL);
    cr_assert(strstr(md, "reproduction report, 2 seeds") && strstr(md, "95% across seeds (t)") &&
                  strstr(md, "## Which conclusions hold across seeds") &&
                  strstr(md, "the paper's white-box FGM, at eps 0.3: **"),
              "%s", md);
    free(md);
    if (!system("command -v gnuplot >/dev/null 2>&1")) {
        snprintf(a, sizeof a, "%s/plots/fig2a.png", two);
        cr_assert_eq(access(a, R_OK), 0, "%s: no across-seed plot", a);
    }
    edd_ctx_free(&ctx);
    snprintf(a, sizeof a, "rm -rf '%s' '%s'", one, two);
    cr_assert_eq(system(a), 0);
}
