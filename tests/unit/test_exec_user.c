/* tests/unit/test_exec_user.c - the CLOB executor's trade lifecycle over
 * the user channel against the fake CLOB: frames fed as live/exec/user.c
 * would, failed trades undone once, no fill counted twice, trades before
 * the POST answer, polling while the link is down, and the reconciles
 * through GET /data/trades (failures, pages, answers too big, trades of an
 * earlier run followed again). */
#include "exec_fixture.h"

/* ---- the user channel (frames fed as userws.c would) ------------------
 */

static void feed(struct pmc_clob *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void feed(struct pmc_clob *x, const char *fmt, ...)
{
    char f[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f, sizeof f, fmt, ap);
    va_end(ap);
    struct pmc_wire_err err;
    memset(&err, 0, sizeof err);
    if (pmc_clob_user_feed(x, f, strlen(f), now_ms(), &err) != PMC_OK)
        fail_msg("frame refused: %s", err.msg);
}

#define TRADE_EV(id, sz, px, st)                                               \
    "{\"event_type\":\"trade\",\"id\":\"" id "\",\"taker_order_id\":\"%s\","   \
    "\"size\":\"" sz "\",\"price\":\"" px "\",\"status\":\"" st "\","          \
    "\"maker_orders\":[{\"order_id\":\"0xother\",\"matched_amount\":\"" sz     \
    "\",\"price\":\"" px "\"}]}"

/* FAK filled 11 @ 0.50 by the POST answer; its trade then comes on the
 * user channel MATCHED -> MINED (nothing new for the core: counted in that
 * fill) -> FAILED: one FAILED report, the exact inverse of the fill; a
 * repeated FAILED and a later CONFIRMED change nothing. Another party's
 * leg of the same trade is not ours. */
static void test_user_trade_failed(void **state)
{
    (void)state;
    book("[[\"0.50\",\"100\"]]", "[]");
    struct sink s = {0};
    struct pmc_clob_cfg cfg;
    char url[64];
    base_cfg(&cfg, url, sizeof url);
    struct pmc_clob *x = make(&cfg, &s, SECRET, 0);
    struct pmc_record o = order("c-ufail", PMC_BUY, PMC_TIF_FAK, "0.55", "10");
    submit(x, &o);
    run(x, &s, 1, 3000);
    assert_int_equal(s.n, 1);
    expect(&s.rec[0], PMC_EXEC_FILL, "11", "0.5");
    feed(x, TRADE_EV("t-1", "11", "0.50", "TRADE_STATUS_MATCHED"), s.hash[0]);
    feed(x, TRADE_EV("t-1", "11", "0.50", "MINED"), s.hash[0]);
    assert_int_equal(s.n, 1);
    feed(x, TRADE_EV("t-1", "11", "0.50", "FAILED"), s.hash[0]);
    assert_int_equal(s.n, 2);
    expect(&s.rec[1], PMC_EXEC_FAILED, "11", "0.5");
    assert_string_equal(s.rec[1].u.exec.coid.s, "c-ufail");
    feed(x, TRADE_EV("t-1", "11", "0.50", "FAILED"), s.hash[0]);
    feed(x, TRADE_EV("t-1", "11", "0.50", "CONFIRMED"), s.hash[0]);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.ntr, 3);
    assert_int_equal(s.tr[0], PMC_TRADE_MATCHED);
    assert_int_equal(s.tr[1], PMC_TRADE_MINED);
    assert_int_equal(s.tr[2], PMC_TRADE_FAILED);
    char mbuf[16384];
    metrics_of(x, mbuf, sizeof mbuf);
    assert_non_null(
        strstr(mbuf, "pmcopy_exec_trades_total{status=\"failed\"} 1\n"));
    assert_non_null(strstr(mbuf, "pmcopy_exec_failed_reports_total 1\n"));
    /* a frame that does not decode is refused, counted, nothing applied */
    struct pmc_wire_err err;
    assert_int_equal(
        pmc_clob_user_feed(x, "{\"event_type\":\"trade\"}", 23, now_ms(), &err),
        PMC_EPARSE);
    assert_int_equal(s.n, 2);
    pmc_clob_free(x);
}

