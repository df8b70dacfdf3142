/* live/api.c - the local HTTP API on libmicrohttpd (see api.h).
 *
 * Threads: libmicrohttpd's internal polling threads, a pool of
 * PMC_API_THREADS (epoll each, event-driven: a slow or idle client costs a
 * connection slot, never a thread), chosen over thread-per-connection
 * because that mode cannot suspend a connection, and a request for the
 * loop must wait without holding a thread; two workers so that a
 * thread_fn reading the store does not hold up /health, /ready and the
 * answers of the loop.
 *
 * A request's way:
 *
 *     headers in -> Host/Origin/token (apicheck.c) -> 403/401, or
 *     GET /health|/ready|/ answered here, or
 *     body read (<= PMC_API_BODY_MAX) -> thread_fn (server thread)
 *         -> not mine: queued for the loop + connection suspended
 *            (queue full -> 503) -> pmc_api_poll: loop_fn into memory,
 *            connection resumed -> the answer is sent by the server thread
 *
 * Decides: the threads, the limits and the answers before any handler.
 * Never: lets the loop touch a socket or wait (pmc_api_poll takes a mutex
 * for a few pointer moves and resumes connections), logs a token, or
 * answers a request without the Host/Origin/token checks. */
#include "live/api.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "proto/jsonout.h"

struct rq {
    struct pmc_api *a;
    struct MHD_Connection *c;
    char target[PMC_API_TARGET_MAX + 1];
    int too_long, started;
    char *body; /* the request body, grown up to PMC_API_BODY_MAX */
    size_t body_len, body_cap;
    int body_over;
    /* the loop's answer, written before the connection is resumed */
    int done, ans_status;
    char *ans;
    size_t ans_len;
    const char *ans_ctype;
    struct pmc_api_req req;
};

struct pmc_api {
    struct MHD_Daemon *d;
    int port;
    char token[PMC_API_TOKEN_MAX + 1];
    struct pmc_api_opts o;
    /* requests waiting for the loop (a ring), under mu */
    pthread_mutex_t mu;
    struct rq *q[PMC_API_QUEUE_MAX];
    size_t qhead, qn;
    int closing;
    /* readiness the loop publishes, under ready_mu; last_* loop-only */
    pthread_mutex_t ready_mu;
    int ready;
    char why[256];
    int pub_set, last_ready;
    char last_why[256];
    /* counters */
    atomic_ullong requests, loop_requests, queue_full, unauthorized, forbidden,
        too_large, conn_limit_hits;
    atomic_uint connections;
    atomic_uint pending; /* qn, readable without the mutex */
    /* what pmc_api_poll last reported */
    uint64_t rep_full, rep_hits;
    pmc_ms rep_at;
};

/* ---- answers ------------------------------------------------------------ */

static enum MHD_Result reply(struct rq *q, int status, const char *ctype,
                             const char *body, size_t n,
                             enum MHD_ResponseMemoryMode mode)
{
    struct pmc_api *a = q->a;
    struct MHD_Response *r =
        MHD_create_response_from_buffer(n, (void *)body, mode);
    if (!r) {
        if (mode == MHD_RESPMEM_MUST_FREE)
            free((void *)body);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (status == 401)
        MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
    enum MHD_Result ret = MHD_queue_response(q->c, (unsigned)status, r);
    MHD_destroy_response(r);
    atomic_fetch_add(&a->requests, 1);
    if (status == 401)
        atomic_fetch_add(&a->unauthorized, 1);
    else if (status == 403)
        atomic_fetch_add(&a->forbidden, 1);
    else if (status == 413 || status == 414)
        atomic_fetch_add(&a->too_large, 1);
    return ret;
}

#define JSON "application/json"
#define STATIC(q, st, s)                                                       \
    reply(q, st, JSON, s, sizeof(s) - 1, MHD_RESPMEM_PERSISTENT)

static enum MHD_Result answer_ready(struct rq *q)
{
    struct pmc_api *a = q->a;
    char *body = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&body, &n);
    if (!f)
        return MHD_NO;
    pthread_mutex_lock(&a->ready_mu);
    int ready = a->ready;
    if (ready)
        fprintf(f, "{\"ready\":true}\n");
    else {
        fprintf(f, "{\"ready\":false,\"reason\":");
        pmc_json_str(f, a->why);
        fprintf(f, "}\n");
    }
    pthread_mutex_unlock(&a->ready_mu);
    if (fclose(f) != 0) {
        free(body);
        return MHD_NO;
    }
    return reply(q, ready ? 200 : 503, JSON, body, n, MHD_RESPMEM_MUST_FREE);
}

