/* edd/sha256.h - SHA-256 (FIPS 180-4): the data's fingerprint
 * (edd_dataset_fingerprint), and for programs on the engine, such as the
 * study's stage manifests and the MPI ranks' agreement on their data.
 *
 * Owns: edd_sha256 (incremental: init, update, final) and the hex form.
 * May call: libc (core.h for EDD_API). */
#ifndef EDD_SHA256_H
#define EDD_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include "edd/core.h"

#define EDD_SHA256_BYTES 32
#define EDD_SHA256_HEX (2 * EDD_SHA256_BYTES + 1) /* 64 hex digits and a NUL */

/* A hash in progress: start with edd_sha256_init. */
typedef struct {
    uint32_t h[8];
    uint64_t nbytes;      /* bytes hashed so far */
    unsigned char blk[64]; /* blk[0 .. nbytes % 64) waits for a full block */
} edd_sha256;

/* Start a hash (FIPS 180-4 section 5.3.3's initial value). */
EDD_API void edd_sha256_init(edd_sha256 *s);

/* Hash n more bytes of p (p may be NULL when n is 0). */
EDD_API void edd_sha256_update(edd_sha256 *s, const void *p, size_t n);

/* Pad, finish and write the digest, big-endian, into out; s is then spent
 * (init it again to reuse it). */
EDD_API void edd_sha256_final(edd_sha256 *s, unsigned char out[EDD_SHA256_BYTES]);

/* The SHA-256 of the n bytes of p, in one call. */
EDD_API void edd_sha256_bytes(const void *p, size_t n, unsigned char out[EDD_SHA256_BYTES]);

/* The digest d as 64 lowercase hex digits and a NUL in hex. */
EDD_API void edd_sha256_hex(const unsigned char d[EDD_SHA256_BYTES], char hex[EDD_SHA256_HEX]);

#endif
