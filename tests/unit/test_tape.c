/* tests/unit/test_tape.c - the logfmt tape codec (core/tape.h) and the
 * stream reader over it (proto/tapeio.h): canonical lines of every record
 * kind round-trip byte for byte, unknown keys are ignored, quoting and
 * escapes, and every refusal names the key and the rule; the reader checks
 * the header, non-decreasing t, bounded line length, CRLF and a final line
 * without a newline, and reports file:line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/tapeio.h"
#include "core/dec.h"
#include "core/tape.h"

#define TR "0x1d0034134e339a309700ff2d34e99fa2d48b0313"
#define TOK                                                                    \
    "62119371190345781226154839541307022449887018412791094658126797418099213"  \
    "317792"
#define KEY                                                                    \
    "0xb97c5f1e9c2f4e6b8a3d2c1b0a9f8e7d6c5b4a3928171605f4e3d2c1b0a99f4b:17"
#define MKT "0x5f65177b394277fd294cd75650044e32ba009a95022d88a0c1d565897d72f8f1"
#define COID "pmc-0123456789abcdef"

/* ---- helpers -------------------------------------------------------- */

static int parse(const char *line, struct pmc_record *r, struct pmc_tape_err *e)
{
    int has = -1;
    enum pmc_err rc = pmc_tape_parse(line, strlen(line), r, &has, e);
    if (rc != PMC_OK)
        return -1;
    return has;
}

/* The line parses to a record and formats back to exactly itself. */
static void round_trip(const char *line)
{
    struct pmc_record r;
    struct pmc_tape_err e;
    int has = parse(line, &r, &e);
    if (has != 1)
        fail_msg("parse(\"%s\") failed: %s", line, e.msg);
    char buf[PMC_TAPE_LINE_MAX + 2];
    size_t n = pmc_tape_format(&r, buf, sizeof buf);
    assert_true(n > 0);
    assert_int_equal(buf[n - 1], '\n');
    buf[n - 1] = '\0';
    if (strcmp(buf, line) != 0)
        fail_msg("round trip differs:\n  in:  %s\n  out: %s", line, buf);
}

/* The line is refused and the message contains `want`. */
static void refused(const char *line, const char *want)
{
    struct pmc_record r;
    struct pmc_tape_err e;
    int has = -1;
    enum pmc_err rc = pmc_tape_parse(line, strlen(line), &r, &has, &e);
    if (rc == PMC_OK)
        fail_msg("parse(\"%.200s\") accepted, want error \"%s\"", line, want);
    assert_true(rc == PMC_EPARSE || rc == PMC_ERANGE);
    assert_int_equal(has, 0);
    if (!strstr(e.msg, want))
        fail_msg("parse(\"%.200s\"): message \"%s\" lacks \"%s\"", line, e.msg,
                 want);
}

/* Same line with one substitution; lines here are short. */
static const char *fill_with(const char *extra)
{
    static char buf[1024];
    snprintf(buf, sizeof buf,
             "t=1700000000000 ev=fill trader=" TR " token=" TOK
             " side=BUY key=" KEY " %s",
             extra);
    return buf;
}

/* ---- round trips ---------------------------------------------------- */

