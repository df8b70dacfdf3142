/* live/loop.c - the live event loop (see loop.h and docs/live.md): the
 * pass, the inbox as the driver's input port, the inputs' side effects,
 * set-up (venue, watchers, store, API, checkpoints, config and ready
 * files) and shutdown. The loop's other parts are listed in loop_int.h.
 *
 * Decides: the order in which records reach the core (one inbox, FIFO,
 * each stamped with the loop's `now` when taken), when timers fire, that
 * every input is journaled before the core sees it, the order of set-up
 * (rebuild before the venue, settling before the watchers) and how the
 * process stops.
 * Never: decides what to trade (the core does), reads the clock anywhere
 * but at the top of a pass (through live/clock.c), or sends an order
 * itself (live/orders.c does, once the store committed it). */
#include "live/loop_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto/config_load.h"
#include "core/dec.h"
#include "live/clock.h"
#include "live/dashboard.h"
#include "live/dblock.h"
#include "live/killpoint.h"
#include "live/memlock.h"
#include "live/nodump.h"
#include "live/readapi.h"

/* ---- the inbox ------------------------------------------------------------ */

static int inbox_pop(struct live *L, struct pmc_record *r, int64_t *mono)
{
    return pmc_inbox_pop(&L->in, r, mono);
}

/* ---- inputs -------------------------------------------------------------- */

static void watch_emit(void *ctx, struct pmc_record *rec,
                       enum pmc_watch_src src)
{
    (void)src;
    pmc_live_push(ctx, rec);
}

/* The watchers' and the executor's notes ("watch SRC: text", text) as
 * logfmt lines: warn (an executor note marked "error: ", error), the text
 * quoted whole (it names the URL and host of a connection that failed). */
static void watch_log(void *ctx, const char *line)
{
    char src[16] = "?", q[700];
    const char *text = line;
    if (!strncmp(line, "watch ", 6)) {
        size_t n = strcspn(line + 6, ": ");
        if (n < sizeof src && line[6 + n] == ':') {
            memcpy(src, line + 6, n);
            src[n] = '\0';
            text = line + 6 + n + 1 + (line[6 + n + 1] == ' ');
        }
    }
    pmc_live_log(ctx, "level=warn event=watch source=%s msg=%s", src,
                 pmc_live_q(q, sizeof q, text));
}

static void exec_log(void *ctx, const char *line)
{
    char q[700];
    /* a note the executor marks "error: " is logged at that level */
    int error = !strncmp(line, "error: ", 7);
    pmc_live_log(ctx, "level=%s event=exec msg=%s", error ? "error" : "warn",
                 pmc_live_q(q, sizeof q, line + (error ? 7 : 0)));
}

static void side_effects(struct live *L, const struct pmc_record *r)
{
    switch (r->kind) {
    case PMC_K_FILL: {
        struct filltime *ft = &L->ft[r->u.fill.key.h % FILLTIME_SLOTS];
        ft->h = r->u.fill.key.h;
        ft->ts = r->u.fill.ts;
        ft->recv = r->t;
        ft->px = r->u.fill.px;
        ft->trader =
            (int32_t)pmc_config_find_trader(&L->cfg, &r->u.fill.trader);
    }
        if (L->store &&
            pmc_store_seen(L->store, r->u.fill.key.s, r->t) != PMC_OK)
            pmc_live_fail(L, "store", pmc_store_errmsg(L->store));
        if (L->watch && L->o.book_ws && *L->o.book_ws) {
            enum pmc_err e = pmc_watch_book_add(L->watch, r->u.fill.token.s,
                                                r->u.fill.token.n);
            if (e != PMC_OK && e != PMC_ESTATE)
                pmc_live_log(L,
                             "level=warn event=book_follow_failed token=%s "
                             "err=\"%s\"",
                             r->u.fill.token.s, pmc_strerror(e));
        }
        if (L->paper) /* a trade print on its token, its market's end */
            pmc_paper_on_record(L->paper, r, L->now);
        break;
    case PMC_K_QUOTE:
    case PMC_K_BOOK:
    case PMC_K_TRADE:
    case PMC_K_RESOLVE:
        if (L->paper)
            pmc_paper_on_record(L->paper, r, L->now);
        break;
    case PMC_K_MARKET:
        if (L->paper)
            pmc_paper_on_record(L->paper, r, L->now);
        if (L->clob && r->u.market.tick) {
            char t[24];
            size_t n = pmc_dec_format(r->u.market.tick, t);
            if (pmc_clob_tick_changed(L->clob, &r->u.market.token, t, n) !=
                PMC_OK)
                pmc_live_log(L, "level=warn event=bad_tick token=%s tick=%s",
                             r->u.market.token.s, t);
        }
        break;
    default:
        break;
    }
}

