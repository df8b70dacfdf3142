/* live/store/schema.c - the store's schema: tables, indexes, the trigger
 * that keeps an order's fill summary, the prepared write statements, the
 * version check and the migrations.
 *
 * Versions (PRAGMA user_version; application_id "PMCP"):
 *   0  an empty file: the schema is created (read-write opens only)
 *   1  had a `positions` SQL view (rounded twice, floating point past
 *      $9.2M of basis); a read-write open migrates to 2 by dropping it
 *   2  positions are computed from the fills (positions.c)
 *   3  the table `removed` (source fills a chain reorg took back, the
 *      order that copied each); a read-write open of 2 adds it
 *   4  this build: the venue trades of our orders (`trades`, their status
 *      MATCHED -> MINED -> CONFIRMED | RETRYING | FAILED) and failed fills
 *      (fills.failed_t: a trade the venue took back; positions skip it;
 *      a fill report some of whose venue trades failed keeps what is left
 *      of its sz, cost and fee); a
 *      read-write open of 3 adds them (migrate_trades)
 *   >4 written by a newer pmcopy: refused (PMC_ENOTSUP)
 * The table `meta` (k, v) holds `lsn`, the last order-log item committed.
 *
 * Decides: every table and column (money and times are INTEGER micros and
 * ms: no REAL anywhere), what a foreign, newer or corrupt file is.
 * Never: writes rows (apply.c does), reads a clock. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "live/store/store_int.h"

/* ---- schema ------------------------------------------------------------- */

/* Positions are not in the schema: pmc_store_positions_each computes them
 * from the fills with the engine's arithmetic (version 1 had a SQL view
 * that rounded twice and fell back to floating point past $9.2M of basis;
 * the migration to version 2 drops it). */
/* Source fills a reorg removed (ev=removed): the order that carried the
 * fill (NULL: none; the copy stands and is marked through this), and 1 when
 * it was withdrawn from its bucket before any order. */
#define REMOVED_SQL                                                            \
    "CREATE TABLE IF NOT EXISTS removed(\n"                                    \
    "  key TEXT PRIMARY KEY,\n"                                                \
    "  trader TEXT NOT NULL,\n"                                                \
    "  token TEXT NOT NULL,\n"                                                 \
    "  coid TEXT,\n"                                                           \
    "  withdrawn INTEGER NOT NULL DEFAULT 0,\n"                                \
    "  t INTEGER NOT NULL) WITHOUT ROWID;\n"
#define REMOVED_INDEX_SQL                                                      \
    "CREATE INDEX IF NOT EXISTS removed_coid ON removed(coid);\n"

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
    /* the version 3 objects (trade_sql) are created below */
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
    REMOVED_SQL,
    REMOVED_INDEX_SQL,
    "CREATE TABLE checkpoints(\n"
    "  watcher TEXT PRIMARY KEY,\n"
    "  value TEXT NOT NULL,\n"
    "  t INTEGER NOT NULL) WITHOUT ROWID;\n",
};

/* Version 3: the venue trades of our orders, failed fills. The same
 * statements create them in a new file and migrate a version 2 one. */
static const char *const trade_sql[] = {
    "CREATE TABLE IF NOT EXISTS trades(\n"
    "  coid TEXT NOT NULL,\n"
    "  trade_id TEXT NOT NULL,\n"
    "  order_hash TEXT NOT NULL,\n"
    "  status TEXT NOT NULL,\n"
    "  sz INTEGER NOT NULL,\n"
    "  px INTEGER NOT NULL,\n"
    "  taker INTEGER NOT NULL,\n"
    "  match_time INTEGER,\n"
    "  first_t INTEGER NOT NULL,\n"
    "  last_t INTEGER NOT NULL,\n"
    "  PRIMARY KEY (coid, trade_id)) WITHOUT ROWID;\n",
    /* a failed fill leaves the order's summary (the other trigger's
     * inverse) */
    "CREATE TRIGGER IF NOT EXISTS fills_failed AFTER UPDATE OF failed_t "
    "ON fills\n"
    "WHEN OLD.failed_t IS NULL AND NEW.failed_t IS NOT NULL BEGIN\n"
    "  UPDATE orders SET filled = filled - NEW.sz,\n"
    "    filled_cost = filled_cost - NEW.cost,\n"
    "    avg_px = CASE WHEN filled > NEW.sz THEN\n"
    "      (filled_cost - NEW.cost) * 1000000 / (filled - NEW.sz) ELSE 0 END,\n"
    "    fees = fees - NEW.fee, nfills = nfills - 1\n"
    "  WHERE coid = NEW.coid;\n"
    "END;\n",
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
    [ST_TRADE] =
        "INSERT INTO trades(coid, trade_id, order_hash, status, sz, px, "
        "taker, match_time, first_t, last_t) VALUES (?1,?2,?3,?4,?5,?6,?7,"
        "?8,?9,?9) ON CONFLICT(coid, trade_id) DO UPDATE SET "
        "status = excluded.status, last_t = excluded.last_t, "
        "match_time = COALESCE(match_time, excluded.match_time)",
    /* a failed fill, all of it or the rest of it: the trigger takes what
     * is left of it off the order */
    [ST_FILL_FAILED] = "UPDATE fills SET failed_t = ?2 WHERE id = ?1",
    /* the fill a failed trade of sz at px takes back (the core's rule,
     * core/failed.c fill_find): the newest good fill of the order with
     * that size (what is left of it) and price, else the newest with at
     * least that size left */
    [ST_FILL_FAILED_FIND] =
        "SELECT id, sz, cost, fee FROM fills WHERE coid = ?1 AND "
        "failed_t IS NULL AND sz >= ?2 ORDER BY sz = ?2 AND px = ?3 DESC, "
        "id DESC LIMIT 1",
    /* a part of a fill failed: the row keeps what is left of it */
    [ST_FILL_PART] = "UPDATE fills SET sz = sz - ?2, cost = cost - ?3, "
                     "fee = fee - ?4 WHERE id = ?1",
    [ST_ORDER_PART] =
        "UPDATE orders SET filled = filled - ?2, "
        "filled_cost = filled_cost - ?3, "
        "avg_px = CASE WHEN filled > ?2 THEN (filled_cost - ?3) * 1000000 / "
        "(filled - ?2) ELSE 0 END, fees = fees - ?4 WHERE coid = ?1",
};

