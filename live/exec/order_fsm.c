/* live/exec/order_fsm.c - the phases of an order at the CLOB, and what each
 * answer of the venue means for it.
 *
 * Decides when an order is signed, posted, re-posted (only the same signed
 * body, and only when the venue cannot have it), looked up by hash,
 * polled, cancelled and reported to the core (exec ack / fill / cancel /
 * reject). Never writes a request itself (transport.c), never reads a
 * clock (x->now), never decodes bytes (proto/wire/clob_rest.h).
 *
 * The states (o->phase) and what holds in each:
 *
 *   META     the token's tick size or neg-risk flag is missing (tokens.c
 *            fetches it); no request of the order's own is out; the order
 *            may not be signed yet.
 *   SEND     signed and journaled (o->hash, o->so.body); the next POST of
 *            this body is due at next_at; while r.active (POST /order) or
 *            o->batch (a POST /orders carrying it) a POST is out
 *            (next_at NEVER); attempts counts the POSTs of this body.
 *            While the executor is held (pmc_clob_hold) nothing is posted.
 *   CONFIRM  a POST's fate is unknown (lost answer, 5xx, "Duplicated"):
 *            nothing is posted until reconcile_tries look-ups by hash found
 *            nothing; recon counts them.
 *   RESTART  an order from an earlier run (pmc_clob_reconcile): looked up
 *            by hash, never posted; sz is unknown until the venue tells.
 *   LIVE     the venue has it and it is not final: acked, polled by hash
 *            every poll_open_ms (DELAYED_POLL_MS while delayed; ten times
 *            poll_open_ms while the user channel is up, user.c).
 *   CANCEL   DELETE /order due at next_at; del_tries counts them.
 *   (free)   o->used 0: the core has been told the final state.
 *
 * The transitions ("-": no slot yet; "free": the slot is released), each
 * with the function that performs it:
 *
 *  #  from     on                                 to        by
 *  1  -        submit, token metadata known       SEND      pmc_clob_submit
 *                                                           pmc__prepare
 *  2  -        submit, metadata missing           META      pmc_clob_submit
 *  3  -        order of an earlier run            RESTART   pmc_clob_reconcile
 *  4  META     metadata arrived                   SEND      pmc__tok_wake
 *                                                           pmc__prepare
 *  5  META     metadata, signing or journal       free      pmc__tok_wake
 *              failed: reject                               pmc__prepare
 *  6  SEND     the guards allow: POST out         SEND      pmc__start_post
 *              (one order due in the pass)                  post_due
 * 6b  SEND     several due in one pass (released  SEND      start_batch
 *              hold, woken by metadata, retries):           post_due
 *              up to batch_max in one POST /orders
 *  7  SEND     stopped, breaker open: reject      free      pmc__start_post
 *                                                           start_batch
 *  8  SEND     accepted; FAK/FOK or all filled    free      on_post_ok
 *  9  SEND     accepted; resting or delayed       LIVE      on_post_ok
 * 10  SEND     429, 425/503, not sent: again      SEND      retry_or_reject
 * 11  SEND     answer lost, other 5xx, 2xx not    CONFIRM   ambiguous
 *              readable, "Duplicated"
 * 12  SEND     refused for its tick size          META      refused
 *              (re-signed at once if known)       SEND      pmc__prepare
 * 13  SEND     refused, no match, geoblocked      free      refused, geoblock
 * 14  CONFIRM  look-up found it                   LIVE/free pmc__fsm_apply_order
 * 15  CONFIRM  not found reconcile_tries times    SEND/free retry_or_reject
 * 16  RESTART  look-up found it                   LIVE/free pmc__fsm_apply_order
 * 17  RESTART  not found: "not_at_venue"          free      pmc__fsm_get_done
 * 18  LIVE     poll: still open                   LIVE      pmc__fsm_apply_order
 * 19  LIVE     poll: over, filled or gone         free      pmc__fsm_apply_order
 *                                                           pmc__fsm_get_done
 * 20  LIVE     cancel asked (or asked while the   CANCEL    pmc_clob_cancel
 *              POST was out: want_cancel)                   on_post_ok
 *                                                           pmc__fsm_apply_order
 * 21  CANCEL   DELETE answered, or out of tries   LIVE      pmc__fsm_del_done
 * 22  CANCEL   DELETE failed, tries left          CANCEL    pmc__fsm_del_done
 * 23  META or  cancel before any POST             free      pmc_clob_cancel
 *     SEND                                                  pmc__finish
 * 24  LIVE     user channel order event: open     LIVE      user.c
 *              (fills), or over                   free      pmc__fsm_apply_order
 *
 * Trades of an order (user channel, GET /data/trades) may come after its
 * slot is free: user.c follows them in the ledger (ledger.c), not here.
 *
 * The answer to a POST /orders (pmc__fsm_batch_done) takes each order of
 * it through rows 8-13 exactly as a POST /order answer would: a 2xx
 * element by element (an element that is not an order's answer: 11);
 * the request as a whole: no answer or another 5xx, or a 2xx that is not
 * an array of one answer per order: 11 for every order; 429, 425/503: 10;
 * another 4xx: 13; the breaker counts the request once.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/dec.h"
#include "live/exec/clob_int.h"
#include "live/killpoint.h"
#include "proto/sign/hex.h"
#include "proto/sign/keccak.h"
#include "proto/wire/clob_rest.h"

void pmc__note(struct pmc_clob *x, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    for (char *p = line; *p; p++)
        if ((unsigned char)*p < 0x20)
            *p = ' ';
    if (x->h.log)
        x->h.log(x->h.ctx, line);
    else
        fprintf(stderr, "pmcopy exec: %s\n", line);
}

/* ---- reports to the core ------------------------------------------------- */

