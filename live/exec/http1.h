/* live/exec/http1.h - the part of HTTP/1.1 (RFC 9112) an order POST needs:
 * a request head writer and an incremental response reader.
 *
 * Pure: no I/O, no allocation, no clock. The reader takes the answer in
 * pieces of any size (one byte at a time gives the same result as all at
 * once), skips interim 1xx answers, and frames the body by
 * Transfer-Encoding: chunked, Content-Length or the end of the connection,
 * in that order of precedence. It keeps what the executor reads from an
 * answer: the status, whether the connection may carry another request,
 * the rate-limit headers and the body (truncated at the caller's buffer,
 * flagged). Anything else is skipped; anything malformed stops it with
 * PMC_EPARSE and a reason that names what was wrong. */
#ifndef PMC_HTTP1_H
#define PMC_HTTP1_H

#include <stddef.h>
#include <stdint.h>

#include "core/pmc.h"

#define PMC_HTTP1_LINE_MAX 4096  /* one status, header or chunk-size line */
#define PMC_HTTP1_HEAD_MAX 32768 /* all head lines of one answer */

struct pmc_http1_resp {
    /* what the answer said */
    int status;            /* the final (non-1xx) status */
    int keep_alive;        /* the connection may carry another request */
    int64_t rl_remaining;  /* Poly-RateLimit-Remaining; -1 absent */
    int64_t rl_reset_s;    /* Poly-RateLimit-Reset (unix s); 0 absent */
    int64_t retry_after_s; /* Retry-After in seconds; 0 absent */
    char *body;            /* the caller's buffer, kept NUL-terminated */
    size_t body_cap, body_len;
    int body_over; /* the body was longer than body_cap - 1 */
    char why[96];  /* after PMC_EPARSE */
    /* reader state */
    int st, http10, chunked, close_tok, keep_tok, interim;
    int64_t clen; /* -1 absent */
    uint64_t left;
    size_t got, head, line_len;
    char line[PMC_HTTP1_LINE_MAX];
};

/* Start reading an answer into body (cap >= 1 bytes). */
void pmc_http1_resp_init(struct pmc_http1_resp *p, char *body, size_t cap);
/* Feed n received bytes. *used says how many belong to this answer (the
 * rest would be a second answer nobody asked for); *done becomes 1 once
 * the answer is complete. PMC_EPARSE when it is malformed (p->why). */
PMC_MUST_USE enum pmc_err pmc_http1_resp_feed(struct pmc_http1_resp *p,
                                              const char *d, size_t n,
                                              size_t *used, int *done);
/* The peer closed the connection: completes an answer whose body runs to
 * the close (*done = 1); PMC_EPARSE ("closed before the answer" / "closed
 * mid-answer") otherwise. */
PMC_MUST_USE enum pmc_err pmc_http1_resp_eof(struct pmc_http1_resp *p,
                                             int *done);
/* Bytes of the answer received so far (0: nothing came back). */
size_t pmc_http1_resp_received(const struct pmc_http1_resp *p);

/* Write a request head into out: "METHOD target HTTP/1.1", Host, the
 * given header lines (each without CRLF), Content-Length when has_body,
 * and the blank line. Returns its length, or 0 when it does not fit in
 * cap or a line carries CR or LF. */
size_t pmc_http1_req_head(char *out, size_t cap, const char *method,
                          const char *host, const char *target,
                          const char *const *lines, size_t nlines, int has_body,
                          size_t body_len);

#endif
