/* tests/unit/test_http1.c - the HTTP/1.1 request head writer and the
 * incremental answer reader (live/exec/http1.h): framing by Content-Length,
 * chunked and close, interim 1xx answers, keep-alive, the rate-limit
 * headers, body truncation, malformed answers, head limits, and that the
 * result never depends on how the bytes were split. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "live/exec/http1.h"

/* A byte string with its length (it may hold NUL). */
struct bytes {
    const char *d;
    size_t n;
};
#define B(lit)                                                                 \
    {                                                                          \
        lit, sizeof lit - 1                                                    \
    }

#define BODY_MAX 1024

/* Everything a run of the reader gave back. */
struct outcome {
    enum pmc_err err;
    int done;
    size_t used;     /* sum of *used over every feed */
    size_t received; /* pmc_http1_resp_received at the end */
    int status, keep_alive, body_over;
    int64_t rl_remaining, rl_reset_s, retry_after_s;
    size_t body_len;
    char body[BODY_MAX];
    char why[96];
};

/* A complete answer: no error, done, and (where given: not -1 / NULL) its
 * status, keep-alive and body. */
static void expect_done(const struct outcome *o, int status, int keep_alive,
                        const char *body)
{
    assert_int_equal(o->err, PMC_OK);
    assert_int_equal(o->done, 1);
    if (status >= 0)
        assert_int_equal(o->status, status);
    if (keep_alive >= 0)
        assert_int_equal(o->keep_alive, keep_alive);
    if (body)
        assert_string_equal(o->body, body);
}

/* Feed d in the pieces [cuts[i-1], cuts[i]) (cuts ascending, the last one
 * n), stopping at an error or when the answer is done; then, when eof is
 * set and the answer is not done, report the close. cap is the body
 * buffer's size (<= BODY_MAX). */
static void run_cuts(const char *d, size_t n, const size_t *cuts, size_t ncuts,
                     int eof, size_t cap, struct outcome *o)
{
    struct pmc_http1_resp *p = malloc(sizeof *p);
    assert_non_null(p);
    assert_true(cap >= 1 && cap <= BODY_MAX);
    memset(o, 0, sizeof *o);
    memset(o->body, 'Z', sizeof o->body);
    pmc_http1_resp_init(p, o->body, cap);
    size_t at = 0;
    o->err = PMC_OK;
    for (size_t k = 0; k < ncuts && !o->done; k++) {
        assert_true(cuts[k] >= at && cuts[k] <= n);
        size_t used = (size_t)-1;
        o->err = pmc_http1_resp_feed(p, d + at, cuts[k] - at, &used, &o->done);
        if (o->err != PMC_OK)
            break;
        assert_true(used <= cuts[k] - at);
        o->used += used;
        /* not done: every byte given belongs to the answer */
        if (!o->done)
            assert_int_equal(used, cuts[k] - at);
        at = cuts[k];
    }
    if (o->err == PMC_OK && !o->done && eof)
        o->err = pmc_http1_resp_eof(p, &o->done);
    o->received = pmc_http1_resp_received(p);
    o->status = p->status;
    o->keep_alive = p->keep_alive;
    o->body_over = p->body_over;
    o->rl_remaining = p->rl_remaining;
    o->rl_reset_s = p->rl_reset_s;
    o->retry_after_s = p->retry_after_s;
    o->body_len = p->body_len;
    memcpy(o->why, p->why, sizeof o->why);
    /* the body stays NUL-terminated inside its buffer */
    assert_true(o->body_len < cap);
    assert_int_equal(o->body[o->body_len], '\0');
    if (o->err != PMC_OK)
        assert_true(o->why[0] != '\0');
    free(p);
}

static void run_whole(const char *d, size_t n, int eof, size_t cap,
                      struct outcome *o)
{
    size_t cut = n;
    run_cuts(d, n, &cut, 1, eof, cap, o);
}

static void run_split(const char *d, size_t n, size_t at, int eof, size_t cap,
                      struct outcome *o)
{
    size_t cuts[2] = {at, n};
    run_cuts(d, n, cuts, 2, eof, cap, o);
}

static void run_step(const char *d, size_t n, size_t step, int eof, size_t cap,
                     struct outcome *o)
{
    size_t ncuts = (n + step - 1) / step + 1;
    size_t *cuts = malloc(ncuts * sizeof *cuts);
    assert_non_null(cuts);
    size_t k = 0;
    for (size_t at = step; at < n; at += step)
        cuts[k++] = at;
    cuts[k++] = n;
    run_cuts(d, n, cuts, k, eof, cap, o);
    free(cuts);
}

static void assert_same(const struct outcome *a, const struct outcome *b)
{
    assert_int_equal(a->err, b->err);
    assert_int_equal(a->done, b->done);
    assert_int_equal(a->used, b->used);
    assert_int_equal(a->received, b->received);
    assert_int_equal(a->status, b->status);
    assert_int_equal(a->keep_alive, b->keep_alive);
    assert_int_equal(a->body_over, b->body_over);
    assert_int_equal(a->rl_remaining, b->rl_remaining);
    assert_int_equal(a->rl_reset_s, b->rl_reset_s);
    assert_int_equal(a->retry_after_s, b->retry_after_s);
    assert_int_equal(a->body_len, b->body_len);
    assert_memory_equal(a->body, b->body, a->body_len + 1);
}

/* Whole, one byte at a time, a few other steps and every split into two
 * pieces all give the same outcome; returns the whole one. */
static void check_split_free(const char *d, size_t n, int eof, size_t cap,
                             struct outcome *whole)
{
    struct outcome o;
    run_whole(d, n, eof, cap, whole);
    for (size_t step = 1; step <= 7; step++) {
        run_step(d, n, step, eof, cap, &o);
        assert_same(whole, &o);
    }
    for (size_t at = 0; at <= n; at++) {
        run_split(d, n, at, eof, cap, &o);
        assert_same(whole, &o);
    }
}

/* The answer is malformed: PMC_EPARSE with a reason, whole and byte by
 * byte. `label` names the case in a failure. */
static void assert_parse_error_at(const char *d, size_t n, size_t label)
{
    struct outcome o;
    for (size_t step = 0; step <= 1; step++) {
        if (step)
            run_step(d, n, 1, 0, BODY_MAX, &o);
        else
            run_whole(d, n, 0, BODY_MAX, &o);
        if (o.err != PMC_EPARSE || o.done || o.why[0] == '\0')
            fail_msg("case %zu (%s): err %d done %d status %d why \"%s\"",
                     label, step ? "byte by byte" : "whole", (int)o.err, o.done,
                     o.status, o.why);
    }
}
#define assert_parse_error(d, n) assert_parse_error_at(d, n, __LINE__)

/* ---- Content-Length ------------------------------------------------- */

