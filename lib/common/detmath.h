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

/* e^x in single precision.  x < -87 gives 0; x > 88 is clamped to 88.  Relative error ~2e-7. */
static inline float det_expf(float x) {
    if (!(x >= -87.0f)) return 0.0f; /* also catches NaN */
    if (x > 88.0f) x = 88.0f;
    float kf = x * 1.44269504088896341f;
    int k = (int)(kf + (kf >= 0.0f ? 0.5f : -0.5f));
    float fk = (float)k;
    float r = x - fk * 0.693145751953125f; /* ln2 split: hi has 16 significant bits, fk*hi exact */
    r = r - fk * 1.428606765330187e-06f;
    /* e^r on |r| <= 0.35, Taylor to degree 7 in Horner form */
    float p = 1.98412698e-4f;
    p = p * r + 1.38888889e-3f;
    p = p * r + 8.33333333e-3f;
    p = p * r + 4.16666667e-2f;
    p = p * r + 1.66666667e-1f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
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
