/* metrics.c -- lt_measure: how far a lossy reconstruction is from its original (text.h, METRICS). */
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "llmz.h"
#include "lossy/text.h"

/* x / y scaled by 10000 and rounded, capped at UINT32_MAX. */
static uint32_t scaled(double x, double y) {
    double v = x / y * 10000.0 + 0.5;
    return v >= 4294967295.0 ? UINT32_MAX : (uint32_t)v;
}

/* ---------------------------------------------------------------- interning strings to ids */

typedef struct {
    uint32_t *slot; /* id + 1, 0 empty */
    size_t mask;
    const uint8_t **ptr;
    uint32_t *len;
    size_t n, cap;
} interner;

static uint64_t hash_bytes(const uint8_t *s, size_t n) {
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < n; i++) h = (h ^ s[i]) * 0x100000001b3u;
    return h ^ h >> 29;
}

static void intern_free(interner *t) {
    llmz_free(t->slot);
    llmz_free(t->ptr);
    llmz_free(t->len);
    memset(t, 0, sizeof *t);
}

static int intern_init(interner *t, size_t expect) {
    size_t sz = 64;
    memset(t, 0, sizeof *t);
    while (sz < expect * 2 + 2) sz *= 2;
    t->slot = llmz_calloc(sz, sizeof *t->slot);
    t->ptr = llmz_malloc((expect + 1) * sizeof *t->ptr);
    t->len = llmz_malloc((expect + 1) * sizeof *t->len);
    t->mask = sz - 1;
    t->cap = expect + 1;
    return t->slot && t->ptr && t->len ? 0 : -1;
}

/* The id of s[0..n) (ids numbered from 0 in order of first appearance).  intern_init sized the table for `expect`
** strings, and no more are interned. */
static uint32_t intern(interner *t, const uint8_t *s, size_t n) {
    size_t h = (size_t)hash_bytes(s, n) & t->mask;
    for (;; h = (h + 1) & t->mask) {
        uint32_t v = t->slot[h];
        if (!v) break;
        if (t->len[v - 1] == n && memcmp(t->ptr[v - 1], s, n) == 0) return v - 1;
    }
    t->ptr[t->n] = s;
    t->len[t->n] = (uint32_t)n;
    t->slot[h] = (uint32_t)++t->n;
    return (uint32_t)t->n - 1;
}

/* ---------------------------------------------------------------- alignment (text.h, ALIGNMENT) */

enum { OP_MATCH, OP_SUB, OP_DEL, OP_INS };
typedef struct {
    uint32_t a, b; /* positions in A and B (the one an insertion or a deletion lacks is meaningless) */
    uint8_t op;
} al_op;
typedef struct {
    uint32_t a0, a1, b0, b1; /* a range pair, or a run of matches a0.., b0.. of a1 - a0 (run = 1) */
    uint8_t run;
} al_frame;
typedef struct {
    uint32_t pa, pb; /* the window's first start in A (UINT32_MAX: empty slot), its last start in B */
    uint8_t ca, cb;  /* occurrences in A and in B, counted up to 2 */
} gram_e;
typedef struct {
    const uint32_t *A, *B;
    int sub;
    al_op *ops;
    size_t n_ops, cap_ops;
    al_frame *st;
    size_t n_st, cap_st;
    uint32_t *cnt_a, *cnt_b;             /* per id, zero between uses */
    uint32_t *sa, *sb, *sl, *prev, *top; /* anchor candidates or runs (start in A, in B, length), patience piles */
    gram_e *gt;                          /* windows of k ids */
    size_t cap_gt;
    uint8_t *dir;
    size_t cap_dir;
    uint32_t *row;
    size_t cap_row;
} aligner;

static int emit(aligner *al, uint32_t a, uint32_t b, uint8_t op) {
    if (lt_grow(&al->ops, &al->cap_ops, al->n_ops + 1, sizeof *al->ops)) return -1;
    al->ops[al->n_ops].a = a;
    al->ops[al->n_ops].b = b;
    al->ops[al->n_ops++].op = op;
    return 0;
}

static int push_frame(aligner *al, uint32_t a0, uint32_t a1, uint32_t b0, uint32_t b1, uint8_t run) {
    if (lt_grow(&al->st, &al->cap_st, al->n_st + 1, sizeof *al->st)) return -1;
    al_frame *f = &al->st[al->n_st++];
    f->a0 = a0, f->a1 = a1, f->b0 = b0, f->b1 = b1, f->run = run;
    return 0;
}

