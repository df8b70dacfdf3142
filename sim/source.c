/* sim/source.c - the simulator as the driver's input port (core/source.h)
 * and the run of a tape through core/driver.
 *
 * Decides: what comes next - the earliest of the next tape record and the
 * earliest simulated event. At equal times an event scheduled for the very
 * instant it was caused in (zero latency: a fill seen at once, an order
 * arriving at once, its report) goes before the next tape record, so a
 * zero-latency copy fills against the market its own source fill left;
 * otherwise the tape goes first (market data before our own events of the
 * same millisecond). The driver fires timers due at t before either. A tape record first moves the market model
 * (marks, books, resting orders crossed, resolutions paid), then reaches
 * the core now (quotes, books as top-of-book quotes, trades, markets,
 * resolutions, operator kill/resume) or later (a source fill, after its
 * detection latency). Never: steps the core itself, or holds the tape in
 * memory (one record of look-ahead). */
#include <gsl/gsl_rng.h>

#include "proto/tapeio.h"
#include "sim/sim_int.h"

/* The driver's record hook: the simulator counts skips and kills and keeps
 * its clock at the driver's (a timer fires at its deadline); the journal,
 * when asked for, gets every input and action. */
enum pmc_err pmc_sim_hook_input(void *ctx, const struct pmc_record *ev)
{
    struct pmc_sim *s = ctx;
    if (s->o.journal && pmc_tape_write(s->o.journal, ev) != 0)
        return PMC_EIO;
    return PMC_OK;
}

enum pmc_err pmc_sim_hook_action(void *ctx, const struct pmc_record *a)
{
    struct pmc_sim *s = ctx;
    if (a->t > s->now)
        s->now = a->t;
    switch (a->kind) {
    case PMC_K_SKIP:
        s->r.skips[a->u.skip.reason]++;
        break;
    case PMC_K_KILL:
        if (!s->r.kills++) {
            snprintf(s->r.first_kill, sizeof s->r.first_kill, "%s",
                     a->u.kill.reason);
            s->r.first_kill_t = a->t;
        }
        break;
    default:
        break;
    }
    if (s->o.journal && pmc_tape_write(s->o.journal, a) != 0)
        return PMC_EIO;
    return PMC_OK;
}

/* After the core stepped an exec report: the order is done once its last
 * report is in. */
static void post_step(struct pmc_sim *s)
{
    if (!s->post_exec)
        return;
    s->post_exec = 0;
    uint32_t slot = pmc_sim_ord_find(s, &s->post_coid);
    if (slot != UINT32_MAX) {
        struct pmc_sim_order *o = &s->ords[slot];
        if (--o->reports_pending == 0 && !o->resting && o->t_final &&
            o->status[0])
            pmc_sim_order_done(s, slot);
    }
}

/* A simulated event is due: an order reaches the venue (*give = 0) or the
 * core is to see a record (*give = 1, *ev set). */
static enum pmc_err take_event(struct pmc_sim *s,
                               const struct pmc_heap_item *it,
                               struct pmc_record *ev, int *give)
{
    struct pmc_sim_ev *e = &s->evs[it->slot];
    s->now = it->t;
    enum pmc_err err = PMC_OK;
    *give = 0;
    if (e->type == EV_ARRIVE) {
        err = pmc_sim_arrive(s, e->order);
    } else if (e->type == EV_EXPIRE) {
        err = pmc_sim_expire(s, e->order, &e->rec.u.exec.coid);
    } else if (e->type == EV_TRADE_FAIL) {
        struct pmc_sim_order *o = &s->ords[e->order];
        if (s->tok[o->tok].resolved) {
            /* resolved first: the trade stands (paid out at resolution) */
            s->r.trades_fail_resolved++;
            if (--o->reports_pending == 0 && !o->resting && o->t_final &&
                o->status[0])
                pmc_sim_order_done(s, e->order);
        } else {
            pmc_sim_trade_failed(s, e);
            *ev = e->rec;
            ev->t = it->t;
            *give = 1;
            s->post_exec = 1;
            s->post_coid = e->rec.u.exec.coid;
        }
    } else if (e->type == EV_DELIVER) {
        if (e->rec.kind == PMC_K_FILL) {
            s->r.fills_delivered++;
            const struct pmc_fill *f = &e->rec.u.fill;
            int tr = pmc_sim_trader_find(s, &f->trader);
            struct pmc_sim_trader *t =
                &s->trd[tr < 0 ? s->cfg.ntraders : (uint32_t)tr];
            t->fills_seen++;
            t->src_usd += pmc_notional_down(f->sz, f->px);
            int b = 0;
            while (b + 1 < PMC_SIM_HIST_BINS &&
                   e->detect >= pmc_sim_hist_lo(0, b + 1))
                b++;
            s->r.h_detect[b]++;
            s->r.detect_sum += e->detect;
            s->r.detect_n++;
        }
        *ev = e->rec;
        ev->t = it->t;
        *give = 1;
        if (e->rec.kind == PMC_K_EXEC) {
            s->post_exec = 1;
            s->post_coid = e->rec.u.exec.coid;
        }
    }
    pmc_sim_ev_release(s, it->slot);
    pmc_sim_maybe_sample(s);
    return err;
}

