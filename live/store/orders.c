/* live/store/orders.c - our orders: pmc_store_order_new (the row, made
 * durable through the order log before the caller sends the order), the
 * index lookups, status changes and fills (checked against the lifecycle
 * in lifecycle.c before anything is queued), and loading the index at
 * open.
 *
 * Decides: what an order's row and its source traders' statistics hold
 * (notional = px x sz x share), that a coid is never overwritten.
 * Never: sends anything, reads a clock, runs SQLite on the caller's thread
 * (load_orders runs inside pmc_store_open). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/dec.h"
#include "live/store/store_int.h"

static size_t slen_max(const char *p, size_t max)
{
    return p ? strnlen(p, max + 1) : 0;
}

enum pmc_err pmc_store_order_new(struct pmc_store *s,
                                 const struct pmc_store_order *o)
{
    if (s->readonly) {
        set_err(s, "order_new: the store is open read-only");
        return PMC_ESTATE;
    }
    if (s->failed)
        return PMC_EIO; /* the message names the failure */
    if (!o->coid || !o->token) {
        set_err(s, "order_new: no %s", o->coid ? "token" : "client order id");
        return PMC_EUSAGE;
    }
    size_t cn = slen_max(o->coid, PMC_SYM_MAX);
    if (cn == 0 || cn > PMC_SYM_MAX ||
        slen_max(o->token, PMC_SYM_MAX) > PMC_SYM_MAX ||
        slen_max(o->order_hash, PMC_SYM_MAX) > PMC_SYM_MAX || o->px <= 0 ||
        o->sz <= 0) {
        set_err(s,
                "order_new: order '%.*s': client order id, token or hash "
                "over %d bytes, or price %" PRId64 " / size %" PRId64
                " not above 0",
                (int)(cn > PMC_SYM_MAX ? PMC_SYM_MAX : cn), o->coid,
                PMC_SYM_MAX, o->px, o->sz);
        return PMC_ERANGE;
    }
    size_t tn = 0;
    for (size_t i = 0; i < o->nsrc; i++) {
        if (!o->src[i].trader) {
            set_err(s, "order_new: order %s: source %zu has no trader", o->coid,
                    i);
            return PMC_EUSAGE;
        }
        size_t l = slen_max(o->src[i].trader, PMC_SYM_MAX);
        if (l == 0 || l > PMC_SYM_MAX || o->src[i].share < 0 ||
            o->src[i].share > PMC_MICRO) {
            set_err(s,
                    "order_new: order %s: source %zu: trader of %zu bytes "
                    "(1..%d) or share %" PRId64 " outside 0..1000000",
                    o->coid, i, l, PMC_SYM_MAX, o->src[i].share);
            return PMC_ERANGE;
        }
        tn += l + 1;
    }
    if (tn + 1 > SRC_TEXT_MAX) {
        set_err(s, "order_new: order %s: source traders' list over %d bytes",
                o->coid, SRC_TEXT_MAX);
        return PMC_ERANGE;
    }
    if (ord_find(s, o->coid, cn)) {
        set_err(s, "order_new: order %s is already known", o->coid);
        return PMC_ESTATE;
    }
    /* room in the index first: a commit must not be followed by ENOMEM */
    enum pmc_err e = ord_add(s, o->coid, cn, PMC_OS_SUBMITTED, 0);
    if (e != PMC_OK) {
        set_err(s, "order_new: order %s: the order index cannot grow: %s",
                o->coid, pmc_strerror(e));
        return e;
    }
    /* the order's row goes through the ring like everything else; then
     * the ring up to and including it is appended to the order log, which
     * makes it durable before the caller sends the order */
    char traders[SRC_TEXT_MAX];
    size_t trn = 0;
    for (size_t i = 0; i < o->nsrc; i++) {
        size_t l = strlen(o->src[i].trader);
        if (trn)
            traders[trn++] = ',';
        memcpy(traders + trn, o->src[i].trader, l);
        trn += l;
    }
    struct order_item it;
    memset(&it, 0, sizeof it);
    it.px = o->px;
    it.sz = o->sz;
    it.ts_source = o->ts_source;
    it.ts_recv = o->ts_recv;
    it.ts_decided = o->ts_decided;
    it.ts_submitted = o->ts_submitted;
    it.side = (int32_t)o->side;
    it.tif = (int32_t)o->tif;
    it.has_body = o->signed_body != NULL;
    it.has_hash = o->order_hash != NULL;
    it.clen = (uint32_t)cn;
    it.tlen = (uint32_t)strlen(o->token);
    it.klen = (uint32_t)(o->keys ? strlen(o->keys) : 0);
    it.trlen = (uint32_t)trn;
    it.blen = (uint32_t)(o->signed_body ? strlen(o->signed_body) : 0);
    it.hlen = (uint32_t)(o->order_hash ? strlen(o->order_hash) : 0);
    pthread_mutex_lock(&s->mu);
    it.seq = s->seq;
    pthread_mutex_unlock(&s->mu);
    struct part parts[6] = {
        {o->coid, cn},  {o->token, it.tlen},       {o->keys, it.klen},
        {traders, trn}, {o->signed_body, it.blen}, {o->order_hash, it.hlen}};
    e = ring_put(s, IT_ORDER, &it, sizeof it, parts, 6, NULL, 0);
    if (e == PMC_OK) {
        pthread_mutex_lock(&s->mu);
        e = log_append(s);
        s->stats.sync_commits++;
        pthread_mutex_unlock(&s->mu);
    }
    if (e != PMC_OK) {
        ord_find(s, o->coid, cn)->status = PMC_OS_FAILED;
        return e == PMC_ERANGE ? PMC_ERANGE : PMC_EIO;
    }
    /* the order's traders and their statistics follow asynchronously */
    pmc_micros notional = pmc_mul(o->px, o->sz);
    for (size_t i = 0; i < o->nsrc; i++) {
        struct osrc_item k = {o->src[i].share, notional, o->ts_decided,
                              (uint32_t)cn, (uint32_t)strlen(o->src[i].trader)};
        struct part p[2] = {{o->coid, cn}, {o->src[i].trader, k.tlen}};
        PMC_TRY(ring_put(s, IT_OSRC, &k, sizeof k, p, 2, NULL, 0));
    }
    return PMC_OK;
}

