/* live/exec/clob.c - the CLOB executor (see clob.h for the contract): its
 * life cycle, its tables (one slot per open order, each with its own
 * request; a token metadata cache) and the public calls.
 *
 * Decides which slot an order takes and routes each call to the module
 * that acts on it: order_fsm.c (an order's phases, with their transition
 * table, and what each answer means), tokens.c (the metadata an order
 * waits for), transport.c (the requests on the wire and their rate
 * limits). Never reads a clock: `now` comes with every call. */
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "live/exec/clob.h"
#include "live/exec/clob_int.h"
#include "proto/sign/hex.h"

static struct order *find_order(struct pmc_clob *x, const struct pmc_sym *c)
{
    if (x->nused == 0)
        return NULL;
    for (uint32_t i = 0; i < x->cfg.max_orders; i++)
        if (x->orders[i].used && pmc_sym_eq(&x->orders[i].coid, c))
            return &x->orders[i];
    return NULL;
}

static struct order *new_order(struct pmc_clob *x)
{
    for (uint32_t i = 0; i < x->cfg.max_orders; i++) {
        struct order *o = &x->orders[i];
        if (!o->used) {
            /* a slot keeps its handle and the kind its options are set
             * for; buffers are emptied, not cleared */
            CURL *keep = o->r.easy;
            enum rkind setup = o->r.setup;
            memset(o, 0, offsetof(struct order, r));
            memset(&o->r, 0, offsetof(struct req, url));
            o->r.url[0] = o->r.small_body[0] = o->r.resp[0] = '\0';
            memset(&o->so, 0, offsetof(struct pmc_signed_order, body));
            o->so.body[0] = '\0';
            o->so.body_len = 0;
            o->r.easy = keep;
            o->r.setup = keep ? setup : R_NONE;
            o->r.x = x;
            o->r.idx = i;
            o->used = 1;
            o->tok = NONE;
            x->nused++;
            return o;
        }
    }
    return NULL;
}

/* Hand a finished request to its owner: the token it fetched metadata
 * for, or the order whose request it was (unless that order is gone). */
static void finished(struct pmc_clob *x, struct req *r,
                     const struct pmc__done *d)
{
    enum rkind kind = r->kind;
    r->kind = R_NONE;
    if (kind == R_TICK || kind == R_NEGRISK) {
        pmc__tok_meta_done(x, r->idx, kind == R_TICK, r, d);
        return;
    }
    if (kind == R_TRADES) {
        pmc__user_trades_done(x, r, d);
        return;
    }
    if (kind == R_BATCH) {
        pmc__fsm_batch_done(x, &x->bat[r->idx], d);
        return;
    }
    struct order *o = &x->orders[r->idx];
    if (!o->used)
        return;
    switch (kind) {
    case R_POST:
        pmc__fsm_post_done(x, o, d);
        break;
    case R_GET_ORDER:
        pmc__fsm_get_done(x, o, d);
        break;
    case R_DELETE:
        pmc__fsm_del_done(x, o, d);
        break;
    default:
        break;
    }
}

/* Start whatever is due. */
static void service(struct pmc_clob *x)
{
    pmc__tok_service(x);
    pmc__fsm_service(x);
    pmc__user_recon_service(x);
}

/* ---- public API ---------------------------------------------------------- */

static enum pmc_err venue_submit(void *self, const struct pmc_record *order,
                                 pmc_ms now)
{
    return pmc_clob_submit(self, order, now);
}

static enum pmc_err venue_cancel(void *self, const struct pmc_sym *coid,
                                 pmc_ms now)
{
    return pmc_clob_cancel(self, coid, now);
}

struct pmc_venue pmc_clob_venue(struct pmc_clob *x)
{
    struct pmc_venue v = {x, venue_submit, venue_cancel};
    return v;
}

