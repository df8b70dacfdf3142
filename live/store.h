/* live/store.h - the live store: one SQLite database (docs/store.md).
 *
 * Holds the journal (every record fed to the core and every action it
 * produced, as tape lines with a monotonically increasing sequence number),
 * our orders and fills with their lifecycle, the positions view, per-trader
 * statistics, the seen fill keys and one checkpoint per watcher.
 *
 * Decides: what is committed when, the order lifecycle (which status
 * transitions are legal), the schema and its version, how marks are taken
 * from journaled quotes/trades/resolutions.
 * Never: reads a clock (every time is passed in by the caller, ms since the
 * epoch), stores or prints a secret (a signed order body holds a signature,
 * never a key), decides what to trade, or calls SQLite on the caller's thread
 * outside the synchronous calls named below.
 *
 * Threads and the hot path. Asynchronous writes (journal records, order
 * updates, fills, seen keys, checkpoints, marks) are copied into an
 * in-memory ring under a short mutex: journaling one record costs one
 * memcpy of the record (an order action is formatted first: its key list
 * points into engine memory). A dedicated writer thread wakes every
 * `writer_interval_us`, takes everything in the ring and commits it in one
 * transaction, in ring order. If the ring is full, the caller waits for
 * the writer (counted in stats.stalls); it never drops a record.
 *
 * Orders: pmc_store_order_new() queues the order's row and appends the
 * ring, up to and including it, to the order log (PATH-olog) with one
 * writev(2) before returning: the order and everything queued before it
 * are durable before the order is sent, at the cost of one system call.
 * The writer commits them to SQLite shortly after; opening the store
 * replays whatever the log holds beyond the database (items carry a
 * sequence number and a CRC). So the journal is always a consistent prefix:
 * it never holds an order whose inputs are missing, and an order that was
 * sent is in it after a reopen. pmc_store_sync() commits everything queued
 * on the caller's thread.
 *
 * Durability. WAL mode with synchronous=NORMAL: COMMIT appends the
 * transaction's pages to the -wal file with write(2) but does not fsync
 * (fsync happens at checkpoints). Once write(2) returns, the data is in the
 * kernel's page cache, which survives the death of the process (SIGKILL,
 * crash, OOM kill): the next open replays the WAL. Only a power loss or OS
 * crash can lose the last transactions (never corrupting the file). So
 * across a process kill the loss bound is: nothing committed, i.e. at most
 * the records journaled in the last writer_interval_us plus one batch
 * commit (default 2 ms + commit time), never more than the ring holds, and
 * never an order or anything queued before an order.
 *
 * Thread-safety: the queueing calls (journal, seen, checkpoint, mark,
 * order_new, order_update, fill, order_known, sync) belong to one producer
 * thread (the live loop). The reading calls and pmc_store_stats may be
 * called from any thread; they serialise with the writer on the
 * connection. A store opened readonly refuses every write (PMC_ESTATE).
 *
 * Errors: every call that returns an error sets the message
 * pmc_store_errmsg() returns ("PATH: what: why"). If a write fails (a
 * transaction: disk full, I/O error; an order-log append or its growth)
 * the store becomes failed: the failing call returns PMC_EIO (PMC_ENOMEM
 * for memory), every later write returns PMC_EIO, and the message keeps
 * naming the first failure. The caller must stop trading on any error
 * from a write (PMC_ENOTFOUND / PMC_ESTATE from order_update and fill are
 * refusals of a report, with nothing queued). Committed data is never lost
 * and the next open replays what the order log made durable. */
#ifndef PMC_STORE_H
#define PMC_STORE_H

#include <stdint.h>
#include <stdio.h>

#include "core/event.h"

#define PMC_STORE_SCHEMA 4          /* PRAGMA user_version */
#define PMC_STORE_APP_ID 0x504d4350 /* PRAGMA application_id, "PMCP" */
#define PMC_STORE_CKPT_MAX 4096     /* bytes of one checkpoint value */
#define PMC_STORE_TEXT_MAX 4096     /* error text, venue id (truncated) */

