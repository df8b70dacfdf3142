/* research/fetch/http.c - GET requests over libcurl multi (see http.h).
 *
 * A request's life: waiting (ready_at, its bucket) -> in flight (an easy
 * handle from the pool, at most `jobs`) -> done, or back to waiting when
 * the answer is retried. Easy handles go back to the pool after each
 * request; connections stay in the multi handle's cache (kept alive). */
#include "research/fetch/http.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

int64_t pmc_fx_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t xorshift(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *s = x;
    return x;
}

int pmc_fx_http_init(struct pmc_fx_http *h, int jobs, int max_retries,
                     uint64_t seed, const int64_t limits[PMC_FX_NFAM])
{
    memset(h, 0, sizeof *h);
    h->jobs = jobs < 1 ? 1 : jobs;
    h->max_retries = max_retries < 0 ? 0 : max_retries;
    h->timeout_ms = 120000;
    h->rng = seed ? seed : 0x9e3779b97f4a7c15ULL;
    h->now = pmc_fx_mono_ms;
    int64_t now = h->now();
    for (int f = 0; f < PMC_FX_NFAM; f++)
        pmc_fx_bucket_init(&h->bucket[f], limits[f], now);
    h->pool = calloc((size_t)h->jobs, sizeof *h->pool);
    h->multi = curl_multi_init();
    if (!h->pool || !h->multi) {
        pmc_fx_http_free(h);
        return -1;
    }
    curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS, (long)h->jobs * 2);
    return 0;
}

void pmc_fx_http_free(struct pmc_fx_http *h)
{
    for (size_t i = 0; i < h->npool; i++)
        curl_easy_cleanup(h->pool[i]);
    free(h->pool);
    if (h->multi)
        curl_multi_cleanup(h->multi);
    memset(h, 0, sizeof *h);
}

static size_t on_body(char *p, size_t sz, size_t nm, void *ud)
{
    struct pmc_fx_req *r = ud;
    size_t n = sz * nm;
    if (r->len + n > PMC_FX_BODY_MAX) {
        r->toobig = 1;
        return 0;
    }
    if (r->len + n + 1 > r->cap) {
        size_t nc = r->cap ? r->cap : 65536;
        while (nc < r->len + n + 1)
            nc *= 2;
        char *nb = realloc(r->body, nc);
        if (!nb)
            return 0;
        r->body = nb;
        r->cap = nc;
    }
    memcpy(r->body + r->len, p, n);
    r->len += n;
    r->body[r->len] = '\0';
    return n;
}

static size_t on_header(char *p, size_t sz, size_t nm, void *ud)
{
    struct pmc_fx_req *r = ud;
    size_t n = sz * nm;
    static const char k[] = "retry-after:";
    if (n > sizeof k - 1 && !strncasecmp(p, k, sizeof k - 1)) {
        int64_t v = 0;
        size_t i = sizeof k - 1;
        while (i < n && (p[i] == ' ' || p[i] == '\t'))
            i++;
        size_t d = 0;
        while (i < n && p[i] >= '0' && p[i] <= '9' && d < 9) {
            v = v * 10 + (p[i++] - '0');
            d++;
        }
        if (d > 0) /* seconds; an HTTP date falls back to the backoff */
            r->retry_after = (v > 600 ? 600 : v) * 1000;
    }
    return n;
}

static int start(struct pmc_fx_http *h, struct pmc_fx_req *r, int64_t now)
{
    CURL *e = h->npool ? h->pool[--h->npool] : curl_easy_init();
    if (!e)
        return -1;
    curl_easy_reset(e);
    free(r->body);
    r->body = NULL;
    r->len = r->cap = 0;
    r->toobig = 0;
    r->retry_after = 0;
    r->status = 0;
    curl_easy_setopt(e, CURLOPT_URL, r->url);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(e, CURLOPT_PRIVATE, r);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, h->timeout_ms);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "pmcopy-fetch");
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    if (curl_multi_add_handle(h->multi, e) != CURLM_OK) {
        curl_easy_cleanup(e);
        return -1;
    }
    r->easy = e;
    r->active = 1;
    r->t0 = now;
    r->tries++;
    h->n.requests++;
    return 0;
}

static int retryable(long status)
{
    return status == 408 || status == 425 || status == 429 ||
           (status >= 500 && status <= 599);
}

