/* tests/unit/test_wire_import.c - `pmcopy import` end to end on the real
 * recordings in $PMC_DATA (read in place) and on small hand-written files:
 * counts, ordering, determinism, the tape round trip and error exits. */
#include <fcntl.h>
#include <unistd.h>

#include "tests/unit/wire_collect.h"

#include "app/cmds.h"
#include "core/tape.h"

struct out {
    char *text;
    size_t n;
    char err[4096];
    int rc;
};

/* Run pmc_cmd_import with stdout and stderr captured. */
static void import(struct out *o, int argc, const char **argv)
{
    char tout[] = "/tmp/pmc_import_outXXXXXX",
         terr[] = "/tmp/pmc_import_errXXXXXX";
    int fo = mkstemp(tout), fe = mkstemp(terr);
    assert_true(fo >= 0 && fe >= 0);
    fflush(stdout);
    fflush(stderr);
    int so = dup(1), se = dup(2);
    dup2(fo, 1);
    dup2(fe, 2);
    o->rc = pmc_cmd_import(argc, (char **)argv);
    fflush(stdout);
    fflush(stderr);
    dup2(so, 1);
    dup2(se, 2);
    close(so);
    close(se);
    close(fo);
    close(fe);
    o->text = slurp(tout, &o->n);
    size_t en;
    char *e = slurp(terr, &en);
    snprintf(o->err, sizeof o->err, "%s", e);
    free(e);
    unlink(tout);
    unlink(terr);
}

/* Parse every line; count kinds; check t is non-decreasing. */
static void check_tape(const struct out *o, size_t *per_kind)
{
    memset(per_kind, 0, PMC_K_COUNT * sizeof *per_kind);
    assert_true(o->n > strlen(PMC_TAPE_HEADER));
    assert_memory_equal(o->text, PMC_TAPE_HEADER "\n",
                        strlen(PMC_TAPE_HEADER) + 1);
    pmc_ms last = 0;
    size_t lineno = 0;
    for (char *p = o->text; p < o->text + o->n;) {
        char *nl = memchr(p, '\n', (size_t)(o->text + o->n - p));
        assert_non_null(nl); /* every line ends with a newline */
        lineno++;
        struct pmc_record r;
        int has;
        struct pmc_tape_err te;
        if (pmc_tape_parse(p, (size_t)(nl - p), &r, &has, &te) != PMC_OK)
            fail_msg("tape line %zu: %s: %.*s", lineno, te.msg, (int)(nl - p),
                     p);
        if (has) {
            if (r.t < last)
                fail_msg("tape line %zu: t goes backwards", lineno);
            last = r.t;
            per_kind[r.kind]++;
        }
        p = nl + 1;
    }
}

#define ACT "hxx344__deepmarket/docs/pm_account_0x1d_raw_trades.json"

