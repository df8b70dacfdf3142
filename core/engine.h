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
 * ORDER, SKIP or KILL (by_core=1) with t = now. Every source fill ends in
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
 * listed, the fill not applied), PMC_EOK otherwise. Records that are not inputs (orders, skips,
 * import-only kinds) are ignored. */
PMC_MUST_USE enum pmc_err pmc_engine_step(struct pmc_engine *e,
                                          const struct pmc_record *ev,
                                          pmc_ms now, struct pmc_actions *out);

/* A hint, with no effect on results: `next` is a record the caller will
 * step soon. Starts loading the table slots its step will probe first (a
 * fill's dedupe slot and token index slot, an exec report's order index
 * slot) and the fills of the oldest bucket if a timer will flush it by
 * then, so that those cache misses overlap with the steps before instead of
 * stalling them. A caller holding records in memory calls it for ev[i + 2]
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
    pmc_micros bought_today, bought_window; /* notional incl. pending */
    pmc_micros realized_total, realized_today;
    pmc_micros unrealized;  /* at the last mark */
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

const struct pmc_config *pmc_engine_config(const struct pmc_engine *e);

#endif
