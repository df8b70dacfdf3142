/* tests/fakes/fake_feeds.c - fake Polymarket feeds on 127.0.0.1 for the
 * watcher tests: one libwebsockets server on one port speaking
 *   - Polygon JSON-RPC over websocket (any path but the two below):
 *     eth_subscribe("logs", {address, topics}) -> subscription id, then
 *     eth_subscription notifications with OrderFilled logs (V2: 7 data
 *     words, V1: 5), "removed": true re-sends on a scripted reorg,
 *     eth_unsubscribe, eth_blockNumber; other methods get a JSON-RPC error;
 *   - RTDS at path /rtds: {"action":"subscribe",...} then activity/trades
 *     envelopes to every subscriber; text ping/PING -> pong/PONG;
 *   - the CLOB market channel at path /ws/market: {"assets_ids":[..],
 *     "type":"market"} and {"assets_ids":[..],"operation":"subscribe"|
 *     "unsubscribe"}; book snapshots as an array frame, then price_change,
 *     last_trade_price, tick_size_change; text PING -> PONG;
 *   - the data API over HTTP: GET /trades?user=&takerOnly=&limit=&offset=
 *     (newest first) and GET /activity?user=&start=&end=&limit=&offset=
 *     &sortDirection= (legacy camelCase arrays); a trade is listed once its
 *     api delay has passed;
 *   - control: GET or POST /_control/<verb>?k=v&... runs one scenario
 *     command now; GET /_control/stats answers counters, one key=value per
 *     line.
 * It binds 127.0.0.1 only, never connects anywhere, and exits by itself
 * after --max-seconds (default 60).
 *
 * Usage: fake_feeds [--port N] [--scenario FILE] [--max-seconds S]
 *                   [--base-ms MS] [--hold] [--log]
 * --port 0 (the default) picks a free port; the first stdout line is then
 * `listening port=N`. --base-ms sets the source clock at start (default:
 * the wall clock); --log prints each request and scripted action on stderr.
 * --hold keeps the scenario clock stopped (no scripted action runs, the
 * data API lists nothing) until GET /_control/start: at_ms (and the source
 * clock, from --base-ms or the wall clock) then counts from that request,
 * so a test starts its timeline once its client is connected and
 * subscribed, however slowly it started.
 *
 * Scenario file: one command per line, `#` comments, blank lines ignored:
 *
 *   <at_ms> <verb> key=value ...
 *
 * at_ms counts from the fake's start. Verbs:
 *   trade wallet=0x.. token=ID side=BUY|SELL px=DEC sz=DEC tx=0x<64 hex>
 *         [log=N] [market=0x..] [slug=S] [outcome=S] [v=2|1]
 *         [role=maker|taker] [ts=MS]
 *         [chain=D] [rtds=D] [api=D] [chain_dup=D]
 *       a source trade; each of chain/rtds/api (and a second chain copy,
 *       chain_dup) delivers it D ms after at_ms; an absent key means that
 *       source never shows it. ts (source time) defaults to base + at_ms.
 *   book token=ID [market=0x..] [bids=px:sz,...] [asks=px:sz,...]
 *   price_change token=ID side=BUY|SELL px= sz= [best_bid=] [best_ask=]
 *   last_trade token=ID px= sz= [side=]
 *   tick token=ID old=DEC new=DEC
 *   drop chan=chain|rtds|book|all        close those websockets now
 *   silent chan=... ms=M                 send nothing (no acks, no pongs,
 *                                        messages are lost) for M ms
 *   refuse chan=... ms=M                 refuse new websocket upgrades
 *   malformed chan=...                   one frame that is not JSON
 *   oversized chan=... [bytes=N]         one frame of N bytes (1200000)
 *   reorg tx=0x.. [log=N]                re-send that log, removed: true
 *   http status=N [count=K] [retry_after=S] [reset=S]
 *                                        the next K data API requests get
 *                                        status N, with Retry-After: S and
 *                                        X-RateLimit-Reset: now + S (epoch s)
 *   slow ms=M [count=K]                  the next K data API responses wait
 *                                        M ms
 *   exit                                 stop the fake
 */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libwebsockets.h>

#include "core/dec.h"
#include "core/pmc.h"

#define MAXF 24
#define CH_CHAIN 0
#define CH_RTDS 1
#define CH_BOOK 2
#define CH_HTTP 3
#define NCH 3
static const char *const chname[] = {"chain", "rtds", "book", "http"};

#define EX_V2 "0xe111180000d2663c0091e4f400237545b87b996b"
#define EX_V1 "0x4bfb41d5b3570defd03c39a9a4d8de6bd8b8982e"
#define TOPIC_V2                                                               \
    "0xd543adfd945773f1a62f74f0ee55a5e3b9b1a28262980ba90b1a89f2ea84d8ee"
#define TOPIC_V1                                                               \
    "0xd0a08e8c493f9c94f29311604c9de1b4e8c8d4c06bd0c789af57f2d65bfec0f6"

/* ---- small helpers ---------------------------------------------------- */

static int g_log;
static int64_t g_t0;   /* monotonic ms at start */
static int64_t g_base; /* source clock at start (ms since epoch) */

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
static int64_t rel_now(void)
{
    return mono_ms() - g_t0;
}
static int64_t src_now(void)
{
    return g_base + rel_now();
}

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
    if (!g_log)
        return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "fake %lld: ", (long long)rel_now());
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "fake_feeds: out of memory\n");
        exit(1);
    }
    return p;
}

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = xmalloc(n);
    memcpy(d, s, n);
    return d;
}

struct sb {
    char *p;
    size_t n, cap;
};
static void sb_add(struct sb *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void sb_add(struct sb *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        size_t room = b->cap - b->n;
        int k = vsnprintf(b->p ? b->p + b->n : NULL, b->p ? room : 0, fmt, ap);
        va_end(ap);
        if (k < 0)
            return;
        if (b->p && (size_t)k < room) {
            b->n += (size_t)k;
            return;
        }
        size_t nc = b->cap ? b->cap * 2 : 4096;
        while (nc < b->n + (size_t)k + 1)
            nc *= 2;
        char *q = realloc(b->p, nc);
        if (!q)
            exit(1);
        b->p = q;
        b->cap = nc;
    }
}

static int lower_eq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return 0;
    return *a == *b;
}

/* key=value fields of one command */
struct fields {
    char verb[32];
    int n;
    char k[MAXF][32];
    char v[MAXF][256];
};

static const char *fget(const struct fields *f, const char *k)
{
    for (int i = 0; i < f->n; i++)
        if (!strcmp(f->k[i], k))
            return f->v[i];
    return NULL;
}
static int64_t fint(const struct fields *f, const char *k, int64_t def)
{
    const char *v = fget(f, k);
    return v && *v ? strtoll(v, NULL, 10) : def;
}
static int64_t fdec(const struct fields *f, const char *k, int64_t def)
{
    const char *v = fget(f, k);
    pmc_micros m;
    if (!v || pmc_dec_parse(v, strlen(v), &m) != PMC_OK)
        return def;
    return m;
}

