/* live/sign/signer.c - one libsecp256k1 context and key per signer.
 *
 * The context is randomized (blinding against side channels; signatures
 * stay RFC 6979 deterministic). Every stack copy of key material is wiped
 * with explicit_bzero before returning. Never prints. */
#include "live/sign/signer.h"

#include <ctype.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "live/sign/keccak.h"

struct pmc_signer {
    secp256k1_context *ctx;
    uint8_t key[32];
    uint8_t addr[PMC_ADDR_LEN];
};

/* n / 2 of the secp256k1 group order, big-endian: a low-s signature has
 * s <= this. */
static const uint8_t HALF_ORDER[32] = {
    0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4,
    0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0,
};

static int fill_random(uint8_t *p, size_t n)
{
    while (n) {
        ssize_t r = getrandom(p, n, 0);
        if (r < 0)
            return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

enum pmc_err pmc_signer_new_raw(const uint8_t key[32], struct pmc_signer **out)
{
    enum pmc_err err = PMC_ECRYPTO;
    uint8_t seed[32], pub[65];
    size_t publen = sizeof(pub);
    secp256k1_pubkey pk;
    struct pmc_signer *s = calloc(1, sizeof(*s));
    if (!s)
        return PMC_ENOMEM;
    s->ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    if (!s->ctx)
        goto fail;
    if (!secp256k1_ec_seckey_verify(s->ctx, key)) {
        err = PMC_ERANGE;
        goto fail;
    }
    if (fill_random(seed, sizeof(seed)) != 0 ||
        !secp256k1_context_randomize(s->ctx, seed))
        goto fail;
    memcpy(s->key, key, 32);
    if (!secp256k1_ec_pubkey_create(s->ctx, &pk, s->key) ||
        !secp256k1_ec_pubkey_serialize(s->ctx, pub, &publen, &pk,
                                       SECP256K1_EC_UNCOMPRESSED) ||
        publen != 65)
        goto fail;
    uint8_t h[32];
    pmc_keccak256(pub + 1, 64, h);
    memcpy(s->addr, h + 12, PMC_ADDR_LEN);
    explicit_bzero(seed, sizeof(seed));
    *out = s;
    return PMC_OK;
fail:
    explicit_bzero(seed, sizeof(seed));
    pmc_signer_free(s);
    return err;
}

enum pmc_err pmc_signer_new(const char *hexkey, size_t n,
                            struct pmc_signer **out)
{
    uint8_t key[32];
    while (n && isspace((unsigned char)hexkey[0])) {
        hexkey++;
        n--;
    }
    while (n && isspace((unsigned char)hexkey[n - 1]))
        n--;
    enum pmc_err err = pmc_hex_decode(hexkey, n, key, sizeof(key));
    if (err == PMC_OK)
        err = pmc_signer_new_raw(key, out);
    explicit_bzero(key, sizeof(key));
    return err;
}

void pmc_signer_free(struct pmc_signer *s)
{
    if (!s)
        return;
    if (s->ctx)
        secp256k1_context_destroy(s->ctx);
    explicit_bzero(s, sizeof(*s));
    free(s);
}

const uint8_t *pmc_signer_address(const struct pmc_signer *s)
{
    return s->addr;
}

enum pmc_err pmc_signer_sign(const struct pmc_signer *s,
                             const uint8_t digest[32], uint8_t sig[PMC_SIG_LEN])
{
    secp256k1_ecdsa_recoverable_signature rs;
    int recid = -1;
    /* NULL nonce function = secp256k1_nonce_function_rfc6979 */
    if (!secp256k1_ecdsa_sign_recoverable(s->ctx, &rs, digest, s->key, NULL,
                                          NULL) ||
        !secp256k1_ecdsa_recoverable_signature_serialize_compact(s->ctx, sig,
                                                                 &recid, &rs) ||
        recid < 0 || recid > 3)
        return PMC_ECRYPTO;
    /* libsecp256k1 only emits low-s; Ethereum verifiers require it. */
    PMC_ASSERT(memcmp(sig + 32, HALF_ORDER, 32) <= 0);
    sig[64] = (uint8_t)(27 + recid);
    return PMC_OK;
}

enum pmc_err pmc_signer_recover(const struct pmc_signer *s,
                                const uint8_t digest[32],
                                const uint8_t sig[PMC_SIG_LEN],
                                uint8_t addr[PMC_ADDR_LEN])
{
    secp256k1_ecdsa_recoverable_signature rs;
    secp256k1_pubkey pk;
    uint8_t pub[65], h[32];
    size_t publen = sizeof(pub);
    if (sig[64] != 27 && sig[64] != 28)
        return PMC_ECRYPTO;
    if (!secp256k1_ecdsa_recoverable_signature_parse_compact(s->ctx, &rs, sig,
                                                             sig[64] - 27) ||
        !secp256k1_ecdsa_recover(s->ctx, &pk, &rs, digest) ||
        !secp256k1_ec_pubkey_serialize(s->ctx, pub, &publen, &pk,
                                       SECP256K1_EC_UNCOMPRESSED))
        return PMC_ECRYPTO;
    pmc_keccak256(pub + 1, 64, h);
    memcpy(addr, h + 12, PMC_ADDR_LEN);
    return PMC_OK;
}
