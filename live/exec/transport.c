/* live/exec/transport.c - the executor's requests on the wire: libcurl's
 * multi handle and its easy handles (one per order slot, a few for token
 * metadata), the lanes that carry POST /order (lane.h, http1.h), the L2
 * headers, and the rate limits every request waits for (token buckets of
 * clob.h's config and the venue's rate-limit headers).
 *
 * Decides how a request is written and when the rate limits let it go;
 * turns how it ended into a struct pmc__done for its owner (order_fsm.c,
 * tokens.c). Never decides what an answer means, whether to send again or
 * what happens to an order.
 *
 * Why a POST's second attempt is refused: libcurl re-sends a request on its
 * own when a kept-alive connection dies before any answer byte; for an
 * order that is exactly the "accepted, answer lost" case, so the second
 * attempt is aborted (on_prereq) and the order is looked up by hash
 * instead (order_fsm.c, CONFIRM). */
#include <curl/curl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "live/exec/clob_int.h"
#include "live/exec/http1.h"
#include "live/exec/lane.h"
#include "live/logfmt.h"
#include "live/killpoint.h"
#include "proto/sign/auth.h"

/* ---- libcurl callbacks --------------------------------------------------- */

static size_t on_write(char *p, size_t sz, size_t nm, void *ud)
{
    struct req *r = ud;
    size_t n = sz * nm;
    char *buf = r->big ? r->big : r->resp;
    size_t cap = r->big ? r->big_cap : RESP_MAX;
    if (r->resp_len + n >= cap) {
        r->resp_over = 1;
        size_t room = cap - 1 - r->resp_len;
        memcpy(buf + r->resp_len, p, room);
        r->resp_len += room;
    } else {
        memcpy(buf + r->resp_len, p, n);
        r->resp_len += n;
    }
    buf[r->resp_len] = '\0';
    return n;
}

static int64_t header_int(const char *v, size_t n)
{
    int64_t out = 0;
    size_t i = 0;
    while (i < n && (v[i] == ' ' || v[i] == '\t'))
        i++;
    size_t start = i;
    while (i < n && v[i] >= '0' && v[i] <= '9' && out < INT64_MAX / 10)
        out = out * 10 + (v[i++] - '0');
    return i == start ? -1 : out;
}

static size_t on_header(char *p, size_t sz, size_t nm, void *ud)
{
    struct req *r = ud;
    size_t n = sz * nm;
    static const struct {
        const char *name;
        int which;
    } H[] = {{"poly-ratelimit-remaining:", 0},
             {"poly-ratelimit-reset:", 1},
             {"retry-after:", 2}};
    if (n >= 7 && memcmp(p, "HTTP/", 5) == 0) {
        /* a new response (e.g. after 100-continue): forget the last one */
        r->rl_remaining = -1;
        r->rl_reset_s = 0;
        r->retry_after_s = 0;
        return n;
    }
    for (size_t k = 0; k < PMC_ARRAY_LEN(H); k++) {
        size_t hl = strlen(H[k].name);
        if (n > hl && strncasecmp(p, H[k].name, hl) == 0) {
            int64_t v = header_int(p + hl, n - hl);
            if (v < 0)
                break;
            if (H[k].which == 0)
                r->rl_remaining = v;
            else if (H[k].which == 1)
                r->rl_reset_s = v;
            else
                r->retry_after_s = v;
        }
    }
    return n;
}

#if LIBCURL_VERSION_NUM < 0x075000
#error "libcurl 7.80 or later is needed (CURLOPT_PREREQFUNCTION)"
#endif

/* The POST body goes out with the request head, in one write (libcurl
 * appends a small POSTFIELDS body to the head). libcurl would re-send it
 * on its own when a kept-alive connection turns out dead; every attempt
 * passes through here right before its request is written, so a second
 * one for the same POST is refused (the transfer fails as "aborted by
 * callback") and the fate of the first is then looked up by hash. The
 * first pass is the wire hook's moment: the request is formatted and
 * written within this same libcurl call. */
