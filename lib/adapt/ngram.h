/*
** ngram.h -- online adaptation, part 3 (frame flag bit 2): token n-gram models mixed into the frequencies.
**
** For each order k = 1..NGRAM_ORDERS the last k tokens are hashed to a bucket of one table per order; a bucket
** remembers up to NGRAM_SLOTS (wide tables, frame flag bit 6: NGRAM_WIDE_SLOTS) tokens that followed that
** context in the chunk so far, with counts.  Every
** order whose bucket matches the current context predicts p_k(t) = count_k(t) / total_k, and the orders are
** mixed linearly with the input distribution:
**     p = (1 - sum w_k) p_in + sum w_k p_k
** where w_k is one of NGRAM_CONF learned weights of order k, chosen by the bucket's total count and whether
** it has seen a single token (a deterministic context).  After each token every weight that took part moves
** by a fixed-point gradient step on -log p.  Integer arithmetic only (docs/format.md, "Adaptation").
**
** Format version 2 adds the word model (with the field model) and learns the weights more slowly from a higher
** start (ngram_init: the rates of each version).
*/
#ifndef LLMZ_NGRAM_H
#define LLMZ_NGRAM_H
#include <stddef.h>
#include <stdint.h>

#include "common/lazy.h"
#include "numerics/kernels.h"

#define NGRAM_ORDERS 4             /* token orders 1..4 */
#define NGRAM_LINE NGRAM_ORDERS    /* index of the line model (frame flag bit 4) */
#define NGRAM_FIELD (NGRAM_ORDERS + 1) /* index of the field model (frame flag bit 5) */
#define NGRAM_WORD (NGRAM_ORDERS + 2)  /* index of the word model (format version 2, with bit 5) */
#define NGRAM_MODELS (NGRAM_ORDERS + 3)
#define NGRAM_OWN_ORDER 3          /* the order whose contexts a grouped chunk keeps to itself (version 3) */
#define NGRAM_FIELDS 64            /* fields of a line the field model tracks */
#define NGRAM_BITS 14              /* buckets per model: 2^14 of 4 slots (narrow, frames without bit 6) */
#define NGRAM_SLOTS 4
#define NGRAM_WIDE_BITS 13         /* or 2^13 of 16 slots (wide: frame flag bit 6) */
#define NGRAM_WIDE_SLOTS 16
#define NGRAM_CONF 8
#define NGRAM_BLOCK_BITS 5         /* the check values are cleared lazily (common/lazy.h) in blocks of 2^5: 64 bytes */
#define NGRAM_MAX_BUCKETS (NGRAM_MODELS << (NGRAM_BITS + 3)) /* the most buckets of a table (a group's: 2^3 times) */
#define NGRAM_W_MAX 15000u  /* each weight <= 0.23 (measured: higher caps lose ~1% on cp.html, bib, progp) */
/* Format version 1: initial weight 1/32, step 64 (p_k - p_in) / p_out, the orders together take at most 0.99
** of the input distribution.  Version 2: initial weight 0.092, step 8 (...), at most 0.946 (measured:
** 3-7% smaller structured text, 1-3% smaller prose; docs/format.md, "Adaptation"). */
#define NGRAM_W_INIT_V1 2048u
#define NGRAM_RATE_V1 64
#define NGRAM_B_MAX_V1 64880u
#define NGRAM_W_INIT_V2 6000u
#define NGRAM_RATE_V2 8
#define NGRAM_B_MAX_V2 62000u

/* The tables and weights: shared by every sequence of a chunk group (frame flag bit 7), else one per chunk. */
typedef struct {
    /* bucket b of model k is index i = (k << bits) | b: check value chk[i] (0 = empty); its slots at
    ** sl + i * stride: the counts (0 = empty slot), then the tokens, one u16 each when the vocabulary has at
    ** most 2^16 tokens (tw = 1: a wide bucket is one 64-byte cache line), else two (tw = 2, low half first) */
    uint16_t *chk, *sl;
    void *mem;                          /* the allocation sl lies in (aligned to 64 bytes inside it) */
    /* the blocks of chk written since the last reset (lazy.h): a bucket of a block not written is empty, and the
    ** slots of an empty bucket are never read (it is cleared when it gets a check value), so neither chk nor sl
    ** is cleared when the tables are made or reset */
    uint64_t used[LAZY_WORDS(NGRAM_MAX_BUCKETS >> NGRAM_BLOCK_BITS)];
    int bits, slots, tw, stride;        /* NGRAM_BITS and NGRAM_SLOTS, or the wide ones; stride = slots (1 + tw) */
    int version;                        /* the frame's format version */
    int nmodels;                        /* models with tables: NGRAM_MODELS (versions 2 and 3), one fewer (1) */
    uint32_t w_init, rate, b_max;       /* the format version's learning (NGRAM_*_V1, _V2) */
    uint32_t w[NGRAM_MODELS][NGRAM_CONF];
    const uint8_t *nl;                  /* the line model: on when set (ngram_set_line); (V) line-end flags */
    const uint8_t *fs, *fnl;            /* the field model: on when set (ngram_set_field) */
    const uint8_t *wc, *wnl;            /* the word model: on when set (ngram_set_word) */
} ngram_model;

