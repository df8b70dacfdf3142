/* tests/unit/test_dec.c - exact decimal parsing and formatting in micro
 * units (core/dec.h): accepted and refused syntax, the six-place rule,
 * half-to-even rounding, int64 limits, shortest exact formatting and
 * round trips, 128-bit muldiv with floor/ceil and saturation. */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/dec.h"

__extension__ typedef __int128 i128;

/* ---- helpers -------------------------------------------------------- */

static enum pmc_err dec(const char *s, pmc_micros *out)
{
    return pmc_dec_parse(s, strlen(s), out);
}

static void dec_ok(const char *s, pmc_micros want)
{
    pmc_micros v = -42;
    enum pmc_err e = dec(s, &v);
    if (e != PMC_OK)
        fail_msg("pmc_dec_parse(\"%s\") = %s, want ok", s, pmc_strerror(e));
    assert_int_equal(v, want);
}

static void dec_err(const char *s, enum pmc_err want)
{
    pmc_micros v = -42;
    enum pmc_err e = dec(s, &v);
    if (e != want)
        fail_msg("pmc_dec_parse(\"%s\") = %s, want %s", s, pmc_strerror(e),
                 pmc_strerror(want));
    assert_int_equal(v, -42); /* untouched on failure */
}

static void round_ok(const char *s, pmc_micros want)
{
    pmc_micros v = -42;
    enum pmc_err e = pmc_dec_parse_round(s, strlen(s), &v);
    if (e != PMC_OK)
        fail_msg("pmc_dec_parse_round(\"%s\") = %s", s, pmc_strerror(e));
    assert_int_equal(v, want);
}

static void round_err(const char *s, enum pmc_err want)
{
    pmc_micros v = -42;
    assert_int_equal(pmc_dec_parse_round(s, strlen(s), &v), want);
    assert_int_equal(v, -42);
}

static void int_ok(const char *s, int64_t want)
{
    int64_t v = -42;
    enum pmc_err e = pmc_int_parse(s, strlen(s), &v);
    if (e != PMC_OK)
        fail_msg("pmc_int_parse(\"%s\") = %s", s, pmc_strerror(e));
    assert_int_equal(v, want);
}

static void int_err(const char *s, enum pmc_err want)
{
    int64_t v = -42;
    enum pmc_err e = pmc_int_parse(s, strlen(s), &v);
    if (e != want)
        fail_msg("pmc_int_parse(\"%s\") = %s, want %s", s, pmc_strerror(e),
                 pmc_strerror(want));
    assert_int_equal(v, -42);
}

static void fmt_is(pmc_micros v, const char *want)
{
    char buf[32];
    memset(buf, 'x', sizeof buf);
    size_t n = pmc_dec_format(v, buf);
    assert_string_equal(buf, want);
    assert_int_equal(n, strlen(want));
}

static void ifmt_is(int64_t v, const char *want)
{
    char buf[32];
    memset(buf, 'x', sizeof buf);
    size_t n = pmc_int_format(v, buf);
    assert_string_equal(buf, want);
    assert_int_equal(n, strlen(want));
}

/* splitmix64: a fixed-seed generator for the property tests */
static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* ---- parsing -------------------------------------------------------- */

static void test_parse_basic(void **state)
{
    (void)state;
    dec_ok("0", 0);
    dec_ok("0.545", 545000);
    dec_ok("198.5318", 198531800);
    dec_ok("12.5", 12500000);
    dec_ok("-12", -12000000);
    dec_ok("+3", 3000000);
    dec_ok("-0", 0);
    dec_ok("0.000001", 1);
    dec_ok("-0.000001", -1);
    dec_ok("1.000000", 1000000);
    dec_ok("007.50", 7500000);
    dec_ok(".5", 500000);  /* leading digit optional */
    dec_ok("5.", 5000000); /* trailing point allowed after digits */
    dec_ok("-.25", -250000);
    dec_ok("1000000000", (pmc_micros)1000000000 * PMC_MICRO);
}

static void test_parse_length_bounded(void **state)
{
    (void)state;
    pmc_micros v = 0;
    /* only n bytes are read: "0.54" out of "0.545" */
    assert_int_equal(pmc_dec_parse("0.545", 4, &v), PMC_OK);
    assert_int_equal(v, 540000);
    assert_int_equal(pmc_dec_parse("12x", 2, &v), PMC_OK);
    assert_int_equal(v, 12000000);
    int64_t i = 0;
    assert_int_equal(pmc_int_parse("123456", 3, &i), PMC_OK);
    assert_int_equal(i, 123);
}