static int on_prereq(void *ud, char *conn_primary_ip, char *conn_local_ip,
                     int conn_primary_port, int conn_local_port)
{
    (void)conn_primary_ip, (void)conn_local_ip;
    (void)conn_primary_port, (void)conn_local_port;
    struct req *r = ud;
    if (r->sent) {
        r->rewind_refused = 1;
        return CURL_PREREQFUNC_ABORT;
    }
    r->sent = 1;
    struct pmc_clob *x = r->x;
    if (r->kind == R_POST && x->h.wire)
        x->h.wire(x->h.ctx, &x->orders[r->idx].coid, r->body_len);
    if (r->kind == R_BATCH && x->h.wire) {
        const struct batch *b = &x->bat[r->idx];
        for (uint32_t i = 0; i < b->n; i++)
            x->h.wire(x->h.ctx, &x->orders[b->ord[i]].coid, r->body_len);
    }
    return CURL_PREREQFUNC_OK;
}

/* Upload progress, installed only while the "sent" kill point is armed
 * (live/killpoint.h): the POST's body is all out, its answer not read. */
static int on_xfer_sent(void *ud, curl_off_t dltotal, curl_off_t dlnow,
                        curl_off_t ultotal, curl_off_t ulnow)
{
    (void)dltotal, (void)dlnow;
    struct req *r = ud;
    if ((r->kind == R_POST || r->kind == R_BATCH) && !r->written &&
        ultotal > 0 && ulnow >= ultotal) {
        r->written = 1;
        pmc_killpoint(PMC_KP_SENT);
    }
    return 0;
}

/* ---- requests ------------------------------------------------------------ */

static void req_reset(struct pmc_clob *x, struct req *r, enum rkind kind,
                      uint32_t idx)
{
    r->x = x;
    r->kind = kind;
    r->idx = idx;
    r->resp_len = 0;
    r->resp[0] = '\0';
    r->resp_over = 0;
    r->rl_remaining = -1;
    r->rl_reset_s = 0;
    r->retry_after_s = 0;
    r->rewind_refused = 0;
    r->sent = 0;
    r->written = 0;
    r->body = NULL;
    r->body_len = 0;
    r->on_lane = 0;
    r->fail_why = NULL;
}

static enum pmc_err req_begin(struct pmc_clob *x, struct req *r,
                              enum rkind kind, uint32_t idx, pmc_ms timeout)
{
    if (!r->easy) {
        if (!(r->easy = curl_easy_init()))
            return PMC_ENOMEM;
        r->setup = R_NONE;
    }
    req_reset(x, r, kind, idx);
    CURL *e = r->easy;
    if (r->setup != kind) {
        /* a handle keeps its options between transfers: the fixed ones
         * are set again only when it changes kind (the next POST on a
         * handle that posted skips the reset, which is not cheap) */
        curl_easy_reset(e);
        curl_easy_setopt(e, CURLOPT_PRIVATE, r);
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
        curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
        curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
        curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
        curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                         (long)x->cfg.connect_timeout_ms);
        curl_easy_setopt(e, CURLOPT_USERAGENT, "pmcopy");
        if (x->cfg.ca_file)
            curl_easy_setopt(e, CURLOPT_CAINFO, x->cfg.ca_file);
#if LIBCURL_VERSION_NUM >= 0x075500
        curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
        r->setup = kind;
    }
    curl_easy_setopt(e, CURLOPT_URL, r->url);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)timeout);
    return PMC_OK;
}

static void wipe_headers(struct req *r)
{
    for (struct curl_slist *l = r->hdrs; l; l = l->next)
        explicit_bzero(l->data, strlen(l->data));
    curl_slist_free_all(r->hdrs);
    r->hdrs = NULL;
}

#define L2_LINE 256

/* The five L2 header lines ("POLY_ADDRESS: 0x..", ...) for a request. The
 * caller wipes them. */
static enum pmc_err l2_lines(struct pmc_clob *x, const char *method,
                             const char *path, const char *body,
                             size_t body_len, char lines[5][L2_LINE])
{
    struct pmc_l2_headers h;
    uint64_t ts = (uint64_t)(x->now / 1000);
    PMC_TRY(pmc_l2_auth_headers(x->l2, ts, method, path, body, body_len, &h));
    static const char *const names[5] = {"POLY_ADDRESS", "POLY_SIGNATURE",
                                         "POLY_TIMESTAMP", "POLY_API_KEY",
                                         "POLY_PASSPHRASE"};
    const char *vals[5] = {h.address, h.signature, h.timestamp, h.api_key,
                           h.passphrase};
    for (int i = 0; i < 5; i++)
        snprintf(lines[i], L2_LINE, "%s: %s", names[i], vals[i]);
    explicit_bzero(&h, sizeof h);
    return PMC_OK;
}

