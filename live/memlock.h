/* live/memlock.h - lock the process's memory once it is set up.
 *
 * Decides: whether future mappings are locked too (only when no limit can
 * make them fail: RLIMIT_MEMLOCK unlimited or CAP_IPC_LOCK), and that a
 * sanitizer build never locks (its shadow memory is huge).
 * Never: fails the caller (locking is best effort), logs or exits; the
 * caller reports the line it is handed. */
#ifndef PMC_MEMLOCK_H
#define PMC_MEMLOCK_H

#include <stddef.h>

/* mlockall. Returns 1 when memory is locked, 0 when not; msg gets the
 * logfmt fields saying which and why ("event=memory_locked future=1",
 * "event=memory_not_locked err=... hint=..."). */
int pmc_memlock_all(char *msg, size_t cap);

#endif
