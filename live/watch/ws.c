/* live/watch/ws.c - the websocket connections of the watcher set
 * (libwebsockets client): connect, reconnect with exponential backoff and
 * seeded jitter, the staleness watchdog, message assembly with the size
 * limit, and the outgoing queue.
 *
 * Decides: a message larger than max_frame_bytes is dropped (counted and
 * logged, never buffered whole); the connection stays up. A connection
 * that stays silent (or stuck connecting) past stale_ms is closed and
 * reconnected. A lost connection of a fill source asks the hub for a
 * backfill from the source's checkpoint (feeds.c asks again once
 * resubscribed). What to send and how to read a message is the protocol's
 * (struct pmc__ws_proto, given at init): this file never calls feeds.c or
 * watch.c. Never reads a clock (w->now), never blocks. */
#include <stdlib.h>
#include <string.h>

#include "live/watch/watch_int.h"

/* ws[s]://host[:port][/path] */
static int parse_url(struct wconn *c)
{
    const char *u = c->url, *p;
    if (!strncmp(u, "ws://", 5)) {
        c->tls = 0;
        c->port = 80;
        p = u + 5;
    } else if (!strncmp(u, "wss://", 6)) {
        c->tls = 1;
        c->port = 443;
        p = u + 6;
    } else {
        return -1;
    }
    size_t hn = strcspn(p, ":/?");
    if (hn == 0 || hn >= sizeof c->host)
        return -1;
    memcpy(c->host, p, hn);
    c->host[hn] = '\0';
    p += hn;
    if (*p == ':') {
        char *end;
        long port = strtol(p + 1, &end, 10);
        if (end == p + 1 || port <= 0 || port > 65535)
            return -1;
        c->port = (int)port;
        p = end;
    }
    if (*p == '\0')
        p = "/";
    if (*p != '/' && *p != '?')
        return -1;
    if (strlen(p) + 2 > sizeof c->path)
        return -1;
    if (*p == '?') {
        c->path[0] = '/';
        strcpy(c->path + 1, p);
    } else {
        strcpy(c->path, p);
    }
    return 0;
}

static void tx_clear(struct wconn *c)
{
    while (c->txn) {
        free(c->txq[c->txh]);
        c->txq[c->txh] = NULL;
        c->txh = (c->txh + 1) % WC_TXQ;
        c->txn--;
    }
    c->txh = 0;
}

int pmc__ws_send(struct wconn *c, const char *msg, size_t n)
{
    if (c->st != WC_OPEN || !c->wsi)
        return -1;
    if (c->txn == WC_TXQ) {
        c->w->st.c[c->src].tx_dropped++;
        return -1;
    }
    unsigned char *b = malloc(LWS_PRE + n);
    if (!b) {
        c->w->st.c[c->src].tx_dropped++;
        return -1;
    }
    memcpy(b + LWS_PRE, msg, n);
    unsigned i = (c->txh + c->txn) % WC_TXQ;
    c->txq[i] = b;
    c->txlen[i] = n;
    c->txn++;
    lws_callback_on_writable(c->wsi);
    return 0;
}

