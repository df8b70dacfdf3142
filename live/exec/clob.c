/* live/exec/clob.c - the CLOB executor (see clob.h for the contract).
 *
 * One order slot per open order, each with its own request (one transfer
 * at a time per order); a small pool of requests for token metadata. An
 * order moves through phases:
 *   META    waiting for the token's tick size / neg-risk flag
 *   SEND    signed and journaled; POST when the guards allow (next_at)
 *   CONFIRM a POST's fate is unknown: look it up by hash before anything
 *   RESTART an order from an earlier run: look it up, never send
 *   LIVE    known to the venue and not final: poll it by hash
 *   CANCEL  DELETE /order due
 * A slot is freed when the core has been told the order's final state.
 * Why the POST body goes through a read callback with a seek callback that
 * refuses: libcurl re-sends a request on its own when a kept-alive
 * connection dies before any answer byte; for an order that is exactly
 * the "accepted, answer lost" case, so the rewind must fail and the order
 * be reconciled by hash instead. */
#include <curl/curl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/dec.h"
#include "live/exec/clob.h"
#include "live/exec/http1.h"
#include "live/exec/lane.h"
#include "proto/sign/auth.h"
#include "proto/sign/hex.h"
#include "proto/sign/keccak.h"
#include "proto/sign/order.h"
#include "proto/wire/clob_rest.h"

#define NONE UINT32_MAX
#define URL_MAX 512
#define RESP_MAX 4096
#define META_REQS 8
#define HASH_STR 67 /* 0x + 64 hex + NUL */
#define NEVER INT64_MAX
#define DELAYED_POLL_MS 1000

enum rkind { R_NONE = 0, R_POST, R_GET_ORDER, R_DELETE, R_TICK, R_NEGRISK };

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
    int on_lane;        /* carried by lane `lane`, not by easy */
    uint32_t lane;
    const char *fail_why; /* the lane's account of a failure, or NULL */
    size_t resp_len;
    int resp_over;
    int64_t rl_remaining; /* -1 = header absent */
    int64_t rl_reset_s;   /* unix seconds, 0 = absent */
    int64_t retry_after_s;
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
    pmc_ms emitted;
    uint32_t tok;
    struct pmc_tick signed_tick;
    int is_signed;
    char hash[HASH_STR];
    uint32_t attempts; /* POSTs sent for the current body */
    uint32_t n429, recon, del_tries;
    pmc_ms next_at;
    pmc_micros filled;
    int acked, tick_retried, want_cancel, restart, delayed;
    struct req r;
    struct pmc_signed_order so; /* last: its body is large */
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

struct pmc_clob {
    struct pmc_clob_cfg cfg;
    char base[256];
    char *ca_file; /* owned copy of cfg.ca_file */
    struct pmc_clob_hooks h;
    struct pmc_signer *signer;
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
    pmc_ms post_block_until;
    struct pmc_breaker br;
    int stopped;
    char stop_msg[256];
    pmc_ms now;
    struct pmc_clob_stats st;
};

/* ---- small helpers ------------------------------------------------------ */

