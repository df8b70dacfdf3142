/* core/engine.h - the decision core (SPEC.md 3).
 *
 * Pure: no I/O, no clock reads, no randomness, no allocation (the caller
 * hands in one block of memory sized by pmc_engine_mem_size), no global
 * mutable state. Logical time `now` (ms since the epoch, never decreasing)
 * is an argument of every step. Same config + same inputs => same actions.
 *
 * The shell's loop (live or sim):
 *
 *     for each input record ev, in order:
 *         while (pmc_engine_next_deadline(e) <= ev.t)       // due timers
 *             step(e, &timer, pmc_engine_next_deadline(e), &out);
 *         step(e, &ev, ev.t, &out);
 *     step(e, &flush, last_t, &out);                        // shutdown
 *
 * pmc_engine_advance() does the timer part. Actions are records of kind
 * ORDER, SKIP, REFUSE, KILL or TRADER (the last two by=core) with t = now. Every source fill ends in
 * exactly one place: an order whose key list names it, or a skip. */
#ifndef PMC_ENGINE_H
#define PMC_ENGINE_H

#include "config.h"

#define PMC_NO_DEADLINE INT64_MAX

struct pmc_engine;

/* Output of one step. The caller owns v[cap]; the step appends and fails
 * with PMC_EFULL if cap would be exceeded (size it with
 * pmc_engine_max_actions). Order actions point into engine memory
 * (order.fills) valid until the next step. */
struct pmc_actions {
    struct pmc_record *v;
    size_t n, cap;
};

/* Bytes of memory the engine needs for this configuration. */
size_t pmc_engine_mem_size(const struct pmc_config *cfg);

/* Most actions one step can emit: a caller sizing its buffer to this never
 * sees PMC_EFULL from the action buffer. */
size_t pmc_engine_max_actions(const struct pmc_config *cfg);

/* Initialise an engine in mem (aligned to 16, at least mem_size bytes).
 * The config is copied. PMC_ECONFIG if it does not validate. */
PMC_MUST_USE enum pmc_err pmc_engine_init(struct pmc_engine **out, void *mem,
                                          size_t size,
                                          const struct pmc_config *cfg);

/* Apply one input record at time now. Returns PMC_ETIME if now goes back,
 * PMC_ERANGE (nothing applied) if now is past PMC_TIME_MAX or a price,
 * size, fee, payout, tick or time of the record is outside the range the
 * tape codec accepts (core/tape.h) or a BUY fill report would take its
 * token past 1e12 shares or 1e12 USD of cost (the report is counted, nothing
 * else applied), PMC_EFULL when a fixed-capacity table is
 * full (with follow_all: a fill from a new wallet when PMC_MAX_TRADERS are
 * listed, the fill not applied), PMC_ENOTFOUND for an exec status=failed
 * that matches no fill report of the order kept (one with at least its sz
 * not failed yet, among the latest min(max_open_orders, 4096) fills;
 * nothing applied), PMC_EOK otherwise (a failed fill whose token resolved
 * since is counted in fills_failed_resolved, not undone: the payout
 * stands). Records that are not inputs (orders, skips,
 * import-only kinds) are ignored. */
PMC_MUST_USE enum pmc_err pmc_engine_step(struct pmc_engine *e,
                                          const struct pmc_record *ev,
                                          pmc_ms now, struct pmc_actions *out);

/* A hint, with no effect on results: `next` is a record the caller will
 * step soon. Starts loading the table slots its step will probe first (a
 * fill's dedupe slot and token index slot, an exec report's order index
 * slot), so that those cache misses overlap with the steps before instead
 * of stalling them. A caller holding records in memory calls it for ev[i + 2]
 * before stepping ev[i] (as bench/bench_core.c does). */
void pmc_engine_prefetch(const struct pmc_engine *e,
                         const struct pmc_record *next);

/* The earliest time a timer is due, or PMC_NO_DEADLINE. */
pmc_ms pmc_engine_next_deadline(const struct pmc_engine *e);

/* Deliver every timer due at or before `until` (each at its own deadline),
 * appending the actions. A convenience over pmc_engine_step. The caller
 * must drain `out` between calls when it might fill up: this stops early
 * and returns PMC_OK with *more = 1 when out cannot hold another flush. */
PMC_MUST_USE enum pmc_err pmc_engine_advance(struct pmc_engine *e, pmc_ms until,
                                             struct pmc_actions *out,
                                             int *more);

/* ---- read-only views for shells (reports, API, tests) ----------------- */

