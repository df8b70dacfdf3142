/* core/tape.c - logfmt tape reader and writer.
 *
 * Pure: parses one line held in memory into a struct pmc_record and
 * formats a record back. Every value is validated here, once: the core
 * trusts what this file hands it. Errors name the key and the rule. */
#include "tape.h"

#include "dec.h"
#include "sbuf.h"

/* ---- names -------------------------------------------------------------- */

static const char *const kind_names[] = {
#define K(name, text) text,
    PMC_KIND_LIST(K)
#undef K
};
static const char *const skip_names[] = {
#define S(name, text) text,
    PMC_SKIP_LIST(S)
#undef S
};
static const char *const side_names[] = {"BUY", "SELL"};
static const char *const src_names[] = {"", "chain", "rtds", "api"};
static const char *const tif_names[] = {"FAK", "FOK", "GTC", "GTD"};
static const char *const exec_names[] = {"ack", "fill", "reject", "cancel",
                                         "failed"};
static const char *const clip_names[] = {"",       "order", "market",
                                         "window", "daily", "holdings"};
static const char *const who_names[] = {"operator", "core", "api", "kill_file"};
static const char *const state_names[] = {"off", "on"};

#define NAME_OF(tab, i) ((unsigned)(i) < PMC_ARRAY_LEN(tab) ? tab[i] : "?")

const char *pmc_kind_name(enum pmc_kind k)
{
    return NAME_OF(kind_names, k);
}
const char *pmc_side_name(enum pmc_side s)
{
    return NAME_OF(side_names, s);
}
const char *pmc_src_name(enum pmc_src s)
{
    return NAME_OF(src_names, s);
}
const char *pmc_tif_name(enum pmc_tif t)
{
    return NAME_OF(tif_names, t);
}
const char *pmc_exec_name(enum pmc_exec_status s)
{
    return NAME_OF(exec_names, s);
}
const char *pmc_skip_name(enum pmc_skip_reason r)
{
    return NAME_OF(skip_names, r);
}
const char *pmc_clip_name(enum pmc_clip c)
{
    return NAME_OF(clip_names, c);
}
const char *pmc_who_name(enum pmc_who w)
{
    return NAME_OF(who_names, w);
}

static int lookup(const char *const *tab, size_t n, const char *s, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(tab[i]) == len && memcmp(tab[i], s, len) == 0)
            return (int)i;
    return -1;
}

int pmc_kind_lookup(const char *s, size_t n)
{
    return lookup(kind_names, PMC_ARRAY_LEN(kind_names), s, n);
}
int pmc_skip_lookup(const char *s, size_t n)
{
    return lookup(skip_names, PMC_ARRAY_LEN(skip_names), s, n);
}
int pmc_who_lookup(const char *s, size_t n)
{
    return lookup(who_names, PMC_ARRAY_LEN(who_names), s, n);
}

int pmc_tick_valid(pmc_micros tick)
{
    return tick == 100000 || tick == 10000 || tick == 5000 || tick == 2500 ||
           tick == 1000 || tick == 100;
}

enum pmc_err pmc_addr_norm(const char *s, size_t n, struct pmc_sym *out)
{
    if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        s += 2;
        n -= 2;
    }
    if (n != 40)
        return PMC_EPARSE;
    /* hex digit -> its lowercase form, anything else -> 0 */
    static const char lower_hex[256] = {
        ['0'] = '0', ['1'] = '1', ['2'] = '2', ['3'] = '3', ['4'] = '4',
        ['5'] = '5', ['6'] = '6', ['7'] = '7', ['8'] = '8', ['9'] = '9',
        ['a'] = 'a', ['b'] = 'b', ['c'] = 'c', ['d'] = 'd', ['e'] = 'e',
        ['f'] = 'f', ['A'] = 'a', ['B'] = 'b', ['C'] = 'c', ['D'] = 'd',
        ['E'] = 'e', ['F'] = 'f'};
    char buf[42] = {'0', 'x'};
    char bad = 0;
    for (size_t i = 0; i < 40; i++) {
        char c = lower_hex[(unsigned char)s[i]];
        bad |= (char)(c == 0);
        buf[i + 2] = c;
    }
    if (bad)
        return PMC_EPARSE;
    return pmc_sym_set(out, buf, 42);
}

/* ---- reader ------------------------------------------------------------- */

struct pair {
    const char *k, *v;
    uint64_t k8; /* the key's first 8 bytes, zero-padded (see key8) */
    uint32_t kn, vn;
    uint8_t quoted;
};

struct line {
    struct pair p[PMC_TAPE_MAX_PAIRS];
    size_t n;
    size_t next;   /* get starts after its last find: keys come in order */
    uint64_t keys; /* one bit a key (key_bit): most absent keys cost one test */
    struct pmc_tape_err *err;
};

static enum pmc_err fail(struct line *L, const char *what, const char *key,
                         const char *val, size_t vn, const char *rule)
{
    struct pmc_sbuf b;
    pmc_sbuf_init(&b, L->err->msg, sizeof L->err->msg);
    pmc_sbuf_str(&b, what);
    if (key) {
        pmc_sbuf_str(&b, " ");
        pmc_sbuf_str(&b, key);
        if (val) {
            pmc_sbuf_str(&b, "=");
            pmc_sbuf_clip(&b, val, vn, 48);
        }
    }
    if (rule) {
        pmc_sbuf_str(&b, ": ");
        pmc_sbuf_str(&b, rule);
    }
    return PMC_EPARSE;
}

/* Byte classes, as bits: SP the separating space, BAD not allowed
 * unquoted (control bytes, '"', '='), HIGH a byte of a multi-byte UTF-8
 * character, CTL a byte refusing the whole line ('\0', '\t'). One table
 * look-up a byte; 0 is an ordinary byte of a bare key or value. */
