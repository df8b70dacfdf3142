/* bench/bench_live.c - internal latency of `pmcopy live`: from a source
 * fill's frame received (the watcher's callback) to the order's bytes
 * handed to the socket (libcurl reading the POST body), measured by the
 * loop itself and read from its /status, against the fake servers on
 * 127.0.0.1 (SPEC.md 6: p99 < 200 µs, network excluded).
 *
 * Runs build/fakes/fake_feeds (N source trades on RTDS, per_fill copying)
 * and build/fakes/fake_clob (the venue, checking every signature), and
 * `pmcopy live --live` with test credentials. Paths from argv[0]'s folder
 * (BUILD/bench/..) unless PMCOPY is set. BENCH_LIVE_SPACING=MS runs one
 * stream with that spacing instead of the burst and the sparse one.
 * Fails (exit 1, saying why) unless every source trade fired became one
 * order sent and pmcopy live ended cleanly: a latency without the orders
 * is no result.
 *
 * The case "200 concurrent and 20 slow API clients" runs the sparse
 * stream again while 200 clients call the local API (GET /status, which
 * the loop answers, and /health, each client once per 100 ms) and 20 hold
 * half a request open; it prints the frame-to-wire p99 against the
 * unloaded run's as a ratio and fails when /ready stops answering (a
 * probe every 200 ms, 2 s to answer). BENCH_LIVE_NOLOAD skips it. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NTRADES 400
#define TOKEN "bench-token-0123456789abcdef" /* PMC_API_TOKEN of the run */

static char build[4096];

static pid_t spawn(char *const argv[], const char *out)
{
    fflush(stdout);
    pid_t p = fork();
    if (p == 0) {
        FILE *f = freopen(out, "w", stdout);
        (void)f;
        if (!freopen(getenv("BENCH_ERR") ? getenv("BENCH_ERR") : "/dev/null",
                     "w", stderr))
            _exit(127);
        execv(argv[0], argv);
        _exit(127);
    }
    return p;
}

static int read_port(const char *file, const char *key)
{
    for (int i = 0; i < 200; i++) {
        FILE *f = fopen(file, "r");
        if (f) {
            char line[256];
            while (fgets(line, sizeof line, f))
                if (!strncmp(line, key, strlen(key))) {
                    fclose(f);
                    return atoi(line + strlen(key));
                }
            fclose(f);
        }
        usleep(50000);
    }
    return -1;
}

static int http(int port, const char *method, const char *path,
                const char *body, char *resp, size_t cap)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct timeval tv = {2, 0}; /* an answer within 2 s, or none */
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        close(fd);
        return -1;
    }
    char req[2048];
    int n =
        snprintf(req, sizeof req,
                 "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                 "Authorization: Bearer " TOKEN "\r\nConnection: "
                 "close\r\nContent-Length: %zu\r\n\r\n%s",
                 method, path, port, body ? strlen(body) : 0, body ? body : "");
    if (write(fd, req, (size_t)n) != n) {
        close(fd);
        return -1;
    }
    size_t got = 0;
    ssize_t r;
    while (got + 1 < cap && (r = read(fd, resp + got, cap - 1 - got)) > 0)
        got += (size_t)r;
    resp[got] = '\0';
    close(fd);
    return got ? 0 : -1;
}

/* ---- the API load: 200 clients, 20 slow ones, a /ready probe ------------ */

#define LOAD_CLIENTS 200
#define LOAD_SLOW 20
static atomic_int load_stop;
static atomic_long load_ok, load_fail, probes, probes_failed;
static int load_port;

static void *load_client(void *arg)
{
    long i = (long)arg;
    char resp[8192];
    usleep((useconds_t)(i % 100) * 1000); /* spread over the 100 ms */
    while (!atomic_load(&load_stop)) {
        int rc = http(load_port, "GET", i % 2 ? "/status" : "/health", NULL,
                      resp, sizeof resp);
        if (rc == 0 && !strncmp(resp, "HTTP/1.1 200", 12))
            atomic_fetch_add(&load_ok, 1);
        else
            atomic_fetch_add(&load_fail, 1);
        usleep(100000);
    }
    return NULL;
}

