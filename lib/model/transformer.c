/*
** transformer.c -- llama-style decoder: weights, KV cache, batched forward pass.
**
** Per layer:   h = rmsnorm(x) * attn_norm;  q,k,v = Wq h, Wk h, Wv h;  RoPE(q,k);  x += Wo attn(q,k,v)
**              h = rmsnorm(x) * ffn_norm;   x += Wdown (silu(Wgate h) * (Wup h))
** then logits = Wout (rmsnorm(x) * out_norm), Wout = token_embd when output.weight is absent (tied).
** Float arithmetic order is written out in docs/determinism.md; the matrix products go through the kernel
** set (kernels.h), everything else is plain scalar C evaluated in source order.
*/
#include "model/transformer.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "numerics/detmath.h"
#include "common/mem.h"
#include "common/team.h"
#include "llmz.h"
#include "model/quants.h"

typedef struct {
    float *attn_norm, *ffn_norm; /* (dim) */
    qmat wq;                     /* (dim out, dim in) */
    qmat wk, wv;                 /* (kv_dim, dim) */
    qmat wo;                     /* (dim, dim) */
    qmat wgate, wup;             /* (ffn, dim) */
    qmat wdown;                  /* (dim, ffn) */
} tf_layer;

struct tf_model {
    tf_config c;
    qmat emb;         /* (vocab, dim): embedding rows and, when tied, the output head */
    qmat out;         /* (vocab, dim); shares emb's memory when tied */
    int tied;
    float *out_norm;  /* (dim) */
    tf_layer *layers; /* (n_layer) */
    float *rope_cos;  /* (ctx, head_dim/2) */
    float *rope_sin;
    uint64_t n_params;
};

struct tf_state {
    int pos;
    float *kc; /* (n_layer, kv_dim, ctx): keys transposed */
    float *vc; /* (n_layer, ctx, kv_dim), in the block kc starts */
};

struct tf_batch {
    int nmax;
    float *x, *xb, *q, *k, *v, *ao, *hb, *hb2;
    float *att; /* (team size, ctx): attention weights, one row per team member */
    int *pos;
    qact xq;
    team *team;      /* NULL: the calling thread alone */
    team *given;     /* the team tf_batch_use_team gave (tf_batch_pause_team) */
    float *att_base; /* (ctx) in the batch's block: att without a team */
    float *att_own;  /* att's own allocation with a team */
};

/* ---- loading ---------------------------------------------------------------------------------- */

static int get_u32(const gguf_ctx *g, const char *key, uint32_t *v) {
    return gguf_get_u32(g, key, v) == LLMZ_OK ? LLMZ_OK : LLMZ_ERR_MODEL_UNSUPPORTED;
}

static void qmat_free(qmat *w) {
    kern_unpack(w);
    llmz_free(w->q);
    llmz_free(w->d);
    w->q = NULL;
    w->d = NULL;
}

/* Element j of an F32 (type 0) or F16 (type 1) tensor; 0 if it is NaN or infinite (a hostile model). */
static int tensor_value(const gguf_tensor *t, size_t j, float *out) {
    float v;
    if (t->type == 0) {
        uint32_t u = (uint32_t)t->data[4 * j] | (uint32_t)t->data[4 * j + 1] << 8 | (uint32_t)t->data[4 * j + 2] << 16 |
                     (uint32_t)t->data[4 * j + 3] << 24;
        memcpy(&v, &u, 4);
    } else {
        v = gguf_f16_to_f32((uint16_t)(t->data[2 * j] | (t->data[2 * j + 1] << 8)));
    }
    *out = v;
    return v == v && v <= 3e38f && v >= -3e38f;
}