static pmc_ms detection_latency(struct pmc_sim *s, const struct pmc_fill *f)
{
    switch (s->o.lat_mode) {
    case PMC_LAT_EMPIRICAL:
        if (s->o.lat_nsamples)
            return s->o.lat_samples[gsl_rng_uniform_int(
                s->rng, (unsigned long)s->o.lat_nsamples)];
        return s->o.lat_src[f->src];
    case PMC_LAT_RECORDED:
        return 0;
    case PMC_LAT_CONST:
    default:
        return s->o.lat_src[f->src];
    }
}

/* follow_all: a wallet new on the tape joins the simulator's trader list
 * (as the core's, with the defaults), the rest's row moving down one. A
 * 257th wallet stops the run: following only the first 256 would be a
 * silent limit. */
static enum pmc_err follow_wallet(struct pmc_sim *s, const struct pmc_sym *a)
{
    if (pmc_sim_trader_find(s, a) >= 0)
        return PMC_OK;
    uint32_t n = s->cfg.ntraders;
    if (n == PMC_MAX_TRADERS) {
        if (s->ntraders_named)
            snprintf(s->err, sizeof s->err,
                     "wallet %s is a new wallet past the %d traders of "
                     "follow_all (PMC_MAX_TRADERS, %u of them configured); "
                     "name the wallets to copy with --trader or --traders",
                     a->s, PMC_MAX_TRADERS, s->ntraders_named);
        else
            snprintf(s->err, sizeof s->err,
                     "wallet %s is the %d-th on the tape, and with no "
                     "trader configured backtest follows at most %d "
                     "(PMC_MAX_TRADERS); name the wallets to copy with "
                     "--trader or --traders",
                     a->s, PMC_MAX_TRADERS + 1, PMC_MAX_TRADERS);
        return PMC_EFULL;
    }
    PMC_TRY(pmc_config_add_trader(&s->cfg, a->s, a->n, "", -1, 0, 1));
    if (s->cfg.ntraders != n + 1) {
        snprintf(s->err, sizeof s->err,
                 "wallet %s: its address normalises to one followed already",
                 a->s);
        return PMC_ESTATE;
    }
    pmc_sim_trader_index(s, n);
    s->trd[n + 1] = s->trd[n];
    memset(&s->trd[n], 0, sizeof s->trd[n]);
    s->trd[n].addr = s->cfg.traders[n].address;
    return PMC_OK;
}

/* A tape record is due: the market model takes it (prices, books, resting
 * orders crossed, resolutions paid) and, for what the core sees now, *give
 * = 1 with *ev set (a source fill reaches the core later, after its
 * detection latency; a book as its top-of-book quote). */
