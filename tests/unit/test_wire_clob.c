/* tests/unit/test_wire_clob.c - CLOB market-channel frames (hand-written,
 * malformed ones included) and the real top-of-book websocket logs read in
 * place from $PMC_DATA. */
#include "tests/unit/wire_collect.h"

#include "proto/wire/clob.h"

static enum pmc_err run(const char *s, pmc_ms t_recv, unsigned flags,
                        struct collected *c, struct pmc_wire_sink *sink,
                        struct pmc_wire_err *err)
{
    collect_init(c, sink);
    memset(err, 0, sizeof *err);
    return pmc_wire_decode_clob(s, strlen(s), t_recv, flags, sink, err);
}

static void test_book_best_last(void **st)
{
    (void)st;
    struct collected c;
    struct pmc_wire_sink sink;
    struct pmc_wire_err err;
    /* venue order: bids ascending, asks descending (best last) */
    const char *f =
        "{\"event_type\":\"book\",\"asset_id\":\"123\",\"market\":\"0xcond\","
        "\"timestamp\":\"1757908892351\",\"hash\":\"0x1\",\"bids\":["
        "{\"price\":\"0.01\",\"size\":\"100\"},{\"price\":\"0.45\",\"size\":"
        "\"10\"},{\"price\":\"0.48\",\"size\":\"30\"}],\"asks\":[{\"price\":"
        "\"0.99\",\"size\":\"5\"},{\"price\":\"0.55\",\"size\":\"7\"},"
        "{\"price\":\"0.52\",\"size\":\"25\"},{\"price\":\"0.53\",\"size\":"
        "\"0\"}],\"min_order_size\":\"5\",\"tick_size\":\"0.01\",\"neg_risk\":"
        "false,\"last_trade_price\":\"0.5\",\"brand_new_field\":[1,{}]}";
    assert_int_equal(run(f, 0, PMC_WIRE_DEPTH, &c, &sink, &err), PMC_OK);
    assert_int_equal(c.n, 2);
    const struct pmc_quote *q = &c.r[0].u.quote;
    assert_int_equal(c.r[0].kind, PMC_K_QUOTE);
    assert_int_equal(c.r[0].t, 1757908892351LL);
    assert_string_equal(q->token.s, "123");
    assert_int_equal(q->bid, dec("0.48"));
    assert_int_equal(q->bidsz, dec("30"));
    assert_int_equal(q->ask, dec("0.52"));
    assert_int_equal(q->asksz, dec("25"));
    const struct pmc_book_ev *b = &c.r[1].u.book;
    assert_int_equal(c.r[1].kind, PMC_K_BOOK);
    assert_int_equal(b->nbid, 3);
    assert_int_equal(b->nask, 3); /* the size-0 level is not a level */
    assert_int_equal(b->bid_px[0], dec("0.48"));
    assert_int_equal(b->bid_px[1], dec("0.45"));
    assert_int_equal(b->bid_px[2], dec("0.01"));
    assert_int_equal(b->ask_px[0], dec("0.52"));
    assert_int_equal(b->ask_px[1], dec("0.55"));
    assert_int_equal(b->ask_px[2], dec("0.99"));
    collect_free(&c);

    /* a frame may be an array; more than 8 levels keeps the best 8; the
     * receive time wins over the frame's */
    char big[4096];
    int k = snprintf(big, sizeof big,
                     "[{\"event_type\":\"book\",\"asset_id\":\"9\","
                     "\"timestamp\":\"1\",\"asks\":[],\"bids\":[");
    for (int i = 1; i <= 12; i++)
        k += snprintf(big + k, sizeof big - (size_t)k,
                      "%s{\"price\":\"0.%02d\",\"size\":\"%d\"}",
                      i > 1 ? "," : "", i, i);
    snprintf(big + k, sizeof big - (size_t)k, "]}]");
    assert_int_equal(run(big, 42, PMC_WIRE_DEPTH, &c, &sink, &err), PMC_OK);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.r[0].t, 42);
    assert_int_equal(c.r[0].u.quote.bid, dec("0.12"));
    assert_int_equal(c.r[0].u.quote.ask, 0);
    assert_int_equal(c.r[1].u.book.nbid, 8);
    assert_int_equal(c.r[1].u.book.bid_px[7], dec("0.05"));
    collect_free(&c);

    /* without DEPTH only the quote; an empty book gives nothing */
    assert_int_equal(run("{\"event_type\":\"book\",\"asset_id\":\"9\","
                         "\"timestamp\":\"1\",\"bids\":[],\"asks\":[]}",
                         0, 0, &c, &sink, &err),
                     PMC_OK);
    assert_int_equal(c.n, 0);
    assert_int_equal(sink.ignored, 1);
    collect_free(&c);
}

