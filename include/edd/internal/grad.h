/* edd/internal/grad.h - what the tests and benchmarks ask of the gradient
 * engine (src/attacks/grad.c) beyond the public API; not installed. */
#ifndef EDD_INTERNAL_GRAD_H
#define EDD_INTERNAL_GRAD_H

#include "edd/attacks.h"

/* Plans the gradder has built so far (for tests and benchmarks). */
int edd_gradder_plans_built(const edd_gradder *g);

#endif
