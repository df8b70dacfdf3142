/* live/apicheck.c - what the local API parses itself (see api.h): the
 * admission of a request by its Host, Origin and Authorization headers,
 * and the values of a query string.
 *
 * Decides: which Host and Origin values are ours (127.0.0.1:PORT and
 * localhost:PORT, nothing else), which routes need no token, that a
 * missing and a wrong token look the same, and how a query value is
 * decoded.
 * Never: reads a socket, allocates, or says anything about the token
 * (its comparison takes the same time wherever the first difference is). */
#include "live/api.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

int pmc_api_public(const char *method, const char *path)
{
    return !strcmp(method, "GET") &&
           (!strcmp(path, "/health") || !strcmp(path, "/ready") ||
            !strcmp(path, "/"));
}

/* "127.0.0.1:PORT" or "localhost:PORT" (the name case-insensitive) */
static int our_authority(const char *s, int port)
{
    char p[16];
    int pn = snprintf(p, sizeof p, ":%d", port);
    size_t n = strlen(s), hn;
    if (n > 9 && !strncmp(s, "127.0.0.1", 9))
        hn = 9;
    else if (n > 9 && !strncasecmp(s, "localhost", 9))
        hn = 9;
    else
        return 0;
    return n - hn == (size_t)pn && !memcmp(s + hn, p, (size_t)pn);
}

/* Equal in a time that depends on the token's length only. */
static int token_eq(const char *given, size_t n, const char *tok)
{
    size_t m = strlen(tok);
    unsigned d = n != m;
    for (size_t i = 0; i < m; i++)
        d |= (unsigned char)tok[i] ^ (unsigned char)(i < n ? given[i] : 0);
    return d == 0;
}

int pmc_api_admit(const char *method, const char *path, const char *host,
                  const char *origin, const char *authorization,
                  const char *token, int port)
{
    if (!host || !our_authority(host, port))
        return 403;
    if (origin) {
        if (strncmp(origin, "http://", 7) || !our_authority(origin + 7, port))
            return 403;
    }
    if (pmc_api_public(method, path))
        return 0;
    if (!authorization || strncasecmp(authorization, "Bearer ", 7))
        return 401;
    const char *t = authorization + 7;
    while (*t == ' ')
        t++;
    size_t n = strlen(t);
    while (n && (t[n - 1] == ' ' || t[n - 1] == '\t'))
        n--;
    return token_eq(t, n, token) ? 0 : 401;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int pmc_api_query_get(const char *query, const char *key, char *buf, size_t cap)
{
    if (cap)
        buf[0] = '\0';
    size_t kn = strlen(key);
    const char *p = query;
    while (p && *p) {
        const char *end = strchr(p, '&');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len >= kn && !memcmp(p, key, kn) && (len == kn || p[kn] == '=')) {
            const char *v = len == kn ? p + kn : p + kn + 1;
            const char *ve = p + len;
            size_t o = 0;
            while (v < ve) {
                int c = (unsigned char)*v++;
                if (c == '+')
                    c = ' ';
                else if (c == '%') {
                    int hi = ve - v >= 2 ? hexval(v[0]) : -1;
                    int lo = ve - v >= 2 ? hexval(v[1]) : -1;
                    if (hi < 0 || lo < 0)
                        goto bad;
                    c = hi * 16 + lo;
                    v += 2;
                }
                if (c == 0 || o + 1 >= cap)
                    goto bad;
                buf[o++] = (char)c;
            }
            if (!cap)
                return -2;
            buf[o] = '\0';
            return (int)o;
        }
        p = end ? end + 1 : NULL;
    }
    return -1;
bad:
    if (cap)
        buf[0] = '\0';
    return -2;
}
