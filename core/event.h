/* core/event.h - the records that flow through pmcopy: inputs to the core
 * (events) and its outputs (actions). One struct, struct pmc_record, holds
 * any tape record; the tape codec (core/tape.h) reads and writes it.
 *
 * Units: every price, size, USD amount and fee is pmc_micros (1e-6); every
 * time is pmc_ms since the Unix epoch. Strings are inline pmc_sym (no heap).
 * Ownership: plain values; nothing points outside the struct except the
 * order's key/trader lists (see struct pmc_order_act). */
#ifndef PMC_EVENT_H
#define PMC_EVENT_H

#include "pmc.h"

/* Record kinds. Inputs first, then actions, then the informational kinds
 * that `pmcopy import` writes and the core ignores. */
#define PMC_KIND_LIST(X)                                                       \
    X(FILL, "fill")                                                            \
    X(MARKET, "market")                                                        \
    X(QUOTE, "quote")                                                          \
    X(TRADE, "trade")                                                          \
    X(RESOLVE, "resolve")                                                      \
    X(EXEC, "exec")                                                            \
    X(KILL, "kill")                                                            \
    X(RESUME, "resume")                                                        \
    X(TRADER, "trader")                                                        \
    X(REMOVED, "removed")                                                      \
    X(TIMER, "timer")                                                          \
    X(FLUSH, "flush")                                                          \
    X(ORDER, "order")                                                          \
    X(SKIP, "skip")                                                            \
    X(REFUSE, "refuse")                                                        \
    X(MERGE, "merge")                                                          \
    X(REDEEM, "redeem")                                                        \
    X(SPLIT, "split")                                                          \
    X(BOOK, "book")

enum pmc_kind {
#define PMC_KIND_ENUM(name, text) PMC_K_##name,
    PMC_KIND_LIST(PMC_KIND_ENUM)
#undef PMC_KIND_ENUM
        PMC_K_COUNT
};
const char *pmc_kind_name(enum pmc_kind k);

enum pmc_side { PMC_BUY = 0, PMC_SELL = 1 };
const char *pmc_side_name(enum pmc_side s);

/* Where a source fill was seen. */
enum pmc_src { PMC_SRC_NONE = 0, PMC_SRC_CHAIN, PMC_SRC_RTDS, PMC_SRC_API };
const char *pmc_src_name(enum pmc_src s);

enum pmc_tif { PMC_TIF_FAK = 0, PMC_TIF_FOK, PMC_TIF_GTC, PMC_TIF_GTD };
const char *pmc_tif_name(enum pmc_tif t);

enum pmc_exec_status {
    PMC_EXEC_ACK = 0,
    PMC_EXEC_FILL,
    PMC_EXEC_REJECT,
    PMC_EXEC_CANCEL,
    /* the venue took back a matched trade (it failed on chain): the
     * inverse of an earlier FILL of the order, or of the part of it that
     * trade was (sz shares at px; core/failed.c pmc__on_failed) */
    PMC_EXEC_FAILED
};
const char *pmc_exec_name(enum pmc_exec_status s);

#define PMC_SKIP_LIST(X)                                                       \
    X(DUPLICATE, "duplicate")                                                  \
    X(UNKNOWN_TRADER, "unknown_trader")                                        \
    X(BELOW_THRESHOLD, "below_threshold")                                      \
    X(STALE, "stale")                                                          \
    X(NETTED_OUT, "netted_out")                                                \
    X(NOTHING_TO_SELL, "nothing_to_sell")                                      \
    X(EXPIRY_GUARD, "expiry_guard")                                            \
    X(CAP_MARKET, "cap_market")                                                \
    X(CAP_WINDOW, "cap_window")                                                \
    X(CAP_DAILY, "cap_daily")                                                  \
    X(BELOW_MIN, "below_min")                                                  \
    X(KILLED, "killed")                                                        \
    X(PRICE_MOVED, "price_moved")                                              \
    X(SIZE_OVERFLOW, "size_overflow")                                          \
    X(TICK_CAP, "tick_cap")                                                    \
    X(TRADER_OFF, "trader_off")                                                \
    X(REMOVED, "removed")