static enum pmc_err add_hdr(struct req *r, const char *line)
{
    struct curl_slist *n = curl_slist_append(r->hdrs, line);
    if (!n)
        return PMC_ENOMEM;
    r->hdrs = n;
    return PMC_OK;
}

static enum pmc_err add_l2(struct pmc_clob *x, struct req *r,
                           const char *method, const char *path,
                           const char *body, size_t body_len)
{
    char lines[5][L2_LINE];
    enum pmc_err e = l2_lines(x, method, path, body, body_len, lines);
    for (int i = 0; i < 5 && e == PMC_OK; i++)
        e = add_hdr(r, lines[i]);
    explicit_bzero(lines, sizeof lines);
    return e;
}

static enum pmc_err req_go(struct pmc_clob *x, struct req *r)
{
    curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, r->hdrs);
    if (curl_multi_add_handle(x->multi, r->easy) != CURLM_OK) {
        wipe_headers(r);
        return PMC_EIO;
    }
    r->active = 1;
    return PMC_OK;
}

void pmc__tx_abort(struct pmc_clob *x, struct req *r)
{
    if (r->active && r->on_lane) {
        pmc_lane_abort(x->lane[r->lane]);
        x->lane_order[r->lane] = NONE;
        r->on_lane = 0;
        r->active = 0;
    } else if (r->active) {
        curl_multi_remove_handle(x->multi, r->easy);
        r->active = 0;
    }
    wipe_headers(r);
    r->kind = R_NONE;
}

/* ---- POST /order --------------------------------------------------------- */

/* The part of a lane's POST /order head that is the same for every order
 * (request line, Host, the fixed headers, address, API key, passphrase),
 * made once: an order adds its signature, timestamp and length. Holds
 * credentials: wiped with the executor. Empty (len 0) when it does not
 * fit, which sends every POST through libcurl. */
void pmc__tx_post_head(struct pmc_clob *x)
{
    if (!x->lane[0])
        return;
    char addr[PMC_ADDR_STR_LEN + 16], key[160], pass[160], target[300];
    snprintf(addr, sizeof addr, "POLY_ADDRESS: %s", x->addr_str);
    snprintf(key, sizeof key, "POLY_API_KEY: %s", x->api.key);
    snprintf(pass, sizeof pass, "POLY_PASSPHRASE: %s", x->api.passphrase);
    snprintf(target, sizeof target, "%s/order", pmc_lane_prefix(x->lane[0]));
    const char *lines[6] = {"User-Agent: pmcopy",
                            "Accept: */*",
                            "Content-Type: application/json",
                            addr,
                            key,
                            pass};
    size_t n =
        pmc_http1_req_head(x->post_head, sizeof x->post_head, "POST",
                           pmc_lane_host(x->lane[0]), target, lines, 6, 0, 0);
    /* drop the blank line: the order's own lines follow */
    x->post_head_len = n >= 2 ? n - 2 : 0;
    explicit_bzero(key, sizeof key);
    explicit_bzero(pass, sizeof pass);
}

static char *put_str(char *p, const char *s, size_t n)
{
    memcpy(p, s, n);
    return p + n;
}

static char *put_u64(char *p, uint64_t v)
{
    char d[20];
    int k = 0;
    do
        d[k++] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    while (k)
        *p++ = d[--k];
    return p;
}

/* POST the order on an idle lane: the prepared head, the order's L2
 * signature, timestamp and length, then the body, in one send. 1 when it
 * went out; 0 when no lane could take it (nothing was sent, libcurl
 * carries it). */
struct wire_probe {
    struct pmc_clob *x;
    const struct order *o;
    size_t n;
    int fired;
};

/* The wire hook, once per order: the same moment as libcurl's pre-request
 * callback, the request complete and its one send next. */
static void wire_probe(void *ctx)
{
    struct wire_probe *w = ctx;
    if (w->x->h.wire && !w->fired++)
        w->x->h.wire(w->x->h.ctx, &w->o->coid, w->n);
}

