/* live/nodump.c - no core file, no ptrace (see nodump.h).
 *
 * Decides: RLIMIT_CORE 0 (soft and hard, so a child cannot raise it back)
 * and PR_SET_DUMPABLE 0, each checked by reading it back.
 * Never: logs, exits or fails the loop. */
#include "live/nodump.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

int pmc_nodump(char *msg, size_t cap)
{
    struct rlimit rl = {0, 0};
    if (setrlimit(RLIMIT_CORE, &rl) != 0 || getrlimit(RLIMIT_CORE, &rl) != 0 ||
        rl.rlim_cur != 0) {
        snprintf(msg, cap,
                 "event=secrets_not_protected what=core_limit err=\"%s\"",
                 strerror(errno));
        return 0;
    }
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
        snprintf(msg, cap,
                 "event=secrets_not_protected what=dumpable err=\"%s\"",
                 strerror(errno));
        return 0;
    }
    int d = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
    if (d != 0) {
        snprintf(msg, cap,
                 "event=secrets_not_protected what=dumpable dumpable=%d", d);
        return 0;
    }
    snprintf(msg, cap,
             "event=secrets_protected dumpable=0 core_limit=0 "
             "note=\"no core file, no ptrace attachment\"");
    return 1;
}
