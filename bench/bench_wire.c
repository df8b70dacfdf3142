/* bench/bench_wire.c - wire decoder throughput.
 *
 * Generates RTDS activity/trades frames and CLOB book frames in memory
 * (distinct prices, sizes and ids per frame, 10 levels a side for books)
 * and decodes them in a loop. The baseline, measured in the same run, is a
 * bare jansson json_loadb() + json_decref() of the same bytes: the ratio
 * shows what exact numbers and validation cost on top of parsing. With
 * $PMC_DATA set it also times the real 2,984-row /activity dump.
 * Every decode is checked: an RTDS trade frame gives exactly one record, a
 * book frame exactly two (quote and depth), the dump 2,984 rows each time;
 * anything else prints what and where and exits 1 (a fast decoder that
 * drops rows is no result). Runs in about 6 s; takes no arguments. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proto/wire/clob.h"
#include "proto/wire/data_api.h"

#include "bench/bench.h"

#define NFRAMES 4096
#define SECONDS 1.0
#define RTDS_RECORDS 1 /* records one RTDS trade frame gives */
#define BOOK_RECORDS 2 /* one book frame with depth: ev=quote and ev=book */
#define DUMP_ROWS 2984 /* rows of the real /activity dump */

static uint64_t sink_count;

/* ctx: the number of records emitted so far */
static enum pmc_err count(void *ctx, const struct pmc_record *r,
                          const struct pmc_wire_extra *x)
{
    (void)x;
    (*(uint64_t *)ctx)++;
    sink_count += (uint64_t)r->t & 1;
    return PMC_OK;
}

struct frames {
    char *buf[NFRAMES];
    size_t len[NFRAMES];
};

static void make_rtds(struct frames *f)
{
    for (int i = 0; i < NFRAMES; i++) {
        char b[2048];
        int n = snprintf(
            b, sizeof b,
            "{\"topic\":\"activity\",\"type\":\"trades\",\"timestamp\":"
            "%lld,\"connection_id\":\"abc\",\"payload\":{\"asset\":\"%d%070d\","
            "\"bio\":\"\",\"conditionId\":\"0x%064x\",\"eventSlug\":"
            "\"btc-updown-15m-1771359300\",\"icon\":\"https://x/y.png\","
            "\"name\":\"trader%d\",\"outcome\":\"Up\",\"outcomeIndex\":0,"
            "\"price\":0.%02d,\"profileImage\":\"\",\"proxyWallet\":\"0x%"
            "040x\","
            "\"pseudonym\":\"Some-Name\",\"side\":\"%s\",\"size\":%d.%04d,"
            "\"slug\":\"btc-updown-15m-1771359300\",\"timestamp\":%d,"
            "\"title\":\"Bitcoin Up or "
            "Down\",\"transactionHash\":\"0x%064x\"}}",
            1771359613000LL + i, 1 + i % 9, i, i, i, 1 + i % 98, i,
            i % 2 ? "SELL" : "BUY", 1 + i % 500, i % 10000, 1771359613 + i, i);
        f->buf[i] = malloc((size_t)n + 1);
        memcpy(f->buf[i], b, (size_t)n + 1);
        f->len[i] = (size_t)n;
    }
}

static void make_books(struct frames *f)
{
    for (int i = 0; i < NFRAMES; i++) {
        char b[4096];
        int n = snprintf(b, sizeof b,
                         "{\"event_type\":\"book\",\"asset_id\":\"%d%070d\","
                         "\"market\":\"0x%064x\",\"timestamp\":\"%lld\","
                         "\"hash\":\"0x%040x\",\"bids\":[",
                         1 + i % 9, i, i, 1757908892351LL + i, i);
        /* best level last, as the venue sends it */
        for (int l = 0; l < 10; l++)
            n += snprintf(b + n, sizeof b - (size_t)n,
                          "%s{\"price\":\"0.%02d\",\"size\":\"%d.%02d\"}",
                          l ? "," : "", 30 + l, 10 + (i + l) % 900, l);
        n += snprintf(b + n, sizeof b - (size_t)n, "],\"asks\":[");
        for (int l = 0; l < 10; l++)
            n += snprintf(b + n, sizeof b - (size_t)n,
                          "%s{\"price\":\"0.%02d\",\"size\":\"%d.%02d\"}",
                          l ? "," : "", 60 - l, 5 + (i + l) % 700, l);
        n += snprintf(b + n, sizeof b - (size_t)n,
                      "],\"min_order_size\":\"5\",\"tick_size\":\"0.01\","
                      "\"neg_risk\":false,\"last_trade_price\":\"0.5\"}");
        f->buf[i] = malloc((size_t)n + 1);
        memcpy(f->buf[i], b, (size_t)n + 1);
        f->len[i] = (size_t)n;
    }
}

