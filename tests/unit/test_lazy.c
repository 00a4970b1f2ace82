/* test_lazy.c -- the lazily cleared tables (common/lazy.h) of the online models: whatever stale bytes their
** tables hold when made (a fuzzing build gives out used blocks; malloc may too), after a reset and after a copy,
** the match model, the n-gram models (narrow, wide, a group's bigger tables) and the secondary estimation give
** exactly what models cleared in full give; and the byte models code a chunk the same after any other chunk. */
#include <stdint.h>

#include "adapt/match.h"
#include "adapt/ngram.h"
#include "adapt/sse.h"
#include "cm/cm.h"
#include "coder/rc.h"
#include "common/lazy.h"
#include "t.h"

enum { V = 512, N = 3000 };

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t next(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 20);
}

static int32_t rep[N], rnd[N];

/* The models of one chunk: match, n-grams (wide, extra bits of a group), SSE of format version 2. */
typedef struct {
    match_model mm;
    ngram_model gm;
    sse_model ss;
    match_seq mq;
    ngram_seq gq;
    sse_step sq;
} models;

static int models_init(models *M, int wide, int extra) {
    int ok = match_init(&M->mm, MATCH_HASH_BITS) == 0;
    ok &= ngram_init(&M->gm, wide, extra, 3, V) == 0;
    ok &= sse_init(&M->ss, V, 2) == 0;
    return ok;
}

static void models_free(models *M) {
    match_free(&M->mm);
    ngram_free(&M->gm);
    sse_free(&M->ss);
}

/* Every byte of the tables the models never clear in full set to `fill` (0: what clearing gave).  (A match
** entry read stale could not pass the match model's checks of the tokens before it -- the same tokens earlier
** would have written it -- but one of these names a sequence below 0: a read out of bounds, under ASan.) */
static void stale(models *M, int fill) {
    memset(M->mm.table, fill, match_bytes(M->mm.bits));
    size_t nb = (size_t)M->gm.nmodels << M->gm.bits;
    memset(M->gm.chk, fill, nb * sizeof(uint16_t));
    memset(M->gm.sl, fill, nb * (size_t)M->gm.stride * sizeof(uint16_t));
    memset(M->ss.by_ctx, fill, ((size_t)1 << SSE_CTX_BITS) * SSE_POINTS * sizeof(uint16_t));
    memset(M->ss.n_ctx, fill, ((size_t)1 << SSE_CTX_BITS) * SSE_POINTS);
}

static void reset(models *M) {
    match_reset(&M->mm);
    ngram_reset(&M->gm);
    sse_reset(&M->ss);
    match_seq_reset(&M->mq);
    ngram_seq_reset(&M->gq);
}

/* Run tok[from .. to) (tok[0 .. from) already learnt) through the models in the coder's order; a hash of every
** step's frequencies and SSE probability. */
static uint64_t drive(models *M, const int32_t *tok, int from, int to) {
    static uint32_t f[V], g[V];
    const int32_t *hist = tok;
    size_t len = (size_t)from;
    match_group own = {&hist, &len, 1};
    uint64_t h = 1469598103934665603ull;
    for (int i = from; i < to; i++) {
        for (int k = 0; k < V; k++) f[k] = RC_TOTAL / V;
        len = (size_t)i;
        ngram_mix(&M->gm, &M->gq, tok, (size_t)i, f, g, V, kernels_ref());
        match_mix(&M->mm, &M->mq, &own, 0, g, V, kernels_ref());
        int32_t top = 0;
        for (int k = 1; k < V; k++)
            if (g[k] > g[top]) top = k;
        uint32_t p = sse_predict(&M->ss, &M->sq, g[top], f[top], i > 1 ? tok[i - 2] : -1, i ? tok[i - 1] : 0, top,
                                 (uint32_t)(M->gq.act[0] >= 0) | (uint32_t)(M->mq.pred >= 0) << 7);
        for (int k = 0; k < V; k++) h = (h ^ g[k]) * 1099511628211ull;
        h = (h ^ p) * 1099511628211ull;
        int32_t t = tok[i];
        ngram_update(&M->gm, &M->gq, tok, (size_t)i + 1, f[t], g[t]);
        len = (size_t)i + 1;
        match_update(&M->mm, &M->mq, &own, 0);
        sse_update(&M->ss, &M->sq, t == top);
    }
    return h;
}

