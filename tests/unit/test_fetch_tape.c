/* tests/unit/test_fetch_tape.c - the tape `fetch tape` writes
 * (research/fetch/tape.h): Gamma's market records carry the question and
 * slug as quoted values; trade prints become ev=trade inside [since,
 * until] only; a market Gamma does not resolve is resolved from the
 * wallet's REDEEM (the held token at the paid price, the other at the
 * rest; a redeem paying nothing resolves the held token at 0); a market
 * Gamma resolves is not resolved again; records sorted by t; the tape
 * reads back. Also the condition ids the activity names, once each.
 * A document of more rows than one decoding chunk gives the keys of a
 * whole-document decode (identical rows of one transaction far apart are
 * the 1st and 2nd) and names a bad row by its place in the document. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/tape.h"
#include "research/fetch/tape.h"

#define W "0x00000000000000000000000000000000000a0001"
#define M1 "0x1111111111111111111111111111111111111111111111111111111111111111"
#define M2 "0x2222222222222222222222222222222222222222222222222222222222222222"

static const char activity[] =
    "[{\"proxyWallet\":\"" W "\",\"timestamp\":1000,\"conditionId\":\"" M1
    "\",\"type\":\"TRADE\",\"size\":10,\"usdcSize\":4,\"transactionHash\":"
    "\"0xa1\",\"price\":0.4,\"asset\":\"111\",\"side\":\"BUY\","
    "\"outcome\":\"Yes\"},"
    "{\"proxyWallet\":\"" W "\",\"timestamp\":1001,\"conditionId\":\"" M2
    "\",\"type\":\"TRADE\",\"size\":5,\"usdcSize\":1,\"transactionHash\":"
    "\"0xa2\",\"price\":0.2,\"asset\":\"221\",\"side\":\"BUY\","
    "\"outcome\":\"Yes\"},"
    "{\"proxyWallet\":\"" W "\",\"timestamp\":2000,\"conditionId\":\"" M1
    "\",\"type\":\"REDEEM\",\"size\":10,\"usdcSize\":10,\"transactionHash\":"
    "\"0xa3\"},"
    "{\"proxyWallet\":\"" W "\",\"timestamp\":2001,\"conditionId\":\"" M2
    "\",\"type\":\"REDEEM\",\"size\":5,\"usdcSize\":5,\"transactionHash\":"
    "\"0xa4\"}]";

/* M1 open (no resolution from Gamma), M2 closed: Gamma resolves it */
static const char markets[] =
    "[{\"conditionId\":\"" M1 "\",\"question\":\"Will \\\"x\\\" win?\","
    "\"slug\":\"will-x-win\",\"clobTokenIds\":\"[\\\"111\\\",\\\"112\\\"]\","
    "\"outcomes\":\"[\\\"Yes\\\",\\\"No\\\"]\",\"outcomePrices\":"
    "\"[\\\"0.5\\\",\\\"0.5\\\"]\",\"closed\":false,\"orderPriceMinTickSize\":"
    "0.001,\"endDate\":\"1970-01-01T01:00:00Z\",\"createdAt\":"
    "\"1970-01-01T00:00:00Z\"},"
    "{\"conditionId\":\"" M2 "\",\"question\":\"Two?\",\"slug\":\"two\","
    "\"clobTokenIds\":\"[\\\"221\\\",\\\"222\\\"]\",\"outcomes\":"
    "\"[\\\"Yes\\\",\\\"No\\\"]\",\"outcomePrices\":\"[\\\"0\\\",\\\"1\\\"]\","
    "\"closed\":true,\"closedTime\":\"1970-01-01T00:50:00Z\"}]";

