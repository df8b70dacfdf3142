/* live/api.h - the local HTTP API of `pmcopy live` (status, metrics, kill
 * switch, read views), on libmicrohttpd, bound to 127.0.0.1 only.
 *
 * Threads: libmicrohttpd's own (an internal epoll thread per worker, a
 * pool of PMC_API_THREADS workers); the loop never touches a socket.
 * A request for the loop is queued (bounded: PMC_API_QUEUE_MAX, full ->
 * 503 with the reason, counted) and its connection suspended;
 * pmc_api_poll() on the loop thread answers at most PMC_API_POLL_MAX of
 * them per call into memory and resumes their connections; it never
 * blocks (a mutex held for a few pointer moves aside). GET /health,
 * GET /ready and GET / are answered by the server threads.
 *
 * Security: 127.0.0.1 only; a bearer token (`Authorization: Bearer T`,
 * compared in constant time) on every route but GET /health, /ready and
 * /; a Host other than 127.0.0.1:PORT / localhost:PORT (DNS rebinding)
 * or an Origin other than http://127.0.0.1:PORT / http://localhost:PORT
 * (a web page in the operator's browser) is refused with 403 before the
 * token is looked at. A missing and a wrong token get the same 401.
 *
 * Limits: PMC_API_CONN_MAX connections at once (more wait in the kernel's
 * backlog; each time the limit is reached it is counted), a connection
 * idle for PMC_API_TIMEOUT_S seconds is closed, bodies over
 * PMC_API_BODY_MAX bytes get 413, targets over PMC_API_TARGET_MAX 414. */
#ifndef PMC_API_H
#define PMC_API_H

#include <stdint.h>
#include <stdio.h>

#include "core/pmc.h"

struct pmc_api;

struct pmc_api_req {
    const char *method; /* "GET", "POST", ... */
    const char *path;   /* without the query string */
    const char *query;  /* after '?', or "" */
    const char *body;
    size_t body_len;
};

/* The handler writes the response body into `out` and returns the HTTP
 * status; *ctype is the Content-Type (default application/json). */
typedef int (*pmc_api_fn)(void *ctx, const struct pmc_api_req *req, FILE *out,
                          const char **ctype);

#define PMC_API_THREADS 2     /* libmicrohttpd worker threads */
#define PMC_API_CONN_MAX 256  /* connections at once */
#define PMC_API_BACKLOG 1024  /* ... more wait in the kernel's backlog */
#define PMC_API_TIMEOUT_S 5   /* an idle connection is closed after this */
#define PMC_API_QUEUE_MAX 128 /* requests waiting for the loop */
#define PMC_API_POLL_MAX 16   /* requests answered per pmc_api_poll() */
#define PMC_API_BODY_MAX 65536
#define PMC_API_TARGET_MAX 1023
#define PMC_API_TOKEN_MIN 16 /* characters of a token */
#define PMC_API_TOKEN_MAX 256

struct pmc_api_opts {
    int port;           /* 0 = any free port; bound to 127.0.0.1 only */
    const char *token;  /* bearer token: required on every route but GET
                          /health, GET /ready, GET / (copied) */
    pmc_api_fn loop_fn; /* answered on the loop thread, in pmc_api_poll() */
    void *loop_ctx;
    pmc_api_fn thread_fn; /* tried first on a server thread; returning 0 =
                             not mine -> loop_fn. Must not touch loop state
                             (only immutable things, e.g. the db path) */
    void *thread_ctx;
    const char *page; /* body of GET / (text/html; charset=utf-8), NULL =
                         404; not copied: lives as long as the server */
    size_t page_len;
    /* optional: a logfmt line when a limit was reached (connections,
     * queue), called from pmc_api_poll on the loop, at most once a second */
    void (*log)(void *ctx, const char *line);
    void *log_ctx;
};

PMC_MUST_USE enum pmc_err pmc_api_open(struct pmc_api **out,
                                       const struct pmc_api_opts *o, char *err,
                                       size_t cap);