struct pmc_store;

/* ---- order lifecycle ---------------------------------------------------
 *
 *   submitted -> acked | matched | rejected | failed | cancelled
 *   acked     -> acked | matched | cancelled | failed
 *   matched   -> matched | confirmed | failed
 *   confirmed, rejected, failed, cancelled: terminal
 *
 * A fill moves submitted/acked to matched. The cancel of a FAK remainder
 * after a match leaves the order matched (its fills still settle). */
#define PMC_ORDER_STATUS_LIST(X)                                               \
    X(SUBMITTED, "submitted")                                                  \
    X(ACKED, "acked")                                                          \
    X(MATCHED, "matched")                                                      \
    X(CONFIRMED, "confirmed")                                                  \
    X(FAILED, "failed")                                                        \
    X(REJECTED, "rejected")                                                    \
    X(CANCELLED, "cancelled")

enum pmc_order_status {
#define PMC_OS_ENUM(name, text) PMC_OS_##name,
    PMC_ORDER_STATUS_LIST(PMC_OS_ENUM)
#undef PMC_OS_ENUM
        PMC_OS_COUNT
};
const char *pmc_order_status_name(enum pmc_order_status s);
/* Status by name (n bytes), -1 when unknown. */
int pmc_order_status_lookup(const char *s, size_t n);
/* Is `to` a legal next status from `from`? (1/0) */
int pmc_order_status_can(enum pmc_order_status from, enum pmc_order_status to);
/* Is the status final (no further transition)? */
int pmc_order_status_terminal(enum pmc_order_status s);

/* ---- opening ------------------------------------------------------------ */

struct pmc_store_opts {
    size_t ring_bytes;           /* 0 = 4 MiB; at least 256 KiB */
    uint32_t writer_interval_us; /* 0 = 2000; the writer's wake period */
    int readonly;     /* 1: no writer thread, no schema creation, no writes
                       (operator views); the file must exist */
    int no_create;    /* 1: the file must exist (read-write otherwise) */
    int log_writev;   /* 1: append the order log with writev(2) instead of
                       copying into its mapping (the fallback where the
                       file system cannot allocate or map it) */
    int caller_marks; /* 1: marks come only from pmc_store_mark (the live
                         loop persists the core's own marks, so the views
                         and the engine value positions alike); journaled
                         market data sets none */
};

/* What an existing database held when it was opened. */
struct pmc_store_info {
    uint64_t journal_records; /* rows in the journal */
    uint64_t last_seq;        /* highest sequence number, 0 = none */
    uint64_t orders, open_orders, fills, seen_keys, checkpoints;
    int created; /* 1 if the schema was created by this open */
};

/* Open (or create unless readonly/no_create) the database at path, check
 * its application id and schema version (creating or migrating the schema),
 * load the known orders into memory and start the writer thread. opts may
 * be NULL (defaults). On failure *out is NULL, err holds
 * "PATH: what went wrong: SQLite's message" and the return is PMC_EIO (cannot
 * open / read / write), PMC_EPARSE (not a database, a foreign database, or
 * corrupt), PMC_ENOTSUP (written by a newer schema), PMC_ENOMEM.
 * info may be NULL (a readonly open then skips counting the tables, which
 * scans them). Thread-safety: call from one thread per store; opens of
 * their own stores on several threads at once are safe (the read API's
 * server threads; test_readapi runs three). */
PMC_MUST_USE enum pmc_err pmc_store_open(const char *path,
                                         const struct pmc_store_opts *opts,
                                         struct pmc_store **out,
                                         struct pmc_store_info *info, char *err,
                                         size_t cap);

/* Commit everything queued, stop the writer and close. Returns PMC_EIO if
 * the final commit (or an earlier one) failed. NULL is a no-op. */