static int post_on_lane(struct pmc_clob *x, struct order *o)
{
    struct req *r = &o->r;
    if (!x->post_head_len)
        return 0;
    char head[sizeof x->post_head + 160];
    size_t hl = 0;
    int sent = 0;
    struct wire_probe probe = {x, o, 0, 0};
    for (uint32_t i = 0; i < x->cfg.lanes && !sent; i++) {
        struct pmc_lane *l = x->lane[i];
        if (!l || !pmc_lane_usable(l, x->now))
            continue;
        if (!hl) {
            struct pmc_l2_headers h;
            uint64_t ts = (uint64_t)(x->now / 1000);
            if (pmc_l2_auth_headers(x->l2, ts, "POST", "/order", o->so.body,
                                    o->so.body_len, &h) != PMC_OK)
                break;
            static const char SIG[] = "POLY_SIGNATURE: ",
                              TS[] = "\r\nPOLY_TIMESTAMP: ",
                              LEN[] = "\r\nContent-Length: ";
            char *p = put_str(head, x->post_head, x->post_head_len);
            p = put_str(p, SIG, sizeof SIG - 1);
            p = put_str(p, h.signature, strlen(h.signature));
            p = put_str(p, TS, sizeof TS - 1);
            p = put_u64(p, ts);
            p = put_str(p, LEN, sizeof LEN - 1);
            p = put_u64(p, o->so.body_len);
            p = put_str(p, "\r\n\r\n", 4);
            hl = (size_t)(p - head);
            explicit_bzero(&h, sizeof h);
        }
        probe.n = hl + o->so.body_len;
        enum pmc_err e =
            pmc_lane_send(l, head, hl, o->so.body, o->so.body_len, r->resp,
                          RESP_MAX, x->now, wire_probe, &probe);
        if (e == PMC_ESTATE)
            continue; /* that connection failed, nothing sent: the next */
        if (e != PMC_OK)
            break;
        req_reset(x, r, R_POST, (uint32_t)(o - x->orders));
        r->body = o->so.body;
        r->body_len = o->so.body_len;
        r->on_lane = 1;
        r->lane = i;
        r->active = 1;
        r->sent = 1;
        x->lane_order[i] = r->idx;
        x->st.lane_posts++;
        sent = 1;
    }
    explicit_bzero(head, hl);
    return sent;
}

/* The wait before a POST may go: the venue's block (425/503) and the
 * two rate limits of its route (burst, 10 minutes). */
static pmc_ms wait_for(const struct pmc_clob *x, struct pmc_bucket *b1,
                       struct pmc_bucket *b2)
{
    pmc_ms now = x->now, w = 0;
    if (x->post_block_until > now)
        w = x->post_block_until - now;
    pmc_ms w1 = pmc_bucket_wait(b1, now);
    pmc_ms w2 = pmc_bucket_wait(b2, now);
    if (w1 > w)
        w = w1;
    if (w2 > w)
        w = w2;
    return w;
}

pmc_ms pmc__tx_post_wait(struct pmc_clob *x)
{
    return wait_for(x, &x->b_post, &x->b_post10m);
}

/* Send the begun request r as a POST of its JSON body (r->body,
 * r->body_len) to path: the L2 headers signed over it, the sent
 * kill point armed when asked. */
static enum pmc_err post_json(struct pmc_clob *x, struct req *r,
                              const char *path)
{
    curl_easy_setopt(r->easy, CURLOPT_POSTFIELDSIZE_LARGE,
                     (curl_off_t)r->body_len);
    curl_easy_setopt(r->easy, CURLOPT_POSTFIELDS, r->body);
    curl_easy_setopt(r->easy, CURLOPT_PREREQFUNCTION, on_prereq);
    curl_easy_setopt(r->easy, CURLOPT_PREREQDATA, r);
    if (pmc_killpoint_armed(PMC_KP_SENT)) {
        curl_easy_setopt(r->easy, CURLOPT_XFERINFOFUNCTION, on_xfer_sent);
        curl_easy_setopt(r->easy, CURLOPT_XFERINFODATA, r);
        curl_easy_setopt(r->easy, CURLOPT_NOPROGRESS, 0L);
    }
    enum pmc_err e = add_l2(x, r, "POST", path, r->body, r->body_len);
    if (e == PMC_OK)
        e = add_hdr(r, "Content-Type: application/json");
    if (e == PMC_OK)
        e = add_hdr(r, "Expect:");
    if (e == PMC_OK)
        e = req_go(x, r);
    return e;
}

