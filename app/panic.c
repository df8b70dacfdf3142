/* app/panic.c - the handler core/ calls on a broken invariant. */
#include <stdio.h>
#include <stdlib.h>

#include "core/pmc.h"

void pmc_panic(const char *file, int line, const char *expr)
{
    fprintf(stderr, "pmcopy: %s:%d: assertion failed: %s\n", file, line, expr);
    fflush(stderr);
    abort();
}
