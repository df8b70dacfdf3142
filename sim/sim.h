/* sim/sim.h - the deterministic discrete-event simulator (SPEC.md 5).
 *
 * Decides: when the core sees each source fill (detection latency), when
 * our orders reach the venue and when the venue's answers come back (order
 * latency), how orders fill (core/fillmodel.h against the tape's books, or
 * last trade +- a half spread), what they cost (core/fees.h), what
 * resolutions pay, and the ledger (cash, positions, P&L, drawdown) the
 * reports are built from.
 *
 * It does not step the core: the one loop of every shell (core/driver.h)
 * does. The simulator is that loop's input port (core/source.h: tape
 * records and simulated events merged by (time, sequence), the tape first
 * at equal times; the driver fires due timers before either) and its venue
 * port (core/venue.h): every ORDER action goes to the simulated venue and
 * its ack/fill/cancel/reject come back to the core as `exec` records at
 * their simulated time.
 *
 * Must never: read a clock, iterate in pointer order, use floating point
 * for money, or hold the whole tape in memory (records are streamed; memory
 * follows the number of tokens, traders and events in flight). Same
 * inputs + same seed => byte-identical outputs. */
#ifndef PMC_SIM_H
#define PMC_SIM_H

#include <stdio.h>

#include "core/driver.h"
#include "core/fillmodel.h"
#include "core/source.h"
#include "core/venue.h"
#include "sim/heap.h"

/* How the detection latency of a source fill is chosen. */
enum pmc_lat_mode {
    PMC_LAT_CONST = 0, /* per source kind (src=), constant */
    PMC_LAT_EMPIRICAL, /* drawn (seeded) from a file of samples */
    PMC_LAT_RECORDED   /* the tape's own t (a live recording) */
};

struct pmc_sim_opts {
    uint64_t seed;
    enum pmc_lat_mode lat_mode;
    pmc_ms lat_src[4]; /* indexed by enum pmc_src; [0] = fills without src */
    const pmc_ms *lat_samples; /* PMC_LAT_EMPIRICAL; caller owns */
    size_t lat_nsamples;
    pmc_ms lat_submit;       /* our order: submit -> arrival at the venue */
    pmc_ms lat_report;       /* venue -> the core sees ack/fill/cancel/reject */
    pmc_ms lat_jitter;       /* mean of an exponential added to lat_submit */
    pmc_micros half_spread;  /* no-book model: last +- this */
    pmc_micros nobook_depth; /* shares per side of the no-book model */
    pmc_micros unknown_sz;   /* depth of a quote level without size */
    pmc_micros capital;      /* starting cash, USD */
    pmc_micros min_marketable_usd; /* venue: marketable BUY >= this */
    pmc_micros default_minsz;      /* venue: resting order >= this */
    pmc_micros default_fee_rate;   /* when a market has none */
    int32_t default_fee_exp;
    pmc_ms equity_sample_ms; /* equity.csv mark-to-market row spacing */
    /* Streamed ledger files (headers written by the caller); may be NULL. */
    FILE *orders_csv, *fills_csv, *equity_csv;
    /* Every record the core saw, as it saw it, and every action it emitted,
     * as tape lines (header written by the caller); may be NULL. `pmcopy
     * replay` reproduces it. */
    FILE *journal;
};

/* SPEC defaults: api 22 s, chain 3 s, rtds 0.4 s, no src -> chain; submit
 * 100 ms, report 50 ms, jitter 20 ms; half spread 0.005; capital 1000 USD;
 * $1 / 5 shares venue minimums; fee 0.25 / 2; equity rows every 60 s. */
void pmc_sim_opts_defaults(struct pmc_sim_opts *o);

#define PMC_SIM_HIST_BINS 24
#define PMC_SIM_TOKEN_TRADERS 8 /* traders attributed per token (+ rest) */

struct pmc_sim_alloc {
    int32_t trader; /* config index; -1 = the rest */
    pmc_micros usd; /* our buy notional attributed */
};