enum pmc_err pmc__tx_post(struct pmc_clob *x, struct order *o, int *on_lane)
{
    struct req *r = &o->r;
    enum pmc_err e = PMC_OK;
    *on_lane = post_on_lane(x, o);
    if (!*on_lane) {
        snprintf(r->url, sizeof r->url, "%s/order", x->base);
        e = req_begin(x, r, R_POST, (uint32_t)(o - x->orders),
                      x->cfg.post_timeout_ms);
        if (e == PMC_OK) {
            r->body = o->so.body;
            r->body_len = o->so.body_len;
            e = post_json(x, r, "/order");
        }
    }
    if (e != PMC_OK) {
        wipe_headers(r);
        return e;
    }
    pmc_bucket_take(&x->b_post, x->now);
    pmc_bucket_take(&x->b_post10m, x->now);
    return PMC_OK;
}

/* ---- POST /orders ------------------------------------------------------- */

/* Batches go through libcurl, not the lanes: a lane's prepared head is
 * POST /order's, and a lane carries one order slot's answer; a batch is
 * one request for several orders, so the transfer's set-up is shared. */
pmc_ms pmc__tx_batch_wait(struct pmc_clob *x)
{
    return wait_for(x, &x->b_batch, &x->b_batch10m);
}

enum pmc_err pmc__tx_post_batch(struct pmc_clob *x, struct batch *b)
{
    struct req *r = &b->r;
    const size_t cap = PMC_CLOB_BATCH_MAX * (PMC_ORDER_BODY_MAX + 1) + 2;
    if (!b->body && !(b->body = malloc(cap)))
        return PMC_ENOMEM;
    if (!r->big) {
        if (!(r->big = malloc(BATCH_RESP_MAX)))
            return PMC_ENOMEM;
        r->big_cap = BATCH_RESP_MAX;
    }
    size_t n = 0;
    b->body[n++] = '[';
    for (uint32_t i = 0; i < b->n; i++) {
        const struct order *o = &x->orders[b->ord[i]];
        if (i)
            b->body[n++] = ',';
        memcpy(b->body + n, o->so.body, o->so.body_len);
        n += o->so.body_len;
    }
    b->body[n++] = ']';
    b->body[n] = '\0';
    b->body_len = n;
    snprintf(r->url, sizeof r->url, "%s/orders", x->base);
    enum pmc_err e = req_begin(x, r, R_BATCH, (uint32_t)(b - x->bat),
                               x->cfg.post_timeout_ms);
    if (e == PMC_OK) {
        r->body = b->body;
        r->body_len = n;
        e = post_json(x, r, "/orders");
    }
    if (e != PMC_OK) {
        wipe_headers(r);
        r->kind = R_NONE;
        return e;
    }
    pmc_bucket_take(&x->b_batch, x->now);
    pmc_bucket_take(&x->b_batch10m, x->now);
    return PMC_OK;
}

void pmc__tx_perform(struct pmc_clob *x)
{
    int running;
    curl_multi_perform(x->multi, &running);
}

/* ---- look-ups, cancels, metadata ----------------------------------------- */

enum pmc_err pmc__tx_get_order(struct pmc_clob *x, struct order *o,
                               pmc_ms *wait)
{
    *wait = pmc_bucket_wait(&x->b_ledger, x->now);
    if (*wait > 0)
        return PMC_OK;
    struct req *r = &o->r;
    char path[96];
    snprintf(path, sizeof path, "/data/order/%s", o->hash);
    snprintf(r->url, sizeof r->url, "%s%s", x->base, path);
    enum pmc_err e = req_begin(x, r, R_GET_ORDER, (uint32_t)(o - x->orders),
                               x->cfg.get_timeout_ms);
    if (e == PMC_OK)
        e = add_l2(x, r, "GET", path, NULL, 0);
    if (e == PMC_OK)
        e = req_go(x, r);
    if (e != PMC_OK) {
        wipe_headers(r);
        return e;
    }
    pmc_bucket_take(&x->b_ledger, x->now);
    return PMC_OK;
}

