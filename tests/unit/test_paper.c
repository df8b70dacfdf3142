/* tests/unit/test_paper.c - the paper venue and the local HTTP API. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/fillmodel.h"
#include "core/tape.h"
#include "live/api.h"
#include "live/metrics.h"
#include "live/paper.h"

struct got {
    char lines[64][256];
    int n;
};

static void collect(void *ctx, struct pmc_record *r)
{
    struct got *g = ctx;
    char buf[512];
    size_t n = pmc_tape_format(r, buf, sizeof buf);
    assert_true(n > 0 && g->n < 64);
    snprintf(g->lines[g->n++], 256, "%.*s", (int)(n - 1), buf);
}

static struct pmc_record rec(const char *line)
{
    struct pmc_record r;
    struct pmc_tape_err e;
    int has;
    if (pmc_tape_parse(line, strlen(line), &r, &has, &e) != PMC_OK)
        fail_msg("%s: %s", line, e.msg);
    return r;
}

static void test_fak_walks_book_and_cancels_rest(void **state)
{
    (void)state;
    struct got g = {0};
    struct pmc_paper *p;
    assert_int_equal(pmc_paper_new(&p, collect, &g), PMC_OK);
    struct pmc_venue v = pmc_paper_venue(p);
    struct pmc_record r = rec("t=1 ev=market token=9 fee_rate=0.25 fee_exp=2");
    pmc_paper_on_record(p, &r, 1);
    r = rec("t=2 ev=book token=9 bids=0.48:100 asks=0.5:10,0.51:5,0.6:100");
    pmc_paper_on_record(p, &r, 2);
    r = rec("t=3 ev=order coid=c1 token=9 side=BUY px=0.52 sz=20 tif=FAK "
            "keys=k1");
    assert_int_equal(v.submit(v.self, &r, 3), PMC_OK);
    assert_int_equal(g.n, 4);
    assert_string_equal(g.lines[0], "t=3 ev=exec coid=c1 status=ack");
    /* 10 @ 0.5: fee 10 x 0.25 x 0.0625 = 0.15625 */
    assert_string_equal(g.lines[1],
                        "t=3 ev=exec coid=c1 status=fill sz=10 px=0.5 "
                        "fee=0.15625");
    assert_non_null(strstr(g.lines[2], "status=fill sz=5 px=0.51"));
    assert_non_null(strstr(g.lines[3], "status=cancel"));
    /* our fill consumed the liquidity: the same order again gets nothing
     * but the 0.6 level is above the limit */
    g.n = 0;
    r = rec("t=4 ev=order coid=c2 token=9 side=BUY px=0.52 sz=20 tif=FOK "
            "keys=k2");
    assert_int_equal(v.submit(v.self, &r, 4), PMC_OK);
    assert_int_equal(g.n, 2);
    assert_non_null(strstr(g.lines[1], "reason=\"FOK not filled\""));
    pmc_paper_free(p);
}

static void test_gtc_rests_then_fills_on_trade(void **state)
{
    (void)state;
    struct got g = {0};
    struct pmc_paper *p;
    assert_int_equal(pmc_paper_new(&p, collect, &g), PMC_OK);
    struct pmc_venue v = pmc_paper_venue(p);
    struct pmc_record r = rec("t=1 ev=quote token=9 bid=0.4 ask=0.45");
    pmc_paper_on_record(p, &r, 1);
    r = rec("t=2 ev=order coid=g1 token=9 side=BUY px=0.42 sz=30 tif=GTC "
            "keys=k1");
    assert_int_equal(v.submit(v.self, &r, 2), PMC_OK);
    assert_int_equal(g.n, 1); /* ack only: nothing at or below 0.42 */
    assert_int_equal(pmc_paper_resting(p), 1);
    r = rec("t=3 ev=trade token=9 px=0.43 sz=100");
    pmc_paper_on_record(p, &r, 3);
    assert_int_equal(g.n, 1); /* above our bid: no fill */
    r = rec("t=4 ev=trade token=9 px=0.41 sz=12");
    pmc_paper_on_record(p, &r, 4);
    assert_int_equal(g.n, 2);
    assert_string_equal(g.lines[1],
                        "t=4 ev=exec coid=g1 status=fill sz=12 px=0.42");
    struct pmc_sym c;
    assert_int_equal(pmc_sym_set(&c, "g1", 2), PMC_OK);
    assert_int_equal(v.cancel(v.self, &c, 5), PMC_OK);
    assert_int_equal(pmc_paper_resting(p), 0);
    assert_non_null(strstr(g.lines[2], "status=cancel"));
    pmc_paper_free(p);
}

