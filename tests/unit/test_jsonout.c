/* tests/unit/test_jsonout.c - JSON strings and CSV fields as the reports,
 * views and rankings write them (proto/jsonout.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/jsonout.h"

/* what fn writes for s */
static char *out(void (*fn)(FILE *, const char *), const char *s)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    assert_non_null(f);
    fn(f, s);
    fclose(f);
    return buf;
}

static void expect(void (*fn)(FILE *, const char *), const char *s,
                   const char *want)
{
    char *got = out(fn, s);
    assert_string_equal(got, want);
    free(got);
}

static void test_csv(void **state)
{
    (void)state;
    expect(pmc_csv_str, "plain", "plain");
    expect(pmc_csv_str, "", "");
    expect(pmc_csv_str, NULL, "");
    expect(pmc_csv_str, "a,b", "\"a,b\"");
    expect(pmc_csv_str, "say \"hi\"", "\"say \"\"hi\"\"\"");
    expect(pmc_csv_str, "two\nlines", "\"two\nlines\"");
    expect(pmc_csv_str, "cr\rhere", "\"cr\rhere\"");
}

static void test_json(void **state)
{
    (void)state;
    expect(pmc_json_str, "plain", "\"plain\"");
    expect(pmc_json_str, NULL, "null");
    expect(pmc_json_str, "q\"b\\", "\"q\\\"b\\\\\"");
    expect(pmc_json_str, "a\nb\x01", "\"a\\u000ab\\u0001\"");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv),
        cmocka_unit_test(test_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
