/* tests/unit/test_driver.c - the one engine loop (core/driver.h): timers
 * due at t fire before an input at t and the record hook sees their
 * actions first; a source with nothing before the deadline lets time reach
 * it; the shutdown flush drains every open bucket however many steps that
 * takes, is journaled once and ends; the hook sees an order before the
 * venue; a source that idles with no deadline is an error, not a hang. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/driver.h"
#include "core/tape.h"

#define TA "0x1111111111111111111111111111111111111111"
#define T0 1767229200000LL

/* A scripted input port over parsed lines. */
struct script {
    struct pmc_record r[128];
    size_t n, i;
    int idle_forever; /* answer PMC_EAGAIN whatever the deadline */
    pmc_ms deadlines[256];
    size_t nd;
};

static enum pmc_err script_next(void *self, pmc_ms deadline,
                                struct pmc_record *ev)
{
    struct script *s = self;
    if (s->nd < 256)
        s->deadlines[s->nd++] = deadline;
    if (s->idle_forever)
        return PMC_EAGAIN;
    if (s->i == s->n)
        return PMC_EEND;
    if (s->r[s->i].t >= deadline)
        return PMC_EAGAIN;
    *ev = s->r[s->i++];
    return PMC_OK;
}

static void add(struct script *s, const char *line)
{
    struct pmc_tape_err e;
    int has;
    if (pmc_tape_parse(line, strlen(line), &s->r[s->n], &has, &e) != PMC_OK)
        fail_msg("bad test line %s: %s", line, e.msg);
    s->n++;
}

/* What the hook and the venue saw, in order, one letter + time each. */
struct seen {
    char log[512][96];
    size_t n;
    unsigned inputs, flushes, orders_hook, orders_venue;
};

static void note(struct seen *w, const char *what, pmc_ms t)
{
    assert_true(w->n < 512);
    snprintf(w->log[w->n++], sizeof w->log[0], "%s@%lld", what,
             (long long)(t - T0));
}

static enum pmc_err on_input(void *ctx, const struct pmc_record *ev)
{
    struct seen *w = ctx;
    w->inputs++;
    if (ev->kind == PMC_K_FLUSH)
        w->flushes++;
    note(w, pmc_kind_name(ev->kind), ev->t);
    return PMC_OK;
}

static enum pmc_err on_action(void *ctx, const struct pmc_record *a)
{
    struct seen *w = ctx;
    if (a->kind == PMC_K_ORDER)
        w->orders_hook++;
    note(w, pmc_kind_name(a->kind), a->t);
    return PMC_OK;
}

static enum pmc_err venue_submit(void *self, const struct pmc_record *o,
                                 pmc_ms now)
{
    struct seen *w = self;
    assert_int_equal(o->kind, PMC_K_ORDER);
    assert_int_equal(now, o->t);
    /* the hook (journal) saw this order first */
    assert_int_equal(w->orders_hook, w->orders_venue + 1);
    w->orders_venue++;
    note(w, "submit", now);
    return PMC_OK;
}

struct rig {
    struct pmc_config c;
    struct pmc_driver d;
    struct pmc_venue v;
    struct seen w;
    void *mem;
};

static struct rig *rig_new(uint32_t max_bucket_fills)
{
    struct rig *g = calloc(1, sizeof *g);
    assert_non_null(g);
    pmc_config_defaults(&g->c);
    assert_int_equal(
        pmc_config_add_trader(&g->c, TA, strlen(TA), "a", -1, 0, 1), PMC_OK);
    g->c.max_bucket_fills = max_bucket_fills;
    size_t sz = (pmc_driver_mem_size(&g->c) + 63) & ~(size_t)63;
    g->mem = aligned_alloc(64, sz);
    assert_non_null(g->mem);
    g->v.self = &g->w;
    g->v.submit = venue_submit;
    struct pmc_driver_hook h = {&g->w, on_input, on_action};
    assert_int_equal(pmc_driver_init(&g->d, g->mem, sz, &g->c, &g->v, &h),
                     PMC_OK);
    return g;
}

static void rig_free(struct rig *g)
{
    free(g->mem);
    free(g);
}

static size_t find(const struct seen *w, const char *what)
{
    for (size_t i = 0; i < w->n; i++)
        if (!strcmp(w->log[i], what))
            return i;
    fail_msg("'%s' not seen", what);
    return 0;
}