/* A resting GTC: a trade on the channel is a fill at once; the look-up by
 * hash that sees the same shares adds nothing (one ledger); an order event
 * with more size_matched is a fill, and the trade that comes after it is
 * counted in that fill; when it fails, FAILED carries that fill's shares
 * and price, and the final cancel gives the core those shares back. */
static void test_user_no_double_count(void **state)
{
    (void)state;
    book("[[\"0.50\",\"100\"]]", "[]");
    struct sink s = {0};
    struct pmc_clob_cfg cfg;
    char url[64];
    base_cfg(&cfg, url, sizeof url);
    struct pmc_clob *x = make(&cfg, &s, SECRET, 0);
    struct pmc_record o = order("c-udbl", PMC_BUY, PMC_TIF_GTC, "0.40", "10");
    submit(x, &o);
    run_for(x, 300);
    assert_int_equal(s.n, 1);
    expect(&s.rec[0], PMC_EXEC_ACK, NULL, NULL);
    feed(x,
         "[{\"event_type\":\"trade\",\"id\":\"t-a\",\"taker_order_id\":"
         "\"0xtaker\",\"size\":\"4\",\"price\":\"0.40\",\"status\":"
         "\"MATCHED\",\"maker_orders\":[{\"order_id\":\"%s\","
         "\"matched_amount\":\"4\",\"price\":\"0.40\"}]}]",
         s.hash[0]);
    assert_int_equal(s.n, 2);
    expect(&s.rec[1], PMC_EXEC_FILL, "4", "0.4");
    ctlf("/_control/fill", "{\"hash\":\"%s\",\"size\":\"4\"}", s.hash[0]);
    run_for(x, 400); /* polled: size_matched 4, already reported */
    assert_int_equal(s.n, 2);
    feed(x,
         "{\"event_type\":\"order\",\"id\":\"%s\",\"status\":\"LIVE\","
         "\"size_matched\":\"6\",\"price\":\"0.40\",\"type\":\"UPDATE\"}",
         s.hash[0]);
    assert_int_equal(s.n, 3);
    expect(&s.rec[2], PMC_EXEC_FILL, "2", "0.4");
    feed(x, TRADE_EV("t-b", "2", "0.39", "MATCHED"), s.hash[0]);
    assert_int_equal(s.n, 3);
    feed(x, TRADE_EV("t-b", "2", "0.39", "RETRYING"), s.hash[0]);
    feed(x, TRADE_EV("t-b", "2", "0.39", "FAILED"), s.hash[0]);
    assert_int_equal(s.n, 4);
    /* the trade's own shares and price (the fill it was counted in was
     * 2 at 0.4: the core takes back all that is left of it) */
    expect(&s.rec[3], PMC_EXEC_FAILED, "2", "0.39");
    /* the cancel of the rest covers the failed shares too: 10 - 6 + 2 */
    assert_int_equal(pmc_clob_cancel(x, &o.u.order.coid, now_ms()), PMC_OK);
    run(x, &s, 5, 3000);
    assert_int_equal(s.n, 5);
    expect(&s.rec[4], PMC_EXEC_CANCEL, "6", NULL);
    pmc_clob_free(x);
}

/* The trade comes on the channel while the POST's answer is still out:
 * nothing is reported for it then (the answer will say), the answer's fill
 * counts it, and when it fails the FAILED names that fill. */
