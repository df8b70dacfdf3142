/* tests/unit/test_fetch_cache.c - the raw-answer cache
 * (research/fetch/cache.h): round trip and metadata, the key ignores the
 * host, a body without its metadata (a writer killed between the two
 * renames) or not matching its sha256 is no entry, a rerun after such a
 * kill leaves the same bytes as one uninterrupted run, and what a killed
 * run left in tmp/ is removed on open. Also the command-line time parser
 * (research/fetch/when.h). */
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

#include "research/fetch/cache.h"
#include "research/fetch/when.h"

static char *tmpdir(void)
{
    char t[] = "/tmp/pmc_fx_cacheXXXXXX";
    char *d = mkdtemp(t);
    assert_non_null(d);
    return strdup(d);
}

static void rmrf(const char *d)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", d);
    assert_int_equal(system(cmd), 0);
}

static char *slurp(const char *p, size_t *n)
{
    FILE *f = fopen(p, "rb");
    if (!f)
        return NULL;
    char *b = malloc(1 << 20);
    *n = fread(b, 1, 1 << 20, f);
    b[*n] = '\0';
    fclose(f);
    return b;
}

static const char *Q = "/activity?user=0xab&start=1&end=2&limit=500&offset=0";

static void round_trip(void **state)
{
    (void)state;
    char *d = tmpdir();
    struct pmc_fx_cache c;
    char err[256];
    assert_int_equal(pmc_fx_cache_open(&c, d, err, sizeof err), 0);
    char *b = NULL;
    size_t n = 0;
    assert_int_equal(pmc_fx_cache_get(&c, "activity", Q, &b, &n, err, 256), 0);
    assert_int_equal(pmc_fx_cache_put(&c, "activity", Q, 200, "[1,2]", 5, 2,
                                      1700000000, err, sizeof err),
                     0);
    assert_int_equal(pmc_fx_cache_get(&c, "activity", Q, &b, &n, err, 256), 1);
    assert_int_equal(n, 5);
    assert_memory_equal(b, "[1,2]", 5);
    free(b);
    char p[PMC_FX_PATH_MAX], m[PMC_FX_PATH_MAX];
    assert_int_equal(pmc_fx_cache_path(&c, "activity", Q, p, sizeof p), 0);
    assert_non_null(strstr(p, "/activity/"));
    snprintf(m, sizeof m, "%.*s.meta", (int)(strlen(p) - 5), p);
    char *meta = slurp(m, &n);
    assert_non_null(meta);
    char h[65];
    pmc_fx_sha256_hex("[1,2]", 5, h);
    char want[512];
    snprintf(want, sizeof want,
             "{\"url\":\"%s\",\"status\":200,\"sha256\":\"%s\",\"rows\":2,"
             "\"bytes\":5,\"time\":1700000000}\n",
             Q, h);
    assert_string_equal(meta, want);
    free(meta);
    /* a 400 the pager understood (the offset cap) is kept with its status,
     * its body beside the entry as .body (not .json: import reads those) */
    const char *Q4 = "/activity?user=0xab&offset=10500";
    assert_int_equal(pmc_fx_cache_put(&c, "activity", Q4, 400, "{}", 2, 0,
                                      1700000000, err, sizeof err),
                     0);
    long st = 0;
    assert_int_equal(
        pmc_fx_cache_get_status(&c, "activity", Q4, &b, &n, &st, err, 256), 1);
    assert_int_equal(st, 400);
    free(b);
    assert_int_equal(pmc_fx_cache_path(&c, "activity", Q4, p, sizeof p), 0);
    assert_int_not_equal(access(p, F_OK), 0);
    memcpy(p + strlen(p) - 5, ".body", 5);
    assert_int_equal(access(p, F_OK), 0);
    /* another query is another entry */
    assert_int_equal(pmc_fx_cache_get(&c, "activity", "/activity?user=0xac", &b,
                                      &n, err, 256),
                     0);
    rmrf(d);
    free(d);
}

