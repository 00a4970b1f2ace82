/* mktiny -- write a tiny deterministic llama- or qwen2-architecture GGUF model for tests.
**
**   mktiny OUT.gguf [--merges FILE] [--dim 32] [--layers 2] [--heads 2] [--kv-heads H] [--ffn 64]
**                   [--ctx 64] [--seed 1] [--type TYPE] [--name NAME] [--arch llama|qwen2] [--theta F]
**                   [--rope-freqs] [--bias] [--untied]
**
** Weights come from splitmix64 with integer-only float derivation (bit-identical everywhere):
** matrices uniform in [-0.1, 0.1], norm weights 1 +/- 0.05, biases uniform in [-0.5, 0.5].  Vocabulary: the 256
** bytes, then one token per merge (--merges FILE: "left_id right_id" per line in rank order, as
** tools/train/merges4096.txt; without it a few dozen built-in merges).  The file is written to OUT.tmp and renamed.
**
** --arch qwen2: qwen2.* keys, attn_q/k/v.bias (as Qwen2.5), NEOX rope in llmz and llama.cpp (another name, such
** as gemma, is written with llama's tensors under its own keys: a file llmz refuses, for the tests).
** --bias (llama): the optional attention biases attn_q/k/v.bias and attn_output.bias.  --rope-freqs: rope_freqs.weight with Llama 3's
** frequency factors (factor 8, low 1, high 4, original context 8192; computed with lib/numerics/detmath).
** --theta: rope.freq_base (default 10000).  --untied: a separate output.weight (default: tied to token_embd).
** --type: the matrices' type: q8_0 (default), f16, f32, q5_0, q4_k, q6_k, or q4_k_m (llama.cpp's Q4_K_M mix:
** Q6_K for output.weight and for attn_v/ffn_down in llama.cpp's "more bits" layers, Q4_K elsewhere); a K-quant
** tensor whose rows (ne[0]) are not a multiple of 256 falls back as llama.cpp's does (Q4_K to Q5_0, Q6_K to Q8_0).
** Quantisers: round to nearest per block (tools/gguf_write.h).
**
**   mktiny OUT.gguf --lora BASE.gguf [--rank 4] [--alpha 8] [the base's --dim --layers --heads --kv-heads --ffn]
**
** writes a LoRA adapter for BASE instead (llama.cpp layout, F16 lora_a/lora_b for every block matrix,
** values uniform in [-0.1, 0.1], llmz.adapter.base = BASE's SHA-256): the tests' adapter. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gguf_write.h"
#include "llmz.h"
#include "numerics/detmath.h"

typedef struct {
    uint8_t *bytes;
    size_t len;
} tiny_tok;

static tiny_tok *toks;
static size_t n_tok, cap_tok;
static uint32_t (*merges)[2];
static size_t n_merge;

static void *xrealloc(void *p, size_t n) {
    p = realloc(p, n ? n : 1);
    if (!p) {
        fprintf(stderr, "mktiny: out of memory\n");
        exit(1);
    }
    return p;
}

static void add_token(const uint8_t *b, size_t len) {
    if (n_tok == cap_tok) {
        cap_tok = cap_tok ? cap_tok * 2 : 512;
        toks = xrealloc(toks, cap_tok * sizeof *toks);
    }
    toks[n_tok].bytes = xrealloc(NULL, len);
    memcpy(toks[n_tok].bytes, b, len);
    toks[n_tok].len = len;
    n_tok++;
}

static void add_merge(uint32_t l, uint32_t r) {
    size_t len = toks[l].len + toks[r].len;
    uint8_t *b = xrealloc(NULL, len);
    memcpy(b, toks[l].bytes, toks[l].len);
    memcpy(b + toks[l].len, toks[r].bytes, toks[r].len);
    add_token(b, len);
    free(b);
    merges = xrealloc(merges, (n_merge + 1) * sizeof *merges);
    merges[n_merge][0] = l;
    merges[n_merge][1] = r;
    n_merge++;
}

static long find_token(const char *s) {
    size_t len = strlen(s);
    for (size_t i = 0; i < n_tok; i++)
        if (toks[i].len == len && !memcmp(toks[i].bytes, s, len)) return (long)i;
    return -1;
}

static void builtin_merges(void) {
    static const char *const pairs[][2] = {
        {" ", "t"}, {"h", "e"}, {"i", "n"}, {"t", "h"}, {"e", "r"}, {"a", "n"}, {" ", "a"}, {"o", "n"},
        {"r", "e"}, {" t", "he"}, {"e", "n"}, {"a", "t"}, {"o", "r"}, {"e", "s"}, {" ", "s"}, {" ", "w"},
        {"i", "s"}, {"i", "t"}, {" ", "c"}, {" ", "o"}, {"in", "g"}, {" ", "b"}, {"e", "d"}, {" ", "f"},
        {" ", "p"}, {"o", "u"}, {" ", "m"}, {"a", "r"}, {"l", "e"}, {" ", "d"}, {"a", "l"}, {" ", "i"},
        {" ", "h"}, {"s", "t"}, {" o", "f"}, {" a", "n"}, {" an", "d"}, {" ", " "}, {"\n", "\n"},
        {" t", "o"}, {" i", "n"}, {" i", "s"}, {" w", "it"}, {" wit", "h"}, {"e", " "}, {",", " "},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        long l = find_token(pairs[i][0]), r = find_token(pairs[i][1]);
        char cat[64];
        snprintf(cat, sizeof cat, "%s%s", pairs[i][0], pairs[i][1]);
        if (l < 0 || r < 0 || find_token(cat) >= 0) continue; /* keep byte strings unique */
        add_merge((uint32_t)l, (uint32_t)r);
    }
}