static void test_timer_before_input_at_its_deadline(void **st)
{
    (void)st;
    struct rig *g = rig_new(64);
    struct script *s = calloc(1, sizeof *s);
    char l[256];
    snprintf(l, sizeof l,
             "t=%lld ev=market token=7 market=0xm end=%lld "
             "tick=0.01",
             T0, T0 + 3600000);
    add(s, l);
    snprintf(l, sizeof l,
             "t=%lld ev=fill trader=" TA
             " token=7 side=BUY px=0.5 sz=200 key=k1",
             T0 + 10);
    add(s, l);
    /* exactly at the bucket's deadline (coalesce window 300 ms) */
    pmc_ms dl = T0 + 10 + g->c.coalesce_ms;
    snprintf(l, sizeof l,
             "t=%lld ev=fill trader=" TA
             " token=7 side=BUY px=0.5 sz=100 key=k2",
             (long long)dl);
    add(s, l);
    struct pmc_source src = {s, script_next, NULL};
    assert_int_equal(pmc_driver_run(&g->d, &src), PMC_OK);
    char a[32], b[32];
    snprintf(a, sizeof a, "order@%lld", (long long)(dl - T0));
    snprintf(b, sizeof b, "fill@%lld", (long long)(dl - T0));
    /* the first bucket's order, then the input at the same time */
    assert_true(find(&g->w, a) < find(&g->w, b));
    assert_true(find(&g->w, a) < find(&g->w, "submit@310"));
    /* the source was asked with the bucket's deadline, and once with none */
    int asked_dl = 0;
    for (size_t i = 0; i < s->nd; i++)
        asked_dl |= s->deadlines[i] == dl;
    assert_true(asked_dl);
    assert_int_equal(s->deadlines[0], PMC_NO_DEADLINE);
    /* the second bucket is open; the end of input does not fire it */
    struct pmc_engine_stats es;
    pmc_engine_stats(g->d.eng, &es);
    assert_int_equal(es.open_buckets, 1);
    assert_int_equal(g->d.now, dl);
    free(s);
    rig_free(g);
}

static void test_flush_drains_every_bucket_once(void **st)
{
    (void)st;
    /* buckets of 3 fills on 12 tokens: a flush step holds few of them */
    struct rig *g = rig_new(3);
    struct script *s = calloc(1, sizeof *s);
    char l[256];
    for (int tok = 0; tok < 12; tok++)
        for (int k = 0; k < 2; k++) {
            snprintf(l, sizeof l,
                     "t=%lld ev=fill trader=" TA
                     " token=t%d side=BUY px=0.5 sz=100 key=k%d-%d",
                     T0 + tok, tok, tok, k);
            add(s, l);
        }
    struct pmc_source src = {s, script_next, NULL};
    assert_int_equal(pmc_driver_run(&g->d, &src), PMC_OK);
    struct pmc_engine_stats es;
    pmc_engine_stats(g->d.eng, &es);
    assert_int_equal(es.open_buckets, 12);
    assert_true(g->d.out.cap < 12 * 5); /* not all in one step */
    assert_int_equal(pmc_driver_finish(&g->d, &src), PMC_OK);
    pmc_engine_stats(g->d.eng, &es);
    assert_int_equal(es.open_buckets, 0);
    assert_int_equal(g->w.flushes, 1);
    assert_int_equal(g->w.orders_hook, 12);
    assert_int_equal(g->w.orders_venue, 12);
    /* at the last step's time */
    assert_true(find(&g->w, "flush@11") < find(&g->w, "order@11"));
    free(s);
    rig_free(g);
}

static void test_idle_without_deadline_is_an_error(void **st)
{
    (void)st;
    struct rig *g = rig_new(64);
    struct script *s = calloc(1, sizeof *s);
    s->idle_forever = 1;
    struct pmc_source src = {s, script_next, NULL};
    assert_int_equal(pmc_driver_run(&g->d, &src), PMC_ESTATE);
    free(s);
    rig_free(g);
}

static void test_short_memory_refused(void **st)
{
    (void)st;
    struct pmc_config c;
    pmc_config_defaults(&c);
    assert_int_equal(pmc_config_add_trader(&c, TA, strlen(TA), "a", -1, 0, 1),
                     PMC_OK);
    struct pmc_driver d;
    size_t sz = pmc_driver_mem_size(&c);
    void *m = aligned_alloc(64, (sz + 63) & ~(size_t)63);
    assert_int_equal(pmc_driver_init(&d, m, sz - 1, &c, NULL, NULL),
                     PMC_ERANGE);
    free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timer_before_input_at_its_deadline),
        cmocka_unit_test(test_flush_drains_every_bucket_once),
        cmocka_unit_test(test_idle_without_deadline_is_an_error),
        cmocka_unit_test(test_short_memory_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