/* The inbox as the driver's input port: the oldest record, stamped with
 * the loop's `now`, once the timers due by now have fired; PMC_EEND when
 * the inbox is empty and no timer is due (back to polling). */
static enum pmc_err inbox_next(void *self, pmc_ms deadline,
                               struct pmc_record *ev)
{
    struct live *L = self;
    L->cur = NULL;
    if (L->failed)
        return PMC_EEND;
    if (deadline <= L->now)
        return PMC_EAGAIN;
    int64_t mono;
    if (!inbox_pop(L, ev, &mono))
        return PMC_EEND;
    ev->t = L->now; /* our receive time, never going back */
    L->cur_frame_ns = mono;
    return PMC_OK;
}

/* The driver's input hook: every input is journaled before the core sees
 * it, then the venue/store side of it. */
static enum pmc_err on_input(void *ctx, const struct pmc_record *r)
{
    struct live *L = ctx;
    if (L->rebuilding)
        return PMC_OK;
    L->cur = r;
    L->inputs++;
    if (L->store && pmc_store_journal(L->store, r, NULL) != PMC_OK) {
        pmc_live_fail(L, "store", pmc_store_errmsg(L->store));
        return PMC_EIO;
    }
    pmc_live_control_note(L, r);
    if (r->kind == PMC_K_EXEC) {
        pmc_live_store_exec(L, r);
        /* answered: it was journaled, or never will be */
        pmc_pending_del(&L->pend, &r->u.exec.coid);
    }
    side_effects(L, r);
    if (r->kind == PMC_K_FILL || r->kind == PMC_K_QUOTE ||
        r->kind == PMC_K_TRADE || r->kind == PMC_K_RESOLVE)
        L->marks_dirty = 1; /* marks.c */
    return PMC_OK;
}

static void drain_inbox(struct live *L)
{
    if (L->failed)
        return;
    /* the orders of this pass go out together (POST /orders) */
    if (L->clob)
        pmc_clob_hold(L->clob);
    enum pmc_err e = pmc_driver_run(&L->drv, &L->src);
    if (L->clob)
        pmc_clob_release(L->clob, L->now);
    L->cur = NULL;
    if (e != PMC_OK && !L->failed) {
        char d[96];
        snprintf(d, sizeof d, "%s on a %s record", pmc_strerror(e),
                 pmc_kind_name(L->drv.fail_kind));
        pmc_live_fail(L, "core", d);
    }
}

/* ---- set-up and the loop -------------------------------------------------- */

void pmc_live_opts_default(struct pmc_live_opts *o)
{
    memset(o, 0, sizeof *o);
    o->mode = PMC_LIVE_PAPER;
    o->clob_url = "https://clob.polymarket.com";
    o->clob_lanes = 2;
    o->clob_batch = PMC_CLOB_BATCH_MAX;
    o->mlock = 1;
    o->chain_ws = "";
    o->rtds_ws = "wss://ws-live-data.polymarket.com";
    o->book_ws = "wss://ws-subscriptions-clob.polymarket.com/ws/market";
    o->user_ws = NULL; /* the venue's own with the default clob_url */
    o->data_api = "https://data-api.polymarket.com";
    o->drain_ms = 3000;
    o->shutdown_flush = 1;
    o->restart_stale_ms = 5000;
    o->paper_half_spread = 5000;
    o->seed = 1;
    o->log_level = PMC_LOG_INFO;
}

static void clock_tick(struct live *L)
{
    pmc_ms t = pmc_clock_now_ms();
    if (t > L->now)
        L->now = t; /* a wall clock that jumps back is held */
}

static const char *const ckpt_names[] = {"chain", "rtds", "api", "book"};

