/* tests/unit/test_wire_gamma.c - Gamma market objects: hand-written cases
 * (string-encoded arrays, resolution, malformed input) and the real BTC 5m
 * markets with resolved outcomes read in place from $PMC_DATA. */
#include "tests/unit/wire_collect.h"

#include "proto/wire/gamma.h"

static enum pmc_err run(const char *s, struct collected *c,
                        struct pmc_wire_sink *sink, struct pmc_wire_err *err)
{
    collect_init(c, sink);
    memset(err, 0, sizeof *err);
    return pmc_wire_decode_gamma(s, strlen(s), sink, err);
}

#define MKT(extra)                                                             \
    "{\"id\":\"1\",\"conditionId\":\"0xc0\",\"slug\":"                         \
    "\"btc-updown-15m-1765406700\",\"outcomes\":\"[\\\"Up\\\", "               \
    "\\\"Down\\\"]\",\"clobTokenIds\":\"[\\\"111\\\", \\\"222\\\"]\"" extra    \
    "}"

static void test_market_and_resolution(void **st)
{
    (void)st;
    struct collected c;
    struct pmc_wire_sink sink;
    struct pmc_wire_err err;
    const char *doc = "[" MKT(",\"endDate\":\"2025-12-10T22:60:00Z\"") "]";
    /* a bad endDate is an error naming the field */
    assert_int_equal(run(doc, &c, &sink, &err), PMC_EPARSE);
    assert_int_equal(err.row, 1);
    assert_non_null(strstr(err.msg, "\"endDate\""));
    collect_free(&c);

    doc = "[" MKT(",\"orderPriceMinTickSize\":0.001,\"orderMinSize\":5,"
                  "\"negRisk\":false,\"feesEnabled\":true,\"feeSchedule\":"
                  "{\"exponent\":2,\"rate\":0.25,\"takerOnly\":true},"
                  "\"closed\":true,\"outcomePrices\":\"[\\\"0\\\", "
                  "\\\"1\\\"]\",\"createdAt\":\"2025-12-09T00:00:00Z\","
                  "\"closedTime\":\"2025-12-10 23:01:30+00\","
                  "\"whatever\":{\"nested\":[1,2,3]}") "]";
    assert_int_equal(run(doc, &c, &sink, &err), PMC_OK);
    assert_int_equal(c.n, 4);
    const struct pmc_market_ev *m = &c.r[0].u.market;
    assert_int_equal(c.r[0].kind, PMC_K_MARKET);
    assert_int_equal(c.r[0].t, 1765238400000LL);
    assert_string_equal(m->token.s, "111");
    assert_string_equal(m->market.s, "0xc0");
    assert_string_equal(m->outcome, "Up");
    assert_int_equal(m->end, (1765406700LL + 900) * 1000); /* from slug */
    assert_int_equal(m->tick, 1000);
    assert_int_equal(m->minsz, 5 * PMC_MICRO);
    assert_int_equal(m->fee_rate, 250000);
    assert_int_equal(m->fee_exp, 2);
    assert_int_equal(m->negrisk, 0);
    assert_string_equal(c.r[1].u.market.outcome, "Down");
    assert_string_equal(c.r[1].u.market.token.s, "222");
    assert_int_equal(c.r[2].kind, PMC_K_RESOLVE);
    assert_string_equal(c.r[2].u.resolve.token.s, "111");
    assert_int_equal(c.r[2].u.resolve.payout, 0);
    assert_int_equal(c.r[3].u.resolve.payout, PMC_MICRO);
    assert_int_equal(c.r[3].t, 1765407690000LL);
    collect_free(&c);

    /* open market with live prices: metadata only; fees disabled; an event
     * object wrapping its markets; a vendor wrapper with "raw" */
    doc = "{\"id\":\"e\",\"markets\":[" MKT(
        ",\"closed\":false,\"outcomePrices\":\"[\\\"0.505\\\", "
        "\\\"0.495\\\"]\","
        "\"feesEnabled\":false,\"endDate\":\"2025-12-10T23:00:00Z\"") "]}";
    assert_int_equal(run(doc, &c, &sink, &err), PMC_OK);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.r[0].u.market.fee_rate, 0);
    assert_int_equal(c.r[0].u.market.end, 1765407600000LL);
    assert_int_equal(c.r[0].u.market.negrisk, -1);
    assert_int_equal(c.r[0].u.market.tick, 0);
    collect_free(&c);
    doc = "{\"slug\":\"x\",\"raw\":" MKT(",\"closed\":true,\"outcomePrices\":"
                                         "[\"0.5\",\"0.5\"]") "}";
    assert_int_equal(run(doc, &c, &sink, &err), PMC_OK);
    assert_int_equal(c.n, 4);
    assert_int_equal(c.r[2].u.resolve.payout, PMC_MICRO / 2);
    collect_free(&c);
    /* closed but prices not settled: no resolution */
    doc = MKT(",\"closed\":true,\"outcomePrices\":\"[\\\"0.7\\\", "
              "\\\"0.3\\\"]\"");
    assert_int_equal(run(doc, &c, &sink, &err), PMC_OK);
    assert_int_equal(c.n, 2);
    collect_free(&c);
    /* no tokens at all: ignored */
    assert_int_equal(
        run("{\"id\":\"2\",\"clobTokenIds\":\"\"}", &c, &sink, &err), PMC_OK);
    assert_int_equal(c.n, 0);
    assert_int_equal(sink.ignored, 1);
    collect_free(&c);
}

