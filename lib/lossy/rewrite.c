/*
** rewrite.c -- levels 1 (canonical) and 2 (paraphrase): edits chosen by rate and distortion, the model as judge.
**
** The text's edit *sites* are found first (rules below), each with its alternatives and their distortion.  Then,
** left to right, each site's candidates -- the original and every alternative, each followed by the same few
** words of the original after the site -- are costed by the language model after the text rewritten so far
** (judge.h), and the one with the least J = bits + lambda * distortion is kept (the original on a tie).  The model
** therefore sees every earlier choice when it judges a later one.
**
** Sites (never in a protected item or a verbatim line: text.h):
**   level 1, distortion 0: a blank run other than one space (-> one space); blanks before a line end (-> none);
**     punctuation or a word with a code point that folds
**     (Unicode compatibility forms, typographic quotes, dashes, ellipsis, non-breaking spaces: lt_fold_text);
**   level 2, besides: a word with thesaurus equivalents (spelling variants, distortion 0.2; synonyms, 1), written in
**     the original's case pattern; a contraction or its long form (0.3); a comma (deleted, 0.5).
** Line ends inside a paragraph are not sites: joining two lines saves bits where it is made, but the model expects
** the text's wrapping and the lines after cost more (measured: 93 joins in 100 KB of a book, each judged cheaper,
** made the archive 1.8% larger).
** lambda: level 1 keeps an edit only where it saves bits; level 2's lambda is (100 - strength) / 10 bits.
*/
#include "lossy/rewrite.h"

#include <string.h>
#ifdef LOSSY_DEBUG
#include <stdio.h>
#endif

#include "common/mem.h"
#include "lossy/drop.h"
#include "lossy/judge.h"
#include "lossy/thesaurus.h"

#ifndef LOOKAHEAD
#define LOOKAHEAD 24
#endif
#define LOOKAHEAD_DOC /* bytes of the original after a site that every candidate carries (then cut at a word end) */
#define MAX_ALT (JUDGE_MAX_ALTS - 1)
#define D_SPELLING 0.2
#define D_CONTRACTION 0.3
#define D_COMMA 0.5
#define D_SYNONYM 1.0
#define D_DROP 1.0         /* per word a deletion removes or changes (drop.h: the edits it adds to the WER) */
#ifndef LOOKAHEAD_DROP
#define LOOKAHEAD_DROP 96  /* a deletion's candidates carry more of the text after them: it changes more */
#endif

int lbuf_put(lbuf *b, const void *s, size_t n) {
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + n) cap *= 2;
        uint8_t *p = llmz_realloc(b->p, cap);
        if (!p) return LLMZ_ERR_NOMEM;
        b->p = p;
        b->cap = cap;
    }
    if (n) memcpy(b->p + b->n, s, n);
    b->n += n;
    return LLMZ_OK;
}

typedef struct {
    uint32_t off, len;        /* the original bytes the site replaces */
    uint8_t n_alt;
    uint8_t drop;             /* a deletion site: its kind (drop.h, DROP_*); it gets the longer look-ahead */
    uint32_t alt[MAX_ALT];    /* offsets of the alternatives in the pool */
    uint16_t alt_len[MAX_ALT];
    float dist[MAX_ALT];
} site;

typedef struct {
    site *v;
    size_t n, cap;
    lbuf pool;
} site_list;

/* A new site over [off, off + len); NULL on allocation failure. */
static site *site_add(site_list *l, uint32_t off, uint32_t len) {
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 1024;
        site *v = llmz_realloc(l->v, cap * sizeof *v);
        if (!v) return NULL;
        l->v = v;
        l->cap = cap;
    }
    site *s = &l->v[l->n++];
    memset(s, 0, sizeof *s);
    s->off = off;
    s->len = len;
    return s;
}

/* One more alternative for s (ignored when it is full or the text is the original). */
static int alt_add(site_list *l, site *s, const uint8_t *orig, const void *t, size_t n, double dist) {
    /* n == 0 is compared without memcmp: an empty text may be NULL, and so may an empty pool */
    if (s->n_alt == MAX_ALT || n > 0xffff || (n == s->len && (!n || memcmp(t, orig + s->off, n) == 0)))
        return LLMZ_OK;
    for (int i = 0; i < s->n_alt; i++)
        if (s->alt_len[i] == n && (!n || memcmp(l->pool.p + s->alt[i], t, n) == 0)) return LLMZ_OK;
    s->alt[s->n_alt] = (uint32_t)l->pool.n;
    s->alt_len[s->n_alt] = (uint16_t)n;
    s->dist[s->n_alt] = (float)dist;
    s->n_alt++;
    return lbuf_put(&l->pool, t, n);
}