static enum pmc_err take_tape(struct pmc_sim *s, const struct pmc_record *rec,
                              struct pmc_record *ev, int *give)
{
    *give = 0;
    if (rec->t > s->now)
        s->now = rec->t;
    if (!s->r.records++)
        s->r.t_first = rec->t;
    s->r.t_last = rec->t;
    uint32_t tk;
    switch (rec->kind) {
    case PMC_K_FILL: {
        const struct pmc_fill *f = &rec->u.fill;
        if (s->cfg.follow_all)
            PMC_TRY(follow_wallet(s, &f->trader));
        s->r.fills_in_tape++;
        PMC_TRY(pmc_sim_tok_get(s, &f->token, &f->market, &tk));
        struct pmc_sim_token *x = &s->tok[tk];
        if (f->end && !x->end)
            x->end = f->end;
        if (f->outcome[0] && !x->outcome[0])
            memcpy(x->outcome, f->outcome, sizeof x->outcome);
        if (x->src_fills++ && x->px_since_fill)
            x->px_between = 1;
        x->px_since_fill = 0;
        /* the source's fill is a trade print on its token */
        x->last = f->px;
        pmc_sim_set_mark(s, x, f->px);
        PMC_TRY(pmc_sim_cross_resting(s, x, f->px, f->sz));
        pmc_ms see;
        if (s->o.lat_mode == PMC_LAT_RECORDED)
            see = rec->t;
        else
            see = f->ts + detection_latency(s, f);
        if (see < rec->t)
            see = rec->t;
        uint32_t slot;
        PMC_TRY(pmc_sim_ev_alloc(s, &slot));
        struct pmc_sim_ev *e = &s->evs[slot];
        e->type = EV_DELIVER;
        e->rec = *rec;
        e->rec.t = see;
        e->detect = see - f->ts;
        return pmc_sim_schedule(s, see, slot);
    }
    case PMC_K_MARKET: {
        const struct pmc_market_ev *m = &rec->u.market;
        PMC_TRY(pmc_sim_tok_get(s, &m->token, &m->market, &tk));
        struct pmc_sim_token *x = &s->tok[tk];
        if (m->end) {
            x->end = m->end;
            s->mkt[x->market_idx].end = m->end;
        }
        /* a stated value wins over a default, whatever the order */
        unsigned keep = m->defaults ? x->stated : 0, got = 0;
        if (m->tick && !(keep & PMC_SIM_STATED_TICK)) {
            x->tick = m->tick;
            got |= PMC_SIM_STATED_TICK;
        }
        if (m->minsz && !(keep & PMC_SIM_STATED_MINSZ)) {
            x->minsz = m->minsz;
            got |= PMC_SIM_STATED_MINSZ;
        }
        if (m->fee_rate >= 0 && m->fee_exp >= 0 &&
            !(keep & PMC_SIM_STATED_FEE)) {
            x->fee_rate = m->fee_rate;
            x->fee_exp = m->fee_exp;
            got |= PMC_SIM_STATED_FEE;
        } else if (!(keep & PMC_SIM_STATED_FEE)) {
            if (m->fee_rate >= 0)
                x->fee_rate = m->fee_rate;
            if (m->fee_exp >= 0)
                x->fee_exp = m->fee_exp;
        }
        if (!m->defaults)
            x->stated |= got;
        if (m->outcome[0])
            memcpy(x->outcome, m->outcome, sizeof x->outcome);
        struct pmc_sim_market *mk = &s->mkt[x->market_idx];
        if (m->question[0])
            snprintf(mk->name, sizeof mk->name, "%s", m->question);
        else if (m->slug[0] && !mk->name[0])
            snprintf(mk->name, sizeof mk->name, "%s", m->slug);
        *ev = *rec;
        *give = 1;
        return PMC_OK;
    }
    case PMC_K_QUOTE: {
        const struct pmc_quote *q = &rec->u.quote;
        s->r.quotes++;
        PMC_TRY(pmc_sim_tok_get(s, &q->token, NULL, &tk));
        struct pmc_sim_token *x = &s->tok[tk];
        pmc_book_from_quote(&x->book, q, s->o.unknown_sz);
        x->has_book = 1;
        x->px_since_fill = 1;
        pmc_sim_set_mark(s, x, pmc_book_mid(&x->book));
        PMC_TRY(pmc_sim_cross_resting(s, x, 0, 0));
        *ev = *rec;
        *give = 1;
        break;
    }
    case PMC_K_BOOK: {
        const struct pmc_book_ev *b = &rec->u.book;
        s->r.quotes++;
        PMC_TRY(pmc_sim_tok_get(s, &b->token, NULL, &tk));
        struct pmc_sim_token *x = &s->tok[tk];
        pmc_book_from_levels(&x->book, b);
        x->has_book = 1;
        x->px_since_fill = 1;
        pmc_sim_set_mark(s, x, pmc_book_mid(&x->book));
        PMC_TRY(pmc_sim_cross_resting(s, x, 0, 0));
        /* the core sees the top of book as a quote */
        struct pmc_record q;
        memset(&q, 0, sizeof q);
        q.kind = PMC_K_QUOTE;
        q.t = rec->t;
        q.u.quote.token = b->token;
        if (b->nbid) {
            q.u.quote.bid = b->bid_px[0];
            q.u.quote.bidsz = b->bid_sz[0];
        }
        if (b->nask) {
            q.u.quote.ask = b->ask_px[0];
            q.u.quote.asksz = b->ask_sz[0];
        }
        if (b->nbid || b->nask) {
            *ev = q;
            *give = 1;
        }
        break;
    }
    case PMC_K_TRADE: {
        s->r.trades++;
        PMC_TRY(pmc_sim_tok_get(s, &rec->u.trade.token, NULL, &tk));
        struct pmc_sim_token *x = &s->tok[tk];
        x->last = rec->u.trade.px;
        x->px_since_fill = 1;
        pmc_sim_set_mark(s, x, rec->u.trade.px);
        PMC_TRY(pmc_sim_cross_resting(s, x, rec->u.trade.px, rec->u.trade.sz));
        *ev = *rec;
        *give = 1;
        break;
    }
    case PMC_K_RESOLVE: {
        s->r.resolves++;
        PMC_TRY(pmc_sim_tok_get(s, &rec->u.resolve.token, NULL, &tk));
        struct pmc_sim_token *x = &s->tok[tk];
        PMC_TRY(pmc_sim_cancel_resting(s, x, "market_resolved"));
        if (!x->resolved) {
            x->resolved = 1;
            x->payout = rec->u.resolve.payout;
            pmc_micros paid = pmc_notional_down(x->shares, x->payout);
            s->r.cash += paid;
            s->r.paid_out += paid;
            x->paid_usd += paid;
            x->realized += paid - x->cost;
            s->r.realized += paid - x->cost;
            s->r.cost_open -= x->cost;
            x->cost = 0;
            x->shares = 0;
            x->mark = x->payout;
            pmc_sim_remark(s, x);
            if (paid || x->bought_sh)
                pmc_sim_equity_row(s, "resolve");
        }
        *ev = *rec;
        *give = 1;
        break;
    }
    case PMC_K_REMOVED:
    case PMC_K_KILL:
    case PMC_K_RESUME:
    case PMC_K_TRADER:
        if (pmc_record_is_action(rec))
            break; /* a recorded action, not an input */
        *ev = *rec;
        *give = 1;
        break;
    default:
        /* exec/order/skip/timer/flush on an input tape are outputs or
         * driver-owned: the simulator makes its own. Import-only kinds
         * (merge/redeem/split) do not move prices. */
        break;
    }
    pmc_sim_maybe_sample(s);
    return PMC_OK;
}

