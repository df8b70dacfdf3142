/* tests/fakes/watch_probe.c - runs the watcher set (live/watch) against the
 * fake feeds until stopped (SIGTERM / SIGINT) or --run-ms has passed, and
 * prints what it got, for tests/cli/watch.sh.
 *
 * Plays the live loop's part: reads the clock once per pass, calls
 * pmc_watch_tick(now) then pmc_watch_service(10 ms). Prints every record as
 * a tape line (stdout), then one `#stat source=S key=value...` line per
 * source, `#lag source=S count=N sum_ms=N` lines, `#checkpoint source=S
 * ms=N`, and, with --fake-stats, the fake's counters as `#fake key=value`.
 * Watcher log lines go to stderr.
 *
 * Options: --chain URL --rtds URL --book URL --api URL (each optional),
 * --wallet ADDR (repeat), --token ID (book, repeat), --run-ms N,
 * --control MS:PATH (GET http://fake/PATH at MS after start; repeat;
 * needs --fake-base), --fake-base http://127.0.0.1:PORT, --fake-stats
 * (print the fake's /_control/stats at the end), --route trades,
 * --stale-ms --backoff-min-ms --backoff-max-ms --poll-ms --poll-idle-ms
 * --timeout-ms --overlap-ms --heartbeat-ms --max-frame --max-wallets
 * --page-limit --seed, --chain-v1 (also V1 OrderFilled), --checkpoint SRC=MS (restore before the first
 * tick), --metrics (print the Prometheus text at the end),
 * --status PATH (the #stat, #lag, #checkpoint and `#up source=S up=0|1`
 * lines rewritten to PATH every 50 ms and at the end, through a rename, so
 * a test can wait on a counter while the probe runs), --start (GET
 * fake-base/_control/start once every configured websocket source is open
 * and subscribed, at once when none is: the fake's --hold timeline begins
 * there). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "core/tape.h"
#include "live/watch/watch.h"

static pmc_ms wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (pmc_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_emit(void *ctx, struct pmc_record *rec, enum pmc_watch_src s)
{
    (void)ctx;
    (void)s;
    char buf[PMC_TAPE_LINE_MAX];
    size_t n = pmc_tape_format(rec, buf, sizeof buf);
    if (n)
        fwrite(buf, 1, n, stdout);
    fflush(stdout);
}

static void on_log(void *ctx, const char *line)
{
    (void)ctx;
    fprintf(stderr, "%s\n", line);
}

struct mem {
    char *p;
    size_t n;
};
static size_t on_data(char *p, size_t sz, size_t nm, void *ud)
{
    struct mem *m = ud;
    size_t k = sz * nm;
    char *q = realloc(m->p, m->n + k + 1);
    if (!q)
        return 0;
    m->p = q;
    memcpy(m->p + m->n, p, k);
    m->n += k;
    m->p[m->n] = '\0';
    return k;
}

static int http_get(const char *url, struct mem *m)
{
    CURL *e = curl_easy_init();
    if (!e)
        return -1;
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, m);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 2000L);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    CURLcode cc = curl_easy_perform(e);
    curl_easy_cleanup(e);
    return cc == CURLE_OK ? 0 : -1;
}

#define MAXN 64

static volatile sig_atomic_t g_stop;
static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

static void print_stats(FILE *f, const struct pmc_watch *w)
{
    const struct pmc_watch_stats *st = pmc_watch_stats(w);
    for (int s = 0; s < PMC_WATCH_NSRC; s++) {
        const struct pmc_watch_counters *c = &st->c[s];
        fprintf(
            f,
            "#stat source=%s connects=%llu established=%llu "
            "disconnects=%llu stale=%llu subscribed=%llu frames=%llu "
            "malformed=%llu oversized=%llu records=%llu fills=%llu "
            "duplicates=%llu other_wallets=%llu removed=%llu gaps=%llu "
            "requests=%llu http_ok=%llu http_429=%llu http_5xx=%llu "
            "timeouts=%llu net_errors=%llu\n",
            pmc_watch_src_name((enum pmc_watch_src)s),
            (unsigned long long)c->connects, (unsigned long long)c->established,
            (unsigned long long)c->disconnects, (unsigned long long)c->stale,
            (unsigned long long)c->subscribed, (unsigned long long)c->frames,
            (unsigned long long)c->malformed, (unsigned long long)c->oversized,
            (unsigned long long)c->records, (unsigned long long)c->fills,
            (unsigned long long)c->duplicates,
            (unsigned long long)c->other_wallets,
            (unsigned long long)c->removed, (unsigned long long)c->gaps,
            (unsigned long long)c->requests, (unsigned long long)c->http_ok,
            (unsigned long long)c->http_429, (unsigned long long)c->http_5xx,
            (unsigned long long)c->timeouts, (unsigned long long)c->net_errors);
        fprintf(f, "#lag source=%s count=%llu sum_ms=%lld negative=%llu\n",
                pmc_watch_src_name((enum pmc_watch_src)s),
                (unsigned long long)st->lag[s].count,
                (long long)st->lag[s].sum_ms,
                (unsigned long long)st->lag[s].negative);
        fprintf(f, "#checkpoint source=%s ms=%lld\n",
                pmc_watch_src_name((enum pmc_watch_src)s),
                (long long)pmc_watch_checkpoint(w, (enum pmc_watch_src)s));
    }
}

/* PATH rewritten whole through PATH.tmp and a rename: a reader never sees
 * half a file. */