struct pmc_engine_stats {
    uint64_t fills_seen, orders, skips[PMC_SKIP_COUNT];
    uint64_t reports, fills_copied, rejects;
    uint64_t fills_failed;          /* fill reports a FAILED report took back */
    uint64_t fills_failed_resolved; /* ... after their token resolved: kept */
    /* source fills removed by a reorg (ev=removed): withdrawn from their
     * bucket (skip reason=removed), or past it (copied, skipped, unseen) */
    uint64_t removed_withdrawn, removed_late;
    pmc_micros bought_today, bought_window; /* notional incl. pending */
    pmc_micros realized_total, realized_today;
    pmc_micros unrealized;  /* at the last mark */
    pmc_micros pnl_today;   /* realized_today + the change of unrealized
                               since 00:00 UTC: what the daily-loss kill
                               counts */
    pmc_micros pending_buy; /* notional of buys awaiting a report */
    uint32_t open_orders, open_buckets;
    uint32_t positions; /* tokens in the table (pmc_engine_position) */
    int64_t consecutive_rejects;
    int killed;
};
void pmc_engine_stats(const struct pmc_engine *e, struct pmc_engine_stats *s);

struct pmc_position_view {
    const struct pmc_sym *token, *market;
    pmc_micros shares;   /* held */
    pmc_micros cost;     /* open cost basis (USD, fees included) */
    pmc_micros realized; /* realised P&L on this token */
    pmc_micros mark;     /* last mark price, 0 = none */
    pmc_micros bid, ask; /* the last quote, 0 = side empty or unknown */
    pmc_micros pending_buy, pending_sell; /* shares in open orders */
    pmc_ms end;                           /* market end, 0 = unknown */
    int resolved;
};
/* Iterate positions: i from 0 while it returns 1. Every token in the table
 * is listed, resolved ones too, until the table is full: then the slot of a
 * resolved token that holds nothing and has no open order or bucket is
 * reused (that token is no longer listed; seen again, it starts afresh). */
int pmc_engine_position(const struct pmc_engine *e, uint32_t i,
                        struct pmc_position_view *v);

/* ---- per-trader accountability -------------------------------------- *
 *
 * One record per trader index (cfg.traders[i]; with follow_all, in the
 * order wallets joined), kept in the engine's own memory (sized by the
 * config's trader count, PMC_MAX_TRADERS with follow_all). The rules:
 *
 *  - fills_seen: every source fill of the trader the step took (duplicates
 *    too). skips[r]: its fills skipped for r. fills_eligible: its fills
 *    that entered a bucket, i.e. were neither a duplicate, nor below its
 *    min_source_usd, nor stale, nor arriving while the trader was off: the
 *    fills a copy was wanted for. fills_copied: its fills carried by an
 *    order. Tracking accuracy = fills_copied / fills_eligible.
 *  - orders: orders carrying at least one of its fills; rejects: those of
 *    them rejected; order_fills: execution fill reports of those orders;
 *    orders_filled: those orders that got at least one execution fill
 *    (counted at its first). Fill rate = orders_filled / orders.
 *  - Attribution: an order's execution (shares, USD, fee, basis, realised
 *    P&L) is split between the traders of its source fills on the order's
 *    side pro rata by the shares each contributed (source size x the
 *    trader's ratio, as the order was sized); fills on the other side that
 *    were netted away carry none. Each split is floored and the rounding
 *    remainder goes to the largest contributor (the first of equals), so
 *    the parts add up to the whole exactly. An order names at most
 *    PMC_ATTR_MAX traders, the first in its fills' order. Our position in
 *    a token is held per (trader, token): a SELL copied from trader A may
 *    take A's part below zero when it sells shares another trader's copies
 *    bought; the sum over traders is the engine's position. Resolution realises each part at the payout.
 *  - bought_usd / sold_usd: shares x price of the fills attributed; fees_usd
 *    their fees. realized_usd: realised P&L of the closing fills and
 *    resolutions attributed (realized_today since 00:00 UTC of the logical
 *    time); unrealized_usd: its parts at each token's mark (as
 *    pmc_engine_stats' unrealized; the sum over traders equals it up to a
 *    micro of rounding per part).
 *  - The source's own P&L: each of its eligible fills (above) moves a
 *    virtual position at the source's price without fees, when its bucket
 *    is flushed (in the bucket's order); a SELL realises
 *    against the average cost of what that position holds (shares it sold
 *    beyond it, bought before we saw it, are ignored); resolution realises
 *    at the payout; src_unrealized_usd marks the rest like ours.
 *  - consecutive_losses: closing trades attributed to the trader, in order,
 *    whose realised P&L is negative. A closing trade is one execution fill
 *    report of a SELL, or one resolution of a token the trader's part holds;
 *    a positive one ends the run, a zero one leaves it.
 *  - untracked: attributions lost to a full table (the (trader, token)
 *    table holds 2 x max_tokens parts, an order names at most
 *    PMC_ATTR_MAX traders): never silent, 0 in any sane configuration.
 *  - off: 0 while copied, else PMC_TRADER_OFF_* (why its fills are
 *    skipped as trader_off). */
