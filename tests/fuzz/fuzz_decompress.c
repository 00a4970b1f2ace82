/* fuzz_decompress.c -- libFuzzer target: decompress arbitrary bytes as a sequence of frames with the
** committed model (tests/data/tiny.gguf, loaded once) and a memory limit.
**
** Every call must return a defined code; a frame that decodes must produce exactly orig_size bytes;
** decoding with 1 or 2 threads must agree (the thread count comes from the input length).  The memory
** limit (64 MiB of model state + 8 KiB) keeps the decoded size -- and so the time per input -- small:
** frames over the limit must be refused with LLMZ_ERR_MEMLIMIT before any output is produced. */
#include "fuzz.h"

#define FUZZ_DEC_MEMLIMIT ((64ull << 20) + (8u << 10))

FUZZ_TARGET(fuzz_decompress) {
    const llmz_model *m = fuzz_tiny_model();
    llmz_dctx *d = llmz_dctx_create(m);
    FUZZ_ASSERT(d != NULL);
    if (!d) return 0;
    int threads = 1 + (size % 3 == 0);
    FUZZ_ASSERT(llmz_dctx_set(d, LLMZ_P_MEMLIMIT, (long long)FUZZ_DEC_MEMLIMIT) == LLMZ_OK);
    FUZZ_ASSERT(llmz_dctx_set(d, LLMZ_P_THREADS, threads) == LLMZ_OK);
    size_t pos = 0;
    for (int frames = 0; frames < 16 && pos < size; frames++) {
        const uint8_t *p = data + pos;
        size_t avail = size - pos;
        llmz_frame_info fi;
        int ri = llmz_frame_get_info(&fi, p, avail);
        FUZZ_ASSERT(FUZZ_VALID_RC(ri));
        size_t n = 12345;
        if (ri != LLMZ_OK) {
            /* what decompression says about the same bytes: an error too */
            uint8_t out[16];
            int rc = llmz_decompress_frame(d, out, sizeof out, &n, p, avail, NULL);
            FUZZ_ASSERT(FUZZ_VALID_RC(rc) && rc != LLMZ_OK);
            FUZZ_ASSERT(n == 0);
            break;
        }
        size_t len = fi.frame_size < avail ? (size_t)fi.frame_size : avail;
        if (llmz_dctx_frame_memory(d, &fi) > FUZZ_DEC_MEMLIMIT) {
            /* too big to allocate an output for: the library must refuse it (memory limit, or an earlier
            ** check) before writing anything -- the buffer is 1 byte, the capacity claimed is orig_size, so
            ** a write past the checks is an ASan error */
            uint8_t *one = malloc(1);
            size_t cap = fi.orig_size > SIZE_MAX ? SIZE_MAX : (size_t)fi.orig_size;
            int rc = llmz_decompress_frame(d, one, cap, &n, p, len, NULL);
            FUZZ_ASSERT(FUZZ_VALID_RC(rc) && rc != LLMZ_OK);
            if (len == fi.frame_size && rc != LLMZ_ERR_MODEL_MISMATCH && rc != LLMZ_ERR_CORRUPT)
                FUZZ_ASSERT(rc == LLMZ_ERR_MEMLIMIT);
            FUZZ_ASSERT(n == 0);
            free(one);
        } else {
            size_t cap = (size_t)fi.orig_size;
            uint8_t *out = malloc(cap ? cap : 1);
            if (!out) break;
            llmz_stats st;
            int rc = llmz_decompress_frame(d, out, cap, &n, p, len, &st);
            FUZZ_ASSERT(FUZZ_VALID_RC(rc));
            if (len < fi.frame_size) FUZZ_ASSERT(rc == LLMZ_ERR_TRUNCATED);
            if (rc == LLMZ_OK) {
                FUZZ_ASSERT(n == fi.orig_size);
                FUZZ_ASSERT(st.out_bytes == fi.orig_size && st.in_bytes == len && st.chunks == fi.n_chunks);
                /* a frame that decodes also decodes with the other thread count, to the same bytes */
                llmz_dctx *d2 = llmz_dctx_create(m);
                uint8_t *out2 = malloc(cap ? cap : 1);
                if (d2 && out2) {
                    size_t n2 = 0;
                    llmz_dctx_set(d2, LLMZ_P_THREADS, threads == 1 ? 2 : 1);
                    FUZZ_ASSERT(llmz_decompress_frame(d2, out2, cap, &n2, p, len, NULL) == LLMZ_OK);
                    FUZZ_ASSERT(n2 == n && memcmp(out, out2, n) == 0);
                }
                free(out2);
                llmz_dctx_free(d2);
            } else {
                FUZZ_ASSERT(n == 0);
            }
            free(out);
            if (rc != LLMZ_OK) break;
        }
        if (fi.frame_size > avail) break;
        pos += (size_t)fi.frame_size;
    }
    llmz_dctx_free(d);
    return 0;
}
