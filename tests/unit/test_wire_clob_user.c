/* tests/unit/test_wire_clob_user.c - the CLOB user channel decoder
 * (proto/wire/clob_user.h): the order and trade events of reference 5.2,
 * the Trade rows of GET /data/trades, the subscribe message, and every
 * malformed kind with the error it must name. */
#include "tests/unit/wire_collect.h"

#include "proto/wire/clob_user.h"

#define S(lit) lit, sizeof lit - 1

struct got {
    struct pmc_user_order o[8];
    struct pmc_user_leg l[8];
    size_t no, nl;
};

static enum pmc_err got_order(void *ctx, const struct pmc_user_order *o)
{
    struct got *g = ctx;
    assert_true(g->no < 8);
    g->o[g->no++] = *o;
    return PMC_OK;
}

static enum pmc_err got_leg(void *ctx, const struct pmc_user_leg *l)
{
    struct got *g = ctx;
    assert_true(g->nl < 8);
    g->l[g->nl++] = *l;
    return PMC_OK;
}

static void sink_init(struct pmc_user_sink *s, struct got *g)
{
    memset(s, 0, sizeof *s);
    memset(g, 0, sizeof *g);
    s->ctx = g;
    s->order = got_order;
    s->leg = got_leg;
}

static void test_status_names(void **st)
{
    (void)st;
    assert_int_equal(pmc_trade_status_of(S("MATCHED")), PMC_TRADE_MATCHED);
    assert_int_equal(pmc_trade_status_of(S("TRADE_STATUS_MINED")),
                     PMC_TRADE_MINED);
    assert_int_equal(pmc_trade_status_of(S("trade_status_confirmed")),
                     PMC_TRADE_CONFIRMED);
    assert_int_equal(pmc_trade_status_of(S("Retrying")), PMC_TRADE_RETRYING);
    assert_int_equal(pmc_trade_status_of(S("FAILED")), PMC_TRADE_FAILED);
    assert_int_equal(pmc_trade_status_of(S("SETTLED")), PMC_TRADE_OTHER);
    assert_int_equal(pmc_trade_status_of(S("TRADE_STATUS_")), PMC_TRADE_OTHER);
    assert_int_equal(pmc_trade_status_of("", 0), PMC_TRADE_NONE);
    assert_string_equal(pmc_trade_status_name(PMC_TRADE_FAILED), "failed");
    assert_string_equal(pmc_trade_status_name((enum pmc_trade_status)99),
                        "other");
}

static void test_order_event(void **st)
{
    (void)st;
    struct pmc_user_sink s;
    struct got g;
    struct pmc_wire_err err;
    sink_init(&s, &g);
    memset(&err, 0, sizeof err);
    /* reference 5.2 keys */
    assert_int_equal(
        pmc_clob_user_frame(
            S("{\"event_type\":\"order\",\"id\":\"0xab12\",\"owner\":\"k\","
              "\"market\":\"0xcond\",\"asset_id\":\"123\",\"side\":\"BUY\","
              "\"original_size\":\"10\",\"size_matched\":\"4.5\","
              "\"price\":\"0.55\",\"associate_trades\":[\"t1\"],"
              "\"type\":\"UPDATE\",\"created_at\":\"1757908892\","
              "\"expiration\":\"0\",\"order_type\":\"GTC\","
              "\"status\":\"ORDER_STATUS_LIVE\",\"timestamp\":"
              "\"1757908892351\"}"),
            &s, &err),
        PMC_OK);
    assert_int_equal(g.no, 1);
    assert_string_equal(g.o[0].id.s, "0xab12");
    assert_string_equal(g.o[0].market.s, "0xcond");
    assert_string_equal(g.o[0].asset.s, "123");
    assert_int_equal(g.o[0].status, PMC_CLOB_ST_LIVE);
    assert_string_equal(g.o[0].status_text, "LIVE");
    assert_string_equal(g.o[0].type, "UPDATE");
    assert_int_equal(g.o[0].size_matched, 4500000);
    assert_int_equal(g.o[0].original_size, 10000000);
    assert_int_equal(g.o[0].price, 550000);
    assert_int_equal(g.o[0].t, 1757908892351);
    assert_int_equal(s.orders, 1);
    /* a cancellation, no price nor sizes but a status */
    assert_int_equal(
        pmc_clob_user_frame(S("{\"event_type\":\"order\",\"id\":\"0x1\","
                              "\"status\":\"CANCELED\",\"type\":"
                              "\"CANCELLATION\"}"),
                            &s, &err),
        PMC_OK);
    assert_int_equal(g.o[1].status, PMC_CLOB_ST_OTHER);
    assert_int_equal(g.o[1].size_matched, -1);
    assert_int_equal(g.o[1].price, -1);
    /* PONG and unknown events */
    assert_int_equal(pmc_clob_user_frame(S(" PONG\n"), &s, &err), PMC_OK);
    assert_int_equal(s.pongs, 1);
    assert_int_equal(
        pmc_clob_user_frame(S("[{\"event_type\":\"book\"}]"), &s, &err),
        PMC_OK);
    assert_int_equal(s.unknown, 1);
}

