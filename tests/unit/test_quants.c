/* test_quants.c -- the block-quantised GGUF types (lib/model/quants.c): known-answer blocks derived by hand
** from ggml's layouts, a small model per type that loads, stays within the type's error and round-trips
** with the same bytes on every kernel set and thread count, and hostile files refused cleanly. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../tools/gguf_write.h"
#include "llmz.h"
#include "model/gguf.h"
#include "model/quants.h"
#include "t.h"

static void put16(uint8_t *p, uint16_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

/* ---- (1) known answers ---- */
static void case_known(void) {
    uint8_t b[256];
    float y[256];
    /* Q4_0: d = 0.5 (fp16 0x3800).  qs[0] = 0x9A: y[0] = (10 - 8) * 0.5 = 1, y[16] = (9 - 8) * 0.5 = 0.5;
    ** qs[15] = 0x0F: y[15] = (15 - 8) * 0.5 = 3.5, y[31] = (0 - 8) * 0.5 = -4; qs = 0x88 elsewhere: 0. */
    memset(b, 0x88, 18);
    put16(b, 0x3800);
    b[2] = 0x9A;
    b[17] = 0x0F;
    CHECK_EQ(quant_q4_0(b, y), 0);
    CHECK(y[0] == 1.0f && y[16] == 0.5f && y[15] == 3.5f && y[31] == -4.0f && y[1] == 0.0f && y[30] == 0.0f);
    /* Q4_1: d = 0.5, m = -1 (0xBC00).  qs[0] = 0x31: y[0] = 1 * 0.5 - 1 = -0.5, y[16] = 3 * 0.5 - 1 = 0.5;
    ** qs = 0 elsewhere: -1. */
    memset(b, 0, 20);
    put16(b, 0x3800);
    put16(b + 2, 0xBC00);
    b[4] = 0x31;
    CHECK_EQ(quant_q4_1(b, y), 0);
    CHECK(y[0] == -0.5f && y[16] == 0.5f && y[1] == -1.0f && y[31] == -1.0f);
    /* Q5_0: d = 0.25 (0x3400), qh = 01 00 00 80 (bits 0 and 31).  qs = 0 but qs[15] = 0xF0:
    ** y[0] = (0 | 16) - 16 = 0; y[16] = 0 - 16 = -16 * 0.25 = -4; y[15] = -4; y[31] = (15 | 16) - 16 = 15 * 0.25. */
    memset(b, 0, 22);
    put16(b, 0x3400);
    b[2] = 0x01;
    b[5] = 0x80;
    b[6 + 15] = 0xF0;
    CHECK_EQ(quant_q5_0(b, y), 0);
    CHECK(y[0] == 0.0f && y[16] == -4.0f && y[15] == -4.0f && y[31] == 3.75f && y[1] == -4.0f);
    /* Q5_1: d = 1 (0x3C00), m = 0.5, qh = 00 00 01 00 (bit 16).  qs[0] = 0x21: y[0] = 1 + 0.5 = 1.5,
    ** y[16] = (2 | 16) + 0.5 = 18.5; qs = 0 elsewhere: 0.5. */
    memset(b, 0, 24);
    put16(b, 0x3C00);
    put16(b + 2, 0x3800);
    b[6] = 0x01;
    b[8] = 0x21;
    CHECK_EQ(quant_q5_1(b, y), 0);
    CHECK(y[0] == 1.5f && y[16] == 18.5f && y[1] == 0.5f && y[17] == 0.5f);
    /* Q8_0: d = 2 (0x4000); qs[0] = -128 -> -256, qs[31] = 5 -> 10. */
    memset(b, 0, 34);
    put16(b, 0x4000);
    b[2] = 0x80;
    b[33] = 5;
    CHECK_EQ(quant_q8_0(b, y), 0);
    CHECK(y[0] == -256.0f && y[31] == 10.0f && y[1] == 0.0f);
    /* Q4_K: d = 1, dmin = 0.5; scales s[0] = 2 (sc0 = 2), s[4] = 3 (mn0 = 3), s[1] = 0x40 (sc1 = 0, high bits
    ** of sc5 = 1), s[5] = 0xC0 (mn1 = 0, high bits of mn5 = 3), s[9] = 0x21 (sc5 = 1 | 1 << 4 = 17,
    ** mn5 = 2 | 3 << 4 = 50).  qs[0] = 0x05: y[0] = 2 * 5 - 0.5 * 3 = 8.5, y[1] = -1.5, y[32] (sub-block 1) = 0.
    ** qs[64] = 0x70 (group 2): y[160] (high nibble, sub-block 5) = 17 * 7 - 0.5 * 50 = 94; y[128] (sub-block 4:
    ** sc4 = mn4 = 0) = 0. */
    memset(b, 0, 144);
    put16(b, 0x3C00);
    put16(b + 2, 0x3800);
    b[4 + 0] = 2;
    b[4 + 4] = 3;
    b[4 + 1] = 0x40;
    b[4 + 5] = 0xC0;
    b[4 + 9] = 0x21;
    b[16 + 0] = 0x05;
    b[16 + 64] = 0x70;
    CHECK_EQ(quant_q4_k(b, y), 0);
    CHECK(y[0] == 8.5f && y[1] == -1.5f && y[32] == 0.0f && y[160] == 94.0f && y[128] == 0.0f && y[161] == -25.0f);
    /* Q5_K: d = 1, dmin = 0; s[0] = 1, s[1] = 2, s[2] = 3 (sc0..2).  qh[0] = 0x04 (group 1 low: bit 2),
    ** qs[32] = 0x01: y[64] = 3 * (1 + 16) = 51; qh[1] = 0x01: y[1] = 1 * 16 = 16; qh[2] = 0x02 (group 0 high):
    ** y[34] = 2 * 16 = 32; y[0] = 0. */
    memset(b, 0, 176);
    put16(b, 0x3C00);
    b[4] = 1;
    b[5] = 2;
    b[6] = 3;
    b[16 + 0] = 0x04;
    b[16 + 1] = 0x01;
    b[16 + 2] = 0x02;
    b[48 + 32] = 0x01;
    CHECK_EQ(quant_q5_k(b, y), 0);
    CHECK(y[64] == 51.0f && y[1] == 16.0f && y[34] == 32.0f && y[0] == 0.0f && y[65] == 0.0f);
    /* Q6_K: d = 0.5 at byte 208; scales[0] = 2, [2] = -1, [4] = 4, [6] = 1, [9] = 3.  ql = 0 and qh = 0xAA
    ** (every 2-bit field 2, q = 32 - 32 = 0) except: ql[0] = 0x05, qh[0] = 0xA9: y[0] = 0.5 * 2 * ((5 | 1 << 4) -
    ** 32) = -11, y[64] = 0; ql[32] = 0x3F: y[32] = 0.5 * -1 * 15 = -7.5, y[96] = 0.5 * 1 * 3 = 1.5; second half
    ** ql[64 + 20] = 0x07, qh[160 + 20] = 0xAB: y[148] = 0.5 * 3 * ((7 | 3 << 4) - 32) = 34.5. */
    memset(b, 0, 210);
    memset(b + 128, 0xAA, 64);
    put16(b + 208, 0x3800);
    b[192 + 0] = 2;
    b[192 + 2] = 0xFF;
    b[192 + 4] = 4;
    b[192 + 6] = 1;
    b[192 + 9] = 3;
    b[0] = 0x05;
    b[128] = 0xA9;
    b[32] = 0x3F;
    b[84] = 0x07;
    b[180] = 0xAB;
    CHECK_EQ(quant_q6_k(b, y), 0);
    CHECK(y[0] == -11.0f && y[64] == 0.0f && y[32] == -7.5f && y[96] == 1.5f && y[148] == 34.5f && y[1] == 0.0f);
    /* BF16: 0x3FC0 = 1.5, 0xC120 = -10, 0x7F80 = +inf (refused), 0x7FC1 NaN (refused). */
    put16(b, 0x3FC0);
    CHECK(quant_bf16(b, y) == 0 && y[0] == 1.5f);
    put16(b, 0xC120);
    CHECK(quant_bf16(b, y) == 0 && y[0] == -10.0f);
    put16(b, 0x7F80);
    CHECK_EQ(quant_bf16(b, y), -1);
    put16(b, 0x7FC1);
    CHECK_EQ(quant_bf16(b, y), -1);
    /* geometry */
    static const uint32_t ty[] = {2, 3, 6, 7, 8, 12, 13, 14, 30}, bl[] = {32, 32, 32, 32, 32, 256, 256, 256, 1},
                          by[] = {18, 20, 22, 24, 34, 144, 176, 210, 2};
    for (int i = 0; i < 9; i++) {
        const quant_info *qi = quant_find(ty[i]);
        CHECK(qi && qi->block == bl[i] && qi->bytes == by[i]);
    }
    CHECK(quant_find(0) == NULL && quant_find(10) == NULL && quant_find(15) == NULL);
}

