/* test_kernels.c -- every optimised kernel equals the reference byte for byte (memcmp), on random and
** extreme data, for shapes that exercise the vector tails, with packed (kern_pack) and unpacked weights. */
#include <math.h>
#include <stdint.h>

#include "common/mem.h"
#include "llmz.h"
#include "numerics/kernels.h"
#include "t.h"

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t next(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}
static float frand(float scale) { return ((float)(next() % 2000001) - 1000000.0f) / 1000000.0f * scale; }

/* matmul of k vs ref on Y (n, rows) for [o0, o1); the rest of Y must stay untouched */
static int matmul_same(const kernel_set *k, const qact *A, const qmat *W, int n, int o0, int o1) {
    int rows = W->rows;
    float *Y1 = malloc(sizeof(float) * n * rows), *Y2 = malloc(sizeof(float) * n * rows);
    for (int i = 0; i < n * rows; i++) Y1[i] = Y2[i] = (float)i + 0.25f;
    kern_matmul_ref(Y1, rows, A, W, o0, o1);
    k->matmul(Y2, rows, A, W, o0, o1);
    int same = memcmp(Y1, Y2, sizeof(float) * n * rows) == 0;
    free(Y1);
    free(Y2);
    return same;
}

/* numerics 3's matmul_f of k vs ref (the same untouched-rest rule), and the reference against a double-precision
** dot product: within 1e-5 of the sum of the terms' magnitudes (float rounding, nothing quantised) */
static int matmul_f_same(const kernel_set *k, const float *x, const qmat *W, int n, int o0, int o1) {
    int rows = W->rows, cols = W->cols, nb = cols / QK, close = 1;
    float *Y1 = malloc(sizeof(float) * n * rows), *Y2 = malloc(sizeof(float) * n * rows);
    for (int i = 0; i < n * rows; i++) Y1[i] = Y2[i] = (float)i + 0.25f;
    kern_matmul_f_ref(Y1, rows, x, n, W, o0, o1);
    k->matmul_f(Y2, rows, x, n, W, o0, o1);
    int same = memcmp(Y1, Y2, sizeof(float) * n * rows) == 0;
    for (int r = 0; r < n; r++)
        for (int o = o0; o < o1; o++) {
            double e = 0.0, mag = 0.0;
            for (int i = 0; i < cols; i++) {
                size_t wi = (size_t)o * cols + (size_t)i;
                double w = W->fw ? (double)kern_fw_at(W, wi) : (double)W->q[wi] * W->d[(size_t)o * nb + i / QK];
                double t = w * x[(size_t)r * cols + i];
                e += t;
                mag += fabs(t);
            }
            if (fabs((double)Y1[(size_t)r * rows + o] - e) > 1e-5 * mag + 1e-30) close = 0;
        }
    free(Y1);
    free(Y2);
    return same && close;
}

