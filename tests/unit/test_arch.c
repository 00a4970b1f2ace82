/* test_arch.c -- the architectures of lib/model/load.c: llama with attention biases, rope_freqs.weight and linear
** rope scaling; qwen2 (Q/K/V biases, NEOX rope); the reasons a valid GGUF is refused (llmz_model_check); the same
** logits on every kernel set and thread count; K-quant files written by tools/gguf_write.h (mktiny's quantisers).
**
** The numbers: each model is an F32 GGUF built here; its logits from tf_forward are compared with a naive forward
** pass in double written below from llama.cpp's definitions.  llmz quantises weights and activations to 8 bits, so
** they agree within a tolerance; the same reference with one feature left out or done the other way (no biases,
** adjacent instead of NEOX pairs, no rope factors, no scaling) must miss by several times that tolerance, so the
** test fails if llmz leaves a feature out or applies it wrongly. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "../../tools/gguf_write.h"
#include "common/team.h"
#include "llmz.h"
#include "model/gguf.h"
#include "model/quants.h"
#include "model/transformer.h"
#include "numerics/kernels.h"
#include "t.h"

/* ---- a model built here ------------------------------------------------------------------------- */

typedef struct {
    const char *arch; /* "llama" or "qwen2" */
    int dim, layers, heads, kv_heads, ffn, ctx, vocab;
    float theta;
    int bias;          /* 1: attn_q/k/v.bias; 2: and attn_output.bias */
    int rope_freqs;    /* rope_freqs.weight */
    float rope_factor; /* rope.scaling.factor with type linear; 0: none */
    int untied;        /* output.weight */
    uint32_t type;     /* matrices' ggml type: 0 F32, or GW_T_Q4_K etc. (gguf_write.h quantisers) */
    /* refusal cases: extra keys or tensors, or one changed */
    const char *extra_key_u32; /* "<arch>.<suffix>" integer key */
    uint32_t extra_val;
    const char *extra_key_str, *extra_str;
    const char *extra_key_f32;
    float extra_f32;
    const char *extra_tensor; /* a vector of dim F32 values */
    const char *drop_tensor;  /* a tensor left out */
    const char *odd_type;     /* this tensor with ggml type 20 */
    const char *odd_shape;    /* this tensor with its rows one short... as [dim, rows - 32] */
    int head_count_array;     /* attention.head_count as a per-layer array */
    const char *poison;       /* this tensor's first value becomes poison_val */
    float poison_val;
    int no_tokenizer;
} spec;

/* the weights, kept for the reference forward pass */
typedef struct {
    char name[64];
    uint64_t ne0, ne1; /* ne1 = 0: a vector */
    float *f;
} wt;
static wt W[256];
static int nw;
static uint64_t rng;

static float urand(float half) { /* uniform in [-half, half], from a 64-bit LCG's high bits */
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return ((float)(rng >> 40) / 16777216.0f * 2.0f - 1.0f) * half;
}

static const float *weight(const char *name) {
    for (int i = 0; i < nw; i++)
        if (!strcmp(W[i].name, name)) return W[i].f;
    return NULL;
}

static void free_weights(void) {
    for (int i = 0; i < nw; i++) free(W[i].f);
    nw = 0;
}

static void add_w(const char *name, uint64_t ne0, uint64_t ne1, int kind) {
    wt *w = &W[nw++];
    snprintf(w->name, sizeof w->name, "%s", name);
    w->ne0 = ne0;
    w->ne1 = ne1;
    size_t n = (size_t)(ne0 * (ne1 ? ne1 : 1));
    w->f = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++)
        w->f[i] = kind == 1 ? 1.0f + urand(0.1f) : kind == 2 ? urand(0.8f) : kind == 3 ? 0.5f + (float)i * 0.4f
                                                                                       : urand(0.25f);
}

