/*
** kernels_avx512.c -- AVX-512 (F, BW, VL, VNNI) kernels.  Bit-identical to kernels.c (tests/unit/test_kernels.c
** checks with memcmp).
**
** matmul uses the packed weights (kern_pack, layout in kernels.h): per block of 32 inputs, 8 vpdpbusd
** (u8 weights+128 times the s8 activation quad broadcast to all lanes) accumulate the integer sums of 16
** outputs at once, starting from -128 * (sum of the activation block), so the result is the exact isum.
** The float epilogue is then the reference's, lane-wise: acc = acc + (float)isum * (dx_b * dw_b), one
** rounding each, no FMA.  A tile is up to 4 activation rows x 2 groups of 16 outputs, so each weight
** vector loaded serves several rows.  Output ranges that do not start or end on a group edge are done
** with masked stores (each lane's value does not depend on the others).  Unpacked weights use the AVX2
** matmul.
*/
#include "numerics/kernels.h"
#include "numerics/detmath.h"

#if defined(__x86_64__) && defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__) && \
    defined(__AVX512VNNI__)
#include <immintrin.h>
#include <math.h>
#include <string.h>

#define RMAX 4 /* activation rows per tile */
#define GMAX 4 /* groups of 16 outputs per tile */
#define NSUM 2048 /* per-call buffer of -128 * block sums (ints) */

#define FORCE_INLINE static inline __attribute__((always_inline))

static inline int32_t ld32(const int8_t *p) {
    int32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* -128 * sum of each block of 32 activations, rows [0, n) of x (stride cols). */
static void block_sums(int32_t *ns, const int8_t *x, int n, int cols) {
    int nb = cols / QK;
    const __m256i bias = _mm256_set1_epi8((char)0x80);
    for (int r = 0; r < n; r++) {
        for (int b = 0; b < nb; b++) {
            /* sum (x+128) over 32 bytes with psadbw, then subtract 32*128 */
            __m256i v = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(x + (size_t)r * cols + b * QK)), bias);
            __m256i s = _mm256_sad_epu8(v, _mm256_setzero_si256());
            __m128i t = _mm_add_epi64(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
            t = _mm_add_epi64(t, _mm_unpackhi_epi64(t, t));
            int32_t sum = _mm_cvtsi128_si32(t) - 32 * 128;
            ns[r * nb + b] = -128 * sum;
        }
    }
}

/* R rows x G groups: Y[r][16g + l] for lanes in mask mk[g]. */
FORCE_INLINE void tile(float *Y, int ldy, const int8_t *xq, const float *xd, const int32_t *ns, int cols, int nb,
                       const uint8_t *pk, size_t gstride, const __mmask16 *mk, int R, int G) {
    __m512 acc[RMAX][GMAX];
#pragma GCC unroll 4
    for (int r = 0; r < R; r++)
#pragma GCC unroll 4
        for (int g = 0; g < G; g++) acc[r][g] = _mm512_setzero_ps();
    for (int b = 0; b < nb; b++) {
        const uint8_t *p = pk + (size_t)b * KPACK_BYTES;
        __m512i s[RMAX][GMAX];
#pragma GCC unroll 4
        for (int r = 0; r < R; r++) {
            __m512i c = _mm512_set1_epi32(ns[r * nb + b]);
#pragma GCC unroll 4
            for (int g = 0; g < G; g++) s[r][g] = c;
        }
        if (R == 1) { /* one row: two chains of 4 per group for latency; integer adds are exact */
            __m512i t[GMAX];
#pragma GCC unroll 4
            for (int g = 0; g < G; g++) t[g] = _mm512_setzero_si512();
#pragma GCC unroll 8
            for (int j = 0; j < QK / 4; j += 2) {
                __m512i x0 = _mm512_set1_epi32(ld32(xq + b * QK + 4 * j));
                __m512i x1 = _mm512_set1_epi32(ld32(xq + b * QK + 4 * j + 4));
#pragma GCC unroll 4
                for (int g = 0; g < G; g++) {
                    const uint8_t *pg = p + g * gstride + 64 * j;
                    s[0][g] = _mm512_dpbusd_epi32(s[0][g], _mm512_load_si512((const void *)pg), x0);
                    t[g] = _mm512_dpbusd_epi32(t[g], _mm512_load_si512((const void *)(pg + 64)), x1);
                }
            }
#pragma GCC unroll 4
            for (int g = 0; g < G; g++) s[0][g] = _mm512_add_epi32(s[0][g], t[g]);
        } else {
#pragma GCC unroll 8
            for (int j = 0; j < QK / 4; j++) {
#pragma GCC unroll 4
                for (int g = 0; g < G; g++) {
                    __m512i w = _mm512_load_si512((const void *)(p + g * gstride + 64 * j));
#pragma GCC unroll 4
                    for (int r = 0; r < R; r++)
                        s[r][g] = _mm512_dpbusd_epi32(s[r][g], w,
                                                      _mm512_set1_epi32(ld32(xq + (size_t)r * cols + b * QK + 4 * j)));
                }
            }
        }
#pragma GCC unroll 4
        for (int g = 0; g < G; g++) {
            __m512 wd = _mm512_load_ps((const void *)(p + g * gstride + 512));
#pragma GCC unroll 4
            for (int r = 0; r < R; r++) {
                __m512 sc = _mm512_mul_ps(_mm512_set1_ps(xd[r * nb + b]), wd);
                acc[r][g] = _mm512_add_ps(acc[r][g], _mm512_mul_ps(_mm512_cvtepi32_ps(s[r][g]), sc));
            }
        }
    }
#pragma GCC unroll 4
    for (int r = 0; r < R; r++)
#pragma GCC unroll 4
        for (int g = 0; g < G; g++) _mm512_mask_storeu_ps(Y + (size_t)r * ldy + 16 * g, mk[g], acc[r][g]);
}

