/* tests/unit/test_exec.c - the CLOB executor against the fake CLOB.
 *
 * Starts the fake CLOB binary (next to this binary: ../fakes/fake_clob)
 * on a free loopback port once, resets it before each test, and drives the
 * executor with a small loop (this test reads the clock; the executor
 * never does). Each test says what it injects and what must hold. The
 * rate limiter and the breaker are also tested alone (pure, no network). */
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

static pmc_ms now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (pmc_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct buf {
    char b[65536];
    size_t n;
};

static size_t cb_write(char *p, size_t s, size_t m, void *ud)
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
static json_t *ctl(const char *method, const char *path, const char *body)
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

static void ctlf(const char *path, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void ctlf(const char *path, const char *fmt, ...)
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

static int64_t fake_posts(const char *key);

static int posts_for(const char *hash)
{
    char p[160];
    snprintf(p, sizeof p, "/_control/posts?hash=%s", hash);
    json_t *j = ctl("GET", p, NULL);
    int n = (int)json_integer_value(json_object_get(j, "count"));
    json_decref(j);
    return n;
}

/* Times (ms) at which the fake received requests METHOD PATH* (prefix). */
static int request_times(const char *method, const char *path, int64_t *t,
                         int cap)
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

static void book(const char *asks, const char *bids)
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

static void h_emit(void *ctx, struct pmc_record *r)
{
    struct sink *s = ctx;
    assert_true(s->n < MAXREC);
    s->rec[s->n++] = *r;
}

static enum pmc_err h_journal(void *ctx, const struct pmc_sym *coid,
                              const char *body, size_t len, const char *hash)
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

static void h_stage(void *ctx, const struct pmc_sym *coid,
                    enum pmc_clob_stage st, pmc_ms t, const char *hash)
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

static void h_trade(void *ctx, const struct pmc_clob_trade *t)
{
    struct sink *s = ctx;
    assert_true(t->coid.n > 0 && t->order_hash && t->t > 0);
    if (s->ntr < 16)
        s->tr[s->ntr++] = t->status;
}

static void h_log(void *ctx, const char *line)
{
    struct sink *s = ctx;
    size_t n = strlen(s->log);
    snprintf(s->log + n, sizeof s->log - n, "%s\n", line);
}

static void base_cfg(struct pmc_clob_cfg *c, char *url, size_t cap)
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

/* Every key of the executor's settings with a value breaking its rule:
 * one message naming the key, the value and the rule; pmc_clob_new refuses
 * the same settings with the same message; the defaults pass. */
static void test_cfg_messages(void **state)
{
    (void)state;
    static const struct {
        const char *key, *want;
    } BAD[] = {
        {"base_url", "base_url = \"ftp://x\": must be an http:// or https://"},
        {"base_url_null", "base_url = \"(none)\""},
        {"ca_file", "ca_file = \"\": must be a path"},
        {"chain_id", "chain_id = 1: must be 137 (Polygon) or 80002"},
        {"sig_type", "sig_type = 7: must be 0 (EOA)"},
        {"funder", "sig_type = 2: needs the funder"},
        {"exchange_v3", "exchange_v3 = 2: must be 0"},
        {"post_timeout_ms", "post_timeout_ms = 0: must be 1..86400000 (ms)"},
        {"get_timeout_ms", "get_timeout_ms = -5: must be 1..86400000"},
        {"connect_timeout_ms", "connect_timeout_ms = 0: must be 1.."},
        {"retry_backoff_ms", "retry_backoff_ms = -1: must be 0..86400000"},
        {"reconcile_delay_ms", "reconcile_delay_ms = 86400001: must be 0.."},
        {"poll_open_ms", "poll_open_ms = -1: must be 0.."},
        {"breaker_cooldown_ms", "breaker_cooldown_ms = -1: must be 0.."},
        {"max_retries", "max_retries = 21: must be 0..20"},
        {"max_orders", "max_orders = 0: must be 1..65536"},
        {"max_tokens", "max_tokens = 1048577: must be 1..1048576"},
        {"lanes", "lanes = 9: must be 0..8"},
        {"post_burst", "post_burst = 5 per 0 ms: a limit of n > 0 requests"},
        {"post_sustained", "post_sustained = 1 per -1 ms:"},
        {"cancel", "cancel = 3 per 0 ms:"},
        {"meta", "meta = 3 per 0 ms:"},
        {"ledger", "ledger = 3 per 0 ms:"},
        {"presign", "presign = 1: must be 0 (off) or 2..65536"},
        {"max_host_conns", "max_host_conns = -1: must be 0..1024"},
    };
    char why[256];
    struct pmc_clob_cfg c;
    pmc_clob_cfg_default(&c);
    assert_int_equal(pmc_clob_cfg_check(&c, why, sizeof why), PMC_OK);
    assert_string_equal(why, "");
    for (size_t i = 0; i < PMC_ARRAY_LEN(BAD); i++) {
        const char *k = BAD[i].key;
        pmc_clob_cfg_default(&c);
        if (!strcmp(k, "base_url"))
            c.base_url = "ftp://x";
        else if (!strcmp(k, "base_url_null"))
            c.base_url = NULL;
        else if (!strcmp(k, "ca_file"))
            c.ca_file = "";
        else if (!strcmp(k, "chain_id"))
            c.chain_id = 1;
        else if (!strcmp(k, "sig_type"))
            c.sig_type = 7;
        else if (!strcmp(k, "funder"))
            c.sig_type = PMC_SIG_POLY_GNOSIS_SAFE;
        else if (!strcmp(k, "exchange_v3"))
            c.exchange_v3 = 2;
        else if (!strcmp(k, "post_timeout_ms"))
            c.post_timeout_ms = 0;
        else if (!strcmp(k, "get_timeout_ms"))
            c.get_timeout_ms = -5;
        else if (!strcmp(k, "connect_timeout_ms"))
            c.connect_timeout_ms = 0;
        else if (!strcmp(k, "retry_backoff_ms"))
            c.retry_backoff_ms = -1;
        else if (!strcmp(k, "reconcile_delay_ms"))
            c.reconcile_delay_ms = 86400001;
        else if (!strcmp(k, "poll_open_ms"))
            c.poll_open_ms = -1;
        else if (!strcmp(k, "breaker_cooldown_ms"))
            c.breaker_cooldown_ms = -1;
        else if (!strcmp(k, "max_retries"))
            c.max_retries = 21;
        else if (!strcmp(k, "max_orders"))
            c.max_orders = 0;
        else if (!strcmp(k, "max_tokens"))
            c.max_tokens = (1u << 20) + 1;
        else if (!strcmp(k, "lanes"))
            c.lanes = 9;
        else if (!strcmp(k, "post_burst"))
            c.post_burst = (struct pmc_rate){5, 0};
        else if (!strcmp(k, "post_sustained"))
            c.post_sustained = (struct pmc_rate){1, -1};
        else if (!strcmp(k, "cancel"))
            c.cancel = (struct pmc_rate){3, 0};
        else if (!strcmp(k, "meta"))
            c.meta = (struct pmc_rate){3, 0};
        else if (!strcmp(k, "ledger"))
            c.ledger = (struct pmc_rate){3, 0};
        else if (!strcmp(k, "presign"))
            c.presign = 1;
        else if (!strcmp(k, "max_host_conns"))
            c.max_host_conns = -1;
        else
            fail_msg("no case for %s", k);
        assert_int_equal(pmc_clob_cfg_check(&c, why, sizeof why), PMC_ECONFIG);
        if (strncmp(why, BAD[i].want, strlen(BAD[i].want)) != 0)
            fail_msg("%s: \"%s\" does not start \"%s\"", k, why, BAD[i].want);
        /* the executor refuses it with the same words */
        struct pmc_exec_creds cr;
        memset(&cr, 0, sizeof cr);
        assert_int_equal(pmc_signer_new(PK, strlen(PK), &cr.signer), PMC_OK);
        snprintf(cr.api.key, sizeof cr.api.key, "%s", API_KEY);
        snprintf(cr.api.secret, sizeof cr.api.secret, "%s", SECRET);
        snprintf(cr.api.passphrase, sizeof cr.api.passphrase, "%s", PASSPHRASE);
        struct sink s = {0};
        struct pmc_clob_hooks h = {&s,    h_emit, h_journal, NULL,
                                   h_log, NULL,   NULL};
        struct pmc_clob *x = NULL;
        char why2[256];
        assert_int_equal(pmc_clob_new(&c, &cr, &h, 1, &x, why2, sizeof why2),
                         PMC_ECONFIG);
        assert_null(x);
        assert_null(cr.signer);
        assert_string_equal(why2, why);
    }
    /* a funder makes a proxy signature type valid; the edges of a range */
    pmc_clob_cfg_default(&c);
    c.sig_type = PMC_SIG_POLY_GNOSIS_SAFE;
    c.has_funder = 1;
    c.max_retries = 20;
    c.lanes = 0;
    c.presign = 0;
    c.poll_open_ms = 0;
    c.max_tokens = 1u << 20;
    c.meta = (struct pmc_rate){0, 0};
    assert_int_equal(pmc_clob_cfg_check(&c, why, sizeof why), PMC_OK);
    /* a long URL is shown cut */
    char url[400];
    memset(url, 'a', sizeof url - 1);
    url[sizeof url - 1] = '\0';
    memcpy(url, "https://", 8);
    c.base_url = url;
    assert_int_equal(pmc_clob_cfg_check(&c, why, sizeof why), PMC_ECONFIG);
    assert_non_null(strstr(why, "aaa...\": must be"));
    assert_int_equal(pmc_clob_cfg_check(&c, NULL, 0), PMC_ECONFIG);
}

static struct pmc_clob *make(const struct pmc_clob_cfg *cfg, struct sink *s,
                             const char *secret, int log_to_stderr)
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

static struct pmc_record order(const char *coid, enum pmc_side side,
                               enum pmc_tif tif, const char *px, const char *sz)
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

static void submit(struct pmc_clob *x, const struct pmc_record *r)
{
    assert_int_equal(pmc_clob_submit(x, r, now_ms()), PMC_OK);
}

/* Drive the executor until `want` records arrived and it is idle (or the
 * time runs out); then a little longer when settle_ms > 0. */
static void run(struct pmc_clob *x, struct sink *s, int want, int max_ms)
{
    pmc_ms end = now_ms() + max_ms;
    while (now_ms() < end) {
        assert_int_equal(pmc_clob_tick(x, now_ms()), PMC_OK);
        if (s->n >= want && pmc_clob_open_orders(x) == 0)
            return;
        pmc_clob_wait(x, 5);
    }
}

static void run_for(struct pmc_clob *x, int ms)
{
    pmc_ms end = now_ms() + ms;
    while (now_ms() < end) {
        assert_int_equal(pmc_clob_tick(x, now_ms()), PMC_OK);
        pmc_clob_wait(x, 5);
    }
}

/* The executor's metrics (Prometheus text) into buf. */
static void metrics_of(struct pmc_clob *x, char *buf, size_t cap)
{
    FILE *f = fmemopen(buf, cap, "w");
    assert_non_null(f);
    pmc_clob_metrics_prom(x, f);
    assert_int_equal(fclose(f), 0);
}

static void expect(const struct pmc_record *r, enum pmc_exec_status st,
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

static int reset(void **state)
{
    (void)state;
    ctlf("/_control/reset", "{}");
    return 0;
}

/* ---- happy paths
 * ------------------------------------------------------------------ */

/* FAK buy 10 @ <= 0.55 against 100 @ 0.50: a marketable order spending
 * $5.50 fills 11 shares at 0.50 (the L2 headers and the signature were
 * accepted by the fake, the order was journaled before it was sent, and
 * was POSTed exactly once). */
static void test_fak_fill(void **state)
{
    (void)state;
    book("[[\"0.50\",\"100\"]]", "[]");
    struct sink s = {0};
    struct pmc_clob_cfg cfg;
    char url[64];
    base_cfg(&cfg, url, sizeof url);
    struct pmc_clob *x = make(&cfg, &s, SECRET, 0);
    struct pmc_record o = order("c-fak", PMC_BUY, PMC_TIF_FAK, "0.55", "10");
    submit(x, &o);
    run(x, &s, 1, 3000);
    assert_int_equal(s.n, 1);
    expect(&s.rec[0], PMC_EXEC_FILL, "11", "0.5");
    assert_int_equal(s.journals, 1);
    assert_int_equal(s.submitted, 1);
    assert_int_equal(s.acked, 1);
    assert_int_equal(posts_for(s.hash[0]), 1);
    struct pmc_clob_stats st;
    pmc_clob_stats(x, &st);
    assert_int_equal(st.posts, 1);
    assert_int_equal(st.post_us.n, 1);
    assert_int_equal(st.lane_posts, g_lanes ? 1 : 0);
    pmc_clob_free(x);
}

/* With the presignature pool full, orders are signed from it (a fresh
 * nonce each, not RFC 6979) and the fake, which recovers the signer of
 * every order, accepts them all; with presign = 0 every signature is
 * RFC 6979 and the pool counts nothing. */
static void test_presigned_orders(void **state)
{
    (void)state;
    for (int pool = 0; pool < 2; pool++) {
        book("[[\"0.50\",\"1000\"]]", "[]");
        struct sink s = {0};
        struct pmc_clob_cfg cfg;
        char url[64];
        base_cfg(&cfg, url, sizeof url);
        cfg.presign = pool ? 8 : 0;
        struct pmc_clob *x = make(&cfg, &s, SECRET, 0);
        struct pmc_clob_stats st;
        for (int i = 0; i < 400; i++) { /* the pool fills in the background */
            pmc_clob_stats(x, &st);
            if (st.presign.ready == st.presign.cap)
                break;
            pmc_clob_wait(x, 5);
        }
        for (int i = 0; i < 4; i++) {
            char coid[32];
            snprintf(coid, sizeof coid, "c-pre%d-%d", pool, i);
            struct pmc_record o =
                order(coid, PMC_BUY, PMC_TIF_FAK, "0.55", "10");
            submit(x, &o);
        }
        run(x, &s, 4, 3000);
        assert_int_equal(s.n, 4);
        for (int i = 0; i < 4; i++)
            expect(&s.rec[i], PMC_EXEC_FILL, "11", "0.5");
        pmc_clob_stats(x, &st);
        assert_int_equal(st.presign.cap, pool ? 8 : 0);
        assert_int_equal(st.presign.used, pool ? 4 : 0);
        assert_int_equal(st.presign.fallback, 0);
        char mbuf[8192];
        metrics_of(x, mbuf, sizeof mbuf);
        assert_non_null(strstr(mbuf, pool ? "pmcopy_exec_signatures_total{"
                                            "nonce=\"presigned\"} 4"
                                          : "pmcopy_exec_signatures_total{"
                                            "nonce=\"presigned\"} 0"));
        assert_non_null(strstr(mbuf, pool ? "pmcopy_exec_signatures_total{"
                                            "nonce=\"rfc6979\"} 0"
                                          : "pmcopy_exec_signatures_total{"
                                            "nonce=\"rfc6979\"} 4"));
        assert_int_equal(st.signatures, 4);
        pmc_clob_free(x);
    }
}

/* Only 4 shares offered: FAK fills 4 and the unmatched rest (6) comes back
 * as a cancel. A SELL FAK hits the bid. */
static void test_fak_partial_cancel_and_sell(void **state)
{
    (void)state;
    book("[[\"0.50\",\"4\"]]", "[[\"0.60\",\"50\"]]");
    struct sink s = {0};
    struct pmc_clob_cfg cfg;
    char url[64];
    base_cfg(&cfg, url, sizeof url);
    struct pmc_clob *x = make(&cfg, &s, SECRET, 0);
    struct pmc_record o = order("c-part", PMC_BUY, PMC_TIF_FAK, "0.55", "10");
    submit(x, &o);
    run(x, &s, 2, 3000);
    assert_int_equal(s.n, 2);
    expect(&s.rec[0], PMC_EXEC_FILL, "4", "0.5");
    expect(&s.rec[1], PMC_EXEC_CANCEL, "6", NULL);
    /* sell 10 @ >= 0.55 into the 0.60 bid; amounts answered in base units
     * this time: the magnitude check must read them right */
    ctlf("/_control/amounts", "{\"base_units\":true}");
    struct pmc_record sl = order("c-sell", PMC_SELL, PMC_TIF_FAK, "0.55", "10");
    submit(x, &sl);
    run(x, &s, 3, 3000);
    assert_int_equal(s.n, 3);
    expect(&s.rec[2], PMC_EXEC_FILL, "10", "0.6");
    pmc_clob_free(x);
}

/* FOK for 10 with only 4 offered: the venue kills it ("FOK orders are fully
 * filled or killed"), reported as a cancel of all 10, not a reject. */
static void test_fok_not_filled(void **state)
{
    (void)state;
    book("[[\"0.50\",\"4\"]]", "[]");
    struct sink s = {0};
    struct pmc_clob_cfg cfg;
    char url[64];
    base_cfg(&cfg, url, sizeof url);
    struct pmc_clob *x = make(&cfg, &s, SECRET, 0);
    struct pmc_record o = order("c-fok", PMC_BUY, PMC_TIF_FOK, "0.55", "10");
    submit(x, &o);
    run(x, &s, 1, 3000);
    assert_int_equal(s.n, 1);
    expect(&s.rec[0], PMC_EXEC_CANCEL, "10", NULL);
    assert_string_equal(s.rec[0].u.exec.reason, "fok_not_filled");
    pmc_clob_free(x);
}

/* GTC buy below the ask rests: ack; a fill at the venue is found by the
 * poll; a cancel (DELETE /order) ends it with the rest cancelled. */
static void test_gtc_resting(void **state)
{
    (void)state;
    book("[[\"0.50\",\"100\"]]", "[]");
    struct sink s = {0};
    struct pmc_clob_cfg cfg;
    char url[64];
    base_cfg(&cfg, url, sizeof url);
    struct pmc_clob *x = make(&cfg, &s, SECRET, 0);
    struct pmc_record o = order("c-gtc", PMC_BUY, PMC_TIF_GTC, "0.40", "10");
    submit(x, &o);
    run_for(x, 300);
    assert_int_equal(s.n, 1);
    expect(&s.rec[0], PMC_EXEC_ACK, NULL, NULL);
    assert_int_equal(pmc_clob_open_orders(x), 1);
    ctlf("/_control/fill", "{\"hash\":\"%s\",\"size\":\"4\"}", s.hash[0]);
    run_for(x, 400);
    assert_int_equal(s.n, 2);
    expect(&s.rec[1], PMC_EXEC_FILL, "4", "0.4");
    assert_int_equal(pmc_clob_cancel(x, &o.u.order.coid, now_ms()), PMC_OK);
    run(x, &s, 3, 3000);
    assert_int_equal(s.n, 3);
    expect(&s.rec[2], PMC_EXEC_CANCEL, "6", NULL);
    assert_int_equal(posts_for(s.hash[0]), 1);
    pmc_clob_free(x);
}

/* GTD: a limit order whose JSON body carries expiration = the core's exp
 * + 60 s (unsigned, whole seconds); the fake holds it to the venue's
 * threshold and rests it. Without an exp the order is refused unsent. */
static void test_gtd_expiration(void **state)
{
    (void)state;
    book("[[\"0.50\",\"100\"]]", "[]");
    struct sink s = {0};
    struct pmc_clob_cfg cfg;
    char url[64];
    base_cfg(&cfg, url, sizeof url);
    struct pmc_clob *x = make(&cfg, &s, SECRET, 0);
    struct pmc_record o = order("c-gtd", PMC_BUY, PMC_TIF_GTD, "0.40", "10");
    int64_t exp = now_ms() / 1000 + 1 + 120;
    o.u.order.exp = exp;
    submit(x, &o);
    run_for(x, 300);
    assert_int_equal(s.n, 1);
    expect(&s.rec[0], PMC_EXEC_ACK, NULL, NULL);
    char want[64];
    snprintf(want, sizeof want, "\"expiration\":\"%lld\"",
             (long long)(exp + 60));
    assert_non_null(strstr(s.body, want));
    assert_non_null(strstr(s.body, "\"orderType\":\"GTD\""));
    assert_int_equal(posts_for(s.hash[0]), 1);
    /* no exp: never signed, never sent */
    struct pmc_record o2 = order("c-gtd0", PMC_BUY, PMC_TIF_GTD, "0.40", "10");
    submit(x, &o2);
    run(x, &s, 2, 1000);
    assert_int_equal(s.n, 2);
    expect(&s.rec[1], PMC_EXEC_REJECT, NULL, NULL);
    assert_non_null(strstr(s.rec[1].u.exec.reason, "without an expiry"));
    assert_int_equal(s.journals, 1);
    pmc_clob_free(x);
}

/* ---- POST /orders ------------------------------------------------------ */

static int64_t fake_posts(const char *key)
{
    json_t *j = ctl("GET", "/_control/posts", NULL);
    int64_t n = (int64_t)json_integer_value(json_object_get(j, key));
    json_decref(j);
    return n;
}

/* The record of coid with status st (the first), or NULL. */
static const struct pmc_record *rec_of(const struct sink *s, const char *coid,
                                       enum pmc_exec_status st)
{
    for (int i = 0; i < s->n; i++)
        if (s->rec[i].kind == PMC_K_EXEC && s->rec[i].u.exec.status == st &&
            strcmp(s->rec[i].u.exec.coid.s, coid) == 0)
            return &s->rec[i];
    return NULL;
}

/* Four orders held and released together go out as one POST /orders;
 * each element of the answer means for its order what a POST /order
 * answer would: a FAK filled, a GTC resting (ack), one refused (below the
 * minimum size: reject), one whose element is unreadable (ambiguous:
 * looked up by hash, not found, then posted again alone). */
static void test_batch_mixed(void **state)
{
    (void)state;
    book("[[\"0.50\",\"100\"]]", "[]");
    ctlf("/_control/fault", "{\"kind\":\"status\",\"path\":\"/orders[3]\","
                            "\"body\":\"{\\\"status\\\":\\\"live\\\"}\"}");
    struct sink s = {0};
    struct pmc_clob_cfg cfg;
    char url[64];
    base_cfg(&cfg, url, sizeof url);
    struct pmc_clob *x = make(&cfg, &s, SECRET, 0);
    struct pmc_record o[4] = {
        order("b-fak", PMC_BUY, PMC_TIF_FAK, "0.55", "10"),
        order("b-gtc", PMC_BUY, PMC_TIF_GTC, "0.40", "10"),
        order("b-small", PMC_BUY, PMC_TIF_GTC, "0.40", "2"),
        order("b-lost", PMC_BUY, PMC_TIF_GTC, "0.41", "10"),
    };
    struct pmc_tick tk;
    assert_int_equal(pmc_tick_parse("0.01", 4, &tk), PMC_OK);
    assert_int_equal(pmc_clob_token_info(x, &o[0].u.order.token, tk, 0, -1),
                     PMC_OK);
    pmc_clob_hold(x);
    for (int i = 0; i < 4; i++)
        submit(x, &o[i]);
    assert_int_equal(s.journals, 4); /* signed and journaled at submit */
    assert_int_equal(fake_posts("total"), 0);
    pmc_clob_release(x, now_ms());
    run_for(x, 1500);
    assert_int_equal(fake_posts("batches"), 1);
    const struct pmc_record *r;
    assert_non_null(r = rec_of(&s, "b-fak", PMC_EXEC_FILL));
    expect(r, PMC_EXEC_FILL, "11", "0.5");
    assert_non_null(rec_of(&s, "b-gtc", PMC_EXEC_ACK));
    assert_non_null(r = rec_of(&s, "b-small", PMC_EXEC_REJECT));
    /* the element's message (cut: the hash comes first) */
    assert_non_null(strstr(r->u.exec.reason, "venue 200: order 0x"));
    assert_non_null(rec_of(&s, "b-lost", PMC_EXEC_ACK));
    for (int i = 0; i < 4; i++)
        assert_int_equal(posts_for(s.hash[i]), i == 2 ? 0 : 1);
    struct pmc_clob_stats st;
    pmc_clob_stats(x, &st);
    assert_int_equal(st.batches, 1);
    assert_int_equal(st.reconciles, 1);
    assert_int_equal(st.posts, 5); /* four in the batch, b-lost again */
    assert_int_equal(pmc_clob_open_orders(x), 2);
    pmc_clob_free(x);
}

/* The batch's answer is lost (processed, connection dropped): every order
 * of it is ambiguous and looked up by hash, none is posted twice. */
static void test_batch_lost_answer(void **state)
{
    (void)state;
    book("[[\"0.50\",\"100\"]]", "[]");
    ctlf("/_control/fault", "{\"kind\":\"drop\",\"path\":\"/orders\"}");
    struct sink s = {0};
    struct pmc_clob_cfg cfg;
    char url[64];
    base_cfg(&cfg, url, sizeof url);
    struct pmc_clob *x = make(&cfg, &s, SECRET, 0);
    struct pmc_record o[3] = {
        order("l-fak", PMC_BUY, PMC_TIF_FAK, "0.55", "10"),
        order("l-gtc1", PMC_BUY, PMC_TIF_GTC, "0.40", "10"),
        order("l-gtc2", PMC_BUY, PMC_TIF_GTC, "0.41", "10"),
    };
    pmc_clob_hold(x);
    for (int i = 0; i < 3; i++)
        submit(x, &o[i]);
    pmc_clob_release(x, now_ms());
    run_for(x, 1500);
    assert_int_equal(fake_posts("batches"), 1);
    assert_non_null(rec_of(&s, "l-fak", PMC_EXEC_FILL));
    assert_non_null(rec_of(&s, "l-gtc1", PMC_EXEC_ACK));
    assert_non_null(rec_of(&s, "l-gtc2", PMC_EXEC_ACK));
    for (int i = 0; i < 3; i++)
        assert_int_equal(posts_for(s.hash[i]), 1);
    struct pmc_clob_stats st;
    pmc_clob_stats(x, &st);
    assert_int_equal(st.reconciles, 3);
    assert_int_equal(st.posts, 3);
    assert_int_equal(fake_posts("total"), 3);
    pmc_clob_free(x);
}

/* 17 orders of one pass: a POST /orders of 15 and one of 2; with
 * batch_max 0 the same orders go one POST /order each. */
static void test_batch_over_15(void **state)
{
    (void)state;
    for (int pass = 0; pass < 2; pass++) {
        ctlf("/_control/reset", "{}");
        book("[[\"0.50\",\"1000\"]]", "[]");
        struct sink s = {0};
        struct pmc_clob_cfg cfg;
        char url[64];
        base_cfg(&cfg, url, sizeof url);
        cfg.batch_max = pass ? 0 : 15;
        struct pmc_clob *x = make(&cfg, &s, SECRET, 0);
        pmc_clob_hold(x);
        for (int i = 0; i < 17; i++) {
            char c[16];
            snprintf(c, sizeof c, "m-%d", i);
            struct pmc_record o = order(c, PMC_BUY, PMC_TIF_GTC, "0.40", "5");
            submit(x, &o);
        }
        pmc_clob_release(x, now_ms());
        run_for(x, 800);
        int acks = 0;
        for (int i = 0; i < s.n; i++)
            acks += s.rec[i].u.exec.status == PMC_EXEC_ACK;
        assert_int_equal(acks, 17);
        assert_int_equal(fake_posts("total"), 17);
        assert_int_equal(fake_posts("batches"), pass ? 0 : 2);
        pmc_clob_free(x);
    }
}

/* A wrong API secret: the fake recomputes the HMAC and answers 401; the
 * order is rejected with the venue's message. */
static void test_l2_verified(void **state)
{
    (void)state;
    book("[[\"0.50\",\"100\"]]", "[]");
    struct sink s = {0};
    struct pmc_clob_cfg cfg;
    char url[64];
    base_cfg(&cfg, url, sizeof url);
    struct pmc_clob *x =
        make(&cfg, &s, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", 0);
    struct pmc_record o = order("c-401", PMC_BUY, PMC_TIF_FAK, "0.55", "10");
    submit(x, &o);
    run(x, &s, 1, 3000);
    assert_int_equal(s.n, 1);
    expect(&s.rec[0], PMC_EXEC_REJECT, NULL, NULL);
    assert_non_null(strstr(s.rec[0].u.exec.reason, "401"));
    assert_non_null(strstr(s.rec[0].u.exec.reason, "Unauthorized"));
    assert_int_equal(posts_for(s.hash[0]), 0);
    pmc_clob_free(x);
}

/* ---- faults
 * ----------------------------------------------------------------------------
 */

/* 429 with Poly-RateLimit-Reset = now + 1 s: the executor waits; no POST
 * reaches the fake before the reset (not the retry, not another order),
 * then both orders fill. */
static void test_429_waits_for_reset(void **state)
{
    (void)state;
    for (int batch = 0; batch < 2; batch++) {
        ctlf("/_control/reset", "{}");
        book("[[\"0.50\",\"100\"]]", "[]");
        ctlf("/_control/fault", "{\"kind\":\"429\",\"reset_in_s\":1}");
        struct sink s = {0};
        struct pmc_clob_cfg cfg;
        char url[64];
        base_cfg(&cfg, url, sizeof url);
        cfg.batch_max = batch ? 15 : 0;
        struct pmc_clob *x = make(&cfg, &s, SECRET, 0);
        struct pmc_record a =
            order("c-429a", PMC_BUY, PMC_TIF_FAK, "0.55", "2");
        struct pmc_record b =
            order("c-429b", PMC_BUY, PMC_TIF_FAK, "0.55", "2");
        submit(x, &a);
        run_for(x, 50);
        submit(x, &b);
        run(x, &s, 2, 4000);
        assert_int_equal(s.n, 2);
        expect(&s.rec[0], PMC_EXEC_FILL, NULL, NULL);
        expect(&s.rec[1], PMC_EXEC_FILL, NULL, NULL);
        int64_t t[8];
        int n = request_times("POST", "/order", t, 8); /* /orders too */
        /* the 429, then a and b; batching: due together, in one POST /orders */
        assert_int_equal(n, batch ? 2 : 3);
        assert_int_equal(fake_posts("batches"), batch);
        int64_t reset_ms = (t[0] / 1000 + 1) * 1000;
        for (int i = 1; i < n; i++)
            assert_true(t[i] >= reset_ms);
        struct pmc_clob_stats st;
        pmc_clob_stats(x, &st);
        assert_int_equal(st.rate_429, 1);
        assert_true(st.rate_waits >= 1);
        pmc_clob_free(x);
    }
}

/* 503 x4 with max_retries 2 and a breaker threshold of 4: order A is sent
 * 3 times (the same body) and rejected; order B's 503 opens the breaker, so
 * its retry fails fast naming the breaker; order C is rejected at once
 * without a request; after the cool-down a probe (order D) goes through,
 * fills, and closes the breaker. */
static void test_5xx_breaker(void **state)
{
    (void)state;
    book("[[\"0.50\",\"100\"]]", "[]");
    ctlf("/_control/fault", "{\"kind\":\"status\",\"status\":503,\"count\":4}");
    struct sink s = {0};
    struct pmc_clob_cfg cfg;
    char url[64];
    base_cfg(&cfg, url, sizeof url);
    cfg.breaker_threshold = 4;
    struct pmc_clob *x = make(&cfg, &s, SECRET, 0);
    struct pmc_record a = order("c-5a", PMC_BUY, PMC_TIF_FAK, "0.55", "2");
    submit(x, &a);
    run(x, &s, 1, 3000);
    assert_int_equal(s.n, 1);
    expect(&s.rec[0], PMC_EXEC_REJECT, NULL, NULL);
    assert_non_null(strstr(s.rec[0].u.exec.reason, "503"));
    struct pmc_record b = order("c-5b", PMC_BUY, PMC_TIF_FAK, "0.55", "2");
    submit(x, &b);
    run(x, &s, 2, 3000);
    assert_int_equal(s.n, 2);
    expect(&s.rec[1], PMC_EXEC_REJECT, NULL, NULL);
    assert_non_null(strstr(s.rec[1].u.exec.reason, "breaker_open"));
    struct pmc_clob_stats st;
    pmc_clob_stats(x, &st);
    assert_int_equal(st.breaker, PMC_BREAKER_OPEN);
    assert_int_equal(st.posts, 4);
    assert_int_equal(st.retries, 2);
    struct pmc_record c = order("c-5c", PMC_BUY, PMC_TIF_FAK, "0.55", "2");
    submit(x, &c); /* fails fast, during submit */
    assert_int_equal(s.n, 3);
    expect(&s.rec[2], PMC_EXEC_REJECT, NULL, NULL);
    assert_non_null(strstr(s.rec[2].u.exec.reason, "breaker_open"));
    run_for(x, 450); /* the cool-down */
    struct pmc_record d = order("c-5d", PMC_BUY, PMC_TIF_FAK, "0.55", "2");
    submit(x, &d);
    run(x, &s, 4, 3000);
    assert_int_equal(s.n, 4);
    expect(&s.rec[3], PMC_EXEC_FILL, NULL, NULL);
    pmc_clob_stats(x, &st);
    assert_int_equal(st.breaker, PMC_BREAKER_CLOSED);
    assert_int_equal(st.breaker_opens, 1);
    assert_int_equal(st.posts, 5);
    int64_t t[16];
    assert_int_equal(request_times("POST", "/order", t, 16), 5);
    pmc_clob_free(x);
}

/* The order is booked but the answer comes after the client's timeout
 * (slow), or never (the connection is dropped after booking, on a warm
 * kept-alive connection): the executor looks the order up by hash,
 * reports the fill, and the fake saw exactly one POST of that hash. */
static void test_lost_answer_reconciled(void **state)
{
    (void)state;
    book("[[\"0.50\",\"100\"]]", "[]");
    struct sink s = {0};
    struct pmc_clob_cfg cfg;
    char url[64];
    base_cfg(&cfg, url, sizeof url);
    cfg.post_timeout_ms = 300;
    struct pmc_clob *x = make(&cfg, &s, SECRET, 0);
    ctlf("/_control/fault", "{\"kind\":\"slow\",\"ms\":1500}");
    struct pmc_record a = order("c-slow", PMC_BUY, PMC_TIF_FAK, "0.55", "10");
    submit(x, &a);
    run(x, &s, 1, 4000);
    assert_int_equal(s.n, 1);
    /* learned by look-up: the order's own price (its worst case) */
    expect(&s.rec[0], PMC_EXEC_FILL, "11", "0.55");
    assert_int_equal(posts_for(s.hash[0]), 1);
    /* now drop the answer on the (warm) connection */
    ctlf("/_control/fault", "{\"kind\":\"drop\"}");
    struct pmc_record b = order("c-drop", PMC_BUY, PMC_TIF_FAK, "0.55", "4");
    submit(x, &b);
    run(x, &s, 2, 4000);
    assert_int_equal(s.n, 2);
    expect(&s.rec[1], PMC_EXEC_FILL, "4.4", "0.55");
    assert_int_equal(posts_for(s.hash[1]), 1);
    struct pmc_clob_stats st;
    pmc_clob_stats(x, &st);
    assert_int_equal(st.posts, 2);
    assert_int_equal(st.reconciles, 2);
    pmc_clob_free(x);
}

/* The POST's answer is lost and the look-ups by hash answer 200 with a
 * body that is no order (a proxy's page): that is not "not found", so the
 * order is never sent again; once the look-up reads, the fill is there. */
static void test_unreadable_lookup_not_resent(void **state)
{
    (void)state;
    book("[[\"0.50\",\"100\"]]", "[]");
    struct sink s = {0};
    struct pmc_clob_cfg cfg;
    char url[64];
    base_cfg(&cfg, url, sizeof url);
    cfg.post_timeout_ms = 300;
    cfg.reconcile_delay_ms = 50;
    struct pmc_clob *x = make(&cfg, &s, SECRET, 0);
    ctlf("/_control/fault", "{\"kind\":\"slow\",\"ms\":1000}");
    ctlf("/_control/fault",
         "{\"kind\":\"status\",\"status\":200,\"count\":5,\"method\":"
         "\"GET\",\"path\":\"/data/order/\",\"body\":\"<html>ok</html>\"}");
    struct pmc_record a = order("c-unr", PMC_BUY, PMC_TIF_FAK, "0.55", "2");
    submit(x, &a);
    run(x, &s, 1, 5000);
    assert_int_equal(s.n, 1);
    expect(&s.rec[0], PMC_EXEC_FILL, "2.2", "0.55");
    assert_int_equal(posts_for(s.hash[0]), 1);
    struct pmc_clob_stats st;
    pmc_clob_stats(x, &st);
    assert_int_equal(st.posts, 1);
    int64_t t[8];
    assert_int_equal(request_times("GET", "/data/order/", t, 8), 6);
    pmc_clob_free(x);
}

/* The connection is dropped before the fake processes the POST: the
 * look-ups find nothing (3 tries), so the same signed body is sent once
 * more and fills; the fake booked that hash once. */
static void test_never_accepted_resent(void **state)
{
    (void)state;
    book("[[\"0.50\",\"100\"]]", "[]");
    struct sink s = {0};
    struct pmc_clob_cfg cfg;
    char url[64];
    base_cfg(&cfg, url, sizeof url);
    struct pmc_clob *x = make(&cfg, &s, SECRET, 0);
    ctlf("/_control/fault", "{\"kind\":\"drop_before\"}");
    struct pmc_record a = order("c-nev", PMC_BUY, PMC_TIF_FAK, "0.55", "2");
    submit(x, &a);
    run(x, &s, 1, 4000);
    assert_int_equal(s.n, 1);
    expect(&s.rec[0], PMC_EXEC_FILL, "2.2", "0.5");
    assert_int_equal(s.journals, 1);
    assert_int_equal(posts_for(s.hash[0]), 1);
    struct pmc_clob_stats st;
    pmc_clob_stats(x, &st);
    assert_int_equal(st.posts, 2);
    int64_t t[8];
    assert_int_equal(request_times("GET", "/data/order/", t, 8), 3);
    pmc_clob_free(x);
}

/* The answer to a POST framed every way HTTP/1.1 allows: chunked (5-byte
 * chunks, a chunk extension, a trailer) and ended by the close (no
 * length): read as usual, the fill comes from the answer, no look-up.
 * Broken answers: the body cut short by a close, and a malformed status
 * line: the order's fate is unknown, so it is looked up by hash (the fake
 * booked it) and reported filled, never sent again. */
static void test_answer_framings(void **state)
{
    (void)state;
    book("[[\"0.50\",\"100\"]]", "[]");
    struct sink s = {0};
    struct pmc_clob_cfg cfg;
    char url[64];
    base_cfg(&cfg, url, sizeof url);
    struct pmc_clob *x = make(&cfg, &s, SECRET, 0);
    static const struct {
        const char *kind;
        int looked_up;
    } K[] = {{"chunked", 0},
             {"close_end", 0},
             {"truncated", 1},
             {"garbage", 1},
             {"chunked", 0}};
    uint64_t recon = 0;
    for (int i = 0; i < (int)(sizeof K / sizeof K[0]); i++) {
        char body[96], coid[32];
        snprintf(body, sizeof body, "{\"kind\":\"%s\"}", K[i].kind);
        ctlf("/_control/fault", "%s", body);
        snprintf(coid, sizeof coid, "c-frame-%d", i);
        struct pmc_record a = order(coid, PMC_BUY, PMC_TIF_FAK, "0.55", "2");
        submit(x, &a);
        run(x, &s, i + 1, 4000);
        assert_int_equal(s.n, i + 1);
        /* from the answer: the match price; from a look-up: the limit */
        expect(&s.rec[i], PMC_EXEC_FILL, "2.2",
               K[i].looked_up ? "0.55" : "0.5");
        assert_int_equal(posts_for(s.hash[i]), 1);
        struct pmc_clob_stats st;
        pmc_clob_stats(x, &st);
        recon += (uint64_t)K[i].looked_up;
        assert_int_equal(st.reconciles, recon);
        /* the lanes come back after a closed connection */
        if (g_lanes) {
            pmc_ms end = now_ms() + 2000;
            while (st.lanes_idle < g_lanes && now_ms() < end) {
                run_for(x, 5);
                pmc_clob_stats(x, &st);
            }
            assert_int_equal(st.lanes_idle, g_lanes);
        }
    }
    struct pmc_clob_stats st;
    pmc_clob_stats(x, &st);
    assert_int_equal(st.posts, 5);
    if (g_lanes) {
        assert_int_equal(st.lane_posts, 5);
        /* close_end, truncated and garbage each cost a connection */
        assert_int_equal(st.lane_connects, g_lanes + 3);
    }
    pmc_clob_free(x);
}

/* The server closes every idle kept-alive connection (its keep-alive
 * timeout) right before an order: the executor notices before writing, so
 * the order goes out once on a fresh connection, is answered and filled,
 * with no look-up; the lanes reconnect. */
static void test_idle_connections_closed(void **state)
{
    (void)state;
    book("[[\"0.50\",\"100\"]]", "[]");
    struct sink s = {0};
    struct pmc_clob_cfg cfg;
    char url[64];
    base_cfg(&cfg, url, sizeof url);
    struct pmc_clob *x = make(&cfg, &s, SECRET, 0);
    struct pmc_record a = order("c-idle-1", PMC_BUY, PMC_TIF_FAK, "0.55", "2");
    submit(x, &a);
    run(x, &s, 1, 3000);
    assert_int_equal(s.n, 1);
    for (int round = 0; round < 2; round++) {
        ctlf("/_control/close_idle", "{}");
        usleep(20000); /* the FINs arrive; no executor pass in between */
        char coid[32];
        snprintf(coid, sizeof coid, "c-idle-%d", round + 2);
        struct pmc_record b = order(coid, PMC_BUY, PMC_TIF_FAK, "0.55", "2");
        submit(x, &b);
        run(x, &s, round + 2, 3000);
        assert_int_equal(s.n, round + 2);
        expect(&s.rec[round + 1], PMC_EXEC_FILL, "2.2", "0.5");
        assert_int_equal(posts_for(s.hash[round + 1]), 1);
        run_for(x, 300); /* a lane reopens after 100 ms */
    }
    struct pmc_clob_stats st;
    pmc_clob_stats(x, &st);
    assert_int_equal(st.posts, 3);
    assert_int_equal(st.reconciles, 0);
    if (g_lanes) {
        assert_int_equal(st.lanes_idle, g_lanes);
        assert_int_equal(st.lane_connects, 3 * g_lanes);
    }
    pmc_clob_free(x);
}

/* 403 geoblock: the order is rejected "geoblocked", a kill record with
 * reason geoblocked is emitted, the stop flag is set with a clear message,
 * and later orders are rejected without any request. */
static void test_geoblock(void **state)
{
    (void)state;
    book("[[\"0.50\",\"100\"]]", "[]");
    ctlf("/_control/fault", "{\"kind\":\"geoblock\"}");
    struct sink s = {0};
    struct pmc_clob_cfg cfg;
    char url[64];
    base_cfg(&cfg, url, sizeof url);
    struct pmc_clob *x = make(&cfg, &s, SECRET, 0);
    struct pmc_record a = order("c-geo", PMC_BUY, PMC_TIF_FAK, "0.55", "2");
    submit(x, &a);
    run(x, &s, 2, 3000);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.rec[0].kind, PMC_K_KILL);
    assert_string_equal(s.rec[0].u.kill.reason, "geoblocked");
    assert_int_equal(s.rec[0].u.kill.by_core, 0);
    expect(&s.rec[1], PMC_EXEC_REJECT, NULL, NULL);
    assert_string_equal(s.rec[1].u.exec.reason, "geoblocked");
    const char *why = pmc_clob_stopped(x);
    assert_non_null(why);
    assert_non_null(strstr(why, "region"));
    assert_non_null(strstr(s.log, "trading stopped"));
    struct pmc_record b = order("c-geo2", PMC_BUY, PMC_TIF_FAK, "0.55", "2");
    submit(x, &b);
    assert_int_equal(s.n, 3);
    expect(&s.rec[2], PMC_EXEC_REJECT, NULL, NULL);
    int64_t t[8];
    assert_int_equal(request_times("POST", "/order", t, 8), 1);
    pmc_clob_free(x);
}

/* The market's tick moves from 0.01 to 0.1 after the executor cached it:
 * the venue rejects the order with its tick-size text, the executor
 * re-reads GET /tick-size, re-signs at 0.5 (floored to the new grid),
 * journals the new body and sends it once more. A tick_size_change told in
 * advance avoids the rejection altogether. */
static void test_tick_change(void **state)
{
    (void)state;
    book("[[\"0.50\",\"100\"]]", "[]");
    struct sink s = {0};
    struct pmc_clob_cfg cfg;
    char url[64];
    base_cfg(&cfg, url, sizeof url);
    struct pmc_clob *x = make(&cfg, &s, SECRET, 0);
    struct pmc_record a = order("c-t1", PMC_BUY, PMC_TIF_FAK, "0.55", "2");
    submit(x, &a);
    run(x, &s, 1, 3000);
    expect(&s.rec[0], PMC_EXEC_FILL, NULL, NULL);
    ctlf("/_control/book", "{\"token\":\"" TOKEN "\",\"tick\":\"0.1\"}");
    struct pmc_record b = order("c-t2", PMC_BUY, PMC_TIF_FAK, "0.55", "2");
    submit(x, &b);
    run(x, &s, 2, 3000);
    assert_int_equal(s.n, 2);
    expect(&s.rec[1], PMC_EXEC_FILL, NULL, "0.5");
    assert_int_equal(s.journals, 3);
    assert_string_not_equal(s.hash[1], s.hash[2]);
    assert_int_equal(posts_for(s.hash[1]), 0); /* refused, not booked */
    assert_int_equal(posts_for(s.hash[2]), 1);
    int64_t t[8];
    assert_int_equal(request_times("GET", "/tick-size", t, 8), 2);
    assert_int_equal(request_times("POST", "/order", t, 8), 3);
    /* told in advance: no rejection */
    ctlf("/_control/book", "{\"token\":\"" TOKEN "\",\"tick\":\"0.01\"}");
    struct pmc_sym tok;
    assert_int_equal(pmc_sym_set(&tok, TOKEN, strlen(TOKEN)), PMC_OK);
    assert_int_equal(pmc_clob_tick_changed(x, &tok, "0.01", 4), PMC_OK);
    struct pmc_record c = order("c-t3", PMC_BUY, PMC_TIF_FAK, "0.55", "2");
    submit(x, &c);
    run(x, &s, 3, 3000);
    expect(&s.rec[2], PMC_EXEC_FILL, NULL, "0.5");
    assert_int_equal(request_times("POST", "/order", t, 8), 4);
    assert_int_equal(request_times("GET", "/tick-size", t, 8), 2);
    pmc_clob_free(x);
}

/* Salt and timestamp come from the coid and the emission time: a second
 * process builds the identical order hash. A restarted executor asked to
 * reconcile a resting order acks it; a hash the venue never saw is
 * rejected "not_at_venue" and never sent. A failing journal stops the
 * send. */
static void test_restart_and_determinism(void **state)
{
    (void)state;
    book("[]", "[]");
    struct sink s1 = {0}, s2 = {0};
    struct pmc_clob_cfg cfg;
    char url[64];
    base_cfg(&cfg, url, sizeof url);
    struct pmc_clob *x = make(&cfg, &s1, SECRET, 0);
    struct pmc_record a = order("c-rs", PMC_BUY, PMC_TIF_GTC, "0.40", "10");
    pmc_ms t0 = now_ms();
    assert_int_equal(pmc_clob_submit(x, &a, t0), PMC_OK);
    run_for(x, 300);
    expect(&s1.rec[0], PMC_EXEC_ACK, NULL, NULL);
    pmc_clob_free(x); /* "crash" */

    struct pmc_clob *y = make(&cfg, &s2, SECRET, 0);
    s2.fail_journal = 1;
    assert_int_equal(pmc_clob_submit(y, &a, t0), PMC_OK); /* same emission */
    run_for(y, 100);
    assert_int_equal(s2.journals, 1);
    assert_string_equal(s2.hash[0], s1.hash[0]);
    expect(&s2.rec[0], PMC_EXEC_REJECT, NULL, NULL);
    assert_non_null(strstr(s2.rec[0].u.exec.reason, "journal_failed"));
    assert_int_equal(posts_for(s1.hash[0]), 1); /* not sent again */

    struct pmc_sym coid;
    assert_int_equal(pmc_sym_set(&coid, "c-rs", 4), PMC_OK);
    assert_int_equal(pmc_clob_reconcile(y, &coid, s1.hash[0], 0, now_ms()),
                     PMC_OK);
    run_for(y, 300);
    assert_int_equal(s2.n, 2);
    expect(&s2.rec[1], PMC_EXEC_ACK, NULL, NULL);
    struct pmc_sym ghost;
    assert_int_equal(pmc_sym_set(&ghost, "c-ghost", 7), PMC_OK);
    char h[67] = "0x";
    memset(h + 2, 'a', 64);
    h[66] = 0;
    assert_int_equal(pmc_clob_reconcile(y, &ghost, h, 0, now_ms()), PMC_OK);
    run_for(y, 300);
    assert_int_equal(s2.n, 3);
    expect(&s2.rec[2], PMC_EXEC_REJECT, NULL, NULL);
    assert_string_equal(s2.rec[2].u.exec.reason, "not_at_venue");
    assert_int_equal(posts_for(s1.hash[0]), 1);
    assert_int_equal(pmc_clob_salt(&a.u.order.coid, t0) < (1ULL << 53), 1);
    pmc_clob_free(y);
}

/* Secrets never reach a log line or an error: run failures that log
 * (401, 503, geoblock, a lost answer) with the default logger writing to
 * stderr, captured into a file, and search it and every record. */
static void test_secrets_not_logged(void **state)
{
    (void)state;
    book("[[\"0.50\",\"100\"]]", "[]");
    char path[] = "/tmp/pmc_exec_stderr_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    fflush(stderr);
    int saved = dup(2);
    dup2(fd, 2);
    struct sink s = {0};
    struct pmc_clob_cfg cfg;
    char url[64];
    base_cfg(&cfg, url, sizeof url);
    cfg.post_timeout_ms = 300;
    struct pmc_clob *bad =
        make(&cfg, &s, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", 1);
    struct pmc_record a = order("c-s1", PMC_BUY, PMC_TIF_FAK, "0.55", "2");
    submit(bad, &a);
    run(bad, &s, 1, 3000);
    pmc_clob_free(bad);
    struct pmc_clob *x = make(&cfg, &s, SECRET, 1);
    ctlf("/_control/fault", "{\"kind\":\"status\",\"status\":503}");
    struct pmc_record b = order("c-s2", PMC_BUY, PMC_TIF_FAK, "0.55", "2");
    submit(x, &b);
    run(x, &s, 2, 3000);
    ctlf("/_control/fault", "{\"kind\":\"slow\",\"ms\":800}");
    struct pmc_record c = order("c-s3", PMC_BUY, PMC_TIF_FAK, "0.55", "2");
    submit(x, &c);
    run(x, &s, 3, 3000);
    ctlf("/_control/fault", "{\"kind\":\"geoblock\"}");
    struct pmc_record d = order("c-s4", PMC_BUY, PMC_TIF_FAK, "0.55", "2");
    submit(x, &d);
    run(x, &s, 5, 3000);
    char mbuf[8192];
    metrics_of(x, mbuf, sizeof mbuf);
    pmc_clob_free(x);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    char log[65536];
    lseek(fd, 0, SEEK_SET);
    ssize_t n = read(fd, log, sizeof log - 1);
    close(fd);
    unlink(path);
    assert_true(n > 0);
    log[n] = '\0';
    assert_non_null(strstr(log, "pmcopy exec:"));
    assert_non_null(strstr(log, "trading stopped"));
    const char *secrets[] = {PK_BARE, SECRET,
                             "c2VjcmV0LWtleS1mb3ItdGVzdGluZy1vbmx5", API_KEY,
                             PASSPHRASE};
    for (size_t i = 0; i < sizeof secrets / sizeof *secrets; i++) {
        assert_null(strstr(log, secrets[i]));
        assert_null(strstr(mbuf, secrets[i]));
        for (int k = 0; k < s.n; k++)
            if (s.rec[k].kind == PMC_K_EXEC)
                assert_null(strstr(s.rec[k].u.exec.reason, secrets[i]));
    }
    assert_non_null(strstr(mbuf, "pmcopy_exec_posts_total"));
}

/* ---- pure parts
 * -------------------------------------------------------------------------- */

/* ---- the user channel (frames fed as userws.c would) ------------------
 */

static void feed(struct pmc_clob *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void feed(struct pmc_clob *x, const char *fmt, ...)
{
    char f[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f, sizeof f, fmt, ap);
    va_end(ap);
    struct pmc_wire_err err;
    memset(&err, 0, sizeof err);
    if (pmc_clob_user_feed(x, f, strlen(f), now_ms(), &err) != PMC_OK)
        fail_msg("frame refused: %s", err.msg);
}

#define TRADE_EV(id, sz, px, st)                                               \
    "{\"event_type\":\"trade\",\"id\":\"" id "\",\"taker_order_id\":\"%s\","   \
    "\"size\":\"" sz "\",\"price\":\"" px "\",\"status\":\"" st "\","          \
    "\"maker_orders\":[{\"order_id\":\"0xother\",\"matched_amount\":\"" sz     \
    "\",\"price\":\"" px "\"}]}"

/* FAK filled 11 @ 0.50 by the POST answer; its trade then comes on the
 * user channel MATCHED -> MINED (nothing new for the core: counted in that
 * fill) -> FAILED: one FAILED report, the exact inverse of the fill; a
 * repeated FAILED and a later CONFIRMED change nothing. Another party's
 * leg of the same trade is not ours. */
static void test_user_trade_failed(void **state)
{
    (void)state;
    book("[[\"0.50\",\"100\"]]", "[]");
    struct sink s = {0};
    struct pmc_clob_cfg cfg;
    char url[64];
    base_cfg(&cfg, url, sizeof url);
    struct pmc_clob *x = make(&cfg, &s, SECRET, 0);
    struct pmc_record o = order("c-ufail", PMC_BUY, PMC_TIF_FAK, "0.55", "10");
    submit(x, &o);
    run(x, &s, 1, 3000);
    assert_int_equal(s.n, 1);
    expect(&s.rec[0], PMC_EXEC_FILL, "11", "0.5");
    feed(x, TRADE_EV("t-1", "11", "0.50", "TRADE_STATUS_MATCHED"), s.hash[0]);
    feed(x, TRADE_EV("t-1", "11", "0.50", "MINED"), s.hash[0]);
    assert_int_equal(s.n, 1);
    feed(x, TRADE_EV("t-1", "11", "0.50", "FAILED"), s.hash[0]);
    assert_int_equal(s.n, 2);
    expect(&s.rec[1], PMC_EXEC_FAILED, "11", "0.5");
    assert_string_equal(s.rec[1].u.exec.coid.s, "c-ufail");
    feed(x, TRADE_EV("t-1", "11", "0.50", "FAILED"), s.hash[0]);
    feed(x, TRADE_EV("t-1", "11", "0.50", "CONFIRMED"), s.hash[0]);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.ntr, 3);
    assert_int_equal(s.tr[0], PMC_TRADE_MATCHED);
    assert_int_equal(s.tr[1], PMC_TRADE_MINED);
    assert_int_equal(s.tr[2], PMC_TRADE_FAILED);
    char mbuf[16384];
    metrics_of(x, mbuf, sizeof mbuf);
    assert_non_null(
        strstr(mbuf, "pmcopy_exec_trades_total{status=\"failed\"} 1\n"));
    assert_non_null(strstr(mbuf, "pmcopy_exec_failed_reports_total 1\n"));
    /* a frame that does not decode is refused, counted, nothing applied */
    struct pmc_wire_err err;
    assert_int_equal(
        pmc_clob_user_feed(x, "{\"event_type\":\"trade\"}", 23, now_ms(), &err),
        PMC_EPARSE);
    assert_int_equal(s.n, 2);
    pmc_clob_free(x);
}

/* A resting GTC: a trade on the channel is a fill at once; the look-up by
 * hash that sees the same shares adds nothing (one ledger); an order event
 * with more size_matched is a fill, and the trade that comes after it is
 * counted in that fill; when it fails, FAILED carries that fill's shares
 * and price, and the final cancel gives the core those shares back. */
static void test_user_no_double_count(void **state)
{
    (void)state;
    book("[[\"0.50\",\"100\"]]", "[]");
    struct sink s = {0};
    struct pmc_clob_cfg cfg;
    char url[64];
    base_cfg(&cfg, url, sizeof url);
    struct pmc_clob *x = make(&cfg, &s, SECRET, 0);
    struct pmc_record o = order("c-udbl", PMC_BUY, PMC_TIF_GTC, "0.40", "10");
    submit(x, &o);
    run_for(x, 300);
    assert_int_equal(s.n, 1);
    expect(&s.rec[0], PMC_EXEC_ACK, NULL, NULL);
    feed(x,
         "[{\"event_type\":\"trade\",\"id\":\"t-a\",\"taker_order_id\":"
         "\"0xtaker\",\"size\":\"4\",\"price\":\"0.40\",\"status\":"
         "\"MATCHED\",\"maker_orders\":[{\"order_id\":\"%s\","
         "\"matched_amount\":\"4\",\"price\":\"0.40\"}]}]",
         s.hash[0]);
    assert_int_equal(s.n, 2);
    expect(&s.rec[1], PMC_EXEC_FILL, "4", "0.4");
    ctlf("/_control/fill", "{\"hash\":\"%s\",\"size\":\"4\"}", s.hash[0]);
    run_for(x, 400); /* polled: size_matched 4, already reported */
    assert_int_equal(s.n, 2);
    feed(x,
         "{\"event_type\":\"order\",\"id\":\"%s\",\"status\":\"LIVE\","
         "\"size_matched\":\"6\",\"price\":\"0.40\",\"type\":\"UPDATE\"}",
         s.hash[0]);
    assert_int_equal(s.n, 3);
    expect(&s.rec[2], PMC_EXEC_FILL, "2", "0.4");
    feed(x, TRADE_EV("t-b", "2", "0.39", "MATCHED"), s.hash[0]);
    assert_int_equal(s.n, 3);
    feed(x, TRADE_EV("t-b", "2", "0.39", "RETRYING"), s.hash[0]);
    feed(x, TRADE_EV("t-b", "2", "0.39", "FAILED"), s.hash[0]);
    assert_int_equal(s.n, 4);
    /* the trade's own shares and price (the fill it was counted in was
     * 2 at 0.4: the core takes back all that is left of it) */
    expect(&s.rec[3], PMC_EXEC_FAILED, "2", "0.39");
    /* the cancel of the rest covers the failed shares too: 10 - 6 + 2 */
    assert_int_equal(pmc_clob_cancel(x, &o.u.order.coid, now_ms()), PMC_OK);
    run(x, &s, 5, 3000);
    assert_int_equal(s.n, 5);
    expect(&s.rec[4], PMC_EXEC_CANCEL, "6", NULL);
    pmc_clob_free(x);
}

/* The trade comes on the channel while the POST's answer is still out:
 * nothing is reported for it then (the answer will say), the answer's fill
 * counts it, and when it fails the FAILED names that fill. */
static void test_user_trade_before_answer(void **state)
{
    (void)state;
    book("[[\"0.50\",\"100\"]]", "[]");
    ctlf("/_control/fault", "{\"kind\":\"slow\",\"ms\":400}");
    struct sink s = {0};
    struct pmc_clob_cfg cfg;
    char url[64];
    base_cfg(&cfg, url, sizeof url);
    struct pmc_clob *x = make(&cfg, &s, SECRET, 0);
    struct pmc_record o = order("c-uearly", PMC_BUY, PMC_TIF_FAK, "0.55", "10");
    submit(x, &o);
    run_for(x, 150); /* posted, the answer held */
    assert_int_equal(s.n, 0);
    assert_int_equal(s.journals, 1);
    feed(x, TRADE_EV("t-e", "11", "0.50", "MATCHED"), s.hash[0]);
    assert_int_equal(s.n, 0);
    assert_int_equal(s.ntr, 1);
    run(x, &s, 1, 3000);
    assert_int_equal(s.n, 1);
    expect(&s.rec[0], PMC_EXEC_FILL, "11", "0.5");
    feed(x, TRADE_EV("t-e", "11", "0.50", "FAILED"), s.hash[0]);
    assert_int_equal(s.n, 2);
    expect(&s.rec[1], PMC_EXEC_FAILED, "11", "0.5");
    pmc_clob_free(x);
}

/* Polling while the channel is down, far less while it is up; coming up
 * looks every resting order up at once (reconcile): a fill made at the
 * venue while the channel was down is found then. */
static void test_user_link_polling(void **state)
{
    (void)state;
    book("[[\"0.50\",\"100\"]]", "[]");
    struct sink s = {0};
    struct pmc_clob_cfg cfg;
    char url[64];
    base_cfg(&cfg, url, sizeof url);
    cfg.poll_open_ms = 100;
    struct pmc_clob *x = make(&cfg, &s, SECRET, 0);
    struct pmc_record o = order("c-ulnk", PMC_BUY, PMC_TIF_GTC, "0.40", "10");
    submit(x, &o);
    run_for(x, 200);
    assert_int_equal(s.n, 1);
    int64_t t[256];
    pmc_clob_user_link(x, 1, now_ms());
    run_for(x, 150); /* the reconcile look-up */
    int before = request_times("GET", "/data/order/", t, 256);
    run_for(x, 600);
    int up = request_times("GET", "/data/order/", t, 256) - before;
    assert_true(up <= 1);
    pmc_clob_user_link(x, 0, now_ms());
    before = request_times("GET", "/data/order/", t, 256);
    run_for(x, 600);
    int down = request_times("GET", "/data/order/", t, 256) - before;
    assert_true(down >= 4);
    /* filled at the venue while nobody listens: reconcile finds it */
    pmc_clob_user_link(x, 1, now_ms());
    run_for(x, 50);
    ctlf("/_control/fill", "{\"hash\":\"%s\",\"size\":\"3\"}", s.hash[0]);
    pmc_clob_user_link(x, 0, now_ms());
    pmc_clob_user_link(x, 1, now_ms());
    run_for(x, 200);
    assert_int_equal(s.n, 2);
    expect(&s.rec[1], PMC_EXEC_FILL, "3", "0.4");
    struct pmc_clob_stats st;
    pmc_clob_stats(x, &st);
    assert_int_equal(st.user_connects, 3);
    assert_int_equal(st.user_drops, 2);
    assert_int_equal(st.user_up, 1);
    pmc_clob_free(x);
}

static int64_t user_stat(const char *key)
{
    json_t *j = ctl("GET", "/_control/user", NULL);
    assert_non_null(j);
    json_t *v_j = json_object_get(j, key);
    assert_true(json_is_integer(v_j));
    int64_t v = (int64_t)json_integer_value(v_j);
    json_decref(j);
    return v;
}

/* The user channel is down while a FAK fills (the POST answer's fill) and
 * its trade fails at the venue: nothing tells the executor then. The
 * channel comes back: the reconcile reads GET /data/trades, finds the
 * trade FAILED and reports PMC_EXEC_FAILED, the inverse of the fill; a
 * second drop and reconnect reads it again and reports nothing more. */
static void test_user_recon_failed(void **state)
{
    (void)state;
    book("[[\"0.50\",\"100\"]]", "[]");
    ctlf("/_control/user", "{\"fail_next\":1,\"failed_ms\":50}");
    struct sink s = {0};
    struct pmc_clob_cfg cfg;
    char url[64];
    base_cfg(&cfg, url, sizeof url);
    struct pmc_clob *x = make(&cfg, &s, SECRET, 0);
    pmc_clob_user_link(x, 1, now_ms());
    pmc_clob_user_link(x, 0, now_ms());
    struct pmc_record o = order("c-urec", PMC_BUY, PMC_TIF_FAK, "0.55", "10");
    submit(x, &o);
    run(x, &s, 1, 3000);
    assert_int_equal(s.n, 1);
    expect(&s.rec[0], PMC_EXEC_FILL, "11", "0.5");
    run_for(x, 150); /* failed at the venue; nobody told */
    assert_int_equal(s.n, 1);
    assert_int_equal(user_stat("trades_gets"), 0);
    pmc_clob_user_link(x, 1, now_ms());
    run(x, &s, 2, 2000);
    assert_int_equal(s.n, 2);
    expect(&s.rec[1], PMC_EXEC_FAILED, "11", "0.5");
    assert_string_equal(s.rec[1].u.exec.coid.s, "c-urec");
    assert_int_equal(s.ntr, 1);
    assert_int_equal(s.tr[0], PMC_TRADE_FAILED);
    pmc_clob_user_link(x, 0, now_ms());
    pmc_clob_user_link(x, 1, now_ms());
    run_for(x, 300);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.ntr, 1);
    struct pmc_clob_stats st;
    pmc_clob_stats(x, &st);
    assert_int_equal(st.recon_runs, 2);
    assert_int_equal(st.recon_pages, 2);
    assert_int_equal(st.recon_capped, 0);
    assert_int_equal(st.recon_errors, 0);
    assert_int_equal(st.faileds, 1);
    assert_int_equal(user_stat("trades_gets"), 2);
    assert_non_null(strstr(s.log, "reconcile: GET /data/trades read, 1 page"));
    pmc_clob_free(x);
}

/* After a restart the store's trades not final yet are given to the
 * ledger (pmc_clob_trade_seed). The first time the channel comes up reads
 * GET /data/trades. One that then fails is not undone (which fill it was
 * counted in is not known): no FAILED report, an error note, a counter, the
 * trade hook told once; one that is confirmed changes nothing. A trade the
 * ledger was not given is another party's. */
static void test_user_seeded_trades(void **state)
{
    (void)state;
    struct sink s = {0};
    struct pmc_clob_cfg cfg;
    char url[64];
    base_cfg(&cfg, url, sizeof url);
    struct pmc_clob *x = make(&cfg, &s, SECRET, 0);
    const char *h1 =
        "0x1111111111111111111111111111111111111111111111111111111111111111";
    const char *h2 =
        "0x2222222222222222222222222222222222222222222222222222222222222222";
    struct pmc_sym c1, c2, t1, t2;
    assert_int_equal(pmc_sym_set(&c1, "c-old1", 6), PMC_OK);
    assert_int_equal(pmc_sym_set(&c2, "c-old2", 6), PMC_OK);
    assert_int_equal(pmc_sym_set(&t1, "t-old1", 6), PMC_OK);
    assert_int_equal(pmc_sym_set(&t2, "t-old2", 6), PMC_OK);
    pmc_ms t0 = now_ms() - 5000;
    assert_int_equal(pmc_clob_trade_seed(x, &c1, h1, &t1, PMC_TRADE_MATCHED,
                                         11000000, 500000, t0),
                     PMC_OK);
    assert_int_equal(pmc_clob_trade_seed(x, &c2, h2, &t2, PMC_TRADE_MINED,
                                         4000000, 600000, t0),
                     PMC_OK);
    /* the same again: nothing more */
    assert_int_equal(pmc_clob_trade_seed(x, &c1, h1, &t1, PMC_TRADE_MATCHED,
                                         11000000, 500000, t0),
                     PMC_OK);
    assert_int_equal(
        pmc_clob_trade_seed(x, &c1, "", &t1, PMC_TRADE_MATCHED, 1, 1, t0),
        PMC_EPARSE);
    pmc_clob_user_link(x, 1, now_ms());
    run_for(x, 300);
    assert_int_equal(user_stat("trades_gets"), 1);
    feed(x, TRADE_EV("t-old1", "11", "0.50", "FAILED"), h1);
    feed(x, TRADE_EV("t-old1", "11", "0.50", "FAILED"), h1);
    feed(x, TRADE_EV("t-old2", "4", "0.60", "CONFIRMED"), h2);
    feed(x, TRADE_EV("t-new", "3", "0.60", "FAILED"),
         "0x3333333333333333333333333333333333333333333333333333333333333333");
    assert_int_equal(s.n, 0); /* nothing for the core */
    assert_int_equal(s.ntr, 2);
    assert_int_equal(s.tr[0], PMC_TRADE_FAILED);
    assert_int_equal(s.tr[1], PMC_TRADE_CONFIRMED);
    struct pmc_clob_stats st;
    pmc_clob_stats(x, &st);
    assert_int_equal(st.trades_seeded, 2);
    assert_int_equal(st.trades_failed_unapplied, 1);
    assert_int_equal(st.faileds, 0);
    assert_int_equal(st.recon_runs, 1);
    assert_non_null(strstr(s.log, "error: trade t-old1 of order c-old1, from "
                                  "a run before the restart, failed"));
    char mbuf[16384];
    metrics_of(x, mbuf, sizeof mbuf);
    assert_non_null(
        strstr(mbuf, "pmcopy_exec_trades_failed_unapplied_total 1\n"));
    assert_non_null(strstr(mbuf, "pmcopy_exec_trades_seeded_total 2\n"));
    pmc_clob_free(x);
}

/* Three FAK trades while the channel is down, the fake answering one row
 * a page: the reconcile follows next_cursor (percent-encoded, as the
 * venue's base64 cursors need) over three pages and the trade
 * hook sees each trade once (CONFIRMED: counted in its POST answer's fill,
 * nothing new for the core). With trades_pages = 2 the reconcile stops at
 * two pages, says so in the log and counts it. */
static void test_user_recon_pages(void **state)
{
    (void)state;
    book("[[\"0.50\",\"100\"]]", "[]");
    ctlf("/_control/user", "{\"page_size\":1,\"mined_ms\":10,"
                           "\"confirmed_ms\":20}");
    struct sink s = {0};
    struct pmc_clob_cfg cfg;
    char url[64];
    base_cfg(&cfg, url, sizeof url);
    struct pmc_clob *x = make(&cfg, &s, SECRET, 0);
    pmc_clob_user_link(x, 1, now_ms());
    pmc_clob_user_link(x, 0, now_ms());
    const char *coids[3] = {"c-pg1", "c-pg2", "c-pg3"};
    for (int i = 0; i < 3; i++) {
        struct pmc_record o =
            order(coids[i], PMC_BUY, PMC_TIF_FAK, "0.55", "10");
        submit(x, &o);
        run(x, &s, i + 1, 3000);
        assert_int_equal(s.n, i + 1);
        expect(&s.rec[i], PMC_EXEC_FILL, NULL, "0.5");
    }
    run_for(x, 50);
    pmc_clob_user_link(x, 1, now_ms());
    run_for(x, 500);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.ntr, 3);
    for (int i = 0; i < 3; i++)
        assert_int_equal(s.tr[i], PMC_TRADE_CONFIRMED);
    struct pmc_clob_stats st;
    pmc_clob_stats(x, &st);
    assert_int_equal(st.recon_pages, 3);
    assert_int_equal(st.recon_capped, 0);
    assert_int_equal(user_stat("trades_gets"), 3);
    /* the venue's cursors (base64 "1", "2") went back percent-encoded
     * (the fake refuses them otherwise) */
    assert_int_equal(user_stat("trades_bad_cursor"), 0);
    char mbuf[16384];
    metrics_of(x, mbuf, sizeof mbuf);
    assert_non_null(strstr(mbuf, "pmcopy_exec_recon_pages_total 3\n"));
    pmc_clob_free(x);

    struct sink s2 = {0};
    cfg.trades_pages = 2;
    x = make(&cfg, &s2, SECRET, 0);
    pmc_clob_user_link(x, 1, now_ms());
    pmc_clob_user_link(x, 0, now_ms());
    pmc_clob_user_link(x, 1, now_ms());
    run_for(x, 500);
    pmc_clob_stats(x, &st);
    assert_int_equal(st.recon_pages, 2);
    assert_int_equal(st.recon_capped, 1);
    assert_non_null(strstr(s2.log, "stopped at trades_pages = 2 pages"));
    metrics_of(x, mbuf, sizeof mbuf);
    assert_non_null(strstr(mbuf, "pmcopy_exec_recon_capped_total 1\n"));
    assert_int_equal(s2.n, 0); /* not its orders */
    pmc_clob_free(x);
}

/* A GET /data/trades answer over the 1 MiB its request reads: not read,
 * tried three times, then the reconcile stops with a log line naming the
 * limit and counts an error; the executor goes on (a later reconnect reads
 * the answers that fit). */
static void test_user_recon_too_big(void **state)
{
    (void)state;
    ctlf("/_control/user", "{\"pad_bytes\":1100000}");
    struct sink s = {0};
    struct pmc_clob_cfg cfg;
    char url[64];
    base_cfg(&cfg, url, sizeof url);
    struct pmc_clob *x = make(&cfg, &s, SECRET, 0);
    pmc_clob_user_link(x, 1, now_ms());
    pmc_clob_user_link(x, 0, now_ms());
    pmc_clob_user_link(x, 1, now_ms());
    run_for(x, 2600);
    struct pmc_clob_stats st;
    pmc_clob_stats(x, &st);
    assert_int_equal(st.recon_errors, 1);
    assert_int_equal(st.recon_pages, 0);
    assert_int_equal(user_stat("trades_gets"), 3);
    assert_non_null(strstr(s.log, "answer over 1048576 bytes "
                                  "(TRADES_RESP_MAX), not read; stopped"));
    ctlf("/_control/user", "{\"pad_bytes\":1000}");
    pmc_clob_user_link(x, 0, now_ms());
    pmc_clob_user_link(x, 1, now_ms());
    run_for(x, 300);
    pmc_clob_stats(x, &st);
    assert_int_equal(st.recon_pages, 1);
    assert_int_equal(st.recon_errors, 1);
    pmc_clob_free(x);
}

/* 3 per 1000 ms: three at once, the fourth after ~334 ms; exactly 3 more
 * per second in the long run. */
static void test_bucket(void **state)
{
    (void)state;
    struct pmc_bucket b;
    pmc_bucket_init(&b, (struct pmc_rate){3, 1000}, 10000);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(pmc_bucket_wait(&b, 10000), 0);
        pmc_bucket_take(&b, 10000);
    }
    pmc_ms w = pmc_bucket_wait(&b, 10000);
    assert_true(w >= 333 && w <= 334);
    assert_true(pmc_bucket_wait(&b, 10000 + w - 1) > 0);
    assert_int_equal(pmc_bucket_wait(&b, 10000 + w), 0);
    int taken = 0;
    for (pmc_ms t = 10000; t <= 20000; t++)
        if (pmc_bucket_wait(&b, t) == 0) {
            pmc_bucket_take(&b, t);
            taken++;
        }
    assert_true(taken >= 30 && taken <= 31);
    pmc_bucket_init(&b, (struct pmc_rate){0, 0}, 0);
    assert_int_equal(pmc_bucket_wait(&b, 5), 0);
}

static void test_breaker(void **state)
{
    (void)state;
    struct pmc_breaker br;
    pmc_breaker_init(&br, 3, 100);
    for (int i = 0; i < 2; i++) {
        assert_true(pmc_breaker_allow(&br, 0));
        pmc_breaker_result(&br, 0, 0);
    }
    pmc_breaker_result(&br, 1, 0); /* a success resets the count */
    for (int i = 0; i < 3; i++)
        pmc_breaker_result(&br, 0, 10);
    assert_int_equal(br.state, PMC_BREAKER_OPEN);
    assert_false(pmc_breaker_allow(&br, 109));
    assert_true(pmc_breaker_allow(&br, 110)); /* the probe */
    assert_int_equal(br.state, PMC_BREAKER_HALF_OPEN);
    assert_false(pmc_breaker_allow(&br, 111)); /* one probe only */
    pmc_breaker_result(&br, 0, 120);           /* probe failed */
    assert_int_equal(br.state, PMC_BREAKER_OPEN);
    assert_true(pmc_breaker_allow(&br, 220));
    pmc_breaker_result(&br, 1, 221);
    assert_int_equal(br.state, PMC_BREAKER_CLOSED);
    assert_int_equal(br.opens, 2);
}

/* Credentials: a key file readable by others is refused naming the file
 * and the rule; a 0600 file works; messages never quote the key. */
static void test_creds(void **state)
{
    (void)state;
    char kp[] = "/tmp/pmc_exec_key_XXXXXX";
    int fd = mkstemp(kp);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, PK "\n", strlen(PK) + 1),
                     (ssize_t)strlen(PK) + 1);
    close(fd);
    chmod(kp, 0644);
    unsetenv("PMC_PRIVATE_KEY");
    setenv("PMC_PRIVATE_KEY_FILE", kp, 1);
    setenv("PMC_API_KEY", API_KEY, 1);
    setenv("PMC_API_SECRET", SECRET, 1);
    setenv("PMC_API_PASSPHRASE", PASSPHRASE, 1);
    unsetenv("PMC_API_CREDS_FILE");
    struct pmc_exec_creds c;
    char why[300];
    assert_int_equal(pmc_exec_creds_load(&c, why, sizeof why), PMC_ECONFIG);
    assert_non_null(strstr(why, "0600"));
    assert_null(strstr(why, PK_BARE));
    chmod(kp, 0600);
    assert_int_equal(pmc_exec_creds_load(&c, why, sizeof why), PMC_OK);
    char addr[PMC_ADDR_STR_LEN + 1];
    pmc_addr_checksum(pmc_signer_address(c.signer), addr);
    assert_string_equal(addr, EOA);
    assert_string_equal(c.api.passphrase, PASSPHRASE);
    assert_string_equal(getenv("PMC_API_SECRET")[0] == '\0' ? "wiped" : "kept",
                        "wiped");
    pmc_exec_creds_wipe(&c);
    assert_null(c.signer);
    unsetenv("PMC_API_KEY"); /* now missing */
    assert_int_equal(pmc_exec_creds_load(&c, why, sizeof why), PMC_ECONFIG);
    assert_non_null(strstr(why, "PMC_API_KEY"));
    /* the API part from a 0600 file as POST /auth/api-key answers it */
    unsetenv("PMC_API_SECRET");
    unsetenv("PMC_API_PASSPHRASE");
    char ap[] = "/tmp/pmc_exec_api_XXXXXX";
    static const struct {
        const char *json, *want; /* want NULL: accepted */
    } FILES[] = {
        {"{\"apiKey\":\"" API_KEY "\",\"secret\":\"" SECRET
         "\",\"passphrase\":\"" PASSPHRASE "\"}\n",
         NULL},
        {"{\"apiKey\":\"" API_KEY "\",\"secret\":\"" SECRET
         " x\",\"passphrase\":\"" PASSPHRASE "\"}",
         "field \"secret\": must be a string of 1..127 printable"},
        {"{\"apiKey\":\"" API_KEY "\",\"secret\":\"" SECRET "\"}",
         "field \"passphrase\" is missing"},
        {"\"" SECRET "\"", "expected a JSON object with apiKey"},
    };
    for (size_t i = 0; i < PMC_ARRAY_LEN(FILES); i++) {
        int afd = mkstemp(ap);
        assert_true(afd >= 0);
        size_t len = strlen(FILES[i].json);
        assert_int_equal(write(afd, FILES[i].json, len), (ssize_t)len);
        close(afd);
        setenv("PMC_API_CREDS_FILE", ap, 1);
        enum pmc_err e = pmc_exec_creds_load(&c, why, sizeof why);
        if (!FILES[i].want) {
            assert_int_equal(e, PMC_OK);
            assert_string_equal(c.api.key, API_KEY);
            assert_string_equal(c.api.secret, SECRET);
            assert_string_equal(c.api.passphrase, PASSPHRASE);
            pmc_exec_creds_wipe(&c);
        } else {
            assert_int_equal(e, PMC_ECONFIG);
            assert_non_null(strstr(why, "PMC_API_CREDS_FILE"));
            if (!strstr(why, FILES[i].want))
                fail_msg("file %zu: \"%s\"", i, why);
            assert_null(strstr(why, SECRET)); /* never the value */
            assert_null(c.signer);
        }
        unlink(ap);
        memcpy(ap + strlen(ap) - 6, "XXXXXX", 6);
    }
    unsetenv("PMC_API_CREDS_FILE");
    unlink(kp);
    unsetenv("PMC_PRIVATE_KEY_FILE");
    unsetenv("PMC_API_SECRET");
    unsetenv("PMC_API_PASSPHRASE");
}

