/* tests/unit/test_wire_data_api.c - data-api activity/trades rows and RTDS
 * frames: hand-written cases (malformed ones included) and the real
 * /activity dump of wallet 0x1d00...0313 read in place from $PMC_DATA. */
#include "tests/unit/wire_collect.h"

#include "proto/wire/data_api.h"

#define W "0x1d0034134e339a309700ff2d34e99fa2d48b0313"
#define TX "0xb97c198ac2116f72f38283c96183bea5cac0b8056a5ebbf7346dd11da0085a4b"

static enum pmc_err run(const char *s, struct collected *c,
                        struct pmc_wire_sink *sink, struct pmc_wire_err *err)
{
    collect_init(c, sink);
    memset(err, 0, sizeof *err);
    return pmc_wire_decode_activity(s, strlen(s), sink, err);
}

static void test_legacy_row(void **st)
{
    (void)st;
    struct collected c;
    struct pmc_wire_sink sink;
    struct pmc_wire_err err;
    const char *doc =
        "[{\"proxyWallet\":\"0x1D0034134E339A309700FF2D34E99FA2D48B0313\","
        "\"timestamp\":1771359613,\"conditionId\":\"0xabc\",\"type\":\"TRADE\","
        "\"size\":198.5318,\"usdcSize\":64.2912,\"transactionHash\":\"" TX "\","
        "\"price\":0.32,\"asset\":\"6211\",\"side\":\"BUY\",\"outcomeIndex\":1,"
        "\"slug\":\"btc-updown-5m-1771359600\",\"outcome\":\"Down\","
        "\"someNewField\":{\"x\":[1,2]}},"
        "{\"proxyWallet\":\"" W "\",\"timestamp\":1771358855,\"type\":"
        "\"REDEEM\",\"conditionId\":\"0xc1\",\"size\":6.5e-05,\"usdcSize\":0,"
        "\"transactionHash\":\"" TX
        "\",\"price\":0,\"asset\":\"\",\"side\":\"\"},"
        "{\"proxyWallet\":\"" W "\",\"timestamp\":1771358855,\"type\":"
        "\"MERGE\",\"conditionId\":\"0xc2\",\"size\":10,\"usdcSize\":10,"
        "\"transactionHash\":\"" TX "\"},"
        "{\"proxyWallet\":\"" W "\",\"timestamp\":1771358855,\"type\":"
        "\"SPLIT\",\"conditionId\":\"0xc2\",\"size\":3,"
        "\"transactionHash\":\"" TX "\"},"
        "{\"proxyWallet\":\"" W "\",\"timestamp\":1,\"type\":\"REWARD\"},"
        "{\"proxyWallet\":\"" W "\",\"timestamp\":1,\"type\":\"CONVERSION\"}]";
    assert_int_equal(run(doc, &c, &sink, &err), PMC_OK);
    assert_int_equal(c.n, 4);
    assert_int_equal(sink.rows, 6);
    assert_int_equal(sink.unknown, 2);
    assert_string_equal(sink.unknown_first, "REWARD");
    const struct pmc_record *r = &c.r[0];
    assert_int_equal(r->kind, PMC_K_FILL);
    assert_int_equal(r->t, 1771359613000LL);
    assert_int_equal(r->u.fill.ts, 1771359613000LL);
    assert_string_equal(r->u.fill.trader.s, W);
    assert_string_equal(r->u.fill.token.s, "6211");
    assert_string_equal(r->u.fill.market.s, "0xabc");
    assert_string_equal(r->u.fill.outcome, "Down");
    assert_int_equal(r->u.fill.side, PMC_BUY);
    assert_int_equal(r->u.fill.px, dec("0.32"));
    assert_int_equal(r->u.fill.sz, dec("198.5318"));
    assert_int_equal(r->u.fill.end, 1771359900000LL);
    assert_int_equal(r->u.fill.src, PMC_SRC_API);
    assert_int_equal(r->u.fill.key.n, 66 + 17);
    assert_memory_equal(r->u.fill.key.s, TX ":", 67);
    assert_string_equal(c.slug[0], "btc-updown-5m-1771359600");
    assert_int_equal(c.r[1].kind, PMC_K_REDEEM);
    assert_int_equal(c.r[1].u.ctf.sz, 65);
    assert_int_equal(c.r[1].u.ctf.usd, 0);
    assert_string_equal(c.r[1].u.ctf.market.s, "0xc1");
    assert_int_equal(c.r[2].kind, PMC_K_MERGE);
    assert_int_equal(c.r[2].u.ctf.sz, 10 * PMC_MICRO);
    assert_int_equal(c.r[3].kind, PMC_K_SPLIT);
    /* one transaction, three CTF rows: three distinct keys */
    assert_false(pmc_sym_eq(&c.r[1].u.ctf.key, &c.r[2].u.ctf.key));
    assert_false(pmc_sym_eq(&c.r[2].u.ctf.key, &c.r[3].u.ctf.key));
    collect_free(&c);
}

