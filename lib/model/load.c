/*
** load.c -- a GGUF's metadata and tensors into a tf_model, or the reason it is refused.
**
** Architectures: "llama" (tied or separate output, optional rope_freqs.weight, optional attention biases, rope
** scaling none or linear) and "qwen2" (the same tensors, NEOX rope: dimension i paired with i + head_dim/2), as
** llama.cpp runs them.  Everything else a valid GGUF can say is refused with LLMZ_ERR_MODEL_UNSUPPORTED and a
** short reason ("architecture 'gemma'", "missing tensor 'blk.0.attn_q.weight'", ...): every tensor of the file
** must be one this loader uses, so nothing is silently ignored.  Weights go into the kernel layout (kernels.h).
*/
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/mem.h"
#include "llmz.h"
#include "model/quants.h"
#include "model/tf_impl.h"
#include "numerics/detmath.h"

/* The loader's state: the file, the reason buffer, which tensors were used. */
typedef struct {
    const gguf_ctx *g;
    char *why;
    size_t cap;
    uint8_t *used; /* (gguf_n_tensors) */
    char arch[16]; /* "llama" or "qwen2": the metadata keys' prefix */
} ld;

/* Writes the reason (printf-style) and returns LLMZ_ERR_MODEL_UNSUPPORTED. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int refuse(ld *L, const char *fmt, ...) {
    if (L->why && L->cap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(L->why, L->cap, fmt, ap);
        va_end(ap);
    }
    return LLMZ_ERR_MODEL_UNSUPPORTED;
}

/* The same for a malformed tensor: LLMZ_ERR_MODEL_FORMAT with its name. */
static int malformed(ld *L, int rc, const char *name) {
    if (rc == LLMZ_ERR_MODEL_FORMAT && L->why && L->cap) snprintf(L->why, L->cap, "malformed tensor '%s'", name);
    return rc;
}

void tf_qmat_free(qmat *w) {
    kern_unpack(w);
    llmz_free(w->q);
    llmz_free(w->d);
    w->q = NULL;
    w->d = NULL;
}

