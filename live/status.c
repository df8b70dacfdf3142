/* live/status.c - the live loop's local API: the routes, /health, /status
 * (JSON), POST /kill and /resume; /metrics is written by prom.c.
 *
 * Decides: what each endpoint answers and in what form (the names of the
 * status fields and metrics are read by operators and tests/cli/live.sh),
 * and that /kill and /resume are queued for the core like any input.
 * Never: changes the engine, the store or a venue itself (it only reads
 * their counters), or reads a clock (it reports the loop's now). */
#include "live/loop_int.h"

#include <string.h>

#include "core/dec.h"
#include "live/dashboard.h"

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

static void status_json(struct live *L, FILE *f)
{
    struct pmc_engine_stats st;
    pmc_engine_stats(L->drv.eng, &st);
    fprintf(f, "{\"mode\":\"%s\",\"now\":%lld,\"uptime_ms\":%lld,",
            L->paper ? "paper" : "live", (long long)L->now,
            (long long)(L->now - L->started));
    fprintf(f, "\"killed\":%s,\"stopped\":", st.killed ? "true" : "false");
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
    json_dec(f, "bought_today_usd", st.bought_today, 1);
    fprintf(f, "\"sources\":{");
    static const char *const names[] = {"chain", "rtds", "api", "book"};
    for (int i = 0; i < PMC_WATCH_NSRC; i++)
        fprintf(f, "\"%s\":%s%s", names[i],
                L->watch && pmc_watch_is_up(L->watch, (enum pmc_watch_src)i)
                    ? "true"
                    : "false",
                i + 1 < PMC_WATCH_NSRC ? "," : "");
    fprintf(f, "},\"latency_us\":{");
    hist_json(f, "frame_to_wire", &L->h_frame_to_wire_us);
    fputc(',', f);
    hist_json(f, "decide_to_wire", &L->h_decide_to_wire_us);
    fputc(',', f);
    hist_json(f, "frame_to_decide", &L->h_frame_to_decide_us);
    fputc(',', f);
    hist_json(f, "order_commit", &L->h_commit_us);
    fprintf(f, "}}\n");
}

int pmc_live_api_handler(void *ctx, const struct pmc_api_req *req, FILE *out,
                         const char **ctype)
{
    struct live *L = ctx;
    int get = !strcmp(req->method, "GET"), post = !strcmp(req->method, "POST");
    if (get && !strcmp(req->path, "/health")) {
        fprintf(out, "{\"ok\":%s}\n", L->failed ? "false" : "true");
        return L->failed ? 503 : 200;
    }
    if (get && !strcmp(req->path, "/status")) {
        status_json(L, out);
        return 200;
    }
    /* GET /: the dashboard page (until the API server serves opts.page) */
    if (get && !strcmp(req->path, "/"))
        return pmc_live_dashboard_serve(out, ctype);
    if (get && !strcmp(req->path, "/metrics")) {
        *ctype = "text/plain; version=0.0.4";
        pmc_live_metrics_text(L, out);
        return 200;
    }
    if (post &&
        (!strcmp(req->path, "/kill") || !strcmp(req->path, "/resume"))) {
        struct pmc_record r;
        memset(&r, 0, sizeof r);
        r.t = L->now;
        r.kind = req->path[1] == 'k' ? PMC_K_KILL : PMC_K_RESUME;
        if (r.kind == PMC_K_KILL)
            snprintf(r.u.kill.reason, sizeof r.u.kill.reason, "operator");
        pmc_live_push(L, &r);
        fprintf(out, "{\"queued\":\"%s\"}\n", req->path + 1);
        return 200;
    }
    fprintf(out, "{\"error\":\"not found\",\"endpoints\":[\"GET /health\","
                 "\"GET /status\",\"GET /metrics\",\"POST /kill\","
                 "\"POST /resume\"]}\n");
    return 404;
}