enum pmc_err pmc_sim_next(void *self, pmc_ms deadline, struct pmc_record *ev)
{
    struct pmc_sim *s = self;
    post_step(s);
    for (;;) {
        if (!s->have_peek && !s->tape_end) {
            int k = s->rd ? pmc_tape_next(s->rd, &s->peek) : 0;
            if (s->feed && (k = s->feed->next(s->feed->ctx, &s->peek)) == 1)
                s->feed_n++;
            if (k < 0) {
                snprintf(s->err, sizeof s->err, "%s", s->rd->err);
                return PMC_EPARSE;
            }
            s->have_peek = k == 1;
            s->tape_end = k == 0;
        }
        const struct pmc_heap_item *top = pmc_heap_top(&s->heap);
        pmc_ms ht = top ? top->t : PMC_NO_DEADLINE;
        int give;
        int tape_first = s->have_peek && (!top || s->peek.t < ht ||
                                          (s->peek.t == ht && top->later));
        if (tape_first) {
            if (s->peek.t >= deadline)
                return PMC_EAGAIN;
            s->have_peek = 0;
            PMC_TRY(take_tape(s, &s->peek, ev, &give));
        } else if (top) {
            if (ht >= deadline)
                return PMC_EAGAIN;
            struct pmc_heap_item it;
            pmc_heap_pop(&s->heap, &it);
            PMC_TRY(take_event(s, &it, ev, &give));
        } else {
            /* the data is over and nothing is in flight: simulated time
             * still runs to the core's timers */
            return deadline == PMC_NO_DEADLINE ? PMC_EEND : PMC_EAGAIN;
        }
        if (give)
            return PMC_OK;
    }
}