int pmc_store_order_known(const struct pmc_store *s, const char *coid,
                          enum pmc_order_status *st)
{
    const struct oslot *o = ord_find(s, coid, strlen(coid));
    if (!o)
        return 0;
    if (st)
        *st = (enum pmc_order_status)o->status;
    return 1;
}

static enum pmc_err queue_upd(struct pmc_store *s, struct oslot *o,
                              enum pmc_order_status st, const char *venue_id,
                              const char *error, pmc_ms t)
{
    size_t cn = strlen(o->coid);
    size_t vn = slen_max(venue_id, PMC_STORE_TEXT_MAX);
    size_t en = slen_max(error, PMC_STORE_TEXT_MAX);
    if (vn > PMC_STORE_TEXT_MAX)
        vn = PMC_STORE_TEXT_MAX;
    if (en > PMC_STORE_TEXT_MAX)
        en = PMC_STORE_TEXT_MAX;
    struct upd_item u = {0};
    u.t = t;
    u.status = st;
    u.succ = st == PMC_OS_MATCHED && !o->matched;
    u.fail = st == PMC_OS_REJECTED || st == PMC_OS_FAILED;
    u.terminal = pmc_order_status_terminal(st);
    u.clen = (uint32_t)cn;
    u.vlen = (uint32_t)vn;
    u.elen = (uint32_t)en;
    u.has_v = venue_id != NULL;
    u.has_e = error != NULL;
    struct part p[3] = {{o->coid, cn}, {venue_id, vn}, {error, en}};
    enum pmc_err e = ring_put(s, IT_UPD, &u, sizeof u, p, 3, NULL, 0);
    if (e == PMC_OK) {
        o->status = (uint8_t)st;
        if (st == PMC_OS_MATCHED)
            o->matched = 1;
    }
    return e;
}

