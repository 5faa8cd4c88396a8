/* square_l2.c - the L2 steps of the Square attack (Andriushchenko et al.
 * 2020, square_attack_l2 and AutoAttack's L2 Square): the centred square
 * patterns, the start and the two-window candidate of one image
 * (edd/internal/square.h; docs/ATTACKS.md, "Square").
 *
 * May call: core (the counter RNG), libm. Each function works on one
 * image, serially, in double, so its result depends on its arguments
 * alone. */
#include "edd/internal/square.h"

#include <math.h>
#include <stdlib.h>

#define H EDD_IMG_H
#define W EDD_IMG_W

_Static_assert(EDD_IMG_C == 1, "square_l2: one channel (the reference's per-channel norms are then per image)");

static float l2_clip(double v, float lo, float hi)
{
    float f = (float)v;
    return f < lo ? lo : f > hi ? hi : f;
}

/* +1 or -1 from counter ctr. */
static double l2_sign(uint64_t key, uint32_t ctr) { return (edd_rng_u32(key, ctr) >> 31) ? -1.0 : 1.0; }

/* A uniform integer in [0, span) from counter ctr. */
static int l2_pick(uint64_t key, uint32_t ctr, int span) { return (int)(edd_rng_uniform(key, ctr) * (float)span); }

/* The reference's pseudo-Gaussian rectangle of rows x cols (rows >= 1)
 * into out (row stride `stride`), normalised to unit L2 norm: the sum,
 * over k = 0 .. K-1 (K = max(rows/2, cols/2) + 1), of 1 / (k+1)^2 on the
 * square of half-side k around (rows/2, cols/2), i.e. at (i, j) the tail
 * sum from k = max(|i - rows/2|, |j - cols/2|). */
static void l2_rect(int rows, int cols, double *out, int stride)
{
    const int K = (rows / 2 > cols / 2 ? rows / 2 : cols / 2) + 1;
    double tail[H + 2], ss = 0.0;
    tail[K] = 0.0;
    for (int k = K - 1; k >= 0; k--)
        tail[k] = tail[k + 1] + 1.0 / ((k + 1.0) * (k + 1.0));
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++) {
            int di = abs(i - rows / 2), dj = abs(j - cols / 2);
            double v = tail[di > dj ? di : dj];
            out[i * stride + j] = v;
            ss += v * v;
        }
    const double inv = 1.0 / sqrt(ss);
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++)
            out[i * stride + j] *= inv;
}

/* The reference's eta(s) (s >= 2) into eta (s x s): the rectangle of the
 * top s/2 rows minus that of the other rows, normalised to unit norm,
 * transposed when `transpose`. */
static void l2_eta(int s, int transpose, double *eta)
{
    double t[EDD_IMG_SIZE], ss = 0.0;
    const int top = s / 2;
    l2_rect(top, s, t, s);
    l2_rect(s - top, s, t + top * s, s);
    for (int j = top * s; j < s * s; j++)
        t[j] = -t[j];
    for (int j = 0; j < s * s; j++)
        ss += t[j] * t[j];
    const double inv = 1.0 / sqrt(ss);
    for (int u = 0; u < s; u++)
        for (int v = 0; v < s; v++)
            eta[u * s + v] = inv * (transpose ? t[v * s + u] : t[u * s + v]);
}

/* ci = clip(xi + eps d / (||d|| + 1e-12)) (AutoAttack's normalisation). */
static void l2_apply(const edd_square_opts *o, const double *d, const float *xi, float *ci)
{
    double ss = 0.0;
    for (int j = 0; j < EDD_IMG_SIZE; j++)
        ss += d[j] * d[j];
    const double f = o->eps / (sqrt(ss) + 1e-12);
    for (int j = 0; j < EDD_IMG_SIZE; j++)
        ci[j] = l2_clip(xi[j] + f * d[j], o->clip_min, o->clip_max);
}

void edd_square_l2_start(const edd_square_opts *o, uint64_t key, uint32_t ctr, const float *xi, float *ci)
{
    const int s = H / 5, off = (H - 5 * s) / 2, nh = H / s, nw = W / s;
    double d[EDD_IMG_SIZE] = {0}, eta[EDD_IMG_SIZE];
    for (int bh = 0; bh < nh; bh++)
        for (int bw = 0; bw < nw; bw++) {
            const uint32_t c = ctr + 2u * (uint32_t)(bh * nw + bw);
            const double sign = l2_sign(key, c);
            l2_eta(s, l2_sign(key, c + 1) < 0.0, eta);
            for (int u = 0; u < s; u++)
                for (int v = 0; v < s; v++)
                    d[(off + bh * s + u) * W + off + bw * s + v] += sign * eta[u * s + v];
        }
    l2_apply(o, d, xi, ci);
}

/* Whether pixel (r, c) lies in the square of side s at (h0, w0). */
static int l2_inside(int r, int c, int h0, int w0, int s) { return r >= h0 && r < h0 + s && c >= w0 && c < w0 + s; }

void edd_square_l2_candidate(const edd_square_opts *o, uint64_t key, uint32_t ctr, int s, const float *xi,
                             const float *bi, float *ci)
{
    const int h1 = l2_pick(key, ctr, H - s), w1 = l2_pick(key, ctr + 1, W - s);
    const int h2 = l2_pick(key, ctr + 2, H - s), w2 = l2_pick(key, ctr + 3, W - s);
    const double sign = l2_sign(key, ctr + 4);
    double d[EDD_IMG_SIZE], eta[EDD_IMG_SIZE];
    l2_eta(s, l2_sign(key, ctr + 5) < 0.0, eta);
    double img = 0.0, win1 = 0.0, both = 0.0;
    for (int r = 0; r < H; r++)
        for (int c = 0; c < W; c++) {
            const double v = (double)bi[r * W + c] - xi[r * W + c];
            const int in1 = l2_inside(r, c, h1, w1, s);
            d[r * W + c] = v;
            img += v * v;
            win1 += in1 ? v * v : 0.0;
            both += in1 || l2_inside(r, c, h2, w2, s) ? v * v : 0.0;
        }
    /* the new window: the pattern plus the old window's delta at unit norm,
     * carrying the two windows' mass and what the ball has left */
    const double nwin1 = sqrt(win1) + 1e-12;
    double nn = 0.0;
    for (int u = 0; u < s; u++)
        for (int v = 0; v < s; v++) {
            eta[u * s + v] = sign * eta[u * s + v] + d[(h1 + u) * W + w1 + v] / nwin1;
            nn += eta[u * s + v] * eta[u * s + v];
        }
    const double room = (double)o->eps * o->eps - img;
    const double scale = sqrt((room > 0.0 ? room : 0.0) + both) / (sqrt(nn) + 1e-12);
    for (int u = 0; u < s; u++)
        for (int v = 0; v < s; v++)
            d[(h2 + u) * W + w2 + v] = 0.0;
    for (int u = 0; u < s; u++)
        for (int v = 0; v < s; v++)
            d[(h1 + u) * W + w1 + v] = scale * eta[u * s + v];
    l2_apply(o, d, xi, ci);
}
