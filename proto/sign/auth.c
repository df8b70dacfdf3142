/* proto/sign/auth.c - L1 (ClobAuth EIP-712) and L2 (HMAC) authentication.
 * HMAC-SHA256 from proto/sign/sha256.c, base64 from OpenSSL. The decoded
 * secret and the HMAC state are wiped after use. Never prints. */
#include "proto/sign/auth.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdlib.h>
#include <string.h>

#include "core/dec.h"
#include "proto/sign/eip712.h"
#include "proto/sign/keccak.h"
#include "proto/sign/sha256.h"

/* keccak256("ClobAuth(address address,string timestamp,uint256 nonce,"
 * "string message)"), checked against the type string in test_auth. */
static const uint8_t CLOB_AUTH_TYPEHASH[32] = {
    0x52, 0x57, 0x8c, 0x5c, 0x72, 0x5a, 0x28, 0xa8, 0x4f, 0xed, 0xc8,
    0xc2, 0x2a, 0xa4, 0x79, 0x47, 0x82, 0x29, 0x42, 0xf3, 0x5b, 0x4d,
    0xc3, 0x50, 0xdb, 0x02, 0x8e, 0x45, 0x32, 0x0e, 0x03, 0x5c,
};

void pmc_clob_auth_hash(const uint8_t addr[PMC_ADDR_LEN], uint64_t ts,
                        uint64_t nonce, uint64_t chain_id,
                        uint8_t domain_sep[32], uint8_t struct_hash[32],
                        uint8_t digest[32])
{
    uint8_t dom[32], sh[32], buf[5 * 32];
    char tsbuf[24];
    size_t tslen = pmc_int_format((int64_t)ts, tsbuf);
    PMC_ASSERT(ts <= INT64_MAX);
    pmc_eip712_domain_hash("ClobAuthDomain", "1", chain_id, NULL, dom);
    memcpy(buf, CLOB_AUTH_TYPEHASH, 32);
    memset(buf + 32, 0, 12);
    memcpy(buf + 44, addr, PMC_ADDR_LEN);
    pmc_keccak256(tsbuf, tslen, buf + 64);
    pmc_u256_from_u64(nonce, buf + 96);
    pmc_keccak256(PMC_CLOB_AUTH_MESSAGE, strlen(PMC_CLOB_AUTH_MESSAGE),
                  buf + 128);
    pmc_keccak256(buf, sizeof(buf), sh);
    if (domain_sep)
        memcpy(domain_sep, dom, 32);
    if (struct_hash)
        memcpy(struct_hash, sh, 32);
    if (digest)
        pmc_eip712_digest(dom, sh, digest);
}

enum pmc_err pmc_auth_l1(const struct pmc_signer *s, uint64_t chain_id,
                         uint64_t ts, uint64_t nonce,
                         struct pmc_l1_headers *out)
{
    uint8_t digest[32], sig[PMC_SIG_LEN];
    if (ts > INT64_MAX || nonce > INT64_MAX)
        return PMC_ERANGE;
    pmc_clob_auth_hash(pmc_signer_address(s), ts, nonce, chain_id, NULL, NULL,
                       digest);
    PMC_TRY(pmc_signer_sign(s, digest, sig));
    pmc_addr_checksum(pmc_signer_address(s), out->address);
    out->signature[0] = '0';
    out->signature[1] = 'x';
    pmc_hex_encode(sig, PMC_SIG_LEN, out->signature + 2);
    pmc_int_format((int64_t)ts, out->timestamp);
    pmc_int_format((int64_t)nonce, out->nonce);
    return PMC_OK;
}

/* base64url (or standard) -> bytes. key must hold n + 3 bytes (the last
 * quantum is decoded whole). */
static enum pmc_err b64url_decode(const char *s, size_t n, uint8_t *key,
                                  size_t *keylen)
{
    enum pmc_err err = PMC_EPARSE;
    size_t pad = 0, m = n;
    while (m && s[m - 1] == '=') {
        m--;
        pad++;
    }
    if (m == 0 || pad > 2 || m % 4 == 1)
        return PMC_EPARSE;
    size_t full = (m + 3) / 4 * 4;
    unsigned char *tmp = malloc(full + 1);
    if (!tmp)
        return PMC_ENOMEM;
    for (size_t i = 0; i < m; i++) {
        char c = s[i];
        if (c == '-')
            c = '+';
        else if (c == '_')
            c = '/';
        else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                   (c >= '0' && c <= '9') || c == '+' || c == '/'))
            goto out;
        tmp[i] = (unsigned char)c;
    }
    for (size_t i = m; i < full; i++)
        tmp[i] = '=';
    tmp[full] = '\0';
    int r = EVP_DecodeBlock(key, tmp, (int)full);
    if (r < 0)
        goto out;
    /* EVP_DecodeBlock counts the bytes the '=' padding stands for */
    *keylen = (size_t)r - (full - m);
    err = PMC_OK;
out:
    explicit_bzero(tmp, full + 1);
    free(tmp);
    return err;
}

/* A keyed HMAC-SHA256, ready for many messages: the secret is decoded and
 * the inner and outer pad states computed once (proto/sign/sha256.c). */
