/* live/loop.c - the live event loop (see loop.h and docs/live.md).
 *
 * Decides: the order in which records reach the core (one inbox, FIFO,
 * each stamped with the loop's `now` when taken), when timers fire, what
 * is journaled before what (an order is committed before it is sent), what
 * happens to orders found at restart, and how the process stops.
 * Never: decides what to trade (the core does), reads the clock anywhere
 * but at the top of a pass (through live/clock.c), sends an order the
 * store has not committed, or sends an order twice. */
#include "live/loop.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "proto/config_load.h"
#include "core/driver.h"
#include "core/dec.h"
#include "core/tape.h"
#include "live/api.h"
#include "live/clock.h"
#include "live/inbox.h"
#include "live/exec/clob.h"
#include "live/metrics.h"
#include "live/paper.h"
#include "live/pending.h"
#include "live/store.h"
#include "live/watch/watch.h"

#define LAT_SLOTS 1024 /* coid -> receive time, for the latency histogram */

struct lat_slot {
    uint64_t h;
    int64_t frame_ns;  /* when the triggering frame was received */
    int64_t decide_ns; /* when the core emitted the order */
};

/* When each recent source fill happened and reached us, by key hash, for
 * the stage times of the order that copies it. */
#define FILLTIME_SLOTS 4096
struct filltime {
    uint64_t h;
    pmc_ms ts, recv;
};

struct live {
    struct pmc_config cfg;
    struct filltime ft[FILLTIME_SLOTS];
    struct pmc_pending pend; /* orders awaiting their journal entry */
    struct pmc_live_opts o;
    struct pmc_driver drv;
    void *drv_mem;
    struct pmc_source src; /* the inbox as the driver's input port */
    struct pmc_venue to_venue; /* the driver's venue: submit_order */
    struct pmc_store *store;
    struct pmc_watch *watch;
    struct pmc_clob *clob;
    struct pmc_paper *paper;
    struct pmc_venue venue;
    struct pmc_api *api;
    struct pmc_inbox in;
    pmc_ms now;
    int64_t cur_frame_ns; /* receive time of the record being processed */
    const struct pmc_record *cur; /* the input being processed */
    int rebuilding; /* replaying the journal: actions are counted, not acted
                       on (rebuild() feeds the driver directly, so only
                       on_action sees this) */
    int failed;
    char *err;
    size_t errcap;
    /* orders the rebuilt engine emitted (coids), to settle after rebuild */
    struct pmc_sym *rebuilt;
    size_t nrebuilt, caprebuilt;
    uint64_t rebuild_inputs, rebuild_actions, rebuild_diverged;
    /* metrics */
    struct lat_slot lat[LAT_SLOTS];
    struct pmc_hist h_frame_to_wire_us, h_decide_to_wire_us,
        h_frame_to_decide_us, h_commit_us;
    uint64_t inputs, orders_sent, orders_not_sent, orders_known;
    pmc_ms started, last_ckpt;
};

/* ---- logging ------------------------------------------------------------- */

__attribute__((format(printf, 2, 3))) static void logf_(struct live *L,
                                                        const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    /* logfmt: one event per line, the client order id as correlation id */
    fprintf(stderr, "t=%lld %s\n", (long long)L->now, line);
}

static void fail_with(struct live *L, const char *what, const char *detail)
{
    if (!L->failed)
        snprintf(L->err, L->errcap, "%s%s%s", what, detail ? ": " : "",
                 detail ? detail : "");
    L->failed = 1;
}

/* ---- inbox --------------------------------------------------------------- */

/* A full inbox stops the loop with a clear error: the core has fallen
 * that far behind its feeds. */
static void inbox_push(struct live *L, const struct pmc_record *r)
{
    if (L->failed)
        return;
    if (pmc_inbox_push(&L->in, r, pmc_clock_mono_ns()) != PMC_OK) {
        char d[160];
        snprintf(d, sizeof d,
                 "full: %zu records wait for the core (a %s record "
                 "refused; raise the live inbox capacity)",
                 L->in.cap, pmc_kind_name(r->kind));
        fail_with(L, "inbox", d);
    }
}

static int inbox_pop(struct live *L, struct pmc_record *r, int64_t *mono)
{
    return pmc_inbox_pop(&L->in, r, mono);
}

/* ---- latency bookkeeping ------------------------------------------------- */

static struct lat_slot *lat_slot(struct live *L, const struct pmc_sym *coid)
{
    return &L->lat[coid->h % LAT_SLOTS];
}

static void on_wire(void *ctx, const struct pmc_sym *coid, size_t nbytes)
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

static void store_exec(struct live *L, const struct pmc_record *r)
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
    }
    /* an unknown coid (an order never sent) or a late duplicate report is
     * not a store failure; any other error is */
    if (e != PMC_OK && e != PMC_ENOTFOUND && e != PMC_ESTATE)
        fail_with(L, "store", pmc_store_errmsg(L->store));
}

