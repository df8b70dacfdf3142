/* proto/wire/field.c - validated field getters (see field.h). */
#include <stdio.h>
#include <string.h>

#include "core/dec.h"
#include "core/tape.h"
#include "proto/wire/field.h"
#include "proto/wire/json_exact.h"

json_t *pmc_wf_get(const json_t *obj, const char *a, const char *b,
                   const char **name)
{
    json_t *v = NULL;
    *name = a;
    if (obj && json_is_object(obj)) {
        v = json_object_get(obj, a);
        if ((!v || json_is_null(v)) && b) {
            v = json_object_get(obj, b);
            if (v && !json_is_null(v))
                *name = b;
        }
    }
    return v && !json_is_null(v) ? v : NULL;
}

const char *pmc_wf_show(const json_t *v, char *buf, size_t cap)
{
    size_t n;
    const char *s = pmc_json_text(v, &n);
    if (s) {
        size_t k = 0;
        buf[k++] = '"';
        for (size_t i = 0; i < n && k + 5 < cap; i++)
            buf[k++] = (unsigned char)s[i] < 0x20 ? '?' : s[i];
        if (n > cap - 6 && k + 4 < cap) {
            memcpy(buf + k, "...", 3);
            k += 3;
        }
        buf[k++] = '"';
        buf[k] = '\0';
        return buf;
    }
    const char *t = !v                  ? "(absent)"
                    : json_is_object(v) ? "an object"
                    : json_is_array(v)  ? "an array"
                    : json_is_true(v)   ? "true"
                    : json_is_false(v)  ? "false"
                    : json_is_null(v)   ? "null"
                                        : "a number";
    snprintf(buf, cap, "%s", t);
    return buf;
}

static enum pmc_err bad(struct pmc_wire_err *err, enum pmc_err code, size_t row,
                        const char *name, const json_t *v, const char *rule)
{
    char show[64];
    if (!v)
        return pmc_wire_fail(err, code, row, "field \"%s\" is missing", name);
    return pmc_wire_fail(err, code, row, "field \"%s\": %s: %s", name,
                         pmc_wf_show(v, show, sizeof show), rule);
}

enum pmc_err pmc_wf_sym(const json_t *obj, const char *a, const char *b,
                        int required, struct pmc_sym *out, size_t row,
                        struct pmc_wire_err *err)
{
    const char *name;
    json_t *v = pmc_wf_get(obj, a, b, &name);
    pmc_sym_clear(out);
    if (!v) {
        if (required)
            return bad(err, PMC_EPARSE, row, name, NULL, NULL);
        return PMC_OK;
    }
    size_t n;
    const char *s = pmc_json_text(v, &n);
    if (!s)
        return bad(err, PMC_EPARSE, row, name, v, "expected a string");
    if (n == 0) {
        if (required)
            return bad(err, PMC_EPARSE, row, name, v, "must not be empty");
        return PMC_OK;
    }
    if (n > PMC_SYM_MAX)
        return bad(err, PMC_ERANGE, row, name, v, "identifier too long");
    if (pmc_wire_sym(out, s, n) != PMC_OK)
        return bad(err, PMC_EPARSE, row, name, v,
                   "identifiers are printable ASCII without spaces, quotes, "
                   "'=' or ','");
    return PMC_OK;
}

enum pmc_err pmc_wf_text(const json_t *obj, const char *a, const char *b,
                         char *dst, size_t cap, size_t row,
                         struct pmc_wire_err *err)
{
    const char *name;
    json_t *v = pmc_wf_get(obj, a, b, &name);
    dst[0] = '\0';
    if (!v)
        return PMC_OK;
    size_t n;
    const char *s = pmc_json_text(v, &n);
    if (!s)
        return bad(err, PMC_EPARSE, row, name, v, "expected a string");
    if (n >= cap)
        return bad(err, PMC_ERANGE, row, name, v, "text too long");
    for (size_t i = 0; i < n; i++)
        dst[i] = (unsigned char)s[i] < 0x20 ? ' ' : s[i];
    dst[n] = '\0';
    return PMC_OK;
}

