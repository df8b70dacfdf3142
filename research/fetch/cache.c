/* research/fetch/cache.c - the on-disk cache of raw answers (see cache.h).
 */
#include "research/fetch/cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proto/sign/sha256.h"

void pmc_fx_sha256_hex(const void *p, size_t n, char out[65])
{
    struct pmc_sha256 c;
    uint8_t d[32];
    pmc_sha256_init(&c);
    pmc_sha256_update(&c, p, n);
    pmc_sha256_final(&c, d);
    static const char hx[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = hx[d[i] >> 4];
        out[2 * i + 1] = hx[d[i] & 15];
    }
    out[64] = '\0';
}

static int mkdirs(const char *path)
{
    char b[PMC_FX_PATH_MAX];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof b)
        return -1;
    memcpy(b, path, n + 1);
    for (size_t i = 1; i <= n; i++)
        if (b[i] == '/' || b[i] == '\0') {
            char c = b[i];
            b[i] = '\0';
            if (mkdir(b, 0755) != 0 && errno != EEXIST)
                return -1;
            b[i] = c;
        }
    return 0;
}

static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return -1;
    int r = fsync(fd);
    close(fd);
    return r;
}

int pmc_fx_cache_open(struct pmc_fx_cache *c, const char *dir, char *err,
                      size_t cap)
{
    memset(c, 0, sizeof *c);
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    if (n == 0 || n + 80 >= sizeof c->dir) {
        snprintf(err, cap, "cache folder '%s': path too long or empty", dir);
        return -1;
    }
    memcpy(c->dir, dir, n);
    c->dir[n] = '\0';
    char tmp[PMC_FX_PATH_MAX + 8];
    snprintf(tmp, sizeof tmp, "%s/tmp", c->dir);
    if (mkdirs(tmp) != 0) {
        snprintf(err, cap, "cache folder '%s': %s", tmp, strerror(errno));
        return -1;
    }
    DIR *d = opendir(tmp);
    if (!d) {
        snprintf(err, cap, "cache folder '%s': %s", tmp, strerror(errno));
        return -1;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char p[PMC_FX_PATH_MAX + 300];
        snprintf(p, sizeof p, "%s/%s", tmp, e->d_name);
        unlink(p);
    }
    closedir(d);
    c->tmpseq = (uint64_t)getpid() << 20;
    return 0;
}

int pmc_fx_cache_path(const struct pmc_fx_cache *c, const char *route,
                      const char *pathq, char *out, size_t cap)
{
    char h[65];
    pmc_fx_sha256_hex(pathq, strlen(pathq), h);
    int n = snprintf(out, cap, "%s/%s/%.2s/%s.json", c->dir, route, h, h);
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

static void meta_of(const char *json_path, char *out, size_t cap)
{
    size_t n = strlen(json_path);
    snprintf(out, cap, "%.*s.meta", (int)(n - 5), json_path);
}

/* a 200 body is <h>.json (what `pmcopy import` reads); another status's
 * body is <h>.body */
static void body_of(char *path, long status)
{
    size_t n = strlen(path);
    if (status != 200 && n > 5 && !strcmp(path + n - 5, ".json"))
        memcpy(path + n - 5, ".body", 5);
}

static int read_all(const char *path, char **buf, size_t *len, size_t max)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return errno == ENOENT ? 0 : -1;
    size_t cap = 65536, n = 0;
    char *b = malloc(cap + 1);
    while (b) {
        size_t r = fread(b + n, 1, cap - n, f);
        n += r;
        if (n < cap) {
            if (ferror(f)) {
                free(b);
                fclose(f);
                return -1;
            }
            break;
        }
        if (cap >= max) {
            free(b);
            fclose(f);
            errno = EFBIG;
            return -1;
        }
        char *nb = realloc(b, 2 * cap + 1);
        if (!nb)
            free(b);
        b = nb;
        cap *= 2;
    }
    fclose(f);
    if (!b) {
        errno = ENOMEM;
        return -1;
    }
    b[n] = '\0';
    *buf = b;
    *len = n;
    return 1;
}

int pmc_fx_cache_get(const struct pmc_fx_cache *c, const char *route,
                     const char *pathq, char **body, size_t *len, char *err,
                     size_t cap)
{
    long st;
    return pmc_fx_cache_get_status(c, route, pathq, body, len, &st, err, cap);
}

