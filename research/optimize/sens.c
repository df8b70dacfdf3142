/* research/optimize/sens.c - sensitivity.csv and report.html's heatmaps:
 * the objective of the trials that ran, binned by one key and by every
 * pair of keys (report.h).
 *
 * Bins are pmc_space_bin's (a list's values, a grid range's points, a
 * Sobol range's equal-width bins), the same for one key and for a pair.
 * Memory is bounded and never grows with the number of trials: the
 * one-key bins of every key (at most 32 x 4096, with their labels), and
 * per pass over the trials (a cursor, as step 1 made them) the cells of as
 * many pairs as fit in PASS_CELLS; a pair of more than
 * PMC_OPT_PAIR_MAX_BINS bins is not tabulated, and says so in both files.
 *
 * Decides: the rows of sensitivity.csv, the heatmaps' layout and colours
 * (mean objective on a diverging scale centred at 0, per pair). Never:
 * computes the objective (analyse.c does), reads the clock; every number
 * is printed with a fixed format, so the bytes depend only on the run. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "proto/jsonout.h"
#include "research/optimize/report.h"

#define PASS_CELLS (1u << 18) /* the pair cells one pass holds (6 MiB) */

typedef char label_t[PMC_SPACE_VAL_MAX * 2];

struct cell {
    uint64_t n;
    double sum, best;
};

struct sens {
    const struct pmc__opt_summary *s;
    const double *obj;
    const unsigned char *failed;
    uint64_t n;
    size_t nd;
    uint64_t size[PMC_SPACE_MAX_DIMS];
    struct cell *one[PMC_SPACE_MAX_DIMS]; /* a key's bins */
    label_t *label[PMC_SPACE_MAX_DIMS];   /* their labels */
    uint64_t best[PMC_SPACE_MAX_DIMS];    /* the best trial's bins */
};

static void add(struct cell *c, double v)
{
    if (!c->n || v > c->best)
        c->best = v;
    c->n++;
    c->sum += v;
}

static void sens_free(struct sens *z)
{
    for (size_t d = 0; d < z->nd; d++) {
        free(z->one[d]);
        free(z->label[d]);
    }
}

/* The bins of every trial that ran, one key at a time; the best's bins. */
static int sens_load(struct sens *z, const struct pmc__opt_summary *s,
                     const double *obj, const unsigned char *failed, uint64_t n,
                     char *err, size_t cap)
{
    const struct pmc_space *sp = s->o->space;
    memset(z, 0, sizeof *z);
    z->s = s;
    z->obj = obj;
    z->failed = failed;
    z->n = n;
    z->nd = pmc_space_ndims(sp);
    char vals[PMC_SPACE_MAX_DIMS][PMC_SPACE_VAL_MAX], why[200];
    label_t lab;
    if (pmc_space_trial(sp, s->o->how, s->o->seed, s->v->best, vals, err,
                        cap) != 0)
        return -1;
    for (size_t d = 0; d < z->nd; d++) {
        z->size[d] = pmc_space_dim_size(sp, d);
        z->one[d] = calloc(z->size[d] + 1, sizeof *z->one[d]);
        z->label[d] = calloc(z->size[d] + 1, sizeof *z->label[d]);
        z->best[d] = pmc_space_bin(sp, d, vals[d], s->o->how, lab);
        if (!z->one[d] || !z->label[d]) {
            z->nd = d + 1;
            snprintf(err, cap, "out of memory");
            return -1;
        }
    }
    struct pmc_space_cursor *cur =
        pmc_space_cursor_new(sp, s->o->how, s->o->seed, 0);
    if (!cur) {
        snprintf(err, cap, "out of memory");
        return -1;
    }
    for (uint64_t i = 0; i < n; i++) {
        uint64_t idx;
        if (pmc_space_cursor_next(cur, &idx, vals, why, sizeof why) != 0)
            break;
        if (failed[i])
            continue;
        for (size_t d = 0; d < z->nd; d++) {
            uint64_t k = pmc_space_bin(sp, d, vals[d], s->o->how, lab);
            if (k >= z->size[d])
                continue;
            if (!z->one[d][k].n)
                memcpy(z->label[d][k], lab, sizeof lab);
            add(&z->one[d][k], obj[i]);
        }
    }
    pmc_space_cursor_free(cur);
    return 0;
}

/* ---- pairs ---------------------------------------------------------------- */

