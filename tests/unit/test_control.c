/* tests/unit/test_control.c - the body parser of the control routes of
 * the live API (live/control.h): what is accepted, what each problem is
 * called, and that a reason comes out as one safe logfmt value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "live/control.h"

static struct pmc_control_body b;
static char err[256];

static int parse(const char *s, unsigned allowed)
{
    err[0] = '\0';
    return pmc_control_body_parse(s, strlen(s), allowed, &b, err, sizeof err);
}

static void refused(const char *s, unsigned allowed, const char *want)
{
    assert_int_equal(parse(s, allowed), -1);
    if (!strstr(err, want))
        fail_msg("%s: got \"%s\", want \"%s\"", s, err, want);
}

static void test_accepted(void **state)
{
    (void)state;
    assert_int_equal(parse("", PMC_CB_REASON), 0);
    assert_string_equal(b.reason, "");
    assert_int_equal(parse(" \r\n\t", PMC_CB_REASON), 0);
    assert_int_equal(parse("{}", PMC_CB_REASON), 0);
    assert_int_equal(parse("{\"reason\":\"checking a wallet\"}", PMC_CB_REASON),
                     0);
    assert_string_equal(b.reason, "checking a wallet");
    assert_int_equal(
        parse("{\"override\":\"max_daily_loss\",\"reason\":\"ok\"}",
              PMC_CB_REASON | PMC_CB_OVERRIDE),
        0);
    assert_string_equal(b.override, "max_daily_loss");
    assert_string_equal(b.reason, "ok");
    /* quotes, backslashes and control bytes become spaces; UTF-8 stays */
    assert_int_equal(
        parse("{\"reason\":\"a\\\"b\\\\c\\n\\u00e9\"}", PMC_CB_REASON), 0);
    assert_string_equal(b.reason, "a b c \xc3\xa9");
    /* 63 bytes fit */
    assert_int_equal(parse("{\"reason\":\"012345678901234567890123456789012345"
                           "678901234567890123456789012\"}",
                           PMC_CB_REASON),
                     0);
    assert_int_equal(strlen(b.reason), 63);
}

static void test_refused(void **state)
{
    (void)state;
    refused("{\"reason\":\"x\"", PMC_CB_REASON, "malformed JSON: ");
    refused("{\"reason\":\"x\"} {}", PMC_CB_REASON, "malformed JSON: ");
    refused("[\"reason\"]", PMC_CB_REASON, "the body must be a JSON object");
    refused("{\"reasn\":\"x\"}", PMC_CB_REASON, "unknown key \"reasn\"");
    refused("{\"override\":\"max_daily_loss\"}", PMC_CB_REASON,
            "unknown key \"override\"");
    refused("{\"reason\":12}", PMC_CB_REASON, "reason must be a string");
    refused("{\"reason\":\"x\",\"reason\":\"y\"}", PMC_CB_REASON,
            "malformed JSON: duplicate object key");
    refused("{\"reason\":\"0123456789012345678901234567890123456789012345678"
            "901234567890123\"}",
            PMC_CB_REASON, "reason: at most 63 bytes (got 64)");
    refused("{\"override\":\"\"}", PMC_CB_OVERRIDE,
            "override: 1 to 31 bytes (got 0)");
    refused("{\"override\":\"Max daily\"}", PMC_CB_OVERRIDE,
            "override: the name of a limit, [a-z0-9_] only");
    refused("{\"reason\":\"\\u0000\"}", PMC_CB_REASON, "malformed JSON: ");
    refused("{\"reason\":\"\xc3\"}", PMC_CB_REASON, "malformed JSON: ");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepted),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests_name("control", tests, NULL, NULL);
}
