/* edd/io.h - how edd opens files, the files it writes and reads back:
 * atomic writes, NumPy .npy arrays and the model file.
 *
 * Owns: every open of a file (src/core/io.c; a test fails on an fopen or
 * open anywhere else), the byte layout of .npy files (the subset below)
 * and of the model file (docs/FORMATS.md), and the write-to-temp-then-
 * rename rule with its temporary files' names (PATH.edd-tmp.<pid>), and
 * the named stop points of EDD_STOP_AT (src/core/io_stop.c).
 * May call: core (edd_fail), libc, POSIX (open, fsync, rename), zlib (crc32).
 *
 * A reader refuses anything but a regular file without blocking (a FIFO,
 * a device, a folder, a socket). A writer never follows a symlink it did
 * not create. Every writer of a result is atomic: a failed write removes
 * its temporary file and leaves any existing file at the target path
 * untouched. */
#ifndef EDD_IO_H
#define EDD_IO_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "edd/core.h"

#define EDD_NPY_MAX_RANK 4
#define EDD_MODEL_MAGIC "EDDMODEL"
/* Version 2 adds the provenance block after the parameters; a model whose
 * provenance is unknown (all fields empty) is written as version 1, and
 * both are read. */
#define EDD_MODEL_VERSION 2u
/* Bytes before the parameters, and the trailing CRC32. */
#define EDD_MODEL_HEADER_BYTES 32
#define EDD_MODEL_CRC_BYTES 4

/* The infix of edd's temporary files, PATH EDD_TMP_INFIX <pid>: a name no
 * user file has by accident, so that edd_tmp_sweep removes only edd's. */
#define EDD_TMP_INFIX ".edd-tmp."

/* PATH.edd-tmp.<this process's pid> into buf (n bytes); nonzero if it does
 * not fit. Any writer that renames a temporary file into place names it so. */
EDD_API int edd_tmp_path(const char *path, char *buf, size_t n);

/* Write nchunks buffers (chunks[i] of sizes[i] bytes), one after the other,
 * to path.edd-tmp.<pid> (created with O_CREAT | O_EXCL | O_NOFOLLOW), fsync
 * it, and rename it over path (which replaces a symlink or FIFO there, and
 * never writes through it). On any failure the temporary file is removed
 * and an existing file at path is left as it was. A chunk of size 0 may be
 * NULL. Stop points (edd_stop_point), BASE being path's last component:
 * write-partial:BASE after half the bytes (rounded down) are written,
 * write:BASE once the temporary file is complete, before the rename. */
EDD_API edd_status edd_file_write_atomic(edd_ctx *ctx, const char *path, const void *const *chunks, const size_t *sizes,
                                         int nchunks);

/* The exit status of a process that edd_stop_point ended. */
#define EDD_STOP_EXIT 86

/* A named stop point (docs/HOSTILE.md, "Named stop points"). When the
 * environment variable EDD_STOP_AT, read at each call, names this point
 * and name, print "edd: stopped at POINT:NAME (EDD_STOP_AT)" to stderr
 * and end the process at once with _exit(EDD_STOP_EXIT): no atexit
 * handler, no stdio flush, no cleanup, which is what a kill there leaves.
 * Otherwise return. EDD_STOP_AT is a comma-separated list of POINT:NAME
 * entries; an entry may end in @rank=N or @rank!=N, which holds only in a
 * process whose OMPI_COMM_WORLD_RANK (set by mpirun) is, or is not, N. An
 * entry without a ':' or with an empty point or name never matches, nor
 * does anything else malformed: it is ignored. The points: write:BASE and
 * write-partial:BASE (edd_file_write_atomic), stage:NAME and
 * stage-end:NAME (edd reproduce), std-block:STAGE.B (a block of a standard
 * stage done). */
EDD_API void edd_stop_point(const char *point, const char *name);

/* Open path for reading without blocking on a FIFO or a device: open with
 * O_NONBLOCK, fstat, refuse (EDD_ERR_IO, naming path, what it is and
 * expected) anything but a regular file, then clear O_NONBLOCK. *fd gets
 * the descriptor, which the caller closes (or hands to fdopen/gzdopen). */
EDD_API edd_status edd_file_open_regular(edd_ctx *ctx, const char *path, const char *expected, int *fd);