static void test_user_trade_before_answer(void **state)
{
    (void)state;
    book("[[\"0.50\",\"100\"]]", "[]");
    ctlf("/_control/fault", "{\"kind\":\"slow\",\"ms\":400}");
    struct sink s = {0};
    struct pmc_clob_cfg cfg;
    char url[64];
    base_cfg(&cfg, url, sizeof url);
    struct pmc_clob *x = make(&cfg, &s, SECRET, 0);
    struct pmc_record o = order("c-uearly", PMC_BUY, PMC_TIF_FAK, "0.55", "10");
    submit(x, &o);
    run_for(x, 150); /* posted, the answer held */
    assert_int_equal(s.n, 0);
    assert_int_equal(s.journals, 1);
    feed(x, TRADE_EV("t-e", "11", "0.50", "MATCHED"), s.hash[0]);
    assert_int_equal(s.n, 0);
    assert_int_equal(s.ntr, 1);
    run(x, &s, 1, 3000);
    assert_int_equal(s.n, 1);
    expect(&s.rec[0], PMC_EXEC_FILL, "11", "0.5");
    feed(x, TRADE_EV("t-e", "11", "0.50", "FAILED"), s.hash[0]);
    assert_int_equal(s.n, 2);
    expect(&s.rec[1], PMC_EXEC_FAILED, "11", "0.5");
    pmc_clob_free(x);
}

/* Polling while the channel is down, far less while it is up; coming up
 * looks every resting order up at once (reconcile): a fill made at the
 * venue while the channel was down is found then. */
static void test_user_link_polling(void **state)
{
    (void)state;
    book("[[\"0.50\",\"100\"]]", "[]");
    struct sink s = {0};
    struct pmc_clob_cfg cfg;
    char url[64];
    base_cfg(&cfg, url, sizeof url);
    cfg.poll_open_ms = 100;
    struct pmc_clob *x = make(&cfg, &s, SECRET, 0);
    struct pmc_record o = order("c-ulnk", PMC_BUY, PMC_TIF_GTC, "0.40", "10");
    submit(x, &o);
    run_for(x, 200);
    assert_int_equal(s.n, 1);
    int64_t t[256];
    pmc_clob_user_link(x, 1, now_ms());
    run_for(x, 150); /* the reconcile look-up */
    int before = request_times("GET", "/data/order/", t, 256);
    run_for(x, 600);
    int up = request_times("GET", "/data/order/", t, 256) - before;
    assert_true(up <= 1);
    pmc_clob_user_link(x, 0, now_ms());
    before = request_times("GET", "/data/order/", t, 256);
    run_for(x, 600);
    int down = request_times("GET", "/data/order/", t, 256) - before;
    assert_true(down >= 4);
    /* filled at the venue while nobody listens: reconcile finds it */
    pmc_clob_user_link(x, 1, now_ms());
    run_for(x, 50);
    ctlf("/_control/fill", "{\"hash\":\"%s\",\"size\":\"3\"}", s.hash[0]);
    pmc_clob_user_link(x, 0, now_ms());
    pmc_clob_user_link(x, 1, now_ms());
    run_for(x, 200);
    assert_int_equal(s.n, 2);
    expect(&s.rec[1], PMC_EXEC_FILL, "3", "0.4");
    struct pmc_clob_stats st;
    pmc_clob_stats(x, &st);
    assert_int_equal(st.user_connects, 3);
    assert_int_equal(st.user_drops, 2);
    assert_int_equal(st.user_up, 1);
    pmc_clob_free(x);
}

static int64_t user_stat(const char *key)
{
    json_t *j = ctl("GET", "/_control/user", NULL);
    assert_non_null(j);
    json_t *v_j = json_object_get(j, key);
    assert_true(json_is_integer(v_j));
    int64_t v = (int64_t)json_integer_value(v_j);
    json_decref(j);
    return v;
}

/* The user channel is down while a FAK fills (the POST answer's fill) and
 * its trade fails at the venue: nothing tells the executor then. The
 * channel comes back: the reconcile reads GET /data/trades, finds the
 * trade FAILED and reports PMC_EXEC_FAILED, the inverse of the fill; a
 * second drop and reconnect reads it again and reports nothing more. */