/* Rows [0, n) (n <= what ns holds) against groups covering outputs [o0, o1). */
static void rows_groups(float *Y, int ldy, const int8_t *xq, const float *xd, const int32_t *ns, int n,
                        const qmat *W, int o0, int o1) {
    int cols = W->cols, nb = cols / QK;
    size_t gstride = (size_t)nb * KPACK_BYTES;
    int g0 = o0 / KPACK_ROWS, g1 = (o1 + KPACK_ROWS - 1) / KPACK_ROWS;
    for (int g = g0; g < g1;) {
        int G = g1 - g >= 4 && n < 4 ? 4 : g + 1 < g1 ? 2 : 1;
        __mmask16 mk[GMAX];
        for (int k = 0; k < G; k++) {
            int base = (g + k) * KPACK_ROWS, lo = o0 - base, hi = o1 - base;
            if (lo < 0) lo = 0;
            if (hi > KPACK_ROWS) hi = KPACK_ROWS;
            mk[k] = (__mmask16)(((1u << hi) - 1u) & ~((1u << lo) - 1u));
        }
        const uint8_t *pk = W->pk + (size_t)g * gstride;
        float *y = Y + (size_t)g * KPACK_ROWS;
        int r = 0;
        if (G == 4) {
            for (; r < n; r++)
                tile(y + (size_t)r * ldy, ldy, xq + (size_t)r * cols, xd + (size_t)r * nb, ns + r * nb, cols, nb, pk,
                     gstride, mk, 1, 4);
        } else if (G == 2) {
            for (; r + 4 <= n; r += 4)
                tile(y + (size_t)r * ldy, ldy, xq + (size_t)r * cols, xd + (size_t)r * nb, ns + r * nb, cols, nb, pk,
                     gstride, mk, 4, 2);
            for (; r + 2 <= n; r += 2)
                tile(y + (size_t)r * ldy, ldy, xq + (size_t)r * cols, xd + (size_t)r * nb, ns + r * nb, cols, nb, pk,
                     gstride, mk, 2, 2);
            for (; r < n; r++)
                tile(y + (size_t)r * ldy, ldy, xq + (size_t)r * cols, xd + (size_t)r * nb, ns + r * nb, cols, nb, pk,
                     gstride, mk, 1, 2);
        } else {
            for (; r + 4 <= n; r += 4)
                tile(y + (size_t)r * ldy, ldy, xq + (size_t)r * cols, xd + (size_t)r * nb, ns + r * nb, cols, nb, pk,
                     gstride, mk, 4, 1);
            for (; r < n; r++)
                tile(y + (size_t)r * ldy, ldy, xq + (size_t)r * cols, xd + (size_t)r * nb, ns + r * nb, cols, nb, pk,
                     gstride, mk, 1, 1);
        }
        g += G;
    }
}

/* Numerics version 3's product (kernels.h, matmul_f): the 16 lanes in one register; each weight row's block
** converted once for up to 4 activation rows. */
static inline __m512 cvt16(const int8_t *q) { return _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(const void *)q))); }

static inline float lanes16_sum512(__m512 a) { /* kernels.h's order: lanes j + j+8, j + j+4, j + j+2, 0 + 1 */
    __m256 a8 = _mm256_add_ps(_mm512_castps512_ps256(a), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(a), 1)));
    __m128 a4 = _mm_add_ps(_mm256_castps256_ps128(a8), _mm256_extractf128_ps(a8, 1));
    __m128 a2 = _mm_add_ps(a4, _mm_movehl_ps(a4, a4));
    return _mm_cvtss_f32(_mm_add_ss(a2, _mm_shuffle_ps(a2, a2, 1)));
}

/* 16 of the file's float weights from row-major index i, exactly (kern_fw_at's values) */
static inline __m512 fw16(const qmat *W, size_t i) {
    if (W->fw_type == QW_F32) return _mm512_loadu_ps((const float *)(const void *)(W->fw + 4 * i));
    __m256i h = _mm256_loadu_si256((const __m256i *)(const void *)(W->fw + 2 * i));
    if (W->fw_type == QW_F16) return _mm512_cvtph_ps(h);
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16)); /* BF16 */
}

/* fw: a constant where it is inlined (matmul_f_avx512), so each kind of weights gets a loop of its own */
FORCE_INLINE void matmul_f_rows(float *Y, int ldy, const float *X, int n, const qmat *W, int o0, int o1, const int fw) {
    int cols = W->cols, nb = cols / QK;
    for (int o = o0; o < o1; o++) {
        for (int r0 = 0; r0 < n; r0 += 4) {
            int R = n - r0 < 4 ? n - r0 : 4;
            __m512 a[4];
            for (int k = 0; k < 4; k++) a[k] = _mm512_setzero_ps();
            for (int b = 0; b < nb; b++) {
                size_t wi = (size_t)o * cols + (size_t)b * QK;
                __m512 w0 = fw ? fw16(W, wi) : cvt16(W->q + wi), w1 = fw ? fw16(W, wi + 16) : cvt16(W->q + wi + 16);
                __m512 sc = _mm512_set1_ps(fw ? 1.0f : W->d[(size_t)o * nb + b]); /* fw: no block scale (s * 1 is s) */
                for (int k = 0; k < R; k++) {
                    const float *x = X + (size_t)(r0 + k) * cols + (size_t)b * QK;
                    __m512 s = _mm512_add_ps(_mm512_mul_ps(w0, _mm512_loadu_ps(x)), _mm512_mul_ps(w1, _mm512_loadu_ps(x + 16)));
                    a[k] = _mm512_add_ps(a[k], _mm512_mul_ps(s, sc));
                }
            }
            for (int k = 0; k < R; k++) Y[(size_t)(r0 + k) * ldy + o] = lanes16_sum512(a[k]);
        }
    }
}

