/* spread_util.h - what the tests of `edd reproduce` over several workers
 * share (test_mpi.c: MPI ranks; test_jobs.c: --jobs worker processes):
 * starting a smoke run in the background with its output in files, and
 * comparing a run's outputs with a serial run's, byte for byte. Test code
 * only. */
#ifndef EDD_SPREAD_UTIL_H
#define EDD_SPREAD_UTIL_H

#include <criterion/criterion.h>

#include "testutil.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Every output of ref that a smoke run makes deterministically (the CSVs,
 * models/, sigma/ and points/; not report.md and the plots, which hold
 * times) is in dir with the same bytes; returns how many files were
 * compared. */
static inline int same_outputs(const char *ref, const char *dir)
{
    static const char *const sub[] = {".", "models", "sigma", "points"};
    int n = 0;
    for (size_t s = 0; s < sizeof sub / sizeof sub[0]; s++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", ref, sub[s]);
        DIR *d = opendir(path);
        cr_assert_not_null(d, "%s", path);
        for (struct dirent *e; (e = readdir(d));) {
            size_t l = strlen(e->d_name);
            if (e->d_name[0] == '.' || (s == 0 && (l < 4 || strcmp(e->d_name + l - 4, ".csv"))))
                continue;
            char a[600], b[600];
            snprintf(a, sizeof a, "%s/%s/%s", ref, sub[s], e->d_name);
            snprintf(b, sizeof b, "%s/%s/%s", dir, sub[s], e->d_name);
            size_t na = 0, nb = 0;
            char *x = file_read_text(a, &na), *y = file_read_text(b, &nb);
            cr_assert(x && y && na == nb && !memcmp(x, y, na), "%s differs from %s", b, a);
            free(x);
            free(y);
            n++;
        }
        closedir(d);
    }
    return n;
}

/* Files under dir (and its usual subfolders) with ".edd-tmp." in the name. */
static inline int tmp_left(const char *dir)
{
    static const char *const sub[] = {".", "stages", "models", "sigma", "points", "plots"};
    int n = 0;
    for (size_t s = 0; s < sizeof sub / sizeof sub[0]; s++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, sub[s]);
        DIR *d = opendir(path);
        for (struct dirent *e; d && (e = readdir(d));)
            n += strstr(e->d_name, ".edd-tmp.") != NULL;
        if (d)
            closedir(d);
    }
    return n;
}

/* Start argv (NULL-terminated; argv[0] found on PATH) at OMP_NUM_THREADS=1
 * with stdout into dir.out and stderr into dir.err; returns its pid. */
static inline pid_t spawn_logged(const char *const *argv, const char *dir)
{
    char outp[600], errp[600];
    snprintf(outp, sizeof outp, "%s.out", dir);
    snprintf(errp, sizeof errp, "%s.err", dir);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        int fo = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0666), fe = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0666);
        dup2(fo, 1);
        dup2(fe, 2);
        setenv("OMP_NUM_THREADS", "1", 1);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    return pid;
}

/* Wait for pid; its wait status. */
static inline int finish(pid_t pid)
{
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    return status;
}

/* The text of dir.out or dir.err (which: "out" or "err"), malloc'd. */
static inline char *run_log(const char *dir, const char *which)
{
    char path[600];
    snprintf(path, sizeof path, "%s.%s", dir, which);
    char *t = file_read_text(path, NULL);
    cr_assert_not_null(t, "%s", path);
    return t;
}

#endif
