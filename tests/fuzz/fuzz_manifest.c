/* fuzz_manifest.c - edd_manifest_valid (src/experiments/manifest.c) on any
 * bytes as a stage's manifest. The input is written to
 * DIR/stages/fuzz.done with one small file, DIR/a.txt, beside it, so that
 * a manifest line naming a.txt reaches the size and CRC32 checks. */
#include "manifest.h"
#include "fuzz.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char stages[300];
    if (!stages[0]) {
        snprintf(stages, sizeof stages, "%s/stages", fuzz_dir());
        if (mkdir(stages, 0700) && access(stages, W_OK))
            abort();
        fuzz_file("a.txt", (const uint8_t *)"edd\n", 4);
    }
    fuzz_file("stages/fuzz.done", data, size);
    char why[512];
    uint32_t sig = 0;
    double seconds = 0;
    why[0] = 0;
    int ok = edd_manifest_valid(fuzz_dir(), "fuzz", "smoke", 0x1234abcdu, &sig, &seconds, why, sizeof why);
    if (!ok && (!why[0] || !memchr(why, 0, sizeof why)))
        abort(); /* the contract: a manifest refused says why */
    return 0;
}