enum pmc_err pmc__tx_trades(struct pmc_clob *x, int64_t after_s,
                            const char *cursor, pmc_ms *wait)
{
    *wait = pmc_bucket_wait(&x->b_ledger, x->now);
    if (*wait > 0)
        return PMC_OK;
    struct req *r = &x->trades_r;
    if (!r->big) { /* the answer of this request only: up to 1 MiB */
        if (!(r->big = malloc(TRADES_RESP_MAX)))
            return PMC_ENOMEM;
        r->big_cap = TRADES_RESP_MAX;
    }
    int n = snprintf(r->url, sizeof r->url, "%s/data/trades?after=%" PRId64,
                     x->base, after_s);
    if (cursor && cursor[0] && n > 0 && (size_t)n < sizeof r->url)
        n += snprintf(r->url + n, sizeof r->url - (size_t)n, "&next_cursor=");
    /* the venue's cursor is opaque (base64): percent-encoded but for the
     * unreserved bytes */
    for (const char *c = cursor; c && *c && n > 0 && (size_t)n < sizeof r->url;
         c++) {
        unsigned char b = (unsigned char)*c;
        int plain = (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') ||
                    (b >= '0' && b <= '9') || b == '-' || b == '_' ||
                    b == '.' || b == '~';
        n += plain
                 ? snprintf(r->url + n, sizeof r->url - (size_t)n, "%c", b)
                 : snprintf(r->url + n, sizeof r->url - (size_t)n, "%%%02X", b);
    }
    if (n < 0 || (size_t)n >= sizeof r->url)
        return PMC_ERANGE;
    enum pmc_err e = req_begin(x, r, R_TRADES, 0, x->cfg.get_timeout_ms);
    if (e == PMC_OK) {
        curl_easy_setopt(r->easy, CURLOPT_HTTPGET, 1L);
        e = add_l2(x, r, "GET", "/data/trades", NULL, 0);
    }
    if (e == PMC_OK)
        e = req_go(x, r);
    if (e != PMC_OK) {
        wipe_headers(r);
        r->kind = R_NONE;
        return e;
    }
    pmc_bucket_take(&x->b_ledger, x->now);
    return PMC_OK;
}

enum pmc_err pmc__tx_delete(struct pmc_clob *x, struct order *o, pmc_ms *wait)
{
    pmc_ms now = x->now;
    pmc_ms w = pmc_bucket_wait(&x->b_cancel, now);
    if (x->post_block_until > now && x->post_block_until - now > w)
        w = x->post_block_until - now;
    *wait = w;
    if (w > 0)
        return PMC_OK;
    struct req *r = &o->r;
    snprintf(r->url, sizeof r->url, "%s/order", x->base);
    int n = snprintf(r->small_body, sizeof r->small_body,
                     "{\"orderID\":\"%s\"}", o->hash);
    enum pmc_err e = req_begin(x, r, R_DELETE, (uint32_t)(o - x->orders),
                               x->cfg.get_timeout_ms);
    if (e == PMC_OK) {
        curl_easy_setopt(r->easy, CURLOPT_CUSTOMREQUEST, "DELETE");
        curl_easy_setopt(r->easy, CURLOPT_POSTFIELDS, r->small_body);
        curl_easy_setopt(r->easy, CURLOPT_POSTFIELDSIZE, (long)n);
        e = add_l2(x, r, "DELETE", "/order", r->small_body, (size_t)n);
    }
    if (e == PMC_OK)
        e = add_hdr(r, "Content-Type: application/json");
    if (e == PMC_OK)
        e = req_go(x, r);
    if (e != PMC_OK) {
        wipe_headers(r);
        return e;
    }
    pmc_bucket_take(&x->b_cancel, now);
    return PMC_OK;
}

enum pmc_err pmc__tx_meta(struct pmc_clob *x, uint32_t ti, int is_tick,
                          pmc_ms *wait)
{
    struct token *t = &x->toks[ti];
    struct req *r = NULL;
    *wait = 0;
    for (int i = 0; i < META_REQS; i++)
        if (x->meta[i].kind == R_NONE) {
            r = &x->meta[i];
            break;
        }
    if (!r)
        return PMC_EFULL; /* all busy: a later pass */
    *wait = pmc_bucket_wait(&x->b_meta, x->now);
    if (*wait > 0)
        return PMC_OK;
    snprintf(r->url, sizeof r->url, "%s/%s?token_id=%s", x->base,
             is_tick ? "tick-size" : "neg-risk", t->sym.s);
    enum pmc_err e = req_begin(x, r, is_tick ? R_TICK : R_NEGRISK, ti,
                               x->cfg.get_timeout_ms);
    if (e == PMC_OK) {
        curl_easy_setopt(r->easy, CURLOPT_HTTPGET, 1L);
        e = req_go(x, r);
    }
    if (e != PMC_OK) {
        r->kind = R_NONE;
        return e;
    }
    pmc_bucket_take(&x->b_meta, x->now);
    return PMC_OK;
}

/* ---- finished transfers -------------------------------------------------- */

/* What the order phases see of a transfer that ended with rc. */
static struct pmc__done done_of(const struct req *r, CURLcode rc, long status)
{
    struct pmc__done d = {0, 0, NULL};
    if (rc == CURLE_OK && status == 0)
        rc = CURLE_GOT_NOTHING;
    if (rc == CURLE_OK) {
        d.status = status;
        return d;
    }
    d.never_sent =
        (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
         rc == CURLE_COULDNT_RESOLVE_PROXY) &&
        !r->sent;
    d.why = r->fail_why         ? r->fail_why
            : r->rewind_refused ? "connection died before the answer"
                                : curl_easy_strerror(rc);
    return d;
}

/* A transfer that got no answer: the log names the URL and the host. */
static void note_failure(struct pmc_clob *x, const struct req *r,
                         const struct pmc__done *d)
{
    if (!d->why)
        return;
    /* written here, not through pmc__note: the call order stays one way
     * (order_fsm.c -> transport.c) */
    char host[128], line[URL_MAX + 512];
    snprintf(line, sizeof line, "request failed: %s: %s (host %s)", d->why,
             r->url[0] ? r->url : x->base,
             pmc_url_host(x->base, host, sizeof host));
    for (char *p = line; *p; p++)
        if ((unsigned char)*p < 0x20)
            *p = ' ';
    if (x->h.log)
        x->h.log(x->h.ctx, line);
    else
        fprintf(stderr, "pmcopy exec: %s\n", line);
}

/* A libcurl transfer that ended with rc. */
static struct req *curl_done(struct pmc_clob *x, CURL *e, CURLcode rc,
                             struct pmc__done *d)
{
    struct req *r = NULL;
    curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&r);
    if (!r)
        return NULL;
    long status = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    curl_multi_remove_handle(x->multi, e);
    r->active = 0;
    wipe_headers(r);
    if (r->kind == R_POST) {
        curl_off_t us = 0;
        if (curl_easy_getinfo(e, CURLINFO_TOTAL_TIME_T, &us) == CURLE_OK &&
            rc == CURLE_OK)
            pmc_hist_add(&x->st.post_us, (int64_t)us);
    }
    *d = done_of(r, rc, status);
    note_failure(x, r, d);
    return r;
}

