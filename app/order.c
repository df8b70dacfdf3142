/* app/order.c - `pmcopy order sign`: the flags, stdin, the salt and the
 * clock; proto/sign/order_json.h reads the JSON parameters and the key,
 * proto/sign/order.h signs. Prints the exact POST /order body on one line
 * (and with --digest the EIP-712 struct hash and digest). Sends nothing
 * over the network. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "app/cmds.h"
#include "app/opt.h"
#include "core/dec.h"
#include "live/clock.h"
#include "live/nodump.h"
#include "proto/sign/hex.h"
#include "proto/sign/order.h"
#include "proto/sign/order_json.h"

#define PROG "pmcopy order sign"
#define INPUT_MAX ((size_t)1 << 16)

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
    "                  orders (default " PMC_ORDER_DEFAULT_MIN_SIZE
    "; 0 disables)\n"
    "\n"
    "Environment:\n"
    "  PMC_PRIVATE_KEY       signer key, 0x + 64 hex, or\n"
    "  PMC_PRIVATE_KEY_FILE  a file holding it, mode 0600 or stricter\n"
    "  PMC_API_KEY           the L2 API key, sent as the body's owner\n"
    "\n"
    "Exit status: 0 ok, 1 invalid input or signing failure, 2 usage.\n";

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
static const struct pmc_opt_cmd cmd = {
    "order sign", INTRO, OUTRO, NULL, opts, PMC_ARRAY_LEN(opts), NULL};

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
    const struct pmc_order_log log = {stderr, PROG};
    char token[PMC_U256_DEC_MAX + 2];
    char why[256] = "";
    size_t len = 0;
    char *raw = read_all(stdin, INPUT_MAX, &len);
    if (!raw) {
        fail("cannot read the order from stdin (at most %zu bytes)", INPUT_MAX);
        goto done;
    }
    struct pmc_order_req req;
    struct pmc_order_missing missing;
    if (!pmc_order_json_parse(&log, raw, len, &req, token, sizeof(token),
                              &missing))
        goto done;
    if (missing.salt) {
        uint64_t x = 0;
        if (getrandom(&x, sizeof(x), 0) != (ssize_t)sizeof(x)) {
            fail("cannot draw a random salt: %s", strerror(errno));
            goto done;
        }
        req.salt = x & PMC_SALT_MAX;
    }
    if (missing.timestamp) /* the order is created now */
        req.timestamp_ms = (uint64_t)pmc_clock_now_ms();
    const char *owner = getenv("PMC_API_KEY");
    if (!owner || !*owner) {
        fail("PMC_API_KEY is not set (it is sent as the body's owner)");
        goto done;
    }
    req.owner = owner;
    /* before the key is read: no core file or debugger ever sees it; a
     * process that cannot protect it says so and still signs */
    char nd[192];
    if (!pmc_nodump(nd, sizeof nd))
        fprintf(stderr, "%s: warning: %s\n", PROG, nd);
    if (!pmc_signer_from_env(&log, &signer))
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
