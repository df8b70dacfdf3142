/* live/exec/user.c - what the CLOB user channel (reference 5.2) and the
 * GET /data/trades answers mean for our orders and their trades.
 *
 * Decides: which of our orders an event is about (the order hash of a
 * resting order, or of a fill in the ledger), the fills an order event
 * adds, the status of each trade, when a trade is a fill the core has not
 * had yet, and when a failed trade is reported as PMC_EXEC_FAILED; after a
 * time the channel was down, when to read GET /data/trades, from when and
 * how many pages (the reconcile's table below). Never owns the connection
 * (userws.c) or writes a request (transport.c), never reads a clock, never
 * decodes bytes (proto/wire/clob_user.h).
 *
 * A trade of one of our orders, in the ledger:
 *
 *  #  from        on                                  to
 *  1  -           leg of a resting order, not counted  status; FILL now
 *                 in a reported fill                   (counted)
 *  2  -           leg counted in a reported fill       status (counted)
 *  3  -           leg while the order's POST answer    status, pending:
 *                 is out                               the answer counts it
 *  4  -           leg of a final order, not counted    status; shares
 *                                                      reported as unreported
 *  5  MATCHED,    MINED, CONFIRMED, RETRYING           the new status
 *     MINED,
 *     RETRYING
 *  6  any but     FAILED                               FAILED; counted: one
 *     CONFIRMED                                        PMC_EXEC_FAILED per
 *                                                      fill part it is in
 *  7  CONFIRMED,  any                                  unchanged (final)
 *     FAILED
 *
 * Every status change goes to the trade hook (the store). */
#include <inttypes.h>
#include <string.h>

#include "live/exec/clob_int.h"

static struct order *order_by_hash(struct pmc_clob *x, const char *hash)
{
    for (uint32_t i = 0; i < x->cfg.max_orders && x->nused; i++) {
        struct order *o = &x->orders[i];
        if (o->used && o->hash[0] && strcmp(o->hash, hash) == 0)
            return o;
    }
    return NULL;
}

static enum pmc_err on_order(void *ctx, const struct pmc_user_order *e)
{
    struct pmc_clob *x = ctx;
    struct order *o = order_by_hash(x, e->id.s);
    if (!o || o->r.active || (o->phase != P_LIVE && o->phase != P_CANCEL))
        return PMC_OK; /* not ours, or its own request will tell */
    struct pmc_clob_order_ans a;
    memset(&a, 0, sizeof a);
    a.found = 1;
    a.status = e->status;
    memcpy(a.status_text, e->status_text, sizeof a.status_text);
    a.size_matched = e->size_matched >= 0 ? e->size_matched : o->filled;
    a.price = e->price;
    a.original_size = e->original_size;
    if (e->status == PMC_CLOB_ST_NONE) { /* an update of fills only */
        a.status = o->delayed ? PMC_CLOB_ST_DELAYED : PMC_CLOB_ST_LIVE;
        snprintf(a.status_text, sizeof a.status_text, "%s",
                 o->delayed ? "delayed" : "live");
    }
    int cancelling = o->phase == P_CANCEL;
    pmc__fsm_apply_order(x, o, &a);
    if (o->used && cancelling && o->phase == P_LIVE) /* DELETE still due */
        o->phase = P_CANCEL;
    return PMC_OK;
}

static void tell(struct pmc_clob *x, const struct trade *t, int taker,
                 pmc_ms match_time)
{
    x->st.trades[t->st < PMC_TRADE_STATUS_COUNT ? t->st : PMC_TRADE_OTHER]++;
    if (!x->h.trade)
        return;
    struct pmc_clob_trade ct;
    memset(&ct, 0, sizeof ct);
    ct.coid = t->coid;
    ct.trade_id = t->id;
    ct.order_hash = t->hash;
    ct.status = t->st;
    ct.shares = t->shares;
    ct.px = t->px;
    ct.taker = taker;
    ct.match_time = match_time;
    ct.t = x->now;
    ct.order_done = order_by_hash(x, t->hash) == NULL;
    for (uint32_t i = 0; i < x->led_cap; i++) {
        const struct trade *u = &x->trades[i];
        if (u->used && strcmp(u->hash, t->hash) == 0 &&
            u->st != PMC_TRADE_CONFIRMED && u->st != PMC_TRADE_FAILED)
            ct.unsettled++;
    }
    x->h.trade(x->h.ctx, &ct);
}

