/* common.c - option parsing and error reporting shared by the subcommands. */
#include "cli.h"
#include "edd/io.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "edd %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'edd %s --help'.\n", cmd);
    return EXIT_USAGE;
}

int cli_fail(const char *cmd, const edd_ctx *ctx)
{
    const char *err = edd_ctx_error(ctx);
    fprintf(stderr, "edd %s: %s\n", cmd, err[0] ? err : "unknown error");
    return EXIT_RUNTIME;
}

int cli_long(const char *cmd, const char *opt, const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) {
        cli_usage(cmd, "--%s '%s': expected an integer in %ld..%ld", opt, s, lo, hi);
        return -1;
    }
    *out = v;
    return 0;
}

int cli_float(const char *cmd, const char *opt, const char *s, double lo, double hi, float *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v) || v < lo || v > hi) {
        cli_usage(cmd, "--%s '%s': expected a number in [%g, %g]", opt, s, lo, hi);
        return -1;
    }
    *out = (float)v;
    return 0;
}

int cli_float_pos(const char *cmd, const char *opt, const char *s, double hi, float *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    /* a value that rounds to 0 as a float would reach the library as 0 */
    if (errno || end == s || *end || !isfinite(v) || v <= 0 || v > hi || (float)v == 0.0f) {
        cli_usage(cmd, "--%s '%s': expected a number in (0, %g] that is not 0 as a float (at least %g)", opt, s, hi,
                  (double)FLT_TRUE_MIN);
        return -1;
    }
    *out = (float)v;
    return 0;
}

int cli_temperature(const char *cmd, const char *s, float *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v) || v < CLI_T_MIN || v > CLI_T_MAX) {
        cli_usage(cmd, "--temperature '%s': expected a number in (0, %g], at least %g (below it softmax(z/T) is "
                  "one-hot to float precision)", s, CLI_T_MAX, CLI_T_MIN);
        return -1;
    }
    *out = (float)v;
    return 0;
}

int cli_u64(const char *cmd, const char *opt, const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-') {
        cli_usage(cmd, "--%s '%s': expected a non-negative integer", opt, s);
        return -1;
    }
    *out = v;
    return 0;
}

int cli_data_opt(cli_data_opts *o, int opt, const char *arg, const char *cmd)
{
    long v;
    switch (opt) {
    case CLI_OPT_DATA:
        if (strcmp(arg, "mnist") && strcmp(arg, "fashion")) {
            cli_usage(cmd, "--data '%s': expected mnist or fashion", arg);
            return -1;
        }
        o->data = arg;
        return 1;
    case CLI_OPT_DATA_DIR:
        o->data_dir = arg;
        return 1;
    case CLI_OPT_THREADS:
        if (cli_long(cmd, "threads", arg, 1, 1024, &v))
            return -1;
        o->threads = (int)v;
        return 1;
    case CLI_OPT_IMAGES: o->images = arg; return 1;
    case CLI_OPT_LABELS: o->labels = arg; return 1;
    case CLI_OPT_ALLOW_OTHER: o->allow_other = 1; return 1;
    default:
        return 0;
    }
}

static const char *const adv_name[] = {[EDD_ADV_NONE] = "none", [EDD_ADV_FGM_RS] = "fgm-rs", [EDD_ADV_PGD] = "pgd"};
static const char *const adv_loss_name[] = {[EDD_LOSS_ALL] = "all", [EDD_LOSS_REAL] = "real",
                                            [EDD_LOSS_MARGIN] = "margin"};

/* Index of s among the n names, or n when it is none of them. */
static int name_index(const char *const *names, int n, const char *s)
{
    int i = 0;
    while (i < n && strcmp(s, names[i]))
        i++;
    return i;
}

