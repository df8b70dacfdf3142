/* proto/sign/hex.c - hex, address and uint256 decimal conversions.
 * Pure; uint256 arithmetic is done on four 64-bit limbs with 128-bit
 * intermediates, 19 decimal digits at a time. */
#include "proto/sign/hex.h"

#include <string.h>

#include "proto/sign/keccak.h"

__extension__ typedef unsigned __int128 u128;

static const char HEX[] = "0123456789abcdef";

size_t pmc_hex_encode(const uint8_t *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = HEX[p[i] >> 4];
        out[2 * i + 1] = HEX[p[i] & 15];
    }
    out[2 * n] = '\0';
    return 2 * n;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

enum pmc_err pmc_hex_decode(const char *s, size_t n, uint8_t *out,
                            size_t outlen)
{
    if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        s += 2;
        n -= 2;
    }
    if (n != 2 * outlen)
        return PMC_EPARSE;
    for (size_t i = 0; i < outlen; i++) {
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return PMC_EPARSE;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return PMC_OK;
}

enum pmc_err pmc_addr_parse(const char *s, size_t n, uint8_t out[PMC_ADDR_LEN])
{
    return pmc_hex_decode(s, n, out, PMC_ADDR_LEN);
}

void pmc_addr_checksum(const uint8_t a[PMC_ADDR_LEN],
                       char out[PMC_ADDR_STR_LEN + 1])
{
    char lower[2 * PMC_ADDR_LEN + 1];
    uint8_t h[PMC_KECCAK256_LEN];
    pmc_hex_encode(a, PMC_ADDR_LEN, lower);
    pmc_keccak256(lower, 2 * PMC_ADDR_LEN, h);
    out[0] = '0';
    out[1] = 'x';
    for (size_t i = 0; i < 2 * PMC_ADDR_LEN; i++) {
        /* EIP-55: uppercase a letter when its nibble of the hash >= 8 */
        int nib = (i % 2) ? h[i / 2] & 15 : h[i / 2] >> 4;
        char c = lower[i];
        out[2 + i] = (c >= 'a' && nib >= 8) ? (char)(c - 'a' + 'A') : c;
    }
    out[PMC_ADDR_STR_LEN] = '\0';
}

/* limbs: l[0] least significant */
static void limbs_to_be(const uint64_t l[4], uint8_t out[32])
{
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 8; j++)
            out[31 - (8 * i + j)] = (uint8_t)(l[i] >> (8 * j));
}

static void be_to_limbs(const uint8_t in[32], uint64_t l[4])
{
    for (int i = 0; i < 4; i++) {
        l[i] = 0;
        for (int j = 7; j >= 0; j--)
            l[i] = (l[i] << 8) | in[31 - (8 * i + j)];
    }
}

#define TEN19 10000000000000000000ULL

static uint64_t pow10u(size_t k)
{
    uint64_t m = 1;
    while (k--)
        m *= 10;
    return m;
}

enum pmc_err pmc_u256_parse_dec(const char *s, size_t n, uint8_t out[32])
{
    uint64_t l[4] = {0, 0, 0, 0};
    if (n == 0)
        return PMC_EPARSE;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return PMC_EPARSE;
    size_t i = 0;
    while (i < n) {
        size_t k = n - i < 19 ? n - i : 19;
        uint64_t chunk = 0;
        for (size_t j = 0; j < k; j++)
            chunk = chunk * 10 + (uint64_t)(s[i + j] - '0');
        /* l = l * 10^k + chunk */
        uint64_t mul = pow10u(k);
        u128 carry = chunk;
        for (int j = 0; j < 4; j++) {
            u128 t = (u128)l[j] * mul + carry;
            l[j] = (uint64_t)t;
            carry = t >> 64;
        }
        if (carry)
            return PMC_ERANGE;
        i += k;
    }
    limbs_to_be(l, out);
    return PMC_OK;
}

size_t pmc_u256_format_dec(const uint8_t in[32], char out[PMC_U256_DEC_MAX + 1])
{
    uint64_t l[4];
    uint64_t parts[5]; /* base 10^19 digits, least significant first */
    size_t np = 0;
    be_to_limbs(in, l);
    do {
        u128 rem = 0;
        for (int j = 3; j >= 0; j--) {
            u128 cur = (rem << 64) | l[j];
            l[j] = (uint64_t)(cur / TEN19);
            rem = cur % TEN19;
        }
        parts[np++] = (uint64_t)rem;
    } while (l[0] | l[1] | l[2] | l[3]);
    char tmp[20];
    size_t len = 0;
    for (size_t p = np; p-- > 0;) {
        uint64_t v = parts[p];
        int nd = 0;
        do {
            tmp[nd++] = (char)('0' + v % 10);
            v /= 10;
        } while (v);
        if (p != np - 1) /* inner parts are zero-padded to 19 digits */
            while (nd < 19)
                tmp[nd++] = '0';
        while (nd)
            out[len++] = tmp[--nd];
    }
    out[len] = '\0';
    return len;
}

void pmc_u256_from_u64(uint64_t v, uint8_t out[32])
{
    memset(out, 0, 24);
    for (int i = 0; i < 8; i++)
        out[31 - i] = (uint8_t)(v >> (8 * i));
}