/* Writes the model of s (weights from rng seed `seed`) into b. */
static void build(gw_buf *b, const spec *s, uint64_t seed) {
    free_weights();
    rng = seed;
    int hd = s->dim / s->heads, kvd = hd * s->kv_heads;
    char nm[64];
    add_w("token_embd.weight", (uint64_t)s->dim, (uint64_t)s->vocab, 0);
    add_w("output_norm.weight", (uint64_t)s->dim, 0, 1);
    if (s->untied) add_w("output.weight", (uint64_t)s->dim, (uint64_t)s->vocab, 0);
    if (s->rope_freqs) add_w("rope_freqs.weight", (uint64_t)hd / 2, 0, 3);
    for (int l = 0; l < s->layers; l++) {
#define A(suffix, a, c, kind) (snprintf(nm, sizeof nm, "blk.%d." suffix, l), add_w(nm, a, c, kind))
        A("attn_norm.weight", (uint64_t)s->dim, 0, 1);
        A("attn_q.weight", (uint64_t)s->dim, (uint64_t)s->dim, 0);
        A("attn_k.weight", (uint64_t)s->dim, (uint64_t)kvd, 0);
        A("attn_v.weight", (uint64_t)s->dim, (uint64_t)kvd, 0);
        A("attn_output.weight", (uint64_t)s->dim, (uint64_t)s->dim, 0);
        A("ffn_norm.weight", (uint64_t)s->dim, 0, 1);
        A("ffn_gate.weight", (uint64_t)s->dim, (uint64_t)s->ffn, 0);
        A("ffn_up.weight", (uint64_t)s->dim, (uint64_t)s->ffn, 0);
        A("ffn_down.weight", (uint64_t)s->ffn, (uint64_t)s->dim, 0);
        if (s->bias) {
            A("attn_q.bias", (uint64_t)s->dim, 0, 2);
            A("attn_k.bias", (uint64_t)kvd, 0, 2);
            A("attn_v.bias", (uint64_t)kvd, 0, 2);
        }
        if (s->bias == 2) A("attn_output.bias", (uint64_t)s->dim, 0, 2);
#undef A
    }
    if (s->extra_tensor) add_w(s->extra_tensor, (uint64_t)s->dim, 0, 2);
    for (int i = 0; s->poison && i < nw; i++)
        if (!strcmp(W[i].name, s->poison)) W[i].f[0] = s->poison_val;
    /* metadata */
    gw_buf kv;
    gw_init(&kv);
    int n_kv = 0;
    char k[96];
#define K(suffix) (snprintf(k, sizeof k, "%s." suffix, s->arch), k)
    gw_kv_str(&kv, "general.architecture", s->arch), n_kv++;
    gw_kv_str(&kv, "general.name", "arch-test"), n_kv++;
    gw_kv_u32(&kv, K("context_length"), (uint32_t)s->ctx), n_kv++;
    gw_kv_u32(&kv, K("embedding_length"), (uint32_t)s->dim), n_kv++;
    gw_kv_u32(&kv, K("block_count"), (uint32_t)s->layers), n_kv++;
    gw_kv_u32(&kv, K("feed_forward_length"), (uint32_t)s->ffn), n_kv++;
    if (s->head_count_array) {
        gw_arr(&kv, K("attention.head_count"), GW_U32, (uint64_t)s->layers);
        for (int l = 0; l < s->layers; l++) gw_u32(&kv, (uint32_t)s->heads);
    } else {
        gw_kv_u32(&kv, K("attention.head_count"), (uint32_t)s->heads);
    }
    n_kv++;
    gw_kv_u32(&kv, K("attention.head_count_kv"), (uint32_t)s->kv_heads), n_kv++;
    gw_kv_f32(&kv, K("rope.freq_base"), s->theta), n_kv++;
    gw_kv_f32(&kv, K("attention.layer_norm_rms_epsilon"), 1e-5f), n_kv++;
    if (s->rope_factor != 0.0f) {
        gw_kv_str(&kv, K("rope.scaling.type"), "linear"), n_kv++;
        gw_kv_f32(&kv, K("rope.scaling.factor"), s->rope_factor), n_kv++;
    }
#undef K
    if (s->extra_key_u32) gw_kv_u32(&kv, s->extra_key_u32, s->extra_val), n_kv++;
    if (s->extra_key_str) gw_kv_str(&kv, s->extra_key_str, s->extra_str), n_kv++;
    if (s->extra_key_f32) gw_kv_f32(&kv, s->extra_key_f32, s->extra_f32), n_kv++;
    if (!s->no_tokenizer) { /* the 256 bytes, no merges */
        char sp[8];
        gw_kv_str(&kv, "tokenizer.ggml.model", "gpt2"), n_kv++;
        gw_kv_str(&kv, "tokenizer.ggml.pre", "llmz"), n_kv++;
        gw_arr(&kv, "tokenizer.ggml.tokens", GW_STRING, 256), n_kv++;
        for (int i = 0; i < 256; i++) {
            uint8_t c = (uint8_t)i;
            gw_str(&kv, sp, gw_gpt2_spell(&c, 1, sp));
        }
        gw_arr(&kv, "tokenizer.ggml.merges", GW_STRING, 0), n_kv++;
    }
    /* tensors */
    static gw_tensor gt[256];
    static uint8_t *data[256];
    int nt = 0;
    for (int i = 0; i < nw; i++) {
        if (s->drop_tensor && !strcmp(W[i].name, s->drop_tensor)) continue;
        gw_tensor *t = &gt[nt];
        int mat = W[i].ne1 != 0;
        uint64_t ne1 = mat ? W[i].ne1 : 1, n = W[i].ne0 * ne1;
        if (s->odd_shape && !strcmp(W[i].name, s->odd_shape)) ne1 -= 32, n = W[i].ne0 * ne1;
        uint32_t type = mat ? s->type : GW_T_F32;
        if (type == GW_T_Q4_K && W[i].ne0 % 256) type = GW_T_Q5_0; /* llama.cpp's fallback */
        if (type == GW_T_Q6_K && W[i].ne0 % 256) type = GW_T_Q8_0;
        *t = (gw_tensor){W[i].name, mat ? 2u : 1u, {W[i].ne0, ne1, 1, 1}, type, NULL, 0};
        t->nbytes = gw_nbytes(type, t->n_dims, t->ne);
        data[nt] = malloc((size_t)t->nbytes);
        if (type == GW_T_F32) memcpy(data[nt], W[i].f, (size_t)n * 4);
        else if (type == GW_T_Q4_K) gw_quant_q4_k(W[i].f, (size_t)n, data[nt]);
        else if (type == GW_T_Q6_K) gw_quant_q6_k(W[i].f, (size_t)n, data[nt]);
        else if (type == GW_T_Q5_0) gw_quant_q5_0(W[i].f, (size_t)n, data[nt]);
        else gw_quant_q8_0(W[i].f, (size_t)n, data[nt]);
        if (type != GW_T_F32 && !s->odd_shape) { /* the reference uses what the file holds */
            float *y = malloc((size_t)n * sizeof(float));
            CHECK_EQ(quant_row(type, data[nt], y, (size_t)n), LLMZ_OK);
            double amax = 0.0, err = 0.0;
            for (size_t j = 0; j < (size_t)n; j++) {
                amax = fabs(W[i].f[j]) > amax ? fabs(W[i].f[j]) : amax;
                err = fabs(y[j] - W[i].f[j]) > err ? fabs(y[j] - W[i].f[j]) : err;
            }
            /* round to nearest: at most about half a step of the type's grid (plus the scales' rounding) */
            double step = type == GW_T_Q4_K ? 2.0 / 15 : type == GW_T_Q5_0 ? 1.0 / 15 : type == GW_T_Q6_K ? 1.0 / 31
                                                                                                       : 1.0 / 127;
            CHECK(err <= 0.75 * step * amax);
            if (err > 0.75 * step * amax)
                fprintf(stderr, "FAIL: %s type %u error %g of %g\n", W[i].name, type, err, amax);
            free(W[i].f);
            W[i].f = y;
        }
        if (s->odd_type && !strcmp(W[i].name, s->odd_type)) t->type = 20;
        t->data = data[nt];
        nt++;
    }
    gw_init(b);
    gw_header(b, 3, (uint64_t)nt, (uint64_t)n_kv);
    gw_bytes(b, kv.p, kv.n);
    gw_free(&kv);
    gw_tensors_info(b, gt, (size_t)nt, 32);
    gw_tensors_data(b, gt, (size_t)nt, 32);
    for (int i = 0; i < nt; i++) free(data[i]);
}

