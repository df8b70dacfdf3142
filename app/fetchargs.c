/* app/fetchargs.c - see fetchargs.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/fetchargs.h"
#include "research/fetch/when.h"

static const char *env_or(const char *name, const char *def)
{
    const char *e = getenv(name);
    return e && e[0] ? e : def;
}

void pmc_fetchargs_defaults(struct pmc_fetch_opts *o)
{
    pmc_fetch_defaults(o);
    o->data_api = env_or("PMC_DATA_API_URL", "https://data-api.polymarket.com");
    o->gamma_url = env_or("PMC_GAMMA_URL", "https://gamma-api.polymarket.com");
    o->clob_url = env_or("PMC_CLOB_URL", "https://clob.polymarket.com");
}

int pmc_fetchargs_cache(struct pmc_fetch_opts *o, const char *cmd, char *buf,
                        size_t cap)
{
    if (o->cache_dir)
        return 0;
    const char *c = getenv("PMC_CACHE"), *x = getenv("XDG_CACHE_HOME"),
               *h = getenv("HOME");
    if (c && c[0])
        o->cache_dir = c;
    else if (x && x[0] && snprintf(buf, cap, "%s/pmcopy", x) < (int)cap)
        o->cache_dir = buf;
    else if (h && h[0] && snprintf(buf, cap, "%s/.cache/pmcopy", h) < (int)cap)
        o->cache_dir = buf;
    else {
        fprintf(stderr,
                "pmcopy %s: no cache folder: give --cache DIR (PMC_CACHE, "
                "XDG_CACHE_HOME and HOME are unset)\n",
                cmd);
        return -1;
    }
    return 0;
}

int pmc_fetchargs_time(const struct pmc_opt *opt, const char *v, char *err,
                       size_t cap)
{
    if (pmc_fx_when(v, opt->target) != 0) {
        snprintf(err, cap,
                 "--%s %s: expected epoch seconds or an ISO-8601 date/time",
                 opt->name, v);
        return -1;
    }
    return 0;
}

int pmc_fetchargs_progress(const struct pmc_opt *opt, const char *v, char *err,
                           size_t cap)
{
    static const char *const names[] = {"auto", "bar", "json", "none"};
    for (int i = 0; i < 4; i++)
        if (!strcmp(v, names[i])) {
            *(enum pmc_fx_pmode *)opt->target = (enum pmc_fx_pmode)i;
            return 0;
        }
    snprintf(err, cap, "--progress %s: one of auto, bar, json, none", v);
    return -1;
}
