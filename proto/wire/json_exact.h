/* proto/wire/json_exact.h - JSON with exact numbers.
 *
 * jansson turns every JSON real into a double, which must never happen to
 * a price or a size. pmc_json_exact_loads() therefore rewrites each bare
 * number token into a JSON string holding the token's original text before
 * handing the document to jansson, so a decoder sees "0.32" (the bytes the
 * source sent), never 0.31999999999999998. The accessors below parse such
 * text (or a string the source itself quoted) digit by digit into integers.
 *
 * Never goes through floating point; never reads past n bytes; accepts
 * exactly RFC 8259 numbers (the rewrite validates their grammar). */
#ifndef PMC_JSON_EXACT_H
#define PMC_JSON_EXACT_H

#include <jansson.h>

#include "proto/wire/wire.h"

/* Parse the n bytes at buf (need not be NUL-terminated) as one JSON value
 * whose numbers are all replaced by strings of their original text.
 * On success *out is a new reference the caller must json_decref().
 * Errors: PMC_EPARSE with err->offset = byte offset in buf and err->msg the
 * reason; PMC_ENOMEM. err->row is left 0. */
PMC_MUST_USE enum pmc_err pmc_json_exact_loads(const char *buf, size_t n,
                                               json_t **out,
                                               struct pmc_wire_err *err);

/* Exact decimal text ("0.545", "-3", "6.5e-05", "1E+2") of n bytes to micro
 * units. round = 1 rounds digits beyond the sixth decimal half to even;
 * round = 0 refuses them (PMC_ERANGE). PMC_EPARSE on bad syntax, PMC_ERANGE
 * when the value does not fit in int64 micros. */
PMC_MUST_USE enum pmc_err pmc_json_dec_text(const char *s, size_t n, int round,
                                            pmc_micros *out);

/* A JSON value that is a decimal: a string (number text after the exact
 * rewrite, or a string the source quoted itself) or a jansson integer.
 * Reals (doubles) are refused with PMC_EPARSE, as are other types and the
 * empty string. Same rounding and errors as pmc_json_dec_text. */
PMC_MUST_USE enum pmc_err pmc_json_dec(const json_t *v, int round,
                                       pmc_micros *out);

/* A JSON value that is a base-10 integer (string of digits, optional sign,
 * or a jansson integer). "12.0" and exponents are refused (PMC_EPARSE);
 * PMC_ERANGE when outside int64. */
PMC_MUST_USE enum pmc_err pmc_json_int(const json_t *v, int64_t *out);

/* The text and length of a JSON string (NULL when v is not a string). */
const char *pmc_json_text(const json_t *v, size_t *n);

#endif
