/* test_coder.c -- range coder and the logits->frequency rule: extreme distributions, exactness, overhead. */
#include <math.h>
#include <stdint.h>

#include "coder/freq.h"
#include "coder/rc.h"
#include "numerics/detmath.h"
#include "llmz.h"
#include "t.h"

static uint64_t rng = 88172645463325252ull;
static uint64_t next(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Encode n symbols drawn from `freq`, decode, compare; returns the coded size in bytes (0 on failure). */
static size_t roundtrip(const uint32_t *freq, int V, int n, double *ideal_bits) {
    uint32_t *cum = malloc((V + 1) * sizeof *cum);
    int *sym = malloc(n * sizeof *sym);
    uint8_t *buf = malloc((size_t)n * 8 + 64);
    cum[0] = 0;
    for (int i = 0; i < V; i++) cum[i + 1] = cum[i] + freq[i];
    CHECK_EQ(cum[V], RC_TOTAL);
    *ideal_bits = 0;
    for (int i = 0; i < n; i++) { /* sample proportionally to freq */
        uint32_t x = (uint32_t)(next() % RC_TOTAL);
        sym[i] = freq_find(cum, V, x);
        *ideal_bits += -log2((double)freq[sym[i]] / RC_TOTAL);
    }
    rc_enc e;
    rc_enc_init(&e, buf, (size_t)n * 8 + 64);
    for (int i = 0; i < n; i++) rc_encode(&e, cum[sym[i]], freq[sym[i]]);
    size_t len = rc_enc_finish(&e);
    rc_dec d;
    rc_dec_init(&d, buf, len);
    int ok = 1;
    for (int i = 0; i < n && ok; i++) {
        int s = freq_find(cum, V, rc_decode_target(&d));
        rc_decode_update(&d, cum[s], freq[s]);
        if (s != sym[i]) ok = 0;
    }
    CHECK(ok);
    CHECK(rc_dec_ok(&d));
    free(cum);
    free(sym);
    free(buf);
    return ok ? len : 0;
}

int main(void) {
    enum { V = 4096 };
    static uint32_t freq[V], cum[V + 1];
    static float logits[V], e[V];
    double ideal;
    /* uniform */
    for (int i = 0; i < V; i++) freq[i] = RC_TOTAL / V;
    size_t len = roundtrip(freq, V, 20000, &ideal);
    CHECK(len > 0 && len * 8.0 < ideal * 1.001 + 128);
    /* one symbol takes almost everything: long runs of the likely symbol, rare escapes */
    for (int i = 0; i < V; i++) freq[i] = 1;
    freq[7] = RC_TOTAL - (V - 1);
    len = roundtrip(freq, V, 200000, &ideal);
    CHECK(len > 0 && len < 200);
    /* two symbols, everything else minimal; and a random skewed distribution */
    for (int i = 0; i < V; i++) freq[i] = 1;
    freq[0] = (RC_TOTAL - (V - 2)) / 2;
    freq[V - 1] = RC_TOTAL - (V - 2) - freq[0];
    len = roundtrip(freq, V, 50000, &ideal);
    CHECK(len > 0 && len * 8.0 < ideal * 1.005 + 128);
    uint64_t s = 0;
    for (int i = 0; i < V; i++) s += (freq[i] = 1 + (uint32_t)(next() % 1000) * (uint32_t)(next() % 1000));
    uint64_t fix = 0;
    for (int i = 0; i < V; i++) fix += (freq[i] = (uint32_t)(1 + (double)freq[i] * (RC_TOTAL - V) / (double)s));
    freq[0] += (uint32_t)(RC_TOTAL - fix);
    len = roundtrip(freq, V, 50000, &ideal);
    CHECK(len > 0 && len * 8.0 < ideal * 1.005 + 128);
    /* coding the least likely symbol every time (worst case) still round-trips */
    {
        for (int i = 0; i < V; i++) freq[i] = 1;
        freq[0] = RC_TOTAL - (V - 1);
        uint8_t *buf = malloc(1 << 20);
        rc_enc en;
        rc_enc_init(&en, buf, 1 << 20);
        for (int i = 0; i < 20000; i++) rc_encode(&en, RC_TOTAL - 1, 1);
        size_t l = rc_enc_finish(&en);
        CHECK(l > 0 && l <= 20000 * 28 / 8 + 16);
        rc_dec d;
        rc_dec_init(&d, buf, l);
        int ok = 1;
        for (int i = 0; i < 20000; i++) {
            uint32_t t = rc_decode_target(&d);
            ok &= t == RC_TOTAL - 1;
            rc_decode_update(&d, RC_TOTAL - 1, 1);
        }
        CHECK(ok && rc_dec_ok(&d));
        /* overflow is reported, not written past cap */
        rc_enc_init(&en, buf, 10);
        for (int i = 0; i < 100; i++) rc_encode(&en, RC_TOTAL - 1, 1);
        CHECK(rc_enc_finish(&en) == 0 && en.overflow);
        /* garbage never crashes the decoder and is flagged or consumed inconsistently */
        for (int i = 0; i < 64; i++) buf[i] = (uint8_t)next();
        rc_dec_init(&d, buf, 64);
        for (int i = 0; i < 1000; i++) {
            uint32_t t = rc_decode_target(&d);
            CHECK(t < RC_TOTAL);
            rc_decode_update(&d, t, 1);
        }
        CHECK(!rc_dec_ok(&d));
        free(buf);
    }
    /* frequency rule: total exact, each >= 1, deterministic, extreme logits */
    for (int trial = 0; trial < 6; trial++) {
        for (int i = 0; i < V; i++) {
            float x = (float)((int)(next() % 20001) - 10000) / 1000.0f;
            if (trial == 1) x *= 100.0f;     /* very peaked */
            if (trial == 2) x = 0.0f;        /* flat */
            if (trial == 3) x = (i == 5) ? 1e30f : -1e30f;
            if (trial == 4) x = (i % 2) ? INFINITY : 0.0f;
            if (trial == 5) x = NAN;
            logits[i] = x;
        }
        freq_from_logits(freq, e, logits, V, -1, NULL, kernels_ref());
        freq_cum(cum, freq, V, kernels_ref());
        uint64_t tot = 0;
        int min1 = 1;
        for (int i = 0; i < V; i++) {
            tot += freq[i];
            min1 &= freq[i] >= 1;
        }
        CHECK_EQ(tot, RC_TOTAL);
        CHECK(min1);
        CHECK_EQ(cum[V], RC_TOTAL);
        static uint32_t f2[V], c2[V + 1];
        freq_from_logits(f2, e, logits, V, -1, NULL, kernels_get(LLMZ_KERNELS_AUTO));
        freq_cum(c2, f2, V, kernels_get(LLMZ_KERNELS_AUTO));
        CHECK(memcmp(freq, f2, sizeof f2) == 0);
    }
    /* overhead of the rule against the float distribution: < 0.01 bits/symbol for a realistic spread */
    {
        double over = 0;
        int n = 200;
        for (int k = 0; k < n; k++) {
            for (int i = 0; i < V; i++) logits[i] = (float)((int)(next() % 16001) - 8000) / 1000.0f;
            int t = (int)(next() % V);
            double p = freq_from_logits(freq, e, logits, V, t, NULL, kernels_ref());
            over += -log2((double)freq[t] / RC_TOTAL) - (-log2(p));
        }
        CHECK(over / n < 0.01);
    }
    /* det_expf accuracy against libm (test only; the coder never calls libm) */
    {
        double worst = 0;
        for (float x = -87.0f; x < 88.0f; x += 0.01234f) {
            double r = fabs((double)det_expf(x) / exp((double)x) - 1.0);
            if (r > worst) worst = r;
        }
        CHECK(worst < 1e-6);
        CHECK(det_expf(-100.0f) == 0.0f && det_expf(NAN) == 0.0f);
        double w2 = 0;
        for (double x = -30; x < 30; x += 0.37) {
            double sv, c;
            det_sincos(x, &sv, &c);
            double er = fabs(sv - sin(x)) + fabs(c - cos(x)) + fabs(det_exp(x) / exp(x) - 1);
            if (x > 0) er += fabs(det_log(x) - log(x));
            if (er > w2) w2 = er;
        }
        CHECK(w2 < 1e-12);
    }
    /* any total (the SSE's second step): random totals and intervals, interleaved with 2^28 symbols, decode
    ** exactly; the targets fall in the coded interval */
    {
        enum { NS = 20000 };
        static uint32_t tot[NS], c0[NS], fr[NS];
        static uint8_t out[NS * 8 + 64];
        for (int i = 0; i < NS; i++) {
            tot[i] = i % 3 == 0 ? RC_TOTAL : 1 + (uint32_t)(next() % RC_TOTAL);
            if (i % 7 == 0) tot[i] = 1 + (uint32_t)(next() % 3); /* tiny totals */
            fr[i] = 1 + (uint32_t)(next() % tot[i]);
            c0[i] = (uint32_t)(next() % (tot[i] - fr[i] + 1));
        }
        rc_enc en;
        rc_enc_init(&en, out, sizeof out);
        for (int i = 0; i < NS; i++) {
            if (tot[i] == RC_TOTAL) rc_encode(&en, c0[i], fr[i]);
            else rc_encode_total(&en, c0[i], fr[i], tot[i]);
        }
        size_t tl = rc_enc_finish(&en);
        CHECK(tl > 0);
        rc_dec de;
        rc_dec_init(&de, out, tl);
        int bad = 0;
        for (int i = 0; i < NS; i++) {
            uint32_t x = tot[i] == RC_TOTAL ? rc_decode_target(&de) : rc_decode_target_total(&de, tot[i]);
            bad += x < c0[i] || x >= c0[i] + fr[i];
            if (tot[i] == RC_TOTAL) rc_decode_update(&de, c0[i], fr[i]);
            else rc_decode_update_total(&de, c0[i], fr[i], tot[i]);
        }
        CHECK_EQ(bad, 0);
        CHECK(rc_dec_ok(&de));
    }
    return T_DONE();
}
