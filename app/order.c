/* app/order.c - `pmcopy order sign`: build and sign one CLOB order.
 *
 * Reads one JSON object on stdin, prints the exact POST /order body on one
 * line (and with --digest the EIP-712 struct hash and digest). Numbers in
 * the input are read from their original text (proto/wire/json_exact.h),
 * never through a double. The private key comes from PMC_PRIVATE_KEY or a
 * 0600 file named by PMC_PRIVATE_KEY_FILE; it is wiped from memory as soon
 * as the signer holds it and is never printed, not even in an error.
 * This command sends nothing over the network. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "live/clock.h"
#include "app/cmds.h"
#include "app/opt.h"
#include "core/dec.h"
#include "proto/sign/hex.h"
#include "proto/sign/order.h"
#include "proto/wire/json_exact.h"

#define PROG "pmcopy order sign"
#define INPUT_MAX ((size_t)1 << 16)
#define KEY_FILE_MAX 512
#define DEFAULT_MIN_SIZE "5"

static const char INTRO[] =
    "usage: pmcopy order sign [--digest] < order.json\n"
    "\n"
    "Build and sign one CLOB V2 order; print the exact POST /order body as\n"
    "one line of JSON. Nothing is sent.\n";

static const char OUTRO[] =
    "Input: one JSON object. Decimals may be JSON strings or numbers; they\n"
    "are read exactly (never through floating point).\n"
    "  token_id        decimal uint256 (required)\n"
    "  side            BUY or SELL (required)\n"
    "  kind            limit or market (required)\n"
    "  price           limit: limit price on the tick grid;\n"
    "                  market: worst acceptable price (floored to the grid)\n"
    "  size            limit only: shares (floored to 2 decimals)\n"
    "  amount          market only: USD for BUY, shares for SELL\n"
    "  tick_size       0.1, 0.01, 0.005, 0.0025, 0.001 or 0.0001 (required)\n"
    "  exchange        v2, v2-negrisk or v3; or give neg_risk (true/false,\n"
    "                  meaning v2-negrisk/v2) instead\n"
    "  order_type      GTC, GTD, FOK or FAK (required; market: FOK or FAK)\n"
    "  expiration      unix seconds, GTD only (not signed)\n"
    "  signature_type  0 EOA (default), 1 POLY_PROXY, 2 POLY_GNOSIS_SAFE,\n"
    "                  3 POLY_1271 (deposit wallet)\n"
    "  maker           funder address (proxy/Safe/deposit wallet); default\n"
    "                  the signer, required for signature_type 1-3\n"
    "  salt            integer < 2^53 (default: random)\n"
    "  timestamp       order time in ms (default: now)\n"
    "  builder         bytes32 builder code, 0x + 64 hex (default zero)\n"
    "  metadata        bytes32, 0x + 64 hex (default zero)\n"
    "  post_only       true/false (default false; not with FOK/FAK)\n"
    "  defer_exec      true/false (default false)\n"
    "  chain_id        137 (default) or 80002\n"
    "  min_size        market's minimum order size in shares for limit\n"
    "                  orders (default " DEFAULT_MIN_SIZE "; 0 disables)\n"
    "\n"
    "Environment:\n"
    "  PMC_PRIVATE_KEY       signer key, 0x + 64 hex, or\n"
    "  PMC_PRIVATE_KEY_FILE  a file holding it, mode 0600 or stricter\n"
    "  PMC_API_KEY           the L2 API key, sent as the body's owner\n"
    "\n"
    "Exit status: 0 ok, 1 invalid input or signing failure, 2 usage.\n";

static const char *const KEYS[] = {
    "token_id",   "side",           "kind",      "price",      "size",
    "amount",     "tick_size",      "exchange",  "neg_risk",   "order_type",
    "expiration", "signature_type", "maker",     "salt",       "timestamp",
    "builder",    "metadata",       "post_only", "defer_exec", "chain_id",
    "min_size",
};

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs(PROG ": ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* ---- input accessors ---------------------------------------------------- */

