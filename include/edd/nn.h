/* edd/nn.h - the paper's CNN (docs/DESIGN.md section 2) on oneDNN primitives,
 * its loss (softmax cross-entropy on soft labels at a temperature T, plus
 * the Eq. 3 margin penalty) and its optimisers (Adam, AdaDelta).
 *
 * Owns: edd_cnn (all parameters in one allocation, carved into named
 * tensors in PyTorch order and layout; also as a handle, edd_cnn_open),
 * edd_plan (the oneDNN primitives and activations for one batch size,
 * built once and reused), edd_optim, edd_trainer (training's parameters,
 * gradients and optimiser state in the plans' layouts), the names of a
 * model's outputs (EDD_N_REAL real classes, edd_outlier_class)
 * and edd_argmax over a row of them.
 * May call: core (context, RNG), io (model file), simd (dropout), oneDNN.
 *
 * The network is the layer table EDD_CNN below (llm.c's config): the
 * parameter shapes, the plans' primitives, the FLOP counts and the export
 * names all derive from it. For a batch of B images, NCHW float32:
 *   x [B,1,28,28] --dropout p_input--> conv1 8x8/2 pad 3 + ReLU -> a1 [B,64,14,14]
 *   a1 -> conv2 6x6/2 + ReLU -> a2 [B,128,5,5]
 *   a2 -> conv3 5x5 (an inner product 3200->128, docs/DESIGN.md section 9) + ReLU -> h [B,128]
 *   h --dropout p_hidden--> fc 128->K -> z [B,K] (logits) */
#ifndef EDD_NN_H
#define EDD_NN_H

#include "edd/core.h"
#include "edd/io.h"

#define EDD_IMG_C 1
#define EDD_IMG_H 28
#define EDD_IMG_W 28
#define EDD_IMG_SIZE (EDD_IMG_C * EDD_IMG_H * EDD_IMG_W)
#define EDD_HIDDEN 128

/* Outputs that are real classes; a K = 11 model has the outlier at index 10. */
#define EDD_N_REAL 10

/* The outlier class of a model with k outputs: index EDD_N_REAL of a
 * K = EDD_N_REAL + 1 model (the distilled one), -1 (none) otherwise. */
static inline int edd_outlier_class(int k) { return k == EDD_N_REAL + 1 ? EDD_N_REAL : -1; }

/* Index of the largest of k values (the first one on ties). */
EDD_API int edd_argmax(const float *z, int k);

/* One layer of the CNN: a convolution over in_c x in_hw x in_hw (conv3's
 * 5x5 kernel covers its whole input: an inner product), or the fc layer
 * (out_c 0: K outputs, 1x1 "images"). Every layer but fc ends in a ReLU. */
typedef struct {
    const char *name;                   /* "conv1" */
    const char *weight_name, *bias_name; /* PyTorch's names of its tensors (edd export) */
    int in_c, in_hw;  /* input channels and side */
    int out_c, out_hw;/* output channels (0: K) and side */
    int kernel, stride, pad;
} edd_layer_shape;

enum { EDD_L_CONV1, EDD_L_CONV2, EDD_L_CONV3, EDD_L_FC, EDD_NLAYERS };

/* The paper's CNN (cleverhans v1's MNIST model; docs/DESIGN.md section 2). A
 * static table in each file that includes this header, so that its
 * numbers fold into constants. */
static const edd_layer_shape EDD_CNN[EDD_NLAYERS] = {
    /* name    weight          bias          in_c       in_hw      out_c       out_hw k  s  pad */
    {"conv1", "conv1.weight", "conv1.bias", EDD_IMG_C, EDD_IMG_H, 64, 14, 8, 2, 3},
    {"conv2", "conv2.weight", "conv2.bias", 64, 14, 128, 5, 6, 2, 0},
    {"conv3", "conv3.weight", "conv3.bias", 128, 5, EDD_HIDDEN, 1, 5, 1, 0},
    {"fc", "fc.weight", "fc.bias", EDD_HIDDEN, 1, 0, 1, 1, 1, 0},
};

/* Output channels of layer l for a CNN with k outputs. */
static inline int edd_layer_out_c(int l, int k) { return EDD_CNN[l].out_c ? EDD_CNN[l].out_c : k; }

