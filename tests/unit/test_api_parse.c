/* tests/unit/test_api_parse.c - what the local HTTP API parses itself
 * (live/api.h): the admission of a request by its Host, Origin and
 * Authorization headers (pmc_api_admit), the query-string helper
 * (pmc_api_query_get) and the token's sources and file checks
 * (pmc_api_token_load). Every query lies in a buffer of exactly its size
 * (`make asan` checks the reads). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "live/api.h"

#define TOK "0123456789abcdef0123456789abcdef"

static int admit(const char *m, const char *p, const char *host,
                 const char *origin, const char *auth)
{
    return pmc_api_admit(m, p, host, origin, auth, TOK, 8080);
}

static void test_admit_host_origin(void **st)
{
    (void)st;
    const char *ok = "Bearer " TOK;
    assert_int_equal(admit("GET", "/status", "127.0.0.1:8080", NULL, ok), 0);
    assert_int_equal(admit("GET", "/status", "localhost:8080", NULL, ok), 0);
    assert_int_equal(admit("GET", "/status", "LOCALHOST:8080", NULL, ok), 0);
    /* DNS rebinding: another name, another port, no port, no Host */
    assert_int_equal(admit("GET", "/status", "evil.com:8080", NULL, ok), 403);
    assert_int_equal(admit("GET", "/status", "127.0.0.1:8081", NULL, ok), 403);
    assert_int_equal(admit("GET", "/status", "127.0.0.1:80800", NULL, ok), 403);
    assert_int_equal(admit("GET", "/status", "127.0.0.1", NULL, ok), 403);
    assert_int_equal(admit("GET", "/status", "127.0.0.1:", NULL, ok), 403);
    assert_int_equal(admit("GET", "/status", "127.0.0.10:8080", NULL, ok), 403);
    assert_int_equal(
        admit("GET", "/status", "localhost.evil.com:8080", NULL, ok), 403);
    assert_int_equal(admit("GET", "/status", NULL, NULL, ok), 403);
    assert_int_equal(admit("GET", "/health", "x", NULL, NULL), 403);
    /* a page of another origin in the operator's browser */
    assert_int_equal(
        admit("POST", "/resume", "127.0.0.1:8080", "http://127.0.0.1:8080", ok),
        0);
    assert_int_equal(
        admit("POST", "/resume", "127.0.0.1:8080", "http://localhost:8080", ok),
        0);
    assert_int_equal(
        admit("POST", "/resume", "127.0.0.1:8080", "http://evil.com", ok), 403);
    assert_int_equal(admit("POST", "/resume", "127.0.0.1:8080",
                           "https://127.0.0.1:8080", ok),
                     403);
    assert_int_equal(admit("POST", "/resume", "127.0.0.1:8080", "null", ok),
                     403);
    assert_int_equal(admit("POST", "/resume", "127.0.0.1:8080",
                           "http://127.0.0.1:8080/", ok),
                     403);
    assert_int_equal(
        admit("GET", "/ready", "127.0.0.1:8080", "http://evil.com", NULL), 403);
}

static void test_admit_token(void **st)
{
    (void)st;
    const char *h = "127.0.0.1:8080";
    /* no token needed: GET /health, /ready, / only */
    assert_int_equal(admit("GET", "/health", h, NULL, NULL), 0);
    assert_int_equal(admit("GET", "/ready", h, NULL, NULL), 0);
    assert_int_equal(admit("GET", "/", h, NULL, NULL), 0);
    assert_int_equal(admit("POST", "/health", h, NULL, NULL), 401);
    assert_int_equal(admit("GET", "/health/", h, NULL, NULL), 401);
    assert_int_equal(admit("GET", "/status", h, NULL, NULL), 401);
    assert_int_equal(admit("POST", "/kill", h, NULL, NULL), 401);
    /* missing and wrong look the same */
    assert_int_equal(admit("GET", "/status", h, NULL, "Bearer"), 401);
    assert_int_equal(admit("GET", "/status", h, NULL, "Bearer "), 401);
    assert_int_equal(admit("GET", "/status", h, NULL, "Bearer x"), 401);
    assert_int_equal(admit("GET", "/status", h, NULL, "Basic " TOK), 401);
    assert_int_equal(admit("GET", "/status", h, NULL, TOK), 401);
    assert_int_equal(
        admit("GET", "/status", h, NULL, "Bearer 0123456789abcdef"), 401);
    assert_int_equal(admit("GET", "/status", h, NULL, "Bearer " TOK "0"), 401);
    assert_int_equal(admit("GET", "/status", h, NULL,
                           "Bearer 0123456789abcdef0123456789abcdeF"),
                     401);
    /* the scheme is case-insensitive; blanks around the token */
    assert_int_equal(admit("GET", "/status", h, NULL, "bearer " TOK), 0);
    assert_int_equal(admit("GET", "/status", h, NULL, "BEARER   " TOK " "), 0);
}

static int qget(const char *q, const char *key, char *buf, size_t cap)
{
    size_t n = strlen(q) + 1;
    char *b = malloc(n);
    assert_non_null(b);
    memcpy(b, q, n);
    int r = pmc_api_query_get(b, key, buf, cap);
    free(b);
    return r;
}

