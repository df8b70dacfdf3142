/* tests/unit/test_store.c - the live store (live/store.h): journal round
 * trip (records in, export, identical tape lines), the consistent prefix
 * across SIGKILL (a child writing records and orders is killed at
 * pseudo-random points; the reopened journal is a prefix that holds every
 * order's inputs and every order the child saw committed), restart restoring
 * orders / seen keys / checkpoints, the order lifecycle (illegal transitions
 * refused), per-trader statistics and their UTC-day reset, the positions
 * view, the operator views' output, and clear errors on corrupt, foreign
 * and newer files. Temporary files live under /tmp and are removed. */
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

/* ---- helpers ---------------------------------------------------------- */

static char tmpdir[64];
static char dbpath[128];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/pmc_store_XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    snprintf(dbpath, sizeof dbpath, "%s/t.db", tmpdir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    pmc_store_fault_set(PMC_STORE_FAULT_OFF, 0, 0);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static struct pmc_store *open_ok(const struct pmc_store_opts *o,
                                 struct pmc_store_info *info)
{
    struct pmc_store *s = NULL;
    char err[512];
    enum pmc_err e = pmc_store_open(dbpath, o, &s, info, err, sizeof err);
    if (e != PMC_OK)
        fail_msg("open %s: %s (%s)", dbpath, err, pmc_strerror(e));
    return s;
}

/* The store opened read-only (as the views and the read API do). */
static struct pmc_store *open_ro(void)
{
    struct pmc_store_opts ro = {0};
    ro.readonly = 1;
    return open_ok(&ro, NULL);
}

static void close_ok(struct pmc_store *s)
{
    assert_int_equal(pmc_store_close(s), PMC_OK);
}

/* The store file through SQLite itself: a statement run, the first
 * column of the first row of a query (as int, as text). */
static void sql_exec(const char *sql)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

static int sql_count(const char *sql)
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

static void sql_text(const char *sql, char *out, size_t cap)
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

static void journal_text(struct pmc_store *s, const char *line)
{
    struct pmc_record r;
    struct pmc_tape_err te;
    int has = 0;
    if (pmc_tape_parse(line, strlen(line), &r, &has, &te) != PMC_OK || !has)
        fail_msg("bad test line %s: %s", line, te.msg);
    assert_int_equal(pmc_store_journal(s, &r, NULL), PMC_OK);
}

static void new_order(struct pmc_store *s, const char *coid, const char *token,
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

static pmc_micros D(const char *s)
{
    pmc_micros v;
    assert_int_equal(pmc_dec_parse(s, strlen(s), &v), PMC_OK);
    return v;
}

/* Run a command with stdout captured into buf. */
static int capture(int (*cmd)(int, char **), char **argv, char *buf, size_t cap)
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

/* ---- journal round trip ---------------------------------------------------
 */

static const char *const tape_lines[] = {
    "t=1767229200000 ev=market token=101 market=0xc1 end=1767230100000 "
    "tick=0.01",
    "t=1767229200100 ev=fill trader=" TA " token=101 side=BUY px=0.5 "
    "sz=100 key=0xaa01:1 src=chain",
    "t=1767229200150 ev=quote token=101 bid=0.49 ask=0.51",
    "t=1767229200200 ev=fill trader=" TB " token=101 side=SELL px=0.545 "
    "sz=198.5318 key=0xaa02:7 ts=1767229199000",
    "t=1767229200400 ev=order coid=pmc-abcb2d4de7e53f01 token=101 side=BUY "
    "px=0.52 sz=10 tif=FAK keys=0xaa01:1,0xaa02:7 ref=0.5",
    "t=1767229200400 ev=skip key=0xaa03:1 reason=stale",
    "t=1767229200500 ev=exec coid=pmc-abcb2d4de7e53f01 status=fill sz=10 "
    "px=0.51 fee=0.01",
    "t=1767229200600 ev=trade token=101 px=0.53 sz=100",
    "t=1767229200700 ev=kill reason=\"operator said so\"",
    "t=1767229200800 ev=resume",
    "t=1767229200900 ev=resolve token=101 payout=1",
};

static void test_journal_round_trip(void **state)
{
    (void)state;
    struct pmc_store_info info;
    struct pmc_store *s = open_ok(NULL, &info);
    assert_int_equal(info.created, 1);
    assert_int_equal(info.last_seq, 0);
    size_t n = PMC_ARRAY_LEN(tape_lines);
    for (size_t i = 0; i < n; i++) {
        uint64_t seq = 0;
        if (i % 2) { /* both paths: parsed records and raw lines */
            journal_text(s, tape_lines[i]);
        } else {
            assert_int_equal(pmc_store_journal_line(
                                 s, tape_lines[i], strlen(tape_lines[i]), &seq),
                             PMC_OK);
            assert_int_equal(seq, i + 1);
        }
    }
    /* not a record: refused on the caller's thread, nothing queued */
    assert_int_equal(pmc_store_journal_line(s, "# c", 3, NULL), PMC_EPARSE);
    assert_int_equal(pmc_store_journal_line(s, "t=1 ev=nope", 11, NULL),
                     PMC_EPARSE);
    close_ok(s);

    s = open_ok(NULL, &info);
    assert_int_equal(info.created, 0);
    assert_int_equal(info.journal_records, n);
    assert_int_equal(info.last_seq, n);
    struct pmc_store_cursor *c;
    assert_int_equal(pmc_store_cursor_open(s, 1, &c), PMC_OK);
    const char *line;
    size_t len;
    uint64_t seq;
    pmc_ms t;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(pmc_store_cursor_next(c, &seq, &t, &line, &len), 1);
        assert_int_equal(seq, i + 1);
        assert_int_equal(len, strlen(tape_lines[i]));
        assert_memory_equal(line, tape_lines[i], len);
    }
    assert_int_equal(pmc_store_cursor_next(c, &seq, &t, &line, &len), 0);
    pmc_store_cursor_close(c);

    /* export = header + the lines */
    FILE *f = tmpfile();
    assert_int_equal(pmc_store_export(s, f), PMC_OK);
    rewind(f);
    char buf[PMC_TAPE_LINE_MAX];
    assert_non_null(fgets(buf, sizeof buf, f));
    assert_string_equal(buf, PMC_TAPE_HEADER "\n");
    for (size_t i = 0; i < n; i++) {
        assert_non_null(fgets(buf, sizeof buf, f));
        buf[strcspn(buf, "\n")] = '\0';
        assert_string_equal(buf, tape_lines[i]);
    }
    assert_null(fgets(buf, sizeof buf, f));
    fclose(f);

    /* sequence numbers continue after a restart */
    uint64_t s2;
    assert_int_equal(pmc_store_journal_line(s, tape_lines[n - 1],
                                            strlen(tape_lines[n - 1]), &s2),
                     PMC_OK);
    assert_int_equal(s2, n + 1);
    close_ok(s);
}

/* ---- consistent prefix across SIGKILL -------------------------------------
 */

#define CRASH_BATCH 1000
#define CRASH_TRIALS 20
#define T0 ((pmc_ms)1767229200000)

/* The record the child journals at sequence seq (1-based). */
static void crash_line(uint64_t seq, char *buf, size_t cap)
{
    uint64_t round = (seq - 1) / (CRASH_BATCH + 1);
    uint64_t idx = (seq - 1) % (CRASH_BATCH + 1);
    pmc_ms t = T0 + (pmc_ms)seq;
    if (idx < CRASH_BATCH)
        snprintf(buf, cap,
                 "t=%lld ev=fill trader=" TA " token=101 side=BUY px=0.5 "
                 "sz=1 key=0xk%llu:%llu",
                 (long long)t, (unsigned long long)round,
                 (unsigned long long)idx);
    else
        snprintf(buf, cap,
                 "t=%lld ev=order coid=pmc-%016llx token=101 side=BUY "
                 "px=0.52 sz=10 tif=FAK keys=0xk%llu:0",
                 (long long)t, (unsigned long long)round,
                 (unsigned long long)round);
}

static void crash_child(int wfd, int log_writev)
{
    struct pmc_store_opts o = {0};
    o.writer_interval_us = 300;
    o.log_writev = log_writev; /* trials alternate the two append paths */
    struct pmc_store *s;
    char err[512];
    if (pmc_store_open(dbpath, &o, &s, NULL, err, sizeof err) != PMC_OK)
        _exit(3);
    char line[512], coid[32];
    for (uint64_t seq = 1;; seq++) {
        crash_line(seq, line, sizeof line);
        struct pmc_record r;
        struct pmc_tape_err te;
        int has;
        if (pmc_tape_parse(line, strlen(line), &r, &has, &te) != PMC_OK)
            _exit(4);
        if (pmc_store_journal(s, &r, NULL) != PMC_OK)
            _exit(5);
        if (r.kind != PMC_K_ORDER)
            continue;
        uint64_t round = (seq - 1) / (CRASH_BATCH + 1);
        snprintf(coid, sizeof coid, "pmc-%016llx", (unsigned long long)round);
        struct pmc_store_src src = {TA, PMC_MICRO};
        struct pmc_store_order ord;
        memset(&ord, 0, sizeof ord);
        ord.coid = coid;
        ord.token = "101";
        ord.px = 520000;
        ord.sz = 10 * PMC_MICRO;
        ord.keys = "0xk:0";
        ord.src = &src;
        ord.nsrc = 1;
        ord.ts_decided = r.t;
        if (pmc_store_order_new(s, &ord) != PMC_OK)
            _exit(6);
        /* tell the parent: this order is committed */
        if (write(wfd, &round, sizeof round) != (ssize_t)sizeof round)
            _exit(7);
    }
}

struct crash_check {
    uint64_t last_seq, orders, max_round;
    int bad;
    char why[200];
};

static int crash_order(void *ctx, const struct pmc_store_order_row *r)
{
    struct crash_check *c = ctx;
    unsigned long long round;
    if (sscanf(r->coid, "pmc-%llx", &round) != 1) {
        c->bad = 1;
        snprintf(c->why, sizeof c->why, "bad coid %s", r->coid);
        return 1;
    }
    /* the order's own ev=order line, and every input before it, are in
     * the journal (it is a prefix, so seq <= last_seq suffices) */
    uint64_t need = (round + 1) * (CRASH_BATCH + 1);
    if (need > c->last_seq) {
        c->bad = 1;
        snprintf(c->why, sizeof c->why,
                 "order %s committed but journal ends at %llu < %llu", r->coid,
                 (unsigned long long)c->last_seq, (unsigned long long)need);
        return 1;
    }
    c->orders++;
    if (round + 1 > c->max_round)
        c->max_round = round + 1;
    return 0;
}

/* The mapped order log outgrows its first allocation (the writer is kept
 * asleep, so nothing is committed or trimmed), then the process is killed:
 * every order it had been told was durable comes back from the log. */
#define GROW_ORDERS 30000
static void test_olog_grows_and_recovers(void **state)
{
    (void)state;
    unlink(dbpath);
    char side[160];
    snprintf(side, sizeof side, "%s-olog", dbpath);
    unlink(side);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        struct pmc_store_opts o = {0};
        o.writer_interval_us = 30000000; /* asleep once it caught up */
        o.ring_bytes = 64u << 20;
        struct pmc_store *s;
        char err[512], coid[32], body[512];
        if (pmc_store_open(dbpath, &o, &s, NULL, err, sizeof err) != PMC_OK)
            _exit(3);
        memset(body, 'b', sizeof body - 1);
        body[sizeof body - 1] = '\0';
        for (uint32_t i = 0; i < GROW_ORDERS; i++) {
            snprintf(coid, sizeof coid, "grow-%08u", i);
            struct pmc_store_src src = {TA, PMC_MICRO};
            struct pmc_store_order ord;
            memset(&ord, 0, sizeof ord);
            ord.coid = coid;
            ord.token = "101";
            ord.px = 520000;
            ord.sz = 10 * PMC_MICRO;
            ord.keys = "0xk:0";
            ord.src = &src;
            ord.nsrc = 1;
            ord.signed_body = body;
            ord.order_hash = "0xabc";
            if (pmc_store_order_new(s, &ord) != PMC_OK)
                _exit(6);
        }
        uint32_t n = GROW_ORDERS;
        if (write(fds[1], &n, sizeof n) != (ssize_t)sizeof n)
            _exit(7);
        for (;;)
            pause(); /* killed here, nothing committed by the writer */
    }
    close(fds[1]);
    uint32_t n = 0;
    assert_int_equal(read(fds[0], &n, sizeof n), sizeof n);
    close(fds[0]);
    struct stat st;
    assert_int_equal(stat(side, &st), 0);
    assert_true(st.st_size > (off_t)(4u << 20)); /* it grew */
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    struct pmc_store_info info;
    struct pmc_store *s = open_ok(NULL, &info);
    assert_int_equal(info.orders, GROW_ORDERS);
    struct pmc_store_stats ss;
    pmc_store_stats(s, &ss);
    /* the writer drains what it finds when it starts (then sleeps): the
     * rest, at most each order and its source item but the last source
     * item (logged with a next order that never came), is replayed */
    assert_true(ss.recovered > 0 && ss.recovered <= GROW_ORDERS * 2 - 1);
    assert_int_equal(ss.committed, 0);
    close_ok(s);
    /* a clean close leaves the log empty */
    assert_int_equal(stat(side, &st), 0);
    assert_int_equal(st.st_size, 16);
}

