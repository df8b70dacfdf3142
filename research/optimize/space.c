/* research/optimize/space.c - SPACE.json and the trials (space.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_qrng.h>
#include <gsl/gsl_rng.h>

#include "core/dec.h"
#include "proto/config_load.h"
#include "proto/wire/json_exact.h"
#include "research/optimize/space.h"

#define MAX_FILE (1u << 20) /* a SPACE.json larger than 1 MiB is refused */
#define MAX_LIST 4096       /* values of one list */
#define MAX_POINTS 4096     /* points of one range in a grid */

enum knob { K_CONFIG = 0, K_LATENCY, K_HALF_SPREAD };

struct dim {
    char key[48];
    enum knob knob;
    int is_range;
    /* list: the values' text */
    char (*vals)[PMC_SPACE_VAL_MAX];
    uint32_t nvals;
    /* range */
    pmc_micros min, max;
    int log, integer;
    uint32_t points;
};

struct pmc_space {
    struct dim d[PMC_SPACE_MAX_DIMS];
    size_t n;
};

size_t pmc_space_ndims(const struct pmc_space *s)
{
    return s->n;
}

const char *pmc_space_key(const struct pmc_space *s, size_t d)
{
    return d < s->n ? s->d[d].key : NULL;
}

uint64_t pmc_space_dim_size(const struct pmc_space *s, size_t d)
{
    if (d >= s->n)
        return 0;
    return s->d[d].is_range ? s->d[d].points : s->d[d].nvals;
}

uint64_t pmc_space_grid_size(const struct pmc_space *s)
{
    uint64_t n = 1;
    for (size_t d = 0; d < s->n; d++) {
        uint64_t k = pmc_space_dim_size(s, d);
        if (k == 0 || n > (UINT64_C(1) << 63) / k)
            return 0;
        n *= k;
    }
    return n;
}

void pmc_space_free(struct pmc_space *s)
{
    if (!s)
        return;
    for (size_t d = 0; d < s->n; d++)
        free(s->d[d].vals);
    free(s);
}

/* ---- values ------------------------------------------------------------- */

static void fmt_value(const struct dim *d, pmc_micros v,
                      char out[PMC_SPACE_VAL_MAX])
{
    if (d->integer)
        snprintf(out, PMC_SPACE_VAL_MAX, "%lld", (long long)(v / PMC_MICRO));
    else
        pmc_dec_format(v, out);
}

/* v to a whole number of units when the range is of integers (half to
 * even), kept inside [min, max] */
static pmc_micros fit(const struct dim *d, pmc_micros v)
{
    if (v < d->min)
        v = d->min;
    if (v > d->max)
        v = d->max;
    if (d->integer) {
        pmc_micros q = v / PMC_MICRO, rem = v % PMC_MICRO;
        if (rem * 2 > PMC_MICRO || (rem * 2 == PMC_MICRO && (q & 1)))
            q++;
        v = q * PMC_MICRO;
    }
    return v;
}

/* x (micros, a double) rounded half to even, then fit */
static pmc_micros clamp_round(const struct dim *d, double x)
{
    double r = nearbyint(x); /* the default rounding mode: to even */
    return fit(d, r <= (double)d->min   ? d->min
                  : r >= (double)d->max ? d->max
                                        : (pmc_micros)r);
}

/* The range's value at u in [0, 1]. */
static pmc_micros range_at(const struct dim *d, double u)
{
    if (d->log)
        return clamp_round(
            d, exp(log((double)d->min) +
                   u * (log((double)d->max) - log((double)d->min))));
    return clamp_round(d, (double)d->min + u * (double)(d->max - d->min));
}

