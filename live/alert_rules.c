/* live/alert_rules.c - the alert conditions (see alert_rules.h).
 *
 *   condition        | raised (level)                      | cleared (info)
 *   -----------------+-------------------------------------+-----------------------
 *   kill switch      | killed 0 -> 1 (critical)            | killed 1 -> 0
 *   source silent    | configured, no data for silence_ms  | data again
 *                    | (warn), once per silence            |
 *   reject spike     | >= reject_n rejects within          | fewer again
 *                    | reject_window_ms (warn)             |
 *   readiness        | not ready for debounce_ms (warn)    | ready for debounce_ms
 *   daily summary    | the UTC day changed: the last day's | -
 *                    | orders, fills, rejects, P&L (info)  |
 *
 * The first observation only sets the baseline (no alert for a state the
 * process started in, except a source that then stays silent).
 * Decides: when each condition is raised and cleared and its text. Never:
 * reads a clock, posts anything (the caller's emit does). */
#include "live/alert_rules.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/dec.h"

#define DAY_MS 86400000LL

void pmc_alert_rules_init(struct pmc_alert_rules *r,
                          const struct pmc_alert_rules_cfg *cfg)
{
    memset(r, 0, sizeof *r);
    if (cfg)
        r->cfg = *cfg;
    if (r->cfg.silence_ms <= 0)
        r->cfg.silence_ms = 60000;
    if (r->cfg.debounce_ms <= 0)
        r->cfg.debounce_ms = 5000;
    if (!r->cfg.reject_n)
        r->cfg.reject_n = 5;
    if (r->cfg.reject_n > PMC_ALERT_REJECT_RING)
        r->cfg.reject_n = PMC_ALERT_REJECT_RING;
    if (r->cfg.reject_window_ms <= 0)
        r->cfg.reject_window_ms = 60000;
}

static int64_t day_of(pmc_ms t)
{
    return t >= 0 ? t / DAY_MS : (t - DAY_MS + 1) / DAY_MS;
}

static void day_summary(struct pmc_alert_rules *r, pmc_alert_emit_fn emit,
                        void *ctx)
{
    char pnl[32], text[300];
    pmc_dec_format(r->day_realized, pnl);
    time_t secs = (time_t)(r->day * 86400);
    struct tm tm;
    gmtime_r(&secs, &tm);
    snprintf(text, sizeof text,
             "%04d-%02d-%02d: %llu source fills seen, %llu copied, %llu "
             "orders, %llu rejects, realised P&L %s USD",
             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             (unsigned long long)(r->last_seen - r->day_seen),
             (unsigned long long)(r->last_copied - r->day_copied),
             (unsigned long long)(r->last_orders - r->day_orders),
             (unsigned long long)(r->last_rejects - r->day_rejects), pnl);
    emit(ctx, "daily_summary", "info", text);
}

/* The day of o begins at the counters of the last observation. */
static void new_day(struct pmc_alert_rules *r, const struct pmc_alert_obs *o)
{
    r->day = day_of(o->now);
    r->day_orders = r->last_orders;
    r->day_seen = r->last_seen;
    r->day_copied = r->last_copied;
    r->day_rejects = r->last_rejects;
}

static void remember(struct pmc_alert_rules *r, const struct pmc_alert_obs *o)
{
    r->last_orders = o->orders;
    r->last_seen = o->fills_seen;
    r->last_copied = o->fills_copied;
    r->last_rejects = o->rejects;
    r->day_realized = o->realized_today;
}

