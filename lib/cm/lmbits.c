/*
** lmbits.c -- a token as binary decisions over its bytes (lmbits.h; docs/format.md, "Mixed chunks").  Owns the byte
** order of the vocabulary and the walk that codes one token; the byte models (cm.c) give each bit's final
** probability, the range coder (coder/rc.c) codes it.  Knows nothing of frames, chunks or the LM's evaluation.
*/
#include "cm/lmbits.h"

#include <stdlib.h>
#include <string.h>

#include "common/mem.h"

struct lmbits {
    uint32_t V, n;        /* vocabulary; codable tokens (in the order) */
    int32_t *ids;         /* (n) order position -> token id */
    int32_t *pos;         /* (V) token id -> order position, -1 if not codable */
    const uint8_t **byts; /* (n) the tokens' bytes (in the vocabulary) */
    uint32_t *len;        /* (n) and their lengths */
};

uint64_t lmbits_bytes(uint32_t V) {
    return llmz_mem_footprint(sizeof(lmbits)) + llmz_mem_footprint((size_t)V * 4) * 3 +
           llmz_mem_footprint((size_t)V * sizeof(uint8_t *)) + 5 * LLMZ_MEM_SLACK;
}

void lmbits_free(lmbits *b) {
    if (!b) return;
    llmz_free(b->ids);
    llmz_free(b->pos);
    llmz_free(b->byts);
    llmz_free(b->len);
    llmz_free(b);
}

typedef struct {
    const uint8_t *p;
    uint32_t len;
    int32_t id;
} entry;

/* Byte order: memcmp over the common length, then the shorter first, then the lower id (a total order, so the
** result does not depend on the sort). */
static int by_bytes(const void *a, const void *b) {
    const entry *x = a, *y = b;
    uint32_t m = x->len < y->len ? x->len : y->len;
    int c = m ? memcmp(x->p, y->p, m) : 0;
    if (c) return c;
    if (x->len != y->len) return x->len < y->len ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

lmbits *lmbits_new(const tok_vocab *tok, uint32_t V) {
    lmbits *b = llmz_calloc(1, sizeof *b);
    entry *e = llmz_malloc((size_t)V * sizeof *e + 1);
    if (b) {
        b->V = V;
        b->ids = llmz_malloc((size_t)V * 4);
        b->pos = llmz_malloc((size_t)V * 4);
        b->byts = llmz_malloc((size_t)V * sizeof *b->byts);
        b->len = llmz_malloc((size_t)V * 4);
    }
    if (!b || !e || !b->ids || !b->pos || !b->byts || !b->len) {
        llmz_free(e);
        lmbits_free(b);
        return NULL;
    }
    uint32_t k = 0;
    for (uint32_t i = 0; i < V; i++) {
        b->pos[i] = -1;
        const uint8_t *p;
        size_t l = tok_bytes(tok, (int32_t)i, &p);
        if (l > 0 && l < 65536) e[k++] = (entry){p, (uint32_t)l, (int32_t)i};
    }
    qsort(e, k, sizeof *e, by_bytes);
    for (uint32_t i = 0; i < k; i++) {
        if (b->n > 0 && e[i].len == b->len[b->n - 1] && !memcmp(e[i].p, b->byts[b->n - 1], e[i].len))
            continue; /* the same bytes as a lower id: never coded */
        b->ids[b->n] = e[i].id;
        b->byts[b->n] = e[i].p;
        b->len[b->n] = e[i].len;
        b->pos[e[i].id] = (int32_t)b->n;
        b->n++;
    }
    llmz_free(e);
    return b;
}

int lmbits_codable(const lmbits *b, int32_t t) { return t >= 0 && (uint32_t)t < b->V && b->pos[t] >= 0; }

void lmbits_prefix(const lmbits *b, const uint32_t *freq, const lmbits_scale *sc, uint32_t *C, const kernel_set *ks) {
    ks->cumsum_perm(C, freq, b->ids, (int)b->n, sc->q, sc->lo, sc->top, sc->ftop);
}

/* P(1) in 16 bits for `one` of `all` (0 < one < all), clamped to 1..65535. */
static uint32_t p16_of(uint32_t one, uint32_t all) {
    uint32_t p = (uint32_t)(((uint64_t)one << 16) / all);
    return p < 1 ? 1 : p > 65535 ? 65535 : p;
}

/* The first position in [lo, hi) whose byte `depth` has bit `bit` set (the positions share the bits above). */
static uint32_t split(const lmbits *b, uint32_t lo, uint32_t hi, uint32_t depth, int bit) {
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (b->byts[mid][depth] >> bit & 1)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* The walk both directions share: with e, code token t; with d, decode one.  The range [lo, hi) holds the tokens
** that agree with every decision so far; depth bytes of them are known. */
static int32_t walk(const lmbits *b, const uint32_t *C, int32_t t, cm_model *cm, rc_enc *e, rc_dec *d, size_t room) {
    uint32_t lo = 0, hi = b->n, depth = 0, tp = e ? (uint32_t)b->pos[t] : 0;
    const uint8_t *tb = e ? b->byts[tp] : NULL;
    uint32_t tl = e ? b->len[tp] : 0;
    for (;;) {
        if (depth > 0 && b->len[lo] == depth) { /* the token of these bytes exactly: is it the one? */
            if (hi - lo == 1) return b->ids[lo];
            uint32_t p = p16_of(C[lo + 1] - C[lo], C[hi] - C[lo]);
            int end;
            if (e) {
                end = tl == depth;
                rc_encode_bit(e, p, end);
            } else {
                end = rc_decode_bit(d, p);
            }
            if (end) return b->ids[lo];
            lo++;
        }
        if (depth >= room) return -1; /* decoder: a token longer than the chunk's rest */
        for (int bit = 7; bit >= 0; bit--) {
            uint32_t mid = split(b, lo, hi, depth, bit);
            int deterministic = mid == lo || mid == hi;
            uint32_t plm = deterministic ? (mid == lo ? 65535 : 1) : p16_of(C[hi] - C[mid], C[hi] - C[lo]);
            uint32_t p = (uint32_t)cm_predict(cm, cm_stretch(cm, plm));
            int y;
            if (deterministic)
                y = mid == lo;
            else if (e)
                rc_encode_bit(e, p, y = tb[depth] >> bit & 1);
            else
                y = rc_decode_bit(d, p);
            cm_update(cm, y);
            if (y)
                lo = mid;
            else
                hi = mid;
        }
        depth++;
        if (d && d->bad) return -1;
    }
}

void lmbits_encode(const lmbits *b, const uint32_t *C, int32_t t, cm_model *cm, rc_enc *e) {
    walk(b, C, t, cm, e, NULL, (size_t)-1);
}

int32_t lmbits_decode(const lmbits *b, const uint32_t *C, cm_model *cm, rc_dec *d, size_t room) {
    int32_t t = walk(b, C, -1, cm, NULL, d, room);
    return d->bad ? -1 : t;
}
