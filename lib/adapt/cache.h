/*
** cache.h -- online adaptation, version 1, part 2: a recency (unigram cache) model of the chunk's tokens.
**
** p = (1 - b) p_in + b c_t / C, where c_t counts token t in the chunk so far (halved when C reaches
** CACHE_LIMIT) and the weight b is learned online by a fixed-point gradient step on -log p after every
** token (integer arithmetic only).  It captures the names and words a document repeats.
*/
#ifndef LLMZ_CACHE_H
#define LLMZ_CACHE_H
#include <stddef.h>
#include <stdint.h>

#include "numerics/kernels.h"

#define CACHE_LIMIT 4096u
/* The weight's learning rate: 64 in format version 1; 1 in version 2 (the weight stays near its start: a
** faster rate lost 2% on JavaScript, 0.5-1% elsewhere, since the n-grams learned to share its work). */
#define CACHE_RATE_V1 64
#define CACHE_RATE_V2 1

typedef struct {
    uint16_t *count; /* (V) */
    int32_t *seen;   /* (V) tokens with a non-zero count, in order of first appearance */
    int nseen;
    uint32_t total;  /* sum of count */
    uint32_t b;      /* weight in 1/65536 */
    uint32_t rate;   /* CACHE_RATE_V1 or _V2 */
    int V;
    int32_t last;    /* last coded token: receives the rounding remainder */
} cache_model;

int cache_init(cache_model *c, int V, int version); /* version: the frame's format version (its rate) */
size_t cache_bytes(int V); /* what cache_init allocates */
void cache_free(cache_model *c);
void cache_reset(cache_model *c);
/* dst becomes src (both made by cache_init with the same V and version): a dictionary's primed state. */
void cache_copy(cache_model *dst, const cache_model *src);
/* Mix the cache into freq (total 2^28 kept, each >= 1). */
/* Mix the cache into the frequencies `in`, result in `out` (may be `in`); ks gives the take kernel. */
void cache_mix(cache_model *c, const uint32_t *in, uint32_t *out, const kernel_set *ks);
/* After coding token t: f_in = its frequency before cache_mix, f_out = the frequency it was coded with.
** Gradient step b += rate (p_cache - p_in) / p_out (in 1/65536 units, clamped), then count t. */
void cache_update(cache_model *c, int32_t t, uint32_t f_in, uint32_t f_out);

#endif