/* A new trade of ours: count it in the fills reported, or report it. */
static void count_new(struct pmc_clob *x, struct trade *t, struct order *o,
                      enum pmc_trade_status st)
{
    pmc_micros need = pmc__led_count(x, t, t->shares);
    t->counted = t->nparts > 0;
    if (need <= 0 || st == PMC_TRADE_FAILED)
        return;
    if (o && (o->phase == P_LIVE || o->phase == P_CANCEL)) {
        pmc_micros room = o->sz - o->filled;
        pmc_micros add = need < room ? need : room;
        if (add > 0) {
            x->led_direct = 1; /* this trade is the fill's, no other */
            pmc__emit(x, &o->coid, o->hash, PMC_EXEC_FILL, add, t->px, "");
            x->led_direct = 0;
            o->filled += add;
            x->last_chunk->left -= add;
            t->part_sz[t->nparts] = add;
            t->nparts++;
            t->counted = 1;
            need -= add;
        }
    } else if (o) { /* its POST answer (or look-up) is still to come */
        t->pending = 1;
        return;
    }
    if (need > 0) {
        x->st.legs_unreported++;
        pmc__note(x,
                  "trade %s of order %s: %" PRId64 " micro-shares beyond the "
                  "fills reported for the order; not reported",
                  t->id.s, t->coid.s, need);
    }
}

static enum pmc_err on_leg(void *ctx, const struct pmc_user_leg *l)
{
    struct pmc_clob *x = ctx;
    struct trade *t = pmc__led_trade(x, &l->trade_id, l->order_id.s, 0);
    struct order *o = order_by_hash(x, l->order_id.s);
    if (!t) {
        const struct pmc_sym *coid =
            o ? &o->coid : pmc__led_coid_of(x, l->order_id.s);
        if (!coid)
            return PMC_OK; /* another party's order */
        t = pmc__led_trade(x, &l->trade_id, l->order_id.s, 1);
        t->coid = *coid;
        t->shares = l->shares;
        t->px = l->price;
        t->first_t = x->now;
        count_new(x, t, o, l->status);
    }
    if (t->st == l->status || t->st == PMC_TRADE_CONFIRMED ||
        t->st == PMC_TRADE_FAILED)
        return PMC_OK; /* nothing new, or final */
    t->st = l->status;
    t->last_t = x->now;
    tell(x, t, l->taker, l->match_time);
    if (t->st == PMC_TRADE_FAILED && t->seeded) {
        x->st.trades_failed_unapplied++;
        pmc__note(x,
                  "error: trade %s of order %s, from a run before the "
                  "restart, failed at the venue (%" PRId64
                  " micro-shares at %" PRId64
                  " micro-USD): not taken back, the fill report it was "
                  "counted in is not known; the position of the order's "
                  "token may be overstated",
                  t->id.s, t->coid.s, t->shares, t->px);
    } else if (t->st == PMC_TRADE_FAILED)
        pmc__note(x,
                  "trade %s of order %s failed at the venue (%" PRId64
                  " micro-shares at %" PRId64 " micro-USD)",
                  t->id.s, t->coid.s, t->shares, t->px);
    return PMC_OK;
}

/* Report the failed trades that are counted in fills the core has. */
void pmc__user_settle(struct pmc_clob *x)
{
    for (uint32_t i = 0; i < x->led_cap; i++) {
        struct trade *t = &x->trades[i];
        if (!t->used || t->st != PMC_TRADE_FAILED || !t->counted)
            continue;
        struct order *o = order_by_hash(x, t->hash);
        for (uint32_t k = 0; k < t->nparts; k++) {
            /* the trade's own price: the part of a fill that walked
             * several levels comes off at what it cost (core/engine.c) */
            pmc__emit(x, &t->coid, t->hash, PMC_EXEC_FAILED, t->part_sz[k],
                      t->px, "trade_failed");
            if (o) /* still open: its final cancel covers these again */
                o->failed += t->part_sz[k];
        }
        t->counted = 0;
        t->nparts = 0;
    }
}

static void sink_init(struct pmc_clob *x, struct pmc_user_sink *s)
{
    memset(s, 0, sizeof *s);
    s->ctx = x;
    s->order = on_order;
    s->leg = on_leg;
}

enum pmc_err pmc_clob_user_feed(struct pmc_clob *x, const char *buf, size_t n,
                                pmc_ms now, struct pmc_wire_err *err)
{
    if (now > x->now)
        x->now = now;
    struct pmc_user_sink s;
    sink_init(x, &s);
    x->st.user_frames++;
    enum pmc_err e = pmc_clob_user_frame(buf, n, &s, err);
    if (e != PMC_OK)
        x->st.user_errors++;
    pmc__user_settle(x);
    return e;
}

