/* tests/fuzz/fuzz_tape.c - fuzz the tape codec and, through it, the core.
 *
 * The input is split into lines. Every line goes through pmc_tape_parse;
 * every record it accepts must format to a line that parses again and
 * formats to the same bytes (format -> parse -> format is a fixed point).
 * Input records then drive a small engine (tiny tables, so "full" paths
 * run) the way the tape driver does: due timers first, then the record,
 * and a final flush. Afterwards: every source fill ended in exactly one
 * order or skip, no position is short, no pending counter is negative, and
 * every action formats to a valid tape line. Any breach aborts.
 *
 * Two conveniences for the fuzzer, both invisible to the codec:
 *  - an optional first line "#cfg ABC" (digits) picks copy_mode = A % 3,
 *    sizing = B % 3, order_tif = C % 3;
 *  - an exec record whose coid is "#N" is delivered for the (N mod k)-th
 *    of the last k orders the engine emitted, so reports reach real
 *    orders. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dec.h"
#include "core/engine.h"
#include "core/tape.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                               \
    do {                                                                       \
        if (!(c)) {                                                            \
            fprintf(stderr, "fuzz_tape: check failed: %s (%s:%d)\n", #c,       \
                    __FILE__, __LINE__);                                       \
            abort();                                                           \
        }                                                                      \
    } while (0)

#define T1 "0x1d0034134e339a309700ff2d34e99fa2d48b0313"
#define T2 "0x6af75d4e4aaf700450efbac3708cce1665810ff1"
#define T3 "0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

#define FMT_CAP (2 * PMC_TAPE_LINE_MAX + 64)
#define RING 16

struct run {
    struct pmc_engine *e;
    struct pmc_actions out;
    pmc_ms now, last_t;
    uint64_t skips, order_fills, fills_in;
    struct pmc_sym coids[RING];
    uint32_t ncoids;
    char *fmt;
};

static char fmt_a[FMT_CAP], fmt_b[FMT_CAP];

/* format -> parse -> format must give the same bytes */
static void check_fixed_point(const struct pmc_record *r)
{
    size_t n = pmc_tape_format(r, fmt_a, sizeof fmt_a);
    CHECK(n > 0 && fmt_a[n - 1] == '\n');
    if (n - 1 > PMC_TAPE_LINE_MAX)
        return; /* ".5" written as "0.5" can push a maximal line over */
    struct pmc_record r2;
    struct pmc_tape_err err;
    int has = 0;
    if (pmc_tape_parse(fmt_a, n - 1, &r2, &has, &err) != PMC_OK) {
        fprintf(stderr, "fuzz_tape: formatted line does not parse: %s\n%s",
                err.msg, fmt_a);
        abort();
    }
    CHECK(has == 1);
    CHECK(r2.kind == r->kind && r2.t == r->t);
    size_t m = pmc_tape_format(&r2, fmt_b, sizeof fmt_b);
    if (m != n || memcmp(fmt_a, fmt_b, n) != 0) {
        fprintf(stderr, "fuzz_tape: not a fixed point:\n  %s  %s", fmt_a,
                fmt_b);
        abort();
    }
}

static void check_action(struct run *R, const struct pmc_record *a)
{
    const struct pmc_config *c = pmc_engine_config(R->e);
    /* timers act at their own deadlines: never later than now, and in
     * order */
    CHECK(a->t <= R->now && a->t >= R->last_t);
    R->last_t = a->t;
    switch (a->kind) {
    case PMC_K_SKIP:
        R->skips++;
        CHECK((unsigned)a->u.skip.reason < PMC_SKIP_COUNT);
        break;
    case PMC_K_ORDER: {
        const struct pmc_order_act *o = &a->u.order;
        CHECK(o->nfills >= 1 && o->nfills <= c->max_bucket_fills);
        CHECK(o->fills != NULL);
        R->order_fills += o->nfills;
        CHECK(o->sz > 0 && o->sz % 10000 == 0);
        CHECK(o->px > 0 && o->px < PMC_MICRO);
        CHECK(o->tif == c->time_in_force);
        R->coids[R->ncoids % RING] = o->coid;
        R->ncoids++;
        break;
    }
    case PMC_K_KILL:
        CHECK(a->u.kill.by_core == 1);
        break;
    case PMC_K_TRADER:
        CHECK(a->u.trader.who == PMC_WHO_CORE);
        break;
    case PMC_K_REFUSE:
        CHECK(a->u.refuse.reason[0] != '\0');
        break;
    default:
        CHECK(!"unexpected action kind");
    }
    /* an action is a valid tape line and a fixed point too */
    check_fixed_point(a);
}

static void drain(struct run *R)
{
    for (size_t i = 0; i < R->out.n; i++)
        check_action(R, &R->out.v[i]);
    R->out.n = 0;
}

/* 0 ok, -1 the engine refused (a full table): stop feeding */
static int advance(struct run *R, pmc_ms until)
{
    int more;
    do {
        if (pmc_engine_advance(R->e, until, &R->out, &more) != PMC_OK)
            return -1;
        /* timers run at their own deadlines, never after `until` */
        drain(R);
    } while (more);
    return 0;
}