static void note(struct pmc_clob *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void note(struct pmc_clob *x, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    for (char *p = line; *p; p++)
        if ((unsigned char)*p < 0x20)
            *p = ' ';
    if (x->h.log)
        x->h.log(x->h.ctx, line);
    else
        fprintf(stderr, "pmcopy exec: %s\n", line);
}

uint64_t pmc_clob_salt(const struct pmc_sym *coid, pmc_ms emitted)
{
    static const char TAG[] = "pmcopy-salt";
    struct pmc_keccak k;
    uint8_t be[8], d[32];
    for (int i = 0; i < 8; i++)
        be[i] = (uint8_t)((uint64_t)emitted >> (56 - 8 * i));
    pmc_keccak_init(&k);
    pmc_keccak_update(&k, TAG, sizeof TAG - 1);
    pmc_keccak_update(&k, coid->s, coid->n);
    pmc_keccak_update(&k, be, sizeof be);
    pmc_keccak_final(&k, d);
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | d[i];
    return v & PMC_SALT_MAX;
}

/* Copy venue text into a record reason: printable ASCII, truncated. */
static void set_reason(char *dst, size_t cap, const char *src)
{
    size_t i = 0;
    for (; src && src[i] && i + 1 < cap; i++) {
        unsigned char c = (unsigned char)src[i];
        dst[i] = c < 0x20 || c >= 0x7f ? ' ' : (char)c;
    }
    dst[i] = '\0';
}

static void emit_exec(struct pmc_clob *x, struct order *o,
                      enum pmc_exec_status s, pmc_micros sz, pmc_micros px,
                      const char *reason)
{
    struct pmc_record rec;
    memset(&rec, 0, sizeof rec);
    rec.kind = PMC_K_EXEC;
    rec.t = x->now;
    rec.u.exec.coid = o->coid;
    rec.u.exec.status = s;
    rec.u.exec.sz = sz;
    rec.u.exec.px = px;
    rec.u.exec.fee = 0;
    set_reason(rec.u.exec.reason, sizeof rec.u.exec.reason, reason);
    switch (s) {
    case PMC_EXEC_ACK:
        x->st.acks++;
        break;
    case PMC_EXEC_FILL:
        x->st.fills++;
        break;
    case PMC_EXEC_REJECT:
        x->st.rejects++;
        break;
    case PMC_EXEC_CANCEL:
        x->st.cancels++;
        break;
    }
    x->h.emit(x->h.ctx, &rec);
}

static void wipe_headers(struct req *r)
{
    for (struct curl_slist *l = r->hdrs; l; l = l->next)
        explicit_bzero(l->data, strlen(l->data));
    curl_slist_free_all(r->hdrs);
    r->hdrs = NULL;
}

static void req_abort(struct pmc_clob *x, struct req *r)
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

static void order_free(struct pmc_clob *x, struct order *o)
{
    req_abort(x, &o->r);
    o->used = 0;
    x->nused--;
}

static void reject(struct pmc_clob *x, struct order *o, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void reject(struct pmc_clob *x, struct order *o, const char *fmt, ...)
{
    char why[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    note(x, "order %s rejected: %s", o->coid.s, why);
    emit_exec(x, o, PMC_EXEC_REJECT, 0, 0, why);
    order_free(x, o);
}

/* The order is final: tell the core the unfilled rest is cancelled. */
static void finish(struct pmc_clob *x, struct order *o, const char *why)
{
    if (o->filled < o->sz)
        emit_exec(x, o, PMC_EXEC_CANCEL, o->sz - o->filled, 0, why);
    order_free(x, o);
}

static struct order *find_order(struct pmc_clob *x, const struct pmc_sym *c)
{
    if (x->nused == 0)
        return NULL;
    for (uint32_t i = 0; i < x->cfg.max_orders; i++)
        if (x->orders[i].used && pmc_sym_eq(&x->orders[i].coid, c))
            return &x->orders[i];
    return NULL;
}

static struct order *new_order(struct pmc_clob *x)
{
    for (uint32_t i = 0; i < x->cfg.max_orders; i++) {
        struct order *o = &x->orders[i];
        if (!o->used) {
            /* a slot keeps its handle and the kind its options are set
             * for; buffers are emptied, not cleared */
            CURL *keep = o->r.easy;
            enum rkind setup = o->r.setup;
            memset(o, 0, offsetof(struct order, r));
            memset(&o->r, 0, offsetof(struct req, url));
            o->r.url[0] = o->r.small_body[0] = o->r.resp[0] = '\0';
            memset(&o->so, 0, offsetof(struct pmc_signed_order, body));
            o->so.body[0] = '\0';
            o->so.body_len = 0;
            o->r.easy = keep;
            o->r.setup = keep ? setup : R_NONE;
            o->r.x = x;
            o->r.idx = i;
            o->used = 1;
            o->tok = NONE;
            x->nused++;
            return o;
        }
    }
    return NULL;
}

static uint32_t find_token(struct pmc_clob *x, const struct pmc_sym *t)
{
    for (uint32_t i = 0; i < x->ntoks; i++)
        if (pmc_sym_eq(&x->toks[i].sym, t))
            return i;
    return NONE;
}

static uint32_t get_token(struct pmc_clob *x, const struct pmc_sym *t)
{
    uint32_t i = find_token(x, t);
    if (i != NONE)
        return i;
    if (x->ntoks >= x->cfg.max_tokens)
        return NONE;
    i = x->ntoks++;
    struct token *k = &x->toks[i];
    memset(k, 0, sizeof *k);
    k->sym = *t;
    k->negrisk = -1;
    k->v3 = -1;
    return i;
}

static int token_v3(const struct pmc_clob *x, const struct token *t)
{
    return t->v3 >= 0 ? t->v3 : x->cfg.exchange_v3;
}

static int token_ready(const struct pmc_clob *x, const struct token *t)
{
    return t->has_tick && (t->negrisk >= 0 || token_v3(x, t));
}

/* ---- libcurl plumbing --------------------------------------------------- */

static size_t on_write(char *p, size_t sz, size_t nm, void *ud)
{
    struct req *r = ud;
    size_t n = sz * nm;
    if (r->resp_len + n >= RESP_MAX) {
        r->resp_over = 1;
        size_t room = RESP_MAX - 1 - r->resp_len;
        memcpy(r->resp + r->resp_len, p, room);
        r->resp_len += room;
    } else {
        memcpy(r->resp + r->resp_len, p, n);
        r->resp_len += n;
    }
    r->resp[r->resp_len] = '\0';
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
    if (r->kind == R_POST) {
        struct pmc_clob *x = r->x;
        if (x->h.wire)
            x->h.wire(x->h.ctx, &x->orders[r->idx].coid, r->body_len);
    }
    return CURL_PREREQFUNC_OK;
}

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

/* ---- starting requests ----------------------------------------------------
 */

static int open_for_business(struct pmc_clob *x, struct order *o)
{
    if (x->stopped) {
        reject(x, o, "geoblocked");
        return 0;
    }
    const struct pmc_breaker *b = &x->br;
    if (b->threshold &&
        (b->state == PMC_BREAKER_OPEN
             ? x->now < b->open_until
             : b->state == PMC_BREAKER_HALF_OPEN && b->probing)) {
        reject(x, o, "breaker_open: CLOB failing, cool-down until %" PRId64,
               b->open_until);
        return 0;
    }
    return 1;
}

/* The part of a lane's POST /order head that is the same for every order
 * (request line, Host, the fixed headers, address, API key, passphrase),
 * made once: an order adds its signature, timestamp and length. Holds
 * credentials: wiped with the executor. Empty (len 0) when it does not
 * fit, which sends every POST through libcurl. */
static void make_post_head(struct pmc_clob *x)
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

static void start_post(struct pmc_clob *x, struct order *o)
{
    pmc_ms now = x->now;
    if (!open_for_business(x, o))
        return;
    pmc_ms w = 0;
    if (x->post_block_until > now)
        w = x->post_block_until - now;
    pmc_ms w1 = pmc_bucket_wait(&x->b_post, now);
    pmc_ms w2 = pmc_bucket_wait(&x->b_post10m, now);
    if (w1 > w)
        w = w1;
    if (w2 > w)
        w = w2;
    if (w > 0) {
        if (o->next_at <= now)
            x->st.rate_waits++;
        o->next_at = now + w;
        return;
    }
    if (!pmc_breaker_allow(&x->br, now)) { /* a probe is already out */
        reject(x, o, "breaker_open: CLOB failing, probe in flight");
        return;
    }
    struct req *r = &o->r;
    int on_lane = post_on_lane(x, o);
    enum pmc_err e = PMC_OK;
    if (!on_lane) {
        snprintf(r->url, sizeof r->url, "%s/order", x->base);
        e = req_begin(x, r, R_POST, (uint32_t)(o - x->orders),
                      x->cfg.post_timeout_ms);
        if (e == PMC_OK) {
            r->body = o->so.body;
            r->body_len = o->so.body_len;
            curl_easy_setopt(r->easy, CURLOPT_POSTFIELDSIZE_LARGE,
                             (curl_off_t)r->body_len);
            curl_easy_setopt(r->easy, CURLOPT_POSTFIELDS, r->body);
            curl_easy_setopt(r->easy, CURLOPT_PREREQFUNCTION, on_prereq);
            curl_easy_setopt(r->easy, CURLOPT_PREREQDATA, r);
            e = add_l2(x, r, "POST", "/order", r->body, r->body_len);
        }
        if (e == PMC_OK)
            e = add_hdr(r, "Content-Type: application/json");
        if (e == PMC_OK)
            e = add_hdr(r, "Expect:");
        if (e == PMC_OK)
            e = req_go(x, r);
    }
    if (e != PMC_OK) {
        wipe_headers(r);
        pmc_breaker_result(&x->br, 1, now); /* not the server's fault */
        reject(x, o, "cannot start the request: %s", pmc_strerror(e));
        return;
    }
    pmc_bucket_take(&x->b_post, now);
    pmc_bucket_take(&x->b_post10m, now);
    o->attempts++;
    x->st.posts++;
    if (o->attempts > 1)
        x->st.retries++;
    o->next_at = NEVER;
    if (x->h.stage)
        x->h.stage(x->h.ctx, &o->coid, PMC_STAGE_SUBMITTED, now, o->hash);
    if (!on_lane) {
        /* put the bytes on the wire now rather than on the next loop pass */
        int running;
        curl_multi_perform(x->multi, &running);
    }
}

static void start_get_order(struct pmc_clob *x, struct order *o)
{
    pmc_ms now = x->now;
    pmc_ms w = pmc_bucket_wait(&x->b_ledger, now);
    if (w > 0) {
        o->next_at = now + w;
        return;
    }
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
        o->next_at = now + x->cfg.reconcile_delay_ms;
        note(x, "order %s: cannot start the look-up: %s", o->coid.s,
             pmc_strerror(e));
        return;
    }
    pmc_bucket_take(&x->b_ledger, now);
    o->next_at = NEVER;
}

static void start_delete(struct pmc_clob *x, struct order *o)
{
    pmc_ms now = x->now;
    pmc_ms w = pmc_bucket_wait(&x->b_cancel, now);
    if (x->post_block_until > now && x->post_block_until - now > w)
        w = x->post_block_until - now;
    if (w > 0) {
        o->next_at = now + w;
        return;
    }
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
        o->next_at = now + x->cfg.reconcile_delay_ms;
        return;
    }
    pmc_bucket_take(&x->b_cancel, now);
    o->del_tries++;
    o->next_at = NEVER;
}

static void start_meta(struct pmc_clob *x, uint32_t ti, enum rkind kind)
{
    struct token *t = &x->toks[ti];
    struct req *r = NULL;
    for (int i = 0; i < META_REQS; i++)
        if (x->meta[i].kind == R_NONE) {
            r = &x->meta[i];
            break;
        }
    if (!r)
        return; /* all busy: next tick */
    pmc_ms w = pmc_bucket_wait(&x->b_meta, x->now);
    if (w > 0) {
        t->next_at = x->now + w;
        return;
    }
    snprintf(r->url, sizeof r->url, "%s/%s?token_id=%s", x->base,
             kind == R_TICK ? "tick-size" : "neg-risk", t->sym.s);
    enum pmc_err e = req_begin(x, r, kind, ti, x->cfg.get_timeout_ms);
    if (e == PMC_OK) {
        curl_easy_setopt(r->easy, CURLOPT_HTTPGET, 1L);
        e = req_go(x, r);
    }
    if (e != PMC_OK) {
        r->kind = R_NONE;
        t->next_at = x->now + x->cfg.retry_backoff_ms;
        return;
    }
    pmc_bucket_take(&x->b_meta, x->now);
    if (kind == R_TICK)
        t->fetch_tick = 1;
    else
        t->fetch_neg = 1;
}

/* ---- signing --------------------------------------------------------------
 */

/* Sign the order with its token's current metadata and journal it. On
 * success the order is in phase SEND; on failure it has been rejected. */
static int prepare(struct pmc_clob *x, struct order *o)
{
    struct token *t = &x->toks[o->tok];
    struct pmc_order_req rq;
    char why[200];
    memset(&rq, 0, sizeof rq);
    int v3 = token_v3(x, t);
    rq.exchange = v3                ? PMC_EXCH_V3
                  : t->negrisk == 1 ? PMC_EXCH_V2_NEGRISK
                                    : PMC_EXCH_V2;
    rq.chain_id = x->cfg.chain_id;
    rq.token_id = o->token.s;
    pmc_micros tm = pmc_tick_micros(t->tick);
    /* a tick change may leave the core's limit off the grid: move it the
     * safe way (a buy never pays more, a sell never takes less) */
    pmc_micros px = o->side == PMC_BUY ? pmc_round_down(o->px, tm)
                                       : pmc_round_up(o->px, tm);
    if (px < tm || px > PMC_MICRO - tm) {
        char a[24], b[24];
        pmc_dec_format(o->px, a);
        pmc_dec_format(tm, b);
        reject(x, o, "price %s out of range for tick %s", a, b);
        return 0;
    }
    rq.amt.side = (uint8_t)o->side;
    rq.amt.price = px;
    rq.amt.tick = t->tick;
    rq.amt.min_shares = 0; /* the venue enforces its own minimum */
    switch (o->tif) {
    case PMC_TIF_GTC:
        rq.amt.kind = PMC_ORDER_LIMIT;
        rq.amt.size = o->sz;
        break;
    case PMC_TIF_FAK:
    case PMC_TIF_FOK:
        /* marketable (reference 2.7): a buy spends shares x limit in USD,
         * a sell gives shares; the limit is the worst price */
        rq.amt.kind = PMC_ORDER_MARKET;
        rq.amt.size = o->side == PMC_BUY ? pmc_mul(o->sz, px) : o->sz;
        break;
    default:
        reject(x, o, "time in force %s is not supported", pmc_tif_name(o->tif));
        return 0;
    }
    rq.order_type = o->tif;
    rq.sig_type = x->cfg.sig_type;
    rq.has_maker = x->cfg.has_funder != 0;
    memcpy(rq.maker, x->cfg.funder, PMC_ADDR_LEN);
    rq.salt = pmc_clob_salt(&o->coid, o->emitted);
    rq.timestamp_ms = (uint64_t)o->emitted;
    rq.owner = x->api.key;
    why[0] = '\0';
    enum pmc_err e = pmc_order_sign(x->signer, &rq, &o->so, why, sizeof why);
    if (e != PMC_OK) {
        reject(x, o, "%s", why[0] ? why : pmc_strerror(e));
        return 0;
    }
    x->st.signatures++;
    o->hash[0] = '0';
    o->hash[1] = 'x';
    pmc_hex_encode(o->so.digest, 32, o->hash + 2);
    e = x->h.journal_order(x->h.ctx, &o->coid, o->so.body, o->so.body_len,
                           o->hash);
    if (e != PMC_OK) {
        reject(x, o, "journal_failed: %s", pmc_strerror(e));
        return 0;
    }
    o->signed_tick = t->tick;
    o->is_signed = 1;
    o->attempts = 0;
    o->phase = P_SEND;
    o->next_at = x->now;
    return 1;
}

/* Every order waiting on token ti: sign and send (or fail them all). */
static void wake_token(struct pmc_clob *x, uint32_t ti, const char *fail)
{
    for (uint32_t i = 0; i < x->cfg.max_orders && x->nused; i++) {
        struct order *o = &x->orders[i];
        if (!o->used || o->phase != P_META || o->tok != ti)
            continue;
        if (fail)
            reject(x, o, "%s", fail);
        else if (prepare(x, o))
            start_post(x, o);
    }
}

/* ---- answers --------------------------------------------------------------
 */

/* The venue's message in an answer (a body cut at RESP_MAX is text). */
static void answer_msg(const struct req *r, char *out, size_t cap)
{
    if (r->resp_over)
        pmc_clob_rest_text(r->resp, r->resp_len, out, cap);
    else
        pmc_clob_rest_msg(r->resp, r->resp_len, out, cap);
}

/* A body cut at RESP_MAX is no answer to decode. */
static int cut(const struct req *r, struct pmc_wire_err *err)
{
    if (!r->resp_over)
        return 0;
    memset(err, 0, sizeof *err);
    snprintf(err->msg, sizeof err->msg, "answer longer than %d bytes",
             RESP_MAX - 1);
    return 1;
}

static void note_rate_headers(struct pmc_clob *x, const struct req *r)
{
    if (r->rl_remaining == 0 && r->rl_reset_s > 0) {
        pmc_ms until = r->rl_reset_s * 1000;
        if (until > x->post_block_until)
            x->post_block_until = until;
    }
}

static void retry_or_reject(struct pmc_clob *x, struct order *o,
                            const char *why)
{
    if (o->attempts >= 1 + x->cfg.max_retries) {
        reject(x, o, "%s (after %u attempts)", why, o->attempts);
        return;
    }
    o->phase = P_SEND;
    pmc_ms back = x->cfg.retry_backoff_ms
                  << (o->attempts ? o->attempts - 1 : 0);
    o->next_at = x->now + back;
    note(x, "order %s: %s; resending the same signed order in %" PRId64 " ms",
         o->coid.s, why, back);
}

static void ambiguous(struct pmc_clob *x, struct order *o, const char *why)
{
    x->st.reconciles++;
    o->phase = P_CONFIRM;
    o->recon = 0;
    o->next_at = x->now + x->cfg.reconcile_delay_ms;
    note(x,
         "order %s: %s; the venue may have it: looking it up by hash %s "
         "before any retry",
         o->coid.s, why, o->hash);
}

static void geoblock(struct pmc_clob *x, const char *msg)
{
    if (x->stopped)
        return;
    x->stopped = 1;
    snprintf(x->stop_msg, sizeof x->stop_msg,
             "trading stopped: the CLOB refuses orders from this region "
             "(HTTP 403: %.120s); no further orders will be sent",
             msg);
    note(x, "%s", x->stop_msg);
    struct pmc_record rec;
    memset(&rec, 0, sizeof rec);
    rec.kind = PMC_K_KILL;
    rec.t = x->now;
    set_reason(rec.u.kill.reason, sizeof rec.u.kill.reason, "geoblocked");
    x->h.emit(x->h.ctx, &rec);
    for (uint32_t i = 0; i < x->cfg.max_orders && x->nused; i++) {
        struct order *o = &x->orders[i];
        if (o->used && !o->r.active &&
            (o->phase == P_SEND || o->phase == P_META))
            reject(x, o, "geoblocked");
    }
}

static int contains(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0)
            return 1;
    return 0;
}

