/* tests/unit/test_fillkey.c - the canonical fill key (proto/fillkey.h):
 * format, limits, errors, and that one fill seen as a chain log, an RTDS
 * frame and a data-api row gets one key. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/tape.h"
#include "proto/fillkey.h"
#include "proto/wire/chain.h"
#include "proto/wire/data_api.h"

#define TX "0x9F2c000000000000000000000000000000000000000000000000000000000aBc"
#define TXL "0x9f2c000000000000000000000000000000000000000000000000000000000abc"
#define TOKA                                                                   \
    "217426331434639062905690501558262415330672727368976149504881568479499388" \
    "36455"
#define TOKA_HEX                                                               \
    "3011e4ede0f6befa0ad3f571001d3e1ffeef3d4af78c3112aaac90416e3a43e7"
#define WAL "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"

static struct pmc_sym sym(const char *s)
{
    struct pmc_sym y;
    assert_int_equal(pmc_sym_set(&y, s, strlen(s)), PMC_OK);
    return y;
}

static void test_format(void **st)
{
    (void)st;
    struct pmc_sym tok = sym("101"), k;
    assert_int_equal(
        pmc_fillkey(TX, strlen(TX), &tok, PMC_BUY, 10000000, 1, &k), PMC_OK);
    char want[PMC_SYM_MAX + 1];
    snprintf(want, sizeof want, "%s:%08x:B:10000000", TXL,
             (unsigned)(pmc_hash64("101", 3) >> 32));
    assert_string_equal(k.s, want);
    assert_int_equal(k.n, strlen(want));
    assert_int_equal(k.h, pmc_hash64(want, strlen(want)));
    assert_int_equal(pmc_fillkey(TX, strlen(TX), &tok, PMC_SELL, 1, 1, &k),
                     PMC_OK);
    assert_non_null(strstr(k.s, ":S:1"));
    /* different tokens, sides, sizes: different keys */
    struct pmc_sym k2, tok2 = sym("102");
    assert_int_equal(pmc_fillkey(TX, strlen(TX), &tok2, PMC_SELL, 1, 1, &k2),
                     PMC_OK);
    assert_false(pmc_sym_eq(&k, &k2));
}

static void test_longest_fits(void **st)
{
    (void)st;
    struct pmc_sym tok = sym(TOKA), k;
    assert_int_equal(
        pmc_fillkey(TX, strlen(TX), &tok, PMC_SELL, PMC_SIZE_MAX, 1, &k),
        PMC_OK);
    assert_int_equal(k.n, 94);
    assert_true(k.n <= PMC_SYM_MAX);
}

static void test_errors(void **st)
{
    (void)st;
    struct pmc_sym tok = sym("101"), empty, k;
    pmc_sym_clear(&empty);
    assert_int_equal(pmc_fillkey(TX, 65, &tok, PMC_BUY, 1, 1, &k), PMC_EPARSE);
    assert_int_equal(pmc_fillkey(TX + 2, 64, &tok, PMC_BUY, 1, 1, &k),
                     PMC_EPARSE);
    char bad[] = TX;
    bad[10] = 'g';
    assert_int_equal(pmc_fillkey(bad, strlen(bad), &tok, PMC_BUY, 1, 1, &k),
                     PMC_EPARSE);
    assert_int_equal(pmc_fillkey(TX, strlen(TX), &empty, PMC_BUY, 1, 1, &k),
                     PMC_EPARSE);
    assert_int_equal(pmc_fillkey(TX, strlen(TX), &tok, PMC_BUY, 0, 1, &k),
                     PMC_ERANGE);
    assert_int_equal(
        pmc_fillkey(TX, strlen(TX), &tok, PMC_BUY, PMC_SIZE_MAX + 1, 1, &k),
        PMC_ERANGE);
}

