/* tests/fuzz/fuzz_opt_manifest.c - fuzz the manifest of a sharded optimize
 * run (research/optimize/shard.c) and what `pmcopy merge` reads from it:
 * the configuration as JSON (pmc_config_from_json) and the space
 * (pmc_space_parse).
 *
 * Whatever the bytes: the parser accepts or says why, never crashes, and
 * what it accepts lies inside the input (the identity line, the space and
 * the configuration are slices of it; the days are bounded). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/config_load.h"
#include "research/optimize/opt_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                               \
    do {                                                                       \
        if (!(c)) {                                                            \
            fprintf(stderr, "fuzz_opt_manifest: check failed: %s (%s:%d)\n",   \
                    #c, __FILE__, __LINE__);                                   \
            abort();                                                           \
        }                                                                      \
    } while (0)

static int inside(const char *p, size_t n, const char *buf, size_t len)
{
    return p >= buf && n <= len && (size_t)(p - buf) <= len - n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20))
        return 0;
    struct pmc__opt_manifest m;
    memset(&m, 0, sizeof m);
    m.text = malloc(size + 1);
    if (!m.text)
        return 0;
    memcpy(m.text, data, size);
    m.text[size] = 0;
    m.len = size;
    char err[600];
    err[0] = 0;
    if (pmc__opt_manifest_parse(&m, "manifest", err, sizeof err) < 0) {
        CHECK(strstr(err, "manifest: not an optimize manifest") == err);
        free(m.text);
        return 0;
    }
    CHECK(strlen(m.id) == 64);
    CHECK(inside(m.ident, m.ident_len, m.text, m.len));
    CHECK(m.ident[m.ident_len - 1] == '\n');
    CHECK(inside(m.space, m.space_len, m.text, m.len));
    CHECK(inside(m.config, m.config_len, m.text, m.len));
    CHECK(m.ndays >= 1 && m.ndays <= 1000000);
    struct pmc_config *c = malloc(sizeof *c);
    if (c) {
        if (pmc_config_from_json(c, m.config, m.config_len, "manifest", err,
                                 sizeof err) == PMC_OK) {
            struct pmc_space *s =
                pmc_space_parse(m.space, m.space_len, c, err, sizeof err);
            pmc_space_free(s);
        } else {
            CHECK(strstr(err, "config: ") == err && strstr(err, "manifest"));
        }
        free(c);
    }
    free(m.text);
    return 0;
}
