/* tests/unit/test_dedupe.c - the bounded set of seen fill keys
 * (core/dedupe.h): insert/contains, repeats, the generation contract (the
 * last cap keys remembered, nothing older than 2 x cap), and a fixed-seed
 * property test against a plain two-generation array model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/dedupe.h"

struct fixture {
    struct pmc_dedupe d;
    void *mem;
};

static void setup_cap(struct fixture *f, uint32_t cap)
{
    size_t sz = pmc_dedupe_mem_size(cap);
    f->mem = aligned_alloc(16, (sz + 15) & ~(size_t)15);
    assert_non_null(f->mem);
    memset(f->mem, 0xa5, sz); /* init must not rely on zeroed memory */
    pmc_dedupe_init(&f->d, f->mem, cap);
}

static void teardown_cap(struct fixture *f)
{
    free(f->mem);
    f->mem = NULL;
}

static struct pmc_sym key_of(uint64_t i)
{
    char s[96];
    int n = snprintf(s, sizeof s, "0x%016llx%016llx%016llx%016llx:%llu",
                     (unsigned long long)(i * 0x9e3779b97f4a7c15ULL),
                     (unsigned long long)i, (unsigned long long)~i,
                     (unsigned long long)(i ^ 0x5555),
                     (unsigned long long)(i % 97));
    struct pmc_sym y;
    assert_int_equal(pmc_sym_set(&y, s, (size_t)n), PMC_OK);
    return y;
}

static struct pmc_sym sym(const char *s)
{
    struct pmc_sym y;
    assert_int_equal(pmc_sym_set(&y, s, strlen(s)), PMC_OK);
    return y;
}

static void test_insert_contains(void **state)
{
    (void)state;
    struct fixture f;
    setup_cap(&f, 64);
    struct pmc_sym a = sym("0xabc:1"), b = sym("0xabc:2"), c = sym("");
    assert_false(pmc_dedupe_contains(&f.d, &a));
    assert_int_equal(pmc_dedupe_insert(&f.d, &a), 1);
    assert_true(pmc_dedupe_contains(&f.d, &a));
    assert_false(pmc_dedupe_contains(&f.d, &b));
    assert_int_equal(pmc_dedupe_insert(&f.d, &a), 0); /* duplicate */
    assert_int_equal(pmc_dedupe_insert(&f.d, &a), 0);
    assert_int_equal(pmc_dedupe_insert(&f.d, &b), 1);
    assert_int_equal(pmc_dedupe_insert(&f.d, &b), 0);
    /* the empty key is a key like any other */
    assert_false(pmc_dedupe_contains(&f.d, &c));
    assert_int_equal(pmc_dedupe_insert(&f.d, &c), 1);
    assert_int_equal(pmc_dedupe_insert(&f.d, &c), 0);
    assert_int_equal(f.d.n, 3);
    /* keys differing only in case or length are distinct */
    struct pmc_sym A = sym("0xABC:1"), a2 = sym("0xabc:10");
    assert_int_equal(pmc_dedupe_insert(&f.d, &A), 1);
    assert_int_equal(pmc_dedupe_insert(&f.d, &a2), 1);
    assert_int_equal(f.d.n, 5);
    teardown_cap(&f);
}

/* Contract: the last `cap` new keys are always remembered, keys older
 * than the last 2 x cap new keys are always forgotten. */