/* ---- block writers (the test's own quantisers) ---- */
static float h2f(uint16_t h) { return gguf_f16_to_f32(h); }
static int rnd(float v) { return gw_round(v); }
static int clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }
static int ceil_pos(float v) {
    int c = (int)v;
    return (float)c < v ? c + 1 : c;
}

/* Legacy types: symmetric (Q4_0, Q5_0: levels 2^bits) or with a minimum (Q4_1, Q5_1). */
static void enc_legacy(uint32_t type, const float *x, uint8_t *o) {
    int five = type == QUANT_Q5_0 || type == QUANT_Q5_1, off = type == QUANT_Q4_1 || type == QUANT_Q5_1;
    int top = five ? 31 : 15, q[32];
    float mn = x[0], mx = x[0], amax = 0.0f;
    for (int i = 0; i < 32; i++) {
        mn = x[i] < mn ? x[i] : mn;
        mx = x[i] > mx ? x[i] : mx;
        float a = x[i] < 0 ? -x[i] : x[i];
        amax = a > amax ? a : amax;
    }
    uint16_t dh = gw_f32_to_f16(off ? (mx - mn) / (float)top : amax / (float)(top / 2)), mh = gw_f32_to_f16(mn);
    float d = h2f(dh), m = h2f(mh);
    for (int i = 0; i < 32; i++) {
        float v = off ? (x[i] - m) : x[i];
        int k = d > 0.0f ? rnd(v / d) : 0;
        q[i] = off ? clampi(k, 0, top) : clampi(k + (top + 1) / 2, 0, top);
    }
    uint8_t *p = o;
    put16(p, dh);
    p += 2;
    if (off) {
        put16(p, mh);
        p += 2;
    }
    if (five) {
        uint32_t qh = 0;
        for (int i = 0; i < 32; i++) qh |= (uint32_t)(q[i] >> 4) << i;
        for (int i = 0; i < 4; i++) p[i] = (uint8_t)(qh >> (8 * i));
        p += 4;
    }
    for (int j = 0; j < 16; j++) p[j] = (uint8_t)((q[j] & 15) | (q[j + 16] & 15) << 4);
}