/* Multiply-adds of layer l's forward pass per image, for k outputs. */
static inline double edd_layer_macs(int l, int k)
{
    const edd_layer_shape *L = &EDD_CNN[l];
    return (double)edd_layer_out_c(l, k) * L->out_hw * L->out_hw * L->in_c * L->kernel * L->kernel;
}

/* Multiply-adds of the whole forward pass per image, for k outputs. */
static inline double edd_cnn_fwd_macs(int k)
{
    double n = 0;
    for (int l = 0; l < EDD_NLAYERS; l++)
        n += edd_layer_macs(l, k);
    return n;
}

/* One tensor of the model: a name (PyTorch's), a shape and its floats. */
typedef struct {
    const char *name;
    int rank;
    int64_t ne[4]; /* PyTorch order: OIHW for conv weights, [out][in] for fc */
    float *data;
    size_t n;
} edd_tensor;

enum { EDD_CONV1_W, EDD_CONV1_B, EDD_CONV2_W, EDD_CONV2_B, EDD_CONV3_W, EDD_CONV3_B,
       EDD_FC_W, EDD_FC_B, EDD_NTENSORS };

typedef struct {
    int k;                 /* outputs: 10, or 11 with the outlier class at index 10 */
    float p_input, p_hidden;
    size_t nparams;        /* 710,218 at K=10 */
    float *params;         /* one allocation ... */
    edd_tensor t[EDD_NTENSORS]; /* ... carved into the named tensors */
    uint64_t version;      /* bumped whenever params change; plans refresh their copies */
    edd_provenance prov;   /* where it came from, saved with it; all "" (unknown) after edd_cnn_init */
} edd_cnn;

/* Number of parameters of the CNN with k outputs. */
EDD_API size_t edd_cnn_nparams(int k);

/* Allocate a CNN with k outputs (2..EDD_K_MAX) and dropout rates in [0,1), and
 * initialise it as Keras did for cleverhans v1 (Glorot-uniform weights, zero
 * biases) from the counter RNG under seed. */
EDD_API edd_status edd_cnn_init(edd_ctx *ctx, edd_cnn *m, int k, float p_input, float p_hidden, uint64_t seed);
EDD_API void edd_cnn_free(edd_cnn *m);

/* Carve a buffer of m->nparams floats into tensors shaped like m's
 * (used for gradients and optimiser moments). */
EDD_API void edd_cnn_carve(const edd_cnn *m, float *buf, edd_tensor t[EDD_NTENSORS]);

/* Save to / load from the model file (docs/FORMATS.md), atomically, with
 * m->prov (saved as version 2 when any of it is set); load checks the
 * parameter count against the architecture, and gives m->prov all ""
 * for a version 1 file. */
EDD_API edd_status edd_cnn_save(edd_ctx *ctx, const edd_cnn *m, const char *path);
EDD_API edd_status edd_cnn_load(edd_ctx *ctx, edd_cnn *m, const char *path);

/* A model as a handle, for callers that cannot lay out edd_cnn (the Python
 * binding over ctypes): *out receives a model allocated and loaded from
 * path as edd_cnn_load does, or NULL on an error (the message in ctx).
 * Release it with edd_cnn_close. */
EDD_API edd_status edd_cnn_open(edd_ctx *ctx, const char *path, edd_cnn **out);

/* Free a model of edd_cnn_open and its parameters; NULL is a no-op. */
EDD_API void edd_cnn_close(edd_cnn *m);

/* The outputs K of m (10, or 11 with the outlier class at index 10). */
EDD_API int edd_cnn_classes(const edd_cnn *m);

/* ---- execution plans ---- */
enum {
    EDD_PLAN_INFER = 0,        /* forward_inference only, no dropout */
    EDD_PLAN_TRAIN = 1,        /* forward_training, backward data (not conv1), backward weights */
    EDD_PLAN_INPUT_GRAD = 2    /* forward_training, backward data down to the input, no weights */
};

/* Dropout control for one forward pass: unit u of row i, the example with
 * dataset index idx[i], is kept according to
 * edd_rng_key(seed, 2*stream_i + layer, idx[i]) (layer 0 = input, 1 = hidden;
 * stream_i = streams[i], or stream when streams is NULL), so masks depend on
 * (seed, stream, example) only, never on the thread or the batch that
 * computes them. MC-dropout pass m is stream m (Eq. 1). */
