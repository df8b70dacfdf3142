/* live/status.c - the live loop's local API: the routes, /health, /status
 * (JSON), GET /ready (from ready.c); /metrics is written by prom.c, the
 * control routes (POST /kill, /resume, /traders/...) by control.c.
 *
 * Decides: what each endpoint answers and in what form (the names of the
 * status fields and metrics are read by operators and tests/cli/live.sh).
 * Never: changes the engine, the store or a venue itself (it only reads
 * their counters), or reads a clock (it reports the loop's now). */
#include "live/loop_int.h"

#include <string.h>

#include "core/dec.h"
#include "live/traders.h"
#include "proto/jsonout.h"

static void json_dec(FILE *f, const char *key, pmc_micros v, int comma)
{
    char b[32];
    pmc_dec_format(v, b);
    fprintf(f, "\"%s\":%s%s", key, b, comma ? "," : "");
}

static void hist_json(FILE *f, const char *name, const struct pmc_hist *h)
{
    fprintf(f,
            "\"%s\":{\"count\":%llu,\"p50\":%lld,\"p95\":%lld,\"p99\":%lld,"
            "\"max\":%lld}",
            name, (unsigned long long)h->n,
            (long long)pmc_hist_quantile(h, 0.50),
            (long long)pmc_hist_quantile(h, 0.95),
            (long long)pmc_hist_quantile(h, 0.99), (long long)h->max);
}

/* The lag histogram's bucket bound holding quantile q, -1 when empty or
 * beyond the last bound. */
static long long lag_quantile(const struct pmc_watch_lag *g, double q)
{
    if (!g->count)
        return -1;
    uint64_t want = (uint64_t)((double)g->count * q + 0.5), n = 0;
    for (int b = 0; b < PMC_WATCH_LAG_BUCKETS; b++) {
        n += g->bucket[b];
        if (n >= want && n)
            return (long long)pmc_watch_lag_bounds[b];
    }
    return -1;
}

/* "sources":{NAME:{"up","frames","silent_ms","lag_ms_p50","lag_ms_p95"}}:
 * silent_ms is the time since its last frame (as the service pass saw it,
 * every 250 ms; null before the first), the lags are the detection lag's
 * bucket bounds (null when none or beyond the last bound). */
static void sources_json(struct live *L, FILE *f)
{
    static const char *const names[] = {"chain", "rtds", "api", "book", "user"};
    const struct pmc_watch_stats *ws =
        L->watch ? pmc_watch_stats(L->watch) : NULL;
    fprintf(f, "\"sources\":{");
    for (int i = 0; i < PMC_WATCH_NSRC; i++) {
        int up = L->watch && pmc_watch_is_up(L->watch, (enum pmc_watch_src)i);
        fprintf(f, "%s\"%s\":{\"up\":%s,\"frames\":%llu,\"silent_ms\":",
                i ? "," : "", names[i], up ? "true" : "false",
                (unsigned long long)(ws ? ws->c[i].frames : 0));
        if (L->svc_last[i])
            fprintf(f, "%lld", (long long)(L->now - L->svc_last[i]));
        else
            fputs("null", f);
        long long p50 = ws ? lag_quantile(&ws->lag[i], 0.5) : -1,
                  p95 = ws ? lag_quantile(&ws->lag[i], 0.95) : -1;
        if (p50 >= 0)
            fprintf(f, ",\"lag_ms_p50\":%lld", p50);
        else
            fputs(",\"lag_ms_p50\":null", f);
        if (p95 >= 0)
            fprintf(f, ",\"lag_ms_p95\":%lld}", p95);
        else
            fputs(",\"lag_ms_p95\":null}", f);
    }
    fputc('}', f);
}