static void load_merges(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "mktiny: %s: %s\n", path, strerror(errno));
        exit(1);
    }
    unsigned long l, r;
    int got;
    while ((got = fscanf(f, "%lu %lu", &l, &r)) == 2) {
        if (l >= n_tok || r >= n_tok) {
            fprintf(stderr, "mktiny: %s: merge %zu refers to a token not yet defined\n", path, n_merge);
            exit(1);
        }
        add_merge((uint32_t)l, (uint32_t)r);
    }
    if (got != EOF || ferror(f)) {
        fprintf(stderr, "mktiny: %s: malformed line after merge %zu\n", path, n_merge);
        exit(1);
    }
    fclose(f);
}

/* ---- deterministic weights ---- */
static uint64_t rng_state;
static uint64_t splitmix64(void) {
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
/* Uniform in [-half*2^-23, half*2^-23]: integer in [-half, half], scaled exactly by 2^-23. */
static float rng_sym(uint32_t half) {
    int32_t k = (int32_t)(splitmix64() % (2u * half + 1u)) - (int32_t)half;
    return (float)k * 0x1p-23f;
}

typedef struct {
    char name[64];
    uint32_t n_dims;
    uint64_t ne[2];
    uint32_t type;
    uint8_t *data;
    uint64_t nbytes;
} tiny_tensor;

static tiny_tensor tens[4096];
static size_t n_tens;

/* is_norm: 1 norm weights (1 +/- 0.05), 2 biases (+/- 0.5), 0 matrices (+/- 0.1). */
static void add_tensor(const char *name, uint64_t ne0, uint64_t ne1, uint32_t type, int is_norm) {
    if (n_tens == sizeof tens / sizeof tens[0]) {
        fprintf(stderr, "mktiny: too many tensors\n");
        exit(1);
    }
    tiny_tensor *t = &tens[n_tens++];
    snprintf(t->name, sizeof t->name, "%s", name);
    t->n_dims = ne1 ? 2 : 1;
    t->ne[0] = ne0;
    t->ne[1] = ne1 ? ne1 : 1;
    size_t n = (size_t)(t->ne[0] * t->ne[1]);
    float *x = xrealloc(NULL, n * sizeof *x);
    for (size_t i = 0; i < n; i++)
        x[i] = is_norm == 2 ? rng_sym(4194304) /* 0.5 * 2^23 */
               : is_norm ? 1.0f + rng_sym(419430)    /* 0.05 * 2^23 */
                         : rng_sym(838861);          /* 0.1 * 2^23 */
    t->type = type;
    t->nbytes = gw_nbytes(type, t->n_dims, t->ne);
    t->data = xrealloc(NULL, (size_t)t->nbytes);
    if (type == GW_T_F32) {
        for (size_t i = 0; i < n; i++) memcpy(t->data + 4 * i, &x[i], 4); /* little-endian hosts */
    } else if (type == GW_T_F16) {
        for (size_t i = 0; i < n; i++) {
            uint16_t h = gw_f32_to_f16(x[i]);
            t->data[2 * i] = (uint8_t)h;
            t->data[2 * i + 1] = (uint8_t)(h >> 8);
        }
    } else if (type == GW_T_Q5_0) {
        gw_quant_q5_0(x, n, t->data);
    } else if (type == GW_T_Q4_K) {
        gw_quant_q4_k(x, n, t->data);
    } else if (type == GW_T_Q6_K) {
        gw_quant_q6_k(x, n, t->data);
    } else {
        gw_quant_q8_0(x, n, t->data);
    }
    free(x);
}

/* An F32 vector of given values (rope_freqs.weight). */
static void add_values(const char *name, const float *v, uint64_t n) {
    if (n_tens == sizeof tens / sizeof tens[0]) {
        fprintf(stderr, "mktiny: too many tensors\n");
        exit(1);
    }
    tiny_tensor *t = &tens[n_tens++];
    snprintf(t->name, sizeof t->name, "%s", name);
    t->n_dims = 1;
    t->ne[0] = n;
    t->ne[1] = 1;
    t->type = GW_T_F32;
    t->nbytes = 4 * n;
    t->data = xrealloc(NULL, (size_t)t->nbytes);
    for (uint64_t i = 0; i < n; i++) memcpy(t->data + 4 * i, &v[i], 4);
}

/* Pseudo-types of --type beyond the ggml ids: the mixes. */
enum { MIX_Q4_K_M = 1000 };

/* llama.cpp's use_more_bits: the layers whose attn_v and ffn_down Q4_K_M keeps in Q6_K. */
static int more_bits(unsigned long l, unsigned long n) { return l < n / 8 || l >= 7 * n / 8 || (l - n / 8) % 3 == 2; }

/* The type of a matrix with rows of ne0 values under --type `type`; `more`: a tensor the mix gives Q6_K. */
static uint32_t matrix_type(uint32_t type, uint64_t ne0, int more) {
    if (type == MIX_Q4_K_M) type = more ? GW_T_Q6_K : GW_T_Q4_K;
    if (type == GW_T_Q4_K && ne0 % 256) return GW_T_Q5_0;
    if (type == GW_T_Q6_K && ne0 % 256) return GW_T_Q8_0;
    return type;
}

/* Llama 3's rope frequency factors for pair i of a head of hd values (rope_freqs.weight, as convert_hf_to_gguf
** writes them: factor 8, low_freq_factor 1, high_freq_factor 4, original context 8192). */
static float llama3_factor(int i, int hd, double theta) {
    const double factor = 8.0, lo = 1.0, hi = 4.0, old_ctx = 8192.0, pi2 = 6.283185307179586;
    double freq = det_exp(-(double)(2 * i) / (double)hd * det_log(theta)), wavelen = pi2 / freq;
    if (wavelen < old_ctx / hi) return 1.0f;
    if (wavelen > old_ctx / lo) return (float)factor;
    double smooth = (old_ctx / wavelen - lo) / (hi - lo);
    return (float)(1.0 / ((1.0 - smooth) / factor + smooth));
}

static int write_file(const char *out, gw_buf *b) {
    size_t plen = strlen(out) + 32;
    char *tmp = xrealloc(NULL, plen);
    snprintf(tmp, plen, "%s.tmp.%ld", out, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        fprintf(stderr, "mktiny: %s: %s\n", tmp, strerror(errno));
        free(tmp);
        return 1;
    }
    int bad = fwrite(b->p, 1, b->n, f) != b->n;
    bad |= fflush(f) != 0;
    bad |= fsync(fileno(f)) != 0;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, out)) {
        fprintf(stderr, "mktiny: writing %s failed: %s\n", out, strerror(errno));
        remove(tmp);
        free(tmp);
        return 1;
    }
    free(tmp);
    return 0;
}

