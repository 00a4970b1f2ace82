/*
** kernels.h -- the arithmetic of the model (numerics version 1, docs/determinism.md).
**
** Matrices are stored as int8 rows quantised in blocks of 32 with one float scale per block (Q8_0 with
** the fp16 scale widened exactly to float).  Activations are quantised the same way at run time:
**     amax = max |x_i| over the block;  d = amax / 127;  q_i = round_away(x_i * (127 / amax))  (0 if amax=0)
** A dot product of activation row x with weight row w is
**     acc = 0.0f;  for b = 0 .. nblocks-1:  acc = acc + (float)isum_b * (dx_b * dw_b)
** where isum_b = sum of 32 int8*int8 products, exact in int32.  Float operations happen in exactly this
** order, one rounding each.  Every kernel set (reference scalar, AVX2, AVX-512) computes these same bits;
** they differ only in how the integer sums are formed and how many rows are done at once.
*/
#ifndef LLMZ_KERNELS_H
#define LLMZ_KERNELS_H
#include <stddef.h>
#include <stdint.h>

#define QK 32 /* block length */
#define KV8_ROWS 4 /* rows scores8_rows and mix8_rows take at once */

typedef struct {
    int8_t *q;  /* (rows, cols) row-major */
    float *d;   /* (rows, cols/QK) per-block scales */
    int rows, cols;
    /* Optional packed copy of q and d for the AVX-512 matmul, made by kern_pack (NULL when absent: the
    ** kernels then use q and d; a qmat built by hand must have these zeroed, e.g. `qmat w = {0}`). */
    uint8_t *pk;  /* 64-byte aligned, layout KPACK_* below */
    void *pk_mem; /* the allocation behind pk */
    /* Optional packed copy for the AVX2 matmul (kern_pack on a CPU without AVX-512, or kern_pack_avx2), layout
    ** KPACK2_* below; NULL when absent. */
    int8_t *pk2;   /* 32-byte aligned */
    void *pk2_mem; /* the allocation behind pk2 */
    /* Optional: the model file's own weights, (rows, cols) row-major, when it stores them as floats (fw_type
    ** QW_F32, QW_F16 or QW_BF16; unaligned, little-endian, all finite): numerics version 3's products read these
    ** instead of q and d (matmul_f).  NULL: q and d. */
    const uint8_t *fw;
    int fw_type;
} qmat;

enum { QW_F32 = 0, QW_F16 = 1, QW_BF16 = 30 }; /* (their GGUF type numbers) */

/* Weight i (row-major) of W's fw, exactly as a float. */
float kern_fw_at(const qmat *W, size_t i);

/* Packed layout: outputs in groups of KPACK_ROWS (16); the last group is padded with zero weights and
** zero scales.  For group g and block b, at pk + ((size_t)g * (cols/QK) + b) * KPACK_BYTES:
**     byte 64*j + 4*l + i  (j < 8, l < 16, i < 4)  =  (uint8_t)(q[16g + l][32b + 4j + i] + 128)
**     then at +512: float[16], lane l = d[16g + l][b]
** so one 64-byte vector holds, per 32-bit lane (one output), the 4 weights (offset to unsigned) that
** multiply activations 32b+4j .. 32b+4j+3, and the scales load contiguously.  The numbers are the same:
** isum = sum (w+128)*x - 128 * sum x, exact in int32. */
#define KPACK_ROWS 16
#define KPACK_BYTES 576

/* AVX2 packed layout: outputs in groups of KPACK2_ROWS (8), the last one padded with zero weights and scales.
** For group g and block b, at pk2 + ((size_t)g * (cols/QK) + b) * KPACK2_BYTES:
**     byte 32*j + 4*l + i  (j < 8, l < 8, i < 4)  =  q[8g + l][32b + 4j + i]   (signed, as stored)
**     then at +256: float[8], lane l = d[8g + l][b]
** so one 32-byte vector holds, per 32-bit lane (one output), the 4 weights that multiply activations
** 32b+4j .. 32b+4j+3: the lanes' sums come out in output order without horizontal adds. */
#define KPACK2_ROWS 8
#define KPACK2_BYTES 288

/* Quantised activations: n rows of `cols` values. */
typedef struct {
    int8_t *q; /* (n, cols) */
    float *d;  /* (n, cols/QK) */
    int n, cols;
} qact;

