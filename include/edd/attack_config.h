/* edd/attack_config.h - an attack and its options set by name, as text:
 * the one table of the attacks' option names, their ranges and which
 * attacks take them. `edd attack` parses its options through it
 * (src/cli/attack_args.c), and so does the Python binding (python/edd/),
 * so both accept and refuse the same values with the same messages.
 *
 * Owns: edd_attack_config, the option table (src/attacks/config.c), the
 * checks that need every option (which option applies to which attack,
 * --loss's names, eps against ord), the ranges shared with the other
 * subcommands (EDD_EPS_LINF_MAX, EDD_EPS_L2_MAX, EDD_LR_MIN, EDD_LR_MAX),
 * and running the configured attack and scoring it (src/eval/attack_run.c,
 * in eval, the layer above the attacks).
 * May call: core, attacks (FGM, PGD, JSMA, CW, APGD, Square, FMN, the
 * suite, their option inits: src/attacks/config.c); attack_run.c also eval
 * (edd_attack_eval) and progress (edd_now).
 *
 * Messages name options as the command line spells them ("--eps '3':
 * expected ..."), the spelling docs/CLI.md documents. */
#ifndef EDD_ATTACK_CONFIG_H
#define EDD_ATTACK_CONFIG_H

#include "edd/apgd.h"
#include "edd/attacks.h"
#include "edd/cw.h"
#include "edd/eval.h"
#include "edd/fmn.h"
#include "edd/square.h"
#include "edd/suite.h"

/* One range per option meaning, in every subcommand: a radius is an L-inf
 * one in (0, EDD_EPS_LINF_MAX] (images lie in [0, 1]: train's and
 * distill's --adv-eps, attack's --eps with --ord inf) or an L2 one in
 * (0, EDD_EPS_L2_MAX] (the diameter of [0, 1]^784); a step within such a
 * ball is in [0, the radius's maximum] (0: the default); a learning rate
 * is in [EDD_LR_MIN, EDD_LR_MAX]. */
#define EDD_EPS_LINF_MAX 1.0
#define EDD_EPS_L2_MAX 28.0
#define EDD_LR_MIN 1e-12
#define EDD_LR_MAX 1e3

typedef enum {
    EDD_ATTACK_FGM, EDD_ATTACK_JSMA, EDD_ATTACK_CW, EDD_ATTACK_PGD, EDD_ATTACK_APGD, EDD_ATTACK_APGD_T,
    EDD_ATTACK_SQUARE, EDD_ATTACK_FMN, EDD_ATTACK_SUITE, EDD_ATTACK_NKINDS
} edd_attack_kind;

/* The attacks' names, in edd_attack_kind order: "fgm", "jsma", "cw", "pgd",
 * "apgd", "apgd-t", "square", "fmn", "suite" (--suite standard). */
EDD_API extern const char *const edd_attack_names[EDD_ATTACK_NKINDS];
/* The names of edd_attack_loss (FGM, PGD), edd_apgd_loss, cw.untargeted
 * (0, 1) and edd_jsma_jacobian, in their order. */
EDD_API extern const char *const edd_attack_loss_names[3], *const edd_apgd_loss_names[2];
EDD_API extern const char *const edd_cw_goal_names[2], *const edd_jsma_jacobian_names[3];

/* Every option of every attack: C callers read the fields of the attack
 * chosen once edd_attack_config_check has passed. */
typedef struct {
    size_t size;          /* sizeof the struct: set by edd_attack_config_default */
    int kind;             /* edd_attack_kind; -1 until "attack" or "suite" is set */
    uint64_t seed;        /* targets, random starts and draws; 1 */
    long batch;           /* rows per oneDNN call, JSMA's and CW's images per batch; 0: each attack's own */
    edd_fgm_opts fgm;
    edd_pgd_opts pgd;
    edd_jsma_opts jsma;
    edd_cw_opts cw;
    edd_apgd_opts apgd;
    edd_square_opts square;
    edd_fmn_opts fmn;
    edd_suite_opts suite;
    char loss[16];        /* "loss" as given, resolved by edd_attack_config_check once the attack is known */
    int lr_set;           /* "learning-rate" given */
    uint64_t given;       /* bit r: row r of the option table was given */
} edd_attack_config;

