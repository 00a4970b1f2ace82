/* fuzz_decode_fast.c -- libFuzzer target: decompression of arbitrary bytes, fast enough to run for hours
** (fuzz_decompress decodes the golden archives' thousands of tokens with the tiny model: ~10 inputs a second).
**
** The same checks as fuzz_decompress, made cheap:
**   - the micro model (tests/data/micro.gguf: vocabulary 302, one layer, context 32), so a token costs little;
**     its own seeds (tests/fuzz/corpus/decode_fast: frames of every format version, chunk methods 0-4, lossy
**     frames, chunk groups, several frames, all decoding to at most a few hundred bytes) name it;
**   - frames that decode to more than FAST_MAX_OUT bytes are not decoded: with the memory limit set one byte
**     below what llmz_dctx_frame_memory says they need, they must be refused (LLMZ_ERR_MEMLIMIT, or an error
**     found before it) with nothing written -- their output buffer is 1 byte, the capacity claimed orig_size;
**   - the others decode under a memory limit of exactly that estimate, which must not make them fail with
**     LLMZ_ERR_MEMLIMIT, and the library's allocations while decoding (llmz_mem_peak) must stay within
**     engine_decode_bytes, the part of the estimate that is the decoder's own -- for damaged frames too;
**   - one decoding context per thread count, kept across inputs (a context is reused for frame after frame), with
**     a dictionary (FAST_DICT_TEXT): dictionary frames naming it decode, their primed state kept in the context;
**     one thread mostly, two for one input in four (size % 4 == 0), and every frame that decodes is decoded
**     again with the other count, to the same bytes;
**   - every call returns a defined code; a frame that fails reports 0 bytes; one that decodes reports exactly
**     orig_size bytes, and its statistics match its header.
** Run with -max_len=2048 (run.sh). */
#include "fuzz.h"

#include "common/mem.h"
#include "engine/engine.h"

#define FAST_MAX_OUT 1024 /* bytes a frame may decode to here */
#define FAST_FRAMES 4     /* frames walked per input */

static llmz_dctx *fast_dctx_[2]; /* 1 and 2 threads */
static llmz_dict *fast_dict_;    /* FAST_DICT_TEXT's dictionary for the micro model: dictionary frames decode too */

/* The text of the dictionary the seeds' dictionary frames name (corpus/decode_fast/dict.*.v4.llmz) */
#define FAST_DICT_TEXT                                                                                                 \
    "2026-11-02 10:00:00 status installed bash:amd64 5.2-1\n{\"id\": 7, \"user\": \"erin\", \"active\": true}\n"  \
    "2026-11-02 10:00:01 configure tar:amd64 1.34-1 <none>\n"

static llmz_dctx *fast_dctx(int threads) {
    llmz_dctx **d = &fast_dctx_[threads - 1];
    if (!fast_dict_) {
        void *f;
        size_t n;
        FUZZ_ASSERT(llmz_dict_make(&f, &n, fuzz_micro_model(), FAST_DICT_TEXT, strlen(FAST_DICT_TEXT)) == LLMZ_OK);
        FUZZ_ASSERT(llmz_dict_load(&fast_dict_, fuzz_micro_model(), f, n) == LLMZ_OK);
        llmz_free_buffer(f);
    }
    if (!*d) {
        *d = llmz_dctx_create(fuzz_micro_model());
        FUZZ_ASSERT(*d != NULL);
        if (*d) FUZZ_ASSERT(llmz_dctx_set(*d, LLMZ_P_THREADS, threads) == LLMZ_OK);
        if (*d) FUZZ_ASSERT(llmz_dctx_set_dict(*d, fast_dict_) == LLMZ_OK);
    }
    return *d;
}

#ifdef FUZZ_REGRESS
/* For the replay driver (the contexts are reachable, not leaked, under libFuzzer). */
static void fuzz_decode_fast_free(void) {
    llmz_dctx_free(fast_dctx_[0]);
    llmz_dctx_free(fast_dctx_[1]);
    fast_dctx_[0] = fast_dctx_[1] = NULL;
    llmz_dict_free(fast_dict_);
    fast_dict_ = NULL;
}
#endif