typedef struct {
    const char *name;
    /* Y[r*ldy + o] = dot(x row r, W row o) for r in [0, n), o in [o0, o1) */
    void (*matmul)(float *Y, int ldy, const qact *X, const qmat *W, int o0, int o1);
    /* numerics version 3 (float activations): Y[r*ldy + o] = the dot product of float row r of X (n rows of
    ** W->cols, row stride W->cols) with W row o, for r in [0, n), o in [o0, o1), in this order:
    **     a[j] = 0.0f for j = 0..15;
    **     for b = 0 .. nblocks-1, j = 0..15:  s = (float)w[32b+j] * x[32b+j] + (float)w[32b+16+j] * x[32b+16+j];
    **                                         a[j] = a[j] + s * dw_b
    **     then a[j] = a[j] + a[j+8] (j < 8), a[j] + a[j+4] (j < 4), a[j] + a[j+2] (j < 2); result a[0] + a[1]
    ** (each product and sum rounded once; 16 lanes, as one AVX-512 register or two AVX2 ones hold them).  With W->fw
    ** the weights are fw's floats (kern_fw_at) and a[j] = a[j] + s: no scale. */
    void (*matmul_f)(float *Y, int ldy, const float *X, int n, const qmat *W, int o0, int o1);
    /* quantise n rows of `cols` floats (row stride = cols) into X */
    void (*quantize)(qact *X, const float *x, int n, int cols);
    /* att[t] = (sum_{i=0..hd-1} q[i] * kt[i*ld + t], in order of i) * scale, for t < T */
    void (*scores)(float *att, const float *q, const float *kt, int hd, int T, int ld, float scale);
    /* o[i] = sum_{t=0..T-1} (att[t] * inv) * v[t*ld + i], in order of t, starting from 0.0f */
    void (*mix)(float *o, const float *att, const float *v, int hd, int T, int ld, float inv);
    /* numerics version 2: the keys and values stored as `quantize` makes them (int8 in blocks of QK along the
    ** kv width, one float scale a block).  The head's element i is element off + i of its blocks (off < QK for
    ** scores; any off >= 0 for mix); kd[g * ld + t]: the scale of the head's g-th block (counted from the one
    ** holding element 0) at position t; vd[t * ldd + g] likewise for the values.
    ** scores8: att[t] = s * scale, s = 0.0f; for each run of i in one block g, in order:
    **          p = 0.0f; p = p + q[i] * (float)kt[i*ld + t] (in order of i); s = s + p * kd[g*ld + t]
    ** mix8:    o[i] = sum_{t=0..T-1} ((att[t] * inv) * vd[t*ldd + g(i)]) * (float)v[t*ld + i], in order of t,
    **          from 0.0f, g(i) = (off + i) / QK */
    void (*scores8)(float *att, const float *q, const int8_t *kt, const float *kd, int hd, int T, int ld, int off,
                    float scale);
    void (*mix8)(float *o, const float *att, const int8_t *v, const float *vd, int hd, int T, int ld, int ldd, int off,
                 float inv);
    /* The same for R <= KV8_ROWS rows of one sequence at once (a prefill: the keys and values read once for all):
    ** scores8_rows: row r's scores8 into att + r*lda, query q + r*ldq, all over the same T positions;
    ** mix8_rows:    row r's mix8 into o + r*ldo, weights att + r*lda over T[r] positions with inv[r].
    ** Each row's values are exactly scores8's and mix8's. */
    void (*scores8_rows)(float *att, int lda, const float *q, int ldq, int R, const int8_t *kt, const float *kd, int hd,
                         int T, int ld, int off, float scale);
    void (*mix8_rows)(float *o, int ldo, const float *att, int lda, const int *T, const float *inv, int R,
                      const int8_t *v, const float *vd, int hd, int ld, int ldd, int off);
    /* x[i] = det_expf(x[i] - m) */
    void (*expsub)(float *x, int n, float m);
    /* h[i] = (h[i] / (1 + det_expf(-h[i]))) * u[i]   (SwiGLU) */
    void (*silu_mul)(float *h, const float *u, int n);
    /* The frequency rule's vector parts (coder/freq.h) and the online models' (adapt/):
    ** maxf:      m = x[0]; for i = 1 .. n-1: if (x[i] > m) m = x[i]      (n >= 1)
    ** freq_fill: f[i] = 1 + (uint32_t)((double)e[i] * k), requires 0 <= e[i] * k < 2^31; returns the sum of
    **            the f[i] and in *best the first index of the largest
    ** take:      t = (uint32_t)(((uint64_t)src[i] * b) >> 16); dst[i] = src[i] - t; returns the sum of the t
    **            (b < 2^16, src[i] < 2^31; dst may be src) */
    float (*maxf)(const float *x, int n);
    int64_t (*freq_fill)(uint32_t *f, const float *e, int n, double k, int *best);
    uint64_t (*take)(uint32_t *dst, const uint32_t *src, int n, uint32_t b);
    /* cum[0] = 0, cum[i + 1] = cum[i] + f[i] (mod 2^32) for i < n: writes n + 1 values */
    void (*cumsum)(uint32_t *cum, const uint32_t *f, int n);
    /* The same over f in the order ids (method 4's byte order, cm/lmbits.h), each term scaled (secondary estimation's
    ** first step, engine/predictor.c): for k < n, t = ids[k] (0 <= t < the length of f),
    **            g = f[t] * q + ((f[t] * lo) >> 32)   (64-bit products, f[t] < 2^32)
    **            v = ftop if t == top, else 1 if g == 0, else g mod 2^32
    **            cum[0] = 0, cum[k + 1] = cum[k] + v (mod 2^32); writes n + 1 values
    ** (q = 1, lo = 0, top = -1: the plain sums of f in that order) */
    void (*cumsum_perm)(uint32_t *cum, const uint32_t *f, const int32_t *ids, int n, uint32_t q, uint32_t lo,
                        int32_t top, uint32_t ftop);
    /* e[i] = det_expf(x[i] - m) for i < n, and returns S = sum of (double)e[i] in order of i, from 0.0 */
    double (*expsum)(float *e, const float *x, int n, float m);
    /* the output bias's step (adapt/bias.h), float32, no fused multiply-add: for i < n,
    ** x = b[i] - r * e[i]; b[i] = x < lo ? lo : x; out[i] = l[i] + b[i]; returns maxf(out, n) (n >= 1) */
    float (*bias)(float *b, float *out, const float *e, const float *l, float r, float lo, int n);
    /* The byte models' mixers (cm/cm.c), integers only, n a multiple of 4:
    ** mix_dot:   returns (sum over i of ((w[i] * x[i]) >> 8)) >> 8, each product and the sum within int32
    **            (|w| <= 2^19, |x| <= 2^11: the sum of up to 64 terms fits), >> arithmetic
    ** mix_train: w[i] = clamp(w[i] + ((x[i] * err) >> shift), -wmax, wmax)  (|x * err| < 2^31) */
    int (*mix_dot)(const int32_t *w, const int *x, int n);
    void (*mix_train)(int32_t *w, const int *x, int n, int err, int shift, int32_t wmax);
} kernel_set;

