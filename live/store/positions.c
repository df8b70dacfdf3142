/* live/store/positions.c - positions from our fills, with the decision
 * core's arithmetic (core/engine.c on_exec and on_resolve), so the store
 * and the engine agree to the micro-unit at any size.
 *
 * Decides: average-cost accounting per token in fill order (t, id), fees
 * in the basis; realised and unrealised P&L at the token's mark.
 * Never: rounds twice, uses floating point, or returns a sum that left 64
 * bits (an error naming the token instead). */
#include <stdio.h>
#include <string.h>

#include "core/dec.h"
#include "live/store/store_int.h"

/* Positions: average cost over our fills, per token in fill order
 * (t, id), with the engine's arithmetic (core/engine.c on_exec): a buy adds
 * its cost (sz x px, floored) and fee to the basis; a sell of q of S held
 * shares removes floor(basis x min(q, S) / S) from the basis and realises
 * its proceeds net of fee minus what it removed. Products go through
 * pmc_muldiv_floor (128-bit); sums are checked. Once resolved, realized
 * includes the payout of the shares held: floor(shares x payout) - basis. */
struct pos_acc {
    pmc_micros shares, basis, realized, bought, sold, fees;
    pmc_micros realized_since; /* of sells at or after `since` */
    int64_t nfills;
};

/* One fill into the position: 0, or -1 when a sum leaves 64 bits. */
static int pos_apply(struct pos_acc *a, int sell, pmc_micros sz,
                     pmc_micros cost, pmc_micros fee, int recent)
{
    int ovf = 0;
    if (!sell) {
        ovf |= __builtin_add_overflow(a->shares, sz, &a->shares);
        ovf |= __builtin_add_overflow(a->basis, cost, &a->basis);
        ovf |= __builtin_add_overflow(a->basis, fee, &a->basis);
        ovf |= __builtin_add_overflow(a->bought, cost, &a->bought);
    } else {
        pmc_micros held = a->shares, q = sz < held ? sz : held;
        pmc_micros basis = held > 0 ? pmc_muldiv_floor(a->basis, q, held) : 0;
        pmc_micros pnl;
        ovf |= __builtin_sub_overflow(cost, fee, &pnl);
        ovf |= __builtin_sub_overflow(pnl, basis, &pnl);
        ovf |= __builtin_add_overflow(a->realized, pnl, &a->realized);
        if (recent)
            ovf |= __builtin_add_overflow(a->realized_since, pnl,
                                          &a->realized_since);
        if (held > 0) {
            a->shares -= q;
            a->basis -= basis;
        }
        ovf |= __builtin_add_overflow(a->sold, cost, &a->sold);
    }
    ovf |= __builtin_add_overflow(a->fees, fee, &a->fees);
    a->nfills++;
    return ovf ? -1 : 0;
}

/* The row of one token from its fills and its mark. */
static int pos_finish(struct pmc_store_position *p, const struct pos_acc *a,
                      sqlite3_stmt *mk, pmc_ms since)
{
    const char *tok = p->token;
    memset(p, 0, sizeof *p);
    p->token = tok;
    p->shares = a->shares;
    p->cost_basis = a->basis;
    p->avg_px =
        a->shares > 0 ? pmc_muldiv_floor(a->basis, PMC_MICRO, a->shares) : 0;
    p->realized = a->realized;
    p->realized_since = a->realized_since;
    p->bought = a->bought;
    p->sold = a->sold;
    p->fees = a->fees;
    p->nfills = a->nfills;
    sqlite3_bind_text(mk, 1, p->token, -1, SQLITE_STATIC);
    int rc = sqlite3_step(mk);
    int ovf = 0;
    if (rc == SQLITE_ROW) {
        p->has_mark = 1;
        p->mark = sqlite3_column_int64(mk, 0);
        p->mark_t = sqlite3_column_int64(mk, 1);
        p->resolved = sqlite3_column_int(mk, 2) != 0;
        pmc_micros value = pmc_muldiv_floor(a->shares, p->mark, PMC_MICRO);
        if (p->resolved) {
            pmc_micros gain;
            ovf |= __builtin_sub_overflow(value, a->basis, &gain);
            ovf |= __builtin_add_overflow(p->realized, gain, &p->realized);
            if (p->mark_t >= since)
                ovf |= __builtin_add_overflow(p->realized_since, gain,
                                              &p->realized_since);
        } else if (a->shares) {
            ovf |= __builtin_sub_overflow(value, a->basis, &p->unrealized);
        }
    }
    sqlite3_reset(mk);
    sqlite3_clear_bindings(mk);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return -2;
    return ovf ? -1 : 0;
}

