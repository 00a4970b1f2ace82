/*
** lora.c -- LoRA adapters merged into a loaded model's weights (transformer.h, tf_apply_lora).
*/
#include <stdio.h>

#include "common/mem.h"
#include "llmz.h"
#include "model/tf_impl.h"

static const char *const LORA_NAMES[7] = {"attn_q",   "attn_k", "attn_v",  "attn_output",
                                          "ffn_gate", "ffn_up", "ffn_down"};

static qmat *lora_target(tf_model *m, int l, int k) {
    tf_layer *L = &m->layers[l];
    qmat *const t[7] = {&L->wq, &L->wk, &L->wv, &L->wo, &L->wgate, &L->wup, &L->wdown};
    return t[k];
}

/* A 2-D F32/F16 tensor of shape [ne0, ne1] as floats (finite values only). */
static int lora_tensor(float **out, const gguf_tensor *t, uint64_t ne0, uint64_t ne1) {
    if (t->n_dims != 2 || t->ne[0] != ne0 || t->ne[1] != ne1) return LLMZ_ERR_MODEL_UNSUPPORTED;
    if (t->type != 0 && t->type != 1) return LLMZ_ERR_MODEL_UNSUPPORTED;
    size_t n = (size_t)(ne0 * ne1);
    if (t->nbytes < n * (t->type == 0 ? 4 : 2)) return LLMZ_ERR_MODEL_FORMAT;
    float *v = llmz_malloc(n * sizeof(float));
    if (!v) return LLMZ_ERR_NOMEM;
    for (size_t j = 0; j < n; j++) {
        if (!tf_tensor_value(t, j, &v[j])) {
            llmz_free(v);
            return LLMZ_ERR_MODEL_UNSUPPORTED;
        }
    }
    *out = v;
    return LLMZ_OK;
}

/* W <- quantise(dequantise(W) + scale * (B A)), row by row; (B A)[o][i] sums k = 0 .. rank-1 in order. */
static int lora_merge(qmat *w, const float *A, const float *B, int rank, float scale) {
    int rows = w->rows, cols = w->cols;
    const kernel_set *ks = kernels_get(0);
    float *acc = llmz_malloc((size_t)cols * sizeof(float));
    if (!acc) return LLMZ_ERR_NOMEM;
    kern_unpack(w);
    w->fw = NULL; /* the merged weights are the int8 blocks alone, in every numerics version */
    int rc = LLMZ_OK;
    for (int o = 0; o < rows && rc == LLMZ_OK; o++) {
        int8_t *q = w->q + (size_t)o * cols;
        float *d = w->d + (size_t)o * (cols / QK);
        for (int i = 0; i < cols; i++) acc[i] = 0.0f;
        for (int k = 0; k < rank; k++) {
            float b = B[(size_t)o * rank + k];
            const float *a = A + (size_t)k * cols;
            for (int i = 0; i < cols; i++) acc[i] = acc[i] + b * a[i];
        }
        for (int i = 0; i < cols; i++) {
            float v = (float)q[i] * d[i / QK] + scale * acc[i];
            if (!(v <= 1e30f && v >= -1e30f)) rc = LLMZ_ERR_MODEL_UNSUPPORTED; /* hostile adapter */
            acc[i] = v;
        }
        qact row = {q, d, 1, cols};
        ks->quantize(&row, acc, 1, cols); /* any kernel set: the reference's bits (test_kernels) */
    }
    llmz_free(acc);
    kern_pack(w);
    return rc;
}

int tf_apply_lora(tf_model *m, const gguf_ctx *a) {
    const tf_config *c = &m->c;
    float alpha;
    int have_alpha = gguf_get_f32(a, "adapter.lora.alpha", &alpha) == LLMZ_OK;
    if (have_alpha && !(alpha > 0.0f && alpha < 1e6f)) return LLMZ_ERR_MODEL_UNSUPPORTED;
    /* every tensor must be a lora_a / lora_b pair of a matrix we adapt: nothing is silently ignored */
    size_t used = 0;
    for (int l = 0; l < c->n_layer; l++) {
        for (int k = 0; k < 7; k++) {
            char na[64], nb[64];
            snprintf(na, sizeof na, "blk.%d.%s.weight.lora_a", l, LORA_NAMES[k]);
            snprintf(nb, sizeof nb, "blk.%d.%s.weight.lora_b", l, LORA_NAMES[k]);
            const gguf_tensor *ta = gguf_find_tensor(a, na), *tb = gguf_find_tensor(a, nb);
            if (!ta && !tb) continue;
            if (!ta || !tb) return LLMZ_ERR_MODEL_UNSUPPORTED;
            qmat *w = lora_target(m, l, k);
            if (ta->n_dims != 2 || ta->ne[1] < 1 || ta->ne[1] > 256) return LLMZ_ERR_MODEL_UNSUPPORTED;
            int rank = (int)ta->ne[1];
            float *A = NULL, *B = NULL;
            int rc = lora_tensor(&A, ta, (uint64_t)w->cols, (uint64_t)rank);
            if (!rc) rc = lora_tensor(&B, tb, (uint64_t)rank, (uint64_t)w->rows);
            if (!rc) rc = lora_merge(w, A, B, rank, (have_alpha ? alpha : (float)rank) / (float)rank);
            llmz_free(A);
            llmz_free(B);
            if (rc) return rc;
            used += 2;
        }
    }
    if (used == 0 || used != gguf_n_tensors(a)) return LLMZ_ERR_MODEL_UNSUPPORTED;
    return LLMZ_OK;
}
