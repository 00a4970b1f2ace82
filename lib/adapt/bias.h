/*
** bias.h -- online adaptation, format version 3: dynamic evaluation of the language model's output bias.
**
** Each chunk learns a bias b_i for every token, added to the model's logits before the softmax (freq.h), by
** one gradient step on -log p after every token: the model's distribution says how likely each token was,
** the coded token says which one came.  The step is scaled by the model's share of the coded token's final
** probability (when the online models gave the token more than the model did, they already knew it and
** the bias learns less).  Exactly, after coding token t with the model's frequency f_lm and the mixed
** frequency f_mix (before secondary estimation), S the softmax sum and e_i its terms (freq.h):
**     lr   = BIAS_LR * min(1, f_lm / f_mix)               (double)
**     b_t  = min(b_t + (float)lr, BIAS_MAX)               (float)
** and when the chunk's next logits arrive, first, for every i in order,
**     r    = (float)(lr / S)
**     b_i  = max(b_i - r * e_i, -BIAS_MAX)                (float: one product, one difference, no fused
**                                                          multiply-add)
** then l'_i = l_i + b_i (float) go to freq.h.  Every operation is an IEEE single or double operation on
** values the format defines, so every machine computes the same bits (docs/format.md, "Format version 3").
*/
#ifndef LLMZ_BIAS_H
#define LLMZ_BIAS_H
#include <stddef.h>
#include <stdint.h>

#include "numerics/kernels.h"

#define BIAS_LR 0.15625 /* 5/32 nats a token (measured: 0.05 to 0.2 gain 0.6-1.8% on structured text) */
#define BIAS_MAX 8.0f

typedef struct {
    float *b;   /* (V) the biases */
    float *e;   /* (V) the softmax terms of this step (freq_from_logits writes them) */
    double S;   /* their sum */
    double lr;  /* the pending step: applied to every token when the next logits arrive (0: none) */
    int V;
} bias_model;

int bias_init(bias_model *m, int V);  /* LLMZ_ERR_NOMEM on failure */
size_t bias_bytes(int V);             /* what bias_init allocates */
void bias_free(bias_model *m);
void bias_reset(bias_model *m);       /* start of a chunk: every bias 0, nothing pending */
/* dst becomes src (both made by bias_init with the same V): a dictionary's primed state. */
void bias_copy(bias_model *dst, const bias_model *src);
/* The logits the model's frequencies come from: applies the pending step, then out_i = logits_i + b_i (with
** ks->bias; every kernel set gives the same bits).  Returns their maximum (as ks->maxf finds it). */
float bias_apply(bias_model *m, const float *logits, float *out, const kernel_set *ks);
/* After coding token t (f_lm: its frequency from the biased logits, f_mix: after the online models). */
void bias_learn(bias_model *m, int32_t t, uint32_t f_lm, uint32_t f_mix);

#endif
