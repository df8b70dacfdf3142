/* proto/sign/order_json.c - one CLOB order request from its JSON
 * parameters (the input of `pmcopy order sign`), and the signing key from
 * the environment.
 *
 * Decides: the input keys and their rules (every number read from its
 * original text, proto/wire/json_exact.h, never through a double; unknown
 * and repeated keys refused), the defaults (exchange from neg_risk,
 * min_size 5, signature type EOA, chain 137), and where the key may come
 * from (PMC_PRIVATE_KEY, or a 0600 file named by PMC_PRIVATE_KEY_FILE),
 * wiped from memory as soon as the signer holds it and never printed, not
 * even in an error. Never reads a clock or draws randomness: a missing
 * salt or timestamp is reported to the caller. */
#include "proto/sign/order_json.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/dec.h"
#include "proto/sign/hex.h"
#include "proto/wire/json_exact.h"

#define KEY_FILE_MAX 512

static const char *const KEYS[] = {
    "token_id",   "side",           "kind",      "price",      "size",
    "amount",     "tick_size",      "exchange",  "neg_risk",   "order_type",
    "expiration", "signature_type", "maker",     "salt",       "timestamp",
    "builder",    "metadata",       "post_only", "defer_exec", "chain_id",
    "min_size",
};

static void fail(const struct pmc_order_log *L, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void fail(const struct pmc_order_log *L, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(L->f, "%s: ", L->prog);
    vfprintf(L->f, fmt, ap);
    fputc('\n', L->f);
    va_end(ap);
}

/* ---- input accessors ---------------------------------------------------- */

/* The text of key k (a JSON string, or a number rewritten to its text);
 * NULL if absent. Sets *bad when present with another type. */
static const char *text(const struct pmc_order_log *L, json_t *o, const char *k,
                        size_t *n, bool *bad)
{
    json_t *v = json_object_get(o, k);
    if (!v)
        return NULL;
    const char *s = pmc_json_text(v, n);
    if (!s) {
        fail(L, "%s: expected a string or a number", k);
        *bad = true;
    }
    return s;
}

static bool need(const struct pmc_order_log *L, const char *s, const char *k)
{
    if (!s)
        fail(L, "%s is required (see --help)", k);
    return s != NULL;
}

static bool get_dec(const struct pmc_order_log *L, json_t *o, const char *k,
                    bool required, pmc_micros *out, bool *present)
{
    size_t n = 0;
    bool bad = false;
    const char *s = text(L, o, k, &n, &bad);
    *present = s != NULL;
    if (bad)
        return false;
    if (!s)
        return !required || need(L, s, k);
    enum pmc_err e = pmc_dec_parse(s, n, out);
    if (e == PMC_ERANGE && s[0] != '-' && pmc_dec_frac_digits(s, n) <= 6) {
        fail(L, "%s '%.40s' is too large", k, s);
        return false;
    }
    if (e != PMC_OK) {
        fail(L,
             "%s '%.40s' must be a plain decimal (digits, optional '.', at "
             "most 6 decimal places)",
             k, s);
        return false;
    }
    return true;
}

/* A non-negative integer; absent leaves *out. */
static bool get_uint(const struct pmc_order_log *L, json_t *o, const char *k,
                     uint64_t max, uint64_t *out, bool *present)
{
    size_t n = 0;
    bool bad = false;
    const char *s = text(L, o, k, &n, &bad);
    int64_t v;
    if (present)
        *present = s != NULL;
    if (bad)
        return false;
    if (!s)
        return true;
    enum pmc_err e = pmc_int_parse(s, n, &v);
    if ((e == PMC_ERANGE && s[0] != '-') ||
        (e == PMC_OK && v > 0 && (uint64_t)v > max)) {
        fail(L, "%s '%.40s' is too large (at most %llu)", k, s,
             (unsigned long long)max);
        return false;
    }
    if (e != PMC_OK || v < 0) {
        fail(L, "%s '%.40s' must be an integer in [0, %llu]", k, s,
             (unsigned long long)max);
        return false;
    }
    *out = (uint64_t)v;
    return true;
}

static bool get_bool(const struct pmc_order_log *L, json_t *o, const char *k,
                     bool *out, bool *present)
{
    json_t *v = json_object_get(o, k);
    if (present)
        *present = v != NULL;
    if (!v)
        return true;
    if (!json_is_boolean(v)) {
        fail(L, "%s must be true or false", k);
        return false;
    }
    *out = json_is_true(v);
    return true;
}

static bool get_bytes32(const struct pmc_order_log *L, json_t *o, const char *k,
                        uint8_t out[32])
{
    size_t n = 0;
    bool bad = false;
    const char *s = text(L, o, k, &n, &bad);
    if (bad)
        return false;
    if (!s)
        return true;
    if (n != 66 || pmc_hex_decode(s, n, out, 32) != PMC_OK) {
        fail(L, "%s '%.80s' must be 0x followed by 64 hex digits", k, s);
        return false;
    }
    return true;
}

/* One of the listed words (exact match), or -1 after an error. */
static int get_word(const struct pmc_order_log *L, json_t *o, const char *k,
                    const char *const *words, size_t nw, const char *rule,
                    bool required)
{
    size_t n = 0;
    bool bad = false;
    const char *s = text(L, o, k, &n, &bad);
    if (bad)
        return -1;
    if (!s)
        return required ? (need(L, s, k), -1) : -2;
    for (size_t i = 0; i < nw; i++)
        if (strlen(words[i]) == n && memcmp(words[i], s, n) == 0)
            return (int)i;
    fail(L, "%s '%.40s' must be %s", k, s, rule);
    return -1;
}

/* ---- key material ------------------------------------------------------- */

bool pmc_signer_from_env(const struct pmc_order_log *L, struct pmc_signer **out)
{
    const char *env = getenv("PMC_PRIVATE_KEY");
    const char *path = getenv("PMC_PRIVATE_KEY_FILE");
    enum pmc_err e;
    if (env && *env && path && *path) {
        fail(L, "set only one of PMC_PRIVATE_KEY and PMC_PRIVATE_KEY_FILE");
        return false;
    }
    if (env && *env) {
        e = pmc_signer_new(env, strlen(env), out);
        /* the environment copy is no longer needed */
        explicit_bzero((char *)env, strlen(env));
        if (e != PMC_OK) {
            fail(L,
                 "PMC_PRIVATE_KEY is not a valid secp256k1 private key "
                 "(expected 0x followed by 64 hex digits): %s",
                 pmc_strerror(e));
            return false;
        }
        return true;
    }
    if (!path || !*path) {
        fail(L, "no signing key: set PMC_PRIVATE_KEY or PMC_PRIVATE_KEY_FILE");
        return false;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        fail(L, "PMC_PRIVATE_KEY_FILE %s: %s", path, strerror(errno));
        return false;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        fail(L, "PMC_PRIVATE_KEY_FILE %s: not a regular file", path);
        close(fd);
        return false;
    }
    if (st.st_mode & 077) {
        fail(L,
             "PMC_PRIVATE_KEY_FILE %s has mode %04o; it must be 0600 or "
             "stricter (chmod 600 %s)",
             path, (unsigned)(st.st_mode & 07777), path);
        close(fd);
        return false;
    }
    char buf[KEY_FILE_MAX];
    size_t n = 0;
    ssize_t r;
    while (n < sizeof(buf) && (r = read(fd, buf + n, sizeof(buf) - n)) != 0) {
        if (r < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        n += (size_t)r;
    }
    close(fd);
    e = n < sizeof(buf) ? pmc_signer_new(buf, n, out) : PMC_ERANGE;
    explicit_bzero(buf, sizeof(buf));
    if (e != PMC_OK) {
        fail(L,
             "PMC_PRIVATE_KEY_FILE %s does not hold a valid secp256k1 "
             "private key (expected 0x followed by 64 hex digits): %s",
             path, pmc_strerror(e));
        return false;
    }
    return true;
}

/* ---- the request -------------------------------------------------------- */

static bool build_request(const struct pmc_order_log *L, json_t *in,
                          struct pmc_order_req *r, char *token,
                          size_t token_cap, struct pmc_order_missing *missing)
{
    static const char *const SIDES[] = {"BUY", "SELL"};
    static const char *const KINDS[] = {"limit", "market"};
    static const char *const EXCH[] = {"v2", "v2-negrisk", "v3", "v1",
                                       "v1-negrisk"};
    bool present, ok = true;
    size_t n = 0;
    bool bad = false;

    const char *key;
    json_t *val;
    json_object_foreach(in, key, val)
    {
        bool known = false;
        for (size_t i = 0; i < PMC_ARRAY_LEN(KEYS) && !known; i++)
            known = !strcmp(key, KEYS[i]);
        if (!known) {
            fail(L, "unknown input key '%.60s' (see --help)", key);
            ok = false;
        }
    }
    if (!ok)
        return false;

    memset(r, 0, sizeof(*r));
    r->chain_id = PMC_CHAIN_POLYGON;

    const char *tok = text(L, in, "token_id", &n, &bad);
    if (bad || !need(L, tok, "token_id"))
        return false;
    if (n >= token_cap ||
        pmc_u256_parse_dec(tok, n, (uint8_t[32]){0}) != PMC_OK) {
        fail(L, "token_id '%.80s' must be a decimal integer below 2^256", tok);
        return false;
    }
    memcpy(token, tok, n);
    token[n] = '\0';
    r->token_id = token;

    int side = get_word(L, in, "side", SIDES, 2, "BUY or SELL", true);
    int kind = get_word(L, in, "kind", KINDS, 2, "limit or market", true);
    int ex =
        get_word(L, in, "exchange", EXCH, 3, "v2, v2-negrisk or v3", false);
    if (side == -1 || kind == -1 || ex == -1)
        return false;
    size_t on = 0;
    const char *ot = text(L, in, "order_type", &on, &bad);
    if (bad || !need(L, ot, "order_type"))
        return false;
    if (pmc_order_type_parse(ot, on, &r->order_type) != PMC_OK) {
        fail(L, "order_type '%.40s' must be GTC, GTD, FOK or FAK", ot);
        return false;
    }
    r->amt.side = (uint8_t)side;
    r->amt.kind = kind == 0 ? PMC_ORDER_LIMIT : PMC_ORDER_MARKET;

    bool neg = false;
    if (!get_bool(L, in, "neg_risk", &neg, &present))
        return false;
    if (ex == -2 && !present) {
        fail(L, "exchange (v2, v2-negrisk or v3) or neg_risk is required");
        return false;
    }
    if (ex == -2)
        r->exchange = neg ? PMC_EXCH_V2_NEGRISK : PMC_EXCH_V2;
    else {
        r->exchange = (enum pmc_exchange)ex;
        if (present && neg != (r->exchange == PMC_EXCH_V2_NEGRISK)) {
            fail(L, "neg_risk %s contradicts exchange '%s'",
                 neg ? "true" : "false", EXCH[ex]);
            return false;
        }
    }

    size_t tn = 0;
    const char *ts = text(L, in, "tick_size", &tn, &bad);
    if (bad || !need(L, ts, "tick_size"))
        return false;
    if (pmc_tick_parse(ts, tn, &r->amt.tick) != PMC_OK) {
        fail(L,
             "tick_size '%.40s' must be one of 0.1, 0.01, 0.005, 0.0025, "
             "0.001, 0.0001",
             ts);
        return false;
    }

    bool has_size, has_amount, has_price, has_min;
    pmc_micros size = 0, amount = 0, min = 0;
    if (!get_dec(L, in, "price", true, &r->amt.price, &has_price) ||
        !get_dec(L, in, "size", false, &size, &has_size) ||
        !get_dec(L, in, "amount", false, &amount, &has_amount) ||
        !get_dec(L, in, "min_size", false, &min, &has_min))
        return false;
    if (r->amt.kind == PMC_ORDER_LIMIT) {
        if (has_amount) {
            fail(L, "amount is for market orders; a limit order takes size "
                    "(shares)");
            return false;
        }
        if (!need(L, has_size ? "" : NULL, "size"))
            return false;
        r->amt.size = size;
    } else {
        if (has_size) {
            fail(L, "size is for limit orders; a market order takes amount "
                    "(USD for BUY, shares for SELL)");
            return false;
        }
        if (!need(L, has_amount ? "" : NULL, "amount"))
            return false;
        r->amt.size = amount;
    }
    if (!has_min &&
        pmc_dec_parse(PMC_ORDER_DEFAULT_MIN_SIZE,
                      strlen(PMC_ORDER_DEFAULT_MIN_SIZE), &min) != PMC_OK)
        return false;
    if (min < 0) {
        fail(L, "min_size must be >= 0");
        return false;
    }
    r->amt.min_shares = min;

    uint64_t sig_type = PMC_SIG_EOA, chain = PMC_CHAIN_POLYGON;
    bool has_salt, has_ts;
    if (!get_uint(L, in, "expiration", INT64_MAX, &r->expiration, NULL) ||
        !get_uint(L, in, "signature_type", 255, &sig_type, NULL) ||
        !get_uint(L, in, "salt", PMC_SALT_MAX, &r->salt, &has_salt) ||
        !get_uint(L, in, "timestamp", INT64_MAX, &r->timestamp_ms, &has_ts) ||
        !get_uint(L, in, "chain_id", INT64_MAX, &chain, NULL))
        return false;
    if (sig_type > PMC_SIG_POLY_1271) {
        fail(L,
             "signature_type %llu must be 0 (EOA), 1 (POLY_PROXY), 2 "
             "(POLY_GNOSIS_SAFE) or 3 (POLY_1271)",
             (unsigned long long)sig_type);
        return false;
    }
    r->sig_type = (uint8_t)sig_type;
    r->chain_id = chain;

    size_t mn = 0;
    const char *maker = text(L, in, "maker", &mn, &bad);
    if (bad)
        return false;
    if (maker) {
        if (pmc_addr_parse(maker, mn, r->maker) != PMC_OK) {
            fail(L,
                 "maker '%.60s' must be an address (0x followed by 40 hex "
                 "digits)",
                 maker);
            return false;
        }
        r->has_maker = true;
    }
    if (!get_bytes32(L, in, "builder", r->builder) ||
        !get_bytes32(L, in, "metadata", r->metadata) ||
        !get_bool(L, in, "post_only", &r->post_only, NULL) ||
        !get_bool(L, in, "defer_exec", &r->defer_exec, NULL))
        return false;

    missing->salt = !has_salt;
    missing->timestamp = !has_ts;
    return true;
}

bool pmc_order_json_parse(const struct pmc_order_log *L, const char *raw,
                          size_t len, struct pmc_order_req *r, char *token,
                          size_t token_cap, struct pmc_order_missing *missing)
{
    json_t *in = NULL;
    struct pmc_wire_err err;
    if (pmc_json_exact_loads(raw, len, &in, &err) != PMC_OK) {
        fail(L, "stdin: %s", err.msg);
        return false;
    }
    bool ok = false;
    if (!json_is_object(in)) {
        fail(L, "stdin: expected one JSON object");
        goto done;
    }
    /* A repeated key would silently keep the last value: refuse it. This
     * second parse only checks structure; its numbers are never used. */
    json_error_t jerr;
    json_t *dup = json_loadb(
        raw, len, JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL, &jerr);
    if (!dup) {
        fail(L, "stdin: %s", jerr.text);
        goto done;
    }
    json_decref(dup);
    ok = build_request(L, in, r, token, token_cap, missing);
done:
    json_decref(in);
    return ok;
}
