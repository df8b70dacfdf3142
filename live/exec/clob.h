/* live/exec/clob.h - the CLOB executor: the venue port (core/venue.h) for
 * Polymarket's real central limit order book.
 *
 * What it decides: how one ORDER action of the core becomes one signed V2
 * order (proto/sign), when its POST /order may go out (token-bucket rate
 * limits, the venue's rate-limit headers, a circuit breaker, a geoblock
 * stop), what an answer means for the core (exec records: ack / fill /
 * cancel / reject), and when a request may be repeated. It never decides
 * what to trade.
 *
 * Safety rules it keeps:
 *  - Nothing is sent that the journal_order hook has not accepted first.
 *  - The signed order is a function of the action and its emission time:
 *    salt = keccak256("pmcopy-salt" || coid || be64(now)) mod 2^53 and the
 *    order timestamp = now, so a restarted process builds the identical
 *    body and order hash.
 *  - A POST whose fate is unknown (timeout, reset, 5xx other than 503/425,
 *    a connection that died before the answer) is never re-sent blindly:
 *    the order is first looked up by its hash (GET /data/order/{hash});
 *    only a repeated "not found" allows one more POST of the same body.
 *    libcurl's own silent re-send on a dead kept-alive connection is
 *    refused (a second attempt of one POST is aborted before writing).
 *  - Credentials are used for signing and headers only; they never reach a
 *    log line or an error text.
 *
 * What the exec records say:
 *  - FAK/FOK are sent as marketable orders (reference 2.7): a BUY spends
 *    shares x limit in USD at prices up to the limit, so at a better price
 *    it can receive MORE shares than the core asked for; the fill reports
 *    what was received. Anything not filled is then a cancel (FAK rest,
 *    FOK kill, "unmatched"): FAK/FOK are final after the answer.
 *  - GTC: ack when resting; fills found by polling the order by hash;
 *    cancel after DELETE /order or when the venue says it is over.
 *  - Fill price: USD / shares of the POST answer (makingAmount and
 *    takingAmount, read as decimals and checked against the order's
 *    amounts, base units accepted when only they fit); a fill learned by
 *    look-up carries the order's own price (its worst case). fee is 0: the
 *    venue sets fees at match time and these answers do not carry them.
 *  - Refusals are rejects carrying the venue's message ("venue 400: ..."),
 *    or "breaker_open: ...", "geoblocked", "journal_failed: ...",
 *    "not_at_venue" (restart look-up found nothing).
 *
 * I/O model: the executor owns its libcurl multi handle (its own pool of
 * kept-alive connections to the CLOB, so orders never queue behind other
 * REST traffic) and its lanes: connections kept open for POST /order,
 * whose requests it writes and whose answers it reads itself (lane.h,
 * http1.h), so an order does not wait on libcurl's transfer set-up. The loop
 * calls pmc_clob_tick(now) every pass; that drives the transfers without
 * blocking, handles answers and due timers. The loop may wait on the executor's
 * sockets with pmc_clob_wait() or fold pmc_clob_multi() into its own poll set.
 * No function here reads a clock: `now` (ms since the epoch) comes with every
 * call and is the timestamp of every record and stage it reports.
 *
 * Not thread-safe: one thread (the loop's) calls everything. */
#ifndef PMC_CLOB_H
#define PMC_CLOB_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/venue.h"
#include "live/exec/creds.h"
#include "live/exec/guard.h"
#include "live/exec/presign.h"
#include "live/metrics.h"
#include "proto/sign/amounts.h"
#include "proto/sign/eip712.h"
#include "proto/wire/clob_user.h"

/* ---- configuration ------------------------------------------------------ */