static void save_checkpoints(struct live *L)
{
    if (!L->store || !L->watch)
        return;
    for (int i = 0; i < PMC_WATCH_BOOK; i++) {
        char v[24];
        snprintf(
            v, sizeof v, "%lld",
            (long long)pmc_watch_checkpoint(L->watch, (enum pmc_watch_src)i));
        if (pmc_store_checkpoint(L->store, ckpt_names[i], v, L->now) != PMC_OK)
            pmc_live_fail(L, "store", pmc_store_errmsg(L->store));
    }
}

static void load_checkpoints(struct live *L)
{
    for (int i = 0; i < PMC_WATCH_BOOK; i++) {
        char v[64];
        pmc_ms t;
        if (pmc_store_checkpoint_get(L->store, ckpt_names[i], v, sizeof v,
                                     &t) == 1)
            pmc_watch_set_checkpoint(L->watch, (enum pmc_watch_src)i,
                                     strtoll(v, NULL, 10));
    }
}

static enum pmc_err setup_venue(struct live *L)
{
    if (L->o.mode == PMC_LIVE_PAPER) {
        PMC_TRY(pmc_paper_new(&L->paper, pmc_live_venue_emit, L));
        pmc_paper_set_half_spread(L->paper, L->o.paper_half_spread);
        pmc_paper_set_trade_fail(L->paper, L->cfg.trade_fail_share,
                                 L->cfg.trade_fail_after_ms);
        L->venue = pmc_paper_venue(L->paper);
        return PMC_OK;
    }
    /* before the key is read: no core file or debugger ever sees it */
    char nd[192];
    pmc_nodump(nd, sizeof nd);
    pmc_live_log(L, "level=info %s", nd);
    struct pmc_exec_creds creds;
    memset(&creds, 0, sizeof creds);
    char why[256];
    enum pmc_err e = pmc_exec_creds_load(&creds, why, sizeof why);
    if (e != PMC_OK) {
        pmc_live_fail(L, "--live needs credentials", why);
        return e;
    }
    struct pmc_clob_cfg cc;
    pmc_clob_cfg_default(&cc);
    cc.base_url = L->o.clob_url;
    cc.lanes = (uint32_t)L->o.clob_lanes;
    cc.batch_max = (uint32_t)L->o.clob_batch;
    struct pmc_clob_hooks hk;
    memset(&hk, 0, sizeof hk);
    hk.ctx = L;
    hk.emit = pmc_live_venue_emit;
    hk.journal_order = pmc_live_journal_order;
    hk.wire = pmc_live_on_wire;
    hk.trade = pmc_live_on_trade;
    hk.log = exec_log;
    e = pmc_clob_new(&cc, &creds, &hk, L->now, &L->clob, why, sizeof why);
    pmc_exec_creds_wipe(&creds);
    if (e != PMC_OK) {
        pmc_live_fail(L, "executor", why);
        return e;
    }
    L->venue = pmc_clob_venue(L->clob);
    return PMC_OK;
}

/* The CLOB user channel, carried by the watcher set, read by the
 * executor (live/exec/user.c). */
static size_t user_sub(void *ctx, char *out, size_t cap)
{
    struct live *L = ctx;
    return pmc_clob_user_subscribe_msg(L->clob, out, cap);
}

static void user_frame(void *ctx, const char *buf, size_t n)
{
    struct live *L = ctx;
    struct pmc_wire_err err;
    memset(&err, 0, sizeof err);
    if (pmc_clob_user_feed(L->clob, buf, n, L->now, &err) != PMC_OK) {
        char q[300];
        pmc_live_log(L, "level=warn event=user_channel_frame err=%s",
                     pmc_live_q(q, sizeof q, err.msg));
    }
}

static void user_link(void *ctx, int up)
{
    struct live *L = ctx;
    pmc_live_log(L, "level=info event=user_channel state=%s polling=%s",
                 up ? "up" : "down", up ? "slow" : "on");
    pmc_clob_user_link(L->clob, up, L->now);
}