#define C_SP 1
#define C_BAD 2
#define C_HIGH 4
#define C_CTL 8
#define B C_BAD
#define Z (C_BAD | C_CTL)
#define H16                                                                    \
    C_HIGH, C_HIGH, C_HIGH, C_HIGH, C_HIGH, C_HIGH, C_HIGH, C_HIGH, C_HIGH,    \
        C_HIGH, C_HIGH, C_HIGH, C_HIGH, C_HIGH, C_HIGH, C_HIGH
static const uint8_t byte_class[256] = {Z,
                                        B,
                                        B,
                                        B,
                                        B,
                                        B,
                                        B,
                                        B,
                                        B,
                                        Z,
                                        B,
                                        B,
                                        B,
                                        B,
                                        B,
                                        B, /* 0x00: '\t' is 0x09 */
                                        B,
                                        B,
                                        B,
                                        B,
                                        B,
                                        B,
                                        B,
                                        B,
                                        B,
                                        B,
                                        B,
                                        B,
                                        B,
                                        B,
                                        B,
                                        B, /* 0x10 */
                                        [' '] = C_SP,
                                        ['"'] = C_BAD,
                                        ['='] = C_BAD,
                                        [0x7f] = C_BAD,
                                        [0x80] = H16,
                                        H16,
                                        H16,
                                        H16,
                                        H16,
                                        H16,
                                        H16,
                                        H16};
#undef H16
#undef Z
#undef B

static int bad_bare_char(char c)
{
    return (byte_class[(unsigned char)c] & (C_SP | C_BAD)) != 0;
}

static uint64_t key_bit(uint64_t k8)
{
    return (uint64_t)1 << ((k8 * 0x9E3779B97F4A7C15u) >> 58);
}

/* A key's first 8 bytes as one word (every known key is at most 8 bytes):
 * matching a key is then one compare of the word and the length. */
static uint64_t key8(const char *k, size_t n)
{
    uint64_t w = 0;
    for (size_t i = 0; i < n && i < 8; i++)
        w |= (uint64_t)(unsigned char)k[i] << (8 * i);
    return w;
}

/* The key (or the text where one was expected) as a C string for errors. */
static const char *key_text(char kb[32], const char *k, size_t kn)
{
    size_t n = kn < 31 ? kn : 31;
    memcpy(kb, k, n);
    kb[n] = '\0';
    return kb;
}

/* Split the line into pairs in one pass. *seen collects the class bits of
 * every key and value byte: C_CTL and C_HIGH tell the caller whether the
 * line needs its control and UTF-8 checks. */
static enum pmc_err split(struct line *L, const char *s, size_t n,
                          unsigned *seen)
{
    size_t i = 0;
    unsigned acc = 0;
    char kb[32];
    L->n = 0;
    L->next = 0;
    L->keys = 0;
    while (i < n) {
        while (i < n && s[i] == ' ')
            i++;
        if (i == n)
            break;
        size_t ks = i;
        for (; i < n && s[i] != '='; i++) {
            uint8_t k = byte_class[(unsigned char)s[i]];
            if (k & C_SP)
                break;
            if (k & C_BAD)
                return fail(L, "bad character in a key", NULL, NULL, 0,
                            "keys are [A-Za-z0-9_]");
            acc |= k;
        }
        if (i == ks || i == n || s[i] != '=')
            return fail(L, "expected key=value, got",
                        i == ks ? "'='" : key_text(kb, s + ks, i - ks), NULL, 0,
                        NULL);
        if (L->n == PMC_TAPE_MAX_PAIRS)
            return fail(L, "too many fields", NULL, NULL, 0, "at most 64");
        struct pair *p = &L->p[L->n++];
        p->k = s + ks;
        p->kn = (uint32_t)(i - ks);
        p->k8 = key8(p->k, p->kn);
        uint64_t bit = key_bit(p->k8);
        int maybe_repeated = (L->keys & bit) != 0;
        L->keys |= bit;
        i++; /* '=' */
        if (i < n && s[i] == '"') {
            size_t vs = ++i;
            while (i < n && s[i] != '"') {
                acc |= byte_class[(unsigned char)s[i]];
                if (s[i] == '\\' && i + 1 < n)
                    acc |= byte_class[(unsigned char)s[++i]];
                i++;
            }
            if (i >= n)
                return fail(L, "unterminated quoted value for",
                            key_text(kb, p->k, p->kn), NULL, 0,
                            "a quoted value ends with '\"'");
            p->v = s + vs;
            p->vn = (uint32_t)(i - vs);
            p->quoted = 1;
            i++;
            if (i < n && s[i] != ' ')
                return fail(L, "expected a space after the quoted value of",
                            key_text(kb, p->k, p->kn), NULL, 0, NULL);
        } else {
            size_t vs = i;
            /* four ordinary bytes a turn; the byte that stops it is
             * looked at alone below */
            while (n - i >= 4 && (byte_class[(unsigned char)s[i]] |
                                  byte_class[(unsigned char)s[i + 1]] |
                                  byte_class[(unsigned char)s[i + 2]] |
                                  byte_class[(unsigned char)s[i + 3]]) == 0)
                i += 4;
            for (; i < n; i++) {
                uint8_t k = byte_class[(unsigned char)s[i]];
                if (k & C_SP)
                    break;
                if (k & C_BAD)
                    return fail(L, "bad character in the value of",
                                key_text(kb, p->k, p->kn), NULL, 0,
                                "quote values holding '\"', '=' or spaces");
                acc |= k;
            }
            p->v = s + vs;
            p->vn = (uint32_t)(i - vs);
            p->quoted = 0;
        }
        for (size_t j = 0; maybe_repeated && j + 1 < L->n; j++)
            if (L->p[j].k8 == p->k8 && L->p[j].kn == p->kn &&
                (p->kn <= 8 || memcmp(L->p[j].k, p->k, p->kn) == 0))
                return fail(L, "repeated key", key_text(kb, p->k, p->kn), NULL,
                            0, NULL);
    }
    *seen = acc;
    return PMC_OK;
}