static void test_parse_malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",    "-",    "+",   ".",    "-.",   "+.",   "1.2.3",
        "1e5", "1e-3", "1E5", " 1",   "1 ",   "0x10", "abc",
        "1,5", "--1",  "+-1", "1-",   "1..2", "inf",  "nan",
        "..",  "1.2e", "٣",   "0.5%", "\t1",  "1\n",  "$1",
    };
    for (size_t i = 0; i < PMC_ARRAY_LEN(bad); i++)
        dec_err(bad[i], PMC_EPARSE);
    /* embedded NUL inside the counted bytes */
    pmc_micros v = 7;
    assert_int_equal(pmc_dec_parse("1\0"
                                   "5",
                                   3, &v),
                     PMC_EPARSE);
    assert_int_equal(v, 7);
}

static void test_parse_six_places(void **state)
{
    (void)state;
    dec_ok("0.123456", 123456);
    dec_ok("0.1234560", 123456); /* trailing zeros are exact */
    dec_ok("0.12345600000000", 123456);
    dec_ok("-1.0000000000", -1000000);
    dec_err("0.1234567", PMC_ERANGE); /* a 7th significant place */
    dec_err("0.0000001", PMC_ERANGE);
    dec_err("0.00000050", PMC_ERANGE);
    dec_err("0.0000000001", PMC_ERANGE);
    dec_err("-2.5000001", PMC_ERANGE);
    dec_err("1.1234561", PMC_ERANGE);
}

static void test_parse_limits(void **state)
{
    (void)state;
    /* INT64_MAX micros */
    dec_ok("9223372036854.775807", INT64_MAX);
    dec_ok("-9223372036854.775807", -INT64_MAX);
    dec_err("9223372036854.775808", PMC_ERANGE);
    dec_err("9223372036855", PMC_ERANGE);
    dec_err("99999999999999999999", PMC_ERANGE);
    dec_err("-99999999999999999999999999999999999999999", PMC_ERANGE);
    dec_err("184467440737095516160000", PMC_ERANGE);
    dec_ok("9223372036854", (pmc_micros)9223372036854 * PMC_MICRO);
    /* a very long run of leading zeros is still a small number */
    char buf[300];
    memset(buf, '0', 250);
    memcpy(buf + 250, "1.5", 4);
    dec_ok(buf, 1500000);
}

static void test_parse_round(void **state)
{
    (void)state;
    round_ok("0.545", 545000);
    round_ok("0.1234565", 123456); /* tie, even stays */
    round_ok("0.1234575", 123458); /* tie, odd goes up */
    round_ok("0.1234566", 123457);
    round_ok("0.1234564999", 123456);
    round_ok("0.12345650001", 123457); /* above the tie */
    round_ok("0.0000005", 0);
    round_ok("0.0000015", 2);
    round_ok("0.0000025", 2);
    round_ok("0.00000051", 1);
    round_ok("0.00000049", 0);
    round_ok("0.00000001", 0);
    round_ok("-0.0000015", -2); /* half-to-even on the magnitude */
    round_ok("-0.0000025", -2);
    round_ok("-0.1234566", -123457);
    round_ok("1.9999995", 2000000);
    round_ok("0.9999999", 1000000);
    round_ok("2.50000050", 2500000);
    round_ok("12", 12000000);
    round_err("9223372036854.7758075", PMC_ERANGE);   /* rounds past max */
    round_ok("9223372036854.7758065", INT64_MAX - 1); /* tie, even */
    round_err("1e5", PMC_EPARSE);
    round_err("", PMC_EPARSE);
    round_err(".", PMC_EPARSE);
    round_err("1.2.3", PMC_EPARSE);
}

static void test_int_parse(void **state)
{
    (void)state;
    int_ok("0", 0);
    int_ok("-0", 0);
    int_ok("+17", 17);
    int_ok("1700000000000", 1700000000000);
    int_ok("000123", 123);
    int_ok("9223372036854775807", INT64_MAX);
    int_ok("-9223372036854775808", INT64_MIN);
    int_err("9223372036854775808", PMC_ERANGE);
    int_err("-9223372036854775809", PMC_ERANGE);
    int_err("99999999999999999999999999", PMC_ERANGE);
    /* across the 18th digit, where parsing leaves 64-bit arithmetic */
    int_ok("999999999999999999", 999999999999999999);
    int_ok("-1000000000000000000", -1000000000000000000);
    int_ok("0000000000000000000000042", 42);
    int_err("99999999999999999x", PMC_EPARSE);
    int_err("9999999999999999999x", PMC_ERANGE); /* too large before 'x' */
    dec_ok("0000000000000000000000001.5", 1500000);
    dec_err("1234567890123456789.5", PMC_ERANGE);
    dec_err("12345678901234567x", PMC_EPARSE);
    static const char *const bad[] = {"",   "-",   "+",   "1.0", " 1",
                                      "1 ", "1e3", "0x1", "--1", "12a",
                                      ".",  "1.",  "a"};
    for (size_t i = 0; i < PMC_ARRAY_LEN(bad); i++)
        int_err(bad[i], PMC_EPARSE);
}

