/* live/alert.h - alerts for `pmcopy live` posted to a webhook: a generic
 * JSON webhook or Telegram's bot API (sendMessage).
 *
 * The loop queues an alert and goes on: a worker thread of this module
 * posts it with libcurl, retrying a failure (a transport error, 429 or a
 * 5xx) a bounded number of times with doubling waits; a 4xx other than 429
 * is not retried. The queue is bounded: an alert that does not fit is
 * dropped, counted, and the next alert delivered says how many were lost.
 * The webhook's URL may hold a secret (Telegram's bot token): it is never
 * logged or put in an error; messages name its scheme and host only. */
#ifndef PMC_ALERT_H
#define PMC_ALERT_H

#include <stddef.h>
#include <stdint.h>

#include "core/pmc.h"

enum pmc_alert_fmt { PMC_ALERT_GENERIC = 0, PMC_ALERT_TELEGRAM };

struct pmc_alert_opts {
    const char *url; /* http(s)://... ; for Telegram .../bot<T>/sendMessage */
    int fmt;         /* enum pmc_alert_fmt */
    const char *chat_id; /* Telegram: the chat to post in (required) */
    const char *name;    /* who is speaking (e.g. the host), may be NULL */
    int tries;           /* attempts per alert, >= 1 (default 4) */
    int first_wait_ms;   /* wait before the 2nd attempt, doubled after (500) */
    int timeout_ms;      /* per attempt (default 5000) */
    int queue_cap;       /* alerts waiting (default 64) */
};

struct pmc_alert_stats {
    uint64_t queued, sent, failed, dropped, attempts;
    char last_error[160]; /* the last failure, host only, "" = none */
};

struct pmc_alert;

/* Parse "generic" / "telegram"; -1 when neither. */
int pmc_alert_fmt_parse(const char *s);
/* "scheme://host[:port]" of url into out (for log lines). */
void pmc_alert_url_host(const char *url, char *out, size_t cap);

/* Start the worker. Refuses a URL that is not http(s) or a Telegram
 * format without a chat id. */
PMC_MUST_USE enum pmc_err pmc_alert_open(struct pmc_alert **out,
                                         const struct pmc_alert_opts *o,
                                         char *err, size_t cap);
/* Queue one alert (event: a short name such as "kill_switch"; level:
 * "info", "warn" or "critical"; text: one human line). Never blocks;
 * returns 0, or -1 when the queue is full (the alert is dropped and
 * counted). */
int pmc_alert_post(struct pmc_alert *a, pmc_ms now, const char *event,
                   const char *level, const char *text);
void pmc_alert_stats(struct pmc_alert *a, struct pmc_alert_stats *s);
/* Deliver what is queued for at most wait_ms, then stop the worker and
 * free everything (what is left is counted as dropped). NULL is fine. */
void pmc_alert_close(struct pmc_alert *a, int wait_ms);

#endif
