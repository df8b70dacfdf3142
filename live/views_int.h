/* live/views_int.h - what the operator views share (views.c defines them;
 * views_rows.c and views_monitor.c use them): decimal and time formats,
 * opening the store read-only and finishing a view with its failures
 * named. Private to live/views*.c. */
#ifndef PMC_LIVE_VIEWS_INT_H
#define PMC_LIVE_VIEWS_INT_H

#include <stdio.h>

#include "live/store.h"
#include "live/views.h"

/* v as a decimal into b (32 bytes); returns b. */
const char *pmc__view_dec(pmc_micros v, char *b);
/* t as YYYY-MM-DDTHH:MM:SS.mmmZ into b; returns b. */
const char *pmc__view_utc(pmc_ms t, char *b, size_t cap);
void pmc__view_json_dec(FILE *f, pmc_micros v);
void pmc__view_json_ms(FILE *f, pmc_ms t);
/* Grow an array of n elements of sz bytes to hold one more (doubling);
 * NULL when out of memory (p is then still valid). */
void *pmc__view_grow(void *p, size_t *cap, size_t n, size_t sz);
/* A failure: into o->err when the caller gave one, else on stderr as
 * "pmcopy CMD: ...". */
__attribute__((format(printf, 3, 4))) void
pmc__view_err(const struct pmc_view_opts *o, const char *cmd, const char *fmt,
              ...);
/* The store at o->db opened read-only, or NULL (the failure named). */
struct pmc_store *pmc__view_open(const struct pmc_view_opts *o,
                                 const char *cmd);
/* Close s after a view: 0, or -1 with the failure named (e, a write error
 * on the output, the close). */
int pmc__view_finish(const struct pmc_view_opts *o, struct pmc_store *s,
                     enum pmc_err e, const char *cmd);
void pmc__view_close_quiet(struct pmc_store *s);

/* Stage latencies of orders (history --stages, /stats): detect, decide,
 * submit, ack, fill, total. */
#define PMC__VIEW_NSTAGES 6
struct pmc__stage_acc {
    pmc_ms *v[PMC__VIEW_NSTAGES];
    size_t n[PMC__VIEW_NSTAGES], cap[PMC__VIEW_NSTAGES];
    int oom;
};
/* A pmc_store_orders_each callback: the order's stage times into ctx. */
int pmc__view_add_stages(void *ctx, const struct pmc_store_order_row *r);
/* Their counts and percentiles, in the view's format (text, JSON). */
void pmc__view_print_stages(FILE *out, struct pmc__stage_acc *a, int fmt);

#endif
