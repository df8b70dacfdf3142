/* tests/unit/test_alert.c - live/alert.h against a webhook receiver on
 * 127.0.0.1 run by this test: the generic and Telegram bodies, a failure
 * retried until delivered (5xx, 429), a 4xx not retried, retries bounded,
 * a full queue dropping and the next delivered alert saying so, and the
 * URL's secret path never in an error. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "live/alert.h"

/* ---- the receiver: answers each request with the next scripted code ---- */
#define MAXREQ 16
static struct {
    int fd, port;
    pthread_t th;
    pthread_mutex_t mu;
    int codes[MAXREQ], ncodes, nreq;
    char bodies[MAXREQ][1024];
    char paths[MAXREQ][256];
    int hold; /* 1: keep the answer back until released */
} rx;

static void *serve(void *arg)
{
    (void)arg;
    for (;;) {
        int c = accept(rx.fd, NULL, NULL);
        if (c < 0)
            return NULL;
        char buf[4096];
        size_t n = 0;
        char *body = NULL;
        long clen = -1;
        for (;;) {
            ssize_t r = recv(c, buf + n, sizeof buf - 1 - n, 0);
            if (r <= 0)
                break;
            n += (size_t)r;
            buf[n] = '\0';
            char *eoh = strstr(buf, "\r\n\r\n");
            if (eoh && clen < 0) {
                char *cl = strcasestr(buf, "Content-Length:");
                clen = cl ? strtol(cl + 15, NULL, 10) : 0;
                body = eoh + 4;
            }
            if (body && (long)(n - (size_t)(body - buf)) >= clen)
                break;
        }
        pthread_mutex_lock(&rx.mu);
        int i = rx.nreq < MAXREQ ? rx.nreq : MAXREQ - 1;
        snprintf(rx.bodies[i], sizeof rx.bodies[i], "%s", body ? body : "");
        sscanf(buf, "%*s %255s", rx.paths[i]);
        int code = rx.nreq < rx.ncodes ? rx.codes[rx.nreq] : 200;
        rx.nreq++;
        pthread_mutex_unlock(&rx.mu);
        for (;;) {
            pthread_mutex_lock(&rx.mu);
            int h = rx.hold;
            pthread_mutex_unlock(&rx.mu);
            if (!h)
                break;
            usleep(5000);
        }
        char resp[128];
        int m = snprintf(resp, sizeof resp,
                         "HTTP/1.1 %d X\r\nContent-Length: 2\r\nConnection: "
                         "close\r\n\r\n{}",
                         code);
        send(c, resp, (size_t)m, MSG_NOSIGNAL);
        close(c);
    }
}

static int setup(void **st)
{
    (void)st;
    memset(&rx, 0, sizeof rx);
    pthread_mutex_init(&rx.mu, NULL);
    rx.fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t sl = sizeof a;
    if (bind(rx.fd, (struct sockaddr *)&a, sizeof a) || listen(rx.fd, 16) ||
        getsockname(rx.fd, (struct sockaddr *)&a, &sl))
        return -1;
    rx.port = ntohs(a.sin_port);
    return pthread_create(&rx.th, NULL, serve, NULL);
}

static int teardown(void **st)
{
    (void)st;
    shutdown(rx.fd, SHUT_RDWR);
    close(rx.fd);
    pthread_join(rx.th, NULL);
    return 0;
}

static void script(const int *codes, int n)
{
    pthread_mutex_lock(&rx.mu);
    if (n)
        memcpy(rx.codes, codes, (size_t)n * sizeof *codes);
    rx.ncodes = n;
    rx.nreq = 0;
    pthread_mutex_unlock(&rx.mu);
}

static struct pmc_alert *open_(int fmt, const char *chat, int tries, int cap,
                               char *url)
{
    sprintf(url, "http://127.0.0.1:%d/bot123:SECRET/sendMessage", rx.port);
    struct pmc_alert_opts o = {0};
    o.url = url;
    o.fmt = fmt;
    o.chat_id = chat;
    o.name = "host1";
    o.tries = tries;
    o.first_wait_ms = 5;
    o.timeout_ms = 2000;
    o.queue_cap = cap;
    struct pmc_alert *a = NULL;
    char err[256];
    assert_int_equal(pmc_alert_open(&a, &o, err, sizeof err), PMC_OK);
    return a;
}

static void wait_done(struct pmc_alert *a, uint64_t n)
{
    struct pmc_alert_stats s;
    for (int i = 0; i < 1000; i++) {
        pmc_alert_stats(a, &s);
        if (s.sent + s.failed >= n)
            return;
        usleep(5000);
    }
    fail_msg("alerts not done");
}