/* A lane's answer (or failure) to the POST it carries, or NULL. */
static struct req *lane_done(struct pmc_clob *x, uint32_t i,
                             struct pmc__done *d)
{
    struct pmc_lane *l = x->lane[i];
    const struct pmc_http1_resp *hr;
    const char *why;
    enum pmc_lane_outcome out =
        pmc_lane_poll(l, x->now, x->cfg.post_timeout_ms, &hr, &why);
    if (out == PMC_LANE_PENDING)
        return NULL;
    struct req *r = &x->orders[x->lane_order[i]].r;
    x->lane_order[i] = NONE;
    r->active = 0;
    r->on_lane = 0;
    r->resp_len = hr->body_len;
    r->resp_over = hr->body_over;
    r->rl_remaining = hr->rl_remaining;
    r->rl_reset_s = hr->rl_reset_s;
    r->retry_after_s = hr->retry_after_s;
    r->fail_why = why;
    CURLcode rc = out == PMC_LANE_ANSWERED     ? CURLE_OK
                  : out == PMC_LANE_TIMEOUT    ? CURLE_OPERATION_TIMEDOUT
                  : out == PMC_LANE_BAD_ANSWER ? CURLE_WEIRD_SERVER_REPLY
                                               : CURLE_RECV_ERROR;
    if (rc == CURLE_OK)
        pmc_hist_add(&x->st.post_us, pmc_lane_last_us(l));
    *d = done_of(r, rc, rc == CURLE_OK ? hr->status : 0);
    note_failure(x, r, d);
    return r;
}

struct req *pmc__tx_finished(struct pmc_clob *x, struct pmc__done *d)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(x->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        struct req *r = curl_done(x, m->easy_handle, m->data.result, d);
        if (r)
            return r;
    }
    for (uint32_t i = 0; i < x->cfg.lanes; i++) {
        if (!x->lane[i] || x->lane_order[i] == NONE)
            continue;
        struct req *r = lane_done(x, i, d);
        if (r)
            return r;
    }
    return NULL;
}

