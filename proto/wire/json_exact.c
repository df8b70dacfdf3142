/* proto/wire/json_exact.c - number-preserving JSON loading (see the header).
 *
 * The rewrite walks the bytes once, tracking only "inside a string or not"
 * (a backslash inside a string skips the next byte, so \" never ends one).
 * Outside strings a number token is checked against the RFC 8259 grammar
 * and copied between two inserted quotes. Inserted positions are recorded so
 * that a jansson error position can be mapped back to the caller's bytes. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dec.h"
#include "proto/wire/json_exact.h"

/* jansson's allocations, watched: its lexer reports a failed allocation as
 * "invalid token", so a refused malloc is what tells an out-of-memory
 * parse from a syntax error (set per thread, cleared before each parse) */
static _Thread_local int jansson_alloc_failed;
static void *watched_malloc(size_t n)
{
    void *p = malloc(n);
    if (!p)
        jansson_alloc_failed = 1;
    return p;
}
static void watch_jansson(void)
{
    json_set_alloc_funcs(watched_malloc, free);
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Length of the JSON number at s[0..n), 0 when it is not one. */
static size_t number_len(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && s[i] == '-')
        i++;
    if (i == n || !is_digit(s[i]))
        return 0;
    if (s[i] == '0')
        i++;
    else
        while (i < n && is_digit(s[i]))
            i++;
    if (i < n && s[i] == '.') {
        i++;
        if (i == n || !is_digit(s[i]))
            return 0;
        while (i < n && is_digit(s[i]))
            i++;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        if (i == n || !is_digit(s[i]))
            return 0;
        while (i < n && is_digit(s[i]))
            i++;
    }
    /* "01", "1.2.3", "12abc": let the token end only at a delimiter */
    if (i < n && (is_digit(s[i]) || s[i] == '.' || s[i] == 'e' || s[i] == 'E' ||
                  s[i] == '-' || s[i] == '+' || (s[i] >= 'a' && s[i] <= 'z') ||
                  (s[i] >= 'A' && s[i] <= 'Z')))
        return 0;
    return i;
}

/* ins[] holds output offsets of inserted quote pairs (the opening quote). */
static size_t map_back(const size_t *ins, size_t nins, size_t pos)
{
    /* each number before pos added 2 bytes (1 if pos is inside it) */
    size_t lo = 0, hi = nins;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ins[mid] < pos)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t shift = 2 * lo;
    return pos > shift ? pos - shift : 0;
}