static void test_evicts_old_generations(void **state)
{
    (void)state;
    for (uint32_t cap = 16; cap <= 20; cap++) {
        struct fixture f;
        setup_cap(&f, cap);
        for (uint32_t i = 0; i < cap; i++) {
            struct pmc_sym k = key_of(i);
            assert_int_equal(pmc_dedupe_insert(&f.d, &k), 1);
        }
        assert_int_equal(f.d.n, cap);
        /* the generation is full: the next key starts a new one, the
         * first cap keys are still remembered (previous generation) */
        struct pmc_sym k = key_of(cap);
        assert_int_equal(pmc_dedupe_insert(&f.d, &k), 1);
        assert_int_equal(f.d.n, 1);
        for (uint32_t i = 0; i <= cap; i++) {
            k = key_of(i);
            assert_true(pmc_dedupe_contains(&f.d, &k));
        }
        /* a repeat from the previous generation is still a duplicate and
         * takes no room */
        k = key_of(0);
        assert_int_equal(pmc_dedupe_insert(&f.d, &k), 0);
        assert_int_equal(f.d.n, 1);
        /* fill the second generation; the next rotation forgets the first */
        for (uint32_t i = cap + 1; i < 2 * cap; i++) {
            k = key_of(i);
            assert_int_equal(pmc_dedupe_insert(&f.d, &k), 1);
        }
        k = key_of(2 * cap);
        assert_int_equal(pmc_dedupe_insert(&f.d, &k), 1);
        for (uint32_t i = 0; i < cap; i++) {
            k = key_of(i);
            assert_false(pmc_dedupe_contains(&f.d, &k));
        }
        for (uint32_t i = cap; i <= 2 * cap; i++) {
            k = key_of(i);
            assert_true(pmc_dedupe_contains(&f.d, &k));
        }
        /* a forgotten key is new again */
        k = key_of(0);
        assert_int_equal(pmc_dedupe_insert(&f.d, &k), 1);
        teardown_cap(&f);
    }
}

static void test_wraps_many_times(void **state)
{
    (void)state;
    struct fixture f;
    const uint32_t cap = 16;
    setup_cap(&f, cap);
    for (uint64_t i = 0; i < 10000; i++) {
        struct pmc_sym k = key_of(i);
        assert_int_equal(pmc_dedupe_insert(&f.d, &k), 1);
        /* the last `cap` keys are remembered ... */
        for (uint64_t j = i + 1 >= cap ? i + 1 - cap : 0; j <= i; j++) {
            struct pmc_sym k2 = key_of(j);
            assert_true(pmc_dedupe_contains(&f.d, &k2));
        }
        /* ... and nothing older than the last 2 x cap */
        if (i >= 2 * cap) {
            struct pmc_sym old = key_of(i - 2 * cap);
            assert_false(pmc_dedupe_contains(&f.d, &old));
        }
    }
    teardown_cap(&f);
}

/* splitmix64 */
static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Model: two plain arrays of key ids, the current and the previous
 * generation, rotated when the current one holds `cap` ids. */
struct model {
    uint64_t *cur, *old;
    uint32_t cap, ncur, nold;
};

static int in(const uint64_t *a, uint32_t n, uint64_t id)
{
    for (uint32_t i = 0; i < n; i++)
        if (a[i] == id)
            return 1;
    return 0;
}

static int model_has(const struct model *m, uint64_t id)
{
    return in(m->cur, m->ncur, id) || in(m->old, m->nold, id);
}

static int model_insert(struct model *m, uint64_t id)
{
    if (model_has(m, id))
        return 0;
    if (m->ncur == m->cap) {
        uint64_t *t = m->old;
        m->old = m->cur;
        m->nold = m->ncur;
        m->cur = t;
        m->ncur = 0;
    }
    m->cur[m->ncur++] = id;
    return 1;
}

static void run_property(uint32_t cap, uint64_t universe, int ops,
                         uint64_t seed)
{
    struct fixture f;
    setup_cap(&f, cap);
    struct model m = {calloc(cap, sizeof(uint64_t)),
                      calloc(cap, sizeof(uint64_t)), cap, 0, 0};
    assert_non_null(m.cur);
    assert_non_null(m.old);
    for (int op = 0; op < ops; op++) {
        uint64_t id = rng_next(&seed) % universe;
        struct pmc_sym k = key_of(id);
        if (rng_next(&seed) % 4 == 0) {
            int got = pmc_dedupe_contains(&f.d, &k);
            if (got != model_has(&m, id))
                fail_msg("cap %u op %d: contains(%llu) = %d", cap, op,
                         (unsigned long long)id, got);
        } else {
            int want = model_insert(&m, id);
            int got = pmc_dedupe_insert(&f.d, &k);
            if (got != want)
                fail_msg("cap %u op %d: insert(%llu) = %d, want %d", cap, op,
                         (unsigned long long)id, got, want);
        }
        assert_int_equal(f.d.n, m.ncur);
    }
    /* full sweep of the universe at the end */
    for (uint64_t id = 0; id < universe; id++) {
        struct pmc_sym k = key_of(id);
        assert_int_equal(pmc_dedupe_contains(&f.d, &k), model_has(&m, id));
    }
    free(m.cur);
    free(m.old);
    teardown_cap(&f);
}

