/* edd/data.h - IDX files (plain or gzip) and the MNIST-style datasets.
 *
 * Owns: edd_idx (one decoded IDX file) and edd_dataset (images scaled to
 * [0,1] in NCHW float32, labels as bytes), a dataset from a user's .npy
 * files, and the rules for where the data directory is and which dataset
 * names exist.
 * May call: core (edd_fail), io (edd_file_open_regular, edd_npy_read), libc, zlib (gzopen/gzread read plain and gzip
 * files alike).
 *
 * Formats and every check made on them: docs/FORMATS.md. */
#ifndef EDD_DATA_H
#define EDD_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "edd/core.h"

/* Largest payload edd_idx_read accepts (after decompression): a gzip bomb or
 * a header declaring absurd dimensions is an error, not an allocation. */
#define EDD_IDX_MAX_BYTES ((size_t)1 << 30)

/* One IDX file of unsigned bytes (type 0x08). ne[0] is the outermost
 * dimension (the example count for MNIST); ne[i] for i >= rank is 1. */
typedef struct {
    int rank;       /* 1..4 */
    uint32_t ne[4]; /* dimensions, each > 0 */
    uint8_t *data;  /* size bytes, row-major */
    size_t size;    /* product of the dimensions */
} edd_idx;

/* An image classification set: n examples of c x h x w pixels. */
typedef struct {
    size_t n;
    int c, h, w;
    float *x;   /* n*c*h*w in [0,1], NCHW */
    uint8_t *y; /* n labels, each < 10 */
} edd_dataset;

/* Read the IDX file at path, plain or gzipped, into *out.
 * Checks the magic (two zero bytes, type 0x08, rank 1..4), that each
 * dimension is > 0, that their product neither overflows nor exceeds
 * EDD_IDX_MAX_BYTES, that the payload has exactly that many bytes, and
 * that a gzip stream is complete. On error *out is zeroed, nothing is
 * leaked and edd_ctx_error(ctx) names the path, what was found and what was expected.
 * Release with edd_idx_free. */
EDD_API edd_status edd_idx_read(edd_ctx *ctx, const char *path, edd_idx *out);

/* Free the payload and zero *idx. Safe on a zeroed struct. */
EDD_API void edd_idx_free(edd_idx *idx);

/* Load the training (train = 1) or test (train = 0) split from dir, which
 * holds train-images-idx3-ubyte, train-labels-idx1-ubyte,
 * t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, each plain or with a
 * .gz suffix (plain is used when both exist). Images must be rank 3, labels
 * rank 1 with the same count and every label < 10. Keeps the first `limit`
 * examples (0 keeps all). Pixels are scaled by 1/255; c is 1.
 * On error *out is zeroed. Release with edd_dataset_free. */
EDD_API edd_status edd_dataset_load(edd_ctx *ctx, const char *dir, int train, size_t limit, edd_dataset *out);

/* Load a dataset from a user's .npy files (docs/FORMATS.md "Images and
 * labels from .npy"): images float32 in [0, 1] or uint8 0..255 (scaled by
 * 1/255), of shape N x 1 x 28 x 28 or N x 28 x 28; labels (may be NULL: all
 * 0) int64, int32 or uint8, one dimension of N values in 0..9. Keeps the
 * first limit examples (0 keeps all). A wrong shape or dtype, a pixel that
 * is NaN or outside [0, 1], a label outside 0..9, or a label count that is
 * not the image count fails with EDD_ERR_FORMAT naming the file and what was
 * expected. On error *out is zeroed. Release with edd_dataset_free. */
EDD_API edd_status edd_dataset_load_npy(edd_ctx *ctx, const char *images, const char *labels, size_t limit,
                                        edd_dataset *out);

/* The SHA-256 of the decoded contents (dimensions and bytes) of the four
 * IDX files in dir, the same whether they are stored plain or gzipped, as
 * 64 lowercase hex digits and a NUL in hex: what `edd reproduce` records so
 * that results made from other data, by accident or on purpose, are not
 * reused. Errors as edd_dataset_load. */
#define EDD_DATASET_FINGERPRINT_HEX 65
EDD_API edd_status edd_dataset_fingerprint(edd_ctx *ctx, const char *dir, char hex[EDD_DATASET_FINGERPRINT_HEX]);

/* The SHA-256 of the decoded training images of dir (train-images-idx3-ubyte,
 * plain or gzipped: its dimensions and bytes), hex, as a model's
 * provenance records it (edd_provenance.data_sha256). Errors as
 * edd_dataset_load. */
EDD_API edd_status edd_dataset_images_sha256(edd_ctx *ctx, const char *dir, char hex[EDD_DATASET_FINGERPRINT_HEX]);

/* Free the arrays and zero *ds. Safe on a zeroed struct. */
EDD_API void edd_dataset_free(edd_dataset *ds);

/* Where `edd fetch-data` puts the data sets for a user, into buf (n bytes):
 * "$XDG_DATA_HOME/edd" when XDG_DATA_HOME is set and not empty, else
 * "$HOME/.local/share/edd". Returns buf, or NULL when neither variable is
 * set or the path does not fit. */
EDD_API const char *edd_data_home(char *buf, size_t n);

/* Write the default directory of dataset `name` into buf (n bytes), the
 * first of: "$EDD_DATA_DIR/<name>" when EDD_DATA_DIR is set and not empty;
 * edd_data_home()/<name> when that folder exists; "data/<name>" relative
 * to the working directory (the source tree's). Returns buf, or NULL when
 * the path does not fit in n bytes. */
EDD_API const char *edd_data_default_dir(const char *name, char *buf, size_t n);

/* EDD_OK when name is "mnist" or "fashion", else EDD_ERR_ARG with a message
 * listing the accepted names. */
EDD_API edd_status edd_dataset_name_check(edd_ctx *ctx, const char *name);

#endif
