/* live/watch/poll.c - the data API poller (libcurl multi, owned by the
 * watcher set): per tracked wallet, rounds of paged requests
 *   /activity?user=W&type=TRADE&start=S&limit=L&offset=O&sortBy=TIMESTAMP
 *            &sortDirection=ASC
 *   /trades?user=W&takerOnly=false&limit=L&offset=O  (newest first)
 * A round starts from the wallet's last complete round minus overlap_ms
 * (or from an earlier backfill request), never before now -
 * backfill_max_ms, and ends on a short page, max_pages, or (trades) a page
 * reaching back before its start.
 *
 * Decides: when to poll (fallback interval while no websocket fill source
 * is subscribed, the idle interval otherwise, at once on a backfill
 * request), how to back off: HTTP 429 stops every request until the
 * Retry-After / X-RateLimit-Reset / RateLimit-Reset / Poly-RateLimit-Reset
 * time (delta seconds, or epoch seconds when > 1e9) or the backoff,
 * whichever is later; 5xx, timeouts and network errors retry the same page
 * after exponential backoff with jitter; other statuses end the round.
 * Never reads a clock, never blocks (curl_multi_perform only), never keeps
 * a body over max_body_bytes. Fills go up through the hub's ops (w->hub),
 * never by calling watch.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "live/logfmt.h"
#include "proto/wire/data_api.h"
#include "live/watch/watch_int.h"

static size_t on_body(char *p, size_t sz, size_t nm, void *ud)
{
    struct pwallet *pw = ud;
    size_t n = sz * nm;
    if (pw->n + n > pw->max_body) {
        pw->over = 1;
        return 0; /* curl fails the transfer with CURLE_WRITE_ERROR */
    }
    if (pw->n + n + 1 > pw->cap) {
        size_t nc = pw->cap ? pw->cap : 16384;
        while (nc < pw->n + n + 1)
            nc *= 2;
        char *q = realloc(pw->body, nc);
        if (!q) {
            pw->over = 1;
            return 0;
        }
        pw->body = q;
        pw->cap = nc;
    }
    memcpy(pw->body + pw->n, p, n);
    pw->n += n;
    return n;
}

/* Leading decimal integer of a header value; a fraction rounds up. */
static int64_t parse_i64(const char *s, size_t n, int *ok)
{
    int64_t v = 0;
    size_t i = 0;
    *ok = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    size_t d0 = i;
    while (i < n && s[i] >= '0' && s[i] <= '9' && v < (int64_t)1 << 50)
        v = v * 10 + (s[i++] - '0');
    if (i == d0)
        return 0;
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            if (s[i++] != '0') {
                v++;
                break;
            }
    }
    *ok = 1;
    return v;
}

/* Rate-limit headers: a value > 1e9 is an epoch time in seconds, else a
 * delay in seconds (an HTTP-date Retry-After is not understood: the
 * backoff applies). */
static size_t on_header(char *p, size_t sz, size_t nm, void *ud)
{
    struct pwallet *pw = ud;
    size_t n = sz * nm;
    static const char *const names[] = {
        "retry-after:", "x-ratelimit-reset:", "ratelimit-reset:",
        "poly-ratelimit-reset:"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        size_t kn = strlen(names[k]);
        if (n > kn && !strncasecmp(p, names[k], kn)) {
            int ok;
            int64_t v = parse_i64(p + kn, n - kn, &ok);
            if (!ok)
                break;
            if (v > 1000000000) {
                if (v > pw->reset_epoch_s)
                    pw->reset_epoch_s = v;
            } else if (v * 1000 > pw->retry_after) {
                pw->retry_after = v * 1000;
            }
            break;
        }
    }
    return n;
}

/* The data API's host, for the lines of a failed request. */
static const char *api_host(const struct pmc_watch *w, char *buf, size_t cap)
{
    return pmc_url_host(w->api_url, buf, cap);
}

