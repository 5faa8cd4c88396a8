/* edd/defense.h - the paper's defense, Section 3: MC-dropout uncertainty
 * (Eq. 1), soft labels with an outlier class (Eq. 2), and the distilled
 * model trained on them with the margin penalty (Eq. 3, in nn's loss); and
 * the defense it extends, defensive distillation at a temperature T
 * (Papernot et al. 2016, the paper's reference [6]; docs/DEFENSE.md).
 *
 * Owns: the MC-dropout pass scheduler (both threading shapes of docs/DESIGN.md
 * section 4), the label construction, the distillation recipes.
 * May call: core, data, nn, train, simd, progress. */
#ifndef EDD_DEFENSE_H
#define EDD_DEFENSE_H

#include "edd/train.h"

/* How the N stochastic passes are spread over the cores (docs/DESIGN.md section 4):
 * FOLDED  - the passes of a chunk of examples are folded into the batch
 *           dimension of one oneDNN call, which threads it itself;
 * THREADS - an outer OpenMP parallel region, one pass per thread at a time,
 *           each thread with its own primitives, stream and scratchpad. */
typedef enum { EDD_MC_FOLDED = 0, EDD_MC_THREADS } edd_mc_shape;

typedef struct {
    size_t size;        /* sizeof the struct: set by edd_mc_opts_default */
    int passes;         /* N, default 20 */
    uint64_t seed;      /* dropout masks of pass m are stream m under this seed */
    edd_mc_shape shape; /* default: the faster one measured by bench/mc */
    int rows;           /* rows per oneDNN call (FOLDED: chunk*N, best 320; THREADS: batch, default 128); a
                         * chunk beyond the data is cut to it: buffers are sized by ds->n, not by rows */
    size_t first;       /* dataset index of ds's first example (default 0): its dropout masks are those of
                         * example first + i of the whole set, so that a part of the set draws the masks the
                         * whole call draws for it; a multiple of edd_mc_chunk(o) */
    int quiet;
} edd_mc_opts;

/* Fill o (size bytes: call edd_mc_opts_default(o), which passes sizeof *o) with the defaults and set o->size =
 * size: N=20, seed 1, THREADS with batch 128 (the faster shape in bench/mc), first 0. */
EDD_API void edd_mc_opts_init(edd_mc_opts *o, size_t size);
#define edd_mc_opts_default(o) edd_mc_opts_init((o), sizeof *(o))

/* The examples per chunk that edd_uncertainty processes at a time: one
 * oneDNN call of each pass (THREADS: o->rows) or one call of all N passes
 * (FOLDED: o->rows / N, at least 1). */
EDD_API size_t edd_mc_chunk(const edd_mc_opts *o);

/* Eq. 1: sigma[i] = (1/N) sum_m ||z^m(x_i) - zbar(x_i)||^2 over N passes of
 * m with dropout on. Writes sigma (ds->n floats) and, if logits is not
 * NULL, every pass's logits as [N][n][K]. The result does not depend on
 * the shape or the thread count (up to reduction order inside oneDNN).
 *
 * Parts (docs/DESIGN.md section 5): over the examples [a, b) of a set of n,
 * given as ds (a view of b - a examples) with o->first = a, the result is
 * that of the whole call's rows a..b-1 bit for bit at the same options and
 * thread count, when a and b are multiples of edd_mc_chunk(o) (b may be n):
 * then every oneDNN call of the part has the size and the rows of one of
 * the whole call's. A first that is not such a multiple is refused
 * (EDD_ERR_ARG); the caller keeps b on a chunk boundary. */
EDD_API edd_status edd_uncertainty(edd_ctx *ctx, const edd_cnn *m, const edd_dataset *ds, const edd_mc_opts *o,
                                   float *sigma, float *logits);

/* Eq. 1 from logits already computed: z holds npass x nex x k floats,
 * pass-major ([npass][nex][k], as edd_uncertainty's logits), and sigma[e]
 * (nex floats, not overlapping z) is the variance over the first npass
 * passes of example e's logits, summed over the k outputs, on ctx->simd's
 * routine. npass == 0 gives sigma = 0. No allocation, cannot fail. */