enum pmc_skip_reason {
#define PMC_SKIP_ENUM(name, text) PMC_SKIP_##name,
    PMC_SKIP_LIST(PMC_SKIP_ENUM)
#undef PMC_SKIP_ENUM
        PMC_SKIP_COUNT
};
const char *pmc_skip_name(enum pmc_skip_reason r);

/* Which limit clipped an order (clip=). */
enum pmc_clip {
    PMC_CLIP_NONE = 0,
    PMC_CLIP_ORDER,
    PMC_CLIP_MARKET,
    PMC_CLIP_WINDOW,
    PMC_CLIP_DAILY,
    PMC_CLIP_HOLDINGS
};
const char *pmc_clip_name(enum pmc_clip c);

/* Look-ups by name; return -1 when unknown. n = length of s. */
int pmc_kind_lookup(const char *s, size_t n);
int pmc_skip_lookup(const char *s, size_t n);

/* ---- inputs ----------------------------------------------------------- */

struct pmc_fill {
    struct pmc_sym trader; /* 0x + 40 lowercase hex once normalised */
    struct pmc_sym token;
    struct pmc_sym key;    /* unique fill key: tx hash:log index, ... */
    struct pmc_sym market; /* condition id, may be empty */
    char outcome[24];      /* may be empty */
    enum pmc_side side;
    enum pmc_src src;
    pmc_micros px, sz;
    pmc_ms ts;  /* the source's own time */
    pmc_ms end; /* market end, 0 = unknown */
};

struct pmc_market_ev {
    struct pmc_sym token;
    struct pmc_sym market;
    char outcome[24];
    pmc_ms end;          /* 0 = unknown */
    pmc_micros tick;     /* 0 = unknown -> 0.01 */
    pmc_micros minsz;    /* 0 = unknown -> 5 shares */
    pmc_micros fee_rate; /* -1 = unknown */
    int32_t fee_exp;     /* -1 = unknown */
    int8_t negrisk;      /* -1 unknown, 0, 1 */
    /* 1: tick, minsz, fee_rate/fee_exp and negrisk are documented defaults
     * (import's guess for up/down markets, tape `defaults=1`): they fill
     * what no other record of the token stated and never replace a stated
     * value, whatever the order of the records. */
    int8_t defaults;
    /* display labels for reports (Gamma `question`, `slug`); "" = none.
     * Longer ones are cut at a UTF-8 boundary: they name, never identify. */
    char question[160];
    char slug[80];
};

struct pmc_quote {
    struct pmc_sym token;
    pmc_micros bid, ask;     /* 0 = side empty / unknown */
    pmc_micros bidsz, asksz; /* 0 = unknown */
};

struct pmc_trade {
    struct pmc_sym token;
    pmc_micros px, sz;
};

struct pmc_resolve {
    struct pmc_sym token;
    pmc_micros payout; /* 1e6 = pays 1, 0 = pays 0 */
};

struct pmc_exec {
    struct pmc_sym coid;
    enum pmc_exec_status status;
    pmc_micros sz, px, fee; /* fill/failed: shares, price, fee in USD */
    char reason[48];        /* reject/cancel text, may be empty */
};

/* Who asked for a kill, a resume or a trader's switch (tape `by=`): an
 * operator through a tool or an old tape that names nobody, the core
 * itself, the local API, the kill-switch file. */
enum pmc_who {
    PMC_WHO_OPERATOR = 0,
    PMC_WHO_CORE,
    PMC_WHO_API,
    PMC_WHO_KILL_FILE
};
const char *pmc_who_name(enum pmc_who w);
int pmc_who_lookup(const char *s, size_t n);

/* A kill: by an operator (any who but core: an input) or the core's own
 * (by=core: an action; reason names the limit, e.g. max_daily_loss). */
struct pmc_kill_ev {
    char reason[64];
    int by_core; /* 1 on the core's own kill action (by=core) */
    enum pmc_who who;
};

/* A resume: lifts an operator kill; a kill the core tripped itself only
 * when `override` names its reason; by=kill_file lifts the kill-file kill
 * and nothing else (core/engine.h). */
struct pmc_resume_ev {
    enum pmc_who who;
    char reason[64];
    char override[32];
};

/* A trader switched off or on at run time: an input (who != core) or the
 * core's own cut-off (by=core: an action; reason daily_loss, loss_streak,
 * or new_day when the next UTC day lifts a daily-loss cut-off). */
