/*
** bench_kernels.c -- check every kernel set against the reference bit for bit, then time matmul.
**
**   make bench-kernels        (build/tools/bench_kernels [min_seconds])
**
** For each kernel set this CPU has (ref, avx2, avx512) and each weight shape of the models (rows x cols:
** 192x192, 512x192, 192x512, 4096x192) with n = 1 and n = 64 activation rows:
**   1. quantize and matmul outputs must equal the reference's byte for byte (memcmp), also for an
**      unaligned output range [o0, o1); otherwise it prints FAIL and exits 1;
**   2. matmul is repeated until at least 0.2 s have passed; the table gives GMAC/s (rows*cols*n
**      multiply-accumulates per call) and the speed-up over ref on the same shape.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "llmz.h"
#include "numerics/kernels.h"

typedef struct {
    int rows, cols;
} shape;

static const shape SHAPES[] = {{192, 192}, {512, 192}, {192, 512}, {4096, 192}};
static const int NS[] = {1, 4, 64}; /* 4: the rows of a decoder's lane (a group of 8 chunks on 2 threads) */
#define N_SHAPES ((int)(sizeof SHAPES / sizeof SHAPES[0]))
#define N_NS ((int)(sizeof NS / sizeof NS[0]))

static double min_seconds = 0.2;

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rng(void) { /* xorshift64*: deterministic inputs */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

static float frand(void) { return (float)((double)rng() / 4294967296.0 * 2.0 - 1.0); } /* [-1, 1) */

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "bench_kernels: out of memory\n");
        exit(2);
    }
    return p;
}

/* Random Q8_0-like weights: int8 in [-127, 127], positive block scales of varied magnitude. */
static qmat make_weights(int rows, int cols) {
    qmat w;
    memset(&w, 0, sizeof w);
    size_t nq = (size_t)rows * cols, nd = nq / QK;
    w.rows = rows;
    w.cols = cols;
    w.q = xmalloc(nq);
    w.d = xmalloc(nd * sizeof(float));
    for (size_t i = 0; i < nq; i++) w.q[i] = (int8_t)((int)(rng() % 255u) - 127);
    for (size_t i = 0; i < nd; i++) w.d[i] = (0.001f + (float)(rng() % 1000u) * 1e-5f);
    kern_pack(&w);      /* this CPU's packed layout, as the model loader does */
    kern_pack_avx2(&w); /* and the AVX2 one, so that the AVX2 set is timed packed on AVX-512 machines too */
    return w;
}

/* Activations with some awkward blocks: all zero, a single value, a huge range, exact .5 ties. */
static float *make_acts(int n, int cols) {
    size_t len = (size_t)n * cols;
    float *x = xmalloc(len * sizeof(float));
    for (size_t i = 0; i < len; i++) x[i] = frand() * (float)(1u << (rng() % 8u));
    if (len >= 4 * QK) {
        memset(x, 0, QK * sizeof(float));                  /* block 0: all zero (d = 0) */
        for (int i = 0; i < QK; i++) x[QK + i] = i == 7 ? -3.0f : 0.0f; /* block 1: one value */
        for (int i = 0; i < QK; i++) x[2 * QK + i] = (float)(i - 16) * 1e4f; /* block 2: wide */
        for (int i = 0; i < QK; i++) x[3 * QK + i] = (float)(2 * i - 31) * 0.5f; /* block 3: ties */
        x[3 * QK] = -127.0f;
        x[3 * QK + 1] = 127.0f;
    }
    return x;
}

static qact alloc_qact(int n, int cols) {
    qact a;
    a.n = n;
    a.cols = cols;
    a.q = xmalloc((size_t)n * cols);
    a.d = xmalloc((size_t)n * (cols / QK) * sizeof(float));
    return a;
}

static void free_qact(qact *a) {
    free(a->q);
    free(a->d);
}

static int same_qact(const qact *a, const qact *b, int n, int cols) {
    return a->n == b->n && a->cols == b->cols && memcmp(a->q, b->q, (size_t)n * cols) == 0 &&
           memcmp(a->d, b->d, (size_t)n * (cols / QK) * sizeof(float)) == 0;
}

