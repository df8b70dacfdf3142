/* tests/unit/test_wire_clob_rest.c - the CLOB REST answer decoder
 * (proto/wire/clob_rest.h): the answer shapes of the protocol reference
 * (4.1, 4.2) and every malformed kind, each with the error it must name. */
#include "tests/unit/wire_collect.h"

#include "proto/wire/clob_rest.h"

#define S(lit) lit, sizeof lit - 1

static void test_msg(void **st)
{
    (void)st;
    char m[PMC_CLOB_MSG_MAX];
    pmc_clob_rest_msg(S("{\"error\":\"invalid signature\"}"), m, sizeof m);
    assert_string_equal(m, "invalid signature");
    pmc_clob_rest_msg(S("{\"error\":\"\",\"errorMsg\":\"not enough balance\"}"),
                      m, sizeof m);
    assert_string_equal(m, "not enough balance");
    pmc_clob_rest_msg(S("{\"success\":true}"), m, sizeof m);
    assert_string_equal(m, "");
    pmc_clob_rest_msg(S("[1,2]"), m, sizeof m);
    assert_string_equal(m, "");
    /* not JSON: the body as text, control bytes and non-ASCII as spaces */
    pmc_clob_rest_msg(S("Bad\tGateway\x80!"), m, sizeof m);
    assert_string_equal(m, "Bad Gateway !");
    /* cut to the buffer, stops at NUL, reads only n bytes */
    pmc_clob_rest_msg("abcdef", 3, m, 3);
    assert_string_equal(m, "ab");
    pmc_clob_rest_msg(S("ab\0cd"), m, sizeof m);
    assert_string_equal(m, "ab");
    pmc_clob_rest_msg("", 0, m, sizeof m);
    assert_string_equal(m, "");
    /* a number is text after the exact rewrite */
    pmc_clob_rest_msg(S("{\"error\":12.50}"), m, sizeof m);
    assert_string_equal(m, "12.50");
}

static void test_post_good(void **st)
{
    (void)st;
    struct pmc_clob_post_ans a;
    struct pmc_wire_err err;
    memset(&err, 0, sizeof err);
    /* reference 4.2, the docs' example: base-unit looking amounts */
    assert_int_equal(
        pmc_clob_rest_post(
            S("{\"success\":true,\"orderID\":\"0xabcdef\",\"status\":\"live\","
              "\"makingAmount\":\"100000000\",\"takingAmount\":\"200000000\","
              "\"errorMsg\":\"\"}"),
            &a, &err),
        PMC_OK);
    assert_int_equal(a.accepted, 1);
    assert_int_equal(a.status, PMC_CLOB_ST_LIVE);
    assert_string_equal(a.status_text, "live");
    assert_int_equal(a.making.ok, 1);
    assert_int_equal(a.making.human, 100000000 * PMC_MICRO);
    assert_int_equal(a.making.base, 100000000);
    assert_int_equal(a.taking.base, 200000000);
    assert_string_equal(a.msg, "");
    /* human decimals (third-party reading): no base reading */
    assert_int_equal(
        pmc_clob_rest_post(S("{\"success\":\"true\",\"status\":\"MATCHED\","
                             "\"makingAmount\":\"50.0\",\"takingAmount\":1.0,"
                             "\"tradeIDs\":[\"t1\"]}"),
                           &a, &err),
        PMC_OK);
    assert_int_equal(a.accepted, 1);
    assert_int_equal(a.status, PMC_CLOB_ST_MATCHED);
    assert_string_equal(a.status_text, "MATCHED");
    assert_int_equal(a.making.human, dec("50"));
    assert_int_equal(a.making.base, -1);
    assert_int_equal(a.taking.human, dec("1"));
    assert_int_equal(a.taking.base, -1);
    /* delayed, unmatched, an unknown status, no status */
    assert_int_equal(pmc_clob_rest_post(S("{\"success\":true,\"status\":"
                                          "\"Delayed\"}"),
                                        &a, &err),
                     PMC_OK);
    assert_int_equal(a.status, PMC_CLOB_ST_DELAYED);
    assert_int_equal(a.making.ok, 0);
    assert_int_equal(pmc_clob_rest_post(S("{\"success\":true,\"status\":"
                                          "\"unmatched\"}"),
                                        &a, &err),
                     PMC_OK);
    assert_int_equal(a.status, PMC_CLOB_ST_UNMATCHED);
    assert_int_equal(pmc_clob_rest_post(S("{\"success\":true,\"status\":"
                                          "\"queued\"}"),
                                        &a, &err),
                     PMC_OK);
    assert_int_equal(a.status, PMC_CLOB_ST_OTHER);
    assert_string_equal(a.status_text, "queued");
    assert_int_equal(pmc_clob_rest_post(S("{\"success\":true}"), &a, &err),
                     PMC_OK);
    assert_int_equal(a.status, PMC_CLOB_ST_NONE);
    assert_string_equal(a.status_text, "");
    /* a long status is cut, its meaning read from the whole */
    assert_int_equal(
        pmc_clob_rest_post(S("{\"success\":true,\"status\":\"matched-and-"
                             "then-some-more-text-that-goes-on-and-on\"}"),
                           &a, &err),
        PMC_OK);
    assert_int_equal(a.status, PMC_CLOB_ST_OTHER);
    assert_int_equal(strlen(a.status_text), PMC_CLOB_STATUS_MAX - 1);
}

