/*
** rewrap.c -- hard-wrapped paragraphs filled again after level 2's rewriting (rewrap.h).
**
** A paragraph is a maximal run of non-blank lines (a blank line holds only spaces and tabs).  The original's paragraph
** k pairs with the rewriting's paragraph k: levels 1-2 keep every line (guard.h), so the two texts have the same
** paragraphs unless a deletion took a whole line, and then nothing is filled.  An original paragraph is hard-wrapped
** (eligible) when it has two lines or more, all ending alike ("\n" or "\r\n"), no control byte but the "\r" of its
** line breaks, no line after the first starting with a blank, a width W (its longest line, in code points) of at
** least REWRAP_MIN_WIDTH, and at least 3 in 4 of its lines but the last *full*: the line, a blank and the next line's
** first word would not fit in W.
**
** Filling: the first line keeps its leading blanks; the words (runs of non-blanks) follow each other with the blanks
** between them on a line as they were, and a line break of the rewriting (with the blanks around it) read as one
** space; a word goes on the current line when the line, its blanks and the word fit in W code points, else it starts
** the next line; two words that may be one name (both capitalised) keep what joins them.  The paragraph's last line
** break stays as it was.
*/
#include "lossy/rewrap.h"

#include <string.h>

#include "common/mem.h"
#include "lossy/guard.h"

/* A paragraph: bytes [a, b) of its text, the last line's break included when there is one. */
typedef struct {
    size_t a, b;
} para;

static int blank(uint8_t c) { return c == ' ' || c == '\t'; }

/* The end of the line starting at i (the byte after its '\n', or n). */
static size_t line_end(const uint8_t *s, size_t n, size_t i) {
    const uint8_t *nl = i < n ? memchr(s + i, '\n', n - i) : NULL;
    return nl ? (size_t)(nl - s) + 1 : n;
}

/* The line [i, e) holds nothing but blanks and its break. */
static int blank_line(const uint8_t *s, size_t i, size_t e) {
    for (; i < e; i++)
        if (!blank(s[i]) && s[i] != '\n' && s[i] != '\r') return 0;
    return 1;
}

/* The paragraphs of s[0, n) into *p (llmz_malloc'd; *np of them). */
static int paragraphs(const uint8_t *s, size_t n, para **p, size_t *np) {
    size_t cap = 0, k = 0;
    para *v = NULL;
    for (size_t i = 0; i < n;) {
        size_t e = line_end(s, n, i);
        if (blank_line(s, i, e)) {
            i = e;
            continue;
        }
        size_t a = i;
        while (i < n && !blank_line(s, i, e = line_end(s, n, i))) i = e;
        if (lt_grow(&v, &cap, k + 1, sizeof *v) != 0) {
            llmz_free(v);
            return LLMZ_ERR_NOMEM;
        }
        v[k].a = a;
        v[k++].b = i;
    }
    *p = v;
    *np = k;
    return LLMZ_OK;
}

/* Code points of s[a, b) (UTF-8 lead bytes; an invalid byte counts as one). */
static size_t cps(const uint8_t *s, size_t a, size_t b) {
    size_t c = 0;
    for (; a < b; a++) c += (s[a] & 0xC0) != 0x80;
    return c;
}

/* The line [i, e) without its break: its content end. */
static size_t content_end(const uint8_t *s, size_t i, size_t e) {
    if (e > i && s[e - 1] == '\n') e--;
    if (e > i && s[e - 1] == '\r') e--;
    return e;
}

/* The break form of the paragraph's lines, all alike: 1 "\n", 2 "\r\n"; 0 when they differ or hold control bytes. */
static int break_form(const uint8_t *s, const para *q) {
    int form = 0;
    for (size_t i = q->a; i < q->b;) {
        size_t e = line_end(s, q->b, i), c = content_end(s, i, e);
        for (size_t k = i; k < c; k++)
            if (s[k] < 0x20 && s[k] != ' ') return 0; /* a tab, a lone CR, another control */
        if (e > c) {                                  /* a break: the last line may have none */
            int f = (int)(e - c);
            if (form && f != form) return 0;
            form = f;
        }
        i = e;
    }
    return form;
}

/* The width W of the original paragraph when it is hard-wrapped (above), else 0. */
static size_t eligible(const uint8_t *s, const para *q) {
    size_t lines = 0, full = 0, w = 0, prev = 0;
    if (!break_form(s, q)) return 0;
    for (size_t i = q->a; i < q->b; i = line_end(s, q->b, i)) {
        size_t e = line_end(s, q->b, i), c = content_end(s, i, e), len = cps(s, i, c);
        if (c - i > REWRAP_MAX_LINE || (lines && blank(s[i]))) return 0;
        w = len > w ? len : w;
        lines++;
    }
    if (lines < 2 || w < REWRAP_MIN_WIDTH) return 0;
    for (size_t i = q->a; i < q->b; i = line_end(s, q->b, i)) {
        size_t e = line_end(s, q->b, i), c = content_end(s, i, e), fw = i;
        while (fw < c && !blank(s[fw])) fw++;
        if (i > q->a) full += prev + 1 + cps(s, i, fw) > w; /* the line before was full */
        prev = cps(s, i, c);
    }
    return 4 * full >= 3 * (lines - 1) ? w : 0;
}

