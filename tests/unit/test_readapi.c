/* tests/unit/test_readapi.c - the store-backed GET routes of the local API
 * (live/readapi.h): what is not theirs (0), method and query errors (405,
 * 400 naming the parameter) before the store is touched, a store that is
 * not there (503), answers cut at a limit that say so, the same bytes as
 * the CLI view, the caller's marks (caller_marks) against journaled ones,
 * and reads on other threads while the store's writer commits (WAL). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/dec.h"
#include "core/tape.h"
#include "live/readapi.h"
#include "live/store.h"
#include "live/views.h"

#define T0 ((pmc_ms)1767225600000)
#define TA "0x1111111111111111111111111111111111111111"

static char tmpdir[64], dbpath[128];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/pmc_readapi_XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    snprintf(dbpath, sizeof dbpath, "%s/t.db", tmpdir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* GET/POST path?query -> status, body in body[cap] */
static int call(const char *method, const char *target, char *body, size_t cap)
{
    char path[256];
    snprintf(path, sizeof path, "%s", target);
    char *q = strchr(path, '?');
    const char *query = "";
    if (q) {
        *q = '\0';
        query = q + 1;
    }
    struct pmc_api_req r = {method, path, query, NULL, 0};
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    const char *ctype = NULL;
    int st = pmc_live_read_api(dbpath, &r, f, &ctype);
    assert_int_equal(fclose(f), 0);
    snprintf(body, cap, "%s", buf ? buf : "");
    free(buf);
    return st;
}

static void journal_text(struct pmc_store *s, const char *line)
{
    struct pmc_record r;
    struct pmc_tape_err te;
    int has = 0;
    if (pmc_tape_parse(line, strlen(line), &r, &has, &te) != PMC_OK || !has)
        fail_msg("bad test line %s: %s", line, te.msg);
    assert_int_equal(pmc_store_journal(s, &r, NULL), PMC_OK);
}

static struct pmc_store *make_store(int caller_marks)
{
    struct pmc_store_opts so = {0};
    so.caller_marks = caller_marks;
    struct pmc_store *s = NULL;
    char err[512];
    if (pmc_store_open(dbpath, &so, &s, NULL, err, sizeof err) != PMC_OK)
        fail_msg("open: %s", err);
    char line[256];
    for (int i = 0; i < 3; i++) {
        char coid[32];
        snprintf(coid, sizeof coid, "pmc-%016d", i + 1);
        struct pmc_store_src src = {TA, PMC_MICRO};
        struct pmc_store_order o;
        memset(&o, 0, sizeof o);
        o.coid = coid;
        o.token = "101";
        o.side = PMC_BUY;
        o.tif = PMC_TIF_FAK;
        o.px = 500000;
        o.sz = 10 * PMC_MICRO;
        o.keys = "0xk:1";
        o.src = &src;
        o.nsrc = 1;
        o.ts_decided = T0 + i * 1000;
        assert_int_equal(pmc_store_order_new(s, &o), PMC_OK);
        assert_int_equal(pmc_store_fill(s, coid, NULL, 10 * PMC_MICRO, 500000,
                                        0, T0 + i * 1000 + 1),
                         PMC_OK);
    }
    snprintf(line, sizeof line, "t=%lld ev=skip key=0xk9:1 reason=killed",
             (long long)(T0 + 5000));
    journal_text(s, line);
    snprintf(line, sizeof line, "t=%lld ev=skip key=0xk8:1 reason=stale",
             (long long)(T0 + 5001));
    journal_text(s, line);
    /* the book's mid is 0.40 ... */
    snprintf(line, sizeof line, "t=%lld ev=quote token=101 bid=0.38 ask=0.42",
             (long long)(T0 + 6000));
    journal_text(s, line);
    /* ... the core's mark (the source's last print) 0.45 */
    assert_int_equal(pmc_store_mark(s, "101", 450000, 0, T0 + 6001), PMC_OK);
    /* and the book again: a journaled quote marks only without
     * caller_marks */
    snprintf(line, sizeof line, "t=%lld ev=quote token=101 bid=0.38 ask=0.42",
             (long long)(T0 + 6002));
    journal_text(s, line);
    assert_int_equal(pmc_store_sync(s), PMC_OK);
    return s;
}