int pmc_fx_cache_get_status(const struct pmc_fx_cache *c, const char *route,
                            const char *pathq, char **body, size_t *len,
                            long *status, char *err, size_t cap)
{
    char jp[PMC_FX_PATH_MAX], mp[PMC_FX_PATH_MAX + 8];
    if (pmc_fx_cache_path(c, route, pathq, jp, sizeof jp) != 0) {
        snprintf(err, cap, "cache path too long");
        return -1;
    }
    meta_of(jp, mp, sizeof mp);
    char *m = NULL, *b = NULL;
    size_t mn = 0, bn = 0;
    int r = read_all(mp, &m, &mn, 65536);
    if (r <= 0) {
        if (r < 0)
            snprintf(err, cap, "%s: %s", mp, strerror(errno));
        return r;
    }
    const char *st = strstr(m, "\"status\":");
    *status = st ? strtol(st + 9, NULL, 10) : 0;
    if (*status < 100 || *status > 599) {
        free(m);
        return 0;
    }
    body_of(jp, *status);
    r = read_all(jp, &b, &bn, (size_t)1 << 30);
    if (r <= 0) {
        free(m);
        if (r < 0)
            snprintf(err, cap, "%s: %s", jp, strerror(errno));
        return r;
    }
    char h[65];
    pmc_fx_sha256_hex(b, bn, h);
    const char *s = strstr(m, "\"sha256\":\"");
    int ok = s && !strncmp(s + 10, h, 64) && s[74] == '"';
    free(m);
    if (!ok) {
        free(b);
        return 0;
    }
    *body = b;
    *len = bn;
    return 1;
}

static int write_atomic(struct pmc_fx_cache *c, const char *dst, const char *p,
                        size_t n, char *err, size_t cap)
{
    char tmp[PMC_FX_PATH_MAX + 64];
    snprintf(tmp, sizeof tmp, "%s/tmp/w%" PRIu64, c->dir, c->tmpseq++);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        snprintf(err, cap, "%s: %s", tmp, strerror(errno));
        return -1;
    }
    size_t off = 0;
    while (off < n) {
        ssize_t w = write(fd, p + off, n - off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            snprintf(err, cap, "%s: %s", tmp, strerror(errno));
            close(fd);
            unlink(tmp);
            return -1;
        }
        off += (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        snprintf(err, cap, "%s: %s", tmp, strerror(errno));
        unlink(tmp);
        return -1;
    }
    if (rename(tmp, dst) != 0) {
        snprintf(err, cap, "%s: %s", dst, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* JSON string body of s (URL text: printable ASCII; '"' and '\' escaped) */
static size_t json_esc(const char *s, char *out, size_t cap)
{
    size_t k = 0;
    for (; *s && k + 7 < cap; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') {
            out[k++] = '\\';
            out[k++] = (char)ch;
        } else if (ch < 0x20 || ch >= 0x7f) {
            k += (size_t)snprintf(out + k, cap - k, "\\u%04x", ch);
        } else
            out[k++] = (char)ch;
    }
    out[k] = '\0';
    return k;
}

int pmc_fx_cache_put(struct pmc_fx_cache *c, const char *route,
                     const char *pathq, long status, const char *body,
                     size_t len, uint64_t rows, int64_t time_s, char *err,
                     size_t cap)
{
    char jp[PMC_FX_PATH_MAX], mp[PMC_FX_PATH_MAX + 8];
    if (pmc_fx_cache_path(c, route, pathq, jp, sizeof jp) != 0) {
        snprintf(err, cap, "cache path too long");
        return -1;
    }
    meta_of(jp, mp, sizeof mp);
    char dir[PMC_FX_PATH_MAX];
    snprintf(dir, sizeof dir, "%s", jp);
    *strrchr(dir, '/') = '\0';
    if (mkdirs(dir) != 0) {
        snprintf(err, cap, "%s: %s", dir, strerror(errno));
        return -1;
    }
    char h[65];
    pmc_fx_sha256_hex(body, len, h);
    char u[PMC_FX_PATH_MAX * 2];
    json_esc(pathq, u, sizeof u);
    char meta[PMC_FX_PATH_MAX * 2 + 256];
    int mn =
        snprintf(meta, sizeof meta,
                 "{\"url\":\"%s\",\"status\":%ld,\"sha256\":\"%s\","
                 "\"rows\":%" PRIu64 ",\"bytes\":%zu,\"time\":%" PRId64 "}\n",
                 u, status, h, rows, len, time_s);
    if (mn < 0 || (size_t)mn >= sizeof meta) {
        snprintf(err, cap, "%s: metadata too long", mp);
        return -1;
    }
    body_of(jp, status);
    if (write_atomic(c, jp, body, len, err, cap) != 0 ||
        write_atomic(c, mp, meta, (size_t)mn, err, cap) != 0)
        return -1;
    if (fsync_dir(dir) != 0) {
        snprintf(err, cap, "%s: %s", dir, strerror(errno));
        return -1;
    }
    return 0;
}