/* Decodes the frame p[0..len) (header fi) with d under the memory limit `limit` into a buffer of orig_size bytes;
** checks what every decoding must satisfy; returns the code, the output in *out (the caller frees it). */
static int fast_decode(llmz_dctx *d, int threads, const llmz_frame_info *fi, const uint8_t *p, size_t len,
                       uint64_t limit, uint8_t **out) {
    size_t cap = (size_t)fi->orig_size;
    *out = malloc(cap ? cap : 1);
    if (!*out) return LLMZ_ERR_NOMEM;
    FUZZ_ASSERT(llmz_dctx_set(d, LLMZ_P_MEMLIMIT, (long long)limit) == LLMZ_OK);
    llmz_stats st;
    size_t n = 12345, base = llmz_mem_now();
    llmz_mem_peak_reset();
    int rc = llmz_decompress_frame(d, *out, cap, &n, p, len, &st);
    size_t peak = llmz_mem_peak() - base;
    FUZZ_ASSERT(FUZZ_VALID_RC(rc));
    FUZZ_ASSERT(rc != LLMZ_ERR_MEMLIMIT); /* the limit is the frame's own estimate */
    if (llmz_mem_tracked()) {
        uint64_t est = engine_decode_bytes(fuzz_micro_model(), fi, threads) + engine_dict_bytes(d, fi);
        if (peak > est)
            fprintf(stderr, "fuzz_decode_fast: %d threads, rc %s: peak %zu > estimate %llu\n", threads,
                    llmz_error_name(rc), peak, (unsigned long long)est);
        FUZZ_ASSERT(peak <= est);
    }
    if (len < fi->frame_size) FUZZ_ASSERT(rc == LLMZ_ERR_TRUNCATED);
    if (rc == LLMZ_OK) {
        FUZZ_ASSERT(n == fi->orig_size);
        FUZZ_ASSERT(st.out_bytes == fi->orig_size && st.in_bytes == len && st.chunks == fi->n_chunks);
        FUZZ_ASSERT(st.raw_chunks == fi->raw_chunks);
    } else {
        FUZZ_ASSERT(n == 0);
    }
    return rc;
}

FUZZ_TARGET(fuzz_decode_fast) {
    int threads = size % 4 == 0 ? 2 : 1;
    llmz_dctx *d = fast_dctx(threads);
    if (!d) return 0;
    size_t pos = 0;
    for (int frames = 0; frames < FAST_FRAMES && pos < size; frames++) {
        const uint8_t *p = data + pos;
        size_t avail = size - pos;
        llmz_frame_info fi;
        int ri = llmz_frame_get_info(&fi, p, avail);
        FUZZ_ASSERT(FUZZ_VALID_RC(ri));
        size_t n = 12345;
        if (ri != LLMZ_OK) {
            /* what decompression says about the same bytes: an error too */
            uint8_t out[16];
            FUZZ_ASSERT(llmz_dctx_set(d, LLMZ_P_MEMLIMIT, 0) == LLMZ_OK);
            int rc = llmz_decompress_frame(d, out, sizeof out, &n, p, avail, NULL);
            FUZZ_ASSERT(FUZZ_VALID_RC(rc) && rc != LLMZ_OK);
            FUZZ_ASSERT(n == 0);
            break;
        }
        size_t len = fi.frame_size < avail ? (size_t)fi.frame_size : avail;
        uint64_t need = llmz_dctx_frame_memory(d, &fi);
        FUZZ_ASSERT(need >= fi.orig_size + fi.frame_size);
        if (fi.orig_size > FAST_MAX_OUT) {
            /* one byte over the limit: refused (memory limit, or an earlier check) before anything is written */
            uint8_t *one = malloc(1);
            size_t cap = fi.orig_size > SIZE_MAX ? SIZE_MAX : (size_t)fi.orig_size;
            FUZZ_ASSERT(llmz_dctx_set(d, LLMZ_P_MEMLIMIT, (long long)(need - 1)) == LLMZ_OK);
            int rc = llmz_decompress_frame(d, one, cap, &n, p, len, NULL);
            FUZZ_ASSERT(FUZZ_VALID_RC(rc) && rc != LLMZ_OK);
            if (len == fi.frame_size && rc != LLMZ_ERR_MODEL_MISMATCH && rc != LLMZ_ERR_CORRUPT &&
                rc != LLMZ_ERR_DICT) /* a dictionary frame of another dictionary: refused before the limit */
                FUZZ_ASSERT(rc == LLMZ_ERR_MEMLIMIT);
            FUZZ_ASSERT(n == 0);
            free(one);
        } else {
            uint8_t *out = NULL;
            int rc = fast_decode(d, threads, &fi, p, len, need, &out);
            if (rc == LLMZ_OK) {
                /* a frame that decodes also decodes with the other thread count, to the same bytes */
                int t2 = threads == 1 ? 2 : 1;
                llmz_dctx *d2 = fast_dctx(t2);
                uint8_t *out2 = NULL;
                if (d2) {
                    FUZZ_ASSERT(fast_decode(d2, t2, &fi, p, len, llmz_dctx_frame_memory(d2, &fi), &out2) == LLMZ_OK);
                    FUZZ_ASSERT(out2 && memcmp(out, out2, (size_t)fi.orig_size) == 0);
                }
                free(out2);
            }
            free(out);
            if (rc != LLMZ_OK) break;
        }
        if (fi.frame_size > avail) break;
        pos += (size_t)fi.frame_size;
    }
    return 0;
}
