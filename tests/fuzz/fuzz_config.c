/* tests/fuzz/fuzz_config.c - fuzz target for configuration loading
 * (proto/config_load.h): the JSON file (--config) and the environment.
 * The input is the file's bytes, optionally followed by a NUL and
 * environment lines "NVALUE" (N one byte picking a configuration key, set
 * as its upper-cased variable; N >= 0xF0 sets TRADER_ADDRESSES or
 * TARGET_WHALE_ADDRESS instead). Any bytes in: no crash, no leak, an
 * error always says why, and a configuration that loads passes its own
 * validation and writes out as a file that loads again. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto/config_load.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ENV 16

static char path[64], path2[64];

static void tmpfile_once(void)
{
    if (path[0])
        return;
    snprintf(path, sizeof path, "/tmp/fuzz_config.%d.json", (int)getpid());
    snprintf(path2, sizeof path2, "/tmp/fuzz_config.%d.out.json",
             (int)getpid());
}

static int write_file(const char *p, const uint8_t *d, size_t n)
{
    FILE *f = fopen(p, "wb");
    if (!f)
        return 0;
    int ok = fwrite(d, 1, n, f) == n;
    return fclose(f) == 0 && ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tmpfile_once();
    const uint8_t *nul = memchr(data, 0, size);
    size_t fn = nul ? (size_t)(nul - data) : size;
    if (!write_file(path, data, fn))
        return 0;
    char names[MAX_ENV][64];
    size_t nenv = 0;
    if (nul) {
        char *rest = malloc(size - fn);
        if (!rest)
            return 0;
        memcpy(rest, nul + 1, size - fn - 1);
        rest[size - fn - 1] = '\0';
        for (char *l = rest, *e; l && *l && nenv < MAX_ENV; l = e) {
            e = strchr(l, '\n');
            if (e)
                *e++ = '\0';
            unsigned char k = (unsigned char)l[0];
            const char *name = NULL;
            if (k >= 0xF0)
                name = k & 1 ? "TARGET_WHALE_ADDRESS" : "TRADER_ADDRESSES";
            else
                name = pmc_config_key_name(k);
            if (!name || !l[0] || !l[1])
                continue;
            size_t j = 0;
            for (; name[j] && j + 1 < sizeof names[0]; j++)
                names[nenv][j] = (char)toupper((unsigned char)name[j]);
            names[nenv][j] = '\0';
            setenv(names[nenv++], l + 1, 1);
        }
        free(rest);
    }
    struct pmc_cfg_args a;
    memset(&a, 0, sizeof a);
    a.config_file = path;
    struct pmc_config c;
    char err[512] = "";
    enum pmc_err e = pmc_config_build(&c, &a, err, sizeof err);
    if (e != PMC_OK) {
        if (!err[0])
            abort();
    } else {
        char why[256];
        if (pmc_config_validate(&c, why, sizeof why) != PMC_OK)
            abort();
        FILE *f = fopen(path2, "w");
        if (f) {
            int w = pmc_config_write_json(&c, f) == PMC_OK;
            if (fclose(f) == 0 && w) {
                for (size_t i = 0; i < nenv; i++)
                    unsetenv(names[i]);
                nenv = 0;
                struct pmc_config c2;
                struct pmc_cfg_args b;
                memset(&b, 0, sizeof b);
                b.config_file = path2;
                if (pmc_config_build(&c2, &b, err, sizeof err) != PMC_OK)
                    abort(); /* what it wrote does not load */
            }
        }
    }
    for (size_t i = 0; i < nenv; i++)
        unsetenv(names[i]);
    unlink(path);
    unlink(path2);
    return 0;
}