/* Exact minimum-cost alignment of A[a0,a1) and B[b0,b1) by dynamic programming (step c). */
static int align_dp(aligner *al, uint32_t a0, uint32_t a1, uint32_t b0, uint32_t b1) {
    size_t n = a1 - a0, m = b1 - b0, w = m + 1;
    if (lt_grow(&al->dir, &al->cap_dir, (n + 1) * w, 1) || lt_grow(&al->row, &al->cap_row, 2 * w, sizeof *al->row))
        return -1;
    uint32_t *prev = al->row, *cur = al->row + w, sub = (uint32_t)al->sub;
    for (size_t j = 0; j <= m; j++) prev[j] = (uint32_t)j, al->dir[j] = OP_INS;
    for (size_t i = 1; i <= n; i++) {
        cur[0] = (uint32_t)i;
        al->dir[i * w] = OP_DEL;
        uint32_t x = al->A[a0 + i - 1];
        for (size_t j = 1; j <= m; j++) {
            int eq = x == al->B[b0 + j - 1];
            uint32_t dg = prev[j - 1] + (eq ? 0 : sub), dl = prev[j] + 1, in = cur[j - 1] + 1;
            uint8_t d = dg <= dl && dg <= in ? (eq ? OP_MATCH : OP_SUB) : dl <= in ? OP_DEL : OP_INS;
            cur[j] = d <= OP_SUB ? dg : d == OP_DEL ? dl : in;
            al->dir[i * w + j] = d;
        }
        uint32_t *t = prev;
        prev = cur;
        cur = t;
    }
    size_t i = n, j = m, first = al->n_ops;
    while (i > 0 || j > 0) {
        uint8_t d = al->dir[i * w + j];
        if (emit(al, a0 + (uint32_t)i - 1, b0 + (uint32_t)j - 1, d)) return -1;
        if (d <= OP_SUB)
            i--, j--;
        else if (d == OP_DEL)
            i--;
        else
            j--;
    }
    for (size_t l = first, r = al->n_ops; l + 1 < r; l++, r--) {
        al_op t = al->ops[l];
        al->ops[l] = al->ops[r - 1];
        al->ops[r - 1] = t;
    }
    return 0;
}

/* The longest run of sb[0..k) strictly increasing (patience sorting, step d): kept in sa/sb[0..result). */
static size_t patience(aligner *al, size_t k) {
    size_t piles = 0;
    for (size_t e = 0; e < k; e++) {
        size_t lo = 0, hi = piles;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (al->sb[al->top[mid]] < al->sb[e])
                lo = mid + 1;
            else
                hi = mid;
        }
        al->prev[e] = lo ? al->top[lo - 1] : UINT32_MAX;
        al->top[lo] = (uint32_t)e;
        if (lo == piles) piles++;
    }
    /* the chain, backwards, into top[0..piles) then compacted into sa/sb */
    uint32_t e = piles ? al->top[piles - 1] : UINT32_MAX;
    for (size_t r = piles; r > 0; r--, e = al->prev[e]) al->top[r - 1] = e;
    for (size_t r = 0; r < piles; r++) {
        uint32_t x = al->top[r];
        al->sa[r] = al->sa[x];
        al->sb[r] = al->sb[x];
    }
    return piles;
}

static uint64_t window_hash(const uint32_t *x, size_t k) {
    uint64_t h = 0x9E3779B97F4A7C15u;
    for (size_t i = 0; i < k; i++) h = (h ^ x[i]) * 0xff51afd7ed558ccdu;
    return h ^ h >> 31;
}

/* The slot of the window x[0..k) in the table (an empty slot if absent). */
static size_t gram_find(const aligner *al, const uint32_t *x, size_t k, size_t mask) {
    size_t h = (size_t)window_hash(x, k) & mask;
    while (al->gt[h].pa != UINT32_MAX && memcmp(al->A + al->gt[h].pa, x, k * sizeof *x)) h = (h + 1) & mask;
    return h;
}

/* The starts of the k-id windows occurring once in A[a0,a1) and once in B[b0,b1), in A's order, into sa/sb; their
** number, or -1 if memory ran out. */
static int64_t gram_candidates(aligner *al, uint32_t a0, uint32_t a1, uint32_t b0, uint32_t b1, size_t k) {
    size_t sz = 64, c = 0;
    while (sz < 2 * (size_t)(a1 - a0) + 2) sz *= 2;
    if (lt_grow(&al->gt, &al->cap_gt, sz, sizeof *al->gt)) return -1;
    for (size_t i = 0; i < sz; i++) al->gt[i].pa = UINT32_MAX, al->gt[i].ca = al->gt[i].cb = 0;
    for (uint32_t i = a0; i + k <= a1; i++) {
        gram_e *e = &al->gt[gram_find(al, al->A + i, k, sz - 1)];
        if (e->pa == UINT32_MAX) e->pa = i;
        e->ca += e->ca < 2;
    }
    for (uint32_t j = b0; j + k <= b1; j++) {
        gram_e *e = &al->gt[gram_find(al, al->B + j, k, sz - 1)];
        if (e->pa != UINT32_MAX) e->cb += e->cb < 2, e->pb = j;
    }
    for (uint32_t i = a0; i + k <= a1; i++) {
        const gram_e *e = &al->gt[gram_find(al, al->A + i, k, sz - 1)];
        if (e->ca == 1 && e->cb == 1) al->sa[c] = i, al->sb[c++] = e->pb;
    }
    return (int64_t)c;
}

