/* fuzz_std_block.c - std_block_parse (src/experiments/standard_blocks.c,
 * declared in standard.h), the judge of a standard stage's block file
 * (points/.STAGE.block-B), on any bytes as the whole file. The block is
 * fixed: the first line LINE, NB images of which NCORRECT were classified
 * correctly when clean, NEPS eps for each norm and a 2 x 2 convergence
 * grid. The parser reads no file: the input goes to it as blk_load hands
 * it the bytes it read. Before each input the finds and counts hold junk,
 * so that a refusal must put them back to nothing. */
#include "standard.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define LINE "edd-std-block 1 standard_1 1/2 0 3 00112233445566778899aabbccddeeff\n"
#define NB 3
#define NCORRECT 2
#define NEPS 2
#define NCONV 4
#define SIZE (sizeof LINE - 1 + 2 * (NEPS + 1) * NB * (sizeof(float) + 1) + NCONV * 8)

static const float eps_linf[NEPS] = {0.1f, 0.3f}, eps_l2[NEPS] = {1.0f, 2.0f};

/* Junk in f (not a possible value) and in the counts. */
static void junk(std_finds *f, size_t *conv)
{
    for (size_t i = 0; i < (size_t)(NEPS + 2) * NB; i++)
        f->pre[i] = -2.5f;
    memset(f->pre_src, 0x7f, (size_t)(NEPS + 1) * NB);
    for (int c = 0; c < NCONV; c++)
        conv[c] = 12345;
}

/* The n pairs v, s keep blk_values_ok's promise: a norm >= 0 or +inf, its
 * source -1 exactly when it is +inf, else a std_source; pre_none: all -1. */
static void check_pairs(const float *v, const int8_t *s, size_t n, int pre_none)
{
    for (size_t i = 0; i < n; i++) {
        if (isnan(v[i]) || v[i] < 0.0f || s[i] < -1 || s[i] >= STD_NSOURCES)
            abort();
        if ((s[i] == -1) != (v[i] == INFINITY) || (pre_none && s[i] != -1))
            abort();
    }
}

/* An accepted f: possible values, best the smallest of pre and the norms. */
static void check_accepted(const std_finds *f)
{
    check_pairs(f->pre, f->pre_src, NB, f->ord == 0);
    check_pairs(f->norm, f->src, (size_t)NEPS * NB, 0);
    for (size_t i = 0; i < NB; i++) {
        float b = f->pre[i];
        for (int e = 0; e < NEPS; e++)
            b = fminf(b, f->norm[(size_t)e * NB + i]);
        if (f->best[i] != b)
            abort();
    }
}

/* A refused f: nothing of the bytes kept, every norm +inf, every source -1. */
static void check_reset(const std_finds *f)
{
    for (size_t i = 0; i < (size_t)(NEPS + 2) * NB; i++)
        if (f->pre[i] != INFINITY)
            abort();
    for (size_t i = 0; i < (size_t)(NEPS + 1) * NB; i++)
        if (f->pre_src[i] != -1)
            abort();
}

/* f's part of a block file (blk_save's order) into out at *at. */
static void put_finds(unsigned char *out, size_t *at, const std_finds *f)
{
    memcpy(out + *at, f->pre, NB * sizeof(float)), *at += NB * sizeof(float);
    memcpy(out + *at, f->norm, (size_t)NEPS * NB * sizeof(float)), *at += (size_t)NEPS * NB * sizeof(float);
    memcpy(out + *at, f->pre_src, (size_t)(NEPS + 1) * NB), *at += (size_t)(NEPS + 1) * NB;
}

/* What was accepted, written again as blk_save does, is the input. */
static void check_round_trip(const uint8_t *data, size_t size, const std_finds *linf, const std_finds *l2,
                             const size_t *conv)
{
    unsigned char out[SIZE];
    size_t at = sizeof LINE - 1;
    memcpy(out, LINE, at);
    put_finds(out, &at, linf);
    put_finds(out, &at, l2);
    for (int c = 0; c < NCONV; c++) {
        if (conv[c] > NCORRECT)
            abort(); /* a count <= the block's correct images */
        uint64_t v = conv[c];
        memcpy(out + at, &v, 8), at += 8;
    }
    if (at != SIZE || size != SIZE || memcmp(out, data, SIZE))
        abort(); /* accepted: the line, the exact size, the values as they were */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    std_finds linf, l2;
    size_t conv[NCONV];
    if (std_finds_alloc(&linf, NB, 0, NEPS, eps_linf) || std_finds_alloc(&l2, NB, 2, NEPS, eps_l2))
        abort();
    junk(&linf, conv);
    junk(&l2, conv);
    const char *why = std_block_parse(LINE, data, size, NB, NCORRECT, &linf, &l2, conv, NCONV);
    if (!why) {
        check_accepted(&linf);
        check_accepted(&l2);
        check_round_trip(data, size, &linf, &l2, conv);
    } else {
        if (!why[0])
            abort(); /* the contract: a refused block says why */
        check_reset(&linf);
        check_reset(&l2);
        for (int c = 0; c < NCONV; c++)
            if (conv[c])
                abort();
    }
    std_finds_free(&linf);
    std_finds_free(&l2);
    return 0;
}
