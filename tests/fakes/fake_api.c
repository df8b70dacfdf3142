/* tests/fakes/fake_api.c - a loopback stand-in for Polymarket's public HTTP
 * APIs, for `pmcopy fetch`'s tests and benchmark.
 *
 * It decides what a history server answers: the Data API's legacy
 * /activity, /trades and /v1/leaderboard (bare camelCase arrays, offset
 * paging, 400 past the offset cap, /trades dropping maker fills unless
 * takerOnly=false, the leaderboard's DAY default), the v2 cursor routes
 * /v2/activity and /v2/trades (snake_case rows in a {data, pagination}
 * envelope, an offset parameter is a 400; switchable off to 404), Gamma
 * /markets (id, condition_ids, repeated clob_token_ids; without closed=
 * resolved markets are hidden; 414 on a long request line) and the CLOB's
 * /prices-history. The data set is generated from a seed and a few counts:
 * wallets with TRADE, SPLIT, MERGE and REDEEM rows, markets with maker and
 * taker prints, identical fills in one transaction, an optional burst of
 * rows in one second, resolved and open markets.
 *
 * It never connects anywhere: one process, one thread, a poll() loop,
 * HTTP/1.1 with keep-alive on 127.0.0.1 only. Faults (429 + Retry-After,
 * 5xx, slow answers, truncated bodies, a latency ramp) are armed with
 * --fault or /_control/fault. /_control/stats counts requests per route,
 * statuses and rows; /_control/served lists every row served as one
 * canonical line (the tape's field spelling) so a test can check that each
 * is in the tape exactly once; /_control/dataset lists the whole data set.
 *
 * Usage: fake_api --help. Prints "listening port=N" first; exits after
 * --max-seconds (default 60). docs/fakes.md has the control API. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
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

#define MAX_CONNS 256
#define IN_MAX (256 * 1024)
#define MAX_FAULTS 32
#define MAX_PARAMS 1024
#define MAX_WALLETS 1000
#define MAX_MARKETS 10000
#define MAX_ROWS 20000000L
#define SERVED_MAX 10000000L /* 120 MB; past it /_control/served fails */
#define NOBODY INT32_MIN     /* a wallet filter no row matches */
#define NOTHER 64            /* counterparties that are not followed wallets */

/* ---- the data set --------------------------------------------------------
 */

enum kind { K_TRADE, K_SPLIT, K_MERGE, K_REDEEM };
static const char *const KIND_NAME[] = {"TRADE", "SPLIT", "MERGE", "REDEEM"};
static const char *const KIND_LOWER[] = {"fill", "split", "merge", "redeem"};

struct row {
    int64_t ts; /* seconds */
    pmc_micros px, sz, usd;
    uint32_t seq; /* order of creation: ties on ts sort by it */
    uint32_t tx;
    int32_t wallet; /* < 0: counterparty -1 - k */
    int32_t market;
    uint8_t kind, side, outcome, maker;
};

struct market {
    char id[16];
    char cond[67];
    char tok[2][80];
    char slug[48];
    int64_t end; /* seconds */
    int closed;
    int win; /* resolved: the winning outcome */
    pmc_micros tick;
    int fees, negrisk;
    uint32_t *prints; /* row indices, sorted by (ts, seq) */
    size_t nprints, capprints;
};

struct wallet {
    char addr[43];
    uint32_t *rows; /* activity, sorted by (ts, seq) */
    size_t n, cap;
};

static struct {
    /* parameters */
    uint64_t seed;
    int nwallets, nmarkets, rows, prints, dups, board, open_every;
    long burst;
    int64_t start, span, burst_at;
    int limit_max, trades_limit_max, offset_cap, max_line, log;
    int v2_act, v2_trades; /* the v2 routes exist (else 404) */
    /* data */
    struct row *rows_all;
    size_t nrows, caprows;
    uint32_t ntx;
    struct wallet w[MAX_WALLETS];
    struct market *m;
} D;

static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static uint64_t rng_state;
static uint64_t rnd(uint64_t n)
{
    rng_state = mix(rng_state);
    return n ? rng_state % n : 0;
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("fake_api: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (!q)
        die("out of memory (%zu bytes)", n);
    return q;
}

static void tx_hash(uint32_t tx, char out[67])
{
    uint64_t h = mix(D.seed * 7919 + tx);
    snprintf(out, 67, "0x%016" PRIx64 "%016" PRIx64 "%016" PRIx64 "%016" PRIx64,
             h, mix(h + 1), mix(h + 2), (uint64_t)tx);
}

static void other_addr(int k, char out[43])
{
    snprintf(out, 43, "0x%040x", 0xb0000 + k);
}

static void row_addr(const struct row *r, char out[43])
{
    if (r->wallet >= 0)
        snprintf(out, 43, "%s", D.w[r->wallet].addr);
    else
        other_addr(-1 - r->wallet, out);
}

static uint32_t add_row(const struct row *r0)
{
    if (D.nrows >= (size_t)MAX_ROWS)
        die("the data set is larger than %ld rows", MAX_ROWS);
    if (D.nrows == D.caprows) {
        D.caprows = D.caprows ? D.caprows * 2 : 4096;
        D.rows_all = xrealloc(D.rows_all, D.caprows * sizeof *D.rows_all);
    }
    struct row *r = &D.rows_all[D.nrows];
    *r = *r0;
    r->seq = (uint32_t)D.nrows;
    if (r->kind == K_TRADE)
        r->usd = pmc_muldiv_floor(r->px, r->sz, PMC_MICRO);
    return (uint32_t)D.nrows++;
}

static void push(uint32_t **a, size_t *n, size_t *cap, uint32_t v)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 256;
        *a = xrealloc(*a, *cap * sizeof **a);
    }
    (*a)[(*n)++] = v;
}

static void index_row(uint32_t i)
{
    const struct row *r = &D.rows_all[i];
    if (r->wallet >= 0)
        push(&D.w[r->wallet].rows, &D.w[r->wallet].n, &D.w[r->wallet].cap, i);
    if (r->kind == K_TRADE) {
        struct market *m = &D.m[r->market];
        push(&m->prints, &m->nprints, &m->capprints, i);
    }
}

static pmc_micros rnd_px(const struct market *m)
{
    int64_t steps = PMC_MICRO / m->tick; /* 100 or 1000 */
    return (pmc_micros)(1 + (int64_t)rnd((uint64_t)(steps - 1))) * m->tick;
}

static pmc_micros rnd_sz(void)
{
    return (pmc_micros)(1 + rnd(20000)) * (PMC_MICRO / 100);
}

/* One match: `nmk` maker rows (identical when `ident`) and the taker's row
 * in one transaction. wallet < 0 picks counterparties. */
static void add_match(int64_t ts, int mk, int taker, int maker, int nmk,
                      int ident)
{
    struct market *m = &D.m[mk];
    struct row r;
    memset(&r, 0, sizeof r);
    r.ts = ts;
    r.market = mk;
    r.kind = K_TRADE;
    r.outcome = (uint8_t)rnd(2);
    r.px = rnd_px(m);
    r.tx = D.ntx++;
    int tside = (int)rnd(2);
    pmc_micros total = 0, sz = rnd_sz();
    for (int k = 0; k < nmk; k++) {
        r.wallet = k == 0 || ident ? maker : -1 - (int)rnd(NOTHER);
        if (!ident && k > 0)
            sz = rnd_sz();
        r.sz = sz;
        r.side = (uint8_t)(1 - tside);
        r.maker = 1;
        total += sz;
        index_row(add_row(&r));
    }
    r.wallet = taker;
    r.sz = total;
    r.side = (uint8_t)tside;
    r.maker = 0;
    index_row(add_row(&r));
}

static int other(void)
{
    return -1 - (int)rnd(NOTHER);
}

static void token_id(uint64_t h, char out[80])
{
    /* 77 decimal digits, as the venue's uint256 token ids */
    int n = snprintf(out, 80, "%" PRIu64, 1 + h % 9);
    for (int i = 1; n < 77; i++)
        n += snprintf(out + n, (size_t)(80 - n), "%018" PRIu64,
                      mix(h + (uint64_t)i) % UINT64_C(1000000000000000000));
    out[77] = '\0';
}

