/* live/prom.c - the live loop's /metrics page in Prometheus text format.
 *
 * Decides: the names, labels and units of every series an operator scrapes.
 * Never: changes the engine, the store or a venue (it only reads their
 * counters), or reads a clock. */
#include "live/loop_int.h"

#include <stdlib.h>

#include "core/dec.h"

void pmc_live_metrics_text(struct live *L, FILE *f)
{
    struct pmc_engine_stats st;
    pmc_engine_stats(L->drv.eng, &st);
    fprintf(f, "# pmcopy live metrics\n");
    fprintf(f, "pmcopy_fills_seen_total %llu\n",
            (unsigned long long)st.fills_seen);
    fprintf(f, "pmcopy_orders_total %llu\n", (unsigned long long)st.orders);
    fprintf(f, "pmcopy_orders_sent_total %llu\n",
            (unsigned long long)L->orders_sent);
    fprintf(f, "pmcopy_orders_not_sent_total %llu\n",
            (unsigned long long)L->orders_not_sent);
    fprintf(f, "pmcopy_orders_known_at_restart_total %llu\n",
            (unsigned long long)L->orders_known);
    for (int i = 0; i < PMC_SKIP_COUNT; i++)
        fprintf(f, "pmcopy_skips_total{reason=\"%s\"} %llu\n",
                pmc_skip_name((enum pmc_skip_reason)i),
                (unsigned long long)st.skips[i]);
    fprintf(f, "pmcopy_killed %d\n", st.killed);
    fprintf(f, "pmcopy_open_orders %u\n", st.open_orders);
    char b[32];
    pmc_dec_format(st.realized_total, b);
    fprintf(f, "pmcopy_realized_usd %s\n", b);
    pmc_dec_format(st.unrealized, b);
    fprintf(f, "pmcopy_unrealized_usd %s\n", b);
    pmc_hist_prom(f, "pmcopy_frame_to_wire_us", "", &L->h_frame_to_wire_us);
    pmc_hist_prom(f, "pmcopy_decide_to_wire_us", "", &L->h_decide_to_wire_us);
    pmc_hist_prom(f, "pmcopy_order_commit_us", "", &L->h_commit_us);
    if (L->watch) {
        static char buf[1 << 16];
        size_t n = pmc_watch_metrics(L->watch, buf, sizeof buf);
        fwrite(buf, 1, n, f);
    }
    if (L->clob)
        pmc_clob_metrics_prom(L->clob, f);
    pmc_live_metrics_traders(L, f);
    if (L->store) {
        struct pmc_store_stats ss;
        pmc_store_stats(L->store, &ss);
        fprintf(f, "pmcopy_store_committed_total %llu\n",
                (unsigned long long)ss.committed);
        fprintf(f, "pmcopy_store_stalls_total %llu\n",
                (unsigned long long)ss.stalls);
        fprintf(f, "pmcopy_store_failed %d\n", ss.failed);
    }
}

/* ---- per-trader series ------------------------------------------------------
 * From the core's accountability (pmc_engine_trader_stats), labelled
 * trader="0x..." (the address: labels of the traders file may repeat). */

static void trader_series(FILE *f, const char *name, const char *type,
                          const char *help)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void pmc_live_metrics_traders(struct live *L, FILE *f)
{
    const struct pmc_config *c = pmc_engine_config(L->drv.eng);
    static const struct {
        const char *name, *type, *help;
    } s[] = {
        {"pmcopy_trader_fills_seen_total", "counter",
         "Source fills of the trader the core took."},
        {"pmcopy_trader_fills_eligible_total", "counter",
         "Source fills a copy was wanted for."},
        {"pmcopy_trader_fills_copied_total", "counter",
         "Source fills carried by one of our orders."},
        {"pmcopy_trader_skips_total", "counter",
         "Source fills skipped, by reason."},
        {"pmcopy_trader_orders_total", "counter",
         "Orders carrying the trader's fills."},
        {"pmcopy_trader_order_fills_total", "counter",
         "Execution fills of those orders."},
        {"pmcopy_trader_rejects_total", "counter",
         "Those orders the venue rejected."},
        {"pmcopy_trader_realized_usd", "gauge",
         "Realised P&L of our copies of the trader, USD."},
        {"pmcopy_trader_unrealized_usd", "gauge",
         "Unrealised P&L of our copies of the trader at the core's marks."},
        {"pmcopy_trader_source_realized_usd", "gauge",
         "The source's own realised P&L on the markets it was copied in."},
        {"pmcopy_trader_source_unrealized_usd", "gauge",
         "The source's own unrealised P&L there."},
        {"pmcopy_trader_off", "gauge",
         "1 while the trader is not copied (operator, daily loss, streak)."},
    };
    /* every trader's numbers in one pass over the core's tokens */
    struct pmc_trader_stats *all =
        c->ntraders ? calloc(c->ntraders, sizeof *all) : NULL;
    uint32_t n =
        all ? pmc_engine_trader_stats_all(L->drv.eng, all, c->ntraders) : 0;
    if (c->ntraders && !all) /* never silent: the page says so */
        fprintf(f, "# per-trader series left out: out of memory\n");
    for (size_t k = 0; k < sizeof s / sizeof s[0]; k++) {
        trader_series(f, s[k].name, s[k].type, s[k].help);
        for (uint32_t i = 0; i < n; i++) {
            const struct pmc_trader_stats t = all[i];
            const char *a = c->traders[i].address.s;
            char b[32];
            switch (k) {
            case 0:
                fprintf(f, "%s{trader=\"%s\"} %llu\n", s[k].name, a,
                        (unsigned long long)t.fills_seen);
                break;
            case 1:
                fprintf(f, "%s{trader=\"%s\"} %llu\n", s[k].name, a,
                        (unsigned long long)t.fills_eligible);
                break;
            case 2:
                fprintf(f, "%s{trader=\"%s\"} %llu\n", s[k].name, a,
                        (unsigned long long)t.fills_copied);
                break;
            case 3:
                for (int r = 0; r < PMC_SKIP_COUNT; r++)
                    fprintf(f, "%s{trader=\"%s\",reason=\"%s\"} %llu\n",
                            s[k].name, a,
                            pmc_skip_name((enum pmc_skip_reason)r),
                            (unsigned long long)t.skips[r]);
                break;
            case 4:
                fprintf(f, "%s{trader=\"%s\"} %llu\n", s[k].name, a,
                        (unsigned long long)t.orders);
                break;
            case 5:
                fprintf(f, "%s{trader=\"%s\"} %llu\n", s[k].name, a,
                        (unsigned long long)t.order_fills);
                break;
            case 6:
                fprintf(f, "%s{trader=\"%s\"} %llu\n", s[k].name, a,
                        (unsigned long long)t.rejects);
                break;
            case 11:
                fprintf(f, "%s{trader=\"%s\"} %d\n", s[k].name, a, t.off != 0);
                break;
            default: {
                pmc_micros v = k == 7   ? t.realized_usd
                               : k == 8 ? t.unrealized_usd
                               : k == 9 ? t.src_realized_usd
                                        : t.src_unrealized_usd;
                pmc_dec_format(v, b);
                fprintf(f, "%s{trader=\"%s\"} %s\n", s[k].name, a, b);
            }
            }
        }
    }
    free(all);
}