static void test_other_events(void **st)
{
    (void)st;
    struct collected c;
    struct pmc_wire_sink sink;
    struct pmc_wire_err err;
    const char *f =
        "[{\"event_type\":\"price_change\",\"market\":\"0xc\",\"timestamp\":"
        "\"1234567890\",\"price_changes\":[{\"asset_id\":\"a\",\"price\":"
        "\"0.10\",\"size\":\"5\",\"side\":\"BUY\",\"hash\":\"h\",\"best_bid\":"
        "\"0.10\",\"best_ask\":\"0.12\"},{\"asset_id\":\"b\",\"price\":\"0.9\","
        "\"size\":\"0\",\"side\":\"SELL\",\"best_bid\":\"\",\"best_ask\":\"\"}]"
        "},"
        "{\"event_type\":\"last_trade_price\",\"asset_id\":\"1141\",\"market\":"
        "\"0x6a\",\"price\":\"0.456\",\"side\":\"BUY\",\"size\":\"219.217767\","
        "\"fee_rate_bps\":\"0\",\"timestamp\":\"1750428146322\"},"
        "{\"event_type\":\"tick_size_change\",\"asset_id\":\"7\",\"market\":"
        "\"0x1\",\"old_tick_size\":\"0.01\",\"new_tick_size\":\"0.001\","
        "\"timestamp\":\"100\"},"
        "{\"event_type\":\"best_bid_ask\",\"market\":\"0x5\",\"asset_id\":"
        "\"8535\",\"best_bid\":\"0.73\",\"best_ask\":\"0.77\",\"spread\":"
        "\"0.04\",\"timestamp\":\"1766789469958\"},"
        "{\"event_type\":\"market_resolved\",\"market\":\"0x9\",\"assets_ids\":"
        "[\"u\",\"d\"],\"winning_asset_id\":\"d\",\"winning_outcome\":\"Down\","
        "\"timestamp\":\"200\"},"
        "{\"event_type\":\"new_market\",\"id\":\"1\"},"
        "{\"event_type\":\"shiny_future_event\"}]";
    assert_int_equal(run(f, 0, 0, &c, &sink, &err), PMC_OK);
    assert_int_equal(c.n, 6);
    assert_int_equal(c.r[0].kind, PMC_K_QUOTE);
    assert_int_equal(c.r[0].u.quote.bid, dec("0.1"));
    assert_int_equal(c.r[0].u.quote.bidsz, dec("5"));
    assert_int_equal(c.r[0].u.quote.ask, dec("0.12"));
    assert_int_equal(c.r[0].u.quote.asksz, 0);
    assert_int_equal(c.r[0].t, 1234567890000LL); /* seconds -> ms */
    assert_int_equal(c.r[1].kind, PMC_K_TRADE);
    assert_int_equal(c.r[1].u.trade.px, dec("0.456"));
    assert_int_equal(c.r[1].u.trade.sz, dec("219.217767"));
    assert_int_equal(c.r[1].t, 1750428146322LL);
    assert_int_equal(c.r[2].kind, PMC_K_MARKET);
    assert_int_equal(c.r[2].u.market.tick, dec("0.001"));
    assert_int_equal(c.r[2].u.market.fee_rate, -1);
    assert_int_equal(c.r[2].u.market.negrisk, -1);
    assert_int_equal(c.r[3].kind, PMC_K_QUOTE);
    assert_int_equal(c.r[3].u.quote.ask, dec("0.77"));
    assert_int_equal(c.r[4].kind, PMC_K_RESOLVE);
    assert_string_equal(c.r[4].u.resolve.token.s, "u");
    assert_int_equal(c.r[4].u.resolve.payout, 0);
    assert_string_equal(c.r[5].u.resolve.token.s, "d");
    assert_int_equal(c.r[5].u.resolve.payout, PMC_MICRO);
    assert_int_equal(sink.ignored, 2); /* empty best prices, new_market */
    assert_int_equal(sink.unknown, 1);
    assert_string_equal(sink.unknown_first, "shiny_future_event");
    collect_free(&c);
    assert_int_equal(run("PONG", 0, 0, &c, &sink, &err), PMC_OK);
    assert_int_equal(sink.ignored, 1);
    collect_free(&c);
}

