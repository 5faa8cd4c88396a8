/* manifest.h - the stage manifests of `edd reproduce`
 * (src/experiments/manifest.c): what each stage wrote, with sizes, CRC32s
 * and SHA-256s, so that a rerun redoes only what changed, by accident or
 * on purpose. The study's, used by the runner and its tests; not installed. */
#ifndef EDD_REPRO_MANIFEST_H
#define EDD_REPRO_MANIFEST_H

#include "edd/core.h"
#include "edd/sha256.h"

/* ---- stage manifests (src/experiments/manifest.c) ---- */

/* What a manifest records of one file. */
typedef struct {
    uint64_t size;
    uint32_t crc;  /* CRC32 (zlib) of the bytes but the last min(4, size) */
    uint32_t tail; /* those last bytes, big-endian */
    unsigned char sha[EDD_SHA256_BYTES]; /* SHA-256 of every byte */
} edd_digest;

/* The digest of the regular file at path, in one pass (a FIFO or a device
 * is refused, without blocking, naming path). */
edd_status edd_file_digest(edd_ctx *ctx, const char *path, edd_digest *d);

/* Size of the file at path, CRC32 (zlib) of its bytes but the last
 * min(4, size), and those last bytes big-endian in *tail (edd_file_digest
 * without the SHA-256): a model file ends with its own CRC32, whose CRC32
 * together with the data is one constant. */
edd_status edd_file_crc32(edd_ctx *ctx, const char *path, uint32_t *crc, uint32_t *tail, uint64_t *size);

/* Write dir/stages/stage.done atomically: the scale tag, seconds, the deps
 * signature; an 'input' line for each file that the manifests of the
 * stages in deps (bit j: stage j of the table, edd_repro_stage_name; the
 * stages it read) list now, with its size, CRC32, tail and SHA-256 as they
 * list it (a stage without a manifest gives none); and for each of the
 * nfiles paths (relative to dir), its size, CRC32, tail and SHA-256
 * (edd_file_digest). */
edd_status edd_manifest_write_inputs(edd_ctx *ctx, const char *dir, const char *stage, const char *scale,
                                     double seconds, uint32_t deps_sig, uint64_t deps, const char *const *files,
                                     int nfiles);

/* edd_manifest_write_inputs with no input: a stage that reads no stage. */
edd_status edd_manifest_write(edd_ctx *ctx, const char *dir, const char *stage, const char *scale, double seconds,
                              uint32_t deps_sig, const char *const *files, int nfiles);

/* Remove dir/stages/stage.done before its stage runs: EDD_OK when it was
 * absent or a regular file (now gone); else EDD_ERR_IO naming it and what
 * it is (a FIFO, a symlink, a folder...), left as it is: the runner
 * replaces only what a run of edd could have written. */
edd_status edd_manifest_remove(edd_ctx *ctx, const char *dir, const char *stage);

/* 1 iff dir/stages/stage.done exists, parses, names scale (the tag) and deps_sig, and
 * every file it lists matches, SHA-256 included (a manifest may list none:
 * a stage that wrote nothing; an older edd's manifest, without SHA-256s,
 * is not valid and why says so), and every input it lists is listed the
 * same by its stage's manifest now; *sig (may be NULL) then gets the CRC32 of its file lines and
 * *seconds (may be NULL) its wall time. 0 otherwise,
 * and why (may be NULL) gets the first mismatch: the file, what it has and
 * what was expected. */
int edd_manifest_valid(const char *dir, const char *stage, const char *scale, uint32_t deps_sig, uint32_t *sig,
                       double *seconds, char *why, size_t whylen);

/* 1 iff dir/stages/stage.done exists and starts as a manifest of that
 * stage (an older edd's too): its scale tag (up to n bytes, e.g. "paper-1a2b3c4d5e6f7a8b") into scale
 * and its wall time into *seconds, without checking its files (the times of
 * `edd reproduce --dry-run`). 0 otherwise. */
int edd_manifest_seconds(const char *dir, const char *stage, char *scale, size_t n, double *seconds);

#endif