/* A maker's order matched by several takers at one size and price gives
 * identical rows in one transaction: each is a fill. The k-th identical row
 * of a transaction in a document gets ":k" (k >= 2); other rows keep their
 * key; the same document decoded again gives the same keys. */
#define FILLROW(tx, sz, px)                                                    \
    "{\"proxyWallet\":\"" W "\",\"timestamp\":1771359613,\"type\":"            \
    "\"TRADE\",\"size\":" sz ",\"price\":" px ",\"asset\":\"6211\","           \
    "\"side\":\"BUY\",\"transactionHash\":\"" tx "\"}"
#define TX2 "0x00000000000000000000000000000000000000000000000000000000000000b2"

static void test_identical_fills_of_one_tx(void **st)
{
    (void)st;
    struct collected c, d;
    struct pmc_wire_sink sink;
    struct pmc_wire_err err;
    const char *doc =
        "[" FILLROW(TX, "10", "0.5") "," FILLROW(TX, "10", "0.5") "," FILLROW(
            TX2, "10", "0.5") "," FILLROW(TX, "10",
                                          "0.5") "," FILLROW(TX, "11",
                                                             "0.5") "]";
    assert_int_equal(run(doc, &c, &sink, &err), PMC_OK);
    assert_int_equal(c.n, 5);
    const char *k1 = c.r[0].u.fill.key.s;
    assert_int_equal(strlen(k1), 66 + 17);
    char want[PMC_SYM_MAX + 8];
    snprintf(want, sizeof want, "%s:2", k1);
    assert_string_equal(c.r[1].u.fill.key.s, want);
    snprintf(want, sizeof want, "%s:3", k1);
    assert_string_equal(c.r[3].u.fill.key.s, want);
    /* the same content in another transaction, another size: first keys */
    assert_int_equal(strlen(c.r[2].u.fill.key.s), 66 + 17);
    assert_memory_equal(c.r[2].u.fill.key.s + 66, k1 + 66, 17);
    assert_int_equal(strlen(c.r[4].u.fill.key.s), 66 + 17);
    for (size_t i = 0; i < c.n; i++)
        for (size_t j = i + 1; j < c.n; j++)
            assert_false(pmc_sym_eq(&c.r[i].u.fill.key, &c.r[j].u.fill.key));
    /* deterministic: the same document, the same keys */
    assert_int_equal(run(doc, &d, &sink, &err), PMC_OK);
    for (size_t i = 0; i < c.n; i++)
        assert_true(pmc_sym_eq(&c.r[i].u.fill.key, &d.r[i].u.fill.key));
    collect_free(&d);
    collect_free(&c);
}

static void test_v2_envelope_same_key(void **st)
{
    (void)st;
    struct collected c, c2;
    struct pmc_wire_sink sink, sink2;
    struct pmc_wire_err err;
    const char *v2 =
        "{\"data\":[{\"proxy_wallet\":\"" W "\",\"side\":\"SELL\","
        "\"token_id\":\"6211\",\"condition_id\":\"0xabc\",\"size\":\"12.5\","
        "\"price\":\"0.545\",\"timestamp\":1771359613,\"outcome\":\"Up\","
        "\"outcome_index\":999,\"transaction_hash\":\"" TX "\","
        "\"event_slug\":\"\"}],\"pagination\":{\"limit\":1,\"has_more\":false,"
        "\"next_cursor\":null}}";
    assert_int_equal(run(v2, &c, &sink, &err), PMC_OK);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.r[0].u.fill.side, PMC_SELL);
    assert_int_equal(c.r[0].u.fill.px, 545000);
    assert_int_equal(c.r[0].u.fill.sz, 12500000);
    assert_int_equal(c.r[0].u.fill.end, 0);
    /* the same fill in legacy form gets the same key */
    const char *legacy =
        "[{\"proxyWallet\":\"" W "\",\"side\":\"SELL\",\"asset\":\"6211\","
        "\"size\":12.50,\"price\":0.5450,\"timestamp\":1771359613,"
        "\"transactionHash\":\"" TX "\"}]";
    assert_int_equal(run(legacy, &c2, &sink2, &err), PMC_OK);
    assert_int_equal(c2.n, 1);
    assert_true(pmc_sym_eq(&c.r[0].u.fill.key, &c2.r[0].u.fill.key));
    collect_free(&c);
    collect_free(&c2);
}

