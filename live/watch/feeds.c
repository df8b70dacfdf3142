/* live/watch/feeds.c - what each websocket source sends and receives:
 *  - chain: eth_subscribe("logs") for OrderFilled (V2, V1 when asked) on
 *    the exchange contracts with the tracked wallets as topic 2 (no topic-2
 *    filter past chain_max_wallets: filtered here instead), eth_blockNumber
 *    as heartbeat, notifications through pmc_wire_decode_logs; a log with
 *    "removed": true is counted, logged and emitted as ev=removed (the core
 *    withdraws the fill if it still waits in a bucket; a copy already sent
 *    stands: the CLOB match is normally re-mined);
 *  - rtds: the activity/trades firehose (no filter), text "ping";
 *  - book: the CLOB market channel, text "PING", frames through
 *    pmc_wire_decode_clob with depth.
 * Decides what a malformed message is (the decoder refuses it): counted,
 * logged with the decoder's reason (never the frame), dropped. ws.c calls
 * in through pmc__feed_proto; fills, records and gaps go up through the
 * hub's ops (w->hub), never by calling watch.c or poll.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "proto/wire/chain.h"
#include "proto/wire/clob.h"
#include "proto/wire/data_api.h"
#include "live/watch/watch_int.h"

struct sbuf {
    char *p;
    size_t n, cap;
    int bad;
};

static void sb_put(struct sbuf *b, const char *s)
{
    size_t k = strlen(s);
    if (b->bad)
        return;
    if (b->n + k + 1 > b->cap) {
        size_t nc = b->cap ? b->cap : 1024;
        while (nc < b->n + k + 1)
            nc *= 2;
        char *p = realloc(b->p, nc);
        if (!p) {
            b->bad = 1;
            return;
        }
        b->p = p;
        b->cap = nc;
    }
    memcpy(b->p + b->n, s, k + 1);
    b->n += k;
}

static void send_sb(struct wconn *c, struct sbuf *b)
{
    if (!b->bad)
        pmc__ws_send(c, b->p, b->n);
    free(b->p);
}

static void resubscribed(struct wconn *c)
{
    struct pmc_watch *w = c->w;
    w->st.c[c->src].subscribed++;
    if (c->gap_from > 0) {
        if (w->api_url)
            w->hub->backfill(w, c->gap_from - w->cfg.overlap_ms);
        c->gap_from = 0;
    }
}

/* ---- chain ------------------------------------------------------------ */

static void chain_subscribe(struct wconn *c)
{
    struct pmc_watch *w = c->w;
    struct sbuf b = {0};
    char tmp[160];
    c->sub_id_req = ++c->next_id;
    snprintf(tmp, sizeof tmp,
             "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"method\":\"eth_subscribe\","
             "\"params\":[\"logs\",{\"address\":[",
             (long long)c->sub_id_req);
    sb_put(&b, tmp);
    for (size_t i = 0; i < w->nchain_addrs; i++) {
        sb_put(&b, i ? ",\"" : "\"");
        sb_put(&b, w->chain_addrs[i]);
        sb_put(&b, "\"");
    }
    sb_put(&b, "],\"topics\":[");
    if (w->cfg.chain_v1)
        sb_put(&b, "[\"" PMC_TOPIC_ORDER_FILLED_V2
                   "\",\"" PMC_TOPIC_ORDER_FILLED_V1 "\"]");
    else
        sb_put(&b, "\"" PMC_TOPIC_ORDER_FILLED_V2 "\"");
    sb_put(&b, ",null,");
    if (w->nwallets == 0 || w->nwallets > w->cfg.chain_max_wallets) {
        sb_put(&b, "null");
    } else {
        sb_put(&b, "[");
        for (size_t i = 0; i < w->nwallets; i++) {
            snprintf(tmp, sizeof tmp, "%s\"0x000000000000000000000000%s\"",
                     i ? "," : "", w->wallets[i].s + 2);
            sb_put(&b, tmp);
        }
        sb_put(&b, "]");
    }
    sb_put(&b, "]}]}");
    send_sb(c, &b);
}

