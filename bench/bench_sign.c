/* bench/bench_sign.c - order signing throughput.
 *
 * Measures, in one process: a bare libsecp256k1 recoverable signature (the
 * floor), a full order (amounts, EIP-712 hashes, signature, POST body) via
 * pmc_order_sign, the L2 HMAC of that body, and Keccak-256 throughput on
 * bulk data and on the 384-byte order struct. The bare and full loops are
 * interleaved over several rounds and the best round of each is kept, so
 * the ratio compares like with like. Takes no arguments; about 5 s.
 * The last order signed in each timed loop is verified (libsecp256k1's own
 * ECDSA verification against the key's public key, the recovered address,
 * and the signature's hex in the POST body); exits 1 if one does not. */
#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/dec.h"
#include "live/exec/presign.h"
#include "proto/sign/auth.h"
#include "proto/sign/hex.h"
#include "proto/sign/keccak.h"
#include "proto/sign/order.h"
#include "proto/sign/sha256.h"
#include "proto/sign/signer.h"

#include "bench/bench.h"

#define PK "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
#define TOKEN                                                                  \
    "21742633143463906290569050155826241533067272736897614950488156847949938"  \
    "836455"
#define ROUNDS 5
#define SIGN_ITERS 4000
#define PRESIGN_N 1024

static volatile uint8_t sink;

static double bench_bare(secp256k1_context *ctx, const uint8_t key[32])
{
    uint8_t digest[32] = {1}, out[64];
    secp256k1_ecdsa_recoverable_signature sig;
    int recid;
    double t0 = now_s();
    for (int i = 0; i < SIGN_ITERS; i++) {
        memcpy(digest, &i, sizeof(i));
        if (!secp256k1_ecdsa_sign_recoverable(ctx, &sig, digest, key, NULL,
                                              NULL))
            abort();
        secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx, out,
                                                                &recid, &sig);
        sink ^= out[0];
    }
    return (now_s() - t0) / SIGN_ITERS;
}

/* Wait until the presignature pool is full. */
static void pool_full(const struct pmc_presign *p)
{
    struct pmc_presign_stats st;
    do {
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
        pmc_presign_stats(p, &st);
    } while (st.ready < st.cap);
}

/* Is o's signature a valid one by key over o's digest, recovering to s's
 * address, and the one in o's body? Says which check failed. */
static int verify_order(const secp256k1_context *ctx, const uint8_t key[32],
                        const struct pmc_signer *s,
                        const struct pmc_signed_order *o, const char *what)
{
    secp256k1_pubkey pub;
    secp256k1_ecdsa_recoverable_signature rs;
    secp256k1_ecdsa_signature sig;
    uint8_t addr[PMC_ADDR_LEN];
    char hex[2 * 65 + 1];
    const char *bad = NULL;
    if (o->sig_len != 65 || (o->sig[64] != 27 && o->sig[64] != 28))
        bad = "not a 65-byte signature with v 27/28";
    else if (!secp256k1_ec_pubkey_create(ctx, &pub, key) ||
             !secp256k1_ecdsa_recoverable_signature_parse_compact(
                 ctx, &rs, o->sig, o->sig[64] - 27) ||
             !secp256k1_ecdsa_recoverable_signature_convert(ctx, &sig, &rs) ||
             !secp256k1_ecdsa_verify(ctx, &sig, o->digest, &pub))
        bad = "ECDSA verification failed";
    else if (pmc_signer_recover(s, o->digest, o->sig, addr) != PMC_OK ||
             memcmp(addr, pmc_signer_address(s), PMC_ADDR_LEN) != 0)
        bad = "recovers to another address";
    else {
        pmc_hex_encode(o->sig, 65, hex);
        if (!strstr(o->body, hex))
            bad = "the body carries another signature";
    }
    if (bad)
        fprintf(stderr, "bench_sign: %s: %s\n", what, bad);
    return bad == NULL;
}