static int is_upper(uint8_t c) { return c >= 'A' && c <= 'Z'; }
static int is_lower(uint8_t c) { return c >= 'a' && c <= 'z'; }

/* w (lower case) in the case pattern of the original o: ALL CAPS, Capitalised or as is. */
static void case_like(char *dst, const char *w, size_t n, const uint8_t *o, size_t on) {
    int caps = on > 1 && is_upper(o[0]) && is_upper(o[1]);
    for (size_t i = 0; i < n; i++) {
        char c = w[i];
        if ((caps || (i == 0 && is_upper(o[0]))) && is_lower((uint8_t)c)) c = (char)(c - 'a' + 'A');
        dst[i] = c;
    }
}

/* A piece the rewriter may touch. */
static int free_piece(const lt_piece *p) { return p->prot == LP_NONE && !(p->flags & LT_F_VERBATIM); }

/* 1 if the nearest pieces before and after piece i that are not blanks are both protected: removing a blank or a
** comma between them could join two items into one ("Les Tulettes, Marthe": two names; without the comma, one). */
static int between_protected(const lt_doc *d, size_t i) {
    size_t a = i, b = i + 1;
    while (a > 0 && d->p[a - 1].kind == LT_SPACE) a--;
    while (b < d->n && d->p[b].kind == LT_SPACE) b++;
    return a > 0 && d->p[a - 1].prot != LP_NONE && b < d->n && d->p[b].prot != LP_NONE;
}

/* Level 1: the folded form of a piece as an alternative, when folding changes it. */
static int fold_site(site_list *l, const uint8_t *s, const lt_piece *p) {
    uint8_t *f = NULL;
    size_t fn = 0;
    int rc = lt_fold_text(s + p->off, p->len, &f, &fn);
    if (rc != LLMZ_OK) return rc;
    if (fn != p->len || memcmp(f, s + p->off, fn) != 0) {
        site *st = site_add(l, p->off, p->len);
        rc = st ? alt_add(l, st, s, f, fn, 0.0) : LLMZ_ERR_NOMEM;
    }
    llmz_free(f);
    return rc;
}

/* Level 1's sites of piece i. */
static int canonical_sites(site_list *l, const uint8_t *s, const lt_doc *d, size_t i) {
    const lt_piece *p = &d->p[i];
    const lt_piece *next = i + 1 < d->n ? &d->p[i + 1] : NULL;
    if (p->kind == LT_SPACE) {
        if (between_protected(d, i)) return LLMZ_OK;
        int before_eol = !next || next->kind == LT_NEWLINE;
        if (before_eol || p->len != 1 || s[p->off] != ' ') {
            site *st = site_add(l, p->off, p->len);
            if (!st) return LLMZ_ERR_NOMEM;
            return alt_add(l, st, s, " ", before_eol ? 0 : 1, 0.0);
        }
        return LLMZ_OK;
    }
    for (uint32_t k = 0; k < p->len; k++)
        if (s[p->off + k] >= 0x80) return fold_site(l, s, p);
    return LLMZ_OK;
}

/* The contraction pairs of the thesaurus, lower case. */
static int contraction_sites(site_list *l, const uint8_t *s, const lt_doc *d, size_t i) {
    const lt_piece *p = &d->p[i];
    char low[64];
    const char *lf, *sf;
    if (p->kind != LT_WORD || p->len >= sizeof low / 2) return LLMZ_OK;
    /* the long form: two words and one space; the short form: one word */
    const lt_piece *q = i + 2 < d->n ? &d->p[i + 2] : NULL;
    int two = q && d->p[i + 1].kind == LT_SPACE && d->p[i + 1].len == 1 && s[d->p[i + 1].off] == ' ' &&
              q->kind == LT_WORD && free_piece(q) && p->len + 1 + q->len < sizeof low;
    size_t n1 = p->len, n2 = two ? p->len + 1 + q->len : 0;
    for (size_t k = 0; k < (two ? n2 : n1); k++) {
        uint8_t c = s[p->off + k];
        low[k] = (char)(is_upper(c) ? c - 'A' + 'a' : c);
    }
    for (int k = 0; thes_contraction(k, &lf, &sf); k++) {
        size_t ll = strlen(lf), sl = strlen(sf);
        char out[64];
        if (two && ll == n2 && memcmp(low, lf, ll) == 0 && sl < sizeof out) {
            case_like(out, sf, sl, s + p->off, p->len);
            site *st = site_add(l, p->off, (uint32_t)n2);
            return st ? alt_add(l, st, s, out, sl, D_CONTRACTION) : LLMZ_ERR_NOMEM;
        }
        /* 's and 'd stand for is/has and would/had: only the long form is sure */
        int ambiguous = sl > 2 && sf[sl - 2] == '\'' && (sf[sl - 1] == 's' || sf[sl - 1] == 'd');
        if (!ambiguous && sl == n1 && memcmp(low, sf, sl) == 0 && ll < sizeof out) {
            case_like(out, lf, ll, s + p->off, p->len);
            site *st = site_add(l, p->off, (uint32_t)n1);
            return st ? alt_add(l, st, s, out, ll, D_CONTRACTION) : LLMZ_ERR_NOMEM;
        }
    }
    return LLMZ_OK;
}

