/* live/prom.c - the live loop's /metrics page in Prometheus text format
 * (0.0.4).
 *
 * Decides: the names, labels, units and help texts of every series an
 * operator scrapes: one pmcopy_ prefix, a # HELP and # TYPE line for every
 * series, histograms over a fixed bucket set (live/metrics.h), so alert
 * rules and dashboards (contrib/) can rely on them.
 * Never: changes the engine, the store or a venue (it only reads their
 * counters), or reads a clock. */
#include "live/loop_int.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/dec.h"

static void counter(FILE *f, const char *name, const char *help, uint64_t v)
{
    pmc_prom_head(f, name, "counter", help);
    fprintf(f, "%s %llu\n", name, (unsigned long long)v);
}

static void gauge(FILE *f, const char *name, const char *help, long long v)
{
    pmc_prom_head(f, name, "gauge", help);
    fprintf(f, "%s %lld\n", name, v);
}

static void gauge_usd(FILE *f, const char *name, const char *help, pmc_micros v)
{
    char b[32];
    pmc_dec_format(v, b);
    pmc_prom_head(f, name, "gauge", help);
    fprintf(f, "%s %s\n", name, b);
}

void pmc_live_metrics_text(struct live *L, FILE *f)
{
    struct pmc_engine_stats st;
    pmc_engine_stats(L->drv.eng, &st);
    counter(f, "pmcopy_fills_seen_total",
            "Source fills of tracked wallets the core saw.", st.fills_seen);
    counter(f, "pmcopy_fills_copied_total",
            "Source fills copied into an order.", st.fills_copied);
    counter(f, "pmcopy_orders_total", "Orders the core decided.", st.orders);
    counter(f, "pmcopy_orders_sent_total", "Orders sent to the venue.",
            L->orders_sent);
    counter(f, "pmcopy_orders_not_sent_total",
            "Orders not sent: decided too long ago when first seen.",
            L->orders_not_sent);
    counter(f, "pmcopy_orders_known_at_restart_total",
            "Orders a restart found already committed (never sent again).",
            L->orders_known);
    counter(f, "pmcopy_reports_total",
            "Execution reports (ack, fill, cancel, reject) the core took.",
            st.reports);
    counter(f, "pmcopy_rejects_total", "Orders the venue rejected.",
            st.rejects);
    counter(f, "pmcopy_fills_failed_total",
            "Fill reports taken back by a failed trade (undone in the core).",
            st.fills_failed);
    counter(f, "pmcopy_fills_failed_resolved_total",
            "Failed trades whose market had resolved (the payout stands).",
            st.fills_failed_resolved);
    pmc_prom_head(f, "pmcopy_source_fills_removed_total", "counter",
                  "Source fills a chain reorg removed: withdrawn from their "
                  "bucket before any order, or late (copied, skipped or "
                  "never seen; nothing undone).");
    fprintf(f,
            "pmcopy_source_fills_removed_total{outcome=\"withdrawn\"} %llu\n"
            "pmcopy_source_fills_removed_total{outcome=\"late\"} %llu\n",
            (unsigned long long)st.removed_withdrawn,
            (unsigned long long)st.removed_late);
    pmc_prom_head(f, "pmcopy_skips_total", "counter",
                  "Source fills not copied, by reason.");
    for (int i = 0; i < PMC_SKIP_COUNT; i++)
        fprintf(f, "pmcopy_skips_total{reason=\"%s\"} %llu\n",
                pmc_skip_name((enum pmc_skip_reason)i),
                (unsigned long long)st.skips[i]);
    gauge(f, "pmcopy_killed", "1 while the kill switch is on (no new buys).",
          st.killed);
    gauge(f, "pmcopy_ready",
          "1 while copying works (GET /ready); 0 with a reason there.",
          L->ready);
    gauge(f, "pmcopy_source_silence_seconds",
          "Seconds since a fill source last delivered data.",
          (long long)((L->now - L->ready_last_data) / 1000));
    gauge(f, "pmcopy_open_orders", "Orders awaiting a final report.",
          st.open_orders);
    gauge(f, "pmcopy_open_buckets", "Coalescing buckets open.",
          st.open_buckets);
    gauge_usd(f, "pmcopy_realized_usd", "Realised P&L of the copies, USD.",
              st.realized_total);
    gauge_usd(f, "pmcopy_unrealized_usd",
              "Unrealised P&L of the copies at the last mark, USD.",
              st.unrealized);
    gauge_usd(f, "pmcopy_bought_today_usd",
              "Notional bought today (pending buys included), USD.",
              st.bought_today);
    pmc_hist_prom(f, "pmcopy_frame_to_wire_us",
                  "Source frame received to the copy's first byte on the "
                  "wire, us.",
                  "", &L->h_frame_to_wire_us);
    pmc_hist_prom(f, "pmcopy_frame_to_decide_us",
                  "Source frame received to the core's order, us.", "",
                  &L->h_frame_to_decide_us);
    pmc_hist_prom(f, "pmcopy_decide_to_wire_us",
                  "The core's order to its first byte on the wire, us.", "",
                  &L->h_decide_to_wire_us);
    pmc_hist_prom(f, "pmcopy_order_commit_us",
                  "Committing an order to the store before it is sent, us.", "",
                  &L->h_commit_us);
    if (L->watch) {
        static char buf[1 << 17];
        size_t n = pmc_watch_metrics(L->watch, buf, sizeof buf);
        fwrite(buf, 1, n, f);
        gauge(f, "pmcopy_watch_metrics_truncated",
              "1 when the watchers' series did not fit the page buffer.",
              n == 0);
    }
    if (L->clob)
        pmc_clob_metrics_prom(L->clob, f);
    if (L->api)
        pmc_api_metrics_prom(L->api, f); /* the local API's own counters */
    if (L->alert) {
        struct pmc_alert_stats as;
        pmc_alert_stats(L->alert, &as);
        counter(f, "pmcopy_alerts_sent_total", "Alerts the webhook accepted.",
                as.sent);
        counter(f, "pmcopy_alerts_failed_total",
                "Alerts given up after their retries.", as.failed);
        counter(f, "pmcopy_alerts_dropped_total",
                "Alerts dropped: the webhook's queue was full.", as.dropped);
    }
    pmc_live_metrics_traders(L, f);
    if (L->store) {
        struct pmc_store_stats ss;
        pmc_store_stats(L->store, &ss);
        counter(f, "pmcopy_store_committed_total", "Items the store committed.",
                ss.committed);
        counter(f, "pmcopy_store_stalls_total",
                "Waits of the loop on the store's full ring.", ss.stalls);
        gauge(f, "pmcopy_store_failed", "1 once the store failed.", ss.failed);
        int64_t copied = 0;
        if (pmc_store_removed_copied(L->store, &copied) == PMC_OK)
            counter(f, "pmcopy_source_fills_removed_copied_total",
                    "Removed source fills one of our orders had copied (the "
                    "copy stands, marked in the store).",
                    (uint64_t)copied);
    }
}