static void test_apply(void **st)
{
    (void)st;
    struct pmc_fill f;
    memset(&f, 0, sizeof f);
    f.token = sym("101");
    f.side = PMC_SELL;
    f.sz = 2500000;
    f.key = sym(TX ":17");
    assert_int_equal(pmc_fillkey_apply(&f, 1), PMC_OK);
    struct pmc_sym k;
    assert_int_equal(pmc_fillkey(TXL, 66, &f.token, PMC_SELL, 2500000, 1, &k),
                     PMC_OK);
    assert_true(pmc_sym_eq(&f.key, &k));
    /* a key without a tx hash is refused, the fill unchanged */
    f.key = sym("abc:1");
    assert_int_equal(pmc_fillkey_apply(&f, 1), PMC_EPARSE);
    assert_string_equal(f.key.s, "abc:1");
}

/* ---- the same fill through the three decoders ------------------------ */

struct one {
    struct pmc_record r;
    int n;
};
static enum pmc_err keep(void *ctx, const struct pmc_record *rec,
                         const struct pmc_wire_extra *x)
{
    (void)x;
    struct one *o = ctx;
    if (rec->kind == PMC_K_FILL) {
        o->r = *rec;
        o->n++;
    }
    return PMC_OK;
}

static struct pmc_sym via_chain(const char *json)
{
    struct one o = {0};
    struct pmc_wire_sink s = {0};
    struct pmc_wire_err e = {0};
    s.emit = keep;
    s.ctx = &o;
    assert_int_equal(
        pmc_wire_decode_logs(json, strlen(json), 1767225600000, NULL, &s, &e),
        PMC_OK);
    assert_int_equal(o.n, 1);
    assert_int_equal(pmc_fillkey_apply(&o.r.u.fill, 1), PMC_OK);
    return o.r.u.fill.key;
}

static struct pmc_sym via_rtds(const char *json)
{
    struct one o = {0};
    struct pmc_wire_sink s = {0};
    struct pmc_wire_err e = {0};
    s.emit = keep;
    s.ctx = &o;
    assert_int_equal(
        pmc_wire_decode_rtds(json, strlen(json), 1767225600000, &s, &e),
        PMC_OK);
    assert_int_equal(o.n, 1);
    assert_int_equal(pmc_fillkey_apply(&o.r.u.fill, 1), PMC_OK);
    return o.r.u.fill.key;
}

static struct pmc_sym via_api(const char *json)
{
    struct one o = {0};
    struct pmc_wire_sink s = {0};
    struct pmc_wire_err e = {0};
    s.emit = keep;
    s.ctx = &o;
    assert_int_equal(pmc_wire_decode_activity(json, strlen(json), &s, &e),
                     PMC_OK);
    assert_int_equal(o.n, 1);
    assert_int_equal(pmc_fillkey_apply(&o.r.u.fill, 1), PMC_OK);
    return o.r.u.fill.key;
}

#define W0 "0000000000000000000000000000000000000000000000000000000000000000"
#define W1 "0000000000000000000000000000000000000000000000000000000000000001"
/* 5.5 USDC = 5500000 = 0x53ec60; 10 shares = 10000000 = 0x989680 */
#define W_5_5 "000000000000000000000000000000000000000000000000000000000053ec60"
#define W_10 "0000000000000000000000000000000000000000000000000000000000989680"

static const char chain_v2_buy[] =
    "{\"jsonrpc\":\"2.0\",\"method\":\"eth_subscription\",\"params\":{"
    "\"subscription\":\"0x1\",\"result\":{\"address\":"
    "\"0xe111180000d2663c0091e4f400237545b87b996b\",\"topics\":["
    "\"" PMC_TOPIC_ORDER_FILLED_V2 "\",\"0x" W1 "\","
    "\"0x000000000000000000000000f39fd6e51aad88f6f4ce6ab8827279cfffb92266\","
    "\"0x000000000000000000000000e111180000d2663c0091e4f400237545b87b996b\"],"
    "\"data\":\"0x" W0 TOKA_HEX W_5_5 W_10 W0 W0 W0 "\","
    "\"blockNumber\":\"0x10\",\"transactionHash\":\"" TX "\","
    "\"logIndex\":\"0x2a\",\"removed\":false}}}";