/* A handler's answer written into memory: status, body, type. */
static int run_fn(pmc_api_fn fn, void *ctx, const struct pmc_api_req *req,
                  char **body, size_t *n, const char **ctype)
{
    *body = NULL;
    *n = 0;
    *ctype = JSON;
    FILE *f = open_memstream(body, n);
    if (!f)
        return -1;
    int st = fn(ctx, req, f, ctype);
    if (fclose(f) != 0) {
        free(*body);
        *body = NULL;
        return -1;
    }
    return st;
}

/* ---- the request's way ---------------------------------------------------- */

/* The first handler call: the headers are in. */
static enum MHD_Result on_headers(struct rq *q, const char *method)
{
    struct pmc_api *a = q->a;
    if (q->too_long)
        return STATIC(q, 414, "{\"error\":\"target too long\"}\n");
    char *t = q->target;
    if (t[0] != '/')
        return STATIC(q, 400, "{\"error\":\"bad request target\"}\n");
    char *qm = strchr(t, '?');
    if (qm)
        *qm++ = '\0';
    q->req.method = method;
    q->req.path = t;
    q->req.query = qm ? qm : "";
    q->req.body = "";
    struct MHD_Connection *c = q->c;
    int v = pmc_api_admit(
        method, t, MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host"),
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin"),
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization"),
        a->token, a->port);
    if (v == 403)
        return STATIC(q, 403,
                      "{\"error\":\"forbidden: Host or Origin is not this "
                      "server's 127.0.0.1/localhost address\"}\n");
    if (v)
        return STATIC(q, 401, "{\"error\":\"unauthorized\"}\n");
    const char *cl =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
    if (cl && strtoull(cl, NULL, 10) > PMC_API_BODY_MAX)
        return STATIC(q, 413, "{\"error\":\"body too large\"}\n");
    if (pmc_api_public(method, t)) {
        if (!strcmp(t, "/health"))
            return STATIC(q, 200, "{\"ok\":true}\n");
        if (!strcmp(t, "/ready"))
            return answer_ready(q);
        if (!a->o.page)
            return STATIC(q, 404, "{\"error\":\"no page\"}\n");
        return reply(q, 200, "text/html; charset=utf-8", a->o.page,
                     a->o.page_len, MHD_RESPMEM_PERSISTENT);
    }
    return MHD_YES; /* the body next */
}

static int body_add(struct rq *q, const char *data, size_t n)
{
    if (q->body_over || n > PMC_API_BODY_MAX - q->body_len) {
        q->body_over = 1;
        return 0;
    }
    if (q->body_len + n + 1 > q->body_cap) {
        size_t cap = q->body_cap ? q->body_cap : 1024;
        while (cap < q->body_len + n + 1)
            cap *= 2;
        char *b = realloc(q->body, cap);
        if (!b)
            return -1;
        q->body = b;
        q->body_cap = cap;
    }
    memcpy(q->body + q->body_len, data, n);
    q->body_len += n;
    q->body[q->body_len] = '\0';
    return 0;
}

