/* simd_util.h - test-local random numbers for the SIMD tests
 * (test_simd.c, test_simd_saliency.c): splitmix64 on a state the test
 * owns. Test code only. */
#ifndef EDD_SIMD_UTIL_H
#define EDD_SIMD_UTIL_H

#include <stddef.h>
#include <stdint.h>

static inline uint64_t next_u64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform in [lo, hi), 24 bits. */
static inline float uniform(uint64_t *s, float lo, float hi)
{
    return lo + (hi - lo) * (float)(next_u64(s) >> 40) * (1.0f / 16777216.0f);
}

/* Uniform in 0..n-1. */
static inline size_t below(uint64_t *s, size_t n)
{
    return (size_t)(next_u64(s) % n);
}

#endif
