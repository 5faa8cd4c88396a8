/* test_buf.c - the growing text buffer (include/edd/buf.h): growth past
 * its first allocation, printf of any length, the sticky error flag, and
 * paths that do not fit. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <string.h>

#include "edd/internal/ctx.h"
#include "edd/buf.h"
#include "experiments.h"

TestSuite(buf, .timeout = 30);

Test(buf, grows_and_stays_terminated)
{
    edd_buf b = {0};
    cr_assert_null(b.s);
    for (int i = 0; i < 10000; i++)
        edd_buf_append(&b, "abc", 3);
    cr_assert_eq(b.len, 30000);
    cr_assert_geq(b.cap, b.len + 1);
    cr_assert_eq(b.s[b.len], 0);
    cr_assert_eq(strspn(b.s, "abc"), 30000);
    cr_assert_eq(memcmp(b.s + 29997, "abc", 3), 0);
    cr_assert_eq(edd_buf_status(NULL, &b, "test"), EDD_OK);
    edd_buf_free(&b);
    cr_assert_null(b.s);
    cr_assert_eq(b.len, 0);
}

Test(buf, printf_any_length)
{
    edd_buf b = {0};
    edd_buf_printf(&b, "%s=%d;", "x", 42);
    cr_assert_str_eq(b.s, "x=42;");
    char big[5000];
    memset(big, 'y', sizeof big - 1);
    big[sizeof big - 1] = 0;
    edd_buf_printf(&b, "[%s]%.2f", big, 0.125);
    cr_assert_eq(b.len, 5 + 1 + 4999 + 1 + 4);
    cr_assert_eq(strlen(b.s), b.len);
    cr_assert_str_eq(b.s + b.len - 5, "]0.12");
    edd_buf_free(&b);
}

Test(buf, error_is_sticky)
{
    edd_ctx ctx = {0};
    edd_buf b = {0};
    edd_buf_printf(&b, "kept");
    /* a size no allocator grants: the append fails and sets err */
    edd_buf_append(&b, "", (size_t)-1 / 2);
    cr_assert(b.err);
    edd_buf_printf(&b, " not kept");
    edd_buf_append(&b, "!", 1);
    cr_assert_eq(b.len, 4);
    cr_assert_str_eq(b.s, "kept");
    cr_assert_eq(edd_buf_status(&ctx, &b, "report.md"), EDD_ERR_NOMEM);
    cr_assert_not_null(strstr(ctx.err, "report.md"), "%s", ctx.err);
    cr_assert_not_null(strstr(ctx.err, "4 bytes"), "%s", ctx.err);
    edd_buf_free(&b);
    cr_assert_eq(b.err, 0);
    edd_buf_printf(&b, "again");
    cr_assert_str_eq(b.s, "again");
    edd_buf_free(&b);
}

Test(buf, path_join_fits_or_fails)
{
    edd_ctx ctx = {0};
    char out[16];
    cr_assert_eq(edd_path_join(&ctx, out, sizeof out, "results", "a.csv"), EDD_OK);
    cr_assert_str_eq(out, "results/a.csv");
    /* 15 bytes fit in 16, 16 do not */
    cr_assert_eq(edd_path_join(&ctx, out, sizeof out, "results", "abcdefg"), EDD_OK);
    cr_assert_eq(edd_path_join(&ctx, out, sizeof out, "results", "abcdefgh"), EDD_ERR_ARG);
    cr_assert_str_eq(out, "");
    cr_assert_str_eq(ctx.err, "a path of 16 bytes, expected at most 15: 'abcdefgh' in folder 'results'");
}

Test(buf, reproduce_rejects_a_folder_too_long)
{
    edd_ctx ctx = {0};
    static char dir[EDD_PATH_MAX + 100];
    memset(dir, 'd', sizeof dir - 1);
    memcpy(dir, "/tmp/", 5);
    dir[sizeof dir - 1] = 0;
    edd_repro_scale sc;
    cr_assert_eq(edd_repro_scale_get(&ctx, "smoke", &sc), EDD_OK);
    edd_repro_opts o = {.out_dir = dir, .data_dir = "data", .quiet = 1};
    cr_assert_eq(edd_reproduce(&ctx, &sc, &o, NULL), EDD_ERR_ARG);
    cr_assert_eq(strncmp(ctx.err, "a folder name of 4195 bytes, expected at most 4095: '/tmp/ddd", 60), 0, "%.100s",
                 ctx.err);
}
