/* tests/fuzz/fuzz_quotes.c - fuzz target for the position monitor's reader
 * of GET /quotes (live/views.h, pmc_view_quotes_parse). Any bytes in: 0
 * with every price an exact decimal in [0, 1] and every token a string, or
 * -1 with a reason and nothing held; never a crash or a leak. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/pmc.h"
#include "live/views.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pmc_view_quotes q;
    int r = pmc_view_quotes_parse(&q, (const char *)data, size);
    if (r == 0) {
        if (!q.ok || (q.n && !q.v))
            abort();
        for (size_t i = 0; i < q.n; i++) {
            const struct pmc_view_quote *x = &q.v[i];
            if (x->bid < 0 || x->bid > PMC_MICRO || x->ask < 0 ||
                x->ask > PMC_MICRO || x->mark < 0 || x->mark > PMC_MICRO ||
                strlen(x->token) >= sizeof x->token)
                abort();
        }
    } else if (r != -1 || q.ok || q.v || q.n || !q.why[0]) {
        abort();
    }
    pmc_view_quotes_free(&q);
    return 0;
}