EDD_API void edd_logit_variance(const edd_ctx *ctx, const float *z, size_t npass, size_t nex, size_t k,
                                float *sigma);

/* Eq. 2: labels[i] (n_real+1 floats) puts 1 - alpha*s on the true class and
 * alpha*s on the outlier class n_real, with s = sigma[i] / max_j sigma[j]
 * (s = 0 everywhere when every sigma is 0). alpha in [0, 1/s] so that no
 * entry is negative; the caller checks alpha >= 0. */
EDD_API void edd_soft_labels(const float *sigma, const uint8_t *y, size_t n, int n_real, float alpha, float *labels);

/* Temperature distillation's labels from the teacher's logits (n x k,
 * dropout off): labels[i] = softmax(logits[i] / T), in double, or with hard
 * set the one-hot of argmax_j logits[i][j] (the first on ties), which is
 * the argmax of softmax(z/T) at every T > 0. logits and labels may be the
 * same array. The caller checks T > 0. */
EDD_API void edd_soft_labels_temperature(const float *logits, size_t n, int k, float T, int hard, float *labels);

/* Which defense edd_distill trains (docs/DEFENSE.md):
 * EXTENDED    - the paper's, Section 3: Eq. 1 to 3, K = the teacher's K + 1;
 * TEMPERATURE - defensive distillation as first published (the paper's
 *               reference [6]): the teacher's softmax(z/T) as labels, the
 *               distilled model (K = the teacher's K) trained at T and
 *               deployed at T = 1, i.e. its plain logits. */
typedef enum { EDD_DISTILL_EXTENDED = 0, EDD_DISTILL_TEMPERATURE } edd_distill_method;

typedef struct {
    size_t size;               /* sizeof the struct: set by edd_distill_opts_default */
    edd_distill_method method; /* default EXTENDED */
    edd_mc_opts mc;       /* EXTENDED: N passes of the teacher */
    float alpha;          /* EXTENDED: Eq. 2, default 0.9 */
    float temperature;    /* TEMPERATURE: T > 0, default 100 (the 2016 paper's MNIST setting) */
    int hard_labels;      /* TEMPERATURE: the teacher's argmax as one-hot labels instead of softmax(z/T) */
    edd_train_opts train; /* 10 epochs, Adam. EXTENDED: loss = hinge penalty gamma 5e-4, kappa 40 (Eq. 3);
                           * TEMPERATURE: train.loss is replaced by cross-entropy at T, no penalty */
} edd_distill_opts;

/* Fill o (size bytes: call edd_distill_opts_default(o), which passes sizeof *o) with the defaults and set
 * o->size = size: the paper's settings, EXTENDED, N=20, alpha 0.9, gamma 5e-4, kappa 40, T=1, 10 epochs; for
 * TEMPERATURE, T = 100 and soft labels. mc and train are built by their own inits (their sizes set). */
EDD_API void edd_distill_opts_init(edd_distill_opts *o, size_t size);
#define edd_distill_opts_default(o) edd_distill_opts_init((o), sizeof *(o))

/* Train the distilled model out on ds relabelled by the teacher, as
 * o->method says. EXTENDED: K = teacher's K + 1 (outlier last), labels by
 * Eq. 2 from the teacher's uncertainty; sigma and labels, if not NULL,
 * receive the n uncertainties and the n x K labels. TEMPERATURE: K = the
 * teacher's K, labels by edd_soft_labels_temperature from the teacher's
 * logits (edd_evaluate, batch o->train.batch), the model initialised with
 * the teacher's dropout rates and trained at T; labels, if not NULL,
 * receives them (n x K), sigma is not written (may be NULL). Either way
 * o->train goes to edd_train as it is, its per-batch hook included (the
 * adversarial training of edd/advtrain.h: each batch's images replaced,
 * its labels kept). */
EDD_API edd_status edd_distill(edd_ctx *ctx, const edd_cnn *teacher, const edd_dataset *ds, const edd_distill_opts *o,
                               edd_cnn *out, float *sigma, float *labels, edd_train_stats *stats);

#endif
