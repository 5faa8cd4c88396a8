/* fuzz_model.c - the model loader on any bytes: edd_model_file_read
 * (src/core/model_file.c) through edd_cnn_load (src/nn/cnn.c), which also
 * checks the architecture and the parameter count. */
#include "edd/nn.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    edd_ctx ctx = {0};
    edd_cnn m = {0};
    const char *path = fuzz_file("in.edd", data, size);
    if (edd_cnn_load(&ctx, &m, path) == EDD_OK) {
        if (m.nparams != edd_cnn_nparams(m.k))
            abort(); /* the contract: the parameter count matches the architecture */
        volatile float sink = m.params[m.nparams - 1]; /* every parameter is there */
        (void)sink;
    }
    edd_cnn_free(&m);
    return 0;
}
