/* test_hostile_cli.c - the `edd` command line under hostile input (issue
 * 24, items 4, 7, 8 and 9): an output that is a dataset file, paths that
 * JSON must escape, option values that silently changed the run, and the
 * ends of a process past `ulimit -f` or on a full disk. One row per case:
 * a new output path or option has a row to fill. Runs the binary the
 * Makefile builds (./edd, or $EDD_BIN).
 *
 * In a row's command, "@" is the case's fresh folder; the commands read
 * $HC_BIN (the binary), $HC_DATA (MNIST, for the rows that need real data)
 * and $HC_WEIRD (a path holding '"', a newline and \x01) from the
 * environment. A row whose setup is fake_data gets @/data, the four IDX
 * names holding text: a command that reaches them fails, so that a row
 * checking an output refused before any read fails before its fix
 * without touching the real data. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "edd/io.h"
#include "testutil.h"
#include <unistd.h>

#define PLACEHOLDER "not an IDX file\n"

typedef struct {
    const char *name;
    void (*setup)(const char *dir);                  /* may be NULL */
    const char *cmd;                                 /* a shell command */
    int exit;                                        /* the exit status expected */
    const char *want;                                /* in stdout and stderr, or NULL */
    const char *absent;                              /* in neither, or NULL */
    void (*check)(const char *dir, const char *out); /* more checks, or NULL */
} hostile_case;

/* ---- setups ---- */

static void put_text(const char *dir, const char *name, const char *text)
{
    char path[8300];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    file_put(path, text, strlen(text));
}

/* An untrained model at dir/m.edd. */
static void model_file(const char *dir)
{
    edd_ctx ctx;
    edd_cnn m = {0};
    char path[4200];
    ctx_make(&ctx);
    model_make(&ctx, &m, 10, 3);
    snprintf(path, sizeof path, "%s/m.edd", dir);
    cr_assert_eq(edd_cnn_save(&ctx, &m, path), EDD_OK, "%s", ctx.err);
    edd_cnn_free(&m);
    edd_ctx_free(&ctx);
}

/* dir/data with the four IDX names (PLACEHOLDER in each, plain; the
 * training labels gzipped by name too), and dir/m.edd. */
static void fake_data(const char *dir)
{
    static const char *const names[] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte.gz",
                                        "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
    char data[4200];
    snprintf(data, sizeof data, "%s/data", dir);
    cr_assert_eq(mkdir(data, 0777), 0);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        put_text(data, names[i], PLACEHOLDER);
    model_file(dir);
}

/* fake_data, with dir/link a symbolic link to the training images and
 * dir/data/conv1.weight.npy a copy of the model. */
static void fake_data_links(const char *dir)
{
    char path[4200], target[4200], cmd[9000];
    fake_data(dir);
    snprintf(path, sizeof path, "%s/link", dir);
    snprintf(target, sizeof target, "%s/data/train-images-idx3-ubyte", dir);
    cr_assert_eq(symlink(target, path), 0);
    snprintf(cmd, sizeof cmd, "cp %s/m.edd %s/data/conv1.weight.npy", dir, dir);
    cr_assert_eq(system(cmd), 0);
}

/* $HC_DATA: MNIST, or a skip. */
static void real_data(const char *dir)
{
    char data[4096];
    (void)dir;
    mnist_dir_or_skip(data, sizeof data);
    setenv("HC_DATA", data, 1);
}

/* real_data, the model, and $HC_WEIRD = dir/we"ird<newline><0x01>, made. */
static void weird_path(const char *dir)
{
    char path[4200];
    real_data(dir);
    model_file(dir);
    snprintf(path, sizeof path, "%s/we\"ird\n\x01", dir);
    cr_assert_eq(mkdir(path, 0777), 0);
    setenv("HC_WEIRD", path, 1);
}

/* real_data and a model trained a little (78% on MNIST's test split) at
 * dir/t.edd. */
static void trained_model(const char *dir)
{
    char args[6000], out[16384];
    real_data(dir);
    snprintf(args, sizeof args, "train --data-dir '%s' --train-limit 1000 --epochs 2 --quiet --out %s/t.edd",
             getenv("HC_DATA"), dir);
    cr_assert_eq(edd_run(out, sizeof out, args), 0, "%s", out);
}