/* An object of markets keyed by id (as a cache or a script stores them) is
 * read member by member, in the document's order; an event among them
 * gives its markets; any other object is an error, never an empty tape. */
static void test_markets_keyed_by_id(void **st)
{
    (void)st;
    struct collected c;
    struct pmc_wire_sink sink;
    struct pmc_wire_err err;
    const char *doc = "{\"9\":" MKT(
        ",\"orderPriceMinTickSize\":0.001") ","
                                            "\"3\":{\"id\":\"e\",\"markets\":[{"
                                            "\"conditionId\":\"0xc3\","
                                            "\"question\":\"Will "
                                            "\\\"it\\\"\\nrain?\","
                                            "\"clobTokenIds\":\"[\\\"333\\\", "
                                            "\\\"444\\\"]\"}]}}";
    assert_int_equal(run(doc, &c, &sink, &err), PMC_OK);
    assert_int_equal(c.n, 4);
    assert_int_equal(sink.ignored, 0);
    assert_string_equal(c.r[0].u.market.token.s, "111");
    assert_int_equal(c.r[0].u.market.tick, 1000);
    assert_string_equal(c.r[0].u.market.slug, "btc-updown-15m-1765406700");
    assert_string_equal(c.r[0].u.market.question, "");
    assert_string_equal(c.r[1].u.market.token.s, "222");
    assert_string_equal(c.r[2].u.market.token.s, "333");
    assert_string_equal(c.r[2].u.market.market.s, "0xc3");
    assert_string_equal(c.r[2].u.market.question, "Will \"it\" rain?");
    assert_string_equal(c.r[3].u.market.token.s, "444");
    collect_free(&c);
    /* a member's error names its place */
    assert_int_equal(run("{\"9\":" MKT("") ",\"5\":" MKT(
                             ",\"orderPriceMinTickSize\":0.02") "}",
                         &c, &sink, &err),
                     PMC_ERANGE);
    assert_int_equal(err.row, 2);
    collect_free(&c);
    /* neither a market nor markets: an error */
    assert_int_equal(run("{\"error\":\"not found\"}", &c, &sink, &err),
                     PMC_EPARSE);
    assert_non_null(strstr(err.msg, "keyed by id"));
    collect_free(&c);
}

static void expect_err(const char *doc, enum pmc_err want, const char *needle)
{
    struct collected c;
    struct pmc_wire_sink sink;
    struct pmc_wire_err err;
    enum pmc_err e = run(doc, &c, &sink, &err);
    if (e != want || !strstr(err.msg, needle))
        fail_msg("doc %.70s: got %s '%s'; want %s '%s'", doc, pmc_strerror(e),
                 err.msg, pmc_strerror(want), needle);
    collect_free(&c);
}

static void test_malformed(void **st)
{
    (void)st;
    expect_err("{\"clobTokenIds\":\"[\\\"1\\\", \"}", PMC_EPARSE,
               "\"clobTokenIds\"");
    expect_err("{\"clobTokenIds\":\"{\\\"a\\\":1}\"}", PMC_EPARSE,
               "not an array");
    expect_err("{\"clobTokenIds\":7}", PMC_EPARSE, "\"clobTokenIds\"");
    expect_err("{\"clobTokenIds\":\"[1, 2]\"}", PMC_OK, "");
    expect_err(MKT(",\"outcomes\":\"[\\\"Up\\\"]\""), PMC_EPARSE,
               "\"outcomes\"");
    expect_err(MKT(",\"orderPriceMinTickSize\":0.02"), PMC_ERANGE, "tick");
    expect_err(MKT(",\"orderPriceMinTickSize\":\"x\""), PMC_EPARSE,
               "orderPriceMinTickSize");
    expect_err(MKT(",\"feeSchedule\":{\"rate\":2,\"exponent\":1}"), PMC_ERANGE,
               "\"rate\"");
    expect_err(MKT(",\"feeSchedule\":{\"rate\":0.1,\"exponent\":1.5}"),
               PMC_ERANGE, "exponent");
    expect_err(MKT(",\"feeSchedule\":[]"), PMC_EPARSE, "feeSchedule");
    expect_err(MKT(",\"negRisk\":\"maybe\""), PMC_EPARSE, "\"negRisk\"");
    expect_err(MKT(",\"closed\":true,\"outcomePrices\":\"[\\\"2\\\", "
                   "\\\"0\\\"]\""),
               PMC_EPARSE, "outcomePrices");
    expect_err("[7]", PMC_EPARSE, "market object");
    expect_err("[" MKT(""), PMC_EPARSE, "JSON syntax error");
}