enum pmc_err pmc_clob_user_trades_feed(struct pmc_clob *x, const char *buf,
                                       size_t n, pmc_ms now, char *next_cursor,
                                       size_t cap, struct pmc_wire_err *err)
{
    if (now > x->now)
        x->now = now;
    struct pmc_user_sink s;
    sink_init(x, &s);
    enum pmc_err e = pmc_clob_user_trades(buf, n, &s, next_cursor, cap, err);
    if (e != PMC_OK)
        x->st.user_errors++;
    pmc__user_settle(x);
    return e;
}

/* ---- the reconcile through GET /data/trades ------------------------------
 *
 *  from      on                                   to
 *  idle      channel up after a time down         due (page 1, since)
 *  due       page answered, next_cursor, pages    due (next page)
 *            < trades_pages
 *  due       page answered, no cursor / "LTE="    idle (done, logged)
 *  due       page answered, cursor, pages =       idle (capped: logged,
 *            trades_pages                         counted)
 *  due       no answer / not 200, tries left      due (same page later)
 *  due       answer over TRADES_RESP_MAX, not     idle (error: logged,
 *            read, tries spent                    counted)
 *  due       channel up again meanwhile           due (page 1, earliest
 *                                                 since of both) */

static void recon_start(struct pmc_clob *x)
{
    pmc_ms since = x->down_at - RECON_MARGIN_MS;
    for (uint32_t i = 0; i < x->led_cap; i++) {
        const struct trade *t = &x->trades[i];
        if (t->used && t->st != PMC_TRADE_CONFIRMED &&
            t->st != PMC_TRADE_FAILED && t->first_t - RECON_MARGIN_MS < since)
            since = t->first_t - RECON_MARGIN_MS;
    }
    if (x->recon_due && x->recon_since < since)
        since = x->recon_since; /* one under way: the earlier start */
    x->recon_since = since > 0 ? since : 0;
    x->recon_cursor[0] = '\0';
    x->recon_pages = 0;
    x->recon_tries = 0;
    x->recon_at = x->now;
    if (!x->recon_due)
        x->st.recon_runs++;
    x->recon_due = 1;
    x->recon_again = x->trades_r.active; /* its answer: then from page 1 */
}

void pmc__user_recon_service(struct pmc_clob *x)
{
    if (!x->recon_due || x->trades_r.active || x->now < x->recon_at)
        return;
    pmc_ms wait = 0;
    enum pmc_err e =
        pmc__tx_trades(x, x->recon_since / 1000, x->recon_cursor, &wait);
    if (e != PMC_OK) {
        x->recon_due = 0;
        x->st.recon_errors++;
        pmc__note(x, "reconcile: GET /data/trades not started (%s)",
                  pmc_strerror(e));
    } else if (wait > 0) {
        x->recon_at = x->now + wait;
    }
}

static void recon_fail(struct pmc_clob *x, const char *why)
{
    if (++x->recon_tries < RECON_TRIES) {
        x->recon_at = x->now + RECON_RETRY_MS;
        pmc__note(x,
                  "reconcile: GET /data/trades page %" PRIu32 ": %s; "
                  "again in %d ms",
                  x->recon_pages + 1, why, RECON_RETRY_MS);
        return;
    }
    x->recon_due = 0;
    x->st.recon_errors++;
    pmc__note(x,
              "reconcile: GET /data/trades page %" PRIu32 ": %s; "
              "stopped after %d tries (trades of the time the user channel "
              "was down may be unseen)",
              x->recon_pages + 1, why, RECON_TRIES);
}