static void matmul_f_avx512(float *Y, int ldy, const float *X, int n, const qmat *W, int o0, int o1) {
    if (W->fw)
        matmul_f_rows(Y, ldy, X, n, W, o0, o1, 1);
    else
        matmul_f_rows(Y, ldy, X, n, W, o0, o1, 0);
}

static void matmul_avx512(float *Y, int ldy, const qact *X, const qmat *W, int o0, int o1) {
    int cols = W->cols, nb = cols / QK, n = X->n;
    if (!W->pk || nb > NSUM || o0 >= o1) {
        if (o0 < o1) kern_matmul_avx2(Y, ldy, X, W, o0, o1);
        return;
    }
    int32_t ns[NSUM];
    int chunk = NSUM / nb;
    for (int r0 = 0; r0 < n; r0 += chunk) {
        int m = n - r0 < chunk ? n - r0 : chunk;
        const int8_t *xq = X->q + (size_t)r0 * cols;
        const float *xd = X->d + (size_t)r0 * nb;
        block_sums(ns, xq, m, cols);
        rows_groups(Y + (size_t)r0 * ldy, ldy, xq, xd, ns, m, W, o0, o1);
    }
}

/* Lanes [0, k) of 16 (k may be <= 0 or > 16). */
static inline __mmask16 lanes(int k) { return k <= 0 ? 0 : k >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << k) - 1u); }

/* scores for positions [t0, t0 + 16*V), masked to t < T: V independent chains, each in the reference's order. */
FORCE_INLINE void scores_tile(float *att, const float *q, const float *kt, int hd, int T, int ld, float scale, int t0,
                              int V) {
    __m512 acc[8];
    __mmask16 m[8];
#pragma GCC unroll 8
    for (int k = 0; k < V; k++) {
        acc[k] = _mm512_setzero_ps();
        m[k] = lanes(T - t0 - 16 * k);
    }
    for (int i = 0; i < hd; i++) {
        __m512 qi = _mm512_set1_ps(q[i]);
        const float *row = kt + (size_t)i * ld + t0;
#pragma GCC unroll 8
        for (int k = 0; k < V; k++)
            acc[k] = _mm512_add_ps(acc[k], _mm512_mul_ps(qi, _mm512_maskz_loadu_ps(m[k], row + 16 * k)));
    }
    __m512 sc = _mm512_set1_ps(scale);
#pragma GCC unroll 8
    for (int k = 0; k < V; k++) _mm512_mask_storeu_ps(att + t0 + 16 * k, m[k], _mm512_mul_ps(acc[k], sc));
}

static void scores_avx512(float *att, const float *q, const float *kt, int hd, int T, int ld, float scale) {
    for (int t0 = 0; t0 < T; t0 += 128) {
        int v = (T - t0 + 15) / 16;
        switch (v < 8 ? v : 8) {
        case 8: scores_tile(att, q, kt, hd, T, ld, scale, t0, 8); break;
        case 7: scores_tile(att, q, kt, hd, T, ld, scale, t0, 7); break;
        case 6: scores_tile(att, q, kt, hd, T, ld, scale, t0, 6); break;
        case 5: scores_tile(att, q, kt, hd, T, ld, scale, t0, 5); break;
        case 4: scores_tile(att, q, kt, hd, T, ld, scale, t0, 4); break;
        case 3: scores_tile(att, q, kt, hd, T, ld, scale, t0, 3); break;
        case 2: scores_tile(att, q, kt, hd, T, ld, scale, t0, 2); break;
        default: scores_tile(att, q, kt, hd, T, ld, scale, t0, 1); break;
        }
    }
}

/* mix for outputs [i0, i0 + 16*V), masked to i < hd. */
FORCE_INLINE void mix_tile(float *o, const float *att, const float *v, int hd, int T, int ld, float inv, int i0,
                           int V) {
    __m512 acc[4];
    __mmask16 m[4];
#pragma GCC unroll 4
    for (int k = 0; k < V; k++) {
        acc[k] = _mm512_setzero_ps();
        m[k] = lanes(hd - i0 - 16 * k);
    }
    for (int t = 0; t < T; t++) {
        __m512 w = _mm512_set1_ps(att[t] * inv);
        const float *row = v + (size_t)t * ld + i0;
#pragma GCC unroll 4
        for (int k = 0; k < V; k++)
            acc[k] = _mm512_add_ps(acc[k], _mm512_mul_ps(w, _mm512_maskz_loadu_ps(m[k], row + 16 * k)));
    }
#pragma GCC unroll 4
    for (int k = 0; k < V; k++) _mm512_mask_storeu_ps(o + i0 + 16 * k, m[k], acc[k]);
}

