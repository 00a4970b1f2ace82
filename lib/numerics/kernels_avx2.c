/*
** kernels_avx2.c -- AVX2 kernels.  Bit-identical to kernels.c (tests/unit/test_kernels.c checks with memcmp):
** integer block sums are exact in any order, and the float epilogue runs per output lane in the same
** order (scale product, product, add) as the reference, one IEEE rounding each, no FMA.
**
** matmul uses the AVX2 packed weights when the model loader made them (kern_pack on a CPU without AVX-512;
** layout KPACK2 in kernels.h): 8 outputs per 32-byte vector, so the block sums need no horizontal adds and
** the scales load contiguously; a tile is up to 2 activation rows x 2 groups (or 1 row x 4 groups), so each
** weight vector loaded serves both rows.  book1[:200K], 1 thread, on a 2-core AMD EPYC (Zen 3) without
** AVX-512: matmul 22-27 -> 32-49 GMAC/s (make bench-kernels), compression 14.2-14.7 -> 10.9-12.3 s.  Unpacked
** weights use 8 rows x 1 activation row with horizontal adds (matmul_rows).
*/
#include "numerics/kernels.h"

#if defined(__x86_64__) && defined(__AVX2__)
#include <immintrin.h>
#include <math.h>
#include <string.h>

#include "numerics/detmath.h"

/* 8 int32 vectors (one per output) -> one vector of their 8 horizontal sums, lanes in output order. */
static inline __m256i hsum8(__m256i v0, __m256i v1, __m256i v2, __m256i v3, __m256i v4, __m256i v5, __m256i v6,
                            __m256i v7) {
    __m256i a = _mm256_hadd_epi32(v0, v1); /* lo: 0 0 1 1 | hi: 0 0 1 1 */
    __m256i b = _mm256_hadd_epi32(v2, v3);
    __m256i c = _mm256_hadd_epi32(v4, v5);
    __m256i d = _mm256_hadd_epi32(v6, v7);
    __m256i ab = _mm256_hadd_epi32(a, b); /* lo: s0 s1 s2 s3 (low halves) | hi: same (high halves) */
    __m256i cd = _mm256_hadd_epi32(c, d); /* lo: s4..s7 | hi: s4..s7 */
    __m256i lo = _mm256_permute2x128_si256(ab, cd, 0x20);
    __m256i hi = _mm256_permute2x128_si256(ab, cd, 0x31);
    return _mm256_add_epi32(lo, hi);
}

static inline __m256i dot32(__m256i ax, __m256i sx, const int8_t *w) {
    /* x*w via |x| * (w with the sign of x); pair sums fit int16 since |x|,|w| <= 127 */
    __m256i wv = _mm256_loadu_si256((const __m256i *)w);
    __m256i p16 = _mm256_maddubs_epi16(ax, _mm256_sign_epi8(wv, sx));
    return _mm256_madd_epi16(p16, _mm256_set1_epi16(1));
}

/* One output block of 8 rows of W against activation row x: the reference's per-output order. */
static inline __m256 dot8(const int8_t *xq, const float *xd, const int8_t *w0, const float *wd0, int cols, int nb) {
    __m256 acc = _mm256_setzero_ps();
    for (int b = 0; b < nb; b++) {
        __m256i xv = _mm256_loadu_si256((const __m256i *)(xq + b * QK));
        __m256i ax = _mm256_sign_epi8(xv, xv);
        const int8_t *wb = w0 + b * QK;
        __m256i s = hsum8(dot32(ax, xv, wb), dot32(ax, xv, wb + cols), dot32(ax, xv, wb + 2 * (size_t)cols),
                          dot32(ax, xv, wb + 3 * (size_t)cols), dot32(ax, xv, wb + 4 * (size_t)cols),
                          dot32(ax, xv, wb + 5 * (size_t)cols), dot32(ax, xv, wb + 6 * (size_t)cols),
                          dot32(ax, xv, wb + 7 * (size_t)cols));
        const float *wd = wd0 + b;
        __m256 wdv = _mm256_set_ps(wd[7 * nb], wd[6 * nb], wd[5 * nb], wd[4 * nb], wd[3 * nb], wd[2 * nb], wd[nb],
                                   wd[0]);
        __m256 sc = _mm256_mul_ps(_mm256_set1_ps(xd[b]), wdv);
        acc = _mm256_add_ps(acc, _mm256_mul_ps(_mm256_cvtepi32_ps(s), sc));
    }
    return acc;
}

/* Unpacked weights: blocks of 8 weight rows (kept in L1) against each activation row. */
static void matmul_rows(float *Y, int ldy, const qact *X, const qmat *W, int o0, int o1) {
    int cols = W->cols, nb = cols / QK;
    int o = o0;
    for (; o + 8 <= o1; o += 8) {
        const int8_t *w0 = W->q + (size_t)o * cols;
        const float *wd0 = W->d + (size_t)o * nb;
        for (int r = 0; r < X->n; r++) {
            __m256 acc = dot8(X->q + (size_t)r * cols, X->d + (size_t)r * nb, w0, wd0, cols, nb);
            _mm256_storeu_ps(Y + (size_t)r * ldy + o, acc);
        }
    }
    if (o < o1) kern_matmul_ref(Y, ldy, X, W, o, o1);
}

