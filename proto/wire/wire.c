/* proto/wire/wire.c - helpers shared by the wire decoders: error text, slug
 * windows and ISO-8601 times. Pure functions; no state, no I/O. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/tape.h"
#include "proto/wire/wire.h"

enum pmc_err pmc_wire_fail(struct pmc_wire_err *err, enum pmc_err code,
                           size_t row, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    err->row = row;
    return code;
}

int pmc_wire_id_ok(const char *s, size_t n)
{
    if (!s || n == 0 || n > PMC_SYM_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x21 || c >= 0x7f || c == '"' || c == '=' || c == ',')
            return 0;
    }
    return 1;
}

enum pmc_err pmc_wire_sym(struct pmc_sym *out, const char *s, size_t n)
{
    if (!pmc_wire_id_ok(s, n))
        return PMC_EPARSE;
    return pmc_sym_set(out, s, n);
}

static int digits(const char *s, size_t n, int64_t *v)
{
    int64_t x = 0;
    if (n == 0 || n > 12)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        x = x * 10 + (s[i] - '0');
    }
    *v = x;
    return 1;
}

int pmc_wire_slug_window(const char *slug, size_t n, pmc_ms *start, pmc_ms *end)
{
    static const struct {
        const char *tag;
        int64_t secs;
    } kinds[] = {{"-updown-5m-", 300},
                 {"-updown-15m-", 900},
                 {"-updown-1h-", 3600},
                 {"-updown-4h-", 14400}};
    if (!slug)
        return 0;
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        size_t tl = strlen(kinds[k].tag);
        for (size_t i = 1; i + tl < n; i++) {
            if (memcmp(slug + i, kinds[k].tag, tl) != 0)
                continue;
            int64_t s;
            if (!digits(slug + i + tl, n - i - tl, &s))
                return 0;
            if (s <= 0 || (s + kinds[k].secs) * 1000 >= PMC_TIME_MAX)
                return 0;
            *start = s * 1000;
            *end = (s + kinds[k].secs) * 1000;
            return 1;
        }
    }
    return 0;
}

static int num(const char *s, size_t len, int *v)
{
    int x = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        x = x * 10 + (s[i] - '0');
    }
    *v = x;
    return 1;
}

/* days since 1970-01-01 of a civil date (Howard Hinnant's algorithm) */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

enum pmc_err pmc_wire_iso_ms(const char *s, size_t n, pmc_ms *out)
{
    int y, mo, d, h = 0, mi = 0, se = 0, ms = 0;
    if (n < 10 || !num(s, 4, &y) || s[4] != '-' || !num(s + 5, 2, &mo) ||
        s[7] != '-' || !num(s + 8, 2, &d))
        return PMC_EPARSE;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || y < 1970)
        return PMC_EPARSE;
    size_t i = 10;
    int64_t off = 0;
    if (i < n) {
        if ((s[i] != 'T' && s[i] != ' ') || n < i + 9 ||
            !num(s + i + 1, 2, &h) || s[i + 3] != ':' ||
            !num(s + i + 4, 2, &mi) || s[i + 6] != ':' ||
            !num(s + i + 7, 2, &se))
            return PMC_EPARSE;
        if (h > 23 || mi > 59 || se > 60)
            return PMC_EPARSE;
        i += 9;
        if (i < n && s[i] == '.') {
            i++;
            int nd = 0;
            while (i < n && s[i] >= '0' && s[i] <= '9') {
                if (nd < 3)
                    ms = ms * 10 + (s[i] - '0');
                nd++;
                i++;
            }
            if (nd == 0)
                return PMC_EPARSE;
            for (; nd < 3; nd++)
                ms *= 10;
        }
        if (i < n && s[i] == 'Z') {
            i++;
        } else if (i < n && (s[i] == '+' || s[i] == '-')) {
            int sign = s[i] == '-' ? -1 : 1, oh, om = 0;
            i++;
            if (i + 2 > n || !num(s + i, 2, &oh))
                return PMC_EPARSE;
            i += 2;
            if (i < n && s[i] == ':')
                i++;
            if (i + 2 <= n && num(s + i, 2, &om))
                i += 2;
            if (oh > 23 || om > 59)
                return PMC_EPARSE;
            off = sign * ((int64_t)oh * 3600 + om * 60);
        }
        if (i != n)
            return PMC_EPARSE;
    }
    int64_t secs =
        days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - off;
    if (secs < 0 || secs * 1000 + ms >= PMC_TIME_MAX)
        return PMC_ERANGE;
    *out = secs * 1000 + ms;
    return PMC_OK;
}

void pmc_wire_note_unknown(struct pmc_wire_sink *sink, const char *s, size_t n)
{
    sink->unknown++;
    if (!sink->unknown_first[0]) {
        if (n >= sizeof sink->unknown_first)
            n = sizeof sink->unknown_first - 1;
        for (size_t i = 0; i < n; i++)
            sink->unknown_first[i] =
                (unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f
                    ? '?'
                    : s[i];
        sink->unknown_first[n] = '\0';
    }
}