int pmc_utf8_ok(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        unsigned c = u[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len;
        unsigned lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF)
            len = 2;
        else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            if (c == 0xE0)
                lo = 0xA0; /* overlong */
            else if (c == 0xED)
                hi = 0x9F; /* surrogates */
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            if (c == 0xF0)
                lo = 0x90; /* overlong */
            else if (c == 0xF4)
                hi = 0x8F; /* above U+10FFFF */
        } else
            return 0;
        if (n - i < len || u[i + 1] < lo || u[i + 1] > hi)
            return 0;
        for (size_t j = 2; j < len; j++)
            if ((u[i + j] & 0xC0) != 0x80)
                return 0;
        i += len;
    }
    return 1;
}

/* Every key and value of the line is UTF-8 (split saw a byte above 0x7f);
 * the error names the key and never copies the bad bytes. */
static enum pmc_err check_utf8(struct line *L)
{
    char kb[32];
    for (size_t j = 0; j < L->n; j++) {
        const struct pair *p = &L->p[j];
        if (!pmc_utf8_ok(p->k, p->kn))
            return fail(L, "invalid UTF-8 in a key", NULL, NULL, 0,
                        "a tape is UTF-8 text");
        if (!pmc_utf8_ok(p->v, p->vn))
            return fail(L, "invalid UTF-8 in the value of",
                        key_text(kb, p->k, p->kn), NULL, 0,
                        "a tape is UTF-8 text");
    }
    return PMC_OK;
}

/* Out of line: keys longer than 8 bytes are never hot (no known one is). */
static __attribute__((noinline)) int long_key_eq(const struct pair *p,
                                                 const char *key, size_t kn)
{
    return memcmp(p->k, key, kn) == 0;
}

static inline __attribute__((always_inline)) struct pair *get(struct line *L,
                                                              const char *key)
{
    size_t kn = 0;
    uint64_t w = 0;
    for (; kn < 8 && key[kn]; kn++)
        w |= (uint64_t)(unsigned char)key[kn] << (8 * kn);
    if (kn == 8)
        kn = strlen(key); /* may be longer than any known key */
    if (!(L->keys & key_bit(w)))
        return NULL;
    for (size_t j = 0, i = L->next; j < L->n; j++, i++) {
        if (i >= L->n)
            i = 0;
        if (L->p[i].k8 == w && L->p[i].kn == kn &&
            (kn <= 8 || long_key_eq(&L->p[i], key, kn))) {
            L->next = i + 1;
            return &L->p[i];
        }
    }
    return NULL;
}

static enum pmc_err need(struct line *L, const char *key, struct pair **out)
{
    *out = get(L, key);
    if (!*out)
        return fail(L, "missing", key, NULL, 0, "required for this record");
    if ((*out)->vn == 0)
        return fail(L, "empty", key, NULL, 0, "a value is required");
    return PMC_OK;
}

/* id-like value: no commas (they separate lists), fits a pmc_sym. */
static enum pmc_err get_sym(struct line *L, const char *key, int required,
                            struct pmc_sym *out)
{
    struct pair *p = get(L, key);
    if (!p) {
        if (required)
            return fail(L, "missing", key, NULL, 0, "required for this record");
        pmc_sym_clear(out);
        return PMC_OK;
    }
    if (p->vn == 0)
        return fail(L, "empty", key, NULL, 0, "a value is required");
    if (p->quoted || memchr(p->v, ',', p->vn))
        return fail(L, "bad", key, p->v, p->vn,
                    "ids are bare values without commas");
    if (pmc_sym_set(out, p->v, p->vn) != PMC_OK)
        return fail(L, "bad", key, p->v, p->vn, "longer than 95 bytes");
    return PMC_OK;
}

static enum pmc_err get_text(struct line *L, const char *key, char *dst,
                             size_t cap)
{
    struct pair *p = get(L, key);
    dst[0] = '\0';
    if (!p)
        return PMC_OK;
    size_t o = 0;
    for (size_t i = 0; i < p->vn; i++) {
        char c = p->v[i];
        if (p->quoted && c == '\\' && i + 1 < p->vn)
            c = p->v[++i];
        if (o + 1 >= cap)
            return fail(L, "too long", key, p->v, p->vn, NULL);
        dst[o++] = c;
    }
    dst[o] = '\0';
    return PMC_OK;
}

/* A display label: as get_text, but one longer than cap - 1 bytes is cut
 * at a UTF-8 character boundary instead of refused. */
static void get_label(struct line *L, const char *key, char *dst, size_t cap)
{
    struct pair *p = get(L, key);
    dst[0] = '\0';
    if (!p)
        return;
    size_t o = 0, i = 0;
    for (; i < p->vn && o + 1 < cap; i++) {
        char c = p->v[i];
        if (p->quoted && c == '\\' && i + 1 < p->vn)
            c = p->v[++i];
        dst[o++] = c;
    }
    if (i < p->vn && ((unsigned char)p->v[i] & 0xC0) == 0x80) {
        /* cut inside a character: drop its first bytes too */
        while (o > 0 && ((unsigned char)dst[o - 1] & 0xC0) == 0x80)
            o--;
        if (o > 0 && (unsigned char)dst[o - 1] >= 0xC0)
            o--;
    }
    dst[o] = '\0';
}

static enum pmc_err get_int(struct line *L, const char *key, int required,
                            int64_t lo, int64_t hi, int64_t *out,
                            const char *rule)
{
    struct pair *p = get(L, key);
    if (!p) {
        if (required)
            return fail(L, "missing", key, NULL, 0, "required for this record");
        return PMC_OK;
    }
    int64_t v;
    if (pmc_int_parse(p->v, p->vn, &v) != PMC_OK)
        return fail(L, "bad", key, p->v, p->vn, "not an integer");
    if (v < lo || v > hi)
        return fail(L, "bad", key, p->v, p->vn, rule);
    *out = v;
    return PMC_OK;
}