PMC_MUST_USE enum pmc_err pmc_store_close(struct pmc_store *s);

/* The last error ("PATH: ...: SQLite message"); "" when none. A copy taken
 * under the store's lock (the writer thread sets it when a commit fails),
 * owned by the calling thread: valid until that thread's next
 * pmc_store_errmsg call. Thread-safe. */
const char *pmc_store_errmsg(const struct pmc_store *s);

/* ---- fault injection (tests) -------------------------------------------
 *
 * Compiled in every build, off by default. Arms one fault for the whole
 * process: the nth time (1 = the next) the named path runs from now, it
 * fails with `err` (0 = the path's usual error), then the fault is off
 * again. The environment variable PMC_STORE_FAULT=KIND:N[:ERR] (KIND the
 * names below, ERR one of ENOMEM EIO ERANGE ENOSPC) arms one at the first
 * pmc_store_open of the process. The message of an injected failure ends
 * in "(injected)". */
enum pmc_store_fault {
    PMC_STORE_FAULT_OFF,
    PMC_STORE_FAULT_ALLOC,   /* "alloc": a store allocation (ENOMEM) */
    PMC_STORE_FAULT_QUEUE,   /* "queue": any queued write (ERANGE) */
    PMC_STORE_FAULT_JOURNAL, /* "journal": a queued journal record */
    PMC_STORE_FAULT_SEEN,    /* "seen": a queued seen key */
    PMC_STORE_FAULT_CKPT,    /* "checkpoint": a queued checkpoint */
    PMC_STORE_FAULT_UPDATE,  /* "update": a queued order status change */
    PMC_STORE_FAULT_FILL,    /* "fill": a queued fill */
    PMC_STORE_FAULT_STEP,    /* "step": a SQLite write step (EIO; ENOSPC =
                                SQLITE_FULL, a full disk) */
    PMC_STORE_FAULT_OLOG,    /* "olog": an order-log append (EIO, ENOSPC) */
    PMC_STORE_FAULT_GROW,    /* "grow": the order log's growth (ENOSPC) */
    PMC_STORE_FAULT_COUNT
};
void pmc_store_fault_set(enum pmc_store_fault kind, long nth, int err);
/* The number of faults that fired since the process started. */
long pmc_store_fault_fired(void);

/* ---- the journal (hot path) --------------------------------------------
 *
 * All of these are called by one producer thread (the live loop); they
 * never call SQLite. */

/* Queue one record the core saw or produced (rec->t = our receive time, or
 * the action's time). Inputs and skips/kills are copied as they are (one
 * memcpy); an order action is formatted to its tape line first. The writer
 * formats, stores and, for quote/trade/resolve, updates the mark. *seq (may
 * be NULL) receives the record's journal sequence number.
 * PMC_EIO when the store has failed; PMC_ERANGE when the record cannot be
 * formatted. */
PMC_MUST_USE enum pmc_err pmc_store_journal(struct pmc_store *s,
                                            const struct pmc_record *rec,
                                            uint64_t *seq);

/* Queue one pre-formatted tape line (n bytes, no newline; its t= is the
 * record's time), stored byte for byte. The line is parsed here (not a hot
 * path call): PMC_EPARSE / PMC_ERANGE when it is not a tape record (a
 * comment or blank line is PMC_EPARSE too), PMC_ERANGE if n is 0 or more
 * than PMC_TAPE_LINE_MAX. */
PMC_MUST_USE enum pmc_err pmc_store_journal_line(struct pmc_store *s,
                                                 const char *line, size_t n,
                                                 uint64_t *seq);

/* Queue: a source fill key was seen at t (dedupe across restarts). */
PMC_MUST_USE enum pmc_err pmc_store_seen(struct pmc_store *s, const char *key,
                                         pmc_ms t);