/* Level 2's sites of piece i (besides level 1's). */
static int paraphrase_sites(site_list *l, const uint8_t *s, const lt_doc *d, size_t i) {
    const lt_piece *p = &d->p[i];
    if (p->kind == LT_PUNCT && p->len == 1 && s[p->off] == ',') {
        if (between_protected(d, i)) return LLMZ_OK;
        if (i + 1 < d->n && d->p[i + 1].kind != LT_SPACE && d->p[i + 1].kind != LT_NEWLINE)
            return LLMZ_OK; /* "and,rolled": without the comma the two words would be one */
        site *st = site_add(l, p->off, 1);
        return st ? alt_add(l, st, s, "", 0, D_COMMA) : LLMZ_ERR_NOMEM;
    }
    if (p->kind != LT_WORD) return LLMZ_OK;
    size_t before = l->n;
    int rc = contraction_sites(l, s, d, i);
    if (rc != LLMZ_OK || l->n != before) return rc;
    thes_word eq[MAX_ALT];
    int ns = thes_lookup((const char *)s + p->off, p->len, THES_SPELLING, eq, MAX_ALT);
    int ny = thes_lookup((const char *)s + p->off, p->len, THES_SYNONYM, eq + ns, MAX_ALT - ns);
    if (ns + ny == 0) return LLMZ_OK;
    site *st = site_add(l, p->off, p->len);
    if (!st) return LLMZ_ERR_NOMEM;
    for (int k = 0; k < ns + ny && rc == LLMZ_OK; k++) {
        char w[256];
        case_like(w, eq[k].s, eq[k].len, s + p->off, p->len);
        rc = alt_add(l, st, s, w, eq[k].len, k < ns ? D_SPELLING : D_SYNONYM);
    }
    if (st->n_alt == 0) l->n--;
    return rc;
}

/* A deletion site (drop.h) found at piece i, with the piece's own alternatives (a synonym, the comma dropped alone)
** written into the span as further candidates. */
static int drop_sites(site_list *l, const uint8_t *s, const lt_doc *d, size_t i, const drop_site *ds) {
    site_list own = {0};
    int rc = paraphrase_sites(&own, s, d, i);
    site *st = rc == LLMZ_OK ? site_add(l, ds->off, ds->len) : NULL;
    if (!st) rc = rc == LLMZ_OK ? LLMZ_ERR_NOMEM : rc;
    if (rc == LLMZ_OK) {
        st->drop = ds->kind;
        rc = alt_add(l, st, s, ds->rep, ds->rep_len, ds->edits * D_DROP);
    }
    const site *o = own.n ? &own.v[0] : NULL;
    if (o && (o->off < ds->off || o->off + o->len > ds->off + ds->len)) o = NULL;
    for (int k = 0; o && rc == LLMZ_OK && k < o->n_alt; k++) { /* the span with the piece's alternative k */
        uint8_t buf[512];
        size_t pre = o->off - ds->off, post = ds->off + ds->len - (o->off + o->len), n = pre + o->alt_len[k] + post;
        if (n > sizeof buf) continue;
        memcpy(buf, s + ds->off, pre);
        if (o->alt_len[k]) memcpy(buf + pre, own.pool.p + o->alt[k], o->alt_len[k]); /* pool NULL: all empty */
        memcpy(buf + pre + o->alt_len[k], s + o->off + o->len, post);
        rc = alt_add(l, st, s, buf, n, o->dist[k]);
    }
    llmz_free(own.v);
    llmz_free(own.pool.p);
    return rc;
}

