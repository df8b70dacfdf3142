/* live/readapi.c - the store-backed GET routes of the local API (see
 * readapi.h): the same views as `pmcopy positions`, `history`, ... (one
 * code in live/views.c writes both), as JSON.
 *
 * Decides: the routes, their query parameters (since, limit, reason),
 * the row limit (default and maximum; an answer cut by it says so with
 * "truncated": true and where to go on), the status of each failure.
 * Never: touches the loop or the engine, writes to the store, reads a
 * clock, or answers a route that is not its own (returns 0). */
#include "live/readapi.h"

#include <stdlib.h>
#include <string.h>

#include "core/dec.h"
#include "core/event.h"
#include "live/views.h"
#include "proto/jsonout.h"

enum { R_POSITIONS, R_ORDERS, R_FILLS, R_SKIPS, R_STATS, R_COUNT };

static const struct route {
    const char *path;
    unsigned params; /* bit set of P_* it takes */
} routes[R_COUNT] = {
    [R_POSITIONS] = {"/positions", 0}, [R_ORDERS] = {"/orders", 1 | 2},
    [R_FILLS] = {"/fills", 1 | 2},     [R_SKIPS] = {"/skips", 1 | 2 | 4},
    [R_STATS] = {"/stats", 1},
};
enum { P_SINCE = 1, P_LIMIT = 2, P_REASON = 4 };
static const char *const param_names[] = {"since", "limit", "reason"};

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent-decode s[0, n) into d[cap] ('+' is a space): -1 when too long,
 * a bad escape or a NUL. */
static int url_decode(const char *s, size_t n, char *d, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if (c == '%') {
            int a = i + 1 < n ? hexval(s[i + 1]) : -1;
            int b = i + 2 < n ? hexval(s[i + 2]) : -1;
            if (a < 0 || b < 0 || a * 16 + b == 0)
                return -1;
            c = a * 16 + b;
            i += 2;
        } else if (c == '+') {
            c = ' ';
        }
        if (k + 1 >= cap)
            return -1;
        d[k++] = (char)c;
    }
    d[k] = '\0';
    return 0;
}

static int bad_param(FILE *out, const char *name, const char *why)
{
    fputs("{\"error\":\"bad query parameter\",\"parameter\":", out);
    pmc_json_str(out, name);
    fputs(",\"detail\":", out);
    pmc_json_str(out, why);
    fputs("}\n", out);
    return 400;
}

/* The query string into o; 0, or the status of an answer written. */
static int parse_query(const char *q, unsigned allowed, struct pmc_view_opts *o,
                       FILE *out)
{
    unsigned seen = 0;
    while (q && *q) {
        const char *amp = strchr(q, '&');
        size_t len = amp ? (size_t)(amp - q) : strlen(q);
        const char *eq = memchr(q, '=', len);
        size_t kl = eq ? (size_t)(eq - q) : len;
        char key[32], val[128];
        if (kl == 0 && len == 0) {
            q += amp ? 1 : 0;
            if (!amp)
                break;
            continue;
        }
        if (url_decode(q, kl, key, sizeof key) < 0)
            return bad_param(out, "?",
                             "a parameter name that is too long "
                             "or badly escaped");
        int p = -1;
        for (int i = 0; i < 3; i++)
            if (!strcmp(key, param_names[i]) && (allowed & (1u << i)))
                p = i;
        if (p < 0)
            return bad_param(out, key, "not a parameter of this route");
        if (seen & (1u << p))
            return bad_param(out, key, "given twice");
        seen |= 1u << p;
        if (!eq || url_decode(eq + 1, len - kl - 1, val, sizeof val) < 0 ||
            !*val)
            return bad_param(out, key,
                             "no value, or one too long or badly "
                             "escaped");
        if (p == 0) {
            if (pmc_view_parse_time(val, &o->filter.since) < 0)
                return bad_param(out, key,
                                 "want ms since the epoch or "
                                 "YYYY-MM-DD[THH:MM[:SS]][Z] (UTC)");
        } else if (p == 1) {
            int64_t v;
            if (pmc_int_parse(val, strlen(val), &v) != PMC_OK || v < 1 ||
                v > PMC_READ_API_LIMIT_MAX) {
                char why[64];
                snprintf(why, sizeof why, "want an integer in 1..%d",
                         PMC_READ_API_LIMIT_MAX);
                return bad_param(out, key, why);
            }
            o->limit = (size_t)v;
        } else {
            int r = pmc_skip_lookup(val, strlen(val));
            if (r < 0)
                return bad_param(out, key, "not a skip reason (see /stats)");
            o->skip_reason = r;
        }
        if (!amp)
            break;
        q = amp + 1;
    }
    return 0;
}

int pmc_live_read_api(void *ctx, const struct pmc_api_req *req, FILE *out,
                      const char **ctype)
{
    (void)ctype; /* JSON, the default */
    int r = -1;
    for (int i = 0; i < R_COUNT; i++)
        if (!strcmp(req->path, routes[i].path))
            r = i;
    if (r < 0)
        return 0;
    if (strcmp(req->method, "GET") != 0) {
        fprintf(out, "{\"error\":\"method not allowed\",\"allow\":\"GET\"}\n");
        return 405;
    }
    char err[600] = "";
    struct pmc_view_opts o;
    memset(&o, 0, sizeof o);
    o.db = ctx;
    o.fmt = PMC_VIEW_JSON;
    o.filter.status = -1;
    o.skip_reason = -1;
    o.err = err;
    o.errcap = sizeof err;
    if (routes[r].params & P_LIMIT)
        o.limit = PMC_READ_API_LIMIT_DEFAULT;
    int st = parse_query(req->query, routes[r].params, &o, out);
    if (st)
        return st;
    /* the view into memory first: a failure half-way answers an error,
     * never half a document */
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m) {
        fputs("{\"error\":\"out of memory\"}\n", out);
        return 500;
    }
    o.out = m;
    int rc;
    switch (r) {
    case R_POSITIONS:
        rc = pmc_view_positions(&o);
        break;
    case R_ORDERS:
        rc = pmc_view_history(&o);
        break;
    case R_FILLS:
        rc = pmc_view_fills(&o);
        break;
    case R_SKIPS:
        rc = pmc_view_skips(&o);
        break;
    default:
        rc = pmc_view_stats(&o);
        break;
    }
    int closed = fclose(m);
    if (rc == 0 && closed == 0) {
        fwrite(buf, 1, len, out);
        free(buf);
        return 200;
    }
    free(buf);
    fputs("{\"error\":", out);
    pmc_json_str(out, err[0] ? err : "out of memory");
    fputs("}\n", out);
    /* a store that is not there (yet) is unavailable; else a read failed */
    return strstr(err, "cannot open") ? 503 : 500;
}