/* Fill c (size bytes: call edd_attack_config_default(c), which passes sizeof *c) with every attack's
 * defaults (each edd_X_opts_default), no attack chosen, seed 1, batch 0, and set c->size = size. */
EDD_API void edd_attack_config_init(edd_attack_config *c, size_t size);
#define edd_attack_config_default(c) edd_attack_config_init((c), sizeof *(c))

/* A config on the heap, for callers that cannot lay it out (the Python
 * binding): defaults, then the attack named kind (as "attack" below; NULL:
 * none yet). *out is NULL on an error. Free it with edd_attack_config_free. */
EDD_API edd_status edd_attack_config_new(edd_ctx *ctx, const char *kind, edd_attack_config **out);
EDD_API void edd_attack_config_free(edd_attack_config *c);

/* Set option name (the command line's, without "--": "eps", "step-size",
 * "cw-goal", ...; "attack" takes an attack name, "suite" takes
 * "standard"; the flags "quiet", "no-rand-start", "early-stop" and
 * "no-abort-early" take no value: value NULL) to value, parsed and held to its range. EDD_ERR_ARG, with a
 * message naming the option, the value and what was expected, for an
 * unknown option (the message lists the known ones), a retired spelling
 * (the message names its replacement), a value outside its range or
 * names, a flag given a value, or --attack and --suite both given. */
EDD_API edd_status edd_attack_config_set(edd_ctx *ctx, edd_attack_config *c, const char *name, const char *value);

/* The name of option i of the table (the names edd_attack_config_set
 * takes), NULL past the last; *has_value is 0 for the flags, which take no
 * value ("quiet", "no-rand-start", ...). A parser builds its option list from
 * it (the CLI's getopt table). */
EDD_API const char *edd_attack_config_option(int i, int *has_value);

/* The retired spelling i ("rand-start", "abort-early"), NULL past the last: a parser
 * hands it to edd_attack_config_set, which refuses it naming the option
 * that replaced it, instead of calling it unknown. */
EDD_API const char *edd_attack_config_retired(int i);

/* At most this many options in the table and retired spellings together. */
#define EDD_ATTACK_CONFIG_MAX_OPTIONS 64

/* 1 when the option of table row `name` was given to c. */
EDD_API int edd_attack_config_given(const edd_attack_config *c, const char *name);

/* The checks that need every option, once all are set: an attack was
 * chosen, each given option applies to it (else EDD_ERR_ARG naming where
 * it applies), --loss names a loss of that attack, --margin-cap comes with
 * --loss margin, eps and step-size fit the norm; then what every attack
 * takes from the shared options (seed, batch, CW's Adam rate). Call it
 * once, before edd_attack_config_run. */
EDD_API edd_status edd_attack_config_check(edd_ctx *ctx, edd_attack_config *c);

/* 1 when c's attack aims at a target class (JSMA, targeted CW). */
EDD_API int edd_attack_config_targeted(const edd_attack_config *c);

/* What an attack leaves besides its images, per image (each array n
 * long, or NULL when the caller does not want it): the targets (drawn
 * from c->seed by edd_attack_targets; untargeted attacks do not use them),
 * JSMA's and CW's success on the source, JSMA's steps or Square's queries,
 * FMN's norms, the suite's verdict (edd_suite_run's by); the suite's time
 * per attack. */
typedef struct {
    uint8_t *target;
    uint8_t *ok;
    int *steps;
    float *norm;
    int8_t *by;
    double seconds[EDD_SUITE_NATTACKS];
} edd_attack_out;

/* Run c's attack (checked by edd_attack_config_check) on src for n images
 * x (n x 784) with labels y into adv (n x 784), then score adv on tgt as
 * `edd attack` does (edd_attack_eval with the attack's goal) into s,
 * s->seconds the attack's wall time. out may be NULL, and so may each of
 * its arrays. */
EDD_API edd_status edd_attack_config_run(edd_ctx *ctx, const edd_attack_config *c, const edd_cnn *src,
                                         const edd_cnn *tgt, const float *x, const uint8_t *y, size_t n, float *adv,
                                         edd_attack_scores *s, edd_attack_out *out);

#endif
