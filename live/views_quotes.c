/* live/views_quotes.c - the running session's quotes for the position
 * monitor: GET /quotes of the local API (live/status.c) on 127.0.0.1.
 *
 * Decides: how long the monitor waits for the session (connect 300 ms,
 * whole answer 1 s), how much of an answer it takes (1 MiB, more is an
 * error) and what an unusable answer is called. Never: logs or reports the
 * bearer token, parses a price through a float (the route sends decimal
 * strings), or retries (the next frame asks again). */
#include "live/views.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dec.h"
#include "live/api.h"

#define QUOTES_MAX_BODY (1u << 20)

struct body {
    char *p;
    size_t n;
    int over;
};

static size_t on_data(char *d, size_t sz, size_t nm, void *ctx)
{
    struct body *b = ctx;
    size_t k = sz * nm;
    if (b->n + k > QUOTES_MAX_BODY) {
        b->over = 1;
        return 0;
    }
    char *np = realloc(b->p, b->n + k + 1);
    if (!np)
        return 0;
    memcpy(np + b->n, d, k);
    b->p = np;
    b->n += k;
    b->p[b->n] = '\0';
    return k;
}

/* A decimal string member of o into *v; -1 when absent or not exact. */
static int dec_member(json_t *o, const char *key, pmc_micros *v)
{
    json_t *j = json_object_get(o, key);
    if (!json_is_string(j))
        return -1;
    return pmc_dec_parse(json_string_value(j), json_string_length(j), v) ==
                   PMC_OK
               ? 0
               : -1;
}

int pmc_view_quotes_parse(struct pmc_view_quotes *q, const char *text, size_t n)
{
    memset(q, 0, sizeof *q);
    json_error_t je;
    json_t *root = json_loadb(text, n, 0, &je);
    if (!root) {
        snprintf(q->why, sizeof q->why, "GET /quotes: not JSON (line %d: %s)",
                 je.line, je.text);
        return -1;
    }
    json_t *arr = json_object_get(root, "quotes");
    int rc = -1;
    if (dec_member(root, "pnl_today_usd", &q->pnl_today) < 0 ||
        dec_member(root, "realized_today_usd", &q->realized_today) < 0 ||
        dec_member(root, "unrealized_usd", &q->unrealized) < 0 ||
        !json_is_array(arr)) {
        snprintf(q->why, sizeof q->why,
                 "GET /quotes: pnl_today_usd, realized_today_usd, "
                 "unrealized_usd or quotes missing or not exact");
        goto out;
    }
    size_t k = json_array_size(arr);
    if (k && !(q->v = calloc(k, sizeof *q->v))) {
        snprintf(q->why, sizeof q->why, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < k; i++) {
        json_t *e = json_array_get(arr, i);
        json_t *tok = json_object_get(e, "token");
        struct pmc_view_quote *r = &q->v[i];
        if (!json_is_string(tok) ||
            json_string_length(tok) >= sizeof r->token ||
            dec_member(e, "bid", &r->bid) < 0 ||
            dec_member(e, "ask", &r->ask) < 0 ||
            dec_member(e, "mark", &r->mark) < 0 || r->bid < 0 ||
            r->bid > PMC_MICRO || r->ask < 0 || r->ask > PMC_MICRO ||
            r->mark < 0 || r->mark > PMC_MICRO) {
            snprintf(q->why, sizeof q->why,
                     "GET /quotes: quote %zu: token, bid, ask or mark missing, "
                     "not exact or not a price in [0, 1]",
                     i);
            goto out;
        }
        memcpy(r->token, json_string_value(tok), json_string_length(tok) + 1);
    }
    q->n = k;
    q->ok = 1;
    rc = 0;
out:
    json_decref(root);
    if (rc < 0)
        pmc_view_quotes_free(q);
    return rc;
}

int pmc_view_quotes_get(int port, const char *token, struct pmc_view_quotes *q)
{
    memset(q, 0, sizeof *q);
    char url[64], auth[64 + PMC_API_TOKEN_MAX];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/quotes", port);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
    CURL *e = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, auth);
    struct body b = {0};
    int rc = -1;
    if (!e || !h) {
        snprintf(q->why, sizeof q->why, "out of memory");
        goto out;
    }
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 300L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 1000L);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
    CURLcode cc = curl_easy_perform(e);
    long code = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
    if (cc != CURLE_OK)
        snprintf(q->why, sizeof q->why, "127.0.0.1:%d: %s", port,
                 b.over ? "GET /quotes: answer over 1 MiB"
                        : curl_easy_strerror(cc));
    else if (code != 200)
        snprintf(q->why, sizeof q->why, "127.0.0.1:%d: GET /quotes: HTTP %ld",
                 port, code);
    else
        rc = pmc_view_quotes_parse(q, b.p ? b.p : "", b.n);
out:
    free(b.p);
    curl_slist_free_all(h);
    if (e)
        curl_easy_cleanup(e);
    return rc;
}

void pmc_view_quotes_free(struct pmc_view_quotes *q)
{
    free(q->v);
    q->v = NULL;
    q->n = 0;
}