static const char trades[] =
    "[{\"proxyWallet\":\"0x00000000000000000000000000000000000b0001\","
    "\"timestamp\":1500,\"conditionId\":\"" M1 "\",\"size\":3,\"price\":0.45,"
    "\"asset\":\"111\",\"side\":\"SELL\",\"transactionHash\":\"0xb1\"},"
    "{\"proxyWallet\":\"0x00000000000000000000000000000000000b0001\","
    "\"timestamp\":99999,\"conditionId\":\"" M1 "\",\"size\":3,\"price\":0.5,"
    "\"asset\":\"111\",\"side\":\"SELL\",\"transactionHash\":\"0xb2\"}]";

static char *slurp(const char *p)
{
    FILE *f = fopen(p, "rb");
    assert_non_null(f);
    char *b = calloc(1, 1 << 16);
    size_t n = fread(b, 1, (1 << 16) - 1, f);
    b[n] = '\0';
    fclose(f);
    return b;
}

static void the_tape(void **state)
{
    (void)state;
    char path[] = "/tmp/pmc_fx_tapeXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    struct pmc_fx_tape_in in = {
        activity, strlen(activity), markets, strlen(markets),
        trades,   strlen(trades),   0,       10000};
    struct pmc_fx_tape_counts c;
    char err[256];
    assert_int_equal(pmc_fx_tape_write(&in, path, &c, err, sizeof err), 0);
    char *t = slurp(path);
    assert_int_equal(c.fills, 2);
    assert_int_equal(c.markets, 4);
    assert_int_equal(c.resolves, 2);        /* M2 from Gamma */
    assert_int_equal(c.resolves_redeem, 2); /* M1 from the redeem */
    assert_int_equal(c.trades, 1);
    assert_int_equal(c.trades_outside, 1);
    assert_non_null(strstr(t, "token=111 market=" M1));
    assert_non_null(strstr(t, "tick=0.001"));
    assert_non_null(strstr(t, "question=\"Will \\\"x\\\" win?\" "
                              "slug=will-x-win\n"));
    assert_non_null(strstr(t, "t=1500000 ev=trade token=111 px=0.45 sz=3"));
    assert_null(strstr(t, "px=0.5 sz=3"));
    assert_non_null(strstr(t, "t=2000000 ev=resolve token=111 payout=1\n"));
    assert_non_null(strstr(t, "t=2000000 ev=resolve token=112 payout=0\n"));
    /* M2: Gamma's resolution, not the redeem's */
    assert_non_null(strstr(t, "ev=resolve token=222 payout=1\n"));
    assert_null(strstr(t, "t=2001000 ev=resolve"));
    /* every line reads back, in time order */
    int64_t last = -1;
    char *save = NULL;
    int lines = 0;
    for (char *l = strtok_r(t, "\n", &save); l;
         l = strtok_r(NULL, "\n", &save)) {
        struct pmc_record r;
        int has = 0;
        struct pmc_tape_err te;
        assert_int_equal(pmc_tape_parse(l, strlen(l), &r, &has, &te), PMC_OK);
        if (!has)
            continue;
        assert_true(r.t >= last);
        last = r.t;
        lines++;
    }
    assert_int_equal(lines, 2 + 2 + 4 + 2 + 2 + 1);
    free(t);
    unlink(path);
}

static void redeem_paying_nothing(void **state)
{
    (void)state;
    static const char act[] =
        "[{\"proxyWallet\":\"" W "\",\"timestamp\":1000,\"conditionId\":\"" M1
        "\",\"type\":\"TRADE\",\"size\":10,\"usdcSize\":4,"
        "\"transactionHash\":\"0xa1\",\"price\":0.4,\"asset\":\"111\","
        "\"side\":\"BUY\"},"
        "{\"proxyWallet\":\"" W "\",\"timestamp\":2000,\"conditionId\":\"" M1
        "\",\"type\":\"REDEEM\",\"size\":10,\"usdcSize\":0,"
        "\"transactionHash\":\"0xa3\"}]";
    char path[] = "/tmp/pmc_fx_tapeXXXXXX";
    int fd = mkstemp(path);
    close(fd);
    struct pmc_fx_tape_in in = {act, strlen(act), NULL, 0, NULL, 0, 0, 10000};
    struct pmc_fx_tape_counts c;
    char err[256];
    assert_int_equal(pmc_fx_tape_write(&in, path, &c, err, sizeof err), 0);
    char *t = slurp(path);
    assert_non_null(strstr(t, "ev=resolve token=111 payout=0\n"));
    assert_int_equal(c.resolves_redeem, 1);
    free(t);
    unlink(path);
}

