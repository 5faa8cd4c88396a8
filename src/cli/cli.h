/* cli.h - shared pieces of the `edd` subcommands (internal to src/cli).
 *
 * Owns: option parsing helpers, the exit-status convention (0 success,
 * 1 runtime error, 2 usage error), loading the dataset a subcommand names.
 * May call: everything in include/edd. Only the CLI prints errors and exits. */
#ifndef EDD_CLI_H
#define EDD_CLI_H

#include "edd/advtrain.h"
#include "edd/attack_config.h"
#include "edd/core.h"
#include "edd/data.h"
#include "edd/nn.h"

#include <getopt.h>

enum { EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

/* The options every data-reading subcommand takes. */
typedef struct {
    const char *data;     /* "mnist" or "fashion" */
    const char *data_dir; /* NULL: edd_data_default_dir(data) */
    int threads;          /* 0: OpenMP's default */
    const char *images;   /* --images X.npy in place of the data set, or NULL */
    const char *labels;   /* --labels Y.npy, or NULL */
    int allow_other;      /* --allow-other-data: no refusal of data the model was not trained on */
} cli_data_opts;

/* Long options shared by data-reading subcommands; their values start at
 * CLI_OPT_BASE so that subcommands can use small values for their own. */
enum { CLI_OPT_DATA = 1000, CLI_OPT_DATA_DIR, CLI_OPT_THREADS, CLI_OPT_HELP, CLI_OPT_IMAGES, CLI_OPT_LABELS,
       CLI_OPT_ALLOW_OTHER };
#define CLI_DATA_LONGOPTS                                                              \
    {"data", required_argument, 0, CLI_OPT_DATA},                                      \
    {"data-dir", required_argument, 0, CLI_OPT_DATA_DIR},                              \
    {"threads", required_argument, 0, CLI_OPT_THREADS},                                \
    {"help", no_argument, 0, CLI_OPT_HELP}
#define CLI_DATA_HELP                                                                  \
    "  --data mnist|fashion   dataset (default mnist)\n"                               \
    "  --data-dir DIR         folder of the four IDX files, plain or .gz\n"           \
    "                         (default: $EDD_DATA_DIR/NAME, else\n"                      \
    "                         $XDG_DATA_HOME/edd/NAME (~/.local/share/edd/NAME),\n"     \
    "                         else data/NAME)\n"                                        \
    "  --threads N            OpenMP threads (default: all cores)\n"                   \
    "  --help                 this text\n"

/* Images and labels from .npy files in place of --data (eval, predict,
 * attack, uncertainty: edd_dataset_load_npy), and the override of the
 * refusal of a data set the model was not trained on (eval, attack). */
#define CLI_IMAGES_LONGOPTS                                                            \
    {"images", required_argument, 0, CLI_OPT_IMAGES},                                  \
    {"labels", required_argument, 0, CLI_OPT_LABELS}
#define CLI_IMAGES_HELP                                                                \
    "  --images X.npy         images in place of --data: float32 in [0, 1] or uint8\n"  \
    "                         0..255, N x 1 x 28 x 28 or N x 28 x 28 (docs/FORMATS.md)\n" \
    "  --labels Y.npy         their labels: int64, int32 or uint8 in 0..9, N of them\n"
#define CLI_ALLOW_LONGOPTS {"allow-other-data", no_argument, 0, CLI_OPT_ALLOW_OTHER}
#define CLI_ALLOW_HELP                                                                 \
    "  --allow-other-data     use data other than the model was trained on (default:\n" \
    "                         refused, exit 2; the model's provenance: edd info --model)\n"

/* One range per option meaning, in every subcommand: the engine's, from
 * the attacks' option table (edd/attack_config.h), which `edd attack`
 * parses through: a radius is an L-inf one in (0, CLI_EPS_LINF_MAX] (train's
 * and distill's --adv-eps, attack's --eps with --ord inf) or an L2 one in
 * (0, CLI_EPS_L2_MAX]; a step within such a ball (attack's --step-size,
 * train's and distill's --adv-step-size) is in [0, the radius's maximum];
 * a learning rate (train's and distill's --lr, attack's --learning-rate)
 * in [CLI_LR_MIN, CLI_LR_MAX]. */
#define CLI_EPS_LINF_MAX EDD_EPS_LINF_MAX
#define CLI_EPS_L2_MAX EDD_EPS_L2_MAX
#define CLI_LR_MIN EDD_LR_MIN
#define CLI_LR_MAX EDD_LR_MAX

/* The adversarial-training options of train and distill (edd/advtrain.h,
 * docs/DEFENSE.md), from CLI_OPT_ADV on. */
enum { CLI_OPT_ADV = 1100, CLI_OPT_EPS, CLI_OPT_ADV_STEPS, CLI_OPT_ADV_STEP, CLI_OPT_ADV_RAND, CLI_OPT_ADV_LOSS,
       CLI_OPT_ADV_RETIRED_EPS, CLI_OPT_ADV_RETIRED_RAND, CLI_OPT_ADV_END };
/* Each --adv-X is attack's --X for the attack run inside training; --eps
 * and --adv-rand-start are retired spellings (optional_argument, refused
 * naming the new one). */
#define CLI_ADV_LONGOPTS                                                               \
    {"adv", required_argument, 0, CLI_OPT_ADV},                                        \
    {"adv-eps", required_argument, 0, CLI_OPT_EPS},                                    \
    {"adv-steps", required_argument, 0, CLI_OPT_ADV_STEPS},                            \
    {"adv-step-size", required_argument, 0, CLI_OPT_ADV_STEP},                         \
    {"adv-no-rand-start", no_argument, 0, CLI_OPT_ADV_RAND},                           \
    {"adv-loss", required_argument, 0, CLI_OPT_ADV_LOSS},                              \
    {"eps", optional_argument, 0, CLI_OPT_ADV_RETIRED_EPS},                            \
    {"adv-rand-start", optional_argument, 0, CLI_OPT_ADV_RETIRED_RAND}
#define CLI_ADV_HELP                                                                   \
    "  --adv none|fgm-rs|pgd  adversarial training (default none): each batch replaced\n"  \
    "                         by adversarial examples of the model being trained, PGD\n"  \
    "                         (Madry et al. 2018) or one FGM step from a random start\n"   \
    "                         (Wong et al. 2020); labels stay the clean images'.\n"        \
    "                         Each --adv-X below is edd attack's --X for that attack\n"   \
    "  --adv-eps E            fgm-rs, pgd: L-inf radius in (0, 1] (default 0.3)\n"        \
    "  --adv-steps N          pgd: steps per batch (default 40, Madry et al.'s MNIST)\n"   \
    "  --adv-step-size X      fgm-rs, pgd: the step (default: pgd 4 eps / (3 steps),\n"    \
    "                         0.01 at eps 0.3 and 40 steps; fgm-rs 1.25 eps)\n"           \
    "  --adv-no-rand-start    pgd: start at the clean image (default: uniformly in the\n"  \
    "                         eps-ball)\n"                                                 \
    "  --adv-loss all|real|margin  fgm-rs, pgd: the loss ascended (default real: the\n"   \
    "                         cross-entropy over the 10 real classes; docs/ATTACKS.md)\n"

/* The adversarial-training options as parsed. */
typedef struct {
    edd_adv_opts o;
    unsigned given; /* bit i: option CLI_OPT_ADV + i was given */
} cli_adv;

/* Handle an adversarial-training option: returns 1 if opt was one of
 * them, 0 if not, -1 on a bad value (message printed). */
int cli_adv_opt(cli_adv *a, int opt, const char *arg, const char *cmd);

/* After parsing: refuse an option that does not apply to the --adv chosen
 * (naming both), and take seed for the random starts. Returns 0 or
 * EXIT_USAGE. */
int cli_adv_finish(const char *cmd, cli_adv *a, uint64_t seed);

/* The JSON fields of the adversarial training, from a comma on
 * (",\"adv\":\"pgd\",\"eps\":0.3,..."), or "" with --adv none; into buf. */
void cli_adv_json(const cli_adv *a, char *buf, size_t n);

/* Handle a shared option; returns 1 if opt was one of them, 0 if not, -1
 * on a bad value (message printed). */
int cli_data_opt(cli_data_opts *o, int opt, const char *arg, const char *cmd);

/* Usage error: print "edd CMD: MSG" and a pointer to --help, return 2. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Runtime error: print "edd CMD: " and the context's message, return 1. */
int cli_fail(const char *cmd, const edd_ctx *ctx);

/* Parse numbers strictly (the whole string, in range); print a usage error
 * naming the option on failure and return -1. */
int cli_long(const char *cmd, const char *opt, const char *s, long lo, long hi, long *out);
int cli_float(const char *cmd, const char *opt, const char *s, double lo, double hi, float *out);
/* As cli_float over (0, hi]: zero and below are refused. */
int cli_float_pos(const char *cmd, const char *opt, const char *s, double hi, float *out);
int cli_u64(const char *cmd, const char *opt, const char *s, uint64_t *out);

/* Handles one subcommand option (not a shared one): returns 0 to go on or
 * an exit status (EXIT_USAGE after printing why). */
typedef int (*cli_opt_fn)(void *user, int opt, const char *arg);

/* Run getopt_long over argv: the shared data options go to d (which may be
 * NULL for subcommands that read no data), --help prints help, every other
 * option goes to fn. Returns -1 when the subcommand should go on, or the
 * exit status to return (0 after --help, 2 on a usage error, including a
 * stray argument, a missing value, and an unknown option: with "did you
 * mean '--X'?" when cli_suggest finds X among longopts). An entry of
 * longopts with optional_argument is a retired spelling, kept only for fn
 * to refuse with a message naming the new one: it is never suggested. */
int cli_parse(const char *cmd, int argc, char **argv, const struct option *longopts, const char *help,
              cli_data_opts *d, cli_opt_fn fn, void *user);

/* The one of names (n of them; NULL ones skipped) that word is close to:
 * the nearest within an edit distance of 2 (insertions, deletions,
 * substitutions and swaps of neighbours; at most half of word's length),
 * else the one name that word starts or that starts word. NULL when there
 * is none (suggest.c). */
const char *cli_suggest(const char *word, const char *const *names, size_t n);

/* The refusal of argument arg, which getopt_long did not take: an option
 * that lacks its value, a flag given one, or an unknown option, with the
 * closest of longopts (not a retired spelling: optional_argument) when
 * one is close. Returns EXIT_USAGE (suggest.c). */
int cli_unknown_option(const char *cmd, const char *arg, const struct option *longopts);

/* Open a context into *ctx with o->threads and load the train (train=1) or
 * test split, limited to limit examples (0 = all; a limit beyond the split
 * is said on stderr, and the whole split used); with o->images, those
 * .npy files instead (bad contents: the message and EXIT_USAGE). Returns
 * 0, or an exit status after the message, *ctx then closed and NULL. */
int cli_open(const char *cmd, const cli_data_opts *o, edd_ctx **ctx, int train, size_t limit, edd_dataset *ds);

/* After parsing, for a subcommand that takes --images: --labels without
 * --images is refused, and so is --images without --labels when
 * need_labels. Returns 0 or EXIT_USAGE. */
int cli_images_check(const char *cmd, const cli_data_opts *o, int need_labels);

/* The data's name for the JSON lines: "npy" with --images, else --data's. */
const char *cli_data_name(const cli_data_opts *o);

/* 0 if v is finite; else print "edd CMD: NAME is nan ..." (JSON has no NaN
 * or infinity) and return EXIT_RUNTIME. */
int cli_finite(const char *cmd, const char *name, double v);

/* The temperatures train and distill take: below 1e-3, softmax(z/T) is
 * one-hot to float precision, and below about 1e-38 T rounded to 0, which
 * the library reads as "T = 1". */
#define CLI_T_MIN 1e-3
#define CLI_T_MAX 1e6

/* Parse --temperature strictly into *out: a number in [CLI_T_MIN,
 * CLI_T_MAX]; else print a usage error naming the value and the range and
 * return -1. */
int cli_temperature(const char *cmd, const char *s, float *out);

/* A path given to an option, e.g. {"out", "d.edd"}; path NULL: not given. */
typedef struct {
    const char *opt;
    const char *path;
} cli_path;

/* Check, before any work starts, every output that was given: not empty,
 * not a folder, not the same file as any input or another output (device
 * and inode when both exist, else the same path with its folder resolved),
 * with d (may be NULL) the IDX files of its data folder counted as inputs,
 * and in a folder that exists and is writable. Then removes what a killed
 * run left for each output (PATH.edd-tmp.<pid> of a dead pid, edd_tmp_sweep).
 * Returns 0, or EXIT_USAGE after a message naming the option and the
 * path. */
int cli_check_outputs(const char *cmd, const cli_data_opts *d, const cli_path *in, int nin, const cli_path *out,
                      int nout);

/* The IDX files cli_check_outputs counts as inputs when given the data
 * options: each of the four plain and gzipped. */
enum { CLI_DATA_FILES = 8 };

/* Bytes that hold any path or message as a JSON string (at most six
 * bytes per input byte, the quotes and the NUL). */
#define CLI_JSON_MAX (6 * 4096 + 3)

/* s as a JSON string, quotes included (RFC 8259: '"' and '\\' escaped,
 * control characters as \u00XX, a byte that is not UTF-8 as \ufffd),
 * into buf (n >= 3 bytes); cut at a whole character when it does not
 * fit. Returns buf. Every JSON line edd prints writes its strings with it. */
const char *cli_json(char *buf, size_t n, const char *s);

/* A model's provenance (provenance.c): made ("train", "distill",
 * "temperature", "adversarial", "import") and settings ("key=value ...")
 * as given, the data set's name and the SHA-256 of its training images
 * from d (NULL: unknown) into *p. Returns 0 or an exit status. */
int cli_prov_make(const char *cmd, edd_ctx *ctx, const cli_data_opts *d, const char *made, const char *settings,
                  edd_provenance *p);

/* Refuse (EXIT_USAGE, naming both) data other than the model at path was
 * trained on: another --data name, or training images of another SHA-256;
 * 0 with --images, --allow-other-data or a provenance that is unknown. */
int cli_prov_check(const char *cmd, edd_ctx *ctx, const cli_data_opts *d, const char *path, const edd_cnn *m);

/* p as a JSON object into buf (n bytes): {"dataset":"unknown",...} for an
 * old file. Returns buf. */
const char *cli_prov_json(const edd_provenance *p, char *buf, size_t n);

/* The subcommands. */
int cmd_train(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_predict(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_fetch_data(int argc, char **argv);
int cmd_uncertainty(int argc, char **argv);
int cmd_distill(int argc, char **argv);
int cmd_attack(int argc, char **argv);
int cmd_reproduce(int argc, char **argv);
int cmd_info(int argc, char **argv);

#endif