/* Venue callbacks (paper or CLOB): queue for the core. */
static void venue_emit(void *ctx, struct pmc_record *rec)
{
    struct live *L = ctx;
    if (rec->kind == PMC_K_KILL && !rec->u.kill.by_core) {
        logf_(L, "level=error event=venue_stop reason=\"%s\"",
              rec->u.kill.reason);
    }
    inbox_push(L, rec);
}

static enum pmc_err clob_journal_order(void *ctx, const struct pmc_sym *coid,
                                       const char *body, size_t body_len,
                                       const char *order_hash);

/* ---- actions ------------------------------------------------------------- */

static void exec_input(struct live *L, const struct pmc_sym *coid,
                       enum pmc_exec_status st, const char *why)
{
    struct pmc_record r;
    memset(&r, 0, sizeof r);
    r.kind = PMC_K_EXEC;
    r.t = L->now;
    r.u.exec.coid = *coid;
    r.u.exec.status = st;
    snprintf(r.u.exec.reason, sizeof r.u.exec.reason, "%s", why);
    inbox_push(L, &r);
}

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
        logf_(L,
              "level=warn event=order_not_sent coid=%s reason=late "
              "decided=%lld age_ms=%lld",
              o->coid.s, (long long)a->t, (long long)(L->now - a->t));
        exec_input(L, &o->coid, PMC_EXEC_CANCEL, "not_sent_late");
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
        fail_with(L, "pending orders", d);
        return;
    }
    if (o->nfills) {
        /* the stage times of the first source fill behind the order */
        const struct filltime *ft =
            &L->ft[o->fills[0].key.h % FILLTIME_SLOTS];
        if (ft->h == o->fills[0].key.h) {
            p->ts_source = ft->ts;
            p->ts_recv = ft->recv;
        }
    }
    if (L->paper && L->store) {
        /* paper orders are committed here; CLOB orders in the executor's
         * journal_order hook, with their signed body */
        if (clob_journal_order(L, &o->coid, NULL, 0, NULL) != PMC_OK)
            return;
    }
    L->orders_sent++;
    enum pmc_err e = L->venue.submit(L->venue.self, a, L->now);
    if (L->paper) {
        on_wire(L, &o->coid, 0);
    }
    if (L->paper || e != PMC_OK)
        pmc_pending_del(&L->pend, &o->coid); /* journaled, or never will be */
    if (e != PMC_OK) {
        logf_(L, "level=error event=order_refused coid=%s err=\"%s\"",
              o->coid.s, pmc_strerror(e));
        exec_input(L, &o->coid, PMC_EXEC_REJECT, "venue_error");
    } else if (!L->o.quiet) {
        char sz[32], px[32];
        pmc_dec_format(o->sz, sz);
        pmc_dec_format(o->px, px);
        logf_(L,
              "level=info event=order coid=%s side=%s sz=%s limit=%s "
              "token=%s fills=%u",
              o->coid.s, pmc_side_name(o->side), sz, px, o->token.s,
              o->nfills);
    }
}

static enum pmc_err on_action(void *ctx, const struct pmc_record *a)
{
    struct live *L = ctx;
    if (L->rebuilding) {
        L->rebuild_actions++;
        if (a->kind == PMC_K_ORDER) {
            if (L->nrebuilt == L->caprebuilt) {
                size_t nc = L->caprebuilt ? 2 * L->caprebuilt : 64;
                struct pmc_sym *n = realloc(L->rebuilt, nc * sizeof *n);
                if (!n)
                    return PMC_ENOMEM;
                L->rebuilt = n;
                L->caprebuilt = nc;
            }
            L->rebuilt[L->nrebuilt++] = a->u.order.coid;
        }
        return PMC_OK;
    }
    if (L->store) {
        enum pmc_err e = pmc_store_journal(L->store, a, NULL);
        if (e != PMC_OK) {
            fail_with(L, "store", pmc_store_errmsg(L->store));
            return e;
        }
    }
    if (a->kind == PMC_K_KILL)
        logf_(L, "level=error event=kill by=core reason=\"%s\"",
              a->u.kill.reason);
    return PMC_OK;
}

/* The driver's venue port: an order action, journaled just before by
 * on_action, goes to submit_order (never while rebuilding). */
static enum pmc_err on_order(void *self, const struct pmc_record *a,
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
static enum pmc_err clob_journal_order(void *ctx, const struct pmc_sym *coid,
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
        logf_(L, "level=info event=order_resigned coid=%s hash=%s", coid->s,
              order_hash ? order_hash : "-");
        return PMC_OK;
    }
    struct pmc_pending_order *p = pmc_pending_get(&L->pend, coid);
    if (!p) {
        char d[200];
        snprintf(d, sizeof d, "order %s is not among the orders awaiting "
                              "the executor", coid->s);
        fail_with(L, "journal", d);
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
        fail_with(L, "out of memory", "journal");
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
        fail_with(L, "store", pmc_store_errmsg(L->store));
        return e;
    }
    return PMC_OK;
}

