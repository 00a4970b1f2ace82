/*
** seed.c -- level 3: the seed, the sentences of the original that carry the most per bit, in their order.
**
** Each sentence's bits are measured by the model as the original is read (judge.h); its value is its content words
** (text.h), which is what content-word recall counts.  Sentences are taken by value per bit, the greatest first
** (ties: the earlier), while the bits taken stay within (100 - strength) percent of the whole; the rest are dropped,
** each with the blanks after it (a paragraph break is kept once).  Nothing is added: the decoder prints the seed, so
** no fact can appear that the original lacks.
*/
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "lossy/guard.h"
#include "lossy/judge.h"
#include "lossy/rewrite.h"

typedef struct {
    uint32_t i;      /* the sentence */
    uint32_t words;  /* its content words */
    double bits;
} sent_value;

/* Greater value per bit first; ties: the earlier sentence. */
static int by_value(const void *a, const void *b) {
    const sent_value *x = a, *y = b;
    double vx = (double)x->words * y->bits, vy = (double)y->words * x->bits; /* x.w / x.b against y.w / y.b */
    if (vx != vy) return vx > vy ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

/* Measuring the sentences part by part (rewrite.h: each part its own judge, parts on threads). */
typedef struct {
    const llmz_model *m;
    const uint8_t *s;
    size_t n;
    const lt_doc *d;
    sent_value *v;
    const uint32_t *bounds;
    size_t n_parts;
    int *rcs;
} measure_job;

/* The bits of every sentence of part k (with what lies between it and the next one) as the original is read; its
** content words. */
static int measure_part(const measure_job *mj, size_t k) {
    const lt_doc *d = mj->d;
    judge *j;
    int rc = judge_new(&j, mj->m, 1);
    size_t pi = 0;
    for (size_t i = 0; rc == LLMZ_OK && i < d->n_sent; i++) {
        const lt_span *sp = &d->sent[i];
        if (sp->off < mj->bounds[k] || sp->off >= mj->bounds[k + 1]) continue;
        size_t end = i + 1 < d->n_sent ? d->sent[i + 1].off : mj->n;
        if (end > mj->bounds[k + 1]) end = mj->bounds[k + 1];
        mj->v[i].i = (uint32_t)i;
        mj->v[i].words = 0;
        rc = judge_commit(j, mj->s + sp->off, end - sp->off, &mj->v[i].bits);
        if (pi < d->n && d->p[pi].off > sp->off) pi = 0;
        while (pi < d->n && d->p[pi].off < sp->off) pi++;
        for (; pi < d->n && d->p[pi].off < sp->off + sp->len; pi++)
            mj->v[i].words += (d->p[pi].flags & LT_F_CONTENT) != 0;
    }
    judge_free(j);
    return rc;
}

static void measure_member(void *arg, int i, int nt) {
    measure_job *mj = arg;
    for (size_t k = (size_t)i; k < mj->n_parts; k += (size_t)nt) mj->rcs[k] = measure_part(mj, k);
}

static int measure(const llmz_model *m, int threads, const uint8_t *s, size_t n, const lt_doc *d, sent_value *v) {
    uint32_t *bounds = llmz_malloc((d->n_para + 2) * sizeof *bounds);
    measure_job mj = {m, s, n, d, v, bounds, 0, NULL};
    int rc = bounds ? LLMZ_OK : LLMZ_ERR_NOMEM;
    if (rc == LLMZ_OK) {
        mj.n_parts = lossy_parts(d, n, bounds);
        if (!(mj.rcs = llmz_calloc(mj.n_parts, sizeof *mj.rcs))) rc = LLMZ_ERR_NOMEM;
    }
    if (rc == LLMZ_OK) lossy_run_parts(threads, mj.n_parts, measure_member, &mj);
    for (size_t k = 0; rc == LLMZ_OK && k < mj.n_parts; k++) rc = mj.rcs[k];
    llmz_free(mj.rcs);
    llmz_free(bounds);
    return rc;
}

static int has_break(const uint8_t *g, size_t n) {
    for (size_t i = 0; i + 1 < n; i++)
        if (g[i] == '\n' && g[i + 1] == '\n') return 1;
    return 0;
}

static int ends_with_break(const lbuf *b) { return b->n >= 2 && b->p[b->n - 1] == '\n' && b->p[b->n - 2] == '\n'; }

typedef struct {
    const uint8_t *s;
    size_t n;
    const lt_doc *d;
} seed_text;

/* The seed of the sentences keep[] marks (guard.h, guard_seed_fn): what comes before the first sentence, then each
** sentence kept with the blanks after it; a dropped one's paragraph break is kept once.  at[k]: where sentence k
** starts in the folded seed. */
static int seed_write(void *ctx, const uint8_t *keep, lbuf *out, uint32_t *at) {
    const seed_text *t = ctx;
    const lt_doc *d = t->d;
    size_t folded = 0, flen = 0;
    int rc = lbuf_put(out, t->s, d->sent[0].off);
    if (rc == LLMZ_OK) rc = guard_folded_len(t->s, d->sent[0].off, &folded);
    for (size_t k = 0; rc == LLMZ_OK && k < d->n_sent; k++) {
        size_t end = k + 1 < d->n_sent ? d->sent[k + 1].off : t->n, stop = d->sent[k].off + d->sent[k].len;
        at[k] = UINT32_MAX;
        size_t from = out->n;
        if (keep[k]) {
            at[k] = (uint32_t)folded;
            rc = lbuf_put(out, t->s + d->sent[k].off, end - d->sent[k].off);
        } else if (has_break(t->s + stop, end - stop) && out->n > 0 && !ends_with_break(out)) {
            int one = out->p[out->n - 1] == '\n';
            rc = lbuf_put(out, one ? "\n" : "\n\n", one ? 1 : 2);
        }
        if (rc == LLMZ_OK) rc = guard_folded_len(out->p + from, out->n - from, &flen);
        folded += flen;
    }
    return rc;
}

int seed_select(const llmz_model *m, int threads, int strength, const uint8_t *s, size_t n, const lt_doc *d,
                lbuf *out, uint32_t *changes) {
    *changes = 0;
    if (d->n_sent == 0) return lbuf_put(out, s, n);
    sent_value *v = llmz_malloc(d->n_sent * sizeof *v);
    uint8_t *keep = llmz_calloc(d->n_sent, 1);
    int rc = v && keep ? measure(m, threads, s, n, d, v) : LLMZ_ERR_NOMEM;
    if (rc == LLMZ_OK) {
        double total = 0.0, taken = 0.0;
        for (size_t k = 0; k < d->n_sent; k++) total += v[k].bits;
        double budget = total * (double)(100 - strength) / 100.0;
        qsort(v, d->n_sent, sizeof *v, by_value);
        for (size_t k = 0; k < d->n_sent; k++)
            if (taken + v[k].bits <= budget) {
                taken += v[k].bits;
                keep[v[k].i] = 1;
            }
        seed_text t = {s, n, d};
        rc = guard_seed(s, n, d->n_sent, keep, seed_write, &t, out);
        for (size_t k = 0; k < d->n_sent; k++) *changes += !keep[k];
    }
    llmz_free(keep);
    llmz_free(v);
    return rc;
}