/* Decimal in [lo, hi] (open ends when the flags say so). */
#define OPEN_LO 1
#define OPEN_HI 2
static enum pmc_err dec_value(struct line *L, const char *key, const char *v,
                              size_t vn, pmc_micros lo, pmc_micros hi, int open,
                              pmc_micros *out, const char *rule)
{
    pmc_micros x;
    enum pmc_err e = pmc_dec_parse(v, vn, &x);
    if (e == PMC_EPARSE)
        return fail(L, "bad", key, v, vn, "not a decimal number");
    if (e != PMC_OK) {
        const char *dot = memchr(v, '.', vn);
        return fail(L, "bad", key, v, vn,
                    dot && vn - (size_t)(dot - v) - 1 > 6
                        ? "more than 6 decimal places"
                        : "too large");
    }
    if (x < lo || x > hi || ((open & OPEN_LO) && x == lo) ||
        ((open & OPEN_HI) && x == hi))
        return fail(L, "bad", key, v, vn, rule);
    *out = x;
    return PMC_OK;
}

static enum pmc_err get_dec(struct line *L, const char *key, int required,
                            pmc_micros lo, pmc_micros hi, int open,
                            pmc_micros *out, const char *rule)
{
    struct pair *p = get(L, key);
    if (!p) {
        if (required)
            return fail(L, "missing", key, NULL, 0, "required for this record");
        return PMC_OK;
    }
    return dec_value(L, key, p->v, p->vn, lo, hi, open, out, rule);
}

#define PRICE_RULE "price must be in (0,1)"
#define SIZE_RULE "size must be > 0 and at most 1e9 shares"

static enum pmc_err get_price(struct line *L, const char *key, int required,
                              pmc_micros *out)
{
    return get_dec(L, key, required, 0, PMC_MICRO, OPEN_LO | OPEN_HI, out,
                   PRICE_RULE);
}

static enum pmc_err get_size(struct line *L, const char *key, int required,
                             pmc_micros *out)
{
    return get_dec(L, key, required, 0, PMC_SIZE_MAX, OPEN_LO, out, SIZE_RULE);
}

static enum pmc_err get_enum(struct line *L, const char *key, int required,
                             const char *const *names, size_t nnames, int *out,
                             const char *rule)
{
    struct pair *p = get(L, key);
    if (!p) {
        if (required)
            return fail(L, "missing", key, NULL, 0, "required for this record");
        return PMC_OK;
    }
    int i = lookup(names, nnames, p->v, p->vn);
    if (i < 0 || p->vn == 0)
        return fail(L, "bad", key, p->v, p->vn, rule);
    *out = i;
    return PMC_OK;
}

static enum pmc_err get_side(struct line *L, enum pmc_side *out)
{
    int v = 0;
    PMC_TRY(get_enum(L, "side", 1, side_names, 2, &v, "side is BUY or SELL"));
    *out = (enum pmc_side)v;
    return PMC_OK;
}

static enum pmc_err get_trader(struct line *L, const char *key, int required,
                               struct pmc_sym *out)
{
    struct pair *p = get(L, key);
    if (!p) {
        if (required)
            return fail(L, "missing", key, NULL, 0, "required for this record");
        pmc_sym_clear(out);
        return PMC_OK;
    }
    if (pmc_addr_norm(p->v, p->vn, out) != PMC_OK)
        return fail(L, "bad", key, p->v, p->vn,
                    "an address is 40 hex digits, 0x optional");
    return PMC_OK;
}

/* by=: who asked (operator when absent: tapes before it named anyone). */
static enum pmc_err get_who(struct line *L, enum pmc_who *out)
{
    int w = PMC_WHO_OPERATOR;
    PMC_TRY(get_enum(L, "by", 0, who_names, PMC_ARRAY_LEN(who_names), &w,
                     "by is operator, core, api or kill_file"));
    *out = (enum pmc_who)w;
    return PMC_OK;
}

static enum pmc_err get_time(struct line *L, const char *key, int required,
                             pmc_ms *out)
{
    return get_int(L, key, required, 0, PMC_TIME_MAX, out,
                   "milliseconds since the epoch, 0..1e13");
}

/* "px:sz,px:sz" best level first. */
static enum pmc_err get_levels(struct line *L, const char *key, pmc_micros *px,
                               pmc_micros *sz, uint8_t *n)
{
    struct pair *p = get(L, key);
    *n = 0;
    if (!p || p->vn == 0)
        return PMC_OK;
    const char *s = p->v, *e = p->v + p->vn;
    while (s < e) {
        const char *c = memchr(s, ',', (size_t)(e - s));
        if (!c)
            c = e;
        const char *colon = memchr(s, ':', (size_t)(c - s));
        if (!colon)
            return fail(L, "bad", key, p->v, p->vn,
                        "levels are px:sz,px:sz best first");
        if (*n == PMC_BOOK_LEVELS)
            return fail(L, "bad", key, p->v, p->vn, "at most 8 levels");
        PMC_TRY(dec_value(L, key, s, (size_t)(colon - s), 0, PMC_MICRO,
                          OPEN_LO | OPEN_HI, &px[*n], PRICE_RULE));
        PMC_TRY(dec_value(L, key, colon + 1, (size_t)(c - colon - 1), 0,
                          PMC_SIZE_MAX, OPEN_LO, &sz[*n], SIZE_RULE));
        (*n)++;
        s = c + (c < e);
        if (c + 1 == e)
            return fail(L, "bad", key, p->v, p->vn, "trailing comma");
    }
    return PMC_OK;
}

