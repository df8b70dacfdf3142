/* live/watch/common.c - the helpers every watcher file shares: source
 * names, the log line, the seeded jitter PRNG and the reconnect backoff,
 * the tracked-wallet lookup and whether a websocket fill source is up.
 * Reads the set's state; calls no other watcher file (the bottom of the
 * one-way call order common <- ws <- feeds, common <- poll, all <- watch).
 * Never reads a clock, never uses rand(). */
#include <stdarg.h>
#include <stdio.h>

#include "live/watch/watch_int.h"

static const char *const src_names[PMC_WATCH_NSRC] = {"chain", "rtds", "api",
                                                      "book", "user"};

const char *pmc_watch_src_name(enum pmc_watch_src s)
{
    return (unsigned)s < PMC_WATCH_NSRC ? src_names[s] : "?";
}

void pmc__watch_log(struct pmc_watch *w, enum pmc_watch_src s, const char *fmt,
                    ...)
{
    int n = snprintf(w->logbuf, sizeof w->logbuf,
                     "watch %s: ", pmc_watch_src_name(s));
    if (n < 0)
        n = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->logbuf + n, sizeof w->logbuf - (size_t)n, fmt, ap);
    va_end(ap);
    if (w->cfg.log)
        w->cfg.log(w->cfg.ctx, w->logbuf);
    else
        fprintf(stderr, "%s\n", w->logbuf);
}

/* splitmix64 */
uint64_t pmc__watch_rand(struct pmc_watch *w)
{
    uint64_t z = (w->rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* min * 2^fails capped at max, then uniformly in [d/2, d]. */
pmc_ms pmc__watch_backoff(struct pmc_watch *w, unsigned fails)
{
    pmc_ms d = w->cfg.backoff_min_ms;
    for (unsigned i = 0; i < fails && d < w->cfg.backoff_max_ms; i++)
        d *= 2;
    if (d > w->cfg.backoff_max_ms)
        d = w->cfg.backoff_max_ms;
    pmc_ms half = d / 2;
    return half + (pmc_ms)(pmc__watch_rand(w) % (uint64_t)(d - half + 1));
}

int pmc__watch_tracked(const struct pmc_watch *w, const struct pmc_sym *a)
{
    for (size_t i = 0; i < w->nwallets; i++)
        if (pmc_sym_eq(&w->wallets[i], a))
            return 1;
    return 0;
}

int pmc__watch_fill_ws_configured(const struct pmc_watch *w)
{
    return w->conn[PMC_WATCH_CHAIN].configured ||
           w->conn[PMC_WATCH_RTDS].configured;
}

int pmc__watch_fill_ws_up(const struct pmc_watch *w)
{
    return pmc_watch_is_up(w, PMC_WATCH_CHAIN) ||
           pmc_watch_is_up(w, PMC_WATCH_RTDS);
}

int pmc_watch_is_up(const struct pmc_watch *w, enum pmc_watch_src s)
{
    if (s == PMC_WATCH_API || (unsigned)s >= PMC_WATCH_NSRC)
        return 0;
    return w->conn[s].st == WC_OPEN && w->conn[s].subscribed;
}
