/* research/rank/manifest.c - what a sharded rank run is, in one file every
 * shard and the merge agree on.
 *
 * The manifest (text, '\n' lines, in this order):
 *   pmcopy-rank-manifest 1
 *   tape bytes=N sha256=HEX
 *   rank latency_ms=L since=T until=T
 *   sim seed=.. lat_mode=.. lat_src=a,b,c,d lat_samples=N:HEX ...
 *   config BYTES            then BYTES bytes of configuration JSON
 *                           (pmc_config_write_json) and a '\n'
 *   candidates N            then N lines "ADDRESS SIZE", in run order
 *   end
 * Its sha256 is the run id that parts and done markers carry. The tape is
 * named by its bytes, not its path: shards on machines that mount it
 * elsewhere are still one run.
 *
 * Decides: what makes two processes parts of one run (everything that can
 * change a wallet's result or K), and how the first shard publishes it
 * without racing the others (link(2) of a complete temp file). Never:
 * includes --jobs, --shard or the output format (they change no result),
 * or reads the tape itself (the caller hashes it). */
#include "research/rank/shard.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto/config_load.h"
#include "proto/sign/hex.h"
#include "proto/sign/sha256.h"

#define MANIFEST_MAX ((size_t)1 << 28) /* 256 MiB: ~2 M candidates */

static enum pmc_err sim_line(FILE *f, const struct pmc_sim_opts *s)
{
    /* the samples of an empirical latency model, hashed as decimal text so
     * the id does not depend on the machine's byte order */
    struct pmc_sha256 c;
    uint8_t d[32];
    char hex[65], num[32];
    pmc_sha256_init(&c);
    for (size_t k = 0; s->lat_samples && k < s->lat_nsamples; k++) {
        int l = snprintf(num, sizeof num, "%" PRId64 "\n",
                         (int64_t)s->lat_samples[k]);
        pmc_sha256_update(&c, num, (size_t)l);
    }
    pmc_sha256_final(&c, d);
    pmc_hex_encode(d, sizeof d, hex);
    fprintf(f,
            "sim seed=%" PRIu64 " lat_mode=%d lat_src=%" PRId64 ",%" PRId64
            ",%" PRId64 ",%" PRId64 " lat_samples=%zu:%s",
            s->seed, (int)s->lat_mode, s->lat_src[0], s->lat_src[1],
            s->lat_src[2], s->lat_src[3],
            s->lat_samples ? s->lat_nsamples : (size_t)0, hex);
    fprintf(f,
            " lat_submit=%" PRId64 " lat_report=%" PRId64 " lat_jitter=%" PRId64
            " half_spread=%" PRId64 " nobook_depth=%" PRId64
            " unknown_sz=%" PRId64 " capital=%" PRId64
            " min_marketable_usd=%" PRId64 " default_minsz=%" PRId64
            " default_fee_rate=%" PRId64 " default_fee_exp=%" PRId32
            " equity_sample_ms=%" PRId64 "\n",
            s->lat_submit, s->lat_report, s->lat_jitter, s->half_spread,
            s->nobook_depth, s->unknown_sz, s->capital, s->min_marketable_usd,
            s->default_minsz, s->default_fee_rate, s->default_fee_exp,
            s->equity_sample_ms);
    return ferror(f) ? PMC_EIO : PMC_OK;
}

/* An address fits on its line: 1..PMC_SYM_MAX printable bytes, no blank. */
static int addr_ok(const char *a)
{
    size_t n = strlen(a);
    if (n == 0 || n > PMC_SYM_MAX)
        return 0;
    for (size_t k = 0; k < n; k++)
        if ((unsigned char)a[k] <= ' ' || (unsigned char)a[k] >= 0x7f)
            return 0;
    return 1;
}

void pmc_manifest_free(struct pmc_manifest *m)
{
    if (!m)
        return;
    free(m->text);
    free(m->addr);
    free(m->size);
    memset(m, 0, sizeof *m);
}