/* V1 SELL: makerAssetId = token, takerAssetId = 0, maker = shares */
static const char chain_v1_sell[] =
    "{\"address\":\"0x4bfb41d5b3570defd03c39a9a4d8de6bd8b8982e\",\"topics\":["
    "\"" PMC_TOPIC_ORDER_FILLED_V1 "\",\"0x" W1 "\","
    "\"0x000000000000000000000000f39fd6e51aad88f6f4ce6ab8827279cfffb92266\","
    "\"0x00000000000000000000000000000000000000000000000000000000000000cc\"],"
    "\"data\":\"0x" TOKA_HEX W0 W_10 W_5_5 W0 "\","
    "\"transactionHash\":\"" TXL "\",\"logIndex\":\"0x3\"}";

static const char rtds_buy[] =
    "{\"topic\":\"activity\",\"type\":\"trades\",\"timestamp\":1767225600100,"
    "\"payload\":{\"asset\":\"" TOKA "\",\"conditionId\":\"0xc1\","
    "\"price\":0.55,\"proxyWallet\":"
    "\"0xF39Fd6e51aad88F6F4ce6aB8827279cffFb92266\","
    "\"side\":\"BUY\",\"size\":10,\"slug\":\"x\",\"timestamp\":1767225599,"
    "\"transactionHash\":\"" TX "\"}}";

static const char api_buy[] =
    "[{\"proxyWallet\":\"" WAL "\",\"side\":\"BUY\",\"asset\":\"" TOKA "\","
    "\"conditionId\":\"0xc1\",\"size\":10.0,\"price\":0.55,"
    "\"timestamp\":1767225599,\"transactionHash\":\"" TXL "\"}]";

static const char api_sell[] =
    "[{\"proxyWallet\":\"" WAL "\",\"type\":\"TRADE\",\"side\":\"SELL\","
    "\"asset\":\"" TOKA "\",\"conditionId\":\"0xc1\",\"size\":\"10\","
    "\"usdcSize\":5.5,\"price\":0.55,\"timestamp\":1767225599,"
    "\"transactionHash\":\"" TX "\"}]";

static void test_three_sources_one_key(void **st)
{
    (void)st;
    struct pmc_sym kc = via_chain(chain_v2_buy);
    struct pmc_sym kr = via_rtds(rtds_buy);
    struct pmc_sym ka = via_api(api_buy);
    assert_string_equal(kc.s, kr.s);
    assert_string_equal(kc.s, ka.s);
    struct pmc_sym tok = sym(TOKA), want;
    assert_int_equal(pmc_fillkey(TXL, 66, &tok, PMC_BUY, 10000000, 1, &want),
                     PMC_OK);
    assert_string_equal(kc.s, want.s);
    /* the decoders' own keys differ: the canonical key is what unites */
    struct pmc_sym k1 = via_chain(chain_v1_sell), k2 = via_api(api_sell);
    assert_string_equal(k1.s, k2.s);
    assert_false(pmc_sym_eq(&k1, &kc)); /* other side */
}

/* ---- identical fills of one transaction -------------------------------- */

static void test_occurrence_key(void **st)
{
    (void)st;
    struct pmc_sym tok = sym("101"), k1, k1b, k2, k3;
    assert_int_equal(pmc_fillkey(TX, 66, &tok, PMC_BUY, 10000000, 1, &k1),
                     PMC_OK);
    assert_int_equal(pmc_fillkey(TX, 66, &tok, PMC_BUY, 10000000, 0, &k1b),
                     PMC_OK);
    assert_true(pmc_sym_eq(&k1, &k1b));
    assert_int_equal(pmc_fillkey(TX, 66, &tok, PMC_BUY, 10000000, 2, &k2),
                     PMC_OK);
    assert_int_equal(pmc_fillkey(TX, 66, &tok, PMC_BUY, 10000000, 3, &k3),
                     PMC_OK);
    char want[PMC_SYM_MAX + 1];
    snprintf(want, sizeof want, "%s:%08x:B:10000000", TXL,
             (unsigned)(pmc_hash64("101#2", 5) >> 32));
    assert_string_equal(k2.s, want);
    assert_false(pmc_sym_eq(&k1, &k2));
    assert_false(pmc_sym_eq(&k2, &k3));
    /* the longest key keeps its length */
    struct pmc_sym tl = sym(TOKA), kl;
    assert_int_equal(
        pmc_fillkey(TX, 66, &tl, PMC_SELL, PMC_SIZE_MAX, 4000000000u, &kl),
        PMC_OK);
    assert_int_equal(kl.n, 94);
}