#define PMC_ATTR_MAX 16

#define PMC_TRADER_ON 0
#define PMC_TRADER_OFF_OPERATOR 1
#define PMC_TRADER_OFF_DAILY_LOSS 2
#define PMC_TRADER_OFF_LOSS_STREAK 3

struct pmc_trader_stats {
    uint64_t fills_seen, fills_eligible, fills_copied;
    uint64_t skips[PMC_SKIP_COUNT];
    uint64_t orders, order_fills, rejects;
    uint64_t orders_filled;
    pmc_micros bought_usd, sold_usd, fees_usd;
    pmc_micros realized_usd, realized_today, unrealized_usd;
    pmc_micros src_realized_usd, src_unrealized_usd;
    uint32_t consecutive_losses;
    int off;
    uint64_t untracked;
};

/* 1 and *out set for trader index i < the config's trader count (with
 * follow_all: the wallets listed so far), else 0. O(tokens held). */
int pmc_engine_trader_stats(const struct pmc_engine *e, uint32_t i,
                            struct pmc_trader_stats *out);

/* Every trader's at once, in one pass over the tokens: out[0, n) for the
 * first n = min(cap, trader count) traders; returns n. */
uint32_t pmc_engine_trader_stats_all(const struct pmc_engine *e,
                                     struct pmc_trader_stats *out,
                                     uint32_t cap);

/* How many listed traders are copied now: enabled in the configuration and
 * not switched off (by an operator or a cut-off). O(traders), no tokens. */
uint32_t pmc_engine_traders_copied(const struct pmc_engine *e);

/* "on", "operator", "daily_loss", "loss_streak"; "?" otherwise. */
const char *pmc_trader_off_name(int off);

/* ---- kill switch and traders at run time ------------------------------ *
 *
 * The kill switch (no new buys) is on while any of three holds:
 *  - an operator kill (a kill input by operator or api): lifted by any
 *    resume that is not refused;
 *  - the kill-file kill (by=kill_file): lifted only by a resume
 *    by=kill_file (the shell sends it when the file goes), which lifts
 *    nothing else and is never refused;
 *  - the core's own kill (action `ev=kill by=core reason=R`: R is
 *    max_daily_loss, max_consecutive_rejects or order_table_full),
 *    remembered even when an operator kill came first: lifted only by a
 *    resume whose override names R.
 * A resume (not by=kill_file) that would leave a kill on changes nothing:
 * the core answers with `ev=refuse of=resume reason=R` (R the automatic
 * kill's reason, or kill_file while the file's kill holds). An accepted
 * resume lifts the operator and automatic kills and ends the run of
 * rejects.
 *
 * Traders: `ev=trader trader=A state=off|on` switches trader A (an address
 * not in the configuration is ignored; with follow_all it joins the list).
 * Off, its new fills are skipped as trader_off; fills already in an open
 * bucket stay there and are flushed with it (copied or skipped as any
 * other). On lifts any cut-off and starts its loss run afresh. The core
 * cuts a trader off itself (action `ev=trader state=off by=core
 * reason=daily_loss|loss_streak`) when, after a closing trade attributed
 * to it, its realised P&L today reaches -trader_max_daily_loss_usd or its
 * consecutive_losses reach trader_max_consecutive_losses (0 = no
 * cut-off). A daily-loss cut-off ends with the UTC day: the trader's first
 * fill of a later day is preceded by `ev=trader state=on by=core
 * reason=new_day`; a loss-run cut-off lasts until an operator's on. */

/* The reason a resume would be refused now (the kill that would stay), or
 * NULL when it would be accepted. The shell answers with it; the step
 * decides the same. */
const char *pmc_engine_resume_refusal(const struct pmc_engine *e,
                                      const struct pmc_resume_ev *r);

struct pmc_kill_view {
    int killed;
    int by_operator, by_kill_file;
    char automatic[64]; /* the core's own kill's reason, "" = none */
};
void pmc_engine_kill_view(const struct pmc_engine *e, struct pmc_kill_view *v);

/* Index of the trader with this normalised address, or -1. */
int pmc_engine_trader_find(const struct pmc_engine *e,
                           const struct pmc_sym *addr);

const struct pmc_config *pmc_engine_config(const struct pmc_engine *e);

#endif