/* Copy venue text into a record reason: printable ASCII, truncated. */
static void set_reason(char *dst, size_t cap, const char *src)
{
    size_t i = 0;
    for (; src && src[i] && i + 1 < cap; i++) {
        unsigned char c = (unsigned char)src[i];
        dst[i] = c < 0x20 || c >= 0x7f ? ' ' : (char)c;
    }
    dst[i] = '\0';
}

void pmc__emit(struct pmc_clob *x, const struct pmc_sym *coid, const char *hash,
               enum pmc_exec_status s, pmc_micros sz, pmc_micros px,
               const char *reason)
{
    struct pmc_record rec;
    memset(&rec, 0, sizeof rec);
    rec.kind = PMC_K_EXEC;
    rec.t = x->now;
    rec.u.exec.coid = *coid;
    rec.u.exec.status = s;
    rec.u.exec.sz = sz;
    rec.u.exec.px = px;
    rec.u.exec.fee = 0;
    set_reason(rec.u.exec.reason, sizeof rec.u.exec.reason, reason);
    switch (s) {
    case PMC_EXEC_ACK:
        x->st.acks++;
        break;
    case PMC_EXEC_FILL:
        x->st.fills++;
        pmc__led_fill(x, coid, hash, sz, px);
        break;
    case PMC_EXEC_REJECT:
        x->st.rejects++;
        break;
    case PMC_EXEC_CANCEL:
        x->st.cancels++;
        break;
    case PMC_EXEC_FAILED:
        x->st.faileds++;
        break;
    }
    x->h.emit(x->h.ctx, &rec);
}

static void emit_exec(struct pmc_clob *x, struct order *o,
                      enum pmc_exec_status s, pmc_micros sz, pmc_micros px,
                      const char *reason)
{
    pmc__emit(x, &o->coid, o->hash, s, sz, px, reason);
}

static void order_free(struct pmc_clob *x, struct order *o)
{
    pmc__tx_abort(x, &o->r);
    o->used = 0;
    x->nused--;
}

