/* live/views.c - the operator views over the store (docs/store.md):
 * positions, order history, per-trader comparison, and the journal as a
 * tape (exported, appended to, or into a temporary file for `pmcopy replay
 * --db`), plus the helpers the other views share (views_int.h): the row
 * lists of fills, skips and counts are in views_rows.c, the position
 * monitor in views_monitor.c. The CLI and the read API (readapi.c) print
 * through the same code, each to its FILE*.
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
#include "live/views_int.h"
#include "proto/jsonout.h"
#include "proto/tapeio.h"

#define DEFAULT_DB "pmcopy.db"

/* ---- small helpers ---------------------------------------------------- */

const char *pmc__view_dec(pmc_micros v, char *b)
{
    pmc_dec_format(v, b);
    return b;
}

const char *pmc__view_utc(pmc_ms t, char *b, size_t cap)
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

void pmc__view_json_dec(FILE *f, pmc_micros v)
{
    char b[32];
    fputs(pmc__view_dec(v, b), f);
}

void pmc__view_json_ms(FILE *f, pmc_ms t)
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
void pmc__view_close_quiet(struct pmc_store *s)
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
__attribute__((format(printf, 3, 4))) void
pmc__view_err(const struct pmc_view_opts *o, const char *cmd, const char *fmt,
              ...)
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

struct pmc_store *pmc__view_open(const struct pmc_view_opts *o, const char *cmd)
{
    struct pmc_store_opts so = {0};
    so.readonly = 1;
    struct pmc_store *s;
    char err[512];
    if (pmc_store_open(o->db, &so, &s, NULL, err, sizeof err) != PMC_OK) {
        pmc__view_err(o, cmd, "%s", err);
        return NULL;
    }
    return s;
}

int pmc__view_finish(const struct pmc_view_opts *o, struct pmc_store *s,
                     enum pmc_err e, const char *cmd)
{
    int rc = 0;
    FILE *out = pmc_view_out(o);
    if (e != PMC_OK) {
        pmc__view_err(o, cmd, "%s", pmc_store_errmsg(s));
        rc = -1;
    }
    if (fflush(out) != 0 || ferror(out)) {
        if (rc == 0)
            pmc__view_err(o, cmd, "write error: %s", strerror(errno));
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
        pmc__view_json_dec(out, p->shares);
        fputs(", \"avg_px\": ", out);
        pmc__view_json_dec(out, p->avg_px);
        fputs(", \"cost_basis\": ", out);
        pmc__view_json_dec(out, p->cost_basis);
        fputs(", \"mark\": ", out);
        if (p->has_mark)
            pmc__view_json_dec(out, p->mark);
        else
            fputs("null", out);
        fputs(", \"mark_t\": ", out);
        pmc__view_json_ms(out, p->has_mark ? p->mark_t : 0);
        fprintf(out, ", \"resolved\": %s", p->resolved ? "true" : "false");
        fputs(", \"realized\": ", out);
        pmc__view_json_dec(out, p->realized);
        fputs(", \"unrealized\": ", out);
        pmc__view_json_dec(out, p->unrealized);
        fputs(", \"bought\": ", out);
        pmc__view_json_dec(out, p->bought);
        fputs(", \"sold\": ", out);
        pmc__view_json_dec(out, p->sold);
        fputs(", \"fees\": ", out);
        pmc__view_json_dec(out, p->fees);
        fprintf(out, ", \"fills\": %" PRId64 "}", p->nfills);
    } else {
        if (!a->n)
            fprintf(out, "%14s %9s %12s %9s %12s %12s %10s %5s  %s\n", "shares",
                    "avg_px", "cost_usd", "mark", "unreal_usd", "real_usd",
                    "fees_usd", "fills", "token");
        fprintf(out, "%14s %9s %12s %9s %12s %12s %10s %5" PRId64 "  %s%s\n",
                pmc__view_dec(p->shares, b[0]),
                p->shares ? pmc__view_dec(p->avg_px, b[1]) : "-",
                pmc__view_dec(p->cost_basis, b[2]),
                p->has_mark ? pmc__view_dec(p->mark, b[3]) : "-",
                p->resolved
                    ? "settled"
                    : (p->has_mark ? pmc__view_dec(p->unrealized, b[4]) : "-"),
                pmc__view_dec(p->realized, b[5]), pmc__view_dec(p->fees, b[6]),
                p->nfills, p->token, p->resolved ? " (resolved)" : "");
    }
    a->n++;
    return 0;
}