enum pmc_err pmc_store_order_update(struct pmc_store *s, const char *coid,
                                    enum pmc_order_status st,
                                    const char *venue_id, const char *error,
                                    pmc_ms t)
{
    if (s->failed)
        return PMC_EIO; /* the message names the failure */
    struct oslot *o = ord_find(s, coid, strlen(coid));
    if (!o) {
        set_err(s, "order_update: unknown order '%s'", coid);
        return PMC_ENOTFOUND;
    }
    if (!pmc_order_status_can((enum pmc_order_status)o->status, st)) {
        set_err(s, "order_update: order %s: %s -> %s is not a legal transition",
                coid, pmc_order_status_name((enum pmc_order_status)o->status),
                pmc_order_status_name(st));
        return PMC_ESTATE;
    }
    return queue_upd(s, o, st, venue_id, error, t);
}

enum pmc_err pmc_store_fill(struct pmc_store *s, const char *coid,
                            const char *trade_id, pmc_micros sz, pmc_micros px,
                            pmc_micros fee, pmc_ms t)
{
    if (s->failed)
        return PMC_EIO; /* the message names the failure */
    struct oslot *o = ord_find(s, coid, strlen(coid));
    if (!o) {
        set_err(s, "fill: unknown order '%s'", coid);
        return PMC_ENOTFOUND;
    }
    if (sz <= 0 || px <= 0 || fee < 0) {
        set_err(s,
                "fill: order %s: size %" PRId64 " or price %" PRId64
                " not above 0, or fee %" PRId64 " below 0",
                coid, sz, px, fee);
        return PMC_ERANGE;
    }
    size_t tn = slen_max(trade_id, PMC_SYM_MAX);
    if (tn > PMC_SYM_MAX) {
        set_err(s, "fill: order %s: trade id over %d bytes", coid, PMC_SYM_MAX);
        return PMC_ERANGE;
    }
    enum pmc_order_status cur = (enum pmc_order_status)o->status;
    if (cur != PMC_OS_SUBMITTED && cur != PMC_OS_ACKED &&
        cur != PMC_OS_MATCHED) {
        set_err(s, "fill: order %s is %s: no fill is accepted", coid,
                pmc_order_status_name(cur));
        return PMC_ESTATE;
    }
    if (cur != PMC_OS_MATCHED) {
        enum pmc_err e = queue_upd(s, o, PMC_OS_MATCHED, NULL, NULL, t);
        if (e != PMC_OK)
            return e;
    }
    size_t cn = strlen(o->coid);
    struct fill_item f = {t,   sz,           px,           pmc_mul(sz, px),
                          fee, (uint32_t)cn, (uint32_t)tn, trade_id != NULL};
    struct part p[2] = {{o->coid, cn}, {trade_id, tn}};
    return ring_put(s, IT_FILL, &f, sizeof f, p, 2, NULL, 0);
}

enum pmc_err load_orders(struct pmc_store *s)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT coid, status, filled > 0 FROM orders",
                           -1, &st, NULL) != SQLITE_OK)
        return db_err(s, s->db, "reading orders");
    int rc;
    enum pmc_err e = PMC_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *c = (const char *)sqlite3_column_text(st, 0);
        const char *stt = (const char *)sqlite3_column_text(st, 1);
        int k = stt ? pmc_order_status_lookup(stt, strlen(stt)) : -1;
        if (!c || k < 0) {
            set_err(s, "orders: bad row (status '%s')", stt ? stt : "NULL");
            e = PMC_EPARSE;
            break;
        }
        int matched = sqlite3_column_int(st, 2) || k == PMC_OS_MATCHED ||
                      k == PMC_OS_CONFIRMED;
        if ((e = ord_add(s, c, strlen(c), k, matched)) != PMC_OK) {
            set_err(s, "orders: %s", pmc_strerror(e));
            break;
        }
    }
    if (e == PMC_OK && rc != SQLITE_DONE)
        e = db_err(s, s->db, "reading orders");
    sqlite3_finalize(st);
    return e;
}
