/* research/fetch/cache.h - raw answers on disk, one file per request.
 *
 * Decides where a request's answer lives: DIR/<route>/<h0h1>/<h>.json,
 * h = the SHA-256 (hex) of the request's path and query (the host is not
 * part of it, so the same request to another server shares the entry),
 * with a metadata file beside it, <h>.meta: one JSON line
 * {"url":"/path?query","status":200,"sha256":"...","rows":N,"bytes":N,
 *  "time":EPOCH_S}. Each file is written to DIR/tmp/, fsynced and renamed
 * into place (then the folder is fsynced), body first, metadata last: an
 * entry counts only when its metadata exists and the body's SHA-256
 * matches it, so a killed writer leaves at worst a body that the next run
 * writes again with the same bytes. DIR/tmp/ is emptied when the cache is
 * opened. Never decides whether an entry is fresh enough (the caller's
 * sealing rule does), never fetches. */
#ifndef PMC_FETCH_CACHE_H
#define PMC_FETCH_CACHE_H

#include <stddef.h>
#include <stdint.h>

#define PMC_FX_PATH_MAX 4096

struct pmc_fx_cache {
    char dir[PMC_FX_PATH_MAX];
    uint64_t tmpseq;
};

/* Create DIR (and parents) and DIR/tmp/, remove what a killed run left in
 * DIR/tmp/. 0, or -1 with the reason in err. */
int pmc_fx_cache_open(struct pmc_fx_cache *c, const char *dir, char *err,
                      size_t cap);

/* The body file of (route, pathq) into out (the .meta file is the same
 * name with .meta instead of .json). 0, or -1 when it does not fit. */
int pmc_fx_cache_path(const struct pmc_fx_cache *c, const char *route,
                      const char *pathq, char *out, size_t cap);

/* Look an entry up: 1 found (*body malloc'd and NUL-terminated, *len),
 * 0 absent or incomplete or not matching its sha256, -1 read error (err).
 */
int pmc_fx_cache_get(const struct pmc_fx_cache *c, const char *route,
                     const char *pathq, char **body, size_t *len, char *err,
                     size_t cap);

/* The same, also giving the answer's HTTP status (a 400 or 404 a pager
 * understood is stored like a 200: a rerun need not ask again). */
int pmc_fx_cache_get_status(const struct pmc_fx_cache *c, const char *route,
                            const char *pathq, char **body, size_t *len,
                            long *status, char *err, size_t cap);

/* Store an answer: body file, then metadata. 0, or -1 with err. */
int pmc_fx_cache_put(struct pmc_fx_cache *c, const char *route,
                     const char *pathq, long status, const char *body,
                     size_t len, uint64_t rows, int64_t time_s, char *err,
                     size_t cap);

/* Hex SHA-256 of n bytes into out[65]. */
void pmc_fx_sha256_hex(const void *p, size_t n, char out[65]);

#endif