static int slow_open(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)load_port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connect(fd, (struct sockaddr *)&sa, sizeof sa);
    usleep(1000);
    static const char half[] = "GET /status HTTP/1.1\r\nHost: 127.0.0.1";
    if (write(fd, half, sizeof half - 1) < 0) {
        /* not connected yet: it stays a silent connection */
    }
    return fd;
}

/* 20 connections holding half a request, reopened when the server's
 * timeout closes them, and the /ready probe */
static void *load_slow(void *arg)
{
    (void)arg;
    int fd[LOAD_SLOW];
    for (int i = 0; i < LOAD_SLOW; i++)
        fd[i] = slow_open();
    char resp[4096];
    while (!atomic_load(&load_stop)) {
        for (int i = 0; i < LOAD_SLOW; i++) {
            char c;
            ssize_t r = recv(fd[i], &c, 1, MSG_DONTWAIT);
            if (r == 0 || (r < 0 && errno != EAGAIN)) {
                close(fd[i]);
                fd[i] = slow_open();
            }
        }
        atomic_fetch_add(&probes, 1);
        if (http(load_port, "GET", "/ready", NULL, resp, sizeof resp) != 0 ||
            (strncmp(resp, "HTTP/1.1 200", 12) &&
             strncmp(resp, "HTTP/1.1 503", 12)))
            atomic_fetch_add(&probes_failed, 1);
        usleep(200000);
    }
    for (int i = 0; i < LOAD_SLOW; i++)
        close(fd[i]);
    return NULL;
}

static long field(const char *json, const char *obj, const char *key)
{
    const char *p = strstr(json, obj);
    if (!p)
        return -1;
    p = strstr(p, key);
    return p ? atol(p + strlen(key)) : -1;
}