/* ---- formatting ----------------------------------------------------- */

static void test_format(void **state)
{
    (void)state;
    fmt_is(0, "0");
    fmt_is(545000, "0.545");
    fmt_is(12500000, "12.5");
    fmt_is(-3000000, "-3");
    fmt_is(198531800, "198.5318");
    fmt_is(1, "0.000001");
    fmt_is(-1, "-0.000001");
    fmt_is(10, "0.00001");
    fmt_is(100000, "0.1");
    fmt_is(1000000, "1");
    fmt_is(1000001, "1.000001");
    fmt_is(-999999, "-0.999999");
    fmt_is(INT64_MAX, "9223372036854.775807");
    fmt_is(INT64_MIN, "-9223372036854.775808");
    ifmt_is(0, "0");
    ifmt_is(-1, "-1");
    ifmt_is(1700000000123, "1700000000123");
    ifmt_is(INT64_MAX, "9223372036854775807");
    ifmt_is(INT64_MIN, "-9223372036854775808");
}

static void test_round_trip(void **state)
{
    (void)state;
    static const pmc_micros edge[] = {
        0,
        1,
        -1,
        9,
        10,
        999999,
        1000000,
        1000001,
        -1000001,
        545000,
        100,
        123456789,
        INT64_MAX,
        -INT64_MAX,
        INT64_MAX - 1,
        4000000000LL,
    };
    char buf[32];
    for (size_t i = 0; i < PMC_ARRAY_LEN(edge); i++) {
        pmc_micros v = 0;
        size_t n = pmc_dec_format(edge[i], buf);
        assert_int_equal(pmc_dec_parse(buf, n, &v), PMC_OK);
        assert_int_equal(v, edge[i]);
    }
    uint64_t seed = 12345;
    for (int i = 0; i < 200000; i++) {
        uint64_t r = rng_next(&seed);
        /* spread over magnitudes: shift by 0..63 */
        pmc_micros x = (pmc_micros)(r >> (rng_next(&seed) % 64));
        if (x == INT64_MIN)
            x = INT64_MAX;
        if (i & 1)
            x = -x;
        pmc_micros v = 0;
        size_t n = pmc_dec_format(x, buf);
        if (pmc_dec_parse(buf, n, &v) != PMC_OK || v != x)
            fail_msg("round trip of %s failed", buf);
        /* shortest form: no trailing zero after a point, no bare point */
        if (memchr(buf, '.', n))
            assert_true(buf[n - 1] != '0' && buf[n - 1] != '.');
        /* integers too */
        int64_t iv = 0;
        n = pmc_int_format(x, buf);
        assert_int_equal(pmc_int_parse(buf, n, &iv), PMC_OK);
        assert_int_equal(iv, x);
        /* rounding parse of an exact value is the same value */
        n = pmc_dec_format(x, buf);
        assert_int_equal(pmc_dec_parse_round(buf, n, &v), PMC_OK);
        assert_int_equal(v, x);
    }
}

/* ---- arithmetic ----------------------------------------------------- */

