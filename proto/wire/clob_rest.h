/* proto/wire/clob_rest.h - the CLOB's REST answers the executor reads
 * (reference 4.1, 4.2): POST /order, GET /data/order/{hash}, DELETE /order,
 * GET /tick-size, GET /neg-risk, the L1 API-key answer, and the venue's
 * error text of any answer.
 *
 * Decides: what an answer body says, as a struct of fixed-point numbers and
 * short texts; which bodies are malformed (PMC_EPARSE / PMC_ERANGE, err->msg
 * names the field and the rule, err->offset the byte of a JSON syntax
 * error). Never decides what an answer means for an order (retry, reject,
 * fill: live/exec), never sees HTTP status codes or headers, never uses
 * floating point, never keeps state, never prints, never crashes on any
 * input. Bodies need not be NUL-terminated; nothing past n is read. */
#ifndef PMC_WIRE_CLOB_REST_H
#define PMC_WIRE_CLOB_REST_H

#include <stddef.h>

#include "core/event.h"
#include "proto/sign/amounts.h"
#include "proto/sign/auth.h"
#include "proto/wire/wire.h"

#define PMC_CLOB_MSG_MAX 200   /* venue messages, NUL included */
#define PMC_CLOB_STATUS_MAX 48 /* status texts, NUL included */

/* The venue's message in any answer: the non-empty string "error" of a
 * JSON object, else its non-empty "errorMsg", else "" for any other JSON
 * document, else the body itself as text (up to a NUL byte). Printable
 * ASCII only (anything else becomes ' '), cut to cap - 1 bytes. */
void pmc_clob_rest_msg(const char *buf, size_t n, char *out, size_t cap);

/* Copy text (up to a NUL byte or n bytes) as the message above does. */
void pmc_clob_rest_text(const char *buf, size_t n, char *out, size_t cap);

/* An order status, compared without regard to case (an ORDER_STATUS_
 * prefix removed). */
enum pmc_clob_status {
    PMC_CLOB_ST_NONE = 0, /* absent */
    PMC_CLOB_ST_LIVE,
    PMC_CLOB_ST_MATCHED,
    PMC_CLOB_ST_DELAYED,
    PMC_CLOB_ST_UNMATCHED,
    PMC_CLOB_ST_OTHER /* e.g. CANCELED, or one the venue adds later */
};

/* A decimal amount of an answer in its two possible readings (reference
 * 4.2: the unit of makingAmount / takingAmount is not settled). */
struct pmc_clob_amount {
    int ok;           /* 1: a non-negative decimal text; else 0 */
    pmc_micros human; /* read as decimal shares / USD, micro units */
    pmc_micros base;  /* read as integer base units (1e-6); -1 when the
                         text is not a non-negative integer */
};

/* POST /order, a 2xx answer. */
struct pmc_clob_post_ans {
    int accepted; /* 1: "success" true and no "errorMsg"; 0: refused
                     ("success" false, or a non-empty "errorMsg") */
    enum pmc_clob_status status;
    char status_text[PMC_CLOB_STATUS_MAX]; /* as sent (cut), "" if absent */
    struct pmc_clob_amount making, taking; /* ok = 0 when absent or bad */
    char msg[PMC_CLOB_MSG_MAX];            /* pmc_clob_rest_msg of the body */
};

/* PMC_OK, or PMC_EPARSE when the body is not a JSON object or says
 * neither success nor failure (out->msg is still set); PMC_ENOMEM. */
PMC_MUST_USE enum pmc_err pmc_clob_rest_post(const char *buf, size_t n,
                                             struct pmc_clob_post_ans *out,
                                             struct pmc_wire_err *err);

/* POST /orders, a 2xx answer: a JSON array of POST /order answers, one
 * per order of the request, in its order. *count gets the number of
 * elements (whatever cap is); the first cap are read into out[i] with
 * elem[i] what pmc_clob_rest_post would return for that element alone
 * (PMC_EPARSE: not an answer; out[i].msg still set). PMC_EPARSE when the
 * body is not a JSON array; PMC_ENOMEM. */
PMC_MUST_USE enum pmc_err
pmc_clob_rest_post_batch(const char *buf, size_t n,
                         struct pmc_clob_post_ans *out, enum pmc_err *elem,
                         size_t cap, size_t *count, struct pmc_wire_err *err);

/* GET /data/order/{hash}, a 2xx answer: OpenOrder. */
struct pmc_clob_order_ans {
    int found; /* 0: null, {} or an object without "id" (not found) */
    enum pmc_clob_status status;
    char status_text[PMC_CLOB_STATUS_MAX]; /* prefix removed, as sent */
    pmc_micros size_matched;               /* shares, >= 0 */
    pmc_micros price;                      /* in (0,1); -1 when absent */
    pmc_micros original_size;              /* shares, >= 0; -1 when absent */
    int has_tif;                           /* order_type given and known */
    enum pmc_tif tif;
};

/* PMC_OK (found or not), PMC_EPARSE for a body that is not JSON, a JSON
 * value other than null or an object, or a found order without a status
 * or size_matched; PMC_ERANGE for a number out of its range; PMC_ENOMEM. */
PMC_MUST_USE enum pmc_err pmc_clob_rest_order(const char *buf, size_t n,
                                              struct pmc_clob_order_ans *out,
                                              struct pmc_wire_err *err);

/* DELETE /order, a 2xx answer {"canceled":[id...],"not_canceled":{id:
 * why}} ("notCanceled" accepted), read for one order id. */
struct pmc_clob_cancel_ans {
    int canceled;               /* id is listed in "canceled" */
    int refused;                /* id is a key of "not_canceled" */
    char why[PMC_CLOB_MSG_MAX]; /* its reason when refused */
};
PMC_MUST_USE enum pmc_err pmc_clob_rest_cancel(const char *buf, size_t n,
                                               const char *id,
                                               struct pmc_clob_cancel_ans *out,
                                               struct pmc_wire_err *err);

/* GET /tick-size: {"minimum_tick_size": 0.01} (number or string) to a
 * venue tick (proto/sign/amounts.h). PMC_EPARSE / PMC_ERANGE otherwise. */
PMC_MUST_USE enum pmc_err pmc_clob_rest_tick(const char *buf, size_t n,
                                             struct pmc_tick *out,
                                             struct pmc_wire_err *err);

/* GET /neg-risk: {"neg_risk": true} (a boolean or "true" / "false") to
 * 1 / 0. PMC_EPARSE otherwise. */
PMC_MUST_USE enum pmc_err pmc_clob_rest_negrisk(const char *buf, size_t n,
                                                int *out,
                                                struct pmc_wire_err *err);

/* POST /auth/api-key or GET /auth/derive-api-key (L1), as the operator
 * keeps it in PMC_API_CREDS_FILE: {"apiKey","secret","passphrase"} ("key"
 * accepted for apiKey), each a string of 1..127 printable characters
 * without spaces, quotes or backslashes (it goes into headers and bodies).
 * Secrets: err never quotes a value, and every copy the parser made is
 * wiped before it is freed; on failure *out is wiped. PMC_EPARSE. */
PMC_MUST_USE enum pmc_err pmc_clob_rest_api_key(const char *buf, size_t n,
                                                struct pmc_api_creds *out,
                                                struct pmc_wire_err *err);

#endif