static void test_activity_dump(void **st)
{
    (void)st;
    char path[1024];
    snprintf(path, sizeof path, "%s", data_path(ACT));
    const char *argv[] = {"import", "activity", path};
    struct out a, b;
    import(&a, 3, argv);
    if (a.rc != 0)
        fail_msg("import failed: %s", a.err);
    import(&b, 3, argv);
    assert_int_equal(b.rc, 0);
    assert_int_equal(a.n, b.n);
    assert_memory_equal(a.text, b.text, a.n); /* deterministic */
    size_t k[PMC_K_COUNT];
    check_tape(&a, k);
    assert_int_equal(k[PMC_K_FILL], 2934);
    assert_int_equal(k[PMC_K_MERGE], 25);
    assert_int_equal(k[PMC_K_REDEEM], 25);
    assert_int_equal(k[PMC_K_RESOLVE], 0); /* the dump does not say */
    /* one market record per token traded (68 tokens of 36 markets) */
    assert_int_equal(k[PMC_K_MARKET], 68);
    assert_non_null(strstr(a.err, "2984 rows"));
    /* the newest fill is the last record, with its market just before */
    const char *last_fill =
        "t=1771359613000 ev=fill trader=0x1d0034134e339a309700ff2d34e99fa2d48b"
        "0313 token=62110467153195562643851299190882409548780190677384277594"
        "033518466121883086792 side=BUY px=0.32 sz=198.5318 key=0xb97c198ac211"
        "6f72f38283c96183bea5cac0b8056a5ebbf7346dd11da0085a4b:";
    const char *p = strstr(a.text, last_fill);
    assert_non_null(p);
    assert_non_null(strstr(p, " market=0x59feadddd58e7821c086ee9f3dc4f544514b9"
                              "4ebd0e8d645a3c4d80ebdd354a2 outcome=Down "
                              "end=1771359900000 src=api\n"));
    const char *mk =
        "t=1771359613000 ev=market token=621104671531955626438512991908824095"
        "48780190677384277594033518466121883086792 market=0x59feadddd58e7821c0"
        "86ee9f3dc4f544514b94ebd0e8d645a3c4d80ebdd354a2 end=1771359900000 "
        "tick=0.01 minsz=5 fee_rate=0.25 fee_exp=2 negrisk=0 defaults=1 "
        "outcome=Down question=\"Bitcoin Up or Down - February 17, "
        "3:20PM-3:25PM ET\" slug=btc-updown-5m-1771359600\n";
    const char *m = strstr(a.text, mk);
    assert_non_null(m);
    assert_true(m < p);
    assert_int_equal(strlen(p), (size_t)(strchr(p, '\n') - p) + 1);
    /* flags change the fee defaults */
    const char *argv2[] = {"import",    "activity", "--fee-rate", "0.07",
                           "--fee-exp", "1",        path};
    struct out c;
    import(&c, 7, argv2);
    assert_int_equal(c.rc, 0);
    assert_non_null(strstr(c.text, "fee_rate=0.07 fee_exp=1"));
    assert_null(strstr(c.text, "fee_rate=0.25"));
    free(a.text);
    free(b.text);
    free(c.text);
}

static void test_book_and_markets(void **st)
{
    (void)st;
    char path[1024];
    snprintf(path, sizeof path, "%s",
             data_path("ckoyuncu__polymarket_research/archive/polymarket/"
                       "small_sample_data/orderbook_logs/tokyo/"
                       "polymarket_books_13.jsonl.gz"));
    const char *argv[] = {"import", "book", path};
    struct out a;
    import(&a, 3, argv);
    if (a.rc != 0)
        fail_msg("import failed: %s", a.err);
    size_t k[PMC_K_COUNT];
    check_tape(&a, k);
    assert_int_equal(k[PMC_K_QUOTE], 8288);
    assert_true(k[PMC_K_MARKET] > 0);
    assert_non_null(strstr(
        a.text, "t=1767619076746 ev=quote token=2553529753447924931613908893"
                "3723598289499800540149749135571073002655140081331 bid=0.01 "
                "ask=0.99 bidsz=9443.97 asksz=9729.18\n"));
    free(a.text);

    snprintf(path, sizeof path, "%s",
             data_path("Ligengxin96__polymarket-data-samples/samples/"
                       "BTC-5m-markets-2026-07-24.jsonl.gz"));
    const char *argv2[] = {"import", "markets", path};
    import(&a, 3, argv2);
    if (a.rc != 0)
        fail_msg("import failed: %s", a.err);
    check_tape(&a, k);
    assert_int_equal(k[PMC_K_MARKET], 584);
    assert_int_equal(k[PMC_K_RESOLVE], 584);
    assert_non_null(strstr(
        a.text, "t=1784851216000 ev=resolve token=726907989035883922690017310"
                "07662425920353908498880709179939493847828858696064 "
                "payout=1\n"));
    free(a.text);
}

static char *write_tmp(const char *content, const char *suffix)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/pmc_import_inXXXXXX%s", suffix);
    int fd = mkstemps(path, (int)strlen(suffix));
    assert_true(fd >= 0);
    assert_int_equal(write(fd, content, strlen(content)),
                     (ssize_t)strlen(content));
    close(fd);
    return path;
}