/* Windows of k (sa/sb[0..c), increasing in both) into runs of matches sa/sb/sl: a window on the diagonal of the run
** before it that overlaps or touches that run extends it; one that overlaps it on another diagonal is dropped. */
static size_t make_runs(aligner *al, size_t c, uint32_t k) {
    size_t r = 0;
    for (size_t e = 0; e < c; e++) {
        uint32_t a = al->sa[e], b = al->sb[e];
        if (r && (int64_t)a - b == (int64_t)al->sa[r - 1] - al->sb[r - 1] && a <= al->sa[r - 1] + al->sl[r - 1]) {
            if (a + k > al->sa[r - 1] + al->sl[r - 1]) al->sl[r - 1] = a + k - al->sa[r - 1];
            continue;
        }
        if (r && (a < al->sa[r - 1] + al->sl[r - 1] || b < al->sb[r - 1] + al->sl[r - 1])) continue;
        al->sa[r] = a, al->sb[r] = b, al->sl[r++] = k;
    }
    return r;
}

/* Step e: the pairs of occurrences of the common id with the fewest combinations, as runs of 1. */
static size_t rare_pairs(aligner *al, uint32_t a0, uint32_t a1, uint32_t b0, uint32_t b1) {
    uint64_t best = UINT64_MAX;
    uint32_t id = 0;
    size_t ka = 0, kb = 0;
    for (uint32_t i = a0; i < a1; i++) al->cnt_a[al->A[i]]++;
    for (uint32_t j = b0; j < b1; j++) al->cnt_b[al->B[j]]++;
    for (uint32_t i = a0; i < a1; i++) {
        uint32_t x = al->A[i];
        uint64_t pr = (uint64_t)al->cnt_a[x] * al->cnt_b[x];
        if (pr && (pr < best || (pr == best && x < id))) best = pr, id = x;
    }
    for (uint32_t i = a0; i < a1; i++) al->cnt_a[al->A[i]] = 0;
    for (uint32_t j = b0; j < b1; j++) al->cnt_b[al->B[j]] = 0;
    if (best == UINT64_MAX) return 0;
    for (uint32_t i = a0; i < a1; i++)
        if (al->A[i] == id) al->sa[ka++] = i;
    for (uint32_t j = b0; j < b1; j++)
        if (al->B[j] == id && kb < ka) al->sl[kb] = 1, al->sb[kb++] = j;
    return kb;
}

/* Anchors of A[a0,a1), B[b0,b1) as runs of matches in sa/sb/sl (steps d, e); their number in *nr (0: no common
** id).  0, or -1 if memory ran out. */
static int anchors(aligner *al, uint32_t a0, uint32_t a1, uint32_t b0, uint32_t b1, size_t *nr) {
    for (uint32_t k = 1; k <= LT_ALIGN_GRAM_MAX && k <= a1 - a0 && k <= b1 - b0; k *= 2) {
        int64_t c = gram_candidates(al, a0, a1, b0, b1, k);
        if (c < 0) return -1;
        if (c) {
            *nr = make_runs(al, patience(al, (size_t)c), k);
            return 0;
        }
    }
    *nr = rare_pairs(al, a0, a1, b0, b1);
    return 0;
}

/* Steps b-f for a range pair without a common prefix or suffix. */
static int align_middle(aligner *al, uint32_t a0, uint32_t a1, uint32_t b0, uint32_t b1) {
    if (a0 == a1 || b0 == b1) {
        for (uint32_t i = a0; i < a1; i++)
            if (emit(al, i, b0, OP_DEL)) return -1;
        for (uint32_t j = b0; j < b1; j++)
            if (emit(al, a0, j, OP_INS)) return -1;
        return 0;
    }
    if ((uint64_t)(a1 - a0) * (b1 - b0) <= LT_ALIGN_CELLS) return align_dp(al, a0, a1, b0, b1);
    size_t k;
    if (anchors(al, a0, a1, b0, b1, &k)) return -1;
    if (k == 0) {
        for (uint32_t i = 0; a0 + i < a1 || b0 + i < b1; i++) {
            uint8_t op = a0 + i < a1 && b0 + i < b1 ? OP_SUB : a0 + i < a1 ? OP_DEL : OP_INS;
            if (emit(al, a0 + i, b0 + i, op)) return -1;
        }
        return 0;
    }
    /* frames in reverse: the gap after the last run, then each run and the gap before it */
    const uint32_t *sa = al->sa, *sb = al->sb, *sl = al->sl;
    if (push_frame(al, sa[k - 1] + sl[k - 1], a1, sb[k - 1] + sl[k - 1], b1, 0)) return -1;
    for (size_t r = k; r > 0; r--) {
        uint32_t pa = r > 1 ? sa[r - 2] + sl[r - 2] : a0, pb = r > 1 ? sb[r - 2] + sl[r - 2] : b0;
        if (push_frame(al, sa[r - 1], sa[r - 1] + sl[r - 1], sb[r - 1], sb[r - 1] + sl[r - 1], 1) ||
            push_frame(al, pa, sa[r - 1], pb, sb[r - 1], 0))
            return -1;
    }
    return 0;
}

