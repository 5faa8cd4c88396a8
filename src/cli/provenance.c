/* provenance.c - a model's provenance in the CLI (issue 27, item 5):
 * recorded by train, distill and import; checked by eval, attack,
 * predict, uncertainty and distill (its teacher) against the data they are
 * given; printed by info --model. */
#include "cli.h"
#include "edd/nn.h"

#include <stdio.h>
#include <string.h>

int cli_prov_make(const char *cmd, edd_ctx *ctx, const cli_data_opts *d, const char *made, const char *settings,
                  edd_provenance *p)
{
    memset(p, 0, sizeof *p);
    snprintf(p->made, sizeof p->made, "%s", made);
    snprintf(p->settings, sizeof p->settings, "%s", settings);
    if (!d)
        return 0;
    snprintf(p->dataset, sizeof p->dataset, "%s", d->data);
    char buf[4096];
    const char *dir = d->data_dir ? d->data_dir : edd_data_default_dir(d->data, buf, sizeof buf);
    if (dir && edd_dataset_images_sha256(ctx, dir, p->data_sha256))
        return cli_fail(cmd, ctx);
    return 0;
}

int cli_prov_check(const char *cmd, edd_ctx *ctx, const cli_data_opts *d, const char *path, const edd_cnn *m)
{
    const edd_provenance *p = &m->prov;
    if (d->images || d->allow_other || !p->dataset[0])
        return 0;
    if (strcmp(p->dataset, d->data))
        return cli_usage(cmd, "--data %s: the model %s was trained on %s (edd info --model %s), expected --data %s; "
                         "--allow-other-data evaluates it on %s anyway", d->data, path, p->dataset, path, p->dataset,
                         d->data);
    if (!p->data_sha256[0])
        return 0;
    char buf[4096], hex[EDD_DATASET_FINGERPRINT_HEX];
    const char *dir = d->data_dir ? d->data_dir : edd_data_default_dir(d->data, buf, sizeof buf);
    if (!dir || edd_dataset_images_sha256(ctx, dir, hex))
        return cli_fail(cmd, ctx);
    if (strcmp(hex, p->data_sha256))
        return cli_usage(cmd, "%s: training images of SHA-256 %.12s..., expected %.12s... as the model %s was "
                         "trained on (another %s; edd info --model %s); --allow-other-data uses them anyway", dir, hex,
                         p->data_sha256, path, p->dataset, path);
    return 0;
}

const char *cli_prov_json(const edd_provenance *p, char *buf, size_t n)
{
    char jd[64], jh[160], jm[64], js[CLI_JSON_MAX];
    if (!p->dataset[0] && !p->data_sha256[0] && !p->made[0] && !p->settings[0]) {
        snprintf(buf, n, "{\"dataset\":\"unknown\",\"made\":\"unknown\"}");
        return buf;
    }
    snprintf(buf, n, "{\"dataset\":%s,\"data_sha256\":%s,\"made\":%s,\"settings\":%s}",
             cli_json(jd, sizeof jd, p->dataset[0] ? p->dataset : "unknown"), cli_json(jh, sizeof jh, p->data_sha256),
             cli_json(jm, sizeof jm, p->made[0] ? p->made : "unknown"), cli_json(js, sizeof js, p->settings));
    return buf;
}
