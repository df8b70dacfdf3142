/* live/exec/creds.h - the executor's credentials: the signing key and the
 * L2 API key, secret and passphrase.
 *
 * Sources, in this order, and nothing else (no flags, no config file):
 *  - key:  PMC_PRIVATE_KEY (0x + 64 hex) or PMC_PRIVATE_KEY_FILE (a file
 *          holding it, mode 0600 or stricter);
 *  - API:  PMC_API_KEY + PMC_API_SECRET + PMC_API_PASSPHRASE, or
 *          PMC_API_CREDS_FILE (0600 JSON as POST /auth/api-key returns it:
 *          {"apiKey","secret","passphrase"}; "key" is accepted for apiKey).
 * Every intermediate copy is wiped (explicit_bzero), environment values
 * included. Error texts name the variable or file and the rule, never a
 * value. Nothing here logs. */
#ifndef PMC_EXEC_CREDS_H
#define PMC_EXEC_CREDS_H

#include <stddef.h>

#include "core/pmc.h"
#include "proto/sign/auth.h"
#include "proto/sign/signer.h"

struct pmc_exec_creds {
    struct pmc_signer *signer; /* owned; NULL until loaded */
    struct pmc_api_creds api;
};

/* Load both parts from the environment. On failure *c holds nothing
 * (already wiped) and why gets a one-line reason. PMC_ECONFIG for a
 * missing or malformed value, PMC_EIO for an unreadable file, PMC_ENOMEM.
 * getenv is read once; the caller must not run it concurrently with
 * setenv. */
PMC_MUST_USE enum pmc_err pmc_exec_creds_load(struct pmc_exec_creds *c,
                                              char *why, size_t why_len);

/* Read a secret file of at most cap-1 bytes into buf (NUL-terminated,
 * trailing whitespace trimmed), refusing anything but a regular file of
 * mode 0600 or stricter. *n gets the length. Errors as above; buf is wiped
 * on failure. `what` names the variable in the error. */
PMC_MUST_USE enum pmc_err pmc_exec_secret_file(const char *path,
                                               const char *what, char *buf,
                                               size_t cap, size_t *n, char *why,
                                               size_t why_len);

/* Free the signer and wipe the API part. NULL-safe; idempotent. */
void pmc_exec_creds_wipe(struct pmc_exec_creds *c);

#endif