/* ---- per-trader series ------------------------------------------------------
 * From the core's accountability (pmc_engine_trader_stats), labelled
 * trader="0x..." (the address: labels of the traders file may repeat). */

void pmc_live_metrics_traders(struct live *L, FILE *f)
{
    const struct pmc_config *c = pmc_engine_config(L->drv.eng);
    enum { COUNT, USD, SKIPS, OFF };
#define TS(field) offsetof(struct pmc_trader_stats, field)
    static const struct {
        const char *name, *type, *help;
        int kind;
        size_t off;
    } s[] = {
        {"pmcopy_trader_fills_seen_total", "counter",
         "Source fills of the trader the core took.", COUNT, TS(fills_seen)},
        {"pmcopy_trader_fills_eligible_total", "counter",
         "Source fills a copy was wanted for.", COUNT, TS(fills_eligible)},
        {"pmcopy_trader_fills_copied_total", "counter",
         "Source fills carried by one of our orders.", COUNT, TS(fills_copied)},
        {"pmcopy_trader_skips_total", "counter",
         "Source fills skipped, by reason.", SKIPS, TS(skips)},
        {"pmcopy_trader_orders_total", "counter",
         "Orders carrying the trader's fills.", COUNT, TS(orders)},
        {"pmcopy_trader_order_fills_total", "counter",
         "Execution fills of those orders.", COUNT, TS(order_fills)},
        {"pmcopy_trader_orders_filled_total", "counter",
         "Those orders that got at least one execution fill (fill rate = "
         "this / orders).",
         COUNT, TS(orders_filled)},
        {"pmcopy_trader_rejects_total", "counter",
         "Those orders the venue rejected.", COUNT, TS(rejects)},
        {"pmcopy_trader_realized_usd", "gauge",
         "Realised P&L of our copies of the trader, USD.", USD,
         TS(realized_usd)},
        {"pmcopy_trader_unrealized_usd", "gauge",
         "Unrealised P&L of our copies of the trader at the core's marks.", USD,
         TS(unrealized_usd)},
        {"pmcopy_trader_source_realized_usd", "gauge",
         "The source's own realised P&L on the markets it was copied in.", USD,
         TS(src_realized_usd)},
        {"pmcopy_trader_source_unrealized_usd", "gauge",
         "The source's own unrealised P&L there.", USD, TS(src_unrealized_usd)},
        {"pmcopy_trader_off", "gauge",
         "1 while the trader is not copied (operator, daily loss, streak).",
         OFF, TS(off)},
    };
#undef TS
    /* every trader's numbers in one pass over the core's tokens */
    struct pmc_trader_stats *all =
        c->ntraders ? calloc(c->ntraders, sizeof *all) : NULL;
    uint32_t n =
        all ? pmc_engine_trader_stats_all(L->drv.eng, all, c->ntraders) : 0;
    if (c->ntraders && !all) /* never silent: the page says so */
        fprintf(f, "# per-trader series left out: out of memory\n");
    for (size_t k = 0; k < sizeof s / sizeof s[0]; k++) {
        pmc_prom_head(f, s[k].name, s[k].type, s[k].help);
        for (uint32_t i = 0; i < n; i++) {
            const struct pmc_trader_stats *t = &all[i];
            const char *field = (const char *)t + s[k].off;
            const char *a = c->traders[i].address.s;
            uint64_t u;
            pmc_micros v;
            char b[32];
            switch (s[k].kind) {
            case COUNT:
                memcpy(&u, field, sizeof u);
                fprintf(f, "%s{trader=\"%s\"} %llu\n", s[k].name, a,
                        (unsigned long long)u);
                break;
            case USD:
                memcpy(&v, field, sizeof v);
                pmc_dec_format(v, b);
                fprintf(f, "%s{trader=\"%s\"} %s\n", s[k].name, a, b);
                break;
            case SKIPS:
                for (int r = 0; r < PMC_SKIP_COUNT; r++)
                    fprintf(f, "%s{trader=\"%s\",reason=\"%s\"} %llu\n",
                            s[k].name, a,
                            pmc_skip_name((enum pmc_skip_reason)r),
                            (unsigned long long)t->skips[r]);
                break;
            default:
                fprintf(f, "%s{trader=\"%s\"} %d\n", s[k].name, a, t->off != 0);
            }
        }
    }
    free(all);
}