static void test_round_trip_every_kind(void **state)
{
    (void)state;
    static const char *const lines[] = {
        /* fill: minimal, then every optional field */
        "t=1700000000000 ev=fill trader=" TR " token=" TOK
        " side=BUY px=0.545 sz=198.5318 key=" KEY,
        "t=1700000000000 ev=fill trader=" TR " token=" TOK
        " side=SELL px=0.000001 sz=1000000000 key=" KEY
        " ts=1699999999500 market=" MKT
        " outcome=Up end=1700000900000 src=chain",
        "t=5 ev=fill trader=" TR " token=t1 side=BUY px=0.999999 sz=0.000001"
        " key=k ts=7 src=rtds",
        "t=5 ev=fill trader=" TR " token=t1 side=BUY px=0.5 sz=1 key=k"
        " outcome=\"Yes please\" src=api",
        "t=5 ev=fill trader=" TR " token=t1 side=BUY px=0.5 sz=1 key=k"
        " outcome=\"say \\\"hi\\\" \\\\ bye\"",
        /* market */
        "t=1 ev=market token=" TOK " market=" MKT
        " end=1700000900000 tick=0.01 minsz=5 fee_rate=0.25 fee_exp=2"
        " negrisk=0 outcome=Up",
        "t=1 ev=market token=" TOK,
        "t=1 ev=market token=x tick=0.0001 fee_rate=0 fee_exp=0 negrisk=1",
        "t=1 ev=market token=x tick=0.01 minsz=5 fee_rate=0.25 fee_exp=2"
        " negrisk=0 defaults=1 outcome=Up",
        "t=1 ev=market token=x outcome=Yes question=\"Will \\\"X\\\" win, "
        "or not?\" slug=will-x-win",
        "t=1 ev=market token=x tick=0.1",
        "t=1 ev=market token=x tick=0.005",
        "t=1 ev=market token=x tick=0.0025",
        "t=1 ev=market token=x tick=0.001",
        /* quote */
        "t=2 ev=quote token=" TOK " bid=0.53 ask=0.55 bidsz=100 asksz=250.5",
        "t=2 ev=quote token=x ask=0.55",
        "t=2 ev=quote token=x bid=0.01",
        /* trade */
        "t=3 ev=trade token=" TOK " px=0.54 sz=100",
        /* resolve */
        "t=4 ev=resolve token=" TOK " payout=1",
        "t=4 ev=resolve token=" TOK " payout=0",
        /* exec */
        "t=5 ev=exec coid=" COID " status=fill sz=10 px=0.55 fee=0.01",
        "t=5 ev=exec coid=" COID " status=ack",
        "t=5 ev=exec coid=" COID " status=reject reason=\"not enough balance\"",
        "t=5 ev=exec coid=" COID " status=cancel reason=expired",
        "t=5 ev=exec coid=" COID " status=failed sz=10 px=0.55 fee=0.01",
        /* removed */
        "t=5 ev=removed trader=" TR " token=" TOK " key=" KEY,
        /* kill / resume / timer / flush */
        "t=6 ev=kill reason=manual",
        "t=6 ev=kill reason=max_daily_loss by=core",
        "t=6 ev=kill",
        "t=6 ev=kill reason=\"operator said so\"",
        "t=7 ev=resume",
        "t=6 ev=kill reason=\"desk call\" by=api",
        "t=6 ev=kill reason=\"kill file present\" by=kill_file",
        "t=7 ev=resume by=api reason=checked override=max_daily_loss",
        "t=7 ev=resume by=kill_file",
        "t=7 ev=resume override=max_consecutive_rejects",
        "t=7 ev=trader trader=" TR " state=off by=api reason=\"bad week\"",
        "t=7 ev=trader trader=" TR " state=on",
        "t=7 ev=trader trader=" TR " state=off by=core reason=daily_loss",
        "t=7 ev=refuse of=resume reason=max_daily_loss",
        "t=7 ev=timer",
        "t=7 ev=flush",
        /* order */
        "t=8 ev=order coid=" COID " token=" TOK
        " side=BUY px=0.56 sz=35.71 tif=FAK keys=" KEY ",0xdead:1 clip=order"
        " ref=0.545",
        "t=8 ev=order coid=" COID " token=x side=SELL px=0.01 sz=5 tif=GTC"
        " keys=k1",
        "t=8 ev=order coid=c token=x side=BUY px=0.5 sz=5 tif=FOK keys=a"
        " clip=market",
        "t=8 ev=order coid=c token=x side=BUY px=0.5 sz=5 tif=GTD keys=a"
        " clip=window",
        "t=8 ev=order coid=c token=x side=BUY px=0.5 sz=5 tif=GTD keys=a"
        " exp=1767225900",
        "t=8 ev=order coid=c token=x side=BUY px=0.5 sz=5 tif=FAK keys=a"
        " clip=daily",
        "t=8 ev=order coid=c token=x side=SELL px=0.5 sz=5 tif=FAK keys=a"
        " clip=holdings",
        /* skip: every reason */
        "t=9 ev=skip key=" KEY " reason=duplicate",
        "t=9 ev=skip key=k reason=unknown_trader",
        "t=9 ev=skip key=k reason=below_threshold",
        "t=9 ev=skip key=k reason=stale",
        "t=9 ev=skip key=k reason=netted_out",
        "t=9 ev=skip key=k reason=nothing_to_sell",
        "t=9 ev=skip key=k reason=expiry_guard",
        "t=9 ev=skip key=k reason=cap_market",
        "t=9 ev=skip key=k reason=cap_window",
        "t=9 ev=skip key=k reason=cap_daily",
        "t=9 ev=skip key=k reason=below_min",
        "t=9 ev=skip key=k reason=killed",
        "t=9 ev=skip key=k reason=price_moved",
        "t=9 ev=skip key=k reason=size_overflow",
        "t=9 ev=skip key=k reason=tick_cap",
        "t=9 ev=skip key=k reason=trader_off",
        /* import-only kinds */
        "t=10 ev=merge trader=" TR " market=" MKT " key=0xtx:3 sz=10 usd=10",
        "t=10 ev=redeem trader=" TR " market=" MKT " sz=2.5 usd=2.5",
        "t=10 ev=split trader=" TR,
        "t=11 ev=book token=" TOK " bids=0.53:100,0.52:200 asks=0.55:50",
        "t=11 ev=book token=x asks=0.1:1,0.2:2,0.3:3,0.4:4,0.5:5,0.6:6,"
        "0.7:7,0.8:8",
        "t=11 ev=book token=x",
        "t=0 ev=resume",
        "t=10000000000000 ev=resume",
    };
    for (size_t i = 0; i < PMC_ARRAY_LEN(lines); i++)
        round_trip(lines[i]);
}

