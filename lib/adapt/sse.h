/*
** sse.h -- online adaptation, part 4 (frame flag bit 6): secondary estimation of the most likely token.
**
** After the online models have mixed their predictions in, the token the mix favours most among the models'
** own predictions ("top", with frequency f) is coded in two steps: first a binary event "the token is top"
** with a probability P learned online, then, only when it is not, the token among the others with their
** frequencies as they are (total 2^28 - f).  P comes from three adaptive probability maps (APMs) that map
** the stretched probability f / 2^28 to a learned one: one chosen by the previous token, one by the token top,
** one by which models predicted top (the agreement mask); a logistic mixer with a weight set per agreement
** mask combines their outputs with f itself and the LM's own probability of top.  So the coder learns how far to trust
** the mix in each situation: overconfident predictions (a log's changing fields) cost less when wrong,
** reliable ones cost less when right.  Integer arithmetic only (docs/format.md, "Adaptation").
** Format version 2 adds a fourth APM, chosen by a hash of top and the two tokens before it (SSE_CTX_BITS).
*/
#ifndef LLMZ_SSE_H
#define LLMZ_SSE_H
#include <stdint.h>

#include "common/lazy.h"
#include <stddef.h>

#define SSE_POINTS 33   /* interpolation points per context, stretch -8 .. 8 in steps of 0.5 */
#define SSE_MASKS 256   /* agreement masks: n-gram models 0..6 (bits 0..6), match model (bit 7) */
#define SSE_LIMIT 6     /* the learning rate of a point is 1 / (n + 1.5) after n updates, down to 1 / 7.5 */
#define SSE_INPUTS 7    /* mixer inputs: the mix's top, APMs 1-3, a bias, the LM's top (stretched); APM 4 (v2) */
#define SSE_CTX_BITS 14 /* format version 2: APM 4 has 2^14 contexts */
#define SSE_MIX_RATE 32768 /* mixer step: w += err * x / SSE_MIX_RATE (err 16-bit, x 1/256 units) */
#define SSE_W_MAX (8 * 65536)

typedef struct {
    uint16_t *by_prev, *by_top;             /* (V * SSE_POINTS) APMs 1 and 2: by the previous token, by top */
    uint16_t *by_ctx;                       /* (2^SSE_CTX_BITS * SSE_POINTS) APM 4 (version 2; else NULL) */
    uint8_t *n_ctx;
    uint64_t ctx_used[LAZY_WORDS(1 << SSE_CTX_BITS)]; /* APM 4's contexts learnt since the reset (lazy.h): the
                                            ** rows of the others (both tables) are stale, read as the identity */
    uint16_t by_mask[SSE_MASKS * SSE_POINTS]; /* APM 3, by the agreement mask */
    uint8_t *n_prev, *n_top;                /* (V * SSE_POINTS) updates of each point, up to SSE_LIMIT */
    uint8_t n_mask[SSE_MASKS * SSE_POINTS];
    int16_t stretch[4096];                  /* stretch of a 12-bit probability, 1/256 units */
    int V;
    int inputs;                             /* mixer inputs used: 6 (format version 1) or 7 (2) */
    int32_t mw[SSE_MASKS][SSE_INPUTS];      /* mixer weights (16.16), a set per agreement mask */
} sse_model; /* shared by every sequence of a chunk group (frame flag bit 7), else one per chunk */

typedef struct { /* one sequence's step: what sse_predict computed, for sse_update */
    int32_t mx[SSE_INPUTS];                 /* the mixer's inputs */
    uint32_t mset, pmix;                    /* its weight set, its output (16 bits) */
    uint32_t at[4], wt;                     /* interpolation cell of each APM, weight of its upper point */
} sse_step;

int sse_init(sse_model *s, int V, int version); /* version: the frame's format version; LLMZ_ERR_NOMEM */
size_t sse_bytes(int V, int version);           /* what sse_init allocates */
void sse_free(sse_model *s);
void sse_reset(sse_model *s);      /* start of a chunk */
/* dst becomes src (both made by sse_init with the same V and version): a dictionary's primed state. */
void sse_copy(sse_model *dst, const sse_model *src);
/* P (16 bits, in [16, 65535]) that the next token is the predicted top, whose frequency (of 2^28) is f;
** prev2, prev: the two tokens before (the start token, or -1 before it), top: the predicted token (0 .. V-1);
** mask: the agreement mask. */
uint32_t sse_predict(const sse_model *s, sse_step *q, uint32_t f, uint32_t flm, int32_t prev2, int32_t prev,
                     int32_t top, uint32_t mask);
/* After coding: hit = the token was top.  Follows sse_predict of the same step. */
void sse_update(sse_model *s, const sse_step *q, int hit);
/* Once the token before the next step's is known (prev): asks the CPU to fetch the cells of that token's
** context that the next sse_predict and sse_update use (changes nothing). */
void sse_prefetch(const sse_model *s, int32_t prev);

#endif
