/* tests/unit/test_sweep_tape.c - the tape of a latency sweep held in memory
 * (sim/sweep_tape.c): every record comes back as the tape reader gave it,
 * byte for byte (every kind, books with 0 to 8 levels, fills with and
 * without their optional fields, an order's pointers aside), on a tape of
 * every kind and on the bundled tapes; a bad line is refused naming
 * file:line; an empty tape holds no record. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/tapeio.h"
#include "sim/sweep.h"

#define TR "0x56687bf447db6ffa42ffe2204a05edaa20f55839"
#define TR2 "0x1111111111111111111111111111111111111111"
#define TOK                                                                    \
    "713210456792522125946263855327069127503327285719425322896313793124555839" \
    "92563"
#define MKT "0xdd22472e552920b8438158ea7238bfadfa4f736aa4cee91a6b86c39ead110917"

static const char every_kind[] =
    "#pmcopy-tape v1\n"
    "t=1 ev=market token=" TOK " market=" MKT
    " end=1700000900000 tick=0.01 minsz=5 fee_rate=0.25 fee_exp=2"
    " negrisk=0 outcome=Up\n"
    "t=1 ev=market token=x outcome=Yes question=\"Will \\\"X\\\" win, or "
    "not?\" slug=will-x-win defaults=1\n"
    "t=2 ev=quote token=" TOK " bid=0.53 ask=0.55 bidsz=100 asksz=250.5\n"
    "t=2 ev=quote token=x ask=0.55\n"
    "t=3 ev=trade token=" TOK " px=0.54 sz=100\n"
    "t=3 ev=fill trader=" TR " token=" TOK
    " side=BUY px=0.545 sz=198.5318 key=0xabc:1\n"
    "t=3 ev=fill trader=" TR2 " token=x side=SELL px=0.000001 sz=1000000000"
    " key=0xabc:2 ts=2 market=" MKT " outcome=Up end=1700000900000 src=rtds\n"
    "t=4 ev=fill trader=" TR " token=" TOK
    " side=SELL px=0.5 sz=1 key=k3 src=api\n"
    "t=4 ev=resolve token=" TOK " payout=1\n"
    "t=5 ev=exec coid=c1 status=reject reason=\"not enough balance\"\n"
    "t=6 ev=kill reason=manual\n"
    "t=6 ev=kill reason=max_daily_loss by=core\n"
    "t=7 ev=resume\n"
    "t=7 ev=timer\n"
    "t=7 ev=flush\n"
    "t=8 ev=order coid=c1 token=" TOK " side=BUY px=0.56 sz=35.71 tif=FAK"
    " keys=0xabc:1,0xdead:1 clip=order ref=0.545\n"
    "t=9 ev=skip key=k reason=stale\n"
    "t=10 ev=merge trader=" TR " market=" MKT " key=0xtx:3 sz=10 usd=10\n"
    "t=10 ev=redeem trader=" TR " market=" MKT " sz=2.5 usd=2.5\n"
    "t=11 ev=book token=" TOK " bids=0.53:100,0.52:200 asks=0.55:50\n"
    "t=11 ev=book token=x asks=0.1:1,0.2:2,0.3:3,0.4:4,0.5:5,0.6:6,"
    "0.7:7,0.8:8\n"
    "t=11 ev=book token=x\n"
    "t=12 ev=quote token=" TOK " bid=0.5 ask=0.6\n";

/* Load the text, then read it again with the tape reader: the same
 * records, in order, the same bytes. Returns the number of records. */
