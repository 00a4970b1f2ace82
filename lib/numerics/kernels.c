/*
** kernels.c -- reference (portable scalar) kernels, which define the numbers, and kernel dispatch.
*/
#include "numerics/kernels.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "numerics/detmath.h"
#include "common/mem.h"
#include "llmz.h"

void kern_quantize_ref(qact *X, const float *x, int n, int cols) {
    int nb = cols / QK;
    for (int r = 0; r < n; r++) {
        for (int b = 0; b < nb; b++) {
            const float *v = x + (size_t)r * cols + (size_t)b * QK;
            int8_t *q = X->q + (size_t)r * cols + (size_t)b * QK;
            float amax = 0.0f;
            for (int i = 0; i < QK; i++) {
                float a = v[i] < 0.0f ? -v[i] : v[i];
                if (a > amax) amax = a;
            }
            float d = amax / 127.0f;
            float id = amax > 0.0f ? 127.0f / amax : 0.0f;
            for (int i = 0; i < QK; i++) {
                float t = v[i] * id, h = t + (t >= 0.0f ? 0.5f : -0.5f);
                /* a value C cannot convert (NaN, infinite or beyond int: a hostile model's activations) gives what
                ** the SIMD sets' cvttps gives, INT_MIN, so the clamp below makes it -127 on every kernel set */
                int k = h > -2147483648.0f && h < 2147483648.0f ? (int)h : INT_MIN;
                if (k > 127) k = 127;
                if (k < -127) k = -127;
                q[i] = (int8_t)k;
            }
            X->d[(size_t)r * nb + b] = d;
        }
    }
    X->n = n;
    X->cols = cols;
}

void kern_matmul_ref(float *Y, int ldy, const qact *X, const qmat *W, int o0, int o1) {
    int cols = W->cols, nb = cols / QK;
    for (int r = 0; r < X->n; r++) {
        const int8_t *xq = X->q + (size_t)r * cols;
        const float *xd = X->d + (size_t)r * nb;
        for (int o = o0; o < o1; o++) {
            const int8_t *wq = W->q + (size_t)o * cols;
            const float *wd = W->d + (size_t)o * nb;
            float acc = 0.0f;
            for (int b = 0; b < nb; b++) {
                int32_t s = 0;
                for (int i = 0; i < QK; i++) s += (int32_t)xq[b * QK + i] * (int32_t)wq[b * QK + i];
                float sc = xd[b] * wd[b];
                acc = acc + (float)s * sc;
            }
            Y[(size_t)r * ldy + o] = acc;
        }
    }
}