/* Equality of kernel set `k` with the reference on one shape; returns 0 if equal. */
static int check(const kernel_set *k, const qmat *w, int n, const float *x) {
    const kernel_set *ref = kernels_ref();
    int rows = w->rows, cols = w->cols;
    qact xr = alloc_qact(n, cols), xk = alloc_qact(n, cols);
    size_t ylen = (size_t)n * rows;
    float *yr = xmalloc(ylen * sizeof(float)), *yk = xmalloc(ylen * sizeof(float));
    int bad = 0;

    memset(xr.q, 0x55, (size_t)n * cols);
    memset(xk.q, 0x55, (size_t)n * cols);
    memset(xr.d, 0x55, (size_t)n * (cols / QK) * sizeof(float));
    memset(xk.d, 0x55, (size_t)n * (cols / QK) * sizeof(float));
    ref->quantize(&xr, x, n, cols);
    k->quantize(&xk, x, n, cols);
    if (!same_qact(&xr, &xk, n, cols)) {
        printf("FAIL %s quantize %dx%d n=%d differs from ref\n", k->name, rows, cols, n);
        bad = 1;
    }

    /* full range, then an unaligned range (tails), both from the reference's quantised input */
    int ranges[2][2] = {{0, rows}, {3, rows - 2}};
    for (int t = 0; t < 2 && !bad; t++) {
        int o0 = ranges[t][0], o1 = ranges[t][1];
        memset(yr, 0x77, ylen * sizeof(float));
        memset(yk, 0x77, ylen * sizeof(float));
        ref->matmul(yr, rows, &xr, w, o0, o1);
        k->matmul(yk, rows, &xr, w, o0, o1);
        if (memcmp(yr, yk, ylen * sizeof(float)) != 0) {
            size_t i = 0;
            while (i < ylen && memcmp(yr + i, yk + i, sizeof(float)) == 0) i++;
            printf("FAIL %s matmul %dx%d n=%d o=[%d,%d): first difference at row %zu col %zu: ref %.9g, %s %.9g\n",
                   k->name, rows, cols, n, o0, o1, i / (size_t)rows, i % (size_t)rows, (double)yr[i], k->name,
                   (double)yk[i]);
            bad = 1;
        }
    }
    free(yr);
    free(yk);
    free_qact(&xr);
    free_qact(&xk);
    return bad;
}

/* Seconds per matmul call, repeated until min_seconds have passed. */
static double time_matmul(const kernel_set *k, const qmat *w, const qact *xq, float *y) {
    long reps = 0, batch = 1;
    double t0 = now(), el = 0.0;
    k->matmul(y, w->rows, xq, w, 0, w->rows); /* warm up caches */
    t0 = now();
    for (;;) {
        for (long i = 0; i < batch; i++) k->matmul(y, w->rows, xq, w, 0, w->rows);
        reps += batch;
        el = now() - t0;
        if (el >= min_seconds) break;
        if (batch < (1L << 20)) batch *= 2;
    }
    return el / (double)reps;
}

/* ---- the per-token kernels: attention on one head (hd 64, 160 positions) and the frequency rule's
** vector steps over a 4096-token vocabulary, each checked against the reference and timed ---- */
enum { VV = 4096, HD = 64, TT = 160, LD = 256 };
typedef struct {
    float q[HD], kt[HD * LD], v[TT * HD], att[LD], o[HD], e[VV], ex[VV], lg[VV];
    /* numerics 2: int8 keys and values with their block scales; 4 rows of a prefill at once */
    int8_t kt8[HD * LD], v8[LD * HD];
    float kd[(HD / QK) * LD], vd[LD * (HD / QK)], q4[KV8_ROWS * HD], att4[KV8_ROWS * LD], o4[KV8_ROWS * HD];
    uint32_t f[VV], f0[VV], cum[VV + 1];
    double k;
} tok_in;