struct pmc_clob_cfg {
    const char *base_url; /* CLOB REST root without trailing '/', copied */
    const char *ca_file;  /* CA bundle verifying the CLOB over TLS (NULL =
                             libcurl's default), every connection; copied */
    uint64_t chain_id;    /* 137 (default) or 80002 */
    uint8_t sig_type;     /* enum pmc_sig_type, default EOA */
    int has_funder;       /* 1: funder is the order's maker (proxy/Safe) */
    uint8_t funder[PMC_ADDR_LEN];
    int exchange_v3; /* default for tokens not set by pmc_clob_token_info:
                        0 = CTF Exchange V2 (neg-risk picks its twin),
                        1 = ExchangeV3 (Protocol V2 markets) */
    pmc_ms post_timeout_ms;    /* whole POST /order; default 3000 */
    pmc_ms get_timeout_ms;     /* metadata and order look-ups; 3000 */
    pmc_ms connect_timeout_ms; /* default 2000 */
    uint32_t max_retries;      /* extra POSTs of one body; default 2 */
    pmc_ms retry_backoff_ms;   /* first retry delay, doubled; default 200 */
    uint32_t max_429;          /* 429 answers tolerated per order; 5 */
    uint32_t reconcile_tries;  /* look-ups before "not at the venue"; 3 */
    pmc_ms reconcile_delay_ms; /* between look-ups; default 300 */
    pmc_ms poll_open_ms;       /* poll resting / delayed orders by hash; 2000;
                                  0 = never (delayed orders still polled) */
    /* Rate limits (reference 4.5; the venue changes them: config). */
    struct pmc_rate post_burst;     /* POST /order 3500 / 10 s */
    struct pmc_rate post_sustained; /* POST /order 36000 / 10 min */
    struct pmc_rate cancel;         /* DELETE /order 3000 / 10 s */
    struct pmc_rate meta;           /* tick-size/neg-risk 200 / 10 s */
    struct pmc_rate ledger;         /* GET /data/order 900 / 10 s */
    struct pmc_rate batch_burst;    /* POST /orders 1000 / 10 s */
    struct pmc_rate batch_10min;    /* POST /orders 15000 / 10 min */
    uint32_t breaker_threshold;     /* consecutive 5xx/429/transport
                                       failures that open it; 5 (0 = off) */
    pmc_ms breaker_cooldown_ms;     /* open -> half-open; default 10000 */
    uint32_t max_orders;            /* orders tracked at once; 256 */
    uint32_t max_tokens;            /* token metadata cache; 1024 */
    long max_host_conns;            /* parallel connections; 8 */
    uint32_t presign; /* presignatures kept ready (live/exec/presign.h):
                         256; 0 = every signature RFC 6979 */
    uint32_t lanes;   /* kept-alive connections that carry POST /order
                         written directly (live/exec/lane.h): 2, at most
                         PMC_CLOB_LANES_MAX; 0 = every request through
                         libcurl's transfers. A POST that finds no idle
                         lane goes through libcurl. */
    /* batch_max: orders one POST /orders carries: 15 (the venue's most);
     * 0 or 1 = never batch. Orders posted together (held by pmc_clob_hold,
     * or due in the same pass) go as batches; one alone goes as POST
     * /order (on a lane when one is idle). */
    uint32_t batch_max;
    /* trades_pages: GET /data/trades pages one reconcile after the user
     * channel was down reads at most (50); one more page due is logged
     * and counted (pmcopy_exec_recon_capped_total), not read. */
    uint32_t trades_pages;
};
#define PMC_CLOB_BATCH_MAX 15
#define PMC_CLOB_LANES_MAX 8

/* Fill c with the defaults above (base_url = https://clob.polymarket.com). */
void pmc_clob_cfg_default(struct pmc_clob_cfg *c);
/* PMC_OK when every key keeps its rule; else PMC_ECONFIG and why gets
 * the first key that does not: "name = value: rule" (live/exec/clob_cfg.c
 * has the rules). pmc_clob_new checks the same. */
PMC_MUST_USE enum pmc_err pmc_clob_cfg_check(const struct pmc_clob_cfg *c,
                                             char *why, size_t why_len);

/* ---- hooks into the loop ------------------------------------------------- */

enum pmc_clob_stage {
    PMC_STAGE_SUBMITTED = 0, /* POST handed to libcurl (each attempt) */
    PMC_STAGE_ACKED,         /* the venue's answer to the POST arrived */
};

/* One of our orders' part in a venue trade, as the trade hook sees it. */
struct pmc_clob_trade {
    struct pmc_sym coid, trade_id;
    const char *order_hash;
    enum pmc_trade_status status;
    pmc_micros shares, px; /* the leg as the venue states it */
    int taker;
    pmc_ms match_time;  /* the venue's (0: unknown) */
    pmc_ms t;           /* when this status was learned */
    int order_done;     /* the executor no longer tracks the order */
    uint32_t unsettled; /* the order's trades neither CONFIRMED nor FAILED */
};