/* Room for n candidates. */
static enum pmc_err alloc_cands(struct pmc_manifest *m, size_t n)
{
    m->n = n;
    m->addr = calloc(n ? n : 1, sizeof *m->addr);
    m->size = calloc(n ? n : 1, sizeof *m->size);
    return m->addr && m->size ? PMC_OK : PMC_ENOMEM;
}

enum pmc_err pmc_manifest_build(struct pmc_manifest *m,
                                const struct pmc_manifest_in *in, char *err,
                                size_t cap)
{
    memset(m, 0, sizeof *m);
    char *cfg = NULL, *txt = NULL;
    size_t cfglen = 0, txtlen = 0;
    enum pmc_err e = PMC_ENOMEM;
    FILE *cf = NULL, *f = NULL;

    for (size_t k = 0; k < in->n; k++)
        if (!addr_ok(in->addr[k])) {
            snprintf(err, cap,
                     "manifest: candidate %zu: address '%.40s' is empty, "
                     "too long or has a blank or control byte",
                     k + 1, in->addr[k]);
            return PMC_EPARSE;
        }
    struct pmc_shard_index ix;
    size_t dup = 0;
    e = pmc_shard_index_init(&ix, in->addr, in->n, &dup);
    if (e == PMC_EMISMATCH) {
        snprintf(err, cap, "manifest: candidate %zu (%s) is listed twice",
                 dup + 1, in->addr[dup]);
        return PMC_EMISMATCH;
    }
    if (e != PMC_OK) {
        snprintf(err, cap, "manifest: out of memory");
        return e;
    }
    pmc_shard_index_fini(&ix);
    e = PMC_ENOMEM;
    if (!(cf = open_memstream(&cfg, &cfglen)))
        goto fail;
    if (pmc_config_write_json(in->opts->cfg, cf) != PMC_OK || fclose(cf) != 0) {
        cf = NULL;
        e = PMC_EIO;
        snprintf(err, cap, "manifest: the configuration did not write");
        goto fail;
    }
    cf = NULL;
    if (!(f = open_memstream(&txt, &txtlen)))
        goto fail;
    fprintf(f, "pmcopy-rank-manifest 1\n");
    fprintf(f, "tape bytes=%" PRIu64 " sha256=%s\n", in->tape_bytes,
            in->tape_sha256);
    fprintf(f,
            "rank latency_ms=%" PRId64 " since=%" PRId64 " until=%" PRId64 "\n",
            in->opts->latency, in->opts->since, in->opts->until);
    if (sim_line(f, &in->opts->sim) != PMC_OK)
        goto wfail;
    fprintf(f, "config %zu\n", cfglen);
    fwrite(cfg, 1, cfglen, f);
    fprintf(f, "\ncandidates %zu\n", in->n);
    for (size_t k = 0; k < in->n; k++)
        fprintf(f, "%s %" PRIu64 "\n", in->addr[k], in->size[k]);
    fprintf(f, "end\n");
    if (ferror(f))
        goto wfail;
    if (fclose(f) != 0) {
        f = NULL;
        goto wfail;
    }
    f = NULL;
    if ((e = alloc_cands(m, in->n)) != PMC_OK)
        goto fail;
    for (size_t k = 0; k < in->n; k++) {
        snprintf(m->addr[k], sizeof m->addr[k], "%s", in->addr[k]);
        m->size[k] = in->size[k];
    }
    m->text = txt;
    m->len = txtlen;
    txt = NULL;
    pmc_shard_hash_hex(m->text, m->len, m->id);
    free(cfg);
    return PMC_OK;
wfail:
    e = PMC_EIO;
    snprintf(err, cap, "manifest: write error (out of memory?)");
fail:
    if (e == PMC_ENOMEM)
        snprintf(err, cap, "manifest: out of memory");
    if (cf)
        fclose(cf);
    if (f)
        fclose(f);
    free(cfg);
    free(txt);
    pmc_manifest_free(m);
    return e;
}

