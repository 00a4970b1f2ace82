/* lmdump -- llmz's own next-token logits for given token ids, to compare with llama.cpp (docs/xcheck.md).
**
**   lmdump MODEL.gguf --ids IDS [--out LOGITS.f32] [--window N] [--kernels ref|avx2|avx512|auto] [--threads N]
**          [--batch N] [--numerics 1|2|3] [--float] [--float-w8] [--float-a8]
**   lmdump MODEL.gguf --tokenize TEXT        token ids of TEXT (llmz's tokenizer), one per line on stdout
**
** IDS holds token ids separated by white space.  They are cut into windows of N ids (default: the model's
** context length); each window starts from an empty cache, as llama.cpp's side does (tools/xcheck/xcheck.mjs).
** Row i of the output is the logits after feeding ids 0..i of its window: vocab float32 values, little-endian,
** rows in order, no header.  The forward pass is the one the compressor runs (lib/model/transformer.c: int8
** weights per row, int8 activations).  stderr gets one line: rows, seconds, tokens/s, peak memory. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/team.h"
#include "llmz.h"
#include "model/gguf.h"
#include "model/quants.h"
#include "model/transformer.h"
#include "numerics/kernels.h"

static void die(const char *msg, const char *what) {
    fprintf(stderr, "lmdump: %s%s%s\n", msg, what ? ": " : "", what ? what : "");
    exit(1);
}

static void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) die("out of memory", NULL);
    return p;
}

/* ---- a float reference of the same decoder (--float): to tell the int8 path's error from the rest ----
** Weights as the file's exact values (dequantised), activations in float, every dot product summed in double.
** --float-w8: the weights first requantised as llmz's loader does (int8 blocks of 32, the activation rule);
** --float-a8: each matrix product's input quantised as llmz's kernels do.  Both: llmz's numbers in other words
** (up to the order of additions).  Single-threaded, one row at a time: slow, for short texts. */
static int fmode_w8, fmode_a8;

typedef struct {
    float *w;
    int rows, cols;
} fmat;

static void requant(float *x, int n) { /* x := dequantise(quantise(x)), llmz's rule, blocks of QK */
    int8_t q[QK];
    float d;
    for (int b = 0; b + QK <= n; b += QK) {
        qact one = {q, &d, 1, QK};
        kern_quantize_ref(&one, x + b, 1, QK);
        for (int i = 0; i < QK; i++) x[b + i] = (float)q[i] * d;
    }
}

static fmat fm_load(const gguf_ctx *g, const char *name) {
    const gguf_tensor *t = gguf_find_tensor(g, name);
    if (!t) die("missing tensor", name);
    size_t n = (size_t)gguf_tensor_nelem(t);
    fmat m = {xmalloc(n * sizeof(float)), t->n_dims == 2 ? (int)t->ne[1] : 1, (int)t->ne[0]};
    if (t->type == 0) {
        memcpy(m.w, t->data, n * 4);
    } else if (t->type == 1) {
        for (size_t i = 0; i < n; i++) m.w[i] = gguf_f16_to_f32((uint16_t)(t->data[2 * i] | t->data[2 * i + 1] << 8));
    } else if (quant_row(t->type, t->data, m.w, n) != LLMZ_OK) {
        die("cannot dequantise", name);
    }
    if (fmode_w8 && m.rows > 1)
        for (int r = 0; r < m.rows; r++) requant(m.w + (size_t)r * m.cols, m.cols);
    return m;
}

static void fm_mul(float *y, const fmat *m, const float *x) {
    float *xa = NULL;
    if (fmode_a8) {
        xa = xmalloc((size_t)m->cols * sizeof *xa);
        memcpy(xa, x, (size_t)m->cols * sizeof *xa);
        requant(xa, m->cols);
        x = xa;
    }
    for (int r = 0; r < m->rows; r++) {
        const float *w = m->w + (size_t)r * m->cols;
        double acc[4] = {0, 0, 0, 0}; /* four sums: a reference in double, not llmz's order */
        int c = 0;
        for (; c + 4 <= m->cols; c += 4)
            for (int k = 0; k < 4; k++) acc[k] += (double)w[c + k] * x[c + k];
        for (; c < m->cols; c++) acc[0] += (double)w[c] * x[c];
        y[r] = (float)((acc[0] + acc[1]) + (acc[2] + acc[3]));
    }
    free(xa);
}

