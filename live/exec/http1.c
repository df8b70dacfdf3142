/* live/exec/http1.c - HTTP/1.1 request head writer and answer reader (see
 * http1.h). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "live/exec/http1.h"

enum {
    S_STATUS = 0, /* the status line */
    S_HEADERS,    /* header lines up to the blank line */
    S_BODY_LEN,   /* Content-Length bytes */
    S_BODY_CLOSE, /* everything up to the close */
    S_CHUNK_SIZE, /* a chunk-size line */
    S_CHUNK_DATA,
    S_CHUNK_END, /* the CRLF after a chunk's data */
    S_TRAILERS,  /* trailer lines up to the blank line */
    S_DONE,
};

#define CHUNK_MAX ((uint64_t)1 << 40)

void pmc_http1_resp_init(struct pmc_http1_resp *p, char *body, size_t cap)
{
    memset(p, 0, offsetof(struct pmc_http1_resp, line));
    p->rl_remaining = -1;
    p->clen = -1;
    p->body = body;
    p->body_cap = cap;
    if (cap)
        body[0] = '\0';
}

size_t pmc_http1_resp_received(const struct pmc_http1_resp *p)
{
    return p->got;
}

static enum pmc_err bad(struct pmc_http1_resp *p, const char *why)
{
    snprintf(p->why, sizeof p->why, "%s", why);
    return PMC_EPARSE;
}

static void keep_body(struct pmc_http1_resp *p, const char *d, size_t n)
{
    if (p->body_cap == 0)
        return;
    size_t room = p->body_cap - 1 - p->body_len;
    if (n > room) {
        n = room;
        p->body_over = 1;
    }
    memcpy(p->body + p->body_len, d, n);
    p->body_len += n;
    p->body[p->body_len] = '\0';
}

/* Digits only, no sign; -1 when empty, not a number or too large. */
static int64_t dec_value(const char *v, size_t n)
{
    if (n == 0 || n > 18)
        return -1;
    int64_t out = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return -1;
        out = out * 10 + (v[i] - '0');
    }
    return out;
}

static int name_is(const char *s, size_t n, const char *name)
{
    return strlen(name) == n && strncasecmp(s, name, n) == 0;
}

/* Does the comma-separated list v contain token tok? */
static int has_token(const char *v, size_t n, const char *tok)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
            i++;
        size_t s = i;
        while (i < n && v[i] != ',')
            i++;
        size_t e = i;
        while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
            e--;
        if (name_is(v + s, e - s, tok))
            return 1;
    }
    return 0;
}

/* The last coding of a Transfer-Encoding list. */
static int last_is_chunked(const char *v, size_t n)
{
    size_t e = n;
    while (e > 0 && (v[e - 1] == ' ' || v[e - 1] == '\t'))
        e--;
    size_t s = e;
    while (s > 0 && v[s - 1] != ',')
        s--;
    while (s < e && (v[s] == ' ' || v[s] == '\t'))
        s++;
    return name_is(v + s, e - s, "chunked");
}

static enum pmc_err status_line(struct pmc_http1_resp *p, const char *l,
                                size_t n)
{
    /* HTTP/1.x SP 3DIGIT [SP reason] */
    if (n < 12 || memcmp(l, "HTTP/1.", 7) != 0 ||
        (l[7] != '0' && l[7] != '1') || l[8] != ' ')
        return bad(p, "not an HTTP/1.x status line");
    int st = 0;
    for (int i = 9; i < 12; i++) {
        if (l[i] < '0' || l[i] > '9')
            return bad(p, "status is not three digits");
        st = st * 10 + (l[i] - '0');
    }
    if (n > 12 && l[12] != ' ')
        return bad(p, "status is not three digits");
    if (st < 100 || st > 599)
        return bad(p, "status out of range");
    if (st == 101)
        return bad(p, "unexpected protocol switch (101)");
    p->status = st;
    p->http10 = l[7] == '0';
    p->interim = st < 200;
    p->chunked = p->close_tok = p->keep_tok = 0;
    p->clen = -1;
    p->st = S_HEADERS;
    return PMC_OK;
}