int pmc_view_positions(const struct pmc_view_opts *o)
{
    struct pmc_store *s = pmc__view_open(o, "positions");
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
                    a.n, pmc__view_dec(a.basis, b[0]),
                    pmc__view_dec(a.realized, b[1]),
                    pmc__view_dec(a.unrealized, b[2]),
                    pmc__view_dec(a.fees, b[3]));
        } else if (!a.n) {
            fprintf(out, "%s: no positions (no fills yet)\n", o->db);
        } else {
            fprintf(out,
                    "total: %zu positions, cost basis %s USD, realised %s USD, "
                    "unrealised %s USD, fees %s USD\n",
                    a.n, pmc__view_dec(a.basis, b[0]),
                    pmc__view_dec(a.realized, b[1]),
                    pmc__view_dec(a.unrealized, b[2]),
                    pmc__view_dec(a.fees, b[3]));
        }
    }
    return pmc__view_finish(o, s, e, "positions");
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
        fprintf(out, ",%s,%s,%s,%s,%s,%s,%s,%" PRId64 ",",
                pmc__view_dec(r->px, b[0]), pmc__view_dec(r->sz, b[1]),
                pmc_tif_name(r->tif), pmc__view_dec(r->filled, b[2]),
                r->filled ? pmc__view_dec(r->avg_px, b[3]) : "",
                pmc__view_dec(r->filled_cost, b[4]),
                pmc__view_dec(r->fees, b[5]), r->nfills);
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
                pmc__view_dec(r->px, b[0]), pmc__view_dec(r->sz, b[1]),
                pmc_tif_name(r->tif), pmc__view_dec(r->filled, b[2]),
                r->filled ? pmc__view_dec(r->avg_px, b[3]) : "null",
                pmc__view_dec(r->filled_cost, b[4]),
                pmc__view_dec(r->fees, b[5]), r->nfills);
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
            pmc__view_json_ms(out, ts[i]);
        }
        /* source fills of it a chain reorg removed: the copy stands */
        fprintf(out, ", \"source_removed\": %" PRId64 "}", r->removed);
    } else {
        char tb[40];
        if (!a->n)
            fprintf(out, "%-23s %-9s %-4s %8s %10s %10s %8s %10s %-20s %s\n",
                    "decided (UTC)", "status", "side", "limit", "size",
                    "filled", "avg_px", "fees_usd", "coid", "token");
        char rm[48] = "";
        if (r->removed)
            snprintf(rm, sizeof rm, "  source removed: %" PRId64, r->removed);
        fprintf(out, "%-23s %-9s %-4s %8s %10s %10s %8s %10s %-20s %s%s%s%s\n",
                pmc__view_utc(r->ts_decided, tb, sizeof tb), st,
                pmc_side_name(r->side), pmc__view_dec(r->px, b[0]),
                pmc__view_dec(r->sz, b[1]), pmc__view_dec(r->filled, b[2]),
                r->filled ? pmc__view_dec(r->avg_px, b[3]) : "-",
                pmc__view_dec(r->fees, b[4]), r->coid, r->token,
                r->error ? "  error: " : "", r->error ? r->error : "", rm);
    }
    a->n++;
    return 0;
}

/* ---- stage latencies ------------------------------------------------------
 */

static const char *const stage_names[PMC__VIEW_NSTAGES] = {
    "detect (source -> received)",   "decide (received -> decided)",
    "submit (decided -> submitted)", "ack (submitted -> acked)",
    "fill (submitted -> filled)",    "total (source -> filled)"};
static const char *const stage_keys[PMC__VIEW_NSTAGES] = {
    "detect", "decide", "submit", "ack", "fill", "total"};

static void stage_add(struct pmc__stage_acc *a, int k, pmc_ms from, pmc_ms to)
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