static void test_crash_consistent_prefix(void **state)
{
    (void)state;
    uint32_t rng = 12345;
    for (int trial = 0; trial < CRASH_TRIALS; trial++) {
        unlink(dbpath);
        char side[160];
        snprintf(side, sizeof side, "%s-wal", dbpath);
        unlink(side);
        snprintf(side, sizeof side, "%s-shm", dbpath);
        unlink(side);
        int fds[2];
        assert_int_equal(pipe(fds), 0);
        fflush(NULL);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(fds[0]);
            crash_child(fds[1], trial % 2);
            _exit(0);
        }
        close(fds[1]);
        /* wait for the first committed order, then a pseudo-random while */
        uint64_t round, committed = 0;
        assert_int_equal(read(fds[0], &round, sizeof round), sizeof round);
        committed = round + 1;
        rng = rng * 1103515245u + 12345u;
        struct timespec ts = {0, (long)((rng >> 8) % 40000) * 1000L};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        int st;
        waitpid(pid, &st, 0);
        assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
        ssize_t k;
        while ((k = read(fds[0], &round, sizeof round)) == sizeof round)
            committed = round + 1;
        close(fds[0]);

        struct pmc_store_info info;
        struct pmc_store *s = open_ok(NULL, &info);
        /* the journal is exactly lines 1..n */
        struct pmc_store_cursor *c;
        assert_int_equal(pmc_store_cursor_open(s, 0, &c), PMC_OK);
        const char *line;
        size_t len;
        uint64_t seq, want = 0;
        pmc_ms t;
        char exp[512];
        int r;
        while ((r = pmc_store_cursor_next(c, &seq, &t, &line, &len)) == 1) {
            want++;
            if (seq != want)
                fail_msg("trial %d: journal has seq %llu where %llu was due",
                         trial, (unsigned long long)seq,
                         (unsigned long long)want);
            crash_line(seq, exp, sizeof exp);
            if (len != strlen(exp) || memcmp(line, exp, len))
                fail_msg("trial %d: seq %llu: %.*s != %s", trial,
                         (unsigned long long)seq, (int)len, line, exp);
        }
        assert_int_equal(r, 0);
        pmc_store_cursor_close(c);
        assert_int_equal(info.last_seq, want);

        struct crash_check cc = {want, 0, 0, 0, ""};
        assert_int_equal(pmc_store_orders_each(s, NULL, crash_order, &cc),
                         PMC_OK);
        if (cc.bad)
            fail_msg("trial %d: %s", trial, cc.why);
        /* no order the child saw committed is missing, orders form a
         * prefix too */
        if (cc.orders < committed || cc.orders != cc.max_round)
            fail_msg("trial %d: %llu orders in the store, %llu committed",
                     trial, (unsigned long long)cc.orders,
                     (unsigned long long)committed);
        close_ok(s);
    }
}

/* ---- restart: orders, seen keys, checkpoints -------------------------------
 */

static int count_seen(void *ctx, const char *key, pmc_ms t)
{
    int *n = ctx;
    if (*n == 0)
        assert_string_equal(key, "0xaa:1");
    assert_true(t > 0);
    (*n)++;
    return 0;
}

static int count_order(void *ctx, const struct pmc_store_order_row *r)
{
    int *n = ctx;
    (void)r;
    (*n)++;
    return 0;
}

static void test_restart_restores(void **state)
{
    (void)state;
    struct pmc_store *s = open_ok(NULL, NULL);
    struct pmc_store_src src = {TA, PMC_MICRO};
    journal_text(s, tape_lines[1]);
    new_order(s, "pmc-0000000000000001", "101", PMC_BUY, "0.5", "10", &src, 1,
              DAY0 + 1000);
    new_order(s, "pmc-0000000000000002", "101", PMC_BUY, "0.5", "10", &src, 1,
              DAY0 + 2000);
    new_order(s, "pmc-0000000000000003", "102", PMC_SELL, "0.4", "5", &src, 1,
              DAY0 + 3000);
    assert_int_equal(pmc_store_order_update(s, "pmc-0000000000000002",
                                            PMC_OS_REJECTED, NULL,
                                            "not enough balance", DAY0 + 2100),
                     PMC_OK);
    assert_int_equal(pmc_store_order_update(s, "pmc-0000000000000003",
                                            PMC_OS_ACKED, "0xvenue3", NULL,
                                            DAY0 + 3100),
                     PMC_OK);
    assert_int_equal(pmc_store_seen(s, "0xaa:1", DAY0 + 10), PMC_OK);
    assert_int_equal(pmc_store_seen(s, "0xaa:2", DAY0 + 11), PMC_OK);
    assert_int_equal(pmc_store_seen(s, "0xaa:1", DAY0 + 12), PMC_OK);
    assert_int_equal(pmc_store_checkpoint(s, "chain", "block=123", DAY0 + 5),
                     PMC_OK);
    assert_int_equal(pmc_store_checkpoint(s, "chain", "block=124", DAY0 + 6),
                     PMC_OK);
    assert_int_equal(pmc_store_checkpoint(s, "rtds", "", DAY0 + 7), PMC_OK);
    close_ok(s);

    struct pmc_store_info info;
    s = open_ok(NULL, &info);
    assert_int_equal(info.orders, 3);
    assert_int_equal(info.open_orders, 2);
    assert_int_equal(info.seen_keys, 2);
    assert_int_equal(info.checkpoints, 2);
    assert_int_equal(info.journal_records, 1);
    enum pmc_order_status st;
    assert_int_equal(pmc_store_order_known(s, "pmc-0000000000000002", &st), 1);
    assert_int_equal(st, PMC_OS_REJECTED);
    assert_int_equal(pmc_store_order_known(s, "pmc-0000000000000003", &st), 1);
    assert_int_equal(st, PMC_OS_ACKED);
    assert_int_equal(pmc_store_order_known(s, "pmc-0000000000000009", &st), 0);
    /* a re-emitted order is refused, not overwritten */
    struct pmc_store_order o;
    memset(&o, 0, sizeof o);
    o.coid = "pmc-0000000000000001";
    o.token = "101";
    o.px = 1;
    o.sz = 1;
    assert_int_equal(pmc_store_order_new(s, &o), PMC_ESTATE);
    int n = 0;
    assert_int_equal(pmc_store_seen_each(s, count_seen, &n), PMC_OK);
    assert_int_equal(n, 2);
    char v[64];
    pmc_ms t = 0;
    assert_int_equal(pmc_store_checkpoint_get(s, "chain", v, sizeof v, &t), 1);
    assert_string_equal(v, "block=124");
    assert_int_equal(t, DAY0 + 6);
    assert_int_equal(pmc_store_checkpoint_get(s, "rtds", v, sizeof v, &t), 1);
    assert_string_equal(v, "");
    assert_int_equal(pmc_store_checkpoint_get(s, "none", v, sizeof v, &t), 0);
    assert_int_equal(pmc_store_checkpoint_get(s, "chain", v, 4, &t), -1);
    struct pmc_store_filter f = {0, 0, NULL, NULL, -1, 1};
    n = 0;
    assert_int_equal(pmc_store_orders_each(s, &f, count_order, &n), PMC_OK);
    assert_int_equal(n, 2); /* to reconcile: submitted 1 and acked 3 */
    close_ok(s);
}

/* ---- lifecycle --------------------------------------------------------------
 */

struct row_copy {
    enum pmc_order_status status;
    pmc_micros filled, avg_px, fees, filled_cost;
    int64_t nfills;
    pmc_ms ts_acked, ts_filled, ts_done, ts_decided, ts_submitted;
    char venue[64], error[64], traders[128];
    int paper, has_body;
};

static int copy_row(void *ctx, const struct pmc_store_order_row *r)
{
    struct row_copy *c = ctx;
    c->status = r->status;
    c->filled = r->filled;
    c->avg_px = r->avg_px;
    c->fees = r->fees;
    c->filled_cost = r->filled_cost;
    c->nfills = r->nfills;
    c->ts_acked = r->ts_acked;
    c->ts_filled = r->ts_filled;
    c->ts_done = r->ts_done;
    c->ts_decided = r->ts_decided;
    c->ts_submitted = r->ts_submitted;
    snprintf(c->venue, sizeof c->venue, "%s", r->venue_id ? r->venue_id : "");
    snprintf(c->error, sizeof c->error, "%s", r->error ? r->error : "");
    snprintf(c->traders, sizeof c->traders, "%s", r->traders);
    c->paper = r->paper;
    c->has_body = r->signed_body != NULL;
    return 1;
}

static void get_row(struct pmc_store *s, const char *coid, const char *token,
                    struct row_copy *c)
{
    assert_int_equal(pmc_store_sync(s), PMC_OK);
    struct pmc_store_filter f = {0, 0, token, NULL, -1, 0};
    memset(c, 0, sizeof *c);
    c->status = PMC_OS_COUNT;
    assert_int_equal(pmc_store_orders_each(s, &f, copy_row, c), PMC_OK);
    assert_int_not_equal(c->status, PMC_OS_COUNT);
    (void)coid;
}

