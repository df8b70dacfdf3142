/* tests/fuzz/fuzz_api.c - fuzz target for the request parser of the local
 * HTTP API of `pmcopy live` (live/api.h, pmc_api_parse): the bytes a
 * client sent so far, in a buffer of exactly that size (the server's is
 * not a string). Any bytes in: no read past them, a known status, and a
 * complete request whose parts lie inside the bytes; a request that is
 * complete stays complete, with the same parts, when more bytes follow. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "live/api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int parse(const uint8_t *data, size_t n, struct pmc_api_req *req,
                 char *method, char *target, char **copy)
{
    *copy = malloc(n ? n : 1);
    if (!*copy)
        return -1;
    memcpy(*copy, data, n);
    return pmc_api_parse(*copy, n, req, method, target);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char m1[PMC_API_METHOD_MAX + 1], t1[PMC_API_TARGET_MAX + 1];
    char m2[PMC_API_METHOD_MAX + 1], t2[PMC_API_TARGET_MAX + 1];
    struct pmc_api_req r1, r2;
    char *b1, *b2;
    /* the first byte says where the request is cut: what the client sent
     * by the first poll */
    if (size == 0)
        return 0;
    size_t cut = 1 + (size - 1) * data[0] / 255;
    data++;
    size--;
    if (cut > size)
        cut = size;
    int s1 = parse(data, cut, &r1, m1, t1, &b1);
    int s2 = parse(data, size, &r2, m2, t2, &b2);
    if (s1 < 0 || s2 < 0)
        goto out;
    if (s1 != 0 && s1 != 200 && s1 != 400 && s1 != 413)
        abort();
    if (s1 == 200) {
        if (r1.body < b1 || r1.body_len > cut ||
            (size_t)(r1.body - b1) > cut - r1.body_len)
            abort(); /* the body lies outside the bytes */
        if (!r1.method[0] || !r1.path[0] ||
            strlen(r1.method) > PMC_API_METHOD_MAX ||
            strlen(r1.path) > PMC_API_TARGET_MAX)
            abort();
    }
    if (s1 != 0) { /* complete at cut: more bytes change nothing */
        if (s2 != s1)
            abort();
        if (s1 == 200 &&
            (strcmp(r1.method, r2.method) || strcmp(r1.path, r2.path) ||
             strcmp(r1.query, r2.query) || r1.body_len != r2.body_len ||
             r1.body - b1 != r2.body - b2 ||
             memcmp(r1.body, r2.body, r1.body_len)))
            abort();
    }
out:
    free(b1);
    free(b2);
    return 0;
}
