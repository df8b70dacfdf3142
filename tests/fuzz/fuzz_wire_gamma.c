/* tests/fuzz/fuzz_wire_gamma.c - fuzz target for the gamma wire decoder
 * (proto/wire/gamma.h): any bytes in, no crash, and only valid tape records
 * out (see fuzz_wire_common.h). */
#include "proto/wire/gamma.h"
#include "tests/fuzz/fuzz_wire_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pmc_wire_sink sink;
    struct pmc_wire_err err;
    fuzz_sink_init(&sink);
    memset(&err, 0, sizeof err);
    fuzz_check_err(pmc_wire_decode_gamma((const char *)data, size, &sink, &err),
                   &err);
    return 0;
}
