/* tests/unit/test_api.c - the local HTTP API (live/api.h) as a server on
 * 127.0.0.1 with fake handlers and raw-socket clients: the routes that
 * need no token, 401 without / with a wrong token, 403 for a foreign Host
 * or Origin, loop requests answered inside pmc_api_poll on the polling
 * thread (at most PMC_API_POLL_MAX per call; a full queue is a counted 503
 * with its reason), thread_fn answering without the loop, a request
 * followed by a half-close answered, a slow client timed out without
 * holding up the others, a body over the limit refused, /ready as the
 * loop published it, and queued requests answered 503 at close. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "live/api.h"

#define TOK "test-token-0123456789abcdef"
#define PAGE "<!doctype html><title>pmcopy</title>"

static struct pmc_api *api;
static int port;
static atomic_int loop_calls, loop_wrong_thread;
static pthread_t loop_thread; /* who must run loop_fn */
static char last_query[256], last_body[256];

static int loop_fn(void *ctx, const struct pmc_api_req *r, FILE *out,
                   const char **ctype)
{
    (void)ctx;
    (void)ctype;
    if (!pthread_equal(pthread_self(), loop_thread))
        atomic_fetch_add(&loop_wrong_thread, 1);
    atomic_fetch_add(&loop_calls, 1);
    snprintf(last_query, sizeof last_query, "%s", r->query);
    snprintf(last_body, sizeof last_body, "%.*s", (int)r->body_len, r->body);
    fprintf(out, "{\"loop\":\"%s %s\"}\n", r->method, r->path);
    return strcmp(r->path, "/teapot") ? 200 : 418;
}

static int thread_fn(void *ctx, const struct pmc_api_req *r, FILE *out,
                     const char **ctype)
{
    (void)ctx;
    if (strcmp(r->path, "/thread"))
        return 0; /* not mine */
    *ctype = "text/plain";
    fprintf(out, "thread %s\n", r->query);
    return 200;
}

/* the loop: pmc_api_poll every millisecond while `polling` */
static atomic_int polling, poller_stop;
static pthread_t poller;
static void *poll_main(void *arg)
{
    (void)arg;
    while (!atomic_load(&poller_stop)) {
        if (atomic_load(&polling))
            pmc_api_poll(api, 0);
        usleep(1000);
    }
    return NULL;
}

static int setup(void **st)
{
    (void)st;
    struct pmc_api_opts o;
    memset(&o, 0, sizeof o);
    o.token = TOK;
    o.loop_fn = loop_fn;
    o.thread_fn = thread_fn;
    o.page = PAGE;
    o.page_len = sizeof PAGE - 1;
    char err[256];
    assert_int_equal(pmc_api_open(&api, &o, err, sizeof err), PMC_OK);
    port = pmc_api_port(api);
    assert_true(port > 0);
    atomic_store(&polling, 1);
    atomic_store(&poller_stop, 0);
    assert_int_equal(pthread_create(&poller, NULL, poll_main, NULL), 0);
    loop_thread = poller;
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    atomic_store(&poller_stop, 1);
    pthread_join(poller, NULL);
    pmc_api_close(api);
    api = NULL;
    return 0;
}

static int64_t ms_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int connect_api(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    return fd;
}

static void send_all(int fd, const char *s)
{
    size_t n = strlen(s);
    assert_int_equal(send(fd, s, n, MSG_NOSIGNAL), (ssize_t)n);
}

/* Read the whole answer (until the server closes, or a complete
 * Content-Length body) within ms; its status, or -1 (nothing / timeout). */
static int read_answer(int fd, char *resp, size_t cap, int ms)
{
    size_t got = 0;
    int64_t until = ms_now() + ms;
    resp[0] = '\0';
    for (;;) {
        int left = (int)(until - ms_now());
        if (left <= 0)
            break;
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, left) <= 0)
            break;
        ssize_t r = recv(fd, resp + got, cap - 1 - got, 0);
        if (r <= 0)
            break;
        got += (size_t)r;
        resp[got] = '\0';
        const char *h = strstr(resp, "\r\n\r\n");
        const char *cl = strcasestr(resp, "Content-Length: ");
        if (h && cl && cl < h &&
            got >= (size_t)(h + 4 - resp) + strtoul(cl + 16, NULL, 10))
            break;
        if (got + 1 == cap)
            break;
    }
    int st;
    if (sscanf(resp, "HTTP/1.%*d %d", &st) != 1)
        return -1;
    return st;
}

static char resp[65536];

/* One request: method path, extra header lines, body (or NULL) */
static int req(const char *method, const char *path, const char *headers,
               const char *body)
{
    char buf[4096];
    snprintf(buf, sizeof buf,
             "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n"
             "%s%s%zu\r\n\r\n%s",
             method, path, port, headers ? headers : "",
             "Content-Length: ", body ? strlen(body) : 0, body ? body : "");
    int fd = connect_api();
    send_all(fd, buf);
    int st = read_answer(fd, resp, sizeof resp, 5000);
    close(fd);
    return st;
}