static void test_lifecycle(void **state)
{
    (void)state;
    /* the transition table */
    assert_true(pmc_order_status_can(PMC_OS_SUBMITTED, PMC_OS_ACKED));
    assert_true(pmc_order_status_can(PMC_OS_SUBMITTED, PMC_OS_REJECTED));
    assert_false(pmc_order_status_can(PMC_OS_SUBMITTED, PMC_OS_CONFIRMED));
    assert_false(pmc_order_status_can(PMC_OS_ACKED, PMC_OS_SUBMITTED));
    assert_false(pmc_order_status_can(PMC_OS_MATCHED, PMC_OS_CANCELLED));
    for (int t = 0; t < PMC_OS_COUNT; t++) {
        assert_false(pmc_order_status_can(PMC_OS_CONFIRMED, t));
        assert_false(pmc_order_status_can(PMC_OS_REJECTED, t));
        assert_false(pmc_order_status_can(PMC_OS_FAILED, t));
        assert_false(pmc_order_status_can(PMC_OS_CANCELLED, t));
    }
    assert_int_equal(pmc_order_status_lookup("matched", 7), PMC_OS_MATCHED);
    assert_int_equal(pmc_order_status_lookup("nope", 4), -1);

    struct pmc_store *s = open_ok(NULL, NULL);
    struct pmc_store_src src[2] = {{TA, 600000}, {TB, 400000}};
    const char *A = "pmc-00000000000000a1";
    struct pmc_store_order o;
    memset(&o, 0, sizeof o);
    o.coid = A;
    o.token = "201";
    o.side = PMC_BUY;
    o.px = D("0.52");
    o.sz = D("10");
    o.keys = "0xk:1";
    o.src = src;
    o.nsrc = 2;
    o.signed_body = "{\"order\":{}}";
    o.order_hash = "0xabc";
    o.ts_decided = DAY0 + 100;
    o.ts_submitted = DAY0 + 101;
    assert_int_equal(pmc_store_order_new(s, &o), PMC_OK);

    assert_int_equal(pmc_store_order_update(s, "pmc-unknown", PMC_OS_ACKED,
                                            NULL, NULL, DAY0),
                     PMC_ENOTFOUND);
    assert_int_equal(pmc_store_fill(s, "pmc-unknown", NULL, 1, 1, 0, DAY0),
                     PMC_ENOTFOUND);
    assert_int_equal(
        pmc_store_order_update(s, A, PMC_OS_CONFIRMED, NULL, NULL, DAY0 + 150),
        PMC_ESTATE);
    assert_int_equal(
        pmc_store_order_update(s, A, PMC_OS_ACKED, "0xv1", NULL, DAY0 + 200),
        PMC_OK);
    assert_int_equal(
        pmc_store_order_update(s, A, PMC_OS_SUBMITTED, NULL, NULL, DAY0 + 210),
        PMC_ESTATE);
    assert_int_equal(pmc_store_fill(s, A, "trade-1", D("4"), D("0.5"),
                                    D("0.01"), DAY0 + 300),
                     PMC_OK);
    assert_int_equal(pmc_store_fill(s, A, "trade-2", D("6"), D("0.51"),
                                    D("0.02"), DAY0 + 320),
                     PMC_OK);
    /* the same trade reported twice is stored once */
    assert_int_equal(pmc_store_fill(s, A, "trade-2", D("6"), D("0.51"),
                                    D("0.02"), DAY0 + 330),
                     PMC_OK);
    assert_int_equal(pmc_store_fill(s, A, NULL, 0, D("0.5"), 0, DAY0),
                     PMC_ERANGE);
    assert_int_equal(
        pmc_store_order_update(s, A, PMC_OS_CANCELLED, NULL, NULL, DAY0 + 340),
        PMC_ESTATE);
    struct row_copy c;
    get_row(s, A, "201", &c);
    assert_int_equal(c.status, PMC_OS_MATCHED);
    assert_int_equal(c.filled, D("10"));
    assert_int_equal(c.filled_cost, D("5.06"));
    assert_int_equal(c.avg_px, D("0.506"));
    assert_int_equal(c.fees, D("0.03"));
    assert_int_equal(c.nfills, 2);
    assert_int_equal(c.ts_acked, DAY0 + 200);
    assert_int_equal(c.ts_filled, DAY0 + 300);
    assert_int_equal(c.ts_done, 0);
    assert_int_equal(c.ts_submitted, DAY0 + 101);
    assert_string_equal(c.venue, "0xv1");
    assert_string_equal(c.traders, TA "," TB);
    assert_int_equal(c.paper, 0);

    assert_int_equal(
        pmc_store_order_update(s, A, PMC_OS_CONFIRMED, NULL, NULL, DAY0 + 400),
        PMC_OK);
    assert_int_equal(
        pmc_store_fill(s, A, "trade-3", D("1"), D("0.5"), 0, DAY0 + 410),
        PMC_ESTATE);
    assert_int_equal(
        pmc_store_order_update(s, A, PMC_OS_FAILED, NULL, NULL, DAY0 + 420),
        PMC_ESTATE);
    get_row(s, A, "201", &c);
    assert_int_equal(c.status, PMC_OS_CONFIRMED);
    assert_int_equal(c.ts_done, DAY0 + 400);

    /* paper order, rejected: terminal, error kept */
    const char *B = "pmc-00000000000000b2";
    memset(&o, 0, sizeof o);
    o.coid = B;
    o.token = "202";
    o.side = PMC_SELL;
    o.px = D("0.3");
    o.sz = D("5");
    o.ts_decided = DAY0 + 500;
    assert_int_equal(pmc_store_order_new(s, &o), PMC_OK);
    assert_int_equal(pmc_store_order_update(s, B, PMC_OS_REJECTED, NULL,
                                            "not enough balance", DAY0 + 510),
                     PMC_OK);
    assert_int_equal(
        pmc_store_fill(s, B, NULL, D("1"), D("0.3"), 0, DAY0 + 520),
        PMC_ESTATE);
    get_row(s, B, "202", &c);
    assert_int_equal(c.status, PMC_OS_REJECTED);
    assert_string_equal(c.error, "not enough balance");
    assert_int_equal(c.paper, 1);
    assert_int_equal(c.has_body, 0);
    close_ok(s);
}

/* ---- trader statistics
 * -------------------------------------------------------- */

struct tstat {
    struct pmc_store_trader a, b;
};

static int get_tstat(void *ctx, const struct pmc_store_trader *t)
{
    struct tstat *x = ctx;
    if (!strcmp(t->trader, TA))
        x->a = *t;
    else if (!strcmp(t->trader, TB))
        x->b = *t;
    return 0;
}

static void test_trader_stats_daily_reset(void **state)
{
    (void)state;
    struct pmc_store *s = open_ok(NULL, NULL);
    struct pmc_store_src ab[2] = {{TA, 750000}, {TB, 250000}};
    struct pmc_store_src a1[1] = {{TA, PMC_MICRO}};
    /* day 0: two orders of $5 (0.5 x 10); A has 3/4 of the first */
    new_order(s, "pmc-1", "301", PMC_BUY, "0.5", "10", ab, 2, DAY0 + 1000);
    new_order(s, "pmc-2", "301", PMC_BUY, "0.5", "10", a1, 1,
              DAY0 + PMC_MS_PER_DAY - 1);
    struct tstat x;
    memset(&x, 0, sizeof x);
    /* the per-trader rows follow the order's commit asynchronously */
    assert_int_equal(pmc_store_sync(s), PMC_OK);
    assert_int_equal(pmc_store_traders_each(s, DAY0 + 5000, get_tstat, &x),
                     PMC_OK);
    assert_int_equal(x.a.trades_today, 2);
    assert_int_equal(x.a.notional_today, D("8.75"));
    assert_int_equal(x.b.trades_today, 1);
    assert_int_equal(x.b.notional_today, D("1.25"));
    /* results: a match is a success, a reject a failure */
    assert_int_equal(
        pmc_store_fill(s, "pmc-1", "t1", D("10"), D("0.5"), 0, DAY0 + 1100),
        PMC_OK);
    assert_int_equal(
        pmc_store_fill(s, "pmc-1", "t2", D("1"), D("0.5"), 0, DAY0 + 1200),
        PMC_OK); /* a second fill is not a second success */
    assert_int_equal(pmc_store_order_update(s, "pmc-2", PMC_OS_REJECTED, NULL,
                                            "no", DAY0 + 1300),
                     PMC_OK);
    /* day 1 (exactly midnight UTC): today's counters start again */
    new_order(s, "pmc-3", "301", PMC_BUY, "0.25", "4", a1, 1,
              DAY0 + PMC_MS_PER_DAY);
    assert_int_equal(pmc_store_sync(s), PMC_OK);
    memset(&x, 0, sizeof x);
    assert_int_equal(
        pmc_store_traders_each(s, DAY0 + PMC_MS_PER_DAY + 10, get_tstat, &x),
        PMC_OK);
    assert_int_equal(x.a.trades_today, 1);
    assert_int_equal(x.a.notional_today, D("1"));
    assert_int_equal(x.a.trades_total, 3);
    assert_int_equal(x.a.notional_total, D("9.75"));
    assert_int_equal(x.a.successes, 1);
    assert_int_equal(x.a.failures, 1);
    assert_int_equal(x.b.successes, 1);
    assert_int_equal(x.b.failures, 0);
    /* B traded on day 0 only: seen from day 1 its today is 0 */
    assert_int_equal(x.b.trades_today, 0);
    assert_int_equal(x.b.notional_today, 0);
    assert_int_equal(x.b.trades_total, 1);
    /* and seen from day 2, A's too */
    memset(&x, 0, sizeof x);
    assert_int_equal(
        pmc_store_traders_each(s, DAY0 + 2 * PMC_MS_PER_DAY, get_tstat, &x),
        PMC_OK);
    assert_int_equal(x.a.trades_today, 0);
    assert_int_equal(x.a.notional_today, 0);
    assert_int_equal(x.a.trades_total, 3);
    close_ok(s);
}

/* ---- positions and the views --------------------------------------------- */

#define TOK                                                                    \
    "217426331434639062905690501558262415330672727368976149504881568479499388" \
    "36455"

/* Buy 10 @ 0.40 (fee 0.01), sell 4 @ 0.60 (fee 0.02): basis 4.01 -> 2.406,
 * realised 2.38 - 1.604 = 0.776; quote mid 0.55 marks 6 shares at 3.3:
 * unrealised 0.894. */