struct pmc_clob_hooks {
    void *ctx;
    /* Execution reports (kind PMC_K_EXEC) and the geoblock stop (kind
     * PMC_K_KILL, reason "geoblocked", by_core 0), with t = now of the
     * call that produced them. The record is valid during the call only.
     * Required. */
    void (*emit)(void *ctx, struct pmc_record *rec);
    /* Commit the exact POST body (body_len bytes, NUL-terminated) and the
     * order hash ("0x" + 64 hex) for coid before it is sent. Called again
     * with a new body if the order is re-signed (tick size change). Any
     * error stops that order: it is rejected ("journal_failed") and never
     * sent. Required. */
    enum pmc_err (*journal_order)(void *ctx, const struct pmc_sym *coid,
                                  const char *body, size_t body_len,
                                  const char *order_hash);
    /* Stage timestamps for the store. May be NULL. */
    void (*stage)(void *ctx, const struct pmc_sym *coid,
                  enum pmc_clob_stage stage, pmc_ms t, const char *order_hash);
    /* One line of operator information (no newline). Never contains a
     * credential. NULL: written to stderr as "pmcopy exec: <line>". */
    void (*log)(void *ctx, const char *line);
    /* A POST is about to be written (benchmarks): the request is complete
     * and its one write comes next: on a lane, called right before the
     * send; through libcurl, from its pre-request callback (head and body
     * go out in one write, within the same libcurl call). May be NULL. */
    void (*wire)(void *ctx, const struct pmc_sym *coid, size_t nbytes);
    /* A venue trade of one of our orders changed status (user channel or
     * GET /data/trades): for the store. Valid during the call. May be
     * NULL. */
    void (*trade)(void *ctx, const struct pmc_clob_trade *t);
};

/* ---- life cycle -----------------------------------------------------------
 */

struct pmc_clob;

/* Create an executor. Takes the credentials: c->signer moves into the
 * executor and the API part is copied; *c is wiped on return whatever the
 * outcome. cfg and hooks are copied. `now` starts the rate limiters.
 * PMC_EUSAGE for a missing hook or signer, PMC_ECONFIG for a bad config
 * value (why names it), PMC_ENOMEM, PMC_EIO if libcurl cannot start.
 * The process has called curl_global_init once before (its main). */
PMC_MUST_USE enum pmc_err pmc_clob_new(const struct pmc_clob_cfg *cfg,
                                       struct pmc_exec_creds *c,
                                       const struct pmc_clob_hooks *hooks,
                                       pmc_ms now, struct pmc_clob **out,
                                       char *why, size_t why_len);
/* Abort every transfer, wipe the credentials, free. NULL is a no-op.
 * Orders still open are not reported (the store reconciles on restart). */
void pmc_clob_free(struct pmc_clob *x);

/* The venue port over x (submit and cancel below). */
struct pmc_venue pmc_clob_venue(struct pmc_clob *x);

/* Accept an ORDER action emitted at `now` (copied). The answer comes later
 * (or during this call, e.g. a reject while the breaker is open) through
 * emit. PMC_EUSAGE when rec is not an order, PMC_EFULL when max_orders
 * orders are open; a repeated coid still open is ignored (PMC_OK). */
PMC_MUST_USE enum pmc_err
pmc_clob_submit(struct pmc_clob *x, const struct pmc_record *rec, pmc_ms now);
/* Cancel what is left of an order: not yet sent -> cancelled locally (an
 * exec cancel at once); resting -> DELETE /order, then an exec cancel.
 * PMC_ENOTFOUND for an unknown coid. */
PMC_MUST_USE enum pmc_err
pmc_clob_cancel(struct pmc_clob *x, const struct pmc_sym *coid, pmc_ms now);

/* Hold the POSTs of the orders submitted from now on (signed and
 * journaled at submit as before) until pmc_clob_release, which posts them
 * together: up to batch_max in one POST /orders, a single one as POST
 * /order. The loop holds around one pass of the core, so a flush across
 * tokens goes out as one request. No-op when batch_max <= 1. */
void pmc_clob_hold(struct pmc_clob *x);
void pmc_clob_release(struct pmc_clob *x, pmc_ms now);