void pmc__ws_kill(struct wconn *c, const char *why)
{
    if (!c->wsi || c->st == WC_CLOSING)
        return;
    pmc__watch_log(c->w, c->src, "closing connection: %s", why);
    c->st = WC_CLOSING;
    lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

/* The connection is gone (error, close, kill): schedule the reconnect
 * and, for a fill source, the backfill. */
static void went_down(struct wconn *c, const char *why)
{
    struct pmc_watch *w = c->w;
    int was_open = c->st == WC_OPEN || c->st == WC_CLOSING;
    if (c->src == PMC_WATCH_USER && c->subscribed)
        w->cfg.user_link(w->cfg.ctx, 0); /* polling takes over */
    c->wsi = NULL;
    c->st = WC_IDLE;
    c->subscribed = 0;
    c->healthy = 0;
    c->rxn = 0;
    c->rx_over = 0;
    tx_clear(c);
    w->st.c[c->src].disconnects++;
    pmc_ms d = pmc__watch_backoff(w, c->fails);
    if (c->fails < 30)
        c->fails++;
    c->next_connect = w->now + d;
    pmc__watch_log(w, c->src, "%s (%s): %s (host %s); reconnecting in %lld ms",
                   was_open ? "disconnected" : "connect failed",
                   why ? why : "closed", c->url, c->host, (long long)d);
    if ((c->src == PMC_WATCH_CHAIN || c->src == PMC_WATCH_RTDS) && c->ever_up &&
        c->gap_from == 0) {
        pmc_ms from = w->cp[c->src] > 0 ? w->cp[c->src] : c->last_rx;
        c->gap_from = from > 0 ? from : w->now;
        w->st.c[c->src].gaps++;
        if (w->api_url)
            w->hub->backfill(w, c->gap_from - w->cfg.overlap_ms);
    }
}

static void connect_now(struct wconn *c)
{
    struct pmc_watch *w = c->w;
    struct lws_client_connect_info ci;
    memset(&ci, 0, sizeof ci);
    ci.context = w->ctx;
    ci.address = c->host;
    ci.port = c->port;
    ci.path = c->path;
    ci.host = c->host;
    ci.origin = c->host;
    ci.ssl_connection = c->tls ? LCCSCF_USE_SSL : 0;
    ci.local_protocol_name = "pmc-watch";
    ci.opaque_user_data = c;
    c->st = WC_CONNECTING;
    c->started = w->now;
    c->rxn = 0;
    c->rx_over = 0;
    w->st.c[c->src].connects++;
    c->wsi = NULL;
    c->in_connect = 1; /* callbacks may come before the call returns */
    struct lws *wsi = lws_client_connect_via_info(&ci);
    c->in_connect = 0;
    if (c->st != WC_CONNECTING)
        return; /* already failed inside the call */
    if (!wsi) {
        went_down(c, "connect call failed");
        return;
    }
    c->wsi = wsi;
}

static void on_message(struct wconn *c, const char *buf, size_t n)
{
    struct pmc_watch *w = c->w;
    w->st.c[c->src].frames++;
    c->last_rx = w->now;
    if (c->subscribed && c->src != PMC_WATCH_BOOK && w->now > w->cp[c->src])
        w->cp[c->src] = w->now;
    c->w->proto->message(c, buf, n);
    if (c->subscribed && !c->healthy) {
        c->healthy = 1;
        c->fails = 0;
    }
}

static void on_rx(struct wconn *c, struct lws *wsi, const char *in, size_t len)
{
    struct pmc_watch *w = c->w;
    int first = lws_is_first_fragment(wsi);
    int final =
        lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0;
    if (first && c->rxn == 0)
        c->rx_over = 0;
    c->last_rx = w->now; /* any byte proves the socket is alive */
    if (!c->rx_over) {
        if (c->rxn + len > w->cfg.max_frame_bytes) {
            c->rx_over = 1;
            c->rxn = 0;
        } else {
            if (c->rxn + len > c->rxcap) {
                size_t nc = c->rxcap ? c->rxcap : 4096;
                while (nc < c->rxn + len)
                    nc *= 2;
                char *p = realloc(c->rx, nc);
                if (!p) {
                    c->rx_over = 1;
                    c->rxn = 0;
                    goto check_final;
                }
                c->rx = p;
                c->rxcap = nc;
            }
            memcpy(c->rx + c->rxn, in, len);
            c->rxn += len;
        }
    }
check_final:
    if (!final)
        return;
    if (c->rx_over) {
        w->st.c[c->src].oversized++;
        pmc__watch_log(w, c->src,
                       "oversized message dropped (more than %zu bytes)",
                       w->cfg.max_frame_bytes);
        c->rx_over = 0;
        c->rxn = 0;
        return;
    }
    size_t n = c->rxn;
    c->rxn = 0;
    on_message(c, c->rx ? c->rx : "", n);
    /* give memory back after a big message */
    if (c->rxcap > (size_t)1 << 20) {
        free(c->rx);
        c->rx = NULL;
        c->rxcap = 0;
    }
}

static int ws_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user,
                 void *in, size_t len)
{
    (void)user;
    struct wconn *c = lws_get_opaque_user_data(wsi);
    if (!c)
        return 0;
    if (c->in_connect && !c->wsi && c->st == WC_CONNECTING)
        c->wsi = wsi;
    if (c->wsi != wsi)
        return 0; /* a connection already given up */
    struct pmc_watch *w = c->w;
    switch (reason) {
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR: {
        char why[128];
        snprintf(why, sizeof why, "%.100s",
                 in ? (const char *)in : "connection error");
        went_down(c, why);
        return 0;
    }
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        c->st = WC_OPEN;
        c->ever_up = 1;
        c->last_rx = w->now;
        c->last_ping = w->now;
        w->st.c[c->src].established++;
        c->w->proto->open(c);
        return 0;
    case LWS_CALLBACK_CLIENT_RECEIVE:
        if (c->st == WC_OPEN)
            on_rx(c, wsi, in, len);
        return 0;
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        if (c->st != WC_OPEN)
            return 0;
        if (c->txn) {
            unsigned i = c->txh;
            int r = lws_write(wsi, c->txq[i] + LWS_PRE, c->txlen[i],
                              LWS_WRITE_TEXT);
            free(c->txq[i]);
            c->txq[i] = NULL;
            c->txh = (c->txh + 1) % WC_TXQ;
            c->txn--;
            if (r < 0) {
                pmc__ws_kill(c, "write failed");
                return 0;
            }
            if (c->txn)
                lws_callback_on_writable(wsi);
        }
        return 0;
    case LWS_CALLBACK_CLIENT_CLOSED:
        went_down(c, "closed by peer");
        return 0;
    case LWS_CALLBACK_WSI_DESTROY:
        went_down(c, c->st == WC_CLOSING ? "closed" : "connection lost");
        return 0;
    default:
        return 0;
    }
}