/* shares and price filled from making/takingAmount, sanity-checked against
 * what the order allowed; the field's unit is not settled (reference 4.2),
 * so the reading that fits the order wins. 0 if neither fits. */
static int fill_amounts(const struct order *o,
                        const struct pmc_clob_post_ans *a, pmc_micros *shares,
                        pmc_micros *px)
{
    if (!a->making.ok || !a->taking.ok)
        return 0;
    pmc_micros mh = a->making.human, mb = a->making.base;
    pmc_micros th = a->taking.human, tb = a->taking.base;
    const struct pmc_order_v2 *ov = &o->so.order;
    pmc_micros tick = pmc_tick_micros(o->signed_tick);
    pmc_micros max_sh, max_usd;
    if (o->side == PMC_BUY) {
        max_usd = (pmc_micros)ov->maker_amount;
        max_sh = pmc_div(max_usd, tick); /* at the best possible price */
    } else {
        max_sh = (pmc_micros)ov->maker_amount;
        max_usd = max_sh;
    }
    for (int pass = 0; pass < 2; pass++) {
        pmc_micros m = pass ? mb : mh, t = pass ? tb : th;
        if (m < 0 || t < 0)
            continue;
        pmc_micros sh = o->side == PMC_BUY ? t : m;
        pmc_micros usd = o->side == PMC_BUY ? m : t;
        if (sh > max_sh || usd > max_usd + 1)
            continue;
        *shares = sh;
        *px = sh > 0 ? pmc_muldiv_floor(usd, PMC_MICRO, sh) : 0;
        if (sh > 0 && (*px <= 0 || *px >= PMC_MICRO))
            continue;
        return 1;
    }
    return 0;
}