enum pmc_err pmc__poll_init(struct pmc_watch *w)
{
    if (!w->api_url)
        return PMC_OK;
    if (strncmp(w->api_url, "http://", 7) &&
        strncmp(w->api_url, "https://", 8)) {
        pmc__watch_log(w, PMC_WATCH_API,
                       "config: api_url must start with http:// or https://");
        return PMC_ECONFIG;
    }
    w->multi = curl_multi_init();
    if (!w->multi)
        return PMC_EIO;
    w->pw = calloc(w->nwallets ? w->nwallets : 1, sizeof *w->pw);
    if (!w->pw)
        return PMC_ENOMEM;
    for (size_t i = 0; i < w->nwallets; i++) {
        struct pwallet *pw = &w->pw[i];
        pw->addr = w->wallets[i];
        pw->retry_after = -1;
        pw->max_body = w->cfg.max_body_bytes;
        /* first regular round after one interval: the websockets get a
         * chance to come up first */
        pw->last_round = w->now;
    }
    return PMC_OK;
}

void pmc__poll_free(struct pmc_watch *w)
{
    if (w->pw) {
        for (size_t i = 0; i < w->nwallets; i++) {
            struct pwallet *pw = &w->pw[i];
            if (pw->easy) {
                curl_multi_remove_handle(w->multi, pw->easy);
                curl_easy_cleanup(pw->easy);
            }
            free(pw->body);
        }
        free(w->pw);
        w->pw = NULL;
    }
    if (w->multi) {
        curl_multi_cleanup(w->multi);
        w->multi = NULL;
    }
}

void pmc__poll_backfill(struct pmc_watch *w, pmc_ms from)
{
    if (!w->pw)
        return;
    if (from < 1)
        from = 1;
    for (size_t i = 0; i < w->nwallets; i++) {
        struct pwallet *pw = &w->pw[i];
        if (pw->want_from == 0 || from < pw->want_from)
            pw->want_from = from;
    }
}

pmc_ms pmc__poll_checkpoint(const struct pmc_watch *w)
{
    if (!w->pw || w->nwallets == 0)
        return w->cp[PMC_WATCH_API];
    pmc_ms m = w->pw[0].done_until;
    for (size_t i = 1; i < w->nwallets; i++)
        if (w->pw[i].done_until < m)
            m = w->pw[i].done_until;
    return m;
}

void pmc__poll_set_checkpoint(struct pmc_watch *w, pmc_ms ms)
{
    if (!w->pw)
        return;
    for (size_t i = 0; i < w->nwallets; i++)
        w->pw[i].done_until = ms;
}

static pmc_ms interval(const struct pmc_watch *w)
{
    if (!pmc__watch_fill_ws_configured(w) || !pmc__watch_fill_ws_up(w))
        return w->cfg.poll_ms;
    return w->cfg.poll_idle_ms; /* -1: never */
}

pmc_ms pmc__poll_next_deadline(const struct pmc_watch *w)
{
    if (!w->pw)
        return 0;
    pmc_ms d = 0, iv = interval(w);
    for (size_t i = 0; i < w->nwallets; i++) {
        const struct pwallet *pw = &w->pw[i];
        pmc_ms t;
        if (pw->easy)
            continue;
        if (pw->in_round || pw->want_from)
            t = pw->retry_at > w->api_not_before ? pw->retry_at
                                                 : w->api_not_before;
        else if (iv > 0)
            t = pw->last_round + iv;
        else
            continue;
        if (d == 0 || t < d)
            d = t;
    }
    return d;
}

