/* live/notify.c - sd_notify for `pmcopy live` (see notify.h).
 *
 * Decides: which state goes out when (READY once, WATCHDOG at half the
 * watchdog interval, STOPPING) and what the STATUS line says. Never: waits,
 * retries or reads a clock; a failed datagram is counted, never fatal. */
#include "live/notify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>

static void send_(struct pmc_notify *n, const char *msg)
{
    if (!n->on)
        return;
    if (sd_notify(0, msg) > 0)
        n->sent++;
    else
        n->failed++;
}

void pmc_notify_init(struct pmc_notify *n)
{
    memset(n, 0, sizeof *n);
    const char *s = getenv("NOTIFY_SOCKET");
    n->on = s && *s;
    uint64_t usec = 0;
    if (n->on && sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
        n->wd_interval = (pmc_ms)(usec / 2000);
        if (n->wd_interval < 1)
            n->wd_interval = 1;
    }
}

void pmc_notify_ready(struct pmc_notify *n, const char *status)
{
    if (n->ready_sent || !n->on)
        return;
    char msg[320];
    snprintf(msg, sizeof msg, "READY=1\nSTATUS=%.256s", status);
    for (char *p = msg + 15; *p; p++)
        if (*p == '\n')
            *p = ' ';
    send_(n, msg);
    n->ready_sent = 1;
}

void pmc_notify_tick(struct pmc_notify *n, pmc_ms now)
{
    if (!n->wd_interval || now - n->wd_last < n->wd_interval)
        return;
    n->wd_last = now;
    send_(n, "WATCHDOG=1");
}

void pmc_notify_status(struct pmc_notify *n, const char *text)
{
    char msg[300];
    snprintf(msg, sizeof msg, "STATUS=%.256s", text);
    for (char *p = msg + 7; *p; p++)
        if (*p == '\n')
            *p = ' ';
    send_(n, msg);
}

void pmc_notify_stopping(struct pmc_notify *n)
{
    send_(n, "STOPPING=1");
}
