/* match.c -- the token match model and its mixing rule (match.h). */
#include "adapt/match.h"

#include <string.h>

#include "coder/rc.h"
#include "common/lazy.h"
#include "common/mem.h"
#include "llmz.h"

size_t match_bytes(int bits) { return sizeof(uint64_t) << bits; }

static size_t blocks(const match_model *m) { return (size_t)1 << (m->bits - MATCH_BLOCK_BITS); }

/* Entry h of the table (0 in a block not written since the last reset); entry h set to v. */
static uint64_t entry(const match_model *m, uint32_t h) {
    return lazy_on(m->used, h >> MATCH_BLOCK_BITS) ? m->table[h] : 0;
}
static void set_entry(match_model *m, uint32_t h, uint64_t v) {
    size_t b = h >> MATCH_BLOCK_BITS;
    if (!lazy_on(m->used, b)) {
        memset(m->table + (b << MATCH_BLOCK_BITS), 0, sizeof(uint64_t) << MATCH_BLOCK_BITS);
        lazy_set(m->used, b);
    }
    m->table[h] = v;
}

int match_init(match_model *m, int bits) {
    memset(m, 0, sizeof *m);
    if (bits < MATCH_BLOCK_BITS || bits > MATCH_HASH_BITS) return LLMZ_ERR_PARAM;
    m->bits = bits;
    m->table = llmz_malloc(match_bytes(bits)); /* not written: every block reads as empty (lazy.h) */
    if (!m->table) return LLMZ_ERR_NOMEM;
    match_reset(m);
    return LLMZ_OK;
}

void match_free(match_model *m) {
    llmz_free(m->table);
    m->table = NULL;
}

void match_reset(match_model *m) {
    lazy_clear(m->used, blocks(m));
    for (int i = 0; i < MATCH_LEN_BUCKETS * MATCH_Q_BUCKETS; i++) m->hits[i] = m->tries[i] = 0;
}

void match_seq_reset(match_seq *q) {
    q->mp = 0;
    q->ms = 0;
    q->mlen = 0;
    q->pred = -1;
    q->bucket = 0;
}

static uint32_t hash3(const int32_t *t, int bits) {
    uint32_t h = (uint32_t)t[0] * 0x9E3779B1u;
    h = (h ^ (uint32_t)t[1]) * 0x85EBCA77u;
    h = (h ^ (uint32_t)t[2]) * 0xC2B2AE3Du;
    return h >> (32 - bits);
}

static int bitlen(uint32_t x) {
    int n = 0;
    while (x) {
        n++;
        x >>= 1;
    }
    return n;
}

void match_mix(const match_model *m, match_seq *q, const match_group *G, int self, uint32_t *freq, int V,
               const kernel_set *ks) {
    (void)self;
    q->pred = -1;
    if (q->mlen == 0 || q->mp >= G->len[q->ms]) return;
    int32_t p = G->ids[q->ms][q->mp];
    if (p < 0 || p >= V) return;
    uint32_t fp = freq[p];
    int lb = q->mlen < MATCH_LEN_BUCKETS ? (int)q->mlen : MATCH_LEN_BUCKETS - 1;
    int qb = (RC_TOTAL_BITS - bitlen(fp)) / 3; /* LM probability of the prediction, ~3 bits per bucket */
    if (qb >= MATCH_Q_BUCKETS) qb = MATCH_Q_BUCKETS - 1;
    q->bucket = lb * MATCH_Q_BUCKETS + qb;
    q->pred = p;
    /* h and q in 16-bit fixed point; a = (h - q) / (1 - q), capped below 1 */
    uint32_t h = (uint32_t)(((uint64_t)m->hits[q->bucket] * 65536u + 32768u) / ((uint64_t)m->tries[q->bucket] + 1u));
    uint32_t qf = fp >> (RC_TOTAL_BITS - 16);
    if (h <= qf || qf >= 65535u) return;
    uint32_t a = (uint32_t)(((uint64_t)(h - qf) << 16) / (65536u - qf));
    if (a > 64880u) a = 64880u; /* at most 0.99 */
    if (a == 0) return;
    uint64_t moved = ks->take(freq, freq, V, a); /* each gives less than it has: every token keeps >= 1 */
    freq[p] += (uint32_t)moved;
}

void match_prefetch(const match_model *m, const int32_t *hist, size_t n) {
    if (n >= MATCH_MIN) llmz_prefetch_w(m->table + hash3(hist + n - MATCH_MIN, m->bits));
}

void match_update(match_model *m, match_seq *q, const match_group *G, int self) {
    const int32_t *hist = G->ids[self];
    size_t n = G->len[self];
    if (n == 0) return;
    int32_t t = hist[n - 1];
    if (q->pred >= 0) { /* learn the bucket's hit rate; halve to stay adaptive */
        if (m->tries[q->bucket] >= 1000) {
            m->tries[q->bucket] >>= 1;
            m->hits[q->bucket] >>= 1;
        }
        m->tries[q->bucket]++;
        m->hits[q->bucket] += (uint16_t)(t == q->pred);
    }
    /* a match in the sequence's own history must stay behind the token just coded; one in another
    ** sequence may use every token that sequence has coded */
    size_t lim = q->ms == self ? n - 1 : G->len[q->ms];
    if (q->mlen > 0 && q->mp < lim && G->ids[q->ms][q->mp] == t) {
        q->mlen++;
        q->mp++;
    } else {
        q->mlen = 0;
    }
    if (n < MATCH_MIN) return;
    uint32_t h = hash3(hist + n - MATCH_MIN, m->bits);
    if (q->mlen == 0) {
        uint64_t e = entry(m, h); /* sequence << 32 | position after an earlier occurrence, +1 */
        int s = (int)(e >> 32);
        uint32_t cand = (uint32_t)e;
        if (cand > 0 && s < G->n) {
            size_t c = cand - 1;
            const int32_t *src = G->ids[s];
            if (c >= MATCH_MIN && c < G->len[s] && src[c - 1] == hist[n - 1] && src[c - 2] == hist[n - 2] &&
                src[c - 3] == hist[n - 3]) {
                q->mp = c;
                q->ms = s;
                q->mlen = 1;
            }
        }
    }
    if (n < 0xffffffffu) set_entry(m, h, (uint64_t)self << 32 | ((uint64_t)n + 1));
}

void match_copy(match_model *dst, const match_model *src) {
    size_t nb = blocks(src), per = (size_t)1 << MATCH_BLOCK_BITS;
    memcpy(dst->used, src->used, LAZY_WORDS(nb) * 8);
    for (size_t b = lazy_next(src->used, 0, nb); b < nb; b = lazy_next(src->used, b + 1, nb))
        memcpy(dst->table + b * per, src->table + b * per, per * sizeof(uint64_t));
    memcpy(dst->hits, src->hits, sizeof dst->hits);
    memcpy(dst->tries, src->tries, sizeof dst->tries);
}
