/* tests/unit/test_lane.c - a lane (live/exec/lane.h) over TLS, against
 * `openssl s_server` on 127.0.0.1 with a self-signed certificate made for
 * the test (what the real CLOB is: HTTPS). The plain-HTTP lane is tested
 * with the executor against the fake CLOB (test_exec.c).
 *
 * What must hold: the lane verifies the server with the given CA file and
 * refuses it without; it offers only http/1.1 in ALPN (the server is
 * willing to pick h2, which a lane does not speak); a request written on
 * it is answered and read; a connection the server closes after answering
 * is reopened; a refused connection leaves the lane down and unusable. */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "live/exec/lane.h"

static char g_dir[] = "/tmp/pmc_test_lane.XXXXXX";
static char g_ca[128], g_out[128];
static int g_port;
static pid_t g_pid;

static pmc_ms now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (pmc_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t sl = sizeof sa;
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &sl) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    return ntohs(sa.sin_port);
}

static int file_has(const char *path, const char *needle)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char line[512];
    int found = 0;
    while (!found && fgets(line, sizeof line, f))
        found = strstr(line, needle) != NULL;
    fclose(f);
    return found;
}

/* A self-signed certificate for 127.0.0.1 and a TLS server that would pick
 * h2 if offered, answering every request with its status page. */
