/* match.c -- the token match model and its mixing rule (match.h). */
#include "adapt/match.h"

#include <string.h>

#include "coder/rc.h"
#include "common/mem.h"
#include "llmz.h"

size_t match_bytes(void) { return sizeof(uint32_t) << MATCH_HASH_BITS; }

int match_init(match_model *m) {
    memset(m, 0, sizeof *m);
    m->table = llmz_malloc(sizeof(uint32_t) << MATCH_HASH_BITS);
    if (!m->table) return LLMZ_ERR_NOMEM;
    match_reset(m);
    return LLMZ_OK;
}

void match_free(match_model *m) {
    llmz_free(m->table);
    m->table = NULL;
}

void match_reset(match_model *m) {
    memset(m->table, 0, sizeof(uint32_t) << MATCH_HASH_BITS);
    m->mp = 0;
    m->mlen = 0;
    m->pred = -1;
    for (int i = 0; i < MATCH_LEN_BUCKETS * MATCH_Q_BUCKETS; i++) m->hits[i] = m->tries[i] = 0;
}

static uint32_t hash3(const int32_t *t) {
    uint32_t h = (uint32_t)t[0] * 0x9E3779B1u;
    h = (h ^ (uint32_t)t[1]) * 0x85EBCA77u;
    h = (h ^ (uint32_t)t[2]) * 0xC2B2AE3Du;
    return h >> (32 - MATCH_HASH_BITS);
}

static int bitlen(uint32_t x) {
    int n = 0;
    while (x) {
        n++;
        x >>= 1;
    }
    return n;
}

void match_mix(match_model *m, const int32_t *hist, size_t n, uint32_t *freq, int V, const kernel_set *ks) {
    m->pred = -1;
    if (m->mlen == 0 || m->mp >= n) return;
    int32_t p = hist[m->mp];
    if (p < 0 || p >= V) return;
    uint32_t fp = freq[p];
    int lb = m->mlen < MATCH_LEN_BUCKETS ? (int)m->mlen : MATCH_LEN_BUCKETS - 1;
    int qb = (RC_TOTAL_BITS - bitlen(fp)) / 3; /* LM probability of the prediction, ~3 bits per bucket */
    if (qb >= MATCH_Q_BUCKETS) qb = MATCH_Q_BUCKETS - 1;
    m->bucket = lb * MATCH_Q_BUCKETS + qb;
    m->pred = p;
    /* h and q in 16-bit fixed point; a = (h - q) / (1 - q), capped below 1 */
    uint32_t h = (uint32_t)(((uint64_t)m->hits[m->bucket] * 65536u + 32768u) / ((uint64_t)m->tries[m->bucket] + 1u));
    uint32_t q = fp >> (RC_TOTAL_BITS - 16);
    if (h <= q || q >= 65535u) return;
    uint32_t a = (uint32_t)(((uint64_t)(h - q) << 16) / (65536u - q));
    if (a > 64880u) a = 64880u; /* at most 0.99 */
    if (a == 0) return;
    uint64_t moved = ks->take(freq, freq, V, a); /* each gives less than it has: every token keeps >= 1 */
    freq[p] += (uint32_t)moved;
}

void match_update(match_model *m, const int32_t *hist, size_t n) {
    if (n == 0) return;
    int32_t t = hist[n - 1];
    if (m->pred >= 0) { /* learn the bucket's hit rate; halve to stay adaptive */
        if (m->tries[m->bucket] >= 1000) {
            m->tries[m->bucket] >>= 1;
            m->hits[m->bucket] >>= 1;
        }
        m->tries[m->bucket]++;
        m->hits[m->bucket] += (uint16_t)(t == m->pred);
    }
    if (m->mlen > 0 && m->mp < n - 1 && hist[m->mp] == t) {
        m->mlen++;
        m->mp++;
    } else {
        m->mlen = 0;
    }
    if (n < MATCH_MIN) return;
    uint32_t h = hash3(hist + n - MATCH_MIN);
    if (m->mlen == 0) {
        uint32_t cand = m->table[h]; /* position after an earlier occurrence, +1 */
        if (cand > 0) {
            size_t c = cand - 1;
            if (c >= MATCH_MIN && c < n && hist[c - 1] == hist[n - 1] && hist[c - 2] == hist[n - 2] &&
                hist[c - 3] == hist[n - 3]) {
                m->mp = c;
                m->mlen = 1;
            }
        }
    }
    if (n < 0xffffffffu) m->table[h] = (uint32_t)n + 1;
}
