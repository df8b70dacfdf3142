/* live/clock.c - the one clock reader of live/ (see clock.h). */
#include "live/clock.h"

#include <time.h>

pmc_ms pmc_clock_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (pmc_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t pmc_clock_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