static void check_matmul(const kernel_set *k) {
    const kernel_set *ref = kernels_ref();
    int shapes[][3] = {{1, 32, 8},     {3, 64, 13},   {5, 192, 192}, {2, 512, 37},  {17, 96, 4096 / 16},
                       {1, 32, 1},     {1, 192, 4096}, {4, 160, 33},  {6, 224, 47},  {9, 192, 512},
                       {2, 512, 192},  {64, 192, 100}, {7, 32, 16},   {8, 64, 64},   {1, 96, 17}};
    for (size_t si = 0; si < sizeof shapes / sizeof shapes[0]; si++) {
        int n = shapes[si][0], cols = shapes[si][1], rows = shapes[si][2];
        for (int mode = 0; mode < 4; mode++) {
            float *x = malloc(sizeof(float) * n * cols);
            for (int i = 0; i < n * cols; i++) {
                x[i] = frand(mode == 1 ? 1e4f : 3.0f);
                if (mode == 2 && i % 3) x[i] = 0.0f;         /* sparse, zero blocks */
                if (mode == 3 && i % 7 == 0) x[i] = -0.0f;   /* negative zeros */
                if (mode == 3 && i % 11 == 0) x[i] = 1e-30f; /* tiny values */
                if (mode == 3 && i % 13 == 0) x[i] = (i & 1) ? 2.5f : -3.5f; /* round-half ties after scaling */
            }
            if (mode == 2)
                for (int i = 0; i < 32 && i < n * cols; i++) x[i] = 0.0f;
            if (mode == 1) /* a block of all +127 and one of all -127 activations: extreme integer sums */
                for (int i = 0; i < 32 && i < n * cols; i++) {
                    x[i] = 5.0f;
                    if (32 + i < n * cols) x[32 + i] = -5.0f;
                }
            qact A = {malloc(n * cols), malloc(sizeof(float) * n * cols / QK), 0, 0};
            qact B = {malloc(n * cols), malloc(sizeof(float) * n * cols / QK), 0, 0};
            ref->quantize(&A, x, n, cols);
            k->quantize(&B, x, n, cols);
            CHECK(memcmp(A.q, B.q, n * cols) == 0);
            CHECK(memcmp(A.d, B.d, sizeof(float) * n * cols / QK) == 0);
            CHECK(A.n == B.n && A.cols == B.cols);
            qmat W = {malloc(rows * cols), malloc(sizeof(float) * rows * cols / QK), rows, cols, NULL, NULL, NULL, NULL, NULL, 0};
            for (int i = 0; i < rows * cols; i++) W.q[i] = (int8_t)((int)(next() % 255) - 127);
            if (mode == 1)
                for (int i = 0; i < rows * cols; i++) W.q[i] = (i & 1) ? 127 : -127; /* extreme sums */
            if (mode == 2)
                for (int i = 0; i < rows * cols; i++) W.q[i] = (i / 32) & 1 ? 127 : -127;
            if (mode == 3) W.q[0] = -127;
            for (int i = 0; i < rows * cols / QK; i++) W.d[i] = fabsf(frand(0.05f)) + 1e-6f;
            if (mode == 3) W.d[rows * cols / QK - 1] = 0.0f;
            /* numerics 3 with the file's own float weights: F32, F16 (subnormal halves too), BF16 */
            {
                int types[3] = {QW_F32, QW_F16, QW_BF16};
                uint8_t *buf = malloc((size_t)rows * cols * 4);
                for (int ti = 0; ti < 3; ti++) {
                    for (size_t i = 0; i < (size_t)rows * cols; i++) {
                        float v = frand(mode == 1 ? 60.0f : 0.5f);
                        uint32_t bits;
                        memcpy(&bits, &v, 4);
                        uint16_t h = (uint16_t)(bits >> 16); /* BF16: the top half */
                        if (types[ti] == QW_F16) /* a finite half: sign, exponent 0..30, mantissa */
                            h = (uint16_t)((next() & 0x8000) | (next() % 31) << 10 | (next() & 1023));
                        if (types[ti] == QW_F32) memcpy(buf + 4 * i, &v, 4);
                        else {
                            buf[2 * i] = (uint8_t)h;
                            buf[2 * i + 1] = (uint8_t)(h >> 8);
                        }
                    }
                    W.fw = buf;
                    W.fw_type = types[ti];
                    CHECK(matmul_f_same(k, x, &W, n, 0, rows));
                    if (rows > 20) CHECK(matmul_f_same(k, x, &W, n, 3, rows - 5));
                    W.fw = NULL;
                }
                free(buf);
            }
            for (int packed = 0; packed < 3; packed++) { /* unpacked, this CPU's packing, the AVX2 packing */
                if (packed == 1) kern_pack(&W);
                if (packed == 2) {
                    kern_unpack(&W);
                    kern_pack_avx2(&W);
                    CHECK(W.pk2 != NULL && W.pk == NULL);
                }
                CHECK(matmul_same(k, &A, &W, n, 0, rows));
                CHECK(matmul_f_same(k, x, &W, n, 0, rows));
                /* sub-ranges of outputs (what a thread computes), including ones inside one group of 16 */
                int ranges[][2] = {{3, rows - 5}, {1, 2}, {15, 17}, {16, 32}, {rows - 1, rows}, {17, rows}, {0, 7}, {9, 30}, {6, 41}};
                for (size_t ri = 0; ri < sizeof ranges / sizeof ranges[0]; ri++) {
                    int o0 = ranges[ri][0], o1 = ranges[ri][1];
                    if (o0 < 0 || o1 > rows || o0 >= o1) continue;
                    CHECK(matmul_same(k, &A, &W, n, o0, o1));
                    CHECK(matmul_f_same(k, x, &W, n, o0, o1));
                }
                if (n > 1) CHECK(matmul_f_same(k, x, &W, n - 1, 0, rows)); /* fewer rows */
                /* fewer activation rows than allocated */
                if (n > 1) {
                    qact A1 = A;
                    A1.n = n - 1;
                    CHECK(matmul_same(k, &A1, &W, n - 1, 0, rows));
                }
            }
            kern_unpack(&W);
            kern_unpack(&W); /* idempotent */
            CHECK(W.pk == NULL && W.pk_mem == NULL && W.pk2 == NULL && W.pk2_mem == NULL);
            free(x);
            free(A.q);
            free(A.d);
            free(B.q);
            free(B.d);
            free(W.q);
            free(W.d);
        }
    }
    /* packing under allocation failure leaves the canonical layout, which still gives the same numbers */
    {
        int n = 3, cols = 64, rows = 40;
        qmat W = {malloc(rows * cols), malloc(sizeof(float) * rows * cols / QK), rows, cols, NULL, NULL, NULL, NULL, NULL, 0};
        for (int i = 0; i < rows * cols; i++) W.q[i] = (int8_t)((int)(next() % 255) - 127);
        for (int i = 0; i < rows * cols / QK; i++) W.d[i] = fabsf(frand(0.05f));
        llmz_mem_fail_after(1);
        kern_pack(&W);
        kern_pack_avx2(&W);
        llmz_mem_fail_after(-1);
        CHECK(W.pk == NULL && W.pk_mem == NULL && W.pk2 == NULL && W.pk2_mem == NULL);
        float x[3 * 64];
        for (int i = 0; i < n * cols; i++) x[i] = frand(2.0f);
        qact A = {malloc(n * cols), malloc(sizeof(float) * n * cols / QK), 0, 0};
        kern_quantize_ref(&A, x, n, cols);
        CHECK(matmul_same(k, &A, &W, n, 0, rows));
        CHECK(matmul_same(k, &A, &W, n, 5, 21));
        free(A.q);
        free(A.d);
        free(W.q);
        free(W.d);
    }
}