/* The text of key k (a JSON string, or a number rewritten to its text);
 * NULL if absent. Sets *bad when present with another type. */
static const char *text(json_t *o, const char *k, size_t *n, bool *bad)
{
    json_t *v = json_object_get(o, k);
    if (!v)
        return NULL;
    const char *s = pmc_json_text(v, n);
    if (!s) {
        fail("%s: expected a string or a number", k);
        *bad = true;
    }
    return s;
}

static bool need(const char *s, const char *k)
{
    if (!s)
        fail("%s is required (see --help)", k);
    return s != NULL;
}

static bool get_dec(json_t *o, const char *k, bool required, pmc_micros *out,
                    bool *present)
{
    size_t n = 0;
    bool bad = false;
    const char *s = text(o, k, &n, &bad);
    *present = s != NULL;
    if (bad)
        return false;
    if (!s)
        return !required || need(s, k);
    enum pmc_err e = pmc_dec_parse(s, n, out);
    if (e != PMC_OK) {
        fail("%s '%.40s' must be a plain decimal (digits, optional '.', at "
             "most 6 decimal places)",
             k, s);
        return false;
    }
    return true;
}

/* A non-negative integer; absent leaves *out. */
static bool get_uint(json_t *o, const char *k, uint64_t max, uint64_t *out,
                     bool *present)
{
    size_t n = 0;
    bool bad = false;
    const char *s = text(o, k, &n, &bad);
    int64_t v;
    if (present)
        *present = s != NULL;
    if (bad)
        return false;
    if (!s)
        return true;
    if (pmc_int_parse(s, n, &v) != PMC_OK || v < 0 || (uint64_t)v > max) {
        fail("%s '%.40s' must be an integer in [0, %llu]", k, s,
             (unsigned long long)max);
        return false;
    }
    *out = (uint64_t)v;
    return true;
}

static bool get_bool(json_t *o, const char *k, bool *out, bool *present)
{
    json_t *v = json_object_get(o, k);
    if (present)
        *present = v != NULL;
    if (!v)
        return true;
    if (!json_is_boolean(v)) {
        fail("%s must be true or false", k);
        return false;
    }
    *out = json_is_true(v);
    return true;
}

static bool get_bytes32(json_t *o, const char *k, uint8_t out[32])
{
    size_t n = 0;
    bool bad = false;
    const char *s = text(o, k, &n, &bad);
    if (bad)
        return false;
    if (!s)
        return true;
    if (n != 66 || pmc_hex_decode(s, n, out, 32) != PMC_OK) {
        fail("%s '%.80s' must be 0x followed by 64 hex digits", k, s);
        return false;
    }
    return true;
}

/* One of the listed words (exact match), or -1 after an error. */
static int get_word(json_t *o, const char *k, const char *const *words,
                    size_t nw, const char *rule, bool required)
{
    size_t n = 0;
    bool bad = false;
    const char *s = text(o, k, &n, &bad);
    if (bad)
        return -1;
    if (!s)
        return required ? (need(s, k), -1) : -2;
    for (size_t i = 0; i < nw; i++)
        if (strlen(words[i]) == n && memcmp(words[i], s, n) == 0)
            return (int)i;
    fail("%s '%.40s' must be %s", k, s, rule);
    return -1;
}

/* ---- key material ------------------------------------------------------- */

