/* core/fees.c - taker fee formula in integers (see fees.h). */
#include "fees.h"

__extension__ typedef unsigned __int128 u128;

#define E12 ((u128)1000000000000ULL)

pmc_micros pmc_fee_taker(pmc_micros shares, pmc_micros px, pmc_micros rate,
                         int32_t exp)
{
    if (shares <= 0 || rate <= 0)
        return 0;
    if (px < 0)
        px = 0;
    if (px > PMC_MICRO)
        px = PMC_MICRO;
    if (exp < 0)
        exp = 0;
    if (exp > 8)
        exp = 8;
    /* q = p(1-p) in 1e-12 units, exact. */
    u128 q = (u128)px * (u128)(PMC_MICRO - px);
    u128 x = E12; /* q^0 = 1 */
    for (int32_t i = 0; i < exp; i++)
        x = x * q / E12;
    /* shares(1e-6) x rate(1e-6) x x(1e-12) -> USD(1e-6): divide by 1e18.
     * Bounds: shares <= 1e15, rate <= 1e6, x <= 1e12: 1e33 < 2^127. */
    u128 num = (u128)shares * (u128)rate * x;
    u128 den = E12 * (u128)1000000ULL;
    u128 fee = (num + den / 2) / den;
    return (pmc_micros)fee;
}