void pmc__reject(struct pmc_clob *x, struct order *o, const char *fmt, ...)
{
    char why[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    pmc__note(x, "order %s rejected: %s", o->coid.s, why);
    emit_exec(x, o, PMC_EXEC_REJECT, 0, 0, why);
    order_free(x, o);
}

/* The order is final: tell the core the unfilled rest is cancelled (with
 * the shares of failed trades, which the core no longer counts filled). */
void pmc__finish(struct pmc_clob *x, struct order *o, const char *why)
{
    if (o->filled - o->failed < o->sz)
        emit_exec(x, o, PMC_EXEC_CANCEL, o->sz - o->filled + o->failed, 0, why);
    order_free(x, o);
}

pmc_ms pmc__poll_every(const struct pmc_clob *x)
{
    return x->user_up ? 10 * x->cfg.poll_open_ms : x->cfg.poll_open_ms;
}

void pmc__count(struct pmc_clob *x, long status)
{
    long cls = status / 100;
    x->st.req[cls >= 1 && cls <= 5 ? cls : 0]++;
}

/* ---- starting requests --------------------------------------------------- */

int pmc__open_for_business(struct pmc_clob *x, struct order *o)
{
    if (x->stopped) {
        pmc__reject(x, o, "geoblocked");
        return 0;
    }
    const struct pmc_breaker *b = &x->br;
    if (b->threshold &&
        (b->state == PMC_BREAKER_OPEN
             ? x->now < b->open_until
             : b->state == PMC_BREAKER_HALF_OPEN && b->probing)) {
        pmc__reject(x, o,
                    "breaker_open: CLOB failing, cool-down until %" PRId64,
                    b->open_until);
        return 0;
    }
    return 1;
}

void pmc__start_post(struct pmc_clob *x, struct order *o)
{
    pmc_ms now = x->now;
    if (!pmc__open_for_business(x, o))
        return;
    pmc_ms w = pmc__tx_post_wait(x);
    if (w > 0) {
        if (o->next_at <= now)
            x->st.rate_waits++;
        o->next_at = now + w;
        return;
    }
    if (!pmc_breaker_allow(&x->br, now)) { /* a probe is already out */
        pmc__reject(x, o, "breaker_open: CLOB failing, probe in flight");
        return;
    }
    int on_lane = 0;
    enum pmc_err e = pmc__tx_post(x, o, &on_lane);
    if (e != PMC_OK) {
        pmc_breaker_result(&x->br, 1, now); /* not the server's fault */
        pmc__reject(x, o, "cannot start the request: %s", pmc_strerror(e));
        return;
    }
    o->attempts++;
    x->st.posts++;
    if (o->attempts > 1)
        x->st.retries++;
    o->next_at = NEVER;
    if (x->h.stage)
        x->h.stage(x->h.ctx, &o->coid, PMC_STAGE_SUBMITTED, now, o->hash);
    if (!on_lane) /* on the wire now rather than on the next loop pass */
        pmc__tx_perform(x);
}

static void start_get_order(struct pmc_clob *x, struct order *o)
{
    pmc_ms w = 0;
    enum pmc_err e = pmc__tx_get_order(x, o, &w);
    if (e != PMC_OK) {
        o->next_at = x->now + x->cfg.reconcile_delay_ms;
        pmc__note(x, "order %s: cannot start the look-up: %s", o->coid.s,
                  pmc_strerror(e));
        return;
    }
    o->next_at = w > 0 ? x->now + w : NEVER;
}

static void start_delete(struct pmc_clob *x, struct order *o)
{
    pmc_ms w = 0;
    enum pmc_err e = pmc__tx_delete(x, o, &w);
    if (e != PMC_OK) {
        o->next_at = x->now + x->cfg.reconcile_delay_ms;
        return;
    }
    if (w > 0) {
        o->next_at = x->now + w;
        return;
    }
    o->del_tries++;
    o->next_at = NEVER;
}

/* ---- signing ------------------------------------------------------------- */

/* The salt: keccak256("pmcopy-salt" || coid || be64(emitted)) mod 2^53
 * (clob.h): the same order at the same time signs the same. */
uint64_t pmc_clob_salt(const struct pmc_sym *coid, pmc_ms emitted)
{
    static const char TAG[] = "pmcopy-salt";
    struct pmc_keccak k;
    uint8_t be[8], d[32];
    for (int i = 0; i < 8; i++)
        be[i] = (uint8_t)((uint64_t)emitted >> (56 - 8 * i));
    pmc_keccak_init(&k);
    pmc_keccak_update(&k, TAG, sizeof TAG - 1);
    pmc_keccak_update(&k, coid->s, coid->n);
    pmc_keccak_update(&k, be, sizeof be);
    pmc_keccak_final(&k, d);
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | d[i];
    return v & PMC_SALT_MAX;
}

/* Sign the order with its token's current metadata and journal it. On
 * success the order is in phase SEND; on failure it has been rejected. */
int pmc__prepare(struct pmc_clob *x, struct order *o)
{
    struct token *t = &x->toks[o->tok];
    struct pmc_order_req rq;
    char why[200];
    memset(&rq, 0, sizeof rq);
    int v3 = pmc__tok_v3(x, t);
    rq.exchange = v3                ? PMC_EXCH_V3
                  : t->negrisk == 1 ? PMC_EXCH_V2_NEGRISK
                                    : PMC_EXCH_V2;
    rq.chain_id = x->cfg.chain_id;
    rq.token_id = o->token.s;
    pmc_micros tm = pmc_tick_micros(t->tick);
    /* a tick change may leave the core's limit off the grid: move it the
     * safe way (a buy never pays more, a sell never takes less) */
    pmc_micros px = o->side == PMC_BUY ? pmc_round_down(o->px, tm)
                                       : pmc_round_up(o->px, tm);
    if (px < tm || px > PMC_MICRO - tm) {
        char a[24], b[24];
        pmc_dec_format(o->px, a);
        pmc_dec_format(tm, b);
        pmc__reject(x, o, "price %s out of range for tick %s", a, b);
        return 0;
    }
    rq.amt.side = (uint8_t)o->side;
    rq.amt.price = px;
    rq.amt.tick = t->tick;
    rq.amt.min_shares = 0; /* the venue enforces its own minimum */
    switch (o->tif) {
    case PMC_TIF_GTC:
        rq.amt.kind = PMC_ORDER_LIMIT;
        rq.amt.size = o->sz;
        break;
    case PMC_TIF_GTD:
        /* a limit order with a whole-second expiration: the core's exp
         * (already on the second grid) + the venue's threshold */
        if (o->exp <= 0 || o->exp > INT64_MAX - GTD_THRESHOLD_S) {
            pmc__reject(x, o, "GTD order without an expiry (exp)");
            return 0;
        }
        rq.amt.kind = PMC_ORDER_LIMIT;
        rq.amt.size = o->sz;
        rq.expiration = (uint64_t)(o->exp + GTD_THRESHOLD_S);
        break;
    case PMC_TIF_FAK:
    case PMC_TIF_FOK:
        /* marketable (reference 2.7): a buy spends shares x limit in USD,
         * a sell gives shares; the limit is the worst price */
        rq.amt.kind = PMC_ORDER_MARKET;
        rq.amt.size = o->side == PMC_BUY ? pmc_mul(o->sz, px) : o->sz;
        break;
    default:
        pmc__reject(x, o, "time in force %s is not supported",
                    pmc_tif_name(o->tif));
        return 0;
    }
    rq.order_type = o->tif;
    rq.sig_type = x->cfg.sig_type;
    rq.has_maker = x->cfg.has_funder != 0;
    memcpy(rq.maker, x->cfg.funder, PMC_ADDR_LEN);
    rq.salt = pmc_clob_salt(&o->coid, o->emitted);
    rq.timestamp_ms = (uint64_t)o->emitted;
    rq.owner = x->api.key;
    why[0] = '\0';
    enum pmc_err e = pmc_order_sign(x->signer, &rq, &o->so, why, sizeof why);
    if (e != PMC_OK) {
        pmc__reject(x, o, "%s", why[0] ? why : pmc_strerror(e));
        return 0;
    }
    x->st.signatures++;
    o->hash[0] = '0';
    o->hash[1] = 'x';
    pmc_hex_encode(o->so.digest, 32, o->hash + 2);
    e = x->h.journal_order(x->h.ctx, &o->coid, o->so.body, o->so.body_len,
                           o->hash);
    if (e != PMC_OK) {
        pmc__reject(x, o, "journal_failed: %s", pmc_strerror(e));
        return 0;
    }
    o->signed_tick = t->tick;
    o->is_signed = 1;
    o->attempts = 0;
    o->phase = P_SEND;
    o->next_at = x->now;
    return 1;
}

/* ---- answers ------------------------------------------------------------- */

/* The venue's message in an answer (a body cut at RESP_MAX is text). */
void pmc__answer_msg(const struct req *r, char *out, size_t cap)
{
    if (r->resp_over)
        pmc_clob_rest_text(r->resp, r->resp_len, out, cap);
    else
        pmc_clob_rest_msg(r->resp, r->resp_len, out, cap);
}

/* A body cut at RESP_MAX is no answer to decode. */
int pmc__answer_cut(const struct req *r, struct pmc_wire_err *err)
{
    if (!r->resp_over)
        return 0;
    memset(err, 0, sizeof *err);
    snprintf(err->msg, sizeof err->msg, "answer longer than %d bytes",
             RESP_MAX - 1);
    return 1;
}

static void note_rate_headers(struct pmc_clob *x, const struct req *r)
{
    if (r->rl_remaining == 0 && r->rl_reset_s > 0) {
        pmc_ms until = r->rl_reset_s * 1000;
        if (until > x->post_block_until)
            x->post_block_until = until;
    }
}

static void retry_or_reject(struct pmc_clob *x, struct order *o,
                            const char *why)
{
    if (o->attempts >= 1 + x->cfg.max_retries) {
        pmc__reject(x, o, "%s (after %u attempts)", why, o->attempts);
        return;
    }
    o->phase = P_SEND;
    pmc_ms back = x->cfg.retry_backoff_ms
                  << (o->attempts ? o->attempts - 1 : 0);
    o->next_at = x->now + back;
    pmc__note(x,
              "order %s: %s; resending the same signed order in %" PRId64 " ms",
              o->coid.s, why, back);
}

static void ambiguous(struct pmc_clob *x, struct order *o, const char *why)
{
    x->st.reconciles++;
    o->phase = P_CONFIRM;
    o->recon = 0;
    o->next_at = x->now + x->cfg.reconcile_delay_ms;
    pmc__note(x,
              "order %s: %s; the venue may have it: looking it up by hash %s "
              "before any retry",
              o->coid.s, why, o->hash);
}

static void geoblock(struct pmc_clob *x, const char *msg)
{
    if (x->stopped)
        return;
    x->stopped = 1;
    snprintf(x->stop_msg, sizeof x->stop_msg,
             "trading stopped: the CLOB refuses orders from this region "
             "(HTTP 403: %.120s); no further orders will be sent",
             msg);
    pmc__note(x, "%s", x->stop_msg);
    struct pmc_record rec;
    memset(&rec, 0, sizeof rec);
    rec.kind = PMC_K_KILL;
    rec.t = x->now;
    set_reason(rec.u.kill.reason, sizeof rec.u.kill.reason, "geoblocked");
    x->h.emit(x->h.ctx, &rec);
    for (uint32_t i = 0; i < x->cfg.max_orders && x->nused; i++) {
        struct order *o = &x->orders[i];
        if (o->used && !o->r.active && !o->batch &&
            (o->phase == P_SEND || o->phase == P_META))
            pmc__reject(x, o, "geoblocked");
    }
}

static int contains(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0)
            return 1;
    return 0;
}