/* Kernel set by llmz_kernels value; NULL if this CPU/build lacks it.  AUTO picks the fastest. */
const kernel_set *kernels_get(int which);
const kernel_set *kernels_ref(void);

/* Reference implementations (exported for the equality tests). */
void kern_matmul_ref(float *Y, int ldy, const qact *X, const qmat *W, int o0, int o1);
void kern_matmul_f_ref(float *Y, int ldy, const float *X, int n, const qmat *W, int o0, int o1);
void kern_quantize_ref(qact *X, const float *x, int n, int cols);
void kern_scores_ref(float *att, const float *q, const float *kt, int hd, int T, int ld, float scale);
void kern_mix_ref(float *o, const float *att, const float *v, int hd, int T, int ld, float inv);
void kern_scores8_ref(float *att, const float *q, const int8_t *kt, const float *kd, int hd, int T, int ld, int off,
                      float scale);
void kern_mix8_ref(float *o, const float *att, const int8_t *v, const float *vd, int hd, int T, int ld, int ldd, int off,
                   float inv);
void kern_scores8_rows_ref(float *att, int lda, const float *q, int ldq, int R, const int8_t *kt, const float *kd, int hd,
                           int T, int ld, int off, float scale);
void kern_mix8_rows_ref(float *o, int ldo, const float *att, int lda, const int *T, const float *inv, int R,
                        const int8_t *v, const float *vd, int hd, int ld, int ldd, int off);
