/* proto/wire/clob.c - CLOB market channel frames (see clob.h). */
#include <string.h>

#include "core/tape.h"
#include "proto/wire/clob.h"
#include "proto/wire/field.h"
#include "proto/wire/json_exact.h"

static enum pmc_err emit(struct pmc_wire_sink *sink, const struct pmc_record *r,
                         const struct pmc_wire_extra *x)
{
    sink->records++;
    return sink->emit ? sink->emit(sink->ctx, r, x) : PMC_OK;
}

static void set_market(const json_t *ev, const char *a, const char *b,
                       struct pmc_wire_extra *x)
{
    const char *name;
    size_t n;
    const char *s = pmc_json_text(pmc_wf_get(ev, a, b, &name), &n);
    if (pmc_wire_id_ok(s, n)) {
        x->market = s;
        x->market_len = n;
    }
    s = pmc_json_text(pmc_wf_get(ev, "slug", "market_slug", &name), &n);
    if (s && n > 0) {
        x->slug = s;
        x->slug_len = n;
    }
}

static enum pmc_err event_time(const json_t *ev, pmc_ms t_recv, pmc_ms *t,
                               size_t row, struct pmc_wire_err *err)
{
    if (t_recv > 0) {
        *t = t_recv;
        return PMC_OK;
    }
    return pmc_wf_time(ev, "timestamp", NULL, PMC_WF_REQUIRED, t, row, err);
}

/* Insert (px, sz) into the sorted top-k list (best first). */
static void top_insert(pmc_micros *px, pmc_micros *sz, uint8_t *n, pmc_micros p,
                       pmc_micros s, int bids)
{
    size_t i = *n;
    while (i > 0 && (bids ? p > px[i - 1] : p < px[i - 1]))
        i--;
    if (i >= PMC_BOOK_LEVELS)
        return;
    size_t last = *n < PMC_BOOK_LEVELS ? *n : PMC_BOOK_LEVELS - 1;
    for (size_t j = last; j > i; j--) {
        px[j] = px[j - 1];
        sz[j] = sz[j - 1];
    }
    px[i] = p;
    sz[i] = s;
    if (*n < PMC_BOOK_LEVELS)
        (*n)++;
}

static enum pmc_err levels(const json_t *ev, const char *key, int bids,
                           pmc_micros *px, pmc_micros *sz, uint8_t *n,
                           size_t row, struct pmc_wire_err *err)
{
    const char *name;
    json_t *a = pmc_wf_get(ev, key, NULL, &name);
    *n = 0;
    if (!a)
        return PMC_OK;
    if (!json_is_array(a))
        return pmc_wire_fail(err, PMC_EPARSE, row,
                             "field \"%s\": expected an array of levels", key);
    for (size_t i = 0; i < json_array_size(a); i++) {
        const json_t *l = json_array_get(a, i);
        pmc_micros p = 0, s = 0;
        if (!json_is_object(l))
            return pmc_wire_fail(err, PMC_EPARSE, row,
                                 "field \"%s\"[%zu]: expected a "
                                 "{price, size} object",
                                 key, i);
        enum pmc_err e =
            pmc_wf_price(l, "price", NULL, PMC_WF_REQUIRED, 0, &p, row, err);
        if (e == PMC_OK)
            e = pmc_wf_dec(l, "size", NULL, PMC_WF_REQUIRED, 0, PMC_SIZE_MAX,
                           &s, row, err);
        if (e != PMC_OK) {
            char m[sizeof err->msg];
            memcpy(m, err->msg, sizeof m);
            return pmc_wire_fail(err, e, row, "%s[%zu]: %s", key, i, m);
        }
        if (s > 0)
            top_insert(px, sz, n, p, s, bids);
    }
    return PMC_OK;
}

static enum pmc_err on_book(const json_t *ev, pmc_ms t_recv, unsigned flags,
                            size_t row, struct pmc_wire_sink *sink,
                            struct pmc_wire_err *err)
{
    struct pmc_record r, q;
    struct pmc_wire_extra x;
    memset(&r, 0, sizeof r);
    memset(&x, 0, sizeof x);
    r.kind = PMC_K_BOOK;
    struct pmc_book_ev *b = &r.u.book;
    PMC_TRY(
        pmc_wf_sym(ev, "asset_id", NULL, PMC_WF_REQUIRED, &b->token, row, err));
    PMC_TRY(event_time(ev, t_recv, &r.t, row, err));
    set_market(ev, "market", NULL, &x);
    PMC_TRY(levels(ev, "bids", 1, b->bid_px, b->bid_sz, &b->nbid, row, err));
    PMC_TRY(levels(ev, "asks", 0, b->ask_px, b->ask_sz, &b->nask, row, err));
    if (!b->nbid && !b->nask) {
        sink->ignored++;
        return PMC_OK;
    }
    memset(&q, 0, sizeof q);
    q.kind = PMC_K_QUOTE;
    q.t = r.t;
    q.u.quote.token = b->token;
    if (b->nbid) {
        q.u.quote.bid = b->bid_px[0];
        q.u.quote.bidsz = b->bid_sz[0];
    }
    if (b->nask) {
        q.u.quote.ask = b->ask_px[0];
        q.u.quote.asksz = b->ask_sz[0];
    }
    PMC_TRY(emit(sink, &q, &x));
    if (flags & PMC_WIRE_DEPTH)
        PMC_TRY(emit(sink, &r, &x));
    return PMC_OK;
}