/* shares and price filled from making/takingAmount, sanity-checked against
 * what the order allowed; the field's unit is not settled (reference 4.2),
 * so the reading that fits the order wins. 0 if neither fits. */
static int fill_amounts(const struct order *o,
                        const struct pmc_clob_post_ans *a, pmc_micros *shares,
                        pmc_micros *px)
{
    if (!a->making.ok || !a->taking.ok)
        return 0;
    pmc_micros mh = a->making.human, mb = a->making.base;
    pmc_micros th = a->taking.human, tb = a->taking.base;
    const struct pmc_order_v2 *ov = &o->so.order;
    pmc_micros tick = pmc_tick_micros(o->signed_tick);
    pmc_micros max_sh, max_usd;
    if (o->side == PMC_BUY) {
        max_usd = (pmc_micros)ov->maker_amount;
        max_sh = pmc_div(max_usd, tick); /* at the best possible price */
    } else {
        max_sh = (pmc_micros)ov->maker_amount;
        max_usd = max_sh;
    }
    for (int pass = 0; pass < 2; pass++) {
        pmc_micros m = pass ? mb : mh, t = pass ? tb : th;
        if (m < 0 || t < 0)
            continue;
        pmc_micros sh = o->side == PMC_BUY ? t : m;
        pmc_micros usd = o->side == PMC_BUY ? m : t;
        if (sh > max_sh || usd > max_usd + 1)
            continue;
        *shares = sh;
        *px = sh > 0 ? pmc_muldiv_floor(usd, PMC_MICRO, sh) : 0;
        if (sh > 0 && (*px <= 0 || *px >= PMC_MICRO))
            continue;
        return 1;
    }
    return 0;
}

