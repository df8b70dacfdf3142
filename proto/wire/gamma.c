/* proto/wire/gamma.c - Gamma markets (see gamma.h). */
#include <string.h>

#include "core/tape.h"
#include "proto/wire/field.h"
#include "proto/wire/gamma.h"
#include "proto/wire/json_exact.h"

#define MAX_OUTCOMES 64

static enum pmc_err emit(struct pmc_wire_sink *sink, const struct pmc_record *r,
                         const struct pmc_wire_extra *x)
{
    sink->records++;
    return sink->emit ? sink->emit(sink->ctx, r, x) : PMC_OK;
}

/* A list field that Gamma encodes as a JSON string (or a real array).
 * *out is a new reference (NULL when absent). */
static enum pmc_err str_array(const json_t *m, const char *key, json_t **out,
                              size_t row, struct pmc_wire_err *err)
{
    const char *name;
    json_t *v = pmc_wf_get(m, key, NULL, &name);
    *out = NULL;
    if (!v)
        return PMC_OK;
    if (json_is_array(v)) {
        *out = json_incref(v);
    } else {
        size_t n;
        const char *s = pmc_json_text(v, &n);
        if (!s)
            return pmc_wire_fail(err, PMC_EPARSE, row,
                                 "field \"%s\": expected a JSON array encoded "
                                 "as a string",
                                 key);
        if (n == 0)
            return PMC_OK;
        struct pmc_wire_err e2;
        memset(&e2, 0, sizeof e2);
        if (pmc_json_exact_loads(s, n, out, &e2) != PMC_OK)
            return pmc_wire_fail(err, PMC_EPARSE, row, "field \"%s\": %s", key,
                                 e2.msg);
        if (!json_is_array(*out)) {
            json_decref(*out);
            *out = NULL;
            return pmc_wire_fail(err, PMC_EPARSE, row,
                                 "field \"%s\": the encoded value is not an "
                                 "array",
                                 key);
        }
    }
    if (json_array_size(*out) > MAX_OUTCOMES) {
        json_decref(*out);
        *out = NULL;
        return pmc_wire_fail(err, PMC_ERANGE, row,
                             "field \"%s\": more than %d entries", key,
                             MAX_OUTCOMES);
    }
    return PMC_OK;
}

static enum pmc_err iso_field(const json_t *m, const char *key, pmc_ms *out,
                              size_t row, struct pmc_wire_err *err)
{
    const char *name;
    json_t *v = pmc_wf_get(m, key, NULL, &name);
    if (!v)
        return PMC_OK;
    size_t n;
    const char *s = pmc_json_text(v, &n);
    if (!s)
        return pmc_wire_fail(err, PMC_EPARSE, row,
                             "field \"%s\": expected an ISO-8601 time string",
                             key);
    if (n == 0)
        return PMC_OK;
    enum pmc_err e = pmc_wire_iso_ms(s, n, out);
    if (e != PMC_OK) {
        char show[64];
        return pmc_wire_fail(err, e, row,
                             "field \"%s\": %s: expected an ISO-8601 UTC "
                             "time from 1970 to 2286",
                             key, pmc_wf_show(v, show, sizeof show));
    }
    return PMC_OK;
}

