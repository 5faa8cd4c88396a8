/* fuzz_idx.c - edd_idx_read (src/data/idx.c) on any bytes: gzopen reads a
 * plain file as it is and a gzip stream decompressed, so one target covers
 * both; the seed corpus has each. */
#include "edd/data.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    edd_ctx ctx = {0};
    edd_idx idx = {0};
    const char *path = fuzz_file("in.idx", data, size);
    if (edd_idx_read(&ctx, path, &idx) == EDD_OK) {
        size_t n = 1;
        for (int i = 0; i < idx.rank; i++)
            n *= idx.ne[i];
        if (n != idx.size || !n)
            abort(); /* the contract: size is the product of the dimensions, each > 0 */
        volatile uint8_t sink = idx.data[n - 1]; /* the whole payload is there */
        (void)sink;
    }
    edd_idx_free(&idx);
    return 0;
}
