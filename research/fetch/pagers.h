/* research/fetch/pagers.h - the simple pagers: offset pages (/trades of a
 * market, the leaderboard), Gamma /markets by ids, one /prices-history.
 *
 * Offset pager: prefix&limit=L&offset=K for K = 0, L, 2L, ... until a page
 * holds fewer than L rows. A full page whose next offset would pass the
 * cap (or a 400 at offset > 0) ends it: when the cap is the endpoint's own
 * end (leaderboard offset 0..1000) that is the end; otherwise it is an
 * overflow (rows kept, recorded, the command fails). With stop_before >
 * 0 (newest-first pages: /trades) a page holding a row older than that
 * second is the last one needed: the pager ends there.
 *
 * Gamma pager: ids in batches of at most 50 whose path stays within
 * max_path bytes, first with closed=true (sealed: a closed market stays
 * closed), then the ids not found with closed=false (Gamma hides resolved
 * markets unless closed=true is asked, and open ones unless closed=false
 * is), then the ids still not found with closed=true again, not sealed
 * (a market that closed after a cached closed=true answer); a 414 halves
 * the batch. Ids found in none are noted in msg.
 * Never fetches an id twice in a pass. */
#ifndef PMC_FETCH_PAGERS_H
#define PMC_FETCH_PAGERS_H

#include "research/fetch/job.h"

struct pmc_fx_job *pmc_fx_offset_job(enum pmc_fx_family fam, const char *route,
                                     const char *prefix, int limit, int cap,
                                     int cap_is_end, int sealed,
                                     int64_t stop_before, const char *name);

/* Page first on the cursor route v2_prefix&limit=L[&cursor=C] (route
 * "v2-trades": a {data, pagination} envelope, no offset cap) while *v2 is
 * not 0; a 404 or 400 on the first page (the route not yet seen working)
 * sets *v2 = 0 (shared by the run's jobs) and the job goes on
 * by offset. */
void pmc_fx_offset_v2(struct pmc_fx_job *j, const char *v2_prefix, int *v2);

/* An offset job asks for at most total rows in all (the last page's limit
 * made smaller): the leaderboard's --limit. */
void pmc_fx_offset_total(struct pmc_fx_job *j, int64_t total);

/* key: "condition_ids" (comma list) or "clob_token_ids" (repeated key) */
struct pmc_fx_job *pmc_fx_gamma_job(const char *key, const char *const *ids,
                                    size_t n, size_t max_path);

/* /prices-history of token in [start, end] (seconds); rows = the document */
struct pmc_fx_job *pmc_fx_prices_job(const char *token, int64_t start,
                                     int64_t end, int fidelity);

#endif
