/*
** score.c -- llmz_model_score: the bits the language model alone spends on a sample, for choosing between models
** (and adapters), and the rule --adapter=auto chooses an adapter by.  Uses the model and the frequency rule
** directly, in fresh windows; touches no context, no online model and no frame.
*/
#include <fenv.h>
#include <string.h>

#include "coder/freq.h"
#include "coder/rc.h"
#include "common/mem.h"
#include "engine/engine.h"
#include "format/frame.h"
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
    tf_state *st = tf_state_new(m->tf, 1); /* the scorer's arithmetic stays numerics 1 */
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

/* The i-th candidate adapter: from a list (n >= 0 entries) or, for n < 0, the built-in ones. */
typedef struct {
    const void *const *data;
    const size_t *sizes;
    int n;
} candidates;

static int candidate(const candidates *c, int i, const void **data, size_t *size) {
    if (c->n < 0) return llmz_adapter_builtin(i, data, size);
    if (i >= c->n) return LLMZ_ERR_PARAM;
    *data = c->data[i];
    *size = c->sizes[i];
    return LLMZ_OK;
}

/* Bits the adapter extension of m (a model with an adapter) takes in the frames the encoder writes by default. */
static double adapter_cost(const llmz_model *m) {
    frame_header h;
    engine_fill_header(&h, m, LLMZ_FORMAT_VERSION);
    return 8.0 * (double)frame_adapter_len(&h);
}

static int pick(llmz_model **out, const llmz_model *base, const void *src, size_t size, const candidates *c,
                int *tried) {
    const void *data;
    size_t asize;
    double best_bits, bits;
    if (tried) *tried = 0;
    if (!out) return LLMZ_ERR_PARAM;
    *out = NULL;
    if (!base || (!src && size) || (c->n > 0 && (!c->data || !c->sizes))) return LLMZ_ERR_PARAM;
    if (size < LLMZ_AUTO_ADAPTER_MIN || candidate(c, 0, &data, &asize) != LLMZ_OK ||
        llmz_model_score(base, src, size, LLMZ_AUTO_ADAPTER_SAMPLE, &best_bits) != LLMZ_OK)
        return LLMZ_OK;
    /* the sample's bits scaled to the input, plus the header extension an adapter costs (adapter_cost) */
    double scale = (double)size / (double)(size < LLMZ_AUTO_ADAPTER_SAMPLE ? size : LLMZ_AUTO_ADAPTER_SAMPLE);
    best_bits *= scale;
    for (int i = 0; candidate(c, i, &data, &asize) == LLMZ_OK; i++) {
        llmz_model *m;
        if (llmz_model_load_adapter(&m, base, data, asize) != LLMZ_OK) continue; /* not for this model */
        if (llmz_model_score(m, src, size, LLMZ_AUTO_ADAPTER_SAMPLE, &bits) == LLMZ_OK &&
            (bits = bits * scale + adapter_cost(m)) < best_bits) {
            llmz_model_free(*out);
            *out = m;
            best_bits = bits;
        } else {
            llmz_model_free(m);
        }
    }
    if (tried) *tried = 1;
    return LLMZ_OK;
}

int llmz_model_auto_adapter(llmz_model **out, const llmz_model *base, const void *src, size_t size, int *tried) {
    const candidates c = {NULL, NULL, -1};
    return pick(out, base, src, size, &c, tried);
}

int llmz_model_pick_adapter(llmz_model **out, const llmz_model *base, const void *src, size_t size,
                            const void *const *adapters, const size_t *sizes, int n, int *tried) {
    const candidates c = {adapters, sizes, n < 0 ? 0 : n};
    return pick(out, base, src, size, &c, tried);
}
