/* quants.c -- decoders of ggml's quantised blocks (layouts from ggml's ggml-common.h and the formulas of its
** dequantize_row_*, written here).  See quants.h.
**
** All fields are little-endian; "fp16" is an IEEE half widened exactly (gguf_f16_to_f32).  Each value below
** is computed as written, every product exact in float (at most 11 + 7 + 5 significant bits), so that the
** only rounding is the one addition or subtraction of the types that have one (docs/determinism.md). */
#include "model/quants.h"

#include <string.h>

#include "llmz.h"
#include "model/gguf.h"

static const quant_info QUANTS[] = {
    {QUANT_Q4_0, 32, 18, "Q4_0"},   {QUANT_Q4_1, 32, 20, "Q4_1"},   {QUANT_Q5_0, 32, 22, "Q5_0"},
    {QUANT_Q5_1, 32, 24, "Q5_1"},   {QUANT_Q8_0, 32, 34, "Q8_0"},   {QUANT_Q4_K, 256, 144, "Q4_K"},
    {QUANT_Q5_K, 256, 176, "Q5_K"}, {QUANT_Q6_K, 256, 210, "Q6_K"}, {QUANT_BF16, 1, 2, "BF16"},
};

const quant_info *quant_find(uint32_t type) {
    for (size_t i = 0; i < sizeof QUANTS / sizeof QUANTS[0]; i++)
        if (QUANTS[i].type == type) return &QUANTS[i];
    return NULL;
}

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

/* An fp16 field widened; *bad set when it is NaN or infinite (exponent all ones). */
static float half(const uint8_t *p, int *bad) {
    uint16_t h = rd16(p);
    if ((h & 0x7C00u) == 0x7C00u) *bad = 1;
    return gguf_f16_to_f32(h);
}

/* Q4_0, 18 bytes: fp16 d; qs[16].  Value j < 16 is the low nibble of qs[j], value j + 16 its high nibble;
** y = (float)(nibble - 8) * d. */
int quant_q4_0(const uint8_t *b, float *y) {
    int bad = 0;
    float d = half(b, &bad);
    const uint8_t *qs = b + 2;
    for (int j = 0; j < 16; j++) {
        y[j] = (float)((qs[j] & 0xF) - 8) * d;
        y[j + 16] = (float)((qs[j] >> 4) - 8) * d;
    }
    return bad ? -1 : 0;
}

/* Q4_1, 20 bytes: fp16 d; fp16 m; qs[16] as Q4_0.  y = (float)nibble * d + m. */
int quant_q4_1(const uint8_t *b, float *y) {
    int bad = 0;
    float d = half(b, &bad), m = half(b + 2, &bad);
    const uint8_t *qs = b + 4;
    for (int j = 0; j < 16; j++) {
        y[j] = (float)(qs[j] & 0xF) * d + m;
        y[j + 16] = (float)(qs[j] >> 4) * d + m;
    }
    return bad ? -1 : 0;
}

/* The fifth bits of Q5_0/Q5_1: qh[4] read as a little-endian u32, bit j the high bit of value j (j < 32). */
static uint32_t rd32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Q5_0, 22 bytes: fp16 d; qh[4]; qs[16] as Q4_0.  q = nibble | (bit of qh) << 4; y = (float)(q - 16) * d. */
int quant_q5_0(const uint8_t *b, float *y) {
    int bad = 0;
    float d = half(b, &bad);
    uint32_t qh = rd32(b + 2);
    const uint8_t *qs = b + 6;
    for (int j = 0; j < 16; j++) {
        int lo = (int)(qs[j] & 0xF) | (int)((qh >> j) & 1u) << 4;
        int hi = (int)(qs[j] >> 4) | (int)((qh >> (j + 16)) & 1u) << 4;
        y[j] = (float)(lo - 16) * d;
        y[j + 16] = (float)(hi - 16) * d;
    }
    return bad ? -1 : 0;
}

