/* edd.h - the whole public API of edd: include this one header.
 * Each module's header says what it owns and what it may call;
 * docs/ARCHITECTURE.md draws the layers. */
#ifndef EDD_H
#define EDD_H

#include "edd/core.h"
#include "edd/progress.h"
#include "edd/io.h"
#include "edd/data.h"
#include "edd/simd.h"
#include "edd/nn.h"
#include "edd/train.h"
#include "edd/defense.h"
#include "edd/attacks.h"
#include "edd/cw.h"
#include "edd/eval.h"
#include "edd/experiments.h"

#endif