#define FORCE_INLINE static inline __attribute__((always_inline))
#define RMAX 2 /* activation rows per tile */
#define GMAX 4 /* groups of 8 outputs per tile */

/* Packed weights (KPACK2 layout): R activation rows x G groups of 8 outputs.  Per block, for each 4 activations
** (broadcast to every lane) and group: vpsignb puts the activations' signs on the weights, vpmaddubsw multiplies
** by |x| (pairs fit int16: |x|, |w| <= 127), vpmaddwd adds pairs into the lanes' int32 sums, exact.  Then the
** reference's float epilogue lane-wise.  Y[r][8g + l] is stored for lanes l in [lo[g], hi[g]). */
FORCE_INLINE void tile2(float *Y, int ldy, const int8_t *xq, const float *xd, int cols, int nb, const int8_t *pk,
                        size_t gstride, const int *lo, const int *hi, int R, int G) {
    const __m256i ones = _mm256_set1_epi16(1);
    __m256 acc[RMAX][GMAX];
#pragma GCC unroll 2
    for (int r = 0; r < R; r++)
#pragma GCC unroll 4
        for (int g = 0; g < G; g++) acc[r][g] = _mm256_setzero_ps();
    for (int b = 0; b < nb; b++) {
        const int8_t *p = pk + (size_t)b * KPACK2_BYTES;
        __m256i s[RMAX][GMAX];
#pragma GCC unroll 2
        for (int r = 0; r < R; r++)
#pragma GCC unroll 4
            for (int g = 0; g < G; g++) s[r][g] = _mm256_setzero_si256();
#pragma GCC unroll 8
        for (int j = 0; j < QK / 4; j++) {
            __m256i xv[RMAX], ax[RMAX];
#pragma GCC unroll 2
            for (int r = 0; r < R; r++) {
                int32_t v;
                memcpy(&v, xq + (size_t)r * cols + b * QK + 4 * j, 4);
                xv[r] = _mm256_set1_epi32(v);
                ax[r] = _mm256_sign_epi8(xv[r], xv[r]);
            }
#pragma GCC unroll 4
            for (int g = 0; g < G; g++) {
                __m256i w = _mm256_load_si256((const __m256i *)(p + g * gstride + 32 * j));
#pragma GCC unroll 2
                for (int r = 0; r < R; r++)
                    s[r][g] = _mm256_add_epi32(
                        s[r][g], _mm256_madd_epi16(_mm256_maddubs_epi16(ax[r], _mm256_sign_epi8(w, xv[r])), ones));
            }
        }
#pragma GCC unroll 4
        for (int g = 0; g < G; g++) {
            __m256 wd = _mm256_load_ps((const float *)(p + g * gstride + 256));
#pragma GCC unroll 2
            for (int r = 0; r < R; r++) {
                __m256 sc = _mm256_mul_ps(_mm256_set1_ps(xd[r * nb + b]), wd);
                acc[r][g] = _mm256_add_ps(acc[r][g], _mm256_mul_ps(_mm256_cvtepi32_ps(s[r][g]), sc));
            }
        }
    }
#pragma GCC unroll 2
    for (int r = 0; r < R; r++)
#pragma GCC unroll 4
        for (int g = 0; g < G; g++) {
            float *y = Y + (size_t)r * ldy + 8 * g;
            if (lo[g] == 0 && hi[g] == 8) {
                _mm256_storeu_ps(y, acc[r][g]);
            } else {
                float t[8];
                _mm256_storeu_ps(t, acc[r][g]);
                for (int l = lo[g]; l < hi[g]; l++) y[l] = t[l];
            }
        }
}

/* Numerics version 3's product (kernels.h, matmul_f): the 16 lanes as two registers, lo = lanes 0-7, hi = 8-15; each
** weight row's block converted once for up to 4 activation rows. */
static inline __m256 cvt8(const int8_t *q) { return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(const void *)q))); }

/* a[j] + a[j+8], then + a[j+4], + a[j+2], a[0] + a[1] (kernels.h's order) */
static inline float lanes16_sum(__m256 lo, __m256 hi) {
    __m256 a8 = _mm256_add_ps(lo, hi);
    __m128 a4 = _mm_add_ps(_mm256_castps256_ps128(a8), _mm256_extractf128_ps(a8, 1));
    __m128 a2 = _mm_add_ps(a4, _mm_movehl_ps(a4, a4));
    return _mm_cvtss_f32(_mm_add_ss(a2, _mm_shuffle_ps(a2, a2, 1)));
}

/* 8 of the file's float weights from row-major index i, exactly (kern_fw_at's values; F16 through it: AVX2 alone
** has no half conversion) */
static inline __m256 fw8(const qmat *W, size_t i) {
    if (W->fw_type == QW_F32) return _mm256_loadu_ps((const float *)(const void *)(W->fw + 4 * i));
    if (W->fw_type == QW_BF16) {
        __m128i h = _mm_loadu_si128((const __m128i *)(const void *)(W->fw + 2 * i));
        return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
    }
    float t[8];
    for (int k = 0; k < 8; k++) t[k] = kern_fw_at(W, i + (size_t)k);
    return _mm256_loadu_ps(t);
}

