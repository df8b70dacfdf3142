/* core/driver.c - the one engine loop (see driver.h for what it decides
 * and never does). */
#include "core/driver.h"

#define ALIGN64(n) (((n) + (size_t)63) & ~(size_t)63)

size_t pmc_driver_mem_size(const struct pmc_config *cfg)
{
    return ALIGN64(pmc_engine_mem_size(cfg)) +
           pmc_engine_max_actions(cfg) * sizeof(struct pmc_record);
}

enum pmc_err pmc_driver_init(struct pmc_driver *d, void *mem, size_t size,
                             const struct pmc_config *cfg,
                             const struct pmc_venue *venue,
                             const struct pmc_driver_hook *hook)
{
    memset(d, 0, sizeof *d);
    if (size < pmc_driver_mem_size(cfg))
        return PMC_ERANGE;
    size_t esz = ALIGN64(pmc_engine_mem_size(cfg));
    PMC_TRY(pmc_engine_init(&d->eng, mem, esz, cfg));
    d->out.v = (struct pmc_record *)(void *)((char *)mem + esz);
    d->out.cap = pmc_engine_max_actions(cfg);
    d->out.n = 0;
    d->venue = venue;
    if (hook)
        d->hook = *hook;
    return PMC_OK;
}

/* Hand the step's actions on: the hook (journal) first, then the venue. */
static enum pmc_err dispatch(struct pmc_driver *d)
{
    size_t n = d->out.n;
    d->out.n = 0;
    for (size_t i = 0; i < n; i++) {
        const struct pmc_record *a = &d->out.v[i];
        if (d->hook.action)
            PMC_TRY(d->hook.action(d->hook.ctx, a));
        if (a->kind == PMC_K_ORDER && d->venue && d->venue->submit)
            PMC_TRY(d->venue->submit(d->venue->self, a, a->t));
    }
    return PMC_OK;
}

static enum pmc_err fail(struct pmc_driver *d, enum pmc_kind k, pmc_ms t,
                         enum pmc_err e)
{
    d->fail_kind = k;
    d->fail_t = t;
    return e;
}

static void saw(struct pmc_driver *d, pmc_ms t)
{
    if (t > d->now)
        d->now = t;
}

enum pmc_err pmc_driver_advance(struct pmc_driver *d, pmc_ms until)
{
    for (;;) {
        pmc_ms dl = pmc_engine_next_deadline(d->eng);
        if (dl > until)
            return PMC_OK;
        int more = 0;
        d->out.n = 0;
        enum pmc_err e = pmc_engine_advance(d->eng, until, &d->out, &more);
        if (e == PMC_OK && more && d->out.n == 0)
            e = PMC_ESTATE; /* a due bucket that never fits: no progress */
        if (e != PMC_OK)
            return fail(d, PMC_K_TIMER, dl, e);
        saw(d, dl);
        e = dispatch(d);
        if (e != PMC_OK)
            return fail(d, PMC_K_TIMER, dl, e);
    }
}

enum pmc_err pmc_driver_flush(struct pmc_driver *d, pmc_ms t)
{
    PMC_TRY(pmc_driver_advance(d, t));
    struct pmc_record fl;
    memset(&fl, 0, sizeof fl);
    fl.kind = PMC_K_FLUSH;
    fl.t = t;
    if (d->hook.input) {
        enum pmc_err e = d->hook.input(d->hook.ctx, &fl);
        if (e != PMC_OK)
            return fail(d, PMC_K_FLUSH, t, e);
    }
    struct pmc_engine_stats st;
    pmc_engine_stats(d->eng, &st);
    uint32_t open = st.open_buckets;
    /* Every step closes at least one bucket or the loop stops: at most
     * `open` + 1 steps. */
    for (;;) {
        d->out.n = 0;
        enum pmc_err e = pmc_engine_step(d->eng, &fl, t, &d->out);
        if (e == PMC_OK) {
            saw(d, t);
            e = dispatch(d);
        }
        if (e != PMC_OK)
            return fail(d, PMC_K_FLUSH, t, e);
        pmc_engine_stats(d->eng, &st);
        if (!st.open_buckets)
            return PMC_OK;
        if (st.open_buckets >= open)
            return fail(d, PMC_K_FLUSH, t, PMC_ESTATE);
        open = st.open_buckets;
    }
}

enum pmc_err pmc_driver_feed(struct pmc_driver *d, const struct pmc_record *rec)
{
    if (!pmc_kind_is_input(rec->kind) || pmc_record_is_action(rec))
        return PMC_OK;
    if (rec->kind == PMC_K_FLUSH)
        return pmc_driver_flush(d, rec->t);
    PMC_TRY(pmc_driver_advance(d, rec->t));
    enum pmc_err e = PMC_OK;
    if (d->hook.input)
        e = d->hook.input(d->hook.ctx, rec);
    if (e == PMC_OK) {
        d->out.n = 0;
        e = pmc_engine_step(d->eng, rec, rec->t, &d->out);
    }
    if (e == PMC_OK) {
        saw(d, rec->t);
        e = dispatch(d);
    }
    return e == PMC_OK ? PMC_OK : fail(d, rec->kind, rec->t, e);
}

enum pmc_err pmc_driver_run(struct pmc_driver *d, const struct pmc_source *src)
{
    for (;;) {
        pmc_ms dl = pmc_engine_next_deadline(d->eng);
        struct pmc_record ev;
        enum pmc_err e = src->next(src->self, dl, &ev);
        switch (e) {
        case PMC_OK:
            PMC_TRY(pmc_driver_feed(d, &ev));
            break;
        case PMC_EAGAIN:
            if (dl == PMC_NO_DEADLINE)
                return fail(d, PMC_K_TIMER, dl, PMC_ESTATE);
            PMC_TRY(pmc_driver_advance(d, dl));
            break;
        case PMC_EEND:
            return PMC_OK;
        default:
            return e;
        }
    }
}

enum pmc_err pmc_driver_finish(struct pmc_driver *d,
                               const struct pmc_source *src)
{
    pmc_ms t = d->now;
    if (src && src->clock) {
        pmc_ms c = src->clock(src->self);
        if (c > t)
            t = c;
    }
    return pmc_driver_flush(d, t);
}
