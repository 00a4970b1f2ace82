/* test_adapt.c -- the online adaptation models keep the frequency invariants (total 2^28, every token
** >= 1), learn what they should (repeats get cheaper, a useless cache loses weight), and are deterministic. */
#include <math.h>
#include <stdint.h>

#include "adapt/cache.h"
#include "adapt/match.h"
#include "adapt/ngram.h"
#include "coder/rc.h"
#include "t.h"

enum { V = 512, N = 6000 };

static uint64_t rng = 0x1234567887654321ull;
static uint32_t next(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 20);
}

/* A fixed "LM": uniform frequencies. */
static void lm(uint32_t *f) {
    for (int i = 0; i < V; i++) f[i] = RC_TOTAL / V;
}

static int invariants(const uint32_t *f) {
    uint64_t s = 0;
    for (int i = 0; i < V; i++) {
        if (f[i] < 1) return 0;
        s += f[i];
    }
    return s == RC_TOTAL;
}

enum { MATCH = 1, CACHE = 2, NGRAM = 4 };

/* Run the chosen models over a token stream in the coder's order (cache, n-grams, match); total ideal bits.
** lm_f: the input frequencies (NULL: uniform). */
static double run_f(const int32_t *tok, int n, int models, uint32_t *final_b, uint32_t *ngram_w,
                    void (*lm_f)(uint32_t *)) {
    match_model mm;
    cache_model cm;
    ngram_model gm;
    CHECK_EQ(match_init(&mm), 0);
    CHECK_EQ(cache_init(&cm, V), 0);
    CHECK_EQ(ngram_init(&gm), 0);
    static uint32_t f[V], fin[V], fng[V];
    double bits = 0;
    int ok = 1;
    for (int i = 0; i < n; i++) {
        (lm_f ? lm_f : lm)(f);
        memcpy(fin, f, sizeof f);
        if (models & CACHE) cache_mix(&cm, f, f, kernels_ref());
        memcpy(fng, f, sizeof f);
        if (models & NGRAM) ngram_mix(&gm, tok, (size_t)i, f, f, V, kernels_ref());
        if (models & MATCH) match_mix(&mm, tok, (size_t)i, f, V, kernels_ref());
        ok &= invariants(f);
        int32_t t = tok[i];
        bits += -log2((double)f[t] / RC_TOTAL);
        cache_update(&cm, t, fin[t], f[t]);
        if (models & NGRAM) ngram_update(&gm, tok, (size_t)i + 1, fng[t], f[t]);
        match_update(&mm, tok, (size_t)i + 1);
    }
    CHECK(ok);
    if (final_b) *final_b = cm.b;
    if (ngram_w) *ngram_w = gm.w[1][7]; /* order 2, deterministic contexts seen 8+ times */
    match_free(&mm);
    cache_free(&cm);
    ngram_free(&gm);
    return bits;
}

static double run(const int32_t *tok, int n, int use_match, int use_cache, uint32_t *final_b) {
    return run_f(tok, n, (use_match ? MATCH : 0) | (use_cache ? CACHE : 0), final_b, NULL, NULL);
}

/* An input distribution with one token holding almost everything, every other token 1. */
static void lm_extreme(uint32_t *f) {
    for (int k = 0; k < V; k++) f[k] = 1;
    f[3] = RC_TOTAL - (V - 1);
}