/* Append the tensors (info and data) to b and write the file; 0 or 1 (message printed). */
static int finish_file(const char *out, gw_buf *b) {
    static gw_tensor gt[4096];
    for (size_t i = 0; i < n_tens; i++)
        gt[i] = (gw_tensor){tens[i].name, tens[i].n_dims, {tens[i].ne[0], tens[i].ne[1], 1, 1},
                            tens[i].type, tens[i].data, tens[i].nbytes};
    gw_tensors_info(b, gt, n_tens, 32);
    gw_tensors_data(b, gt, n_tens, 32);
    if (b->err) {
        fprintf(stderr, "mktiny: out of memory\n");
        return 1;
    }
    return write_file(out, b);
}

/* A LoRA adapter for the base model file `base` (whose sizes the options repeat). */
static int write_lora(const char *out, const char *base, const char *name, unsigned long dim, unsigned long layers,
                      unsigned long kv_dim, unsigned long ffn, unsigned long rank, unsigned long alpha,
                      unsigned long seed) {
    llmz_model *m;
    uint8_t fp[32];
    char hex[65];
    int err = llmz_model_load_file(&m, base);
    if (err) {
        fprintf(stderr, "mktiny: %s: %s\n", base, llmz_error_name(err));
        return 1;
    }
    llmz_model_fingerprint(m, fp);
    llmz_model_free(m);
    for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", fp[i]);
    static const char *const names[7] = {"attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"};
    unsigned long in[7] = {dim, dim, dim, dim, dim, dim, ffn}, outd[7] = {dim, kv_dim, kv_dim, dim, ffn, ffn, dim};
    rng_state = seed + 1000;
    char nm[64];
    for (unsigned long l = 0; l < layers; l++) {
        for (int k = 0; k < 7; k++) {
            snprintf(nm, sizeof nm, "blk.%lu.%s.weight.lora_a", l, names[k]);
            add_tensor(nm, in[k], rank, GW_T_F16, 0);
            snprintf(nm, sizeof nm, "blk.%lu.%s.weight.lora_b", l, names[k]);
            add_tensor(nm, rank, outd[k], GW_T_F16, 0);
        }
    }
    gw_buf b;
    gw_init(&b);
    gw_header(&b, 3, n_tens, 7); /* keep in step with the keys below */
    gw_kv_str(&b, "general.architecture", "llama");
    gw_kv_str(&b, "general.type", "adapter");
    gw_kv_str(&b, "general.name", name);
    gw_kv_u32(&b, "general.alignment", 32);
    gw_kv_str(&b, "adapter.type", "lora");
    gw_kv_f32(&b, "adapter.lora.alpha", (float)alpha);
    gw_kv_str(&b, "llmz.adapter.base", hex);
    int rc = finish_file(out, &b);
    if (!rc) fprintf(stderr, "mktiny: wrote %s (%zu bytes, LoRA rank %lu, %zu tensors)\n", out, b.n, rank, n_tens);
    gw_free(&b);
    for (size_t i = 0; i < n_tens; i++) free(tens[i].data);
    return rc;
}