void pmc__user_trades_done(struct pmc_clob *x, struct req *r,
                           const struct pmc__done *d)
{
    pmc__count(x, d->status);
    if (!x->recon_due)
        return;
    if (x->recon_again) { /* came up again: from the first page */
        x->recon_again = 0;
        x->recon_cursor[0] = '\0';
        x->recon_pages = 0;
        x->recon_tries = 0;
        x->recon_at = x->now;
        return;
    }
    char why[320];
    if (d->status == 0) {
        recon_fail(x, d->why ? d->why : "no answer");
        return;
    }
    if (d->status != 200) {
        snprintf(why, sizeof why, "HTTP %ld", d->status);
        recon_fail(x, why);
        return;
    }
    if (r->resp_over) {
        snprintf(why, sizeof why,
                 "answer over %u bytes (TRADES_RESP_MAX), not read",
                 TRADES_RESP_MAX);
        recon_fail(x, why);
        return;
    }
    struct pmc_wire_err err;
    memset(&err, 0, sizeof err);
    char cursor[RECON_CURSOR_MAX];
    enum pmc_err e = pmc_clob_user_trades_feed(x, r->big, r->resp_len, x->now,
                                               cursor, sizeof cursor, &err);
    if (e != PMC_OK) {
        snprintf(why, sizeof why, "unreadable answer (row %zu: %s)", err.row,
                 err.msg);
        x->recon_tries = RECON_TRIES - 1; /* the same bytes again: no */
        recon_fail(x, why);
        return;
    }
    x->recon_pages++;
    x->recon_tries = 0;
    x->st.recon_pages++;
    if (strlen(cursor) >= sizeof cursor - 1) { /* cut: no such page */
        x->recon_due = 0;
        x->st.recon_errors++;
        pmc__note(x,
                  "reconcile: GET /data/trades page %" PRIu32 ": next_cursor "
                  "of %d bytes or more (RECON_CURSOR_MAX), not followed; "
                  "stopped",
                  x->recon_pages, RECON_CURSOR_MAX - 1);
        return;
    }
    if (!cursor[0] || strcmp(cursor, "LTE=") == 0) {
        x->recon_due = 0;
        pmc__note(x, "reconcile: GET /data/trades read, %" PRIu32 " page%s",
                  x->recon_pages, x->recon_pages == 1 ? "" : "s");
        return;
    }
    if (x->recon_pages >= x->cfg.trades_pages) {
        x->recon_due = 0;
        x->st.recon_capped++;
        pmc__note(x,
                  "reconcile: GET /data/trades stopped at trades_pages = "
                  "%" PRIu32 " pages with more due (next_cursor %s): older "
                  "trades of the time the user channel was down may be "
                  "unseen",
                  x->cfg.trades_pages, cursor);
        return;
    }
    snprintf(x->recon_cursor, sizeof x->recon_cursor, "%s", cursor);
    x->recon_at = x->now;
}

enum pmc_err pmc_clob_trade_seed(struct pmc_clob *x, const struct pmc_sym *coid,
                                 const char *order_hash,
                                 const struct pmc_sym *trade_id,
                                 enum pmc_trade_status status, pmc_micros sz,
                                 pmc_micros px, pmc_ms first_t)
{
    if (!coid->n || !trade_id->n || !order_hash || !order_hash[0] ||
        strlen(order_hash) >= HASH_STR)
        return PMC_EPARSE;
    if (pmc__led_trade(x, trade_id, order_hash, 0))
        return PMC_OK;
    struct trade *t = pmc__led_trade(x, trade_id, order_hash, 1);
    t->coid = *coid;
    t->st = status;
    t->shares = sz;
    t->px = px;
    t->first_t = t->last_t = first_t;
    t->seeded = 1;
    x->st.trades_seeded++;
    /* the channel's first up reads GET /data/trades from before it */
    if (!x->down_at)
        x->down_at = x->now;
    return PMC_OK;
}

void pmc_clob_user_link(struct pmc_clob *x, int up, pmc_ms now)
{
    if (now > x->now)
        x->now = now;
    up = up != 0;
    if (up == x->user_up)
        return;
    x->user_up = up;
    x->st.user_up = up;
    if (!up) {
        x->st.user_drops++;
        x->down_at = x->now;
        pmc__note(x, "user channel down: resting orders are looked up by "
                     "hash every poll_open_ms");
    } else {
        x->st.user_connects++;
        pmc__note(x,
                  "user channel up: looking up every resting order by "
                  "hash once%s (reconcile)",
                  x->down_at ? " and reading GET /data/trades" : "");
        if (x->down_at)
            recon_start(x);
    }
    /* either way every resting order is looked up now: going up, what
     * happened while it was down; going down, polling takes over */
    for (uint32_t i = 0; i < x->cfg.max_orders && x->nused; i++) {
        struct order *o = &x->orders[i];
        if (o->used && o->phase == P_LIVE && !o->r.active)
            o->next_at = x->now;
    }
}

size_t pmc_clob_user_subscribe_msg(const struct pmc_clob *x, char *out,
                                   size_t cap)
{
    return pmc_clob_user_subscribe(x->api.key, x->api.secret, x->api.passphrase,
                                   NULL, 0, out, cap);
}