static enum pmc_err parse_fill(struct line *L, struct pmc_record *r)
{
    struct pmc_fill *f = &r->u.fill;
    PMC_TRY(get_trader(L, "trader", 1, &f->trader));
    PMC_TRY(get_sym(L, "token", 1, &f->token));
    PMC_TRY(get_side(L, &f->side));
    PMC_TRY(get_price(L, "px", 1, &f->px));
    PMC_TRY(get_size(L, "sz", 1, &f->sz));
    PMC_TRY(get_sym(L, "key", 1, &f->key));
    f->ts = r->t;
    PMC_TRY(get_time(L, "ts", 0, &f->ts));
    PMC_TRY(get_sym(L, "market", 0, &f->market));
    PMC_TRY(get_text(L, "outcome", f->outcome, sizeof f->outcome));
    f->end = 0;
    PMC_TRY(get_time(L, "end", 0, &f->end));
    int src = 0;
    PMC_TRY(get_enum(L, "src", 0, src_names + 1, 3, &src,
                     "src is chain, rtds or api"));
    f->src = get(L, "src") ? (enum pmc_src)(src + 1) : PMC_SRC_NONE;
    return PMC_OK;
}

static enum pmc_err parse_market(struct line *L, struct pmc_record *r)
{
    struct pmc_market_ev *m = &r->u.market;
    PMC_TRY(get_sym(L, "token", 1, &m->token));
    PMC_TRY(get_sym(L, "market", 0, &m->market));
    PMC_TRY(get_text(L, "outcome", m->outcome, sizeof m->outcome));
    m->end = 0;
    PMC_TRY(get_time(L, "end", 0, &m->end));
    m->tick = 0;
    struct pair *tp = get(L, "tick");
    if (tp) {
        PMC_TRY(dec_value(L, "tick", tp->v, tp->vn, 0, PMC_MICRO, 0, &m->tick,
                          NULL));
        if (!pmc_tick_valid(m->tick))
            return fail(L, "bad", "tick", tp->v, tp->vn,
                        "tick is 0.1, 0.01, 0.005, 0.0025, 0.001 or 0.0001");
    }
    m->minsz = 0;
    PMC_TRY(get_dec(L, "minsz", 0, 0, PMC_SIZE_MAX, 0, &m->minsz,
                    "minsz is 0..1e9 shares"));
    m->fee_rate = -1;
    PMC_TRY(get_dec(L, "fee_rate", 0, 0, PMC_MICRO, 0, &m->fee_rate,
                    "fee_rate is in [0,1]"));
    int64_t fe = -1;
    PMC_TRY(get_int(L, "fee_exp", 0, 0, 8, &fe, "fee_exp is 0..8"));
    m->fee_exp = (int32_t)fe;
    int64_t nr = -1;
    PMC_TRY(get_int(L, "negrisk", 0, 0, 1, &nr, "negrisk is 0 or 1"));
    m->negrisk = (int8_t)nr;
    int64_t df = 0;
    PMC_TRY(get_int(L, "defaults", 0, 0, 1, &df, "defaults is 0 or 1"));
    m->defaults = (int8_t)df;
    get_label(L, "question", m->question, sizeof m->question);
    get_label(L, "slug", m->slug, sizeof m->slug);
    return PMC_OK;
}

static enum pmc_err parse_quote(struct line *L, struct pmc_record *r)
{
    struct pmc_quote *q = &r->u.quote;
    PMC_TRY(get_sym(L, "token", 1, &q->token));
    q->bid = q->ask = q->bidsz = q->asksz = 0;
    PMC_TRY(get_price(L, "bid", 0, &q->bid));
    PMC_TRY(get_price(L, "ask", 0, &q->ask));
    if (!q->bid && !q->ask)
        return fail(L, "missing", "bid", NULL, 0,
                    "a quote needs bid=, ask= or both");
    PMC_TRY(get_dec(L, "bidsz", 0, 0, PMC_SIZE_MAX, 0, &q->bidsz,
                    "bidsz is 0..1e9 shares"));
    PMC_TRY(get_dec(L, "asksz", 0, 0, PMC_SIZE_MAX, 0, &q->asksz,
                    "asksz is 0..1e9 shares"));
    return PMC_OK;
}

static enum pmc_err parse_exec(struct line *L, struct pmc_record *r)
{
    struct pmc_exec *x = &r->u.exec;
    int st = 0;
    PMC_TRY(get_sym(L, "coid", 1, &x->coid));
    PMC_TRY(get_enum(L, "status", 1, exec_names, 5, &st,
                     "status is ack, fill, reject, cancel or failed"));
    x->status = (enum pmc_exec_status)st;
    x->sz = x->px = x->fee = 0;
    int is_fill = x->status == PMC_EXEC_FILL || x->status == PMC_EXEC_FAILED;
    PMC_TRY(get_size(L, "sz", is_fill, &x->sz));
    PMC_TRY(get_price(L, "px", is_fill, &x->px));
    PMC_TRY(
        get_dec(L, "fee", 0, 0, PMC_SIZE_MAX, 0, &x->fee, "fee is >= 0 USD"));
    PMC_TRY(get_text(L, "reason", x->reason, sizeof x->reason));
    return PMC_OK;
}

