/* live/exec/clob_int.h - internals shared by the executor's files (not a
 * public interface; clob.h is). clob.c owns the executor's life cycle, its
 * order and token tables and the public calls; order_fsm.c the phases of
 * an order (its transition table) and what each answer means; tokens.c
 * the token metadata an order waits for; transport.c the requests on the
 * wire: libcurl's multi handle, the lanes, the rate limits. One thread. */
#ifndef PMC_CLOB_INT_H
#define PMC_CLOB_INT_H

#include <curl/curl.h>
#include <stdint.h>

#include "live/exec/clob.h"
#include "live/exec/lane.h"
#include "proto/sign/auth.h"
#include "proto/sign/order.h"
#include "proto/wire/clob_user.h"
#include "proto/wire/wire.h"

#define NONE UINT32_MAX
#define URL_MAX 512
#define RESP_MAX 4096
#define META_REQS 8
#define HASH_STR 67 /* 0x + 64 hex + NUL */
#define NEVER INT64_MAX
#define DELAYED_POLL_MS 1000
/* A GTD order's `expiration` is its exp + this: the venue ends an order
 * a minute before its expiration (its "security threshold"), and its SDK
 * wants the expiration at least 3 minutes ahead, which order_ttl_s >= 120
 * keeps (core/config.h). */
#define GTD_THRESHOLD_S 60

enum rkind {
    R_NONE = 0,
    R_POST,
    R_GET_ORDER,
    R_DELETE,
    R_TICK,
    R_NEGRISK,
    R_BATCH,
    R_TRADES /* GET /data/trades (reconcile after the user channel) */
};

#define BATCH_REQS 4 /* POST /orders out at once; more orders go singly */
#define BATCH_RESP_MAX (PMC_CLOB_BATCH_MAX * 2048)
/* GET /data/trades: the answer of one page (beyond it the reconcile stops
 * with an error naming the limit), how far before the channel went down
 * it reads, its tries of a failed page and the wait between. */
#define TRADES_RESP_MAX (1u << 20)
#define RECON_MARGIN_MS 60000
#define RECON_TRIES 3
#define RECON_RETRY_MS 1000
#define RECON_CURSOR_MAX 128

/* The buffers come last: a new order clears the fields before them only
 * (new_order), not kilobytes of cold memory. */
struct req {
    CURL *easy;
    enum rkind setup; /* the kind easy's fixed options are set for */
    struct curl_slist *hdrs;
    struct pmc_clob *x;
    enum rkind kind;
    uint32_t idx; /* order slot or token index */
    int active;
    const char *body; /* upload (POST) */
    size_t body_len;
    int rewind_refused; /* a second attempt of a POST was stopped */
    int sent;           /* an attempt reached the point of writing */
    int written;        /* the POST's body is out (kill point "sent") */
    int on_lane;        /* carried by lane `lane`, not by easy */
    uint32_t lane;
    const char *fail_why; /* the lane's account of a failure, or NULL */
    size_t resp_len;
    int resp_over;
    int64_t rl_remaining; /* -1 = header absent */
    int64_t rl_reset_s;   /* unix seconds, 0 = absent */
    int64_t retry_after_s;
    char *big;      /* a POST /orders answer is read into big (big_cap */
    size_t big_cap; /* bytes), not resp; NULL for every other request */
    char url[URL_MAX];
    char small_body[128]; /* DELETE body */
    char resp[RESP_MAX];
};

enum phase { P_META, P_SEND, P_CONFIRM, P_RESTART, P_LIVE, P_CANCEL };

struct order {
    int used;
    enum phase phase;
    struct pmc_sym coid, token;
    enum pmc_side side;
    enum pmc_tif tif;
    pmc_micros px, sz; /* limit price, shares (the core's) */
    int64_t exp;       /* GTD: the core's exp, unix seconds; else 0 */
    pmc_ms emitted;
    uint32_t tok;
    struct pmc_tick signed_tick;
    int is_signed;
    char hash[HASH_STR];
    uint32_t attempts; /* POSTs sent for the current body */
    uint32_t n429, recon, del_tries;
    pmc_ms next_at;
    pmc_micros filled;
    pmc_micros failed; /* of filled: trades the venue took back (FAILED) */
    int acked, tick_retried, want_cancel, restart, delayed;
    uint32_t batch; /* slot + 1 of the POST /orders carrying it, 0 = none */
    struct req r;
    struct pmc_signed_order so; /* last: its body is large */
};

