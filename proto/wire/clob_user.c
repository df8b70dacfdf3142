/* proto/wire/clob_user.c - the CLOB user channel (see clob_user.h). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "proto/wire/clob_user.h"
#include "proto/wire/field.h"
#include "proto/wire/json_exact.h"

const char *pmc_trade_status_name(enum pmc_trade_status s)
{
    static const char *const N[PMC_TRADE_STATUS_COUNT] = {
        "none", "matched", "mined", "confirmed", "retrying", "failed", "other"};
    return (unsigned)s < PMC_TRADE_STATUS_COUNT ? N[s] : "other";
}

enum pmc_trade_status pmc_trade_status_of(const char *s, size_t n)
{
    static const char PFX[] = "TRADE_STATUS_";
    if (!s || n == 0)
        return PMC_TRADE_NONE;
    if (n > sizeof PFX - 1 && strncasecmp(s, PFX, sizeof PFX - 1) == 0) {
        s += sizeof PFX - 1;
        n -= sizeof PFX - 1;
    }
    for (int i = PMC_TRADE_MATCHED; i < PMC_TRADE_OTHER; i++) {
        const char *name = pmc_trade_status_name((enum pmc_trade_status)i);
        if (strlen(name) == n && strncasecmp(s, name, n) == 0)
            return (enum pmc_trade_status)i;
    }
    return PMC_TRADE_OTHER;
}

static enum pmc_clob_status order_status_of(const char *s, size_t n)
{
    static const struct {
        const char *name;
        enum pmc_clob_status st;
    } S[] = {{"live", PMC_CLOB_ST_LIVE},
             {"matched", PMC_CLOB_ST_MATCHED},
             {"delayed", PMC_CLOB_ST_DELAYED},
             {"unmatched", PMC_CLOB_ST_UNMATCHED}};
    if (!s || n == 0)
        return PMC_CLOB_ST_NONE;
    for (size_t i = 0; i < sizeof S / sizeof S[0]; i++)
        if (strlen(S[i].name) == n && strncasecmp(s, S[i].name, n) == 0)
            return S[i].st;
    return PMC_CLOB_ST_OTHER;
}

/* Printable ASCII of s[0..n) into out (cap bytes), cut. */
static void copy_text(const char *s, size_t n, char *out, size_t cap)
{
    size_t i = 0;
    for (; s && i < n && i + 1 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        out[i] = c < 0x20 || c >= 0x7f ? ' ' : (char)c;
    }
    out[i] = '\0';
}

/* Sizes beyond 10^12 shares are not about a real order. */
#define SHARES_MAX (1000000000000 * PMC_MICRO)

static enum pmc_err opt_time(const json_t *o, const char *a, const char *b,
                             pmc_ms *t, size_t row, struct pmc_wire_err *err)
{
    const char *name;
    json_t *v = pmc_wf_get(o, a, b, &name);
    size_t n = 0;
    const char *s = pmc_json_text(v, &n);
    *t = 0;
    if (!v || (s && (n == 0 || (n == 1 && s[0] == '0'))))
        return PMC_OK; /* absent, "" or "0": not known */
    return pmc_wf_time(o, a, b, PMC_WF_REQUIRED, t, row, err);
}

static enum pmc_err on_order(const json_t *ev, size_t row,
                             struct pmc_user_sink *sink,
                             struct pmc_wire_err *err)
{
    struct pmc_user_order o;
    memset(&o, 0, sizeof o);
    o.size_matched = o.original_size = o.price = -1;
    PMC_TRY(pmc_wf_sym(ev, "id", NULL, PMC_WF_REQUIRED, &o.id, row, err));
    PMC_TRY(
        pmc_wf_sym(ev, "asset_id", NULL, PMC_WF_OPTIONAL, &o.asset, row, err));
    PMC_TRY(
        pmc_wf_sym(ev, "market", NULL, PMC_WF_OPTIONAL, &o.market, row, err));
    const char *name;
    size_t n = 0;
    const char *s = pmc_json_text(pmc_wf_get(ev, "status", NULL, &name), &n);
    static const char PFX[] = "ORDER_STATUS_";
    if (s && n > sizeof PFX - 1 && strncasecmp(s, PFX, sizeof PFX - 1) == 0) {
        s += sizeof PFX - 1;
        n -= sizeof PFX - 1;
    }
    o.status = order_status_of(s, n);
    copy_text(s, n, o.status_text, sizeof o.status_text);
    s = pmc_json_text(pmc_wf_get(ev, "type", NULL, &name), &n);
    copy_text(s, n, o.type, sizeof o.type);
    PMC_TRY(pmc_wf_dec(ev, "size_matched", NULL, PMC_WF_OPTIONAL, 0, SHARES_MAX,
                       &o.size_matched, row, err));
    PMC_TRY(pmc_wf_dec(ev, "original_size", NULL, PMC_WF_OPTIONAL, 0,
                       SHARES_MAX, &o.original_size, row, err));
    if (pmc_wf_get(ev, "price", NULL, &name))
        PMC_TRY(pmc_wf_price(ev, "price", NULL, PMC_WF_REQUIRED, 0, &o.price,
                             row, err));
    PMC_TRY(opt_time(ev, "timestamp", NULL, &o.t, row, err));
    if (o.status == PMC_CLOB_ST_NONE && o.size_matched < 0)
        return pmc_wire_fail(err, PMC_EPARSE, row,
                             "order %s: neither \"status\" nor "
                             "\"size_matched\"",
                             o.id.s);
    sink->orders++;
    return sink->order ? sink->order(sink->ctx, &o) : PMC_OK;
}