static void build_small_db(struct pmc_store *s)
{
    struct pmc_store_src ab[2] = {{TA, 750000}, {TB, 250000}};
    struct pmc_store_src a1[1] = {{TA, PMC_MICRO}};
    journal_text(s, "t=1767229200000 ev=market token=" TOK
                    " market=0xc1 end=1767230100000 tick=0.01");
    new_order(s, "pmc-00000000000000c1", TOK, PMC_BUY, "0.45", "10", ab, 2,
              DAY0 + 3600000);
    assert_int_equal(pmc_store_fill(s, "pmc-00000000000000c1", "tr-1", D("10"),
                                    D("0.4"), D("0.01"), DAY0 + 3600100),
                     PMC_OK);
    assert_int_equal(pmc_store_order_update(s, "pmc-00000000000000c1",
                                            PMC_OS_CONFIRMED, NULL, NULL,
                                            DAY0 + 3600200),
                     PMC_OK);
    new_order(s, "pmc-00000000000000c2", TOK, PMC_SELL, "0.58", "4", a1, 1,
              DAY0 + 7200000);
    assert_int_equal(pmc_store_fill(s, "pmc-00000000000000c2", "tr-2", D("4"),
                                    D("0.6"), D("0.02"), DAY0 + 7200100),
                     PMC_OK);
    new_order(s, "pmc-00000000000000c3", "999", PMC_BUY, "0.5", "10", a1, 1,
              DAY0 + 7300000);
    assert_int_equal(pmc_store_order_update(s, "pmc-00000000000000c3",
                                            PMC_OS_REJECTED, NULL,
                                            "min size, \"5\"", DAY0 + 7300100),
                     PMC_OK);
    journal_text(s, "t=1767236500000 ev=quote token=" TOK " bid=0.5 ask=0.6");
    assert_int_equal(pmc_store_sync(s), PMC_OK);
}

static int get_pos(void *ctx, const struct pmc_store_position *p)
{
    struct pmc_store_position *out = ctx;
    if (!strcmp(p->token, TOK)) {
        *out = *p;
        out->token = NULL;
    }
    return 0;
}

static void test_positions_view(void **state)
{
    (void)state;
    struct pmc_store *s = open_ok(NULL, NULL);
    build_small_db(s);
    struct pmc_store_position p;
    memset(&p, 0, sizeof p);
    assert_int_equal(pmc_store_positions_each(s, get_pos, &p), PMC_OK);
    assert_int_equal(p.shares, D("6"));
    assert_int_equal(p.cost_basis, D("2.406"));
    assert_int_equal(p.avg_px, D("0.401"));
    assert_int_equal(p.realized, D("0.776"));
    assert_int_equal(p.has_mark, 1);
    assert_int_equal(p.mark, D("0.55"));
    assert_int_equal(p.unrealized, D("0.894"));
    assert_int_equal(p.bought, D("4"));
    assert_int_equal(p.sold, D("2.4"));
    assert_int_equal(p.fees, D("0.03"));
    assert_int_equal(p.nfills, 2);
    assert_int_equal(p.resolved, 0);
    /* a caller-supplied mark */
    assert_int_equal(pmc_store_mark(s, TOK, D("0.7"), 0, DAY0 + 8000000),
                     PMC_OK);
    assert_int_equal(pmc_store_sync(s), PMC_OK);
    assert_int_equal(pmc_store_positions_each(s, get_pos, &p), PMC_OK);
    assert_int_equal(p.unrealized, D("1.794"));
    /* resolution pays 1: realised, and later quotes no longer mark it */
    journal_text(s, "t=1767240000000 ev=resolve token=" TOK " payout=1");
    journal_text(s, "t=1767240000001 ev=trade token=" TOK " px=0.2 sz=1");
    assert_int_equal(pmc_store_sync(s), PMC_OK);
    assert_int_equal(pmc_store_positions_each(s, get_pos, &p), PMC_OK);
    assert_int_equal(p.resolved, 1);
    assert_int_equal(p.mark, D("1"));
    assert_int_equal(p.realized, D("4.37"));
    assert_int_equal(p.unrealized, 0);
    close_ok(s);
}

static void test_views_output(void **state)
{
    (void)state;
    struct pmc_store *s = open_ok(NULL, NULL);
    build_small_db(s);
    close_ok(s);
    static char out[1 << 16];

    char *pj[] = {"positions", "--db", dbpath, "--json", NULL};
    assert_int_equal(capture(pmc_cmd_positions, pj, out, sizeof out), 0);
    assert_non_null(strstr(out, "\"token\": \"" TOK "\", \"shares\": 6, "
                                "\"avg_px\": 0.401, \"cost_basis\": 2.406, "
                                "\"mark\": 0.55"));
    assert_non_null(strstr(out, "\"realized\": 0.776, \"unrealized\": 0.894"));
    assert_non_null(strstr(out, "\"totals\": {\"positions\": 1"));

    char *hc[] = {"history", "--db", dbpath, "--csv", NULL};
    assert_int_equal(capture(pmc_cmd_history, hc, out, sizeof out), 0);
    assert_true(!strncmp(out, "coid,status,side,token,limit_px,size,tif,", 41));
    assert_non_null(strstr(out, "pmc-00000000000000c1,confirmed,BUY," TOK
                                ",0.45,10,FAK,10,0.4,4,0.01,1,\"" TA "," TB
                                "\",\"0xk1:1,0xk2:2\",,,1,,"));
    /* quotes in an error are doubled */
    assert_non_null(strstr(out, ",\"min size, \"\"5\"\"\","));

    char *hf[] = {"history",  "--db",     dbpath, "--json",
                  "--status", "rejected", NULL};
    assert_int_equal(capture(pmc_cmd_history, hf, out, sizeof out), 0);
    assert_non_null(strstr(out, "\"coid\": \"pmc-00000000000000c3\""));
    assert_null(strstr(out, "pmc-00000000000000c1"));
    assert_non_null(strstr(out, "\"error\": \"min size, \\\"5\\\"\""));

    char *ht[] = {"history",
                  "--db",
                  dbpath,
                  "--trader",
                  TB,
                  "--since",
                  "2026-01-01T00:30:00Z",
                  NULL};
    assert_int_equal(capture(pmc_cmd_history, ht, out, sizeof out), 0);
    assert_non_null(strstr(out, "pmc-00000000000000c1"));
    assert_null(strstr(out, "pmc-00000000000000c2"));
    assert_non_null(strstr(out, "1 orders"));

    char *tj[] = {"traders", "--db", dbpath, "--json", NULL};
    assert_int_equal(capture(pmc_cmd_traders, tj, out, sizeof out), 0);
    /* realised 0.776 split by buy share: A 3.0 of 4.0, B 1.0 of 4.0 */
    assert_non_null(strstr(out, "\"trader\": \"" TA "\", \"orders\": 3, "
                                "\"fills\": 2, \"copied_notional\": 10.695, "
                                "\"filled_cost\": 5.4, \"realized\": 0.582, "
                                "\"successes\": 2, \"failures\": 1"));
    assert_non_null(strstr(out, "\"trader\": \"" TB "\", \"orders\": 1, "
                                "\"fills\": 1, \"copied_notional\": 1.125, "
                                "\"filled_cost\": 1, \"realized\": 0.194, "
                                "\"successes\": 1, \"failures\": 0"));

    char *bad[] = {"history", "--db", dbpath, "--status", "bogus", NULL};
    assert_int_equal(capture(pmc_cmd_history, bad, out, sizeof out), 2);
}

/* ---- bad files ------------------------------------------------------------
 */

static void expect_open_fail(enum pmc_err want, const char *needle, int ro)
{
    struct pmc_store_opts o = {0};
    o.readonly = ro;
    struct pmc_store *s = (struct pmc_store *)1;
    char err[512];
    enum pmc_err e = pmc_store_open(dbpath, &o, &s, NULL, err, sizeof err);
    if (e != want || s != NULL || !strstr(err, dbpath) || !strstr(err, needle))
        fail_msg("open: got %s '%s', want %s '%s'", pmc_strerror(e), err,
                 pmc_strerror(want), needle);
}