/* Load the signer from the environment. Every copy of the key is wiped. */
static bool load_signer(struct pmc_signer **out)
{
    const char *env = getenv("PMC_PRIVATE_KEY");
    const char *path = getenv("PMC_PRIVATE_KEY_FILE");
    enum pmc_err e;
    if (env && *env && path && *path) {
        fail("set only one of PMC_PRIVATE_KEY and PMC_PRIVATE_KEY_FILE");
        return false;
    }
    if (env && *env) {
        e = pmc_signer_new(env, strlen(env), out);
        /* the environment copy is no longer needed */
        explicit_bzero((char *)env, strlen(env));
        if (e != PMC_OK) {
            fail("PMC_PRIVATE_KEY is not a valid secp256k1 private key "
                 "(expected 0x followed by 64 hex digits): %s",
                 pmc_strerror(e));
            return false;
        }
        return true;
    }
    if (!path || !*path) {
        fail("no signing key: set PMC_PRIVATE_KEY or PMC_PRIVATE_KEY_FILE");
        return false;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        fail("PMC_PRIVATE_KEY_FILE %s: %s", path, strerror(errno));
        return false;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        fail("PMC_PRIVATE_KEY_FILE %s: not a regular file", path);
        close(fd);
        return false;
    }
    if (st.st_mode & 077) {
        fail("PMC_PRIVATE_KEY_FILE %s has mode %04o; it must be 0600 or "
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
        fail("PMC_PRIVATE_KEY_FILE %s does not hold a valid secp256k1 "
             "private key (expected 0x followed by 64 hex digits): %s",
             path, pmc_strerror(e));
        return false;
    }
    return true;
}

/* ---- the request -------------------------------------------------------- */

static bool build_request(json_t *in, struct pmc_order_req *r, char *token,
                          size_t token_cap)
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
            fail("unknown input key '%.60s' (see --help)", key);
            ok = false;
        }
    }
    if (!ok)
        return false;

    memset(r, 0, sizeof(*r));
    r->chain_id = PMC_CHAIN_POLYGON;

    const char *tok = text(in, "token_id", &n, &bad);
    if (bad || !need(tok, "token_id"))
        return false;
    if (n >= token_cap ||
        pmc_u256_parse_dec(tok, n, (uint8_t[32]){0}) != PMC_OK) {
        fail("token_id '%.80s' must be a decimal integer below 2^256", tok);
        return false;
    }
    memcpy(token, tok, n);
    token[n] = '\0';
    r->token_id = token;

    int side = get_word(in, "side", SIDES, 2, "BUY or SELL", true);
    int kind = get_word(in, "kind", KINDS, 2, "limit or market", true);
    int ex = get_word(in, "exchange", EXCH, 3, "v2, v2-negrisk or v3", false);
    if (side == -1 || kind == -1 || ex == -1)
        return false;
    size_t on = 0;
    const char *ot = text(in, "order_type", &on, &bad);
    if (bad || !need(ot, "order_type"))
        return false;
    if (pmc_order_type_parse(ot, on, &r->order_type) != PMC_OK) {
        fail("order_type '%.40s' must be GTC, GTD, FOK or FAK", ot);
        return false;
    }
    r->amt.side = (uint8_t)side;
    r->amt.kind = kind == 0 ? PMC_ORDER_LIMIT : PMC_ORDER_MARKET;

    bool neg = false;
    if (!get_bool(in, "neg_risk", &neg, &present))
        return false;
    if (ex == -2 && !present) {
        fail("exchange (v2, v2-negrisk or v3) or neg_risk is required");
        return false;
    }
    if (ex == -2)
        r->exchange = neg ? PMC_EXCH_V2_NEGRISK : PMC_EXCH_V2;
    else {
        r->exchange = (enum pmc_exchange)ex;
        if (present && neg != (r->exchange == PMC_EXCH_V2_NEGRISK)) {
            fail("neg_risk %s contradicts exchange '%s'",
                 neg ? "true" : "false", EXCH[ex]);
            return false;
        }
    }

    size_t tn = 0;
    const char *ts = text(in, "tick_size", &tn, &bad);
    if (bad || !need(ts, "tick_size"))
        return false;
    if (pmc_tick_parse(ts, tn, &r->amt.tick) != PMC_OK) {
        fail("tick_size '%.40s' must be one of 0.1, 0.01, 0.005, 0.0025, "
             "0.001, 0.0001",
             ts);
        return false;
    }

    bool has_size, has_amount, has_price, has_min;
    pmc_micros size = 0, amount = 0, min = 0;
    if (!get_dec(in, "price", true, &r->amt.price, &has_price) ||
        !get_dec(in, "size", false, &size, &has_size) ||
        !get_dec(in, "amount", false, &amount, &has_amount) ||
        !get_dec(in, "min_size", false, &min, &has_min))
        return false;
    if (r->amt.kind == PMC_ORDER_LIMIT) {
        if (has_amount) {
            fail("amount is for market orders; a limit order takes size "
                 "(shares)");
            return false;
        }
        if (!need(has_size ? "" : NULL, "size"))
            return false;
        r->amt.size = size;
    } else {
        if (has_size) {
            fail("size is for limit orders; a market order takes amount "
                 "(USD for BUY, shares for SELL)");
            return false;
        }
        if (!need(has_amount ? "" : NULL, "amount"))
            return false;
        r->amt.size = amount;
    }
    if (!has_min && pmc_dec_parse(DEFAULT_MIN_SIZE, strlen(DEFAULT_MIN_SIZE),
                                  &min) != PMC_OK)
        return false;
    if (min < 0) {
        fail("min_size must be >= 0");
        return false;
    }
    r->amt.min_shares = min;

    uint64_t sig_type = PMC_SIG_EOA, chain = PMC_CHAIN_POLYGON;
    bool has_salt, has_ts;
    if (!get_uint(in, "expiration", INT64_MAX, &r->expiration, NULL) ||
        !get_uint(in, "signature_type", 255, &sig_type, NULL) ||
        !get_uint(in, "salt", PMC_SALT_MAX, &r->salt, &has_salt) ||
        !get_uint(in, "timestamp", INT64_MAX, &r->timestamp_ms, &has_ts) ||
        !get_uint(in, "chain_id", INT64_MAX, &chain, NULL))
        return false;
    if (sig_type > PMC_SIG_POLY_1271) {
        fail("signature_type %llu must be 0 (EOA), 1 (POLY_PROXY), 2 "
             "(POLY_GNOSIS_SAFE) or 3 (POLY_1271)",
             (unsigned long long)sig_type);
        return false;
    }
    r->sig_type = (uint8_t)sig_type;
    r->chain_id = chain;

    size_t mn = 0;
    const char *maker = text(in, "maker", &mn, &bad);
    if (bad)
        return false;
    if (maker) {
        if (pmc_addr_parse(maker, mn, r->maker) != PMC_OK) {
            fail("maker '%.60s' must be an address (0x followed by 40 hex "
                 "digits)",
                 maker);
            return false;
        }
        r->has_maker = true;
    }
    if (!get_bytes32(in, "builder", r->builder) ||
        !get_bytes32(in, "metadata", r->metadata) ||
        !get_bool(in, "post_only", &r->post_only, NULL) ||
        !get_bool(in, "defer_exec", &r->defer_exec, NULL))
        return false;

    if (!has_salt) {
        uint64_t x = 0;
        if (getrandom(&x, sizeof(x), 0) != (ssize_t)sizeof(x)) {
            fail("cannot draw a random salt: %s", strerror(errno));
            return false;
        }
        r->salt = x & PMC_SALT_MAX;
    }
    if (!has_ts) {
        /* No timestamp given: the order is created now. */
        r->timestamp_ms = (uint64_t)pmc_clock_now_ms();
    }
    return true;
}