/* ---- inputs -------------------------------------------------------------- */

static void watch_emit(void *ctx, struct pmc_record *rec,
                       enum pmc_watch_src src)
{
    (void)src;
    inbox_push(ctx, rec);
}

static void side_effects(struct live *L, const struct pmc_record *r)
{
    switch (r->kind) {
    case PMC_K_FILL: {
        struct filltime *ft = &L->ft[r->u.fill.key.h % FILLTIME_SLOTS];
        ft->h = r->u.fill.key.h;
        ft->ts = r->u.fill.ts;
        ft->recv = r->t;
    }
        if (L->store &&
            pmc_store_seen(L->store, r->u.fill.key.s, r->t) != PMC_OK)
            fail_with(L, "store", pmc_store_errmsg(L->store));
        if (L->watch && L->o.book_ws && *L->o.book_ws) {
            enum pmc_err e = pmc_watch_book_add(L->watch, r->u.fill.token.s,
                                                r->u.fill.token.n);
            if (e != PMC_OK && e != PMC_ESTATE)
                logf_(L, "level=warn event=book_follow_failed token=%s "
                         "err=\"%s\"",
                      r->u.fill.token.s, pmc_strerror(e));
        }
        if (L->paper) {
            /* the source's fill is a trade print on its token */
            struct pmc_record tr;
            memset(&tr, 0, sizeof tr);
            tr.kind = PMC_K_TRADE;
            tr.t = r->t;
            tr.u.trade.token = r->u.fill.token;
            tr.u.trade.px = r->u.fill.px;
            tr.u.trade.sz = r->u.fill.sz;
            pmc_paper_on_record(L->paper, &tr, L->now);
        }
        break;
    case PMC_K_QUOTE:
    case PMC_K_BOOK:
    case PMC_K_TRADE:
        if (L->paper)
            pmc_paper_on_record(L->paper, r, L->now);
        break;
    case PMC_K_MARKET:
        if (L->paper)
            pmc_paper_on_record(L->paper, r, L->now);
        if (L->clob && r->u.market.tick) {
            char t[24];
            size_t n = pmc_dec_format(r->u.market.tick, t);
            if (pmc_clob_tick_changed(L->clob, &r->u.market.token, t, n) !=
                PMC_OK)
                logf_(L, "level=warn event=bad_tick token=%s tick=%s",
                      r->u.market.token.s, t);
        }
        break;
    default:
        break;
    }
}

/* The inbox as the driver's input port: the oldest record, stamped with
 * the loop's `now`, once the timers due by now have fired; PMC_EEND when
 * the inbox is empty and no timer is due (back to polling). */
static enum pmc_err inbox_next(void *self, pmc_ms deadline,
                               struct pmc_record *ev)
{
    struct live *L = self;
    L->cur = NULL;
    if (L->failed)
        return PMC_EEND;
    if (deadline <= L->now)
        return PMC_EAGAIN;
    int64_t mono;
    if (!inbox_pop(L, ev, &mono))
        return PMC_EEND;
    ev->t = L->now; /* our receive time, never going back */
    L->cur_frame_ns = mono;
    return PMC_OK;
}

/* The driver's input hook: every input is journaled before the core sees
 * it, then the venue/store side of it. */
static enum pmc_err on_input(void *ctx, const struct pmc_record *r)
{
    struct live *L = ctx;
    if (L->rebuilding)
        return PMC_OK;
    L->cur = r;
    L->inputs++;
    if (L->store && pmc_store_journal(L->store, r, NULL) != PMC_OK) {
        fail_with(L, "store", pmc_store_errmsg(L->store));
        return PMC_EIO;
    }
    if (r->kind == PMC_K_EXEC) {
        store_exec(L, r);
        /* answered: it was journaled, or never will be */
        pmc_pending_del(&L->pend, &r->u.exec.coid);
    }
    side_effects(L, r);
    return PMC_OK;
}

static void drain_inbox(struct live *L)
{
    if (L->failed)
        return;
    enum pmc_err e = pmc_driver_run(&L->drv, &L->src);
    L->cur = NULL;
    if (e != PMC_OK && !L->failed) {
        char d[96];
        snprintf(d, sizeof d, "%s on a %s record", pmc_strerror(e),
                 pmc_kind_name(L->drv.fail_kind));
        fail_with(L, "core", d);
    }
}

/* ---- rebuild from the journal -------------------------------------------- */

/* The journal as the driver's input port: its inputs in order (recorded
 * actions are passed over), each once the timers due by its time fired. */
struct journal_src {
    struct live *L;
    struct pmc_store_cursor *c;
    struct pmc_record peek;
    int have;
};

