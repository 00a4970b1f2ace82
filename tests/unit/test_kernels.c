/* test_kernels.c -- every optimised kernel equals the reference byte for byte (memcmp), on random and
** extreme data, for shapes that exercise the vector tails. */
#include <math.h>
#include <stdint.h>

#include "llmz.h"
#include "model/kernels.h"
#include "t.h"

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t next(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}
static float frand(float scale) { return ((float)(next() % 2000001) - 1000000.0f) / 1000000.0f * scale; }

static void check_set(const kernel_set *k) {
    const kernel_set *ref = kernels_ref();
    int shapes[][3] = {{1, 32, 8}, {3, 64, 13}, {5, 192, 192}, {2, 512, 37}, {17, 96, 4096 / 16}, {1, 32, 1}};
    for (size_t si = 0; si < sizeof shapes / sizeof shapes[0]; si++) {
        int n = shapes[si][0], cols = shapes[si][1], rows = shapes[si][2];
        for (int mode = 0; mode < 4; mode++) {
            float *x = malloc(sizeof(float) * n * cols);
            for (int i = 0; i < n * cols; i++) {
                x[i] = frand(mode == 1 ? 1e4f : 3.0f);
                if (mode == 2 && i % 3) x[i] = 0.0f;          /* sparse, zero blocks */
                if (mode == 3 && i % 7 == 0) x[i] = -0.0f;    /* negative zeros */
                if (mode == 3 && i % 11 == 0) x[i] = 1e-30f;  /* tiny values */
            }
            if (mode == 2)
                for (int i = 0; i < 32 && i < n * cols; i++) x[i] = 0.0f;
            qact A = {malloc(n * cols), malloc(sizeof(float) * n * cols / QK), 0, 0};
            qact B = {malloc(n * cols), malloc(sizeof(float) * n * cols / QK), 0, 0};
            ref->quantize(&A, x, n, cols);
            k->quantize(&B, x, n, cols);
            CHECK(memcmp(A.q, B.q, n * cols) == 0);
            CHECK(memcmp(A.d, B.d, sizeof(float) * n * cols / QK) == 0);
            qmat W = {malloc(rows * cols), malloc(sizeof(float) * rows * cols / QK), rows, cols};
            for (int i = 0; i < rows * cols; i++) W.q[i] = (int8_t)((int)(next() % 255) - 127);
            if (mode == 1)
                for (int i = 0; i < rows * cols; i++) W.q[i] = (i & 1) ? 127 : -127; /* extreme sums */
            for (int i = 0; i < rows * cols / QK; i++) W.d[i] = fabsf(frand(0.05f)) + 1e-6f;
            float *Y1 = malloc(sizeof(float) * n * rows), *Y2 = malloc(sizeof(float) * n * rows);
            memset(Y1, 0, sizeof(float) * n * rows);
            memset(Y2, 0, sizeof(float) * n * rows);
            ref->matmul(Y1, rows, &A, &W, 0, rows);
            k->matmul(Y2, rows, &B, &W, 0, rows);
            CHECK(memcmp(Y1, Y2, sizeof(float) * n * rows) == 0);
            /* a sub-range of outputs (what a thread computes) equals the same slice of the full product */
            if (rows > 9) {
                float *Y3 = calloc((size_t)n * rows, sizeof(float));
                k->matmul(Y3, rows, &B, &W, 3, rows - 5);
                int same = 1;
                for (int r = 0; r < n; r++)
                    same &= memcmp(Y3 + r * rows + 3, Y1 + r * rows + 3, sizeof(float) * (rows - 8)) == 0;
                CHECK(same);
                free(Y3);
            }
            free(x);
            free(A.q);
            free(A.d);
            free(B.q);
            free(B.d);
            free(W.q);
            free(W.d);
            free(Y1);
            free(Y2);
        }
    }
}

int main(void) {
    int tested = 0;
    for (int k = LLMZ_KERNELS_REF; k <= LLMZ_KERNELS_AVX512; k++) {
        const kernel_set *ks = kernels_get(k);
        if (!ks) {
            fprintf(stderr, "kernel set %d not available on this CPU/build\n", k);
            continue;
        }
        check_set(ks);
        tested++;
    }
    CHECK(tested >= 1);
    CHECK(kernels_get(LLMZ_KERNELS_AUTO) != NULL);
    return T_DONE();
}