typedef struct {
    int on;
    uint64_t seed, stream;
    const uint64_t *idx;     /* B dataset indices; NULL means 0..B-1 */
    const uint64_t *streams; /* B per-row streams (passes folded into a batch), or NULL */
} edd_dropout;

typedef struct edd_plan edd_plan;

/* Build every oneDNN primitive and buffer for batch size b and the given
 * kind. own_stream: give the plan its own stream (for use from an OpenMP
 * worker thread; primitives use user-managed scratchpads, so plans are
 * independent and each may be used by one thread at a time). */
EDD_API edd_status edd_plan_create(edd_ctx *ctx, const edd_cnn *m, int b, int kind, int own_stream, edd_plan **out);
EDD_API void edd_plan_free(edd_plan *p);
EDD_API int edd_plan_batch(const edd_plan *p);

/* Forward pass of p's batch: x is [b][784]; logits (b x K) are written to z
 * (and kept in the plan for backward). Dropout applies as dr says (dr may
 * be NULL: off); INFER plans apply it without keeping the masks, as the
 * MC-dropout passes need. */
EDD_API edd_status edd_plan_forward(edd_ctx *ctx, edd_plan *p, const edd_cnn *m, const float *x,
                                    const edd_dropout *dr, float *z);

/* Forward of src's batch of b images (x, b x 784, no dropout), then the
 * state backward needs copied into p as if p had run forward on the batch
 * whose row r is image r / rep: p's batch must be b * rep, both plans
 * INPUT_GRAD. One forward then serves one backward pass of rep rows per
 * image (a Jacobian of rep = K outputs, docs/DESIGN.md section 3) at the cost of
 * b images, not b * rep. z (b x K) receives src's logits. */
EDD_API edd_status edd_plan_forward_replicated(edd_ctx *ctx, edd_plan *p, edd_plan *src, const edd_cnn *m,
                                               const float *x, int rep, float *z);

/* One oneDNN primitive of a plan: what it computes, the implementation
 * oneDNN chose for this CPU ("jit:avx2", "brg:avx512_core", "gemm:jit";
 * "ref:any" is the slow reference kernel) and its operands' dims:layouts. */
typedef struct {
    char name[64];
    char impl[48];
    char shape[256];
} edd_plan_prim;

#define EDD_PLAN_MAX_PRIMS 32

/* Describe p's primitives into out (at most max of them); returns how many
 * p has. edd_plan_create reports the first reference kernel once per
 * context on stderr; `edd info` prints them all. */
EDD_API int edd_plan_prims(const edd_plan *p, edd_plan_prim *out, int max);

/* Backward pass after edd_plan_forward on the same plan, from dz = dL/dz
 * (b x K). TRAIN plans write the parameter gradients into grad (nparams
 * floats, layout of m->params, overwritten, not accumulated); INPUT_GRAD
 * plans write dL/dx (b x 784) into dx. The other pointer may be NULL. A
 * plan bound to a trainer refuses a grad of m's layout (edd_trainer_step
 * is its backward pass). */
EDD_API edd_status edd_plan_backward(edd_ctx *ctx, edd_plan *p, const edd_cnn *m, const float *dz,
                                     float *grad, float *dx);

/* ---- loss ---- */
typedef enum { EDD_PENALTY_NONE = 0, EDD_PENALTY_HINGE, EDD_PENALTY_LITERAL } edd_penalty;

/* The loss combinations: cross-entropy on softmax(z/T) at any T > 0 with
 * no penalty (temperature distillation, docs/DEFENSE.md), or at T = 1 with
 * or without the Eq. 3 penalty (extended distillation). The penalty with
 * T != 1 is refused by edd_train: Eq. 3 is stated at T = 1 and no method
 * combines them. */
typedef struct {
    size_t size;         /* sizeof the struct: set by edd_loss_opts_default */
    edd_penalty penalty; /* Eq. 3: see src/nn/loss.c for the two readings */
    float gamma, kappa;
    int outlier;         /* index of the outlier class, excluded from the max; -1 if none */
    float temperature;   /* T > 0 of softmax(z/T); 0 reads as 1 */
} edd_loss_opts;