static void test_post_refused(void **st)
{
    (void)st;
    struct pmc_clob_post_ans a;
    struct pmc_wire_err err;
    memset(&err, 0, sizeof err);
    assert_int_equal(
        pmc_clob_rest_post(S("{\"success\":false,\"errorMsg\":\"order "
                             "couldn't be fully filled. FOK orders are fully "
                             "filled or killed.\"}"),
                           &a, &err),
        PMC_OK);
    assert_int_equal(a.accepted, 0);
    assert_string_equal(a.msg, "order couldn't be fully filled. FOK orders "
                               "are fully filled or killed.");
    /* an errorMsg refuses even with success true */
    assert_int_equal(pmc_clob_rest_post(S("{\"success\":true,\"errorMsg\":"
                                          "\"invalid tick size\"}"),
                                        &a, &err),
                     PMC_OK);
    assert_int_equal(a.accepted, 0);
    assert_string_equal(a.msg, "invalid tick size");
    /* refused without a word */
    assert_int_equal(pmc_clob_rest_post(S("{\"success\":\"false\"}"), &a, &err),
                     PMC_OK);
    assert_int_equal(a.accepted, 0);
    assert_string_equal(a.msg, "");
}

static void post_bad(const char *body, size_t n, enum pmc_err code,
                     const char *want)
{
    struct pmc_clob_post_ans a;
    struct pmc_wire_err err;
    memset(&err, 0, sizeof err);
    assert_int_equal(pmc_clob_rest_post(body, n, &a, &err), code);
    if (!strstr(err.msg, want))
        fail_msg("%.*s: \"%s\" does not say \"%s\"", (int)n, body, err.msg,
                 want);
    assert_int_equal(a.accepted, 0);
}

static void test_post_malformed(void **st)
{
    (void)st;
    post_bad("", 0, PMC_EPARSE, "empty answer");
    post_bad(S("<html>502 Bad Gateway</html>"), PMC_EPARSE, "");
    post_bad(S("{\"success\":true"), PMC_EPARSE, "");
    post_bad(S("[{\"success\":true}]"), PMC_EPARSE, "expected a JSON object");
    post_bad(S("null"), PMC_EPARSE, "'[' or '{' expected");
    post_bad(S("{\"status\":\"live\"}"), PMC_EPARSE,
             "field \"success\" is missing");
    post_bad(S("{\"success\":1}"), PMC_EPARSE,
             "field \"success\": \"1\": expected true or false");
    post_bad(S("{\"success\":\"yes\"}"), PMC_EPARSE, "expected true or false");
    post_bad(S("{\"success\":null,\"errorMsg\":\"\"}"), PMC_EPARSE,
             "expected true or false");
    /* a bad number is a syntax error with its offset */
    struct pmc_clob_post_ans a;
    struct pmc_wire_err err;
    memset(&err, 0, sizeof err);
    assert_int_equal(
        pmc_clob_rest_post(S("{\"success\":true,\"x\":01}"), &a, &err),
        PMC_EPARSE);
    assert_true(err.offset > 0);
    /* the message survives a body that is not JSON */
    assert_string_equal(a.msg, "{\"success\":true,\"x\":01}");
    /* bad amounts are not an error of the answer, only unusable */
    static const char *const AMT[] = {
        "\"-1\"", "\"\"", "\"abc\"",   "true",
        "{}",     "[1]",  "\"1e400\"", "\"99999999999999999999\""};
    for (size_t i = 0; i < PMC_ARRAY_LEN(AMT); i++) {
        char b[160];
        int k = snprintf(b, sizeof b,
                         "{\"success\":true,\"status\":\"matched\","
                         "\"makingAmount\":%s,\"takingAmount\":\"5\"}",
                         AMT[i]);
        assert_int_equal(pmc_clob_rest_post(b, (size_t)k, &a, &err), PMC_OK);
        assert_int_equal(a.making.ok, 0);
        assert_int_equal(a.taking.ok, 1);
    }
}

