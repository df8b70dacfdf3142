/* tests/unit/test_wire_chain.c - OrderFilled logs (V1, V2) with the
 * reference's section 8.7 vector, roles, wallet filter, reorgs and
 * malformed logs; and /prices-history points. */
#include "tests/unit/wire_collect.h"

#include "proto/wire/chain.h"
#include "proto/wire/prices.h"

#define Z64 "0000000000000000000000000000000000000000000000000000000000000000"
#define TOKEN_HEX                                                              \
    "3011e4ede0f6befa0ad3f571001d3e1ffeef3d4af78c3112aaac90416e3a43e7"
#define TOKEN_DEC                                                              \
    "21742633143463906290569050155826241533067272736897614950488156847949938"  \
    "836455"
#define W_LOW "f39fd6e51aad88f6f4ce6ab8827279cfffb92266"
#define EXCH "e111180000d2663c0091e4f400237545b87b996b"
#define PAD "000000000000000000000000"
#define MK55 "000000000000000000000000000000000000000000000000000000000053ec60"
#define TK10 "0000000000000000000000000000000000000000000000000000000000989680"
#define ONE "0000000000000000000000000000000000000000000000000000000000000001"

/* section 8.7: V2 OrderFilled, wallet as the aggressor */
#define V2_DATA "0x" Z64 TOKEN_HEX MK55 TK10 Z64 Z64 Z64
#define V1_DATA "0x" Z64 TOKEN_HEX MK55 TK10 Z64

static char doc[8192];

static const char *notif(const char *topic0, const char *taker,
                         const char *data, const char *extra)
{
    snprintf(doc, sizeof doc,
             "{\"jsonrpc\":\"2.0\",\"method\":\"eth_subscription\",\"params\":"
             "{\"subscription\":\"0x9\",\"result\":{\"address\":\"0x" EXCH "\","
             "\"topics\":[\"%s\",\"0xafe9a5ad2aa2f2cc93a7fb955f056f7b399adab65f"
             "e3d035d802d8747980a20d\",\"0x" PAD W_LOW "\",\"0x" PAD "%s\"],"
             "\"data\":\"%s\",\"blockNumber\":\"0x10\",\"transactionHash\":"
             "\"0xabc\",\"logIndex\":\"0x1a\",\"removed\":false%s}}}",
             topic0, taker, data, extra);
    return doc;
}

static enum pmc_err run(const char *s, pmc_ms t, const struct pmc_sym *w,
                        struct collected *c, struct pmc_wire_sink *sink,
                        struct pmc_wire_err *err)
{
    collect_init(c, sink);
    memset(err, 0, sizeof *err);
    return pmc_wire_decode_logs(s, strlen(s), t, w, sink, err);
}

static void test_vector_8_7(void **st)
{
    (void)st;
    struct collected c;
    struct pmc_wire_sink sink;
    struct pmc_wire_err err;
    assert_int_equal(run(notif(PMC_TOPIC_ORDER_FILLED_V2, EXCH, V2_DATA, ""),
                         1700000000123LL, NULL, &c, &sink, &err),
                     PMC_OK);
    assert_int_equal(c.n, 1);
    const struct pmc_fill *f = &c.r[0].u.fill;
    assert_int_equal(c.r[0].kind, PMC_K_FILL);
    assert_int_equal(c.r[0].t, 1700000000123LL);
    assert_string_equal(f->trader.s, "0x" W_LOW);
    assert_string_equal(f->token.s, TOKEN_DEC);
    assert_int_equal(f->side, PMC_BUY);
    assert_int_equal(f->px, dec("0.55"));
    assert_int_equal(f->sz, dec("10"));
    assert_string_equal(f->key.s, "0xabc:26");
    assert_int_equal(f->src, PMC_SRC_CHAIN);
    assert_int_equal(c.x[0].role, PMC_ROLE_TAKER);
    assert_int_equal(c.x[0].version, 2);
    assert_int_equal(c.x[0].removed, 0);
    collect_free(&c);

    /* the V1 equivalent */
    assert_int_equal(run(notif(PMC_TOPIC_ORDER_FILLED_V1, EXCH, V1_DATA,
                               ",\"blockTimestamp\":\"0x65\""),
                         0, NULL, &c, &sink, &err),
                     PMC_OK);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.r[0].u.fill.side, PMC_BUY);
    assert_int_equal(c.r[0].u.fill.px, dec("0.55"));
    assert_int_equal(c.r[0].u.fill.sz, dec("10"));
    assert_string_equal(c.r[0].u.fill.token.s, TOKEN_DEC);
    assert_int_equal(c.r[0].t, 101000); /* blockTimestamp 0x65 s */
    assert_int_equal(c.x[0].version, 1);
    collect_free(&c);
}