/* A POST /orders out: its request and the orders it carries, in the
 * order of the body's array (= the answer's). */
struct batch {
    uint32_t n;                       /* 0: the slot is free */
    uint32_t ord[PMC_CLOB_BATCH_MAX]; /* order slots */
    char *body;                       /* "[" bodies "," ... "]" */
    size_t body_len;
    struct req r; /* kind R_BATCH, idx = the batch slot; r.big its answer */
};

struct token {
    struct pmc_sym sym;
    int has_tick;
    struct pmc_tick tick;
    int negrisk; /* -1 unknown */
    int v3;      /* -1 = config default */
    int want_tick, want_neg, fetch_tick, fetch_neg;
    uint32_t fails;
    pmc_ms next_at;
};

/* The trade ledger (ledger.c): a fill reported to the core, and what of
 * it venue trades have been counted in (left = not yet). */
struct chunk {
    int used;
    uint64_t seq; /* age: lower is older */
    struct pmc_sym coid;
    char hash[HASH_STR];
    pmc_micros sz, px, left;
};

/* A venue trade of one of our orders (one leg of it). */
struct trade {
    int used;
    uint64_t seq;
    struct pmc_sym id, coid;
    char hash[HASH_STR];
    enum pmc_trade_status st;
    pmc_micros shares, px; /* the leg as the venue states it */
    int counted;           /* its shares are in fills the core has */
    int pending;           /* the order's POST answer is not in yet: the
                              next fill reported for it counts it */
    uint32_t nparts;
    pmc_micros part_sz[4]; /* its shares in each fill it is counted in */
    pmc_ms first_t, last_t;
    int seeded; /* from an earlier run (pmc_clob_trade_seed): never undone */
};

struct pmc_clob {
    struct pmc_clob_cfg cfg;
    char base[256];
    char *ca_file; /* owned copy of cfg.ca_file */
    struct pmc_clob_hooks h;
    struct pmc_signer *signer;
    struct pmc_presign *pool; /* NULL: every signature RFC 6979 */
    struct pmc_api_creds api;
    struct pmc_l2_auth *l2; /* keyed once, from api */
    char addr_str[PMC_ADDR_STR_LEN + 1];
    CURLM *multi;
    struct order *orders;
    uint32_t nused;
    struct token *toks;
    uint32_t ntoks;
    struct req meta[META_REQS];
    struct pmc_lane *lane[PMC_CLOB_LANES_MAX];
    char post_head[1024]; /* see make_post_head; holds credentials */
    size_t post_head_len;
    uint32_t lane_order[PMC_CLOB_LANES_MAX]; /* order slot it carries */
    struct pmc_bucket b_post, b_post10m, b_cancel, b_meta, b_ledger;
    struct pmc_bucket b_batch, b_batch10m;
    struct batch bat[BATCH_REQS];
    int held; /* pmc_clob_hold: orders wait in SEND for the release */
    pmc_ms post_block_until;
    struct pmc_breaker br;
    int stopped;
    char stop_msg[256];
    pmc_ms now;
    struct pmc_clob_stats st;
    /* the user channel (user.c) and the trade ledger (ledger.c) */
    struct chunk *chunks;
    struct trade *trades;
    uint32_t led_cap;
    uint64_t led_seq;
    struct chunk *last_chunk; /* the chunk pmc__led_fill wrote last */
    int led_direct;           /* a fill user.c counts itself: no pending pass */
    int user_up;
    /* the reconcile through GET /data/trades (user.c) */
    struct req trades_r;
    pmc_ms down_at;     /* when the user channel went down; 0 never */
    int recon_due;      /* a reconcile is under way */
    int recon_again;    /* the channel went up again meanwhile: restart */
    pmc_ms recon_since; /* its trades from (ms) */
    pmc_ms recon_at;    /* its next page not before */
    uint32_t recon_pages, recon_tries;
    char recon_cursor[RECON_CURSOR_MAX];
};

/* How a request ended, as the order phases see it (transport.c fills
 * it; the answer's body and rate-limit headers are in the req). */
struct pmc__done {
    long status;     /* HTTP status; 0: no answer */
    int never_sent;  /* no answer, and nothing of the request was written
                        (connect or name resolution failed) */
    const char *why; /* no answer: the transport's account of it */
};