static void write_file(const char *data, size_t n)
{
    FILE *f = fopen(dbpath, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    fclose(f);
}

struct walk_err {
    int rows;
};

static int count_any(void *ctx, const struct pmc_store_position *p)
{
    (void)p;
    ((struct walk_err *)ctx)->rows++;
    return 0;
}

static void test_bad_files(void **state)
{
    (void)state;
    /* missing (read-only views do not create) */
    expect_open_fail(PMC_EIO, "No such file", 1);
    /* garbage */
    write_file("this is not a database, just text\n", 35);
    expect_open_fail(PMC_EPARSE, "not a database", 0);
    expect_open_fail(PMC_EPARSE, "not a database", 1);
    /* empty file: read-only refuses it */
    write_file("", 0);
    expect_open_fail(PMC_EPARSE, "empty database", 1);
    unlink(dbpath);
    /* a foreign SQLite database */
    sql_exec("CREATE TABLE x(a); INSERT INTO x VALUES (1);");
    expect_open_fail(PMC_EPARSE, "not a pmcopy store", 0);
    unlink(dbpath);
    /* a newer schema */
    struct pmc_store *s = open_ok(NULL, NULL);
    close_ok(s);
    sql_exec("PRAGMA user_version=99");
    expect_open_fail(PMC_ENOTSUP, "newer pmcopy", 0);
    unlink(dbpath);
    /* a damaged store: a valid one with garbage over its later pages must
     * give errors, not a crash */
    s = open_ok(NULL, NULL);
    build_small_db(s);
    close_ok(s);
    struct stat sb;
    assert_int_equal(stat(dbpath, &sb), 0);
    assert_true(sb.st_size > 8192);
    int fd = open(dbpath, O_WRONLY);
    assert_true(fd >= 0);
    static char junk[1 << 16];
    memset(junk, 0xA5, sizeof junk);
    /* every page after the first, however many the schema makes */
    for (off_t at = 4096; at < sb.st_size; at += (off_t)sizeof junk) {
        size_t n = (size_t)(sb.st_size - at) < sizeof junk
                       ? (size_t)(sb.st_size - at)
                       : sizeof junk;
        assert_true(pwrite(fd, junk, n, at) > 0);
    }
    close(fd);
    struct pmc_store_opts ro = {0};
    ro.readonly = 1;
    char err[512];
    s = NULL;
    enum pmc_err e = pmc_store_open(dbpath, &ro, &s, NULL, err, sizeof err);
    if (e == PMC_OK) {
        struct walk_err w = {0};
        e = pmc_store_positions_each(s, count_any, &w);
        assert_int_not_equal(e, PMC_OK);
        assert_non_null(strstr(pmc_store_errmsg(s), dbpath));
        assert_int_equal(pmc_store_close(s), PMC_OK);
    } else {
        assert_null(s);
        assert_non_null(strstr(err, dbpath));
        assert_non_null(strstr(err, "malformed"));
    }
}

static void test_dir_path(void **state)
{
    (void)state;
    snprintf(dbpath, sizeof dbpath, "%s", tmpdir);
    expect_open_fail(PMC_EIO, "not a regular file", 0);
    snprintf(dbpath, sizeof dbpath, "%s/t.db", tmpdir);
}

/* ---- errors and fault injection ------------------------------------------
 *
 * Every error path sets a message naming what and where; the message is a
 * copy the calling thread owns; the fault hooks (store.h) make each write
 * path fail in turn and the store reports it, keeps everything committed,
 * never hangs (an alarm ends a test that deadlocks) and the next open
 * recovers everything durable. */

#define QUOTE_FMT "t=%lld ev=quote token=101 bid=0.5 ask=0.6"

static void unlink_store(void)
{
    static const char *const sfx[] = {"", "-wal", "-shm", "-olog"};
    char p[192];
    for (size_t i = 0; i < PMC_ARRAY_LEN(sfx); i++) {
        snprintf(p, sizeof p, "%s%s", dbpath, sfx[i]);
        unlink(p);
    }
}

/* The message of the last error contains needle (and the store's path). */
static void expect_msg(struct pmc_store *s, const char *needle)
{
    const char *m = pmc_store_errmsg(s);
    if (!strstr(m, needle) || !strstr(m, dbpath))
        fail_msg("errmsg '%s' does not name '%s'", m, needle);
}

static void test_error_messages(void **state)
{
    (void)state;
    struct pmc_store *s = open_ok(NULL, NULL);
    struct pmc_store_src a1 = {TA, PMC_MICRO};
    new_order(s, "pmc-m1", "101", PMC_BUY, "0.5", "10", &a1, 1, DAY0);
    assert_int_equal(pmc_store_seen(s, "", DAY0), PMC_ERANGE);
    expect_msg(s, "seen: a key of 0 bytes");
    char big[PMC_STORE_CKPT_MAX + 2];
    memset(big, 'v', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(pmc_store_checkpoint(s, "chain", big, DAY0), PMC_ERANGE);
    expect_msg(s, "checkpoint: ");
    assert_int_equal(pmc_store_mark(s, "101", -1, 0, DAY0), PMC_ERANGE);
    expect_msg(s, "mark: ");
    assert_int_equal(pmc_store_journal_line(s, "x", 0, NULL), PMC_ERANGE);
    expect_msg(s, "journal line: 0 bytes");
    assert_int_equal(pmc_store_journal_line(s, "# c", 3, NULL), PMC_EPARSE);
    expect_msg(s, "journal line: ");
    assert_int_equal(pmc_store_fill(s, "pmc-m1", NULL, 0, 500000, 0, DAY0),
                     PMC_ERANGE);
    expect_msg(s, "fill: order pmc-m1: size 0");
    assert_int_equal(pmc_store_fill(s, "nope", NULL, 1, 1, 0, DAY0),
                     PMC_ENOTFOUND);
    expect_msg(s, "fill: unknown order 'nope'");
    assert_int_equal(
        pmc_store_order_update(s, "nope", PMC_OS_ACKED, NULL, NULL, DAY0),
        PMC_ENOTFOUND);
    expect_msg(s, "order_update: unknown order 'nope'");
    assert_int_equal(
        pmc_store_order_update(s, "pmc-m1", PMC_OS_CONFIRMED, NULL, NULL, DAY0),
        PMC_ESTATE);
    expect_msg(s, "submitted -> confirmed");
    struct pmc_store_order o;
    memset(&o, 0, sizeof o);
    o.coid = "pmc-m2";
    o.token = "101";
    o.px = 0;
    o.sz = PMC_MICRO;
    assert_int_equal(pmc_store_order_new(s, &o), PMC_ERANGE);
    expect_msg(s, "order_new: order 'pmc-m2'");
    o.px = 500000;
    o.coid = "pmc-m1";
    assert_int_equal(pmc_store_order_new(s, &o), PMC_ESTATE);
    expect_msg(s, "order pmc-m1 is already known");
    /* an item bigger than half the ring */
    struct pmc_store_order ob = o;
    size_t bn = (4u << 20) / 2 + 16;
    char *body = malloc(bn + 1);
    assert_non_null(body);
    memset(body, 'b', bn);
    body[bn] = '\0';
    ob.coid = "pmc-m3";
    ob.signed_body = body;
    assert_int_equal(pmc_store_order_new(s, &ob), PMC_ERANGE);
    expect_msg(s, "exceeds half the ring");
    free(body);
    /* none of these failed the store */
    assert_int_equal(pmc_store_sync(s), PMC_OK);
    close_ok(s);
    /* read-only: every write is refused, with a message */
    s = open_ro();
    assert_int_equal(pmc_store_seen(s, "k", DAY0), PMC_ESTATE);
    expect_msg(s, "read-only");
    assert_int_equal(pmc_store_close(s), PMC_OK);
}

/* pmc_store_errmsg from one thread while the writer thread fails the
 * store: the caller's string is its own copy (taken under the lock), so
 * the writer's message never changes it under the reader's feet. */
struct errmsg_reader {
    struct pmc_store *s;
    atomic_int stop;
    long reads;
};

static void *errmsg_reader_main(void *arg)
{
    struct errmsg_reader *r = arg;
    while (!atomic_load(&r->stop)) {
        const char *m = pmc_store_errmsg(r->s);
        size_t n = strlen(m);
        r->reads += n > 0;
    }
    return NULL;
}

static void wait_failed(struct pmc_store *s)
{
    struct pmc_store_stats st;
    for (int i = 0; i < 5000; i++) {
        pmc_store_stats(s, &st);
        if (st.failed)
            return;
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    fail_msg("the writer did not fail the store");
}

static void test_errmsg_thread_copy(void **state)
{
    (void)state;
    alarm(60);
    struct pmc_store *s = open_ok(NULL, NULL);
    assert_int_equal(pmc_store_seen(s, "", DAY0), PMC_ERANGE);
    const char *before = pmc_store_errmsg(s);
    char want[512];
    snprintf(want, sizeof want, "%s", before);
    assert_non_null(strstr(want, "seen: a key of 0 bytes"));
    /* a reader thread reads the message while the writer fails the store
     * (a data race TSan reports when errmsg reads the store's buffer) */
    struct errmsg_reader rd = {s, 0, 0};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, errmsg_reader_main, &rd), 0);
    pmc_store_fault_set(PMC_STORE_FAULT_STEP, 1, EIO);
    char line[128];
    snprintf(line, sizeof line, QUOTE_FMT, (long long)DAY0);
    journal_text(s, line);
    wait_failed(s);
    atomic_store(&rd.stop, 1);
    pthread_join(th, NULL);
    /* this thread's copy still holds what it read */
    assert_string_equal(before, want);
    /* and the next call sees the writer's failure */
    expect_msg(s, "disk I/O error (injected)");
    assert_int_equal(pmc_store_seen(s, "k", DAY0), PMC_EIO);
    expect_msg(s, "disk I/O error (injected)"); /* the first failure */
    assert_int_equal(pmc_store_close(s), PMC_EIO);
    alarm(0);
}

/* A fixed workload on a fresh store with a fault armed after the open:
 * journal records, orders (with a big signed body when body > 0), fills,
 * syncs. Every call returns OK or, from the failure on, the failure; the
 * message names it. Returns 1 if the fault fired. */
struct outcome {
    unsigned orders;     /* orders 0..orders-1 returned OK: durable */
    uint64_t synced_seq; /* journal records committed by a sync */
    int failed;
    char msg[512];
};

#define WL_ROUNDS 6

static int run_workload(const struct pmc_store_opts *o,
                        enum pmc_store_fault kind, long nth, int err,
                        size_t body, const char *needle, struct outcome *out)
{
    memset(out, 0, sizeof *out);
    unlink_store();
    struct pmc_store *s = open_ok(o, NULL);
    char *bodybuf = NULL;
    if (body) {
        bodybuf = malloc(body + 1);
        assert_non_null(bodybuf);
        memset(bodybuf, 'b', body);
        bodybuf[body] = '\0';
    }
    long fired0 = pmc_store_fault_fired();
    pmc_store_fault_set(kind, nth, err);
    enum pmc_err want = kind == PMC_STORE_FAULT_ALLOC ? PMC_ENOMEM : PMC_EIO;
    pmc_ms t = DAY0;
#define WL_CALL(expr)                                                          \
    do {                                                                       \
        enum pmc_err e_ = (expr);                                              \
        if (e_ != PMC_OK) {                                                    \
            if (!out->failed) {                                                \
                if (e_ != want)                                                \
                    fail_msg("%s: %s, want %s (%s)", #expr, pmc_strerror(e_),  \
                             pmc_strerror(want), pmc_store_errmsg(s));         \
                snprintf(out->msg, sizeof out->msg, "%s",                      \
                         pmc_store_errmsg(s));                                 \
                if (!strstr(out->msg, needle))                                 \
                    fail_msg("%s: message '%s' lacks '%s'", #expr, out->msg,   \
                             needle);                                          \
            } else if (e_ != PMC_EIO && e_ != want) {                          \
                fail_msg("%s after the failure: %s", #expr, pmc_strerror(e_)); \
            }                                                                  \
            out->failed = 1;                                                   \
        }                                                                      \
        ok_ = e_ == PMC_OK;                                                    \
    } while (0)
    int ok_ = 0;
    for (unsigned i = 0; i < WL_ROUNDS; i++) {
        char line[128], coid[32];
        for (int j = 0; j < 4; j++) {
            snprintf(line, sizeof line, QUOTE_FMT, (long long)(t += 10));
            struct pmc_record r;
            struct pmc_tape_err te;
            int has = 0;
            assert_int_equal(pmc_tape_parse(line, strlen(line), &r, &has, &te),
                             PMC_OK);
            WL_CALL(pmc_store_journal(s, &r, NULL));
        }
        snprintf(coid, sizeof coid, "wl-%u", i);
        struct pmc_store_src src[2] = {{TA, 600000}, {TB, 400000}};
        struct pmc_store_order ord;
        memset(&ord, 0, sizeof ord);
        ord.coid = coid;
        ord.token = "101";
        ord.px = 520000;
        ord.sz = 10 * PMC_MICRO;
        ord.keys = "0xk:0";
        ord.src = src;
        ord.nsrc = 2;
        ord.signed_body = bodybuf;
        ord.ts_decided = t;
        WL_CALL(pmc_store_order_new(s, &ord));
        if (ok_ && !out->failed)
            out->orders = i + 1;
        WL_CALL(pmc_store_seen(s, coid, t));
        WL_CALL(pmc_store_fill(s, coid, "tr", 5 * PMC_MICRO, 510000, 0, t));
        if (i % 2) {
            struct pmc_store_stats st;
            pmc_store_stats(s, &st);
            WL_CALL(pmc_store_sync(s));
            if (ok_ && !out->failed)
                out->synced_seq = st.journal_seq;
        }
    }
    enum pmc_err ce = pmc_store_close(s);
    int fired = pmc_store_fault_fired() > fired0;
    pmc_store_fault_set(PMC_STORE_FAULT_OFF, 0, 0);
    if (fired && kind != PMC_STORE_FAULT_ALLOC)
        assert_int_equal(ce, PMC_EIO); /* a failed store stays failed */
    if (!fired)
        assert_int_equal(ce, PMC_OK);
    if (ce != PMC_OK && !out->failed) { /* failed in the final commit */
        out->failed = 1;
    }
    free(bodybuf);
#undef WL_CALL
    return fired;
}

static int count_journal(struct pmc_store *s, uint64_t *last)
{
    struct pmc_store_cursor *c;
    assert_int_equal(pmc_store_cursor_open(s, 1, &c), PMC_OK);
    const char *line;
    size_t n;
    uint64_t seq, want = 1;
    int k, rows = 0;
    while ((k = pmc_store_cursor_next(c, &seq, NULL, &line, &n)) == 1) {
        assert_int_equal(seq, want); /* a prefix: no hole */
        want++;
        rows++;
    }
    assert_int_equal(k, 0);
    pmc_store_cursor_close(c);
    *last = want - 1;
    return rows;
}

/* After a workload: the next open (no fault) holds every order that
 * returned OK, every record a successful sync committed, a gap-free
 * journal in which every order's inputs precede it, and works. */
static void check_recovered(const struct outcome *o)
{
    struct pmc_store_info info;
    struct pmc_store *s = open_ok(NULL, &info);
    for (unsigned i = 0; i < o->orders; i++) {
        char coid[32];
        snprintf(coid, sizeof coid, "wl-%u", i);
        if (!pmc_store_order_known(s, coid, NULL))
            fail_msg("order %s returned OK but is lost (%s)", coid, o->msg);
    }
    uint64_t last;
    count_journal(s, &last);
    if (last < o->synced_seq)
        fail_msg("journal ends at %llu, a sync committed %llu (%s)",
                 (unsigned long long)last, (unsigned long long)o->synced_seq,
                 o->msg);
    /* the orders' inputs: 4 records per round before each order */
    if (info.orders && last < 4 * (uint64_t)info.orders)
        fail_msg("%llu orders but only %llu journal records",
                 (unsigned long long)info.orders, (unsigned long long)last);
    struct pmc_store_stats st;
    pmc_store_stats(s, &st);
    assert_int_equal(st.failed, 0);
    assert_int_equal(pmc_store_seen(s, "after", DAY0), PMC_OK);
    assert_int_equal(pmc_store_sync(s), PMC_OK);
    close_ok(s);
}

/* Fail the nth occurrence of a path for n = 1, 2, ... until the workload
 * runs through without reaching it; returns how many failed. */
static int fault_sweep(const struct pmc_store_opts *o,
                       enum pmc_store_fault kind, int err, size_t body,
                       const char *needle, long step)
{
    int fails = 0;
    for (long n = 1;; n += step) {
        struct outcome out;
        if (!run_workload(o, kind, n, err, body, needle, &out))
            break;
        assert_true(out.failed);
        check_recovered(&out);
        fails++;
    }
    return fails;
}

static void test_fault_sqlite_step(void **state)
{
    (void)state;
    alarm(300);
    /* every write step of the workload in turn: I/O error */
    int n = fault_sweep(NULL, PMC_STORE_FAULT_STEP, EIO, 0,
                        "disk I/O error (injected)", 1);
    assert_true(n > 20);
    /* a full disk, every third step */
    n = fault_sweep(NULL, PMC_STORE_FAULT_STEP, ENOSPC, 0,
                    "database or disk is full (injected)", 3);
    assert_true(n > 5);
    alarm(0);
}

static void test_fault_olog_append(void **state)
{
    (void)state;
    alarm(120);
    struct pmc_store_opts wv = {0};
    wv.log_writev = 1;
    /* each order's append, mapped and by writev(2), I/O error and full */
    assert_int_equal(fault_sweep(NULL, PMC_STORE_FAULT_OLOG, EIO, 0,
                                 "write: Input/output error (injected)", 1),
                     WL_ROUNDS);
    assert_int_equal(fault_sweep(&wv, PMC_STORE_FAULT_OLOG, ENOSPC, 0,
                                 "No space left on device (injected)", 1),
                     WL_ROUNDS);
    alarm(0);
}

static void test_fault_olog_grow(void **state)
{
    (void)state;
    alarm(120);
    /* 5 MiB signed bodies: the 4 MiB mapped log grows at the first order
     * (and again when the writer has not caught up); each growth fails in
     * turn as on a full disk */
    struct pmc_store_opts o = {0};
    o.ring_bytes = 16u << 20;
    int n = fault_sweep(&o, PMC_STORE_FAULT_GROW, 0, 5u << 20,
                        "bytes: No space left on device (injected)", 1);
    assert_true(n >= 1);
    alarm(0);
}

static void test_fault_alloc(void **state)
{
    (void)state;
    alarm(120);
    /* a failed store leaves its order log: each allocation of the open
     * that replays it fails in turn, then the open recovers it all */
    struct outcome out;
    assert_true(run_workload(NULL, PMC_STORE_FAULT_STEP, 30, EIO, 0,
                             "(injected)", &out));
    assert_true(out.orders > 0);
    int fails = 0;
    for (long n = 1;; n++) {
        pmc_store_fault_set(PMC_STORE_FAULT_ALLOC, n, 0);
        long f0 = pmc_store_fault_fired();
        struct pmc_store *s = NULL;
        char err[512];
        enum pmc_err e =
            pmc_store_open(dbpath, NULL, &s, NULL, err, sizeof err);
        int fired = pmc_store_fault_fired() > f0;
        pmc_store_fault_set(PMC_STORE_FAULT_OFF, 0, 0);
        if (!fired) {
            assert_int_equal(e, PMC_OK);
            close_ok(s);
            break;
        }
        if (e != PMC_ENOMEM || s || !strstr(err, "out of memory"))
            fail_msg("alloc %ld: %s '%s'", n, pmc_strerror(e), err);
        fails++;
    }
    assert_true(fails >= 5);
    check_recovered(&out);

    /* the order index grows at its 513th order: that allocation fails,
     * the order is refused with ENOMEM, nothing is lost, the next works */
    unlink_store();
    struct pmc_store *s = open_ok(NULL, NULL);
    struct pmc_store_src a1 = {TA, PMC_MICRO};
    char coid[32];
    for (int i = 0; i < 512; i++) {
        snprintf(coid, sizeof coid, "ix-%d", i);
        new_order(s, coid, "101", PMC_BUY, "0.5", "1", &a1, 1, DAY0 + i);
    }
    pmc_store_fault_set(PMC_STORE_FAULT_ALLOC, 1, 0);
    struct pmc_store_order o;
    memset(&o, 0, sizeof o);
    o.coid = "ix-512";
    o.token = "101";
    o.px = 500000;
    o.sz = PMC_MICRO;
    assert_int_equal(pmc_store_order_new(s, &o), PMC_ENOMEM);
    expect_msg(s, "order ix-512: the order index cannot grow: out of memory");
    assert_int_equal(pmc_store_order_known(s, "ix-512", NULL), 0);
    assert_int_equal(pmc_store_order_new(s, &o), PMC_OK);
    close_ok(s);
    struct pmc_store_info info;
    s = open_ok(NULL, &info);
    assert_int_equal(info.orders, 513);
    close_ok(s);
    alarm(0);
}

static void test_fault_queue(void **state)
{
    (void)state;
    static const struct {
        enum pmc_store_fault kind;
        const char *what;
    } k[] = {
        {PMC_STORE_FAULT_QUEUE, "journal record"},
        {PMC_STORE_FAULT_JOURNAL, "journal record"},
        {PMC_STORE_FAULT_SEEN, "seen key"},
        {PMC_STORE_FAULT_CKPT, "checkpoint"},
        {PMC_STORE_FAULT_UPDATE, "order update"},
        {PMC_STORE_FAULT_FILL, "fill"},
    };
    struct pmc_store *s = open_ok(NULL, NULL);
    struct pmc_store_src a1 = {TA, PMC_MICRO};
    char line[128];
    for (size_t i = 0; i < PMC_ARRAY_LEN(k); i++) {
        char coid[32];
        snprintf(coid, sizeof coid, "q-%zu", i);
        new_order(s, coid, "101", PMC_BUY, "0.5", "10", &a1, 1, DAY0);
        pmc_store_fault_set(k[i].kind, 1, 0);
        snprintf(line, sizeof line, QUOTE_FMT, (long long)DAY0);
        struct pmc_record r;
        struct pmc_tape_err te;
        int has = 0;
        assert_int_equal(pmc_tape_parse(line, strlen(line), &r, &has, &te),
                         PMC_OK);
        enum pmc_err e[5] = {
            pmc_store_journal(s, &r, NULL), pmc_store_seen(s, coid, DAY0),
            pmc_store_checkpoint(s, "chain", "7", DAY0),
            pmc_store_order_update(s, coid, PMC_OS_ACKED, NULL, NULL, DAY0),
            pmc_store_fill(s, coid, NULL, PMC_MICRO, 500000, 0, DAY0)};
        int refused = 0;
        for (int j = 0; j < 5; j++)
            if (e[j] != PMC_OK) {
                assert_int_equal(e[j], PMC_ERANGE);
                refused++;
            }
        assert_int_equal(refused, 1);
        expect_msg(s, k[i].what);
        expect_msg(s, "(injected)");
    }
    assert_int_equal(pmc_store_sync(s), PMC_OK);
    close_ok(s);
}

/* ---- one P&L: the store's positions equal the engine's ------------------
 *
 * Random fills go through the decision core (pmc_driver: source fills make
 * orders, exec reports fill them in parts) and the same orders and fills
 * through the store; per token the shares, cost basis, realised P&L
 * (after partial sells, and after a resolution) and unrealised P&L at a
 * mark agree to the micro-unit, with notionals well past $9.2M. */

struct eng_orders {
    char coid[64][PMC_SYM_MAX + 1];
    char token[64][PMC_SYM_MAX + 1];
    enum pmc_side side[64];
    pmc_micros px[64], sz[64];
    size_t n;
};

static enum pmc_err eng_collect(void *ctx, const struct pmc_record *a)
{
    struct eng_orders *o = ctx;
    if (a->kind != PMC_K_ORDER)
        return PMC_OK;
    assert_true(o->n < 64);
    snprintf(o->coid[o->n], sizeof o->coid[0], "%s", a->u.order.coid.s);
    snprintf(o->token[o->n], sizeof o->token[0], "%s", a->u.order.token.s);
    o->side[o->n] = a->u.order.side;
    o->px[o->n] = a->u.order.px;
    o->sz[o->n] = a->u.order.sz;
    o->n++;
    return PMC_OK;
}

static void feed_both(struct pmc_driver *d, struct pmc_store *s,
                      const char *line, int journal)
{
    struct pmc_record r;
    struct pmc_tape_err te;
    int has = 0;
    if (pmc_tape_parse(line, strlen(line), &r, &has, &te) != PMC_OK || !has)
        fail_msg("bad line %s: %s", line, te.msg);
    assert_int_equal(pmc_driver_feed(d, &r), PMC_OK);
    if (journal)
        assert_int_equal(pmc_store_journal(s, &r, NULL), PMC_OK);
}

static uint32_t xs32(uint32_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    return *x;
}

struct pos_set {
    struct pmc_store_position p[8];
    char tok[8][PMC_SYM_MAX + 1];
    size_t n;
};

static int collect_pos(void *ctx, const struct pmc_store_position *p)
{
    struct pos_set *ps = ctx;
    assert_true(ps->n < 8);
    ps->p[ps->n] = *p;
    snprintf(ps->tok[ps->n], sizeof ps->tok[0], "%s", p->token);
    ps->p[ps->n].token = ps->tok[ps->n];
    ps->n++;
    return 0;
}

static const struct pmc_store_position *pos_of(const struct pos_set *ps,
                                               const char *tok)
{
    for (size_t i = 0; i < ps->n; i++)
        if (!strcmp(ps->tok[i], tok))
            return &ps->p[i];
    return NULL;
}

/* Compare every engine position with the store's; returns the largest
 * basis seen (micros). */
static pmc_micros compare_positions(struct pmc_driver *d, struct pmc_store *s,
                                    int resolved_phase)
{
    assert_int_equal(pmc_store_sync(s), PMC_OK);
    struct pos_set ps;
    memset(&ps, 0, sizeof ps);
    assert_int_equal(pmc_store_positions_each(s, collect_pos, &ps), PMC_OK);
    pmc_micros big = 0;
    struct pmc_position_view v;
    for (uint32_t i = 0; pmc_engine_position(d->eng, i, &v); i++) {
        const struct pmc_store_position *p = pos_of(&ps, v.token->s);
        if (!p) {
            assert_int_equal(v.shares, 0);
            assert_int_equal(v.realized, 0);
            continue;
        }
        if (!resolved_phase || !v.resolved) {
            if (p->shares != v.shares || p->cost_basis != v.cost)
                fail_msg("token %s: store %lld shares basis %lld, engine "
                         "%lld basis %lld",
                         v.token->s, (long long)p->shares,
                         (long long)p->cost_basis, (long long)v.shares,
                         (long long)v.cost);
            /* at the store's mark (the engine also marks at source
             * fills, which the store does not journal here) */
            pmc_micros eu = p->has_mark && v.shares
                                ? pmc_mul(v.shares, p->mark) - v.cost
                                : 0;
            assert_int_equal(p->unrealized, eu);
        }
        if (p->realized != v.realized)
            fail_msg("token %s: realised store %lld engine %lld", v.token->s,
                     (long long)p->realized, (long long)v.realized);
        if (p->cost_basis > big)
            big = p->cost_basis;
    }
    return big;
}

static void test_positions_equal_engine(void **state)
{
    (void)state;
    struct pmc_config c;
    pmc_config_defaults(&c);
    assert_int_equal(pmc_config_add_trader(&c, TA, strlen(TA), "a", -1, 0, 1),
                     PMC_OK);
    c.copy_mode = PMC_MODE_PER_FILL;
    c.sizing = PMC_SIZE_PROPORTIONAL;
    c.ratio = PMC_MICRO;
    c.max_slippage = 0;
    pmc_micros huge = (pmc_micros)1000000000 * PMC_MICRO; /* $1e9 */
    c.max_notional_per_order_usd = huge;
    c.max_notional_per_market_usd = huge;
    c.max_total_notional_per_15m_window_usd = huge;
    c.max_daily_volume_usd = huge;
    c.max_pending_usd = huge;
    c.kill_max_daily_loss_usd = huge;
    c.bypass_shares = 1;
    static const char *const toks[3] = {"501", "502", "503"};
    uint32_t rng = 0x9e3779b9u;
    pmc_micros biggest = 0;
    int sells = 0, partial = 0, fails = 0, fparts = 0;
    for (int trial = 0; trial < 4; trial++) {
        unlink_store();
        struct pmc_store *s = open_ok(NULL, NULL);
        struct eng_orders *eo = calloc(1, sizeof *eo);
        assert_non_null(eo);
        struct pmc_driver d;
        size_t dsz = pmc_driver_mem_size(&c);
        void *dmem = aligned_alloc(64, (dsz + 63) & ~(size_t)63);
        assert_non_null(dmem);
        struct pmc_driver_hook hook = {eo, NULL, eng_collect};
        assert_int_equal(pmc_driver_init(&d, dmem, dsz, &c, NULL, &hook),
                         PMC_OK);
        pmc_ms t = T0;
        char line[512], a[24], b[24], f[24];
        for (int k = 0; k < 3; k++) {
            snprintf(line, sizeof line,
                     "t=%lld ev=market token=%s market=0xm%d end=%lld "
                     "tick=0.01",
                     (long long)t, toks[k], k, (long long)(T0 + 86400000));
            feed_both(&d, s, line, 0);
        }
        for (int step = 0; step < 120; step++) {
            const char *tok = toks[xs32(&rng) % 3];
            int sell = xs32(&rng) % 5 < 2;
            /* a quarter of them big: up to 40M shares (~$20M) */
            pmc_micros sh = xs32(&rng) % 4 == 0
                                ? (pmc_micros)(1 + xs32(&rng) % 40000000)
                                : (pmc_micros)(1 + xs32(&rng) % 3000);
            pmc_micros sz = sh * PMC_MICRO + (xs32(&rng) % 100) * 10000;
            pmc_micros px = (pmc_micros)(2 + xs32(&rng) % 96) * 10000;
            pmc_dec_format(sz, a);
            pmc_dec_format(px, b);
            snprintf(line, sizeof line,
                     "t=%lld ev=fill trader=" TA
                     " token=%s side=%s px=%s sz=%s key=0xe%d:%d",
                     (long long)(t += 10), tok, sell ? "SELL" : "BUY", b, a,
                     trial, step);
            size_t before = eo->n;
            feed_both(&d, s, line, 0);
            assert_int_equal(pmc_driver_advance(&d, t += 1), PMC_OK);
            for (size_t i = before; i < eo->n; i++) {
                struct pmc_store_src src = {TA, PMC_MICRO};
                struct pmc_store_order o;
                memset(&o, 0, sizeof o);
                o.coid = eo->coid[i];
                o.token = eo->token[i];
                o.side = eo->side[i];
                o.px = eo->px[i];
                o.sz = eo->sz[i];
                o.keys = "k";
                o.src = &src;
                o.nsrc = 1;
                o.ts_decided = t;
                assert_int_equal(pmc_store_order_new(s, &o), PMC_OK);
                /* filled in up to three parts, maybe not in full */
                pmc_micros rem = eo->sz[i];
                int parts = 1 + (int)(xs32(&rng) % 3);
                for (int q = 0; q < parts && rem > 0; q++) {
                    pmc_micros fs =
                        q == parts - 1 && xs32(&rng) % 2
                            ? rem
                            : 1 + (pmc_micros)(xs32(&rng) %
                                               (uint32_t)(rem < 4000000000
                                                              ? rem
                                                              : 4000000000));
                    if (fs > rem)
                        fs = rem;
                    rem -= fs;
                    sells += eo->side[i] == PMC_SELL;
                    partial += eo->side[i] == PMC_SELL && rem > 0;
                    pmc_micros fp =
                        eo->px[i] +
                        (eo->side[i] == PMC_BUY
                             ? -(pmc_micros)(xs32(&rng) % 3) * 10000
                             : (pmc_micros)(xs32(&rng) % 3) * 10000);
                    if (fp < 10000)
                        fp = 10000;
                    if (fp > 990000)
                        fp = 990000;
                    pmc_micros fee = pmc_muldiv_floor(
                        pmc_mul(fs, fp), (pmc_micros)(xs32(&rng) % 20000),
                        PMC_MICRO);
                    pmc_dec_format(fs, a);
                    pmc_dec_format(fp, b);
                    pmc_dec_format(fee, f);
                    snprintf(line, sizeof line,
                             "t=%lld ev=exec coid=%s status=fill sz=%s px=%s "
                             "fee=%s",
                             (long long)(t += 1), eo->coid[i], a, b, f);
                    feed_both(&d, s, line, 0);
                    char trade[32];
                    snprintf(trade, sizeof trade, "tr-%d", q);
                    assert_int_equal(
                        pmc_store_fill(s, eo->coid[i], trade, fs, fp, fee, t),
                        PMC_OK);
                    if (xs32(&rng) % 3 != 0)
                        continue;
                    /* a venue trade of it fails: a part (at its own price)
                     * or all of it, in both */
                    pmc_micros fq =
                        xs32(&rng) % 3 == 0 || fs < 2
                            ? fs
                            : 1 + (pmc_micros)(xs32(&rng) %
                                               (uint32_t)(fs - 1 < 4000000000
                                                              ? fs - 1
                                                              : 4000000000));
                    pmc_micros fqp =
                        fp + ((pmc_micros)(xs32(&rng) % 3) - 1) * 10000;
                    fqp = fqp < 10000 ? 10000 : fqp > 990000 ? 990000 : fqp;
                    pmc_dec_format(fq, a);
                    pmc_dec_format(fqp, b);
                    snprintf(line, sizeof line,
                             "t=%lld ev=exec coid=%s status=failed sz=%s "
                             "px=%s",
                             (long long)(t += 1), eo->coid[i], a, b);
                    feed_both(&d, s, line, 0);
                    assert_int_equal(
                        pmc_store_fill_failed(s, eo->coid[i], fq, fqp, t),
                        PMC_OK);
                    fails += 1;
                    fparts += fq < fs;
                }
                if (rem > 0) {
                    snprintf(line, sizeof line,
                             "t=%lld ev=exec coid=%s status=cancel",
                             (long long)(t += 1), eo->coid[i]);
                    feed_both(&d, s, line, 0);
                }
            }
            eo->n = 0;
            if (xs32(&rng) % 4 == 0) { /* a trade marks the token */
                pmc_dec_format((pmc_micros)(1 + xs32(&rng) % 99) * 10000, b);
                snprintf(line, sizeof line,
                         "t=%lld ev=trade token=%s px=%s sz=1",
                         (long long)(t += 1), tok, b);
                feed_both(&d, s, line, 1);
            }
            if (step % 30 == 29) {
                pmc_micros big = compare_positions(&d, s, 0);
                if (big > biggest)
                    biggest = big;
            }
        }
        /* one token resolves: the payout is realised in both */
        snprintf(line, sizeof line, "t=%lld ev=resolve token=%s payout=%s",
                 (long long)(t += 10), toks[trial % 3], trial % 2 ? "1" : "0");
        feed_both(&d, s, line, 1);
        compare_positions(&d, s, 1);
        free(dmem);
        free(eo);
        close_ok(s);
    }
    /* the sums went well past what the SQL view could hold exactly */
    assert_true(biggest > (pmc_micros)9200000 * PMC_MICRO);
    assert_true(sells > 20 && partial > 10);
    assert_true(fails > 40 && fparts > 20);
}

/* Version 1 had a positions view (floating point past $9.2M): version 2
 * has none, no REAL column anywhere, and opening a version 1 store
 * read-write migrates it (read-only opens read it as it is). */

static void test_schema_v2_migration(void **state)
{
    (void)state;
    struct pmc_store *s = open_ok(NULL, NULL);
    build_small_db(s);
    close_ok(s);
    assert_int_equal(sql_count("PRAGMA user_version"), PMC_STORE_SCHEMA);
    assert_int_equal(sql_count("SELECT count(*) FROM sqlite_master WHERE "
                               "name = 'positions' OR sql LIKE '%REAL%'"),
                     0);
    assert_int_equal(
        sql_count("SELECT count(*) FROM sqlite_master m, "
                  "pragma_table_info(m.name) c WHERE m.type = 'table' AND "
                  "c.type NOT IN ('INTEGER', 'TEXT')"),
        0);
    /* make it a version 1 store again, with a view of that name */
    sql_exec("CREATE VIEW positions AS SELECT 1 AS x; PRAGMA user_version=1");
    s = open_ro();
    struct pmc_store_position p;
    memset(&p, 0, sizeof p);
    assert_int_equal(pmc_store_positions_each(s, get_pos, &p), PMC_OK);
    assert_int_equal(p.cost_basis, D("2.406"));
    assert_int_equal(pmc_store_close(s), PMC_OK);
    assert_int_equal(sql_count("PRAGMA user_version"), 1);
    s = open_ok(NULL, NULL);
    close_ok(s);
    assert_int_equal(sql_count("PRAGMA user_version"), PMC_STORE_SCHEMA);
    assert_int_equal(sql_count("SELECT count(*) FROM sqlite_master WHERE "
                               "name = 'positions'"),
                     0);
}

static int removed_of(void *ctx, const struct pmc_store_order_row *r)
{
    int64_t *v = ctx;
    v[0]++;
    v[1] += r->removed;
    return 0;
}

static int removed_fill(void *ctx, const struct pmc_store_fill_row *r)
{
    int64_t *v = ctx;
    v[2] += r->removed;
    return 0;
}

/* ev=removed marks the order that copied the key (its order and fill rows
 * show it); a key no order carried is kept as not copied, one withdrawn
 * from its bucket (its skip reason=removed) as withdrawn. A version 2 file
 * gains the table on a read-write open; read-only, it shows none. */
static void test_removed_marks(void **state)
{
    (void)state;
    struct pmc_store *s = open_ok(NULL, NULL);
    struct pmc_store_src src[1] = {{TA, 1000000}};
    new_order(s, "pmc-00000000000000c1", "201", PMC_BUY, "0.52", "10", src, 1,
              DAY0 + 100);
    new_order(s, "pmc-00000000000000c2", "202", PMC_BUY, "0.52", "10", src, 1,
              DAY0 + 200);
    assert_int_equal(pmc_store_fill(s, "pmc-00000000000000c1", "tr-1", D("10"),
                                    D("0.5"), 0, DAY0 + 300),
                     PMC_OK);
    /* 0xk2:2 is in both orders' keys (new_order): the first is marked */
    journal_text(s, "t=1767225600400 ev=removed trader=" TA
                    " token=201 key=0xk2:2");
    journal_text(s, "t=1767225600500 ev=removed trader=" TA
                    " token=201 key=0xk2:");
    journal_text(s, "t=1767225600600 ev=removed trader=" TA
                    " token=201 key=0xw:1");
    journal_text(s, "t=1767225600600 ev=skip key=0xw:1 reason=removed");
    /* the same removal twice is one row */
    journal_text(s, "t=1767225600700 ev=removed trader=" TA
                    " token=201 key=0xk2:2");
    assert_int_equal(pmc_store_sync(s), PMC_OK);
    int64_t v[3] = {0, 0, 0};
    assert_int_equal(pmc_store_orders_each(s, NULL, removed_of, v), PMC_OK);
    assert_int_equal(v[0], 2);
    assert_int_equal(v[1], 1);
    assert_int_equal(pmc_store_fills_each(s, NULL, removed_fill, v), PMC_OK);
    assert_int_equal(v[2], 1);
    int64_t copied = -1;
    assert_int_equal(pmc_store_removed_copied(s, &copied), PMC_OK);
    assert_int_equal(copied, 1);
    close_ok(s);
    assert_int_equal(sql_count("SELECT count(*) FROM removed"), 3);
    assert_int_equal(
        sql_count("SELECT count(*) FROM removed WHERE key = '0xk2:2' AND "
                  "coid = 'pmc-00000000000000c1' AND withdrawn = 0"),
        1);
    assert_int_equal(sql_count("SELECT count(*) FROM removed WHERE coid IS "
                               "NULL AND withdrawn = 1"),
                     1);
    /* back to version 2: read-only shows no marks, read-write adds the
     * table again */
    sql_exec("DROP TABLE removed; PRAGMA user_version=2");
    s = open_ro();
    v[0] = v[1] = 0;
    assert_int_equal(pmc_store_orders_each(s, NULL, removed_of, v), PMC_OK);
    assert_int_equal(v[0], 2);
    assert_int_equal(v[1], 0);
    assert_int_equal(pmc_store_removed_copied(s, &copied), PMC_OK);
    assert_int_equal(copied, 0);
    assert_int_equal(pmc_store_close(s), PMC_OK);
    assert_int_equal(sql_count("PRAGMA user_version"), 2);
    s = open_ok(NULL, NULL);
    close_ok(s);
    assert_int_equal(sql_count("PRAGMA user_version"), PMC_STORE_SCHEMA);
    assert_int_equal(sql_count("SELECT count(*) FROM removed"), 0);
}

/* A version 3 store (no trades table, no failed fills) opened read-only
 * reads its positions as before; opened read-write it becomes version 4:
 * the trades table, fills.failed_t and its trigger; a failed fill then
 * leaves the order's summary and the positions, and a trade's row keeps
 * its first time and its latest status. */
static void test_schema_v4_trades(void **state)
{
    (void)state;
    struct pmc_store *s = open_ok(NULL, NULL);
    build_small_db(s);
    close_ok(s);
    sql_exec("DROP TRIGGER fills_failed; DROP TABLE trades; ALTER TABLE fills "
             "DROP COLUMN failed_t; PRAGMA user_version=3");
    s = open_ro();
    struct pmc_store_position p;
    memset(&p, 0, sizeof p);
    assert_int_equal(pmc_store_positions_each(s, get_pos, &p), PMC_OK);
    assert_int_equal(p.cost_basis, D("2.406"));
    assert_int_equal(pmc_store_close(s), PMC_OK);
    assert_int_equal(sql_count("PRAGMA user_version"), 3);
    s = open_ok(NULL, NULL);
    assert_int_equal(sql_count("PRAGMA user_version"), PMC_STORE_SCHEMA);
    assert_int_equal(sql_count("SELECT count(*) FROM sqlite_master WHERE "
                               "name IN ('trades', 'fills_failed')"),
                     2);
    /* the last fill of the small store (the sell of 4) fails */
    char coid[64] = "";
    sqlite3 *db;
    assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT coid, sz, px FROM fills "
                                        "ORDER BY id DESC LIMIT 1",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    snprintf(coid, sizeof coid, "%s", sqlite3_column_text(st, 0));
    pmc_micros fsz = sqlite3_column_int64(st, 1);
    pmc_micros fpx = sqlite3_column_int64(st, 2);
    sqlite3_finalize(st);
    sqlite3_close(db);
    assert_int_equal(pmc_store_trade(s, coid, "tr-1", "0xh", PMC_TRADE_MATCHED,
                                     fsz, fpx, 1, 5000, 10),
                     PMC_OK);
    assert_int_equal(pmc_store_trade(s, coid, "tr-1", "0xh", PMC_TRADE_FAILED,
                                     fsz, fpx, 1, 5000, 20),
                     PMC_OK);
    assert_int_equal(pmc_store_fill_failed(s, coid, fsz, fpx, 20), PMC_OK);
    assert_int_equal(
        pmc_store_trade(s, "nope", "tr-2", "0xh", 1, 1, 1, 1, 0, 20),
        PMC_ENOTFOUND);
    assert_int_equal(pmc_store_fill_failed(s, "nope", 1, 1, 20), PMC_ENOTFOUND);
    close_ok(s);
    assert_int_equal(sql_count("SELECT count(*) FROM trades WHERE status = "
                               "'failed' AND first_t = 10 AND last_t = 20 "
                               "AND match_time = 5000"),
                     1);
    assert_int_equal(
        sql_count("SELECT count(*) FROM fills WHERE failed_t = 20"), 1);
    char q[160];
    snprintf(q, sizeof q, "SELECT nfills FROM orders WHERE coid = '%s'", coid);
    int after = sql_count(q);
    snprintf(q, sizeof q,
             "SELECT count(*) FROM fills WHERE coid = '%s' AND failed_t IS "
             "NULL",
             coid);
    assert_int_equal(after, sql_count(q));
    s = open_ro();
    memset(&p, 0, sizeof p);
    assert_int_equal(pmc_store_positions_each(s, get_pos, &p), PMC_OK);
    assert_int_equal(p.shares, D("10")); /* the sell is gone */
    assert_int_equal(p.cost_basis, D("4.01"));
    assert_int_equal(pmc_store_close(s), PMC_OK);
}

struct open_trades {
    int n;
    char id[4][16];
    int status[4];
    pmc_micros sz[4];
    pmc_ms first_t[4];
};

static int get_trade(void *ctx, const struct pmc_store_trade_row *r)
{
    struct open_trades *o = ctx;
    assert_true(o->n < 4);
    snprintf(o->id[o->n], sizeof o->id[0], "%s", r->trade_id);
    assert_string_equal(r->order_hash, "0xh");
    o->status[o->n] = r->status;
    o->sz[o->n] = r->sz;
    o->first_t[o->n] = r->first_t;
    o->n++;
    return 0;
}

/* The trades not final (what a restart gives the executor's ledger): the
 * matched, mined and retrying ones, first seen first, with their latest
 * status; confirmed and failed ones are not. */
static void test_trades_open(void **state)
{
    (void)state;
    struct pmc_store *s = open_ok(NULL, NULL);
    build_small_db(s);
    close_ok(s);
    char coid[64];
    sql_text("SELECT coid FROM orders LIMIT 1", coid, sizeof coid);
    s = open_ok(NULL, NULL);
    static const struct {
        const char *id;
        int status;
        pmc_ms t;
    } T[] = {
        {"tr-a", PMC_TRADE_MATCHED, 30},   {"tr-b", PMC_TRADE_MATCHED, 10},
        {"tr-c", PMC_TRADE_MINED, 20},     {"tr-d", PMC_TRADE_MATCHED, 5},
        {"tr-b", PMC_TRADE_CONFIRMED, 40}, {"tr-d", PMC_TRADE_FAILED, 45},
        {"tr-a", PMC_TRADE_RETRYING, 50},
    };
    for (size_t i = 0; i < sizeof T / sizeof T[0]; i++)
        assert_int_equal(pmc_store_trade(s, coid, T[i].id, "0xh", T[i].status,
                                         1000000 * (pmc_micros)(i + 1), 500000,
                                         1, 0, T[i].t),
                         PMC_OK);
    close_ok(s);
    s = open_ro();
    struct open_trades o;
    memset(&o, 0, sizeof o);
    assert_int_equal(pmc_store_trades_open_each(s, get_trade, &o), PMC_OK);
    assert_int_equal(o.n, 2);
    assert_string_equal(o.id[0], "tr-c");
    assert_int_equal(o.status[0], PMC_TRADE_MINED);
    assert_int_equal(o.first_t[0], 20);
    assert_int_equal(o.sz[0], 3000000);
    assert_string_equal(o.id[1], "tr-a");
    assert_int_equal(o.status[1], PMC_TRADE_RETRYING);
    assert_int_equal(o.first_t[1], 30);
    assert_int_equal(pmc_store_close(s), PMC_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_removed_marks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trades_open, setup, teardown),
        cmocka_unit_test_setup_teardown(test_journal_round_trip, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_olog_grows_and_recovers, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_crash_consistent_prefix, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_restart_restores, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lifecycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trader_stats_daily_reset, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_positions_view, setup, teardown),
        cmocka_unit_test_setup_teardown(test_views_output, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dir_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_messages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errmsg_thread_copy, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_fault_sqlite_step, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_fault_olog_append, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_fault_olog_grow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fault_alloc, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fault_queue, setup, teardown),
        cmocka_unit_test_setup_teardown(test_positions_equal_engine, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_schema_v4_trades, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schema_v2_migration, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