int pmc__view_add_stages(void *ctx, const struct pmc_store_order_row *r)
{
    struct pmc__stage_acc *a = ctx;
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

void pmc__view_print_stages(FILE *out, struct pmc__stage_acc *a, int fmt)
{
    int inner = fmt < 0; /* -JSON: the member of an object already open */
    if (inner)
        fmt = -fmt;
    if (fmt == PMC_VIEW_JSON)
        fputs(inner ? "  \"stages_ms\": {" : "{\n  \"stages_ms\": {", out);
    else
        fprintf(out, "%-32s %7s %8s %8s %8s %8s\n", "stage", "orders", "p50 ms",
                "p95 ms", "p99 ms", "max ms");
    for (int k = 0; k < PMC__VIEW_NSTAGES; k++) {
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
    struct pmc_store *s = pmc__view_open(o, "history");
    if (!s)
        return -1;
    FILE *out = pmc_view_out(o);
    if (o->stages) {
        struct pmc__stage_acc sa;
        memset(&sa, 0, sizeof sa);
        enum pmc_err se =
            pmc_store_orders_each(s, &o->filter, pmc__view_add_stages, &sa);
        if (se == PMC_OK && sa.oom)
            se = PMC_ENOMEM;
        if (se == PMC_OK)
            pmc__view_print_stages(out, &sa, o->fmt);
        else
            for (int i = 0; i < PMC__VIEW_NSTAGES; i++)
                free(sa.v[i]);
        return pmc__view_finish(o, s, se, "history");
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
                    a.n ? "\n  ],\n" : "],\n", a.n, pmc__view_dec(a.cost, b[0]),
                    pmc__view_dec(a.fees, b[1]));
            if (o->limit) {
                fprintf(out, ",\n  \"limit\": %zu, \"truncated\": %s", o->limit,
                        a.cut ? "true" : "false");
                if (a.cut)
                    fprintf(out, ", \"next_since\": %" PRId64, a.next);
            }
            fputs("\n}\n", out);
        } else if (o->fmt == PMC_VIEW_TEXT) {
            fprintf(out, "%zu orders, filled cost %s USD, fees %s USD\n", a.n,
                    pmc__view_dec(a.cost, b[0]), pmc__view_dec(a.fees, b[1]));
        }
        if (a.cut && o->fmt != PMC_VIEW_JSON)
            pmc__view_err(o, "history",
                          "cut at --limit %zu orders; more follow from --since "
                          "%" PRId64,
                          o->limit, a.next);
    }
    return pmc__view_finish(o, s, e, "history");
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

void *pmc__view_grow(void *p, size_t *cap, size_t n, size_t sz)
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
    struct tr *nt = pmc__view_grow(a->t, &a->capt, a->nt, sizeof *a->t);
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
    struct tok *nk = pmc__view_grow(a->k, &a->capk, a->nk, sizeof *a->k);
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
        struct tshare *nx = pmc__view_grow(a->x, &a->capx, a->nx, sizeof *a->x);
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
    struct pmc_store *s = pmc__view_open(o, "traders");
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
        pmc__view_err(o, "traders", "out of memory");
        free(a.t);
        free(a.k);
        free(a.x);
        pmc__view_close_quiet(s);
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
            pmc__view_json_ms(out, now);
            fputs(",\n  \"traders\": [", out);
        } else if (a.nt) {
            fprintf(out, "today: UTC day of %s\n",
                    pmc__view_utc(now, tb, sizeof tb));
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
                fprintf(
                    out,
                    ", \"orders\": %" PRId64 ", \"fills\": %" PRId64
                    ", \"copied_notional\": %s, \"filled_cost\": %s, "
                    "\"realized\": %s, \"successes\": %" PRId64
                    ", \"failures\": %" PRId64 ", \"trades_today\": %" PRId64
                    ", \"notional_today\": %s}",
                    t->orders, t->fills, pmc__view_dec(t->notional, b[0]),
                    pmc__view_dec(t->filled_cost, b[1]),
                    pmc__view_dec(t->realized, b[2]), t->successes, t->failures,
                    t->trades_today, pmc__view_dec(t->notional_today, b[3]));
            } else {
                fprintf(
                    out,
                    "%-42s %7" PRId64 " %6" PRId64 " %12s %12s %12s %6" PRId64
                    " %6" PRId64 " %8" PRId64 " %8s\n",
                    t->trader, t->orders, t->fills,
                    pmc__view_dec(t->notional, b[0]),
                    pmc__view_dec(t->filled_cost, b[1]),
                    pmc__view_dec(t->realized, b[2]), t->successes, t->failures,
                    t->trades_today, pmc__view_dec(t->notional_today, b[3]));
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
            pmc__view_err(o, "traders", "out of memory");
    }
    free(a.t);
    free(a.k);
    free(a.x);
    int rc = pmc__view_finish(o, s, e, "traders");
    return a.oom ? -1 : rc;
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
    struct pmc_store *s = pmc__view_open(&o, "journal");
    if (!s)
        return -1;
    static char obuf[1 << 16];
    setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
    enum pmc_err e = pmc_store_export(s, stdout);
    return pmc__view_finish(&o, s, e, "journal");
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
        pmc__view_close_quiet(s);
        return NULL;
    }
    enum pmc_err e = pmc_store_export(s, f);
    if (e != PMC_OK || fflush(f) != 0) {
        snprintf(err, cap, "%s",
                 e != PMC_OK ? pmc_store_errmsg(s)
                             : "temporary file: write error");
        fclose(f);
        pmc__view_close_quiet(s);
        return NULL;
    }
    pmc__view_close_quiet(s);
    rewind(f);
    return f;
}
