/* live/watch/watch.h - the watcher set: every feed that tells pmcopy about
 * source fills and prices, owned and driven by the live loop.
 *
 * Sources (any combination, each off when its URL is NULL or ""):
 *  - chain: Polygon JSON-RPC websocket, one eth_subscribe("logs") for the
 *    OrderFilled events (V2, and V1 when asked) of every tracked wallet
 *    (maker = topic 2). Past `chain_max_wallets` wallets the subscription
 *    drops the topic-2 filter and fills are filtered here.
 *  - rtds: the RTDS activity/trades firehose, filtered here by wallet.
 *  - api: data API polling (/activity or /trades) per wallet: backfill
 *    after every gap of a websocket source and fallback while none is up.
 *  - book: the CLOB market channel for the tokens given to
 *    pmc_watch_book_add (quotes, depth, trade prints, tick size changes).
 *  - user: the CLOB user channel of our own orders (reference 5.2): the
 *    subscribe message comes from user_sub, every frame goes to
 *    user_frame undecoded (the executor reads it), and user_link says when
 *    it is subscribed (1) and when it went down (0).
 *
 * Decides: when to connect, subscribe, heartbeat, give up on a silent
 * socket and reconnect (exponential backoff with seeded jitter), what to
 * backfill after a gap, which frames are malformed or oversized (counted,
 * logged with a reason, dropped; the connection stays up), which fills
 * belong to tracked wallets, and the canonical key of every fill
 * (proto/fillkey.h). A fill already handed over (same key, from any source)
 * is not handed over again while it is remembered (the last 8192 keys);
 * the core's dedupe remains the guarantee across restarts.
 *
 * Never reads a clock: time comes only from pmc_watch_tick(now). Never
 * blocks longer than the timeout given to pmc_watch_service. Never uses
 * rand(): jitter comes from a PRNG seeded by the config. Never logs a whole
 * frame or body (at most a short reason).
 *
 * Threading: one thread; every function and callback runs on the loop's
 * thread. Records are emitted from inside pmc_watch_tick and
 * pmc_watch_service. */
#ifndef PMC_WATCH_H
#define PMC_WATCH_H

#include <stddef.h>
#include <stdint.h>

#include "core/event.h"

/* Where a record came from. Fills carry the same information in
 * rec->u.fill.src (chain | rtds | api); book-channel records come from
 * PMC_WATCH_BOOK. */
enum pmc_watch_src {
    PMC_WATCH_CHAIN = 0,
    PMC_WATCH_RTDS,
    PMC_WATCH_API,
    PMC_WATCH_BOOK,
    PMC_WATCH_USER,
    PMC_WATCH_NSRC
};
const char *pmc_watch_src_name(enum pmc_watch_src s);

/* Data API route used by the poller. */
enum pmc_watch_route {
    PMC_WATCH_ROUTE_ACTIVITY = 0, /* /activity?user=&type=TRADE&start=...ASC */
    PMC_WATCH_ROUTE_TRADES /* /trades?user=&takerOnly=false (newest first) */
};

/* Called for each record. rec->t is the receive time (the `now` of the
 * last pmc_watch_tick); the loop may re-stamp it. For fills, ts is the
 * source's own time and key the canonical key. rec is valid during the
 * call only; the callee copies what it keeps. */
typedef void (*pmc_watch_emit_fn)(void *ctx, struct pmc_record *rec,
                                  enum pmc_watch_src src);
/* One log line without newline, e.g. "watch rtds: malformed frame dropped:
 * ..."; NULL in the config prints to stderr. */
typedef void (*pmc_watch_log_fn)(void *ctx, const char *line);

/* Configuration. Every numeric field left 0 takes the default in [].
 * Strings are copied by pmc_watch_new; the caller keeps ownership. */
