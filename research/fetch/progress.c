/* research/fetch/progress.c - the progress bar and JSON lines (see
 * progress.h). */
#include "research/fetch/progress.h"

#include <inttypes.h>
#include <unistd.h>

void pmc_fx_progress_init(struct pmc_fx_progress *p, enum pmc_fx_pmode mode,
                          FILE *out)
{
    p->out = out;
    p->last_ms = 0;
    p->drawn = 0;
    if (mode == PMC_FX_P_AUTO)
        mode = isatty(fileno(out)) ? PMC_FX_P_BAR : PMC_FX_P_NONE;
    p->mode = mode;
}

void pmc_fx_progress_show(struct pmc_fx_progress *p,
                          const struct pmc_fx_stats *s, int64_t now_ms,
                          int force)
{
    if (p->mode == PMC_FX_P_NONE)
        return;
    int64_t every = p->mode == PMC_FX_P_BAR ? 200 : 1000;
    if (!force && p->drawn && now_ms - p->last_ms < every)
        return;
    p->last_ms = now_ms;
    p->drawn = 1;
    int64_t el = now_ms - s->t0_ms;
    if (el < 1)
        el = 1;
    uint64_t rate = s->rows * 1000 / (uint64_t)el;
    int64_t eta = -1;
    if (s->jobs_done > 0 && s->jobs_total >= s->jobs_done)
        eta = (int64_t)((uint64_t)el * (s->jobs_total - s->jobs_done) /
                        s->jobs_done / 1000);
    if (p->mode == PMC_FX_P_JSON) {
        fprintf(p->out,
                "{\"jobs\":%" PRIu64 ",\"jobs_total\":%" PRIu64
                ",\"requests\":%" PRIu64 ",\"rows\":%" PRIu64
                ",\"bytes\":%" PRIu64 ",\"cache_hits\":%" PRIu64
                ",\"retries\":%" PRIu64 ",\"rows_per_s\":%" PRIu64
                ",\"elapsed_ms\":%" PRId64 ",\"eta_s\":%" PRId64 "}\n",
                s->jobs_done, s->jobs_total, s->requests, s->rows, s->bytes,
                s->cache_hits, s->retries, rate, el, eta);
        fflush(p->out);
        return;
    }
    int width = 24, fill = 0;
    if (s->jobs_total)
        fill = (int)(s->jobs_done * (uint64_t)width / s->jobs_total);
    char bar[32];
    for (int i = 0; i < width; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[width] = '\0';
    char etas[32];
    if (eta >= 0)
        snprintf(etas, sizeof etas, "%" PRId64 ":%02" PRId64, eta / 60,
                 eta % 60);
    else
        snprintf(etas, sizeof etas, "?");
    fprintf(p->out,
            "\r[%s] %" PRIu64 "/%" PRIu64 " jobs  %" PRIu64 " req  %" PRIu64
            " rows  %" PRIu64 " rows/s  %" PRIu64 " cached  %" PRIu64
            " retries  ETA %s\033[K",
            bar, s->jobs_done, s->jobs_total, s->requests, s->rows, rate,
            s->cache_hits, s->retries, etas);
    fflush(p->out);
}

void pmc_fx_progress_end(struct pmc_fx_progress *p)
{
    if (p->mode == PMC_FX_P_BAR && p->drawn) {
        fputs("\r\033[K", p->out);
        fflush(p->out);
    }
}
