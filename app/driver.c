/* app/driver.c - the tape-driven engine loop (see driver.h). */
#include "app/driver.h"

#include <stdlib.h>

enum pmc_err pmc_driver_init(struct pmc_driver *d,
                             const struct pmc_config *cfg, pmc_action_fn fn,
                             void *ctx)
{
    memset(d, 0, sizeof *d);
    size_t sz = pmc_engine_mem_size(cfg);
    d->mem = aligned_alloc(64, (sz + 63) & ~(size_t)63);
    d->out.cap = pmc_engine_max_actions(cfg);
    d->out.v = calloc(d->out.cap, sizeof *d->out.v);
    d->on_action = fn;
    d->ctx = ctx;
    if (!d->mem || !d->out.v) {
        pmc_driver_fini(d);
        return PMC_ENOMEM;
    }
    enum pmc_err e = pmc_engine_init(&d->eng, d->mem, sz, cfg);
    if (e != PMC_OK)
        pmc_driver_fini(d);
    return e;
}

void pmc_driver_fini(struct pmc_driver *d)
{
    free(d->mem);
    free(d->out.v);
    d->mem = NULL;
    d->out.v = NULL;
}

static enum pmc_err drain(struct pmc_driver *d)
{
    for (size_t i = 0; i < d->out.n; i++)
        PMC_TRY(d->on_action(d->ctx, &d->out.v[i]));
    d->out.n = 0;
    return PMC_OK;
}

enum pmc_err pmc_driver_advance(struct pmc_driver *d, pmc_ms until)
{
    int more;
    do {
        PMC_TRY(pmc_engine_advance(d->eng, until, &d->out, &more));
        PMC_TRY(drain(d));
    } while (more);
    return PMC_OK;
}

enum pmc_err pmc_driver_feed(struct pmc_driver *d,
                             const struct pmc_record *rec)
{
    if (!pmc_kind_is_input(rec->kind) ||
        (rec->kind == PMC_K_KILL && rec->u.kill.by_core))
        return PMC_OK;
    if (rec->kind == PMC_K_FLUSH)
        return pmc_driver_flush(d, rec->t);
    PMC_TRY(pmc_driver_advance(d, rec->t));
    PMC_TRY(pmc_engine_step(d->eng, rec, rec->t, &d->out));
    return drain(d);
}

enum pmc_err pmc_driver_flush(struct pmc_driver *d, pmc_ms t)
{
    PMC_TRY(pmc_driver_advance(d, t));
    struct pmc_record fl;
    memset(&fl, 0, sizeof fl);
    fl.kind = PMC_K_FLUSH;
    fl.t = t;
    struct pmc_engine_stats st;
    do {
        PMC_TRY(pmc_engine_step(d->eng, &fl, t, &d->out));
        PMC_TRY(drain(d));
        pmc_engine_stats(d->eng, &st);
    } while (st.open_buckets > 0);
    return PMC_OK;
}
