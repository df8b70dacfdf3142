/* sim/sim.c - the simulator's options, set-up and tear-down, and latency
 * samples (see sim.h; the work is in sim/source.c, sim/venue.c,
 * sim/ledger.c and sim/events.c, described in sim/sim_int.h). */
#include <gsl/gsl_rng.h>

#include "sim/sim_int.h"

void pmc_sim_opts_defaults(struct pmc_sim_opts *o)
{
    memset(o, 0, sizeof *o);
    o->seed = 20260217;
    o->lat_mode = PMC_LAT_CONST;
    o->lat_src[PMC_SRC_NONE] = 3000;
    o->lat_src[PMC_SRC_CHAIN] = 3000;
    o->lat_src[PMC_SRC_RTDS] = 400;
    o->lat_src[PMC_SRC_API] = 22000;
    o->lat_submit = 100;
    o->lat_report = 50;
    o->lat_jitter = 20;
    o->half_spread = 5000;
    o->nobook_depth = PMC_SIZE_MAX;
    o->unknown_sz = PMC_SIZE_MAX;
    o->capital = 1000 * PMC_MICRO;
    o->min_marketable_usd = PMC_MICRO;
    o->default_minsz = 5 * PMC_MICRO;
    o->default_fee_rate = PMC_FEE_DEFAULT_RATE;
    o->default_fee_exp = PMC_FEE_DEFAULT_EXP;
    o->equity_sample_ms = 60000;
}

enum pmc_err pmc_sim_init(struct pmc_sim *s, const struct pmc_config *cfg,
                          const struct pmc_sim_opts *o)
{
    memset(s, 0, sizeof *s);
    s->cfg = *cfg;
    s->o = *o;
    pmc_heap_init(&s->heap);
    char msg[256];
    if (pmc_config_validate(cfg, msg, sizeof msg) != PMC_OK) {
        snprintf(s->err, sizeof s->err, "invalid configuration: %s", msg);
        return PMC_ECONFIG;
    }
    size_t sz = (pmc_driver_mem_size(cfg) + 63) & ~(size_t)63;
    s->eng_mem = aligned_alloc(64, sz);
    s->trd = calloc((cfg->follow_all ? PMC_MAX_TRADERS : cfg->ntraders) + 1,
                    sizeof *s->trd);
    s->ntraders_named = cfg->ntraders;
    s->rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!s->eng_mem || !s->trd || !s->rng) {
        snprintf(s->err, sizeof s->err, "out of memory");
        return PMC_ENOMEM;
    }
    gsl_rng_set(s->rng, (unsigned long)o->seed);
    s->venue.self = s;
    s->venue.submit = pmc_sim_venue_submit;
    s->venue.cancel = pmc_sim_venue_cancel;
    s->src.self = s;
    s->src.next = pmc_sim_next;
    s->src.clock = pmc_sim_clock;
    struct pmc_driver_hook hook = {s, pmc_sim_hook_input, pmc_sim_hook_action};
    enum pmc_err e =
        pmc_driver_init(&s->drv, s->eng_mem, sz, cfg, &s->venue, &hook);
    if (e != PMC_OK) {
        snprintf(s->err, sizeof s->err, "core init failed: %s",
                 pmc_strerror(e));
        return e;
    }
    s->eng = s->drv.eng;
    for (uint32_t i = 0; i < cfg->ntraders; i++) {
        pmc_sim_trader_index(s, i);
        s->trd[i].addr = cfg->traders[i].address;
        memcpy(s->trd[i].label, cfg->traders[i].label, sizeof s->trd[i].label);
    }
    snprintf(s->trd[cfg->ntraders].label, sizeof s->trd[0].label, "(others)");
    s->r.cash = s->r.capital = s->r.peak_equity = s->r.min_cash = o->capital;
    s->last_equity_row = o->capital;
    s->r.identity_ok = s->r.engine_agrees = 1;
    return PMC_OK;
}

void pmc_sim_fini(struct pmc_sim *s)
{
    free(s->eng_mem);
    free(s->trd);
    if (s->rng)
        gsl_rng_free(s->rng);
    pmc_heap_fini(&s->heap);
    free(s->evs);
    free(s->ords);
    free(s->ord_idx);
    free(s->tok);
    free(s->tok_idx);
    free(s->mkt);
    free(s->mkt_idx);
    memset(s, 0, sizeof *s);
}

enum pmc_err pmc_sim_load_samples(const char *path, pmc_ms **out, size_t *n,
                                  char *msg, size_t cap)
{
    *out = NULL;
    *n = 0;
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(msg, cap, "%s: cannot open latency samples", path);
        return PMC_EIO;
    }
    char line[256];
    size_t cnt = 0, capn = 0;
    pmc_ms *v = NULL;
    unsigned long ln = 0;
    enum pmc_err e = PMC_OK;
    while (fgets(line, sizeof line, f)) {
        ln++;
        size_t len = strcspn(line, "\r\n");
        char *p = line;
        while (*p == ' ')
            p++;
        len = strcspn(p, "\r\n");
        while (len && p[len - 1] == ' ')
            len--;
        if (!len || *p == '#')
            continue;
        pmc_micros ms;
        if (pmc_dec_parse(p, len, &ms) != PMC_OK || ms < 0) {
            snprintf(msg, cap,
                     "%s:%lu: bad latency sample '%.*s': "
                     "milliseconds >= 0",
                     path, ln, (int)len, p);
            e = PMC_EPARSE;
            break;
        }
        if (cnt == capn) {
            capn = capn ? capn * 2 : 256;
            pmc_ms *nv = realloc(v, capn * sizeof *nv);
            if (!nv) {
                e = PMC_ENOMEM;
                break;
            }
            v = nv;
        }
        v[cnt++] = (ms + PMC_MICRO / 2) / PMC_MICRO;
    }
    fclose(f);
    if (e == PMC_OK && !cnt) {
        snprintf(msg, cap, "%s: no latency samples", path);
        e = PMC_EPARSE;
    }
    if (e != PMC_OK) {
        free(v);
        return e;
    }
    *out = v;
    *n = cnt;
    return PMC_OK;
}