/* "verb k=v k=v" -> fields; 0 ok */
static int parse_fields(char *s, struct fields *f)
{
    memset(f, 0, sizeof *f);
    char *save = NULL;
    char *tok = strtok_r(s, " \t\r\n", &save);
    if (!tok || strlen(tok) >= sizeof f->verb)
        return -1;
    strcpy(f->verb, tok);
    while ((tok = strtok_r(NULL, " \t\r\n", &save))) {
        char *eq = strchr(tok, '=');
        if (!eq || f->n == MAXF || (size_t)(eq - tok) >= sizeof f->k[0] ||
            strlen(eq + 1) >= sizeof f->v[0])
            return -1;
        memcpy(f->k[f->n], tok, (size_t)(eq - tok));
        f->k[f->n][eq - tok] = '\0';
        strcpy(f->v[f->n], eq + 1);
        f->n++;
    }
    return 0;
}

static int chan_of(const char *s)
{
    if (!s)
        return -2;
    for (int i = 0; i < NCH; i++)
        if (!strcmp(s, chname[i]))
            return i;
    return !strcmp(s, "all") ? -1 : -2;
}

/* ---- state ------------------------------------------------------------ */

struct trade {
    char wallet[43], token[96], tx[67], market[67], slug[96], outcome[32];
    int sell, v, taker_role;
    int64_t log, px, sz, ts, at;
    int ts_default; /* ts = source clock at `at` (moves with --hold) */
    int64_t api_at; /* -1: never listed */
};

struct action {
    int64_t at;
    int seq;
    int kind; /* 0 command, 1 chain deliver, 2 rtds deliver */
    int trade;
    char *line;
};

struct msg {
    struct msg *next;
    size_t len, off;
    int close_after;
    unsigned char *buf; /* LWS_PRE + len */
};

#define MAXTOK 64
#define MAXMAKER 256
struct sess {
    struct sess *next;
    struct lws *wsi;
    int chan;
    int ws;
    int closing;
    /* chain */
    int subscribed;
    char subid[24];
    int any_addr, nvers, any_maker, nmaker;
    int vers[2];
    char addr[8][43];
    char (*maker)[43];
    /* book */
    int ntok;
    char tok[MAXTOK][96];
    /* rx assembly */
    char rx[65536];
    size_t rxn;
    /* out */
    struct msg *head, *tail;
    /* http */
    int http_status;
    char hdr_extra[256];
    unsigned char *body;
    size_t blen, boff;
    int headers_sent;
};

struct book {
    char token[96], market[67];
    char bids[512], asks[512];
};

static struct trade *g_tr;
static int g_ntr, g_captr;
static struct action *g_act;
static int g_nact, g_capact, g_next_act, g_seq;
static struct sess *g_sess;
static struct book g_books[64];
static int g_nbooks;
static int64_t g_silent_until[NCH], g_refuse_until[NCH];
static int g_http_status, g_http_count;
static int64_t g_http_retry_after = -1, g_http_reset = -1;
static int64_t g_slow_ms;
static int g_slow_count;
static int g_stop;
static int g_held; /* --hold: scenario clock not started yet */
static unsigned g_subseq;
static struct lws_context *g_ctx;

/* counters */
static uint64_t c_conns[NCH], c_subs[NCH], c_sent[NCH], c_dropped[NCH],
    c_refused[NCH], c_pings[NCH];
static uint64_t c_http, c_http_status[6], c_api_rows, c_slow, c_unsub;
static int64_t c_last_err_at = -1, c_last_err_status;
static int64_t c_gap_after_429 = -1, c_gap_after_5xx = -1;

static void add_action(int64_t at, int kind, int trade, const char *line)
{
    if (g_nact == g_capact) {
        g_capact = g_capact ? 2 * g_capact : 64;
        g_act = realloc(g_act, (size_t)g_capact * sizeof *g_act);
        if (!g_act)
            exit(1);
    }
    struct action *a = &g_act[g_nact++];
    a->at = at;
    a->seq = g_seq++;
    a->kind = kind;
    a->trade = trade;
    a->line = line ? xstrdup(line) : NULL;
}