static const struct lws_protocols protocols[] = {
    {"pmc-watch", ws_cb, 0, 65536, 0, NULL, 0}, {NULL, NULL, 0, 0, 0, NULL, 0}};

enum pmc_err pmc__ws_init(struct pmc_watch *w,
                          const struct pmc__ws_proto *proto)
{
    w->proto = proto;
    int any = 0, tls = 0;
    for (int s = 0; s < PMC_WATCH_NSRC; s++) {
        struct wconn *c = &w->conn[s];
        if (!c->configured)
            continue;
        if (parse_url(c) != 0) {
            pmc__watch_log(w, c->src,
                           "config: bad URL (expected ws://host[:port]/path "
                           "or wss://...)");
            return PMC_ECONFIG;
        }
        any = 1;
        tls |= c->tls;
        c->next_connect = w->now;
    }
    if (!any)
        return PMC_OK;
    lws_set_log_level(LLL_ERR, NULL);
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    info.gid = (gid_t)-1;
    info.uid = (uid_t)-1;
    if (tls)
        info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    w->ctx = lws_create_context(&info);
    if (!w->ctx) {
        pmc__watch_log(w, PMC_WATCH_CHAIN,
                       "libwebsockets context could not be created");
        return PMC_EIO;
    }
    return PMC_OK;
}

void pmc__ws_tick(struct pmc_watch *w)
{
    for (int s = 0; s < PMC_WATCH_NSRC; s++) {
        struct wconn *c = &w->conn[s];
        if (!c->configured || !w->ctx)
            continue;
        switch (c->st) {
        case WC_IDLE: {
            int wanted = c->src != PMC_WATCH_BOOK || w->nbooks > 0;
            if (wanted && w->now >= c->next_connect)
                connect_now(c);
            break;
        }
        case WC_CONNECTING:
            if (w->now - c->started > w->cfg.stale_ms) {
                w->st.c[s].stale++;
                pmc__ws_kill(c, "connect timed out");
            }
            break;
        case WC_OPEN:
            if (w->now - c->last_rx > w->cfg.stale_ms) {
                w->st.c[s].stale++;
                pmc__ws_kill(c, "silent past the staleness limit");
                break;
            }
            if (w->now - c->last_ping >= w->proto->ping_ms(c)) {
                c->last_ping = w->now;
                w->proto->heartbeat(c);
            }
            break;
        case WC_CLOSING:
            break;
        }
    }
}

void pmc__ws_free(struct pmc_watch *w)
{
    if (w->ctx) {
        for (int s = 0; s < PMC_WATCH_NSRC; s++)
            w->conn[s].wsi = NULL; /* no callbacks into us while closing */
        lws_context_destroy(w->ctx);
        w->ctx = NULL;
    }
    for (int s = 0; s < PMC_WATCH_NSRC; s++) {
        tx_clear(&w->conn[s]);
        free(w->conn[s].rx);
        w->conn[s].rx = NULL;
    }
}