/* An IEEE half as a float: exact (every half is a float). */
static float half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h >> 15) << 31, e = h >> 10 & 31, m = h & 1023, bits;
    if (e == 31) {
        bits = sign | 0x7f800000u | m << 13;
    } else if (e != 0) {
        bits = sign | (e + 112) << 23 | m << 13;
    } else if (m == 0) {
        bits = sign;
    } else { /* subnormal: normalise */
        int s = 0;
        while (!(m & 1024)) {
            m <<= 1;
            s++;
        }
        bits = sign | (uint32_t)(113 - s) << 23 | (m & 1023) << 13;
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

float kern_fw_at(const qmat *W, size_t i) {
    const uint8_t *p = W->fw;
    if (W->fw_type == QW_F32) {
        float f;
        memcpy(&f, p + 4 * i, 4);
        return f;
    }
    uint16_t h = (uint16_t)(p[2 * i] | p[2 * i + 1] << 8);
    if (W->fw_type == QW_F16) return half_to_float(h);
    uint32_t bits = (uint32_t)h << 16; /* BF16 */
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

/* Numerics 3 (kernels.h, matmul_f): weight i of row o as a float, exactly (the file's own value with fw) */
static float weight_f(const qmat *W, int o, int i) {
    size_t k = (size_t)o * W->cols + (size_t)i;
    return W->fw ? kern_fw_at(W, k) : (float)W->q[k];
}

void kern_matmul_f_ref(float *Y, int ldy, const float *X, int n, const qmat *W, int o0, int o1) {
    int cols = W->cols, nb = cols / QK;
    for (int r = 0; r < n; r++) {
        const float *x = X + (size_t)r * cols;
        for (int o = o0; o < o1; o++) {
            float a[16] = {0};
            for (int b = 0; b < nb; b++) {
                const float *v = x + (size_t)b * QK;
                int i = b * QK;
                float sc = W->fw ? 1.0f : W->d[(size_t)o * nb + b]; /* fw: no block scale (s * 1 is s, exactly) */
                for (int j = 0; j < 16; j++) {
                    float s = weight_f(W, o, i + j) * v[j] + weight_f(W, o, i + 16 + j) * v[16 + j];
                    a[j] = a[j] + s * sc;
                }
            }
            for (int w = 8; w >= 1; w /= 2)
                for (int j = 0; j < w; j++) a[j] = a[j] + a[j + w];
            Y[(size_t)r * ldy + o] = a[0];
        }
    }
}

void kern_scores_ref(float *att, const float *q, const float *kt, int hd, int T, int ld, float scale) {
    for (int t = 0; t < T; t++) {
        float s = 0.0f;
        for (int i = 0; i < hd; i++) s = s + q[i] * kt[(size_t)i * ld + t];
        att[t] = s * scale;
    }
}

void kern_mix_ref(float *o, const float *att, const float *v, int hd, int T, int ld, float inv) {
    for (int i = 0; i < hd; i++) {
        float acc = 0.0f;
        for (int t = 0; t < T; t++) acc = acc + (att[t] * inv) * v[(size_t)t * ld + i];
        o[i] = acc;
    }
}

void kern_scores8_ref(float *att, const float *q, const int8_t *kt, const float *kd, int hd, int T, int ld, int off,
                      float scale) {
    for (int t = 0; t < T; t++) {
        float s = 0.0f;
        for (int i0 = 0, g = 0; i0 < hd; g++) {
            int i1 = i0 + (g == 0 ? QK - off : QK);
            if (i1 > hd) i1 = hd;
            float p = 0.0f;
            for (int i = i0; i < i1; i++) p = p + q[i] * (float)kt[(size_t)i * ld + t];
            s = s + p * kd[(size_t)g * ld + t];
            i0 = i1;
        }
        att[t] = s * scale;
    }
}

void kern_mix8_ref(float *o, const float *att, const int8_t *v, const float *vd, int hd, int T, int ld, int ldd, int off,
                   float inv) {
    for (int i = 0; i < hd; i++) {
        int g = (off + i) / QK;
        float acc = 0.0f;
        for (int t = 0; t < T; t++) acc = acc + ((att[t] * inv) * vd[(size_t)t * ldd + g]) * (float)v[(size_t)t * ld + i];
        o[i] = acc;
    }
}

void kern_scores8_rows_ref(float *att, int lda, const float *q, int ldq, int R, const int8_t *kt, const float *kd, int hd,
                           int T, int ld, int off, float scale) {
    for (int r = 0; r < R; r++) kern_scores8_ref(att + (size_t)r * lda, q + (size_t)r * ldq, kt, kd, hd, T, ld, off, scale);
}

void kern_mix8_rows_ref(float *o, int ldo, const float *att, int lda, const int *T, const float *inv, int R,
                        const int8_t *v, const float *vd, int hd, int ld, int ldd, int off) {
    for (int r = 0; r < R; r++) kern_mix8_ref(o + (size_t)r * ldo, att + (size_t)r * lda, v, vd, hd, T[r], ld, ldd, off, inv[r]);
}

void kern_expsub_ref(float *x, int n, float m) {
    for (int i = 0; i < n; i++) x[i] = det_expf(x[i] - m);
}

void kern_silu_mul_ref(float *h, const float *u, int n) {
    for (int i = 0; i < n; i++) {
        float g = h[i];
        h[i] = (g / (1.0f + det_expf(-g))) * u[i];
    }
}

float kern_maxf_ref(const float *x, int n) {
    float m = x[0];
    for (int i = 1; i < n; i++)
        if (x[i] > m) m = x[i];
    return m;
}

float kern_max_finish(const float *lm, int nl, int odd, const float *x, int from, int n) {
    float v = -INFINITY;
    for (int j = 0; j < nl; j++)
        if (lm[j] > v) v = lm[j];
    for (int i = from; i < n; i++) {
        odd |= x[i] != x[i];
        if (x[i] > v) v = x[i];
    }
    return odd || v == 0.0f || v == -INFINITY ? kern_maxf_ref(x, n) : v;
}

int64_t kern_freq_fill_ref(uint32_t *f, const float *e, int n, double k, int *best) {
    int64_t sum = 0;
    int bi = 0;
    for (int i = 0; i < n; i++) {
        uint32_t v = 1 + (uint32_t)((double)e[i] * k);
        f[i] = v;
        sum += v;
        if (v > f[bi]) bi = i;
    }
    *best = bi;
    return sum;
}

uint64_t kern_take_ref(uint32_t *dst, const uint32_t *src, int n, uint32_t b) {
    uint64_t moved = 0;
    for (int i = 0; i < n; i++) {
        uint32_t t = (uint32_t)(((uint64_t)src[i] * b) >> 16);
        dst[i] = src[i] - t;
        moved += t;
    }
    return moved;
}

void kern_cumsum_perm_from(uint32_t *cum, const uint32_t *f, const int32_t *ids, int k, int n, uint32_t q, uint32_t lo,
                           int32_t top, uint32_t ftop) {
    uint32_t c = cum[k];
    for (; k < n; k++) {
        uint64_t x = f[ids[k]], g = x * q + ((x * lo) >> 32);
        c += ids[k] == top ? ftop : g ? (uint32_t)g : 1;
        cum[k + 1] = c;
    }
}

void kern_cumsum_perm_ref(uint32_t *cum, const uint32_t *f, const int32_t *ids, int n, uint32_t q, uint32_t lo,
                          int32_t top, uint32_t ftop) {
    cum[0] = 0;
    kern_cumsum_perm_from(cum, f, ids, 0, n, q, lo, top, ftop);
}

void kern_cumsum_ref(uint32_t *cum, const uint32_t *f, int n) {
    uint32_t c = 0;
    for (int i = 0; i < n; i++) {
        cum[i] = c;
        c += f[i];
    }
    cum[n] = c;
}

double kern_expsum_ref(float *e, const float *x, int n, float m) {
    double S = 0.0;
    for (int i = 0; i < n; i++) {
        e[i] = det_expf(x[i] - m);
        S = S + (double)e[i];
    }
    return S;
}

float kern_bias_ref(float *b, float *out, const float *e, const float *l, float r, float lo, int n) {
    for (int i = 0; i < n; i++) {
        float p = r * e[i];
        float x = b[i] - p;
        b[i] = x < lo ? lo : x;
        out[i] = l[i] + b[i];
    }
    return kern_maxf_ref(out, n);
}

int kern_mix_dot_ref(const int32_t *w, const int *x, int n) {
    int32_t s = 0;
    for (int i = 0; i < n; i++) s += (w[i] * x[i]) >> 8;
    return s >> 8;
}

void kern_mix_train_ref(int32_t *w, const int *x, int n, int err, int shift, int32_t wmax) {
    for (int i = 0; i < n; i++) {
        int32_t v = w[i] + ((x[i] * err) >> shift);
        w[i] = v < -wmax ? -wmax : v > wmax ? wmax : v;
    }
}

static const kernel_set REF = {
    .name = "ref",
    .matmul = kern_matmul_ref,
    .matmul_f = kern_matmul_f_ref,
    .quantize = kern_quantize_ref,
    .scores = kern_scores_ref,
    .mix = kern_mix_ref,
    .scores8 = kern_scores8_ref,
    .mix8 = kern_mix8_ref,
    .scores8_rows = kern_scores8_rows_ref,
    .mix8_rows = kern_mix8_rows_ref,
    .expsub = kern_expsub_ref,
    .silu_mul = kern_silu_mul_ref,
    .maxf = kern_maxf_ref,
    .freq_fill = kern_freq_fill_ref,
    .take = kern_take_ref,
    .cumsum = kern_cumsum_ref,
    .cumsum_perm = kern_cumsum_perm_ref,
    .expsum = kern_expsum_ref,
    .bias = kern_bias_ref,
    .mix_dot = kern_mix_dot_ref,
    .mix_train = kern_mix_train_ref,
};

const kernel_set *kernels_ref(void) { return &REF; }

const kernel_set *kernels_get(int which) {
    switch (which) {
    case LLMZ_KERNELS_REF: return &REF;
    case LLMZ_KERNELS_AVX2: return kernels_avx2();
    case LLMZ_KERNELS_AVX512: return kernels_avx512();
    case LLMZ_KERNELS_AUTO: {
        const kernel_set *k = kernels_avx512();
        if (!k) k = kernels_avx2();
        return k ? k : &REF;
    }
    default: return NULL;
    }
}

/* Packed weights (layouts: kernels.h), each used by one matmul only, so made only where it runs: the AVX-512
** layout where AVX-512 runs, else the AVX2 one where AVX2 does.
** Groups of R outputs: per group and block, R*QK weight bytes (byte R*4*j + 4*l + i = q[R*g + l][32b + 4j + i]
** + off) and then R float scales; the last group padded with zero weights and scales.  Returns the allocation
** (NULL on failure or for a shape it cannot pack) and in *pk its `align`-aligned start. */
static void *pack_groups(const qmat *w, int R, int off, size_t align, uint8_t **pk) {
    if (!w->q || !w->d || w->rows <= 0 || w->cols <= 0 || w->cols % QK) return NULL;
    size_t nb = (size_t)w->cols / QK, ng = ((size_t)w->rows + R - 1) / R, bytes = (size_t)R * (QK + sizeof(float));
    if (ng > SIZE_MAX / bytes / nb - 1) return NULL;
    uint8_t *mem = llmz_malloc(ng * nb * bytes + align - 1);
    if (!mem) return NULL;
    uint8_t *p0 = mem + ((align - ((uintptr_t)mem & (align - 1))) & (align - 1));
    for (size_t g = 0; g < ng; g++) {
        for (size_t b = 0; b < nb; b++) {
            uint8_t *p = p0 + (g * nb + b) * bytes;
            for (int l = 0; l < R; l++) {
                size_t o = g * (size_t)R + (size_t)l;
                int live = o < (size_t)w->rows;
                const int8_t *q = live ? w->q + o * (size_t)w->cols + b * QK : NULL;
                for (int j = 0; j < QK / 4; j++)
                    for (int i = 0; i < 4; i++) p[R * 4 * j + 4 * l + i] = (uint8_t)((live ? q[4 * j + i] : 0) + off);
                float sc = live ? w->d[o * nb + b] : 0.0f;
                memcpy(p + (size_t)R * QK + (size_t)l * sizeof sc, &sc, sizeof sc);
            }
        }
    }
    *pk = p0;
    return mem;
}

void kern_pack_avx2(qmat *w) {
    uint8_t *pk;
    if (!w->pk2 && (w->pk2_mem = pack_groups(w, KPACK2_ROWS, 0, 32, &pk)) != NULL) w->pk2 = (int8_t *)pk;
}

void kern_pack(qmat *w) {
    w->pk = NULL;
    w->pk_mem = NULL;
    w->pk2 = NULL;
    w->pk2_mem = NULL;
    if (kernels_avx512()) w->pk_mem = pack_groups(w, KPACK_ROWS, 128, 64, &w->pk);
    else if (kernels_avx2()) kern_pack_avx2(w);
}

void kern_unpack(qmat *w) {
    llmz_free(w->pk_mem);
    llmz_free(w->pk2_mem);
    w->pk_mem = w->pk2_mem = NULL;
    w->pk = NULL;
    w->pk2 = NULL;
}
