/* tests/unit/test_watch.c - the watcher set without a network: config
 * validation, book token handling, checkpoints, metrics text. The fault
 * tests against the fake servers are in tests/cli/watch.sh. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <curl/curl.h>

#include "live/watch/watch.h"

static int nlog;
static void on_log(void *ctx, const char *line)
{
    (void)ctx;
    (void)line;
    nlog++;
}
static void on_emit(void *ctx, struct pmc_record *rec, enum pmc_watch_src s)
{
    (void)ctx;
    (void)rec;
    (void)s;
}

static const char *const wallets[] = {
    "0x1111111111111111111111111111111111111111",
    "2222222222222222222222222222222222222222",    /* no 0x: accepted */
    "0X1111111111111111111111111111111111111111"}; /* duplicate */

static struct pmc_watch_config base(void)
{
    struct pmc_watch_config c;
    memset(&c, 0, sizeof c);
    c.wallets = wallets;
    c.nwallets = 3;
    c.emit = on_emit;
    c.log = on_log;
    return c;
}

static void test_config_errors(void **st)
{
    (void)st;
    struct pmc_watch *w;
    struct pmc_watch_config c = base();
    c.emit = NULL;
    assert_int_equal(pmc_watch_new(&c, 1000, &w), PMC_ECONFIG);
    assert_null(w);
    c = base();
    const char *bad[] = {"0x12"};
    c.wallets = bad;
    c.nwallets = 1;
    nlog = 0;
    assert_int_equal(pmc_watch_new(&c, 1000, &w), PMC_ECONFIG);
    assert_true(nlog > 0);
    c = base();
    c.chain_url = "http://127.0.0.1:1/";
    assert_int_equal(pmc_watch_new(&c, 1000, &w), PMC_ECONFIG);
    c = base();
    c.rtds_url = "ws://127.0.0.1:99999/";
    assert_int_equal(pmc_watch_new(&c, 1000, &w), PMC_ECONFIG);
    c = base();
    c.api_url = "ftp://127.0.0.1/";
    assert_int_equal(pmc_watch_new(&c, 1000, &w), PMC_ECONFIG);
    c = base();
    const char *addrs[] = {"0xnothex"};
    c.chain_url = "ws://127.0.0.1:9/";
    c.chain_addresses = addrs;
    c.nchain_addresses = 1;
    assert_int_equal(pmc_watch_new(&c, 1000, &w), PMC_ECONFIG);
}

static void test_books_and_checkpoints(void **st)
{
    (void)st;
    struct pmc_watch *w;
    struct pmc_watch_config c = base();
    assert_int_equal(pmc_watch_new(&c, 1000, &w), PMC_OK);
    assert_int_equal(pmc_watch_book_add(w, "101", 3), PMC_ESTATE);
    pmc_watch_set_checkpoint(w, PMC_WATCH_CHAIN, 5000);
    assert_int_equal(pmc_watch_checkpoint(w, PMC_WATCH_CHAIN), 5000);
    assert_int_equal(pmc_watch_checkpoint(w, PMC_WATCH_RTDS), 0);
    assert_false(pmc_watch_is_up(w, PMC_WATCH_CHAIN));
    pmc_watch_free(w);

    c = base();
    c.book_url = "ws://127.0.0.1:9/ws/market"; /* never ticked: no I/O */
    c.api_url = "http://127.0.0.1:9";
    assert_int_equal(pmc_watch_new(&c, 1000, &w), PMC_OK);
    assert_int_equal(pmc_watch_book_add(w, "101", 3), PMC_OK);
    assert_int_equal(pmc_watch_book_add(w, "101", 3), PMC_OK);
    assert_int_equal(pmc_watch_book_add(w, "1\"1", 3), PMC_EPARSE);
    assert_int_equal(pmc_watch_book_remove(w, "102", 3), PMC_ENOTFOUND);
    assert_int_equal(pmc_watch_book_remove(w, "101", 3), PMC_OK);
    char many[8];
    enum pmc_err e = PMC_OK;
    int i;
    for (i = 0; i < 600 && e == PMC_OK; i++) {
        int n = snprintf(many, sizeof many, "%d", 1000 + i);
        e = pmc_watch_book_add(w, many, (size_t)n);
    }
    assert_int_equal(e, PMC_EFULL);
    assert_int_equal(i, 513);
    pmc_watch_set_checkpoint(w, PMC_WATCH_API, 7000);
    assert_int_equal(pmc_watch_checkpoint(w, PMC_WATCH_API), 7000);
    pmc_watch_free(w);
}

static void test_metrics(void **st)
{
    (void)st;
    struct pmc_watch *w;
    struct pmc_watch_config c = base();
    assert_int_equal(pmc_watch_new(&c, 1000, &w), PMC_OK);
    static char buf[65536];
    size_t n = pmc_watch_metrics(w, buf, sizeof buf);
    assert_true(n > 0);
    assert_non_null(
        strstr(buf, "pmcopy_watch_fills_total{source=\"rtds\"} 0\n"));
    assert_non_null(strstr(
        buf, "pmcopy_watch_lag_ms_bucket{source=\"chain\",le=\"+Inf\"} 0\n"));
    assert_non_null(
        strstr(buf, "pmcopy_watch_lag_ms_count{source=\"api\"} 0\n"));
    /* one prefix, and every series has its HELP and TYPE lines */
    assert_null(strstr(buf, "pmc_watch_"));
    assert_non_null(strstr(buf, "# HELP pmcopy_watch_fills_total "));
    assert_non_null(strstr(buf, "# TYPE pmcopy_watch_lag_ms histogram\n"));
    assert_int_equal(pmc_watch_metrics(w, buf, 100), 0);
    assert_string_equal(pmc_watch_src_name(PMC_WATCH_BOOK), "book");
    pmc_watch_free(w);
    pmc_watch_free(NULL);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_books_and_checkpoints),
        cmocka_unit_test(test_metrics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