static void test_muldiv(void **state)
{
    (void)state;
    assert_int_equal(pmc_muldiv_floor(7, 1, 2), 3);
    assert_int_equal(pmc_muldiv_ceil(7, 1, 2), 4);
    assert_int_equal(pmc_muldiv_floor(-7, 1, 2), -4);
    assert_int_equal(pmc_muldiv_ceil(-7, 1, 2), -3);
    assert_int_equal(pmc_muldiv_floor(7, -1, 2), -4);
    assert_int_equal(pmc_muldiv_ceil(7, -1, 2), -3);
    assert_int_equal(pmc_muldiv_floor(-7, -1, 2), 3);
    assert_int_equal(pmc_muldiv_ceil(-7, -1, 2), 4);
    assert_int_equal(pmc_muldiv_floor(-6, 1, 2), -3); /* exact */
    assert_int_equal(pmc_muldiv_ceil(-6, 1, 2), -3);
    assert_int_equal(pmc_muldiv_floor(0, 5, 3), 0);
    assert_int_equal(pmc_muldiv_ceil(0, -5, 3), 0);
    assert_int_equal(pmc_muldiv_floor(1, 1, 3), 0);
    assert_int_equal(pmc_muldiv_ceil(1, 1, 3), 1);
    assert_int_equal(pmc_muldiv_floor(-1, 1, 3), -1);
    assert_int_equal(pmc_muldiv_ceil(-1, 1, 3), 0);
    /* the intermediate needs 128 bits */
    assert_int_equal(pmc_muldiv_floor(INT64_MAX, 4, 4), INT64_MAX);
    assert_int_equal(pmc_muldiv_ceil(INT64_MAX, 1000000, 1000000), INT64_MAX);
    assert_int_equal(pmc_muldiv_floor(INT64_MIN, 3, 3), INT64_MIN);
    assert_int_equal(
        pmc_muldiv_floor(3000000000000LL, 3000000000000LL, 1000000000000LL),
        9000000000000LL);
    /* saturation */
    assert_int_equal(pmc_muldiv_floor(INT64_MAX, INT64_MAX, 1), INT64_MAX);
    assert_int_equal(pmc_muldiv_ceil(INT64_MAX, 2, 1), INT64_MAX);
    assert_int_equal(pmc_muldiv_floor(INT64_MIN, 2, 1), INT64_MIN);
    assert_int_equal(pmc_muldiv_ceil(INT64_MAX, -2, 1), INT64_MIN);
    assert_int_equal(pmc_muldiv_floor(INT64_MIN, -1, 1), INT64_MAX);
    assert_int_equal(pmc_muldiv_floor(INT64_MIN, INT64_MIN, 1), INT64_MAX);
    assert_int_equal(pmc_muldiv_floor(INT64_MAX, 2, 2), INT64_MAX);
    /* floor/ceil differ by exactly one unless exact */
    uint64_t seed = 99;
    for (int i = 0; i < 100000; i++) {
        int64_t a = (int64_t)(rng_next(&seed) >> 24) - (1LL << 39);
        int64_t b = (int64_t)(rng_next(&seed) >> 40) - (1LL << 23);
        int64_t c = (int64_t)(rng_next(&seed) >> 40) + 1;
        int64_t f = pmc_muldiv_floor(a, b, c), g = pmc_muldiv_ceil(a, b, c);
        i128 p = (i128)a * b;
        int exact = p % c == 0;
        assert_int_equal(g - f, exact ? 0 : 1);
        assert_true((i128)f * c <= p && (i128)(f + 1) * c > p);
    }
}

/* A divisor <= 0 is a broken invariant: pmc_panic (abort), never a quiet
 * result. Run in a child so the abort is observed. */
static int dies(int64_t a, int64_t b, int64_t c, int ceil)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);
        if (fd >= 0)
            dup2(fd, 2);
        volatile int64_t r =
            ceil ? pmc_muldiv_ceil(a, b, c) : pmc_muldiv_floor(a, b, c);
        (void)r;
        _exit(0);
    }
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    return WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT;
}

static void test_muldiv_divisor_positive(void **state)
{
    (void)state;
    for (int ceil = 0; ceil < 2; ceil++) {
        assert_true(dies(7, 1, -2, ceil));
        assert_true(dies(7, 1, 0, ceil));
        assert_true(dies(INT64_MAX, 2, -1, ceil));
        assert_false(dies(7, 1, 2, ceil));
    }
}

static void test_mul_div_micros(void **state)
{
    (void)state;
    /* 12.5 shares x 0.545 = 6.8125 USD */
    assert_int_equal(pmc_mul(12500000, 545000), 6812500);
    /* 0.000001 x 0.5 floors to 0 */
    assert_int_equal(pmc_mul(1, 500000), 0);
    assert_int_equal(pmc_mul(-1, 500000), -1);
    /* 10 USD / 0.545 = 18.348623... shares, floor */
    assert_int_equal(pmc_div(10000000, 545000), 18348623);
    assert_int_equal(pmc_div(1000000, 3000000), 333333);
    assert_int_equal(pmc_div(-1000000, 3000000), -333334);
}

/* pmc_mul's inline path is the floor of a*b/1e6 as pmc_muldiv_floor gives
 * it, at the edges of each rounding (exact multiples, one either side,
 * both signs, the products nearest INT64_MIN/MAX) and on random pairs. */
