/* app/tapecmd.c - the input tape of decide and replay (see tapecmd.h). */
#include "app/tapecmd.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "app/cmds.h"
#include "core/driver.h"

int pmc_tapecmd_open(const char *file, FILE **f, const char **name)
{
    if (!file || !strcmp(file, "-")) {
        *f = stdin;
        *name = "<stdin>";
        return 0;
    }
    *f = fopen(file, "rb");
    *name = file;
    if (!*f) {
        fprintf(stderr, "pmcopy: cannot open %s: %s\n", file, strerror(errno));
        return -1;
    }
    return 0;
}

int pmc_tapecmd_engine_error(const struct pmc_tape_reader *r, enum pmc_err e)
{
    fprintf(stderr, "pmcopy: %s:%llu: %s%s\n", r->name,
            (unsigned long long)r->line, pmc_strerror(e),
            e == PMC_EFULL ? " (raise max_tokens / max_open_orders; "
                             "follow_all copies at most 256 wallets "
                             "(PMC_MAX_TRADERS))"
                           : "");
    return PMC_EXIT_FAIL;
}

void *pmc_tapecmd_driver_mem(const struct pmc_config *cfg, size_t *sz)
{
    *sz = (pmc_driver_mem_size(cfg) + 63) & ~(size_t)63;
    /* not cleared: the engine initialises what it reads, and the pages of
     * tables a run never reaches are never touched (peak RSS follows use) */
    return aligned_alloc(64, *sz);
}

int pmc_tapecmd_config(const struct pmc_cfg_args *a, struct pmc_config *cfg)
{
    char err[512];
    if (pmc_config_build(cfg, a, err, sizeof err) != PMC_OK) {
        fprintf(stderr, "pmcopy: %s\n", err);
        return -1;
    }
    return 0;
}
