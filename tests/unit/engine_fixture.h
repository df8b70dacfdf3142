/* tests/unit/engine_fixture.h - helpers shared by the core's engine tests
 * (test_engine*.c): a driver over a malloc'd block whose actions are
 * collected as tape lines, a one-trader configuration, feeding tape lines,
 * finding an action line, an order's client id and a token's position. */
#ifndef PMC_TEST_ENGINE_FIXTURE_H
#define PMC_TEST_ENGINE_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/driver.h"
#include "core/dec.h"
#include "core/engine.h"
#include "core/tape.h"

#define TA "0x1111111111111111111111111111111111111111"
#define TB "0x2222222222222222222222222222222222222222"
#define T0 1767229200000LL /* 2026-01-01 01:00 UTC */

struct sink {
    char lines[4096][512];
    size_t n;
    uint64_t order_fills, skips;
};

static __attribute__((unused)) enum pmc_err collect(void *ctx,
                                                    const struct pmc_record *a)
{
    struct sink *s = ctx;
    char buf[PMC_TAPE_LINE_MAX];
    size_t n = pmc_tape_format(a, buf, sizeof buf);
    assert_true(n > 0);
    if (a->kind == PMC_K_ORDER)
        s->order_fills += a->u.order.nfills;
    if (a->kind == PMC_K_SKIP)
        s->skips++;
    if (s->n < 4096) {
        snprintf(s->lines[s->n], sizeof s->lines[0], "%.*s", (int)(n - 1), buf);
        s->n++;
    }
    return PMC_OK;
}

/* The driver in one malloc'd block, as the shells set it up. */
static void *drv_block;

static __attribute__((unused)) enum pmc_err
drv_init(struct pmc_driver *d, const struct pmc_config *c,
         enum pmc_err (*fn)(void *, const struct pmc_record *), void *ctx)
{
    size_t sz = (pmc_driver_mem_size(c) + 63) & ~(size_t)63;
    drv_block = aligned_alloc(64, sz);
    assert_non_null(drv_block);
    struct pmc_driver_hook h = {ctx, NULL, fn};
    return pmc_driver_init(d, drv_block, sz, c, NULL, &h);
}

static __attribute__((unused)) void drv_fini(struct pmc_driver *d)
{
    (void)d;
    free(drv_block);
    drv_block = NULL;
}

static __attribute__((unused)) void cfg_default(struct pmc_config *c)
{
    pmc_config_defaults(c);
    assert_int_equal(pmc_config_add_trader(c, TA, strlen(TA), "a", -1, 0, 1),
                     PMC_OK);
    c->dedupe_capacity = 1024;
    c->max_open_orders = 1024;
    c->max_tokens = 256;
    c->max_open_buckets = 64;
}

static __attribute__((unused)) void feed(struct pmc_driver *d, const char *line)
{
    struct pmc_record r;
    struct pmc_tape_err e;
    int has;
    enum pmc_err err = pmc_tape_parse(line, strlen(line), &r, &has, &e);
    if (err != PMC_OK)
        fail_msg("bad test line: %s: %s", line, e.msg);
    assert_true(has);
    assert_int_equal(pmc_driver_feed(d, &r), PMC_OK);
}

static __attribute__((unused)) const char *find(const struct sink *s,
                                                const char *needle)
{
    for (size_t i = 0; i < s->n; i++)
        if (strstr(s->lines[i], needle))
            return s->lines[i];
    return NULL;
}

/* coid of the i-th order line */
static __attribute__((unused)) void coid_of(const struct sink *s, int nth,
                                            char *out)
{
    int k = 0;
    for (size_t i = 0; i < s->n; i++) {
        const char *p = strstr(s->lines[i], "coid=");
        if (p && strstr(s->lines[i], "ev=order") && k++ == nth) {
            sscanf(p, "coid=%30s", out);
            return;
        }
    }
    fail_msg("no order %d", nth);
}

static __attribute__((unused)) struct pmc_position_view
pos(const struct pmc_driver *d, const char *token)
{
    struct pmc_position_view v;
    for (uint32_t i = 0; pmc_engine_position(d->eng, i, &v); i++)
        if (!strcmp(v.token->s, token))
            return v;
    fail_msg("no position for %s", token);
    return v;
}

#endif
