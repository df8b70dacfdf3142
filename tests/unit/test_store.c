/* tests/unit/test_store.c - the live store (live/store.h): journal round
 * trip (records in, export, identical tape lines), restart restoring
 * orders / seen keys / checkpoints, the order lifecycle (illegal transitions
 * refused), per-trader statistics and their UTC-day reset, the positions
 * view, the operator views' output, clear errors on corrupt, foreign and
 * newer files, the schema's migrations, removed source fills and venue
 * trades. Crashes and injected faults: test_store_faults.c; the positions
 * against the engine's: test_store_pnl.c. Temporary files live under /tmp
 * and are removed. */
#include "store_fixture.h"

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
        cmocka_unit_test_setup_teardown(test_restart_restores, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lifecycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trader_stats_daily_reset, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_positions_view, setup, teardown),
        cmocka_unit_test_setup_teardown(test_views_output, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dir_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schema_v4_trades, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schema_v2_migration, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