static void expect_err(const char *doc, enum pmc_err want, size_t row,
                       const char *needle)
{
    struct collected c;
    struct pmc_wire_sink sink;
    struct pmc_wire_err err;
    enum pmc_err e = run(doc, &c, &sink, &err);
    if (e != want || err.row != row || !strstr(err.msg, needle))
        fail_msg("doc %.60s...: got %s row %zu '%s'; want %s row %zu '%s'", doc,
                 pmc_strerror(e), err.row, err.msg, pmc_strerror(want), row,
                 needle);
    collect_free(&c);
}

#define ROW(extra)                                                             \
    "{\"proxyWallet\":\"" W "\",\"timestamp\":1771359613,\"asset\":\"1\","     \
    "\"transactionHash\":\"" TX "\"," extra "}"

static void test_malformed(void **st)
{
    (void)st;
    expect_err("[" ROW("\"side\":\"BUY\",\"size\":1,\"price\":1.5") "]",
               PMC_ERANGE, 1, "\"price\"");
    expect_err("[" ROW("\"side\":\"BUY\",\"size\":1,\"price\":0") "]",
               PMC_ERANGE, 1, "(0,1)");
    expect_err("[" ROW("\"side\":\"BUY\",\"size\":1,\"price\":-0.5") "]",
               PMC_ERANGE, 1, "\"price\"");
    expect_err("[" ROW("\"side\":\"BUY\",\"size\":1,\"price\":\"abc\"") "]",
               PMC_EPARSE, 1, "decimal");
    expect_err("[" ROW("\"side\":\"BUY\",\"size\":1,\"price\":true") "]",
               PMC_EPARSE, 1, "\"price\"");
    expect_err("[" ROW("\"side\":\"BUY\",\"size\":1") "]", PMC_EPARSE, 1,
               "\"price\" is missing");
    expect_err("[" ROW("\"side\":\"HOLD\",\"size\":1,\"price\":0.5") "]",
               PMC_EPARSE, 1, "\"side\"");
    expect_err("[" ROW("\"side\":\"BUY\",\"size\":0,\"price\":0.5") "]",
               PMC_ERANGE, 1, "\"size\"");
    expect_err("[" ROW("\"side\":\"BUY\",\"size\":1e300,\"price\":0.5") "]",
               PMC_ERANGE, 1, "\"size\"");
    expect_err("[" ROW("\"side\":\"BUY\",\"size\":"
                       "123456789012345678901234567890,\"price\":0.5") "]",
               PMC_ERANGE, 1, "\"size\"");
    expect_err("[" ROW("\"side\":\"BUY\",\"size\":1,\"price\":0.5") ",7]",
               PMC_EPARSE, 2, "object");
    expect_err("[{\"proxyWallet\":\"nope\",\"timestamp\":1,\"side\":\"BUY\","
               "\"transactionHash\":\"" TX "\"}]",
               PMC_EPARSE, 1, "\"proxyWallet\"");
    expect_err("[{\"proxyWallet\":\"" W "\",\"timestamp\":\"soon\"}]",
               PMC_EPARSE, 1, "\"timestamp\"");
    expect_err("[" ROW("\"side\":\"BUY\",\"size\":1,\"price\":0.5"), PMC_EPARSE,
               0, "JSON syntax error");
    expect_err("{\"data\":{}}", PMC_EPARSE, 0, "expected an array");
    expect_err("\"just a string\"", PMC_EPARSE, 0, "JSON syntax error");
    /* wrong type for an identifier */
    expect_err("[{\"proxyWallet\":\"" W "\",\"timestamp\":1,\"asset\":[1],"
               "\"transactionHash\":\"" TX "\",\"side\":\"BUY\",\"size\":1,"
               "\"price\":0.5}]",
               PMC_EPARSE, 1, "\"asset\"");
}