static void test_property_vs_model(void **state)
{
    (void)state;
    /* small caps with a universe a few times larger rotate generations
     * often */
    run_property(16, 40, 20000, 1);
    run_property(17, 60, 20000, 2);
    run_property(31, 100, 20000, 3);
    run_property(64, 128, 20000, 4);
    run_property(100, 1000, 20000, 5);
    run_property(1000, 1500, 30000, 6);
}

/* Keys engineered to collide on the home slot: the set must still keep
 * them apart across probe chains and generations. */
static void test_same_home_slot(void **state)
{
    (void)state;
    struct fixture f;
    const uint32_t cap = 16; /* 32 slots a generation */
    setup_cap(&f, cap);
    struct pmc_sym same[40];
    uint32_t ns = 0;
    for (uint64_t i = 0; ns < 40 && i < 200000; i++) {
        struct pmc_sym k = key_of(i);
        if ((k.h & f.d.mask) == 3)
            same[ns++] = k;
    }
    assert_int_equal(ns, 40);
    for (uint32_t i = 0; i < ns; i++) {
        assert_int_equal(pmc_dedupe_insert(&f.d, &same[i]), 1);
        /* generations rotate every cap inserts */
        uint32_t gen_start = i / cap * cap;
        uint32_t lo = gen_start >= cap ? gen_start - cap : 0;
        for (uint32_t j = 0; j <= i; j++)
            assert_int_equal(pmc_dedupe_contains(&f.d, &same[j]), j >= lo);
    }
    teardown_cap(&f);
}

/* Keys past their home's window: 10 keys of home 5 fill slots 5..14, so a
 * key of home 7 (window 7..10 full) goes to slot 15. An insert walks a
 * chain past the window only when the home's `over` bit says a key lies
 * there: in the current generation and, after a turn, in the older one,
 * each is a duplicate again; a new key of home 8, whose window in the older
 * generation is full but whose bit is clear, is new (no walk), and a
 * duplicate once inserted. */
static void test_past_window_after_turn(void **state)
{
    (void)state;
    struct fixture f;
    const uint32_t cap = 16; /* 32 slots a generation */
    setup_cap(&f, cap);
    struct pmc_sym same[10], k7 = {0}, k8 = {0};
    uint32_t ns = 0, n7 = 0, n8 = 0;
    for (uint64_t i = 0; (ns < 10 || !n7 || !n8) && i < 400000; i++) {
        struct pmc_sym k = key_of(3000000 + i);
        uint32_t home = (uint32_t)k.h & f.d.mask;
        if (home == 5 && ns < 10)
            same[ns++] = k;
        else if (home == 7 && !n7) {
            k7 = k;
            n7 = 1;
        } else if (home == 8 && !n8) {
            k8 = k;
            n8 = 1;
        }
    }
    assert_int_equal(ns + n7 + n8, 12);
    for (uint32_t i = 0; i < ns; i++)
        assert_int_equal(pmc_dedupe_insert(&f.d, &same[i]), 1);
    assert_int_equal(pmc_dedupe_insert(&f.d, &k7), 1); /* to slot 15 */
    for (uint32_t i = 0; i < ns; i++) /* slots 9..14: past the window */
        assert_int_equal(pmc_dedupe_insert(&f.d, &same[i]), 0);
    assert_int_equal(pmc_dedupe_insert(&f.d, &k7), 0);
    /* the rest of the generation, with no key of homes 3..15 */
    uint32_t filled = ns + 1;
    for (uint64_t i = 0; filled < cap; i++) {
        struct pmc_sym k = key_of(4000000 + i);
        uint32_t home = (uint32_t)k.h & f.d.mask;
        if (home >= 3 && home <= 15)
            continue;
        assert_int_equal(pmc_dedupe_insert(&f.d, &k), 1);
        filled++;
    }
    assert_int_equal(pmc_dedupe_insert(&f.d, &k8), 1); /* turns */
    assert_int_equal(f.d.n, 1);
    for (uint32_t i = 0; i < ns; i++) /* from the older generation */
        assert_int_equal(pmc_dedupe_insert(&f.d, &same[i]), 0);
    assert_int_equal(pmc_dedupe_insert(&f.d, &k7), 0);
    assert_int_equal(pmc_dedupe_insert(&f.d, &k8), 0);
    assert_int_equal(f.d.n, 1);
    /* home 9: the older generation's window 9..12 is full, its bit clear */
    struct pmc_sym k9 = {0};
    for (uint64_t i = 0; i < 400000; i++) {
        k9 = key_of(5000000 + i);
        if (((uint32_t)k9.h & f.d.mask) == 9)
            break;
    }
    assert_int_equal((uint32_t)k9.h & f.d.mask, 9);
    assert_int_equal(pmc_dedupe_insert(&f.d, &k9), 1);
    assert_int_equal(pmc_dedupe_insert(&f.d, &k9), 0);
    assert_int_equal(f.d.n, 2);
    teardown_cap(&f);
}