/* Drive the transfers (never blocks), handle answers and due timers. */
PMC_MUST_USE enum pmc_err pmc_clob_tick(struct pmc_clob *x, pmc_ms now);
/* Block up to timeout_ms for socket activity on the executor's transfers
 * (curl_multi_poll); returns early on activity. For tests and simple
 * loops. */
void pmc_clob_wait(struct pmc_clob *x, int timeout_ms);
/* The multi handle (CURLM *), for a loop that polls its sockets itself. */
void *pmc_clob_multi(struct pmc_clob *x);
/* Milliseconds from now until a timer of the executor is due (retry,
 * rate-limit wait, poll); -1 when none is pending. */
pmc_ms pmc_clob_next_due(const struct pmc_clob *x, pmc_ms now);

/* ---- market metadata ------------------------------------------------------
 */

/* A tick_size_change from the market channel: the token's tick becomes
 * tick (decimal text "0.001", n bytes). Orders not yet signed use it.
 * PMC_ERANGE / PMC_EPARSE for a value that is not a venue tick, PMC_EFULL
 * when the cache is full. */
PMC_MUST_USE enum pmc_err pmc_clob_tick_changed(struct pmc_clob *x,
                                                const struct pmc_sym *token,
                                                const char *tick, size_t n);
/* Seed the cache from metadata the loop already has (market records):
 * tick (required), negrisk -1 unknown / 0 / 1, exchange_v3 -1 = config
 * default / 0 / 1. */
PMC_MUST_USE enum pmc_err pmc_clob_token_info(struct pmc_clob *x,
                                              const struct pmc_sym *token,
                                              struct pmc_tick tick, int negrisk,
                                              int exchange_v3);

/* ---- restart --------------------------------------------------------------
 */

/* An order the store holds from an earlier run (journaled, maybe sent):
 * look it up by order_hash ("0x" + 64 hex) and report what the venue says:
 * fills beyond filled_already (shares, micros), then ack (resting), or the
 * cancel of the unfilled rest (done), or a reject "not_at_venue" when the
 * venue has never seen it. It is never sent again. Resting orders stay
 * tracked (polled, cancellable). PMC_EPARSE for a bad hash, PMC_EFULL. */
PMC_MUST_USE enum pmc_err pmc_clob_reconcile(struct pmc_clob *x,
                                             const struct pmc_sym *coid,
                                             const char *order_hash,
                                             pmc_micros filled_already,
                                             pmc_ms now);

/* A venue trade of one of our orders that was not final when an earlier
 * run stopped (the store's, pmc_store_trades_open_each): the ledger follows
 * it again (the first time the user channel comes up reads GET
 * /data/trades from before its first sight). Which fill report it was
 * counted in is not known after a restart, so it is never undone: when it
 * turns out FAILED that is logged (level=error), counted
 * (trades_failed_unapplied) and told to the trade hook. PMC_EPARSE for an
 * empty id or hash, PMC_OK and nothing done when the ledger already has
 * it. */
PMC_MUST_USE enum pmc_err
pmc_clob_trade_seed(struct pmc_clob *x, const struct pmc_sym *coid,
                    const char *order_hash, const struct pmc_sym *trade_id,
                    enum pmc_trade_status status, pmc_micros sz, pmc_micros px,
                    pmc_ms first_t);

/* ---- the user channel (live/exec/user.c) ---------------------------------
 *
 * The CLOB user channel (reference 5.2) tells our orders' fills and their
 * trades' lifecycle MATCHED -> MINED -> CONFIRMED, or RETRYING / FAILED.
 * The executor does not own the connection (live/exec/userws.c does); it
 * is given the frames and told when the channel goes up or down:
 *  - order events: fills from size_matched, final states (as a look-up
 *    by hash would say);
 *  - trade events: one ledger of trade ids per order: a trade already
 *    counted in a reported fill (POST answer, look-up, order event) is
 *    never reported again; a trade of a resting order not yet counted is
 *    a fill now; a counted trade that goes FAILED is a PMC_EXEC_FAILED
 *    with the shares and price of the fill it was counted in.
 *  - while up, resting orders are looked up by hash ten times less often;
 *    when it comes up again every resting order is looked up at once
 *    (reconcile), and the trades of the time it was down are read with
 *    GET /data/trades?after= (from the time it went down less a minute,
 *    or the first sight of the oldest trade not yet final), every page
 *    (next_cursor, up to trades_pages) through the same ledger as the
 *    channel's trade events. */

