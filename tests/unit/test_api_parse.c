/* tests/unit/test_api_parse.c - the request parser of the local HTTP API
 * (live/api.h pmc_api_parse): complete or not, the status before any
 * handler, and never a byte read past what the client sent (every request
 * here sits in a buffer of exactly its size; `make asan` checks the
 * reads). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "live/api.h"

static char method[PMC_API_METHOD_MAX + 1], target[PMC_API_TARGET_MAX + 1];
static struct pmc_api_req req;

static int parse(const char *s, size_t n)
{
    char *b = malloc(n ? n : 1);
    assert_non_null(b);
    memcpy(b, s, n);
    int st = pmc_api_parse(b, n, &req, method, target);
    if (st == 200) { /* the body points into b: check it, then let go */
        assert_true(req.body >= b && req.body + req.body_len <= b + n);
        req.body = NULL;
    }
    free(b);
    return st;
}

#define P(s) parse(s, sizeof(s) - 1)

static void test_complete(void **st)
{
    (void)st;
    assert_int_equal(P("GET /status?x=1 HTTP/1.1\r\nHost: a\r\n\r\n"), 200);
    assert_string_equal(req.method, "GET");
    assert_string_equal(req.path, "/status");
    assert_string_equal(req.query, "x=1");
    assert_int_equal(req.body_len, 0);
    assert_int_equal(P("POST /kill HTTP/1.1\r\ncontent-LENGTH: 2\r\n\r\nok"),
                     200);
    assert_int_equal(req.body_len, 2);
    /* not yet complete: the head, then the body */
    assert_int_equal(P("GET /status HTTP/1.1\r\n"), 0);
    assert_int_equal(P("POST /kill HTTP/1.1\r\nContent-Length: 3\r\n\r\nok"),
                     0);
    assert_int_equal(P(""), 0);
}

static void test_refused(void **st)
{
    (void)st;
    /* a head of blanks: no request line, and nothing read past it */
    assert_int_equal(P("\r\n\r\n"), 400);
    assert_int_equal(P("  \t \r\n\r\n"), 400);
    assert_int_equal(P("GET\r\n\r\n"), 400);
    /* the target is on the request line, and a path */
    assert_int_equal(P("GET\r\n/x\r\n\r\n"), 400);
    assert_int_equal(P("GET ?x HTTP/1.1\r\n\r\n"), 400);
    assert_int_equal(P("GET /?x HTTP/1.1\r\n\r\n"), 200);
    assert_string_equal(req.path, "/");
    assert_string_equal(req.query, "x");
    /* a NUL (or any control byte) in the request line */
    assert_int_equal(P("GET /\0x HTTP/1.1\r\n\r\n"), 400);
    assert_int_equal(P("POST \0\0\0 HTTP/1.1\r\n\r\n"), 400);
    assert_int_equal(P("G\001T / HTTP/1.1\r\n\r\n"), 400);
    /* longer than fits: refused, never cut */
    assert_int_equal(P("GETTING / HTTP/1.1\r\n\r\n"), 200);
    assert_int_equal(P("GETTINGS / HTTP/1.1\r\n\r\n"), 400);
    char big[PMC_API_TARGET_MAX + 64];
    int n = snprintf(big, sizeof big, "GET /%0*d HTTP/1.1\r\n\r\n",
                     PMC_API_TARGET_MAX - 1, 0);
    assert_int_equal(parse(big, (size_t)n), 200);
    assert_int_equal(strlen(req.path), PMC_API_TARGET_MAX);
    n = snprintf(big, sizeof big, "GET /%0*d HTTP/1.1\r\n\r\n",
                 PMC_API_TARGET_MAX, 0);
    assert_int_equal(parse(big, (size_t)n), 400);
    assert_int_equal(
        P("POST / HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n"), 413);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_complete),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
