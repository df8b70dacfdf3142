/* proto/wire/clob_user.h - the CLOB user channel (reference 5.2: `order`
 * and `trade` events of our own orders) and the Trade rows of
 * GET /data/trades (reference 4.2), as fixed-point structs.
 *
 * Decides:
 *  - `order` events: the order hash, its status (ORDER_STATUS_ prefix and
 *    case ignored), size_matched, original_size, price, the event type
 *    (PLACEMENT / UPDATE / CANCELLATION).
 *  - `trade` events and Trade rows: one leg per order the trade filled:
 *    the taker's (taker_order_id, size, price) and one per maker order
 *    (order_id, matched_amount, its price). The decoder cannot know which
 *    orders are ours; the consumer looks each leg's order up. Status:
 *    MATCHED, MINED, CONFIRMED, RETRYING, FAILED (TRADE_STATUS_ prefix and
 *    case ignored); any other is OTHER.
 *  - the text PONG: counted as a pong; other event types: unknown.
 * Never decides what an event means for an order (live/exec), never uses
 * floating point, never keeps state, never prints, never crashes on any
 * input; nothing past n bytes is read. */
#ifndef PMC_WIRE_CLOB_USER_H
#define PMC_WIRE_CLOB_USER_H

#include <stddef.h>

#include "proto/wire/clob_rest.h"
#include "proto/wire/wire.h"

enum pmc_trade_status {
    PMC_TRADE_NONE = 0, /* not yet seen */
    PMC_TRADE_MATCHED,
    PMC_TRADE_MINED,
    PMC_TRADE_CONFIRMED,
    PMC_TRADE_RETRYING,
    PMC_TRADE_FAILED,
    PMC_TRADE_OTHER /* a status the venue adds later */
};
#define PMC_TRADE_STATUS_COUNT 7
/* "none", "matched", "mined", "confirmed", "retrying", "failed", "other" */
const char *pmc_trade_status_name(enum pmc_trade_status s);
/* The status named by s[0..n) (a TRADE_STATUS_ prefix and case ignored);
 * OTHER for a text that names none, NONE for an empty one. */
enum pmc_trade_status pmc_trade_status_of(const char *s, size_t n);

/* An `order` event. */
struct pmc_user_order {
    struct pmc_sym id;     /* order hash */
    struct pmc_sym asset;  /* token; n = 0 when absent */
    struct pmc_sym market; /* condition id; n = 0 when absent */
    enum pmc_clob_status status;
    char status_text[PMC_CLOB_STATUS_MAX]; /* prefix removed, as sent */
    char type[16];            /* PLACEMENT / UPDATE / CANCELLATION, "" */
    pmc_micros size_matched;  /* shares, >= 0; -1 when absent */
    pmc_micros original_size; /* shares, >= 0; -1 when absent */
    pmc_micros price;         /* in (0,1); -1 when absent */
    pmc_ms t;                 /* timestamp (ms); 0 when absent */
};

/* One order's part of a trade. */
struct pmc_user_leg {
    struct pmc_sym trade_id;
    struct pmc_sym order_id; /* the order this leg filled */
    struct pmc_sym asset;    /* the trade's token; n = 0 when absent */
    struct pmc_sym market;   /* condition id; n = 0 when absent */
    enum pmc_trade_status status;
    int taker;         /* 1: the taker leg, 0: a maker leg */
    pmc_micros shares; /* > 0 */
    pmc_micros price;  /* in (0,1) */
    pmc_ms match_time; /* ms; 0 when absent */
    pmc_ms t;          /* last_update or timestamp (ms); 0 absent */
};

struct pmc_user_sink {
    void *ctx;
    /* Either may be NULL; a non-OK return stops the decoder, which
     * returns that code. Valid during the call only. */
    enum pmc_err (*order)(void *ctx, const struct pmc_user_order *o);
    enum pmc_err (*leg)(void *ctx, const struct pmc_user_leg *l);
    uint64_t events;  /* events / rows looked at */
    uint64_t orders;  /* order events given */
    uint64_t legs;    /* legs given */
    uint64_t pongs;   /* PONG frames */
    uint64_t unknown; /* events of another type */
};

/* One user-channel frame of n bytes: PONG, one event object or an array
 * of them. PMC_EPARSE / PMC_ERANGE with err->row = the 1-based array item
 * (0 for a single object) and err->msg naming the field; PMC_ENOMEM; or
 * the callback's code. */
PMC_MUST_USE enum pmc_err pmc_clob_user_frame(const char *buf, size_t n,
                                              struct pmc_user_sink *sink,
                                              struct pmc_wire_err *err);

/* A GET /data/trades answer {"data":[Trade...],"next_cursor":"..."} (a
 * bare array accepted): every Trade's legs. next_cursor (cap bytes) gets
 * the cursor ("" when absent; "LTE=" means the last page). Same errors. */
PMC_MUST_USE enum pmc_err pmc_clob_user_trades(const char *buf, size_t n,
                                               struct pmc_user_sink *sink,
                                               char *next_cursor, size_t cap,
                                               struct pmc_wire_err *err);

/* The user channel's subscribe message (reference 5.2) into out (cap
 * bytes): {"auth":{"apiKey","secret","passphrase"},"markets":[...],
 * "type":"user"}. markets: n condition ids (0 = every market). Holds the
 * secret: the caller wipes out after sending. 0 when it does not fit or a
 * text is not a plain id (quotes, backslashes, control bytes). */
size_t pmc_clob_user_subscribe(const char *key, const char *secret,
                               const char *pass, const struct pmc_sym *markets,
                               size_t n, char *out, size_t cap);

#endif
