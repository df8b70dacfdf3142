/* proto/wire/chain.c - OrderFilled logs (see chain.h). */
#include <string.h>

#include "core/tape.h"
#include "proto/wire/chain.h"
#include "proto/wire/field.h"
#include "proto/wire/json_exact.h"

__extension__ typedef unsigned __int128 u128;

#define TOPIC_IGNORED_N 5
static const char *const topic_ignored[TOPIC_IGNORED_N] = {
    /* V2 OrdersMatched, V2 FeeCharged, V1 OrdersMatched, V1 FeeCharged,
     * V1 OrderCancelled */
    "0x174b3811690657c217184f89418266767c87e4805d09680c39fc9c031c0cab7c",
    "0x55bb3cade9d43b798a4fe5ffdd05024b2d7870df53920673bfc7e68047cd0ab1",
    "0x63bf4d16b7fa898ef4c4b2b6d90fd201e9c56313b65638af6088d149d2ce956c",
    "0xacffcc86834d0f1a64b0d5a675798deed6ff0bcfc2231edd3480e7288dba7ff4",
    "0x5152abf959f6564662358c2e52b702259b78bac5ee7842a0f01937e670efcc7d"};

/* Exchange contracts (section 1.1), lowercase without 0x. */
static const char *const exchanges[] = {
    "e111180000d2663c0091e4f400237545b87b996b", /* CTF Exchange V2 */
    "e2222d279d744050d28e00520010520000310f59", /* NegRisk V2 */
    "e3333700ca9d93003f00f0f71f8515005f6c00aa", /* ExchangeV3 */
    "4bfb41d5b3570defd03c39a9a4d8de6bd8b8982e", /* CTF Exchange V1 */
    "c5d563a36ae78145c45a50134d48a1215220f80a", /* NegRisk V1 */
};

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int ieq(const char *a, size_t an, const char *b)
{
    size_t bn = strlen(b);
    if (an != bn)
        return 0;
    for (size_t i = 0; i < an; i++) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z')
            x = (char)(x - 'A' + 'a');
        if (x != y)
            return 0;
    }
    return 1;
}