static void on_post_ok(struct pmc_clob *x, struct order *o,
                       const struct pmc_clob_post_ans *a)
{
    int market = o->tif == PMC_TIF_FAK || o->tif == PMC_TIF_FOK;
    if (a->status == PMC_CLOB_ST_MATCHED) {
        pmc_micros sh = 0, px = 0;
        if (!fill_amounts(o, a, &sh, &px)) {
            pmc__note(x,
                      "order %s matched but makingAmount/takingAmount do not "
                      "fit the order; reading the fills by hash",
                      o->coid.s);
            emit_exec(x, o, PMC_EXEC_ACK, 0, 0, "");
            o->acked = 1;
            o->phase = P_LIVE;
            o->next_at = x->now;
            return;
        }
        if (sh > 0) {
            emit_exec(x, o, PMC_EXEC_FILL, sh, px, "");
            o->filled += sh;
        }
        if (market || o->filled >= o->sz) {
            pmc__finish(x, o, market ? "fak_remainder" : "done");
            return;
        }
        o->phase = P_LIVE;
        o->next_at = pmc__poll_every(x) ? x->now + pmc__poll_every(x) : NEVER;
        return;
    }
    if (a->status == PMC_CLOB_ST_UNMATCHED && market) {
        pmc__finish(x, o, "unmatched");
        return;
    }
    /* live, delayed, unmatched (resting), or an unknown status */
    emit_exec(x, o, PMC_EXEC_ACK, 0, 0, a->status_text);
    o->acked = 1;
    o->phase = P_LIVE;
    o->delayed = a->status == PMC_CLOB_ST_DELAYED;
    int known = a->status == PMC_CLOB_ST_LIVE || o->delayed ||
                a->status == PMC_CLOB_ST_UNMATCHED;
    if (!known || market)
        o->next_at = x->now + (o->delayed ? DELAYED_POLL_MS : 0);
    else
        o->next_at = pmc__poll_every(x) ? x->now + pmc__poll_every(x) : NEVER;
    if (o->delayed &&
        (x->cfg.poll_open_ms == 0 || x->cfg.poll_open_ms > DELAYED_POLL_MS))
        o->next_at = x->now + DELAYED_POLL_MS;
    if (o->want_cancel) { /* cancel asked while the POST was in flight */
        o->want_cancel = 0;
        o->phase = P_CANCEL;
        o->next_at = x->now;
    }
}

static void refused(struct pmc_clob *x, struct order *o, long status,
                    const char *msg)
{
    if (contains(msg, "tick size") || contains(msg, "MIN_TICK_SIZE")) {
        if (o->tick_retried) {
            pmc__reject(x, o, "venue %ld: %s", status, msg);
            return;
        }
        o->tick_retried = 1;
        struct token *t = &x->toks[o->tok];
        pmc__note(x, "order %s: venue says %s; refreshing the tick size",
                  o->coid.s, msg);
        o->phase = P_META;
        if (t->has_tick && (t->tick.dec != o->signed_tick.dec ||
                            t->tick.step != o->signed_tick.step)) {
            if (pmc__prepare(x, o)) /* the market channel told us already */
                o->next_at = x->now;
            return;
        }
        t->has_tick = 0;
        t->want_tick = 1;
        t->fails = 0;
        t->next_at = x->now;
        return;
    }
    if (contains(msg, "fully filled or killed") ||
        contains(msg, "partially filled or killed") ||
        contains(msg, "no orders found to match") ||
        contains(msg, "no matching orders")) {
        pmc__finish(x, o,
                    o->tif == PMC_TIF_FOK ? "fok_not_filled" : "fak_no_match");
        return;
    }
    if (contains(msg, "Duplicated")) {
        /* the venue already holds this very order */
        ambiguous(x, o, "venue says duplicated");
        return;
    }
    pmc__reject(x, o, "venue %ld: %s", status, msg);
}

/* An answer that counts against the CLOB's health (the breaker). */
static int post_failed(long status)
{
    return !status || status == 429 || status == 425 || status >= 500;
}

/* What the answer to a POST means for order o: HTTP status, the venue's
 * message, and for a 2xx the order's own answer (pe PMC_OK: pa read; else
 * unreadable, why says how). r holds the rate-limit headers. The caller
 * has counted the answer and told the breaker. POST /order and each
 * element of a POST /orders go through here alike. */
