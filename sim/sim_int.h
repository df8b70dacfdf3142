/* sim/sim_int.h - what the simulator's modules share (not for other
 * code): the event and order records, the modules' internal functions, a
 * few small helpers. The modules and what each decides:
 *   sim/ledger.c - tokens and markets, cash/positions/P&L, equity rows,
 *                  the accounting identity; histogram edges
 *   sim/events.c - the simulated-event pool on the (time, sequence) heap
 *   sim/venue.c  - the simulated venue (venue port): arrival, checks, book
 *                  walk, resting orders, exec reports, orders.csv
 *   sim/source.c - the input port: tape + event heap merged in time order,
 *                  the record hook, and pmc_sim_run over core/driver
 *   sim/sim.c    - options, set-up and tear-down, latency samples
 * Call graph (no circles): sim -> source -> venue -> events, ledger. */
#ifndef PMC_SIM_INT_H
#define PMC_SIM_INT_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/dec.h"
#include "core/fees.h"
#include "core/tape.h"
#include "sim/sim.h"

enum ev_type { EV_DELIVER = 1, EV_ARRIVE, EV_FREE, EV_EXPIRE, EV_TRADE_FAIL };

struct pmc_sim_ev {
    enum ev_type type;
    uint32_t next_free;
    uint32_t order;        /* EV_ARRIVE, EV_EXPIRE, EV_TRADE_FAIL: order slot */
    pmc_ms detect;         /* EV_DELIVER of a fill: detection latency */
    pmc_micros basis;      /* EV_TRADE_FAIL of a SELL: the basis it took */
    struct pmc_record rec; /* EV_DELIVER, EV_TRADE_FAIL: what the core sees;
                              EV_EXPIRE: rec.u.exec.coid, the order */
};

#define ORDER_TRADERS 8

struct pmc_sim_order {
    struct pmc_sym coid;
    uint32_t tok;
    enum pmc_side side;
    enum pmc_tif tif;
    enum pmc_clip clip;
    pmc_micros px, sz, ref;
    pmc_ms t_emit, t_arrive, t_final;
    pmc_ms t_expire; /* GTD: stops resting (the order's exp), 0 = never */
    pmc_micros filled, notional, fee;
    pmc_micros mid_arrive;
    uint32_t nlegs, nfills;
    char first_key[PMC_SYM_MAX + 1];
    char status[12];
    char reason[48];
    uint32_t next_resting; /* slot + 1 */
    int live, resting, reports_pending;
    uint32_t ntr;
    int32_t tr[ORDER_TRADERS];
    pmc_micros tr_w[ORDER_TRADERS]; /* scaled source shares per trader */
    uint32_t next_free;
};

/* ---- helpers ------------------------------------------------------------- */

static inline void fmt_dec(FILE *f, pmc_micros v)
{
    char b[32];
    pmc_dec_format(v, b);
    fputs(b, f);
}

static inline uint32_t *grow_index(uint32_t *idx, uint32_t *cap)
{
    (void)idx;
    uint32_t ncap = *cap ? *cap * 2 : 256;
    uint32_t *v = calloc(ncap, sizeof *v);
    if (v)
        *cap = ncap;
    return v;
}

static inline int grow(void **v, uint32_t *cap, size_t elem)
{
    uint32_t ncap = *cap ? *cap * 2 : 64;
    void *p = realloc(*v, (size_t)ncap * elem);
    if (!p)
        return -1;
    *v = p;
    *cap = ncap;
    return 0;
}

static inline void mkt_index_put(uint32_t *idx, uint32_t cap, uint64_t h,
                                 uint32_t v)
{
    uint32_t m = cap - 1;
    uint32_t i = (uint32_t)h & m;
    while (idx[i])
        i = (i + 1) & m;
    idx[i] = v;
}

/* ---- sim/ledger.c ----------------------------------------------------------
 */

uint32_t pmc_sim_tok_find(const struct pmc_sim *s, const struct pmc_sym *t);
enum pmc_err pmc_sim_tok_get(struct pmc_sim *s, const struct pmc_sym *t,
                             const struct pmc_sym *market, uint32_t *out);