static enum pmc_err chain_emit(void *ctx, const struct pmc_record *rec,
                               const struct pmc_wire_extra *x)
{
    struct wconn *c = ctx;
    struct pmc_watch *w = c->w;
    /* the decoder's key is tx:logIndex: identical fills of a transaction
     * are counted in log order */
    int64_t li = -1;
    if (rec->kind == PMC_K_FILL) {
        const char *p = memchr(rec->u.fill.key.s, ':', rec->u.fill.key.n);
        if (p && p[1] >= '0' && p[1] <= '9' && strlen(p + 1) < 19)
            li = strtoll(p + 1, NULL, 10);
    }
    if (x->removed) {
        w->hub->removed(w, c->src, rec, 0, li);
        return PMC_OK;
    }
    w->hub->fill(w, c->src, rec,
                 rec->kind == PMC_K_FILL && rec->u.fill.ts != w->now, 0, li);
    return PMC_OK;
}

static void malformed(struct wconn *c, const char *why, size_t row)
{
    c->w->st.c[c->src].malformed++;
    if (row)
        pmc__watch_log(c->w, c->src, "malformed message dropped: item %zu: %s",
                       row, why);
    else
        pmc__watch_log(c->w, c->src, "malformed message dropped: %s", why);
}

static void chain_message(struct wconn *c, const char *buf, size_t n)
{
    struct pmc_watch *w = c->w;
    json_error_t je;
    json_t *root = json_loadb(buf, n, JSON_DECODE_ANY, &je);
    if (!root) {
        char why[200];
        snprintf(why, sizeof why, "JSON at byte %d: %.120s", je.position,
                 je.text);
        malformed(c, why, 0);
        return;
    }
    if (!json_is_object(root)) {
        json_decref(root);
        malformed(c, "not a JSON-RPC object", 0);
        return;
    }
    const char *method = json_string_value(json_object_get(root, "method"));
    json_t *id = json_object_get(root, "id");
    if (method && !strcmp(method, "eth_subscription")) {
        json_decref(root);
        struct pmc_wire_sink sink = {0};
        struct pmc_wire_err err = {0};
        sink.emit = chain_emit;
        sink.ctx = c;
        enum pmc_err e =
            pmc_wire_decode_logs(buf, n, w->now, NULL, &sink, &err);
        if (e != PMC_OK)
            malformed(c, err.msg[0] ? err.msg : pmc_strerror(e), err.row);
        return;
    }
    if (json_is_integer(id) && json_integer_value(id) == c->sub_id_req &&
        c->sub_id_req) {
        json_t *res = json_object_get(root, "result");
        if (json_is_string(res)) {
            c->subscribed = 1;
            resubscribed(c);
        } else {
            json_t *er = json_object_get(root, "error");
            const char *msg = json_string_value(json_object_get(er, "message"));
            char why[200];
            snprintf(why, sizeof why, "eth_subscribe refused: %.150s",
                     msg ? msg : "no result");
            json_decref(root);
            pmc__ws_kill(c, why);
            return;
        }
    }
    /* other responses (heartbeats) only prove the socket is alive */
    json_decref(root);
}

/* ---- rtds ------------------------------------------------------------- */

static enum pmc_err rtds_emit(void *ctx, const struct pmc_record *rec,
                              const struct pmc_wire_extra *x)
{
    (void)x;
    struct wconn *c = ctx;
    c->w->hub->fill(c->w, c->src, rec, 1, 0, -1); /* arrival order */
    return PMC_OK;
}

static void rtds_message(struct wconn *c, const char *buf, size_t n)
{
    struct pmc_wire_sink sink = {0};
    struct pmc_wire_err err = {0};
    sink.emit = rtds_emit;
    sink.ctx = c;
    enum pmc_err e = pmc_wire_decode_rtds(buf, n, c->w->now, &sink, &err);
    if (e != PMC_OK)
        malformed(c, err.msg[0] ? err.msg : pmc_strerror(e), err.row);
}

/* ---- book ------------------------------------------------------------- */

static void book_subscribe_all(struct wconn *c)
{
    struct pmc_watch *w = c->w;
    struct sbuf b = {0};
    sb_put(&b, "{\"assets_ids\":[");
    for (size_t i = 0; i < w->nbooks; i++) {
        sb_put(&b, i ? ",\"" : "\"");
        sb_put(&b, w->books[i].s);
        sb_put(&b, "\"");
    }
    sb_put(&b, "],\"type\":\"market\",\"custom_feature_enabled\":true}");
    send_sb(c, &b);
}