/* Called per pair (a < b) in order; cells (size[a] x size[b], b varying
 * fastest) NULL when the pair has more than PMC_OPT_PAIR_MAX_BINS. */
typedef int (*pair_fn)(void *ctx, const struct sens *z, size_t a, size_t b,
                       const struct cell *cells, char *err, size_t cap);

static uint64_t pair_bins(const struct sens *z, size_t a, size_t b)
{
    return z->size[a] * z->size[b]; /* each at most 4096: no overflow */
}

/* Every pair, in passes over the trials of at most PASS_CELLS cells. */
static int sens_pairs(const struct sens *z, pair_fn fn, void *ctx, char *err,
                      size_t cap)
{
    const struct pmc_space *sp = z->s->o->space;
    size_t a = 0, b = 1;
    while (a + 1 < z->nd) {
        /* this pass: pairs from (a, b) while their cells fit */
        size_t a1 = a, b1 = b;
        uint64_t total = 0;
        while (a1 + 1 < z->nd) {
            uint64_t c = pair_bins(z, a1, b1);
            if (c <= PMC_OPT_PAIR_MAX_BINS) {
                if (total + c > PASS_CELLS && total > 0)
                    break;
                total += c;
            }
            if (++b1 == z->nd) {
                a1++;
                b1 = a1 + 1;
            }
        }
        struct cell *cells = NULL;
        if (total) {
            cells = calloc(total, sizeof *cells);
            struct pmc_space_cursor *cur =
                pmc_space_cursor_new(sp, z->s->o->how, z->s->o->seed, 0);
            if (!cells || !cur) {
                free(cells);
                pmc_space_cursor_free(cur);
                snprintf(err, cap, "out of memory");
                return -1;
            }
            char vals[PMC_SPACE_MAX_DIMS][PMC_SPACE_VAL_MAX], why[200];
            label_t lab;
            uint64_t k[PMC_SPACE_MAX_DIMS];
            for (uint64_t i = 0; i < z->n; i++) {
                uint64_t idx;
                if (pmc_space_cursor_next(cur, &idx, vals, why, sizeof why) !=
                    0)
                    break;
                if (z->failed[i])
                    continue;
                for (size_t d = a; d < z->nd; d++)
                    k[d] = pmc_space_bin(sp, d, vals[d], z->s->o->how, lab);
                struct cell *c = cells;
                for (size_t x = a, y = b; x != a1 || y != b1;) {
                    uint64_t nb = pair_bins(z, x, y);
                    if (nb <= PMC_OPT_PAIR_MAX_BINS) {
                        if (k[x] < z->size[x] && k[y] < z->size[y])
                            add(&c[k[x] * z->size[y] + k[y]], z->obj[i]);
                        c += nb;
                    }
                    if (++y == z->nd) {
                        x++;
                        y = x + 1;
                    }
                }
            }
            pmc_space_cursor_free(cur);
        }
        const struct cell *c = cells;
        int rc = 0;
        for (; rc == 0 && (a != a1 || b != b1);) {
            uint64_t nb = pair_bins(z, a, b);
            int fits = nb <= PMC_OPT_PAIR_MAX_BINS;
            rc = fn(ctx, z, a, b, fits ? c : NULL, err, cap);
            if (fits)
                c += nb;
            if (++b == z->nd) {
                a++;
                b = a + 1;
            }
        }
        free(cells);
        if (rc)
            return rc;
    }
    return 0;
}

/* ---- sensitivity.csv ------------------------------------------------------ */

static void num(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.6f", v);
    else
        fputs("null", f);
}

static void row(FILE *f, const char *key, const char *val, const struct cell *c)
{
    fprintf(f, "%s,", key);
    pmc_csv_str(f, val);
    fprintf(f, ",%" PRIu64 ",", c->n);
    num(f, c->sum / (double)c->n);
    fputc(',', f);
    num(f, c->best);
}

static int csv_pair(void *ctx, const struct sens *z, size_t a, size_t b,
                    const struct cell *cells, char *err, size_t cap)
{
    (void)err;
    (void)cap;
    FILE *f = ctx;
    const struct pmc_space *sp = z->s->o->space;
    const char *ka = pmc_space_key(sp, a), *kb = pmc_space_key(sp, b);
    if (!cells) {
        fprintf(f,
                "%s,not tabulated: %" PRIu64 " x %" PRIu64
                " bins is over the limit of %u,,,,%s,\n",
                ka, z->size[a], z->size[b], PMC_OPT_PAIR_MAX_BINS, kb);
        return 0;
    }
    for (uint64_t i = 0; i < z->size[a]; i++)
        for (uint64_t j = 0; j < z->size[b]; j++) {
            const struct cell *c = &cells[i * z->size[b] + j];
            if (!c->n)
                continue;
            row(f, ka, z->label[a][i], c);
            fprintf(f, ",%s,", kb);
            pmc_csv_str(f, z->label[b][j]);
            fputc('\n', f);
        }
    return 0;
}