/* POST /orders: one answer per order, each read as POST /order reads it;
 * a bad element is that element's error only; not an array is an error. */
static void test_post_batch(void **st)
{
    (void)st;
    struct pmc_clob_post_ans a[3];
    enum pmc_err el[3];
    size_t n = 99;
    struct pmc_wire_err err;
    memset(&err, 0, sizeof err);
    assert_int_equal(
        pmc_clob_rest_post_batch(
            S("[{\"success\":true,\"status\":\"matched\",\"makingAmount\":"
              "\"5.5\",\"takingAmount\":\"10\"},"
              "{\"success\":false,\"errorMsg\":\"not enough balance\"},"
              "{\"status\":\"live\"},{\"success\":true}]"),
            a, el, 3, &n, &err),
        PMC_OK);
    assert_int_equal(n, 4); /* counted beyond cap */
    assert_int_equal(el[0], PMC_OK);
    assert_int_equal(a[0].accepted, 1);
    assert_int_equal(a[0].status, PMC_CLOB_ST_MATCHED);
    assert_int_equal(a[0].making.human, dec("5.5"));
    assert_int_equal(el[1], PMC_OK);
    assert_int_equal(a[1].accepted, 0);
    assert_string_equal(a[1].msg, "not enough balance");
    assert_int_equal(el[2], PMC_EPARSE);
    assert_int_equal(a[2].accepted, 0);
    assert_int_equal(pmc_clob_rest_post_batch(S("[]"), a, el, 3, &n, &err),
                     PMC_OK);
    assert_int_equal(n, 0);
    assert_int_equal(
        pmc_clob_rest_post_batch(S("{\"error\":\"x\"}"), a, el, 3, &n, &err),
        PMC_EPARSE);
    assert_non_null(strstr(err.msg, "expected a JSON array"));
    assert_int_equal(n, 0);
    assert_int_equal(
        pmc_clob_rest_post_batch(S("[{\"success\":"), a, el, 3, &n, &err),
        PMC_EPARSE);
    assert_int_equal(
        pmc_clob_rest_post_batch(S("[1,\"x\"]"), a, el, 3, &n, &err), PMC_OK);
    assert_int_equal(n, 2);
    assert_int_equal(el[0], PMC_EPARSE);
    assert_int_equal(el[1], PMC_EPARSE);
}

static void test_order(void **st)
{
    (void)st;
    struct pmc_clob_order_ans a;
    struct pmc_wire_err err;
    memset(&err, 0, sizeof err);
    /* OpenOrder (reference 4.2) */
    assert_int_equal(
        pmc_clob_rest_order(
            S("{\"id\":\"0xafe9\",\"status\":\"ORDER_STATUS_LIVE\",\"owner\":"
              "\"k\",\"maker_address\":\"0x1\",\"market\":\"0xc\",\"asset_id\":"
              "\"123\",\"side\":\"BUY\",\"original_size\":\"10\","
              "\"size_matched\":\"2.5\",\"price\":\"0.45\",\"associate_"
              "trades\":"
              "[],\"outcome\":\"Yes\",\"created_at\":1764612536,\"expiration\":"
              "\"0\",\"order_type\":\"GTC\"}"),
            &a, &err),
        PMC_OK);
    assert_int_equal(a.found, 1);
    assert_int_equal(a.status, PMC_CLOB_ST_LIVE);
    assert_string_equal(a.status_text, "LIVE");
    assert_int_equal(a.size_matched, dec("2.5"));
    assert_int_equal(a.original_size, dec("10"));
    assert_int_equal(a.price, dec("0.45"));
    assert_int_equal(a.has_tif, 1);
    assert_int_equal(a.tif, PMC_TIF_GTC);
    /* the bare form, no price / size / type, numbers as numbers */
    assert_int_equal(pmc_clob_rest_order(S("{\"id\":\"0x1\",\"status\":"
                                           "\"MATCHED\",\"size_matched\":5,"
                                           "\"order_type\":\"XYZ\"}"),
                                         &a, &err),
                     PMC_OK);
    assert_int_equal(a.found, 1);
    assert_int_equal(a.status, PMC_CLOB_ST_MATCHED);
    assert_int_equal(a.size_matched, dec("5"));
    assert_int_equal(a.price, -1);
    assert_int_equal(a.original_size, -1);
    assert_int_equal(a.has_tif, 0);
    assert_int_equal(pmc_clob_rest_order(S("{\"id\":\"0x1\",\"status\":"
                                           "\"CANCELED\",\"size_matched\":\"0"
                                           "\",\"price\":null}"),
                                         &a, &err),
                     PMC_OK);
    assert_int_equal(a.status, PMC_CLOB_ST_OTHER);
    assert_string_equal(a.status_text, "CANCELED");
    assert_int_equal(a.price, -1);
    /* not found: null, {}, an object without an id */
    static const char *const NF[] = {"null", " null\r\n", "{}",
                                     " {\"error\":\"x\"} "};
    for (size_t i = 0; i < PMC_ARRAY_LEN(NF); i++) {
        assert_int_equal(pmc_clob_rest_order(NF[i], strlen(NF[i]), &a, &err),
                         PMC_OK);
        assert_int_equal(a.found, 0);
    }
}

