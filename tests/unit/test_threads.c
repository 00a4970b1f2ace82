/* test_threads.c -- one shared llmz_model, several application threads, each with its own llmz_cctx and
** llmz_dctx, compressing and decompressing different inputs at the same time (some of them with worker
** threads of their own).  Every frame must equal, byte for byte, the frame a single thread makes alone,
** and every decompression must give back the input.  Run under ThreadSanitizer by `make tsan-test`. */
#include <pthread.h>
#include <stdint.h>

#include "llmz.h"
#include "t.h"

#define NT 4      /* application threads */
#define ROUNDS 2  /* each thread compresses and decompresses this many inputs */
#define IN_N 6000 /* bytes per input: 2 chunks of 4096 */

static llmz_model *M;
static unsigned char inputs[NT][IN_N];
static unsigned char *ref[NT];
static size_t ref_n[NT];

static unsigned char *compress(const unsigned char *src, size_t n, int threads, int kernels, size_t *out_n,
                               int *rc) {
    llmz_cctx *c = llmz_cctx_create(M);
    if (!c) {
        *rc = LLMZ_ERR_NOMEM;
        return NULL;
    }
    llmz_cctx_set(c, LLMZ_P_CHUNK_SIZE, 4096);
    llmz_cctx_set(c, LLMZ_P_THREADS, threads);
    llmz_cctx_set(c, LLMZ_P_KERNELS, kernels);
    size_t cap = llmz_frame_bound(n);
    unsigned char *dst = malloc(cap);
    *rc = llmz_compress_frame(c, dst, cap, out_n, src, n, NULL);
    llmz_cctx_free(c);
    return dst;
}

typedef struct {
    int id;
    int fails; /* counted here, checked by the main thread (t.h's counters are not thread-safe) */
    char why[128];
} worker_arg;

static void *worker(void *p) {
    worker_arg *a = p;
    llmz_dctx *d = llmz_dctx_create(M);
    unsigned char *out = malloc(IN_N);
    for (int r = 0; r < ROUNDS; r++) {
        int i = (a->id + r) % NT; /* every thread works on different inputs at any time */
        int threads = 1 + (a->id + r) % 4; /* 4: each of the 2 chunks' workers gets a team of 2 */
        int kernels = (a->id + r) % 3 == 2 ? LLMZ_KERNELS_REF : LLMZ_KERNELS_AUTO;
        size_t n = 0;
        int rc;
        unsigned char *f = compress(inputs[i], IN_N, threads, kernels, &n, &rc);
        if (rc != LLMZ_OK || n != ref_n[i] || memcmp(f, ref[i], n) != 0) {
            a->fails++;
            snprintf(a->why, sizeof a->why, "thread %d: compress input %d differs (rc %d)", a->id, i, rc);
        }
        free(f);
        /* decompress another thread's reference frame */
        int j = (i + 1) % NT;
        size_t on = 0;
        llmz_dctx_set(d, LLMZ_P_THREADS, 5 - threads);
        rc = llmz_decompress_frame(d, out, IN_N, &on, ref[j], ref_n[j], NULL);
        if (rc != LLMZ_OK || on != IN_N || memcmp(out, inputs[j], IN_N) != 0) {
            a->fails++;
            snprintf(a->why, sizeof a->why, "thread %d: decompress frame %d wrong (rc %d)", a->id, j, rc);
        }
        /* read-only model accessors while others code */
        char desc[256];
        llmz_model_describe(M, desc, sizeof desc);
        int32_t ids[64];
        if (llmz_model_tokenize(M, ids, 64, inputs[i], 64) < 1) a->fails++;
    }
    free(out);
    llmz_dctx_free(d);
    return NULL;
}

int main(void) {
    char path[512];
    snprintf(path, sizeof path, "%s/tiny.gguf", t_data_dir());
    CHECK_EQ(llmz_model_load_file(&M, path), LLMZ_OK);
    if (!M) return T_DONE();
    /* four kinds of input */
    uint64_t r = 0x2545F4914F6CDD1Dull;
    const char *words[] = {"alpha ", "beta ", "gamma\n", "delta, ", "2024 ", "\t", "epsilon. "};
    for (int t = 0; t < NT; t++)
        for (size_t i = 0; i < IN_N;) {
            r ^= r << 13, r ^= r >> 7, r ^= r << 17;
            if (t == 0 || t == 3) { /* text; #3 has a random tail (a raw chunk) */
                if (t == 3 && i >= 4096) {
                    inputs[t][i++] = (unsigned char)(r >> 40);
                    continue;
                }
                for (const char *w = words[r % 7]; *w && i < IN_N; w++) inputs[t][i++] = (unsigned char)*w;
            } else if (t == 1) { /* random */
                inputs[t][i++] = (unsigned char)(r >> 40);
            } else { /* binary structure */
                inputs[t][i] = (unsigned char)(i % 7 == 0 ? 0 : (i * 13) & 0x3f);
                i++;
            }
        }
    /* single-thread references */
    for (int t = 0; t < NT; t++) {
        int rc;
        ref[t] = compress(inputs[t], IN_N, 1, LLMZ_KERNELS_AUTO, &ref_n[t], &rc);
        CHECK_EQ(rc, LLMZ_OK);
    }
    pthread_t tid[NT];
    worker_arg args[NT];
    for (int t = 0; t < NT; t++) {
        memset(&args[t], 0, sizeof args[t]);
        args[t].id = t;
        CHECK_EQ(pthread_create(&tid[t], NULL, worker, &args[t]), 0);
    }
    for (int t = 0; t < NT; t++) {
        pthread_join(tid[t], NULL);
        if (args[t].fails) fprintf(stderr, "FAIL %s\n", args[t].why[0] ? args[t].why : "tokenize");
        CHECK_EQ(args[t].fails, 0);
    }
    for (int t = 0; t < NT; t++) free(ref[t]);
    llmz_model_free(M);
    return T_DONE();
}
