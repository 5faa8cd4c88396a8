/* sigma.c - the MC-dropout uncertainty of a batch (Eq. 1 of the paper).
 *
 * Loads a model file, runs N stochastic passes (dropout on) over the first B
 * MNIST training images and computes, for each image,
 *   sigma = (1/N) sum_m ||z^m - zbar||^2
 * the spread of its logits across the passes: the quantity the defense turns
 * into soft labels. Prints the batch's mean sigma and its five most
 * uncertain images.
 *
 * Build: cc -o sigma sigma.c $(pkg-config --cflags --libs edd)
 * Run:   EDD_DATA_DIR=data ./sigma model.edd [B (256)] [N (20)] */
#include <edd.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s MODEL.edd [B (256)] [N (20)]\n", argv[0]);
        return 2;
    }
    size_t b = argc > 2 ? strtoul(argv[2], NULL, 10) : 256;
    edd_mc_opts mc;
    edd_mc_opts_default(&mc);
    mc.quiet = 1;
    if (argc > 3)
        mc.passes = atoi(argv[3]);

    edd_ctx *ctx = NULL;
    edd_cnn model = {0};
    edd_dataset batch = {0};
    char dir[4096];
    float *sigma = NULL;
    int rc = 1;
    if (edd_ctx_open(&ctx, 0) || edd_cnn_load(ctx, &model, argv[1]) ||
        edd_dataset_load(ctx, edd_data_default_dir("mnist", dir, sizeof dir), 1, b, &batch))
        goto out;
    sigma = malloc(batch.n * sizeof *sigma);
    if (!sigma) {
        edd_fail(ctx, EDD_ERR_NOMEM, "cannot allocate %zu sigmas", batch.n);
        goto out;
    }
    if (edd_uncertainty(ctx, &model, &batch, &mc, sigma, NULL))
        goto out;
    double sum = 0;
    for (size_t i = 0; i < batch.n; i++)
        sum += sigma[i];
    printf("%zu images, %d passes: mean sigma %.4g\n", batch.n, mc.passes, sum / (double)batch.n);
    for (int top = 0; top < 5 && (size_t)top < batch.n; top++) {
        size_t best = 0;
        for (size_t i = 1; i < batch.n; i++)
            if (sigma[i] > sigma[best])
                best = i;
        printf("  image %zu (label %d): sigma %.4g\n", best, batch.y[best], (double)sigma[best]);
        sigma[best] = -1.0f;
    }
    rc = 0;
out:
    if (rc)
        fprintf(stderr, "sigma: %s\n", edd_ctx_error(ctx));
    free(sigma);
    edd_dataset_free(&batch);
    edd_cnn_free(&model);
    edd_ctx_close(ctx);
    return rc;
}
