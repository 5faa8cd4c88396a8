/* fgm_attack.c - attack a saved model with FGM and keep the adversarial images.
 *
 * Loads a model file written by `edd train` or `edd distill`, perturbs the
 * first N MNIST test images with the fast gradient method (L-infinity, eps),
 * writes them as float32 [N,1,28,28] to a .npy file that numpy.load opens,
 * and prints the model's accuracy before and after.
 *
 * Build: cc -o fgm_attack fgm_attack.c $(pkg-config --cflags --libs edd)
 * Run:   EDD_DATA_DIR=data ./fgm_attack model.edd adv.npy [N] [EPS] */
#include <edd.h>
#include <stdio.h>
#include <stdlib.h>

static double accuracy(edd_ctx *ctx, const edd_cnn *m, const float *x, const uint8_t *y, size_t n, int *pred)
{
    size_t right = 0;
    if (edd_predict(ctx, m, x, n, 256, pred))
        return -1.0;
    for (size_t i = 0; i < n; i++)
        right += pred[i] == y[i];
    return (double)right / (double)n;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s MODEL.edd OUT.npy [N (100)] [EPS (0.3)]\n", argv[0]);
        return 2;
    }
    size_t n = argc > 3 ? strtoul(argv[3], NULL, 10) : 100;
    edd_fgm_opts fgm;
    edd_fgm_opts_default(&fgm);
    if (argc > 4)
        fgm.eps = strtof(argv[4], NULL);

    edd_ctx *ctx = NULL;
    edd_cnn model = {0};
    edd_dataset test = {0};
    char dir[4096];
    float *adv = NULL;
    int *pred = NULL;
    int rc = 1;
    if (edd_ctx_open(&ctx, 0) || edd_cnn_load(ctx, &model, argv[1]) ||
        edd_dataset_load(ctx, edd_data_default_dir("mnist", dir, sizeof dir), 0, n, &test))
        goto out;
    n = test.n;
    adv = malloc(n * EDD_IMG_SIZE * sizeof *adv);
    pred = malloc(n * sizeof *pred);
    if (!adv || !pred) {
        edd_fail(ctx, EDD_ERR_NOMEM, "cannot allocate %zu adversarial images", n);
        goto out;
    }
    if (edd_fgm(ctx, &model, test.x, test.y, n, &fgm, adv))
        goto out;
    size_t shape[4] = {n, EDD_IMG_C, EDD_IMG_H, EDD_IMG_W};
    if (edd_npy_write(ctx, argv[2], EDD_NPY_F32, 4, shape, adv))
        goto out;
    double clean = accuracy(ctx, &model, test.x, test.y, n, pred);
    double attacked = accuracy(ctx, &model, adv, test.y, n, pred);
    if (clean < 0 || attacked < 0)
        goto out;
    printf("%zu images, eps %g: accuracy %.3f clean, %.3f under FGM; wrote %s\n", n, (double)fgm.eps, clean, attacked,
           argv[2]);
    rc = 0;
out:
    if (rc)
        fprintf(stderr, "fgm_attack: %s\n", edd_ctx_error(ctx));
    free(adv);
    free(pred);
    edd_dataset_free(&test);
    edd_cnn_free(&model);
    edd_ctx_close(ctx);
    return rc;
}
