/* live/api.c - non-blocking loopback HTTP server (see api.h). */
#include "live/api.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CONN 16
#define MAX_REQ 65536
#define CONN_TIMEOUT_MS 5000

struct conn {
    int fd;
    pmc_ms since;
    size_t n;
    char *buf;
};

struct pmc_api {
    int fd, port;
    pmc_api_fn fn;
    void *ctx;
    struct conn c[MAX_CONN];
};

enum pmc_err pmc_api_open(struct pmc_api **out, int port, pmc_api_fn fn,
                          void *ctx, char *err, size_t cap)
{
    struct pmc_api *a = calloc(1, sizeof *a);
    if (!a)
        return PMC_ENOMEM;
    for (int i = 0; i < MAX_CONN; i++)
        a->c[i].fd = -1;
    a->fn = fn;
    a->ctx = ctx;
    a->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (a->fd < 0)
        goto fail;
    int one = 1;
    setsockopt(a->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(a->fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
        listen(a->fd, 16) < 0)
        goto fail;
    socklen_t sl = sizeof sa;
    getsockname(a->fd, (struct sockaddr *)&sa, &sl);
    a->port = ntohs(sa.sin_port);
    *out = a;
    return PMC_OK;
fail:
    snprintf(err, cap, "api: cannot listen on 127.0.0.1:%d: %s", port,
             strerror(errno));
    if (a->fd >= 0)
        close(a->fd);
    free(a);
    return PMC_EIO;
}

int pmc_api_port(const struct pmc_api *a)
{
    return a->port;
}

static void drop(struct conn *c)
{
    close(c->fd);
    free(c->buf);
    c->fd = -1;
    c->buf = NULL;
    c->n = 0;
}

static const char *reason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 413:
        return "Payload Too Large";
    default:
        return status >= 500 ? "Internal Server Error" : "Status";
    }
}

static void respond(struct conn *c, int status, const char *ctype,
                    const char *body, size_t n)
{
    char head[256];
    int hn = snprintf(head, sizeof head,
                      "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
                      "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                      status, reason(status), ctype, n);
    /* small answers to a local client: a blocking write is fine */
    int fl = fcntl(c->fd, F_GETFL);
    fcntl(c->fd, F_SETFL, fl & ~O_NONBLOCK);
    if (write(c->fd, head, (size_t)hn) == hn && n) {
        size_t off = 0;
        while (off < n) {
            ssize_t w = write(c->fd, body + off, n - off);
            if (w <= 0)
                break;
            off += (size_t)w;
        }
    }
    drop(c);
}

static int ctl(char c)
{
    return (unsigned char)c < 0x20 || c == 0x7f;
}

int pmc_api_parse(const char *buf, size_t n, struct pmc_api_req *req,
                  char method[PMC_API_METHOD_MAX + 1],
                  char target[PMC_API_TARGET_MAX + 1])
{
    const char *end = memmem(buf, n, "\r\n\r\n", 4);
    if (!end)
        return 0;
    size_t head_len = (size_t)(end - buf) + 4;
    /* Content-Length: a header name, matched case-insensitively at the
     * start of a line (never inside another name or a value); digits
     * only, saturating past MAX_REQ */
    size_t clen = 0;
    for (const char *l = memchr(buf, '\n', head_len); l && l + 1 < end;
         l = memchr(l + 1, '\n', (size_t)(end - l - 1))) {
        if ((size_t)(end - l - 1) < 15 ||
            strncasecmp(l + 1, "content-length:", 15))
            continue;
        const char *v = l + 16;
        while (*v == ' ' || *v == '\t')
            v++;
        while (*v >= '0' && *v <= '9' && clen <= MAX_REQ)
            clen = clen * 10 + (size_t)(*v++ - '0');
        break;
    }
    if (clen > MAX_REQ)
        return 413;
    if (n < head_len + clen)
        return 0;
    /* the request line "METHOD TARGET ...", its first line (the buffer
     * is not a string); a longer method or target than fits, one holding
     * a control byte (a NUL would cut it) or a target not starting with
     * '/' is a bad request */
    const char *nl = memchr(buf, '\n', head_len);
    size_t i = 0, hn = (size_t)(nl - buf), m = 0, t = 0;
    while (i < hn && (buf[i] == ' ' || buf[i] == '\t'))
        i++;
    while (i < hn && buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\r') {
        if (m == PMC_API_METHOD_MAX || ctl(buf[i]))
            return 400;
        method[m++] = buf[i++];
    }
    while (i < hn && (buf[i] == ' ' || buf[i] == '\t'))
        i++;
    if (i < hn && buf[i] != '/')
        return 400;
    while (i < hn && buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\r') {
        if (t == PMC_API_TARGET_MAX || ctl(buf[i]))
            return 400;
        target[t++] = buf[i++];
    }
    method[m] = '\0';
    target[t] = '\0';
    if (!m || !t)
        return 400;
    char *q = strchr(target, '?');
    if (q)
        *q++ = '\0';
    req->method = method;
    req->path = target;
    req->query = q ? q : "";
    req->body = buf + head_len;
    req->body_len = clen;
    return 200;
}

/* A complete request in c->buf? Parse and answer it. */
static void try_handle(struct pmc_api *a, struct conn *c)
{
    char method[PMC_API_METHOD_MAX + 1], target[PMC_API_TARGET_MAX + 1];
    struct pmc_api_req req;
    int st = pmc_api_parse(c->buf, c->n, &req, method, target);
    if (st == 0)
        return;
    if (st == 413) {
        respond(c, 413, "text/plain", "too large\n", 10);
        return;
    }
    if (st != 200) {
        respond(c, 400, "text/plain", "bad request\n", 12);
        return;
    }
    char *body = NULL;
    size_t bn = 0;
    FILE *out = open_memstream(&body, &bn);
    if (!out) {
        respond(c, 500, "text/plain", "out of memory\n", 14);
        return;
    }
    const char *ctype = "application/json";
    int status = a->fn(a->ctx, &req, out, &ctype);
    fclose(out);
    respond(c, status, ctype, body, bn);
    free(body);
}

void pmc_api_poll(struct pmc_api *a, pmc_ms now)
{
    for (;;) {
        int fd = accept4(a->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            break;
        int i = 0;
        while (i < MAX_CONN && a->c[i].fd >= 0)
            i++;
        if (i == MAX_CONN) {
            close(fd); /* busy: the client retries */
            continue;
        }
        a->c[i].fd = fd;
        a->c[i].since = now;
        a->c[i].n = 0;
        a->c[i].buf = malloc(MAX_REQ + 4096);
        if (!a->c[i].buf)
            drop(&a->c[i]);
    }
    for (int i = 0; i < MAX_CONN; i++) {
        struct conn *c = &a->c[i];
        if (c->fd < 0)
            continue;
        for (;;) {
            size_t room = MAX_REQ + 4096 - c->n;
            if (!room) {
                respond(c, 413, "text/plain", "too large\n", 10);
                break;
            }
            ssize_t r = read(c->fd, c->buf + c->n, room);
            if (r > 0) {
                c->n += (size_t)r;
                continue;
            }
            if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
                drop(c);
            break;
        }
        if (c->fd >= 0)
            try_handle(a, c);
        if (c->fd >= 0 && now - c->since > CONN_TIMEOUT_MS)
            drop(c);
    }
}

void pmc_api_close(struct pmc_api *a)
{
    if (!a)
        return;
    for (int i = 0; i < MAX_CONN; i++)
        if (a->c[i].fd >= 0)
            drop(&a->c[i]);
    close(a->fd);
    free(a);
}
