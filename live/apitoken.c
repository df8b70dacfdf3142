/* live/apitoken.c - the local API's bearer token (see api.h
 * pmc_api_token_load): PMC_API_TOKEN, else a 0600 file beside the store,
 * created at first start.
 *
 * Decides: where the token comes from, what a usable token looks like and
 * which token files are refused (not ours, not a regular file, readable
 * or writable by group or others).
 * Never: logs, prints or copies the token anywhere but the caller's buffer
 * and the file it creates (errors name the path and the mode only). */
#include "live/api.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

/* PMC_API_TOKEN_MIN..MAX printable characters, no space */
static int usable(const char *t, size_t n)
{
    if (n < PMC_API_TOKEN_MIN || n > PMC_API_TOKEN_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)t[i] <= 0x20 || (unsigned char)t[i] >= 0x7f)
            return 0;
    return 1;
}

static enum pmc_err read_file(const char *path, char *tok, char *err,
                              size_t cap)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, cap, "api token file %s: %s", path, strerror(errno));
        return PMC_EIO;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, cap, "api token file %s: not a regular file", path);
        close(fd);
        return PMC_EIO;
    }
    if ((st.st_mode & 077) || st.st_uid != geteuid()) {
        snprintf(err, cap,
                 "api token file %s has mode %04o, owner uid %u: it must be "
                 "ours and 0600 (chmod 600 %s)",
                 path, (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid,
                 path);
        close(fd);
        return PMC_EIO;
    }
    char buf[PMC_API_TOKEN_MAX + 2];
    size_t n = 0;
    for (;;) {
        ssize_t r = read(fd, buf + n, sizeof buf - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            snprintf(err, cap, "api token file %s: %s", path, strerror(errno));
            close(fd);
            return PMC_EIO;
        }
        if (r == 0 || (n += (size_t)r) == sizeof buf)
            break;
    }
    close(fd);
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        n--;
    int ok = usable(buf, n);
    if (ok) {
        memcpy(tok, buf, n);
        tok[n] = '\0';
    }
    memset(buf, 0, sizeof buf);
    if (!ok) {
        snprintf(err, cap,
                 "api token file %s: not a token (%d to %d printable "
                 "characters without spaces on one line)",
                 path, PMC_API_TOKEN_MIN, PMC_API_TOKEN_MAX);
        return PMC_ECONFIG;
    }
    return PMC_OK;
}

/* 1 created, 0 it exists already, -1 error (err set) */
static int create_file(const char *path, char *tok, char *err, size_t cap)
{
    int fd =
        open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 && errno == EEXIST)
        return 0;
    if (fd < 0) {
        snprintf(err, cap, "api token file %s: cannot create: %s", path,
                 strerror(errno));
        return -1;
    }
    unsigned char rnd[32];
    size_t got = 0;
    while (got < sizeof rnd) {
        ssize_t r = getrandom(rnd + got, sizeof rnd - got, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            snprintf(err, cap, "api token: getrandom: %s", strerror(errno));
            close(fd);
            unlink(path);
            return -1;
        }
        got += (size_t)r;
    }
    static const char hex[] = "0123456789abcdef";
    char line[65];
    for (size_t i = 0; i < sizeof rnd; i++) {
        line[2 * i] = hex[rnd[i] >> 4];
        line[2 * i + 1] = hex[rnd[i] & 15];
    }
    line[64] = '\n';
    memset(rnd, 0, sizeof rnd);
    int ok =
        write(fd, line, sizeof line) == (ssize_t)sizeof line && fsync(fd) == 0;
    int e = errno;
    if (close(fd) != 0)
        ok = 0;
    if (ok) {
        memcpy(tok, line, 64);
        tok[64] = '\0';
    }
    memset(line, 0, sizeof line);
    if (!ok) {
        snprintf(err, cap, "api token file %s: cannot write: %s", path,
                 strerror(e));
        unlink(path);
        return -1;
    }
    return 1;
}

enum pmc_err pmc_api_token_load(const char *path,
                                char tok[PMC_API_TOKEN_MAX + 1],
                                const char **src, char *err, size_t cap)
{
    tok[0] = '\0';
    const char *env = getenv("PMC_API_TOKEN");
    if (env && *env) {
        if (!usable(env, strlen(env))) {
            snprintf(err, cap,
                     "PMC_API_TOKEN: not a token (%d to %d printable "
                     "characters without spaces)",
                     PMC_API_TOKEN_MIN, PMC_API_TOKEN_MAX);
            return PMC_ECONFIG;
        }
        strcpy(tok, env);
        *src = "env";
        return PMC_OK;
    }
    if (!path) {
        snprintf(err, cap,
                 "the API needs a token: set PMC_API_TOKEN (no store to "
                 "keep a token file beside)");
        return PMC_ECONFIG;
    }
    int c = create_file(path, tok, err, cap);
    if (c < 0)
        return PMC_EIO;
    if (c == 1) {
        *src = "created";
        return PMC_OK;
    }
    *src = "file";
    return read_file(path, tok, err, cap);
}
