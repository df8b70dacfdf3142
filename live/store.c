/* live/store.c - the live store on SQLite (see live/store.h, docs/store.md).
 *
 * Decides: the schema, the ring that carries asynchronous writes to the
 * writer thread, the order lifecycle, the positions view.
 * Never: reads a clock (the writer's wake-up is a nanosleep, not a time
 * stamp), keeps a secret, or lets a caller's thread run SQLite outside
 * pmc_store_order_new / pmc_store_sync / the read functions.
 *
 * Concurrency: one SQLite connection (`db`) is shared by the writer thread
 * and the synchronous calls, serialised by `dbmu`. Whoever holds `dbmu`
 * takes a snapshot [head, tail) of the ring under `mu`, applies those items
 * in one transaction and advances head: because the snapshot is taken
 * under `dbmu`, transactions commit in ring order, so the database always
 * holds a prefix of what was queued. The producer writes only to free ring
 * space outside [head, tail), so the drainer reads items without `mu`.
 * WAL checkpoints (which fsync) run on the writer's own connection without
 * `dbmu`, so a synchronous order commit never waits for an fsync. */
#include "live/store.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>

#include <sqlite3.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "core/dec.h"
#include "core/tape.h"

#define DEFAULT_RING ((size_t)4 << 20)
#define MIN_RING ((size_t)256 << 10)
#define DEFAULT_INTERVAL_US 2000u
#define CKPT_PAGES 1000    /* WAL pages before the writer checkpoints */
#define SRC_TEXT_MAX 16384 /* bytes of an order's traders list */
#define OLOG_MAGIC "PMCOLOG1"
#define OLOG_MAP (4u << 20) /* order log mapped and allocated up front */
#define OLOG_HDR 16 /* magic + sizeof(struct pmc_record) + sizeof(item_hdr) */

/* ---- lifecycle ---------------------------------------------------------- */

static const char *const status_names[] = {
#define PMC_OS_NAME(name, text) text,
    PMC_ORDER_STATUS_LIST(PMC_OS_NAME)
#undef PMC_OS_NAME
};

const char *pmc_order_status_name(enum pmc_order_status s)
{
    return (unsigned)s < PMC_OS_COUNT ? status_names[s] : "?";
}

int pmc_order_status_lookup(const char *s, size_t n)
{
    for (int i = 0; i < PMC_OS_COUNT; i++)
        if (strlen(status_names[i]) == n && !memcmp(status_names[i], s, n))
            return i;
    return -1;
}

int pmc_order_status_terminal(enum pmc_order_status s)
{
    return s == PMC_OS_CONFIRMED || s == PMC_OS_FAILED ||
           s == PMC_OS_REJECTED || s == PMC_OS_CANCELLED;
}

int pmc_order_status_can(enum pmc_order_status from, enum pmc_order_status to)
{
    if ((unsigned)to >= PMC_OS_COUNT)
        return 0;
    switch (from) {
    case PMC_OS_SUBMITTED:
        return to != PMC_OS_SUBMITTED && to != PMC_OS_CONFIRMED;
    case PMC_OS_ACKED:
        return to == PMC_OS_ACKED || to == PMC_OS_MATCHED ||
               to == PMC_OS_CANCELLED || to == PMC_OS_FAILED;
    case PMC_OS_MATCHED:
        return to == PMC_OS_MATCHED || to == PMC_OS_CONFIRMED ||
               to == PMC_OS_FAILED;
    default:
        return 0;
    }
}

/* ---- schema ------------------------------------------------------------- */

/* Positions are not in the schema: pmc_store_positions_each computes them
 * from the fills with the engine's arithmetic (version 1 had a SQL view
 * that rounded twice and fell back to floating point past $9.2M of basis;
 * the migration to version 2 drops it). */
static const char *const schema_sql[] = {
    "CREATE TABLE journal(\n"
    "  seq INTEGER PRIMARY KEY,\n"
    "  t INTEGER NOT NULL,\n"
    "  ev TEXT NOT NULL,\n"
    "  line TEXT NOT NULL);\n",
    "CREATE TABLE orders(\n"
    "  coid TEXT PRIMARY KEY,\n"
    "  token TEXT NOT NULL,\n"
    "  side TEXT NOT NULL CHECK (side IN ('BUY','SELL')),\n"
    "  px INTEGER NOT NULL,\n"
    "  sz INTEGER NOT NULL,\n"
    "  tif TEXT NOT NULL,\n"
    "  keys TEXT NOT NULL,\n"
    "  traders TEXT NOT NULL,\n"
    "  signed_body TEXT,\n"
    "  order_hash TEXT,\n"
    "  venue_id TEXT,\n"
    "  status TEXT NOT NULL,\n"
    "  filled INTEGER NOT NULL DEFAULT 0,\n"
    "  filled_cost INTEGER NOT NULL DEFAULT 0,\n"
    "  avg_px INTEGER NOT NULL DEFAULT 0,\n"
    "  fees INTEGER NOT NULL DEFAULT 0,\n"
    "  nfills INTEGER NOT NULL DEFAULT 0,\n"
    "  error TEXT,\n"
    "  ts_source INTEGER, ts_recv INTEGER, ts_decided INTEGER,\n"
    "  ts_submitted INTEGER, ts_acked INTEGER, ts_filled INTEGER,\n"
    "  ts_done INTEGER,\n"
    "  journal_seq INTEGER NOT NULL) WITHOUT ROWID;\n",
    "CREATE INDEX orders_decided ON orders(ts_decided);\n",
    "CREATE INDEX orders_status ON orders(status);\n",
    "CREATE TABLE order_traders(\n"
    "  coid TEXT NOT NULL,\n"
    "  trader TEXT NOT NULL,\n"
    "  share INTEGER NOT NULL,\n"
    "  PRIMARY KEY (coid, trader)) WITHOUT ROWID;\n",
    "CREATE INDEX order_traders_trader ON order_traders(trader);\n",
    "CREATE TABLE fills(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  coid TEXT NOT NULL,\n"
    "  trade_id TEXT,\n"
    "  sz INTEGER NOT NULL,\n"
    "  px INTEGER NOT NULL,\n"
    "  cost INTEGER NOT NULL,\n"
    "  fee INTEGER NOT NULL,\n"
    "  t INTEGER NOT NULL,\n"
    "  UNIQUE (coid, trade_id));\n",
    "CREATE INDEX fills_t ON fills(t);\n",
    "CREATE TRIGGER fills_order AFTER INSERT ON fills BEGIN\n"
    "  UPDATE orders SET filled = filled + NEW.sz,\n"
    "    filled_cost = filled_cost + NEW.cost,\n"
    "    avg_px = (filled_cost + NEW.cost) * 1000000 / (filled + NEW.sz),\n"
    "    fees = fees + NEW.fee, nfills = nfills + 1,\n"
    "    ts_filled = COALESCE(ts_filled, NEW.t)\n"
    "  WHERE coid = NEW.coid;\n"
    "END;\n",
    "CREATE TABLE marks(\n"
    "  token TEXT PRIMARY KEY,\n"
    "  px INTEGER NOT NULL,\n"
    "  t INTEGER NOT NULL,\n"
    "  resolved INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;\n",
    "CREATE TABLE trader_stats(\n"
    "  trader TEXT PRIMARY KEY,\n"
    "  day INTEGER NOT NULL,\n"
    "  notional_today INTEGER NOT NULL,\n"
    "  notional_total INTEGER NOT NULL,\n"
    "  trades_today INTEGER NOT NULL,\n"
    "  trades_total INTEGER NOT NULL,\n"
    "  successes INTEGER NOT NULL DEFAULT 0,\n"
    "  failures INTEGER NOT NULL DEFAULT 0,\n"
    "  updated INTEGER NOT NULL) WITHOUT ROWID;\n",
    "CREATE TABLE seen(\n"
    "  key TEXT PRIMARY KEY,\n"
    "  t INTEGER NOT NULL) WITHOUT ROWID;\n",
    "CREATE TABLE checkpoints(\n"
    "  watcher TEXT PRIMARY KEY,\n"
    "  value TEXT NOT NULL,\n"
    "  t INTEGER NOT NULL) WITHOUT ROWID;\n",
};

/* ---- the ring ------------------------------------------------------------ */

enum item_type {
    IT_WRAP = 1,
    IT_REC,  /* struct pmc_record (any kind but ORDER) */
    IT_LINE, /* struct line_item + text */
    IT_UPD,  /* struct upd_item + coid + venue id + error */
    IT_FILL, /* struct fill_item + coid + trade id */
    IT_SEEN, /* struct seen_item + key */
    IT_CKPT, /* struct ckpt_item + watcher + value */
    IT_MARK, /* struct mark_item + token */
    IT_OSRC, /* struct osrc_item + coid + trader */
    IT_ORDER /* struct order_item + coid, token, keys, traders, body, hash */
};

struct item_hdr {
    uint32_t type, len; /* len: payload bytes after the header */
    uint64_t seq;       /* journal sequence (journal items), else 0 */
    uint64_t lsn;       /* every item's own sequence (the order log's) */
    uint32_t crc;       /* crc32 of the header (crc = 0) and the payload */
    uint32_t pad;
};

struct line_item {
    pmc_ms t;
    uint32_t n;
};
struct upd_item {
    pmc_ms t;
    int32_t status, succ, fail, terminal;
    uint32_t clen, vlen, elen;
    int32_t has_v, has_e;
};
struct fill_item {
    pmc_ms t;
    pmc_micros sz, px, cost, fee;
    uint32_t clen, tlen;
    int32_t has_trade;
};
struct seen_item {
    pmc_ms t;
    uint32_t klen;
};
struct ckpt_item {
    pmc_ms t;
    uint32_t wlen, vlen;
};
/* One source trader of a new order: its share and the per-trader
 * statistics, written after the order's synchronous commit (they are
 * derived figures; keeping them out of that commit keeps it small). */
struct osrc_item {
    pmc_micros share, notional;
    pmc_ms ts_decided;
    uint32_t clen, tlen;
};
/* A new order (pmc_store_order_new): its row, carried through the ring
 * and the order log like every other write. */
struct order_item {
    pmc_micros px, sz;
    pmc_ms ts_source, ts_recv, ts_decided, ts_submitted;
    uint64_t seq; /* journal position of the order */
    int32_t side, tif, has_body, has_hash;
    uint32_t clen, tlen, klen, trlen, blen, hlen;
};
struct mark_item {
    pmc_ms t;
    pmc_micros px;
    int32_t resolved;
    uint32_t tlen;
};

struct part {
    const void *p;
    size_t n;
};

static size_t align8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

/* ---- in-memory order index (producer thread only) --------------------- */

struct oslot {
    uint64_t h;
    uint8_t used, status, matched;
    char coid[PMC_SYM_MAX + 1];
};

/* ---- the store ------------------------------------------------------------
 */

enum {
    ST_JOURNAL,
    ST_ORDER,
    ST_ORDER_TRADER,
    ST_TRADER_NEW,
    ST_ORDER_UPD,
    ST_TRADER_RESULT,
    ST_FILL,
    ST_SEEN,
    ST_CKPT,
    ST_MARK,
    ST_BEGIN,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_META,
    ST_COUNT
};

static const char *const stmt_sql[ST_COUNT] = {
    [ST_JOURNAL] = "INSERT INTO journal(seq, t, ev, line) VALUES (?,?,?,?)",
    [ST_ORDER] =
        "INSERT INTO orders(coid, token, side, px, sz, tif, keys, traders, "
        "signed_body, order_hash, status, ts_source, ts_recv, ts_decided, "
        "ts_submitted, journal_seq) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,'submitted',?,?,?,?,?)",
    [ST_ORDER_TRADER] = "INSERT OR REPLACE INTO order_traders(coid, trader, "
                        "share) VALUES (?,?,?)",
    [ST_TRADER_NEW] =
        "INSERT INTO trader_stats(trader, day, notional_today, "
        "notional_total, trades_today, trades_total, updated) "
        "VALUES (?1, ?2, ?3, ?3, 1, 1, ?4) ON CONFLICT(trader) DO UPDATE SET "
        "notional_today = CASE WHEN day < excluded.day THEN "
        "excluded.notional_today ELSE notional_today + "
        "excluded.notional_today END, "
        "trades_today = CASE WHEN day < excluded.day THEN 1 "
        "ELSE trades_today + 1 END, "
        "day = MAX(day, excluded.day), "
        "notional_total = notional_total + excluded.notional_total, "
        "trades_total = trades_total + 1, "
        "updated = MAX(updated, excluded.updated)",
    [ST_ORDER_UPD] =
        "UPDATE orders SET status = ?2, venue_id = COALESCE(?3, venue_id), "
        "error = COALESCE(?4, error), "
        "ts_acked = CASE WHEN ?2 = 'acked' AND ts_acked IS NULL THEN ?5 "
        "ELSE ts_acked END, "
        "ts_done = CASE WHEN ?6 THEN ?5 ELSE ts_done END WHERE coid = ?1",
    [ST_TRADER_RESULT] =
        "UPDATE trader_stats SET successes = successes + ?2, "
        "failures = failures + ?3, updated = MAX(updated, ?4) "
        "WHERE trader IN (SELECT trader FROM order_traders WHERE coid = ?1)",
    [ST_FILL] = "INSERT OR IGNORE INTO fills(coid, trade_id, sz, px, cost, "
                "fee, t) VALUES (?,?,?,?,?,?,?)",
    [ST_SEEN] = "INSERT OR IGNORE INTO seen(key, t) VALUES (?,?)",
    [ST_CKPT] = "INSERT INTO checkpoints(watcher, value, t) VALUES (?,?,?) "
                "ON CONFLICT(watcher) DO UPDATE SET value = excluded.value, "
                "t = excluded.t",
    [ST_MARK] = "INSERT INTO marks(token, px, t, resolved) VALUES (?,?,?,?) "
                "ON CONFLICT(token) DO UPDATE SET px = excluded.px, "
                "t = excluded.t, resolved = excluded.resolved "
                "WHERE marks.resolved = 0 OR excluded.resolved = 1",
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_META] = "INSERT INTO meta(k, v) VALUES ('lsn', ?) "
                "ON CONFLICT(k) DO UPDATE SET v = excluded.v",
};