static void test_parsed_values(void **state)
{
    (void)state;
    struct pmc_record r;
    struct pmc_tape_err e;
    /* upper-case address without 0x is normalised */
    assert_int_equal(
        parse("t=1700000000000 ev=fill trader=1D0034134E339A309700FF2D34E99FA2"
              "D48B0313 token=" TOK " side=SELL px=0.545 sz=198.5318 key=" KEY
              " outcome=Down",
              &r, &e),
        1);
    assert_int_equal(r.kind, PMC_K_FILL);
    assert_int_equal(r.t, 1700000000000);
    assert_string_equal(r.u.fill.trader.s, TR);
    assert_string_equal(r.u.fill.token.s, TOK);
    assert_string_equal(r.u.fill.key.s, KEY);
    assert_int_equal(r.u.fill.side, PMC_SELL);
    assert_int_equal(r.u.fill.px, 545000);
    assert_int_equal(r.u.fill.sz, 198531800);
    assert_int_equal(r.u.fill.ts, 1700000000000); /* defaults to t */
    assert_int_equal(r.u.fill.end, 0);
    assert_int_equal(r.u.fill.src, PMC_SRC_NONE);
    assert_int_equal(r.u.fill.market.n, 0);
    assert_string_equal(r.u.fill.outcome, "Down");
    struct pmc_sym k;
    assert_int_equal(pmc_sym_set(&k, KEY, strlen(KEY)), PMC_OK);
    assert_true(pmc_sym_eq(&k, &r.u.fill.key));

    /* market defaults */
    assert_int_equal(parse("t=1 ev=market token=x", &r, &e), 1);
    assert_int_equal(r.u.market.tick, 0);
    assert_int_equal(r.u.market.minsz, 0);
    assert_int_equal(r.u.market.fee_rate, -1);
    assert_int_equal(r.u.market.fee_exp, -1);
    assert_int_equal(r.u.market.negrisk, -1);
    assert_int_equal(r.u.market.defaults, 0);
    assert_string_equal(r.u.market.question, "");
    assert_string_equal(r.u.market.slug, "");

    /* labels: kept; a longer one is cut at a UTF-8 boundary, not refused */
    {
        char line[1024];
        int n = snprintf(line, sizeof line,
                         "t=1 ev=market token=x slug=s question=\"");
        for (int i = 0; i < 79; i++)
            n += snprintf(line + n, sizeof line - (size_t)n, "a\xc3\xa9");
        snprintf(line + n, sizeof line - (size_t)n, "\"");
        assert_int_equal(parse(line, &r, &e), 1);
        assert_string_equal(r.u.market.slug, "s");
        size_t ql = strlen(r.u.market.question);
        assert_true(ql <= sizeof r.u.market.question - 1);
        assert_int_equal(ql % 3, 0); /* whole "a\xc3\xa9" groups only */
        assert_int_equal(ql, 159);
    }

    /* escapes in quoted text */
    assert_int_equal(parse("t=5 ev=exec coid=c status=reject "
                           "reason=\"a \\\"b\\\" c\\\\d\"",
                           &r, &e),
                     1);
    assert_int_equal(r.u.exec.status, PMC_EXEC_REJECT);
    assert_string_equal(r.u.exec.reason, "a \"b\" c\\d");

    /* order keys stay a pointer into the line */
    const char *ol = "t=8 ev=order coid=c token=x side=BUY px=0.5 sz=5 "
                     "tif=FAK keys=a,b,c";
    assert_int_equal(parse(ol, &r, &e), 1);
    assert_int_equal(r.u.order.keys_len, 5);
    assert_memory_equal(r.u.order.keys_text, "a,b,c", 5);
    assert_true(r.u.order.keys_text == ol + strlen(ol) - 5);
    assert_null(r.u.order.fills);

    /* kill by core is an action */
    assert_int_equal(parse("t=6 ev=kill reason=x by=core", &r, &e), 1);
    assert_true(pmc_record_is_action(&r));
    assert_int_equal(parse("t=6 ev=kill reason=x", &r, &e), 1);
    assert_false(pmc_record_is_action(&r));
    assert_int_equal(r.u.kill.who, PMC_WHO_OPERATOR);
    assert_int_equal(parse("t=6 ev=kill reason=x by=kill_file", &r, &e), 1);
    assert_false(pmc_record_is_action(&r));
    assert_int_equal(r.u.kill.who, PMC_WHO_KILL_FILE);
    assert_int_equal(r.u.kill.by_core, 0);
    /* who and why of a resume; old tapes name nobody */
    assert_int_equal(
        parse("t=7 ev=resume by=api reason=\"a b\" override=max_daily_loss", &r,
              &e),
        1);
    assert_int_equal(r.u.resume.who, PMC_WHO_API);
    assert_string_equal(r.u.resume.reason, "a b");
    assert_string_equal(r.u.resume.override, "max_daily_loss");
    assert_false(pmc_record_is_action(&r));
    assert_int_equal(parse("t=7 ev=resume", &r, &e), 1);
    assert_int_equal(r.u.resume.who, PMC_WHO_OPERATOR);
    assert_string_equal(r.u.resume.override, "");
    /* a trader switch: the core's is an action, an operator's an input */
    assert_int_equal(parse("t=7 ev=trader trader=" TR " state=off by=core "
                           "reason=loss_streak",
                           &r, &e),
                     1);
    assert_true(pmc_record_is_action(&r));
    assert_int_equal(r.u.trader.on, 0);
    assert_int_equal(
        parse("t=7 ev=trader trader=" TR " state=on by=api", &r, &e), 1);
    assert_false(pmc_record_is_action(&r));
    assert_int_equal(r.u.trader.on, 1);
    assert_int_equal(parse("t=7 ev=refuse of=resume reason=kill_file", &r, &e),
                     1);
    assert_true(pmc_record_is_action(&r));

    /* book levels */
    assert_int_equal(
        parse("t=1 ev=book token=x bids=0.53:100,0.52:200", &r, &e), 1);
    assert_int_equal(r.u.book.nbid, 2);
    assert_int_equal(r.u.book.nask, 0);
    assert_int_equal(r.u.book.bid_px[1], 520000);
    assert_int_equal(r.u.book.bid_sz[1], 200000000);
}

static void test_blank_comment_unknown(void **state)
{
    (void)state;
    struct pmc_record r;
    struct pmc_tape_err e;
    assert_int_equal(parse("", &r, &e), 0);
    assert_int_equal(parse("    ", &r, &e), 0);
    assert_int_equal(parse("# a comment t=oops", &r, &e), 0);
    assert_int_equal(parse("   # indented comment", &r, &e), 0);
    assert_int_equal(parse(PMC_TAPE_HEADER, &r, &e), 0);
    assert_int_equal(parse("\r", &r, &e), 0);

    /* unknown keys, bare and quoted, are accepted and dropped */
    static const char *const in =
        "t=7 ev=resume foo=bar x=\"y z\" empty= _k9=1";
    round_trip("t=7 ev=resume");
    assert_int_equal(parse(in, &r, &e), 1);
    char buf[256];
    size_t n = pmc_tape_format(&r, buf, sizeof buf);
    assert_int_equal(n, strlen("t=7 ev=resume\n"));
    assert_string_equal(buf, "t=7 ev=resume\n");
    /* same first 8 bytes and length, different keys: not repeated */
    assert_int_equal(
        parse("t=7 ev=resume longer_key_a=1 longer_key_b=2", &r, &e), 1);

    /* fields in any order, repeated spaces, CR at the end */
    assert_int_equal(
        parse("  ev=trade   sz=100 token=x px=0.54  t=3  \r", &r, &e), 1);
    n = pmc_tape_format(&r, buf, sizeof buf);
    assert_string_equal(buf, "t=3 ev=trade token=x px=0.54 sz=100\n");

    /* non-canonical numbers print canonically */
    assert_int_equal(parse("t=+003 ev=trade token=x px=.5 sz=100.000", &r, &e),
                     1);
    n = pmc_tape_format(&r, buf, sizeof buf);
    assert_string_equal(buf, "t=3 ev=trade token=x px=0.5 sz=100\n");
    /* ts equal to t is not written */
    assert_int_equal(parse(fill_with("px=0.5 sz=1 ts=1700000000000"), &r, &e),
                     1);
    n = pmc_tape_format(&r, buf, sizeof buf);
    assert_null(strstr(buf, "ts="));
    /* a buffer too small gives 0 */
    assert_int_equal(pmc_tape_format(&r, buf, 20), 0);
}

/* ---- refusals ------------------------------------------------------- */

