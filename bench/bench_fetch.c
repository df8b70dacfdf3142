/* bench/bench_fetch.c - `pmcopy fetch` throughput against the loopback
 * fake (tests/fakes/fake_api; never the internet).
 *
 * Starts the fake with one wallet of ROWS activity rows over SPAN seconds,
 * then runs `fetch wallet --out` twice through research/fetch: cold (every
 * page from the fake; rate limits raised so the bucket does not set the
 * pace) and warm (--offline: every page from the cache). Prints rows/s of
 * each. A wrong outcome exits 1: the tape must hold exactly the rows the
 * fake holds for the wallet (its /_control/info count), both runs must
 * give byte-identical tapes, and the warm run must send no request (the
 * fake's request counter). Each run is a forked child, so its peak RSS
 * (wait4's ru_maxrss) is its own and is printed. Takes no arguments; the fake is found beside
 * $PMCOPY (BUILD/fakes/fake_api). */
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "research/fetch/fetch.h"

#include "bench/bench.h"

#define ROWS 60000
#define SPAN 86400

static size_t grab(char *p, size_t sz, size_t nm, void *ud)
{
    char *b = ud;
    size_t n = sz * nm, have = strlen(b);
    if (have + n >= 65536)
        n = 65535 - have;
    memcpy(b + have, p, n);
    b[have + n] = '\0';
    return sz * nm;
}

static long stat_of(const char *url, const char *path, const char *key)
{
    static char b[65536];
    b[0] = '\0';
    char u[512];
    snprintf(u, sizeof u, "%s%s", url, path);
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, u);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, grab);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
    CURLcode rc = curl_easy_perform(c);
    curl_easy_cleanup(c);
    if (rc != CURLE_OK)
        return -1;
    const char *p = strstr(b, key);
    return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

