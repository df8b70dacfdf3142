/* live/alert.c - the webhook poster of alerts (see alert.h).
 *
 * Decides: the body of each format, when an attempt counts as delivered
 * (2xx), which failures are retried and how long to wait, what a full
 * queue does. Never: blocks the caller (one mutex around a ring; the HTTP
 * work is on the worker), logs the URL's path or query. */
#include "live/alert.h"

#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct item {
    pmc_ms t;
    char event[48], level[16], text[400];
};

struct pmc_alert {
    struct pmc_alert_opts o;
    char *url, *chat, *name;
    char host[128];
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct item *q;
    int cap, head, n, stop, busy;
    uint64_t lost_unreported; /* dropped since the last delivered alert */
    struct pmc_alert_stats st;
};

int pmc_alert_fmt_parse(const char *s)
{
    if (!strcmp(s, "generic"))
        return PMC_ALERT_GENERIC;
    if (!strcmp(s, "telegram"))
        return PMC_ALERT_TELEGRAM;
    return -1;
}

void pmc_alert_url_host(const char *url, char *out, size_t cap)
{
    const char *p = strstr(url, "://");
    const char *h = p ? p + 3 : url;
    size_t n = strcspn(h, "/?#");
    const char *at = memchr(h, '@', n); /* user:password@ is a secret too */
    if (at) {
        n -= (size_t)(at + 1 - h);
        h = at + 1;
    }
    snprintf(out, cap, "%.*s%s%.*s", p ? (int)(p - url) : 0, url,
             p ? "://" : "", (int)n, h);
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static char *body_of(const struct pmc_alert *a, const struct item *it,
                     uint64_t lost)
{
    char text[600];
    if (lost)
        snprintf(text, sizeof text, "%s (%llu earlier alerts were dropped)",
                 it->text, (unsigned long long)lost);
    else
        snprintf(text, sizeof text, "%s", it->text);
    json_t *j;
    if (a->o.fmt == PMC_ALERT_TELEGRAM) {
        char line[700];
        snprintf(line, sizeof line, "pmcopy%s%s [%s] %s: %s",
                 a->name ? " " : "", a->name ? a->name : "", it->level,
                 it->event, text);
        j = json_pack("{s:s, s:s, s:b}", "chat_id", a->chat, "text", line,
                      "disable_web_page_preview", 1);
    } else {
        j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I}", "source", "pmcopy",
                      "name", a->name ? a->name : "", "event", it->event,
                      "level", it->level, "text", text, "t", (json_int_t)it->t,
                      "dropped_before", (json_int_t)lost);
    }
    if (!j)
        return NULL;
    char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    return s;
}

static size_t discard(char *p, size_t sz, size_t n, void *u)
{
    (void)p;
    (void)u;
    return sz * n;
}

/* One attempt: 0 delivered, 1 retry, -1 give up. */
static int attempt(struct pmc_alert *a, CURL *e, const char *body, char *why,
                   size_t cap)
{
    struct curl_slist *h =
        curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_reset(e);
    curl_easy_setopt(e, CURLOPT_URL, a->url);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)a->o.timeout_ms);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    CURLcode rc = curl_easy_perform(e);
    long code = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(h);
    if (rc != CURLE_OK) {
        snprintf(why, cap, "%s: %s", a->host, curl_easy_strerror(rc));
        return 1;
    }
    if (code >= 200 && code < 300)
        return 0;
    snprintf(why, cap, "%s: HTTP %ld", a->host, code);
    return code == 429 || code >= 500 ? 1 : -1;
}

static void *worker(void *arg)
{
    struct pmc_alert *a = arg;
    CURL *e = curl_easy_init();
    pthread_mutex_lock(&a->mu);
    for (;;) {
        while (!a->n && !a->stop)
            pthread_cond_wait(&a->cv, &a->mu);
        if (!a->n)
            break;
        struct item it = a->q[a->head];
        a->head = (a->head + 1) % a->cap;
        a->n--;
        a->busy = 1;
        uint64_t lost = a->lost_unreported;
        pthread_mutex_unlock(&a->mu);
        char why[160] = "";
        char *body = body_of(a, &it, lost);
        int r = -1, wait = a->o.first_wait_ms;
        uint64_t tries = 0;
        for (int i = 0; body && e && i < a->o.tries; i++) {
            tries++;
            r = attempt(a, e, body, why, sizeof why);
            if (r <= 0 || __atomic_load_n(&a->stop, __ATOMIC_RELAXED))
                break; /* closing: no more waits */
            if (i + 1 < a->o.tries)
                sleep_ms(wait);
            wait *= 2;
        }
        if (!body || !e)
            snprintf(why, sizeof why, "out of memory");
        free(body);
        pthread_mutex_lock(&a->mu);
        a->busy = 0;
        a->st.attempts += tries;
        if (r == 0) {
            a->st.sent++;
            a->lost_unreported -= lost;
        } else {
            a->st.failed++;
            snprintf(a->st.last_error, sizeof a->st.last_error, "%s", why);
        }
        pthread_cond_broadcast(&a->cv);
    }
    pthread_mutex_unlock(&a->mu);
    if (e)
        curl_easy_cleanup(e);
    return NULL;
}