/* Queue: the checkpoint of `watcher` (<= 95 bytes) is `value`
 * (<= PMC_STORE_CKPT_MAX bytes), at t. PMC_ERANGE when too long. */
PMC_MUST_USE enum pmc_err pmc_store_checkpoint(struct pmc_store *s,
                                               const char *watcher,
                                               const char *value, pmc_ms t);

/* Queue: mark `token` at price px (micros) at t; resolved=1 for a payout
 * (marks of a resolved token no longer change). Unless the store was opened
 * with caller_marks, journaled quotes (mid, or the one side present),
 * trades and resolutions set marks on their own. */
PMC_MUST_USE enum pmc_err pmc_store_mark(struct pmc_store *s, const char *token,
                                         pmc_micros px, int resolved, pmc_ms t);

/* Commit everything queued now, on the caller's thread; returns after
 * COMMIT. PMC_EIO on failure. */
PMC_MUST_USE enum pmc_err pmc_store_sync(struct pmc_store *s);

/* ---- orders ------------------------------------------------------------ */

/* One source trader behind an order and its share of it (micros: 1e6 is
 * the whole order; shares of one order should add up to 1e6). */
struct pmc_store_src {
    const char *trader; /* 0x + 40 lowercase hex */
    pmc_micros share;
};

struct pmc_store_order {
    const char *coid; /* client order id, <= 95 bytes: the primary key */
    const char *token;
    enum pmc_side side;
    enum pmc_tif tif;
    pmc_micros px, sz; /* limit price, shares (micros) */
    const char *keys;  /* comma-separated source fill keys */
    const struct pmc_store_src *src;
    size_t nsrc;
    const char *signed_body; /* the POST body as sent; NULL for paper */
    const char *order_hash;  /* 0x + 64 hex; NULL for paper */
    /* stage times, ms since the epoch (0 = unknown): the first source
     * fill's own time, when we received it, when the core decided, when the
     * order is handed to the venue */
    pmc_ms ts_source, ts_recv, ts_decided, ts_submitted;
};

/* Record a new order in status `submitted` and make it durable together
 * with every record queued before it (the order log, see above) before
 * returning: call it before writing the order to the venue, after
 * journaling its ev=order action. Then queues the order's source traders
 * and their statistics (notional = px x sz x share; trades today reset at
 * 00:00 UTC of ts_decided). Readers see it after the writer's next commit
 * (pmc_store_sync to force one).
 * PMC_ESTATE if the coid is already known (never overwritten), PMC_ERANGE
 * on an over-long field, PMC_EIO on a failed commit (the store is then
 * failed). Strings are copied; nothing is retained. */
PMC_MUST_USE enum pmc_err pmc_store_order_new(struct pmc_store *s,
                                              const struct pmc_store_order *o);

/* Is coid a known order? 1 and *st (may be NULL) = its current status, or
 * 0. Served from memory (orders loaded at open plus those added since). */
int pmc_store_order_known(const struct pmc_store *s, const char *coid,
                          enum pmc_order_status *st);

/* Queue a status change at t. venue_id / error may be NULL (unchanged).
 * Entering acked sets ts_acked; a terminal status sets ts_done. The first
 * entry into matched counts a success for each source trader; rejected or
 * failed counts a failure. Repeating acked or matched is accepted.
 * PMC_ENOTFOUND for an unknown coid, PMC_ESTATE for an illegal transition
 * (nothing is queued). */
PMC_MUST_USE enum pmc_err pmc_store_order_update(struct pmc_store *s,
                                                 const char *coid,
                                                 enum pmc_order_status st,
                                                 const char *venue_id,
                                                 const char *error, pmc_ms t);

/* Queue a venue trade of the order coid (trade_id, the order's hash) as
 * its status (enum pmc_trade_status, proto/wire/clob_user.h) changes: sz
 * shares at px, taker 1/0, match_time (0 unknown), learned at t. One row
 * per (coid, trade_id): the latest status and last_t, the first t.
 * PMC_ENOTFOUND unknown coid, PMC_ERANGE for an empty or long id. */