static void test_content_length(void **state)
{
    (void)state;
    static const char a[] = "HTTP/1.1 200 OK\r\n"
                            "Content-Type: application/json\r\n"
                            "Content-Length: 11\r\n"
                            "\r\n"
                            "{\"ok\":true}";
    static const char extra[] = "HTTP/1.1 500 Next answer\r\n\r\n";
    char d[sizeof a + sizeof extra];
    memcpy(d, a, sizeof a - 1);
    memcpy(d + sizeof a - 1, extra, sizeof extra - 1);
    size_t n = sizeof a - 1 + sizeof extra - 1;
    struct outcome o;
    run_whole(d, n, 0, BODY_MAX, &o);
    expect_done(&o, 200, 1, NULL);
    assert_int_equal(o.body_len, 11);
    assert_string_equal(o.body, "{\"ok\":true}");
    assert_int_equal(o.body_over, 0);
    assert_int_equal(o.used, sizeof a - 1); /* the extra bytes are left */
    assert_int_equal(o.received, sizeof a - 1);

    /* the answer alone, and split anywhere (with the extra bytes) */
    run_whole(a, sizeof a - 1, 0, BODY_MAX, &o);
    assert_int_equal(o.done, 1);
    assert_int_equal(o.used, sizeof a - 1);
    struct outcome w;
    check_split_free(d, n, 0, BODY_MAX, &w);
    assert_int_equal(w.used, sizeof a - 1);
}

static void test_content_length_zero_and_after_done(void **state)
{
    (void)state;
    static const char a[] = "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n";
    char body[16];
    struct pmc_http1_resp p;
    size_t used = 99;
    int done = 0;
    pmc_http1_resp_init(&p, body, sizeof body);
    assert_int_equal(pmc_http1_resp_feed(&p, a, sizeof a - 1, &used, &done),
                     PMC_OK);
    assert_int_equal(done, 1);
    assert_int_equal(used, sizeof a - 1);
    assert_int_equal(p.status, 201);
    assert_int_equal(p.body_len, 0);
    assert_string_equal(body, "");
    /* more bytes after the end are not taken */
    used = 99;
    done = 0;
    assert_int_equal(pmc_http1_resp_feed(&p, "HTTP", 4, &used, &done), PMC_OK);
    assert_int_equal(used, 0);
    assert_int_equal(done, 1);
    assert_int_equal(pmc_http1_resp_received(&p), sizeof a - 1);
    /* nothing fed yet: nothing received */
    pmc_http1_resp_init(&p, body, sizeof body);
    assert_int_equal(pmc_http1_resp_received(&p), 0);
    assert_int_equal(pmc_http1_resp_feed(&p, a, 0, &used, &done), PMC_OK);
    assert_int_equal(used, 0);
    assert_int_equal(done, 0);
}

/* ---- splitting ---------------------------------------------------------- */

static void test_split_content_length(void **state)
{
    (void)state;
    static const char a[] = "HTTP/1.1 429 Too Many Requests\r\n"
                            "poly-ratelimit-remaining: 7\r\n"
                            "POLY-RATELIMIT-RESET: 1700000000\r\n"
                            "Retry-After: 3\r\n"
                            "Content-Length: 17\r\n"
                            "\r\n"
                            "{\"error\":\"slow\"}\n"
                            "trailing garbage";
    struct outcome o;
    check_split_free(a, sizeof a - 1, 0, BODY_MAX, &o);
    expect_done(&o, 429, 1, NULL);
    assert_int_equal(o.rl_remaining, 7);
    assert_int_equal(o.rl_reset_s, 1700000000);
    assert_int_equal(o.retry_after_s, 3);
    assert_string_equal(o.body, "{\"error\":\"slow\"}\n");
    assert_int_equal(o.used, sizeof a - 1 - strlen("trailing garbage"));
}

static void test_split_chunked(void **state)
{
    (void)state;
    static const char a[] = "HTTP/1.1 200 OK\r\n"
                            "Transfer-Encoding: chunked\r\n"
                            "Poly-RateLimit-Remaining: 12\r\n"
                            "\r\n"
                            "5;ext=1\r\n"
                            "hello\r\n"
                            "A\r\n"
                            ", 01234567\r\n"
                            "b ; name=\"v\"\r\n"
                            "89abcdefghi\r\n"
                            "0\r\n"
                            "X-Trailer: yes\r\n"
                            "\r\n"
                            "NEXT";
    struct outcome o;
    check_split_free(a, sizeof a - 1, 0, BODY_MAX, &o);
    expect_done(&o, 200, 1, NULL);
    assert_int_equal(o.rl_remaining, 12);
    assert_string_equal(o.body, "hello, 0123456789abcdefghi");
    assert_int_equal(o.used, sizeof a - 1 - 4);
}

static void test_split_close_delimited(void **state)
{
    (void)state;
    static const char a[] = "HTTP/1.1 503 Service Unavailable\r\n"
                            "Retry-After: 120\r\n"
                            "Content-Type: text/plain\r\n"
                            "\r\n"
                            "down for maintenance\r\n\r\nHTTP/1.1 200 OK\r\n";
    struct outcome o;
    check_split_free(a, sizeof a - 1, 1, BODY_MAX, &o);
    expect_done(&o, 503, 0, NULL);
    assert_int_equal(o.retry_after_s, 120);
    assert_string_equal(o.body,
                        "down for maintenance\r\n\r\nHTTP/1.1 200 OK\r\n");
    assert_int_equal(o.used, sizeof a - 1);
}

static void test_split_truncated_body(void **state)
{
    (void)state;
    static const char a[] = "HTTP/1.1 200 OK\r\n"
                            "Transfer-Encoding: chunked\r\n"
                            "\r\n"
                            "8\r\n01234567\r\n8\r\n89abcdef\r\n0\r\n\r\n";
    struct outcome o;
    check_split_free(a, sizeof a - 1, 0, 11, &o);
    assert_int_equal(o.err, PMC_OK);
    assert_int_equal(o.done, 1);
    assert_int_equal(o.body_over, 1);
    assert_string_equal(o.body, "0123456789");
}

/* ---- chunked -------------------------------------------------------- */