struct pmc_l2_auth {
    struct pmc_hmac256 key;
    char address[PMC_ADDR_STR_LEN + 1];
    const char *api_key, *passphrase;
};

static enum pmc_err l2_key(struct pmc_l2_auth *a, const char *secret,
                           size_t secret_len)
{
    if (secret_len == 0 || secret_len > 4096)
        return PMC_EPARSE;
    uint8_t *key = malloc(secret_len + 3);
    if (!key)
        return PMC_ENOMEM;
    size_t keylen = 0;
    enum pmc_err err = b64url_decode(secret, secret_len, key, &keylen);
    if (err == PMC_OK)
        pmc_hmac256_key(&a->key, key, keylen);
    explicit_bzero(key, secret_len + 3);
    free(key);
    return err;
}

void pmc_l2_auth_free(struct pmc_l2_auth *a)
{
    if (!a)
        return;
    pmc_hmac256_wipe(&a->key);
    explicit_bzero(a, sizeof *a);
    free(a);
}

static enum pmc_err l2_new(const char *secret, size_t secret_len,
                           struct pmc_l2_auth **out)
{
    struct pmc_l2_auth *a = calloc(1, sizeof *a);
    if (!a)
        return PMC_ENOMEM;
    enum pmc_err err = l2_key(a, secret, secret_len);
    if (err != PMC_OK) {
        pmc_l2_auth_free(a);
        return err;
    }
    *out = a;
    return PMC_OK;
}

enum pmc_err pmc_l2_auth_new(const uint8_t signer_addr[PMC_ADDR_LEN],
                             const struct pmc_api_creds *c,
                             struct pmc_l2_auth **out)
{
    PMC_TRY(l2_new(c->secret, strnlen(c->secret, sizeof(c->secret)), out));
    pmc_addr_checksum(signer_addr, (*out)->address);
    (*out)->api_key = c->key;
    (*out)->passphrase = c->passphrase;
    return PMC_OK;
}

static enum pmc_err l2_sign(struct pmc_l2_auth *a, uint64_t ts,
                            const char *method, const char *path,
                            const char *body, size_t body_len,
                            char out[PMC_HMAC_SIG_LEN + 1])
{
    char tsbuf[24];
    unsigned char mac[32];
    if (ts > INT64_MAX)
        return PMC_EPARSE;
    size_t tslen = pmc_int_format((int64_t)ts, tsbuf);
    const char *q = strchr(path, '?'); /* the query string is not signed */
    size_t plen = q ? (size_t)(q - path) : strlen(path);
    if (!body)
        body_len = 0;
    struct pmc_sha256 m;
    pmc_hmac256_begin(&a->key, &m);
    pmc_sha256_update(&m, tsbuf, tslen);
    pmc_sha256_update(&m, method, strlen(method));
    pmc_sha256_update(&m, path, plen);
    if (body_len)
        pmc_sha256_update(&m, body, body_len);
    pmc_hmac256_end(&a->key, &m, mac);
    int r = EVP_EncodeBlock((unsigned char *)out, mac, 32);
    PMC_ASSERT(r == PMC_HMAC_SIG_LEN);
    for (int i = 0; i < r; i++) /* url-safe alphabet, '=' kept */
        if (out[i] == '+')
            out[i] = '-';
        else if (out[i] == '/')
            out[i] = '_';
    out[PMC_HMAC_SIG_LEN] = '\0';
    explicit_bzero(mac, sizeof mac);
    return PMC_OK;
}

enum pmc_err pmc_l2_auth_headers(struct pmc_l2_auth *a, uint64_t ts,
                                 const char *method, const char *path,
                                 const char *body, size_t body_len,
                                 struct pmc_l2_headers *out)
{
    PMC_TRY(l2_sign(a, ts, method, path, body, body_len, out->signature));
    memcpy(out->address, a->address, sizeof out->address);
    pmc_int_format((int64_t)ts, out->timestamp);
    out->api_key = a->api_key;
    out->passphrase = a->passphrase;
    return PMC_OK;
}

enum pmc_err pmc_auth_hmac(const char *secret, size_t secret_len, uint64_t ts,
                           const char *method, const char *path,
                           const char *body, size_t body_len,
                           char out[PMC_HMAC_SIG_LEN + 1])
{
    struct pmc_l2_auth *a;
    PMC_TRY(l2_new(secret, secret_len, &a));
    enum pmc_err err = l2_sign(a, ts, method, path, body, body_len, out);
    pmc_l2_auth_free(a);
    return err;
}

enum pmc_err pmc_auth_l2(const uint8_t signer_addr[PMC_ADDR_LEN],
                         const struct pmc_api_creds *c, uint64_t ts,
                         const char *method, const char *path, const char *body,
                         size_t body_len, struct pmc_l2_headers *out)
{
    struct pmc_l2_auth *a;
    PMC_TRY(pmc_l2_auth_new(signer_addr, c, &a));
    enum pmc_err err =
        pmc_l2_auth_headers(a, ts, method, path, body, body_len, out);
    pmc_l2_auth_free(a);
    return err;
}

void pmc_api_creds_wipe(struct pmc_api_creds *c)
{
    explicit_bzero(c, sizeof(*c));
}