static void write_status(const char *path, const struct pmc_watch *w)
{
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        fprintf(stderr, "watch_probe: cannot write %s\n", tmp);
        return;
    }
    print_stats(f, w);
    for (int s = 0; s < PMC_WATCH_NSRC; s++)
        if (s != PMC_WATCH_API)
            fprintf(f, "#up source=%s up=%d\n",
                    pmc_watch_src_name((enum pmc_watch_src)s),
                    pmc_watch_is_up(w, (enum pmc_watch_src)s));
    if (fclose(f) != 0 || rename(tmp, path) != 0)
        fprintf(stderr, "watch_probe: cannot write %s\n", path);
}

/* Every configured websocket source open and subscribed? */
static int all_up(const struct pmc_watch *w, const struct pmc_watch_config *c)
{
    return (!c->chain_url || pmc_watch_is_up(w, PMC_WATCH_CHAIN)) &&
           (!c->rtds_url || pmc_watch_is_up(w, PMC_WATCH_RTDS)) &&
           (!c->book_url || pmc_watch_is_up(w, PMC_WATCH_BOOK));
}

int main(int argc, char **argv)
{
    struct pmc_watch_config cfg;
    memset(&cfg, 0, sizeof cfg);
    const char *wallets[MAXN], *tokens[MAXN], *ctl_path[MAXN];
    long ctl_at[MAXN];
    int nw = 0, nt = 0, nc = 0, fake_stats = 0, metrics = 0, start = 0;
    const char *fake_base = NULL, *status = NULL;
    long run_ms = 3000;
    struct {
        int src;
        long long ms;
    } cps[4];
    int ncp = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
#define OPT(name) (!strcmp(a, name) && v && (i++, 1))
        if (OPT("--chain"))
            cfg.chain_url = v;
        else if (OPT("--rtds"))
            cfg.rtds_url = v;
        else if (OPT("--book"))
            cfg.book_url = v;
        else if (OPT("--api"))
            cfg.api_url = v;
        else if (OPT("--wallet") && nw < MAXN)
            wallets[nw++] = v;
        else if (OPT("--token") && nt < MAXN)
            tokens[nt++] = v;
        else if (OPT("--run-ms"))
            run_ms = atol(v);
        else if (OPT("--control") && nc < MAXN) {
            ctl_at[nc] = atol(v);
            const char *c = strchr(v, ':');
            ctl_path[nc++] = c ? c + 1 : "";
        } else if (OPT("--fake-base"))
            fake_base = v;
        else if (!strcmp(a, "--fake-stats"))
            fake_stats = 1;
        else if (!strcmp(a, "--chain-v1"))
            cfg.chain_v1 = 1;
        else if (!strcmp(a, "--metrics"))
            metrics = 1;
        else if (!strcmp(a, "--start"))
            start = 1;
        else if (OPT("--status"))
            status = v;
        else if (OPT("--route"))
            cfg.api_route = !strcmp(v, "trades") ? PMC_WATCH_ROUTE_TRADES
                                                 : PMC_WATCH_ROUTE_ACTIVITY;
        else if (OPT("--stale-ms"))
            cfg.stale_ms = atol(v);
        else if (OPT("--backoff-min-ms"))
            cfg.backoff_min_ms = atol(v);
        else if (OPT("--backoff-max-ms"))
            cfg.backoff_max_ms = atol(v);
        else if (OPT("--poll-ms"))
            cfg.poll_ms = atol(v);
        else if (OPT("--poll-idle-ms"))
            cfg.poll_idle_ms = atol(v);
        else if (OPT("--timeout-ms"))
            cfg.http_timeout_ms = atol(v);
        else if (OPT("--overlap-ms"))
            cfg.overlap_ms = atol(v);
        else if (OPT("--heartbeat-ms")) {
            cfg.chain_heartbeat_ms = atol(v);
            cfg.rtds_ping_ms = atol(v);
            cfg.book_ping_ms = atol(v);
        } else if (OPT("--max-frame"))
            cfg.max_frame_bytes = (size_t)atol(v);
        else if (OPT("--max-wallets"))
            cfg.chain_max_wallets = (uint32_t)atol(v);
        else if (OPT("--page-limit"))
            cfg.page_limit = (uint32_t)atol(v);
        else if (OPT("--seed"))
            cfg.seed = strtoull(v, NULL, 10);
        else if (OPT("--checkpoint") && ncp < 4) {
            const char *eq = strchr(v, '=');
            static const char *const nm[] = {"chain", "rtds", "api", "book"};
            for (int s = 0; eq && s < 4; s++)
                if (!strncmp(v, nm[s], (size_t)(eq - v)) &&
                    strlen(nm[s]) == (size_t)(eq - v)) {
                    cps[ncp].src = s;
                    cps[ncp++].ms = atoll(eq + 1);
                }
        } else {
            fprintf(stderr, "watch_probe: unknown or incomplete option %s\n",
                    a);
            return 2;
        }
#undef OPT
    }
    cfg.wallets = wallets;
    cfg.nwallets = (size_t)nw;
    cfg.emit = on_emit;
    cfg.log = on_log;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    pmc_ms t0 = wall_ms();
    struct pmc_watch *w;
    enum pmc_err e = pmc_watch_new(&cfg, t0, &w);
    if (e != PMC_OK) {
        fprintf(stderr, "watch_probe: %s\n", pmc_strerror(e));
        return 1;
    }
    for (int i = 0; i < ncp; i++)
        pmc_watch_set_checkpoint(w, (enum pmc_watch_src)cps[i].src, cps[i].ms);
    for (int i = 0; i < nt; i++)
        if (pmc_watch_book_add(w, tokens[i], strlen(tokens[i])) != PMC_OK) {
            fprintf(stderr, "watch_probe: bad token %s\n", tokens[i]);
            return 1;
        }
    printf("%s\n", PMC_TAPE_HEADER);
    fflush(stdout);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    int done_ctl[MAXN] = {0};
    pmc_ms last_status = 0;
    for (;;) {
        pmc_ms now = wall_ms();
        if (g_stop || now - t0 >= run_ms)
            break;
        if (start && fake_base && all_up(w, &cfg)) {
            start = 0;
            char url[512];
            snprintf(url, sizeof url, "%s/_control/start", fake_base);
            struct mem m = {0};
            if (http_get(url, &m) != 0)
                fprintf(stderr, "watch_probe: control %s failed\n", url);
            free(m.p);
        }
        for (int i = 0; i < nc; i++)
            if (!done_ctl[i] && now - t0 >= ctl_at[i] && fake_base) {
                done_ctl[i] = 1;
                char url[512];
                snprintf(url, sizeof url, "%s/%s", fake_base, ctl_path[i]);
                struct mem m = {0};
                if (http_get(url, &m) != 0)
                    fprintf(stderr, "watch_probe: control %s failed\n", url);
                free(m.p);
            }
        pmc_watch_tick(w, now);
        pmc_watch_service(w, 10);
        if (status && wall_ms() - last_status >= 50) {
            write_status(status, w);
            last_status = wall_ms();
        }
    }
    if (status)
        write_status(status, w);
    print_stats(stdout, w);
    if (metrics) {
        static char mb[65536];
        size_t n = pmc_watch_metrics(w, mb, sizeof mb);
        fwrite(mb, 1, n, stdout);
    }
    if (fake_stats && fake_base) {
        char url[512];
        snprintf(url, sizeof url, "%s/_control/stats", fake_base);
        struct mem m = {0};
        if (http_get(url, &m) == 0 && m.p) {
            for (char *l = strtok(m.p, "\n"); l; l = strtok(NULL, "\n"))
                printf("#fake %s\n", l);
        }
        free(m.p);
    }
    pmc_watch_free(w);
    return 0;
}
