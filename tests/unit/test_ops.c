/* tests/unit/test_ops.c - the operations helpers of the live bot: logfmt
 * values and their check (live/logfmt.c), a URL's host, the store's writer
 * lock (live/dblock.c) and the fixed buckets of the /metrics histograms
 * (live/metrics.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "live/dblock.h"
#include "live/logfmt.h"
#include "live/metrics.h"

static void test_logfmt_value(void **st)
{
    (void)st;
    char b[64];
    assert_string_equal(pmc_logfmt_value(b, sizeof b, "plain"), "plain");
    assert_string_equal(pmc_logfmt_value(b, sizeof b, ""), "\"\"");
    assert_string_equal(pmc_logfmt_value(b, sizeof b, "a b"), "\"a b\"");
    assert_string_equal(pmc_logfmt_value(b, sizeof b, "say \"hi\" \\o/"),
                        "\"say \\\"hi\\\" \\\\o/\"");
    assert_string_equal(pmc_logfmt_value(b, sizeof b, "k=v"), "\"k=v\"");
    assert_string_equal(pmc_logfmt_value(b, sizeof b, "line\nbreak"),
                        "\"line break\"");
    /* cut short, the quotes stay balanced */
    char s[8];
    pmc_logfmt_value(s, sizeof s, "a long value");
    assert_string_equal(s, "\"a lon\"");
    char line[80];
    snprintf(line, sizeof line, "k=%s",
             pmc_logfmt_value(b, sizeof b, "x \"y\" \\ z"));
    assert_true(pmc_logfmt_valid(line));
}

static void test_logfmt_valid(void **st)
{
    (void)st;
    assert_true(pmc_logfmt_valid("event=order coid=pmc-1 sz=10"));
    assert_true(pmc_logfmt_valid("msg=\"a \\\"b\\\" c\" n=1"));
    assert_true(pmc_logfmt_valid("a.b-c_d=1"));
    assert_false(pmc_logfmt_valid(""));
    assert_false(pmc_logfmt_valid("event=x stray"));
    assert_false(pmc_logfmt_valid("event=x  k=v"));
    assert_false(pmc_logfmt_valid("event=x k="));
    assert_false(pmc_logfmt_valid("event=x k=\"open"));
    assert_false(pmc_logfmt_valid("event=x k=a\"b"));
    assert_false(pmc_logfmt_valid("event=x k=\"bad \\n escape\""));
    assert_false(pmc_logfmt_valid("event=x k=v "));
    assert_false(pmc_logfmt_valid("=v"));
}

static void test_levels_and_host(void **st)
{
    (void)st;
    assert_int_equal(pmc_log_level_parse("debug", 5), PMC_LOG_DEBUG);
    assert_int_equal(pmc_log_level_parse("error", 5), PMC_LOG_ERROR);
    assert_int_equal(pmc_log_level_parse("warning", 7), -1);
    assert_string_equal(pmc_log_level_name(PMC_LOG_WARN), "warn");
    char h[64];
    assert_string_equal(
        pmc_url_host("wss://ws-live-data.polymarket.com", h, sizeof h),
        "ws-live-data.polymarket.com");
    assert_string_equal(pmc_url_host("http://127.0.0.1:9/order", h, sizeof h),
                        "127.0.0.1");
    assert_string_equal(
        pmc_url_host("https://u:p@host.io:443/x?y", h, sizeof h), "host.io");
    assert_string_equal(pmc_url_host("ws://[::1]:80/rpc", h, sizeof h),
                        "[::1]");
    assert_string_equal(pmc_url_host("http:///nohost", h, sizeof h), "?");
}