static void test_errors_and_usage(void **st)
{
    (void)st;
    struct out o;
    const char *a0[] = {"import"};
    import(&o, 1, a0);
    assert_int_equal(o.rc, PMC_EXIT_USAGE);
    free(o.text);
    const char *a1[] = {"import", "--help"};
    import(&o, 2, a1);
    assert_int_equal(o.rc, PMC_EXIT_OK);
    assert_non_null(strstr(o.text, "usage: pmcopy import KIND"));
    free(o.text);
    const char *a2[] = {"import", "tweets", "x.json"};
    import(&o, 3, a2);
    assert_int_equal(o.rc, PMC_EXIT_USAGE);
    assert_non_null(strstr(o.err, "unknown kind 'tweets'"));
    free(o.text);
    const char *a3[] = {"import", "activity", "--fee-rate", "2", "x"};
    import(&o, 5, a3);
    assert_int_equal(o.rc, PMC_EXIT_USAGE);
    free(o.text);
    const char *a4[] = {"import", "activity", "/nonexistent/file.json"};
    import(&o, 3, a4);
    assert_int_equal(o.rc, PMC_EXIT_FAIL);
    assert_non_null(strstr(o.err, "/nonexistent/file.json"));
    free(o.text);
    /* row 2 has a price out of range: FILE:2: reason */
    char *p = write_tmp(
        "[{\"proxyWallet\":\"0x1d0034134e339a309700ff2d34e99fa2d48b0313\","
        "\"timestamp\":1,\"asset\":\"1\",\"side\":\"BUY\",\"size\":1,\"price\":"
        "0.5,\"transactionHash\":\"0x1\"},{\"proxyWallet\":\"0x1d0034134e339a3"
        "09700ff2d34e99fa2d48b0313\",\"timestamp\":1,\"asset\":\"1\",\"side\":"
        "\"BUY\",\"size\":1,\"price\":1.5,\"transactionHash\":\"0x2\"}]",
        ".json");
    const char *a5[] = {"import", "activity", p};
    import(&o, 3, a5);
    assert_int_equal(o.rc, PMC_EXIT_FAIL);
    char want[128];
    snprintf(want, sizeof want, "%s:2: field \"price\"", p);
    if (!strstr(o.err, want))
        fail_msg("stderr '%s' lacks '%s'", o.err, want);
    unlink(p);
    free(o.text);
    /* JSON lines: the line number is the row */
    p = write_tmp("PONG\n{\"event_type\":\"best_bid_ask\",\"asset_id\":\"1\","
                  "\"best_bid\":\"0.4\",\"timestamp\":\"5\"}\n\n{\"event_type\""
                  ":\"book\"\n",
                  ".jsonl");
    const char *a6[] = {"import", "book", p};
    import(&o, 3, a6);
    assert_int_equal(o.rc, PMC_EXIT_FAIL);
    snprintf(want, sizeof want, "%s:4: JSON syntax error", p);
    if (!strstr(o.err, want))
        fail_msg("stderr '%s' lacks '%s'", o.err, want);
    unlink(p);
    free(o.text);
}

/* A top-level array is decoded one element at a time: errors name the row
 * and the line and column in the whole file exactly as a decode of the
 * whole document did (the messages below are those of that decoder), and
 * identical rows of a transaction get the keys of the whole document. */
#define ROW                                                                    \
    "{\"proxyWallet\":\"0x1111111111111111111111111111111111111111\","         \
    "\"timestamp\":1,\"asset\":\"1\",\"side\":\"BUY\",\"size\":1,\"price\":"   \
    "0.5,\"transactionHash\":\"0x1\"}"