static uint64_t same_records(FILE *a, FILE *b, const char *name)
{
    char err[700];
    struct pmc_sweep_tape *t = pmc_sweep_tape_load(a, name, err, sizeof err);
    if (!t)
        fail_msg("%s: %s", name, err);
    struct pmc_tape_reader rd;
    assert_int_equal(pmc_tape_reader_init(&rd, b, name), PMC_OK);
    struct pmc_sweep_cursor c;
    struct pmc_sim_feed feed;
    pmc_sweep_feed(t, &c, &feed);
    struct pmc_record *want = malloc(sizeof *want), *got = malloc(sizeof *got);
    assert_non_null(want);
    assert_non_null(got);
    uint64_t n = 0;
    for (;;) {
        int k = pmc_tape_next(&rd, want);
        assert_true(k >= 0);
        memset(got, 0x5a, sizeof *got);
        int g = feed.next(feed.ctx, got);
        assert_int_equal(g, k);
        if (!k)
            break;
        n++;
        if (want->kind == PMC_K_ORDER) { /* its text lives in the line */
            want->u.order.fills = NULL;
            want->u.order.nfills = 0;
            want->u.order.keys_text = NULL;
            want->u.order.keys_len = 0;
        }
        if (memcmp(want, got, sizeof *want))
            fail_msg("%s:%llu: the held %s record differs from the tape's",
                     name, (unsigned long long)rd.line,
                     pmc_kind_name(want->kind));
    }
    assert_int_equal(pmc_sweep_tape_records(t), n);
    assert_true(pmc_sweep_tape_bytes(t) > 0);
    /* a second reader from the first record sees them again */
    struct pmc_sweep_cursor c2;
    struct pmc_sim_feed f2;
    pmc_sweep_feed(t, &c2, &f2);
    uint64_t again = 0;
    while (f2.next(f2.ctx, got) == 1)
        again++;
    assert_int_equal(again, n);
    pmc_tape_reader_fini(&rd);
    pmc_sweep_tape_free(t);
    free(want);
    free(got);
    return n;
}

static void test_every_kind(void **state)
{
    (void)state;
    FILE *a = fmemopen((void *)every_kind, sizeof every_kind - 1, "r");
    FILE *b = fmemopen((void *)every_kind, sizeof every_kind - 1, "r");
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(same_records(a, b, "every_kind"), 23);
    fclose(a);
    fclose(b);
}

static void test_bundled_tapes(void **state)
{
    (void)state;
    static const char *const paths[] = {
        "fixtures/default.tape", "fixtures/deepmarket_resolutions.tape",
        "scenarios/sim/book_partial.tape", "scenarios/sim/latency_delay.tape"};
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
        FILE *a = fopen(paths[i], "r"), *b = fopen(paths[i], "r");
        if (!a || !b)
            fail_msg("%s: not found (run from the repository root)", paths[i]);
        assert_true(same_records(a, b, paths[i]) > 0);
        fclose(a);
        fclose(b);
    }
}

static void test_bad_and_empty(void **state)
{
    (void)state;
    static const char bad[] = "#pmcopy-tape v1\n"
                              "t=1 ev=quote token=x bid=0.5 ask=0.6\n"
                              "t=2 ev=fill token=x px=1.5\n";
    FILE *f = fmemopen((void *)bad, sizeof bad - 1, "r");
    char err[700];
    assert_null(pmc_sweep_tape_load(f, "bad.tape", err, sizeof err));
    if (!strstr(err, "bad.tape:3"))
        fail_msg("error '%s' does not name bad.tape:3", err);
    fclose(f);
    static const char empty[] = "#pmcopy-tape v1\n";
    f = fmemopen((void *)empty, sizeof empty - 1, "r");
    struct pmc_sweep_tape *t =
        pmc_sweep_tape_load(f, "empty.tape", err, sizeof err);
    assert_non_null(t);
    assert_int_equal(pmc_sweep_tape_records(t), 0);
    struct pmc_sweep_cursor c;
    struct pmc_sim_feed feed;
    pmc_sweep_feed(t, &c, &feed);
    struct pmc_record r;
    assert_int_equal(feed.next(feed.ctx, &r), 0);
    pmc_sweep_tape_free(t);
    fclose(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_kind),
        cmocka_unit_test(test_bundled_tapes),
        cmocka_unit_test(test_bad_and_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
