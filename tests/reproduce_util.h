/* reproduce_util.h - what the edd reproduce tests share (test_reproduce*.c):
 * small files, the CSVs' rows, running the stages in-process; and the
 * checks of a finished smoke run that reproduce_util.c holds (stopped and
 * resumed, `edd attack` against the CSVs). Test code only. */
#ifndef EDD_REPRODUCE_UTIL_H
#define EDD_REPRODUCE_UTIL_H

#include <criterion/criterion.h>

#include "edd.h"
#include "edd/internal/ctx.h"
#include "experiments.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define B(i) ((uint64_t)1 << (i))

#define CSV_HEADER                                                                                           \
    "figure,source,target,attack,setting,value,variant,n,recovered,detected,misclassified,mean_l2,source_success," \
    "clean_accuracy,false_positives\n"

#define BASE_HEADER \
    "model,attack,setting,value,n,clean_accuracy,false_positives,recovered,detected,misclassified,lo,hi\n"

static inline void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    cr_assert(f, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

static inline char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    cr_assert(b);
    cr_assert_eq(fread(b, 1, (size_t)n, f), (size_t)n);
    b[n] = 0;
    fclose(f);
    if (len)
        *len = (size_t)n;
    return b;
}

static inline void flip_byte(const char *path, long at)
{
    FILE *f = fopen(path, "r+b");
    cr_assert(f, "cannot open %s", path);
    fseek(f, at, SEEK_SET);
    int c = fgetc(f);
    cr_assert_neq(c, EOF);
    fseek(f, at, SEEK_SET);
    fputc(c ^ 0x01, f);
    fclose(f);
}

static inline void make_tmpdir(char *dir)
{
    strcpy(dir, "/tmp/edd_repro_XXXXXX");
    cr_assert(mkdtemp(dir), "mkdtemp failed");
}

static inline void rm_rf(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

/* Count the data rows of a CSV, checking its header and that each row has
 * 15 fields whose three rates sum to one. */
static inline int csv_rows(const char *path)
{
    size_t len;
    char *b = read_all(path, &len);
    cr_assert(b, "%s is missing", path);
    cr_assert(!strncmp(b, CSV_HEADER, strlen(CSV_HEADER)), "%s: header", path);
    int rows = 0;
    for (char *line = b + strlen(CSV_HEADER); *line;) {
        char *nl = strchr(line, '\n');
        cr_assert(nl, "%s: unterminated line", path);
        *nl = 0;
        char *f[15], *p = line;
        int k = 0;
        for (; k < 15 && p; k++) {
            f[k] = p;
            p = strchr(p, ',');
            if (p)
                *p++ = 0;
        }
        cr_assert(k == 15 && !p, "%s: row %d has 15 fields", path, rows + 1);
        double sum = atof(f[8]) + atof(f[9]) + atof(f[10]);
        cr_assert_float_eq(sum, 1.0, 1e-5, "%s: rates sum to %g", path, sum);
        cr_assert_gt(atoi(f[7]), 0);
        rows++;
        line = nl + 1;
    }
    free(b);
    return rows;
}

static inline int ran(const edd_repro_log *log, const char *name)
{
    for (int i = 0; i < log->n; i++)
        if (!strcmp(log->stage[i].name, name))
            return log->stage[i].ran;
    cr_assert_fail("stage %s not in the log", name);
    return -1;
}

static inline int nran(const edd_repro_log *log)
{
    int n = 0;
    for (int i = 0; i < log->n; i++)
        n += log->stage[i].ran;
    return n;
}

static inline void run(edd_ctx *ctx, const edd_repro_scale *sc, const char *dir, const char *data, const char *force,
                edd_repro_log *log)
{
    edd_repro_opts o = {.out_dir = dir, .data_dir = data, .force = force, .quiet = 1};
    cr_assert_eq(edd_reproduce(ctx, sc, &o, log), EDD_OK, "%s", ctx->err);
}


/* Issue 11: `edd reproduce` (the CLI) stopped at named points
 * (EDD_STOP_AT) and resumed into a fresh folder: the same CSVs as the
 * finished run in ref (reproduce_util.c). */
void stop_and_resume(const char *ref, const char *data, int threads);

/* The row of the CSV at path whose leading fields are key: its fields n,
 * recovered, detected, misclassified, mean_l2, source_success,
 * clean_accuracy, false_positives into v[8]. */
void csv_row(const char *path, const char *key, double v[8]);

/* The rows of a baselines.csv or ablation.csv per model of models (nm),
 * into rows[], each row checked. */
void base_rows(const char *path, const char *const *models, int nm, int *rows);

/* `edd attack` with args on the finished smoke run in dir gives the
 * numbers of csv's row starting with key: a figure CSV's
 * (attack_matches_csv) or baselines.csv's or ablation.csv's
 * (attack_matches_base). */
void attack_matches_csv(const char *dir, const char *data, int threads, const char *csv, const char *key,
                        const char *args);
void attack_matches_base(const char *dir, const char *data, int threads, const char *csv, const char *key,
                         const char *args);

#endif