enum pmc_err pmc_wf_label(const json_t *obj, const char *a, const char *b,
                          char *dst, size_t cap, size_t row,
                          struct pmc_wire_err *err)
{
    const char *name;
    json_t *v = pmc_wf_get(obj, a, b, &name);
    dst[0] = '\0';
    if (!v)
        return PMC_OK;
    size_t n;
    const char *s = pmc_json_text(v, &n);
    if (!s)
        return bad(err, PMC_EPARSE, row, name, v, "expected a string");
    if (n >= cap) {
        n = cap - 1;
        /* do not split a multi-byte character */
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    for (size_t i = 0; i < n; i++)
        dst[i] = (unsigned char)s[i] < 0x20 ? ' ' : s[i];
    dst[n] = '\0';
    return PMC_OK;
}

enum pmc_err pmc_wf_addr(const json_t *obj, const char *a, const char *b,
                         int required, struct pmc_sym *out, size_t row,
                         struct pmc_wire_err *err)
{
    const char *name;
    json_t *v = pmc_wf_get(obj, a, b, &name);
    out->n = 0;
    out->s[0] = '\0';
    if (!v) {
        if (required)
            return bad(err, PMC_EPARSE, row, name, NULL, NULL);
        return PMC_OK;
    }
    size_t n;
    const char *s = pmc_json_text(v, &n);
    if (!s || pmc_addr_norm(s, n, out) != PMC_OK)
        return bad(err, PMC_EPARSE, row, name, v,
                   "expected an address of 40 hex digits");
    return PMC_OK;
}

static enum pmc_err get_dec(const json_t *v, const char *name, size_t row,
                            pmc_micros *out, struct pmc_wire_err *err)
{
    enum pmc_err e = pmc_json_dec(v, 1, out);
    if (e == PMC_EPARSE)
        return bad(err, e, row, name, v, "expected a decimal number");
    if (e != PMC_OK)
        return bad(err, e, row, name, v, "number out of range");
    return PMC_OK;
}

enum pmc_err pmc_wf_price(const json_t *obj, const char *a, const char *b,
                          int required, int allow_zero, pmc_micros *out,
                          size_t row, struct pmc_wire_err *err)
{
    const char *name;
    json_t *v = pmc_wf_get(obj, a, b, &name);
    size_t n;
    const char *s = pmc_json_text(v, &n);
    if (!v || (s && n == 0 && allow_zero)) {
        if (required && !v)
            return bad(err, PMC_EPARSE, row, name, NULL, NULL);
        *out = 0;
        return PMC_OK;
    }
    PMC_TRY(get_dec(v, name, row, out, err));
    if (*out == 0 && allow_zero)
        return PMC_OK;
    if (*out <= 0 || *out >= PMC_MICRO)
        return bad(err, PMC_ERANGE, row, name, v,
                   "price must be in (0,1) (after rounding to 6 decimals)");
    return PMC_OK;
}

enum pmc_err pmc_wf_dec(const json_t *obj, const char *a, const char *b,
                        int required, pmc_micros lo, pmc_micros hi,
                        pmc_micros *out, size_t row, struct pmc_wire_err *err)
{
    const char *name;
    json_t *v = pmc_wf_get(obj, a, b, &name);
    if (!v) {
        if (required)
            return bad(err, PMC_EPARSE, row, name, NULL, NULL);
        return PMC_OK;
    }
    pmc_micros x;
    PMC_TRY(get_dec(v, name, row, &x, err));
    if (x < lo || x > hi) {
        char rule[96], l[24], h[24];
        pmc_dec_format(lo, l);
        pmc_dec_format(hi, h);
        snprintf(rule, sizeof rule, "must be in [%s, %s]", l, h);
        return bad(err, PMC_ERANGE, row, name, v, rule);
    }
    *out = x;
    return PMC_OK;
}

enum pmc_err pmc_wf_time(const json_t *obj, const char *a, const char *b,
                         int required, pmc_ms *out, size_t row,
                         struct pmc_wire_err *err)
{
    const char *name;
    json_t *v = pmc_wf_get(obj, a, b, &name);
    if (!v) {
        if (required)
            return bad(err, PMC_EPARSE, row, name, NULL, NULL);
        return PMC_OK;
    }
    int64_t x;
    enum pmc_err e = pmc_json_int(v, &x);
    if (e != PMC_OK)
        return bad(err, e, row, name, v,
                   "expected an integer time (seconds or milliseconds)");
    if (x > 0 && x < 100000000000LL)
        x *= 1000;
    if (x <= 0 || x >= PMC_TIME_MAX)
        return bad(err, PMC_ERANGE, row, name, v,
                   "time must be after 1970 and before 2286");
    *out = x;
    return PMC_OK;
}

enum pmc_err pmc_wf_bool(const json_t *obj, const char *a, const char *b,
                         int *out, size_t row, struct pmc_wire_err *err)
{
    const char *name;
    json_t *v = pmc_wf_get(obj, a, b, &name);
    *out = -1;
    if (!v)
        return PMC_OK;
    if (json_is_boolean(v)) {
        *out = json_is_true(v);
        return PMC_OK;
    }
    size_t n;
    const char *s = pmc_json_text(v, &n);
    if (s && n == 4 && !memcmp(s, "true", 4))
        *out = 1;
    else if (s && n == 5 && !memcmp(s, "false", 5))
        *out = 0;
    else
        return bad(err, PMC_EPARSE, row, name, v, "expected true or false");
    return PMC_OK;
}

int pmc_wf_is(const json_t *obj, const char *a, const char *b, const char *lit)
{
    const char *name;
    size_t n;
    const char *s = pmc_json_text(pmc_wf_get(obj, a, b, &name), &n);
    return s && n == strlen(lit) && !memcmp(s, lit, n);
}