int tf_tensor_value(const gguf_tensor *t, size_t j, float *out) {
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

/* Tensor `name`, marked used; NULL if absent. */
static const gguf_tensor *find(ld *L, const char *name) {
    const gguf_tensor *t = gguf_find_tensor(L->g, name);
    if (!t) return NULL;
    for (size_t i = 0; i < gguf_n_tensors(L->g); i++)
        if (gguf_tensor_at(L->g, i) == t) L->used[i] = 1;
    return t;
}

static int type_known(uint32_t type) { return type == 0 || type == 1 || quant_find(type) != NULL; }

/* Checks a tensor's type and shape ([n0] for n1 == 0, else [n0, n1]); the reason when it does not fit. */
static int check_tensor(ld *L, const gguf_tensor *t, const char *name, uint64_t n0, uint64_t n1) {
    if (!type_known(t->type)) return refuse(L, "tensor type %u for %s", (unsigned)t->type, name);
    if (n1 == 0 && (t->n_dims != 1 || t->ne[0] != n0))
        return refuse(L, "tensor '%s' of shape [%llu, %llu], expected [%llu]", name, (unsigned long long)t->ne[0],
                      (unsigned long long)t->ne[1], (unsigned long long)n0);
    if (n1 != 0 && (t->n_dims != 2 || t->ne[0] != n0 || t->ne[1] != n1))
        return refuse(L, "tensor '%s' of shape [%llu, %llu], expected [%llu, %llu]", name,
                      (unsigned long long)t->ne[0], (unsigned long long)t->ne[1], (unsigned long long)n0,
                      (unsigned long long)n1);
    return LLMZ_OK;
}

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

/* Tensor `name` with GGUF shape [cols, rows] into kernel layout.  Q8_0 is copied (fp16 scales widened,
** -128 clamped to -127 so |q| <= 127 holds for the SIMD kernels); F32/F16 are quantised with the
** activation rule (kernels.h) and float scales, and so are the other block types of quants.h, dequantised
** row by row first (a NaN/infinite scale or a weight beyond QUANT_MAX refuses the model).  F32, F16 and BF16
** tensors also keep a pointer to the file's own values (qmat.fw: numerics version 3's weights). */
static int load_qmat_t(ld *L, qmat *w, const gguf_tensor *t, const char *name, int cols, int rows) {
    int rc = check_tensor(L, t, name, (uint64_t)cols, (uint64_t)rows);
    if (rc) return rc;
    size_t n = (size_t)rows * (size_t)cols, nb = n / QK;
    w->rows = rows;
    w->cols = cols;
    w->q = llmz_malloc(n);
    w->d = llmz_malloc(nb * sizeof(float));
    if (!w->q || !w->d) return LLMZ_ERR_NOMEM;
    if (t->type == 8) { /* Q8_0: per block fp16 d, 32 x int8 */
        if (t->nbytes < nb * 34) return malformed(L, LLMZ_ERR_MODEL_FORMAT, name);
        for (size_t b = 0; b < nb; b++) {
            const uint8_t *blk = t->data + b * 34;
            w->d[b] = gguf_f16_to_f32((uint16_t)(blk[0] | (blk[1] << 8)));
            if (!(w->d[b] <= QUANT_MAX / 127.0f && w->d[b] >= -QUANT_MAX / 127.0f))
                return malformed(L, LLMZ_ERR_MODEL_FORMAT, name);
            for (int i = 0; i < QK; i++) {
                int8_t v = (int8_t)blk[2 + i];
                w->q[b * QK + i] = v == -128 ? -127 : v;
            }
        }
        kern_pack(w);
        return LLMZ_OK;
    }
    if (t->type != 0 && t->type != 1) {
        rc = load_blocks(w, t);
        if (rc == LLMZ_OK && t->type == QW_BF16) { /* numerics 3 reads the file's own floats (every one finite) */
            w->fw = t->data;
            w->fw_type = QW_BF16;
        }
        return malformed(L, rc, name);
    }
    if (t->nbytes < n * (t->type == 0 ? 4 : 2)) return malformed(L, LLMZ_ERR_MODEL_FORMAT, name);
    float tmp[QK];
    for (size_t b = 0; b < nb; b++) {
        for (int i = 0; i < QK; i++)
            if (!tf_tensor_value(t, b * QK + i, &tmp[i])) return refuse(L, "a NaN or infinite weight in '%s'", name);
        qact one = {w->q + b * QK, w->d + b, 1, QK};
        kern_quantize_ref(&one, tmp, 1, QK);
    }
    w->fw = t->data; /* numerics 3 reads the file's own floats */
    w->fw_type = t->type == 0 ? QW_F32 : QW_F16;
    kern_pack(w);
    return LLMZ_OK;
}

static int load_qmat(ld *L, qmat *w, const char *name, int cols, int rows) {
    const gguf_tensor *t = find(L, name);
    if (!t) return refuse(L, "missing tensor '%s'", name);
    return load_qmat_t(L, w, t, name, cols, rows);
}

/* A vector (norm weights, biases, rope factors): F32, F16 or a block type (BF16 in practice).  optional: an
** absent tensor leaves *out NULL. */
static int load_vec(ld *L, float **out, const char *name, int n, int optional) {
    const gguf_tensor *t = find(L, name);
    if (!t) return optional ? LLMZ_OK : refuse(L, "missing tensor '%s'", name);
    int rc = check_tensor(L, t, name, (uint64_t)n, 0);
    if (rc) return rc;
    const quant_info *qi = t->type > 1 ? quant_find(t->type) : NULL;
    if (qi && ((uint32_t)n % qi->block || t->nbytes < (uint64_t)n / qi->block * qi->bytes))
        return malformed(L, LLMZ_ERR_MODEL_FORMAT, name);
    if (!qi && t->nbytes < (uint64_t)n * (t->type == 0 ? 4 : 2)) return malformed(L, LLMZ_ERR_MODEL_FORMAT, name);
    float *v = llmz_malloc((size_t)n * sizeof(float));
    if (!v) return LLMZ_ERR_NOMEM;
    if (qi) { /* a block type (BF16 in practice): the same checks as a matrix's */
        rc = quant_row(t->type, t->data, v, (size_t)n);
        if (rc == LLMZ_OK) *out = v;
        else llmz_free(v);
        return malformed(L, rc, name);
    }
    for (int i = 0; i < n; i++) {
        if (!tf_tensor_value(t, (size_t)i, &v[i])) {
            llmz_free(v);
            return refuse(L, "a NaN or infinite value in '%s'", name);
        }
    }
    *out = v;
    return LLMZ_OK;
}

void tf_free(tf_model *m) {
    if (!m) return;
    if (m->layers) {
        for (int l = 0; l < m->c.n_layer; l++) {
            tf_layer *Y = &m->layers[l];
            llmz_free(Y->attn_norm);
            llmz_free(Y->ffn_norm);
            llmz_free(Y->bq);
            llmz_free(Y->bk);
            llmz_free(Y->bv);
            llmz_free(Y->bo);
            tf_qmat_free(&Y->wq);
            tf_qmat_free(&Y->wk);
            tf_qmat_free(&Y->wv);
            tf_qmat_free(&Y->wo);
            tf_qmat_free(&Y->wgate);
            tf_qmat_free(&Y->wup);
            tf_qmat_free(&Y->wdown);
        }
        llmz_free(m->layers);
    }
    tf_qmat_free(&m->emb);
    if (!m->tied) tf_qmat_free(&m->out);
    llmz_free(m->out_norm);
    llmz_free(m->rope_cos);
    llmz_free(m->rope_sin);
    llmz_free(m);
}

/* ---- metadata ---------------------------------------------------------------------------------- */

/* The key "<arch>.<suffix>" into buf. */
static const char *key(ld *L, char *buf, size_t cap, const char *suffix) {
    snprintf(buf, cap, "%s.%s", L->arch, suffix);
    return buf;
}

/* A required integer key. */
static int need_u32(ld *L, const char *suffix, uint32_t *v) {
    char k[96];
    key(L, k, sizeof k, suffix);
    int rc = gguf_get_u32(L->g, k, v);
    if (rc == GGUF_NOT_FOUND) return refuse(L, "missing key '%s'", k);
    if (rc) return refuse(L, "key '%s' is not one integer (per-layer values?)", k);
    return LLMZ_OK;
}

/* An optional integer key: 1 and *v when present, 0 when absent, or the refusal when it is not one integer. */
static int opt_u32(ld *L, const char *suffix, uint32_t *v, int *rc) {
    char k[96];
    key(L, k, sizeof k, suffix);
    *rc = LLMZ_OK;
    if (!gguf_has(L->g, k)) return 0;
    if (gguf_get_u32(L->g, k, v) != LLMZ_OK) *rc = refuse(L, "key '%s' is not one integer", k);
    return 1;
}

/* Rope scaling: none, or linear with a factor (the angle divided by it, as llama.cpp's freq_scale = 1/factor);
** every other type (yarn, longrope, ...) and an attention factor other than 1 are refused. */
static int rope_scaling(ld *L, double *factor) {
    char k[96];
    const char *s;
    size_t n;
    float f = 0.0f;
    int linear = 1; /* llama.cpp's default type: a factor alone (or the old scale_linear key) is linear */
    *factor = 1.0;
    if (gguf_get_str(L->g, key(L, k, sizeof k, "rope.scaling.type"), &s, &n) == LLMZ_OK) {
        if (n == 4 && !memcmp(s, "none", 4)) linear = 0;
        else if (!(n == 6 && !memcmp(s, "linear", 6)))
            return refuse(L, "rope scaling type '%.*s'", (int)(n > 32 ? 32 : n), s);
    } else if (gguf_has(L->g, k)) {
        return refuse(L, "key '%s' is not a string", k);
    }
    if (gguf_get_f32(L->g, key(L, k, sizeof k, "rope.scaling.attn_factor"), &f) == LLMZ_OK && f != 1.0f)
        return refuse(L, "rope scaling attention factor %g", (double)f);
    f = 0.0f;
    if (gguf_get_f32(L->g, key(L, k, sizeof k, "rope.scaling.factor"), &f) != LLMZ_OK)
        if (gguf_get_f32(L->g, key(L, k, sizeof k, "rope.scale_linear"), &f) != LLMZ_OK) f = 0.0f;
    if (f == 0.0f || f == 1.0f || !linear) return LLMZ_OK; /* llama.cpp: 0 means none; type none ignores it */
    if (!(f > 0.0f && f <= 1024.0f)) return refuse(L, "rope scaling factor %g", (double)f);
    *factor = (double)f;
    return LLMZ_OK;
}

static int read_config(ld *L, tf_config *c, double *rope_factor) {
    const char *arch;
    size_t alen;
    if (gguf_get_str(L->g, "general.architecture", &arch, &alen) != LLMZ_OK)
        return refuse(L, "no general.architecture");
    if ((alen == 5 && !memcmp(arch, "llama", 5)) || (alen == 5 && !memcmp(arch, "qwen2", 5))) {
        memcpy(L->arch, arch, 5);
        L->arch[5] = 0;
    } else {
        return refuse(L, "architecture '%.*s'", (int)(alen > 32 ? 32 : alen), arch);
    }
    c->neox = L->arch[0] == 'q';
    uint32_t dim, nl, nh, nkv, ffn, ctx, v;
    int rc;
    if (opt_u32(L, "expert_count", &v, &rc) && !rc && v > 0) return refuse(L, "mixture of experts (%u experts)", v);
    if (rc) return rc;
    if ((rc = need_u32(L, "embedding_length", &dim)) || (rc = need_u32(L, "block_count", &nl)) ||
        (rc = need_u32(L, "attention.head_count", &nh)) || (rc = need_u32(L, "feed_forward_length", &ffn)) ||
        (rc = need_u32(L, "context_length", &ctx)))
        return rc;
    if (!opt_u32(L, "attention.head_count_kv", &nkv, &rc)) nkv = nh;
    if (rc) return rc;
    char k[96];
    float eps = 1e-5f, theta = 10000.0f;
    if (gguf_get_f32(L->g, key(L, k, sizeof k, "attention.layer_norm_rms_epsilon"), &eps) != LLMZ_OK) eps = 1e-5f;
    if (gguf_get_f32(L->g, key(L, k, sizeof k, "rope.freq_base"), &theta) != LLMZ_OK) theta = 10000.0f;
    /* limits: keep every size product far from overflow and the model runnable */
    if (dim == 0 || dim > 16384 || dim % QK) return refuse(L, "embedding length %u (a multiple of 32, <= 16384)", dim);
    if (nl == 0 || nl > 256) return refuse(L, "block count %u (1 to 256)", nl);
    if (nh == 0 || nh > dim || dim % nh || nkv == 0 || nh % nkv)
        return refuse(L, "%u heads, %u key/value heads for embedding length %u", nh, nkv, dim);
    if (ffn == 0 || ffn > 65536 || ffn % QK) return refuse(L, "feed-forward length %u (a multiple of 32)", ffn);
    if (ctx < 2) return refuse(L, "context length %u", ctx);
    if (!(eps > 0.0f && eps < 1.0f)) return refuse(L, "rms epsilon %g", (double)eps);
    if (!(theta > 1.0f && theta < 1e9f)) return refuse(L, "rope frequency base %g", (double)theta);
    if (ctx > 65535) ctx = 65535; /* the container window field is 16 bits */
    c->dim = (int)dim;
    c->n_layer = (int)nl;
    c->n_head = (int)nh;
    c->n_kv_head = (int)nkv;
    c->head_dim = (int)(dim / nh);
    c->kv_dim = c->head_dim * (int)nkv;
    if (c->head_dim % 2 || c->kv_dim % QK)
        return refuse(L, "head dimension %d, key/value width %d (even, a multiple of 32)", c->head_dim, c->kv_dim);
    /* head sizes and rope width other than the plain ones (llama.cpp's n_rot, key/value lengths) */
    static const char *const same[3] = {"rope.dimension_count", "attention.key_length", "attention.value_length"};
    for (int i = 0; i < 3; i++) {
        if (opt_u32(L, same[i], &v, &rc) && !rc && v != (uint32_t)c->head_dim)
            return refuse(L, "%s.%s %u (head dimension %d)", L->arch, same[i], v, c->head_dim);
        if (rc) return rc;
    }
    if (gguf_has(L->g, key(L, k, sizeof k, "attention.sliding_window")))
        return refuse(L, "sliding-window attention (%s)", k);
    c->ffn = (int)ffn;
    c->ctx = (int)ctx;
    c->eps = eps;
    c->theta = theta;
    return rope_scaling(L, rope_factor);
}

/* ---- tensors ----------------------------------------------------------------------------------- */

/* RoPE tables in double with detmath, rounded once to float: the angle of pair i at position p is
** p * theta^(-2i/head_dim), divided by rope_freqs[i] (Llama 3) and by the linear scaling factor when present
** (without them the arithmetic is exactly numerics version 1's). */
static int rope_tables(tf_model *m, const float *ff, double factor) {
    const tf_config *c = &m->c;
    int half = c->head_dim / 2;
    m->rope_cos = llmz_malloc((size_t)c->ctx * half * sizeof(float));
    m->rope_sin = llmz_malloc((size_t)c->ctx * half * sizeof(float));
    if (!m->rope_cos || !m->rope_sin) return LLMZ_ERR_NOMEM;
    double lt = det_log((double)c->theta);
    for (int i = 0; i < half; i++) {
        double inv = det_exp(-(double)(2 * i) / (double)c->head_dim * lt);
        if (ff) inv = inv / (double)ff[i];
        if (factor != 1.0) inv = inv / factor;
        for (int p = 0; p < c->ctx; p++) {
            double s, co;
            det_sincos((double)p * inv, &s, &co);
            m->rope_cos[(size_t)p * half + i] = (float)co;
            m->rope_sin[(size_t)p * half + i] = (float)s;
        }
    }
    return LLMZ_OK;
}

static int load_layer(ld *L, tf_model *m, int l) {
    const tf_config *c = &m->c;
    tf_layer *Y = &m->layers[l];
    char nm[64];
    int rc;
#define T(s) (snprintf(nm, sizeof nm, "blk.%d." s, l), nm)
    if ((rc = load_vec(L, &Y->attn_norm, T("attn_norm.weight"), c->dim, 0)) ||
        (rc = load_vec(L, &Y->ffn_norm, T("ffn_norm.weight"), c->dim, 0)) ||
        (rc = load_qmat(L, &Y->wq, T("attn_q.weight"), c->dim, c->dim)) ||
        (rc = load_qmat(L, &Y->wk, T("attn_k.weight"), c->dim, c->kv_dim)) ||
        (rc = load_qmat(L, &Y->wv, T("attn_v.weight"), c->dim, c->kv_dim)) ||
        (rc = load_qmat(L, &Y->wo, T("attn_output.weight"), c->dim, c->dim)) ||
        (rc = load_qmat(L, &Y->wgate, T("ffn_gate.weight"), c->dim, c->ffn)) ||
        (rc = load_qmat(L, &Y->wup, T("ffn_up.weight"), c->dim, c->ffn)) ||
        (rc = load_qmat(L, &Y->wdown, T("ffn_down.weight"), c->ffn, c->dim)) ||
        (rc = load_vec(L, &Y->bq, T("attn_q.bias"), c->dim, 1)) ||
        (rc = load_vec(L, &Y->bk, T("attn_k.bias"), c->kv_dim, 1)) ||
        (rc = load_vec(L, &Y->bv, T("attn_v.bias"), c->kv_dim, 1)) ||
        (rc = load_vec(L, &Y->bo, T("attn_output.bias"), c->dim, 1)))
        return rc;
#undef T
    return LLMZ_OK;
}

static int load_all(ld *L, tf_model *m) {
    tf_config *c = &m->c;
    double factor;
    int rc = read_config(L, c, &factor);
    if (rc) return rc;
    const gguf_tensor *te = find(L, "token_embd.weight");
    if (!te) return refuse(L, "missing tensor 'token_embd.weight'");
    if (te->n_dims != 2 || te->ne[0] != (uint64_t)c->dim || te->ne[1] < 256 || te->ne[1] > (1u << 20))
        return refuse(L, "tensor 'token_embd.weight' of shape [%llu, %llu] (expected [%d, 256 to 2^20])",
                      (unsigned long long)te->ne[0], (unsigned long long)te->ne[1], c->dim);
    c->vocab = (int)te->ne[1];
    if ((rc = load_qmat_t(L, &m->emb, te, "token_embd.weight", c->dim, c->vocab))) return rc;
    if (gguf_find_tensor(L->g, "output.weight")) {
        if ((rc = load_qmat(L, &m->out, "output.weight", c->dim, c->vocab))) return rc;
    } else {
        m->out = m->emb;
        m->tied = 1;
    }
    if ((rc = load_vec(L, &m->out_norm, "output_norm.weight", c->dim, 0))) return rc;
    m->layers = llmz_calloc((size_t)c->n_layer, sizeof(tf_layer));
    if (!m->layers) return LLMZ_ERR_NOMEM;
    for (int l = 0; l < c->n_layer; l++)
        if ((rc = load_layer(L, m, l))) return rc;
    float *ff = NULL; /* Llama 3's per-pair frequency factors (one tensor for every layer) */
    if ((rc = load_vec(L, &ff, "rope_freqs.weight", c->head_dim / 2, 1))) return rc;
    for (int i = 0; ff && i < c->head_dim / 2 && rc == LLMZ_OK; i++)
        if (!(ff[i] > 0.0f)) rc = refuse(L, "rope_freqs.weight[%d] = %g (must be positive)", i, (double)ff[i]);
    if (rc == LLMZ_OK) rc = rope_tables(m, ff, factor);
    llmz_free(ff);
    if (rc) return rc;
    for (size_t i = 0; i < gguf_n_tensors(L->g); i++)
        if (!L->used[i]) return refuse(L, "tensor '%s' (not one %s uses)", gguf_tensor_at(L->g, i)->name, L->arch);
    uint64_t np = (uint64_t)c->vocab * c->dim * (m->tied ? 1 : 2) + c->dim;
    np += (uint64_t)c->n_layer * (2ull * c->dim + 2ull * c->dim * c->dim + 2ull * c->dim * c->kv_dim +
                                  3ull * c->dim * c->ffn);
    for (int l = 0; l < c->n_layer; l++) {
        const tf_layer *Y = &m->layers[l];
        np += (Y->bq ? (uint64_t)c->dim : 0) + (Y->bk ? (uint64_t)c->kv_dim : 0) + (Y->bv ? (uint64_t)c->kv_dim : 0) +
              (Y->bo ? (uint64_t)c->dim : 0);
    }
    m->n_params = np;
    return LLMZ_OK;
}

int tf_load_why(tf_model **out, const gguf_ctx *g, char *why, size_t cap) {
    *out = NULL;
    if (why && cap) why[0] = 0;
    ld L = {g, why, cap, NULL, {0}};
    tf_model *m = llmz_calloc(1, sizeof *m);
    L.used = llmz_calloc(gguf_n_tensors(g) + 1, 1);
    if (!m || !L.used) {
        llmz_free(m);
        llmz_free(L.used);
        return LLMZ_ERR_NOMEM;
    }
    int rc = load_all(&L, m);
    llmz_free(L.used);
    if (rc) {
        tf_free(m);
        return rc;
    }
    *out = m;
    return LLMZ_OK;
}

int tf_load(tf_model **out, const gguf_ctx *g) { return tf_load_why(out, g, NULL, 0); }