enum pmc_err pmc_json_exact_loads(const char *buf, size_t n, json_t **out,
                                  struct pmc_wire_err *err)
{
    *out = NULL;
    err->offset = 0;
    err->msg[0] = '\0';
    if (n > ((size_t)1 << 30))
        return pmc_wire_fail(err, PMC_ERANGE, 0,
                             "document of %zu bytes is larger than 1 GiB", n);
    /* worst case: every number is one digit followed by one comma */
    size_t cap = 2 * n + 16;
    char *o = malloc(cap);
    size_t ins_cap = 64, nins = 0;
    size_t *ins = malloc(ins_cap * sizeof *ins);
    enum pmc_err rc = PMC_OK;
    if (!o || !ins) {
        rc = pmc_wire_fail(err, PMC_ENOMEM, 0, "out of memory");
        goto done;
    }
    o[0] = '\0'; /* an empty document is still a defined buffer */
    size_t j = 0;
    int in_str = 0;
    for (size_t i = 0; i < n;) {
        char c = buf[i];
        if (in_str) {
            o[j++] = c;
            i++;
            if (c == '\\' && i < n)
                o[j++] = buf[i++];
            else if (c == '"')
                in_str = 0;
            continue;
        }
        if (c == '"') {
            in_str = 1;
            o[j++] = c;
            i++;
            continue;
        }
        if (c == '-' || is_digit(c)) {
            size_t len = number_len(buf + i, n - i);
            if (len == 0) {
                err->offset = i;
                rc = pmc_wire_fail(err, PMC_EPARSE, 0,
                                   "JSON syntax error at byte %zu: "
                                   "malformed number",
                                   i);
                goto done;
            }
            if (nins == ins_cap) {
                size_t *ni = realloc(ins, 2 * ins_cap * sizeof *ins);
                if (!ni) {
                    rc = pmc_wire_fail(err, PMC_ENOMEM, 0, "out of memory");
                    goto done;
                }
                ins = ni;
                ins_cap *= 2;
            }
            ins[nins++] = j;
            o[j++] = '"';
            memcpy(o + j, buf + i, len);
            j += len;
            o[j++] = '"';
            i += len;
            continue;
        }
        o[j++] = c;
        i++;
    }
    json_error_t je;
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, watch_jansson);
    jansson_alloc_failed = 0;
    json_t *root = json_loadb(o, j, 0, &je);
    if (!root && (json_error_code(&je) == json_error_out_of_memory ||
                  je.text[0] == '\0' || jansson_alloc_failed)) {
        /* under a memory limit: not a syntax error (jansson leaves the
         * text empty when an allocation of its own set-up fails) */
        rc = pmc_wire_fail(err, PMC_ENOMEM, 0, "out of memory");
        goto done;
    }
    if (!root) {
        size_t pos = je.position > 0 ? (size_t)je.position : 0;
        err->offset = map_back(ins, nins, pos);
        if (err->offset > n)
            err->offset = n;
        /* line and column (1-based, in bytes) of the caller's text */
        size_t line = 1, col = 1;
        for (size_t k = 0; k < err->offset; k++) {
            if (buf[k] == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        rc = pmc_wire_fail(err, PMC_EPARSE, 0,
                           "JSON syntax error at line %zu, column %zu: %s",
                           line, col, je.text);
        goto done;
    }
    *out = root;
done:
    free(o);
    free(ins);
    return rc;
}

enum pmc_err pmc_json_dec_text(const char *s, size_t n, int round,
                               pmc_micros *out)
{
    size_t i = 0;
    int neg = 0;
    if (n == 0 || n > 400)
        return n ? PMC_ERANGE : PMC_EPARSE;
    if (s[0] == '-' || s[0] == '+') {
        neg = s[0] == '-';
        i++;
    }
    /* digits of the mantissa without the point, and where the point is */
    char dig[420];
    size_t nd = 0, ni = 0;
    for (; i < n && is_digit(s[i]); i++)
        dig[nd++] = s[i];
    ni = nd;
    if (i < n && s[i] == '.') {
        i++;
        size_t f0 = i;
        for (; i < n && is_digit(s[i]); i++)
            dig[nd++] = s[i];
        if (i == f0 && ni == 0)
            return PMC_EPARSE;
    }
    if (nd == 0)
        return PMC_EPARSE;
    long exp = 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        int eneg = 0;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            eneg = s[i++] == '-';
        size_t e0 = i;
        for (; i < n && is_digit(s[i]); i++)
            if (exp < 100000)
                exp = exp * 10 + (s[i] - '0');
        if (i == e0)
            return PMC_EPARSE;
        if (eneg)
            exp = -exp;
    }
    if (i != n)
        return PMC_EPARSE;
    /* strip leading zeros so the point position is meaningful */
    size_t lead = 0;
    while (lead < nd && dig[lead] == '0')
        lead++;
    if (lead == nd) {
        *out = 0;
        return PMC_OK;
    }
    long point = (long)ni - (long)lead + exp; /* digits before the point */
    const char *d = dig + lead;
    size_t dn = nd - lead;
    if (point > 19)
        return PMC_ERANGE;
    char t[480];
    size_t k = 0;
    if (neg)
        t[k++] = '-';
    if (point <= 0) {
        if (point < -8) {
            /* below 1e-8: rounds to zero, or has too many decimals */
            if (!round)
                return PMC_ERANGE;
            *out = 0;
            return PMC_OK;
        }
        t[k++] = '0';
        t[k++] = '.';
        for (long z = 0; z < -point; z++)
            t[k++] = '0';
        memcpy(t + k, d, dn);
        k += dn;
    } else if ((size_t)point >= dn) {
        memcpy(t + k, d, dn);
        k += dn;
        for (size_t z = dn; z < (size_t)point; z++)
            t[k++] = '0';
    } else {
        memcpy(t + k, d, (size_t)point);
        k += (size_t)point;
        t[k++] = '.';
        memcpy(t + k, d + point, dn - (size_t)point);
        k += dn - (size_t)point;
    }
    return round ? pmc_dec_parse_round(t, k, out) : pmc_dec_parse(t, k, out);
}

const char *pmc_json_text(const json_t *v, size_t *n)
{
    if (!v || !json_is_string(v)) {
        *n = 0;
        return NULL;
    }
    *n = json_string_length(v);
    return json_string_value(v);
}

enum pmc_err pmc_json_dec(const json_t *v, int round, pmc_micros *out)
{
    if (v && json_is_integer(v)) {
        json_int_t x = json_integer_value(v);
        if (x > INT64_MAX / PMC_MICRO || x < INT64_MIN / PMC_MICRO)
            return PMC_ERANGE;
        *out = (pmc_micros)x * PMC_MICRO;
        return PMC_OK;
    }
    size_t n;
    const char *s = pmc_json_text(v, &n);
    if (!s || n == 0)
        return PMC_EPARSE;
    return pmc_json_dec_text(s, n, round, out);
}

enum pmc_err pmc_json_int(const json_t *v, int64_t *out)
{
    if (v && json_is_integer(v)) {
        *out = (int64_t)json_integer_value(v);
        return PMC_OK;
    }
    size_t n;
    const char *s = pmc_json_text(v, &n);
    if (!s || n == 0)
        return PMC_EPARSE;
    return pmc_int_parse(s, n, out);
}
