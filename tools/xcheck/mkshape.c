/* mkshape -- GGUF files for the comparison with llama.cpp (docs/xcheck.md), written by this repo's writer.
**
**   mkshape OUT.gguf --copy MODEL.gguf [--pre NAME] [--type f16|f32|keep]
**       MODEL again with tokenizer.ggml.pre set to NAME (llama.cpp refuses pre-tokenizer names it does not
**       know, such as "llmz") and its tensors converted to TYPE (keep: the same bytes).
**   mkshape OUT.gguf --tile MODEL.gguf --vocab VOCAB.gguf --dim D --layers L --heads H --kv-heads G --ffn F
**           [--ctx C] [--theta T] [--name NAME] [--pre NAME] [--type f16|f32] [--noise PERCENT]
**       A llama model of the given shape whose weights tile MODEL's (a small trained model), so that its
**       next-token distributions are peaked like a trained model's; the tokenizer.* keys come from VOCAB.
**       Every matrix weight is then multiplied by its own factor in 1 +- PERCENT/200 (default 10): the copies
**       of a row differ, so the vocabulary's copies of a token do not tie for the most probable.
**
** Tiling (D, H, F multiples of MODEL's d, h, f; same head size; vocab any size): embedding row t is row
** t mod v of MODEL's, repeated D/d times across the row, times 1 - c/25 for the c-th copy (c = t/v, at most 12); q head k is MODEL's head k*h/H, kv head k is MODEL's
** kv head k*g/G (so each q head meets the kv head it met in MODEL); inputs read from a repeated vector are
** scaled by d/D (or f/F, h/H), so each big layer maps a repeated residual stream x to the repeated output of
** MODEL's layer.  Big layer l uses MODEL's layer l*n/L: the first big layer of each MODEL layer as it is, the
** others (echoes) scaled by ECHO percent (--echo, default 10) on the residual (attn_output, ffn_down), so that
** they change the stream a little (sharing one layer out as k steps of 1/k flattens the distributions: 14.3
** bits/token instead of 8.8 on tools/xcheck/text.txt).  output_norm is scaled by d/D so that the (tied) logits
** equal MODEL's for the repeated stream.  With L = n and theta MODEL's, the big model computes MODEL's logits
** exactly (up to rounding, with --noise 0), each token's repeated over the vocab's copies. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../gguf_write.h"
#include "llmz.h"
#include "model/gguf.h"
#include "model/quants.h"

static void die(const char *msg, const char *what) {
    fprintf(stderr, "mkshape: %s%s%s\n", msg, what ? ": " : "", what ? what : "");
    exit(1);
}

static void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) die("out of memory", NULL);
    return p;
}

typedef struct {
    const uint8_t *p;
    size_t n;
    gguf_ctx *g;
} mapped;

static void map_file(mapped *m, const char *path) {
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st)) die(strerror(errno), path);
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) die(strerror(errno), path);
    close(fd);
    m->p = p;
    m->n = (size_t)st.st_size;
    int err = gguf_open(&m->g, m->p, m->n);
    if (err) die(llmz_error_name(err), path);
}

/* ---- the raw key/value records of a GGUF (gguf_open has validated the file) ---- */
static uint64_t rd(const uint8_t *p, int n) {
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--) v = v << 8 | p[i];
    return v;
}
static size_t scalar_size(uint32_t t) {
    static const size_t sz[13] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};
    return t < 13 ? sz[t] : 0;
}
/* Bytes of a value of type t at p (strings and arrays walked). */
static size_t value_size(const uint8_t *p, uint32_t t) {
    if (t == GGUF_T_STRING) return 8 + (size_t)rd(p, 8);
    if (t != GGUF_T_ARRAY) return scalar_size(t);
    uint32_t et = (uint32_t)rd(p, 4);
    uint64_t n = rd(p + 4, 8);
    size_t off = 12;
    if (et == GGUF_T_STRING)
        for (uint64_t i = 0; i < n; i++) off += 8 + (size_t)rd(p + off, 8);
    else
        off += (size_t)n * scalar_size(et);
    return off;
}