/* ---- the reference forward pass, in double ------------------------------------------------------ */

typedef struct {
    int no_bias, adjacent, neox, no_freqs, no_scale; /* the variants */
} variant;

static void matvec(double *y, const float *w, const double *x, int rows, int cols) {
    for (int r = 0; r < rows; r++) {
        double a = 0.0;
        for (int c = 0; c < cols; c++) a += (double)w[(size_t)r * cols + c] * x[c];
        y[r] = a;
    }
}
static void rmsn(double *y, const double *x, const float *w, int n) {
    double ss = 0.0;
    for (int i = 0; i < n; i++) ss += x[i] * x[i];
    double inv = 1.0 / sqrt(ss / n + 1e-5);
    for (int i = 0; i < n; i++) y[i] = x[i] * inv * w[i];
}
static void add_bias(double *y, const float *b, int n, const variant *v) {
    for (int i = 0; b && !v->no_bias && i < n; i++) y[i] += b[i];
}
static void rope_ref(double *x, int heads, int hd, int pos, const spec *s, const variant *v) {
    const float *ff = v->no_freqs ? NULL : weight("rope_freqs.weight");
    int neox = v->adjacent ? 0 : v->neox ? 1 : !strcmp(s->arch, "qwen2");
    for (int h = 0; h < heads; h++) {
        double *p = x + (size_t)h * hd;
        for (int i = 0; i < hd / 2; i++) {
            double a = pos * pow((double)s->theta, -2.0 * i / hd);
            if (ff) a /= ff[i];
            if (s->rope_factor != 0.0f && !v->no_scale) a /= s->rope_factor;
            int i0 = neox ? i : 2 * i, i1 = neox ? i + hd / 2 : 2 * i + 1;
            double x0 = p[i0], x1 = p[i1];
            p[i0] = x0 * cos(a) - x1 * sin(a);
            p[i1] = x0 * sin(a) + x1 * cos(a);
        }
    }
}