/* The request is complete: thread_fn, else queued for the loop. */
static enum MHD_Result on_complete(struct rq *q)
{
    struct pmc_api *a = q->a;
    if (q->body) {
        q->req.body = q->body;
        q->req.body_len = q->body_len;
    }
    if (a->o.thread_fn) {
        char *body;
        size_t n;
        const char *ctype;
        int st =
            run_fn(a->o.thread_fn, a->o.thread_ctx, &q->req, &body, &n, &ctype);
        if (st < 0)
            return MHD_NO;
        if (st > 0)
            return reply(q, st, ctype ? ctype : JSON, body, n,
                         MHD_RESPMEM_MUST_FREE);
        free(body);
    }
    if (!a->o.loop_fn)
        return STATIC(q, 404, "{\"error\":\"not found\"}\n");
    pthread_mutex_lock(&a->mu);
    if (a->closing || a->qn == PMC_API_QUEUE_MAX) {
        int closing = a->closing;
        pthread_mutex_unlock(&a->mu);
        if (closing)
            return STATIC(q, 503,
                          "{\"error\":\"unavailable\",\"reason\":"
                          "\"the server is shutting down\"}\n");
        atomic_fetch_add(&a->queue_full, 1);
        char m[160];
        int mn = snprintf(m, sizeof m,
                          "{\"error\":\"busy\",\"reason\":\"the loop's "
                          "request queue is full (%d waiting)\"}\n",
                          PMC_API_QUEUE_MAX);
        return reply(q, 503, JSON, m, (size_t)mn, MHD_RESPMEM_MUST_COPY);
    }
    /* suspended before it is visible to the loop: the loop resumes only
     * what was suspended */
    MHD_suspend_connection(q->c);
    a->q[(a->qhead + a->qn++) % PMC_API_QUEUE_MAX] = q;
    atomic_store(&a->pending, (unsigned)a->qn);
    pthread_mutex_unlock(&a->mu);
    return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version, const char *upload,
                                  size_t *upload_size, void **ctx)
{
    (void)cls;
    (void)url;
    (void)version;
    struct rq *q = *ctx;
    if (!q)
        return MHD_NO; /* the URI callback failed to allocate */
    q->c = c;
    if (!q->started) {
        q->started = 1;
        return on_headers(q, method);
    }
    if (*upload_size) {
        if (body_add(q, upload, *upload_size) < 0)
            return MHD_NO;
        *upload_size = 0;
        return MHD_YES;
    }
    if (q->body_over)
        return STATIC(q, 413, "{\"error\":\"body too large\"}\n");
    if (q->done) { /* resumed with the loop's answer */
        char *b = q->ans;
        q->ans = NULL;
        if (q->ans_status < 0)
            return MHD_NO;
        return reply(q, q->ans_status, q->ans_ctype, b, q->ans_len,
                     MHD_RESPMEM_MUST_FREE);
    }
    return on_complete(q);
}

/* Before the request's target is parsed: its raw copy (our request
 * state, freed in on_completed). */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    struct rq *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    q->a = cls;
    q->c = c;
    size_t n = strlen(uri);
    if (n > PMC_API_TARGET_MAX)
        q->too_long = 1;
    else
        memcpy(q->target, uri, n + 1);
    return q;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **ctx,
                         enum MHD_RequestTerminationCode why)
{
    (void)cls;
    (void)c;
    (void)why;
    struct rq *q = *ctx;
    if (!q)
        return;
    free(q->body);
    free(q->ans);
    free(q);
    *ctx = NULL;
}

static void on_connection(void *cls, struct MHD_Connection *c, void **sctx,
                          enum MHD_ConnectionNotificationCode code)
{
    (void)c;
    (void)sctx;
    struct pmc_api *a = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        if (atomic_fetch_add(&a->connections, 1) + 1 >= PMC_API_CONN_MAX)
            atomic_fetch_add(&a->conn_limit_hits, 1);
    } else
        atomic_fetch_sub(&a->connections, 1);
}

/* ---- the loop's side ------------------------------------------------------ */

