/*
** guard.c -- protected items checked on the result of a rewriting (guard.h).
*/
#include "lossy/guard.h"

#include <string.h>

#include "common/mem.h"

#define GUARD_ROUNDS      8  /* levels 1-2: undo rounds before every line is put back */
#define GUARD_SEED_ROUNDS 32 /* level 3: rounds before no sentence is kept */

/* A text folded (text.h, lt_fold_cps) and parsed: its items and where its lines start. */
typedef struct {
    uint8_t *f;
    size_t n;
    lt_doc d;
    uint32_t *line; /* per item: the line it starts on */
} folded;

static void folded_free(folded *x) {
    llmz_free(x->f);
    lt_doc_free(&x->d);
    llmz_free(x->line);
    memset(x, 0, sizeof *x);
}

static int fold_parse(folded *x, const uint8_t *s, size_t n) {
    memset(x, 0, sizeof *x);
    int rc = lt_fold_cps(s, n, &x->f, &x->n);
    if (rc == LLMZ_OK) rc = lt_parse(&x->d, x->f, x->n);
    if (rc == LLMZ_OK && !(x->line = llmz_malloc((x->d.n_items + 1) * sizeof *x->line))) rc = LLMZ_ERR_NOMEM;
    for (size_t i = 0, at = 0, ln = 0; rc == LLMZ_OK && i < x->d.n_items; i++) {
        for (; at < x->d.items[i].off; at++) ln += x->f[at] == '\n';
        x->line[i] = (uint32_t)ln;
    }
    return rc;
}

static int same_item(const folded *a, size_t i, const folded *b, size_t j) {
    const lt_item *x = &a->d.items[i], *y = &b->d.items[j];
    return x->len == y->len && x->cls == y->cls && memcmp(a->f + x->off, b->f + y->off, x->len) == 0;
}

/* Line starts of s (lines[k]: the first byte of line k; lines[count] = n). */
static uint32_t *line_starts(const uint8_t *s, size_t n, size_t *count) {
    size_t k = 1;
    for (size_t i = 0; i < n; i++) k += s[i] == '\n';
    uint32_t *l = llmz_malloc((k + 1) * sizeof *l);
    if (!l) return NULL;
    k = 0;
    l[k++] = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '\n') l[k++] = (uint32_t)(i + 1);
    l[k] = (uint32_t)n;
    *count = k;
    return l;
}

/* Mark the lines (bad[]) whose items differ between a and b. */
static void differing_lines(const folded *a, const folded *b, uint8_t *bad, size_t lines) {
    size_t i = 0, j = 0;
    for (size_t ln = 0; ln < lines; ln++) {
        size_t i1 = i, j1 = j;
        while (i1 < a->d.n_items && a->line[i1] == ln) i1++;
        while (j1 < b->d.n_items && b->line[j1] == ln) j1++;
        int differ = i1 - i != j1 - j;
        for (size_t k = 0; !differ && k < i1 - i; k++) differ = !same_item(a, i + k, b, j + k);
        bad[ln] = (uint8_t)differ;
        i = i1;
        j = j1;
    }
}

/* The lines bad[] marks (of na, starting at la[] in s) put back into out (its lines at *lb, *nb of them: recomputed);
** *reverted counts those that differed. */
static int put_back(const uint8_t *s, const uint32_t *la, size_t na, const uint8_t *bad, lbuf *out, uint32_t **lb,
                    size_t *nb, uint32_t *reverted) {
    lbuf t = {0};
    int rc = LLMZ_OK;
    const uint32_t *l = *lb;
    for (size_t k = 0; rc == LLMZ_OK && k < na; k++) {
        *reverted += bad[k] && (k >= *nb || l[k + 1] - l[k] != la[k + 1] - la[k] ||
                                memcmp(out->p + l[k], s + la[k], la[k + 1] - la[k]) != 0);
        rc = bad[k] || k >= *nb ? lbuf_put(&t, s + la[k], la[k + 1] - la[k])
                                : lbuf_put(&t, out->p + l[k], l[k + 1] - l[k]);
    }
    llmz_free(out->p);
    *out = t;
    llmz_free(*lb);
    if (rc == LLMZ_OK && !(*lb = line_starts(out->p, out->n, nb))) rc = LLMZ_ERR_NOMEM;
    return rc;
}

