/* tests/unit/test_fetch_pager.c - the fetch pagers against an in-memory
 * server (no network): the /activity window pager halves a window that
 * reaches the offset cap down to one second, records a one-second window
 * that still overflows (its rows kept, nothing dropped silently), treats a
 * 400 past the cap as the cap, pages the v2 cursor route and falls back to
 * legacy on a 404; every row served ends up exactly once. Gamma batches ask
 * closed=true then closed=false for the ids not found and halve on 414;
 * the offset pager reports an overflow at the cap and stops at the
 * leaderboard's own end. Rows: identical rows of one transaction are all
 * kept, the same rows served again in another stream are repeats. A
 * market that closed after a cached closed=true answer is asked again with
 * closed=true, not sealed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "research/fetch/activity.h"
#include "research/fetch/pagers.h"
#include "research/fetch/rows.h"

/* ---- an in-memory /activity server ---------------------------------------
 */

struct srv {
    int64_t ts[4096];
    int n;
    int limit_max, cap;
    int v2;      /* serve /v2/activity */
    int cap_400; /* offset > cap -> 400 (else an empty page) */
    int requests;
};

static int64_t qnum(const char *q, const char *key, int64_t def)
{
    char k[32];
    snprintf(k, sizeof k, "%s=", key);
    const char *p = strstr(q, k);
    if (!p || (p[-1] != '?' && p[-1] != '&'))
        return def;
    return strtoll(p + strlen(k), NULL, 10);
}

/* rows in [start, end] oldest first; row i is unique by its "i" member */
static long serve(struct srv *s, const char *q, char **body)
{
    s->requests++;
    int v2 = !strncmp(q, "/v2/", 4);
    if (v2 && !s->v2) {
        *body = strdup("not found");
        return 404;
    }
    int64_t st = qnum(q, "start", 0), en = qnum(q, "end", INT64_MAX);
    int64_t lim = qnum(q, "limit", 100), off = qnum(q, "offset", 0);
    if (v2)
        off = qnum(q, "cursor", 0);
    if (lim > s->limit_max)
        lim = s->limit_max;
    if (!v2 && off > s->cap) {
        if (s->cap_400) {
            *body = strdup("{\"error\":\"offset\"}");
            return 400;
        }
    }
    size_t cap = 1 << 20, k = 0;
    char *b = malloc(cap);
    k += (size_t)snprintf(b + k, cap - k, v2 ? "{\"data\":[" : "[");
    int64_t seen = 0, put = 0;
    for (int i = 0; i < s->n; i++) {
        if (s->ts[i] < st || s->ts[i] > en)
            continue;
        if (seen++ < off || put >= lim)
            continue;
        k += (size_t)snprintf(b + k, cap - k,
                              "%s{\"i\":%d,\"timestamp\":%lld,"
                              "\"transactionHash\":\"0x%02d\"}",
                              put ? "," : "", i, (long long)s->ts[i], i % 7);
        put++;
    }
    if (v2) {
        int more = off + put < seen;
        k += (size_t)snprintf(
            b + k, cap - k,
            "],\"pagination\":{\"has_more\":%s,\"next_cursor\":%s%lld%s}}",
            more ? "true" : "false", more ? "\"" : "",
            more ? (long long)(off + put) : 0LL, more ? "\"" : "");
        if (!more)
            memcpy(strstr(b, "\"next_cursor\":") + 14, "null}}\0", 7);
    } else
        k += (size_t)snprintf(b + k, cap - k, "]");
    *body = b;
    return 200;
}

static int never_cached(void *ctx, const char *route, const char *pathq)
{
    (void)ctx, (void)route, (void)pathq;
    return 0;
}

