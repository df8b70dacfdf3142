/* core/dec.h - exact decimal <-> fixed-point conversion.
 *
 * Pure: no I/O, no allocation, no floating point. Decimal strings are parsed
 * digit by digit straight into integers scaled by 1e6 (micro units); a value
 * with more than six significant fractional digits is refused rather than
 * rounded, so every value on a tape is represented exactly. */
#ifndef PMC_DEC_H
#define PMC_DEC_H

#include "pmc.h"

/* Parse an optionally signed decimal ("0.545", "-12", "198.5318", "1e-3" is
 * not accepted) of n bytes into micro units. Returns PMC_EPARSE on syntax,
 * PMC_ERANGE when it does not fit in int64 micros or has more than 6
 * non-zero fractional digits. */
PMC_MUST_USE enum pmc_err pmc_dec_parse(const char *s, size_t n,
                                        pmc_micros *out);

/* Digits after the '.' of a decimal's text s[0..n) (0 without one): tells
 * "more than 6 decimal places" from "too large" when pmc_dec_parse says
 * PMC_ERANGE. */
size_t pmc_dec_frac_digits(const char *s, size_t n);

/* Like pmc_dec_parse but rounds extra fractional digits half-to-even
 * instead of refusing them (for importing third-party JSON). */
PMC_MUST_USE enum pmc_err pmc_dec_parse_round(const char *s, size_t n,
                                              pmc_micros *out);

/* Parse a signed base-10 integer of n bytes. */
PMC_MUST_USE enum pmc_err pmc_int_parse(const char *s, size_t n, int64_t *out);

/* Write v as the shortest exact decimal ("0.545", "12.5", "-3", "0") into
 * buf (at least 24 bytes). Returns the length; buf is NUL-terminated. */
size_t pmc_dec_format(pmc_micros v, char *buf);

/* Write a signed integer; buf at least 21 bytes. Returns the length. */
size_t pmc_int_format(int64_t v, char *buf);

/* (a * b) / c with a 128-bit intermediate, rounded toward -inf (floor) or
 * +inf (ceil). c must be > 0 (anything else is a broken invariant and
 * stops the program through pmc_panic). Saturates at INT64 limits. */
int64_t pmc_muldiv_floor(int64_t a, int64_t b, int64_t c);
int64_t pmc_muldiv_ceil(int64_t a, int64_t b, int64_t c);

/* a * b / 1e6, floor: micros x micros -> micros (e.g. shares x price). */
static inline pmc_micros pmc_mul(pmc_micros a, pmc_micros b)
{
    int64_t p;
    if (!__builtin_mul_overflow(a, b, &p)) {
        /* the common case, inline: an unsigned division by a constant is
         * a multiply and a shift (no remainder needed); a negative product
         * rounds its magnitude up (floor), 2^63 + 999999 fits in 64 bits */
        if (p >= 0)
            return (int64_t)((uint64_t)p / 1000000u);
        return -(int64_t)(((uint64_t)0 - (uint64_t)p + 999999u) / 1000000u);
    }
    return pmc_muldiv_floor(a, b, PMC_MICRO);
}
/* a * 1e6 / b, floor: micros / micros -> micros (e.g. USD / price). */
static inline pmc_micros pmc_div(pmc_micros a, pmc_micros b)
{
    int64_t p;
    if (b > 0 && !__builtin_mul_overflow(a, PMC_MICRO, &p)) {
        int64_t q = p / b;
        return (p % b != 0 && p < 0) ? q - 1 : q;
    }
    return pmc_muldiv_floor(a, PMC_MICRO, b);
}

/* Round down / up to a multiple of step (> 0). */
static inline int64_t pmc_round_down(int64_t v, int64_t step)
{
    return pmc_floor_div(v, step) * step;
}
static inline int64_t pmc_round_up(int64_t v, int64_t step)
{
    return -pmc_floor_div(-v, step) * step;
}

#endif