/* logits (n, vocab) of the token sequence tok[0 .. n) */
static void ref_forward(const spec *s, const variant *v, const int32_t *tok, int n, double *logits) {
    int D = s->dim, hd = D / s->heads, kvd = hd * s->kv_heads, F = s->ffn, V = s->vocab, L = s->layers;
    double *x = malloc(sizeof(double) * D), *h = malloc(sizeof(double) * D), *q = malloc(sizeof(double) * D);
    double *o = malloc(sizeof(double) * D), *y = malloc(sizeof(double) * (F > D ? F : D));
    double *g = malloc(sizeof(double) * F), *u = malloc(sizeof(double) * F), *att = malloc(sizeof(double) * n);
    double *K = malloc(sizeof(double) * (size_t)L * n * kvd), *Vc = malloc(sizeof(double) * (size_t)L * n * kvd);
    char nm[64];
#define WT(suffix) (snprintf(nm, sizeof nm, "blk.%d." suffix, l), weight(nm))
    for (int p = 0; p < n; p++) {
        const float *e = weight("token_embd.weight") + (size_t)tok[p] * D;
        for (int i = 0; i < D; i++) x[i] = e[i];
        for (int l = 0; l < L; l++) {
            double *k = K + ((size_t)l * n + p) * kvd, *vv = Vc + ((size_t)l * n + p) * kvd;
            rmsn(h, x, WT("attn_norm.weight"), D);
            matvec(q, WT("attn_q.weight"), h, D, D);
            add_bias(q, WT("attn_q.bias"), D, v);
            matvec(k, WT("attn_k.weight"), h, kvd, D);
            add_bias(k, WT("attn_k.bias"), kvd, v);
            matvec(vv, WT("attn_v.weight"), h, kvd, D);
            add_bias(vv, WT("attn_v.bias"), kvd, v);
            rope_ref(q, s->heads, hd, p, s, v);
            rope_ref(k, s->kv_heads, hd, p, s, v);
            for (int hh = 0; hh < s->heads; hh++) {
                int kh = hh / (s->heads / s->kv_heads);
                double mx = -1e300, sum = 0.0;
                for (int t = 0; t <= p; t++) {
                    const double *kt = K + ((size_t)l * n + t) * kvd + kh * hd;
                    double a = 0.0;
                    for (int i = 0; i < hd; i++) a += q[hh * hd + i] * kt[i];
                    att[t] = a / sqrt((double)hd);
                    mx = att[t] > mx ? att[t] : mx;
                }
                for (int t = 0; t <= p; t++) sum += (att[t] = exp(att[t] - mx));
                for (int i = 0; i < hd; i++) {
                    double a = 0.0;
                    for (int t = 0; t <= p; t++) a += att[t] * Vc[((size_t)l * n + t) * kvd + kh * hd + i];
                    o[hh * hd + i] = a / sum;
                }
            }
            matvec(y, WT("attn_output.weight"), o, D, D);
            add_bias(y, WT("attn_output.bias"), D, v);
            for (int i = 0; i < D; i++) x[i] += y[i];
            rmsn(h, x, WT("ffn_norm.weight"), D);
            matvec(g, WT("ffn_gate.weight"), h, F, D);
            matvec(u, WT("ffn_up.weight"), h, F, D);
            for (int i = 0; i < F; i++) g[i] = g[i] / (1.0 + exp(-g[i])) * u[i];
            matvec(y, WT("ffn_down.weight"), g, D, F);
            for (int i = 0; i < D; i++) x[i] += y[i];
        }
        rmsn(h, x, weight("output_norm.weight"), D);
        const float *wo = weight("output.weight") ? weight("output.weight") : weight("token_embd.weight");
        matvec(logits + (size_t)p * V, wo, h, V, D);
    }
#undef WT
    free(x), free(h), free(q), free(o), free(y), free(g), free(u), free(att), free(K), free(Vc);
}

