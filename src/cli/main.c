/* main.c - `edd`: dispatch to the subcommands. */
#include "cli.h"

#include <oneapi/dnnl/dnnl.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    int (*run)(int, char **);
    const char *what;
} commands[] = {
    {"train", cmd_train, "train the CNN (undefended, or the teacher)"},
    {"eval", cmd_eval, "accuracy and false positives of a model, as JSON"},
    {"predict", cmd_predict, "write a model's test logits as .npy"},
    {"export", cmd_export, "write every parameter as .npy in PyTorch layout"},
    {"import", cmd_import, "a model from .npy tensors in PyTorch layout (edd export's, or PyTorch's)"},
    {"uncertainty", cmd_uncertainty, "MC-dropout uncertainty sigma of the training set (Eq. 1)"},
    {"distill", cmd_distill, "train the distilled model with the outlier class (Eqs. 1-3)"},
    {"attack", cmd_attack, "FGM, PGD, JSMA, CW-L2, APGD, Square, FMN or the standard suite, scored by the paper's rates"},
    {"reproduce", cmd_reproduce, "every experiment of the paper: tables, figures, report"},
    {"fetch-data", cmd_fetch_data, "fetch MNIST and Fashion-MNIST (as make data) where every command finds them"},
    {"info", cmd_info, "versions, ISA, threads and every oneDNN primitive edd runs, as JSON"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: edd COMMAND [OPTIONS]   (edd COMMAND --help for its options)\n\n"
               "Extending Defensive Distillation (Papernot & McDaniel, 2017) on the CPU.\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].what);
    fprintf(f, "\n  --version    print the version\n  --help       this text\n");
}

int main(int argc, char **argv)
{
    /* past `ulimit -f` a write fails with EFBIG, and the writer's message
     * names the file, instead of the signal killing edd without a word */
    signal(SIGXFSZ, SIG_IGN);
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("edd %s (oneDNN %d.%d.%d)\n", EDD_VERSION, dnnl_version()->major, dnnl_version()->minor,
               dnnl_version()->patch);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    const char *names[sizeof commands / sizeof commands[0]];
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        names[i] = commands[i].name;
    const char *near = cli_suggest(argv[1], names, sizeof names / sizeof names[0]);
    if (near)
        fprintf(stderr, "edd: unknown command '%s'; did you mean '%s'?\n", argv[1], near);
    else
        fprintf(stderr, "edd: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return EXIT_USAGE;
}