static void test_chunked_hex_case(void **state)
{
    (void)state;
    /* sizes in mixed, lower and upper case, with leading zeros and an
     * extension: 1Ab (427), c8 (200), C8 (200), 000fF;x (255) */
    static const char head[] = "HTTP/1.1 200 OK\r\n"
                               "Transfer-Encoding: chunked\r\n\r\n";
    static const char *const sizes[] = {"1Ab", "c8", "C8", "000fF;x"};
    static const size_t lens[] = {427, 200, 200, 255};
    char d[2048], want[1100];
    size_t n = sizeof head - 1, w = 0;
    memcpy(d, head, n);
    for (size_t k = 0; k < 4; k++) {
        size_t sl = strlen(sizes[k]);
        memcpy(d + n, sizes[k], sl);
        n += sl;
        memcpy(d + n, "\r\n", 2);
        n += 2;
        for (size_t i = 0; i < lens[k]; i++) {
            char c = (char)('a' + (i + k) % 26);
            d[n++] = c;
            want[w++] = c;
        }
        memcpy(d + n, "\r\n", 2);
        n += 2;
    }
    memcpy(d + n, "0\r\n\r\n", 5);
    n += 5;
    want[w] = '\0';
    assert_int_equal(w, 1082);
    struct outcome o;
    run_whole(d, n, 0, BODY_MAX, &o);
    assert_int_equal(o.err, PMC_OK);
    assert_int_equal(o.done, 1);
    assert_int_equal(o.used, n);
    assert_int_equal(o.body_over, 1);
    assert_int_equal(o.body_len, BODY_MAX - 1);
    assert_memory_equal(o.body, want, BODY_MAX - 1);
    run_step(d, n, 13, 0, BODY_MAX, &o);
    assert_int_equal(o.err, PMC_OK);
    assert_int_equal(o.done, 1);
    assert_int_equal(o.used, n);
    assert_memory_equal(o.body, want, BODY_MAX - 1);

    /* the same sizes with a bigger buffer keep everything */
    struct pmc_http1_resp p;
    char body[1100];
    size_t used = 0;
    int done = 0;
    pmc_http1_resp_init(&p, body, sizeof body);
    assert_int_equal(pmc_http1_resp_feed(&p, d, n, &used, &done), PMC_OK);
    assert_int_equal(done, 1);
    assert_int_equal(p.body_len, w);
    assert_int_equal(p.body_over, 0);
    assert_string_equal(body, want);

    /* "0x" prefixes are not hex sizes */
    static const char px[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked"
                             "\r\n\r\n0XC8\r\n";
    assert_parse_error(px, sizeof px - 1);
}

static void test_chunked_trailers_and_bare_zero(void **state)
{
    (void)state;
    static const struct bytes ok[] = {
        B("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
          "3\r\nabc\r\n0\r\n\r\n"),
        B("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
          "3\r\nabc\r\n000;last\r\nA: 1\r\nB: 2\r\n\r\n"),
        B("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
          "3\r\nabc\r\n0\r\n\r\n"),
        B("HTTP/1.1 200 OK\r\ntransfer-encoding:  CHUNKED \r\n\r\n"
          "3  \r\nabc\r\n0\r\n\r\n"),
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        struct outcome o;
        check_split_free(ok[i].d, ok[i].n, 0, BODY_MAX, &o);
        assert_int_equal(o.err, PMC_OK);
        assert_int_equal(o.done, 1);
        assert_string_equal(o.body, "abc");
        assert_int_equal(o.used, ok[i].n);
    }
    /* not done before the blank line after the trailers */
    static const char part[] =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        "3\r\nabc\r\n0\r\nA: 1\r\n";
    struct outcome o;
    run_whole(part, sizeof part - 1, 0, BODY_MAX, &o);
    assert_int_equal(o.err, PMC_OK);
    assert_int_equal(o.done, 0);
    run_whole(part, sizeof part - 1, 1, BODY_MAX, &o);
    assert_int_equal(o.err, PMC_EPARSE);
    assert_string_equal(o.why, "closed mid-answer");
}

static void test_chunked_malformed(void **state)
{
    (void)state;
    static const struct bytes bad[] = {
        /* data longer than the size (no CRLF where it should be) */
        B("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
          "5\r\nhelloX\r\n0\r\n\r\n"),
        B("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
          "3\r\nhello\r\n0\r\n\r\n"),
        /* bad size lines */
        B("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
          "zz\r\nhello\r\n0\r\n\r\n"),
        B("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
          "\r\nhello\r\n0\r\n\r\n"),
        B("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
          "5x\r\nhello\r\n0\r\n\r\n"),
        B("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
          " 5\r\nhello\r\n0\r\n\r\n"),
        B("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
          "-5\r\nhello\r\n0\r\n\r\n"),
        B("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
          "0x5\r\nhello\r\n0\r\n\r\n"),
        /* more than 2^40 */
        B("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
          "10000000001\r\nhello\r\n0\r\n\r\n"),
        B("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
          "FFFFFFFFFFFFFFFFFFFFFFFF\r\nhello\r\n0\r\n\r\n"),
        B("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
          "fffffffffffffffff\r\nhello\r\n0\r\n\r\n"),
        /* a control byte in a chunk line */
        B("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
          "5\r\r\nhello\r\n0\r\n\r\n"),
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_parse_error_at(bad[i].d, bad[i].n, i);
    }
    /* 2^40 itself is a size the reader accepts (and then waits for) */
    static const char max[] =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        "10000000000\r\nhello";
    struct outcome o;
    run_whole(max, sizeof max - 1, 0, BODY_MAX, &o);
    assert_int_equal(o.err, PMC_OK);
    assert_int_equal(o.done, 0);
    assert_string_equal(o.body, "hello");
}

static void test_chunked_with_content_length(void **state)
{
    (void)state;
    static const struct bytes both[] = {
        B("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"
          "Transfer-Encoding: chunked\r\n\r\n"
          "6\r\nabcdef\r\n0\r\n\r\n"),
        B("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
          "Content-Length: 100\r\n\r\n"
          "6\r\nabcdef\r\n0\r\n\r\n"),
    };
    for (size_t i = 0; i < sizeof both / sizeof both[0]; i++) {
        struct outcome o;
        check_split_free(both[i].d, both[i].n, 0, BODY_MAX, &o);
        expect_done(&o, 200, 0, "abcdef");
        assert_int_equal(o.used, both[i].n);
    }
}

/* ---- close-delimited and eof ----------------------------------------- */

static void test_close_delimited(void **state)
{
    (void)state;
    static const char a[] = "HTTP/1.1 200 OK\r\nServer: x\r\n\r\n{\"a\":1}";
    char body[64];
    struct pmc_http1_resp p;
    size_t used = 0;
    int done = 1;
    pmc_http1_resp_init(&p, body, sizeof body);
    assert_int_equal(pmc_http1_resp_feed(&p, a, sizeof a - 1, &used, &done),
                     PMC_OK);
    assert_int_equal(done, 0);
    assert_int_equal(used, sizeof a - 1);
    assert_int_equal(p.status, 200);
    assert_string_equal(body, "{\"a\":1}");
    assert_int_equal(pmc_http1_resp_feed(&p, "\n2", 2, &used, &done), PMC_OK);
    assert_int_equal(done, 0);
    assert_int_equal(used, 2);
    assert_int_equal(pmc_http1_resp_eof(&p, &done), PMC_OK);
    assert_int_equal(done, 1);
    assert_int_equal(p.keep_alive, 0);
    assert_int_equal(p.status, 200);
    assert_string_equal(body, "{\"a\":1}\n2");
    assert_int_equal(p.body_len, 9);
    assert_int_equal(pmc_http1_resp_received(&p), sizeof a - 1 + 2);

    /* an empty close-delimited body */
    static const char e[] = "HTTP/1.0 200 OK\r\n\r\n";
    pmc_http1_resp_init(&p, body, sizeof body);
    assert_int_equal(pmc_http1_resp_feed(&p, e, sizeof e - 1, &used, &done),
                     PMC_OK);
    assert_int_equal(done, 0);
    assert_int_equal(pmc_http1_resp_eof(&p, &done), PMC_OK);
    assert_int_equal(done, 1);
    assert_int_equal(p.body_len, 0);
}

static void test_eof_errors(void **state)
{
    (void)state;
    char body[64];
    struct pmc_http1_resp p;
    size_t used = 0;
    int done = 1;

    /* nothing at all */
    pmc_http1_resp_init(&p, body, sizeof body);
    assert_int_equal(pmc_http1_resp_eof(&p, &done), PMC_EPARSE);
    assert_int_equal(done, 0);
    assert_string_equal(p.why, "closed before the answer");

    /* an empty read changes nothing */
    pmc_http1_resp_init(&p, body, sizeof body);
    assert_int_equal(pmc_http1_resp_feed(&p, "", 0, &used, &done), PMC_OK);
    assert_int_equal(pmc_http1_resp_eof(&p, &done), PMC_EPARSE);
    assert_string_equal(p.why, "closed before the answer");

    static const struct bytes mid[] = {
        B("H"),
        B("HTTP/1.1 200 OK"),
        B("HTTP/1.1 200 OK\r\n"),
        B("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n"),
        B("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r"),
        B("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"),
        B("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n012345678"),
        B("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"),
        B("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel"),
        B("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello"),
        B("HTTP/1.1 100 Continue\r\n\r\n"),
    };
    for (size_t i = 0; i < sizeof mid / sizeof mid[0]; i++) {
        pmc_http1_resp_init(&p, body, sizeof body);
        assert_int_equal(
            pmc_http1_resp_feed(&p, mid[i].d, mid[i].n, &used, &done), PMC_OK);
        assert_int_equal(done, 0);
        assert_int_equal(used, mid[i].n);
        if (pmc_http1_resp_eof(&p, &done) != PMC_EPARSE || done ||
            strcmp(p.why, "closed mid-answer") != 0)
            fail_msg("eof case %zu: done %d why \"%s\"", i, done, p.why);
    }

    /* a complete Content-Length answer then the close: still complete */
    static const char a[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    pmc_http1_resp_init(&p, body, sizeof body);
    assert_int_equal(pmc_http1_resp_feed(&p, a, sizeof a - 1, &used, &done),
                     PMC_OK);
    assert_int_equal(done, 1);
    assert_int_equal(pmc_http1_resp_eof(&p, &done), PMC_OK);
    assert_int_equal(done, 1);
    assert_string_equal(body, "ok");
}

/* ---- status codes -------------------------------------------------- */

static void test_interim(void **state)
{
    (void)state;
    static const struct bytes a[] = {
        B("HTTP/1.1 100 Continue\r\n\r\n"
          "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbody"),
        /* the 1xx headers are not the answer's */
        B("HTTP/1.1 100 Continue\r\n"
          "Content-Length: 99\r\n"
          "Connection: close\r\n"
          "Transfer-Encoding: chunked\r\n"
          "Poly-RateLimit-Remaining: 1\r\n"
          "Retry-After: 9\r\n"
          "\r\n"
          "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbody"),
        /* several, bare LF, HTTP/1.0 style interim */
        B("HTTP/1.1 102 Processing\n\n"
          "HTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n"
          "HTTP/1.1 100 Continue\r\n\r\n"
          "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbody"),
    };
    for (size_t i = 0; i < sizeof a / sizeof a[0]; i++) {
        struct outcome o;
        check_split_free(a[i].d, a[i].n, 0, BODY_MAX, &o);
        expect_done(&o, 200, 1, "body");
        assert_int_equal(o.rl_remaining, -1);
        assert_int_equal(o.retry_after_s, 0);
        assert_int_equal(o.used, a[i].n);
    }
    /* after the 100 alone, not done */
    struct outcome o;
    run_whole(a[0].d, 25, 0, BODY_MAX, &o);
    assert_int_equal(o.err, PMC_OK);
    assert_int_equal(o.done, 0);
    assert_int_equal(o.used, 25);
}

static void test_no_body_statuses(void **state)
{
    (void)state;
    static const struct bytes a[] = {
        B("HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n"),
        B("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n"),
        B("HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n"),
        B("HTTP/1.1 304 Not Modified\r\n\r\n"),
    };
    static const int st[] = {204, 304, 204, 304};
    for (size_t i = 0; i < sizeof a / sizeof a[0]; i++) {
        /* followed by what would otherwise be its body */
        char d[256];
        memcpy(d, a[i].d, a[i].n);
        memcpy(d + a[i].n, "0123456789", 10);
        struct outcome o;
        check_split_free(d, a[i].n + 10, 0, BODY_MAX, &o);
        assert_int_equal(o.err, PMC_OK);
        assert_int_equal(o.done, 1);
        assert_int_equal(o.status, st[i]);
        assert_int_equal(o.body_len, 0);
        assert_int_equal(o.used, a[i].n);
        assert_int_equal(o.keep_alive, 1);
    }
}

/* ---- keep-alive --------------------------------------------------------- */

static void test_connection(void **state)
{
    (void)state;
    static const struct {
        struct bytes head; /* without the blank line */
        int keep;
    } c[] = {
        {B("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"), 1},
        {B("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n"), 0},
        {B("HTTP/1.1 200 OK\r\nconnection: CLOSE\r\nContent-Length: 2\r\n"), 0},
        {B("HTTP/1.1 200 OK\r\nConnection: keep-alive, Upgrade\r\n"
           "Content-Length: 2\r\n"),
         1},
        {B("HTTP/1.1 200 OK\r\nConnection: Upgrade, close\r\n"
           "Content-Length: 2\r\n"),
         0},
        {B("HTTP/1.1 200 OK\r\nConnection: Upgrade,close , TE\r\n"
           "Content-Length: 2\r\n"),
         0},
        {B("HTTP/1.1 200 OK\r\nConnection: closed\r\nContent-Length: 2\r\n"),
         1},
        {B("HTTP/1.1 200 OK\r\nConnection: keep-alive\r\n"
           "Connection: close\r\nContent-Length: 2\r\n"),
         0},
        {B("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n"), 0},
        {B("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n"
           "Content-Length: 2\r\n"),
         1},
        {B("HTTP/1.0 200 OK\r\nConnection: Upgrade, Keep-Alive\r\n"
           "Content-Length: 2\r\n"),
         1},
        {B("HTTP/1.0 200 OK\r\nConnection: keep-alive-ish\r\n"
           "Content-Length: 2\r\n"),
         0},
        {B("HTTP/1.0 200 OK\r\nConnection: keep-alive, close\r\n"
           "Content-Length: 2\r\n"),
         0},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        char d[256];
        memcpy(d, c[i].head.d, c[i].head.n);
        memcpy(d + c[i].head.n, "\r\nok", 4);
        struct outcome o;
        run_whole(d, c[i].head.n + 4, 0, BODY_MAX, &o);
        assert_int_equal(o.err, PMC_OK);
        assert_int_equal(o.done, 1);
        assert_string_equal(o.body, "ok");
        if (o.keep_alive != c[i].keep)
            fail_msg("connection case %zu: keep_alive %d, want %d", i,
                     o.keep_alive, c[i].keep);
    }
    /* HTTP/1.0 with keep-alive but no length: the close ends it */
    static const char a[] =
        "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\nx";
    struct outcome o;
    run_whole(a, sizeof a - 1, 0, BODY_MAX, &o);
    assert_int_equal(o.done, 0);
    run_whole(a, sizeof a - 1, 1, BODY_MAX, &o);
    assert_int_equal(o.err, PMC_OK);
    assert_int_equal(o.done, 1);
    assert_int_equal(o.keep_alive, 0);
}

/* ---- rate-limit headers -------------------------------------------------- */

static void test_rate_limit_headers(void **state)
{
    (void)state;
    struct outcome o;
    static const char none[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    run_whole(none, sizeof none - 1, 0, BODY_MAX, &o);
    assert_int_equal(o.done, 1);
    assert_int_equal(o.rl_remaining, -1);
    assert_int_equal(o.rl_reset_s, 0);
    assert_int_equal(o.retry_after_s, 0);

    static const char all[] = "HTTP/1.1 429 Too Many Requests\r\n"
                              "pOlY-rAtElImIt-ReMaInInG:0\r\n"
                              "poly-ratelimit-reset: \t1712345678 \r\n"
                              "RETRY-AFTER: 30\r\n"
                              "Content-Length: 0\r\n\r\n";
    run_whole(all, sizeof all - 1, 0, BODY_MAX, &o);
    assert_int_equal(o.done, 1);
    assert_int_equal(o.status, 429);
    assert_int_equal(o.rl_remaining, 0);
    assert_int_equal(o.rl_reset_s, 1712345678);
    assert_int_equal(o.retry_after_s, 30);

    static const char date[] = "HTTP/1.1 503 Unavailable\r\n"
                               "Retry-After: Wed, 21 Oct 2015 07:28:00 GMT\r\n"
                               "Poly-RateLimit-Remaining: lots\r\n"
                               "Poly-RateLimit-Reset: soon\r\n"
                               "Content-Length: 0\r\n\r\n";
    run_whole(date, sizeof date - 1, 0, BODY_MAX, &o);
    assert_int_equal(o.err, PMC_OK);
    assert_int_equal(o.done, 1);
    assert_int_equal(o.retry_after_s, 0);
    assert_int_equal(o.rl_remaining, -1);
    assert_int_equal(o.rl_reset_s, 0);

    /* a header merely starting with the name is another header */
    static const char near[] = "HTTP/1.1 200 OK\r\n"
                               "Retry-After-Ms: 5\r\n"
                               "X-Poly-RateLimit-Remaining: 5\r\n"
                               "Content-Length: 0\r\n\r\n";
    run_whole(near, sizeof near - 1, 0, BODY_MAX, &o);
    assert_int_equal(o.done, 1);
    assert_int_equal(o.retry_after_s, 0);
    assert_int_equal(o.rl_remaining, -1);
}

/* ---- malformed ------------------------------------------------------- */

static void test_malformed(void **state)
{
    (void)state;
    static const struct bytes bad[] = {
        B("HTTP/2 200 OK\r\nContent-Length: 0\r\n\r\n"),
        B("ICY 200 OK\r\nContent-Length: 0\r\n\r\n"),
        B("http/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
        B("HTTP/1.2 200 OK\r\nContent-Length: 0\r\n\r\n"),
        B("HTTP/1.10 200 OK\r\nContent-Length: 0\r\n\r\n"),
        B("HTTP/1.1  200 OK\r\nContent-Length: 0\r\n\r\n"),
        B("HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n"),
        B("HTTP/1.1 20 OK\r\nContent-Length: 0\r\n\r\n"),
        B("HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n"),
        B("HTTP/1.1 200OK\r\nContent-Length: 0\r\n\r\n"),
        B("\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
        B("HTTP/1.1 099 Low\r\nContent-Length: 0\r\n\r\n"),
        B("HTTP/1.1 000\r\nContent-Length: 0\r\n\r\n"),
        B("HTTP/1.1 600 High\r\nContent-Length: 0\r\n\r\n"),
        B("HTTP/1.1 999\r\nContent-Length: 0\r\n\r\n"),
        B("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n"),
        B("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n"
          "\r\nhello!"),
        B("HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n"),
        B("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"),
        B("HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\nhello"),
        B("HTTP/1.1 200 OK\r\nContent-Length: 5 5\r\n\r\nhello"),
        B("HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n"),
        B("HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n"),
        B("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n"
          "\r\n"),
        B("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n"),
        B("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"),
        B("HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\n"
          "Content-Length: 0\r\n\r\n"),
        B("HTTP/1.1 200 OK\r\nTransfer-Encoding:\r\n\r\n"),
        B("HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\nContent-Length: 0\r\n"
          "\r\n"),
        B("HTTP/1.1 200 OK\r\nX-A: 1\r\n\tfolded\r\nContent-Length: 0\r\n"
          "\r\n"),
        B("HTTP/1.1 200 OK\r\nNoColonHere\r\nContent-Length: 0\r\n\r\n"),
        B("HTTP/1.1 200 OK\r\n: no name\r\nContent-Length: 0\r\n\r\n"),
        B("HTTP/1.1 200 OK\r\nBad Name: 1\r\nContent-Length: 0\r\n\r\n"),
        B("HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n"),
        B("HTTP/1.1 200 OK\r\nX-A: a\0b\r\nContent-Length: 0\r\n\r\n"),
        B("HTTP/1.1 200 OK\r\nX-A: a\rb\r\nContent-Length: 0\r\n\r\n"),
        B("HTTP/1.1 200 OK\r\nX-A: ab\r\r\nContent-Length: 0\r\n\r\n"),
        B("HTTP/1.1 200 O\0K\r\nContent-Length: 0\r\n\r\n"),
        B("HTTP/1.1 200 O\rK\r\nContent-Length: 0\r\n\r\n"),
        B("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\r\n"),
        /* a malformed header inside a 1xx is still malformed */
        B("HTTP/1.1 100 Continue\r\nNoColon\r\n\r\n"
          "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
        /* a short status line after a longer one (no stale bytes read) */
        B("HTTP/1.1 100 Continue\n\nHTTP/1.1 20\nContent-Length: 0\n\n"),
        /* the answer after a 1xx must still be a status line */
        B("HTTP/1.1 100 Continue\r\n\r\nHTTP/2 200\r\n\r\n"),
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_parse_error_at(bad[i].d, bad[i].n, i);
    }
    /* the same Content-Length twice is not a conflict */
    static const char twice[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
                                "content-length: 2\r\n\r\nok";
    struct outcome o;
    run_whole(twice, sizeof twice - 1, 0, BODY_MAX, &o);
    assert_int_equal(o.err, PMC_OK);
    assert_int_equal(o.done, 1);
    assert_string_equal(o.body, "ok");
    /* a status line without a reason phrase */
    static const char bare[] = "HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok";
    run_whole(bare, sizeof bare - 1, 0, BODY_MAX, &o);
    assert_int_equal(o.err, PMC_OK);
    assert_int_equal(o.done, 1);
    assert_int_equal(o.status, 200);
    /* 100..599 are all statuses (101 aside) */
    static const char hi[] = "HTTP/1.1 599 Odd\r\nContent-Length: 0\r\n\r\n";
    run_whole(hi, sizeof hi - 1, 0, BODY_MAX, &o);
    assert_int_equal(o.err, PMC_OK);
    assert_int_equal(o.status, 599);
}

/* A head line of n bytes before its CRLF. */
static size_t long_line_answer(char *d, size_t fill)
{
    static const char st[] = "HTTP/1.1 200 OK\r\n";
    static const char tail[] = "\r\nContent-Length: 2\r\n\r\nok";
    size_t n = 0;
    memcpy(d, st, sizeof st - 1);
    n += sizeof st - 1;
    memcpy(d + n, "X-Long: ", 8);
    n += 8;
    memset(d + n, 'v', fill - 8);
    n += fill - 8;
    memcpy(d + n, tail, sizeof tail - 1);
    return n + sizeof tail - 1;
}

static void test_line_too_long(void **state)
{
    (void)state;
    char *d = malloc(3 * PMC_HTTP1_LINE_MAX);
    assert_non_null(d);
    struct outcome o;
    /* a line whose bytes with CRLF are exactly LINE_MAX fits */
    size_t n = long_line_answer(d, PMC_HTTP1_LINE_MAX - 2);
    run_whole(d, n, 0, BODY_MAX, &o);
    assert_int_equal(o.err, PMC_OK);
    assert_int_equal(o.done, 1);
    assert_string_equal(o.body, "ok");
    run_step(d, n, 1, 0, BODY_MAX, &o);
    assert_int_equal(o.err, PMC_OK);
    assert_int_equal(o.done, 1);
    /* with a bare LF, a line of exactly LINE_MAX bytes fits, one more
     * does not */
    static const char st[] = "HTTP/1.1 200 OK\n";
    for (size_t extra = 0; extra <= 1; extra++) {
        size_t fill = PMC_HTTP1_LINE_MAX + extra;
        n = 0;
        memcpy(d, st, sizeof st - 1);
        n += sizeof st - 1;
        memcpy(d + n, "X-Long: ", 8);
        memset(d + n + 8, 'v', fill - 8);
        n += fill;
        memcpy(d + n, "\nContent-Length: 2\n\nok", 23);
        n += 23;
        if (extra) {
            assert_parse_error(d, n);
        } else {
            run_step(d, n, 5, 0, BODY_MAX, &o);
            assert_int_equal(o.err, PMC_OK);
            assert_int_equal(o.done, 1);
            assert_string_equal(o.body, "ok");
        }
    }
    /* one more than LINE_MAX without its CRLF does not */
    n = long_line_answer(d, PMC_HTTP1_LINE_MAX + 1);
    assert_parse_error(d, n);
    n = long_line_answer(d, 2 * PMC_HTTP1_LINE_MAX);
    assert_parse_error(d, n);
    /* nor without any line end at all: no waiting for ever */
    memset(d, 'H', 2 * PMC_HTTP1_LINE_MAX);
    assert_parse_error(d, 2 * PMC_HTTP1_LINE_MAX);
    /* a status line */
    memcpy(d, "HTTP/1.1 200 ", 13);
    memset(d + 13, 'r', PMC_HTTP1_LINE_MAX);
    memcpy(d + 13 + PMC_HTTP1_LINE_MAX, "\r\n\r\n", 4);
    assert_parse_error(d, 13 + PMC_HTTP1_LINE_MAX + 4);
    /* a chunk-size line (with a long extension) */
    static const char ch[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked"
                             "\r\n\r\n5;";
    memcpy(d, ch, sizeof ch - 1);
    memset(d + sizeof ch - 1, 'e', PMC_HTTP1_LINE_MAX);
    memcpy(d + sizeof ch - 1 + PMC_HTTP1_LINE_MAX, "\r\nhello\r\n0\r\n\r\n",
           14);
    assert_parse_error(d, sizeof ch - 1 + PMC_HTTP1_LINE_MAX + 14);
    free(d);
}

/* A head of many short header lines after the status line and `framing`
 * (one header line with its CRLF), total bytes (with the blank line)
 * exactly `total`; returns the head's length. */
static size_t many_headers_head(char *d, size_t total, const char *framing)
{
    static const char st[] = "HTTP/1.1 200 OK\r\n";
    size_t n = 0;
    memcpy(d, st, sizeof st - 1);
    n += sizeof st - 1;
    memcpy(d + n, framing, strlen(framing));
    n += strlen(framing);
    while (total - n - 2 >= 15 + 5) { /* "X-Hhhhhhhh: v\r\n": 15 bytes */
        memcpy(d + n, "X-Hhhhhhhh: v\r\n", 15);
        n += 15;
    }
    /* pad with one last line of the remaining length (>= 5: "X: \r\n") */
    size_t last = total - n - 2;
    assert_true(last >= 5);
    memcpy(d + n, "X: ", 3);
    memset(d + n + 3, 'p', last - 5);
    memcpy(d + n + last - 2, "\r\n", 2);
    n += last;
    memcpy(d + n, "\r\n", 2);
    return n + 2;
}

/* The same with a Content-Length 2 body "ok". */
static size_t many_headers_answer(char *d, size_t total)
{
    size_t n = many_headers_head(d, total, "Content-Length: 2\r\n");
    memcpy(d + n, "ok", 2);
    return n + 2;
}

static void test_head_too_long(void **state)
{
    (void)state;
    char *d = malloc(2 * PMC_HTTP1_HEAD_MAX);
    assert_non_null(d);
    struct outcome o;
    size_t n = many_headers_answer(d, PMC_HTTP1_HEAD_MAX);
    assert_int_equal(n, PMC_HTTP1_HEAD_MAX + 2);
    run_whole(d, n, 0, BODY_MAX, &o);
    assert_int_equal(o.err, PMC_OK);
    assert_int_equal(o.done, 1);
    assert_string_equal(o.body, "ok");
    run_step(d, n, 3, 0, BODY_MAX, &o);
    assert_int_equal(o.err, PMC_OK);
    assert_int_equal(o.done, 1);

    n = many_headers_answer(d, PMC_HTTP1_HEAD_MAX + 2);
    assert_parse_error(d, n);
    n = many_headers_answer(d, PMC_HTTP1_HEAD_MAX + 4000);
    assert_parse_error(d, n);
    n = many_headers_answer(d, 2 * PMC_HTTP1_HEAD_MAX - 8);
    assert_parse_error(d, n);

    /* endless 100 Continue answers are one head too */
    size_t k = 0;
    while (k + 25 <= 2 * PMC_HTTP1_HEAD_MAX) {
        memcpy(d + k, "HTTP/1.1 100 Continue\r\n\r\n", 25);
        k += 25;
    }
    assert_parse_error(d, k);

    /* trailers are bounded as well */
    static const char ch[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked"
                             "\r\n\r\n0\r\n";
    memcpy(d, ch, sizeof ch - 1);
    k = sizeof ch - 1;
    while (k + 15 <= 2 * PMC_HTTP1_HEAD_MAX - 2) {
        memcpy(d + k, "X-Hhhhhhhh: v\r\n", 15);
        k += 15;
    }
    memcpy(d + k, "\r\n", 2);
    assert_parse_error(d, k + 2);
    free(d);
}

static void test_many_chunks(void **state)
{
    (void)state;
    /* many small chunks add up to more than HEAD_MAX of size lines: not a
     * head, so fine */
    static const char head[] = "HTTP/1.1 200 OK\r\n"
                               "Transfer-Encoding: chunked\r\n\r\n";
    size_t cap = 2 * PMC_HTTP1_HEAD_MAX + 64;
    char *d = malloc(cap);
    assert_non_null(d);
    size_t n = sizeof head - 1;
    memcpy(d, head, n);
    size_t chunks = 0;
    while (n + 10 + 5 <= cap) {
        memcpy(d + n, "1;e=0\r\nx\r\n", 10);
        n += 10;
        chunks++;
    }
    memcpy(d + n, "0\r\n\r\n", 5);
    n += 5;
    struct pmc_http1_resp *p = malloc(sizeof *p);
    char *body = malloc(chunks + 1);
    assert_non_null(p);
    assert_non_null(body);
    pmc_http1_resp_init(p, body, chunks + 1);
    size_t used = 0;
    int done = 0;
    assert_int_equal(pmc_http1_resp_feed(p, d, n, &used, &done), PMC_OK);
    assert_int_equal(done, 1);
    assert_int_equal(used, n);
    assert_int_equal(p->body_len, chunks);
    assert_int_equal(p->body_over, 0);
    for (size_t i = 0; i < chunks; i++)
        assert_int_equal(body[i], 'x');
    free(body);
    free(p);
    free(d);
}

/* The head limit covers the head lines of an answer (http1.h), not the
 * chunk-size line after them: a 32758-byte head (10 under
 * PMC_HTTP1_HEAD_MAX) followed by "5;name=abcdefghijklmn\r\n" is read, as
 * the same head with a Content-Length body or a plain "5\r\n" is. */
static void test_head_limit_not_charged_with_chunk_size(void **state)
{
    (void)state;
    static const char *const tails[] = {
        "5\r\nhello\r\n0\r\n\r\n",
        "5;name=abcdefghijklmn\r\nhello\r\n0\r\n\r\n",
    };
    static char d[PMC_HTTP1_HEAD_MAX + 256]; /* no leak on failure */
    for (size_t t = 0; t < 2; t++) {
        size_t n = many_headers_head(d, PMC_HTTP1_HEAD_MAX - 10,
                                     "Transfer-Encoding: chunked\r\n");
        assert_int_equal(n, PMC_HTTP1_HEAD_MAX - 10);
        memcpy(d + n, tails[t], strlen(tails[t]));
        n += strlen(tails[t]);
        struct outcome o;
        run_whole(d, n, 0, BODY_MAX, &o);
        if (o.err != PMC_OK || !o.done || strcmp(o.body, "hello") != 0)
            fail_msg("tail %zu: err %d done %d why \"%s\" body \"%s\"", t,
                     (int)o.err, o.done, o.why, o.body);
    }
}

/* ---- line ends, truncation ------------------------------------------- */

static void test_bare_lf(void **state)
{
    (void)state;
    static const struct bytes a[] = {
        B("HTTP/1.1 200 OK\nContent-Length: 5\nX-A: 1\n\nhello"),
        B("HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n"
          "5\nhello\n0\nT: 1\n\n"),
        B("HTTP/1.1 200 OK\r\nContent-Length: 5\n\r\nhello"),
    };
    for (size_t i = 0; i < sizeof a / sizeof a[0]; i++) {
        struct outcome o;
        check_split_free(a[i].d, a[i].n, 0, BODY_MAX, &o);
        expect_done(&o, 200, 1, "hello");
        assert_int_equal(o.used, a[i].n);
    }
}

static void test_body_truncated(void **state)
{
    (void)state;
    static const char a[] = "HTTP/1.1 200 OK\r\nContent-Length: 26\r\n\r\n"
                            "abcdefghijklmnopqrstuvwxyzMORE";
    size_t n = sizeof a - 1;
    struct outcome o;
    check_split_free(a, n, 0, 8, &o);
    assert_int_equal(o.err, PMC_OK);
    assert_int_equal(o.done, 1);
    assert_int_equal(o.status, 200);
    assert_int_equal(o.body_over, 1);
    assert_int_equal(o.body_len, 7);
    assert_string_equal(o.body, "abcdefg");
    assert_int_equal(o.body[8], 'Z'); /* nothing written past the buffer */
    assert_int_equal(o.used, n - 4);
    assert_int_equal(o.received, n - 4);

    /* a one-byte buffer keeps only the NUL */
    run_whole(a, n, 0, 1, &o);
    assert_int_equal(o.done, 1);
    assert_int_equal(o.body_over, 1);
    assert_int_equal(o.body_len, 0);
    assert_int_equal(o.body[0], '\0');
    assert_int_equal(o.body[1], 'Z');
    assert_int_equal(o.used, n - 4);

    /* exactly cap - 1 bytes: not over */
    run_whole(a, n, 0, 27, &o);
    assert_int_equal(o.body_over, 0);
    assert_int_equal(o.body_len, 26);
    assert_string_equal(o.body, "abcdefghijklmnopqrstuvwxyz");
    run_whole(a, n, 0, 26, &o);
    assert_int_equal(o.body_over, 1);
    assert_int_equal(o.body_len, 25);

    /* close-delimited, truncated */
    static const char c[] = "HTTP/1.1 500 Oops\r\n\r\n0123456789";
    check_split_free(c, sizeof c - 1, 1, 4, &o);
    assert_int_equal(o.err, PMC_OK);
    assert_int_equal(o.done, 1);
    assert_int_equal(o.body_over, 1);
    assert_string_equal(o.body, "012");
    assert_int_equal(o.used, sizeof c - 1);
}

/* ---- request head ------------------------------------------------------- */

static void test_req_head_post(void **state)
{
    (void)state;
    static const char want[] = "POST /order HTTP/1.1\r\n"
                               "Host: h:1\r\n"
                               "A: b\r\n"
                               "C: d\r\n"
                               "Content-Length: 42\r\n"
                               "\r\n";
    const char *lines[] = {"A: b", "C: d"};
    char out[256];
    memset(out, 'Z', sizeof out);
    size_t n = pmc_http1_req_head(out, sizeof out, "POST", "h:1", "/order",
                                  lines, 2, 1, 42);
    assert_int_equal(n, sizeof want - 1);
    assert_memory_equal(out, want, n);
    assert_int_equal(out[n], '\0');

    /* every cap too small gives 0; one more than the length fits */
    for (size_t cap = 0; cap <= sizeof want - 1; cap++) {
        char *o2 = malloc(cap ? cap : 1);
        assert_non_null(o2);
        assert_int_equal(pmc_http1_req_head(o2, cap, "POST", "h:1", "/order",
                                            lines, 2, 1, 42),
                         0);
        free(o2);
    }
    char *o3 = malloc(sizeof want);
    assert_non_null(o3);
    assert_int_equal(pmc_http1_req_head(o3, sizeof want, "POST", "h:1",
                                        "/order", lines, 2, 1, 42),
                     sizeof want - 1);
    assert_memory_equal(o3, want, sizeof want - 1);
    free(o3);

    /* has_body with a zero length still says so */
    n = pmc_http1_req_head(out, sizeof out, "POST", "h", "/", NULL, 0, 1, 0);
    assert_int_equal(n, strlen("POST / HTTP/1.1\r\nHost: h\r\n"
                               "Content-Length: 0\r\n\r\n"));
    assert_memory_equal(out,
                        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0"
                        "\r\n\r\n",
                        n);
}

static void test_req_head_get(void **state)
{
    (void)state;
    static const char want[] = "GET /book?token_id=12 HTTP/1.1\r\n"
                               "Host: clob.polymarket.com\r\n"
                               "Accept: application/json\r\n"
                               "\r\n";
    const char *lines[] = {"Accept: application/json"};
    char out[256];
    size_t n = pmc_http1_req_head(out, sizeof out, "GET", "clob.polymarket.com",
                                  "/book?token_id=12", lines, 1, 0, 99);
    assert_int_equal(n, sizeof want - 1);
    assert_memory_equal(out, want, n);
    assert_null(strstr(out, "Content-Length"));
    for (size_t cap = 0; cap <= sizeof want - 1; cap++)
        assert_int_equal(
            pmc_http1_req_head(out, cap, "GET", "clob.polymarket.com",
                               "/book?token_id=12", lines, 1, 0, 99),
            0);
    assert_int_equal(pmc_http1_req_head(out, sizeof want, "GET",
                                        "clob.polymarket.com",
                                        "/book?token_id=12", lines, 1, 0, 99),
                     sizeof want - 1);
    /* no lines at all */
    n = pmc_http1_req_head(out, sizeof out, "GET", "h", "/", NULL, 0, 0, 0);
    assert_int_equal(n, strlen("GET / HTTP/1.1\r\nHost: h\r\n\r\n"));
    assert_memory_equal(out, "GET / HTTP/1.1\r\nHost: h\r\n\r\n", n);
}

static void test_req_head_rejects(void **state)
{
    (void)state;
    char out[512];
    const char *ok[] = {"A: b"};
    const char *cr[] = {"A: b", "X: y\rZ: w"};
    const char *lf[] = {"X: y\nZ: w", "A: b"};
    const char *crlf[] = {"X: y\r\n"};
    assert_true(pmc_http1_req_head(out, sizeof out, "POST", "h", "/o", ok, 1, 1,
                                   5) > 0);
    assert_int_equal(
        pmc_http1_req_head(out, sizeof out, "POST", "h", "/o", cr, 2, 1, 5), 0);
    assert_int_equal(
        pmc_http1_req_head(out, sizeof out, "POST", "h", "/o", lf, 2, 1, 5), 0);
    assert_int_equal(
        pmc_http1_req_head(out, sizeof out, "POST", "h", "/o", crlf, 1, 0, 0),
        0);
    /* a method, host or target that would break the request line: CR, LF,
     * a space where none may be, an empty part, a target not a path */
    static const struct {
        const char *method, *host, *target;
    } bad[] = {
        {"POST", "h", "/o\r\nX: 1"},
        {"POST", "h", "/o\n"},
        {"POST", "h", "/o HTTP/1.0"},
        {"POST", "h", "/o\r"},
        {"PO\rST", "h", "/o"},
        {"POST\n", "h", "/o"},
        {"PO ST", "h", "/o"},
        {"POST", "h\r\nX: 1", "/o"},
        {"POST", "h\n", "/o"},
        {"POST", "h x", "/o"},
        {"", "h", "/o"},
        {"POST", "", "/o"},
        {"POST", "h", ""},
        {"POST", "h", "o"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(pmc_http1_req_head(out, sizeof out, bad[i].method,
                                            bad[i].host, bad[i].target, ok, 1,
                                            1, 5),
                         0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_content_length),
        cmocka_unit_test(test_content_length_zero_and_after_done),
        cmocka_unit_test(test_split_content_length),
        cmocka_unit_test(test_split_chunked),
        cmocka_unit_test(test_split_close_delimited),
        cmocka_unit_test(test_split_truncated_body),
        cmocka_unit_test(test_chunked_hex_case),
        cmocka_unit_test(test_chunked_trailers_and_bare_zero),
        cmocka_unit_test(test_chunked_malformed),
        cmocka_unit_test(test_chunked_with_content_length),
        cmocka_unit_test(test_close_delimited),
        cmocka_unit_test(test_eof_errors),
        cmocka_unit_test(test_interim),
        cmocka_unit_test(test_no_body_statuses),
        cmocka_unit_test(test_connection),
        cmocka_unit_test(test_rate_limit_headers),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_line_too_long),
        cmocka_unit_test(test_head_too_long),
        cmocka_unit_test(test_many_chunks),
        cmocka_unit_test(test_head_limit_not_charged_with_chunk_size),
        cmocka_unit_test(test_bare_lf),
        cmocka_unit_test(test_body_truncated),
        cmocka_unit_test(test_req_head_post),
        cmocka_unit_test(test_req_head_get),
        cmocka_unit_test(test_req_head_rejects),
    };
    return cmocka_run_group_tests_name("http1", tests, NULL, NULL);
}
