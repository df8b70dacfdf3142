/* live/watch/watch.c - the watcher set: configuration, the fill path
 * (wallet filter, canonical key, lag, checkpoint, dedupe, emit), stats.
 * See watch.h. Never reads a clock; `now` comes from pmc_watch_tick. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/tape.h"
#include "live/watch/watch_int.h"

const pmc_ms pmc_watch_lag_bounds[PMC_WATCH_LAG_BUCKETS] = {
    50, 100, 250, 500, 1000, 2000, 5000, 10000, 30000, 60000, 300000, 900000};

static void lag_observe(struct pmc_watch_lag *h, pmc_ms lag)
{
    if (lag < 0) {
        h->negative++;
        lag = 0;
    }
    size_t i = 0;
    while (i < PMC_WATCH_LAG_BUCKETS && lag > pmc_watch_lag_bounds[i])
        i++;
    h->bucket[i]++;
    h->count++;
    h->sum_ms += lag;
}

/* The canonical key of fill f: the k-th identical fill of its transaction
 * in this source's order (a fill seen again gets its k again). */
static enum pmc_err canon_key(struct pmc_watch *w, enum pmc_watch_src s,
                              struct pmc_fill *f, uint64_t batch, int64_t ord)
{
    struct pmc_fill first = *f;
    enum pmc_err e = pmc_fillkey_apply(&first, 1);
    if (e == PMC_OK) {
        if (ord < 0)
            ord = ++w->arrivals[s];
        uint32_t k = pmc_fillkey_occ(&w->occ[s], batch, first.key.h, ord);
        e = pmc_fillkey_apply(f, k);
    }
    return e;
}

static void hub_fill(struct pmc_watch *w, enum pmc_watch_src s,
                     const struct pmc_record *in, int lag_ok, uint64_t batch,
                     int64_t ord)
{
    struct pmc_watch_counters *c = &w->st.c[s];
    if (in->kind != PMC_K_FILL)
        return; /* merge / redeem / split rows: nothing to copy */
    if (!pmc__watch_tracked(w, &in->u.fill.trader)) {
        c->other_wallets++;
        return;
    }
    struct pmc_record rec = *in;
    struct pmc_fill *f = &rec.u.fill;
    c->fills++;
    enum pmc_err e = canon_key(w, s, f, batch, ord);
    if (e != PMC_OK) {
        c->malformed++;
        pmc__watch_log(w, s, "fill dropped: no canonical key (%s): %s",
                       pmc_strerror(e), in->u.fill.key.s);
        return;
    }
    rec.t = w->now;
    if (lag_ok && f->ts > 0)
        lag_observe(&w->st.lag[s], w->now - f->ts);
    if (s != PMC_WATCH_API && f->ts > w->cp[s])
        w->cp[s] = f->ts;
    if (!pmc_dedupe_insert(&w->seen, &f->key)) {
        c->duplicates++;
        return;
    }
    c->records++;
    w->cfg.emit(w->cfg.ctx, &rec, s);
}

static void hub_record(struct pmc_watch *w, enum pmc_watch_src s,
                       const struct pmc_record *in)
{
    struct pmc_record rec = *in;
    rec.t = w->now;
    w->st.c[s].records++;
    w->cfg.emit(w->cfg.ctx, &rec, s);
}

/* A fill a chain reorg removed: counted, logged and emitted as ev=removed
 * under the fill's canonical key (the core withdraws it from its bucket if
 * it still waits there). */
static void hub_removed(struct pmc_watch *w, enum pmc_watch_src s,
                        const struct pmc_record *in, uint64_t batch,
                        int64_t ord)
{
    struct pmc_watch_counters *c = &w->st.c[s];
    if (in->kind != PMC_K_FILL || !pmc__watch_tracked(w, &in->u.fill.trader))
        return;
    struct pmc_fill f = in->u.fill;
    c->removed++;
    if (canon_key(w, s, &f, batch, ord) != PMC_OK) {
        c->malformed++;
        pmc__watch_log(w, s, "reorg: log %s removed (no canonical key)",
                       in->u.fill.key.s);
        return;
    }
    pmc__watch_log(w, s, "reorg: log %s removed: fill %s", in->u.fill.key.s,
                   f.key.s);
    struct pmc_record rec;
    memset(&rec, 0, sizeof rec);
    rec.kind = PMC_K_REMOVED;
    rec.t = w->now;
    rec.u.removed.trader = f.trader;
    rec.u.removed.token = f.token;
    rec.u.removed.key = f.key;
    c->records++;
    w->cfg.emit(w->cfg.ctx, &rec, s);
}