static void order_bad(const char *body, enum pmc_err code, const char *want)
{
    struct pmc_clob_order_ans a;
    struct pmc_wire_err err;
    memset(&err, 0, sizeof err);
    assert_int_equal(pmc_clob_rest_order(body, strlen(body), &a, &err), code);
    if (!strstr(err.msg, want))
        fail_msg("%s: \"%s\" does not say \"%s\"", body, err.msg, want);
    assert_int_equal(a.found, 0);
}

static void test_order_malformed(void **st)
{
    (void)st;
    order_bad("", PMC_EPARSE, "empty answer");
    order_bad("not json", PMC_EPARSE, "");
    order_bad("[]", PMC_EPARSE, "expected a JSON object or null");
    order_bad("\"0x1\"", PMC_EPARSE, "'[' or '{' expected");
    order_bad("nul", PMC_EPARSE, "");
    order_bad("null null", PMC_EPARSE, "");
    order_bad("{\"id\":\"0x1\",\"size_matched\":\"1\"}", PMC_EPARSE,
              "field \"status\" is missing");
    order_bad("{\"id\":\"0x1\",\"status\":\"\",\"size_matched\":\"1\"}",
              PMC_EPARSE, "field \"status\": \"\": expected a non-empty");
    order_bad("{\"id\":\"0x1\",\"status\":[],\"size_matched\":\"1\"}",
              PMC_EPARSE, "field \"status\": an array");
    order_bad("{\"id\":\"0x1\",\"status\":\"LIVE\"}", PMC_EPARSE,
              "field \"size_matched\" is missing");
    order_bad("{\"id\":\"0x1\",\"status\":\"LIVE\",\"size_matched\":\"x\"}",
              PMC_EPARSE, "field \"size_matched\"");
    order_bad("{\"id\":\"0x1\",\"status\":\"LIVE\",\"size_matched\":\"-1\"}",
              PMC_ERANGE, "field \"size_matched\"");
    order_bad("{\"id\":\"0x1\",\"status\":\"LIVE\",\"size_matched\":\"1e13\"}",
              PMC_ERANGE, "field \"size_matched\"");
    order_bad("{\"id\":\"0x1\",\"status\":\"LIVE\",\"size_matched\":\"1\","
              "\"original_size\":\"-2\"}",
              PMC_ERANGE, "field \"original_size\"");
    order_bad("{\"id\":\"0x1\",\"status\":\"LIVE\",\"size_matched\":\"1\","
              "\"price\":\"1.5\"}",
              PMC_ERANGE, "field \"price\"");
    order_bad("{\"id\":\"0x1\",\"status\":\"LIVE\",\"size_matched\":\"1\","
              "\"price\":\"0\"}",
              PMC_ERANGE, "field \"price\"");
    order_bad("{\"id\":\"0x1\",\"status\":\"LIVE\",\"size_matched\":\"1\","
              "\"price\":{}}",
              PMC_EPARSE, "field \"price\"");
}