void pmc__feed_book_sub(struct wconn *c, const struct pmc_sym *tok,
                        int subscribe)
{
    if (c->st != WC_OPEN || !c->subscribed)
        return; /* the next (re)connect subscribes to every token */
    char msg[PMC_SYM_MAX + 80];
    int k = snprintf(msg, sizeof msg,
                     "{\"assets_ids\":[\"%s\"],\"operation\":\"%s\"}", tok->s,
                     subscribe ? "subscribe" : "unsubscribe");
    if (k > 0 && (size_t)k < sizeof msg)
        pmc__ws_send(c, msg, (size_t)k);
}

static enum pmc_err book_emit(void *ctx, const struct pmc_record *rec,
                              const struct pmc_wire_extra *x)
{
    (void)x;
    struct wconn *c = ctx;
    c->w->hub->record(c->w, c->src, rec);
    return PMC_OK;
}

static void book_message(struct wconn *c, const char *buf, size_t n)
{
    struct pmc_wire_sink sink = {0};
    struct pmc_wire_err err = {0};
    sink.emit = book_emit;
    sink.ctx = c;
    enum pmc_err e =
        pmc_wire_decode_clob(buf, n, c->w->now, PMC_WIRE_DEPTH, &sink, &err);
    if (e != PMC_OK)
        malformed(c, err.msg[0] ? err.msg : pmc_strerror(e), err.row);
}

/* ---- user channel ----------------------------------------------------- */

/* The authenticated subscribe (the message holds the API secret: wiped
 * once queued; never logged). */
static void user_subscribe(struct wconn *c)
{
    struct pmc_watch *w = c->w;
    char msg[1024];
    size_t n = w->cfg.user_sub(w->cfg.ctx, msg, sizeof msg);
    int ok = n > 0 && pmc__ws_send(c, msg, n) == 0;
    explicit_bzero(msg, sizeof msg);
    if (!ok) {
        pmc__ws_kill(c, "subscribe message not sent");
        return;
    }
    c->subscribed = 1;
    w->st.c[c->src].subscribed++;
    w->cfg.user_link(w->cfg.ctx, 1);
}

/* ---- dispatch --------------------------------------------------------- */

static void feed_open(struct wconn *c)
{
    static const char rtds_sub[] =
        "{\"action\":\"subscribe\",\"subscriptions\":[{\"topic\":"
        "\"activity\",\"type\":\"trades\"}]}";
    switch (c->src) {
    case PMC_WATCH_CHAIN:
        chain_subscribe(c);
        break;
    case PMC_WATCH_RTDS:
        pmc__ws_send(c, rtds_sub, sizeof rtds_sub - 1);
        c->subscribed = 1;
        resubscribed(c);
        break;
    case PMC_WATCH_BOOK:
        book_subscribe_all(c);
        c->subscribed = 1;
        c->w->st.c[c->src].subscribed++;
        break;
    case PMC_WATCH_USER:
        user_subscribe(c);
        break;
    default:
        break;
    }
}

static void feed_message(struct wconn *c, const char *buf, size_t n)
{
    switch (c->src) {
    case PMC_WATCH_CHAIN:
        chain_message(c, buf, n);
        break;
    case PMC_WATCH_RTDS:
        rtds_message(c, buf, n);
        break;
    case PMC_WATCH_BOOK:
        book_message(c, buf, n);
        break;
    case PMC_WATCH_USER:
        c->w->cfg.user_frame(c->w->cfg.ctx, buf, n);
        break;
    default:
        break;
    }
}

static pmc_ms feed_ping_ms(const struct wconn *c)
{
    const struct pmc_watch_config *cfg = &c->w->cfg;
    return c->src == PMC_WATCH_CHAIN  ? cfg->chain_heartbeat_ms
           : c->src == PMC_WATCH_RTDS ? cfg->rtds_ping_ms
           : c->src == PMC_WATCH_USER ? cfg->user_ping_ms
                                      : cfg->book_ping_ms;
}

static void feed_heartbeat(struct wconn *c)
{
    if (c->src == PMC_WATCH_CHAIN) {
        char msg[128];
        int k = snprintf(msg, sizeof msg,
                         "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"method\":"
                         "\"eth_blockNumber\",\"params\":[]}",
                         (long long)++c->next_id);
        pmc__ws_send(c, msg, (size_t)k);
    } else if (c->src == PMC_WATCH_RTDS) {
        pmc__ws_send(c, "ping", 4);
    } else {
        pmc__ws_send(c, "PING", 4);
    }
}

const struct pmc__ws_proto pmc__feed_proto = {feed_open, feed_message,
                                              feed_heartbeat, feed_ping_ms};