/* The insert looks at the 4 slot pairs from a key's home at once and walks
 * the chains only past them: chains that wrap past the table's end, keys
 * whose home is among the last 3 slots, and keys of a home slot the
 * wrapped chain already fills, each found again and only once. */
static void test_window_edges(void **state)
{
    (void)state;
    struct fixture f;
    const uint32_t cap = 16; /* 32 slots a generation */
    setup_cap(&f, cap);
    uint32_t m = f.d.mask;
    struct pmc_sym end[8], zero[4];
    uint32_t ne = 0, nz = 0;
    for (uint64_t i = 0; (ne < 8 || nz < 4) && i < 400000; i++) {
        struct pmc_sym k = key_of(i);
        uint32_t home = (uint32_t)k.h & m;
        if (home >= m - 2 && ne < 8)
            end[ne++] = k;
        else if (home == 0 && nz < 4)
            zero[nz++] = k;
    }
    assert_int_equal(ne, 8);
    assert_int_equal(nz, 4);
    for (uint32_t i = 0; i < ne; i++) { /* the chain wraps to slots 0.. */
        assert_int_equal(pmc_dedupe_insert(&f.d, &end[i]), 1);
        for (uint32_t j = 0; j <= i; j++)
            assert_int_equal(pmc_dedupe_insert(&f.d, &end[j]), 0);
    }
    for (uint32_t i = 0; i < nz; i++) {
        assert_int_equal(pmc_dedupe_insert(&f.d, &zero[i]), 1);
        assert_int_equal(pmc_dedupe_insert(&f.d, &zero[i]), 0);
    }
    for (uint32_t i = 0; i < ne; i++)
        assert_true(pmc_dedupe_contains(&f.d, &end[i]));
    for (uint32_t i = 0; i < nz; i++)
        assert_true(pmc_dedupe_contains(&f.d, &zero[i]));
    assert_int_equal(f.d.n, ne + nz);
    /* the next generation: every key is still seen, from the old one */
    for (uint32_t i = 0; i < cap - ne - nz; i++) {
        struct pmc_sym k = key_of(1000000 + i);
        assert_int_equal(pmc_dedupe_insert(&f.d, &k), 1);
    }
    struct pmc_sym k = key_of(2000000);
    assert_int_equal(pmc_dedupe_insert(&f.d, &k), 1); /* turns */
    assert_int_equal(f.d.n, 1);
    for (uint32_t i = 0; i < ne; i++)
        assert_int_equal(pmc_dedupe_insert(&f.d, &end[i]), 0);
    for (uint32_t i = 0; i < nz; i++)
        assert_int_equal(pmc_dedupe_insert(&f.d, &zero[i]), 0);
    assert_int_equal(f.d.n, 1);
    teardown_cap(&f);
}