/* GTD rests like GTC until its exp (unix s): then it ends "expired" on
 * the next tick or record, before that record can fill it. */
static void test_gtd_expires(void **state)
{
    (void)state;
    struct got g = {0};
    struct pmc_paper *p;
    assert_int_equal(pmc_paper_new(&p, collect, &g), PMC_OK);
    struct pmc_venue v = pmc_paper_venue(p);
    struct pmc_record r = rec("t=1000 ev=quote token=9 bid=0.4 ask=0.45");
    pmc_paper_on_record(p, &r, 1000);
    r = rec("t=2000 ev=order coid=d1 token=9 side=BUY px=0.42 sz=30 tif=GTD "
            "keys=k1 exp=122");
    assert_int_equal(v.submit(v.self, &r, 2000), PMC_OK);
    assert_int_equal(g.n, 1); /* ack */
    r = rec("t=3000 ev=trade token=9 px=0.41 sz=10");
    pmc_paper_on_record(p, &r, 3000);
    assert_int_equal(g.n, 2);
    assert_string_equal(g.lines[1],
                        "t=3000 ev=exec coid=d1 status=fill sz=10 px=0.42");
    pmc_paper_tick(p, 121999);
    assert_int_equal(pmc_paper_resting(p), 1);
    assert_int_equal(g.n, 2);
    pmc_paper_tick(p, 122000);
    assert_int_equal(pmc_paper_resting(p), 0);
    assert_int_equal(g.n, 3);
    assert_string_equal(g.lines[2], "t=122000 ev=exec coid=d1 status=cancel "
                                    "reason=expired");
    /* a print after the exp, no tick in between: expired, never filled */
    r = rec("t=123000 ev=order coid=d2 token=9 side=BUY px=0.42 sz=30 tif=GTD "
            "keys=k2 exp=200");
    assert_int_equal(v.submit(v.self, &r, 123000), PMC_OK);
    r = rec("t=200500 ev=trade token=9 px=0.41 sz=10");
    pmc_paper_on_record(p, &r, 200500);
    assert_int_equal(g.n, 5);
    assert_string_equal(g.lines[4], "t=200500 ev=exec coid=d2 status=cancel "
                                    "reason=expired");
    pmc_paper_free(p);
}

static void test_no_book_rejects(void **state)
{
    (void)state;
    struct got g = {0};
    struct pmc_paper *p;
    assert_int_equal(pmc_paper_new(&p, collect, &g), PMC_OK);
    struct pmc_venue v = pmc_paper_venue(p);
    struct pmc_record r = rec("t=2 ev=order coid=x token=5 side=BUY px=0.5 "
                              "sz=10 tif=FAK keys=k");
    assert_int_equal(v.submit(v.self, &r, 2), PMC_OK);
    assert_int_equal(g.n, 1);
    assert_non_null(strstr(g.lines[0], "status=reject"));
    pmc_paper_free(p);
}

/* No book but a trade print: the last price +- the half spread, on the
 * market's tick grid (0.995 + 0.005 on a 0.001 tick: 0.999, not 1). */
static void test_no_book_last_price_on_tick_grid(void **state)
{
    (void)state;
    struct got g = {0};
    struct pmc_paper *p;
    assert_int_equal(pmc_paper_new(&p, collect, &g), PMC_OK);
    pmc_paper_set_half_spread(p, 5000);
    struct pmc_venue v = pmc_paper_venue(p);
    struct pmc_record r = rec("t=1 ev=market token=9 tick=0.001 fee_rate=0 "
                              "fee_exp=1");
    pmc_paper_on_record(p, &r, 1);
    r = rec("t=2 ev=trade token=9 px=0.995 sz=100");
    pmc_paper_on_record(p, &r, 2);
    r = rec("t=3 ev=order coid=c1 token=9 side=BUY px=0.999 sz=10 tif=FAK "
            "keys=k1");
    assert_int_equal(v.submit(v.self, &r, 3), PMC_OK);
    assert_int_equal(g.n, 2);
    assert_string_equal(g.lines[1],
                        "t=3 ev=exec coid=c1 status=fill sz=10 px=0.999");
    pmc_paper_free(p);
}