/* llmz's logits (n, vocab) for the model in b, with kernel set ks and a team of `threads` (1: none) */
static float *llmz_logits(const gw_buf *b, const int32_t *tok, int n, const kernel_set *ks, int threads) {
    gguf_ctx *g = NULL;
    tf_model *m = NULL;
    float *lg = NULL;
    if (gguf_open(&g, b->p, b->n) != LLMZ_OK || tf_load(&m, g) != LLMZ_OK) {
        CHECK(0);
        gguf_close(g);
        return NULL;
    }
    int V = tf_cfg(m)->vocab;
    tf_state *st = tf_state_new(m, 1);
    tf_batch *bt = tf_batch_new(m, n);
    team *t = threads > 1 ? team_new(threads) : NULL;
    tf_batch_use_team(bt, m, t);
    tf_state **sts = malloc(sizeof(tf_state *) * (size_t)n);
    for (int i = 0; i < n; i++) sts[i] = st;
    lg = malloc(sizeof(float) * (size_t)n * V);
    CHECK_EQ(tf_forward(m, ks, bt, sts, tok, n, lg), LLMZ_OK);
    free(sts);
    tf_batch_free(bt);
    team_free(t);
    tf_state_free(st);
    tf_free(m);
    gguf_close(g);
    return lg;
}

/* max |a - b| over n values, relative to max |b| */
static double rel_err(const float *a, const double *b, size_t n) {
    double e = 0.0, mb = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]);
        e = d > e ? d : e;
        mb = fabs(b[i]) > mb ? fabs(b[i]) : mb;
    }
    return e / mb;
}