typedef struct {
    const uint8_t *rec; /* key length, key, type, value */
    size_t len;
    const char *key;
    size_t key_len;
} kv_rec;

/* The records of m (into out, at most cap); returns the count. */
static size_t kv_list(const mapped *m, kv_rec *out, size_t cap) {
    uint64_t n_kv = rd(m->p + 16, 8);
    size_t off = 24, k = 0;
    for (uint64_t i = 0; i < n_kv && k < cap; i++) {
        size_t start = off, klen = (size_t)rd(m->p + off, 8);
        const char *key = (const char *)m->p + off + 8;
        off += 8 + klen;
        uint32_t t = (uint32_t)rd(m->p + off, 4);
        off += 4 + value_size(m->p + off + 4, t);
        out[k++] = (kv_rec){m->p + start, off - start, key, klen};
    }
    return k;
}
static int key_is(const kv_rec *r, const char *k) { return r->key_len == strlen(k) && !memcmp(r->key, k, r->key_len); }
static int key_starts(const kv_rec *r, const char *k) {
    return r->key_len >= strlen(k) && !memcmp(r->key, k, strlen(k));
}

/* ---- tensors ---- */
static float *tensor_floats(const gguf_tensor *t) {
    size_t n = (size_t)gguf_tensor_nelem(t);
    float *y = xmalloc(n * sizeof *y);
    if (t->type == GGML_T_F32) {
        memcpy(y, t->data, n * 4);
    } else if (t->type == GGML_T_F16) {
        for (size_t i = 0; i < n; i++) y[i] = gguf_f16_to_f32((uint16_t)rd(t->data + 2 * i, 2));
    } else if (quant_row(t->type, t->data, y, n) != LLMZ_OK) {
        die("cannot read tensor", t->name);
    }
    return y;
}

typedef struct {
    char name[64];
    uint32_t n_dims;
    uint64_t ne[2];
    uint32_t type;
    uint8_t *data;
    uint64_t nbytes;
} out_tensor;

static out_tensor tens[1024];
static size_t n_tens;

/* Append a tensor of n0 x n1 values x (n1 = 0: a vector), written as type (GW_T_F32/F16); takes x. */
static void add(const char *name, uint64_t n0, uint64_t n1, float *x, uint32_t type) {
    if (n_tens == sizeof tens / sizeof tens[0]) die("too many tensors", NULL);
    out_tensor *t = &tens[n_tens++];
    snprintf(t->name, sizeof t->name, "%s", name);
    t->n_dims = n1 ? 2 : 1;
    t->ne[0] = n0;
    t->ne[1] = n1 ? n1 : 1;
    if (!n1) type = GW_T_F32; /* norms stay F32, as llama.cpp's converter writes them */
    size_t n = (size_t)(t->ne[0] * t->ne[1]);
    t->type = type;
    t->nbytes = gw_nbytes(type, t->n_dims, t->ne);
    t->data = xmalloc((size_t)t->nbytes);
    for (size_t i = 0; i < n; i++) {
        if (type == GW_T_F32) {
            memcpy(t->data + 4 * i, &x[i], 4);
        } else {
            uint16_t h = gw_f32_to_f16(x[i]);
            t->data[2 * i] = (uint8_t)h;
            t->data[2 * i + 1] = (uint8_t)(h >> 8);
        }
    }
    free(x);
}

static void unmap_file(mapped *m) {
    gguf_close(m->g);
    munmap((void *)(uintptr_t)m->p, m->n);
}

