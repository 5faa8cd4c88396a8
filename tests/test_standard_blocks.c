/* test_standard_blocks.c - a standard stage's blocks (src/experiments/
 * standard_blocks.c): a run stopped once a block is on disk resumes from
 * it and ends with the uninterrupted run's CSVs, byte for byte; a block
 * file that is damaged, another model's, a symlink to a foreign file or a
 * FIFO is said so and computed again, never trusted, never waited on; no
 * block file is left once the stage is done. Smoke scale has two blocks
 * per model; the reference is the shared smoke folder (smoke_shared.h). */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "edd/io.h"
#include "smoke_shared.h"
#include "testutil.h"

TestSuite(std_blocks, .timeout = 600);

/* The joined CSVs a standard stage's blocks make. */
static const char *const joined[] = {"standard.csv", "min_l2.csv", "min_l2_summary.csv", "convergence.csv",
                                     "security_l2.csv"};

/* dir/name and ref/name hold the same bytes. */
static void same_file(const char *dir, const char *ref, const char *name)
{
    char a[700], b[700];
    snprintf(a, sizeof a, "%s/%s", dir, name);
    snprintf(b, sizeof b, "%s/%s", ref, name);
    size_t na = 0, nb = 0;
    char *x = file_read_text(a, &na), *y = file_read_text(b, &nb);
    cr_assert(na == nb && !memcmp(x, y, na), "%s differs from the uninterrupted run's %s", a, b);
    free(x), free(y);
}

/* No file under dir/points starts with ".standard_". */
static void no_block_left(const char *dir)
{
    char p[700];
    snprintf(p, sizeof p, "%s/points", dir);
    DIR *d = opendir(p);
    cr_assert_not_null(d, "%s", p);
    for (struct dirent *e; (e = readdir(d));)
        cr_expect(strncmp(e->d_name, ".standard_", 10), "%s/%s: a block file left after its stage", p, e->d_name);
    closedir(d);
}

/* `edd reproduce --scale smoke --only standard` into dir, stopped at stop
 * (NULL: none); its exit status, its output into out. */
static int run_standard(const char *dir, const char *stop, char *out, size_t n)
{
    char args[800];
    snprintf(args, sizeof args, "reproduce --scale smoke --only standard --out %s --threads 1", dir);
    if (stop)
        setenv("EDD_STOP_AT", stop, 1);
    const int rc = edd_run(out, n, args);
    unsetenv("EDD_STOP_AT");
    return rc;
}

Test(std_blocks, a_stopped_stage_resumes_from_its_blocks)
{
    static char out[1 << 18];
    char ref[600], dir[600], block[700];
    smoke_shared(ref, sizeof ref);
    tmpdir_make(dir, sizeof dir, "std_blocks_resume");
    cr_assert_eq(run_standard(dir, "std-block:standard_1.1", out, sizeof out), EDD_STOP_EXIT, "%s", out);
    snprintf(block, sizeof block, "%s/points/.standard_1.block-1", dir);
    cr_assert_eq(access(block, R_OK), 0, "the stop after block 1 left no %s", block);
    cr_assert_eq(run_standard(dir, NULL, out, sizeof out), 0, "%s", out);
    cr_expect_not_null(strstr(out, "model baseline: block 1 of 2 (images 0-9) read from its file"), "%s", out);
    for (size_t i = 0; i < sizeof joined / sizeof joined[0]; i++)
        same_file(dir, ref, joined[i]);
    no_block_left(dir);
    tmpdir_remove(dir);
}

Test(std_blocks, a_block_file_not_this_runs_is_computed_again)
{
    static char out[1 << 18];
    char ref[600], dir[600], p[5][700];
    smoke_shared(ref, sizeof ref);
    tmpdir_make(dir, sizeof dir, "std_blocks_hostile");
    cr_assert_eq(run_standard(dir, "std-block:standard_1.1", out, sizeof out), EDD_STOP_EXIT, "%s", out);
    /* Stages 2, 4 and 5 have not run: a file planted for them is read. */
    const char *names[5] = {"standard_1.block-1", "standard_2.block-1", "standard_4.block-1", "standard_5.block-1",
                            "standard_2.block-2"};
    for (int k = 0; k < 5; k++)
        snprintf(p[k], sizeof p[k], "%s/points/.%s", dir, names[k]);
    for (int k = 2; k <= 5; k += k == 2 ? 2 : 1) {
        char done[700];
        snprintf(done, sizeof done, "%s/stages/standard_%d.done", dir, k);
        cr_assert_neq(access(done, F_OK), 0, "%s: the stage ran before standard_1; the test needs it not run", done);
    }
    size_t n = 0;
    char *good = file_read_text(p[0], &n);
    file_put(p[1], good, n); /* the baseline's block offered as the temperature model's */
    char *bad = memchr(good, '\n', n);
    cr_assert_not_null(bad);
    memset(bad + 1, 0xff, 4); /* a NaN norm */
    file_put(p[0], good, n);
    free(good);
    cr_assert_eq(symlink("/etc/passwd", p[2]), 0);
    cr_assert_eq(mkfifo(p[3], 0600), 0);
    file_put(p[4], "edd-std-block 1\n", 16);
    cr_assert_eq(run_standard(dir, NULL, out, sizeof out), 0, "%s", out);
    cr_expect_not_null(strstr(out, ".standard_1.block-1: a norm or a source in it is impossible; computing"), "%s",
                       out);
    cr_expect_not_null(strstr(out, ".standard_2.block-1: its first line is not this run's"), "%s", out);
    cr_expect_not_null(strstr(out, ".standard_4.block-1: more than"), "the foreign file is not said so:\n%s", out);
    cr_expect_not_null(strstr(out, ".standard_5.block-1: found a FIFO"), "the FIFO is not said so:\n%s", out);
    cr_expect_not_null(strstr(out, ".standard_2.block-2: its first line is not this run's"), "%s", out);
    cr_expect_null(strstr(out, "read from its file"), "a block not this run's was trusted:\n%s", out);
    for (size_t i = 0; i < sizeof joined / sizeof joined[0]; i++)
        same_file(dir, ref, joined[i]);
    no_block_left(dir);
    struct stat sb;
    cr_expect_eq(stat("/etc/passwd", &sb), 0, "removing the symlink removed its target");
    tmpdir_remove(dir);
}