static void test_mul_matches_muldiv(void **state)
{
    (void)state;
    static const int64_t edge[] = {0,
                                   1,
                                   -1,
                                   999999,
                                   1000000,
                                   1000001,
                                   -999999,
                                   -1000000,
                                   -1000001,
                                   545000,
                                   -545000,
                                   3037000499,
                                   -3037000499,
                                   3037000500,
                                   -3037000500,
                                   INT64_MAX,
                                   INT64_MIN,
                                   INT64_MAX / 1000000,
                                   INT64_MIN / 1000000,
                                   (int64_t)1 << 62,
                                   -((int64_t)1 << 62)};
    size_t n = sizeof edge / sizeof edge[0];
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            assert_int_equal(pmc_mul(edge[i], edge[j]),
                             pmc_muldiv_floor(edge[i], edge[j], PMC_MICRO));
    /* INT64_MIN itself as the product: -9223372036854.775808 floors down */
    assert_int_equal(pmc_mul(INT64_MIN, 1), -9223372036855);
    assert_int_equal(pmc_mul(-((int64_t)1 << 31), (int64_t)1 << 32),
                     -9223372036855);
    uint64_t z = 0x9e3779b97f4a7c15ULL;
    for (int k = 0; k < 200000; k++) {
        z ^= z << 13, z ^= z >> 7, z ^= z << 17;
        int64_t a = (int64_t)(z >> (z & 31)), b;
        z ^= z << 13, z ^= z >> 7, z ^= z << 17;
        b = (int64_t)(z >> (32 + (z & 31)));
        if (k & 1)
            a = -a;
        if (k & 2)
            b = -b;
        assert_int_equal(pmc_mul(a, b), pmc_muldiv_floor(a, b, PMC_MICRO));
    }
}

static void test_rounding_steps(void **state)
{
    (void)state;
    assert_int_equal(pmc_round_down(15, 10), 10);
    assert_int_equal(pmc_round_up(15, 10), 20);
    assert_int_equal(pmc_round_down(20, 10), 20);
    assert_int_equal(pmc_round_up(20, 10), 20);
    assert_int_equal(pmc_round_down(-15, 10), -20);
    assert_int_equal(pmc_round_up(-15, 10), -10);
    assert_int_equal(pmc_round_down(-20, 10), -20);
    assert_int_equal(pmc_round_up(-20, 10), -20);
    assert_int_equal(pmc_round_down(0, 10), 0);
    assert_int_equal(pmc_round_up(0, 10), 0);
    /* 0.01-share grid and 0.01 tick */
    assert_int_equal(pmc_round_down(18348623, 10000), 18340000);
    assert_int_equal(pmc_round_up(18348623, 10000), 18350000);
    assert_int_equal(pmc_round_down(565000, 10000), 560000);
    assert_int_equal(pmc_round_up(525000, 10000), 530000);
    assert_int_equal(pmc_round_down(999, 1000), 0);
    assert_int_equal(pmc_round_up(1, 1000), 1000);
    assert_int_equal(pmc_floor_div(-1, PMC_MS_PER_DAY), -1);
    assert_int_equal(pmc_floor_div(PMC_MS_PER_DAY, PMC_MS_PER_DAY), 1);
    assert_int_equal(pmc_floor_div(PMC_MS_PER_DAY - 1, PMC_MS_PER_DAY), 0);
    assert_int_equal(pmc_floor_div(7, -2), -4);
    assert_int_equal(pmc_floor_div(-7, -2), 3);
}

static void test_frac_digits(void **state)
{
    (void)state;
    assert_int_equal(pmc_dec_frac_digits("12", 2), 0);
    assert_int_equal(pmc_dec_frac_digits("0.5", 3), 1);
    assert_int_equal(pmc_dec_frac_digits("1.1234567", 9), 7);
    assert_int_equal(pmc_dec_frac_digits("1.25x9", 6), 2);
    assert_int_equal(pmc_dec_frac_digits("1.2345", 4), 2); /* bounded by n */
    assert_int_equal(pmc_dec_frac_digits("", 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_basic),
        cmocka_unit_test(test_frac_digits),
        cmocka_unit_test(test_parse_length_bounded),
        cmocka_unit_test(test_parse_malformed),
        cmocka_unit_test(test_parse_six_places),
        cmocka_unit_test(test_parse_limits),
        cmocka_unit_test(test_parse_round),
        cmocka_unit_test(test_int_parse),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_muldiv),
        cmocka_unit_test(test_muldiv_divisor_positive),
        cmocka_unit_test(test_mul_div_micros),
        cmocka_unit_test(test_mul_matches_muldiv),
        cmocka_unit_test(test_rounding_steps),
    };
    return cmocka_run_group_tests_name("dec", tests, NULL, NULL);
}