static void f_rmsnorm(float *y, const float *x, const float *w, int n, float eps) {
    double ss = 0;
    for (int i = 0; i < n; i++) ss += (double)x[i] * x[i];
    double inv = 1.0 / sqrt(ss / n + eps);
    for (int i = 0; i < n; i++) y[i] = (float)(x[i] * inv) * w[i];
}

/* The reference's rope: llama's adjacent pairs or qwen2's NEOX ones (i, i + hd/2); the angle of pair i at pos p
** is p * theta^(-2i/hd) / (rope_freqs[i] when the file has them) / (the linear scaling factor when it has one). */
static const float *f_freqs; /* rope_freqs.weight, hd/2 values, or NULL */
static double f_scale = 1.0; /* <arch>.rope.scaling.factor (linear) or 1 */
static void f_rope(float *v, int nh, int hd, int pos, float theta, int neox) {
    for (int h = 0; h < nh; h++)
        for (int i = 0; i < hd / 2; i++) {
            double a = pos * pow((double)theta, -2.0 * i / hd) / (f_freqs ? f_freqs[i] : 1.0) / f_scale;
            double cs = cos(a), sn = sin(a);
            float *p0 = v + h * hd + (neox ? i : 2 * i), *p1 = neox ? p0 + hd / 2 : p0 + 1, x0 = *p0, x1 = *p1;
            *p0 = (float)(x0 * cs - x1 * sn);
            *p1 = (float)(x0 * sn + x1 * cs);
        }
}

/* y += the bias named (optional: qwen2's and some llama files' attention biases) */
static void f_bias(float *y, const float *b, int n) {
    if (b)
        for (int i = 0; i < n; i++) y[i] += b[i];
}

typedef struct {
    float *attn_norm, *ffn_norm;
    float *bq, *bk, *bv, *bo; /* NULL where the file has none */
    fmat wq, wk, wv, wo, wg, wu, wd;
} f_layer;

static float *f_opt(const gguf_ctx *g, const char *name) { return gguf_find_tensor(g, name) ? fm_load(g, name).w : NULL; }

