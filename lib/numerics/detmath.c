/* detmath.c -- deterministic double-precision exp, log, sin/cos (see detmath.h). Fixed term counts,
** no libm, no data-dependent iteration counts. */
#include "numerics/detmath.h"

static double pow2i(int k) { /* 2^k for k in [-1022, 1023], exact */
    uint64_t bits = (uint64_t)(k + 1023) << 52;
    double d;
    memcpy(&d, &bits, 8);
    return d;
}

static const double LN2_HI = 6.93147180369123816490e-01; /* 0x3FE62E42FEE00000 */
static const double LN2_LO = 1.90821492927058770002e-10;

double det_exp(double x) {
    if (x < -700.0) return 0.0;
    if (x > 700.0) x = 700.0;
    double kf = x * 1.4426950408889634;
    int k = (int)(kf + (kf >= 0.0 ? 0.5 : -0.5));
    double r = x - (double)k * LN2_HI;
    r = r - (double)k * LN2_LO;
    double term = 1.0, sum = 1.0;
    for (int i = 1; i <= 20; i++) {
        term = term * r / (double)i;
        sum = sum + term;
    }
    return sum * pow2i(k);
}

double det_log(double x) {
    if (!(x > 0.0)) return -1e300;
    uint64_t bits;
    memcpy(&bits, &x, 8);
    int e = (int)((bits >> 52) & 0x7ff) - 1023;
    bits = (bits & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL; /* m in [1, 2) */
    double m;
    memcpy(&m, &bits, 8);
    if (m > 1.4142135623730951) {
        m = m * 0.5;
        e = e + 1;
    }
    double s = (m - 1.0) / (m + 1.0), s2 = s * s, pw = s, sum = 0.0;
    for (int i = 0; i < 30; i++) { /* log m = 2 atanh(s), |s| < 0.172 */
        sum = sum + pw / (double)(2 * i + 1);
        pw = pw * s2;
    }
    return 2.0 * sum + (double)e * LN2_HI + (double)e * LN2_LO;
}

void det_sincos(double x, double *s, double *c) {
    /* reduce by pi/2 (Cody-Waite, three parts): fine for |x| < 1e6 */
    double kf = x * 0.63661977236758134;
    long n = (long)(kf + (kf >= 0.0 ? 0.5 : -0.5));
    double fn = (double)n;
    double r = x - fn * 1.5707963267341256;
    r = r - fn * 6.0771005065061922e-11;
    r = r - fn * 2.0222662487959506e-21;
    double r2 = r * r, ts = r, tc = 1.0, ss = r, cc = 1.0;
    for (int i = 1; i <= 12; i++) {
        ts = -ts * r2 / (double)((2 * i) * (2 * i + 1));
        tc = -tc * r2 / (double)((2 * i - 1) * (2 * i));
        ss = ss + ts;
        cc = cc + tc;
    }
    switch ((int)(n & 3)) {
    case 0: *s = ss; *c = cc; break;
    case 1: *s = cc; *c = -ss; break;
    case 2: *s = -ss; *c = -cc; break;
    default: *s = -cc; *c = ss; break;
    }
}