static enum pmc_err journal_next(void *self, pmc_ms deadline,
                                 struct pmc_record *ev)
{
    struct journal_src *js = self;
    struct live *L = js->L;
    while (!js->have) {
        uint64_t seq;
        pmc_ms t;
        const char *line;
        size_t n;
        int k = pmc_store_cursor_next(js->c, &seq, &t, &line, &n);
        if (k < 0) {
            fail_with(L, "rebuild", pmc_store_errmsg(L->store));
            return PMC_EIO;
        }
        if (k == 0)
            return PMC_EEND;
        struct pmc_tape_err te;
        int has;
        if (pmc_tape_parse(line, n, &js->peek, &has, &te) != PMC_OK || !has) {
            char d[300];
            snprintf(d, sizeof d, "journal record %llu: %s",
                     (unsigned long long)seq, te.msg);
            fail_with(L, "rebuild", d);
            return PMC_EPARSE;
        }
        js->have = pmc_kind_is_input(js->peek.kind) &&
                   !pmc_record_is_action(&js->peek);
    }
    if (js->peek.t >= deadline)
        return PMC_EAGAIN;
    *ev = js->peek;
    js->have = 0;
    if (ev->t > L->now)
        L->now = ev->t;
    L->rebuild_inputs++;
    return PMC_OK;
}

/* Feed the journal's inputs to a fresh core (no journaling, no venue); the
 * actions it emits are counted against the journal's own. Afterwards every
 * order the rebuilt core believes open is settled: sent earlier and still
 * open at the venue -> reconcile (CLOB) or cancel (paper, whose book is
 * gone); never committed -> never sent: an exec cancel tells the core. */
static enum pmc_err rebuild(struct live *L)
{
    struct journal_src js;
    memset(&js, 0, sizeof js);
    js.L = L;
    PMC_TRY(pmc_store_cursor_open(L->store, 1, &js.c));
    struct pmc_source src = {&js, journal_next, NULL};
    L->rebuilding = 1;
    enum pmc_err e = pmc_driver_run(&L->drv, &src);
    L->rebuilding = 0;
    pmc_store_cursor_close(js.c);
    if (e != PMC_OK)
        fail_with(L, "rebuild", pmc_strerror(e));
    return e;
}

struct reconcile_ctx {
    struct live *L;
    size_t n;
};

static int reconcile_one(void *ctx, const struct pmc_store_order_row *r)
{
    struct reconcile_ctx *rc = ctx;
    struct live *L = rc->L;
    struct pmc_sym coid;
    if (pmc_sym_set(&coid, r->coid, strlen(r->coid)) != PMC_OK)
        return 0;
    rc->n++;
    if (L->clob && r->order_hash) {
        enum pmc_err e = pmc_clob_reconcile(L->clob, &coid, r->order_hash,
                                            r->filled, L->now);
        if (e != PMC_OK)
            logf_(L, "level=error event=reconcile_failed coid=%s err=\"%s\"",
                  r->coid,
                  pmc_strerror(e));
    } else {
        /* a paper order open when the process stopped: the paper book
         * it rested on is gone */
        exec_input(L, &coid, PMC_EXEC_CANCEL, "restart");
    }
    return 0;
}

static void settle_after_rebuild(struct live *L)
{
    size_t unsent = 0;
    for (size_t i = 0; i < L->nrebuilt; i++)
        if (!pmc_store_order_known(L->store, L->rebuilt[i].s, NULL)) {
            exec_input(L, &L->rebuilt[i], PMC_EXEC_CANCEL, "not_sent_restart");
            unsent++;
        }
    struct reconcile_ctx rc = {L, 0};
    struct pmc_store_filter f;
    memset(&f, 0, sizeof f);
    f.status = -1;
    f.open_only = 1;
    if (pmc_store_orders_each(L->store, &f, reconcile_one, &rc) != PMC_OK)
        fail_with(L, "store", pmc_store_errmsg(L->store));
    logf_(L,
          "level=info event=restored inputs=%llu open_orders=%zu "
          "never_sent=%zu",
          (unsigned long long)L->rebuild_inputs, rc.n, unsent);
}

/* ---- local API ------------------------------------------------------------ */

static void json_dec(FILE *f, const char *key, pmc_micros v, int comma)
{
    char b[32];
    pmc_dec_format(v, b);
    fprintf(f, "\"%s\":%s%s", key, b, comma ? "," : "");
}

static void hist_json(FILE *f, const char *name, const struct pmc_hist *h)
{
    fprintf(f,
            "\"%s\":{\"count\":%llu,\"p50\":%lld,\"p95\":%lld,\"p99\":%lld,"
            "\"max\":%lld}",
            name, (unsigned long long)h->n,
            (long long)pmc_hist_quantile(h, 0.50),
            (long long)pmc_hist_quantile(h, 0.95),
            (long long)pmc_hist_quantile(h, 0.99), (long long)h->max);
}

