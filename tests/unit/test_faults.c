/* test_faults.c -- allocation-failure loops (as SQLite's): for N = 1, 2, 3, ... the N-th allocation and
** every later one fail (llmz_mem_fail_after), during model loading (memory and file), compression
** (1 and 2 threads) and decompression (frame inspection included) of a small input.  Every call must
** return LLMZ_ERR_NOMEM (NULL for the constructors) and leave nothing allocated (run under `make
** asan-test`: LeakSanitizer checks at exit) until N passes the number of allocations the operation makes;
** then it must succeed with the right result.  A call that succeeds for a smaller N (an allocation it can
** do without) must be right too.  N is tried exhaustively up to FAULTS_DENSE, then sampled (about
** FAULTS_SAMPLES more values, the last allocations always included). */
#include <stdint.h>

#include "common/mem.h"
#include "llmz.h"
#include "t.h"

#define FAULTS_DENSE 400
#define FAULTS_SAMPLES 150

static unsigned char *gguf;
static size_t gguf_n;
static char gguf_path[512];
static llmz_model *M;
static uint8_t ref_fp[32];

/* the input: 7,000 bytes of text, then random bytes (a raw chunk), 3 chunks of 4096; quick (t.h, the sanitizer build,
** where each fault run codes its input again): 4,600 bytes of text in 8,400, still 3 chunks, the last two raw */
#define IN_N 10000
static unsigned char in[IN_N];
static size_t in_n = IN_N, in_text = 7000;
static unsigned char *ref_frame;
static size_t ref_frame_n;

typedef struct {
    int threads;
} op_arg;

/* One operation with faults injected from allocation n on; returns its llmz status (LLMZ_OK when it
** succeeded and the result was verified; -1 when it succeeded with a wrong result). */
typedef int (*op_fn)(op_arg *a);

static int op_load_memory(op_arg *a) {
    (void)a;
    llmz_model *m = (llmz_model *)(uintptr_t)1;
    int rc = llmz_model_load_memory(&m, gguf, gguf_n);
    if (rc != LLMZ_OK) return m == NULL ? rc : -2;
    llmz_mem_fail_after(-1);
    uint8_t fp[32];
    llmz_model_fingerprint(m, fp);
    int good = memcmp(fp, ref_fp, 32) == 0 && strcmp(llmz_model_name(m), llmz_model_name(M)) == 0;
    llmz_model_free(m);
    return good ? LLMZ_OK : -1;
}

static int op_load_file(op_arg *a) {
    (void)a;
    llmz_model *m = (llmz_model *)(uintptr_t)1;
    int rc = llmz_model_load_file(&m, gguf_path);
    if (rc != LLMZ_OK) return m == NULL ? rc : -2;
    llmz_mem_fail_after(-1);
    uint8_t fp[32];
    llmz_model_fingerprint(m, fp);
    int good = memcmp(fp, ref_fp, 32) == 0;
    llmz_model_free(m);
    return good ? LLMZ_OK : -1;
}

static int op_compress(op_arg *a) {
    llmz_cctx *c = llmz_cctx_create(M);
    if (!c) return LLMZ_ERR_NOMEM;
    if (llmz_cctx_set(c, LLMZ_P_THREADS, a->threads) || llmz_cctx_set(c, LLMZ_P_CHUNK_SIZE, 4096)) {
        llmz_cctx_free(c);
        return -3;
    }
    size_t cap = llmz_frame_bound(in_n), n = 99;
    unsigned char *dst = malloc(cap);
    int rc = llmz_compress_frame(c, dst, cap, &n, in, in_n, NULL);
    llmz_cctx_free(c);
    if (rc == LLMZ_OK && !(n == ref_frame_n && memcmp(dst, ref_frame, n) == 0)) rc = -1;
    if (rc != LLMZ_OK && rc != -1 && n != 0) rc = -4; /* *dst_size is 0 on failure */
    free(dst);
    return rc;
}

static int op_decompress(op_arg *a) {
    llmz_dctx *d = llmz_dctx_create(M);
    if (!d) return LLMZ_ERR_NOMEM;
    if (llmz_dctx_set(d, LLMZ_P_THREADS, a->threads)) {
        llmz_dctx_free(d);
        return -3;
    }
    llmz_frame_info fi;
    int rc = llmz_frame_get_info(&fi, ref_frame, ref_frame_n);
    if (rc == LLMZ_OK && fi.orig_size != in_n) rc = -1;
    if (rc == LLMZ_OK) {
        unsigned char *out = malloc(in_n);
        size_t n = 99;
        rc = llmz_decompress_frame(d, out, in_n, &n, ref_frame, ref_frame_n, NULL);
        if (rc == LLMZ_OK && !(n == in_n && memcmp(out, in, in_n) == 0)) rc = -1;
        if (rc != LLMZ_OK && rc != -1 && n != 0) rc = -4;
        free(out);
    }
    llmz_dctx_free(d);
    return rc;
}