#define NTOK 12
static const int32_t TOK[NTOK] = {72, 101, 108, 108, 111, 32, 119, 111, 114, 108, 100, 10};

/* llmz within tol of the reference; each wrong variant at least 3 * tol away */
static void agree(const char *what, const spec *s, const variant *wrong, int nwrong, double tol) {
    gw_buf b;
    build(&b, s, 1234);
    CHECK(!b.err);
    size_t n = (size_t)NTOK * s->vocab;
    double *ref = malloc(sizeof(double) * n);
    float *lg = llmz_logits(&b, TOK, NTOK, kernels_ref(), 1);
    variant right = {0, 0, 0, 0, 0};
    ref_forward(s, &right, TOK, NTOK, ref);
    double e = lg ? rel_err(lg, ref, n) : 1.0;
    CHECK(e < tol);
    fprintf(stderr, "%s: llmz vs reference %.5f (tolerance %.3f); wrong variants:", what, e, tol);
    for (int i = 0; i < nwrong; i++) {
        ref_forward(s, &wrong[i], TOK, NTOK, ref);
        double ew = lg ? rel_err(lg, ref, n) : 0.0;
        CHECK(ew > 3 * tol);
        fprintf(stderr, " %.4f", ew);
    }
    fprintf(stderr, "\n");
    free(ref);
    free(lg);
    gw_free(&b);
}

static spec base_spec(const char *arch) {
    spec s;
    memset(&s, 0, sizeof s);
    s.arch = arch;
    s.dim = 64, s.layers = 2, s.heads = 4, s.kv_heads = 2, s.ffn = 96, s.ctx = 32, s.vocab = 256;
    s.theta = 10000.0f;
    return s;
}

#define TOL 0.06

static void case_llama(void) {
    spec s = base_spec("llama");
    variant none[1] = {{0, 0, 1, 0, 0}}; /* NEOX pairs instead of adjacent ones */
    agree("llama", &s, none, 1, TOL);
    s.bias = 2;
    s.untied = 1;
    variant wb[2] = {{1, 0, 0, 0, 0}, {0, 0, 1, 0, 0}};
    agree("llama + attention biases, untied", &s, wb, 2, TOL);
    s.bias = 0;
    s.untied = 0;
    s.rope_freqs = 1;
    variant wf[1] = {{0, 0, 0, 1, 0}};
    agree("llama + rope_freqs", &s, wf, 1, TOL);
    s.rope_freqs = 0;
    s.rope_factor = 4.0f;
    variant ws[1] = {{0, 0, 0, 0, 1}};
    agree("llama + linear rope scaling 4", &s, ws, 1, TOL);
}

static void case_qwen2(void) {
    spec s = base_spec("qwen2");
    s.bias = 1;
    s.theta = 1000000.0f;
    variant w[2] = {{1, 0, 0, 0, 0}, {0, 1, 0, 0, 0}}; /* no biases; adjacent pairs */
    agree("qwen2 (tied)", &s, w, 2, TOL);
    s.untied = 1;
    agree("qwen2 (untied)", &s, w, 2, TOL);
}

/* K-quant matrices (gguf_write.h's quantisers, as mktiny writes them, each within half a step of its grid): the
** reference runs on the weights the blocks decode to, so llmz agrees with it as closely as with F32 files. */
static void case_kquants(void) {
    static const uint32_t types[3] = {GW_T_Q4_K, GW_T_Q6_K, GW_T_Q5_0};
    static const double tol[3] = {TOL, TOL, TOL};
    for (int i = 0; i < 3; i++) {
        spec s = base_spec("qwen2");
        s.dim = 256, s.heads = 4, s.kv_heads = 1, s.ffn = 256, s.layers = 1;
        s.bias = 1;
        s.type = types[i];
        variant w[1] = {{0, 1, 0, 0, 0}};
        agree(quant_find(types[i])->name, &s, w, 1, tol[i]);
    }
}