static void test_trade_event(void **st)
{
    (void)st;
    struct pmc_user_sink s;
    struct got g;
    struct pmc_wire_err err;
    sink_init(&s, &g);
    memset(&err, 0, sizeof err);
    assert_int_equal(
        pmc_clob_user_frame(
            S("[{\"event_type\":\"trade\",\"type\":\"TRADE\",\"id\":\"tr-1\","
              "\"taker_order_id\":\"0xab12\",\"market\":\"0xcond\","
              "\"asset_id\":\"123\",\"side\":\"BUY\",\"size\":\"10\","
              "\"fee_rate_bps\":\"0\",\"price\":\"0.57\",\"status\":"
              "\"TRADE_STATUS_MATCHED\",\"match_time\":\"1757908893\","
              "\"last_update\":\"1757908894\",\"maker_orders\":["
              "{\"order_id\":\"0xcd34\",\"matched_amount\":\"6\","
              "\"price\":\"0.57\"},{\"order_id\":\"0xef56\","
              "\"matched_amount\":\"4\",\"price\":\"0.56\"},"
              "{\"order_id\":\"0x0\",\"matched_amount\":\"0\","
              "\"price\":\"0.56\"}],\"trader_side\":\"TAKER\"}]"),
            &s, &err),
        PMC_OK);
    /* taker leg + two makers; a maker leg of 0 shares gives nothing */
    assert_int_equal(g.nl, 3);
    assert_string_equal(g.l[0].trade_id.s, "tr-1");
    assert_string_equal(g.l[0].order_id.s, "0xab12");
    assert_int_equal(g.l[0].taker, 1);
    assert_int_equal(g.l[0].shares, 10000000);
    assert_int_equal(g.l[0].price, 570000);
    assert_int_equal(g.l[0].status, PMC_TRADE_MATCHED);
    assert_int_equal(g.l[0].match_time, 1757908893000);
    assert_int_equal(g.l[0].t, 1757908894000);
    assert_string_equal(g.l[2].order_id.s, "0xef56");
    assert_int_equal(g.l[2].taker, 0);
    assert_int_equal(g.l[2].shares, 4000000);
    assert_int_equal(g.l[2].price, 560000);
    assert_string_equal(g.l[2].market.s, "0xcond");
}

static void test_trades_rest(void **st)
{
    (void)st;
    struct pmc_user_sink s;
    struct got g;
    struct pmc_wire_err err;
    char cur[32];
    sink_init(&s, &g);
    memset(&err, 0, sizeof err);
    assert_int_equal(
        pmc_clob_user_trades(
            S("{\"data\":[{\"id\":\"t9\",\"taker_order_id\":\"0xab12\","
              "\"size\":\"2\",\"price\":\"0.5\",\"status\":\"FAILED\","
              "\"matchtime\":\"1757908893\",\"maker_orders\":[]}],"
              "\"next_cursor\":\"LTE=\",\"limit\":100,\"count\":1}"),
            &s, cur, sizeof cur, &err),
        PMC_OK);
    assert_int_equal(g.nl, 1);
    assert_int_equal(g.l[0].status, PMC_TRADE_FAILED);
    assert_int_equal(g.l[0].match_time, 1757908893000);
    assert_string_equal(cur, "LTE=");
    assert_int_equal(pmc_clob_user_trades(S("[]"), &s, cur, sizeof cur, &err),
                     PMC_OK);
    assert_string_equal(cur, "");
}