static char *read_all(FILE *f, size_t max, size_t *len)
{
    char *buf = malloc(max + 1);
    size_t n = 0, r;
    if (!buf)
        return NULL;
    while ((r = fread(buf + n, 1, max + 1 - n, f)) > 0) {
        n += r;
        if (n > max)
            break;
    }
    if (ferror(f) || n > max) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

static int digest;
static const struct pmc_opt opts[] = {
    PMC_OPT_BOOL("digest", 0,
                 "also print the EIP-712 struct hash and the digest (the\n"
                 "order id) on the next two lines, as 0x hex",
                 &digest),
    PMC_OPT_HELP_ENTRY("this text"),
};
static const struct pmc_opt_cmd cmd = {"order sign", INTRO, OUTRO, NULL, opts,
                                       PMC_ARRAY_LEN(opts), NULL};

static int cmd_sign(int argc, char **argv)
{
    digest = 0;
    int nargs;
    int pr = pmc_opt_parse(&cmd, argc, argv, &nargs, NULL);
    if (pr != PMC_OPT_OK)
        return pmc_opt_exit(pr);
    if (nargs > 0) {
        fail("unexpected argument '%s' (the order is read from stdin)",
             argv[1]);
        return PMC_EXIT_USAGE;
    }

    int rc = PMC_EXIT_FAIL;
    struct pmc_signer *signer = NULL;
    struct pmc_signed_order *out = NULL;
    json_t *in = NULL;
    char token[PMC_U256_DEC_MAX + 2];
    char why[256] = "";
    size_t len = 0;
    char *raw = read_all(stdin, INPUT_MAX, &len);
    if (!raw) {
        fail("cannot read the order from stdin (at most %zu bytes)", INPUT_MAX);
        goto done;
    }
    struct pmc_wire_err err;
    if (pmc_json_exact_loads(raw, len, &in, &err) != PMC_OK) {
        fail("stdin: %s", err.msg);
        goto done;
    }
    if (!json_is_object(in)) {
        fail("stdin: expected one JSON object");
        goto done;
    }
    /* A repeated key would silently keep the last value: refuse it. This
     * second parse only checks structure; its numbers are never used. */
    json_error_t jerr;
    json_t *dup = json_loadb(
        raw, len, JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL, &jerr);
    if (!dup) {
        fail("stdin: %s", jerr.text);
        goto done;
    }
    json_decref(dup);
    struct pmc_order_req req;
    if (!build_request(in, &req, token, sizeof(token)))
        goto done;
    const char *owner = getenv("PMC_API_KEY");
    if (!owner || !*owner) {
        fail("PMC_API_KEY is not set (it is sent as the body's owner)");
        goto done;
    }
    req.owner = owner;
    if (!load_signer(&signer))
        goto done;
    out = malloc(sizeof(*out));
    if (!out) {
        fail("out of memory");
        goto done;
    }
    enum pmc_err e = pmc_order_sign(signer, &req, out, why, sizeof(why));
    if (e != PMC_OK) {
        fail("%s", why[0] ? why : pmc_strerror(e));
        goto done;
    }
    char h[67];
    h[0] = '0';
    h[1] = 'x';
    fwrite(out->body, 1, out->body_len, stdout);
    fputc('\n', stdout);
    if (digest) {
        pmc_hex_encode(out->struct_hash, 32, h + 2);
        printf("%s\n", h);
        pmc_hex_encode(out->digest, 32, h + 2);
        printf("%s\n", h);
    }
    if (fflush(stdout) != 0) {
        fail("cannot write the order: %s", strerror(errno));
        goto done;
    }
    rc = PMC_EXIT_OK;
done:
    pmc_signer_free(signer);
    free(out);
    json_decref(in);
    free(raw);
    return rc;
}

int pmc_cmd_order(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        pmc_opt_help(&cmd, argc < 2 ? stderr : stdout);
        return argc < 2 ? PMC_EXIT_USAGE : PMC_EXIT_OK;
    }
    if (!strcmp(argv[1], "sign"))
        return cmd_sign(argc - 1, argv + 1);
    fail("unknown subcommand 'order %s' (only 'order sign' exists)", argv[1]);
    return PMC_EXIT_USAGE;
}
