/* proto/sign/hex.h - hex, Ethereum address and uint256 decimal conversions.
 *
 * Pure bytes-in/bytes-out helpers for the signing layer: no I/O, no
 * allocation, no global state. Parsers validate strictly and never read
 * past the n bytes they are given; they do not need NUL termination. */
#ifndef PMC_SIGN_HEX_H
#define PMC_SIGN_HEX_H

#include <stddef.h>
#include <stdint.h>

#include "core/pmc.h"

#define PMC_ADDR_LEN 20
#define PMC_ADDR_STR_LEN 42 /* "0x" + 40 hex digits */
#define PMC_U256_DEC_MAX 78 /* digits of 2^256 - 1 */

/* Write n bytes as 2n lowercase hex digits (no prefix) plus a NUL into out
 * (2n + 1 bytes). Returns 2n. */
size_t pmc_hex_encode(const uint8_t *p, size_t n, char *out);

/* Parse exactly 2*outlen hex digits (either case), optionally preceded by
 * "0x"/"0X", from the n bytes of s into out. PMC_EPARSE on a bad digit or
 * a wrong length. */
PMC_MUST_USE enum pmc_err pmc_hex_decode(const char *s, size_t n, uint8_t *out,
                                         size_t outlen);

/* Parse an address: 40 hex digits, "0x" optional, case-insensitive (the
 * EIP-55 mixed case is accepted but not required). PMC_EPARSE otherwise. */
PMC_MUST_USE enum pmc_err pmc_addr_parse(const char *s, size_t n,
                                         uint8_t out[PMC_ADDR_LEN]);

/* Write the EIP-55 checksummed form "0x..." (42 chars + NUL) into out. */
void pmc_addr_checksum(const uint8_t a[PMC_ADDR_LEN],
                       char out[PMC_ADDR_STR_LEN + 1]);

/* Parse an unsigned base-10 integer (digits only, leading zeros allowed)
 * into a 32-byte big-endian uint256. PMC_EPARSE on syntax, PMC_ERANGE when
 * the value is >= 2^256. */
PMC_MUST_USE enum pmc_err pmc_u256_parse_dec(const char *s, size_t n,
                                             uint8_t out[32]);

/* Write a 32-byte big-endian uint256 in canonical decimal (no leading
 * zeros; "0" for zero) plus a NUL into out (79 bytes). Returns the length. */
size_t pmc_u256_format_dec(const uint8_t in[32],
                           char out[PMC_U256_DEC_MAX + 1]);

/* Store v big-endian in the 32-byte word out (a uint256 ABI word). */
void pmc_u256_from_u64(uint64_t v, uint8_t out[32]);

#endif
