/* proto/wire/field.h - typed, validated field access on decoded JSON objects,
 * shared by the wire decoders. Each getter looks a field up under its
 * legacy camelCase name `a` and, when given, its snake_case name `b`, checks
 * type and range, and on failure fills err with `field "name": value: rule`
 * at `row`. A JSON null counts as absent. Numbers are expected as text (see
 * json_exact.h); nothing here uses floating point. */
#ifndef PMC_WIRE_FIELD_H
#define PMC_WIRE_FIELD_H

#include <jansson.h>

#include "proto/wire/wire.h"

#define PMC_WF_REQUIRED 1
#define PMC_WF_OPTIONAL 0

/* The value under a or b (NULL when both absent or null); *name is set to
 * the name found (or a). */
json_t *pmc_wf_get(const json_t *obj, const char *a, const char *b,
                   const char **name);

/* A string (or number text) of at most PMC_SYM_MAX bytes. An absent or
 * empty optional field leaves out->n = 0. */
PMC_MUST_USE enum pmc_err pmc_wf_sym(const json_t *obj, const char *a,
                                     const char *b, int required,
                                     struct pmc_sym *out, size_t row,
                                     struct pmc_wire_err *err);

/* Free text copied into dst (cap bytes, NUL-terminated, control characters
 * become spaces, longer text is an error). Absent -> "". */
PMC_MUST_USE enum pmc_err pmc_wf_text(const json_t *obj, const char *a,
                                      const char *b, char *dst, size_t cap,
                                      size_t row, struct pmc_wire_err *err);

/* A short label (an outcome name) copied into dst; longer text is cut at
 * a UTF-8 character boundary to fit cap - 1 bytes, spaces and control
 * characters are kept as they are (the tape quotes them). Absent -> "". */
PMC_MUST_USE enum pmc_err pmc_wf_label(const json_t *obj, const char *a,
                                       const char *b, char *dst, size_t cap,
                                       size_t row, struct pmc_wire_err *err);

/* A wallet address normalised to 0x + 40 lowercase hex. */
PMC_MUST_USE enum pmc_err pmc_wf_addr(const json_t *obj, const char *a,
                                      const char *b, int required,
                                      struct pmc_sym *out, size_t row,
                                      struct pmc_wire_err *err);

/* A price in (0,1), micro units, extra decimals rounded half to even.
 * Absent optional, "" or "0" -> *out = 0 when allow_zero, else an error. */
PMC_MUST_USE enum pmc_err pmc_wf_price(const json_t *obj, const char *a,
                                       const char *b, int required,
                                       int allow_zero, pmc_micros *out,
                                       size_t row, struct pmc_wire_err *err);

/* A decimal in [lo, hi] micro units (rounded half to even). Absent
 * optional -> *out untouched. */
PMC_MUST_USE enum pmc_err pmc_wf_dec(const json_t *obj, const char *a,
                                     const char *b, int required, pmc_micros lo,
                                     pmc_micros hi, pmc_micros *out, size_t row,
                                     struct pmc_wire_err *err);

/* A timestamp: an integer of seconds (< 1e11) or milliseconds, returned in
 * ms since the epoch; must be positive and before PMC_TIME_MAX. */
PMC_MUST_USE enum pmc_err pmc_wf_time(const json_t *obj, const char *a,
                                      const char *b, int required, pmc_ms *out,
                                      size_t row, struct pmc_wire_err *err);

/* A JSON boolean (or the strings "true"/"false"): 1/0; absent -> -1. */
PMC_MUST_USE enum pmc_err pmc_wf_bool(const json_t *obj, const char *a,
                                      const char *b, int *out, size_t row,
                                      struct pmc_wire_err *err);

/* Is the string under a (or b) equal to lit? */
int pmc_wf_is(const json_t *obj, const char *a, const char *b, const char *lit);

/* Short printable rendering of a value for error messages. */
const char *pmc_wf_show(const json_t *v, char *buf, size_t cap);

#endif
