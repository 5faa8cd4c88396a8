/* csv.c - the figure CSVs (one row per attack point, REPRO_CSV_HEADER),
 * security.csv (REPRO_SEC_HEADER), baselines.csv and ablation.csv
 * (REPRO_BASE_HEADER), standard.csv (REPRO_STD_HEADER, standard.h), the
 * ablation's logit_gap.csv and logit_gap_summary.csv (REPRO_GAP_HEADER,
 * REPRO_GAP_SUMMARY_HEADER), and the Wilson interval their tables use. */
#include "edd/io.h"
#include "repro.h"
#include "standard.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

edd_status repro_rows_write(repro *r, const char *rel, const repro_row *rows, int n)
{
    edd_buf t = {0};
    edd_buf_printf(&t, "%s\n", REPRO_CSV_HEADER);
    for (int i = 0; i < n; i++) {
        const repro_row *w = &rows[i];
        edd_buf_printf(&t, "%s,%s,%s,%s,%s,%g,%s,%zu,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f\n", w->figure, w->source,
                       w->target, w->attack, w->setting, w->value, w->variant, w->n, w->recovered, w->detected,
                       w->misclassified, w->mean_l2, w->source_success, w->clean_accuracy, w->false_positives);
    }
    edd_status st = repro_write_text(r, rel, &t);
    edd_buf_free(&t);
    return st;
}

void repro_wilson(double p, size_t n, double *lo, double *hi)
{
    const double z = 1.959964, nn = (double)n;
    if (n == 0) {
        *lo = 0.0, *hi = 1.0;
        return;
    }
    double c = (p + z * z / (2 * nn)) / (1 + z * z / nn);
    double h = z / (1 + z * z / nn) * sqrt(p * (1 - p) / nn + z * z / (4 * nn * nn));
    *lo = fmax(0.0, c - h);
    *hi = fmin(1.0, c + h);
}

/* Copy field f (up to the next comma) into dst (cap bytes); 0 if it does not fit. */
static int field(char **f, char *dst, size_t cap)
{
    size_t k = strcspn(*f, ",");
    if (k >= cap)
        return 0;
    memcpy(dst, *f, k);
    dst[k] = 0;
    *f += k + ((*f)[k] == ',');
    return 1;
}

static int parse_row(char *line, repro_row *w)
{
    char num[8][64], nbuf[32], vbuf[64];
    char *f = line;
    memset(w, 0, sizeof *w);
    int ok = field(&f, w->figure, sizeof w->figure) && field(&f, w->source, sizeof w->source) &&
             field(&f, w->target, sizeof w->target) && field(&f, w->attack, sizeof w->attack) &&
             field(&f, w->setting, sizeof w->setting) && field(&f, vbuf, sizeof vbuf) &&
             field(&f, w->variant, sizeof w->variant) && field(&f, nbuf, sizeof nbuf);
    for (int i = 0; ok && i < 7; i++)
        ok = field(&f, num[i], sizeof num[i]) && num[i][0];
    if (!ok || *f)
        return 0;
    double *dst[7] = {&w->recovered, &w->detected, &w->misclassified, &w->mean_l2,
                      &w->source_success, &w->clean_accuracy, &w->false_positives};
    char *end;
    w->value = strtod(vbuf, &end);
    if (!vbuf[0] || *end)
        return 0;
    w->n = strtoull(nbuf, &end, 10);
    if (!nbuf[0] || *end)
        return 0;
    for (int i = 0; i < 7; i++) {
        *dst[i] = strtod(num[i], &end);
        if (*end)
            return 0;
    }
    return 1;
}

static int parse_fig_row(char *line, void *row) { return parse_row(line, row); }

/* One row of a logit-gap CSV: the model, then nv numbers, those marked
 * in whole counts >= 0; 0 if malformed. */