struct pmc_store {
    char *path;
    sqlite3 *db;
    sqlite3_stmt *st[ST_COUNT];
    int readonly, rw_flags;

    /* the order log (write-ahead of the ring), guarded by mu */
    int logfd;
    char *logpath;
    uint64_t logged;       /* ring position up to which items are in the log */
    uint64_t log_bytes;    /* item bytes in the log file past its header */
    unsigned char *logmap; /* the log file mapped (NULL: appended by writev) */
    int log_writev;        /* opts.log_writev */
    size_t logmap_len;     /* bytes mapped = the file's (allocated) size */
    uint64_t lsn;          /* last item sequence handed out */

    /* ring, guarded by mu */
    pthread_mutex_t mu;
    pthread_cond_t space;
    unsigned char *ring;
    size_t cap;
    uint64_t head, tail;
    uint64_t seq;
    atomic_int failed; /* set under mu; read anywhere */
    int stop;
    struct pmc_store_stats stats;

    /* the connection, guarded by dbmu */
    pthread_mutex_t dbmu;
    char *fmt; /* line buffer for the drainer */

    /* writer */
    pthread_t writer;
    int writer_started;
    uint32_t interval_us;
    sqlite3 *ckdb; /* writer-thread checkpoint connection */
    int wal_pages; /* set by the WAL hook under dbmu */

    /* orders (producer thread) */
    struct oslot *ord;
    size_t ocap, ocount;

    char err[512];
};

/* ---- fault injection --------------------------------------------------------
 *
 * One armed fault per process (see store.h). The hot path pays one relaxed
 * load per check. */

static atomic_int fault_kind;
static atomic_long fault_left, fault_count;
static atomic_int fault_errno;
static pthread_once_t fault_env_once = PTHREAD_ONCE_INIT;
/* SQLite result code of an injected step failure, for db_err (per thread:
 * set and read by the thread that ran the step) */
static _Thread_local int injected_rc;

static const char *const fault_names[PMC_STORE_FAULT_COUNT] = {
    [PMC_STORE_FAULT_OFF] = "off",         [PMC_STORE_FAULT_ALLOC] = "alloc",
    [PMC_STORE_FAULT_QUEUE] = "queue",     [PMC_STORE_FAULT_JOURNAL] = "journal",
    [PMC_STORE_FAULT_SEEN] = "seen",       [PMC_STORE_FAULT_CKPT] = "checkpoint",
    [PMC_STORE_FAULT_UPDATE] = "update",   [PMC_STORE_FAULT_FILL] = "fill",
    [PMC_STORE_FAULT_STEP] = "step",       [PMC_STORE_FAULT_OLOG] = "olog",
    [PMC_STORE_FAULT_GROW] = "grow",
};

void pmc_store_fault_set(enum pmc_store_fault kind, long nth, int err)
{
    atomic_store(&fault_kind, PMC_STORE_FAULT_OFF);
    atomic_store(&fault_errno, err);
    atomic_store(&fault_left, nth);
    if (nth > 0 && kind > PMC_STORE_FAULT_OFF && kind < PMC_STORE_FAULT_COUNT)
        atomic_store(&fault_kind, (int)kind);
}

long pmc_store_fault_fired(void)
{
    return atomic_load(&fault_count);
}

/* 0, or the errno the path named `kind` fails with now. */
static int fault_hit(enum pmc_store_fault kind, int dflt)
{
    if (atomic_load_explicit(&fault_kind, memory_order_relaxed) != (int)kind)
        return 0;
    if (atomic_fetch_sub(&fault_left, 1) != 1)
        return 0;
    atomic_store(&fault_kind, PMC_STORE_FAULT_OFF);
    atomic_fetch_add(&fault_count, 1);
    int e = atomic_load(&fault_errno);
    return e ? e : dflt;
}

/* PMC_STORE_FAULT=KIND:N[:ERR], read at the first open of the process. */
static void fault_from_env(void)
{
    const char *v = getenv("PMC_STORE_FAULT");
    if (!v || !*v)
        return;
    const char *c = strchr(v, ':');
    if (!c)
        return;
    int kind = -1;
    for (int i = 1; i < PMC_STORE_FAULT_COUNT; i++)
        if (strlen(fault_names[i]) == (size_t)(c - v) &&
            !memcmp(fault_names[i], v, (size_t)(c - v)))
            kind = i;
    char *end;
    long nth = strtol(c + 1, &end, 10);
    int err = 0;
    if (*end == ':') {
        static const struct {
            const char *name;
            int e;
        } errs[] = {
            {"ENOMEM", ENOMEM}, {"EIO", EIO}, {"ERANGE", ERANGE}, {"ENOSPC", ENOSPC}};
        for (size_t i = 0; i < PMC_ARRAY_LEN(errs); i++)
            if (!strcmp(end + 1, errs[i].name))
                err = errs[i].e;
    }
    if (kind > 0 && nth > 0)
        pmc_store_fault_set((enum pmc_store_fault)kind, nth, err);
}

/* Every allocation of the store goes through these (the "alloc" fault). */
static void *store_malloc(size_t n)
{
    return fault_hit(PMC_STORE_FAULT_ALLOC, ENOMEM) ? NULL : malloc(n);
}

static void *store_calloc(size_t n, size_t size)
{
    return fault_hit(PMC_STORE_FAULT_ALLOC, ENOMEM) ? NULL : calloc(n, size);
}

/* ---- errors ---------------------------------------------------------------
 */

static void vset_err(struct pmc_store *s, int mu_held, const char *fmt,
                     va_list ap)
{
    char msg[400];
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (!mu_held)
        pthread_mutex_lock(&s->mu);
    /* a failed store keeps naming its first failure */
    if (!s->failed)
        snprintf(s->err, sizeof s->err, "%s: %s", s->path, msg);
    if (!mu_held)
        pthread_mutex_unlock(&s->mu);
}

