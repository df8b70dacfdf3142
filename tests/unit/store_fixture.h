/* tests/unit/store_fixture.h - helpers shared by the store's tests
 * (test_store*.c): a fresh store path under /tmp per test (setup,
 * teardown), opening and closing, the store file read through SQLite itself,
 * journal lines, orders, decimals, a command's captured stdout. */
#ifndef PMC_TEST_STORE_FIXTURE_H
#define PMC_TEST_STORE_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "app/cmds.h"
#include "core/driver.h"
#include "core/dec.h"
#include "core/engine.h"
#include "core/tape.h"
#include "live/store.h"
#include "proto/wire/clob_user.h"

#define TA "0x1111111111111111111111111111111111111111"
#define TB "0x2222222222222222222222222222222222222222"
#define DAY0 ((pmc_ms)1767225600000) /* 2026-01-01 00:00 UTC */
#define T0 ((pmc_ms)1767229200000)   /* an hour later */

static char tmpdir[64];
static char dbpath[128];

static __attribute__((unused)) int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/pmc_store_XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    snprintf(dbpath, sizeof dbpath, "%s/t.db", tmpdir);
    return 0;
}

static __attribute__((unused)) int teardown(void **state)
{
    (void)state;
    pmc_store_fault_set(PMC_STORE_FAULT_OFF, 0, 0);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static __attribute__((unused)) struct pmc_store *
open_ok(const struct pmc_store_opts *o, struct pmc_store_info *info)
{
    struct pmc_store *s = NULL;
    char err[512];
    enum pmc_err e = pmc_store_open(dbpath, o, &s, info, err, sizeof err);
    if (e != PMC_OK)
        fail_msg("open %s: %s (%s)", dbpath, err, pmc_strerror(e));
    return s;
}

/* The store opened read-only (as the views and the read API do). */
static __attribute__((unused)) struct pmc_store *open_ro(void)
{
    struct pmc_store_opts ro = {0};
    ro.readonly = 1;
    return open_ok(&ro, NULL);
}

static __attribute__((unused)) void close_ok(struct pmc_store *s)
{
    assert_int_equal(pmc_store_close(s), PMC_OK);
}

/* The store file through SQLite itself: a statement run, the first
 * column of the first row of a query (as int, as text). */
static __attribute__((unused)) void sql_exec(const char *sql)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

static __attribute__((unused)) int sql_count(const char *sql)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

static __attribute__((unused)) void sql_text(const char *sql, char *out,
                                             size_t cap)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    snprintf(out, cap, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static __attribute__((unused)) void journal_text(struct pmc_store *s,
                                                 const char *line)
{
    struct pmc_record r;
    struct pmc_tape_err te;
    int has = 0;
    if (pmc_tape_parse(line, strlen(line), &r, &has, &te) != PMC_OK || !has)
        fail_msg("bad test line %s: %s", line, te.msg);
    assert_int_equal(pmc_store_journal(s, &r, NULL), PMC_OK);
}

static __attribute__((unused)) void
new_order(struct pmc_store *s, const char *coid, const char *token,
          enum pmc_side side, const char *px, const char *sz,
          const struct pmc_store_src *src, size_t nsrc, pmc_ms t)
{
    struct pmc_store_order o;
    memset(&o, 0, sizeof o);
    o.coid = coid;
    o.token = token;
    o.side = side;
    o.tif = PMC_TIF_FAK;
    assert_int_equal(pmc_dec_parse(px, strlen(px), &o.px), PMC_OK);
    assert_int_equal(pmc_dec_parse(sz, strlen(sz), &o.sz), PMC_OK);
    o.keys = "0xk1:1,0xk2:2";
    o.src = src;
    o.nsrc = nsrc;
    o.ts_source = t - 300;
    o.ts_recv = t - 100;
    o.ts_decided = t;
    o.ts_submitted = t + 1;
    assert_int_equal(pmc_store_order_new(s, &o), PMC_OK);
}

static __attribute__((unused)) pmc_micros D(const char *s)
{
    pmc_micros v;
    assert_int_equal(pmc_dec_parse(s, strlen(s), &v), PMC_OK);
    return v;
}

/* Run a command with stdout captured into buf. */
static __attribute__((unused)) int capture(int (*cmd)(int, char **),
                                           char **argv, char *buf, size_t cap)
{
    int argc = 0;
    while (argv[argc])
        argc++;
    char path[160];
    snprintf(path, sizeof path, "%s/out.txt", tmpdir);
    fflush(stdout);
    int saved = dup(1);
    int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
    assert_true(saved >= 0 && fd >= 0);
    dup2(fd, 1);
    close(fd);
    int rc = cmd(argc, argv);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t n = fread(buf, 1, cap - 1, f);
    buf[n] = '\0';
    fclose(f);
    return rc;
}

/* The store's files gone (the database, its WAL and shm, the order log). */
static __attribute__((unused)) void unlink_store(void)
{
    static const char *const sfx[] = {"", "-wal", "-shm", "-olog"};
    char p[192];
    for (size_t i = 0; i < PMC_ARRAY_LEN(sfx); i++) {
        snprintf(p, sizeof p, "%s%s", dbpath, sfx[i]);
        unlink(p);
    }
}

#endif