enum pmc_err pmc_store_positions_each(struct pmc_store *s,
                                      pmc_store_position_fn fn, void *ctx)
{
    return pmc_store_positions_since(s, PMC_TIME_MAX, fn, ctx);
}

enum pmc_err pmc_store_positions_since(struct pmc_store *s, pmc_ms since,
                                       pmc_store_position_fn fn, void *ctx)
{
    pthread_mutex_lock(&s->dbmu);
    sqlite3_stmt *st = NULL, *mk = NULL;
    /* failed fills (schema 4) do not count; an older store opened read-only
     * has none */
    enum pmc_err e =
        prepare(s,
                s->has_failed ? "SELECT o.token, o.side = 'SELL', "
                                "f.sz, f.cost, f.fee, f.t FROM fills "
                                "f JOIN orders o ON o.coid = f.coid "
                                "WHERE f.failed_t IS NULL "
                                "ORDER BY o.token, f.t, f.id"
                              : "SELECT o.token, o.side = 'SELL', "
                                "f.sz, f.cost, f.fee, f.t FROM fills "
                                "f JOIN orders o ON o.coid = f.coid "
                                "ORDER BY o.token, f.t, f.id",
                &st);
    if (e == PMC_OK)
        e = prepare(s, "SELECT px, t, resolved FROM marks WHERE token = ?1",
                    &mk);
    char tok[PMC_SYM_MAX + 1] = "";
    struct pos_acc a;
    memset(&a, 0, sizeof a);
    int rc = SQLITE_DONE, have = 0, stop = 0;
    const char *bad = NULL;
    while (e == PMC_OK && !stop) {
        rc = sqlite3_step(st);
        const char *t = NULL;
        if (rc == SQLITE_ROW) {
            t = (const char *)sqlite3_column_text(st, 0);
            t = t ? t : "";
        } else if (rc != SQLITE_DONE) {
            db_err(s, s->db, "reading positions");
            e = PMC_EIO;
            break;
        }
        if (have && (rc == SQLITE_DONE || strcmp(t, tok) != 0)) {
            struct pmc_store_position p;
            p.token = tok;
            int k = pos_finish(&p, &a, mk, since);
            if (k == -2) {
                db_err(s, s->db, "reading marks");
                e = PMC_EIO;
                break;
            }
            if (k < 0) {
                bad = "the payout or mark value";
                e = PMC_ERANGE;
                break;
            }
            stop = fn(ctx, &p) != 0;
            have = 0;
        }
        if (rc == SQLITE_DONE || stop)
            break;
        if (!have) {
            snprintf(tok, sizeof tok, "%s", t);
            memset(&a, 0, sizeof a);
            have = 1;
        }
        if (pos_apply(&a, sqlite3_column_int(st, 1),
                      sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3),
                      sqlite3_column_int64(st, 4),
                      sqlite3_column_int64(st, 5) >= since) < 0) {
            bad = "a fill";
            e = PMC_ERANGE;
            break;
        }
    }
    if (bad)
        set_err(s, "positions: token %s: %s takes a sum past 64 bits", tok,
                bad);
    sqlite3_finalize(st);
    sqlite3_finalize(mk);
    pthread_mutex_unlock(&s->dbmu);
    return e;
}
