/* tests/fuzz/fuzz_wire_common.h - the property every wire decoder fuzz
 * target checks: whatever the input, the decoder returns (no crash, no
 * leak), and every record it emits formats to a tape line that the tape
 * reader accepts again with the same text. */
#ifndef PMC_FUZZ_WIRE_COMMON_H
#define PMC_FUZZ_WIRE_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/tape.h"
#include "proto/wire/wire.h"

static enum pmc_err fuzz_check_record(void *ctx, const struct pmc_record *r,
                                      const struct pmc_wire_extra *x)
{
    (void)ctx;
    (void)x;
    char line[PMC_TAPE_LINE_MAX], again[PMC_TAPE_LINE_MAX];
    size_t n = pmc_tape_format(r, line, sizeof line);
    if (n == 0 || line[n - 1] != '\n') {
        fprintf(stderr, "record does not format\n");
        abort();
    }
    struct pmc_record back;
    struct pmc_tape_err te;
    int has = 0;
    if (pmc_tape_parse(line, n - 1, &back, &has, &te) != PMC_OK || !has) {
        fprintf(stderr, "emitted record is not a valid tape line: %s\n%s",
                te.msg, line);
        abort();
    }
    size_t m = pmc_tape_format(&back, again, sizeof again);
    if (m != n || memcmp(line, again, n) != 0) {
        fprintf(stderr, "tape round trip differs:\n%s%.*s", line, (int)m,
                again);
        abort();
    }
    return PMC_OK;
}

/* Every failure names its cause; codes stay within the error list. */
static void fuzz_check_err(enum pmc_err e, struct pmc_wire_err *err)
{
    if (e >= PMC_E_COUNT || (e != PMC_OK && err->msg[0] == '\0')) {
        fprintf(stderr, "error %d without a message\n", (int)e);
        abort();
    }
    memset(err, 0, sizeof *err);
}

static void fuzz_sink_init(struct pmc_wire_sink *s)
{
    memset(s, 0, sizeof *s);
    s->emit = fuzz_check_record;
}

#endif