static void test_generic_and_retries(void **st)
{
    (void)st;
    char url[128];
    int codes[] = {500, 429, 200, 400};
    script(codes, 4);
    struct pmc_alert *a = open_(PMC_ALERT_GENERIC, NULL, 4, 8, url);
    assert_int_equal(pmc_alert_post(a, 1700000000000, "kill_switch", "critical",
                                    "max daily loss \"hit\""),
                     0);
    wait_done(a, 1);
    struct pmc_alert_stats s;
    pmc_alert_stats(a, &s);
    assert_int_equal(s.sent, 1);
    assert_int_equal(s.attempts, 3); /* 500, 429, then 200 */
    assert_string_equal(rx.paths[2], "/bot123:SECRET/sendMessage");
    assert_string_equal(rx.bodies[2],
                        "{\"dropped_before\":0,\"event\":\"kill_switch\","
                        "\"level\":\"critical\",\"name\":\"host1\","
                        "\"source\":\"pmcopy\",\"t\":1700000000000,\"text\":"
                        "\"max daily loss \\\"hit\\\"\"}");
    /* a 4xx is not retried, and the error names the host, not the path */
    assert_int_equal(pmc_alert_post(a, 1, "x", "warn", "y"), 0);
    wait_done(a, 2);
    pmc_alert_stats(a, &s);
    assert_int_equal(s.failed, 1);
    assert_int_equal(s.attempts, 4);
    assert_non_null(strstr(s.last_error, "HTTP 400"));
    assert_non_null(strstr(s.last_error, "127.0.0.1"));
    assert_null(strstr(s.last_error, "SECRET"));
    pmc_alert_close(a, 1000);
}

static void test_bounded_tries(void **st)
{
    (void)st;
    char url[128];
    int codes[] = {503, 503, 503, 503, 503};
    script(codes, 5);
    struct pmc_alert *a = open_(PMC_ALERT_GENERIC, NULL, 2, 8, url);
    assert_int_equal(pmc_alert_post(a, 1, "source_silent", "warn", "rtds"), 0);
    wait_done(a, 1);
    struct pmc_alert_stats s;
    pmc_alert_stats(a, &s);
    assert_int_equal(s.failed, 1);
    assert_int_equal(s.attempts, 2);
    assert_int_equal(rx.nreq, 2);
    pmc_alert_close(a, 1000);
}

static void test_full_queue_reported(void **st)
{
    (void)st;
    char url[128];
    script(NULL, 0);
    pthread_mutex_lock(&rx.mu);
    rx.hold = 1;
    pthread_mutex_unlock(&rx.mu);
    struct pmc_alert *a = open_(PMC_ALERT_GENERIC, NULL, 1, 2, url);
    assert_int_equal(pmc_alert_post(a, 1, "a", "info", "first"), 0);
    for (int i = 0; i < 400 && rx.nreq < 1; i++) /* first one in flight */
        usleep(5000);
    assert_int_equal(pmc_alert_post(a, 2, "b", "info", "second"), 0);
    assert_int_equal(pmc_alert_post(a, 3, "c", "info", "third"), 0);
    assert_int_equal(pmc_alert_post(a, 4, "d", "info", "fourth"), -1);
    pthread_mutex_lock(&rx.mu);
    rx.hold = 0;
    pthread_mutex_unlock(&rx.mu);
    wait_done(a, 3);
    struct pmc_alert_stats s;
    pmc_alert_stats(a, &s);
    assert_int_equal(s.sent, 3);
    assert_int_equal(s.dropped, 1);
    assert_non_null(
        strstr(rx.bodies[1], "second (1 earlier alerts were dropped)"));
    assert_null(strstr(rx.bodies[2], "dropped)"));
    pmc_alert_close(a, 1000);
}

static void test_telegram(void **st)
{
    (void)st;
    char url[128];
    script(NULL, 0);
    struct pmc_alert *a = open_(PMC_ALERT_TELEGRAM, "-100123", 1, 4, url);
    assert_int_equal(
        pmc_alert_post(a, 1, "ready_lost", "warn", "no source data for 60 s"),
        0);
    wait_done(a, 1);
    assert_string_equal(rx.bodies[0],
                        "{\"chat_id\":\"-100123\",\"disable_web_page_preview\":"
                        "true,\"text\":\"pmcopy host1 [warn] ready_lost: no "
                        "source data for 60 s\"}");
    pmc_alert_close(a, 1000);
    /* a Telegram alert without a chat, a URL that is not http(s) */
    struct pmc_alert_opts o = {0};
    o.url = "https://api.telegram.org/bot123:SECRET/sendMessage";
    o.fmt = PMC_ALERT_TELEGRAM;
    char err[256];
    assert_int_equal(pmc_alert_open(&a, &o, err, sizeof err), PMC_ECONFIG);
    assert_non_null(strstr(err, "api.telegram.org"));
    assert_null(strstr(err, "SECRET"));
    o.url = "ftp://user:pw@example.com/x";
    o.fmt = PMC_ALERT_GENERIC;
    assert_int_equal(pmc_alert_open(&a, &o, err, sizeof err), PMC_ECONFIG);
    assert_null(strstr(err, "pw"));
    char h[64];
    pmc_alert_url_host("https://u:p@hooks.example.com:8443/a/b?k=v", h,
                       sizeof h);
    assert_string_equal(h, "https://hooks.example.com:8443");
    assert_int_equal(pmc_alert_fmt_parse("telegram"), PMC_ALERT_TELEGRAM);
    assert_int_equal(pmc_alert_fmt_parse("slack"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generic_and_retries),
        cmocka_unit_test(test_bounded_tries),
        cmocka_unit_test(test_full_queue_reported),
        cmocka_unit_test(test_telegram),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
