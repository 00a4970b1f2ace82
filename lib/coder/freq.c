/* freq.c -- logits to integer frequencies, the rule in freq.h. */
#include "coder/freq.h"

#include "coder/rc.h"
#include <string.h>

double freq_from_logits(uint32_t *freq, float *e, const float *logits, int V, int tok, double *S_out,
                        const kernel_set *ks) {
    return freq_from_logits_max(freq, e, logits, V, ks->maxf(logits, V), tok, S_out, ks);
}

double freq_from_logits_max(uint32_t *freq, float *e, const float *logits, int V, float m, int tok, double *S_out,
                            const kernel_set *ks) {
    double S = ks->expsum(e, logits, V, m);
    if (!(S >= 1.0 && S <= (double)V)) { /* NaN/inf logits (hostile model): fall back to uniform */
        for (int i = 0; i < V; i++) e[i] = 1.0f;
        S = (double)V;
    }
    if (S_out) *S_out = S;
    double k = (double)(RC_TOTAL - (uint32_t)V) / S;
    int best;
    int64_t sum = ks->freq_fill(freq, e, V, k, &best);
    freq[best] = (uint32_t)((int64_t)freq[best] + ((int64_t)RC_TOTAL - sum));
    return tok >= 0 ? (double)e[tok] / S : 0.0;
}

void freq_cum(uint32_t *cum, const uint32_t *freq, int V, const kernel_set *ks) { ks->cumsum(cum, freq, V); }

int freq_find(const uint32_t *cum, int V, uint32_t target) {
    int lo = 0, hi = V; /* cum[lo] <= target < cum[hi] */
    while (hi - lo > 1) {
        int mid = (lo + hi) / 2;
        if (cum[mid] <= target)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}