/* Logits of every id of one window (n ids) into out (n x vocab). */
static void f_window(const gguf_ctx *g, const tf_config *c, const int32_t *ids, int n, float *out) {
    static f_layer *L;
    static fmat emb, outm;
    static float *onorm;
    char nm[96];
    if (!L) {
        L = xmalloc((size_t)c->n_layer * sizeof *L);
        emb = fm_load(g, "token_embd.weight");
        outm = gguf_find_tensor(g, "output.weight") ? fm_load(g, "output.weight") : emb;
        onorm = fm_load(g, "output_norm.weight").w;
        for (int l = 0; l < c->n_layer; l++) {
#define LD(field, suffix) (snprintf(nm, sizeof nm, "blk.%d." suffix, l), L[l].field = fm_load(g, nm))
            LD(wq, "attn_q.weight"), LD(wk, "attn_k.weight"), LD(wv, "attn_v.weight"), LD(wo, "attn_output.weight");
            LD(wg, "ffn_gate.weight"), LD(wu, "ffn_up.weight"), LD(wd, "ffn_down.weight");
#undef LD
        }
        for (int l = 0; l < c->n_layer; l++) {
            snprintf(nm, sizeof nm, "blk.%d.ffn_norm.weight", l);
            L[l].ffn_norm = fm_load(g, nm).w;
            snprintf(nm, sizeof nm, "blk.%d.attn_norm.weight", l);
            L[l].attn_norm = fm_load(g, nm).w;
#define OPT(field, suffix) (snprintf(nm, sizeof nm, "blk.%d." suffix, l), L[l].field = f_opt(g, nm))
            OPT(bq, "attn_q.bias"), OPT(bk, "attn_k.bias"), OPT(bv, "attn_v.bias"), OPT(bo, "attn_output.bias");
#undef OPT
        }
        f_freqs = f_opt(g, "rope_freqs.weight");
        const char *arch;
        size_t alen;
        float fac;
        if (gguf_get_str(g, "general.architecture", &arch, &alen) == LLMZ_OK && alen < 32) {
            snprintf(nm, sizeof nm, "%.*s.rope.scaling.factor", (int)alen, arch);
            if (gguf_get_f32(g, nm, &fac) == LLMZ_OK && fac > 0.0f) f_scale = fac;
        }
    }
    int d = c->dim, kvd = c->kv_dim, hd = c->head_dim, f = c->ffn, grp = c->n_head / c->n_kv_head;
    float *x = xmalloc((size_t)d * 4), *h = xmalloc((size_t)d * 4), *q = xmalloc((size_t)d * 4),
          *att = xmalloc((size_t)n * 4), *o = xmalloc((size_t)d * 4), *a = xmalloc((size_t)f * 4),
          *u = xmalloc((size_t)f * 4), *y = xmalloc((size_t)d * 4);
    float *K = xmalloc((size_t)c->n_layer * n * kvd * 4), *V = xmalloc((size_t)c->n_layer * n * kvd * 4);
    for (int p = 0; p < n; p++) {
        memcpy(x, emb.w + (size_t)ids[p] * d, (size_t)d * 4);
        for (int l = 0; l < c->n_layer; l++) {
            f_layer *ly = &L[l];
            float *kp = K + ((size_t)l * n + p) * kvd, *vp = V + ((size_t)l * n + p) * kvd;
            f_rmsnorm(h, x, ly->attn_norm, d, c->eps);
            fm_mul(q, &ly->wq, h);
            fm_mul(kp, &ly->wk, h);
            fm_mul(vp, &ly->wv, h);
            f_bias(q, ly->bq, d), f_bias(kp, ly->bk, kvd), f_bias(vp, ly->bv, kvd);
            f_rope(q, c->n_head, hd, p, c->theta, c->neox);
            f_rope(kp, c->n_kv_head, hd, p, c->theta, c->neox);
            for (int hh = 0; hh < c->n_head; hh++) {
                int kh = hh / grp;
                double mx = -1e300, sum = 0;
                for (int t = 0; t <= p; t++) {
                    const float *kt = K + ((size_t)l * n + t) * kvd + kh * hd;
                    double sc = 0;
                    for (int i = 0; i < hd; i++) sc += (double)q[hh * hd + i] * kt[i];
                    att[t] = (float)(sc / sqrt((double)hd));
                    if (att[t] > mx) mx = att[t];
                }
                for (int t = 0; t <= p; t++) sum += (att[t] = (float)exp(att[t] - mx));
                for (int i = 0; i < hd; i++) {
                    double acc = 0;
                    for (int t = 0; t <= p; t++) acc += (double)att[t] * V[((size_t)l * n + t) * kvd + kh * hd + i];
                    o[hh * hd + i] = (float)(acc / sum);
                }
            }
            fm_mul(y, &ly->wo, o);
            f_bias(y, ly->bo, d);
            for (int i = 0; i < d; i++) x[i] += y[i];
            f_rmsnorm(h, x, ly->ffn_norm, d, c->eps);
            fm_mul(a, &ly->wg, h);
            fm_mul(u, &ly->wu, h);
            for (int i = 0; i < f; i++) a[i] = (float)(a[i] / (1.0 + exp(-(double)a[i]))) * u[i];
            fm_mul(y, &ly->wd, a);
            for (int i = 0; i < d; i++) x[i] += y[i];
        }
        f_rmsnorm(h, x, onorm, d, c->eps);
        fm_mul(out + (size_t)p * c->vocab, &outm, h);
    }
    free(x), free(h), free(q), free(att), free(o), free(a), free(u), free(y), free(K), free(V);
}