#define PMC_SIM_STATED_TICK 1u
#define PMC_SIM_STATED_MINSZ 2u
#define PMC_SIM_STATED_FEE 4u
struct pmc_sim_token {
    struct pmc_sym token, market;
    char outcome[24];
    uint32_t market_idx;
    pmc_ms end;
    pmc_micros tick, minsz, fee_rate;
    int32_t fee_exp;
    unsigned stated; /* PMC_SIM_STATED_*: set by a non-default ev=market */
    /* price path: source fills of the token on the tape, a trade / quote /
     * book of it since the last one, one between two of them */
    uint32_t src_fills;
    uint8_t px_since_fill, px_between;
    int has_book;
    struct pmc_book book;
    pmc_micros last; /* last trade print, 0 = none */
    pmc_micros mark; /* last price seen (trade, source fill or quote mid) */
    int resolved;
    pmc_micros payout;
    /* ledger */
    pmc_micros shares, cost; /* held, open cost basis (fees excluded) */
    pmc_micros mv;           /* shares x mark, last computed */
    pmc_micros realized, fees, bought_usd, sold_usd, paid_usd;
    pmc_micros bought_sh, sold_sh;
    uint32_t orders, fills;
    uint32_t resting; /* first resting order slot + 1, 0 = none */
    struct pmc_sim_alloc alloc[PMC_SIM_TOKEN_TRADERS + 1];
};

struct pmc_sim_market {
    struct pmc_sym id;
    char name[160]; /* question, else slug, from ev=market; "" = none */
    pmc_ms end;
    uint32_t ntokens;
    uint32_t tokens[2]; /* first two tokens seen */
};

struct pmc_sim_trader {
    struct pmc_sym addr;
    char label[48];
    uint64_t fills_seen;               /* delivered to the core */
    pmc_micros src_usd;                /* source notional seen */
    uint64_t fills_copied;             /* named by one of our orders */
    pmc_micros our_usd, our_fees, pnl; /* attributed (see docs) */
};

/* Penalty of following (USD, positive = cost to us), per filled share:
 * drift = move of the mid between the source's price and our arrival,
 * spread = our price versus that mid (incl. walking the book), fees. */
struct pmc_sim_penalty {
    pmc_micros drift, spread, fees;
};

struct pmc_sim_result {
    uint64_t records, fills_in_tape, fills_delivered, quotes, trades, resolves,
        markets_seen;
    pmc_ms t_first, t_last;
    uint64_t orders, orders_filled, orders_partial, orders_unfilled,
        orders_rejected, fill_legs;
    /* matched trades that failed on chain (trade_fail_share): undone in
     * the ledger and in the core; their shares x price and fees, and those
     * that did not fail because their market resolved first */
    uint64_t trades_failed, trades_fail_resolved;
    pmc_micros failed_usd, failed_fees;
    uint64_t skips[PMC_SKIP_COUNT];
    uint64_t kills;
    char first_kill[64];
    pmc_ms first_kill_t;
    pmc_micros ordered_sh, filled_sh, ordered_usd, filled_usd;
    pmc_micros cash, capital, realized, unrealized, fees, cost_open, mv_open;
    pmc_micros paid_out;
    pmc_micros peak_equity, max_dd, max_dd_peak; /* USD */
    pmc_micros capital_used; /* most cash ever tied up: capital - min cash */
    pmc_micros min_cash;
    struct pmc_sim_penalty pen;
    pmc_micros slip_sum_sh; /* sum (px - ref) x sz signed as a cost, USD */
    uint32_t unresolved_positions;
    int identity_ok, engine_agrees;
    char identity_msg[200];
    uint64_t max_inflight;
    /* histograms: detection latency (s), order round trip (ms), slippage
     * (cents vs the source's price) */
    uint64_t h_detect[PMC_SIM_HIST_BINS], h_rtt[PMC_SIM_HIST_BINS],
        h_slip[PMC_SIM_HIST_BINS];
    pmc_ms detect_sum, rtt_sum;
    uint64_t detect_n, rtt_n;
};

/* Records from the caller, one at a time (pmc_sim_run_feed): next writes
 * the next record into *rec and returns 1, or returns 0 at the end. The
 * records are already checked (a tape reader parsed them), in tape order. */
struct pmc_sim_feed {
    void *ctx;
    int (*next)(void *ctx, struct pmc_record *rec);
};

struct pmc_sim_order; /* in flight (sim.c) */
struct pmc_sim_ev;

struct pmc_tape_reader;

#define PMC_SIM_TRADER_SLOTS 1024 /* >= 2 x PMC_MAX_TRADERS, a power of 2 */