/* fw: a constant where it is inlined (kern_matmul_f_avx2), so each kind of weights gets a loop of its own */
FORCE_INLINE void matmul_f_rows(float *Y, int ldy, const float *X, int n, const qmat *W, int o0, int o1, const int fw) {
    int cols = W->cols, nb = cols / QK;
    for (int o = o0; o < o1; o++) {
        for (int r0 = 0; r0 < n; r0 += 4) {
            int R = n - r0 < 4 ? n - r0 : 4;
            __m256 lo[4], hi[4];
            for (int k = 0; k < 4; k++) lo[k] = hi[k] = _mm256_setzero_ps();
            for (int b = 0; b < nb; b++) {
                size_t wi = (size_t)o * cols + (size_t)b * QK;
                const int8_t *q = W->q + wi;
                __m256 w0 = fw ? fw8(W, wi) : cvt8(q), w1 = fw ? fw8(W, wi + 8) : cvt8(q + 8);
                __m256 w2 = fw ? fw8(W, wi + 16) : cvt8(q + 16), w3 = fw ? fw8(W, wi + 24) : cvt8(q + 24);
                __m256 sc = _mm256_set1_ps(fw ? 1.0f : W->d[(size_t)o * nb + b]); /* fw: no block scale (s * 1 is s) */
                for (int k = 0; k < R; k++) {
                    const float *x = X + (size_t)(r0 + k) * cols + (size_t)b * QK;
                    __m256 sl = _mm256_add_ps(_mm256_mul_ps(w0, _mm256_loadu_ps(x)), _mm256_mul_ps(w2, _mm256_loadu_ps(x + 16)));
                    __m256 sh = _mm256_add_ps(_mm256_mul_ps(w1, _mm256_loadu_ps(x + 8)), _mm256_mul_ps(w3, _mm256_loadu_ps(x + 24)));
                    lo[k] = _mm256_add_ps(lo[k], _mm256_mul_ps(sl, sc));
                    hi[k] = _mm256_add_ps(hi[k], _mm256_mul_ps(sh, sc));
                }
            }
            for (int k = 0; k < R; k++) Y[(size_t)(r0 + k) * ldy + o] = lanes16_sum(lo[k], hi[k]);
        }
    }
}

void kern_matmul_f_avx2(float *Y, int ldy, const float *X, int n, const qmat *W, int o0, int o1) {
    if (W->fw)
        matmul_f_rows(Y, ldy, X, n, W, o0, o1, 1);
    else
        matmul_f_rows(Y, ldy, X, n, W, o0, o1, 0);
}

void kern_matmul_avx2(float *Y, int ldy, const qact *X, const qmat *W, int o0, int o1) {
    if (!W->pk2 || o0 >= o1) {
        if (o0 < o1) matmul_rows(Y, ldy, X, W, o0, o1);
        return;
    }
    int cols = W->cols, nb = cols / QK, n = X->n;
    size_t gstride = (size_t)nb * KPACK2_BYTES;
    int g1 = (o1 + KPACK2_ROWS - 1) / KPACK2_ROWS;
    for (int g = o0 / KPACK2_ROWS; g < g1;) {
        int G = g1 - g >= 4 ? 4 : g1 - g >= 2 ? 2 : 1, lo[GMAX], hi[GMAX];
        for (int k = 0; k < G; k++) {
            int base = (g + k) * KPACK2_ROWS;
            lo[k] = o0 > base ? o0 - base : 0;
            hi[k] = o1 - base < KPACK2_ROWS ? o1 - base : KPACK2_ROWS;
        }
        const int8_t *pk = W->pk2 + (size_t)g * gstride;
        const int8_t *xq = X->q;
        const float *xd = X->d;
        float *y = Y + (size_t)g * KPACK2_ROWS;
        int r = 0;
        for (; r + 2 <= n; r += 2, xq += 2 * (size_t)cols, xd += 2 * nb, y += 2 * (size_t)ldy)
            for (int k = 0; k < G; k += 2) { /* pairs of rows: tiles of 2 x 2 groups (registers) */
                if (G - k >= 2)
                    tile2(y + 8 * k, ldy, xq, xd, cols, nb, pk + k * gstride, gstride, lo + k, hi + k, 2, 2);
                else
                    tile2(y + 8 * k, ldy, xq, xd, cols, nb, pk + k * gstride, gstride, lo + k, hi + k, 2, 1);
            }
        if (r < n) { /* the last row: every group at once */
            if (G == 4) tile2(y, ldy, xq, xd, cols, nb, pk, gstride, lo, hi, 1, 4);
            else if (G == 2) tile2(y, ldy, xq, xd, cols, nb, pk, gstride, lo, hi, 1, 2);
            else tile2(y, ldy, xq, xd, cols, nb, pk, gstride, lo, hi, 1, 1);
        }
        g += G;
    }
}