static uint8_t *read_all(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) die(strerror(errno), path);
    size_t cap = 1 << 16, n = 0, got;
    uint8_t *b = xmalloc(cap);
    while ((got = fread(b + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            uint8_t *nb = realloc(b, cap *= 2);
            if (!nb) die("out of memory", NULL);
            b = nb;
        }
    }
    if (ferror(f)) die("read error", path);
    fclose(f);
    *len = n;
    return b;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static long num(const char *opt, const char *v) {
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (!*v || *end || errno || x < 1 || x > (1L << 24)) {
        fprintf(stderr, "lmdump: bad value for %s: %s\n", opt, v);
        exit(2);
    }
    return x;
}

static void usage(void) {
    fprintf(stderr, "usage: lmdump MODEL.gguf --ids IDS [--out LOGITS.f32] [--window N] [--kernels K] [--threads N]"
                     " [--batch N] [--numerics 1|2|3]\n"
                    "              [--float] [--float-w8] [--float-a8]\n       lmdump MODEL.gguf --tokenize TEXT\n");
    exit(2);
}

static int tokenize(const char *model, const char *text) {
    llmz_model *m;
    int err = llmz_model_load_file(&m, model);
    if (err) die(llmz_error_name(err), model);
    size_t len;
    uint8_t *src = read_all(text, &len);
    int32_t *ids = xmalloc((len + 1) * sizeof *ids);
    long n = llmz_model_tokenize(m, ids, len + 1, src, len);
    if (n < 0) die("tokenizer failed", text);
    for (long i = 0; i < n; i++) printf("%d\n", ids[i]);
    free(ids);
    free(src);
    llmz_model_free(m);
    return fflush(stdout) ? 1 : 0;
}

int main(int argc, char **argv) {
    const char *model = NULL, *ids_path = NULL, *out_path = NULL, *text = NULL;
    long window = 0, threads = 1, batch = 64, numerics = 1;
    int kern = LLMZ_KERNELS_AUTO, fref = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-') {
            if (model) usage();
            model = a;
            continue;
        }
        if (!strcmp(a, "--float") || !strcmp(a, "--float-w8") || !strcmp(a, "--float-a8")) {
            fref = 1;
            fmode_w8 |= !strcmp(a, "--float-w8");
            fmode_a8 |= !strcmp(a, "--float-a8");
            continue;
        }
        if (i + 1 >= argc) usage();
        const char *v = argv[++i];
        if (!strcmp(a, "--ids")) ids_path = v;
        else if (!strcmp(a, "--out")) out_path = v;
        else if (!strcmp(a, "--tokenize")) text = v;
        else if (!strcmp(a, "--window")) window = num(a, v);
        else if (!strcmp(a, "--threads")) threads = num(a, v);
        else if (!strcmp(a, "--batch")) batch = num(a, v);
        else if (!strcmp(a, "--numerics")) numerics = num(a, v); /* 1: float cache, 2: int8 cache, 3: float activations */
        else if (!strcmp(a, "--kernels")) {
            if (!strcmp(v, "ref")) kern = LLMZ_KERNELS_REF;
            else if (!strcmp(v, "avx2")) kern = LLMZ_KERNELS_AVX2;
            else if (!strcmp(v, "avx512")) kern = LLMZ_KERNELS_AVX512;
            else if (!strcmp(v, "auto")) kern = LLMZ_KERNELS_AUTO;
            else usage();
        } else {
            usage();
        }
    }
    if (!model || (!ids_path && !text) || (ids_path && text)) usage();
    if (text) return tokenize(model, text);

    /* the ids */
    size_t tlen;
    char *tx = (char *)read_all(ids_path, &tlen);
    tx = realloc(tx, tlen + 1);
    if (!tx) die("out of memory", NULL);
    tx[tlen] = 0;
    size_t n_ids = 0, cap = 1024;
    int32_t *ids = xmalloc(cap * sizeof *ids);
    for (char *p = tx, *end;; p = end) {
        errno = 0;
        long v = strtol(p, &end, 10);
        if (end == p) {
            while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
            if (*p) die("not a token id in", ids_path);
            break;
        }
        if (errno || v < 0 || v > INT32_MAX) die("bad token id in", ids_path);
        if (n_ids == cap) {
            int32_t *nb = realloc(ids, (cap *= 2) * sizeof *ids);
            if (!nb) die("out of memory", NULL);
            ids = nb;
        }
        ids[n_ids++] = (int32_t)v;
    }
    free(tx);
    if (!n_ids) die("no token ids in", ids_path);

    /* the model, memory-mapped */
    int fd = open(model, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st)) die(strerror(errno), model);
    void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) die(strerror(errno), model);
    close(fd);
    gguf_ctx *g;
    tf_model *tf;
    int err = gguf_open(&g, map, (size_t)st.st_size);
    if (err) die(llmz_error_name(err), model);
    double t0 = now();
    if ((err = tf_load(&tf, g))) die(llmz_error_name(err), model);
    double t_load = now() - t0;
    const tf_config *c = tf_cfg(tf);
    for (size_t i = 0; i < n_ids; i++)
        if (ids[i] >= c->vocab) die("token id beyond the model's vocabulary in", ids_path);
    if (!window || window > c->ctx) window = c->ctx;
    if (batch > window) batch = window;
    const kernel_set *ks = kernels_get(kern);
    if (!ks) die("kernel set not available on this CPU", NULL);
    team *tm = threads > 1 ? team_new((int)threads) : NULL;
    tf_batch *b = tf_batch_new(tf, (int)batch);
    tf_state *s = tf_state_new(tf, numerics >= 2 && numerics <= 3 ? (int)numerics : 1);
    if (!b || !s) die("out of memory", NULL);
    if (tm && tf_batch_use_team(b, tf, tm)) die("cannot use the thread team", NULL);
    tf_state **sts = xmalloc((size_t)batch * sizeof *sts);
    for (long i = 0; i < batch; i++) sts[i] = s;
    float *logits = xmalloc((size_t)batch * (size_t)c->vocab * sizeof *logits);
    FILE *out = out_path ? fopen(out_path, "wb") : NULL;
    if (out_path && !out) die(strerror(errno), out_path);

    t0 = now();
    for (size_t w0 = 0; w0 < n_ids; w0 += (size_t)window) {
        size_t wn = n_ids - w0 < (size_t)window ? n_ids - w0 : (size_t)window;
        tf_state_reset(s);
        if (fref) {
            float *fl = xmalloc(wn * (size_t)c->vocab * sizeof *fl);
            f_window(g, c, ids + w0, (int)wn, fl);
            if (out && fwrite(fl, sizeof *fl * (size_t)c->vocab, wn, out) != wn) die("write error", out_path);
            free(fl);
            continue;
        }
        for (size_t r = 0; r < wn; r += (size_t)batch) {
            int n = (int)(wn - r < (size_t)batch ? wn - r : (size_t)batch);
            if ((err = tf_forward(tf, ks, b, sts, ids + w0 + r, n, logits))) die(llmz_error_name(err), "forward");
            if (out && fwrite(logits, sizeof *logits * (size_t)c->vocab, (size_t)n, out) != (size_t)n)
                die("write error", out_path);
        }
    }
    double secs = now() - t0;
    if (out && fclose(out)) die("write error", out_path);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    fprintf(stderr,
            "lmdump: %zu tokens in %.3f s (%.1f tokens/s, batch %ld, %ld thread%s, %s kernels); load %.2f s; "
            "weights %.1f MB; peak RSS %.1f MB\n",
            n_ids, secs, (double)n_ids / secs, batch, threads, threads == 1 ? "" : "s", llmz_kernels_name(kern),
            t_load, (double)tf_weight_bytes(tf) / 1e6, (double)ru.ru_maxrss / 1024.0);
    free(logits);
    free(sts);
    free(ids);
    tf_batch_free(b);
    tf_state_free(s);
    team_free(tm);
    tf_free(tf);
    gguf_close(g);
    munmap(map, (size_t)st.st_size);
    return 0;
}
