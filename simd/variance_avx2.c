/* variance_avx2.c - the MC-dropout logit variance of the paper's Eq. 1,
 * 8 logits at a time. Twin of variance_scalar.c; bit-exact with it. See
 * include/edd/internal/simd.h.
 *
 * The per-element work (mean over the passes, then the sum of squared
 * deviations) is independent for each of the nex * k contiguous logits, so
 * it is vectorised across them: lane l holds element o + l of the flat
 * [nex][k] plane and performs exactly the scalar twin's operations, in the
 * same pass order, with separate multiplies and adds (this file is built in
 * ISO C mode, where GCC does not contract a*b+c into an FMA). The per-element
 * sums of squares go to a small stack buffer and are then added per example
 * in class order, again as the scalar twin does. */
#include "edd/internal/simd.h"

#include <immintrin.h>

#define CHUNK 512 /* floats of the flat plane per buffered block (2 KiB) */

/* Sum over passes of the squared deviation from the mean, one element. */
static inline float sq_dev(const float *col, size_t npass, size_t stride, float fn)
{
    float sum = 0.0f;
    for (size_t m = 0; m < npass; m++)
        sum = sum + col[m * stride];
    const float mean = sum / fn;
    float s = 0.0f;
    for (size_t m = 0; m < npass; m++) {
        const float dv = col[m * stride] - mean;
        s = s + dv * dv;
    }
    return s;
}

/* The same for 8 consecutive elements, one per lane. */
static inline __m256 sq_dev_x1(const float *col, size_t npass, size_t stride, __m256 vn)
{
    __m256 sum = _mm256_setzero_ps();
    for (size_t m = 0; m < npass; m++)
        sum = _mm256_add_ps(sum, _mm256_loadu_ps(col + m * stride));
    const __m256 mean = _mm256_div_ps(sum, vn);
    __m256 s = _mm256_setzero_ps();
    for (size_t m = 0; m < npass; m++) {
        const __m256 dv = _mm256_sub_ps(_mm256_loadu_ps(col + m * stride), mean);
        s = _mm256_add_ps(s, _mm256_mul_ps(dv, dv));
    }
    return s;
}

/* The same for 32 consecutive elements: four independent dependency chains
 * (each still in pass order) so that the adds' latency overlaps. */
static inline void sq_dev_x4(const float *col, size_t npass, size_t stride, __m256 vn, float *out)
{
    __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    for (size_t m = 0; m < npass; m++) {
        const float *r = col + m * stride;
        s0 = _mm256_add_ps(s0, _mm256_loadu_ps(r));
        s1 = _mm256_add_ps(s1, _mm256_loadu_ps(r + 8));
        s2 = _mm256_add_ps(s2, _mm256_loadu_ps(r + 16));
        s3 = _mm256_add_ps(s3, _mm256_loadu_ps(r + 24));
    }
    const __m256 m0 = _mm256_div_ps(s0, vn), m1 = _mm256_div_ps(s1, vn);
    const __m256 m2 = _mm256_div_ps(s2, vn), m3 = _mm256_div_ps(s3, vn);
    s0 = s1 = s2 = s3 = _mm256_setzero_ps();
    for (size_t m = 0; m < npass; m++) {
        const float *r = col + m * stride;
        const __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(r), m0);
        const __m256 d1 = _mm256_sub_ps(_mm256_loadu_ps(r + 8), m1);
        const __m256 d2 = _mm256_sub_ps(_mm256_loadu_ps(r + 16), m2);
        const __m256 d3 = _mm256_sub_ps(_mm256_loadu_ps(r + 24), m3);
        s0 = _mm256_add_ps(s0, _mm256_mul_ps(d0, d0));
        s1 = _mm256_add_ps(s1, _mm256_mul_ps(d1, d1));
        s2 = _mm256_add_ps(s2, _mm256_mul_ps(d2, d2));
        s3 = _mm256_add_ps(s3, _mm256_mul_ps(d3, d3));
    }
    _mm256_storeu_ps(out, s0);
    _mm256_storeu_ps(out + 8, s1);
    _mm256_storeu_ps(out + 16, s2);
    _mm256_storeu_ps(out + 24, s3);
}

void edd_logit_variance_f32_avx2(const float *z, size_t npass, size_t nex, size_t k,
                                 float *sigma)
{
    if (npass == 0 || k == 0) {
        for (size_t e = 0; e < nex; e++)
            sigma[e] = 0.0f;
        return;
    }
    const size_t stride = nex * k;
    const float fn = (float)npass;
    const __m256 vn = _mm256_set1_ps(fn);
    float buf[CHUNK];
    float acc = 0.0f;
    size_t e = 0, j = 0;
    for (size_t o0 = 0; o0 < stride; o0 += CHUNK) {
        const size_t len = stride - o0 < CHUNK ? stride - o0 : CHUNK;
        size_t i = 0;
        for (; i + 32 <= len; i += 32)
            sq_dev_x4(z + o0 + i, npass, stride, vn, buf + i);
        for (; i + 8 <= len; i += 8)
            _mm256_storeu_ps(buf + i, sq_dev_x1(z + o0 + i, npass, stride, vn));
        for (; i < len; i++)
            buf[i] = sq_dev(z + o0 + i, npass, stride, fn);
        for (i = 0; i < len; i++) {
            acc = acc + buf[i];
            if (++j == k) {
                sigma[e++] = acc / fn;
                acc = 0.0f;
                j = 0;
            }
        }
    }
}