void kern_quantize_avx2(qact *X, const float *x, int n, int cols) {
    int nb = cols / QK;
    const __m256 absmask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    const __m256 signmask = _mm256_castsi256_ps(_mm256_set1_epi32((int)0x80000000u));
    const __m256 half = _mm256_set1_ps(0.5f);
    for (int r = 0; r < n; r++) {
        for (int b = 0; b < nb; b++) {
            const float *v = x + (size_t)r * cols + (size_t)b * QK;
            __m256 v0 = _mm256_loadu_ps(v), v1 = _mm256_loadu_ps(v + 8), v2 = _mm256_loadu_ps(v + 16),
                   v3 = _mm256_loadu_ps(v + 24);
            __m256 m = _mm256_max_ps(_mm256_max_ps(_mm256_and_ps(v0, absmask), _mm256_and_ps(v1, absmask)),
                                     _mm256_max_ps(_mm256_and_ps(v2, absmask), _mm256_and_ps(v3, absmask)));
            __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
            m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
            m4 = _mm_max_ss(m4, _mm_shuffle_ps(m4, m4, 1));
            float amax = _mm_cvtss_f32(m4);
            float d = amax / 127.0f;
            float id = amax > 0.0f ? 127.0f / amax : 0.0f;
            __m256 idv = _mm256_set1_ps(id);
            __m256i q[4];
            __m256 vs[4] = {v0, v1, v2, v3};
            for (int k = 0; k < 4; k++) {
                __m256 t = _mm256_mul_ps(vs[k], idv);
                /* t + copysign(0.5, t): same as the reference's (t >= 0 ? 0.5 : -0.5) except for t = -0.0,
                ** where both give 0 after truncation */
                __m256 h = _mm256_or_ps(half, _mm256_and_ps(t, signmask));
                __m256i k32 = _mm256_cvttps_epi32(_mm256_add_ps(t, h));
                k32 = _mm256_max_epi32(_mm256_min_epi32(k32, _mm256_set1_epi32(127)), _mm256_set1_epi32(-127));
                q[k] = k32;
            }
            __m256i p01 = _mm256_packs_epi32(q[0], q[1]); /* lane-interleaved; fixed by the permute below */
            __m256i p23 = _mm256_packs_epi32(q[2], q[3]);
            __m256i p = _mm256_packs_epi16(p01, p23);
            p = _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
            _mm256_storeu_si256((__m256i *)(X->q + (size_t)r * cols + (size_t)b * QK), p);
            X->d[(size_t)r * nb + b] = d;
        }
    }
    X->n = n;
    X->cols = cols;
}

/* det_expf (detmath.h) on 8 lanes: the same operations in the same order, so the same bits. */
static inline __m256 expf8(__m256 x) {
    __m256 valid = _mm256_cmp_ps(x, _mm256_set1_ps(DET_EXPF_MIN), _CMP_GE_OQ); /* false for NaN too */
    x = _mm256_min_ps(x, _mm256_set1_ps(DET_EXPF_MAX));
    __m256 kf = _mm256_mul_ps(x, _mm256_set1_ps(DET_LOG2E));
    __m256 half = _mm256_blendv_ps(_mm256_set1_ps(-0.5f), _mm256_set1_ps(0.5f),
                                   _mm256_cmp_ps(kf, _mm256_setzero_ps(), _CMP_GE_OQ));
    __m256i k = _mm256_cvttps_epi32(_mm256_add_ps(kf, half));
    __m256 fk = _mm256_cvtepi32_ps(k);
    __m256 r = _mm256_sub_ps(x, _mm256_mul_ps(fk, _mm256_set1_ps(DET_LN2_HI)));
    r = _mm256_sub_ps(r, _mm256_mul_ps(fk, _mm256_set1_ps(DET_LN2_LO)));
    __m256 p;
    DET_EXPF_POLY(p, r, _mm256_mul_ps, _mm256_add_ps, _mm256_set1_ps);
    /* for invalid lanes k may be garbage; the bits are masked off below */
    __m256 sc = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(k, _mm256_set1_epi32(127)), 23));
    return _mm256_and_ps(_mm256_mul_ps(p, sc), valid);
}

/* Lanes [0, k) of 8 (k may be <= 0 or > 8) as a maskload/maskstore mask. */
static inline __m256i lanes8(int k) {
    k = k < 0 ? 0 : k > 8 ? 8 : k;
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(k), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* Positions [t0, t0 + 8*V) masked to t < T: V independent chains (the add latency hidden), each position's
** sum in the reference's order of i. */
FORCE_INLINE void scores_tile8(float *att, const float *q, const float *kt, int hd, int T, int ld, float scale, int t0,
                               int V) {
    __m256 acc[4];
    __m256i m[4];
#pragma GCC unroll 4
    for (int k = 0; k < V; k++) {
        acc[k] = _mm256_setzero_ps();
        m[k] = lanes8(T - t0 - 8 * k);
    }
    for (int i = 0; i < hd; i++) {
        __m256 qi = _mm256_set1_ps(q[i]);
        const float *row = kt + (size_t)i * ld + t0;
#pragma GCC unroll 4
        for (int k = 0; k < V; k++)
            acc[k] = _mm256_add_ps(acc[k], _mm256_mul_ps(qi, _mm256_maskload_ps(row + 8 * k, m[k])));
    }
    __m256 sc = _mm256_set1_ps(scale);
#pragma GCC unroll 4
    for (int k = 0; k < V; k++) _mm256_maskstore_ps(att + t0 + 8 * k, m[k], _mm256_mul_ps(acc[k], sc));
}

void kern_scores_avx2(float *att, const float *q, const float *kt, int hd, int T, int ld, float scale) {
    int t = 0;
    for (; t + 32 <= T; t += 32) scores_tile8(att, q, kt, hd, T, ld, scale, t, 4);
    if (T - t > 16) scores_tile8(att, q, kt, hd, T, ld, scale, t, 4);
    else if (T - t > 8) scores_tile8(att, q, kt, hd, T, ld, scale, t, 2);
    else if (T - t > 0) scores_tile8(att, q, kt, hd, T, ld, scale, t, 1);
}

/* Numerics version 2 (int8 keys and values, a scale per block of QK): whole vectors of 8 positions, the last few
** positions as the reference computes them. */
static inline __m256 i8x8(const int8_t *p) {
    return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(const void *)p)));
}