/* One range pair (steps a-f). */
static int align_range(aligner *al, uint32_t a0, uint32_t a1, uint32_t b0, uint32_t b1) {
    while (a0 < a1 && b0 < b1 && al->A[a0] == al->B[b0])
        if (emit(al, a0++, b0++, OP_MATCH)) return -1;
    uint32_t s = 0;
    while (a1 - s > a0 && b1 - s > b0 && al->A[a1 - s - 1] == al->B[b1 - s - 1]) s++;
    if (s && push_frame(al, a1 - s, a1, b1 - s, b1, 1)) return -1;
    return align_middle(al, a0, a1 - s, b0, b1 - s);
}

static void aligner_free(aligner *al) {
    llmz_free(al->ops);
    llmz_free(al->st);
    llmz_free(al->cnt_a);
    llmz_free(al->cnt_b);
    llmz_free(al->sa);
    llmz_free(al->sb);
    llmz_free(al->sl);
    llmz_free(al->gt);
    llmz_free(al->prev);
    llmz_free(al->top);
    llmz_free(al->dir);
    llmz_free(al->row);
    memset(al, 0, sizeof *al);
}

/* Align A[0,na) and B[0,nb) (ids below nids) into al->ops (the caller frees al with aligner_free).  0 or -1. */
static int align(aligner *al, const uint32_t *A, size_t na, const uint32_t *B, size_t nb, size_t nids, int sub) {
    memset(al, 0, sizeof *al);
    al->A = A, al->B = B, al->sub = sub;
    size_t k = (na > nb ? na : nb) + 1;
    al->cnt_a = llmz_calloc(nids + 1, sizeof(uint32_t));
    al->cnt_b = llmz_calloc(nids + 1, sizeof(uint32_t));
    al->sa = llmz_malloc(k * sizeof(uint32_t));
    al->sb = llmz_malloc(k * sizeof(uint32_t));
    al->sl = llmz_malloc(k * sizeof(uint32_t));
    al->prev = llmz_malloc(k * sizeof(uint32_t));
    al->top = llmz_malloc(k * sizeof(uint32_t));
    if (!al->cnt_a || !al->cnt_b || !al->sa || !al->sb || !al->sl || !al->prev || !al->top) return -1;
    if (push_frame(al, 0, (uint32_t)na, 0, (uint32_t)nb, 0)) return -1;
    while (al->n_st > 0) {
        al_frame f = al->st[--al->n_st];
        if (!f.run) {
            if (align_range(al, f.a0, f.a1, f.b0, f.b1)) return -1;
            continue;
        }
        for (uint32_t i = 0; i < f.a1 - f.a0; i++)
            if (emit(al, f.a0 + i, f.b0 + i, OP_MATCH)) return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- chrF */

/* Python's str.split() whitespace. */
static int py_space(uint32_t cp) {
    return (cp >= 9 && cp <= 13) || (cp >= 0x1C && cp <= 0x20) || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F ||
           cp == 0x3000;
}

/* The code points of s without whitespace into *out (llmz_malloc'd), their number in *k. */
static int cps_of(const uint8_t *s, size_t n, uint32_t **out, size_t *k) {
    *k = 0;
    *out = llmz_malloc((n + 1) * sizeof **out);
    if (!*out) return -1;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        i += lt_utf8_next(s, n, i, &cp);
        if (!py_space(cp)) (*out)[(*k)++] = cp;
    }
    return 0;
}

static uint64_t gram_hash(const uint32_t *g, size_t n) {
    uint64_t h = 0x9E3779B97F4A7C15u * (n + 1);
    for (size_t i = 0; i < n; i++) h = (h ^ g[i]) * 0xff51afd7ed558ccdu;
    return h ^ h >> 32;
}

typedef struct {
    uint32_t pos, count; /* pos UINT32_MAX: empty */
} gram_slot;

/* The matches of the n-grams of h (hyp) in r (ref): the sum over n-grams of min(count in h, count in r). */
static int gram_matches(const uint32_t *r, size_t nr, const uint32_t *h, size_t nh, size_t n, gram_slot *tab,
                        size_t mask, uint64_t *match) {
    *match = 0;
    for (size_t i = 0; i <= mask; i++) tab[i].pos = UINT32_MAX, tab[i].count = 0;
    for (size_t i = 0; i + n <= nr; i++) {
        size_t s = (size_t)gram_hash(r + i, n) & mask;
        while (tab[s].pos != UINT32_MAX && memcmp(r + tab[s].pos, r + i, n * sizeof *r)) s = (s + 1) & mask;
        if (tab[s].pos == UINT32_MAX) tab[s].pos = (uint32_t)i;
        tab[s].count++;
    }
    for (size_t i = 0; i + n <= nh; i++) {
        size_t s = (size_t)gram_hash(h + i, n) & mask;
        while (tab[s].pos != UINT32_MAX && memcmp(r + tab[s].pos, h + i, n * sizeof *r)) s = (s + 1) & mask;
        if (tab[s].pos != UINT32_MAX && tab[s].count) tab[s].count--, (*match)++;
    }
    return 0;
}

/* chrF x 10000 of hyp against ref (text.h, lt_metrics.chrf); -1 if memory ran out. */
static int64_t chrf(const uint8_t *ref, size_t rn, const uint8_t *hyp, size_t hn) {
    uint32_t *r = NULL, *h = NULL;
    size_t nr, nh, sz = 64;
    gram_slot *tab = NULL;
    if (cps_of(ref, rn, &r, &nr) || cps_of(hyp, hn, &h, &nh)) goto nomem;
    while (sz < nr * 2 + 2) sz *= 2;
    if (!(tab = llmz_malloc(sz * sizeof *tab))) goto nomem;
    double avg_p = 0.0, avg_r = 0.0;
    int eff = 0;
    for (size_t n = 1; n <= 6; n++) {
        if (nr < n || nh < n) continue;
        uint64_t m;
        gram_matches(r, nr, h, nh, n, tab, sz - 1, &m);
        avg_p += (double)m / (double)(nh - n + 1);
        avg_r += (double)m / (double)(nr - n + 1);
        eff++;
    }
    llmz_free(r);
    llmz_free(h);
    llmz_free(tab);
    if (eff == 0) return 0;
    avg_p /= eff;
    avg_r /= eff;
    if (avg_p + avg_r == 0.0) return 0;
    double score = (1.0 + 4.0) * avg_p * avg_r;
    score /= 4.0 * avg_p + avg_r;
    return scaled(score, 1.0);
nomem:
    llmz_free(r);
    llmz_free(h);
    llmz_free(tab);
    return -1;
}

/* ---------------------------------------------------------------- lt_measure */

typedef struct {
    uint8_t *f; /* the folded text */
    size_t fn;
    lt_doc d;
    uint32_t *w; /* word pieces */
    size_t nw;
    uint32_t *id, *lid, *item; /* per word: exact id, case-folded id; per item: id */
} side;

typedef struct {
    side o, r;
    interner words, lower, items;
    uint8_t *low; /* case-folded words of both sides, back to back */
    size_t n_low, cap_low;
    uint32_t *low_off;  /* per word (original's, then reconstruction's): start in low; one more at the end */
    uint8_t *in_orig;   /* per case-folded id: occurs in the original */
    uint32_t *new_line; /* when record: the reconstruction's line (its '\n's before) of each new content word */
    size_t n_new, cap_new;
    int record;
} meas;

static void side_free(side *s) {
    llmz_free(s->f);
    lt_doc_free(&s->d);
    llmz_free(s->w);
    llmz_free(s->id);
    llmz_free(s->lid);
    llmz_free(s->item);
}

static int side_init(side *s, const uint8_t *t, size_t n) {
    if (lt_fold_cps(t, n, &s->f, &s->fn) || lt_parse(&s->d, s->f, s->fn)) return -1;
    size_t k = 0;
    for (size_t i = 0; i < s->d.n; i++) k += s->d.p[i].kind == LT_WORD || s->d.p[i].kind == LT_NUMBER;
    s->w = llmz_malloc((k + 1) * sizeof *s->w);
    s->id = llmz_malloc((k + 1) * sizeof *s->id);
    s->lid = llmz_malloc((k + 1) * sizeof *s->lid);
    s->item = llmz_malloc((s->d.n_items + 1) * sizeof *s->item);
    if (!s->w || !s->id || !s->lid || !s->item) return -1;
    for (size_t i = 0; i < s->d.n; i++)
        if (s->d.p[i].kind == LT_WORD || s->d.p[i].kind == LT_NUMBER) s->w[s->nw++] = (uint32_t)i;
    return 0;
}

/* Append the case-folded word piece to m->low. */
static int lower_word(meas *m, const side *s, uint32_t piece) {
    const lt_piece *p = &s->d.p[piece];
    if (lt_grow(&m->low, &m->cap_low, m->n_low + (size_t)p->len * 2 + 8, 1)) return -1;
    for (size_t i = p->off; i < p->off + p->len;) {
        uint32_t cp;
        i += lt_utf8_next(s->f, s->fn, i, &cp);
        m->n_low += lt_utf8_put(lt_lower_cp(cp), m->low + m->n_low);
    }
    return 0;
}

/* Word ids, case-folded ids and item ids of both sides. */
static int make_ids(meas *m) {
    side *sd[2] = {&m->o, &m->r};
    size_t nw = m->o.nw + m->r.nw, at = 0;
    if (intern_init(&m->words, nw) || intern_init(&m->lower, nw) ||
        intern_init(&m->items, m->o.d.n_items + m->r.d.n_items) || !(m->low_off = llmz_malloc((nw + 1) * 4)))
        return -1;
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < sd[k]->nw; i++) {
            const lt_piece *p = &sd[k]->d.p[sd[k]->w[i]];
            sd[k]->id[i] = intern(&m->words, sd[k]->f + p->off, p->len);
            m->low_off[at++] = (uint32_t)m->n_low;
            if (lower_word(m, sd[k], sd[k]->w[i])) return -1;
        }
    m->low_off[at] = (uint32_t)m->n_low;
    at = 0;
    for (int k = 0; k < 2; k++) {
        for (size_t i = 0; i < sd[k]->nw; i++, at++)
            sd[k]->lid[i] = intern(&m->lower, m->low + m->low_off[at], m->low_off[at + 1] - m->low_off[at]);
        for (size_t i = 0; i < sd[k]->d.n_items; i++)
            sd[k]->item[i] = intern(&m->items, sd[k]->f + sd[k]->d.items[i].off, sd[k]->d.items[i].len);
    }
    return 0;
}

