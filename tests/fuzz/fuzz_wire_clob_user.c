/* tests/fuzz/fuzz_wire_clob_user.c - fuzz target for the CLOB user channel
 * decoder (proto/wire/clob_user.h): the frame and the GET /data/trades
 * readers on the same bytes. Any input: no crash, no leak, no read past
 * the input (copied into a buffer of exactly its size), every failure
 * names its cause, and every order and leg given keeps its documented
 * ranges. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/wire/clob_user.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(enum pmc_err e, struct pmc_wire_err *err)
{
    if (e >= PMC_E_COUNT || (e != PMC_OK && err->msg[0] == '\0')) {
        fprintf(stderr, "error %d without a message\n", (int)e);
        abort();
    }
    memset(err, 0, sizeof *err);
}

static enum pmc_err on_order(void *ctx, const struct pmc_user_order *o)
{
    (void)ctx;
    if (o->id.n == 0 || o->size_matched < -1 || o->original_size < -1 ||
        (o->price != -1 && (o->price < 0 || o->price >= PMC_MICRO)) ||
        strnlen(o->status_text, sizeof o->status_text) >= sizeof o->status_text)
        abort();
    return PMC_OK;
}

static enum pmc_err on_leg(void *ctx, const struct pmc_user_leg *l)
{
    (void)ctx;
    if (l->trade_id.n == 0 || l->order_id.n == 0 || l->shares <= 0 ||
        l->price < 0 || l->price >= PMC_MICRO || l->status == PMC_TRADE_NONE ||
        l->status >= PMC_TRADE_STATUS_COUNT || l->match_time < 0 || l->t < 0)
        abort();
    return PMC_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    struct pmc_wire_err err;
    memset(&err, 0, sizeof err);
    struct pmc_user_sink sink;
    memset(&sink, 0, sizeof sink);
    sink.order = on_order;
    sink.leg = on_leg;
    check(pmc_clob_user_frame(buf, size, &sink, &err), &err);
    char cur[64];
    check(pmc_clob_user_trades(buf, size, &sink, cur, sizeof cur, &err), &err);
    if (strnlen(cur, sizeof cur) >= sizeof cur)
        abort();
    free(buf);
    return 0;
}