static void sources(struct pmc_alert_rules *r, const struct pmc_alert_obs *o,
                    pmc_alert_emit_fn emit, void *ctx, pmc_ms started)
{
    char text[200];
    for (int i = 0; i < o->nsrc && i < PMC_ALERT_MAX_SOURCES; i++) {
        const struct pmc_alert_source *s = &o->src[i];
        if (!s->on)
            continue;
        pmc_ms since = s->last_data ? s->last_data : started;
        int silent = o->now - since >= r->cfg.silence_ms;
        if (silent && !r->silent[i]) {
            snprintf(text, sizeof text,
                     "source %s delivered no data for %lld s%s", s->name,
                     (long long)((o->now - since) / 1000),
                     s->last_data ? "" : " (none since the start)");
            emit(ctx, "source_silent", "warn", text);
            r->silent_since[i] = since;
        } else if (!silent && r->silent[i]) {
            snprintf(text, sizeof text, "source %s delivers again after %lld s",
                     s->name,
                     (long long)((s->last_data - r->silent_since[i]) / 1000));
            emit(ctx, "source_back", "info", text);
        }
        r->silent[i] = silent;
    }
}

static void rejects(struct pmc_alert_rules *r, const struct pmc_alert_obs *o,
                    pmc_alert_emit_fn emit, void *ctx)
{
    /* each new reject is stamped with this observation's time (the loop
     * observes every few hundred ms, finer than the window) */
    for (uint64_t k = r->rejects; k < o->rejects; k++) {
        r->reject_t[(r->reject_head + r->reject_n) % PMC_ALERT_REJECT_RING] =
            o->now;
        if (r->reject_n < PMC_ALERT_REJECT_RING)
            r->reject_n++;
        else
            r->reject_head = (r->reject_head + 1) % PMC_ALERT_REJECT_RING;
    }
    r->rejects = o->rejects;
    while (r->reject_n &&
           o->now - r->reject_t[r->reject_head] >= r->cfg.reject_window_ms) {
        r->reject_head = (r->reject_head + 1) % PMC_ALERT_REJECT_RING;
        r->reject_n--;
    }
    int spike = r->reject_n >= r->cfg.reject_n;
    if (spike && !r->spiking) {
        char text[160];
        snprintf(text, sizeof text,
                 "%u orders rejected by the venue within %lld s", r->reject_n,
                 (long long)(r->cfg.reject_window_ms / 1000));
        emit(ctx, "reject_spike", "warn", text);
    } else if (!spike && r->spiking) {
        emit(ctx, "reject_spike_over", "info", "venue rejects back to normal");
    }
    r->spiking = spike;
}

static void readiness(struct pmc_alert_rules *r, const struct pmc_alert_obs *o,
                      pmc_alert_emit_fn emit, void *ctx)
{
    if (o->ready != r->ready_obs) {
        r->ready_obs = o->ready;
        r->ready_changed = o->now;
    }
    if (r->ready_obs == r->ready_state ||
        o->now - r->ready_changed < r->cfg.debounce_ms)
        return;
    char text[300];
    if (!r->ready_obs) {
        snprintf(text, sizeof text, "not copying: %s",
                 o->why && *o->why ? o->why : "not ready");
        emit(ctx, "ready_lost", "warn", text);
    } else {
        emit(ctx, "ready_again", "info", "copying again");
    }
    r->ready_state = r->ready_obs;
}

void pmc_alert_rules_step(struct pmc_alert_rules *r,
                          const struct pmc_alert_obs *o, pmc_alert_emit_fn emit,
                          void *ctx)
{
    if (!r->started) {
        r->started = 1;
        r->killed = o->killed;
        r->ready_state = r->ready_obs = o->ready;
        r->ready_changed = o->now;
        r->rejects = o->rejects;
        r->started_at = o->now;
        remember(r, o);
        new_day(r, o);
        return;
    }
    if (day_of(o->now) != r->day) {
        day_summary(r, emit, ctx);
        new_day(r, o);
    }
    if (o->killed && !r->killed) {
        char text[200];
        snprintf(text, sizeof text, "kill switch on: %s; no new buys",
                 o->kill_reason && *o->kill_reason ? o->kill_reason
                                                   : "reason unknown");
        emit(ctx, "kill_switch", "critical", text);
    } else if (!o->killed && r->killed) {
        emit(ctx, "kill_switch_off", "info", "kill switch off: copying buys");
    }
    r->killed = o->killed;
    sources(r, o, emit, ctx, r->started_at);
    rejects(r, o, emit, ctx);
    readiness(r, o, emit, ctx);
    remember(r, o);
}