/* Grid point k of a range: linear points exact in integers. */
static pmc_micros range_point(const struct dim *d, uint32_t k)
{
    if (d->points == 1)
        return d->min;
    if (d->log)
        return range_at(d, (double)k / (double)(d->points - 1));
    /* min + (max - min) * k / (points - 1), rounded down: exact */
    pmc_micros step = pmc_muldiv_floor(d->max - d->min, (pmc_micros)k,
                                       (pmc_micros)(d->points - 1));
    return fit(d, d->min + step);
}

static void dim_value(const struct dim *d, uint64_t k,
                      char out[PMC_SPACE_VAL_MAX])
{
    if (!d->is_range) {
        memcpy(out, d->vals[k], PMC_SPACE_VAL_MAX);
        return;
    }
    fmt_value(d, range_point(d, (uint32_t)k), out);
}

/* ---- loading ------------------------------------------------------------ */

static int knob_of(const char *key, enum knob *k)
{
    if (!strcmp(key, "latency_ms"))
        *k = K_LATENCY;
    else if (!strcmp(key, "half_spread"))
        *k = K_HALF_SPREAD;
    else {
        *k = K_CONFIG;
        for (size_t i = 0; pmc_config_key_name(i); i++)
            if (!strcmp(key, pmc_config_key_name(i)))
                return 0;
        return -1;
    }
    return 0;
}

/* the nearest known key, for "did you mean" */
static const char *near_key(const char *key)
{
    static const char *const knobs[] = {"latency_ms", "half_spread"};
    const char *best = NULL;
    size_t bl = 0;
    int bd = 4;
    for (size_t i = 0;; i++) {
        const char *k = i < 2 ? knobs[i] : pmc_config_key_name(i - 2);
        if (!k)
            break;
        size_t la = strlen(key), lb = strlen(k), n = la < lb ? la : lb;
        int d = 0;
        for (size_t j = 0; j < n; j++)
            d += key[j] != k[j];
        d += (int)(la > lb ? la - lb : lb - la);
        if (d < bd || (d == bd && best && lb < bl)) {
            bd = d;
            best = k;
            bl = lb;
        }
    }
    return best;
}

/* Check one value of dimension d by applying it to a scratch copy of the
 * base configuration. */
static int check_value(const struct dim *d, const char *v,
                       const struct pmc_config *base, struct pmc_config *tmp,
                       char *err, size_t cap)
{
    char why[300];
    if (d->knob == K_LATENCY) {
        int64_t ms;
        if (pmc_int_parse(v, strlen(v), &ms) != PMC_OK || ms < 0 ||
            ms > 86400000) {
            snprintf(err, cap,
                     "SPACE.json: key 'latency_ms': value %s: milliseconds, "
                     "an integer in 0..86400000",
                     v);
            return -1;
        }
        return 0;
    }
    if (d->knob == K_HALF_SPREAD) {
        pmc_micros x;
        if (pmc_dec_parse(v, strlen(v), &x) != PMC_OK || x < 0 ||
            x >= PMC_MICRO / 2) {
            snprintf(err, cap,
                     "SPACE.json: key 'half_spread': value %s: a price "
                     "difference in [0, 0.5)",
                     v);
            return -1;
        }
        return 0;
    }
    *tmp = *base;
    if (pmc_config_set(tmp, d->key, v, "SPACE.json", why, sizeof why) !=
            PMC_OK ||
        pmc_config_validate(tmp, why, sizeof why) != PMC_OK) {
        snprintf(err, cap, "SPACE.json: key '%s': value %s: %s", d->key, v,
                 why);
        return -1;
    }
    return 0;
}

static int text_of(const json_t *v, char out[PMC_SPACE_VAL_MAX])
{
    size_t n;
    const char *t = pmc_json_text(v, &n);
    if (json_is_true(v))
        t = "true", n = 4;
    else if (json_is_false(v))
        t = "false", n = 5;
    else if (json_is_integer(v)) {
        snprintf(out, PMC_SPACE_VAL_MAX, "%lld",
                 (long long)json_integer_value(v));
        return 0;
    }
    if (!t || n == 0 || n >= PMC_SPACE_VAL_MAX || memchr(t, 0, n))
        return -1;
    memcpy(out, t, n);
    out[n] = 0;
    return 0;
}