static void test_query(void **st)
{
    (void)st;
    char v[16];
    assert_int_equal(qget("since=5&limit=20", "limit", v, sizeof v), 2);
    assert_string_equal(v, "20");
    assert_int_equal(qget("since=5&limit=20", "since", v, sizeof v), 1);
    assert_string_equal(v, "5");
    assert_int_equal(qget("since=5&limit=20", "lim", v, sizeof v), -1);
    assert_int_equal(qget("since=5&limit=20", "reason", v, sizeof v), -1);
    assert_int_equal(qget("", "a", v, sizeof v), -1);
    assert_int_equal(qget("xa=1&a=2", "a", v, sizeof v), 1);
    assert_string_equal(v, "2");
    /* the first occurrence; a key without '=' is an empty value */
    assert_int_equal(qget("a=1&a=2", "a", v, sizeof v), 1);
    assert_string_equal(v, "1");
    assert_int_equal(qget("a&b=1", "a", v, sizeof v), 0);
    assert_string_equal(v, "");
    assert_int_equal(qget("a=&b=1", "a", v, sizeof v), 0);
    /* decoding */
    char w[32];
    assert_int_equal(qget("reason=below_min%5Fsize+x", "reason", w, sizeof w),
                     16);
    assert_string_equal(w, "below_min_size x");
    assert_int_equal(qget("r=%41%62", "r", v, sizeof v), 2);
    assert_string_equal(v, "Ab");
    /* refused: bad escapes, a NUL, too long for buf (never cut) */
    assert_int_equal(qget("r=%4", "r", v, sizeof v), -2);
    assert_string_equal(v, "");
    assert_int_equal(qget("r=%zz", "r", v, sizeof v), -2);
    assert_int_equal(qget("r=%", "r", v, sizeof v), -2);
    assert_int_equal(qget("r=a%00b", "r", v, sizeof v), -2);
    assert_int_equal(qget("r=123456789012345", "r", v, sizeof v), 15);
    assert_int_equal(qget("r=1234567890123456", "r", v, sizeof v), -2);
    assert_string_equal(v, "");
    assert_int_equal(qget("r=1", "r", v, 1), -2);
    assert_int_equal(qget("r=", "r", v, 1), 0);
    assert_int_equal(qget("r=", "r", v, 0), -2);
}

static void test_token(void **st)
{
    (void)st;
    char dir[] = "/tmp/pmc_test_token.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256], tok[PMC_API_TOKEN_MAX + 1], err[512], tok2[sizeof tok];
    const char *src = NULL;
    snprintf(path, sizeof path, "%s/db-api-token", dir);
    unsetenv("PMC_API_TOKEN");
    /* created at first start: 0600, 64 hex digits; read back later */
    mode_t old = umask(0);
    assert_int_equal(pmc_api_token_load(path, tok, &src, err, sizeof err),
                     PMC_OK);
    umask(old);
    assert_string_equal(src, "created");
    assert_int_equal(strlen(tok), 64);
    assert_int_equal(strspn(tok, "0123456789abcdef"), 64);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(pmc_api_token_load(path, tok2, &src, err, sizeof err),
                     PMC_OK);
    assert_string_equal(src, "file");
    assert_string_equal(tok, tok2);
    /* a file others can read is refused, naming path and mode */
    assert_int_equal(chmod(path, 0640), 0);
    assert_int_not_equal(pmc_api_token_load(path, tok2, &src, err, sizeof err),
                         PMC_OK);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "0640"));
    assert_null(strstr(err, tok));
    assert_string_equal(tok2, "");
    assert_int_equal(chmod(path, 0600), 0);
    /* PMC_API_TOKEN wins; too short is refused */
    setenv("PMC_API_TOKEN", "env-token-0123456789", 1);
    assert_int_equal(pmc_api_token_load(path, tok2, &src, err, sizeof err),
                     PMC_OK);
    assert_string_equal(src, "env");
    assert_string_equal(tok2, "env-token-0123456789");
    setenv("PMC_API_TOKEN", "short", 1);
    assert_int_not_equal(pmc_api_token_load(path, tok2, &src, err, sizeof err),
                         PMC_OK);
    assert_non_null(strstr(err, "PMC_API_TOKEN"));
    /* no file to keep it in and no PMC_API_TOKEN */
    unsetenv("PMC_API_TOKEN");
    assert_int_not_equal(pmc_api_token_load(NULL, tok2, &src, err, sizeof err),
                         PMC_OK);
    assert_non_null(strstr(err, "PMC_API_TOKEN"));
    /* a file that holds no token */
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("not a token\n", f);
    fclose(f);
    assert_int_equal(chmod(path, 0600), 0);
    assert_int_not_equal(pmc_api_token_load(path, tok2, &src, err, sizeof err),
                         PMC_OK);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_admit_host_origin),
        cmocka_unit_test(test_admit_token),
        cmocka_unit_test(test_query),
        cmocka_unit_test(test_token),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