int pmc__opt_write_sensitivity(const struct pmc__opt_summary *s,
                               const double *obj, const unsigned char *failed,
                               uint64_t n, char *err, size_t cap)
{
    struct sens z;
    if (sens_load(&z, s, obj, failed, n, err, cap) < 0) {
        sens_free(&z);
        return -1;
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/sensitivity.csv", s->o->out);
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(err, cap, "%s: %s", path, strerror(errno));
        sens_free(&z);
        return -1;
    }
    const char *on = pmc_objective_name(s->o->objective);
    fprintf(f, "key,value,trials,mean_%s,best_%s,key_b,value_b\n", on, on);
    for (size_t d = 0; d < z.nd; d++)
        for (uint64_t k = 0; k < z.size[d]; k++)
            if (z.one[d][k].n) {
                row(f, pmc_space_key(s->o->space, d), z.label[d][k],
                    &z.one[d][k]);
                fputs(",,\n", f);
            }
    int rc = sens_pairs(&z, csv_pair, f, err, cap);
    sens_free(&z);
    if (fclose(f) != 0 && rc == 0) {
        snprintf(err, cap, "%s: write error", path);
        rc = -1;
    }
    return rc;
}

/* ---- heatmaps ------------------------------------------------------------- */

struct heat {
    FILE *f;
    int compact;
};

/* mean v on the scale [-m, m]: white at 0, blue above, red below */
static void colour(char out[8], double v, double m)
{
    static const int pos[3] = {0x21, 0x66, 0xac}, neg[3] = {0xb2, 0x18, 0x2b};
    double t = m > 0 && isfinite(v) ? v / m : 0;
    if (t > 1)
        t = 1;
    if (t < -1)
        t = -1;
    const int *to = t < 0 ? neg : pos;
    int ch[3];
    for (int i = 0; i < 3; i++)
        ch[i] = 255 - (int)lround((255 - to[i]) * fabs(t));
    snprintf(out, 8, "#%02x%02x%02x", ch[0], ch[1], ch[2]);
}

void pmc__opt_html(FILE *f, const char *t)
{
    for (; *t; t++) {
        if (*t == '<')
            fputs("&lt;", f);
        else if (*t == '>')
            fputs("&gt;", f);
        else if (*t == '&')
            fputs("&amp;", f);
        else if (*t == '"')
            fputs("&quot;", f);
        else
            fputc(*t, f);
    }
}

/* a label as shown on an axis: at most `max` characters */
static void axis_text(FILE *f, const char *t, size_t max)
{
    char b[PMC_SPACE_VAL_MAX * 2];
    size_t n = strlen(t);
    if (n <= max) {
        pmc__opt_html(f, t);
        return;
    }
    memcpy(b, t, max - 2);
    b[max - 2] = 0;
    pmc__opt_html(f, b);
    fputs("..", f);
}

/* the bins of dimension d a trial fell in: their indices into vis[] */
static uint64_t visible(const struct sens *z, size_t d, uint64_t *vis)
{
    uint64_t m = 0;
    for (uint64_t k = 0; k < z->size[d]; k++)
        if (z->one[d][k].n)
            vis[m++] = k;
    return m;
}

