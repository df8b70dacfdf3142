/* live/readapi.h - the store-backed GET routes of the local API:
 * /positions, /orders, /fills, /skips, /stats (docs/store.md "Read API").
 *
 * Runs on any thread: it touches no loop state, only the path of the
 * store, which it opens read-only for each request (WAL: reads do not
 * block the loop's writer, and see what it committed). */
#ifndef PMC_LIVE_READAPI_H
#define PMC_LIVE_READAPI_H

#include <stdio.h>

#include "live/api.h"

#define PMC_READ_API_LIMIT_DEFAULT 100
#define PMC_READ_API_LIMIT_MAX 1000

/* A pmc_api_fn: ctx is the store's path (const char *). 0 when the route
 * is not one of these (someone else answers), else the HTTP status: 200,
 * 400 (a bad or unknown query parameter, named), 405 (not GET), 503 (the
 * store cannot be opened), 500 (a read failed). */
int pmc_live_read_api(void *ctx, const struct pmc_api_req *req, FILE *out,
                      const char **ctype);

#endif
