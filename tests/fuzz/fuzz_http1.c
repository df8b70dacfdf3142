/* tests/fuzz/fuzz_http1.c - fuzz target for the HTTP/1.1 answer reader
 * (live/exec/http1.h). The first input byte picks a piece size (1..16), the
 * second the body buffer's size (1..300); the rest is the answer, fed in
 * pieces of that size and then whole to a second reader. Any bytes in: no
 * crash, the body stays inside its buffer and NUL-terminated, the counts
 * add up, a finished answer has a real status, an error says why, and how
 * the bytes were split changes nothing. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "live/exec/http1.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct run {
    enum pmc_err err;
    int done;
    size_t used; /* bytes of the input taken by the answer */
};

static void check_body(const struct pmc_http1_resp *p, const char *body,
                       size_t cap)
{
    if (p->body != body || p->body_cap != cap)
        abort();
    if (p->body_len >= cap || body[p->body_len] != '\0')
        abort();
}

static void check_end(const struct pmc_http1_resp *p, const struct run *r)
{
    if (r->err == PMC_EPARSE) {
        if (p->why[0] == '\0' || r->done)
            abort();
        return;
    }
    if (r->err != PMC_OK)
        abort();
    if (r->done) {
        if (p->status < 100 || p->status > 599 || p->status == 101)
            abort();
        if (p->status < 200) /* 1xx answers are interim, never final */
            abort();
        if (p->keep_alive != 0 && p->keep_alive != 1)
            abort();
    }
}

/* Feed d[0..n) in pieces of `step`, stop at an error or at the end of the
 * answer, then report the close when not done. */
static void feed(struct pmc_http1_resp *p, const char *d, size_t n, size_t step,
                 struct run *r)
{
    r->err = PMC_OK;
    r->done = 0;
    r->used = 0;
    size_t at = 0, fed = 0;
    while (at < n && !r->done) {
        size_t k = n - at < step ? n - at : step;
        size_t used = (size_t)-1;
        int done = -1;
        r->err = pmc_http1_resp_feed(p, d + at, k, &used, &done);
        fed += k;
        check_body(p, p->body, p->body_cap);
        if (pmc_http1_resp_received(p) > fed)
            abort();
        if (r->err != PMC_OK)
            break;
        if (used > k || (done != 0 && done != 1))
            abort();
        /* until the answer ends every byte belongs to it */
        if (!done && used != k)
            abort();
        r->used += used;
        r->done = done;
        at += k;
        if (pmc_http1_resp_received(p) != r->used)
            abort();
    }
    if (r->err == PMC_OK && !r->done) {
        int done = -1;
        r->err = pmc_http1_resp_eof(p, &done);
        if (done != 0 && done != 1)
            abort();
        r->done = done;
        if (r->err == PMC_OK && (!done || p->keep_alive != 0))
            abort();
        if (r->err != PMC_OK &&
            (pmc_http1_resp_received(p) == 0) !=
                (strcmp(p->why, "closed before the answer") == 0))
            abort();
    }
    check_body(p, p->body, p->body_cap);
    check_end(p, r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t step = 1 + data[0] % 16;
    size_t cap = 1 + data[1] % 300;
    const char *d = (const char *)data + 2;
    size_t n = size - 2;

    /* heap buffers of exactly cap bytes so that ASan sees any overrun */
    char *b1 = malloc(cap), *b2 = malloc(cap);
    struct pmc_http1_resp *p1 = malloc(sizeof *p1);
    struct pmc_http1_resp *p2 = malloc(sizeof *p2);
    if (!b1 || !b2 || !p1 || !p2)
        abort();

    struct run r1, r2;
    pmc_http1_resp_init(p1, b1, cap);
    if (pmc_http1_resp_received(p1) != 0 || b1[0] != '\0')
        abort();
    feed(p1, d, n, step, &r1);
    pmc_http1_resp_init(p2, b2, cap);
    feed(p2, d, n, n ? n : 1, &r2);

    /* the split changes nothing */
    if (r1.err != r2.err || r1.done != r2.done)
        abort();
    if (r1.err == PMC_OK && r1.done) {
        if (r1.used != r2.used || p1->status != p2->status ||
            p1->keep_alive != p2->keep_alive || p1->body_len != p2->body_len ||
            p1->body_over != p2->body_over ||
            memcmp(b1, b2, p1->body_len) != 0 ||
            p1->rl_remaining != p2->rl_remaining ||
            p1->rl_reset_s != p2->rl_reset_s ||
            p1->retry_after_s != p2->retry_after_s)
            abort();
        if (pmc_http1_resp_received(p1) != pmc_http1_resp_received(p2))
            abort();
    }

    free(p2);
    free(p1);
    free(b2);
    free(b1);
    return 0;
}