PMC_MUST_USE enum pmc_err
pmc_store_trade(struct pmc_store *s, const char *coid, const char *trade_id,
                const char *order_hash, int status, pmc_micros sz,
                pmc_micros px, int taker, pmc_ms match_time, pmc_ms t);
/* Queue a failed venue trade (the core's PMC_EXEC_FAILED) of sz shares at
 * px: the fill of coid it was, by the core's rule (the newest good fill
 * with that size left and price, else the newest with at least that size
 * left). All that is left of it: failed_t = t, the order's filled size,
 * cost, average price, fees and fill count drop by it, positions skip it.
 * A part: the row and the order lose sz shares, sz x px of cost (at most
 * what is left) and sz's share of the fee left (floored); positions keep
 * the rest. PMC_ENOTFOUND unknown coid. */
PMC_MUST_USE enum pmc_err pmc_store_fill_failed(struct pmc_store *s,
                                                const char *coid, pmc_micros sz,
                                                pmc_micros px, pmc_ms t);

/* Queue one of our executions: sz shares at px (micros) with fee (USD
 * micros) at t; trade_id may be NULL (paper). A repeated (coid, trade_id)
 * is ignored by the database. Moves submitted/acked to matched (see
 * pmc_store_order_update); the order's filled size, average price, fees and
 * ts_filled follow. PMC_ENOTFOUND unknown coid, PMC_ESTATE when the order is
 * confirmed/rejected/failed/cancelled, PMC_ERANGE on sz <= 0 or px <= 0. */
PMC_MUST_USE enum pmc_err pmc_store_fill(struct pmc_store *s, const char *coid,
                                         const char *trade_id, pmc_micros sz,
                                         pmc_micros px, pmc_micros fee,
                                         pmc_ms t);

/* ---- reading (any time; sees committed data: pmc_store_sync first to
 * read your own writes). Row strings are valid during the callback only.
 * A callback returning non-zero stops the walk (not an error). ---------- */

struct pmc_store_order_row {
    const char *coid, *token, *keys, *traders; /* traders: comma-separated */
    const char *signed_body, *order_hash, *venue_id, *error; /* may be NULL */
    enum pmc_side side;
    enum pmc_tif tif;
    enum pmc_order_status status;
    int paper; /* 1 when signed_body is NULL */
    pmc_micros px, sz, filled, filled_cost, avg_px, fees;
    int64_t nfills;
    pmc_ms ts_source, ts_recv, ts_decided, ts_submitted, ts_acked, ts_filled,
        ts_done;
    int64_t removed; /* its source fills a chain reorg removed since */
};

struct pmc_store_filter {
    pmc_ms since, until; /* ts_decided in [since, until); 0 = unbounded */
    const char *token;   /* NULL = any */
    const char *trader;  /* NULL = any (orders with this source trader) */
    int status;          /* -1 = any, else enum pmc_order_status */
    int open_only;       /* 1: non-terminal orders only (to reconcile) */
};

typedef int (*pmc_store_order_fn)(void *ctx,
                                  const struct pmc_store_order_row *r);
/* Orders matching f (NULL = all) in decision order (ts_decided, coid).
 * PMC_EIO on a database error. */
PMC_MUST_USE enum pmc_err
pmc_store_orders_each(struct pmc_store *s, const struct pmc_store_filter *f,
                      pmc_store_order_fn fn, void *ctx);

/* A venue trade of one of our orders that is not final (neither confirmed
 * nor failed) as the store last heard of it. */
struct pmc_store_trade_row {
    const char *coid, *trade_id, *order_hash;
    int status; /* enum pmc_trade_status (proto/wire/clob_user.h) */
    pmc_micros sz, px;
    pmc_ms first_t;
};
typedef int (*pmc_store_trade_fn)(void *ctx,
                                  const struct pmc_store_trade_row *r);