FORCE_INLINE void scores8_tile8(float *att, const float *q, const int8_t *kt, const float *kd, int hd, int ld, int off,
                                float scale, int t0, int V) {
    __m256 acc[4], p[4];
#pragma GCC unroll 4
    for (int k = 0; k < V; k++) acc[k] = _mm256_setzero_ps();
    for (int i0 = 0, g = 0; i0 < hd; g++) {
        int i1 = i0 + (g == 0 ? QK - off : QK);
        if (i1 > hd) i1 = hd;
#pragma GCC unroll 4
        for (int k = 0; k < V; k++) p[k] = _mm256_setzero_ps();
        for (int i = i0; i < i1; i++) {
            __m256 qi = _mm256_set1_ps(q[i]);
            const int8_t *row = kt + (size_t)i * ld + t0;
#pragma GCC unroll 4
            for (int k = 0; k < V; k++) p[k] = _mm256_add_ps(p[k], _mm256_mul_ps(qi, i8x8(row + 8 * k)));
        }
        const float *dr = kd + (size_t)g * ld + t0;
#pragma GCC unroll 4
        for (int k = 0; k < V; k++) acc[k] = _mm256_add_ps(acc[k], _mm256_mul_ps(p[k], _mm256_loadu_ps(dr + 8 * k)));
        i0 = i1;
    }
    __m256 sc = _mm256_set1_ps(scale);
#pragma GCC unroll 4
    for (int k = 0; k < V; k++) _mm256_storeu_ps(att + t0 + 8 * k, _mm256_mul_ps(acc[k], sc));
}

void kern_scores8_avx2(float *att, const float *q, const int8_t *kt, const float *kd, int hd, int T, int ld, int off,
                       float scale) {
    int t = 0;
    for (; t + 32 <= T; t += 32) scores8_tile8(att, q, kt, kd, hd, ld, off, scale, t, 4);
    for (; t + 8 <= T; t += 8) scores8_tile8(att, q, kt, kd, hd, ld, off, scale, t, 1);
    if (t < T) kern_scores8_ref(att + t, q, kt + t, kd + t, hd, T - t, ld, off, scale);
}

/* Outputs [i0, i0 + 8*V), each vector inside one block (off = 0, i0 a multiple of 8). */
FORCE_INLINE void mix8_tile8(float *o, const float *att, const int8_t *v, const float *vd, int T, int ld, int ldd,
                             float inv, int i0, int V) {
    __m256 acc[8];
#pragma GCC unroll 8
    for (int k = 0; k < V; k++) acc[k] = _mm256_setzero_ps();
    for (int t = 0; t < T; t++) {
        float w = att[t] * inv;
        const int8_t *row = v + (size_t)t * ld + i0;
        const float *dr = vd + (size_t)t * ldd;
#pragma GCC unroll 8
        for (int k = 0; k < V; k++) {
            __m256 wk = _mm256_set1_ps(w * dr[(i0 + 8 * k) / QK]);
            acc[k] = _mm256_add_ps(acc[k], _mm256_mul_ps(wk, i8x8(row + 8 * k)));
        }
    }
#pragma GCC unroll 8
    for (int k = 0; k < V; k++) _mm256_storeu_ps(o + i0 + 8 * k, acc[k]);
}

void kern_mix8_avx2(float *o, const float *att, const int8_t *v, const float *vd, int hd, int T, int ld, int ldd, int off,
                    float inv) {
    int i = 0;
    if (off == 0) {
        for (; i + 64 <= hd; i += 64) mix8_tile8(o, att, v, vd, T, ld, ldd, inv, i, 8);
        for (; i + 32 <= hd; i += 32) mix8_tile8(o, att, v, vd, T, ld, ldd, inv, i, 4);
        for (; i + 8 <= hd; i += 8) mix8_tile8(o, att, v, vd, T, ld, ldd, inv, i, 1);
    }
    if (i < hd) kern_mix8_ref(o + i, att, v + i, vd, hd - i, T, ld, ldd, off + i, inv);
}

static void scores8_rows_avx2(float *att, int lda, const float *q, int ldq, int R, const int8_t *kt, const float *kd,
                              int hd, int T, int ld, int off, float scale) {
    for (int r = 0; r < R; r++) kern_scores8_avx2(att + (size_t)r * lda, q + (size_t)r * ldq, kt, kd, hd, T, ld, off, scale);
}

static void mix8_rows_avx2(float *o, int ldo, const float *att, int lda, const int *T, const float *inv, int R,
                           const int8_t *v, const float *vd, int hd, int ld, int ldd, int off) {
    for (int r = 0; r < R; r++)
        kern_mix8_avx2(o + (size_t)r * ldo, att + (size_t)r * lda, v, vd, hd, T[r], ld, ldd, off, inv[r]);
}