static void test_errors_structure(void **state)
{
    (void)state;
    refused("ev=resume", "missing t: required for this record");
    refused("t=1", "missing ev: required for this record");
    refused("t=1 ev=", "empty ev: a value is required");
    refused("t=1 ev=bogus", "unknown record kind ev=bogus");
    refused("t=1 ev=RESUME", "unknown record kind ev=RESUME");
    refused("t=1 t=2 ev=resume", "repeated key t");
    refused("t=1 ev=resume ev=resume", "repeated key ev");
    refused("t=1 ev=resume foo=1 foo=2", "repeated key foo");
    /* keys are matched by their first 8 bytes and length, then the rest */
    refused("t=1 ev=resume longer_key_a=1 longer_key_a=2",
            "repeated key longer_key_a");
    refused("t=1 ev=resume foo", "expected key=value, got foo");
    refused("t=1 ev=resume =1", "expected key=value, got '='");
    refused("t=1 ev=resume k\"y=1", "bad character in a key");
    refused("t=1 ev=kill reason=\"abc",
            "unterminated quoted value for reason: a quoted value ends with");
    refused("t=1 ev=kill reason=\"a\\\"",
            "unterminated quoted value for reason");
    refused("t=1 ev=kill reason=\"abc\"def",
            "expected a space after the quoted value of reason");
    refused("t=1 ev=kill reason=a\"b",
            "bad character in the value of reason: quote values holding");
    refused("t=1 ev=kill reason=a=b", "bad character in the value of reason");
    refused("t=1 ev=kill reason=\x01", "bad character in the value of reason");
    refused("t=1 ev=kill reason=\x7f", "bad character in the value of reason");
    /* NUL and tab anywhere in a record line */
    struct pmc_record r;
    struct pmc_tape_err e;
    int has = 7;
    static const char nul[] = "t=1 ev=resume x=a\0b";
    assert_int_equal(pmc_tape_parse(nul, sizeof nul - 1, &r, &has, &e),
                     PMC_EPARSE);
    assert_string_equal(e.msg,
                        "control character in line: fields are separated by "
                        "spaces");
    refused("t=1\tev=resume", "control character in line");
    refused("t=1 ev=resume x=\"a\tb\"", "control character in line");
}

static void test_errors_too_long_too_many(void **state)
{
    (void)state;
    /* 64 pairs are fine, 65 are not */
    char buf[2048];
    size_t n = (size_t)snprintf(buf, sizeof buf, "t=1 ev=resume");
    for (int i = 0; i < 62; i++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, " k%d=1", i);
    struct pmc_record r;
    struct pmc_tape_err e;
    assert_int_equal(parse(buf, &r, &e), 1);
    snprintf(buf + n, sizeof buf - n, " k62=1");
    refused(buf, "too many fields: at most 64");

    /* a line of exactly 65536 bytes parses; one byte more does not */
    char *big = malloc(PMC_TAPE_LINE_MAX + 2);
    assert_non_null(big);
    memset(big, 'a', PMC_TAPE_LINE_MAX + 1);
    memcpy(big, "t=1 ev=resume x=", 16);
    int has = 7;
    assert_int_equal(pmc_tape_parse(big, PMC_TAPE_LINE_MAX, &r, &has, &e),
                     PMC_OK);
    assert_int_equal(has, 1);
    assert_int_equal(pmc_tape_parse(big, PMC_TAPE_LINE_MAX + 1, &r, &has, &e),
                     PMC_EPARSE);
    assert_int_equal(has, 0);
    assert_string_equal(e.msg, "line too long: at most 65536 bytes");
    free(big);

    /* a symbol longer than 95 bytes */
    char tok[200];
    memset(tok, '7', 96);
    tok[96] = '\0';
    snprintf(buf, sizeof buf, "t=3 ev=trade token=%s px=0.5 sz=1", tok);
    refused(buf, "longer than 95 bytes");
    tok[95] = '\0';
    snprintf(buf, sizeof buf, "t=3 ev=trade token=%s px=0.5 sz=1", tok);
    assert_int_equal(parse(buf, &r, &e), 1);
    assert_int_equal(r.u.trade.token.n, 95);
}

