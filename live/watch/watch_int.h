/* live/watch/watch_int.h - internals shared by the watcher files (not a
 * public interface). watch.c (the hub) owns the set, the fill path and the
 * stats; ws.c the websocket connections (libwebsockets); feeds.c what each
 * websocket source sends and receives; poll.c the data API poller;
 * common.c the helpers they all share.
 *
 * Calls run one way: common <- ws <- feeds <- watch, common <- poll <- watch.
 * A source reports back up through function pointers it is given, never by
 * calling the file above it: the hub's ops (struct pmc__watch_hub, set by
 * pmc_watch_new before any source starts) for fills, book records and gaps;
 * a connection's protocol ops (struct pmc__ws_proto, given to pmc__ws_init)
 * for what ws.c tells feeds.c. */
#ifndef PMC_WATCH_INT_H
#define PMC_WATCH_INT_H

#include <curl/curl.h>
#include <libwebsockets.h>

#include "core/dedupe.h"
#include "live/watch/watch.h"
#include "proto/fillkey.h"

#define WC_TXQ 64           /* queued outgoing messages per connection */
#define WATCH_BOOK_MAX 512  /* tokens on the market channel */
#define WATCH_SEEN_CAP 8192 /* fill keys remembered */

enum wc_state { WC_IDLE = 0, WC_CONNECTING, WC_OPEN, WC_CLOSING };

struct pmc_watch;
struct wconn;

/* What a source reports to the hub (watch.c). */
struct pmc__watch_hub {
    /* A decoded fill from source s: filter, re-key, lag, checkpoint,
     * dedupe, emit. lag_ok = 0 when the source gave no time of its own.
     * batch, ord: the fill's place for counting identical fills of one
     * transaction (proto/fillkey.h: chain: batch 0, ord = log index; data
     * API: batch = the response, ord = the row; ord < 0: arrival order). */
    void (*fill)(struct pmc_watch *w, enum pmc_watch_src s,
                 const struct pmc_record *rec, int lag_ok, uint64_t batch,
                 int64_t ord);
    /* A non-fill record (book channel). */
    void (*record)(struct pmc_watch *w, enum pmc_watch_src s,
                   const struct pmc_record *rec);
    /* A fill source had a gap: backfill every wallet from `from` (ms). */
    void (*backfill)(struct pmc_watch *w, pmc_ms from);
    /* A decoded fill a chain reorg removed (batch, ord as for fill):
     * emitted as ev=removed under its canonical key. */
    void (*removed)(struct pmc_watch *w, enum pmc_watch_src s,
                    const struct pmc_record *rec, uint64_t batch, int64_t ord);
};

/* What the connection layer (ws.c) tells a connection's protocol. */
struct pmc__ws_proto {
    void (*open)(struct wconn *c); /* just established: subscribe */
    void (*message)(struct wconn *c, const char *buf, size_t n);
    void (*heartbeat)(struct wconn *c);
    pmc_ms (*ping_ms)(const struct wconn *c);
};

/* One websocket connection with its reconnect state. */
struct wconn {
    struct pmc_watch *w;
    enum pmc_watch_src src;
    int configured; /* a URL was given */
    char *url;      /* as configured (for logs) */
    char host[256];
    char path[512];
    int port, tls;

    struct lws *wsi;
    int in_connect;
    enum wc_state st;
    int subscribed; /* subscription acknowledged (chain) or sent */
    int healthy;    /* data seen since subscribing: backoff reset */
    int ever_up;
    pmc_ms next_connect, started, last_rx, last_ping;
    unsigned fails;  /* consecutive failures: backoff exponent */
    pmc_ms gap_from; /* > 0: backfill from here once resubscribed */

    /* message assembly */
    char *rx;
    size_t rxn, rxcap;
    int rx_over; /* dropping the rest of an oversized message */

    /* outgoing queue: each buffer has LWS_PRE bytes of headroom */
    unsigned char *txq[WC_TXQ];
    size_t txlen[WC_TXQ];
    unsigned txh, txn;

    /* chain */
    int64_t next_id, sub_id_req;
};