static int bits_equal(const float *a, const float *b, int n) { return memcmp(a, b, sizeof(float) * n) == 0; }

static void check_float_kernels(const kernel_set *k) {
    /* scores and mix: T and hd tails, layout strides as the transformer uses them */
    int hds[] = {1, 7, 8, 16, 17, 32, 48, 64, 65, 96};
    int Ts[] = {1, 2, 7, 8, 15, 16, 17, 31, 33, 63, 64, 65, 100, 128, 256};
    for (size_t hi = 0; hi < sizeof hds / sizeof hds[0]; hi++) {
        for (size_t ti = 0; ti < sizeof Ts / sizeof Ts[0]; ti++) {
            int hd = hds[hi], T = Ts[ti], ld = T + 3 + (int)(next() % 5);
            int ldv = hd + (int)(next() % 9);
            float *q = malloc(sizeof(float) * hd), *kt = malloc(sizeof(float) * hd * ld);
            float *v = malloc(sizeof(float) * T * ldv), *att = malloc(sizeof(float) * (T + 16));
            float *a1 = malloc(sizeof(float) * (T + 16)), *a2 = malloc(sizeof(float) * (T + 16));
            float *o1 = malloc(sizeof(float) * (hd + 16)), *o2 = malloc(sizeof(float) * (hd + 16));
            for (int i = 0; i < hd; i++) q[i] = frand(2.0f);
            for (int i = 0; i < hd * ld; i++) kt[i] = frand(2.0f);
            for (int i = 0; i < T * ldv; i++) v[i] = frand(3.0f);
            if (ti & 1) {
                q[0] = -0.0f;
                kt[0] = 1e30f;
                kt[ld - 1] = -1e30f;
                v[0] = -0.0f;
            }
            for (int i = 0; i < T + 16; i++) a1[i] = a2[i] = -7.0f;
            kern_scores_ref(a1, q, kt, hd, T, ld, 0.125f);
            k->scores(a2, q, kt, hd, T, ld, 0.125f);
            CHECK(bits_equal(a1, a2, T + 16));
            for (int t = 0; t < T; t++) att[t] = frand(1.0f) + 1.0f;
            for (int i = 0; i < hd + 16; i++) o1[i] = o2[i] = -7.0f;
            kern_mix_ref(o1, att, v, hd, T, ldv, 0.37f);
            k->mix(o2, att, v, hd, T, ldv, 0.37f);
            CHECK(bits_equal(o1, o2, hd + 16));
            free(q);
            free(kt);
            free(v);
            free(att);
            free(a1);
            free(a2);
            free(o1);
            free(o2);
        }
    }
    /* expsub and silu_mul: every length up to 70 (tails), extreme values, -0.0, the exp cut-offs */
    static const float special[] = {0.0f, -0.0f, -86.9f, -87.0f, -87.01f, -88.0f, -100.0f, -1e30f, 87.9f, 88.0f,
                                    88.01f, 89.0f, 100.0f, 1e30f, 1e-30f, -1e-30f, 0.5f, -0.5f, 1.0f, 20.0f, -20.0f,
                                    0.34657359f, -0.34657359f, 44.0f, -44.0f};
    int ns = (int)(sizeof special / sizeof special[0]);
    for (int n = 0; n <= 70; n++) {
        for (int mode = 0; mode < 3; mode++) {
            float x1[80], x2[80], u[80], h1[80], h2[80];
            for (int i = 0; i < 80; i++) {
                float val = mode == 0 ? frand(10.0f) : mode == 1 ? frand(120.0f) : special[(i + n) % ns];
                x1[i] = x2[i] = val;
                h1[i] = h2[i] = mode == 2 ? special[(i * 7 + n) % ns] : frand(mode ? 100.0f : 8.0f);
                u[i] = frand(3.0f);
                if (i % 9 == 4) u[i] = -0.0f;
            }
            float m = mode == 2 ? 0.0f : frand(5.0f);
            kern_expsub_ref(x1, n, m);
            k->expsub(x2, n, m);
            CHECK(bits_equal(x1, x2, 80));
            kern_silu_mul_ref(h1, u, n);
            k->silu_mul(h2, u, n);
            CHECK(bits_equal(h1, h2, 80));
        }
    }
}

