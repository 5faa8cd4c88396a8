/* fuzz_npy.c - edd_npy_read (src/core/npy.c) on any bytes. */
#include "edd/io.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    edd_ctx ctx = {0};
    edd_npy a = {0};
    const char *path = fuzz_file("in.npy", data, size);
    if (edd_npy_read(&ctx, path, &a) == EDD_OK) {
        size_t n = 1;
        for (int i = 0; i < a.rank; i++)
            n *= a.shape[i];
        if (n != a.count || a.nbytes != n * edd_npy_elsize(a.dtype))
            abort(); /* the contract: count is the shape's product, nbytes count times the element size */
        if (a.nbytes) {
            volatile uint8_t sink = ((const uint8_t *)a.data)[a.nbytes - 1]; /* the whole payload is there */
            (void)sink;
        }
    }
    edd_npy_free(&a);
    return 0;
}