static void on_post_ok(struct pmc_clob *x, struct order *o,
                       const struct pmc_clob_post_ans *a)
{
    int market = o->tif == PMC_TIF_FAK || o->tif == PMC_TIF_FOK;
    if (a->status == PMC_CLOB_ST_MATCHED) {
        pmc_micros sh = 0, px = 0;
        if (!fill_amounts(o, a, &sh, &px)) {
            note(x,
                 "order %s matched but makingAmount/takingAmount do not "
                 "fit the order; reading the fills by hash",
                 o->coid.s);
            emit_exec(x, o, PMC_EXEC_ACK, 0, 0, "");
            o->acked = 1;
            o->phase = P_LIVE;
            o->next_at = x->now;
            return;
        }
        if (sh > 0) {
            emit_exec(x, o, PMC_EXEC_FILL, sh, px, "");
            o->filled += sh;
        }
        if (market || o->filled >= o->sz) {
            finish(x, o, market ? "fak_remainder" : "done");
            return;
        }
        o->phase = P_LIVE;
        o->next_at = x->cfg.poll_open_ms ? x->now + x->cfg.poll_open_ms : NEVER;
        return;
    }
    if (a->status == PMC_CLOB_ST_UNMATCHED && market) {
        finish(x, o, "unmatched");
        return;
    }
    /* live, delayed, unmatched (resting), or an unknown status */
    emit_exec(x, o, PMC_EXEC_ACK, 0, 0, a->status_text);
    o->acked = 1;
    o->phase = P_LIVE;
    o->delayed = a->status == PMC_CLOB_ST_DELAYED;
    int known = a->status == PMC_CLOB_ST_LIVE || o->delayed ||
                a->status == PMC_CLOB_ST_UNMATCHED;
    if (!known || market)
        o->next_at = x->now + (o->delayed ? DELAYED_POLL_MS : 0);
    else
        o->next_at = x->cfg.poll_open_ms ? x->now + x->cfg.poll_open_ms : NEVER;
    if (o->delayed &&
        (x->cfg.poll_open_ms == 0 || x->cfg.poll_open_ms > DELAYED_POLL_MS))
        o->next_at = x->now + DELAYED_POLL_MS;
    if (o->want_cancel) { /* cancel asked while the POST was in flight */
        o->want_cancel = 0;
        o->phase = P_CANCEL;
        o->next_at = x->now;
    }
}

static void refused(struct pmc_clob *x, struct order *o, long status,
                    const char *msg)
{
    if (contains(msg, "tick size") || contains(msg, "MIN_TICK_SIZE")) {
        if (o->tick_retried) {
            reject(x, o, "venue %ld: %s", status, msg);
            return;
        }
        o->tick_retried = 1;
        struct token *t = &x->toks[o->tok];
        note(x, "order %s: venue says %s; refreshing the tick size", o->coid.s,
             msg);
        o->phase = P_META;
        if (t->has_tick && (t->tick.dec != o->signed_tick.dec ||
                            t->tick.step != o->signed_tick.step)) {
            if (prepare(x, o)) /* the market channel told us already */
                o->next_at = x->now;
            return;
        }
        t->has_tick = 0;
        t->want_tick = 1;
        t->fails = 0;
        t->next_at = x->now;
        return;
    }
    if (contains(msg, "fully filled or killed") ||
        contains(msg, "partially filled or killed") ||
        contains(msg, "no orders found to match") ||
        contains(msg, "no matching orders")) {
        finish(x, o, o->tif == PMC_TIF_FOK ? "fok_not_filled" : "fak_no_match");
        return;
    }
    if (contains(msg, "Duplicated")) {
        /* the venue already holds this very order */
        ambiguous(x, o, "venue says duplicated");
        return;
    }
    reject(x, o, "venue %ld: %s", status, msg);
}

