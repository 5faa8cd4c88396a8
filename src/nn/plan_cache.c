/* plan_cache.c - plans kept per batch size, least recently used evicted
 * first (the policy and the thread contract are in edd/nn.h). */
#include "edd/nn.h"

#include <stddef.h>

void edd_plan_cache_init(edd_plan_cache *c, int kind, int own_stream, long max_rows)
{
    *c = (edd_plan_cache){.kind = kind, .own_stream = own_stream, .max_rows = max_rows};
}

int edd_plan_cache_built(const edd_plan_cache *c) { return c->built; }

void edd_plan_cache_release(edd_plan_cache *c)
{
    for (int i = 0; i < EDD_PLAN_CACHE_MAX; i++)
        edd_plan_free(c->slot[i].p);
    edd_plan_cache_init(c, c->kind, c->own_stream, c->max_rows);
}

_Static_assert(EDD_PLAN_CACHE_MAX >= 2, "the previous get's plan and a new one must fit");

/* Evict least recently used plans, never the previous get's (used at
 * tick - 1), until a slot is free and b more rows fit the budget (or only
 * the protected plan is left); returns the free slot. */
static int make_room(edd_plan_cache *c, int b)
{
    int free_i = -1;
    long rows = 0;
    for (int i = 0; i < EDD_PLAN_CACHE_MAX; i++) {
        rows += c->slot[i].p ? c->slot[i].b : 0;
        if (!c->slot[i].p && free_i < 0)
            free_i = i;
    }
    while (free_i < 0 || (c->max_rows > 0 && rows + b > c->max_rows)) {
        int lru = -1;
        for (int i = 0; i < EDD_PLAN_CACHE_MAX; i++)
            if (c->slot[i].p && c->slot[i].used + 1 != c->tick &&
                (lru < 0 || c->slot[i].used < c->slot[lru].used))
                lru = i;
        if (lru < 0)
            break;
        rows -= c->slot[lru].b;
        edd_plan_free(c->slot[lru].p);
        c->slot[lru].p = NULL;
        free_i = lru;
    }
    return free_i;
}

edd_status edd_plan_cache_get(edd_ctx *ctx, edd_plan_cache *c, const edd_cnn *m, int b, edd_plan **out)
{
    c->tick++;
    for (int i = 0; i < EDD_PLAN_CACHE_MAX; i++)
        if (c->slot[i].p && c->slot[i].b == b) {
            c->slot[i].used = c->tick;
            *out = c->slot[i].p;
            return EDD_OK;
        }
    int i = make_room(c, b);
    edd_status st = edd_plan_create(ctx, m, b, c->kind, c->own_stream, &c->slot[i].p);
    if (st)
        return st;
    c->slot[i].b = b;
    c->slot[i].used = c->tick;
    c->built++;
    *out = c->slot[i].p;
    return EDD_OK;
}
