/* proto/wire/wire.h - what every Polymarket wire decoder shares: the error
 * record, the output sink and the per-record extras.
 *
 * Decoders turn untrusted bytes (REST bodies, websocket frames, recorded
 * JSON) into struct pmc_record values. They decide which native rows become
 * which tape records and reject malformed input with a message naming the
 * field and the row. They never crash on any input, never convert a price or
 * size through double, never keep state between calls and never print.
 *
 * Ownership: a decoder reads `buf` and hands each record to the sink's
 * callback; the record and its extras live on the decoder's stack and are
 * valid only during the call. */
#ifndef PMC_WIRE_H
#define PMC_WIRE_H

#include <stdint.h>

#include "core/event.h"

/* Where and why decoding failed. row is the 1-based row / array item /
 * frame element the error is in (0 = the document as a whole); offset is a
 * byte offset into the input for JSON syntax errors (else 0). msg names the
 * field and the rule, e.g. `field "price": 1.5 is not in (0,1)`. */
struct pmc_wire_err {
    size_t row;
    size_t offset;
    char msg[240];
};

/* On-chain order role of the filled order's owner (section 6.3). */
enum pmc_wire_role {
    PMC_ROLE_UNKNOWN = 0,
    PMC_ROLE_MAKER, /* a resting order was filled */
    PMC_ROLE_TAKER  /* the aggressor; aggregated over the makers it hit */
};

/* Facts a source states that have no place on the tape record itself. All
 * pointers point into the decoded document and are valid during the
 * callback only. */
struct pmc_wire_extra {
    const char *slug; /* market slug when the row names it, else NULL */
    size_t slug_len;
    const char *title; /* market question (data API `title`), else NULL */
    size_t title_len;
    const char *market; /* condition id when the record has no field */
    size_t market_len;  /* for it (quotes, trades, books), else 0 */
    /* chain logs only */
    enum pmc_wire_role role;
    int removed;    /* 1: the log was removed by a reorg; undo it */
    int version;    /* exchange generation: 1 or 2 */
    pmc_micros fee; /* fee word in micro units (V2: collateral) */
};

/* Called once per decoded record; a non-OK return stops the decoder, which
 * returns that code. */
typedef enum pmc_err (*pmc_wire_emit_fn)(void *ctx,
                                         const struct pmc_record *rec,
                                         const struct pmc_wire_extra *x);

/* The sink: the callback plus counters the decoders add to (the caller
 * zeroes them once and may keep them across calls). */
struct pmc_wire_sink {
    pmc_wire_emit_fn emit;
    void *ctx;
    uint64_t rows;          /* rows / events / log entries looked at */
    uint64_t records;       /* records emitted */
    uint64_t unknown;       /* rows of a type this decoder does not know */
    uint64_t ignored;       /* known rows that carry nothing for the tape */
    char unknown_first[32]; /* the first unknown type name seen */
};

/* Count a row of a type no decoder knows; keep the first such type name
 * (n bytes, control bytes shown as '?') for the operator. */
void pmc_wire_note_unknown(struct pmc_wire_sink *sink, const char *s, size_t n);

/* Decoder options (bit flags). */
#define PMC_WIRE_DEPTH 1u /* CLOB book frames also give ev=book (depth) */

/* Format a message into err (row, offset kept as given). Returns code. */
enum pmc_err pmc_wire_fail(struct pmc_wire_err *err, enum pmc_err code,
                           size_t row, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Is s[0..n) usable as a tape identifier (token, market, key)? 1 to
 * PMC_SYM_MAX bytes of printable ASCII other than '"', '=' and ','. */
int pmc_wire_id_ok(const char *s, size_t n);

/* Set *out from s[0..n) when pmc_wire_id_ok; else PMC_EPARSE. */
PMC_MUST_USE enum pmc_err pmc_wire_sym(struct pmc_sym *out, const char *s,
                                       size_t n);

/* Parse an up/down crypto slug `<asset>-updown-<5m|15m>-<start_unix>`
 * (also `-1h-`, `-4h-`). On a match sets the window's start and end in ms
 * since the epoch and returns 1; else 0 (also when the end would not be a
 * valid tape time). */
int pmc_wire_slug_window(const char *slug, size_t n, pmc_ms *start,
                         pmc_ms *end);

/* Parse ISO-8601 UTC "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SS[.fff][Z|+00|
 * +00:00]" (a space may replace the T; other offsets are applied) into ms
 * since the epoch. PMC_EPARSE on anything else, PMC_ERANGE for times before
 * 1970 or from PMC_TIME_MAX on. */
PMC_MUST_USE enum pmc_err pmc_wire_iso_ms(const char *s, size_t n, pmc_ms *out);

#endif