static void status_json(struct live *L, FILE *f)
{
    struct pmc_engine_stats st;
    pmc_engine_stats(L->drv.eng, &st);
    fprintf(f, "{\"mode\":\"%s\",\"now\":%lld,\"uptime_ms\":%lld,",
            L->paper ? "paper" : "live", (long long)L->now,
            (long long)(L->now - L->started));
    fprintf(f, "\"killed\":%s,\"stopped\":", st.killed ? "true" : "false");
    const char *stop = L->clob ? pmc_clob_stopped(L->clob) : NULL;
    if (stop)
        fprintf(f, "\"%s\",", "geoblocked");
    else
        fprintf(f, "null,");
    fprintf(f,
            "\"fills_seen\":%llu,\"orders\":%llu,\"orders_sent\":%llu,"
            "\"open_orders\":%u,\"open_buckets\":%u,",
            (unsigned long long)st.fills_seen, (unsigned long long)st.orders,
            (unsigned long long)L->orders_sent, st.open_orders,
            st.open_buckets);
    json_dec(f, "realized_usd", st.realized_total, 1);
    json_dec(f, "unrealized_usd", st.unrealized, 1);
    json_dec(f, "bought_today_usd", st.bought_today, 1);
    fprintf(f, "\"sources\":{");
    static const char *const names[] = {"chain", "rtds", "api", "book"};
    for (int i = 0; i < PMC_WATCH_NSRC; i++)
        fprintf(f, "\"%s\":%s%s", names[i],
                L->watch && pmc_watch_is_up(L->watch, (enum pmc_watch_src)i)
                    ? "true"
                    : "false",
                i + 1 < PMC_WATCH_NSRC ? "," : "");
    fprintf(f, "},\"latency_us\":{");
    hist_json(f, "frame_to_wire", &L->h_frame_to_wire_us);
    fputc(',', f);
    hist_json(f, "decide_to_wire", &L->h_decide_to_wire_us);
    fputc(',', f);
    hist_json(f, "frame_to_decide", &L->h_frame_to_decide_us);
    fputc(',', f);
    hist_json(f, "order_commit", &L->h_commit_us);
    fprintf(f, "}}\n");
}

static void metrics_text(struct live *L, FILE *f)
{
    struct pmc_engine_stats st;
    pmc_engine_stats(L->drv.eng, &st);
    fprintf(f, "# pmcopy live metrics\n");
    fprintf(f, "pmcopy_fills_seen_total %llu\n",
            (unsigned long long)st.fills_seen);
    fprintf(f, "pmcopy_orders_total %llu\n", (unsigned long long)st.orders);
    fprintf(f, "pmcopy_orders_sent_total %llu\n",
            (unsigned long long)L->orders_sent);
    fprintf(f, "pmcopy_orders_not_sent_total %llu\n",
            (unsigned long long)L->orders_not_sent);
    fprintf(f, "pmcopy_orders_known_at_restart_total %llu\n",
            (unsigned long long)L->orders_known);
    for (int i = 0; i < PMC_SKIP_COUNT; i++)
        fprintf(f, "pmcopy_skips_total{reason=\"%s\"} %llu\n",
                pmc_skip_name((enum pmc_skip_reason)i),
                (unsigned long long)st.skips[i]);
    fprintf(f, "pmcopy_killed %d\n", st.killed);
    fprintf(f, "pmcopy_open_orders %u\n", st.open_orders);
    char b[32];
    pmc_dec_format(st.realized_total, b);
    fprintf(f, "pmcopy_realized_usd %s\n", b);
    pmc_dec_format(st.unrealized, b);
    fprintf(f, "pmcopy_unrealized_usd %s\n", b);
    pmc_hist_prom(f, "pmcopy_frame_to_wire_us", "", &L->h_frame_to_wire_us);
    pmc_hist_prom(f, "pmcopy_decide_to_wire_us", "",
                  &L->h_decide_to_wire_us);
    pmc_hist_prom(f, "pmcopy_order_commit_us", "", &L->h_commit_us);
    if (L->watch) {
        static char buf[1 << 16];
        size_t n = pmc_watch_metrics(L->watch, buf, sizeof buf);
        fwrite(buf, 1, n, f);
    }
    if (L->clob)
        pmc_clob_metrics_prom(L->clob, f);
    if (L->store) {
        struct pmc_store_stats ss;
        pmc_store_stats(L->store, &ss);
        fprintf(f, "pmcopy_store_committed_total %llu\n",
                (unsigned long long)ss.committed);
        fprintf(f, "pmcopy_store_stalls_total %llu\n",
                (unsigned long long)ss.stalls);
        fprintf(f, "pmcopy_store_failed %d\n", ss.failed);
    }
}