static enum pmc_err header_line(struct pmc_http1_resp *p, const char *l,
                                size_t n)
{
    if (l[0] == ' ' || l[0] == '\t')
        return bad(p, "folded header line");
    const char *c = memchr(l, ':', n);
    if (!c || c == l)
        return bad(p, "header line without a name");
    size_t nl = (size_t)(c - l);
    for (size_t i = 0; i < nl; i++)
        if (l[i] == ' ' || l[i] == '\t')
            return bad(p, "space in a header name");
    const char *v = c + 1, *e = l + n;
    while (v < e && (*v == ' ' || *v == '\t'))
        v++;
    while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    size_t vn = (size_t)(e - v);
    if (p->interim)
        return PMC_OK;
    if (name_is(l, nl, "content-length")) {
        int64_t x = dec_value(v, vn);
        if (x < 0)
            return bad(p, "bad Content-Length");
        if (p->clen >= 0 && p->clen != x)
            return bad(p, "conflicting Content-Length headers");
        p->clen = x;
    } else if (name_is(l, nl, "transfer-encoding")) {
        if (!last_is_chunked(v, vn))
            return bad(p, "unsupported Transfer-Encoding");
        p->chunked = 1;
    } else if (name_is(l, nl, "connection")) {
        p->close_tok |= has_token(v, vn, "close");
        p->keep_tok |= has_token(v, vn, "keep-alive");
    } else if (name_is(l, nl, "poly-ratelimit-remaining")) {
        p->rl_remaining = dec_value(v, vn);
    } else if (name_is(l, nl, "poly-ratelimit-reset")) {
        int64_t x = dec_value(v, vn);
        p->rl_reset_s = x < 0 ? 0 : x;
    } else if (name_is(l, nl, "retry-after")) {
        int64_t x = dec_value(v, vn); /* the HTTP-date form is ignored */
        p->retry_after_s = x < 0 ? 0 : x;
    }
    return PMC_OK;
}

/* The blank line after the headers: decide how the body is framed. */
static void head_done(struct pmc_http1_resp *p)
{
    if (p->interim) { /* 100 Continue and friends: the real answer follows */
        p->st = S_STATUS;
        return;
    }
    p->head = 0; /* chunk-size lines and trailers are counted afresh */
    p->keep_alive = p->http10 ? p->keep_tok && !p->close_tok : !p->close_tok;
    if (p->status == 204 || p->status == 304) {
        p->st = S_DONE;
    } else if (p->chunked) {
        p->keep_alive &= p->clen < 0; /* both: the length is not trusted */
        p->st = S_CHUNK_SIZE;
    } else if (p->clen >= 0) {
        p->left = (uint64_t)p->clen;
        p->st = p->left ? S_BODY_LEN : S_DONE;
    } else {
        p->keep_alive = 0;
        p->st = S_BODY_CLOSE;
    }
}

static enum pmc_err chunk_size_line(struct pmc_http1_resp *p, const char *l,
                                    size_t n)
{
    uint64_t v = 0;
    size_t i = 0;
    for (; i < n; i++) {
        int d;
        char ch = l[i];
        if (ch >= '0' && ch <= '9')
            d = ch - '0';
        else if (ch >= 'a' && ch <= 'f')
            d = ch - 'a' + 10;
        else if (ch >= 'A' && ch <= 'F')
            d = ch - 'A' + 10;
        else
            break;
        v = v * 16 + (uint64_t)d;
        if (v > CHUNK_MAX)
            return bad(p, "chunk too large");
    }
    if (i == 0)
        return bad(p, "bad chunk size");
    p->head = 0; /* the head limit is for runs of header lines */
    while (i < n && (l[i] == ' ' || l[i] == '\t'))
        i++;
    if (i < n && l[i] != ';')
        return bad(p, "bad chunk size");
    p->left = v;
    p->st = v ? S_CHUNK_DATA : S_TRAILERS;
    return PMC_OK;
}