/* Q5_1, 24 bytes: fp16 d; fp16 m; qh[4]; qs[16].  q as Q5_0; y = (float)q * d + m. */
int quant_q5_1(const uint8_t *b, float *y) {
    int bad = 0;
    float d = half(b, &bad), m = half(b + 2, &bad);
    uint32_t qh = rd32(b + 4);
    const uint8_t *qs = b + 8;
    for (int j = 0; j < 16; j++) {
        int lo = (int)(qs[j] & 0xF) | (int)((qh >> j) & 1u) << 4;
        int hi = (int)(qs[j] >> 4) | (int)((qh >> (j + 16)) & 1u) << 4;
        y[j] = (float)lo * d + m;
        y[j + 16] = (float)hi * d + m;
    }
    return bad ? -1 : 0;
}

/* Q8_0, 34 bytes: fp16 d; int8 qs[32].  y = (float)q * d. */
int quant_q8_0(const uint8_t *b, float *y) {
    int bad = 0;
    float d = half(b, &bad);
    for (int j = 0; j < 32; j++) y[j] = (float)(int8_t)b[2 + j] * d;
    return bad ? -1 : 0;
}

/* The 12 scale bytes of Q4_K/Q5_K hold 8 six-bit scales sc[i] and mins mn[i], one pair per 32 values:
**   i < 4:  sc = s[i] & 63,                          mn = s[i + 4] & 63
**   i >= 4: sc = (s[i + 4] & 15) | (s[i - 4] >> 6) << 4,  mn = (s[i + 4] >> 4) | (s[i] >> 6) << 4 */
static void scale_min_k(const uint8_t *s, int i, int *sc, int *mn) {
    if (i < 4) {
        *sc = s[i] & 63;
        *mn = s[i + 4] & 63;
    } else {
        *sc = (s[i + 4] & 15) | (s[i - 4] >> 6) << 4;
        *mn = (s[i + 4] >> 4) | (s[i] >> 6) << 4;
    }
}

/* Q4_K and Q5_K's eight sub-blocks of 32 (b: the block, starting with fp16 d, fp16 dmin, scales[12]; qs[128]; qh[32]
** for Q5_K, NULL for Q4_K).  Values 64g .. 64g+31 (g < 4) are the low nibbles of qs[32g .. 32g+31] with sub-block
** 2g, values 64g+32 .. 64g+63 their high nibbles with sub-block 2g+1; with qh, the low-nibble value l takes bit 2g
** of qh[l] as its fifth bit, the high-nibble value bit 2g+1.  For sub-block i: d_i = d * (float)sc_i,
** m_i = dmin * (float)mn_i, y = d_i * (float)q - m_i. */
static int k_sub_blocks(const uint8_t *b, const uint8_t *qh, const uint8_t *qs, float *y) {
    int bad = 0;
    float d = half(b, &bad), dmin = half(b + 2, &bad);
    const uint8_t *sc = b + 4;
    for (int g = 0; g < 4; g++, qs += 32, y += 64) {
        int s0, m0, s1, m1;
        scale_min_k(sc, 2 * g, &s0, &m0);
        scale_min_k(sc, 2 * g + 1, &s1, &m1);
        float d0 = d * (float)s0, n0 = dmin * (float)m0, d1 = d * (float)s1, n1 = dmin * (float)m1;
        for (int l = 0; l < 32; l++) {
            int lo = qs[l] & 0xF, hi = qs[l] >> 4;
            if (qh) {
                lo |= ((qh[l] >> (2 * g)) & 1) << 4;
                hi |= ((qh[l] >> (2 * g + 1)) & 1) << 4;
            }
            y[l] = d0 * (float)lo - n0;
            y[l + 32] = d1 * (float)hi - n1;
        }
    }
    return bad ? -1 : 0;
}

/* Q4_K, 144 bytes: fp16 d; fp16 dmin; scales[12]; qs[128]. */
int quant_q4_k(const uint8_t *b, float *y) { return k_sub_blocks(b, NULL, b + 16, y); }