pmc_ms pmc_sim_clock(void *self)
{
    const struct pmc_sim *s = self;
    return s->now;
}

/* Name what failed: the tape line for a record the core refused. */
static enum pmc_err run_error(struct pmc_sim *s, const char *name,
                              enum pmc_err e)
{
    char tmp[sizeof s->err];
    if (s->err[0])
        snprintf(tmp, sizeof tmp, "%s", s->err);
    else if (s->drv.fail_kind == PMC_K_TIMER)
        snprintf(tmp, sizeof tmp, "core timer failed: %s", pmc_strerror(e));
    else
        snprintf(
            tmp, sizeof tmp, "core refused a %s record at t=%" PRId64 ": %s",
            pmc_kind_name(s->drv.fail_kind), s->drv.fail_t, pmc_strerror(e));
    if (e == PMC_EPARSE && s->rd)
        snprintf(s->err, sizeof s->err, "%s", tmp);
    else if (s->rd && !s->tape_end)
        snprintf(s->err, sizeof s->err, "%.200s:%" PRIu64 ": %.300s", name,
                 s->rd->line, tmp);
    else if (s->feed && !s->tape_end)
        snprintf(s->err, sizeof s->err, "%.200s: record %" PRIu64 ": %.300s",
                 name, s->feed_n, tmp);
    else
        snprintf(s->err, sizeof s->err, "%.200s: at end of data: %.300s", name,
                 tmp);
    return e;
}

/* the data and everything it causes; the shutdown flush; what the flush
 * sent; resting orders cancelled at the end of data and their reports */
static enum pmc_err run_all(struct pmc_sim *s, const char *name)
{
    s->have_peek = s->tape_end = 0;
    enum pmc_err e = pmc_driver_run(&s->drv, &s->src);
    if (e == PMC_OK)
        e = pmc_driver_finish(&s->drv, &s->src);
    if (e == PMC_OK)
        e = pmc_driver_run(&s->drv, &s->src);
    if (e == PMC_OK)
        e = pmc_sim_end_of_data(s);
    if (e == PMC_OK)
        e = pmc_driver_run(&s->drv, &s->src);
    if (e != PMC_OK)
        run_error(s, name, e);
    else
        pmc_sim_final_checks(s);
    return e;
}

enum pmc_err pmc_sim_run(struct pmc_sim *s, FILE *in, const char *name)
{
    struct pmc_tape_reader rd;
    if (pmc_tape_reader_init(&rd, in, name) != PMC_OK) {
        snprintf(s->err, sizeof s->err, "out of memory");
        return PMC_ENOMEM;
    }
    s->rd = &rd;
    enum pmc_err e = run_all(s, name);
    s->rd = NULL;
    pmc_tape_reader_fini(&rd);
    return e;
}

enum pmc_err pmc_sim_run_feed(struct pmc_sim *s,
                              const struct pmc_sim_feed *feed, const char *name)
{
    s->feed = feed;
    s->feed_n = 0;
    enum pmc_err e = run_all(s, name);
    s->feed = NULL;
    return e;
}
