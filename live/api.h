/* live/api.h - the local HTTP API of `pmcopy live` (status, metrics, kill
 * switch), bound to 127.0.0.1 only.
 *
 * A small non-blocking HTTP/1.1 server polled by the loop: it never blocks
 * and never reads the clock (deadlines use the `now` the loop passes in).
 * One request per connection (Connection: close); requests larger than
 * 64 KiB or slower than 5 s are answered 413 / dropped. */
#ifndef PMC_API_H
#define PMC_API_H

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

#define PMC_API_METHOD_MAX 7
#define PMC_API_TARGET_MAX 1023

/* The request in buf[0, n) (what a connection sent so far; not a string):
 * 0 while it is incomplete, else the status it gets before any handler:
 * 200 (req set, pointing into buf, method and target), 400 (no method
 * and target on the first line, a method or target longer than the MAX
 * above or holding a control byte, a target not starting with '/'), 413
 * (a body
 * over 64 KiB). Never reads past n. */
int pmc_api_parse(const char *buf, size_t n, struct pmc_api_req *req,
                  char method[PMC_API_METHOD_MAX + 1],
                  char target[PMC_API_TARGET_MAX + 1]);

/* Listen on 127.0.0.1:port (0 = any free port). */
PMC_MUST_USE enum pmc_err pmc_api_open(struct pmc_api **out, int port,
                                       pmc_api_fn fn, void *ctx, char *err,
                                       size_t cap);
/* The port actually bound. */
int pmc_api_port(const struct pmc_api *a);
/* Accept, read and answer whatever is ready; never blocks. */
void pmc_api_poll(struct pmc_api *a, pmc_ms now);
void pmc_api_close(struct pmc_api *a);

#endif