/* The loop.  Returns the number of allocations a successful run made. */
static long fault_loop(const char *what, op_fn fn, op_arg *a) {
    long c0 = llmz_mem_alloc_count();
    int rc = fn(a);
    long total = llmz_mem_alloc_count() - c0;
    CHECK_EQ(rc, LLMZ_OK);
    if (rc != LLMZ_OK) return 0;
    int bad = 0, succeeded_early = 0, tries = 0;
    long step = total > FAULTS_DENSE ? (total - FAULTS_DENSE) / FAULTS_SAMPLES + 1 : 1;
    for (long n = 1; n <= total + 1; n += n < FAULTS_DENSE ? 1 : step) {
        if (n > total - 8 && n < total + 1 && step > 1) step = 1; /* always try the last allocations */
        llmz_mem_fail_after(n);
        rc = fn(a);
        llmz_mem_fail_after(-1);
        tries++;
        if (rc == LLMZ_OK) {
            if (n <= total) succeeded_early++;
            if (n == total + 1) break;
            continue;
        }
        if (rc != LLMZ_ERR_NOMEM || n > total) {
            if (bad++ < 5)
                fprintf(stderr, "FAIL %s: allocation %ld of %ld failing -> %d (%s)\n", what, n, total, rc,
                        rc >= 0 ? llmz_error_name(rc) : rc == -1 ? "wrong result" : "bad out-parameter");
        }
    }
    CHECK_EQ(bad, 0);
    /* allocations are counted per attempt, so the last one failing must fail the operation -- unless
    ** it happened on another thread that was not needed; single-threaded runs are exact */
    fprintf(stderr, "%-24s %6ld allocations, %4d fault runs, %d succeeded with a failed allocation\n", what,
            total, tries, succeeded_early);
    if (a->threads <= 1) CHECK_EQ(succeeded_early, 0);
    return total;
}

int main(void) {
    snprintf(gguf_path, sizeof gguf_path, "%s/tiny.gguf", t_data_dir());
    gguf = t_read_file(gguf_path, &gguf_n);
    CHECK(gguf != NULL);
    if (!gguf) return T_DONE();
    CHECK_EQ(llmz_model_load_memory(&M, gguf, gguf_n), LLMZ_OK);
    if (!M) return T_DONE();
    llmz_model_fingerprint(M, ref_fp);

    const char *words[] = {"the ", "quick ", "brown ", "fox ", "jumps\n", "over ", "lazy ", "dog, ", "1984 ", "\t"};
    uint64_t r = 0x9E3779B97F4A7C15ull;
    if (t_quick()) in_n = 8400, in_text = 4600;
    for (size_t i = 0; i < in_text;) {
        r ^= r << 13, r ^= r >> 7, r ^= r << 17;
        for (const char *w = words[r % 10]; *w && i < in_text; w++) in[i++] = (unsigned char)*w;
    }
    for (size_t i = in_text; i < in_n; i++) {
        r ^= r << 13, r ^= r >> 7, r ^= r << 17;
        in[i] = (unsigned char)(r >> 32);
    }
    {
        llmz_cctx *c = llmz_cctx_create(M);
        llmz_cctx_set(c, LLMZ_P_CHUNK_SIZE, 4096);
        size_t cap = llmz_frame_bound(in_n);
        ref_frame = malloc(cap);
        CHECK_EQ(llmz_compress_frame(c, ref_frame, cap, &ref_frame_n, in, in_n, NULL), LLMZ_OK);
        llmz_cctx_free(c);
        llmz_frame_info fi;
        CHECK_EQ(llmz_frame_get_info(&fi, ref_frame, ref_frame_n), LLMZ_OK);
        CHECK_EQ(fi.n_chunks, 3);
        CHECK(fi.raw_chunks >= 1 && fi.raw_chunks < 3); /* both chunk methods are exercised */
    }

    op_arg one = {1}, two = {2};
    fault_loop("model load (memory)", op_load_memory, &one);
    fault_loop("model load (file)", op_load_file, &one);
    fault_loop("compress, 1 thread", op_compress, &one);
    fault_loop("compress, 2 threads", op_compress, &two);
    fault_loop("decompress, 1 thread", op_decompress, &one);
    fault_loop("decompress, 2 threads", op_decompress, &two);

    /* fault injection is off again: everything works */
    CHECK_EQ(op_compress(&two), LLMZ_OK);
    CHECK_EQ(op_decompress(&two), LLMZ_OK);
    llmz_model_free(M);
    free(ref_frame);
    free(gguf);
    return T_DONE();
}
