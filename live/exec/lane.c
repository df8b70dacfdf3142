/* live/exec/lane.c - one kept-alive connection written and read directly
 * (see lane.h).
 *
 * libcurl opens the connection: an easy handle with CURLOPT_CONNECT_ONLY
 * in a multi handle of the lane's own, so connecting never blocks and the
 * executor's other transfers never share or evict it. The handle stays in
 * that multi while the connection is used (removing it closes a
 * CONNECT_ONLY connection); closing the lane removes it, and adding it
 * again opens a new connection. */
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "live/exec/lane.h"
#include "live/killpoint.h"

#define OUT_MAX 16384
#define RETRY_MIN_MS 100
#define RETRY_MAX_MS 5000
#define IDLE_CHECK_MS 100 /* an idle connection is looked at this often */

struct pmc_lane {
    CURLM *multi;
    CURL *easy;
    enum pmc_lane_state state;
    int added; /* easy is in multi */
    pmc_ms next_try;
    pmc_ms retry_ms;
    pmc_ms next_check; /* of an idle connection */
    curl_socket_t fd;
    uint64_t connects;
    /* the request */
    size_t out_len, out_off;
    pmc_ms sent_at;
    struct timespec t0;
    int64_t last_us;
    struct pmc_http1_resp resp;
    const char *why;
    char host[300];
    char prefix[256];
    char url[600];
    char out[OUT_MAX];
};

static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void close_conn(struct pmc_lane *l, pmc_ms retry_at)
{
    if (l->added) {
        curl_multi_remove_handle(l->multi, l->easy); /* closes it */
        l->added = 0;
    }
    l->fd = CURL_SOCKET_BAD;
    l->state = PMC_LANE_DOWN;
    l->next_try = retry_at;
}

/* A failure to connect or a connection lost while idle: back off. */
static void fail_down(struct pmc_lane *l, pmc_ms now)
{
    close_conn(l, now + l->retry_ms);
    l->retry_ms =
        l->retry_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : l->retry_ms * 2;
}

enum pmc_err pmc_lane_new(const char *base_url, const char *ca_file,
                          long connect_timeout_ms, struct pmc_lane **out,
                          char *why, size_t cap)
{
    *out = NULL;
    struct pmc_lane *l = calloc(1, sizeof *l);
    if (!l)
        return PMC_ENOMEM;
    l->fd = CURL_SOCKET_BAD;
    l->retry_ms = RETRY_MIN_MS;
    CURLU *u = curl_url();
    char *host = NULL, *port = NULL, *path = NULL;
    enum pmc_err e = PMC_OK;
    if (!u) {
        e = PMC_ENOMEM;
    } else if (strlen(base_url) >= sizeof l->url ||
               curl_url_set(u, CURLUPART_URL, base_url, 0) != CURLUE_OK ||
               curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
        snprintf(why, cap, "base URL is not a URL libcurl can use");
        e = PMC_ECONFIG;
    } else {
        curl_url_get(u, CURLUPART_PORT, &port, 0); /* absent: default */
        curl_url_get(u, CURLUPART_PATH, &path, 0);
        size_t pl = path ? strlen(path) : 0;
        while (pl && path[pl - 1] == '/')
            pl--;
        int k1 = snprintf(l->host, sizeof l->host, "%s%s%s", host,
                          port ? ":" : "", port ? port : "");
        int k2 = snprintf(l->prefix, sizeof l->prefix, "%.*s", (int)pl,
                          path ? path : "");
        if (k1 < 0 || (size_t)k1 >= sizeof l->host || k2 < 0 ||
            (size_t)k2 >= sizeof l->prefix) {
            snprintf(why, cap, "base URL too long");
            e = PMC_ECONFIG;
        }
        snprintf(l->url, sizeof l->url, "%s", base_url);
    }
    curl_free(host);
    curl_free(port);
    curl_free(path);
    curl_url_cleanup(u);
    if (e == PMC_OK &&
        (!(l->multi = curl_multi_init()) || !(l->easy = curl_easy_init()))) {
        snprintf(why, cap, "libcurl cannot start");
        e = PMC_EIO;
    }
    if (e != PMC_OK) {
        pmc_lane_free(l);
        return e;
    }
    CURL *c = l->easy;
    curl_easy_setopt(c, CURLOPT_URL, l->url);
    curl_easy_setopt(c, CURLOPT_CONNECT_ONLY, 1L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, connect_timeout_ms);
    /* through a proxy, always a tunnel: the request we write is for the
     * origin server */
    curl_easy_setopt(c, CURLOPT_HTTPPROXYTUNNEL, 1L);
    /* the lane speaks HTTP/1.1: TLS must not agree on h2 (ALPN) */
    curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    if (ca_file)
        curl_easy_setopt(c, CURLOPT_CAINFO, ca_file); /* libcurl copies it */
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
    *out = l;
    return PMC_OK;
}

