/* gguf_write.h -- a small header-only GGUF v3 writer (tools/mktiny.c and the unit tests).
**
** Everything is appended to a growable in-memory buffer (gw_buf).  The low-level calls write exactly
** what they are told, so tests can build deliberately malformed files; gw_tensors_* lay out a valid
** tensor section.  Allocation failure sets buf->err and turns later writes into no-ops.
** Little-endian output whatever the host.  Functions are static inline so unused ones cost nothing. */
#ifndef LLMZ_GGUF_WRITE_H
#define LLMZ_GGUF_WRITE_H
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    uint8_t *p;
    size_t n, cap;
    int err;
} gw_buf;

enum {
    GW_U8 = 0, GW_I8 = 1, GW_U16 = 2, GW_I16 = 3, GW_U32 = 4, GW_I32 = 5, GW_F32 = 6, GW_BOOL = 7,
    GW_STRING = 8, GW_ARRAY = 9, GW_U64 = 10, GW_I64 = 11, GW_F64 = 12
};
enum { GW_T_F32 = 0, GW_T_F16 = 1, GW_T_Q5_0 = 6, GW_T_Q8_0 = 8, GW_T_Q4_K = 12, GW_T_Q6_K = 14 };

static inline void gw_init(gw_buf *b) { memset(b, 0, sizeof *b); }
static inline void gw_free(gw_buf *b) {
    free(b->p);
    gw_init(b);
}

static inline void gw_bytes(gw_buf *b, const void *d, size_t n) {
    if (b->err) return;
    if (n > b->cap - b->n) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap - b->n < n) {
            if (cap > SIZE_MAX / 2) { b->err = 1; return; }
            cap *= 2;
        }
        uint8_t *p = realloc(b->p, cap);
        if (!p) { b->err = 1; return; }
        b->p = p;
        b->cap = cap;
    }
    if (n) memcpy(b->p + b->n, d, n);
    b->n += n;
}

static inline void gw_le(gw_buf *b, uint64_t v, int n) {
    uint8_t t[8];
    for (int i = 0; i < n; i++) t[i] = (uint8_t)(v >> (8 * i));
    gw_bytes(b, t, (size_t)n);
}
static inline void gw_u8(gw_buf *b, uint8_t v) { gw_le(b, v, 1); }
static inline void gw_u32(gw_buf *b, uint32_t v) { gw_le(b, v, 4); }
static inline void gw_u64(gw_buf *b, uint64_t v) { gw_le(b, v, 8); }
static inline void gw_f32(gw_buf *b, float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    gw_u32(b, u);
}
static inline void gw_f64(gw_buf *b, double f) {
    uint64_t u;
    memcpy(&u, &f, 8);
    gw_u64(b, u);
}
/* A GGUF string: u64 length + bytes. */
static inline void gw_str(gw_buf *b, const void *s, size_t len) {
    gw_u64(b, len);
    gw_bytes(b, s, len);
}
static inline void gw_cstr(gw_buf *b, const char *s) { gw_str(b, s, strlen(s)); }
/* Pad with zeros to a multiple of align (a power of two). */
static inline void gw_pad(gw_buf *b, size_t align) {
    static const uint8_t z[64] = {0};
    while (!b->err && b->n % align) {
        size_t k = align - b->n % align;
        gw_bytes(b, z, k < sizeof z ? k : sizeof z);
    }
}

/* File header: magic "GGUF", version, tensor count, key/value count. */
static inline void gw_header(gw_buf *b, uint32_t version, uint64_t n_tensors, uint64_t n_kv) {
    gw_bytes(b, "GGUF", 4);
    gw_u32(b, version);
    gw_u64(b, n_tensors);
    gw_u64(b, n_kv);
}
/* Key and value type; the caller then writes the value. */
static inline void gw_key(gw_buf *b, const char *key, uint32_t type) {
    gw_cstr(b, key);
    gw_u32(b, type);
}
static inline void gw_kv_u32(gw_buf *b, const char *key, uint32_t v) {
    gw_key(b, key, GW_U32);
    gw_u32(b, v);
}
static inline void gw_kv_f32(gw_buf *b, const char *key, float v) {
    gw_key(b, key, GW_F32);
    gw_f32(b, v);
}
static inline void gw_kv_str(gw_buf *b, const char *key, const char *s) {
    gw_key(b, key, GW_STRING);
    gw_cstr(b, s);
}
/* Array header; the caller then writes n elements of elem_type. */
static inline void gw_arr(gw_buf *b, const char *key, uint32_t elem_type, uint64_t n) {
    gw_key(b, key, GW_ARRAY);
    gw_u32(b, elem_type);
    gw_u64(b, n);
}
/* One tensor info record, written as given. */
static inline void gw_tensor_info(gw_buf *b, const char *name, uint32_t n_dims, const uint64_t *ne,
                                  uint32_t type, uint64_t offset) {
    gw_cstr(b, name);
    gw_u32(b, n_dims);
    for (uint32_t i = 0; i < n_dims; i++) gw_u64(b, ne[i]);
    gw_u32(b, type);
    gw_u64(b, offset);
}