enum which { W_RTDS, W_BOOK, W_BASE };

static double rate(const struct frames *f, enum which w)
{
    struct pmc_wire_sink sink;
    uint64_t emitted = 0;
    memset(&sink, 0, sizeof sink);
    sink.emit = count;
    sink.ctx = &emitted;
    uint64_t done = 0;
    uint64_t expect = w == W_RTDS   ? RTDS_RECORDS
                      : w == W_BOOK ? BOOK_RECORDS
                                    : 0;
    double t0 = now_s(), t1;
    do {
        for (int i = 0; i < NFRAMES; i++) {
            struct pmc_wire_err err;
            enum pmc_err e = PMC_OK;
            uint64_t before = emitted;
            if (w == W_RTDS) {
                e = pmc_wire_decode_rtds(f->buf[i], f->len[i], 0, &sink, &err);
            } else if (w == W_BOOK) {
                e = pmc_wire_decode_clob(f->buf[i], f->len[i], 0,
                                         PMC_WIRE_DEPTH, &sink, &err);
            } else {
                json_t *j = json_loadb(f->buf[i], f->len[i], 0, NULL);
                if (!j)
                    e = PMC_EPARSE;
                json_decref(j);
            }
            if (e != PMC_OK) {
                fprintf(stderr, "bench_wire: frame %d: %s\n", i, err.msg);
                exit(1);
            }
            if (emitted - before != expect) {
                fprintf(stderr,
                        "bench_wire: FAILED: %s frame %d gave %llu records, "
                        "expected %llu\n",
                        w == W_RTDS ? "rtds trades" : "clob book", i,
                        (unsigned long long)(emitted - before),
                        (unsigned long long)expect);
                exit(1);
            }
        }
        done += NFRAMES;
        t1 = now_s();
    } while (t1 - t0 < SECONDS);
    return (double)done / (t1 - t0);
}

static void report(const char *what, const struct frames *f, enum which w)
{
    double base = rate(f, W_BASE);
    double r = rate(f, w);
    size_t bytes = 0;
    for (int i = 0; i < NFRAMES; i++)
        bytes += f->len[i];
    printf("wire: %-28s %9.0f frames/s  (%4.0f MB/s; bare json_loadb %9.0f "
           "frames/s, ratio %.2f)\n",
           what, r, r * (double)bytes / NFRAMES / 1e6, base, r / base);
}

static void real_activity(void)
{
    const char *d = getenv("PMC_DATA");
    char path[1024];
    if (!d || !*d) {
        printf("wire: activity dump              skipped (PMC_DATA unset)\n");
        return;
    }
    snprintf(path, sizeof path,
             "%s/hxx344__deepmarket/docs/pm_account_0x1d_raw_trades.json", d);
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        printf("wire: activity dump              skipped (%s missing)\n", path);
        return;
    }
    fseek(fp, 0, SEEK_END);
    long sz = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *buf = malloc((size_t)sz);
    size_t n = fread(buf, 1, (size_t)sz, fp);
    fclose(fp);
    struct pmc_wire_sink sink;
    uint64_t emitted = 0;
    memset(&sink, 0, sizeof sink);
    sink.emit = count;
    sink.ctx = &emitted;
    int runs = 0;
    double t0 = now_s(), t1;
    do {
        struct pmc_wire_err err;
        uint64_t before = sink.rows;
        if (pmc_wire_decode_activity(buf, n, &sink, &err) != PMC_OK) {
            fprintf(stderr, "bench_wire: activity: %s\n", err.msg);
            exit(1);
        }
        if (sink.rows - before != DUMP_ROWS) {
            fprintf(stderr,
                    "bench_wire: FAILED: %s: decoded %llu rows, expected "
                    "%d\n",
                    path, (unsigned long long)(sink.rows - before), DUMP_ROWS);
            exit(1);
        }
        runs++;
        t1 = now_s();
    } while (t1 - t0 < SECONDS);
    printf("wire: %-28s %9.0f rows/s    (%4.0f MB/s, 2984-row real dump)\n",
           "activity dump decode", (double)sink.rows / (t1 - t0),
           (double)n * runs / (t1 - t0) / 1e6);
    free(buf);
}

int main(void)
{
    static struct frames rtds, books;
    make_rtds(&rtds);
    make_books(&books);
    report("rtds trades decode", &rtds, W_RTDS);
    report("clob book decode (+depth)", &books, W_BOOK);
    real_activity();
    for (int i = 0; i < NFRAMES; i++) {
        free(rtds.buf[i]);
        free(books.buf[i]);
    }
    return sink_count == 0xffffffffffffffffULL;
}