static void mix_avx512(float *o, const float *att, const float *v, int hd, int T, int ld, float inv) {
    for (int i0 = 0; i0 < hd; i0 += 64) {
        int nv = (hd - i0 + 15) / 16;
        if (nv >= 4) mix_tile(o, att, v, hd, T, ld, inv, i0, 4);
        else if (nv == 3) mix_tile(o, att, v, hd, T, ld, inv, i0, 3);
        else if (nv == 2) mix_tile(o, att, v, hd, T, ld, inv, i0, 2);
        else mix_tile(o, att, v, hd, T, ld, inv, i0, 1);
    }
}

/* Numerics version 2: int8 keys and values, a scale per block of QK (kernels.h). */
static inline __m512 i8x16(__mmask16 m, const int8_t *p) {
    return _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(m, p)));
}

FORCE_INLINE void scores8_tile(float *att, const float *q, const int8_t *kt, const float *kd, int hd, int T, int ld,
                               int off, float scale, int t0, int V) {
    __m512 acc[8], p[8];
    __mmask16 m[8];
#pragma GCC unroll 8
    for (int k = 0; k < V; k++) {
        acc[k] = _mm512_setzero_ps();
        m[k] = lanes(T - t0 - 16 * k);
    }
    for (int i0 = 0, g = 0; i0 < hd; g++) {
        int i1 = i0 + (g == 0 ? QK - off : QK);
        if (i1 > hd) i1 = hd;
#pragma GCC unroll 8
        for (int k = 0; k < V; k++) p[k] = _mm512_setzero_ps();
        for (int i = i0; i < i1; i++) {
            __m512 qi = _mm512_set1_ps(q[i]);
            const int8_t *row = kt + (size_t)i * ld + t0;
#pragma GCC unroll 8
            for (int k = 0; k < V; k++) p[k] = _mm512_add_ps(p[k], _mm512_mul_ps(qi, i8x16(m[k], row + 16 * k)));
        }
        const float *dr = kd + (size_t)g * ld + t0;
#pragma GCC unroll 8
        for (int k = 0; k < V; k++)
            acc[k] = _mm512_add_ps(acc[k], _mm512_mul_ps(p[k], _mm512_maskz_loadu_ps(m[k], dr + 16 * k)));
        i0 = i1;
    }
    __m512 sc = _mm512_set1_ps(scale);
#pragma GCC unroll 8
    for (int k = 0; k < V; k++) _mm512_mask_storeu_ps(att + t0 + 16 * k, m[k], _mm512_mul_ps(acc[k], sc));
}

static void scores8_avx512(float *att, const float *q, const int8_t *kt, const float *kd, int hd, int T, int ld, int off,
                           float scale) {
    for (int t0 = 0; t0 < T; t0 += 128) {
        int v = (T - t0 + 15) / 16;
        switch (v < 8 ? v : 8) {
        case 8: scores8_tile(att, q, kt, kd, hd, T, ld, off, scale, t0, 8); break;
        case 7: scores8_tile(att, q, kt, kd, hd, T, ld, off, scale, t0, 7); break;
        case 6: scores8_tile(att, q, kt, kd, hd, T, ld, off, scale, t0, 6); break;
        case 5: scores8_tile(att, q, kt, kd, hd, T, ld, off, scale, t0, 5); break;
        case 4: scores8_tile(att, q, kt, kd, hd, T, ld, off, scale, t0, 4); break;
        case 3: scores8_tile(att, q, kt, kd, hd, T, ld, off, scale, t0, 3); break;
        case 2: scores8_tile(att, q, kt, kd, hd, T, ld, off, scale, t0, 2); break;
        default: scores8_tile(att, q, kt, kd, hd, T, ld, off, scale, t0, 1); break;
        }
    }
}

/* Outputs [i0, i0 + 16*V) masked to i < hd, each vector inside one block (off = 0, i0 a multiple of 16). */
FORCE_INLINE void mix8_tile(float *o, const float *att, const int8_t *v, const float *vd, int hd, int T, int ld, int ldd,
                            float inv, int i0, int V) {
    __m512 acc[4];
    __mmask16 m[4];
#pragma GCC unroll 4
    for (int k = 0; k < V; k++) {
        acc[k] = _mm512_setzero_ps();
        m[k] = lanes(hd - i0 - 16 * k);
    }
    const float *dr = vd + i0 / QK; /* vectors 0, 1 in this block, 2, 3 in the next (QK = 32, i0 % 64 = 0) */
    for (int t = 0; t < T; t++, dr += ldd) {
        float w = att[t] * inv;
        const int8_t *row = v + (size_t)t * ld + i0;
        __m512 wb[2];
        wb[0] = _mm512_set1_ps(w * dr[0]);
        if (V > 2) wb[1] = _mm512_set1_ps(w * dr[1]);
#pragma GCC unroll 4
        for (int k = 0; k < V; k++) acc[k] = _mm512_add_ps(acc[k], _mm512_mul_ps(wb[k >> 1], i8x16(m[k], row + 16 * k)));
    }
#pragma GCC unroll 4
    for (int k = 0; k < V; k++) _mm512_mask_storeu_ps(o + i0 + 16 * k, m[k], acc[k]);
}