static int handler(void *ctx, const struct pmc_api_req *req, FILE *out,
                   const char **ctype)
{
    (void)ctx;
    if (!strcmp(req->path, "/metrics")) {
        *ctype = "text/plain; version=0.0.4";
        fprintf(out, "pmc_up 1\n");
        return 200;
    }
    if (!strcmp(req->path, "/echo") && !strcmp(req->method, "POST")) {
        fwrite(req->body, 1, req->body_len, out);
        return 200;
    }
    fprintf(out, "{\"error\":\"not found\"}");
    return 404;
}

static void roundtrip(struct pmc_api *a, const char *req, char *resp,
                      size_t cap)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)pmc_api_port(a));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
    size_t n = 0;
    for (int i = 0; i < 200 && n < cap - 1; i++) {
        pmc_api_poll(a, 1000);
        ssize_t r = recv(fd, resp + n, cap - 1 - n, MSG_DONTWAIT);
        if (r > 0)
            n += (size_t)r;
        else if (r == 0)
            break;
        else
            usleep(1000);
    }
    resp[n] = '\0';
    close(fd);
}

static void test_api(void **state)
{
    (void)state;
    struct pmc_api *a;
    char err[128], resp[4096], req[512];
    struct pmc_api_opts o;
    memset(&o, 0, sizeof o);
    o.token = "paper-test-token-0123456789";
    o.loop_fn = handler;
    assert_int_equal(pmc_api_open(&a, &o, err, sizeof err), PMC_OK);
    int port = pmc_api_port(a);
    assert_true(port > 0);
#define HEAD "Host: 127.0.0.1:%d\r\nAuthorization: Bearer %s\r\n"
    snprintf(req, sizeof req, "GET /metrics HTTP/1.1\r\n" HEAD "\r\n", port,
             o.token);
    roundtrip(a, req, resp, sizeof resp);
    assert_non_null(strstr(resp, "HTTP/1.1 200 OK"));
    assert_non_null(strstr(resp, "\r\n\r\npmc_up 1\n"));
    snprintf(req, sizeof req,
             "POST /echo HTTP/1.1\r\n" HEAD "Content-Length: 5\r\n\r\nhello",
             port, o.token);
    roundtrip(a, req, resp, sizeof resp);
    assert_non_null(strstr(resp, "\r\n\r\nhello"));
    snprintf(req, sizeof req, "GET /nope HTTP/1.1\r\n" HEAD "\r\n", port,
             o.token);
    roundtrip(a, req, resp, sizeof resp);
    assert_non_null(strstr(resp, "404 Not Found"));
    snprintf(req, sizeof req,
             "POST /echo HTTP/1.1\r\n" HEAD "Content-Length: 999999\r\n\r\n",
             port, o.token);
    roundtrip(a, req, resp, sizeof resp);
    assert_non_null(strstr(resp, "413"));
#undef HEAD
    pmc_api_close(a);
}

static void test_histogram(void **state)
{
    (void)state;
    struct pmc_hist h = {0};
    for (int i = 1; i <= 100; i++)
        pmc_hist_add(&h, i);
    assert_int_equal(h.n, 100);
    assert_int_equal(h.max, 100);
    /* p50 (the 51st value) falls in [48, 52): its upper bound, 51 */
    assert_int_equal(pmc_hist_quantile(&h, 0.5), 51);
    /* p99 (the 100th) in [96, 104), capped at the largest sample */
    assert_int_equal(pmc_hist_quantile(&h, 0.99), 100);
    pmc_hist_add(&h, -5);
    assert_int_equal(h.b[0], 1);
    /* small values are exact; large ones within 12.5 % */
    struct pmc_hist g = {0};
    pmc_hist_add(&g, 7);
    assert_int_equal(pmc_hist_quantile(&g, 0.5), 7);
    for (int64_t v = 8; v < 5000000; v = v * 3 + 1) {
        struct pmc_hist one = {0};
        pmc_hist_add(&one, v);
        pmc_hist_add(&one, v + 100000000);
        int64_t q = pmc_hist_quantile(&one, 0.0);
        assert_true(q >= v && q <= v + v / 8);
    }
}