/* A word of a paragraph: the blanks (and line breaks) before it from g, the word [a, b). */
typedef struct {
    size_t g, a, b;
    int across; /* the blanks before it hold a line break */
} word;

/* Starts with a capital, or may (a non-ASCII letter): two such words in a row may be one name (text.h, LP_NAME). */
static int cap(const uint8_t *s, const word *x) { return (s[x->a] >= 'A' && s[x->a] <= 'Z') || s[x->a] >= 0xC0; }

/* The paragraph q of s filled at width w into t, its lines ending in form (1 "\n", 2 "\r\n").  Words that may make
** one name keep what joins them: a single space stays a space (they move to the next line together), a line break
** stays a line break. */
static int fill(const uint8_t *s, const para *q, size_t w, int form, lbuf *t) {
    static const char *brk[3] = {"", "\n", "\r\n"};
    size_t i = q->a, tail = q->b, nw = 0, cap_w = 0;
    word *v = NULL;
    while (tail > q->a && (s[tail - 1] == '\n' || s[tail - 1] == '\r')) tail--;
    while (i < tail && blank(s[i])) i++; /* the first line's indent */
    int rc = lbuf_put(t, s + q->a, i - q->a);
    size_t cur = cps(s, q->a, i);
    while (rc == LLMZ_OK && i < tail) {
        word x = {i, i, i, 0};
        for (; x.a < tail && (blank(s[x.a]) || s[x.a] == '\n' || s[x.a] == '\r'); x.a++) x.across |= s[x.a] == '\n';
        if (x.a >= tail) break; /* blanks before the last break: kept with it */
        for (x.b = x.a; x.b < tail && !blank(s[x.b]) && s[x.b] != '\n' && s[x.b] != '\r'; x.b++) {}
        if (lt_grow(&v, &cap_w, nw + 1, sizeof *v) != 0)
            rc = LLMZ_ERR_NOMEM;
        else
            v[nw++] = x;
        i = x.b;
    }
    for (size_t k = 0, u; rc == LLMZ_OK && k < nw; k = u) {
        size_t len = cps(s, v[k].a, v[k].b), gap = k == 0 ? 0 : v[k].across ? 1 : cps(s, v[k].g, v[k].a);
        for (u = k + 1; u < nw && !v[u].across && v[u].a - v[u].g == 1 && cap(s, &v[u - 1]) && cap(s, &v[u]); u++)
            len += 1 + cps(s, v[u].a, v[u].b); /* glued: one name, maybe */
        int force = k > 0 && v[k].across && cap(s, &v[k - 1]) && cap(s, &v[k]);
        if (k > 0 && (force || cur + gap + len > w)) {
            rc = lbuf_put(t, brk[form], (size_t)form);
            cur = 0;
        } else if (gap) {
            rc = v[k].across ? lbuf_put(t, " ", 1) : lbuf_put(t, s + v[k].g, v[k].a - v[k].g);
            cur += gap;
        }
        if (rc == LLMZ_OK) rc = lbuf_put(t, s + v[k].a, v[u - 1].b - v[k].a);
        cur += len;
    }
    if (rc == LLMZ_OK) rc = lbuf_put(t, s + i, q->b - i);
    llmz_free(v);
    return rc;
}

int rewrap_paragraphs(const uint8_t *s, size_t n, lbuf *out, uint32_t *count) {
    para *po = NULL, *pr = NULL;
    size_t no = 0, nr = 0;
    *count = 0;
    int rc = paragraphs(s, n, &po, &no);
    if (rc == LLMZ_OK) rc = paragraphs(out->p, out->n, &pr, &nr);
    if (rc != LLMZ_OK || no != nr) { /* unpaired: nothing filled */
        llmz_free(po);
        llmz_free(pr);
        return rc;
    }
    lbuf t = {0}, f = {0};
    size_t at = 0; /* out's bytes copied up to here */
    for (size_t k = 0; rc == LLMZ_OK && k < nr; k++) {
        const uint8_t *r = out->p;
        size_t w;
        int form;
        if (po[k].b - po[k].a == pr[k].b - pr[k].a && memcmp(s + po[k].a, r + pr[k].a, po[k].b - po[k].a) == 0)
            continue; /* unchanged */
        if (!(w = eligible(s, &po[k])) || !(form = break_form(r, &pr[k]))) continue;
        f.n = 0;
        if ((rc = fill(r, &pr[k], w, form, &f)) != LLMZ_OK) break;
        /* the same reading: protected items, sentences, verbatim lines (guard.h) */
        int same = guard_same_reading(r + pr[k].a, pr[k].b - pr[k].a, f.p, f.n);
        if (same < 0) rc = -same;
        if (same != 1 || (f.n == pr[k].b - pr[k].a && memcmp(f.p, r + pr[k].a, f.n) == 0)) continue;
        if ((rc = lbuf_put(&t, r + at, pr[k].a - at)) == LLMZ_OK) rc = lbuf_put(&t, f.p, f.n);
        at = pr[k].b;
        ++*count;
    }
    if (rc == LLMZ_OK && *count) rc = lbuf_put(&t, out->p + at, out->n - at);
    if (rc == LLMZ_OK && *count) {
        llmz_free(out->p);
        *out = t;
    } else {
        llmz_free(t.p);
    }
    llmz_free(f.p);
    llmz_free(po);
    llmz_free(pr);
    return rc;
}