struct pmc_watch_config {
    const char *chain_url; /* ws://host:port/path or wss://... */
    const char *rtds_url;
    const char *book_url; /* .../ws/market */
    const char *api_url;  /* http(s)://host[:port] (no trailing path) */

    /* tracked wallets: 0x + 40 hex each (any case; normalised) */
    const char *const *wallets;
    size_t nwallets;

    /* chain: exchange contracts to filter on (NULL: CTF Exchange V2 and
     * NegRisk V2, plus the two V1 exchanges when chain_v1) */
    const char *const *chain_addresses;
    size_t nchain_addresses;
    int chain_v1;               /* also the V1 OrderFilled topic [0] */
    uint32_t chain_max_wallets; /* topic-2 filter limit per sub [100] */
    pmc_ms chain_heartbeat_ms;  /* eth_blockNumber request [15000] */
    pmc_ms rtds_ping_ms;        /* text "ping" [5000] */
    pmc_ms book_ping_ms;        /* text "PING" [10000] */
    /* user channel: .../ws/user; all three callbacks needed with it */
    const char *user_url;
    pmc_ms user_ping_ms; /* text "PING" [5000] */
    /* the subscribe message into out (cap bytes), its length (0: none
     * fits); it holds the API secret: wiped after sending */
    size_t (*user_sub)(void *ctx, char *out, size_t cap);
    void (*user_frame)(void *ctx, const char *buf, size_t n);
    void (*user_link)(void *ctx, int up);
    pmc_ms stale_ms;        /* silent (or stuck connecting) socket is
                                    reconnected after this [30000] */
    pmc_ms backoff_min_ms;  /* first reconnect / retry delay [500] */
    pmc_ms backoff_max_ms;  /* cap of the doubling [30000] */
    size_t max_frame_bytes; /* larger messages are dropped [1 MiB] */

    /* data API poller */
    enum pmc_watch_route api_route;
    pmc_ms poll_ms;         /* poll interval while no websocket fill source
                              is subscribed (fallback) [5000] */
    pmc_ms poll_idle_ms;    /* poll interval while one is [60000];
                              -1 = only backfill after gaps */
    pmc_ms http_timeout_ms; /* whole request [10000] */
    pmc_ms overlap_ms;      /* backfill starts this far before the
                                   checkpoint [120000] */
    pmc_ms backfill_max_ms; /* never backfill further back than
                                   now - this [600000] */
    uint32_t page_limit;    /* rows per request [100] */
    uint32_t max_pages;     /* pages per round [20] */
    uint32_t max_inflight;  /* concurrent requests [4] */
    size_t max_body_bytes;  /* larger responses fail [8 MiB] */

    uint64_t seed; /* jitter PRNG seed */
    pmc_watch_emit_fn emit;
    pmc_watch_log_fn log;
    void *ctx; /* passed to emit and log */
};

/* Per-source detection lag (receive time - source time) histogram. */
#define PMC_WATCH_LAG_BUCKETS 12
extern const pmc_ms pmc_watch_lag_bounds[PMC_WATCH_LAG_BUCKETS]; /* ms, le */
struct pmc_watch_lag {
    uint64_t
        bucket[PMC_WATCH_LAG_BUCKETS + 1]; /* last = +Inf; not cumulative */
    uint64_t count;
    int64_t sum_ms;
    uint64_t negative; /* source time after receive time (clock skew) */
};

struct pmc_watch_counters {
    uint64_t connects;      /* connection attempts */
    uint64_t established;   /* successful opens */
    uint64_t disconnects;   /* closes and connect errors */
    uint64_t stale;         /* watchdog reconnects */
    uint64_t subscribed;    /* subscription acks (chain) / sends */
    uint64_t frames;        /* complete messages received */
    uint64_t malformed;     /* messages the decoder refused */
    uint64_t oversized;     /* messages over max_frame_bytes */
    uint64_t records;       /* records emitted */
    uint64_t fills;         /* tracked-wallet fills seen (before dedupe) */
    uint64_t duplicates;    /* fills not emitted: key already handed over */
    uint64_t other_wallets; /* fills of untracked wallets dropped */
    uint64_t removed;       /* chain logs removed by a reorg */
    uint64_t gaps;          /* disconnects that asked for a backfill */
    uint64_t tx_dropped;    /* outgoing messages dropped (queue full) */
    /* data API */
    uint64_t requests, http_ok, http_429, http_5xx, http_other, timeouts,
        net_errors;
};

