/* live/store/lifecycle.c - the order lifecycle the store enforces, and
 * the in-memory index of known orders (client order id -> status).
 *
 * Transitions (pmc_order_status_can; the producer's calls check them
 * against the index before queueing anything, so an illegal one is
 * refused with PMC_ESTATE and nothing is written):
 *
 *   from \ to   submitted acked matched confirmed failed rejected cancelled
 *   (new)        order_new   -       -        -         -       -        -
 *   submitted       -      update  update/fill  -     update  update   update
 *   acked           -      update  update/fill  -     update    -      update
 *   matched         -        -     update/fill update update    -        -
 *   confirmed, failed, rejected, cancelled: terminal (no transition)
 *
 *   order_new  pmc_store_order_new: the row in `submitted` (orders.c)
 *   update     pmc_store_order_update; acked sets ts_acked, a terminal
 *              status ts_done; the first matched counts a success per
 *              source trader, rejected/failed a failure
 *   fill       pmc_store_fill moves submitted/acked to matched first
 *
 * Repeating acked or matched is accepted (venues repeat reports). The
 * cancel of a FAK remainder after a match leaves the order matched (the
 * live loop does not send that update). A crash loses no status change
 * that was committed; the index is rebuilt from the orders table at open.
 *
 * Decides: the legal transitions, status names.
 * Never: writes to the database, or lets the index lose an entry (it
 * grows; an allocation failure is an error before anything is queued). */
#include <stdlib.h>
#include <string.h>

#include "live/store/store_int.h"

static const char *const status_names[] = {
#define PMC_OS_NAME(name, text) text,
    PMC_ORDER_STATUS_LIST(PMC_OS_NAME)
#undef PMC_OS_NAME
};

const char *pmc_order_status_name(enum pmc_order_status s)
{
    return (unsigned)s < PMC_OS_COUNT ? status_names[s] : "?";
}

int pmc_order_status_lookup(const char *s, size_t n)
{
    for (int i = 0; i < PMC_OS_COUNT; i++)
        if (strlen(status_names[i]) == n && !memcmp(status_names[i], s, n))
            return i;
    return -1;
}

int pmc_order_status_terminal(enum pmc_order_status s)
{
    return s == PMC_OS_CONFIRMED || s == PMC_OS_FAILED ||
           s == PMC_OS_REJECTED || s == PMC_OS_CANCELLED;
}

int pmc_order_status_can(enum pmc_order_status from, enum pmc_order_status to)
{
    if ((unsigned)to >= PMC_OS_COUNT)
        return 0;
    switch (from) {
    case PMC_OS_SUBMITTED:
        return to != PMC_OS_SUBMITTED && to != PMC_OS_CONFIRMED;
    case PMC_OS_ACKED:
        return to == PMC_OS_ACKED || to == PMC_OS_MATCHED ||
               to == PMC_OS_CANCELLED || to == PMC_OS_FAILED;
    case PMC_OS_MATCHED:
        return to == PMC_OS_MATCHED || to == PMC_OS_CONFIRMED ||
               to == PMC_OS_FAILED;
    default:
        return 0;
    }
}

struct oslot *ord_find(const struct pmc_store *s, const char *coid, size_t n)
{
    if (!s->ocap)
        return NULL;
    uint64_t h = pmc_hash64(coid, n);
    for (size_t i = (size_t)h & (s->ocap - 1);; i = (i + 1) & (s->ocap - 1)) {
        struct oslot *o = &s->ord[i];
        if (!o->used)
            return NULL;
        if (o->h == h && strlen(o->coid) == n && !memcmp(o->coid, coid, n))
            return o;
    }
}

enum pmc_err ord_add(struct pmc_store *s, const char *coid, size_t n,
                     int status, int matched)
{
    if (n > PMC_SYM_MAX)
        return PMC_ERANGE;
    if ((s->ocount + 1) * 2 > s->ocap) {
        size_t nc = s->ocap ? s->ocap * 2 : 1024;
        struct oslot *no = store_calloc(nc, sizeof *no);
        if (!no)
            return PMC_ENOMEM;
        for (size_t i = 0; i < s->ocap; i++) {
            if (!s->ord[i].used)
                continue;
            size_t j = (size_t)s->ord[i].h & (nc - 1);
            while (no[j].used)
                j = (j + 1) & (nc - 1);
            no[j] = s->ord[i];
        }
        free(s->ord);
        s->ord = no;
        s->ocap = nc;
    }
    uint64_t h = pmc_hash64(coid, n);
    size_t i = (size_t)h & (s->ocap - 1);
    while (s->ord[i].used)
        i = (i + 1) & (s->ocap - 1);
    struct oslot *o = &s->ord[i];
    o->used = 1;
    o->h = h;
    o->status = (uint8_t)status;
    o->matched = (uint8_t)matched;
    memcpy(o->coid, coid, n);
    o->coid[n] = '\0';
    s->ocount++;
    return PMC_OK;
}