static int act_cmp(const void *x, const void *y)
{
    const struct action *a = x, *b = y;
    if (a->at != b->at)
        return a->at < b->at ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* ---- output ----------------------------------------------------------- */

static void enqueue(struct sess *s, const char *data, size_t len,
                    int close_after)
{
    struct msg *m = xmalloc(sizeof *m);
    m->next = NULL;
    m->len = len;
    m->off = 0;
    m->close_after = close_after;
    m->buf = xmalloc(LWS_PRE + len);
    memcpy(m->buf + LWS_PRE, data, len);
    if (s->tail)
        s->tail->next = m;
    else
        s->head = m;
    s->tail = m;
    lws_callback_on_writable(s->wsi);
}

/* send unless the channel is silent; returns 1 when queued */
static int ws_send(struct sess *s, const char *data, size_t len)
{
    if (s->closing)
        return 0;
    if (rel_now() < g_silent_until[s->chan]) {
        c_dropped[s->chan]++;
        return 0;
    }
    enqueue(s, data, len, 0);
    return 1;
}

static void free_msgs(struct sess *s)
{
    while (s->head) {
        struct msg *m = s->head;
        s->head = m->next;
        free(m->buf);
        free(m);
    }
    s->tail = NULL;
}

static void close_sess(struct sess *s)
{
    if (s->closing)
        return;
    s->closing = 1;
    free_msgs(s);
    lws_set_timeout(s->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

/* ---- JSON builders ---------------------------------------------------- */

/* decimal string (<= 78 digits) -> 64 hex digits */
static void dec_to_word(const char *dec, char out[65])
{
    uint32_t limb[8] = {0}; /* little-endian 32-bit limbs */
    for (const char *p = dec; *p; p++) {
        if (*p < '0' || *p > '9')
            break;
        uint64_t carry = (uint64_t)(*p - '0');
        for (int i = 0; i < 8; i++) {
            uint64_t v = (uint64_t)limb[i] * 10 + carry;
            limb[i] = (uint32_t)v;
            carry = v >> 32;
        }
    }
    for (int i = 0; i < 8; i++)
        snprintf(out + 8 * i, 9, "%08x", limb[7 - i]);
}

static void u64_word(uint64_t v, char out[65])
{
    snprintf(out, 65, "%064llx", (unsigned long long)v);
}

static void addr_topic(const char *addr, char out[67])
{
    snprintf(out, 67, "0x000000000000000000000000%s", addr + 2);
}

static void fmt_dec(int64_t v, char *b)
{
    pmc_dec_format(v, b);
}

static void chain_log_json(const struct trade *t, int removed,
                           const char *subid, struct sb *b)
{
    char w[7][65], tok[65], mk[67], tk[67];
    int64_t cost = pmc_muldiv_floor(t->px, t->sz, PMC_MICRO);
    int64_t mamt = t->sell ? t->sz : cost, tamt = t->sell ? cost : t->sz;
    dec_to_word(t->token, tok);
    int nw;
    if (t->v == 1) {
        nw = 5;
        if (t->sell) {
            memcpy(w[0], tok, 65);
            u64_word(0, w[1]);
        } else {
            u64_word(0, w[0]);
            memcpy(w[1], tok, 65);
        }
        u64_word((uint64_t)mamt, w[2]);
        u64_word((uint64_t)tamt, w[3]);
        u64_word(0, w[4]);
    } else {
        nw = 7;
        u64_word((uint64_t)t->sell, w[0]);
        memcpy(w[1], tok, 65);
        u64_word((uint64_t)mamt, w[2]);
        u64_word((uint64_t)tamt, w[3]);
        for (int i = 4; i < 7; i++)
            u64_word(0, w[i]);
    }
    const char *ex = t->v == 1 ? EX_V1 : EX_V2;
    addr_topic(t->wallet, mk);
    addr_topic(
        t->taker_role ? ex : "0x00000000000000000000000000000000000000cc", tk);
    sb_add(b,
           "{\"jsonrpc\":\"2.0\",\"method\":\"eth_subscription\",\"params\":{"
           "\"subscription\":\"%s\",\"result\":{\"address\":\"%s\","
           "\"topics\":[\"%s\",\"0x%s\",\"%s\",\"%s\"],\"data\":\"0x",
           subid, ex, t->v == 1 ? TOPIC_V1 : TOPIC_V2, w[nw - 1], mk, tk);
    for (int i = 0; i < nw; i++)
        sb_add(b, "%s", w[i]);
    sb_add(b,
           "\",\"blockNumber\":\"0x%llx\",\"blockHash\":\"0x%064llx\","
           "\"blockTimestamp\":\"0x%llx\",\"transactionHash\":\"%s\","
           "\"transactionIndex\":\"0x0\",\"logIndex\":\"0x%llx\","
           "\"removed\":%s}}}",
           (unsigned long long)(t->ts / 2000),
           (unsigned long long)(t->ts / 2000),
           (unsigned long long)(t->ts / 1000), t->tx,
           (unsigned long long)t->log, removed ? "true" : "false");
}

static void trade_row_json(const struct trade *t, int activity, struct sb *b)
{
    char px[32], sz[32], usd[32];
    fmt_dec(t->px, px);
    fmt_dec(t->sz, sz);
    fmt_dec(pmc_muldiv_floor(t->px, t->sz, PMC_MICRO), usd);
    sb_add(b,
           "{\"proxyWallet\":\"%s\",\"timestamp\":%lld,\"conditionId\":\"%s\","
           "%s%s%s\"size\":%s,%s%s%s\"transactionHash\":\"%s\",\"price\":%s,"
           "\"asset\":\"%s\",\"side\":\"%s\",\"outcomeIndex\":0,"
           "\"title\":\"Fake market\",\"slug\":\"%s\",\"icon\":\"\","
           "\"eventSlug\":\"%s\",\"outcome\":\"%s\",\"name\":\"\","
           "\"pseudonym\":\"\",\"bio\":\"\",\"profileImage\":\"\","
           "\"profileImageOptimized\":\"\"}",
           t->wallet, (long long)(t->ts / 1000), t->market,
           activity ? "\"type\":\"TRADE\"" : "", activity ? "," : "", "", sz,
           activity ? "\"usdcSize\":" : "", activity ? usd : "",
           activity ? "," : "", t->tx, px, t->token, t->sell ? "SELL" : "BUY",
           t->slug, t->slug, t->outcome);
}

/* ---- delivery --------------------------------------------------------- */

static int chain_match(const struct sess *s, const struct trade *t)
{
    if (!s->subscribed)
        return 0;
    const char *ex = t->v == 1 ? EX_V1 : EX_V2;
    if (!s->any_addr) {
        int ok = 0;
        for (int i = 0; i < 8 && s->addr[i][0]; i++)
            ok |= lower_eq(s->addr[i], ex);
        if (!ok)
            return 0;
    }
    int vok = 0;
    for (int i = 0; i < s->nvers; i++)
        vok |= s->vers[i] == t->v;
    if (!vok)
        return 0;
    if (s->any_maker)
        return 1;
    for (int i = 0; i < s->nmaker; i++)
        if (lower_eq(s->maker[i], t->wallet))
            return 1;
    return 0;
}

static void deliver_chain(const struct trade *t, int removed)
{
    for (struct sess *s = g_sess; s; s = s->next) {
        if (s->chan != CH_CHAIN || !chain_match(s, t))
            continue;
        struct sb b = {0};
        chain_log_json(t, removed, s->subid, &b);
        if (ws_send(s, b.p, b.n))
            c_sent[CH_CHAIN]++;
        free(b.p);
    }
}

static void deliver_rtds(const struct trade *t)
{
    struct sb b = {0};
    sb_add(&b, "{\"connection_id\":\"fake\",\"payload\":");
    trade_row_json(t, 0, &b);
    sb_add(&b,
           ",\"timestamp\":%lld,\"topic\":\"activity\",\"type\":\"trades\"}",
           (long long)src_now());
    for (struct sess *s = g_sess; s; s = s->next)
        if (s->chan == CH_RTDS && s->subscribed && ws_send(s, b.p, b.n))
            c_sent[CH_RTDS]++;
    free(b.p);
}

static int sess_has_tok(const struct sess *s, const char *tok)
{
    for (int i = 0; i < s->ntok; i++)
        if (!strcmp(s->tok[i], tok))
            return 1;
    return 0;
}

static void deliver_book_event(const char *tok, const char *json, size_t n)
{
    for (struct sess *s = g_sess; s; s = s->next)
        if (s->chan == CH_BOOK && sess_has_tok(s, tok) && ws_send(s, json, n))
            c_sent[CH_BOOK]++;
}

static struct book *find_book(const char *tok)
{
    for (int i = 0; i < g_nbooks; i++)
        if (!strcmp(g_books[i].token, tok))
            return &g_books[i];
    return NULL;
}

/* levels "px:sz,px:sz" (best first) -> JSON array, best level LAST as the
 * venue sends it */
static void levels_json(const char *lv, struct sb *b)
{
    char tmp[512];
    snprintf(tmp, sizeof tmp, "%s", lv);
    char *items[64];
    int n = 0;
    char *save = NULL;
    for (char *it = strtok_r(tmp, ",", &save); it && n < 64;
         it = strtok_r(NULL, ",", &save))
        items[n++] = it;
    sb_add(b, "[");
    for (int i = n - 1; i >= 0; i--) {
        char *c = strchr(items[i], ':');
        if (!c)
            continue;
        *c = '\0';
        sb_add(b, "%s{\"price\":\"%s\",\"size\":\"%s\"}", i == n - 1 ? "" : ",",
               items[i], c + 1);
    }
    sb_add(b, "]");
}

static void book_json(const struct book *bk, struct sb *b)
{
    sb_add(b,
           "{\"event_type\":\"book\",\"asset_id\":\"%s\",\"market\":\"%s\","
           "\"timestamp\":\"%lld\",\"hash\":\"0xfake\",\"bids\":",
           bk->token, bk->market, (long long)src_now());
    levels_json(bk->bids, b);
    sb_add(b, ",\"asks\":");
    levels_json(bk->asks, b);
    sb_add(b, ",\"min_order_size\":\"5\",\"tick_size\":\"0.01\","
              "\"neg_risk\":false,\"last_trade_price\":\"0.5\"}");
}

static void send_books(struct sess *s, char (*toks)[96], int n)
{
    struct sb b = {0};
    int k = 0;
    sb_add(&b, "[");
    for (int i = 0; i < n; i++) {
        struct book *bk = find_book(toks[i]);
        if (!bk)
            continue;
        if (k++)
            sb_add(&b, ",");
        book_json(bk, &b);
    }
    sb_add(&b, "]");
    if (k && ws_send(s, b.p, b.n))
        c_sent[CH_BOOK]++;
    free(b.p);
}

/* ---- commands --------------------------------------------------------- */

static void for_chan(int ch, void (*fn)(struct sess *, const struct fields *),
                     const struct fields *f)
{
    for (struct sess *s = g_sess; s; s = s->next)
        if (s->ws && !s->closing && (ch == -1 || s->chan == ch))
            fn(s, f);
}

static void do_drop(struct sess *s, const struct fields *f)
{
    (void)f;
    close_sess(s);
}

static void do_malformed(struct sess *s, const struct fields *f)
{
    (void)f;
    static const char *const bad[] = {
        "{\"jsonrpc\":\"2.0\",\"method\":\"eth_subscription\",\"params\":{",
        "{\"topic\":\"activity\",\"type\":\"trades\",\"payload\":{\"size\":}",
        "[{\"event_type\":\"book\",\"asset_id\":"};
    if (ws_send(s, bad[s->chan], strlen(bad[s->chan])))
        c_sent[s->chan]++;
}

static void do_oversized(struct sess *s, const struct fields *f)
{
    size_t n = (size_t)fint(f, "bytes", 1200000);
    if (n < 16)
        n = 16;
    char *p = xmalloc(n);
    memset(p, 'x', n);
    memcpy(p, "{\"pad\":\"", 8);
    p[n - 2] = '"';
    p[n - 1] = '}';
    if (ws_send(s, p, n))
        c_sent[s->chan]++;
    free(p);
}

static int find_trade(const char *tx, int64_t log)
{
    for (int i = 0; i < g_ntr; i++)
        if (lower_eq(g_tr[i].tx, tx) && (log < 0 || g_tr[i].log == log))
            return i;
    return -1;
}

static int add_trade(int64_t at, const struct fields *f, int lineno);

static void run_command(const char *line_in)
{
    char line[4096];
    snprintf(line, sizeof line, "%s", line_in);
    struct fields f;
    if (parse_fields(line, &f) != 0)
        return;
    logf_("command %s", line_in);
    int ch = chan_of(fget(&f, "chan"));
    int64_t now = rel_now();
    if (!strcmp(f.verb, "trade")) {
        /* a trade fired through the control endpoint: from now on, each
         * source shows it after its own delay, like a scripted one */
        if (add_trade(now, &f, 0) == 0 && g_nact - g_next_act > 1)
            qsort(g_act + g_next_act, (size_t)(g_nact - g_next_act),
                  sizeof *g_act, act_cmp);
        return;
    }
    if (!strcmp(f.verb, "drop")) {
        for_chan(ch, do_drop, &f);
    } else if (!strcmp(f.verb, "silent") || !strcmp(f.verb, "refuse")) {
        int64_t *arr =
            !strcmp(f.verb, "silent") ? g_silent_until : g_refuse_until;
        for (int i = 0; i < NCH; i++)
            if (ch == -1 || ch == i)
                arr[i] = now + fint(&f, "ms", 1000);
    } else if (!strcmp(f.verb, "malformed")) {
        for_chan(ch, do_malformed, &f);
    } else if (!strcmp(f.verb, "oversized")) {
        for_chan(ch, do_oversized, &f);
    } else if (!strcmp(f.verb, "reorg")) {
        int i = find_trade(fget(&f, "tx") ? fget(&f, "tx") : "",
                           fint(&f, "log", -1));
        if (i >= 0)
            deliver_chain(&g_tr[i], 1);
    } else if (!strcmp(f.verb, "http")) {
        g_http_status = (int)fint(&f, "status", 500);
        g_http_count = (int)fint(&f, "count", 1);
        g_http_retry_after = fint(&f, "retry_after", -1);
        g_http_reset = fint(&f, "reset", -1);
    } else if (!strcmp(f.verb, "slow")) {
        g_slow_ms = fint(&f, "ms", 1000);
        g_slow_count = (int)fint(&f, "count", 1);
    } else if (!strcmp(f.verb, "book")) {
        const char *tok = fget(&f, "token");
        if (!tok)
            return;
        struct book *bk = find_book(tok);
        if (!bk && g_nbooks < 64)
            bk = &g_books[g_nbooks++];
        if (!bk)
            return;
        snprintf(bk->token, sizeof bk->token, "%s", tok);
        snprintf(bk->market, sizeof bk->market, "%s",
                 fget(&f, "market") ? fget(&f, "market") : "0xfeed");
        snprintf(bk->bids, sizeof bk->bids, "%s",
                 fget(&f, "bids") ? fget(&f, "bids") : "");
        snprintf(bk->asks, sizeof bk->asks, "%s",
                 fget(&f, "asks") ? fget(&f, "asks") : "");
        struct sb b = {0};
        sb_add(&b, "[");
        book_json(bk, &b);
        sb_add(&b, "]");
        deliver_book_event(tok, b.p, b.n);
        free(b.p);
    } else if (!strcmp(f.verb, "price_change") ||
               !strcmp(f.verb, "last_trade") || !strcmp(f.verb, "tick")) {
        const char *tok = fget(&f, "token");
        if (!tok)
            return;
        struct book *bk = find_book(tok);
        const char *mkt = bk ? bk->market : "0xfeed";
        struct sb b = {0};
        long long ts = (long long)src_now();
#define FV(k, d) (fget(&f, k) ? fget(&f, k) : (d))
        if (!strcmp(f.verb, "price_change"))
            sb_add(
                &b,
                "{\"event_type\":\"price_change\",\"market\":\"%s\","
                "\"timestamp\":\"%lld\",\"price_changes\":[{\"asset_id\":"
                "\"%s\",\"price\":\"%s\",\"size\":\"%s\",\"side\":\"%s\","
                "\"hash\":\"0x1\",\"best_bid\":\"%s\",\"best_ask\":\"%s\"}]}",
                mkt, ts, tok, FV("px", "0.5"), FV("sz", "1"), FV("side", "BUY"),
                FV("best_bid", ""), FV("best_ask", ""));
        else if (!strcmp(f.verb, "last_trade"))
            sb_add(&b,
                   "{\"event_type\":\"last_trade_price\",\"asset_id\":\"%s\","
                   "\"market\":\"%s\",\"price\":\"%s\",\"side\":\"%s\","
                   "\"size\":\"%s\",\"fee_rate_bps\":\"0\",\"timestamp\":"
                   "\"%lld\",\"transaction_hash\":\"0x1\"}",
                   tok, mkt, FV("px", "0.5"), FV("side", "BUY"), FV("sz", "1"),
                   ts);
        else
            sb_add(&b,
                   "{\"event_type\":\"tick_size_change\",\"asset_id\":\"%s\","
                   "\"market\":\"%s\",\"old_tick_size\":\"%s\","
                   "\"new_tick_size\":\"%s\",\"timestamp\":\"%lld\"}",
                   tok, mkt, FV("old", "0.01"), FV("new", "0.001"), ts);
#undef FV
        deliver_book_event(tok, b.p, b.n);
        free(b.p);
    } else if (!strcmp(f.verb, "exit")) {
        g_stop = 1;
    }
}

/* scenario `trade` line -> trade + delivery actions */
static int add_trade(int64_t at, const struct fields *f, int lineno)
{
    struct trade t;
    memset(&t, 0, sizeof t);
    const char *w = fget(f, "wallet"), *tok = fget(f, "token"),
               *tx = fget(f, "tx"), *side = fget(f, "side");
    t.px = fdec(f, "px", 0);
    t.sz = fdec(f, "sz", 0);
    if (!w || strlen(w) != 42 || !tok || strlen(tok) >= sizeof t.token || !tx ||
        strlen(tx) != 66 || !side || t.px <= 0 || t.px >= PMC_MICRO ||
        t.sz <= 0) {
        fprintf(stderr,
                "fake_feeds: line %d: trade needs wallet (0x+40 hex), token, "
                "side, px in (0,1), sz > 0, tx (0x+64 hex)\n",
                lineno);
        return -1;
    }
    for (int i = 0; i < 42; i++)
        t.wallet[i] = (char)tolower((unsigned char)w[i]);
    strcpy(t.token, tok);
    strcpy(t.tx, tx);
    snprintf(t.market, sizeof t.market, "%s",
             fget(f, "market") ? fget(f, "market") : "0xfeed");
    snprintf(t.slug, sizeof t.slug, "%s",
             fget(f, "slug") ? fget(f, "slug") : "fake-market");
    snprintf(t.outcome, sizeof t.outcome, "%s",
             fget(f, "outcome") ? fget(f, "outcome") : "Yes");
    t.sell = !strcmp(side, "SELL");
    t.v = (int)fint(f, "v", 2);
    t.taker_role = fget(f, "role") && !strcmp(fget(f, "role"), "taker");
    t.log = fint(f, "log", 0);
    t.at = at;
    t.ts = fint(f, "ts", g_base + at);
    t.ts_default = !fget(f, "ts");
    t.api_at = fget(f, "api") ? at + fint(f, "api", 0) : -1;
    if (g_ntr == g_captr) {
        g_captr = g_captr ? 2 * g_captr : 64;
        g_tr = realloc(g_tr, (size_t)g_captr * sizeof *g_tr);
        if (!g_tr)
            exit(1);
    }
    int idx = g_ntr++;
    g_tr[idx] = t;
    if (fget(f, "chain"))
        add_action(at + fint(f, "chain", 0), 1, idx, NULL);
    if (fget(f, "chain_dup"))
        add_action(at + fint(f, "chain_dup", 0), 1, idx, NULL);
    if (fget(f, "rtds"))
        add_action(at + fint(f, "rtds", 0), 2, idx, NULL);
    return 0;
}

static int load_scenario(const char *path)
{
    FILE *fp = fopen(path, "r");
    if (!fp) {
        fprintf(stderr, "fake_feeds: %s: %s\n", path, strerror(errno));
        return -1;
    }
    char line[4096];
    int lineno = 0;
    while (fgets(line, sizeof line, fp)) {
        lineno++;
        char *s = line;
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s == '#' || *s == '\n' || *s == '\r' || !*s)
            continue;
        char *end;
        long long at = strtoll(s, &end, 10);
        if (end == s || at < 0) {
            fprintf(stderr, "fake_feeds: %s:%d: expected <at_ms> <verb> ...\n",
                    path, lineno);
            fclose(fp);
            return -1;
        }
        s = end;
        while (*s == ' ' || *s == '\t')
            s++;
        char copy[4096];
        snprintf(copy, sizeof copy, "%s", s);
        struct fields f;
        if (parse_fields(copy, &f) != 0) {
            fprintf(stderr, "fake_feeds: %s:%d: bad key=value list\n", path,
                    lineno);
            fclose(fp);
            return -1;
        }
        if (!strcmp(f.verb, "trade")) {
            if (add_trade(at, &f, lineno) != 0) {
                fclose(fp);
                return -1;
            }
        } else {
            s[strcspn(s, "\r\n")] = '\0';
            add_action(at, 0, -1, s);
        }
    }
    fclose(fp);
    if (g_nact > 1)
        qsort(g_act, (size_t)g_nact, sizeof *g_act, act_cmp);
    return 0;
}

static void run_due(void)
{
    if (g_held)
        return;
    int64_t now = rel_now();
    while (g_next_act < g_nact && g_act[g_next_act].at <= now) {
        struct action *a = &g_act[g_next_act++];
        if (a->kind == 0)
            run_command(a->line);
        else if (a->kind == 1)
            deliver_chain(&g_tr[a->trade], 0);
        else
            deliver_rtds(&g_tr[a->trade]);
    }
}

/* ---- websocket input -------------------------------------------------- */

static void chain_rx(struct sess *s, const char *buf, size_t n)
{
    char tmp[65536];
    if (n >= sizeof tmp)
        return;
    memcpy(tmp, buf, n);
    tmp[n] = '\0';
    /* id: a number or a string; echoed as sent */
    char id[64] = "null";
    const char *p = strstr(tmp, "\"id\"");
    if (p) {
        p = strchr(p, ':');
        if (p) {
            p++;
            while (*p == ' ')
                p++;
            size_t k = strcspn(p, ",}");
            if (k < sizeof id) {
                memcpy(id, p, k);
                id[k] = '\0';
            }
        }
    }
    struct sb b = {0};
    if (strstr(tmp, "\"eth_subscribe\"")) {
        /* filter: addresses, topics[0] (string or array), topics[2] */
        s->any_addr = 1;
        memset(s->addr, 0, sizeof s->addr);
        const char *a = strstr(tmp, "\"address\"");
        if (a) {
            a = strchr(a, ':');
            const char *e = a ? strchr(a, ']') : NULL;
            int k = 0;
            for (const char *q = a; q && e && q < e && k < 8; q++)
                if (q[0] == '0' && q[1] == 'x' && q + 42 <= e + 1) {
                    memcpy(s->addr[k], q, 42);
                    s->addr[k++][42] = '\0';
                    q += 41;
                }
            s->any_addr = k == 0;
        }
        const char *t = strstr(tmp, "\"topics\"");
        s->nvers = 0;
        s->nmaker = 0;
        s->any_maker = 1;
        if (t) {
            if (strstr(t, TOPIC_V2 + 2))
                s->vers[s->nvers++] = 2;
            if (strstr(t, TOPIC_V1 + 2))
                s->vers[s->nvers++] = 1;
            /* topic 2: after the second top-level comma of the array */
            const char *q = strchr(t, '[');
            int depth = 0, commas = 0;
            for (; q && *q; q++) {
                if (*q == '[')
                    depth++;
                else if (*q == ']') {
                    if (--depth == 0)
                        break;
                } else if (*q == ',' && depth == 1 && ++commas == 2) {
                    q++;
                    break;
                }
            }
            if (commas == 2 && q) {
                while (*q == ' ')
                    q++;
                if (strncmp(q, "null", 4) != 0) {
                    s->any_maker = 0;
                    if (!s->maker)
                        s->maker = xmalloc(MAXMAKER * sizeof *s->maker);
                    const char *e = *q == '[' ? strchr(q, ']') : q + 68;
                    for (const char *r = q; e && r < e && s->nmaker < MAXMAKER;
                         r++)
                        if (r[0] == '0' && r[1] == 'x' && r + 66 <= e) {
                            snprintf(s->maker[s->nmaker++], 43, "0x%.40s",
                                     r + 26);
                            r += 65;
                        }
                }
            }
        }
        if (s->nvers == 0)
            s->vers[s->nvers++] = 2;
        snprintf(s->subid, sizeof s->subid, "0x%x", 0xa000 + ++g_subseq);
        s->subscribed = 1;
        c_subs[CH_CHAIN]++;
        sb_add(&b, "{\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":\"%s\"}", id,
               s->subid);
    } else if (strstr(tmp, "\"eth_unsubscribe\"")) {
        s->subscribed = 0;
        c_unsub++;
        sb_add(&b, "{\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":true}", id);
    } else if (strstr(tmp, "\"eth_blockNumber\"")) {
        c_pings[CH_CHAIN]++;
        sb_add(&b, "{\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":\"0x%llx\"}", id,
               (unsigned long long)(src_now() / 2000));
    } else {
        sb_add(&b,
               "{\"jsonrpc\":\"2.0\",\"id\":%s,\"error\":{\"code\":-32601,"
               "\"message\":\"the method does not exist\"}}",
               id);
    }
    if (ws_send(s, b.p, b.n))
        c_sent[CH_CHAIN]++;
    free(b.p);
}

static int parse_assets(const char *tmp, char (*out)[96], int max)
{
    const char *a = strstr(tmp, "\"assets_ids\"");
    if (!a)
        return 0;
    a = strchr(a, '[');
    const char *e = a ? strchr(a, ']') : NULL;
    int n = 0;
    while (a && e && a < e && n < max) {
        const char *q = strchr(a, '"');
        if (!q || q > e)
            break;
        const char *r = strchr(q + 1, '"');
        if (!r || r > e || r - q - 1 >= 96)
            break;
        memcpy(out[n], q + 1, (size_t)(r - q - 1));
        out[n++][r - q - 1] = '\0';
        a = r + 1;
    }
    return n;
}

static void book_rx(struct sess *s, const char *buf, size_t n)
{
    if (n == 4 && !memcmp(buf, "PING", 4)) {
        c_pings[CH_BOOK]++;
        ws_send(s, "PONG", 4);
        return;
    }
    char tmp[65536];
    if (n >= sizeof tmp)
        return;
    memcpy(tmp, buf, n);
    tmp[n] = '\0';
    char toks[MAXTOK][96];
    int k = parse_assets(tmp, toks, MAXTOK);
    if (strstr(tmp, "\"unsubscribe\"")) {
        for (int i = 0; i < k; i++)
            for (int j = 0; j < s->ntok; j++)
                if (!strcmp(s->tok[j], toks[i])) {
                    memcpy(s->tok[j], s->tok[--s->ntok], 96);
                    break;
                }
        return;
    }
    if (strstr(tmp, "\"type\"") && strstr(tmp, "\"market\""))
        s->ntok = 0; /* a new subscription replaces the set */
    char added[MAXTOK][96];
    int na = 0;
    for (int i = 0; i < k; i++)
        if (!sess_has_tok(s, toks[i]) && s->ntok < MAXTOK) {
            strcpy(s->tok[s->ntok++], toks[i]);
            strcpy(added[na++], toks[i]);
        }
    c_subs[CH_BOOK]++;
    send_books(s, added, na);
}

static void rtds_rx(struct sess *s, const char *buf, size_t n)
{
    if (n == 4 && (!memcmp(buf, "ping", 4) || !memcmp(buf, "PING", 4))) {
        c_pings[CH_RTDS]++;
        ws_send(s, buf[0] == 'p' ? "pong" : "PONG", 4);
        return;
    }
    char tmp[8192];
    if (n >= sizeof tmp)
        return;
    memcpy(tmp, buf, n);
    tmp[n] = '\0';
    if (strstr(tmp, "\"subscribe\"") && strstr(tmp, "\"activity\"")) {
        s->subscribed = 1;
        c_subs[CH_RTDS]++;
    } else if (strstr(tmp, "\"unsubscribe\"")) {
        s->subscribed = 0;
    }
}

/* ---- data API --------------------------------------------------------- */

static const char *arg_of(struct lws *wsi, const char *name, char *buf, int cap)
{
    size_t nl = strlen(name);
    for (int i = 0; i < 32; i++) {
        int k =
            lws_hdr_copy_fragment(wsi, buf, cap, WSI_TOKEN_HTTP_URI_ARGS, i);
        if (k < 0)
            break;
        if (!strncmp(buf, name, nl) && buf[nl] == '=')
            return buf + nl + 1;
    }
    return NULL;
}

static int cmp_ts_asc(const void *x, const void *y)
{
    const struct trade *a = *(const struct trade *const *)x,
                       *b = *(const struct trade *const *)y;
    if (a->ts != b->ts)
        return a->ts < b->ts ? -1 : 1;
    return a->log < b->log ? -1 : a->log > b->log;
}

static void api_body(struct lws *wsi, const char *uri, struct sb *b)
{
    int activity = !strcmp(uri, "/activity");
    char ab[256], user[64] = "";
    const char *v = arg_of(wsi, "user", ab, sizeof ab);
    if (v)
        snprintf(user, sizeof user, "%s", v);
    v = arg_of(wsi, "limit", ab, sizeof ab);
    int64_t limit = v ? strtoll(v, NULL, 10) : 100;
    v = arg_of(wsi, "offset", ab, sizeof ab);
    int64_t offset = v ? strtoll(v, NULL, 10) : 0;
    v = arg_of(wsi, "start", ab, sizeof ab);
    int64_t start = v ? strtoll(v, NULL, 10) : -1;
    v = arg_of(wsi, "end", ab, sizeof ab);
    int64_t end = v ? strtoll(v, NULL, 10) : -1;
    v = arg_of(wsi, "sortDirection", ab, sizeof ab);
    int asc = activity && v && !strcmp(v, "ASC");
    if (!activity)
        asc = 0;
    int64_t now = rel_now();
    const struct trade **rows = xmalloc((size_t)(g_ntr + 1) * sizeof *rows);
    int n = 0;
    for (int i = 0; i < g_ntr; i++) {
        const struct trade *t = &g_tr[i];
        if (g_held || t->api_at < 0 || t->api_at > now)
            continue;
        if (user[0] && !lower_eq(user, t->wallet))
            continue;
        if (start >= 0 && t->ts / 1000 < start)
            continue;
        if (end >= 0 && t->ts / 1000 > end)
            continue;
        rows[n++] = t;
    }
    if (n > 1)
        qsort(rows, (size_t)n, sizeof *rows, cmp_ts_asc);
    sb_add(b, "[");
    int k = 0;
    for (int64_t i = offset; i < n && k < limit; i++, k++) {
        const struct trade *t = asc ? rows[i] : rows[n - 1 - i];
        if (k)
            sb_add(b, ",");
        trade_row_json(t, activity, b);
    }
    sb_add(b, "]");
    c_api_rows += (uint64_t)k;
    free(rows);
}

static void stats_body(struct sb *b)
{
    for (int i = 0; i < NCH; i++)
        sb_add(b,
               "%s_conns=%llu\n%s_subs=%llu\n%s_sent=%llu\n%s_lost=%llu\n"
               "%s_refused=%llu\n%s_pings=%llu\n",
               chname[i], (unsigned long long)c_conns[i], chname[i],
               (unsigned long long)c_subs[i], chname[i],
               (unsigned long long)c_sent[i], chname[i],
               (unsigned long long)c_dropped[i], chname[i],
               (unsigned long long)c_refused[i], chname[i],
               (unsigned long long)c_pings[i]);
    sb_add(b,
           "api_requests=%llu\napi_rows=%llu\napi_200=%llu\napi_429=%llu\n"
           "api_5xx=%llu\napi_slow=%llu\ngap_after_429_ms=%lld\n"
           "gap_after_5xx_ms=%lld\nchain_unsubscribes=%llu\n",
           (unsigned long long)c_http, (unsigned long long)c_api_rows,
           (unsigned long long)c_http_status[2],
           (unsigned long long)c_http_status[4],
           (unsigned long long)c_http_status[5], (unsigned long long)c_slow,
           (long long)c_gap_after_429, (long long)c_gap_after_5xx,
           (unsigned long long)c_unsub);
}

static int send_headers(struct lws *wsi, struct sess *s)
{
    unsigned char hb[LWS_PRE + 1024], *start = hb + LWS_PRE, *p = start,
                                      *end = hb + sizeof hb - 1;
    if (lws_add_http_common_headers(wsi, (unsigned)s->http_status,
                                    "application/json", s->blen, &p, end))
        return -1;
    if (s->hdr_extra[0]) {
        char tmp[256];
        snprintf(tmp, sizeof tmp, "%s", s->hdr_extra);
        char *save = NULL;
        for (char *h = strtok_r(tmp, "\n", &save); h;
             h = strtok_r(NULL, "\n", &save)) {
            char *c = strchr(h, ' ');
            if (!c)
                continue;
            *c = '\0';
            if (lws_add_http_header_by_name(wsi, (unsigned char *)h,
                                            (unsigned char *)c + 1,
                                            (int)strlen(c + 1), &p, end))
                return -1;
        }
    }
    if (lws_finalize_write_http_header(wsi, start, &p, end))
        return -1;
    s->headers_sent = 1;
    lws_callback_on_writable(wsi);
    return 0;
}

static int http_request(struct lws *wsi, struct sess *s, const char *uri)
{
    free(s->body);
    s->body = NULL;
    s->blen = s->boff = 0;
    s->headers_sent = 0;
    s->hdr_extra[0] = '\0';
    s->http_status = 200;
    struct sb b = {0};
    int64_t now = rel_now();
    int64_t delay = 0;
    if (!strncmp(uri, "/_control/", 10)) {
        const char *verb = uri + 10;
        if (!strcmp(verb, "stats")) {
            stats_body(&b);
        } else if (!strcmp(verb, "start")) {
            if (g_held) {
                /* the source clock and the scripted times move together:
                 * the source clock still reads the wall clock */
                int64_t d = mono_ms() - g_t0;
                g_held = 0;
                g_t0 += d;
                g_base += d;
                for (int i = 0; i < g_ntr; i++)
                    if (g_tr[i].ts_default)
                        g_tr[i].ts += d;
                logf_("scenario clock started");
            }
            sb_add(&b, "ok\n");
        } else {
            struct sb line = {0};
            sb_add(&line, "%s", verb);
            char ab[300];
            for (int i = 0; i < MAXF; i++) {
                int k = lws_hdr_copy_fragment(wsi, ab, sizeof ab,
                                              WSI_TOKEN_HTTP_URI_ARGS, i);
                if (k < 0)
                    break;
                sb_add(&line, " %s", ab);
            }
            run_command(line.p);
            free(line.p);
            sb_add(&b, "ok\n");
        }
    } else if (!strcmp(uri, "/trades") || !strcmp(uri, "/activity")) {
        c_http++;
        if (c_last_err_at >= 0) {
            int64_t gap = now - c_last_err_at;
            int64_t *slot =
                c_last_err_status == 429 ? &c_gap_after_429 : &c_gap_after_5xx;
            if (*slot < 0 || gap < *slot)
                *slot = gap;
            c_last_err_at = -1;
        }
        if (g_http_count > 0) {
            g_http_count--;
            s->http_status = g_http_status;
            sb_add(&b, "{\"error\":\"scripted %d\"}", g_http_status);
            if (g_http_retry_after >= 0)
                snprintf(s->hdr_extra, sizeof s->hdr_extra,
                         "retry-after: %lld\n", (long long)g_http_retry_after);
            if (g_http_reset >= 0) {
                size_t l = strlen(s->hdr_extra);
                snprintf(s->hdr_extra + l, sizeof s->hdr_extra - l,
                         "x-ratelimit-reset: %lld\n",
                         (long long)((src_now() + 999) / 1000 + g_http_reset));
            }
            if (g_http_status == 429 || g_http_status >= 500) {
                c_last_err_at = now;
                c_last_err_status = g_http_status;
            }
        } else {
            api_body(wsi, uri, &b);
        }
        int cls = s->http_status / 100;
        if (cls >= 0 && cls < 6)
            c_http_status[cls]++;
        if (g_slow_count > 0) {
            g_slow_count--;
            c_slow++;
            delay = g_slow_ms;
        }
        logf_("GET %s -> %d%s", uri, s->http_status, delay ? " (slow)" : "");
    } else {
        s->http_status = 404;
        sb_add(&b, "{\"error\":\"not found\"}");
    }
    s->blen = b.n;
    s->body = xmalloc(LWS_PRE + b.n);
    memcpy(s->body + LWS_PRE, b.p ? b.p : "", b.n);
    free(b.p);
    if (delay > 0) {
        lws_set_timer_usecs(wsi, (lws_usec_t)delay * 1000);
        return 0;
    }
    return send_headers(wsi, s);
}

/* ---- the protocol ----------------------------------------------------- */

static void unlink_sess(struct sess *s)
{
    for (struct sess **pp = &g_sess; *pp; pp = &(*pp)->next)
        if (*pp == s) {
            *pp = s->next;
            break;
        }
    free_msgs(s);
    free(s->maker);
    s->maker = NULL;
}

static int cb(struct lws *wsi, enum lws_callback_reasons reason, void *user,
              void *in, size_t len)
{
    struct sess *s = user;
    switch (reason) {
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: {
        char uri[256] = "";
        lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI);
        int ch = !strncmp(uri, "/ws/market", 10) ? CH_BOOK
                 : !strncmp(uri, "/rtds", 5)     ? CH_RTDS
                                                 : CH_CHAIN;
        if (rel_now() < g_refuse_until[ch]) {
            c_refused[ch]++;
            return 1;
        }
        return 0;
    }
    case LWS_CALLBACK_ESTABLISHED: {
        char uri[256] = "";
        lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI);
        memset(s, 0, sizeof *s);
        s->wsi = wsi;
        s->ws = 1;
        s->chan = !strncmp(uri, "/ws/market", 10) ? CH_BOOK
                  : !strncmp(uri, "/rtds", 5)     ? CH_RTDS
                                                  : CH_CHAIN;
        s->next = g_sess;
        g_sess = s;
        c_conns[s->chan]++;
        logf_("%s connection %s", chname[s->chan], uri);
        return 0;
    }
    case LWS_CALLBACK_RECEIVE: {
        if (!s->ws || s->closing)
            return 0;
        if (s->rxn + len < sizeof s->rx) {
            memcpy(s->rx + s->rxn, in, len);
            s->rxn += len;
        } else {
            s->rxn = sizeof s->rx; /* too long: dropped at the end */
        }
        if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
            return 0;
        size_t n = s->rxn;
        s->rxn = 0;
        if (n >= sizeof s->rx)
            return 0;
        if (rel_now() < g_silent_until[s->chan])
            return 0; /* silent: ignore everything, answer nothing */
        if (s->chan == CH_CHAIN)
            chain_rx(s, s->rx, n);
        else if (s->chan == CH_RTDS)
            rtds_rx(s, s->rx, n);
        else
            book_rx(s, s->rx, n);
        return 0;
    }
    case LWS_CALLBACK_SERVER_WRITEABLE: {
        if (!s->ws || s->closing || !s->head)
            return 0;
        struct msg *m = s->head;
        size_t chunk = 65536, left = m->len - m->off;
        size_t k = left > chunk ? chunk : left;
        int first = m->off == 0, last = k == left;
        int flags = lws_write_ws_flags(LWS_WRITE_TEXT, first, last);
        /* the LWS_PRE bytes before a later fragment were already sent */
        if (lws_write(wsi, m->buf + LWS_PRE + m->off, k,
                      (enum lws_write_protocol)flags) < (int)k)
            return -1;
        m->off += k;
        if (m->off == m->len) {
            s->head = m->next;
            if (!s->head)
                s->tail = NULL;
            free(m->buf);
            free(m);
        }
        if (s->head)
            lws_callback_on_writable(wsi);
        return 0;
    }
    case LWS_CALLBACK_CLOSED:
        if (s->ws) {
            logf_("%s connection closed", chname[s->chan]);
            unlink_sess(s);
            s->ws = 0;
        }
        return 0;
    case LWS_CALLBACK_HTTP: {
        memset(s, 0, sizeof *s);
        s->chan = CH_HTTP;
        s->wsi = wsi;
        char uri[256];
        snprintf(uri, sizeof uri, "%s", (const char *)in);
        if (http_request(wsi, s, uri) < 0)
            return -1;
        return 0;
    }
    case LWS_CALLBACK_TIMER:
        if (s && s->chan == CH_HTTP && s->body && !s->headers_sent)
            return send_headers(wsi, s) < 0 ? -1 : 0;
        return 0;
    case LWS_CALLBACK_HTTP_WRITEABLE: {
        if (!s || !s->body || !s->headers_sent)
            return 0;
        size_t left = s->blen - s->boff, k = left > 16384 ? 16384 : left;
        int last = k == left;
        if (lws_write(wsi, s->body + LWS_PRE + s->boff, k,
                      last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) < (int)k)
            return -1;
        s->boff += k;
        if (!last) {
            lws_callback_on_writable(wsi);
            return 0;
        }
        free(s->body);
        s->body = NULL;
        if (lws_http_transaction_completed(wsi))
            return -1;
        return 0;
    }
    case LWS_CALLBACK_CLOSED_HTTP:
        if (s && s->chan == CH_HTTP) {
            free(s->body);
            s->body = NULL;
        }
        return 0;
    default:
        return 0;
    }
}