static void post_outcome(struct pmc_clob *x, struct order *o,
                         const struct req *r, long status, const char *msg,
                         enum pmc_err pe, const struct pmc_clob_post_ans *pa,
                         const char *unreadable)
{
    if (status == 429) {
        x->st.rate_429++;
        pmc_ms until = r->rl_reset_s > 0      ? r->rl_reset_s * 1000
                       : r->retry_after_s > 0 ? x->now + r->retry_after_s * 1000
                                              : x->now + 1000;
        if (until > x->post_block_until)
            x->post_block_until = until;
        o->attempts--; /* a 429 is a refusal before any processing */
        if (++o->n429 > x->cfg.max_429) {
            pmc__reject(x, o, "rate limited (429) %u times", o->n429);
            return;
        }
        x->st.rate_waits++;
        o->phase = P_SEND;
        o->next_at = until > x->now ? until : x->now;
        pmc__note(x, "order %s: 429 from the CLOB; waiting %" PRId64 " ms",
                  o->coid.s, o->next_at - x->now);
    } else if (status == 425 || status == 503) {
        char why[240];
        snprintf(why, sizeof why, "venue %ld: %s", status, msg);
        retry_or_reject(x, o, why);
    } else if (status >= 500) {
        char why[240];
        snprintf(why, sizeof why, "venue %ld: %s", status, msg);
        ambiguous(x, o, why);
    } else if (status >= 200 && status < 300) {
        if (pe == PMC_OK && pa->accepted) {
            on_post_ok(x, o, pa);
        } else if (pe == PMC_OK) {
            refused(x, o, status, msg);
        } else {
            char why[300];
            snprintf(why, sizeof why, "unreadable 2xx answer (%s)", unreadable);
            ambiguous(x, o, why);
        }
    } else if (status == 403 &&
               (contains(msg, "region") || contains(msg, "geoblock"))) {
        geoblock(x, msg);
        if (o->used)
            pmc__reject(x, o, "geoblocked");
    } else {
        refused(x, o, status, msg[0] ? msg : "no message");
    }
}

/* The fate of a POST is unknown or it was never sent (no answer). */
static void post_no_answer(struct pmc_clob *x, struct order *o,
                           const struct pmc__done *d)
{
    if (d->never_sent)
        retry_or_reject(x, o, d->why);
    else
        ambiguous(x, o, d->why);
}

void pmc__fsm_post_done(struct pmc_clob *x, struct order *o,
                        const struct pmc__done *d)
{
    struct req *r = &o->r;
    long status = d->status;
    char msg[200];
    pmc__count(x, status);
    pmc_breaker_result(&x->br, !post_failed(status), x->now);
    if (!status) {
        post_no_answer(x, o, d);
        return;
    }
    pmc_killpoint(PMC_KP_ANSWER); /* answered; nothing reported yet */
    if (x->h.stage)
        x->h.stage(x->h.ctx, &o->coid, PMC_STAGE_ACKED, x->now, o->hash);
    note_rate_headers(x, r);
    struct pmc_clob_post_ans pa;
    struct pmc_wire_err werr;
    enum pmc_err pe = PMC_EPARSE;
    werr.msg[0] = '\0';
    if (status >= 200 && status < 300 && !pmc__answer_cut(r, &werr)) {
        pe = pmc_clob_rest_post(r->resp, r->resp_len, &pa, &werr);
        memcpy(msg, pa.msg, sizeof msg);
    } else {
        pmc__answer_msg(r, msg, sizeof msg);
    }
    post_outcome(x, o, r, status, msg, pe, &pa, werr.msg);
}

/* ---- POST /orders -------------------------------------------------------- */

/* Post the n (>= 2) due orders of idx together in one POST /orders, with
 * the guards of a single POST: those the executor is closed for are
 * rejected, a rate limit delays them all, no free batch slot sends them
 * one by one. */
static void start_batch(struct pmc_clob *x, const uint32_t *idx, uint32_t n)
{
    pmc_ms now = x->now;
    uint32_t keep[PMC_CLOB_BATCH_MAX], m = 0;
    for (uint32_t i = 0; i < n; i++)
        if (pmc__open_for_business(x, &x->orders[idx[i]]))
            keep[m++] = idx[i];
    struct batch *b = NULL;
    for (uint32_t i = 0; i < BATCH_REQS && !b; i++)
        if (!x->bat[i].n && !x->bat[i].r.active)
            b = &x->bat[i];
    if (m < 2 || !b) {
        for (uint32_t i = 0; i < m; i++)
            pmc__start_post(x, &x->orders[keep[i]]);
        return;
    }
    pmc_ms w = pmc__tx_batch_wait(x);
    if (w > 0) {
        for (uint32_t i = 0; i < m; i++) {
            struct order *o = &x->orders[keep[i]];
            if (o->next_at <= now)
                x->st.rate_waits++;
            o->next_at = now + w;
        }
        return;
    }
    if (!pmc_breaker_allow(&x->br, now)) { /* a probe is already out */
        for (uint32_t i = 0; i < m; i++)
            pmc__reject(x, &x->orders[keep[i]],
                        "breaker_open: CLOB failing, probe in flight");
        return;
    }
    b->n = m;
    memcpy(b->ord, keep, m * sizeof keep[0]);
    enum pmc_err e = pmc__tx_post_batch(x, b);
    if (e != PMC_OK) {
        b->n = 0;
        pmc_breaker_result(&x->br, 1, now); /* not the server's fault */
        for (uint32_t i = 0; i < m; i++)
            pmc__reject(x, &x->orders[keep[i]], "cannot start the request: %s",
                        pmc_strerror(e));
        return;
    }
    x->st.batches++;
    for (uint32_t i = 0; i < m; i++) {
        struct order *o = &x->orders[keep[i]];
        o->attempts++;
        x->st.posts++;
        if (o->attempts > 1)
            x->st.retries++;
        o->next_at = NEVER;
        o->batch = (uint32_t)(b - x->bat) + 1;
        if (x->h.stage)
            x->h.stage(x->h.ctx, &o->coid, PMC_STAGE_SUBMITTED, now, o->hash);
    }
    pmc__tx_perform(x);
}

