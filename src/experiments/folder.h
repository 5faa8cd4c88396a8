/* folder.h - private to src/experiments: the results folder as runner.c
 * uses it (folder.c): made and locked, its dataset checked, its room
 * checked before each stage. May call repro.h. */
#ifndef EDD_FOLDER_H
#define EDD_FOLDER_H

#include "repro.h"

/* Make out_dir and its subfolders, then take its lock (*lockfd): one run
 * at a time per folder; holding it, sweep the temporary files of killed
 * runs. */
edd_status repro_open_folder(edd_ctx *ctx, const char *out_dir, int quiet, int *lockfd);

/* Refuse a run on another dataset than the folder's (stages/dataset);
 * with mark, record the run's dataset there. */
edd_status repro_check_dataset(edd_ctx *ctx, const edd_repro_opts *o, int mark);

/* Fail unless out_dir's file system has room for what stage may write. */
edd_status repro_check_disk(edd_ctx *ctx, const edd_repro_scale *sc, const char *out_dir, const char *stage);

#endif