/* The case-folded text of word i of the original (side 0) or the reconstruction (side 1). */
static const char *low_word(const meas *m, int sd, size_t i, size_t *len) {
    size_t at = sd ? m->o.nw + i : i;
    *len = m->low_off[at + 1] - m->low_off[at];
    return (const char *)m->low + m->low_off[at];
}

static int is_content(const side *s, size_t i) { return (s->d.p[s->w[i]].flags & LT_F_CONTENT) != 0; }

/* Content-word recall and the set of the original's case-folded words. */
static int recall_of(meas *m, lt_metrics *mt) {
    uint32_t *cnt = llmz_calloc(m->lower.n + 1, sizeof *cnt);
    m->in_orig = llmz_calloc(m->lower.n + 1, 1);
    if (!cnt || !m->in_orig) {
        llmz_free(cnt);
        return -1;
    }
    uint64_t hit = 0;
    for (size_t i = 0; i < m->r.nw; i++) cnt[m->r.lid[i]]++;
    for (size_t i = 0; i < m->o.nw; i++) {
        m->in_orig[m->o.lid[i]] = 1;
        if (!is_content(&m->o, i)) continue;
        mt->content_words++;
        if (cnt[m->o.lid[i]]) cnt[m->o.lid[i]]--, hit++;
    }
    mt->recall = mt->content_words ? scaled((double)hit, (double)mt->content_words) : 10000;
    llmz_free(cnt);
    return 0;
}

