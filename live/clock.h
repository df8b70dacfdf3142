/* live/clock.h - the wall clock. This is the only place in live/ that
 * reads a clock: the loop reads it once per pass and hands `now` to every
 * component; commands that need "now" (order sign without a timestamp) ask
 * here. Never used by core/ or sim/. */
#ifndef PMC_CLOCK_H
#define PMC_CLOCK_H

#include "core/pmc.h"

/* Milliseconds since the Unix epoch (CLOCK_REALTIME). */
pmc_ms pmc_clock_now_ms(void);
/* Monotonic nanoseconds, for measuring durations only. */
int64_t pmc_clock_mono_ns(void);

#endif
