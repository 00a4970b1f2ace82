/*
** analyze.c -- `llmz analyze FILE`: where the bits go, token by token, from the coder's own numbers
** (llmz_analyze_frame: the frames llmz writes, so the totals are -v's).
**
**   terminal   the text with each token's background shaded by its bits (when stdout is a terminal, or
**              --color=always; never with NO_COLOR or --color=never), then a summary: totals per part of the
**              predictor, a histogram of bits per token, the costliest lines and words
**   --tsv      one row per token instead of the shaded text (offset, bytes, bits, LM bits, rank, part, top
**              guess, text)
**   --html F   one self-contained page (no network): the heatmap with details on hover, the histogram, the
**              totals per part, the costliest words and lines
** Reads the input, calls the library, formats; it never changes what is coded.
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char *const PART[] = {"model", "cache", "n-gram/match", "sse", "stored"};
enum { NPART = 5, NHIST = 8 };
static const double HIST_EDGE[NHIST] = {0.5, 1, 2, 4, 6, 8, 12, 1e300}; /* bucket k: bits < HIST_EDGE[k] */

typedef struct {
    llmz_token_info *t;
    size_t n;
    const unsigned char *in;
    size_t size;
    const llmz_model *m;
    double bits, part_bits[NPART];
    uint64_t part_n[NPART], hist[NHIST];
} analysis;

/* The bytes a record stands for: the token's (the model's vocabulary), or the input's for a stored chunk. */
static size_t rec_bytes(const analysis *a, const llmz_token_info *r, const uint8_t **p)
{
    if (r->token < 0) {
        *p = a->in + r->offset;
        return r->offset + r->length <= a->size ? r->length : 0;
    }
    return llmz_model_token_bytes(a->m, r->token, p);
}

/* A histogram bucket's label: "< 2", or "12+" for the last. */
static const char *bucket_label(char *buf, size_t cap, int k)
{
    if (k + 1 < NHIST) snprintf(buf, cap, "< %g", HIST_EDGE[k]);
    else snprintf(buf, cap, "%g+", HIST_EDGE[k - 1]);
    return buf;
}

static int hist_bucket(double b)
{
    int k = 0;
    while (b >= HIST_EDGE[k]) k++;
    return k;
}

/* ---- the summary: parts, histogram, costliest lines and words ------------------------------------------ */
typedef struct {
    const unsigned char *w;
    size_t len;
    double bits;
    uint64_t count;
} word_cost;

static int by_word(const void *x, const void *y)
{
    const word_cost *a = x, *b = y;
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->w, b->w, n);
    return c ? c : (a->len > b->len) - (a->len < b->len);
}
static int by_bits(const void *x, const void *y)
{
    const word_cost *a = x, *b = y;
    return (a->bits < b->bits) - (a->bits > b->bits);
}
static int is_word_byte(unsigned char ch)
{
    return ch >= 0x80 || ch == '_' || (unsigned)((ch | 32) - 'a') < 26u || (unsigned)(ch - '0') < 10u;
}

/* Words of the input (runs of letters, digits, _ and non-ASCII bytes), each charged with the bits of the tokens
** that start inside it; merged by spelling and sorted, costliest first.  Returns the count (*out: malloc'ed). */
static size_t costly_words(const analysis *a, word_cost **out)
{
    word_cost *w = malloc((a->n + 1) * sizeof *w);
    size_t nw = 0, k = 0;
    *out = w;
    if (!w) return 0;
    for (size_t i = 0; i < a->n; i++) {
        const llmz_token_info *r = &a->t[i];
        uint64_t o = r->offset;
        while (o < r->offset + r->length && o < a->size && !is_word_byte(a->in[o])) o++;
        if (o >= a->size || o >= r->offset + r->length || r->token < 0) continue;
        uint64_t s = o, e = o;
        while (s > 0 && is_word_byte(a->in[s - 1])) s--;
        while (e < a->size && is_word_byte(a->in[e])) e++;
        if (nw > 0 && w[nw - 1].w == a->in + s) { /* another token of the same word */
            w[nw - 1].bits += r->bits;
            continue;
        }
        w[nw++] = (word_cost){a->in + s, (size_t)(e - s), r->bits, 1};
    }
    qsort(w, nw, sizeof *w, by_word);
    for (size_t i = 0; i < nw; i++) {
        if (k > 0 && !by_word(&w[k - 1], &w[i])) {
            w[k - 1].bits += w[i].bits;
            w[k - 1].count++;
        } else {
            w[k++] = w[i];
        }
    }
    qsort(w, k, sizeof *w, by_bits);
    return k;
}

