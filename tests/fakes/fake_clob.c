/* tests/fakes/fake_clob.c - a loopback stand-in for the Polymarket CLOB REST
 * API, for the executor's tests and benchmark.
 *
 * One process, one thread, a poll() loop: HTTP/1.1 with keep-alive on
 * 127.0.0.1 only. It checks what the real server checks that a client can
 * get wrong: the L2 HMAC headers (given the API secret), the EIP-712
 * signature (recovered with libsecp256k1 and compared with the order's
 * signer and POLY_ADDRESS), the tick grid and the amount precision rules,
 * the owner. It matches FAK / FOK / GTC orders against a book set through
 * the control endpoint and answers in the shape of the real POST /order.
 * Faults are injected through POST /_control/fault. Every POST /order is
 * counted per order hash so a test can prove an order was sent once.
 *
 * Usage: fake_clob [--port N|0] [--max-seconds S] [--secret B64]
 *                  [--api-key K] [--passphrase P] [--address 0x..]
 * Prints "listening port=N" (line-buffered) once ready; exits after
 * --max-seconds (default 60). See docs/fakes.md for the control API. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <libwebsockets.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/dec.h"
#include "proto/sign/amounts.h"
#include "proto/sign/auth.h"
#include "proto/sign/eip712.h"
#include "proto/sign/hex.h"
#include "proto/sign/keccak.h"
#include "proto/sign/order.h"
#include "proto/wire/json_exact.h"

#define MAX_CONNS 64
#define IN_MAX 65536
#define MAX_TOKENS 16
#define MAX_LEVELS 16
#define MAX_ORDERS 4096
#define MAX_TRADES 8192
#define MAX_FAULTS 32
#define LOG_MAX 4096

#define GEO_MSG                                                                \
    "Trading restricted in your region, please refer to available regions "    \
    "- https://docs.polymarket.com/developers/CLOB/geoblock"

/* ---- state ----------------------------------------------------------------
 */

struct level {
    pmc_micros px, sz;
};

struct book {
    char token[96];
    char tick_text[16];
    struct pmc_tick tick;
    int neg_risk, v3;
    pmc_micros min_size;
    int nbid, nask;
    struct level bids[MAX_LEVELS], asks[MAX_LEVELS]; /* best first */
};

struct order {
    char hash[67];
    char token[96];
    int side; /* 0 BUY 1 SELL */
    enum pmc_tif tif;
    char status[16]; /* LIVE MATCHED CANCELED */
    pmc_micros orig, matched, price;
    char maker[43];
    int64_t created;
    int64_t expiration; /* GTD: unix seconds as sent; else 0 */
    int posts;
    int ntrades;
};

struct trade {
    char id[24];
    char order[67];
    char token[96];
    int side;
    pmc_micros px, sz;
    int64_t t;    /* wall ms */
    int64_t mono; /* mono ms: its status as of now (GET /data/trades) */
    int taker;    /* our order the taker (it crossed), else a maker */
    int fail;     /* it goes FAILED (fail_next), else MINED, CONFIRMED */
};

enum fkind {
    F_STATUS,
    F_429,
    F_SLOW,
    F_DROP,
    F_DROP_BEFORE,
    F_GEO,
    F_CHUNKED,   /* process; answer chunked (small chunks, a trailer) */
    F_CLOSE_END, /* process; no length: the body ends with the close */
    F_TRUNCATED, /* process; close after half the promised body */
    F_GARBAGE,   /* process; answer with a malformed status line */
};

/* how an answer is framed on the wire (the F_ kinds above) */
enum framing {
    FR_LENGTH = 0,
    FR_CHUNKED,
    FR_CLOSE_END,
    FR_TRUNCATED,
    FR_GARBAGE
};

struct fault {
    int used;
    enum fkind kind;
    char method[8];
    char path[64]; /* prefix */
    int count;
    int status;
    int64_t ms;
    int reset_in_s, retry_after_s;
    char body[256];
};

struct logent {
    int64_t t_ms;
    char method[8];
    char path[64];
    int status;
};

struct conn {
    int fd;
    char in[IN_MAX];
    size_t in_len;
    char *out;
    size_t out_len, out_off;
    int64_t send_at; /* ms, monotonic; 0 = now */
    int drop;        /* close instead of sending */
    int close_after;
};

static struct {
    char secret[256];
    char api_key[128];
    char passphrase[128];
    int has_addr;
    uint8_t addr[PMC_ADDR_LEN];
    struct book books[MAX_TOKENS];
    int nbooks;
    struct order orders[MAX_ORDERS];
    int norders;
    struct trade trades[MAX_TRADES];
    int ntrades;
    struct fault faults[MAX_FAULTS];
    struct logent log[LOG_MAX];
    int nlog;
    int64_t posts_total;
    int64_t batches_total; /* POST /orders requests taken */
    int amounts_base;
    int close_idle;            /* close every idle kept-alive connection */
    int trades_page;           /* GET /data/trades rows a page (page_size) */
    int64_t trades_gets;       /* GET /data/trades pages answered */
    int64_t trades_bad_cursor; /* refused: next_cursor not base64 sent
                                  percent-encoded ('=' as %3D) */
    int trades_pad;            /* bytes of padding in its answers (pad_bytes) */
    secp256k1_context *secp;
    struct conn conns[MAX_CONNS];
} S;

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the HTTP answer --------------------------------------------------------
 */

struct resp {
    int status;
    char extra[256]; /* extra header lines, each ending \r\n */
    char *body;      /* malloc'd */
    int64_t delay_ms;
    int drop;
    enum framing framing;
};