int guard_lines(const uint8_t *s, size_t n, lbuf *out, uint32_t *reverted) {
    size_t na, nb;
    uint32_t *la = line_starts(s, n, &na), *lb = line_starts(out->p, out->n, &nb);
    uint8_t *bad = la ? llmz_calloc(na + 1, 1) : NULL;
    int rc = la && lb && bad ? LLMZ_OK : LLMZ_ERR_NOMEM;
    folded a; /* the original, folded and parsed once */
    memset(&a, 0, sizeof a);
    *reverted = 0;
    if (rc == LLMZ_OK) rc = fold_parse(&a, s, n);
    for (int round = 0; rc == LLMZ_OK && round <= GUARD_ROUNDS; round++) {
        folded b;
        int any = 0;
        if (na != nb) { /* lines were joined or split: every line back (levels 1-2 make neither) */
            memset(bad, 1, na);
            any = 1;
        } else if ((rc = fold_parse(&b, out->p, out->n)) == LLMZ_OK) {
            differing_lines(&a, &b, bad, na);
            for (size_t k = 0; k < na; k++) any |= bad[k];
        }
        if (na == nb) folded_free(&b);
        if (rc != LLMZ_OK || !any) break;
        if (round == GUARD_ROUNDS) memset(bad, 1, na); /* the last round: every line back */
        rc = put_back(s, la, na, bad, out, &lb, &nb, reverted);
    }
    folded_free(&a);
    llmz_free(la);
    llmz_free(lb);
    llmz_free(bad);
    return rc;
}

int guard_new_words(const uint8_t *s, size_t n, lbuf *out, lt_equiv_fn eq, void *ctx, uint32_t *reverted) {
    size_t na, nb, nw = 0;
    uint32_t *la = line_starts(s, n, &na), *lb = line_starts(out->p, out->n, &nb), *w = NULL;
    uint8_t *bad = la ? llmz_calloc(na + 1, 1) : NULL;
    int rc = la && lb && bad ? LLMZ_OK : LLMZ_ERR_NOMEM;
    *reverted = 0;
    for (int round = 0; rc == LLMZ_OK && na == nb && round <= GUARD_ROUNDS; round++) {
        llmz_free(w);
        w = NULL;
        if ((rc = lt_new_content_lines(s, n, out->p, out->n, eq, ctx, &w, &nw)) != LLMZ_OK || nw == 0) break;
        memset(bad, 0, na);
        for (size_t k = 0; k < nw; k++) bad[w[k] < na ? w[k] : na - 1] = 1;
        if (round == GUARD_ROUNDS) memset(bad, 1, na); /* the last round: every line back */
        rc = put_back(s, la, na, bad, out, &lb, &nb, reverted);
    }
    llmz_free(w);
    llmz_free(la);
    llmz_free(lb);
    llmz_free(bad);
    return rc;
}

int guard_same_reading(const uint8_t *a, size_t an, const uint8_t *b, size_t bn) {
    folded x, y;
    int rc = fold_parse(&x, a, an), same = 0;
    if (rc == LLMZ_OK && (rc = fold_parse(&y, b, bn)) == LLMZ_OK) {
        same = x.d.n_items == y.d.n_items && x.d.n_sent == y.d.n_sent && x.d.n_para == y.d.n_para;
        for (size_t i = 0; same && i < x.d.n_items; i++) same = same_item(&x, i, &y, i);
        folded_free(&y);
    }
    folded_free(&x);
    return rc == LLMZ_OK ? same : -rc;
}

