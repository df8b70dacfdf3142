/* research/shard/files.c - the files of a sharded run: written whole or
 * not at all, hashed, the manifest published without a race, and the
 * one-line formats of a done marker and of a rank part's header.
 *
 * Decides: temp file + fsync + rename + fsync of the folder (a crash leaves
 * the old file or the new one, never half of one), the names
 * part-I-of-N[.done|.d], and the strict parsers of the two line formats.
 * Never: decides what a part holds (each kind of run does) or which shard
 * computes what (share.c). */
#include "research/shard/shard.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proto/sign/hex.h"
#include "proto/sign/sha256.h"

#define PUBLISH_MAX ((size_t)1 << 28) /* a manifest: 256 MiB */

/* The folder of path ("." when none), for its fsync after a rename. */
static void dir_of(const char *path, char *out, size_t cap)
{
    const char *s = strrchr(path, '/');
    if (!s) {
        snprintf(out, cap, ".");
        return;
    }
    size_t n = (size_t)(s - path);
    if (n == 0)
        n = 1; /* "/x": the root */
    if (n >= cap)
        n = cap - 1;
    memcpy(out, path, n);
    out[n] = 0;
}

enum pmc_err pmc_shard_write_atomic(const char *path, const void *p, size_t n,
                                    char *err, size_t cap)
{
    char tmp[4096], dir[4096];
    /* the pid in the name: two processes writing the same file (a shard
     * requeued while its first attempt still runs) never share a temp */
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid()) >=
        sizeof tmp) {
        snprintf(err, cap, "%s: path too long", path);
        return PMC_EIO;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err, cap, "%s: %s", tmp, strerror(errno));
        return PMC_EIO;
    }
    const char *b = p;
    size_t left = n;
    while (left > 0) {
        ssize_t w = write(fd, b, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            snprintf(err, cap, "%s: write: %s", tmp,
                     w < 0 ? strerror(errno) : "no progress");
            goto fail;
        }
        b += w;
        left -= (size_t)w;
    }
    if (fsync(fd) != 0) {
        snprintf(err, cap, "%s: fsync: %s", tmp, strerror(errno));
        goto fail;
    }
    if (close(fd) != 0) {
        fd = -1;
        snprintf(err, cap, "%s: close: %s", tmp, strerror(errno));
        goto fail;
    }
    fd = -1;
    if (rename(tmp, path) != 0) {
        snprintf(err, cap, "rename %s to %s: %s", tmp, path, strerror(errno));
        goto fail;
    }
    /* the rename itself reaches the disk with the folder's fsync */
    dir_of(path, dir, sizeof dir);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 || fsync(dfd) != 0) {
        snprintf(err, cap, "%s: fsync of the folder: %s", dir, strerror(errno));
        if (dfd >= 0)
            close(dfd);
        return PMC_EIO;
    }
    close(dfd);
    return PMC_OK;
fail:
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    return PMC_EIO;
}

enum pmc_err pmc_shard_read_file(const char *path, size_t max, char **buf,
                                 size_t *n, char *err, size_t cap)
{
    *buf = NULL;
    *n = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, cap, "%s: %s", path, strerror(errno));
        return errno == ENOENT ? PMC_ENOTFOUND : PMC_EIO;
    }
    size_t sz = 0, capb = 4096;
    char *b = malloc(capb);
    enum pmc_err e = PMC_OK;
    if (!b) {
        e = PMC_ENOMEM;
        goto out;
    }
    for (;;) {
        if (capb - sz < 2) {
            if (capb > max + 1) {
                snprintf(err, cap, "%s: larger than %zu bytes", path, max);
                e = PMC_ERANGE;
                goto out;
            }
            char *nb = realloc(b, capb * 2);
            if (!nb) {
                e = PMC_ENOMEM;
                goto out;
            }
            b = nb;
            capb *= 2;
        }
        size_t r = fread(b + sz, 1, capb - sz - 1, f);
        sz += r;
        if (r == 0)
            break;
    }
    if (ferror(f)) {
        snprintf(err, cap, "%s: read error", path);
        e = PMC_EIO;
        goto out;
    }
    if (sz > max) {
        snprintf(err, cap, "%s: larger than %zu bytes", path, max);
        e = PMC_ERANGE;
        goto out;
    }
    b[sz] = 0;
    *buf = b;
    *n = sz;
    b = NULL;
out:
    if (e == PMC_ENOMEM)
        snprintf(err, cap, "%s: out of memory", path);
    free(b);
    fclose(f);
    return e;
}

void pmc_shard_hash_hex(const void *p, size_t n, char hex[65])
{
    struct pmc_sha256 c;
    uint8_t d[32];
    pmc_sha256_init(&c);
    pmc_sha256_update(&c, p, n);
    pmc_sha256_final(&c, d);
    pmc_hex_encode(d, sizeof d, hex);
}

