/* live/orders.c - an order action on its way from the core to the venue,
 * and the venue's answers on their way to the store.
 *
 * Decides: that an order is committed to the store (with every source
 * fill behind it) before the venue may send it; that an order the store
 * already knows is never sent again; that an order decided longer ago than
 * restart_stale_ms is not sent (the core hears "not_sent_late"); what each
 * exec answer does to the order's row; the order's stage times.
 * Never: decides what to trade (the core does), reads the loop's clock
 * (it gets L->now), or feeds the core directly (answers go through the
 * inbox). */
#include "live/loop_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/dec.h"
#include "live/clock.h"
#include "live/killpoint.h"

/* ---- latency bookkeeping ------------------------------------------------- */

static struct lat_slot *lat_slot(struct live *L, const struct pmc_sym *coid)
{
    return &L->lat[coid->h % LAT_SLOTS];
}

void pmc_live_on_wire(void *ctx, const struct pmc_sym *coid, size_t nbytes)
{
    struct live *L = ctx;
    (void)nbytes;
    struct lat_slot *s = lat_slot(L, coid);
    if (s->h != coid->h || !s->frame_ns)
        return;
    int64_t t = pmc_clock_mono_ns();
    pmc_hist_add(&L->h_frame_to_wire_us, (t - s->frame_ns) / 1000);
    pmc_hist_add(&L->h_decide_to_wire_us, (t - s->decide_ns) / 1000);
    s->frame_ns = 0; /* first write of the first attempt only */
}

/* ---- venue answers -------------------------------------------------------- */

void pmc_live_store_exec(struct live *L, const struct pmc_record *r)
{
    if (!L->store)
        return;
    const struct pmc_exec *x = &r->u.exec;
    enum pmc_err e = PMC_OK;
    switch (x->status) {
    case PMC_EXEC_ACK:
        e = pmc_store_order_update(L->store, x->coid.s, PMC_OS_ACKED, NULL,
                                   NULL, r->t);
        break;
    case PMC_EXEC_FILL:
        e = pmc_store_fill(L->store, x->coid.s, NULL, x->sz, x->px, x->fee,
                           r->t);
        break;
    case PMC_EXEC_REJECT:
        e = pmc_store_order_update(L->store, x->coid.s, PMC_OS_REJECTED, NULL,
                                   x->reason[0] ? x->reason : NULL, r->t);
        break;
    case PMC_EXEC_CANCEL: {
        enum pmc_order_status st;
        if (pmc_store_order_known(L->store, x->coid.s, &st) &&
            st != PMC_OS_MATCHED)
            e = pmc_store_order_update(L->store, x->coid.s, PMC_OS_CANCELLED,
                                       NULL, x->reason[0] ? x->reason : NULL,
                                       r->t);
        break;
    }
    case PMC_EXEC_FAILED:
        e = pmc_store_fill_failed(L->store, x->coid.s, x->sz, x->px, r->t);
        break;
    }
    /* an unknown coid (an order never sent) or a late duplicate report is
     * not a store failure; any other error is */
    if (e != PMC_OK && e != PMC_ENOTFOUND && e != PMC_ESTATE)
        pmc_live_fail(L, "store", pmc_store_errmsg(L->store));
}

/* A venue trade of one of our orders changed status (live/exec/user.c):
 * its row in the store; the order is confirmed (a position) once it is
 * over at the venue and every trade of it is CONFIRMED. */