static enum pmc_err on_price_change(const json_t *ev, pmc_ms t_recv, size_t row,
                                    struct pmc_wire_sink *sink,
                                    struct pmc_wire_err *err)
{
    pmc_ms t;
    PMC_TRY(event_time(ev, t_recv, &t, row, err));
    const char *name;
    json_t *a = pmc_wf_get(ev, "price_changes", NULL, &name);
    if (!a) {
        /* the older shape (asset_id + changes, no best prices) */
        sink->ignored++;
        return PMC_OK;
    }
    if (!json_is_array(a))
        return pmc_wire_fail(err, PMC_EPARSE, row,
                             "field \"price_changes\": expected an array");
    for (size_t i = 0; i < json_array_size(a); i++) {
        const json_t *c = json_array_get(a, i);
        struct pmc_record r;
        struct pmc_wire_extra x;
        memset(&r, 0, sizeof r);
        memset(&x, 0, sizeof x);
        r.kind = PMC_K_QUOTE;
        r.t = t;
        struct pmc_quote *q = &r.u.quote;
        pmc_micros px = 0, sz = 0;
        enum pmc_err e = PMC_OK;
        if (!json_is_object(c))
            e = pmc_wire_fail(err, PMC_EPARSE, row, "expected an object");
        if (e == PMC_OK)
            e = pmc_wf_sym(c, "asset_id", NULL, PMC_WF_REQUIRED, &q->token, row,
                           err);
        if (e == PMC_OK)
            e = pmc_wf_price(c, "best_bid", NULL, PMC_WF_OPTIONAL, 1, &q->bid,
                             row, err);
        if (e == PMC_OK)
            e = pmc_wf_price(c, "best_ask", NULL, PMC_WF_OPTIONAL, 1, &q->ask,
                             row, err);
        if (e == PMC_OK)
            e = pmc_wf_price(c, "price", NULL, PMC_WF_OPTIONAL, 1, &px, row,
                             err);
        if (e == PMC_OK)
            e = pmc_wf_dec(c, "size", NULL, PMC_WF_OPTIONAL, 0, PMC_SIZE_MAX,
                           &sz, row, err);
        if (e != PMC_OK) {
            char m[sizeof err->msg];
            memcpy(m, err->msg, sizeof m);
            return pmc_wire_fail(err, e, row, "price_changes[%zu]: %s", i, m);
        }
        if (!q->bid && !q->ask) {
            sink->ignored++;
            continue;
        }
        if (px && sz && pmc_wf_is(c, "side", NULL, "BUY") && px == q->bid)
            q->bidsz = sz;
        if (px && sz && pmc_wf_is(c, "side", NULL, "SELL") && px == q->ask)
            q->asksz = sz;
        set_market(ev, "market", NULL, &x);
        PMC_TRY(emit(sink, &r, &x));
    }
    return PMC_OK;
}

static enum pmc_err on_best(const json_t *ev, pmc_ms t_recv, size_t row,
                            struct pmc_wire_sink *sink,
                            struct pmc_wire_err *err)
{
    struct pmc_record r;
    struct pmc_wire_extra x;
    memset(&r, 0, sizeof r);
    memset(&x, 0, sizeof x);
    r.kind = PMC_K_QUOTE;
    PMC_TRY(pmc_wf_sym(ev, "asset_id", NULL, PMC_WF_REQUIRED, &r.u.quote.token,
                       row, err));
    PMC_TRY(event_time(ev, t_recv, &r.t, row, err));
    PMC_TRY(pmc_wf_price(ev, "best_bid", NULL, PMC_WF_OPTIONAL, 1,
                         &r.u.quote.bid, row, err));
    PMC_TRY(pmc_wf_price(ev, "best_ask", NULL, PMC_WF_OPTIONAL, 1,
                         &r.u.quote.ask, row, err));
    if (!r.u.quote.bid && !r.u.quote.ask) {
        sink->ignored++;
        return PMC_OK;
    }
    set_market(ev, "market", NULL, &x);
    return emit(sink, &r, &x);
}