/* Tensor `name` with GGUF shape [cols, rows] into kernel layout.  Q8_0 is copied (fp16 scales widened,
** -128 clamped to -127 so |q| <= 127 holds for the SIMD kernels); F32/F16 are quantised with the
** activation rule (kernels.h) and float scales, and so are the other block types of quants.h, dequantised
** row by row first (a NaN/infinite scale or a weight beyond QUANT_MAX refuses the model). */
/* A matrix of a block type (quants.h) other than Q8_0: each row dequantised, then quantised as F32 is. */
static int load_blocks(qmat *w, const gguf_tensor *t) {
    const quant_info *qi = quant_find(t->type);
    if (!qi) return LLMZ_ERR_MODEL_UNSUPPORTED;
    size_t cols = (size_t)w->cols, nb = cols / QK, rowbytes = cols / qi->block * qi->bytes;
    if (cols % qi->block || t->nbytes < rowbytes * (size_t)w->rows) return LLMZ_ERR_MODEL_FORMAT;
    float *row = llmz_malloc(cols * sizeof(float));
    if (!row) return LLMZ_ERR_NOMEM;
    int rc = LLMZ_OK;
    for (size_t r = 0; r < (size_t)w->rows && rc == LLMZ_OK; r++) {
        rc = quant_row(t->type, t->data + r * rowbytes, row, cols);
        qact one = {w->q + r * cols, w->d + r * nb, 1, (int)cols};
        if (rc == LLMZ_OK) kern_quantize_ref(&one, row, 1, (int)cols);
    }
    llmz_free(row);
    if (rc == LLMZ_OK) kern_pack(w);
    return rc;
}

static int load_qmat(qmat *w, const gguf_ctx *g, const char *name, int cols, int rows) {
    const gguf_tensor *t = gguf_find_tensor(g, name);
    if (!t) return LLMZ_ERR_MODEL_UNSUPPORTED;
    if (t->n_dims != 2 || t->ne[0] != (uint64_t)cols || t->ne[1] != (uint64_t)rows) return LLMZ_ERR_MODEL_UNSUPPORTED;
    size_t n = (size_t)rows * (size_t)cols, nb = n / QK;
    w->rows = rows;
    w->cols = cols;
    w->q = llmz_malloc(n);
    w->d = llmz_malloc(nb * sizeof(float));
    if (!w->q || !w->d) return LLMZ_ERR_NOMEM;
    if (t->type == 8) { /* Q8_0: per block fp16 d, 32 x int8 */
        if (t->nbytes < nb * 34) return LLMZ_ERR_MODEL_FORMAT;
        for (size_t b = 0; b < nb; b++) {
            const uint8_t *blk = t->data + b * 34;
            w->d[b] = gguf_f16_to_f32((uint16_t)(blk[0] | (blk[1] << 8)));
            if (!(w->d[b] <= QUANT_MAX / 127.0f && w->d[b] >= -QUANT_MAX / 127.0f)) return LLMZ_ERR_MODEL_FORMAT;
            for (int i = 0; i < QK; i++) {
                int8_t v = (int8_t)blk[2 + i];
                w->q[b * QK + i] = v == -128 ? -127 : v;
            }
        }
        kern_pack(w);
        return LLMZ_OK;
    }
    if (t->type != 0 && t->type != 1) return load_blocks(w, t);
    if (t->nbytes < n * (t->type == 0 ? 4 : 2)) return LLMZ_ERR_MODEL_FORMAT;
    float tmp[QK];
    for (size_t b = 0; b < nb; b++) {
        for (int i = 0; i < QK; i++)
            if (!tensor_value(t, b * QK + i, &tmp[i])) return LLMZ_ERR_MODEL_UNSUPPORTED;
        qact one = {w->q + b * QK, w->d + b, 1, QK};
        kern_quantize_ref(&one, tmp, 1, QK);
    }
    kern_pack(w);
    return LLMZ_OK;
}

static int load_vec(float **out, const gguf_ctx *g, const char *name, int n) {
    const gguf_tensor *t = gguf_find_tensor(g, name);
    if (!t) return LLMZ_ERR_MODEL_UNSUPPORTED;
    if (t->n_dims != 1 || t->ne[0] != (uint64_t)n) return LLMZ_ERR_MODEL_UNSUPPORTED;
    const quant_info *qi = t->type > 1 ? quant_find(t->type) : NULL;
    if (t->type > 1 && !qi) return LLMZ_ERR_MODEL_UNSUPPORTED;
    if (qi && ((uint32_t)n % qi->block || t->nbytes < (uint64_t)n / qi->block * qi->bytes))
        return LLMZ_ERR_MODEL_FORMAT;
    if (!qi && t->nbytes < (uint64_t)n * (t->type == 0 ? 4 : 2)) return LLMZ_ERR_MODEL_FORMAT;
    float *v = llmz_malloc((size_t)n * sizeof(float));
    if (!v) return LLMZ_ERR_NOMEM;
    if (qi) { /* a block type (BF16 in practice): the same checks as a matrix's */
        int rc = quant_row(t->type, t->data, v, (size_t)n);
        if (rc == LLMZ_OK) *out = v;
        else llmz_free(v);
        return rc;
    }
    for (int i = 0; i < n; i++) {
        if (!tensor_value(t, (size_t)i, &v[i])) {
            llmz_free(v);
            return LLMZ_ERR_MODEL_UNSUPPORTED;
        }
    }
    *out = v;
    return LLMZ_OK;
}

