/* live/views.c - the operator views over the store (docs/store.md):
 * positions, order history, per-trader comparison, fills, skips, counts,
 * one frame of the position monitor, and the journal as a tape (exported,
 * appended to, or into a temporary file for `pmcopy replay --db`). The
 * CLI and the read API (readapi.c) print through the same code, each to
 * its FILE*.
 *
 * Decides: the text, CSV and JSON layouts (stable: columns and fields are
 * only ever added at the end), the filters, row limits and how a cut
 * answer says so, how realised P&L is attributed to source traders.
 * Never writes to the database (opened read-only, no
 * writer thread) except the journal append, which appends tape records
 * through the store's API; never prints a signed order body; never reads a
 * clock: "today" is the UTC day of the journal's last record unless the
 * caller says otherwise. Never parses flags (app/views.c does). */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/dec.h"
#include "core/tape.h"
#include "live/dblock.h"
#include "live/store.h"
#include "live/traders.h"
#include "live/views.h"
#include "proto/jsonout.h"
#include "proto/tapeio.h"

#define DEFAULT_DB "pmcopy.db"

/* ---- small helpers ---------------------------------------------------- */

static const char *dec(pmc_micros v, char *b)
{
    pmc_dec_format(v, b);
    return b;
}

static const char *utc(pmc_ms t, char *b, size_t cap)
{
    if (t <= 0) {
        snprintf(b, cap, "-");
        return b;
    }
    time_t s = (time_t)pmc_floor_div(t, 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    size_t n = strftime(b, cap, "%Y-%m-%d %H:%M:%S", &tm);
    snprintf(b + n, cap - n, ".%03d", (int)(t - pmc_floor_div(t, 1000) * 1000));
    return b;
}

static void json_dec(FILE *f, pmc_micros v)
{
    char b[32];
    fputs(dec(v, b), f);
}

static void json_ms(FILE *f, pmc_ms t)
{
    if (t)
        fprintf(f, "%" PRId64, t);
    else
        fputs("null", f);
}

static void csv_ms(FILE *f, pmc_ms t)
{
    if (t)
        fprintf(f, "%" PRId64, t);
}

/* ms since the epoch, or YYYY-MM-DD[THH:MM[:SS]][Z] in UTC. */
int pmc_view_parse_time(const char *s, pmc_ms *out)
{
    int64_t v;
    if (pmc_int_parse(s, strlen(s), &v) == PMC_OK) {
        if (v < 0 || v >= PMC_TIME_MAX)
            return -1;
        *out = v;
        return 0;
    }
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *p = strptime(s, "%Y-%m-%d", &tm);
    if (!p)
        return -1;
    if (*p == 'T' || *p == ' ') {
        const char *q = strptime(p + 1, "%H:%M:%S", &tm);
        if (!q)
            q = strptime(p + 1, "%H:%M", &tm);
        if (!q)
            return -1;
        p = q;
    }
    if (*p == 'Z')
        p++;
    if (*p)
        return -1;
    time_t t = timegm(&tm);
    if (t < 0)
        return -1;
    *out = (pmc_ms)t * 1000;
    return 0;
}

void pmc_view_opts_init(struct pmc_view_opts *o)
{
    memset(o, 0, sizeof *o);
    o->filter.status = -1;
    o->skip_reason = -1;
    const char *e = getenv("DB_PATH");
    o->db = e && *e ? e : DEFAULT_DB;
}

/* Close a store opened read-only (nothing to commit, nothing to report). */
static void close_quiet(struct pmc_store *s)
{
    if (pmc_store_close(s) != PMC_OK)
        return;
}

FILE *pmc_view_out(const struct pmc_view_opts *o)
{
    return o->out ? o->out : stdout;
}

/* A failure: into o->err when the caller gave one, else on stderr as
 * "pmcopy CMD: ...". */
__attribute__((format(printf, 3, 4))) static void
verr(const struct pmc_view_opts *o, const char *cmd, const char *fmt, ...)
{
    char m[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof m, fmt, ap);
    va_end(ap);
    if (o->err && o->errcap)
        snprintf(o->err, o->errcap, "%s", m);
    else
        fprintf(stderr, "pmcopy %s: %s\n", cmd, m);
}

static struct pmc_store *open_db(const struct pmc_view_opts *o, const char *cmd)
{
    struct pmc_store_opts so = {0};
    so.readonly = 1;
    struct pmc_store *s;
    char err[512];
    if (pmc_store_open(o->db, &so, &s, NULL, err, sizeof err) != PMC_OK) {
        verr(o, cmd, "%s", err);
        return NULL;
    }
    return s;
}

static int finish(const struct pmc_view_opts *o, struct pmc_store *s,
                  enum pmc_err e, const char *cmd)
{
    int rc = 0;
    FILE *out = pmc_view_out(o);
    if (e != PMC_OK) {
        verr(o, cmd, "%s", pmc_store_errmsg(s));
        rc = -1;
    }
    if (fflush(out) != 0 || ferror(out)) {
        if (rc == 0)
            verr(o, cmd, "write error: %s", strerror(errno));
        rc = -1;
    }
    if (pmc_store_close(s) != PMC_OK && rc == 0)
        rc = -1;
    return rc;
}

/* ---- positions -------------------------------------------------------- */

struct pos_acc {
    FILE *out;
    int fmt;
    size_t n;
    pmc_micros realized, unrealized, basis, fees;
};

static int print_position(void *ctx, const struct pmc_store_position *p)
{
    struct pos_acc *a = ctx;
    FILE *out = a->out;
    char b[8][32];
    a->realized += p->realized;
    a->unrealized += p->unrealized;
    a->basis += p->cost_basis;
    a->fees += p->fees;
    if (a->fmt == PMC_VIEW_JSON) {
        fputs(a->n ? ",\n    {" : "\n    {", out);
        fputs("\"token\": ", out);
        pmc_json_str(out, p->token);
        fputs(", \"shares\": ", out);
        json_dec(out, p->shares);
        fputs(", \"avg_px\": ", out);
        json_dec(out, p->avg_px);
        fputs(", \"cost_basis\": ", out);
        json_dec(out, p->cost_basis);
        fputs(", \"mark\": ", out);
        if (p->has_mark)
            json_dec(out, p->mark);
        else
            fputs("null", out);
        fputs(", \"mark_t\": ", out);
        json_ms(out, p->has_mark ? p->mark_t : 0);
        fprintf(out, ", \"resolved\": %s", p->resolved ? "true" : "false");
        fputs(", \"realized\": ", out);
        json_dec(out, p->realized);
        fputs(", \"unrealized\": ", out);
        json_dec(out, p->unrealized);
        fputs(", \"bought\": ", out);
        json_dec(out, p->bought);
        fputs(", \"sold\": ", out);
        json_dec(out, p->sold);
        fputs(", \"fees\": ", out);
        json_dec(out, p->fees);
        fprintf(out, ", \"fills\": %" PRId64 "}", p->nfills);
    } else {
        if (!a->n)
            fprintf(out, "%14s %9s %12s %9s %12s %12s %10s %5s  %s\n", "shares",
                    "avg_px", "cost_usd", "mark", "unreal_usd", "real_usd",
                    "fees_usd", "fills", "token");
        fprintf(out, "%14s %9s %12s %9s %12s %12s %10s %5" PRId64 "  %s%s\n",
                dec(p->shares, b[0]), p->shares ? dec(p->avg_px, b[1]) : "-",
                dec(p->cost_basis, b[2]),
                p->has_mark ? dec(p->mark, b[3]) : "-",
                p->resolved ? "settled"
                            : (p->has_mark ? dec(p->unrealized, b[4]) : "-"),
                dec(p->realized, b[5]), dec(p->fees, b[6]), p->nfills, p->token,
                p->resolved ? " (resolved)" : "");
    }
    a->n++;
    return 0;
}

int pmc_view_positions(const struct pmc_view_opts *o)
{
    struct pmc_store *s = open_db(o, "positions");
    if (!s)
        return -1;
    FILE *out = pmc_view_out(o);
    struct pos_acc a = {out, o->fmt, 0, 0, 0, 0, 0};
    if (o->fmt == PMC_VIEW_JSON) {
        fputs("{\n  \"db\": ", out);
        pmc_json_str(out, o->db);
        fputs(",\n  \"positions\": [", out);
    }
    enum pmc_err e = pmc_store_positions_each(s, print_position, &a);
    if (e == PMC_OK) {
        char b[4][32];
        if (o->fmt == PMC_VIEW_JSON) {
            fputs(a.n ? "\n  ],\n" : "],\n", out);
            fprintf(out,
                    "  \"totals\": {\"positions\": %zu, \"cost_basis\": %s, "
                    "\"realized\": %s, \"unrealized\": %s, \"fees\": %s}\n}\n",
                    a.n, dec(a.basis, b[0]), dec(a.realized, b[1]),
                    dec(a.unrealized, b[2]), dec(a.fees, b[3]));
        } else if (!a.n) {
            fprintf(out, "%s: no positions (no fills yet)\n", o->db);
        } else {
            fprintf(out,
                    "total: %zu positions, cost basis %s USD, realised %s USD, "
                    "unrealised %s USD, fees %s USD\n",
                    a.n, dec(a.basis, b[0]), dec(a.realized, b[1]),
                    dec(a.unrealized, b[2]), dec(a.fees, b[3]));
        }
    }
    return finish(o, s, e, "positions");
}

/* ---- history ----------------------------------------------------------- */

static const char csv_header[] =
    "coid,status,side,token,limit_px,size,tif,filled,avg_px,filled_cost,"
    "fees,fills,traders,keys,venue_id,order_hash,paper,error,ts_source,"
    "ts_recv,ts_decided,ts_submitted,ts_acked,ts_filled,ts_done\n";

struct hist_acc {
    FILE *out;
    int fmt;
    size_t n, limit; /* limit 0 = all */
    int cut;         /* a row past the limit was left out */
    pmc_ms next;     /* its ts_decided */
    pmc_micros cost, fees;
};

static int print_order(void *ctx, const struct pmc_store_order_row *r)
{
    struct hist_acc *a = ctx;
    FILE *out = a->out;
    char b[8][32];
    if (a->limit && a->n == a->limit) {
        a->cut = 1;
        a->next = r->ts_decided;
        return 1;
    }
    a->cost += r->filled_cost;
    a->fees += r->fees;
    const char *st = pmc_order_status_name(r->status);
    if (a->fmt == PMC_VIEW_CSV) {
        fprintf(out, "%s,%s,%s,", r->coid, st, pmc_side_name(r->side));
        pmc_csv_str(out, r->token);
        fprintf(out, ",%s,%s,%s,%s,%s,%s,%s,%" PRId64 ",", dec(r->px, b[0]),
                dec(r->sz, b[1]), pmc_tif_name(r->tif), dec(r->filled, b[2]),
                r->filled ? dec(r->avg_px, b[3]) : "",
                dec(r->filled_cost, b[4]), dec(r->fees, b[5]), r->nfills);
        pmc_csv_str(out, r->traders);
        fputc(',', out);
        pmc_csv_str(out, r->keys);
        fputc(',', out);
        pmc_csv_str(out, r->venue_id);
        fputc(',', out);
        pmc_csv_str(out, r->order_hash);
        fprintf(out, ",%d,", r->paper);
        pmc_csv_str(out, r->error);
        const pmc_ms ts[7] = {r->ts_source,    r->ts_recv,  r->ts_decided,
                              r->ts_submitted, r->ts_acked, r->ts_filled,
                              r->ts_done};
        for (int i = 0; i < 7; i++) {
            fputc(',', out);
            csv_ms(out, ts[i]);
        }
        fputc('\n', out);
    } else if (a->fmt == PMC_VIEW_JSON) {
        fputs(a->n ? ",\n    {" : "\n    {", out);
        fputs("\"coid\": ", out);
        pmc_json_str(out, r->coid);
        fprintf(out, ", \"status\": \"%s\", \"side\": \"%s\", \"token\": ", st,
                pmc_side_name(r->side));
        pmc_json_str(out, r->token);
        fprintf(out,
                ", \"limit_px\": %s, \"size\": %s, \"tif\": \"%s\", "
                "\"filled\": %s, \"avg_px\": %s, \"filled_cost\": %s, "
                "\"fees\": %s, \"fills\": %" PRId64 ", \"traders\": [",
                dec(r->px, b[0]), dec(r->sz, b[1]), pmc_tif_name(r->tif),
                dec(r->filled, b[2]), r->filled ? dec(r->avg_px, b[3]) : "null",
                dec(r->filled_cost, b[4]), dec(r->fees, b[5]), r->nfills);
        /* comma lists -> arrays (addresses and fill keys hold no comma) */
        const char *lists[2] = {r->traders, r->keys};
        for (int l = 0; l < 2; l++) {
            if (l)
                fputs("], \"keys\": [", out);
            const char *p = lists[l];
            int first = 1;
            while (*p) {
                const char *c = strchr(p, ',');
                size_t n = c ? (size_t)(c - p) : strlen(p);
                fprintf(out, "%s\"%.*s\"", first ? "" : ", ", (int)n, p);
                first = 0;
                p += n + (c ? 1 : 0);
            }
        }
        fputs("], \"venue_id\": ", out);
        pmc_json_str(out, r->venue_id);
        fputs(", \"order_hash\": ", out);
        pmc_json_str(out, r->order_hash);
        fprintf(out,
                ", \"paper\": %s, \"error\": ", r->paper ? "true" : "false");
        pmc_json_str(out, r->error);
        static const char *const names[7] = {
            "ts_source", "ts_recv",   "ts_decided", "ts_submitted",
            "ts_acked",  "ts_filled", "ts_done"};
        const pmc_ms ts[7] = {r->ts_source,    r->ts_recv,  r->ts_decided,
                              r->ts_submitted, r->ts_acked, r->ts_filled,
                              r->ts_done};
        for (int i = 0; i < 7; i++) {
            fprintf(out, ", \"%s\": ", names[i]);
            json_ms(out, ts[i]);
        }
        fputc('}', out);
    } else {
        char tb[40];
        if (!a->n)
            fprintf(out, "%-23s %-9s %-4s %8s %10s %10s %8s %10s %-20s %s\n",
                    "decided (UTC)", "status", "side", "limit", "size",
                    "filled", "avg_px", "fees_usd", "coid", "token");
        fprintf(out, "%-23s %-9s %-4s %8s %10s %10s %8s %10s %-20s %s%s%s\n",
                utc(r->ts_decided, tb, sizeof tb), st, pmc_side_name(r->side),
                dec(r->px, b[0]), dec(r->sz, b[1]), dec(r->filled, b[2]),
                r->filled ? dec(r->avg_px, b[3]) : "-", dec(r->fees, b[4]),
                r->coid, r->token, r->error ? "  error: " : "",
                r->error ? r->error : "");
    }
    a->n++;
    return 0;
}

/* ---- stage latencies ------------------------------------------------------
 */

#define NSTAGES 6
static const char *const stage_names[NSTAGES] = {
    "detect (source -> received)",   "decide (received -> decided)",
    "submit (decided -> submitted)", "ack (submitted -> acked)",
    "fill (submitted -> filled)",    "total (source -> filled)"};
static const char *const stage_keys[NSTAGES] = {"detect", "decide", "submit",
                                                "ack",    "fill",   "total"};

struct stage_acc {
    pmc_ms *v[NSTAGES];
    size_t n[NSTAGES], cap[NSTAGES];
    int oom;
};

static void stage_add(struct stage_acc *a, int k, pmc_ms from, pmc_ms to)
{
    if (!from || !to || to < from)
        return;
    if (a->n[k] == a->cap[k]) {
        size_t nc = a->cap[k] ? 2 * a->cap[k] : 64;
        pmc_ms *nv = realloc(a->v[k], nc * sizeof *nv);
        if (!nv) {
            a->oom = 1;
            return;
        }
        a->v[k] = nv;
        a->cap[k] = nc;
    }
    a->v[k][a->n[k]++] = to - from;
}

static int add_stages(void *ctx, const struct pmc_store_order_row *r)
{
    struct stage_acc *a = ctx;
    stage_add(a, 0, r->ts_source, r->ts_recv);
    stage_add(a, 1, r->ts_recv, r->ts_decided);
    stage_add(a, 2, r->ts_decided, r->ts_submitted);
    stage_add(a, 3, r->ts_submitted, r->ts_acked);
    stage_add(a, 4, r->ts_submitted, r->ts_filled);
    stage_add(a, 5, r->ts_source, r->ts_filled);
    return 0;
}

static int cmp_ms(const void *x, const void *y)
{
    pmc_ms a = *(const pmc_ms *)x, b = *(const pmc_ms *)y;
    return (a > b) - (a < b);
}

/* nearest-rank percentile of a sorted array */
static pmc_ms pct(const pmc_ms *v, size_t n, int p)
{
    size_t k = (n * (size_t)p + 99) / 100;
    return v[k ? k - 1 : 0];
}

static void print_stages(FILE *out, struct stage_acc *a, int fmt)
{
    int inner = fmt < 0; /* -JSON: the member of an object already open */
    if (inner)
        fmt = -fmt;
    if (fmt == PMC_VIEW_JSON)
        fputs(inner ? "  \"stages_ms\": {" : "{\n  \"stages_ms\": {", out);
    else
        fprintf(out, "%-32s %7s %8s %8s %8s %8s\n", "stage", "orders", "p50 ms",
                "p95 ms", "p99 ms", "max ms");
    for (int k = 0; k < NSTAGES; k++) {
        size_t n = a->n[k];
        if (n)
            qsort(a->v[k], n, sizeof *a->v[k], cmp_ms);
        pmc_ms p50 = n ? pct(a->v[k], n, 50) : 0,
               p95 = n ? pct(a->v[k], n, 95) : 0,
               p99 = n ? pct(a->v[k], n, 99) : 0, mx = n ? a->v[k][n - 1] : 0;
        if (fmt == PMC_VIEW_JSON)
            fprintf(out,
                    "%s\n    \"%s\": {\"n\": %zu, \"p50\": %lld, \"p95\": "
                    "%lld, \"p99\": %lld, \"max\": %lld}",
                    k ? "," : "", stage_keys[k], n, (long long)p50,
                    (long long)p95, (long long)p99, (long long)mx);
        else
            fprintf(out, "%-32s %7zu %8lld %8lld %8lld %8lld\n", stage_names[k],
                    n, (long long)p50, (long long)p95, (long long)p99,
                    (long long)mx);
        free(a->v[k]);
    }
    if (fmt == PMC_VIEW_JSON)
        fputs("\n  }\n}\n", out);
}

int pmc_view_history(const struct pmc_view_opts *o)
{
    struct pmc_store *s = open_db(o, "history");
    if (!s)
        return -1;
    FILE *out = pmc_view_out(o);
    if (o->stages) {
        struct stage_acc sa;
        memset(&sa, 0, sizeof sa);
        enum pmc_err se = pmc_store_orders_each(s, &o->filter, add_stages, &sa);
        if (se == PMC_OK && sa.oom)
            se = PMC_ENOMEM;
        if (se == PMC_OK)
            print_stages(out, &sa, o->fmt);
        else
            for (int i = 0; i < NSTAGES; i++)
                free(sa.v[i]);
        return finish(o, s, se, "history");
    }
    struct hist_acc a = {out, o->fmt, 0, o->limit, 0, 0, 0, 0};
    if (o->fmt == PMC_VIEW_CSV)
        fputs(csv_header, out);
    else if (o->fmt == PMC_VIEW_JSON) {
        fputs("{\n  \"db\": ", out);
        pmc_json_str(out, o->db);
        fputs(",\n  \"orders\": [", out);
    }
    enum pmc_err e = pmc_store_orders_each(s, &o->filter, print_order, &a);
    if (e == PMC_OK) {
        char b[2][32];
        if (o->fmt == PMC_VIEW_JSON) {
            fprintf(out,
                    "%s  \"totals\": {\"orders\": %zu, \"filled_cost\": %s, "
                    "\"fees\": %s}",
                    a.n ? "\n  ],\n" : "],\n", a.n, dec(a.cost, b[0]),
                    dec(a.fees, b[1]));
            if (o->limit) {
                fprintf(out, ",\n  \"limit\": %zu, \"truncated\": %s", o->limit,
                        a.cut ? "true" : "false");
                if (a.cut)
                    fprintf(out, ", \"next_since\": %" PRId64, a.next);
            }
            fputs("\n}\n", out);
        } else if (o->fmt == PMC_VIEW_TEXT) {
            fprintf(out, "%zu orders, filled cost %s USD, fees %s USD\n", a.n,
                    dec(a.cost, b[0]), dec(a.fees, b[1]));
        }
        if (a.cut && o->fmt != PMC_VIEW_JSON)
            verr(o, "history",
                 "cut at --limit %zu orders; more follow from --since "
                 "%" PRId64,
                 o->limit, a.next);
    }
    return finish(o, s, e, "history");
}

/* ---- traders ------------------------------------------------------------ */

struct tr {
    char trader[PMC_SYM_MAX + 1];
    int64_t orders, fills, successes, failures, trades_today;
    pmc_micros notional, notional_today, filled_cost, realized;
};

struct tok {
    char token[PMC_SYM_MAX + 1];
    pmc_micros realized, buy_cost;
};

/* one (trader, token) buy share */
struct tshare {
    size_t trader;
    char token[PMC_SYM_MAX + 1];
    pmc_micros buy_cost;
};

struct tr_acc {
    struct tr *t;
    size_t nt, capt;
    struct tok *k;
    size_t nk, capk;
    struct tshare *x;
    size_t nx, capx;
    int oom;
};

static void *grow(void *p, size_t *cap, size_t n, size_t sz)
{
    if (n < *cap)
        return p;
    size_t nc = *cap ? *cap * 2 : 64;
    void *q = realloc(p, nc * sz);
    if (q)
        *cap = nc;
    return q;
}

static size_t trader_index(struct tr_acc *a, const char *trader)
{
    /* rows arrive ordered by trader: the last entry or a new one */
    if (a->nt && !strcmp(a->t[a->nt - 1].trader, trader))
        return a->nt - 1;
    for (size_t i = 0; i < a->nt; i++)
        if (!strcmp(a->t[i].trader, trader))
            return i;
    struct tr *nt = grow(a->t, &a->capt, a->nt, sizeof *a->t);
    if (!nt) {
        a->oom = 1;
        return SIZE_MAX;
    }
    a->t = nt;
    memset(&a->t[a->nt], 0, sizeof *a->t);
    snprintf(a->t[a->nt].trader, sizeof a->t[a->nt].trader, "%s", trader);
    return a->nt++;
}

static int cmp_tok(const void *x, const void *y)
{
    return strcmp(((const struct tok *)x)->token,
                  ((const struct tok *)y)->token);
}

static struct tok *tok_find(struct tr_acc *a, const char *token)
{
    struct tok key;
    snprintf(key.token, sizeof key.token, "%s", token);
    return a->nk ? bsearch(&key, a->k, a->nk, sizeof *a->k, cmp_tok) : NULL;
}

static int add_position(void *ctx, const struct pmc_store_position *p)
{
    struct tr_acc *a = ctx;
    struct tok *nk = grow(a->k, &a->capk, a->nk, sizeof *a->k);
    if (!nk) {
        a->oom = 1;
        return 1;
    }
    a->k = nk;
    memset(&a->k[a->nk], 0, sizeof *a->k);
    snprintf(a->k[a->nk].token, sizeof a->k[a->nk].token, "%s", p->token);
    a->k[a->nk].realized = p->realized;
    a->nk++;
    return 0;
}

static int add_share(void *ctx, const struct pmc_store_share_row *r)
{
    struct tr_acc *a = ctx;
    size_t i = trader_index(a, r->trader);
    if (i == SIZE_MAX)
        return 1;
    struct tr *t = &a->t[i];
    t->orders++;
    t->fills += r->nfills;
    pmc_micros part = pmc_muldiv_floor(r->filled_cost, r->share, PMC_MICRO);
    t->filled_cost += part;
    if (r->side == PMC_BUY && part > 0) {
        struct tshare *nx = grow(a->x, &a->capx, a->nx, sizeof *a->x);
        if (!nx) {
            a->oom = 1;
            return 1;
        }
        a->x = nx;
        a->x[a->nx].trader = i;
        snprintf(a->x[a->nx].token, sizeof a->x[a->nx].token, "%s", r->token);
        a->x[a->nx].buy_cost = part;
        a->nx++;
        struct tok *k = tok_find(a, r->token);
        if (k)
            k->buy_cost += part;
    }
    return 0;
}

static int add_stats(void *ctx, const struct pmc_store_trader *st)
{
    struct tr_acc *a = ctx;
    size_t i = trader_index(a, st->trader);
    if (i == SIZE_MAX)
        return 1;
    struct tr *t = &a->t[i];
    t->notional = st->notional_total;
    t->notional_today = st->notional_today;
    t->trades_today = st->trades_today;
    t->successes = st->successes;
    t->failures = st->failures;
    return 0;
}

static int cmp_tr(const void *x, const void *y)
{
    return strcmp(((const struct tr *)x)->trader,
                  ((const struct tr *)y)->trader);
}

int pmc_view_traders(const struct pmc_view_opts *o)
{
    struct pmc_store *s = open_db(o, "traders");
    if (!s)
        return -1;
    FILE *out = pmc_view_out(o);
    struct tr_acc a;
    memset(&a, 0, sizeof a);
    pmc_ms now = o->now;
    enum pmc_err e = PMC_OK;
    if (!o->has_now)
        e = pmc_store_last_time(s, &now);
    if (e == PMC_OK)
        e = pmc_store_positions_each(s, add_position, &a);
    if (e == PMC_OK && !a.oom) {
        qsort(a.k, a.nk, sizeof *a.k, cmp_tok);
        e = pmc_store_shares_each(s, add_share, &a);
    }
    if (e == PMC_OK && !a.oom)
        e = pmc_store_traders_each(s, now, add_stats, &a);
    if (e == PMC_OK && a.oom) {
        verr(o, "traders", "out of memory");
        free(a.t);
        free(a.k);
        free(a.x);
        close_quiet(s);
        return -1;
    }
    if (e == PMC_OK) {
        /* realised P&L of a token, split by each trader's share of the
         * token's bought cost (floored per trader and order) */
        for (size_t i = 0; i < a.nx; i++) {
            struct tok *t = tok_find(&a, a.x[i].token);
            if (t && t->buy_cost > 0)
                a.t[a.x[i].trader].realized +=
                    pmc_muldiv_floor(t->realized, a.x[i].buy_cost, t->buy_cost);
        }
        qsort(a.t, a.nt, sizeof *a.t, cmp_tr);
        char b[6][32], tb[40];
        if (o->fmt == PMC_VIEW_JSON) {
            fputs("{\n  \"db\": ", out);
            pmc_json_str(out, o->db);
            fprintf(out, ",\n  \"now\": ");
            json_ms(out, now);
            fputs(",\n  \"traders\": [", out);
        } else if (a.nt) {
            fprintf(out, "today: UTC day of %s\n", utc(now, tb, sizeof tb));
            fprintf(out, "%-42s %7s %6s %12s %12s %12s %6s %6s %8s %8s\n",
                    "trader", "orders", "fills", "copied_usd", "filled_usd",
                    "real_usd", "succ", "fail", "today_n", "today_usd");
        } else {
            fprintf(out, "%s: no orders yet\n", o->db);
        }
        for (size_t i = 0; i < a.nt; i++) {
            const struct tr *t = &a.t[i];
            if (o->fmt == PMC_VIEW_JSON) {
                fputs(i ? ",\n    {" : "\n    {", out);
                fputs("\"trader\": ", out);
                pmc_json_str(out, t->trader);
                fprintf(out,
                        ", \"orders\": %" PRId64 ", \"fills\": %" PRId64
                        ", \"copied_notional\": %s, \"filled_cost\": %s, "
                        "\"realized\": %s, \"successes\": %" PRId64
                        ", \"failures\": %" PRId64
                        ", \"trades_today\": %" PRId64
                        ", \"notional_today\": %s}",
                        t->orders, t->fills, dec(t->notional, b[0]),
                        dec(t->filled_cost, b[1]), dec(t->realized, b[2]),
                        t->successes, t->failures, t->trades_today,
                        dec(t->notional_today, b[3]));
            } else {
                fprintf(out,
                        "%-42s %7" PRId64 " %6" PRId64
                        " %12s %12s %12s %6" PRId64 " %6" PRId64 " %8" PRId64
                        " %8s\n",
                        t->trader, t->orders, t->fills, dec(t->notional, b[0]),
                        dec(t->filled_cost, b[1]), dec(t->realized, b[2]),
                        t->successes, t->failures, t->trades_today,
                        dec(t->notional_today, b[3]));
            }
        }
        if (o->fmt == PMC_VIEW_JSON) {
            fputs(a.nt ? "\n  ]" : "]", out);
            if (o->eng) {
                fputs(",\n  \"accountability\": [\n", out);
                if (pmc_traders_rows(out, o->eng) < 0)
                    a.oom = 1;
                fputs("\n  ]", out);
            }
            fputs("\n}\n", out);
        } else if (o->eng) {
            fputs("\naccountability (the core over the journal):\n", out);
            if (pmc_traders_print(out, o->eng, 0) < 0)
                a.oom = 1;
        }
        if (a.oom)
            verr(o, "traders", "out of memory");
    }
    free(a.t);
    free(a.k);
    free(a.x);
    int rc = finish(o, s, e, "traders");
    return a.oom ? -1 : rc;
}

/* ---- fills, skips, counts ------------------------------------------------ */

/* A walk with a row limit: `cut` once a row past it was met. */
struct rows_acc {
    const struct pmc_view_opts *o;
    FILE *out;
    size_t n;
    int cut;
    pmc_ms next; /* the time of the first row left out */
    pmc_micros cost, fees;
    uint64_t counts[PMC_SKIP_COUNT];
    int bad; /* a journal line that does not parse */
    struct pmc_tape_err te;
};

/* An empty accumulator for o's rows on out, the object and its list opened. */
static void rows_begin(struct rows_acc *a, const struct pmc_view_opts *o,
                       FILE *out, const char *list)
{
    memset(a, 0, sizeof *a);
    a->o = o;
    a->out = out;
    fprintf(out, "{\n  \"%s\": [", list);
}

/* 1 when the row is past the limit (the walk stops). */
static int rows_full(struct rows_acc *a, pmc_ms t)
{
    if (a->o->limit && a->n == a->o->limit) {
        a->cut = 1;
        a->next = t;
        return 1;
    }
    return 0;
}

static void rows_tail(const struct rows_acc *a, const char *what)
{
    FILE *out = a->out;
    fprintf(out, "  \"%s\": %zu", what, a->n);
    if (a->o->limit) {
        fprintf(out, ",\n  \"limit\": %zu, \"truncated\": %s", a->o->limit,
                a->cut ? "true" : "false");
        if (a->cut)
            fprintf(out, ", \"next_since\": %" PRId64, a->next);
    }
}

static int print_fill(void *ctx, const struct pmc_store_fill_row *r)
{
    struct rows_acc *a = ctx;
    FILE *out = a->out;
    if (r->t < a->o->filter.since)
        return 0;
    if (rows_full(a, r->t))
        return 1;
    char b[4][32];
    fputs(a->n ? ",\n    {" : "\n    {", out);
    fputs("\"coid\": ", out);
    pmc_json_str(out, r->coid);
    fputs(", \"trade_id\": ", out);
    pmc_json_str(out, r->trade_id);
    fputs(", \"token\": ", out);
    pmc_json_str(out, r->token);
    fprintf(out,
            ", \"side\": \"%s\", \"sz\": %s, \"px\": %s, \"cost\": %s, "
            "\"fee\": %s, \"t\": %" PRId64 "}",
            pmc_side_name(r->side), dec(r->sz, b[0]), dec(r->px, b[1]),
            dec(r->cost, b[2]), dec(r->fee, b[3]), r->t);
    a->cost += r->cost;
    a->fees += r->fee;
    a->n++;
    return 0;
}

int pmc_view_fills(const struct pmc_view_opts *o)
{
    struct pmc_store *s = open_db(o, "fills");
    if (!s)
        return -1;
    FILE *out = pmc_view_out(o);
    struct rows_acc a;
    rows_begin(&a, o, out, "fills");
    enum pmc_err e = pmc_store_fills_each(s, NULL, print_fill, &a);
    if (e == PMC_OK) {
        char b[2][32];
        fprintf(out, "%s  \"totals\": {\"cost\": %s, \"fees\": %s},\n",
                a.n ? "\n  ],\n" : "],\n", dec(a.cost, b[0]),
                dec(a.fees, b[1]));
        rows_tail(&a, "count");
        fputs("\n}\n", out);
    }
    return finish(o, s, e, "fills");
}

static int parse_skip(struct rows_acc *a, const char *line, size_t n,
                      struct pmc_record *rec)
{
    int has;
    if (pmc_tape_parse(line, n, rec, &has, &a->te) != PMC_OK || !has ||
        rec->kind != PMC_K_SKIP) {
        a->bad = 1;
        return -1;
    }
    return 0;
}

static int print_skip(void *ctx, uint64_t seq, pmc_ms t, const char *line,
                      size_t n)
{
    struct rows_acc *a = ctx;
    struct pmc_record rec;
    if (parse_skip(a, line, n, &rec) < 0)
        return 1;
    if (a->o->skip_reason >= 0 && (int)rec.u.skip.reason != a->o->skip_reason)
        return 0;
    a->counts[rec.u.skip.reason]++;
    if (a->cut || rows_full(a, t))
        return 0; /* counted, not listed */
    FILE *out = a->out;
    fputs(a->n ? ",\n    {" : "\n    {", out);
    fprintf(out, "\"seq\": %" PRIu64 ", \"t\": %" PRId64 ", \"key\": ", seq, t);
    pmc_json_str(out, rec.u.skip.key.s);
    fprintf(out, ", \"reason\": \"%s\"}", pmc_skip_name(rec.u.skip.reason));
    a->n++;
    return 0;
}

static void print_counts(FILE *out, const uint64_t *c)
{
    fputs("{", out);
    for (int i = 0; i < PMC_SKIP_COUNT; i++)
        fprintf(out, "%s\"%s\": %" PRIu64, i ? ", " : "",
                pmc_skip_name((enum pmc_skip_reason)i), c[i]);
    fputs("}", out);
}

int pmc_view_skips(const struct pmc_view_opts *o)
{
    struct pmc_store *s = open_db(o, "skips");
    if (!s)
        return -1;
    FILE *out = pmc_view_out(o);
    struct rows_acc a;
    rows_begin(&a, o, out, "skips");
    enum pmc_err e =
        pmc_store_journal_each(s, "skip", o->filter.since, print_skip, &a);
    if (e == PMC_OK && a.bad) {
        verr(o, "skips", "%s: a journal skip record: %s", o->db, a.te.msg);
        close_quiet(s);
        return -1;
    }
    if (e == PMC_OK) {
        fputs(a.n ? "\n  ],\n  \"by_reason\": " : "],\n  \"by_reason\": ", out);
        print_counts(out, a.counts);
        fputs(",\n", out);
        rows_tail(&a, "count");
        fputs("\n}\n", out);
    }
    return finish(o, s, e, "skips");
}

struct stat_acc {
    struct stage_acc st;
    uint64_t by_status[PMC_OS_COUNT], fills;
    pmc_micros filled_cost, fees;
    struct rows_acc sk;
};

static int count_order(void *ctx, const struct pmc_store_order_row *r)
{
    struct stat_acc *a = ctx;
    a->by_status[r->status]++;
    a->filled_cost += r->filled_cost;
    a->fees += r->fees;
    a->fills += (uint64_t)r->nfills;
    return add_stages(&a->st, r);
}

static int count_skip(void *ctx, uint64_t seq, pmc_ms t, const char *line,
                      size_t n)
{
    (void)seq;
    (void)t;
    struct rows_acc *a = ctx;
    struct pmc_record rec;
    if (parse_skip(a, line, n, &rec) < 0)
        return 1;
    a->counts[rec.u.skip.reason]++;
    return 0;
}

int pmc_view_stats(const struct pmc_view_opts *o)
{
    struct pmc_store *s = open_db(o, "stats");
    if (!s)
        return -1;
    FILE *out = pmc_view_out(o);
    struct stat_acc *a = calloc(1, sizeof *a);
    if (!a) {
        verr(o, "stats", "out of memory");
        close_quiet(s);
        return -1;
    }
    a->sk.o = o;
    enum pmc_err e = pmc_store_orders_each(s, &o->filter, count_order, a);
    if (e == PMC_OK && a->st.oom)
        e = PMC_ENOMEM;
    pmc_ms last = 0;
    if (e == PMC_OK)
        e = pmc_store_journal_each(s, "skip", o->filter.since, count_skip,
                                   &a->sk);
    if (e == PMC_OK)
        e = pmc_store_last_time(s, &last);
    if (e == PMC_OK && a->sk.bad) {
        verr(o, "stats", "%s: a journal skip record: %s", o->db, a->sk.te.msg);
        for (int i = 0; i < NSTAGES; i++)
            free(a->st.v[i]);
        free(a);
        close_quiet(s);
        return -1;
    }
    if (e == PMC_OK) {
        char b[2][32];
        uint64_t n = 0, sk = 0;
        for (int i = 0; i < PMC_OS_COUNT; i++)
            n += a->by_status[i];
        for (int i = 0; i < PMC_SKIP_COUNT; i++)
            sk += a->sk.counts[i];
        fputs("{\n  \"now\": ", out);
        json_ms(out, last);
        fprintf(out, ",\n  \"orders\": %" PRIu64 ",\n  \"orders_by_status\": {",
                n);
        for (int i = 0; i < PMC_OS_COUNT; i++)
            fprintf(out, "%s\"%s\": %" PRIu64, i ? ", " : "",
                    pmc_order_status_name((enum pmc_order_status)i),
                    a->by_status[i]);
        fprintf(out,
                "},\n  \"fills\": %" PRIu64 ", \"filled_cost\": %s, "
                "\"fees\": %s,\n  \"skips\": %" PRIu64
                ",\n  \"skips_by_reason\": ",
                a->fills, dec(a->filled_cost, b[0]), dec(a->fees, b[1]), sk);
        print_counts(out, a->sk.counts);
        fputs(",\n", out);
        print_stages(out, &a->st, -PMC_VIEW_JSON);
    } else {
        for (int i = 0; i < NSTAGES; i++)
            free(a->st.v[i]);
    }
    free(a);
    return finish(o, s, e, "stats");
}

/* ---- the position monitor (positions --watch) ------------------------------ */

struct mon_row {
    char token[PMC_SYM_MAX + 1];
    char name[160], outcome[24];
    pmc_micros shares, avg, basis, mark, unreal;
    int has_mark;
    int named; /* by a market record */
};

struct mon_acc {
    struct mon_row *r;
    size_t n, cap;
    int oom;
    pmc_micros value, basis, unreal, realized, realized_today;
    size_t closed;
};

static int mon_position(void *ctx, const struct pmc_store_position *p)
{
    struct mon_acc *a = ctx;
    a->realized += p->realized;
    a->realized_today += p->realized_since;
    if (!p->shares || p->resolved) {
        a->closed++;
        return 0;
    }
    struct mon_row *nr = grow(a->r, &a->cap, a->n, sizeof *a->r);
    if (!nr) {
        a->oom = 1;
        return 1;
    }
    a->r = nr;
    struct mon_row *r = &a->r[a->n++];
    memset(r, 0, sizeof *r);
    snprintf(r->token, sizeof r->token, "%s", p->token);
    r->shares = p->shares;
    r->avg = p->avg_px;
    r->basis = p->cost_basis;
    r->mark = p->mark;
    r->has_mark = p->has_mark;
    r->unreal = p->unrealized;
    a->basis += p->cost_basis;
    a->unreal += p->unrealized;
    /* valued at the mark; at cost while there is none */
    a->value += p->has_mark ? pmc_muldiv_floor(p->shares, p->mark, PMC_MICRO)
                            : p->cost_basis;
    return 0;
}

/* The names of the tokens held, from the journal's market records (the
 * question, else the slug, else the market id; the last record of a token
 * wins), else from the source fills on them (market id and outcome). */
static int mon_name(void *ctx, uint64_t seq, pmc_ms t, const char *line,
                    size_t n)
{
    (void)seq;
    (void)t;
    struct mon_acc *a = ctx;
    struct pmc_record rec;
    struct pmc_tape_err te;
    int has;
    if (pmc_tape_parse(line, n, &rec, &has, &te) != PMC_OK || !has)
        return 0; /* a name is a label: an odd record names nothing */
    const char *tok, *nm, *outcome;
    if (rec.kind == PMC_K_MARKET) {
        const struct pmc_market_ev *m = &rec.u.market;
        tok = m->token.s;
        nm = m->question[0] ? m->question : m->slug[0] ? m->slug : m->market.s;
        outcome = m->outcome;
    } else if (rec.kind == PMC_K_FILL) {
        tok = rec.u.fill.token.s;
        nm = rec.u.fill.market.s;
        outcome = rec.u.fill.outcome;
    } else {
        return 0;
    }
    for (size_t i = 0; i < a->n; i++) {
        struct mon_row *r = &a->r[i];
        if (strcmp(r->token, tok) != 0 ||
            (rec.kind == PMC_K_FILL && (r->named || !*nm)))
            continue;
        r->named = rec.kind == PMC_K_MARKET;
        snprintf(r->name, sizeof r->name, "%s", nm);
        if (*outcome || rec.kind == PMC_K_MARKET)
            snprintf(r->outcome, sizeof r->outcome, "%s", outcome);
    }
    return 0;
}

/* A column cut to w bytes at a UTF-8 boundary, padded. */
static void col(FILE *out, const char *s, int w)
{
    int n = (int)strlen(s);
    if (n > w) {
        n = w;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    int pad = w, k = 0;
    for (int i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            k++;
    fprintf(out, "%.*s%*s", n, s, pad - k > 0 ? pad - k : 0, "");
}

int pmc_view_monitor(const struct pmc_view_opts *o, const char *eol)
{
    struct pmc_store *s = open_db(o, "positions");
    if (!s)
        return -1;
    FILE *out = pmc_view_out(o);
    struct mon_acc a;
    memset(&a, 0, sizeof a);
    pmc_ms day = pmc_floor_div(o->now, 86400000) * 86400000;
    enum pmc_err e = pmc_store_positions_since(s, day, mon_position, &a);
    if (e == PMC_OK && a.oom)
        e = PMC_ENOMEM;
    if (e == PMC_OK && a.n)
        e = pmc_store_journal_each(s, "market", 0, mon_name, &a);
    if (e == PMC_OK && a.n) {
        size_t unnamed = 0;
        for (size_t i = 0; i < a.n; i++)
            unnamed += !a.r[i].named;
        if (unnamed)
            e = pmc_store_journal_each(s, "fill", 0, mon_name, &a);
    }
    if (e == PMC_OK) {
        char b[6][32], tb[40];
        fprintf(out, "pmcopy positions  %s  %s UTC%s\n", o->db,
                utc(o->now, tb, sizeof tb), eol);
        fprintf(out, "%-32s %-8s %12s %9s %9s %12s  %s%s\n", "market",
                "outcome", "shares", "avg_entry", "mark", "unreal_usd", "token",
                eol);
        for (size_t i = 0; i < a.n; i++) {
            const struct mon_row *r = &a.r[i];
            col(out, r->name[0] ? r->name : "-", 32);
            fputc(' ', out);
            col(out, r->outcome[0] ? r->outcome : "-", 8);
            fprintf(out, " %12s %9s %9s %12s  %s%s\n", dec(r->shares, b[0]),
                    dec(r->avg, b[1]), r->has_mark ? dec(r->mark, b[2]) : "-",
                    r->has_mark ? dec(r->unreal, b[3]) : "-", r->token, eol);
        }
        if (!a.n)
            fprintf(out, "no open positions%s\n", eol);
        fprintf(out,
                "open %zu, closed %zu | value %s USD, cost basis %s USD, "
                "unrealised %s USD%s\n",
                a.n, a.closed, dec(a.value, b[0]), dec(a.basis, b[1]),
                dec(a.unreal, b[2]), eol);
        fprintf(out, "realised today %s USD, realised total %s USD%s\n",
                dec(a.realized_today, b[3]), dec(a.realized, b[4]), eol);
    }
    free(a.r);
    return finish(o, s, e, "positions");
}

/* ---- journal export ------------------------------------------------------ */

int pmc_view_journal_append(const char *db, const char *tape)
{
    FILE *in = strcmp(tape, "-") ? fopen(tape, "rb") : stdin;
    const char *name = strcmp(tape, "-") ? tape : "<stdin>";
    if (!in) {
        fprintf(stderr, "pmcopy journal: cannot open %s: %s\n", tape,
                strerror(errno));
        return -1;
    }
    struct pmc_store *s;
    struct pmc_store_info info;
    char err[512];
    int rc = -1, lock;
    /* a writer like `pmcopy live`: never beside a running session */
    if (pmc_dblock_take(db, &lock, err, sizeof err)) {
        fprintf(stderr, "pmcopy journal: %s\n", err);
        goto out_in;
    }
    if (pmc_store_open(db, NULL, &s, &info, err, sizeof err) != PMC_OK) {
        fprintf(stderr, "pmcopy journal: %s\n", err);
        pmc_dblock_release(lock);
        goto out_in;
    }
    pmc_ms last;
    struct pmc_tape_reader r;
    if (pmc_store_last_time(s, &last) != PMC_OK) {
        fprintf(stderr, "pmcopy journal: %s\n", pmc_store_errmsg(s));
        goto out_store;
    }
    if (pmc_tape_reader_init(&r, in, name) != PMC_OK) {
        fprintf(stderr, "pmcopy journal: out of memory\n");
        goto out_store;
    }
    struct pmc_record rec;
    uint64_t n = 0;
    int k;
    while ((k = pmc_tape_next(&r, &rec)) == 1) {
        if (rec.t < last) {
            fprintf(stderr,
                    "pmcopy journal: %s:%llu: t=%" PRId64
                    " is older than the journal's last record (t=%" PRId64
                    ")\n",
                    name, (unsigned long long)r.line, rec.t, last);
            goto out_reader;
        }
        last = rec.t;
        enum pmc_err e = pmc_store_journal_line(s, r.cur, r.cur_len, NULL);
        if (e != PMC_OK) {
            fprintf(stderr, "pmcopy journal: %s:%llu: %s\n", name,
                    (unsigned long long)r.line, pmc_strerror(e));
            goto out_reader;
        }
        n++;
    }
    if (k < 0) {
        fprintf(stderr, "pmcopy journal: %s\n", r.err);
        goto out_reader;
    }
    rc = 0;
out_reader:
    pmc_tape_reader_fini(&r);
out_store:
    /* what was read before an error is kept: each record stands alone */
    if (pmc_store_close(s) != PMC_OK) {
        fprintf(stderr, "pmcopy journal: %s\n", pmc_store_errmsg(s));
        rc = -1;
    } else if (rc == 0) {
        fprintf(stderr, "journal: %s: %" PRIu64 " records appended\n", db, n);
    }
    pmc_dblock_release(lock);
out_in:
    if (in != stdin)
        fclose(in);
    return rc;
}

int pmc_view_journal(const char *db)
{
    struct pmc_view_opts o;
    pmc_view_opts_init(&o);
    o.db = db;
    struct pmc_store *s = open_db(&o, "journal");
    if (!s)
        return -1;
    static char obuf[1 << 16];
    setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
    enum pmc_err e = pmc_store_export(s, stdout);
    return finish(&o, s, e, "journal");
}

FILE *pmc_journal_tmpfile(const char *db, char *err, size_t cap)
{
    struct pmc_store_opts so = {0};
    so.readonly = 1;
    struct pmc_store *s;
    if (pmc_store_open(db, &so, &s, NULL, err, cap) != PMC_OK)
        return NULL;
    FILE *f = tmpfile();
    if (!f) {
        snprintf(err, cap, "cannot create a temporary file: %s",
                 strerror(errno));
        close_quiet(s);
        return NULL;
    }
    enum pmc_err e = pmc_store_export(s, f);
    if (e != PMC_OK || fflush(f) != 0) {
        snprintf(err, cap, "%s",
                 e != PMC_OK ? pmc_store_errmsg(s)
                             : "temporary file: write error");
        fclose(f);
        close_quiet(s);
        return NULL;
    }
    close_quiet(s);
    rewind(f);
    return f;
}