static void set_body(struct resp *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void set_body(struct resp *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    free(r->body);
    if (vasprintf(&r->body, fmt, ap) < 0)
        r->body = NULL;
    va_end(ap);
}

static void err(struct resp *r, int status, const char *msg)
{
    json_t *j = json_pack("{s:s}", "error", msg);
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    r->status = status;
    free(r->body);
    r->body = s;
}

static void set_json(struct resp *r, int status, json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    r->status = status;
    free(r->body);
    r->body = s;
}

static const char *reason_phrase(int s)
{
    switch (s) {
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 425:
        return "Too Early";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    default:
        return "Status";
    }
}

/* ---- helpers
 * ------------------------------------------------------------------ */

static struct book *find_book(const char *token)
{
    for (int i = 0; i < S.nbooks; i++)
        if (strcmp(S.books[i].token, token) == 0)
            return &S.books[i];
    return NULL;
}

static struct order *find_order(const char *hash)
{
    for (int i = 0; i < S.norders; i++)
        if (strcasecmp(S.orders[i].hash, hash) == 0)
            return &S.orders[i];
    return NULL;
}

static const char *dec(pmc_micros v, char *buf)
{
    pmc_dec_format(v, buf);
    return buf;
}

static const char *amount_text(pmc_micros v, char *buf)
{
    if (S.amounts_base) {
        snprintf(buf, 24, "%" PRId64, v);
        return buf;
    }
    return dec(v, buf);
}

/* query parameter k of target (after '?'), copied into out */
static int query(const char *target, const char *k, char *out, size_t cap)
{
    const char *q = strchr(target, '?');
    size_t kl = strlen(k);
    while (q) {
        q++;
        if (strncmp(q, k, kl) == 0 && q[kl] == '=') {
            const char *v = q + kl + 1;
            size_t n = strcspn(v, "&");
            if (n >= cap)
                return 0;
            memcpy(out, v, n);
            out[n] = '\0';
            return 1;
        }
        q = strchr(q, '&');
    }
    return 0;
}

/* The venue's next_cursor: base64 of the offset in decimal ("MTAw" =
 * 100; "LTE=" = -1, the end), sent back percent-encoded ("MQ%3D%3D"). */
static const char B64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void cursor_of(int i, char *out, size_t cap)
{
    char d[24];
    int n = snprintf(d, sizeof d, "%d", i), k = 0;
    for (int j = 0; j < n && (size_t)k + 5 < cap; j += 3) {
        unsigned v = (unsigned)(unsigned char)d[j] << 16;
        if (j + 1 < n)
            v |= (unsigned)(unsigned char)d[j + 1] << 8;
        if (j + 2 < n)
            v |= (unsigned char)d[j + 2];
        out[k++] = B64[(v >> 18) & 63];
        out[k++] = B64[(v >> 12) & 63];
        out[k++] = j + 1 < n ? B64[(v >> 6) & 63] : '=';
        out[k++] = j + 2 < n ? B64[v & 63] : '=';
    }
    out[k] = '\0';
}

/* The offset of a cursor as received (percent-encoded); -1 if none. */
static int64_t cursor_offset(const char *q)
{
    char raw[64], d[48];
    size_t n = 0, k = 0;
    for (const char *p = q; *p && n + 1 < sizeof raw; p++) {
        unsigned h;
        if (*p == '%' && sscanf(p + 1, "%2x", &h) == 1) {
            raw[n++] = (char)h;
            p += 2;
        } else {
            raw[n++] = *p;
        }
    }
    if (n == 0 || n % 4)
        return -1;
    for (size_t j = 0; j < n && k + 3 < sizeof d; j += 4) {
        unsigned v = 0;
        int pad = 0;
        for (int t = 0; t < 4; t++) {
            char ch = raw[j + t];
            const char *c = ch && ch != '=' ? strchr(B64, ch) : NULL;
            if (ch == '=')
                pad++;
            else if (!c || pad)
                return -1;
            v = v << 6 | (c ? (unsigned)(c - B64) : 0);
        }
        d[k++] = (char)(v >> 16);
        if (pad < 2)
            d[k++] = (char)(v >> 8 & 255);
        if (pad < 1)
            d[k++] = (char)(v & 255);
    }
    int64_t off = -1;
    if (pmc_int_parse(d, k, &off) != PMC_OK)
        return -1;
    return off;
}

/* ---- L2 authentication
 * ----------------------------------------------------------- */

struct hdrs {
    const char *addr, *sig, *ts, *key, *pass;
    size_t addr_n, sig_n, ts_n, key_n, pass_n;
};

static int check_l2(const struct hdrs *h, const char *method,
                    const char *target, const char *body, size_t body_len,
                    struct resp *r)
{
    if (!h->addr || !h->sig || !h->ts || !h->key || !h->pass) {
        err(r, 401, "Unauthorized/Invalid api key");
        return 0;
    }
    if (h->key_n != strlen(S.api_key) || memcmp(h->key, S.api_key, h->key_n) ||
        h->pass_n != strlen(S.passphrase) ||
        memcmp(h->pass, S.passphrase, h->pass_n)) {
        err(r, 401, "Unauthorized/Invalid api key");
        return 0;
    }
    int64_t ts = 0;
    if (pmc_int_parse(h->ts, h->ts_n, &ts) != PMC_OK ||
        llabs(ts - wall_ms() / 1000) > 300) {
        err(r, 401, "Unauthorized/Invalid api key");
        return 0;
    }
    uint8_t a[PMC_ADDR_LEN];
    if (pmc_addr_parse(h->addr, h->addr_n, a) != PMC_OK ||
        (S.has_addr && memcmp(a, S.addr, PMC_ADDR_LEN) != 0)) {
        err(r, 401, "Unauthorized/Invalid api key");
        return 0;
    }
    char path[256];
    size_t pn = strcspn(target, "?");
    if (pn >= sizeof path)
        pn = sizeof path - 1;
    memcpy(path, target, pn);
    path[pn] = '\0';
    char want[PMC_HMAC_SIG_LEN + 1];
    if (pmc_auth_hmac(S.secret, strlen(S.secret), (uint64_t)ts, method, path,
                      body, body_len, want) != PMC_OK ||
        h->sig_n != PMC_HMAC_SIG_LEN || memcmp(h->sig, want, h->sig_n) != 0) {
        err(r, 401, "Unauthorized/Invalid api key");
        return 0;
    }
    return 1;
}

/* ---- POST /order
 * ---------------------------------------------------------------- */

static int recover(const uint8_t digest[32], const uint8_t sig[65],
                   uint8_t out[PMC_ADDR_LEN])
{
    secp256k1_ecdsa_recoverable_signature rs;
    secp256k1_pubkey pub;
    uint8_t ser[65];
    size_t n = sizeof ser;
    int v = sig[64] >= 27 ? sig[64] - 27 : sig[64];
    if (v < 0 || v > 3 ||
        !secp256k1_ecdsa_recoverable_signature_parse_compact(S.secp, &rs, sig,
                                                             v) ||
        !secp256k1_ecdsa_recover(S.secp, &pub, &rs, digest) ||
        !secp256k1_ec_pubkey_serialize(S.secp, ser, &n, &pub,
                                       SECP256K1_EC_UNCOMPRESSED))
        return 0;
    uint8_t h[32];
    pmc_keccak256(ser + 1, 64, h);
    memcpy(out, h + 12, PMC_ADDR_LEN);
    return 1;
}

static int jtext(const json_t *o, const char *k, const char **s, size_t *n)
{
    *s = pmc_json_text(json_object_get(o, k), n);
    return *s != NULL;
}

static int juint(const json_t *o, const char *k, uint64_t *out)
{
    int64_t v;
    if (pmc_json_int(json_object_get(o, k), &v) != PMC_OK || v < 0)
        return 0;
    *out = (uint64_t)v;
    return 1;
}

static int pow10i(int d)
{
    int p = 1;
    while (d-- > 0)
        p *= 10;
    return p;
}

/* amount decimals per tick (reference 2.7.1 table) */
static int amount_decimals(struct pmc_tick t)
{
    return t.dec + 2;
}

/* the user channel's state (see its section below) */
#define UEV_MAX 1024
struct uev {
    int used;
    int64_t at; /* mono ms */
    char text[1024];
};

struct usess {
    struct lws *wsi;
    int subscribed;
    char *q[64];
    size_t qlen[64];
    int qh, qn;
    struct usess *next;
};

static struct {
    pthread_mutex_t mu;
    struct lws_context *ctx;
    lws_sorted_usec_list_t tick;
    struct uev ev[UEV_MAX];
    struct usess *sess;
    int fail_next, drop, silent;
    int64_t mined_ms, confirmed_ms, failed_ms, refuse_until;
    int64_t connects, subscribes, refused, sent, lost, pongs, bad_auth;
    volatile int stop;
} U = {.mu = PTHREAD_MUTEX_INITIALIZER,
       .mined_ms = 100,
       .confirmed_ms = 300,
       .failed_ms = 200};

static void user_trade(const struct order *o, const struct trade *t, int taker);

static void add_trade(struct order *o, pmc_micros px, pmc_micros sz, int taker)
{
    if (S.ntrades >= MAX_TRADES)
        return;
    struct trade *t = &S.trades[S.ntrades];
    snprintf(t->id, sizeof t->id, "trade-%d", S.ntrades + 1);
    snprintf(t->order, sizeof t->order, "%s", o->hash);
    snprintf(t->token, sizeof t->token, "%s", o->token);
    t->side = o->side;
    t->px = px;
    t->sz = sz;
    t->t = wall_ms();
    t->mono = mono_ms();
    t->taker = taker;
    pthread_mutex_lock(&U.mu);
    t->fail = U.fail_next > 0;
    if (t->fail)
        U.fail_next--;
    pthread_mutex_unlock(&U.mu);
    o->ntrades++;
    S.ntrades++;
}

/* the ids of an order's trades, oldest first */
static json_t *trade_ids(const struct order *o)
{
    json_t *a = json_array();
    for (int i = 0; i < S.ntrades && (int)json_array_size(a) < o->ntrades; i++)
        if (strcmp(S.trades[i].order, o->hash) == 0)
            json_array_append_new(a, json_string(S.trades[i].id));
    return a;
}

static void remove_empty(struct level *lv, int *n)
{
    int k = 0;
    for (int i = 0; i < *n; i++)
        if (lv[i].sz > 0)
            lv[k++] = lv[i];
    *n = k;
}

/* Walk the book. BUY by budget (usd > 0) or by shares; SELL by shares.
 * dry = 1 only measures. Returns shares matched; *spent gets USD. */
static pmc_micros walk(struct book *b, struct order *o, int side,
                       pmc_micros limit, pmc_micros usd, pmc_micros shares,
                       pmc_micros *spent, int dry)
{
    struct level *lv = side == 0 ? b->asks : b->bids;
    int *n = side == 0 ? &b->nask : &b->nbid;
    pmc_micros got = 0, cost = 0;
    for (int i = 0; i < *n; i++) {
        pmc_micros px = lv[i].px;
        if (side == 0 ? px > limit : px < limit)
            break;
        pmc_micros can = lv[i].sz;
        if (usd > 0) {
            pmc_micros afford = pmc_muldiv_floor(usd - cost, PMC_MICRO, px);
            afford -= afford % 10000; /* whole cents of a share */
            if (afford < can)
                can = afford;
        } else if (shares - got < can) {
            can = shares - got;
        }
        if (can <= 0)
            break;
        pmc_micros c = pmc_muldiv_floor(can, px, PMC_MICRO);
        got += can;
        cost += c;
        if (!dry) {
            lv[i].sz -= can;
            add_trade(o, px, can, 1);
            user_trade(o, &S.trades[S.ntrades - 1], 1);
        }
    }
    if (!dry)
        remove_empty(lv, n);
    *spent = cost;
    return got;
}

static void post_order(const struct hdrs *h, const char *body, size_t len,
                       struct resp *r)
{
    json_t *j = NULL;
    struct pmc_wire_err we;
    if (pmc_json_exact_loads(body, len, &j, &we) != PMC_OK ||
        !json_is_object(j)) {
        json_decref(j);
        err(r, 400, "Invalid order payload");
        return;
    }
    json_t *o = json_object_get(j, "order");
    const char *s;
    size_t n;
    struct pmc_order_v2 ov;
    memset(&ov, 0, sizeof ov);
    uint64_t sig_type = 0;
    const char *tok = NULL, *sigs = NULL, *side = NULL, *otype = NULL,
               *owner = NULL;
    size_t tok_n = 0, sig_n = 0, side_n = 0, otype_n = 0, owner_n = 0;
    int ok = json_is_object(o) && juint(o, "salt", &ov.salt) &&
             jtext(o, "maker", &s, &n) &&
             pmc_addr_parse(s, n, ov.maker) == PMC_OK &&
             jtext(o, "signer", &s, &n) &&
             pmc_addr_parse(s, n, ov.signer) == PMC_OK &&
             jtext(o, "tokenId", &tok, &tok_n) && tok_n < 96 &&
             pmc_u256_parse_dec(tok, tok_n, ov.token_id) == PMC_OK &&
             juint(o, "makerAmount", &ov.maker_amount) &&
             juint(o, "takerAmount", &ov.taker_amount) &&
             jtext(o, "side", &side, &side_n) &&
             juint(o, "signatureType", &sig_type) &&
             juint(o, "timestamp", &ov.timestamp_ms) &&
             jtext(o, "metadata", &s, &n) &&
             pmc_hex_decode(s, n, ov.metadata, 32) == PMC_OK &&
             jtext(o, "builder", &s, &n) &&
             pmc_hex_decode(s, n, ov.builder, 32) == PMC_OK &&
             jtext(o, "signature", &sigs, &sig_n) &&
             jtext(j, "orderType", &otype, &otype_n) &&
             jtext(j, "owner", &owner, &owner_n);
    enum pmc_tif tif = PMC_TIF_GTC;
    if (ok && side_n == 3 && memcmp(side, "BUY", 3) == 0)
        ov.side = 0;
    else if (ok && side_n == 4 && memcmp(side, "SELL", 4) == 0)
        ov.side = 1;
    else
        ok = 0;
    if (ok && pmc_order_type_parse(otype, otype_n, &tif) != PMC_OK)
        ok = 0;
    uint64_t expiration = 0;
    if (ok && !juint(o, "expiration", &expiration))
        ok = 0;
    uint8_t sig[65];
    if (ok && (sig_type > 2 || pmc_hex_decode(sigs, sig_n, sig, 65) != PMC_OK))
        ok = 0;
    if (!ok || ov.maker_amount == 0 || ov.taker_amount == 0) {
        json_decref(j);
        err(r, 400, "Invalid order payload");
        return;
    }
    ov.sig_type = (uint8_t)sig_type;
    /* GTD: the venue's security threshold, a minute ahead at least */
    if ((tif == PMC_TIF_GTD) != (expiration != 0) ||
        (tif == PMC_TIF_GTD &&
         expiration < (uint64_t)(wall_ms() / 1000) + 60)) {
        json_decref(j);
        err(r, 400, "invalid expiration value");
        return;
    }
    char token[96];
    memcpy(token, tok, tok_n);
    token[tok_n] = '\0';
    if (owner_n != strlen(S.api_key) || memcmp(owner, S.api_key, owner_n)) {
        json_decref(j);
        err(r, 400, "the order owner has to be the owner of the API KEY");
        return;
    }
    struct book *b = find_book(token);
    if (!b) {
        json_decref(j);
        err(r, 400, "the market is not yet ready to process new orders");
        return;
    }
    enum pmc_exchange ex = b->v3         ? PMC_EXCH_V3
                           : b->neg_risk ? PMC_EXCH_V2_NEGRISK
                                         : PMC_EXCH_V2;
    uint8_t digest[32], who[PMC_ADDR_LEN];
    char hash[67] = "0x";
    if (pmc_order_v2_hash(&ov, ex, PMC_CHAIN_POLYGON, NULL, digest) != PMC_OK) {
        json_decref(j);
        err(r, 400, "Invalid order payload");
        return;
    }
    pmc_hex_encode(digest, 32, hash + 2);
    json_decref(j);
    char msg[256];
    if (!recover(digest, sig, who) ||
        memcmp(who, ov.signer, PMC_ADDR_LEN) != 0) {
        snprintf(msg, sizeof msg, "invalid signature");
        err(r, 400, msg);
        return;
    }
    uint8_t hdr_addr[PMC_ADDR_LEN];
    if (pmc_addr_parse(h->addr, h->addr_n, hdr_addr) != PMC_OK ||
        memcmp(hdr_addr, ov.signer, PMC_ADDR_LEN) != 0) {
        err(r, 400,
            "the order signer address has to be the address of the "
            "API KEY");
        return;
    }
    if (ov.sig_type == 0 && memcmp(ov.maker, ov.signer, PMC_ADDR_LEN) != 0) {
        err(r, 400, "invalid signature");
        return;
    }

    /* duplicates: the same hash again */
    struct order *prev = find_order(hash);
    S.posts_total++;
    if (prev) {
        prev->posts++;
        snprintf(msg, sizeof msg, "order %s is invalid. Duplicated.", hash);
        err(r, 400, msg);
        return;
    }

    /* price, tick and precision */
    int market = tif == PMC_TIF_FAK || tif == PMC_TIF_FOK;
    int64_t mk = (int64_t)ov.maker_amount, tk = (int64_t)ov.taker_amount;
    int64_t usd = ov.side == 0 ? mk : tk, sh = ov.side == 0 ? tk : mk;
    pmc_micros exact = pmc_muldiv_floor(usd, PMC_MICRO, sh);
    pmc_micros tm = pmc_tick_micros(b->tick);
    pmc_micros grid = pmc_round_down(exact, tm);
    if (ov.side == 1 && market)
        grid = exact - grid < tm / 10 ? grid : pmc_round_up(exact, tm);
    int on_grid =
        market
            ? (exact - grid < tm / 10 && grid - exact < tm / 10)
            : (pmc_muldiv_floor(usd, PMC_MICRO, sh) * sh == usd * PMC_MICRO &&
               exact % tm == 0);
    char a[24], c[24];
    if (!on_grid) {
        snprintf(msg, sizeof msg,
                 "order %s is invalid. Price (%s) breaks minimum tick size "
                 "rule: %s",
                 hash, dec(exact, a), b->tick_text);
        err(r, 400, msg);
        return;
    }
    pmc_micros price = market ? grid : exact;
    if (price < tm || price > PMC_MICRO - tm) {
        snprintf(msg, sizeof msg,
                 "order %s is invalid. Price (%s) breaks minimum tick size "
                 "rule: %s",
                 hash, dec(price, a), b->tick_text);
        err(r, 400, msg);
        return;
    }
    int amt_dec = amount_decimals(b->tick);
    if (market && ov.side == 0) {
        if (mk % 10000 || tk % 100) {
            err(r, 400,
                "invalid amounts, the market buy orders maker amount "
                "supports a max accuracy of 2 decimals, taker amount a max "
                "of 4 decimals");
            return;
        }
        if (mk < 1000000) {
            snprintf(msg, sizeof msg,
                     "invalid amount for a marketable BUY order ($%s), min "
                     "size: $1",
                     dec(mk, a));
            err(r, 400, msg);
            return;
        }
    } else if (market) {
        if (mk % 10000 || tk % 100) {
            err(r, 400,
                "invalid amounts, the market sell orders maker amount "
                "supports a max accuracy of 2 decimals, taker amount a max "
                "of 4 decimals");
            return;
        }
    } else {
        int64_t usd_unit = pow10i(6 - amt_dec);
        if (sh % 10000 || usd % usd_unit) {
            snprintf(msg, sizeof msg,
                     "invalid amounts, the %s orders maker amount supports a "
                     "max accuracy of %d decimals, taker amount a max of %d "
                     "decimals",
                     ov.side == 0 ? "buy" : "sell", ov.side == 0 ? amt_dec : 2,
                     ov.side == 0 ? 2 : amt_dec);
            err(r, 400, msg);
            return;
        }
        if (sh < b->min_size) {
            snprintf(msg, sizeof msg,
                     "order %s is invalid. Size (%s) lower than the minimum: "
                     "%s",
                     hash, dec(sh, a), dec(b->min_size, c));
            err(r, 400, msg);
            return;
        }
    }

    /* match */
    if (S.norders >= MAX_ORDERS) {
        err(r, 500, "Internal server error");
        return;
    }
    struct order *od = &S.orders[S.norders];
    memset(od, 0, sizeof *od);
    snprintf(od->hash, sizeof od->hash, "%s", hash);
    snprintf(od->token, sizeof od->token, "%s", token);
    od->side = ov.side;
    od->tif = tif;
    od->price = price;
    od->created = wall_ms() / 1000;
    od->expiration = (int64_t)expiration;
    od->posts = 1;
    pmc_addr_checksum(ov.maker, od->maker);
    pmc_micros budget = market && ov.side == 0 ? mk : 0;
    pmc_micros want_sh = market && ov.side == 0 ? pmc_div(mk, price) : sh;
    od->orig = want_sh - want_sh % 100;
    pmc_micros spent = 0, got;
    got = walk(b, od, ov.side, price, budget, want_sh, &spent, 1);
    int full = budget > 0 ? budget - spent <
                                pmc_muldiv_ceil(price, 10000, PMC_MICRO) + 1
                          : got >= want_sh;
    if (tif == PMC_TIF_FOK && !full) {
        snprintf(od->status, sizeof od->status, "CANCELED");
        S.norders++;
        err(r, 400,
            "order couldn't be fully filled. FOK orders are fully filled or "
            "killed.");
        return;
    }
    if (tif == PMC_TIF_FAK && got == 0) {
        snprintf(od->status, sizeof od->status, "CANCELED");
        S.norders++;
        err(r, 400,
            "no orders found to match with FAK order. FAK orders are "
            "partially filled or killed if no match is found.");
        return;
    }
    got = walk(b, od, ov.side, price, budget, want_sh, &spent, 0);
    od->matched = got;
    if (market && ov.side == 0 && got > od->orig)
        od->orig = got;
    const char *status;
    if (market) {
        snprintf(od->status, sizeof od->status, "MATCHED");
        status = "matched";
    } else if (got >= want_sh) {
        snprintf(od->status, sizeof od->status, "MATCHED");
        status = "matched";
    } else {
        snprintf(od->status, sizeof od->status, "LIVE");
        status = "live";
    }
    S.norders++;
    json_t *tids = trade_ids(od);
    char ma[24], ta[24];
    pmc_micros making = ov.side == 0 ? spent : got;
    pmc_micros taking = ov.side == 0 ? got : spent;
    json_t *out =
        json_pack("{s:b,s:s,s:s,s:s,s:s,s:s,s:o}", "success", 1, "errorMsg", "",
                  "orderID", hash, "status", status, "makingAmount",
                  got ? amount_text(making, ma) : "", "takingAmount",
                  got ? amount_text(taking, ta) : "", "tradeIDs", tids);
    set_json(r, 200, out);
}

/* POST /orders: a JSON array of 1..15 order bodies, each handled as POST
 * /order would handle it alone; the answer is the array of their answers
 * in the same order, a refused one as {"success":false,"errorMsg":..}.
 * A fault on path "/orders[i]" (kind status, its body) answers element i
 * with that body instead, the order not processed. */
static void post_orders(const struct hdrs *h, const char *body, size_t len,
                        struct resp *r)
{
    json_t *j = NULL;
    struct pmc_wire_err we;
    if (pmc_json_exact_loads(body, len, &j, &we) != PMC_OK ||
        !json_is_array(j) || json_array_size(j) == 0) {
        json_decref(j);
        err(r, 400, "Invalid order payload");
        return;
    }
    if (json_array_size(j) > 15) {
        json_decref(j);
        err(r, 400, "Too many orders in payload, max 15");
        return;
    }
    S.batches_total++;
    size_t cap = 64, n = 0;
    char *out = malloc(cap);
    if (!out) {
        json_decref(j);
        err(r, 500, "Internal server error");
        return;
    }
    out[n++] = '[';
    size_t i;
    json_t *e;
    json_array_foreach(j, i, e)
    {
        char p[32], *ans = NULL;
        snprintf(p, sizeof p, "/orders[%zu]", i);
        struct fault *f = NULL;
        for (int k = 0; k < MAX_FAULTS && !f; k++)
            if (S.faults[k].used && strcmp(S.faults[k].path, p) == 0)
                f = &S.faults[k];
        if (f && --f->count <= 0)
            f->used = 0;
        if (f) {
            ans = strdup(f->body[0] ? f->body : "{}");
        } else {
            char *one = json_dumps(e, JSON_COMPACT);
            struct resp er;
            memset(&er, 0, sizeof er);
            if (one)
                post_order(h, one, strlen(one), &er);
            free(one);
            if (er.status == 200) {
                ans = er.body;
                er.body = NULL;
            } else {
                json_t *ej = er.body ? json_loads(er.body, 0, NULL) : NULL;
                const char *m = json_string_value(json_object_get(ej, "error"));
                json_t *a =
                    json_pack("{s:b,s:s,s:s,s:s}", "success", 0, "errorMsg",
                              m ? m : "error", "orderID", "", "status", "");
                ans = json_dumps(a, JSON_COMPACT);
                json_decref(a);
                json_decref(ej);
            }
            free(er.body);
        }
        size_t an = ans ? strlen(ans) : 2;
        char *grown = realloc(out, cap + an + 2);
        if (!grown) {
            free(ans);
            free(out);
            json_decref(j);
            err(r, 500, "Internal server error");
            return;
        }
        out = grown;
        cap += an + 2;
        if (i)
            out[n++] = ',';
        memcpy(out + n, ans ? ans : "{}", an);
        n += an;
        free(ans);
    }
    json_decref(j);
    out[n++] = ']';
    out[n] = '\0';
    r->status = 200;
    free(r->body);
    r->body = out;
}

static json_t *open_order_json(const struct order *o)
{
    char a[24], b[24], c[24];
    json_t *tr = trade_ids(o);
    char created[24], expiration[24];
    snprintf(created, sizeof created, "%" PRId64, o->created);
    snprintf(expiration, sizeof expiration, "%" PRId64, o->expiration);
    return json_pack(
        "{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:s,s:s,"
        "s:s,s:s}",
        "id", o->hash, "status", o->status, "owner", S.api_key, "maker_address",
        o->maker, "market", "0xfake", "asset_id", o->token, "side",
        o->side == 0 ? "BUY" : "SELL", "original_size", dec(o->orig, a),
        "size_matched", dec(o->matched, b), "price", dec(o->price, c),
        "associate_trades", tr, "outcome", "Yes", "created_at", created,
        "expiration", expiration, "order_type", pmc_order_type_name(o->tif));
}

/* A Trade row of GET /data/trades, its status as of now (the schedule of
 * the user channel's events: MINED after mined_ms, CONFIRMED after
 * confirmed_ms, or FAILED after failed_ms for a failing one). */
static json_t *trade_json(const struct trade *t)
{
    char a[24], b[24], m[24];
    snprintf(m, sizeof m, "%" PRId64, t->t / 1000);
    pthread_mutex_lock(&U.mu);
    int64_t age = mono_ms() - t->mono;
    const char *st = t->fail ? (age >= U.failed_ms ? "FAILED" : "MATCHED")
                     : age >= U.confirmed_ms ? "CONFIRMED"
                     : age >= U.mined_ms     ? "MINED"
                                             : "MATCHED";
    pthread_mutex_unlock(&U.mu);
    dec(t->sz, a);
    dec(t->px, b);
    json_t *maker = json_pack("[{s:s,s:s,s:s}]", "order_id",
                              t->taker ? "0xmaker" : t->order, "matched_amount",
                              a, "price", b);
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:s}", "id",
                     t->id, "taker_order_id", t->taker ? t->order : "0xtaker",
                     "market", "0xfake", "asset_id", t->token, "side",
                     t->side == 0 ? "BUY" : "SELL", "size", a, "price", b,
                     "status", st, "match_time", m, "maker_orders", maker,
                     "trader_side", t->taker ? "TAKER" : "MAKER");
}