/* Outputs [i0, i0 + 8*V): V independent chains over t, each output's sum in the reference's order of t. */
FORCE_INLINE void mix_tile8(float *o, const float *att, const float *v, int T, int ld, float inv, int i0, int V) {
    __m256 acc[8];
#pragma GCC unroll 8
    for (int k = 0; k < V; k++) acc[k] = _mm256_setzero_ps();
    for (int t = 0; t < T; t++) {
        __m256 w = _mm256_set1_ps(att[t] * inv);
        const float *row = v + (size_t)t * ld + i0;
#pragma GCC unroll 8
        for (int k = 0; k < V; k++) acc[k] = _mm256_add_ps(acc[k], _mm256_mul_ps(w, _mm256_loadu_ps(row + 8 * k)));
    }
#pragma GCC unroll 8
    for (int k = 0; k < V; k++) _mm256_storeu_ps(o + i0 + 8 * k, acc[k]);
}

void kern_mix_avx2(float *o, const float *att, const float *v, int hd, int T, int ld, float inv) {
    int i = 0;
    for (; i + 64 <= hd; i += 64) mix_tile8(o, att, v, T, ld, inv, i, 8);
    for (; i + 32 <= hd; i += 32) mix_tile8(o, att, v, T, ld, inv, i, 4);
    for (; i + 8 <= hd; i += 8) mix_tile8(o, att, v, T, ld, inv, i, 1);
    if (i < hd) kern_mix_ref(o + i, att, v + i, hd - i, T, ld, inv);
}

void kern_expsub_avx2(float *x, int n, float m) {
    int i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(x + i, expf8(_mm256_sub_ps(_mm256_loadu_ps(x + i), _mm256_set1_ps(m))));
    if (i < n) kern_expsub_ref(x + i, n - i, m);
}

void kern_silu_mul_avx2(float *h, const float *u, int n) {
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 g = _mm256_loadu_ps(h + i);
        __m256 e = expf8(_mm256_xor_ps(g, _mm256_set1_ps(-0.0f))); /* -g: flips the sign bit, as C negation does */
        __m256 sg = _mm256_div_ps(g, _mm256_add_ps(_mm256_set1_ps(1.0f), e));
        _mm256_storeu_ps(h + i, _mm256_mul_ps(sg, _mm256_loadu_ps(u + i)));
    }
    if (i < n) kern_silu_mul_ref(h + i, u + i, n - i);
}

/* The largest element; ties between +0 and -0 and NaNs follow the reference's first-wins rule by
** falling back to it (max_ps may return either zero, and skips NaNs differently). */
float kern_maxf_avx2(const float *x, int n) {
    if (n < 16) return kern_maxf_ref(x, n);
    __m256 m = _mm256_loadu_ps(x), nan = _mm256_cmp_ps(m, m, _CMP_UNORD_Q);
    int i = 8;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i);
        nan = _mm256_or_ps(nan, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
        m = _mm256_max_ps(m, v);
    }
    float t[8];
    _mm256_storeu_ps(t, m);
    return kern_max_finish(t, 8, _mm256_movemask_ps(nan), x, i, n);
}

/* The index of the first f[i] equal to v (which occurs). */
static int first_eq(const uint32_t *f, int n, uint32_t v) {
    __m256i vv = _mm256_set1_epi32((int)v);
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256i eq = _mm256_cmpeq_epi32(_mm256_loadu_si256((const __m256i *)(f + i)), vv);
        int mk = _mm256_movemask_ps(_mm256_castsi256_ps(eq));
        if (mk) return i + __builtin_ctz((unsigned)mk);
    }
    for (; i < n; i++)
        if (f[i] == v) return i;
    return 0;
}

int64_t kern_freq_fill_avx2(uint32_t *f, const float *e, int n, double k, int *best) {
    __m256d kv = _mm256_set1_pd(k);
    __m256i one = _mm256_set1_epi32(1), mx = _mm256_setzero_si256(), s64 = _mm256_setzero_si256();
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 ev = _mm256_loadu_ps(e + i);
        /* values are below 2^31: the signed conversion truncates exactly as (uint32_t) does */
        __m128i lo = _mm256_cvttpd_epi32(_mm256_mul_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(ev)), kv));
        __m128i hi = _mm256_cvttpd_epi32(_mm256_mul_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(ev, 1)), kv));
        __m256i v = _mm256_add_epi32(_mm256_setr_m128i(lo, hi), one);
        _mm256_storeu_si256((__m256i *)(f + i), v);
        mx = _mm256_max_epu32(mx, v);
        s64 = _mm256_add_epi64(s64, _mm256_add_epi64(_mm256_cvtepu32_epi64(lo), _mm256_cvtepu32_epi64(hi)));
    }
    uint32_t t[8];
    int64_t q[4];
    _mm256_storeu_si256((__m256i *)t, mx);
    _mm256_storeu_si256((__m256i *)q, s64);
    int64_t sum = q[0] + q[1] + q[2] + q[3] + i; /* + 1 per element */
    uint32_t m = 0;
    for (int j = 0; j < 8; j++)
        if (t[j] > m) m = t[j];
    for (; i < n; i++) {
        uint32_t v = 1 + (uint32_t)((double)e[i] * k);
        f[i] = v;
        sum += v;
        if (v > m) m = v;
    }
    *best = first_eq(f, n, m);
    return sum;
}