/* Bytes of a tensor of a known type (F32, F16, Q5_0, Q8_0, Q4_K, Q6_K); 0 otherwise. */
static inline uint64_t gw_nbytes(uint32_t type, uint32_t n_dims, const uint64_t *ne) {
    uint64_t n = 1;
    for (uint32_t i = 0; i < n_dims; i++) n *= ne[i];
    switch (type) {
    case GW_T_F32: return n * 4;
    case GW_T_F16: return n * 2;
    case GW_T_Q8_0: return n / 32 * 34;
    case GW_T_Q5_0: return n / 32 * 22;
    case GW_T_Q4_K: return n / 256 * 144;
    case GW_T_Q6_K: return n / 256 * 210;
    default: return 0;
    }
}

/* ---- a valid tensor section: infos with aligned offsets, padding, then the data ---- */
typedef struct {
    const char *name;
    uint32_t n_dims;
    uint64_t ne[4];
    uint32_t type;
    const void *data;
    uint64_t nbytes;
} gw_tensor;

static inline void gw_tensors_info(gw_buf *b, const gw_tensor *t, size_t n, size_t align) {
    uint64_t off = 0;
    for (size_t i = 0; i < n; i++) {
        gw_tensor_info(b, t[i].name, t[i].n_dims, t[i].ne, t[i].type, off);
        off += (t[i].nbytes + align - 1) / align * align;
    }
}
/* Pads to the alignment (start of the data section) and writes each tensor padded. */
static inline void gw_tensors_data(gw_buf *b, const gw_tensor *t, size_t n, size_t align) {
    gw_pad(b, align);
    for (size_t i = 0; i < n; i++) {
        gw_bytes(b, t[i].data, (size_t)t[i].nbytes);
        gw_pad(b, align);
    }
}

/* ---- number formats ---- */
/* float -> IEEE half, round to nearest even; NaN stays NaN, overflow gives inf. */
static inline uint16_t gw_f32_to_f16(float f) {
    uint32_t x;
    memcpy(&x, &f, 4);
    uint16_t sign = (uint16_t)((x >> 16) & 0x8000u);
    x &= 0x7FFFFFFFu;
    if (x >= 0x7F800000u) return (uint16_t)(sign | (x > 0x7F800000u ? 0x7E00u | ((x >> 13) & 0x3FFu) : 0x7C00u));
    if (x >= 0x477FF000u) return (uint16_t)(sign | 0x7C00u); /* >= 65520 rounds to inf */
    uint32_t e = x >> 23, m, r, rem, half;
    if (x < 0x38800000u) { /* half subnormal (or zero) */
        if (x < 0x33000000u) return sign; /* <= 2^-25: rounds to zero */
        unsigned shift = 126u - e;        /* 14..24 */
        m = (x & 0x7FFFFFu) | 0x800000u;
        r = m >> shift;
        rem = m & ((1u << shift) - 1u);
        half = 1u << (shift - 1u);
    } else {
        m = x & 0x7FFFFFu;
        r = (e - 112u) << 10 | m >> 13;
        rem = m & 0x1FFFu;
        half = 0x1000u;
    }
    if (rem > half || (rem == half && (r & 1u))) r++;
    return (uint16_t)(sign | r);
}

/* Round half away from zero, for |v| < 2^23, without libm. */
static inline int gw_round(float v) {
    int t = (int)v;
    float frac = v - (float)t;
    if (frac >= 0.5f) t++;
    else if (frac <= -0.5f) t--;
    return t;
}

