/*
** judge.h -- the model as the lossy mode's judge: the bits the language model spends on candidate texts after a
** committed context, for choosing rewrites by what they cost (rate against distortion).
**
** The committed text is fed to one sequence (its KV cache); each candidate is evaluated in a copy of it, all
** candidates of a call in one batch.  Bits are those of the integer frequencies the coder would use from the LM
** alone (freq_from_logits): -log2(f / 2^28).  Every kernel set gives the same bits, so choices are the same on
** every machine.  The committed text is tokenized piece by piece (a piece ends before a word's leading blank), which
** is close to, not always equal to, the coder's tokens: the judge ranks, the coder's size is measured afterwards.
*/
#ifndef LLMZ_JUDGE_H
#define LLMZ_JUDGE_H
#include <stddef.h>
#include <stdint.h>

#include "llmz.h"

#define JUDGE_MAX_ALTS 16   /* candidates per call */
#define JUDGE_MAX_TOKENS 96 /* tokens of one candidate counted (the rest is ignored) */

typedef struct judge judge;

int judge_new(judge **out, const llmz_model *m, int threads);
void judge_free(judge *j);
/* Forget the committed text (a new part starts). */
void judge_reset(judge *j);
/* Append s[0, n) to the committed text; *bits (may be NULL) receives what its tokens cost. */
int judge_commit(judge *j, const uint8_t *s, size_t n, double *bits);
/* The bits of each candidate alts[i] (lens[i] bytes) as the continuation of the committed text (n <= 16). */
int judge_cost(judge *j, const uint8_t *const *alts, const size_t *lens, int n, double *bits);

#endif