static enum pmc_err market_fees(const json_t *m, struct pmc_market_ev *mk,
                                size_t row, struct pmc_wire_err *err)
{
    const char *name;
    int enabled;
    PMC_TRY(pmc_wf_bool(m, "feesEnabled", NULL, &enabled, row, err));
    json_t *fs = pmc_wf_get(m, "feeSchedule", NULL, &name);
    if (fs && !json_is_object(fs))
        return pmc_wire_fail(err, PMC_EPARSE, row,
                             "field \"feeSchedule\": expected an object");
    if (enabled == 0) {
        mk->fee_rate = 0;
        mk->fee_exp = 1;
        return PMC_OK;
    }
    if (!fs)
        return PMC_OK;
    pmc_micros rate = -1, exp = -1;
    enum pmc_err e = pmc_wf_dec(fs, "rate", NULL, PMC_WF_OPTIONAL, 0, PMC_MICRO,
                                &rate, row, err);
    if (e == PMC_OK)
        e = pmc_wf_dec(fs, "exponent", NULL, PMC_WF_OPTIONAL, 0, 8 * PMC_MICRO,
                       &exp, row, err);
    if (e != PMC_OK) {
        char msg[sizeof err->msg];
        memcpy(msg, err->msg, sizeof msg);
        return pmc_wire_fail(err, e, row, "feeSchedule: %s", msg);
    }
    if (exp >= 0 && exp % PMC_MICRO != 0)
        return pmc_wire_fail(err, PMC_ERANGE, row,
                             "feeSchedule: field \"exponent\": must be a "
                             "whole number 0..8");
    if (rate >= 0 && exp >= 0) {
        mk->fee_rate = rate;
        mk->fee_exp = (int32_t)(exp / PMC_MICRO);
    }
    return PMC_OK;
}

/* A display label (question, slug): control bytes become spaces; a longer
 * one is cut at a UTF-8 character boundary. */