/* Writes the file, then frees b and the tensors. */
static void write_out(const char *out, gw_buf *b) {
    gw_tensor gt[1024];
    for (size_t i = 0; i < n_tens; i++)
        gt[i] = (gw_tensor){tens[i].name, tens[i].n_dims, {tens[i].ne[0], tens[i].ne[1], 1, 1},
                            tens[i].type, tens[i].data, tens[i].nbytes};
    gw_tensors_info(b, gt, n_tens, 32);
    gw_tensors_data(b, gt, n_tens, 32);
    if (b->err) die("out of memory", NULL);
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", out, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f) die(strerror(errno), tmp);
    int bad = fwrite(b->p, 1, b->n, f) != b->n;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, out)) {
        remove(tmp);
        die("write failed", out);
    }
    fprintf(stderr, "mkshape: wrote %s (%.1f MB, %zu tensors)\n", out, (double)b->n / 1e6, n_tens);
    gw_free(b);
    for (size_t i = 0; i < n_tens; i++) free(tens[i].data);
    n_tens = 0;
}

/* ---- --copy ---- */
static int do_copy(const char *out, const char *src, const char *pre, const char *type) {
    mapped m;
    map_file(&m, src);
    kv_rec kv[256];
    size_t nkv = kv_list(&m, kv, 256);
    gw_buf b;
    gw_init(&b);
    size_t nt = gguf_n_tensors(m.g);
    gw_header(&b, 3, nt, nkv);
    for (size_t i = 0; i < nkv; i++) {
        if (pre && key_is(&kv[i], "tokenizer.ggml.pre")) gw_kv_str(&b, "tokenizer.ggml.pre", pre);
        else if (key_is(&kv[i], "general.alignment")) gw_kv_u32(&b, "general.alignment", 32);
        else gw_bytes(&b, kv[i].rec, kv[i].len);
    }
    for (size_t i = 0; i < nt; i++) {
        const gguf_tensor *t = gguf_tensor_at(m.g, i);
        if (t->n_dims > 2) die("more than 2 dimensions", t->name);
        if (!strcmp(type, "keep")) {
            out_tensor *o = &tens[n_tens++];
            snprintf(o->name, sizeof o->name, "%s", t->name);
            o->n_dims = t->n_dims;
            o->ne[0] = t->ne[0];
            o->ne[1] = t->ne[1];
            o->type = t->type;
            o->nbytes = t->nbytes;
            o->data = xmalloc((size_t)t->nbytes);
            memcpy(o->data, t->data, (size_t)t->nbytes);
        } else {
            add(t->name, t->ne[0], t->n_dims == 2 ? t->ne[1] : 0, tensor_floats(t),
                !strcmp(type, "f32") ? GW_T_F32 : GW_T_F16);
        }
    }
    write_out(out, &b);
    unmap_file(&m);
    return 0;
}

/* ---- --tile ---- */
typedef struct {
    unsigned long d, nl, h, g, f, hd, v;
} shape;

static float *tensor_of(const mapped *m, const char *name, uint64_t n0, uint64_t n1) {
    const gguf_tensor *t = gguf_find_tensor(m->g, name);
    if (!t || t->ne[0] != n0 || (n1 && t->ne[1] != n1)) die("missing or misshapen tensor", name);
    return tensor_floats(t);
}