/* A symbol's two hashes are pmc_hash64 and the same family under the
 * second seed, for every length a symbol holds (each way through the word
 * loop and the tail), and stay the values they were: client order ids and
 * table layouts are made from them. */
static void test_sym_hashes(void **state)
{
    (void)state;
    char buf[PMC_SYM_MAX + 1];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (char)('0' + (i * 7 + 3) % 75);
    for (size_t n = 0; n <= PMC_SYM_MAX; n++) {
        struct pmc_sym y;
        assert_int_equal(pmc_sym_set(&y, buf, n), PMC_OK);
        assert_true(y.h == pmc_hash64(buf, n));
        assert_true(y.h2 == pmc_hash64_seed(buf, n, 0x13198a2e03707344ULL));
    }
    /* the client order id's hash of (h, h2, seq) as 24 bytes */
    for (uint64_t k = 0; k < 1000; k++) {
        uint64_t w[3] = {k * 0x9e3779b97f4a7c15ULL, ~k * 0xbf58476d1ce4e5b9ULL,
                         k};
        unsigned char b[24];
        for (int i = 0; i < 24; i++)
            b[i] = (unsigned char)(w[i / 8] >> (8 * (i % 8)));
        assert_true(pmc_hash64_words3(w[0], w[1], w[2]) ==
                    pmc_hash64(b, sizeof b));
    }
    static const struct {
        const char *s;
        uint64_t h, h2;
    } pin[] = {
        {"0x6af3a1b2c3d4e5f60718293a4b5c6d7e8f901234", 0xe5f2e197454ad38cULL,
         0x241b54938f8f068aULL},
        {"5211431950124591551605510604688420996992612748282795467444384642781"
         "3813222179",
         0xb7ec50d793aadb3fULL, 0x035e5c5c0cd3c8acULL},
        {"", 0x7acdbb98b1344213ULL, 0x72dee428a469f6fdULL},
    };
    for (size_t i = 0; i < sizeof pin / sizeof pin[0]; i++) {
        struct pmc_sym y;
        assert_int_equal(pmc_sym_set(&y, pin[i].s, strlen(pin[i].s)), PMC_OK);
        assert_true(y.h == pin[i].h && y.h2 == pin[i].h2);
    }
}

/* pmc_bytes_eq at every length a symbol holds and at every offset: equal
 * bytes are equal, one byte changed anywhere (each bit) is not, and what
 * lies past n is not looked at. */
static void test_bytes_eq(void **state)
{
    (void)state;
    char a[PMC_SYM_MAX + 8], b[PMC_SYM_MAX + 8];
    for (size_t off = 0; off < 3; off++)
        for (size_t n = 0; n <= PMC_SYM_MAX; n++) {
            for (size_t i = 0; i < sizeof a; i++)
                a[i] = b[i] = (char)(i * 37 + 11);
            b[off + n] = (char)~b[off + n]; /* past the end */
            assert_true(pmc_bytes_eq(a + off, b + off, n));
            for (size_t i = 0; i < n; i++)
                for (int bit = 0; bit < 8; bit++) {
                    b[off + i] = (char)(b[off + i] ^ (1 << bit));
                    assert_false(pmc_bytes_eq(a + off, b + off, n));
                    b[off + i] = a[off + i];
                }
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_insert_contains),
        cmocka_unit_test(test_evicts_old_generations),
        cmocka_unit_test(test_wraps_many_times),
        cmocka_unit_test(test_property_vs_model),
        cmocka_unit_test(test_same_home_slot),
        cmocka_unit_test(test_window_edges),
        cmocka_unit_test(test_past_window_after_turn),
        cmocka_unit_test(test_sym_hashes),
        cmocka_unit_test(test_bytes_eq),
    };
    return cmocka_run_group_tests_name("dedupe", tests, NULL, NULL);
}