/* The modules call each other one way only (tests/layers.sh):
 * clob.c -> tokens.c -> order_fsm.c -> transport.c; transport.c hands
 * finished requests back by being asked (pmc__tx_finished), not by calling
 * up. clob.c -> user.c -> order_fsm.c -> ledger.c; user.c -> transport.c
 * (GET /data/trades). */

/* ---- order_fsm.c ----------------------------------------------------- */

/* One operator line (hooks.log or stderr), control bytes as spaces. */
void pmc__note(struct pmc_clob *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Refused (an exec reject with the reason), slot freed. */
void pmc__reject(struct pmc_clob *x, struct order *o, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Final: the unfilled rest is cancelled (why), slot freed. */
void pmc__finish(struct pmc_clob *x, struct order *o, const char *why);
/* 0 (and o rejected) when the executor is stopped or its breaker open. */
int pmc__open_for_business(struct pmc_clob *x, struct order *o);
/* META -> SEND: sign with the token's metadata and journal; 0 when the
 * order was rejected instead. */
int pmc__prepare(struct pmc_clob *x, struct order *o);
/* SEND: POST /order when the guards allow. */
void pmc__start_post(struct pmc_clob *x, struct order *o);
/* The answer (d->status 0: none) to the POST /orders of batch b. */
void pmc__fsm_batch_done(struct pmc_clob *x, struct batch *b,
                         const struct pmc__done *d);
/* Start what is due for every order. */
void pmc__fsm_service(struct pmc_clob *x);
/* Answers (d->status 0: none) to the order's request. */
void pmc__fsm_post_done(struct pmc_clob *x, struct order *o,
                        const struct pmc__done *d);
void pmc__fsm_get_done(struct pmc_clob *x, struct order *o,
                       const struct pmc__done *d);
void pmc__fsm_del_done(struct pmc_clob *x, struct order *o,
                       const struct pmc__done *d);
/* Count an answer by class in the stats (status 0: transport failure). */
void pmc__count(struct pmc_clob *x, long status);
/* The venue's message in r's answer; a body cut at RESP_MAX is text. */
void pmc__answer_msg(const struct req *r, char *out, size_t cap);
/* 1 (err set) when r's body was cut at RESP_MAX: no answer to decode. */
int pmc__answer_cut(const struct req *r, struct pmc_wire_err *err);

/* Report to the core for the order coid (hash: its order hash; a FILL is
 * written into the ledger). The body of every report of the executor. */
void pmc__emit(struct pmc_clob *x, const struct pmc_sym *coid, const char *hash,
               enum pmc_exec_status s, pmc_micros sz, pmc_micros px,
               const char *reason);
/* An OpenOrder (look-up by hash, or a user channel order event) applied
 * to o: new fills, final or still open. */
void pmc__fsm_apply_order(struct pmc_clob *x, struct order *o,
                          const struct pmc_clob_order_ans *a);
/* Milliseconds between look-ups of a resting order: poll_open_ms, ten
 * times that while the user channel is up (0: never). */
pmc_ms pmc__poll_every(const struct pmc_clob *x);

/* ---- user.c ---------------------------------------------------------- */

/* Report the failed trades counted in fills the core has (FAILED). */
void pmc__user_settle(struct pmc_clob *x);

/* Start the reconcile's next GET /data/trades page when due. */
void pmc__user_recon_service(struct pmc_clob *x);
/* The answer (d->status 0: none) to a GET /data/trades page. */
void pmc__user_trades_done(struct pmc_clob *x, struct req *r,
                           const struct pmc__done *d);

/* ---- ledger.c -------------------------------------------------------- */

/* The ledger's tables (4 x max_orders entries each). */
PMC_MUST_USE enum pmc_err pmc__led_open(struct pmc_clob *x);
void pmc__led_close(struct pmc_clob *x);
/* A FILL reported to the core: a new chunk (the oldest makes room). */
void pmc__led_fill(struct pmc_clob *x, const struct pmc_sym *coid,
                   const char *hash, pmc_micros sz, pmc_micros px);
/* The coid of the order hash from its chunks, NULL when none. */
const struct pmc_sym *pmc__led_coid_of(struct pmc_clob *x, const char *hash);
/* Count t's shares (from its unsettled part on) in the order's reported
 * fills, oldest first, in up to 3 parts: the shares still not counted. */
pmc_micros pmc__led_count(struct pmc_clob *x, struct trade *t, pmc_micros need);
/* Count up to want shares of the order's reported fills (oldest chunk
 * with shares left): the shares taken, *px the chunk's price; 0 if none. */
pmc_micros pmc__led_take(struct pmc_clob *x, const char *hash, pmc_micros want,
                         pmc_micros *px);
/* The trade (id, order hash); with create a new entry when absent (a
 * finished one, else the oldest, makes room). NULL when absent. */
struct trade *pmc__led_trade(struct pmc_clob *x, const struct pmc_sym *id,
                             const char *hash, int create);

/* ---- tokens.c -------------------------------------------------------- */

uint32_t pmc__tok_get(struct pmc_clob *x, const struct pmc_sym *t);
/* The token's exchange: its own when set, else the config's default. */
static inline int pmc__tok_v3(const struct pmc_clob *x, const struct token *t)
{
    return t->v3 >= 0 ? t->v3 : x->cfg.exchange_v3;
}
int pmc__tok_ready(const struct pmc_clob *x, const struct token *t);
/* Every order waiting on token ti: sign and send (or reject with fail). */
void pmc__tok_wake(struct pmc_clob *x, uint32_t ti, const char *fail);
/* Start the metadata requests that are due. */
void pmc__tok_service(struct pmc_clob *x);
/* The answer to a GET /tick-size (is_tick) or /neg-risk for token ti. */
void pmc__tok_meta_done(struct pmc_clob *x, uint32_t ti, int is_tick,
                        struct req *r, const struct pmc__done *d);

/* ---- transport.c ----------------------------------------------------- */

/* The multi handle, the lanes (connecting) and the lanes' prepared POST
 * head; why gets the reason of a failure. */
PMC_MUST_USE enum pmc_err pmc__tx_open(struct pmc_clob *x, char *why,
                                       size_t why_len);
/* Prepare the lanes' POST /order head (after the credentials are in). */
void pmc__tx_post_head(struct pmc_clob *x);
/* Abort every transfer, free the handles and the lanes. */
void pmc__tx_close(struct pmc_clob *x);
/* Stop r's transfer if any; wipe its headers. */
void pmc__tx_abort(struct pmc_clob *x, struct req *r);
/* Milliseconds until the rate limits allow a POST /order (0 = now). */
pmc_ms pmc__tx_post_wait(struct pmc_clob *x);
/* Start o's POST /order on an idle lane or through libcurl and take its
 * rate-limit tokens; *on_lane says which. */
PMC_MUST_USE enum pmc_err pmc__tx_post(struct pmc_clob *x, struct order *o,
                                       int *on_lane);
/* Milliseconds until the rate limits allow a POST /orders (0 = now). */
pmc_ms pmc__tx_batch_wait(struct pmc_clob *x);
/* Start b's POST /orders through libcurl (the body of its n orders
 * b->ord, in order) and take its rate-limit tokens. */
PMC_MUST_USE enum pmc_err pmc__tx_post_batch(struct pmc_clob *x,
                                             struct batch *b);
/* Start GET /data/order/{hash}, DELETE /order, GET /tick-size|neg-risk.
 * *wait > 0: a rate limit holds it that long (nothing started). */
PMC_MUST_USE enum pmc_err pmc__tx_get_order(struct pmc_clob *x, struct order *o,
                                            pmc_ms *wait);
PMC_MUST_USE enum pmc_err pmc__tx_delete(struct pmc_clob *x, struct order *o,
                                         pmc_ms *wait);
PMC_MUST_USE enum pmc_err pmc__tx_meta(struct pmc_clob *x, uint32_t ti,
                                       int is_tick, pmc_ms *wait);
/* Start GET /data/trades?after=after_s[&next_cursor=cursor] into
 * x->trades_r (its answer up to TRADES_RESP_MAX); *wait as above. */
PMC_MUST_USE enum pmc_err pmc__tx_trades(struct pmc_clob *x, int64_t after_s,
                                         const char *cursor, pmc_ms *wait);
/* Let libcurl move bytes now (never blocks). */
void pmc__tx_perform(struct pmc_clob *x);
/* The next finished request (its kind and idx say whose) with how it
 * ended in *d, or NULL when none is left; call after pmc__tx_perform and
 * repeat until NULL, then pmc__tx_upkeep. */
struct req *pmc__tx_finished(struct pmc_clob *x, struct pmc__done *d);
/* The lanes' upkeep: reconnect closed ones, close idle ones. */
void pmc__tx_upkeep(struct pmc_clob *x);
/* Block up to timeout_ms for activity on the executor's sockets. */
void pmc__tx_wait(struct pmc_clob *x, int timeout_ms);

#endif