static int feed(struct run *R, struct pmc_record *rec)
{
    if (!pmc_kind_is_input(rec->kind) || pmc_record_is_action(rec))
        return 0;
    if (rec->t > R->now)
        R->now = rec->t;
    if (advance(R, R->now) < 0)
        return -1;
    if (rec->kind == PMC_K_EXEC && rec->u.exec.coid.n >= 2 &&
        rec->u.exec.coid.s[0] == '#' && R->ncoids) {
        int64_t k = 0;
        if (pmc_int_parse(rec->u.exec.coid.s + 1, rec->u.exec.coid.n - 1u,
                          &k) == PMC_OK &&
            k >= 0) {
            uint32_t have = R->ncoids < RING ? R->ncoids : RING;
            rec->u.exec.coid = R->coids[(uint64_t)k % have];
        }
    }
    if (rec->kind == PMC_K_FILL)
        R->fills_in++;
    enum pmc_err e = pmc_engine_step(R->e, rec, R->now, &R->out);
    CHECK(e != PMC_ETIME);
    drain(R);
    return e == PMC_OK ? 0 : -1;
}

static void check_state(const struct run *R)
{
    struct pmc_engine_stats st;
    pmc_engine_stats(R->e, &st);
    CHECK(st.pending_buy >= 0);
    CHECK(st.open_orders <= pmc_engine_config(R->e)->max_open_orders);
    struct pmc_position_view v;
    for (uint32_t i = 0; pmc_engine_position(R->e, i, &v); i++) {
        CHECK(v.shares >= 0);
        CHECK(v.pending_buy >= 0);
        CHECK(v.pending_sell >= 0);
    }
}

static void config_for(struct pmc_config *c, const uint8_t *data, size_t size)
{
    pmc_config_defaults(c);
    c->max_tokens = 8;
    c->max_open_buckets = 4;
    c->max_bucket_fills = 4;
    c->max_open_orders = 8;
    c->dedupe_capacity = 16;
    c->kill_max_consecutive_rejects = 3;
    c->kill_max_daily_loss_usd = 5 * PMC_MICRO;
    c->max_pending_usd = 3 * PMC_MICRO;
    c->bypass_shares = 200 * PMC_MICRO;
    if (size >= 8 && memcmp(data, "#cfg ", 5) == 0) {
        /* any byte works: '0'..'2' map to themselves */
        c->copy_mode = (enum pmc_copy_mode)((unsigned)(data[5] - '0') % 3u);
        c->sizing = (enum pmc_sizing)((unsigned)(data[6] - '0') % 3u);
        c->time_in_force = (enum pmc_tif)((unsigned)(data[7] - '0') % 3u);
    }
    enum pmc_err e;
    e = pmc_config_add_trader(c, T1, strlen(T1), "one", -1, 0, 1);
    CHECK(e == PMC_OK);
    e = pmc_config_add_trader(c, T2, strlen(T2), "two", 2500000, 2 * PMC_MICRO,
                              1);
    CHECK(e == PMC_OK);
    e = pmc_config_add_trader(c, T3, strlen(T3), "off", -1, 0, 0);
    CHECK(e == PMC_OK);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct pmc_config cfg;
    static void *mem;
    static size_t mem_size;
    static struct pmc_record actions[64];

    config_for(&cfg, data, size);
    size_t need = pmc_engine_mem_size(&cfg);
    if (need > mem_size) {
        free(mem);
        mem_size = (need + 63) & ~(size_t)63;
        mem = aligned_alloc(64, mem_size);
        CHECK(mem != NULL);
    }
    struct run R;
    memset(&R, 0, sizeof R);
    CHECK(pmc_engine_init(&R.e, mem, mem_size, &cfg) == PMC_OK);
    CHECK(pmc_engine_max_actions(&cfg) <= PMC_ARRAY_LEN(actions));
    R.out.v = actions;
    R.out.cap = pmc_engine_max_actions(&cfg);
    R.now = 0;

    const char *s = (const char *)data;
    size_t i = 0;
    int engine_ok = 1;
    while (i < size) {
        const char *nl = memchr(s + i, '\n', size - i);
        size_t n = nl ? (size_t)(nl - (s + i)) : size - i;
        struct pmc_record rec;
        struct pmc_tape_err err;
        int has = 0;
        enum pmc_err e = pmc_tape_parse(s + i, n, &rec, &has, &err);
        if (e == PMC_OK && has) {
            CHECK(rec.t >= 0 && rec.t <= PMC_TIME_MAX);
            check_fixed_point(&rec);
            if (engine_ok && feed(&R, &rec) < 0)
                engine_ok = 0;
        } else if (e != PMC_OK) {
            CHECK(has == 0);
            CHECK(err.msg[0] != '\0');
            CHECK(memchr(err.msg, '\0', sizeof err.msg) != NULL);
        }
        i += n + 1;
    }
    if (engine_ok) {
        /* shutdown: every open bucket flushes */
        if (advance(&R, R.now) == 0) {
            struct pmc_record fl;
            memset(&fl, 0, sizeof fl);
            fl.kind = PMC_K_FLUSH;
            fl.t = R.now;
            struct pmc_engine_stats st;
            int rounds = 0;
            do {
                CHECK(pmc_engine_step(R.e, &fl, R.now, &R.out) == PMC_OK);
                drain(&R);
                pmc_engine_stats(R.e, &st);
                CHECK(++rounds < 1000);
            } while (st.open_buckets > 0);
            /* every fill in exactly one place */
            CHECK(st.fills_seen == R.fills_in);
            if (R.skips + R.order_fills != R.fills_in) {
                fprintf(stderr,
                        "fuzz_tape: %llu fills in, %llu skipped + %llu in "
                        "orders\n",
                        (unsigned long long)R.fills_in,
                        (unsigned long long)R.skips,
                        (unsigned long long)R.order_fills);
                abort();
            }
        }
    }
    check_state(&R);
    return 0;
}