/* Stale bytes at the start, after a reset, after a copy: the same steps as tables cleared in full. */
static void check_models(int wide, int extra) {
    models A, B, C;
    CHECK(models_init(&A, wide, extra) && models_init(&B, wide, extra) && models_init(&C, wide, extra));
    /* the reference: every table cleared, as before the lazy tables */
    stale(&A, 0);
    reset(&A);
    uint64_t want = drive(&A, rep, 0, N);
    CHECK(want != 0);
    /* stale bytes when made */
    stale(&B, 0xa5);
    reset(&B);
    CHECK(drive(&B, rep, 0, N) == want);
    /* after another chunk (other contexts learnt), a reset */
    reset(&B);
    drive(&B, rnd, 0, N);
    reset(&B);
    CHECK(drive(&B, rep, 0, N) == want);
    /* a copy (a dictionary's primed state) into models holding another chunk's state and stale bytes: both go on
    ** alike, and as the reference did */
    reset(&A);
    drive(&A, rep, 0, N / 2);
    stale(&C, 0xff);
    reset(&C);
    drive(&C, rnd, 0, N);
    match_copy(&C.mm, &A.mm);
    ngram_copy(&C.gm, &A.gm);
    sse_copy(&C.ss, &A.ss);
    C.mq = A.mq;
    C.gq = A.gq;
    uint64_t a = drive(&A, rep, N / 2, N), c = drive(&C, rep, N / 2, N);
    CHECK(a == c);
    reset(&A);
    uint64_t whole = drive(&A, rep, 0, N);
    CHECK(whole == want);
    models_free(&A);
    models_free(&B);
    models_free(&C);
}

static void case_narrow(void) { check_models(0, 0); }
static void case_wide(void) { check_models(1, 0); }
static void case_group(void) { check_models(0, 3); } /* the largest tables: every bit of ngram_model.used */

/* The walk over the blocks written. */
static void case_bits(void) {
    uint64_t bits[LAZY_WORDS(300)];
    lazy_clear(bits, 300);
    CHECK_EQ(lazy_next(bits, 0, 300), 300);
    lazy_set(bits, 0);
    lazy_set(bits, 63);
    lazy_set(bits, 64);
    lazy_set(bits, 299);
    CHECK(lazy_on(bits, 63) && lazy_on(bits, 64) && !lazy_on(bits, 62) && !lazy_on(bits, 65));
    CHECK_EQ(lazy_next(bits, 0, 300), 0);
    CHECK_EQ(lazy_next(bits, 1, 300), 63);
    CHECK_EQ(lazy_next(bits, 64, 300), 64);
    CHECK_EQ(lazy_next(bits, 65, 300), 299);
    CHECK_EQ(lazy_next(bits, 299, 299), 299); /* past the blocks asked about: none */
}

/* The byte models: a chunk codes to the same bytes in a fresh model and in one that coded others before (of
** other sizes of buckets: lite and not), and decodes. */
static void case_cm(void) {
    enum { L = 20000 };
    static uint8_t a[L], b[L], e1[L + 1000], e2[L + 1000], d[L];
    for (int i = 0; i < L; i++) a[i] = (uint8_t)("the cat sat on the mat, "[i % 24] ^ (next() % 97 == 0));
    for (int i = 0; i < L; i++) b[i] = (uint8_t)next();
    for (int lite = 0; lite <= 1; lite++) {
        int v = lite ? CM_LITE : CM_BYTES; /* the newest of each use */
        cm_model *m = cm_new(L, lite, v, NULL), *f = cm_new(L, lite, v, NULL);
        CHECK(m && f);
        if (!m || !f) {
            cm_free(m);
            cm_free(f);
            continue;
        }
        size_t l1 = cm_encode(f, a, L, e1, sizeof e1);
        CHECK(l1 > 0 && l1 < L / 4);
        cm_encode(m, b, L, e2, sizeof e2); /* every bucket block, o1 row, apm2 row, weight set touched */
        size_t l2 = cm_encode(m, a, L, e2, sizeof e2);
        CHECK_EQ(l1, l2);
        CHECK(memcmp(e1, e2, l1) == 0);
        CHECK_EQ(cm_decode(m, e1, l1, d, L), 0);
        CHECK(memcmp(d, a, L) == 0);
        cm_free(m);
        cm_free(f);
    }
}

int main(int argc, char **argv) {
    static const t_case cases[] = {
        {"narrow", case_narrow}, {"wide", case_wide}, {"group", case_group}, {"bits", case_bits}, {"cm", case_cm}};
    int32_t phrase[40];
    for (int i = 0; i < 40; i++) phrase[i] = (int32_t)(next() % V);
    for (int i = 0; i < N; i++) rep[i] = (next() % 50 == 0) ? (int32_t)(next() % V) : phrase[i % 40];
    for (int i = 0; i < N; i++) rnd[i] = (int32_t)(next() % V);
    return t_main(argc, argv, cases, sizeof cases / sizeof cases[0]);
}