/* The new shapes give the same logits bits on every kernel set and team size. */
static void case_determinism(void) {
    spec sp[3] = {base_spec("qwen2"), base_spec("llama"), base_spec("llama")};
    sp[0].bias = 1;
    sp[1].bias = 2, sp[1].rope_freqs = 1, sp[1].untied = 1;
    sp[2].dim = 256, sp[2].ffn = 256, sp[2].layers = 1, sp[2].type = GW_T_Q4_K, sp[2].rope_factor = 2.0f;
    for (int k = 0; k < 3; k++) {
        gw_buf b;
        build(&b, &sp[k], 99);
        size_t n = (size_t)NTOK * sp[k].vocab;
        float *ref = llmz_logits(&b, TOK, NTOK, kernels_ref(), 1);
        const kernel_set *sets[2] = {kernels_avx2(), kernels_avx512()};
        for (int j = 0; j < 2; j++) {
            for (int th = 1; th <= 3; th += 2) {
                if (!sets[j]) {
                    T_SKIP_CHECKS(1);
                    continue;
                }
                float *lg = llmz_logits(&b, TOK, NTOK, sets[j], th);
                CHECK(ref && lg && memcmp(ref, lg, n * sizeof(float)) == 0);
                free(lg);
            }
        }
        float *lg3 = llmz_logits(&b, TOK, NTOK, kernels_ref(), 3);
        CHECK(ref && lg3 && memcmp(ref, lg3, n * sizeof(float)) == 0);
        free(lg3);
        free(ref);
        gw_free(&b);
    }
}

/* ---- refusals ------------------------------------------------------------------------------------ */

static void refused(const spec *s, int want_rc, const char *want) {
    gw_buf b;
    build(&b, s, 5);
    char why[200];
    memset(why, 'x', sizeof why);
    int rc = llmz_model_check(b.p, b.n, why, sizeof why);
    CHECK_EQ(rc, want_rc);
    CHECK(memchr(why, 0, sizeof why) != NULL);
    CHECK(strstr(why, want) != NULL);
    if (!strstr(why, want)) fprintf(stderr, "FAIL: reason '%s', expected '%s'\n", why, want);
    llmz_model *m = NULL; /* loading gives the same code */
    CHECK_EQ(llmz_model_load_memory(&m, b.p, b.n), want_rc);
    CHECK(m == NULL);
    gw_free(&b);
}

