/*
** lmbits.h -- the language model's next-token distribution coded as binary decisions over the token's bytes, each
** mixed with the byte models (chunk method 4, format version 4; docs/format.md, "Mixed chunks").
**
** The vocabulary is ordered by the tokens' byte strings (shorter first where one is a prefix of another, then by
** id), so every prefix of bytes and bits names a contiguous range of tokens, and the LM's integer frequencies summed
** over ranges give each decision's probability exactly (the chain rule: coding the decisions with those
** probabilities costs what coding the token costs).  A token is coded as its bytes' bits, most significant first,
** with a decision "the token ends here" wherever a token is a proper prefix of others in the range; each bit's LM
** probability goes into the byte models' mixer (cm.h) as one more input, so the byte-level contexts sharpen it.
** Tokens of no bytes are never coded; of tokens with the same bytes only the lowest id is (lmbits_codable).
*/
#ifndef LLMZ_LMBITS_H
#define LLMZ_LMBITS_H
#include <stddef.h>
#include <stdint.h>

#include "cm/cm.h"
#include "coder/rc.h"
#include "model/tokenizer.h"

typedef struct lmbits lmbits;

/* The order of tok's vocabulary of V tokens; NULL when out of memory. */
lmbits *lmbits_new(const tok_vocab *tok, uint32_t V);
void lmbits_free(lmbits *b);
/* Bytes lmbits_new allocates for V tokens. */
uint64_t lmbits_bytes(uint32_t V);
/* 1 if token t can be coded (it has bytes, and no token of a lower id has the same bytes). */
int lmbits_codable(const lmbits *b, int32_t t);
/* How a distribution's frequencies are scaled before they are summed (secondary estimation's first step,
** engine/predictor.c): each f becomes f * q + ((f * lo) >> 32) (1 if that is 0), token top's becomes ftop;
** {1, 0, -1, 0} leaves them as they are (every frequency is at least 1: coder/freq.h). */
typedef struct {
    uint32_t q, lo;
    int32_t top;
    uint32_t ftop;
} lmbits_scale;
/* C[k] = the sum of the scaled freq over the first k tokens in byte order (C has V + 1 entries; numerics/kernels.h,
** cumsum_perm): once per coded token. */
void lmbits_prefix(const lmbits *b, const uint32_t *freq, const lmbits_scale *sc, uint32_t *C, const kernel_set *ks);
/* Code token t (lmbits_codable) with the distribution C, the byte models cm and the range coder e. */
void lmbits_encode(const lmbits *b, const uint32_t *C, int32_t t, cm_model *cm, rc_enc *e);
/* Decode a token of at most `room` bytes: its id, or -1 when the stream is not an encoder's. */
int32_t lmbits_decode(const lmbits *b, const uint32_t *C, cm_model *cm, rc_dec *d, size_t room);

#endif