static enum pmc_err setup_watch(struct live *L)
{
    const char *wallets[PMC_MAX_TRADERS];
    size_t nw = 0;
    for (uint32_t i = 0; i < L->cfg.ntraders; i++)
        if (L->cfg.traders[i].enabled)
            wallets[nw++] = L->cfg.traders[i].address.s;
    struct pmc_watch_config wc;
    memset(&wc, 0, sizeof wc);
    wc.chain_url = L->o.chain_ws;
    wc.rtds_url = L->o.rtds_ws;
    wc.book_url = L->o.book_ws;
    if (L->clob) { /* the user channel: our orders' fills and trades */
        /* not given: the venue's with the venue's REST root, none with
         * another CLOB (a test's fake never leads to the real one) */
        wc.user_url = L->o.user_ws ? L->o.user_ws
                      : strcmp(L->o.clob_url, "https://clob.polymarket.com")
                          ? ""
                          : "wss://ws-subscriptions-clob.polymarket.com/ws/"
                            "user";
        wc.user_sub = user_sub;
        wc.user_frame = user_frame;
        wc.user_link = user_link;
    }
    wc.api_url = L->o.data_api;
    wc.wallets = wallets;
    wc.nwallets = nw;
    wc.chain_v1 = L->o.chain_v1;
    wc.poll_ms = L->o.poll_ms;
    wc.poll_idle_ms = L->o.poll_idle_ms;
    wc.seed = L->o.seed;
    wc.emit = watch_emit;
    wc.log = watch_log;
    wc.ctx = L;
    if (!pmc_live_sources_configured(L))
        pmc_live_log(L, "level=warn event=no_source reason=\"no fill source "
                        "is configured (--chain-ws, --rtds-ws and --data-api "
                        "are all off): nothing will be copied\"");
    enum pmc_err e = pmc_watch_new(&wc, L->now, &L->watch);
    if (e != PMC_OK)
        pmc_live_fail(L, "watchers", pmc_strerror(e));
    return e;
}

/* The configuration the session runs with, beside the store, so that
 * `pmcopy replay --db` re-decides with it (DB-config.json, mode 0600). */
static void write_config(struct live *L)
{
    char path[sizeof L->cfg.db_path + 16];
    snprintf(path, sizeof path, "%s-config.json", L->cfg.db_path);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f || pmc_config_write_json(&L->cfg, f) != PMC_OK) {
        char qp[sizeof path + 8];
        pmc_live_log(L, "level=warn event=config_not_saved path=%s err=\"%s\"",
                     pmc_live_q(qp, sizeof qp, path), strerror(errno));
        if (f)
            fclose(f);
        else if (fd >= 0)
            close(fd);
        return;
    }
    fclose(f);
}

static void write_ready(struct live *L)
{
    if (!L->o.ready_file)
        return;
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", L->o.ready_file);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return;
    fprintf(f, "pid=%d\napi_port=%d\n", (int)getpid(),
            L->api ? pmc_api_port(L->api) : 0);
    fclose(f);
    rename(tmp, L->o.ready_file);
}

/* ---- the local API (live/api.h) ------------------------------------------ */

static void api_log(void *ctx, const char *line)
{
    pmc_live_log(ctx, "%s", line);
}

/* The token (PMC_API_TOKEN, else DB-api-token beside the store, else
 * READY-api-token beside the ready file), then the server; the log names
 * the token's file, never the token. */
static enum pmc_err open_api(struct live *L)
{
    char path[4200] = "", tok[PMC_API_TOKEN_MAX + 1], aerr[512];
    const char *src = "", *file = NULL;
    if (L->store)
        file = L->cfg.db_path;
    else if (L->o.ready_file)
        file = L->o.ready_file;
    if (file)
        snprintf(path, sizeof path, "%s-api-token", file);
    enum pmc_err e =
        pmc_api_token_load(file ? path : NULL, tok, &src, aerr, sizeof aerr);
    if (e == PMC_OK) {
        struct pmc_api_opts ao;
        memset(&ao, 0, sizeof ao);
        ao.port = L->cfg.api_port;
        ao.token = tok;
        ao.loop_fn = pmc_live_api_handler;
        ao.loop_ctx = L;
        ao.page = pmc_live_dashboard_page; /* GET /, without the token */
        ao.page_len = pmc_live_dashboard_len;
        if (L->store) { /* the store's reads, on the server's threads */
            ao.thread_fn = pmc_live_read_api;
            ao.thread_ctx = L->cfg.db_path;
        }
        ao.log = api_log;
        ao.log_ctx = L;
        e = pmc_api_open(&L->api, &ao, aerr, sizeof aerr);
    }
    memset(tok, 0, sizeof tok);
    if (e != PMC_OK) {
        pmc_live_fail(L, "api", aerr);
        return e;
    }
    pmc_live_log(L, "level=info event=api_listening port=%d token_file=%s%s",
                 pmc_api_port(L->api),
                 strcmp(src, "env") ? path : "none token_source=PMC_API_TOKEN",
                 strcmp(src, "created") ? "" : " token_created=1");
    return PMC_OK;
}

