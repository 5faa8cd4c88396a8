/* workspace.c - one zeroed, aligned allocation carved into named buffers. */
#include "edd/internal/workspace.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define WS_ALIGN 64

void *edd_workspace_alloc(const edd_ws_entry *e, int n)
{
    for (int i = 0; i < n; i++)
        *e[i].ptr = NULL;
    size_t total = 0;
    for (int i = 0; i < n; i++) {
        size_t start = (total + WS_ALIGN - 1) / WS_ALIGN * WS_ALIGN;
        if (start < total || (e[i].size && e[i].count > (SIZE_MAX - start) / e[i].size))
            return NULL;
        total = start + e[i].count * e[i].size;
    }
    size_t rounded = (total / WS_ALIGN + 1) * WS_ALIGN; /* at least one alignment unit, never 0 */
    if (rounded < total)
        return NULL;
    char *base = aligned_alloc(WS_ALIGN, rounded);
    if (!base)
        return NULL;
    memset(base, 0, rounded);
    size_t off = 0;
    for (int i = 0; i < n; i++) {
        off = (off + WS_ALIGN - 1) / WS_ALIGN * WS_ALIGN;
        *e[i].ptr = base + off;
        off += e[i].count * e[i].size;
    }
    return base;
}
