/* research/fetch/when.h - the times fetch accepts on its command line.
 *
 * Decides: a string of digits is epoch seconds; anything else must be an
 * ISO-8601 date or date-time (pmc_wire_iso_ms: "2026-01-02",
 * "2026-01-02T03:04:05Z", offsets applied), truncated to whole seconds.
 * Never reads a clock. */
#ifndef PMC_FETCH_WHEN_H
#define PMC_FETCH_WHEN_H

#include <stdint.h>

/* 0 and *out = seconds since the epoch, or -1 (not a time we accept). */
int pmc_fx_when(const char *s, int64_t *out);

#endif