static int heat_pair(void *ctx, const struct sens *z, size_t a, size_t b,
                     const struct cell *cells, char *err, size_t cap)
{
    struct heat *h = ctx;
    FILE *f = h->f;
    const struct pmc_space *sp = z->s->o->space;
    const char *ka = pmc_space_key(sp, a), *kb = pmc_space_key(sp, b);
    fputs("<figure><figcaption>", f);
    pmc__opt_html(f, ka);
    fputs(" &times; ", f);
    pmc__opt_html(f, kb);
    if (!cells) {
        fprintf(f,
                "</figcaption><p>not tabulated: %" PRIu64 " &times; %" PRIu64
                " bins is over the limit of %u</p></figure>\n",
                z->size[a], z->size[b], PMC_OPT_PAIR_MAX_BINS);
        return 0;
    }
    uint64_t *ra = malloc((z->size[a] + z->size[b]) * sizeof *ra);
    if (!ra) {
        snprintf(err, cap, "out of memory");
        return -1;
    }
    uint64_t *rb = ra + z->size[a];
    uint64_t ny = visible(z, a, ra), nx = visible(z, b, rb);
    if (nx == 0 || ny == 0) {
        fputs("</figcaption><p>no trial in its bins</p></figure>\n", f);
        free(ra);
        return 0;
    }
    if (nx * ny > PMC_OPT_HEAT_MAX_CELLS) {
        fprintf(f,
                "</figcaption><p>not drawn: %" PRIu64 " &times; %" PRIu64
                " bins is over %u cells (its rows are in "
                "sensitivity.csv)</p></figure>\n",
                ny, nx, PMC_OPT_HEAT_MAX_CELLS);
        free(ra);
        return 0;
    }
    fputs("</figcaption>\n", f);
    /* layout, in whole pixels */
    int fs = h->compact ? 8 : 11, cw = (fs * 6 + 9) / 10; /* a character */
    size_t lmax = h->compact ? 10 : 18;                   /* shown label */
    int span = h->compact ? 160 : 360; /* the grid's side, about */
    int cmax = h->compact ? 18 : 40, cmin = h->compact ? 4 : 8;
    int cx = (int)(span / nx), cy = (int)(span / ny); /* a cell */
    cx = cx > cmax ? cmax : cx < cmin ? cmin : cx;
    cy = cy > cmax ? cmax : cy < cmin ? cmin : cy;
    size_t wa = 0, wb = 0;
    for (uint64_t i = 0; i < ny; i++) {
        size_t l = strlen(z->label[a][ra[i]]);
        wa = l > wa ? l : wa;
    }
    for (uint64_t j = 0; j < nx; j++) {
        size_t l = strlen(z->label[b][rb[j]]);
        wb = l > wb ? l : wb;
    }
    wa = wa > lmax ? lmax : wa;
    wb = wb > lmax ? lmax : wb;
    int turn = (int)wb * cw > cx; /* column labels upright */
    /* a label every sx columns, sy rows: never one over another */
    int sx = turn ? (fs + 2 + cx - 1) / cx : 1, sy = (fs + 2 + cy - 1) / cy;
    int ml = fs + 6 + (int)wa * cw + 4, mt = 4;
    int gw = (int)nx * cx, gh = (int)ny * cy;
    int mb = (turn ? (int)wb * cw : fs) + 6 + fs + 6;
    int lx = ml + gw + 10, lw = 12 + 6 + 10 * cw; /* legend */
    int W = lx + lw, H = mt + gh + mb;
    H = H < mt + 9 * 10 + 2 * fs ? mt + 9 * 10 + 2 * fs : H;
    double m = 0;
    for (uint64_t i = 0; i < ny; i++)
        for (uint64_t j = 0; j < nx; j++) {
            const struct cell *c = &cells[ra[i] * z->size[b] + rb[j]];
            if (c->n) {
                double v = fabs(c->sum / (double)c->n);
                m = isfinite(v) && v > m ? v : m;
            }
        }
    fprintf(f,
            "<svg class=heat width=\"%d\" height=\"%d\" viewBox=\"0 0 %d "
            "%d\" role=\"img\" font-size=\"%d\"><rect x=\"%d\" y=\"%d\" "
            "width=\"%d\" height=\"%d\" fill=\"#eee\"/>\n",
            W, H, W, H, fs, ml, mt, gw, gh);
    /* axis titles and labels */
    fprintf(f,
            "<text transform=\"translate(%d,%d) rotate(-90)\" "
            "text-anchor=\"middle\">",
            fs, mt + gh / 2);
    pmc__opt_html(f, ka);
    fputs("</text>", f);
    for (uint64_t i = 0; i < ny; i += (uint64_t)sy) {
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", ml - 4,
                mt + (int)i * cy + cy / 2 + fs / 3);
        axis_text(f, z->label[a][ra[i]], lmax);
        fputs("</text>", f);
    }
    for (uint64_t j = 0; j < nx; j += (uint64_t)sx) {
        int x = ml + (int)j * cx + cx / 2, y = mt + gh + 4;
        if (turn)
            fprintf(f,
                    "<text transform=\"translate(%d,%d) rotate(-90)\" "
                    "text-anchor=\"end\">",
                    x + fs / 3, y);
        else
            fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", x,
                    y + fs);
        axis_text(f, z->label[b][rb[j]], lmax);
        fputs("</text>", f);
    }
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", ml + gw / 2,
            H - 4);
    pmc__opt_html(f, kb);
    fputs("</text>\n", f);
    /* cells */
    int bx = -1, by = -1;
    for (uint64_t i = 0; i < ny; i++)
        for (uint64_t j = 0; j < nx; j++) {
            const struct cell *c = &cells[ra[i] * z->size[b] + rb[j]];
            int x = ml + (int)j * cx, y = mt + (int)i * cy;
            if (ra[i] == z->best[a] && rb[j] == z->best[b]) {
                bx = x;
                by = y;
            }
            if (!c->n)
                continue;
            char col[8];
            double mean = c->sum / (double)c->n;
            colour(col, mean, m);
            fprintf(f,
                    "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
                    "fill=\"%s\"><title>",
                    x, y, cx, cy, col);
            pmc__opt_html(f, ka);
            fputc(' ', f);
            pmc__opt_html(f, z->label[a][ra[i]]);
            fputs(", ", f);
            pmc__opt_html(f, kb);
            fputc(' ', f);
            pmc__opt_html(f, z->label[b][rb[j]]);
            fprintf(f, ": %" PRIu64 " trials, mean ", c->n);
            num(f, mean);
            fputs(", best ", f);
            num(f, c->best);
            fputs("</title></rect>\n", f);
        }
    if (bx >= 0)
        fprintf(f,
                "<rect class=best x=\"%d\" y=\"%d\" width=\"%d\" "
                "height=\"%d\" fill=\"none\" stroke=\"#000\" "
                "stroke-width=\"2\"><title>the best trial (%" PRIu64
                ")</title></rect>\n",
                bx + 1, by + 1, cx - 2, cy - 2, z->s->v->best);
    /* legend: 9 steps from +m (top) to -m */
    for (int k = 0; k < 9; k++) {
        char col[8];
        colour(col, m * (4 - k) / 4.0, m);
        fprintf(f,
                "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"10\" "
                "fill=\"%s\"/>",
                lx, mt + fs + k * 10, col);
    }
    fprintf(f, "<text x=\"%d\" y=\"%d\">mean</text>", lx, mt + fs - 2);
    fprintf(f, "<text x=\"%d\" y=\"%d\">%+.4g</text>", lx + 16, mt + fs + 8, m);
    fprintf(f, "<text x=\"%d\" y=\"%d\">0</text>", lx + 16, mt + fs + 48);
    fprintf(f, "<text x=\"%d\" y=\"%d\">%+.4g</text></svg></figure>\n", lx + 16,
            mt + fs + 88, -m);
    free(ra);
    return 0;
}

