/* edd.h - the whole public API of edd: include this one header.
 *
 *   edd_ctx ctx; edd_cnn m; edd_dataset te;
 *   edd_ctx_init(&ctx, 0);                                  // every call returns EDD_OK or
 *   edd_cnn_load(&ctx, &m, "distilled.edd");                // an error, with ctx.err saying why
 *   edd_dataset_load(&ctx, "data/mnist", 0, 100, &te);      // the first 100 test images
 *   edd_fgm_opts o;
 *   edd_fgm_opts_default(&o);                               // eps 0.3, L-inf, the paper's loss
 *   float *adv = malloc(te.n * EDD_IMG_SIZE * sizeof(float));
 *   int *pc = malloc(te.n * sizeof(int)), *pa = malloc(te.n * sizeof(int));
 *   edd_fgm(&ctx, &m, te.x, te.y, te.n, &o, adv);
 *   edd_predict(&ctx, &m, te.x, te.n, 128, pc);             // clean and adversarial predictions
 *   edd_predict(&ctx, &m, adv, te.n, 128, pa);
 *   edd_attack_scores r;                                    // the paper's rates
 *   edd_scores_compute(te.n, m.k, te.y, pc, pa, te.x, adv, NULL, &r);
 *   printf("misclassified %.3f detected %.3f\n", r.misclassified, r.detected);
 *   edd_cnn_free(&m); edd_dataset_free(&te); edd_ctx_free(&ctx);
 *
 * Every options struct (edd_fgm_opts, edd_train_opts, ...) starts with its
 * size: build it with its edd_X_default(&o) macro, then set the fields you
 * change; a function given one of another size (0: never built) refuses it
 * with EDD_ERR_ARG (docs/DESIGN.md, "Options that keep the ABI").
 *
 * Each module's header says what it owns and what it may call;
 * docs/ARCHITECTURE.md draws the layers. Link with -ledd -ldnnl -lz -lm
 * -fopenmp (or `pkg-config --cflags --libs edd`). */
#ifndef EDD_H
#define EDD_H

#include "edd/core.h"
#include "edd/progress.h"
#include "edd/io.h"
#include "edd/buf.h"
#include "edd/sha256.h"
#include "edd/data.h"
#include "edd/nn.h"
#include "edd/profile.h"
#include "edd/train.h"
#include "edd/defense.h"
#include "edd/attacks.h"
#include "edd/cw.h"
#include "edd/advtrain.h"
#include "edd/eval.h"
#include "edd/attack_config.h"

#endif