int exec_sql(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

static int migrate_trades(sqlite3 *db)
{
    int64_t has = 0;
    if (query_i64(db,
                  "SELECT count(*) FROM pragma_table_info('fills') "
                  "WHERE name = 'failed_t'",
                  &has) < 0 ||
        (!has &&
         exec_sql(db, "ALTER TABLE fills ADD COLUMN failed_t INTEGER") < 0))
        return -1;
    for (size_t i = 0; i < PMC_ARRAY_LEN(trade_sql); i++)
        if (exec_sql(db, trade_sql[i]) < 0)
            return -1;
    return 0;
}

static int exec_schema(sqlite3 *db)
{
    for (size_t i = 0; i < PMC_ARRAY_LEN(schema_sql); i++)
        if (exec_sql(db, schema_sql[i]) < 0)
            return -1;
    return migrate_trades(db);
}

int query_i64(sqlite3 *db, const char *sql, int64_t *v)
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

enum pmc_err check_schema(struct pmc_store *s, int *created)
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
        s->has_removed = 1;
        s->has_failed = 1;
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
    if (ver < 2 && !s->readonly) {
        /* 1 -> 2: the positions view goes (computed in C since) */
        if (exec_sql(s->db, "BEGIN IMMEDIATE") < 0 ||
            exec_sql(s->db, "DROP VIEW IF EXISTS positions") < 0 ||
            exec_sql(s->db, "PRAGMA user_version=2") < 0 ||
            exec_sql(s->db, "COMMIT") < 0) {
            enum pmc_err e = db_err(s, s->db, "migrating the schema to 2");
            exec_sql(s->db, "ROLLBACK");
            return e;
        }
    }
    if (ver < 3 && !s->readonly) {
        /* 2 -> 3: the table of removed source fills */
        if (exec_sql(s->db, "BEGIN IMMEDIATE") < 0 ||
            exec_sql(s->db, REMOVED_SQL) < 0 ||
            exec_sql(s->db, REMOVED_INDEX_SQL) < 0 ||
            exec_sql(s->db, "PRAGMA user_version=3") < 0 ||
            exec_sql(s->db, "COMMIT") < 0) {
            enum pmc_err e = db_err(s, s->db, "migrating the schema to 3");
            exec_sql(s->db, "ROLLBACK");
            return e;
        }
    }
    if (ver < 4 && !s->readonly) {
        /* 3 -> 4: the trades table and failed fills */
        if (exec_sql(s->db, "BEGIN IMMEDIATE") < 0 ||
            migrate_trades(s->db) < 0 ||
            exec_sql(s->db, "PRAGMA user_version=4") < 0 ||
            exec_sql(s->db, "COMMIT") < 0) {
            enum pmc_err e = db_err(s, s->db, "migrating the schema to 4");
            exec_sql(s->db, "ROLLBACK");
            return e;
        }
    }
    /* a read-only open of an older file has no table of removed fills:
     * its views show none */
    int64_t has = 0;
    if (query_i64(s->db,
                  "SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                  "AND name = 'removed'",
                  &has) < 0)
        return db_err(s, s->db, "reading the schema");
    s->has_removed = has > 0;
    /* nor failed fills (schema 4) */
    if (query_i64(s->db,
                  "SELECT count(*) FROM pragma_table_info('fills') "
                  "WHERE name = 'failed_t'",
                  &has) < 0)
        return db_err(s, s->db, "reading the schema");
    s->has_failed = has > 0;
    return PMC_OK;
}

enum pmc_err prepare_writes(struct pmc_store *s)
{
    if (exec_sql(s->db, "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY "
                        "KEY, v INTEGER NOT NULL) WITHOUT ROWID") < 0)
        return db_err(s, s->db, "creating the meta table");
    for (int i = 0; i < ST_COUNT; i++)
        if (sqlite3_prepare_v3(s->db, stmt_sql[i], -1,
                               SQLITE_PREPARE_PERSISTENT, &s->st[i],
                               NULL) != SQLITE_OK)
            return db_err(s, s->db, "preparing statements");
    return PMC_OK;
}

enum pmc_err load_info(struct pmc_store *s, struct pmc_store_info *in)
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