/* An answer arrived (or the transfer failed): 1 done, 0 retry. */
static int finish(struct pmc_fx_http *h, struct pmc_fx_req *r, CURLcode rc,
                  int64_t now)
{
    CURL *e = r->easy;
    long status = 0;
    if (rc == CURLE_OK)
        curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    curl_multi_remove_handle(h->multi, e);
    if (h->npool < (size_t)h->jobs)
        h->pool[h->npool++] = e;
    else
        curl_easy_cleanup(e);
    r->easy = NULL;
    r->active = 0;
    r->ms = now - r->t0;
    r->status = status;
    int again;
    if (rc != CURLE_OK) {
        snprintf(r->err, sizeof r->err, "%s",
                 r->toobig ? "answer larger than 256 MiB"
                           : curl_easy_strerror(rc));
        again = !r->toobig && rc != CURLE_URL_MALFORMAT &&
                rc != CURLE_UNSUPPORTED_PROTOCOL && rc != CURLE_OUT_OF_MEMORY;
    } else {
        r->err[0] = '\0';
        again = retryable(status);
    }
    uint64_t before = h->bucket[r->fam].slowed;
    pmc_fx_bucket_answer(&h->bucket[r->fam], now, status, r->ms,
                         r->retry_after);
    h->n.slowdowns += h->bucket[r->fam].slowed - before;
    if (status == 429 || status == 503)
        h->n.throttled++;
    if (rc == CURLE_OK)
        h->n.bytes += r->len;
    if (!again || r->tries > h->max_retries)
        return 1;
    int64_t wait = (int64_t)500 << (r->tries - 1 < 6 ? r->tries - 1 : 6);
    if (wait > 30000)
        wait = 30000;
    if (r->retry_after > wait)
        wait = r->retry_after;
    wait += (int64_t)(xorshift(&h->rng) % (uint64_t)(wait / 2 + 1));
    r->ready_at = now + wait;
    h->n.retries++;
    return 0;
}

int pmc_fx_http_run(struct pmc_fx_http *h, struct pmc_fx_req *const *reqs,
                    size_t n)
{
    int64_t now = h->now();
    for (size_t i = 0; i < n; i++) {
        reqs[i]->status = 0;
        reqs[i]->tries = 0;
        reqs[i]->ready_at = now;
        reqs[i]->active = 0;
        reqs[i]->err[0] = '\0';
    }
    char *done = calloc(n ? n : 1, 1);
    if (!done)
        return -1;
    size_t ndone = 0;
    int inflight = 0, rc = 0;
    while (ndone < n) {
        now = h->now();
        int64_t wake = now + 200;
        for (size_t i = 0; i < n && inflight < h->jobs; i++) {
            struct pmc_fx_req *r = reqs[i];
            if (done[i] || r->active)
                continue;
            if (r->ready_at > now) {
                if (r->ready_at < wake)
                    wake = r->ready_at;
                continue;
            }
            int64_t w = pmc_fx_bucket_wait(&h->bucket[r->fam], now);
            if (w > 0) {
                if (now + w < wake)
                    wake = now + w;
                continue;
            }
            (void)pmc_fx_bucket_take(&h->bucket[r->fam], now);
            if (start(h, r, now) != 0) {
                snprintf(r->err, sizeof r->err, "cannot start a transfer");
                done[i] = 1;
                ndone++;
                continue;
            }
            inflight++;
        }
        int running = 0;
        if (curl_multi_perform(h->multi, &running) != CURLM_OK) {
            rc = -1;
            break;
        }
        CURLMsg *m;
        int left;
        while ((m = curl_multi_info_read(h->multi, &left))) {
            if (m->msg != CURLMSG_DONE)
                continue;
            struct pmc_fx_req *r = NULL;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
            CURLcode res = m->data.result;
            inflight--;
            if (finish(h, r, res, h->now()))
                for (size_t i = 0; i < n; i++)
                    if (reqs[i] == r && !done[i]) {
                        done[i] = 1;
                        ndone++;
                    }
        }
        if (ndone >= n)
            break;
        now = h->now();
        int64_t t = wake > now ? wake - now : 0;
        if (t > 200)
            t = 200;
        if (curl_multi_poll(h->multi, NULL, 0, (int)t, NULL) != CURLM_OK) {
            rc = -1;
            break;
        }
    }
    free(done);
    return rc;
}