enum pmc_err pmc_clob_new(const struct pmc_clob_cfg *cfg,
                          struct pmc_exec_creds *c,
                          const struct pmc_clob_hooks *hooks, pmc_ms now,
                          struct pmc_clob **out, char *why, size_t why_len)
{
    enum pmc_err e = PMC_OK;
    struct pmc_clob *x = NULL;
    const char *bad = NULL;
    if (why && why_len)
        why[0] = '\0';
    if (!hooks || !hooks->emit || !hooks->journal_order || !c || !c->signer) {
        bad = "emit and journal_order hooks and a signer are required";
        e = PMC_EUSAGE;
    } else if ((e = pmc_clob_cfg_check(cfg, why, why_len)) != PMC_OK) {
        goto fail;
    }
    if (e != PMC_OK)
        goto fail;
    x = calloc(1, sizeof *x);
    if (!x) {
        e = PMC_ENOMEM;
        goto fail;
    }
    x->cfg = *cfg;
    if (cfg->ca_file && !(x->cfg.ca_file = x->ca_file = strdup(cfg->ca_file))) {
        e = PMC_ENOMEM;
        goto fail;
    }
    snprintf(x->base, sizeof x->base, "%s", cfg->base_url);
    size_t bl = strlen(x->base);
    while (bl > 0 && x->base[bl - 1] == '/')
        x->base[--bl] = '\0';
    x->cfg.base_url = x->base;
    x->h = *hooks;
    x->now = now;
    x->orders = calloc(cfg->max_orders, sizeof *x->orders);
    x->toks = calloc(cfg->max_tokens, sizeof *x->toks);
    if (!x->orders || !x->toks || pmc__led_open(x) != PMC_OK) {
        e = PMC_ENOMEM;
        goto fail;
    }
    char twhy[160] = "";
    if ((e = pmc__tx_open(x, twhy, sizeof twhy)) != PMC_OK) {
        if (why && why_len)
            snprintf(why, why_len, "%s", twhy);
        goto fail;
    }
    pmc_breaker_init(&x->br, cfg->breaker_threshold, cfg->breaker_cooldown_ms);
    x->signer = c->signer;
    c->signer = NULL;
    x->api = c->api;
    pmc_api_creds_wipe(&c->api);
    pmc_addr_checksum(pmc_signer_address(x->signer), x->addr_str);
    e = pmc_l2_auth_new(pmc_signer_address(x->signer), &x->api, &x->l2);
    if (e != PMC_OK) {
        bad = e == PMC_EPARSE ? "the API secret is not valid base64"
                              : "cannot set up the HMAC of the API secret";
        goto fail;
    }
    pmc__tx_post_head(x);
    /* signing without the point multiplication; without the pool (it
     * cannot start) every signature is RFC 6979, slower but the same to
     * the venue */
    if (cfg->presign &&
        pmc_presign_start(x->signer, cfg->presign, &x->pool) != PMC_OK)
        pmc__note(x, "presignature pool not started: orders are signed the RFC "
                     "6979 way");
    *out = x;
    return PMC_OK;
fail:
    if (bad && why && why_len)
        snprintf(why, why_len, "%s", bad);
    pmc_exec_creds_wipe(c);
    pmc_clob_free(x);
    return e;
}

void pmc_clob_free(struct pmc_clob *x)
{
    if (!x)
        return;
    pmc__tx_close(x);
    pmc_presign_stop(x->pool); /* before its signer */
    pmc_signer_free(x->signer);
    pmc_l2_auth_free(x->l2);
    pmc_api_creds_wipe(&x->api);
    free(x->orders);
    free(x->toks);
    pmc__led_close(x);
    free(x->ca_file);
    explicit_bzero(x, sizeof *x);
    free(x);
}

enum pmc_err pmc_clob_submit(struct pmc_clob *x, const struct pmc_record *rec,
                             pmc_ms now)
{
    if (!rec || rec->kind != PMC_K_ORDER)
        return PMC_EUSAGE;
    if (now > x->now)
        x->now = now;
    const struct pmc_order_act *a = &rec->u.order;
    if (find_order(x, &a->coid)) {
        pmc__note(x, "order %s submitted twice; the second is ignored",
                  a->coid.s);
        return PMC_OK;
    }
    struct order *o = new_order(x);
    if (!o)
        return PMC_EFULL;
    o->coid = a->coid;
    o->token = a->token;
    o->side = a->side;
    o->tif = a->tif;
    o->px = a->px;
    o->sz = a->sz;
    o->exp = a->tif == PMC_TIF_GTD ? a->exp : 0;
    o->emitted = now;
    o->phase = P_META;
    o->next_at = now;
    if (x->stopped) {
        pmc__reject(x, o, "geoblocked");
        return PMC_OK;
    }
    if (!pmc__open_for_business(x, o))
        return PMC_OK;
    o->tok = pmc__tok_get(x, &a->token);
    if (o->tok == NONE) {
        pmc__reject(x, o, "token cache full (max_tokens %u)",
                    x->cfg.max_tokens);
        return PMC_OK;
    }
    struct token *t = &x->toks[o->tok];
    if (pmc__tok_ready(x, t)) {
        /* held: due in SEND, posted with the others at the release */
        if (pmc__prepare(x, o) && !x->held)
            pmc__start_post(x, o);
        return PMC_OK;
    }
    if (!t->has_tick)
        t->want_tick = 1;
    if (t->negrisk < 0 && !pmc__tok_v3(x, t))
        t->want_neg = 1;
    service(x);
    pmc__tx_perform(x);
    return PMC_OK;
}

