/* tests/fuzz/fuzz_control.c - fuzz target for the body parser of the
 * control routes of `pmcopy live`'s API (live/control.h,
 * pmc_control_body_parse): POST /kill, /resume, /traders/.../disable.
 * The first byte picks the keys allowed; the rest is the body, in a buffer
 * of exactly its size (not a string). Any bytes in: no read past them, no
 * leak, an error always says why, and what is accepted is what the tape
 * and a logfmt line hold: a reason of at most 63 bytes with no control
 * byte, quote or backslash, an override of [a-z0-9_]. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "live/control.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    unsigned allowed = data[0] & 3u;
    size_t n = size - 1;
    char *body = malloc(n ? n : 1);
    if (!body)
        return 0;
    memcpy(body, data + 1, n);
    struct pmc_control_body b;
    char err[256];
    err[0] = '\0';
    int rc = pmc_control_body_parse(body, n, allowed, &b, err, sizeof err);
    if (rc != 0 && rc != -1)
        abort();
    if (rc == -1 && !err[0])
        abort(); /* an error says why */
    if (rc == 0) {
        size_t rl = strnlen(b.reason, sizeof b.reason);
        size_t ol = strnlen(b.override, sizeof b.override);
        if (rl > 63 || ol > 31)
            abort();
        if (rl && !(allowed & PMC_CB_REASON))
            abort();
        if (ol && !(allowed & PMC_CB_OVERRIDE))
            abort();
        for (size_t i = 0; i < rl; i++) {
            unsigned char c = (unsigned char)b.reason[i];
            if (c < 0x20 || c == 0x7f || c == '"' || c == '\\')
                abort();
        }
        for (size_t i = 0; i < ol; i++) {
            char c = b.override[i];
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
                abort();
        }
    }
    free(body);
    return 0;
}