static void test_rtds(void **st)
{
    (void)st;
    struct collected c;
    struct pmc_wire_sink sink;
    struct pmc_wire_err err;
    collect_init(&c, &sink);
    memset(&err, 0, sizeof err);
    const char *f =
        "{\"topic\":\"activity\",\"type\":\"trades\",\"timestamp\":"
        "1771359613412,\"connection_id\":\"x\",\"payload\":{\"asset\":\"6211\","
        "\"conditionId\":\"0xabc\",\"eventSlug\":\"btc-updown-15m-1771359300\","
        "\"outcome\":\"Up\",\"outcomeIndex\":0,\"price\":0.32,\"proxyWallet\":"
        "\"" W "\",\"side\":\"BUY\",\"size\":198.5318,\"slug\":"
        "\"btc-updown-15m-1771359300\",\"timestamp\":1771359613,"
        "\"transactionHash\":\"" TX "\"}}";
    assert_int_equal(pmc_wire_decode_rtds(f, strlen(f), 0, &sink, &err),
                     PMC_OK);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.r[0].t, 1771359613412LL);
    assert_int_equal(c.r[0].u.fill.ts, 1771359613000LL);
    assert_int_equal(c.r[0].u.fill.src, PMC_SRC_RTDS);
    assert_int_equal(c.r[0].u.fill.end, 1771360200000LL);
    /* t_recv wins */
    assert_int_equal(pmc_wire_decode_rtds(f, strlen(f), 5, &sink, &err),
                     PMC_OK);
    assert_int_equal(c.r[1].t, 5);
    /* PONG, other topics, arrays */
    assert_int_equal(pmc_wire_decode_rtds("PONG", 4, 0, &sink, &err), PMC_OK);
    const char *other = "[{\"topic\":\"crypto_prices\",\"type\":\"update\","
                        "\"payload\":{}},{\"nothing\":1}]";
    assert_int_equal(pmc_wire_decode_rtds(other, strlen(other), 0, &sink, &err),
                     PMC_OK);
    assert_int_equal(sink.ignored, 2);
    assert_int_equal(sink.unknown, 1);
    const char *bad = "{\"topic\":\"activity\",\"type\":\"trades\","
                      "\"timestamp\":1,\"payload\":\"x\"}";
    assert_int_equal(pmc_wire_decode_rtds(bad, strlen(bad), 0, &sink, &err),
                     PMC_EPARSE);
    const char *nopay = "{\"topic\":\"activity\",\"type\":\"trades\"}";
    assert_int_equal(pmc_wire_decode_rtds(nopay, strlen(nopay), 0, &sink, &err),
                     PMC_EPARSE);
    assert_non_null(strstr(err.msg, "payload"));
    assert_int_equal(c.n, 2);
    collect_free(&c);
}

static const struct pmc_record *find_key(const struct collected *c,
                                         const char *tx, enum pmc_kind k,
                                         const char *market)
{
    for (size_t i = 0; i < c->n; i++) {
        const struct pmc_record *r = &c->r[i];
        const struct pmc_sym *key =
            r->kind == PMC_K_FILL ? &r->u.fill.key : &r->u.ctf.key;
        if (r->kind == k && !strncmp(key->s, tx, strlen(tx)) &&
            (!market || !strcmp(r->u.ctf.market.s, market)))
            return r;
    }
    fail_msg("no record for %s", tx);
    return NULL;
}