/* The next line of s[*pos..len) without its '\n' into line (NUL-ended);
 * -1 at the end or when longer than cap-1 or unterminated. */
static int next_line(const char *s, size_t len, size_t *pos, char *line,
                     size_t cap)
{
    if (*pos >= len)
        return -1;
    const char *nl = memchr(s + *pos, '\n', len - *pos);
    if (!nl)
        return -1;
    size_t n = (size_t)(nl - (s + *pos));
    if (n >= cap)
        return -1;
    memcpy(line, s + *pos, n);
    line[n] = 0;
    *pos += n + 1;
    return 0;
}

/* A decimal size_t / uint64 filling the rest of s. */
static int dec_u64(const char *s, uint64_t *out)
{
    if (!*s || (s[0] == '0' && s[1]))
        return -1;
    uint64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

enum pmc_err pmc_manifest_load(struct pmc_manifest *m, const char *dir,
                               char *err, size_t cap)
{
    memset(m, 0, sizeof *m);
    char path[4096], line[256];
    if ((size_t)snprintf(path, sizeof path, "%s/manifest", dir) >=
        sizeof path) {
        snprintf(err, cap, "%s: path too long", dir);
        return PMC_EIO;
    }
    enum pmc_err e =
        pmc_shard_read_file(path, MANIFEST_MAX, &m->text, &m->len, err, cap);
    if (e != PMC_OK) {
        if (e == PMC_ENOTFOUND)
            snprintf(err, cap,
                     "%s: no manifest (not the --out folder of a sharded "
                     "rank run, or no shard has started)",
                     path);
        return e;
    }
    pmc_shard_hash_hex(m->text, m->len, m->id);
    size_t pos = 0, lno = 0;
    uint64_t v;
    /* the fixed lines before the configuration */
    static const char *const head[] = {"pmcopy-rank-manifest 1", "tape ",
                                       "rank ", "sim "};
    char big[1024];
    for (size_t k = 0; k < sizeof head / sizeof head[0]; k++) {
        lno++;
        if (next_line(m->text, m->len, &pos, big, sizeof big) < 0 ||
            strncmp(big, head[k], strlen(head[k])))
            goto bad;
    }
    lno++;
    if (next_line(m->text, m->len, &pos, line, sizeof line) < 0 ||
        strncmp(line, "config ", 7) || dec_u64(line + 7, &v) < 0 ||
        v > m->len - pos || m->len - pos - v < 1 || m->text[pos + v] != '\n')
        goto bad;
    for (size_t k = pos; k < pos + v; k++)
        lno += m->text[k] == '\n';
    pos += (size_t)v + 1;
    lno++;
    if (next_line(m->text, m->len, &pos, line, sizeof line) < 0 ||
        strncmp(line, "candidates ", 11) || dec_u64(line + 11, &v) < 0 ||
        v > m->len / 4)
        goto bad;
    if (alloc_cands(m, (size_t)v) != PMC_OK) {
        snprintf(err, cap, "%s: out of memory", path);
        pmc_manifest_free(m);
        return PMC_ENOMEM;
    }
    for (size_t k = 0; k < m->n; k++) {
        lno++;
        if (next_line(m->text, m->len, &pos, line, sizeof line) < 0)
            goto bad;
        char *sp = strchr(line, ' ');
        if (!sp)
            goto bad;
        *sp = 0;
        if (!addr_ok(line) || dec_u64(sp + 1, &m->size[k]) < 0)
            goto bad;
        memcpy(m->addr[k], line, strlen(line) + 1);
    }
    lno++;
    if (next_line(m->text, m->len, &pos, line, sizeof line) < 0 ||
        strcmp(line, "end") || pos != m->len)
        goto bad;
    return PMC_OK;
bad:
    snprintf(err, cap, "%s: line %zu: not a rank manifest line", path, lno);
    pmc_manifest_free(m);
    return PMC_EPARSE;
}