/* edd_file_open_regular, then a stdio stream on it ("rb") in *f, which the
 * caller fcloses. *f is NULL on error. */
EDD_API edd_status edd_file_fopen_regular(edd_ctx *ctx, const char *path, const char *expected, FILE **f);

/* edd_file_open_regular, then the whole file into *text (malloc'd, with a
 * NUL after its *len bytes; the caller frees it). A file of more than max
 * bytes fails with EDD_ERR_FORMAT after reading max + 1 of them, so that a
 * huge file is never read to its end. Reads to EOF, not to st_size, so
 * /proc files work. On error *text is NULL. */
EDD_API edd_status edd_file_read_text(edd_ctx *ctx, const char *path, const char *expected, size_t max, char **text,
                                      size_t *len);

/* Create path as a new file for writing, what (e.g. "gnuplot log") naming
 * it in messages: O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode 0666 less
 * the umask. Anything already at path, a symlink or a FIFO included, fails
 * (EDD_ERR_IO, naming path and what is there): remove it, or create under
 * edd_tmp_path and rename into place. *fd gets the descriptor. */
EDD_API edd_status edd_file_create(edd_ctx *ctx, const char *path, const char *what, int *fd);

/* Open path for reading and writing, creating it if absent (a lock file):
 * O_RDWR | O_CREAT | O_NOFOLLOW without blocking; refuses a symlink and
 * anything but a regular file as edd_file_open_regular does. *fd gets the
 * descriptor, which the caller closes. */
EDD_API edd_status edd_file_open_rdwr(edd_ctx *ctx, const char *path, const char *expected, int *fd);

/* The CPU's model name from /proc/cpuinfo ("model name"), or "unknown",
 * into out (n bytes, truncated to fit). */
EDD_API void edd_cpu_name(char *out, size_t n);

/* Append the n bytes of b to path in one write (O_APPEND: concurrent
 * appenders' writes stay whole), creating it if absent: O_NOFOLLOW and
 * without blocking; refuses a symlink and anything but a regular file as
 * edd_file_open_regular does (EDD_ERR_IO, naming path and expected). */
EDD_API edd_status edd_file_append(edd_ctx *ctx, const char *path, const char *expected, const void *b, size_t n);

/* EDD_OK iff the n floats of v are all finite; else fails with st, naming
 * what (a file, or an array and its source), the first index that is NaN or
 * infinite, and its value. */
EDD_API edd_status edd_check_finite(edd_ctx *ctx, edd_status st, const char *what, const float *v, size_t n);

/* Remove what writers killed before their rename left in dir: files named
 * PREFIX*.edd-tmp.<pid> (any name when prefix is NULL) whose pid is no
 * longer a process on this machine; other names, a user's notes.tmp.123
 * among them, stay. A live process's file, or one that cannot be
 * removed, stays. *removed (may be NULL) gets the count. Fails only when
 * dir cannot be listed; ctx may be NULL where no message is wanted.
 * edd_file_write_atomic sweeps its own target's before it writes. */
EDD_API edd_status edd_tmp_sweep(edd_ctx *ctx, const char *dir, const char *prefix, int *removed);

/* Bytes of memory this process can still take: MemAvailable plus free
 * swap (/proc/meminfo), capped by RLIMIT_AS and RLIMIT_DATA less what the
 * process already maps; SIZE_MAX where none of these can be read. */
EDD_API size_t edd_mem_available(void);

/* EDD_OK if bytes fit in edd_mem_available(); else EDD_ERR_NOMEM naming
 * what (a file and the array it declares), the bytes and the bytes
 * available. Readers call it before an allocation whose size a file
 * declares, so that a file claiming more than the machine has gets an
 * error instead of an overcommitted buffer and the OOM killer. */
EDD_API edd_status edd_mem_check(edd_ctx *ctx, const char *what, size_t bytes);

/* Bytes an unprivileged writer may still write to the file system holding
 * dir (statvfs: f_bavail * f_frsize), in *bytes. */
EDD_API edd_status edd_disk_free(edd_ctx *ctx, const char *dir, uint64_t *bytes);

/* ---- NumPy .npy, version 1.0 written; 1.0, 2.0 and 3.0 read ----
 * Little-endian, C order, rank 0..4. */