/* fake_data and @/r/stages (a results folder's) with what kind (a FIFO,
 * or a link to @/victim, which does not exist) at name. */
static void stages_entry(const char *dir, const char *name, int fifo)
{
    char path[4200], target[4200];
    fake_data(dir);
    snprintf(path, sizeof path, "%s/r", dir);
    cr_assert_eq(mkdir(path, 0777), 0);
    snprintf(path, sizeof path, "%s/r/stages", dir);
    cr_assert_eq(mkdir(path, 0777), 0);
    snprintf(path, sizeof path, "%s/r/stages/%s", dir, name);
    snprintf(target, sizeof target, "%s/victim", dir);
    cr_assert_eq(fifo ? mkfifo(path, 0666) : symlink(target, path), 0);
}

static void dataset_fifo(const char *dir) { stages_entry(dir, "dataset", 1); }
static void lock_fifo(const char *dir) { stages_entry(dir, "lock", 1); }
static void lock_link(const char *dir) { stages_entry(dir, "lock", 0); }

static void huge_times(const char *dir) { put_text(dir, "times", "baseline 1e308\nteacher 1e308\n"); }

/* real_data and a 1 MiB tmpfs at dir/fs, or a skip where this process may
 * not mount one (it needs root, as in CI). */
static void tiny_disk(const char *dir)
{
    char mnt[4200];
    real_data(dir);
    snprintf(mnt, sizeof mnt, "%s/fs", dir);
    cr_assert_eq(mkdir(mnt, 0777), 0);
    if (mount("tmpfs", mnt, "tmpfs", 0, "size=1m"))
        cr_skip_test("cannot mount a 1 MiB tmpfs at %s (%s; needs root)", mnt, strerror(errno));
}

/* ---- checks ---- */

/* Each of dir's data files still holds PLACEHOLDER. */
static void data_intact(const char *dir, const char *out)
{
    static const char *const names[] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte.gz",
                                        "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/data/%s", dir, names[i]);
        char *t = file_read_text(path, NULL);
        cr_expect(t && !strcmp(t, PLACEHOLDER), "%s was overwritten; edd said: %s", path, out);
        free(t);
    }
}

/* The JSON line of out (the line starting with '{') parses, and its
 * string field key equals $HC_WEIRD with suffix appended. */
static void json_field_is_weird(const char *dir, const char *out, const char *key, const char *suffix)
{
    char path[4200], cmd[9000];
    snprintf(path, sizeof path, "%s/out.txt", dir);
    file_put(path, out, strlen(out));
    snprintf(cmd, sizeof cmd,
             "python3 -c 'import json, os, sys\n"
             "lines = [l for l in open(sys.argv[1], encoding=\"utf-8\").read().split(\"\\n\") if l.startswith(\"{\")]\n"
             "assert len(lines) == 1, lines\n"
             "assert json.loads(lines[0])[sys.argv[2]] == os.environ[\"HC_WEIRD\"] + sys.argv[3]' %s %s '%s'",
             path, key, suffix);
    int st = system(cmd);
    cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "not JSON, or not the path: %s", out);
}

static void json_dir(const char *dir, const char *out) { json_field_is_weird(dir, out, "dir", ""); }
static void json_logits(const char *dir, const char *out) { json_field_is_weird(dir, out, "logits", "/l.npy"); }

/* The lock's link was not followed: no @/victim. */
static void no_victim(const char *dir, const char *out)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/victim", dir);
    cr_expect(access(path, F_OK), "the lock's link was followed to %s: %s", path, out);
}

/* The attack succeeded on at least one image. */
static void some_success(const char *dir, const char *out)
{
    (void)dir;
    const char *p = strstr(out, "\"attack_success\":");
    cr_expect(p && strtod(p + 17, NULL) > 0.0, "CW with a large initial constant did nothing: %s", out);
}

/* ---- the table ---- */

#define FAKE "--data-dir @/data"