typedef struct {
    uint64_t start, len;
    double bits;
} line_cost;

static int line_by_bits(const void *x, const void *y)
{
    const line_cost *a = x, *b = y;
    return (a->bits < b->bits) - (a->bits > b->bits);
}

/* The input's lines with the bits of the tokens that start in them, costliest first (*out: malloc'ed). */
static size_t costly_lines(const analysis *a, line_cost **out)
{
    size_t nl = 1, li = 0, ti = 0;
    for (size_t i = 0; i < a->size; i++) nl += a->in[i] == '\n';
    line_cost *l = calloc(nl, sizeof *l);
    *out = l;
    if (!l) return 0;
    for (size_t i = 0; i <= a->size; i++) {
        if (i == a->size || a->in[i] == '\n') {
            l[li].len = i - l[li].start;
            if (++li < nl) l[li].start = i + 1;
        }
    }
    for (li = 0; li < nl; li++) /* tokens in offset order: walk both lists */
        for (; ti < a->n && (li + 1 == nl || a->t[ti].offset < l[li + 1].start); ti++) l[li].bits += a->t[ti].bits;
    qsort(l, nl, sizeof *l, line_by_bits);
    return nl;
}

static void print_clipped(FILE *f, const unsigned char *p, size_t n, size_t max)
{
    for (size_t i = 0; i < n && i < max; i++) fputc(p[i] == '\t' || p[i] < 32 ? ' ' : p[i], f);
    if (n > max) fputs("...", f);
}

static void summary(const analysis *a, const char *name, const llmz_stats *st)
{
    word_cost *w;
    line_cost *l;
    size_t nw = costly_words(a, &w), nl = costly_lines(a, &l);
    printf("%s: %zu bytes, %zu tokens, %.0f bits (%.3f bits/byte; coded %.0f bits with the range coder's overhead "
           "and %llu chunk%s)\n",
           name, a->size, a->n, a->bits, a->size ? a->bits / (double)a->size : 0.0, st->coded_bits,
           (unsigned long long)st->chunks, st->chunks == 1 ? "" : "s");
    printf("\nwhich part predicted each token best (the stage that raised its probability most):\n");
    for (int p = 0; p < NPART; p++)
        if (a->part_n[p])
            printf("  %-13s %8llu tokens %12.0f bits %6.1f%%\n", PART[p], (unsigned long long)a->part_n[p],
                   a->part_bits[p], a->bits > 0 ? 100.0 * a->part_bits[p] / a->bits : 0.0);
    printf("\nbits per token:\n");
    for (int k = 0; k < NHIST; k++) {
        char lb[16];
        int bar = a->n ? (int)(50.0 * (double)a->hist[k] / (double)a->n + 0.5) : 0;
        printf("  %-6s %8llu  %.*s\n", bucket_label(lb, sizeof lb, k), (unsigned long long)a->hist[k], bar,
               "##################################################");
    }
    printf("\ncostliest lines:\n");
    for (size_t i = 0; i < nl && i < 10 && l[i].bits > 0; i++) {
        printf("  %8.0f bits %6.2f bits/byte  ", l[i].bits, l[i].len ? l[i].bits / (double)l[i].len : 0.0);
        print_clipped(stdout, a->in + l[i].start, (size_t)l[i].len, 70);
        putchar('\n');
    }
    printf("\ncostliest words (all their occurrences):\n");
    for (size_t i = 0; i < nw && i < 15; i++) {
        printf("  %8.0f bits %5llux  ", w[i].bits, (unsigned long long)w[i].count);
        print_clipped(stdout, w[i].w, w[i].len, 40);
        putchar('\n');
    }
    free(w);
    free(l);
}

/* ---- terminal heatmap and TSV ------------------------------------------------------------------------- */
static const int SHADE[NHIST] = {194, 193, 229, 223, 217, 210, 203, 196}; /* xterm-256 backgrounds, cheap to dear */

