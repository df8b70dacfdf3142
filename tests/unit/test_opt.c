/* tests/unit/test_opt.c - the table-driven option parser (app/opt.h):
 * --opt VALUE and --opt=VALUE, short forms, a missing value, an unknown
 * option with its suggestion, repeated options, `--`, arguments kept in
 * order, configuration flags, integers out of range, --help from the
 * table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "app/opt.h"

struct t_opts {
    const char *out, *name;
    int json, quiet;
    int64_t n;
    int calls;
    const char *last;
    struct pmc_cfg_args cfg;
};

static int count(const struct pmc_opt *o, const char *v, char *err, size_t cap)
{
    struct t_opts *t = o->target;
    if (v && !strcmp(v, "bad")) {
        snprintf(err, cap, "--%s %s: not good", o->name, v);
        return -1;
    }
    t->calls++;
    t->last = v;
    return 0;
}

static struct t_opts T;
static char errbuf[4096];
static int nargs;

static const struct pmc_opt table[] = {
    PMC_OPT_HEAD("input and output:"),
    PMC_OPT_STRING("out", 'o', "DIR", "report folder", &T.out),
    PMC_OPT_STRING("name", 0, "NAME", "run name\nsecond line", &T.name),
    PMC_OPT_BOOL("json", 'j', "JSON on stdout", &T.json),
    PMC_OPT_BOOL("quiet", 'q', NULL, &T.quiet),
    PMC_OPT_INTEGER("hours", 0, "N", "hours", &T.n, 1, 744),
    PMC_OPT_FUNC("latency", 0, "MS", "detection latency", &T, count),
    PMC_OPT_FUNC("latency-recorded", 0, NULL, "recorded", &T, count),
    PMC_OPT_HELP_ENTRY("this text"),
};

static struct pmc_opt_cmd cmd = {"backtest",
                                 "usage: pmcopy backtest\n",
                                 "exit status: 0\n",
                                 NULL,
                                 table,
                                 PMC_ARRAY_LEN(table),
                                 NULL};

/* Parse a NULL-terminated list of arguments (argv[0] = the command). The
 * error text lands in errbuf. */
static int run(int with_cfg, char **argv)
{
    memset(&T, 0, sizeof T);
    int argc = 0;
    while (argv[argc])
        argc++;
    cmd.cfg = with_cfg ? &T.cfg : NULL;
    FILE *e = fmemopen(errbuf, sizeof errbuf, "w");
    assert_non_null(e);
    nargs = -1;
    int r = pmc_opt_parse(&cmd, argc, argv, &nargs, e);
    fclose(e);
    return r;
}

#define ARGV(...) ((char *[]){"backtest", __VA_ARGS__, NULL})

static void test_both_forms(void **state)
{
    (void)state;
    char **a = ARGV("--out", "d1", "--name=n1", "-j");
    assert_int_equal(run(0, a), PMC_OPT_OK);
    assert_string_equal(T.out, "d1");
    assert_string_equal(T.name, "n1");
    assert_int_equal(T.json, 1);
    assert_int_equal(nargs, 0);
    assert_int_equal(run(0, ARGV("-o", "d2")), PMC_OPT_OK);
    assert_string_equal(T.out, "d2");
    assert_int_equal(run(0, ARGV("-od3")), PMC_OPT_OK);
    assert_string_equal(T.out, "d3");
    /* an empty value is a value */
    assert_int_equal(run(0, ARGV("--out=")), PMC_OPT_OK);
    assert_string_equal(T.out, "");
    /* a value may begin with a dash */
    assert_int_equal(run(0, ARGV("--name", "-x")), PMC_OPT_OK);
    assert_string_equal(T.name, "-x");
    assert_int_equal(run(0, ARGV("--latency=0.4s")), PMC_OPT_OK);
    assert_int_equal(T.calls, 1);
    assert_string_equal(T.last, "0.4s");
    assert_int_equal(run(0, ARGV("--latency-recorded")), PMC_OPT_OK);
    assert_int_equal(T.calls, 1);
    assert_null(T.last);
}

static void test_missing_value(void **state)
{
    (void)state;
    assert_int_equal(run(0, ARGV("--out")), PMC_OPT_USAGE);
    assert_string_equal(errbuf,
                        "pmcopy backtest: option '--out' needs a value\n");
    assert_int_equal(run(0, ARGV("-j", "-o")), PMC_OPT_USAGE);
    assert_string_equal(errbuf, "pmcopy backtest: option '-o' needs a value\n");
    assert_int_equal(run(0, ARGV("--json=1")), PMC_OPT_USAGE);
    assert_string_equal(errbuf,
                        "pmcopy backtest: option '--json' takes no value\n");
}