#define AUTH "Authorization: Bearer " TOK "\r\n"

static void test_public_routes(void **st)
{
    (void)st;
    assert_int_equal(req("GET", "/health", NULL, NULL), 200);
    assert_non_null(strstr(resp, "{\"ok\":true}"));
    /* /ready as the loop published it, "starting" before */
    assert_int_equal(req("GET", "/ready", NULL, NULL), 503);
    assert_non_null(strstr(resp, "\"reason\":\"starting\""));
    pmc_api_set_ready(api, 1, NULL);
    assert_int_equal(req("GET", "/ready", NULL, NULL), 200);
    assert_non_null(strstr(resp, "{\"ready\":true}"));
    pmc_api_set_ready(api, 0, "no source delivered data for 30 s \"x\"");
    assert_int_equal(req("GET", "/ready", NULL, NULL), 503);
    assert_non_null(strstr(
        resp, "\"reason\":\"no source delivered data for 30 s \\\"x\\\"\""));
    assert_int_equal(req("GET", "/", NULL, NULL), 200);
    assert_non_null(strstr(resp, "text/html; charset=utf-8"));
    assert_non_null(strstr(resp, PAGE));
    assert_int_equal(atomic_load(&loop_calls), 0);
}

static void test_token_and_origin(void **st)
{
    (void)st;
    int before = atomic_load(&loop_calls);
    assert_int_equal(req("GET", "/status", NULL, NULL), 401);
    char *body = strstr(resp, "\r\n\r\n");
    assert_non_null(body);
    char first[256];
    snprintf(first, sizeof first, "%s", body);
    assert_int_equal(req("GET", "/status",
                         "Authorization: Bearer wrong-token-00000\r\n", NULL),
                     401);
    assert_string_equal(strstr(resp, "\r\n\r\n"), first); /* no hint */
    assert_int_equal(req("POST", "/kill", NULL, "{}"), 401);
    assert_int_equal(
        req("GET", "/status", AUTH "Origin: http://evil.com\r\n", NULL), 403);
    assert_int_equal(req("GET", "/health", "Origin: http://evil.com\r\n", NULL),
                     403);
    char o[128];
    snprintf(o, sizeof o, AUTH "Origin: http://localhost:%d\r\n", port);
    assert_int_equal(req("GET", "/status", o, NULL), 200);
    /* DNS rebinding: our address under another name */
    int fd = connect_api();
    char buf[256];
    snprintf(buf, sizeof buf,
             "GET /health HTTP/1.1\r\nHost: evil.com:%d\r\n\r\n", port);
    send_all(fd, buf);
    assert_int_equal(read_answer(fd, resp, sizeof resp, 5000), 403);
    close(fd);
    assert_int_equal(atomic_load(&loop_calls), before + 1);
    struct pmc_api_stats s;
    pmc_api_stats(api, &s);
    assert_true(s.unauthorized >= 3);
    assert_true(s.forbidden >= 3);
}

static void test_loop_and_thread(void **st)
{
    (void)st;
    int before = atomic_load(&loop_calls);
    assert_int_equal(
        req("POST", "/kill?reason=a%20b&x=1", AUTH, "{\"reason\":\"test\"}"),
        200);
    assert_non_null(strstr(resp, "{\"loop\":\"POST /kill\"}"));
    assert_string_equal(last_query, "reason=a%20b&x=1");
    assert_string_equal(last_body, "{\"reason\":\"test\"}");
    assert_int_equal(req("GET", "/teapot", AUTH, NULL), 418);
    assert_int_equal(atomic_load(&loop_calls), before + 2);
    assert_int_equal(atomic_load(&loop_wrong_thread), 0);
    /* thread_fn answers with the loop not polling at all */
    atomic_store(&polling, 0);
    assert_int_equal(req("GET", "/thread?q=1", AUTH, NULL), 200);
    assert_non_null(strstr(resp, "text/plain"));
    assert_non_null(strstr(resp, "thread q=1"));
    atomic_store(&polling, 1);
    assert_int_equal(atomic_load(&loop_calls), before + 2);
    /* a body over the limit */
    int fd = connect_api();
    char buf[256];
    snprintf(buf, sizeof buf,
             "POST /kill HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n" AUTH
             "Content-Length: %d\r\n\r\n",
             port, PMC_API_BODY_MAX + 1);
    send_all(fd, buf);
    assert_int_equal(read_answer(fd, resp, sizeof resp, 5000), 413);
    close(fd);
}

static void test_half_close(void **st)
{
    (void)st;
    const char *paths[] = {"/health", "/status"};
    for (int i = 0; i < 2; i++) {
        int fd = connect_api();
        char buf[256];
        snprintf(buf, sizeof buf,
                 "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n" AUTH "\r\n",
                 paths[i], port);
        send_all(fd, buf);
        assert_int_equal(shutdown(fd, SHUT_WR), 0);
        assert_int_equal(read_answer(fd, resp, sizeof resp, 5000), 200);
        close(fd);
    }
}