/* run job j against s to its end; returns what the last feed returned */
static int run(struct pmc_fx_job *j, struct srv *s)
{
    struct pmc_fx_step st;
    j->now_s = 2000000000;
    j->cached = never_cached;
    int rc = 0;
    for (int guard = 0; guard < 100000; guard++) {
        int k = j->next(j, &st);
        if (k != PMC_FX_NEXT_STEP)
            return k == PMC_FX_NEXT_DONE ? rc : -1;
        char *body;
        long status = serve(s, st.pathq, &body);
        uint64_t rows;
        rc = j->feed(j, status, body, strlen(body), &rows);
        free(body);
        if (rc != PMC_FX_FEED_OK)
            return rc;
    }
    fail_msg("pager did not end");
    return -1;
}

/* every served row exactly once in the job's rows */
static void each_once(struct pmc_fx_job *j, struct srv *s, int64_t st,
                      int64_t en)
{
    int count[4096] = {0};
    size_t i;
    json_t *r;
    json_array_foreach(j->rows, i, r)
    {
        const char *t = json_string_value(json_object_get(r, "i"));
        assert_non_null(t);
        count[atoi(t)]++;
    }
    for (int k = 0; k < s->n; k++)
        assert_int_equal(count[k], s->ts[k] >= st && s->ts[k] <= en);
}