static void killed_between_renames(void **state)
{
    (void)state;
    char *d = tmpdir();
    struct pmc_fx_cache c;
    char err[256];
    assert_int_equal(pmc_fx_cache_open(&c, d, err, sizeof err), 0);
    assert_int_equal(pmc_fx_cache_put(&c, "activity", Q, 200, "[1,2]", 5, 2,
                                      1700000000, err, sizeof err),
                     0);
    char p[PMC_FX_PATH_MAX], m[PMC_FX_PATH_MAX];
    assert_int_equal(pmc_fx_cache_path(&c, "activity", Q, p, sizeof p), 0);
    snprintf(m, sizeof m, "%.*s.meta", (int)(strlen(p) - 5), p);
    size_t n1, n2;
    char *body1 = slurp(p, &n1), *meta1 = slurp(m, &n2);
    /* the body renamed, the metadata not: no entry */
    assert_int_equal(unlink(m), 0);
    char *b = NULL;
    size_t n = 0;
    assert_int_equal(pmc_fx_cache_get(&c, "activity", Q, &b, &n, err, 256), 0);
    /* a new body under old metadata (killed after the body's rename) */
    FILE *f = fopen(m, "wb");
    fputs(meta1, f);
    fclose(f);
    f = fopen(p, "wb");
    fputs("[1,2,3]", f);
    fclose(f);
    assert_int_equal(pmc_fx_cache_get(&c, "activity", Q, &b, &n, err, 256), 0);
    /* a leftover temporary file */
    char t[PMC_FX_PATH_MAX + 32];
    snprintf(t, sizeof t, "%s/tmp/w123", d);
    f = fopen(t, "wb");
    fputs("partial", f);
    fclose(f);
    /* the rerun: open (cleans tmp/), put again -> the same bytes */
    assert_int_equal(pmc_fx_cache_open(&c, d, err, sizeof err), 0);
    assert_int_not_equal(access(t, F_OK), 0);
    assert_int_equal(pmc_fx_cache_put(&c, "activity", Q, 200, "[1,2]", 5, 2,
                                      1700000000, err, sizeof err),
                     0);
    size_t k1, k2;
    char *body2 = slurp(p, &k1), *meta2 = slurp(m, &k2);
    assert_int_equal(k1, n1);
    assert_memory_equal(body1, body2, n1);
    assert_string_equal(meta1, meta2);
    char tmp[PMC_FX_PATH_MAX + 8];
    snprintf(tmp, sizeof tmp, "%s/tmp", d);
    char cmd[PMC_FX_PATH_MAX + 64];
    snprintf(cmd, sizeof cmd, "test -z \"$(ls -A '%s')\"", tmp);
    assert_int_equal(system(cmd), 0); /* nothing left behind */
    free(body1);
    free(meta1);
    free(body2);
    free(meta2);
    rmrf(d);
    free(d);
}

static void bad_folder(void **state)
{
    (void)state;
    struct pmc_fx_cache c;
    char err[256];
    assert_int_equal(pmc_fx_cache_open(&c, "/proc/nope/cache", err, 256), -1);
    assert_non_null(strstr(err, "/proc/nope/cache"));
}

static void times(void **state)
{
    (void)state;
    int64_t t;
    assert_int_equal(pmc_fx_when("1767225600", &t), 0);
    assert_int_equal(t, 1767225600);
    assert_int_equal(pmc_fx_when("2026-01-01", &t), 0);
    assert_int_equal(t, 1767225600);
    assert_int_equal(pmc_fx_when("2026-01-01T00:00:01Z", &t), 0);
    assert_int_equal(t, 1767225601);
    assert_int_equal(pmc_fx_when("2026-01-01T02:00:00+02:00", &t), 0);
    assert_int_equal(t, 1767225600);
    assert_int_equal(pmc_fx_when("0", &t), 0);
    assert_int_equal(t, 0);
    assert_int_equal(pmc_fx_when("", &t), -1);
    assert_int_equal(pmc_fx_when("yesterday", &t), -1);
    assert_int_equal(pmc_fx_when("2026-13-01", &t), -1);
    assert_int_equal(pmc_fx_when("-5", &t), -1);
    assert_int_equal(pmc_fx_when("123456789012345", &t), -1);
    assert_int_equal(pmc_fx_when("17672256OO", &t), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip),
        cmocka_unit_test(killed_between_renames),
        cmocka_unit_test(bad_folder),
        cmocka_unit_test(times),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
