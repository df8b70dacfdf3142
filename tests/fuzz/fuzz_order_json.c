/* tests/fuzz/fuzz_order_json.c - fuzz target for the input of `pmcopy order
 * sign` (proto/sign/order_json.h): one JSON object of order parameters,
 * read exactly as app/order.c reads stdin (at most 64 KiB), then signed
 * with a fixed test key. Any bytes in: no crash, no leak; a refusal always
 * names why on the log stream; an accepted order either signs or says
 * why, and a signed body is one line of JSON that names the token (as a
 * number: leading zeros dropped). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/sign/hex.h"
#include "proto/sign/order.h"
#include "proto/sign/order_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* the well-known first test account of Hardhat/Anvil: no funds anywhere */
#define TEST_KEY                                                               \
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"

static struct pmc_signer *signer;

static struct pmc_signer *test_signer(void)
{
    if (signer)
        return signer;
    FILE *null = fopen("/dev/null", "w");
    const struct pmc_order_log log = {null ? null : stderr, "fuzz"};
    setenv("PMC_PRIVATE_KEY", TEST_KEY, 1);
    unsetenv("PMC_PRIVATE_KEY_FILE");
    if (!pmc_signer_from_env(&log, &signer))
        abort();
    if (null)
        fclose(null);
    return signer;
}

/* Does the body name the token (a number: without leading zeros)? */
static int names_token(const char *body, const char *tok)
{
    while (tok[0] == '0' && tok[1])
        tok++;
    char want[PMC_U256_DEC_MAX + 16];
    snprintf(want, sizeof want, "\"tokenId\":\"%s\"", tok);
    return strstr(body, want) != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > ((size_t)1 << 16)) /* app/order.c refuses more */
        return 0;
    struct pmc_signer *s = test_signer();
    char *raw = malloc(size + 1); /* NUL-terminated, as read_all gives it */
    if (!raw)
        return 0;
    memcpy(raw, data, size);
    raw[size] = '\0';
    char *logbuf = NULL;
    size_t loglen = 0;
    FILE *lf = open_memstream(&logbuf, &loglen);
    if (!lf) {
        free(raw);
        return 0;
    }
    const struct pmc_order_log log = {lf, "fuzz"};
    struct pmc_order_req req;
    struct pmc_order_missing missing;
    char token[PMC_U256_DEC_MAX + 2];
    bool ok = pmc_order_json_parse(&log, raw, size, &req, token, sizeof token,
                                   &missing);
    fflush(lf);
    if (!ok && loglen == 0)
        abort(); /* refused without a word */
    if (ok) {
        if (missing.salt)
            req.salt = 12345;
        if (missing.timestamp)
            req.timestamp_ms = 1767225600000ULL;
        req.owner = "00000000-0000-0000-0000-000000000000";
        struct pmc_signed_order *out = malloc(sizeof *out);
        char why[256] = "";
        if (out) {
            enum pmc_err e = pmc_order_sign(s, &req, out, why, sizeof why);
            if (e != PMC_OK && !why[0])
                abort(); /* refused without a word */
            if (e == PMC_OK &&
                (out->body_len == 0 || out->body_len >= sizeof out->body ||
                 out->body[out->body_len] != '\0' ||
                 memchr(out->body, '\n', out->body_len) ||
                 !names_token(out->body, req.token_id)))
                abort();
        }
        free(out);
    }
    fclose(lf);
    free(logbuf);
    free(raw);
    return 0;
}
