/* live/store/store_int.h - internals shared by the store's files (not a
 * public interface; live/store.h is). One file per concern, called in one
 * direction only (tests/layers.sh checks the object files for circles):
 *
 *   err.c        errors, the fault hooks, step_done        (calls nothing)
 *   schema.c     tables, statements, version, migrations   -> err
 *   lifecycle.c  order statuses and the in-memory index    -> err
 *   ring.c       the ring and its producer calls           -> err
 *   apply.c      one ring item into SQLite                 -> err, lifecycle
 *   olog.c       the order log, the durability steps       -> apply, err
 *   writer.c     the writer thread, drain, sync            -> olog, apply
 *   orders.c     orders: new, update, fill, load           -> ring, olog
 *   trades.c     venue trades, failed fills                -> ring, lifecycle
 *   reads.c      the reading calls, the journal cursor     -> err
 *   positions.c  positions from the fills                  -> reads
 *   open.c       open, close, stats                        -> all
 *
 * Locks: `mu` guards the ring, the order log and the error text; `dbmu`
 * the connection. Whoever holds dbmu may take mu, never the reverse. */
#ifndef PMC_STORE_INT_H
#define PMC_STORE_INT_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "core/tape.h"
#include "live/store.h"

#define DEFAULT_RING ((size_t)4 << 20)
#define MIN_RING ((size_t)256 << 10)
#define DEFAULT_INTERVAL_US 2000u
#define CKPT_PAGES 1000    /* WAL pages before the writer checkpoints */
#define SRC_TEXT_MAX 16384 /* bytes of an order's traders list */
#define OLOG_MAGIC "PMCOLOG1"
#define OLOG_MAP (4u << 20) /* order log mapped and allocated up front */
#define OLOG_HDR 16 /* magic + sizeof(struct pmc_record) + sizeof(item_hdr) */

/* ---- ring items ----------------------------------------------------------
 * An item is a header and a payload, 8-byte aligned in the ring; the same
 * bytes (header and payload) are what the order log holds. */

enum item_type {
    IT_WRAP = 1,
    IT_REC,   /* struct pmc_record (any kind but ORDER) */
    IT_LINE,  /* struct line_item + text */
    IT_UPD,   /* struct upd_item + coid + venue id + error */
    IT_FILL,  /* struct fill_item + coid + trade id */
    IT_SEEN,  /* struct seen_item + key */
    IT_CKPT,  /* struct ckpt_item + watcher + value */
    IT_MARK,  /* struct mark_item + token */
    IT_OSRC,  /* struct osrc_item + coid + trader */
    IT_ORDER, /* struct order_item + coid, token, keys, traders, body, hash */
    IT_TRADE, /* struct trade_item + coid + trade id + order hash */
    IT_FILL_FAILED /* struct fill_item + coid (no trade id) */
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
/* A venue trade of one of our orders, as its status changes. */
struct trade_item {
    pmc_ms t, match_time;
    pmc_micros sz, px;
    int32_t status, taker; /* status: enum pmc_trade_status */
    uint32_t clen, tlen, hlen;
    uint32_t pad;
};
struct mark_item {
    pmc_ms t;
    pmc_micros px;
    int32_t resolved;
    uint32_t tlen;
};

static inline size_t align8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

/* ---- the in-memory order index (producer thread only) ------------------ */

struct oslot {
    uint64_t h;
    uint8_t used, status, matched;
    char coid[PMC_SYM_MAX + 1];
};

/* ---- the store -------------------------------------------------------------
 * Prepared write statements (schema.c), in this order. */

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
    ST_TRADE,
    ST_FILL_FAILED,
    ST_FILL_FAILED_FIND,
    ST_FILL_PART,
    ST_ORDER_PART,
    ST_COUNT
};

struct pmc_store {
    char *path;
    sqlite3 *db;
    sqlite3_stmt *st[ST_COUNT];
    int readonly, rw_flags;
    int has_removed; /* the file has the table `removed` (schema >= 3) */
    int has_failed;  /* the file has fills.failed_t (schema >= 4) */