static void mix8_avx512(float *o, const float *att, const int8_t *v, const float *vd, int hd, int T, int ld, int ldd,
                        int off, float inv) {
    if (off != 0) { /* a head that starts inside a block (head_dim not a multiple of QK): rare, the reference */
        kern_mix8_ref(o, att, v, vd, hd, T, ld, ldd, off, inv);
        return;
    }
    for (int i0 = 0; i0 < hd; i0 += 64) {
        int nv = (hd - i0 + 15) / 16;
        if (nv >= 4) mix8_tile(o, att, v, vd, hd, T, ld, ldd, inv, i0, 4);
        else if (nv == 3) mix8_tile(o, att, v, vd, hd, T, ld, ldd, inv, i0, 3);
        else if (nv == 2) mix8_tile(o, att, v, vd, hd, T, ld, ldd, inv, i0, 2);
        else mix8_tile(o, att, v, vd, hd, T, ld, ldd, inv, i0, 1);
    }
}

/* R rows of one sequence: each key vector widened once for all of them; per row, the chains of scores8_tile. */
FORCE_INLINE void scores8_rows_tile(float *att, int lda, const float *q, int ldq, const int8_t *kt, const float *kd,
                                    int hd, int T, int ld, int off, float scale, int t0, int R, int V) {
    __m512 acc[KV8_ROWS][2], p[KV8_ROWS][2], kk[2];
    __mmask16 m[2];
#pragma GCC unroll 2
    for (int k = 0; k < V; k++) {
        m[k] = lanes(T - t0 - 16 * k);
#pragma GCC unroll 4
        for (int r = 0; r < R; r++) acc[r][k] = _mm512_setzero_ps();
    }
    for (int i0 = 0, g = 0; i0 < hd; g++) {
        int i1 = i0 + (g == 0 ? QK - off : QK);
        if (i1 > hd) i1 = hd;
#pragma GCC unroll 4
        for (int r = 0; r < R; r++)
#pragma GCC unroll 2
            for (int k = 0; k < V; k++) p[r][k] = _mm512_setzero_ps();
        for (int i = i0; i < i1; i++) {
            const int8_t *row = kt + (size_t)i * ld + t0;
#pragma GCC unroll 2
            for (int k = 0; k < V; k++) kk[k] = i8x16(m[k], row + 16 * k);
#pragma GCC unroll 4
            for (int r = 0; r < R; r++) {
                __m512 qi = _mm512_set1_ps(q[(size_t)r * ldq + i]);
#pragma GCC unroll 2
                for (int k = 0; k < V; k++) p[r][k] = _mm512_add_ps(p[r][k], _mm512_mul_ps(qi, kk[k]));
            }
        }
        const float *dr = kd + (size_t)g * ld + t0;
#pragma GCC unroll 2
        for (int k = 0; k < V; k++) {
            __m512 dk = _mm512_maskz_loadu_ps(m[k], dr + 16 * k);
#pragma GCC unroll 4
            for (int r = 0; r < R; r++) acc[r][k] = _mm512_add_ps(acc[r][k], _mm512_mul_ps(p[r][k], dk));
        }
        i0 = i1;
    }
    __m512 sc = _mm512_set1_ps(scale);
#pragma GCC unroll 4
    for (int r = 0; r < R; r++)
#pragma GCC unroll 2
        for (int k = 0; k < V; k++)
            _mm512_mask_storeu_ps(att + (size_t)r * lda + t0 + 16 * k, m[k], _mm512_mul_ps(acc[r][k], sc));
}

FORCE_INLINE void scores8_rows_r(float *att, int lda, const float *q, int ldq, const int8_t *kt, const float *kd, int hd,
                                 int T, int ld, int off, float scale, int R) {
    int t0 = 0;
    for (; t0 + 16 < T; t0 += 32) scores8_rows_tile(att, lda, q, ldq, kt, kd, hd, T, ld, off, scale, t0, R, 2);
    if (t0 < T) scores8_rows_tile(att, lda, q, ldq, kt, kd, hd, T, ld, off, scale, t0, R, 1);
}

static void scores8_rows_avx512(float *att, int lda, const float *q, int ldq, int R, const int8_t *kt, const float *kd,
                                int hd, int T, int ld, int off, float scale) {
    switch (R) {
    case 4: scores8_rows_r(att, lda, q, ldq, kt, kd, hd, T, ld, off, scale, 4); break;
    case 3: scores8_rows_r(att, lda, q, ldq, kt, kd, hd, T, ld, off, scale, 3); break;
    case 2: scores8_rows_r(att, lda, q, ldq, kt, kd, hd, T, ld, off, scale, 2); break;
    default:
        for (int r = 0; r < R; r++) scores8_avx512(att + (size_t)r * lda, q + (size_t)r * ldq, kt, kd, hd, T, ld, off, scale);
    }
}

/* R rows over outputs [i0, i0 + 64) (off = 0, i0 % 64 = 0, hd >= i0 + 64): each value vector widened once; row r
** adds positions t < T[r] only, each output's sum in order of t as in mix8_tile. */
FORCE_INLINE void mix8_rows_tile(float *o, int ldo, const float *att, int lda, const int *T, const float *inv,
                                 const int8_t *v, const float *vd, int ld, int ldd, int i0, int R) {
    __m512 acc[KV8_ROWS][4], vv[4];
    int tmax = 0;
#pragma GCC unroll 4
    for (int r = 0; r < R; r++) {
        tmax = T[r] > tmax ? T[r] : tmax;
#pragma GCC unroll 4
        for (int k = 0; k < 4; k++) acc[r][k] = _mm512_setzero_ps();
    }
    const float *dr = vd + i0 / QK;
    for (int t = 0; t < tmax; t++, dr += ldd) {
        const int8_t *row = v + (size_t)t * ld + i0;
#pragma GCC unroll 4
        for (int k = 0; k < 4; k++) vv[k] = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(const void *)(row + 16 * k))));