/* 1 if the new word w (reconstruction word j) of the region ops[r0, r1) is excused (text.h, new_content). */
static int excused(const meas *m, const al_op *ops, size_t r0, size_t r1, size_t at, lt_equiv_fn eq, void *ctx) {
    size_t wl, ol, n_orig = 0;
    const char *w = low_word(m, 1, ops[at].b, &wl);
    if (!eq) return 0;
    for (size_t k = r0; k < r1; k++) n_orig += ops[k].op != OP_INS;
    for (size_t k = r0; k < r1; k++) {
        if (ops[k].op == OP_INS || (n_orig > LT_EQUIV_REGION && k != at)) continue;
        const char *o = low_word(m, 0, ops[k].a, &ol);
        if (eq(ctx, o, ol, w, wl)) return 1;
    }
    return 0;
}

/* The line of the reconstruction's word j: its line breaks before it, counted on from *at / *line. */
static uint32_t line_of(const side *r, size_t j, size_t *at, uint32_t *line) {
    for (uint32_t off = r->d.p[r->w[j]].off; *at < off; ++*at) *line += r->f[*at] == '\n';
    return *line;
}

static int new_content_of(meas *m, const aligner *al, lt_equiv_fn eq, void *ctx, lt_metrics *mt) {
    size_t at = 0;
    uint32_t line = 0;
    uint64_t cost = 0;
    for (size_t r0 = 0; r0 < al->n_ops;) {
        if (al->ops[r0].op == OP_MATCH) {
            r0++;
            continue;
        }
        size_t r1 = r0;
        while (r1 < al->n_ops && al->ops[r1].op != OP_MATCH) r1++;
        for (size_t k = r0; k < r1; k++) {
            const al_op *op = &al->ops[k];
            cost++;
            if (op->op == OP_DEL || !is_content(&m->r, op->b) || m->in_orig[m->r.lid[op->b]]) continue;
            if (excused(m, al->ops, r0, r1, k, eq, ctx)) continue;
            mt->new_content++;
            if (!m->record) continue;
            if (lt_grow(&m->new_line, &m->cap_new, m->n_new + 1, sizeof *m->new_line) != 0) return -1;
            m->new_line[m->n_new++] = line_of(&m->r, op->b, &at, &line);
        }
        r0 = r1;
    }
    mt->wer = scaled((double)cost, (double)(mt->words ? mt->words : 1));
    return 0;
}