void tf_free(tf_model *m) {
    if (!m) return;
    if (m->layers) {
        for (int l = 0; l < m->c.n_layer; l++) {
            tf_layer *L = &m->layers[l];
            llmz_free(L->attn_norm);
            llmz_free(L->ffn_norm);
            qmat_free(&L->wq);
            qmat_free(&L->wk);
            qmat_free(&L->wv);
            qmat_free(&L->wo);
            qmat_free(&L->wgate);
            qmat_free(&L->wup);
            qmat_free(&L->wdown);
        }
        llmz_free(m->layers);
    }
    qmat_free(&m->emb);
    if (!m->tied) qmat_free(&m->out);
    llmz_free(m->out_norm);
    llmz_free(m->rope_cos);
    llmz_free(m->rope_sin);
    llmz_free(m);
}

static int load_all(tf_model *m, const gguf_ctx *g) {
    tf_config *c = &m->c;
    const char *arch;
    size_t alen;
    if (gguf_get_str(g, "general.architecture", &arch, &alen) != LLMZ_OK) return LLMZ_ERR_MODEL_UNSUPPORTED;
    if (alen != 5 || memcmp(arch, "llama", 5) != 0) return LLMZ_ERR_MODEL_UNSUPPORTED;
    uint32_t dim, nl, nh, nkv, ffn, ctx;
    int rc;
    if ((rc = get_u32(g, "llama.embedding_length", &dim)) || (rc = get_u32(g, "llama.block_count", &nl)) ||
        (rc = get_u32(g, "llama.attention.head_count", &nh)) || (rc = get_u32(g, "llama.feed_forward_length", &ffn)) ||
        (rc = get_u32(g, "llama.context_length", &ctx)))
        return rc;
    if (gguf_get_u32(g, "llama.attention.head_count_kv", &nkv) != LLMZ_OK) nkv = nh;
    float eps = 1e-5f, theta = 10000.0f;
    if (gguf_get_f32(g, "llama.attention.layer_norm_rms_epsilon", &eps) != LLMZ_OK) eps = 1e-5f;
    if (gguf_get_f32(g, "llama.rope.freq_base", &theta) != LLMZ_OK) theta = 10000.0f;
    /* limits: keep every size product far from overflow and the model runnable */
    if (dim == 0 || dim > 16384 || dim % QK || nl == 0 || nl > 256 || nh == 0 || nh > dim || dim % nh ||
        nkv == 0 || nh % nkv || ffn == 0 || ffn > 65536 || ffn % QK || ctx < 2)
        return LLMZ_ERR_MODEL_UNSUPPORTED;
    if (!(eps > 0.0f && eps < 1.0f) || !(theta > 1.0f && theta < 1e9f)) return LLMZ_ERR_MODEL_UNSUPPORTED;
    if (ctx > 65535) ctx = 65535; /* the container window field is 16 bits */
    c->dim = (int)dim;
    c->n_layer = (int)nl;
    c->n_head = (int)nh;
    c->n_kv_head = (int)nkv;
    c->head_dim = (int)(dim / nh);
    c->kv_dim = c->head_dim * (int)nkv;
    if (c->head_dim % 2 || c->kv_dim % QK) return LLMZ_ERR_MODEL_UNSUPPORTED;
    c->ffn = (int)ffn;
    c->ctx = (int)ctx;
    c->eps = eps;
    c->theta = theta;
    const gguf_tensor *te = gguf_find_tensor(g, "token_embd.weight");
    if (!te || te->n_dims != 2 || te->ne[0] != dim || te->ne[1] < 256 || te->ne[1] > (1u << 20))
        return LLMZ_ERR_MODEL_UNSUPPORTED;
    c->vocab = (int)te->ne[1];
    if ((rc = load_qmat(&m->emb, g, "token_embd.weight", c->dim, c->vocab))) return rc;
    if (gguf_find_tensor(g, "output.weight")) {
        if ((rc = load_qmat(&m->out, g, "output.weight", c->dim, c->vocab))) return rc;
    } else {
        m->out = m->emb;
        m->tied = 1;
    }
    if ((rc = load_vec(&m->out_norm, g, "output_norm.weight", c->dim))) return rc;
    m->layers = llmz_calloc((size_t)nl, sizeof(tf_layer));
    if (!m->layers) return LLMZ_ERR_NOMEM;
    for (int l = 0; l < c->n_layer; l++) {
        tf_layer *L = &m->layers[l];
        char nm[64];
#define T(s) (snprintf(nm, sizeof nm, "blk.%d." s, l), nm)
        if ((rc = load_vec(&L->attn_norm, g, T("attn_norm.weight"), c->dim)) ||
            (rc = load_vec(&L->ffn_norm, g, T("ffn_norm.weight"), c->dim)) ||
            (rc = load_qmat(&L->wq, g, T("attn_q.weight"), c->dim, c->dim)) ||
            (rc = load_qmat(&L->wk, g, T("attn_k.weight"), c->dim, c->kv_dim)) ||
            (rc = load_qmat(&L->wv, g, T("attn_v.weight"), c->dim, c->kv_dim)) ||
            (rc = load_qmat(&L->wo, g, T("attn_output.weight"), c->dim, c->dim)) ||
            (rc = load_qmat(&L->wgate, g, T("ffn_gate.weight"), c->dim, c->ffn)) ||
            (rc = load_qmat(&L->wup, g, T("ffn_up.weight"), c->dim, c->ffn)) ||
            (rc = load_qmat(&L->wdown, g, T("ffn_down.weight"), c->ffn, c->dim)))
            return rc;
#undef T
    }
    /* RoPE tables in double with detmath, rounded once to float */
    int half = c->head_dim / 2;
    m->rope_cos = llmz_malloc((size_t)c->ctx * half * sizeof(float));
    m->rope_sin = llmz_malloc((size_t)c->ctx * half * sizeof(float));
    if (!m->rope_cos || !m->rope_sin) return LLMZ_ERR_NOMEM;
    double lt = det_log((double)c->theta);
    for (int i = 0; i < half; i++) {
        double inv = det_exp(-(double)(2 * i) / (double)c->head_dim * lt);
        for (int p = 0; p < c->ctx; p++) {
            double s, co;
            det_sincos((double)p * inv, &s, &co);
            m->rope_cos[(size_t)p * half + i] = (float)co;
            m->rope_sin[(size_t)p * half + i] = (float)s;
        }
    }
    uint64_t np = (uint64_t)c->vocab * c->dim * (m->tied ? 1 : 2) + c->dim;
    np += (uint64_t)c->n_layer * (2ull * c->dim + 2ull * c->dim * c->dim + 2ull * c->dim * c->kv_dim +
                                  3ull * c->dim * c->ffn);
    m->n_params = np;
    return LLMZ_OK;
}

