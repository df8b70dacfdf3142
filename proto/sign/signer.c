/* proto/sign/signer.c - one libsecp256k1 context and key per signer.
 *
 * The context is randomized once at creation (blinding against side
 * channels; signatures stay RFC 6979 deterministic unless the caller
 * installs a presigner). Every stack copy of key material is wiped with
 * explicit_bzero before returning. Never prints, never starts a thread. */
#include "proto/sign/signer.h"

#include <ctype.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "proto/sign/keccak.h"
#include "proto/sign/sha256.h"

struct pmc_signer {
    secp256k1_context *ctx;
    uint8_t key[32];
    uint8_t addr[PMC_ADDR_LEN];
    struct pmc_hmac256 hk;      /* keyed with key: presignature nonces */
    pmc_presigner_fn presigner; /* NULL: every signature is RFC 6979 */
    void *presigner_ctx;
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

/* ---- presignatures -----------------------------------------------------
 *
 * An ECDSA signature is s = k^-1 (z + r d) mod n with r the x of k G. The
 * point multiplication k G is most of a signature's cost and does not
 * depend on the digest z, so it can be done ahead, per nonce k: r, k^-1
 * and r d (a "presignature"). Signing a digest then costs one scalar
 * addition and one multiplication. r d is key material (it reveals d).
 *
 * k = HMAC-SHA256(d, entropy): the caller's fresh randomness hedged with
 * the key, so a weak random source alone does not expose the key. k^-1 is
 * k^(n-2) (Fermat), checked by k k^-1 = 1. All scalar arithmetic is
 * libsecp256k1's (the seckey tweak functions: constant time, mod n).
 * Where presignatures are kept and where their randomness comes from is
 * the caller's business (live/exec/presign.c: a pool and its thread). */

/* n - 2, big-endian: the exponent of the inverse */
static const uint8_t ORDER_MINUS_2[32] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xfe, 0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48,
    0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x3f,
};

/* acc = a^(n-2) = a^-1 mod n; a nonzero and < n. */
static int scalar_inverse(const secp256k1_context *ctx, const uint8_t a[32],
                          uint8_t out[32])
{
    uint8_t acc[32], sq[32];
    int ok = 1;
    memcpy(acc, a, 32); /* the exponent's top bit */
    for (int i = 254; i >= 0; i--) {
        memcpy(sq, acc, 32);
        ok &= secp256k1_ec_seckey_tweak_mul(ctx, acc, sq);
        if (ORDER_MINUS_2[31 - i / 8] >> (i % 8) & 1)
            ok &= secp256k1_ec_seckey_tweak_mul(ctx, acc, a);
    }
    memcpy(out, acc, 32);
    explicit_bzero(acc, sizeof acc);
    explicit_bzero(sq, sizeof sq);
    return ok;
}

static const uint8_t SCALAR_ONE[32] = {[31] = 1};

int pmc_signer_presig(const struct pmc_signer *s,
                      const uint8_t entropy[PMC_PRESIG_ENTROPY],
                      struct pmc_presig *e)
{
    uint8_t k[32], chk[32], pub[33];
    size_t publen = sizeof pub;
    secp256k1_pubkey R;
    struct pmc_sha256 m;
    int ok = 0;
    pmc_hmac256_begin(&s->hk, &m);
    pmc_sha256_update(&m, entropy, PMC_PRESIG_ENTROPY);
    pmc_hmac256_end(&s->hk, &m, k);
    if (!secp256k1_ec_seckey_verify(s->ctx, k) ||
        !secp256k1_ec_pubkey_create(s->ctx, &R, k) ||
        !secp256k1_ec_pubkey_serialize(s->ctx, pub, &publen, &R,
                                       SECP256K1_EC_COMPRESSED) ||
        publen != 33)
        goto out;
    /* r = x mod n; x >= n (about 2^-128) would need recovery ids 2 and 3,
     * which Ethereum's v cannot carry: such a nonce is dropped */
    memcpy(e->r, pub + 1, 32);
    e->odd = pub[0] == 0x03;
    if (!secp256k1_ec_seckey_verify(s->ctx, e->r))
        goto out;
    if (!scalar_inverse(s->ctx, k, e->kinv))
        goto out;
    memcpy(chk, e->kinv, 32);
    if (!secp256k1_ec_seckey_tweak_mul(s->ctx, chk, k) ||
        memcmp(chk, SCALAR_ONE, 32) != 0)
        goto out;
    memcpy(e->rd, s->key, 32);
    ok = secp256k1_ec_seckey_tweak_mul(s->ctx, e->rd, e->r);
out:
    if (!ok)
        explicit_bzero(e, sizeof *e);
    explicit_bzero(k, sizeof k);
    explicit_bzero(chk, sizeof chk);
    explicit_bzero(&m, sizeof m);
    return ok;
}

enum pmc_err pmc_signer_sign_presig(const struct pmc_signer *s,
                                    struct pmc_presig *e,
                                    const uint8_t digest[32],
                                    uint8_t sig[PMC_SIG_LEN])
{
    uint8_t acc[32];
    memcpy(acc, e->rd, 32);
    /* s = k^-1 (z + r d); z >= n (about 2^-128) is refused by the tweak */
    int ok = secp256k1_ec_seckey_tweak_add(s->ctx, acc, digest) &&
             secp256k1_ec_seckey_tweak_mul(s->ctx, acc, e->kinv);
    int odd = e->odd;
    uint8_t r[32];
    memcpy(r, e->r, 32);
    explicit_bzero(e, sizeof *e);
    if (ok && memcmp(acc, HALF_ORDER, 32) > 0) {
        /* low s: -s pairs with -k, whose point has the other y */
        ok = secp256k1_ec_seckey_negate(s->ctx, acc);
        odd ^= 1;
    }
    if (!ok) {
        explicit_bzero(acc, sizeof acc);
        return PMC_ERANGE;
    }
    memcpy(sig, r, 32);
    memcpy(sig + 32, acc, 32);
    sig[64] = (uint8_t)(27 + odd);
    explicit_bzero(acc, sizeof acc);
    return PMC_OK;
}

void pmc_signer_set_presigner(struct pmc_signer *s, pmc_presigner_fn fn,
                              void *ctx)
{
    s->presigner = fn;
    s->presigner_ctx = ctx;
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
    pmc_hmac256_key(&s->hk, s->key, 32);
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
    pmc_hmac256_wipe(&s->hk);
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
    if (s->presigner && s->presigner(s->presigner_ctx, s, digest, sig))
        return PMC_OK;
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
