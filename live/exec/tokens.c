/* live/exec/tokens.c - the token metadata an order waits for in phase
 * META (order_fsm.c): the tick size (GET /tick-size, or the market channel
 * through pmc_clob_tick_changed) and the neg-risk flag (GET /neg-risk, not
 * needed for ExchangeV3 tokens), cached per token for the executor's life.
 *
 * Decides when a token's metadata is fetched again (back-off doubling from
 * retry_backoff_ms, at most max_retries failures), and wakes the orders
 * waiting on it: signed and sent once it is complete, rejected with the
 * reason when it cannot be had. Never writes a request itself
 * (transport.c), never decodes bytes (proto/wire/clob_rest.h). */
#include <stdio.h>
#include <string.h>

#include "live/exec/clob_int.h"
#include "proto/wire/clob_rest.h"

static uint32_t find_token(struct pmc_clob *x, const struct pmc_sym *t)
{
    for (uint32_t i = 0; i < x->ntoks; i++)
        if (pmc_sym_eq(&x->toks[i].sym, t))
            return i;
    return NONE;
}

uint32_t pmc__tok_get(struct pmc_clob *x, const struct pmc_sym *t)
{
    uint32_t i = find_token(x, t);
    if (i != NONE)
        return i;
    if (x->ntoks >= x->cfg.max_tokens)
        return NONE;
    i = x->ntoks++;
    struct token *k = &x->toks[i];
    memset(k, 0, sizeof *k);
    k->sym = *t;
    k->negrisk = -1;
    k->v3 = -1;
    return i;
}

int pmc__tok_ready(const struct pmc_clob *x, const struct token *t)
{
    return t->has_tick && (t->negrisk >= 0 || pmc__tok_v3(x, t));
}

/* Every order waiting on token ti: sign and send (or fail them all). */
void pmc__tok_wake(struct pmc_clob *x, uint32_t ti, const char *fail)
{
    int woke = 0;
    for (uint32_t i = 0; i < x->cfg.max_orders && x->nused; i++) {
        struct order *o = &x->orders[i];
        if (!o->used || o->phase != P_META || o->tok != ti)
            continue;
        if (fail)
            pmc__reject(x, o, "%s", fail);
        else if (pmc__prepare(x, o)) /* SEND, due now */
            woke = 1;
    }
    if (woke) /* posted together (while held: at the release) */
        pmc__fsm_service(x);
}

/* Start the metadata request of token ti (is_tick: the tick size). */
static void start_meta(struct pmc_clob *x, uint32_t ti, int is_tick)
{
    struct token *t = &x->toks[ti];
    pmc_ms w = 0;
    enum pmc_err e = pmc__tx_meta(x, ti, is_tick, &w);
    if (e == PMC_EFULL)
        return; /* every metadata request busy: a later pass */
    if (e != PMC_OK) {
        t->next_at = x->now + x->cfg.retry_backoff_ms;
        return;
    }
    if (w > 0) {
        t->next_at = x->now + w;
        return;
    }
    if (is_tick)
        t->fetch_tick = 1;
    else
        t->fetch_neg = 1;
}

void pmc__tok_service(struct pmc_clob *x)
{
    pmc_ms now = x->now;
    for (uint32_t i = 0; i < x->ntoks; i++) {
        struct token *t = &x->toks[i];
        if (t->next_at > now)
            continue;
        if (t->want_tick && !t->fetch_tick)
            start_meta(x, i, 1);
        if (t->want_neg && !t->fetch_neg && t->next_at <= now)
            start_meta(x, i, 0);
    }
}

void pmc__tok_meta_done(struct pmc_clob *x, uint32_t ti, int is_tick,
                        struct req *r, const struct pmc__done *d)
{
    struct token *t = &x->toks[ti];
    long status = d->status;
    if (is_tick)
        t->fetch_tick = 0;
    else
        t->fetch_neg = 0;
    pmc__count(x, status);
    int transient = !status || status >= 500 || status == 429;
    pmc_breaker_result(&x->br, !transient, x->now);
    char fail[300] = "";
    struct pmc_wire_err werr;
    if (transient) {
        if (++t->fails > x->cfg.max_retries)
            snprintf(fail, sizeof fail, "%s unavailable: %s",
                     is_tick ? "tick-size" : "neg-risk",
                     !status ? d->why : "5xx/429");
        else
            t->next_at = x->now + (x->cfg.retry_backoff_ms << (t->fails - 1));
    } else if (status != 200) {
        char msg[120];
        pmc__answer_msg(r, msg, sizeof msg);
        snprintf(fail, sizeof fail, "%s %ld: %s",
                 is_tick ? "tick-size" : "neg-risk", status, msg);
    } else if (is_tick) {
        struct pmc_tick tk;
        if (!pmc__answer_cut(r, &werr) &&
            pmc_clob_rest_tick(r->resp, r->resp_len, &tk, &werr) == PMC_OK) {
            t->tick = tk;
            t->has_tick = 1;
            t->want_tick = 0;
            t->fails = 0;
        } else {
            snprintf(fail, sizeof fail, "tick-size: unreadable answer: %s",
                     werr.msg);
        }
    } else {
        int nr = 0;
        if (!pmc__answer_cut(r, &werr) &&
            pmc_clob_rest_negrisk(r->resp, r->resp_len, &nr, &werr) == PMC_OK) {
            t->negrisk = nr;
            t->want_neg = 0;
            t->fails = 0;
        } else {
            snprintf(fail, sizeof fail, "neg-risk: unreadable answer: %s",
                     werr.msg);
        }
    }
    r->kind = R_NONE;
    if (fail[0]) {
        t->want_tick = t->want_neg = 0;
        t->fails = 0;
        pmc__note(x, "token %.24s...: %s", t->sym.s, fail);
        pmc__tok_wake(x, ti, fail);
        if (!t->has_tick)
            t->want_tick = 0;
        return;
    }
    if (pmc__tok_ready(x, t))
        pmc__tok_wake(x, ti, NULL);
}