static int load_list(struct dim *d, const json_t *a,
                     const struct pmc_config *base, struct pmc_config *tmp,
                     char *err, size_t cap)
{
    size_t n = json_array_size(a);
    if (n == 0 || n > MAX_LIST) {
        snprintf(err, cap,
                 "SPACE.json: key '%s': a list of 1..%u values (it has %zu)",
                 d->key, MAX_LIST, n);
        return -1;
    }
    d->vals = calloc(n, sizeof *d->vals);
    if (!d->vals) {
        snprintf(err, cap, "SPACE.json: out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (text_of(json_array_get(a, i), d->vals[i]) < 0) {
            snprintf(err, cap,
                     "SPACE.json: key '%s': value %zu is not a number, a "
                     "string or a boolean of at most %d bytes",
                     d->key, i + 1, PMC_SPACE_VAL_MAX - 1);
            return -1;
        }
        for (size_t j = 0; j < i; j++)
            if (!strcmp(d->vals[j], d->vals[i])) {
                snprintf(err, cap, "SPACE.json: key '%s': value %s twice",
                         d->key, d->vals[i]);
                return -1;
            }
        if (check_value(d, d->vals[i], base, tmp, err, cap) < 0)
            return -1;
    }
    d->nvals = (uint32_t)n;
    return 0;
}

static int load_range(struct dim *d, const json_t *o,
                      const struct pmc_config *base, struct pmc_config *tmp,
                      char *err, size_t cap)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v)
    {
        if (strcmp(k, "min") && strcmp(k, "max") && strcmp(k, "log") &&
            strcmp(k, "points")) {
            snprintf(err, cap,
                     "SPACE.json: key '%s': unknown member '%s' of a range "
                     "(min, max, log, points)",
                     d->key, k);
            return -1;
        }
    }
    const json_t *mn = json_object_get(o, "min"),
                 *mx = json_object_get(o, "max");
    size_t n1, n2;
    const char *t1 = pmc_json_text(mn, &n1), *t2 = pmc_json_text(mx, &n2);
    if (!t1 || !t2 || pmc_json_dec(mn, 0, &d->min) != PMC_OK ||
        pmc_json_dec(mx, 0, &d->max) != PMC_OK) {
        snprintf(err, cap,
                 "SPACE.json: key '%s': a range needs numbers min and max "
                 "(at most 6 decimals)",
                 d->key);
        return -1;
    }
    if (d->min > d->max) {
        snprintf(err, cap, "SPACE.json: key '%s': min > max", d->key);
        return -1;
    }
    d->integer = !memchr(t1, '.', n1) && !memchr(t2, '.', n2) &&
                 !memchr(t1, 'e', n1) && !memchr(t2, 'e', n2) &&
                 !memchr(t1, 'E', n1) && !memchr(t2, 'E', n2);
    const json_t *lg = json_object_get(o, "log");
    if (lg && !json_is_boolean(lg)) {
        snprintf(err, cap, "SPACE.json: key '%s': log is true or false",
                 d->key);
        return -1;
    }
    d->log = lg && json_is_true(lg);
    if (d->log && d->min <= 0) {
        snprintf(err, cap, "SPACE.json: key '%s': a log range needs min > 0",
                 d->key);
        return -1;
    }
    int64_t pts = 5;
    const json_t *pj = json_object_get(o, "points");
    if (pj &&
        (pmc_json_int(pj, &pts) != PMC_OK || pts < 1 || pts > MAX_POINTS)) {
        snprintf(err, cap, "SPACE.json: key '%s': points is 1..%u", d->key,
                 MAX_POINTS);
        return -1;
    }
    d->points = (uint32_t)pts;
    char a[PMC_SPACE_VAL_MAX], b[PMC_SPACE_VAL_MAX];
    fmt_value(d, d->min, a);
    fmt_value(d, d->max, b);
    if (d->integer && (d->min % PMC_MICRO || d->max % PMC_MICRO))
        d->integer = 0;
    return check_value(d, a, base, tmp, err, cap) < 0 ||
                   check_value(d, b, base, tmp, err, cap) < 0
               ? -1
               : 0;
}