/* prot_kept (the matches of the item alignment) and prot_invented. */
static int items_of(meas *m, lt_metrics *mt) {
    aligner al;
    memset(&al, 0, sizeof al);
    size_t no = m->o.d.n_items, nr = m->r.d.n_items;
    uint32_t *cnt = llmz_calloc(m->items.n + 1, sizeof *cnt);
    int r = !cnt || align(&al, m->o.item, no, m->r.item, nr, m->items.n, 2) ? -1 : 0;
    for (size_t k = 0; !r && k < al.n_ops; k++) mt->prot_kept += al.ops[k].op == OP_MATCH;
    for (size_t i = 0; !r && i < no; i++) cnt[m->o.item[i]]++;
    for (size_t i = 0; !r && i < nr; i++) {
        if (cnt[m->r.item[i]])
            cnt[m->r.item[i]]--;
        else
            mt->prot_invented++;
    }
    mt->prot_total = (uint32_t)no;
    aligner_free(&al);
    llmz_free(cnt);
    return r;
}

static int measure(meas *m, const uint8_t *orig, size_t on, const uint8_t *recon, size_t rn, lt_equiv_fn eq, void *ctx,
                   lt_metrics *mt) {
    aligner al;
    if (side_init(&m->o, orig, on) || side_init(&m->r, recon, rn) || make_ids(m)) return -1;
    mt->words = (uint32_t)m->o.nw;
    mt->words_recon = (uint32_t)m->r.nw;
    mt->words_equal_folded = m->o.nw == m->r.nw && !memcmp(m->o.id, m->r.id, m->o.nw * sizeof *m->o.id);
    if (recall_of(m, mt) || items_of(m, mt)) return -1;
    int r = align(&al, m->o.id, m->o.nw, m->r.id, m->r.nw, m->words.n, 1);
    if (!r) r = new_content_of(m, &al, eq, ctx, mt);
    aligner_free(&al);
    if (r) return -1;
    int64_t c = chrf(m->o.f, m->o.fn, m->r.f, m->r.fn);
    if (c < 0) return -1;
    mt->chrf = (uint32_t)c;
    return 0;
}

/* lt_measure, and with lines non-NULL the lines of the new content words into *lines (*n_lines of them). */
static int measure_lines(const uint8_t *orig, size_t on, const uint8_t *recon, size_t rn, lt_equiv_fn eq, void *ctx,
                         lt_metrics *mt, uint32_t **lines, size_t *n_lines) {
    if (!mt || (!orig && on) || (!recon && rn)) return LLMZ_ERR_PARAM;
    memset(mt, 0, sizeof *mt);
    if (on >= ((size_t)1 << 31) || rn >= ((size_t)1 << 31)) return LLMZ_ERR_PARAM;
    meas m;
    memset(&m, 0, sizeof m);
    m.record = lines != NULL;
    int r = measure(&m, orig, on, recon, rn, eq, ctx, mt);
    if (lines && !r) {
        *lines = m.new_line;
        *n_lines = m.n_new;
        m.new_line = NULL;
    }
    llmz_free(m.new_line);
    side_free(&m.o);
    side_free(&m.r);
    intern_free(&m.words);
    intern_free(&m.lower);
    intern_free(&m.items);
    llmz_free(m.low);
    llmz_free(m.low_off);
    llmz_free(m.in_orig);
    if (r) {
        memset(mt, 0, sizeof *mt);
        return LLMZ_ERR_NOMEM;
    }
    return LLMZ_OK;
}

int lt_measure(const uint8_t *orig, size_t on, const uint8_t *recon, size_t rn, lt_equiv_fn eq, void *ctx,
               lt_metrics *mt) {
    return measure_lines(orig, on, recon, rn, eq, ctx, mt, NULL, NULL);
}

int lt_new_content_lines(const uint8_t *orig, size_t on, const uint8_t *recon, size_t rn, lt_equiv_fn eq, void *ctx,
                         uint32_t **lines, size_t *n) {
    lt_metrics mt;
    if (!lines || !n) return LLMZ_ERR_PARAM;
    *lines = NULL;
    *n = 0;
    return measure_lines(orig, on, recon, rn, eq, ctx, &mt, lines, n);
}