int tf_load(tf_model **out, const gguf_ctx *g) {
    *out = NULL;
    tf_model *m = llmz_calloc(1, sizeof *m);
    if (!m) return LLMZ_ERR_NOMEM;
    int rc = load_all(m, g);
    if (rc) {
        tf_free(m);
        return rc;
    }
    *out = m;
    return LLMZ_OK;
}

/* ---- LoRA adapters ------------------------------------------------------------------------------ */

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
        if (!tensor_value(t, j, &v[j])) {
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

static size_t qmat_bytes(const qmat *w) {
    size_t nb = (size_t)w->cols / QK, groups = ((size_t)w->rows + KPACK_ROWS - 1) / KPACK_ROWS,
           groups2 = ((size_t)w->rows + KPACK2_ROWS - 1) / KPACK2_ROWS;
    return (size_t)w->rows * w->cols + (size_t)w->rows * nb * sizeof(float) + (w->pk ? groups * nb * KPACK_BYTES : 0) +
           (w->pk2 ? groups2 * nb * KPACK2_BYTES : 0);
}

size_t tf_weight_bytes(const tf_model *m) {
    size_t n = qmat_bytes(&m->emb) + (m->tied ? 0 : qmat_bytes(&m->out));
    for (int l = 0; l < m->c.n_layer; l++) {
        const tf_layer *L = &m->layers[l];
        n += qmat_bytes(&L->wq) + qmat_bytes(&L->wk) + qmat_bytes(&L->wv) + qmat_bytes(&L->wo) + qmat_bytes(&L->wgate) +
             qmat_bytes(&L->wup) + qmat_bytes(&L->wdown) + 2 * (size_t)m->c.dim * sizeof(float);
    }
    return n + 2 * (size_t)m->c.ctx * (m->c.head_dim / 2) * sizeof(float); /* + the RoPE tables */
}

const tf_config *tf_cfg(const tf_model *m) { return &m->c; }
uint64_t tf_n_params(const tf_model *m) { return m->n_params; }

/* ---- state and scratch ------------------------------------------------------------------------ */

size_t tf_state_bytes(const tf_model *m) {
    return sizeof(tf_state) + llmz_mem_footprint(2 * (size_t)m->c.n_layer * m->c.ctx * m->c.kv_dim * sizeof(float));
}

tf_state *tf_state_new(const tf_model *m) {
    tf_state *s = llmz_calloc(1, sizeof *s);
    if (!s) return NULL;
    size_t n = (size_t)m->c.n_layer * m->c.ctx * m->c.kv_dim;
    s->kc = llmz_malloc(2 * n * sizeof(float)); /* keys, then values: one block (mem.h: big blocks) */
    if (!s->kc) {
        tf_state_free(s);
        return NULL;
    }
    s->vc = s->kc + n;
    return s;
}

void tf_state_free(tf_state *s) {
    if (!s) return;
    llmz_free(s->kc); /* vc is in the same block */
    llmz_free(s);
}

void tf_state_reset(tf_state *s) { s->pos = 0; }

void tf_state_copy(tf_state *dst, const tf_state *src, const tf_model *m) {
    const tf_config *c = &m->c;
    size_t pos = (size_t)src->pos;
    for (int l = 0; l < c->n_layer; l++) {
        size_t lk = (size_t)l * c->kv_dim * c->ctx; /* keys (kv_dim, ctx); values (ctx, kv_dim): both this far in */
        for (int j = 0; j < c->kv_dim; j++)
            memcpy(dst->kc + lk + (size_t)j * c->ctx, src->kc + lk + (size_t)j * c->ctx, pos * sizeof(float));
        memcpy(dst->vc + lk, src->vc + lk, pos * c->kv_dim * sizeof(float));
    }
    dst->pos = src->pos;
}
int tf_state_pos(const tf_state *s) { return s->pos; }

static size_t batch_floats(const tf_model *m, int nmax) {
    const tf_config *c = &m->c;
    int wide = c->ffn > c->dim ? c->ffn : c->dim;
    return (size_t)nmax * (4u * c->dim + 2u * c->kv_dim + 2u * c->ffn) + (size_t)c->ctx + (size_t)nmax * wide / QK;
}

size_t tf_batch_bytes(const tf_model *m, int nmax) {
    int wide = m->c.ffn > m->c.dim ? m->c.ffn : m->c.dim;
    return sizeof(tf_batch) + llmz_mem_footprint(batch_floats(m, nmax) * sizeof(float)) + (size_t)nmax * wide +
           (size_t)nmax * sizeof(int);
}

tf_batch *tf_batch_new(const tf_model *m, int nmax) {
    const tf_config *c = &m->c;
    if (nmax < 1) return NULL;
    tf_batch *b = llmz_calloc(1, sizeof *b);
    if (!b) return NULL;
    int wide = c->ffn > c->dim ? c->ffn : c->dim;
    b->nmax = nmax;
    b->x = llmz_malloc(batch_floats(m, nmax) * sizeof(float));
    b->xq.q = llmz_malloc((size_t)nmax * wide);
    b->pos = llmz_malloc((size_t)nmax * sizeof(int));
    if (!b->x || !b->xq.q || !b->pos) {
        tf_batch_free(b);
        return NULL;
    }
    float *p = b->x + (size_t)nmax * c->dim;
    b->xb = p, p += (size_t)nmax * c->dim;
    b->q = p, p += (size_t)nmax * c->dim;
    b->ao = p, p += (size_t)nmax * c->dim;
    b->k = p, p += (size_t)nmax * c->kv_dim;
    b->v = p, p += (size_t)nmax * c->kv_dim;
    b->hb = p, p += (size_t)nmax * c->ffn;
    b->hb2 = p, p += (size_t)nmax * c->ffn;
    b->att = b->att_base = p, p += c->ctx;
    b->xq.d = p;
    return b;
}

int tf_batch_use_team(tf_batch *b, const tf_model *m, team *t) {
    int n = team_size(t);
    float *att = NULL;
    if (n > 1) { /* a row of attention weights per member */
        att = llmz_malloc((size_t)n * m->c.ctx * sizeof(float));
        if (!att) return LLMZ_ERR_NOMEM;
    }
    llmz_free(b->att_own);
    b->att_own = att;
    b->att = att ? att : b->att_base;
    b->team = b->given = t;
    return LLMZ_OK;
}

void tf_batch_pause_team(tf_batch *b, int paused) { b->team = paused ? NULL : b->given; }

void tf_batch_free(tf_batch *b) {
    if (!b) return;
    llmz_free(b->x);
    llmz_free(b->att_own);
    llmz_free(b->xq.q);
    llmz_free(b->pos);
    llmz_free(b);
}

/* ---- forward ---------------------------------------------------------------------------------- */

/* y = (x * (1/sqrt(mean(x^2) + eps))) * w, sum of squares in index order */
static void rmsnorm(float *y, const float *x, const float *w, int n, float eps) {
    float ss = 0.0f;
    for (int i = 0; i < n; i++) ss = ss + x[i] * x[i];
    ss = ss / (float)n + eps;
    float inv = 1.0f / sqrtf(ss);
    for (int i = 0; i < n; i++) y[i] = (x[i] * inv) * w[i];
}

static void rope(float *v, int n_heads, int hd, const float *cs, const float *sn) {
    for (int h = 0; h < n_heads; h++) {
        float *p = v + h * hd;
        for (int i = 0; i < hd / 2; i++) {
            float x0 = p[2 * i], x1 = p[2 * i + 1];
            p[2 * i] = x0 * cs[i] - x1 * sn[i];
            p[2 * i + 1] = x0 * sn[i] + x1 * cs[i];
        }
    }
}

/* One evaluation, cut into phases that team_run spreads over the team.  Row phases split rows; matrix
** phases split output rows of the weight matrices (16 at a time, the packed kernels' group); attention splits
** (row, head) pairs.  Every element is computed by the same code whichever member computes it. */
typedef struct {
    const tf_model *m;
    const kernel_set *ks;
    tf_batch *b;
    tf_state *const *states;
    int n, l;
    /* row phases */
    const float *norm_w; /* norm_quant: rmsnorm of x with this weight, then quantise; NULL: quantise src */
    const float *src;
    int cols;
    /* matrix phases: up to 3 products; epilogue per output range */
    int nmat, epi;
    float *Y[3];
    int ldy[3];
    const qmat *W[3];
} fwd;

enum { EPI_NONE, EPI_RESIDUAL, EPI_SILU };

static void ph_norm_quant(void *arg, int i, int nt) {
    fwd *f = arg;
    tf_batch *b = f->b;
    int r0, r1, cols = f->cols, nb = cols / QK;
    team_split(f->n, 1, i, nt, &r0, &r1);
    if (r0 >= r1) return;
    const float *src = f->src;
    if (f->norm_w) {
        const tf_config *c = &f->m->c;
        for (int r = r0; r < r1; r++)
            rmsnorm(b->xb + (size_t)r * cols, b->x + (size_t)r * cols, f->norm_w, cols, c->eps);
        src = b->xb;
    }
    qact part = {b->xq.q + (size_t)r0 * cols, b->xq.d + (size_t)r0 * nb, 0, cols};
    f->ks->quantize(&part, src + (size_t)r0 * cols, r1 - r0, cols);
}

static void ph_matmul(void *arg, int i, int nt) {
    fwd *f = arg;
    tf_batch *b = f->b;
    for (int k = 0; k < f->nmat; k++) {
        int o0, o1;
        team_split(f->W[k]->rows, KPACK_ROWS, i, nt, &o0, &o1);
        if (o0 >= o1) continue;
        f->ks->matmul(f->Y[k], f->ldy[k], &b->xq, f->W[k], o0, o1);
        if (f->epi == EPI_RESIDUAL) {
            for (int r = 0; r < f->n; r++) {
                float *x = b->x + (size_t)r * f->ldy[k], *y = f->Y[k] + (size_t)r * f->ldy[k];
                for (int o = o0; o < o1; o++) x[o] = x[o] + y[o];
            }
        } else if (f->epi == EPI_SILU && k == 1) { /* gate (Y[0]) and up (Y[1]) split alike */
            for (int r = 0; r < f->n; r++)
                f->ks->silu_mul(f->Y[0] + (size_t)r * f->ldy[0] + o0, f->Y[1] + (size_t)r * f->ldy[1] + o0, o1 - o0);
        }
    }
}

static void ph_rope_store(void *arg, int i, int nt) {
    fwd *f = arg;
    const tf_model *m = f->m;
    const tf_config *c = &m->c;
    tf_batch *b = f->b;
    int dim = c->dim, kvd = c->kv_dim, half = c->head_dim / 2, r0, r1;
    team_split(f->n, 1, i, nt, &r0, &r1);
    for (int r = r0; r < r1; r++) {
        const float *cs = m->rope_cos + (size_t)b->pos[r] * half, *sn = m->rope_sin + (size_t)b->pos[r] * half;
        rope(b->q + (size_t)r * dim, c->n_head, c->head_dim, cs, sn);
        rope(b->k + (size_t)r * kvd, c->n_kv_head, c->head_dim, cs, sn);
        /* K is stored transposed, (kv_dim, ctx) per layer, so scores vectorise across positions */
        float *kt = f->states[r]->kc + (size_t)f->l * c->ctx * kvd + b->pos[r];
        const float *kr = b->k + (size_t)r * kvd;
        for (int j = 0; j < kvd; j++) kt[(size_t)j * c->ctx] = kr[j];
        size_t off = ((size_t)f->l * c->ctx + b->pos[r]) * kvd;
        memcpy(f->states[r]->vc + off, b->v + (size_t)r * kvd, (size_t)kvd * sizeof(float));
    }
}

static void ph_attention(void *arg, int i, int nt) {
    fwd *f = arg;
    const tf_config *c = &f->m->c;
    tf_batch *b = f->b;
    int dim = c->dim, kvd = c->kv_dim, hd = c->head_dim, group = c->n_head / c->n_kv_head;
    const float scale = 1.0f / sqrtf((float)hd);
    float *att = b->att + (size_t)i * c->ctx;
    /* units are dealt round-robin: later rows of a prefill see more positions, so contiguous ranges would
    ** leave the last member with most of the work */
    for (int u = i; u < f->n * c->n_head; u += nt) { /* unit u: row u / n_head, head u % n_head */
        int r = u / c->n_head, h = u % c->n_head;
        const float *kc = f->states[r]->kc + (size_t)f->l * c->ctx * kvd;
        const float *vc = f->states[r]->vc + (size_t)f->l * c->ctx * kvd;
        int T = b->pos[r] + 1;
        const float *q = b->q + (size_t)r * dim + h * hd;
        int kvo = (h / group) * hd;
        f->ks->scores(att, q, kc + (size_t)kvo * c->ctx, hd, T, c->ctx, scale);
        f->ks->expsub(att, T, f->ks->maxf(att, T));
        float sum = 0.0f;
        for (int t = 0; t < T; t++) sum = sum + att[t];
        f->ks->mix(b->ao + (size_t)r * dim + h * hd, att, vc + kvo, hd, T, kvd, 1.0f / sum);
    }
}

/* Row phases are cheap for a few rows: the caller does them alone rather than waking the team. */
#define ROW_PHASE_MIN 8

static void run_rows(fwd *f, team_fn fn) {
    if (f->n < ROW_PHASE_MIN)
        fn(f, 0, 1);
    else
        team_run(f->b->team, fn, f);
}

static void norm_quant(fwd *f, const float *norm_w, const float *src, int cols) {
    f->norm_w = norm_w;
    f->src = src;
    f->cols = cols;
    run_rows(f, ph_norm_quant);
}

static void matmuls(fwd *f, int epi, int nmat, float *Y0, int ld0, const qmat *W0, float *Y1, int ld1, const qmat *W1,
                    float *Y2, int ld2, const qmat *W2) {
    f->epi = epi;
    f->nmat = nmat;
    f->Y[0] = Y0, f->ldy[0] = ld0, f->W[0] = W0;
    f->Y[1] = Y1, f->ldy[1] = ld1, f->W[1] = W1;
    f->Y[2] = Y2, f->ldy[2] = ld2, f->W[2] = W2;
    team_run(f->b->team, ph_matmul, f);
}

int tf_forward(const tf_model *m, const kernel_set *ks, tf_batch *b, tf_state *const *states, const int32_t *tokens,
               int n, float *logits) {
    return tf_forward_out(m, ks, b, states, tokens, n, NULL, n, logits);
}

int tf_forward_out(const tf_model *m, const kernel_set *ks, tf_batch *b, tf_state *const *states, const int32_t *tokens,
                   int n, const int32_t *out, int n_out, float *logits) {
    const tf_config *c = &m->c;
    int dim = c->dim, kvd = c->kv_dim;
    if (n < 1 || n > b->nmax || n_out < 0 || n_out > n) return LLMZ_ERR_PARAM;
    for (int k = 0; out && k < n_out; k++)
        if (out[k] < k || out[k] >= n || (k > 0 && out[k] <= out[k - 1])) return LLMZ_ERR_PARAM;
    /* positions: rows of one sequence are consecutive */
    for (int r = 0; r < n; r++) {
        int p = (r > 0 && states[r] == states[r - 1]) ? b->pos[r - 1] + 1 : states[r]->pos;
        if (p >= c->ctx) return LLMZ_ERR_PARAM;
        if (tokens[r] < 0 || tokens[r] >= c->vocab) return LLMZ_ERR_PARAM;
        b->pos[r] = p;
    }
    int nb = dim / QK;
    for (int r = 0; r < n; r++) { /* embedding rows, dequantised */
        const int8_t *q = m->emb.q + (size_t)tokens[r] * dim;
        const float *d = m->emb.d + (size_t)tokens[r] * nb;
        float *x = b->x + (size_t)r * dim;
        for (int i = 0; i < dim; i++) x[i] = (float)q[i] * d[i / QK];
    }
    fwd f;
    memset(&f, 0, sizeof f);
    f.m = m;
    f.ks = ks;
    f.b = b;
    f.states = states;
    f.n = n;
    b->xq.n = n;
    for (int l = 0; l < c->n_layer; l++) {
        const tf_layer *L = &m->layers[l];
        f.l = l;
        b->xq.cols = dim;
        norm_quant(&f, L->attn_norm, NULL, dim);
        matmuls(&f, EPI_NONE, 3, b->q, dim, &L->wq, b->k, kvd, &L->wk, b->v, kvd, &L->wv);
        run_rows(&f, ph_rope_store);
        team_run(b->team, ph_attention, &f);
        norm_quant(&f, NULL, b->ao, dim);
        matmuls(&f, EPI_RESIDUAL, 1, b->xb, dim, &L->wo, NULL, 0, NULL, NULL, 0, NULL);
        norm_quant(&f, L->ffn_norm, NULL, dim);
        matmuls(&f, EPI_SILU, 2, b->hb, c->ffn, &L->wgate, b->hb2, c->ffn, &L->wup, NULL, 0, NULL);
        b->xq.cols = c->ffn;
        norm_quant(&f, NULL, b->hb, c->ffn);
        matmuls(&f, EPI_RESIDUAL, 1, b->xb, dim, &L->wdown, NULL, 0, NULL, NULL, 0, NULL);
    }
    for (int k = 0; out && k < n_out; k++) /* the output rows first (out is ascending, out[k] >= k) */
        if (out[k] != k) memcpy(b->x + (size_t)k * dim, b->x + (size_t)out[k] * dim, (size_t)dim * sizeof(float));
    f.n = n_out;
    b->xq.n = n_out;
    b->xq.cols = dim;
    if (n_out > 0) {
        norm_quant(&f, m->out_norm, NULL, dim);
        matmuls(&f, EPI_NONE, 1, logits, c->vocab, &m->out, NULL, 0, NULL, NULL, 0, NULL);
    }
    for (int r = 0; r < n; r++) states[r]->pos = b->pos[r] + 1;
    return LLMZ_OK;
}