void pmc_lane_free(struct pmc_lane *l)
{
    if (!l)
        return;
    if (l->easy && l->multi)
        close_conn(l, 0);
    if (l->easy)
        curl_easy_cleanup(l->easy);
    if (l->multi)
        curl_multi_cleanup(l->multi);
    explicit_bzero(l->out, sizeof l->out); /* a request carries L2 headers */
    free(l);
}

enum pmc_lane_state pmc_lane_state(const struct pmc_lane *l)
{
    return l->state;
}

const char *pmc_lane_host(const struct pmc_lane *l)
{
    return l->host;
}

const char *pmc_lane_prefix(const struct pmc_lane *l)
{
    return l->prefix;
}

int pmc_lane_socket(const struct pmc_lane *l)
{
    return l->state == PMC_LANE_BUSY ? (int)l->fd : -1;
}

int64_t pmc_lane_last_us(const struct pmc_lane *l)
{
    return l->last_us;
}

uint64_t pmc_lane_connects(const struct pmc_lane *l)
{
    return l->connects;
}

/* Is the idle connection still open? Peeks at the socket: nothing to
 * read is the healthy case. Bytes waiting on a TLS connection may be a
 * post-handshake message (a session ticket), which libcurl's read
 * consumes; anything else unasked is a broken connection. */
static int idle_alive(struct pmc_lane *l)
{
    char c;
    ssize_t n = recv(l->fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n < 0)
        return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
    if (n == 0)
        return 0; /* the server closed it */
    char buf[512];
    size_t got = 0;
    CURLcode rc = curl_easy_recv(l->easy, buf, sizeof buf, &got);
    return rc == CURLE_AGAIN;
}

int pmc_lane_usable(struct pmc_lane *l, pmc_ms now)
{
    if (l->state != PMC_LANE_IDLE)
        return 0;
    if (idle_alive(l))
        return 1;
    fail_down(l, now);
    return 0;
}

void pmc_lane_tick(struct pmc_lane *l, pmc_ms now)
{
    if (l->state == PMC_LANE_DOWN) {
        if (now < l->next_try)
            return;
        if (curl_multi_add_handle(l->multi, l->easy) != CURLM_OK) {
            fail_down(l, now);
            return;
        }
        l->added = 1;
        l->state = PMC_LANE_CONNECTING; /* and start at once */
    }
    switch (l->state) {
    case PMC_LANE_DOWN:
        return;
    case PMC_LANE_CONNECTING: {
        int running = 0, left = 0;
        curl_multi_perform(l->multi, &running);
        CURLMsg *m;
        while ((m = curl_multi_info_read(l->multi, &left))) {
            if (m->msg != CURLMSG_DONE || m->easy_handle != l->easy)
                continue;
            curl_socket_t s = CURL_SOCKET_BAD;
            if (m->data.result != CURLE_OK ||
                curl_easy_getinfo(l->easy, CURLINFO_ACTIVESOCKET, &s) !=
                    CURLE_OK ||
                s == CURL_SOCKET_BAD) {
                fail_down(l, now);
                return;
            }
            l->fd = s;
            l->state = PMC_LANE_IDLE;
            l->retry_ms = RETRY_MIN_MS;
            l->connects++;
        }
        return;
    }
    case PMC_LANE_IDLE:
        /* a request checks first anyway; this reopens a connection the
         * server closed before the next request needs it */
        if (now < l->next_check)
            return;
        l->next_check = now + IDLE_CHECK_MS;
        if (!idle_alive(l))
            fail_down(l, now); /* closed by the server: reopen soon */
        return;
    case PMC_LANE_BUSY:
        return;
    }
}

/* The request's last byte is out, its answer not read: the "sent" kill
 * point (live/killpoint.h). */
static void written(const struct pmc_lane *l)
{
    if (l->out_len && l->out_off == l->out_len)
        pmc_killpoint(PMC_KP_SENT);
}

