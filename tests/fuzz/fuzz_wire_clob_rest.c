/* tests/fuzz/fuzz_wire_clob_rest.c - fuzz target for the CLOB REST answer
 * decoder (proto/wire/clob_rest.h): every decoder on the same bytes. Any
 * input: no crash, no leak, no read past the input (it is copied into a
 * buffer of exactly its size), every failure names its cause, and what a
 * success returns keeps its documented ranges. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/wire/clob_rest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(enum pmc_err e, struct pmc_wire_err *err)
{
    if (e >= PMC_E_COUNT || (e != PMC_OK && err->msg[0] == '\0')) {
        fprintf(stderr, "error %d without a message\n", (int)e);
        abort();
    }
    memset(err, 0, sizeof *err);
}

static void check_text(const char *s, size_t cap)
{
    size_t n = strnlen(s, cap);
    if (n >= cap)
        abort();
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
            abort();
}

static void check_amount(const struct pmc_clob_amount *a)
{
    if (a->ok ? (a->human < 0 || a->base < -1) : (a->human || a->base != -1))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    struct pmc_wire_err err;
    memset(&err, 0, sizeof err);

    char msg[PMC_CLOB_MSG_MAX];
    pmc_clob_rest_msg(buf, size, msg, sizeof msg);
    check_text(msg, sizeof msg);

    struct pmc_clob_post_ans pa;
    enum pmc_err e = pmc_clob_rest_post(buf, size, &pa, &err);
    check(e, &err);
    check_text(pa.msg, sizeof pa.msg);
    if (e != PMC_OK && pa.accepted)
        abort();
    if (strnlen(pa.status_text, sizeof pa.status_text) >= sizeof pa.status_text)
        abort();
    check_amount(&pa.making);
    check_amount(&pa.taking);

    struct pmc_clob_post_ans pb[4];
    enum pmc_err pe[4];
    size_t pn = 0;
    e = pmc_clob_rest_post_batch(buf, size, pb, pe, 4, &pn, &err);
    check(e, &err);
    for (size_t i = 0; i < pn && i < 4; i++) {
        check_text(pb[i].msg, sizeof pb[i].msg);
        if (pe[i] != PMC_OK && pb[i].accepted)
            abort();
        check_amount(&pb[i].making);
        check_amount(&pb[i].taking);
    }

    struct pmc_clob_order_ans oa;
    e = pmc_clob_rest_order(buf, size, &oa, &err);
    check(e, &err);
    if (oa.found &&
        (e != PMC_OK || oa.size_matched < 0 || oa.original_size < -1 ||
         (oa.price != -1 && (oa.price <= 0 || oa.price >= PMC_MICRO))))
        abort();

    struct pmc_clob_cancel_ans ca;
    e = pmc_clob_rest_cancel(buf, size, "0xab", &ca, &err);
    check(e, &err);
    check_text(ca.why, sizeof ca.why);

    struct pmc_tick t;
    e = pmc_clob_rest_tick(buf, size, &t, &err);
    check(e, &err);
    if (e == PMC_OK &&
        (pmc_tick_micros(t) <= 0 || pmc_tick_micros(t) >= PMC_MICRO))
        abort();

    int nr = -1;
    e = pmc_clob_rest_negrisk(buf, size, &nr, &err);
    check(e, &err);
    if (e == PMC_OK && nr != 0 && nr != 1)
        abort();
    struct pmc_api_creds cr;
    e = pmc_clob_rest_api_key(buf, size, &cr, &err);
    check(e, &err);
    if (e != PMC_OK) {
        static const struct pmc_api_creds zero;
        if (memcmp(&cr, &zero, sizeof cr) != 0)
            abort(); /* a refused answer leaves nothing behind */
    } else if (!cr.key[0] || !cr.secret[0] || !cr.passphrase[0]) {
        abort();
    }
    free(buf);
    return 0;
}
