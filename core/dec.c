/* core/dec.c - exact decimal parsing and formatting in micro units.
 * Pure. Never goes through double: each digit is accumulated as an integer
 * with overflow checks. */
#include "dec.h"

#include <string.h>

__extension__ typedef __int128 i128;

#define I64_MAX INT64_MAX
#define I64_MIN INT64_MIN

static enum pmc_err dec_parse(const char *s, size_t n, pmc_micros *out,
                              int round)
{
    size_t i = 0;
    int neg = 0;
    if (n == 0)
        return PMC_EPARSE;
    if (s[0] == '-' || s[0] == '+') {
        neg = s[0] == '-';
        i++;
    }
    /* 18 digits never overflow 64 bits: those without i128 */
    uint64_t u = 0;
    size_t ndig = 0;
    for (; i < n && ndig < 18 && s[i] >= '0' && s[i] <= '9'; i++, ndig++)
        u = u * 10 + (uint64_t)(s[i] - '0');
    i128 ip = (i128)u;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, ndig++) {
        ip = ip * 10 + (s[i] - '0');
        if (ip > (i128)I64_MAX)
            return PMC_ERANGE;
    }
    i128 frac = 0;
    int fdig = 0, extra_nonzero = 0, round_digit = -1;
    if (i < n && s[i] == '.') {
        i++;
        size_t fstart = i;
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
            int d = s[i] - '0';
            if (fdig < 6) {
                frac = frac * 10 + d;
                fdig++;
            } else if (round_digit < 0) {
                round_digit = d;
            } else if (d != 0) {
                extra_nonzero = 1;
            }
        }
        if (i == fstart && ndig == 0)
            return PMC_EPARSE;
        ndig += i - fstart;
    }
    if (i != n || ndig == 0)
        return PMC_EPARSE;
    for (; fdig < 6; fdig++)
        frac *= 10;
    i128 v = ip * 1000000 + frac;
    if (round_digit > 0 || extra_nonzero) {
        if (!round)
            return PMC_ERANGE;
        /* half to even on the magnitude */
        if (round_digit > 5 || (round_digit == 5 && extra_nonzero) ||
            (round_digit == 5 && !extra_nonzero && (v & 1)))
            v += 1;
    }
    if (v > (i128)I64_MAX)
        return PMC_ERANGE;
    *out = (pmc_micros)(neg ? -v : v);
    return PMC_OK;
}

enum pmc_err pmc_dec_parse(const char *s, size_t n, pmc_micros *out)
{
    return dec_parse(s, n, out, 0);
}

enum pmc_err pmc_dec_parse_round(const char *s, size_t n, pmc_micros *out)
{
    return dec_parse(s, n, out, 1);
}

enum pmc_err pmc_int_parse(const char *s, size_t n, int64_t *out)
{
    size_t i = 0;
    int neg = 0;
    if (n == 0)
        return PMC_EPARSE;
    if (s[0] == '-' || s[0] == '+') {
        neg = s[0] == '-';
        i++;
        if (i == n)
            return PMC_EPARSE;
    }
    /* 18 digits never overflow 64 bits: those without i128 */
    uint64_t u = 0;
    for (size_t end = n - i > 18 ? i + 18 : n; i < end; i++) {
        if (s[i] < '0' || s[i] > '9')
            return PMC_EPARSE;
        u = u * 10 + (uint64_t)(s[i] - '0');
    }
    i128 v = (i128)u;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return PMC_EPARSE;
        v = v * 10 + (s[i] - '0');
        if (v > (i128)I64_MAX + 1)
            return PMC_ERANGE;
    }
    if (neg)
        v = -v;
    if (v > (i128)I64_MAX || v < (i128)I64_MIN)
        return PMC_ERANGE;
    *out = (int64_t)v;
    return PMC_OK;
}

static size_t utoa_rev(uint64_t u, char *tmp)
{
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u);
    return n;
}

size_t pmc_int_format(int64_t v, char *buf)
{
    char tmp[24];
    size_t len = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    if (v < 0)
        buf[len++] = '-';
    size_t n = utoa_rev(u, tmp);
    while (n)
        buf[len++] = tmp[--n];
    buf[len] = '\0';
    return len;
}

size_t pmc_dec_format(pmc_micros v, char *buf)
{
    char tmp[24];
    size_t len = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    if (v < 0)
        buf[len++] = '-';
    uint64_t ip = u / 1000000, fp = u % 1000000;
    size_t n = utoa_rev(ip, tmp);
    while (n)
        buf[len++] = tmp[--n];
    if (fp) {
        char f[6];
        for (int i = 5; i >= 0; i--) {
            f[i] = (char)('0' + (int)(fp % 10));
            fp /= 10;
        }
        int last = 5;
        while (f[last] == '0')
            last--;
        buf[len++] = '.';
        for (int i = 0; i <= last; i++)
            buf[len++] = f[i];
    }
    buf[len] = '\0';
    return len;
}

static int64_t sat(i128 q)
{
    if (q > (i128)I64_MAX)
        return I64_MAX;
    if (q < (i128)I64_MIN)
        return I64_MIN;
    return (int64_t)q;
}

int64_t pmc_muldiv_floor(int64_t a, int64_t b, int64_t c)
{
    int64_t p64;
    if (!__builtin_mul_overflow(a, b, &p64) && c > 0) {
        /* the common case: 64-bit, no 128-bit division */
        int64_t q = p64 / c;
        return (p64 % c != 0 && p64 < 0) ? q - 1 : q;
    }
    PMC_ASSERT(c > 0);
    i128 p = (i128)a * b;
    i128 q = p / c;
    if (p % c != 0 && p < 0)
        q -= 1;
    return sat(q);
}

int64_t pmc_muldiv_ceil(int64_t a, int64_t b, int64_t c)
{
    int64_t p64;
    if (!__builtin_mul_overflow(a, b, &p64) && c > 0) {
        int64_t q = p64 / c;
        return (p64 % c != 0 && p64 > 0) ? q + 1 : q;
    }
    PMC_ASSERT(c > 0);
    i128 p = (i128)a * b;
    i128 q = p / c;
    if (p % c != 0 && p > 0)
        q += 1;
    return sat(q);
}

size_t pmc_dec_frac_digits(const char *s, size_t n)
{
    const char *dot = memchr(s, '.', n);
    size_t d = 0;
    if (dot)
        for (const char *q = dot + 1; q < s + n && *q >= '0' && *q <= '9'; q++)
            d++;
    return d;
}