uint64_t kern_take_avx2(uint32_t *dst, const uint32_t *src, int n, uint32_t b) {
    /* (f * b) >> 16 = (f >> 16) * b + (((f & 0xffff) * b) >> 16), exact: both products fit 32 bits */
    __m256i bv = _mm256_set1_epi32((int)b), lo16 = _mm256_set1_epi32(0xffff), s64 = _mm256_setzero_si256();
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256i v = _mm256_loadu_si256((const __m256i *)(src + i));
        __m256i t = _mm256_add_epi32(_mm256_mullo_epi32(_mm256_srli_epi32(v, 16), bv),
                                     _mm256_srli_epi32(_mm256_mullo_epi32(_mm256_and_si256(v, lo16), bv), 16));
        _mm256_storeu_si256((__m256i *)(dst + i), _mm256_sub_epi32(v, t));
        s64 = _mm256_add_epi64(s64, _mm256_add_epi64(_mm256_cvtepu32_epi64(_mm256_castsi256_si128(t)),
                                                     _mm256_cvtepu32_epi64(_mm256_extracti128_si256(t, 1))));
    }
    uint64_t q[4];
    _mm256_storeu_si256((__m256i *)q, s64);
    return q[0] + q[1] + q[2] + q[3] + kern_take_ref(dst + i, src + i, n - i, b);
}

/* exps 8 lanes at a time; each vector's lanes, widened exactly to double and taken from the register, are
** then added to S in order (the reference's chain; the next vector's exp overlaps with its latency). */
static inline double add4(double S, __m256d d) {
    __m128d lo = _mm256_castpd256_pd128(d), hi = _mm256_extractf128_pd(d, 1);
    S = S + _mm_cvtsd_f64(lo);
    S = S + _mm_cvtsd_f64(_mm_unpackhi_pd(lo, lo));
    S = S + _mm_cvtsd_f64(hi);
    return S + _mm_cvtsd_f64(_mm_unpackhi_pd(hi, hi));
}

double kern_expsum_avx2(float *e, const float *x, int n, float m) {
    __m256 mv = _mm256_set1_ps(m);
    double S = 0.0;
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 ev = expf8(_mm256_sub_ps(_mm256_loadu_ps(x + i), mv));
        _mm256_storeu_ps(e + i, ev);
        S = add4(S, _mm256_cvtps_pd(_mm256_castps256_ps128(ev)));
        S = add4(S, _mm256_cvtps_pd(_mm256_extractf128_ps(ev, 1)));
    }
    for (; i < n; i++) {
        e[i] = det_expf(x[i] - m);
        S = S + (double)e[i];
    }
    return S;
}

/* The bias step 8 lanes at a time: the same float32 product, difference and sum per lane; max(lo, x) is x < lo ?
** lo : x (x is never NaN: b, r and e are finite). */
static float bias_avx2(float *b, float *out, const float *e, const float *l, float r, float lo, int n) {
    __m256 rv = _mm256_set1_ps(r), lov = _mm256_set1_ps(lo);
    __m256 m = _mm256_set1_ps(-INFINITY), nan = _mm256_setzero_ps();
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 x = _mm256_sub_ps(_mm256_loadu_ps(b + i), _mm256_mul_ps(rv, _mm256_loadu_ps(e + i)));
        x = _mm256_max_ps(lov, x); /* the second operand when either is NaN, as the reference */
        _mm256_storeu_ps(b + i, x);
        __m256 o = _mm256_add_ps(_mm256_loadu_ps(l + i), x);
        _mm256_storeu_ps(out + i, o);
        nan = _mm256_or_ps(nan, _mm256_cmp_ps(o, o, _CMP_UNORD_Q));
        m = _mm256_max_ps(m, o);
    }
    float t[8];
    _mm256_storeu_ps(t, m);
    int from = i;
    for (; i < n; i++) { /* the reference's step for the last n % 8 */
        float p = r * e[i];
        float x = b[i] - p;
        b[i] = x < lo ? lo : x;
        out[i] = l[i] + b[i];
    }
    return kern_max_finish(t, 8, _mm256_movemask_ps(nan), out, from, n); /* as maxf finds it */
}

/* The byte models' mixers: 8 lanes, then one of 4 (n is a multiple of 4); integer sums in any order are the same. */
int kern_mix_dot_avx2(const int32_t *w, const int *x, int n) {
    __m256i s = _mm256_setzero_si256();
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256i p = _mm256_mullo_epi32(_mm256_loadu_si256((const __m256i *)(w + i)),
                                       _mm256_loadu_si256((const __m256i *)(x + i)));
        s = _mm256_add_epi32(s, _mm256_srai_epi32(p, 8));
    }
    __m128i h = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
    if (i < n) {
        __m128i p =
            _mm_mullo_epi32(_mm_loadu_si128((const __m128i *)(w + i)), _mm_loadu_si128((const __m128i *)(x + i)));
        h = _mm_add_epi32(h, _mm_srai_epi32(p, 8));
    }
    h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 0x4e));
    h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 0xb1));
    return _mm_cvtsi128_si32(h) >> 8;
}

