/* tests/fuzz/fuzz_api_query.c - fuzz target for the query-string helper
 * of the local API (live/api.h, pmc_api_query_get). The first byte is the
 * value buffer's size (0..255), the input up to the first newline the key,
 * the rest the query (in a buffer of exactly its size plus the NUL). Any
 * bytes in: no write past the buffer, a known answer, a found value of
 * the length returned and NUL-terminated, "" whenever nothing was found,
 * and a value found re-encoded and looked up again is the same value. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "live/api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t cap = data[0];
    data++;
    size--;
    const uint8_t *nl = memchr(data, '\n', size);
    size_t kn = nl ? (size_t)(nl - data) : 0;
    size_t qn = nl ? size - kn - 1 : size;
    char *key = malloc(kn + 1), *q = malloc(qn + 1), *v = malloc(cap ? cap : 1);
    char *enc = malloc(kn + 3 * cap + 2), *v2 = malloc(cap ? cap : 1);
    if (!key || !q || !v || !enc || !v2)
        goto out;
    memcpy(key, data, kn);
    key[kn] = '\0';
    memcpy(q, nl ? nl + 1 : data, qn);
    q[qn] = '\0';
    int r = pmc_api_query_get(q, key, v, cap);
    if (r < -2)
        abort();
    if (r >= 0 && ((size_t)r >= cap || strlen(v) != (size_t)r))
        abort();
    if (r < 0 && cap && v[0])
        abort();
    if (r >= 0 && !strchr(key, '&') && !strchr(key, '=')) {
        /* the value, every byte escaped, under the same key */
        size_t o = (size_t)sprintf(enc, "%s=", key);
        for (int i = 0; i < r; i++)
            o += (size_t)sprintf(enc + o, "%%%02X", (unsigned char)v[i]);
        if (pmc_api_query_get(enc, key, v2, cap) != r || strcmp(v, v2))
            abort();
    }
out:
    free(key);
    free(q);
    free(v);
    free(enc);
    free(v2);
    return 0;
}