static void test_real_activity_dump(void **st)
{
    (void)st;
    size_t n;
    char *buf = slurp(
        data_path("hxx344__deepmarket/docs/pm_account_0x1d_raw_trades.json"),
        &n);
    struct collected c;
    struct pmc_wire_sink sink;
    struct pmc_wire_err err;
    collect_init(&c, &sink);
    memset(&err, 0, sizeof err);
    enum pmc_err e = pmc_wire_decode_activity(buf, n, &sink, &err);
    if (e != PMC_OK)
        fail_msg("row %zu: %s", err.row, err.msg);
    size_t nfill = 0, nbuy = 0, nmerge = 0, nredeem = 0;
    for (size_t i = 0; i < c.n; i++) {
        nfill += c.r[i].kind == PMC_K_FILL;
        nbuy += c.r[i].kind == PMC_K_FILL && c.r[i].u.fill.side == PMC_BUY;
        nmerge += c.r[i].kind == PMC_K_MERGE;
        nredeem += c.r[i].kind == PMC_K_REDEEM;
    }
    /* README / PROVENANCE: 2,984 rows = 2,934 BUY fills, 25 MERGE, 25
     * REDEEM */
    assert_int_equal(sink.rows, 2984);
    assert_int_equal(nfill, 2934);
    assert_int_equal(nbuy, 2934);
    assert_int_equal(nmerge, 25);
    assert_int_equal(nredeem, 25);
    assert_int_equal(sink.unknown, 0);
    /* fill keys are unique */
    for (size_t i = 0; i < c.n; i++)
        for (size_t j = i + 1; j < c.n && c.r[i].kind == PMC_K_FILL; j++)
            if (c.r[j].kind == PMC_K_FILL &&
                pmc_sym_eq(&c.r[i].u.fill.key, &c.r[j].u.fill.key))
                fail_msg("duplicate key %s", c.r[i].u.fill.key.s);

    /* the first row of the file, exactly */
    const struct pmc_record *r = &c.r[0];
    assert_int_equal(r->kind, PMC_K_FILL);
    assert_memory_equal(r->u.fill.key.s, TX ":", 67);
    assert_string_equal(r->u.fill.trader.s, W);
    assert_string_equal(r->u.fill.token.s,
                        "621104671531955626438512991908824095487801906773842"
                        "77594033518466121883086792");
    assert_string_equal(r->u.fill.market.s,
                        "0x59feadddd58e7821c086ee9f3dc4f544514b94ebd0e8d645a3"
                        "c4d80ebdd354a2");
    assert_int_equal(r->u.fill.px, dec("0.32"));
    assert_int_equal(r->u.fill.sz, dec("198.5318"));
    assert_int_equal(r->t, 1771359613000LL);
    assert_string_equal(r->u.fill.outcome, "Down");
    assert_int_equal(r->u.fill.end, (1771359600LL + 300) * 1000);
    /* a 15m market (second row) */
    r = find_key(&c,
                 "0xb2bf2a040dfba488cf2356d3ff4ec7b48a5dd2c4a691c7138ba74e91cb"
                 "e2de46",
                 PMC_K_FILL, NULL);
    assert_int_equal(r->u.fill.px, dec("0.59"));
    assert_int_equal(r->u.fill.sz, dec("54.1955"));
    assert_int_equal(r->u.fill.end, (1771359300LL + 900) * 1000);
    /* an average price with 17 decimals, rounded half to even */
    r = find_key(&c,
                 "0xf1b6d5954029761b2c09b12270f8f73d4c78a8c64ab14009c3a4d74464"
                 "b7c372",
                 PMC_K_FILL, NULL);
    assert_int_equal(r->u.fill.px, dec("0.115455")); /* 0.11545454545... */
    assert_int_equal(r->u.fill.sz, dec("87.7706"));
    assert_int_equal(r->t, 1771359589000LL);
    /* a REDEEM written in exponent notation: 6.5e-05 */
    r = find_key(&c,
                 "0x683c7c20cb770e06a7da76603e777687299b118081f0db3bcef1f37bd1"
                 "ff3913",
                 PMC_K_REDEEM,
                 "0x1285a261ea86ce88c01fc9a80bf46adcbe24db0bf07ddc999caffe190e"
                 "0540ab");
    assert_int_equal(r->u.ctf.sz, 65);
    assert_int_equal(r->u.ctf.usd, 65);
    assert_int_equal(r->t, 1771358855000LL);
    collect_free(&c);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_legacy_row),
        cmocka_unit_test(test_identical_fills_of_one_tx),
        cmocka_unit_test(test_v2_envelope_same_key),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_rtds),
        cmocka_unit_test(test_real_activity_dump),
    };
    return cmocka_run_group_tests_name("wire_data_api", tests, NULL, NULL);
}