static int api_handler(void *ctx, const struct pmc_api_req *req, FILE *out,
                       const char **ctype)
{
    struct live *L = ctx;
    int get = !strcmp(req->method, "GET"), post = !strcmp(req->method, "POST");
    if (get && !strcmp(req->path, "/health")) {
        fprintf(out, "{\"ok\":%s}\n", L->failed ? "false" : "true");
        return L->failed ? 503 : 200;
    }
    if (get && !strcmp(req->path, "/status")) {
        status_json(L, out);
        return 200;
    }
    if (get && !strcmp(req->path, "/metrics")) {
        *ctype = "text/plain; version=0.0.4";
        metrics_text(L, out);
        return 200;
    }
    if (post && (!strcmp(req->path, "/kill") || !strcmp(req->path, "/resume"))) {
        struct pmc_record r;
        memset(&r, 0, sizeof r);
        r.t = L->now;
        r.kind = req->path[1] == 'k' ? PMC_K_KILL : PMC_K_RESUME;
        if (r.kind == PMC_K_KILL)
            snprintf(r.u.kill.reason, sizeof r.u.kill.reason, "operator");
        inbox_push(L, &r);
        fprintf(out, "{\"queued\":\"%s\"}\n", req->path + 1);
        return 200;
    }
    fprintf(out, "{\"error\":\"not found\",\"endpoints\":[\"GET /health\","
                 "\"GET /status\",\"GET /metrics\",\"POST /kill\","
                 "\"POST /resume\"]}\n");
    return 404;
}

/* ---- set-up and the loop -------------------------------------------------- */

void pmc_live_opts_default(struct pmc_live_opts *o)
{
    memset(o, 0, sizeof *o);
    o->mode = PMC_LIVE_PAPER;
    o->clob_url = "https://clob.polymarket.com";
    o->clob_lanes = 2;
    o->mlock = 1;
    o->chain_ws = "";
    o->rtds_ws = "wss://ws-live-data.polymarket.com";
    o->book_ws = "wss://ws-subscriptions-clob.polymarket.com/ws/market";
    o->data_api = "https://data-api.polymarket.com";
    o->drain_ms = 3000;
    o->shutdown_flush = 1;
    o->restart_stale_ms = 5000;
    o->paper_half_spread = 5000;
    o->seed = 1;
}

static void clock_tick(struct live *L)
{
    pmc_ms t = pmc_clock_now_ms();
    if (t > L->now)
        L->now = t; /* a wall clock that jumps back is held */
}

static const char *const ckpt_names[] = {"chain", "rtds", "api", "book"};

static void save_checkpoints(struct live *L)
{
    if (!L->store || !L->watch)
        return;
    for (int i = 0; i < PMC_WATCH_BOOK; i++) {
        char v[24];
        snprintf(v, sizeof v, "%lld",
                 (long long)pmc_watch_checkpoint(L->watch,
                                                 (enum pmc_watch_src)i));
        if (pmc_store_checkpoint(L->store, ckpt_names[i], v, L->now) !=
            PMC_OK)
            fail_with(L, "store", pmc_store_errmsg(L->store));
    }
}

static void load_checkpoints(struct live *L)
{
    for (int i = 0; i < PMC_WATCH_BOOK; i++) {
        char v[64];
        pmc_ms t;
        if (pmc_store_checkpoint_get(L->store, ckpt_names[i], v, sizeof v,
                                     &t) == 1)
            pmc_watch_set_checkpoint(L->watch, (enum pmc_watch_src)i,
                                     strtoll(v, NULL, 10));
    }
}

static enum pmc_err setup_venue(struct live *L)
{
    if (L->o.mode == PMC_LIVE_PAPER) {
        PMC_TRY(pmc_paper_new(&L->paper, venue_emit, L));
        pmc_paper_set_half_spread(L->paper, L->o.paper_half_spread);
        L->venue = pmc_paper_venue(L->paper);
        return PMC_OK;
    }
    struct pmc_exec_creds creds;
    memset(&creds, 0, sizeof creds);
    char why[256];
    enum pmc_err e = pmc_exec_creds_load(&creds, why, sizeof why);
    if (e != PMC_OK) {
        fail_with(L, "--live needs credentials", why);
        return e;
    }
    struct pmc_clob_cfg cc;
    pmc_clob_cfg_default(&cc);
    cc.base_url = L->o.clob_url;
    cc.lanes = (uint32_t)L->o.clob_lanes;
    struct pmc_clob_hooks hk;
    memset(&hk, 0, sizeof hk);
    hk.ctx = L;
    hk.emit = venue_emit;
    hk.journal_order = clob_journal_order;
    hk.wire = on_wire;
    e = pmc_clob_new(&cc, &creds, &hk, L->now, &L->clob, why, sizeof why);
    pmc_exec_creds_wipe(&creds);
    if (e != PMC_OK) {
        fail_with(L, "executor", why);
        return e;
    }
    L->venue = pmc_clob_venue(L->clob);
    return PMC_OK;
}

