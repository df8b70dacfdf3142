/* tests/unit/test_exec.c - the CLOB executor against the fake CLOB.
 *
 * Starts the fake CLOB binary (next to this binary: ../fakes/fake_clob)
 * on a free loopback port once, resets it before each test, and drives the
 * executor with a small loop (this test reads the clock; the executor
 * never does). Each test says what it injects and what must hold. The
 * rate limiter and the breaker are also tested alone (pure, no network).
 * The user channel's tests: test_exec_user.c; the shared parts:
 * exec_fixture.h. */
#include "exec_fixture.h"

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
    };
    rc |= fake_clob_groups(argv[0], "exec", net, PMC_ARRAY_LEN(net));
    curl_global_cleanup();
    return rc;
}
