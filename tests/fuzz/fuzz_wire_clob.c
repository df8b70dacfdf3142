/* tests/fuzz/fuzz_wire_clob.c - fuzz target for the clob wire decoder
 * (proto/wire/clob.h): any bytes in, no crash, and only valid tape records
 * out (see fuzz_wire_common.h). */
#include "proto/wire/clob.h"
#include "tests/fuzz/fuzz_wire_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pmc_wire_sink sink;
    struct pmc_wire_err err;
    fuzz_sink_init(&sink);
    memset(&err, 0, sizeof err);
    fuzz_check_err(pmc_wire_decode_clob((const char *)data, size, 0,
                                        PMC_WIRE_DEPTH, &sink, &err),
                   &err);
    return 0;
}