enum pmc_err pmc_api_open(struct pmc_api **out, const struct pmc_api_opts *o,
                          char *err, size_t cap)
{
    *out = NULL;
    if (!o->token || strlen(o->token) < PMC_API_TOKEN_MIN ||
        strlen(o->token) > PMC_API_TOKEN_MAX) {
        snprintf(err, cap, "api: no usable token (%d to %d characters)",
                 PMC_API_TOKEN_MIN, PMC_API_TOKEN_MAX);
        return PMC_ECONFIG;
    }
    struct pmc_api *a = calloc(1, sizeof *a);
    if (!a)
        return PMC_ENOMEM;
    a->o = *o;
    strcpy(a->token, o->token);
    a->o.token = a->token;
    snprintf(a->why, sizeof a->why, "starting");
    pthread_mutex_init(&a->mu, NULL);
    pthread_mutex_init(&a->ready_mu, NULL);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)o->port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a->d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
            MHD_ALLOW_SUSPEND_RESUME,
        (uint16_t)o->port, NULL, NULL, on_request, a, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&sa, MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned)PMC_API_THREADS, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)PMC_API_CONN_MAX, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)PMC_API_TIMEOUT_S, MHD_OPTION_LISTEN_BACKLOG_SIZE,
        (unsigned)PMC_API_BACKLOG, MHD_OPTION_URI_LOG_CALLBACK, on_uri, a,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, a,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, a, MHD_OPTION_END);
    if (!a->d) {
        snprintf(err, cap,
                 "api: cannot listen on 127.0.0.1:%d (port in use, or "
                 "libmicrohttpd could not start its threads)",
                 o->port);
        pthread_mutex_destroy(&a->mu);
        pthread_mutex_destroy(&a->ready_mu);
        free(a);
        return PMC_EIO;
    }
    const union MHD_DaemonInfo *di =
        MHD_get_daemon_info(a->d, MHD_DAEMON_INFO_BIND_PORT);
    a->port = di ? di->port : o->port;
    *out = a;
    return PMC_OK;
}

int pmc_api_port(const struct pmc_api *a)
{
    return a->port;
}

void pmc_api_set_ready(struct pmc_api *a, int ready, const char *why)
{
    if (!a)
        return;
    if (!why || ready)
        why = "";
    ready = ready != 0;
    if (a->pub_set && a->last_ready == ready && !strcmp(a->last_why, why))
        return; /* unchanged: no lock taken */
    a->pub_set = 1;
    a->last_ready = ready;
    snprintf(a->last_why, sizeof a->last_why, "%s", why);
    pthread_mutex_lock(&a->ready_mu);
    a->ready = ready;
    snprintf(a->why, sizeof a->why, "%s", why);
    pthread_mutex_unlock(&a->ready_mu);
}

/* A limit reached since the last report: one line, at most each second. */
static void report_limits(struct pmc_api *a, pmc_ms now)
{
    if (!a->o.log || now - a->rep_at < 1000)
        return;
    uint64_t full = atomic_load(&a->queue_full);
    uint64_t hits = atomic_load(&a->conn_limit_hits);
    if (full == a->rep_full && hits == a->rep_hits)
        return;
    char m[256];
    snprintf(m, sizeof m,
             "level=warn event=api_limit conn_limit_hits=%llu conn_max=%d "
             "queue_full=%llu queue_max=%d",
             (unsigned long long)hits, PMC_API_CONN_MAX,
             (unsigned long long)full, PMC_API_QUEUE_MAX);
    a->o.log(a->o.log_ctx, m);
    a->rep_full = full;
    a->rep_hits = hits;
    a->rep_at = now;
}

void pmc_api_poll(struct pmc_api *a, pmc_ms now)
{
    struct rq *batch[PMC_API_POLL_MAX];
    size_t n = 0;
    pthread_mutex_lock(&a->mu);
    while (n < PMC_API_POLL_MAX && a->qn) {
        batch[n++] = a->q[a->qhead];
        a->qhead = (a->qhead + 1) % PMC_API_QUEUE_MAX;
        a->qn--;
    }
    atomic_store(&a->pending, (unsigned)a->qn);
    pthread_mutex_unlock(&a->mu);
    for (size_t i = 0; i < n; i++) {
        struct rq *q = batch[i];
        q->ans_status = run_fn(a->o.loop_fn, a->o.loop_ctx, &q->req, &q->ans,
                               &q->ans_len, &q->ans_ctype);
        if (q->ans_status == 0)
            q->ans_status = 404; /* no answer is not found */
        if (!q->ans_ctype)
            q->ans_ctype = JSON;
        q->done = 1;
        atomic_fetch_add(&a->loop_requests, 1);
        MHD_resume_connection(q->c);
    }
    report_limits(a, now);
}