static int parse_gap(char *line, repro_gap_row *w, int nv, const int *whole)
{
    char num[64], *f = line, *end;
    memset(w, 0, sizeof *w);
    int ok = field(&f, w->model, sizeof w->model) && w->model[0];
    for (int i = 0; ok && i < nv; i++) {
        ok = field(&f, num, sizeof num) && num[0];
        w->v[i] = ok ? strtod(num, &end) : 0.0;
        ok = ok && !*end && isfinite(w->v[i]) &&
             (!whole[i] || (w->v[i] >= 0 && w->v[i] <= 1e9 && w->v[i] == floor(w->v[i])));
    }
    return ok && !*f;
}

static int parse_gap_hist(char *line, void *row)
{
    static const int whole[3] = {0, 0, 1};
    return parse_gap(line, row, 3, whole);
}

static int parse_gap_summary(char *line, void *row)
{
    static const int whole[6] = {1, 1, 0, 0, 0, 0};
    return parse_gap(line, row, 6, whole);
}

/* One security.csv row (REPRO_SEC_HEADER); 0 if malformed. */
static int parse_sec_row(char *line, void *row)
{
    repro_sec_row *w = row;
    char num[6][64];
    char *f = line, *end;
    memset(w, 0, sizeof *w);
    int ok = field(&f, w->model, sizeof w->model) && field(&f, num[0], sizeof num[0]) &&
             field(&f, w->attack, sizeof w->attack);
    size_t *counts[3] = {&w->n, &w->broken, &w->only};
    double *rates[3] = {&w->robust, &w->lo, &w->hi};
    for (int i = 0; ok && i < 3; i++) {
        ok = field(&f, num[1], sizeof num[1]) && num[1][0];
        *counts[i] = strtoull(num[1], &end, 10);
        ok = ok && !*end;
    }
    for (int i = 0; ok && i < 3; i++) {
        ok = field(&f, num[2], sizeof num[2]) && num[2][0];
        *rates[i] = strtod(num[2], &end);
        ok = ok && !*end;
    }
    w->eps = strtod(num[0], &end);
    return ok && num[0][0] && !*end && !*f;
}

/* One baselines.csv or ablation.csv row (REPRO_BASE_HEADER); 0 if malformed. */
static int parse_base_row(char *line, void *row)
{
    repro_base_row *w = row;
    char num[64], *f = line, *end;
    memset(w, 0, sizeof *w);
    int ok = field(&f, w->model, sizeof w->model) && field(&f, w->attack, sizeof w->attack) &&
             field(&f, w->setting, sizeof w->setting) && field(&f, num, sizeof num) && num[0];
    w->value = ok ? strtod(num, &end) : 0.0;
    ok = ok && !*end && field(&f, num, sizeof num) && num[0];
    w->n = ok ? strtoull(num, &end, 10) : 0;
    ok = ok && !*end;
    double *rates[7] = {&w->clean_accuracy, &w->false_positives, &w->recovered, &w->detected,
                        &w->misclassified, &w->lo, &w->hi};
    for (int i = 0; ok && i < 7; i++) {
        ok = field(&f, num, sizeof num) && num[0];
        *rates[i] = ok ? strtod(num, &end) : 0.0;
        ok = ok && !*end;
    }
    return ok && !*f;
}

/* Read out_dir/rel, whose first line must be header, parsing each further
 * line into the next of *rows (elements of elsize bytes, malloc'd). */
static edd_status read_csv(const repro *r, const char *rel, const char *header, size_t elsize,
                           int (*parse)(char *, void *), void **rows, int *n)
{
    edd_ctx *ctx = r->ctx;
    char path[EDD_PATH_MAX];
    *rows = NULL;
    *n = 0;
    edd_status st = repro_path(r, rel, path);
    if (st)
        return st;
    FILE *f;
    st = edd_file_fopen_regular(ctx, path, "a CSV of the results folder", &f);
    if (st)
        return st;
    char line[1024];
    int cap = 0, lineno = 1;
    if (!fgets(line, sizeof line, f) || strncmp(line, header, strlen(header)) || strcmp(line + strlen(header), "\n"))
        st = edd_fail(ctx, EDD_ERR_FORMAT, "%s: first line is not the header, expected '%s'", path, header);
    while (!st && fgets(line, sizeof line, f)) {
        lineno++;
        size_t ll = strlen(line);
        if (ll && line[ll - 1] == '\n')
            line[--ll] = 0;
        if (*n == cap) {
            cap = cap ? 2 * cap : 16;
            void *g = realloc(*rows, (size_t)cap * elsize);
            if (!g) {
                st = edd_fail(ctx, EDD_ERR_NOMEM, "%s: out of memory", path);
                break;
            }
            *rows = g;
        }
        if (!parse(line, (char *)*rows + (size_t)*n * elsize))
            st = edd_fail(ctx, EDD_ERR_FORMAT, "%s:%d: '%s' is not a row of the header's fields", path, lineno, line);
        else
            (*n)++;
    }
    fclose(f);
    if (st) {
        free(*rows);
        *rows = NULL;
        *n = 0;
    }
    return st;
}

