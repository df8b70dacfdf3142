/* live/loop_int.h - the live loop's state (struct live) and the functions
 * its files share; private to live/loop*.c, orders.c, rebuild.c, status.c,
 * prom.c, control.c, ready.c, marks.c, service.c.
 *
 * Who calls whom runs one way (tests/layers.sh refuses a circle):
 *
 *     loop.c ──► orders.c ──► rebuild.c ──► loopio.c
 *        │          └──────────────────────────▲
 *        ├──► rebuild.c, status.c ──► prom.c ───┘
 *        ├──► ready.c, service.c ────────────────┘
 *        └──► memlock.c, dblock.c (know nothing of the loop)
 *
 * loop.c: the pass, the inbox as the driver's input port, the inputs'
 * side effects, set-up and shutdown. orders.c: an order action from the
 * core to the venue (committed first), the venue's answers to the store.
 * rebuild.c: the engine rebuilt from the journal, orders settled after a
 * restart. status.c: the local API's routes (status JSON); control.c:
 * the control routes, the kill file, the log lines of kills and resumes;
 * prom.c: the Prometheus text of /metrics. marks.c: the core's marks
 * written to the store for the views.
 * ready.c: whether copying works (GET /ready) and why not. service.c:
 * sd_notify and the webhook's alerts.
 * loopio.c: log lines, the first failure, records queued for the core.
 * Only loop.c reads the clock; while rebuilding, rebuild.c moves L->now
 * along the journal's times. */
#ifndef PMC_LOOP_INT_H
#define PMC_LOOP_INT_H

#include <stdio.h>

#include "core/driver.h"
#include "live/alert.h"
#include "live/alert_rules.h"
#include "live/api.h"
#include "live/exec/clob.h"
#include "live/inbox.h"
#include "live/logfmt.h"
#include "live/loop.h"
#include "live/metrics.h"
#include "live/notify.h"
#include "live/paper.h"
#include "live/pending.h"
#include "live/store.h"
#include "live/watch/watch.h"

#define LAT_SLOTS 1024 /* coid -> receive time, for the latency histogram */

struct lat_slot {
    uint64_t h;
    int64_t frame_ns;  /* when the triggering frame was received */
    int64_t decide_ns; /* when the core emitted the order */
};

/* When each recent source fill happened and reached us, by key hash, for
 * the stage times of the order that copies it. */
#define FILLTIME_SLOTS 4096
struct filltime {
    uint64_t h;
    pmc_ms ts, recv;
    pmc_micros px; /* the source's price and trader (config index, -1 = not
                      listed), for the log line of a later skip */
    int32_t trader;
};

/* the last mark written to the store for an engine position slot */
struct live_mark {
    uint64_t h; /* token hash */
    pmc_micros px;
    int resolved;
};

struct live {
    struct pmc_config cfg;
    struct filltime ft[FILLTIME_SLOTS];
    struct pmc_pending pend; /* orders awaiting their journal entry */
    struct pmc_live_opts o;
    struct pmc_driver drv;
    void *drv_mem;
    struct pmc_source src;     /* the inbox as the driver's input port */
    struct pmc_venue to_venue; /* the driver's venue: submit_order */
    struct pmc_store *store;
    struct pmc_watch *watch;
    struct pmc_clob *clob;
    struct pmc_paper *paper;
    struct pmc_venue venue;
    struct pmc_api *api;
    struct pmc_inbox in;
    pmc_ms now;
    int64_t cur_frame_ns; /* receive time of the record being processed */
    const struct pmc_record *cur; /* the input being processed */
    int rebuilding; /* replaying the journal: actions are counted, not acted
                       on (rebuild feeds the driver directly, so only
                       on_action sees this) */
    int failed;
    char *err;
    size_t errcap;
    /* orders the rebuilt engine emitted (coids), to settle after rebuild */
    struct pmc_sym *rebuilt;
    size_t nrebuilt, caprebuilt;
    uint64_t rebuild_inputs, rebuild_actions, rebuild_diverged;
    /* metrics */
    struct lat_slot lat[LAT_SLOTS];
    struct pmc_hist h_frame_to_wire_us, h_decide_to_wire_us,
        h_frame_to_decide_us, h_commit_us;
    uint64_t inputs, orders_sent, orders_not_sent, orders_known;
    pmc_ms started, last_ckpt;
    /* control.c: the kill file's last check and the state last queued
     * (-1 none) */
    pmc_ms kf_last;
    int kf_checked, kf_queued;
    /* operations (live/dblock.c, live/ready.c, loopio.c's log level) */
    int lock_fd; /* the store's writer lock (DB-lock), -1 without a store */
    int ready;   /* the last pmc_live_readiness of a pass, and its reason */
    char ready_why[256];
    uint64_t ready_frames;  /* the fill sources' frames at ready_last_data */
    pmc_ms ready_last_data; /* when a fill source last delivered data */
    /* marks.c: the core's marks persisted for the views (one P&L) */
    struct live_mark *marks;
    size_t marks_cap;
    pmc_ms marks_t;  /* last written */
    int marks_dirty; /* an input that moves a mark came since */
    /* service.c: the service manager and the alerts */
    struct pmc_notify notify;
    struct pmc_alert *alert; /* NULL: no webhook */
    struct pmc_alert_rules rules;
    pmc_ms svc_obs;                      /* the last alert observation */
    uint64_t svc_frames[PMC_WATCH_NSRC]; /* each source's frames at ... */
    pmc_ms svc_last[PMC_WATCH_NSRC];     /* ... when it last delivered */
    int svc_ready; /* the readiness the manager was told */
};