static enum pmc_err setup_watch(struct live *L)
{
    const char *wallets[PMC_MAX_TRADERS];
    size_t nw = 0;
    for (uint32_t i = 0; i < L->cfg.ntraders; i++)
        if (L->cfg.traders[i].enabled)
            wallets[nw++] = L->cfg.traders[i].address.s;
    struct pmc_watch_config wc;
    memset(&wc, 0, sizeof wc);
    wc.chain_url = L->o.chain_ws;
    wc.rtds_url = L->o.rtds_ws;
    wc.book_url = L->o.book_ws;
    wc.api_url = L->o.data_api;
    wc.wallets = wallets;
    wc.nwallets = nw;
    wc.chain_v1 = L->o.chain_v1;
    wc.poll_ms = L->o.poll_ms;
    wc.poll_idle_ms = L->o.poll_idle_ms;
    wc.seed = L->o.seed;
    wc.emit = watch_emit;
    wc.ctx = L;
    enum pmc_err e = pmc_watch_new(&wc, L->now, &L->watch);
    if (e != PMC_OK)
        fail_with(L, "watchers", pmc_strerror(e));
    return e;
}

/* The configuration the session runs with, beside the store, so that
 * `pmcopy replay --db` re-decides with it (DB-config.json, mode 0600). */
static void write_config(struct live *L)
{
    char path[sizeof L->cfg.db_path + 16];
    snprintf(path, sizeof path, "%s-config.json", L->cfg.db_path);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f || pmc_config_write_json(&L->cfg, f) != PMC_OK) {
        logf_(L, "level=warn event=config_not_saved path=%s err=\"%s\"",
              path, strerror(errno));
        if (f)
            fclose(f);
        else if (fd >= 0)
            close(fd);
        return;
    }
    fclose(f);
}

static void write_ready(struct live *L)
{
    if (!L->o.ready_file)
        return;
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", L->o.ready_file);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return;
    fprintf(f, "pid=%d\napi_port=%d\n", (int)getpid(),
            L->api ? pmc_api_port(L->api) : 0);
    fclose(f);
    rename(tmp, L->o.ready_file);
}

#if !defined(__SANITIZE_ADDRESS__)
/* May this process lock memory without a limit (CAP_IPC_LOCK)? */
static int can_lock_unlimited(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_MEMLOCK, &rl) == 0 && rl.rlim_cur == RLIM_INFINITY)
        return 1;
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return 0;
    char line[256];
    unsigned long long cap = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "CapEff: %llx", &cap) == 1)
            break;
    fclose(f);
    return (cap >> 14) & 1; /* CAP_IPC_LOCK */
}
#endif

/* Everything set up: lock the process's memory, so that no page of a
 * table, buffer or stack first touched on the order path costs a page
 * fault (tens of microseconds each on a virtual machine). Future mappings
 * are locked (populated) too only when no limit can make them fail. */
static void lock_memory(struct live *L)
{
    if (!L->o.mlock)
        return;
#if defined(__SANITIZE_ADDRESS__)
    logf_(L, "level=info event=memory_not_locked reason=\"sanitizer build\"");
#else
    int future = can_lock_unlimited();
    if (mlockall(MCL_CURRENT | (future ? MCL_FUTURE : 0)) != 0) {
        logf_(L,
              "level=info event=memory_not_locked err=\"%s\" hint=\"raise "
              "RLIMIT_MEMLOCK (ulimit -l) or grant CAP_IPC_LOCK; --no-mlock "
              "skips this\"",
              strerror(errno));
        return;
    }
    logf_(L, "level=info event=memory_locked future=%d", future);
#endif
}

static void shutdown_(struct live *L)
{
    /* intake stopped: no more watcher service. Flush buckets, then give
     * open orders a bounded time to finish. */
    if (!L->failed && L->o.shutdown_flush) {
        struct pmc_record fl;
        memset(&fl, 0, sizeof fl);
        fl.kind = PMC_K_FLUSH;
        fl.t = L->now;
        inbox_push(L, &fl);
        drain_inbox(L);
    }
    pmc_ms until = L->now + L->o.drain_ms;
    while (!L->failed && L->clob && pmc_clob_open_orders(L->clob) > 0 &&
           L->now < until) {
        pmc_clob_wait(L->clob, 10);
        clock_tick(L);
        if (pmc_clob_tick(L->clob, L->now) != PMC_OK)
            break;
        drain_inbox(L);
    }
    drain_inbox(L);
    save_checkpoints(L);
}