static long tape_rows(const char *path, char **text, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t cap = 1 << 20, k = 0;
    char *b = malloc(cap);
    size_t r;
    while (b && (r = fread(b + k, 1, cap - k, f)) > 0) {
        k += r;
        if (k == cap) {
            char *nb = realloc(b, cap * 2);
            if (!nb)
                free(b);
            b = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (!b)
        return -1;
    long rows = 0;
    for (const char *p = b; (p = memmem(p, (size_t)(b + k - p), " ev=", 4));
         p += 4)
        if (!strncmp(p + 4, "fill ", 5) || !strncmp(p + 4, "merge ", 6) ||
            !strncmp(p + 4, "redeem ", 7) || !strncmp(p + 4, "split ", 6))
            rows++;
    *text = b;
    *n = k;
    return rows;
}

/* pmc_fetch_run in a child: its exit status, its peak RSS in KiB and its
 * CPU seconds (user + system; the wall clock of a shared machine is
 * noisy) */
static int run_child(const char *sub, const struct pmc_fetch_opts *o,
                     const char *const *args, size_t nargs, long *rss_kib,
                     double *cpu_s)
{
    fflush(NULL);
    pid_t c = fork();
    if (c < 0)
        return -1;
    if (c == 0)
        _exit(pmc_fetch_run(sub, o, args, nargs) & 0xff);
    int st = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    if (wait4(c, &st, 0, &ru) != c)
        return -1;
    *rss_kib = ru.ru_maxrss;
    *cpu_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
             (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int main(void)
{
    const char *pm = getenv("PMCOPY");
    char fake[1024];
    snprintf(fake, sizeof fake, "%s", pm ? pm : "build/pmcopy");
    char *slash = strrchr(fake, '/');
    snprintf(slash ? slash + 1 : fake,
             sizeof fake - (size_t)(slash ? slash + 1 - fake : 0),
             "fakes/fake_api");
    if (access(fake, X_OK) != 0) {
        fprintf(stderr, "bench_fetch: %s missing (make bench builds it)\n",
                fake);
        return 1;
    }
    int pfd[2];
    if (pipe(pfd) != 0)
        return 1;
    char rows_s[32], span_s[32];
    snprintf(rows_s, sizeof rows_s, "%d", ROWS);
    snprintf(span_s, sizeof span_s, "%d", SPAN);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(pfd[1], 1);
        close(pfd[0]);
        execl(fake, fake, "--port", "0", "--max-seconds", "300", "--wallets",
              "1", "--markets", "4", "--rows", rows_s, "--span", span_s,
              "--prints", "10", (char *)NULL);
        _exit(127);
    }
    close(pfd[1]);
    FILE *fo = fdopen(pfd[0], "r");
    char line[256];
    int port = 0;
    if (!fo || !fgets(line, sizeof line, fo) ||
        sscanf(line, "listening port=%d", &port) != 1) {
        fprintf(stderr, "bench_fetch: the fake did not start\n");
        kill(pid, SIGKILL);
        return 1;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    char url[64], dir[] = "/tmp/pmc_bench_fetchXXXXXX", tape1[128], tape2[128],
                  cache[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
    if (!mkdtemp(dir))
        return 1;
    snprintf(tape1, sizeof tape1, "%s/cold.tape", dir);
    snprintf(tape2, sizeof tape2, "%s/warm.tape", dir);
    snprintf(cache, sizeof cache, "%s/cache", dir);
    long want = -1;
    {
        /* the wallet line: "wallet 0x... rows=N" */
        static char b[65536];
        b[0] = '\0';
        char u[128];
        snprintf(u, sizeof u, "%s/_control/info", url);
        CURL *c = curl_easy_init();
        curl_easy_setopt(c, CURLOPT_URL, u);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, grab);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
        if (curl_easy_perform(c) == CURLE_OK) {
            const char *p = strstr(b, "\nwallet ");
            p = p ? strstr(p, " rows=") : NULL;
            if (p)
                want = strtol(p + 6, NULL, 10);
        }
        curl_easy_cleanup(c);
    }
    const char *wallet = "0x00000000000000000000000000000000000a0001";
    struct pmc_fetch_opts o;
    pmc_fetch_defaults(&o);
    o.cache_dir = cache;
    o.data_api = o.gamma_url = o.clob_url = url;
    o.progress = PMC_FX_P_NONE;
    o.since = 1767225600;
    o.until = 1767225600 + SPAN - 1;
    o.limits[0] = o.limits[1] = o.limits[2] = 100000000;
    o.out = tape1;
    const char *args[] = {wallet};
    double t0 = now_s();
    long rss1 = 0, rss2 = 0;
    double cpu1 = 0, cpu2 = 0;
    int rc1 = run_child("wallet", &o, args, 1, &rss1, &cpu1);
    double t1 = now_s();
    long req_before = stat_of(url, "/_control/stats", "requests=");
    o.offline = 1;
    o.out = tape2;
    int rc2 = run_child("wallet", &o, args, 1, &rss2, &cpu2);
    double t2 = now_s();
    long req_after = stat_of(url, "/_control/stats", "requests=");
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    char *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    long r1 = tape_rows(tape1, &a, &na), r2 = tape_rows(tape2, &b, &nb);
    int bad = 0;
    if (rc1 != 0 || rc2 != 0) {
        fprintf(stderr, "bench_fetch: fetch exited %d (cold), %d (warm)\n", rc1,
                rc2);
        bad = 1;
    }
    if (want <= 0 || r1 != want || r2 != want) {
        fprintf(stderr,
                "bench_fetch: rows in the tape %ld (cold) %ld (warm), the "
                "fake holds %ld\n",
                r1, r2, want);
        bad = 1;
    }
    if (na != nb || !a || !b || memcmp(a, b, na)) {
        fprintf(stderr, "bench_fetch: the warm tape differs from the cold\n");
        bad = 1;
    }
    if (req_before < 0 || req_after != req_before) {
        fprintf(stderr,
                "bench_fetch: the warm run sent %ld requests (want 0)\n",
                req_after - req_before);
        bad = 1;
    }
    printf("fetch wallet, %ld rows: cold %.0f rows/s (%.3f s, %.3f s CPU, "
           "peak RSS %ld MiB), warm cache %.0f rows/s (%.3f s, %.3f s CPU, "
           "peak RSS %ld MiB)\n",
           want, (double)want / (t1 - t0), t1 - t0, cpu1, rss1 / 1024,
           (double)want / (t2 - t1), t2 - t1, cpu2, rss2 / 1024);
    free(a);
    free(b);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        bad = 1;
    return bad;
}