void pmc_live_on_trade(void *ctx, const struct pmc_clob_trade *t)
{
    struct live *L = ctx;
    char q[160];
    pmc_live_log(L,
                 "level=info event=trade coid=%s trade=%s status=%s sz=%lld "
                 "px=%lld",
                 pmc_live_q(q, sizeof q, t->coid.s), t->trade_id.s,
                 pmc_trade_status_name(t->status), (long long)t->shares,
                 (long long)t->px);
    if (!L->store)
        return;
    enum pmc_err e = pmc_store_trade(L->store, t->coid.s, t->trade_id.s,
                                     t->order_hash, (int)t->status, t->shares,
                                     t->px, t->taker, t->match_time, t->t);
    enum pmc_order_status st;
    if (e == PMC_OK && t->status == PMC_TRADE_CONFIRMED && t->order_done &&
        t->unsettled == 0 && pmc_store_order_known(L->store, t->coid.s, &st) &&
        st == PMC_OS_MATCHED)
        e = pmc_store_order_update(L->store, t->coid.s, PMC_OS_CONFIRMED, NULL,
                                   NULL, t->t);
    if (e != PMC_OK && e != PMC_ENOTFOUND && e != PMC_ESTATE)
        pmc_live_fail(L, "store", pmc_store_errmsg(L->store));
}

/* Venue callbacks (paper or CLOB): queue for the core. */
void pmc_live_venue_emit(void *ctx, struct pmc_record *rec)
{
    struct live *L = ctx;
    if (rec->kind == PMC_K_KILL && !rec->u.kill.by_core) {
        char q[sizeof rec->u.kill.reason + 8];
        pmc_live_log(L, "level=error event=venue_stop reason=%s",
                     pmc_live_q(q, sizeof q, rec->u.kill.reason));
    }
    pmc_live_push(L, rec);
}

/* ---- actions ------------------------------------------------------------- */

/* Join the fills' traders for the store (shares by scaled size); src has
 * room for one per fill, so no trader is ever left out. */
static void order_sources(const struct pmc_order_act *o,
                          const struct pmc_config *cfg,
                          struct pmc_store_src *src, size_t *nsrc)
{
    *nsrc = 0;
    pmc_micros total = 0;
    for (uint32_t i = 0; i < o->nfills; i++)
        total += o->fills[i].sz;
    for (uint32_t i = 0; i < o->nfills && total > 0; i++) {
        const char *tr = cfg->traders[o->fills[i].trader].address.s;
        size_t j = 0;
        while (j < *nsrc && strcmp(src[j].trader, tr))
            j++;
        if (j == *nsrc) {
            src[j].trader = tr;
            src[j].share = 0;
            (*nsrc)++;
        }
        src[j].share += pmc_muldiv_floor(o->fills[i].sz, PMC_MICRO, total);
    }
}

/* The traders behind an order, comma-separated without repeats (a list
 * too long for the line ends in ",..."). */
static void order_traders(struct live *L, const struct pmc_order_act *o,
                          char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = '\0';
    for (uint32_t i = 0; i < o->nfills; i++) {
        uint32_t t = o->fills[i].trader;
        uint32_t j = 0;
        while (j < i && o->fills[j].trader != t)
            j++;
        if (j < i || t >= L->cfg.ntraders)
            continue;
        const char *a = L->cfg.traders[t].address.s;
        if (n + strlen(a) + 5 >= cap) {
            snprintf(buf + n, cap - n, "%s...", n ? "," : "");
            return;
        }
        n += (size_t)snprintf(buf + n, cap - n, "%s%s", n ? "," : "", a);
    }
    if (!n)
        snprintf(buf, cap, "-");
}

/* A skip at debug, with the trader and price of the skipped fill (the
 * fill being decided, else the recent fills' table). */
static void log_skip(struct live *L, const struct pmc_record *a)
{
    if (L->o.log_level > PMC_LOG_DEBUG)
        return;
    const struct pmc_skip_act *k = &a->u.skip;
    const struct filltime *ft = &L->ft[k->key.h % FILLTIME_SLOTS];
    char key[PMC_SYM_MAX + 8], px[32] = "-";
    const char *trader = "-";
    if (L->cur && L->cur->kind == PMC_K_FILL &&
        pmc_sym_eq(&L->cur->u.fill.key, &k->key)) {
        pmc_dec_format(L->cur->u.fill.px, px);
        trader = L->cur->u.fill.trader.s;
    } else if (ft->h == k->key.h) {
        pmc_dec_format(ft->px, px);
        if (ft->trader >= 0 && (uint32_t)ft->trader < L->cfg.ntraders)
            trader = L->cfg.traders[ft->trader].address.s;
    }
    pmc_live_log(L,
                 "level=debug event=skip reason=%s key=%s trader=%s "
                 "src_px=%s",
                 pmc_skip_name(k->reason),
                 pmc_live_q(key, sizeof key, k->key.s), trader, px);
}