static void test_errors_values(void **state)
{
    (void)state;
    /* prices */
    refused(fill_with("px=0 sz=1"), "bad px=0: price must be in (0,1)");
    refused(fill_with("px=1 sz=1"), "bad px=1: price must be in (0,1)");
    refused(fill_with("px=1.5 sz=1"), "bad px=1.5: price must be in (0,1)");
    refused(fill_with("px=-0.1 sz=1"), "bad px=-0.1: price must be in (0,1)");
    refused(fill_with("px=abc sz=1"), "bad px=abc: not a decimal number");
    refused(fill_with("px=1e-1 sz=1"), "bad px=1e-1: not a decimal number");
    refused(fill_with("px=0.1234567 sz=1"),
            "bad px=0.1234567: more than 6 decimal places");
    refused(fill_with("px=\"0.5\" sz=1 x=1 px=0.4"), "repeated key px");
    /* sizes */
    refused(fill_with("px=0.5 sz=0"),
            "bad sz=0: size must be > 0 and at most 1e9 shares");
    refused(fill_with("px=0.5 sz=-3"),
            "bad sz=-3: size must be > 0 and at most 1e9 shares");
    refused(fill_with("px=0.5 sz=1000000000.000001"),
            "bad sz=1000000000.000001: size must be > 0 and at most 1e9");
    refused(fill_with("px=0.5 sz=99999999999999999999"),
            "bad sz=99999999999999999999: too large");
    refused(fill_with("px=0.5 sz=1.0000001"),
            "bad sz=1.0000001: more than 6 decimal places");
    {
        /* each says what is wrong, not both */
        struct pmc_record r;
        struct pmc_tape_err e;
        int has;
        const char *l = fill_with("px=0.5 sz=99999999999999999999");
        assert_int_equal(pmc_tape_parse(l, strlen(l), &r, &has, &e),
                         PMC_EPARSE);
        assert_string_equal(e.msg, "bad sz=99999999999999999999: too large");
        l = fill_with("px=0.5 sz=1.0000001");
        assert_int_equal(pmc_tape_parse(l, strlen(l), &r, &has, &e),
                         PMC_EPARSE);
        assert_string_equal(e.msg, "bad sz=1.0000001: more than 6 decimal "
                                   "places");
    }
    /* side, address, ids */
    refused(fill_with("px=0.5 sz=1 side=HOLD"), "repeated key side");
    refused("t=1 ev=fill trader=" TR " token=x side=HOLD px=0.5 sz=1 key=k",
            "bad side=HOLD: side is BUY or SELL");
    refused("t=1 ev=fill trader=" TR " token=x side=buy px=0.5 sz=1 key=k",
            "bad side=buy: side is BUY or SELL");
    refused("t=1 ev=fill trader=0x123 token=x side=BUY px=0.5 sz=1 key=k",
            "bad trader=0x123: an address is 40 hex digits, 0x optional");
    refused("t=1 ev=fill trader=0x1d0034134e339a309700ff2d34e99fa2d48b031g "
            "token=x side=BUY px=0.5 sz=1 key=k",
            "bad trader=0x1d0034134e339a309700ff2d34e99fa2d48b031g: an "
            "address is 40 hex digits");
    refused("t=1 ev=fill trader=" TR "00 token=x side=BUY px=0.5 sz=1 key=k",
            "an address is 40 hex digits, 0x optional");
    refused("t=1 ev=fill trader=" TR " token=x side=BUY px=0.5 sz=1",
            "missing key: required for this record");
    refused("t=1 ev=fill trader=" TR " token=x side=BUY px=0.5 sz=1 key=",
            "empty key: a value is required");
    refused("t=1 ev=fill token=x side=BUY px=0.5 sz=1 key=k",
            "missing trader: required for this record");
    refused("t=1 ev=fill trader=" TR " side=BUY px=0.5 sz=1 key=k",
            "missing token: required for this record");
    refused("t=1 ev=fill trader=" TR " token=x px=0.5 sz=1 key=k",
            "missing side: required for this record");
    refused("t=1 ev=fill trader=" TR " token=x side=BUY sz=1 key=k",
            "missing px: required for this record");
    refused("t=1 ev=fill trader=" TR " token=x side=BUY px=0.5 key=k",
            "missing sz: required for this record");
    refused("t=1 ev=fill trader=" TR " token=\"x\" side=BUY px=0.5 sz=1 key=k",
            "bad token=x: ids are bare values without commas");
    refused("t=1 ev=fill trader=" TR " token=a,b side=BUY px=0.5 sz=1 key=k",
            "bad token=a,b: ids are bare values without commas");
    refused(fill_with("px=0.5 sz=1 src=ws"),
            "bad src=ws: src is chain, rtds or api");
    refused(fill_with("px=0.5 sz=1 ts=-5"),
            "bad ts=-5: milliseconds since the epoch, 0..1e13");
    refused(fill_with("px=0.5 sz=1 end=soon"), "bad end=soon: not an integer");
    refused(fill_with("px=0.5 sz=1 outcome=abcdefghijklmnopqrstuvwxyz"),
            "too long outcome=abcdefghijklmnopqrstuvwxyz");
    /* t */
    refused("t=abc ev=resume", "bad t=abc: not an integer");
    refused("t=-1 ev=resume",
            "bad t=-1: milliseconds since the epoch, 0..1e13");
    refused("t=10000000000001 ev=resume",
            "bad t=10000000000001: milliseconds since the epoch, 0..1e13");
    refused("t=1.5 ev=resume", "bad t=1.5: not an integer");
    refused("t=99999999999999999999 ev=resume",
            "bad t=99999999999999999999: not an integer");
    /* market */
    refused("t=1 ev=market token=x tick=0.02",
            "bad tick=0.02: tick is 0.1, 0.01, 0.005, 0.0025, 0.001 or 0.0001");
    refused("t=1 ev=market token=x tick=0", "bad tick=0: tick is 0.1");
    refused("t=1 ev=market token=x tick=1", "bad tick=1: tick is 0.1");
    refused("t=1 ev=market token=x tick=0.00001",
            "bad tick=0.00001: tick is 0.1");
    refused("t=1 ev=market token=x tick=ten", "bad tick=ten: not a decimal");
    refused("t=1 ev=market token=x fee_rate=1.5",
            "bad fee_rate=1.5: fee_rate is in [0,1]");
    refused("t=1 ev=market token=x fee_exp=9",
            "bad fee_exp=9: fee_exp is 0..8");
    refused("t=1 ev=market token=x negrisk=2",
            "bad negrisk=2: negrisk is 0 or 1");
    refused("t=1 ev=market token=x defaults=2",
            "bad defaults=2: defaults is 0 or 1");
    refused("t=1 ev=market token=x minsz=-1",
            "bad minsz=-1: minsz is 0..1e9 shares");
    refused("t=1 ev=market market=m", "missing token: required");
    /* quote */
    refused("t=1 ev=quote token=x",
            "missing bid: a quote needs bid=, ask= or both");
    refused("t=1 ev=quote token=x bid=0", "bad bid=0: price must be in (0,1)");
    refused("t=1 ev=quote token=x ask=1", "bad ask=1: price must be in (0,1)");
    refused("t=1 ev=quote token=x bid=0.5 bidsz=-1",
            "bad bidsz=-1: bidsz is 0..1e9 shares");
    refused("t=1 ev=quote token=x bid=0.5 asksz=2000000000",
            "bad asksz=2000000000: asksz is 0..1e9 shares");
    /* trade, resolve */
    refused("t=1 ev=trade token=x px=0.5 sz=0", "bad sz=0: size must be > 0");
    refused("t=1 ev=resolve token=x payout=2",
            "bad payout=2: payout is in [0,1]");
    refused("t=1 ev=resolve token=x", "missing payout: required");
    /* exec */
    refused("t=1 ev=exec coid=c status=done",
            "bad status=done: status is ack, fill, reject, cancel or failed");
    refused("t=1 ev=exec coid=c status=failed px=0.5",
            "missing sz: required for this record");
    refused("t=1 ev=exec coid=c status=failed sz=1",
            "missing px: required for this record");
    refused("t=1 ev=exec coid=c status=fill px=0.5",
            "missing sz: required for this record");
    refused("t=1 ev=exec coid=c status=fill sz=1",
            "missing px: required for this record");
    refused("t=1 ev=exec coid=c status=fill sz=1 px=0.5 fee=-1",
            "bad fee=-1: fee is >= 0 USD");
    refused("t=1 ev=exec status=ack", "missing coid: required");
    /* kill */
    refused("t=1 ev=kill by=robot",
            "bad by=robot: by is operator, core, api or kill_file");
    refused("t=1 ev=resume by=core", "bad by=core: the core never resumes (a "
                                     "refused resume is ev=refuse)");
    refused("t=1 ev=trader state=off", "missing trader: required for this "
                                       "record");
    refused("t=1 ev=trader trader=" TR " state=maybe",
            "bad state=maybe: state is off or on");
    refused("t=1 ev=refuse of=kill reason=x", "bad of=kill: of is resume");
    /* order */
    refused("t=1 ev=order coid=c token=x side=BUY px=0.5 sz=5 keys=a",
            "missing tif: required for this record");
    refused("t=1 ev=order coid=c token=x side=BUY px=0.5 sz=5 tif=IOC keys=a",
            "bad tif=IOC: tif is FAK, FOK, GTC or GTD");
    refused("t=1 ev=order coid=c token=x side=BUY px=0.5 sz=5 tif=FAK",
            "missing keys: required for this record");
    refused("t=1 ev=order coid=c token=x side=BUY px=0.5 sz=5 tif=GTC keys=a "
            "exp=1767225900",
            "bad exp=1767225900: exp is for tif=GTD only");
    refused("t=1 ev=order coid=c token=x side=BUY px=0.5 sz=5 tif=GTD keys=a "
            "exp=0",
            "bad exp=0: exp is unix seconds, 1..1e10");
    refused("t=1 ev=order coid=c token=x side=BUY px=0.5 sz=5 tif=FAK keys=a "
            "clip=none",
            "bad clip=none: clip is order, market, window, daily or holdings");
    refused("t=1 ev=order coid=c token=x side=BUY px=0.5 sz=5 tif=FAK keys=a "
            "ref=2",
            "bad ref=2: price must be in (0,1)");
    refused("t=1 ev=order coid=c token=x side=BUY px=0.5 sz=5 tif=FAK "
            "keys=\"a b\"",
            "bad keys=a b: keys are bare fill keys separated by commas");
    /* skip */
    refused("t=1 ev=skip key=k reason=bored",
            "bad reason=bored: not a known skip reason");
    refused("t=1 ev=skip reason=stale", "missing key: required");
    /* import-only kinds */
    refused("t=1 ev=merge trader=nope", "bad trader=nope: an address is 40");
    refused("t=1 ev=merge market=m", "missing trader: required");
    refused("t=1 ev=merge trader=" TR " usd=-1", "bad usd=-1: usd is 0..1e9");
    /* book */
    refused("t=1 ev=book token=x bids=0.5",
            "bad bids=0.5: levels are px:sz,px:sz best first");
    refused("t=1 ev=book token=x bids=0.5:1,",
            "bad bids=0.5:1,: trailing comma");
    refused("t=1 ev=book token=x asks=1.5:1", "bad asks=1.5: price must be");
    refused("t=1 ev=book token=x asks=0.5:0", "bad asks=0: size must be > 0");
    refused("t=1 ev=book token=x asks=0.1:1,0.2:2,0.3:3,0.4:4,0.5:5,0.6:6,"
            "0.7:7,0.8:8,0.9:9",
            "at most 8 levels");
}

