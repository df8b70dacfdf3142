/* proto/config_load.h - building a struct pmc_config from its sources:
 * built-in defaults < JSON file (--config FILE) < environment < flags.
 *
 * The JSON file is an object whose keys are exactly the names of SPEC.md 2
 * (plus the capacities and order_tif), with the traders as
 * "traders": [{"address", "label", "ratio", "min_source_usd", "enabled"}].
 * Environment: each key upper-cased (COPY_MODE, COALESCE_MS, ... DB_PATH,
 * DB_ENABLED, API_ENABLED, API_PORT), TRADERS_FILE (a traders.json),
 * TRADER_ADDRESSES=a,b and TARGET_WHALE_ADDRESS=a. Flags: --config FILE,
 * --traders FILE, --trader ADDR[:RATIO] (repeatable), --set KEY=VALUE
 * (repeatable) and --KEY VALUE / --KEY=VALUE for any key (dashes or
 * underscores). Every bad key or value stops with a message naming the key,
 * the value, the rule and where it came from. Secrets never pass here. */
#ifndef PMC_CONFIG_LOAD_H
#define PMC_CONFIG_LOAD_H

#include <stdio.h>

#include "core/config.h"

#define PMC_CFG_MAX_ARGS 128

struct pmc_cfg_args {
    const char *config_file;
    const char *traders_file;
    const char *traders[PMC_CFG_MAX_ARGS]; /* --trader values */
    size_t ntraders;
    const char *sets[PMC_CFG_MAX_ARGS]; /* "key=value" from flags */
    size_t nsets;
};

/* Try to consume argv[*i] (and its value) as a configuration flag.
 * Returns 1 if consumed (*i advanced past it), 0 if not a config flag,
 * -1 on a usage error (message in err). */
int pmc_config_take_flag(struct pmc_cfg_args *a, int argc, char **argv, int *i,
                         char *err, size_t cap);

/* Whether --NAME (n bytes, without the dashes; dashes or underscores) is
 * a configuration flag: config, traders, trader, set or any key. Every
 * configuration flag takes a value. */
int pmc_config_is_flag(const char *name, size_t n);

/* Take the configuration flag --NAME with its value (kept by pointer:
 * argv lifetime). 1 taken, 0 not a configuration flag, -1 on a usage
 * error (message in err). */
int pmc_config_take_named(struct pmc_cfg_args *a, const char *name, size_t n,
                          const char *val, char *err, size_t cap);

/* The i-th configuration key's name (underscores), NULL past the last:
 * for listing and for suggesting a near miss. */
const char *pmc_config_key_name(size_t i);

/* Build the configuration: defaults, then the file, the environment, the
 * flags; then validate. PMC_ECONFIG (or PMC_EIO for unreadable files) with
 * the reason in err. */
PMC_MUST_USE enum pmc_err pmc_config_build(struct pmc_config *c,
                                           const struct pmc_cfg_args *a,
                                           char *err, size_t cap);

/* The configuration a pmc_config_write_json text buf[0..n) describes:
 * defaults, then its keys, then validate; never the environment (a file
 * of a run, read back on another machine, means what it meant). origin
 * names it in messages. PMC_ECONFIG with err. */
PMC_MUST_USE enum pmc_err pmc_config_from_json(struct pmc_config *c,
                                               const char *buf, size_t n,
                                               const char *origin, char *err,
                                               size_t cap);

/* Set one key from text (as from the environment or a flag). `origin`
 * names where it came from for the message. */
PMC_MUST_USE enum pmc_err pmc_config_set(struct pmc_config *c, const char *key,
                                         const char *value, const char *origin,
                                         char *err, size_t cap);

/* Write c as a configuration file (every key, the traders) that
 * `--config` reads back to the same configuration. PMC_EIO on a write
 * error. */
PMC_MUST_USE enum pmc_err pmc_config_write_json(const struct pmc_config *c,
                                                FILE *f);

/* Help text listing every key with its default. */
void pmc_config_print_keys(FILE *f);

#endif