static void test_sell_maker_wallet_reorg(void **st)
{
    (void)st;
    struct collected c;
    struct pmc_wire_sink sink;
    struct pmc_wire_err err;
    /* V2 SELL as a resting order: maker gives 10 shares, receives 5.5 */
    const char *d = "0x" ONE TOKEN_HEX TK10 MK55 Z64 Z64 Z64;
    assert_int_equal(
        run(notif(PMC_TOPIC_ORDER_FILLED_V2,
                  "1111111111111111111111111111111111111111", d, ""),
            5, NULL, &c, &sink, &err),
        PMC_OK);
    assert_int_equal(c.r[0].u.fill.side, PMC_SELL);
    assert_int_equal(c.r[0].u.fill.px, dec("0.55"));
    assert_int_equal(c.r[0].u.fill.sz, dec("10"));
    assert_int_equal(c.x[0].role, PMC_ROLE_MAKER);
    collect_free(&c);
    /* V1 SELL: makerAssetId = token */
    d = "0x" TOKEN_HEX Z64 TK10 MK55 Z64;
    assert_int_equal(run(notif(PMC_TOPIC_ORDER_FILLED_V1, EXCH, d, ""), 5, NULL,
                         &c, &sink, &err),
                     PMC_OK);
    assert_int_equal(c.r[0].u.fill.side, PMC_SELL);
    assert_int_equal(c.r[0].u.fill.px, dec("0.55"));
    collect_free(&c);
    /* wallet filter */
    struct pmc_sym other, me;
    assert_int_equal(
        pmc_sym_set(&other, "0x1111111111111111111111111111111111111111", 42),
        PMC_OK);
    assert_int_equal(pmc_sym_set(&me, "0x" W_LOW, 42), PMC_OK);
    assert_int_equal(run(notif(PMC_TOPIC_ORDER_FILLED_V2, EXCH, V2_DATA, ""), 5,
                         &other, &c, &sink, &err),
                     PMC_OK);
    assert_int_equal(c.n, 0);
    assert_int_equal(sink.ignored, 1);
    collect_free(&c);
    /* a removed log, as a bare log object */
    const char *lg =
        "{\"address\":\"0x" EXCH "\",\"topics\":[\"" PMC_TOPIC_ORDER_FILLED_V2
        "\",\"0x" Z64 "\",\"0x" PAD W_LOW "\",\"0x" PAD EXCH
        "\"],\"data\":\"" V2_DATA
        "\",\"transactionHash\":\"0xabc\",\"logIndex\":\"0x0\","
        "\"removed\":true}";
    assert_int_equal(run(lg, 5, &me, &c, &sink, &err), PMC_OK);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.x[0].removed, 1);
    assert_string_equal(c.r[0].u.fill.key.s, "0xabc:0");
    collect_free(&c);
    /* other events, acks, arrays */
    char arr[4096];
    snprintf(arr, sizeof arr,
             "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":[{\"topics\":[\"0x174b38"
             "11690657c217184f89418266767c87e4805d09680c39fc9c031c0cab7c\"]},"
             "{\"topics\":[\"0x1234\"]},%s]}",
             lg);
    assert_int_equal(run(arr, 5, NULL, &c, &sink, &err), PMC_OK);
    assert_int_equal(c.n, 1);
    assert_int_equal(sink.ignored, 1);
    assert_int_equal(sink.unknown, 1);
    assert_string_equal(sink.unknown_first, "0x1234");
    collect_free(&c);
    assert_int_equal(run("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"0x9ce5\"}",
                         5, NULL, &c, &sink, &err),
                     PMC_OK);
    assert_int_equal(sink.ignored, 1);
    collect_free(&c);
}

static void expect_err(const char *s, pmc_ms t, enum pmc_err want,
                       const char *needle)
{
    struct collected c;
    struct pmc_wire_sink sink;
    struct pmc_wire_err err;
    enum pmc_err e = run(s, t, NULL, &c, &sink, &err);
    if (e != want || !strstr(err.msg, needle))
        fail_msg("got %s '%s'; want %s '%s'", pmc_strerror(e), err.msg,
                 pmc_strerror(want), needle);
    collect_free(&c);
}

static void test_malformed_logs(void **st)
{
    (void)st;
    const char *v2 = PMC_TOPIC_ORDER_FILLED_V2;
    expect_err(notif(v2, EXCH, "0x" Z64, ""), 5, PMC_EPARSE, "\"data\"");
    expect_err(notif(v2, EXCH,
                     "0x" Z64 TOKEN_HEX MK55 TK10 Z64 Z64
                     "zz00000000000000000000000000000000000000000"
                     "000000000000000000000",
                     ""),
               5, PMC_EPARSE, "not hex");
    expect_err(notif(v2, EXCH, "0x" ONE ONE ONE ONE Z64 Z64 Z64, ""), 5,
               PMC_ERANGE, "(0,1)"); /* price 1 */
    expect_err(notif(v2, EXCH, "0x" Z64 TOKEN_HEX TK10 MK55 Z64 Z64 Z64, ""), 5,
               PMC_ERANGE, "(0,1)"); /* BUY paying 10 for 5.5 */
    expect_err(notif(v2, EXCH, "0x" Z64 TOKEN_HEX Z64 TK10 Z64 Z64 Z64, ""), 5,
               PMC_ERANGE, "zero");
    expect_err(
        notif(v2, EXCH, "0x" Z64 TOKEN_HEX TOKEN_HEX TK10 Z64 Z64 Z64, ""), 5,
        PMC_ERANGE, "int64");
    expect_err(
        notif(v2, EXCH, "0x" TOKEN_HEX TOKEN_HEX MK55 TK10 Z64 Z64 Z64, ""), 5,
        PMC_EPARSE, "side");
    expect_err(notif(PMC_TOPIC_ORDER_FILLED_V1, EXCH,
                     "0x" TOKEN_HEX TOKEN_HEX MK55 TK10 Z64, ""),
               5, PMC_EPARSE, "exactly one");
    expect_err(notif(v2, "nothex", V2_DATA, ""), 5, PMC_EPARSE, "topics[3]");
    expect_err(notif(v2, EXCH, V2_DATA, ""), 0, PMC_EPARSE, "no time");
    expect_err("{\"topics\":[\"" PMC_TOPIC_ORDER_FILLED_V2 "\"]}", 5,
               PMC_EPARSE, "4");
    expect_err("{\"topics\":[]}", 5, PMC_EPARSE, "\"topics\"");
    expect_err("{\"topics\":[7]}", 5, PMC_OK, "");
    expect_err("{\"topics\":[true]}", 5, PMC_EPARSE, "topics[0]");
    expect_err("{\"params\":{}}", 5, PMC_EPARSE, "params.result");
    expect_err("{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-1}}", 5, PMC_EPROTO,
               "error");
    expect_err("[{\"topics\":", 5, PMC_EPARSE, "JSON syntax error");
}

static void test_u256(void **st)
{
    (void)st;
    uint8_t w[32];
    char out[80];
    memset(w, 0, sizeof w);
    assert_int_equal(pmc_wire_u256_dec(w, out), 1);
    assert_string_equal(out, "0");
    memset(w, 0xff, sizeof w);
    pmc_wire_u256_dec(w, out);
    assert_string_equal(out, "115792089237316195423570985008687907853269984665"
                             "640564039457584007913129639935");
}

static void test_prices_history(void **st)
{
    (void)st;
    struct collected c;
    struct pmc_wire_sink sink;
    struct pmc_wire_err err;
    collect_init(&c, &sink);
    memset(&err, 0, sizeof err);
    const char *h = "{\"history\":[{\"t\":1700000000,\"p\":0.5},{\"t\":"
                    "1700000060,\"p\":\"0.515\",\"extra\":1},{\"t\":1700000120,"
                    "\"p\":1}],\"market\":\"777\"}";
    assert_int_equal(pmc_wire_decode_prices(h, strlen(h), NULL, 0, &sink, &err),
                     PMC_OK);
    assert_int_equal(c.n, 2);
    assert_int_equal(sink.ignored, 1);
    assert_int_equal(c.r[0].kind, PMC_K_TRADE);
    assert_string_equal(c.r[0].u.trade.token.s, "777");
    assert_int_equal(c.r[0].t, 1700000000000LL);
    assert_int_equal(c.r[0].u.trade.px, dec("0.5"));
    assert_int_equal(c.r[0].u.trade.sz, PMC_MICRO);
    assert_int_equal(c.r[1].u.trade.px, dec("0.515"));
    /* the caller's token wins; a bare array of points */
    const char *a = "[{\"t\":1700000000,\"p\":0.25}]";
    assert_int_equal(pmc_wire_decode_prices(a, strlen(a), "42", 2, &sink, &err),
                     PMC_OK);
    assert_string_equal(c.r[2].u.trade.token.s, "42");
    static const struct {
        const char *s;
        const char *tok;
        enum pmc_err e;
        size_t row;
        const char *needle;
    } bad[] = {
        {"{\"history\":[{\"t\":1,\"p\":1.5}]}", "1", PMC_ERANGE, 1, "\"p\""},
        {"{\"history\":[{\"t\":1,\"p\":-0.1}]}", "1", PMC_ERANGE, 1, "\"p\""},
        {"{\"history\":[{\"p\":0.5}]}", "1", PMC_EPARSE, 1, "\"t\""},
        {"{\"history\":[{\"t\":1,\"p\":0.5},{\"t\":\"x\",\"p\":0.5}]}", "1",
         PMC_EPARSE, 2, "\"t\""},
        {"{\"history\":[3]}", "1", PMC_EPARSE, 1, "object"},
        {"{\"history\":{}}", "1", PMC_EPARSE, 0, "\"history\""},
        {"{\"history\":[]}", NULL, PMC_EPARSE, 0, "token"},
        {"{\"history\":[]}", "a b", PMC_EPARSE, 0, "token"},
        {"7", "1", PMC_EPARSE, 0, "JSON syntax error"},
        {"{\"history\":[{\"t\":1,\"p\":0.5}", "1", PMC_EPARSE, 0, "JSON"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&err, 0, sizeof err);
        enum pmc_err e = pmc_wire_decode_prices(
            bad[i].s, strlen(bad[i].s), bad[i].tok,
            bad[i].tok ? strlen(bad[i].tok) : 0, &sink, &err);
        if (e != bad[i].e || err.row != bad[i].row ||
            !strstr(err.msg, bad[i].needle))
            fail_msg("%s: got %s row %zu '%s'", bad[i].s, pmc_strerror(e),
                     err.row, err.msg);
    }
    collect_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vector_8_7),
        cmocka_unit_test(test_sell_maker_wallet_reorg),
        cmocka_unit_test(test_malformed_logs),
        cmocka_unit_test(test_u256),
        cmocka_unit_test(test_prices_history),
    };
    return cmocka_run_group_tests_name("wire_chain", tests, NULL, NULL);
}