void kern_mix_train_avx2(int32_t *w, const int *x, int n, int err, int shift, int32_t wmax) {
    __m256i e = _mm256_set1_epi32(err), hi = _mm256_set1_epi32(wmax), lo = _mm256_set1_epi32(-wmax);
    __m128i sh = _mm_cvtsi32_si128(shift);
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256i d = _mm256_sra_epi32(_mm256_mullo_epi32(_mm256_loadu_si256((const __m256i *)(x + i)), e), sh);
        __m256i v = _mm256_add_epi32(_mm256_loadu_si256((const __m256i *)(w + i)), d);
        _mm256_storeu_si256((__m256i *)(w + i), _mm256_min_epi32(_mm256_max_epi32(v, lo), hi));
    }
    if (i < n) {
        __m128i e4 = _mm256_castsi256_si128(e), lo4 = _mm256_castsi256_si128(lo), hi4 = _mm256_castsi256_si128(hi);
        __m128i d = _mm_sra_epi32(_mm_mullo_epi32(_mm_loadu_si128((const __m128i *)(x + i)), e4), sh);
        __m128i v = _mm_add_epi32(_mm_loadu_si128((const __m128i *)(w + i)), d);
        _mm_storeu_si128((__m128i *)(w + i), _mm_min_epi32(_mm_max_epi32(v, lo4), hi4));
    }
}

/* 4 terms of cumsum_perm from 4 values (zero-extended to 64 bits): g, then 1 for g = 0, g mod 2^32 else, in the low
** 128 bits. */
static inline __m128i scale4_avx2(__m128i x4, __m256i q, __m256i lo) {
    __m256i x = _mm256_cvtepu32_epi64(x4);
    __m256i g = _mm256_add_epi64(_mm256_mul_epu32(x, q), _mm256_srli_epi64(_mm256_mul_epu32(x, lo), 32));
    g = _mm256_blendv_epi8(g, _mm256_set1_epi64x(1), _mm256_cmpeq_epi64(g, _mm256_setzero_si256()));
    return _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(g, _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6)));
}

/* cumsum_perm 8 terms at a time (as cumsum_perm_avx512): scalar loads, 64-bit scaling, top's replaced, the prefix
** sums within each 128-bit half by shifted adds, the low half's total added to the high half, then the running
** total: integer additions, the reference's values. */
static void cumsum_perm_avx2(uint32_t *cum, const uint32_t *f, const int32_t *ids, int n, uint32_t q, uint32_t lo,
                             int32_t top, uint32_t ftop) {
    const __m256i qv = _mm256_set1_epi64x(q), lov = _mm256_set1_epi64x(lo), topv = _mm256_set1_epi32(top);
    const __m256i ftv = _mm256_set1_epi32((int)ftop), z = _mm256_setzero_si256();
    __m256i carry = z;
    uint32_t g[8];
    int k = 0;
    cum[0] = 0;
    for (; k + 8 <= n; k += 8) {
        __m256i id = _mm256_loadu_si256((const __m256i *)(ids + k));
        for (int j = 0; j < 8; j++) g[j] = f[ids[k + j]];
        __m128i a = scale4_avx2(_mm_loadu_si128((const __m128i *)g), qv, lov);
        __m128i b = scale4_avx2(_mm_loadu_si128((const __m128i *)(g + 4)), qv, lov);
        __m256i v = _mm256_inserti128_si256(_mm256_castsi128_si256(a), b, 1);
        v = _mm256_blendv_epi8(v, ftv, _mm256_cmpeq_epi32(id, topv));
        v = _mm256_add_epi32(v, _mm256_slli_si256(v, 4));
        v = _mm256_add_epi32(v, _mm256_slli_si256(v, 8));
        v = _mm256_add_epi32(v, _mm256_blend_epi32(z, _mm256_permutevar8x32_epi32(v, _mm256_set1_epi32(3)), 0xF0));
        v = _mm256_add_epi32(v, carry);
        _mm256_storeu_si256((__m256i *)(cum + k + 1), v);
        carry = _mm256_permutevar8x32_epi32(v, _mm256_set1_epi32(7));
    }
    kern_cumsum_perm_from(cum, f, ids, k, n, q, lo, top, ftop); /* the tail, one by one */
}

static const kernel_set AVX2 = {
    .name = "avx2",
    .matmul = kern_matmul_avx2,
    .matmul_f = kern_matmul_f_avx2,
    .quantize = kern_quantize_avx2,
    .scores = kern_scores_avx2,
    .mix = kern_mix_avx2,
    .scores8 = kern_scores8_avx2,
    .mix8 = kern_mix8_avx2,
    .scores8_rows = scores8_rows_avx2,
    .mix8_rows = mix8_rows_avx2,
    .expsub = kern_expsub_avx2,
    .silu_mul = kern_silu_mul_avx2,
    .maxf = kern_maxf_avx2,
    .freq_fill = kern_freq_fill_avx2,
    .take = kern_take_avx2,
    .cumsum = kern_cumsum_ref,
    .cumsum_perm = cumsum_perm_avx2,
    .expsum = kern_expsum_avx2,
    .bias = bias_avx2,
    .mix_dot = kern_mix_dot_avx2,
    .mix_train = kern_mix_train_avx2,
};

const kernel_set *kernels_avx2(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") ? &AVX2 : 0;
}
#else
const kernel_set *kernels_avx2(void) { return 0; }
#endif