/* A recorded top-of-book row: token_id, best_bid(_size), best_ask(_size),
 * ts_received (ms), condition_id, slug. */
static enum pmc_err on_top_row(const json_t *ev, pmc_ms t_recv, size_t row,
                               struct pmc_wire_sink *sink,
                               struct pmc_wire_err *err)
{
    struct pmc_record r;
    struct pmc_wire_extra x;
    memset(&r, 0, sizeof r);
    memset(&x, 0, sizeof x);
    r.kind = PMC_K_QUOTE;
    struct pmc_quote *q = &r.u.quote;
    PMC_TRY(pmc_wf_sym(ev, "token_id", "asset_id", PMC_WF_REQUIRED, &q->token,
                       row, err));
    r.t = t_recv;
    if (r.t <= 0)
        PMC_TRY(pmc_wf_time(ev, "ts_received", "timestamp", PMC_WF_REQUIRED,
                            &r.t, row, err));
    PMC_TRY(pmc_wf_price(ev, "best_bid", NULL, PMC_WF_OPTIONAL, 1, &q->bid, row,
                         err));
    PMC_TRY(pmc_wf_price(ev, "best_ask", NULL, PMC_WF_OPTIONAL, 1, &q->ask, row,
                         err));
    if (q->bid)
        PMC_TRY(pmc_wf_dec(ev, "best_bid_size", NULL, PMC_WF_OPTIONAL, 0,
                           PMC_SIZE_MAX, &q->bidsz, row, err));
    if (q->ask)
        PMC_TRY(pmc_wf_dec(ev, "best_ask_size", NULL, PMC_WF_OPTIONAL, 0,
                           PMC_SIZE_MAX, &q->asksz, row, err));
    if (!q->bid && !q->ask) {
        sink->ignored++;
        return PMC_OK;
    }
    set_market(ev, "condition_id", "market", &x);
    return emit(sink, &r, &x);
}

static enum pmc_err on_last_trade(const json_t *ev, pmc_ms t_recv, size_t row,
                                  struct pmc_wire_sink *sink,
                                  struct pmc_wire_err *err)
{
    struct pmc_record r;
    struct pmc_wire_extra x;
    memset(&r, 0, sizeof r);
    memset(&x, 0, sizeof x);
    r.kind = PMC_K_TRADE;
    PMC_TRY(pmc_wf_sym(ev, "asset_id", NULL, PMC_WF_REQUIRED, &r.u.trade.token,
                       row, err));
    PMC_TRY(event_time(ev, t_recv, &r.t, row, err));
    PMC_TRY(pmc_wf_price(ev, "price", NULL, PMC_WF_REQUIRED, 0, &r.u.trade.px,
                         row, err));
    PMC_TRY(pmc_wf_dec(ev, "size", NULL, PMC_WF_REQUIRED, 1, PMC_SIZE_MAX,
                       &r.u.trade.sz, row, err));
    set_market(ev, "market", NULL, &x);
    return emit(sink, &r, &x);
}

static enum pmc_err on_tick(const json_t *ev, pmc_ms t_recv, size_t row,
                            struct pmc_wire_sink *sink,
                            struct pmc_wire_err *err)
{
    struct pmc_record r;
    struct pmc_wire_extra x;
    memset(&r, 0, sizeof r);
    memset(&x, 0, sizeof x);
    r.kind = PMC_K_MARKET;
    struct pmc_market_ev *m = &r.u.market;
    m->fee_rate = -1;
    m->fee_exp = -1;
    m->negrisk = -1;
    PMC_TRY(
        pmc_wf_sym(ev, "asset_id", NULL, PMC_WF_REQUIRED, &m->token, row, err));
    PMC_TRY(
        pmc_wf_sym(ev, "market", NULL, PMC_WF_OPTIONAL, &m->market, row, err));
    PMC_TRY(event_time(ev, t_recv, &r.t, row, err));
    PMC_TRY(pmc_wf_dec(ev, "new_tick_size", NULL, PMC_WF_REQUIRED, 1, PMC_MICRO,
                       &m->tick, row, err));
    if (!pmc_tick_valid(m->tick))
        return pmc_wire_fail(err, PMC_ERANGE, row,
                             "field \"new_tick_size\": not a venue tick size "
                             "(0.1, 0.01, 0.005, 0.0025, 0.001, 0.0001)");
    return emit(sink, &r, &x);
}

