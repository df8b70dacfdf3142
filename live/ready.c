/* live/ready.c - readiness: does copying work right now, and if not, why.
 *
 * Decides: what "ready" means for `GET /ready` (and for the operator's
 * probes): the loop has not failed, the store is not failing, the kill
 * switch is off, the venue has neither stopped trading (geoblock) nor
 * become unreachable (its circuit breaker is open), a source trader is
 * copied (enabled and not switched off or cut off), at least one fill source is configured and on (a websocket
 * source subscribed, or data API polling), and a fill source delivered
 * data (any frame, a pong included, or a data API answer) within
 * max_source_silence_s. The first reason that holds is the one given.
 * Never: changes the engine, the store, a venue or a watcher (it only reads
 * their state), or reads a clock (it uses the loop's now). */
#include "live/loop_int.h"

#include <string.h>

static int on(const char *url)
{
    return url && *url;
}

int pmc_live_sources_configured(const struct live *L)
{
    return on(L->o.chain_ws) + on(L->o.rtds_ws) + on(L->o.data_api);
}

/* Frames (and data API answers) the fill sources delivered so far. */
static uint64_t source_frames(const struct live *L)
{
    if (!L->watch)
        return 0;
    const struct pmc_watch_stats *st = pmc_watch_stats(L->watch);
    return st->c[PMC_WATCH_CHAIN].frames + st->c[PMC_WATCH_RTDS].frames +
           st->c[PMC_WATCH_API].frames;
}

int pmc_live_readiness(struct live *L, char *why, size_t cap)
{
    uint64_t fr = source_frames(L);
    if (fr != L->ready_frames || !L->ready_last_data) {
        L->ready_frames = fr;
        L->ready_last_data = L->now; /* start-up counts as data */
    }
    if (L->failed) {
        snprintf(why, cap, "stopping: %s", L->err);
        return 0;
    }
    if (L->store) {
        struct pmc_store_stats ss;
        pmc_store_stats(L->store, &ss);
        if (ss.failed) {
            snprintf(why, cap, "store failing: %s", pmc_store_errmsg(L->store));
            return 0;
        }
    }
    struct pmc_engine_stats es;
    pmc_engine_stats(L->drv.eng, &es);
    if (es.killed) {
        snprintf(why, cap, "kill switch on: no new buys");
        return 0;
    }
    if (L->clob) {
        char host[128];
        pmc_url_host(L->o.clob_url, host, sizeof host);
        const char *stop = pmc_clob_stopped(L->clob);
        if (stop) {
            snprintf(why, cap, "venue stopped trading (host %s): %s", host,
                     stop);
            return 0;
        }
        struct pmc_clob_stats cs;
        pmc_clob_stats(L->clob, &cs);
        if (cs.breaker == PMC_BREAKER_OPEN) {
            snprintf(why, cap,
                     "venue unreachable: %s (host %s) failed repeatedly, "
                     "circuit breaker open",
                     L->o.clob_url, host);
            return 0;
        }
    }
    /* enabled in the configuration and not switched off at run time (an
     * operator's disable, a cut-off) */
    if (!pmc_engine_traders_copied(L->drv.eng) && !L->cfg.follow_all) {
        snprintf(why, cap, "every source trader is disabled or cut off");
        return 0;
    }
    if (!pmc_live_sources_configured(L)) {
        snprintf(why, cap,
                 "every source is off: no chain, rtds or data API source "
                 "configured");
        return 0;
    }
    if (!on(L->o.data_api) &&
        !(L->watch && (pmc_watch_is_up(L->watch, PMC_WATCH_CHAIN) ||
                       pmc_watch_is_up(L->watch, PMC_WATCH_RTDS)))) {
        snprintf(why, cap,
                 "every source is off: no fill source connected (%s%s%s)",
                 on(L->o.chain_ws) ? "chain down" : "",
                 on(L->o.chain_ws) && on(L->o.rtds_ws) ? ", " : "",
                 on(L->o.rtds_ws) ? "rtds down" : "");
        return 0;
    }
    pmc_ms quiet = L->now - L->ready_last_data,
           max = L->cfg.max_source_silence_s * 1000;
    if (quiet > max) {
        snprintf(why, cap,
                 "no source delivered data for %lld s "
                 "(max_source_silence_s=%lld)",
                 (long long)(quiet / 1000),
                 (long long)L->cfg.max_source_silence_s);
        return 0;
    }
    snprintf(why, cap, "ok");
    return 1;
}

void pmc_live_ready_pass(struct live *L)
{
    L->ready = pmc_live_readiness(L, L->ready_why, sizeof L->ready_why);
}