static int cmp_ts(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static void halving_reaches_every_row(void **state)
{
    (void)state;
    static struct srv s;
    memset(&s, 0, sizeof s);
    s.limit_max = 5;
    s.cap = 10; /* at most 15 rows per window */
    s.cap_400 = 1;
    for (int i = 0; i < 200; i++)
        s.ts[s.n++] = 1000 + (i * 37) % 101;          /* 200 rows in 101 s */
    qsort(s.ts, (size_t)s.n, sizeof s.ts[0], cmp_ts); /* served in order */
    struct pmc_fx_act_cfg cfg = {0, 5, 10};
    struct pmc_fx_job *j = pmc_fx_activity_job(&cfg, "0xab", 1000, 1100);
    assert_int_equal(run(j, &s), PMC_FX_FEED_OK);
    assert_int_equal(j->overflows, 0);
    assert_int_equal(j->failed, 0);
    assert_int_equal(json_array_size(j->rows), 200);
    each_once(j, &s, 1000, 1100);
    /* rows come oldest first */
    int64_t last = 0;
    size_t i;
    json_t *r;
    json_array_foreach(j->rows, i, r)
    {
        int64_t t = atoll(json_string_value(json_object_get(r, "timestamp")));
        assert_true(t >= last);
        last = t;
    }
    j->free(j);
}

static void one_second_overflow(void **state)
{
    (void)state;
    static struct srv s;
    memset(&s, 0, sizeof s);
    s.limit_max = 5;
    s.cap = 10;
    for (int i = 0; i < 20; i++)
        s.ts[s.n++] = 1050; /* 20 rows in one second, 15 reachable */
    for (int i = 0; i < 10; i++)
        s.ts[s.n++] = 1000 + i;
    struct pmc_fx_act_cfg cfg = {0, 5, 10};
    struct pmc_fx_job *j = pmc_fx_activity_job(&cfg, "0xab", 1000, 1100);
    assert_int_equal(run(j, &s), PMC_FX_FEED_OK);
    assert_int_equal(j->overflows, 1);
    assert_non_null(strstr(j->msg, "second 1050"));
    /* the 10 other rows and the 15 reachable ones: nothing dropped */
    assert_int_equal(json_array_size(j->rows), 25);
    j->free(j);
}

static void cap_400_is_the_cap(void **state)
{
    (void)state;
    static struct srv s;
    memset(&s, 0, sizeof s);
    s.limit_max = 5;
    s.cap = 7; /* the server's cap is lower than the configured one */
    s.cap_400 = 1;
    for (int i = 0; i < 40; i++)
        s.ts[s.n++] = 1000 + i;
    struct pmc_fx_act_cfg cfg = {0, 5, 10000};
    struct pmc_fx_job *j = pmc_fx_activity_job(&cfg, "0xab", 1000, 1039);
    assert_int_equal(run(j, &s), PMC_FX_FEED_OK);
    assert_int_equal(j->overflows, 0);
    each_once(j, &s, 1000, 1039);
    j->free(j);
}

static void v2_cursor_and_fallback(void **state)
{
    (void)state;
    static struct srv s;
    memset(&s, 0, sizeof s);
    s.limit_max = 5;
    s.cap = 10;
    s.v2 = 1;
    for (int i = 0; i < 60; i++)
        s.ts[s.n++] = 1000 + i / 3;
    struct pmc_fx_act_cfg cfg = {-1, 5, 10};
    struct pmc_fx_job *j = pmc_fx_activity_job(&cfg, "0xab", 1000, 1100);
    assert_int_equal(run(j, &s), PMC_FX_FEED_OK);
    assert_int_equal(cfg.v2, 1);
    assert_int_equal(s.requests, 12); /* 60 rows, 5 a page, no halving */
    each_once(j, &s, 1000, 1100);
    j->free(j);
    /* the same server without v2: one 404, then the legacy route */
    s.v2 = 0;
    s.requests = 0;
    cfg.v2 = -1;
    j = pmc_fx_activity_job(&cfg, "0xab", 1000, 1100);
    assert_int_equal(run(j, &s), PMC_FX_FEED_OK);
    assert_int_equal(cfg.v2, 0);
    each_once(j, &s, 1000, 1100);
    j->free(j);
}

static void bad_status_fails(void **state)
{
    (void)state;
    struct pmc_fx_act_cfg cfg = {0, 5, 10};
    struct pmc_fx_job *j = pmc_fx_activity_job(&cfg, "0xab", 1000, 1100);
    struct pmc_fx_step st;
    j->now_s = 2000000000;
    j->cached = never_cached;
    assert_int_equal(j->next(j, &st), PMC_FX_NEXT_STEP);
    assert_non_null(strstr(st.pathq, "sortDirection=ASC"));
    assert_true(st.sealed);
    uint64_t rows;
    assert_int_equal(j->feed(j, 200, "[{\"a\":", 6, &rows),
                     PMC_FX_FEED_BADBODY);
    assert_int_equal(j->next(j, &st), PMC_FX_NEXT_STEP); /* asked again */
    assert_int_equal(j->feed(j, 400, "", 0, &rows), PMC_FX_FEED_FAIL);
    assert_true(j->failed);
    assert_non_null(strstr(j->msg, "400"));
    j->free(j);
    /* a window ending within the hour is not sealed */
    j = pmc_fx_activity_job(&cfg, "0xab", 1000, 1999999000);
    j->now_s = 2000000000;
    j->cached = never_cached;
    assert_int_equal(j->next(j, &st), PMC_FX_NEXT_STEP);
    assert_false(st.sealed);
    j->free(j);
}

/* ---- Gamma ---------------------------------------------------------------
 */

static void gamma_closed_both_and_414(void **state)
{
    (void)state;
    const char *ids[120];
    char buf[120][70];
    for (int i = 0; i < 120; i++) {
        snprintf(buf[i], sizeof buf[i], "0x%064d", i);
        ids[i] = buf[i];
    }
    struct pmc_fx_job *j = pmc_fx_gamma_job("condition_ids", ids, 120, 4000);
    j->now_s = 2000000000;
    j->cached = never_cached;
    struct pmc_fx_step st;
    int found[120] = {0}, closed_true = 0, closed_false = 0, r414 = 0;
    int late = 0; /* closed=true asked again, not sealed */
    while (j->next(j, &st) == PMC_FX_NEXT_STEP) {
        const char *q = st.pathq;
        assert_true(strlen(q) <= 4000);
        int is_true = strstr(q, "&closed=true") != NULL;
        assert_true(is_true || strstr(q, "&closed=false"));
        if (!is_true)
            assert_false(st.sealed);
        late += is_true && !st.sealed;
        closed_true += is_true;
        closed_false += !is_true;
        /* ids in the request */
        int n = 0, in[120];
        for (int i = 0; i < 120; i++)
            if (strstr(q, buf[i]))
                in[n++] = i;
        assert_true(n >= 1 && n <= 50);
        uint64_t rows;
        if (n > 20) { /* this server refuses long lines */
            r414++;
            assert_int_equal(j->feed(j, 414, "", 0, &rows), PMC_FX_FEED_OK);
            continue;
        }
        /* even ids are closed markets, odd ones open */
        char body[8192];
        size_t k = (size_t)snprintf(body, sizeof body, "[");
        int put = 0;
        for (int x = 0; x < n; x++)
            /* id 7 closed after the cached closed=true answer: only the
             * unsealed closed=true request finds it */
            if (in[x] == 7 ? is_true && !st.sealed
                           : (in[x] % 2 == 0) == is_true) {
                k += (size_t)snprintf(body + k, sizeof body - k,
                                      "%s{\"conditionId\":\"%s\"}",
                                      put++ ? "," : "", buf[in[x]]);
                found[in[x]]++;
            }
        snprintf(body + k, sizeof body - k, "]");
        assert_int_equal(j->feed(j, 200, body, strlen(body), &rows),
                         PMC_FX_FEED_OK);
    }
    assert_true(j->done);
    assert_true(r414 > 0);
    assert_true(closed_true > 0 && closed_false > 0);
    assert_int_equal(late, 1);
    for (int i = 0; i < 120; i++)
        assert_int_equal(found[i], 1);
    assert_int_equal(json_array_size(j->rows), 120);
    j->free(j);
}

/* ---- offset pager ----------------------------------------------------------
 */

static void offset_overflow_and_end(void **state)
{
    (void)state;
    static struct srv s;
    memset(&s, 0, sizeof s);
    s.limit_max = 5;
    s.cap = 10;
    for (int i = 0; i < 30; i++)
        s.ts[s.n++] = 1000;
    struct pmc_fx_job *j =
        pmc_fx_offset_job(PMC_FX_DATA, "trades", "/trades?market=0xc", 5, 10, 0,
                          0, 0, "trades of 0xc");
    assert_int_equal(run(j, &s), PMC_FX_FEED_OK);
    assert_int_equal(j->overflows, 1);
    assert_int_equal(json_array_size(j->rows), 15);
    assert_non_null(strstr(j->msg, "offset cap"));
    j->free(j);
    /* the leaderboard's offset limit is its end, not an overflow */
    j = pmc_fx_offset_job(PMC_FX_DATA, "leaderboard",
                          "/v1/leaderboard?category=OVERALL&timePeriod=DAY&"
                          "orderBy=PNL",
                          5, 10, 1, 0, 0, "board");
    assert_int_equal(run(j, &s), PMC_FX_FEED_OK);
    assert_int_equal(j->overflows, 0);
    assert_int_equal(json_array_size(j->rows), 15);
    j->free(j);
}

static void trades_cursor_route(void **state)
{
    (void)state;
    static struct srv s;
    memset(&s, 0, sizeof s);
    s.limit_max = 5;
    s.cap = 10;
    s.v2 = 1;
    for (int i = 0; i < 30; i++)
        s.ts[s.n++] = 1000;
    int v2 = -1;
    struct pmc_fx_job *j =
        pmc_fx_offset_job(PMC_FX_DATA, "trades", "/trades?market=0xc", 5, 10, 0,
                          0, 0, "trades of 0xc");
    pmc_fx_offset_v2(j, "/v2/trades?market=0xc&taker_only=false", &v2);
    assert_int_equal(run(j, &s), PMC_FX_FEED_OK);
    assert_int_equal(v2, 1);
    assert_int_equal(j->overflows, 0); /* the cursor route has no cap */
    each_once(j, &s, 0, 5000);
    j->free(j);
    /* no cursor route: one 404, then by offset up to the cap */
    s.v2 = 0;
    v2 = -1;
    j = pmc_fx_offset_job(PMC_FX_DATA, "trades", "/trades?market=0xc", 5, 10, 0,
                          0, 0, "trades of 0xc");
    pmc_fx_offset_v2(j, "/v2/trades?market=0xc&taker_only=false", &v2);
    assert_int_equal(run(j, &s), PMC_FX_FEED_OK);
    assert_int_equal(v2, 0);
    assert_int_equal(j->overflows, 1);
    assert_int_equal(json_array_size(j->rows), 15);
    j->free(j);
}

/* ---- rows -----------------------------------------------------------------
 */

static json_t *arr(const char *text)
{
    json_error_t e;
    json_t *v = json_loads(text, 0, &e);
    assert_non_null(v);
    return v;
}

static void identical_rows_kept_repeats_dropped(void **state)
{
    (void)state;
    struct pmc_fx_rows r;
    pmc_fx_rows_init(&r);
    /* a maker's three identical fills in one transaction, and another */
    const char *fills = "[{\"tx\":\"0x1\",\"size\":\"5\"},"
                        "{\"tx\":\"0x1\",\"size\":\"5\"},"
                        "{\"tx\":\"0x1\",\"size\":\"5\"},"
                        "{\"tx\":\"0x2\",\"size\":\"5\"}]";
    json_t *a = arr(fills);
    assert_int_equal(pmc_fx_rows_add(&r, a), PMC_OK);
    assert_int_equal(r.kept, 4);
    assert_int_equal(r.repeats, 0);
    /* the same rows served again (overlapping windows): all repeats */
    assert_int_equal(pmc_fx_rows_add(&r, a), PMC_OK);
    assert_int_equal(r.kept, 4);
    assert_int_equal(r.repeats, 4);
    /* a stream holding four of them: the fourth is a real new fill */
    json_t *b = arr("[{\"tx\":\"0x1\",\"size\":\"5\"},"
                    "{\"size\":\"5\",\"tx\":\"0x1\"},"
                    "{\"tx\":\"0x1\",\"size\":\"5\"},"
                    "{\"tx\":\"0x1\",\"size\":\"5\"}]");
    assert_int_equal(pmc_fx_rows_add(&r, b), PMC_OK);
    assert_int_equal(r.kept, 5);
    assert_int_equal(r.repeats, 7);
    size_t n;
    const char *doc = pmc_fx_rows_doc(&r, &n);
    assert_int_equal(n, strlen(doc));
    json_t *all = arr(doc);
    assert_int_equal(json_array_size(all), 5);
    json_decref(all);
    json_decref(a);
    json_decref(b);
    pmc_fx_rows_free(&r);
}

static void page_shapes(void **state)
{
    (void)state;
    struct pmc_fx_page p;
    struct pmc_wire_err e;
    memset(&e, 0, sizeof e);
    const char *env = "{\"data\":[{\"price\":0.30000000000000004}],"
                      "\"pagination\":{\"has_more\":true,"
                      "\"next_cursor\":\"abc\"}}";
    assert_int_equal(pmc_fx_page_parse(env, strlen(env), &p, &e), PMC_OK);
    assert_int_equal(json_array_size(p.rows), 1);
    assert_int_equal(p.has_more, 1);
    assert_string_equal(p.cursor, "abc");
    /* numbers stay the text the server sent */
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(p.rows, 0), "price")),
        "0.30000000000000004");
    pmc_fx_page_free(&p);
    assert_int_equal(pmc_fx_page_parse("{\"x\":1}", 7, &p, &e), PMC_EPARSE);
    assert_int_equal(pmc_fx_page_parse("[1,", 3, &p, &e), PMC_EPARSE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(halving_reaches_every_row),
        cmocka_unit_test(one_second_overflow),
        cmocka_unit_test(cap_400_is_the_cap),
        cmocka_unit_test(v2_cursor_and_fallback),
        cmocka_unit_test(bad_status_fails),
        cmocka_unit_test(gamma_closed_both_and_414),
        cmocka_unit_test(offset_overflow_and_end),
        cmocka_unit_test(trades_cursor_route),
        cmocka_unit_test(identical_rows_kept_repeats_dropped),
        cmocka_unit_test(page_shapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
