/*
** score.c -- llmz_model_score: the bits the language model alone spends on a sample, for choosing between models
** (and adapters).  Uses the model and the frequency rule directly, in fresh windows; touches no context, no
** online model and no frame.
*/
#include <fenv.h>

#include "coder/freq.h"
#include "coder/rc.h"
#include "common/mem.h"
#include "llmz.h"
#include "model/model.h"
#include "numerics/detmath.h"

int llmz_model_score(const llmz_model *m, const void *src, size_t size, size_t sample, double *bits) {
    if (!m || !bits || (!src && size)) return LLMZ_ERR_PARAM;
    *bits = 0.0;
    size_t n = size < sample ? size : sample;
    if (n == 0) return LLMZ_OK;
    const tf_config *cfg = tf_cfg(m->tf);
    const kernel_set *ks = kernels_get(0); /* every kernel set gives the same bits */
    int W = cfg->ctx, V = cfg->vocab;
    size_t cap = n + 1;
    int32_t *ids = llmz_malloc(cap * sizeof *ids), *in = llmz_malloc((size_t)W * sizeof *in);
    float *logits = llmz_malloc((size_t)W * V * sizeof *logits), *e = llmz_malloc((size_t)V * sizeof *e);
    uint32_t *freq = llmz_malloc((size_t)V * sizeof *freq);
    tf_state *st = tf_state_new(m->tf);
    tf_batch *b = tf_batch_new(m->tf, W);
    tf_state **sv = llmz_malloc((size_t)W * sizeof *sv); /* one state for every row of a window */
    int rc = (ids && in && logits && e && freq && st && b && sv && ks) ? LLMZ_OK : LLMZ_ERR_NOMEM;
    for (int r = 0; sv && r < W; r++) sv[r] = st;
    fenv_t saved;
    fegetenv(&saved);
    fesetenv(FE_DFL_ENV);
    long nt = rc ? 0 : tok_encode(m->tok, ids, cap, src, n);
    if (nt < 0) rc = LLMZ_ERR_NOMEM;
    const double inv_ln2 = 1.0 / det_log(2.0);
    double sum = 0.0;
    /* windows of W tokens, each from a fresh state; the input before token j is token j - 1 (start token first) */
    for (long w0 = 0; rc == LLMZ_OK && w0 < nt; w0 += W) {
        int rows = nt - w0 < W ? (int)(nt - w0) : W;
        tf_state_reset(st);
        for (int r = 0; r < rows; r++) in[r] = w0 + r == 0 ? m->start_tok : ids[w0 + r - 1];
        rc = tf_forward(m->tf, ks, b, sv, in, rows, logits);
        for (int r = 0; rc == LLMZ_OK && r < rows; r++) {
            freq_from_logits(freq, e, logits + (size_t)r * V, V, -1, NULL, ks);
            sum += (double)RC_TOTAL_BITS - det_log((double)freq[ids[w0 + r]]) * inv_ln2;
        }
    }
    fesetenv(&saved);
    *bits = sum;
    llmz_free(sv);
    tf_batch_free(b);
    tf_state_free(st);
    llmz_free(freq);
    llmz_free(e);
    llmz_free(logits);
    llmz_free(in);
    llmz_free(ids);
    return rc;
}
