/* cache.c -- the recency (unigram cache) model and its learned mixing weight (cache.h). */
#include "adapt/cache.h"

#include <string.h>

#include "coder/rc.h"
#include "common/mem.h"
#include "llmz.h"

#define CACHE_SHARES 256 /* cache_mix: shares of counts below this from a table */

size_t cache_bytes(int V) { return (size_t)V * (sizeof(uint16_t) + sizeof(int32_t)); }

int cache_init(cache_model *c, int V, int version) {
    memset(c, 0, sizeof *c);
    c->V = V;
    c->rate = version >= 2 ? CACHE_RATE_V2 : CACHE_RATE_V1;
    c->count = llmz_malloc((size_t)V * sizeof(uint16_t));
    c->seen = llmz_malloc((size_t)V * sizeof(int32_t));
    if (!c->count || !c->seen) {
        cache_free(c);
        return LLMZ_ERR_NOMEM;
    }
    cache_reset(c);
    return LLMZ_OK;
}

void cache_free(cache_model *c) {
    llmz_free(c->count);
    llmz_free(c->seen);
    c->count = NULL;
    c->seen = NULL;
}

void cache_reset(cache_model *c) {
    memset(c->count, 0, (size_t)c->V * sizeof(uint16_t));
    c->total = 0;
    c->nseen = 0;
    c->b = 2048; /* 1/32 to start */
    c->last = 0;
}

void cache_mix(cache_model *c, const uint32_t *in, uint32_t *freq, const kernel_set *ks) {
    if (c->total == 0 || c->b == 0) {
        if (freq != in) memcpy(freq, in, (size_t)c->V * sizeof(uint32_t));
        return;
    }
    /* each in[i] gives (in[i] * b) >> 16, less than in[i] since b < 65536 */
    uint64_t moved = ks->take(freq, in, c->V, c->b);
    uint64_t given = 0;
    /* token i gets floor(moved * count_i / total); for the small counts most tokens have, from a table built
    ** with one division (moved = q total + r: floor(moved c / total) = q c + floor(r c / total), the last term
    ** by steps of r), the same integers as dividing each time */
    uint32_t share[CACHE_SHARES];
    uint32_t q = (uint32_t)(moved / c->total), r = (uint32_t)(moved % c->total), qq = 0, rr = 0;
    uint32_t top = c->total < CACHE_SHARES ? c->total : CACHE_SHARES - 1; /* counts never exceed total */
    share[0] = 0;
    for (uint32_t k = 1; k <= top; k++) {
        rr += r;
        if (rr >= c->total) {
            rr -= c->total;
            qq++;
        }
        share[k] = q * k + qq;
    }
    for (int j = 0; j < c->nseen; j++) {
        int32_t i = c->seen[j];
        uint32_t g = c->count[i] < CACHE_SHARES ? share[c->count[i]] : (uint32_t)(moved * c->count[i] / c->total);
        freq[i] += g;
        given += g;
    }
    freq[c->last] += (uint32_t)(moved - given);
}

void cache_update(cache_model *c, int32_t t, uint32_t f_in, uint32_t f_out) {
    if (t < 0 || t >= c->V) return;
    if (c->total > 0 && f_out > 0) {
        int64_t pc = (int64_t)(((uint64_t)c->count[t] << RC_TOTAL_BITS) / c->total);
        int64_t num = pc - (int64_t)f_in;
        int64_t d = num * (int64_t)c->rate / (int64_t)f_out;
        if (d > 256) d = 256;
        if (d < -256) d = -256;
        int64_t b = (int64_t)c->b + d;
        if (b < 0) b = 0;
        if (b > 32768) b = 32768;
        c->b = (uint32_t)b;
    }
    if (c->count[t]++ == 0) c->seen[c->nseen++] = t;
    c->total++;
    c->last = t;
    if (c->total >= CACHE_LIMIT) { /* halve, keeping the seen list in order */
        uint32_t s = 0;
        int n = 0;
        for (int j = 0; j < c->nseen; j++) {
            int32_t i = c->seen[j];
            c->count[i] = (uint16_t)(c->count[i] >> 1);
            s += c->count[i];
            if (c->count[i]) c->seen[n++] = i;
        }
        c->nseen = n;
        c->total = s;
    }
}

void cache_copy(cache_model *dst, const cache_model *src) {
    memcpy(dst->count, src->count, (size_t)src->V * sizeof(uint16_t));
    memcpy(dst->seen, src->seen, (size_t)src->nseen * sizeof(int32_t));
    dst->nseen = src->nseen;
    dst->total = src->total;
    dst->b = src->b;
    dst->last = src->last;
}
