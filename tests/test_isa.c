/* test_isa.c - no plan runs a oneDNN reference kernel, at any ISA level
 * this CPU has.
 *
 * oneDNN reads ONEDNN_MAX_CPU_ISA once per process, so each level runs
 * `edd info` (every plan kind: inference, which the MC-dropout passes and
 * the space-to-depth conv1 use; train; input_grad; jacobian; at batch sizes
 * 1, 7, 32 and 128, K = 10 and 11) in its own child process. A level this
 * CPU lacks shows up as a lower effective ISA and is named as not tested,
 * so a run on an AVX2-only machine is visibly partial. From AVX2 up a
 * reference kernel fails the test; below AVX2 (SSE41, AVX) edd must only
 * run, so the reference kernels are listed, not failed. Runs the binary
 * the Makefile builds (./edd, or $EDD_BIN). */
#include <criterion/criterion.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

TestSuite(isa, .timeout = 300);

/* The ONEDNN_MAX_CPU_ISA levels, lowest first; must_be_jit from AVX2 up. */
static const struct {
    const char *level;
    int must_be_jit;
} levels[] = {{"SSE41", 0},       {"AVX", 0},          {"AVX2", 1},
              {"AVX2_VNNI", 1},   {"AVX512_CORE", 1},  {"AVX512_CORE_VNNI", 1},
              {"AVX512_CORE_BF16", 1}, {"AVX512_CORE_AMX", 1}};

#define INFO_MAX (1 << 20)

/* Run `edd info` capped at level; its stdout goes into out. */
static void info_at(const char *level, char *out, size_t n)
{
    const char *bin = getenv("EDD_BIN") ? getenv("EDD_BIN") : "./edd";
    struct stat st;
    if (stat(bin, &st) != 0)
        cr_skip_test("no edd binary at %s (build it with make)", bin);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "ONEDNN_MAX_CPU_ISA=%s OMP_NUM_THREADS=1 %s info", level, bin);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p, "cannot run %s", cmd);
    size_t len = fread(out, 1, n - 1, p);
    out[len] = 0;
    int status = pclose(p);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "`%s` failed (status %d)", cmd, status);
    cr_assert(len < n - 1, "`%s` printed more than %zu bytes", cmd, n - 1);
}

/* The string value of "key":"..." in json, into out. */
static void json_get(const char *json, const char *key, char *out, size_t n)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":\"", key);
    const char *s = strstr(json, pat);
    cr_assert_not_null(s, "no \"%s\" in edd info's output", key);
    s += strlen(pat);
    size_t len = strcspn(s, "\"");
    snprintf(out, n, "%.*s", (int)(len < n ? len : n - 1), s);
}

/* List "name: impl" for every primitive of json on a ref: kernel into out
 * (the first 8); returns their count. */
static int refs_list(const char *json, char *out, size_t n)
{
    int count = 0;
    out[0] = 0;
    for (const char *s = strstr(json, "\"impl\":\"ref"); s; s = strstr(s + 1, "\"impl\":\"ref")) {
        const char *name = s;
        while (name > json && strncmp(name, "{\"name\":\"", 9))
            name--;
        size_t len = strlen(out);
        const char *impl = s + strlen("\"impl\":\"");
        if (count < 8 && len + 1 < n)
            snprintf(out + len, n - len, "%s%.*s: %.*s", count ? "; " : "", (int)strcspn(name + 9, "\""), name + 9,
                     (int)strcspn(impl, "\""), impl);
        count++;
    }
    return count;
}

Test(isa, no_reference_primitives_at_any_level_this_cpu_has)
{
    char *json = malloc(INFO_MAX), tested[512] = "", untested[512] = "", refs[4096];
    cr_assert_not_null(json);
    int failures = 0;
    for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++) {
        char want[64], isa[64], num[16];
        snprintf(want, sizeof want, "cpu_isa_%s", levels[i].level);
        for (char *c = want; *c; c++)
            *c = (char)tolower((unsigned char)*c);
        info_at(levels[i].level, json, INFO_MAX);
        json_get(json, "isa", isa, sizeof isa);
        char *list = strcmp(isa, want) ? untested : tested;
        snprintf(list + strlen(list), 512 - strlen(list), "%s%s", list[0] ? ", " : "", levels[i].level);
        if (list == untested)
            continue;
        const char *r = strstr(json, "\"ref_primitives\":");
        cr_assert_not_null(r, "no ref_primitives in edd info's output at %s", levels[i].level);
        snprintf(num, sizeof num, "%d", atoi(r + strlen("\"ref_primitives\":")));
        int n = refs_list(json, refs, sizeof refs);
        cr_assert_eq(n, atoi(num), "edd info counts %s reference primitives at %s, its list has %d", num,
                     levels[i].level, n);
        if (n && levels[i].must_be_jit) {
            cr_log_error("isa %s: %d primitives on a reference kernel: %s", levels[i].level, n, refs);
            failures++;
        } else if (n) {
            fprintf(stderr, "isa %s: %d primitives on a reference kernel (allowed below AVX2): %s\n", levels[i].level,
                    n, refs);
        }
    }
    fprintf(stderr, "isa: tested %s; not tested, this CPU lacks them: %s\n", tested, untested[0] ? untested : "none");
    free(json);
    cr_assert_eq(failures, 0, "%d ISA levels from AVX2 up run a reference kernel (see above)", failures);
}
