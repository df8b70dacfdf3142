/* live/nodump.h - keep a process that holds a private key out of core
 * files and debuggers.
 *
 * Decides: both protections together (no core file: RLIMIT_CORE 0; no
 * ptrace attachment or /proc/PID/mem reads by other processes of the same
 * user: PR_SET_DUMPABLE 0), read back after setting them.
 * Never: fails the caller, logs or exits; the caller reports the line it
 * is handed and decides whether to go on. */
#ifndef PMC_NODUMP_H
#define PMC_NODUMP_H

#include <stddef.h>

/* Returns 1 when both hold, 0 when one could not be set; msg gets the
 * logfmt fields ("event=secrets_protected dumpable=0 core_limit=0" or
 * "event=secrets_not_protected err=..."). */
int pmc_nodump(char *msg, size_t cap);

#endif
