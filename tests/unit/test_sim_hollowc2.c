/* tests/unit/test_sim_hollowc2.c - golden cases from a real paper copy bot
 * (hollowc2/polymarket_auto_trader, 25 copies of wallet 0x1d00...0313),
 * read in place from $PMC_DATA. Each row becomes a small tape: the market,
 * the book the bot saw at copy time, the source fill, the outcome. The
 * simulator must reproduce the detection-latency arithmetic (the core sees
 * the fill at trader time + copy delay), fill at the recorded best ask
 * (a FAK under its limit), charge rate x p(1-p) fees (the bot's fee_pct
 * is exactly 0.1 x p(1-p) at its price: rate 1000 bps, exponent 1) and pay
 * 1 per share to the winner. The bot's own fill price is its model, not a
 * real fill, so it is not compared. Fails loudly when the data is missing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "core/dec.h"
#include "core/fees.h"
#include "core/fillmodel.h"
#include "core/tape.h"
#include "sim/sim.h"

#define WALLET "0x1d0034134e339a309700ff2d34e99fa2d48b0313"

static json_t *path(json_t *o, const char *a, const char *b)
{
    json_t *x = json_object_get(o, a);
    return b && x ? json_object_get(x, b) : x;
}

static double num(json_t *o, const char *flat, const char *na, const char *nb)
{
    json_t *x = json_object_get(o, flat);
    if (!x || json_is_null(x))
        x = path(o, na, nb);
    return x && json_is_number(x) ? json_number_value(x) : -1.0;
}

static const char *str(json_t *o, const char *flat, const char *na,
                       const char *nb)
{
    json_t *x = json_object_get(o, flat);
    if (!x || !json_is_string(x))
        x = path(o, na, nb);
    return x && json_is_string(x) ? json_string_value(x) : NULL;
}

static pmc_micros micros(double v)
{
    return (pmc_micros)(v * 1e6 + (v >= 0 ? 0.5 : -0.5));
}

/* The row's tape, run through the simulator by run_tape(). */
static char tape_buf[8192];
static size_t tape_len;

static void feed_line(struct pmc_sim *s, const char *line)
{
    (void)s;
    if (!tape_len)
        tape_len = (size_t)snprintf(tape_buf, sizeof tape_buf, "%s\n",
                                    "#pmcopy-tape v1");
    size_t n = strlen(line);
    assert_true(tape_len + n + 1 < sizeof tape_buf);
    memcpy(tape_buf + tape_len, line, n);
    tape_buf[tape_len + n] = '\n';
    tape_len += n + 1;
}

static void run_tape(struct pmc_sim *s)
{
    FILE *f = fmemopen(tape_buf, tape_len, "r");
    assert_non_null(f);
    enum pmc_err e = pmc_sim_run(s, f, "row");
    if (e != PMC_OK)
        fail_msg("%s", s->err);
    fclose(f);
    tape_len = 0;
}