static void test_cancel(void **st)
{
    (void)st;
    struct pmc_clob_cancel_ans a;
    struct pmc_wire_err err;
    memset(&err, 0, sizeof err);
    assert_int_equal(pmc_clob_rest_cancel(S("{\"canceled\":[\"0xAB\"],"
                                            "\"not_canceled\":{}}"),
                                          "0xab", &a, &err),
                     PMC_OK);
    assert_int_equal(a.canceled, 1);
    assert_int_equal(a.refused, 0);
    assert_int_equal(pmc_clob_rest_cancel(S("{\"canceled\":[],\"notCanceled\":"
                                            "{\"0xab\":\"order can't be "
                                            "canceled\"}}"),
                                          "0xab", &a, &err),
                     PMC_OK);
    assert_int_equal(a.canceled, 0);
    assert_int_equal(a.refused, 1);
    assert_string_equal(a.why, "order can't be canceled");
    /* another order's fate says nothing about this one */
    assert_int_equal(pmc_clob_rest_cancel(S("{\"canceled\":[\"0xcd\"],"
                                            "\"not_canceled\":{\"0xef\":\"x\"}"
                                            "}"),
                                          "0xab", &a, &err),
                     PMC_OK);
    assert_int_equal(a.canceled + a.refused, 0);
    static const struct {
        const char *body, *want;
    } BAD[] = {
        {"", "empty answer"},
        {"[\"0xab\"]", "expected a JSON object"},
        {"{\"canceled\":\"0xab\"}", "field \"canceled\": expected an array"},
        {"{\"canceled\":[1,{}]}", "field \"canceled\": item 2 is not a string"},
        {"{\"not_canceled\":[]}", "field \"not_canceled\": expected an object"},
    };
    for (size_t i = 0; i < PMC_ARRAY_LEN(BAD); i++) {
        memset(&err, 0, sizeof err);
        assert_int_equal(pmc_clob_rest_cancel(BAD[i].body, strlen(BAD[i].body),
                                              "0xab", &a, &err),
                         PMC_EPARSE);
        if (!strstr(err.msg, BAD[i].want))
            fail_msg("%s: \"%s\"", BAD[i].body, err.msg);
    }
}

static void test_tick_negrisk(void **st)
{
    (void)st;
    struct pmc_tick t;
    struct pmc_wire_err err;
    memset(&err, 0, sizeof err);
    /* the venue sends a number; an SDK mock a string */
    assert_int_equal(
        pmc_clob_rest_tick(S("{\"minimum_tick_size\":0.01}"), &t, &err),
        PMC_OK);
    assert_int_equal(pmc_tick_micros(t), 10000);
    assert_int_equal(
        pmc_clob_rest_tick(S("{\"minimum_tick_size\":\"0.001\"}"), &t, &err),
        PMC_OK);
    assert_int_equal(pmc_tick_micros(t), 1000);
    static const struct {
        const char *body, *want;
    } BT[] = {
        {"", "empty answer"},
        {"0.01", "'[' or '{' expected"},
        {"[0.01]", "tick-size answer: expected a JSON object"},
        {"{}", "field \"minimum_tick_size\" is missing"},
        {"{\"minimum_tick_size\":0.02}", "\"0.02\": not a venue tick"},
        {"{\"minimum_tick_size\":true}", "true: not a venue tick"},
        {"{\"minimum_tick_size\":\"\"}", "not a venue tick"},
        {"{\"minimum_tick_size\":1e-2", ""},
    };
    for (size_t i = 0; i < PMC_ARRAY_LEN(BT); i++) {
        memset(&err, 0, sizeof err);
        assert_int_equal(
            pmc_clob_rest_tick(BT[i].body, strlen(BT[i].body), &t, &err),
            PMC_EPARSE);
        assert_true(err.msg[0] != '\0');
        if (!strstr(err.msg, BT[i].want))
            fail_msg("%s: \"%s\"", BT[i].body, err.msg);
    }
    int nr = -1;
    assert_int_equal(pmc_clob_rest_negrisk(S("{\"neg_risk\":true}"), &nr, &err),
                     PMC_OK);
    assert_int_equal(nr, 1);
    assert_int_equal(
        pmc_clob_rest_negrisk(S("{\"neg_risk\":\"false\"}"), &nr, &err),
        PMC_OK);
    assert_int_equal(nr, 0);
    static const struct {
        const char *body, *want;
    } BN[] = {
        {"", "empty answer"},
        {"true", "'[' or '{' expected"},
        {"[true]", "neg-risk answer: expected a JSON object"},
        {"{}", "field \"neg_risk\" is missing"},
        {"{\"neg_risk\":\"abcd\"}", "\"abcd\": expected true or false"},
        {"{\"neg_risk\":1}", "\"1\": expected true or false"},
        {"{\"neg_risk\":null}", "null: expected true or false"},
    };
    for (size_t i = 0; i < PMC_ARRAY_LEN(BN); i++) {
        memset(&err, 0, sizeof err);
        nr = 7;
        assert_int_equal(
            pmc_clob_rest_negrisk(BN[i].body, strlen(BN[i].body), &nr, &err),
            PMC_EPARSE);
        assert_int_equal(nr, 7);
        if (!strstr(err.msg, BN[i].want))
            fail_msg("%s: \"%s\"", BN[i].body, err.msg);
    }
}