int pmc__opt_write_heatmaps(FILE *f, const struct pmc__opt_summary *s,
                            const double *obj, const unsigned char *failed,
                            uint64_t n, char *err, size_t cap)
{
    struct sens z;
    if (sens_load(&z, s, obj, failed, n, err, cap) < 0) {
        sens_free(&z);
        return -1;
    }
    size_t np = z.nd * (z.nd - 1) / 2;
    struct heat h = {f, np > PMC_OPT_HEAT_COMPACT};
    int rc = 0;
    fputs("<h2>Pairs of keys</h2>", f);
    if (np == 0)
        fputs("<p>One key: no pairs.</p>\n", f);
    else {
        fprintf(f,
                "<p>%zu pair%s. Each cell: the mean %s of the trials that "
                "ran in that pair of bins (the bins of sensitivity.csv), "
                "blue above 0, red below, on a scale of each pair's largest "
                "mean; hover a cell for its trials, mean and best. The best "
                "trial's cell is outlined.",
                np, np == 1 ? "" : "s", pmc_objective_name(s->o->objective));
        if (h.compact)
            fprintf(f, " More than %d pairs: shown compact.",
                    PMC_OPT_HEAT_COMPACT);
        fprintf(f, "</p>\n<div class=\"heats%s\">\n",
                h.compact ? " compact" : "");
        rc = sens_pairs(&z, heat_pair, &h, err, cap);
        fputs("</div>\n", f);
    }
    sens_free(&z);
    return rc;
}