static void test_unknown(void **state)
{
    (void)state;
    assert_int_equal(run(0, ARGV("--latncy", "5")), PMC_OPT_USAGE);
    assert_string_equal(errbuf, "pmcopy backtest: unknown option '--latncy' "
                                "(did you mean '--latency'?)\n");
    assert_int_equal(run(0, ARGV("--jsno")), PMC_OPT_USAGE);
    assert_string_equal(errbuf, "pmcopy backtest: unknown option '--jsno' "
                                "(did you mean '--json'?)\n");
    assert_int_equal(run(0, ARGV("--frobnicate")), PMC_OPT_USAGE);
    assert_string_equal(errbuf, "pmcopy backtest: unknown option "
                                "'--frobnicate' (see --help)\n");
    assert_int_equal(run(0, ARGV("-z")), PMC_OPT_USAGE);
    assert_string_equal(errbuf,
                        "pmcopy backtest: unknown option '-z' (see --help)\n");
    /* flags do not bundle */
    assert_int_equal(run(0, ARGV("-jq")), PMC_OPT_USAGE);
    /* a configuration key is only an option where configuration is taken */
    assert_int_equal(run(0, ARGV("--copy-mode", "per_fill")), PMC_OPT_USAGE);
    assert_int_equal(run(1, ARGV("--copy-mdoe", "per_fill")), PMC_OPT_USAGE);
    assert_string_equal(errbuf,
                        "pmcopy backtest: unknown option "
                        "'--copy-mdoe' (did you mean '--copy-mode'?)\n");
}

static void test_repeated(void **state)
{
    (void)state;
    assert_int_equal(run(0, ARGV("--out", "a", "--out=b", "-o", "c")),
                     PMC_OPT_OK);
    assert_string_equal(T.out, "c");
    assert_int_equal(run(0, ARGV("--latency", "1", "--latency", "2")),
                     PMC_OPT_OK);
    assert_int_equal(T.calls, 2);
    assert_string_equal(T.last, "2");
    assert_int_equal(run(1, ARGV("--trader", "0xa", "--trader=0xb")),
                     PMC_OPT_OK);
    assert_int_equal(T.cfg.ntraders, 2);
    assert_string_equal(T.cfg.traders[1], "0xb");
}

static void test_end_of_options(void **state)
{
    (void)state;
    char **a = ARGV("t1", "-j", "-", "--", "--out", "-x");
    assert_int_equal(run(0, a), PMC_OPT_OK);
    assert_int_equal(T.json, 1);
    assert_null(T.out);
    assert_int_equal(nargs, 4);
    assert_string_equal(a[1], "t1");
    assert_string_equal(a[2], "-");
    assert_string_equal(a[3], "--out");
    assert_string_equal(a[4], "-x");
}

static void test_values(void **state)
{
    (void)state;
    assert_int_equal(run(0, ARGV("--hours=12")), PMC_OPT_OK);
    assert_int_equal(T.n, 12);
    assert_int_equal(run(0, ARGV("--hours", "0")), PMC_OPT_USAGE);
    assert_string_equal(errbuf,
                        "pmcopy backtest: --hours 0: an integer in [1, 744]\n");
    assert_int_equal(run(0, ARGV("--hours", "12x")), PMC_OPT_USAGE);
    assert_int_equal(run(0, ARGV("--latency", "bad")), PMC_OPT_USAGE);
    assert_string_equal(errbuf, "pmcopy backtest: --latency bad: not good\n");
}