typedef enum {
    EDD_NPY_F32 = 0, /* '<f4' */
    EDD_NPY_U8,      /* '|u1' */
    EDD_NPY_I32,     /* '<i4' */
    EDD_NPY_I64      /* '<i8' (numpy's default integer: labels) */
} edd_npy_dtype;

typedef struct {
    edd_npy_dtype dtype;
    int rank;
    size_t shape[EDD_NPY_MAX_RANK]; /* shape[i] for i >= rank is 1 */
    size_t count;                   /* elements: product of the shape */
    size_t nbytes;                  /* count times the element size */
    void *data;                     /* malloc'd, nbytes (at least 1) */
} edd_npy;

/* Bytes per element of dtype (4, 1, 4 or 8), 0 for a value outside the enum. */
EDD_API size_t edd_npy_elsize(edd_npy_dtype dtype);

/* Write data (product of shape[0..rank) elements of dtype, C order) to path
 * as a .npy v1.0 file that numpy.load opens. rank is 0..4; rank 0 is a
 * scalar. The header is padded with spaces and a final newline so that the
 * data starts at a multiple of 64 bytes, as NumPy does. Atomic. */
EDD_API edd_status edd_npy_write(edd_ctx *ctx, const char *path, edd_npy_dtype dtype, int rank, const size_t *shape,
                                 const void *data);

/* Read a .npy file into *out. Checks the magic, the version, the header
 * dict (exactly the keys descr, fortran_order and shape; descr one of
 * '<f4', '|u1', '<i4', '<i8'; fortran_order False; shape a tuple of at most 4
 * non-negative integers) and that the payload has exactly the bytes the
 * shape calls for. On error *out is zeroed. Release with edd_npy_free. */
EDD_API edd_status edd_npy_read(edd_ctx *ctx, const char *path, edd_npy *out);

/* Free the data and zero *a. Safe on a zeroed struct. */
EDD_API void edd_npy_free(edd_npy *a);

/* ---- the model file (docs/FORMATS.md) ---- */

/* Bytes of the provenance text in a version 2 model file, at most. */
#define EDD_PROV_TEXT_MAX 4096

/* Where a model came from. Each field is printable ASCII without a
 * newline; "" is unknown (a version 1 file: every field ""). */
typedef struct {
    char dataset[16];        /* "mnist" or "fashion" */
    char data_sha256[65];    /* SHA-256 of the training images (edd_dataset_images_sha256), hex */
    char made[16];           /* "train", "distill", "temperature", "adversarial" or "import" */
    char settings[512];      /* the main settings, "key=value key=value ..." */
} edd_provenance;

typedef struct {
    uint32_t k;        /* classes: 2..EDD_K_MAX (10, or 11 with the outlier class) */
    float p_input;     /* dropout rate on the input, in [0,1) */
    float p_hidden;    /* dropout rate after the last conv, in [0,1) */
    uint64_t nparams;  /* float32 parameters that follow */
    edd_provenance prov; /* version 2's block; all "" for version 1 */
} edd_model_header;

/* Write the header and nparams floats of params to path, then (version 2,
 * when any provenance field is set) the provenance block, followed by the
 * CRC32 of every byte before it. Rejects (EDD_ERR_ARG) k outside 2..EDD_K_MAX,
 * dropout rates outside [0,1), a NaN or infinite parameter and a provenance
 * field with a byte outside printable ASCII. Atomic. */
EDD_API edd_status edd_model_file_write(edd_ctx *ctx, const char *path, const edd_model_header *h, const float *params);

/* Read a model file, version 1 or 2: *h gets the header (and the
 * provenance; all "" for version 1) and *params a malloc'd array of
 * h->nparams floats (the caller frees it). Rejects a wrong magic, an
 * unknown version, a provenance block that is not key=value lines, a length that disagrees with nparams, a CRC mismatch,
 * k outside 2..EDD_K_MAX, dropout rates outside [0,1) and a NaN or infinite
 * parameter (naming the first one's index). Whether nparams fits
 * the architecture is the caller's check. On error *params is NULL. */
EDD_API edd_status edd_model_file_read(edd_ctx *ctx, const char *path, edd_model_header *h, float **params);

#endif
