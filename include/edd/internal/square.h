/* edd/internal/square.h - the per-image steps of the L2 Square attack
 * (src/attacks/square_l2.c), which the driver in src/attacks/square.c
 * calls; not installed. docs/ATTACKS.md, "Square".
 *
 * Each step is a pure function of its arguments: image xi, the restart's
 * best point bi and the counters ctr .. ctr + EDD_SQUARE_CTR_STRIDE - 1
 * under the image's key, so a result depends on neither the batch nor the
 * thread that computes it. */
#ifndef EDD_INTERNAL_SQUARE_H
#define EDD_INTERNAL_SQUARE_H

#include "edd/square.h"

/* Counters one start or one query of an image may draw. */
#define EDD_SQUARE_CTR_STRIDE 64

/* The L2 start of image xi into ci: the 5 x 5 grid of centred patterns of
 * side 5 (each with a random sign and orientation) from pixel (1, 1),
 * scaled to norm o->eps, added to xi and clipped. Draws counters ctr ..
 * ctr + 49. */
void edd_square_l2_start(const edd_square_opts *o, uint64_t key, uint32_t ctr, const float *xi, float *ci);

/* The L2 candidate of one query into ci from the best point bi of image
 * xi with squares of side s (odd, 3..27; edd_square_side): two windows at
 * random positions, the second's delta zeroed and the first's replaced by
 * a centred pattern of random sign and orientation plus its old delta
 * normalised, scaled so that the delta keeps the mass of the two windows
 * plus what the eps-ball has left; the whole delta then rescaled to norm
 * o->eps and clipped. Draws counters ctr .. ctr + 5. */
void edd_square_l2_candidate(const edd_square_opts *o, uint64_t key, uint32_t ctr, int s, const float *xi,
                             const float *bi, float *ci);

#endif