static void set_err(struct pmc_store *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void set_err(struct pmc_store *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vset_err(s, 0, fmt, ap);
    va_end(ap);
}

/* The same for a caller that holds mu (the order log's append path). */
static void set_err_locked(struct pmc_store *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void set_err_locked(struct pmc_store *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vset_err(s, 1, fmt, ap);
    va_end(ap);
}

static enum pmc_err db_err(struct pmc_store *s, sqlite3 *db, const char *what)
{
    int rc = sqlite3_errcode(db);
    if (injected_rc) {
        rc = injected_rc;
        injected_rc = 0;
        set_err(s, "%s: %s (injected)", what, sqlite3_errstr(rc));
    } else {
        set_err(s, "%s: %s", what, sqlite3_errmsg(db));
    }
    int prim = rc & 0xff;
    return (prim == SQLITE_NOTADB || prim == SQLITE_CORRUPT) ? PMC_EPARSE
                                                             : PMC_EIO;
}

/* Called with dbmu held; marks the store failed and wakes a stalled
 * producer. */
static void fail_store(struct pmc_store *s)
{
    pthread_mutex_lock(&s->mu);
    s->failed = 1;
    s->stats.failed = 1;
    pthread_cond_broadcast(&s->space);
    pthread_mutex_unlock(&s->mu);
}

const char *pmc_store_errmsg(const struct pmc_store *s)
{
    static _Thread_local char copy[sizeof s->err];
    if (!s)
        return "";
    /* the writer thread sets err under mu when a commit fails */
    pthread_mutex_t *mu = (pthread_mutex_t *)&s->mu;
    pthread_mutex_lock(mu);
    memcpy(copy, s->err, sizeof copy);
    pthread_mutex_unlock(mu);
    return copy;
}

/* ---- the ring: producer side -------------------------------------------- */

static const char *item_name(uint32_t type)
{
    static const char *const names[] = {
        "?",         "wrap", "journal record", "journal line", "order update",
        "fill",      "seen key", "checkpoint",  "mark",          "order source",
        "order"};
    return type < PMC_ARRAY_LEN(names) ? names[type] : "?";
}

/* The queue fault of an item type (OFF: only the generic one). */
static enum pmc_store_fault item_fault(uint32_t type)
{
    switch (type) {
    case IT_REC:
    case IT_LINE:
        return PMC_STORE_FAULT_JOURNAL;
    case IT_SEEN:
        return PMC_STORE_FAULT_SEEN;
    case IT_CKPT:
        return PMC_STORE_FAULT_CKPT;
    case IT_UPD:
        return PMC_STORE_FAULT_UPDATE;
    case IT_FILL:
        return PMC_STORE_FAULT_FILL;
    default:
        return PMC_STORE_FAULT_OFF;
    }
}

/* Copy one item into the ring (waiting for space if full). seq_out != NULL
 * makes it a journal item with the next sequence number. */
static enum pmc_err ring_put(struct pmc_store *s, uint32_t type,
                             const void *fixed, size_t flen,
                             const struct part *parts, int nparts,
                             uint64_t *seq_out, int journal)
{
    if (s->readonly) {
        set_err(s, "queue: the store is open read-only");
        return PMC_ESTATE;
    }
    size_t payload = flen;
    for (int i = 0; i < nparts; i++)
        payload += parts[i].n;
    size_t need = align8(sizeof(struct item_hdr) + payload);
    if (need > s->cap / 2) {
        set_err(s, "queue: a %s item of %zu bytes exceeds half the ring (%zu)",
                item_name(type), need, s->cap / 2);
        return PMC_ERANGE;
    }
    if (fault_hit(PMC_STORE_FAULT_QUEUE, ERANGE) ||
        fault_hit(item_fault(type), ERANGE)) {
        set_err(s, "queue: a %s item of %zu bytes is refused (injected)",
                item_name(type), need);
        return PMC_ERANGE;
    }
    pthread_mutex_lock(&s->mu);
    size_t off, pad;
    for (;;) {
        if (s->failed) {
            pthread_mutex_unlock(&s->mu);
            return PMC_EIO;
        }
        off = (size_t)(s->tail % s->cap);
        pad = s->cap - off < need ? s->cap - off : 0;
        if (s->cap - (size_t)(s->tail - s->head) >= pad + need)
            break;
        s->stats.stalls++;
        pthread_cond_wait(&s->space, &s->mu);
    }
    if (pad) {
        if (pad >= sizeof(struct item_hdr)) {
            struct item_hdr w = {IT_WRAP, 0, 0, 0, 0, 0};
            memcpy(s->ring + off, &w, sizeof w);
        }
        s->tail += pad;
        off = 0;
    }
    struct item_hdr h = {type, (uint32_t)payload, 0, 0, 0, 0};
    if (journal)
        h.seq = ++s->seq;
    h.lsn = ++s->lsn;
    unsigned char *p = s->ring + off, *body = p + sizeof h;
    p = body;
    memcpy(p, fixed, flen);
    p += flen;
    for (int i = 0; i < nparts; i++) {
        if (parts[i].n)
            memcpy(p, parts[i].p, parts[i].n);
        p += parts[i].n;
    }
    uLong c = crc32(0L, (const Bytef *)&h, sizeof h);
    h.crc = (uint32_t)crc32(c, body, (uInt)payload);
    memcpy(s->ring + off, &h, sizeof h);
    s->tail += need;
    s->stats.queued++;
    s->stats.journal_seq = s->seq;
    size_t used = (size_t)(s->tail - s->head);
    if (used > s->stats.ring_high)
        s->stats.ring_high = used;
    pthread_mutex_unlock(&s->mu);
    if (seq_out)
        *seq_out = h.seq;
    return PMC_OK;
}

/* ---- applying items (dbmu held, inside a transaction) ------------------- */

static int apply_order(struct pmc_store *s, const unsigned char *p);

static int step_done(sqlite3_stmt *st)
{
    int f = fault_hit(PMC_STORE_FAULT_STEP, EIO);
    if (f) {
        /* as if SQLite had failed the step (nothing written) */
        injected_rc = f == ENOSPC ? SQLITE_FULL : SQLITE_IOERR;
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        return -1;
    }
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

static void bind_text(sqlite3_stmt *st, int i, const char *p, size_t n)
{
    sqlite3_bind_text(st, i, p, (int)n, SQLITE_STATIC);
}

static void bind_opt(sqlite3_stmt *st, int i, const char *p)
{
    if (p)
        sqlite3_bind_text(st, i, p, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

static void bind_ms(sqlite3_stmt *st, int i, pmc_ms t)
{
    if (t)
        sqlite3_bind_int64(st, i, t);
    else
        sqlite3_bind_null(st, i);
}

static int put_mark(struct pmc_store *s, const char *tok, size_t n,
                    pmc_micros px, int resolved, pmc_ms t)
{
    sqlite3_stmt *st = s->st[ST_MARK];
    bind_text(st, 1, tok, n);
    sqlite3_bind_int64(st, 2, px);
    sqlite3_bind_int64(st, 3, t);
    sqlite3_bind_int(st, 4, resolved);
    return step_done(st);
}

/* Marks from journaled market data: quote mid (or the one side), trade
 * price, resolution payout. */
static int mark_from(struct pmc_store *s, const struct pmc_record *r)
{
    switch (r->kind) {
    case PMC_K_QUOTE: {
        const struct pmc_quote *q = &r->u.quote;
        pmc_micros px = q->bid && q->ask ? (q->bid + q->ask) / 2
                                         : (q->bid ? q->bid : q->ask);
        if (!px)
            return 0;
        return put_mark(s, q->token.s, q->token.n, px, 0, r->t);
    }
    case PMC_K_TRADE:
        return put_mark(s, r->u.trade.token.s, r->u.trade.token.n,
                        r->u.trade.px, 0, r->t);
    case PMC_K_RESOLVE:
        return put_mark(s, r->u.resolve.token.s, r->u.resolve.token.n,
                        r->u.resolve.payout, 1, r->t);
    default:
        return 0;
    }
}

static int put_journal(struct pmc_store *s, uint64_t seq,
                       const struct pmc_record *r, const char *line, size_t n)
{
    sqlite3_stmt *st = s->st[ST_JOURNAL];
    sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
    sqlite3_bind_int64(st, 2, r->t);
    sqlite3_bind_text(st, 3, pmc_kind_name(r->kind), -1, SQLITE_STATIC);
    bind_text(st, 4, line, n);
    if (step_done(st) < 0)
        return -1;
    return mark_from(s, r);
}

static int apply_item(struct pmc_store *s, const struct item_hdr *h,
                      const unsigned char *p)
{
    switch (h->type) {
    case IT_REC: {
        struct pmc_record r;
        memcpy(&r, p, sizeof r);
        size_t n = pmc_tape_format(&r, s->fmt, PMC_TAPE_LINE_MAX + 2);
        if (n == 0) {
            set_err(s, "journal record %" PRIu64 " cannot be formatted",
                    h->seq);
            return -2;
        }
        return put_journal(s, h->seq, &r, s->fmt, n - 1);
    }
    case IT_LINE: {
        struct line_item li;
        memcpy(&li, p, sizeof li);
        const char *text = (const char *)p + sizeof li;
        struct pmc_record r;
        struct pmc_tape_err te;
        int has = 0;
        if (pmc_tape_parse(text, li.n, &r, &has, &te) != PMC_OK || !has) {
            set_err(s, "journal line %" PRIu64 ": %s", h->seq, te.msg);
            return -2;
        }
        return put_journal(s, h->seq, &r, text, li.n);
    }
    case IT_UPD: {
        struct upd_item u;
        memcpy(&u, p, sizeof u);
        const char *c = (const char *)p + sizeof u;
        const char *v = c + u.clen, *e = v + u.vlen;
        sqlite3_stmt *st = s->st[ST_ORDER_UPD];
        bind_text(st, 1, c, u.clen);
        sqlite3_bind_text(
            st, 2, pmc_order_status_name((enum pmc_order_status)u.status), -1,
            SQLITE_STATIC);
        if (u.has_v)
            bind_text(st, 3, v, u.vlen);
        if (u.has_e)
            bind_text(st, 4, e, u.elen);
        sqlite3_bind_int64(st, 5, u.t);
        sqlite3_bind_int(st, 6, u.terminal);
        if (step_done(st) < 0)
            return -1;
        if (u.succ || u.fail) {
            st = s->st[ST_TRADER_RESULT];
            bind_text(st, 1, c, u.clen);
            sqlite3_bind_int(st, 2, u.succ);
            sqlite3_bind_int(st, 3, u.fail);
            sqlite3_bind_int64(st, 4, u.t);
            if (step_done(st) < 0)
                return -1;
        }
        return 0;
    }
    case IT_FILL: {
        struct fill_item f;
        memcpy(&f, p, sizeof f);
        const char *c = (const char *)p + sizeof f;
        sqlite3_stmt *st = s->st[ST_FILL];
        bind_text(st, 1, c, f.clen);
        if (f.has_trade)
            bind_text(st, 2, c + f.clen, f.tlen);
        sqlite3_bind_int64(st, 3, f.sz);
        sqlite3_bind_int64(st, 4, f.px);
        sqlite3_bind_int64(st, 5, f.cost);
        sqlite3_bind_int64(st, 6, f.fee);
        sqlite3_bind_int64(st, 7, f.t);
        return step_done(st);
    }
    case IT_SEEN: {
        struct seen_item k;
        memcpy(&k, p, sizeof k);
        sqlite3_stmt *st = s->st[ST_SEEN];
        bind_text(st, 1, (const char *)p + sizeof k, k.klen);
        sqlite3_bind_int64(st, 2, k.t);
        return step_done(st);
    }
    case IT_CKPT: {
        struct ckpt_item k;
        memcpy(&k, p, sizeof k);
        const char *w = (const char *)p + sizeof k;
        sqlite3_stmt *st = s->st[ST_CKPT];
        bind_text(st, 1, w, k.wlen);
        bind_text(st, 2, w + k.wlen, k.vlen);
        sqlite3_bind_int64(st, 3, k.t);
        return step_done(st);
    }
    case IT_ORDER:
        return apply_order(s, p);
    case IT_OSRC: {
        struct osrc_item k;
        memcpy(&k, p, sizeof k);
        const char *coid = (const char *)p + sizeof k;
        sqlite3_stmt *st = s->st[ST_ORDER_TRADER];
        bind_text(st, 1, coid, k.clen);
        bind_text(st, 2, coid + k.clen, k.tlen);
        sqlite3_bind_int64(st, 3, k.share);
        if (step_done(st) < 0)
            return -1;
        st = s->st[ST_TRADER_NEW];
        bind_text(st, 1, coid + k.clen, k.tlen);
        sqlite3_bind_int64(st, 2, pmc_floor_div(k.ts_decided, PMC_MS_PER_DAY));
        sqlite3_bind_int64(st, 3,
                           pmc_muldiv_floor(k.notional, k.share, PMC_MICRO));
        sqlite3_bind_int64(st, 4, k.ts_decided);
        return step_done(st);
    }
    case IT_MARK: {
        struct mark_item m;
        memcpy(&m, p, sizeof m);
        return put_mark(s, (const char *)p + sizeof m, m.tlen, m.px, m.resolved,
                        m.t);
    }
    default:
        set_err(s, "ring: unknown item type %u", h->type);
        return -2;
    }
}

/* An order insert carried by a synchronous drain. */
/* The row of a new order from its ring item (see pmc_store_order_new). */
static int apply_order(struct pmc_store *s, const unsigned char *p)
{
    struct order_item o;
    memcpy(&o, p, sizeof o);
    const char *coid = (const char *)p + sizeof o;
    const char *token = coid + o.clen, *keys = token + o.tlen;
    const char *traders = keys + o.klen, *body = traders + o.trlen;
    const char *hash = body + o.blen;
    sqlite3_stmt *st = s->st[ST_ORDER];
    bind_text(st, 1, coid, o.clen);
    bind_text(st, 2, token, o.tlen);
    sqlite3_bind_text(st, 3, pmc_side_name((enum pmc_side)o.side), -1,
                      SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, o.px);
    sqlite3_bind_int64(st, 5, o.sz);
    sqlite3_bind_text(st, 6, pmc_tif_name((enum pmc_tif)o.tif), -1,
                      SQLITE_STATIC);
    bind_text(st, 7, keys, o.klen);
    bind_text(st, 8, traders, o.trlen);
    if (o.has_body)
        bind_text(st, 9, body, o.blen);
    else
        sqlite3_bind_null(st, 9);
    if (o.has_hash)
        bind_text(st, 10, hash, o.hlen);
    else
        sqlite3_bind_null(st, 10);
    bind_ms(st, 11, o.ts_source);
    bind_ms(st, 12, o.ts_recv);
    bind_ms(st, 13, o.ts_decided);
    bind_ms(st, 14, o.ts_submitted);
    sqlite3_bind_int64(st, 15, (sqlite3_int64)o.seq);
    return step_done(st) < 0 ? -1 : 0;
}

/* Remember in the database the last item applied (so that replaying the
 * order log after a crash applies nothing twice). Inside a transaction. */
static int put_lsn(struct pmc_store *s, uint64_t lsn)
{
    sqlite3_stmt *st = s->st[ST_META];
    sqlite3_bind_int64(st, 1, (sqlite3_int64)lsn);
    return step_done(st);
}

/* Empty the order log once everything it holds is in the database. mu
 * held. */
static void log_trim(struct pmc_store *s)
{
    if (s->logfd < 0 || !s->log_bytes || s->head < s->logged)
        return;
    if (s->logmap) {
        /* a zero header ends the log: what follows is committed */
        memset(s->logmap + OLOG_HDR, 0, sizeof(struct item_hdr));
        s->log_bytes = 0;
    } else if (ftruncate(s->logfd, OLOG_HDR) == 0) {
        s->log_bytes = 0;
    }
}

/* Move everything queued into the database in one transaction. dbmu held.
 * sync = 1 for a caller waiting on it. Returns the number of items, or -1
 * (the store is then failed and s->err says why). */
static long drain(struct pmc_store *s, int sync)
{
    pthread_mutex_lock(&s->mu);
    uint64_t h = s->head, t = s->tail;
    int failed = s->failed;
    pthread_mutex_unlock(&s->mu);
    if (failed)
        return -1;
    if (h == t)
        return 0;
    long n = 0;
    uint64_t lsn = 0;
    if (step_done(s->st[ST_BEGIN]) < 0) {
        db_err(s, s->db, "begin");
        fail_store(s);
        return -1;
    }
    uint64_t pos = h;
    while (pos < t) {
        size_t off = (size_t)(pos % s->cap);
        if (s->cap - off < sizeof(struct item_hdr)) {
            pos += s->cap - off;
            continue;
        }
        struct item_hdr hd;
        memcpy(&hd, s->ring + off, sizeof hd);
        if (hd.type == IT_WRAP) {
            pos += s->cap - off;
            continue;
        }
        int rc = apply_item(s, &hd, s->ring + off + sizeof hd);
        if (rc < 0) {
            if (rc == -1)
                db_err(s, s->db,
                       hd.type == IT_ORDER ? "order insert" : "write");
            goto fail;
        }
        lsn = hd.lsn;
        pos += align8(sizeof hd + hd.len);
        n++;
    }
    if (lsn && put_lsn(s, lsn) < 0) {
        db_err(s, s->db, "write");
        goto fail;
    }
    if (step_done(s->st[ST_COMMIT]) < 0) {
        db_err(s, s->db, "commit");
        goto fail;
    }
    pthread_mutex_lock(&s->mu);
    s->head = t;
    s->stats.committed += (uint64_t)n;
    s->stats.batches++;
    if (sync)
        s->stats.sync_commits++;
    log_trim(s);
    pthread_cond_broadcast(&s->space);
    pthread_mutex_unlock(&s->mu);
    return n;
fail:
    step_done(s->st[ST_ROLLBACK]);
    fail_store(s);
    return -1;
}

/* ---- the writer thread -----------------------------------------------------
 */

static int wal_hook(void *ctx, sqlite3 *db, const char *name, int pages)
{
    (void)db;
    (void)name;
    struct pmc_store *s = ctx;
    s->wal_pages = pages;
    return SQLITE_OK;
}

static void checkpoint(struct pmc_store *s)
{
    if (!s->ckdb && sqlite3_open_v2(s->path, &s->ckdb,
                                    SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                                    NULL) != SQLITE_OK) {
        sqlite3_close(s->ckdb);
        s->ckdb = NULL;
        return; /* retried later; the WAL just grows meanwhile */
    }
    sqlite3_busy_timeout(s->ckdb, 1000);
    /* PASSIVE: never blocks the writer; a later pass finishes the job */
    sqlite3_wal_checkpoint_v2(s->ckdb, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL,
                              NULL);
}

static void *writer_main(void *arg)
{
    struct pmc_store *s = arg;
    /* The writer wakes every interval; it must not take the core from the
     * event loop when it does. A SCHED_BATCH thread never preempts on
     * wake-up and keeps its fair share of the CPU (no privilege needed;
     * failure only costs latency). */
    struct sched_param sp;
    memset(&sp, 0, sizeof sp);
    (void)pthread_setschedparam(pthread_self(), SCHED_BATCH, &sp);
    for (;;) {
        pthread_mutex_lock(&s->mu);
        int stop = s->stop, empty = s->head == s->tail, failed = s->failed;
        pthread_mutex_unlock(&s->mu);
        if (stop || failed)
            break;
        long n = 0;
        pthread_mutex_lock(&s->dbmu);
        if (!empty)
            n = drain(s, 0);
        /* synchronous commits grow the WAL too: check after every pass */
        int pages = s->wal_pages;
        if (pages >= CKPT_PAGES)
            s->wal_pages = 0;
        pthread_mutex_unlock(&s->dbmu);
        if (pages >= CKPT_PAGES)
            checkpoint(s);
        if (n <= 0) {
            /* nothing was waiting: sleep one interval (a backlog is
             * drained again at once) */
            struct timespec ts = {(time_t)(s->interval_us / 1000000u),
                                  (long)(s->interval_us % 1000000u) * 1000L};
            nanosleep(&ts, NULL);
        }
    }
    return NULL;
}

/* ---- the order index ----------------------------------------------------- */

static struct oslot *ord_find(const struct pmc_store *s, const char *coid,
                              size_t n)
{
    if (!s->ocap)
        return NULL;
    uint64_t h = pmc_hash64(coid, n);
    for (size_t i = (size_t)h & (s->ocap - 1);; i = (i + 1) & (s->ocap - 1)) {
        struct oslot *o = &s->ord[i];
        if (!o->used)
            return NULL;
        if (o->h == h && strlen(o->coid) == n && !memcmp(o->coid, coid, n))
            return o;
    }
}

static enum pmc_err ord_add(struct pmc_store *s, const char *coid, size_t n,
                            int status, int matched)
{
    if (n > PMC_SYM_MAX)
        return PMC_ERANGE;
    if ((s->ocount + 1) * 2 > s->ocap) {
        size_t nc = s->ocap ? s->ocap * 2 : 1024;
        struct oslot *no = store_calloc(nc, sizeof *no);
        if (!no)
            return PMC_ENOMEM;
        for (size_t i = 0; i < s->ocap; i++) {
            if (!s->ord[i].used)
                continue;
            size_t j = (size_t)s->ord[i].h & (nc - 1);
            while (no[j].used)
                j = (j + 1) & (nc - 1);
            no[j] = s->ord[i];
        }
        free(s->ord);
        s->ord = no;
        s->ocap = nc;
    }
    uint64_t h = pmc_hash64(coid, n);
    size_t i = (size_t)h & (s->ocap - 1);
    while (s->ord[i].used)
        i = (i + 1) & (s->ocap - 1);
    struct oslot *o = &s->ord[i];
    o->used = 1;
    o->h = h;
    o->status = (uint8_t)status;
    o->matched = (uint8_t)matched;
    memcpy(o->coid, coid, n);
    o->coid[n] = '\0';
    s->ocount++;
    return PMC_OK;
}

/* ---- open / close ------------------------------------------------------- */

static int exec_sql(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

static int exec_schema(sqlite3 *db)
{
    for (size_t i = 0; i < PMC_ARRAY_LEN(schema_sql); i++)
        if (exec_sql(db, schema_sql[i]) < 0)
            return -1;
    return 0;
}

static int query_i64(sqlite3 *db, const char *sql, int64_t *v)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *v = sqlite3_column_int64(st, 0);
    else if (rc == SQLITE_DONE)
        *v = 0;
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

static void store_free(struct pmc_store *s)
{
    if (!s)
        return;
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(s->st[i]);
    if (s->db)
        sqlite3_close(s->db);
    if (s->ckdb)
        sqlite3_close(s->ckdb);
    if (s->logmap)
        munmap(s->logmap, s->logmap_len);
    if (s->logfd >= 0) {
        /* closed with everything committed: leave an empty log, not the
         * allocated one */
        if (s->logmap && !s->failed && !s->log_bytes)
            (void)ftruncate(s->logfd, OLOG_HDR);
        close(s->logfd);
    }
    free(s->logpath);
    pthread_mutex_destroy(&s->mu);
    pthread_mutex_destroy(&s->dbmu);
    pthread_cond_destroy(&s->space);
    free(s->ring);
    free(s->fmt);
    free(s->ord);
    free(s->path);
    free(s);
}

/* Check the file is ours (or empty: then create the schema). */
static enum pmc_err check_schema(struct pmc_store *s, int *created)
{
    int64_t appid, ver, nobj;
    *created = 0;
    if (query_i64(s->db, "PRAGMA application_id", &appid) < 0 ||
        query_i64(s->db, "PRAGMA user_version", &ver) < 0 ||
        query_i64(s->db, "SELECT count(*) FROM sqlite_master", &nobj) < 0)
        return db_err(s, s->db, "not a pmcopy store");
    if (appid != 0 && appid != PMC_STORE_APP_ID) {
        set_err(s, "not a pmcopy store (application_id %" PRId64 ")", appid);
        return PMC_EPARSE;
    }
    if (ver == 0) {
        if (nobj > 0) {
            set_err(s,
                    "not a pmcopy store (a SQLite database with %" PRId64
                    " other objects and no pmcopy schema version)",
                    nobj);
            return PMC_EPARSE;
        }
        if (s->readonly) {
            set_err(s, "empty database: not a pmcopy store");
            return PMC_EPARSE;
        }
        char sql[64];
        snprintf(sql, sizeof sql,
                 "PRAGMA application_id=%d; PRAGMA user_version=%d;",
                 PMC_STORE_APP_ID, PMC_STORE_SCHEMA);
        if (exec_sql(s->db, "BEGIN IMMEDIATE") < 0 || exec_schema(s->db) < 0 ||
            exec_sql(s->db, sql) < 0 || exec_sql(s->db, "COMMIT") < 0) {
            enum pmc_err e = db_err(s, s->db, "creating the schema");
            exec_sql(s->db, "ROLLBACK");
            return e;
        }
        *created = 1;
        return PMC_OK;
    }
    if (appid != PMC_STORE_APP_ID) {
        set_err(s,
                "not a pmcopy store (application_id 0, user_version %" PRId64
                ")",
                ver);
        return PMC_EPARSE;
    }
    if (ver > PMC_STORE_SCHEMA) {
        set_err(s,
                "written by a newer pmcopy (schema version %" PRId64
                ", this build knows up to %d)",
                ver, PMC_STORE_SCHEMA);
        return PMC_ENOTSUP;
    }
    if (ver < PMC_STORE_SCHEMA && !s->readonly) {
        /* 1 -> 2: the positions view goes (computed in C since) */
        char sql[32];
        snprintf(sql, sizeof sql, "PRAGMA user_version=%d",
                 PMC_STORE_SCHEMA);
        if (exec_sql(s->db, "BEGIN IMMEDIATE") < 0 ||
            exec_sql(s->db, "DROP VIEW IF EXISTS positions") < 0 ||
            exec_sql(s->db, sql) < 0 || exec_sql(s->db, "COMMIT") < 0) {
            enum pmc_err e = db_err(s, s->db, "migrating the schema to 2");
            exec_sql(s->db, "ROLLBACK");
            return e;
        }
    }
    return PMC_OK;
}

static enum pmc_err load_info(struct pmc_store *s, struct pmc_store_info *in)
{
    int64_t v[7];
    static const char *const q[7] = {
        "SELECT count(*) FROM journal",
        "SELECT COALESCE(MAX(seq), 0) FROM journal",
        "SELECT count(*) FROM orders",
        "SELECT count(*) FROM orders WHERE status IN "
        "('submitted','acked','matched')",
        "SELECT count(*) FROM fills",
        "SELECT count(*) FROM seen",
        "SELECT count(*) FROM checkpoints",
    };
    for (int i = 0; i < 7; i++)
        if (query_i64(s->db, q[i], &v[i]) < 0)
            return db_err(s, s->db, "reading the store");
    in->journal_records = (uint64_t)v[0];
    in->last_seq = (uint64_t)v[1];
    in->orders = (uint64_t)v[2];
    in->open_orders = (uint64_t)v[3];
    in->fills = (uint64_t)v[4];
    in->seen_keys = (uint64_t)v[5];
    in->checkpoints = (uint64_t)v[6];
    return PMC_OK;
}

static enum pmc_err load_orders(struct pmc_store *s)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT coid, status, filled > 0 FROM orders",
                           -1, &st, NULL) != SQLITE_OK)
        return db_err(s, s->db, "reading orders");
    int rc;
    enum pmc_err e = PMC_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *c = (const char *)sqlite3_column_text(st, 0);
        const char *stt = (const char *)sqlite3_column_text(st, 1);
        int k = stt ? pmc_order_status_lookup(stt, strlen(stt)) : -1;
        if (!c || k < 0) {
            set_err(s, "orders: bad row (status '%s')", stt ? stt : "NULL");
            e = PMC_EPARSE;
            break;
        }
        int matched = sqlite3_column_int(st, 2) || k == PMC_OS_MATCHED ||
                      k == PMC_OS_CONFIRMED;
        if ((e = ord_add(s, c, strlen(c), k, matched)) != PMC_OK) {
            set_err(s, "orders: %s", pmc_strerror(e));
            break;
        }
    }
    if (e == PMC_OK && rc != SQLITE_DONE)
        e = db_err(s, s->db, "reading orders");
    sqlite3_finalize(st);
    return e;
}

/* The order log mapped: an append is a copy into the page cache (durable
 * across a process kill exactly like write(2), without a system call on
 * the order path). The file is allocated up front (posix_fallocate), so a
 * full disk shows as an error here, never as SIGBUS on a store. A zero
 * header ends the log; items are copied first and the first one's header
 * last, so a log cut by a kill ends before the batch or holds all of it.
 * Maps (or grows the mapping to) len bytes: 0, or the errno. */
static int log_map(struct pmc_store *s, size_t len)
{
    int rc = posix_fallocate(s->logfd, 0, (off_t)len);
    if (rc != 0)
        return rc;
    void *p = s->logmap ? mremap(s->logmap, s->logmap_len, len, MREMAP_MAYMOVE)
                        : mmap(NULL, len, PROT_READ | PROT_WRITE,
                               MAP_SHARED | MAP_POPULATE, s->logfd, 0);
    if (p == MAP_FAILED)
        return errno;
    s->logmap = p;
    s->logmap_len = len;
    return 0;
}

/* Map the emptied log (appends then copy); where the file system cannot
 * allocate or map it, appends stay writev(2). */
static void olog_map_or_write(struct pmc_store *s)
{
    if (log_map(s, OLOG_MAP) != 0) {
        s->logmap = NULL;
        s->logmap_len = 0;
    }
}

/* Open the order log beside the database (PATH-olog, mode 0600) and
 * replay into the database whatever a killed process made durable there
 * but had not committed yet: items after the last one the database has
 * (meta lsn), up to the first torn or corrupt one (a write cut short by the
 * kill: nothing after it was ever acted upon). Then empty it. */
static enum pmc_err olog_open(struct pmc_store *s)
{
    size_t pl = strlen(s->path);
    unsigned char want[OLOG_HDR];
    uint32_t a = (uint32_t)sizeof(struct pmc_record),
             b = (uint32_t)sizeof(struct item_hdr);
    memcpy(want, OLOG_MAGIC, 8);
    memcpy(want + 8, &a, 4);
    memcpy(want + 12, &b, 4);
    if (!(s->logpath = store_malloc(pl + 6))) {
        set_err(s, "order log: out of memory");
        return PMC_ENOMEM;
    }
    memcpy(s->logpath, s->path, pl);
    memcpy(s->logpath + pl, "-olog", 6);
    s->logfd = open(s->logpath, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    struct stat st;
    if (s->logfd < 0 || fstat(s->logfd, &st) < 0) {
        set_err(s, "%s: cannot open: %s", s->logpath, strerror(errno));
        return PMC_EIO;
    }
    if (st.st_size == 0) {
        if (write(s->logfd, want, OLOG_HDR) != OLOG_HDR) {
            set_err(s, "%s: write: %s", s->logpath, strerror(errno));
            return PMC_EIO;
        }
        if (!s->log_writev)
            olog_map_or_write(s);
        return PMC_OK;
    }
    size_t size = (size_t)st.st_size;
    unsigned char *buf = store_malloc(size);
    if (!buf) {
        set_err(s, "%s: out of memory (%zu bytes)", s->logpath, size);
        return PMC_ENOMEM;
    }
    if (pread(s->logfd, buf, size, 0) != (ssize_t)size) {
        set_err(s, "%s: read: %s", s->logpath, strerror(errno));
        free(buf);
        return PMC_EIO;
    }
    if (size < OLOG_HDR || memcmp(buf, want, OLOG_HDR) != 0) {
        set_err(s,
                "%s: not an order log of this build of pmcopy (move it "
                "away to open the store; it may hold its last orders)",
                s->logpath);
        free(buf);
        return PMC_EPARSE;
    }
    int64_t applied = 0;
    if (query_i64(s->db,
                  "SELECT COALESCE((SELECT v FROM meta WHERE k = 'lsn'), 0)",
                  &applied) < 0) {
        free(buf);
        return db_err(s, s->db, "reading the store");
    }
    uint64_t top = (uint64_t)applied, last = 0;
    long n = 0;
    if (step_done(s->st[ST_BEGIN]) < 0) {
        free(buf);
        return db_err(s, s->db, "begin");
    }
    size_t pos = OLOG_HDR;
    while (pos + sizeof(struct item_hdr) <= size) {
        struct item_hdr hd, z;
        memcpy(&hd, buf + pos, sizeof hd);
        if (hd.type == 0)
            break; /* the end of a mapped log */
        if (hd.len > size - pos - sizeof hd)
            break; /* torn: cut short by the kill */
        z = hd;
        z.crc = 0;
        uLong c = crc32(0L, (const Bytef *)&z, sizeof z);
        if ((uint32_t)crc32(c, buf + pos + sizeof hd, hd.len) != hd.crc)
            break;
        if (hd.lsn > (uint64_t)applied) {
            int rc = apply_item(s, &hd, buf + pos + sizeof hd);
            if (rc < 0) {
                if (rc == -1)
                    db_err(s, s->db, "replaying the order log");
                step_done(s->st[ST_ROLLBACK]);
                free(buf);
                return PMC_EIO;
            }
            last = hd.lsn;
            n++;
        }
        if (hd.lsn > top)
            top = hd.lsn;
        pos += sizeof hd + hd.len;
    }
    free(buf);
    if ((last && put_lsn(s, last) < 0) || step_done(s->st[ST_COMMIT]) < 0) {
        step_done(s->st[ST_ROLLBACK]);
        return db_err(s, s->db, "replaying the order log");
    }
    s->lsn = top;
    s->stats.recovered = (uint64_t)n;
    if (ftruncate(s->logfd, OLOG_HDR) < 0) {
        set_err(s, "%s: truncate: %s", s->logpath, strerror(errno));
        return PMC_EIO;
    }
    if (!s->log_writev)
        olog_map_or_write(s);
    return PMC_OK;
}

enum pmc_err pmc_store_open(const char *path, const struct pmc_store_opts *opts,
                            struct pmc_store **out, struct pmc_store_info *info,
                            char *err, size_t cap)
{
    static const struct pmc_store_opts defaults = {0};
    if (!opts)
        opts = &defaults;
    *out = NULL;
    if (err && cap)
        err[0] = '\0';
    pthread_once(&fault_env_once, fault_from_env);
    struct pmc_store *s = store_calloc(1, sizeof *s);
    size_t pathlen = strlen(path);
    if (s && (s->path = store_malloc(pathlen + 1)))
        memcpy(s->path, path, pathlen + 1);
    if (!s || !s->path) {
        free(s);
        if (err)
            snprintf(err, cap, "%s: out of memory", path);
        return PMC_ENOMEM;
    }
    s->logfd = -1;
    pthread_mutex_init(&s->mu, NULL);
    pthread_mutex_init(&s->dbmu, NULL);
    pthread_cond_init(&s->space, NULL);
    s->readonly = opts->readonly;
    s->log_writev = opts->log_writev;
    s->interval_us = opts->writer_interval_us ? opts->writer_interval_us
                                              : DEFAULT_INTERVAL_US;
    size_t rb = opts->ring_bytes ? opts->ring_bytes : DEFAULT_RING;
    if (rb < MIN_RING)
        rb = MIN_RING;
    s->cap = align8(rb);
    enum pmc_err e = PMC_OK;
    struct pmc_store_info in = {0};

    struct stat sb;
    int exists = stat(path, &sb) == 0;
    if (!exists && (opts->readonly || opts->no_create)) {
        set_err(s, "cannot open: %s", strerror(errno));
        e = PMC_EIO;
        goto fail;
    }
    if (exists && !S_ISREG(sb.st_mode)) {
        set_err(s, "not a regular file");
        e = PMC_EIO;
        goto fail;
    }
    int flags = SQLITE_OPEN_NOMUTEX;
    if (opts->readonly && access(path, W_OK) != 0)
        flags |= SQLITE_OPEN_READONLY;
    else
        flags |= SQLITE_OPEN_READWRITE |
                 (opts->readonly || opts->no_create ? 0 : SQLITE_OPEN_CREATE);
    s->rw_flags = flags;
    if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
        if (s->db) {
            e = db_err(s, s->db, "cannot open");
        } else {
            set_err(s, "cannot open: out of memory");
            e = PMC_ENOMEM;
        }
        goto fail;
    }
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, 5000);
    if (!opts->readonly) {
        /* WAL must be set outside a transaction; it also is the first read
         * of the file, so a foreign file fails here. */
        sqlite3_stmt *st;
        const char *mode = NULL;
        if (sqlite3_prepare_v2(s->db, "PRAGMA journal_mode=WAL", -1, &st,
                               NULL) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            mode = (const char *)sqlite3_column_text(st, 0);
        int walok = mode && !strcmp(mode, "wal");
        if (!mode) {
            sqlite3_finalize(st);
            e = db_err(s, s->db, "not a pmcopy store");
            goto fail;
        }
        sqlite3_finalize(st);
        if (!walok) {
            set_err(s, "cannot switch to WAL mode");
            e = PMC_EIO;
            goto fail;
        }
        if (exec_sql(s->db, "PRAGMA synchronous=NORMAL") < 0 ||
            exec_sql(s->db, "PRAGMA wal_autocheckpoint=0") < 0 ||
            exec_sql(s->db, "PRAGMA foreign_keys=OFF") < 0) {
            e = db_err(s, s->db, "setting pragmas");
            goto fail;
        }
    }
    if ((e = check_schema(s, &in.created)) != PMC_OK)
        goto fail;
    if (!opts->readonly) {
        if (exec_sql(s->db, "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY "
                            "KEY, v INTEGER NOT NULL) WITHOUT ROWID") < 0) {
            e = db_err(s, s->db, "creating the meta table");
            goto fail;
        }
        for (int i = 0; i < ST_COUNT; i++)
            if (sqlite3_prepare_v3(s->db, stmt_sql[i], -1,
                                   SQLITE_PREPARE_PERSISTENT, &s->st[i],
                                   NULL) != SQLITE_OK) {
                e = db_err(s, s->db, "preparing statements");
                goto fail;
            }
        s->ring = store_malloc(s->cap);
        s->fmt = store_malloc(PMC_TAPE_LINE_MAX + 2);
        if (!s->ring || !s->fmt) {
            set_err(s, "out of memory (a ring of %zu bytes)", s->cap);
            e = PMC_ENOMEM;
            goto fail;
        }
        /* touched now, not page by page on the order path */
        memset(s->ring, 0, s->cap);
        /* what a killed process made durable but not yet committed */
        if ((e = olog_open(s)) != PMC_OK)
            goto fail;
    }
    if ((e = load_info(s, &in)) != PMC_OK)
        goto fail;
    s->seq = in.last_seq;
    s->stats.journal_seq = s->seq;
    s->stats.ring_bytes = s->cap;
    if (!opts->readonly) {
        if ((e = load_orders(s)) != PMC_OK)
            goto fail;
        sqlite3_wal_hook(s->db, wal_hook, s);
        if (pthread_create(&s->writer, NULL, writer_main, s) != 0) {
            set_err(s, "cannot start the writer thread");
            e = PMC_EIO;
            goto fail;
        }
        s->writer_started = 1;
    }
    if (info)
        *info = in;
    *out = s;
    return PMC_OK;
fail:
    if (err)
        snprintf(err, cap, "%s", s->err[0] ? s->err : path);
    store_free(s);
    return e;
}

enum pmc_err pmc_store_close(struct pmc_store *s)
{
    if (!s)
        return PMC_OK;
    enum pmc_err e = PMC_OK;
    if (s->writer_started) {
        pthread_mutex_lock(&s->mu);
        s->stop = 1;
        pthread_mutex_unlock(&s->mu);
        pthread_join(s->writer, NULL);
        pthread_mutex_lock(&s->dbmu);
        if (drain(s, 0) < 0)
            e = PMC_EIO;
        pthread_mutex_unlock(&s->dbmu);
        if (s->failed)
            e = PMC_EIO;
    }
    store_free(s);
    return e;
}

void pmc_store_stats(struct pmc_store *s, struct pmc_store_stats *st)
{
    pthread_mutex_lock(&s->mu);
    *st = s->stats;
    pthread_mutex_unlock(&s->mu);
}

/* ---- producer API -------------------------------------------------------- */

enum pmc_err pmc_store_journal(struct pmc_store *s,
                               const struct pmc_record *rec, uint64_t *seq)
{
    if (rec->kind == PMC_K_ORDER) {
        /* the key list points into engine memory: format it now */
        char buf[PMC_TAPE_LINE_MAX + 2];
        size_t n = pmc_tape_format(rec, buf, sizeof buf);
        if (n == 0) {
            set_err(s, "journal: the order %s cannot be formatted as a tape "
                       "line (over %d bytes)",
                    rec->u.order.coid.s, PMC_TAPE_LINE_MAX);
            return PMC_ERANGE;
        }
        struct line_item li = {rec->t, (uint32_t)(n - 1)};
        struct part p = {buf, n - 1};
        return ring_put(s, IT_LINE, &li, sizeof li, &p, 1, seq, 1);
    }
    return ring_put(s, IT_REC, rec, sizeof *rec, NULL, 0, seq, 1);
}

enum pmc_err pmc_store_journal_line(struct pmc_store *s, const char *line,
                                    size_t n, uint64_t *seq)
{
    if (n == 0 || n > PMC_TAPE_LINE_MAX) {
        set_err(s, "journal line: %zu bytes (1..%d)", n, PMC_TAPE_LINE_MAX);
        return PMC_ERANGE;
    }
    struct pmc_record r;
    struct pmc_tape_err te;
    int has = 0;
    enum pmc_err e = pmc_tape_parse(line, n, &r, &has, &te);
    if (e != PMC_OK) {
        set_err(s, "journal line: %s", te.msg);
        return e;
    }
    if (!has) {
        set_err(s, "journal line: not a record (a comment or blank line)");
        return PMC_EPARSE;
    }
    struct line_item li = {r.t, (uint32_t)n};
    struct part p = {line, n};
    return ring_put(s, IT_LINE, &li, sizeof li, &p, 1, seq, 1);
}

enum pmc_err pmc_store_seen(struct pmc_store *s, const char *key, pmc_ms t)
{
    size_t n = strlen(key);
    if (n == 0 || n > PMC_SYM_MAX) {
        set_err(s, "seen: a key of %zu bytes (1..%d)", n, PMC_SYM_MAX);
        return PMC_ERANGE;
    }
    struct seen_item k = {t, (uint32_t)n};
    struct part p = {key, n};
    return ring_put(s, IT_SEEN, &k, sizeof k, &p, 1, NULL, 0);
}

enum pmc_err pmc_store_checkpoint(struct pmc_store *s, const char *watcher,
                                  const char *value, pmc_ms t)
{
    size_t wn = strlen(watcher), vn = strlen(value);
    if (wn == 0 || wn > PMC_SYM_MAX || vn > PMC_STORE_CKPT_MAX) {
        set_err(s,
                "checkpoint: watcher name of %zu bytes (1..%d) or value of "
                "%zu bytes (up to %d)",
                wn, PMC_SYM_MAX, vn, PMC_STORE_CKPT_MAX);
        return PMC_ERANGE;
    }
    struct ckpt_item k = {t, (uint32_t)wn, (uint32_t)vn};
    struct part p[2] = {{watcher, wn}, {value, vn}};
    return ring_put(s, IT_CKPT, &k, sizeof k, p, 2, NULL, 0);
}

enum pmc_err pmc_store_mark(struct pmc_store *s, const char *token,
                            pmc_micros px, int resolved, pmc_ms t)
{
    size_t n = strlen(token);
    if (n == 0 || n > PMC_SYM_MAX || px < 0) {
        set_err(s, "mark: token of %zu bytes (1..%d) or price %" PRId64
                   " below 0",
                n, PMC_SYM_MAX, px);
        return PMC_ERANGE;
    }
    struct mark_item m = {t, px, resolved ? 1 : 0, (uint32_t)n};
    struct part p = {token, n};
    return ring_put(s, IT_MARK, &m, sizeof m, &p, 1, NULL, 0);
}

/* An order-log append failed: nothing after it may be sent. mu held. */
static void log_fail(struct pmc_store *s)
{
    s->failed = 1;
    s->stats.failed = 1;
    pthread_cond_broadcast(&s->space);
}

static enum pmc_err log_write_map(struct pmc_store *s, const struct iovec *iov,
                                  int niov, size_t want)
{
    size_t off = OLOG_HDR + (size_t)s->log_bytes;
    size_t end = off + want + sizeof(struct item_hdr);
    if (end > s->logmap_len) {
        size_t len = s->logmap_len * 2;
        while (len < end)
            len *= 2;
        int rc = fault_hit(PMC_STORE_FAULT_GROW, ENOSPC);
        const char *inj = rc ? " (injected)" : "";
        if (!rc)
            rc = log_map(s, len);
        if (rc != 0) {
            set_err_locked(s, "%s: cannot grow to %zu bytes: %s%s",
                           s->logpath, len, strerror(rc), inj);
            log_fail(s);
            return PMC_EIO;
        }
    }
    unsigned char *base = s->logmap + off, *p = base;
    memset(base + want, 0, sizeof(struct item_hdr)); /* the new end */
    for (int i = 0; i < niov; i++) {
        size_t skip = i == 0 ? sizeof(struct item_hdr) : 0;
        memcpy(p + skip, (const unsigned char *)iov[i].iov_base + skip,
               iov[i].iov_len - skip);
        p += iov[i].iov_len;
    }
    /* a kill is a signal: order the stores as the program wrote them */
    atomic_signal_fence(memory_order_release);
    memcpy(base, iov[0].iov_base, sizeof(struct item_hdr));
    s->log_bytes += want;
    return PMC_OK;
}

/* Append every ring item not yet in the order log to it (one writev per
 * 64 items). mu held; called by the producer, the only thread that adds
 * items, so [logged, tail) cannot change meanwhile. A short or failed write
 * fails the store: nothing after it may be sent. */
static enum pmc_err log_write_map(struct pmc_store *s, const struct iovec *iov,
                                  int niov, size_t want);

static enum pmc_err log_append(struct pmc_store *s)
{
    if (s->logfd < 0)
        return PMC_OK;
    uint64_t pos = s->logged > s->head ? s->logged : s->head, t = s->tail;
    struct iovec iov[64];
    int niov = 0;
    size_t want = 0;
    while (pos < t || niov) {
        if (pos < t) {
            size_t off = (size_t)(pos % s->cap);
            if (s->cap - off < sizeof(struct item_hdr)) {
                pos += s->cap - off;
                continue;
            }
            struct item_hdr hd;
            memcpy(&hd, s->ring + off, sizeof hd);
            if (hd.type == IT_WRAP) {
                pos += s->cap - off;
                continue;
            }
            iov[niov].iov_base = s->ring + off;
            iov[niov].iov_len = sizeof hd + hd.len;
            want += iov[niov].iov_len;
            niov++;
            pos += align8(sizeof hd + hd.len);
            if (niov < 64 && pos < t)
                continue;
        }
        int f = fault_hit(PMC_STORE_FAULT_OLOG, EIO);
        if (f) {
            set_err_locked(s, "%s: write: %s (injected)", s->logpath,
                           strerror(f));
            log_fail(s);
            return PMC_EIO;
        }
        if (s->logmap) {
            if (log_write_map(s, iov, niov, want) != PMC_OK)
                return PMC_EIO;
            niov = 0;
            want = 0;
            continue;
        }
        ssize_t w = writev(s->logfd, iov, niov);
        if (w < 0 || (size_t)w != want) {
            set_err_locked(s, "%s: write: %s", s->logpath,
                           w < 0 ? strerror(errno) : "short write");
            log_fail(s);
            return PMC_EIO;
        }
        s->log_bytes += want;
        niov = 0;
        want = 0;
    }
    s->logged = t;
    return PMC_OK;
}

enum pmc_err pmc_store_sync(struct pmc_store *s)
{
    if (s->readonly) {
        set_err(s, "sync: the store is open read-only");
        return PMC_ESTATE;
    }
    pthread_mutex_lock(&s->dbmu);
    long n = drain(s, 1);
    pthread_mutex_unlock(&s->dbmu);
    return n < 0 ? PMC_EIO : PMC_OK;
}

/* ---- orders ----------------------------------------------------------------
 */

static size_t slen_max(const char *p, size_t max)
{
    return p ? strnlen(p, max + 1) : 0;
}

enum pmc_err pmc_store_order_new(struct pmc_store *s,
                                 const struct pmc_store_order *o)
{
    if (s->readonly) {
        set_err(s, "order_new: the store is open read-only");
        return PMC_ESTATE;
    }
    if (s->failed)
        return PMC_EIO; /* the message names the failure */
    if (!o->coid || !o->token) {
        set_err(s, "order_new: no %s", o->coid ? "token" : "client order id");
        return PMC_EUSAGE;
    }
    size_t cn = slen_max(o->coid, PMC_SYM_MAX);
    if (cn == 0 || cn > PMC_SYM_MAX ||
        slen_max(o->token, PMC_SYM_MAX) > PMC_SYM_MAX ||
        slen_max(o->order_hash, PMC_SYM_MAX) > PMC_SYM_MAX || o->px <= 0 ||
        o->sz <= 0) {
        set_err(s,
                "order_new: order '%.*s': client order id, token or hash "
                "over %d bytes, or price %" PRId64 " / size %" PRId64
                " not above 0",
                (int)(cn > PMC_SYM_MAX ? PMC_SYM_MAX : cn), o->coid,
                PMC_SYM_MAX, o->px, o->sz);
        return PMC_ERANGE;
    }
    size_t tn = 0;
    for (size_t i = 0; i < o->nsrc; i++) {
        if (!o->src[i].trader) {
            set_err(s, "order_new: order %s: source %zu has no trader",
                    o->coid, i);
            return PMC_EUSAGE;
        }
        size_t l = slen_max(o->src[i].trader, PMC_SYM_MAX);
        if (l == 0 || l > PMC_SYM_MAX || o->src[i].share < 0 ||
            o->src[i].share > PMC_MICRO) {
            set_err(s,
                    "order_new: order %s: source %zu: trader of %zu bytes "
                    "(1..%d) or share %" PRId64 " outside 0..1000000",
                    o->coid, i, l, PMC_SYM_MAX, o->src[i].share);
            return PMC_ERANGE;
        }
        tn += l + 1;
    }
    if (tn + 1 > SRC_TEXT_MAX) {
        set_err(s, "order_new: order %s: source traders' list over %d bytes",
                o->coid, SRC_TEXT_MAX);
        return PMC_ERANGE;
    }
    if (ord_find(s, o->coid, cn)) {
        set_err(s, "order_new: order %s is already known", o->coid);
        return PMC_ESTATE;
    }
    /* room in the index first: a commit must not be followed by ENOMEM */
    enum pmc_err e = ord_add(s, o->coid, cn, PMC_OS_SUBMITTED, 0);
    if (e != PMC_OK) {
        set_err(s, "order_new: order %s: the order index cannot grow: %s",
                o->coid, pmc_strerror(e));
        return e;
    }
    /* the order's row goes through the ring like everything else; then
     * the ring up to and including it is appended to the order log, which
     * makes it durable before the caller sends the order */
    char traders[SRC_TEXT_MAX];
    size_t trn = 0;
    for (size_t i = 0; i < o->nsrc; i++) {
        size_t l = strlen(o->src[i].trader);
        if (trn)
            traders[trn++] = ',';
        memcpy(traders + trn, o->src[i].trader, l);
        trn += l;
    }
    struct order_item it;
    memset(&it, 0, sizeof it);
    it.px = o->px;
    it.sz = o->sz;
    it.ts_source = o->ts_source;
    it.ts_recv = o->ts_recv;
    it.ts_decided = o->ts_decided;
    it.ts_submitted = o->ts_submitted;
    it.side = (int32_t)o->side;
    it.tif = (int32_t)o->tif;
    it.has_body = o->signed_body != NULL;
    it.has_hash = o->order_hash != NULL;
    it.clen = (uint32_t)cn;
    it.tlen = (uint32_t)strlen(o->token);
    it.klen = (uint32_t)(o->keys ? strlen(o->keys) : 0);
    it.trlen = (uint32_t)trn;
    it.blen = (uint32_t)(o->signed_body ? strlen(o->signed_body) : 0);
    it.hlen = (uint32_t)(o->order_hash ? strlen(o->order_hash) : 0);
    pthread_mutex_lock(&s->mu);
    it.seq = s->seq;
    pthread_mutex_unlock(&s->mu);
    struct part parts[6] = {
        {o->coid, cn},  {o->token, it.tlen},       {o->keys, it.klen},
        {traders, trn}, {o->signed_body, it.blen}, {o->order_hash, it.hlen}};
    e = ring_put(s, IT_ORDER, &it, sizeof it, parts, 6, NULL, 0);
    if (e == PMC_OK) {
        pthread_mutex_lock(&s->mu);
        e = log_append(s);
        s->stats.sync_commits++;
        pthread_mutex_unlock(&s->mu);
    }
    if (e != PMC_OK) {
        ord_find(s, o->coid, cn)->status = PMC_OS_FAILED;
        return e == PMC_ERANGE ? PMC_ERANGE : PMC_EIO;
    }
    /* the order's traders and their statistics follow asynchronously */
    pmc_micros notional = pmc_mul(o->px, o->sz);
    for (size_t i = 0; i < o->nsrc; i++) {
        struct osrc_item k = {o->src[i].share, notional, o->ts_decided,
                              (uint32_t)cn, (uint32_t)strlen(o->src[i].trader)};
        struct part p[2] = {{o->coid, cn}, {o->src[i].trader, k.tlen}};
        PMC_TRY(ring_put(s, IT_OSRC, &k, sizeof k, p, 2, NULL, 0));
    }
    return PMC_OK;
}

int pmc_store_order_known(const struct pmc_store *s, const char *coid,
                          enum pmc_order_status *st)
{
    const struct oslot *o = ord_find(s, coid, strlen(coid));
    if (!o)
        return 0;
    if (st)
        *st = (enum pmc_order_status)o->status;
    return 1;
}

static enum pmc_err queue_upd(struct pmc_store *s, struct oslot *o,
                              enum pmc_order_status st, const char *venue_id,
                              const char *error, pmc_ms t)
{
    size_t cn = strlen(o->coid);
    size_t vn = slen_max(venue_id, PMC_STORE_TEXT_MAX);
    size_t en = slen_max(error, PMC_STORE_TEXT_MAX);
    if (vn > PMC_STORE_TEXT_MAX)
        vn = PMC_STORE_TEXT_MAX;
    if (en > PMC_STORE_TEXT_MAX)
        en = PMC_STORE_TEXT_MAX;
    struct upd_item u = {0};
    u.t = t;
    u.status = st;
    u.succ = st == PMC_OS_MATCHED && !o->matched;
    u.fail = st == PMC_OS_REJECTED || st == PMC_OS_FAILED;
    u.terminal = pmc_order_status_terminal(st);
    u.clen = (uint32_t)cn;
    u.vlen = (uint32_t)vn;
    u.elen = (uint32_t)en;
    u.has_v = venue_id != NULL;
    u.has_e = error != NULL;
    struct part p[3] = {{o->coid, cn}, {venue_id, vn}, {error, en}};
    enum pmc_err e = ring_put(s, IT_UPD, &u, sizeof u, p, 3, NULL, 0);
    if (e == PMC_OK) {
        o->status = (uint8_t)st;
        if (st == PMC_OS_MATCHED)
            o->matched = 1;
    }
    return e;
}

enum pmc_err pmc_store_order_update(struct pmc_store *s, const char *coid,
                                    enum pmc_order_status st,
                                    const char *venue_id, const char *error,
                                    pmc_ms t)
{
    if (s->failed)
        return PMC_EIO; /* the message names the failure */
    struct oslot *o = ord_find(s, coid, strlen(coid));
    if (!o) {
        set_err(s, "order_update: unknown order '%s'", coid);
        return PMC_ENOTFOUND;
    }
    if (!pmc_order_status_can((enum pmc_order_status)o->status, st)) {
        set_err(s, "order_update: order %s: %s -> %s is not a legal transition",
                coid, pmc_order_status_name((enum pmc_order_status)o->status),
                pmc_order_status_name(st));
        return PMC_ESTATE;
    }
    return queue_upd(s, o, st, venue_id, error, t);
}

enum pmc_err pmc_store_fill(struct pmc_store *s, const char *coid,
                            const char *trade_id, pmc_micros sz, pmc_micros px,
                            pmc_micros fee, pmc_ms t)
{
    if (s->failed)
        return PMC_EIO; /* the message names the failure */
    struct oslot *o = ord_find(s, coid, strlen(coid));
    if (!o) {
        set_err(s, "fill: unknown order '%s'", coid);
        return PMC_ENOTFOUND;
    }
    if (sz <= 0 || px <= 0 || fee < 0) {
        set_err(s,
                "fill: order %s: size %" PRId64 " or price %" PRId64
                " not above 0, or fee %" PRId64 " below 0",
                coid, sz, px, fee);
        return PMC_ERANGE;
    }
    size_t tn = slen_max(trade_id, PMC_SYM_MAX);
    if (tn > PMC_SYM_MAX) {
        set_err(s, "fill: order %s: trade id over %d bytes", coid,
                PMC_SYM_MAX);
        return PMC_ERANGE;
    }
    enum pmc_order_status cur = (enum pmc_order_status)o->status;
    if (cur != PMC_OS_SUBMITTED && cur != PMC_OS_ACKED &&
        cur != PMC_OS_MATCHED) {
        set_err(s, "fill: order %s is %s: no fill is accepted", coid,
                pmc_order_status_name(cur));
        return PMC_ESTATE;
    }
    if (cur != PMC_OS_MATCHED) {
        enum pmc_err e = queue_upd(s, o, PMC_OS_MATCHED, NULL, NULL, t);
        if (e != PMC_OK)
            return e;
    }
    size_t cn = strlen(o->coid);
    struct fill_item f = {t,   sz,           px,           pmc_mul(sz, px),
                          fee, (uint32_t)cn, (uint32_t)tn, trade_id != NULL};
    struct part p[2] = {{o->coid, cn}, {trade_id, tn}};
    return ring_put(s, IT_FILL, &f, sizeof f, p, 2, NULL, 0);
}

/* ---- reading
 * ----------------------------------------------------------------- */

static int64_t col_i64(sqlite3_stmt *st, int i)
{
    return sqlite3_column_int64(st, i);
}

static const char *col_text(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

/* Run a prepared query row by row under dbmu. */
static enum pmc_err each_row(struct pmc_store *s, sqlite3_stmt *st,
                             int (*row)(void *ctx, sqlite3_stmt *st), void *ctx)
{
    int rc;
    enum pmc_err e = PMC_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (row(ctx, st))
            break;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        e = db_err(s, s->db, "reading");
    sqlite3_finalize(st);
    return e == PMC_EPARSE ? PMC_EIO : e;
}

static enum pmc_err prepare(struct pmc_store *s, const char *sql,
                            sqlite3_stmt **st)
{
    if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK) {
        db_err(s, s->db, "reading");
        return PMC_EIO;
    }
    return PMC_OK;
}

struct order_walk {
    pmc_store_order_fn fn;
    void *ctx;
};

static int order_row(void *ctx, sqlite3_stmt *st)
{
    struct order_walk *w = ctx;
    struct pmc_store_order_row r;
    memset(&r, 0, sizeof r);
    r.coid = col_text(st, 0);
    r.token = col_text(st, 1);
    const char *side = col_text(st, 2);
    r.side = side && !strcmp(side, "SELL") ? PMC_SELL : PMC_BUY;
    r.px = col_i64(st, 3);
    r.sz = col_i64(st, 4);
    const char *tif = col_text(st, 5);
    for (int i = 0; i <= PMC_TIF_GTD; i++)
        if (tif && !strcmp(tif, pmc_tif_name((enum pmc_tif)i)))
            r.tif = (enum pmc_tif)i;
    r.keys = col_text(st, 6);
    r.traders = col_text(st, 7);
    r.signed_body = col_text(st, 8);
    r.order_hash = col_text(st, 9);
    r.venue_id = col_text(st, 10);
    const char *ss = col_text(st, 11);
    int k = ss ? pmc_order_status_lookup(ss, strlen(ss)) : -1;
    r.status = k < 0 ? PMC_OS_FAILED : (enum pmc_order_status)k;
    r.filled = col_i64(st, 12);
    r.filled_cost = col_i64(st, 13);
    r.avg_px = col_i64(st, 14);
    r.fees = col_i64(st, 15);
    r.nfills = col_i64(st, 16);
    r.error = col_text(st, 17);
    r.ts_source = col_i64(st, 18);
    r.ts_recv = col_i64(st, 19);
    r.ts_decided = col_i64(st, 20);
    r.ts_submitted = col_i64(st, 21);
    r.ts_acked = col_i64(st, 22);
    r.ts_filled = col_i64(st, 23);
    r.ts_done = col_i64(st, 24);
    r.paper = r.signed_body == NULL;
    if (!r.coid)
        r.coid = "";
    if (!r.token)
        r.token = "";
    if (!r.keys)
        r.keys = "";
    if (!r.traders)
        r.traders = "";
    return w->fn(w->ctx, &r);
}

enum pmc_err pmc_store_orders_each(struct pmc_store *s,
                                   const struct pmc_store_filter *f,
                                   pmc_store_order_fn fn, void *ctx)
{
    static const struct pmc_store_filter all = {0, 0, NULL, NULL, -1, 0};
    if (!f)
        f = &all;
    char sql[1024];
    snprintf(sql, sizeof sql,
             "SELECT coid, token, side, px, sz, tif, keys, traders, "
             "signed_body, order_hash, venue_id, status, filled, filled_cost, "
             "avg_px, fees, nfills, error, ts_source, ts_recv, ts_decided, "
             "ts_submitted, ts_acked, ts_filled, ts_done FROM orders o "
             "WHERE (?1 = 0 OR ts_decided >= ?1) "
             "AND (?2 = 0 OR ts_decided < ?2) "
             "AND (?3 IS NULL OR token = ?3) "
             "AND (?4 IS NULL OR EXISTS (SELECT 1 FROM order_traders x "
             "WHERE x.coid = o.coid AND x.trader = ?4)) "
             "AND (?5 IS NULL OR status = ?5) %s "
             "ORDER BY ts_decided, journal_seq, coid",
             f->open_only ? "AND status IN ('submitted','acked','matched')"
                          : "");
    pthread_mutex_lock(&s->dbmu);
    sqlite3_stmt *st;
    enum pmc_err e = prepare(s, sql, &st);
    if (e == PMC_OK) {
        sqlite3_bind_int64(st, 1, f->since);
        sqlite3_bind_int64(st, 2, f->until);
        bind_opt(st, 3, f->token);
        bind_opt(st, 4, f->trader);
        if (f->status >= 0 && f->status < PMC_OS_COUNT)
            sqlite3_bind_text(
                st, 5, pmc_order_status_name((enum pmc_order_status)f->status),
                -1, SQLITE_STATIC);
        struct order_walk w = {fn, ctx};
        e = each_row(s, st, order_row, &w);
    }
    pthread_mutex_unlock(&s->dbmu);
    return e;
}

struct fill_walk {
    pmc_store_fill_fn fn;
    void *ctx;
};

static int fill_row(void *ctx, sqlite3_stmt *st)
{
    struct fill_walk *w = ctx;
    struct pmc_store_fill_row r;
    r.coid = col_text(st, 0);
    r.trade_id = col_text(st, 1);
    r.token = col_text(st, 2);
    const char *side = col_text(st, 3);
    r.side = side && !strcmp(side, "SELL") ? PMC_SELL : PMC_BUY;
    r.sz = col_i64(st, 4);
    r.px = col_i64(st, 5);
    r.cost = col_i64(st, 6);
    r.fee = col_i64(st, 7);
    r.t = col_i64(st, 8);
    if (!r.coid)
        r.coid = "";
    if (!r.token)
        r.token = "";
    return w->fn(w->ctx, &r);
}

enum pmc_err pmc_store_fills_each(struct pmc_store *s, const char *coid,
                                  pmc_store_fill_fn fn, void *ctx)
{
    pthread_mutex_lock(&s->dbmu);
    sqlite3_stmt *st;
    enum pmc_err e =
        prepare(s,
                "SELECT f.coid, f.trade_id, o.token, o.side, f.sz, f.px, "
                "f.cost, f.fee, f.t FROM fills f JOIN orders o "
                "ON o.coid = f.coid WHERE ?1 IS NULL OR f.coid = ?1 "
                "ORDER BY f.t, f.id",
                &st);
    if (e == PMC_OK) {
        bind_opt(st, 1, coid);
        struct fill_walk w = {fn, ctx};
        e = each_row(s, st, fill_row, &w);
    }
    pthread_mutex_unlock(&s->dbmu);
    return e;
}

/* Positions: average cost over our fills, per token in fill order
 * (t, id), with the engine's arithmetic (core/engine.c on_exec): a buy adds
 * its cost (sz x px, floored) and fee to the basis; a sell of q of S held
 * shares removes floor(basis x min(q, S) / S) from the basis and realises
 * its proceeds net of fee minus what it removed. Products go through
 * pmc_muldiv_floor (128-bit); sums are checked. Once resolved, realized
 * includes the payout of the shares held: floor(shares x payout) - basis. */
struct pos_acc {
    pmc_micros shares, basis, realized, bought, sold, fees;
    int64_t nfills;
};

/* One fill into the position: 0, or -1 when a sum leaves 64 bits. */
static int pos_apply(struct pos_acc *a, int sell, pmc_micros sz,
                     pmc_micros cost, pmc_micros fee)
{
    int ovf = 0;
    if (!sell) {
        ovf |= __builtin_add_overflow(a->shares, sz, &a->shares);
        ovf |= __builtin_add_overflow(a->basis, cost, &a->basis);
        ovf |= __builtin_add_overflow(a->basis, fee, &a->basis);
        ovf |= __builtin_add_overflow(a->bought, cost, &a->bought);
    } else {
        pmc_micros held = a->shares, q = sz < held ? sz : held;
        pmc_micros basis = held > 0 ? pmc_muldiv_floor(a->basis, q, held) : 0;
        pmc_micros pnl;
        ovf |= __builtin_sub_overflow(cost, fee, &pnl);
        ovf |= __builtin_sub_overflow(pnl, basis, &pnl);
        ovf |= __builtin_add_overflow(a->realized, pnl, &a->realized);
        if (held > 0) {
            a->shares -= q;
            a->basis -= basis;
        }
        ovf |= __builtin_add_overflow(a->sold, cost, &a->sold);
    }
    ovf |= __builtin_add_overflow(a->fees, fee, &a->fees);
    a->nfills++;
    return ovf ? -1 : 0;
}

/* The row of one token from its fills and its mark. */
static int pos_finish(struct pmc_store_position *p, const struct pos_acc *a,
                      sqlite3_stmt *mk)
{
    const char *tok = p->token;
    memset(p, 0, sizeof *p);
    p->token = tok;
    p->shares = a->shares;
    p->cost_basis = a->basis;
    p->avg_px = a->shares > 0 ? pmc_muldiv_floor(a->basis, PMC_MICRO, a->shares)
                              : 0;
    p->realized = a->realized;
    p->bought = a->bought;
    p->sold = a->sold;
    p->fees = a->fees;
    p->nfills = a->nfills;
    sqlite3_bind_text(mk, 1, p->token, -1, SQLITE_STATIC);
    int rc = sqlite3_step(mk);
    int ovf = 0;
    if (rc == SQLITE_ROW) {
        p->has_mark = 1;
        p->mark = sqlite3_column_int64(mk, 0);
        p->mark_t = sqlite3_column_int64(mk, 1);
        p->resolved = sqlite3_column_int(mk, 2) != 0;
        pmc_micros value = pmc_muldiv_floor(a->shares, p->mark, PMC_MICRO);
        if (p->resolved) {
            pmc_micros gain;
            ovf |= __builtin_sub_overflow(value, a->basis, &gain);
            ovf |= __builtin_add_overflow(p->realized, gain, &p->realized);
        } else if (a->shares) {
            ovf |= __builtin_sub_overflow(value, a->basis, &p->unrealized);
        }
    }
    sqlite3_reset(mk);
    sqlite3_clear_bindings(mk);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return -2;
    return ovf ? -1 : 0;
}

enum pmc_err pmc_store_positions_each(struct pmc_store *s,
                                      pmc_store_position_fn fn, void *ctx)
{
    pthread_mutex_lock(&s->dbmu);
    sqlite3_stmt *st = NULL, *mk = NULL;
    enum pmc_err e = prepare(s,
                             "SELECT o.token, o.side = 'SELL', f.sz, f.cost, "
                             "f.fee FROM fills f JOIN orders o "
                             "ON o.coid = f.coid ORDER BY o.token, f.t, f.id",
                             &st);
    if (e == PMC_OK)
        e = prepare(s, "SELECT px, t, resolved FROM marks WHERE token = ?1",
                    &mk);
    char tok[PMC_SYM_MAX + 1] = "";
    struct pos_acc a;
    memset(&a, 0, sizeof a);
    int rc = SQLITE_DONE, have = 0, stop = 0;
    const char *bad = NULL;
    while (e == PMC_OK && !stop) {
        rc = sqlite3_step(st);
        const char *t = NULL;
        if (rc == SQLITE_ROW) {
            t = (const char *)sqlite3_column_text(st, 0);
            t = t ? t : "";
        } else if (rc != SQLITE_DONE) {
            db_err(s, s->db, "reading positions");
            e = PMC_EIO;
            break;
        }
        if (have && (rc == SQLITE_DONE || strcmp(t, tok) != 0)) {
            struct pmc_store_position p;
            p.token = tok;
            int k = pos_finish(&p, &a, mk);
            if (k == -2) {
                db_err(s, s->db, "reading marks");
                e = PMC_EIO;
                break;
            }
            if (k < 0) {
                bad = "the payout or mark value";
                e = PMC_ERANGE;
                break;
            }
            stop = fn(ctx, &p) != 0;
            have = 0;
        }
        if (rc == SQLITE_DONE || stop)
            break;
        if (!have) {
            snprintf(tok, sizeof tok, "%s", t);
            memset(&a, 0, sizeof a);
            have = 1;
        }
        if (pos_apply(&a, sqlite3_column_int(st, 1), sqlite3_column_int64(st, 2),
                      sqlite3_column_int64(st, 3),
                      sqlite3_column_int64(st, 4)) < 0) {
            bad = "a fill";
            e = PMC_ERANGE;
            break;
        }
    }
    if (bad)
        set_err(s, "positions: token %s: %s takes a sum past 64 bits", tok,
                bad);
    sqlite3_finalize(st);
    sqlite3_finalize(mk);
    pthread_mutex_unlock(&s->dbmu);
    return e;
}

struct trader_walk {
    pmc_store_trader_fn fn;
    void *ctx;
    pmc_ms day;
};

static int trader_row(void *ctx, sqlite3_stmt *st)
{
    struct trader_walk *w = ctx;
    struct pmc_store_trader t;
    t.trader = col_text(st, 0);
    int stale = col_i64(st, 1) < w->day;
    t.notional_today = stale ? 0 : col_i64(st, 2);
    t.notional_total = col_i64(st, 3);
    t.trades_today = stale ? 0 : col_i64(st, 4);
    t.trades_total = col_i64(st, 5);
    t.successes = col_i64(st, 6);
    t.failures = col_i64(st, 7);
    t.updated = col_i64(st, 8);
    if (!t.trader)
        t.trader = "";
    return w->fn(w->ctx, &t);
}

enum pmc_err pmc_store_traders_each(struct pmc_store *s, pmc_ms now,
                                    pmc_store_trader_fn fn, void *ctx)
{
    pthread_mutex_lock(&s->dbmu);
    sqlite3_stmt *st;
    enum pmc_err e =
        prepare(s,
                "SELECT trader, day, notional_today, notional_total, "
                "trades_today, trades_total, successes, failures, updated "
                "FROM trader_stats ORDER BY trader",
                &st);
    if (e == PMC_OK) {
        struct trader_walk w = {fn, ctx, pmc_floor_div(now, PMC_MS_PER_DAY)};
        e = each_row(s, st, trader_row, &w);
    }
    pthread_mutex_unlock(&s->dbmu);
    return e;
}

struct share_walk {
    pmc_store_share_fn fn;
    void *ctx;
};

static int share_row(void *ctx, sqlite3_stmt *st)
{
    struct share_walk *w = ctx;
    struct pmc_store_share_row r;
    r.trader = col_text(st, 0);
    r.coid = col_text(st, 1);
    r.token = col_text(st, 2);
    const char *side = col_text(st, 3);
    r.side = side && !strcmp(side, "SELL") ? PMC_SELL : PMC_BUY;
    const char *ss = col_text(st, 4);
    int k = ss ? pmc_order_status_lookup(ss, strlen(ss)) : -1;
    r.status = k < 0 ? PMC_OS_FAILED : (enum pmc_order_status)k;
    r.share = col_i64(st, 5);
    r.px = col_i64(st, 6);
    r.sz = col_i64(st, 7);
    r.filled = col_i64(st, 8);
    r.filled_cost = col_i64(st, 9);
    r.fees = col_i64(st, 10);
    r.nfills = col_i64(st, 11);
    r.ts_decided = col_i64(st, 12);
    if (!r.trader)
        r.trader = "";
    if (!r.coid)
        r.coid = "";
    if (!r.token)
        r.token = "";
    return w->fn(w->ctx, &r);
}

enum pmc_err pmc_store_shares_each(struct pmc_store *s, pmc_store_share_fn fn,
                                   void *ctx)
{
    pthread_mutex_lock(&s->dbmu);
    sqlite3_stmt *st;
    enum pmc_err e = prepare(
        s,
        "SELECT x.trader, o.coid, o.token, o.side, o.status, x.share, o.px, "
        "o.sz, o.filled, o.filled_cost, o.fees, o.nfills, o.ts_decided "
        "FROM order_traders x JOIN orders o ON o.coid = x.coid "
        "ORDER BY x.trader, o.ts_decided, o.journal_seq, o.coid",
        &st);
    if (e == PMC_OK) {
        struct share_walk w = {fn, ctx};
        e = each_row(s, st, share_row, &w);
    }
    pthread_mutex_unlock(&s->dbmu);
    return e;
}

enum pmc_err pmc_store_last_time(struct pmc_store *s, pmc_ms *t)
{
    pthread_mutex_lock(&s->dbmu);
    int64_t v = 0;
    enum pmc_err e = PMC_OK;
    if (query_i64(s->db,
                  "SELECT COALESCE((SELECT t FROM journal ORDER BY seq DESC "
                  "LIMIT 1), 0)",
                  &v) < 0) {
        db_err(s, s->db, "reading the journal");
        e = PMC_EIO;
    }
    pthread_mutex_unlock(&s->dbmu);
    *t = v;
    return e;
}

struct seen_walk {
    pmc_store_seen_fn fn;
    void *ctx;
};

static int seen_row(void *ctx, sqlite3_stmt *st)
{
    struct seen_walk *w = ctx;
    const char *k = col_text(st, 0);
    return w->fn(w->ctx, k ? k : "", col_i64(st, 1));
}

enum pmc_err pmc_store_seen_each(struct pmc_store *s, pmc_store_seen_fn fn,
                                 void *ctx)
{
    pthread_mutex_lock(&s->dbmu);
    sqlite3_stmt *st;
    enum pmc_err e = prepare(s, "SELECT key, t FROM seen ORDER BY t, key", &st);
    if (e == PMC_OK) {
        struct seen_walk w = {fn, ctx};
        e = each_row(s, st, seen_row, &w);
    }
    pthread_mutex_unlock(&s->dbmu);
    return e;
}

int pmc_store_checkpoint_get(struct pmc_store *s, const char *watcher,
                             char *buf, size_t cap, pmc_ms *t)
{
    pthread_mutex_lock(&s->dbmu);
    sqlite3_stmt *st;
    int res = -1;
    if (prepare(s, "SELECT value, t FROM checkpoints WHERE watcher = ?1",
                &st) != PMC_OK)
        goto out;
    bind_opt(st, 1, watcher);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        res = 0;
    } else if (rc == SQLITE_ROW) {
        const char *v = col_text(st, 0);
        size_t n = v ? strlen(v) : 0;
        if (n < cap) {
            memcpy(buf, v ? v : "", n);
            buf[n] = '\0';
            if (t)
                *t = col_i64(st, 1);
            res = 1;
        }
    } else {
        db_err(s, s->db, "reading checkpoints");
    }
    sqlite3_finalize(st);
out:
    pthread_mutex_unlock(&s->dbmu);
    return res;
}

struct ckpt_walk {
    pmc_store_ckpt_fn fn;
    void *ctx;
};

static int ckpt_row(void *ctx, sqlite3_stmt *st)
{
    struct ckpt_walk *w = ctx;
    const char *k = col_text(st, 0), *v = col_text(st, 1);
    return w->fn(w->ctx, k ? k : "", v ? v : "", col_i64(st, 2));
}

enum pmc_err pmc_store_checkpoints_each(struct pmc_store *s,
                                        pmc_store_ckpt_fn fn, void *ctx)
{
    pthread_mutex_lock(&s->dbmu);
    sqlite3_stmt *st;
    enum pmc_err e = prepare(
        s, "SELECT watcher, value, t FROM checkpoints ORDER BY watcher", &st);
    if (e == PMC_OK) {
        struct ckpt_walk w = {fn, ctx};
        e = each_row(s, st, ckpt_row, &w);
    }
    pthread_mutex_unlock(&s->dbmu);
    return e;
}

/* ---- journal cursor -------------------------------------------------------
 */

struct pmc_store_cursor {
    struct pmc_store *s;
    sqlite3 *db;
    sqlite3_stmt *st;
};

enum pmc_err pmc_store_cursor_open(struct pmc_store *s, uint64_t from,
                                   struct pmc_store_cursor **out)
{
    *out = NULL;
    struct pmc_store_cursor *c = store_calloc(1, sizeof *c);
    if (!c) {
        set_err(s, "journal cursor: out of memory");
        return PMC_ENOMEM;
    }
    c->s = s;
    int flags = (s->rw_flags & ~SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(s->path, &c->db, flags, NULL) != SQLITE_OK) {
        enum pmc_err e =
            c->db ? db_err(s, c->db, "journal cursor") : PMC_ENOMEM;
        sqlite3_close(c->db);
        free(c);
        return e == PMC_EPARSE ? PMC_EIO : e;
    }
    sqlite3_busy_timeout(c->db, 5000);
    if (sqlite3_prepare_v2(c->db,
                           "SELECT seq, t, line FROM journal WHERE seq >= ?1 "
                           "ORDER BY seq",
                           -1, &c->st, NULL) != SQLITE_OK) {
        db_err(s, c->db, "journal cursor");
        sqlite3_close(c->db);
        free(c);
        return PMC_EIO;
    }
    sqlite3_bind_int64(c->st, 1, (sqlite3_int64)from);
    *out = c;
    return PMC_OK;
}

int pmc_store_cursor_next(struct pmc_store_cursor *c, uint64_t *seq, pmc_ms *t,
                          const char **line, size_t *n)
{
    int rc = sqlite3_step(c->st);
    if (rc == SQLITE_DONE)
        return 0;
    if (rc != SQLITE_ROW) {
        db_err(c->s, c->db, "reading the journal");
        return -1;
    }
    if (seq)
        *seq = (uint64_t)sqlite3_column_int64(c->st, 0);
    if (t)
        *t = sqlite3_column_int64(c->st, 1);
    const char *p = (const char *)sqlite3_column_text(c->st, 2);
    *line = p ? p : "";
    *n = p ? (size_t)sqlite3_column_bytes(c->st, 2) : 0;
    return 1;
}

void pmc_store_cursor_close(struct pmc_store_cursor *c)
{
    if (!c)
        return;
    sqlite3_finalize(c->st);
    sqlite3_close(c->db);
    free(c);
}

enum pmc_err pmc_store_export(struct pmc_store *s, FILE *f)
{
    struct pmc_store_cursor *c;
    enum pmc_err e = pmc_store_cursor_open(s, 0, &c);
    if (e != PMC_OK)
        return e;
    fputs(PMC_TAPE_HEADER "\n", f);
    const char *line;
    size_t n;
    int k;
    while ((k = pmc_store_cursor_next(c, NULL, NULL, &line, &n)) == 1) {
        fwrite(line, 1, n, f);
        fputc('\n', f);
    }
    pmc_store_cursor_close(c);
    if (k < 0)
        return PMC_EIO;
    if (ferror(f)) {
        set_err(s, "export: write error");
        return PMC_EIO;
    }
    return PMC_OK;
}