static void submit_order(struct live *L, const struct pmc_record *a)
{
    const struct pmc_order_act *o = &a->u.order;
    if (L->store && pmc_store_order_known(L->store, o->coid.s, NULL)) {
        /* sent (or at least committed) by an earlier run: reconciled at
         * start, never sent again */
        L->orders_known++;
        return;
    }
    if (L->now - a->t > L->o.restart_stale_ms) {
        L->orders_not_sent++;
        pmc_live_log(L,
                     "level=warn event=order_not_sent coid=%s reason=late "
                     "decided=%lld age_ms=%lld",
                     o->coid.s, (long long)a->t, (long long)(L->now - a->t));
        pmc_live_exec_input(L, &o->coid, PMC_EXEC_CANCEL, "not_sent_late");
        return;
    }
    struct lat_slot *s = lat_slot(L, &o->coid);
    s->h = o->coid.h;
    s->frame_ns = L->cur_frame_ns;
    s->decide_ns = pmc_clock_mono_ns();
    if (L->cur && L->cur->kind == PMC_K_FILL)
        pmc_hist_add(&L->h_frame_to_decide_us,
                     (s->decide_ns - L->cur_frame_ns) / 1000);
    struct pmc_pending_order *p;
    enum pmc_err pe = pmc_pending_put(&L->pend, a, &p);
    if (pe != PMC_OK) {
        char d[256];
        snprintf(d, sizeof d, "order %s: %s (%u orders await the executor)",
                 o->coid.s, pmc_strerror(pe), L->pend.n);
        pmc_live_fail(L, "pending orders", d);
        return;
    }
    if (o->nfills) {
        /* the stage times of the first source fill behind the order */
        const struct filltime *ft = &L->ft[o->fills[0].key.h % FILLTIME_SLOTS];
        if (ft->h == o->fills[0].key.h) {
            p->ts_source = ft->ts;
            p->ts_recv = ft->recv;
        }
    }
    if (L->paper && L->store) {
        /* paper orders are committed here; CLOB orders in the executor's
         * journal_order hook, with their signed body */
        if (pmc_live_journal_order(L, &o->coid, NULL, 0, NULL) != PMC_OK)
            return;
    }
    L->orders_sent++;
    enum pmc_err e = L->venue.submit(L->venue.self, a, L->now);
    if (L->paper) {
        pmc_live_on_wire(L, &o->coid, 0);
    }
    if (L->paper || e != PMC_OK)
        pmc_pending_del(&L->pend, &o->coid); /* journaled, or never will be */
    if (e != PMC_OK) {
        pmc_live_log(L, "level=error event=order_refused coid=%s err=\"%s\"",
                     o->coid.s, pmc_strerror(e));
        pmc_live_exec_input(L, &o->coid, PMC_EXEC_REJECT, "venue_error");
    } else if (!L->o.quiet) {
        char sz[32], px[32], ref[32], src_px[32], traders[400];
        pmc_dec_format(o->sz, sz);
        pmc_dec_format(o->px, px);
        pmc_dec_format(o->ref, ref);
        pmc_dec_format(o->nfills ? o->fills[0].px : 0, src_px);
        order_traders(L, o, traders, sizeof traders);
        pmc_live_log(L,
                     "level=info event=order coid=%s side=%s sz=%s limit=%s "
                     "token=%s fills=%u trader=%s src_px=%s ref_px=%s",
                     o->coid.s, pmc_side_name(o->side), sz, px, o->token.s,
                     o->nfills, traders, src_px, ref);
    }
}

