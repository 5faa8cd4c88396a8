/* attack_args.h - the options of `edd attack` as parsed (src/cli only).
 *
 * Owns: attack_args, parsing argv into them.
 * May call: cli.h, edd/attack_config.h (the options' one table). */
#ifndef EDD_CLI_ATTACK_ARGS_H
#define EDD_CLI_ATTACK_ARGS_H

#include "cli.h"
#include "edd/attack_config.h"

typedef struct {
    edd_attack_config cfg; /* the attack and its options (edd/attack_config.h) */
    const char *model, *source, *adv_out;
    long limit;
} attack_args;

/* Fill a with every attack's defaults. */
void attack_args_init(attack_args *a);

/* Parse argv into a and d; returns -1 to go on, or an exit status (0 for
 * --help, EXIT_USAGE after a message naming the option and its value, or
 * an option that does not apply to the attack chosen). */
int attack_args_parse(int argc, char **argv, attack_args *a, cli_data_opts *d);

#endif
