/* live/store/apply.c - one ring item into SQLite: the journal row (and the
 * mark a quote, trade or resolution sets), an order's row, a status
 * change, a fill (the trigger in schema.c updates the order), a seen key,
 * a failed trade (its fill, or the part of it the trade was, taken back),
 * a checkpoint, an order's source traders and their statistics, a mark,
 * a source fill a reorg removed (table `removed`);
 * and meta.lsn, the last item a transaction holds.
 *
 * The same function applies an item drained from the ring (writer.c) and
 * one replayed from the order log at open (olog.c), so both paths write
 * the same rows.
 *
 * Decides: which statement each item runs, marks from market data (quote
 * mid or its one side, trade price, resolution payout; a resolved token's
 * mark no longer changes).
 * Never: begins or ends a transaction (its callers do, with dbmu held),
 * takes a lock, reads a clock. */
#include <inttypes.h>
#include <string.h>

#include "core/dec.h"
#include "live/store/store_int.h"
#include "proto/wire/clob_user.h"

static int apply_order(struct pmc_store *s, const unsigned char *p);
static int apply_failed(struct pmc_store *s, const char *coid, size_t cn,
                        const struct fill_item *f);

static int put_mark(struct pmc_store *s, const char *tok, size_t n,
                    pmc_micros px, int resolved, pmc_ms t)
{
    sqlite3_stmt *st = s->st[ST_MARK];
    bind_text(st, 1, tok, n);
    sqlite3_bind_int64(st, 2, px);
    sqlite3_bind_int64(st, 3, t);
    sqlite3_bind_int(st, 4, resolved);
    return step_done(st);
}

/* Marks from journaled market data: quote mid (or the one side), trade
 * price, resolution payout. */
static int mark_from(struct pmc_store *s, const struct pmc_record *r)
{
    if (s->caller_marks)
        return 0;
    switch (r->kind) {
    case PMC_K_QUOTE: {
        const struct pmc_quote *q = &r->u.quote;
        pmc_micros px = q->bid && q->ask ? (q->bid + q->ask) / 2
                                         : (q->bid ? q->bid : q->ask);
        if (!px)
            return 0;
        return put_mark(s, q->token.s, q->token.n, px, 0, r->t);
    }
    case PMC_K_TRADE:
        return put_mark(s, r->u.trade.token.s, r->u.trade.token.n,
                        r->u.trade.px, 0, r->t);
    case PMC_K_RESOLVE:
        return put_mark(s, r->u.resolve.token.s, r->u.resolve.token.n,
                        r->u.resolve.payout, 1, r->t);
    default:
        return 0;
    }
}

/* A source fill a reorg removed: its row, with the order that carried its
 * key (none: NULL); its skip reason=removed marks it withdrawn. */