enum pmc_err pmc_alert_open(struct pmc_alert **out,
                            const struct pmc_alert_opts *o, char *err,
                            size_t cap)
{
    *out = NULL;
    char host[128];
    pmc_alert_url_host(o->url ? o->url : "", host, sizeof host);
    if (!o->url ||
        (strncmp(o->url, "http://", 7) && strncmp(o->url, "https://", 8))) {
        snprintf(err, cap, "alert webhook %s: not an http(s) URL", host);
        return PMC_ECONFIG;
    }
    if (o->fmt == PMC_ALERT_TELEGRAM && (!o->chat_id || !*o->chat_id)) {
        snprintf(err, cap,
                 "alert webhook %s: the telegram format needs a "
                 "chat id (--alert-chat)",
                 host);
        return PMC_ECONFIG;
    }
    struct pmc_alert *a = calloc(1, sizeof *a);
    if (!a)
        return PMC_ENOMEM;
    a->o = *o;
    if (a->o.tries < 1)
        a->o.tries = 4;
    if (a->o.first_wait_ms <= 0)
        a->o.first_wait_ms = 500;
    if (a->o.timeout_ms <= 0)
        a->o.timeout_ms = 5000;
    a->cap = o->queue_cap > 0 ? o->queue_cap : 64;
    snprintf(a->host, sizeof a->host, "%s", host);
    a->url = strdup(o->url);
    a->chat = o->chat_id ? strdup(o->chat_id) : NULL;
    a->name = o->name ? strdup(o->name) : NULL;
    a->q = calloc((size_t)a->cap, sizeof *a->q);
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->cv, NULL);
    if (!a->url || !a->q || (o->chat_id && !a->chat) || (o->name && !a->name) ||
        pthread_create(&a->th, NULL, worker, a)) {
        free(a->url);
        free(a->chat);
        free(a->name);
        free(a->q);
        free(a);
        snprintf(err, cap, "alert webhook %s: cannot start", host);
        return PMC_ENOMEM;
    }
    *out = a;
    return PMC_OK;
}

int pmc_alert_post(struct pmc_alert *a, pmc_ms now, const char *event,
                   const char *level, const char *text)
{
    pthread_mutex_lock(&a->mu);
    int rc = 0;
    if (a->n == a->cap || a->stop) {
        a->st.dropped++;
        a->lost_unreported++;
        rc = -1;
    } else {
        struct item *it = &a->q[(a->head + a->n) % a->cap];
        it->t = now;
        snprintf(it->event, sizeof it->event, "%s", event);
        snprintf(it->level, sizeof it->level, "%s", level);
        snprintf(it->text, sizeof it->text, "%s", text);
        a->n++;
        a->st.queued++;
        pthread_cond_signal(&a->cv);
    }
    pthread_mutex_unlock(&a->mu);
    return rc;
}

void pmc_alert_stats(struct pmc_alert *a, struct pmc_alert_stats *s)
{
    pthread_mutex_lock(&a->mu);
    *s = a->st;
    pthread_mutex_unlock(&a->mu);
}

void pmc_alert_close(struct pmc_alert *a, int wait_ms)
{
    if (!a)
        return;
    for (int waited = 0; waited < wait_ms; waited += 10) {
        pthread_mutex_lock(&a->mu);
        int idle = !a->n && !a->busy;
        pthread_mutex_unlock(&a->mu);
        if (idle)
            break;
        sleep_ms(10);
    }
    pthread_mutex_lock(&a->mu);
    a->st.dropped += (uint64_t)a->n;
    a->n = 0;
    __atomic_store_n(&a->stop, 1, __ATOMIC_RELAXED);
    pthread_cond_broadcast(&a->cv);
    pthread_mutex_unlock(&a->mu);
    pthread_join(a->th, NULL);
    pthread_mutex_destroy(&a->mu);
    pthread_cond_destroy(&a->cv);
    free(a->url);
    free(a->chat);
    free(a->name);
    free(a->q);
    free(a);
}