static void status_json(struct live *L, FILE *f)
{
    struct pmc_engine_stats st;
    pmc_engine_stats(L->drv.eng, &st);
    fprintf(f, "{\"mode\":\"%s\",\"now\":%lld,\"uptime_ms\":%lld,",
            L->paper ? "paper" : "live", (long long)L->now,
            (long long)(L->now - L->started));
    fprintf(f, "\"killed\":%s,", st.killed ? "true" : "false");
    pmc_live_control_status(L, f); /* control.c: "kill":{...}, */
    fprintf(f, "\"stopped\":");
    const char *stop = L->clob ? pmc_clob_stopped(L->clob) : NULL;
    if (stop)
        fprintf(f, "\"%s\",", "geoblocked");
    else
        fprintf(f, "null,");
    fprintf(f,
            "\"fills_seen\":%llu,\"orders\":%llu,\"orders_sent\":%llu,"
            "\"open_orders\":%u,\"open_buckets\":%u,",
            (unsigned long long)st.fills_seen, (unsigned long long)st.orders,
            (unsigned long long)L->orders_sent, st.open_orders,
            st.open_buckets);
    json_dec(f, "realized_usd", st.realized_total, 1);
    json_dec(f, "unrealized_usd", st.unrealized, 1);
    json_dec(f, "pnl_today_usd", st.pnl_today, 1);
    json_dec(f, "bought_today_usd", st.bought_today, 1);
    sources_json(L, f);
    fprintf(f, ",\"latency_us\":{");
    hist_json(f, "frame_to_wire", &L->h_frame_to_wire_us);
    fputc(',', f);
    hist_json(f, "decide_to_wire", &L->h_decide_to_wire_us);
    fputc(',', f);
    hist_json(f, "frame_to_decide", &L->h_frame_to_decide_us);
    fputc(',', f);
    hist_json(f, "order_commit", &L->h_commit_us);
    fprintf(f, "}}\n");
}

/* GET /quotes: the engine's quote and mark of every token held, prices as
 * decimal strings (exact, no float on the reader's side), and the day's
 * P&L as the daily-loss kill counts it. The position monitor (`pmcopy
 * positions --watch`) marks longs at the bid from it. */
static int quotes_json(struct live *L, FILE *f)
{
    struct pmc_engine_stats st;
    pmc_engine_stats(L->drv.eng, &st);
    char b[3][32];
    pmc_dec_format(st.pnl_today, b[0]);
    pmc_dec_format(st.realized_today, b[1]);
    pmc_dec_format(st.unrealized, b[2]);
    fprintf(f,
            "{\"now\":%lld,\"pnl_today_usd\":\"%s\","
            "\"realized_today_usd\":\"%s\",\"unrealized_usd\":\"%s\","
            "\"quotes\":[",
            (long long)L->now, b[0], b[1], b[2]);
    struct pmc_position_view v;
    int first = 1;
    for (uint32_t i = 0; pmc_engine_position(L->drv.eng, i, &v); i++) {
        if (v.shares <= 0 || v.resolved)
            continue;
        pmc_dec_format(v.bid, b[0]);
        pmc_dec_format(v.ask, b[1]);
        pmc_dec_format(v.mark, b[2]);
        fprintf(f, "%s{\"token\":", first ? "" : ",");
        pmc_json_str(f, v.token->s);
        fprintf(f, ",\"bid\":\"%s\",\"ask\":\"%s\",\"mark\":\"%s\"}", b[0],
                b[1], b[2]);
        first = 0;
    }
    fprintf(f, "]}\n");
    return 200;
}

int pmc_live_api_handler(void *ctx, const struct pmc_api_req *req, FILE *out,
                         const char **ctype)
{
    struct live *L = ctx;
    int get = !strcmp(req->method, "GET");
    if (get && !strcmp(req->path, "/health")) {
        fprintf(out, "{\"ok\":%s}\n", L->failed ? "false" : "true");
        return L->failed ? 503 : 200;
    }
    if (get && !strcmp(req->path, "/ready")) {
        /* copying works: the reason of the loop's last pass (ready.c) */
        if (L->ready) {
            fprintf(out, "{\"ready\":true}\n");
            return 200;
        }
        fprintf(out, "{\"ready\":false,\"reason\":");
        pmc_json_str(out, L->ready_why);
        fprintf(out, "}\n");
        return 503;
    }
    if (get && !strcmp(req->path, "/traders")) { /* the engine's numbers */
        if (pmc_traders_print(out, L->drv.eng, 1) == 0)
            return 200;
        fprintf(out, "{\"error\":\"out of memory\"}\n");
        return 500;
    }
    if (get && !strcmp(req->path, "/status")) {
        status_json(L, out);
        return 200;
    }
    if (get && !strcmp(req->path, "/quotes"))
        return quotes_json(L, out);
    if (get && !strcmp(req->path, "/metrics")) {
        *ctype = "text/plain; version=0.0.4";
        pmc_live_metrics_text(L, out);
        return 200;
    }
    int st = pmc_live_control_route(L, req, out); /* control.c */
    if (st)
        return st;
    fprintf(out, "{\"error\":\"not found\",\"endpoints\":[\"GET /health\","
                 "\"GET /status\",\"GET /quotes\",\"GET /metrics\","
                 "\"POST /kill\","
                 "\"POST /resume\"]}\n");
    return 404;
}