static hostile_case cases[] = {
    /* item 4: a dataset file is an input, and no output may be one */
    {"predict_logits_is_test_images", fake_data,
     "predict --model @/m.edd " FAKE " --logits @/data/t10k-images-idx3-ubyte", 2,
     "--logits '@/data/t10k-images-idx3-ubyte': is the input --data-dir", NULL, data_intact},
    {"train_out_is_gzipped_labels", fake_data, "train " FAKE " --epochs 1 --out @/data/../data/train-labels-idx1-ubyte.gz",
     2, "is the input --data-dir '@/data/train-labels-idx1-ubyte.gz'", NULL, data_intact},
    {"attack_adv_out_links_to_train_images", fake_data_links,
     "attack --attack fgm --model @/m.edd " FAKE " --adv-out @/link", 2, "--adv-out '@/link': is the input --data-dir",
     NULL, data_intact},
    {"distill_labels_out_is_test_labels", fake_data,
     "distill --teacher @/m.edd " FAKE " --out @/d.edd --labels-out @/data/t10k-labels-idx1-ubyte", 2,
     "--labels-out '@/data/t10k-labels-idx1-ubyte': is the input --data-dir", NULL, data_intact},
    {"uncertainty_out_is_train_images", fake_data,
     "uncertainty --teacher @/m.edd " FAKE " --out @/data/train-images-idx3-ubyte", 2, "is the input --data-dir",
     NULL, data_intact},
    {"export_dir_holds_the_model", fake_data_links, "export --model @/data/conv1.weight.npy --dir @/data", 2,
     "is the input --model '@/data/conv1.weight.npy'", NULL, data_intact},
    /* item 7: every JSON line is JSON */
    {"export_json_escapes_the_dir", weird_path, "export --model @/m.edd --dir \"$HC_WEIRD\"", 0, NULL, NULL, json_dir},
    {"predict_json_escapes_the_logits", weird_path,
     "predict --model @/m.edd --data-dir \"$HC_DATA\" --test-limit 5 --logits \"$HC_WEIRD/l.npy\"", 0, NULL, NULL,
     json_logits},
    {"dry_run_times_1e308_no_inf", huge_times, "reproduce --scale smoke --out @/r --dry-run --times @/times", 2, NULL,
     ":inf", NULL},
    /* item 8: option values that changed the run without a word */
    {"cw_initial_const_1e7_attacks", trained_model,
     "attack --attack cw --model @/t.edd --data-dir \"$HC_DATA\" --test-limit 5 --initial-const 1e7 "
     "--max-iterations 100 --binary-search-steps 2 --quiet", 0, "\"initial_const\":1e+07", NULL, some_success},
    {"cw_initial_const_0_refused", fake_data, "attack --attack cw --model @/m.edd " FAKE " --initial-const 0", 2,
     "--initial-const '0': expected a number in (0, 1e+10]", NULL, NULL},
    {"cw_initial_const_1e-50_refused", fake_data, "attack --attack cw --model @/m.edd " FAKE " --initial-const 1e-50",
     2, "--initial-const '1e-50'", NULL, NULL},
    {"train_temperature_1e-50_refused", fake_data, "train " FAKE " --out @/o.edd --temperature 1e-50", 2,
     "--temperature '1e-50': expected a number in (0, 1e+06], at least 0.001", NULL, NULL},
    {"distill_temperature_1e-50_refused", fake_data,
     "distill --method temperature --teacher @/m.edd " FAKE " --out @/o.edd --temperature 1e-50", 2,
     "--temperature '1e-50': expected a number in (0, 1e+06], at least 0.001", NULL, NULL},
    {"force_outside_only_refused", fake_data, "reproduce --scale smoke " FAKE " --out @/r --only plots --force baseline",
     2, "--force 'baseline': not among the stages --only 'plots' selects", NULL, NULL},
    /* reproduce's own files in the results folder (timeout: a hang fails) */
    {"stages_dataset_fifo_refused", dataset_fifo,
     "timeout 60 \"$HC_BIN\" reproduce --scale smoke " FAKE " --out @/r --only baseline", 1,
     "@/r/stages/dataset: found a FIFO, expected", NULL, NULL},
    {"stages_lock_fifo_refused", lock_fifo, "timeout 60 \"$HC_BIN\" reproduce --scale smoke " FAKE " --out @/r", 1,
     "@/r/stages/lock: found a FIFO, expected the folder's lock file", NULL, NULL},
    {"stages_lock_link_not_followed", lock_link, "reproduce --scale smoke " FAKE " --out @/r", 1,
     "@/r/stages/lock: found a symbolic link, expected the folder's lock file", NULL, no_victim},
    /* item 9: clear ends, in the same words for --only and --force */
    {"bad_only_exits_2", fake_data, "reproduce --scale smoke " FAKE " --out @/r --only plots,zz", 2,
     "--only 'plots,zz': 'zz' is not a stage name (edd reproduce --help lists them)", NULL, NULL},
    {"bad_force_exits_2_in_the_same_words", fake_data, "reproduce --scale smoke " FAKE " --out @/r --force zz", 2,
     "--force 'zz': 'zz' is not a stage name (edd reproduce --help lists them)", NULL, NULL},
    {"ulimit_f_is_a_message_not_a_signal", model_file,
     "ulimit -f 100; exec \"$HC_BIN\" export --model @/m.edd --dir @/x", 1,
     "@/x/conv2.weight.npy.edd-tmp.", NULL, NULL},
    {"full_disk_says_only_the_failure", tiny_disk, "reproduce --scale smoke --data-dir \"$HC_DATA\" --out @/fs/r", 1,
     "MiB free, expected at least", "is up to date", NULL},
};