void pmc__tx_upkeep(struct pmc_clob *x)
{
    for (uint32_t i = 0; i < x->cfg.lanes; i++)
        if (x->lane[i] && x->lane_order[i] == NONE)
            pmc_lane_tick(x->lane[i], x->now); /* a closed one reconnects */
}

void pmc__tx_wait(struct pmc_clob *x, int timeout_ms)
{
    struct curl_waitfd fds[PMC_CLOB_LANES_MAX];
    unsigned nfd = 0;
    for (uint32_t i = 0; i < x->cfg.lanes; i++) {
        int fd = x->lane[i] ? pmc_lane_socket(x->lane[i]) : -1;
        if (fd >= 0) {
            fds[nfd].fd = fd;
            fds[nfd].events = CURL_WAIT_POLLIN;
            fds[nfd++].revents = 0;
        }
    }
    int n = 0;
    curl_multi_poll(x->multi, nfd ? fds : NULL, nfd, timeout_ms, &n);
}

/* ---- life cycle ---------------------------------------------------------- */

enum pmc_err pmc__tx_open(struct pmc_clob *x, char *why, size_t why_len)
{
    const struct pmc_clob_cfg *cfg = &x->cfg;
    if (!(x->multi = curl_multi_init())) {
        snprintf(why, why_len, "libcurl failed to start");
        return PMC_EIO;
    }
    long conns = cfg->max_host_conns > 0 ? cfg->max_host_conns : 8L;
    curl_multi_setopt(x->multi, CURLMOPT_MAX_HOST_CONNECTIONS, conns);
    curl_multi_setopt(x->multi, CURLMOPT_MAXCONNECTS, conns);
    for (uint32_t i = 0; i < PMC_CLOB_LANES_MAX; i++)
        x->lane_order[i] = NONE;
    for (uint32_t i = 0; i < cfg->lanes; i++) {
        char lwhy[120];
        enum pmc_err e =
            pmc_lane_new(x->base, cfg->ca_file, (long)cfg->connect_timeout_ms,
                         &x->lane[i], lwhy, sizeof lwhy);
        if (e != PMC_OK) {
            snprintf(why, why_len, "lanes: %s", lwhy);
            return e;
        }
        pmc_lane_tick(x->lane[i], x->now); /* start connecting */
    }
    pmc_bucket_init(&x->b_post, cfg->post_burst, x->now);
    pmc_bucket_init(&x->b_post10m, cfg->post_sustained, x->now);
    pmc_bucket_init(&x->b_cancel, cfg->cancel, x->now);
    pmc_bucket_init(&x->b_meta, cfg->meta, x->now);
    pmc_bucket_init(&x->b_ledger, cfg->ledger, x->now);
    pmc_bucket_init(&x->b_batch, cfg->batch_burst, x->now);
    pmc_bucket_init(&x->b_batch10m, cfg->batch_10min, x->now);
    return PMC_OK;
}

void pmc__tx_close(struct pmc_clob *x)
{
    if (x->orders) {
        for (uint32_t i = 0; i < x->cfg.max_orders; i++) {
            pmc__tx_abort(x, &x->orders[i].r);
            if (x->orders[i].r.easy)
                curl_easy_cleanup(x->orders[i].r.easy);
        }
    }
    for (int i = 0; i < META_REQS; i++) {
        pmc__tx_abort(x, &x->meta[i]);
        if (x->meta[i].easy)
            curl_easy_cleanup(x->meta[i].easy);
    }
    for (int i = 0; i < BATCH_REQS; i++) {
        struct batch *b = &x->bat[i];
        pmc__tx_abort(x, &b->r);
        if (b->r.easy)
            curl_easy_cleanup(b->r.easy);
        free(b->body);
        free(b->r.big);
        b->body = b->r.big = NULL;
    }
    pmc__tx_abort(x, &x->trades_r);
    if (x->trades_r.easy)
        curl_easy_cleanup(x->trades_r.easy);
    free(x->trades_r.big);
    x->trades_r.big = NULL;
    x->trades_r.easy = NULL;
    for (uint32_t i = 0; i < PMC_CLOB_LANES_MAX; i++)
        pmc_lane_free(x->lane[i]);
    if (x->multi)
        curl_multi_cleanup(x->multi);
    explicit_bzero(x->post_head, sizeof x->post_head);
}
