/*
** detmath.h -- deterministic math for the coding path (docs/determinism.md).
**
** libm's transcendental functions differ between C libraries and versions, so nothing on the coding
** path calls them.  These are fixed formulas built only from IEEE-754 +, -, *, / and exact bit
** manipulation, evaluated in the written order (the build uses -ffp-contract=off, so no FMA fusion):
** every conforming platform computes the same bits.
*/
#ifndef LLMZ_DETMATH_H
#define LLMZ_DETMATH_H
#include <float.h>
#include <stdint.h>
#include <string.h>

/* float expressions must be evaluated in float (SSE2 on x86-64), not in x87 extended precision */
_Static_assert(FLT_EVAL_METHOD == 0, "llmz needs FLT_EVAL_METHOD == 0 (e.g. -msse2 -mfpmath=sse on 32-bit x86)");

/* det_expf's constants and polynomial: the one home of e^x, which the SIMD kernels (kernels_avx2.c,
** kernels_avx512.c) evaluate on 8 or 16 lanes with DET_EXPF_POLY and their own MUL / ADD / SET1: the same
** operations in the same order, so the same bits. */
#define DET_EXPF_MIN (-87.0f)               /* below: 0 (and NaN: 0) */
#define DET_EXPF_MAX 88.0f                  /* above: clamped */
#define DET_LOG2E 1.44269504088896341f
#define DET_LN2_HI 0.693145751953125f       /* ln2 split: hi has 16 significant bits, fk*hi exact */
#define DET_LN2_LO 1.428606765330187e-06f
/* p = e^r on |r| <= 0.35, Taylor to degree 7 in Horner form */
#define DET_EXPF_POLY(p, r, MUL, ADD, SET1)                      \
    do {                                                         \
        (p) = SET1(1.98412698e-4f);                              \
        (p) = ADD(MUL((p), (r)), SET1(1.38888889e-3f));          \
        (p) = ADD(MUL((p), (r)), SET1(8.33333333e-3f));          \
        (p) = ADD(MUL((p), (r)), SET1(4.16666667e-2f));          \
        (p) = ADD(MUL((p), (r)), SET1(1.66666667e-1f));          \
        (p) = ADD(MUL((p), (r)), SET1(0.5f));                    \
        (p) = ADD(MUL((p), (r)), SET1(1.0f));                    \
        (p) = ADD(MUL((p), (r)), SET1(1.0f));                    \
    } while (0)
#define DET_SCALAR_MUL(a, b) ((a) * (b))
#define DET_SCALAR_ADD(a, b) ((a) + (b))
#define DET_SCALAR_SET1(c) (c)

/* e^x in single precision.  x < -87 gives 0; x > 88 is clamped to 88.  Relative error ~2e-7. */
static inline float det_expf(float x) {
    if (!(x >= DET_EXPF_MIN)) return 0.0f; /* also catches NaN */
    if (x > DET_EXPF_MAX) x = DET_EXPF_MAX;
    float kf = x * DET_LOG2E;
    int k = (int)(kf + (kf >= 0.0f ? 0.5f : -0.5f));
    float fk = (float)k;
    float r = x - fk * DET_LN2_HI;
    r = r - fk * DET_LN2_LO;
    float p;
    DET_EXPF_POLY(p, r, DET_SCALAR_MUL, DET_SCALAR_ADD, DET_SCALAR_SET1);
    uint32_t bits = (uint32_t)(k + 127) << 23; /* k in [-126, 127] for the range above */
    float s;
    memcpy(&s, &bits, 4);
    return p * s;
}

/* Round to nearest, ties away from zero, as an int (|x| must fit). */
static inline int det_round(float x) { return (int)(x + (x >= 0.0f ? 0.5f : -0.5f)); }

/* Double-precision helpers used once at model load (RoPE tables). */
double det_exp(double x);
double det_log(double x); /* x > 0 */
void det_sincos(double x, double *s, double *c);

#endif