/* One sequence's state: where its lines and fields are, and what ngram_mix found at this step. */
typedef struct {
    int act[NGRAM_MODELS];              /* this step: bucket index of each model that predicts, or -1 */
    int conf[NGRAM_MODELS];
    uint32_t tot[NGRAM_MODELS];
    uint32_t hash[NGRAM_MODELS];        /* this step: context hash of each model (when n > k), for the update */
    int ready;                          /* hash already holds the next ngram_mix's contexts (ngram_prefetch) */
    size_t cur, prev;                   /* start of the current and of the previous line (token indexes) */
    int have_prev;                      /* a line has ended in this chunk */
    uint32_t cf[NGRAM_FIELDS];          /* token index where each field of the current line starts */
    uint32_t pf[NGRAM_FIELDS];          /* and of the previous line */
    uint32_t ncf, npf, pend;            /* fields recorded in each; token index after the previous line */
    uint32_t words;                     /* the word model: tokens of the line so far that begin with a blank */
    int32_t key;                        /* and the line's first token with a letter (-1: none yet) */
    uint32_t own;                       /* set by the caller after ngram_seq_reset: in a chunk group of format
                                        ** version 3, the chunk's place in the group + 1, giving order
                                        ** NGRAM_OWN_ORDER contexts of its own; else 0 */
} ngram_seq;

/* Allocates the tables (wide: 2^13 buckets of 16 slots per model, frame flag bit 6; else 2^14 of 4);
** LLMZ_ERR_NOMEM on failure.  extra: more buckets, 2^extra times as many (0 to 3, else LLMZ_ERR_PARAM: a
** chunk group's shared tables; docs/format.md, "Chunk groups").  version: the frame's format version (1 to 3): its
** models and rates.  V: the vocabulary size (how tokens are stored; the coding does not depend on it). */
int ngram_init(ngram_model *g, int wide, int extra, int version, int V);
size_t ngram_bytes(int wide, int extra, int version, int V);    /* what ngram_init allocates */
void ngram_free(ngram_model *g);
void ngram_reset(ngram_model *g); /* start of a chunk (or chunk group): empty tables, initial weights */
/* dst's tables and weights become src's (both made by ngram_init with the same arguments; the line, field and
** word settings stay dst's): a dictionary's primed state. */
void ngram_copy(ngram_model *dst, const ngram_model *src);
void ngram_seq_reset(ngram_seq *q); /* start of a chunk */
/* The line model (frame flag bit 4; docs/format.md, "Adaptation"): a fifth context, the previous line's tokens
** at the current token's index in its line and the next index, with the last token.  nl: (V) line-end flags
** of the tokens, kept by the caller; NULL (the default) turns it off, leaving the orders exactly as before. */
void ngram_set_line(ngram_model *g, const uint8_t *nl);
/* The field model (frame flag bit 5; docs/format.md, "Adaptation"): a sixth context, the previous line's
** token at the same field and offset in the field, its next field's first token, and the last token.  fs: (V)
** 1 for a token whose first byte is not a letter, digit, '_' or >= 0x80 (it starts a field); nl as above.
** NULL (the default) turns it off. */
void ngram_set_field(ngram_model *g, const uint8_t *fs, const uint8_t *nl);
/* The word model (format version 2, frame flag bit 5; docs/format.md, "Adaptation"): a seventh context, how
** many tokens of the current line so far begin with a blank, the line's first token that holds a letter, and
** the last token ("the value after the third word of a `configure` line").  wc: (V) bit 0 for a token whose
** first byte is a space or tab, bit 1 for one with an ASCII letter; nl as above.  NULL (the default): off. */
void ngram_set_word(ngram_model *g, const uint8_t *wc, const uint8_t *nl);

/* Mix the orders whose context (the last tokens of hist[0..n-1]) is known into freq (V entries, total 2^28
** kept, each >= 1). */
void ngram_mix(const ngram_model *g, ngram_seq *q, const int32_t *hist, size_t n, const uint32_t *in, uint32_t *freq,
               int V, const kernel_set *ks); /* result in freq (may be in); ks gives the take kernel */
/* After coding token hist[n-1] (n now counts it), following ngram_mix of the same step: f_in = its frequency
** before ngram_mix, f_out = the frequency it was coded with.  Learns the weights used at this step, then
** counts the token in every order (under the context hashes ngram_mix computed). */
/* After ngram_mix: the token model k predicts most (its most counted slot, the first on ties), or -1 when
** the model did not take part at this step. */
int32_t ngram_top(const ngram_model *g, const ngram_seq *q, int k);
void ngram_update(ngram_model *g, ngram_seq *q, const int32_t *hist, size_t n, uint32_t f_in, uint32_t f_out);
/* After ngram_update of a step (hist[0..n-1] the tokens so far): computes the context hashes of the next
** ngram_mix of this sequence (which then uses them) and asks the CPU to fetch the check values and buckets it
** reads (and its update writes), so that the other work before it hides their memory latency.  Changes
** nothing a prediction depends on. */
void ngram_prefetch(const ngram_model *g, ngram_seq *q, const int32_t *hist, size_t n);

#endif