struct pmc_space *pmc_space_load(const char *path,
                                 const struct pmc_config *base, char *err,
                                 size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, cap, "%s: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = malloc(MAX_FILE + 1);
    size_t n = buf ? fread(buf, 1, MAX_FILE + 1, f) : 0;
    int rd = ferror(f);
    fclose(f);
    if (!buf || rd || n > MAX_FILE) {
        snprintf(err, cap, "%s: %s", path,
                 !buf ? "out of memory"
                 : rd ? "read error"
                      : "larger than 1 MiB");
        free(buf);
        return NULL;
    }
    char why[600];
    struct pmc_space *s = pmc_space_parse(buf, n, base, why, sizeof why);
    free(buf);
    if (!s)
        snprintf(err, cap, "%s: %s", path, why);
    return s;
}

struct pmc_space *pmc_space_parse(const char *buf, size_t n,
                                  const struct pmc_config *base, char *err,
                                  size_t cap)
{
    json_t *root = NULL;
    struct pmc_wire_err we;
    memset(&we, 0, sizeof we);
    if (n > MAX_FILE) {
        snprintf(err, cap, "larger than 1 MiB");
        return NULL;
    }
    enum pmc_err e = pmc_json_exact_loads(buf, n, &root, &we);
    if (e != PMC_OK) {
        snprintf(err, cap, "%s", we.msg);
        return NULL;
    }
    /* jansson keeps the last of two equal keys (also when one is spelled
     * with escapes): a second pass only to refuse them (its numbers, as
     * doubles, are thrown away) */
    json_error_t je;
    json_t *dup = json_loadb(buf, n, JSON_REJECT_DUPLICATES, &je);
    if (!dup) {
        snprintf(err, cap, "line %d, column %d: %s", je.line, je.column,
                 je.text);
        json_decref(root);
        return NULL;
    }
    json_decref(dup);
    struct pmc_space *s = calloc(1, sizeof *s);
    struct pmc_config *tmp = malloc(sizeof *tmp);
    if (!s || !tmp) {
        snprintf(err, cap, "out of memory");
        goto fail;
    }
    if (!json_is_object(root) || json_object_size(root) == 0) {
        snprintf(err, cap,
                 "SPACE.json is an object of keys, each a list or a range");
        goto fail;
    }
    const char *k;
    json_t *v;
    json_object_foreach(root, k, v)
    {
        if (s->n == PMC_SPACE_MAX_DIMS) {
            snprintf(err, cap, "SPACE.json: key '%s': more than %d keys", k,
                     PMC_SPACE_MAX_DIMS);
            goto fail;
        }
        struct dim *d = &s->d[s->n];
        if (strlen(k) >= sizeof d->key || knob_of(k, &d->knob) < 0) {
            const char *nk = near_key(k);
            snprintf(err, cap,
                     "SPACE.json: key '%.60s': not a configuration key nor "
                     "latency_ms / half_spread%s%s%s",
                     k, nk ? " (did you mean '" : "", nk ? nk : "",
                     nk ? "'?)" : "");
            goto fail;
        }
        snprintf(d->key, sizeof d->key, "%s", k);
        s->n++;
        if (json_is_array(v)) {
            if (load_list(d, v, base, tmp, err, cap) < 0)
                goto fail;
        } else if (json_is_object(v)) {
            d->is_range = 1;
            if (load_range(d, v, base, tmp, err, cap) < 0)
                goto fail;
        } else {
            snprintf(err, cap,
                     "SPACE.json: key '%s': a list [..] or a range {\"min\", "
                     "\"max\"}",
                     k);
            goto fail;
        }
    }
    json_decref(root);
    free(tmp);
    return s;
fail:
    json_decref(root);
    free(tmp);
    pmc_space_free(s);
    return NULL;
}

