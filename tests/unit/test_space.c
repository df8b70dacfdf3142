/* tests/unit/test_space.c - SPACE.json and the trials
 * (research/optimize/space.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/config.h"
#include "research/optimize/space.h"

static char path[64];

static struct pmc_space *load(const char *json, char *err, size_t cap)
{
    strcpy(path, "/tmp/pmc_space_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, json, strlen(json)), (ssize_t)strlen(json));
    close(fd);
    struct pmc_config c;
    pmc_config_defaults(&c);
    struct pmc_space *s = pmc_space_load(path, &c, err, cap);
    unlink(path);
    return s;
}

typedef char vals_t[PMC_SPACE_MAX_DIMS][PMC_SPACE_VAL_MAX];

static void grid_order(void **state)
{
    (void)state;
    char err[300];
    struct pmc_space *s = load(
        "{\"coalesce_ms\": [0, 300], \"ratio\": {\"min\": 0.1, \"max\": 0.5, "
        "\"points\": 3}}",
        err, sizeof err);
    assert_non_null(s);
    assert_int_equal(pmc_space_ndims(s), 2);
    assert_string_equal(pmc_space_key(s, 0), "coalesce_ms");
    assert_int_equal(pmc_space_grid_size(s), 6);
    static const char *const want[6][2] = {{"0", "0.1"},   {"0", "0.3"},
                                           {"0", "0.5"},   {"300", "0.1"},
                                           {"300", "0.3"}, {"300", "0.5"}};
    struct pmc_space_cursor *c = pmc_space_cursor_new(s, PMC_SEARCH_GRID, 1, 0);
    vals_t v;
    uint64_t i;
    for (int k = 0; k < 6; k++) {
        assert_int_equal(pmc_space_cursor_next(c, &i, v, err, sizeof err), 0);
        assert_int_equal(i, k);
        assert_string_equal(v[0], want[k][0]);
        assert_string_equal(v[1], want[k][1]);
    }
    assert_int_equal(pmc_space_cursor_next(c, &i, v, err, sizeof err), 1);
    pmc_space_cursor_free(c);
    /* neighbours of (0, 0.3) = trial 1: (0, 0.1), (0, 0.5), (300, 0.3) */
    uint64_t nb[8];
    size_t n = pmc_space_neighbours(s, 1, nb, 8);
    assert_int_equal(n, 3);
    int seen = 0;
    for (size_t k = 0; k < n; k++)
        seen |= 1 << nb[k];
    assert_int_equal(seen, (1 << 0) | (1 << 2) | (1 << 4));
    pmc_space_free(s);
}

static void ranges(void **state)
{
    (void)state;
    char err[300];
    struct pmc_space *s = load(
        "{\"coalesce_ms\": {\"min\": 0, \"max\": 1000, \"points\": 4}, "
        "\"cap_usd\": {\"min\": 1, \"max\": 100, \"log\": true, \"points\": "
        "3}, \"max_slippage\": {\"min\": 0.01, \"max\": 0.02, \"points\": 1}}",
        err, sizeof err);
    assert_non_null(s);
    vals_t v;
    assert_int_equal(
        pmc_space_trial(s, PMC_SEARCH_GRID, 1, 0, v, err, sizeof err), 0);
    assert_string_equal(v[0], "0");
    assert_string_equal(v[1], "1");
    assert_string_equal(v[2], "0.01");
    /* integers: 1000/3 = 333.3 -> 333, 666.6 -> 666 (rounded down), 1000;
     * log: 1, 10, 100 */
    assert_int_equal(
        pmc_space_trial(s, PMC_SEARCH_GRID, 1, 3, v, err, sizeof err), 0);
    assert_string_equal(v[0], "333");
    assert_string_equal(v[1], "1");
    assert_int_equal(
        pmc_space_trial(s, PMC_SEARCH_GRID, 1, 1, v, err, sizeof err), 0);
    assert_string_equal(v[1], "10");
    assert_int_equal(
        pmc_space_trial(s, PMC_SEARCH_GRID, 1, 11, v, err, sizeof err), 0);
    assert_string_equal(v[0], "1000");
    assert_string_equal(v[1], "100");
    pmc_space_free(s);
}

