/* test_plan_cache.c - the plan cache's policy (one plan per batch size,
 * least recently used evicted first under the row budget, the previous
 * get's plan kept) and the workspace (one zeroed allocation, aligned,
 * disjoint buffers, all or nothing). */
#include <criterion/criterion.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edd/nn.h"
#include "edd/internal/workspace.h"
#include "testutil.h"

TestSuite(nn_plan_cache, .timeout = 60);
TestSuite(workspace, .timeout = 10);

static edd_plan *get(edd_ctx *ctx, edd_plan_cache *c, const edd_cnn *m, int b)
{
    edd_plan *p = NULL;
    cr_assert_eq(edd_plan_cache_get(ctx, c, m, b, &p), EDD_OK, "get %d: %s", b, ctx->err);
    cr_assert_eq(edd_plan_batch(p), b);
    return p;
}

Test(nn_plan_cache, one_plan_per_batch_size_kept)
{
    edd_ctx ctx;
    edd_cnn m;
    ctx_make(&ctx);
    model_make(&ctx, &m, 10, 3);
    edd_plan_cache c;
    edd_plan_cache_init(&c, EDD_PLAN_INFER, 0, 0);
    edd_plan *p4 = get(&ctx, &c, &m, 4), *p3 = get(&ctx, &c, &m, 3);
    cr_assert_eq(get(&ctx, &c, &m, 4), p4);
    cr_assert_eq(get(&ctx, &c, &m, 3), p3);
    cr_assert_eq(edd_plan_cache_built(&c), 2);
    edd_plan_cache_release(&c);
    edd_cnn_free(&m);
    edd_ctx_free(&ctx);
}

Test(nn_plan_cache, row_budget_evicts_least_recently_used_but_not_the_previous)
{
    edd_ctx ctx;
    edd_cnn m;
    ctx_make(&ctx);
    model_make(&ctx, &m, 10, 3);
    edd_plan_cache c;
    edd_plan_cache_init(&c, EDD_PLAN_INPUT_GRAD, 0, 6);
    get(&ctx, &c, &m, 2);
    get(&ctx, &c, &m, 1);
    get(&ctx, &c, &m, 2); /* 1 is now the least recently used */
    get(&ctx, &c, &m, 3); /* 2 + 1 + 3 = 6 rows fit */
    cr_assert_eq(edd_plan_cache_built(&c), 3);
    get(&ctx, &c, &m, 4); /* evicts 1 (LRU), then 2; keeps 3, the previous get's */
    cr_assert_eq(edd_plan_cache_built(&c), 4);
    get(&ctx, &c, &m, 3);
    cr_assert_eq(edd_plan_cache_built(&c), 4, "3 was kept as the previous get's plan");
    get(&ctx, &c, &m, 2);
    cr_assert_eq(edd_plan_cache_built(&c), 5, "2 was evicted");
    edd_plan_cache_release(&c);
    cr_assert_eq(edd_plan_cache_built(&c), 0);
    edd_cnn_free(&m);
    edd_ctx_free(&ctx);
}

Test(workspace, carves_aligned_zeroed_disjoint_buffers)
{
    float *a;
    uint8_t *b;
    double *c;
    int *none;
    edd_ws_entry ws[] = {EDD_WS(a, 5), EDD_WS(b, 3), EDD_WS(none, 0), EDD_WS(c, 7)};
    void *mem = edd_workspace_alloc(ws, EDD_WS_COUNT(ws));
    cr_assert_not_null(mem);
    cr_assert_eq((uintptr_t)a % 64, 0);
    cr_assert_eq((uintptr_t)b % 64, 0);
    cr_assert_eq((uintptr_t)c % 64, 0);
    cr_assert_not_null(none);
    for (int i = 0; i < 7; i++)
        cr_assert_eq(c[i], 0.0);
    memset(a, 0xff, 5 * sizeof *a);
    memset(b, 0xff, 3);
    for (int i = 0; i < 7; i++)
        cr_assert_eq(c[i], 0.0, "c[%d] overlaps another buffer", i);
    free(mem);
}

Test(workspace, overflow_is_all_or_nothing)
{
    float *a, *huge;
    edd_ws_entry ws[] = {EDD_WS(a, 4), EDD_WS(huge, SIZE_MAX / 2)};
    cr_assert_null(edd_workspace_alloc(ws, EDD_WS_COUNT(ws)));
    cr_assert_null(a);
    cr_assert_null(huge);
}
