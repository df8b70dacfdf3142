/* tests/unit/test_wire_json.c - exact JSON numbers, decimal text with
 * exponents, ISO times and slug windows. */
#include "tests/unit/wire_collect.h"

#include "proto/wire/json_exact.h"

static json_t *load(const char *s)
{
    json_t *j = NULL;
    struct pmc_wire_err err;
    memset(&err, 0, sizeof err);
    assert_int_equal(pmc_json_exact_loads(s, strlen(s), &j, &err), PMC_OK);
    return j;
}

static void text_is(const json_t *v, const char *want)
{
    size_t n;
    const char *s = pmc_json_text(v, &n);
    assert_non_null(s);
    assert_int_equal(n, strlen(want));
    assert_memory_equal(s, want, n);
}

static void test_numbers_kept_as_text(void **st)
{
    (void)st;
    json_t *j = load("{\"a\":0.1,\"b\":[1,-2.5e-3, 1E2,0],\"s\":\"x\\\"1.5\","
                     "\"t\":true,\"n\":null,\"big\":"
                     "123456789012345678901234567890.123456789}");
    text_is(json_object_get(j, "a"), "0.1");
    text_is(json_array_get(json_object_get(j, "b"), 0), "1");
    text_is(json_array_get(json_object_get(j, "b"), 1), "-2.5e-3");
    text_is(json_array_get(json_object_get(j, "b"), 2), "1E2");
    text_is(json_array_get(json_object_get(j, "b"), 3), "0");
    text_is(json_object_get(j, "s"), "x\"1.5");
    text_is(json_object_get(j, "big"),
            "123456789012345678901234567890.123456789");
    assert_true(json_is_true(json_object_get(j, "t")));
    assert_true(json_is_null(json_object_get(j, "n")));
    pmc_micros v;
    assert_int_equal(pmc_json_dec(json_object_get(j, "a"), 0, &v), PMC_OK);
    assert_int_equal(v, 100000);
    assert_int_equal(pmc_json_dec(json_object_get(j, "big"), 1, &v),
                     PMC_ERANGE);
    json_decref(j);
}

static void test_malformed(void **st)
{
    (void)st;
    static const struct {
        const char *s;
        size_t off;
    } bad[] = {{"[01]", 1},    {"[1.]", 1},      {"[-]", 1},
               {"[.5]", 2},    {"[1e]", 1},      {"[1.2.3]", 1},
               {"[12abc]", 1}, {"{\"a\":1", 6},  {"", 0},
               {"[1,2,}", 6},  {"{\"a\" 1}", 6}, {"\"unterminated", 13}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *j = (json_t *)1;
        struct pmc_wire_err err;
        memset(&err, 0, sizeof err);
        assert_int_equal(
            pmc_json_exact_loads(bad[i].s, strlen(bad[i].s), &j, &err),
            PMC_EPARSE);
        assert_null(j);
        assert_non_null(strstr(err.msg, "JSON syntax error"));
        if (bad[i].off != (size_t)-1 && err.offset != bad[i].off)
            fail_msg("'%s': offset %zu, expected %zu (%s)", bad[i].s,
                     err.offset, bad[i].off, err.msg);
    }
}

