/* tests/fuzz/fuzz_wire_prices.c - fuzz target for the prices wire decoder
 * (proto/wire/prices.h): any bytes in, no crash, and only valid tape records
 * out (see fuzz_wire_common.h). */
#include "proto/wire/prices.h"
#include "tests/fuzz/fuzz_wire_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pmc_wire_sink sink;
    struct pmc_wire_err err;
    fuzz_sink_init(&sink);
    memset(&err, 0, sizeof err);
    fuzz_check_err(
        pmc_wire_decode_prices((const char *)data, size, NULL, 0, &sink, &err),
        &err);
    fuzz_check_err(
        pmc_wire_decode_prices((const char *)data, size, "123", 3, &sink, &err),
        &err);
    return 0;
}
