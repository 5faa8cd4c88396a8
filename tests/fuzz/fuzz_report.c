/* fuzz_report.c - the report's CSV parsing (src/experiments/report*.c and
 * the across-seed summary, seeds.c) on any bytes, at quick scale.
 *
 * The first byte picks the file of files[] the rest becomes (its low 7
 * bits) and the folder: bit 7 clear, one results folder, DIR/run, and the
 * report section that reads the file (headline.csv: repro_report, its only
 * reader; the others: their section's function, whose text is dropped);
 * bit 7 set, the file in both seed-1/ and seed-2/ of DIR/seeds and the
 * summary of the two seeds (edd_repro_seeds_summary), which parses each
 * seed's figure CSVs, security.csv, baselines.csv, ablation.csv and
 * headline.csv. DIR/run always holds a fig2a, fig2b and fig2c of one real
 * row each and a header-only security.csv and standard.csv, so that the
 * sections reading several files (the adaptive glance, the transfer
 * check, the standard suite's min_l2*.csv and convergence.csv) reach the
 * fuzzed one; the file is put back after each input.
 *
 * No gnuplot runs: DIR/seeds/plots is a regular file, so the summary's
 * first plot fails before gnuplot, and PATH is empty besides. */
#include "fuzz.h"
#include "repro.h"
#include "standard.h"

#include <string.h>

#define FIG_HEADER REPRO_CSV_HEADER "\n"
static const char fig2a[] = FIG_HEADER "fig2a,distilled,distilled,fgm,eps,0.3,paper,10000,0.5,0.1,0.4,5.5,0.4,0.98,0.01\n";
static const char fig2b[] = FIG_HEADER "fig2b,distilled,distilled,jsma,gamma,0.1,paper,500,0.2,0,0.8,4.3,0.7,0.99,0\n";
static const char fig2c[] = FIG_HEADER "fig2c,distilled,distilled,cw,kappa,0,paper,100,0.04,0,0.96,3.8,0.96,1,0\n";

typedef edd_status (*section_fn)(repro *r, edd_buf *t, const char *rel);

static edd_status whole_report(repro *r, edd_buf *t, const char *rel)
{
    (void)t, (void)rel;
    return repro_report(r);
}

static edd_status security(repro *r, edd_buf *t, const char *rel)
{
    (void)rel;
    edd_status st = repro_report_security(r, t);
    return st ? st : repro_report_masking(r, t);
}

static edd_status baselines(repro *r, edd_buf *t, const char *rel)
{
    (void)rel;
    return repro_report_baselines(r, t);
}

static edd_status ablation(repro *r, edd_buf *t, const char *rel)
{
    (void)rel;
    return repro_report_ablation(r, t);
}

static edd_status standard(repro *r, edd_buf *t, const char *rel)
{
    (void)rel;
    return repro_report_standard(r, t);
}

/* A figure's table, then each section that reads figures beside others. */
static edd_status figure(repro *r, edd_buf *t, const char *rel)
{
    edd_status st = repro_report_figure(r, t, rel, rel);
    if (!st)
        st = repro_report_adaptive(r, t);
    if (!st)
        st = repro_report_cw_cliff(r, t);
    return st ? st : repro_report_masking(r, t);
}

/* Each file, its section, and what it holds between inputs (NULL: absent). */
static const struct {
    const char *rel;
    section_fn run;
    const char *keep;
} files[] = {
    {"headline.csv", whole_report, NULL},
    {"security.csv", security, REPRO_SEC_HEADER "\n"},
    {"baselines.csv", baselines, NULL},
    {"ablation.csv", ablation, NULL},
    {"standard.csv", standard, REPRO_STD_HEADER "\n"},
    {"min_l2_summary.csv", standard, NULL},
    {"min_l2.csv", standard, NULL},
    {"convergence.csv", standard, NULL},
    {"fig2a_fgm.csv", figure, fig2a},
    {"fig2b_jsma.csv", figure, fig2b},
    {"fig2c_cw.csv", figure, fig2c},
    {"fig2d_alpha.csv", figure, NULL},
    {"fig2e_passes.csv", figure, NULL},
    {"fig3a_fgm.csv", figure, NULL},
    {"fig3b_fgm.csv", figure, NULL},
    {"fig3c_jsma.csv", figure, NULL},
    {"fig3d_jsma.csv", figure, NULL},
    {"fig3e_cw.csv", figure, NULL},
    {"fig3f_cw.csv", figure, NULL},
};
#define NFILES (sizeof files / sizeof files[0])

static void make_dir(const char *rel)
{
    const char *path = fuzz_path(rel);
    if (mkdir(path, 0700) && access(path, W_OK))
        abort();
}

/* Put file i of DIR/run back as it is between inputs. */
static void keep(size_t i)
{
    char rel[128];
    snprintf(rel, sizeof rel, "run/%s", files[i].rel);
    if (files[i].keep)
        fuzz_file(rel, (const uint8_t *)files[i].keep, strlen(files[i].keep));
    else
        unlink(fuzz_path(rel));
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    setenv("PATH", "/nonexistent/edd-fuzz", 1);
    make_dir("run");
    make_dir("seeds");
    make_dir("seeds/seed-1");
    make_dir("seeds/seed-2");
    fuzz_file("seeds/plots", (const uint8_t *)"", 0);
    for (size_t i = 0; i < NFILES; i++)
        keep(i);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static edd_repro_scale sc;
    static char run[300], seeds[300];
    edd_ctx ctx = {0};
    if (!sc.name) {
        if (edd_repro_scale_get(&ctx, "quick", &sc))
            abort();
        snprintf(run, sizeof run, "%s/run", fuzz_dir());
        snprintf(seeds, sizeof seeds, "%s/seeds", fuzz_dir());
    }
    if (size < 1)
        return 0;
    const size_t i = (data[0] & 0x7f) % NFILES;
    char rel[128];
    edd_status st;
    if (data[0] & 0x80) {
        for (int k = 1; k <= 2; k++) {
            snprintf(rel, sizeof rel, "seeds/seed-%d/%s", k, files[i].rel);
            fuzz_file(rel, data + 1, size - 1);
        }
        edd_repro_opts o = {.out_dir = seeds, .quiet = 1};
        st = edd_repro_seeds_summary(&ctx, &sc, &o, 2);
        for (int k = 1; k <= 2; k++) {
            snprintf(rel, sizeof rel, "seeds/seed-%d/%s", k, files[i].rel);
            unlink(fuzz_path(rel));
        }
    } else {
        snprintf(rel, sizeof rel, "run/%s", files[i].rel);
        fuzz_file(rel, data + 1, size - 1);
        edd_repro_opts o = {.out_dir = run, .quiet = 1};
        repro r = {.ctx = &ctx, .sc = &sc, .o = &o, .stages = repro_stages, .nstages = edd_repro_stage_count()};
        edd_buf t = {0};
        st = files[i].run(&r, &t, files[i].rel);
        edd_buf_free(&t);
        keep(i);
    }
    if (st && (!ctx.err[0] || !memchr(ctx.err, 0, sizeof ctx.err)))
        abort(); /* the contract: a refused file says why */
    return 0;
}