/* ---- the fake's life cycle
 * ------------------------------------------------------------------ */

static int start_fake(const char *argv0)
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

int main(int argc, char **argv)
{
    (void)argc;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest pure[] = {
        cmocka_unit_test(test_bucket),
        cmocka_unit_test(test_breaker),
        cmocka_unit_test(test_creds),
        cmocka_unit_test(test_cfg_messages),
    };
    int rc = cmocka_run_group_tests_name("exec_pure", pure, NULL, NULL);
    if (start_fake(argv[0]) != 0) {
        fprintf(stderr, "test_exec: cannot start the fake CLOB\n");
        return 1;
    }
    const struct CMUnitTest net[] = {
        cmocka_unit_test_setup(test_answer_framings, reset),
        cmocka_unit_test_setup(test_idle_connections_closed, reset),
        cmocka_unit_test_setup(test_fak_fill, reset),
        cmocka_unit_test_setup(test_presigned_orders, reset),
        cmocka_unit_test_setup(test_fak_partial_cancel_and_sell, reset),
        cmocka_unit_test_setup(test_fok_not_filled, reset),
        cmocka_unit_test_setup(test_gtc_resting, reset),
        cmocka_unit_test_setup(test_gtd_expiration, reset),
        cmocka_unit_test_setup(test_batch_mixed, reset),
        cmocka_unit_test_setup(test_batch_lost_answer, reset),
        cmocka_unit_test_setup(test_batch_over_15, reset),
        cmocka_unit_test_setup(test_l2_verified, reset),
        cmocka_unit_test_setup(test_429_waits_for_reset, reset),
        cmocka_unit_test_setup(test_5xx_breaker, reset),
        cmocka_unit_test_setup(test_lost_answer_reconciled, reset),
        cmocka_unit_test_setup(test_never_accepted_resent, reset),
        cmocka_unit_test_setup(test_unreadable_lookup_not_resent, reset),
        cmocka_unit_test_setup(test_geoblock, reset),
        cmocka_unit_test_setup(test_tick_change, reset),
        cmocka_unit_test_setup(test_restart_and_determinism, reset),
        cmocka_unit_test_setup(test_secrets_not_logged, reset),
        cmocka_unit_test_setup(test_user_trade_failed, reset),
        cmocka_unit_test_setup(test_user_no_double_count, reset),
        cmocka_unit_test_setup(test_user_trade_before_answer, reset),
        cmocka_unit_test_setup(test_user_link_polling, reset),
        cmocka_unit_test_setup(test_user_recon_failed, reset),
        cmocka_unit_test_setup(test_user_seeded_trades, reset),
        cmocka_unit_test_setup(test_user_recon_pages, reset),
        cmocka_unit_test_setup(test_user_recon_too_big, reset),
    };
    g_lanes = 2;
    rc |= cmocka_run_group_tests_name("exec_fake_clob_lanes", net, NULL, NULL);
    g_lanes = 0;
    rc |=
        cmocka_run_group_tests_name("exec_fake_clob_libcurl", net, NULL, NULL);
    kill(g_pid, SIGTERM);
    waitpid(g_pid, NULL, 0);
    curl_global_cleanup();
    return rc;
}
