/* research/fetch/when.c - command-line times (see when.h). */
#include "research/fetch/when.h"

#include <string.h>

#include "proto/wire/wire.h"

int pmc_fx_when(const char *s, int64_t *out)
{
    size_t n = strlen(s);
    if (n == 0)
        return -1;
    size_t i = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    if (i == n) {
        if (n > 11) /* beyond year 5000 */
            return -1;
        int64_t v = 0;
        for (size_t k = 0; k < n; k++)
            v = v * 10 + (s[k] - '0');
        *out = v;
        return 0;
    }
    pmc_ms ms;
    if (pmc_wire_iso_ms(s, n, &ms) != PMC_OK)
        return -1;
    *out = ms / 1000;
    return 0;
}