/* ---- the stream reader ---------------------------------------------- */

struct rd {
    FILE *f;
    struct pmc_tape_reader r;
};

static void rd_open(struct rd *x, const char *text, size_t n)
{
    x->f = fmemopen((void *)(uintptr_t)text, n, "r");
    assert_non_null(x->f);
    assert_int_equal(pmc_tape_reader_init(&x->r, x->f, "mem.tape"), PMC_OK);
}

static void rd_close(struct rd *x)
{
    pmc_tape_reader_fini(&x->r);
    fclose(x->f);
}

/* Read every record; return how many, or -(1 + count) on error. */
static int rd_all(const char *text, char *err, size_t cap,
                  struct pmc_record *last)
{
    struct rd x;
    rd_open(&x, text, strlen(text));
    struct pmc_record rec;
    int n = 0, k;
    while ((k = pmc_tape_next(&x.r, &rec)) == 1) {
        n++;
        if (last)
            *last = rec;
    }
    if (err && cap)
        snprintf(err, cap, "%s", k < 0 ? x.r.err : "");
    rd_close(&x);
    return k < 0 ? -(1 + n) : n;
}

static void test_reader_basic(void **state)
{
    (void)state;
    char err[600];
    struct pmc_record last;
    const char *ok = "#pmcopy-tape v1\n"
                     "# comment\n"
                     "\n"
                     "t=1 ev=market token=x tick=0.01\n"
                     "t=2 ev=quote token=x bid=0.5 ask=0.52\n"
                     "t=2 ev=trade token=x px=0.51 sz=3\n"
                     "t=9 ev=resume\n";
    assert_int_equal(rd_all(ok, err, sizeof err, &last), 4);
    assert_int_equal(last.kind, PMC_K_RESUME);
    assert_int_equal(last.t, 9);

    /* header with trailing words and CRLF everywhere; last line without a
     * newline */
    const char *crlf = "#pmcopy-tape v1 written-by-test\r\n"
                       "t=1 ev=trade token=x px=0.5 sz=1\r\n"
                       "\r\n"
                       "t=2 ev=resolve token=x payout=1";
    assert_int_equal(rd_all(crlf, err, sizeof err, &last), 2);
    assert_int_equal(last.kind, PMC_K_RESOLVE);
    assert_int_equal(last.u.resolve.payout, PMC_MICRO);
    assert_string_equal(last.u.resolve.token.s, "x");

    /* only a header: no records, no error */
    assert_int_equal(rd_all("#pmcopy-tape v1\n", err, sizeof err, NULL), 0);
    assert_int_equal(rd_all("#pmcopy-tape v1", err, sizeof err, NULL), 0);
}

static void test_reader_line_and_cur(void **state)
{
    (void)state;
    const char *t = "#pmcopy-tape v1\n"
                    "\n"
                    "t=1 ev=trade token=x px=0.5 sz=1 extra=yes\n"
                    "# c\n"
                    "t=2 ev=resume\n";
    struct rd x;
    rd_open(&x, t, strlen(t));
    struct pmc_record rec;
    assert_int_equal(pmc_tape_next(&x.r, &rec), 1);
    assert_int_equal(x.r.line, 3);
    assert_int_equal(x.r.cur_len, strlen("t=1 ev=trade token=x px=0.5 sz=1 "
                                         "extra=yes"));
    assert_memory_equal(x.r.cur, "t=1 ev=trade", 12);
    assert_int_equal(pmc_tape_next(&x.r, &rec), 1);
    assert_int_equal(x.r.line, 5);
    assert_int_equal(pmc_tape_next(&x.r, &rec), 0);
    assert_int_equal(pmc_tape_next(&x.r, &rec), 0); /* stays at end */
    rd_close(&x);
}