#pragma GCC unroll 4
        for (int r = 0; r < R; r++) {
            if (t >= T[r]) continue;
            float w = att[(size_t)r * lda + t] * inv[r];
            __m512 w0 = _mm512_set1_ps(w * dr[0]), w1 = _mm512_set1_ps(w * dr[1]);
            acc[r][0] = _mm512_add_ps(acc[r][0], _mm512_mul_ps(w0, vv[0]));
            acc[r][1] = _mm512_add_ps(acc[r][1], _mm512_mul_ps(w0, vv[1]));
            acc[r][2] = _mm512_add_ps(acc[r][2], _mm512_mul_ps(w1, vv[2]));
            acc[r][3] = _mm512_add_ps(acc[r][3], _mm512_mul_ps(w1, vv[3]));
        }
    }
#pragma GCC unroll 4
    for (int r = 0; r < R; r++)
#pragma GCC unroll 4
        for (int k = 0; k < 4; k++) _mm512_storeu_ps(o + (size_t)r * ldo + i0 + 16 * k, acc[r][k]);
}

static void mix8_rows_avx512(float *o, int ldo, const float *att, int lda, const int *T, const float *inv, int R,
                             const int8_t *v, const float *vd, int hd, int ld, int ldd, int off) {
    if (off != 0 || hd % 64 != 0 || R < 2 || R > KV8_ROWS) { /* rows one by one */
        for (int r = 0; r < R; r++)
            mix8_avx512(o + (size_t)r * ldo, att + (size_t)r * lda, v, vd, hd, T[r], ld, ldd, off, inv[r]);
        return;
    }
    for (int i0 = 0; i0 < hd; i0 += 64) {
        if (R == 4) mix8_rows_tile(o, ldo, att, lda, T, inv, v, vd, ld, ldd, i0, 4);
        else if (R == 3) mix8_rows_tile(o, ldo, att, lda, T, inv, v, vd, ld, ldd, i0, 3);
        else mix8_rows_tile(o, ldo, att, lda, T, inv, v, vd, ld, ldd, i0, 2);
    }
}

/* det_expf (detmath.h) on 16 lanes: the same operations in the same order, so the same bits. */
static inline __m512 expf16(__m512 x) {
    __mmask16 valid = _mm512_cmp_ps_mask(x, _mm512_set1_ps(DET_EXPF_MIN), _CMP_GE_OQ); /* false for NaN too */
    x = _mm512_min_ps(x, _mm512_set1_ps(DET_EXPF_MAX));
    __m512 kf = _mm512_mul_ps(x, _mm512_set1_ps(DET_LOG2E));
    __m512 half = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(kf, _mm512_setzero_ps(), _CMP_GE_OQ),
                                       _mm512_set1_ps(-0.5f), _mm512_set1_ps(0.5f));
    __m512i k = _mm512_cvttps_epi32(_mm512_add_ps(kf, half));
    __m512 fk = _mm512_cvtepi32_ps(k);
    __m512 r = _mm512_sub_ps(x, _mm512_mul_ps(fk, _mm512_set1_ps(DET_LN2_HI)));
    r = _mm512_sub_ps(r, _mm512_mul_ps(fk, _mm512_set1_ps(DET_LN2_LO)));
    __m512 p;
    DET_EXPF_POLY(p, r, _mm512_mul_ps, _mm512_add_ps, _mm512_set1_ps);
    /* for invalid lanes k may be garbage; those lanes are zeroed below */
    __m512 sc = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(k, _mm512_set1_epi32(127)), 23));
    return _mm512_maskz_mov_ps(valid, _mm512_mul_ps(p, sc));
}

static void expsub_avx512(float *x, int n, float m) {
    __m512 mv = _mm512_set1_ps(m);
    for (int i = 0; i < n; i += 16) {
        __mmask16 k = lanes(n - i);
        _mm512_mask_storeu_ps(x + i, k, expf16(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, x + i), mv)));
    }
}

static void silu_mul_avx512(float *h, const float *u, int n) {
    for (int i = 0; i < n; i += 16) {
        __mmask16 k = lanes(n - i);
        __m512 g = _mm512_maskz_loadu_ps(k, h + i);
        /* -g: flips the sign bit, as C negation does */
        __m512 e = expf16(_mm512_castsi512_ps(
            _mm512_xor_si512(_mm512_castps_si512(g), _mm512_set1_epi32((int)0x80000000u))));
        __m512 sg = _mm512_div_ps(g, _mm512_add_ps(_mm512_set1_ps(1.0f), e));
        _mm512_mask_storeu_ps(h + i, k, _mm512_mul_ps(sg, _mm512_maskz_loadu_ps(k, u + i)));
    }
}