static int run(char **argv, int SPACING_MS, int load, long *p99_out)
{
    *p99_out = -1;
    snprintf(build, sizeof build, "%s", argv[0]);
    char *slash = strrchr(build, '/');
    if (slash)
        *slash = '\0';
    strcat(build, "/..");
    char pmcopy[4200], feeds[4200], clob[4200];
    snprintf(pmcopy, sizeof pmcopy, "%s",
             getenv("PMCOPY") ? getenv("PMCOPY") : "");
    if (!pmcopy[0])
        snprintf(pmcopy, sizeof pmcopy, "%s/pmcopy", build);
    snprintf(feeds, sizeof feeds, "%s/fakes/fake_feeds", build);
    snprintf(clob, sizeof clob, "%s/fakes/fake_clob", build);
    char dir[] = "/tmp/pmc_bench_live.XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    char f_clob[256], f_feeds[256], f_sc[256], f_ready[256], f_db[256];
    snprintf(f_clob, sizeof f_clob, "%s/clob.out", dir);
    snprintf(f_feeds, sizeof f_feeds, "%s/feeds.out", dir);
    snprintf(f_sc, sizeof f_sc, "%s/sc.txt", dir);
    snprintf(f_ready, sizeof f_ready, "%s/ready", dir);
    snprintf(f_db, sizeof f_db, "%s/live.db", dir);

    char *cargv[] = {clob, "--max-seconds", "60", NULL};
    pid_t pc = spawn(cargv, f_clob);
    int cport = read_port(f_clob, "listening port=");
    if (cport < 0) {
        fprintf(stderr, "live: fake_clob did not start (%s)\n", clob);
        return 1;
    }
    char resp[1 << 16];
    http(cport, "POST", "/_control/book",
         "{\"token\":\"606\",\"tick\":\"0.01\",\"bids\":[[\"0.48\","
         "\"10000000\"]],\"asks\":[[\"0.52\",\"10000000\"]]}",
         resp, sizeof resp);

    FILE *sc = fopen(f_sc, "w");
    if (!sc)
        return 1;
    fprintf(sc, "0 book token=606 bids=0.48:3000 asks=0.52:250000\n");
    for (int i = 1; i <= NTRADES; i++)
        fprintf(sc,
                "%d trade wallet=0x1111111111111111111111111111111111111111 "
                "token=606 side=BUY px=0.52 sz=%d tx=0x%064x log=1 rtds=0\n",
                1500 + i * SPACING_MS, 50 + i % 7, i);
    fclose(sc);
    char *fargv[] = {feeds, "--scenario", f_sc, "--max-seconds", "60", NULL};
    pid_t pf = spawn(fargv, f_feeds);
    int fport = read_port(f_feeds, "listening port=");
    if (fport < 0) {
        fprintf(stderr, "live: fake_feeds did not start\n");
        return 1;
    }
    char rtds[128], book[128], curl[128];
    snprintf(rtds, sizeof rtds, "ws://127.0.0.1:%d/rtds", fport);
    snprintf(book, sizeof book, "ws://127.0.0.1:%d/ws/market", fport);
    snprintf(curl, sizeof curl, "http://127.0.0.1:%d", cport);
    /* the public development-chain test key (account 0) of the
     * reference's vectors: not a secret */
    setenv("PMC_PRIVATE_KEY",
           "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
           1);
    setenv("PMC_API_KEY", "00000000-0000-0000-0000-000000000000", 1);
    setenv("PMC_API_SECRET", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", 1);
    setenv("PMC_API_PASSPHRASE", "passphrase", 1);
    setenv("PMC_API_TOKEN", TOKEN, 1);
    char run_for[16];
    snprintf(run_for, sizeof run_for, "%d",
             (1500 + NTRADES * SPACING_MS) / 1000 + 4);
    /* BENCH_CLOB_LANES=0 measures the libcurl-only order path */
    const char *lanes =
        getenv("BENCH_CLOB_LANES") ? getenv("BENCH_CLOB_LANES") : "2";
    char *largv[] = {pmcopy,
                     "live",
                     "--live",
                     "--clob-lanes",
                     (char *)lanes,
                     "--trader",
                     "0x1111111111111111111111111111111111111111",
                     "--clob-url",
                     curl,
                     "--rtds-ws",
                     rtds,
                     "--book-ws",
                     book,
                     "--data-api",
                     "",
                     "--chain-ws",
                     "",
                     "--db",
                     f_db,
                     getenv("BENCH_NODB") ? "--no-db" : "--quiet",
                     "--copy-mode",
                     "per_fill",
                     "--api-port",
                     "0",
                     "--ready-file",
                     f_ready,
                     "--run-for",
                     run_for,
                     "--quiet",
                     "--set",
                     "max_notional_per_market_usd=1000000",
                     "--set",
                     "max_total_notional_per_15m_window_usd=1000000",
                     "--set",
                     "max_daily_volume_usd=1000000",
                     NULL};
    char f_live[256];
    snprintf(f_live, sizeof f_live, "%s/live.out", dir);
    pid_t pl = spawn(largv, f_live);
    int aport = read_port(f_ready, "api_port=");
    if (aport < 0) {
        fprintf(stderr, "live: pmcopy live did not start\n");
        kill(pc, SIGKILL);
        kill(pf, SIGKILL);
        return 1;
    }
    pthread_t lt[LOAD_CLIENTS + 1];
    int nlt = 0;
    if (load) {
        load_port = aport;
        atomic_store(&load_stop, 0);
        for (long i = 0; i < LOAD_CLIENTS; i++)
            if (pthread_create(&lt[nlt], NULL, load_client, (void *)i) == 0)
                nlt++;
        if (pthread_create(&lt[nlt], NULL, load_slow, NULL) == 0)
            nlt++;
    }
    /* wait until the trades are over, then read the loop's histograms */
    usleep((useconds_t)(1500 + NTRADES * SPACING_MS + 1500) * 1000);
    if (load) {
        atomic_store(&load_stop, 1);
        for (int i = 0; i < nlt; i++)
            pthread_join(lt[i], NULL);
    }
    resp[0] = '\0';
    http(aport, "GET", "/status", NULL, resp, sizeof resp);
    static char met[65536];
    met[0] = '\0';
    http(aport, "GET", "/metrics", NULL, met, sizeof met);
    const char *lp = strstr(met, "\npmcopy_exec_lane_posts_total ");
    const char *pp = strstr(met, "\npmcopy_exec_posts_total ");
    long lane_posts = lp ? atol(lp + 30) : -1;
    long posts = pp ? atol(pp + 25) : -1;
    int st;
    waitpid(pl, &st, 0);
    kill(pc, SIGKILL);
    kill(pf, SIGKILL);
    waitpid(pc, NULL, 0);
    waitpid(pf, NULL, 0);
    long n = field(resp, "\"frame_to_wire\"", "\"count\":");
    long p50 = field(resp, "\"frame_to_wire\"", "\"p50\":");
    long p99 = field(resp, "\"frame_to_wire\"", "\"p99\":");
    long mx = field(resp, "\"frame_to_wire\"", "\"max\":");
    long d50 = field(resp, "\"frame_to_decide\"", "\"p50\":");
    long d99 = field(resp, "\"frame_to_decide\"", "\"p99\":");
    long sent = field(resp, "\"orders_sent\"", ":");
    long w50 = field(resp, "\"decide_to_wire\"", "\"p50\":");
    long w99 = field(resp, "\"decide_to_wire\"", "\"p99\":");
    long c50 = field(resp, "\"order_commit\"", "\"p50\":");
    long c99 = field(resp, "\"order_commit\"", "\"p99\":");
    printf("live: %ld source trades over RTDS, one every %d ms -> %ld orders "
           "sent to the fake CLOB (per_fill, signed, journaled first)\n",
           (long)NTRADES, SPACING_MS, sent);
    printf("live: POSTs %ld, of which %ld on the executor's lanes (%s)\n",
           posts, lane_posts, lanes);
    printf("live: frame received -> core decided: p50 %ld us, p99 %ld us\n",
           d50, d99);
    printf("live: core decided -> order bytes written (journal, sign, send): "
           "p50 %ld us, p99 %ld us\n",
           w50, w99);
    printf("live: of which the order's journal write (before sending): p50 "
           "%ld us, p99 %ld us\n",
           c50, c99);
    printf("live: frame received -> order bytes written: %ld orders, p50 %ld "
           "us, p99 %ld us, max %ld us (target p99 < 200 us: %.2fx)\n",
           n, p50, p99, mx, p99 > 0 ? 200.0 / (double)p99 : 0.0);
    *p99_out = p99;
    /* a latency figure is only a result when every trade was copied */
    int bad = 0;
    if (load) {
        printf("live: under load: %d API clients (%d threads started) and "
               "%d slow ones: %ld answered 200, %ld not; /ready probes %ld, "
               "unanswered %ld\n",
               LOAD_CLIENTS, nlt - 1, LOAD_SLOW, atomic_load(&load_ok),
               atomic_load(&load_fail), atomic_load(&probes),
               atomic_load(&probes_failed));
        if (atomic_load(&probes_failed) || !atomic_load(&probes)) {
            fprintf(stderr, "live: FAILED: /ready stopped answering under "
                            "the API load\n");
            bad = 1;
        }
    }
    if (sent != NTRADES) {
        fprintf(stderr,
                "live: FAILED: %ld orders sent for %d source trades fired "
                "(per_fill copies each once)%s\n",
                sent, NTRADES, sent < 0 ? "; /status gave no orders_sent" : "");
        bad = 1;
    }
    if (n <= 0) {
        fprintf(stderr, "live: FAILED: no frame_to_wire measurement\n");
        bad = 1;
    }
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr,
                "live: FAILED: pmcopy live ended with status %d "
                "(its output: %s)\n",
                st, f_live);
        return 1; /* the directory is kept for its output */
    }
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "live: could not remove %s\n", dir);
    return bad;
}

int main(int argc, char **argv)
{
    (void)argc;
    /* a burst (one trade every 3 ms, caches warm) and a sparse stream (one
     * every 15 ms: the loop sleeps between frames) */
    long p99, p99_sparse, p99_load;
    if (getenv("BENCH_LIVE_SPACING"))
        return run(argv, atoi(getenv("BENCH_LIVE_SPACING")), 0, &p99);
    int rc = run(argv, 3, 0, &p99);
    rc |= run(argv, 15, 0, &p99_sparse);
    if (getenv("BENCH_LIVE_NOLOAD"))
        return rc;
    printf("live: case \"200 concurrent and 20 slow API clients\" (the "
           "sparse stream again)\n");
    rc |= run(argv, 15, 1, &p99_load);
    printf("live: frame received -> order bytes written p99: %ld us without "
           "API load, %ld us with it: %.2fx\n",
           p99_sparse, p99_load,
           p99_sparse > 0 ? (double)p99_load / (double)p99_sparse : 0.0);
    return rc;
}