static void on_post_done(struct pmc_clob *x, struct order *o, CURLcode rc,
                         long status)
{
    struct req *r = &o->r;
    char msg[200];
    if (rc != CURLE_OK) {
        x->st.req[0]++;
        pmc_breaker_result(&x->br, 0, x->now);
        if ((rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
             rc == CURLE_COULDNT_RESOLVE_PROXY) &&
            !r->sent) {
            retry_or_reject(x, o, curl_easy_strerror(rc)); /* never sent */
            return;
        }
        ambiguous(x, o,
                  r->fail_why         ? r->fail_why
                  : r->rewind_refused ? "connection died before the answer"
                                      : curl_easy_strerror(rc));
        return;
    }
    if (x->h.stage)
        x->h.stage(x->h.ctx, &o->coid, PMC_STAGE_ACKED, x->now, o->hash);
    long cls = status / 100;
    x->st.req[cls >= 1 && cls <= 5 ? cls : 0]++;
    note_rate_headers(x, r);
    struct pmc_clob_post_ans pa;
    struct pmc_wire_err werr;
    enum pmc_err pe = PMC_EPARSE;
    if (status >= 200 && status < 300 && !cut(r, &werr)) {
        pe = pmc_clob_rest_post(r->resp, r->resp_len, &pa, &werr);
        memcpy(msg, pa.msg, sizeof msg);
    } else {
        answer_msg(r, msg, sizeof msg);
    }
    if (status == 429) {
        pmc_breaker_result(&x->br, 0, x->now);
        x->st.rate_429++;
        pmc_ms until = r->rl_reset_s > 0      ? r->rl_reset_s * 1000
                       : r->retry_after_s > 0 ? x->now + r->retry_after_s * 1000
                                              : x->now + 1000;
        if (until > x->post_block_until)
            x->post_block_until = until;
        o->attempts--; /* a 429 is a refusal before any processing */
        if (++o->n429 > x->cfg.max_429) {
            reject(x, o, "rate limited (429) %u times", o->n429);
            return;
        }
        x->st.rate_waits++;
        o->phase = P_SEND;
        o->next_at = until > x->now ? until : x->now;
        note(x, "order %s: 429 from the CLOB; waiting %" PRId64 " ms",
             o->coid.s, o->next_at - x->now);
    } else if (status == 425 || status == 503) {
        pmc_breaker_result(&x->br, 0, x->now);
        char why[240];
        snprintf(why, sizeof why, "venue %ld: %s", status, msg);
        retry_or_reject(x, o, why);
    } else if (status >= 500) {
        pmc_breaker_result(&x->br, 0, x->now);
        char why[240];
        snprintf(why, sizeof why, "venue %ld: %s", status, msg);
        ambiguous(x, o, why);
    } else if (status >= 200 && status < 300) {
        pmc_breaker_result(&x->br, 1, x->now);
        if (pe == PMC_OK && pa.accepted) {
            on_post_ok(x, o, &pa);
        } else if (pe == PMC_OK) {
            refused(x, o, status, msg);
        } else {
            char why[300];
            snprintf(why, sizeof why, "unreadable 2xx answer (%s)", werr.msg);
            ambiguous(x, o, why);
        }
    } else if (status == 403 &&
               (contains(msg, "region") || contains(msg, "geoblock"))) {
        pmc_breaker_result(&x->br, 1, x->now);
        geoblock(x, msg);
        if (o->used)
            reject(x, o, "geoblocked");
    } else {
        pmc_breaker_result(&x->br, 1, x->now);
        refused(x, o, status, msg[0] ? msg : "no message");
    }
}

static void apply_open_order(struct pmc_clob *x, struct order *o,
                             const struct pmc_clob_order_ans *a)
{
    const char *st = a->status_text;
    pmc_micros matched = a->size_matched;
    pmc_micros price = a->price >= 0 ? a->price : o->px;
    if (o->restart) {
        if (a->original_size >= 0)
            o->sz = a->original_size;
        o->px = price;
        if (a->has_tif)
            o->tif = a->tif;
    }
    if (matched > o->filled) {
        emit_exec(x, o, PMC_EXEC_FILL, matched - o->filled, price, "");
        o->filled = matched;
    }
    int open = a->status == PMC_CLOB_ST_LIVE || a->status == PMC_CLOB_ST_DELAYED;
    if (!open || o->filled >= o->sz) {
        char why[32];
        size_t i = 0;
        for (; st[i] && i + 1 < sizeof why; i++)
            why[i] = (char)(st[i] >= 'A' && st[i] <= 'Z' ? st[i] + 32 : st[i]);
        why[i] = '\0';
        finish(x, o, why);
        return;
    }
    if (!o->acked) {
        emit_exec(x, o, PMC_EXEC_ACK, 0, 0, st);
        o->acked = 1;
    }
    o->delayed = a->status == PMC_CLOB_ST_DELAYED;
    if (o->want_cancel) {
        o->want_cancel = 0;
        o->phase = P_CANCEL;
        o->next_at = x->now;
        return;
    }
    o->phase = P_LIVE;
    o->next_at = o->delayed            ? x->now + DELAYED_POLL_MS
                 : x->cfg.poll_open_ms ? x->now + x->cfg.poll_open_ms
                                       : NEVER;
}

static void on_get_order_done(struct pmc_clob *x, struct order *o, CURLcode rc,
                              long status)
{
    struct req *r = &o->r;
    if (rc != CURLE_OK || status >= 500 || status == 429) {
        long cls = rc != CURLE_OK ? 0 : status / 100;
        x->st.req[cls >= 1 && cls <= 5 ? cls : 0]++;
        pmc_breaker_result(&x->br, 0, x->now);
        if (status == 429)
            note_rate_headers(x, r);
        o->next_at = x->now + x->cfg.reconcile_delay_ms;
        return;
    }
    x->st.req[status / 100 >= 1 && status / 100 <= 5 ? status / 100 : 0]++;
    pmc_breaker_result(&x->br, 1, x->now);
    int notfound = status == 404;
    if (status >= 200 && status < 300) {
        struct pmc_clob_order_ans oa;
        struct pmc_wire_err werr;
        if (cut(r, &werr) ||
            pmc_clob_rest_order(r->resp, r->resp_len, &oa, &werr) != PMC_OK) {
            /* never read as "not found": that could send the order again */
            note(x, "order %s: unreadable look-up answer (%s); retrying",
                 o->coid.s, werr.msg);
            o->next_at = x->now + x->cfg.reconcile_delay_ms;
            return;
        }
        if (oa.found) {
            apply_open_order(x, o, &oa);
            return;
        }
        notfound = 1;
    }
    if (!notfound) {
        char msg[200];
        answer_msg(r, msg, sizeof msg);
        note(x, "order %s: look-up by hash refused (%ld: %s); retrying",
             o->coid.s, status, msg);
        o->next_at = x->now + (x->cfg.reconcile_delay_ms > 1000
                                   ? x->cfg.reconcile_delay_ms
                                   : 1000);
        return;
    }
    switch (o->phase) {
    case P_RESTART:
        reject(x, o, "not_at_venue");
        return;
    case P_CONFIRM:
        if (++o->recon < x->cfg.reconcile_tries) {
            o->next_at = x->now + x->cfg.reconcile_delay_ms;
            return;
        }
        retry_or_reject(x, o, "not found by hash: never accepted");
        return;
    default:
        finish(x, o, "gone");
        return;
    }
}

static void on_delete_done(struct pmc_clob *x, struct order *o, CURLcode rc,
                           long status)
{
    long cls = rc != CURLE_OK ? 0 : status / 100;
    x->st.req[cls >= 1 && cls <= 5 ? cls : 0]++;
    int fail = rc != CURLE_OK || status >= 500 || status == 429;
    pmc_breaker_result(&x->br, !fail, x->now);
    if (fail && o->del_tries <= x->cfg.max_retries) {
        o->phase = P_CANCEL;
        o->next_at = x->now + x->cfg.retry_backoff_ms;
        return;
    }
    if (fail || status >= 300) {
        char msg[200];
        answer_msg(&o->r, msg, sizeof msg);
        note(x, "order %s: cancel refused (%ld: %s)", o->coid.s, status, msg);
    } else {
        struct pmc_clob_cancel_ans ca;
        struct pmc_wire_err werr;
        if (cut(&o->r, &werr) ||
            pmc_clob_rest_cancel(o->r.resp, o->r.resp_len, o->hash, &ca,
                                 &werr) != PMC_OK)
            note(x, "order %s: unreadable cancel answer (%s)", o->coid.s,
                 werr.msg);
        else if (ca.refused)
            note(x, "order %s: cancel refused (%s)", o->coid.s, ca.why);
    }
    /* read the final state (fills that raced the cancel) by hash */
    o->phase = P_LIVE;
    o->next_at = x->now;
}