/* ---- trials ------------------------------------------------------------- */

struct pmc_space_cursor {
    const struct pmc_space *s;
    enum pmc_search how;
    uint64_t next;
    gsl_qrng *q;
    double shift[PMC_SPACE_MAX_DIMS];
};

struct pmc_space_cursor *pmc_space_cursor_new(const struct pmc_space *s,
                                              enum pmc_search how,
                                              uint64_t seed, uint64_t first)
{
    struct pmc_space_cursor *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->s = s;
    c->how = how;
    c->next = first;
    if (how != PMC_SEARCH_SOBOL)
        return c;
    /* gsl's Sobol generator has at most 40 dimensions; PMC_SPACE_MAX_DIMS
     * is below that */
    c->q = gsl_qrng_alloc(gsl_qrng_sobol, (unsigned)(s->n ? s->n : 1));
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (!c->q || !r) {
        gsl_rng_free(r);
        pmc_space_cursor_free(c);
        return NULL;
    }
    gsl_rng_set(r, (unsigned long)(seed ^ (seed >> 32)));
    for (size_t d = 0; d < s->n; d++)
        c->shift[d] = gsl_rng_uniform(r);
    gsl_rng_free(r);
    double x[PMC_SPACE_MAX_DIMS];
    for (uint64_t i = 0; i < first; i++)
        gsl_qrng_get(c->q, x);
    return c;
}

void pmc_space_cursor_free(struct pmc_space_cursor *c)
{
    if (!c)
        return;
    if (c->q)
        gsl_qrng_free(c->q);
    free(c);
}

int pmc_space_cursor_next(struct pmc_space_cursor *c, uint64_t *index,
                          char vals[][PMC_SPACE_VAL_MAX], char *err, size_t cap)
{
    const struct pmc_space *s = c->s;
    if (c->how == PMC_SEARCH_GRID) {
        uint64_t total = pmc_space_grid_size(s);
        if (total == 0) {
            snprintf(err, cap,
                     "SPACE.json: the grid has more than 2^63 "
                     "trials");
            return -1;
        }
        if (c->next >= total)
            return 1;
        uint64_t i = c->next;
        for (size_t d = s->n; d-- > 0;) {
            uint64_t k = pmc_space_dim_size(s, d);
            dim_value(&s->d[d], i % k, vals[d]);
            i /= k;
        }
    } else {
        double x[PMC_SPACE_MAX_DIMS];
        if (gsl_qrng_get(c->q, x) != 0) {
            snprintf(err, cap, "sobol: the generator refused point %llu",
                     (unsigned long long)c->next);
            return -1;
        }
        for (size_t d = 0; d < s->n; d++) {
            double u = x[d] + c->shift[d];
            u -= floor(u);
            const struct dim *dm = &s->d[d];
            if (dm->is_range)
                fmt_value(dm, range_at(dm, u), vals[d]);
            else {
                uint64_t k = (uint64_t)(u * dm->nvals);
                dim_value(dm, k < dm->nvals ? k : dm->nvals - 1, vals[d]);
            }
        }
    }
    *index = c->next++;
    return 0;
}

int pmc_space_trial(const struct pmc_space *s, enum pmc_search how,
                    uint64_t seed, uint64_t index,
                    char vals[][PMC_SPACE_VAL_MAX], char *err, size_t cap)
{
    struct pmc_space_cursor *c = pmc_space_cursor_new(s, how, seed, index);
    if (!c) {
        snprintf(err, cap, "out of memory");
        return -1;
    }
    uint64_t i;
    int rc = pmc_space_cursor_next(c, &i, vals, err, cap);
    pmc_space_cursor_free(c);
    return rc;
}