static int cmp_rows(const void *a, const void *b)
{
    const struct row *x = &D.rows_all[*(const uint32_t *)a];
    const struct row *y = &D.rows_all[*(const uint32_t *)b];
    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void generate(void)
{
    rng_state = D.seed;
    D.m = calloc((size_t)D.nmarkets, sizeof *D.m);
    if (!D.m)
        die("out of memory");
    for (int i = 0; i < D.nmarkets; i++) {
        struct market *m = &D.m[i];
        uint64_t h = mix(D.seed * 31 + (uint64_t)i);
        snprintf(m->id, sizeof m->id, "%d", 500000 + i);
        snprintf(m->cond, sizeof m->cond,
                 "0x%016" PRIx64 "%016" PRIx64 "%016" PRIx64 "%016" PRIx64, h,
                 mix(h ^ 1), mix(h ^ 2), mix(h ^ 3));
        token_id(mix(h ^ 4), m->tok[0]);
        token_id(mix(h ^ 5), m->tok[1]);
        snprintf(m->slug, sizeof m->slug, "fake-market-%d", i);
        m->closed = D.open_every == 0 || i % D.open_every != D.open_every - 1;
        m->win = (int)(h >> 40) & 1;
        m->tick = i % 3 == 2 ? PMC_MICRO / 1000 : PMC_MICRO / 100;
        m->fees = i % 4 == 1;
        m->negrisk = i % 5 == 3;
        m->end = m->closed ? D.start + D.span
                           : D.start + D.span + 30 * 86400 + 3600 * i;
    }
    for (int i = 0; i < D.nwallets; i++)
        snprintf(D.w[i].addr, sizeof D.w[i].addr, "0x%040x", 0xa0001 + i);
    /* the markets' own prints between counterparties */
    for (int mk = 0; mk < D.nmarkets; mk++)
        for (int p = 0; p < D.prints; p++)
            add_match(D.start + (int64_t)rnd((uint64_t)D.span), mk, other(),
                      other(), 1 + (int)rnd(2), 0);
    /* the followed wallets' activity */
    for (int w = 0; w < D.nwallets; w++) {
        for (int k = 0; k < D.rows; k++) {
            int64_t ts = D.start + (int64_t)rnd((uint64_t)D.span);
            int mk = (int)rnd((uint64_t)D.nmarkets);
            int what = k % 20;
            if (what == 19 && !D.m[mk].closed)
                what = 0;
            if (what >= 17) {
                struct row r;
                memset(&r, 0, sizeof r);
                r.ts = ts;
                r.wallet = w;
                r.market = mk;
                r.kind = (uint8_t)(what - 17 + K_SPLIT);
                r.sz = rnd_sz();
                r.usd = r.sz;
                r.tx = D.ntx++;
                index_row(add_row(&r));
            } else if (D.dups > 0 && k % D.dups == 0) {
                /* a market maker's identical fills in one transaction */
                add_match(ts, mk, other(), w, 2 + (int)rnd(3), 1);
            } else if (rnd(3) == 0) {
                add_match(ts, mk, other(), w, 1 + (int)rnd(2), 0);
            } else {
                add_match(ts, mk, w, other(), 1 + (int)rnd(2), 0);
            }
        }
    }
    /* many rows of wallet 0 in one second */
    for (long k = 0; k < D.burst && D.nwallets > 0; k++)
        add_match(D.burst_at, 1 % D.nmarkets, 0, other(), 1, 0);
    for (int w = 0; w < D.nwallets; w++)
        qsort(D.w[w].rows, D.w[w].n, sizeof(uint32_t), cmp_rows);
    for (int mk = 0; mk < D.nmarkets; mk++)
        qsort(D.m[mk].prints, D.m[mk].nprints, sizeof(uint32_t), cmp_rows);
}

/* ---- output buffer ---------------------------------------------------------
 */

struct buf {
    char *p;
    size_t n, cap;
};

static void bprintf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void bprintf(struct buf *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        size_t room = b->cap - b->n;
        int k = vsnprintf(b->p ? b->p + b->n : NULL, room, fmt, ap);
        va_end(ap);
        if (k < 0)
            die("vsnprintf failed");
        if ((size_t)k < room) {
            b->n += (size_t)k;
            return;
        }
        b->cap = (b->cap + (size_t)k + 1) * 2;
        b->p = xrealloc(b->p, b->cap);
    }
}

static const char *dec(pmc_micros v, char buf[32])
{
    pmc_dec_format(v, buf);
    return buf;
}

