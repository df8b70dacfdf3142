/* live/exec/lane.h - a kept-alive connection to the CLOB that carries one
 * request at a time, written and read by pmcopy itself.
 *
 * Why: a libcurl multi transfer spends tens of microseconds between
 * curl_multi_add_handle and the first byte written (URL parsing, the
 * connection cache, its state machine), on the order path. A lane keeps a
 * connection libcurl opened (CURLOPT_CONNECT_ONLY, so TLS and proxies stay
 * libcurl's) and moves the request with curl_easy_send / curl_easy_recv:
 * the executor formats the head itself (live/exec/http1.h) and the bytes
 * go out in one send.
 *
 * A lane is either down (waiting to reconnect), connecting, idle (ready
 * for a request) or busy (one request out). It never re-sends anything:
 * once any byte of a request may have left, the request's outcome is an
 * answer, no answer, a bad answer or a timeout, and the caller decides.
 * A lane whose connection the server closed while idle is noticed before
 * it is used (the request then takes another path).
 *
 * Never blocks. Reads no clock for decisions: `now` comes with every call
 * (the request's timeout); the transfer time it reports for metrics is
 * measured on the monotonic clock, as libcurl measures its own. */
#ifndef PMC_LANE_H
#define PMC_LANE_H

#include <stddef.h>
#include <stdint.h>

#include "core/pmc.h"
#include "live/exec/http1.h"

struct pmc_lane;

enum pmc_lane_state {
    PMC_LANE_DOWN = 0,
    PMC_LANE_CONNECTING,
    PMC_LANE_IDLE,
    PMC_LANE_BUSY,
};

enum pmc_lane_outcome {
    PMC_LANE_PENDING = 0,
    PMC_LANE_ANSWERED,   /* a complete answer */
    PMC_LANE_NO_ANSWER,  /* the connection ended before a complete answer */
    PMC_LANE_BAD_ANSWER, /* the answer was malformed */
    PMC_LANE_TIMEOUT,    /* no complete answer within the timeout */
};

/* base_url: scheme://host[:port][/prefix] (copied). ca_file: the CA
 * bundle that verifies the server over TLS (copied; NULL = libcurl's
 * default). The connection is opened by the first pmc_lane_tick; over TLS
 * it offers HTTP/1.1 only (ALPN), since that is what a lane speaks.
 * PMC_ECONFIG (why says what) for a URL libcurl cannot parse, PMC_ENOMEM,
 * PMC_EIO. */
PMC_MUST_USE enum pmc_err
pmc_lane_new(const char *base_url, const char *ca_file, long connect_timeout_ms,
             struct pmc_lane **out, char *why, size_t cap);
void pmc_lane_free(struct pmc_lane *l);

/* Open or reopen the connection when it is due (after a failure the
 * delay doubles from 100 ms up to 5 s), and notice, within 100 ms, an idle
 * connection the server closed. */
void pmc_lane_tick(struct pmc_lane *l, pmc_ms now);
enum pmc_lane_state pmc_lane_state(const struct pmc_lane *l);
/* "host[:port]" for the Host header; the base URL's path ("" or
 * "/prefix") to put before a request's path. */
const char *pmc_lane_host(const struct pmc_lane *l);
const char *pmc_lane_prefix(const struct pmc_lane *l);

/* 1 when the lane is idle and its connection still open (checked now: a
 * connection the server closed takes the lane down and gives 0). */
int pmc_lane_usable(struct pmc_lane *l, pmc_ms now);
/* Send one request (head then body, copied, written in one send) on an
 * idle lane (pmc_lane_usable just said so); its answer will be read into
 * resp (cap bytes). before(ctx), when not NULL, is called right before
 * the send (a latency probe). PMC_OK: the request went out or is going
 * out (the lane is busy). PMC_ESTATE: the lane was not idle, or the write
 * failed and nothing was sent (the lane is down now); PMC_ERANGE: the request
 * does not fit the lane's buffer. */
PMC_MUST_USE enum pmc_err pmc_lane_send(struct pmc_lane *l, const char *head,
                                        size_t head_len, const char *body,
                                        size_t body_len, char *resp, size_t cap,
                                        pmc_ms now, void (*before)(void *),
                                        void *ctx);
/* Progress of the busy lane's request. Once the outcome is not PENDING the
 * lane is idle again (kept alive) or down, and *resp (the answer read so
 * far) and *why (what went wrong, or NULL) stay valid until the next
 * send. */
enum pmc_lane_outcome pmc_lane_poll(struct pmc_lane *l, pmc_ms now,
                                    pmc_ms timeout_ms,
                                    const struct pmc_http1_resp **resp,
                                    const char **why);
/* Give up the busy lane's request: the connection is closed. */
void pmc_lane_abort(struct pmc_lane *l);
/* The socket of a busy lane (to wait for the answer), else -1. */
int pmc_lane_socket(const struct pmc_lane *l);
/* Microseconds from the send to the complete answer, last request. */
int64_t pmc_lane_last_us(const struct pmc_lane *l);
/* Connections opened (the first included). */
uint64_t pmc_lane_connects(const struct pmc_lane *l);

#endif