static void test_dblock(void **st)
{
    (void)st;
    char dir[] = "/tmp/pmc_test_ops.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char db[128], lock[160], err[512];
    snprintf(db, sizeof db, "%s/s.db", dir);
    snprintf(lock, sizeof lock, "%s-lock", db);
    int fd;
    assert_int_equal(pmc_dblock_take(db, &fd, err, sizeof err), 0);
    assert_true(fd >= 0);
    /* another process is refused with the holder's pid and the lock's
     * path (flock: a second open file of the same process is refused
     * too, so a child shows it as another process would) */
    pid_t c = fork();
    assert_true(c >= 0);
    if (c == 0) {
        int f2;
        char e2[512], want[512];
        snprintf(want, sizeof want,
                 "the store %s is in use by pid %ld (lock %s)", db,
                 (long)getppid(), lock);
        _exit(pmc_dblock_take(db, &f2, e2, sizeof e2) == -1 && f2 == -1 &&
                      !strcmp(e2, want)
                  ? 0
                  : 1);
    }
    int wst;
    assert_int_equal(waitpid(c, &wst, 0), c);
    assert_true(WIFEXITED(wst));
    assert_int_equal(WEXITSTATUS(wst), 0);
    /* released: the next writer takes it and writes its pid */
    pmc_dblock_release(fd);
    assert_int_equal(pmc_dblock_take(db, &fd, err, sizeof err), 0);
    FILE *f = fopen(lock, "r");
    assert_non_null(f);
    long pid = 0;
    assert_int_equal(fscanf(f, "%ld", &pid), 1);
    fclose(f);
    assert_int_equal(pid, (long)getpid());
    pmc_dblock_release(fd);
    pmc_dblock_release(-1);
    /* a folder that does not exist: an error naming the lock file */
    char nodb[200];
    snprintf(nodb, sizeof nodb, "%s/no/such/s.db", dir);
    assert_int_equal(pmc_dblock_take(nodb, &fd, err, sizeof err), -1);
    assert_non_null(strstr(err, "s.db-lock"));
    unlink(lock);
    rmdir(dir);
}

static void test_hist_fixed_buckets(void **st)
{
    (void)st;
    static struct pmc_hist h;
    memset(&h, 0, sizeof h);
    /* on a bound counts in that bucket (le is inclusive); above the last
     * bound only in +Inf */
    int64_t v[] = {0,      10,      11,       250,      251,
                   999999, 1000000, 10000000, 10000001, -3};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        pmc_hist_add(&h, v[i]);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    pmc_hist_prom(f, "x_us", "A test.", "", &h);
    fclose(f);
    assert_non_null(strstr(buf, "# HELP x_us A test.\n# TYPE x_us histogram\n"
                                "x_us_bucket{le=\"10\"} 3\n"
                                "x_us_bucket{le=\"25\"} 4\n"));
    assert_non_null(strstr(buf, "x_us_bucket{le=\"250\"} 5\n"
                                "x_us_bucket{le=\"500\"} 6\n"));
    assert_non_null(strstr(buf, "x_us_bucket{le=\"1000000\"} 8\n"));
    assert_non_null(strstr(buf, "x_us_bucket{le=\"10000000\"} 9\n"
                                "x_us_bucket{le=\"+Inf\"} 10\n"
                                "x_us_sum 22000522\n"
                                "x_us_count 10\n"));
    /* every bound printed, empty or not */
    int n = 0;
    for (char *p = buf; (p = strstr(p, "x_us_bucket{")); p++)
        n++;
    assert_int_equal(n, PMC_HIST_FIXED + 1);
    free(buf);
    /* empty, with labels */
    static struct pmc_hist e;
    memset(&e, 0, sizeof e);
    f = open_memstream(&buf, &len);
    pmc_hist_prom(f, "y", NULL, "src=\"a\"", &e);
    fclose(f);
    assert_null(strstr(buf, "# "));
    assert_non_null(strstr(buf, "y_bucket{src=\"a\",le=\"10\"} 0\n"));
    assert_non_null(strstr(buf, "y_bucket{src=\"a\",le=\"+Inf\"} 0\n"
                                "y_sum{src=\"a\"} 0\ny_count{src=\"a\"} 0\n"));
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_logfmt_value),
        cmocka_unit_test(test_logfmt_valid),
        cmocka_unit_test(test_levels_and_host),
        cmocka_unit_test(test_dblock),
        cmocka_unit_test(test_hist_fixed_buckets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
