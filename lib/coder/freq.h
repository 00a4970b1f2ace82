/*
** freq.h -- the rule that turns the model's logits into integer frequencies (docs/format.md, "Frequencies").
**
**   m   = max_i l_i                      (float)
**   e_i = det_expf(l_i - m)              (float, detmath.h)
**   S   = sum_i e_i                      (double, i = 0 .. V-1 in order)
**   k   = (double)(2^28 - V) / S         (double)
**   f_i = 1 + (uint32)((double)e_i * k)  (truncation)
**   the first index holding the largest f_i receives 2^28 - sum_i f_i (may be negative by rounding)
** Every token gets at least 1; the total is exactly 2^28.
*/
#ifndef LLMZ_FREQ_H
#define LLMZ_FREQ_H
#include <stdint.h>

#include "numerics/kernels.h"

/* freq: (V) frequencies (total 2^28).  e: (V) float scratch.
** ks computes the e_i and S (expsum), the f_i (freq_fill) and the maximum (maxf); any kernel set gives the same bits.
** Returns the model probability of token `tok` as e_tok / S (for statistics only; pass -1 to skip); S in *S_out
** when S_out is not NULL. */
double freq_from_logits(uint32_t *freq, float *e, const float *logits, int V, int tok, double *S_out,
                        const kernel_set *ks);
/* The same with m = maxf(logits, V) already known (the output bias's kernel finds it while writing them). */
double freq_from_logits_max(uint32_t *freq, float *e, const float *logits, int V, float m, int tok, double *S_out,
                            const kernel_set *ks);

/* cum: (V+1) cumulative frequencies, cum[0] = 0, cum[i+1] = cum[i] + freq[i]. */
void freq_cum(uint32_t *cum, const uint32_t *freq, int V, const kernel_set *ks); /* with ks->cumsum */

/* Index s with cum[s] <= target < cum[s+1] (binary search). */
int freq_find(const uint32_t *cum, int V, uint32_t target);

#endif