/* Q4_K / Q5_K: per 32 a scale and a minimum (<= 0) as 6-bit multiples of d and dmin, rounded up. */
static void enc_k45(int five, const float *x, uint8_t *o) {
    int top = five ? 31 : 15, sc[8], mc[8], q[256];
    float s[8], mn[8], smax = 0.0f, mmax = 0.0f;
    for (int i = 0; i < 8; i++) {
        float lo = 0.0f, hi = x[32 * i];
        for (int l = 0; l < 32; l++) {
            float v = x[32 * i + l];
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
        mn[i] = -lo;
        s[i] = (hi - lo) / (float)top;
        smax = s[i] > smax ? s[i] : smax;
        mmax = mn[i] > mmax ? mn[i] : mmax;
    }
    uint16_t dh = gw_f32_to_f16(smax / 63.0f), mh = gw_f32_to_f16(mmax / 63.0f);
    float d = h2f(dh), dmin = h2f(mh);
    for (int i = 0; i < 8; i++) {
        sc[i] = d > 0.0f ? clampi(ceil_pos(s[i] / d), 0, 63) : 0;
        mc[i] = dmin > 0.0f ? clampi(ceil_pos(mn[i] / dmin), 0, 63) : 0;
        float di = d * (float)sc[i], mi = dmin * (float)mc[i];
        for (int l = 0; l < 32; l++) q[32 * i + l] = di > 0.0f ? clampi(rnd((x[32 * i + l] + mi) / di), 0, top) : 0;
    }
    memset(o, 0, five ? 176 : 144);
    put16(o, dh);
    put16(o + 2, mh);
    uint8_t *S = o + 4, *qh = o + 16, *qs = o + (five ? 48 : 16);
    for (int i = 0; i < 4; i++) {
        S[i] = (uint8_t)(sc[i] | (sc[i + 4] >> 4) << 6);
        S[i + 4] = (uint8_t)(mc[i] | (mc[i + 4] >> 4) << 6);
        S[i + 8] = (uint8_t)((sc[i + 4] & 15) | (mc[i + 4] & 15) << 4);
    }
    for (int g = 0; g < 4; g++)
        for (int l = 0; l < 32; l++) {
            int a = q[64 * g + l], c = q[64 * g + 32 + l];
            qs[32 * g + l] = (uint8_t)((a & 15) | (c & 15) << 4);
            if (five) qh[l] |= (uint8_t)((a >> 4) << (2 * g) | (c >> 4) << (2 * g + 1));
        }
}

/* Q6_K: per 16 an int8 scale (a multiple of d, rounded up), q in -32..31. */
static void enc_q6k(const float *x, uint8_t *o) {
    float s[16], smax = 0.0f;
    int sc[16], Q[256];
    for (int i = 0; i < 16; i++) {
        float a = 0.0f;
        for (int l = 0; l < 16; l++) {
            float v = x[16 * i + l] < 0 ? -x[16 * i + l] : x[16 * i + l];
            a = v > a ? v : a;
        }
        s[i] = a / 31.0f;
        smax = s[i] > smax ? s[i] : smax;
    }
    uint16_t dh = gw_f32_to_f16(smax / 127.0f);
    float d = h2f(dh);
    for (int i = 0; i < 16; i++) {
        sc[i] = d > 0.0f ? clampi(ceil_pos(s[i] / d), 0, 127) : 0;
        float di = d * (float)sc[i];
        for (int l = 0; l < 16; l++) Q[16 * i + l] = (di > 0.0f ? clampi(rnd(x[16 * i + l] / di), -32, 31) : 0) + 32;
    }
    memset(o, 0, 210);
    for (int h = 0; h < 2; h++)
        for (int l = 0; l < 32; l++) {
            int v0 = Q[128 * h + l], v1 = Q[128 * h + l + 32], v2 = Q[128 * h + l + 64], v3 = Q[128 * h + l + 96];
            o[64 * h + l] = (uint8_t)((v0 & 15) | (v2 & 15) << 4);
            o[64 * h + l + 32] = (uint8_t)((v1 & 15) | (v3 & 15) << 4);
            o[128 + 32 * h + l] = (uint8_t)(v0 >> 4 | (v1 >> 4) << 2 | (v2 >> 4) << 4 | (v3 >> 4) << 6);
        }
    for (int i = 0; i < 16; i++) o[192 + i] = (uint8_t)(int8_t)sc[i];
    put16(o + 208, dh);
}

static void enc_bf16(const float *x, uint8_t *o) {
    uint32_t u;
    memcpy(&u, x, 4);
    u = (u + 0x7FFFu + ((u >> 16) & 1u)) >> 16; /* nearest even (finite inputs) */
    put16(o, (uint16_t)u);
}

/* n values (whole blocks) of type into out. */
static void encode(uint32_t type, const float *x, size_t n, uint8_t *out) {
    const quant_info *qi = quant_find(type);
    for (size_t i = 0; i < n; i += qi->block, out += qi->bytes, x += qi->block) {
        switch (type) {
        case QUANT_Q8_0: gw_quant_q8_0(x, 32, out); break;
        case QUANT_Q4_K: enc_k45(0, x, out); break;
        case QUANT_Q5_K: enc_k45(1, x, out); break;
        case QUANT_Q6_K: enc_q6k(x, out); break;
        case QUANT_BF16: enc_bf16(x, out); break;
        default: enc_legacy(type, x, out); break;
        }
    }
}

/* ---- (2) a small llama model whose matrices are all of one type ---- */
static uint64_t rng = 1;
static float rnd_w(float scale) { /* uniform in [-scale, scale), deterministic */
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return ((float)(uint32_t)(rng >> 40) / 16777216.0f * 2.0f - 1.0f) * scale;
}

typedef struct {
    char name[48];
    uint32_t n_dims, type;
    uint64_t ne[2];
    float *f;     /* the floats the test started from */
    uint8_t *raw; /* as written */
    uint64_t nbytes;
} mtensor;

enum { NT = 12 };
static mtensor mt[NT];
static int nt; /* tensors in use: 12, or 11 with a tied output */

static void add_t(int i, const char *name, uint64_t cols, uint64_t rows, uint32_t type) {
    mtensor *t = &mt[i];
    snprintf(t->name, sizeof t->name, "%s", name);
    t->n_dims = rows ? 2 : 1;
    t->ne[0] = cols;
    t->ne[1] = rows ? rows : 1;
    t->type = rows ? type : 0;
    size_t n = (size_t)(t->ne[0] * t->ne[1]);
    t->f = malloc(n * sizeof(float));
    for (size_t j = 0; j < n; j++) t->f[j] = rows ? rnd_w(0.1f) : 1.0f + rnd_w(0.05f);
    if (t->type == 0) {
        t->nbytes = n * 4;
        t->raw = malloc(n * 4);
        memcpy(t->raw, t->f, n * 4); /* little-endian hosts */
    } else {
        const quant_info *qi = quant_find(type);
        t->nbytes = n / qi->block * qi->bytes;
        t->raw = malloc((size_t)t->nbytes);
        encode(type, t->f, n, t->raw);
    }
}

static void free_model(void) {
    for (int i = 0; i < NT; i++) {
        free(mt[i].f);
        free(mt[i].raw);
        memset(&mt[i], 0, sizeof mt[i]);
    }
}

/* Vocabulary: the 256 bytes, no merges.  Writes the file into b from mt[]. */
static void write_model(gw_buf *b, uint32_t dim, uint32_t ffn, uint32_t heads) {
    gw_init(b);
    gw_header(b, 3, (uint64_t)nt, 16);
    gw_kv_str(b, "general.architecture", "llama");
    gw_kv_str(b, "general.name", "quant-test");
    gw_kv_u32(b, "general.alignment", 32);
    gw_kv_u32(b, "llama.context_length", 64);
    gw_kv_u32(b, "llama.embedding_length", dim);
    gw_kv_u32(b, "llama.block_count", 1);
    gw_kv_u32(b, "llama.feed_forward_length", ffn);
    gw_kv_u32(b, "llama.attention.head_count", heads);
    gw_kv_u32(b, "llama.attention.head_count_kv", heads);
    gw_kv_f32(b, "llama.rope.freq_base", 10000.0f);
    gw_kv_f32(b, "llama.attention.layer_norm_rms_epsilon", 1e-5f);
    gw_kv_str(b, "tokenizer.ggml.model", "gpt2");
    gw_kv_str(b, "tokenizer.ggml.pre", "llmz");
    gw_arr(b, "tokenizer.ggml.tokens", GW_STRING, 256);
    char sp[16];
    for (int i = 0; i < 256; i++) {
        uint8_t c = (uint8_t)i;
        gw_str(b, sp, gw_gpt2_spell(&c, 1, sp));
    }
    gw_arr(b, "tokenizer.ggml.token_type", GW_I32, 256);
    for (int i = 0; i < 256; i++) gw_u32(b, 1);
    gw_arr(b, "tokenizer.ggml.merges", GW_STRING, 0);
    gw_tensor gt[NT];
    for (int i = 0; i < nt; i++)
        gt[i] = (gw_tensor){mt[i].name, mt[i].n_dims, {mt[i].ne[0], mt[i].ne[1], 1, 1}, mt[i].type, mt[i].raw,
                            mt[i].nbytes};
    gw_tensors_info(b, gt, (size_t)nt, 32);
    gw_tensors_data(b, gt, (size_t)nt, 32);
}

/* Matrices of `type` except those whose rows are not whole blocks of it (ffn_down alone with dim 32 and
** ffn 256 in the fuzz seeds), which take `fallback`, as llama.cpp's mixes do; the embedding `emb`. */
static void build(gw_buf *b, uint32_t type, uint32_t fallback, uint32_t emb, uint32_t dim, uint32_t ffn, int tied) {
    const quant_info *qi = quant_find(type);
    uint32_t td = dim % qi->block ? fallback : type, tf = ffn % qi->block ? fallback : type;
    if (quant_find(emb)->block > dim) emb = fallback;
    nt = tied ? 11 : 12;
    add_t(0, "token_embd.weight", dim, 256, emb);
    add_t(1, "output_norm.weight", dim, 0, 0);
    add_t(2, "blk.0.attn_norm.weight", dim, 0, 0);
    add_t(3, "blk.0.attn_q.weight", dim, dim, td);
    add_t(4, "blk.0.attn_k.weight", dim, dim, td);
    add_t(5, "blk.0.attn_v.weight", dim, dim, td);
    add_t(6, "blk.0.attn_output.weight", dim, dim, td);
    add_t(7, "blk.0.ffn_norm.weight", dim, 0, 0);
    add_t(8, "blk.0.ffn_gate.weight", dim, ffn, td);
    add_t(9, "blk.0.ffn_up.weight", dim, ffn, td);
    add_t(10, "blk.0.ffn_down.weight", ffn, dim, tf);
    if (!tied) add_t(11, "output.weight", dim, 256, td);
    write_model(b, dim, ffn, dim / 32);
}

static const uint32_t TYPES[] = {QUANT_Q4_0, QUANT_Q4_1, QUANT_Q5_0, QUANT_Q5_1, QUANT_Q8_0,
                                 QUANT_Q4_K, QUANT_Q5_K, QUANT_Q6_K, QUANT_BF16};
/* The error the test's quantisers allow, as a fraction of the largest |x| of the block (see the writers). */
static float tolerance(uint32_t type) {
    switch (type) {
    case QUANT_Q4_0: return 0.08f;
    case QUANT_Q4_1: return 0.075f;
    case QUANT_Q5_0: case QUANT_Q5_1: return 0.04f;
    case QUANT_Q8_0: return 0.005f;
    case QUANT_Q4_K: return 0.1f;
    case QUANT_Q5_K: return 0.05f;
    case QUANT_Q6_K: return 0.02f;
    default: return 0.004f;
    }
}

static unsigned char *squeeze(const llmz_model *m, const void *src, size_t n, size_t *out_n, int kernels,
                              int threads) {
    llmz_cctx *c = llmz_cctx_create(m);
    CHECK(c != NULL);
    CHECK_EQ(llmz_cctx_set(c, LLMZ_P_KERNELS, kernels), LLMZ_OK);
    CHECK_EQ(llmz_cctx_set(c, LLMZ_P_THREADS, threads), LLMZ_OK);
    CHECK_EQ(llmz_cctx_set(c, LLMZ_P_CHUNK_SIZE, 4096), LLMZ_OK);
    CHECK_EQ(llmz_cctx_set(c, LLMZ_P_ADAPT, 0), LLMZ_OK); /* the language model alone */
    size_t cap = llmz_frame_bound(n);
    unsigned char *dst = malloc(cap);
    CHECK_EQ(llmz_compress_frame(c, dst, cap, out_n, src, n, NULL), LLMZ_OK);
    llmz_cctx_free(c);
    return dst;
}

static const char TEXT[] = "The quick brown fox jumps over the lazy dog; 1984, \xc3\xa9t\xc3\xa9, \x00\xff bytes.\n";

static void case_models(void) {
    static unsigned char text[2000];
    for (size_t i = 0; i < sizeof text; i++) text[i] = (unsigned char)TEXT[i % (sizeof TEXT - 1)];
    for (size_t k = 0; k < sizeof TYPES / sizeof TYPES[0]; k++) {
        uint32_t type = TYPES[k], dim = quant_find(type)->block == 256 ? 256 : 64;
        gw_buf b;
        rng = 7 + k;
        build(&b, type, type, type, dim, dim, 0);
        CHECK(!b.err);
        /* the written blocks decode within the type's error of the floats */
        gguf_ctx *g = NULL;
        CHECK_EQ(gguf_open(&g, b.p, b.n), LLMZ_OK);
        int within = 1;
        float *y = malloc(256 * 256 * sizeof(float));
        for (int i = 0; g && i < nt; i++) {
            const gguf_tensor *t = gguf_find_tensor(g, mt[i].name);
            if (!t || mt[i].type == 0) continue;
            size_t n = (size_t)(mt[i].ne[0] * mt[i].ne[1]), blk = 32;
            CHECK_EQ(t->nbytes, mt[i].nbytes);
            CHECK_EQ(quant_row(t->type, t->data, y, n), LLMZ_OK);
            if (type == QUANT_Q4_K || type == QUANT_Q5_K || type == QUANT_Q6_K) blk = 256;
            for (size_t s = 0; s < n; s += blk) {
                float amax = 0.0f;
                for (size_t j = s; j < s + blk; j++) {
                    float a = mt[i].f[j] < 0 ? -mt[i].f[j] : mt[i].f[j];
                    amax = a > amax ? a : amax;
                }
                for (size_t j = s; j < s + blk; j++) {
                    float e = y[j] - mt[i].f[j];
                    if (e < 0) e = -e;
                    if (e > tolerance(type) * amax + 1e-7f) within = 0;
                }
            }
        }
        free(y);
        gguf_close(g);
        CHECK(within);
        if (!within) fprintf(stderr, "FAIL: %s weights beyond the type's error\n", quant_find(type)->name);
        /* loads; round-trips with the same bytes on every kernel set and thread count */
        llmz_model *m = NULL;
        CHECK_EQ(llmz_model_load_memory(&m, b.p, b.n), LLMZ_OK);
        if (m) {
            size_t a = 0, c = 0, d = 0, on = 0, n = t_quick() ? 600 : sizeof text;
            unsigned char *x = squeeze(m, text, n, &a, LLMZ_KERNELS_REF, 1);
            unsigned char *x2 = squeeze(m, text, n, &c, LLMZ_KERNELS_AUTO, 2);
            unsigned char *x3 = squeeze(m, text, n, &d, LLMZ_KERNELS_AUTO, 1);
            CHECK(a == c && c == d && memcmp(x, x2, a) == 0 && memcmp(x, x3, a) == 0);
            llmz_dctx *dc = llmz_dctx_create(m);
            unsigned char *out = malloc(n);
            CHECK_EQ(llmz_decompress_frame(dc, out, n, &on, x, a, NULL), LLMZ_OK);
            CHECK(on == n && memcmp(out, text, n) == 0);
            fprintf(stderr, "%s: %zu -> %zu bytes\n", quant_find(type)->name, n, a);
            free(out);
            llmz_dctx_free(dc);
            free(x);
            free(x2);
            free(x3);
            llmz_model_free(m);
        }
        gw_free(&b);
        free_model();
    }
}

/* ---- (3) hostile files ---- */
static int load_rc(const gw_buf *b, size_t n) {
    llmz_model *m = (llmz_model *)(uintptr_t)1;
    int rc = llmz_model_load_memory(&m, b->p, n);
    CHECK(rc == LLMZ_OK ? m != NULL : m == NULL);
    llmz_model_free(rc == LLMZ_OK ? m : NULL);
    return rc;
}

/* Offset in b of the data of tensor `name`. */
static size_t data_at(const gw_buf *b, const char *name) {
    gguf_ctx *g = NULL;
    size_t off = 0;
    if (gguf_open(&g, b->p, b->n) == LLMZ_OK) {
        const gguf_tensor *t = gguf_find_tensor(g, name);
        if (t) off = (size_t)(t->data - b->p);
        gguf_close(g);
    }
    CHECK(off > 0);
    return off;
}

/* Set the fp16 field at byte `at` of the first block of blk.0.attn_q.weight to h; the load's result. */
static int with_half(uint32_t type, uint32_t dim, size_t at, uint16_t h) {
    gw_buf b;
    rng = 3;
    build(&b, type, type, type, dim, dim, 1);
    put16(b.p + data_at(&b, "blk.0.attn_q.weight") + at, h);
    int rc = load_rc(&b, b.n);
    gw_free(&b);
    free_model();
    return rc;
}

static void case_bad(void) {
    for (size_t k = 0; k < sizeof TYPES / sizeof TYPES[0]; k++) {
        uint32_t type = TYPES[k], dim = quant_find(type)->block == 256 ? 256 : 64;
        gw_buf b;
        rng = 5;
        build(&b, type, type, type, dim, dim, 1);
        CHECK_EQ(load_rc(&b, b.n), LLMZ_OK);
        /* truncated data: every cut inside the last tensor's blocks */
        size_t last = data_at(&b, "blk.0.ffn_down.weight");
        for (size_t cut = last + 1; cut < b.n; cut += (b.n - last) / 7 + 1)
            CHECK_EQ(load_rc(&b, cut), LLMZ_ERR_MODEL_FORMAT);
        /* a shape that disagrees with the metadata: attn_k with half the rows */
        gw_free(&b);
        free_model();
        rng = 5;
        nt = 11;
        build(&b, type, type, type, dim, dim, 1);
        free(mt[4].raw);
        mt[4].ne[1] = dim / 2;
        mt[4].nbytes /= 2;
        mt[4].raw = calloc(1, (size_t)mt[4].nbytes);
        gw_free(&b);
        write_model(&b, dim, dim, dim / 32);
        CHECK_EQ(load_rc(&b, b.n), LLMZ_ERR_MODEL_UNSUPPORTED);
        gw_free(&b);
        free_model();
    }
    /* rows that are not whole blocks: a K-quant with rows of 64 */
    {
        gw_buf b;
        rng = 9;
        build(&b, QUANT_Q4_0, QUANT_Q4_0, QUANT_Q4_0, 64, 64, 1);
        mt[3].type = QUANT_Q6_K;
        mt[3].nbytes = 64 * 64 / 256 * 210;
        free(mt[3].raw);
        mt[3].raw = calloc(1, (size_t)mt[3].nbytes);
        gw_free(&b);
        write_model(&b, 64, 64, 2);
        CHECK_EQ(load_rc(&b, b.n), LLMZ_ERR_MODEL_FORMAT);
        gw_free(&b);
        free_model();
    }
    /* NaN, infinite and huge fp16 fields: refused, never handed to the coder */
    static const uint16_t nan = 0x7E00, inf = 0x7C00, ninf = 0xFC00, huge = 0x7BFF;
    CHECK_EQ(with_half(QUANT_Q4_0, 64, 0, nan), LLMZ_ERR_MODEL_FORMAT);
    CHECK_EQ(with_half(QUANT_Q4_0, 64, 0, inf), LLMZ_ERR_MODEL_FORMAT);
    CHECK_EQ(with_half(QUANT_Q4_0, 64, 0, huge), LLMZ_ERR_MODEL_FORMAT); /* 65504 * 8 */
    CHECK_EQ(with_half(QUANT_Q4_1, 64, 2, nan), LLMZ_ERR_MODEL_FORMAT);  /* m */
    CHECK_EQ(with_half(QUANT_Q5_0, 64, 0, ninf), LLMZ_ERR_MODEL_FORMAT);
    CHECK_EQ(with_half(QUANT_Q5_1, 64, 2, inf), LLMZ_ERR_MODEL_FORMAT);
    CHECK_EQ(with_half(QUANT_Q8_0, 64, 0, nan), LLMZ_ERR_MODEL_FORMAT);
    CHECK_EQ(with_half(QUANT_Q8_0, 64, 0, huge), LLMZ_ERR_MODEL_FORMAT);
    CHECK_EQ(with_half(QUANT_Q4_K, 256, 0, nan), LLMZ_ERR_MODEL_FORMAT);
    CHECK_EQ(with_half(QUANT_Q4_K, 256, 2, inf), LLMZ_ERR_MODEL_FORMAT); /* dmin */
    CHECK_EQ(with_half(QUANT_Q5_K, 256, 2, nan), LLMZ_ERR_MODEL_FORMAT);
    CHECK_EQ(with_half(QUANT_Q5_K, 256, 0, huge), LLMZ_ERR_MODEL_FORMAT);
    CHECK_EQ(with_half(QUANT_Q6_K, 256, 208, nan), LLMZ_ERR_MODEL_FORMAT);
    CHECK_EQ(with_half(QUANT_Q6_K, 256, 208, huge), LLMZ_ERR_MODEL_FORMAT);
    CHECK_EQ(with_half(QUANT_BF16, 64, 6, 0x7F80), LLMZ_ERR_MODEL_FORMAT);
    CHECK_EQ(with_half(QUANT_BF16, 64, 6, 0xFFC0), LLMZ_ERR_MODEL_FORMAT);
    CHECK_EQ(with_half(QUANT_BF16, 64, 6, 0x4780), LLMZ_ERR_MODEL_FORMAT); /* 65536 */
    CHECK_EQ(with_half(QUANT_BF16, 64, 6, 0x4700), LLMZ_OK);               /* 32768 */
    /* an unknown type in a matrix: not supported, named as such */
    {
        gw_buf b;
        rng = 9;
        build(&b, QUANT_Q4_0, QUANT_Q4_0, QUANT_Q4_0, 64, 64, 1);
        mt[5].type = 10; /* Q2_K: size unknown here */
        gw_free(&b);
        write_model(&b, 64, 64, 2);
        CHECK_EQ(load_rc(&b, b.n), LLMZ_ERR_MODEL_UNSUPPORTED);
        gw_free(&b);
        free_model();
    }
}

/* LLMZ_WRITE_SEEDS=DIR: write the fuzz seeds tests/fuzz/corpus/gguf/quant-*.gguf (each under 32 KB): dim 32,
** ffn 32, tied, every matrix of the type (BF16: the embedding Q4_0); K-quants: ffn 256 and the K-quant in
** ffn_down only (the one matrix with rows of 256), Q4_0 elsewhere. */
static void case_seeds(void) {
    const char *dir = getenv("LLMZ_WRITE_SEEDS");
    if (!dir) return;
    for (size_t k = 0; k < sizeof TYPES / sizeof TYPES[0]; k++) {
        uint32_t type = TYPES[k];
        gw_buf b;
        rng = 11 + k;
        uint32_t ffn = quant_find(type)->block == 256 ? 256 : 32;
        build(&b, type, QUANT_Q4_0, type == QUANT_BF16 ? QUANT_Q4_0 : type, 32, ffn, 1);
        CHECK_EQ(load_rc(&b, b.n), LLMZ_OK);
        CHECK(b.n < 32768);
        char path[512], lower[8];
        const char *nm = quant_find(type)->name;
        size_t i = 0;
        for (; nm[i] && i < sizeof lower - 1; i++) lower[i] = (char)(nm[i] >= 'A' && nm[i] <= 'Z' ? nm[i] + 32 : nm[i]);
        lower[i] = 0;
        snprintf(path, sizeof path, "%s/quant-%s.gguf", dir, lower);
        FILE *f = fopen(path, "wb");
        CHECK(f && fwrite(b.p, 1, b.n, f) == b.n && fclose(f) == 0);
        fprintf(stderr, "wrote %s (%zu bytes)\n", path, b.n);
        gw_free(&b);
        free_model();
    }
}

int main(int argc, char **argv) {
    static const t_case cases[] = {{"known", case_known}, {"models", case_models}, {"bad", case_bad},
                                   {"seeds", case_seeds}};
    return t_main(argc, argv, cases, sizeof cases / sizeof cases[0]);
}
