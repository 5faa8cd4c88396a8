/* edd/internal/workspace.h - one allocation carved into an algorithm's named
 * buffers (llm.c's malloc_and_point_parameters).
 *
 * Owns: edd_workspace_alloc.
 * May call: libc.
 *
 * An algorithm lists its buffers once, allocates them in one call and frees
 * them in one call:
 *
 *     float *x; int *it;
 *     edd_ws_entry ws[] = {EDD_WS(x, n * 784), EDD_WS(it, n)};
 *     void *mem = edd_workspace_alloc(ws, EDD_WS_COUNT(ws));
 *     if (!mem) return edd_fail(ctx, EDD_ERR_NOMEM, ...);
 *     ...
 *     free(mem); */
#ifndef EDD_WORKSPACE_H
#define EDD_WORKSPACE_H

#include <stddef.h>

/* One named buffer: where to store its address, and count elements of size
 * bytes each. */
typedef struct {
    void **ptr;
    size_t count, size;
} edd_ws_entry;

/* The entry for pointer p with n elements of p's type. */
#define EDD_WS(p, n) {(void **)&(p), (size_t)(n), sizeof *(p)}
#define EDD_WS_COUNT(ws) ((int)(sizeof(ws) / sizeof *(ws)))

/* Allocate one zeroed block holding the n buffers of e, each starting on a
 * 64-byte boundary, and point *e[i].ptr at buffer i (a buffer of 0 elements
 * still gets a valid, unusable address). Returns the block, to be released
 * with free(), or NULL when the sizes overflow or memory runs out: then
 * every *e[i].ptr is NULL. */
void *edd_workspace_alloc(const edd_ws_entry *e, int n);

#endif