static void on_meta_done(struct pmc_clob *x, struct req *r, CURLcode rc,
                         long status)
{
    struct token *t = &x->toks[r->idx];
    uint32_t ti = r->idx;
    int is_tick = r->kind == R_TICK;
    if (is_tick)
        t->fetch_tick = 0;
    else
        t->fetch_neg = 0;
    long cls = rc != CURLE_OK ? 0 : status / 100;
    x->st.req[cls >= 1 && cls <= 5 ? cls : 0]++;
    int transient = rc != CURLE_OK || status >= 500 || status == 429;
    pmc_breaker_result(&x->br, !transient, x->now);
    char fail[300] = "";
    struct pmc_wire_err werr;
    if (transient) {
        if (++t->fails > x->cfg.max_retries)
            snprintf(fail, sizeof fail, "%s unavailable: %s",
                     is_tick ? "tick-size" : "neg-risk",
                     rc != CURLE_OK ? curl_easy_strerror(rc) : "5xx/429");
        else
            t->next_at = x->now + (x->cfg.retry_backoff_ms << (t->fails - 1));
    } else if (status != 200) {
        char msg[120];
        answer_msg(r, msg, sizeof msg);
        snprintf(fail, sizeof fail, "%s %ld: %s",
                 is_tick ? "tick-size" : "neg-risk", status, msg);
    } else if (is_tick) {
        struct pmc_tick tk;
        if (!cut(r, &werr) &&
            pmc_clob_rest_tick(r->resp, r->resp_len, &tk, &werr) == PMC_OK) {
            t->tick = tk;
            t->has_tick = 1;
            t->want_tick = 0;
            t->fails = 0;
        } else {
            snprintf(fail, sizeof fail, "tick-size: unreadable answer: %s",
                     werr.msg);
        }
    } else {
        int nr = 0;
        if (!cut(r, &werr) &&
            pmc_clob_rest_negrisk(r->resp, r->resp_len, &nr, &werr) ==
                PMC_OK) {
            t->negrisk = nr;
            t->want_neg = 0;
            t->fails = 0;
        } else {
            snprintf(fail, sizeof fail, "neg-risk: unreadable answer: %s",
                     werr.msg);
        }
    }
    r->kind = R_NONE;
    if (fail[0]) {
        t->want_tick = t->want_neg = 0;
        t->fails = 0;
        note(x, "token %.24s...: %s", t->sym.s, fail);
        wake_token(x, ti, fail);
        if (!t->has_tick)
            t->want_tick = 0;
        return;
    }
    if (token_ready(x, t))
        wake_token(x, ti, NULL);
}

static void on_done(struct pmc_clob *x, CURL *e, CURLcode rc)
{
    struct req *r = NULL;
    curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&r);
    if (!r)
        return;
    long status = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    curl_multi_remove_handle(x->multi, e);
    r->active = 0;
    wipe_headers(r);
    enum rkind kind = r->kind;
    if (kind == R_POST) {
        curl_off_t us = 0;
        if (curl_easy_getinfo(e, CURLINFO_TOTAL_TIME_T, &us) == CURLE_OK &&
            rc == CURLE_OK)
            pmc_hist_add(&x->st.post_us, (int64_t)us);
    }
    if (rc == CURLE_OK && status == 0)
        rc = CURLE_GOT_NOTHING;
    if (kind == R_TICK || kind == R_NEGRISK) {
        on_meta_done(x, r, rc, status);
        return;
    }
    struct order *o = &x->orders[r->idx];
    r->kind = R_NONE;
    if (!o->used)
        return;
    switch (kind) {
    case R_POST:
        on_post_done(x, o, rc, status);
        break;
    case R_GET_ORDER:
        on_get_order_done(x, o, rc, status);
        break;
    case R_DELETE:
        on_delete_done(x, o, rc, status);
        break;
    default:
        break;
    }
}

/* Answers on the lanes, and their connections' upkeep. */
static void poll_lanes(struct pmc_clob *x)
{
    for (uint32_t i = 0; i < x->cfg.lanes; i++) {
        struct pmc_lane *l = x->lane[i];
        if (!l)
            continue;
        if (x->lane_order[i] == NONE) {
            pmc_lane_tick(l, x->now);
            continue;
        }
        const struct pmc_http1_resp *hr;
        const char *why;
        enum pmc_lane_outcome out =
            pmc_lane_poll(l, x->now, x->cfg.post_timeout_ms, &hr, &why);
        if (out == PMC_LANE_PENDING)
            continue;
        struct order *o = &x->orders[x->lane_order[i]];
        struct req *r = &o->r;
        x->lane_order[i] = NONE;
        r->active = 0;
        r->on_lane = 0;
        r->kind = R_NONE;
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
        if (o->used)
            on_post_done(x, o, rc, rc == CURLE_OK ? hr->status : 0);
        r->fail_why = NULL;
        pmc_lane_tick(l, x->now); /* a closed one reconnects */
    }
}

/* Start whatever is due. */
static void service(struct pmc_clob *x)
{
    pmc_ms now = x->now;
    for (uint32_t i = 0; i < x->ntoks; i++) {
        struct token *t = &x->toks[i];
        if (t->next_at > now)
            continue;
        if (t->want_tick && !t->fetch_tick)
            start_meta(x, i, R_TICK);
        if (t->want_neg && !t->fetch_neg && t->next_at <= now)
            start_meta(x, i, R_NEGRISK);
    }
    for (uint32_t i = 0; i < x->cfg.max_orders && x->nused; i++) {
        struct order *o = &x->orders[i];
        if (!o->used || o->r.active || o->next_at > now)
            continue;
        switch (o->phase) {
        case P_META:
            break;
        case P_SEND:
            start_post(x, o);
            break;
        case P_CONFIRM:
        case P_RESTART:
        case P_LIVE:
            start_get_order(x, o);
            break;
        case P_CANCEL:
            start_delete(x, o);
            break;
        }
    }
}

/* ---- public API ------------------------------------------------------------
 */

static enum pmc_err venue_submit(void *self, const struct pmc_record *order,
                                 pmc_ms now)
{
    return pmc_clob_submit(self, order, now);
}

static enum pmc_err venue_cancel(void *self, const struct pmc_sym *coid,
                                 pmc_ms now)
{
    return pmc_clob_cancel(self, coid, now);
}

struct pmc_venue pmc_clob_venue(struct pmc_clob *x)
{
    struct pmc_venue v = {x, venue_submit, venue_cancel};
    return v;
}