/* Quantize n values (a multiple of 32) to Q8_0 blocks in out (n/32*34 bytes), as ggml does:
** d = amax/127 stored as fp16, q = round(x/d) clamped to [-127, 127]. */
static inline void gw_quant_q8_0(const float *x, size_t n, uint8_t *out) {
    for (size_t b = 0; b < n / 32; b++, x += 32, out += 34) {
        float amax = 0.0f;
        for (int i = 0; i < 32; i++) {
            float a = x[i] < 0 ? -x[i] : x[i];
            if (a > amax) amax = a;
        }
        float d = amax / 127.0f, id = d != 0.0f ? 1.0f / d : 0.0f;
        uint16_t h = gw_f32_to_f16(d);
        out[0] = (uint8_t)h;
        out[1] = (uint8_t)(h >> 8);
        for (int i = 0; i < 32; i++) {
            int q = gw_round(x[i] * id);
            q = q > 127 ? 127 : q < -127 ? -127 : q;
            out[2 + i] = (uint8_t)(int8_t)q;
        }
    }
}

/* ---- more block types, round to nearest per block (simple, not ggml's search for the best scales) ---- */
/* IEEE half -> float (finite values; what the decoders will see of a scale written with gw_f32_to_f16). */
static inline float gw_f16_to_f32(uint16_t h) {
    uint32_t e = (h >> 10) & 31u, m = h & 0x3FFu, u;
    float v;
    if (e == 0) {
        v = (float)m * 0x1p-24f;
        return (h & 0x8000u) ? -v : v;
    }
    u = (uint32_t)(h & 0x8000u) << 16 | (e + 112u) << 23 | m << 13;
    memcpy(&v, &u, 4);
    return v;
}
static inline void gw_put16(uint8_t *p, uint16_t h) {
    p[0] = (uint8_t)h;
    p[1] = (uint8_t)(h >> 8);
}
static inline int gw_clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

/* Q5_0 (22 bytes per 32): d = amax/15 as fp16; q = round(x/d) + 16 in [0, 31]; value j < 16 the low nibble of
** qs[j], j + 16 its high nibble; the fifth bits in qh (bit j of value j). */
static inline void gw_quant_q5_0(const float *x, size_t n, uint8_t *out) {
    for (size_t b = 0; b < n / 32; b++, x += 32, out += 22) {
        float amax = 0.0f;
        for (int i = 0; i < 32; i++) amax = (x[i] < 0 ? -x[i] : x[i]) > amax ? (x[i] < 0 ? -x[i] : x[i]) : amax;
        uint16_t h = gw_f32_to_f16(amax / 15.0f);
        float d = gw_f16_to_f32(h), id = d != 0.0f ? 1.0f / d : 0.0f;
        int q[32];
        uint32_t qh = 0;
        for (int i = 0; i < 32; i++) {
            q[i] = gw_clampi(gw_round(x[i] * id), -16, 15) + 16;
            qh |= (uint32_t)(q[i] >> 4) << i;
        }
        gw_put16(out, h);
        for (int i = 0; i < 4; i++) out[2 + i] = (uint8_t)(qh >> (8 * i));
        for (int j = 0; j < 16; j++) out[6 + j] = (uint8_t)((q[j] & 15) | (q[j + 16] & 15) << 4);
    }
}

/* Q4_K (144 bytes per 256): fp16 d, fp16 dmin, 12 bytes of 6-bit scales and mins (8 sub-blocks of 32), qs[128].
** Sub-block i: scale s_i = (max - min)/15, m_i = -min (min <= 0); d = max s_i / 63, dmin = max m_i / 63;
** y = d*sc_i*q - dmin*mn_i with q in [0, 15].  Layout as lib/model/quants.c decodes it. */
static inline void gw_quant_q4_k(const float *x, size_t n, uint8_t *out) {
    for (size_t b = 0; b < n / 256; b++, x += 256, out += 144) {
        float s[8], m[8], smax = 0.0f, mmax = 0.0f;
        for (int i = 0; i < 8; i++) {
            float lo = 0.0f, hi = 0.0f;
            for (int j = 0; j < 32; j++) {
                float v = x[32 * i + j];
                lo = v < lo ? v : lo;
                hi = v > hi ? v : hi;
            }
            s[i] = (hi - lo) / 15.0f;
            m[i] = -lo;
            smax = s[i] > smax ? s[i] : smax;
            mmax = m[i] > mmax ? m[i] : mmax;
        }
        uint16_t hd = gw_f32_to_f16(smax / 63.0f), hm = gw_f32_to_f16(mmax / 63.0f);
        float d = gw_f16_to_f32(hd), dmin = gw_f16_to_f32(hm);
        int sc[8], mn[8], q[256];
        for (int i = 0; i < 8; i++) {
            sc[i] = d != 0.0f ? gw_clampi(gw_round(s[i] / d), 0, 63) : 0;
            mn[i] = dmin != 0.0f ? gw_clampi(gw_round(m[i] / dmin), 0, 63) : 0;
            float di = d * (float)sc[i], mi = dmin * (float)mn[i];
            for (int j = 0; j < 32; j++)
                q[32 * i + j] = di != 0.0f ? gw_clampi(gw_round((x[32 * i + j] + mi) / di), 0, 15) : 0;
        }
        gw_put16(out, hd);
        gw_put16(out + 2, hm);
        uint8_t *sb = out + 4, *qs = out + 16;
        for (int j = 0; j < 4; j++) {
            sb[j] = (uint8_t)(sc[j] | (sc[j + 4] >> 4) << 6);
            sb[j + 4] = (uint8_t)(mn[j] | (mn[j + 4] >> 4) << 6);
            sb[j + 8] = (uint8_t)((sc[j + 4] & 15) | (mn[j + 4] & 15) << 4);
        }
        for (int g = 0; g < 4; g++)
            for (int l = 0; l < 32; l++) qs[32 * g + l] = (uint8_t)(q[64 * g + l] | q[64 * g + 32 + l] << 4);
    }
}

