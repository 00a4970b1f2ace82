/*
** match.h -- online adaptation, version 1: a token match model mixed into the LM's frequencies.
**
** While a chunk is coded, a hash of the last 3 tokens finds the previous place where they occurred; the
** token that followed there is predicted again, with a confidence learned online from how often such
** predictions were right (counters per (match length, LM probability) bucket).  The prediction is mixed
** in the integer frequency domain as p = (1 - a) p_LM + a [t = predicted], with
** a = max(0, (h - q) / (1 - q)), h the bucket's hit rate and q the LM's probability of the predicted token:
** the weight that maximises the expected log-likelihood of this two-expert mixture.  Integer arithmetic
** only, so the encoder and decoder compute the same frequencies (docs/format.md, "Adaptation").
*/
#ifndef LLMZ_MATCH_H
#define LLMZ_MATCH_H
#include <stddef.h>
#include <stdint.h>

#include "numerics/kernels.h"

#define MATCH_HASH_BITS 16
#define MATCH_OWN_BITS 14 /* the table of a grouped chunk's own match model (format version 3) */
#define MATCH_MIN 3      /* tokens hashed to find a match */
#define MATCH_LEN_BUCKETS 16
#define MATCH_Q_BUCKETS 8
#define MATCH_BLOCK_BITS 3 /* the table is cleared lazily (common/lazy.h) in blocks of 2^3 entries: 64 bytes */

/* Shared by every sequence of a chunk group (frame flag bit 7), else one per chunk. */
typedef struct {
    uint64_t *table;  /* (2^bits) sequence << 32 | position after the hashed tokens + 1 (0 = empty) */
    int bits;         /* MATCH_HASH_BITS, or MATCH_OWN_BITS */
    uint64_t used[(1 << (MATCH_HASH_BITS - MATCH_BLOCK_BITS)) / 64]; /* the table's written blocks (lazy.h) */
    uint16_t hits[MATCH_LEN_BUCKETS * MATCH_Q_BUCKETS], tries[MATCH_LEN_BUCKETS * MATCH_Q_BUCKETS];
} match_model;

/* One sequence's match: where in which sequence's history it points, and this step's prediction. */
typedef struct {
    size_t mp;        /* predicted position in the history of sequence ms */
    int ms;
    uint32_t mlen;    /* current match length in tokens (0: no prediction) */
    int32_t pred;     /* predicted token of the current step, -1 if none */
    int bucket;
} match_seq;

/* The token histories the sequences of a group have so far: ids[i][0 .. len[i]-1], i < n.  A chunk coded
** alone is a group of one. */
typedef struct {
    const int32_t *const *ids;
    const size_t *len;
    int n;
} match_group;

/* Allocates a table of 2^bits entries (bits MATCH_BLOCK_BITS .. MATCH_HASH_BITS, else LLMZ_ERR_PARAM); LLMZ_ERR_NOMEM
** on failure. */
int match_init(match_model *m, int bits);
size_t match_bytes(int bits); /* what match_init allocates */
void match_free(match_model *m);
void match_reset(match_model *m); /* start of a chunk (or group) */
/* dst learns what src has (both made by match_init with the same bits): a dictionary's primed state. */
void match_copy(match_model *dst, const match_model *src);
void match_seq_reset(match_seq *q); /* start of a chunk */
/* Mix the prediction for sequence `self`'s next token into freq (V entries, total 2^28 kept). */
void match_mix(const match_model *m, match_seq *q, const match_group *G, int self, uint32_t *freq, int V,
               const kernel_set *ks);
/* After coding sequence self's token (its history now holds G->len[self] tokens): learn and move the match. */
void match_update(match_model *m, match_seq *q, const match_group *G, int self);
/* Once the token hist[n-1] is known, before match_update: asks the CPU to fetch the table entry the update
** reads and writes (changes nothing). */
void match_prefetch(const match_model *m, const int32_t *hist, size_t n);
#endif