static unsigned long arg_num(const char *opt, const char *v) {
    char *end;
    errno = 0;
    unsigned long x = strtoul(v, &end, 10);
    if (!*v || *end || errno || x == 0 || x > (1ul << 20)) {
        fprintf(stderr, "mktiny: bad value for %s: %s\n", opt, v);
        exit(2);
    }
    return x;
}

static void usage(void) {
    fprintf(stderr, "usage: mktiny OUT.gguf [--merges FILE] [--dim 32] [--layers 2] [--heads 2] [--kv-heads H]\n"
                    "              [--ffn 64] [--ctx 64] [--seed 1] [--type q8_0|f16|f32|q5_0|q4_k|q6_k|q4_k_m]\n"
                    "              [--name NAME] [--arch llama|qwen2] [--theta F] [--rope-freqs] [--bias]\n"
                    "              [--untied]\n");
    exit(2);
}

int main(int argc, char **argv) {
    const char *out = NULL, *merges_path = NULL, *name = "llmz-tiny", *lora = NULL;
    unsigned long dim = 32, layers = 2, heads = 2, kv_heads = 0, ffn = 64, ctx = 64, seed = 1, rank = 4, alpha = 8;
    uint32_t type = GW_T_Q8_0;
    const char *arch = "llama";
    int qwen2 = 0, bias = 0, rope_freqs = 0, untied = 0;
    float theta = 10000.0f;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-') {
            if (out) usage();
            out = a;
            continue;
        }
        if (!strcmp(a, "--bias") || !strcmp(a, "--rope-freqs") || !strcmp(a, "--untied")) { /* flags */
            *(a[2] == 'b' ? &bias : a[2] == 'r' ? &rope_freqs : &untied) = 1;
            continue;
        }
        if (i + 1 >= argc) usage();
        const char *v = argv[++i];
        if (!strcmp(a, "--merges")) merges_path = v;
        else if (!strcmp(a, "--lora")) lora = v;
        else if (!strcmp(a, "--rank")) rank = arg_num(a, v);
        else if (!strcmp(a, "--alpha")) alpha = arg_num(a, v);
        else if (!strcmp(a, "--name")) name = v;
        else if (!strcmp(a, "--dim")) dim = arg_num(a, v);
        else if (!strcmp(a, "--layers")) layers = arg_num(a, v);
        else if (!strcmp(a, "--heads")) heads = arg_num(a, v);
        else if (!strcmp(a, "--kv-heads")) kv_heads = arg_num(a, v);
        else if (!strcmp(a, "--ffn")) ffn = arg_num(a, v);
        else if (!strcmp(a, "--ctx")) ctx = arg_num(a, v);
        else if (!strcmp(a, "--seed")) {
            char *end;
            errno = 0;
            seed = strtoul(v, &end, 10);
            if (!*v || *end || errno) usage();
        } else if (!strcmp(a, "--type")) {
            if (!strcmp(v, "q8_0")) type = GW_T_Q8_0;
            else if (!strcmp(v, "f16")) type = GW_T_F16;
            else if (!strcmp(v, "f32")) type = GW_T_F32;
            else if (!strcmp(v, "q5_0")) type = GW_T_Q5_0;
            else if (!strcmp(v, "q4_k")) type = GW_T_Q4_K;
            else if (!strcmp(v, "q6_k")) type = GW_T_Q6_K;
            else if (!strcmp(v, "q4_k_m")) type = MIX_Q4_K_M;
            else usage();
        } else if (!strcmp(a, "--arch")) { /* another name is written as it is (llmz refuses it: a test file) */
            if (!*v || strlen(v) > 32) usage();
            qwen2 = !strcmp(v, "qwen2");
            arch = v;
        } else if (!strcmp(a, "--theta")) {
            char *end;
            theta = strtof(v, &end);
            if (!*v || *end || !(theta > 1.0f && theta < 1e9f)) usage();
        } else {
            usage();
        }
    }
    if (!out) usage();
    if (!kv_heads) kv_heads = heads;
    if (dim % heads || heads % kv_heads || layers > 200) {
        fprintf(stderr, "mktiny: need dim %% heads == 0, heads %% kv-heads == 0, layers <= 200\n");
        return 2;
    }
    if (type != GW_T_F32 && type != GW_T_F16 && (dim % 32 || ffn % 32)) {
        fprintf(stderr, "mktiny: block types need dim and ffn to be multiples of 32\n");
        return 2;
    }
    if (dim / heads > 1024 || (rope_freqs && qwen2)) {
        fprintf(stderr, "mktiny: need a head dimension <= 1024; --rope-freqs is for llama\n");
        return 2;
    }
    unsigned long kv_dim = kv_heads * (dim / heads);

    if (lora) return write_lora(out, lora, name, dim, layers, kv_dim, ffn, rank, alpha, seed);
    for (int b = 0; b < 256; b++) {
        uint8_t c = (uint8_t)b;
        add_token(&c, 1);
    }
    if (merges_path) load_merges(merges_path);
    else builtin_merges();

    rng_state = seed;
    char nm[64];
    add_tensor("token_embd.weight", dim, n_tok, matrix_type(type, dim, 0), 0);
    add_tensor("output_norm.weight", dim, 0, GW_T_F32, 1);
    for (unsigned long l = 0; l < layers; l++) {
        int more = more_bits(l, layers);
#define T(suffix, a, b, ty, norm)                                    \
    snprintf(nm, sizeof nm, "blk.%lu." suffix, l);                   \
    add_tensor(nm, a, b, ty, norm)
        T("attn_norm.weight", dim, 0, GW_T_F32, 1);
        T("attn_q.weight", dim, dim, matrix_type(type, dim, 0), 0);
        T("attn_k.weight", dim, kv_dim, matrix_type(type, dim, 0), 0);
        T("attn_v.weight", dim, kv_dim, matrix_type(type, dim, more), 0);
        T("attn_output.weight", dim, dim, matrix_type(type, dim, 0), 0);
        T("ffn_norm.weight", dim, 0, GW_T_F32, 1);
        T("ffn_gate.weight", dim, ffn, matrix_type(type, dim, 0), 0);
        T("ffn_up.weight", dim, ffn, matrix_type(type, dim, 0), 0);
        T("ffn_down.weight", ffn, dim, matrix_type(type, ffn, more), 0);
        if (qwen2 || bias) {
            T("attn_q.bias", dim, 0, GW_T_F32, 2);
            T("attn_k.bias", kv_dim, 0, GW_T_F32, 2);
            T("attn_v.bias", kv_dim, 0, GW_T_F32, 2);
        }
        if (bias && !qwen2) {
            T("attn_output.bias", dim, 0, GW_T_F32, 2);
        }
#undef T
    }
    if (untied) add_tensor("output.weight", dim, n_tok, matrix_type(type, dim, 1), 0);
    if (rope_freqs) {
        float ff[512];
        int hd = (int)(dim / heads);
        for (int i = 0; i < hd / 2; i++) ff[i] = llama3_factor(i, hd, (double)theta);
        add_values("rope_freqs.weight", ff, (uint64_t)hd / 2);
    }

    gw_buf b, kv; /* the keys go to kv first: the header counts them */
    gw_init(&b);
    gw_init(&kv);
    char k[96];