#define NCASES (sizeof cases / sizeof cases[0])

/* Criterion hands each test its parameter in another process: the row's
 * index, not the row (whose pointers would not survive). */
ParameterizedTestParameters(hostile_cli, cases)
{
    static int rows[NCASES];
    for (size_t i = 0; i < NCASES; i++)
        rows[i] = (int)i;
    return cr_make_param_array(int, rows, NCASES);
}

/* s with every '@' replaced by dir, into out (n bytes). */
static void expand(const char *s, const char *dir, char *out, size_t n)
{
    size_t len = 0;
    for (; *s && len + strlen(dir) + 1 < n; s++) {
        if (*s == '@')
            len += (size_t)snprintf(out + len, n - len, "%s", dir);
        else
            out[len++] = *s;
    }
    out[len] = 0;
}

ParameterizedTest(int *row, hostile_cli, cases, .timeout = 240)
{
    const hostile_case *c = &cases[*row];
    char dir[64], cmd[8192], line[9000], want[4200], out[1 << 16];
    tmpdir_make(dir, sizeof dir, "hostile_cli");
    setenv("HC_BIN", edd_bin_or_skip(), 1);
    if (c->setup)
        c->setup(dir);
    expand(c->cmd, dir, cmd, sizeof cmd);
    /* a row that runs edd through the shell names $HC_BIN itself */
    snprintf(line, sizeof line, "OMP_NUM_THREADS=1 %s%s 2>&1", strstr(cmd, "$HC_BIN") ? "" : "\"$HC_BIN\" ", cmd);
    FILE *p = popen(line, "r");
    cr_assert_not_null(p);
    size_t len = fread(out, 1, sizeof out - 1, p);
    out[len] = 0;
    int status = pclose(p);
    cr_expect(WIFEXITED(status), "%s: ended by signal %d, expected an exit: %s", c->name,
              WIFSIGNALED(status) ? WTERMSIG(status) : 0, out);
    cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == c->exit, "%s: exit %d, expected %d: %s", c->name,
              WEXITSTATUS(status), c->exit, out);
    if (c->want) {
        expand(c->want, dir, want, sizeof want);
        cr_expect(strstr(out, want), "%s: expected '%s' in: %s", c->name, want, out);
    }
    if (c->absent)
        cr_expect(!strstr(out, c->absent), "%s: expected no '%s' in: %s", c->name, c->absent, out);
    if (c->check)
        c->check(dir, out);
    snprintf(line, sizeof line, "%s/fs", dir);
    umount(line); /* tiny_disk's, if any */
    tmpdir_remove(dir);
}