static void label_copy(char *dst, size_t cap, const char *s, size_t n)
{
    if (!s)
        n = 0;
    if (n >= cap) {
        n = cap - 1;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    for (size_t k = 0; k < n; k++)
        dst[k] = (unsigned char)s[k] < 0x20 ? ' ' : s[k];
    dst[n] = '\0';
}

static enum pmc_err one_market(const json_t *m, size_t row,
                               struct pmc_wire_sink *sink,
                               struct pmc_wire_err *err)
{
    sink->rows++;
    if (!json_is_object(m))
        return pmc_wire_fail(err, PMC_EPARSE, row, "expected a market object");
    const char *name;
    json_t *raw = pmc_wf_get(m, "raw", NULL, &name);
    if (raw && json_is_object(raw) && !json_object_get(m, "clobTokenIds"))
        m = raw;

    struct pmc_record base;
    struct pmc_wire_extra x;
    memset(&base, 0, sizeof base);
    memset(&x, 0, sizeof x);
    base.kind = PMC_K_MARKET;
    struct pmc_market_ev *mk = &base.u.market;
    mk->fee_rate = -1;
    mk->fee_exp = -1;
    mk->negrisk = -1;

    size_t sn;
    const char *slug = pmc_json_text(pmc_wf_get(m, "slug", NULL, &name), &sn);
    if (slug && sn) {
        x.slug = slug;
        x.slug_len = sn;
    }
    label_copy(mk->slug, sizeof mk->slug, slug, sn);
    size_t qn;
    const char *q = pmc_json_text(pmc_wf_get(m, "question", NULL, &name), &qn);
    label_copy(mk->question, sizeof mk->question, q, qn);
    PMC_TRY(pmc_wf_sym(m, "conditionId", "condition_id", PMC_WF_OPTIONAL,
                       &mk->market, row, err));
    PMC_TRY(iso_field(m, "endDate", &mk->end, row, err));
    pmc_ms start;
    if (!mk->end && !pmc_wire_slug_window(slug, sn, &start, &mk->end))
        mk->end = 0;
    pmc_micros v = 0;
    if (pmc_wf_get(m, "orderPriceMinTickSize", NULL, &name)) {
        PMC_TRY(pmc_wf_dec(m, "orderPriceMinTickSize", NULL, PMC_WF_REQUIRED, 1,
                           PMC_MICRO, &v, row, err));
        if (!pmc_tick_valid(v))
            return pmc_wire_fail(err, PMC_ERANGE, row,
                                 "field \"orderPriceMinTickSize\": not a "
                                 "venue tick size");
        mk->tick = v;
    }
    PMC_TRY(pmc_wf_dec(m, "orderMinSize", NULL, PMC_WF_OPTIONAL, 0,
                       PMC_SIZE_MAX, &mk->minsz, row, err));
    PMC_TRY(market_fees(m, mk, row, err));
    int nr;
    PMC_TRY(pmc_wf_bool(m, "negRisk", NULL, &nr, row, err));
    mk->negrisk = (int8_t)nr;

    pmc_ms t = 0, t_res = 0;
    PMC_TRY(iso_field(m, "eventStartTime", &t, row, err));
    PMC_TRY(iso_field(m, "startDate", &t, row, err));
    PMC_TRY(iso_field(m, "createdAt", &t, row, err));
    PMC_TRY(iso_field(m, "endDate", &t_res, row, err));
    PMC_TRY(iso_field(m, "umaEndDate", &t_res, row, err));
    PMC_TRY(iso_field(m, "closedTime", &t_res, row, err));
    base.t = t;
    if (t_res < t)
        t_res = t;

    json_t *tokens = NULL, *outcomes = NULL, *prices = NULL;
    enum pmc_err rc = str_array(m, "clobTokenIds", &tokens, row, err);
    if (rc == PMC_OK)
        rc = str_array(m, "outcomes", &outcomes, row, err);
    if (rc == PMC_OK)
        rc = str_array(m, "outcomePrices", &prices, row, err);
    if (rc != PMC_OK)
        goto done;
    size_t nt = tokens ? json_array_size(tokens) : 0;
    if (nt == 0) {
        /* no CLOB tokens (not tradable on the book): nothing to trade */
        sink->ignored++;
        goto done;
    }
    if (outcomes && json_array_size(outcomes) != nt) {
        rc = pmc_wire_fail(err, PMC_EPARSE, row,
                           "field \"outcomes\": %zu entries for %zu tokens",
                           json_array_size(outcomes), nt);
        goto done;
    }
    int closed;
    rc = pmc_wf_bool(m, "closed", NULL, &closed, row, err);
    if (rc != PMC_OK)
        goto done;

    pmc_micros pay[MAX_OUTCOMES];
    int resolved = closed == 1 && prices && json_array_size(prices) == nt;
    pmc_micros sum = 0;
    for (size_t i = 0; resolved && i < nt; i++) {
        if (pmc_json_dec(json_array_get(prices, i), 1, &pay[i]) != PMC_OK ||
            pay[i] < 0 || pay[i] > PMC_MICRO) {
            char show[64];
            rc = pmc_wire_fail(
                err, PMC_EPARSE, row,
                "field \"outcomePrices\"[%zu]: %s: expected a price in [0,1]",
                i, pmc_wf_show(json_array_get(prices, i), show, sizeof show));
            goto done;
        }
        sum += pay[i];
    }
    if (resolved) {
        int all01 = 1, split = 1;
        for (size_t i = 0; i < nt; i++) {
            all01 &= pay[i] == 0 || pay[i] == PMC_MICRO;
            split &= pay[i] == PMC_MICRO / 2;
        }
        resolved = (all01 && sum == PMC_MICRO) || (split && nt == 2);
    }

    for (size_t i = 0; i < nt; i++) {
        struct pmc_record r = base;
        size_t n;
        const char *s = pmc_json_text(json_array_get(tokens, i), &n);
        if (!s || pmc_wire_sym(&r.u.market.token, s, n) != PMC_OK) {
            rc = pmc_wire_fail(err, PMC_EPARSE, row,
                               "field \"clobTokenIds\"[%zu]: expected a token "
                               "id string",
                               i);
            goto done;
        }
        r.u.market.outcome[0] = '\0';
        if (outcomes) {
            const char *o = pmc_json_text(json_array_get(outcomes, i), &n);
            if (!o) {
                rc = pmc_wire_fail(err, PMC_EPARSE, row,
                                   "field \"outcomes\"[%zu]: expected a "
                                   "string",
                                   i);
                goto done;
            }
            if (n >= sizeof r.u.market.outcome)
                n = sizeof r.u.market.outcome - 1;
            while (n > 0 && ((unsigned char)o[n] & 0xC0) == 0x80)
                n--;
            for (size_t k = 0; k < n; k++)
                r.u.market.outcome[k] = (unsigned char)o[k] < 0x20 ? ' ' : o[k];
            r.u.market.outcome[n] = '\0';
        }
        if ((rc = emit(sink, &r, &x)) != PMC_OK)
            goto done;
    }
    for (size_t i = 0; resolved && i < nt; i++) {
        struct pmc_record r;
        memset(&r, 0, sizeof r);
        r.kind = PMC_K_RESOLVE;
        r.t = t_res;
        size_t n;
        const char *s = pmc_json_text(json_array_get(tokens, i), &n);
        if (pmc_sym_set(&r.u.resolve.token, s, n) != PMC_OK) {
            rc = PMC_ERANGE;
            goto done;
        }
        r.u.resolve.payout = pay[i];
        if ((rc = emit(sink, &r, &x)) != PMC_OK)
            goto done;
    }
done:
    json_decref(tokens);
    json_decref(outcomes);
    json_decref(prices);
    return rc;
}

/* Does the object look like one market (or a vendor wrapper, or an
 * event)? */
static int market_like(const json_t *o)
{
    static const char *const keys[] = {
        "clobTokenIds", "conditionId", "condition_id", "id",
        "question",     "slug",        "raw",          "markets"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (json_object_get(o, keys[i]))
            return 1;
    return 0;
}

/* An object of markets (or events) keyed by id, as a cache or a script
 * stores them: {"123": {...}, "456": {...}}. */
static int market_map(const json_t *o)
{
    if (json_object_size(o) == 0 || market_like(o))
        return 0;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v)
    {
        if (!json_is_object(v))
            return 0;
    }
    return 1;
}

/* One member of an array or a map: a market, or an event of markets. */
static enum pmc_err one_entry(const json_t *m, size_t row,
                              struct pmc_wire_sink *sink,
                              struct pmc_wire_err *err)
{
    json_t *ms = json_is_object(m) ? json_object_get(m, "markets") : NULL;
    if (ms && json_is_array(ms) && !json_object_get(m, "clobTokenIds")) {
        for (size_t i = 0; i < json_array_size(ms); i++)
            PMC_TRY(one_market(json_array_get(ms, i), row, sink, err));
        return PMC_OK;
    }
    return one_market(m, row, sink, err);
}

enum pmc_err pmc_wire_decode_gamma(const char *buf, size_t n,
                                   struct pmc_wire_sink *sink,
                                   struct pmc_wire_err *err)
{
    json_t *root;
    err->row = 0;
    PMC_TRY(pmc_json_exact_loads(buf, n, &root, err));
    enum pmc_err rc = PMC_OK;
    const json_t *list = root;
    if (json_is_object(root)) {
        const char *name;
        json_t *ms = pmc_wf_get(root, "markets", NULL, &name);
        if (ms && json_is_array(ms))
            list = ms; /* an event */
    }
    if (json_is_array(list)) {
        for (size_t i = 0; i < json_array_size(list) && rc == PMC_OK; i++)
            rc = one_market(json_array_get(list, i), i + 1, sink, err);
    } else if (json_is_object(list) && market_map(list)) {
        const char *k;
        json_t *v;
        size_t i = 0;
        json_object_foreach((json_t *)list, k, v)
        {
            if (rc != PMC_OK)
                break;
            rc = one_entry(v, ++i, sink, err);
        }
    } else if (json_is_object(list) && !market_like(list)) {
        rc = pmc_wire_fail(err, PMC_EPARSE, 0,
                           "expected a market object (clobTokenIds, "
                           "conditionId, ...), an array of them, an event "
                           "{\"markets\": [...]} or an object of them keyed "
                           "by id");
    } else {
        rc = one_market(list, 0, sink, err);
    }
    json_decref(root);
    return rc;
}