static double bench_order(const struct pmc_signer *s, struct pmc_order_req *req,
                          struct pmc_signed_order *o)
{
    char why[256];
    double t0 = now_s();
    for (int i = 0; i < SIGN_ITERS; i++) {
        req->salt = 1000000 + (uint64_t)i;
        if (pmc_order_sign(s, req, o, why, sizeof(why)) != PMC_OK) {
            fprintf(stderr, "bench_sign: %s\n", why);
            abort();
        }
        sink ^= (uint8_t)o->body[o->body_len - 3];
    }
    return (now_s() - t0) / SIGN_ITERS;
}

int main(void)
{
    static const uint8_t key[32] = {
        0xac, 0x09, 0x74, 0xbe, 0xc3, 0x9a, 0x17, 0xe3, 0x6b, 0xa4, 0xa6,
        0xb4, 0xd2, 0x38, 0xff, 0x94, 0x4b, 0xac, 0xb4, 0x78, 0xcb, 0xed,
        0x5e, 0xfc, 0xae, 0x78, 0x4d, 0x7b, 0xf4, 0xf2, 0xff, 0x80};
    static const uint8_t seed[32] = {7};
    struct pmc_signer *s = NULL;
    if (pmc_signer_new(PK, strlen(PK), &s) != PMC_OK)
        return 1;
    secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    if (!ctx || !secp256k1_context_randomize(ctx, seed))
        return 1;

    struct pmc_order_req req;
    memset(&req, 0, sizeof(req));
    req.exchange = PMC_EXCH_V2;
    req.chain_id = PMC_CHAIN_POLYGON;
    req.token_id = TOKEN;
    req.amt.kind = PMC_ORDER_LIMIT;
    req.amt.side = PMC_BUY;
    req.amt.price = 550000;
    req.amt.size = 10 * PMC_MICRO;
    req.amt.tick = (struct pmc_tick){2, 1};
    req.amt.min_shares = 5 * PMC_MICRO;
    req.order_type = PMC_TIF_GTC;
    req.timestamp_ms = 1767225600000ULL;
    req.owner = "00000000-0000-0000-0000-000000000000";
    struct pmc_signed_order *o = malloc(sizeof(*o));
    if (!o)
        return 1;

    double bare = 1e9, full = 1e9;
    for (int r = 0; r < ROUNDS; r++) {
        double b = bench_bare(ctx, key), f = bench_order(s, &req, o);
        if (b < bare)
            bare = b;
        if (f < full)
            full = f;
    }
    if (!verify_order(ctx, key, s, o, "order signed RFC 6979"))
        return 1;
    printf(
        "sign: bare secp256k1_ecdsa_sign_recoverable  %8.0f/s  (%.1f us/op)\n",
        1.0 / bare, bare * 1e6);
    printf("sign: order build+sign+body                  %8.0f/s  (%.1f us/op)"
           "  ratio vs bare sign %.2fx\n",
           1.0 / full, full * 1e6, full / bare);

    /* L2 HMAC over the body just built */
    const char *secret = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    char mac[PMC_HMAC_SIG_LEN + 1];
    int hn = 50000;
    double t0 = now_s();
    for (int i = 0; i < hn; i++) {
        if (pmc_auth_hmac(secret, strlen(secret), 1767225600 + (uint64_t)i,
                          "POST", "/order", o->body, o->body_len,
                          mac) != PMC_OK)
            return 1;
        sink ^= (uint8_t)mac[0];
    }
    double th = (now_s() - t0) / hn;
    printf(
        "auth: L2 HMAC of the order body, one-shot    %8.0f/s  (%.2f us/op)\n",
        1.0 / th, th * 1e6);
    /* the executor's path: the key prepared once, five headers per POST */
    struct pmc_api_creds cr;
    memset(&cr, 0, sizeof cr);
    memcpy(cr.secret, secret, strlen(secret));
    struct pmc_l2_auth *l2;
    if (pmc_l2_auth_new(pmc_signer_address(s), &cr, &l2) != PMC_OK)
        return 1;
    struct pmc_l2_headers lh;
    int accel = pmc_sha256_accel(1);
    t0 = now_s();
    for (int i = 0; i < hn; i++) {
        if (pmc_l2_auth_headers(l2, 1767225600 + (uint64_t)i, "POST", "/order",
                                o->body, o->body_len, &lh) != PMC_OK)
            return 1;
        sink ^= (uint8_t)lh.signature[0];
    }
    th = (now_s() - t0) / hn;
    printf("auth: L2 headers of the order, prepared key  %8.0f/s  (%.2f "
           "us/op)%s\n",
           1.0 / th, th * 1e6, accel ? "  (SHA extensions)" : "");
    if (accel) {
        pmc_sha256_accel(0);
        t0 = now_s();
        for (int i = 0; i < hn; i++) {
            if (pmc_l2_auth_headers(l2, 1767225600 + (uint64_t)i, "POST",
                                    "/order", o->body, o->body_len,
                                    &lh) != PMC_OK)
                return 1;
            sink ^= (uint8_t)lh.signature[0];
        }
        th = (now_s() - t0) / hn;
        pmc_sha256_accel(1);
        printf("auth: same, portable SHA-256                 %8.0f/s  (%.2f "
               "us/op)\n",
               1.0 / th, th * 1e6);
    }
    pmc_l2_auth_free(l2);

    /* the executor's signer: presignatures computed ahead by the pool's
     * thread; the timed loop takes only from a full pool */
    struct pmc_signer *ps = NULL;
    struct pmc_presign *pool = NULL;
    if (pmc_signer_new(PK, strlen(PK), &ps) != PMC_OK ||
        pmc_presign_start(ps, PRESIGN_N, &pool) != PMC_OK)
        return 1;
    double tf = now_s();
    pool_full(pool);
    tf = (now_s() - tf) / PRESIGN_N;
    double pre = 1e9;
    for (int r = 0; r < ROUNDS; r++) {
        if (r)
            pool_full(pool);
        t0 = now_s();
        for (int i = 0; i < PRESIGN_N / 2; i++) {
            req.salt = (uint64_t)i + 1;
            if (pmc_order_sign(ps, &req, o, NULL, 0) != PMC_OK)
                return 1;
            sink ^= o->body[o->body_len - 3];
        }
        double t = (now_s() - t0) / (PRESIGN_N / 2);
        if (t < pre)
            pre = t;
    }
    struct pmc_presign_stats pst;
    pmc_presign_stats(pool, &pst);
    if (!verify_order(ctx, key, ps, o, "order signed with a presignature"))
        return 1;
    pmc_presign_stop(pool);
    pmc_signer_free(ps);
    if (pst.fallback)
        return 1;
    printf("sign: order build+sign+body, presigned      %8.0f/s  (%.1f us/op)"
           "  ratio vs bare sign %.2fx\n",
           1.0 / pre, pre * 1e6, pre / bare);
    printf("sign: presignatures made by the pool thread  %8.0f/s  (%.1f us "
           "each, off the order path)\n",
           1.0 / tf, tf * 1e6);

    /* Keccak-256: bulk and the 384-byte order struct */
    size_t blen = (size_t)1 << 20;
    uint8_t *buf = malloc(blen), h[32];
    if (!buf)
        return 1;
    for (size_t i = 0; i < blen; i++)
        buf[i] = (uint8_t)(i * 131);
    double best = 1e9;
    for (int r = 0; r < ROUNDS; r++) {
        t0 = now_s();
        for (int i = 0; i < 64; i++) {
            buf[0] = (uint8_t)i;
            pmc_keccak256(buf, blen, h);
            sink ^= h[0];
        }
        double t = (now_s() - t0) / 64;
        if (t < best)
            best = t;
    }
    printf("keccak: 1 MiB blocks                         %8.1f MB/s\n",
           (double)blen / best / 1e6);
    int kn = 500000;
    t0 = now_s();
    for (int i = 0; i < kn; i++) {
        buf[0] = (uint8_t)i;
        pmc_keccak256(buf, 384, h);
        sink ^= h[0];
    }
    double tk = (now_s() - t0) / kn;
    printf("keccak: 384-byte order struct hash           %8.0f/s  (%.2f us/op,"
           " %.1f MB/s)\n",
           1.0 / tk, tk * 1e6, 384.0 / tk / 1e6);

    free(buf);
    free(o);
    secp256k1_context_destroy(ctx);
    pmc_signer_free(s);
    return 0;
}