static void test_api_key(void **st)
{
    (void)st;
    struct pmc_api_creds c;
    struct pmc_wire_err err;
    memset(&err, 0, sizeof err);
    assert_int_equal(
        pmc_clob_rest_api_key(S("{\"apiKey\":\"00000000-0000-0000-0000-"
                                "000000000000\",\"secret\":\"c2VjcmV0_-w=\","
                                "\"passphrase\":\"p4ss\"}"),
                              &c, &err),
        PMC_OK);
    assert_string_equal(c.key, "00000000-0000-0000-0000-000000000000");
    assert_string_equal(c.secret, "c2VjcmV0_-w=");
    assert_string_equal(c.passphrase, "p4ss");
    assert_int_equal(pmc_clob_rest_api_key(S("{\"key\":\"k\",\"secret\":"
                                             "\"s\",\"passphrase\":\"p\"}"),
                                           &c, &err),
                     PMC_OK);
    assert_string_equal(c.key, "k");
    char long_secret[300];
    int k = snprintf(long_secret, sizeof long_secret,
                     "{\"apiKey\":\"k\",\"passphrase\":\"p\",\"secret\":"
                     "\"%0128d\"}",
                     7);
    const struct {
        const char *body, *want;
    } BAD[] = {
        {"", "expected a JSON object"},
        {"[\"k\",\"s\",\"p\"]", "expected a JSON object"},
        {"{\"apiKey\":\"k\",\"secret\":\"SeCrEt\"", "expected a JSON"},
        {"{\"secret\":\"SeCrEt\",\"passphrase\":\"p\"}",
         "field \"apiKey\" is missing"},
        {"{\"apiKey\":\"k\",\"passphrase\":\"p\"}",
         "field \"secret\" is missing"},
        {"{\"apiKey\":\"k\",\"secret\":\"SeCrEt\"}",
         "field \"passphrase\" is missing"},
        {"{\"apiKey\":\"k\",\"secret\":\"Se CrEt\",\"passphrase\":\"p\"}",
         "field \"secret\": must be a string of 1..127"},
        {"{\"apiKey\":\"k\",\"secret\":\"SeCrEt\",\"passphrase\":\"\"}",
         "field \"passphrase\": must be"},
        {"{\"apiKey\":7,\"secret\":\"SeCrEt\",\"passphrase\":\"p\"}",
         "field \"apiKey\": must be"},
        {"{\"apiKey\":\"k\",\"secret\":\"Se\\\"CrEt\",\"passphrase\":\"p\"}",
         "field \"secret\": must be"},
        {long_secret, "field \"secret\": must be"},
    };
    for (size_t i = 0; i < PMC_ARRAY_LEN(BAD); i++) {
        memset(&err, 0, sizeof err);
        memset(&c, 'x', sizeof c);
        size_t n =
            i == PMC_ARRAY_LEN(BAD) - 1 ? (size_t)k : strlen(BAD[i].body);
        assert_int_equal(pmc_clob_rest_api_key(BAD[i].body, n, &c, &err),
                         PMC_EPARSE);
        if (!strstr(err.msg, BAD[i].want))
            fail_msg("%s: \"%s\"", BAD[i].body, err.msg);
        /* never a value in the message; nothing kept */
        assert_null(strstr(err.msg, "SeCrEt"));
        assert_null(strstr(err.msg, "0000"));
        static const struct pmc_api_creds zero;
        assert_memory_equal(&c, &zero, sizeof c);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_msg),
        cmocka_unit_test(test_post_good),
        cmocka_unit_test(test_post_refused),
        cmocka_unit_test(test_post_malformed),
        cmocka_unit_test(test_post_batch),
        cmocka_unit_test(test_order),
        cmocka_unit_test(test_order_malformed),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_tick_negrisk),
        cmocka_unit_test(test_api_key),
    };
    return cmocka_run_group_tests_name("wire_clob_rest", tests, NULL, NULL);
}