/* "0x" + 64 hex -> 32 bytes. */
static int word_hex(const char *s, size_t n, uint8_t w[32])
{
    if (n != 66 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
        return 0;
    for (size_t i = 0; i < 32; i++) {
        int a = hexval(s[2 + 2 * i]), b = hexval(s[3 + 2 * i]);
        if (a < 0 || b < 0)
            return 0;
        w[i] = (uint8_t)(a << 4 | b);
    }
    return 1;
}

size_t pmc_wire_u256_dec(const uint8_t w[32], char *out)
{
    uint32_t limb[8]; /* big-endian 32-bit limbs */
    for (int i = 0; i < 8; i++)
        limb[i] = (uint32_t)w[4 * i] << 24 | (uint32_t)w[4 * i + 1] << 16 |
                  (uint32_t)w[4 * i + 2] << 8 | w[4 * i + 3];
    char tmp[80];
    size_t n = 0;
    for (;;) {
        int zero = 1;
        uint64_t rem = 0;
        for (int i = 0; i < 8; i++) {
            uint64_t cur = rem << 32 | limb[i];
            limb[i] = (uint32_t)(cur / 10);
            rem = cur % 10;
            zero &= limb[i] == 0;
        }
        tmp[n++] = (char)('0' + rem);
        if (zero)
            break;
    }
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = '\0';
    return n;
}

/* A word as int64 when it fits. */
static int word_i64(const uint8_t w[32], int64_t *v)
{
    for (int i = 0; i < 24; i++)
        if (w[i])
            return 0;
    uint64_t x = 0;
    for (int i = 24; i < 32; i++)
        x = x << 8 | w[i];
    if (x > (uint64_t)INT64_MAX)
        return 0;
    *v = (int64_t)x;
    return 1;
}

static int word_zero(const uint8_t w[32])
{
    for (int i = 0; i < 32; i++)
        if (w[i])
            return 0;
    return 1;
}

/* round(num * 1e6 / den) half to even; num, den > 0 */
static int64_t ratio_micros(int64_t num, int64_t den)
{
    u128 a = (u128)num * 1000000u;
    u128 q = a / (u128)den, r = a % (u128)den;
    u128 twice = 2 * r;
    if (twice > (u128)den || (twice == (u128)den && (q & 1)))
        q++;
    return q > (u128)INT64_MAX ? INT64_MAX : (int64_t)q;
}

static enum pmc_err hex_int(const json_t *v, const char *name, int64_t *out,
                            size_t row, struct pmc_wire_err *err)
{
    size_t n;
    const char *s = pmc_json_text(v, &n);
    if (s && n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        uint64_t x = 0;
        if (n > 18)
            return pmc_wire_fail(err, PMC_ERANGE, row,
                                 "field \"%s\": more than 16 hex digits", name);
        for (size_t i = 2; i < n; i++) {
            int d = hexval(s[i]);
            if (d < 0)
                return pmc_wire_fail(err, PMC_EPARSE, row,
                                     "field \"%s\": not a hex quantity", name);
            x = x << 4 | (uint64_t)d;
        }
        if (x > (uint64_t)INT64_MAX)
            return pmc_wire_fail(err, PMC_ERANGE, row,
                                 "field \"%s\": too large", name);
        *out = (int64_t)x;
        return PMC_OK;
    }
    if (pmc_json_int(v, out) != PMC_OK || *out < 0)
        return pmc_wire_fail(err, PMC_EPARSE, row,
                             "field \"%s\": expected a 0x hex quantity", name);
    return PMC_OK;
}

static enum pmc_err topic_addr(const json_t *topics, size_t i, char hex[41],
                               size_t row, struct pmc_wire_err *err)
{
    size_t n;
    const char *s = pmc_json_text(json_array_get(topics, i), &n);
    uint8_t w[32];
    if (!s || !word_hex(s, n, w))
        return pmc_wire_fail(err, PMC_EPARSE, row,
                             "topics[%zu]: expected 0x + 64 hex digits", i);
    for (int k = 0; k < 12; k++)
        if (w[k])
            return pmc_wire_fail(err, PMC_EPARSE, row,
                                 "topics[%zu]: not a left-padded address", i);
    static const char dig[] = "0123456789abcdef";
    for (int k = 0; k < 20; k++) {
        hex[2 * k] = dig[w[12 + k] >> 4];
        hex[2 * k + 1] = dig[w[12 + k] & 15];
    }
    hex[40] = '\0';
    return PMC_OK;
}

static enum pmc_err one_log(const json_t *lg, pmc_ms t_recv,
                            const struct pmc_sym *wallet, size_t row,
                            struct pmc_wire_sink *sink,
                            struct pmc_wire_err *err)
{
    sink->rows++;
    if (!json_is_object(lg))
        return pmc_wire_fail(err, PMC_EPARSE, row, "expected a log object");
    const char *name;
    json_t *topics = pmc_wf_get(lg, "topics", NULL, &name);
    if (!topics || !json_is_array(topics) || json_array_size(topics) == 0)
        return pmc_wire_fail(err, PMC_EPARSE, row,
                             "field \"topics\": expected a non-empty array");
    size_t n0;
    const char *t0 = pmc_json_text(json_array_get(topics, 0), &n0);
    if (!t0)
        return pmc_wire_fail(err, PMC_EPARSE, row,
                             "topics[0]: expected a hex string");
    int version = ieq(t0, n0, PMC_TOPIC_ORDER_FILLED_V2)   ? 2
                  : ieq(t0, n0, PMC_TOPIC_ORDER_FILLED_V1) ? 1
                                                           : 0;
    if (!version) {
        for (size_t i = 0; i < TOPIC_IGNORED_N; i++)
            if (ieq(t0, n0, topic_ignored[i])) {
                sink->ignored++;
                return PMC_OK;
            }
        pmc_wire_note_unknown(sink, t0, n0);
        return PMC_OK;
    }
    if (json_array_size(topics) != 4)
        return pmc_wire_fail(err, PMC_EPARSE, row,
                             "OrderFilled has %zu topics, expected 4",
                             json_array_size(topics));
    char maker[41], taker[41], self[41] = "";
    PMC_TRY(topic_addr(topics, 2, maker, row, err));
    PMC_TRY(topic_addr(topics, 3, taker, row, err));

    struct pmc_record r;
    struct pmc_wire_extra x;
    memset(&r, 0, sizeof r);
    memset(&x, 0, sizeof x);
    r.kind = PMC_K_FILL;
    struct pmc_fill *f = &r.u.fill;
    f->src = PMC_SRC_CHAIN;
    if (pmc_addr_norm(maker, 40, &f->trader) != PMC_OK)
        return pmc_wire_fail(err, PMC_EPARSE, row, "topics[2]: bad address");
    if (wallet && !pmc_sym_eq(&f->trader, wallet)) {
        sink->ignored++;
        return PMC_OK;
    }
    struct pmc_sym addr;
    PMC_TRY(pmc_wf_addr(lg, "address", NULL, PMC_WF_OPTIONAL, &addr, row, err));
    if (addr.n == 42)
        memcpy(self, addr.s + 2, 41);
    x.role = PMC_ROLE_MAKER;
    if (self[0] && !strcmp(self, taker))
        x.role = PMC_ROLE_TAKER;
    for (size_t i = 0; i < sizeof exchanges / sizeof exchanges[0]; i++)
        if (!strcmp(exchanges[i], taker))
            x.role = PMC_ROLE_TAKER;
    x.version = version;
    int removed;
    PMC_TRY(pmc_wf_bool(lg, "removed", NULL, &removed, row, err));
    x.removed = removed == 1;

    /* data words */
    size_t dn;
    const char *d = pmc_json_text(pmc_wf_get(lg, "data", NULL, &name), &dn);
    size_t want = version == 2 ? 7 : 5;
    if (!d || dn != 2 + 64 * want || d[0] != '0' || d[1] != 'x')
        return pmc_wire_fail(err, PMC_EPARSE, row,
                             "field \"data\": expected 0x + %zu hex digits "
                             "(%zu words of OrderFilled V%d)",
                             64 * want, want, version);
    uint8_t w[7][32];
    for (size_t k = 0; k < want; k++)
        for (size_t i = 0; i < 32; i++) {
            int a = hexval(d[2 + 64 * k + 2 * i]);
            int b = hexval(d[3 + 64 * k + 2 * i]);
            if (a < 0 || b < 0)
                return pmc_wire_fail(err, PMC_EPARSE, row,
                                     "field \"data\": not hex at digit %zu",
                                     64 * k + 2 * i);
            w[k][i] = (uint8_t)(a << 4 | b);
        }
    const uint8_t *tokw;
    int64_t mk, tk, fee;
    int sell;
    if (version == 2) {
        int64_t side;
        if (!word_i64(w[0], &side) || side > 1)
            return pmc_wire_fail(err, PMC_EPARSE, row,
                                 "data word 0 (side): expected 0 or 1");
        sell = side == 1;
        tokw = w[1];
    } else {
        int z0 = word_zero(w[0]), z1 = word_zero(w[1]);
        if (z0 == z1)
            return pmc_wire_fail(err, PMC_EPARSE, row,
                                 "V1 asset ids: exactly one of "
                                 "makerAssetId/takerAssetId must be 0");
        sell = !z0;
        tokw = sell ? w[0] : w[1];
    }
    size_t wi = 2; /* both versions: maker, taker, fee at words 2..4 */
    if (!word_i64(w[wi], &mk) || !word_i64(w[wi + 1], &tk) ||
        !word_i64(w[wi + 2], &fee))
        return pmc_wire_fail(err, PMC_ERANGE, row,
                             "data: amount larger than int64 base units");
    if (mk <= 0 || tk <= 0)
        return pmc_wire_fail(err, PMC_ERANGE, row,
                             "data: zero maker or taker amount");
    char tok[80];
    size_t tn = pmc_wire_u256_dec(tokw, tok);
    PMC_TRY(pmc_sym_set(&f->token, tok, tn));
    f->side = sell ? PMC_SELL : PMC_BUY;
    f->sz = sell ? mk : tk;
    f->px = sell ? ratio_micros(tk, mk) : ratio_micros(mk, tk);
    x.fee = fee;
    if (f->px <= 0 || f->px >= PMC_MICRO)
        return pmc_wire_fail(
            err, PMC_ERANGE, row, "data: price %s/%s is not in (0,1)",
            sell ? "taker" : "maker", sell ? "maker" : "taker");
    if (f->sz > PMC_SIZE_MAX)
        return pmc_wire_fail(err, PMC_ERANGE, row,
                             "data: more than 1e9 shares");

    struct pmc_sym tx;
    PMC_TRY(pmc_wf_sym(lg, "transactionHash", NULL, PMC_WF_REQUIRED, &tx, row,
                       err));
    int64_t li = 0, bts = 0;
    json_t *liv = pmc_wf_get(lg, "logIndex", NULL, &name);
    if (!liv)
        return pmc_wire_fail(err, PMC_EPARSE, row,
                             "field \"logIndex\" is missing");
    PMC_TRY(hex_int(liv, "logIndex", &li, row, err));
    char key[PMC_SYM_MAX + 1];
    int kl = snprintf(key, sizeof key, "%s:%lld", tx.s, (long long)li);
    if (kl <= 0 || (size_t)kl > PMC_SYM_MAX)
        return pmc_wire_fail(err, PMC_ERANGE, row,
                             "field \"transactionHash\": too long");
    PMC_TRY(pmc_sym_set(&f->key, key, (size_t)kl));
    json_t *btv = pmc_wf_get(lg, "blockTimestamp", "timeStamp", &name);
    if (btv) {
        PMC_TRY(hex_int(btv, name, &bts, row, err));
        if (bts <= 0 || bts >= PMC_TIME_MAX / 1000)
            return pmc_wire_fail(err, PMC_ERANGE, row,
                                 "field \"%s\": not a time in seconds", name);
        f->ts = bts * 1000;
    }
    r.t = t_recv > 0 ? t_recv : f->ts;
    if (r.t <= 0)
        return pmc_wire_fail(err, PMC_EPARSE, row,
                             "no time: the log has no blockTimestamp and no "
                             "receive time was given");
    if (!f->ts)
        f->ts = r.t;
    sink->records++;
    return sink->emit ? sink->emit(sink->ctx, &r, &x) : PMC_OK;
}

enum pmc_err pmc_wire_decode_logs(const char *buf, size_t n, pmc_ms t_recv,
                                  const struct pmc_sym *wallet,
                                  struct pmc_wire_sink *sink,
                                  struct pmc_wire_err *err)
{
    json_t *root;
    err->row = 0;
    PMC_TRY(pmc_json_exact_loads(buf, n, &root, err));
    enum pmc_err rc = PMC_OK;
    const json_t *v = root;
    const char *name;
    if (json_is_object(root) && pmc_wf_get(root, "params", NULL, &name)) {
        json_t *p = pmc_wf_get(root, "params", NULL, &name);
        v = pmc_wf_get(p, "result", NULL, &name);
        if (!v) {
            rc = pmc_wire_fail(err, PMC_EPARSE, 0,
                               "field \"params.result\" is missing");
            goto done;
        }
    } else if (json_is_object(root) && !json_object_get(root, "topics") &&
               pmc_wf_get(root, "result", NULL, &name)) {
        v = pmc_wf_get(root, "result", NULL, &name);
        if (json_is_string(v)) { /* eth_subscribe acknowledgement */
            sink->ignored++;
            goto done;
        }
    } else if (json_is_object(root) && json_object_get(root, "error")) {
        rc = pmc_wire_fail(err, PMC_EPROTO, 0, "JSON-RPC error response");
        goto done;
    }
    if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v) && rc == PMC_OK; i++)
            rc =
                one_log(json_array_get(v, i), t_recv, wallet, i + 1, sink, err);
    } else {
        rc = one_log(v, t_recv, wallet, 0, sink, err);
    }
done:
    json_decref(root);
    return rc;
}