static void case_refusals(void) {
    const int U = LLMZ_ERR_MODEL_UNSUPPORTED;
    spec s = base_spec("gemma");
    refused(&s, U, "architecture 'gemma'");
    s = base_spec("phi3");
    refused(&s, U, "architecture 'phi3'");
    s = base_spec("llama");
    s.odd_type = "blk.0.attn_q.weight";
    refused(&s, U, "tensor type 20 for blk.0.attn_q.weight");
    s = base_spec("llama");
    s.extra_key_u32 = "llama.expert_count", s.extra_val = 8;
    refused(&s, U, "mixture of experts (8 experts)");
    s = base_spec("qwen2");
    s.drop_tensor = "blk.1.ffn_down.weight";
    refused(&s, U, "missing tensor 'blk.1.ffn_down.weight'");
    s = base_spec("llama");
    s.drop_tensor = "output_norm.weight";
    refused(&s, U, "missing tensor 'output_norm.weight'");
    s = base_spec("llama");
    s.extra_key_str = "llama.rope.scaling.type", s.extra_str = "yarn";
    refused(&s, U, "rope scaling type 'yarn'");
    s = base_spec("llama");
    s.extra_key_f32 = "llama.rope.scaling.attn_factor", s.extra_f32 = 2.0f;
    refused(&s, U, "rope scaling attention factor 2");
    s = base_spec("llama");
    s.extra_tensor = "blk.0.ffn_gate.bias";
    refused(&s, U, "tensor 'blk.0.ffn_gate.bias' (not one llama uses)");
    s = base_spec("qwen2");
    s.extra_tensor = "output.bias";
    refused(&s, U, "tensor 'output.bias' (not one qwen2 uses)");
    s = base_spec("llama");
    s.odd_shape = "blk.0.attn_q.weight";
    refused(&s, U, "tensor 'blk.0.attn_q.weight' of shape [64, 32], expected [64, 64]");
    s = base_spec("llama");
    s.head_count_array = 1;
    refused(&s, U, "key 'llama.attention.head_count' is not one integer");
    s = base_spec("llama");
    s.extra_key_u32 = "llama.rope.dimension_count", s.extra_val = 8;
    refused(&s, U, "llama.rope.dimension_count 8 (head dimension 16)");
    s = base_spec("qwen2");
    s.extra_key_u32 = "qwen2.attention.sliding_window", s.extra_val = 4096;
    refused(&s, U, "sliding-window attention");
    s = base_spec("llama");
    s.rope_freqs = 1, s.poison = "rope_freqs.weight", s.poison_val = -1.0f;
    refused(&s, U, "rope_freqs.weight[0] = -1 (must be positive)");
    s = base_spec("qwen2");
    s.bias = 1, s.poison = "blk.1.attn_k.bias", s.poison_val = NAN;
    refused(&s, U, "a NaN or infinite value in 'blk.1.attn_k.bias'");
    s = base_spec("llama");
    s.no_tokenizer = 1;
    refused(&s, U, "no tokenizer (tokenizer.ggml.model)");
    s = base_spec("llama");
    s.dim = 48, s.heads = 3, s.kv_heads = 3;
    refused(&s, U, "embedding length 48");
    s = base_spec("llama");
    s.rope_freqs = 1;
    s.drop_tensor = "token_embd.weight";
    refused(&s, U, "missing tensor 'token_embd.weight'");
    /* accepted: OK and an empty reason; a small buffer gets a truncated, terminated reason */
    s = base_spec("qwen2");
    s.bias = 1;
    gw_buf b;
    build(&b, &s, 5);
    char why[64] = "unchanged";
    CHECK_EQ(llmz_model_check(b.p, b.n, why, sizeof why), LLMZ_OK);
    CHECK_EQ(why[0], 0);
    gw_free(&b);
    s = base_spec("gemma");
    build(&b, &s, 5);
    char small[8];
    CHECK_EQ(llmz_model_check(b.p, b.n, small, sizeof small), U);
    CHECK(strcmp(small, "archite") == 0);
    CHECK_EQ(llmz_model_check(b.p, b.n, NULL, 0), U);
    CHECK_EQ(llmz_model_check(b.p, b.n, NULL, 8), LLMZ_ERR_PARAM);
    gw_free(&b);
    CHECK_EQ(llmz_model_check("GGUF", 4, why, sizeof why), LLMZ_ERR_MODEL_FORMAT);
    CHECK(strcmp(why, "not a valid GGUF v3 file") == 0);
    /* the committed models are accepted */
    static const char *const files[3] = {"tiny.gguf", "micro.gguf", "tiny-q4km.gguf"};
    for (int i = 0; i < 3; i++) {
        char path[512];
        size_t n = 0;
        snprintf(path, sizeof path, "%s/%s", t_data_dir(), files[i]);
        unsigned char *d = t_read_file(path, &n);
        CHECK(d != NULL);
        if (d) CHECK_EQ(llmz_model_check(d, n, why, sizeof why), LLMZ_OK);
        free(d);
    }
    free_weights();
}

int main(int argc, char **argv) {
    static const t_case cases[] = {{"llama", case_llama},
                                   {"qwen2", case_qwen2},
                                   {"kquants", case_kquants},
                                   {"determinism", case_determinism},
                                   {"refusals", case_refusals}};
    int rc = t_main(argc, argv, cases, sizeof cases / sizeof cases[0]);
    free_weights();
    return rc;
}