/* Q5_K, 176 bytes: fp16 d; fp16 dmin; scales[12]; qh[32]; qs[128] (q = nibble + 16 * its qh bit). */
int quant_q5_k(const uint8_t *b, float *y) { return k_sub_blocks(b, b + 16, b + 48, y); }

/* Q6_K, 210 bytes: ql[128]; qh[64]; int8 scales[16]; fp16 d.  Two halves h < 2 of 128 values, each from
** ql[64h ..], qh[32h ..], scales[8h ..]; for l < 32, with q = 4 bits | 2 bits << 4, minus 32:
**   value 128h + l      : low nibble of ql[l],      qh[l] bits 0-1, scales[l/16]
**   value 128h + l + 32 : low nibble of ql[l + 32], qh[l] bits 2-3, scales[l/16 + 2]
**   value 128h + l + 64 : high nibble of ql[l],     qh[l] bits 4-5, scales[l/16 + 4]
**   value 128h + l + 96 : high nibble of ql[l + 32], qh[l] bits 6-7, scales[l/16 + 6]
** y = d * (float)scale * (float)q, left to right. */
int quant_q6_k(const uint8_t *b, float *y) {
    int bad = 0;
    float d = half(b + 208, &bad);
    const uint8_t *ql = b, *qh = b + 128;
    const int8_t *sc = (const int8_t *)(b + 192);
    for (int h = 0; h < 2; h++, ql += 64, qh += 32, sc += 8, y += 128) {
        for (int l = 0; l < 32; l++) {
            int is = l / 16;
            int q1 = ((ql[l] & 0xF) | ((qh[l] >> 0) & 3) << 4) - 32;
            int q2 = ((ql[l + 32] & 0xF) | ((qh[l] >> 2) & 3) << 4) - 32;
            int q3 = ((ql[l] >> 4) | ((qh[l] >> 4) & 3) << 4) - 32;
            int q4 = ((ql[l + 32] >> 4) | ((qh[l] >> 6) & 3) << 4) - 32;
            y[l] = d * (float)sc[is] * (float)q1;
            y[l + 32] = d * (float)sc[is + 2] * (float)q2;
            y[l + 64] = d * (float)sc[is + 4] * (float)q3;
            y[l + 96] = d * (float)sc[is + 6] * (float)q4;
        }
    }
    return bad ? -1 : 0;
}

/* BF16, 2 bytes: the high half of a binary32. */
int quant_bf16(const uint8_t *b, float *y) {
    uint32_t u = (uint32_t)rd16(b) << 16;
    memcpy(y, &u, 4);
    return (u & 0x7F800000u) == 0x7F800000u ? -1 : 0;
}

int quant_row(uint32_t type, const uint8_t *src, float *y, size_t n) {
    const quant_info *qi = quant_find(type);
    if (!qi) return LLMZ_ERR_MODEL_UNSUPPORTED;
    if (n % qi->block) return LLMZ_ERR_PARAM;
    int (*dec)(const uint8_t *, float *);
    switch (type) {
    case QUANT_Q4_0: dec = quant_q4_0; break;
    case QUANT_Q4_1: dec = quant_q4_1; break;
    case QUANT_Q5_0: dec = quant_q5_0; break;
    case QUANT_Q5_1: dec = quant_q5_1; break;
    case QUANT_Q8_0: dec = quant_q8_0; break;
    case QUANT_Q4_K: dec = quant_q4_k; break;
    case QUANT_Q5_K: dec = quant_q5_k; break;
    case QUANT_Q6_K: dec = quant_q6_k; break;
    default: dec = quant_bf16; break;
    }
    for (size_t i = 0; i < n; i += qi->block, src += qi->bytes) {
        if (dec(src, y + i)) return LLMZ_ERR_MODEL_FORMAT;
        for (uint32_t j = 0; j < qi->block; j++) {
            float v = y[i + j];
            if (!(v <= QUANT_MAX && v >= -QUANT_MAX)) return LLMZ_ERR_MODEL_FORMAT;
        }
    }
    return LLMZ_OK;
}