/* Run kernel `which` of set k once on `in`; writes its result into out (bytes), returns the result size. */
/* Run kernel `which` of set k once on `in`; copies its result into out (bytes; NULL when timing) and returns
** the result size. */
#define OUT(dst, src, n) (out ? memcpy(dst, src, n) : NULL)
static size_t tok_run(const kernel_set *k, int which, tok_in *in, unsigned char *out) {
    int best = 0;
    switch (which) {
    case 0: k->scores(in->att, in->q, in->kt, HD, TT, LD, 0.125f); OUT(out, in->att, TT * 4); return TT * 4;
    case 1: k->mix(in->o, in->att, in->v, HD, TT, HD, 0.01f); OUT(out, in->o, HD * 4); return HD * 4;
    case 2: memcpy(in->ex, in->lg, sizeof in->ex); k->expsub(in->ex, VV, 3.0f); OUT(out, in->ex, VV * 4); return VV * 4;
    case 3: { float m = k->maxf(in->lg, VV); OUT(out, &m, 4); return 4; }
    case 4: {
        int64_t sum = k->freq_fill(in->f, in->e, VV, in->k, &best);
        OUT(out, in->f, VV * 4), OUT(out + VV * 4, &sum, 8), OUT(out + VV * 4 + 8, &best, 4);
        return VV * 4 + 12;
    }
    case 5: {
        uint64_t m = k->take(in->f, in->f0, VV, 20000);
        OUT(out, in->f, VV * 4), OUT(out + VV * 4, &m, 8);
        return VV * 4 + 8;
    }
    case 6: k->cumsum(in->cum, in->f0, VV); OUT(out, in->cum, (VV + 1) * 4); return (VV + 1) * 4;
    case 8: k->scores8(in->att, in->q, in->kt8, in->kd, HD, TT, LD, 0, 0.125f); OUT(out, in->att, TT * 4); return TT * 4;
    case 9: k->mix8(in->o, in->att, in->v8, in->vd, HD, TT, HD, HD / QK, 0, 0.01f); OUT(out, in->o, HD * 4); return HD * 4;
    case 10:
        k->scores8_rows(in->att4, LD, in->q4, HD, KV8_ROWS, in->kt8, in->kd, HD, TT, LD, 0, 0.125f);
        OUT(out, in->att4, sizeof in->att4);
        return sizeof in->att4;
    case 11: {
        static const int T4[KV8_ROWS] = {TT - 3, TT - 2, TT - 1, TT};
        static const float inv4[KV8_ROWS] = {0.01f, 0.011f, 0.012f, 0.013f};
        k->mix8_rows(in->o4, HD, in->att4, LD, T4, inv4, KV8_ROWS, in->v8, in->vd, HD, HD, HD / QK, 0);
        OUT(out, in->o4, sizeof in->o4);
        return sizeof in->o4;
    }
    default: { double S = k->expsum(in->ex, in->lg, VV, 12.0f); OUT(out, in->ex, VV * 4); OUT(out + VV * 4, &S, 8); return VV * 4 + 8; }
    }
}

static int token_kernels(const kernel_set *const *sets, const char *const *names, int nsets) {
    static const char *const KN[] = {"scores", "mix",      "expsub",    "maxf",     "freq_fill", "take",
                                     "cumsum", "expsum",   "scores8",   "mix8",     "scores8x4", "mix8x4"};
    enum { NK = 12 };
    tok_in *in = xmalloc(sizeof *in);
    unsigned char *r0 = xmalloc((VV + 4) * 4), *r1 = xmalloc((VV + 4) * 4);
    for (int i = 0; i < HD; i++) in->q[i] = frand();
    for (int i = 0; i < HD * LD; i++) in->kt[i] = frand();
    for (int i = 0; i < TT * HD; i++) in->v[i] = frand();
    for (int i = 0; i < TT; i++) in->att[i] = frand() * 0.5f + 0.5f;
    for (int i = 0; i < HD * LD; i++) in->kt8[i] = (int8_t)((int)(rng() % 255u) - 127);
    for (int i = 0; i < LD * HD; i++) in->v8[i] = (int8_t)((int)(rng() % 255u) - 127);
    for (int i = 0; i < (HD / QK) * LD; i++) in->kd[i] = in->vd[i] = frand() * 0.02f;
    for (int i = 0; i < KV8_ROWS * HD; i++) in->q4[i] = frand();
    for (int i = 0; i < KV8_ROWS * LD; i++) in->att4[i] = frand() * 0.5f + 0.5f;
    for (int i = 0; i < VV; i++) in->lg[i] = frand() * 12.0f;
    for (int i = 0; i < VV; i++) in->f0[i] = 1 + rng() % 60000u;
    kern_expsub_ref(memcpy(in->e, in->lg, sizeof in->e), VV, kern_maxf_ref(in->lg, VV));
    double S = 0.0;
    for (int i = 0; i < VV; i++) S = S + (double)in->e[i];
    in->k = (double)((1u << 28) - VV) / S;
    int bad = 0;
    double ref_ns[NK] = {0.0};
    printf("\n%-7s %-10s %12s %10s   (per call; attention: 1 head, %d positions (x4: 4 rows); frequencies: %d tokens)\n", "kernel",
           "per-token", "ns/call", "vs ref", TT, VV);
    for (int s = 0; s < nsets; s++) {
        if (!sets[s]) continue;
        for (int w = 0; w < NK; w++) {
            size_t n0 = tok_run(sets[0], w, in, r0), n1 = tok_run(sets[s], w, in, r1);
            if (n0 != n1 || memcmp(r0, r1, n0) != 0) {
                printf("FAIL %s %s differs from ref\n", names[s], KN[w]);
                bad = 1;
                continue;
            }
            long reps = 0, batch = 1;
            double t0 = now(), el;
            for (;;) {
                for (long i = 0; i < batch; i++) tok_run(sets[s], w, in, NULL);
                reps += batch;
                el = now() - t0;
                if (el >= min_seconds / 4) break;
                if (batch < (1L << 20)) batch *= 2;
            }
            double ns = el / (double)reps * 1e9;
            if (s == 0) ref_ns[w] = ns;
            printf("%-7s %-10s %12.0f %9.2fx\n", names[s], KN[w], ns, ref_ns[w] / ns);
        }
    }
    free(in);
    free(r0);
    free(r1);
    return bad;
}