struct pmc_sim {
    struct pmc_config cfg;
    struct pmc_sim_opts o;
    struct pmc_driver drv;  /* the loop, with the engine (drv.eng) */
    struct pmc_engine *eng; /* = drv.eng */
    void *eng_mem;          /* the driver's block */
    struct pmc_venue venue; /* the simulated venue */
    struct pmc_source src;  /* tape + event heap as the input port */
    /* the tape being read, one record of look-ahead */
    struct pmc_tape_reader *rd;
    struct pmc_record peek;
    int have_peek, tape_end;
    /* or records handed over by the caller (pmc_sim_run_feed) */
    const struct pmc_sim_feed *feed;
    uint64_t feed_n; /* records taken from it */
    /* an exec report handed to the core: its order's bookkeeping runs
     * once the core has stepped it */
    int post_exec;
    struct pmc_sym post_coid;
    void *rng; /* gsl_rng */
    struct pmc_heap heap;
    /* event payload pool */
    struct pmc_sim_ev *evs;
    uint32_t nev, cap_ev, free_ev;
    /* orders in flight */
    struct pmc_sim_order *ords;
    uint32_t nord, cap_ord, free_ord;
    uint32_t *ord_idx; /* open addressing by coid hash, slot + 1 */
    uint32_t ord_idx_cap, ord_live, ord_tomb;
    /* tokens, markets (insertion order) */
    struct pmc_sim_token *tok;
    uint32_t ntok, cap_tok;
    uint32_t *tok_idx, tok_idx_cap;
    struct pmc_sim_market *mkt;
    uint32_t nmkt, cap_mkt;
    uint32_t *mkt_idx, mkt_idx_cap;
    /* cfg.ntraders + 1, the rest last; room for PMC_MAX_TRADERS + 1 with
     * follow_all (cfg.traders grows with each new wallet on the tape) */
    struct pmc_sim_trader *trd;
    uint32_t ntraders_named; /* cfg.ntraders at init */
    /* cfg.traders by address hash: index + 1, 0 empty (open addressing;
     * at most PMC_MAX_TRADERS of PMC_SIM_TRADER_SLOTS slots used) */
    uint16_t trader_ix[PMC_SIM_TRADER_SLOTS];
    pmc_ms now, next_equity_row;
    pmc_micros last_equity_row;
    struct pmc_sim_result r;
    char err[600];
};

/* Set up a simulator (engine included) for cfg. *s is caller storage; on
 * failure s->err says why. PMC_ECONFIG (config invalid), PMC_ENOMEM. */
PMC_MUST_USE enum pmc_err pmc_sim_init(struct pmc_sim *s,
                                       const struct pmc_config *cfg,
                                       const struct pmc_sim_opts *o);
void pmc_sim_fini(struct pmc_sim *s);

/* Run a whole tape stream (proto/tapeio) through the driver: the tape and
 * the simulated events until both are done, the shutdown flush, resting
 * orders cancelled at the end of data; then mark open positions and check
 * the accounting identity and the core's positions (r.identity_ok /
 * r.engine_agrees). name labels errors ("file:line: reason" in s->err). */
PMC_MUST_USE enum pmc_err pmc_sim_run(struct pmc_sim *s, FILE *in,
                                      const char *name);

/* The same run over records the caller hands over (parsed once and kept
 * in memory by `pmcopy rank`). Errors name the record's number in the
 * feed. */
PMC_MUST_USE enum pmc_err pmc_sim_run_feed(struct pmc_sim *s,
                                           const struct pmc_sim_feed *feed,
                                           const char *name);

/* Read latency samples (one per line, milliseconds, '#' comments) into a
 * malloc'd array the caller frees. PMC_EIO / PMC_EPARSE with msg. */
PMC_MUST_USE enum pmc_err pmc_sim_load_samples(const char *path, pmc_ms **out,
                                               size_t *n, char *msg,
                                               size_t cap);

/* Current equity: cash + open positions at their marks (USD micros). */
pmc_micros pmc_sim_equity(const struct pmc_sim *s);

/* Histogram bin edges (lower bound of bin i), in the unit of each
 * histogram: detection seconds x 1000 (ms), round trip ms, slippage in
 * 1/10 cent. The last bin holds everything above. */
int64_t pmc_sim_hist_lo(int which, int i);

#endif