/* The counts of each item string of a (by its first occurrence's index), for the multiset comparison. */
static int item_counts(const folded *a, const folded *b, uint32_t *over_b) {
    /* over_b[j] = 1 when item j of b is one of more copies of its string than a holds (a quadratic walk is avoided:
    ** the texts' items are compared through a small open-addressing table of their strings) */
    size_t na = a->d.n_items, nb = b->d.n_items, cap = 64;
    while (cap < 2 * (na + nb) + 2) cap *= 2;
    int32_t *slot = llmz_malloc(cap * sizeof *slot); /* item index in a (>= 0) or b (-1 - j) of a string's first */
    int64_t *cnt = llmz_calloc(cap, sizeof *cnt);    /* count in a minus count in b, per slot */
    if (!slot || !cnt) {
        llmz_free(slot);
        llmz_free(cnt);
        return LLMZ_ERR_NOMEM;
    }
    for (size_t k = 0; k < cap; k++) slot[k] = INT32_MIN;
    size_t *where = llmz_malloc((nb + 1) * sizeof *where);
    for (int pass = 0; where && pass < 2; pass++) {
        const folded *x = pass ? b : a;
        for (size_t i = 0; i < x->d.n_items; i++) {
            const lt_item *it = &x->d.items[i];
            uint32_t h = 2166136261u;
            for (uint32_t q = 0; q < it->len; q++) h = (h ^ x->f[it->off + q]) * 16777619u;
            size_t k = (h ^ it->cls) & (cap - 1);
            for (;; k = (k + 1) & (cap - 1)) {
                if (slot[k] == INT32_MIN) {
                    slot[k] = pass ? -1 - (int32_t)i : (int32_t)i;
                    break;
                }
                int32_t e = slot[k];
                if (e >= 0 ? same_item(a, (size_t)e, x, i) : same_item(b, (size_t)(-1 - e), x, i)) break;
            }
            cnt[k] += pass ? -1 : 1;
            if (pass) where[i] = k;
        }
    }
    for (size_t j = 0; where && j < nb; j++) over_b[j] = cnt[where[j]] < 0;
    int rc = where ? LLMZ_OK : LLMZ_ERR_NOMEM;
    llmz_free(where);
    llmz_free(slot);
    llmz_free(cnt);
    return rc;
}

int guard_folded_len(const uint8_t *s, size_t n, size_t *len) {
    uint8_t *f;
    int rc = lt_fold_cps(s, n, &f, len);
    llmz_free(f);
    return rc;
}

int guard_seed(const uint8_t *s, size_t n, size_t n_sent, uint8_t *keep, guard_seed_fn seed, void *ctx, lbuf *out) {
    folded a, b;
    uint32_t *at = llmz_malloc((n_sent + 1) * sizeof *at);
    int rc = at ? fold_parse(&a, s, n) : LLMZ_ERR_NOMEM;
    for (int round = 0; rc == LLMZ_OK; round++) {
        out->n = 0;
        if ((rc = seed(ctx, keep, out, at)) != LLMZ_OK || (rc = fold_parse(&b, out->p, out->n)) != LLMZ_OK) break;
        uint32_t *over = llmz_malloc((b.d.n_items + 1) * sizeof *over);
        rc = over ? item_counts(&a, &b, over) : LLMZ_ERR_NOMEM;
        int any = 0;
        for (size_t j = 0; rc == LLMZ_OK && j < b.d.n_items; j++) {
            if (!over[j]) continue;
            size_t k = n_sent; /* the kept sentence holding it: the last one starting at or before it */
            for (size_t q = 0; q < n_sent; q++)
                if (keep[q] && at[q] <= b.d.items[j].off) k = q;
            /* an item is read anew when what comes before it changed (a capitalised word no longer after a full
            ** stop reads as a name): the sentence before it comes back; if it is there already, this one goes */
            if (k < n_sent && k > 0 && !keep[k - 1])
                keep[k - 1] = 1;
            else if (k < n_sent)
                keep[k] = 0;
            any = 1;
        }
        llmz_free(over);
        folded_free(&b);
        if (!any || round > GUARD_SEED_ROUNDS) break;
        if (round == GUARD_SEED_ROUNDS) memset(keep, 0, n_sent); /* the last resort: no sentence */
    }
    if (at) folded_free(&a);
    llmz_free(at);
    return rc;
}