/* Fill o (size bytes: call edd_loss_opts_default(o), which passes sizeof *o) with the defaults and set
 * o->size = size: no penalty (gamma and kappa 0), no outlier class (-1), T = 1. */
EDD_API void edd_loss_opts_init(edd_loss_opts *o, size_t size);
#define edd_loss_opts_default(o) edd_loss_opts_init((o), sizeof *(o))

/* p[0..k) = softmax(z[0..k)) in double, stable for logits in the hundreds
 * (the max is subtracted first). */
EDD_API void edd_softmax_f64(const float *z, int k, double *p);

/* The same softmax without a buffer: *zmax gets the largest of z[0..k) and
 * the return is s = sum_j exp(z_j - zmax) in double, so that
 * exp((double)z[c] - zmax) / s is edd_softmax_f64's p[c], bit for bit. */
EDD_API double edd_softmax_sum_f64(const float *z, int k, float *zmax);

/* Mean over b examples of the softmax cross-entropy of softmax(z/T) (z the
 * b x k logits, T = opts->temperature, 1 when opts is NULL) against target
 * distributions t (b x k), plus the Eq. 3 penalty on the raw logits where
 * opts asks for it (label[i] = the true class). Writes dL/dz into dz if
 * not NULL: (softmax(z/T) - t) / T per example, over b. At T = 1 the bits
 * are those of the untempered loss. Stable for logits in the hundreds
 * times T (log-sum-exp). The caller checks T > 0 and opts' size (edd_train
 * does both; this kernel has no context to report to). */
EDD_API double edd_loss_xent(const float *z, const float *t, const uint8_t *label, int b, int k,
                             const edd_loss_opts *opts, float *dz);

/* ---- optimisers ---- */
typedef enum { EDD_OPT_ADAM = 0, EDD_OPT_ADADELTA } edd_opt_kind;

typedef struct {
    size_t size;                 /* sizeof the struct: set by edd_optim_default */
    edd_opt_kind kind;
    float lr, beta1, beta2, eps; /* Adam: 1e-3, 0.9, 0.999, 1e-8 */
    float rho;                   /* AdaDelta: lr 0.1 (cleverhans v1: 0.1, rho 0.95, eps 1e-8) */
    size_t n;
    long t;                      /* steps taken */
    float *m, *v;                /* Adam moments, or AdaDelta E[g^2], E[dx^2] */
} edd_optim;

/* Fill o (size bytes: call edd_optim_default(o, kind), which passes sizeof *o) with the defaults for kind
 * and set o->size = size: Adam lr 1e-3, beta1 0.9, beta2 0.999, eps 1e-8; AdaDelta lr 0.1, rho 0.95, eps
 * 1e-8; no state (n 0, t 0, no moments). */
EDD_API void edd_optim_init(edd_optim *o, size_t size, edd_opt_kind kind);
#define edd_optim_default(o, kind) edd_optim_init((o), sizeof *(o), (kind))

/* Check o (its size, edd_optim_default) and allocate its state for n
 * parameters, zeroed, at step 0; EDD_ERR_NOMEM when it does not fit. */
EDD_API edd_status edd_optim_alloc(edd_ctx *ctx, edd_optim *o, size_t n);

/* Free the state of edd_optim_alloc (o's hyper-parameters stay). */
EDD_API void edd_optim_free(edd_optim *o);

/* One step: params -= update(grad). */
EDD_API void edd_optim_step(edd_optim *o, float *params, const float *grad);

/* ---- trainer: training in the primitives' layouts (src/nn/trainer.c) ----
 *
 * A trainer keeps m's parameters, their gradients and the optimiser's
 * state in the layouts the TRAIN plans compute in: each layer's weights in
 * the layout of the first plan's forward primitive (oneDNN's blocked one,
 * padding included), biases plain. A step then reorders no weight for the
 * forward pass and no weight gradient: only a backward-data primitive that
 * wants another layout gets its copy (conv2's, whose one shared layout
 * would fall to a reference kernel: docs/PERFORMANCE.md). The optimiser
 * works element by element, so the parameters are the bits of a step on
 * m's plain arrays (tests/test_trainer.c). m's parameters are brought up to
 * date only by edd_trainer_sync. */