/* Q6_K (210 bytes per 256): ql[128], qh[64], int8 scales[16] (sub-blocks of 16), fp16 d.  Sub-block i: s_i =
** amax/31, d = max s_i / 127, sc_i = round(s_i/d); q = round(x/(d*sc_i)) in [-32, 31], stored + 32.  Value
** 128h + l + 32k (l < 32, k < 4) has its low 4 bits in ql[64h + l + 32(k&1)] (low nibble for k < 2) and its high
** 2 bits in qh[32h + l] at bit 2k. */
static inline void gw_quant_q6_k(const float *x, size_t n, uint8_t *out) {
    for (size_t b = 0; b < n / 256; b++, x += 256, out += 210) {
        float s[16], smax = 0.0f;
        for (int i = 0; i < 16; i++) {
            float amax = 0.0f;
            for (int j = 0; j < 16; j++) {
                float v = x[16 * i + j] < 0 ? -x[16 * i + j] : x[16 * i + j];
                amax = v > amax ? v : amax;
            }
            s[i] = amax / 31.0f;
            smax = s[i] > smax ? s[i] : smax;
        }
        uint16_t hd = gw_f32_to_f16(smax / 127.0f);
        float d = gw_f16_to_f32(hd);
        int sc[16], q[256];
        for (int i = 0; i < 16; i++) {
            sc[i] = d != 0.0f ? gw_clampi(gw_round(s[i] / d), -128, 127) : 0;
            float di = d * (float)sc[i];
            for (int j = 0; j < 16; j++)
                q[16 * i + j] = (di != 0.0f ? gw_clampi(gw_round(x[16 * i + j] / di), -32, 31) : 0) + 32;
        }
        memset(out, 0, 192);
        for (int h = 0; h < 2; h++)
            for (int l = 0; l < 32; l++)
                for (int k = 0; k < 4; k++) {
                    int v = q[128 * h + l + 32 * k];
                    out[64 * h + l + 32 * (k & 1)] |= (uint8_t)((v & 15) << (k >= 2 ? 4 : 0));
                    out[128 + 32 * h + l] |= (uint8_t)((v >> 4) << (2 * k));
                }
        for (int i = 0; i < 16; i++) out[192 + i] = (uint8_t)(int8_t)sc[i];
        gw_put16(out + 208, hd);
    }
}

/* GPT-2 bytes_to_unicode spelling of a byte string, UTF-8 encoded into out (room for 2*n bytes);
** returns the length. */
static inline size_t gw_gpt2_spell(const uint8_t *s, size_t n, char *out) {
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned b = s[i], cp;
        if ((b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174)) {
            cp = b;
        } else { /* the k-th non-printable byte maps to 256 + k */
            unsigned k = 0;
            for (unsigned c = 0; c < b; c++)
                if (!((c >= 33 && c <= 126) || (c >= 161 && c <= 172) || (c >= 174))) k++;
            cp = 256 + k;
        }
        if (cp < 0x80) {
            out[o++] = (char)cp;
        } else {
            out[o++] = (char)(0xC0 | (cp >> 6));
            out[o++] = (char)(0x80 | (cp & 0x3F));
        }
    }
    return o;
}
#endif