static void test_user_recon_failed(void **state)
{
    (void)state;
    book("[[\"0.50\",\"100\"]]", "[]");
    ctlf("/_control/user", "{\"fail_next\":1,\"failed_ms\":50}");
    struct sink s = {0};
    struct pmc_clob_cfg cfg;
    char url[64];
    base_cfg(&cfg, url, sizeof url);
    struct pmc_clob *x = make(&cfg, &s, SECRET, 0);
    pmc_clob_user_link(x, 1, now_ms());
    pmc_clob_user_link(x, 0, now_ms());
    struct pmc_record o = order("c-urec", PMC_BUY, PMC_TIF_FAK, "0.55", "10");
    submit(x, &o);
    run(x, &s, 1, 3000);
    assert_int_equal(s.n, 1);
    expect(&s.rec[0], PMC_EXEC_FILL, "11", "0.5");
    run_for(x, 150); /* failed at the venue; nobody told */
    assert_int_equal(s.n, 1);
    assert_int_equal(user_stat("trades_gets"), 0);
    pmc_clob_user_link(x, 1, now_ms());
    run(x, &s, 2, 2000);
    assert_int_equal(s.n, 2);
    expect(&s.rec[1], PMC_EXEC_FAILED, "11", "0.5");
    assert_string_equal(s.rec[1].u.exec.coid.s, "c-urec");
    assert_int_equal(s.ntr, 1);
    assert_int_equal(s.tr[0], PMC_TRADE_FAILED);
    pmc_clob_user_link(x, 0, now_ms());
    pmc_clob_user_link(x, 1, now_ms());
    run_for(x, 300);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.ntr, 1);
    struct pmc_clob_stats st;
    pmc_clob_stats(x, &st);
    assert_int_equal(st.recon_runs, 2);
    assert_int_equal(st.recon_pages, 2);
    assert_int_equal(st.recon_capped, 0);
    assert_int_equal(st.recon_errors, 0);
    assert_int_equal(st.faileds, 1);
    assert_int_equal(user_stat("trades_gets"), 2);
    assert_non_null(strstr(s.log, "reconcile: GET /data/trades read, 1 page"));
    pmc_clob_free(x);
}

/* After a restart the store's trades not final yet are given to the
 * ledger (pmc_clob_trade_seed). The first time the channel comes up reads
 * GET /data/trades. One that then fails is not undone (which fill it was
 * counted in is not known): no FAILED report, an error note, a counter, the
 * trade hook told once; one that is confirmed changes nothing. A trade the
 * ledger was not given is another party's. */
