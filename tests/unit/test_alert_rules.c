/* tests/unit/test_alert_rules.c - live/alert_rules.h: each condition of the
 * table at the top of alert_rules.c raised once and cleared once, nothing
 * for the state the process started in, readiness debounced, the reject
 * window sliding, the daily summary at UTC midnight with the last day's
 * counts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "live/alert_rules.h"

static char got[32][320];
static int ngot;

static void emit(void *ctx, const char *event, const char *level,
                 const char *text)
{
    (void)ctx;
    if (ngot < 32)
        snprintf(got[ngot++], sizeof got[0], "%s %s %s", event, level, text);
}

#define T0 ((pmc_ms)1700000000000) /* 2023-11-14T22:13:20Z */

static struct pmc_alert_obs base(pmc_ms now)
{
    struct pmc_alert_obs o;
    memset(&o, 0, sizeof o);
    o.now = now;
    o.ready = 1;
    o.why = "";
    o.kill_reason = "";
    o.nsrc = 2;
    o.src[0] = (struct pmc_alert_source){"rtds", 1, now};
    o.src[1] = (struct pmc_alert_source){"chain", 0, 0};
    return o;
}

static void step(struct pmc_alert_rules *r, const struct pmc_alert_obs *o)
{
    pmc_alert_rules_step(r, o, emit, NULL);
}

static void test_kill_and_start_state(void **st)
{
    (void)st;
    struct pmc_alert_rules r;
    pmc_alert_rules_init(&r, NULL);
    ngot = 0;
    struct pmc_alert_obs o = base(T0);
    o.killed = 1; /* started killed: no alert */
    step(&r, &o);
    o.now += 250;
    o.src[0].last_data = o.now;
    step(&r, &o);
    assert_int_equal(ngot, 0);
    o.killed = 0;
    o.now += 250;
    step(&r, &o);
    o.killed = 1;
    o.kill_reason = "max_daily_loss";
    o.now += 250;
    step(&r, &o);
    o.now += 250;
    step(&r, &o); /* still killed: once */
    assert_int_equal(ngot, 2);
    assert_string_equal(got[0],
                        "kill_switch_off info kill switch off: copying buys");
    assert_string_equal(got[1], "kill_switch critical kill switch on: "
                                "max_daily_loss; no new buys");
}

static void test_source_silence(void **st)
{
    (void)st;
    struct pmc_alert_rules_cfg c = {.silence_ms = 10000};
    struct pmc_alert_rules r;
    pmc_alert_rules_init(&r, &c);
    ngot = 0;
    struct pmc_alert_obs o = base(T0);
    step(&r, &o);
    pmc_ms last = o.now;
    for (int i = 1; i <= 60; i++) { /* 15 s of silence, observed 4x a second */
        o.now = T0 + i * 250;
        step(&r, &o);
    }
    assert_int_equal(ngot, 1);
    assert_string_equal(got[0], "source_silent warn source rtds delivered no "
                                "data for 10 s");
    (void)last;
    o.now += 250;
    o.src[0].last_data = o.now;
    step(&r, &o);
    assert_int_equal(ngot, 2);
    assert_string_equal(got[1], "source_back info source rtds delivers again "
                                "after 15 s");
    /* a source that is off never alerts */
    assert_null(strstr(got[0], "chain"));
}

static void test_reject_spike_window(void **st)
{
    (void)st;
    struct pmc_alert_rules_cfg c = {.reject_n = 3, .reject_window_ms = 60000};
    struct pmc_alert_rules r;
    pmc_alert_rules_init(&r, &c);
    ngot = 0;
    struct pmc_alert_obs o = base(T0);
    step(&r, &o);
    o.now += 1000, o.rejects = 2, o.src[0].last_data = o.now;
    step(&r, &o);
    assert_int_equal(ngot, 0);
    o.now += 59500, o.rejects = 3, o.src[0].last_data = o.now;
    step(&r, &o); /* 3 within 60 s */
    assert_int_equal(ngot, 1);
    assert_string_equal(got[0], "reject_spike warn 3 orders rejected by the "
                                "venue within 60 s");
    o.now += 1000, o.src[0].last_data = o.now; /* the first two age out */
    step(&r, &o);
    assert_int_equal(ngot, 2);
    assert_string_equal(got[1], "reject_spike_over info venue rejects back to "
                                "normal");
}

static void test_readiness_debounced(void **st)
{
    (void)st;
    struct pmc_alert_rules r;
    pmc_alert_rules_init(&r, NULL); /* debounce 5 s */
    ngot = 0;
    struct pmc_alert_obs o = base(T0);
    step(&r, &o);
    o.now += 1000, o.ready = 0, o.why = "kill switch on";
    step(&r, &o);
    o.now += 3000;
    step(&r, &o);
    o.now += 500, o.ready = 1; /* a blip of 3.5 s: nothing */
    step(&r, &o);
    assert_int_equal(ngot, 0);
    o.now += 1000, o.ready = 0, o.why = "store failing";
    step(&r, &o);
    o.now += 5000;
    step(&r, &o);
    assert_int_equal(ngot, 1);
    assert_string_equal(got[0], "ready_lost warn not copying: store failing");
    o.now += 250, o.ready = 1;
    step(&r, &o);
    o.now += 5000;
    step(&r, &o);
    assert_int_equal(ngot, 2);
    assert_string_equal(got[1], "ready_again info copying again");
}

static void test_daily_summary(void **st)
{
    (void)st;
    struct pmc_alert_rules_cfg c = {.silence_ms = 86400000LL * 2};
    struct pmc_alert_rules r;
    pmc_alert_rules_init(&r, &c);
    ngot = 0;
    pmc_ms midnight = (T0 / 86400000 + 1) * 86400000;
    struct pmc_alert_obs o = base(T0);
    o.fills_seen = 100, o.orders = 7; /* before the first observation */
    step(&r, &o);
    o.now = midnight - 1, o.fills_seen = 130, o.fills_copied = 20;
    o.orders = 12, o.rejects = 1, o.realized_today = -1500000;
    step(&r, &o);
    o.now = midnight + 200, o.fills_seen = 131, o.realized_today = 0;
    step(&r, &o);
    assert_int_equal(ngot, 1);
    assert_string_equal(got[0], "daily_summary info 2023-11-14: 30 source "
                                "fills seen, 20 copied, 5 orders, 1 rejects, "
                                "realised P&L -1.5 USD");
    o.now = midnight + 86400000, o.fills_seen = 140;
    step(&r, &o);
    assert_int_equal(ngot, 2);
    assert_non_null(strstr(got[1], "2023-11-15: 1 source fills seen, 0 "
                                   "copied, 0 orders"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kill_and_start_state),
        cmocka_unit_test(test_source_silence),
        cmocka_unit_test(test_reject_spike_window),
        cmocka_unit_test(test_readiness_debounced),
        cmocka_unit_test(test_daily_summary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