/* The loop stopped: requests queue up to the bound, one more is a 503
 * with the reason; each poll answers at most PMC_API_POLL_MAX. */
static void test_queue_bound(void **st)
{
    (void)st;
    atomic_store(&polling, 0);
    int fds[PMC_API_QUEUE_MAX];
    char buf[256];
    snprintf(buf, sizeof buf,
             "GET /status HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n" AUTH
             "Connection: close\r\n\r\n",
             port);
    for (int i = 0; i < PMC_API_QUEUE_MAX; i++) {
        fds[i] = connect_api();
        send_all(fds[i], buf);
    }
    struct pmc_api_stats s;
    for (int i = 0; i < 500; i++) {
        pmc_api_stats(api, &s);
        if (s.queued == PMC_API_QUEUE_MAX)
            break;
        usleep(10000);
    }
    assert_int_equal(s.queued, PMC_API_QUEUE_MAX);
    int fd = connect_api();
    send_all(fd, buf);
    assert_int_equal(read_answer(fd, resp, sizeof resp, 5000), 503);
    assert_non_null(strstr(resp, "queue is full"));
    close(fd);
    pmc_api_stats(api, &s);
    assert_int_equal(s.queue_full, 1);
    /* the test thread is the loop now */
    loop_thread = pthread_self();
    int before = atomic_load(&loop_calls);
    pmc_api_poll(api, 0);
    assert_int_equal(atomic_load(&loop_calls), before + PMC_API_POLL_MAX);
    pmc_api_stats(api, &s);
    assert_int_equal(s.queued, PMC_API_QUEUE_MAX - PMC_API_POLL_MAX);
    while (s.queued) {
        pmc_api_poll(api, 0);
        pmc_api_stats(api, &s);
    }
    for (int i = 0; i < PMC_API_QUEUE_MAX; i++) {
        assert_int_equal(read_answer(fds[i], resp, sizeof resp, 5000), 200);
        close(fds[i]);
    }
    loop_thread = poller;
    atomic_store(&polling, 1);
}

/* Clients that send half a request and stall: the others are answered
 * meanwhile, and the stalled ones are closed after the timeout. */
static void test_slow_clients(void **st)
{
    (void)st;
    enum { NSLOW = 20 };
    int slow[NSLOW];
    char buf[128];
    snprintf(buf, sizeof buf, "GET /status HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n",
             port);
    for (int i = 0; i < NSLOW; i++) {
        slow[i] = connect_api();
        send_all(slow[i], buf);
    }
    int64_t t0 = ms_now();
    for (int i = 0; i < 50; i++) {
        assert_int_equal(req("GET", "/status", AUTH, NULL), 200);
        assert_int_equal(req("GET", "/ready", NULL, NULL) > 0, 1);
    }
    int64_t took = ms_now() - t0;
    print_message("100 requests beside %d stalled clients: %lld ms\n", NSLOW,
                  (long long)took);
    assert_true(took < 3000);
    /* the stalled ones are closed by the server (idle timeout) */
    for (int i = 0; i < NSLOW; i++) {
        struct pollfd p = {slow[i], POLLIN, 0};
        int64_t left = t0 + (PMC_API_TIMEOUT_S + 5) * 1000 - ms_now();
        assert_int_equal(poll(&p, 1, left > 0 ? (int)left : 0), 1);
        char c[512];
        ssize_t r = recv(slow[i], c, sizeof c, 0);
        assert_true(r <= 0 || strncmp(c, "HTTP/1.1 200", 12));
        close(slow[i]);
    }
    assert_true(ms_now() - t0 >= (PMC_API_TIMEOUT_S - 1) * 1000);
}

/* Requests still queued at close are answered 503, not dropped. */
static void test_close_answers_queued(void **st)
{
    (void)st;
    atomic_store(&polling, 0);
    char buf[256];
    snprintf(buf, sizeof buf,
             "GET /status HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n" AUTH "\r\n",
             port);
    int fd = connect_api();
    send_all(fd, buf);
    struct pmc_api_stats s;
    for (int i = 0; i < 500; i++) {
        pmc_api_stats(api, &s);
        if (s.queued == 1)
            break;
        usleep(10000);
    }
    assert_int_equal(s.queued, 1);
    atomic_store(&poller_stop, 1);
    pthread_join(poller, NULL);
    pmc_api_close(api);
    api = NULL;
    int st2 = read_answer(fd, resp, sizeof resp, 5000);
    /* answered 503, or closed without a word once the server stopped */
    assert_true(st2 == 503 || st2 == -1);
    close(fd);
    setup(NULL); /* for teardown */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_public_routes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_token_and_origin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_loop_and_thread, setup, teardown),
        cmocka_unit_test_setup_teardown(test_half_close, setup, teardown),
        cmocka_unit_test_setup_teardown(test_queue_bound, setup, teardown),
        cmocka_unit_test_setup_teardown(test_slow_clients, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_answers_queued, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