static int64_t freq_fill_avx512(uint32_t *f, const float *e, int n, double k, int *best) {
    __m512d kv = _mm512_set1_pd(k);
    __m512i one = _mm512_set1_epi32(1), mx = _mm512_setzero_si512(), s64 = _mm512_setzero_si512();
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 ev = _mm512_loadu_ps(e + i);
        __m256i lo = _mm512_cvttpd_epu32(_mm512_mul_pd(_mm512_cvtps_pd(_mm512_castps512_ps256(ev)), kv));
        __m256i hi = _mm512_cvttpd_epu32(
            _mm512_mul_pd(_mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(ev), 1))), kv));
        __m512i v = _mm512_add_epi32(_mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1), one);
        _mm512_storeu_si512((void *)(f + i), v);
        mx = _mm512_max_epu32(mx, v);
        s64 = _mm512_add_epi64(s64, _mm512_add_epi64(_mm512_cvtepu32_epi64(lo), _mm512_cvtepu32_epi64(hi)));
    }
    int64_t sum = _mm512_reduce_add_epi64(s64) + i; /* + 1 per element */
    uint32_t m = _mm512_reduce_max_epu32(mx);
    for (; i < n; i++) {
        uint32_t v = 1 + (uint32_t)((double)e[i] * k);
        f[i] = v;
        sum += v;
        if (v > m) m = v;
    }
    __m512i mv = _mm512_set1_epi32((int)m);
    int b = 0;
    for (i = 0; i + 16 <= n; i += 16) {
        __mmask16 hit = _mm512_cmpeq_epi32_mask(_mm512_loadu_si512((const void *)(f + i)), mv);
        if (hit) {
            b = i + __builtin_ctz(hit);
            break;
        }
    }
    if (i + 16 > n)
        for (b = i; b < n && f[b] != m; b++) {
        }
    *best = b < n ? b : 0;
    return sum;
}

static uint64_t take_avx512(uint32_t *dst, const uint32_t *src, int n, uint32_t b) {
    __m512i bv = _mm512_set1_epi32((int)b), lo16 = _mm512_set1_epi32(0xffff), s64 = _mm512_setzero_si512();
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512i v = _mm512_loadu_si512((const void *)(src + i));
        __m512i t = _mm512_add_epi32(_mm512_mullo_epi32(_mm512_srli_epi32(v, 16), bv),
                                     _mm512_srli_epi32(_mm512_mullo_epi32(_mm512_and_si512(v, lo16), bv), 16));
        _mm512_storeu_si512((void *)(dst + i), _mm512_sub_epi32(v, t));
        s64 = _mm512_add_epi64(s64, _mm512_add_epi64(_mm512_cvtepu32_epi64(_mm512_castsi512_si256(t)),
                                                     _mm512_cvtepu32_epi64(_mm512_extracti64x4_epi64(t, 1))));
    }
    return (uint64_t)_mm512_reduce_add_epi64(s64) + kern_take_ref(dst + i, src + i, n - i, b);
}

/* v's prefix sums (within the vector by shifted adds of 1, 2, 4, 8 lanes) plus *carry into cum; *carry becomes the
** last: integer additions, so the same values as a one-by-one sum. */
static inline void prefix16(uint32_t *cum, __m512i v, __m512i *carry) {
    const __m512i z = _mm512_setzero_si512();
    v = _mm512_add_epi32(v, _mm512_alignr_epi32(v, z, 15));
    v = _mm512_add_epi32(v, _mm512_alignr_epi32(v, z, 14));
    v = _mm512_add_epi32(v, _mm512_alignr_epi32(v, z, 12));
    v = _mm512_add_epi32(v, _mm512_alignr_epi32(v, z, 8));
    v = _mm512_add_epi32(v, *carry);
    _mm512_storeu_si512((void *)cum, v);
    *carry = _mm512_permutexvar_epi32(_mm512_set1_epi32(15), v);
}

/* 8 terms of cumsum_perm from the 8 values x (zero-extended to 64 bits): g, then 1 for g = 0, g mod 2^32 else. */
static inline __m256i scale8(__m512i x, __m512i q, __m512i lo) {
    __m512i g = _mm512_add_epi64(_mm512_mul_epu32(x, q), _mm512_srli_epi64(_mm512_mul_epu32(x, lo), 32));
    __mmask8 zero = _mm512_cmpeq_epi64_mask(g, _mm512_setzero_si512());
    return _mm512_cvtepi64_epi32(_mm512_mask_blend_epi64(zero, g, _mm512_set1_epi64(1)));
}

/* cumsum_perm 16 terms at a time: the values gathered, scaled in 64-bit lanes, top's replaced, then prefix16
** (method 4's two passes over the vocabulary per token, 6.8% of book2's decoding, now 4.1%). */
static void cumsum_perm_avx512(uint32_t *cum, const uint32_t *f, const int32_t *ids, int n, uint32_t q, uint32_t lo,
                               int32_t top, uint32_t ftop) {
    const __m512i qv = _mm512_set1_epi64(q), lov = _mm512_set1_epi64(lo), topv = _mm512_set1_epi32(top);
    const __m512i ftv = _mm512_set1_epi32((int)ftop);
    __m512i carry = _mm512_setzero_si512();
    int k = 0;
    cum[0] = 0;
    uint32_t g[16];
    for (; k + 16 <= n; k += 16) {
        __m512i id = _mm512_loadu_si512((const void *)(ids + k));
        for (int j = 0; j < 16; j++) g[j] = f[ids[k + j]]; /* scalar loads: a gather instruction took twice as long */
        __m512i x = _mm512_loadu_si512((const void *)g);
        __m256i a = scale8(_mm512_cvtepu32_epi64(_mm512_castsi512_si256(x)), qv, lov);
        __m256i b = scale8(_mm512_cvtepu32_epi64(_mm512_extracti64x4_epi64(x, 1)), qv, lov);
        __m512i v = _mm512_inserti64x4(_mm512_castsi256_si512(a), b, 1);
        v = _mm512_mask_blend_epi32(_mm512_cmpeq_epi32_mask(id, topv), v, ftv);
        prefix16(cum + k + 1, v, &carry);
    }
    kern_cumsum_perm_from(cum, f, ids, k, n, q, lo, top, ftop); /* the tail, one by one */
}

