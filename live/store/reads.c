/* live/store/reads.c - the reading calls: orders, fills, trader
 * statistics, (order, trader) shares, the last journal time, seen keys,
 * checkpoints, the journal cursor and the tape export. Positions are in
 * positions.c.
 *
 * Any thread may call them; they serialise with the writer on the
 * connection (dbmu), and see committed data only. The journal cursor has
 * its own read connection (WAL: it never blocks the writer).
 *
 * Decides: the order of each walk, how a row maps to its struct.
 * Never: writes, reads a clock, keeps a row past its callback. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/dec.h"
#include "live/store/store_int.h"
#include "proto/wire/clob_user.h"

static int64_t col_i64(sqlite3_stmt *st, int i)
{
    return sqlite3_column_int64(st, i);
}

static const char *col_text(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

/* Run a prepared query row by row (dbmu held) and finalize it. */
enum pmc_err each_row(struct pmc_store *s, sqlite3_stmt *st,
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

enum pmc_err prepare(struct pmc_store *s, const char *sql, sqlite3_stmt **st)
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
    r.removed = col_i64(st, 25);
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
             "ts_submitted, ts_acked, ts_filled, ts_done, %s FROM orders o "
             "WHERE (?1 = 0 OR ts_decided >= ?1) "
             "AND (?2 = 0 OR ts_decided < ?2) "
             "AND (?3 IS NULL OR token = ?3) "
             "AND (?4 IS NULL OR EXISTS (SELECT 1 FROM order_traders x "
             "WHERE x.coid = o.coid AND x.trader = ?4)) "
             "AND (?5 IS NULL OR status = ?5) %s "
             "ORDER BY ts_decided, journal_seq, coid",
             s->has_removed
                 ? "(SELECT count(*) FROM removed r WHERE r.coid = o.coid)"
                 : "0",
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

enum pmc_err pmc_store_removed_copied(struct pmc_store *s, int64_t *n)
{
    *n = 0;
    if (!s->has_removed)
        return PMC_OK;
    pthread_mutex_lock(&s->dbmu);
    enum pmc_err e = PMC_OK;
    if (query_i64(s->db, "SELECT count(*) FROM removed WHERE coid IS NOT NULL",
                  n) < 0)
        e = db_err(s, s->db, "counting removed source fills");
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
    r.removed = col_i64(st, 9);
    r.failed_t = col_i64(st, 10);
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
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT f.coid, f.trade_id, o.token, o.side, f.sz, f.px, "
             "f.cost, f.fee, f.t, %s, %s FROM fills f JOIN orders o "
             "ON o.coid = f.coid WHERE ?1 IS NULL OR f.coid = ?1 "
             "ORDER BY f.t, f.id",
             s->has_removed
                 ? "(SELECT count(*) FROM removed r WHERE r.coid = f.coid)"
                 : "0",
             s->has_failed ? "COALESCE(f.failed_t, 0)" : "0");
    enum pmc_err e = prepare(s, sql, &st);
    if (e == PMC_OK) {
        bind_opt(st, 1, coid);
        struct fill_walk w = {fn, ctx};
        e = each_row(s, st, fill_row, &w);
    }
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

/* ---- journal cursor --------------------------------------------------------
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
    uint64_t seq;
    int k;
    while ((k = pmc_store_cursor_next(c, &seq, NULL, &line, &n)) == 1) {
        /* a row is one tape line: a line break in it (the database is a
         * file anyone may edit) would give two records */
        if (memchr(line, '\n', n) || memchr(line, '\0', n)) {
            set_err(s,
                    "journal row %" PRIu64 ": not one tape line (holds a "
                    "line break or a NUL byte)",
                    seq);
            pmc_store_cursor_close(c);
            return PMC_EPARSE;
        }
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

/* ---- trades not final ------------------------------------------------- */

struct trade_walk {
    pmc_store_trade_fn fn;
    void *ctx;
};

static int trade_row(void *ctx, sqlite3_stmt *st)
{
    struct trade_walk *w = ctx;
    struct pmc_store_trade_row r;
    memset(&r, 0, sizeof r);
    r.coid = col_text(st, 0);
    r.trade_id = col_text(st, 1);
    r.order_hash = col_text(st, 2);
    const char *status = col_text(st, 3);
    r.status = (int)pmc_trade_status_of(status ? status : "",
                                        status ? strlen(status) : 0);
    r.sz = col_i64(st, 4);
    r.px = col_i64(st, 5);
    r.first_t = col_i64(st, 6);
    if (!r.coid || !r.trade_id || !r.order_hash)
        return 0;
    return w->fn(w->ctx, &r);
}

enum pmc_err pmc_store_trades_open_each(struct pmc_store *s,
                                        pmc_store_trade_fn fn, void *ctx)
{
    if (!s->has_failed) /* a file before schema 4: no trades */
        return PMC_OK;
    pthread_mutex_lock(&s->dbmu);
    sqlite3_stmt *st;
    enum pmc_err e =
        prepare(s,
                "SELECT coid, trade_id, order_hash, status, sz, px, first_t "
                "FROM trades WHERE status NOT IN ('confirmed', 'failed') "
                "ORDER BY first_t, coid, trade_id",
                &st);
    if (e == PMC_OK) {
        struct trade_walk w = {fn, ctx};
        e = each_row(s, st, trade_row, &w);
    }
    pthread_mutex_unlock(&s->dbmu);
    return e;
}
