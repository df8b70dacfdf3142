/* bench/bench_exec.c - the order submit path on the caller's thread.
 *
 * Starts the fake CLOB (../fakes/fake_clob next to this binary) on
 * loopback, warms one kept-alive connection and the token's metadata, then
 * sends ORDERS FAK orders one after another. For each it measures, with
 * the monotonic clock:
 *   submit->wire  from pmc_clob_submit() entry to the moment libcurl reads
 *                 the POST body to write it to the socket (the executor's
 *                 wire hook): amounts, EIP-712 hash, signature, JSON body,
 *                 journal hook (a no-op here), L2 HMAC headers, curl setup
 *                 and the request write;
 *   submit()      the whole call;
 *   round trip    libcurl's own POST total time (loopback, includes the
 *                 fake's matching), for reference.
 * Internal latency only: the network is loopback and the store is not
 * involved. Target: submit->wire p99 < 200 us. Takes no arguments.
 *
 * The outcome is checked, not only the timing: every order must come back
 * as one fill of the expected shares at the book's price and nothing else,
 * and the fake must have booked every order's hash from exactly one POST
 * (its own count, GET /_control/posts). Any other outcome exits 1. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "live/exec/clob.h"
#include "proto/sign/signer.h"

#define PK "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
#define SECRET "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
#define API_KEY "00000000-0000-0000-0000-000000000000"
#define TOKEN                                                                  \
    "21742633143463906290569050155826241533067272736897614950488156847949938"  \
    "836455"
#define ORDERS 3000
#define WARM 20

static int64_t mono_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static pmc_ms wall_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (pmc_ms)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Each order: 2 shares FAK at a limit of 0.55 against asks at 0.50: a
 * buy of 2 x 0.55 = 1.1 USD at 0.50 receives 2.2 shares. */
#define ORDER_PX 550000
#define ORDER_SZ 2000000
#define FILL_PX 500000
#define FILL_SZ 2200000

static struct {
    int64_t wire_ns;
    int done, fills, other, wrong;
    int njournal;
    char hash[WARM + ORDERS][68];
} B;

static void h_emit(void *ctx, struct pmc_record *r)
{
    (void)ctx;
    if (r->kind == PMC_K_EXEC && r->u.exec.status == PMC_EXEC_FILL) {
        B.fills++;
        if (r->u.exec.sz != FILL_SZ || r->u.exec.px != FILL_PX) {
            if (!B.wrong)
                fprintf(stderr,
                        "bench_exec: %s filled %lld at %lld micros, not "
                        "%d at %d\n",
                        r->u.exec.coid.s, (long long)r->u.exec.sz,
                        (long long)r->u.exec.px, FILL_SZ, FILL_PX);
            B.wrong++;
        }
    } else {
        if (!B.other)
            fprintf(stderr, "bench_exec: unexpected report kind %d: %s\n",
                    (int)r->kind,
                    r->kind == PMC_K_EXEC ? r->u.exec.reason : "");
        B.other++;
    }
    B.done++;
}

static enum pmc_err h_journal(void *ctx, const struct pmc_sym *coid,
                              const char *body, size_t len, const char *hash)
{
    (void)ctx, (void)coid, (void)body, (void)len;
    if (B.njournal >= WARM + ORDERS)
        return PMC_EFULL;
    snprintf(B.hash[B.njournal++], sizeof B.hash[0], "%s", hash);
    return PMC_OK;
}

static void h_wire(void *ctx, const struct pmc_sym *coid, size_t n)
{
    (void)ctx, (void)coid, (void)n;
    if (!B.wire_ns)
        B.wire_ns = mono_ns();
}

static void h_log(void *ctx, const char *line)
{
    (void)ctx;
    fprintf(stderr, "bench_exec: %s\n", line);
}

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static double q(int64_t *v, int n, double p)
{
    int i = (int)(p * (n - 1) + 0.5);
    return (double)v[i] / 1000.0;
}

static size_t on_body(char *p, size_t sz, size_t nm, void *ud)
{
    char *buf = ud;
    size_t have = strlen(buf), n = sz * nm;
    if (have + n < 256) {
        memcpy(buf + have, p, n);
        buf[have + n] = '\0';
    }
    return n;
}