enum pmc_err pmc_shard_hash_file(const char *path, char hex[65],
                                 uint64_t *bytes, char *err, size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, cap, "%s: %s", path, strerror(errno));
        return errno == ENOENT ? PMC_ENOTFOUND : PMC_EIO;
    }
    struct pmc_sha256 c;
    uint8_t d[32];
    unsigned char buf[65536];
    uint64_t total = 0;
    size_t r;
    pmc_sha256_init(&c);
    while ((r = fread(buf, 1, sizeof buf, f)) > 0) {
        pmc_sha256_update(&c, buf, r);
        total += r;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        snprintf(err, cap, "%s: read error", path);
        return PMC_EIO;
    }
    pmc_sha256_final(&c, d);
    pmc_hex_encode(d, sizeof d, hex);
    *bytes = total;
    return PMC_OK;
}

/* 64 lowercase hex digits, the whole of s[0..n). */
static int is_hex64(const char *s, size_t n)
{
    if (n != 64)
        return 0;
    for (size_t k = 0; k < n; k++)
        if (!((s[k] >= '0' && s[k] <= '9') || (s[k] >= 'a' && s[k] <= 'f')))
            return 0;
    return 1;
}

/* A decimal integer without sign or leading zeros (bar "0") at *p, ended by
 * `end`; advances *p past `end`. -1 when malformed or above max. */
static int take_u64(const char **p, char end, uint64_t max, uint64_t *out)
{
    const char *s = *p;
    uint64_t v = 0;
    size_t d = 0;
    while (s[d] >= '0' && s[d] <= '9') {
        unsigned dig = (unsigned)(s[d] - '0');
        if (v > (max - dig) / 10)
            return -1;
        v = v * 10 + dig;
        d++;
    }
    if (d == 0 || (d > 1 && s[0] == '0') || s[d] != end)
        return -1;
    *out = v;
    *p = s + d + 1;
    return 0;
}

/* "KEY=" then 64 hex digits then `end` at *p. */
static int take_hex(const char **p, const char *key, char end, char out[65])
{
    size_t kl = strlen(key);
    if (strncmp(*p, key, kl))
        return -1;
    const char *h = *p + kl;
    const char *e = strchr(h, end);
    if (!e || !is_hex64(h, (size_t)(e - h)))
        return -1;
    memcpy(out, h, 64);
    out[64] = 0;
    *p = e + 1;
    return 0;
}

/* "shard=I/N" then `end`, 0 <= I < N <= PMC_SHARD_MAX. */
static int take_shard(const char **p, char end, unsigned *i, unsigned *n)
{
    uint64_t a, b;
    if (strncmp(*p, "shard=", 6))
        return -1;
    *p += 6;
    if (take_u64(p, '/', PMC_SHARD_MAX, &a) < 0 ||
        take_u64(p, end, PMC_SHARD_MAX, &b) < 0 || a >= b)
        return -1;
    *i = (unsigned)a;
    *n = (unsigned)b;
    return 0;
}

/* Each kind's marker word and what its count counts. */
static const struct {
    const char *magic, *unit;
} kinds[] = {
    [PMC_SHARD_RANK] = {"pmcopy-rank-done 1 ", "wallets="},
    [PMC_SHARD_OPTIMIZE] = {"pmcopy-optimize-done 1 ", "trials="},
};

size_t pmc_shard_done_format(const struct pmc_shard_done *d, char *out,
                             size_t cap)
{
    int r = snprintf(out, cap, "%srun=%s shard=%u/%u %s%" PRIu64 " sha256=%s\n",
                     kinds[d->kind].magic, d->run, d->shard, d->n,
                     kinds[d->kind].unit, d->items, d->sha256);
    return r < 0 ? 0 : (size_t)r;
}

enum pmc_err pmc_shard_done_parse(const char *s, size_t n, const char *name,
                                  struct pmc_shard_done *d, char *err,
                                  size_t cap)
{
    char line[512];
    if (n == 0 || n >= sizeof line || s[n - 1] != '\n' ||
        memchr(s, 0, n) != NULL)
        goto bad;
    memcpy(line, s, n);
    line[n] = 0;
    const char *p = line;
    size_t k = 0, nk = sizeof kinds / sizeof kinds[0];
    while (k < nk && strncmp(p, kinds[k].magic, strlen(kinds[k].magic)))
        k++;
    if (k == nk)
        goto bad;
    d->kind = (enum pmc_shard_kind)k;
    p += strlen(kinds[k].magic);
    size_t ul = strlen(kinds[k].unit);
    if (take_hex(&p, "run=", ' ', d->run) < 0 ||
        take_shard(&p, ' ', &d->shard, &d->n) < 0 ||
        strncmp(p, kinds[k].unit, ul))
        goto bad;
    p += ul;
    if (take_u64(&p, ' ', UINT64_MAX, &d->items) < 0 ||
        take_hex(&p, "sha256=", '\n', d->sha256) < 0 || *p)
        goto bad;
    return PMC_OK;
bad:
    snprintf(err, cap,
             "%s: not a done marker (want one line: pmcopy-rank-done 1 "
             "run=HEX shard=I/N wallets=C sha256=HEX, or pmcopy-optimize-done "
             "1 ... trials=C ...)",
             name);
    return PMC_EPARSE;
}

