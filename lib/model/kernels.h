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

typedef struct {
    int8_t *q;  /* (rows, cols) row-major */
    float *d;   /* (rows, cols/QK) per-block scales */
    int rows, cols;
} qmat;

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
    /* quantise n rows of `cols` floats (row stride = cols) into X */
    void (*quantize)(qact *X, const float *x, int n, int cols);
} kernel_set;

/* Kernel set by llmz_kernels value; NULL if this CPU/build lacks it.  AUTO picks the fastest. */
const kernel_set *kernels_get(int which);
const kernel_set *kernels_ref(void);

/* Reference implementations (exported for the equality tests). */
void kern_matmul_ref(float *Y, int ldy, const qact *X, const qmat *W, int o0, int o1);
void kern_quantize_ref(qact *X, const float *x, int n, int cols);

/* SIMD sets; each returns NULL when the build or CPU lacks the instructions. */
const kernel_set *kernels_avx2(void);

#endif