static void test_real_btc_5m_markets(void **st)
{
    (void)st;
    static const char *const files[] = {
        "Ligengxin96__polymarket-data-samples/samples/"
        "BTC-5m-markets-2026-06-08.jsonl.gz",
        "Ligengxin96__polymarket-data-samples/samples/"
        "BTC-5m-markets-2026-07-24.jsonl.gz"};
    /* PROVENANCE: outcomes 137 Up / 155 Down and 140 / 152 */
    static const size_t up_wins[] = {137, 140}, down_wins[] = {155, 152};
    for (size_t f = 0; f < 2; f++) {
        size_t n;
        char *buf = slurp(data_path(files[f]), &n);
        struct collected c;
        struct pmc_wire_sink sink;
        collect_init(&c, &sink);
        size_t line = 0;
        for (char *p = buf; p < buf + n;) {
            char *nl = memchr(p, '\n', (size_t)(buf + n - p));
            size_t len = nl ? (size_t)(nl - p) : (size_t)(buf + n - p);
            struct pmc_wire_err err;
            memset(&err, 0, sizeof err);
            line++;
            if (len && pmc_wire_decode_gamma(p, len, &sink, &err))
                fail_msg("%s:%zu: %s", files[f], line, err.msg);
            p += len + 1;
        }
        assert_int_equal(sink.rows, 292);
        size_t nm = 0, nr = 0, up = 0, down = 0;
        for (size_t i = 0; i < c.n; i++) {
            const struct pmc_record *r = &c.r[i];
            if (r->kind == PMC_K_MARKET) {
                nm++;
                /* end = slug start + 300 s = Gamma endDate */
                pmc_ms s, e;
                assert_true(
                    pmc_wire_slug_window(c.slug[i], strlen(c.slug[i]), &s, &e));
                assert_int_equal(r->u.market.end, e);
                assert_true(r->u.market.tick == 1000 ||
                            r->u.market.tick == 10000);
                assert_int_equal(r->u.market.minsz, 5 * PMC_MICRO);
                assert_int_equal(r->u.market.negrisk, 0);
            } else if (r->kind == PMC_K_RESOLVE) {
                nr++;
                if (r->u.resolve.payout == PMC_MICRO) {
                    /* the winner's outcome name is on its market record */
                    const struct pmc_record *mk = NULL;
                    for (size_t j = 0; j < c.n && !mk; j++)
                        if (c.r[j].kind == PMC_K_MARKET &&
                            pmc_sym_eq(&c.r[j].u.market.token,
                                       &r->u.resolve.token))
                            mk = &c.r[j];
                    assert_non_null(mk);
                    up += !strcmp(mk->u.market.outcome, "Up");
                    down += !strcmp(mk->u.market.outcome, "Down");
                }
            }
        }
        assert_int_equal(nm, 584);
        assert_int_equal(nr, 584);
        assert_int_equal(up, up_wins[f]);
        assert_int_equal(down, down_wins[f]);
        if (f == 1) {
            /* the first line of the 07-24 file, exactly */
            const struct pmc_record *r = &c.r[0];
            assert_string_equal(r->u.market.token.s,
                                "7269079890358839226900173100766242592035390"
                                "8498880709179939493847828858696064");
            assert_string_equal(r->u.market.market.s,
                                "0x11ba5a5ab05573dee22a32b4c5bec06f035b8660ee"
                                "d912fb134e7215f46bf537");
            assert_string_equal(r->u.market.outcome, "Up");
            assert_int_equal(r->u.market.end, 1784851200000LL);
            assert_int_equal(r->u.market.fee_rate, 70000);
            assert_int_equal(r->u.market.fee_exp, 1);
            assert_int_equal(r->u.market.tick, 1000);
            assert_int_equal(r->t, 1784764928939LL); /* createdAt */
            assert_int_equal(c.r[2].kind, PMC_K_RESOLVE);
            assert_int_equal(c.r[2].u.resolve.payout, PMC_MICRO); /* Up */
            assert_int_equal(c.r[3].u.resolve.payout, 0);
            assert_int_equal(c.r[2].t, 1784851216000LL); /* closedTime */
        }
        collect_free(&c);
        free(buf);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_market_and_resolution),
        cmocka_unit_test(test_markets_keyed_by_id),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_real_btc_5m_markets),
    };
    return cmocka_run_group_tests_name("wire_gamma", tests, NULL, NULL);
}
