/* tests/unit/exec_fixture.h - what the executor's tests (test_exec*.c)
 * share: the fake CLOB (started once next to the test binary, reset and
 * driven through its control API), the executor under test with its hooks
 * recorded in a sink, a small loop that reads the clock (the executor never
 * does), and fake_clob_groups, which runs a group of tests against the
 * fake twice: on the executor's lanes, then through libcurl. */
#ifndef PMC_TEST_EXEC_FIXTURE_H
#define PMC_TEST_EXEC_FIXTURE_H

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/dec.h"
#include "live/exec/clob.h"
#include "live/exec/creds.h"
#include "live/exec/guard.h"
#include "proto/sign/hex.h"

#define PK "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
#define PK_BARE                                                                \
    "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
#define EOA "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
#define SECRET "c2VjcmV0LWtleS1mb3ItdGVzdGluZy1vbmx5LTAxMjM0NTY3ODk_-w=="
#define API_KEY "7f3c9a1e-5b2d-4e8f-9a6c-0d1e2f3a4b5c"
#define PASSPHRASE "Zq8pLm3Xv7Rt2Nw9"
#define TOKEN                                                                  \
    "217426331434639062905690501558262415330672727368976149504881568479499388" \
    "36455"

static char g_fake[4096];
static int g_port;
static pid_t g_pid;
/* the network tests run twice: POSTs on the executor's lanes (connected
 * before the test starts), then every request through libcurl */
static uint32_t g_lanes;

/* ---- clock and the fake's control API ---------------------------------------
 */

static __attribute__((unused)) pmc_ms now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (pmc_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct buf {
    char b[65536];
    size_t n;
};

static __attribute__((unused)) size_t cb_write(char *p, size_t s, size_t m,
                                               void *ud)
{
    struct buf *b = ud;
    size_t n = s * m;
    if (b->n + n >= sizeof b->b)
        n = sizeof b->b - 1 - b->n;
    memcpy(b->b + b->n, p, n);
    b->n += n;
    b->b[b->n] = '\0';
    return s * m;
}

/* Blocking control call; returns the parsed JSON answer (caller decrefs). */
static __attribute__((unused)) json_t *ctl(const char *method, const char *path,
                                           const char *body)
{
    char url[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", g_port, path);
    CURL *e = curl_easy_init();
    static struct buf b;
    b.n = 0;
    b.b[0] = '\0';
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, cb_write);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &b);
    if (strcmp(method, "POST") == 0)
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, body ? body : "{}");
    assert_int_equal(curl_easy_perform(e), CURLE_OK);
    curl_easy_cleanup(e);
    json_error_t je;
    json_t *j = json_loads(b.b, 0, &je);
    assert_non_null(j);
    return j;
}