/* trade_fail_share: the fill is reported at once, its failure (same sz,
 * px, fee) trade_fail_after_ms later from the tick, in order; the draw is
 * pmc_trade_fails of the order's nth leg, resting fills counting on. */
static void test_trade_fail(void **state)
{
    (void)state;
    struct got g = {0};
    struct pmc_paper *p;
    assert_int_equal(pmc_paper_new(&p, collect, &g), PMC_OK);
    pmc_paper_set_trade_fail(p, PMC_MICRO, 5000);
    struct pmc_venue v = pmc_paper_venue(p);
    struct pmc_record r = rec("t=1 ev=market token=9 fee_rate=0.25 fee_exp=2");
    pmc_paper_on_record(p, &r, 1);
    r = rec("t=2 ev=book token=9 bids=0.48:100 asks=0.5:10,0.51:5,0.6:100");
    pmc_paper_on_record(p, &r, 2);
    r = rec("t=3 ev=order coid=c1 token=9 side=BUY px=0.52 sz=20 tif=FAK "
            "keys=k1");
    assert_int_equal(v.submit(v.self, &r, 3), PMC_OK);
    assert_int_equal(g.n, 4);
    assert_int_equal(pmc_paper_failing(p), 2);
    assert_int_equal(pmc_paper_tick(p, 5002), 0);
    assert_int_equal(g.n, 4);
    assert_int_equal(pmc_paper_tick(p, 5003), 0);
    assert_int_equal(g.n, 6);
    assert_string_equal(g.lines[4],
                        "t=5003 ev=exec coid=c1 status=failed sz=10 px=0.5 "
                        "fee=0.15625");
    assert_non_null(strstr(g.lines[5], "status=failed sz=5 px=0.51"));
    assert_int_equal(pmc_paper_failing(p), 0);
    /* a share of 0.5: the legs the draw names, a resting order's fills
     * numbered on from its legs at submission */
    pmc_paper_set_trade_fail(p, PMC_MICRO / 2, 100);
    r = rec("t=6000 ev=quote token=9 bid=0.4 ask=0.45");
    pmc_paper_on_record(p, &r, 6000);
    r = rec("t=6001 ev=order coid=g7 token=9 side=BUY px=0.42 sz=300 tif=GTC "
            "keys=k2");
    assert_int_equal(v.submit(v.self, &r, 6001), PMC_OK);
    struct pmc_sym c;
    assert_int_equal(pmc_sym_set(&c, "g7", 2), PMC_OK);
    int want = 0;
    for (uint32_t i = 1; i <= 20; i++) {
        char line[80];
        snprintf(line, sizeof line, "t=%u ev=trade token=9 px=0.41 sz=1",
                 6001 + i);
        r = rec(line);
        pmc_paper_on_record(p, &r, 6001 + i);
        want += pmc_trade_fails(PMC_MICRO / 2, &c, i);
    }
    assert_true(want > 0 && want < 20);
    g.n = 0;
    assert_int_equal(pmc_paper_tick(p, 7000), 0);
    assert_int_equal(g.n, want);
    for (int i = 0; i < g.n; i++)
        assert_non_null(strstr(g.lines[i], "coid=g7 status=failed sz=1 "));
    pmc_paper_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fak_walks_book_and_cancels_rest),
        cmocka_unit_test(test_gtc_rests_then_fills_on_trade),
        cmocka_unit_test(test_gtd_expires),
        cmocka_unit_test(test_no_book_rejects),
        cmocka_unit_test(test_no_book_last_price_on_tick_grid),
        cmocka_unit_test(test_api),
        cmocka_unit_test(test_histogram),
        cmocka_unit_test(test_trade_fail),
    };
    return cmocka_run_group_tests_name("paper", tests, NULL, NULL);
}
