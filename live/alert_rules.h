/* live/alert_rules.h - when `pmcopy live` raises an alert: a pure function
 * of what the loop observes, step by step (no clock, no I/O). The loop
 * passes one observation at most every few hundred ms and posts what comes
 * out (live/alert.h). The same conditions as contrib/prometheus/alerts.yml,
 * for an operator without Prometheus. */
#ifndef PMC_ALERT_RULES_H
#define PMC_ALERT_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "core/pmc.h"

#define PMC_ALERT_MAX_SOURCES 8

struct pmc_alert_source {
    const char *name; /* "rtds", ... */
    int on;           /* configured */
    pmc_ms last_data; /* when it last delivered data, 0 = never */
};

struct pmc_alert_obs {
    pmc_ms now;
    int killed;
    const char *kill_reason; /* "" when unknown */
    int ready;
    const char *why; /* why not ready ("" when ready) */
    struct pmc_alert_source src[PMC_ALERT_MAX_SOURCES];
    int nsrc;
    uint64_t rejects;      /* venue rejects so far */
    uint64_t orders;       /* orders so far */
    uint64_t fills_seen;   /* source fills so far */
    uint64_t fills_copied; /* source fills copied so far */
    pmc_micros realized_today;
};

struct pmc_alert_rules_cfg {
    pmc_ms silence_ms;       /* a source silent this long (default 60 s) */
    pmc_ms debounce_ms;      /* readiness must stay lost this long (5 s) */
    uint32_t reject_n;       /* rejects within reject_window_ms ... (5) */
    pmc_ms reject_window_ms; /* ... make a spike (60 s) */
};

#define PMC_ALERT_REJECT_RING 64

struct pmc_alert_rules {
    struct pmc_alert_rules_cfg cfg;
    int started, killed, ready_state; /* ready_state: 1 ready, 0 lost */
    pmc_ms ready_changed;             /* when the observed state flipped */
    int ready_obs;                    /* the last observed readiness */
    int silent[PMC_ALERT_MAX_SOURCES];
    pmc_ms silent_since[PMC_ALERT_MAX_SOURCES];
    uint64_t rejects;
    pmc_ms reject_t[PMC_ALERT_REJECT_RING]; /* times of recent rejects */
    unsigned reject_head, reject_n;
    int spiking;
    pmc_ms started_at; /* the first observation */
    int64_t day;       /* UTC day of the last observation */
    /* counters when the day began, and at the last observation */
    uint64_t day_orders, day_seen, day_copied, day_rejects;
    uint64_t last_orders, last_seen, last_copied, last_rejects;
    pmc_micros day_realized;
};

typedef void (*pmc_alert_emit_fn)(void *ctx, const char *event,
                                  const char *level, const char *text);

/* cfg NULL = the defaults above; zero fields take their default. */
void pmc_alert_rules_init(struct pmc_alert_rules *r,
                          const struct pmc_alert_rules_cfg *cfg);
/* One observation (times must not go backwards); emits 0 or more alerts. */
void pmc_alert_rules_step(struct pmc_alert_rules *r,
                          const struct pmc_alert_obs *o, pmc_alert_emit_fn emit,
                          void *ctx);

#endif
