/* tests/unit/wire_collect.h - helpers shared by the wire decoder tests: a
 * sink that keeps every record, and a reader for the real recordings in
 * $PMC_DATA (read in place; a missing folder fails the test loudly). */
#ifndef PMC_TEST_WIRE_COLLECT_H
#define PMC_TEST_WIRE_COLLECT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* cmocka needs the headers above first */
#include <cmocka.h>

#include "core/dec.h"
#include "proto/wire/wire.h"

struct collected {
    struct pmc_record *r;
    struct pmc_wire_extra *x;
    char (*slug)[64];
    size_t n, cap;
};

static __attribute__((unused)) enum pmc_err
collect_emit(void *ctx, const struct pmc_record *rec,
             const struct pmc_wire_extra *x)
{
    struct collected *c = ctx;
    if (c->n == c->cap) {
        size_t nc = c->cap ? 2 * c->cap : 64;
        c->r = realloc(c->r, nc * sizeof *c->r);
        c->x = realloc(c->x, nc * sizeof *c->x);
        c->slug = realloc(c->slug, nc * sizeof *c->slug);
        assert_non_null(c->r);
        assert_non_null(c->x);
        assert_non_null(c->slug);
        c->cap = nc;
    }
    c->r[c->n] = *rec;
    c->x[c->n] = *x;
    size_t sl = x->slug && x->slug_len < 63 ? x->slug_len : 0;
    if (sl)
        memcpy(c->slug[c->n], x->slug, sl);
    c->slug[c->n][sl] = '\0';
    c->x[c->n].slug = NULL;
    c->x[c->n].market = NULL;
    c->n++;
    return PMC_OK;
}

static __attribute__((unused)) void collect_init(struct collected *c,
                                                 struct pmc_wire_sink *s)
{
    memset(c, 0, sizeof *c);
    memset(s, 0, sizeof *s);
    s->emit = collect_emit;
    s->ctx = c;
}

static __attribute__((unused)) void collect_free(struct collected *c)
{
    free(c->r);
    free(c->x);
    free(c->slug);
    memset(c, 0, sizeof *c);
}

static __attribute__((unused)) pmc_micros dec(const char *s)
{
    pmc_micros v = 0;
    assert_int_equal(pmc_dec_parse(s, strlen(s), &v), PMC_OK);
    return v;
}

/* Path of a file under $PMC_DATA; fails the test when the data is absent. */
static __attribute__((unused)) const char *data_path(const char *rel)
{
    static char buf[1024];
    const char *d = getenv("PMC_DATA");
    if (!d || !*d)
        fail_msg("PMC_DATA is not set: the real recordings "
                 "(../shared/data) are required for this test");
    snprintf(buf, sizeof buf, "%s/%s", d, rel);
    FILE *f = fopen(buf, "rb");
    if (!f)
        fail_msg("missing test data %s (PMC_DATA=%s): the real recordings "
                 "are required for this test",
                 buf, d);
    fclose(f);
    return buf;
}

/* Whole file (gzip or plain) into a malloc'd NUL-terminated buffer. */
static __attribute__((unused)) char *slurp(const char *path, size_t *n)
{
    gzFile g = gzopen(path, "rb");
    if (!g)
        fail_msg("cannot open %s", path);
    size_t cap = 1 << 20, len = 0;
    char *b = malloc(cap + 1);
    int r;
    assert_non_null(b);
    while ((r = gzread(g, b + len, (unsigned)(cap - len))) > 0) {
        len += (size_t)r;
        if (len == cap) {
            cap *= 2;
            b = realloc(b, cap + 1);
            assert_non_null(b);
        }
    }
    gzclose(g);
    assert_true(r == 0);
    b[len] = '\0';
    *n = len;
    return b;
}

#endif