/* One complete line (without its line end). */
static enum pmc_err on_line(struct pmc_http1_resp *p, const char *l, size_t n)
{
    switch (p->st) {
    case S_STATUS:
        return status_line(p, l, n);
    case S_HEADERS:
        if (n == 0) {
            head_done(p);
            return PMC_OK;
        }
        return header_line(p, l, n);
    case S_CHUNK_SIZE:
        return chunk_size_line(p, l, n);
    case S_CHUNK_END:
        if (n != 0)
            return bad(p, "chunk data longer than its size");
        p->st = S_CHUNK_SIZE;
        return PMC_OK;
    case S_TRAILERS:
        if (n == 0)
            p->st = S_DONE;
        return PMC_OK;
    default:
        return bad(p, "internal: line in a body state");
    }
}

static int line_state(int st)
{
    return st == S_STATUS || st == S_HEADERS || st == S_CHUNK_SIZE ||
           st == S_CHUNK_END || st == S_TRAILERS;
}

enum pmc_err pmc_http1_resp_feed(struct pmc_http1_resp *p, const char *d,
                                 size_t n, size_t *used, int *done)
{
    size_t i = 0;
    *used = 0;
    *done = p->st == S_DONE;
    while (i < n && p->st != S_DONE) {
        if (line_state(p->st)) {
            const char *nl = memchr(d + i, '\n', n - i);
            size_t take = nl ? (size_t)(nl - (d + i)) : n - i;
            if (p->line_len + take > PMC_HTTP1_LINE_MAX ||
                p->head + take > PMC_HTTP1_HEAD_MAX)
                return bad(p, p->head + take > PMC_HTTP1_HEAD_MAX
                                  ? "answer head too long"
                                  : "answer line too long");
            memcpy(p->line + p->line_len, d + i, take);
            p->line_len += take;
            p->head += take;
            i += take;
            p->got += take;
            if (!nl)
                break;
            i++; /* the LF */
            p->got++;
            p->head++;
            size_t ln = p->line_len;
            if (ln && p->line[ln - 1] == '\r')
                ln--;
            for (size_t k = 0; k < ln; k++)
                if (p->line[k] == '\r' || p->line[k] == '\0')
                    return bad(p, "control byte in the answer head");
            p->line_len = 0;
            PMC_TRY(on_line(p, p->line, ln));
            continue;
        }
        size_t take = n - i;
        if (p->st != S_BODY_CLOSE && take > p->left)
            take = (size_t)p->left;
        keep_body(p, d + i, take);
        i += take;
        p->got += take;
        if (p->st == S_BODY_CLOSE)
            continue;
        p->left -= take;
        if (p->left == 0)
            p->st = p->st == S_BODY_LEN ? S_DONE : S_CHUNK_END;
    }
    *used = i;
    *done = p->st == S_DONE;
    return PMC_OK;
}

enum pmc_err pmc_http1_resp_eof(struct pmc_http1_resp *p, int *done)
{
    *done = 0;
    if (p->st == S_DONE || p->st == S_BODY_CLOSE) {
        p->st = S_DONE;
        p->keep_alive = 0;
        *done = 1;
        return PMC_OK;
    }
    return bad(p,
               p->got == 0 ? "closed before the answer" : "closed mid-answer");
}

size_t pmc_http1_req_head(char *out, size_t cap, const char *method,
                          const char *host, const char *target,
                          const char *const *lines, size_t nlines, int has_body,
                          size_t body_len)
{
    if (!*method || !*host || target[0] != '/' || strpbrk(method, "\r\n ") ||
        strpbrk(target, "\r\n ") || strpbrk(host, "\r\n "))
        return 0;
    int k = snprintf(out, cap, "%s %s HTTP/1.1\r\nHost: %s\r\n", method, target,
                     host);
    if (k < 0 || (size_t)k >= cap)
        return 0;
    size_t n = (size_t)k;
    for (size_t i = 0; i < nlines; i++) {
        size_t l = strlen(lines[i]);
        if (strpbrk(lines[i], "\r\n") || n + l + 2 >= cap)
            return 0;
        memcpy(out + n, lines[i], l);
        n += l;
        out[n++] = '\r';
        out[n++] = '\n';
    }
    if (has_body)
        k = snprintf(out + n, cap - n, "Content-Length: %zu\r\n\r\n", body_len);
    else
        k = snprintf(out + n, cap - n, "\r\n");
    if (k < 0 || (size_t)k >= cap - n)
        return 0;
    return n + (size_t)k;
}
