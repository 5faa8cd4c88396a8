/* report_floor.c - what every section of report.md (and of the --seeds
 * summary) checks before it writes a verdict or names a file (issue 26):
 * whether the run is a pipeline test (scale smoke: no verdict anywhere),
 * whether a model is fit for a verdict (clean accuracy at or above the
 * floor of its dataset, false positives at or below REPRO_FLOOR_FP), where
 * a model's clean rates are read from, and the one line a section whose
 * input is absent prints instead of its table.
 *
 * Owns: repro_pipeline_test, repro_floor, repro_unfit, repro_model_unfit,
 * repro_section_absent, repro_plot_named, repro_no_verdict.
 * May call: repro.h (the CSV readers, the folder's paths), edd/io.h.
 * Reads only files in the results folder. */
#include "edd/io.h"
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int repro_pipeline_test(const repro *r)
{
    return !strcmp(r->sc->name, "smoke");
}

double repro_floor(const repro *r)
{
    return repro_on_mnist(r) ? REPRO_FLOOR_MNIST : REPRO_FLOOR_FASHION;
}

int repro_unfit(const repro *r, const char *model, double acc, double fp, char *why, size_t n)
{
    if (acc < repro_floor(r)) {
        snprintf(why, n, "%s has %.1f%% clean accuracy, below the %.0f%% floor", model, 100 * acc,
                 100 * repro_floor(r));
        return 1;
    }
    if (fp > REPRO_FLOOR_FP) {
        snprintf(why, n, "%s has %.1f%% false positives, above the %.0f%% ceiling", model, 100 * fp,
                 100 * REPRO_FLOOR_FP);
        return 1;
    }
    if (n)
        why[0] = 0;
    return 0;
}

/* The clean rates of model from the "clean" row of a baselines.csv or
 * ablation.csv in the folder; 1 when found. */
static int rates_from_base(const repro *r, const char *csv, const char *model, double *acc, double *fp)
{
    repro_base_row *w;
    int n, found = 0;
    if (!repro_have(r, csv) || repro_base_read(r, csv, &w, &n))
        return 0;
    const repro_base_row *c = repro_base_find(w, n, model, "clean", 0.0);
    if (c) {
        *acc = c->clean_accuracy;
        *fp = c->false_positives;
        found = 1;
    }
    free(w);
    return found;
}

/* The number after "key": in the JSON text s; 1 when found. */
static int json_number(const char *s, const char *key, double *v)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(s, pat);
    char *end;
    if (!p)
        return 0;
    *v = strtod(p + strlen(pat), &end);
    return end != p + strlen(pat);
}

/* The clean rates of model from models/MODEL.json (its test-set
 * evaluation); 1 when found. */
static int rates_from_json(const repro *r, const char *model, double *acc, double *fp)
{
    char rel[96], path[EDD_PATH_MAX], text[1024];
    FILE *f = NULL;
    snprintf(rel, sizeof rel, "models/%s.json", model);
    if (!repro_have(r, rel) || repro_path(r, rel, path) || edd_file_fopen_regular(NULL, path, rel, &f) || !f)
        return 0;
    size_t got = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[got] = 0;
    return json_number(text, "accuracy", acc) && json_number(text, "false_positives", fp);
}

int repro_model_unfit(const repro *r, const char *model, char *why, size_t n)
{
    double acc, fp;
    if (n)
        why[0] = 0;
    if (rates_from_base(r, "baselines.csv", model, &acc, &fp) || rates_from_base(r, "ablation.csv", model, &acc, &fp) ||
        rates_from_json(r, model, &acc, &fp))
        return repro_unfit(r, model, acc, fp, why, n);
    return 0;
}

void repro_section_absent(edd_buf *t, const char *section, const char *csv)
{
    edd_buf_printf(t, "%s: not run in this folder (%s is absent).\n\n", section, csv);
}

void repro_plot_named(const repro *r, edd_buf *t, const char *sep, const char *fig)
{
    char rel[64];
    snprintf(rel, sizeof rel, "plots/%s.png", fig);
    if (repro_have(r, rel))
        edd_buf_printf(t, "%splot `%s`", sep, rel);
}

int repro_no_verdict(const repro *r, edd_buf *t, const char *lead, const char *model, double acc, double fp)
{
    char why[160];
    if (repro_pipeline_test(r)) {
        edd_buf_printf(t, "%sno verdict (pipeline test, scale `%s`)", lead, r->sc->name);
        return 1;
    }
    if (acc < 0 ? repro_model_unfit(r, model, why, sizeof why) : repro_unfit(r, model, acc, fp, why, sizeof why)) {
        edd_buf_printf(t, "%sno verdict: %s", lead, why);
        return 1;
    }
    return 0;
}