/* Write what is left of the request. -1 on a send error. */
static int push(struct pmc_lane *l)
{
    while (l->out_off < l->out_len) {
        size_t n = 0;
        CURLcode rc = curl_easy_send(l->easy, l->out + l->out_off,
                                     l->out_len - l->out_off, &n);
        if (rc == CURLE_AGAIN)
            return 0;
        if (rc != CURLE_OK)
            return -1;
        l->out_off += n;
        written(l);
    }
    return 0;
}

enum pmc_err pmc_lane_send(struct pmc_lane *l, const char *head,
                           size_t head_len, const char *body, size_t body_len,
                           char *resp, size_t cap, pmc_ms now,
                           void (*before)(void *), void *ctx)
{
    if (l->state != PMC_LANE_IDLE)
        return PMC_ESTATE;
    if (head_len + body_len > sizeof l->out)
        return PMC_ERANGE;
    memcpy(l->out, head, head_len);
    if (body_len)
        memcpy(l->out + head_len, body, body_len);
    l->out_len = head_len + body_len;
    l->out_off = 0;
    pmc_http1_resp_init(&l->resp, resp, cap);
    l->why = NULL;
    l->sent_at = now;
    if (before)
        before(ctx);
    int64_t t0 = mono_us();
    size_t n = 0;
    CURLcode rc = curl_easy_send(l->easy, l->out, l->out_len, &n);
    if (rc != CURLE_OK && rc != CURLE_AGAIN) {
        /* the first write failed: nothing of this request left */
        close_conn(l, now);
        return PMC_ESTATE;
    }
    l->out_off = rc == CURLE_OK ? n : 0;
    l->last_us = t0; /* the start, until the answer is complete */
    l->state = PMC_LANE_BUSY;
    written(l);
    return PMC_OK;
}

static enum pmc_lane_outcome end(struct pmc_lane *l, enum pmc_lane_outcome o,
                                 const char *why, pmc_ms now)
{
    explicit_bzero(l->out, l->out_len);
    l->out_len = l->out_off = 0;
    l->why = why;
    if (o == PMC_LANE_ANSWERED) {
        l->last_us = mono_us() - l->last_us;
        if (l->resp.keep_alive) {
            l->state = PMC_LANE_IDLE;
            return o;
        }
    }
    close_conn(l, now);
    return o;
}

enum pmc_lane_outcome pmc_lane_poll(struct pmc_lane *l, pmc_ms now,
                                    pmc_ms timeout_ms,
                                    const struct pmc_http1_resp **resp,
                                    const char **why)
{
    *resp = &l->resp;
    *why = l->why;
    if (l->state != PMC_LANE_BUSY)
        return PMC_LANE_PENDING;
    enum pmc_lane_outcome o = PMC_LANE_PENDING;
    if (push(l) < 0) {
        o = end(l, PMC_LANE_NO_ANSWER, "connection failed while sending", now);
        *why = l->why;
        return o;
    }
    char buf[4096];
    for (int rounds = 0; rounds < 64; rounds++) {
        size_t got = 0, used = 0;
        int done = 0;
        CURLcode rc = curl_easy_recv(l->easy, buf, sizeof buf, &got);
        if (rc == CURLE_AGAIN)
            break;
        if (rc != CURLE_OK) {
            o = end(l, PMC_LANE_NO_ANSWER,
                    pmc_http1_resp_received(&l->resp)
                        ? "connection failed mid-answer"
                        : "connection failed before the answer",
                    now);
            break;
        }
        enum pmc_err e =
            got ? pmc_http1_resp_feed(&l->resp, buf, got, &used, &done)
                : pmc_http1_resp_eof(&l->resp, &done);
        if (e != PMC_OK) {
            o = end(l, got ? PMC_LANE_BAD_ANSWER : PMC_LANE_NO_ANSWER,
                    l->resp.why, now);
            break;
        }
        if (done) {
            if (used < got) /* bytes nobody asked for: not reusable */
                l->resp.keep_alive = 0;
            if (l->out_off < l->out_len) /* answered before fully sent */
                l->resp.keep_alive = 0;
            o = end(l, PMC_LANE_ANSWERED, NULL, now);
            break;
        }
    }
    if (o == PMC_LANE_PENDING && now - l->sent_at >= timeout_ms)
        o = end(l, PMC_LANE_TIMEOUT, "no answer within the timeout", now);
    *why = l->why;
    return o;
}

void pmc_lane_abort(struct pmc_lane *l)
{
    if (l->state != PMC_LANE_BUSY)
        return;
    explicit_bzero(l->out, l->out_len);
    l->out_len = l->out_off = 0;
    close_conn(l, 0);
}
