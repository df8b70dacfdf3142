/* live/loop.h - the live event loop: one thread, one clock.
 *
 * Owns the engine (through the tape driver), the watchers, the venue (paper
 * or the real CLOB executor), the store and the local API, and moves
 * records between them (docs/live.md). It is the only code of `pmcopy
 * live` that asks live/clock.c for the time: once per pass, never going
 * backwards (a wall clock that jumps back is held until it catches up).
 *
 * Every record the core sees is journaled in the order it is fed, with the
 * actions it caused, so `pmcopy replay --db` reproduces the session. On
 * start the engine is rebuilt from the journal; orders the store already
 * holds are never sent again but reconciled with the venue. */
#ifndef PMC_LOOP_H
#define PMC_LOOP_H

#include <signal.h>

#include "core/config.h"

enum pmc_live_mode { PMC_LIVE_PAPER = 0, PMC_LIVE_REAL };

struct pmc_live_opts {
    enum pmc_live_mode mode;
    /* endpoints; NULL or "" turns a source off */
    const char *clob_url; /* REST root of the CLOB (real mode) */
    int clob_lanes;       /* POST /order lanes (pmc_clob_cfg.lanes); 2 */
    int clob_batch;       /* orders per POST /orders (pmc_clob_cfg.
                             batch_max); 15, 0 or 1 = never batch */
    const char *chain_ws; /* Polygon JSON-RPC websocket */
    const char *rtds_ws;  /* realtime data socket */
    const char *book_ws;  /* CLOB market channel .../ws/market */
    const char *user_ws;  /* CLOB user channel .../ws/user (real mode);
                             NULL: the venue's with its default clob_url,
                             off with another */
    const char *data_api; /* data API root */
    int chain_v1;
    pmc_ms poll_ms;          /* data API poll while no websocket source is up
                                (0 = the watchers' default, 5 s) */
    pmc_ms poll_idle_ms;     /* ... while one is: the catch-all for fills the
                                sockets missed (0 = default 60 s) */
    pmc_ms run_for_ms;       /* stop by itself after this (0 = never) */
    pmc_ms drain_ms;         /* shutdown: wait this long for open orders */
    int shutdown_flush;      /* 1: flush pending buckets and send at exit */
    pmc_ms restart_stale_ms; /* orders older than this when first seen
                                after a restart are not sent */
    pmc_micros paper_half_spread; /* paper venue without a book */
    const char *ready_file;       /* written ("port=N\n") once running */
    uint64_t seed;                /* watcher jitter */
    int quiet;                    /* no per-order log lines */
    int log_level;    /* enum pmc_log_level (live/logfmt.h): lines below
                         it are not printed; default info */
    int mlock;        /* lock memory once set up (mlockall), best effort; 1 */
    size_t inbox_cap; /* records waiting for the core before the loop
                         stops with an error (0 = PMC_LIVE_INBOX_DEFAULT) */
    /* while this file exists: no new buys (a kill by=kill_file; removing
     * the file lifts that kill only) */
    const char *kill_file;
    /* alerts (live/alert.h): the webhook (NULL = none), its format
     * (enum pmc_alert_fmt) and Telegram's chat id */
    const char *alert_url;
    int alert_fmt;
    const char *alert_chat;
};

#define PMC_LIVE_INBOX_DEFAULT 16384

void pmc_live_opts_default(struct pmc_live_opts *o);

/* Run until *stop becomes non-zero (a signal handler sets it) or run_for
 * elapses. Returns the process exit code (0 clean stop, 1 failure); err
 * says why on failure. cfg: the validated configuration (traders, caps,
 * db_path/db_enabled, api_enabled/api_port). */
int pmc_live_run(const struct pmc_config *cfg, const struct pmc_live_opts *o,
                 volatile sig_atomic_t *stop, char *err, size_t cap);

#endif