static int removed_from(struct pmc_store *s, const struct pmc_record *r)
{
    const char *sql;
    if (r->kind == PMC_K_REMOVED)
        sql = "INSERT OR IGNORE INTO removed(key, trader, token, coid, t) "
              "VALUES (?1, ?2, ?3, (SELECT coid FROM orders WHERE "
              "instr(',' || keys || ',', ',' || ?1 || ',') > 0 "
              "ORDER BY ts_decided, coid LIMIT 1), ?4)";
    else if (r->kind == PMC_K_SKIP && r->u.skip.reason == PMC_SKIP_REMOVED)
        sql = "UPDATE removed SET withdrawn = 1 WHERE key = ?1";
    else
        return 0;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    if (r->kind == PMC_K_REMOVED) {
        bind_text(st, 1, r->u.removed.key.s, r->u.removed.key.n);
        bind_text(st, 2, r->u.removed.trader.s, r->u.removed.trader.n);
        bind_text(st, 3, r->u.removed.token.s, r->u.removed.token.n);
        sqlite3_bind_int64(st, 4, r->t);
    } else {
        bind_text(st, 1, r->u.skip.key.s, r->u.skip.key.n);
    }
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

static int put_journal(struct pmc_store *s, uint64_t seq,
                       const struct pmc_record *r, const char *line, size_t n)
{
    sqlite3_stmt *st = s->st[ST_JOURNAL];
    sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
    sqlite3_bind_int64(st, 2, r->t);
    sqlite3_bind_text(st, 3, pmc_kind_name(r->kind), -1, SQLITE_STATIC);
    bind_text(st, 4, line, n);
    if (step_done(st) < 0 || removed_from(s, r) < 0)
        return -1;
    return mark_from(s, r);
}

int apply_item(struct pmc_store *s, const struct item_hdr *h,
               const unsigned char *p)
{
    switch (h->type) {
    case IT_REC: {
        struct pmc_record r;
        memcpy(&r, p, sizeof r);
        size_t n = pmc_tape_format(&r, s->fmt, PMC_TAPE_LINE_MAX + 2);
        if (n == 0) {
            set_err(s, "journal record %" PRIu64 " cannot be formatted",
                    h->seq);
            return -2;
        }
        return put_journal(s, h->seq, &r, s->fmt, n - 1);
    }
    case IT_LINE: {
        struct line_item li;
        memcpy(&li, p, sizeof li);
        const char *text = (const char *)p + sizeof li;
        struct pmc_record r;
        struct pmc_tape_err te;
        int has = 0;
        if (pmc_tape_parse(text, li.n, &r, &has, &te) != PMC_OK || !has) {
            set_err(s, "journal line %" PRIu64 ": %s", h->seq, te.msg);
            return -2;
        }
        return put_journal(s, h->seq, &r, text, li.n);
    }
    case IT_UPD: {
        struct upd_item u;
        memcpy(&u, p, sizeof u);
        const char *c = (const char *)p + sizeof u;
        const char *v = c + u.clen, *e = v + u.vlen;
        sqlite3_stmt *st = s->st[ST_ORDER_UPD];
        bind_text(st, 1, c, u.clen);
        sqlite3_bind_text(
            st, 2, pmc_order_status_name((enum pmc_order_status)u.status), -1,
            SQLITE_STATIC);
        if (u.has_v)
            bind_text(st, 3, v, u.vlen);
        if (u.has_e)
            bind_text(st, 4, e, u.elen);
        sqlite3_bind_int64(st, 5, u.t);
        sqlite3_bind_int(st, 6, u.terminal);
        if (step_done(st) < 0)
            return -1;
        if (u.succ || u.fail) {
            st = s->st[ST_TRADER_RESULT];
            bind_text(st, 1, c, u.clen);
            sqlite3_bind_int(st, 2, u.succ);
            sqlite3_bind_int(st, 3, u.fail);
            sqlite3_bind_int64(st, 4, u.t);
            if (step_done(st) < 0)
                return -1;
        }
        return 0;
    }
    case IT_FILL: {
        struct fill_item f;
        memcpy(&f, p, sizeof f);
        const char *c = (const char *)p + sizeof f;
        sqlite3_stmt *st = s->st[ST_FILL];
        bind_text(st, 1, c, f.clen);
        if (f.has_trade)
            bind_text(st, 2, c + f.clen, f.tlen);
        sqlite3_bind_int64(st, 3, f.sz);
        sqlite3_bind_int64(st, 4, f.px);
        sqlite3_bind_int64(st, 5, f.cost);
        sqlite3_bind_int64(st, 6, f.fee);
        sqlite3_bind_int64(st, 7, f.t);
        return step_done(st);
    }
    case IT_SEEN: {
        struct seen_item k;
        memcpy(&k, p, sizeof k);
        sqlite3_stmt *st = s->st[ST_SEEN];
        bind_text(st, 1, (const char *)p + sizeof k, k.klen);
        sqlite3_bind_int64(st, 2, k.t);
        return step_done(st);
    }
    case IT_CKPT: {
        struct ckpt_item k;
        memcpy(&k, p, sizeof k);
        const char *w = (const char *)p + sizeof k;
        sqlite3_stmt *st = s->st[ST_CKPT];
        bind_text(st, 1, w, k.wlen);
        bind_text(st, 2, w + k.wlen, k.vlen);
        sqlite3_bind_int64(st, 3, k.t);
        return step_done(st);
    }
    case IT_ORDER:
        return apply_order(s, p);
    case IT_TRADE: {
        struct trade_item k;
        memcpy(&k, p, sizeof k);
        const char *c = (const char *)p + sizeof k;
        sqlite3_stmt *st = s->st[ST_TRADE];
        bind_text(st, 1, c, k.clen);
        bind_text(st, 2, c + k.clen, k.tlen);
        bind_text(st, 3, c + k.clen + k.tlen, k.hlen);
        sqlite3_bind_text(
            st, 4, pmc_trade_status_name((enum pmc_trade_status)k.status), -1,
            SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, k.sz);
        sqlite3_bind_int64(st, 6, k.px);
        sqlite3_bind_int(st, 7, k.taker);
        bind_ms(st, 8, k.match_time);
        sqlite3_bind_int64(st, 9, k.t);
        return step_done(st);
    }
    case IT_FILL_FAILED: {
        struct fill_item f;
        memcpy(&f, p, sizeof f);
        return apply_failed(s, (const char *)p + sizeof f, f.clen, &f);
    }
    case IT_OSRC: {
        struct osrc_item k;
        memcpy(&k, p, sizeof k);
        const char *coid = (const char *)p + sizeof k;
        sqlite3_stmt *st = s->st[ST_ORDER_TRADER];
        bind_text(st, 1, coid, k.clen);
        bind_text(st, 2, coid + k.clen, k.tlen);
        sqlite3_bind_int64(st, 3, k.share);
        if (step_done(st) < 0)
            return -1;
        st = s->st[ST_TRADER_NEW];
        bind_text(st, 1, coid + k.clen, k.tlen);
        sqlite3_bind_int64(st, 2, pmc_floor_div(k.ts_decided, PMC_MS_PER_DAY));
        sqlite3_bind_int64(st, 3,
                           pmc_muldiv_floor(k.notional, k.share, PMC_MICRO));
        sqlite3_bind_int64(st, 4, k.ts_decided);
        return step_done(st);
    }
    case IT_MARK: {
        struct mark_item m;
        memcpy(&m, p, sizeof m);
        return put_mark(s, (const char *)p + sizeof m, m.tlen, m.px, m.resolved,
                        m.t);
    }
    default:
        set_err(s, "ring: unknown item type %u", h->type);
        return -2;
    }
}

/* The row of a new order from its ring item (see pmc_store_order_new). */
static int apply_order(struct pmc_store *s, const unsigned char *p)
{
    struct order_item o;
    memcpy(&o, p, sizeof o);
    const char *coid = (const char *)p + sizeof o;
    const char *token = coid + o.clen, *keys = token + o.tlen;
    const char *traders = keys + o.klen, *body = traders + o.trlen;
    const char *hash = body + o.blen;
    sqlite3_stmt *st = s->st[ST_ORDER];
    bind_text(st, 1, coid, o.clen);
    bind_text(st, 2, token, o.tlen);
    sqlite3_bind_text(st, 3, pmc_side_name((enum pmc_side)o.side), -1,
                      SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, o.px);
    sqlite3_bind_int64(st, 5, o.sz);
    sqlite3_bind_text(st, 6, pmc_tif_name((enum pmc_tif)o.tif), -1,
                      SQLITE_STATIC);
    bind_text(st, 7, keys, o.klen);
    bind_text(st, 8, traders, o.trlen);
    if (o.has_body)
        bind_text(st, 9, body, o.blen);
    else
        sqlite3_bind_null(st, 9);
    if (o.has_hash)
        bind_text(st, 10, hash, o.hlen);
    else
        sqlite3_bind_null(st, 10);
    bind_ms(st, 11, o.ts_source);
    bind_ms(st, 12, o.ts_recv);
    bind_ms(st, 13, o.ts_decided);
    bind_ms(st, 14, o.ts_submitted);
    sqlite3_bind_int64(st, 15, (sqlite3_int64)o.seq);
    return step_done(st) < 0 ? -1 : 0;
}

/* Remember in the database the last item applied (so that replaying the
 * order log after a crash applies nothing twice). Inside a transaction. */
int put_lsn(struct pmc_store *s, uint64_t lsn)
{
    sqlite3_stmt *st = s->st[ST_META];
    sqlite3_bind_int64(st, 1, (sqlite3_int64)lsn);
    return step_done(st);
}

/* A failed venue trade of f->sz shares at f->px: the fill of the order it
 * was (or was part of) loses it, as the core's pmc__on_failed (core/failed.c) does: all that is
 * left of the fill (failed_t set; the trigger updates the order), or a
 * part: its own sz x px of the cost (at most what is left), its share of
 * the fee (floored, of what is left), off the row and the order. No
 * matching fill (a report the core refused too): nothing. */
static int apply_failed(struct pmc_store *s, const char *coid, size_t cn,
                        const struct fill_item *f)
{
    sqlite3_stmt *st = s->st[ST_FILL_FAILED_FIND];
    bind_text(st, 1, coid, cn);
    sqlite3_bind_int64(st, 2, f->sz);
    sqlite3_bind_int64(st, 3, f->px);
    int rc = sqlite3_step(st);
    int64_t id = 0;
    pmc_micros sz = 0, cost = 0, fee = 0;
    if (rc == SQLITE_ROW) {
        id = sqlite3_column_int64(st, 0);
        sz = sqlite3_column_int64(st, 1);
        cost = sqlite3_column_int64(st, 2);
        fee = sqlite3_column_int64(st, 3);
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE ? 0 : -1;
    if (f->sz <= 0)
        return 0;
    if (f->sz >= sz) {
        st = s->st[ST_FILL_FAILED];
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, f->t);
        return step_done(st);
    }
    pmc_micros usd = pmc_mul(f->sz, f->px);
    usd = usd < 0 ? 0 : usd < cost ? usd : cost;
    pmc_micros pfee = pmc_muldiv_floor(fee, f->sz, sz);
    st = s->st[ST_FILL_PART];
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, f->sz);
    sqlite3_bind_int64(st, 3, usd);
    sqlite3_bind_int64(st, 4, pfee);
    if (step_done(st) < 0)
        return -1;
    st = s->st[ST_ORDER_PART];
    bind_text(st, 1, coid, cn);
    sqlite3_bind_int64(st, 2, f->sz);
    sqlite3_bind_int64(st, 3, usd);
    sqlite3_bind_int64(st, 4, pfee);
    return step_done(st);
}