void pmc_sim_equity_row(struct pmc_sim *s, const char *why);
void pmc_sim_remark(struct pmc_sim *s, struct pmc_sim_token *x);
void pmc_sim_set_mark(struct pmc_sim *s, struct pmc_sim_token *x, pmc_micros p);
void pmc_sim_book_buy(struct pmc_sim *s, struct pmc_sim_token *x, pmc_micros sz,
                      pmc_micros px, pmc_micros fee);
void pmc_sim_book_sell(struct pmc_sim *s, struct pmc_sim_token *x,
                       pmc_micros sz, pmc_micros px, pmc_micros fee);
void pmc_sim_attribute(struct pmc_sim_token *x, int32_t trader, pmc_micros usd);
/* A trade failed on chain: take back a pmc_sim_book_buy / _sell of these
 * sz, px, fee (a SELL's `basis` as it took it). */
void pmc_sim_unbook_buy(struct pmc_sim *s, struct pmc_sim_token *x,
                        pmc_micros sz, pmc_micros px, pmc_micros fee);
void pmc_sim_unbook_sell(struct pmc_sim *s, struct pmc_sim_token *x,
                         pmc_micros sz, pmc_micros px, pmc_micros fee,
                         pmc_micros basis);
/* venue.c: the failed trade of event e is due (the core sees it now). */
void pmc_sim_trade_failed(struct pmc_sim *s, struct pmc_sim_ev *e);

/* ledger.c: the simulator's index of the core's trader ti, -1 for none.
 * The same index unless follow_all: then the simulator lists wallets in
 * tape order and the core in the order their fills reach it (detection
 * latencies may swap two first fills), matched by address. */
int32_t pmc_sim_trader_of(const struct pmc_sim *s, uint32_t ti);

/* Index of the configured (or followed) trader with address a in s->cfg,
 * or -1: pmc_config_find_trader through s->trader_ix. */
int pmc_sim_trader_find(const struct pmc_sim *s, const struct pmc_sym *a);
/* Index cfg.traders[i] (after it was added). */
void pmc_sim_trader_index(struct pmc_sim *s, uint32_t i);
void pmc_sim_maybe_sample(struct pmc_sim *s);
void pmc_sim_final_checks(struct pmc_sim *s);

/* ---- sim/events.c ----------------------------------------------------------
 */

enum pmc_err pmc_sim_ev_alloc(struct pmc_sim *s, uint32_t *slot);
void pmc_sim_ev_release(struct pmc_sim *s, uint32_t slot);
enum pmc_err pmc_sim_schedule(struct pmc_sim *s, pmc_ms t, uint32_t slot);

/* ---- sim/venue.c -----------------------------------------------------------
 */

uint32_t pmc_sim_ord_find(const struct pmc_sim *s, const struct pmc_sym *coid);
void pmc_sim_order_done(struct pmc_sim *s, uint32_t slot);
enum pmc_err pmc_sim_arrive(struct pmc_sim *s, uint32_t slot);
/* A GTD order's expiry is due: if coid still rests in slot, it ends
 * ("expired"). */
enum pmc_err pmc_sim_expire(struct pmc_sim *s, uint32_t slot,
                            const struct pmc_sym *coid);
enum pmc_err pmc_sim_cross_resting(struct pmc_sim *s, struct pmc_sim_token *x,
                                   pmc_micros trade_px, pmc_micros trade_sz);
enum pmc_err pmc_sim_cancel_resting(struct pmc_sim *s, struct pmc_sim_token *x,
                                    const char *why);
enum pmc_err pmc_sim_venue_submit(void *self, const struct pmc_record *rec,
                                  pmc_ms now);
enum pmc_err pmc_sim_venue_cancel(void *self, const struct pmc_sym *coid,
                                  pmc_ms now);
enum pmc_err pmc_sim_end_of_data(struct pmc_sim *s);

/* ---- sim/source.c ----------------------------------------------------------
 */

enum pmc_err pmc_sim_hook_input(void *ctx, const struct pmc_record *ev);
enum pmc_err pmc_sim_hook_action(void *ctx, const struct pmc_record *a);
enum pmc_err pmc_sim_next(void *self, pmc_ms deadline, struct pmc_record *ev);
pmc_ms pmc_sim_clock(void *self);

#endif