#define K(suffix) (snprintf(k, sizeof k, "%s." suffix, arch), k)
    gw_kv_str(&kv, "general.architecture", arch);
    gw_kv_str(&kv, "general.name", name);
    gw_kv_u32(&kv, "general.alignment", 32);
    gw_kv_u32(&kv, K("context_length"), (uint32_t)ctx);
    gw_kv_u32(&kv, K("embedding_length"), (uint32_t)dim);
    gw_kv_u32(&kv, K("block_count"), (uint32_t)layers);
    gw_kv_u32(&kv, K("feed_forward_length"), (uint32_t)ffn);
    gw_kv_u32(&kv, K("attention.head_count"), (uint32_t)heads);
    gw_kv_u32(&kv, K("attention.head_count_kv"), (uint32_t)kv_heads);
    gw_kv_f32(&kv, K("rope.freq_base"), theta);
    gw_kv_f32(&kv, K("attention.layer_norm_rms_epsilon"), 1e-5f);
    gw_kv_u32(&kv, K("vocab_size"), (uint32_t)n_tok);
    int n_kv = 12;
    if (rope_freqs) {
        gw_kv_u32(&kv, K("rope.dimension_count"), (uint32_t)(dim / heads));
        n_kv++;
    }
#undef K
    gw_kv_str(&kv, "tokenizer.ggml.model", "gpt2");
    gw_kv_str(&kv, "tokenizer.ggml.pre", "llmz");
    gw_arr(&kv, "tokenizer.ggml.tokens", GW_STRING, n_tok);
    size_t maxlen = 0;
    for (size_t i = 0; i < n_tok; i++) maxlen = toks[i].len > maxlen ? toks[i].len : maxlen;
    char *sp = xrealloc(NULL, 4 * maxlen + 2);
    for (size_t i = 0; i < n_tok; i++) gw_str(&kv, sp, gw_gpt2_spell(toks[i].bytes, toks[i].len, sp));
    gw_arr(&kv, "tokenizer.ggml.token_type", GW_I32, n_tok);
    for (size_t i = 0; i < n_tok; i++) gw_u32(&kv, 1);
    gw_arr(&kv, "tokenizer.ggml.merges", GW_STRING, n_merge);
    for (size_t m = 0; m < n_merge; m++) {
        const tiny_tok *l = &toks[merges[m][0]], *r = &toks[merges[m][1]];
        size_t n = gw_gpt2_spell(l->bytes, l->len, sp);
        sp[n++] = ' ';
        n += gw_gpt2_spell(r->bytes, r->len, sp + n);
        gw_str(&kv, sp, n);
    }
    free(sp);
    n_kv += 5;
    gw_header(&b, 3, n_tens, (uint64_t)n_kv);
    gw_bytes(&b, kv.p, kv.n);
    if (kv.err) b.err = 1;
    gw_free(&kv);
    if (finish_file(out, &b)) return 1;
    fprintf(stderr, "mktiny: wrote %s (%zu bytes, vocab %zu, %zu tensors)\n", out, b.n, n_tok, n_tens);
    gw_free(&b);
    for (size_t i = 0; i < n_tens; i++) free(tens[i].data);
    for (size_t i = 0; i < n_tok; i++) free(toks[i].bytes);
    free(toks);
    free(merges);
    return 0;
}