static void test_malformed(void **st)
{
    (void)st;
    static const struct {
        const char *body;
        enum pmc_err code;
        const char *want;
    } BAD[] = {
        {"", PMC_EPARSE, "empty frame"},
        {"{\"event_type\":", PMC_EPARSE, ""},
        {"[1]", PMC_EPARSE, "expected an event object"},
        {"{\"event_type\":\"order\"}", PMC_EPARSE, "\"id\""},
        {"{\"event_type\":\"order\",\"id\":\"0x1\"}", PMC_EPARSE,
         "neither \"status\""},
        {"{\"event_type\":\"order\",\"id\":\"0x1\",\"status\":\"LIVE\","
         "\"price\":\"1.5\"}",
         PMC_ERANGE, "price"},
        {"{\"event_type\":\"order\",\"id\":\"0x1\",\"size_matched\":\"-1\"}",
         PMC_ERANGE, "size_matched"},
        {"{\"event_type\":\"trade\",\"id\":\"t\"}", PMC_EPARSE,
         "\"status\" is missing"},
        {"{\"event_type\":\"trade\",\"id\":\"t\",\"status\":\"MATCHED\","
         "\"taker_order_id\":\"0x1\",\"price\":\"0.5\"}",
         PMC_EPARSE, "size"},
        {"{\"event_type\":\"trade\",\"id\":\"t\",\"status\":\"MATCHED\","
         "\"maker_orders\":{}}",
         PMC_EPARSE, "maker_orders"},
        {"{\"event_type\":\"trade\",\"id\":\"t\",\"status\":\"MATCHED\","
         "\"maker_orders\":[{\"order_id\":\"0x2\",\"matched_amount\":\"1\","
         "\"price\":\"2\"}]}",
         PMC_ERANGE, "maker_orders[0]: field \"price\""},
        {"{\"event_type\":\"trade\",\"id\":\"t\",\"status\":\"MATCHED\","
         "\"match_time\":\"soon\"}",
         PMC_EPARSE, "match_time"},
    };
    for (size_t i = 0; i < PMC_ARRAY_LEN(BAD); i++) {
        struct pmc_user_sink s;
        struct got g;
        struct pmc_wire_err err;
        sink_init(&s, &g);
        memset(&err, 0, sizeof err);
        enum pmc_err e =
            pmc_clob_user_frame(BAD[i].body, strlen(BAD[i].body), &s, &err);
        if (e != BAD[i].code || !strstr(err.msg, BAD[i].want))
            fail_msg("%s: %s \"%s\"", BAD[i].body, pmc_strerror(e), err.msg);
    }
    struct pmc_user_sink s;
    struct got g;
    struct pmc_wire_err err;
    char cur[8];
    sink_init(&s, &g);
    assert_int_equal(
        pmc_clob_user_trades(S("{\"data\":1}"), &s, cur, sizeof cur, &err),
        PMC_EPARSE);
    assert_non_null(strstr(err.msg, "data"));
    /* a second item's error names its row */
    assert_int_equal(
        pmc_clob_user_frame(S("[{\"event_type\":\"x\"},{\"event_type\":"
                              "\"order\"}]"),
                            &s, &err),
        PMC_EPARSE);
    assert_int_equal(err.row, 2);
}

static void test_subscribe(void **st)
{
    (void)st;
    char out[512];
    struct pmc_sym m[2];
    memset(m, 0, sizeof m);
    strcpy(m[0].s, "0xc1");
    m[0].n = 4;
    strcpy(m[1].s, "0xc2");
    m[1].n = 4;
    size_t n = pmc_clob_user_subscribe("k", "s", "p", m, 2, out, sizeof out);
    assert_string_equal(out, "{\"auth\":{\"apiKey\":\"k\",\"secret\":\"s\","
                             "\"passphrase\":\"p\"},\"markets\":[\"0xc1\","
                             "\"0xc2\"],\"type\":\"user\"}");
    assert_int_equal(n, strlen(out));
    n = pmc_clob_user_subscribe("k", "s", "p", NULL, 0, out, sizeof out);
    assert_non_null(strstr(out, "\"markets\":[]"));
    /* too small, or a text that would break the JSON: nothing, wiped */
    assert_int_equal(pmc_clob_user_subscribe("k", "s", "p", m, 2, out, 40), 0);
    assert_int_equal(out[0], '\0');
    assert_int_equal(
        pmc_clob_user_subscribe("k", "s\"x", "p", m, 0, out, sizeof out), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_names), cmocka_unit_test(test_order_event),
        cmocka_unit_test(test_trade_event),  cmocka_unit_test(test_trades_rest),
        cmocka_unit_test(test_malformed),    cmocka_unit_test(test_subscribe),
    };
    return cmocka_run_group_tests_name("wire_clob_user", tests, NULL, NULL);
}