enum pmc_err pmc_clob_new(const struct pmc_clob_cfg *cfg,
                          struct pmc_exec_creds *c,
                          const struct pmc_clob_hooks *hooks, pmc_ms now,
                          struct pmc_clob **out, char *why, size_t why_len)
{
    enum pmc_err e = PMC_OK;
    struct pmc_clob *x = NULL;
    const char *bad = NULL;
    if (why && why_len)
        why[0] = '\0';
    if (!hooks || !hooks->emit || !hooks->journal_order || !c || !c->signer) {
        bad = "emit and journal_order hooks and a signer are required";
        e = PMC_EUSAGE;
    } else if ((e = pmc_clob_cfg_check(cfg, why, why_len)) != PMC_OK) {
        goto fail;
    }
    if (e != PMC_OK)
        goto fail;
    x = calloc(1, sizeof *x);
    if (!x) {
        e = PMC_ENOMEM;
        goto fail;
    }
    x->cfg = *cfg;
    if (cfg->ca_file && !(x->cfg.ca_file = x->ca_file = strdup(cfg->ca_file))) {
        e = PMC_ENOMEM;
        goto fail;
    }
    snprintf(x->base, sizeof x->base, "%s", cfg->base_url);
    size_t bl = strlen(x->base);
    while (bl > 0 && x->base[bl - 1] == '/')
        x->base[--bl] = '\0';
    x->cfg.base_url = x->base;
    x->h = *hooks;
    x->now = now;
    x->orders = calloc(cfg->max_orders, sizeof *x->orders);
    x->toks = calloc(cfg->max_tokens, sizeof *x->toks);
    if (!x->orders || !x->toks) {
        e = PMC_ENOMEM;
        goto fail;
    }
    if (!(x->multi = curl_multi_init())) {
        bad = "libcurl failed to start";
        e = PMC_EIO;
        goto fail;
    }
    curl_multi_setopt(x->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
                      cfg->max_host_conns > 0 ? cfg->max_host_conns : 8L);
    curl_multi_setopt(x->multi, CURLMOPT_MAXCONNECTS,
                      cfg->max_host_conns > 0 ? cfg->max_host_conns : 8L);
    for (uint32_t i = 0; i < PMC_CLOB_LANES_MAX; i++)
        x->lane_order[i] = NONE;
    for (uint32_t i = 0; i < cfg->lanes; i++) {
        char lwhy[120];
        e = pmc_lane_new(x->base, cfg->ca_file, (long)cfg->connect_timeout_ms,
                         &x->lane[i], lwhy, sizeof lwhy);
        if (e != PMC_OK) {
            if (why && why_len)
                snprintf(why, why_len, "lanes: %s", lwhy);
            goto fail;
        }
        pmc_lane_tick(x->lane[i], now); /* start connecting */
    }
    pmc_bucket_init(&x->b_post, cfg->post_burst, now);
    pmc_bucket_init(&x->b_post10m, cfg->post_sustained, now);
    pmc_bucket_init(&x->b_cancel, cfg->cancel, now);
    pmc_bucket_init(&x->b_meta, cfg->meta, now);
    pmc_bucket_init(&x->b_ledger, cfg->ledger, now);
    pmc_breaker_init(&x->br, cfg->breaker_threshold, cfg->breaker_cooldown_ms);
    x->signer = c->signer;
    c->signer = NULL;
    x->api = c->api;
    pmc_api_creds_wipe(&c->api);
    pmc_addr_checksum(pmc_signer_address(x->signer), x->addr_str);
    e = pmc_l2_auth_new(pmc_signer_address(x->signer), &x->api, &x->l2);
    if (e != PMC_OK) {
        bad = e == PMC_EPARSE ? "the API secret is not valid base64"
                              : "cannot set up the HMAC of the API secret";
        goto fail;
    }
    make_post_head(x);
    /* signing without the point multiplication; without the pool (it
     * cannot start) every signature is RFC 6979, slower but the same to
     * the venue */
    if (cfg->presign && pmc_signer_presign(x->signer, cfg->presign) != PMC_OK)
        note(x, "presignature pool not started: orders are signed the RFC "
                "6979 way");
    *out = x;
    return PMC_OK;
fail:
    if (bad && why && why_len)
        snprintf(why, why_len, "%s", bad);
    pmc_exec_creds_wipe(c);
    pmc_clob_free(x);
    return e;
}

void pmc_clob_free(struct pmc_clob *x)
{
    if (!x)
        return;
    if (x->orders) {
        for (uint32_t i = 0; i < x->cfg.max_orders; i++) {
            req_abort(x, &x->orders[i].r);
            if (x->orders[i].r.easy)
                curl_easy_cleanup(x->orders[i].r.easy);
        }
    }
    for (int i = 0; i < META_REQS; i++) {
        req_abort(x, &x->meta[i]);
        if (x->meta[i].easy)
            curl_easy_cleanup(x->meta[i].easy);
    }
    for (uint32_t i = 0; i < PMC_CLOB_LANES_MAX; i++)
        pmc_lane_free(x->lane[i]);
    if (x->multi)
        curl_multi_cleanup(x->multi);
    pmc_signer_free(x->signer);
    pmc_l2_auth_free(x->l2);
    pmc_api_creds_wipe(&x->api);
    free(x->orders);
    free(x->toks);
    free(x->ca_file);
    explicit_bzero(x, sizeof *x);
    free(x);
}

enum pmc_err pmc_clob_submit(struct pmc_clob *x, const struct pmc_record *rec,
                             pmc_ms now)
{
    if (!rec || rec->kind != PMC_K_ORDER)
        return PMC_EUSAGE;
    if (now > x->now)
        x->now = now;
    const struct pmc_order_act *a = &rec->u.order;
    if (find_order(x, &a->coid)) {
        note(x, "order %s submitted twice; the second is ignored", a->coid.s);
        return PMC_OK;
    }
    struct order *o = new_order(x);
    if (!o)
        return PMC_EFULL;
    o->coid = a->coid;
    o->token = a->token;
    o->side = a->side;
    o->tif = a->tif;
    o->px = a->px;
    o->sz = a->sz;
    o->emitted = now;
    o->phase = P_META;
    o->next_at = now;
    if (x->stopped) {
        reject(x, o, "geoblocked");
        return PMC_OK;
    }
    if (!open_for_business(x, o))
        return PMC_OK;
    o->tok = get_token(x, &a->token);
    if (o->tok == NONE) {
        reject(x, o, "token cache full (max_tokens %u)", x->cfg.max_tokens);
        return PMC_OK;
    }
    struct token *t = &x->toks[o->tok];
    if (token_ready(x, t)) {
        if (prepare(x, o))
            start_post(x, o);
        return PMC_OK;
    }
    if (!t->has_tick)
        t->want_tick = 1;
    if (t->negrisk < 0 && !token_v3(x, t))
        t->want_neg = 1;
    service(x);
    int running;
    curl_multi_perform(x->multi, &running);
    return PMC_OK;
}

enum pmc_err pmc_clob_cancel(struct pmc_clob *x, const struct pmc_sym *coid,
                             pmc_ms now)
{
    if (now > x->now)
        x->now = now;
    struct order *o = find_order(x, coid);
    if (!o)
        return PMC_ENOTFOUND;
    if ((o->phase == P_META || o->phase == P_SEND) && !o->r.active &&
        o->attempts == 0) {
        finish(x, o, "cancelled_before_send");
        return PMC_OK;
    }
    if (o->phase == P_LIVE && !o->r.active) {
        o->phase = P_CANCEL;
        o->next_at = now;
        service(x);
        return PMC_OK;
    }
    o->want_cancel = 1; /* after the answer in flight */
    return PMC_OK;
}

enum pmc_err pmc_clob_tick(struct pmc_clob *x, pmc_ms now)
{
    if (now > x->now)
        x->now = now;
    int running = 0;
    curl_multi_perform(x->multi, &running);
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(x->multi, &left)))
        if (m->msg == CURLMSG_DONE)
            on_done(x, m->easy_handle, m->data.result);
    poll_lanes(x);
    service(x);
    curl_multi_perform(x->multi, &running);
    return PMC_OK;
}

void pmc_clob_wait(struct pmc_clob *x, int timeout_ms)
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

void *pmc_clob_multi(struct pmc_clob *x)
{
    return x->multi;
}

pmc_ms pmc_clob_next_due(const struct pmc_clob *x, pmc_ms now)
{
    pmc_ms best = NEVER;
    for (uint32_t i = 0; i < x->ntoks; i++) {
        const struct token *t = &x->toks[i];
        if (((t->want_tick && !t->fetch_tick) ||
             (t->want_neg && !t->fetch_neg)) &&
            t->next_at < best)
            best = t->next_at;
    }
    for (uint32_t i = 0; i < x->cfg.max_orders && x->nused; i++) {
        const struct order *o = &x->orders[i];
        if (o->used && !o->r.active && o->phase != P_META && o->next_at < best)
            best = o->next_at;
    }
    if (best == NEVER)
        return -1;
    return best > now ? best - now : 0;
}