/* The trades not final, first seen first (what a restart gives the
 * executor's ledger to follow); none on a file without the table.
 * PMC_EIO on a database error. */
PMC_MUST_USE enum pmc_err pmc_store_trades_open_each(struct pmc_store *s,
                                                     pmc_store_trade_fn fn,
                                                     void *ctx);

/* Source fills a chain reorg removed that an order had copied (rows of
 * `removed` naming an order), as committed; 0 on a file without the table.
 * PMC_EIO on a database error. */
PMC_MUST_USE enum pmc_err pmc_store_removed_copied(struct pmc_store *s,
                                                   int64_t *n);

struct pmc_store_fill_row {
    const char *coid, *trade_id, *token; /* trade_id may be NULL */
    enum pmc_side side;
    pmc_micros sz, px, cost, fee; /* cost = sz x px (USD micros, floor) */
    pmc_ms t;
    int64_t removed; /* its order's source fills a chain reorg removed */
    pmc_ms failed_t; /* > 0: the venue took the trade back then (FAILED) */
};
typedef int (*pmc_store_fill_fn)(void *ctx, const struct pmc_store_fill_row *r);
/* Fills in time order (t, id); coid NULL = all orders. */
PMC_MUST_USE enum pmc_err pmc_store_fills_each(struct pmc_store *s,
                                               const char *coid,
                                               pmc_store_fill_fn fn, void *ctx);

/* A position: average-cost accounting over our fills, fees included in the
 * basis, computed from the fills with the engine's arithmetic (exact at
 * any size; see docs/store.md). USD and shares in micros. */
struct pmc_store_position {
    const char *token;
    pmc_micros shares, cost_basis, avg_px; /* avg_px 0 when flat */
    pmc_micros realized;           /* sells (and the payout once resolved) */
    pmc_micros unrealized;         /* shares x mark - basis; 0 when resolved */
    pmc_micros mark;               /* 0 with has_mark 0 */
    pmc_micros bought, sold, fees; /* gross buy cost, sell proceeds, fees */
    pmc_micros realized_since;     /* the part of realized booked at or after
                                  `since` (pmc_store_positions_since) */
    int64_t nfills;
    pmc_ms mark_t;
    int has_mark, resolved;
};
typedef int (*pmc_store_position_fn)(void *ctx,
                                     const struct pmc_store_position *p);
/* One row per token with fills, by token. PMC_EIO on a database error,
 * PMC_ERANGE when a token's sums leave 64 bits (message names the token). */
PMC_MUST_USE enum pmc_err pmc_store_positions_each(struct pmc_store *s,
                                                   pmc_store_position_fn fn,
                                                   void *ctx);
/* The same, with realized_since: sells at or after `since` and a payout
 * whose resolution mark is at or after it (e.g. 00:00 UTC today). */
PMC_MUST_USE enum pmc_err pmc_store_positions_since(struct pmc_store *s,
                                                    pmc_ms since,
                                                    pmc_store_position_fn fn,
                                                    void *ctx);

/* Per-trader statistics as of `now` (today's counters are 0 when the last
 * update was on an earlier UTC day than now). */
struct pmc_store_trader {
    const char *trader;
    pmc_micros notional_today, notional_total; /* copied: px x sz x share */
    int64_t trades_today, trades_total, successes, failures;
    pmc_ms updated;
};
typedef int (*pmc_store_trader_fn)(void *ctx, const struct pmc_store_trader *t);
PMC_MUST_USE enum pmc_err pmc_store_traders_each(struct pmc_store *s,
                                                 pmc_ms now,
                                                 pmc_store_trader_fn fn,
                                                 void *ctx);

/* One (order, source trader) pair with the order's fill summary: what the
 * per-trader views aggregate. Ordered by trader, then decision time. */