/* One tracked wallet of the data API poller. */
struct pwallet {
    struct pmc_sym addr;
    CURL *easy;
    char *body;
    size_t n, cap;
    int over;
    size_t max_body;
    pmc_ms retry_after;    /* delay from headers of the response, ms; -1 */
    int64_t reset_epoch_s; /* reset time from headers, epoch s; 0 */
    /* round */
    int in_round;
    pmc_ms from, round_start, retry_at;
    uint32_t offset, page;
    pmc_ms want_from;  /* > 0: a backfill was asked for */
    pmc_ms done_until; /* start of the last complete round */
    pmc_ms last_round;
    unsigned fails;
    char url[1024];
};

struct pmc_watch {
    struct pmc_watch_config cfg; /* strings below, numbers defaulted */
    const struct pmc__watch_hub *hub;
    const struct pmc__ws_proto *proto;
    pmc_ms now;
    uint64_t rng;

    struct pmc_sym *wallets;
    size_t nwallets;
    char **chain_addrs;
    size_t nchain_addrs;

    struct lws_context *ctx;
    lws_sorted_usec_list_t wake;
    struct wconn conn[PMC_WATCH_NSRC]; /* index PMC_WATCH_API unused */

    struct pmc_sym books[WATCH_BOOK_MAX];
    size_t nbooks;

    /* poller */
    CURLM *multi;
    char *api_url;
    struct pwallet *pw;
    unsigned inflight;
    pmc_ms api_not_before;
    int api_started;

    /* fills */
    struct pmc_fillkey_occ occ[PMC_WATCH_NSRC]; /* identical fills of a tx */
    int64_t arrivals[PMC_WATCH_NSRC];           /* ord when a source has none */
    uint64_t api_batch;                         /* responses decoded */
    struct pmc_dedupe seen;
    void *seen_mem;
    pmc_ms cp[PMC_WATCH_NSRC];
    int first_tick;

    struct pmc_watch_stats st;
    char logbuf[512];
};

/* common.c */
void pmc__watch_log(struct pmc_watch *w, enum pmc_watch_src s, const char *fmt,
                    ...) __attribute__((format(printf, 3, 4)));
uint64_t pmc__watch_rand(struct pmc_watch *w);
pmc_ms pmc__watch_backoff(struct pmc_watch *w, unsigned fails);
int pmc__watch_tracked(const struct pmc_watch *w, const struct pmc_sym *a);
/* Is any websocket fill source (chain, rtds) subscribed right now? */
int pmc__watch_fill_ws_up(const struct pmc_watch *w);
int pmc__watch_fill_ws_configured(const struct pmc_watch *w);

/* ws.c: the connections, speaking the protocol `proto` */
enum pmc_err pmc__ws_init(struct pmc_watch *w,
                          const struct pmc__ws_proto *proto);
void pmc__ws_tick(struct pmc_watch *w);
void pmc__ws_free(struct pmc_watch *w);
/* Queue a text message (copied). 0 ok, -1 queue full / not open. */
int pmc__ws_send(struct wconn *c, const char *msg, size_t n);
void pmc__ws_kill(struct wconn *c, const char *why);

/* feeds.c: per-source protocol */
extern const struct pmc__ws_proto pmc__feed_proto;
void pmc__feed_book_sub(struct wconn *c, const struct pmc_sym *tok,
                        int subscribe);

/* poll.c */
enum pmc_err pmc__poll_init(struct pmc_watch *w);
void pmc__poll_tick(struct pmc_watch *w);
void pmc__poll_perform(struct pmc_watch *w);
void pmc__poll_free(struct pmc_watch *w);
/* Ask every wallet for a backfill from `from` (ms). */
void pmc__poll_backfill(struct pmc_watch *w, pmc_ms from);
pmc_ms pmc__poll_checkpoint(const struct pmc_watch *w);
void pmc__poll_set_checkpoint(struct pmc_watch *w, pmc_ms ms);
pmc_ms pmc__poll_next_deadline(const struct pmc_watch *w);

#endif