int main(void) {
    static int32_t rep[N], rnd[N], skew[N];
    /* a phrase of 40 tokens repeated, with occasional noise */
    int32_t phrase[40];
    for (int i = 0; i < 40; i++) phrase[i] = (int32_t)(next() % V);
    for (int i = 0; i < N; i++) rep[i] = (next() % 50 == 0) ? (int32_t)(next() % V) : phrase[i % 40];
    for (int i = 0; i < N; i++) rnd[i] = (int32_t)(next() % V);
    for (int i = 0; i < N; i++) skew[i] = (int32_t)(next() % 16); /* 16 frequent tokens */
    double base = N * log2((double)V);
    double m_rep = run(rep, N, 1, 0, NULL);
    CHECK(m_rep < base * 0.3); /* the match model learns the repeats */
    uint32_t b_skew, b_rnd;
    double c_skew = run(skew, N, 0, 1, &b_skew);
    CHECK(c_skew < base * 0.6); /* the cache learns the skewed unigram */
    CHECK(b_skew > 2048);       /* and its weight grows */
    double c_rnd = run(rnd, N, 1, 1, &b_rnd);
    CHECK(c_rnd < base * 1.02); /* on unpredictable data the models cost at most ~2% */
    CHECK(b_rnd < 2048);        /* a useless cache loses weight */
    /* deterministic: the same stream twice gives the same bits */
    CHECK(run(rep, N, 1, 1, NULL) == run(rep, N, 1, 1, NULL));

    /* n-grams: a second-order source (the next token is a fixed function of the previous two, 1 in 10
    ** replaced by noise) over a small alphabet, so contexts recur but the match model alone rarely locks on */
    {
        static int32_t mk[N];
        static uint16_t next_of[16][16];
        for (int a = 0; a < 16; a++)
            for (int b = 0; b < 16; b++) next_of[a][b] = (uint16_t)(next() % 16);
        mk[0] = 1;
        mk[1] = 2;
        for (int i = 2; i < N; i++) mk[i] = (next() % 10 == 0) ? (int32_t)(next() % 16) : next_of[mk[i - 2]][mk[i - 1]];
        uint32_t w2;
        double g = run_f(mk, N, NGRAM, NULL, &w2, NULL);
        double mc = run_f(mk, N, MATCH | CACHE, NULL, NULL, NULL);
        double all = run_f(mk, N, MATCH | CACHE | NGRAM, NULL, NULL, NULL);
        double cg = run_f(mk, N, CACHE | NGRAM, NULL, NULL, NULL);
        CHECK(g < base * 0.6);    /* the n-grams learn the source */
        CHECK(cg < mc * 0.8);     /* with the cache, far better than cache + match */
        CHECK(all < mc * 0.8);    /* and they help when all models run */
        CHECK(w2 > NGRAM_W_INIT); /* the order-2 weight of confident contexts grew */
        CHECK(w2 <= NGRAM_W_MAX);
        double gr = run_f(rnd, N, NGRAM, NULL, NULL, NULL);
        CHECK(gr < base * 1.02); /* on unpredictable data they cost at most ~2% */
        CHECK(gr > base * 0.9);  /* (and cannot find structure that is not there) */
        CHECK(run_f(mk, N, MATCH | CACHE | NGRAM, NULL, NULL, NULL) == all); /* deterministic */
        /* invariants under extreme input frequencies, all models on */
        run_f(mk, N, MATCH | CACHE | NGRAM, NULL, NULL, lm_extreme);
        run_f(rep, N, MATCH | CACHE | NGRAM, NULL, NULL, lm_extreme);
    }
    /* extreme input frequencies: one token holds almost everything, others 1 */
    {
        match_model mm;
        cache_model cm;
        match_init(&mm);
        cache_init(&cm, V);
        static uint32_t f[V], fin[V];
        int ok = 1;
        for (int i = 0; i < N; i++) {
            for (int k = 0; k < V; k++) f[k] = 1;
            f[3] = RC_TOTAL - (V - 1);
            memcpy(fin, f, sizeof f);
            cache_mix(&cm, f, f, kernels_ref());
            match_mix(&mm, rep, (size_t)i, f, V, kernels_ref());
            ok &= invariants(f);
            cache_update(&cm, rep[i], fin[rep[i]], f[rep[i]]);
            match_update(&mm, rep, (size_t)i + 1);
        }
        CHECK(ok);
        match_free(&mm);
        cache_free(&cm);
    }
    return T_DONE();
}
