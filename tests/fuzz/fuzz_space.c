/* tests/fuzz/fuzz_space.c - fuzz SPACE.json (research/optimize/space.h).
 *
 * Whatever the bytes: pmc_space_parse returns a space or an error message,
 * never crashes. For a space it accepts: the first grid trials and the
 * first Sobol trials are generated; every value falls in a bin of its
 * dimension (the sensitivity table's), applies to the configuration it was
 * checked against, and a grid trial's neighbours are grid trials. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "research/optimize/space.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                               \
    do {                                                                       \
        if (!(c)) {                                                            \
            fprintf(stderr, "fuzz_space: check failed: %s (%s:%d)\n", #c,      \
                    __FILE__, __LINE__);                                       \
            abort();                                                           \
        }                                                                      \
    } while (0)

static void trials(const struct pmc_space *s, const struct pmc_config *base,
                   enum pmc_search how)
{
    char vals[PMC_SPACE_MAX_DIMS][PMC_SPACE_VAL_MAX], err[300];
    struct pmc_space_cursor *c = pmc_space_cursor_new(s, how, 5, 0);
    CHECK(c);
    uint64_t grid = pmc_space_grid_size(s);
    for (int k = 0; k < 12; k++) {
        uint64_t i;
        int g = pmc_space_cursor_next(c, &i, vals, err, sizeof err);
        if (g != 0) {
            CHECK(how == PMC_SEARCH_GRID);
            break;
        }
        CHECK(i == (uint64_t)k);
        for (size_t d = 0; d < pmc_space_ndims(s); d++) {
            char label[PMC_SPACE_VAL_MAX * 2];
            CHECK(strlen(vals[d]) < PMC_SPACE_VAL_MAX);
            CHECK(pmc_space_bin(s, d, vals[d], how, label) <
                  pmc_space_dim_size(s, d));
        }
        struct pmc_config cfg = *base;
        struct pmc_sim_opts so;
        pmc_sim_opts_defaults(&so);
        if (pmc_space_apply(s, vals, &cfg, &so, err, sizeof err) != 0) {
            /* a combination of values each valid alone may break a rule
             * between keys; the message must say so */
            CHECK(err[0]);
        }
        if (how == PMC_SEARCH_GRID) {
            uint64_t nb[2 * PMC_SPACE_MAX_DIMS];
            size_t n = pmc_space_neighbours(s, i, nb, 2 * PMC_SPACE_MAX_DIMS);
            for (size_t j = 0; j < n; j++)
                CHECK(nb[j] < grid && nb[j] != i);
        }
    }
    pmc_space_cursor_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct pmc_config base;
    static int init;
    if (!init) {
        pmc_config_defaults(&base);
        init = 1;
    }
    char err[600] = "";
    struct pmc_space *s =
        pmc_space_parse((const char *)data, size, &base, err, sizeof err);
    if (!s) {
        CHECK(err[0]);
        return 0;
    }
    CHECK(pmc_space_ndims(s) >= 1 && pmc_space_ndims(s) <= PMC_SPACE_MAX_DIMS);
    if (pmc_space_grid_size(s))
        trials(s, &base, PMC_SEARCH_GRID);
    trials(s, &base, PMC_SEARCH_SOBOL);
    pmc_space_free(s);
    return 0;
}