/* numerics 2's scores8 and mix8 against the reference: heads starting at every offset in their block (off), head
** widths with and without tails, T and hd tails, layout strides as the transformer uses them, extreme values. */
static void check_kv8_kernels(const kernel_set *k) {
    int hds[] = {1, 8, 16, 17, 32, 48, 64, 80, 96, 128};
    int Ts[] = {1, 7, 8, 9, 16, 31, 33, 64, 100, 129, 256};
    int offs[] = {0, 0, 16, 5, 31};
    for (size_t hi = 0; hi < sizeof hds / sizeof hds[0]; hi++) {
        for (size_t ti = 0; ti < sizeof Ts / sizeof Ts[0]; ti++) {
            int hd = hds[hi], T = Ts[ti], off = offs[(hi + ti) % 5], ld = T + 3 + (int)(next() % 5);
            int nb = (off + hd + QK - 1) / QK + 1, ldv = hd + off + (int)(next() % 9), ldd = nb + (int)(next() % 3);
            float *q = malloc(sizeof(float) * hd), *kd = malloc(sizeof(float) * nb * ld);
            float *vd = malloc(sizeof(float) * T * ldd), *att = malloc(sizeof(float) * (T + 16));
            int8_t *kt = malloc((size_t)hd * ld), *v = malloc((size_t)T * ldv);
            float *a1 = malloc(sizeof(float) * (T + 16)), *a2 = malloc(sizeof(float) * (T + 16));
            float *o1 = malloc(sizeof(float) * (hd + 16)), *o2 = malloc(sizeof(float) * (hd + 16));
            for (int i = 0; i < hd; i++) q[i] = frand(2.0f);
            for (int i = 0; i < hd * ld; i++) kt[i] = (int8_t)((int)(next() % 255) - 127);
            for (int i = 0; i < nb * ld; i++) kd[i] = frand(0.05f);
            for (int i = 0; i < T * ldv; i++) v[i] = (int8_t)((int)(next() % 255) - 127);
            for (int i = 0; i < T * ldd; i++) vd[i] = frand(0.05f);
            if (ti & 1) {
                q[0] = -0.0f;
                kd[0] = 1e30f;
                vd[0] = -0.0f;
            }
            for (int i = 0; i < T + 16; i++) a1[i] = a2[i] = -7.0f;
            kern_scores8_ref(a1, q, kt, kd, hd, T, ld, off, 0.125f);
            k->scores8(a2, q, kt, kd, hd, T, ld, off, 0.125f);
            CHECK(bits_equal(a1, a2, T + 16));
            for (int t = 0; t < T; t++) att[t] = frand(1.0f) + 1.0f;
            for (int i = 0; i < hd + 16; i++) o1[i] = o2[i] = -7.0f;
            kern_mix8_ref(o1, att, v + off, vd, hd, T, ldv, ldd, off, 0.37f);
            k->mix8(o2, att, v + off, vd, hd, T, ldv, ldd, off, 0.37f);
            CHECK(bits_equal(o1, o2, hd + 16));
            free(q);
            free(kd);
            free(vd);
            free(att);
            free(kt);
            free(v);
            free(a1);
            free(a2);
            free(o1);
            free(o2);
        }
    }
    /* several rows of one sequence at once (a prefill): each row exactly as scores8 and mix8 alone give it */
    for (int hd = 32; hd <= 128; hd += 32) {
        for (int R = 1; R <= KV8_ROWS; R++) {
            for (int off = 0; off < QK; off += 16) {
                int T0 = 1 + (int)(next() % 140), ld = 256, nb = (off + hd + QK - 1) / QK + 1, ldv = hd + off + 3;
                int T[KV8_ROWS], ldq = hd + 5, Tmax = T0 + R - 1;
                float inv[KV8_ROWS];
                float *q = malloc(sizeof(float) * R * ldq), *kd = malloc(sizeof(float) * nb * ld);
                float *vd = malloc(sizeof(float) * ld * nb), *att = malloc(sizeof(float) * R * ld);
                float *a1 = malloc(sizeof(float) * R * ld), *a2 = malloc(sizeof(float) * R * ld);
                float *o1 = malloc(sizeof(float) * R * ldq), *o2 = malloc(sizeof(float) * R * ldq);
                int8_t *kt = malloc((size_t)hd * ld), *v = malloc((size_t)ld * ldv);
                for (int i = 0; i < R * ldq; i++) q[i] = frand(2.0f);
                for (int i = 0; i < hd * ld; i++) kt[i] = (int8_t)((int)(next() % 255) - 127);
                for (int i = 0; i < nb * ld; i++) kd[i] = frand(0.05f);
                for (int i = 0; i < ld * ldv; i++) v[i] = (int8_t)((int)(next() % 255) - 127);
                for (int i = 0; i < ld * nb; i++) vd[i] = frand(0.05f);
                for (int i = 0; i < R * ld; i++) {
                    a1[i] = a2[i] = -7.0f;
                    att[i] = frand(1.0f) + 1.0f;
                }
                for (int r = 0; r < R; r++) {
                    T[r] = T0 + r;
                    inv[r] = 0.3f + 0.01f * (float)r;
                    kern_scores8_ref(a1 + (size_t)r * ld, q + (size_t)r * ldq, kt, kd, hd, Tmax, ld, off, 0.125f);
                }
                k->scores8_rows(a2, ld, q, ldq, R, kt, kd, hd, Tmax, ld, off, 0.125f);
                CHECK(bits_equal(a1, a2, R * ld));
                for (int i = 0; i < R * ldq; i++) o1[i] = o2[i] = -7.0f;
                for (int r = 0; r < R; r++)
                    kern_mix8_ref(o1 + (size_t)r * ldq, att + (size_t)r * ld, v + off, vd, hd, T[r], ldv, nb, off, inv[r]);
                k->mix8_rows(o2, ldq, att, ld, T, inv, R, v + off, vd, hd, ldv, nb, off);
                CHECK(bits_equal(o1, o2, R * ldq));
                free(q);
                free(kd);
                free(vd);
                free(att);
                free(a1);
                free(a2);
                free(o1);
                free(o2);
                free(kt);
                free(v);
            }
        }
    }
    /* the definition itself, on one position: two blocks, partial sums scaled per block */
    {
        float q2[64], kd2[2] = {0.5f, 0.25f}, a = 0.0f;
        int8_t k2[64];
        for (int i = 0; i < 64; i++) {
            q2[i] = (float)(i % 7) - 3.0f;
            k2[i] = (int8_t)(i - 32);
        }
        float p0 = 0.0f, p1 = 0.0f;
        for (int i = 0; i < 32; i++) p0 = p0 + q2[i] * (float)k2[i];
        for (int i = 32; i < 64; i++) p1 = p1 + q2[i] * (float)k2[i];
        k->scores8(&a, q2, k2, kd2, 64, 1, 1, 0, 2.0f);
        CHECK(a == ((0.0f + p0 * 0.5f) + p1 * 0.25f) * 2.0f);
    }
}