static void heatmap(const analysis *a)
{
    for (size_t i = 0; i < a->n; i++) {
        const uint8_t *p;
        size_t len = rec_bytes(a, &a->t[i], &p);
        int shade = SHADE[hist_bucket(a->t[i].bits)];
        printf("\033[38;5;16;48;5;%dm", shade);
        for (size_t k = 0; k < len; k++) {
            if (p[k] != '\n') putchar(p[k]);
            else printf("\033[0m\n\033[38;5;16;48;5;%dm", shade); /* no shade past the line's end */
        }
    }
    fputs("\033[0m\n\nshade: bits per token", stdout);
    for (int k = 0; k < NHIST; k++) {
        char lb[16];
        printf(" \033[38;5;16;48;5;%dm %s \033[0m", SHADE[k], bucket_label(lb, sizeof lb, k));
    }
    fputs("\n\n", stdout);
}

static void put_escaped(FILE *f, const uint8_t *p, size_t n, int tsv)
{
    for (size_t k = 0; k < n; k++) {
        unsigned char ch = p[k];
        if (tsv && ch == '\t') fputs("\\t", f);
        else if (tsv && ch == '\n') fputs("\\n", f);
        else if (tsv && ch == '\\') fputs("\\\\", f);
        else if (!tsv && ch == '&') fputs("&amp;", f);
        else if (!tsv && ch == '<') fputs("&lt;", f);
        else if (!tsv && ch == '>') fputs("&gt;", f);
        else if (!tsv && ch == '"') fputs("&quot;", f);
        else if (ch < 32 && ch != '\n' && ch != '\t' && tsv) fprintf(f, "\\x%02x", ch);
        else if (ch < 32 && ch != '\n' && ch != '\t') fprintf(f, "&#x%x;", 0x2400 + ch); /* control pictures */
        else fputc(ch, f);
    }
}

static void tsv(const analysis *a)
{
    printf("offset\tbytes\tbits\tlm_bits\trank\tpart\ttop\ttext\n");
    for (size_t i = 0; i < a->n; i++) {
        const llmz_token_info *r = &a->t[i];
        const uint8_t *p, *tp = NULL;
        size_t len = rec_bytes(a, r, &p), tl = r->top >= 0 ? llmz_model_token_bytes(a->m, r->top, &tp) : 0;
        printf("%llu\t%u\t%.3f\t%.3f\t%u\t%s\t", (unsigned long long)r->offset, r->length, r->bits, r->lm_bits, r->rank,
               PART[r->part < NPART ? r->part : 0]);
        put_escaped(stdout, tp, tl, 1);
        putchar('\t');
        put_escaped(stdout, p, len, 1);
        putchar('\n');
    }
}