void pmc__fsm_batch_done(struct pmc_clob *x, struct batch *b,
                         const struct pmc__done *d)
{
    struct req *r = &b->r;
    long status = d->status;
    uint32_t n = b->n, slot = (uint32_t)(b - x->bat) + 1;
    struct order *os[PMC_CLOB_BATCH_MAX];
    for (uint32_t i = 0; i < n; i++) {
        struct order *o = &x->orders[b->ord[i]];
        os[i] = o->used && o->batch == slot ? o : NULL;
        if (os[i])
            o->batch = 0;
    }
    b->n = 0; /* the slot is free again */
    pmc__count(x, status);
    pmc_breaker_result(&x->br, !post_failed(status), x->now);
    if (!status) { /* a lost answer: every order of it is unknown */
        for (uint32_t i = 0; i < n; i++)
            if (os[i] && os[i]->used)
                post_no_answer(x, os[i], d);
        return;
    }
    pmc_killpoint(PMC_KP_ANSWER);
    for (uint32_t i = 0; i < n; i++)
        if (os[i] && x->h.stage)
            x->h.stage(x->h.ctx, &os[i]->coid, PMC_STAGE_ACKED, x->now,
                       os[i]->hash);
    note_rate_headers(x, r);
    char msg[200];
    if (!(status >= 200 && status < 300)) {
        /* the request as a whole: each order as if it had been alone */
        if (r->resp_over)
            pmc_clob_rest_text(r->big, r->resp_len, msg, sizeof msg);
        else
            pmc_clob_rest_msg(r->big, r->resp_len, msg, sizeof msg);
        for (uint32_t i = 0; i < n; i++)
            if (os[i] && os[i]->used)
                post_outcome(x, os[i], r, status, msg, PMC_EPARSE, NULL, msg);
        return;
    }
    struct pmc_clob_post_ans pa[PMC_CLOB_BATCH_MAX];
    enum pmc_err pe[PMC_CLOB_BATCH_MAX];
    size_t cnt = 0;
    struct pmc_wire_err werr;
    werr.msg[0] = '\0';
    enum pmc_err be = PMC_EPARSE;
    if (r->resp_over)
        snprintf(werr.msg, sizeof werr.msg, "answer longer than %d bytes",
                 BATCH_RESP_MAX - 1);
    else
        be = pmc_clob_rest_post_batch(r->big, r->resp_len, pa, pe,
                                      PMC_CLOB_BATCH_MAX, &cnt, &werr);
    if (be == PMC_OK && cnt != n) {
        be = PMC_EPARSE;
        snprintf(werr.msg, sizeof werr.msg,
                 "POST /orders answered %zu elements for %u orders", cnt, n);
    }
    for (uint32_t i = 0; i < n; i++) {
        struct order *o = os[i];
        if (!o || !o->used)
            continue;
        if (be != PMC_OK) { /* which answer is whose is not known */
            char why[300];
            snprintf(why, sizeof why, "unreadable 2xx answer (%s)", werr.msg);
            ambiguous(x, o, why);
            continue;
        }
        post_outcome(x, o, r, status, pa[i].msg, pe[i], &pa[i],
                     "element of POST /orders is not an order's answer");
    }
}

void pmc__fsm_apply_order(struct pmc_clob *x, struct order *o,
                          const struct pmc_clob_order_ans *a)
{
    const char *st = a->status_text;
    pmc_micros matched = a->size_matched;
    pmc_micros price = a->price >= 0 ? a->price : o->px;
    if (o->restart) {
        if (a->original_size >= 0)
            o->sz = a->original_size;
        o->px = price;
        if (a->has_tif)
            o->tif = a->tif;
    }
    if (matched > o->filled) {
        emit_exec(x, o, PMC_EXEC_FILL, matched - o->filled, price, "");
        o->filled = matched;
    }
    int open =
        a->status == PMC_CLOB_ST_LIVE || a->status == PMC_CLOB_ST_DELAYED;
    if (!open || o->filled >= o->sz) {
        char why[32];
        size_t i = 0;
        for (; st[i] && i + 1 < sizeof why; i++)
            why[i] = (char)(st[i] >= 'A' && st[i] <= 'Z' ? st[i] + 32 : st[i]);
        why[i] = '\0';
        pmc__finish(x, o, why);
        return;
    }
    if (!o->acked) {
        emit_exec(x, o, PMC_EXEC_ACK, 0, 0, st);
        o->acked = 1;
    }
    o->delayed = a->status == PMC_CLOB_ST_DELAYED;
    if (o->want_cancel) {
        o->want_cancel = 0;
        o->phase = P_CANCEL;
        o->next_at = x->now;
        return;
    }
    o->phase = P_LIVE;
    o->next_at = o->delayed           ? x->now + DELAYED_POLL_MS
                 : pmc__poll_every(x) ? x->now + pmc__poll_every(x)
                                      : NEVER;
}