static enum pmc_err parse_order(struct line *L, struct pmc_record *r)
{
    struct pmc_order_act *o = &r->u.order;
    PMC_TRY(get_sym(L, "coid", 1, &o->coid));
    PMC_TRY(get_sym(L, "token", 1, &o->token));
    PMC_TRY(get_side(L, &o->side));
    PMC_TRY(get_price(L, "px", 1, &o->px));
    PMC_TRY(get_size(L, "sz", 1, &o->sz));
    int tif = 0, clip = 0;
    PMC_TRY(get_enum(L, "tif", 1, tif_names, 4, &tif,
                     "tif is FAK, FOK, GTC or GTD"));
    o->tif = (enum pmc_tif)tif;
    PMC_TRY(get_enum(L, "clip", 0, clip_names + 1, 5, &clip,
                     "clip is order, market, window, daily or holdings"));
    o->clip = get(L, "clip") ? (enum pmc_clip)(clip + 1) : PMC_CLIP_NONE;
    o->ref = 0;
    PMC_TRY(get_price(L, "ref", 0, &o->ref));
    o->exp = 0;
    PMC_TRY(get_int(L, "exp", 0, 1, PMC_TIME_MAX / 1000, &o->exp,
                    "exp is unix seconds, 1..1e10"));
    if (o->exp && o->tif != PMC_TIF_GTD)
        return fail(L, "bad", "exp", get(L, "exp")->v, get(L, "exp")->vn,
                    "exp is for tif=GTD only");
    struct pair *k;
    PMC_TRY(need(L, "keys", &k));
    /* the list is written back verbatim and bare, so it must be bare here */
    if (k->quoted)
        return fail(L, "bad", "keys", k->v, k->vn,
                    "keys are bare fill keys separated by commas");
    o->keys_text = k->v;
    o->keys_len = k->vn;
    o->fills = NULL;
    o->nfills = 0;
    return PMC_OK;
}

enum pmc_err pmc_tape_parse(const char *s, size_t n, struct pmc_record *r,
                            int *has_record, struct pmc_tape_err *err)
{
    struct line L;
    L.err = err;
    err->msg[0] = '\0';
    *has_record = 0;
    if (n > PMC_TAPE_LINE_MAX)
        return fail(&L, "line too long", NULL, NULL, 0, "at most 65536 bytes");
    if (n && s[n - 1] == '\r')
        n--;
    size_t i = 0;
    while (i < n && s[i] == ' ')
        i++;
    if (i == n || s[i] == '#')
        return PMC_OK;
    unsigned seen = 0;
    enum pmc_err e = split(&L, s, n, &seen);
    /* a control byte refuses the line before any other error */
    if ((e != PMC_OK || (seen & C_CTL)) &&
        (memchr(s, '\0', n) || memchr(s, '\t', n)))
        return fail(&L, "control character in line", NULL, NULL, 0,
                    "fields are separated by spaces");
    if (e != PMC_OK)
        return e;
    if (seen & C_HIGH)
        PMC_TRY(check_utf8(&L));
    struct pair *ev;
    PMC_TRY(need(&L, "ev", &ev));
    int kind = pmc_kind_lookup(ev->v, ev->vn);
    if (kind < 0)
        return fail(&L, "unknown record kind", "ev", ev->v, ev->vn, NULL);
    memset(r, 0, sizeof *r);
    r->kind = (enum pmc_kind)kind;
    PMC_TRY(get_time(&L, "t", 1, &r->t));
    switch (r->kind) {
    case PMC_K_FILL:
        PMC_TRY(parse_fill(&L, r));
        break;
    case PMC_K_MARKET:
        PMC_TRY(parse_market(&L, r));
        break;
    case PMC_K_QUOTE:
        PMC_TRY(parse_quote(&L, r));
        break;
    case PMC_K_TRADE:
        PMC_TRY(get_sym(&L, "token", 1, &r->u.trade.token));
        PMC_TRY(get_price(&L, "px", 1, &r->u.trade.px));
        PMC_TRY(get_size(&L, "sz", 1, &r->u.trade.sz));
        break;
    case PMC_K_RESOLVE:
        PMC_TRY(get_sym(&L, "token", 1, &r->u.resolve.token));
        PMC_TRY(get_dec(&L, "payout", 1, 0, PMC_MICRO, 0, &r->u.resolve.payout,
                        "payout is in [0,1]"));
        break;
    case PMC_K_EXEC:
        PMC_TRY(parse_exec(&L, r));
        break;
    case PMC_K_KILL: {
        PMC_TRY(
            get_text(&L, "reason", r->u.kill.reason, sizeof r->u.kill.reason));
        PMC_TRY(get_who(&L, &r->u.kill.who));
        r->u.kill.by_core = r->u.kill.who == PMC_WHO_CORE;
        break;
    }
    case PMC_K_RESUME: {
        struct pmc_resume_ev *u = &r->u.resume;
        PMC_TRY(get_who(&L, &u->who));
        if (u->who == PMC_WHO_CORE)
            return fail(&L, "bad", "by", "core", 4,
                        "the core never resumes (a refused resume is "
                        "ev=refuse)");
        PMC_TRY(get_text(&L, "reason", u->reason, sizeof u->reason));
        PMC_TRY(get_text(&L, "override", u->override, sizeof u->override));
        break;
    }
    case PMC_K_TRADER: {
        struct pmc_trader_ev *u = &r->u.trader;
        int on = 0;
        PMC_TRY(get_trader(&L, "trader", 1, &u->trader));
        PMC_TRY(get_enum(&L, "state", 1, state_names, 2, &on,
                         "state is off or on"));
        u->on = on;
        PMC_TRY(get_who(&L, &u->who));
        PMC_TRY(get_text(&L, "reason", u->reason, sizeof u->reason));
        break;
    }
    case PMC_K_REMOVED:
        PMC_TRY(get_trader(&L, "trader", 1, &r->u.removed.trader));
        PMC_TRY(get_sym(&L, "token", 1, &r->u.removed.token));
        PMC_TRY(get_sym(&L, "key", 1, &r->u.removed.key));
        break;
    case PMC_K_REFUSE: {
        int of = 0;
        static const char *const of_names[] = {"resume"};
        PMC_TRY(get_enum(&L, "of", 1, of_names, 1, &of, "of is resume"));
        PMC_TRY(get_text(&L, "reason", r->u.refuse.reason,
                         sizeof r->u.refuse.reason));
        break;
    }
    case PMC_K_TIMER:
    case PMC_K_FLUSH:
        break;
    case PMC_K_ORDER:
        PMC_TRY(parse_order(&L, r));
        break;
    case PMC_K_SKIP: {
        int reason = 0;
        PMC_TRY(get_sym(&L, "key", 1, &r->u.skip.key));
        PMC_TRY(get_enum(&L, "reason", 1, skip_names, PMC_SKIP_COUNT, &reason,
                         "not a known skip reason"));
        r->u.skip.reason = (enum pmc_skip_reason)reason;
        break;
    }
    case PMC_K_MERGE:
    case PMC_K_REDEEM:
    case PMC_K_SPLIT: {
        struct pmc_ctf_ev *c = &r->u.ctf;
        PMC_TRY(get_trader(&L, "trader", 1, &c->trader));
        PMC_TRY(get_sym(&L, "market", 0, &c->market));
        PMC_TRY(get_sym(&L, "key", 0, &c->key));
        PMC_TRY(get_dec(&L, "sz", 0, 0, PMC_SIZE_MAX, 0, &c->sz,
                        "sz is 0..1e9 shares"));
        PMC_TRY(get_dec(&L, "usd", 0, 0, PMC_SIZE_MAX, 0, &c->usd,
                        "usd is 0..1e9"));
        break;
    }
    case PMC_K_BOOK: {
        struct pmc_book_ev *b = &r->u.book;
        PMC_TRY(get_sym(&L, "token", 1, &b->token));
        PMC_TRY(get_levels(&L, "bids", b->bid_px, b->bid_sz, &b->nbid));
        PMC_TRY(get_levels(&L, "asks", b->ask_px, b->ask_sz, &b->nask));
        break;
    }
    case PMC_K_COUNT:
        break;
    }
    *has_record = 1;
    return PMC_OK;
}