/* What the sources report up; they never call this file. */
static const struct pmc__watch_hub hub = {hub_fill, hub_record,
                                          pmc__poll_backfill, hub_removed};

static char *dup_str(const char *s)
{
    if (!s || !*s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

static const char *const default_exchanges[] = {
    "0xe111180000d2663c0091e4f400237545b87b996b", /* CTF Exchange V2 */
    "0xe2222d279d744050d28e00520010520000310f59", /* NegRisk V2 */
    "0x4bfb41d5b3570defd03c39a9a4d8de6bd8b8982e", /* CTF Exchange V1 */
    "0xc5d563a36ae78145c45a50134d48a1215220f80a", /* NegRisk V1 */
};

#define DEF(field, v)                                                          \
    do {                                                                       \
        if (!w->cfg.field)                                                     \
            w->cfg.field = (v);                                                \
    } while (0)

enum pmc_err pmc_watch_new(const struct pmc_watch_config *cfg, pmc_ms now,
                           struct pmc_watch **out)
{
    *out = NULL;
    struct pmc_watch *w = calloc(1, sizeof *w);
    if (!w)
        return PMC_ENOMEM;
    w->cfg = *cfg;
    w->now = now;
    w->rng = cfg->seed ^ 0x5bd1e9955bd1e995ULL;
    w->first_tick = 1;
    w->hub = &hub;
    DEF(chain_max_wallets, 100);
    DEF(chain_heartbeat_ms, 15000);
    DEF(rtds_ping_ms, 5000);
    DEF(book_ping_ms, 10000);
    DEF(user_ping_ms, 5000);
    DEF(stale_ms, 30000);
    DEF(backoff_min_ms, 500);
    DEF(backoff_max_ms, 30000);
    DEF(max_frame_bytes, (size_t)1 << 20);
    DEF(poll_ms, 5000);
    DEF(poll_idle_ms, 60000);
    DEF(http_timeout_ms, 10000);
    DEF(overlap_ms, 120000);
    DEF(backfill_max_ms, 600000);
    DEF(page_limit, 100);
    DEF(max_pages, 20);
    DEF(max_inflight, 4);
    DEF(max_body_bytes, (size_t)8 << 20);
    if (w->cfg.backoff_max_ms < w->cfg.backoff_min_ms)
        w->cfg.backoff_max_ms = w->cfg.backoff_min_ms;
    enum pmc_err e = PMC_OK;
    if (!cfg->emit) {
        pmc__watch_log(w, PMC_WATCH_CHAIN, "config: no emit callback");
        e = PMC_ECONFIG;
        goto fail;
    }
    w->wallets = calloc(cfg->nwallets ? cfg->nwallets : 1, sizeof *w->wallets);
    if (!w->wallets) {
        e = PMC_ENOMEM;
        goto fail;
    }
    for (size_t i = 0; i < cfg->nwallets; i++) {
        struct pmc_sym a;
        const char *s = cfg->wallets[i] ? cfg->wallets[i] : "";
        if (pmc_addr_norm(s, strlen(s), &a) != PMC_OK) {
            pmc__watch_log(w, PMC_WATCH_CHAIN,
                           "config: wallet %zu is not 40 hex digits", i + 1);
            e = PMC_ECONFIG;
            goto fail;
        }
        if (!pmc__watch_tracked(w, &a))
            w->wallets[w->nwallets++] = a;
    }
    size_t na = cfg->chain_addresses ? cfg->nchain_addresses
                                     : (cfg->chain_v1 ? 4u : 2u);
    w->chain_addrs = calloc(na ? na : 1, sizeof *w->chain_addrs);
    if (!w->chain_addrs) {
        e = PMC_ENOMEM;
        goto fail;
    }
    for (size_t i = 0; i < na; i++) {
        struct pmc_sym a;
        const char *s = cfg->chain_addresses ? cfg->chain_addresses[i]
                                             : default_exchanges[i];
        if (!s || pmc_addr_norm(s, strlen(s), &a) != PMC_OK) {
            pmc__watch_log(w, PMC_WATCH_CHAIN,
                           "config: chain address %zu is not 40 hex digits",
                           i + 1);
            e = PMC_ECONFIG;
            goto fail;
        }
        w->chain_addrs[w->nchain_addrs] = dup_str(a.s);
        if (!w->chain_addrs[w->nchain_addrs++]) {
            e = PMC_ENOMEM;
            goto fail;
        }
    }
    w->seen_mem = malloc(pmc_dedupe_mem_size(WATCH_SEEN_CAP));
    if (!w->seen_mem) {
        e = PMC_ENOMEM;
        goto fail;
    }
    pmc_dedupe_init(&w->seen, w->seen_mem, WATCH_SEEN_CAP);
    w->cfg.chain_url = w->cfg.rtds_url = w->cfg.book_url = w->cfg.api_url =
        w->cfg.user_url = NULL;
    const char *urls[PMC_WATCH_NSRC] = {cfg->chain_url, cfg->rtds_url, NULL,
                                        cfg->book_url, cfg->user_url};
    if (cfg->user_url && *cfg->user_url &&
        (!cfg->user_sub || !cfg->user_frame || !cfg->user_link)) {
        e = PMC_ECONFIG;
        goto fail;
    }
    for (int s = 0; s < PMC_WATCH_NSRC; s++) {
        w->conn[s].w = w;
        w->conn[s].src = (enum pmc_watch_src)s;
        if (urls[s] && *urls[s]) {
            w->conn[s].configured = 1;
            w->conn[s].url = dup_str(urls[s]);
            if (!w->conn[s].url) {
                e = PMC_ENOMEM;
                goto fail;
            }
        }
    }
    if (cfg->api_url && *cfg->api_url) {
        w->api_url = dup_str(cfg->api_url);
        if (!w->api_url) {
            e = PMC_ENOMEM;
            goto fail;
        }
        size_t n = strlen(w->api_url);
        while (n > 0 && w->api_url[n - 1] == '/')
            w->api_url[--n] = '\0';
    }
    w->cfg.wallets = NULL;
    w->cfg.chain_addresses = NULL;
    if ((e = pmc__ws_init(w, &pmc__feed_proto)) != PMC_OK)
        goto fail;
    if ((e = pmc__poll_init(w)) != PMC_OK)
        goto fail;
    *out = w;
    return PMC_OK;
fail:
    pmc_watch_free(w);
    return e;
}

void pmc_watch_free(struct pmc_watch *w)
{
    if (!w)
        return;
    pmc__poll_free(w);
    pmc__ws_free(w);
    for (int s = 0; s < PMC_WATCH_NSRC; s++)
        free(w->conn[s].url);
    for (size_t i = 0; i < w->nchain_addrs; i++)
        free(w->chain_addrs[i]);
    free(w->chain_addrs);
    free(w->wallets);
    free(w->seen_mem);
    free(w->api_url);
    free(w);
}

void pmc_watch_tick(struct pmc_watch *w, pmc_ms now)
{
    if (now > w->now)
        w->now = now;
    if (w->first_tick) {
        w->first_tick = 0;
        /* restored checkpoints: backfill from the latest one */
        pmc_ms cp = 0;
        for (int s = 0; s < PMC_WATCH_NSRC; s++)
            if (w->cp[s] > cp)
                cp = w->cp[s];
        if (cp > 0 && w->api_url)
            pmc__poll_backfill(w, cp - w->cfg.overlap_ms);
    }
    pmc__ws_tick(w);
    pmc__poll_tick(w);
}

static void wake_cb(lws_sorted_usec_list_t *sul)
{
    (void)sul; /* only ends lws_service's wait */
}

int pmc_watch_service(struct pmc_watch *w, int timeout_ms)
{
    int rc = 0;
    if (w->ctx) {
        /* lws sleeps until its next scheduled event: bound the wait */
        lws_sul_schedule(w->ctx, 0, &w->wake, wake_cb,
                         timeout_ms > 0 ? (lws_usec_t)timeout_ms * 1000 : 1);
        if (lws_service(w->ctx, 0) < 0)
            rc = -1;
        lws_sul_cancel(&w->wake);
    }
    pmc__poll_perform(w);
    return rc;
}

pmc_ms pmc_watch_next_deadline(const struct pmc_watch *w)
{
    pmc_ms d = w->now + 1000;
    for (int s = 0; s < PMC_WATCH_NSRC; s++) {
        const struct wconn *c = &w->conn[s];
        if (!c->configured)
            continue;
        if (c->st == WC_IDLE && c->next_connect < d)
            d = c->next_connect;
    }
    pmc_ms p = pmc__poll_next_deadline(w);
    if (p > 0 && p < d)
        d = p;
    return d < w->now ? w->now : d;
}

static int token_ok(const char *t, size_t n)
{
    if (n == 0 || n > PMC_SYM_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = t[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
              (c >= 'A' && c <= 'Z') || c == 'x'))
            return 0;
    }
    return 1;
}

enum pmc_err pmc_watch_book_add(struct pmc_watch *w, const char *token,
                                size_t n)
{
    if (!w->conn[PMC_WATCH_BOOK].configured)
        return PMC_ESTATE;
    if (!token_ok(token, n))
        return n > PMC_SYM_MAX ? PMC_ERANGE : PMC_EPARSE;
    struct pmc_sym t;
    PMC_TRY(pmc_sym_set(&t, token, n));
    for (size_t i = 0; i < w->nbooks; i++)
        if (pmc_sym_eq(&w->books[i], &t))
            return PMC_OK;
    if (w->nbooks == WATCH_BOOK_MAX)
        return PMC_EFULL;
    w->books[w->nbooks++] = t;
    pmc__feed_book_sub(&w->conn[PMC_WATCH_BOOK], &t, 1);
    return PMC_OK;
}

enum pmc_err pmc_watch_book_remove(struct pmc_watch *w, const char *token,
                                   size_t n)
{
    if (!w->conn[PMC_WATCH_BOOK].configured)
        return PMC_ESTATE;
    struct pmc_sym t;
    if (n > PMC_SYM_MAX)
        return PMC_ERANGE;
    PMC_TRY(pmc_sym_set(&t, token, n));
    for (size_t i = 0; i < w->nbooks; i++)
        if (pmc_sym_eq(&w->books[i], &t)) {
            w->books[i] = w->books[--w->nbooks];
            pmc__feed_book_sub(&w->conn[PMC_WATCH_BOOK], &t, 0);
            return PMC_OK;
        }
    return PMC_ENOTFOUND;
}

pmc_ms pmc_watch_checkpoint(const struct pmc_watch *w, enum pmc_watch_src s)
{
    if ((unsigned)s >= PMC_WATCH_NSRC)
        return 0;
    if (s == PMC_WATCH_API)
        return pmc__poll_checkpoint(w);
    return w->cp[s];
}

void pmc_watch_set_checkpoint(struct pmc_watch *w, enum pmc_watch_src s,
                              pmc_ms ms)
{
    if ((unsigned)s >= PMC_WATCH_NSRC || ms < 0)
        return;
    w->cp[s] = ms;
    if (s == PMC_WATCH_API)
        pmc__poll_set_checkpoint(w, ms);
}

const struct pmc_watch_stats *pmc_watch_stats(const struct pmc_watch *w)
{
    return &w->st;
}

struct mbuf {
    char *p;
    size_t n, cap;
    int full;
};

static void mput(struct mbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void mput(struct mbuf *b, const char *fmt, ...)
{
    if (b->full)
        return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
    va_end(ap);
    if (k < 0 || (size_t)k >= b->cap - b->n) {
        b->full = 1;
        return;
    }
    b->n += (size_t)k;
}

static const char *sn(int s)
{
    return pmc_watch_src_name((enum pmc_watch_src)s);
}

size_t pmc_watch_metrics(const struct pmc_watch *w, char *buf, size_t cap)
{
    struct mbuf b = {buf, 0, cap, cap == 0};
    static const struct {
        const char *name, *help;
        size_t off;
    } ctr[] = {
#define C(f, h) {#f, h, offsetof(struct pmc_watch_counters, f)}
        C(connects, "Connection attempts."),
        C(established, "Connections opened."),
        C(disconnects, "Connections closed or failed to open."),
        C(stale, "Silent connections the watchdog reconnected."),
        C(subscribed, "Subscriptions acknowledged or sent."),
        C(frames, "Complete messages received (data API: answers)."),
        C(malformed, "Messages the decoder refused."),
        C(oversized, "Messages over the size limit, dropped."),
        C(records, "Records handed to the loop."),
        C(fills, "Fills of tracked wallets seen, before dedupe."),
        C(duplicates, "Fills not handed over: key already seen."),
        C(other_wallets, "Fills of untracked wallets dropped."),
        C(removed, "Chain logs removed by a reorg."),
        C(gaps, "Disconnects that asked for a backfill."),
        C(tx_dropped, "Outgoing messages dropped on a full queue."),
        C(requests, "Data API requests sent."),
        C(http_ok, "Data API answers 200."),
        C(http_429, "Data API answers 429."),
        C(http_5xx, "Data API answers 5xx."),
        C(http_other, "Data API answers with another status."),
        C(timeouts, "Data API requests timed out."),
        C(net_errors, "Data API requests failed without an answer."),
#undef C
    };
    for (size_t k = 0; k < PMC_ARRAY_LEN(ctr); k++) {
        mput(&b,
             "# HELP pmcopy_watch_%s_total %s\n"
             "# TYPE pmcopy_watch_%s_total counter\n",
             ctr[k].name, ctr[k].help, ctr[k].name);
        for (int s = 0; s < PMC_WATCH_NSRC; s++) {
            const char *base = (const char *)&w->st.c[s];
            uint64_t v;
            memcpy(&v, base + ctr[k].off, sizeof v);
            mput(&b, "pmcopy_watch_%s_total{source=\"%s\"} %llu\n", ctr[k].name,
                 sn(s), (unsigned long long)v);
        }
    }
    mput(&b, "# HELP pmcopy_watch_lag_ms Detection lag of source fills "
             "(receive time - source time), ms.\n"
             "# TYPE pmcopy_watch_lag_ms histogram\n");
    for (int s = 0; s < PMC_WATCH_NSRC; s++) {
        const struct pmc_watch_lag *h = &w->st.lag[s];
        uint64_t cum = 0;
        for (size_t i = 0; i <= PMC_WATCH_LAG_BUCKETS; i++) {
            cum += h->bucket[i];
            if (i < PMC_WATCH_LAG_BUCKETS)
                mput(&b,
                     "pmcopy_watch_lag_ms_bucket{source=\"%s\",le=\"%lld\"} "
                     "%llu\n",
                     sn(s), (long long)pmc_watch_lag_bounds[i],
                     (unsigned long long)cum);
            else
                mput(&b,
                     "pmcopy_watch_lag_ms_bucket{source=\"%s\",le=\"+Inf\"} "
                     "%llu\n",
                     sn(s), (unsigned long long)cum);
        }
        mput(&b, "pmcopy_watch_lag_ms_sum{source=\"%s\"} %lld\n", sn(s),
             (long long)h->sum_ms);
        mput(&b, "pmcopy_watch_lag_ms_count{source=\"%s\"} %llu\n", sn(s),
             (unsigned long long)h->count);
    }
    mput(&b, "# HELP pmcopy_watch_up 1 while the source's websocket is open "
             "and subscribed (configured sources only).\n"
             "# TYPE pmcopy_watch_up gauge\n");
    for (int s = 0; s < PMC_WATCH_NSRC; s++)
        if (s != PMC_WATCH_API && w->conn[s].configured)
            mput(&b, "pmcopy_watch_up{source=\"%s\"} %d\n", sn(s),
                 pmc_watch_is_up(w, (enum pmc_watch_src)s));
    return b.full ? 0 : b.n;
}