struct pmc_trader_ev {
    struct pmc_sym trader;
    int on;
    enum pmc_who who;
    char reason[64];
};

/* A source fill the chain took back (a reorg removed its log): the fill's
 * key, trader and token. A fill still waiting in a bucket is withdrawn
 * from it (skip reason=removed); one already copied or skipped is left as
 * it is (core/engine.h). */
struct pmc_removed_ev {
    struct pmc_sym trader;
    struct pmc_sym token;
    struct pmc_sym key;
};

/* merge / redeem / split rows kept by `pmcopy import` (the core ignores
 * them; the simulator's ledger may use them for outcomes). */
struct pmc_ctf_ev {
    struct pmc_sym trader;
    struct pmc_sym market;
    struct pmc_sym key;
    pmc_micros sz, usd;
};

/* one side of the book as reported (best level first). */
#define PMC_BOOK_LEVELS 8
struct pmc_book_ev {
    struct pmc_sym token;
    uint8_t nbid, nask;
    pmc_micros bid_px[PMC_BOOK_LEVELS], bid_sz[PMC_BOOK_LEVELS];
    pmc_micros ask_px[PMC_BOOK_LEVELS], ask_sz[PMC_BOOK_LEVELS];
};

/* ---- actions ---------------------------------------------------------- */

/* A source fill as the core keeps it inside a bucket. */
struct pmc_fill_ref {
    struct pmc_sym key;
    uint32_t trader; /* index into config traders */
    enum pmc_side side;
    pmc_micros px, sz;
    pmc_micros scaled; /* sz x its trader's ratio, floored (the core's) */
};

struct pmc_order_act {
    struct pmc_sym coid;
    struct pmc_sym token;
    enum pmc_side side;
    enum pmc_tif tif;
    enum pmc_clip clip;
    pmc_micros px, sz; /* limit price, shares */
    pmc_micros ref;    /* reference price (size-weighted source price) */
    /* GTD: unix seconds at which the order stops resting, the emission
     * time rounded up to a whole second + order_ttl_s (tape `exp`); the
     * venue is sent exp + 60 (its security threshold). 0 otherwise. */
    int64_t exp;
    /* The source fills behind the order. Owned by the engine; valid until
     * its next step. On a parsed tape `keys_text` holds the raw list. */
    const struct pmc_fill_ref *fills;
    uint32_t nfills;
    const char *keys_text;
    size_t keys_len;
};

struct pmc_skip_act {
    struct pmc_sym key;
    enum pmc_skip_reason reason;
};

/* A resume the core refused (`ev=refuse of=resume reason=...`): the kill
 * that stays (an automatic kill's reason, or kill_file). */
struct pmc_refuse_act {
    char reason[64];
};

/* ---- the record -------------------------------------------------------- */

struct pmc_record {
    enum pmc_kind kind;
    pmc_ms t; /* when the record became known to whoever wrote the tape */
    union {
        struct pmc_fill fill;
        struct pmc_market_ev market;
        struct pmc_quote quote;
        struct pmc_trade trade;
        struct pmc_resolve resolve;
        struct pmc_exec exec;
        struct pmc_kill_ev kill;
        struct pmc_resume_ev resume;
        struct pmc_trader_ev trader;
        struct pmc_removed_ev removed;
        struct pmc_order_act order;
        struct pmc_refuse_act refuse;
        struct pmc_skip_act skip;
        struct pmc_ctf_ev ctf;
        struct pmc_book_ev book;
    } u;
};

/* Is this kind an input the core consumes? */
static inline int pmc_kind_is_input(enum pmc_kind k)
{
    return k <= PMC_K_FLUSH;
}
/* Is this record an action the core emits? (a kill or a trader switch
 * with by=core is one) */
static inline int pmc_record_is_action(const struct pmc_record *r)
{
    return r->kind == PMC_K_ORDER || r->kind == PMC_K_SKIP ||
           r->kind == PMC_K_REFUSE ||
           (r->kind == PMC_K_KILL && r->u.kill.by_core) ||
           (r->kind == PMC_K_TRADER && r->u.trader.who == PMC_WHO_CORE);
}

#endif