static void test_reader_errors(void **state)
{
    (void)state;
    char err[600];
    assert_int_equal(rd_all("", err, sizeof err, NULL), -1);
    assert_string_equal(err, "mem.tape: empty input: a tape starts with "
                             "'#pmcopy-tape v1'");
    assert_int_equal(rd_all("t=1 ev=resume\n", err, sizeof err, NULL), -1);
    assert_string_equal(err, "mem.tape:1: not a pmcopy tape: the first line "
                             "must be '#pmcopy-tape v1'");
    assert_int_equal(
        rd_all("#pmcopy-tape v2\nt=1 ev=resume\n", err, sizeof err, NULL), -1);
    assert_non_null(strstr(err, "mem.tape:1: not a pmcopy tape"));
    assert_int_equal(rd_all("#pmcopy-tape v10\n", err, sizeof err, NULL), -1);
    assert_non_null(strstr(err, "mem.tape:1: not a pmcopy tape"));
    assert_int_equal(rd_all("\n#pmcopy-tape v1\n", err, sizeof err, NULL), -1);
    assert_non_null(strstr(err, "mem.tape:1: not a pmcopy tape"));

    /* a bad record names file:line and the key */
    const char *bad = "#pmcopy-tape v1\n"
                      "t=1 ev=resume\n"
                      "# fine\n"
                      "t=2 ev=trade token=x px=1.5 sz=1\n"
                      "t=3 ev=resume\n";
    assert_int_equal(rd_all(bad, err, sizeof err, NULL), -2);
    assert_string_equal(err, "mem.tape:4: bad px=1.5: price must be in (0,1)");

    /* time going back */
    const char *back = "#pmcopy-tape v1\n"
                       "t=5 ev=resume\n"
                       "t=5 ev=resume\n"
                       "t=4 ev=resume\n";
    assert_int_equal(rd_all(back, err, sizeof err, NULL), -3);
    assert_string_equal(err, "mem.tape:4: t=4 goes back in time (previous "
                             "record had t=5; records must be in "
                             "non-decreasing t)");

    /* CRLF line numbers count the same */
    const char *crlf = "#pmcopy-tape v1\r\nt=1 ev=resume\r\nt=1 ev=nope\r\n";
    assert_int_equal(rd_all(crlf, err, sizeof err, NULL), -2);
    assert_string_equal(err, "mem.tape:3: unknown record kind ev=nope");

    /* NUL inside a line */
    static const char nul[] = "#pmcopy-tape v1\nt=1 ev=resume\nt=2 \0 ev=x\n";
    struct rd x;
    rd_open(&x, nul, sizeof nul - 1);
    struct pmc_record rec;
    assert_int_equal(pmc_tape_next(&x.r, &rec), 1);
    assert_int_equal(pmc_tape_next(&x.r, &rec), -1);
    assert_string_equal(x.r.err, "mem.tape:3: control character in line: "
                                 "fields are separated by spaces");
    rd_close(&x);
}

/* SPEC section 4: a tape is UTF-8. Malformed UTF-8 in a token, key or
 * outcome is refused naming the key (never copying the bytes); a reader
 * error names file:line; well-formed multi-byte text is kept. */
static void test_utf8(void **state)
{
    (void)state;
    static const char *const bad[] = {"\xff",
                                      "\xc0\xaf",
                                      "\xe0\x80\xaf",
                                      "\xed\xa0\x80",
                                      "\xf4\x90\x80\x80",
                                      "\xc3",
                                      "a\xe2\x82",
                                      "\x80",
                                      "\xf8\x88\x80\x80\x80"};
    char line[512];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(line, sizeof line,
                 "t=1 ev=fill trader=" TR " token=t%s side=BUY px=0.5 sz=1 "
                 "key=k",
                 bad[i]);
        refused(line, "invalid UTF-8 in the value of token: a tape is UTF-8");
        snprintf(line, sizeof line,
                 "t=1 ev=fill trader=" TR " token=t side=BUY px=0.5 sz=1 "
                 "key=k%s",
                 bad[i]);
        refused(line, "invalid UTF-8 in the value of key");
        char oc[32];
        snprintf(oc, sizeof oc, "outcome=\"x %s\"", bad[i]);
        refused(fill_with(oc), "invalid UTF-8 in the value of outcome");
    }
    refused("t=1 ev=resume k\xffy=1", "invalid UTF-8 in a key");
    struct pmc_record r;
    struct pmc_tape_err e;
    int has = 0;
    const char *ok =
        fill_with("px=0.5 sz=1 outcome=\"Ja \xc3\xa9t\xc3\xa9 \xe2\x82\xac "
                  "\xf0\x9f\x9a\x80\"");
    if (pmc_tape_parse(ok, strlen(ok), &r, &has, &e) != PMC_OK)
        fail_msg("%s", e.msg);
    assert_int_equal(has, 1);
    assert_string_equal(r.u.fill.outcome,
                        "Ja \xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x9a\x80");

    char err[600];
    const char *t = "#pmcopy-tape v1\n"
                    "t=1 ev=resume\n"
                    "t=2 ev=fill trader=" TR " token=\xfe side=BUY px=0.5 "
                    "sz=1 key=k\n";
    assert_int_equal(rd_all(t, err, sizeof err, NULL), -2);
    assert_string_equal(err, "mem.tape:3: invalid UTF-8 in the value of "
                             "token: a tape is UTF-8 text");
}

/* A 10 MB line: refused with a clear error, and the reader's buffer never
 * grows to hold it. */
static void test_reader_huge_line(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    assert_non_null(f);
    fputs("#pmcopy-tape v1\nt=1 ev=resume\nt=2 ev=kill reason=", f);
    char chunk[4096];
    memset(chunk, 'z', sizeof chunk);
    for (int i = 0; i < 10 * 256; i++)
        assert_int_equal(fwrite(chunk, 1, sizeof chunk, f), sizeof chunk);
    fputs("\nt=3 ev=resume\n", f);
    rewind(f);
    struct pmc_tape_reader r;
    assert_int_equal(pmc_tape_reader_init(&r, f, "big.tape"), PMC_OK);
    size_t cap0 = r.cap;
    struct pmc_record rec;
    assert_int_equal(pmc_tape_next(&r, &rec), 1);
    assert_int_equal(pmc_tape_next(&r, &rec), -1);
    assert_string_equal(r.err,
                        "big.tape:3: line too long (more than 65536 bytes)");
    assert_int_equal(r.cap, cap0);
    assert_true(r.cap < 4u << 20);
    /* it stopped reading well before the end of the file */
    assert_true(ftell(f) < 8L << 20);
    pmc_tape_reader_fini(&r);
    fclose(f);

    /* a line of exactly 65536 bytes followed by more is accepted */
    f = tmpfile();
    assert_non_null(f);
    fputs("#pmcopy-tape v1\n", f);
    const char *head = "t=2 ev=kill reason=r pad=";
    fputs(head, f);
    size_t left = PMC_TAPE_LINE_MAX - strlen(head);
    while (left) {
        size_t k = left < sizeof chunk ? left : sizeof chunk;
        assert_int_equal(fwrite(chunk, 1, k, f), k);
        left -= k;
    }
    fputs("\nt=3 ev=resume\n", f);
    rewind(f);
    assert_int_equal(pmc_tape_reader_init(&r, f, "edge.tape"), PMC_OK);
    assert_int_equal(pmc_tape_next(&r, &rec), 1);
    assert_int_equal(rec.kind, PMC_K_KILL);
    assert_int_equal(r.cur_len, PMC_TAPE_LINE_MAX);
    assert_int_equal(pmc_tape_next(&r, &rec), 1);
    assert_int_equal(rec.kind, PMC_K_RESUME);
    assert_int_equal(r.line, 3);
    assert_int_equal(pmc_tape_next(&r, &rec), 0);
    pmc_tape_reader_fini(&r);
    fclose(f);

    /* one byte more, as the last line without a newline */
    f = tmpfile();
    assert_non_null(f);
    fputs("#pmcopy-tape v1\n", f);
    fputs(head, f);
    left = PMC_TAPE_LINE_MAX + 1 - strlen(head);
    while (left) {
        size_t k = left < sizeof chunk ? left : sizeof chunk;
        assert_int_equal(fwrite(chunk, 1, k, f), k);
        left -= k;
    }
    rewind(f);
    assert_int_equal(pmc_tape_reader_init(&r, f, "edge.tape"), PMC_OK);
    assert_int_equal(pmc_tape_next(&r, &rec), -1);
    assert_string_equal(r.err,
                        "edge.tape:2: line too long (more than 65536 bytes)");
    pmc_tape_reader_fini(&r);
    fclose(f);
}

