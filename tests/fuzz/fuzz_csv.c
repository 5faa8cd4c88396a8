/* fuzz_csv.c - the results folder's CSV readers (src/experiments/csv.c) on
 * any bytes: the first byte picks the reader, the rest is the file,
 * written as DIR/in.csv and read through the reader's path-based entry
 * point (repro_rows_read: the figure CSVs; repro_sec_read: security.csv;
 * repro_base_read: baselines.csv and ablation.csv; repro_std_read:
 * standard.csv, declared in standard.h). */
#include "fuzz.h"
#include "repro.h"
#include "standard.h"

#include <string.h>

/* 1 when the string in the field s of cap bytes ends within it. */
static int terminated(const char *s, size_t cap) { return memchr(s, 0, cap) != NULL; }

static edd_status check_fig(const repro *r)
{
    repro_row *w = NULL;
    int n = -1;
    edd_status st = repro_rows_read(r, "in.csv", &w, &n);
    if (!st) {
        for (int i = 0; i < n; i++)
            if (!terminated(w[i].figure, sizeof w[i].figure) || !terminated(w[i].source, sizeof w[i].source) ||
                !terminated(w[i].target, sizeof w[i].target) || !terminated(w[i].attack, sizeof w[i].attack) ||
                !terminated(w[i].setting, sizeof w[i].setting) || !terminated(w[i].variant, sizeof w[i].variant))
                abort(); /* every text cell a string within its field */
    } else if (w || n) {
        abort(); /* the contract: a refused file gives no rows */
    }
    free(w);
    return st;
}

static edd_status check_sec(const repro *r)
{
    repro_sec_row *w = NULL;
    int n = -1;
    edd_status st = repro_sec_read(r, "in.csv", &w, &n);
    if (!st) {
        for (int i = 0; i < n; i++)
            if (!terminated(w[i].model, sizeof w[i].model) || !terminated(w[i].attack, sizeof w[i].attack))
                abort();
    } else if (w || n) {
        abort();
    }
    free(w);
    return st;
}

static edd_status check_base(const repro *r)
{
    repro_base_row *w = NULL;
    int n = -1;
    edd_status st = repro_base_read(r, "in.csv", &w, &n);
    if (!st) {
        for (int i = 0; i < n; i++)
            if (!terminated(w[i].model, sizeof w[i].model) || !terminated(w[i].attack, sizeof w[i].attack) ||
                !terminated(w[i].setting, sizeof w[i].setting))
                abort();
        if (n)
            (void)repro_base_find(w, n, w[n - 1].model, w[n - 1].attack, w[n - 1].value);
    } else if (w || n) {
        abort();
    }
    free(w);
    return st;
}

static edd_status check_std(const repro *r)
{
    repro_sec_row *w = NULL;
    int *ord = NULL, n = -1;
    edd_status st = repro_std_read(r, "in.csv", &w, &ord, &n);
    if (!st) {
        for (int i = 0; i < n; i++)
            if ((ord[i] != 0 && ord[i] != 2) || !terminated(w[i].model, sizeof w[i].model) ||
                !terminated(w[i].attack, sizeof w[i].attack))
                abort(); /* the norm is L-inf (0) or L2 (2) */
    } else if (w || ord || n) {
        abort();
    }
    free(w);
    free(ord);
    return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static edd_status (*const readers[])(const repro *) = {check_fig, check_sec, check_base, check_std};
    if (size < 1)
        return 0;
    fuzz_file("in.csv", data + 1, size - 1);
    edd_ctx ctx = {0};
    edd_repro_opts o = {.out_dir = fuzz_dir()};
    repro r = {.ctx = &ctx, .o = &o};
    edd_status st = readers[data[0] % (sizeof readers / sizeof readers[0])](&r);
    if (st && (!ctx.err[0] || !memchr(ctx.err, 0, sizeof ctx.err)))
        abort(); /* the contract: a refused file says why */
    return 0;
}
