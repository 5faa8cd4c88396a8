/* profile.h - where a step's time goes, primitive by primitive (issue 28):
 * each oneDNN primitive's calls, wall time and work per call while a
 * plan's profiling is on (src/nn/plan_prof.c); each plan kind profiled
 * over a few real steps at the batch sizes the stages use, and the
 * same-run dnnl_sgemm peak to compare them with (src/nn/profile.c).
 * `edd info --profile` prints them as JSON, bench/profile as a table. */
#ifndef EDD_PROFILE_H
#define EDD_PROFILE_H

#include "edd/nn.h"

/* One primitive of a profiled plan: what it is, its work per call and what
 * its executions took. */
typedef struct {
    edd_plan_prim prim; /* name, implementation, shape (edd_plan_prims) */
    int reorder;        /* 1 for a reorder: bytes, no FLOPs */
    double flops;       /* per call; 0 for a reorder */
    double bytes;       /* a reorder's bytes per call, read plus written; 0 otherwise */
    long calls;         /* executions while profiling was on */
    double seconds;     /* their wall time, summed */
} edd_prim_prof;

/* Turn p's profiling on (its counters zeroed) or off (they are kept).
 * While on, every primitive execution of p is timed (wall clock around
 * dnnl_primitive_execute: the CPU engine runs synchronously); off (the
 * default), an execution costs one test more. Either way the passes
 * compute the same bits. */
EDD_API void edd_plan_profile(edd_plan *p, int on);

/* p's primitives in edd_plan_prims's order, at most max of them into out,
 * with their counters and their work per call from each primitive's
 * descriptor: a convolution (forward, backward data or backward weights)
 * 2*N*OC*OH*OW*IC*KH*KW FLOPs, an inner product 2*N*OC*prod(src dims
 * after N), a matmul 2*M*N*K, a reorder the bytes of its source plus its
 * destination. Returns how many primitives p has. */
EDD_API int edd_plan_profile_rows(const edd_plan *p, edd_prim_prof *out, int max);

/* A plan kind at the batch size a stage runs it at (edd_profile_specs). */
typedef struct {
    const char *name;  /* "train", "inference", "mc", "input_grad", "jacobian" */
    const char *stage; /* the stages that run it */
    int kind;          /* EDD_PLAN_INFER, _TRAIN or _INPUT_GRAD */
    int images;        /* images a step takes */
    int rep;           /* rows per image: 1, or K for a Jacobian */
    int dropout;       /* the step's forward pass applies dropout */
} edd_profile_spec;

/* The plan kinds the stages run, for a model of k outputs, at most max of
 * them into out; returns how many there are (5): train 128 (training,
 * distillation, adversarial training), inference 128 (evaluation), mc 320
 * (the MC-dropout passes' folded rows), input_grad 100 (CW, PGD, FGM) and
 * jacobian (JSMA: pow2_floor(256 / k) images of k rows each, the
 * gradder's default 256 rows). */
EDD_API int edd_profile_specs(int k, edd_profile_spec *out, int max);

#define EDD_PROFILE_MAX_ROWS (2 * EDD_PLAN_MAX_PRIMS)

/* A profile of one plan kind over `steps` steps. A step is what the stage
 * runs per batch: train a forward pass with dropout, the loss, the
 * backward pass and an Adam step; inference a forward pass (with dropout
 * for mc); input_grad a forward pass and the backward pass to the input;
 * jacobian a forward pass of the images, replicated k times, and one
 * backward pass of the k rows per image. */
typedef struct {
    edd_profile_spec spec;
    int k, batch, steps;   /* batch: the plan's rows, images x rep */
    double step_seconds;   /* wall time of a step */
    double onednn_seconds; /* of a step, in oneDNN primitives (rows summed) */
    double reorder_seconds;/* of a step, in reorders (part of onednn_seconds) */
    int nrows;             /* the primitives a step executed, in order */
    edd_prim_prof rows[EDD_PROFILE_MAX_ROWS]; /* calls and seconds over all steps */
} edd_profile;

/* Profile s for a k-output CNN with random initial weights on random
 * images (a step's time does not depend on the values): two steps to warm
 * up, then `steps` (1..1000) steps with profiling on. out->rows lists the
 * primitives that ran (a Jacobian's forward plan first, its names
 * prefixed "forward plan: "). The time outside oneDNN (edd's own loops:
 * loss, dropout, ReLU masks, optimiser, gathers) is step_seconds -
 * onednn_seconds. EDD_ERR_ARG for steps or s out of range. */
EDD_API edd_status edd_profile_run(edd_ctx *ctx, const edd_profile_spec *s, int k, int steps, edd_profile *out);

/* GFLOP/s of dnnl_sgemm on an n x n x n product (n in 64..8192), the best
 * of reps (1..32) after one warm-up call (a peak: a transient load on a
 * shared machine only slows some of them down), with the threads oneDNN
 * uses outside a parallel region; 0 when the buffers do not fit. */
EDD_API double edd_sgemm_peak(int n, int reps);

#endif