static void sobol(void **state)
{
    (void)state;
    char err[300];
    struct pmc_space *s =
        load("{\"ratio\": {\"min\": 0.05, \"max\": 0.5, \"log\": true}, "
             "\"copy_mode\": [\"per_fill\", \"aggregate\", \"intent_net\"], "
             "\"latency_ms\": {\"min\": 0, \"max\": 5000}}",
             err, sizeof err);
    assert_non_null(s);
    vals_t a, b, c;
    int modes[3] = {0};
    struct pmc_space_cursor *cur =
        pmc_space_cursor_new(s, PMC_SEARCH_SOBOL, 7, 0);
    for (uint64_t i = 0; i < 64; i++) {
        uint64_t idx;
        assert_int_equal(pmc_space_cursor_next(cur, &idx, a, err, sizeof err),
                         0);
        assert_int_equal(idx, i);
        /* the same trial alone, and again: the same values */
        assert_int_equal(
            pmc_space_trial(s, PMC_SEARCH_SOBOL, 7, i, b, err, sizeof err), 0);
        for (int d = 0; d < 3; d++)
            assert_string_equal(a[d], b[d]);
        double r = atof(a[0]);
        assert_true(r >= 0.05 && r <= 0.5);
        long lat = atol(a[2]);
        assert_true(lat >= 0 && lat <= 5000);
        assert_null(strchr(a[2], '.'));
        modes[a[1][0] == 'p' ? 0 : a[1][0] == 'a' ? 1 : 2]++;
        struct pmc_config cfg;
        pmc_config_defaults(&cfg);
        struct pmc_sim_opts so;
        pmc_sim_opts_defaults(&so);
        assert_int_equal(pmc_space_apply(s, a, &cfg, &so, err, sizeof err), 0);
        assert_int_equal(so.lat_src[0], lat);
        assert_int_equal(so.lat_src[3], lat);
    }
    pmc_space_cursor_free(cur);
    assert_true(modes[0] > 10 && modes[1] > 10 && modes[2] > 10);
    /* another seed: other values */
    assert_int_equal(
        pmc_space_trial(s, PMC_SEARCH_SOBOL, 8, 5, c, err, sizeof err), 0);
    assert_int_equal(
        pmc_space_trial(s, PMC_SEARCH_SOBOL, 7, 5, b, err, sizeof err), 0);
    assert_true(strcmp(b[0], c[0]) || strcmp(b[1], c[1]) || strcmp(b[2], c[2]));
    pmc_space_free(s);
}

static void apply_config(void **state)
{
    (void)state;
    char err[300];
    struct pmc_space *s = load(
        "{\"coalesce_ms\": [800], \"half_spread\": [0.01]}", err, sizeof err);
    assert_non_null(s);
    vals_t v;
    assert_int_equal(
        pmc_space_trial(s, PMC_SEARCH_GRID, 1, 0, v, err, sizeof err), 0);
    struct pmc_config cfg;
    pmc_config_defaults(&cfg);
    struct pmc_sim_opts so;
    pmc_sim_opts_defaults(&so);
    assert_int_equal(pmc_space_apply(s, v, &cfg, &so, err, sizeof err), 0);
    assert_int_equal(cfg.coalesce_ms, 800);
    assert_int_equal(so.half_spread, 10000);
    pmc_space_free(s);
}

static void refused(void **state)
{
    (void)state;
    static const struct {
        const char *json, *want;
    } bad[] = {
        {"{\"coalesce\": [1]}", "did you mean 'coalesce_ms'"},
        {"{\"ratio\": [-1]}", "key 'ratio': value -1"},
        {"{\"ratio\": {\"min\": 0.5, \"max\": 0.1}}", "key 'ratio': min > max"},
        {"{\"ratio\": {\"min\": 0, \"max\": 1, \"log\": true}}",
         "log range needs min > 0"},
        {"{\"ratio\": []}", "key 'ratio': a list of 1..4096 values"},
        {"{\"ratio\": [0.1, 0.1]}", "value 0.1 twice"},
        {"{\"ratio\": {\"min\": 0.1, \"max\": 0.2, \"step\": 1}}",
         "unknown member 'step'"},
        {"{\"ratio\": 0.1}", "a list [..] or a range"},
        {"[1, 2]", "an object of keys"},
        {"{\"ratio\": [0.1", "line 1, column"},
        {"{\"latency_ms\": [-5]}", "key 'latency_ms': value -5"},
        {"{\"half_spread\": [0.7]}", "key 'half_spread'"},
        {"{\"ratio\": {\"min\": 0.1, \"max\": 0.2, \"points\": 0}}",
         "points is 1..4096"},
        {"{\"ratio\": [0.1234567]}", "key 'ratio'"},
        {"{\"ratio\": [0.1], \"r\\u0061tio\": [0.2]}", "duplicate object key"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[300] = "";
        struct pmc_space *s = load(bad[i].json, err, sizeof err);
        if (s || !strstr(err, bad[i].want))
            fail_msg("%s: got '%s', want '%s'", bad[i].json, err, bad[i].want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(grid_order), cmocka_unit_test(ranges),
        cmocka_unit_test(sobol),      cmocka_unit_test(apply_config),
        cmocka_unit_test(refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