static int start_server(void)
{
    if (!mkdtemp(g_dir))
        return -1;
    snprintf(g_ca, sizeof g_ca, "%s/cert.pem", g_dir);
    snprintf(g_out, sizeof g_out, "%s/server.out", g_dir);
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "openssl req -x509 -newkey ec -pkeyopt "
             "ec_paramgen_curve:prime256v1 -nodes -keyout %s/key.pem -out %s "
             "-days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 "
             "> /dev/null 2>&1",
             g_dir, g_ca);
    if (system(cmd) != 0)
        return -1;
    if ((g_port = free_port()) < 0)
        return -1;
    g_pid = fork();
    if (g_pid < 0)
        return -1;
    if (g_pid == 0) {
        char acc[32], key[160];
        snprintf(acc, sizeof acc, "127.0.0.1:%d", g_port);
        snprintf(key, sizeof key, "%s/key.pem", g_dir);
        if (!freopen(g_out, "w", stdout) || !freopen("/dev/null", "w", stderr))
            _exit(127);
        /* line-buffered: its notes reach the file as they happen */
        execlp("stdbuf", "stdbuf", "-oL", "openssl", "s_server", "-accept", acc,
               "-cert", g_ca, "-key", key, "-alpn", "h2,http/1.1", "-www",
               (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 200; i++) {
        if (file_has(g_out, "ACCEPT"))
            return 0;
        usleep(20000);
    }
    return -1;
}

static void stop_server(void)
{
    if (g_pid > 0) {
        kill(g_pid, SIGTERM);
        waitpid(g_pid, NULL, 0);
    }
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s", g_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "test_lane: could not remove %s\n", g_dir);
}

/* Tick until the lane reaches state st or ms pass. */
static int tick_until(struct pmc_lane *l, enum pmc_lane_state st, int ms)
{
    pmc_ms end = now_ms() + ms;
    do {
        pmc_lane_tick(l, now_ms());
        if (pmc_lane_state(l) == st)
            return 1;
        usleep(1000);
    } while (now_ms() < end);
    return 0;
}

static void probe(void *ctx)
{
    ++*(int *)ctx;
}

static struct pmc_lane *lane_to(int port, const char *ca)
{
    char url[64], why[128];
    snprintf(url, sizeof url, "https://127.0.0.1:%d", port);
    struct pmc_lane *l = NULL;
    assert_int_equal(pmc_lane_new(url, ca, 2000, &l, why, sizeof why), PMC_OK);
    return l;
}

/* Verified with the CA file, http/1.1 only in ALPN; a GET is answered and
 * read (the server's HTTP/1.0 answer ends with the close); the lane then
 * reopens its connection and carries a second request. */
static void test_tls_request(void **state)
{
    (void)state;
    struct pmc_lane *l = lane_to(g_port, g_ca);
    char host[32];
    snprintf(host, sizeof host, "127.0.0.1:%d", g_port);
    assert_string_equal(pmc_lane_host(l), host);
    assert_string_equal(pmc_lane_prefix(l), "");
    for (int round = 1; round <= 2; round++) {
        assert_true(tick_until(l, PMC_LANE_IDLE, 5000));
        assert_int_equal(pmc_lane_connects(l), (uint64_t)round);
        assert_true(pmc_lane_usable(l, now_ms()));
        char head[256], body[4096];
        int hl = snprintf(head, sizeof head,
                          "GET / HTTP/1.1\r\nHost: %s\r\nUser-Agent: "
                          "pmcopy\r\n\r\n",
                          host);
        int probed = 0;
        assert_int_equal(pmc_lane_send(l, head, (size_t)hl, NULL, 0, body,
                                       sizeof body, now_ms(), probe, &probed),
                         PMC_OK);
        assert_int_equal(probed, 1);
        assert_int_equal(pmc_lane_state(l), PMC_LANE_BUSY);
        assert_true(pmc_lane_socket(l) >= 0);
        enum pmc_lane_outcome o = PMC_LANE_PENDING;
        const struct pmc_http1_resp *r = NULL;
        const char *why = NULL;
        pmc_ms end = now_ms() + 5000;
        while (o == PMC_LANE_PENDING && now_ms() < end) {
            usleep(1000);
            o = pmc_lane_poll(l, now_ms(), 5000, &r, &why);
        }
        assert_int_equal(o, PMC_LANE_ANSWERED);
        assert_null(why);
        assert_int_equal(r->status, 200);
        assert_int_equal(r->keep_alive, 0); /* HTTP/1.0, ended by the close */
        assert_non_null(strstr(body, "<HTML>"));
        assert_true(pmc_lane_last_us(l) > 0);
        assert_int_equal(pmc_lane_state(l), PMC_LANE_DOWN);
    }
    pmc_lane_free(l);
    /* the server saw http/1.1 offered, never h2 */
    assert_true(file_has(g_out, "ALPN protocols advertised by the client: "
                                "http/1.1\n"));
    assert_false(file_has(g_out, "h2"));
}

/* Without the CA file the self-signed certificate is refused: the lane
 * never becomes usable and nothing can be sent on it. */
static void test_tls_unverified_refused(void **state)
{
    (void)state;
    struct pmc_lane *l = lane_to(g_port, NULL);
    assert_false(tick_until(l, PMC_LANE_IDLE, 1000));
    assert_int_equal(pmc_lane_connects(l), 0);
    assert_false(pmc_lane_usable(l, now_ms()));
    char body[64];
    assert_int_equal(pmc_lane_send(l, "GET / HTTP/1.1\r\n\r\n", 18, NULL, 0,
                                   body, sizeof body, now_ms(), NULL, NULL),
                     PMC_ESTATE);
    pmc_lane_free(l);
}

/* Nobody listens: the lane stays down, unusable, and is freed cleanly. */
static void test_refused(void **state)
{
    (void)state;
    int port = free_port();
    assert_true(port > 0);
    struct pmc_lane *l = lane_to(port, g_ca);
    assert_false(tick_until(l, PMC_LANE_IDLE, 300));
    assert_int_equal(pmc_lane_connects(l), 0);
    assert_false(pmc_lane_usable(l, now_ms()));
    assert_int_equal(pmc_lane_socket(l), -1);
    pmc_lane_free(l);
}

/* A URL libcurl cannot use is a configuration error that says so. */
static void test_bad_url(void **state)
{
    (void)state;
    struct pmc_lane *l = NULL;
    char why[128] = "";
    assert_int_equal(
        pmc_lane_new("http://[::1", NULL, 1000, &l, why, sizeof why),
        PMC_ECONFIG);
    assert_null(l);
    assert_non_null(strstr(why, "URL"));
    assert_int_equal(pmc_lane_new("https://h.example:8443/clob/", NULL, 1000,
                                  &l, why, sizeof why),
                     PMC_OK);
    assert_string_equal(pmc_lane_host(l), "h.example:8443");
    assert_string_equal(pmc_lane_prefix(l), "/clob");
    pmc_lane_free(l);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest local[] = {
        cmocka_unit_test(test_bad_url),
    };
    int rc = cmocka_run_group_tests_name("lane", local, NULL, NULL);
    if (start_server() != 0) {
        fprintf(stderr, "test_lane: cannot start openssl s_server (the "
                        "openssl package; make deps installs it)\n");
        stop_server();
        return 1;
    }
    const struct CMUnitTest tls[] = {
        cmocka_unit_test(test_tls_request),
        cmocka_unit_test(test_tls_unverified_refused),
        cmocka_unit_test(test_refused),
    };
    rc |= cmocka_run_group_tests_name("lane_tls", tls, NULL, NULL);
    stop_server();
    curl_global_cleanup();
    return rc;
}