/* A failure inside maker_orders[i]: name the element. */
static enum pmc_err in_maker(enum pmc_err e, size_t i, size_t row,
                             struct pmc_wire_err *err)
{
    char m[sizeof err->msg];
    memcpy(m, err->msg, sizeof m);
    return pmc_wire_fail(err, e, row, "maker_orders[%zu]: %.200s", i, m);
}

static enum pmc_err emit_leg(struct pmc_user_sink *sink,
                             const struct pmc_user_leg *l)
{
    sink->legs++;
    return sink->leg ? sink->leg(sink->ctx, l) : PMC_OK;
}

static enum pmc_err on_trade(const json_t *ev, size_t row,
                             struct pmc_user_sink *sink,
                             struct pmc_wire_err *err)
{
    struct pmc_user_leg l;
    memset(&l, 0, sizeof l);
    PMC_TRY(pmc_wf_sym(ev, "id", NULL, PMC_WF_REQUIRED, &l.trade_id, row, err));
    PMC_TRY(
        pmc_wf_sym(ev, "asset_id", NULL, PMC_WF_OPTIONAL, &l.asset, row, err));
    PMC_TRY(
        pmc_wf_sym(ev, "market", NULL, PMC_WF_OPTIONAL, &l.market, row, err));
    const char *name;
    size_t n = 0;
    const char *s = pmc_json_text(pmc_wf_get(ev, "status", NULL, &name), &n);
    l.status = pmc_trade_status_of(s, n);
    if (l.status == PMC_TRADE_NONE)
        return pmc_wire_fail(err, PMC_EPARSE, row,
                             "trade %s: field \"status\" is missing",
                             l.trade_id.s);
    PMC_TRY(opt_time(ev, "match_time", "matchtime", &l.match_time, row, err));
    PMC_TRY(opt_time(ev, "last_update", NULL, &l.t, row, err));
    if (!l.t)
        PMC_TRY(opt_time(ev, "timestamp", NULL, &l.t, row, err));

    /* the taker's leg */
    struct pmc_user_leg t = l;
    PMC_TRY(pmc_wf_sym(ev, "taker_order_id", NULL, PMC_WF_OPTIONAL, &t.order_id,
                       row, err));
    if (t.order_id.n) {
        PMC_TRY(pmc_wf_dec(ev, "size", NULL, PMC_WF_REQUIRED, 0, SHARES_MAX,
                           &t.shares, row, err));
        PMC_TRY(pmc_wf_price(ev, "price", NULL, PMC_WF_REQUIRED, 0, &t.price,
                             row, err));
        t.taker = 1;
        if (t.shares > 0)
            PMC_TRY(emit_leg(sink, &t));
    }
    /* the makers' legs */
    json_t *mk = pmc_wf_get(ev, "maker_orders", NULL, &name);
    if (mk && !json_is_array(mk))
        return pmc_wire_fail(err, PMC_EPARSE, row,
                             "field \"maker_orders\": expected an array");
    for (size_t i = 0; mk && i < json_array_size(mk); i++) {
        const json_t *m = json_array_get(mk, i);
        if (!json_is_object(m))
            return pmc_wire_fail(err, PMC_EPARSE, row,
                                 "maker_orders[%zu]: expected an object", i);
        struct pmc_user_leg ml = l;
        enum pmc_err e = pmc_wf_sym(m, "order_id", NULL, PMC_WF_REQUIRED,
                                    &ml.order_id, row, err);
        if (e == PMC_OK)
            e = pmc_wf_dec(m, "matched_amount", NULL, PMC_WF_REQUIRED, 0,
                           SHARES_MAX, &ml.shares, row, err);
        if (e == PMC_OK)
            e = pmc_wf_price(m, "price", NULL, PMC_WF_REQUIRED, 0, &ml.price,
                             row, err);
        if (e != PMC_OK)
            return in_maker(e, i, row, err);
        if (ml.shares > 0)
            PMC_TRY(emit_leg(sink, &ml));
    }
    return PMC_OK;
}