static void expect_err(const char *doc, enum pmc_err want, size_t row,
                       const char *needle)
{
    struct collected c;
    struct pmc_wire_sink sink;
    struct pmc_wire_err err;
    enum pmc_err e = run(doc, 0, PMC_WIRE_DEPTH, &c, &sink, &err);
    if (e != want || err.row != row || !strstr(err.msg, needle))
        fail_msg("doc %.60s: got %s row %zu '%s'; want %s row %zu '%s'", doc,
                 pmc_strerror(e), err.row, err.msg, pmc_strerror(want), row,
                 needle);
    collect_free(&c);
}

static void test_malformed(void **st)
{
    (void)st;
    expect_err(
        "{\"event_type\":\"book\",\"asset_id\":\"1\",\"timestamp\":\"1\","
        "\"bids\":[{\"price\":\"1.5\",\"size\":\"1\"}]}",
        PMC_ERANGE, 0, "bids[0]");
    expect_err(
        "{\"event_type\":\"book\",\"asset_id\":\"1\",\"timestamp\":\"1\","
        "\"bids\":{\"price\":\"0.5\"}}",
        PMC_EPARSE, 0, "\"bids\"");
    expect_err(
        "{\"event_type\":\"book\",\"asset_id\":\"1\",\"timestamp\":\"1\","
        "\"asks\":[\"0.5\"]}",
        PMC_EPARSE, 0, "\"asks\"[0]");
    expect_err(
        "{\"event_type\":\"book\",\"asset_id\":\"1\",\"timestamp\":\"1\","
        "\"asks\":[{\"price\":\"0.5\",\"size\":\"-3\"}]}",
        PMC_ERANGE, 0, "\"size\"");
    expect_err("{\"event_type\":\"book\",\"timestamp\":\"1\",\"bids\":[]}",
               PMC_EPARSE, 0, "\"asset_id\" is missing");
    expect_err("{\"event_type\":\"book\",\"asset_id\":\"1\",\"bids\":[]}",
               PMC_EPARSE, 0, "\"timestamp\"");
    expect_err("[{\"event_type\":\"last_trade_price\",\"asset_id\":\"1\","
               "\"timestamp\":\"1\",\"price\":\"0.5\",\"size\":\"1\"},"
               "{\"event_type\":\"last_trade_price\",\"asset_id\":\"1\","
               "\"timestamp\":\"1\",\"price\":\"1\",\"size\":\"1\"}]",
               PMC_ERANGE, 2, "(0,1)");
    expect_err("{\"event_type\":\"tick_size_change\",\"asset_id\":\"1\","
               "\"timestamp\":\"1\",\"new_tick_size\":\"0.03\"}",
               PMC_ERANGE, 0, "tick");
    expect_err("{\"event_type\":true}", PMC_EPARSE, 0, "\"event_type\"");
    expect_err("[1]", PMC_EPARSE, 1, "object");
    expect_err(
        "{\"event_type\":\"book\",\"asset_id\":\"1\",\"timestamp\":\"1\","
        "\"bids\":[{\"price\":\"0.5\",\"size\":\"99999999999999999999\"}"
        "]}",
        PMC_ERANGE, 0, "\"size\"");
    expect_err("{\"event_type\":\"book\",\"asset_id\":\"1\",\"bids\":[{\"pri",
               PMC_EPARSE, 0, "JSON syntax error");
    expect_err("{\"event_type\":\"price_change\",\"timestamp\":\"1\","
               "\"price_changes\":[{\"asset_id\":\"a\",\"best_bid\":\"2\"}]}",
               PMC_ERANGE, 0, "price_changes[0]");
}