int cli_adv_opt(cli_adv *a, int opt, const char *arg, const char *cmd)
{
    long v;
    if (opt < CLI_OPT_ADV || opt >= CLI_OPT_ADV_END)
        return 0;
    a->given |= 1u << (opt - CLI_OPT_ADV);
    switch (opt) {
    case CLI_OPT_ADV:
        if ((v = name_index(adv_name, 3, arg)) == 3) {
            cli_usage(cmd, "--adv '%s': expected none, fgm-rs or pgd", arg);
            return -1;
        }
        a->o.kind = (edd_adv_kind)v;
        return 1;
    case CLI_OPT_EPS: return cli_float_pos(cmd, "adv-eps", arg, CLI_EPS_LINF_MAX, &a->o.eps) ? -1 : 1;
    case CLI_OPT_ADV_STEPS:
        if (cli_long(cmd, "adv-steps", arg, 1, 1000000, &v))
            return -1;
        a->o.steps = (int)v;
        return 1;
    case CLI_OPT_ADV_STEP: return cli_float(cmd, "adv-step-size", arg, 0, CLI_EPS_LINF_MAX, &a->o.step_size) ? -1 : 1;
    case CLI_OPT_ADV_RAND: a->o.rand_start = 0; return 1;
    case CLI_OPT_ADV_RETIRED_EPS:
        cli_usage(cmd, "--eps: replaced by --adv-eps (attack's --eps, for the attack run inside training)");
        return -1;
    case CLI_OPT_ADV_RETIRED_RAND:
        cli_usage(cmd, "--adv-rand-start: replaced by the flag --adv-no-rand-start (a random start is the default; "
                  "the flag starts at the clean image)");
        return -1;
    default: /* CLI_OPT_ADV_LOSS */
        if ((v = name_index(adv_loss_name, 3, arg)) == 3) {
            cli_usage(cmd, "--adv-loss '%s': expected all, real or margin", arg);
            return -1;
        }
        a->o.loss = (edd_attack_loss)v;
        return 1;
    }
}

int cli_adv_finish(const char *cmd, cli_adv *a, uint64_t seed)
{
    /* which --adv each option belongs to: bit k = edd_adv_kind k */
    static const struct {
        int opt;
        const char *name;
        unsigned kinds;
        const char *of;
    } only[] = {
        {CLI_OPT_EPS, "adv-eps", 1u << EDD_ADV_FGM_RS | 1u << EDD_ADV_PGD, "fgm-rs and pgd"},
        {CLI_OPT_ADV_STEP, "adv-step-size", 1u << EDD_ADV_FGM_RS | 1u << EDD_ADV_PGD, "fgm-rs and pgd"},
        {CLI_OPT_ADV_LOSS, "adv-loss", 1u << EDD_ADV_FGM_RS | 1u << EDD_ADV_PGD, "fgm-rs and pgd"},
        {CLI_OPT_ADV_STEPS, "adv-steps", 1u << EDD_ADV_PGD, "pgd"},
        {CLI_OPT_ADV_RAND, "adv-no-rand-start", 1u << EDD_ADV_PGD, "pgd"},
    };
    for (size_t i = 0; i < sizeof only / sizeof only[0]; i++)
        if (a->given & 1u << (only[i].opt - CLI_OPT_ADV) && !(only[i].kinds & 1u << a->o.kind))
            return cli_usage(cmd, "--%s does not apply to --adv %s (it is an option of --adv %s)", only[i].name,
                             adv_name[a->o.kind], only[i].of);
    a->o.seed = seed;
    return 0;
}

void cli_adv_json(const cli_adv *a, char *buf, size_t n)
{
    const edd_adv_opts *o = &a->o;
    if (o->kind == EDD_ADV_NONE)
        snprintf(buf, n, "%s", "");
    else if (o->kind == EDD_ADV_FGM_RS)
        snprintf(buf, n, ",\"adv\":\"fgm-rs\",\"eps\":%g,\"adv_step_size\":%g,\"adv_loss\":\"%s\"", o->eps,
                 edd_adv_step(o), adv_loss_name[o->loss]);
    else
        snprintf(buf, n, ",\"adv\":\"pgd\",\"eps\":%g,\"adv_steps\":%d,\"adv_step_size\":%g,\"adv_rand_start\":%d,"
                 "\"adv_loss\":\"%s\"", o->eps, o->steps, edd_adv_step(o), o->rand_start, adv_loss_name[o->loss]);
}

