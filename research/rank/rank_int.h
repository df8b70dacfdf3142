/* research/rank/rank_int.h - what the files of research/rank/ share: the
 * loaded tape's layout and a wallet's view of it. Not for other modules. */
#ifndef PMC_RANK_INT_H
#define PMC_RANK_INT_H

#include "research/rank/rank.h"

struct rank_symtab {
    struct pmc_sym *sym;
    uint32_t n, nalloc;
    uint32_t *slot; /* open addressing, index + 1, 0 = empty */
    uint32_t cap;
};

/* A record kept compact (a struct pmc_record is 560 bytes): quotes,
 * trades and resolutions inline, a fill's other fields in fills[], the
 * rare kinds (market, book, kill, resume) whole in full[]. */
struct rank_rec {
    pmc_ms t;
    pmc_micros a, b, c, d; /* quote: bid ask bidsz asksz; trade: px sz;
                              resolve: payout */
    uint32_t tok;          /* token id, UINT32_MAX none */
    uint32_t aux;          /* fill: index in fills[]; rare kinds: full[] */
    uint8_t kind;
};

struct rank_fill {
    pmc_ms ts, end;
    pmc_micros px, sz;
    uint64_t key_off;                 /* into keys[] */
    uint32_t trader, market, outcome; /* wals, mkts, outs; UINT32_MAX none */
    uint8_t key_len, side, src;
};

struct pmc_rank_tape {
    char name[256];
    struct rank_rec *rec; /* every kept record, tape order */
    size_t n;
    struct rank_fill *fills;
    size_t nfills;
    struct pmc_record *full;
    size_t nfull;
    char *keys;
    size_t nkeys;
    pmc_ms first, last;
    struct rank_symtab toks, wals, mkts, outs;
    /* records per token (fills excluded), fills per wallet: CSR */
    uint32_t *tok_off, *tok_rec;
    uint32_t *wal_off, *wal_rec;
    uint32_t *glob; /* kill / resume: in every view */
    size_t nglob;
    uint32_t *tok_group; /* market group of each token */
    uint32_t ngroups;
};

/* One wallet's records: positions into t->rec in tape order. */
struct rank_view {
    uint32_t *idx;
    size_t n;
    uint32_t *tok; /* its tokens, in order of its first fill on each */
    size_t ntok;
};

long pmc__rank_sym_find(const struct rank_symtab *st, const struct pmc_sym *y);

/* Record i of the tape as the simulator reads it. */
void pmc__rank_expand(const struct pmc_rank_tape *t, uint32_t i,
                      struct pmc_record *r);

/* Wallet w's view: its fills with since <= t < until (until 0 = open),
 * its tokens' other records with t < until, kill/resume. -1 when out of
 * memory (v freed by pmc__rank_view_free either way). */
int pmc__rank_view(const struct pmc_rank_tape *t, size_t w, pmc_ms since,
                   pmc_ms until, struct rank_view *v);
void pmc__rank_view_free(struct rank_view *v);

/* ord[0..n): rated by score descending, then unrated; ties by address. */
void pmc__rank_order(const struct pmc_rank_wallet *w,
                     const struct pmc_rank_score *sc, size_t n, size_t *ord);

/* Wallet i's backtest at L* with the report folder of sim/report.h in
 * dir. -1 with err. */
struct pmc_report_info;
int pmc__rank_wallet_report(const struct pmc_rank_tape *t, size_t i,
                            const struct pmc_rank_opts *o, const char *dir,
                            const struct pmc_report_info *info, char *err,
                            size_t cap);

#endif