enum pmc_err pmc_clob_cancel(struct pmc_clob *x, const struct pmc_sym *coid,
                             pmc_ms now)
{
    if (now > x->now)
        x->now = now;
    struct order *o = find_order(x, coid);
    if (!o)
        return PMC_ENOTFOUND;
    if ((o->phase == P_META || o->phase == P_SEND) && !o->r.active &&
        o->attempts == 0) {
        pmc__finish(x, o, "cancelled_before_send");
        return PMC_OK;
    }
    if (o->phase == P_LIVE && !o->r.active) {
        o->phase = P_CANCEL;
        o->next_at = now;
        service(x);
        return PMC_OK;
    }
    o->want_cancel = 1; /* after the answer in flight */
    return PMC_OK;
}

void pmc_clob_hold(struct pmc_clob *x)
{
    if (x->cfg.batch_max > 1)
        x->held = 1;
}

void pmc_clob_release(struct pmc_clob *x, pmc_ms now)
{
    if (!x->held)
        return;
    x->held = 0;
    if (now > x->now)
        x->now = now;
    service(x);
    pmc__tx_perform(x);
}

enum pmc_err pmc_clob_tick(struct pmc_clob *x, pmc_ms now)
{
    if (now > x->now)
        x->now = now;
    pmc__tx_perform(x);
    struct pmc__done d;
    struct req *r;
    while ((r = pmc__tx_finished(x, &d)))
        finished(x, r, &d);
    pmc__user_settle(x); /* failed trades a fill just counted */
    pmc__tx_upkeep(x);
    service(x);
    pmc__tx_perform(x);
    return PMC_OK;
}

void pmc_clob_wait(struct pmc_clob *x, int timeout_ms)
{
    pmc__tx_wait(x, timeout_ms);
}

void *pmc_clob_multi(struct pmc_clob *x)
{
    return x->multi;
}

pmc_ms pmc_clob_next_due(const struct pmc_clob *x, pmc_ms now)
{
    pmc_ms best = NEVER;
    for (uint32_t i = 0; i < x->ntoks; i++) {
        const struct token *t = &x->toks[i];
        if (((t->want_tick && !t->fetch_tick) ||
             (t->want_neg && !t->fetch_neg)) &&
            t->next_at < best)
            best = t->next_at;
    }
    for (uint32_t i = 0; i < x->cfg.max_orders && x->nused; i++) {
        const struct order *o = &x->orders[i];
        if (o->used && !o->r.active && o->phase != P_META && o->next_at < best)
            best = o->next_at;
    }
    if (x->recon_due && !x->trades_r.active && x->recon_at < best)
        best = x->recon_at;
    if (best == NEVER)
        return -1;
    return best > now ? best - now : 0;
}

enum pmc_err pmc_clob_tick_changed(struct pmc_clob *x,
                                   const struct pmc_sym *token,
                                   const char *tick, size_t n)
{
    struct pmc_tick tk;
    PMC_TRY(pmc_tick_parse(tick, n, &tk));
    uint32_t i = pmc__tok_get(x, token);
    if (i == NONE)
        return PMC_EFULL;
    struct token *t = &x->toks[i];
    t->tick = tk;
    t->has_tick = 1;
    t->want_tick = 0;
    if (pmc__tok_ready(x, t))
        pmc__tok_wake(x, i, NULL);
    return PMC_OK;
}

enum pmc_err pmc_clob_token_info(struct pmc_clob *x,
                                 const struct pmc_sym *token,
                                 struct pmc_tick tick, int negrisk,
                                 int exchange_v3)
{
    if (pmc_tick_micros(tick) <= 0 || negrisk < -1 || negrisk > 1 ||
        exchange_v3 < -1 || exchange_v3 > 1)
        return PMC_ERANGE;
    uint32_t i = pmc__tok_get(x, token);
    if (i == NONE)
        return PMC_EFULL;
    struct token *t = &x->toks[i];
    t->tick = tick;
    t->has_tick = 1;
    t->want_tick = 0;
    if (negrisk >= 0) {
        t->negrisk = negrisk;
        t->want_neg = 0;
    }
    t->v3 = exchange_v3;
    if (pmc__tok_ready(x, t))
        pmc__tok_wake(x, i, NULL);
    return PMC_OK;
}

