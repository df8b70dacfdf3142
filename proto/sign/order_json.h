/* proto/sign/order_json.h - one CLOB order request from its JSON
 * parameters (keys as `pmcopy order sign --help` lists them), and the
 * signing key from the environment. */
#ifndef PMC_SIGN_ORDER_JSON_H
#define PMC_SIGN_ORDER_JSON_H

#include <stdbool.h>
#include <stdio.h>

#include "proto/sign/order.h"
#include "proto/sign/signer.h"

#define PMC_ORDER_DEFAULT_MIN_SIZE "5"

/* Where failures are named: one line "PROG: reason" on f each. */
struct pmc_order_log {
    FILE *f;
    const char *prog;
};

/* What the input left to the caller: a random salt, the current time. */
struct pmc_order_missing {
    bool salt, timestamp;
};

/* Read one JSON object (raw, len bytes) into r; token (token_cap bytes)
 * receives the token id r points to. false after naming the failure. */
bool pmc_order_json_parse(const struct pmc_order_log *L, const char *raw,
                          size_t len, struct pmc_order_req *r, char *token,
                          size_t token_cap, struct pmc_order_missing *missing);

/* The signer from PMC_PRIVATE_KEY, or from the file PMC_PRIVATE_KEY_FILE
 * names (a regular file, mode 0600 or stricter); exactly one of them.
 * Every copy of the key is wiped. false after naming the failure. */
bool pmc_signer_from_env(const struct pmc_order_log *L,
                         struct pmc_signer **out);

#endif