edd_status repro_rows_read(const repro *r, const char *rel, repro_row **rows, int *n)
{
    void *v;
    edd_status st = read_csv(r, rel, REPRO_CSV_HEADER, sizeof **rows, parse_fig_row, &v, n);
    *rows = v;
    return st;
}

edd_status repro_sec_read(const repro *r, const char *rel, repro_sec_row **rows, int *n)
{
    void *v;
    edd_status st = read_csv(r, rel, REPRO_SEC_HEADER, sizeof **rows, parse_sec_row, &v, n);
    *rows = v;
    return st;
}

edd_status repro_base_read(const repro *r, const char *rel, repro_base_row **rows, int *n)
{
    void *v;
    edd_status st = read_csv(r, rel, REPRO_BASE_HEADER, sizeof **rows, parse_base_row, &v, n);
    *rows = v;
    return st;
}

edd_status repro_gap_read(const repro *r, const char *rel, int summary, repro_gap_row **rows, int *n)
{
    void *v;
    edd_status st = read_csv(r, rel, summary ? REPRO_GAP_SUMMARY_HEADER : REPRO_GAP_HEADER, sizeof **rows,
                             summary ? parse_gap_summary : parse_gap_hist, &v, n);
    *rows = v;
    return st;
}

const repro_base_row *repro_base_find(const repro_base_row *rows, int n, const char *model, const char *attack,
                                      double value)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(rows[i].model, model) && !strcmp(rows[i].attack, attack) && fabs(rows[i].value - value) < 1e-6)
            return &rows[i];
    return NULL;
}

/* One standard.csv row (REPRO_STD_HEADER, standard.h): a security.csv row
 * with the norm after the model. */
typedef struct {
    repro_sec_row row;
    int ord;
} std_row;

static int parse_std_row(char *line, void *row)
{
    std_row *w = row;
    char model[sizeof w->row.model], norm[8], rest[1024];
    char *f = line;
    if (!field(&f, model, sizeof model) || !field(&f, norm, sizeof norm))
        return 0;
    w->ord = !strcmp(norm, "inf") ? 0 : !strcmp(norm, "2") ? 2 : -1;
    if (w->ord < 0 || (size_t)snprintf(rest, sizeof rest, "%s,%s", model, f) >= sizeof rest)
        return 0;
    return parse_sec_row(rest, &w->row);
}

edd_status repro_std_read(const repro *r, const char *rel, repro_sec_row **rows, int **ord, int *n)
{
    void *v;
    *rows = NULL;
    *ord = NULL;
    edd_status st = read_csv(r, rel, REPRO_STD_HEADER, sizeof(std_row), parse_std_row, &v, n);
    if (st)
        return st;
    std_row *w = v;
    *rows = malloc((size_t)(*n ? *n : 1) * sizeof **rows);
    *ord = malloc((size_t)(*n ? *n : 1) * sizeof **ord);
    if (!*rows || !*ord) {
        free(*rows), free(*ord), free(v);
        *rows = NULL, *ord = NULL, *n = 0;
        return edd_fail(r->ctx, EDD_ERR_NOMEM, "%s: out of memory", rel);
    }
    for (int i = 0; i < *n; i++)
        (*rows)[i] = w[i].row, (*ord)[i] = w[i].ord;
    free(v);
    return EDD_OK;
}