enum pmc_err pmc_clob_reconcile(struct pmc_clob *x, const struct pmc_sym *coid,
                                const char *order_hash,
                                pmc_micros filled_already, pmc_ms now)
{
    uint8_t h[32];
    if (!order_hash ||
        pmc_hex_decode(order_hash, strlen(order_hash), h, 32) != PMC_OK)
        return PMC_EPARSE;
    if (now > x->now)
        x->now = now;
    if (find_order(x, coid))
        return PMC_OK;
    struct order *o = new_order(x);
    if (!o)
        return PMC_EFULL;
    o->coid = *coid;
    o->restart = 1;
    o->phase = P_RESTART;
    o->filled = filled_already > 0 ? filled_already : 0;
    o->sz = INT64_MAX; /* until the venue tells */
    o->tif = PMC_TIF_GTC;
    o->hash[0] = '0';
    o->hash[1] = 'x';
    pmc_hex_encode(h, 32, o->hash + 2);
    o->next_at = now;
    service(x);
    return PMC_OK;
}

const char *pmc_clob_stopped(const struct pmc_clob *x)
{
    return x->stopped ? x->stop_msg : NULL;
}

size_t pmc_clob_open_orders(const struct pmc_clob *x)
{
    return x->nused;
}

void pmc_clob_stats(const struct pmc_clob *x, struct pmc_clob_stats *out)
{
    *out = x->st;
    pmc_presign_stats(x->pool, &out->presign);
    out->breaker = x->br.state;
    out->breaker_opens = x->br.opens;
    out->lane_connects = 0;
    out->lanes_idle = 0;
    for (uint32_t i = 0; i < x->cfg.lanes; i++) {
        if (!x->lane[i])
            continue;
        out->lane_connects += pmc_lane_connects(x->lane[i]);
        out->lanes_idle += pmc_lane_state(x->lane[i]) == PMC_LANE_IDLE;
    }
}

static void series(FILE *f, const char *name, const char *type,
                   const char *help, uint64_t v)
{
    pmc_prom_head(f, name, type, help);
    fprintf(f, "%s %" PRIu64 "\n", name, v);
}