int pmc_live_run(const struct pmc_config *cfg, const struct pmc_live_opts *o,
                 volatile sig_atomic_t *stop, char *err, size_t cap)
{
    struct live *L = calloc(1, sizeof *L);
    if (!L) {
        snprintf(err, cap, "out of memory");
        return 1;
    }
    L->cfg = *cfg;
    L->o = *o;
    L->err = err;
    L->errcap = cap;
    err[0] = '\0';
    clock_tick(L);
    L->started = L->now;
    int rc = 1;
    if (pmc_inbox_init(&L->in, o->inbox_cap ? o->inbox_cap
                                             : PMC_LIVE_INBOX_DEFAULT) !=
        PMC_OK) {
        fail_with(L, "out of memory", "inbox");
        goto out;
    }
    if (pmc_pending_init(&L->pend, cfg->max_open_orders) != PMC_OK) {
        fail_with(L, "out of memory", "pending orders");
        goto out;
    }
    size_t dsz = (pmc_driver_mem_size(cfg) + 63) & ~(size_t)63;
    L->drv_mem = aligned_alloc(64, dsz);
    L->to_venue.self = L;
    L->to_venue.submit = on_order;
    L->src.self = L;
    L->src.next = inbox_next;
    struct pmc_driver_hook hook = {L, on_input, on_action};
    enum pmc_err de = L->drv_mem ? pmc_driver_init(&L->drv, L->drv_mem, dsz,
                                                   cfg, &L->to_venue, &hook)
                                 : PMC_ENOMEM;
    if (de != PMC_OK) {
        fail_with(L, "core: cannot set up the engine", pmc_strerror(de));
        goto out;
    }
    if (cfg->db_enabled) {
        struct pmc_store_info info;
        char serr[512];
        if (pmc_store_open(cfg->db_path, NULL, &L->store, &info, serr,
                           sizeof serr) != PMC_OK) {
            fail_with(L, "store", serr);
            goto out;
        }
        if (info.journal_records && rebuild(L) != PMC_OK)
            goto out;
        write_config(L);
    }
    clock_tick(L);
    if (setup_venue(L) != PMC_OK)
        goto out;
    if (L->store && L->rebuild_inputs)
        settle_after_rebuild(L);
    if (setup_watch(L) != PMC_OK)
        goto out;
    if (L->store)
        load_checkpoints(L);
    if (cfg->api_enabled) {
        char aerr[256];
        if (pmc_api_open(&L->api, cfg->api_port, api_handler, L, aerr,
                         sizeof aerr) != PMC_OK) {
            fail_with(L, "api", aerr);
            goto out;
        }
    }
    lock_memory(L);
    logf_(L, "level=info event=running mode=%s traders=%u journal=%s",
          L->paper ? "paper" : "live", cfg->ntraders,
          L->store ? cfg->db_path : "off");
    write_ready(L);
    clock_tick(L);
    L->started = L->now; /* --run-for counts from here, after start-up */
    L->last_ckpt = L->now;
    while (!*stop && !L->failed) {
        clock_tick(L);
        if (L->o.run_for_ms && L->now - L->started >= L->o.run_for_ms)
            break;
        pmc_watch_tick(L->watch, L->now);
        if (L->clob && pmc_clob_tick(L->clob, L->now) != PMC_OK)
            fail_with(L, "executor", "tick failed");
        drain_inbox(L); /* inputs and the timers due by now */
        /* wait for frames: short, so REST answers and timers stay prompt */
        pmc_ms next = pmc_engine_next_deadline(L->drv.eng);
        int wait = next <= L->now ? 0 : (next - L->now < 2 ? (int)(next - L->now) : 2);
        if (pmc_watch_service(L->watch, wait) < 0)
            fail_with(L, "watchers", "libwebsockets failed");
        clock_tick(L);
        drain_inbox(L);
        if (L->clob && pmc_clob_tick(L->clob, L->now) != PMC_OK)
            fail_with(L, "executor", "tick failed");
        drain_inbox(L);
        if (L->api)
            pmc_api_poll(L->api, L->now);
        if (L->now - L->last_ckpt >= 1000) {
            save_checkpoints(L);
            L->last_ckpt = L->now;
        }
        if (L->clob && pmc_clob_stopped(L->clob) && !L->failed) {
            fail_with(L, "trading stopped by the venue",
                      pmc_clob_stopped(L->clob));
        }
    }
    shutdown_(L);
    rc = L->failed ? 1 : 0;
    logf_(L, "level=%s event=stopped inputs=%llu orders_sent=%llu%s%s%s",
          L->failed ? "error" : "info", (unsigned long long)L->inputs,
          (unsigned long long)L->orders_sent, L->failed ? " err=\"" : "",
          L->failed ? L->err : "", L->failed ? "\"" : "");
out:
    pmc_api_close(L->api);
    pmc_watch_free(L->watch);
    pmc_clob_free(L->clob);
    pmc_paper_free(L->paper);
    if (L->store && pmc_store_close(L->store) != PMC_OK && !L->failed) {
        snprintf(err, cap, "store: final commit failed");
        rc = 1;
    }
    free(L->drv_mem);
    pmc_pending_fini(&L->pend);
    pmc_inbox_fini(&L->in);
    free(L->rebuilt);
    if (L->failed)
        rc = 1;
    free(L);
    return rc;
}
