/* out.c - the results folder: paths in it, and the outputs a stage
 * registers for its manifest. */
#include "edd/io.h"
#include "repro.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

uint64_t repro_seed(const repro *r, uint64_t base)
{
    return base + 100u * (uint64_t)(r->o->seed > 1 ? r->o->seed - 1 : 0);
}

int repro_on_mnist(const repro *r) { return !r->o->data_name || !strcmp(r->o->data_name, "mnist"); }

const char *repro_data_title(const repro *r) { return repro_on_mnist(r) ? "MNIST" : "Fashion-MNIST"; }

int repro_have(const repro *r, const char *rel)
{
    char path[EDD_PATH_MAX];
    return !repro_path(r, rel, path) && !access(path, R_OK);
}

edd_status repro_path(const repro *r, const char *rel, char *path)
{
    return edd_path_join(r->ctx, path, EDD_PATH_MAX, r->o->out_dir, rel);
}

edd_status repro_output(repro *r, const char *rel)
{
    if (r->nout >= REPRO_MAX_OUTPUTS || strlen(rel) >= sizeof r->out[0])
        return edd_fail(r->ctx, EDD_ERR_ARG, "stage output '%s': more than %d outputs or path too long", rel,
                        REPRO_MAX_OUTPUTS);
    snprintf(r->out[r->nout++], sizeof r->out[0], "%s", rel);
    return EDD_OK;
}

edd_status repro_write_text(repro *r, const char *rel, const edd_buf *t)
{
    char path[EDD_PATH_MAX];
    const void *chunks[1] = {t->s};
    size_t sizes[1] = {t->len};
    edd_status st = edd_buf_status(r->ctx, t, rel);
    if (!st)
        st = repro_path(r, rel, path);
    if (!st)
        st = edd_file_write_atomic(r->ctx, path, chunks, sizes, 1);
    return st ? st : repro_output(r, rel);
}
