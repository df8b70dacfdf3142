/* live/logfmt.c - logfmt values and their check, log level names, a URL's
 * host (see logfmt.h).
 *
 * Decides: when a value is quoted and how it is escaped, what counts as a
 * well-formed line.
 * Never: writes anywhere but the caller's buffer, allocates. */
#include "live/logfmt.h"

#include <string.h>

static const char *const level_names[] = {"debug", "info", "warn", "error"};

const char *pmc_log_level_name(enum pmc_log_level l)
{
    return (unsigned)l <= PMC_LOG_ERROR ? level_names[l] : "info";
}

int pmc_log_level_parse(const char *s, size_t n)
{
    for (int i = 0; i <= PMC_LOG_ERROR; i++)
        if (strlen(level_names[i]) == n && !memcmp(level_names[i], s, n))
            return i;
    return -1;
}

static int bare_ok(unsigned char c)
{
    return c > 0x20 && c < 0x7f && c != '"' && c != '=' && c != '\\';
}

char *pmc_logfmt_value(char *dst, size_t cap, const char *s)
{
    if (!cap)
        return dst;
    size_t n = strlen(s), i;
    int quote = n == 0;
    for (i = 0; i < n && !quote; i++)
        quote = !bare_ok((unsigned char)s[i]);
    if (!quote) {
        size_t k = n < cap - 1 ? n : cap - 1;
        memcpy(dst, s, k);
        dst[k] = '\0';
        return dst;
    }
    if (cap < 3) {
        dst[0] = '\0';
        return dst;
    }
    size_t o = 0;
    dst[o++] = '"';
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        int esc = c == '"' || c == '\\';
        if (o + (size_t)esc + 2 > cap - 1)
            break; /* room for the closing quote and the NUL */
        if (esc)
            dst[o++] = '\\';
        dst[o++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
    }
    dst[o++] = '"';
    dst[o] = '\0';
    return dst;
}

static int key_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

int pmc_logfmt_valid(const char *p)
{
    if (!*p)
        return 0;
    for (;;) {
        const char *k = p;
        while (key_char(*p))
            p++;
        if (p == k || *p++ != '=')
            return 0;
        if (*p == '"') {
            p++;
            while (*p && *p != '"') {
                if ((unsigned char)*p < 0x20)
                    return 0;
                if (*p == '\\') {
                    p++;
                    if (*p != '"' && *p != '\\')
                        return 0;
                }
                p++;
            }
            if (*p++ != '"')
                return 0;
        } else {
            const char *v = p;
            while (bare_ok((unsigned char)*p))
                p++;
            if (p == v)
                return 0;
        }
        if (!*p)
            return 1;
        if (*p++ != ' ')
            return 0;
    }
}

char *pmc_url_host(const char *url, char *buf, size_t cap)
{
    const char *h = strstr(url, "://");
    h = h ? h + 3 : url;
    size_t n = strcspn(h, "/?#");
    const char *at = memchr(h, '@', n);
    if (at) {
        n -= (size_t)(at + 1 - h);
        h = at + 1;
    }
    size_t k = n;
    if (k && h[0] == '[') { /* [v6]:port */
        const char *e = memchr(h, ']', n);
        k = e ? (size_t)(e - h) + 1 : n;
    } else {
        const char *c = memchr(h, ':', n);
        if (c)
            k = (size_t)(c - h);
    }
    if (!k) {
        h = "?";
        k = 1;
    }
    if (k >= cap)
        k = cap ? cap - 1 : 0;
    if (cap) {
        memcpy(buf, h, k);
        buf[k] = '\0';
    }
    return buf;
}