/* ---- writer ------------------------------------------------------------- */

static void put_key(struct pmc_sbuf *b, const char *k)
{
    pmc_sbuf_put(b, " ", 1);
    pmc_sbuf_str(b, k);
    pmc_sbuf_put(b, "=", 1);
}

static void put_str(struct pmc_sbuf *b, const char *k, const char *v)
{
    put_key(b, k);
    pmc_sbuf_str(b, v);
}

static void put_sym(struct pmc_sbuf *b, const char *k, const struct pmc_sym *y)
{
    if (y->n) {
        put_key(b, k);
        pmc_sbuf_put(b, y->s, y->n);
    }
}

static void put_dec(struct pmc_sbuf *b, const char *k, pmc_micros v)
{
    put_key(b, k);
    pmc_sbuf_dec(b, v);
}

static void put_int(struct pmc_sbuf *b, const char *k, int64_t v)
{
    put_key(b, k);
    pmc_sbuf_int(b, v);
}

/* Free text: bare when safe, else quoted with \" and \\ escapes. */
static void put_text(struct pmc_sbuf *b, const char *k, const char *v)
{
    size_t n = strlen(v);
    int quote = n == 0;
    for (size_t i = 0; i < n; i++)
        if (bad_bare_char(v[i]) || v[i] == '\\')
            quote = 1;
    put_key(b, k);
    if (!quote) {
        pmc_sbuf_put(b, v, n);
        return;
    }
    pmc_sbuf_put(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        char c = (unsigned char)v[i] < 0x20 ? ' ' : v[i];
        if (c == '"' || c == '\\')
            pmc_sbuf_put(b, "\\", 1);
        pmc_sbuf_put(b, &c, 1);
    }
    pmc_sbuf_put(b, "\"", 1);
}

static void put_levels(struct pmc_sbuf *b, const char *k, const pmc_micros *px,
                       const pmc_micros *sz, uint8_t n)
{
    if (!n)
        return;
    put_key(b, k);
    for (uint8_t i = 0; i < n; i++) {
        if (i)
            pmc_sbuf_put(b, ",", 1);
        pmc_sbuf_dec(b, px[i]);
        pmc_sbuf_put(b, ":", 1);
        pmc_sbuf_dec(b, sz[i]);
    }
}

static void format_order(struct pmc_sbuf *b, const struct pmc_order_act *o)
{
    put_sym(b, "coid", &o->coid);
    put_sym(b, "token", &o->token);
    put_str(b, "side", pmc_side_name(o->side));
    put_dec(b, "px", o->px);
    put_dec(b, "sz", o->sz);
    put_str(b, "tif", pmc_tif_name(o->tif));
    put_key(b, "keys");
    if (o->fills) {
        for (uint32_t i = 0; i < o->nfills; i++) {
            if (i)
                pmc_sbuf_put(b, ",", 1);
            pmc_sbuf_put(b, o->fills[i].key.s, o->fills[i].key.n);
        }
    } else {
        pmc_sbuf_put(b, o->keys_text, o->keys_len);
    }
    if (o->clip != PMC_CLIP_NONE)
        put_str(b, "clip", pmc_clip_name(o->clip));
    if (o->ref)
        put_dec(b, "ref", o->ref);
    if (o->exp) {
        put_key(b, "exp");
        pmc_sbuf_int(b, o->exp);
    }
}