static enum pmc_err one_event(const json_t *ev, size_t row, int rest,
                              struct pmc_user_sink *sink,
                              struct pmc_wire_err *err)
{
    sink->events++;
    if (!json_is_object(ev))
        return pmc_wire_fail(err, PMC_EPARSE, row, "expected an event object");
    if (rest)
        return on_trade(ev, row, sink, err);
    const char *name;
    size_t n = 0;
    const char *et =
        pmc_json_text(pmc_wf_get(ev, "event_type", NULL, &name), &n);
    if (et && n == 5 && memcmp(et, "order", 5) == 0)
        return on_order(ev, row, sink, err);
    if (et && n == 5 && memcmp(et, "trade", 5) == 0)
        return on_trade(ev, row, sink, err);
    sink->unknown++;
    return PMC_OK;
}

static enum pmc_err events(const json_t *j, int rest,
                           struct pmc_user_sink *sink, struct pmc_wire_err *err)
{
    if (!json_is_array(j))
        return one_event(j, 0, rest, sink, err);
    for (size_t i = 0; i < json_array_size(j); i++)
        PMC_TRY(one_event(json_array_get(j, i), i + 1, rest, sink, err));
    return PMC_OK;
}

/* buf[0..n) without surrounding white space is exactly lit? */
static int is_text(const char *buf, size_t n, const char *lit)
{
    size_t a = 0, b = n, m = strlen(lit);
    while (a < b && (buf[a] == ' ' || buf[a] == '\n' || buf[a] == '\r' ||
                     buf[a] == '\t'))
        a++;
    while (b > a && (buf[b - 1] == ' ' || buf[b - 1] == '\n' ||
                     buf[b - 1] == '\r' || buf[b - 1] == '\t'))
        b--;
    return b - a == m && memcmp(buf + a, lit, m) == 0;
}

enum pmc_err pmc_clob_user_frame(const char *buf, size_t n,
                                 struct pmc_user_sink *sink,
                                 struct pmc_wire_err *err)
{
    if (is_text(buf, n, "PONG")) {
        sink->pongs++;
        return PMC_OK;
    }
    if (n == 0)
        return pmc_wire_fail(err, PMC_EPARSE, 0, "empty frame");
    json_t *j = NULL;
    PMC_TRY(pmc_json_exact_loads(buf, n, &j, err));
    enum pmc_err e = events(j, 0, sink, err);
    json_decref(j);
    return e;
}

enum pmc_err pmc_clob_user_trades(const char *buf, size_t n,
                                  struct pmc_user_sink *sink, char *next_cursor,
                                  size_t cap, struct pmc_wire_err *err)
{
    if (cap)
        next_cursor[0] = '\0';
    if (n == 0)
        return pmc_wire_fail(err, PMC_EPARSE, 0, "empty answer");
    json_t *j = NULL;
    PMC_TRY(pmc_json_exact_loads(buf, n, &j, err));
    const json_t *rows = j;
    if (json_is_object(j)) {
        rows = json_object_get(j, "data");
        size_t cn = 0;
        const char *c = pmc_json_text(json_object_get(j, "next_cursor"), &cn);
        if (c && cap)
            copy_text(c, cn, next_cursor, cap);
    }
    enum pmc_err e;
    if (!json_is_array(rows))
        e = pmc_wire_fail(err, PMC_EPARSE, 0,
                          "GET /data/trades answer: expected \"data\": [...]");
    else
        e = events(rows, 1, sink, err);
    json_decref(j);
    return e;
}

static int plain(const char *s)
{
    if (!s || !*s)
        return 0;
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f ||
            *s == '"' || *s == '\\')
            return 0;
    return 1;
}

size_t pmc_clob_user_subscribe(const char *key, const char *secret,
                               const char *pass, const struct pmc_sym *markets,
                               size_t n, char *out, size_t cap)
{
    if (!plain(key) || !plain(secret) || !plain(pass) || cap == 0)
        return 0;
    int w = snprintf(out, cap,
                     "{\"auth\":{\"apiKey\":\"%s\",\"secret\":\"%s\","
                     "\"passphrase\":\"%s\"},\"markets\":[",
                     key, secret, pass);
    if (w < 0 || (size_t)w >= cap)
        goto fail;
    size_t len = (size_t)w;
    for (size_t i = 0; i < n; i++) {
        if (!plain(markets[i].s))
            goto fail;
        w = snprintf(out + len, cap - len, "%s\"%s\"", i ? "," : "",
                     markets[i].s);
        if (w < 0 || (size_t)w >= cap - len)
            goto fail;
        len += (size_t)w;
    }
    w = snprintf(out + len, cap - len, "],\"type\":\"user\"}");
    if (w < 0 || (size_t)w >= cap - len)
        goto fail;
    return len + (size_t)w;
fail:
    memset(out, 0, cap);
    return 0;
}