typedef struct edd_trainer edd_trainer;

/* A trainer of m with opt's hyper-parameters (edd_optim_default; its state
 * is the trainer's own); the store is made at the first forward, from m's
 * parameters then. m must outlive it. */
EDD_API edd_status edd_trainer_create(edd_ctx *ctx, edd_cnn *m, const edd_optim *opt, edd_trainer **out);

/* edd_plan_forward on TRAIN plan p with the trainer's parameters; binds p
 * to t for good (a plan bound to another trainer is refused): from then on
 * p computes from t's store whatever model a call names. When binding
 * fails (out of memory), p is left unusable: free it. */
EDD_API edd_status edd_trainer_forward(edd_ctx *ctx, edd_trainer *t, edd_plan *p, const float *x,
                                       const edd_dropout *dr, float *z);

/* The backward pass of p's last edd_trainer_forward from dz (b x K), then
 * one optimiser step on the trainer's parameters. */
EDD_API edd_status edd_trainer_step(edd_ctx *ctx, edd_trainer *t, edd_plan *p, const float *dz);

/* m's parameters from the trainer's (plain layout), and m->version bumped,
 * when a step was taken since the last sync; else nothing. */
EDD_API edd_status edd_trainer_sync(edd_ctx *ctx, edd_trainer *t);

/* Free t and its store (NULL: nothing). The plans bound to it may be freed
 * before or after, but none may run after. */
EDD_API void edd_trainer_free(edd_trainer *t);

/* ==== plan cache (src/nn/plan_cache.c) ====
 *
 * "A plan for each batch size": every loop that meets several batch sizes
 * (training and evaluation, the MC-dropout passes, the CW ladder, the
 * gradient passes) gets its plans from an edd_plan_cache. One policy: the
 * cache holds plans of one kind, keyed by batch size, each built on its
 * first get and kept; when a new plan would make it hold more than
 * EDD_PLAN_CACHE_MAX plans, or more than max_rows rows summed over their
 * batch sizes, the least recently used plans go first, never the one handed
 * out by the get just before (so two plans can be used together, as the
 * Jacobian's forward and replicated plans are). The caller picks the batch
 * sizes; the cache never changes them, so which images go through which
 * batch size (and so oneDNN's blocking) is the caller's choice alone.
 *
 * Threads: a cache and the plans it hands out belong to one thread at a
 * time. An OpenMP region whose workers run plans gives each thread its own
 * cache, made with own_stream = 1, and gets every plan the thread will need
 * before the region (building reports to ctx); inside it, a thread calls
 * get only on its own cache, for batch sizes it already holds. */

#define EDD_PLAN_CACHE_MAX 32

typedef struct {
    int kind, own_stream; /* of every plan: EDD_PLAN_INFER, _TRAIN or _INPUT_GRAD */
    long max_rows;        /* row budget; <= 0: none */
    unsigned long tick;   /* gets so far: the clock of the LRU order */
    int built;            /* plans built so far, evicted ones included */
    struct {
        int b;
        edd_plan *p;
        unsigned long used; /* tick of the last get */
    } slot[EDD_PLAN_CACHE_MAX];
} edd_plan_cache;

/* An empty cache for plans of the given kind and stream (as
 * edd_plan_create takes them) and a budget of max_rows rows (<= 0: only
 * the EDD_PLAN_CACHE_MAX bound). Builds nothing; cannot fail. */
EDD_API void edd_plan_cache_init(edd_plan_cache *c, int kind, int own_stream, long max_rows);

/* The cache's plan for batch size b of model m, built now if the
 * cache has none, after evicting as the policy above says. The plan stays
 * valid until it is evicted or the cache is released. */
EDD_API edd_status edd_plan_cache_get(edd_ctx *ctx, edd_plan_cache *c, const edd_cnn *m, int b, edd_plan **out);

/* Plans built so far (for tests and benchmarks). */
EDD_API int edd_plan_cache_built(const edd_plan_cache *c);

/* Free every plan; the cache is empty again (and may be used again). */
EDD_API void edd_plan_cache_release(edd_plan_cache *c);

#endif