/* ---- the user channel (reference 5.2), --ws-port ---------------------------
 * A libwebsockets server on a port of its own, serviced by a thread of its
 * own (the HTTP side stays a single poll loop): the authenticated
 * subscribe at /ws/user, PING -> PONG, and for every trade of our orders an
 * order event and the trade's events: MATCHED at once, then MINED and
 * CONFIRMED after mined_ms / confirmed_ms, or FAILED after failed_ms for
 * the next fail_next trades. Events due while no client is subscribed are
 * lost (as at the venue). POST /_control/user {"fail_next", "mined_ms",
 * "confirmed_ms", "failed_ms", "drop": true (close every connection),
 * "refuse_ms" (refuse new ones that long), "silent": true|false (no
 * events sent, no PONG), "page_size" (GET /data/trades rows a page, 100), "pad_bytes" (padding
 * its answers carry, 0)};
 * GET /_control/user: counters (and trades_gets: GET /data/trades pages). */

/* under U.mu */
static void user_at(int64_t at, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void user_at(int64_t at, const char *fmt, ...)
{
    for (int i = 0; i < UEV_MAX; i++) {
        if (U.ev[i].used)
            continue;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(U.ev[i].text, sizeof U.ev[i].text, fmt, ap);
        va_end(ap);
        U.ev[i].at = at;
        U.ev[i].used = 1;
        return;
    }
    U.lost++;
}

/* A trade of order o was made (our order taker: it crossed; maker: a
 * control fill): its events. */
static void user_trade(const struct order *o, const struct trade *t, int taker)
{
    if (!U.ctx)
        return;
    char px[24], sz[24], m[24], orig[24], legs[512];
    dec(t->px, px);
    dec(t->sz, sz);
    dec(o->matched, m);
    if (taker)
        snprintf(legs, sizeof legs,
                 "\"taker_order_id\":\"%s\",\"maker_orders\":[{\"order_id\":"
                 "\"0xmaker\",\"matched_amount\":\"%s\",\"price\":\"%s\"}]",
                 o->hash, sz, px);
    else
        snprintf(legs, sizeof legs,
                 "\"taker_order_id\":\"0xtaker\",\"maker_orders\":[{"
                 "\"order_id\":\"%s\",\"matched_amount\":\"%s\",\"price\":"
                 "\"%s\"}]",
                 o->hash, sz, px);
    pthread_mutex_lock(&U.mu);
    int64_t now = mono_ms();
    user_at(now,
            "{\"event_type\":\"order\",\"id\":\"%s\",\"asset_id\":\"%s\","
            "\"market\":\"0xfake\",\"original_size\":\"%s\",\"size_matched\":"
            "\"%s\",\"price\":\"%s\",\"type\":\"UPDATE\",\"status\":\"%s\"}",
            o->hash, o->token, dec(o->orig, orig), m, dec(o->price, px),
            o->status);
    dec(t->px, px);
    int fail = t->fail;
    static const char *const ST[3] = {"MINED", "CONFIRMED", "FAILED"};
    for (int k = -1; k < 3; k++) {
        if ((fail && (k == 0 || k == 1)) || (!fail && k == 2))
            continue;
        int64_t at = k < 0    ? now
                     : k == 0 ? now + U.mined_ms
                     : k == 1 ? now + U.confirmed_ms
                              : now + U.failed_ms;
        user_at(at,
                "[{\"event_type\":\"trade\",\"type\":\"TRADE\",\"id\":\"%s\","
                "\"market\":\"0xfake\",\"asset_id\":\"%s\",\"side\":\"%s\","
                "\"size\":\"%s\",\"price\":\"%s\",\"status\":"
                "\"TRADE_STATUS_%s\",\"match_time\":\"%" PRId64 "\",%s,"
                "\"trader_side\":\"%s\"}]",
                t->id, t->token, t->side == 0 ? "BUY" : "SELL", sz, px,
                k < 0 ? "MATCHED" : ST[k], t->t / 1000, legs,
                taker ? "TAKER" : "MAKER");
    }
    pthread_mutex_unlock(&U.mu);
    lws_cancel_service(U.ctx);
}

static void usess_send(struct usess *s, const char *text, size_t n)
{
    if (s->qn == 64) {
        U.lost++;
        return;
    }
    char *b = malloc(LWS_PRE + n);
    if (!b)
        return;
    memcpy(b + LWS_PRE, text, n);
    int i = (s->qh + s->qn) % 64;
    s->q[i] = b;
    s->qlen[i] = n;
    s->qn++;
    lws_callback_on_writable(s->wsi);
}

/* the service thread: deliver what is due, carry out a drop */
static void user_tick(lws_sorted_usec_list_t *sul)
{
    (void)sul;
    pthread_mutex_lock(&U.mu);
    int64_t now = mono_ms();
    if (U.drop) {
        U.drop = 0;
        for (struct usess *s = U.sess; s; s = s->next)
            lws_set_timeout(s->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
    }
    for (int i = 0; i < UEV_MAX; i++) {
        struct uev *e = &U.ev[i];
        if (!e->used || e->at > now)
            continue;
        e->used = 0;
        int any = 0;
        for (struct usess *s = U.sess; s && !U.silent; s = s->next)
            if (s->subscribed) {
                usess_send(s, e->text, strlen(e->text));
                U.sent++;
                any = 1;
            }
        if (!any)
            U.lost++;
    }
    pthread_mutex_unlock(&U.mu);
    lws_sul_schedule(U.ctx, 0, &U.tick, user_tick, 5 * LWS_US_PER_MS);
}

static void user_rx(struct usess *s, const char *in, size_t len)
{
    if (U.silent)
        return;
    if (len == 4 && memcmp(in, "PING", 4) == 0) {
        U.pongs++;
        usess_send(s, "PONG", 4);
        return;
    }
    json_error_t je;
    json_t *j = json_loadb(in, len, 0, &je);
    json_t *a = j ? json_object_get(j, "auth") : NULL;
    const char *k = json_string_value(json_object_get(a, "apiKey"));
    const char *sec = json_string_value(json_object_get(a, "secret"));
    const char *p = json_string_value(json_object_get(a, "passphrase"));
    if (!s->subscribed && k && sec && p && strcmp(k, S.api_key) == 0 &&
        strcmp(sec, S.secret) == 0 && strcmp(p, S.passphrase) == 0 &&
        json_is_array(json_object_get(j, "markets")) &&
        json_is_string(json_object_get(j, "type"))) {
        s->subscribed = 1;
        U.subscribes++;
    } else if (!s->subscribed) {
        U.bad_auth++;
        lws_set_timeout(s->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
    }
    json_decref(j);
}

static void usess_unlink(struct usess *s)
{
    for (struct usess **p = &U.sess; *p; p = &(*p)->next)
        if (*p == s) {
            *p = s->next;
            break;
        }
    while (s->qn) {
        free(s->q[s->qh]);
        s->qh = (s->qh + 1) % 64;
        s->qn--;
    }
}

static int user_cb(struct lws *wsi, enum lws_callback_reasons reason,
                   void *user, void *in, size_t len)
{
    struct usess *s = user;
    int rc = 0;
    pthread_mutex_lock(&U.mu);
    switch (reason) {
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: {
        char uri[64] = "";
        lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI);
        if (strncmp(uri, "/ws/user", 8) != 0 || mono_ms() < U.refuse_until) {
            U.refused++;
            rc = 1;
        }
        break;
    }
    case LWS_CALLBACK_ESTABLISHED:
        memset(s, 0, sizeof *s);
        s->wsi = wsi;
        s->next = U.sess;
        U.sess = s;
        U.connects++;
        break;
    case LWS_CALLBACK_RECEIVE:
        if (lws_is_final_fragment(wsi) && lws_is_first_fragment(wsi))
            user_rx(s, in, len);
        break;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        if (s->qn) {
            int i = s->qh;
            int w = lws_write(wsi, (unsigned char *)s->q[i] + LWS_PRE,
                              s->qlen[i], LWS_WRITE_TEXT);
            free(s->q[i]);
            s->qh = (s->qh + 1) % 64;
            s->qn--;
            if (w < 0)
                rc = -1;
            else if (s->qn)
                lws_callback_on_writable(wsi);
        }
        break;
    case LWS_CALLBACK_CLOSED:
        usess_unlink(s);
        break;
    default:
        break;
    }
    pthread_mutex_unlock(&U.mu);
    return rc;
}

static void *user_main(void *arg)
{
    (void)arg;
    lws_sul_schedule(U.ctx, 0, &U.tick, user_tick, 5 * LWS_US_PER_MS);
    while (!U.stop)
        if (lws_service(U.ctx, 0) < 0)
            break;
    return NULL;
}

static const struct lws_protocols user_protocols[] = {
    {"user", user_cb, sizeof(struct usess), 4096, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0}};

/* 0 and the port in *port, or -1 */
static int user_start(int *port, pthread_t *th)
{
    lws_set_log_level(LLL_ERR, NULL);
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = *port;
    info.iface = "127.0.0.1";
    info.protocols = user_protocols;
    info.gid = (gid_t)-1;
    info.uid = (uid_t)-1;
    info.options = LWS_SERVER_OPTION_DISABLE_IPV6;
    U.ctx = lws_create_context(&info);
    if (!U.ctx)
        return -1;
    struct lws_vhost *vh = lws_get_vhost_by_name(U.ctx, "default");
    *port = vh ? lws_get_vhost_listen_port(vh) : *port;
    return pthread_create(th, NULL, user_main, NULL) == 0 ? 0 : -1;
}

static void user_control(const json_t *j)
{
    int64_t v;
    pthread_mutex_lock(&U.mu);
    if (pmc_json_int(json_object_get(j, "fail_next"), &v) == PMC_OK)
        U.fail_next = (int)v;
    if (pmc_json_int(json_object_get(j, "mined_ms"), &v) == PMC_OK)
        U.mined_ms = v;
    if (pmc_json_int(json_object_get(j, "confirmed_ms"), &v) == PMC_OK)
        U.confirmed_ms = v;
    if (pmc_json_int(json_object_get(j, "failed_ms"), &v) == PMC_OK)
        U.failed_ms = v;
    if (pmc_json_int(json_object_get(j, "page_size"), &v) == PMC_OK && v >= 1 &&
        v <= 1000)
        S.trades_page = (int)v;
    if (pmc_json_int(json_object_get(j, "pad_bytes"), &v) == PMC_OK && v >= 0 &&
        v <= (1 << 22))
        S.trades_pad = (int)v;
    if (pmc_json_int(json_object_get(j, "refuse_ms"), &v) == PMC_OK)
        U.refuse_until = mono_ms() + v;
    if (json_is_true(json_object_get(j, "drop")))
        U.drop = 1;
    if (json_object_get(j, "silent"))
        U.silent = json_is_true(json_object_get(j, "silent"));
    pthread_mutex_unlock(&U.mu);
    if (U.ctx)
        lws_cancel_service(U.ctx);
}

static json_t *user_stats(void)
{
    pthread_mutex_lock(&U.mu);
    int subs = 0;
    for (struct usess *s = U.sess; s; s = s->next)
        subs += s->subscribed;
    json_t *j = json_pack(
        "{s:I,s:I,s:I,s:i,s:I,s:I,s:I,s:I,s:I,s:I}", "trades_gets",
        (json_int_t)S.trades_gets, "trades_bad_cursor",
        (json_int_t)S.trades_bad_cursor, "connects", (json_int_t)U.connects,
        "subscribes", (json_int_t)U.subscribes, "subscribed", subs, "sent",
        (json_int_t)U.sent, "lost", (json_int_t)U.lost, "refused",
        (json_int_t)U.refused, "pongs", (json_int_t)U.pongs, "bad_auth",
        (json_int_t)U.bad_auth);
    pthread_mutex_unlock(&U.mu);
    return j;
}

/* ---- control
 * ------------------------------------------------------------------- */

static int parse_levels(json_t *arr, struct level *lv, int *n, int asc)
{
    *n = 0;
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e)
    {
        if (*n >= MAX_LEVELS)
            return 0;
        if (pmc_json_dec(json_array_get(e, 0), 0, &lv[*n].px) != PMC_OK ||
            pmc_json_dec(json_array_get(e, 1), 0, &lv[*n].sz) != PMC_OK)
            return 0;
        (*n)++;
    }
    /* best first: asks ascending, bids descending */
    for (int a = 0; a < *n; a++)
        for (int b = a + 1; b < *n; b++)
            if (asc ? lv[b].px < lv[a].px : lv[b].px > lv[a].px) {
                struct level t = lv[a];
                lv[a] = lv[b];
                lv[b] = t;
            }
    return 1;
}

static void control(const char *method, const char *target, const char *body,
                    size_t len, struct resp *r)
{
    char path[128];
    size_t pn = strcspn(target, "?");
    snprintf(path, sizeof path, "%.*s", (int)pn, target);
    if (strcmp(method, "GET") == 0 && strcmp(path, "/_control/posts") == 0) {
        char h[80];
        struct order *o =
            query(target, "hash", h, sizeof h) ? find_order(h) : NULL;
        set_json(r, 200,
                 json_pack("{s:i,s:I,s:I}", "count", o ? o->posts : 0, "total",
                           (json_int_t)S.posts_total, "batches",
                           (json_int_t)S.batches_total));
        return;
    }
    if (strcmp(method, "GET") == 0 && strcmp(path, "/_control/user") == 0) {
        set_json(r, 200, user_stats());
        return;
    }
    if (strcmp(method, "GET") == 0 && strcmp(path, "/_control/log") == 0) {
        json_t *a = json_array();
        for (int i = 0; i < S.nlog; i++)
            json_array_append_new(
                a, json_pack("{s:I,s:s,s:s,s:i}", "t",
                             (json_int_t)S.log[i].t_ms, "m", S.log[i].method,
                             "p", S.log[i].path, "s", S.log[i].status));
        int maxp = 0;
        for (int i = 0; i < S.norders; i++)
            if (S.orders[i].posts > maxp)
                maxp = S.orders[i].posts;
        set_json(r, 200,
                 json_pack("{s:o,s:I,s:i,s:i}", "requests", a, "posts_total",
                           (json_int_t)S.posts_total, "max_posts_per_hash",
                           maxp, "orders", S.norders));
        return;
    }
    if (strcmp(method, "POST") != 0) {
        err(r, 404, "not found");
        return;
    }
    json_t *j = NULL;
    struct pmc_wire_err we;
    if (len && (pmc_json_exact_loads(body, len, &j, &we) != PMC_OK ||
                !json_is_object(j))) {
        json_decref(j);
        err(r, 400, "control: body must be a JSON object");
        return;
    }
    const char *s;
    size_t n;
    if (strcmp(path, "/_control/reset") == 0) {
        S.nbooks = S.norders = S.ntrades = S.nlog = 0;
        S.posts_total = S.batches_total = 0;
        S.amounts_base = 0;
        S.trades_page = 100;
        S.trades_gets = S.trades_bad_cursor = 0;
        S.trades_pad = 0;
        memset(S.faults, 0, sizeof S.faults);
        pthread_mutex_lock(&U.mu);
        U.fail_next = 0;
        pthread_mutex_unlock(&U.mu);
    } else if (strcmp(path, "/_control/book") == 0) {
        if (!jtext(j, "token", &s, &n) || n >= 96) {
            err(r, 400, "control book: token required");
            json_decref(j);
            return;
        }
        char token[96];
        snprintf(token, sizeof token, "%.*s", (int)n, s);
        struct book *b = find_book(token);
        if (!b) {
            if (S.nbooks >= MAX_TOKENS) {
                err(r, 400, "control book: too many tokens");
                json_decref(j);
                return;
            }
            b = &S.books[S.nbooks++];
            memset(b, 0, sizeof *b);
            snprintf(b->token, sizeof b->token, "%s", token);
            snprintf(b->tick_text, sizeof b->tick_text, "0.01");
            b->tick = (struct pmc_tick){2, 1};
            b->min_size = 5 * PMC_MICRO;
        }
        if (jtext(j, "tick", &s, &n)) {
            if (n >= sizeof b->tick_text || pmc_tick_parse(s, n, &b->tick)) {
                err(r, 400, "control book: bad tick");
                json_decref(j);
                return;
            }
            snprintf(b->tick_text, sizeof b->tick_text, "%.*s", (int)n, s);
        }
        json_t *v = json_object_get(j, "neg_risk");
        if (v)
            b->neg_risk = json_is_true(v) || (pmc_json_text(v, &n) && n == 4);
        v = json_object_get(j, "v3");
        if (v)
            b->v3 = json_is_true(v);
        if (json_object_get(j, "min_size"))
            (void)!pmc_json_dec(json_object_get(j, "min_size"), 0,
                                &b->min_size);
        if ((json_object_get(j, "bids") &&
             !parse_levels(json_object_get(j, "bids"), b->bids, &b->nbid, 0)) ||
            (json_object_get(j, "asks") &&
             !parse_levels(json_object_get(j, "asks"), b->asks, &b->nask, 1))) {
            err(r, 400, "control book: levels are [[price, size], ...]");
            json_decref(j);
            return;
        }
    } else if (strcmp(path, "/_control/fault") == 0) {
        int k = 0;
        while (k < MAX_FAULTS && S.faults[k].used)
            k++;
        if (k == MAX_FAULTS || !jtext(j, "kind", &s, &n)) {
            err(r, 400, "control fault: kind required (or table full)");
            json_decref(j);
            return;
        }
        struct fault *f = &S.faults[k];
        memset(f, 0, sizeof *f);
        static const char *const K[] = {
            "status",   "429",     "slow",      "drop",      "drop_before",
            "geoblock", "chunked", "close_end", "truncated", "garbage"};
        int kind = -1;
        for (int i = 0; i < (int)(sizeof K / sizeof K[0]); i++)
            if (strlen(K[i]) == n && memcmp(K[i], s, n) == 0)
                kind = i;
        if (kind < 0) {
            err(r, 400, "control fault: unknown kind");
            json_decref(j);
            return;
        }
        f->kind = (enum fkind)kind;
        f->count = 1;
        f->status = 503;
        f->reset_in_s = 1;
        snprintf(f->method, sizeof f->method, "POST");
        snprintf(f->path, sizeof f->path, "/order");
        int64_t v;
        if (pmc_json_int(json_object_get(j, "count"), &v) == PMC_OK)
            f->count = (int)v;
        if (pmc_json_int(json_object_get(j, "status"), &v) == PMC_OK)
            f->status = (int)v;
        if (pmc_json_int(json_object_get(j, "ms"), &v) == PMC_OK)
            f->ms = v;
        if (pmc_json_int(json_object_get(j, "reset_in_s"), &v) == PMC_OK)
            f->reset_in_s = (int)v;
        if (pmc_json_int(json_object_get(j, "retry_after_s"), &v) == PMC_OK)
            f->retry_after_s = (int)v;
        if (jtext(j, "method", &s, &n) && n < sizeof f->method)
            snprintf(f->method, sizeof f->method, "%.*s", (int)n, s);
        if (jtext(j, "path", &s, &n) && n < sizeof f->path)
            snprintf(f->path, sizeof f->path, "%.*s", (int)n, s);
        if (jtext(j, "body", &s, &n) && n < sizeof f->body)
            snprintf(f->body, sizeof f->body, "%.*s", (int)n, s);
        f->used = 1;
    } else if (strcmp(path, "/_control/fill") == 0) {
        /* fill a resting order: {"hash":..., "size":"2"} */
        pmc_micros sz = 0;
        struct order *o = NULL;
        char h[67];
        if (jtext(j, "hash", &s, &n) && n < sizeof h) {
            snprintf(h, sizeof h, "%.*s", (int)n, s);
            o = find_order(h);
        }
        if (!o || pmc_json_dec(json_object_get(j, "size"), 0, &sz) != PMC_OK) {
            err(r, 400, "control fill: hash of a known order and size");
            json_decref(j);
            return;
        }
        add_trade(o, o->price, sz, 0);
        o->matched += sz;
        if (o->matched >= o->orig) {
            o->matched = o->orig;
            snprintf(o->status, sizeof o->status, "MATCHED");
        }
        user_trade(o, &S.trades[S.ntrades - 1], 0);
    } else if (strcmp(path, "/_control/user") == 0) {
        user_control(j);
    } else if (strcmp(path, "/_control/close_idle") == 0) {
        S.close_idle = 1;
    } else if (strcmp(path, "/_control/amounts") == 0) {
        S.amounts_base = json_is_true(json_object_get(j, "base_units"));
    } else {
        json_decref(j);
        err(r, 404, "no such control");
        return;
    }
    json_decref(j);
    set_body(r, "{\"ok\":true}");
    r->status = 200;
}

/* ---- dispatch
 * ------------------------------------------------------------------ */

static struct fault *take_fault(const char *method, const char *path)
{
    for (int i = 0; i < MAX_FAULTS; i++) {
        struct fault *f = &S.faults[i];
        if (f->used && strcmp(f->method, method) == 0 &&
            strncmp(path, f->path, strlen(f->path)) == 0) {
            if (--f->count <= 0)
                f->used = 0;
            return f;
        }
    }
    return NULL;
}

static void handle(const char *method, const char *target, const struct hdrs *h,
                   const char *body, size_t len, struct resp *r)
{
    char path[256];
    size_t pn = strcspn(target, "?");
    snprintf(path, sizeof path, "%.*s", (int)(pn < 255 ? pn : 255), target);
    if (strncmp(path, "/_control/", 10) == 0) {
        control(method, target, body, len, r);
        return;
    }
    struct fault *f = take_fault(method, path);
    struct fault fcopy;
    if (f) {
        fcopy = *f;
        f = &fcopy;
        switch (f->kind) {
        case F_STATUS:
            if (f->body[0])
                set_body(r, "%s", f->body);
            else
                err(r, f->status,
                    f->status == 503 ? "Trading is currently disabled. Check "
                                       "polymarket.com for updates"
                                     : "Internal server error");
            r->status = f->status;
            return;
        case F_429:
            snprintf(r->extra, sizeof r->extra,
                     "Poly-RateLimit-Remaining: 0\r\n"
                     "Poly-RateLimit-Reset: %" PRId64 "\r\n"
                     "Retry-After: %d\r\n",
                     wall_ms() / 1000 + f->reset_in_s,
                     f->retry_after_s ? f->retry_after_s : f->reset_in_s);
            err(r, 429, "Too Many Requests");
            return;
        case F_GEO:
            err(r, 403, GEO_MSG);
            return;
        case F_DROP_BEFORE:
            r->drop = 1;
            r->status = 0;
            return;
        case F_SLOW:
        case F_DROP:
        case F_CHUNKED:
        case F_CLOSE_END:
        case F_TRUNCATED:
        case F_GARBAGE:
            break; /* process, then delay, drop or reframe the answer */
        }
    }
    if (strcmp(method, "GET") == 0 && strcmp(path, "/time") == 0) {
        set_body(r, "%" PRId64, wall_ms() / 1000);
        r->status = 200;
    } else if (strcmp(method, "GET") == 0 &&
               (strcmp(path, "/tick-size") == 0 ||
                strcmp(path, "/neg-risk") == 0 || strcmp(path, "/book") == 0)) {
        char tok[96];
        struct book *b =
            query(target, "token_id", tok, sizeof tok) ? find_book(tok) : NULL;
        if (!b) {
            err(r, 404,
                strcmp(path, "/book") == 0
                    ? "No orderbook exists for the requested token id"
                    : "market not found");
        } else if (path[1] == 't') {
            set_body(r, "{\"minimum_tick_size\":%s}", b->tick_text);
            r->status = 200;
        } else if (path[1] == 'n') {
            set_body(r, "{\"neg_risk\":%s}", b->neg_risk ? "true" : "false");
            r->status = 200;
        } else {
            json_t *bids = json_array(), *asks = json_array();
            char a[24], c[24];
            for (int i = b->nbid - 1; i >= 0; i--) /* best last */
                json_array_append_new(
                    bids, json_pack("{s:s,s:s}", "price", dec(b->bids[i].px, a),
                                    "size", dec(b->bids[i].sz, c)));
            for (int i = b->nask - 1; i >= 0; i--)
                json_array_append_new(
                    asks, json_pack("{s:s,s:s}", "price", dec(b->asks[i].px, a),
                                    "size", dec(b->asks[i].sz, c)));
            char ts[24];
            snprintf(ts, sizeof ts, "%" PRId64, wall_ms());
            set_json(r, 200,
                     json_pack("{s:s,s:s,s:s,s:s,s:o,s:o,s:s,s:s,s:b}",
                               "market", "0xfake", "asset_id", b->token,
                               "timestamp", ts, "hash", "", "bids", bids,
                               "asks", asks, "min_order_size",
                               dec(b->min_size, a), "tick_size", b->tick_text,
                               "neg_risk", b->neg_risk));
        }
    } else if (strcmp(path, "/order") == 0 &&
               (strcmp(method, "POST") == 0 || strcmp(method, "DELETE") == 0)) {
        if (!check_l2(h, method, target, body, len, r))
            goto faults;
        if (method[0] == 'P') {
            post_order(h, body, len, r);
        } else {
            json_t *j = NULL;
            struct pmc_wire_err we;
            const char *id = NULL;
            size_t n = 0;
            if (pmc_json_exact_loads(body, len, &j, &we) != PMC_OK ||
                !jtext(j, "orderID", &id, &n) || n >= 67) {
                json_decref(j);
                err(r, 400, "Invalid order payload");
                goto faults;
            }
            char hh[67];
            snprintf(hh, sizeof hh, "%.*s", (int)n, id);
            json_decref(j);
            struct order *o = find_order(hh);
            if (o && strcmp(o->status, "LIVE") == 0) {
                snprintf(o->status, sizeof o->status, "CANCELED");
                set_json(
                    r, 200,
                    json_pack("{s:[s],s:{}}", "canceled", hh, "not_canceled"));
            } else {
                set_json(r, 200,
                         json_pack("{s:[],s:{s:s}}", "canceled", "not_canceled",
                                   hh,
                                   o ? "order can't be canceled"
                                     : "order not found"));
            }
        }
    } else if (strcmp(path, "/orders") == 0 && strcmp(method, "POST") == 0) {
        if (check_l2(h, method, target, body, len, r))
            post_orders(h, body, len, r);
    } else if (strcmp(method, "GET") == 0 &&
               strncmp(path, "/data/order/", 12) == 0) {
        if (check_l2(h, method, target, body, len, r)) {
            struct order *o = find_order(path + 12);
            if (o)
                set_json(r, 200, open_order_json(o));
            else
                err(r, 404, "order not found");
        }
    } else if (strcmp(method, "GET") == 0 &&
               strcmp(path, "/data/trades") == 0) {
        if (check_l2(h, method, target, body, len, r)) {
            /* id, after (unix s, match_time >=), next_cursor: the
             * index of the first trade of the page (cursor_of; "LTE=":
             * none left); S.trades_page trades a page */
            char id[32], after[24], cur[64];
            int has = query(target, "id", id, sizeof id);
            int64_t aft = 0, from = 0;
            if (query(target, "after", after, sizeof after) &&
                pmc_int_parse(after, strlen(after), &aft) != PMC_OK) {
                err(r, 400, "invalid after");
                goto faults;
            }
            if (query(target, "next_cursor", cur, sizeof cur) &&
                (strchr(cur, '=') || (from = cursor_offset(cur)) < 0 ||
                 from > S.ntrades)) {
                S.trades_bad_cursor++;
                err(r, 400, "invalid next_cursor");
                goto faults;
            }
            json_t *a = json_array();
            int i = (int)from;
            for (; i < S.ntrades && (int)json_array_size(a) < S.trades_page;
                 i++)
                if ((!has || strcmp(S.trades[i].id, id) == 0) &&
                    S.trades[i].t / 1000 >= aft)
                    json_array_append_new(a, trade_json(&S.trades[i]));
            char next[24] = "LTE=";
            if (i < S.ntrades)
                cursor_of(i, next, sizeof next);
            size_t cnt = json_array_size(a);
            S.trades_gets++;
            json_t *ans =
                json_pack("{s:o,s:s,s:i,s:i}", "data", a, "next_cursor", next,
                          "limit", S.trades_page, "count", (int)cnt);
            if (S.trades_pad > 0) { /* an answer that large */
                char *pad = malloc((size_t)S.trades_pad + 1);
                if (pad) {
                    memset(pad, 'x', (size_t)S.trades_pad);
                    pad[S.trades_pad] = '\0';
                    json_object_set_new(ans, "pad", json_string(pad));
                    free(pad);
                }
            }
            set_json(r, 200, ans);
        }
    } else {
        err(r, 404, "not found");
    }
faults:
    if (f && f->kind == F_SLOW)
        r->delay_ms = f->ms;
    if (f && f->kind == F_DROP)
        r->drop = 1;
    if (f && f->kind >= F_CHUNKED)
        r->framing = (enum framing)(FR_CHUNKED + (f->kind - F_CHUNKED));
}

/* ---- the server loop
 * ----------------------------------------------------------- */

static void log_req(const char *method, const char *target, int status)
{
    if (S.nlog >= LOG_MAX || strncmp(target, "/_control/", 10) == 0)
        return;
    struct logent *e = &S.log[S.nlog++];
    e->t_ms = wall_ms();
    snprintf(e->method, sizeof e->method, "%s", method);
    snprintf(e->path, sizeof e->path, "%.*s", (int)strcspn(target, "?"),
             target);
    e->status = status;
}

static void conn_close(struct conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    free(c->out);
    memset(c, 0, sizeof *c);
    c->fd = -1;
}

static int hdr_is(const char *line, size_t n, const char *name,
                  const char **val, size_t *vn)
{
    size_t k = strlen(name);
    if (n <= k || strncasecmp(line, name, k) != 0 || line[k] != ':')
        return 0;
    const char *v = line + k + 1;
    const char *e = line + n;
    while (v < e && (*v == ' ' || *v == '\t'))
        v++;
    while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    *val = v;
    *vn = (size_t)(e - v);
    return 1;
}

/* The answer's bytes into c->out, framed as r says; its length or -1. */
static int frame_answer(struct conn *c, const struct resp *r, const char *body,
                        size_t bl, int close_after)
{
    const char *cl = close_after ? "Connection: close\r\n" : "";
    const char *rp = reason_phrase(r->status);
    switch (r->framing) {
    case FR_CHUNKED: {
        /* 5-byte chunks, an extension on the first, a trailer at the end */
        size_t cap = 256 + bl * 3, n = 0;
        char *o = malloc(cap);
        if (!o)
            return -1;
        n += (size_t)snprintf(o, cap,
                              "HTTP/1.1 %d %s\r\nContent-Type: "
                              "application/json\r\nTransfer-Encoding: "
                              "chunked\r\n%s%s\r\n",
                              r->status, rp, r->extra, cl);
        for (size_t i = 0; i < bl; i += 5) {
            size_t k = bl - i < 5 ? bl - i : 5;
            n += (size_t)snprintf(o + n, cap - n, "%zx%s\r\n%.*s\r\n", k,
                                  i == 0 ? ";ext=1" : "", (int)k, body + i);
        }
        n += (size_t)snprintf(o + n, cap - n, "0\r\nX-Trailer: t\r\n\r\n");
        c->out = o;
        return (int)n;
    }
    case FR_CLOSE_END:
        return asprintf(&c->out,
                        "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
                        "%sConnection: close\r\n\r\n%s",
                        r->status, rp, r->extra, body);
    case FR_TRUNCATED:
        return asprintf(&c->out,
                        "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
                        "Content-Length: %zu\r\n%s\r\n%.*s",
                        r->status, rp, bl, r->extra, (int)(bl / 2), body);
    case FR_GARBAGE:
        return asprintf(&c->out,
                        "HTTP/1.1 2x0 OK\r\nContent-Length: "
                        "%zu\r\n\r\n%s",
                        bl, body);
    case FR_LENGTH:
        break;
    }
    return asprintf(&c->out,
                    "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
                    "Content-Length: %zu\r\n%s%s\r\n%s",
                    r->status, rp, bl, r->extra, cl, body);
}

/* Try to handle one complete request in c->in. 1 handled, 0 need more,
 * -1 close. */
static int try_request(struct conn *c)
{
    char *end = memmem(c->in, c->in_len, "\r\n\r\n", 4);
    if (!end)
        return c->in_len >= IN_MAX ? -1 : 0;
    size_t head = (size_t)(end - c->in) + 4;
    char *line_end = memmem(c->in, head, "\r\n", 2);
    char method[8], target[512];
    {
        size_t ln = (size_t)(line_end - c->in);
        char rl[600];
        if (ln >= sizeof rl)
            return -1;
        memcpy(rl, c->in, ln);
        rl[ln] = '\0';
        if (sscanf(rl, "%7s %511s", method, target) != 2)
            return -1;
    }
    struct hdrs h;
    memset(&h, 0, sizeof h);
    size_t clen = 0;
    int close_after = 0;
    const char *p = line_end + 2;
    while (p < c->in + head - 2) {
        const char *e = memmem(p, (size_t)(c->in + head - p), "\r\n", 2);
        size_t n = (size_t)(e - p);
        const char *v;
        size_t vn;
        if (hdr_is(p, n, "Content-Length", &v, &vn)) {
            int64_t x = 0;
            if (pmc_int_parse(v, vn, &x) != PMC_OK || x < 0 || x > IN_MAX / 2)
                return -1;
            clen = (size_t)x;
        } else if (hdr_is(p, n, "Connection", &v, &vn)) {
            close_after = vn == 5 && strncasecmp(v, "close", 5) == 0;
        } else if (hdr_is(p, n, "POLY_ADDRESS", &v, &vn)) {
            h.addr = v, h.addr_n = vn;
        } else if (hdr_is(p, n, "POLY_SIGNATURE", &v, &vn)) {
            h.sig = v, h.sig_n = vn;
        } else if (hdr_is(p, n, "POLY_TIMESTAMP", &v, &vn)) {
            h.ts = v, h.ts_n = vn;
        } else if (hdr_is(p, n, "POLY_API_KEY", &v, &vn)) {
            h.key = v, h.key_n = vn;
        } else if (hdr_is(p, n, "POLY_PASSPHRASE", &v, &vn)) {
            h.pass = v, h.pass_n = vn;
        }
        p = e + 2;
    }
    if (c->in_len < head + clen)
        return 0;
    struct resp r;
    memset(&r, 0, sizeof r);
    handle(method, target, &h, c->in + head, clen, &r);
    log_req(method, target, r.drop ? 0 : r.status);
    memmove(c->in, c->in + head + clen, c->in_len - head - clen);
    c->in_len -= head + clen;
    if (r.drop) {
        free(r.body);
        return -1;
    }
    const char *body = r.body ? r.body : "";
    size_t bl = strlen(body);
    free(c->out);
    c->out = NULL;
    int n = frame_answer(c, &r, body, bl, close_after);
    free(r.body);
    if (n < 0)
        return -1;
    c->out_len = (size_t)n;
    c->out_off = 0;
    /* whole milliseconds: the clock may be up to 1 ms past its last tick,
     * so one more keeps the delay at least the one asked for */
    c->send_at = r.delay_ms > 0 ? mono_ms() + r.delay_ms + 1 : 0;
    c->close_after = close_after || r.framing >= FR_CLOSE_END;
    return 1;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: fake_clob [--port N] [--max-seconds S] [--secret B64]\n"
            "                 [--api-key K] [--passphrase P] [--address 0x..]\n"
            "                 [--ws-port N|0]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    int port = 0, ws_port = -1;
    long max_s = 60;
    snprintf(S.secret, sizeof S.secret, "%s",
             "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
    snprintf(S.api_key, sizeof S.api_key, "%s",
             "00000000-0000-0000-0000-000000000000");
    snprintf(S.passphrase, sizeof S.passphrase, "%s", "passphrase");
    S.trades_page = 100;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            usage();
        if (strcmp(a, "--port") == 0)
            port = atoi(v);
        else if (strcmp(a, "--ws-port") == 0)
            ws_port = atoi(v);
        else if (strcmp(a, "--max-seconds") == 0)
            max_s = atol(v);
        else if (strcmp(a, "--secret") == 0)
            snprintf(S.secret, sizeof S.secret, "%s", v);
        else if (strcmp(a, "--api-key") == 0)
            snprintf(S.api_key, sizeof S.api_key, "%s", v);
        else if (strcmp(a, "--passphrase") == 0)
            snprintf(S.passphrase, sizeof S.passphrase, "%s", v);
        else if (strcmp(a, "--address") == 0) {
            if (pmc_addr_parse(v, strlen(v), S.addr) != PMC_OK)
                usage();
            S.has_addr = 1;
        } else
            usage();
        i++;
    }
    signal(SIGPIPE, SIG_IGN);
    S.secp = secp256k1_context_create(SECP256K1_CONTEXT_VERIFY);
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = htons((uint16_t)port);
    socklen_t sl = sizeof sa;
    if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        listen(ls, 64) != 0 ||
        getsockname(ls, (struct sockaddr *)&sa, &sl) != 0) {
        fprintf(stderr, "fake_clob: cannot listen: %s\n", strerror(errno));
        return 1;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t uth;
    if (ws_port >= 0 && user_start(&ws_port, &uth) != 0) {
        fprintf(stderr, "fake_clob: cannot start the user channel\n");
        return 1;
    }
    printf("listening port=%d\n", ntohs(sa.sin_port));
    if (ws_port >= 0)
        printf("user_ws port=%d\n", ws_port);
    for (int i = 0; i < MAX_CONNS; i++)
        S.conns[i].fd = -1;
    int64_t deadline = mono_ms() + max_s * 1000;
    while (mono_ms() < deadline) {
        struct pollfd pf[MAX_CONNS + 1];
        int map[MAX_CONNS + 1];
        int np = 0;
        int64_t now = mono_ms(), wake = deadline;
        pf[np].fd = ls;
        pf[np].events = POLLIN;
        map[np++] = -1;
        for (int i = 0; i < MAX_CONNS; i++) {
            struct conn *c = &S.conns[i];
            if (c->fd < 0)
                continue;
            short ev = 0;
            if (c->out) {
                if (c->send_at <= now)
                    ev |= POLLOUT;
                else if (c->send_at < wake)
                    wake = c->send_at;
            } else {
                ev |= POLLIN;
            }
            pf[np].fd = c->fd;
            pf[np].events = ev;
            map[np++] = i;
        }
        int tmo = (int)(wake - now);
        if (tmo > 100)
            tmo = 100;
        if (tmo < 0)
            tmo = 0;
        if (poll(pf, (nfds_t)np, tmo) < 0 && errno != EINTR)
            break;
        if (pf[0].revents & POLLIN) {
            int fd = accept4(ls, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
            if (fd >= 0) {
                int k = 0;
                while (k < MAX_CONNS && S.conns[k].fd >= 0)
                    k++;
                if (k == MAX_CONNS) {
                    close(fd);
                } else {
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    memset(&S.conns[k], 0, sizeof S.conns[k]);
                    S.conns[k].fd = fd;
                }
            }
        }
        for (int i = 1; i < np; i++) {
            struct conn *c = &S.conns[map[i]];
            if (c->fd < 0)
                continue;
            if (pf[i].revents & (POLLERR | POLLNVAL)) {
                conn_close(c);
                continue;
            }
            if (pf[i].revents & POLLOUT && c->out) {
                ssize_t w = send(c->fd, c->out + c->out_off,
                                 c->out_len - c->out_off, MSG_NOSIGNAL);
                if (w < 0 && errno != EAGAIN && errno != EINTR) {
                    conn_close(c);
                    continue;
                }
                if (w > 0)
                    c->out_off += (size_t)w;
                if (c->out_off == c->out_len) {
                    free(c->out);
                    c->out = NULL;
                    if (c->close_after) {
                        conn_close(c);
                        continue;
                    }
                }
            }
            if (pf[i].revents & (POLLIN | POLLHUP) && !c->out) {
                ssize_t rd =
                    recv(c->fd, c->in + c->in_len, IN_MAX - c->in_len, 0);
                if (rd == 0 || (rd < 0 && errno != EAGAIN && errno != EINTR)) {
                    conn_close(c);
                    continue;
                }
                if (rd > 0)
                    c->in_len += (size_t)rd;
            }
            if (!c->out && c->in_len) {
                int k = try_request(c);
                if (k < 0) {
                    conn_close(c);
                    continue;
                }
                if (k > 0 && c->send_at == 0) {
                    /* answer at once when the socket takes it */
                    ssize_t w = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL);
                    if (w > 0)
                        c->out_off = (size_t)w;
                    if (c->out_off == c->out_len) {
                        free(c->out);
                        c->out = NULL;
                        if (c->close_after)
                            conn_close(c);
                    }
                }
            }
        }
        if (S.close_idle) {
            /* what a server's keep-alive timeout does: every connection
             * with nothing to answer is closed (not the one answering) */
            S.close_idle = 0;
            for (int i = 0; i < MAX_CONNS; i++)
                if (S.conns[i].fd >= 0 && !S.conns[i].out &&
                    S.conns[i].in_len == 0)
                    conn_close(&S.conns[i]);
        }
    }
    for (int i = 0; i < MAX_CONNS; i++)
        if (S.conns[i].fd >= 0)
            conn_close(&S.conns[i]);
    close(ls);
    if (U.ctx) {
        U.stop = 1;
        lws_cancel_service(U.ctx);
        pthread_join(uth, NULL);
        lws_context_destroy(U.ctx);
    }
    secp256k1_context_destroy(S.secp);
    return 0;
}