size_t pmc_space_neighbours(const struct pmc_space *s, uint64_t index,
                            uint64_t *out, size_t cap)
{
    size_t n = 0;
    uint64_t stride = 1;
    for (size_t d = s->n; d-- > 0;) {
        uint64_t k = pmc_space_dim_size(s, d);
        uint64_t pos = (index / stride) % k;
        if (pos > 0 && n < cap)
            out[n++] = index - stride;
        if (pos + 1 < k && n < cap)
            out[n++] = index + stride;
        stride *= k;
    }
    return n;
}

uint64_t pmc_space_bin(const struct pmc_space *s, size_t d, const char *v,
                       enum pmc_search how, char label[PMC_SPACE_VAL_MAX * 2])
{
    if (d >= s->n)
        return UINT64_MAX;
    const struct dim *dm = &s->d[d];
    if (!dm->is_range) {
        for (uint32_t i = 0; i < dm->nvals; i++)
            if (!strcmp(dm->vals[i], v)) {
                snprintf(label, PMC_SPACE_VAL_MAX * 2, "%s", v);
                return i;
            }
        return UINT64_MAX;
    }
    pmc_micros x;
    if (pmc_dec_parse(v, strlen(v), &x) != PMC_OK)
        return UINT64_MAX;
    if (how == PMC_SEARCH_GRID) {
        for (uint32_t k = 0; k < dm->points; k++)
            if (range_point(dm, k) == x) {
                snprintf(label, PMC_SPACE_VAL_MAX * 2, "%s", v);
                return k;
            }
        return UINT64_MAX;
    }
    double u = 0;
    if (dm->max > dm->min)
        u = dm->log ? (log((double)x) - log((double)dm->min)) /
                          (log((double)dm->max) - log((double)dm->min))
                    : (double)(x - dm->min) / (double)(dm->max - dm->min);
    uint64_t b = (uint64_t)(u * dm->points);
    if (b >= dm->points)
        b = dm->points - 1;
    char lo[PMC_SPACE_VAL_MAX], hi[PMC_SPACE_VAL_MAX];
    fmt_value(dm, range_at(dm, (double)b / dm->points), lo);
    fmt_value(dm, range_at(dm, (double)(b + 1) / dm->points), hi);
    snprintf(label, PMC_SPACE_VAL_MAX * 2, "%.62s..%.62s", lo, hi);
    return b;
}

int pmc_space_apply(const struct pmc_space *s, char vals[][PMC_SPACE_VAL_MAX],
                    struct pmc_config *cfg, struct pmc_sim_opts *so, char *err,
                    size_t cap)
{
    for (size_t d = 0; d < s->n; d++) {
        const struct dim *dm = &s->d[d];
        const char *v = vals[d];
        if (dm->knob == K_LATENCY) {
            int64_t ms;
            if (pmc_int_parse(v, strlen(v), &ms) != PMC_OK || ms < 0) {
                snprintf(err, cap, "latency_ms: %s", v);
                return -1;
            }
            for (int k = 0; k < 4; k++)
                so->lat_src[k] = ms;
            so->lat_mode = PMC_LAT_CONST;
        } else if (dm->knob == K_HALF_SPREAD) {
            if (pmc_dec_parse(v, strlen(v), &so->half_spread) != PMC_OK) {
                snprintf(err, cap, "half_spread: %s", v);
                return -1;
            }
        } else {
            char why[300];
            if (pmc_config_set(cfg, dm->key, v, "SPACE.json", why,
                               sizeof why) != PMC_OK) {
                snprintf(err, cap, "%s", why);
                return -1;
            }
        }
    }
    char why[300];
    if (pmc_config_validate(cfg, why, sizeof why) != PMC_OK) {
        snprintf(err, cap, "%s", why);
        return -1;
    }
    return 0;
}