enum pmc_err pmc_live_on_action(void *ctx, const struct pmc_record *a)
{
    struct live *L = ctx;
    if (L->rebuilding)
        return pmc_live_rebuild_action(L, a);
    if (L->store) {
        enum pmc_err e = pmc_store_journal(L->store, a, NULL);
        if (e != PMC_OK) {
            pmc_live_fail(L, "store", pmc_store_errmsg(L->store));
            return e;
        }
    }
    pmc_live_control_note(L, a);
    if (a->kind == PMC_K_SKIP)
        log_skip(L, a);
    return PMC_OK;
}

/* The driver's venue port: an order action, journaled just before by
 * on_action, goes to submit_order (never while rebuilding). */
enum pmc_err pmc_live_on_order(void *self, const struct pmc_record *a,
                               pmc_ms now)
{
    struct live *L = self;
    (void)now;
    if (!L->rebuilding)
        submit_order(L, a);
    return PMC_OK;
}

/* The order is committed with every record queued before it before the
 * executor (or the paper venue) may send it. */
enum pmc_err pmc_live_journal_order(void *ctx, const struct pmc_sym *coid,
                                    const char *body, size_t body_len,
                                    const char *order_hash)
{
    struct live *L = ctx;
    (void)body_len;
    if (!L->store) {
        pmc_pending_del(&L->pend, coid);
        return PMC_OK;
    }
    if (pmc_store_order_known(L->store, coid->s, NULL)) {
        pmc_pending_del(&L->pend, coid);
        /* re-signed after a tick change: the first body stays on record */
        pmc_live_log(L, "level=info event=order_resigned coid=%s hash=%s",
                     coid->s, order_hash ? order_hash : "-");
        return PMC_OK;
    }
    struct pmc_pending_order *p = pmc_pending_get(&L->pend, coid);
    if (!p) {
        char d[200];
        snprintf(d, sizeof d,
                 "order %s is not among the orders awaiting "
                 "the executor",
                 coid->s);
        pmc_live_fail(L, "journal", d);
        return PMC_ESTATE;
    }
    const struct pmc_order_act *o = &p->a.u.order;
    /* every source fill's key and trader, however many */
    size_t kcap = 1;
    for (uint32_t i = 0; i < o->nfills; i++)
        kcap += o->fills[i].key.n + 1;
    char *keys = malloc(kcap);
    struct pmc_store_src *src = calloc(o->nfills ? o->nfills : 1, sizeof *src);
    if (!keys || !src) {
        free(keys);
        free(src);
        pmc_live_fail(L, "out of memory", "journal");
        return PMC_ENOMEM;
    }
    size_t k = 0, nsrc = 0;
    for (uint32_t i = 0; i < o->nfills; i++) {
        if (i)
            keys[k++] = ',';
        memcpy(keys + k, o->fills[i].key.s, o->fills[i].key.n);
        k += o->fills[i].key.n;
    }
    keys[k] = '\0';
    order_sources(o, &L->cfg, src, &nsrc);
    struct pmc_store_order so;
    memset(&so, 0, sizeof so);
    so.coid = coid->s;
    so.token = o->token.s;
    so.side = o->side;
    so.tif = o->tif;
    so.px = o->px;
    so.sz = o->sz;
    so.ts_decided = p->a.t;
    so.ts_source = p->ts_source;
    so.ts_recv = p->ts_recv;
    so.keys = keys;
    so.src = src;
    so.nsrc = nsrc;
    so.signed_body = body;
    so.order_hash = order_hash;
    so.ts_submitted = L->now;
    int64_t t0 = pmc_clock_mono_ns();
    enum pmc_err e = pmc_store_order_new(L->store, &so);
    pmc_hist_add(&L->h_commit_us, (pmc_clock_mono_ns() - t0) / 1000);
    free(keys);
    free(src);
    if (e == PMC_OK || e == PMC_ESTATE)
        pmc_pending_del(&L->pend, coid);
    if (e != PMC_OK && e != PMC_ESTATE) {
        pmc_live_fail(L, "store", pmc_store_errmsg(L->store));
        return e;
    }
    if (e == PMC_OK)
        pmc_killpoint(PMC_KP_DURABLE); /* durable, not handed to the venue */
    return PMC_OK;
}