static void test_config_flags(void **state)
{
    (void)state;
    char **a =
        ARGV("--config", "c.json", "--traders=t.json", "--set", "coalesce_ms=5",
             "--copy-mode=per_fill", "--max_open_orders", "7", "--out", "o");
    assert_int_equal(run(1, a), PMC_OPT_OK);
    assert_string_equal(T.cfg.config_file, "c.json");
    assert_string_equal(T.cfg.traders_file, "t.json");
    assert_int_equal(T.cfg.nsets, 3);
    assert_string_equal(T.cfg.sets[0], "coalesce_ms=5");
    assert_string_equal(T.cfg.sets[1], "copy_mode=per_fill");
    assert_string_equal(T.cfg.sets[2], "max_open_orders=7");
    assert_string_equal(T.out, "o");
    /* a --KEY value too long to keep is refused, not cut */
    static char big[400];
    memset(big, 'x', sizeof big - 1);
    assert_int_equal(run(1, ARGV("--copy-mode", big)), PMC_OPT_USAGE);
    assert_non_null(strstr(errbuf, "--copy_mode: value longer than"));
    assert_int_equal(T.cfg.nsets, 0);
    assert_int_equal(run(1, ARGV("--set")), PMC_OPT_USAGE);
    assert_string_equal(errbuf,
                        "pmcopy backtest: option '--set' needs a value\n");
}

static void test_help(void **state)
{
    (void)state;
    char buf[4096];
    FILE *f = fmemopen(buf, sizeof buf, "w");
    assert_non_null(f);
    cmd.cfg = NULL;
    pmc_opt_help(&cmd, f);
    fclose(f);
    /* the widest entry sets the column */
    assert_non_null(strstr(buf, "usage: pmcopy backtest\n\ninput and "
                                "output:\n  -o, --out DIR"));
    assert_non_null(strstr(buf, "  --latency-recorded  recorded\n"));
    assert_non_null(strstr(buf, "  --name NAME         run name\n"
                                "                      second line\n"));
    assert_non_null(strstr(buf, "  -h, --help          this text\n"
                                "\nexit status: 0\n"));
    assert_null(strstr(buf, "quiet")); /* no help text: not listed */
    assert_null(strstr(buf, "--config"));
    f = fmemopen(buf, sizeof buf, "w");
    cmd.cfg = &T.cfg;
    pmc_opt_help(&cmd, f);
    fclose(f);
    assert_non_null(strstr(buf, "  --config FILE       JSON configuration"));
}

static void test_distance(void **state)
{
    (void)state;
    assert_int_equal(pmc_opt_distance("latncy", "latency"), 1);
    assert_int_equal(pmc_opt_distance("", "abc"), 3);
    assert_int_equal(pmc_opt_distance("kitten", "sitting"), 3);
    assert_int_equal(pmc_opt_distance("same", "same"), 0);
    assert_int_equal(pmc_opt_distance("jsno", "json"), 1);
}

static void test_ms(void **state)
{
    (void)state;
    pmc_ms one = -1, four[4] = {-1, -1, -1, -1};
    struct pmc_opt o1 = PMC_OPT_FUNC("latency", 0, "MS", "", &one, pmc_opt_ms);
    struct pmc_opt o4 = o1;
    o4.target = four;
    o4.ival = 1;
    char err[200];
    assert_int_equal(pmc_opt_ms(&o1, "400", err, sizeof err), 0);
    assert_int_equal(one, 400);
    assert_int_equal(pmc_opt_ms(&o1, "0.4s", err, sizeof err), 0);
    assert_int_equal(one, 400);
    assert_int_equal(pmc_opt_ms(&o1, "250ms", err, sizeof err), 0);
    assert_int_equal(one, 250);
    assert_int_equal(pmc_opt_ms(&o1, "1.5", err, sizeof err), 0);
    assert_int_equal(one, 2); /* rounded to the millisecond */
    assert_int_equal(pmc_opt_ms(&o4, "3s", err, sizeof err), 0);
    for (int k = 0; k < 4; k++)
        assert_int_equal(four[k], 3000);
    assert_int_equal(pmc_opt_ms(&o1, "86400001", err, sizeof err), -1);
    assert_non_null(strstr(err, "--latency 86400001: milliseconds in"));
    assert_int_equal(pmc_opt_ms(&o1, "-1", err, sizeof err), -1);
    assert_int_equal(pmc_opt_ms(&o1, "fast", err, sizeof err), -1);
    assert_int_equal(pmc_opt_ms(&o1, "s", err, sizeof err), -1);
    assert_int_equal(one, 2); /* untouched by a refused value */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_both_forms),
        cmocka_unit_test(test_missing_value),
        cmocka_unit_test(test_unknown),
        cmocka_unit_test(test_repeated),
        cmocka_unit_test(test_end_of_options),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_config_flags),
        cmocka_unit_test(test_help),
        cmocka_unit_test(test_distance),
        cmocka_unit_test(test_ms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