static void test_occurrence_counter(void **st)
{
    (void)st;
    static struct pmc_fillkey_occ o;
    pmc_fillkey_occ_init(&o);
    /* chain: by log index; a log delivered again keeps its k */
    assert_int_equal(pmc_fillkey_occ(&o, 0, 77, 42), 1);
    assert_int_equal(pmc_fillkey_occ(&o, 0, 77, 43), 2);
    assert_int_equal(pmc_fillkey_occ(&o, 0, 78, 44), 1);
    assert_int_equal(pmc_fillkey_occ(&o, 0, 77, 42), 1);
    assert_int_equal(pmc_fillkey_occ(&o, 0, 77, 45), 3);
    /* data API: counted within one response; the next response again */
    assert_int_equal(pmc_fillkey_occ(&o, 1, 77, 0), 1);
    assert_int_equal(pmc_fillkey_occ(&o, 1, 77, 1), 2);
    assert_int_equal(pmc_fillkey_occ(&o, 2, 77, 0), 1);
    assert_int_equal(pmc_fillkey_occ(&o, 2, 77, 1), 2);
    /* bounded: the ring forgets, never grows */
    for (int64_t i = 0; i < 3 * PMC_FILLKEY_OCC_CAP; i++)
        (void)pmc_fillkey_occ(&o, 3, (uint64_t)i, 0);
    assert_int_equal(o.n, PMC_FILLKEY_OCC_CAP);
    assert_int_equal(pmc_fillkey_occ(&o, 0, 77, 46), 1);
}

struct many {
    struct pmc_record r[8];
    int n;
};
static enum pmc_err keep_all(void *ctx, const struct pmc_record *rec,
                             const struct pmc_wire_extra *x)
{
    (void)x;
    struct many *m = ctx;
    if (rec->kind == PMC_K_FILL && m->n < 8)
        m->r[m->n++] = *rec;
    return PMC_OK;
}

/* What the watcher hub does with a decoded fill (live/watch/watch.c). */
static struct pmc_sym hub_key(struct pmc_fillkey_occ *o, uint64_t batch,
                              int64_t ord, struct pmc_fill f)
{
    struct pmc_fill first = f;
    assert_int_equal(pmc_fillkey_apply(&first, 1), PMC_OK);
    uint32_t k = pmc_fillkey_occ(o, batch, first.key.h, ord);
    assert_int_equal(pmc_fillkey_apply(&f, k), PMC_OK);
    return f.key;
}

static const char chain_log_fmt[] =
    "{\"address\":\"0xe111180000d2663c0091e4f400237545b87b996b\",\"topics\":["
    "\"" PMC_TOPIC_ORDER_FILLED_V2 "\",\"0x%s\","
    "\"0x000000000000000000000000f39fd6e51aad88f6f4ce6ab8827279cfffb92266\","
    "\"0x000000000000000000000000e111180000d2663c0091e4f400237545b87b996b\"],"
    "\"data\":\"0x" W0 TOKA_HEX W_5_5 W_10 W0 W0 W0 "\","
    "\"blockNumber\":\"0x10\",\"transactionHash\":\"" TX "\","
    "\"logIndex\":\"%s\",\"removed\":false}";