/* The flag (an option without a value) that argv[i + 1] follows, as in
 * `--early-stop 1`, for the message about that stray value; NULL if none.
 * Looked up before getopt_long moves the stray values to the end. */
static const char *flag_before_value(int argc, char **argv, const struct option *longopts)
{
    for (int i = 1; i + 1 < argc; i++) {
        if (strncmp(argv[i], "--", 2) || argv[i + 1][0] == '-')
            continue;
        for (const struct option *o = longopts; o->name; o++)
            if (o->has_arg == no_argument && !strcmp(argv[i] + 2, o->name))
                return o->name;
    }
    return NULL;
}

int cli_parse(const char *cmd, int argc, char **argv, const struct option *longopts, const char *help,
              cli_data_opts *d, cli_opt_fn fn, void *user)
{
    int c;
    const char *flag = flag_before_value(argc, argv, longopts);
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (c == CLI_OPT_HELP) {
            fputs(help, stdout);
            return 0;
        }
        int r = d ? cli_data_opt(d, c, optarg, cmd) : 0;
        if (r < 0)
            return EXIT_USAGE;
        if (r)
            continue;
        if (c == '?')
            return cli_unknown_option(cmd, argv[optind - 1], longopts);
        if ((r = fn(user, c, optarg)))
            return r;
    }
    if (optind < argc && flag)
        return cli_usage(cmd, "unexpected argument '%s': --%s is a flag and takes no value", argv[optind], flag);
    if (optind < argc)
        return cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
    return -1;
}

/* No folder of data set name in any of the three default places: say
 * where edd looked, in order, and how to fetch it. Returns EXIT_RUNTIME. */
static int no_data(const char *cmd, const char *name)
{
    char home[4096];
    const char *env = getenv("EDD_DATA_DIR"), *h = edd_data_home(home, sizeof home);
    fprintf(stderr, "edd %s: no %s data found; edd looks in the first of $EDD_DATA_DIR/%s (%s%s), %s/%s "
            "($XDG_DATA_HOME/edd or ~/.local/share/edd) and data/%s (in the source tree); `edd fetch-data --data %s` "
            "fetches it into %s\n", cmd, name, name, env && *env ? "EDD_DATA_DIR is " : "EDD_DATA_DIR is not set",
            env && *env ? env : "", h ? h : "(no HOME)", name, name, name,
            env && *env ? "$EDD_DATA_DIR" : h ? h : "$XDG_DATA_HOME/edd");
    return EXIT_RUNTIME;
}

/* Close *ctx (then NULL) and return rc. */
static int open_failed(edd_ctx **ctx, int rc)
{
    edd_ctx_close(*ctx);
    *ctx = NULL;
    return rc;
}

int cli_open(const char *cmd, const cli_data_opts *o, edd_ctx **ctx, int train, size_t limit, edd_dataset *ds)
{
    if (edd_ctx_open(ctx, o->threads))
        return open_failed(ctx, cli_fail(cmd, *ctx));
    if (!ds)
        return 0;
    if (o->images) { /* bad contents are a bad input, exit 2; a file that cannot be read is 1, as --model's */
        edd_status st = edd_dataset_load_npy(*ctx, o->images, o->labels, limit, ds);
        if (st == EDD_ERR_FORMAT) {
            fprintf(stderr, "edd %s: %s\n", cmd, edd_ctx_error(*ctx));
            return open_failed(ctx, EXIT_USAGE);
        }
        return st ? open_failed(ctx, cli_fail(cmd, *ctx)) : 0;
    }
    char buf[4096];
    const char *dir = o->data_dir ? o->data_dir : edd_data_default_dir(o->data, buf, sizeof buf);
    struct stat sb;
    if (!o->data_dir && dir && stat(dir, &sb))
        return open_failed(ctx, no_data(cmd, o->data));
    if (edd_dataset_load(*ctx, dir, train, limit, ds))
        return open_failed(ctx, cli_fail(cmd, *ctx));
    if (limit > ds->n)
        fprintf(stderr, "edd %s: --%s-limit %zu is beyond the %zu %s images in %s; using those %zu\n", cmd,
                train ? "train" : "test", limit, ds->n, train ? "training" : "test", dir, ds->n);
    return 0;
}

