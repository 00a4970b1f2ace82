/*
** dicttrain.c -- llmz_dict_train: a dictionary's text chosen from samples, the way zstd's cover picks segments but
** whole samples at a time (the model reads text best in its own order).  Every 8-byte string is counted once per
** sample it occurs in; then, greedily, the sample whose strings not yet covered are the most frequent per byte is
** taken, until the budget is full.  The dictionary holds them with the most useful last (nearest to the message).
** Integer arithmetic only, ties to the earlier sample: the same samples give the same file on every machine.
*/
#include <string.h>

#include "common/mem.h"
#include "engine/engine.h"

#define TRAIN_K 8                      /* bytes of a counted string */
#define TRAIN_BITS 20                  /* buckets of the count table: 2^20 */
#define TRAIN_MASK ((1u << TRAIN_BITS) - 1)

static uint32_t bucket(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 0; i < TRAIN_K; i++) v |= (uint64_t)p[i] << (8 * i);
    return (uint32_t)((v * 0x9E3779B97F4A7C15ull) >> (64 - TRAIN_BITS)) & TRAIN_MASK;
}

/* The score of sample s: the counts beyond 1 of its strings not yet covered, each bucket once, scaled per byte. */
static uint64_t score(const uint8_t *s, size_t n, const uint32_t *cnt, uint32_t *stamp, uint32_t mark) {
    uint64_t sum = 0;
    for (size_t p = 0; p + TRAIN_K <= n; p++) {
        uint32_t b = bucket(s + p);
        if (stamp[b] == mark) continue;
        stamp[b] = mark;
        if (cnt[b] > 1) sum += cnt[b] - 1;
    }
    return (sum << 16) / (n + 16);
}

int llmz_dict_train(void **out, size_t *out_size, const llmz_model *m, const void *const *samples,
                    const size_t *sizes, size_t n, size_t budget) {
    if (!out || !out_size || !m || (n && (!samples || !sizes))) return LLMZ_ERR_PARAM;
    *out = NULL;
    *out_size = 0;
    if (!budget) budget = LLMZ_DICT_SIZE_DEFAULT;
    if (budget > LLMZ_DICT_MAX) return LLMZ_ERR_PARAM;
    for (size_t i = 0; i < n; i++)
        if (!samples[i] && sizes[i]) return LLMZ_ERR_PARAM;
    uint32_t *cnt = llmz_calloc((size_t)TRAIN_MASK + 1, sizeof *cnt);
    uint32_t *stamp = llmz_calloc((size_t)TRAIN_MASK + 1, sizeof *stamp);
    uint8_t *taken = llmz_calloc(n + 1, 1);
    size_t *order = llmz_malloc((n + 1) * sizeof *order);
    uint8_t *text = llmz_malloc(budget + 1);
    int rc = cnt && stamp && taken && order && text ? LLMZ_OK : LLMZ_ERR_NOMEM;
    uint32_t mark = 0;
    for (size_t i = 0; rc == LLMZ_OK && i < n; i++) { /* each string counted once per sample */
        const uint8_t *s = samples[i];
        mark++;
        for (size_t p = 0; p + TRAIN_K <= sizes[i]; p++) {
            uint32_t b = bucket(s + p);
            if (stamp[b] != mark) {
                stamp[b] = mark;
                cnt[b]++;
            }
        }
    }
    size_t used = 0, picked = 0;
    while (rc == LLMZ_OK) { /* greedy: the best sample that still fits (with its line end) */
        size_t best = n;
        uint64_t bs = 0;
        for (size_t i = 0; i < n; i++) {
            size_t need = sizes[i] + (sizes[i] && ((const uint8_t *)samples[i])[sizes[i] - 1] != '\n');
            if (taken[i] || need == 0 || need > budget - used) continue;
            uint64_t sc = score(samples[i], sizes[i], cnt, stamp, ++mark);
            if (sc > bs) {
                bs = sc;
                best = i;
            }
        }
        if (best == n) break; /* nothing fits, or nothing left that others share */
        taken[best] = 1;
        order[picked++] = best;
        const uint8_t *s = samples[best];
        for (size_t p = 0; p + TRAIN_K <= sizes[best]; p++) cnt[bucket(s + p)] = 0; /* covered now */
        used += sizes[best] + (s[sizes[best] - 1] != '\n');
    }
    size_t pos = 0;
    for (size_t k = picked; rc == LLMZ_OK && k-- > 0;) { /* the first picked, the most useful, goes last */
        const uint8_t *s = samples[order[k]];
        size_t len = sizes[order[k]];
        memcpy(text + pos, s, len);
        pos += len;
        if (s[len - 1] != '\n') text[pos++] = '\n';
    }
    if (rc == LLMZ_OK) rc = llmz_dict_make(out, out_size, m, text, pos);
    llmz_free(cnt);
    llmz_free(stamp);
    llmz_free(taken);
    llmz_free(order);
    llmz_free(text);
    return rc;
}