/* One frame of the user channel received at now. PMC_EPARSE / PMC_ERANGE
 * when unreadable (counted; err says why; nothing applied). */
PMC_MUST_USE enum pmc_err pmc_clob_user_feed(struct pmc_clob *x,
                                             const char *buf, size_t n,
                                             pmc_ms now,
                                             struct pmc_wire_err *err);
/* A GET /data/trades answer (reconcile after a reconnect), the same way;
 * next_cursor as pmc_clob_user_trades. */
PMC_MUST_USE enum pmc_err
pmc_clob_user_trades_feed(struct pmc_clob *x, const char *buf, size_t n,
                          pmc_ms now, char *next_cursor, size_t cap,
                          struct pmc_wire_err *err);
/* The channel is up (1, subscribed) or down (0) from now. Going up looks
 * every resting order up by hash at once and, after a time down, starts
 * the reconcile through GET /data/trades. */
void pmc_clob_user_link(struct pmc_clob *x, int up, pmc_ms now);
/* The subscribe message (markets: all) into out: holds the API secret,
 * the caller wipes it after sending. 0 when it does not fit. */
size_t pmc_clob_user_subscribe_msg(const struct pmc_clob *x, char *out,
                                   size_t cap);

/* ---- state and metrics ----------------------------------------------------
 */

/* NULL while trading is allowed; after a 403 geoblock answer the reason
 * shown to the operator (every later order is rejected "geoblocked"). */
const char *pmc_clob_stopped(const struct pmc_clob *x);

/* Orders currently tracked (not yet final). */
size_t pmc_clob_open_orders(const struct pmc_clob *x);

struct pmc_clob_stats {
    uint64_t req[6];     /* answers by class: [0] transport failure,
                            [1..5] = 1xx..5xx */
    uint64_t posts;      /* orders posted (POST /order, or one element
                            of a POST /orders) */
    uint64_t batches;    /* POST /orders requests sent */
    uint64_t retries;    /* POSTs beyond an order's first */
    uint64_t reconciles; /* look-ups by hash after an unknown fate */
    uint64_t rate_waits; /* times an order waited for a rate limit */
    uint64_t rate_429;   /* 429 answers */
    uint64_t breaker_opens;
    uint64_t rejects, fills, cancels, acks; /* exec records emitted */
    uint64_t faileds;                       /* FAILED reports emitted */
    /* the user channel and the trade ledger (live/exec/user.c) */
    uint64_t trades[PMC_TRADE_STATUS_COUNT]; /* trade status changes */
    uint64_t user_frames, user_errors;       /* frames read; unreadable */
    uint64_t user_connects, user_drops;      /* channel up / down */
    uint64_t ledger_evictions; /* ledger entries dropped to make room */
    uint64_t legs_unreported;  /* trade shares beyond the fills of an
                                  order already final at the core */
    uint64_t recon_runs;       /* reconciles through GET /data/trades */
    uint64_t recon_pages;      /* their pages read */
    uint64_t recon_capped;     /* stopped at trades_pages with pages left */
    uint64_t recon_errors;     /* stopped by an answer not read */
    uint64_t trades_seeded;    /* trades of an earlier run followed again */
    uint64_t trades_failed_unapplied; /* of those, FAILED: not undone */
    int user_up;                      /* 1 while the channel is up */
    enum pmc_breaker_state breaker;
    struct pmc_hist post_us; /* POST /order latency (send to answer), us */
    struct pmc_presign_stats presign; /* the signer's nonce pool */
    uint64_t signatures;    /* order bodies signed (a re-sign counts) */
    uint64_t lane_posts;    /* POSTs written on a lane (of posts) */
    uint64_t lane_connects; /* connections the lanes opened */
    uint32_t lanes_idle;    /* lanes connected and ready now */
};
void pmc_clob_stats(const struct pmc_clob *x, struct pmc_clob_stats *out);
/* Write the counters and the histogram in Prometheus text format, names
 * prefixed pmcopy_exec_. */
void pmc_clob_metrics_prom(const struct pmc_clob *x, FILE *f);

/* The deterministic salt of an order (< 2^53), exposed for tests. */
uint64_t pmc_clob_salt(const struct pmc_sym *coid, pmc_ms emitted);

#endif