/* Two identical fills of one transaction, seen on chain (two logs, by log
 * index, the first one delivered twice), on the data API (two identical
 * rows, in two overlapping polls) and on RTDS (two frames): every source
 * gives the same two keys, the first being the key of a lone fill. */
static void test_identical_fills_reconcile(void **st)
{
    (void)st;
    static struct pmc_fillkey_occ oc, oa, orr;
    pmc_fillkey_occ_init(&oc);
    pmc_fillkey_occ_init(&oa);
    pmc_fillkey_occ_init(&orr);
    struct pmc_sym kc[3], ka[4], kr[2];
    const char *const lidx[] = {"0x2a", "0x2b", "0x2a"};
    const char *const order_hash[] = {W1, W0, W1};
    for (int i = 0; i < 3; i++) {
        char log[2048];
        snprintf(log, sizeof log, chain_log_fmt, order_hash[i], lidx[i]);
        struct many m = {0};
        struct pmc_wire_sink s = {0};
        struct pmc_wire_err e = {0};
        s.emit = keep_all;
        s.ctx = &m;
        assert_int_equal(
            pmc_wire_decode_logs(log, strlen(log), 1767225600000, NULL, &s, &e),
            PMC_OK);
        assert_int_equal(m.n, 1);
        const char *p = strchr(m.r[0].u.fill.key.s, ':');
        assert_non_null(p);
        kc[i] = hub_key(&oc, 0, strtoll(p + 1, NULL, 10), m.r[0].u.fill);
    }
    char doc[4096];
    /* "[row]" -> "[row,row]" */
    snprintf(doc, sizeof doc, "[%.*s,%.*s]", (int)strlen(api_buy) - 2,
             api_buy + 1, (int)strlen(api_buy) - 2, api_buy + 1);
    for (uint64_t poll = 1; poll <= 2; poll++) {
        struct many m = {0};
        struct pmc_wire_sink s = {0};
        struct pmc_wire_err e = {0};
        s.emit = keep_all;
        s.ctx = &m;
        assert_int_equal(pmc_wire_decode_activity(doc, strlen(doc), &s, &e),
                         PMC_OK);
        assert_int_equal(m.n, 2);
        for (int i = 0; i < 2; i++)
            ka[(poll - 1) * 2 + (uint64_t)i] =
                hub_key(&oa, poll, i, m.r[i].u.fill);
    }
    for (int i = 0; i < 2; i++) {
        struct many m = {0};
        struct pmc_wire_sink s = {0};
        struct pmc_wire_err e = {0};
        s.emit = keep_all;
        s.ctx = &m;
        assert_int_equal(pmc_wire_decode_rtds(rtds_buy, strlen(rtds_buy),
                                              1767225600000, &s, &e),
                         PMC_OK);
        assert_int_equal(m.n, 1);
        kr[i] = hub_key(&orr, 0, i + 1, m.r[0].u.fill);
    }
    struct pmc_sym tok = sym(TOKA), k1, k2;
    assert_int_equal(pmc_fillkey(TXL, 66, &tok, PMC_BUY, 10000000, 1, &k1),
                     PMC_OK);
    assert_int_equal(pmc_fillkey(TXL, 66, &tok, PMC_BUY, 10000000, 2, &k2),
                     PMC_OK);
    assert_string_equal(kc[0].s, k1.s);
    assert_string_equal(kc[1].s, k2.s);
    assert_string_equal(kc[2].s, k1.s); /* delivered again: the same key */
    assert_string_equal(ka[0].s, k1.s);
    assert_string_equal(ka[1].s, k2.s);
    assert_string_equal(ka[2].s, k1.s); /* the overlapping poll */
    assert_string_equal(ka[3].s, k2.s);
    assert_string_equal(kr[0].s, k1.s);
    assert_string_equal(kr[1].s, k2.s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_longest_fits),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_apply),
        cmocka_unit_test(test_three_sources_one_key),
        cmocka_unit_test(test_occurrence_key),
        cmocka_unit_test(test_occurrence_counter),
        cmocka_unit_test(test_identical_fills_reconcile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