void pmc_clob_metrics_prom(const struct pmc_clob *x, FILE *f)
{
    static const char *const CLS[6] = {"transport", "1xx", "2xx",
                                       "3xx",       "4xx", "5xx"};
    pmc_prom_head(f, "pmcopy_exec_requests_total", "counter",
                  "CLOB answers by class (transport = no answer).");
    for (int i = 0; i < 6; i++)
        fprintf(f, "pmcopy_exec_requests_total{class=\"%s\"} %" PRIu64 "\n",
                CLS[i], x->st.req[i]);
    series(f, "pmcopy_exec_posts_total", "counter",
           "Orders posted (POST /order, or in a POST /orders).", x->st.posts);
    series(f, "pmcopy_exec_batches_total", "counter",
           "POST /orders requests sent (several orders each).", x->st.batches);
    series(f, "pmcopy_exec_retries_total", "counter",
           "POSTs beyond an order's first.", x->st.retries);
    series(f, "pmcopy_exec_reconciles_total", "counter",
           "Look-ups by hash after an order's unknown fate.", x->st.reconciles);
    series(f, "pmcopy_exec_rate_limit_waits_total", "counter",
           "Times an order waited for a rate limit.", x->st.rate_waits);
    series(f, "pmcopy_exec_http_429_total", "counter",
           "429 answers of the CLOB.", x->st.rate_429);
    series(f, "pmcopy_exec_breaker_opens_total", "counter",
           "Times the circuit breaker opened.", x->br.opens);
    pmc_prom_head(f, "pmcopy_exec_breaker_state", "gauge",
                  "The circuit breaker (0 closed, 1 open, 2 half-open), "
                  "labelled with its name.");
    fprintf(f, "pmcopy_exec_breaker_state{state=\"%s\"} %d\n",
            pmc_breaker_name(x->br.state), (int)x->br.state);
    pmc_prom_head(f, "pmcopy_exec_reports_total", "counter",
                  "Execution reports the executor emitted, by status.");
    fprintf(f,
            "pmcopy_exec_reports_total{status=\"ack\"} %" PRIu64 "\n"
            "pmcopy_exec_reports_total{status=\"fill\"} %" PRIu64 "\n"
            "pmcopy_exec_reports_total{status=\"cancel\"} %" PRIu64 "\n"
            "pmcopy_exec_reports_total{status=\"reject\"} %" PRIu64 "\n",
            x->st.acks, x->st.fills, x->st.cancels, x->st.rejects);
    pmc_prom_head(f, "pmcopy_exec_failed_reports_total", "counter",
                  "FAILED execution reports: fills the venue took back.");
    fprintf(f, "pmcopy_exec_failed_reports_total %" PRIu64 "\n", x->st.faileds);
    pmc_prom_head(f, "pmcopy_exec_trades_total", "counter",
                  "Status changes of our orders' venue trades, by status.");
    for (int i = PMC_TRADE_MATCHED; i < PMC_TRADE_STATUS_COUNT; i++)
        fprintf(f, "pmcopy_exec_trades_total{status=\"%s\"} %" PRIu64 "\n",
                pmc_trade_status_name((enum pmc_trade_status)i),
                x->st.trades[i]);
    series(f, "pmcopy_exec_user_channel_up", "gauge",
           "1 while the CLOB user channel is up.", (uint64_t)x->user_up);
    series(f, "pmcopy_exec_user_connects_total", "counter",
           "Times the user channel came up.", x->st.user_connects);
    series(f, "pmcopy_exec_user_drops_total", "counter",
           "Times the user channel went down.", x->st.user_drops);
    series(f, "pmcopy_exec_user_frames_total", "counter",
           "User channel frames read.", x->st.user_frames);
    series(f, "pmcopy_exec_user_errors_total", "counter",
           "Unreadable user channel frames and trade answers.",
           x->st.user_errors);
    series(f, "pmcopy_exec_recon_runs_total", "counter",
           "Reconciles through GET /data/trades after the user channel "
           "was down.",
           x->st.recon_runs);
    series(f, "pmcopy_exec_recon_pages_total", "counter",
           "GET /data/trades pages the reconciles read.", x->st.recon_pages);
    series(f, "pmcopy_exec_recon_capped_total", "counter",
           "Reconciles stopped at trades_pages with pages left.",
           x->st.recon_capped);
    series(f, "pmcopy_exec_trades_seeded_total", "counter",
           "Trades of an earlier run, not final then, followed again.",
           x->st.trades_seeded);
    series(f, "pmcopy_exec_trades_failed_unapplied_total", "counter",
           "Trades of an earlier run that failed: not undone, the position "
           "needs a look.",
           x->st.trades_failed_unapplied);
    series(f, "pmcopy_exec_recon_errors_total", "counter",
           "Reconciles stopped by a GET /data/trades page not read.",
           x->st.recon_errors);
    series(f, "pmcopy_exec_ledger_evictions_total", "counter",
           "Trade ledger entries dropped to make room.",
           x->st.ledger_evictions);
    series(f, "pmcopy_exec_trade_shares_unreported_total", "counter",
           "Trades with shares beyond the fills of an order already final.",
           x->st.legs_unreported);
    series(f, "pmcopy_exec_open_orders", "gauge",
           "Orders the executor tracks (not yet final).", x->nused);
    series(f, "pmcopy_exec_stopped", "gauge",
           "1 once the venue stopped trading (geoblock).",
           (uint64_t)x->stopped);
    struct pmc_presign_stats ps;
    pmc_presign_stats(x->pool, &ps);
    series(f, "pmcopy_exec_presign_ready", "gauge",
           "Presigned nonces ready in the pool.", ps.ready);
    pmc_prom_head(f, "pmcopy_exec_signatures_total", "counter",
                  "Order bodies signed, by nonce source.");
    fprintf(f,
            "pmcopy_exec_signatures_total{nonce=\"presigned\"} %" PRIu64 "\n"
            "pmcopy_exec_signatures_total{nonce=\"rfc6979\"} %" PRIu64 "\n",
            ps.used,
            /* every signature not taken from the pool: the fallbacks and,
             * with the pool off, all of them */
            x->st.signatures > ps.used ? x->st.signatures - ps.used : 0);
    struct pmc_clob_stats st;
    pmc_clob_stats(x, &st);
    series(f, "pmcopy_exec_lane_posts_total", "counter",
           "POSTs written on a lane.", st.lane_posts);
    series(f, "pmcopy_exec_lane_connects_total", "counter",
           "Connections the lanes opened.", st.lane_connects);
    series(f, "pmcopy_exec_lanes_idle", "gauge",
           "Lanes connected and ready now.", st.lanes_idle);
    pmc_hist_prom(f, "pmcopy_exec_post_latency_us",
                  "POST /order latency (send to answer), us.", "",
                  &x->st.post_us);
}