int pmc_api_pending(const struct pmc_api *a)
{
    return atomic_load(&((struct pmc_api *)a)->pending) != 0;
}

void pmc_api_stats(const struct pmc_api *a, struct pmc_api_stats *st)
{
    struct pmc_api *m = (struct pmc_api *)a; /* atomics and the mutex */
    memset(st, 0, sizeof *st);
    st->requests = atomic_load(&m->requests);
    st->loop_requests = atomic_load(&m->loop_requests);
    st->queue_full = atomic_load(&m->queue_full);
    st->unauthorized = atomic_load(&m->unauthorized);
    st->forbidden = atomic_load(&m->forbidden);
    st->too_large = atomic_load(&m->too_large);
    st->conn_limit_hits = atomic_load(&m->conn_limit_hits);
    st->connections = atomic_load(&m->connections);
    st->conn_max = PMC_API_CONN_MAX;
    pthread_mutex_lock(&m->mu);
    st->queued = (uint32_t)m->qn;
    pthread_mutex_unlock(&m->mu);
}

void pmc_api_metrics_prom(const struct pmc_api *a, FILE *f)
{
    struct pmc_api_stats s;
    pmc_api_stats(a, &s);
    const struct {
        const char *name, *type, *help;
        unsigned long long v;
    } m[] = {
        {"requests_total", "counter", "API requests answered",
         (unsigned long long)s.requests},
        {"loop_requests_total", "counter", "API requests answered by the loop",
         (unsigned long long)s.loop_requests},
        {"queue_full_total", "counter",
         "API requests refused with 503: the loop's queue was full",
         (unsigned long long)s.queue_full},
        {"unauthorized_total", "counter",
         "API requests refused with 401 (missing or wrong token)",
         (unsigned long long)s.unauthorized},
        {"forbidden_total", "counter",
         "API requests refused with 403 (foreign Host or Origin)",
         (unsigned long long)s.forbidden},
        {"too_large_total", "counter", "API requests refused with 413 or 414",
         (unsigned long long)s.too_large},
        {"connection_limit_hits_total", "counter",
         "times every API connection slot was in use",
         (unsigned long long)s.conn_limit_hits},
        {"connections", "gauge", "API connections open",
         (unsigned long long)s.connections},
        {"connections_max", "gauge", "API connection limit",
         (unsigned long long)s.conn_max},
        {"queued", "gauge", "API requests waiting for the loop",
         (unsigned long long)s.queued},
    };
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
        fprintf(f,
                "# HELP pmcopy_api_%s %s\n# TYPE pmcopy_api_%s "
                "%s\npmcopy_api_%s %llu\n",
                m[i].name, m[i].help, m[i].name, m[i].type, m[i].name, m[i].v);
}

void pmc_api_close(struct pmc_api *a)
{
    if (!a)
        return;
    struct rq *left[PMC_API_QUEUE_MAX];
    size_t n = 0;
    pthread_mutex_lock(&a->mu);
    a->closing = 1;
    while (a->qn) {
        left[n++] = a->q[a->qhead];
        a->qhead = (a->qhead + 1) % PMC_API_QUEUE_MAX;
        a->qn--;
    }
    pthread_mutex_unlock(&a->mu);
    static const char bye[] = "{\"error\":\"unavailable\",\"reason\":\"the "
                              "server is shutting down\"}\n";
    for (size_t i = 0; i < n; i++) {
        struct rq *q = left[i];
        q->ans = malloc(sizeof bye - 1);
        if (q->ans) {
            memcpy(q->ans, bye, sizeof bye - 1);
            q->ans_len = sizeof bye - 1;
        }
        q->ans_status = q->ans ? 503 : -1;
        q->ans_ctype = JSON;
        q->done = 1;
        MHD_resume_connection(q->c);
    }
    MHD_stop_daemon(a->d);
    pthread_mutex_destroy(&a->mu);
    pthread_mutex_destroy(&a->ready_mu);
    free(a);
}