static void iso(int64_t s, char out[32])
{
    time_t t = (time_t)s;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---- served rows and statistics ------------------------------------------
 */

enum family { FAM_ACT, FAM_TRADES, FAM_MARKETS, FAM_BOARD, FAM_PRICES, NFAM };
static const char *const FAM_NAME[] = {"activity", "trades", "markets",
                                       "leaderboard", "prices"};

enum route {
    R_ACT,
    R_V2ACT,
    R_TRADES,
    R_V2TRADES,
    R_BOARD,
    R_MARKETS,
    R_PRICES,
    R_OTHER,
    NROUTE
};
static const char *const ROUTE_NAME[] = {"activity",  "v2_activity", "trades",
                                         "v2_trades", "leaderboard", "markets",
                                         "prices",    "other"};
static const enum family ROUTE_FAM[] = {FAM_ACT,    FAM_ACT,   FAM_TRADES,
                                        FAM_TRADES, FAM_BOARD, FAM_MARKETS,
                                        FAM_PRICES, FAM_PRICES};

struct served {
    uint8_t fam;
    uint32_t a, b; /* row index; board: (board id, position) */
};

static struct {
    long req[NROUTE], rows[NROUTE], status[600];
    long requests, conns, trades_taker_only, markets_no_closed, board_no_period,
        early_after_429, faults_fired, served_dropped;
    int64_t retry_until[NFAM]; /* ms: a 429 asked to wait until then */
    int64_t gap_after_429;     /* shortest gap from a 429 to the next request */
    int64_t gap_after_5xx;
    int64_t last_5xx[NFAM];
    struct served *served;
    size_t nserved, capserved;
} ST;

static void serve(enum family f, uint32_t a, uint32_t b)
{
    if (ST.nserved >= (size_t)SERVED_MAX) {
        ST.served_dropped++; /* reported in the stats */
        return;
    }
    if (ST.nserved == ST.capserved) {
        ST.capserved = ST.capserved ? ST.capserved * 2 : 4096;
        ST.served = xrealloc(ST.served, ST.capserved * sizeof *ST.served);
    }
    ST.served[ST.nserved++] = (struct served){(uint8_t)f, a, b};
}

/* ---- query parameters ------------------------------------------------------
 */

struct params {
    int n;
    char *k[MAX_PARAMS], *v[MAX_PARAMS];
    char *mem;
};

static int hexv(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static void urldecode(char *s)
{
    char *o = s;
    for (; *s; s++) {
        if (*s == '%' && hexv(s[1]) >= 0 && hexv(s[2]) >= 0) {
            *o++ = (char)(hexv(s[1]) * 16 + hexv(s[2]));
            s += 2;
        } else {
            *o++ = *s == '+' ? ' ' : *s;
        }
    }
    *o = '\0';
}

/* -1 when there are too many parameters */
static int parse_params(const char *q, struct params *p)
{
    p->n = 0;
    p->mem = strdup(q ? q : "");
    if (!p->mem)
        die("out of memory");
    char *save = NULL;
    for (char *t = strtok_r(p->mem, "&", &save); t;
         t = strtok_r(NULL, "&", &save)) {
        if (p->n == MAX_PARAMS)
            return -1;
        char *eq = strchr(t, '=');
        if (eq)
            *eq = '\0';
        p->k[p->n] = t;
        p->v[p->n] = eq ? eq + 1 : t + strlen(t);
        urldecode(p->k[p->n]);
        urldecode(p->v[p->n]);
        p->n++;
    }
    return 0;
}

static const char *param(const struct params *p, const char *k)
{
    for (int i = 0; i < p->n; i++)
        if (strcmp(p->k[i], k) == 0)
            return p->v[i];
    return NULL;
}

/* an integer parameter in [lo, hi]; absent -> def. 0 ok, -1 bad */
static int iparam(const struct params *p, const char *k, int64_t lo, int64_t hi,
                  int64_t def, int64_t *out)
{
    const char *v = param(p, k);
    *out = def;
    if (!v)
        return 0;
    int64_t x;
    if (pmc_int_parse(v, strlen(v), &x) != PMC_OK || x < lo || x > hi)
        return -1;
    *out = x;
    return 0;
}

/* does the comma list `list` hold `s` (case-insensitive)? */
static int in_list(const char *list, const char *s)
{
    size_t n = strlen(s);
    for (const char *q = list; *q;) {
        size_t k = strcspn(q, ",");
        if (k == n && strncasecmp(q, s, n) == 0)
            return 1;
        q += k;
        if (*q == ',')
            q++;
    }
    return 0;
}

/* ---- the answer ------------------------------------------------------------
 */

struct resp {
    int status;
    char extra[256];
    struct buf body;
    int64_t delay_ms;
    int truncate; /* send half the body, then close */
    int drop;     /* close without answering */
};

static void fail(struct resp *r, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail(struct resp *r, int status, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    r->status = status;
    r->body.n = 0;
    bprintf(&r->body, "{\"error\":\"%s\"}", msg);
}

/* ---- rows as JSON ----------------------------------------------------------
 */

static void row_json(struct buf *b, const struct row *r, int v2, int activity)
{
    char addr[43], tx[67], px[32], sz[32], usd[32];
    const struct market *m = &D.m[r->market];
    row_addr(r, addr);
    tx_hash(r->tx, tx);
    int trade = r->kind == K_TRADE;
    const char *asset = trade ? m->tok[r->outcome] : "";
    const char *side = trade ? (r->side ? "SELL" : "BUY") : "";
    const char *outcome = trade ? (r->outcome ? "No" : "Yes") : "";
    int oi = trade ? r->outcome : 999;
    dec(trade ? r->px : 0, px);
    dec(r->sz, sz);
    dec(r->usd, usd);
    char name[24];
    snprintf(name, sizeof name, "trader-%s", addr + 36);
    if (v2) {
        bprintf(b,
                "{\"proxy_wallet\":\"%s\",\"side\":\"%s\",\"token_id\":\"%s\","
                "\"condition_id\":\"%s\",\"size\":%s,\"price\":%s,"
                "\"timestamp\":%" PRId64 ",\"title\":\"Fake market %d?\","
                "\"slug\":\"%s\",\"icon\":\"\",\"event_slug\":\"%s\","
                "\"outcome\":\"%s\",\"outcome_index\":%d,\"name\":\"%s\","
                "\"pseudonym\":\"%s\",\"bio\":\"\",\"profile_image\":\"\","
                "\"profile_image_optimized\":\"\",\"transaction_hash\":\"%s\"",
                addr, side, asset, m->cond, sz, px, r->ts, r->market, m->slug,
                m->slug, outcome, oi, name, name, tx);
        if (activity)
            bprintf(b, ",\"type\":\"%s\",\"usdc_size\":%s,\"is_combo\":false",
                    KIND_NAME[r->kind], usd);
        bprintf(b, "}");
        return;
    }
    bprintf(b, "{\"proxyWallet\":\"%s\",", addr);
    if (activity)
        bprintf(b,
                "\"timestamp\":%" PRId64 ",\"conditionId\":\"%s\","
                "\"type\":\"%s\",\"size\":%s,\"usdcSize\":%s,"
                "\"transactionHash\":\"%s\",\"price\":%s,\"asset\":\"%s\","
                "\"side\":\"%s\",\"outcomeIndex\":%d,",
                r->ts, m->cond, KIND_NAME[r->kind], sz, usd, tx, px, asset,
                side, oi);
    else
        bprintf(b,
                "\"side\":\"%s\",\"asset\":\"%s\",\"conditionId\":\"%s\","
                "\"size\":%s,\"price\":%s,\"timestamp\":%" PRId64 ","
                "\"transactionHash\":\"%s\",\"outcomeIndex\":%d,",
                side, asset, m->cond, sz, px, r->ts, tx, oi);
    bprintf(b,
            "\"title\":\"Fake market %d?\",\"slug\":\"%s\",\"icon\":\"\","
            "\"eventSlug\":\"%s\",\"outcome\":\"%s\",\"name\":\"%s\","
            "\"pseudonym\":\"%s\",\"bio\":\"\",\"profileImage\":\"\","
            "\"profileImageOptimized\":\"\"}",
            r->market, m->slug, m->slug, outcome, name, name);
}

/* The canonical line of a row, in the tape's spelling (times in ms). */
static void row_canon(struct buf *b, const struct row *r, enum family f)
{
    char addr[43], tx[67], px[32], sz[32];
    const struct market *m = &D.m[r->market];
    row_addr(r, addr);
    tx_hash(r->tx, tx);
    dec(r->px, px);
    dec(r->sz, sz);
    if (f == FAM_TRADES)
        bprintf(b, "trade t=%" PRId64 "000 token=%s px=%s sz=%s tx=%s\n", r->ts,
                m->tok[r->outcome], px, sz, tx);
    else if (r->kind == K_TRADE)
        bprintf(b,
                "fill ts=%" PRId64 "000 trader=%s token=%s side=%s px=%s "
                "sz=%s tx=%s\n",
                r->ts, addr, m->tok[r->outcome], r->side ? "SELL" : "BUY", px,
                sz, tx);
    else
        bprintf(b, "%s ts=%" PRId64 "000 trader=%s market=%s sz=%s tx=%s\n",
                KIND_LOWER[r->kind], r->ts, addr, m->cond, sz, tx);
}

/* ---- Data API: /activity, /v2/activity, /trades, /v2/trades -------------
 */

static int find_wallet(const char *a)
{
    for (int i = 0; i < D.nwallets; i++)
        if (strcasecmp(D.w[i].addr, a) == 0)
            return i;
    return -1;
}

struct filt {
    int64_t start, end;
    const char *types; /* activity: comma list or NULL */
    const char *market;
    const char *side;
    int wallet; /* trades: -2 any */
    int taker_only;
};

static int match(const struct row *r, const struct filt *f)
{
    if (r->ts < f->start || r->ts > f->end)
        return 0;
    if (f->types && !in_list(f->types, KIND_NAME[r->kind]))
        return 0;
    if (f->market && !in_list(f->market, D.m[r->market].cond))
        return 0;
    if (f->side && (r->kind != K_TRADE ||
                    strcasecmp(f->side, r->side ? "SELL" : "BUY") != 0))
        return 0;
    if (f->wallet != -2 && r->wallet != f->wallet)
        return 0;
    if (f->taker_only && r->maker)
        return 0;
    return 1;
}

/* The first k of the sorted list idx whose (ts, seq) >= (ts, seq). */
static size_t lower(const uint32_t *idx, size_t n, int64_t ts, uint32_t seq)
{
    size_t a = 0, b = n;
    while (a < b) {
        size_t m = a + (b - a) / 2;
        const struct row *r = &D.rows_all[idx[m]];
        if (r->ts < ts || (r->ts == ts && r->seq < seq))
            a = m + 1;
        else
            b = m;
    }
    return a;
}

/* Rows of one sorted list matching f, ASC or DESC, from `skip` matches on
 * (offset paging) or after the cursor position `after` (keyset: rows whose
 * (ts, seq) is beyond it), at most `limit`. Appends JSON; returns the
 * number written and sets *more when a further match exists. */
static long page(struct buf *b, enum route rt, const uint32_t *idx, size_t n,
                 const struct filt *f, int desc, long skip, long limit,
                 const struct row *after, int v2, int activity, uint32_t *last,
                 int *more)
{
    long out = 0;
    *more = 0;
    /* the rows in [start, end] and past the cursor: [lo, hi) of idx */
    size_t lo = lower(idx, n, f->start, 0), hi = lower(idx, n, f->end + 1, 0);
    if (after && !desc && lower(idx, n, after->ts, after->seq + 1) > lo)
        lo = lower(idx, n, after->ts, after->seq + 1);
    if (after && desc && lower(idx, n, after->ts, after->seq) < hi)
        hi = lower(idx, n, after->ts, after->seq);
    for (size_t k = 0; lo + k < hi; k++) {
        uint32_t i = idx[desc ? hi - 1 - k : lo + k];
        const struct row *r = &D.rows_all[i];
        if (!match(r, f))
            continue;
        if (skip > 0) {
            skip--;
            continue;
        }
        if (out == limit) {
            *more = 1;
            break;
        }
        if (b->p[b->n - 1] != '[')
            bprintf(b, ",");
        row_json(b, r, v2, activity);
        serve(ROUTE_FAM[rt], i, 0);
        *last = i;
        out++;
    }
    ST.rows[rt] += out;
    return out;
}

static int common_filters(const struct params *p, struct resp *r,
                          struct filt *f)
{
    int64_t s, e;
    if (iparam(p, "start", 0, INT64_C(99999999999), 0, &s) ||
        iparam(p, "end", 0, INT64_C(99999999999), INT64_C(99999999999), &e)) {
        fail(r, 400, "start and end must be integer seconds");
        return -1;
    }
    f->start = s;
    f->end = e;
    f->market = param(p, "market");
    if (!f->market)
        f->market = param(p, "condition");
    f->side = param(p, "side");
    if (f->side && strcasecmp(f->side, "BUY") && strcasecmp(f->side, "SELL")) {
        fail(r, 400, "side must be BUY or SELL");
        return -1;
    }
    return 0;
}

static int sort_dir(const struct params *p, struct resp *r, int *desc)
{
    const char *sd = param(p, "sortDirection");
    const char *sb = param(p, "sortBy");
    if (sb && strcasecmp(sb, "TIMESTAMP") != 0) {
        fail(r, 400, "the fake sorts by TIMESTAMP only");
        return -1;
    }
    if (sd && strcasecmp(sd, "ASC") && strcasecmp(sd, "DESC")) {
        fail(r, 400, "sortDirection must be ASC or DESC");
        return -1;
    }
    *desc = !sd || strcasecmp(sd, "DESC") == 0;
    return 0;
}

/* cursor = hex of the last row's index; "" or absent = from the start */
static int cursor_row(const struct params *p, struct resp *r,
                      const struct row **after)
{
    const char *c = param(p, "cursor");
    *after = NULL;
    if (!c || !*c)
        return 0;
    char *end = NULL;
    unsigned long long i = c[0] == 'c' ? strtoull(c + 1, &end, 16) : 0;
    if (!end || end == c + 1 || *end || i >= D.nrows) {
        fail(r, 400, "invalid cursor");
        return -1;
    }
    *after = &D.rows_all[i];
    return 0;
}

static void v2_envelope(struct buf *b, long limit, int more, uint32_t last)
{
    if (more)
        bprintf(b,
                "],\"pagination\":{\"limit\":%ld,\"offset\":0,\"has_more\":"
                "true,\"next_cursor\":\"c%" PRIx32 "\"}}",
                limit, last);
    else
        bprintf(b,
                "],\"pagination\":{\"limit\":%ld,\"offset\":0,\"has_more\":"
                "false,\"next_cursor\":null}}",
                limit);
}

static void activity(enum route rt, const struct params *p, struct resp *r)
{
    int v2 = rt == R_V2ACT;
    struct filt f;
    memset(&f, 0, sizeof f);
    f.wallet = -2;
    const char *user = param(p, "user");
    if (!user || !*user) {
        fail(r, 400, "user is required");
        return;
    }
    if (v2 && param(p, "offset")) {
        fail(r, 400, "offset is not supported: page with cursor");
        return;
    }
    int64_t limit, offset = 0;
    if (iparam(p, "limit", 0, D.limit_max, 100, &limit)) {
        fail(r, 400, "limit must be between 0 and %d", D.limit_max);
        return;
    }
    if (!v2 && iparam(p, "offset", 0, D.offset_cap, 0, &offset)) {
        fail(r, 400, "offset must be between 0 and %d", D.offset_cap);
        return;
    }
    if (common_filters(p, r, &f))
        return;
    f.types = param(p, "type");
    int desc, w = find_wallet(user);
    const struct row *after;
    if (sort_dir(p, r, &desc) || cursor_row(p, r, &after))
        return;
    r->status = 200;
    bprintf(&r->body, v2 ? "{\"data\":[" : "[");
    uint32_t last = 0;
    int more = 0;
    if (w >= 0)
        page(&r->body, rt, D.w[w].rows, D.w[w].n, &f, desc, offset, limit,
             after, v2, 1, &last, &more);
    if (v2)
        v2_envelope(&r->body, limit, more, last);
    else
        bprintf(&r->body, "]");
}

/* /trades, /v2/trades: newest first over the markets asked for (market=
 * or condition=, comma lists) or the user's fills. Legacy /trades has no
 * time filter (start/end are ignored, as unknown parameters are); v2 takes
 * start/end with user only. takerOnly (taker_only) defaults to true. */
static void trades(enum route rt, const struct params *p, struct resp *r)
{
    int v2 = rt == R_V2TRADES;
    struct filt f;
    memset(&f, 0, sizeof f);
    f.wallet = -2;
    if (v2 && param(p, "offset")) {
        fail(r, 400, "offset is not supported: page with cursor");
        return;
    }
    int64_t limit, offset = 0;
    if (iparam(p, "limit", 0, D.trades_limit_max, 100, &limit)) {
        fail(r, 400, "limit must be between 0 and %d", D.trades_limit_max);
        return;
    }
    if (!v2 && iparam(p, "offset", 0, D.offset_cap, 0, &offset)) {
        fail(r, 400, "offset must be between 0 and %d", D.offset_cap);
        return;
    }
    if (common_filters(p, r, &f))
        return;
    const char *user = param(p, "user");
    if (!v2 || !user) {
        f.start = 0;
        f.end = INT64_C(99999999999);
    }
    if (user) {
        f.wallet = find_wallet(user);
        if (f.wallet < 0)
            f.wallet = NOBODY; /* not a followed wallet: no rows */
    }
    const char *to = param(p, v2 ? "taker_only" : "takerOnly");
    f.taker_only = !to || strcasecmp(to, "false") != 0;
    if (f.taker_only)
        ST.trades_taker_only++;
    if (!f.market && !user) {
        fail(r, 400, "market or user is required");
        return;
    }
    const struct row *after;
    if (cursor_row(p, r, &after))
        return;
    /* the candidate rows, sorted by (ts, seq) */
    uint32_t *idx = NULL;
    size_t n = 0, cap = 0;
    const uint32_t *list = NULL;
    int nm = 0;
    if (user && f.wallet >= 0) {
        list = D.w[f.wallet].rows;
        n = D.w[f.wallet].n;
    } else if (!user) {
        for (int mk = 0; mk < D.nmarkets; mk++) {
            if (!in_list(f.market, D.m[mk].cond))
                continue;
            if (nm++ == 0) {
                list = D.m[mk].prints;
                n = D.m[mk].nprints;
                continue;
            }
            if (!idx) { /* a second market: merge into one list */
                size_t n0 = n;
                n = 0;
                for (size_t k = 0; k < n0; k++)
                    push(&idx, &n, &cap, list[k]);
            }
            for (size_t k = 0; k < D.m[mk].nprints; k++)
                push(&idx, &n, &cap, D.m[mk].prints[k]);
        }
    }
    if (idx) {
        qsort(idx, n, sizeof *idx, cmp_rows);
        list = idx;
    }
    struct filt tf = f;
    tf.types = "TRADE";
    r->status = 200;
    bprintf(&r->body, v2 ? "{\"data\":[" : "[");
    uint32_t last = 0;
    int more = 0;
    if (list)
        page(&r->body, rt, list, n, &tf, 1, offset, limit, after, v2, 0, &last,
             &more);
    free(idx);
    if (v2)
        v2_envelope(&r->body, limit, more, last);
    else
        bprintf(&r->body, "]");
}

/* ---- leaderboard -------------------------------------------------------- */

static const char *const CATS[] = {
    "OVERALL",  "POLITICS", "SPORTS",    "CRYPTO", "CULTURE",
    "MENTIONS", "WEATHER",  "ECONOMICS", "TECH",   "FINANCE"};
static const char *const PERIODS[] = {"DAY", "WEEK", "MONTH", "ALL"};

static int pick(const char *v, const char *const *tab, int n)
{
    for (int i = 0; i < n; i++)
        if (strcasecmp(v, tab[i]) == 0)
            return i;
    return -1;
}

/* entry i (0-based, by rank) of a board: wallet and amounts, decreasing */
static void board_entry(int cat, int per, int vol, int i, char addr[43],
                        pmc_micros *pnl, pmc_micros *v)
{
    uint64_t h =
        mix(D.seed ^ ((uint64_t)cat << 8 | (uint64_t)per << 4 | (uint64_t)vol) ^
            (uint64_t)i << 20);
    if (cat == 0 && i < D.nwallets)
        snprintf(addr, 43, "%s", D.w[i].addr);
    else
        snprintf(addr, 43, "0x%08x%032" PRIx64, 0xd0000000u | (unsigned)i,
                 h & UINT64_C(0xffffffffffff));
    pmc_micros top = (pmc_micros)(1000000 >> per) * PMC_MICRO;
    pmc_micros base = top - (pmc_micros)i * (top / (D.board + 1));
    *pnl = vol ? base / 10 : base;
    *v = vol ? base : base * 7;
}

static void leaderboard(const struct params *p, struct resp *r)
{
    const char *c = param(p, "category"), *tp = param(p, "timePeriod"),
               *ob = param(p, "orderBy");
    int cat = c ? pick(c, CATS, 10) : 0;
    int per = tp ? pick(tp, PERIODS, 4) : 0; /* DAY when absent */
    int vol = ob ? pick(ob, (const char *const[]){"PNL", "VOL"}, 2) : 0;
    if (!tp)
        ST.board_no_period++;
    if (cat < 0 || per < 0 || vol < 0) {
        fail(r, 400,
             "category, timePeriod or orderBy is not one of the "
             "documented values");
        return;
    }
    int64_t limit, offset;
    if (iparam(p, "limit", 1, 50, 25, &limit)) {
        fail(r, 400, "limit must be between 1 and 50");
        return;
    }
    if (iparam(p, "offset", 0, 1000, 0, &offset)) {
        fail(r, 400, "offset must be between 0 and 1000");
        return;
    }
    r->status = 200;
    bprintf(&r->body, "[");
    long n = 0;
    for (int64_t i = offset; i < offset + limit && i < D.board; i++) {
        char addr[43], pnl[32], v[32];
        pmc_micros a, b;
        board_entry(cat, per, vol, (int)i, addr, &a, &b);
        bprintf(&r->body,
                "%s{\"rank\":\"%" PRId64 "\",\"proxyWallet\":\"%s\","
                "\"userName\":\"user%" PRId64 "\",\"vol\":%s,\"pnl\":%s,"
                "\"profileImage\":\"\",\"xUsername\":\"\","
                "\"verifiedBadge\":%s}",
                n ? "," : "", i + 1, addr, i, dec(b, v), dec(a, pnl),
                i % 3 ? "false" : "true");
        serve(FAM_BOARD, (uint32_t)(cat << 8 | per << 4 | vol), (uint32_t)i);
        n++;
    }
    bprintf(&r->body, "]");
    ST.rows[R_BOARD] += n;
}

/* ---- Gamma /markets --------------------------------------------------------
 */

static void market_json(struct buf *b, const struct market *m)
{
    char end[32], start[32], tick[32];
    iso(m->end, end);
    iso(D.start - 86400, start);
    dec(m->tick, tick);
    const char *prices = !m->closed    ? "[\\\"0.5\\\", \\\"0.5\\\"]"
                         : m->win == 0 ? "[\\\"1\\\", \\\"0\\\"]"
                                       : "[\\\"0\\\", \\\"1\\\"]";
    bprintf(b,
            "{\"id\":\"%s\",\"question\":\"Fake market %d?\","
            "\"conditionId\":\"%s\",\"questionID\":\"\",\"slug\":\"%s\","
            "\"description\":\"generated\",\"resolutionSource\":\"\","
            "\"startDate\":\"%s\",\"endDate\":\"%s\","
            "\"outcomes\":\"[\\\"Yes\\\", \\\"No\\\"]\","
            "\"outcomePrices\":\"%s\","
            "\"clobTokenIds\":\"[\\\"%s\\\", \\\"%s\\\"]\","
            "\"orderPriceMinTickSize\":%s,\"orderMinSize\":5,"
            "\"negRisk\":%s,\"active\":true,\"closed\":%s,"
            "\"archived\":false,\"acceptingOrders\":%s,"
            "\"enableOrderBook\":true,\"feesEnabled\":%s,",
            m->id, (int)(m - D.m), m->cond, m->slug, start, end, prices,
            m->tok[0], m->tok[1], tick, m->negrisk ? "true" : "false",
            m->closed ? "true" : "false", m->closed ? "false" : "true",
            m->fees ? "true" : "false");
    if (m->fees)
        bprintf(b,
                "\"feeType\":\"crypto_fees_v2\",\"feeSchedule\":{\"exponent\":"
                "2,\"rate\":0.25,\"takerOnly\":true,\"rebateRate\":0.2},");
    if (m->closed)
        bprintf(b,
                "\"closedTime\":\"%s\",\"umaResolutionStatus\":\"resolved\",",
                end);
    bprintf(b,
            "\"events\":[{\"id\":\"%d\",\"slug\":\"%s\",\"title\":\"Fake "
            "event %d\"}],\"version\":\"v1\"}",
            900000 + (int)(m - D.m), m->slug, (int)(m - D.m));
}

static void markets(const struct params *p, struct resp *r)
{
    const char *closed = param(p, "closed");
    if (!closed)
        ST.markets_no_closed++;
    int want_closed = closed && strcasecmp(closed, "true") == 0;
    if (closed && !want_closed && strcasecmp(closed, "false") != 0) {
        fail(r, 400, "closed must be true or false");
        return;
    }
    int64_t limit, offset;
    if (iparam(p, "limit", 0, 1000, 500, &limit) ||
        iparam(p, "offset", 0, 1000000, 0, &offset)) {
        fail(r, 400, "bad limit or offset");
        return;
    }
    int has_id = 0, has_cond = 0, has_tok = 0;
    for (int i = 0; i < p->n; i++) {
        has_id |= strcmp(p->k[i], "id") == 0;
        has_cond |= strcmp(p->k[i], "condition_ids") == 0;
        has_tok |= strcmp(p->k[i], "clob_token_ids") == 0;
    }
    r->status = 200;
    bprintf(&r->body, "[");
    long n = 0, skip = offset;
    for (int mk = 0; mk < D.nmarkets && n < limit; mk++) {
        const struct market *m = &D.m[mk];
        if (m->closed != want_closed)
            continue;
        int id = 0, cond = 0, tok = 0;
        for (int i = 0; i < p->n; i++) {
            if (strcmp(p->k[i], "id") == 0)
                id |= in_list(p->v[i], m->id);
            else if (strcmp(p->k[i], "condition_ids") == 0)
                cond |= in_list(p->v[i], m->cond);
            else if (strcmp(p->k[i], "clob_token_ids") == 0)
                /* a repeated key: one id per occurrence, no commas */
                tok |= strcmp(p->v[i], m->tok[0]) == 0 ||
                       strcmp(p->v[i], m->tok[1]) == 0;
        }
        if ((has_id && !id) || (has_cond && !cond) || (has_tok && !tok))
            continue;
        if (skip > 0) {
            skip--;
            continue;
        }
        if (n)
            bprintf(&r->body, ",");
        market_json(&r->body, m);
        serve(FAM_MARKETS, (uint32_t)mk, 0);
        n++;
    }
    bprintf(&r->body, "]");
    ST.rows[R_MARKETS] += n;
}

/* ---- CLOB /prices-history --------------------------------------------------
 */

static void prices(const struct params *p, struct resp *r)
{
    const char *tok = param(p, "market");
    int64_t s, e, fid;
    if (!tok || !*tok) {
        fail(r, 400, "market (the token id) is required");
        return;
    }
    if (iparam(p, "startTs", 0, INT64_C(99999999999), -1, &s) ||
        iparam(p, "endTs", 0, INT64_C(99999999999), -1, &e) ||
        iparam(p, "fidelity", 1, 1440 * 31, 1, &fid)) {
        fail(r, 400, "startTs, endTs and fidelity must be integers");
        return;
    }
    if (!param(p, "interval") && (s < 0 || e < 0)) {
        fail(r, 400,
             "either interval or both startTs and endTs are "
             "required");
        return;
    }
    if (s < 0)
        s = 0;
    if (e < 0)
        e = INT64_C(99999999999);
    r->status = 200;
    bprintf(&r->body, "{\"history\":[");
    long n = 0;
    for (int mk = 0; mk < D.nmarkets; mk++) {
        const struct market *m = &D.m[mk];
        int o = strcmp(tok, m->tok[0]) == 0   ? 0
                : strcmp(tok, m->tok[1]) == 0 ? 1
                                              : -1;
        if (o < 0)
            continue;
        /* the last print of each fidelity bucket */
        int64_t bucket = -1;
        pmc_micros last = 0;
        uint32_t last_i = 0;
        for (size_t k = 0; k <= m->nprints; k++) {
            const struct row *x =
                k < m->nprints ? &D.rows_all[m->prints[k]] : NULL;
            if (x && (x->outcome != o || x->ts < s || x->ts > e))
                continue;
            int64_t bk = x ? x->ts / (fid * 60) : -2;
            if (bucket >= 0 && bk != bucket) {
                char px[32];
                bprintf(&r->body, "%s{\"t\":%" PRId64 ",\"p\":%s}",
                        n ? "," : "", bucket * fid * 60, dec(last, px));
                serve(FAM_PRICES, last_i, (uint32_t)bucket);
                n++;
            }
            if (x) {
                bucket = bk;
                last = x->px;
                last_i = m->prints[k];
            }
        }
    }
    bprintf(&r->body, "]}");
    ST.rows[R_PRICES] += n;
}

/* ---- faults ----------------------------------------------------------------
 */

enum fkind { F_STATUS, F_429, F_SLOW, F_TRUNC, F_RAMP, F_DROP };

struct fault {
    int used;
    enum fkind kind;
    char path[64]; /* prefix; "" = every route */
    long after, count, fired;
    int status, retry_after;
    int64_t ms;
};
static struct fault FAULTS[MAX_FAULTS];

/* kind=429|5xx|status|slow|truncate|ramp|drop [path] [count=1] [after=0]
 * [status] [ms] [retry_after=1]. 0 ok, -1 bad. */
static int add_fault(const struct params *p, char *why, size_t cap)
{
    const char *k = param(p, "kind");
    struct fault f;
    memset(&f, 0, sizeof f);
    f.used = 1;
    if (!k) {
        snprintf(why, cap, "kind is required");
        return -1;
    }
    if (!strcmp(k, "429"))
        f.kind = F_429, f.status = 429;
    else if (!strcmp(k, "5xx") || !strcmp(k, "status"))
        f.kind = F_STATUS, f.status = 503;
    else if (!strcmp(k, "slow"))
        f.kind = F_SLOW;
    else if (!strcmp(k, "truncate"))
        f.kind = F_TRUNC;
    else if (!strcmp(k, "ramp"))
        f.kind = F_RAMP;
    else if (!strcmp(k, "drop"))
        f.kind = F_DROP;
    else {
        snprintf(why, cap, "unknown fault kind %s", k);
        return -1;
    }
    int64_t v;
    if (iparam(p, "count", 0, 100000000, 1, &v))
        goto bad;
    f.count = (long)v;
    if (iparam(p, "after", 0, 100000000, 0, &v))
        goto bad;
    f.after = (long)v;
    if (iparam(p, "status", 100, 599, f.status, &v))
        goto bad;
    f.status = (int)v;
    if (iparam(p, "ms", 0, 600000, 500, &f.ms))
        goto bad;
    if (iparam(p, "retry_after", 0, 3600, 1, &v))
        goto bad;
    f.retry_after = (int)v;
    snprintf(f.path, sizeof f.path, "%s",
             param(p, "path") ? param(p, "path") : "");
    for (int i = 0; i < MAX_FAULTS; i++)
        if (!FAULTS[i].used) {
            FAULTS[i] = f;
            return 0;
        }
    snprintf(why, cap, "more than %d faults armed", MAX_FAULTS);
    return -1;
bad:
    snprintf(why, cap, "bad count, after, status, ms or retry_after");
    return -1;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Apply the armed faults to a request on `path`; 1 when one answered it. */
static int faults(const char *path, enum family fam, struct resp *r)
{
    int answered = 0;
    for (int i = 0; i < MAX_FAULTS; i++) {
        struct fault *f = &FAULTS[i];
        if (!f->used || strncmp(path, f->path, strlen(f->path)) != 0)
            continue;
        if (f->after > 0) {
            f->after--;
            continue;
        }
        if (answered &&
            (f->kind == F_429 || f->kind == F_STATUS || f->kind == F_DROP))
            continue;
        f->fired++;
        ST.faults_fired++;
        switch (f->kind) {
        case F_429:
            fail(r, 429, "rate limited");
            snprintf(r->extra, sizeof r->extra, "Retry-After: %d\r\n",
                     f->retry_after);
            ST.retry_until[fam] = mono_ms() + 1000 * f->retry_after;
            answered = 1;
            break;
        case F_STATUS:
            fail(r, f->status, "injected %d", f->status);
            answered = 1;
            break;
        case F_DROP:
            r->drop = 1;
            answered = 1;
            break;
        case F_SLOW:
            r->delay_ms += f->ms;
            break;
        case F_RAMP:
            r->delay_ms += f->ms * f->fired;
            break;
        case F_TRUNC:
            r->truncate = 1;
            break;
        }
        if (f->fired >= f->count)
            f->used = 0;
    }
    return answered;
}

/* ---- control ---------------------------------------------------------------
 */

static void stats(struct resp *r)
{
    struct buf *b = &r->body;
    bprintf(b, "requests=%ld\nconnections=%ld\n", ST.requests, ST.conns);
    for (int i = 0; i < NROUTE; i++)
        bprintf(b, "req_%s=%ld\nrows_%s=%ld\n", ROUTE_NAME[i], ST.req[i],
                ROUTE_NAME[i], ST.rows[i]);
    for (int s = 100; s < 600; s++)
        if (ST.status[s])
            bprintf(b, "status_%d=%ld\n", s, ST.status[s]);
    long s5 = 0;
    for (int s = 500; s < 600; s++)
        s5 += ST.status[s];
    bprintf(b,
            "status_5xx=%ld\ntrades_taker_only=%ld\nmarkets_no_closed=%ld\n"
            "leaderboard_no_period=%ld\nearly_after_429=%ld\n"
            "gap_after_429_ms=%" PRId64 "\ngap_after_5xx_ms=%" PRId64 "\n"
            "faults_fired=%ld\nserved=%zu\nserved_dropped=%ld\n",
            s5, ST.trades_taker_only, ST.markets_no_closed, ST.board_no_period,
            ST.early_after_429, ST.gap_after_429, ST.gap_after_5xx,
            ST.faults_fired, ST.nserved, ST.served_dropped);
}

static void served_line(struct buf *b, const struct served *s)
{
    switch ((enum family)s->fam) {
    case FAM_ACT:
    case FAM_TRADES:
        row_canon(b, &D.rows_all[s->a], (enum family)s->fam);
        break;
    case FAM_MARKETS: {
        const struct market *m = &D.m[s->a];
        bprintf(b, "market id=%s market=%s closed=%d\n", m->id, m->cond,
                m->closed);
        break;
    }
    case FAM_BOARD: {
        char addr[43], x[32];
        pmc_micros pnl, v;
        int cat = (int)(s->a >> 8), per = (int)(s->a >> 4 & 15),
            vol = (int)(s->a & 15);
        board_entry(cat, per, vol, (int)s->b, addr, &pnl, &v);
        bprintf(b,
                "board category=%s period=%s order=%s rank=%" PRIu32
                " wallet=%s pnl=%s\n",
                CATS[cat], PERIODS[per], vol ? "VOL" : "PNL", s->b + 1, addr,
                dec(pnl, x));
        break;
    }
    case FAM_PRICES: {
        const struct row *x = &D.rows_all[s->a];
        char px[32];
        bprintf(b, "price t=%" PRId64 "000 token=%s p=%s\n", (int64_t)s->b * 60,
                D.m[x->market].tok[x->outcome], dec(x->px, px));
        break;
    }
    case NFAM:
        break;
    }
}

static int cmp_served(const void *a, const void *b)
{
    const struct served *x = a, *y = b;
    if (x->fam != y->fam)
        return x->fam < y->fam ? -1 : 1;
    if (x->a != y->a)
        return x->a < y->a ? -1 : 1;
    return x->b < y->b ? -1 : x->b > y->b;
}

/* /_control/served[?family=F][&unique=1] */
static void served(const struct params *p, struct resp *r)
{
    const char *fam = param(p, "family");
    const char *u = param(p, "unique");
    int unique = u && strcmp(u, "1") == 0;
    if (ST.served_dropped) {
        fail(r, 500, "the served log is full: %ld rows served were not logged",
             ST.served_dropped);
        return;
    }
    struct served *v = malloc((ST.nserved + 1) * sizeof *v);
    if (!v)
        die("out of memory");
    size_t n = 0;
    for (size_t i = 0; i < ST.nserved; i++)
        if (!fam || strcmp(fam, FAM_NAME[ST.served[i].fam]) == 0)
            v[n++] = ST.served[i];
    if (unique)
        qsort(v, n, sizeof *v, cmp_served);
    r->status = 200;
    for (size_t i = 0; i < n; i++)
        if (!unique || i == 0 || cmp_served(&v[i - 1], &v[i]) != 0)
            served_line(&r->body, &v[i]);
    free(v);
}

/* /_control/dataset?family=activity|trades|markets[&user=0x..][&market=C]
 * [&start=S&end=E][&taker_only=1]: the data set's rows in canonical lines
 * (or format=json: the legacy JSON of each row, one per line). */
static void dataset(const struct params *p, struct resp *r)
{
    const char *fam = param(p, "family");
    const char *fmt = param(p, "format");
    int json = fmt && strcmp(fmt, "json") == 0;
    struct filt f;
    memset(&f, 0, sizeof f);
    f.wallet = -2;
    if (!fam || common_filters(p, r, &f)) {
        if (!fam)
            fail(r, 400, "family=activity|trades|markets is required");
        return;
    }
    const char *to = param(p, "taker_only");
    f.taker_only = to && strcmp(to, "1") == 0;
    r->status = 200;
    if (!strcmp(fam, "markets")) {
        for (int mk = 0; mk < D.nmarkets; mk++) {
            struct served s = {FAM_MARKETS, (uint32_t)mk, 0};
            if (json) {
                market_json(&r->body, &D.m[mk]);
                bprintf(&r->body, "\n");
            } else {
                served_line(&r->body, &s);
            }
        }
        return;
    }
    int act = !strcmp(fam, "activity");
    if (!act && strcmp(fam, "trades")) {
        fail(r, 400, "unknown family %s", fam);
        return;
    }
    const char *user = param(p, "user");
    for (int w = 0; act && w < D.nwallets; w++) {
        if (user && strcasecmp(user, D.w[w].addr))
            continue;
        for (size_t k = 0; k < D.w[w].n; k++) {
            const struct row *x = &D.rows_all[D.w[w].rows[k]];
            if (!match(x, &f))
                continue;
            if (json) {
                row_json(&r->body, x, 0, 1);
                bprintf(&r->body, "\n");
            } else {
                row_canon(&r->body, x, FAM_ACT);
            }
        }
    }
    if (user && !act)
        f.wallet = find_wallet(user) < 0 ? NOBODY : find_wallet(user);
    for (int mk = 0; !act && mk < D.nmarkets; mk++)
        for (size_t k = 0; k < D.m[mk].nprints; k++) {
            const struct row *x = &D.rows_all[D.m[mk].prints[k]];
            if (!match(x, &f))
                continue;
            if (json) {
                row_json(&r->body, x, 0, 0);
                bprintf(&r->body, "\n");
            } else {
                row_canon(&r->body, x, FAM_TRADES);
            }
        }
}

/* /_control/info: the data set's wallets, markets and time range */
static void info(struct resp *r)
{
    struct buf *b = &r->body;
    r->status = 200;
    bprintf(b, "start=%" PRId64 "\nend=%" PRId64 "\nrows=%zu\n", D.start,
            D.start + D.span - 1, D.nrows);
    for (int w = 0; w < D.nwallets; w++)
        bprintf(b, "wallet %s rows=%zu\n", D.w[w].addr, D.w[w].n);
    for (int mk = 0; mk < D.nmarkets; mk++) {
        const struct market *m = &D.m[mk];
        char tick[32];
        bprintf(b,
                "market id=%s condition=%s token0=%s token1=%s closed=%d "
                "end=%" PRId64 " tick=%s fees=%d negrisk=%d prints=%zu\n",
                m->id, m->cond, m->tok[0], m->tok[1], m->closed, m->end,
                dec(m->tick, tick), m->fees, m->negrisk, m->nprints);
    }
}

static void control(const char *path, const struct params *p, struct resp *r)
{
    char why[128];
    r->status = 200;
    if (!strcmp(path, "/_control/stats")) {
        stats(r);
    } else if (!strcmp(path, "/_control/served")) {
        served(p, r);
    } else if (!strcmp(path, "/_control/dataset")) {
        dataset(p, r);
    } else if (!strcmp(path, "/_control/info")) {
        info(r);
    } else if (!strcmp(path, "/_control/fault")) {
        if (add_fault(p, why, sizeof why))
            fail(r, 400, "%s", why);
        else
            bprintf(&r->body, "ok\n");
    } else if (!strcmp(path, "/_control/clear")) {
        memset(FAULTS, 0, sizeof FAULTS);
        bprintf(&r->body, "ok\n");
    } else if (!strcmp(path, "/_control/reset")) {
        /* statistics and the served log (faults stay armed) */
        free(ST.served);
        memset(&ST, 0, sizeof ST);
        ST.gap_after_429 = ST.gap_after_5xx = -1;
        bprintf(&r->body, "ok\n");
    } else if (!strcmp(path, "/_control/set")) {
        int64_t v;
        if (iparam(p, "v2", 0, 1, -1, &v))
            goto bad;
        if (v >= 0)
            D.v2_act = D.v2_trades = (int)v;
        if (iparam(p, "v2_activity", 0, 1, D.v2_act, &v))
            goto bad;
        D.v2_act = (int)v;
        if (iparam(p, "v2_trades", 0, 1, D.v2_trades, &v))
            goto bad;
        D.v2_trades = (int)v;
        if (iparam(p, "offset_cap", 0, 100000000, D.offset_cap, &v))
            goto bad;
        D.offset_cap = (int)v;
        if (iparam(p, "limit_max", 1, 100000000, D.limit_max, &v))
            goto bad;
        D.limit_max = (int)v;
        if (iparam(p, "max_line", 64, IN_MAX, D.max_line, &v))
            goto bad;
        D.max_line = (int)v;
        bprintf(&r->body, "ok\n");
    } else {
        fail(r, 404, "unknown control %s", path);
    }
    return;
bad:
    fail(r, 400, "bad value for v2, offset_cap, limit_max or max_line");
}

/* ---- routing ---------------------------------------------------------------
 */

static enum route route_of(const char *path)
{
    static const struct {
        const char *p;
        enum route r;
    } tab[] = {{"/activity", R_ACT},         {"/v2/activity", R_V2ACT},
               {"/trades", R_TRADES},        {"/v2/trades", R_V2TRADES},
               {"/v1/leaderboard", R_BOARD}, {"/markets", R_MARKETS},
               {"/prices-history", R_PRICES}};
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (!strcmp(path, tab[i].p))
            return tab[i].r;
    return R_OTHER;
}

static void handle(const char *method, char *target, size_t line_len,
                   struct resp *r)
{
    char *q = strchr(target, '?');
    if (q)
        *q++ = '\0';
    const char *path = target;
    struct params p;
    if (parse_params(q, &p)) {
        fail(r, 400, "more than %d query parameters", MAX_PARAMS);
        free(p.mem);
        return;
    }
    if (!strncmp(path, "/_control/", 10)) {
        control(path, &p, r);
        free(p.mem);
        return;
    }
    enum route rt = route_of(path);
    enum family fam = ROUTE_FAM[rt];
    int64_t now = mono_ms();
    ST.requests++;
    ST.req[rt]++;
    if (now < ST.retry_until[fam])
        ST.early_after_429++; /* came before Retry-After elapsed */
    if (strcmp(method, "GET") != 0) {
        fail(r, 405, "only GET");
    } else if ((long)line_len > D.max_line) {
        fail(r, 414, "request line of %zu bytes is longer than %d", line_len,
             D.max_line);
    } else if (faults(path, fam, r)) {
        /* answered by a fault */
    } else if (rt == R_ACT || (rt == R_V2ACT && D.v2_act)) {
        activity(rt, &p, r);
    } else if (rt == R_TRADES || (rt == R_V2TRADES && D.v2_trades)) {
        trades(rt, &p, r);
    } else if (rt == R_BOARD) {
        leaderboard(&p, r);
    } else if (rt == R_MARKETS) {
        markets(&p, r);
    } else if (rt == R_PRICES) {
        prices(&p, r);
    } else {
        fail(r, 404, "not found");
    }
    free(p.mem);
}

/* ---- the server loop -------------------------------------------------------
 */

struct conn {
    int fd;
    char *in;
    size_t in_len;
    char *out;
    size_t out_len, out_off;
    int64_t send_at; /* ms, monotonic; 0 = now */
    int close_after;
};
static struct conn CONNS[MAX_CONNS];

/* per family: when the last 429 / 5xx was answered, for the gap stats */
static int64_t last_429[NFAM];

static void conn_close(struct conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    free(c->out);
    free(c->in);
    memset(c, 0, sizeof *c);
    c->fd = -1;
}

static const char *reason_phrase(int s)
{
    switch (s) {
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 414:
        return "URI Too Long";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    default:
        return "Status";
    }
}

/* Handle one complete request in c->in: 1 handled, 0 need more, -1 close. */
static int try_request(struct conn *c)
{
    char *end = memmem(c->in, c->in_len, "\r\n\r\n", 4);
    if (!end)
        return c->in_len >= IN_MAX ? -1 : 0;
    size_t head = (size_t)(end - c->in) + 4;
    char *le = memmem(c->in, head, "\r\n", 2);
    size_t ln = (size_t)(le - c->in);
    char *line = strndup(c->in, ln);
    if (!line)
        die("out of memory");
    char *sp1 = strchr(line, ' ');
    char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
    if (!sp1 || !sp2) {
        free(line);
        return -1;
    }
    *sp1 = *sp2 = '\0';
    const char *method = line;
    char *target = sp1 + 1;
    int close_after = 0;
    size_t clen = 0;
    for (const char *p = le + 2; p < c->in + head - 2;) {
        const char *e = memmem(p, (size_t)(c->in + head - p), "\r\n", 2);
        size_t n = (size_t)(e - p);
        if (n > 11 && !strncasecmp(p, "Connection:", 11))
            close_after = memmem(p, n, "close", 5) != NULL;
        if (n > 15 && !strncasecmp(p, "Content-Length:", 15))
            clen = (size_t)strtoul(p + 15, NULL, 10);
        p = e + 2;
    }
    if (clen > IN_MAX / 2) {
        free(line);
        return -1;
    }
    if (c->in_len < head + clen) {
        free(line);
        return 0;
    }
    struct resp r;
    memset(&r, 0, sizeof r);
    int64_t now = mono_ms();
    int is_ctl = !strncmp(target, "/_control/", 10);
    char path[64];
    snprintf(path, sizeof path, "%.*s", (int)strcspn(target, "?"), target);
    enum family fam = ROUTE_FAM[route_of(path)];
    if (!is_ctl) {
        if (last_429[fam] > 0) {
            int64_t g = now - last_429[fam];
            if (ST.gap_after_429 < 0 || g < ST.gap_after_429)
                ST.gap_after_429 = g;
            last_429[fam] = 0;
        }
        if (ST.last_5xx[fam] > 0) {
            int64_t g = now - ST.last_5xx[fam];
            if (ST.gap_after_5xx < 0 || g < ST.gap_after_5xx)
                ST.gap_after_5xx = g;
            ST.last_5xx[fam] = 0;
        }
    }
    char shown[320]; /* the target as asked, for --log */
    snprintf(shown, sizeof shown, "%s", target);
    handle(method, target, ln, &r);
    if (D.log)
        fprintf(stderr, "fake_api: %s %s -> %d (%zu bytes)\n", method, shown,
                r.status, r.body.n);
    free(line);
    memmove(c->in, c->in + head + clen, c->in_len - head - clen);
    c->in_len -= head + clen;
    if (!is_ctl) {
        ST.status[r.status >= 100 && r.status < 600 ? r.status : 0]++;
        if (r.status == 429)
            last_429[fam] = now;
        if (r.status >= 500)
            ST.last_5xx[fam] = now;
    }
    if (r.drop) {
        free(r.body.p);
        return -1;
    }
    if (!r.body.p)
        bprintf(&r.body, "%s", "");
    const char *ctype = is_ctl && r.status == 200 && r.body.p[0] != '{'
                            ? "text/plain"
                            : "application/json";
    free(c->out);
    c->out = NULL;
    size_t bl = r.body.n;
    int n = asprintf(&c->out,
                     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
                     "Content-Length: %zu\r\n%s%s\r\n",
                     r.status, reason_phrase(r.status), ctype, bl, r.extra,
                     close_after ? "Connection: close\r\n" : "");
    if (n < 0)
        die("out of memory");
    size_t send_n = r.truncate ? bl / 2 : bl;
    c->out = xrealloc(c->out, (size_t)n + send_n + 1);
    memcpy(c->out + n, r.body.p, send_n);
    c->out_len = (size_t)n + send_n;
    c->out_off = 0;
    /* whole milliseconds: now may be up to 1 ms past the clock's last tick,
     * so one more keeps the delay at least the one asked for */
    c->send_at = r.delay_ms > 0 ? now + r.delay_ms + 1 : 0;
    c->close_after = close_after || r.truncate;
    free(r.body.p);
    return 1;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: fake_api [--port N] [--max-seconds S] [--log]\n"
            "  data set: [--seed N] [--wallets N] [--markets N] [--rows N]\n"
            "    [--prints N] [--dups K] [--burst N] [--burst-at T]\n"
            "    [--start T] [--span S] [--board N] [--open-every K]\n"
            "  limits: [--limit-max N] [--trades-limit-max N]\n"
            "    [--offset-cap N] [--max-line N]\n"
            "    [--no-v2 | --no-v2-activity | --no-v2-trades]\n"
            "  faults: [--fault 'kind=429&count=3&retry_after=1&path=/..']\n"
            "docs/fakes.md describes each.\n");
    exit(2);
}

static long num(const char *flag, const char *v, long lo, long hi)
{
    int64_t x;
    if (pmc_int_parse(v, strlen(v), &x) != PMC_OK || x < lo || x > hi)
        die("%s %s: expected an integer in %ld..%ld", flag, v, lo, hi);
    return (long)x;
}

static void serve_loop(int ls, long max_s)
{
    int one = 1;
    for (int i = 0; i < MAX_CONNS; i++)
        CONNS[i].fd = -1;
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
            struct conn *c = &CONNS[i];
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
                if (c->in_len)
                    wake = now; /* a pipelined request waits: no sleep */
            }
            pf[np].fd = c->fd;
            pf[np].events = ev;
            map[np++] = i;
        }
        int64_t tmo = wake - now;
        if (tmo > 100)
            tmo = 100;
        if (tmo < 0)
            tmo = 0;
        if (poll(pf, (nfds_t)np, (int)tmo) < 0 && errno != EINTR)
            break;
        if (pf[0].revents & POLLIN) {
            int fd = accept4(ls, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
            if (fd >= 0) {
                int k = 0;
                while (k < MAX_CONNS && CONNS[k].fd >= 0)
                    k++;
                if (k == MAX_CONNS) {
                    close(fd);
                } else {
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    memset(&CONNS[k], 0, sizeof CONNS[k]);
                    CONNS[k].fd = fd;
                    CONNS[k].in = malloc(IN_MAX);
                    if (!CONNS[k].in)
                        die("out of memory");
                    ST.conns++;
                }
            }
        }
        for (int i = 1; i < np; i++) {
            struct conn *c = &CONNS[map[i]];
            if (c->fd < 0)
                continue;
            if (pf[i].revents & (POLLERR | POLLNVAL) ||
                (pf[i].revents & POLLHUP && c->out)) {
                conn_close(c); /* gone, or gone while its answer is held */
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
            /* answer pipelined requests one at a time */
            if (!c->out && c->in_len) {
                int k = try_request(c);
                if (k < 0)
                    conn_close(c);
            }
        }
    }
    for (int i = 0; i < MAX_CONNS; i++)
        if (CONNS[i].fd >= 0)
            conn_close(&CONNS[i]);
}

int main(int argc, char **argv)
{
    long port = 0, max_s = 60;
    D.seed = 1;
    D.nwallets = 2;
    D.nmarkets = 6;
    D.rows = 600;
    D.prints = 200;
    D.dups = 10;
    D.board = 200;
    D.open_every = 2;
    D.start = 1767225600; /* 2026-01-01T00:00:00Z */
    D.span = 2 * 86400;
    D.burst_at = -1;
    D.limit_max = 500;
    D.trades_limit_max = 10000;
    D.offset_cap = 10000;
    D.max_line = 4096;
    D.v2_act = D.v2_trades = 1;
    ST.gap_after_429 = ST.gap_after_5xx = -1;
    struct params fp[MAX_FAULTS];
    int nfp = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--no-v2") || !strcmp(a, "--no-v2-activity") ||
            !strcmp(a, "--no-v2-trades")) {
            if (strcmp(a, "--no-v2-trades"))
                D.v2_act = 0;
            if (strcmp(a, "--no-v2-activity"))
                D.v2_trades = 0;
            continue;
        }
        if (!strcmp(a, "--log")) {
            D.log = 1;
            continue;
        }
        if (!strcmp(a, "--help") || i + 1 >= argc)
            usage();
        const char *v = argv[++i];
        if (!strcmp(a, "--port"))
            port = num(a, v, 0, 65535);
        else if (!strcmp(a, "--max-seconds"))
            max_s = num(a, v, 1, 86400);
        else if (!strcmp(a, "--seed"))
            D.seed = (uint64_t)num(a, v, 0, 0x7fffffffL);
        else if (!strcmp(a, "--wallets"))
            D.nwallets = (int)num(a, v, 0, MAX_WALLETS);
        else if (!strcmp(a, "--markets"))
            D.nmarkets = (int)num(a, v, 2, MAX_MARKETS);
        else if (!strcmp(a, "--rows"))
            D.rows = (int)num(a, v, 0, 5000000);
        else if (!strcmp(a, "--prints"))
            D.prints = (int)num(a, v, 0, 5000000);
        else if (!strcmp(a, "--dups"))
            D.dups = (int)num(a, v, 0, 1000000);
        else if (!strcmp(a, "--burst"))
            D.burst = num(a, v, 0, 5000000);
        else if (!strcmp(a, "--burst-at"))
            D.burst_at = num(a, v, 0, 99999999999L);
        else if (!strcmp(a, "--start"))
            D.start = num(a, v, 1, 9999999999L);
        else if (!strcmp(a, "--span"))
            D.span = num(a, v, 1, 10L * 365 * 86400);
        else if (!strcmp(a, "--open-every"))
            D.open_every = (int)num(a, v, 0, MAX_MARKETS);
        else if (!strcmp(a, "--board"))
            D.board = (int)num(a, v, 0, 100000);
        else if (!strcmp(a, "--limit-max"))
            D.limit_max = (int)num(a, v, 1, 100000000);
        else if (!strcmp(a, "--trades-limit-max"))
            D.trades_limit_max = (int)num(a, v, 1, 100000000);
        else if (!strcmp(a, "--offset-cap"))
            D.offset_cap = (int)num(a, v, 0, 100000000);
        else if (!strcmp(a, "--max-line"))
            D.max_line = (int)num(a, v, 64, IN_MAX);
        else if (!strcmp(a, "--fault")) {
            if (nfp == MAX_FAULTS)
                die("more than %d --fault", MAX_FAULTS);
            if (parse_params(v, &fp[nfp]))
                die("--fault %s: too many parameters", v);
            char why[128];
            if (add_fault(&fp[nfp], why, sizeof why))
                die("--fault %s: %s", v, why);
            free(fp[nfp].mem);
            nfp++;
        } else
            usage();
    }
    if (D.burst_at < 0)
        D.burst_at = D.start + D.span / 2;
    generate();
    signal(SIGPIPE, SIG_IGN);
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
        listen(ls, 128) != 0 ||
        getsockname(ls, (struct sockaddr *)&sa, &sl) != 0) {
        fprintf(stderr, "fake_api: cannot listen: %s\n", strerror(errno));
        return 1;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("listening port=%d\n", ntohs(sa.sin_port));
    serve_loop(ls, max_s);
    close(ls);
    return 0;
}