enum pmc_err pmc_clob_tick_changed(struct pmc_clob *x,
                                   const struct pmc_sym *token,
                                   const char *tick, size_t n)
{
    struct pmc_tick tk;
    PMC_TRY(pmc_tick_parse(tick, n, &tk));
    uint32_t i = get_token(x, token);
    if (i == NONE)
        return PMC_EFULL;
    struct token *t = &x->toks[i];
    t->tick = tk;
    t->has_tick = 1;
    t->want_tick = 0;
    if (token_ready(x, t))
        wake_token(x, i, NULL);
    return PMC_OK;
}

enum pmc_err pmc_clob_token_info(struct pmc_clob *x,
                                 const struct pmc_sym *token,
                                 struct pmc_tick tick, int negrisk,
                                 int exchange_v3)
{
    if (pmc_tick_micros(tick) <= 0 || negrisk < -1 || negrisk > 1 ||
        exchange_v3 < -1 || exchange_v3 > 1)
        return PMC_ERANGE;
    uint32_t i = get_token(x, token);
    if (i == NONE)
        return PMC_EFULL;
    struct token *t = &x->toks[i];
    t->tick = tick;
    t->has_tick = 1;
    t->want_tick = 0;
    if (negrisk >= 0) {
        t->negrisk = negrisk;
        t->want_neg = 0;
    }
    t->v3 = exchange_v3;
    if (token_ready(x, t))
        wake_token(x, i, NULL);
    return PMC_OK;
}

enum pmc_err pmc_clob_reconcile(struct pmc_clob *x, const struct pmc_sym *coid,
                                const char *order_hash,
                                pmc_micros filled_already, pmc_ms now)
{
    uint8_t h[32];
    if (!order_hash ||
        pmc_hex_decode(order_hash, strlen(order_hash), h, 32) != PMC_OK)
        return PMC_EPARSE;
    if (now > x->now)
        x->now = now;
    if (find_order(x, coid))
        return PMC_OK;
    struct order *o = new_order(x);
    if (!o)
        return PMC_EFULL;
    o->coid = *coid;
    o->restart = 1;
    o->phase = P_RESTART;
    o->filled = filled_already > 0 ? filled_already : 0;
    o->sz = INT64_MAX; /* until the venue tells */
    o->tif = PMC_TIF_GTC;
    o->hash[0] = '0';
    o->hash[1] = 'x';
    pmc_hex_encode(h, 32, o->hash + 2);
    o->next_at = now;
    service(x);
    return PMC_OK;
}

const char *pmc_clob_stopped(const struct pmc_clob *x)
{
    return x->stopped ? x->stop_msg : NULL;
}

size_t pmc_clob_open_orders(const struct pmc_clob *x)
{
    return x->nused;
}

void pmc_clob_stats(const struct pmc_clob *x, struct pmc_clob_stats *out)
{
    *out = x->st;
    pmc_signer_presign_stats(x->signer, &out->presign);
    out->breaker = x->br.state;
    out->breaker_opens = x->br.opens;
    out->lane_connects = 0;
    out->lanes_idle = 0;
    for (uint32_t i = 0; i < x->cfg.lanes; i++) {
        if (!x->lane[i])
            continue;
        out->lane_connects += pmc_lane_connects(x->lane[i]);
        out->lanes_idle += pmc_lane_state(x->lane[i]) == PMC_LANE_IDLE;
    }
}

void pmc_clob_metrics_prom(const struct pmc_clob *x, FILE *f)
{
    static const char *const CLS[6] = {"transport", "1xx", "2xx",
                                       "3xx",       "4xx", "5xx"};
    fprintf(f, "# TYPE pmcopy_exec_requests_total counter\n");
    for (int i = 0; i < 6; i++)
        fprintf(f, "pmcopy_exec_requests_total{class=\"%s\"} %" PRIu64 "\n",
                CLS[i], x->st.req[i]);
    fprintf(f,
            "# TYPE pmcopy_exec_posts_total counter\n"
            "pmcopy_exec_posts_total %" PRIu64 "\n"
            "# TYPE pmcopy_exec_retries_total counter\n"
            "pmcopy_exec_retries_total %" PRIu64 "\n"
            "# TYPE pmcopy_exec_reconciles_total counter\n"
            "pmcopy_exec_reconciles_total %" PRIu64 "\n"
            "# TYPE pmcopy_exec_rate_limit_waits_total counter\n"
            "pmcopy_exec_rate_limit_waits_total %" PRIu64 "\n"
            "# TYPE pmcopy_exec_http_429_total counter\n"
            "pmcopy_exec_http_429_total %" PRIu64 "\n"
            "# TYPE pmcopy_exec_breaker_opens_total counter\n"
            "pmcopy_exec_breaker_opens_total %" PRIu64 "\n"
            "# TYPE pmcopy_exec_breaker_state gauge\n"
            "pmcopy_exec_breaker_state{state=\"%s\"} %d\n"
            "# TYPE pmcopy_exec_reports_total counter\n"
            "pmcopy_exec_reports_total{status=\"ack\"} %" PRIu64 "\n"
            "pmcopy_exec_reports_total{status=\"fill\"} %" PRIu64 "\n"
            "pmcopy_exec_reports_total{status=\"cancel\"} %" PRIu64 "\n"
            "pmcopy_exec_reports_total{status=\"reject\"} %" PRIu64 "\n"
            "# TYPE pmcopy_exec_open_orders gauge\n"
            "pmcopy_exec_open_orders %u\n"
            "# TYPE pmcopy_exec_stopped gauge\n"
            "pmcopy_exec_stopped %d\n",
            x->st.posts, x->st.retries, x->st.reconciles, x->st.rate_waits,
            x->st.rate_429, x->br.opens, pmc_breaker_name(x->br.state),
            (int)x->br.state, x->st.acks, x->st.fills, x->st.cancels,
            x->st.rejects, x->nused, x->stopped);
    struct pmc_presign_stats ps;
    pmc_signer_presign_stats(x->signer, &ps);
    fprintf(f,
            "# TYPE pmcopy_exec_presign_ready gauge\n"
            "pmcopy_exec_presign_ready %u\n"
            "# TYPE pmcopy_exec_signatures_total counter\n"
            "pmcopy_exec_signatures_total{nonce=\"presigned\"} %" PRIu64 "\n"
            "pmcopy_exec_signatures_total{nonce=\"rfc6979\"} %" PRIu64 "\n",
            ps.ready, ps.used,
            /* every signature not taken from the pool: the fallbacks and,
             * with the pool off, all of them */
            x->st.signatures > ps.used ? x->st.signatures - ps.used : 0);
    struct pmc_clob_stats st;
    pmc_clob_stats(x, &st);
    fprintf(f,
            "# TYPE pmcopy_exec_lane_posts_total counter\n"
            "pmcopy_exec_lane_posts_total %" PRIu64 "\n"
            "# TYPE pmcopy_exec_lane_connects_total counter\n"
            "pmcopy_exec_lane_connects_total %" PRIu64 "\n"
            "# TYPE pmcopy_exec_lanes_idle gauge\n"
            "pmcopy_exec_lanes_idle %u\n",
            st.lane_posts, st.lane_connects, st.lanes_idle);
    fprintf(f, "# TYPE pmcopy_exec_post_latency_us histogram\n");
    pmc_hist_prom(f, "pmcopy_exec_post_latency_us", "", &x->st.post_us);
}
