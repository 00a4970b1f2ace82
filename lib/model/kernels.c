/*
** kernels.c -- reference (portable scalar) kernels, which define the numbers, and kernel dispatch.
*/
#include "model/kernels.h"

#include "common/detmath.h"
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
                float t = v[i] * id;
                int k = (int)(t + (t >= 0.0f ? 0.5f : -0.5f));
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

static const kernel_set REF = {"ref", kern_matmul_ref, kern_quantize_ref};

const kernel_set *kernels_ref(void) { return &REF; }

const kernel_set *kernels_get(int which) {
    switch (which) {
    case LLMZ_KERNELS_REF: return &REF;
    case LLMZ_KERNELS_AVX2: return kernels_avx2();
    case LLMZ_KERNELS_AVX512: return NULL; /* not written yet */
    case LLMZ_KERNELS_AUTO: {
        const kernel_set *k = kernels_avx2();
        return k ? k : &REF;
    }
    default: return NULL;
    }
}