/* The real logs: 8 tokyo files (85,184 rows per PROVENANCE.md), each line
 * a top-of-book row -> one quote. */
static void test_real_orderbook_logs(void **st)
{
    (void)st;
    static const char *const files[] = {
        "polymarket_books_13.jsonl.gz", "polymarket_books_14.jsonl.gz",
        "polymarket_books_15.jsonl.gz", "polymarket_books_16.jsonl.gz",
        "polymarket_books_17.jsonl.gz", "polymarket_books_18.jsonl.gz",
        "polymarket_books_19.jsonl.gz", "polymarket_books_20.jsonl"};
    struct collected c;
    struct pmc_wire_sink sink;
    collect_init(&c, &sink);
    size_t first_of_15 = 0;
    for (size_t f = 0; f < 8; f++) {
        char rel[256];
        snprintf(rel, sizeof rel,
                 "ckoyuncu__polymarket_research/archive/polymarket/"
                 "small_sample_data/orderbook_logs/tokyo/%s",
                 files[f]);
        size_t n;
        char *buf = slurp(data_path(rel), &n);
        if (f == 2)
            first_of_15 = c.n;
        size_t line = 0;
        for (char *p = buf; p < buf + n;) {
            char *nl = memchr(p, '\n', (size_t)(buf + n - p));
            size_t len = nl ? (size_t)(nl - p) : (size_t)(buf + n - p);
            line++;
            struct pmc_wire_err err;
            memset(&err, 0, sizeof err);
            if (len && pmc_wire_decode_clob(p, len, 0, 0, &sink, &err))
                fail_msg("%s:%zu: %s", files[f], line, err.msg);
            p += len + 1;
        }
        free(buf);
    }
    assert_int_equal(sink.rows, 85184);
    assert_int_equal(c.n, 85184);
    assert_int_equal(sink.unknown + sink.ignored, 0);
    /* first line of _13 */
    const struct pmc_record *r = &c.r[0];
    assert_int_equal(r->kind, PMC_K_QUOTE);
    assert_int_equal(r->t, 1767619076746LL);
    assert_string_equal(r->u.quote.token.s,
                        "255352975344792493161390889337235982894998005401497"
                        "49135571073002655140081331");
    assert_int_equal(r->u.quote.bid, dec("0.01"));
    assert_int_equal(r->u.quote.bidsz, dec("9443.97"));
    assert_int_equal(r->u.quote.ask, dec("0.99"));
    assert_int_equal(r->u.quote.asksz, dec("9729.18"));
    assert_string_equal(c.slug[0], "btc-updown-15m-1767619800");
    /* line 5000 of _15 */
    r = &c.r[first_of_15 + 4999];
    assert_int_equal(r->t, 1767626722931LL);
    assert_string_equal(r->u.quote.token.s,
                        "435980444339015078711753727268259298841892858445893"
                        "61423714370686722289156120");
    assert_int_equal(r->u.quote.bidsz, dec("13626"));
    assert_int_equal(r->u.quote.asksz, dec("13921"));
    assert_string_equal(c.slug[first_of_15 + 4999],
                        "btc-updown-15m-1767627900");
    /* last line of _20 */
    r = &c.r[c.n - 1];
    assert_int_equal(r->t, 1767644864904LL);
    assert_int_equal(r->u.quote.bidsz, dec("6633.5"));
    assert_int_equal(r->u.quote.asksz, dec("6643.5"));
    /* 67 distinct market slugs (33 btc + 33 eth 15m, per PROVENANCE) */
    size_t nslug = 0;
    static char seen[256][64];
    for (size_t i = 0; i < c.n; i++) {
        size_t j = 0;
        while (j < nslug && strcmp(seen[j], c.slug[i]))
            j++;
        if (j == nslug && nslug < 256)
            memcpy(seen[nslug++], c.slug[i], 64);
    }
    assert_int_equal(nslug, 67);
    collect_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_book_best_last),
        cmocka_unit_test(test_other_events),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_real_orderbook_logs),
    };
    return cmocka_run_group_tests_name("wire_clob", tests, NULL, NULL);
}