void kern_expsub_ref(float *x, int n, float m);
void kern_silu_mul_ref(float *h, const float *u, int n);
float kern_maxf_ref(const float *x, int n);
/* The end of a vector maximum of x[0..n): lm[0..nl) the lanes' maxima over x[0..from), odd nonzero when a
** lane saw a NaN; x[from..n) is scanned here.  Returns the largest value, which is what maxf finds unless a
** NaN, a zero maximum (its sign depends on the order of the scan) or all -inf is involved: then the
** reference's scan of x. */
float kern_max_finish(const float *lm, int nl, int odd, const float *x, int from, int n);
int64_t kern_freq_fill_ref(uint32_t *f, const float *e, int n, double k, int *best);
uint64_t kern_take_ref(uint32_t *dst, const uint32_t *src, int n, uint32_t b);
void kern_cumsum_ref(uint32_t *cum, const uint32_t *f, int n);
void kern_cumsum_perm_ref(uint32_t *cum, const uint32_t *f, const int32_t *ids, int n, uint32_t q, uint32_t lo,
                          int32_t top, uint32_t ftop);
/* Its terms k .. n-1 only, on from cum[k] (the SIMD kernels' tails). */
void kern_cumsum_perm_from(uint32_t *cum, const uint32_t *f, const int32_t *ids, int k, int n, uint32_t q, uint32_t lo,
                           int32_t top, uint32_t ftop);
double kern_expsum_ref(float *e, const float *x, int n, float m);
float kern_bias_ref(float *b, float *out, const float *e, const float *l, float r, float lo, int n);

/* Build w->pk from w->q, w->d (once, after loading) if a kernel set of this CPU uses it; on allocation
** failure (or when unused) w->pk stays NULL, which is always valid.  kern_unpack frees it (idempotent). */
void kern_pack(qmat *w);
void kern_unpack(qmat *w);
/* Build w->pk2 whatever the CPU (the tests use it to check the AVX2 packed matmul on AVX-512 machines too). */
void kern_pack_avx2(qmat *w);

/* SIMD sets; each returns NULL when the build or CPU lacks the instructions. */
const kernel_set *kernels_avx2(void);
const kernel_set *kernels_avx512(void);

/* The AVX2 functions themselves (for reuse by the AVX-512 set); call only when kernels_avx2() != NULL. */
void kern_matmul_avx2(float *Y, int ldy, const qact *X, const qmat *W, int o0, int o1);
void kern_matmul_f_avx2(float *Y, int ldy, const float *X, int n, const qmat *W, int o0, int o1);
void kern_quantize_avx2(qact *X, const float *x, int n, int cols);
void kern_scores_avx2(float *att, const float *q, const float *kt, int hd, int T, int ld, float scale);
void kern_mix_avx2(float *o, const float *att, const float *v, int hd, int T, int ld, float inv);
void kern_scores8_avx2(float *att, const float *q, const int8_t *kt, const float *kd, int hd, int T, int ld, int off,
                       float scale);
void kern_mix8_avx2(float *o, const float *att, const int8_t *v, const float *vd, int hd, int T, int ld, int ldd, int off,
                    float inv);
void kern_expsub_avx2(float *x, int n, float m);
void kern_silu_mul_avx2(float *h, const float *u, int n);
float kern_maxf_avx2(const float *x, int n);
int64_t kern_freq_fill_avx2(uint32_t *f, const float *e, int n, double k, int *best);
uint64_t kern_take_avx2(uint32_t *dst, const uint32_t *src, int n, uint32_t b);
int kern_mix_dot_ref(const int32_t *w, const int *x, int n);
void kern_mix_train_ref(int32_t *w, const int *x, int n, int err, int shift, int32_t wmax);
int kern_mix_dot_avx2(const int32_t *w, const int *x, int n);
void kern_mix_train_avx2(int32_t *w, const int *x, int n, int err, int shift, int32_t wmax);
double kern_expsum_avx2(float *e, const float *x, int n, float m);

#endif