static void start_request(struct pmc_watch *w, struct pwallet *pw)
{
    const struct pmc_watch_config *cfg = &w->cfg;
    int k;
    if (cfg->api_route == PMC_WATCH_ROUTE_TRADES)
        k = snprintf(pw->url, sizeof pw->url,
                     "%s/trades?user=%s&takerOnly=false&limit=%u&offset=%u",
                     w->api_url, pw->addr.s, cfg->page_limit, pw->offset);
    else
        k = snprintf(pw->url, sizeof pw->url,
                     "%s/activity?user=%s&type=TRADE&start=%lld&limit=%u"
                     "&offset=%u&sortBy=TIMESTAMP&sortDirection=ASC",
                     w->api_url, pw->addr.s, (long long)(pw->from / 1000),
                     cfg->page_limit, pw->offset);
    if (k <= 0 || (size_t)k >= sizeof pw->url) {
        pmc__watch_log(w, PMC_WATCH_API, "request URL too long");
        pw->in_round = 0;
        return;
    }
    CURL *e = curl_easy_init();
    if (!e) {
        pw->retry_at = w->now + pmc__watch_backoff(w, pw->fails++);
        return;
    }
    pw->n = 0;
    pw->over = 0;
    pw->retry_after = -1;
    pw->reset_epoch_s = 0;
    curl_easy_setopt(e, CURLOPT_URL, pw->url);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, pw);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, pw);
    curl_easy_setopt(e, CURLOPT_PRIVATE, pw);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)cfg->http_timeout_ms);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)cfg->http_timeout_ms);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(e, CURLOPT_USERAGENT, "pmcopy");
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE,
                     (curl_off_t)cfg->max_body_bytes);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
    if (curl_multi_add_handle(w->multi, e) != CURLM_OK) {
        curl_easy_cleanup(e);
        pw->retry_at = w->now + pmc__watch_backoff(w, pw->fails++);
        return;
    }
    pw->easy = e;
    w->inflight++;
    w->st.c[PMC_WATCH_API].requests++;
}

void pmc__poll_tick(struct pmc_watch *w)
{
    if (!w->pw)
        return;
    pmc__poll_perform(w);
    pmc_ms iv = interval(w);
    for (size_t i = 0; i < w->nwallets; i++) {
        struct pwallet *pw = &w->pw[i];
        if (pw->easy)
            continue;
        if (!pw->in_round) {
            int due =
                pw->want_from > 0 || (iv > 0 && w->now >= pw->last_round + iv);
            if (!due)
                continue;
            pmc_ms from = pw->done_until > 0
                              ? pw->done_until - w->cfg.overlap_ms
                              : w->now - w->cfg.overlap_ms;
            if (pw->want_from > 0 && pw->want_from < from)
                from = pw->want_from;
            if (from < w->now - w->cfg.backfill_max_ms)
                from = w->now - w->cfg.backfill_max_ms;
            pw->in_round = 1;
            pw->want_from = 0;
            pw->from = from;
            pw->round_start = w->now;
            pw->last_round = w->now;
            pw->offset = 0;
            pw->page = 0;
            pw->retry_at = 0;
        }
        if (w->now < pw->retry_at || w->now < w->api_not_before ||
            w->inflight >= w->cfg.max_inflight)
            continue;
        start_request(w, pw);
    }
}

struct page_ctx {
    struct pmc_watch *w;
    pmc_ms from, min_ts;
    int route_trades;
    uint64_t batch; /* this response */
    int64_t nfill;  /* fills of it so far */
};

static enum pmc_err page_emit(void *ctx, const struct pmc_record *rec,
                              const struct pmc_wire_extra *x)
{
    (void)x;
    struct page_ctx *p = ctx;
    pmc_ms ts = rec->kind == PMC_K_FILL ? rec->u.fill.ts : rec->t;
    if (p->min_ts == 0 || ts < p->min_ts)
        p->min_ts = ts;
    if (rec->kind != PMC_K_FILL)
        return PMC_OK;
    if (p->route_trades && ts < p->from)
        return PMC_OK; /* before this round's window */
    p->w->hub->fill(p->w, PMC_WATCH_API, rec, 1, p->batch, p->nfill++);
    return PMC_OK;
}

static void round_done(struct pwallet *pw)
{
    pw->in_round = 0;
    pw->fails = 0;
    if (pw->round_start > pw->done_until)
        pw->done_until = pw->round_start;
}

static void retry_later(struct pmc_watch *w, struct pwallet *pw)
{
    pw->retry_at = w->now + pmc__watch_backoff(w, pw->fails);
    if (pw->fails < 30)
        pw->fails++;
}

