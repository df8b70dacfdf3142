/* live/notify.h - the service manager's notification protocol (sd_notify,
 * through libsystemd) for `pmcopy live` run as a Type=notify unit.
 *
 * READY=1 once the store is open and the first source delivered data,
 * WATCHDOG=1 from the loop at half the unit's WatchdogSec, STOPPING=1 when
 * shutdown begins, STATUS= lines an operator sees in `systemctl status`.
 * Outside systemd (no NOTIFY_SOCKET) every call does nothing. Never blocks
 * (a datagram to a local socket) and never reads a clock: the loop passes
 * its now. */
#ifndef PMC_NOTIFY_H
#define PMC_NOTIFY_H

#include "core/pmc.h"

struct pmc_notify {
    int on;             /* NOTIFY_SOCKET was set */
    int ready_sent;     /* READY=1 went out */
    pmc_ms wd_interval; /* 0 = no watchdog; else half of WATCHDOG_USEC */
    pmc_ms wd_last;
    uint64_t sent, failed; /* datagrams */
};

/* Read the environment (NOTIFY_SOCKET, WATCHDOG_USEC/WATCHDOG_PID). */
void pmc_notify_init(struct pmc_notify *n);
/* READY=1 (once) with a STATUS line. */
void pmc_notify_ready(struct pmc_notify *n, const char *status);
/* WATCHDOG=1 when the interval has passed since the last one. */
void pmc_notify_tick(struct pmc_notify *n, pmc_ms now);
/* STATUS=text (one line; longer text is cut). */
void pmc_notify_status(struct pmc_notify *n, const char *text);
/* STOPPING=1. */
void pmc_notify_stopping(struct pmc_notify *n);

#endif
