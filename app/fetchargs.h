/* app/fetchargs.h - the command-line pieces `pmcopy fetch` and `pmcopy
 * rank` share: where the cache is, the servers' roots from the
 * environment, and the parsers of times and progress modes.
 *
 * Decides: the cache folder ($PMC_CACHE, else $XDG_CACHE_HOME/pmcopy, else
 * ~/.cache/pmcopy) and the server roots (PMC_DATA_API_URL, PMC_GAMMA_URL,
 * PMC_CLOB_URL, else the public hosts). */
#ifndef PMC_APP_FETCHARGS_H
#define PMC_APP_FETCHARGS_H

#include <stddef.h>

#include "app/opt.h"
#include "research/fetch/fetch.h"

/* pmc_fetch_defaults, then the server roots from the environment. */
void pmc_fetchargs_defaults(struct pmc_fetch_opts *o);

/* o->cache_dir when the command line left it unset, written into buf.
 * -1 (named on stderr, prefixed with cmd) when no folder can be derived. */
int pmc_fetchargs_cache(struct pmc_fetch_opts *o, const char *cmd, char *buf,
                        size_t cap);

/* PMC_OPT_FUNC parsers: T (epoch seconds or ISO-8601) into an int64_t of
 * seconds; MODE (auto, bar, json, none) into an enum pmc_fx_pmode. */
int pmc_fetchargs_time(const struct pmc_opt *opt, const char *v, char *err,
                       size_t cap);
int pmc_fetchargs_progress(const struct pmc_opt *opt, const char *v, char *err,
                           size_t cap);

#endif
