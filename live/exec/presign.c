/* live/exec/presign.c - the presignature pool (see presign.h).
 *
 * A single-producer single-consumer ring: the pool's thread fills it with
 * pmc_signer_presig, the signing thread takes from it in the presigner
 * callback; each presignature is used once and wiped as it is taken. The
 * nonce entropy is 32 bytes of getrandom and a counter (never repeated
 * even if the random source were to repeat itself). */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "live/exec/presign.h"

struct pmc_presign {
    struct pmc_signer *s;
    struct pmc_presig *v;
    uint32_t cap;
    _Atomic uint64_t head; /* written by the thread */
    _Atomic uint64_t tail; /* written by the signer */
    _Atomic int stop;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint64_t ctr;
    _Atomic uint64_t made, used, fallback, bad;
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

static uint32_t pool_ready(struct pmc_presign *p)
{
    return (uint32_t)(atomic_load_explicit(&p->head, memory_order_relaxed) -
                      atomic_load_explicit(&p->tail, memory_order_acquire));
}

/* One presignature into *e; 0 when this nonce is unusable or the random
 * source failed (the caller tries again). */
static int make_one(struct pmc_presign *p, struct pmc_presig *e)
{
    uint8_t ent[PMC_PRESIG_ENTROPY];
    int ok = fill_random(ent, 32) == 0;
    if (ok) {
        for (int i = 0; i < 8; i++)
            ent[32 + i] = (uint8_t)(p->ctr >> (8 * i));
        p->ctr++;
        ok = pmc_signer_presig(p->s, ent, e);
    }
    if (!ok)
        atomic_fetch_add_explicit(&p->bad, 1, memory_order_relaxed);
    explicit_bzero(ent, sizeof ent);
    return ok;
}

/* How often a full pool is checked. The thread tops the pool up within
 * this time of a signature, one presignature (about 50 us) per signature
 * made: spread out, the work never lands as a burst of hundreds of them on
 * the other core while the next orders are being signed, and a signature
 * never has to wake the thread (no system call on the order path). */
#define PRESIGN_POLL_NS 2000000L

static void *presign_main(void *arg)
{
    struct pmc_presign *p = arg;
    uint32_t failures = 0;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        if (!atomic_load(&p->stop) && pool_ready(p) == p->cap) {
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            ts.tv_nsec += PRESIGN_POLL_NS;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&p->cv, &p->mu, &ts);
        }
        pthread_mutex_unlock(&p->mu);
        if (atomic_load(&p->stop))
            break;
        while (!atomic_load(&p->stop) && pool_ready(p) < p->cap) {
            uint64_t h = atomic_load_explicit(&p->head, memory_order_relaxed);
            if (!make_one(p, &p->v[h % p->cap])) {
                /* a random source that keeps failing: stop producing, the
                 * signer falls back to RFC 6979 */
                if (++failures > 64)
                    return NULL;
                continue;
            }
            failures = 0;
            atomic_store_explicit(&p->head, h + 1, memory_order_release);
            atomic_fetch_add_explicit(&p->made, 1, memory_order_relaxed);
        }
    }
    return NULL;
}

/* The signer's presigner: take one presignature and sign with it; 0 when
 * the pool is empty or this digest cannot use it. */
static int presigner(void *ctx, const struct pmc_signer *s,
                     const uint8_t digest[32], uint8_t sig[PMC_SIG_LEN])
{
    struct pmc_presign *p = ctx;
    uint64_t t = atomic_load_explicit(&p->tail, memory_order_relaxed);
    uint64_t h = atomic_load_explicit(&p->head, memory_order_acquire);
    if (h == t) {
        atomic_fetch_add_explicit(&p->fallback, 1, memory_order_relaxed);
        return 0;
    }
    struct pmc_presig *e = &p->v[t % p->cap];
    enum pmc_err err = pmc_signer_sign_presig(s, e, digest, sig); /* wipes */
    atomic_store_explicit(&p->tail, t + 1, memory_order_release);
    if (err != PMC_OK) {
        atomic_fetch_add_explicit(&p->fallback, 1, memory_order_relaxed);
        return 0;
    }
    atomic_fetch_add_explicit(&p->used, 1, memory_order_relaxed);
    return 1;
}

enum pmc_err pmc_presign_start(struct pmc_signer *s, uint32_t n,
                               struct pmc_presign **out)
{
    if (!s || n < 2 || n > PMC_PRESIGN_MAX)
        return PMC_EUSAGE;
    struct pmc_presign *p = calloc(1, sizeof *p);
    if (!p)
        return PMC_ENOMEM;
    p->v = calloc(n, sizeof *p->v);
    if (!p->v) {
        free(p);
        return PMC_ENOMEM;
    }
    p->s = s;
    p->cap = n;
    pthread_mutex_init(&p->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&p->th, NULL, presign_main, p) != 0) {
        pthread_mutex_destroy(&p->mu);
        pthread_cond_destroy(&p->cv);
        free(p->v);
        free(p);
        return PMC_ENOMEM;
    }
#ifdef SCHED_IDLE
    struct sched_param sp = {0};
    (void)pthread_setschedparam(p->th, SCHED_IDLE, &sp);
#endif
    pmc_signer_set_presigner(s, presigner, p);
    *out = p;
    return PMC_OK;
}

void pmc_presign_stop(struct pmc_presign *p)
{
    if (!p)
        return;
    pmc_signer_set_presigner(p->s, NULL, NULL);
    pthread_mutex_lock(&p->mu);
    atomic_store(&p->stop, 1);
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->th, NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    explicit_bzero(p->v, p->cap * sizeof *p->v);
    free(p->v);
    explicit_bzero(p, sizeof *p);
    free(p);
}

void pmc_presign_stats(const struct pmc_presign *p,
                       struct pmc_presign_stats *st)
{
    memset(st, 0, sizeof *st);
    if (!p)
        return;
    st->cap = p->cap;
    st->ready = pool_ready((struct pmc_presign *)p);
    st->made = atomic_load(&p->made);
    st->used = atomic_load(&p->used);
    st->fallback = atomic_load(&p->fallback);
    st->bad = atomic_load(&p->bad);
}
