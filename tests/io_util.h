/* io_util.h - what the file tests share (test_io.c, test_io_model.c):
 * a whole file, a folder's entries, an error message's fragment. Test code
 * only. */
#ifndef EDD_IO_UTIL_H
#define EDD_IO_UTIL_H

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edd/core.h"
#include "edd/internal/ctx.h"

/* Whole file into a malloc'd buffer; *n gets its length. */
static inline unsigned char *file_get(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    unsigned char *b = malloc(1 << 20);
    cr_assert_not_null(b);
    *n = fread(b, 1, 1 << 20, f);
    fclose(f);
    return b;
}

/* The entries of dir but . and .. */
static inline int dir_entries(const char *dir)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

/* ctx's error message holds needle. */
static inline void assert_msg(const edd_ctx *ctx, const char *needle)
{
    cr_assert_not_null(strstr(ctx->err, needle), "message lacks '%s': %s", needle, ctx->err);
}

#endif