/* How many POSTs of hash the fake counted, and all POSTs (-1: no answer). */
static int fake_posts(int port, const char *hash, long long *total)
{
    CURL *e = curl_easy_init();
    char url[160], body[256] = "";
    snprintf(url, sizeof url, "http://127.0.0.1:%d/_control/posts?hash=%s",
             port, hash);
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, (void *)body);
    CURLcode rc = curl_easy_perform(e);
    curl_easy_cleanup(e);
    int count = -1;
    if (rc != CURLE_OK ||
        sscanf(body, "{\"count\": %d, \"total\": %lld}", &count, total) != 2)
        return -1;
    return count;
}

static int ctl(int port, const char *path, const char *body)
{
    /* a raw HTTP/1.1 request over a socket would do; curl easy is simpler */
    CURL *e = curl_easy_init();
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
    FILE *null = fopen("/dev/null", "w");
    curl_easy_setopt(e, CURLOPT_WRITEDATA, null);
    CURLcode rc = curl_easy_perform(e);
    fclose(null);
    curl_easy_cleanup(e);
    return rc == CURLE_OK ? 0 : -1;
}

int main(int argc, char **argv)
{
    (void)argc;
    char fake[4096];
    const char *slash = strrchr(argv[0], '/');
    snprintf(fake, sizeof fake, "%.*s/../fakes/fake_clob",
             slash ? (int)(slash - argv[0]) : 1, slash ? argv[0] : ".");
    if (access(fake, X_OK) != 0) {
        fprintf(stderr, "bench_exec: %s not found\n", fake);
        return 1;
    }
    int p[2];
    if (pipe(p) != 0)
        return 1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], 1);
        close(p[0]);
        close(p[1]);
        execl(fake, fake, "--port", "0", "--max-seconds", "120", "--secret",
              SECRET, "--api-key", API_KEY, (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    FILE *f = fdopen(p[0], "r");
    char line[128];
    int port = 0;
    if (!f || !fgets(line, sizeof line, f) ||
        sscanf(line, "listening port=%d", &port) != 1) {
        fprintf(stderr, "bench_exec: the fake did not start\n");
        return 1;
    }
    fclose(f);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (ctl(port, "/_control/book",
            "{\"token\":\"" TOKEN "\",\"tick\":\"0.01\","
            "\"asks\":[[\"0.50\",\"100000000\"]]}") != 0)
        return 1;

    struct pmc_clob_cfg cfg;
    pmc_clob_cfg_default(&cfg);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
    cfg.base_url = url;
    /* measure the path, not the venue's limits */
    cfg.post_burst = (struct pmc_rate){1000000, 10000};
    cfg.post_sustained = (struct pmc_rate){0, 0};
    /* BENCH_CLOB_LANES=0 measures the libcurl-only order path */
    if (getenv("BENCH_CLOB_LANES"))
        cfg.lanes = (uint32_t)atoi(getenv("BENCH_CLOB_LANES"));
    struct pmc_exec_creds c;
    memset(&c, 0, sizeof c);
    if (pmc_signer_new(PK, strlen(PK), &c.signer) != PMC_OK)
        return 1;
    snprintf(c.api.key, sizeof c.api.key, "%s", API_KEY);
    snprintf(c.api.secret, sizeof c.api.secret, "%s", SECRET);
    snprintf(c.api.passphrase, sizeof c.api.passphrase, "%s", "passphrase");
    struct pmc_clob_hooks h = {NULL,  h_emit, h_journal, NULL,
                               h_log, h_wire, NULL};
    struct pmc_clob *x = NULL;
    char why[200];
    if (pmc_clob_new(&cfg, &c, &h, wall_ms(), &x, why, sizeof why) != PMC_OK) {
        fprintf(stderr, "bench_exec: %s\n", why);
        return 1;
    }
    struct pmc_sym tok;
    if (pmc_sym_set(&tok, TOKEN, strlen(TOKEN)) != PMC_OK ||
        pmc_clob_token_info(x, &tok, (struct pmc_tick){2, 1}, 0, 0) != PMC_OK)
        return 1;

    static int64_t wire[ORDERS], call[ORDERS], rtt[ORDERS];
    int n = 0, late = 0;
    struct pmc_record r;
    memset(&r, 0, sizeof r);
    r.kind = PMC_K_ORDER;
    r.u.order.token = tok;
    r.u.order.side = PMC_BUY;
    r.u.order.tif = PMC_TIF_FAK;
    r.u.order.px = ORDER_PX;
    r.u.order.sz = ORDER_SZ;
    struct pmc_clob_stats st0;
    for (int i = 0; i < WARM + ORDERS; i++) {
        char coid[32];
        int cl = snprintf(coid, sizeof coid, "bench-%d", i);
        if (pmc_sym_set(&r.u.order.coid, coid, (size_t)cl) != PMC_OK)
            return 1;
        B.wire_ns = 0;
        int before = B.done;
        pmc_clob_stats(x, &st0);
        int64_t t0 = mono_ns();
        if (pmc_clob_submit(x, &r, wall_ms()) != PMC_OK)
            return 1;
        int64_t t1 = mono_ns();
        int64_t deadline = t1 + 2000000000LL;
        while (B.done == before && mono_ns() < deadline) {
            if (pmc_clob_tick(x, wall_ms()) != PMC_OK)
                return 1;
            if (B.done == before)
                pmc_clob_wait(x, 1);
        }
        if (B.done == before) {
            fprintf(stderr, "bench_exec: no answer for %s\n", coid);
            return 1;
        }
        if (i < WARM)
            continue;
        if (!B.wire_ns || B.wire_ns > t1)
            late++; /* not written during submit() */
        wire[n] = (B.wire_ns ? B.wire_ns : t1) - t0;
        call[n] = t1 - t0;
        struct pmc_clob_stats st;
        pmc_clob_stats(x, &st);
        rtt[n] = st.post_us.sum - st0.post_us.sum; /* us */
        rtt[n] *= 1000;
        n++;
    }
    struct pmc_clob_stats st;
    pmc_clob_stats(x, &st);
    pmc_clob_free(x);
    /* the fake's side: every order booked from exactly one POST */
    int booked_once = 0, bad_count = 0;
    long long total = -1;
    for (int i = 0; i < B.njournal; i++) {
        int k = fake_posts(port, B.hash[i], &total);
        if (k == 1)
            booked_once++;
        else if (!bad_count++)
            fprintf(stderr, "bench_exec: the fake counted %d POSTs of %s\n", k,
                    B.hash[i]);
    }
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    qsort(wire, (size_t)n, sizeof *wire, cmp64);
    qsort(call, (size_t)n, sizeof *call, cmp64);
    qsort(rtt, (size_t)n, sizeof *rtt, cmp64);
    printf("orders: %d FAK buys on a warm loopback connection (after %d "
           "warm-up), fills %d, other reports %d\n",
           n, WARM, B.fills - WARM, B.other);
    printf("submit->wire   p50 %7.1f us  p99 %7.1f us  max %8.1f us  "
           "(target p99 < 200 us: %s)\n",
           q(wire, n, 0.5), q(wire, n, 0.99), q(wire, n, 1.0),
           q(wire, n, 0.99) < 200.0 ? "met" : "MISSED");
    printf("submit() call  p50 %7.1f us  p99 %7.1f us  max %8.1f us\n",
           q(call, n, 0.5), q(call, n, 0.99), q(call, n, 1.0));
    printf("POST round trip (libcurl total, loopback + fake) p50 %7.1f us  "
           "p99 %7.1f us\n",
           q(rtt, n, 0.5), q(rtt, n, 0.99));
    printf("body written after submit() returned: %d of %d; POSTs %llu "
           "(%llu on lanes, %u lanes), retries %llu\n",
           late, n, (unsigned long long)st.posts,
           (unsigned long long)st.lane_posts, cfg.lanes,
           (unsigned long long)st.retries);
    printf("signatures: %llu from presignatures, %llu RFC 6979 (pool of %u)\n",
           (unsigned long long)st.presign.used,
           (unsigned long long)(st.signatures - st.presign.used),
           st.presign.cap);
    int want = WARM + ORDERS;
    int ok = B.njournal == want && B.fills == want && B.other == 0 &&
             B.wrong == 0 && booked_once == want && total == want &&
             st.posts == (uint64_t)want;
    printf("outcome: %d orders journaled, %d filled (%d with other amounts), "
           "%d other reports; the fake booked %d of them from one POST each, "
           "%lld POSTs in all: %s\n",
           B.njournal, B.fills, B.wrong, B.other, booked_once, total,
           ok ? "as expected" : "WRONG");
    if (!ok)
        return 1;
    return late > n / 100 ? 1 : 0;
}
