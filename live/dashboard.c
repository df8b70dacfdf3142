/* live/dashboard.c - the bytes of live/dashboard.html, the page GET / serves.
 *
 * Decides: nothing (the API server serves it as text/html).
 * Never: reads the page from disk at run time (the build turns the HTML
 * into a list of byte values, BUILD/live/dashboard_page.inc, found through
 * the include path the Makefile gives this object alone), reads the clock
 * or any state of the loop. */
#include "live/dashboard.h"

const char pmc_live_dashboard_page[] = {
#include <dashboard_page.inc>
};
const size_t pmc_live_dashboard_len = sizeof pmc_live_dashboard_page;
