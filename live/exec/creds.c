/* live/exec/creds.c - credentials from the environment or 0600 files (see
 * creds.h). The rule "never print a secret" is kept by construction: no
 * formatted message here takes a secret as an argument. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "live/exec/creds.h"
#include "proto/msg.h"
#include "proto/wire/clob_rest.h"

#define SECRET_FILE_MAX 4096

enum pmc_err pmc_exec_secret_file(const char *path, const char *what, char *buf,
                                  size_t cap, size_t *n, char *why,
                                  size_t why_len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        pmc_msgf(why, why_len, "%s %s: %s", what, path, strerror(errno));
        return PMC_EIO;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        pmc_msgf(why, why_len, "%s %s: not a regular file", what, path);
        close(fd);
        return PMC_EIO;
    }
    if (st.st_mode & 077) {
        pmc_msgf(
            why, why_len,
            "%s %s has mode %04o; it must be 0600 or stricter (chmod 600 %s)",
            what, path, (unsigned)(st.st_mode & 07777), path);
        close(fd);
        return PMC_ECONFIG;
    }
    size_t got = 0;
    while (got < cap) {
        ssize_t r = read(fd, buf + got, cap - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (got >= cap) {
        explicit_bzero(buf, cap);
        pmc_msgf(why, why_len, "%s %s: larger than %zu bytes", what, path,
                 cap - 1);
        return PMC_ECONFIG;
    }
    while (got > 0 && (buf[got - 1] == '\n' || buf[got - 1] == '\r' ||
                       buf[got - 1] == ' ' || buf[got - 1] == '\t'))
        got--;
    buf[got] = '\0';
    *n = got;
    return PMC_OK;
}

static enum pmc_err load_key(struct pmc_exec_creds *c, char *why,
                             size_t why_len)
{
    const char *env = getenv("PMC_PRIVATE_KEY");
    const char *path = getenv("PMC_PRIVATE_KEY_FILE");
    enum pmc_err e;
    if (env && *env && path && *path) {
        pmc_msgf(why, why_len,
                 "set only one of PMC_PRIVATE_KEY and PMC_PRIVATE_KEY_FILE");
        return PMC_ECONFIG;
    }
    if (env && *env) {
        e = pmc_signer_new(env, strlen(env), &c->signer);
        explicit_bzero((char *)env, strlen(env));
        if (e != PMC_OK) {
            pmc_msgf(why, why_len,
                     "PMC_PRIVATE_KEY is not a valid secp256k1 private key "
                     "(expected 0x followed by 64 hex digits)");
            return e == PMC_ENOMEM ? e : PMC_ECONFIG;
        }
        return PMC_OK;
    }
    if (!path || !*path) {
        pmc_msgf(why, why_len,
                 "no signing key: set PMC_PRIVATE_KEY or PMC_PRIVATE_KEY_FILE");
        return PMC_ECONFIG;
    }
    char buf[512];
    size_t n = 0;
    e = pmc_exec_secret_file(path, "PMC_PRIVATE_KEY_FILE", buf, sizeof buf, &n,
                             why, why_len);
    if (e != PMC_OK)
        return e;
    e = pmc_signer_new(buf, n, &c->signer);
    explicit_bzero(buf, sizeof buf);
    if (e != PMC_OK) {
        pmc_msgf(why, why_len,
                 "PMC_PRIVATE_KEY_FILE %s does not hold a valid secp256k1 "
                 "private key (expected 0x followed by 64 hex digits)",
                 path);
        return e == PMC_ENOMEM ? e : PMC_ECONFIG;
    }
    return PMC_OK;
}

/* Copy a credential string into dst (cap bytes); 0 if it does not fit or
 * holds a character that cannot go into an HTTP header or the body. */
static int put_cred(char *dst, size_t cap, const char *src, size_t n)
{
    if (n == 0 || n >= cap)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)src[i] <= 0x20 || (unsigned char)src[i] >= 0x7f ||
            src[i] == '"' || src[i] == '\\')
            return 0;
    memcpy(dst, src, n);
    dst[n] = '\0';
    return 1;
}

static enum pmc_err load_api_file(struct pmc_exec_creds *c, const char *path,
                                  char *why, size_t why_len)
{
    char buf[SECRET_FILE_MAX];
    size_t n = 0;
    enum pmc_err e = pmc_exec_secret_file(path, "PMC_API_CREDS_FILE", buf,
                                          sizeof buf, &n, why, why_len);
    if (e != PMC_OK)
        return e;
    struct pmc_wire_err werr;
    memset(&werr, 0, sizeof werr);
    e = pmc_clob_rest_api_key(buf, n, &c->api, &werr);
    explicit_bzero(buf, sizeof buf);
    if (e != PMC_OK) {
        /* werr names the field and the rule, never a value */
        pmc_msgf(why, why_len, "PMC_API_CREDS_FILE %s: %s", path, werr.msg);
        return PMC_ECONFIG;
    }
    return PMC_OK;
}

static enum pmc_err load_api(struct pmc_exec_creds *c, char *why,
                             size_t why_len)
{
    static const char *const NAMES[3] = {"PMC_API_KEY", "PMC_API_SECRET",
                                         "PMC_API_PASSPHRASE"};
    char *dst[3] = {c->api.key, c->api.secret, c->api.passphrase};
    const char *path = getenv("PMC_API_CREDS_FILE");
    const char *v[3];
    int nset = 0;
    for (int i = 0; i < 3; i++) {
        v[i] = getenv(NAMES[i]);
        nset += v[i] && *v[i];
    }
    if (path && *path && nset > 0) {
        pmc_msgf(why, why_len,
                 "set either PMC_API_CREDS_FILE or PMC_API_KEY/PMC_API_SECRET/"
                 "PMC_API_PASSPHRASE, not both");
        return PMC_ECONFIG;
    }
    if (path && *path)
        return load_api_file(c, path, why, why_len);
    for (int i = 0; i < 3; i++) {
        if (!v[i] || !*v[i]) {
            pmc_msgf(why, why_len,
                     "no API credentials: %s is not set (or use "
                     "PMC_API_CREDS_FILE)",
                     NAMES[i]);
            pmc_api_creds_wipe(&c->api);
            return PMC_ECONFIG;
        }
        int ok = put_cred(dst[i], 128, v[i], strlen(v[i]));
        if (!ok) {
            pmc_msgf(why, why_len,
                     "%s must be 1..127 printable characters without spaces or "
                     "quotes",
                     NAMES[i]);
            pmc_api_creds_wipe(&c->api);
            return PMC_ECONFIG;
        }
    }
    /* the owner (API key) is not secret on the wire, but it is a
     * credential: the environment copies of all three are wiped */
    for (int i = 0; i < 3; i++)
        explicit_bzero((char *)v[i], strlen(v[i]));
    return PMC_OK;
}

enum pmc_err pmc_exec_creds_load(struct pmc_exec_creds *c, char *why,
                                 size_t why_len)
{
    memset(c, 0, sizeof *c);
    enum pmc_err e = load_key(c, why, why_len);
    if (e == PMC_OK)
        e = load_api(c, why, why_len);
    if (e != PMC_OK)
        pmc_exec_creds_wipe(c);
    return e;
}

void pmc_exec_creds_wipe(struct pmc_exec_creds *c)
{
    if (!c)
        return;
    pmc_signer_free(c->signer);
    c->signer = NULL;
    pmc_api_creds_wipe(&c->api);
}