/* Every site of the text, in order, none overlapping. */
static int find_sites(site_list *l, int level, const uint8_t *s, const lt_doc *d) {
    uint32_t end = 0; /* the end of the last site */
    for (size_t i = 0; i < d->n; i++) {
        const lt_piece *p = &d->p[i];
        if (!free_piece(p) || p->off < end) continue;
        size_t before = l->n;
        drop_site ds;
        int rc = LLMZ_OK;
        if (level >= LLMZ_LOSSY_PARAPHRASE && drop_find(s, d, i, &ds) && ds.off >= end)
            rc = drop_sites(l, s, d, i, &ds);
        else if (level >= LLMZ_LOSSY_PARAPHRASE)
            rc = paraphrase_sites(l, s, d, i);
        if (rc == LLMZ_OK && l->n == before) rc = canonical_sites(l, s, d, i);
        if (rc != LLMZ_OK) return rc;
        if (l->n > before) end = l->v[l->n - 1].off + l->v[l->n - 1].len;
    }
    return LLMZ_OK;
}

static int word_byte(uint8_t c) { return c >= 0x80 || is_upper(c) || is_lower(c) || (c >= '0' && c <= '9'); }

/* The rewriting itself: the sites judged left to right. */
typedef struct {
    judge *j;
    const uint8_t *s;
    size_t n;
    lbuf *out;
    size_t jpos; /* bytes of out committed to the judge */
    double lambda;
    double saved; /* bits the judge says the kept edits save (LOSSY_DEBUG prints them: how much the coder realises) */
} run;

/* Judge site st: the index of the candidate kept (0: the original; k: alternative k - 1). */
static int choose(run *r, const site_list *l, const site *st, int *pick) {
    /* commit the output up to the last word byte before the site; the candidates start after it */
    size_t bnd = r->out->n;
    while (bnd > r->jpos && !word_byte(r->out->p[bnd - 1])) bnd--;
    int rc = judge_commit(r->j, r->out->p + r->jpos, bnd - r->jpos, NULL);
    if (rc != LLMZ_OK) return rc;
    r->jpos = bnd;
    size_t tail = r->out->n - bnd, after = st->off + st->len;
    size_t la = st->drop ? LOOKAHEAD_DROP : LOOKAHEAD;
    size_t look = r->n - after < la ? r->n - after : la;
    while (look > 0 && after + look < r->n && word_byte(r->s[after + look])) look--; /* end on a word's end */
    uint8_t buf[JUDGE_MAX_ALTS][512];
    const uint8_t *cand[JUDGE_MAX_ALTS];
    size_t len[JUDGE_MAX_ALTS];
    double bits[JUDGE_MAX_ALTS];
    int which[JUDGE_MAX_ALTS], n = 0; /* candidate c is the original (0) or alternative which[c] - 1 */
    for (int k = 0; k <= st->n_alt; k++) {
        const uint8_t *mid = k ? l->pool.p + st->alt[k - 1] : r->s + st->off;
        size_t mn = k ? st->alt_len[k - 1] : st->len;
        if (tail + mn + look > sizeof buf[0]) continue;
        memcpy(buf[n], r->out->p + bnd, tail);
        memcpy(buf[n] + tail, mid, mn);
        memcpy(buf[n] + tail + mn, r->s + after, look);
        cand[n] = buf[n];
        which[n] = k;
        len[n++] = tail + mn + look;
    }
    *pick = 0;
    if (n < 2 || which[0] != 0) return LLMZ_OK; /* nothing to compare with the original */
    if ((rc = judge_cost(r->j, cand, len, n, bits)) != LLMZ_OK) return rc;
    double best = bits[0];
    int bc = 0;
    for (int c = 1; c < n; c++) {
        double J = bits[c] + r->lambda * st->dist[which[c] - 1];
        if (J < best) {
            best = J;
            bc = c;
        }
    }
    *pick = which[bc];
    r->saved += bits[0] - bits[bc];
#ifdef LOSSY_DEBUG
    if (*pick) fprintf(stderr, "pick kind %d alt %d dist %.1f saved %.2f\n", st->drop, *pick, st->dist[*pick - 1],
                       bits[0] - bits[bc]);
    if (st->drop && which[1] == 1)
        fprintf(stderr, "cand kind %d dist %.1f saved %.2f\n", st->drop, st->dist[0], bits[0] - bits[1]);
    if (0) {
        fprintf(stderr, "site %u [%.*s]:", st->off, (int)len[0], cand[0]);
        for (int c = 0; c < n; c++) fprintf(stderr, " %.*s=%.2f", (int)len[c] - (int)look, cand[c], bits[c]);
        fprintf(stderr, "\n");
    }
#endif
    return LLMZ_OK;
}

/* One part of the text: its sites judged in order by its own judge, into its own output. */
typedef struct {
    const llmz_model *m;
    const uint8_t *s;
    size_t n;
    const site_list *l;
    double lambda;
    const uint32_t *bounds; /* part k is s[bounds[k], bounds[k + 1]) */
    size_t n_parts;
    lbuf *outs;
    uint32_t *changes;
    int *rcs;
} parts_job;