/* Many records across several refills of the reader's buffer. */
static void test_reader_many_records(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    assert_non_null(f);
    fputs("#pmcopy-tape v1\n", f);
    const int N = 60000;
    for (int i = 0; i < N; i++)
        fprintf(f,
                "t=%d ev=fill trader=" TR " token=tok%d side=%s px=0.%03d "
                "sz=%d.5 key=0xk:%d\n",
                1000 + i, i % 7, i & 1 ? "SELL" : "BUY", 1 + i % 998,
                1 + i % 100, i);
    rewind(f);
    struct pmc_tape_reader r;
    assert_int_equal(pmc_tape_reader_init(&r, f, "many"), PMC_OK);
    struct pmc_record rec;
    for (int i = 0; i < N; i++) {
        assert_int_equal(pmc_tape_next(&r, &rec), 1);
        assert_int_equal(rec.t, 1000 + i);
        assert_int_equal(rec.u.fill.px, (1 + i % 998) * 1000);
        assert_int_equal(rec.u.fill.sz, (1 + i % 100) * 1000000 + 500000);
        char k[32];
        snprintf(k, sizeof k, "0xk:%d", i);
        assert_string_equal(rec.u.fill.key.s, k);
    }
    assert_int_equal(pmc_tape_next(&r, &rec), 0);
    assert_int_equal(r.line, (uint64_t)N + 1);
    pmc_tape_reader_fini(&r);
    fclose(f);
}

static void test_tape_write(void **state)
{
    (void)state;
    struct pmc_record r;
    struct pmc_tape_err e;
    assert_int_equal(parse("t=3 ev=trade token=x px=0.54 sz=100", &r, &e), 1);
    char *mem = NULL;
    size_t mn = 0;
    FILE *f = open_memstream(&mem, &mn);
    assert_non_null(f);
    assert_int_equal(pmc_tape_write(f, &r), 0);
    assert_int_equal(pmc_tape_write(f, &r), 0);
    fclose(f);
    assert_string_equal(mem, "t=3 ev=trade token=x px=0.54 sz=100\n"
                             "t=3 ev=trade token=x px=0.54 sz=100\n");
    free(mem);
}

static void test_addr_and_tick(void **state)
{
    (void)state;
    struct pmc_sym y;
    assert_int_equal(pmc_addr_norm(TR, strlen(TR), &y), PMC_OK);
    assert_string_equal(y.s, TR);
    assert_int_equal(
        pmc_addr_norm("0X1D0034134E339A309700FF2D34E99FA2D48B0313", 42, &y),
        PMC_OK);
    assert_string_equal(y.s, TR);
    assert_int_equal(pmc_addr_norm(TR + 2, 40, &y), PMC_OK);
    assert_string_equal(y.s, TR);
    assert_int_equal(pmc_addr_norm("", 0, &y), PMC_EPARSE);
    assert_int_equal(pmc_addr_norm("0x", 2, &y), PMC_EPARSE);
    assert_int_equal(pmc_addr_norm(TR, 41, &y), PMC_EPARSE);
    assert_int_equal(
        pmc_addr_norm("0x0x1d0034134e339a309700ff2d34e99fa2d48b03", 42, &y),
        PMC_EPARSE);
    assert_int_equal(
        pmc_addr_norm("0x1d0034134e339a309700ff2d34e99fa2d48b031 ", 42, &y),
        PMC_EPARSE);
    assert_true(pmc_tick_valid(100000));
    assert_true(pmc_tick_valid(10000));
    assert_true(pmc_tick_valid(5000));
    assert_true(pmc_tick_valid(2500));
    assert_true(pmc_tick_valid(1000));
    assert_true(pmc_tick_valid(100));
    assert_false(pmc_tick_valid(0));
    assert_false(pmc_tick_valid(20000));
    assert_false(pmc_tick_valid(1000000));
    assert_false(pmc_tick_valid(-10000));
    /* names */
    assert_string_equal(pmc_kind_name(PMC_K_BOOK), "book");
    assert_string_equal(pmc_kind_name((enum pmc_kind)99), "?");
    assert_int_equal(pmc_kind_lookup("fill", 4), PMC_K_FILL);
    assert_int_equal(pmc_kind_lookup("fil", 3), -1);
    assert_int_equal(pmc_skip_lookup("price_moved", 11), PMC_SKIP_PRICE_MOVED);
    assert_string_equal(pmc_skip_name(PMC_SKIP_CAP_DAILY), "cap_daily");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_every_kind),
        cmocka_unit_test(test_parsed_values),
        cmocka_unit_test(test_blank_comment_unknown),
        cmocka_unit_test(test_errors_structure),
        cmocka_unit_test(test_errors_too_long_too_many),
        cmocka_unit_test(test_errors_values),
        cmocka_unit_test(test_reader_basic),
        cmocka_unit_test(test_reader_line_and_cur),
        cmocka_unit_test(test_reader_errors),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_reader_huge_line),
        cmocka_unit_test(test_reader_many_records),
        cmocka_unit_test(test_tape_write),
        cmocka_unit_test(test_addr_and_tick),
    };
    return cmocka_run_group_tests_name("tape", tests, NULL, NULL);
}
