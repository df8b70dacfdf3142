/* live/memlock.c - lock the process's memory (see memlock.h).
 *
 * Decides: MCL_CURRENT always, MCL_FUTURE only when it cannot fail; the
 * words that say why memory was not locked.
 * Never: logs, exits or fails the loop: a process that cannot lock its
 * memory still runs, with page faults on first touch. */
#include "live/memlock.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>

#if !defined(__SANITIZE_ADDRESS__)
/* May this process lock memory without a limit (CAP_IPC_LOCK)? */
static int can_lock_unlimited(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_MEMLOCK, &rl) == 0 && rl.rlim_cur == RLIM_INFINITY)
        return 1;
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return 0;
    char line[256];
    unsigned long long cap = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "CapEff: %llx", &cap) == 1)
            break;
    fclose(f);
    return (cap >> 14) & 1; /* CAP_IPC_LOCK */
}
#endif

/* No page of a table, buffer or stack first touched on the order path
 * then costs a page fault (tens of microseconds each on a virtual
 * machine). Future mappings are locked (populated) too only when no limit
 * can make them fail. */
int pmc_memlock_all(char *msg, size_t cap)
{
#if defined(__SANITIZE_ADDRESS__)
    snprintf(msg, cap, "event=memory_not_locked reason=\"sanitizer build\"");
    return 0;
#else
    int future = can_lock_unlimited();
    if (mlockall(MCL_CURRENT | (future ? MCL_FUTURE : 0)) != 0) {
        snprintf(msg, cap,
                 "event=memory_not_locked err=\"%s\" hint=\"raise "
                 "RLIMIT_MEMLOCK (ulimit -l) or grant CAP_IPC_LOCK; "
                 "--no-mlock skips this\"",
                 strerror(errno));
        return 0;
    }
    snprintf(msg, cap, "event=memory_locked future=%d", future);
    return 1;
#endif
}
