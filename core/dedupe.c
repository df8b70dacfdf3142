/* core/dedupe.c - bounded set of seen fill keys. Pure. */
#include "dedupe.h"

static uint32_t slots_for(uint32_t cap)
{
    uint32_t p = 16;
    while (p < 2ull * cap)
        p <<= 1;
    return p;
}

size_t pmc_dedupe_mem_size(uint32_t cap)
{
    return (size_t)slots_for(cap) * 20 + (size_t)cap * 4;
}

void pmc_dedupe_init(struct pmc_dedupe *d, void *mem, uint32_t cap)
{
    uint32_t ns = slots_for(cap);
    d->fp = mem;
    d->ring = (uint32_t *)(void *)((char *)mem + (size_t)ns * 16);
    d->pos = d->ring + cap;
    d->mask = ns - 1;
    d->cap = cap;
    d->head = 0;
    d->n = 0;
    memset(d->fp, 0, (size_t)ns * 16);
}

/* second, independent fingerprint: FNV-1a from another basis, mixed */
static uint64_t hash2(const struct pmc_sym *k)
{
    uint64_t h = 0x84222325cbf29ce4ULL ^ k->n;
    for (uint32_t i = 0; i < k->n; i++) {
        h ^= (unsigned char)k->s[i];
        h *= 0x100000001b3ULL;
    }
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 32;
    return h | 1; /* never {x,0}: {0,0} marks an empty slot */
}

static uint32_t find(const struct pmc_dedupe *d, uint64_t a, uint64_t b,
                     int *found)
{
    uint32_t i = (uint32_t)a & d->mask;
    for (;; i = (i + 1) & d->mask) {
        const uint64_t *s = &d->fp[2 * (size_t)i];
        if (s[0] == 0 && s[1] == 0) {
            *found = 0;
            return i;
        }
        if (s[0] == a && s[1] == b) {
            *found = 1;
            return i;
        }
    }
}

/* remove slot i with backward-shift deletion, fixing the ring entries of
 * the keys that move */
static void erase(struct pmc_dedupe *d, uint32_t i)
{
    uint32_t j = i;
    for (;;) {
        d->fp[2 * (size_t)i] = d->fp[2 * (size_t)i + 1] = 0;
        uint32_t home;
        for (;;) {
            j = (j + 1) & d->mask;
            const uint64_t *s = &d->fp[2 * (size_t)j];
            if (s[0] == 0 && s[1] == 0)
                return;
            home = (uint32_t)s[0] & d->mask;
            if (i <= j ? (home <= i || home > j) : (home <= i && home > j))
                break;
        }
        d->fp[2 * (size_t)i] = d->fp[2 * (size_t)j];
        d->fp[2 * (size_t)i + 1] = d->fp[2 * (size_t)j + 1];
        /* the key moved from j to i: repoint its ring entry */
        d->pos[i] = d->pos[j];
        d->ring[d->pos[i]] = i;
        i = j;
    }
}

int pmc_dedupe_contains(const struct pmc_dedupe *d, const struct pmc_sym *key)
{
    int found;
    (void)find(d, key->h, hash2(key), &found);
    return found;
}

int pmc_dedupe_insert(struct pmc_dedupe *d, const struct pmc_sym *key)
{
    uint64_t a = key->h, b = hash2(key);
    int found;
    uint32_t i = find(d, a, b, &found);
    if (found)
        return 0;
    if (d->n == d->cap) {
        erase(d, d->ring[d->head]);
        d->head = (d->head + 1) % d->cap;
        d->n--;
        i = find(d, a, b, &found);
    }
    d->fp[2 * (size_t)i] = a;
    d->fp[2 * (size_t)i + 1] = b;
    uint32_t r = (d->head + d->n) % d->cap;
    d->ring[r] = i;
    d->pos[i] = r;
    d->n++;
    return 1;
}