static void test_user_seeded_trades(void **state)
{
    (void)state;
    struct sink s = {0};
    struct pmc_clob_cfg cfg;
    char url[64];
    base_cfg(&cfg, url, sizeof url);
    struct pmc_clob *x = make(&cfg, &s, SECRET, 0);
    const char *h1 =
        "0x1111111111111111111111111111111111111111111111111111111111111111";
    const char *h2 =
        "0x2222222222222222222222222222222222222222222222222222222222222222";
    struct pmc_sym c1, c2, t1, t2;
    assert_int_equal(pmc_sym_set(&c1, "c-old1", 6), PMC_OK);
    assert_int_equal(pmc_sym_set(&c2, "c-old2", 6), PMC_OK);
    assert_int_equal(pmc_sym_set(&t1, "t-old1", 6), PMC_OK);
    assert_int_equal(pmc_sym_set(&t2, "t-old2", 6), PMC_OK);
    pmc_ms t0 = now_ms() - 5000;
    assert_int_equal(pmc_clob_trade_seed(x, &c1, h1, &t1, PMC_TRADE_MATCHED,
                                         11000000, 500000, t0),
                     PMC_OK);
    assert_int_equal(pmc_clob_trade_seed(x, &c2, h2, &t2, PMC_TRADE_MINED,
                                         4000000, 600000, t0),
                     PMC_OK);
    /* the same again: nothing more */
    assert_int_equal(pmc_clob_trade_seed(x, &c1, h1, &t1, PMC_TRADE_MATCHED,
                                         11000000, 500000, t0),
                     PMC_OK);
    assert_int_equal(
        pmc_clob_trade_seed(x, &c1, "", &t1, PMC_TRADE_MATCHED, 1, 1, t0),
        PMC_EPARSE);
    pmc_clob_user_link(x, 1, now_ms());
    run_for(x, 300);
    assert_int_equal(user_stat("trades_gets"), 1);
    feed(x, TRADE_EV("t-old1", "11", "0.50", "FAILED"), h1);
    feed(x, TRADE_EV("t-old1", "11", "0.50", "FAILED"), h1);
    feed(x, TRADE_EV("t-old2", "4", "0.60", "CONFIRMED"), h2);
    feed(x, TRADE_EV("t-new", "3", "0.60", "FAILED"),
         "0x3333333333333333333333333333333333333333333333333333333333333333");
    assert_int_equal(s.n, 0); /* nothing for the core */
    assert_int_equal(s.ntr, 2);
    assert_int_equal(s.tr[0], PMC_TRADE_FAILED);
    assert_int_equal(s.tr[1], PMC_TRADE_CONFIRMED);
    struct pmc_clob_stats st;
    pmc_clob_stats(x, &st);
    assert_int_equal(st.trades_seeded, 2);
    assert_int_equal(st.trades_failed_unapplied, 1);
    assert_int_equal(st.faileds, 0);
    assert_int_equal(st.recon_runs, 1);
    assert_non_null(strstr(s.log, "error: trade t-old1 of order c-old1, from "
                                  "a run before the restart, failed"));
    char mbuf[16384];
    metrics_of(x, mbuf, sizeof mbuf);
    assert_non_null(
        strstr(mbuf, "pmcopy_exec_trades_failed_unapplied_total 1\n"));
    assert_non_null(strstr(mbuf, "pmcopy_exec_trades_seeded_total 2\n"));
    pmc_clob_free(x);
}

/* Three FAK trades while the channel is down, the fake answering one row
 * a page: the reconcile follows next_cursor (percent-encoded, as the
 * venue's base64 cursors need) over three pages and the trade
 * hook sees each trade once (CONFIRMED: counted in its POST answer's fill,
 * nothing new for the core). With trades_pages = 2 the reconcile stops at
 * two pages, says so in the log and counts it. */