size_t pmc_shard_part_header(const char *run, unsigned i, unsigned n, char *out,
                             size_t cap)
{
    int r = snprintf(out, cap, "pmcopy-rank-part 1 run=%s shard=%u/%u\n", run,
                     i, n);
    return r < 0 ? 0 : (size_t)r;
}

enum pmc_err pmc_shard_part_header_parse(const char *line, const char *name,
                                         char run[65], unsigned *i, unsigned *n,
                                         char *err, size_t cap)
{
    static const char magic[] = "pmcopy-rank-part 1 ";
    const char *p = line;
    if (strncmp(p, magic, sizeof magic - 1))
        goto bad;
    p += sizeof magic - 1;
    if (take_hex(&p, "run=", ' ', run) < 0 || take_shard(&p, '\n', i, n) < 0 ||
        *p)
        goto bad;
    return PMC_OK;
bad:
    snprintf(err, cap,
             "%s: line 1: not a part header (want: pmcopy-rank-part 1 "
             "run=HEX shard=I/N)",
             name);
    return PMC_EPARSE;
}

enum pmc_err pmc_shard_part_split(char *buf, size_t n, const char *name,
                                  char run[65], unsigned *i, unsigned *nn,
                                  size_t *body, char *err, size_t cap)
{
    char *nl = memchr(buf, '\n', n);
    if (!nl) {
        snprintf(err, cap, "%s: line 1: no header", name);
        return PMC_EPARSE;
    }
    char save = nl[1];
    nl[1] = 0;
    enum pmc_err e =
        pmc_shard_part_header_parse(buf, name, run, i, nn, err, cap);
    nl[1] = save;
    *body = (size_t)(nl + 1 - buf);
    return e;
}

int pmc_shard_part_path(const char *dir, unsigned i, unsigned n,
                        const char *suffix, char *out, size_t cap)
{
    int r = snprintf(out, cap, "%s/part-%u-of-%u%s", dir, i, n,
                     suffix ? suffix : "");
    return r < 0 || (size_t)r >= cap ? -1 : 0;
}

int pmc_shard_part_name(const char *name, unsigned *i, unsigned *n)
{
    const char *p = name;
    uint64_t a, b;
    if (strncmp(p, "part-", 5))
        return 0;
    p += 5;
    if (take_u64(&p, '-', PMC_SHARD_MAX, &a) < 0 || strncmp(p, "of-", 3))
        return 0;
    p += 3;
    if (take_u64(&p, 0, PMC_SHARD_MAX, &b) < 0 || a >= b)
        return 0;
    /* take_u64 stepped past the NUL */
    *i = (unsigned)a;
    *n = (unsigned)b;
    return 1;
}

enum pmc_err pmc_shard_publish(const char *dir, const char *text, size_t len,
                               char *err, size_t cap)
{
    char path[4096], tmp[4200];
    if ((size_t)snprintf(path, sizeof path, "%s/manifest", dir) >=
        sizeof path) {
        snprintf(err, cap, "%s: path too long", dir);
        return PMC_EIO;
    }
    /* each shard writes its own complete copy, then links it into place:
     * link fails with EEXIST when another shard was first, and nobody ever
     * sees a half-written manifest */
    snprintf(tmp, sizeof tmp, "%s.%ld", path, (long)getpid());
    enum pmc_err e = pmc_shard_write_atomic(tmp, text, len, err, cap);
    if (e != PMC_OK)
        return e;
    int r = link(tmp, path);
    int le = errno;
    unlink(tmp);
    if (r != 0 && le != EEXIST) {
        snprintf(err, cap, "%s: %s", path, strerror(le));
        return PMC_EIO;
    }
    if (r == 0)
        return PMC_OK;
    char *have = NULL;
    size_t n = 0;
    e = pmc_shard_read_file(path, PUBLISH_MAX, &have, &n, err, cap);
    if (e != PMC_OK)
        return e;
    int same = n == len && !memcmp(have, text, n);
    if (!same) {
        /* name the first line that differs: the user sees what changed */
        size_t k = 0, lno = 1, ls = 0;
        while (k < n && k < len && have[k] == text[k]) {
            if (have[k] == '\n') {
                lno++;
                ls = k + 1;
            }
            k++;
        }
        const char *a = have + ls, *b = text + ls;
        int la = (int)strcspn(a, "\n"), lb = (int)strcspn(b, "\n");
        snprintf(err, cap,
                 "%s holds another run: its manifest differs at line %zu "
                 "(there: '%.*s'; this run: '%.*s'); use another --out "
                 "folder",
                 dir, lno, la > 80 ? 80 : la, a, lb > 80 ? 80 : lb, b);
        free(have);
        return PMC_EMISMATCH;
    }
    free(have);
    return PMC_OK;
}