void pmc__fsm_get_done(struct pmc_clob *x, struct order *o,
                       const struct pmc__done *d)
{
    struct req *r = &o->r;
    long status = d->status;
    if (!status || status >= 500 || status == 429) {
        pmc__count(x, status);
        pmc_breaker_result(&x->br, 0, x->now);
        if (status == 429)
            note_rate_headers(x, r);
        o->next_at = x->now + x->cfg.reconcile_delay_ms;
        return;
    }
    if (o->phase == P_RESTART)
        pmc_killpoint(PMC_KP_RECONCILE); /* answered; not applied yet */
    pmc__count(x, status);
    pmc_breaker_result(&x->br, 1, x->now);
    int notfound = status == 404;
    if (status >= 200 && status < 300) {
        struct pmc_clob_order_ans oa;
        struct pmc_wire_err werr;
        if (pmc__answer_cut(r, &werr) ||
            pmc_clob_rest_order(r->resp, r->resp_len, &oa, &werr) != PMC_OK) {
            /* never read as "not found": that could send the order again */
            pmc__note(x, "order %s: unreadable look-up answer (%s); retrying",
                      o->coid.s, werr.msg);
            o->next_at = x->now + x->cfg.reconcile_delay_ms;
            return;
        }
        if (oa.found) {
            pmc__fsm_apply_order(x, o, &oa);
            return;
        }
        notfound = 1;
    }
    if (!notfound) {
        char msg[200];
        pmc__answer_msg(r, msg, sizeof msg);
        pmc__note(x, "order %s: look-up by hash refused (%ld: %s); retrying",
                  o->coid.s, status, msg);
        o->next_at = x->now + (x->cfg.reconcile_delay_ms > 1000
                                   ? x->cfg.reconcile_delay_ms
                                   : 1000);
        return;
    }
    switch (o->phase) {
    case P_RESTART:
        pmc__reject(x, o, "not_at_venue");
        return;
    case P_CONFIRM:
        if (++o->recon < x->cfg.reconcile_tries) {
            o->next_at = x->now + x->cfg.reconcile_delay_ms;
            return;
        }
        retry_or_reject(x, o, "not found by hash: never accepted");
        return;
    default:
        pmc__finish(x, o, "gone");
        return;
    }
}

void pmc__fsm_del_done(struct pmc_clob *x, struct order *o,
                       const struct pmc__done *d)
{
    long status = d->status;
    pmc__count(x, status);
    int fail = !status || status >= 500 || status == 429;
    pmc_breaker_result(&x->br, !fail, x->now);
    if (fail && o->del_tries <= x->cfg.max_retries) {
        o->phase = P_CANCEL;
        o->next_at = x->now + x->cfg.retry_backoff_ms;
        return;
    }
    if (fail || status >= 300) {
        char msg[200];
        pmc__answer_msg(&o->r, msg, sizeof msg);
        pmc__note(x, "order %s: cancel refused (%ld: %s)", o->coid.s, status,
                  msg);
    } else {
        struct pmc_clob_cancel_ans ca;
        struct pmc_wire_err werr;
        if (pmc__answer_cut(&o->r, &werr) ||
            pmc_clob_rest_cancel(o->r.resp, o->r.resp_len, o->hash, &ca,
                                 &werr) != PMC_OK)
            pmc__note(x, "order %s: unreadable cancel answer (%s)", o->coid.s,
                      werr.msg);
        else if (ca.refused)
            pmc__note(x, "order %s: cancel refused (%s)", o->coid.s, ca.why);
    }
    /* read the final state (fills that raced the cancel) by hash */
    o->phase = P_LIVE;
    o->next_at = x->now;
}

/* Post the n orders due: one alone as POST /order, several together. */
static void post_due(struct pmc_clob *x, const uint32_t *idx, uint32_t n)
{
    if (n == 1)
        pmc__start_post(x, &x->orders[idx[0]]);
    else if (n > 1)
        start_batch(x, idx, n);
}

/* Start whatever is due for every order; the POSTs due in this pass go
 * out together, batch_max to a request (none while held). */
void pmc__fsm_service(struct pmc_clob *x)
{
    pmc_ms now = x->now;
    uint32_t due[PMC_CLOB_BATCH_MAX], ndue = 0;
    uint32_t per = x->cfg.batch_max > 1 ? x->cfg.batch_max : 1;
    for (uint32_t i = 0; i < x->cfg.max_orders && x->nused; i++) {
        struct order *o = &x->orders[i];
        if (!o->used || o->r.active || o->batch || o->next_at > now)
            continue;
        switch (o->phase) {
        case P_META:
            break;
        case P_SEND:
            if (x->held)
                break;
            due[ndue++] = i;
            if (ndue == per) {
                post_due(x, due, ndue);
                ndue = 0;
            }
            break;
        case P_CONFIRM:
        case P_RESTART:
        case P_LIVE:
            start_get_order(x, o);
            break;
        case P_CANCEL:
            start_delete(x, o);
            break;
        }
    }
    post_due(x, due, ndue);
}