static void test_array_streamed(void **st)
{
    (void)st;
    static const struct {
        const char *doc, *want;
    } bad[] = {
        {"[" ROW ",\n" ROW ",\n{\"a\":tru}]",
         "JSON syntax error at line 3, column 9: invalid token near 'tru'"},
        {"[" ROW ",\n" ROW ",]",
         "JSON syntax error at line 2, column 147: unexpected token near ']'"},
        {"[" ROW "\n,\n" ROW,
         "JSON syntax error at line 3, column 145: ']' expected near end of "
         "file"},
        {"[" ROW ",\n",
         "JSON syntax error at line 2, column 1: ']' expected near end of "
         "file"},
        {"  [ " ROW " ] x",
         "JSON syntax error at line 1, column 153: end of file expected near "
         "'x'"},
        {"[" ROW "}, " ROW "]",
         "JSON syntax error at line 1, column 147: ']' expected near '}'"},
        {"[" ROW ", {} {}]",
         "JSON syntax error at line 1, column 152: ']' expected near '{'"},
        {"[" ROW ",\n {\"x\": 01}]",
         "JSON syntax error at byte 154: malformed number"},
        {"[{]}]",
         "JSON syntax error at line 1, column 4: string or '}' expected near "
         "']'"},
        {"[]]",
         "JSON syntax error at line 1, column 4: end of file expected near "
         "']'"},
        {"[" ROW ",\n" ROW ",\n{\"proxyWallet\":\"0x11111111111111111111111111"
         "11111111111111\",\"timestamp\":1,\"asset\":\"1\",\"side\":\"BUY\","
         "\"size\":1,\"price\":7,\"transactionHash\":\"0x2\"}]",
         ":3: field \"price\""},
    };
    struct out o;
    char want[512];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *p = write_tmp(bad[i].doc, ".json");
        const char *a[] = {"import", "activity", p};
        import(&o, 3, a);
        assert_int_equal(o.rc, PMC_EXIT_FAIL);
        snprintf(want, sizeof want, "%s%s%s", p,
                 bad[i].want[0] == ':' ? "" : ": ", bad[i].want);
        if (!strstr(o.err, want))
            fail_msg("case %zu: stderr '%s' lacks '%s'", i, o.err, want);
        unlink(p);
        free(o.text);
    }

    /* identical rows of one transaction, apart in the array: the same
     * keys (:2, :3) as the {"data": [...]} envelope, decoded whole */
#define DUP(tx, type)                                                          \
    "{\"proxyWallet\":\"0x1111111111111111111111111111111111111111\","         \
    "\"timestamp\":5,\"asset\":\"7\",\"side\":\"BUY\",\"size\":2,\"price\":"   \
    "0.5,\"conditionId\":\"0xc\",\"type\":\"" type                             \
    "\",\"transactionHash\":\"" tx "\"}"
#define DUPS                                                                   \
    "[" DUP("0xa", "TRADE") "," DUP("0xb", "TRADE") "," DUP(                   \
        "0xa", "TRADE") "," DUP("0xa",                                         \
                                "MERGE") "," DUP("0xa",                        \
                                                 "TRADE") "," DUP("0xa",       \
                                                                  "MERGE") "]"
    char *p = write_tmp(DUPS, ".json");
    const char *a1[] = {"import", "activity", p};
    import(&o, 3, a1);
    unlink(p);
    assert_int_equal(o.rc, PMC_EXIT_OK);
    p = write_tmp("{\"data\":" DUPS "}", ".json");
    struct out w;
    const char *a2[] = {"import", "activity", p};
    import(&w, 3, a2);
    unlink(p);
    assert_int_equal(w.rc, PMC_EXIT_OK);
    assert_int_equal(o.n, w.n);
    assert_memory_equal(o.text, w.text, o.n);
    assert_non_null(strstr(o.text, ":3 "));
    assert_non_null(strstr(o.text, ":2 "));
    free(o.text);
    free(w.text);

    /* the key of the second identical row does not fit: row 2 says so */
#define TX78                                                                   \
    "0x12345678901234567890123456789012345678901234567890"                     \
    "12345678901234567890123456"
    p = write_tmp("[" DUP(TX78, "TRADE") "," DUP(TX78, "TRADE") "]", ".json");
    const char *a3[] = {"import", "activity", p};
    import(&o, 3, a3);
    unlink(p);
    assert_int_equal(o.rc, PMC_EXIT_FAIL);
    snprintf(want, sizeof want,
             "%s:2: field \"transactionHash\": too long for the key of the "
             "2-th identical row",
             p);
    if (!strstr(o.err, want))
        fail_msg("stderr '%s' lacks '%s'", o.err, want);
    free(o.text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_activity_dump),
        cmocka_unit_test(test_book_and_markets),
        cmocka_unit_test(test_errors_and_usage),
        cmocka_unit_test(test_array_streamed),
    };
    return cmocka_run_group_tests_name("wire_import", tests, NULL, NULL);
}