/* maxf, expsum, freq_fill, take, cumsum and bias: random, tied, zero-signed and NaN inputs, every length 1 .. 70 and 4096. */
static void check_vector_kernels(const kernel_set *k) {
    const kernel_set *ref = kernels_ref();
    int lens[72];
    for (int i = 0; i < 70; i++) lens[i] = i + 1;
    lens[70] = 4096;
    lens[71] = 4099;
    float *x = malloc(sizeof(float) * 4099);
    uint32_t *f1 = malloc(sizeof(uint32_t) * 4099), *f2 = malloc(sizeof(uint32_t) * 4099);
    int bad_max = 0, bad_fill = 0, bad_take = 0, bad_cum = 0, bad_expsum = 0, bad_bias = 0;
    for (int li = 0; li < 72; li++) {
        int n = lens[li];
        for (int mode = 0; mode < 5; mode++) {
            for (int i = 0; i < n; i++) {
                x[i] = frand(20.0f);
                if (mode == 1) x[i] = (float)(next() % 4);          /* many ties */
                if (mode == 2) x[i] = (next() & 1) ? 0.0f : -0.0f;  /* zeros of both signs */
                if (mode == 2 && i % 5 == 0) x[i] = -frand(1.0f) * frand(1.0f) - 1.0f;
            }
            if (mode == 3) x[next() % (unsigned)n] = NAN;
            if (mode == 4) x[0] = NAN;
            float a = ref->maxf(x, n), b = k->maxf(x, n);
            bad_max += memcmp(&a, &b, sizeof a) != 0;
            /* exp and its in-order double sum (NaN lanes give 0, as det_expf does) */
            {
                float *e1 = malloc(sizeof(float) * n), *e2 = malloc(sizeof(float) * n);
                float mm = mode == 2 ? 0.5f : a == a ? a : 1.0f;
                double s1 = ref->expsum(e1, x, n, mm), s2 = k->expsum(e2, x, n, mm);
                bad_expsum += memcmp(&s1, &s2, sizeof s1) != 0 || memcmp(e1, e2, sizeof(float) * n) != 0;
                free(e1);
                free(e2);
            }
            /* e in [0, 1] with the largest exactly 1, k as the frequency rule makes it */
            for (int i = 0; i < n; i++) x[i] = mode == 1 ? (float)(next() % 3) / 2.0f : fabsf(frand(1.0f));
            x[next() % (unsigned)n] = 1.0f;
            if (mode == 2)
                for (int i = 0; i < n; i++) x[i] = x[i] * 1e-30f;
            double S = 0.0;
            for (int i = 0; i < n; i++) S = S + (double)x[i];
            if (!(S > 0.0)) S = 1.0;
            double kk = (double)((1u << 28) - (uint32_t)n) / S;
            int b1 = -1, b2 = -2;
            int64_t s1 = ref->freq_fill(f1, x, n, kk, &b1), s2 = k->freq_fill(f2, x, n, kk, &b2);
            bad_fill += s1 != s2 || b1 != b2 || memcmp(f1, f2, sizeof(uint32_t) * n) != 0;
            /* take, with b from 0 to 65535 and frequencies up to 2^28 */
            for (int i = 0; i < n; i++) f1[i] = f2[i] = mode == 4 ? (1u << 28) - (uint32_t)i : next() % (1u << 28);
            uint32_t bb = mode == 0 ? 0 : mode == 1 ? 65535 : next() % 65536;
            uint32_t *f3 = malloc(sizeof(uint32_t) * n);
            uint64_t m3 = k->take(f3, f2, n, bb); /* out of place, from the same input */
            uint64_t m1 = ref->take(f1, f1, n, bb), m2 = k->take(f2, f2, n, bb);
            bad_take += m1 != m2 || m3 != m2 || memcmp(f1, f2, sizeof(uint32_t) * n) != 0 ||
                        memcmp(f3, f2, sizeof(uint32_t) * n) != 0;
            free(f3);
            /* prefix sums, wrapping past 2^32 in mode 4 */
            uint32_t *c1 = malloc(sizeof(uint32_t) * (n + 1)), *c2 = malloc(sizeof(uint32_t) * (n + 1));
            if (mode == 4)
                for (int i = 0; i < n; i++) f1[i] = 0xF0000000u + (uint32_t)i;
            ref->cumsum(c1, f1, n);
            k->cumsum(c2, f1, n);
            bad_cum += memcmp(c1, c2, sizeof(uint32_t) * (n + 1)) != 0;
            /* the same in a permuted order, scaled: unchanged (mode 0), scales that floor to 0 (1), that pass 2^32
            ** (2), the predictor's ratios with a top token in the order (3) or not (4, wrapping sums) */
            {
                int32_t *ids = malloc(sizeof(int32_t) * n);
                for (int i = 0; i < n; i++) ids[i] = i;
                for (int i = n - 1; i > 0; i--) { /* a permutation of f's indices, the last one left out */
                    int j = (int)(next() % (unsigned)(i + 1)), t = ids[i];
                    ids[i] = ids[j];
                    ids[j] = t;
                }
                int m = n > 1 ? n - 1 : n;
                if (mode == 1)
                    for (int i = 0; i < n; i++) f1[i] = next() % 4;
                uint32_t q = mode == 0 ? 1 : mode == 1 ? 0 : mode == 2 ? 1u << 28 : next() % 3;
                uint32_t lo = mode == 0 ? 0 : (uint32_t)next() * 2654435761u;
                int32_t top = mode == 3 ? ids[next() % (unsigned)m] : mode == 4 ? n : -1;
                ref->cumsum_perm(c1, f1, ids, m, q, lo, top, 12345);
                k->cumsum_perm(c2, f1, ids, m, q, lo, top, 12345);
                bad_cum += memcmp(c1, c2, sizeof(uint32_t) * (m + 1)) != 0;
                free(ids);
            }
            free(c1);
            free(c2);
            /* the output bias's step: biases in [-8, 8] (some just above the floor, so the floor binds), softmax
            ** terms in [0, 1], logits of both signs, r from 0 (no step) to large */
            {
                float *bz1 = malloc(sizeof(float) * n), *bz2 = malloc(sizeof(float) * n), *e = malloc(sizeof(float) * n);
                float *o1 = malloc(sizeof(float) * n), *o2 = malloc(sizeof(float) * n);
                for (int i = 0; i < n; i++) {
                    bz1[i] = bz2[i] = i % 7 == 0 ? -7.99f : frand(8.0f);
                    e[i] = fabsf(frand(1.0f));
                    x[i] = frand(20.0f);
                }
                float r = mode == 0 ? 0.0f : mode == 1 ? 1e-4f : mode == 2 ? 0.5f : fabsf(frand(3.0f));
                /* modes 3, 4: a NaN logit somewhere or first; mode 2: logits that sum with the bias to zeros of
                ** both signs (the maximum 0); mode 1: ties of the maximum */
                if (mode == 3) x[next() % (unsigned)n] = NAN;
                if (mode == 4) x[0] = NAN;
                if (mode == 2)
                    for (int i = 0; i < n; i++) { /* -0 + -0 = -0 or -2 + 2 = +0, the rest negative */
                        bz1[i] = bz2[i] = i % 3 == 0 ? -1.0f : (next() & 1) ? -0.0f : 2.0f;
                        x[i] = i % 3 == 0 ? -fabsf(frand(10.0f)) : bz1[i] == 0.0f ? -0.0f : -2.0f;
                    }
                if (mode == 1)
                    for (int i = 0; i < n; i += 5) x[i] = 100.0f;
                float mb1 = ref->bias(bz1, o1, e, x, mode == 2 ? 0.0f : r, -8.0f, n);
                float mb2 = k->bias(bz2, o2, e, x, mode == 2 ? 0.0f : r, -8.0f, n);
                float m0 = kern_maxf_ref(o1, n);
                bad_bias += memcmp(bz1, bz2, sizeof(float) * n) != 0 || memcmp(o1, o2, sizeof(float) * n) != 0 ||
                            memcmp(&mb1, &mb2, sizeof mb1) != 0 || memcmp(&m0, &mb1, sizeof mb1) != 0;
                free(bz1);
                free(bz2);
                free(e);
                free(o1);
                free(o2);
            }
        }
    }
    CHECK_EQ(bad_max, 0);
    CHECK_EQ(bad_fill, 0);
    CHECK_EQ(bad_take, 0);
    CHECK_EQ(bad_cum, 0);
    CHECK_EQ(bad_expsum, 0);
    CHECK_EQ(bad_bias, 0);
    free(x);
    free(f1);
    free(f2);
}