int cli_images_check(const char *cmd, const cli_data_opts *o, int need_labels)
{
    if (o->labels && !o->images)
        return cli_usage(cmd, "--labels '%s' without --images: expected both, or neither (then --data)", o->labels);
    if (o->images && !o->labels && need_labels)
        return cli_usage(cmd, "--images '%s' without --labels: expected a .npy of the images' labels", o->images);
    return 0;
}

const char *cli_data_name(const cli_data_opts *o)
{
    return o->images ? "npy" : o->data;
}

int cli_finite(const char *cmd, const char *name, double v)
{
    if (isfinite(v))
        return 0;
    fprintf(stderr, "edd %s: %s is %g, expected a finite number (JSON has no NaN or infinity)\n", cmd, name, v);
    return EXIT_RUNTIME;
}

/* dir/base of path with dir resolved by realpath (so that "a.edd", "./a.edd"
 * and "/cwd/a.edd" compare equal), or path as given when its folder does
 * not resolve. dirok says whether it did. */
static void normalise(const char *path, char *out, size_t n, int *dirok)
{
    char dir[4096], res[4096];
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    *dirok = realpath(dir, res) != NULL;
    if (*dirok)
        snprintf(out, n, "%s/%s", strcmp(res, "/") ? res : "", base);
    else
        snprintf(out, n, "%s", path);
}

/* 1 iff a and b name the same file: the same device and inode when both
 * exist, else the same normalised path. */
static int same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (!stat(a, &sa) && !stat(b, &sb))
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    char na[8300], nb[8300];
    int ok;
    normalise(a, na, sizeof na, &ok);
    normalise(b, nb, sizeof nb, &ok);
    return !strcmp(na, nb);
}

/* The eight files edd_dataset_load may read from d's folder (each IDX
 * file plain and gzipped) into in[0..8), their paths in buf. */