/* The port actually bound. */
int pmc_api_port(const struct pmc_api *a);
/* The loop publishes readiness each pass (cheap when unchanged); GET
 * /ready is answered from it by a server thread: 200 {"ready":true} or 503
 * {"ready":false,"reason":"<why>"} ("starting" until the first call).
 * GET /health is 200 {"ok":true} while the process serves. */
void pmc_api_set_ready(struct pmc_api *a, int ready, const char *why);
/* Answer up to PMC_API_POLL_MAX queued loop requests (loop_fn into
 * memory), hand the answers back; never blocks, never reads the clock. */
void pmc_api_poll(struct pmc_api *a, pmc_ms now);
/* 1 when requests wait for the loop (the loop then sleeps at most 1 ms
 * before its next pmc_api_poll); any thread, no lock. */
int pmc_api_pending(const struct pmc_api *a);
/* Queued requests are answered 503 (shutting down), then the server
 * threads stop. */
void pmc_api_close(struct pmc_api *a);

/* Counters of the server, read at any time from any thread. */
struct pmc_api_stats {
    uint64_t requests;        /* requests handled (any answer) */
    uint64_t loop_requests;   /* ... answered by loop_fn */
    uint64_t queue_full;      /* 503: the loop's queue was full */
    uint64_t unauthorized;    /* 401 */
    uint64_t forbidden;       /* 403: Host or Origin */
    uint64_t too_large;       /* 413 / 414 */
    uint64_t conn_limit_hits; /* times PMC_API_CONN_MAX was reached */
    uint32_t connections;     /* open now */
    uint32_t conn_max;        /* PMC_API_CONN_MAX */
    uint32_t queued;          /* waiting for the loop now */
};
void pmc_api_stats(const struct pmc_api *a, struct pmc_api_stats *st);
/* The counters as Prometheus text (# HELP / # TYPE, pmcopy_api_ prefix). */
void pmc_api_metrics_prom(const struct pmc_api *a, FILE *f);

/* ---- pure helpers (unit-tested and fuzzed without a server) ------------ */

/* What a request's headers earn before any handler: 0 = admitted, 403 =
 * Host not 127.0.0.1:port / localhost:port (or missing), or Origin present
 * and not http://127.0.0.1:port / http://localhost:port; 401 = the route
 * needs the token (all but GET /health, /ready, /) and `authorization` is
 * not "Bearer <token>" (scheme case-insensitive; missing and wrong alike).
 * host, origin, authorization: the header values or NULL; token
 * non-empty. The token compare takes the same time wherever it differs. */
int pmc_api_admit(const char *method, const char *path, const char *host,
                  const char *origin, const char *authorization,
                  const char *token, int port);
/* 1 when method and path need no token (GET /health, /ready, /). */
int pmc_api_public(const char *method, const char *path);

/* The value of `key` in a query string "a=1&b=x%20y" (no '?'),
 * percent-decoded ('+' is a space) into buf with a NUL: its length when
 * found (the first occurrence; "a" and "a=" give ""), -1 when absent, -2
 * when the value does not fit in cap - 1 bytes, holds a bad %-escape or
 * decodes to a NUL (buf is then ""). Keys are compared undecoded. */
int pmc_api_query_get(const char *query, const char *key, char *buf,
                      size_t cap);

/* The API token: PMC_API_TOKEN when set (src "env"), else the file `path`:
 * read when it exists (src "file"; refused when it is not a regular file
 * of ours with no group/other permission bits, naming path and mode),
 * created when it does not (src "created": O_CREAT|O_EXCL, mode 0600, 32
 * random bytes from getrandom as 64 hex digits). path NULL and no
 * PMC_API_TOKEN: an error. A token is PMC_API_TOKEN_MIN..MAX printable
 * characters without spaces. Never writes the token anywhere else. */
PMC_MUST_USE enum pmc_err pmc_api_token_load(const char *path,
                                             char tok[PMC_API_TOKEN_MAX + 1],
                                             const char **src, char *err,
                                             size_t cap);

#endif