/* ---- the HTML page -------------------------------------------------------------------------------------- */
static void html(FILE *f, const analysis *a, const char *name, const llmz_stats *st)
{
    word_cost *w;
    line_cost *l;
    size_t nw = costly_words(a, &w), nl = costly_lines(a, &l);
    uint64_t hmax = 1;
    fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>llmz analyze: ", f);
    put_escaped(f, (const uint8_t *)name, strlen(name), 0);
    fputs("</title>\n<style>\nbody{font:14px/1.4 sans-serif;margin:1.5em;color:#222}\n"
          "#text{font:13px/1.5 monospace;white-space:pre-wrap;border:1px solid #ccc;padding:.8em;max-height:60vh;"
          "overflow:auto}\n#text span:hover{outline:1px solid #000}\ntable{border-collapse:collapse}\n"
          "td,th{padding:2px 10px;text-align:right}td.l{text-align:left;font-family:monospace}\n"
          ".k{display:inline-block;padding:0 6px;margin-right:2px}\n</style></head><body>\n<h1>Where the bits go: ",
          f);
    put_escaped(f, (const uint8_t *)name, strlen(name), 0);
    fprintf(f, "</h1>\n<p>%zu bytes, %zu tokens, <b><span id=\"total\">%.0f</span> bits</b> (%.3f bits/byte; the "
               "page's own sum: <span id=\"total-js\">?</span>); coded in %.0f bits, %llu chunk%s. Model: ",
            a->size, a->n, a->bits, a->size ? a->bits / (double)a->size : 0.0, st->coded_bits,
            (unsigned long long)st->chunks, st->chunks == 1 ? "" : "s");
    put_escaped(f, (const uint8_t *)llmz_model_name(a->m), strlen(llmz_model_name(a->m)), 0);
    fputs(". Hover a token for its bits, the language model's bits, its rank, the model's top guess and the part "
          "of the predictor that helped most.</p>\n<p>",
          f);
    for (int k = 0; k < NHIST; k++) {
        char lb[16];
        fprintf(f, "<span class=\"k\" style=\"background:hsl(%d,75%%,82%%)\">", 120 - 17 * k);
        bucket_label(lb, sizeof lb, k); /* before strlen: argument order is unspecified */
        put_escaped(f, (const uint8_t *)lb, strlen(lb), 0);
        fputs("</span>", f);
    }
    fputs(" bits per token</p>\n<div id=\"text\">", f);
    for (size_t i = 0; i < a->n; i++) {
        const llmz_token_info *r = &a->t[i];
        const uint8_t *p, *tp = NULL;
        size_t len = rec_bytes(a, r, &p), tl = r->top >= 0 ? llmz_model_token_bytes(a->m, r->top, &tp) : 0;
        fprintf(f, "<span style=\"background:hsl(%d,75%%,82%%)\" data-b=\"%.4f\" title=\"%.2f bits (model alone %.2f), "
                   "rank %u, %s; top guess '",
                120 - 17 * hist_bucket(r->bits), r->bits, r->bits, r->lm_bits, r->rank,
                PART[r->part < NPART ? r->part : 0]);
        put_escaped(f, tp, tl, 0);
        fputs("'\">", f);
        put_escaped(f, p, len, 0);
        fputs("</span>", f);
    }
    fputs("</div>\n<h2>Which part predicted each token best</h2>\n<table><tr><th>part</th><th>tokens</th><th>bits</th>"
          "<th>share</th></tr>\n",
          f);
    for (int p = 0; p < NPART; p++)
        if (a->part_n[p])
            fprintf(f, "<tr><td class=\"l\">%s</td><td>%llu</td><td>%.0f</td><td>%.1f%%</td></tr>\n", PART[p],
                    (unsigned long long)a->part_n[p], a->part_bits[p],
                    a->bits > 0 ? 100 * a->part_bits[p] / a->bits : 0.0);
    fputs("</table>\n<h2>Bits per token</h2>\n<svg width=\"520\" height=\"190\" role=\"img\">\n", f);
    for (int k = 0; k < NHIST; k++) hmax = a->hist[k] > hmax ? a->hist[k] : hmax;
    for (int k = 0; k < NHIST; k++) {
        double h = 150.0 * (double)a->hist[k] / (double)hmax;
        char lb[16];
        fprintf(f,
                "<rect x=\"%d\" y=\"%.1f\" width=\"54\" height=\"%.1f\" fill=\"hsl(%d,60%%,55%%)\"><title>%llu tokens"
                   "</title></rect><text x=\"%d\" y=\"185\" font-size=\"11\">",
                10 + 64 * k, 165 - h, h, 120 - 17 * k, (unsigned long long)a->hist[k], 14 + 64 * k);
        bucket_label(lb, sizeof lb, k); /* before strlen: argument order is unspecified */
        put_escaped(f, (const uint8_t *)lb, strlen(lb), 0);
        fprintf(f, "</text><text x=\"%d\" y=\"%.1f\" font-size=\"11\">%llu</text>\n", 14 + 64 * k, 160 - h,
                (unsigned long long)a->hist[k]);
    }
    fputs("</svg>\n<h2>Costliest words</h2>\n<table><tr><th>bits</th><th>times</th><th>word</th></tr>\n", f);
    for (size_t i = 0; i < nw && i < 20; i++) {
        fprintf(f, "<tr><td>%.0f</td><td>%llu</td><td class=\"l\">", w[i].bits, (unsigned long long)w[i].count);
        put_escaped(f, w[i].w, w[i].len < 60 ? w[i].len : 60, 0);
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n<h2>Costliest lines</h2>\n<table><tr><th>bits</th><th>bits/byte</th><th>line</th></tr>\n", f);
    for (size_t i = 0; i < nl && i < 15 && l[i].bits > 0; i++) {
        fprintf(f, "<tr><td>%.0f</td><td>%.2f</td><td class=\"l\">", l[i].bits,
                l[i].len ? l[i].bits / (double)l[i].len : 0.0);
        put_escaped(f, a->in + l[i].start, l[i].len < 100 ? (size_t)l[i].len : 100, 0);
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n<script>\n(function(){var s=0,t=document.querySelectorAll('#text span[data-b]');\n"
          "for(var i=0;i<t.length;i++)s+=parseFloat(t[i].getAttribute('data-b'));\n"
          "document.getElementById('total-js').textContent=Math.round(s);})();\n</script>\n</body></html>\n",
          f);
    free(w);
    free(l);
}

/* ---- the command ------------------------------------------------------------------------------------------ */
int analyze_main(cli_ctx *c, const char *path, const char *html_out, int want_tsv, int color)
{
    void *buf = NULL;
    size_t size = 0;
    analysis a;
    llmz_stats total;
    codec_result res;
    llmz_cctx *cc = NULL;
    const char *name = !path || !strcmp(path, "-") ? "(stdin)" : path;
    int rc = EXIT_ERR;
    memset(&a, 0, sizeof a);
    memset(&total, 0, sizeof total);
    memset(&res, 0, sizeof res);
    if (fio_read_whole(!path || !strcmp(path, "-") ? "/dev/stdin" : path, "input", &buf, &size) != 0) return EXIT_ERR;
    a.in = buf;
    a.size = size;
    for (size_t off = 0; off < size || off == 0; off += CLI_SEGMENT) { /* the frames llmz writes (8 MiB each) */
        size_t n = size - off < CLI_SEGMENT ? size - off : CLI_SEGMENT, cnt = 0;
        llmz_token_info *t = NULL, *nt;
        llmz_stats st;
        int err;
        if (!cc && !(cc = codec_cctx(c, a.in + off, n, &res))) goto done;
        err = llmz_analyze_frame(cc, a.in + off, n, &t, &cnt, &st);
        if (err != LLMZ_OK) {
            msg_error(name, "analysis failed: %s", llmz_error_name(err));
            goto done;
        }
        nt = realloc(a.t, (a.n + cnt + 1) * sizeof *nt);
        if (!nt) {
            llmz_free_tokens(t);
            msg_error(name, "out of memory");
            goto done;
        }
        a.t = nt;
        for (size_t i = 0; i < cnt; i++) {
            t[i].offset += off;
            a.t[a.n++] = t[i];
        }
        llmz_free_tokens(t);
        total.coded_bits += st.coded_bits;
        total.chunks += st.chunks;
        if (size == 0) break;
    }
    a.m = c->adapted ? c->adapted : c->model;
    for (size_t i = 0; i < a.n; i++) {
        int p = a.t[i].part < NPART ? a.t[i].part : 0;
        a.bits += a.t[i].bits;
        a.part_bits[p] += a.t[i].bits;
        a.part_n[p]++;
        a.hist[hist_bucket(a.t[i].bits)]++;
    }
    if (html_out) {
        FILE *f = !strcmp(html_out, "-") ? stdout : NULL;
        char *tmp = NULL;
        if (!f) { /* written whole in memory first, then through the usual temporary + rename */
            size_t len = 0;
            f = open_memstream(&tmp, &len);
            if (!f) {
                msg_error(html_out, "%s", strerror(errno));
                goto done;
            }
            html(f, &a, name, &total);
            if (fclose(f) != 0 || fio_write_whole(&c->o, html_out, tmp, len) != 0) {
                free(tmp);
                goto done;
            }
            free(tmp);
        } else {
            html(f, &a, name, &total);
        }
    }
    if (!html_out || strcmp(html_out, "-")) {
        if (want_tsv) tsv(&a);
        else {
            if (color) heatmap(&a);
            summary(&a, name, &total);
        }
    }
    rc = EXIT_OK;
done:
    free(a.t);
    free(buf);
    return rc;
}
