/* live/dashboard.h - the operator's dashboard page (GET / of the local API),
 * live/dashboard.html embedded into the binary at build time.
 *
 * Decides: nothing at run time; it only holds the page's bytes (the page
 * itself calls the API with the operator's bearer token).
 * Never: reads a file, the clock or any state of the loop. */
#ifndef PMC_LIVE_DASHBOARD_H
#define PMC_LIVE_DASHBOARD_H

#include <stddef.h>

/* The page (UTF-8 HTML, not NUL-terminated) and its length in bytes. */
extern const char pmc_live_dashboard_page[];
extern const size_t pmc_live_dashboard_len;

#endif