static void test_hollowc2_rows(void **st)
{
    (void)st;
    const char *data = getenv("PMC_DATA");
    if (!data)
        data = "../shared/data";
    char p[1024];
    snprintf(p, sizeof p,
             "%s/hollowc2__polymarket_auto_trader/trade_history_full.json",
             data);
    json_error_t jerr;
    json_t *root = json_load_file(p, 0, &jerr);
    if (!root)
        fail_msg("reference data missing: %s (%s); set PMC_DATA to the "
                 "shared data folder",
                 p, jerr.text);
    assert_true(json_is_array(root));
    size_t checked = 0, fee_checked = 0, paid = 0, skipped_ok = 0;
    for (size_t i = 0; i < json_array_size(root); i++) {
        json_t *r = json_array_get(root, i);
        double tprice = num(r, "trader_price", "copytrade", "price");
        double tts = num(r, "trader_timestamp", "copytrade", "timestamp");
        double exec_at = num(r, "executed_at", "execution", "timestamp");
        double delay = num(r, "copy_delay_ms", "copytrade", "delay_ms");
        double bid = num(r, "best_bid", "execution", "best_bid");
        double ask = num(r, "best_ask", "execution", "best_ask");
        double amount = num(r, "amount", "position", "amount");
        double fee_pct = num(r, "fee_pct", "fees", "pct");
        double xprice = num(r, "execution_price", "execution", "fill_price");
        const char *slug = str(r, "market_slug", "market", "slug");
        const char *dir = str(r, "trader_direction", "copytrade", "direction");
        const char *outcome = str(r, "outcome", "settlement", "outcome");
        assert_non_null(slug);
        assert_non_null(dir);
        assert_true(tprice > 0 && tts > 0 && exec_at > 0 && delay > 0);
        /* the core sees the fill at trader time + the recorded delay (the
         * flat rows' executed_at is exactly that; the nested rows' execution
         * time runs ~0.2 s later than their delay) */
        pmc_ms src_ms = (pmc_ms)(tts * 1000.0 + 0.5);
        pmc_ms seen = src_ms + (pmc_ms)(delay + 0.5);
        assert_true(llabs((pmc_ms)(exec_at + 0.5) - seen) < 1000);
        /* fee arithmetic: rate 0.1, exponent 1 at the bot's price */
        if (xprice > 0 && fee_pct > 0) {
            pmc_micros px = micros(xprice);
            pmc_micros f = pmc_fee_taker(PMC_MICRO * 100, px, 100000, 1);
            pmc_micros want = micros(fee_pct * 100.0);
            assert_true(llabs(f - want) <= 10); /* px rounded to 1e-6 */
            fee_checked++;
        }
        const char *u = strrchr(slug, '-');
        assert_non_null(u);
        pmc_ms start = (pmc_ms)atoll(u + 1) * 1000, end = start + 300000;

        struct pmc_config cfg;
        pmc_config_defaults(&cfg);
        cfg.copy_mode = PMC_MODE_PER_FILL;
        cfg.sizing = PMC_SIZE_FIXED;
        cfg.fixed_usd = micros(amount);
        assert_int_equal(pmc_config_add_trader(&cfg, WALLET, strlen(WALLET),
                                               "hollowc2", -1, 0, 1),
                         PMC_OK);
        struct pmc_sim_opts o;
        pmc_sim_opts_defaults(&o);
        for (int k = 0; k < 4; k++)
            o.lat_src[k] = (pmc_ms)(delay + 0.5);
        o.lat_submit = o.lat_report = o.lat_jitter = 0;
        struct pmc_sim *s = calloc(1, sizeof *s);
        assert_non_null(s);
        assert_int_equal(pmc_sim_init(s, &cfg, &o), PMC_OK);
        char line[1024];
        snprintf(line, sizeof line,
                 "t=%lld ev=market token=tok market=m end=%lld tick=0.01 "
                 "minsz=5 fee_rate=0.1 fee_exp=1 outcome=%s",
                 (long long)start, (long long)end, dir);
        feed_line(s, line);
        snprintf(line, sizeof line,
                 "t=%lld ev=fill trader=%s token=tok side=BUY px=%.6f "
                 "sz=10 key=row%zu market=m outcome=%s src=api",
                 (long long)src_ms, WALLET, tprice, i, dir);
        feed_line(s, line);
        snprintf(line, sizeof line,
                 "t=%lld ev=quote token=tok bid=%.6f ask=%.6f",
                 (long long)(seen - 1), bid, ask);
        feed_line(s, line);
        int settled = outcome != NULL;
        int won = settled && !strcasecmp(outcome, dir);
        if (settled) {
            snprintf(line, sizeof line, "t=%lld ev=resolve token=tok payout=%d",
                     (long long)(end + 60000 > seen ? end + 60000 : seen + 1),
                     won);
            feed_line(s, line);
        }
        run_tape(s);
        assert_true(s->r.identity_ok);
        assert_true(s->r.engine_agrees);

        /* independent expectation */
        pmc_micros ref = micros(tprice);
        pmc_micros limit = pmc_round_down(ref + 20000, 10000);
        pmc_micros a = micros(ask);
        pmc_micros shares = pmc_round_down(pmc_div(micros(amount), ref), 10000);
        uint64_t nskips = 0;
        for (int k = 0; k < PMC_SKIP_COUNT; k++)
            nskips += s->r.skips[k];
        if (end - seen < 25000) {
            assert_int_equal(s->r.skips[PMC_SKIP_EXPIRY_GUARD], 1);
            skipped_ok++;
        } else if (a > limit) {
            assert_int_equal(s->r.skips[PMC_SKIP_PRICE_MOVED], 1);
            skipped_ok++;
        } else if (nskips && s->r.skips[PMC_SKIP_BELOW_MIN] == 1 &&
                   shares < 5 * PMC_MICRO) {
            skipped_ok++; /* the core holds FAK orders to 5 shares too */
        } else {
            assert_int_equal(nskips, 0);
            assert_int_equal(s->r.orders, 1);
            /* the order reached the venue at trader time + delay */
            assert_int_equal(s->r.detect_sum, seen - src_ms);
            assert_int_equal(s->r.filled_sh, shares);
            pmc_micros cost = pmc_notional_up(shares, a);
            pmc_micros fee = pmc_fee_taker(shares, a, 100000, 1);
            assert_int_equal(s->r.fees, fee);
            assert_int_equal(s->r.filled_usd, cost);
            if (settled) {
                pmc_micros pnl = (won ? shares : 0) - cost - fee;
                assert_int_equal(pmc_sim_equity(s) - s->r.capital, pnl);
                assert_int_equal(s->r.unresolved_positions, 0);
                paid += won;
            } else {
                assert_int_equal(s->r.unresolved_positions, 1);
            }
            checked++;
        }
        pmc_sim_fini(s);
        free(s);
    }
    json_decref(root);
    print_message("hollowc2: %zu rows filled and checked, %zu skipped as "
                  "expected, %zu fee rows, %zu paid out\n",
                  checked, skipped_ok, fee_checked, paid);
    assert_true(checked >= 10);
    assert_true(fee_checked >= 20);
    assert_true(paid >= 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hollowc2_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