static __attribute__((unused)) void ctlf(const char *path, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static __attribute__((unused)) void ctlf(const char *path, const char *fmt, ...)
{
    char body[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    json_t *j = ctl("POST", path, body);
    assert_true(json_is_true(json_object_get(j, "ok")));
    json_decref(j);
}

static __attribute__((unused)) int posts_for(const char *hash)
{
    char p[160];
    snprintf(p, sizeof p, "/_control/posts?hash=%s", hash);
    json_t *j = ctl("GET", p, NULL);
    int n = (int)json_integer_value(json_object_get(j, "count"));
    json_decref(j);
    return n;
}

/* Times (ms) at which the fake received requests METHOD PATH* (prefix). */
static __attribute__((unused)) int
request_times(const char *method, const char *path, int64_t *t, int cap)
{
    json_t *j = ctl("GET", "/_control/log", NULL);
    json_t *a = json_object_get(j, "requests");
    int n = 0;
    size_t i;
    json_t *e;
    json_array_foreach(a, i, e)
    {
        if (strcmp(json_string_value(json_object_get(e, "m")), method) == 0 &&
            strncmp(json_string_value(json_object_get(e, "p")), path,
                    strlen(path)) == 0 &&
            n < cap)
            t[n++] = json_integer_value(json_object_get(e, "t"));
    }
    json_decref(j);
    return n;
}

static __attribute__((unused)) void book(const char *asks, const char *bids)
{
    ctlf("/_control/book",
         "{\"token\":\"" TOKEN "\",\"tick\":\"0.01\",\"asks\":%s,\"bids\":%s}",
         asks, bids);
}

/* ---- the executor under test
 * ---------------------------------------------------- */

#define MAXREC 64
struct sink {
    struct pmc_record rec[MAXREC];
    int n;
    int journals;
    char hash[8][67];
    int fail_journal;
    int submitted, acked;
    char log[8192];
    int ntr; /* the trade hook: statuses in order */
    enum pmc_trade_status tr[16];
    char body[2048]; /* the last journaled body */
};

static __attribute__((unused)) void h_emit(void *ctx, struct pmc_record *r)
{
    struct sink *s = ctx;
    assert_true(s->n < MAXREC);
    s->rec[s->n++] = *r;
}

static __attribute__((unused)) enum pmc_err
h_journal(void *ctx, const struct pmc_sym *coid, const char *body, size_t len,
          const char *hash)
{
    struct sink *s = ctx;
    (void)coid;
    assert_int_equal(strlen(body), len);
    assert_int_equal(strlen(hash), 66);
    if (s->journals < 8)
        snprintf(s->hash[s->journals], 67, "%s", hash);
    snprintf(s->body, sizeof s->body, "%s", body);
    s->journals++;
    return s->fail_journal ? PMC_EIO : PMC_OK;
}

static __attribute__((unused)) void h_stage(void *ctx,
                                            const struct pmc_sym *coid,
                                            enum pmc_clob_stage st, pmc_ms t,
                                            const char *hash)
{
    struct sink *s = ctx;
    (void)coid;
    (void)hash;
    assert_true(t > 0);
    if (st == PMC_STAGE_SUBMITTED)
        s->submitted++;
    else
        s->acked++;
}

static __attribute__((unused)) void h_trade(void *ctx,
                                            const struct pmc_clob_trade *t)
{
    struct sink *s = ctx;
    assert_true(t->coid.n > 0 && t->order_hash && t->t > 0);
    if (s->ntr < 16)
        s->tr[s->ntr++] = t->status;
}

static __attribute__((unused)) void h_log(void *ctx, const char *line)
{
    struct sink *s = ctx;
    size_t n = strlen(s->log);
    snprintf(s->log + n, sizeof s->log - n, "%s\n", line);
}

static __attribute__((unused)) void base_cfg(struct pmc_clob_cfg *c, char *url,
                                             size_t cap)
{
    pmc_clob_cfg_default(c);
    snprintf(url, cap, "http://127.0.0.1:%d", g_port);
    c->base_url = url;
    c->post_timeout_ms = 1500;
    c->get_timeout_ms = 1500;
    c->retry_backoff_ms = 20;
    c->reconcile_delay_ms = 50;
    c->poll_open_ms = 100;
    c->breaker_cooldown_ms = 400;
    c->lanes = g_lanes;
}

static __attribute__((unused)) struct pmc_clob *
make(const struct pmc_clob_cfg *cfg, struct sink *s, const char *secret,
     int log_to_stderr)
{
    struct pmc_exec_creds c;
    memset(&c, 0, sizeof c);
    assert_int_equal(pmc_signer_new(PK, strlen(PK), &c.signer), PMC_OK);
    snprintf(c.api.key, sizeof c.api.key, "%s", API_KEY);
    snprintf(c.api.secret, sizeof c.api.secret, "%s", secret);
    snprintf(c.api.passphrase, sizeof c.api.passphrase, "%s", PASSPHRASE);
    struct pmc_clob_hooks h = {
        s,    h_emit, h_journal, h_stage, log_to_stderr ? NULL : h_log,
        NULL, h_trade};
    struct pmc_clob *x = NULL;
    char why[200];
    assert_int_equal(pmc_clob_new(cfg, &c, &h, now_ms(), &x, why, sizeof why),
                     PMC_OK);
    assert_null(c.signer);
    assert_int_equal(c.api.secret[0], 0); /* wiped */
    /* the lanes connect in the background; tests start with them up */
    struct pmc_clob_stats st;
    pmc_ms end = now_ms() + 3000;
    do {
        assert_int_equal(pmc_clob_tick(x, now_ms()), PMC_OK);
        pmc_clob_stats(x, &st);
        if (st.lanes_idle == cfg->lanes)
            break;
        pmc_clob_wait(x, 2);
    } while (now_ms() < end);
    assert_int_equal(st.lanes_idle, cfg->lanes);
    return x;
}

static __attribute__((unused)) struct pmc_record
order(const char *coid, enum pmc_side side, enum pmc_tif tif, const char *px,
      const char *sz)
{
    struct pmc_record r;
    memset(&r, 0, sizeof r);
    r.kind = PMC_K_ORDER;
    assert_int_equal(pmc_sym_set(&r.u.order.coid, coid, strlen(coid)), PMC_OK);
    assert_int_equal(pmc_sym_set(&r.u.order.token, TOKEN, strlen(TOKEN)),
                     PMC_OK);
    r.u.order.side = side;
    r.u.order.tif = tif;
    assert_int_equal(pmc_dec_parse(px, strlen(px), &r.u.order.px), PMC_OK);
    assert_int_equal(pmc_dec_parse(sz, strlen(sz), &r.u.order.sz), PMC_OK);
    return r;
}

static __attribute__((unused)) void submit(struct pmc_clob *x,
                                           const struct pmc_record *r)
{
    assert_int_equal(pmc_clob_submit(x, r, now_ms()), PMC_OK);
}

/* Drive the executor until `want` records arrived and it is idle (or the
 * time runs out); then a little longer when settle_ms > 0. */
static __attribute__((unused)) void run(struct pmc_clob *x, struct sink *s,
                                        int want, int max_ms)
{
    pmc_ms end = now_ms() + max_ms;
    while (now_ms() < end) {
        assert_int_equal(pmc_clob_tick(x, now_ms()), PMC_OK);
        if (s->n >= want && pmc_clob_open_orders(x) == 0)
            return;
        pmc_clob_wait(x, 5);
    }
}

static __attribute__((unused)) void run_for(struct pmc_clob *x, int ms)
{
    pmc_ms end = now_ms() + ms;
    while (now_ms() < end) {
        assert_int_equal(pmc_clob_tick(x, now_ms()), PMC_OK);
        pmc_clob_wait(x, 5);
    }
}

/* The executor's metrics (Prometheus text) into buf. */
static __attribute__((unused)) void metrics_of(struct pmc_clob *x, char *buf,
                                               size_t cap)
{
    FILE *f = fmemopen(buf, cap, "w");
    assert_non_null(f);
    pmc_clob_metrics_prom(x, f);
    assert_int_equal(fclose(f), 0);
}

static __attribute__((unused)) void expect(const struct pmc_record *r,
                                           enum pmc_exec_status st,
                                           const char *sz, const char *px)
{
    assert_int_equal(r->kind, PMC_K_EXEC);
    assert_int_equal(r->u.exec.status, st);
    if (sz) {
        pmc_micros v;
        assert_int_equal(pmc_dec_parse(sz, strlen(sz), &v), PMC_OK);
        assert_int_equal(r->u.exec.sz, v);
    }
    if (px) {
        pmc_micros v;
        assert_int_equal(pmc_dec_parse(px, strlen(px), &v), PMC_OK);
        assert_int_equal(r->u.exec.px, v);
    }
}

static __attribute__((unused)) int reset(void **state)
{
    (void)state;
    ctlf("/_control/reset", "{}");
    return 0;
}

static __attribute__((unused)) int64_t fake_posts(const char *key)
{
    json_t *j = ctl("GET", "/_control/posts", NULL);
    int64_t n = (int64_t)json_integer_value(json_object_get(j, key));
    json_decref(j);
    return n;
}

/* The record of coid with status st (the first), or NULL. */
static __attribute__((unused)) const struct pmc_record *
rec_of(const struct sink *s, const char *coid, enum pmc_exec_status st)
{
    for (int i = 0; i < s->n; i++)
        if (s->rec[i].kind == PMC_K_EXEC && s->rec[i].u.exec.status == st &&
            strcmp(s->rec[i].u.exec.coid.s, coid) == 0)
            return &s->rec[i];
    return NULL;
}

/* ---- the fake's life cycle
 * ------------------------------------------------------------------ */

static __attribute__((unused)) int start_fake(const char *argv0)
{
    const char *slash = strrchr(argv0, '/');
    int dl = slash ? (int)(slash - argv0) : 1;
    snprintf(g_fake, sizeof g_fake, "%.*s/../fakes/fake_clob", dl,
             slash ? argv0 : ".");
    if (access(g_fake, X_OK) != 0) {
        fprintf(stderr, "test_exec: %s not found (build fakes first)\n",
                g_fake);
        return -1;
    }
    int p[2];
    if (pipe(p) != 0)
        return -1;
    g_pid = fork();
    if (g_pid == 0) {
        dup2(p[1], 1);
        close(p[0]);
        close(p[1]);
        execl(g_fake, g_fake, "--port", "0", "--max-seconds", "120", "--secret",
              SECRET, "--api-key", API_KEY, "--passphrase", PASSPHRASE,
              "--address", EOA, (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    char line[128];
    FILE *f = fdopen(p[0], "r");
    if (!f || !fgets(line, sizeof line, f) ||
        sscanf(line, "listening port=%d", &g_port) != 1)
        return -1;
    fclose(f);
    return 0;
}

/* Start the fake, run tests[0, n) on the executor's lanes and then with
 * every request through libcurl, stop the fake; non-zero when one failed
 * (or the fake did not start). */
static __attribute__((unused)) int
fake_clob_groups(const char *argv0, const char *name,
                 const struct CMUnitTest *tests, size_t n)
{
    if (start_fake(argv0) != 0) {
        fprintf(stderr, "%s: cannot start the fake CLOB\n", name);
        return 1;
    }
    char lanes[96], libcurl[96];
    snprintf(lanes, sizeof lanes, "%s_fake_clob_lanes", name);
    snprintf(libcurl, sizeof libcurl, "%s_fake_clob_libcurl", name);
    g_lanes = 2;
    int rc = _cmocka_run_group_tests(lanes, tests, n, NULL, NULL);
    g_lanes = 0;
    rc |= _cmocka_run_group_tests(libcurl, tests, n, NULL, NULL);
    kill(g_pid, SIGTERM);
    waitpid(g_pid, NULL, 0);
    return rc;
}

#endif
