/* live/prom.c - the live loop's /metrics page in Prometheus text format.
 *
 * Decides: the names, labels and units of every series an operator scrapes.
 * Never: changes the engine, the store or a venue (it only reads their
 * counters), or reads a clock. */
#include "live/loop_int.h"

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