static void markets_named(void **state)
{
    (void)state;
    char **ids;
    size_t n;
    char err[256];
    assert_int_equal(pmc_fx_tape_markets_of(activity, strlen(activity), &ids,
                                            &n, err, sizeof err),
                     0);
    assert_int_equal(n, 2);
    assert_string_equal(ids[0], M1);
    assert_string_equal(ids[1], M2);
    for (size_t i = 0; i < n; i++)
        free(ids[i]);
    free(ids);
    assert_int_equal(
        pmc_fx_tape_markets_of("[{\"type\":", 9, &ids, &n, err, sizeof err),
        -1);
    assert_true(err[0] != '\0');
}

/* n TRADE rows, tx 0xc<k>, except (with pair) rows 0 and n-1: identical,
 * tx 0xdd0; row bad (if < n) has a price of 2 */
static char *many(size_t n, size_t bad, int pair)
{
    size_t cap = n * 400 + 16, len = 0;
    char *b = malloc(cap);
    assert_non_null(b);
    b[len++] = '[';
    for (size_t k = 0; k < n; k++) {
        int dd = pair && (k == 0 || k == n - 1);
        len += (size_t)snprintf(
            b + len, cap - len,
            "%s{\"proxyWallet\":\"" W "\",\"timestamp\":%zu,"
            "\"conditionId\":\"" M1 "\",\"type\":\"TRADE\",\"size\":10,"
            "\"usdcSize\":4,\"transactionHash\":\"0x%s%zx\",\"price\":%s,"
            "\"asset\":\"111\",\"side\":\"BUY\"}",
            k ? "," : "", dd ? (size_t)1000 : 1000 + k, dd ? "dd" : "c",
            dd ? (size_t)0 : k, k == bad ? "2" : "0.4");
    }
    b[len++] = ']';
    b[len] = '\0';
    return b;
}

static void chunked_like_whole(void **state)
{
    (void)state;
    char *act = many(3000, 3000, 1);
    char path[] = "/tmp/pmc_fx_tapeXXXXXX";
    int fd = mkstemp(path);
    close(fd);
    struct pmc_fx_tape_in in = {act, strlen(act), NULL, 0, NULL, 0, 0, 10000};
    struct pmc_fx_tape_counts c;
    char err[256];
    assert_int_equal(pmc_fx_tape_write(&in, path, &c, err, sizeof err), 0);
    assert_int_equal(c.fills, 3000);
    char *t = slurp(path);
    /* the two identical fills of 0xdd0: keys 0xdd0:h and 0xdd0:h:2 */
    const char *p1 = strstr(t, "key=0xdd0:");
    assert_non_null(p1);
    const char *p2 = strstr(p1 + 1, "key=0xdd0:");
    assert_non_null(p2);
    assert_null(strstr(p2 + 1, "key=0xdd0:"));
    assert_int_equal(strncmp(p1, p2, 10 + 16), 0);
    int s1 = p1[10 + 16] == ':', s2 = p2[10 + 16] == ':';
    assert_int_equal(s1 + s2, 1);
    assert_int_equal(strncmp((s1 ? p1 : p2) + 10 + 16, ":2 ", 3), 0);
    free(t);
    unlink(path);
    free(act);
    act = many(3000, 2500, 0);
    in.activity = act;
    in.activity_len = strlen(act);
    assert_int_equal(pmc_fx_tape_write(&in, path, &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "row 2501"));
    unlink(path);
    free(act);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_tape),
        cmocka_unit_test(redeem_paying_nothing),
        cmocka_unit_test(markets_named),
        cmocka_unit_test(chunked_like_whole),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