size_t pmc_tape_format(const struct pmc_record *r, char *buf, size_t cap)
{
    struct pmc_sbuf b;
    pmc_sbuf_init(&b, buf, cap);
    pmc_sbuf_str(&b, "t=");
    pmc_sbuf_int(&b, r->t);
    put_str(&b, "ev", pmc_kind_name(r->kind));
    switch (r->kind) {
    case PMC_K_FILL: {
        const struct pmc_fill *f = &r->u.fill;
        put_sym(&b, "trader", &f->trader);
        put_sym(&b, "token", &f->token);
        put_str(&b, "side", pmc_side_name(f->side));
        put_dec(&b, "px", f->px);
        put_dec(&b, "sz", f->sz);
        put_sym(&b, "key", &f->key);
        if (f->ts != r->t)
            put_int(&b, "ts", f->ts);
        put_sym(&b, "market", &f->market);
        if (f->outcome[0])
            put_text(&b, "outcome", f->outcome);
        if (f->end)
            put_int(&b, "end", f->end);
        if (f->src != PMC_SRC_NONE)
            put_str(&b, "src", pmc_src_name(f->src));
        break;
    }
    case PMC_K_MARKET: {
        const struct pmc_market_ev *m = &r->u.market;
        put_sym(&b, "token", &m->token);
        put_sym(&b, "market", &m->market);
        if (m->end)
            put_int(&b, "end", m->end);
        if (m->tick)
            put_dec(&b, "tick", m->tick);
        if (m->minsz)
            put_dec(&b, "minsz", m->minsz);
        if (m->fee_rate >= 0)
            put_dec(&b, "fee_rate", m->fee_rate);
        if (m->fee_exp >= 0)
            put_int(&b, "fee_exp", m->fee_exp);
        if (m->negrisk >= 0)
            put_int(&b, "negrisk", m->negrisk);
        if (m->defaults)
            put_int(&b, "defaults", 1);
        if (m->outcome[0])
            put_text(&b, "outcome", m->outcome);
        if (m->question[0])
            put_text(&b, "question", m->question);
        if (m->slug[0])
            put_text(&b, "slug", m->slug);
        break;
    }
    case PMC_K_QUOTE: {
        const struct pmc_quote *q = &r->u.quote;
        put_sym(&b, "token", &q->token);
        if (q->bid)
            put_dec(&b, "bid", q->bid);
        if (q->ask)
            put_dec(&b, "ask", q->ask);
        if (q->bidsz)
            put_dec(&b, "bidsz", q->bidsz);
        if (q->asksz)
            put_dec(&b, "asksz", q->asksz);
        break;
    }
    case PMC_K_TRADE:
        put_sym(&b, "token", &r->u.trade.token);
        put_dec(&b, "px", r->u.trade.px);
        put_dec(&b, "sz", r->u.trade.sz);
        break;
    case PMC_K_RESOLVE:
        put_sym(&b, "token", &r->u.resolve.token);
        put_dec(&b, "payout", r->u.resolve.payout);
        break;
    case PMC_K_EXEC: {
        const struct pmc_exec *x = &r->u.exec;
        put_sym(&b, "coid", &x->coid);
        put_str(&b, "status", pmc_exec_name(x->status));
        if (x->sz)
            put_dec(&b, "sz", x->sz);
        if (x->px)
            put_dec(&b, "px", x->px);
        if (x->fee)
            put_dec(&b, "fee", x->fee);
        if (x->reason[0])
            put_text(&b, "reason", x->reason);
        break;
    }
    case PMC_K_KILL:
        if (r->u.kill.reason[0])
            put_text(&b, "reason", r->u.kill.reason);
        if (r->u.kill.by_core)
            put_str(&b, "by", "core");
        else if (r->u.kill.who != PMC_WHO_OPERATOR)
            put_str(&b, "by", pmc_who_name(r->u.kill.who));
        break;
    case PMC_K_RESUME:
        if (r->u.resume.who != PMC_WHO_OPERATOR)
            put_str(&b, "by", pmc_who_name(r->u.resume.who));
        if (r->u.resume.reason[0])
            put_text(&b, "reason", r->u.resume.reason);
        if (r->u.resume.override[0])
            put_text(&b, "override", r->u.resume.override);
        break;
    case PMC_K_TRADER:
        put_sym(&b, "trader", &r->u.trader.trader);
        put_str(&b, "state", r->u.trader.on ? "on" : "off");
        if (r->u.trader.who != PMC_WHO_OPERATOR)
            put_str(&b, "by", pmc_who_name(r->u.trader.who));
        if (r->u.trader.reason[0])
            put_text(&b, "reason", r->u.trader.reason);
        break;
    case PMC_K_REMOVED:
        put_sym(&b, "trader", &r->u.removed.trader);
        put_sym(&b, "token", &r->u.removed.token);
        put_sym(&b, "key", &r->u.removed.key);
        break;
    case PMC_K_REFUSE:
        put_str(&b, "of", "resume");
        put_text(&b, "reason", r->u.refuse.reason);
        break;
    case PMC_K_TIMER:
    case PMC_K_FLUSH:
        break;
    case PMC_K_ORDER:
        format_order(&b, &r->u.order);
        break;
    case PMC_K_SKIP:
        put_sym(&b, "key", &r->u.skip.key);
        put_str(&b, "reason", pmc_skip_name(r->u.skip.reason));
        break;
    case PMC_K_MERGE:
    case PMC_K_REDEEM:
    case PMC_K_SPLIT:
        put_sym(&b, "trader", &r->u.ctf.trader);
        put_sym(&b, "market", &r->u.ctf.market);
        put_sym(&b, "key", &r->u.ctf.key);
        if (r->u.ctf.sz)
            put_dec(&b, "sz", r->u.ctf.sz);
        if (r->u.ctf.usd)
            put_dec(&b, "usd", r->u.ctf.usd);
        break;
    case PMC_K_BOOK:
        put_sym(&b, "token", &r->u.book.token);
        put_levels(&b, "bids", r->u.book.bid_px, r->u.book.bid_sz,
                   r->u.book.nbid);
        put_levels(&b, "asks", r->u.book.ask_px, r->u.book.ask_sz,
                   r->u.book.nask);
        break;
    case PMC_K_COUNT:
        break;
    }
    pmc_sbuf_put(&b, "\n", 1);
    return b.overflow ? 0 : b.n;
}
