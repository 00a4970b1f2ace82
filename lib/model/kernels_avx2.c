/*
** kernels_avx2.c -- AVX2 kernels.  Bit-identical to kernels.c (tests/unit/test_kernels.c checks with memcmp):
** integer block sums are exact in any order, and the float epilogue runs per output lane in the same
** order (scale product, product, add) as the reference, one IEEE rounding each, no FMA.
*/
#include "model/kernels.h"

#if defined(__x86_64__) && defined(__AVX2__)
#include <immintrin.h>

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

static void matmul_avx2(float *Y, int ldy, const qact *X, const qmat *W, int o0, int o1) {
    int cols = W->cols, nb = cols / QK;
    for (int r = 0; r < X->n; r++) {
        const int8_t *xq = X->q + (size_t)r * cols;
        const float *xd = X->d + (size_t)r * nb;
        float *y = Y + (size_t)r * ldy;
        int o = o0;
        for (; o + 8 <= o1; o += 8) {
            __m256 acc = _mm256_setzero_ps();
            const int8_t *w0 = W->q + (size_t)o * cols;
            for (int b = 0; b < nb; b++) {
                __m256i xv = _mm256_loadu_si256((const __m256i *)(xq + b * QK));
                __m256i ax = _mm256_sign_epi8(xv, xv);
                const int8_t *wb = w0 + b * QK;
                __m256i s = hsum8(dot32(ax, xv, wb), dot32(ax, xv, wb + cols), dot32(ax, xv, wb + 2 * (size_t)cols),
                                  dot32(ax, xv, wb + 3 * (size_t)cols), dot32(ax, xv, wb + 4 * (size_t)cols),
                                  dot32(ax, xv, wb + 5 * (size_t)cols), dot32(ax, xv, wb + 6 * (size_t)cols),
                                  dot32(ax, xv, wb + 7 * (size_t)cols));
                const float *wd = W->d + (size_t)o * nb + b;
                __m256 wdv = _mm256_set_ps(wd[7 * nb], wd[6 * nb], wd[5 * nb], wd[4 * nb], wd[3 * nb], wd[2 * nb],
                                           wd[nb], wd[0]);
                __m256 sc = _mm256_mul_ps(_mm256_set1_ps(xd[b]), wdv);
                acc = _mm256_add_ps(acc, _mm256_mul_ps(_mm256_cvtepi32_ps(s), sc));
            }
            _mm256_storeu_ps(y + o, acc);
        }
        if (o < o1) {
            qact one = {X->q + (size_t)r * cols, X->d + (size_t)r * nb, 1, cols};
            kern_matmul_ref(y, ldy, &one, W, o, o1);
        }
    }
}

static void quantize_avx2(qact *X, const float *x, int n, int cols) {
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

static const kernel_set AVX2 = {"avx2", matmul_avx2, quantize_avx2};

const kernel_set *kernels_avx2(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") ? &AVX2 : 0;
}
#else
const kernel_set *kernels_avx2(void) { return 0; }
#endif