    /* the order log (write-ahead of the ring), guarded by mu */
    int logfd;
    char *logpath;
    uint64_t logged;       /* ring position up to which items are in the log */
    uint64_t log_bytes;    /* item bytes in the log file past its header */
    unsigned char *logmap; /* the log file mapped (NULL: appended by writev) */
    int log_writev;        /* opts.log_writev */
    int caller_marks;      /* opts.caller_marks */
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

/* ---- shared internals: short names here, pmc__store_ in the symbol table */

#define fault_hit pmc__store_fault_hit
#define fault_env pmc__store_fault_env
#define store_malloc pmc__store_malloc
#define store_calloc pmc__store_calloc
#define set_err pmc__store_set_err
#define set_err_locked pmc__store_set_err_locked
#define db_err pmc__store_db_err
#define fail_store pmc__store_fail_store
#define step_done pmc__store_step_done
#define exec_sql pmc__store_exec_sql
#define query_i64 pmc__store_query_i64
#define check_schema pmc__store_check_schema
#define prepare_writes pmc__store_prepare_writes
#define load_info pmc__store_load_info
#define ord_find pmc__store_ord_find
#define ord_add pmc__store_ord_add
#define ring_put pmc__store_ring_put
#define apply_item pmc__store_apply_item
#define put_lsn pmc__store_put_lsn
#define olog_open pmc__store_olog_open
#define log_append pmc__store_log_append
#define log_trim pmc__store_log_trim
#define drain pmc__store_drain
#define writer_main pmc__store_writer_main
#define wal_hook pmc__store_wal_hook
#define load_orders pmc__store_load_orders
#define prepare pmc__store_prepare
#define each_row pmc__store_each_row

/* err.c: the fault hooks (store.h). 0, or the errno the path named `kind`
 * fails with now; fault_env arms PMC_STORE_FAULT once per process. */
int fault_hit(enum pmc_store_fault kind, int dflt);
void fault_env(void);
/* Every allocation of the store (the "alloc" fault). */
void *store_malloc(size_t n);
void *store_calloc(size_t n, size_t size);
/* "PATH: " + the message, under mu (set_err_locked: mu held). A failed
 * store keeps its first failure's message. */
void set_err(struct pmc_store *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void set_err_locked(struct pmc_store *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* what + SQLite's message (or an injected step's); PMC_EPARSE for a file
 * that is not a database or is corrupt, else PMC_EIO. */
enum pmc_err db_err(struct pmc_store *s, sqlite3 *db, const char *what);
/* Mark the store failed and wake a stalled producer. */
void fail_store(struct pmc_store *s);
/* Step a write statement to its end and reset it: 0, or -1 (the "step"
 * fault fails it here). */
int step_done(sqlite3_stmt *st);

/* schema.c */
int exec_sql(sqlite3 *db, const char *sql);
int query_i64(sqlite3 *db, const char *sql, int64_t *v);
/* Check the file is ours: create the schema in an empty file, migrate an
 * older version (read-write), refuse a foreign or newer one. */
enum pmc_err check_schema(struct pmc_store *s, int *created);
/* The meta table and the write statements (read-write opens). */
enum pmc_err prepare_writes(struct pmc_store *s);
enum pmc_err load_info(struct pmc_store *s, struct pmc_store_info *in);

/* lifecycle.c: the order index */
struct oslot *ord_find(const struct pmc_store *s, const char *coid, size_t n);
enum pmc_err ord_add(struct pmc_store *s, const char *coid, size_t n,
                     int status, int matched);

/* ring.c: copy one item into the ring (waiting for space if full);
 * journal = 1 gives it the next sequence number (*seq_out). */
struct part {
    const void *p;
    size_t n;
};
enum pmc_err ring_put(struct pmc_store *s, uint32_t type, const void *fixed,
                      size_t flen, const struct part *parts, int nparts,
                      uint64_t *seq_out, int journal);

/* apply.c (dbmu held, inside a transaction): 0, -1 on a SQLite error (the
 * caller names it), -2 with the message set. */
int apply_item(struct pmc_store *s, const struct item_hdr *h,
               const unsigned char *p);
int put_lsn(struct pmc_store *s, uint64_t lsn);

/* olog.c: see its transition table */
enum pmc_err olog_open(struct pmc_store *s);
enum pmc_err log_append(struct pmc_store *s);
void log_trim(struct pmc_store *s);

/* writer.c */
long drain(struct pmc_store *s, int sync);
void *writer_main(void *arg);
int wal_hook(void *ctx, sqlite3 *db, const char *name, int pages);

/* orders.c */
enum pmc_err load_orders(struct pmc_store *s);

/* reads.c */
enum pmc_err prepare(struct pmc_store *s, const char *sql, sqlite3_stmt **st);
enum pmc_err each_row(struct pmc_store *s, sqlite3_stmt *st,
                      int (*row)(void *ctx, sqlite3_stmt *st), void *ctx);

/* ---- binding helpers ---------------------------------------------------- */

static inline void bind_text(sqlite3_stmt *st, int i, const char *p, size_t n)
{
    sqlite3_bind_text(st, i, p, (int)n, SQLITE_STATIC);
}

static inline void bind_opt(sqlite3_stmt *st, int i, const char *p)
{
    if (p)
        sqlite3_bind_text(st, i, p, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

static inline void bind_ms(sqlite3_stmt *st, int i, pmc_ms t)
{
    if (t)
        sqlite3_bind_int64(st, i, t);
    else
        sqlite3_bind_null(st, i);
}

#endif