/* Prefix sums 16 at a time (prefix16). */
static void cumsum_avx512(uint32_t *cum, const uint32_t *f, int n) {
    __m512i carry = _mm512_setzero_si512();
    int i = 0;
    cum[0] = 0;
    for (; i + 16 <= n; i += 16) prefix16(cum + i + 1, _mm512_loadu_si512((const void *)(f + i)), &carry);
    uint32_t c = cum[i];
    for (; i < n; i++) {
        c += f[i];
        cum[i + 1] = c;
    }
}

/* S + d[0] + d[1] + ... + d[c-1], one double addition at a time in lane order (c <= 8), lanes taken from
** the register (a reload of just-stored floats would stall on store forwarding). */
static inline double add_pair(double S, __m128d p, int c) { /* c >= 1 lanes of p, at most 2 */
    S = S + _mm_cvtsd_f64(p);
    return c > 1 ? S + _mm_cvtsd_f64(_mm_unpackhi_pd(p, p)) : S;
}

static inline double add_lanes(double S, __m512d d, int c) {
    __m512 f = _mm512_castpd_ps(d);
    S = add_pair(S, _mm_castps_pd(_mm512_extractf32x4_ps(f, 0)), c);
    if (c > 2) S = add_pair(S, _mm_castps_pd(_mm512_extractf32x4_ps(f, 1)), c - 2);
    if (c > 4) S = add_pair(S, _mm_castps_pd(_mm512_extractf32x4_ps(f, 2)), c - 4);
    if (c > 6) S = add_pair(S, _mm_castps_pd(_mm512_extractf32x4_ps(f, 3)), c - 6);
    return S;
}

/* exps 16 lanes at a time; each vector's lanes, widened exactly to double, are then added to S in order
** (the reference's chain; the next vector's exp overlaps with the chain's latency). */
static double expsum_avx512(float *e, const float *x, int n, float m) {
    __m512 mv = _mm512_set1_ps(m);
    double S = 0.0;
    for (int i = 0; i < n; i += 16) {
        __mmask16 k = lanes(n - i);
        __m512 ev = expf16(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, x + i), mv));
        _mm512_mask_storeu_ps(e + i, k, ev);
        int c = n - i < 16 ? n - i : 16;
        S = add_lanes(S, _mm512_cvtps_pd(_mm512_castps512_ps256(ev)), c < 8 ? c : 8);
        if (c > 8)
            S = add_lanes(S, _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(ev), 1))),
                          c - 8);
    }
    return S;
}

/* The bias step 16 lanes at a time (as bias_avx2), the tail masked. */
static float bias_avx512(float *b, float *out, const float *e, const float *l, float r, float lo, int n) {
    __m512 rv = _mm512_set1_ps(r), lov = _mm512_set1_ps(lo), m = _mm512_set1_ps(-INFINITY);
    __mmask16 nan = 0;
    for (int i = 0; i < n; i += 16) {
        __mmask16 k = lanes(n - i);
        __m512 x = _mm512_sub_ps(_mm512_maskz_loadu_ps(k, b + i), _mm512_mul_ps(rv, _mm512_maskz_loadu_ps(k, e + i)));
        x = _mm512_max_ps(lov, x);
        _mm512_mask_storeu_ps(b + i, k, x);
        __m512 o = _mm512_add_ps(_mm512_maskz_loadu_ps(k, l + i), x);
        _mm512_mask_storeu_ps(out + i, k, o);
        nan |= _mm512_mask_cmp_ps_mask(k, o, o, _CMP_UNORD_Q);
        m = _mm512_mask_max_ps(m, k, m, o);
    }
    float t[16];
    _mm512_storeu_ps(t, m);
    return kern_max_finish(t, 16, nan, out, n, n); /* as maxf finds it */
}

static const kernel_set AVX512 = {
    .name = "avx512",
    .matmul = matmul_avx512,
    .matmul_f = matmul_f_avx512,
    .quantize = kern_quantize_avx2,
    .scores = scores_avx512,
    .mix = mix_avx512,
    .scores8 = scores8_avx512,
    .mix8 = mix8_avx512,
    .scores8_rows = scores8_rows_avx512,
    .mix8_rows = mix8_rows_avx512,
    .expsub = expsub_avx512,
    .silu_mul = silu_mul_avx512,
    .maxf = kern_maxf_avx2,
    .freq_fill = freq_fill_avx512,
    .take = take_avx512,
    .cumsum = cumsum_avx512,
    .cumsum_perm = cumsum_perm_avx512,
    .expsum = expsum_avx512,
    .bias = bias_avx512,
    .mix_dot = kern_mix_dot_avx2, /* 28 and 8 inputs: AVX2's 8 lanes fit them better than 16 */
    .mix_train = kern_mix_train_avx2,
};

const kernel_set *kernels_avx512(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("avx512f") &&
                   __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
                   __builtin_cpu_supports("avx512vnni")
               ? &AVX512
               : 0;
}
#else
const kernel_set *kernels_avx512(void) { return 0; }
#endif