static void finished(struct pmc_watch *w, struct pwallet *pw, CURLcode cc)
{
    struct pmc_watch_counters *c = &w->st.c[PMC_WATCH_API];
    char host[128];
    long status = 0;
    curl_easy_getinfo(pw->easy, CURLINFO_RESPONSE_CODE, &status);
    if (cc != CURLE_OK) {
        if (cc == CURLE_OPERATION_TIMEDOUT) {
            c->timeouts++;
            pmc__watch_log(w, PMC_WATCH_API,
                           "request timed out after %lld ms: %s (host %s)",
                           (long long)w->cfg.http_timeout_ms, w->api_url,
                           api_host(w, host, sizeof host));
        } else if (cc == CURLE_FILESIZE_EXCEEDED || cc == CURLE_WRITE_ERROR) {
            c->oversized++;
            pmc__watch_log(w, PMC_WATCH_API, "response over %zu bytes dropped",
                           w->cfg.max_body_bytes);
        } else {
            c->net_errors++;
            pmc__watch_log(w, PMC_WATCH_API, "request failed: %s: %s (host %s)",
                           curl_easy_strerror(cc), w->api_url,
                           api_host(w, host, sizeof host));
        }
        retry_later(w, pw);
        return;
    }
    if (status == 429) {
        c->http_429++;
        pmc_ms wait = pmc__watch_backoff(w, pw->fails);
        if (pw->fails < 30)
            pw->fails++;
        if (pw->retry_after > wait)
            wait = pw->retry_after;
        if (pw->reset_epoch_s > 0 && pw->reset_epoch_s * 1000 - w->now > wait)
            wait = pw->reset_epoch_s * 1000 - w->now;
        if (wait > w->cfg.backfill_max_ms)
            wait = w->cfg.backfill_max_ms;
        if (w->now + wait > w->api_not_before)
            w->api_not_before = w->now + wait;
        pmc__watch_log(w, PMC_WATCH_API,
                       "HTTP 429 rate limited; pausing requests %lld ms",
                       (long long)wait);
        return; /* same page again after the pause */
    }
    if (status >= 500) {
        c->http_5xx++;
        retry_later(w, pw);
        pmc__watch_log(w, PMC_WATCH_API,
                       "HTTP %ld from %s (host %s); retrying in %lld ms",
                       status, w->api_url, api_host(w, host, sizeof host),
                       (long long)(pw->retry_at - w->now));
        return;
    }
    if (status != 200) {
        c->http_other++;
        pmc__watch_log(w, PMC_WATCH_API,
                       "HTTP %ld from %s (host %s); round abandoned", status,
                       w->api_url, api_host(w, host, sizeof host));
        pw->in_round = 0;
        return;
    }
    c->http_ok++;
    c->frames++;
    struct page_ctx pc = {w,
                          pw->from,
                          0,
                          w->cfg.api_route == PMC_WATCH_ROUTE_TRADES,
                          ++w->api_batch,
                          0};
    struct pmc_wire_sink sink = {0};
    struct pmc_wire_err err = {0};
    sink.emit = page_emit;
    sink.ctx = &pc;
    enum pmc_err e = pmc_wire_decode_activity(pw->body ? pw->body : "[]", pw->n,
                                              &sink, &err);
    if (e != PMC_OK) {
        c->malformed++;
        pmc__watch_log(w, PMC_WATCH_API,
                       "malformed response dropped: row %zu: %s", err.row,
                       err.msg[0] ? err.msg : pmc_strerror(e));
        retry_later(w, pw);
        return;
    }
    pw->page++;
    int more = sink.rows >= w->cfg.page_limit && pw->page < w->cfg.max_pages;
    if (pc.route_trades && pc.min_ts > 0 && pc.min_ts < pw->from)
        more = 0;
    if (more) {
        pw->offset += w->cfg.page_limit;
        pw->retry_at = 0;
        pw->fails = 0;
    } else {
        round_done(pw);
    }
}

void pmc__poll_perform(struct pmc_watch *w)
{
    if (!w->multi)
        return;
    int running;
    curl_multi_perform(w->multi, &running);
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(w->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        CURL *e = m->easy_handle;
        CURLcode cc = m->data.result;
        struct pwallet *pw = NULL;
        curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&pw);
        if (pw && pw->easy == e) {
            finished(w, pw, cc);
            pw->easy = NULL;
        }
        curl_multi_remove_handle(w->multi, e);
        curl_easy_cleanup(e);
        if (w->inflight)
            w->inflight--;
    }
}
