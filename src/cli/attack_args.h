/* attack_args.h - the options of `edd attack` as parsed (src/cli only).
 *
 * Owns: attack_args, the attack names, parsing argv into them.
 * May call: cli.h, the attacks' headers (their defaults). */
#ifndef EDD_CLI_ATTACK_ARGS_H
#define EDD_CLI_ATTACK_ARGS_H

#include "cli.h"
#include "edd/attacks.h"
#include "edd/cw.h"
#include "edd/suite.h"

enum { A_FGM, A_JSMA, A_CW, A_PGD, A_APGD, A_APGD_T, A_SQUARE, A_FMN, A_SUITE, A_COUNT };
extern const char *const attack_names[A_COUNT];
extern const char *const attack_losses[3], *const apgd_losses[2], *const cw_goals[2], *const jsma_jacobians[3];

typedef struct {
    int attack;
    const char *model, *source, *adv_out;
    long limit;
    uint64_t seed;
    long batch;
    edd_fgm_opts fgm;
    edd_pgd_opts pgd;
    edd_jsma_opts jsma;
    edd_cw_opts cw;
    edd_apgd_opts apgd;
    edd_square_opts square;
    edd_fmn_opts fmn;
    edd_suite_opts suite;
    const char *loss;   /* --loss as given, resolved once the attack is known */
    int lr_set;         /* --learning-rate given */
    uint64_t given;     /* bit c: option c (attack_args.c's O_*) was given */
} attack_args;

/* Fill a with every attack's defaults. */
void attack_args_init(attack_args *a);

/* Parse argv into a and d; returns -1 to go on, or an exit status (0 for
 * --help, EXIT_USAGE after a message naming the option and its value, or
 * an option that does not apply to the attack chosen). */
int attack_args_parse(int argc, char **argv, attack_args *a, cli_data_opts *d);

#endif
