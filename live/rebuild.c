/* live/rebuild.c - after a restart: the engine rebuilt from the journal,
 * and the orders it believes open settled with the venue.
 *
 * Decides: which journal records the fresh engine is fed (the inputs, in
 * journal order, each once the timers due by its time fired; recorded
 * actions are passed over), and what becomes of each order open after the
 * rebuild: never committed -> never sent (the core hears
 * "not_sent_restart"); committed and open -> reconciled with the CLOB, or
 * cancelled on the paper venue, whose book is gone; and the venue trades
 * of our orders not final then, followed again by the executor's ledger.
 * Never: journals anything, sends an order, or reads a clock (the loop's
 * now follows the journal's times while rebuilding). */
#include "live/loop_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/tape.h"

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
            pmc_live_fail(L, "rebuild", pmc_store_errmsg(L->store));
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
            pmc_live_fail(L, "rebuild", d);
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
enum pmc_err pmc_live_rebuild(struct live *L)
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
        pmc_live_fail(L, "rebuild", pmc_strerror(e));
    return e;
}

/* The driver's action hook while rebuilding: actions are counted, and the
 * coid of each order remembered for pmc_live_settle_after_rebuild. */
enum pmc_err pmc_live_rebuild_action(struct live *L, const struct pmc_record *a)
{
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
            pmc_live_log(
                L, "level=error event=reconcile_failed coid=%s err=\"%s\"",
                r->coid, pmc_strerror(e));
    } else {
        /* a paper order open when the process stopped: the paper book
         * it rested on is gone */
        pmc_live_exec_input(L, &coid, PMC_EXEC_CANCEL, "restart");
    }
    return 0;
}

/* A trade of ours not final when the earlier run stopped: the executor's
 * ledger follows it again (never undone if it fails: the executor says so
 * loudly). */
struct seed_ctx {
    struct live *L;
    size_t n, refused;
};

static int seed_one(void *ctx, const struct pmc_store_trade_row *r)
{
    struct seed_ctx *sc = ctx;
    struct pmc_sym coid, id;
    if (pmc_sym_set(&coid, r->coid, strlen(r->coid)) != PMC_OK ||
        pmc_sym_set(&id, r->trade_id, strlen(r->trade_id)) != PMC_OK ||
        pmc_clob_trade_seed(sc->L->clob, &coid, r->order_hash, &id,
                            (enum pmc_trade_status)r->status, r->sz, r->px,
                            r->first_t) != PMC_OK) {
        char qc[160], qt[160];
        pmc_live_log(sc->L,
                     "level=warn event=trade_not_followed coid=%s "
                     "trade_id=%s",
                     pmc_live_q(qc, sizeof qc, r->coid),
                     pmc_live_q(qt, sizeof qt, r->trade_id));
        sc->refused++;
        return 0;
    }
    sc->n++;
    return 0;
}

void pmc_live_settle_after_rebuild(struct live *L)
{
    size_t unsent = 0;
    for (size_t i = 0; i < L->nrebuilt; i++)
        if (!pmc_store_order_known(L->store, L->rebuilt[i].s, NULL)) {
            pmc_live_exec_input(L, &L->rebuilt[i], PMC_EXEC_CANCEL,
                                "not_sent_restart");
            unsent++;
        }
    struct reconcile_ctx rc = {L, 0};
    struct pmc_store_filter f;
    memset(&f, 0, sizeof f);
    f.status = -1;
    f.open_only = 1;
    if (pmc_store_orders_each(L->store, &f, reconcile_one, &rc) != PMC_OK)
        pmc_live_fail(L, "store", pmc_store_errmsg(L->store));
    if (L->clob) {
        struct seed_ctx sc = {L, 0, 0};
        if (pmc_store_trades_open_each(L->store, seed_one, &sc) != PMC_OK)
            pmc_live_fail(L, "store", pmc_store_errmsg(L->store));
        if (sc.n || sc.refused)
            pmc_live_log(L,
                         "level=info event=trades_followed trades=%zu "
                         "refused=%zu",
                         sc.n, sc.refused);
    }
    pmc_live_log(L,
                 "level=info event=restored inputs=%llu open_orders=%zu "
                 "never_sent=%zu",
                 (unsigned long long)L->rebuild_inputs, rc.n, unsent);
}