/* A big (rows x cols) matrix from small W0 (rows0 x cols0): row r reads small row rmap(r), column c small
** column c mod cols0, times scale.  rmap: r mod rows0 (heads = 0) or by heads of hd rows (big head k of nbig
** reads small head k * nsmall / nbig). */
static float noise = 0.1f; /* --noise */
static float echo = 0.1f;  /* --echo */
static uint64_t noise_state = 1;
/* A factor uniform in [1 - noise/2, 1 + noise/2] (splitmix64, integer-derived: the same on every machine). */
static float jitter(void) {
    uint64_t z = (noise_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return 1.0f + noise * ((float)(z >> 40) * 0x1p-24f - 0.5f);
}

static float *tile(const float *w0, unsigned long rows0, unsigned long cols0, unsigned long rows, unsigned long cols,
                   float scale, unsigned long hd, unsigned long nsmall, unsigned long nbig, int col_heads) {
    float *w = xmalloc((size_t)rows * cols * sizeof *w);
    int jit = rows > 1 && noise > 0.0f; /* matrices only, not the norms */
    for (unsigned long r = 0; r < rows; r++) {
        unsigned long r0 = hd && !col_heads ? (r / hd) * nsmall / nbig * hd + r % hd : r % rows0;
        for (unsigned long c = 0; c < cols; c++) {
            unsigned long c0 = hd && col_heads ? (c / hd) * nsmall / nbig * hd + c % hd : c % cols0;
            w[(size_t)r * cols + c] = w0[(size_t)r0 * cols0 + c0] * scale * (jit ? jitter() : 1.0f);
        }
    }
    return w;
}

static int do_tile(const char *out, const char *src, const char *vocab, shape B, unsigned long ctx, float theta,
                   const char *name, const char *pre, uint32_t type) {
    mapped m, v;
    map_file(&m, src);
    map_file(&v, vocab);
    shape S;
    uint32_t u;
#define U(key, field)                                                       \
    if (gguf_get_u32(m.g, key, &u)) die("missing key in the small model", key); \
    S.field = u
    U("llama.embedding_length", d);
    U("llama.block_count", nl);
    U("llama.attention.head_count", h);
    U("llama.attention.head_count_kv", g);
    U("llama.feed_forward_length", f);
#undef U
    S.hd = S.d / S.h;
    const gguf_tensor *te = gguf_find_tensor(m.g, "token_embd.weight");
    if (!te) die("no token_embd.weight", src);
    S.v = (unsigned long)te->ne[1];
    uint64_t nv;
    uint32_t et;
    if (gguf_get_arr(v.g, "tokenizer.ggml.tokens", &et, &nv)) die("no tokenizer.ggml.tokens", vocab);
    B.v = (unsigned long)nv;
    B.hd = B.d / B.h;
    if (B.d % S.d || B.h % S.h || B.g % S.g || B.f % S.f || B.hd != S.hd || B.h % B.g)
        die("the shape must be a multiple of the small model's (same head size)", NULL);
    if (gguf_find_tensor(m.g, "output.weight")) die("the small model must have a tied output", src);

    float sd = (float)S.d / (float)B.d, sf = (float)S.f / (float)B.f, sh = (float)S.h / (float)B.h;
    unsigned long bkv = B.g * B.hd, skv = S.g * S.hd;
    float *e0 = tensor_of(&m, "token_embd.weight", S.d, S.v);
    float *e = tile(e0, S.v, S.d, B.v, B.d, 1.0f, 0, 0, 0, 0);
    for (unsigned long t = S.v; t < B.v; t++) { /* copy c of a token: scaled by 1 - c/25, no near-ties */
        float sc = 1.0f - (float)(t / S.v < 12 ? t / S.v : 12) * 0.04f;
        for (unsigned long j = 0; j < B.d; j++) e[(size_t)t * B.d + j] *= sc;
    }
    add("token_embd.weight", B.d, B.v, e, type);
    free(e0);
    float *n0 = tensor_of(&m, "output_norm.weight", S.d, 0);
    add("output_norm.weight", B.d, 0, tile(n0, 1, S.d, 1, B.d, sd, 0, 0, 0, 0), type);
    free(n0);
    char nm[64], sn[64];
    for (unsigned long l = 0; l < B.nl; l++) {
        unsigned long k = l * S.nl / B.nl;
        float sr = l == 0 || (l - 1) * S.nl / B.nl != k ? 1.0f : echo;
#define SMALL(suffix, n0_, n1_) (snprintf(sn, sizeof sn, "blk.%lu." suffix, k), tensor_of(&m, sn, n0_, n1_))
#define BIG(suffix) (snprintf(nm, sizeof nm, "blk.%lu." suffix, l), nm)
        float *w;
        w = SMALL("attn_norm.weight", S.d, 0);
        add(BIG("attn_norm.weight"), B.d, 0, tile(w, 1, S.d, 1, B.d, 1.0f, 0, 0, 0, 0), type);
        free(w);
        w = SMALL("attn_q.weight", S.d, S.d);
        add(BIG("attn_q.weight"), B.d, B.d, tile(w, S.d, S.d, B.d, B.d, sd, S.hd, S.h, B.h, 0), type);
        free(w);
        w = SMALL("attn_k.weight", S.d, skv);
        add(BIG("attn_k.weight"), B.d, bkv, tile(w, skv, S.d, bkv, B.d, sd, S.hd, S.g, B.g, 0), type);
        free(w);
        w = SMALL("attn_v.weight", S.d, skv);
        add(BIG("attn_v.weight"), B.d, bkv, tile(w, skv, S.d, bkv, B.d, sd, S.hd, S.g, B.g, 0), type);
        free(w);
        w = SMALL("attn_output.weight", S.d, S.d);
        add(BIG("attn_output.weight"), B.d, B.d, tile(w, S.d, S.d, B.d, B.d, sh * sr, S.hd, S.h, B.h, 1), type);
        free(w);
        w = SMALL("ffn_norm.weight", S.d, 0);
        add(BIG("ffn_norm.weight"), B.d, 0, tile(w, 1, S.d, 1, B.d, 1.0f, 0, 0, 0, 0), type);
        free(w);
        w = SMALL("ffn_gate.weight", S.d, S.f);
        add(BIG("ffn_gate.weight"), B.d, B.f, tile(w, S.f, S.d, B.f, B.d, sd, 0, 0, 0, 0), type);
        free(w);
        w = SMALL("ffn_up.weight", S.d, S.f);
        add(BIG("ffn_up.weight"), B.d, B.f, tile(w, S.f, S.d, B.f, B.d, sd, 0, 0, 0, 0), type);
        free(w);
        w = SMALL("ffn_down.weight", S.f, S.d);
        add(BIG("ffn_down.weight"), B.f, B.d, tile(w, S.d, S.f, B.d, B.f, sf * sr, 0, 0, 0, 0), type);
        free(w);
#undef SMALL
#undef BIG
    }

    kv_rec kv[256];
    size_t nkv = kv_list(&v, kv, 256), ntok = 0;
    for (size_t i = 0; i < nkv; i++) ntok += key_starts(&kv[i], "tokenizer.");
    gw_buf b;
    gw_init(&b);
    gw_header(&b, 3, n_tens, 14 + ntok); /* keep in step with the keys below */
    gw_kv_str(&b, "general.architecture", "llama");
    gw_kv_str(&b, "general.name", name);
    gw_kv_u32(&b, "general.alignment", 32);
    gw_kv_u32(&b, "general.file_type", type == GW_T_F32 ? 0 : 1);
    gw_kv_u32(&b, "llama.context_length", (uint32_t)ctx);
    gw_kv_u32(&b, "llama.embedding_length", (uint32_t)B.d);
    gw_kv_u32(&b, "llama.block_count", (uint32_t)B.nl);
    gw_kv_u32(&b, "llama.feed_forward_length", (uint32_t)B.f);
    gw_kv_u32(&b, "llama.attention.head_count", (uint32_t)B.h);
    gw_kv_u32(&b, "llama.attention.head_count_kv", (uint32_t)B.g);
    gw_kv_u32(&b, "llama.rope.dimension_count", (uint32_t)B.hd);
    gw_kv_f32(&b, "llama.rope.freq_base", theta);
    gw_kv_f32(&b, "llama.attention.layer_norm_rms_epsilon", 1e-5f);
    gw_kv_u32(&b, "llama.vocab_size", (uint32_t)B.v);
    for (size_t i = 0; i < nkv; i++) {
        if (!key_starts(&kv[i], "tokenizer.")) continue;
        if (pre && key_is(&kv[i], "tokenizer.ggml.pre")) gw_kv_str(&b, "tokenizer.ggml.pre", pre);
        else gw_bytes(&b, kv[i].rec, kv[i].len);
    }
    write_out(out, &b);
    fprintf(stderr, "mkshape: dim %lu, %lu layers, %lu heads (%lu kv), ffn %lu, vocab %lu, from %s (dim %lu, %lu layers)\n",
            B.d, B.nl, B.h, B.g, B.f, B.v, src, S.d, S.nl);
    unmap_file(&m);
    unmap_file(&v);
    return 0;
}

static unsigned long arg_num(const char *opt, const char *v) {
    char *end;
    errno = 0;
    unsigned long x = strtoul(v, &end, 10);
    if (!*v || *end || errno || x == 0 || x > (1ul << 24)) {
        fprintf(stderr, "mkshape: bad value for %s: %s\n", opt, v);
        exit(2);
    }
    return x;
}

static void usage(void) {
    fprintf(stderr, "usage: mkshape OUT.gguf --copy MODEL.gguf [--pre NAME] [--type f16|f32|keep]\n"
                    "       mkshape OUT.gguf --tile MODEL.gguf --vocab VOCAB.gguf --dim D --layers L --heads H\n"
                    "               --kv-heads G --ffn F [--ctx C] [--theta T] [--name NAME] [--pre NAME]"
                    " [--type f16|f32] [--noise PERCENT]\n"
                    "               [--echo PERCENT]\n");
    exit(2);
}

int main(int argc, char **argv) {
    const char *out = NULL, *copy = NULL, *tsrc = NULL, *vocab = NULL, *pre = NULL, *type = "f16";
    const char *name = "llmz-xcheck";
    shape B = {0};
    unsigned long ctx = 2048;
    float theta = 10000.0f;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-') {
            if (out) usage();
            out = a;
            continue;
        }
        if (i + 1 >= argc) usage();
        const char *v = argv[++i];
        if (!strcmp(a, "--copy")) copy = v;
        else if (!strcmp(a, "--tile")) tsrc = v;
        else if (!strcmp(a, "--vocab")) vocab = v;
        else if (!strcmp(a, "--pre")) pre = v;
        else if (!strcmp(a, "--type")) type = v;
        else if (!strcmp(a, "--name")) name = v;
        else if (!strcmp(a, "--dim")) B.d = arg_num(a, v);
        else if (!strcmp(a, "--layers")) B.nl = arg_num(a, v);
        else if (!strcmp(a, "--heads")) B.h = arg_num(a, v);
        else if (!strcmp(a, "--kv-heads")) B.g = arg_num(a, v);
        else if (!strcmp(a, "--ffn")) B.f = arg_num(a, v);
        else if (!strcmp(a, "--ctx")) ctx = arg_num(a, v);
        else if (!strcmp(a, "--theta")) theta = (float)arg_num(a, v);
        else if (!strcmp(a, "--echo")) echo = strcmp(v, "0") ? (float)arg_num(a, v) / 100.0f : 0.0f;
        else if (!strcmp(a, "--noise")) noise = strcmp(v, "0") ? (float)arg_num(a, v) / 100.0f : 0.0f;
        else usage();
    }
    if (!out || !!copy == !!tsrc) usage();
    if (strcmp(type, "f16") && strcmp(type, "f32") && (strcmp(type, "keep") || !copy)) usage();
    if (copy) return do_copy(out, copy, pre, type);
    if (!vocab || !B.d || !B.nl || !B.h || !B.g || !B.f) usage();
    return do_tile(out, tsrc, vocab, B, ctx, theta, name, pre, !strcmp(type, "f32") ? GW_T_F32 : GW_T_F16);
}