/* ---------------------------------------------------------------- lt_diff (text.h) */

/* The pieces of d that take part in a diff: all but blanks and line breaks. */
static size_t solid_pieces(const lt_doc *d, uint32_t *out) {
    size_t k = 0;
    for (size_t i = 0; i < d->n; i++)
        if (d->p[i].kind != LT_SPACE && d->p[i].kind != LT_NEWLINE) out[k++] = (uint32_t)i;
    return k;
}

static uint32_t piece_end(const lt_doc *d, uint32_t i) { return d->p[i].off + d->p[i].len; }

/* Close the edit region ops[r0, r1) into a span of both texts (the blanks inside it included). */
static int diff_region(const al_op *ops, size_t r0, size_t r1, const lt_doc *da, const uint32_t *pa, const lt_doc *db,
                       const uint32_t *pb, size_t na, size_t nb, lt_edit **out, size_t *n, size_t *cap) {
    uint32_t a0 = UINT32_MAX, a1 = 0, b0 = UINT32_MAX, b1 = 0;
    for (size_t k = r0; k < r1; k++) {
        if (ops[k].op != OP_INS) {
            const lt_piece *p = &da->p[pa[ops[k].a]];
            if (p->off < a0) a0 = p->off;
            if (p->off + p->len > a1) a1 = p->off + p->len;
        }
        if (ops[k].op != OP_DEL) {
            const lt_piece *p = &db->p[pb[ops[k].b]];
            if (p->off < b0) b0 = p->off;
            if (p->off + p->len > b1) b1 = p->off + p->len;
        }
    }
    /* an empty side sits where the other side's neighbours put it: after the previous match */
    if (a0 == UINT32_MAX) a0 = a1 = r0 > 0 && ops[r0 - 1].a < na ? piece_end(da, pa[ops[r0 - 1].a]) : 0;
    if (b0 == UINT32_MAX) b0 = b1 = r0 > 0 && ops[r0 - 1].b < nb ? piece_end(db, pb[ops[r0 - 1].b]) : 0;
    if (lt_grow(out, cap, *n + 1, sizeof **out)) return -1;
    lt_edit *e = &(*out)[(*n)++];
    e->a_off = a0, e->a_len = a1 - a0, e->b_off = b0, e->b_len = b1 - b0;
    return 0;
}

int lt_diff(const uint8_t *a, size_t an, const uint8_t *b, size_t bn, lt_edit **out, size_t *n_out) {
    if (!out || !n_out || (!a && an) || (!b && bn)) return LLMZ_ERR_PARAM;
    *out = NULL;
    *n_out = 0;
    if (an >= ((size_t)1 << 31) || bn >= ((size_t)1 << 31)) return LLMZ_ERR_PARAM;
    lt_doc da, db;
    memset(&db, 0, sizeof db);
    int rc = lt_parse(&da, a, an);
    if (rc != LLMZ_OK) return rc;
    if ((rc = lt_parse(&db, b, bn)) != LLMZ_OK) {
        lt_doc_free(&da);
        return rc;
    }
    uint32_t *pa = llmz_malloc((da.n + 1) * sizeof *pa), *pb = llmz_malloc((db.n + 1) * sizeof *pb);
    uint32_t *A = llmz_malloc((da.n + 1) * sizeof *A), *B = llmz_malloc((db.n + 1) * sizeof *B);
    interner t;
    aligner al;
    size_t cap = 0, na = 0, nb = 0;
    memset(&al, 0, sizeof al);
    int bad = !pa || !pb || !A || !B || intern_init(&t, da.n + db.n + 1);
    if (!bad) {
        na = solid_pieces(&da, pa);
        nb = solid_pieces(&db, pb);
        for (size_t i = 0; i < na; i++) A[i] = intern(&t, a + da.p[pa[i]].off, da.p[pa[i]].len);
        for (size_t i = 0; i < nb; i++) B[i] = intern(&t, b + db.p[pb[i]].off, db.p[pb[i]].len);
        bad = align(&al, A, na, B, nb, t.n, 1);
    }
    for (size_t k = 0; !bad && k < al.n_ops;) { /* regions: maximal runs of edits */
        if (al.ops[k].op == OP_MATCH) {
            k++;
            continue;
        }
        size_t r0 = k;
        while (k < al.n_ops && al.ops[k].op != OP_MATCH) k++;
        bad = diff_region(al.ops, r0, k, &da, pa, &db, pb, na, nb, out, n_out, &cap);
    }
    aligner_free(&al);
    intern_free(&t);
    llmz_free(pa);
    llmz_free(pb);
    llmz_free(A);
    llmz_free(B);
    lt_doc_free(&da);
    lt_doc_free(&db);
    if (bad) {
        llmz_free(*out);
        *out = NULL;
        *n_out = 0;
        return LLMZ_ERR_NOMEM;
    }
    return LLMZ_OK;
}