static const struct lws_protocols protocols[] = {
    {"fake", cb, sizeof(struct sess), 65536, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0}};

static lws_sorted_usec_list_t g_tick;
static void tick_cb(lws_sorted_usec_list_t *sul)
{
    run_due();
    lws_sul_schedule(g_ctx, 0, sul, tick_cb, 2000);
}

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

int main(int argc, char **argv)
{
    int port = 0;
    double max_s = 60;
    const char *scen = NULL;
    g_base = -1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--port") && i + 1 < argc)
            port = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--scenario") && i + 1 < argc)
            scen = argv[++i];
        else if (!strcmp(argv[i], "--max-seconds") && i + 1 < argc)
            max_s = atof(argv[++i]);
        else if (!strcmp(argv[i], "--base-ms") && i + 1 < argc)
            g_base = strtoll(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--log"))
            g_log = 1;
        else if (!strcmp(argv[i], "--hold"))
            g_held = 1;
        else {
            fprintf(stderr,
                    "usage: fake_feeds [--port N] [--scenario FILE] "
                    "[--max-seconds S] [--base-ms MS] [--hold] [--log]\n");
            return 2;
        }
    }
    g_t0 = mono_ms();
    if (g_base < 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        g_base = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    }
    if (scen && load_scenario(scen) != 0)
        return 2;
    signal(SIGPIPE, SIG_IGN);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    setvbuf(stdout, NULL, _IOLBF, 0);
    lws_set_log_level(g_log ? LLL_ERR | LLL_WARN : LLL_ERR, NULL);
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = port;
    info.iface = "127.0.0.1";
    info.protocols = protocols;
    info.gid = (gid_t)-1;
    info.uid = (uid_t)-1;
    info.options = LWS_SERVER_OPTION_DISABLE_IPV6;
    g_ctx = lws_create_context(&info);
    if (!g_ctx) {
        fprintf(stderr, "fake_feeds: cannot listen on 127.0.0.1:%d\n", port);
        return 1;
    }
    struct lws_vhost *vh = lws_get_vhost_by_name(g_ctx, "default");
    int real = vh ? lws_get_vhost_listen_port(vh) : port;
    printf("listening port=%d\n", real);
    lws_sul_schedule(g_ctx, 0, &g_tick, tick_cb, 2000);
    int64_t deadline = (int64_t)(max_s * 1000);
    while (!g_stop && rel_now() < deadline) {
        if (lws_service(g_ctx, 0) < 0)
            break;
        run_due();
    }
    lws_context_destroy(g_ctx);
    for (int i = 0; i < g_nact; i++)
        free(g_act[i].line);
    free(g_act);
    free(g_tr);
    return 0;
}