struct pmc_store_share_row {
    const char *trader, *coid, *token;
    enum pmc_side side;
    enum pmc_order_status status;
    pmc_micros share; /* of the order, micros (1e6 = all) */
    pmc_micros px, sz, filled, filled_cost, fees;
    int64_t nfills;
    pmc_ms ts_decided;
};
typedef int (*pmc_store_share_fn)(void *ctx,
                                  const struct pmc_store_share_row *r);
PMC_MUST_USE enum pmc_err
pmc_store_shares_each(struct pmc_store *s, pmc_store_share_fn fn, void *ctx);

/* The journal records whose kind is ev (the tape's ev= name: "skip",
 * "market", ...) and whose time is >= since, in sequence order; line points
 * to n bytes (no newline), valid during the callback. */
typedef int (*pmc_store_line_fn)(void *ctx, uint64_t seq, pmc_ms t,
                                 const char *line, size_t n);
PMC_MUST_USE enum pmc_err pmc_store_journal_each(struct pmc_store *s,
                                                 const char *ev, pmc_ms since,
                                                 pmc_store_line_fn fn,
                                                 void *ctx);

/* The latest time in the journal (0 when empty): the views' "now". */
PMC_MUST_USE enum pmc_err pmc_store_last_time(struct pmc_store *s, pmc_ms *t);

typedef int (*pmc_store_seen_fn)(void *ctx, const char *key, pmc_ms t);
PMC_MUST_USE enum pmc_err pmc_store_seen_each(struct pmc_store *s,
                                              pmc_store_seen_fn fn, void *ctx);

/* The checkpoint of watcher: 1 with value copied (NUL-terminated) into
 * buf[cap] and *t set, 0 when none, -1 on a database error or when cap is
 * too small. */
int pmc_store_checkpoint_get(struct pmc_store *s, const char *watcher,
                             char *buf, size_t cap, pmc_ms *t);

typedef int (*pmc_store_ckpt_fn)(void *ctx, const char *watcher,
                                 const char *value, pmc_ms t);
PMC_MUST_USE enum pmc_err pmc_store_checkpoints_each(struct pmc_store *s,
                                                     pmc_store_ckpt_fn fn,
                                                     void *ctx);

/* ---- journal cursor ------------------------------------------------------
 * Reads the committed journal on its own read connection (WAL: does not
 * block the writer), in sequence order, from sequence `from` (inclusive).
 * Used at start to rebuild the engine, and to export tapes. */
struct pmc_store_cursor;
PMC_MUST_USE enum pmc_err pmc_store_cursor_open(struct pmc_store *s,
                                                uint64_t from,
                                                struct pmc_store_cursor **out);
/* 1 = a record (line points to n bytes without newline, valid until the
 * next call), 0 = end, -1 = error (pmc_store_errmsg). */
int pmc_store_cursor_next(struct pmc_store_cursor *c, uint64_t *seq, pmc_ms *t,
                          const char **line, size_t *n);
void pmc_store_cursor_close(struct pmc_store_cursor *c);

/* Write the journal as a tape (header line, then every line) to f.
 * PMC_EIO on a database or write error (pmc_store_errmsg). */
PMC_MUST_USE enum pmc_err pmc_store_export(struct pmc_store *s, FILE *f);

/* ---- statistics ---------------------------------------------------------- */

struct pmc_store_stats {
    uint64_t queued;       /* items put in the ring */
    uint64_t committed;    /* items committed */
    uint64_t journal_seq;  /* last sequence number handed out */
    uint64_t batches;      /* write transactions (writer + synchronous) */
    uint64_t sync_commits; /* of which synchronous (order_new, sync) */
    uint64_t stalls;       /* producer waits on a full ring */
    uint64_t recovered;    /* items replayed from the order log at open */
    size_t ring_bytes, ring_high; /* capacity, high-water mark */
    int failed;
};
/* Thread-safe. */
void pmc_store_stats(struct pmc_store *s, struct pmc_store_stats *st);

#endif