static enum pmc_err on_resolved(const json_t *ev, pmc_ms t_recv, size_t row,
                                struct pmc_wire_sink *sink,
                                struct pmc_wire_err *err)
{
    struct pmc_sym win;
    pmc_ms t;
    PMC_TRY(pmc_wf_sym(ev, "winning_asset_id", NULL, PMC_WF_REQUIRED, &win, row,
                       err));
    PMC_TRY(event_time(ev, t_recv, &t, row, err));
    const char *name;
    json_t *ids = pmc_wf_get(ev, "assets_ids", NULL, &name);
    if (ids && !json_is_array(ids))
        return pmc_wire_fail(err, PMC_EPARSE, row,
                             "field \"assets_ids\": expected an array");
    struct pmc_wire_extra x;
    memset(&x, 0, sizeof x);
    set_market(ev, "market", NULL, &x);
    size_t nids = ids ? json_array_size(ids) : 0;
    int saw_win = 0;
    for (size_t i = 0; i <= nids; i++) {
        struct pmc_record r;
        memset(&r, 0, sizeof r);
        r.kind = PMC_K_RESOLVE;
        r.t = t;
        if (i == nids) {
            if (saw_win)
                break;
            r.u.resolve.token = win;
        } else {
            size_t n;
            const char *s = pmc_json_text(json_array_get(ids, i), &n);
            if (!s || pmc_wire_sym(&r.u.resolve.token, s, n) != PMC_OK)
                return pmc_wire_fail(err, PMC_EPARSE, row,
                                     "field \"assets_ids\"[%zu]: expected a "
                                     "token id string",
                                     i);
        }
        int is_win = pmc_sym_eq(&r.u.resolve.token, &win);
        saw_win |= is_win;
        r.u.resolve.payout = is_win ? PMC_MICRO : 0;
        PMC_TRY(emit(sink, &r, &x));
    }
    return PMC_OK;
}

static enum pmc_err one_event(const json_t *ev, pmc_ms t_recv, unsigned flags,
                              size_t row, struct pmc_wire_sink *sink,
                              struct pmc_wire_err *err)
{
    sink->rows++;
    if (!json_is_object(ev))
        return pmc_wire_fail(err, PMC_EPARSE, row, "expected an event object");
    const char *name;
    json_t *et = pmc_wf_get(ev, "event_type", NULL, &name);
    size_t n;
    const char *s = pmc_json_text(et, &n);
    if (!et) {
        if (json_object_get(ev, "best_bid") || json_object_get(ev, "best_ask"))
            return on_top_row(ev, t_recv, row, sink, err);
        if (json_object_get(ev, "bids") || json_object_get(ev, "asks"))
            return on_book(ev, t_recv, flags, row, sink, err); /* GET /book */
        pmc_wire_note_unknown(sink, "(no event_type)", 15);
        return PMC_OK;
    }
    if (!s) {
        char show[64];
        return pmc_wire_fail(err, PMC_EPARSE, row,
                             "field \"event_type\": %s: expected a string",
                             pmc_wf_show(et, show, sizeof show));
    }
#define IS(lit) (n == sizeof(lit) - 1 && !memcmp(s, lit, n))
    if (IS("book"))
        return on_book(ev, t_recv, flags, row, sink, err);
    if (IS("price_change"))
        return on_price_change(ev, t_recv, row, sink, err);
    if (IS("best_bid_ask"))
        return on_best(ev, t_recv, row, sink, err);
    if (IS("last_trade_price"))
        return on_last_trade(ev, t_recv, row, sink, err);
    if (IS("tick_size_change"))
        return on_tick(ev, t_recv, row, sink, err);
    if (IS("market_resolved"))
        return on_resolved(ev, t_recv, row, sink, err);
    if (IS("new_market")) {
        sink->ignored++;
        return PMC_OK;
    }
#undef IS
    pmc_wire_note_unknown(sink, s, n);
    return PMC_OK;
}

enum pmc_err pmc_wire_decode_clob(const char *buf, size_t n, pmc_ms t_recv,
                                  unsigned flags, struct pmc_wire_sink *sink,
                                  struct pmc_wire_err *err)
{
    err->row = 0;
    size_t k = n;
    while (k && (buf[k - 1] == '\n' || buf[k - 1] == '\r' || buf[k - 1] == ' '))
        k--;
    if (k == 4 && (!memcmp(buf, "PONG", 4) || !memcmp(buf, "pong", 4))) {
        sink->ignored++;
        return PMC_OK;
    }
    json_t *root;
    PMC_TRY(pmc_json_exact_loads(buf, n, &root, err));
    enum pmc_err rc = PMC_OK;
    if (json_is_array(root)) {
        for (size_t i = 0; i < json_array_size(root) && rc == PMC_OK; i++)
            rc = one_event(json_array_get(root, i), t_recv, flags, i + 1, sink,
                           err);
    } else {
        rc = one_event(root, t_recv, flags, 0, sink, err);
    }
    json_decref(root);
    return rc;
}