static void test_routes_and_params(void **st)
{
    (void)st;
    char b[4096];
    /* not ours */
    assert_int_equal(call("GET", "/status", b, sizeof b), 0);
    assert_int_equal(call("GET", "/positionsx", b, sizeof b), 0);
    /* errors before the store is touched (there is none) */
    assert_int_equal(call("POST", "/positions", b, sizeof b), 405);
    static const struct {
        const char *target, *param;
    } bad[] = {
        {"/orders?limit=0", "limit"},
        {"/orders?limit=1001", "limit"},
        {"/orders?limit=-1", "limit"},
        {"/orders?limit=12abc", "limit"},
        {"/orders?limit=", "limit"},
        {"/orders?limit", "limit"},
        {"/orders?limit=1&limit=1", "limit"},
        {"/fills?since=tomorrow", "since"},
        {"/fills?since=%zz", "since"},
        {"/fills?since=%00", "since"},
        {"/skips?reason=bogus", "reason"},
        {"/positions?limit=1", "limit"}, /* not a parameter of /positions */
        {"/stats?reason=killed", "reason"},
        {"/orders?x=1", "x"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int code = call("GET", bad[i].target, b, sizeof b);
        if (code != 400)
            fail_msg("%s: %d, want 400", bad[i].target, code);
        char want[64];
        snprintf(want, sizeof want, "\"parameter\":\"%s\"", bad[i].param);
        if (!strstr(b, want))
            fail_msg("%s: %s lacks %s", bad[i].target, b, want);
    }
    /* a long value is refused, not cut */
    char big[600] = "/orders?since=";
    memset(big + strlen(big), '1', 300);
    assert_int_equal(call("GET", big, b, sizeof b), 400);
    /* good parameters, no store: 503 naming the file */
    assert_int_equal(
        call("GET", "/orders?limit=5&since=2026-01-01", b, sizeof b), 503);
    assert_non_null(strstr(b, "t.db"));
}

static void test_answers(void **st)
{
    (void)st;
    struct pmc_store *s = make_store(1);
    char b[16384];
    assert_int_equal(call("GET", "/orders?limit=2", b, sizeof b), 200);
    assert_non_null(strstr(b, "\"orders\": 2,"));
    char want[128];
    snprintf(want, sizeof want,
             "\"limit\": 2, \"truncated\": true, \"next_since\": %lld",
             (long long)(T0 + 2000));
    assert_non_null(strstr(b, want));
    assert_int_equal(call("GET", "/orders?limit=3", b, sizeof b), 200);
    assert_non_null(strstr(b, "\"limit\": 3, \"truncated\": false"));
    assert_int_equal(
        call("GET", "/fills?limit=1&since=1767225601000", b, sizeof b), 200);
    assert_non_null(strstr(b, "\"t\": 1767225601001"));
    assert_non_null(strstr(b, "\"count\": 1,"));
    assert_non_null(strstr(b, "\"truncated\": true"));
    assert_int_equal(call("GET", "/skips?reason=stale", b, sizeof b), 200);
    assert_non_null(strstr(b, "\"key\": \"0xk8:1\", \"reason\": \"stale\""));
    assert_null(strstr(b, "0xk9:1"));
    assert_int_equal(call("GET", "/skips?limit=1", b, sizeof b), 200);
    /* cut at one row, every skip still counted by reason */
    assert_non_null(strstr(b, "\"killed\": 1"));
    assert_non_null(strstr(b, "\"stale\": 1"));
    assert_non_null(strstr(b, "\"truncated\": true"));
    assert_int_equal(call("GET", "/stats", b, sizeof b), 200);
    assert_non_null(strstr(b, "\"orders\": 3,"));
    assert_non_null(strstr(b, "\"fills\": 3,"));
    assert_non_null(strstr(b, "\"skips\": 2,"));
    /* /positions: the caller's mark (0.45), not the quote's mid (0.40):
     * 30 shares cost 15, worth 13.5 */
    assert_int_equal(call("GET", "/positions", b, sizeof b), 200);
    assert_non_null(strstr(b, "\"mark\": 0.45,"));
    assert_non_null(strstr(b, "\"unrealized\": -1.5,"));
    /* byte for byte what the CLI view prints */
    struct pmc_view_opts o;
    pmc_view_opts_init(&o);
    o.db = dbpath;
    o.fmt = PMC_VIEW_JSON;
    char *cli = NULL;
    size_t len = 0;
    o.out = open_memstream(&cli, &len);
    assert_int_equal(pmc_view_positions(&o), 0);
    assert_int_equal(fclose(o.out), 0);
    assert_string_equal(cli, b);
    free(cli);
    assert_int_equal(pmc_store_close(s), PMC_OK);
}

static void test_journal_marks(void **st)
{
    (void)st;
    /* without caller_marks the last journaled quote marks (mid 0.40) */
    struct pmc_store *s = make_store(0);
    char b[16384];
    assert_int_equal(call("GET", "/positions", b, sizeof b), 200);
    assert_non_null(strstr(b, "\"mark\": 0.4,"));
    assert_non_null(strstr(b, "\"unrealized\": -3,"));
    assert_int_equal(pmc_store_close(s), PMC_OK);
}

struct reader {
    int ok, bad;
    volatile int *stop;
};

static void *read_loop(void *arg)
{
    struct reader *r = arg;
    char b[16384];
    while (!*r->stop || r->ok + r->bad < 20) {
        int code = call("GET", "/stats", b, sizeof b);
        if (code == 200 && strstr(b, "\"stages_ms\""))
            r->ok++;
        else
            r->bad++;
    }
    return NULL;
}

static void test_reads_while_writing(void **st)
{
    (void)st;
    struct pmc_store *s = make_store(1);
    volatile int stop = 0;
    struct reader rd[3];
    pthread_t th[3];
    for (int i = 0; i < 3; i++) {
        rd[i] = (struct reader){0, 0, &stop};
        assert_int_equal(pthread_create(&th[i], NULL, read_loop, &rd[i]), 0);
    }
    char line[128];
    for (int i = 0; i < 3000; i++) {
        snprintf(line, sizeof line,
                 "t=%lld ev=quote token=101 bid=0.38 ask=0.42",
                 (long long)(T0 + 10000 + i));
        journal_text(s, line);
        if (i % 500 == 0)
            assert_int_equal(pmc_store_sync(s), PMC_OK);
    }
    assert_int_equal(pmc_store_sync(s), PMC_OK);
    stop = 1;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        if (rd[i].bad || rd[i].ok < 20)
            fail_msg("reader %d: %d answers, %d failed", i, rd[i].ok,
                     rd[i].bad);
    }
    assert_int_equal(pmc_store_close(s), PMC_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_routes_and_params, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_answers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_journal_marks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reads_while_writing, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
