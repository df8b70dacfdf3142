/* tests/fuzz/fuzz_api.c - fuzz target for the admission of a local API
 * request by its headers (live/api.h, pmc_api_admit). The input is five
 * fields separated by newlines: method, path, Host, Origin, Authorization
 * (a field "-" is a missing header). Any bytes in: a known answer, and
 * never admitted unless Host is ours, Origin (when sent) is ours and, off
 * the public routes, the Authorization carries the token; with the right
 * headers added the same request is admitted. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "live/api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TOK "0123456789abcdef0123456789abcdef"

static int ours(const char *s)
{
    return !strcmp(s, "127.0.0.1:8080") || !strcasecmp(s, "localhost:8080");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    char *f[5] = {"", "", "", "", ""};
    char *p = buf;
    for (int i = 0; i < 5 && p; i++) {
        f[i] = p;
        p = strchr(p, '\n');
        if (p)
            *p++ = '\0';
    }
    const char *host = strcmp(f[2], "-") ? f[2] : NULL;
    const char *origin = strcmp(f[3], "-") ? f[3] : NULL;
    const char *auth = strcmp(f[4], "-") ? f[4] : NULL;
    int v = pmc_api_admit(f[0], f[1], host, origin, auth, TOK, 8080);
    if (v != 0 && v != 401 && v != 403)
        abort();
    if (v == 0) {
        if (!host || !ours(host))
            abort(); /* a foreign Host admitted */
        if (origin && (strncmp(origin, "http://", 7) || !ours(origin + 7)))
            abort(); /* a foreign Origin admitted */
        if (!pmc_api_public(f[0], f[1]) && (!auth || !strstr(auth, TOK)))
            abort(); /* admitted without the token */
    }
    if (pmc_api_admit(f[0], f[1], "127.0.0.1:8080", NULL, "Bearer " TOK, TOK,
                      8080) != 0)
        abort(); /* our own request refused */
    free(buf);
    return 0;
}