static void data_inputs(const cli_data_opts *d, cli_path *in, char (*buf)[4200])
{
    static const char *const base[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                        "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
    char def[4096];
    const char *dir = d->data_dir ? d->data_dir : edd_data_default_dir(d->data, def, sizeof def);
    if (d->images) { /* the IDX files are not read */
        for (int i = 0; i < CLI_DATA_FILES; i++)
            in[i] = (cli_path){i ? "labels" : "images", i == 0 ? d->images : i == 1 ? d->labels : NULL};
        return;
    }
    for (int i = 0; i < CLI_DATA_FILES; i++) {
        snprintf(buf[i], sizeof buf[i], "%s/%s%s", dir ? dir : ".", base[i / 2], i % 2 ? ".gz" : "");
        in[i] = (cli_path){"data-dir", buf[i]};
    }
}

/* The outputs' own checks (not empty, not a folder, not one another, in a
 * writable folder), with the inputs already checked by the caller. */
static int check_each_output(const char *cmd, const cli_path *out, int nout)
{
    for (int i = 0; i < nout; i++) {
        const char *p = out[i].path, *o = out[i].opt;
        if (!p)
            continue;
        if (!*p)
            return cli_usage(cmd, "--%s '': expected a file path", o);
        if (p[strlen(p) - 1] == '/')
            return cli_usage(cmd, "--%s '%s': expected a file path, not a folder", o, p);
        for (int j = 0; j < i; j++)
            if (out[j].path && same_file(p, out[j].path))
                return cli_usage(cmd, "--%s '%s': is also --%s '%s'; give each output its own path", o, p,
                                 out[j].opt, out[j].path);
        char norm[8300];
        int dirok;
        normalise(p, norm, sizeof norm, &dirok);
        const char *slash = strrchr(p, '/');
        int dlen = !slash ? 1 : slash == p ? 1 : (int)(slash - p);
        const char *dname = !slash ? "." : slash == p ? "/" : p;
        struct stat st;
        if (!dirok)
            return cli_usage(cmd, "--%s '%s': folder '%.*s' does not exist", o, p, dlen, dname);
        if (!stat(p, &st) && !S_ISREG(st.st_mode))
            return cli_usage(cmd, "--%s '%s': exists and is not a regular file", o, p);
        char dir[4096];
        snprintf(dir, sizeof dir, "%.*s", dlen, dname);
        if (access(dir, W_OK | X_OK))
            return cli_usage(cmd, "--%s '%s': folder '%s' is not writable (%s)", o, p, dir, strerror(errno));
        /* what a killed run of this command left for this output goes now */
        char prefix[4200];
        snprintf(prefix, sizeof prefix, "%s" EDD_TMP_INFIX, slash ? slash + 1 : p);
        edd_tmp_sweep(NULL, dir, prefix, NULL);
    }
    return 0;
}

int cli_check_outputs(const char *cmd, const cli_data_opts *d, const cli_path *in, int nin, const cli_path *out,
                      int nout)
{
    cli_path data[CLI_DATA_FILES];
    char buf[CLI_DATA_FILES][4200];
    if (d)
        data_inputs(d, data, buf);
    for (int i = 0; i < nout; i++) {
        const char *p = out[i].path, *o = out[i].opt;
        if (!p || !*p)
            continue;
        for (int j = 0; j < nin + (d ? CLI_DATA_FILES : 0); j++) {
            const cli_path *x = j < nin ? &in[j] : &data[j - nin];
            if (x->path && same_file(p, x->path))
                return cli_usage(cmd, "--%s '%s': is the input --%s '%s'; write the output elsewhere", o, p, x->opt,
                                 x->path);
        }
    }
    return check_each_output(cmd, out, nout);
}

/* Bytes of the UTF-8 sequence at s (2..4), or 0 when s does not start
 * one that is well formed (RFC 3629: no overlong form, no surrogate). */
static int utf8_len(const unsigned char *s)
{
    const int n = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 && s[0] < 0xe0 ? 2 : 0;
    for (int i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    if ((n == 3 && s[0] == 0xe0 && s[1] < 0xa0) || (n == 3 && s[0] == 0xed && s[1] >= 0xa0) ||
        (n == 4 && s[0] == 0xf0 && s[1] < 0x90) || (n == 4 && s[0] == 0xf4 && s[1] >= 0x90))
        return 0;
    return n;
}

const char *cli_json(char *buf, size_t n, const char *s)
{
    size_t len = 0;
    buf[len++] = '"';
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        char esc[8];
        int u = *p >= 0x80 ? utf8_len(p) : 1, k;
        if (*p == '"' || *p == '\\')
            k = snprintf(esc, sizeof esc, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            k = snprintf(esc, sizeof esc, "\\u%04x", *p);
        else if (!u)
            k = snprintf(esc, sizeof esc, "\\ufffd"); /* not UTF-8: the replacement character */
        else
            k = snprintf(esc, sizeof esc, "%.*s", u, (const char *)p);
        if (len + (size_t)k + 2 > n)
            break; /* cut at a whole character: still a JSON string */
        memcpy(buf + len, esc, (size_t)k);
        len += (size_t)k;
        p += u ? u : 1;
    }
    buf[len++] = '"';
    buf[len] = 0;
    return buf;
}