static void test_user_recon_pages(void **state)
{
    (void)state;
    book("[[\"0.50\",\"100\"]]", "[]");
    ctlf("/_control/user", "{\"page_size\":1,\"mined_ms\":10,"
                           "\"confirmed_ms\":20}");
    struct sink s = {0};
    struct pmc_clob_cfg cfg;
    char url[64];
    base_cfg(&cfg, url, sizeof url);
    struct pmc_clob *x = make(&cfg, &s, SECRET, 0);
    pmc_clob_user_link(x, 1, now_ms());
    pmc_clob_user_link(x, 0, now_ms());
    const char *coids[3] = {"c-pg1", "c-pg2", "c-pg3"};
    for (int i = 0; i < 3; i++) {
        struct pmc_record o =
            order(coids[i], PMC_BUY, PMC_TIF_FAK, "0.55", "10");
        submit(x, &o);
        run(x, &s, i + 1, 3000);
        assert_int_equal(s.n, i + 1);
        expect(&s.rec[i], PMC_EXEC_FILL, NULL, "0.5");
    }
    run_for(x, 50);
    pmc_clob_user_link(x, 1, now_ms());
    run_for(x, 500);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.ntr, 3);
    for (int i = 0; i < 3; i++)
        assert_int_equal(s.tr[i], PMC_TRADE_CONFIRMED);
    struct pmc_clob_stats st;
    pmc_clob_stats(x, &st);
    assert_int_equal(st.recon_pages, 3);
    assert_int_equal(st.recon_capped, 0);
    assert_int_equal(user_stat("trades_gets"), 3);
    /* the venue's cursors (base64 "1", "2") went back percent-encoded
     * (the fake refuses them otherwise) */
    assert_int_equal(user_stat("trades_bad_cursor"), 0);
    char mbuf[16384];
    metrics_of(x, mbuf, sizeof mbuf);
    assert_non_null(strstr(mbuf, "pmcopy_exec_recon_pages_total 3\n"));
    pmc_clob_free(x);

    struct sink s2 = {0};
    cfg.trades_pages = 2;
    x = make(&cfg, &s2, SECRET, 0);
    pmc_clob_user_link(x, 1, now_ms());
    pmc_clob_user_link(x, 0, now_ms());
    pmc_clob_user_link(x, 1, now_ms());
    run_for(x, 500);
    pmc_clob_stats(x, &st);
    assert_int_equal(st.recon_pages, 2);
    assert_int_equal(st.recon_capped, 1);
    assert_non_null(strstr(s2.log, "stopped at trades_pages = 2 pages"));
    metrics_of(x, mbuf, sizeof mbuf);
    assert_non_null(strstr(mbuf, "pmcopy_exec_recon_capped_total 1\n"));
    assert_int_equal(s2.n, 0); /* not its orders */
    pmc_clob_free(x);
}

/* A GET /data/trades answer over the 1 MiB its request reads: not read,
 * tried three times, then the reconcile stops with a log line naming the
 * limit and counts an error; the executor goes on (a later reconnect reads
 * the answers that fit). */
static void test_user_recon_too_big(void **state)
{
    (void)state;
    ctlf("/_control/user", "{\"pad_bytes\":1100000}");
    struct sink s = {0};
    struct pmc_clob_cfg cfg;
    char url[64];
    base_cfg(&cfg, url, sizeof url);
    struct pmc_clob *x = make(&cfg, &s, SECRET, 0);
    pmc_clob_user_link(x, 1, now_ms());
    pmc_clob_user_link(x, 0, now_ms());
    pmc_clob_user_link(x, 1, now_ms());
    run_for(x, 2600);
    struct pmc_clob_stats st;
    pmc_clob_stats(x, &st);
    assert_int_equal(st.recon_errors, 1);
    assert_int_equal(st.recon_pages, 0);
    assert_int_equal(user_stat("trades_gets"), 3);
    assert_non_null(strstr(s.log, "answer over 1048576 bytes "
                                  "(TRADES_RESP_MAX), not read; stopped"));
    ctlf("/_control/user", "{\"pad_bytes\":1000}");
    pmc_clob_user_link(x, 0, now_ms());
    pmc_clob_user_link(x, 1, now_ms());
    run_for(x, 300);
    pmc_clob_stats(x, &st);
    assert_int_equal(st.recon_pages, 1);
    assert_int_equal(st.recon_errors, 1);
    pmc_clob_free(x);
}

int main(int argc, char **argv)
{
    (void)argc;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int rc = 0;
    const struct CMUnitTest net[] = {
        cmocka_unit_test_setup(test_user_trade_failed, reset),
        cmocka_unit_test_setup(test_user_no_double_count, reset),
        cmocka_unit_test_setup(test_user_trade_before_answer, reset),
        cmocka_unit_test_setup(test_user_link_polling, reset),
        cmocka_unit_test_setup(test_user_recon_failed, reset),
        cmocka_unit_test_setup(test_user_seeded_trades, reset),
        cmocka_unit_test_setup(test_user_recon_pages, reset),
        cmocka_unit_test_setup(test_user_recon_too_big, reset),
    };
    rc |= fake_clob_groups(argv[0], "exec_user", net, PMC_ARRAY_LEN(net));
    curl_global_cleanup();
    return rc;
}