/* The byte models' mixers: random weights and inputs over their whole ranges (|w| <= 2^19, |x| <= 2047, |err| <=
** 65536, shifts 13-15), the extremes, every length 4 .. 64 in steps of 4: the same integers as the reference. */
static void check_mix_kernels(const kernel_set *k) {
    const kernel_set *ref = kernels_ref();
    int32_t w1[64], w2[64];
    int x[64], bad_dot = 0, bad_train = 0;
    for (int iter = 0; iter < 2000; iter++) {
        int n = 4 * (1 + (int)(next() % 16)), extreme = iter % 10 == 0;
        for (int i = 0; i < n; i++) {
            w1[i] = extreme ? (next() & 1 ? (1 << 19) : -(1 << 19)) : (int32_t)(next() % (2u << 19)) - (1 << 19);
            x[i] = extreme ? (next() & 1 ? 2047 : -2047) : (int)(next() % 4095) - 2047;
        }
        memcpy(w2, w1, sizeof(int32_t) * (size_t)n);
        bad_dot += ref->mix_dot(w1, x, n) != k->mix_dot(w2, x, n);
        int err = extreme ? (next() & 1 ? 65536 : -65536) : (int)(next() % 131073) - 65536;
        int shift = 13 + (int)(next() % 3);
        ref->mix_train(w1, x, n, err, shift, 1 << 19);
        k->mix_train(w2, x, n, err, shift, 1 << 19);
        bad_train += memcmp(w1, w2, sizeof(int32_t) * (size_t)n) != 0;
    }
    CHECK_EQ(bad_dot, 0);
    CHECK_EQ(bad_train, 0);
}

int main(void) {
    int tested = 0;
    t_sets sets = {0, 0};
    for (int k = LLMZ_KERNELS_REF; k <= LLMZ_KERNELS_AVX512; k++) {
        const kernel_set *ks = kernels_get(k);
        if (!ks) {
            fprintf(stderr, "kernel set %s not available on this CPU/build: its checks skipped\n",
                    llmz_kernels_name(k));
            t_sets_skip(&sets);
            continue;
        }
        t_sets_begin(&sets);
        check_matmul(ks);
        check_float_kernels(ks);
        check_kv8_kernels(ks);
        check_vector_kernels(ks);
        check_mix_kernels(ks);
        t_sets_end(&sets, llmz_kernels_name(k));
        printf("kernel set %s tested\n", llmz_kernels_name(k));
        tested++;
    }
    CHECK(tested >= 1);
    CHECK(kernels_get(LLMZ_KERNELS_AUTO) != NULL);
    if (kernels_avx512())
        CHECK(kernels_get(LLMZ_KERNELS_AUTO) == kernels_avx512());
    else
        T_SKIP_CHECKS(1);
    return T_DONE();
}