static void test_dec_text(void **st)
{
    (void)st;
    static const struct {
        const char *s;
        int round;
        enum pmc_err e;
        pmc_micros v;
    } cases[] = {
        {"6.5e-05", 0, PMC_OK, 65},
        {"6.5E-5", 0, PMC_OK, 65},
        {"1E+2", 0, PMC_OK, 100 * PMC_MICRO},
        {"-0.25", 0, PMC_OK, -250000},
        {"0.11545454545454545", 1, PMC_OK, 115455},
        {"0.11545454545454545", 0, PMC_ERANGE, 0},
        {"262.60670000000005", 1, PMC_OK, 262606700},
        {"0.0000005", 1, PMC_OK, 0}, /* half to even: 0 */
        {"0.0000015", 1, PMC_OK, 2}, /* half to even: 2 */
        {"1e-30", 1, PMC_OK, 0},
        {"1e-30", 0, PMC_ERANGE, 0},
        {"0e99999", 0, PMC_OK, 0},
        {"1e30", 1, PMC_ERANGE, 0},
        {"9223372036854.775807", 0, PMC_OK, INT64_MAX},
        {"9223372036854.775808", 0, PMC_ERANGE, 0},
        {"123456789012345678901234567890", 1, PMC_ERANGE, 0},
        {"abc", 1, PMC_EPARSE, 0},
        {"1.5x", 1, PMC_EPARSE, 0},
        {"1e", 1, PMC_EPARSE, 0},
        {".", 1, PMC_EPARSE, 0},
        {"", 1, PMC_EPARSE, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pmc_micros v = -777;
        enum pmc_err e = pmc_json_dec_text(cases[i].s, strlen(cases[i].s),
                                           cases[i].round, &v);
        if (e != cases[i].e || (e == PMC_OK && v != cases[i].v))
            fail_msg("'%s' round=%d: got %s %lld, want %s %lld", cases[i].s,
                     cases[i].round, pmc_strerror(e), (long long)v,
                     pmc_strerror(cases[i].e), (long long)cases[i].v);
    }
    /* a double is never accepted */
    json_t *r = json_real(0.5);
    pmc_micros v;
    assert_int_equal(pmc_json_dec(r, 1, &v), PMC_EPARSE);
    json_decref(r);
    json_t *k = json_integer(7);
    assert_int_equal(pmc_json_dec(k, 1, &v), PMC_OK);
    assert_int_equal(v, 7 * PMC_MICRO);
    json_decref(k);
}

static void test_iso(void **st)
{
    (void)st;
    pmc_ms t;
    assert_int_equal(pmc_wire_iso_ms("2026-07-24 00:00:16+00", 22, &t), PMC_OK);
    assert_int_equal(t, 1784851216000LL);
    assert_int_equal(pmc_wire_iso_ms("2026-07-24T00:00:00Z", 20, &t), PMC_OK);
    assert_int_equal(t, 1784851200000LL);
    assert_int_equal(pmc_wire_iso_ms("2026-07-23T00:02:08.939464Z", 27, &t),
                     PMC_OK);
    assert_int_equal(t, 1784764928939LL);
    assert_int_equal(pmc_wire_iso_ms("2026-07-24T02:00:00+02:00", 25, &t),
                     PMC_OK);
    assert_int_equal(t, 1784851200000LL);
    assert_int_equal(pmc_wire_iso_ms("2026-07-24", 10, &t), PMC_OK);
    assert_int_equal(t, 1784851200000LL);
    assert_int_equal(pmc_wire_iso_ms("2026-13-01", 10, &t), PMC_EPARSE);
    assert_int_equal(pmc_wire_iso_ms("2026-07-24T25:00:00Z", 20, &t),
                     PMC_EPARSE);
    assert_int_equal(pmc_wire_iso_ms("2026-07-24T00:00:00Zjunk", 24, &t),
                     PMC_EPARSE);
    assert_int_equal(pmc_wire_iso_ms("yesterday", 9, &t), PMC_EPARSE);
}

static void test_slug(void **st)
{
    (void)st;
    pmc_ms s, e;
    assert_int_equal(
        pmc_wire_slug_window("btc-updown-15m-1771354800", 25, &s, &e), 1);
    assert_int_equal(s, 1771354800000LL);
    assert_int_equal(e, 1771355700000LL);
    assert_int_equal(
        pmc_wire_slug_window("btc-updown-5m-1771359600", 24, &s, &e), 1);
    assert_int_equal(e, 1771359900000LL);
    assert_int_equal(pmc_wire_slug_window("will-it-rain", 12, &s, &e), 0);
    assert_int_equal(pmc_wire_slug_window("btc-updown-15m-12a", 18, &s, &e), 0);
    assert_int_equal(pmc_wire_slug_window("btc-updown-15m-", 15, &s, &e), 0);
    assert_int_equal(pmc_wire_slug_window(NULL, 0, &s, &e), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers_kept_as_text),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_dec_text),
        cmocka_unit_test(test_iso),
        cmocka_unit_test(test_slug),
    };
    return cmocka_run_group_tests_name("wire_json", tests, NULL, NULL);
}