int main(int argc, char **argv) {
    static const struct {
        int id;
        const char *name;
    } SETS[] = {{LLMZ_KERNELS_REF, "ref"}, {LLMZ_KERNELS_AVX2, "avx2"}, {LLMZ_KERNELS_AVX512, "avx512"}};
    enum { N_SETS = (int)(sizeof SETS / sizeof SETS[0]) };
    const kernel_set *sets[N_SETS];
    double ref_gmacs[N_SHAPES][N_NS] = {{0.0}};
    int failed = 0;

    if (argc > 1) {
        min_seconds = atof(argv[1]);
        if (!(min_seconds > 0.0)) min_seconds = 0.2;
    }

    printf("llmz %s kernel benchmark (numerics version %d), >= %.2f s per measurement\n", llmz_version_string(),
           LLMZ_NUMERICS_VERSION, min_seconds);
    printf("kernel sets:");
    for (int s = 0; s < N_SETS; s++) {
        sets[s] = kernels_get(SETS[s].id);
        printf(" %s=%s", SETS[s].name, sets[s] ? "yes" : "unavailable");
    }
    printf("  (auto: %s)\n", llmz_kernels_name(LLMZ_KERNELS_AUTO) ? llmz_kernels_name(LLMZ_KERNELS_AUTO) : "?");

    /* inputs shared by all kernel sets */
    qmat w[N_SHAPES];
    float *x[N_SHAPES][N_NS];
    qact xq[N_SHAPES][N_NS];
    for (int i = 0; i < N_SHAPES; i++) {
        w[i] = make_weights(SHAPES[i].rows, SHAPES[i].cols);
        for (int j = 0; j < N_NS; j++) {
            x[i][j] = make_acts(NS[j], SHAPES[i].cols);
            xq[i][j] = alloc_qact(NS[j], SHAPES[i].cols);
            kern_quantize_ref(&xq[i][j], x[i][j], NS[j], SHAPES[i].cols);
        }
    }

    /* 1. equality with the reference */
    for (int s = 1; s < N_SETS; s++) {
        if (!sets[s]) continue;
        int bad = 0;
        for (int i = 0; i < N_SHAPES; i++)
            for (int j = 0; j < N_NS; j++) bad |= check(sets[s], &w[i], NS[j], x[i][j]);
        printf("check %-6s vs ref: %s\n", SETS[s].name, bad ? "FAIL" : "ok (quantize and matmul bit-identical)");
        failed |= bad;
    }
    if (failed) {
        printf("FAIL: a kernel set differs from the reference\n");
        return 1;
    }

    /* 2. timing */
    printf("\n%-7s %-10s %4s %12s %9s %10s\n", "kernel", "shape", "n", "us/call", "GMAC/s", "vs ref");
    for (int s = 0; s < N_SETS; s++) {
        if (!sets[s]) continue;
        for (int i = 0; i < N_SHAPES; i++) {
            for (int j = 0; j < N_NS; j++) {
                int n = NS[j];
                float *y = xmalloc((size_t)n * SHAPES[i].rows * sizeof(float));
                double sec = time_matmul(sets[s], &w[i], &xq[i][j], y);
                free(y);
                double gmacs = (double)SHAPES[i].rows * SHAPES[i].cols * n / sec * 1e-9;
                char shp[32], sp[32];
                snprintf(shp, sizeof shp, "%dx%d", SHAPES[i].rows, SHAPES[i].cols);
                if (s == 0) {
                    ref_gmacs[i][j] = gmacs;
                    snprintf(sp, sizeof sp, "1.00x");
                } else {
                    snprintf(sp, sizeof sp, "%.2fx", gmacs / ref_gmacs[i][j]);
                }
                printf("%-7s %-10s %4d %12.2f %9.3f %10s\n", SETS[s].name, shp, n, sec * 1e6, gmacs, sp);
                fflush(stdout);
            }
        }
    }

    const char *names[N_SETS];
    for (int s2 = 0; s2 < N_SETS; s2++) names[s2] = SETS[s2].name;
    if (token_kernels(sets, names, N_SETS)) {
        printf("FAIL: a per-token kernel differs from the reference\n");
        failed = 1;
    }

    for (int i = 0; i < N_SHAPES; i++) {
        kern_unpack(&w[i]);
        free(w[i].q);
        free(w[i].d);
        for (int j = 0; j < N_NS; j++) {
            free(x[i][j]);
            free_qact(&xq[i][j]);
        }
    }
    return failed;
}