/* ---- loopio.c ------------------------------------------------------------ */

/* One logfmt line on stderr, stamped with the loop's now: fmt gives
 * "level=L event=E k=v ..." (level omitted = info; lines below the
 * --log-level are not printed). Quote outside text with pmc_live_q. */
__attribute__((format(printf, 2, 3))) void pmc_live_log(struct live *L,
                                                        const char *fmt, ...);
/* s as a logfmt value (quoted and escaped when needed) in buf. */
char *pmc_live_q(char *buf, size_t cap, const char *s);
/* Stop the loop; the first failure's "what: detail" stays in L->err. */
void pmc_live_fail(struct live *L, const char *what, const char *detail);
/* Queue a record for the core; a full inbox fails the loop. */
void pmc_live_push(struct live *L, const struct pmc_record *r);
/* Queue an exec answer (status st, reason why) for order coid. */
void pmc_live_exec_input(struct live *L, const struct pmc_sym *coid,
                         enum pmc_exec_status st, const char *why);

/* ---- orders.c ------------------------------------------------------------ */

/* The driver's action hook: journal each action (count it while
 * rebuilding). */
enum pmc_err pmc_live_on_action(void *ctx, const struct pmc_record *a);
/* The driver's venue port: an order action goes to the venue. */
enum pmc_err pmc_live_on_order(void *self, const struct pmc_record *a,
                               pmc_ms now);
/* The executor's journal_order hook (and the paper venue's commit). */
enum pmc_err pmc_live_journal_order(void *ctx, const struct pmc_sym *coid,
                                    const char *body, size_t body_len,
                                    const char *order_hash);
/* The executor's wire hook: the order's first byte left. */
void pmc_live_on_wire(void *ctx, const struct pmc_sym *coid, size_t nbytes);
void pmc_live_on_trade(void *ctx, const struct pmc_clob_trade *t);
/* The venues' emit hook: their records are queued for the core. */
void pmc_live_venue_emit(void *ctx, struct pmc_record *rec);
/* An exec record's effect on the store's order row. */
void pmc_live_store_exec(struct live *L, const struct pmc_record *r);

/* ---- rebuild.c ----------------------------------------------------------- */

/* Feed the journal's inputs to the fresh engine (L->rebuilding). */
enum pmc_err pmc_live_rebuild(struct live *L);
/* An action the rebuilt engine emitted: counted, its order remembered. */
enum pmc_err pmc_live_rebuild_action(struct live *L,
                                     const struct pmc_record *a);
/* Settle the orders open after the rebuild (reconcile / cancel). */
void pmc_live_settle_after_rebuild(struct live *L);

/* ---- ready.c ------------------------------------------------------------- */

/* 1 when copying works; else 0 and why says the first reason it does not
 * (see ready.c). Notes source data seen since the last call. */
int pmc_live_readiness(struct live *L, char *why, size_t cap);
/* Each pass: L->ready and L->ready_why from pmc_live_readiness. */
void pmc_live_ready_pass(struct live *L);
/* Fill sources configured (chain, rtds, data API): 0..3. */
int pmc_live_sources_configured(const struct live *L);

/* ---- status.c ------------------------------------------------------------ */

/* The local API's handler (pmc_api_open): health, status, metrics,
 * kill/resume. */
int pmc_live_api_handler(void *ctx, const struct pmc_api_req *req, FILE *out,
                         const char **ctype);

/* ---- control.c ----------------------------------------------------------- */

/* POST /kill, /resume, /traders/{addr}/disable|enable: 0 when the request
 * is not one of them, else the HTTP status (the body written to out). */
int pmc_live_control_route(struct live *L, const struct pmc_api_req *r,
                           FILE *out);
/* The kill file (--kill-file): at most every 250 ms, queue its kill or
 * its removal's resume when they differ from the engine's state. */
void pmc_live_kill_file_check(struct live *L);
/* The log line of a kill, resume, refusal or trader switch (any other
 * record: nothing). */
void pmc_live_control_note(struct live *L, const struct pmc_record *r);
/* /status's "kill":{"operator":B,"kill_file":B,"automatic":"R"|null}, (with
 * the comma): who holds the kill switch. */
void pmc_live_control_status(struct live *L, FILE *f);

/* ---- marks.c ------------------------------------------------------------- */

/* Write the core's marks that changed since the last call to the store. */
void pmc_live_persist_marks(struct live *L);

/* ---- prom.c -------------------------------------------------------------- */

/* The /metrics page (Prometheus text format 0.0.4). */
void pmc_live_metrics_text(struct live *L, FILE *f);
/* Its per-trader series (the core's accountability). */
void pmc_live_metrics_traders(struct live *L, FILE *f);

/* ---- service.c ----------------------------------------------------------- */

/* sd_notify set up; the webhook's worker started when one is configured. */
enum pmc_err pmc_live_service_open(struct live *L);
/* Each pass: READY once, WATCHDOG, STATUS on a readiness change, the alert
 * conditions observed. */
void pmc_live_service_pass(struct live *L);
/* STOPPING=1 (shutdown begins). */
void pmc_live_service_stopping(struct live *L);
/* The webhook's queue delivered (2 s at most), its worker stopped. */
void pmc_live_service_close(struct live *L);

#endif
