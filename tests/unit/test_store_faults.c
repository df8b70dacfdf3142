/* tests/unit/test_store_faults.c - the live store (live/store.h) when
 * things go wrong: the consistent prefix across SIGKILL (a child writing
 * records and orders is killed at pseudo-random points; the reopened
 * journal is a prefix that holds every order's inputs and every order the
 * child saw committed), the order log growing and recovering, error
 * messages (named, copied across threads), and fault injection on the
 * store's paths (SQLite steps, order log appends and growth, allocation,
 * a full queue). */
#include "store_fixture.h"

/* ---- consistent prefix across SIGKILL -------------------------------------
 */

#define CRASH_BATCH 1000
#define CRASH_TRIALS 20

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

/* ---- errors and fault injection ------------------------------------------
 *
 * Every error path sets a message naming what and where; the message is a
 * copy the calling thread owns; the fault hooks (store.h) make each write
 * path fail in turn and the store reports it, keeps everything committed,
 * never hangs (an alarm ends a test that deadlocks) and the next open
 * recovers everything durable. */

#define QUOTE_FMT "t=%lld ev=quote token=101 bid=0.5 ask=0.6"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_olog_grows_and_recovers, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_crash_consistent_prefix, setup,
                                        teardown),
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