/* Everything set up: lock the process's memory (live/memlock.c). */
static void lock_memory(struct live *L)
{
    if (!L->o.mlock)
        return;
    char msg[320];
    pmc_memlock_all(msg, sizeof msg);
    pmc_live_log(L, "level=info %s", msg);
}

static void shutdown_(struct live *L)
{
    /* intake stopped: no more watcher service. Flush buckets, then give
     * open orders a bounded time to finish. */
    if (!L->failed && L->o.shutdown_flush) {
        struct pmc_record fl;
        memset(&fl, 0, sizeof fl);
        fl.kind = PMC_K_FLUSH;
        fl.t = L->now;
        pmc_live_push(L, &fl);
        drain_inbox(L);
    }
    pmc_ms until = L->now + L->o.drain_ms;
    while (!L->failed && L->clob && pmc_clob_open_orders(L->clob) > 0 &&
           L->now < until) {
        pmc_clob_wait(L->clob, 10);
        clock_tick(L);
        if (pmc_clob_tick(L->clob, L->now) != PMC_OK)
            break;
        drain_inbox(L);
    }
    drain_inbox(L);
    save_checkpoints(L);
    pmc_live_persist_marks(L);
}

int pmc_live_run(const struct pmc_config *cfg, const struct pmc_live_opts *o,
                 volatile sig_atomic_t *stop, char *err, size_t cap)
{
    struct live *L = calloc(1, sizeof *L);
    if (!L) {
        snprintf(err, cap, "out of memory");
        return 1;
    }
    L->cfg = *cfg;
    L->o = *o;
    L->err = err;
    L->errcap = cap;
    L->lock_fd = -1;
    err[0] = '\0';
    clock_tick(L);
    L->started = L->now;
    int rc = 1;
    char kerr[256];
    if (pmc_killpoint_init(kerr, sizeof kerr) != 0) {
        pmc_live_fail(L, "kill point", kerr);
        goto out;
    }
    if (pmc_killpoint_at != PMC_KP_NONE) {
        pmc_killpoint_describe(kerr, sizeof kerr);
        pmc_live_log(L, "level=warn event=kill_point_armed at=%s", kerr);
    }
    if (pmc_inbox_init(&L->in,
                       o->inbox_cap ? o->inbox_cap : PMC_LIVE_INBOX_DEFAULT) !=
        PMC_OK) {
        pmc_live_fail(L, "out of memory", "inbox");
        goto out;
    }
    if (pmc_pending_init(&L->pend, cfg->max_open_orders) != PMC_OK) {
        pmc_live_fail(L, "out of memory", "pending orders");
        goto out;
    }
    size_t dsz = (pmc_driver_mem_size(cfg) + 63) & ~(size_t)63;
    L->drv_mem = aligned_alloc(64, dsz);
    L->to_venue.self = L;
    L->to_venue.submit = pmc_live_on_order;
    L->src.self = L;
    L->src.next = inbox_next;
    struct pmc_driver_hook hook = {L, on_input, pmc_live_on_action};
    enum pmc_err de = L->drv_mem ? pmc_driver_init(&L->drv, L->drv_mem, dsz,
                                                   cfg, &L->to_venue, &hook)
                                 : PMC_ENOMEM;
    if (de != PMC_OK) {
        pmc_live_fail(L, "core: cannot set up the engine", pmc_strerror(de));
        goto out;
    }
    if (cfg->db_enabled) {
        struct pmc_store_info info;
        char serr[512];
        /* one writer per store, before it is opened for writing */
        if (pmc_dblock_take(cfg->db_path, &L->lock_fd, serr, sizeof serr)) {
            pmc_live_fail(L, serr, NULL);
            goto out;
        }
        struct pmc_store_opts so = {0};
        so.caller_marks = 1; /* the core's marks (marks.c) */
        if (pmc_store_open(cfg->db_path, &so, &L->store, &info, serr,
                           sizeof serr) != PMC_OK) {
            pmc_live_fail(L, "store", serr);
            goto out;
        }
        if (info.journal_records && pmc_live_rebuild(L) != PMC_OK)
            goto out;
        write_config(L);
    }
    clock_tick(L);
    if (setup_venue(L) != PMC_OK)
        goto out;
    if (L->store && L->rebuild_inputs)
        pmc_live_settle_after_rebuild(L);
    pmc_live_persist_marks(L); /* the rebuilt engine's */
    if (setup_watch(L) != PMC_OK)
        goto out;
    if (L->store)
        load_checkpoints(L);
    if (cfg->api_enabled && open_api(L) != PMC_OK)
        goto out;
    if (pmc_live_service_open(L) != PMC_OK)
        goto out;
    lock_memory(L);
    pmc_live_log(L, "level=info event=running mode=%s traders=%u journal=%s",
                 L->paper ? "paper" : "live", cfg->ntraders,
                 L->store ? cfg->db_path : "off");
    pmc_live_ready_pass(L);
    write_ready(L);
    clock_tick(L);
    L->started = L->now; /* --run-for counts from here, after start-up */
    L->last_ckpt = L->now;
    L->kf_queued = -1;
    while (!*stop && !L->failed) {
        clock_tick(L);
        if (L->o.run_for_ms && L->now - L->started >= L->o.run_for_ms)
            break;
        pmc_live_kill_file_check(L);
        pmc_watch_tick(L->watch, L->now);
        if (L->clob && pmc_clob_tick(L->clob, L->now) != PMC_OK)
            pmc_live_fail(L, "executor", "tick failed");
        /* GTD expiries, trade failures due */
        if (L->paper && pmc_paper_tick(L->paper, L->now) < 0)
            pmc_live_log(L, "level=error event=paper_trade_fail_dropped "
                            "msg=\"out of memory: a failing trade stands\"");
        drain_inbox(L); /* inputs and the timers due by now */
        /* wait for frames: short, so REST answers and timers stay prompt */
        pmc_ms next = pmc_engine_next_deadline(L->drv.eng);
        int wait =
            next <= L->now ? 0 : (next - L->now < 2 ? (int)(next - L->now) : 2);
        if (L->api && pmc_api_pending(L->api) && wait > 1)
            wait = 1; /* API requests wait: a short sleep only (a wait of
                         0 lets lws sleep until its next event) */
        if (pmc_watch_service(L->watch, wait) < 0)
            pmc_live_fail(L, "watchers", "libwebsockets failed");
        clock_tick(L);
        drain_inbox(L);
        if (L->clob && pmc_clob_tick(L->clob, L->now) != PMC_OK)
            pmc_live_fail(L, "executor", "tick failed");
        drain_inbox(L);
        pmc_live_ready_pass(L); /* what GET /ready answers */
        pmc_live_service_pass(L);
        if (L->api) {
            pmc_api_set_ready(L->api, L->ready, L->ready_why);
            pmc_api_poll(L->api, L->now);
        }
        if (L->marks_dirty && L->now - L->marks_t >= 1000)
            pmc_live_persist_marks(L);
        if (L->now - L->last_ckpt >= 1000) {
            save_checkpoints(L);
            L->last_ckpt = L->now;
        }
        if (L->clob && pmc_clob_stopped(L->clob) && !L->failed) {
            pmc_live_fail(L, "trading stopped by the venue",
                          pmc_clob_stopped(L->clob));
        }
    }
    pmc_live_service_stopping(L);
    shutdown_(L);
    rc = L->failed ? 1 : 0;
    char qerr[600];
    pmc_live_log(L, "level=%s event=stopped inputs=%llu orders_sent=%llu%s%s",
                 L->failed ? "error" : "info", (unsigned long long)L->inputs,
                 (unsigned long long)L->orders_sent, L->failed ? " err=" : "",
                 L->failed ? pmc_live_q(qerr, sizeof qerr, L->err) : "");
out:
    pmc_api_close(L->api);
    pmc_live_service_close(L);
    pmc_watch_free(L->watch);
    pmc_clob_free(L->clob);
    pmc_paper_free(L->paper);
    if (L->store && pmc_store_close(L->store) != PMC_OK && !L->failed) {
        snprintf(err, cap, "store: final commit failed");
        rc = 1;
    }
    pmc_dblock_release(L->lock_fd); /* after the store's last write */
    free(L->drv_mem);
    pmc_pending_fini(&L->pend);
    pmc_inbox_fini(&L->in);
    free(L->rebuilt);
    free(L->marks);
    if (L->failed)
        rc = 1;
    free(L);
    return rc;
}