struct pmc_watch_stats {
    struct pmc_watch_counters c[PMC_WATCH_NSRC];
    struct pmc_watch_lag lag[PMC_WATCH_NSRC];
};

struct pmc_watch;

/* Create the set (no I/O yet: connections start at the first tick).
 * now = the loop's current time. Errors: PMC_ECONFIG (bad URL or wallet,
 * no emit callback; the log says which), PMC_ENOMEM, PMC_EIO (libwebsockets
 * or libcurl could not be initialised). The set owns its libwebsockets
 * context and its own libcurl multi handle (the poller's requests never
 * mix with the loop's other REST traffic). */
PMC_MUST_USE enum pmc_err pmc_watch_new(const struct pmc_watch_config *cfg,
                                        pmc_ms now, struct pmc_watch **out);
/* Close every connection and free everything. NULL is fine. */
void pmc_watch_free(struct pmc_watch *w);

/* Time-based work at `now` (ms since the epoch, never decreasing):
 * connect / reconnect when due, heartbeats, the staleness watchdog, data
 * API polls and their completions. Call once per loop pass. */
void pmc_watch_tick(struct pmc_watch *w, pmc_ms now);

/* Run libwebsockets (and the poller's libcurl transfers) for at most
 * timeout_ms (0 = do not wait). Records received are stamped with the
 * `now` of the last tick. Returns 0, or -1 when libwebsockets failed. */
int pmc_watch_service(struct pmc_watch *w, int timeout_ms);

/* Earliest time pmc_watch_tick has work to do (for the loop's wait). */
pmc_ms pmc_watch_next_deadline(const struct pmc_watch *w);

/* Follow / stop following the book of a token (decimal id of n bytes) on
 * the market channel. Adding a known token is a no-op. PMC_EFULL past
 * 512 tokens, PMC_ERANGE for an id longer than PMC_SYM_MAX, PMC_ENOTFOUND
 * when removing an unknown token, PMC_ESTATE when no book_url is set. */
PMC_MUST_USE enum pmc_err pmc_watch_book_add(struct pmc_watch *w,
                                             const char *token, size_t n);
PMC_MUST_USE enum pmc_err pmc_watch_book_remove(struct pmc_watch *w,
                                                const char *token, size_t n);

/* Checkpoints: per source, the time (ms) up to which that stream is known
 * complete: the source time of the last fill it gave, advanced by the
 * receive time of every message while subscribed (api: the start time of
 * the last complete poll round). A gap on a stream backfills from its
 * checkpoint - overlap_ms. The store persists them; restoring them before
 * the first tick makes the first tick backfill from the latest one. */
pmc_ms pmc_watch_checkpoint(const struct pmc_watch *w, enum pmc_watch_src s);
void pmc_watch_set_checkpoint(struct pmc_watch *w, enum pmc_watch_src s,
                              pmc_ms ms);

/* Counters and lag histograms (valid until the next call into w). */
const struct pmc_watch_stats *pmc_watch_stats(const struct pmc_watch *w);

/* Prometheus text exposition of the stats (pmcopy_watch_* metrics with a
 * source label) into buf. Returns the length, or 0 when cap is too small. */
size_t pmc_watch_metrics(const struct pmc_watch *w, char *buf, size_t cap);

/* Is the websocket of source s open and subscribed? */
int pmc_watch_is_up(const struct pmc_watch *w, enum pmc_watch_src s);

#endif