static int part_run(const parts_job *pj, size_t k) {
    uint32_t a = pj->bounds[k], b = pj->bounds[k + 1];
    run r = {NULL, pj->s, b, &pj->outs[k], 0, pj->lambda, 0.0};
    int rc = judge_new(&r.j, pj->m, 1);
    size_t ipos = a, i = 0;
    while (i < pj->l->n && pj->l->v[i].off < a) i++; /* the part's first site (binary search not worth it) */
    for (; rc == LLMZ_OK && i < pj->l->n && pj->l->v[i].off < b; i++) {
        const site *st = &pj->l->v[i];
        int pick = 0;
        if ((rc = lbuf_put(r.out, pj->s + ipos, st->off - ipos)) != LLMZ_OK || (rc = choose(&r, pj->l, st, &pick)))
            break;
        if (pick) {
            rc = lbuf_put(r.out, pj->l->pool.p + st->alt[pick - 1], st->alt_len[pick - 1]);
            pj->changes[k]++;
        } else {
            rc = lbuf_put(r.out, pj->s + st->off, st->len);
        }
        ipos = st->off + st->len;
    }
    if (rc == LLMZ_OK) rc = lbuf_put(r.out, pj->s + ipos, b - ipos);
#ifdef LOSSY_DEBUG
    fprintf(stderr, "part %zu: %u edits judged to save %.0f bits (%.0f bytes)\n", k, pj->changes[k], r.saved,
            r.saved / 8);
#endif
    judge_free(r.j);
    return rc;
}

/* Team member i of nt: parts i, i + nt, ... */
static void parts_member(void *arg, int i, int nt) {
    parts_job *pj = arg;
    for (size_t k = (size_t)i; k < pj->n_parts; k += (size_t)nt) pj->rcs[k] = part_run(pj, k);
}

size_t lossy_parts(const lt_doc *d, size_t n, uint32_t *bounds) {
    size_t np = 0;
    bounds[np++] = 0;
    for (size_t k = 1; k < d->n_para; k++)
        if (d->para[k].off - bounds[np - 1] >= LOSSY_PART_MIN && n - d->para[k].off >= LOSSY_PART_MIN / 2)
            bounds[np++] = d->para[k].off;
    bounds[np] = (uint32_t)n;
    return np;
}

int lossy_run_parts(int threads, size_t n_parts, team_fn fn, void *arg) {
    int nt = threads < (int)n_parts ? threads : (int)n_parts;
    team *t = nt > 1 ? team_new(nt) : NULL;
    team_run(t, fn, arg); /* NULL: the caller alone, every part in turn */
    team_free(t);
    return LLMZ_OK;
}

int rewrite_rd(const llmz_model *m, int threads, int level, int strength, const uint8_t *s, size_t n,
               const lt_doc *d, lbuf *out, uint32_t *changes) {
    site_list l = {0};
    parts_job pj = {m, s, n, &l, level >= LLMZ_LOSSY_PARAPHRASE ? (100 - strength) / 10.0 : 0.0, NULL, 0, NULL, NULL,
                    NULL};
    uint32_t *bounds = llmz_malloc((d->n_para + 2) * sizeof *bounds);
    *changes = 0;
    int rc = bounds ? find_sites(&l, level, s, d) : LLMZ_ERR_NOMEM;
    if (rc == LLMZ_OK) {
        pj.n_parts = lossy_parts(d, n, bounds);
        pj.bounds = bounds;
        pj.outs = llmz_calloc(pj.n_parts, sizeof *pj.outs);
        pj.changes = llmz_calloc(pj.n_parts, sizeof *pj.changes);
        pj.rcs = llmz_calloc(pj.n_parts, sizeof *pj.rcs);
        if (!pj.outs || !pj.changes || !pj.rcs) rc = LLMZ_ERR_NOMEM;
    }
    if (rc == LLMZ_OK) lossy_run_parts(threads, pj.n_parts, parts_member, &pj);
    for (size_t k = 0; pj.rcs && k < pj.n_parts; k++) { /* the parts in order */
        if (rc == LLMZ_OK) rc = pj.rcs[k];
        if (rc == LLMZ_OK) rc = lbuf_put(out, pj.outs[k].p, pj.outs[k].n);
        if (rc == LLMZ_OK) *changes += pj.changes[k];
        llmz_free(pj.outs[k].p);
    }
    llmz_free(pj.outs);
    llmz_free(pj.changes);
    llmz_free(pj.rcs);
    llmz_free(bounds);
    llmz_free(l.v);
    llmz_free(l.pool.p);
    return rc;
}
